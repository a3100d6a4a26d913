# The token itself on its way through the gateway: taken exactly once,
# removed completely by auth_jwt_forward_token off (every Cookie line,
# every spelling nginx or an upstream could read), never sent upstream
# next to a second token nobody verified, never written to the error log
# through the request line, and no identity headers for a request that
# failed.  The upstream is a proxied location of the same server that
# echoes what it receives.

# TEST 18 reads auth_jwt_status's counters, which live in shared memory
# and outlive a reload: under the real Test::Nginx's TEST_NGINX_USE_HUP
# the earlier blocks' duplicates would be counted in it too (21 seen),
# and its "duplicate" check would pass without its own: every block
# gets an nginx of its own (t/lib/README.md, "The real runner's HUP
# mode").
BEGIN { delete $ENV{TEST_NGINX_USE_HUP} }
use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::BlockLog;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

# a valid token, one that does not verify, and its signature (what must
# never be seen where the token must not be)
our $V = jwt(claims => {sub => 'alice'});
our $F = tamper_payload($V, {sub => 'mallory'});
our ($VSIG) = $V =~ /\.([^.]+)$/;

add_block_preprocessor(sub {
    my $block = shift;
    return if defined $block->config;
    $block->set_value('config', <<'CONF');
    underscores_in_headers on;
    location /cookie {
        auth_jwt          "test" token=$cookie_access_token;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_claim X-User-Id sub;
        auth_jwt_forward_token off;
        proxy_set_header  X-Seen "[$http_cookie] [$cookie_access_token]";
        proxy_pass        http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /cookie-kept {
        auth_jwt          "test" token=$cookie_access_token;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        proxy_pass        http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /arg {
        auth_jwt          "test" token=$arg_access_token;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        proxy_pass        http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /header {
        auth_jwt          "test" token=$http_x_token;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        proxy_pass        http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /bearer {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        proxy_pass        http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        return 200 "id=[$http_x_user_id] cookie=[$http_cookie] args=[$args] auth=[$http_authorization] x=[$http_x_token] seen=$http_x_seen\n";
    }
CONF
});

run_tests();

__DATA__

=== TEST 1: a 7 KB Cookie of bare ';' pairs, without a token: a normal 401
--- request
GET /cookie
--- more_headers eval
"Cookie: " . ("a;" x 3500)
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="test"
--- no_error_log
[alert]
[crit]



=== TEST 2: a 7 KB Cookie of bare ';' pairs with a valid token: the pairs go upstream, the token not
--- request
GET /cookie
--- more_headers eval
"Cookie: " . ("a;" x 3500) . "access_token=$::V;" . ("b;" x 10) . "b"
--- error_code: 200
--- response_body eval
"id=[alice] cookie=[" . ("a;" x 3500) . ("b;" x 10) . "b] args=[] auth=[] x=[] seen=["
. ("a;" x 3500) . ("b;" x 10) . "b] []\n"
--- no_error_log
[alert]
[crit]



=== TEST 3: "name =value" is nginx's cookie too: removed
--- request
GET /cookie
--- more_headers eval
"Cookie: a=1; access_token =$::V; b=2"
--- error_code: 200
--- response_body
id=[alice] cookie=[a=1; b=2] args=[] auth=[] x=[] seen=[a=1; b=2] []



=== TEST 4: nginx before 1.30 also splits cookies on ',': the token after one is removed
--- skip_nginx: 3: >= 1.30.0
--- request
GET /cookie
--- more_headers eval
"Cookie: x=1, access_token=$::V"
--- error_code: 200
--- response_body
id=[alice] cookie=[x=1] args=[] auth=[] x=[] seen=[x=1] []



=== TEST 5: nginx 1.30 and later do not split on ',': no token, and nothing of it goes upstream
--- skip_nginx: 3: < 1.30.0
--- request
GET /cookie
--- more_headers eval
"Cookie: x=1, access_token=$::V"
--- error_code: 401
--- response_body_unlike eval
$::VSIG
--- error_log
auth_jwt: no token



=== TEST 6: repeated Cookie lines, the token's name in another case: every line cleaned, none sent empty
--- request
GET /cookie
--- more_headers eval
"Cookie: a=1\r\nCookie: ACCESS_TOKEN=$::V\r\nCookie: b=2"
--- error_code: 200
--- response_body
id=[alice] cookie=[a=1; b=2] args=[] auth=[] x=[] seen=[a=1; b=2] []



=== TEST 7: $http_cookie and $cookie_NAME no longer hold the token, with a forged identity header removed too
--- request
GET /cookie
--- more_headers eval
"X-User-Id: mallory\r\nCookie: a=1; access_token=$::V; b=2"
--- error_code: 200
--- response_body
id=[alice] cookie=[a=1; b=2] args=[] auth=[] x=[] seen=[a=1; b=2] []



=== TEST 8: $http_cookie and $cookie_NAME no longer hold the token, without a forwarded header
--- request
GET /cookie
--- more_headers eval
"Cookie: a=1; access_token=$::V; b=2"
--- error_code: 200
--- response_body
id=[alice] cookie=[a=1; b=2] args=[] auth=[] x=[] seen=[a=1; b=2] []



=== TEST 9: a Cookie line holding only the token is not sent at all
--- request
GET /cookie
--- more_headers eval
"X_User_Id: mallory\r\nCookie: access_token=$::V"
--- error_code: 200
--- response_body
id=[alice] cookie=[] args=[] auth=[] x=[] seen=[] []



=== TEST 10: two access_token arguments, the valid one first: 400 invalid_request, nothing goes upstream
--- request eval
"GET /arg?access_token=$::V&access_token=$::F"
--- error_code: 400
--- response_headers
WWW-Authenticate: Bearer realm="test", error="invalid_request"
--- response_body_unlike: mallory|alice
--- error_log
auth_jwt: token rejected: duplicate (sent more than once, or by more than one method)



=== TEST 11: two access_token arguments, the forged one first, or spelt as an upstream decodes it: 400
--- request eval
["GET /arg?access_token=$::F&access_token=$::V",
 "GET /arg?access_token=$::V&acc%65ss_token=$::F",
 "GET /arg?access_token=$::V&access.token=$::F",
 "GET /arg?access_token=$::V;ACCESS_TOKEN=$::F",
 "GET /arg?access_token=$::V&access_token"]
--- error_code eval
[400, 400, 400, 400, 400]



=== TEST 12: one access_token argument still passes, the other arguments with it
--- request eval
"GET /arg?a=1&access_token=$::V&b=2"
--- error_code: 200
--- response_body_like: ^id=\[\] cookie=\[\] args=\[a=1&access_token=ey[^\]]+&b=2\] auth=\[\] x=\[\] seen=$



=== TEST 13: two access_token cookies, in one Cookie line or in two, in any spelling: 400
--- request eval
["GET /cookie", "GET /cookie", "GET /cookie", "GET /cookie-kept", "GET /cookie-kept"]
--- more_headers eval
["Cookie: access_token=$::V; access_token=$::F",
 "Cookie: access_token=$::V\r\nCookie: a=1; Access_Token=$::F",
 "Cookie: a=1, access_token=$::F; access_token=$::V",
 "Cookie: access_token=$::V; access_token =$::F",
 "Cookie: access_token=$::F\r\nCookie: access.token=$::V"]
--- error_code eval
[400, 400, 400, 400, 400]
--- response_headers eval
[("WWW-Authenticate: Bearer realm=\"test\", error=\"invalid_request\"") x 5]



=== TEST 14: two copies of the token header, in any spelling: 400
--- request eval
["GET /header", "GET /header", "GET /header"]
--- more_headers eval
["X-Token: $::V\r\nX-Token: $::F",
 "X-Token: $::F\r\nx-token: $::V",
 "X-Token: $::V\r\nX_Token: $::F"]
--- error_code eval
[400, 400, 400]



=== TEST 15: a valid cookie token next to "Authorization: Bearer <anything>": 400 (gateway.conf /app/)
--- request eval
["GET /cookie-kept", "GET /cookie-kept", "GET /cookie-kept"]
--- more_headers eval
["Cookie: access_token=$::V\r\nAuthorization: Bearer $::F",
 "Cookie: access_token=$::V\r\nAuthorization: bearer x",
 "Cookie: access_token=$::V\r\nAuthorization: Bearer"]
--- error_code eval
[400, 400, 400]
--- response_body_unlike eval
["alice|mallory", "alice|mallory", "alice|mallory"]



=== TEST 16: more than one method: a header or Authorization token next to an access_token argument, an argument token next to Authorization
--- request eval
["GET /bearer?access_token=$::F",
 "GET /header?access_token=x",
 "GET /header",
 "GET /arg?access_token=$::V"]
--- more_headers eval
["Authorization: Bearer $::V",
 "X-Token: $::V",
 "X-Token: $::V\r\nAuthorization: Bearer $::F",
 "Authorization: Bearer $::F"]
--- error_code eval
[400, 400, 400, 400]



=== TEST 17: another scheme in Authorization is not a second token; one token by one method passes
--- request eval
["GET /cookie-kept", "GET /header", "GET /bearer?a=1"]
--- more_headers eval
["Cookie: access_token=$::V\r\nAuthorization: Basic YTpi",
 "X-Token: $::V\r\nAuthorization: Basic YTpi",
 "Authorization: Bearer $::V"]
--- error_code eval
[200, 200, 200]
--- response_body_like eval
['auth=\[Basic YTpi\]', 'auth=\[Basic YTpi\] x=\[ey', 'args=\[a=1\] auth=\[Bearer ey']



=== TEST 18: a duplicate is counted and named in $jwt_error, and answers at once under "satisfy any"
--- config
    location /arg {
        satisfy any;
        allow all;
        auth_jwt          "test" token=$arg_access_token;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        error_page 400 = @why;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/passed;
    }
    location @why {
        return 400 "why=[$jwt_error]\n";
    }
    location /passed {
        return 200 "passed\n";
    }
    location = /status {
        auth_jwt_status;
    }
--- request eval
["GET /arg?access_token=$::V&access_token=$::V", "GET /status"]
--- error_code eval
[400, 200]
--- response_body_like eval
['^why=\[duplicate\]$', '"duplicate":[1-9]\d*,']



=== TEST 19: the token argument is masked in the request line: $request
--- log_level: info
--- config
    location /arg {
        auth_jwt          "test" token=$arg_access_token;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "$request\n";
    }
--- request eval
"GET /arg?a=1&access_token=$::V&b=2"
--- error_code: 200
--- response_body
GET /arg?a=1&access_token=[redacted]&b=2 HTTP/1.1
--- no_error_log eval
[qr/access_token=ey/]



=== TEST 20: the token argument is masked in the request line: the error log's request: context
--- log_level: info
--- config
    location /arg {
        auth_jwt          "test" token=$arg_access_token;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "$request\n";
    }
--- request eval
"GET /arg?access_token=" . jwt(claims => {exp => time - 100}) . "&x=1"
--- error_code: 401
--- error_log eval
[qr{auth_jwt: token rejected: expired, client: [^,]+, server: [^,]+, request: "GET /arg\?access_token=\[redacted\]&x=1 HTTP/1\.1"}]
--- no_error_log eval
[qr/access_token=ey/]



=== TEST 21: an access_token argument next to Authorization is masked too, valid or not
--- log_level: info
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "$request\n";
    }
--- request eval
"GET /api?access_token=$::V"
--- more_headers eval
"Authorization: Bearer $::V"
--- error_code: 400
--- error_log
request: "GET /api?access_token=[redacted] HTTP/1.1"
--- no_error_log eval
[qr/access_token=ey/]



=== TEST 22: auth_jwt_forward_token off also takes a Bearer header and an access_token argument away from a refused request
--- config
    location /cookie {
        auth_jwt          "test" token=$cookie_access_token;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_token off;
        error_page 400 = @sorry;
    }
    location @sorry {
        auth_jwt off;
        rewrite ^ /echo break;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT;
    }
    location /echo {
        return 200 "cookie=[$http_cookie] args=[$args] auth=[$http_authorization]\n";
    }
--- request eval
"GET /cookie?a=1&access_token=$::F"
--- more_headers eval
"Cookie: b=2; access_token=$::V\r\nAuthorization: Bearer $::F"
--- error_code: 200
--- response_body
cookie=[b=2] args=[a=1] auth=[]



=== TEST 23: after a failed rule, an error_page target that proxies gets no identity header
--- config
    underscores_in_headers on;
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_claim X-User-Id sub;
        auth_jwt_require_claim sub eq bob;
        error_page 403 = @denied;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location @denied {
        auth_jwt off;
        auth_jwt_forward_claim X-User-Id sub;
        rewrite ^ /denied break;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT;
    }
    location /echo {
        return 200 "id=[$http_x_user_id]\n";
    }
    location /denied {
        return 200 "denied id=[$http_x_user_id] sub=[$jwt_claim_sub]\n";
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer $::V\r\nX-User-Id: mallory",
 "Authorization: Bearer " . jwt(claims => {sub => 'bob'})]
--- error_code eval
[200, 200]
--- response_body eval
["denied id=[] sub=[]\n", "id=[bob]\n"]



=== TEST 24: identity headers set by a location that passed go when a later one fails
--- config
    underscores_in_headers on;
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_claim X-User-Id sub;
        try_files /nonexistent @strict;
    }
    location @strict {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_claim X-Other sub;
        auth_jwt_require_claim sub eq bob;
        error_page 403 = @denied;
        return 200 "strict\n";
    }
    location @denied {
        auth_jwt off;
        rewrite ^ /denied break;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT;
    }
    location /denied {
        return 200 "denied id=[$http_x_user_id] other=[$http_x_other]\n";
    }
--- request eval
"GET /api"
--- more_headers eval
"Authorization: Bearer $::V"
--- error_code: 200
--- response_body
denied id=[] other=[]
