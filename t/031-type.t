# auth_jwt_type: signed (JWS, the default), encrypted and nested (JWE:
# t/100-jwe-encrypted.t, t/101-jwe-nested.t, t/102-jwe-conf.t).

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



=== TEST 2: encrypted with a key file of public signature keys fails nginx -t: nothing to decrypt with
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_type     encrypted;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- must_die
--- error_log
"auth_jwt_type encrypted": no key file holds a decryption key



=== TEST 3: nested at the http level, no auth_jwt anywhere: accepted, nothing checked
--- config
    auth_jwt_type nested;
    location /api {
        return 200 "open\n";
    }
--- request
GET /api
--- response_body
open



=== TEST 4: an unknown type fails nginx -t
--- config
    auth_jwt_type jws;
--- must_die
--- error_log
invalid value "jws", it must be "signed", "encrypted" or "nested"



=== TEST 5: a JWE-shaped token (five segments) at a signed location is rejected as malformed, and the log says why
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
auth_jwt: token rejected: malformed (an encrypted token (JWE), where a signed one is expected: see "auth_jwt_type")
