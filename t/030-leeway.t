# auth_jwt_leeway: the clock skew allowed for exp, nbf and iat (iat may
# also be up to auth_jwt_iat_leeway ahead, 60 s by default: the tests of
# iat here set it to 0, t/046-iat-leeway.t tests it).

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::BlockLog;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

run_tests();

__DATA__

=== TEST 1: without leeway, a token expired 10 s ago is rejected
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {exp => time - 10})
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="test", error="invalid_token"
--- error_log
auth_jwt: token rejected: expired



=== TEST 2: a leeway of 30 s accepts it
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_leeway   30s;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {exp => time - 10})
--- error_code: 200
--- no_error_log
auth_jwt: token rejected



=== TEST 3: the leeway does not stretch beyond itself
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_leeway   30s;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {exp => time - 60})
--- error_code: 401
--- error_log
auth_jwt: token rejected: expired



=== TEST 4: nbf in 20 s: rejected without leeway, accepted with 1m
--- config
    location /strict {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
    location /lenient {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_leeway   1m;
        empty_gif;
    }
--- request eval
["GET /strict", "GET /lenient"]
--- more_headers eval
my $t = jwt(claims => {nbf => time + 20});
["Authorization: Bearer $t", "Authorization: Bearer $t"]
--- error_code eval
[401, 200]
--- error_log
auth_jwt: token rejected: not_yet_valid



=== TEST 5: iat in the future beyond the leeway is rejected
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_leeway   5s;
        auth_jwt_iat_leeway 0;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {iat => time + 120})
--- error_code: 401
--- error_log
auth_jwt: token rejected: issued_in_future



=== TEST 6: the leeway is inherited from the server level
--- config
    auth_jwt_leeway 30s;
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {exp => time - 10})
--- error_code: 200



=== TEST 7: a bad time fails nginx -t
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_leeway   soon;
        empty_gif;
    }
--- must_die
--- error_log
"auth_jwt_leeway" directive invalid value
