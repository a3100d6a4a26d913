# auth_jwt_bypass_cors_preflight: a browser's CORS preflight (OPTIONS with
# one Origin and one Access-Control-Request-Method, no credentials) passes
# a protected location without a token, and reaches the upstream with no
# identity: the client's copies of the forwarded headers removed, no claim
# in a variable.  Anything short of a genuine preflight is an ordinary
# request: a token sent with it is checked, a missing one is a 401.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::BlockLog;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

our $V = jwt(claims => {sub => 'alice'});
our $F = tamper_payload($V, {sub => 'mallory'});

add_block_preprocessor(sub {
    my $block = shift;
    return if defined $block->config;
    my $extra = $block->extra // '';
    $block->set_value('config', <<"CONF");
    location /api/ {
        auth_jwt          "test";
        auth_jwt_key_file \$TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_bypass_cors_preflight on;
        auth_jwt_forward_claim X-User-Id sub;
        auth_jwt_forward_payload X-User-Token;
        proxy_set_header  X-Claim "\$jwt_claim_sub";
        proxy_set_header  X-Err "\$jwt_error";
        proxy_pass        http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/echo/;
    }
    location /strict/ {
        auth_jwt          "test";
        auth_jwt_key_file \$TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_claim X-User-Id sub;
        proxy_pass        http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/echo/;
    }
    location /app/ {
        auth_jwt          "test" token=bearer token=\$cookie_at;
        auth_jwt_key_file \$TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_bypass_cors_preflight on;
        auth_jwt_forward_claim X-User-Id sub;
        proxy_pass        http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/echo/;
    }
    location /echo/ {
        return 200 "\$request_method id=[\$http_x_user_id] token=[\$http_x_user_token] claim=[\$http_x_claim] err=[\$http_x_err]\\n";
    }
$extra
CONF
});

run_tests();

__DATA__

=== TEST 1: a preflight passes without a token, with no identity: the forged X-User-Id is removed, no claim, $jwt_error "missing"
--- request
OPTIONS /api/orders
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: POST
Access-Control-Request-Headers: authorization, content-type
X-User-Id: admin
X-User-Token: eyJzdWIiOiJhZG1pbiJ9
--- error_code: 200
--- response_body
OPTIONS id=[] token=[] claim=[] err=[missing]
--- error_log
auth_jwt: CORS preflight let through without a token (auth_jwt_bypass_cors_preflight)
the client's "X-User-Id" header removed
the client's "X-User-Token" header removed
--- no_error_log
auth_jwt: no token
[error]



=== TEST 2: the same preflight where the bypass is off (the default): 401
--- request
OPTIONS /strict/orders
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: POST
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="test"
--- error_log
auth_jwt: no token
--- no_error_log
CORS preflight let through



=== TEST 3: OPTIONS with Origin but no Access-Control-Request-Method is no preflight: 401
--- request
OPTIONS /api/orders
--- more_headers
Origin: https://app.example.com
--- error_code: 401
--- error_log
auth_jwt: no token
--- no_error_log
CORS preflight let through



=== TEST 4: OPTIONS with Access-Control-Request-Method but no Origin: 401
--- request
OPTIONS /api/orders
--- more_headers
Access-Control-Request-Method: POST
--- error_code: 401
--- no_error_log
CORS preflight let through



=== TEST 5: an empty Origin is no preflight: 401
--- request
OPTIONS /api/orders
--- more_headers
Origin:
Access-Control-Request-Method: POST
--- error_code: 401
--- no_error_log
CORS preflight let through



=== TEST 6: an empty Access-Control-Request-Method is no preflight: 401
--- request
OPTIONS /api/orders
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method:
--- error_code: 401
--- no_error_log
CORS preflight let through



=== TEST 7: two Origin headers are no preflight: 401
--- request
OPTIONS /api/orders
--- more_headers
Origin: https://app.example.com
origin: https://evil.example.com
Access-Control-Request-Method: POST
--- error_code: 401
--- no_error_log
CORS preflight let through



