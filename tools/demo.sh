#!/bin/sh
# make demo: the whole system on one machine, walked through with curl.
#
# It starts, on free loopback ports, the reference issuer
# (build/jwtgate-issuer: users alice and bob, an API key for the "billing"
# service) and nginx with the module just built and
# conf-examples/gateway.conf (the gateway, and two small services that
# echo the X-User-* headers they receive).  Then it shows, each time with
# the curl command and its answer: a login, a call reaching a service, a
# forged token, a forged X-User-Id header, a write without the admin role,
# a service token from an API key, a key rotation at the issuer with no
# restart of nginx, the cookie flow of a browser, a logout whose token is
# then refused at the gateway within the revocation list's refresh
# interval, and "log out everywhere" (every token of alice refused, a new
# login accepted).
#
# Every answer is checked: the exit status is non-zero when one is not the
# expected one, so `make demo` is also a smoke test of the whole system.
# Everything it starts it stops by PID when it ends (normally, on error,
# INT or TERM), and its temporary directory goes (DEMO_KEEP=1 keeps it).
# Environment: BUILD (build), NGINX_BIN (/usr/sbin/nginx), DEMO_PORT (the
# gateway's port, the services on the next two; default: free ports).

# `make demo` runs it with sh; the walk-through is easier to read in bash
if [ -z "${BASH_VERSION:-}" ]; then
    exec bash "$0" "$@"
fi
set -u
export LC_ALL=C

top=$(pwd)
build=${BUILD:-build}
nginx=${NGINX_BIN:-/usr/sbin/nginx}
module=$top/$build/ngx_http_auth_jwt_module.so
issuer_bin=$top/$build/jwtgate-issuer
conf_src=$top/conf-examples/gateway.conf

# must match auth_jwt_issuer / auth_jwt_audience in gateway.conf
iss=https://auth.jwtgate.test
aud=jwtgate-api
lifetime=300
rotation_delay=2
revocation_interval=5   # interval= of auth_jwt_revocation_request

t_start=${EPOCHREALTIME/./}

for f in "$module" "$issuer_bin" "$nginx" "$conf_src"; do
    if [ ! -e "$f" ]; then
        echo "demo: $f is missing (make module tools)" >&2
        exit 1
    fi
done
for c in curl perl openssl base64; do
    command -v "$c" >/dev/null 2>&1 || { echo "demo: $c is missing" >&2; exit 1; }
done

# --- processes, cleanup ----------------------------------------------------

lib_name=demo
. "$top/tools/lib.sh"

dir=$(mktemp -d /tmp/jwtgate-demo.XXXXXX)
mkdir -p "$dir/logs"
failures=0
checks=0

# after lib_exit has stopped nginx and the issuer
on_exit() {
    if [ "$1" -ne 0 ]; then
        for f in "$dir/logs/error.log" "$dir/logs/nginx.stderr" \
                 "$dir/logs/issuer.log"; do
            [ -s "$f" ] || continue
            echo "--- last lines of $f" >&2
            tail -n 25 "$f" | abbrev >&2
        done
    fi
    if [ "${DEMO_KEEP:-0}" = 1 ]; then
        echo "demo: kept $dir"
    else
        rm -rf "$dir"
    fi
}
lib_traps

# --- output ----------------------------------------------------------------

if [ -t 1 ]; then B=$'\033[1m' G=$'\033[32m' R=$'\033[31m' N=$'\033[0m'
else B= G= R= N=; fi

# tokens shortened to their first 20 characters
abbrev() {
    perl -CSD -pe 's/\b(eyJ[A-Za-z0-9_-]{17})[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/$1\x{2026}/g'
}
short() { printf '%s\n' "$1" | abbrev; }

step() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
say() { printf '%s\n' "$*"; }

ok() { checks=$((checks + 1)); printf '  %s✔ %s%s\n' "$G" "$*" "$N"; }
bad() {
    checks=$((checks + 1)); failures=$((failures + 1))
    printf '  %s✘ %s%s\n' "$R" "$*" "$N"
}

