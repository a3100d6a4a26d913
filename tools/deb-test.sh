#!/usr/bin/env bash
# tools/deb-test.sh (make deb-test, as root, after make deb): the package
# installed, enabled and purged the Debian way.
#
#   1. dpkg -i build/deb/libnginx-mod-http-auth-jwt_VERSION_ARCH.deb
#      (apt-get install -f when a dependency is missing)
#   2. its postinst (dh_nginx) made the modules-enabled symlink to
#      /usr/share/nginx/modules-available/mod-http-auth-jwt.conf, whose
#      load_module names the packaged module; nginx -t of the machine's
#      own configuration passes with it
#   3. conf-examples/api-gateway-basic.conf, loading the module through
#      that symlink (not load_module with a path), with a key file made by
#      the packaged jwtgate-jwks, on a private prefix and 127.0.0.1:PORT
#      (DEB_TEST_PORT, 18480; its upstream on PORT+1, served by the same
#      nginx): nginx -t, start, the version notice in the error log, then
#      tokens from the packaged jwtgate-mint: valid 200, none 401, forged
#      (another key, the same kid) 401, expired 401; nginx stopped by its
#      PID
#   4. dpkg --purge: none of the package's files left (dpkg -L before),
#      no modules-enabled symlink (nor .removed), nginx -t of the
#      machine's configuration still passes
#
# The machine's nginx service is never started, stopped or restarted by
# this script (the package's postinst and postrm ask dpkg to reload it
# through the nginx-reload trigger, as every libnginx-mod-* does: nginx's
# own postinst reloads it only when it is running).
set -euo pipefail

: "${BUILD:=build}"
: "${VERSION:?VERSION unset (make deb-test reads it from src/ngx_http_auth_jwt.h)}"
PORT=${DEB_TEST_PORT:-18480}
UP=$((PORT + 1))
NGINX=/usr/sbin/nginx

PKG=libnginx-mod-http-auth-jwt
ARCH=$(dpkg --print-architecture)
DEB=$BUILD/deb/${PKG}_${VERSION}_$ARCH.deb
AVAILABLE=/usr/share/nginx/modules-available/mod-http-auth-jwt.conf
ENABLED=/etc/nginx/modules-enabled/50-mod-http-auth-jwt.conf
EXAMPLE=conf-examples/api-gateway-basic.conf

