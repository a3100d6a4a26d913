#!/bin/sh
# tools/deb.sh build | changelog FILE
#
# build: the Debian package, libnginx-mod-http-auth-jwt_$VERSION_ARCH.deb,
# in $BUILD/deb: the sources the package needs are copied to
# $BUILD/deb/src/jwtgate-$VERSION, debian/changelog is written there, then
# dpkg-buildpackage -b (debian/rules: debhelper, dh_nginx, the Makefile's
# module and install targets) and lintian on the result (an error fails).
#
# changelog FILE: only debian/changelog.  Its version is $VERSION, read by
# the Makefile from NGX_HTTP_AUTH_JWT_VERSION in src/ngx_http_auth_jwt.h,
# the one place the release is written; the maintainer is debian/control's;
# the date the last commit's (else now), so that a rebuild of one commit
# gives the same SOURCE_DATE_EPOCH.
set -eu

: "${BUILD:=build}"
: "${VERSION:?VERSION unset (the Makefile reads it from src/ngx_http_auth_jwt.h)}"

PKG=libnginx-mod-http-auth-jwt

# a native package: the version is the release as it is, no revision
case "$VERSION" in
    [0-9]*) ;;
    *) echo "deb: version \"$VERSION\" does not start with a digit" >&2; exit 1 ;;
esac
if printf '%s' "$VERSION" | LC_ALL=C grep -q '[^0-9A-Za-z.+~]'; then
    echo "deb: version \"$VERSION\": only 0-9 A-Z a-z . + ~ in a" \
         "native package's version" >&2
    exit 1
fi

changelog() {
    out=$1
    maint=$(sed -n 's/^Maintainer: *//p' debian/control)
    [ -n "$maint" ] || { echo "deb: no Maintainer in debian/control" >&2; exit 1; }
    when=
    if command -v git >/dev/null 2>&1; then
        when=$(git log -1 --format=%ct 2>/dev/null) || when=
    fi
    [ -n "$when" ] || when=$(date +%s)
    cat > "$out" <<EOF
jwtgate ($VERSION) unstable; urgency=medium

  * jwtgate $VERSION.  This file is written by tools/deb.sh from
    NGX_HTTP_AUTH_JWT_VERSION in src/ngx_http_auth_jwt.h; the changes are
    in the project's git history.

 -- $maint  $(LC_ALL=C date -u -R -d "@$when")
EOF
}

case "${1:-}" in
    changelog)
        changelog "${2:?changelog FILE}"
        exit 0
        ;;
    build)
        ;;
    *)
        echo "usage: tools/deb.sh build | changelog FILE" >&2
        exit 2
        ;;
esac

arch=$(dpkg --print-architecture)
top=$(pwd)
stage=$BUILD/deb
src=$stage/src/jwtgate-$VERSION
deb=$stage/${PKG}_${VERSION}_$arch.deb

rm -rf "$stage"
mkdir -p "$src"

# what the package is built from; never debian/'s build products, nor a
# debian/changelog written by hand with "make debian/changelog"
tar -cf - --exclude=debian/build --exclude="debian/$PKG" \
    --exclude=debian/.debhelper --exclude=debian/changelog \
    --exclude='debian/*.substvars' --exclude='debian/*debhelper*' \
    --exclude=debian/files --exclude=debian/tmp \
    Makefile config README.md src tools docs conf-examples debian \
    | tar -xf - -C "$src"
changelog "$src/debian/changelog"

echo "deb: dpkg-buildpackage -b in $src (log: $stage/build.log)"
if ! (cd "$src" && dpkg-buildpackage -b -us -uc) > "$stage/build.log" 2>&1
then
    tail -40 "$stage/build.log" >&2
    echo "deb: dpkg-buildpackage failed (see $stage/build.log)" >&2
    exit 1
fi

# dpkg-buildpackage writes beside the source directory
for f in "$stage"/src/*.deb "$stage"/src/*.ddeb "$stage"/src/*.buildinfo \
         "$stage"/src/*.changes; do
    [ -e "$f" ] && mv "$f" "$stage/"
done

if [ ! -f "$deb" ]; then
    echo "deb: $deb was not made (see $stage/build.log)" >&2
    exit 1
fi

echo "deb: lintian $deb"
rc=0
lintian --display-info --fail-on error "$deb" \
    > "$stage/lintian.txt" 2>&1 || rc=$?
tags=$(grep -v '^running with root privileges is not recommended' \
       "$stage/lintian.txt" || true)
printf '%s\n' "${tags:-(no tags)}" | sed 's/^/    /'
if [ $rc -ne 0 ]; then
    echo "deb: lintian found errors (exit $rc)" >&2
    exit 1
fi
if grep -q '^E: ' "$stage/lintian.txt"; then
    echo "deb: lintian found errors" >&2
    exit 1
fi

cd "$top"
echo "built $deb"
