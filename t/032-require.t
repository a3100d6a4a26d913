# auth_jwt_require (NGINX Plus): every value non-empty and not "0",
# checked after the token verified; error= sets the answer.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::BlockLog;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value('http_config', <<'CONF') unless defined $block->http_config;
    map $jwt_claim_role $jwt_has_admin_role {
        admin  1;
    }
    map $jwt_claim_scope $jwt_has_restricted_scope {
        restricted  1;
    }
CONF
});

run_tests();

__DATA__

=== TEST 1: both values set: access (the NGINX Plus example)
--- config
    location /profile/ {
        auth_jwt          "realm";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require  $jwt_has_admin_role $jwt_has_restricted_scope
                          error=403;
        return 200 "profile of $jwt_claim_sub\n";
    }
--- request
GET /profile/
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {role => 'admin', scope => 'restricted'})
--- response_body
profile of alice



=== TEST 2: one value empty: 403 with insufficient_scope
--- config
    location /profile/ {
        auth_jwt          "realm";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require  $jwt_has_admin_role $jwt_has_restricted_scope
                          error=403;
        return 200 "profile\n";
    }
--- request
GET /profile/
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {role => 'user', scope => 'restricted'})
--- error_code: 403
--- response_headers
WWW-Authenticate: Bearer realm="realm", error="insufficient_scope"
--- response_body_unlike: profile
--- error_log
auth_jwt: token rejected: insufficient_scope (auth_jwt_require "$jwt_has_admin_role" is empty)



=== TEST 3: without error=, the answer is 401 (as NGINX Plus)
--- config
    location /api {
        auth_jwt          "realm";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require  $jwt_has_admin_role;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt()
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="realm", error="insufficient_scope"



=== TEST 4: "0" counts as not met
--- http_config
    map $jwt_claim_level $level_ok {
        default $jwt_claim_level;
    }
--- config
    location /api {
        auth_jwt          "realm";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require  $level_ok error=403;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer " . jwt(claims => {level => 0}),
 "Authorization: Bearer " . jwt(claims => {level => 2})]
--- error_code eval
[403, 200]
--- error_log
(auth_jwt_require "$level_ok" is 0)



=== TEST 5: several directives are ANDed
--- config
    location /api {
        auth_jwt          "realm";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require  $jwt_has_admin_role;
        auth_jwt_require  $jwt_has_restricted_scope error=403;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer " . jwt(claims => {role => 'admin', scope => 'restricted'}),
 "Authorization: Bearer " . jwt(claims => {role => 'admin'}),
 "Authorization: Bearer " . jwt(claims => {scope => 'restricted'})]
--- error_code eval
[200, 403, 401]



=== TEST 6: an invalid token is 401 invalid_token, not a rule failure
--- config
    location /api {
        auth_jwt          "realm";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require  $jwt_has_admin_role error=403;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . tamper_payload(jwt(), {role => 'admin'})
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="realm", error="invalid_token"
--- error_log
auth_jwt: token rejected: bad_signature



=== TEST 7: any code from 400 to 599 may be chosen
--- config
    location /api {
        auth_jwt          "realm";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require  $jwt_has_admin_role error=451;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt()
--- error_code: 451
--- response_headers
!WWW-Authenticate



=== TEST 8: error=444 fails nginx -t
--- config
    location /api {
        auth_jwt_require  $jwt_has_admin_role error=444;
    }
--- must_die
--- error_log
invalid error code in "error=444": it must be between 400 and 599, not 444 or 499



=== TEST 9: error=600 and error=abc fail nginx -t
--- config
    location /api {
        auth_jwt_require  $jwt_has_admin_role error=600;
    }
    location /b {
        auth_jwt_require  $jwt_has_admin_role error=abc;
    }
--- must_die
--- error_log
invalid error code in "error=600"



=== TEST 10: a value without a variable fails nginx -t
--- config
    location /api {
        auth_jwt_require  admin;
    }
--- must_die
--- error_log
"admin" is not a variable



=== TEST 11: only error= fails nginx -t
--- config
    location /api {
        auth_jwt_require  error=403;
    }
--- must_die
--- error_log
"auth_jwt_require" directive takes no value