=== TEST 8: two Access-Control-Request-Method headers are no preflight: 401
--- request
OPTIONS /api/orders
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: POST
ACCESS-CONTROL-REQUEST-METHOD: DELETE
--- error_code: 401
--- no_error_log
CORS preflight let through



=== TEST 9: an Access-Control-Request-Method that is not a method name (a list) is no preflight: 401
--- request
OPTIONS /api/orders
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: POST, DELETE
--- error_code: 401
--- no_error_log
CORS preflight let through



=== TEST 10: a GET with the preflight's headers is an ordinary request: 401
--- request
GET /api/orders
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: POST
--- error_code: 401
--- no_error_log
CORS preflight let through



=== TEST 11: a preflight carrying a valid token is checked: the token's identity only
--- request
OPTIONS /api/orders
--- more_headers eval
"Origin: https://app.example.com\r\nAccess-Control-Request-Method: POST\r\nX-User-Id: admin\r\nAuthorization: Bearer $::V"
--- error_code: 200
--- response_body_like: ^OPTIONS id=\[alice\] token=\[[A-Za-z0-9_-]+\] claim=\[alice\] err=\[\]$
--- no_error_log
CORS preflight let through
[error]



=== TEST 12: a preflight carrying a forged token is checked: 401 invalid_token
--- request
OPTIONS /api/orders
--- more_headers eval
"Origin: https://app.example.com\r\nAccess-Control-Request-Method: POST\r\nAuthorization: Bearer $::F"
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="test", error="invalid_token"
--- error_log
auth_jwt: token rejected: bad_signature
--- no_error_log
CORS preflight let through



=== TEST 13: "Authorization: Bearer" with no token is a credential: no preflight, 401
--- request
OPTIONS /api/orders
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: POST
Authorization: Bearer
--- error_code: 401
--- no_error_log
CORS preflight let through



=== TEST 14: an Authorization header of another scheme (Basic) is a credential: no preflight, 401
--- request
OPTIONS /api/orders
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: POST
Authorization: Basic YWRtaW46YWRtaW4=
--- error_code: 401
--- no_error_log
CORS preflight let through



=== TEST 15: an empty access_token argument counts as a copy: no preflight, 401
--- request
OPTIONS /api/orders?access_token=
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: POST
--- error_code: 401
--- no_error_log
CORS preflight let through



=== TEST 16: a preflight with a token in the access_token argument, which this level does not take: 401
--- request eval
"OPTIONS /api/orders?access_token=$::V"
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: POST
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="test"
--- error_log
auth_jwt: no token
--- no_error_log
CORS preflight let through



=== TEST 17: bearer or cookie: a preflight with other cookies passes without identity
--- request
OPTIONS /app/orders
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: PUT
Cookie: theme=dark; lang=en
X-User-Id: admin
--- error_code: 200
--- response_body
OPTIONS id=[] token=[] claim=[] err=[]
--- error_log
CORS preflight let through



=== TEST 18: bearer or cookie: a preflight with a forged token cookie is checked: 401
--- request
OPTIONS /app/orders
--- more_headers eval
"Origin: https://app.example.com\r\nAccess-Control-Request-Method: PUT\r\nCookie: at=$::F"
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="test", error="invalid_token"
--- no_error_log
CORS preflight let through



=== TEST 19: bearer or cookie: an empty token cookie still counts as a copy: no preflight, 401
--- request
OPTIONS /app/orders
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: PUT
Cookie: at=
--- error_code: 401
--- error_log
auth_jwt: no token
--- no_error_log
CORS preflight let through



=== TEST 20: limit_except GET { auth_jwt }: a preflight passes, as does a GET; the same OPTIONS without Origin, and a POST, need a token
--- extra
    location /rw/ {
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_bypass_cors_preflight on;
        auth_jwt_forward_claim X-User-Id sub;
        limit_except GET {
            auth_jwt "test";
        }
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo/;
    }
