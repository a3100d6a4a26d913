#!/bin/sh
# make demo: nginx with the module in front of a small upstream on
# localhost; tokens minted with the project's own tool; one allowed request
# and forged ones, each shown with the curl line that ran.  Everything it
# starts is stopped when it ends, by PID.
set -eu

top=$(pwd)
build=${BUILD:-build}
nginx=${NGINX_BIN:-/usr/sbin/nginx}
port=${DEMO_PORT:-8480}
upstream_port=$((port + 1))
mint=$top/$build/jwtgate-mint
jwks=$top/$build/jwtgate-jwks

dir=$(mktemp -d /tmp/jwtgate-demo.XXXXXX)
pid=

cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -QUIT "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# run SHOWN CMD...: prints SHOWN (the line as a person would type it),
# then runs CMD
run() {
    printf '$ %s\n' "$1"
    shift
    "$@" || true
    echo
}

say "keys: the issuer's private key signs, nginx holds only the public JWKS"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$dir/issuer.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$dir/attacker.pem" 2>/dev/null
"$jwks" "$dir/issuer.pem:issuer-2026" > "$dir/jwks.json"
echo "wrote $dir/jwks.json (kid issuer-2026)"

mkdir -p "$dir/logs"
cat > "$dir/nginx.conf" <<EOF
load_module $top/$build/ngx_http_auth_jwt_module.so;
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log info;
events { worker_connections 64; }
http {
    access_log $dir/logs/access.log;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;

    # the upstream service: it trusts whatever passed the gateway
    server {
        listen 127.0.0.1:$upstream_port;
        location / { return 200 "orders service: hello\n"; }
    }

    # the gateway
    server {
        listen 127.0.0.1:$port;

        location /api/ {
            auth_jwt          "demo";
            auth_jwt_key_file $dir/jwks.json;
            proxy_pass        http://127.0.0.1:$upstream_port;
        }
    }
}
EOF

say "nginx with the module (config: $dir/nginx.conf)"
"$nginx" -t -p "$dir" -c "$dir/nginx.conf" 2>&1 | sed 's/^/  /'
"$nginx" -p "$dir" -c "$dir/nginx.conf" 2>>"$dir/logs/stderr.log" &
pid=$!

i=0
until curl -s -o /dev/null "http://127.0.0.1:$port/"; do
    i=$((i + 1))
    if [ $i -gt 50 ] || ! kill -0 "$pid" 2>/dev/null; then
        echo "nginx did not start:" >&2
        cat "$dir/logs/stderr.log" "$dir/logs/error.log" >&2
        exit 1
    fi
    sleep 0.1
done

say "a token signed by the issuer: allowed (200)"
token=$("$mint" -k "$dir/issuer.pem" -i issuer-2026 -s alice -e 300)
echo "\$ token=\$($build/jwtgate-mint -k issuer.pem -i issuer-2026 -s alice -e 300)"
echo "  (token=$(echo "$token" | cut -c1-40)...)"
run "curl -s -i -H \"Authorization: Bearer \$token\" http://127.0.0.1:$port/api/orders" \
    curl -s -i -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/orders"

say "a forged token (signed with another key, same kid): rejected (401)"
forged=$("$mint" -k "$dir/attacker.pem" -i issuer-2026 -s admin -e 300)
echo "\$ forged=\$($build/jwtgate-mint -k attacker.pem -i issuer-2026 -s admin -e 300)"
run "curl -s -i -H \"Authorization: Bearer \$forged\" http://127.0.0.1:$port/api/orders" \
    curl -s -i -H "Authorization: Bearer $forged" "http://127.0.0.1:$port/api/orders"

say "no token at all: rejected (401)"
run "curl -s -i http://127.0.0.1:$port/api/orders" \
    curl -s -i "http://127.0.0.1:$port/api/orders"

say "what nginx logged"
grep 'auth_jwt' "$dir/logs/error.log" | sed 's/^.*\] /  /' || true

say "done: nginx stopped, $dir removed"
