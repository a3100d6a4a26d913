# Where the check runs: before "return" and "rewrite" (rewrite phase,
# satisfy all), with allow/deny, auth_basic and auth_request (access
# phase, satisfy any|all); subrequests and internal redirects.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::BlockLog;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

run_tests();

__DATA__

=== TEST 1: a protected location answering with return is not left open
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "secret\n";
    }
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
["X-None: 1", "Authorization: Bearer " . tamper_sig(jwt()),
 "Authorization: Bearer " . jwt()]
--- error_code eval
[401, 401, 200]
--- response_body_like eval
["^(?!secret)", "^(?!secret)", "^secret\n\$"]



=== TEST 2: return inside if, and a rewrite out of a protected location
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        if ($arg_x) {
            return 200 "secret\n";
        }
        rewrite ^ /open last;
    }
    location /open {
        return 200 "open\n";
    }
--- request eval
["GET /api?x=1", "GET /api", "GET /api?x=1"]
--- more_headers eval
["X-None: 1", "X-None: 1", "Authorization: Bearer " . jwt()]
--- error_code eval
[401, 401, 200]



=== TEST 3: if can use the claims of a verified token
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        if ($jwt_claim_role = admin) {
            return 200 "admin view\n";
        }
        return 200 "user view\n";
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer " . jwt(claims => {role => 'admin'}),
 "Authorization: Bearer " . jwt(claims => {role => 'user'})]
--- response_body eval
["admin view\n", "user view\n"]



=== TEST 4: satisfy any: an allowed address needs no token
--- config
    location /api {
        satisfy any;
        allow 127.0.0.1;
        deny  all;
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- request
GET /api
--- error_code: 200
--- response_headers
!WWW-Authenticate



=== TEST 5: satisfy any: denied address, the token decides
--- config
    location /api {
        satisfy any;
        deny all;
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
["X-None: 1", "Authorization: Bearer " . tamper_sig(jwt()),
 "Authorization: Bearer " . jwt()]
--- error_code eval
[401, 401, 200]
--- response_headers eval
["WWW-Authenticate: Bearer realm=\"test\"",
 "WWW-Authenticate: Bearer realm=\"test\", error=\"invalid_token\"",
 "!WWW-Authenticate"]



=== TEST 6: satisfy all: a valid token does not beat deny
--- config
    location /api {
        deny all;
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt()
--- error_code: 403



=== TEST 7: satisfy any with auth_basic: either credential works
--- user_files
>>> htpasswd
bob:{PLAIN}secret
--- config
    location /api {
        satisfy any;
        auth_basic           "basic";
        auth_basic_user_file ../html/htpasswd;
        auth_jwt             "test" token=$http_x_token;
        auth_jwt_key_file    $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
["Authorization: Basic " . MIME::Base64::encode_base64('bob:secret', ''),
 "X-Token: " . jwt(), "X-None: 1"]
--- error_code eval
[200, 200, 401]



=== TEST 8: satisfy all with auth_basic: both are needed
--- user_files
>>> htpasswd
bob:{PLAIN}secret
--- config
    location /api {
        auth_basic           "basic";
        auth_basic_user_file ../html/htpasswd;
        auth_jwt             "test" token=$http_x_token;
        auth_jwt_key_file    $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
["Authorization: Basic " . MIME::Base64::encode_base64('bob:secret', ''),
 "X-Token: " . jwt(),
 "Authorization: Basic " . MIME::Base64::encode_base64('bob:secret', '') . "\r\nX-Token: " . jwt()]
--- error_code eval
[401, 401, 200]



=== TEST 9: an auth_request subrequest is not checked again
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_request      /check;
        return 200 "through\n";
    }
    location = /check {
        internal;
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 204;
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer " . jwt(), "Authorization: Bearer " . tamper_sig(jwt())]
--- error_code eval
[200, 401]
--- grep_error_log: auth_jwt: token rejected
--- grep_error_log_out
auth_jwt: token rejected



=== TEST 10: error_page 401 keeps the status and the challenge
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        error_page 401 /401.html;
        empty_gif;
    }
--- user_files
>>> 401.html
please log in
--- request
GET /api
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="test"
--- response_body
please log in



=== TEST 11: auth_jwt in limit_except protects only the other methods
--- config
    location /api {
        limit_except GET {
            auth_jwt          "write";
            auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        }
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "backend\n";
    }
--- request eval
["GET /api", "POST /api\nx", "POST /api\nx"]
--- more_headers eval
["X-None: 1", "X-None: 1", "Authorization: Bearer " . jwt()]
--- error_code eval
[200, 401, 200]