# call EXPECTED_STATUS SHOWN_COMMAND CURL_ARGS...: shows the command as a
# person would type it, runs curl, shows the status line, the headers that
# matter and the body, and checks the status.  $status, $dir/h, $dir/b.
call() {
    local expect=$1 shown=$2
    shift 2
    printf '\n$ %s\n' "$shown"
    : > "$dir/h"
    : > "$dir/b"
    status=$(curl -sS --max-time 10 -D "$dir/h" -o "$dir/b" \
                  -w '%{http_code}' "$@" 2> "$dir/curl.err") || true
    [ -n "$status" ] || status=000
    tr -d '\r' < "$dir/h" \
        | grep -i -E '^(HTTP/|www-authenticate:|set-cookie:|retry-after:|etag:)' \
        | abbrev | sed 's/^/  /'
    if tr -d '\r' < "$dir/h" | grep -q -i '^content-type: text/html'; then
        echo "  (nginx's HTML error page)"
    elif [ -s "$dir/b" ]; then
        abbrev < "$dir/b" | head -c 600 | sed 's/^/  /'
        [ -z "$(tail -c 1 "$dir/b")" ] || echo
    fi
    [ -s "$dir/curl.err" ] && sed 's/^/  curl: /' "$dir/curl.err"
    if [ "$status" = "$expect" ]; then
        ok "$expect"
    else
        bad "expected $expect, got $status"
    fi
}

# expect_body TEXT / expect_no_body TEXT / expect_header REGEX
expect_body() {
    if grep -q -F -- "$1" "$dir/b"; then ok "the answer has \"$1\""
    else bad "the answer lacks \"$1\""; fi
}
expect_no_body() {
    if grep -q -F -- "$1" "$dir/b"; then bad "the answer has \"$1\""
    else ok "no \"$1\" in the answer"; fi
}
expect_header() {
    if tr -d '\r' < "$dir/h" | grep -q -i -E -- "$1"; then
        ok "header $1"
    else
        bad "no header $1"
    fi
}

# the access_token of the last answer
token_of_answer() {
    sed -n 's/.*"access_token" *: *"\([^"]*\)".*/\1/p' "$dir/b"
}


elapsed() {
    local t=$(( ${EPOCHREALTIME/./} - t_start ))
    printf '%d.%01d' $((t / 1000000)) $((t % 1000000 / 100000))
}

# --- the issuer ------------------------------------------------------------

step "setup: users, an API key, the issuer, nginx"

say "users file (passwords hashed with $build/jwtgate-issuer --hash-password):"
alice_pw=wonderland
bob_pw=builder
{
    echo "# username:crypt-hash:roles"
    echo "alice:$(printf '%s\n' "$alice_pw" | "$issuer_bin" --hash-password):admin,user"
    echo "bob:$(printf '%s\n' "$bob_pw" | "$issuer_bin" --hash-password):user"
} > "$dir/users" || die "cannot hash the passwords"
grep -q '^alice:\$' "$dir/users" && grep -q '^bob:\$' "$dir/users" \
    || die "jwtgate-issuer --hash-password printed no hash"
sed 's/^\([a-z]*:.\{14\}\)[^:]*/\1…/; s/^/  /' "$dir/users"

say "services file (the API key's SHA-256, from --hash-api-key):"
API_KEY=$(openssl rand -hex 32)
api_key_hash=$(printf '%s\n' "$API_KEY" | "$issuer_bin" --hash-api-key) \
    || die "cannot hash the API key"
echo "billing:$api_key_hash:users:read orders:read" > "$dir/services"
sed 's/^\([a-z]*:.\{12\}\)[0-9a-f]*/\1…/; s/^/  /' "$dir/services"

say "admin secret of the issuer's POST /auth/revoke (openssl rand -hex 32 > admin-secret):"
openssl rand -hex 32 > "$dir/admin-secret" || die "cannot make the admin secret"
chmod 600 "$dir/admin-secret"
ADMIN=$(cat "$dir/admin-secret")
say "  $(printf '%s' "$ADMIN" | cut -c 1-12)…"

issuer_args=(--port 0 --users "$dir/users" --services "$dir/services"
             --key-dir "$dir/issuer-keys" --issuer "$iss" --audience "$aud"
             --lifetime "$lifetime" --rotation-delay "$rotation_delay"
             --jwks-max-age 1 --retire-grace 30
             --admin-secret-file "$dir/admin-secret"
             --pid-file "$dir/issuer.pid")
say "\$ $build/jwtgate-issuer --port 0 --users users --services services --key-dir keys \\"
say "      --issuer $iss --audience $aud --lifetime $lifetime --rotation-delay $rotation_delay \\"
say "      --jwks-max-age 1 --retire-grace 30 --admin-secret-file admin-secret &"
issuer_start "$dir/logs/issuer.log" "${issuer_args[@]}" || exit 1
issuer_port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' \
                  "$dir/logs/issuer.log" | head -n 1)
