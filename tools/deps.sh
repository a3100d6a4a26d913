#!/bin/sh
# tools/deps.sh check|install PACKAGE...
# check: exits 0 when every Debian package is installed; otherwise installs
# them when run as root, or prints the one apt-get line to run and fails.
set -u

mode=$1
shift

missing=
for p in "$@"; do
    s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) || s=
    case "$s" in
        *" installed") ;;
        *) missing="$missing $p" ;;
    esac
done

[ -z "$missing" ] && exit 0
[ "$mode" = check ] && echo "missing Debian packages:$missing" >&2

if [ "$(id -u)" -ne 0 ]; then
    echo "run as root:  apt-get update && apt-get install -y$missing" >&2
    exit 1
fi

echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || exit 1
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null || exit 1
