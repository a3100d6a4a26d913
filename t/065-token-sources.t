# auth_jwt with several token= places: "token=bearer token=$cookie_NAME"
# takes the token from whichever of them carries one; two at once, or a
# place repeated, is a 400 invalid_request (a token is taken once); with
# auth_jwt_forward_token off every place is cleaned.  nginx -t refuses a
# place named twice, more than four, and a value without variables.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::BlockLog;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

our $V = jwt(claims => {sub => 'alice'});
our $W = jwt(claims => {sub => 'bob'});
our $F = tamper_payload($V, {sub => 'mallory'});
our ($VSIG) = $V =~ /\.([^.]+)$/;

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value('http_config', <<'HTTP') unless defined $block->http_config;
    map $http_x_alt $alt_token {
        default $http_x_alt;
    }
HTTP
    return if defined $block->config;
    my $extra = $block->extra // '';
    $block->set_value('config', <<"CONF");
    location /app/ {
        auth_jwt          "app" token=bearer token=\$cookie_access_token;
        auth_jwt_key_file \$TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_claim X-User-Id sub;
        proxy_pass        http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/echo/;
    }
    location /off/ {
        auth_jwt          "app" token=bearer token=\$cookie_access_token;
        auth_jwt_key_file \$TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_claim X-User-Id sub;
        auth_jwt_forward_token off;
        proxy_set_header  X-Seen "[\$http_cookie] [\$cookie_access_token] [\$http_authorization]";
        proxy_pass        http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/echo/;
    }
    location /four/ {
        auth_jwt          "four" token=\$http_x_token token=\$arg_t token=\$cookie_at token=bearer;
        auth_jwt_key_file \$TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_claim X-User-Id sub;
        auth_jwt_forward_token off;
        proxy_pass        http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/echo/;
    }
    location /map/ {
        auth_jwt          "map" token=bearer token=\$alt_token;
        auth_jwt_key_file \$TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_claim X-User-Id sub;
        proxy_pass        http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/echo/;
    }
    location /echo/ {
        return 200 "id=[\$http_x_user_id] cookie=[\$http_cookie] args=[\$args] auth=[\$http_authorization] x=[\$http_x_token] seen=\$http_x_seen\\n";
    }
$extra
CONF
});

run_tests();

__DATA__

=== TEST 1: bearer or cookie: the Authorization header alone
--- request
GET /app/a
--- more_headers eval
"Authorization: Bearer $::V\r\nCookie: theme=dark"
--- error_code: 200
--- response_body eval
"id=[alice] cookie=[theme=dark] args=[] auth=[Bearer $::V] x=[] seen=\n"
--- no_error_log
[error]
duplicate



=== TEST 2: bearer or cookie: the cookie alone
--- request
GET /app/a
--- more_headers eval
"Cookie: theme=dark; access_token=$::V"
--- error_code: 200
--- response_body eval
"id=[alice] cookie=[theme=dark; access_token=$::V] args=[] auth=[] x=[] seen=\n"
--- no_error_log
[error]



=== TEST 3: neither: 401 with the plain challenge
--- request
GET /app/a
--- more_headers
Cookie: theme=dark
X-User-Id: admin
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="app"
--- error_log
auth_jwt: no token



=== TEST 4: both, the same token: 400 invalid_request (duplicate)
--- request
GET /app/a
--- more_headers eval
"Authorization: Bearer $::V\r\nCookie: access_token=$::V"
--- error_code: 400
--- response_headers
WWW-Authenticate: Bearer realm="app", error="invalid_request"
--- error_log
auth_jwt: token rejected: duplicate



=== TEST 5: both, a valid header and a forged cookie: 400, nothing goes upstream
--- request
GET /app/a
--- more_headers eval
"Authorization: Bearer $::V\r\nCookie: access_token=$::F"
--- error_code: 400
--- response_body_unlike: id=
--- error_log
auth_jwt: token rejected: duplicate



=== TEST 6: the cookie twice in one Cookie header: 400
--- request
GET /app/a
--- more_headers eval
"Cookie: access_token=$::V; access_token=$::W"
--- error_code: 400
--- error_log
auth_jwt: token rejected: duplicate



