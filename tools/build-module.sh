#!/bin/sh
# Builds build/ngx_http_auth_jwt_module.so against an nginx source tree.
# Configures once (again only when the tree or ./config changes), then
# lets nginx's own Makefile rebuild what changed.
#
#   tools/build-module.sh NGINX_SRC BUILD_DIR
set -eu

src=$1
build=$2
top=$(pwd)
ngx=$build/ngx

: "${NGX_CC_OPT:=-g -O2 -fstack-protector-strong -Wformat -Werror=format-security -fPIC -Wdate-time -D_FORTIFY_SOURCE=2}"
: "${NGX_LD_OPT:=-Wl,-z,relro -Wl,-z,now -fPIC}"

if [ ! -x "$src/configure" ] && [ ! -f "$src/auto/configure" ]; then
    echo "build-module: $src is not an nginx source tree" \
         "(install nginx-dev, or pass NGINX_SRC=/path/to/nginx-1.x.y)" >&2
    exit 1
fi

configured=no
if [ -f "$ngx/objs/Makefile" ] && [ -f "$ngx/.jwtgate-src" ] \
   && [ "$(cat "$ngx/.jwtgate-src")" = "$src" ] \
   && [ "$ngx/objs/Makefile" -nt config ]; then
    configured=yes
fi

if [ $configured = no ]; then
    rm -rf "$ngx"
    mkdir -p "$build"
    cp -r "$src" "$ngx"
    cd "$ngx"
    [ -x ./configure ] || cp auto/configure ./configure
    if [ -f conf_flags ]; then
        # Debian's nginx-dev: the exact flags Debian's nginx was built with
        flags=$(bash -c '. ./conf_flags; printf "%s\n" "${NGX_CONF_FLAGS[@]}"')
    else
        flags=--with-compat
    fi
    # shellcheck disable=SC2086
    ./configure $flags --with-cc-opt="$NGX_CC_OPT" --with-ld-opt="$NGX_LD_OPT" \
        --add-dynamic-module="$top" > configure.log 2>&1 || {
        tail -30 configure.log >&2
        echo "build-module: nginx configure failed (see $ngx/configure.log)" >&2
        exit 1
    }
    echo "$src" > .jwtgate-src
    cd "$top"
fi

if [ -n "${V:-}" ]; then
    # V=1: the compiler lines as they run; make's "*** ... Error" on failure
    make -C "$ngx" -f objs/Makefile modules 2>&1 | tee "$build/make.log"
    if grep -q '^make.*\*\*\*' "$build/make.log"; then
        exit 1
    fi
else
    make -C "$ngx" -f objs/Makefile modules >"$build/make.log" 2>&1 || {
        cat "$build/make.log" >&2
        exit 1
    }
fi
# nginx's own flags include -Werror; still surface any warning
grep -i 'warning:' "$build/make.log" >&2 || true
# a new file, renamed over the old one: an nginx running the old module
# keeps its mapping (cp over it in place crashes such a process)
cp "$ngx/objs/ngx_http_auth_jwt_module.so" "$build/ngx_http_auth_jwt_module.so.new"
mv -f "$build/ngx_http_auth_jwt_module.so.new" "$build/ngx_http_auth_jwt_module.so"
echo "built $build/ngx_http_auth_jwt_module.so"
