# auth_jwt_audience: the token's aud (a string or an array) must hold one
# of the values.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::BlockLog;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

add_block_preprocessor(sub {
    my $block = shift;
    return if defined $block->config;
    $block->set_value('config', <<'CONF');
    location /api {
        auth_jwt           "test";
        auth_jwt_key_file  $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_audience  orders users;
        empty_gif;
    }
CONF
});

run_tests();

__DATA__

=== TEST 1: aud as a string in the list
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {aud => 'users'})
--- error_code: 200



=== TEST 2: aud as an array holding one of the values
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {aud => ['billing', 'orders']})
--- error_code: 200



=== TEST 3: aud not in the list
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer " . jwt(claims => {aud => 'api'}),
 "Authorization: Bearer " . jwt(claims => {aud => ['billing', 'api']}),
 "Authorization: Bearer " . jwt(claims => {aud => []})]
--- error_code eval
[401, 401, 401]
--- error_log
auth_jwt: token rejected: bad_audience



=== TEST 4: no aud at all
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {aud => undef})
--- error_code: 401
--- error_log
auth_jwt: token rejected: bad_audience



=== TEST 5: aud of the wrong type is a bad claim type
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer " . jwt(claims => {aud => 42}),
 "Authorization: Bearer " . jwt(claims => {aud => ['orders', 42]})]
--- error_code eval
[401, 401]
--- error_log
auth_jwt: token rejected: bad_claim_type



=== TEST 6: issuer and audience together
--- config
    location /api {
        auth_jwt           "test";
        auth_jwt_key_file  $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_issuer    https://issuer.test;
        auth_jwt_audience  api;
        empty_gif;
    }
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer " . jwt(),
 "Authorization: Bearer " . jwt(claims => {iss => 'https://x.test'}),
 "Authorization: Bearer " . jwt(claims => {aud => 'x'})]
--- error_code eval
[200, 401, 401]



=== TEST 7: an empty value fails nginx -t
--- config
    auth_jwt_audience "";
--- must_die
--- error_log
invalid value ""