=== TEST 7: the cookie in two Cookie headers, the second in capitals: 400
--- request
GET /app/a
--- more_headers eval
"Cookie: access_token=$::V\r\nCookie: ACCESS_TOKEN=$::W"
--- error_code: 400
--- error_log
auth_jwt: token rejected: duplicate



=== TEST 8: an empty token cookie next to a bearer token counts as a second copy: 400
--- request
GET /app/a
--- more_headers eval
"Authorization: Bearer $::V\r\nCookie: access_token="
--- error_code: 400
--- error_log
auth_jwt: token rejected: duplicate



=== TEST 9: an empty token cookie alone: no token, 401
--- request
GET /app/a
--- more_headers
Cookie: access_token=
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="app"
--- error_log
auth_jwt: no token



=== TEST 10: a forged cookie alone: 401 invalid_token
--- request
GET /app/a
--- more_headers eval
"Cookie: access_token=$::F"
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="app", error="invalid_token"
--- error_log
auth_jwt: token rejected: bad_signature



=== TEST 11: the cookie and an access_token argument (an RFC 6750 method no token= names): 400
--- request eval
"GET /app/a?access_token=$::V"
--- more_headers eval
"Cookie: access_token=$::V"
--- error_code: 400
--- error_log
auth_jwt: token rejected: duplicate



=== TEST 12: "Authorization: Basic" is no token: the cookie is taken
--- request
GET /app/a
--- more_headers eval
"Authorization: Basic YWxpY2U6cHc=\r\nCookie: access_token=$::V"
--- error_code: 200
--- response_body_like: ^id=\[alice\] .* auth=\[Basic YWxpY2U6cHc=\]
--- no_error_log
[error]



=== TEST 13: forward_token off, the token by bearer: the header goes, the other cookies stay
--- request
GET /off/a
--- more_headers eval
"Authorization: Bearer $::V\r\nCookie: theme=dark"
--- error_code: 200
--- response_body
id=[alice] cookie=[theme=dark] args=[] auth=[] x=[] seen=[theme=dark] [] []



=== TEST 14: forward_token off, the token by cookie: the cookie goes from every variable
--- request
GET /off/a
--- more_headers eval
"Cookie: a=1; access_token=$::V; b=2"
--- error_code: 200
--- response_body
id=[alice] cookie=[a=1; b=2] args=[] auth=[] x=[] seen=[a=1; b=2] [] []



=== TEST 15: forward_token off, token=bearer: an Authorization of another scheme goes too (as with no token=)
--- request
GET /off/a
--- more_headers eval
"Authorization: Basic YWxpY2U6cHc=\r\nCookie: access_token=$::V"
--- error_code: 200
--- response_body
id=[alice] cookie=[] args=[] auth=[] x=[] seen=[] [] []



=== TEST 16: forward_token off, both sent: 400, and an error_page that proxies gets neither
--- config
    location /off/ {
        auth_jwt          "app" token=bearer token=$cookie_access_token;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_token off;
        error_page 400 = /fallback;
        proxy_pass        http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo/;
    }
    location = /fallback {
        proxy_pass        http://127.0.0.1:$TEST_NGINX_SERVER_PORT/a;
    }
    location /echo/ {
        return 200 "cookie=[$http_cookie] auth=[$http_authorization]\n";
    }
    location /a {
        return 200 "fallback cookie=[$http_cookie] auth=[$http_authorization]\n";
    }
--- request
GET /off/a
--- more_headers eval
"Authorization: Bearer $::V\r\nCookie: x=1; access_token=$::W"
--- error_code: 200
--- response_body
fallback cookie=[x=1] auth=[]
--- error_log
auth_jwt: token rejected: duplicate



=== TEST 17: four places: the argument alone is taken, and masked in the log line
--- log_level: info
--- request eval
"GET /four/a?x=1&t=$::F"
--- error_code: 401
--- error_log eval
[qr/token rejected: bad_signature, .*request: "GET \/four\/a\?x=1&t=\[redacted\] HTTP\/1\.1"/]
--- no_error_log eval
[qr/$::VSIG/]



=== TEST 18: four places: the header alone, removed upstream with the argument's place untouched
--- request
GET /four/a?x=1
--- more_headers eval
"X-Token: $::V\r\nCookie: k=v"
--- error_code: 200
--- response_body
id=[alice] cookie=[k=v] args=[x=1] auth=[] x=[] seen=