[ -n "$issuer_port" ] || die "no port in the issuer's log"
sed 's/^/  issuer: /' "$dir/logs/issuer.log"

# --- nginx -----------------------------------------------------------------

if [ -n "${DEMO_PORT:-}" ]; then
    set -- "$DEMO_PORT" $((DEMO_PORT + 1)) $((DEMO_PORT + 2))
else
    # three distinct free ports, chosen by the kernel
    ports=$(free_ports 3) || die "no free port"
    set -- $ports
fi
gw_port=$1 orders_port=$2 users_port=$3
GW=http://127.0.0.1:$gw_port

for a in 127.0.0.1:8080 127.0.0.1:8090 127.0.0.1:8091 127.0.0.1:8092; do
    grep -q -F "$a" "$conf_src" \
        || die "$conf_src no longer names $a; update tools/demo.sh"
done

# gateway.conf with the ports, the module and our own pid, logs and
# temporary directories
DIR=$dir MODULE=$dir/ngx_http_auth_jwt_module.so GW_PORT=$gw_port ISSUER_PORT=$issuer_port \
ORDERS_PORT=$orders_port USERS_PORT=$users_port \
TEMP_PATHS=$(ngx_temp_paths "$dir/tmp") perl -e '
    local $/;
    my $c = <STDIN>;
    my $d = $ENV{DIR};
    $c =~ s{/usr/lib/nginx/modules/ngx_http_auth_jwt_module\.so}{$ENV{MODULE}}g;
    $c =~ s{127\.0\.0\.1:8080\b}{127.0.0.1:$ENV{GW_PORT}}g;
    $c =~ s{127\.0\.0\.1:8090\b}{127.0.0.1:$ENV{ISSUER_PORT}}g;
    $c =~ s{127\.0\.0\.1:8091\b}{127.0.0.1:$ENV{ORDERS_PORT}}g;
    $c =~ s{127\.0\.0\.1:8092\b}{127.0.0.1:$ENV{USERS_PORT}}g;
    $c =~ s{^(\s*http\s*\{)}{$1
    access_log            $d/logs/access.log;
$ENV{TEMP_PATHS}}m or die "no http block\n";
    print "pid $d/nginx.pid;\nerror_log $d/logs/error.log info;\n$c";
' < "$conf_src" > "$dir/nginx.conf" || die "cannot write nginx.conf"
mkdir -p "$dir/tmp"
# nginx loads a copy: a rebuild of build/ meanwhile cannot touch the
# running workers
cp "$module" "$dir/ngx_http_auth_jwt_module.so" || die "cannot copy $module"

ngx_args "$dir/" "$dir/nginx.conf" "$dir/logs/error.log"
say "\$ nginx -c conf-examples/gateway.conf   (ports: gateway $gw_port, orders $orders_port, users $users_port, issuer $issuer_port)"
ngx_start "$GW/healthz" || exit 1
say "  nginx: master pid $nginx_pid, 2 workers, listening on $GW"

# --- (a) login -------------------------------------------------------------

step "(a) alice logs in: the gateway proxies to the issuer and sets the cookie too"
call 200 "curl -si $GW/auth/login -H 'Content-Type: application/json' -d '{\"username\":\"alice\",\"password\":\"$alice_pw\"}'" \
    "$GW/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"alice\",\"password\":\"$alice_pw\"}"
expect_header '^set-cookie: access_token=eyJ[^;]+; Max-Age=[0-9]+; Path=/; HttpOnly; SameSite=Strict'
ALICE=$(token_of_answer)
[ -n "$ALICE" ] || die "no token for alice"
say "  ALICE=$(short "$ALICE")"
say "  its header: $(jwt_header "$ALICE")"
say "  its claims: $(jwt_payload "$ALICE")"

# --- (b) a call reaching a service ----------------------------------------

step "(b) with the token, /api/orders/ reaches the orders service, which reads X-User-*"
call 200 "curl -si $GW/api/orders/ -H \"Authorization: Bearer \$ALICE\"" \
    "$GW/api/orders/" -H "Authorization: Bearer $ALICE"
expect_body "X-User-Id=alice X-User-Roles=admin,user"
expect_body "Authorization=[]"
say "  (the token itself stays at the gateway: auth_jwt_forward_token off)"

# --- (c) no token, a forged token -----------------------------------------

step "(c) no token, or a token whose signature was tampered with: 401"
call 401 "curl -si $GW/api/orders/" "$GW/api/orders/"
expect_header '^www-authenticate: Bearer realm="api"'

sig=${ALICE##*.}
c=A
[ "${sig:0:1}" = A ] && c=B
FORGED=${ALICE%.*}.$c${sig:1}
say ""
say "FORGED: alice's token with the first character of its signature changed to $c"
call 401 "curl -si $GW/api/orders/ -H \"Authorization: Bearer \$FORGED\"" \
    "$GW/api/orders/" -H "Authorization: Bearer $FORGED"
expect_header '^www-authenticate: Bearer realm="api", error="invalid_token"'

# --- (d) forged identity headers ------------------------------------------

step "(d) bob sends his valid token with forged X-User-Id/X-User-Roles: the gateway replaces them"
call 200 "curl -si $GW/auth/login -H 'Content-Type: application/json' -d '{\"username\":\"bob\",\"password\":\"$bob_pw\"}'" \
    "$GW/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"bob\",\"password\":\"$bob_pw\"}"
BOB=$(token_of_answer)
[ -n "$BOB" ] || die "no token for bob"
say "  BOB=$(short "$BOB")"
call 200 "curl -si $GW/api/orders/ -H \"Authorization: Bearer \$BOB\" -H 'X-User-Id: admin' -H 'X-User-Roles: admin'" \
    "$GW/api/orders/" -H "Authorization: Bearer $BOB" \
    -H 'X-User-Id: admin' -H 'X-User-Roles: admin'
expect_body "X-User-Id=bob X-User-Roles=user "
expect_no_body "admin"

# --- (e) a write needs the admin role --------------------------------------

step "(e) writing an order needs the admin role (limit_except GET + auth_jwt_require_claim)"
call 403 "curl -si $GW/api/orders/ -H \"Authorization: Bearer \$BOB\" -d 'item=book'" \
    "$GW/api/orders/" -H "Authorization: Bearer $BOB" -d 'item=book'
expect_header '^www-authenticate: Bearer realm="api", error="insufficient_scope"'
say ""
say "alice has the admin role:"
call 200 "curl -si $GW/api/orders/ -H \"Authorization: Bearer \$ALICE\" -d 'item=book'" \
    "$GW/api/orders/" -H "Authorization: Bearer $ALICE" -d 'item=book'
expect_body "orders service: POST /api/orders/ X-User-Id=alice"

# --- (f) a service token ----------------------------------------------------

step "(f) the billing service trades its API key for a service token, then calls /api/users/"
call 200 "curl -si $GW/auth/token -H \"Authorization: Bearer \$API_KEY\" -d grant_type=client_credentials" \
    "$GW/auth/token" -H "Authorization: Bearer $API_KEY" \
    -d grant_type=client_credentials
SERVICE=$(token_of_answer)
[ -n "$SERVICE" ] || die "no service token"
say "  SERVICE=$(short "$SERVICE")"
say "  its claims: $(jwt_payload "$SERVICE")"
call 200 "curl -si $GW/api/users/ -H \"Authorization: Bearer \$SERVICE\"" \
    "$GW/api/users/" -H "Authorization: Bearer $SERVICE"
expect_body "X-User-Id=billing X-User-Roles= X-User-Scope=users:read orders:read"

# --- (g) key rotation --------------------------------------------------------

step "(g) key rotation at the issuer; nginx is not restarted nor reloaded"
old_kid=$(kid_of "$ALICE")
say "\$ kill -HUP $issuer_pid     # the issuer: publish a new key, sign with it ${rotation_delay} s later"
kill -HUP "$issuer_pid" || die "cannot signal the issuer"
deadline=$((SECONDS + rotation_delay + 10))
until grep -q 'rotation: key .* signs now' "$dir/logs/issuer.log"; do
    alive "$issuer_pid" || die "the issuer exited"
    [ $SECONDS -lt $deadline ] || die "the new key did not sign in time"
    sleep 0.1
done
grep -E 'SIGHUP|rotation:' "$dir/logs/issuer.log" | sed 's/^/  issuer: /'

call 200 "curl -si $GW/auth/login -H 'Content-Type: application/json' -d '{\"username\":\"alice\",\"password\":\"$alice_pw\"}'" \
    "$GW/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"alice\",\"password\":\"$alice_pw\"}"
ALICE2=$(token_of_answer)
[ -n "$ALICE2" ] || die "no new token for alice"
new_kid=$(kid_of "$ALICE2")
say "  ALICE2=$(short "$ALICE2")"
say "  kid of ALICE  (before): $old_kid"
say "  kid of ALICE2 (after):  $new_kid"
if [ -n "$new_kid" ] && [ "$new_kid" != "$old_kid" ]; then
    ok "a new kid"
else
    bad "the kid did not change"
fi

say ""
say "the new token, at once:"
call 200 "curl -si $GW/api/orders/ -H \"Authorization: Bearer \$ALICE2\"" \
    "$GW/api/orders/" -H "Authorization: Bearer $ALICE2"
expect_body "X-User-Id=alice"
say ""
say "the old token, still valid (its key stays published until its tokens expire):"
call 200 "curl -si $GW/api/orders/ -H \"Authorization: Bearer \$ALICE\"" \
    "$GW/api/orders/" -H "Authorization: Bearer $ALICE"
expect_body "X-User-Id=alice"

say ""
say "what the gateway logged meanwhile:"
grep -E 'auth_jwt_login_cookie: kid|auth_jwt_key_request ".*": [0-9]+ keys|unknown kid' \
    "$dir/logs/error.log" \
    | sed -E 's/^[0-9\/]+ ([0-9:]+) \[[a-z]+\] [0-9#]+: \*?[0-9]* ?/  nginx: \1 /; s/, client: .*//' \
    | abbrev | tail -n 4
if alive "$nginx_pid" && [ "$(cat "$dir/nginx.pid" 2>/dev/null)" = "$nginx_pid" ]; then
    ok "nginx master pid $nginx_pid throughout, no restart"
else
    bad "the nginx master is not pid $nginx_pid any more"
fi

# --- (h) the cookie flow -----------------------------------------------------

step "(h) a browser: login sets the cookie, /app/ reads it, logout clears it"
jar=$dir/cookies
call 200 "curl -si -c jar $GW/auth/login -H 'Content-Type: application/json' -d '{\"username\":\"alice\",\"password\":\"$alice_pw\"}'" \
    -c "$jar" "$GW/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"alice\",\"password\":\"$alice_pw\"}"
expect_header '^set-cookie: access_token=eyJ'
WEB=$(token_of_answer)
[ -n "$WEB" ] || die "no token for the browser"
say "  WEB=$(short "$WEB")   (the cookie's token, as someone who copied it has it)"
say ""
say "only the cookie, no Authorization header:"
call 200 "curl -si -b jar $GW/app/" -b "$jar" "$GW/app/"
expect_body "users service: GET /app/ X-User-Id=alice"
expect_no_body "access_token"
say ""
say "logout: the gateway clears the cookie and passes the token on to the issuer, which revokes it:"
call 200 "curl -si -b jar -c jar -X POST $GW/auth/logout" \
    -b "$jar" -c "$jar" -X POST "$GW/auth/logout"
expect_header '^set-cookie: access_token=; Max-Age=0'
expect_body "\"revoked\":{\"jti\":\"$(jwt_payload "$WEB" | sed -n 's/.*"jti" *: *"\([^"]*\)".*/\1/p')\""
call 401 "curl -si -b jar $GW/app/" -b "$jar" "$GW/app/"
expect_header '^www-authenticate: Bearer realm="app"'

# wait_refused TOKEN LABEL: polls /api/orders/ with TOKEN every 0.5 s until
# it is refused, at most the refresh interval + 10 s; says how long it took
wait_refused() {
    local t0=${EPOCHREALTIME/./} t st deadline=$((SECONDS + revocation_interval + 10))
    while :; do
        st=$(curl -s -o "$dir/b" -D "$dir/h" -w '%{http_code}' --max-time 5 \
                  "$GW/api/orders/" -H "Authorization: Bearer $1") || st=000
        [ "$st" = 401 ] && break
        [ $SECONDS -lt $deadline ] || break
        sleep 0.5
    done
    t=$(( (${EPOCHREALTIME/./} - t0) / 100000 ))
    printf '\n$ curl -si %s/api/orders/ -H "Authorization: Bearer $%s"   (every 0.5 s)\n' "$GW" "$2"
    tr -d '\r' < "$dir/h" | grep -i -E '^(HTTP/|www-authenticate:)' | sed 's/^/  /'
    if [ "$st" = 401 ] && tr -d '\r' < "$dir/h" | grep -q -i 'error="invalid_token"'; then
        ok "\$$2 refused after $((t / 10)).$((t % 10)) s (the list is refreshed every ${revocation_interval} s)"
    else
        bad "\$$2 still answered $st after $((t / 10)).$((t % 10)) s"
    fi
}

# --- (i) logout revokes the token at every gateway ---------------------------

step "(i) the logged-out token, copied before the logout, is refused at the gateway within ${revocation_interval} s"
say "the issuer's revocation feed (what every gateway pulls, with If-None-Match):"
call 200 "curl -si http://127.0.0.1:$issuer_port/.well-known/revocations.json" \
    "http://127.0.0.1:$issuer_port/.well-known/revocations.json"
etag=$(tr -d '\r' < "$dir/h" | sed -n 's/^[Ee][Tt][Aa][Gg]: *//p')
call 304 "curl -si http://127.0.0.1:$issuer_port/.well-known/revocations.json -H 'If-None-Match: $etag'" \
    "http://127.0.0.1:$issuer_port/.well-known/revocations.json" -H "If-None-Match: $etag"
wait_refused "$WEB" WEB
say ""
say "alice's other tokens are not affected:"
call 200 "curl -si $GW/api/orders/ -H \"Authorization: Bearer \$ALICE2\"" \
    "$GW/api/orders/" -H "Authorization: Bearer $ALICE2"

# --- (j) log out everywhere ----------------------------------------------------

step "(j) \"log out everywhere\" for alice (the issuer's admin endpoint): all her tokens refused, a new login accepted"
call 200 "curl -si http://127.0.0.1:$issuer_port/auth/revoke -H \"Authorization: Bearer \$ADMIN\" -H 'Content-Type: application/json' -d '{\"sub\":\"alice\"}'" \
    "http://127.0.0.1:$issuer_port/auth/revoke" -H "Authorization: Bearer $ADMIN" \
    -H 'Content-Type: application/json' -d '{"sub":"alice"}'
expect_body '"sub":"alice"'
wait_refused "$ALICE2" ALICE2
call 401 "curl -si $GW/api/orders/ -H \"Authorization: Bearer \$ALICE\"" \
    "$GW/api/orders/" -H "Authorization: Bearer $ALICE"
expect_header 'error="invalid_token"'
say ""
say "bob is not affected:"
call 200 "curl -si $GW/api/orders/ -H \"Authorization: Bearer \$BOB\"" \
    "$GW/api/orders/" -H "Authorization: Bearer $BOB"
say ""
say "alice logs in again: the new token is issued after the cutoff, and passes at once:"
call 200 "curl -si $GW/auth/login -H 'Content-Type: application/json' -d '{\"username\":\"alice\",\"password\":\"$alice_pw\"}'" \
    "$GW/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"alice\",\"password\":\"$alice_pw\"}"
ALICE3=$(token_of_answer)
[ -n "$ALICE3" ] || die "no new token for alice"
say "  ALICE3=$(short "$ALICE3")"
call 200 "curl -si $GW/api/orders/ -H \"Authorization: Bearer \$ALICE3\"" \
    "$GW/api/orders/" -H "Authorization: Bearer $ALICE3"
expect_body "X-User-Id=alice"

# --- the end -----------------------------------------------------------------

step "done in $(elapsed) s: stopping nginx (pid $nginx_pid) and the issuer (pid $issuer_pid)"
ngx_stop
stop "$issuer_pid" TERM
issuer_pid=

n=$(grep -c -E '\[(alert|emerg|crit)\]' "$dir/logs/error.log")
if [ "$n" -ne 0 ]; then
    bad "nginx logged $n lines at alert or worse, the first ones:"
    grep -E '\[(alert|emerg|crit)\]' "$dir/logs/error.log" | head -n 5 \
        | abbrev | sed 's/^/    /'
fi

if [ "$failures" -ne 0 ]; then
    printf '%s%d of %d checks failed%s\n' "$R" "$failures" "$checks" "$N"
    exit 1
fi
printf '%sall %d checks passed%s\n' "$G" "$checks" "$N"
