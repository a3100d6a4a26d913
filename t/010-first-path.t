# The first enforcing path: auth_jwt + auth_jwt_key_file with RS256 tokens,
# a real upstream behind the check, and the RFC 6750 answers.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::BlockLog;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a valid RS256 token reaches the upstream
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        proxy_pass        http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "backend reached\n";
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(alg => 'RS256', key => 'rsa1')
--- error_code: 200
--- response_body
backend reached
--- response_headers
!WWW-Authenticate
--- no_error_log
[error]
auth_jwt: token rejected



=== TEST 2: no token: 401 with the bare challenge
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        proxy_pass        http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "backend reached\n";
    }
--- request
GET /api
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="test"
--- response_body_unlike: backend reached
--- error_log
auth_jwt: no token
--- no_error_log
[error]



=== TEST 3: another scheme counts as no token
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- request
GET /api
--- more_headers
Authorization: Basic YWxpY2U6c2VjcmV0
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="test"
--- error_log
auth_jwt: no token



=== TEST 4: the Bearer scheme is case-insensitive
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: bEARER " . jwt()
--- error_code: 200
--- no_error_log
[error]
auth_jwt: token rejected



=== TEST 5: a bad signature: 401 invalid_token
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        proxy_pass        http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "backend reached\n";
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . tamper_sig(jwt())
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="test", error="invalid_token"
--- response_body_unlike: backend reached
--- error_log
auth_jwt: token rejected: bad_signature
--- no_error_log
[error]



=== TEST 6: claims changed after signing: bad signature
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . tamper_payload(jwt(), { sub => 'admin' })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="test", error="invalid_token"
--- error_log
auth_jwt: token rejected: bad_signature



=== TEST 7: signed by another RSA key under the expected kid
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(key => 'rsa2', kid => 'rsa1')
--- error_code: 401
--- error_log
auth_jwt: token rejected: bad_signature



=== TEST 8: a kid the key set does not have
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(key => 'rsa2')
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="test", error="invalid_token"
--- error_log
auth_jwt: token rejected: unknown_kid



=== TEST 9: an expired token
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => { exp => time - 60 })
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="test", error="invalid_token"
--- error_log
auth_jwt: token rejected: expired
--- no_error_log
[error]



=== TEST 10: an expired token within auth_jwt_leeway passes
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_leeway   2m;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => { exp => time - 60 })
--- error_code: 200



=== TEST 11: a token without exp is rejected
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => { exp => undef })
--- error_code: 401
--- error_log
auth_jwt: token rejected: missing_exp



=== TEST 12: not yet valid (nbf in the future)
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => { nbf => time + 600 })
--- error_code: 401
--- error_log
auth_jwt: token rejected: not_yet_valid



=== TEST 13: malformed tokens: 401 invalid_token, never 5xx
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api", "GET /api"]
--- more_headers eval
[
    "Authorization: Bearer not-a-token",
    "Authorization: Bearer aaaa.bbbb",
    "Authorization: Bearer " . jwt() . ".extra",
    "Authorization: Bearer " . jwt() . "=",
    "Authorization: Bearer " . b64u('{"alg":"RS256"') . ".e30.c2ln",
]
--- error_code eval
[401, 401, 401, 401, 401]
--- response_headers eval
[
    'WWW-Authenticate: Bearer realm="test", error="invalid_token"',
    'WWW-Authenticate: Bearer realm="test", error="invalid_token"',
    'WWW-Authenticate: Bearer realm="test", error="invalid_token"',
    'WWW-Authenticate: Bearer realm="test", error="invalid_token"',
    'WWW-Authenticate: Bearer realm="test", error="invalid_token"',
]
--- error_log
auth_jwt: token rejected: malformed
--- no_error_log
[error]
[alert]



=== TEST 14: two tokens in one header are not one token
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt() . " " . jwt()
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="test", error="invalid_token"



=== TEST 15: alg none is never accepted
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . b64u('{"alg":"none","kid":"rsa1"}') . "."
    . b64u('{"sub":"admin","exp":' . (time + 300) . '}') . ".AAAA"
--- error_code: 401
--- error_log
auth_jwt: token rejected: unsupported_alg



=== TEST 16: the realm may hold variables and is quoted safely
--- config
    # at server level: the check answers before a location's own "set"
    set $who 'api "v1"';
    location /api {
        auth_jwt          "realm of $who";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- request
GET /api
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="realm of api \"v1\""



=== TEST 17: token=$cookie_name takes the token from a cookie
--- config
    location /api {
        auth_jwt          "test" token=$cookie_auth_token;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Cookie: theme=dark; auth_token=" . jwt()
--- error_code: 200
--- no_error_log
[error]



=== TEST 18: with token=, the Authorization header is not used
--- config
    location /api {
        auth_jwt          "test" token=$cookie_auth_token;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt()
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="test"



=== TEST 19: auth_jwt off cancels an inherited auth_jwt
--- config
    auth_jwt          "test";
    auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;

    location /public {
        auth_jwt off;
        empty_gif;
    }
    location /private {
        empty_gif;
    }
--- request eval
["GET /public", "GET /private"]
--- error_code eval
[200, 401]



=== TEST 20: keys from several files all apply
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa2.json;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer " . jwt(key => 'rsa1'),
 "Authorization: Bearer " . jwt(key => 'rsa2')]
--- error_code eval
[200, 200]



=== TEST 21: auth_jwt without a key source fails nginx -t
--- config
    location /api {
        auth_jwt "test";
        empty_gif;
    }
--- must_die
--- error_log
no key source is configured



=== TEST 22: an unreadable key file fails nginx -t
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/no-such-file.json;
        empty_gif;
    }
--- must_die
--- error_log
no-such-file.json" failed



=== TEST 23: a key file that is not JSON fails nginx -t
--- user_files
>>> garbage.json
this is not a key set
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file ../html/garbage.json;
        empty_gif;
    }
--- must_die
--- error_log
not a JWKS or JWK



=== TEST 24: a key set with no usable key fails nginx -t
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/rsa1024.jwk;
        empty_gif;
    }
--- must_die
--- error_log
no usable key in the key set



=== TEST 25: an RSA public key used as an HMAC secret never verifies
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . hmac_jwt_with_secret('HS256',
    do { local (@ARGV, $/) = (key_path('rsa1', 'pub')); <> }, kid => 'rsa1')
--- error_code: 401
--- error_log
auth_jwt: token rejected: unsupported_alg



=== TEST 26: unusable keys in a set are skipped with a warning, the rest work
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-mixed.json;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer " . jwt(key => 'rsa1'),
 "Authorization: Bearer " . jwt(key => 'rsa2', kid => 'enc1')]
--- error_code eval
[200, 401]
--- error_log
kid "rsa1024") skipped: RSA key shorter than 2048 bits
kid "xyz1") skipped: unsupported kty
kid "p192") skipped: unsupported crv
kid "enc1") skipped: use is not sig
auth_jwt: token rejected: unknown_kid
--- no_error_log
[error]