=== TEST 19: four places: the argument alone, removed from the upstream's query
--- request eval
"GET /four/a?x=1&t=$::V&y=2"
--- error_code: 200
--- response_body
id=[alice] cookie=[] args=[x=1&y=2] auth=[] x=[] seen=



=== TEST 20: four places: header and argument at once: 400
--- request eval
"GET /four/a?t=$::V"
--- more_headers eval
"X-Token: $::V"
--- error_code: 400
--- response_headers
WWW-Authenticate: Bearer realm="four", error="invalid_request"



=== TEST 21: four places: cookie and bearer at once: 400
--- request
GET /four/a
--- more_headers eval
"Cookie: at=$::V\r\nAuthorization: Bearer $::V"
--- error_code: 400



=== TEST 22: a map variable next to bearer: both carrying a value is refused though the map cannot be traced: 400
--- request
GET /map/a
--- more_headers eval
"Authorization: Bearer $::V\r\nX-Alt: $::W"
--- error_code: 400
--- error_log
auth_jwt: token rejected: duplicate



=== TEST 23: a map variable next to bearer: the map alone is taken
--- request
GET /map/a
--- more_headers eval
"X-Alt: $::W"
--- error_code: 200
--- response_body_like: ^id=\[bob\] 



=== TEST 24: inherited together with the realm: a location without its own auth_jwt takes the cookie; one with its own takes only the bearer header
--- config
    auth_jwt          "srv" token=bearer token=$cookie_access_token;
    auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
    location /inherit/ {
        return 200 "sub=[$jwt_claim_sub]\n";
    }
    location /own/ {
        auth_jwt "own";
        return 200 "sub=[$jwt_claim_sub]\n";
    }
--- pipelined_requests eval
["GET /inherit/a", "GET /own/a"]
--- more_headers eval
"Cookie: access_token=$::V"
--- error_code eval
[200, 401]
--- response_body_like eval
["^sub=\\[alice\\]\$", "401"]



=== TEST 25: in limit_except: writes take the bearer header or the cookie
--- config
    location /rw/ {
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        limit_except GET {
            auth_jwt "rw" token=bearer token=$cookie_access_token;
        }
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo/;
    }
    location /echo/ {
        return 200 "ok\n";
    }
--- pipelined_requests eval
["POST /rw/a", "POST /rw/b", "POST /rw/c"]
--- more_headers eval
["Cookie: access_token=$::V", "Authorization: Bearer $::V", "X-None: 1"]
--- error_code eval
[200, 200, 401]



=== TEST 26: nginx -t: token=bearer twice
--- config
    location / {
        auth_jwt          "app" token=bearer token=bearer;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
    }
--- must_die
--- error_log
invalid parameter "token=bearer": "token=bearer" takes the token from there already



=== TEST 27: nginx -t: token=bearer and token=$http_authorization name one place
--- config
    location / {
        auth_jwt          "app" token=$http_authorization token=bearer;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
    }
--- must_die
--- error_log
invalid parameter "token=bearer": "token=$http_authorization" takes the token from there already



=== TEST 28: nginx -t: one cookie named twice, in another letter case
--- config
    location / {
        auth_jwt          "app" token=$cookie_at token=$cookie_AT;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
    }
--- must_die
--- error_log
invalid parameter "token=$cookie_AT": "token=$cookie_at" takes the token from there already



=== TEST 29: nginx -t: at most four token= parameters
--- config
    location / {
        auth_jwt          "app" token=bearer token=$cookie_a token=$cookie_b token=$arg_c token=$http_d;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
    }
--- must_die
--- error_log
"auth_jwt" takes at most 4 "token=" parameters



=== TEST 30: nginx -t: token=Bearer (a constant, not the word bearer) is refused
--- config
    location / {
        auth_jwt          "app" token=Bearer;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
    }
--- must_die
--- error_log
invalid parameter "token=Bearer": "token=" takes "bearer" or a value with variables



=== TEST 31: nginx -t: an empty token= and a parameter that is not token=
--- config
    location / {
        auth_jwt          "app" token=bearer realm=x;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
    }
--- must_die
--- error_log
invalid parameter "realm=x"



=== TEST 32: nginx -t: off takes no token=
--- config
    location / {
        auth_jwt off token=bearer;
    }
--- must_die
--- error_log
"auth_jwt" directive takes no parameters with "off"
