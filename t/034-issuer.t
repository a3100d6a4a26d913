# auth_jwt_issuer: the token's iss must be exactly one of the values.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

add_block_preprocessor(sub {
    my $block = shift;
    return if defined $block->config;
    $block->set_value('config', <<'CONF');
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_issuer   https://issuer.test https://other.test;
        return 200 "iss=$jwt_claim_iss\n";
    }
CONF
});

run_tests();

__DATA__

=== TEST 1: an iss in the list passes
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer " . jwt(),
 "Authorization: Bearer " . jwt(claims => {iss => 'https://other.test'})]
--- response_body eval
["iss=https://issuer.test\n", "iss=https://other.test\n"]



=== TEST 2: another iss is rejected
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {iss => 'https://evil.test'})
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="test", error="invalid_token"
--- error_log
auth_jwt: token rejected: bad_issuer



=== TEST 3: the match is exact: no prefix, no case folding, no slash
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer " . jwt(claims => {iss => 'https://issuer.test/'}),
 "Authorization: Bearer " . jwt(claims => {iss => 'HTTPS://ISSUER.TEST'}),
 "Authorization: Bearer " . jwt(claims => {iss => 'https://issuer.tes'})]
--- error_code eval
[401, 401, 401]



=== TEST 4: a token without iss is rejected
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {iss => undef})
--- error_code: 401
--- error_log
auth_jwt: token rejected: bad_issuer



=== TEST 5: iss that is not a string is a bad claim type
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {iss => ['https://issuer.test']})
--- error_code: 401
--- error_log
auth_jwt: token rejected: bad_claim_type



=== TEST 6: inherited from the server level; a location may replace it
--- config
    auth_jwt_issuer https://issuer.test;
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
    location /other {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_issuer   https://other.test;
        empty_gif;
    }
--- request eval
["GET /api", "GET /other"]
--- more_headers eval
my $t = jwt();
["Authorization: Bearer $t", "Authorization: Bearer $t"]
--- error_code eval
[200, 401]



=== TEST 7: without the directive any iss is accepted
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {iss => 'https://anyone.test'})
--- error_code: 200



=== TEST 8: twice at one level fails nginx -t
--- config
    auth_jwt_issuer https://a.test;
    auth_jwt_issuer https://b.test;
--- must_die
--- error_log
"auth_jwt_issuer" directive is duplicate
