# auth_jwt_require_exp: on by default, a token without exp is rejected
# (a documented difference from NGINX Plus); off accepts it.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::BlockLog;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

run_tests();

__DATA__

=== TEST 1: by default a token without exp is rejected
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {exp => undef})
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="test", error="invalid_token"
--- error_log
auth_jwt: token rejected: missing_exp



=== TEST 2: off accepts a token without exp
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_file    $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require_exp off;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {exp => undef})
--- error_code: 200



=== TEST 3: off still rejects an expired exp and a string exp
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_file    $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require_exp off;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer " . jwt(claims => {exp => time - 100}),
 "Authorization: Bearer " . jwt(claims => {exp => '' . (time + 100)})]
--- error_code eval
[401, 401]
--- error_log
auth_jwt: token rejected: expired
auth_jwt: token rejected: bad_claim_type



=== TEST 4: inherited; a location may turn it back on
--- config
    auth_jwt_require_exp off;
    location /api {
        auth_jwt             "test";
        auth_jwt_key_file    $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
    location /strict {
        auth_jwt             "test";
        auth_jwt_key_file    $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require_exp on;
        empty_gif;
    }
--- request eval
["GET /api", "GET /strict"]
--- more_headers eval
my $t = jwt(claims => {exp => undef});
["Authorization: Bearer $t", "Authorization: Bearer $t"]
--- error_code eval
[200, 401]



=== TEST 5: a value other than on/off fails nginx -t
--- config
    auth_jwt_require_exp yes;
--- must_die
--- error_log
invalid value "yes" in "auth_jwt_require_exp" directive
