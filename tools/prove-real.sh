#!/usr/bin/env bash
# tools/prove-real.sh: every suite under the real Test::Nginx (openresty's
# test-nginx, from the tarball in ../shared/test-nginx) instead of our
# runner in t/lib, on the nginx of NGINX_BIN.  The suites must pass under
# both (t/lib/README.md); this is how we know they do.
#
#   TEST_NGINX_REAL_TARBALL  the tarball (default: the newest
#                            ../shared/test-nginx/test-nginx-*.tar.gz)
#   PROVE_REAL_SUITES        the suites (default: every one, as make prove)
#   PROVE_REAL_DEPS          Debian packages the real harness needs
#                            (checked, and installed as root, by
#                            tools/deps.sh)
#   BUILD, NGINX_BIN         as in the Makefile; the Makefile's PROVE_ENV
#                            (TEST_NGINX_BINARY, ..._LOAD_MODULES,
#                            JWTGATE_*) wins over the defaults here
#   TEST_NGINX_PORT          the base port (default 1984)
#   PROVE_REAL_REQUIRED      1: no tarball is a failure (CI)
#   PROVE_JOBS               files at once (default 1), each in a slot
#                            of its own (tools/prove-slot.sh)
#
# Without the tarball it says so and exits 0: make test works without it.
# The suites run with TEST_NGINX_USE_HUP=1 (nginx reloaded between blocks,
# not restarted: about 1.8 s less per block; a file whose blocks need a
# fresh nginx, for what lives in shared memory, deletes it in a BEGIN
# block) and a server root of their own under $BUILD, so that nothing is
# left in t/servroot.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

BUILD=${BUILD:-build}
# absolute from here on (BUILD=/some/where, or relative to the top)
mkdir -p "$BUILD" && BUILD=$(cd "$BUILD" && pwd) || exit 1
NGINX_BIN=${NGINX_BIN:-/usr/sbin/nginx}
tarball=${TEST_NGINX_REAL_TARBALL:-$(ls -t \
    ../shared/test-nginx/test-nginx-*.tar.gz 2>/dev/null | head -1)}

if [ -z "$tarball" ] || [ ! -f "$tarball" ]; then
    echo "prove-real: the real Test::Nginx tarball is not there" \
         "(${tarball:-../shared/test-nginx/test-nginx-*.tar.gz});" \
         "not run (TEST_NGINX_REAL_TARBALL=...)" >&2
    # CI sets PROVE_REAL_REQUIRED=1: a run that did not happen is no pass
    [ "${PROVE_REAL_REQUIRED:-0}" = 1 ] && exit 1
    exit 0
fi

if [ -n "${PROVE_REAL_DEPS:-}" ]; then
    # shellcheck disable=SC2086
    sh tools/deps.sh check $PROVE_REAL_DEPS || exit 1
fi

# unpacked once per tarball: a stamp holds the tarball's checksum
tn=$BUILD/test-nginx-real
sum=$(sha256sum "$tarball" | cut -d' ' -f1)
if [ ! -f "$tn/.stamp" ] || [ "$(cat "$tn/.stamp")" != "$sum" ]; then
    rm -rf "$tn"
    mkdir -p "$tn"
    tar xzf "$tarball" -C "$tn" --strip-components=1 || exit 1
    [ -f "$tn/lib/Test/Nginx/Socket.pm" ] || {
        echo "prove-real: no lib/Test/Nginx/Socket.pm in $tarball" >&2
        exit 1
    }
    echo "$sum" > "$tn/.stamp"
fi

# shellcheck disable=SC2206
suites=(${PROVE_REAL_SUITES:-t/})

# PROVE_JOBS=n: n files at once, each in a slot of its own (a port and a
# server root: tools/prove-slot.sh), the slow ones first
jobs=${PROVE_JOBS:-1}
prove_cmd=(prove -r)
if [ "$jobs" -gt 1 ]; then
    mapfile -t files < <(find "${suites[@]}" -name '*.t' | sort)
    [ "${#files[@]}" -gt 0 ] || {
        echo "prove-real: no test file in ${suites[*]}" >&2
        exit 1
    }
    mapfile -t suites < <(sh tools/suite-order.sh "${files[@]}")
    rm -rf "$BUILD/real-slots"
    export PROVE_SLOT_DIR=$BUILD/real-slots PROVE_SLOTS=$jobs
    prove_cmd=(prove -j"$jobs" --exec "$top/tools/prove-slot.sh")
fi

echo "== prove-real: $(perl -I"$tn/lib" -MTest::Nginx::Socket \
      -e 'print "Test::Nginx $Test::Nginx::Socket::VERSION"') from" \
     "$tarball, nginx $("$NGINX_BIN" -v 2>&1 | sed 's,.*/,,')" >&2
start=$(date +%s)

module=$BUILD/ngx_http_auth_jwt_module.so
TEST_NGINX_USE_HUP=1 \
TEST_NGINX_SERVROOT=${TEST_NGINX_SERVROOT:-$BUILD/real-servroot} \
TEST_NGINX_BINARY=${TEST_NGINX_BINARY:-$NGINX_BIN} \
TEST_NGINX_LOAD_MODULES=${TEST_NGINX_LOAD_MODULES:-$module} \
JWTGATE_ISSUER=${JWTGATE_ISSUER:-$BUILD/jwtgate-issuer} \
JWTGATE_JWKS=${JWTGATE_JWKS:-$BUILD/jwtgate-jwks} \
JWTGATE_NPM_DIR=${JWTGATE_NPM_DIR:-$BUILD/npm} \
PERL5LIB=$tn/lib:$top/t/lib${PERL5LIB:+:$PERL5LIB} \
    "${prove_cmd[@]}" "${suites[@]}"
rc=$?
echo "== prove-real: $(( $(date +%s) - start )) s" >&2
exit $rc