--- pipelined_requests eval
["OPTIONS /rw/a", "OPTIONS /rw/b", "POST /rw/c", "GET /rw/d"]
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: POST
X-User-Id: admin
--- error_code eval
[200, 200, 401, 200]
--- response_body_like eval
["^OPTIONS id=\\[\\] ", "^OPTIONS id=\\[\\] ", "401", "^GET id=\\[\\] "]



=== TEST 21: limit_except: an OPTIONS without Access-Control-Request-Method needs a token
--- extra
    location /rw/ {
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_bypass_cors_preflight on;
        limit_except GET {
            auth_jwt "test";
        }
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo/;
    }
--- request
OPTIONS /rw/a
--- more_headers
Origin: https://app.example.com
--- error_code: 401
--- no_error_log
CORS preflight let through



=== TEST 22: the bypass lifts only auth_jwt's demand: "deny all" still answers 403 (satisfy all)
--- extra
    location /closed/ {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_bypass_cors_preflight on;
        deny all;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo/;
    }
--- request
OPTIONS /closed/a
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: POST
--- error_code: 403
--- error_log
CORS preflight let through



=== TEST 23: satisfy any: a preflight does not satisfy it, "deny all" answers 403
--- extra
    location /closed/ {
        satisfy any;
        deny all;
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_bypass_cors_preflight on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo/;
    }
--- request
OPTIONS /closed/a
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: POST
--- error_code: 403
--- error_log
CORS preflight let through



=== TEST 24: satisfy any with an "allow" that matches: the preflight passes
--- extra
    location /closed/ {
        satisfy any;
        allow 127.0.0.1;
        deny all;
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_bypass_cors_preflight on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo/;
    }
--- request
OPTIONS /closed/a
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: POST
--- error_code: 200
--- response_body
OPTIONS id=[] token=[] claim=[] err=[]



=== TEST 25: the server level's switch is inherited; a location's "off" takes it back
--- config
    auth_jwt_bypass_cors_preflight on;
    location /a/ {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "a\n";
    }
    location /b/ {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_bypass_cors_preflight off;
        return 200 "b\n";
    }
--- pipelined_requests eval
["OPTIONS /a/x", "OPTIONS /b/x"]
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: DELETE
--- error_code eval
[200, 401]
--- response_body_like eval
["^a\$", "401"]



=== TEST 26: a subrequest is judged by its own method: the SSI include (a GET) of a preflight is not let through
--- extra
    location = /page {
        auth_jwt_bypass_cors_preflight on;
        ssi on;
        default_type text/html;
        return 200 'page:<!--# include virtual="/api/who" -->';
    }
--- request
OPTIONS /page
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: POST
--- error_code: 200
--- response_body_like: ^page:.*401 Authorization Required
--- error_log
auth_jwt: no token
--- no_error_log
CORS preflight let through



=== TEST 27: auth_request: its subrequest is a GET, never a preflight: 401
--- extra
    location = /_validate {
        internal;
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_bypass_cors_preflight on;
        return 204;
    }
    location /ar/ {
        auth_request /_validate;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo/;
    }
--- request
OPTIONS /ar/x
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: POST
--- error_code: 401
--- no_error_log
CORS preflight let through



