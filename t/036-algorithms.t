# auth_jwt_algorithms: narrows the algorithms a location accepts; by
# default every one its keys can verify (HMAC only with an oct key).

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::BlockLog;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

run_tests();

__DATA__

=== TEST 1: narrowed to ES256: an RS256 token is refused before any crypto
--- config
    location /api {
        auth_jwt            "test";
        auth_jwt_key_file   $TEST_NGINX_DATA_DIR/jwks-all.json;
        auth_jwt_algorithms ES256;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer " . jwt(alg => 'ES256'),
 "Authorization: Bearer " . jwt(alg => 'RS256')]
--- error_code eval
[200, 401]
--- error_log
auth_jwt: token rejected: unsupported_alg



=== TEST 2: by default every algorithm of the keys
--- config
    location /api {
        auth_jwt            "test";
        auth_jwt_key_file   $TEST_NGINX_DATA_DIR/jwks-all.json;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer " . jwt(alg => 'ES256'),
 "Authorization: Bearer " . jwt(alg => 'RS256'),
 "Authorization: Bearer " . jwt(alg => 'EdDSA')]
--- error_code eval
[200, 200, 200]



=== TEST 3: several names; inherited from the server level
--- config
    auth_jwt_algorithms RS256 EdDSA;
    location /api {
        auth_jwt            "test";
        auth_jwt_key_file   $TEST_NGINX_DATA_DIR/jwks-all.json;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer " . jwt(alg => 'ES256'),
 "Authorization: Bearer " . jwt(alg => 'RS256'),
 "Authorization: Bearer " . jwt(alg => 'EdDSA')]
--- error_code eval
[401, 200, 200]



=== TEST 4: HS256 is never accepted without an oct key
--- config
    location /api {
        auth_jwt            "test";
        auth_jwt_key_file   $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(alg => 'HS256', key => 'hs256')
--- error_code: 401
--- error_log
auth_jwt: token rejected: unsupported_alg



=== TEST 5: with an oct key, HS256 can be narrowed away
--- config
    location /hmac {
        auth_jwt            "test";
        auth_jwt_key_file   $TEST_NGINX_DATA_DIR/jwks-hmac.json;
        empty_gif;
    }
    location /rsa {
        auth_jwt            "test";
        auth_jwt_key_file   $TEST_NGINX_DATA_DIR/jwks-hmac.json;
        auth_jwt_key_file   $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_algorithms RS256;
        empty_gif;
    }
--- request eval
["GET /hmac", "GET /rsa"]
--- more_headers eval
my $t = jwt(alg => 'HS256', key => 'hs256');
["Authorization: Bearer $t", "Authorization: Bearer $t"]
--- error_code eval
[200, 401]



=== TEST 6: an unknown name fails nginx -t
--- config
    auth_jwt_algorithms RS256 RS257;
--- must_die
--- error_log
unknown algorithm "RS257"



=== TEST 7: names are case-sensitive, as in JWS
--- config
    auth_jwt_algorithms rs256;
--- must_die
--- error_log
unknown algorithm "rs256"



=== TEST 8: none fails nginx -t, in any casing
--- config
    location /a {
        auth_jwt_algorithms RS256 None;
    }
--- must_die
--- error_log
algorithm "none" is never accepted



=== TEST 9: algorithms no key can verify fail nginx -t
--- config
    location /api {
        auth_jwt            "test";
        auth_jwt_key_file   $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_algorithms HS256 ES256;
        empty_gif;
    }
--- must_die
--- error_log
"auth_jwt_algorithms": none of the configured keys can verify any of these algorithms
