# The login companion in front of the reference issuer (build/jwtgate-issuer):
# the gateway proxies login, sets the cookie, fetches the issuer's JWKS,
# and the cookie's token opens a protected location whose upstream sees
# the forwarded identity.
#
# Keeps the real Test::Nginx's HUP mode (t/lib/README.md): every block
# has the same configuration and the same issuer, so the key set in the
# shared zone is the same warm or cold, and no block asserts a fetch or
# reads auth_jwt_status.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::Issuer;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

our $ISS = JWTGate::Issuer->start(
    users => ['alice:' . JWTGate::Issuer::hash_password('wonderland')
              . ':admin,user'],
    args  => ['--issuer', 'https://issuer.test', '--audience', 'api',
              '--lifetime', '300']);
$ENV{TEST_NGINX_ISSUER_PORT} = $ISS->port;
our $TOKEN = $ISS->login('alice', 'wonderland') or die "no token";

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value('config', <<'CONF');
    location = /auth/login {
        auth_jwt off;
        auth_jwt_key_request /_jwks;
        auth_jwt_login_cookie access_token secure=off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/auth/login;
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/.well-known/jwks.json;
    }
    location /app {
        auth_jwt             "app" token=$cookie_access_token;
        auth_jwt_key_request /_jwks;
        auth_jwt_issuer      https://issuer.test;
        auth_jwt_audience    api;
        auth_jwt_forward_claim X-User-Id    sub;
        auth_jwt_forward_claim X-User-Roles roles;
        auth_jwt_forward_token off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        return 200 "id=$http_x_user_id roles=$http_x_user_roles cookie=[$http_cookie]\n";
    }
CONF
});

run_tests();

__DATA__

=== TEST 1: login through the gateway: the issuer's token comes back as a cookie
--- request
POST /auth/login
{"username":"alice","password":"wonderland"}
--- more_headers
Content-Type: application/json
--- error_code: 200
--- response_headers_like
Set-Cookie: access_token=ey[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+; Max-Age=(29\d|300); Path=/; HttpOnly; SameSite=Strict
--- response_body_like: "token_type":"Bearer"



=== TEST 2: a wrong password: the issuer's 401 and no cookie
--- request
POST /auth/login
{"username":"alice","password":"queen"}
--- more_headers
Content-Type: application/json
--- error_code: 401
--- response_headers
!Set-Cookie



=== TEST 3: the issuer's token in the cookie opens /app; the service sees who
--- request
GET /app/orders
--- more_headers eval
"Cookie: theme=dark; access_token=$main::TOKEN"
--- error_code: 200
--- response_body
id=alice roles=admin,user cookie=[theme=dark]