start=$(date +%s)
passed=0
failed=0
ok()   { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
check() {   # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then ok "$what"; else fail "$what"; fi
}
die() { echo "deb-test: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (dpkg -i, dpkg --purge)"
[ -f "$DEB" ] || die "$DEB not found (make deb)"
for p in curl openssl; do
    command -v $p >/dev/null || die "$p missing (apt-get install $p)"
done
if dpkg-query -W -f='${Status}' $PKG 2>/dev/null | grep -q 'ok installed\|config-files\|half\|unpacked'; then
    die "$PKG is on this machine already (another make deb-test, or a" \
        "leftover: dpkg --purge $PKG)"
fi
[ -e "$ENABLED" ] && die "$ENABLED exists before the install"

# dpkg and apt wait for one another's lock (others may install packages)
retry_lock() {
    local out rc
    for _ in $(seq 1 90); do
        rc=0
        out=$("$@" 2>&1) || rc=$?
        if [ "$rc" -eq 0 ]; then
            printf '%s\n' "$out"
            return 0
        fi
        if printf '%s' "$out" | grep -qi 'lock'; then
            sleep 2
            continue
        fi
        printf '%s\n' "$out"
        return $rc
    done
    printf '%s\n' "$out"
    return 1
}

umask 077        # the throwaway keys below: ours only
tmp=$(mktemp -d /tmp/jwtgate-deb-test.XXXXXX)
chmod 755 "$tmp"
pid=
purged=no

cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -QUIT "$pid" 2>/dev/null || true
        sleep 1
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
        fi
    fi
    if [ $purged = no ] && dpkg-query -W $PKG >/dev/null 2>&1; then
        echo "deb-test: purging $PKG (cleanup)"
        retry_lock dpkg --purge $PKG >/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

# --- 1. install ---
echo "== dpkg -i $DEB"
if ! retry_lock dpkg -i "$DEB" | sed 's/^/    /'; then
    echo "    (dpkg -i failed: apt-get install -f for the dependencies)"
    DEBIAN_FRONTEND=noninteractive retry_lock \
        apt-get install -f -y -q -o DPkg::Lock::Timeout=180 | tail -5 | sed 's/^/    /'
fi
st=$(dpkg-query -W -f='${Status} ${Version}' $PKG 2>/dev/null || true)
check "installed: $st" [ "$st" = "install ok installed $VERSION" ]
mapfile -t FILES < <(dpkg -L $PKG)
check "dpkg -L lists the package's files" [ "${#FILES[@]}" -gt 10 ]

# --- 2. enabled the Debian way ---
check "$ENABLED -> $AVAILABLE" \
    [ "$(readlink "$ENABLED" 2>/dev/null)" = "$AVAILABLE" ]
check "$AVAILABLE loads modules/ngx_http_auth_jwt_module.so" \
    [ "$(cat "$AVAILABLE" 2>/dev/null)" \
      = "load_module modules/ngx_http_auth_jwt_module.so;" ]
check "/usr/lib/nginx/modules/ngx_http_auth_jwt_module.so is the package's" \
    sh -c "dpkg -S /usr/lib/nginx/modules/ngx_http_auth_jwt_module.so | grep -q '^$PKG:'"
for t in jwtgate-jwks jwtgate-mint; do
    check "/usr/bin/$t, and its man page" \
        sh -c "[ -x /usr/bin/$t ] && [ -f /usr/share/man/man1/$t.1.gz ]"
done
out=$($NGINX -t 2>&1) && rc=0 || rc=$?
check "nginx -t of /etc/nginx/nginx.conf (modules-enabled included)" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || printf '%s\n' "$out" | sed 's/^/    /'

# --- 3. a conf-example, served ---
mkdir -p "$tmp/logs"
# the snippet's relative load_module resolves against the prefix, as
# Debian's nginx (prefix /usr/share/nginx) resolves it
ln -s /usr/share/nginx/modules "$tmp/modules"

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$tmp/issuer.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$tmp/forger.pem" 2>/dev/null
/usr/bin/jwtgate-jwks "$tmp/issuer.pem:deb-test" > "$tmp/jwks.json"
chmod 644 "$tmp/jwks.json"
check "jwtgate-jwks made the key file" grep -q '"kid": *"deb-test"' "$tmp/jwks.json"

# the example as it is, but: the module through the modules-enabled
# symlink, the key file, the ports, and its upstream served by this nginx
perl -0777 -e '
    my ($tmp, $port, $up, $enabled) = @ARGV[1 .. 4];
    open my $fh, "<", $ARGV[0] or die "$ARGV[0]: $!";
    my $c = <$fh>;
    my %n;
    $n{load} = $c =~ s{^load_module /usr/lib/nginx/modules/ngx_http_auth_jwt_module\.so;}
                       {include $enabled;}mg;
    $n{key} = $c =~ s{/etc/nginx/jwks\.json}{$tmp/jwks.json}g;
    $n{listen} = $c =~ s{listen 127\.0\.0\.1:8080;}{listen 127.0.0.1:$port;}g;
    $n{up} = $c =~ s{server 127\.0\.0\.1:8081;}{server 127.0.0.1:$up;}g;
    my $http = "http {
    access_log $tmp/logs/access.log;
    client_body_temp_path $tmp/body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;

    server {
        listen 127.0.0.1:$up;
        location / {
            return 200 \"orders \$uri\\n\";
        }
    }

";
    $n{http} = $c =~ s/^http \{\n/$http/m;
    for (qw(load key listen up http)) {
        die "$ARGV[0]: expected text for \"$_\" not found\n" unless $n{$_};
    }
    die "$ARGV[0]: another load_module\n" if $c =~ /^\s*load_module/m;
    print "pid $tmp/nginx.pid;\nerror_log $tmp/logs/error.log info;\n$c";
' "$EXAMPLE" "$tmp" "$PORT" "$UP" "$ENABLED" > "$tmp/nginx.conf"

out=$($NGINX -t -p "$tmp/" -c "$tmp/nginx.conf" -e "$tmp/logs/error.log" 2>&1) \
    && rc=0 || rc=$?
check "nginx -t: $EXAMPLE with the module from modules-enabled" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || printf '%s\n' "$out" | sed 's/^/    /'

$NGINX -p "$tmp/" -c "$tmp/nginx.conf" -e "$tmp/logs/error.log" \
    || die "nginx did not start (see above)"
for _ in $(seq 1 50); do
    [ -s "$tmp/nginx.pid" ] && break
    sleep 0.1
done
pid=$(cat "$tmp/nginx.pid" 2>/dev/null || true)
[ -n "$pid" ] || die "nginx wrote no pid file"
echo "== nginx $pid on 127.0.0.1:$PORT (upstream :$UP), prefix $tmp"

check "error log: \"auth_jwt module $VERSION (jwtgate)\" at startup" \
    grep -q "\[notice\] .*auth_jwt module $VERSION (jwtgate)" \
    "$tmp/logs/error.log"

# status code and body of one request
request() {   # request PATH [TOKEN]
    local auth=()
    [ -n "${2:-}" ] && auth=(-H "Authorization: Bearer $2")
    curl -s -o "$tmp/body.out" -w '%{http_code}' --max-time 10 \
        "${auth[@]}" "http://127.0.0.1:$PORT$1" || echo 000
}

mint() { /usr/bin/jwtgate-mint -i deb-test -s alice "$@"; }
valid=$(mint -k "$tmp/issuer.pem")
forged=$(mint -k "$tmp/forger.pem")
expired=$(mint -k "$tmp/issuer.pem" -e -120)

code=$(request /healthz)
check "GET /healthz (no auth_jwt): $code" [ "$code" = 200 ]
code=$(request /api/orders "$valid")
body=$(cat "$tmp/body.out")
check "valid token: $code, \"$body\"" \
    [ "$code:$body" = "200:orders /api/orders" ]
code=$(request /api/orders)
check "no token: $code" [ "$code" = 401 ]
code=$(request /api/orders "$forged")
check "forged token (another key, same kid): $code" [ "$code" = 401 ]
check "error log: \"token rejected: bad_signature\"" \
    grep -q 'auth_jwt: token rejected: bad_signature' "$tmp/logs/error.log"
code=$(request /api/orders "$expired")
check "expired token: $code" [ "$code" = 401 ]

kill -QUIT "$pid"
for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
    fail "nginx $pid still running 10 s after QUIT: TERM"
    kill -TERM "$pid" 2>/dev/null || true
else
    ok "nginx $pid stopped"
fi
pid=

# --- 4. purge ---
echo "== dpkg --purge $PKG"
retry_lock dpkg --purge $PKG | sed 's/^/    /' || true
purged=yes
st=$(dpkg-query -W -f='${Status}' $PKG 2>/dev/null || true)
check "purged: \"${st:-unknown to dpkg}\"" \
    sh -c "[ -z '$st' ] || [ '$st' = 'unknown ok not-installed' ] || [ '$st' = 'purge ok not-installed' ]"

left=
for f in "${FILES[@]}"; do
    [ "$f" = /. ] && continue
    if [ -d "$f" ] && [ ! -L "$f" ]; then
        # a directory stays only when another package has it
        dpkg -S "$f" >/dev/null 2>&1 || left="$left $f"
    elif [ -e "$f" ] || [ -L "$f" ]; then
        left="$left $f"
    fi
done
check "none of the package's ${#FILES[@]} paths left behind${left:+:$left}" \
    [ -z "$left" ]
leftlinks=
for f in /etc/nginx/modules-enabled/*auth-jwt*; do
    if [ -e "$f" ] || [ -L "$f" ]; then leftlinks="$leftlinks ${f##*/}"; fi
done
check "no modules-enabled symlink left${leftlinks:+:$leftlinks}" \
    [ -z "$leftlinks" ]
out=$($NGINX -t 2>&1) && rc=0 || rc=$?
check "nginx -t of /etc/nginx/nginx.conf after the purge" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || printf '%s\n' "$out" | sed 's/^/    /'

echo "deb-test: $passed passed, $failed failed, $(( $(date +%s) - start )) s"
[ $failed -eq 0 ]
