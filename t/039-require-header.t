# auth_jwt_require_header: the same rules on the JOSE header's members.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::BlockLog;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

run_tests();

__DATA__

=== TEST 1: typ must be "at+jwt" (RFC 9068 access tokens)
--- config
    location /api {
        auth_jwt                "test";
        auth_jwt_key_file       $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require_header typ eq at+jwt;
        return 200 "ok\n";
    }
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer " . jwt(header => {typ => 'at+jwt'}),
 "Authorization: Bearer " . jwt(header => {typ => 'JWT'}),
 "Authorization: Bearer " . jwt()]
--- error_code eval
[200, 403, 403]
--- error_log
auth_jwt: token rejected: insufficient_scope (auth_jwt_require_header "typ" eq failed)



=== TEST 2: kid in a list, error=401
--- config
    location /api {
        auth_jwt                "test";
        auth_jwt_key_file       $TEST_NGINX_DATA_DIR/jwks-rsa12.json;
        auth_jwt_require_header kid in json=["rsa2"] error=401;
        return 200 "ok\n";
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer " . jwt(key => 'rsa2'),
 "Authorization: Bearer " . jwt(key => 'rsa1')]
--- error_code eval
[200, 401]
--- response_headers eval
["!WWW-Authenticate", "WWW-Authenticate: Bearer realm=\"test\", error=\"insufficient_scope\""]



=== TEST 3: header and claim rules together
--- config
    location /api {
        auth_jwt                "test";
        auth_jwt_key_file       $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require_header alg eq RS256;
        auth_jwt_require_claim  sub eq alice;
        return 200 "ok\n";
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer " . jwt(),
 "Authorization: Bearer " . jwt(claims => {sub => 'bob'})]
--- error_code eval
[200, 403]



=== TEST 4: an unknown operator fails nginx -t
--- config
    auth_jwt_require_header typ like JWT;
--- must_die
--- error_log
unknown operator "like"



=== TEST 5: a header integer above 2^53 compares as an integer
--- config
    location /api {
        auth_jwt                "test";
        auth_jwt_key_file       $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require_header ver eq json=9007199254740993;
        return 200 "ok\n";
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer " . jwt(header => {ver => 9007199254740993}),
 "Authorization: Bearer " . jwt(header => {ver => 9007199254740992})]
--- error_code eval
[200, 403]



=== TEST 6: a header deny rule fails closed on an object or a nested array
--- config
    location /api {
        auth_jwt                "test";
        auth_jwt_key_file       $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require_header tags nintersect json=["revoked"];
        return 200 "ok\n";
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer " . jwt(header => {tags => ['fresh']}),
 "Authorization: Bearer " . jwt(header => {tags => ['revoked']}),
 "Authorization: Bearer " . jwt(header => {tags => [['revoked']]}),
 "Authorization: Bearer " . jwt(header => {tags => {revoked => JSON::PP::true}})]
--- error_code eval
[200, 403, 403, 403]