=== TEST 28: a mirror subrequest (OPTIONS, the main request's headers) of a preflight passes without identity (the main request's location forwards nothing: its X-User-Id is the client's)
--- extra
    location = /m {
        mirror /api/mirrored;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo/;
    }
--- request
OPTIONS /m
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: POST
X-User-Id: admin
--- error_code: 200
--- response_body
OPTIONS id=[admin] token=[] claim=[] err=[]
--- error_log
CORS preflight let through
the client's "X-User-Id" header removed



=== TEST 29: "OPTIONS *" is refused by nginx before any module: 400
--- raw_request eval
"OPTIONS * HTTP/1.1\r\nHost: localhost\r\nOrigin: https://app.example.com\r\nAccess-Control-Request-Method: POST\r\nConnection: close\r\n\r\n"
--- error_code: 400
--- no_error_log
CORS preflight let through



=== TEST 30: an internal redirect to a level with the bypass off checks again: 401
--- extra
    location /redir/ {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_bypass_cors_preflight on;
        root    $TEST_NGINX_DATA_DIR/nonexistent;
        try_files $uri /strict/x;
    }
--- request
OPTIONS /redir/nothing
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: POST
--- error_code: 401
--- error_log
CORS preflight let through
auth_jwt: no token



=== TEST 31: "auth_jwt_bypass_cors_preflight" takes on or off
--- config
    location / {
        auth_jwt_bypass_cors_preflight yes;
    }
--- must_die
--- error_log
invalid value "yes" in "auth_jwt_bypass_cors_preflight" directive, it must be "on" or "off"



=== TEST 32: nginx answers the preflight itself ("if" runs after the check): 204 with the CORS headers
--- extra
    location /cors/ {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_bypass_cors_preflight on;
        if ($request_method = OPTIONS) {
            add_header Access-Control-Allow-Origin  https://app.example.com;
            add_header Access-Control-Allow-Methods "GET, POST, PUT, DELETE";
            add_header Access-Control-Allow-Headers "Authorization, Content-Type";
            return 204;
        }
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo/;
    }
--- request
OPTIONS /cors/a
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: PUT
--- error_code: 204
--- response_headers
Access-Control-Allow-Origin: https://app.example.com
Access-Control-Allow-Methods: GET, POST, PUT, DELETE
--- error_log
CORS preflight let through



=== TEST 33: nginx answers preflights itself: an OPTIONS that is no preflight gets 401 before the "if"
--- extra
    location /cors/ {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_bypass_cors_preflight on;
        if ($request_method = OPTIONS) {
            add_header Access-Control-Allow-Origin  https://app.example.com;
            add_header Access-Control-Allow-Methods "GET, POST, PUT, DELETE";
            add_header Access-Control-Allow-Headers "Authorization, Content-Type";
            return 204;
        }
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo/;
    }
--- request
OPTIONS /cors/a
--- more_headers
Origin: https://app.example.com
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="test"
!Access-Control-Allow-Origin
--- no_error_log
CORS preflight let through



=== TEST 34: an OPTIONS with a body is no preflight (a write to a catch-all handler): 401
--- request
OPTIONS /api/admin/delete-all
{"confirm":true}
--- more_headers
Origin: https://evil.example
Access-Control-Request-Method: GET
Content-Type: application/json
--- error_code: 401
--- no_error_log
CORS preflight let through



=== TEST 35: an OPTIONS with a chunked body is no preflight: 401
--- raw_request eval
"OPTIONS /api/orders HTTP/1.1\r
Host: localhost\r
Origin: https://evil.example\r
Access-Control-Request-Method: GET\r
Transfer-Encoding: chunked\r
Connection: close\r
\r
2\r
{}\r
0\r
\r
"
--- error_code: 401
--- no_error_log
CORS preflight let through



=== TEST 36: a method override header (any spelling of the three) makes it no preflight: 401
--- request eval
["OPTIONS /api/orders", "OPTIONS /api/orders", "OPTIONS /api/orders"]
--- more_headers eval
["Origin: https://evil.example\nAccess-Control-Request-Method: GET\nX-HTTP-Method-Override: DELETE",
 "Origin: https://evil.example\nAccess-Control-Request-Method: GET\nx-http-method: DELETE",
 "Origin: https://evil.example\nAccess-Control-Request-Method: GET\nX-Method-Override: PUT"]
--- error_code eval
[401, 401, 401]
--- no_error_log
CORS preflight let through



=== TEST 37: an empty body (Content-Length: 0) is still a preflight: 200 without identity
--- request
OPTIONS /api/orders
--- more_headers
Origin: https://app.example.com
Access-Control-Request-Method: POST
Content-Length: 0
--- error_code: 200
--- response_body
OPTIONS id=[] token=[] claim=[] err=[missing]
