# auth_jwt_type: signed tokens (JWS) only; JWE is refused at nginx -t.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

run_tests();

__DATA__

=== TEST 1: auth_jwt_type signed is accepted and changes nothing
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_type     signed;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer " . jwt(), "Authorization: Bearer " . tamper_sig(jwt())]
--- error_code eval
[200, 401]



=== TEST 2: encrypted fails nginx -t with a clear message
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_type     encrypted;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- must_die
--- error_log
"auth_jwt_type encrypted" is not supported: only signed tokens (JWS) are, not JWE



=== TEST 3: nested fails nginx -t too
--- config
    auth_jwt_type nested;
--- must_die
--- error_log
"auth_jwt_type nested" is not supported



=== TEST 4: an unknown type fails nginx -t
--- config
    auth_jwt_type jws;
--- must_die
--- error_log
invalid value "jws", it must be "signed"



=== TEST 5: a JWE-shaped token (five segments) is rejected as malformed
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . b64u('{"alg":"RSA-OAEP","enc":"A256GCM"}')
    . ".AAAA.AAAA.AAAA.AAAA"
--- error_code: 401
--- error_log
auth_jwt: token rejected: malformed
