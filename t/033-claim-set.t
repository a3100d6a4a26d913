# auth_jwt_claim_set and auth_jwt_header_set (NGINX Plus): variables from
# claims and header members, nested objects walked, arrays joined.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

add_block_preprocessor(sub {
    my $block = shift;
    return if defined $block->http_config;
    $block->set_value('http_config', <<'CONF');
    auth_jwt_claim_set  $email info e-mail;
    auth_jwt_claim_set  $roles realm_access roles;
    auth_jwt_claim_set  $user_id userId;
    auth_jwt_claim_set  $admin admin;
    auth_jwt_claim_set  $level level;
    auth_jwt_claim_set  $info info;
    auth_jwt_claim_set  $deep .a.b.c;
    auth_jwt_header_set $alg alg;
    auth_jwt_header_set $kid kid;
    auth_jwt_header_set $typ typ;
CONF
});

run_tests();

__DATA__

=== TEST 1: nested claims, arrays, numbers, booleans, objects, header
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "email=$email roles=$roles id=$user_id admin=$admin level=$level info=$info deep=$deep alg=$alg kid=$kid\n";
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {
    info => {'e-mail' => 'alice@example.com'},
    realm_access => {roles => ['admin', 'user']},
    userId => 'u-42', admin => JSON::PP::true, level => 3,
    a => {b => {c => 'x'}}})
--- response_body
email=alice@example.com roles=admin,user id=u-42 admin=true level=3 info={"e-mail":"alice@example.com"} deep=x alg=RS256 kid=rsa1



=== TEST 2: an absent claim or member gives an empty value
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "[$email][$roles][$typ][$deep]\n";
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {info => 'flat', a => {b => 1}})
--- response_body
[][][][]



=== TEST 3: a token that did not verify fills no variable
--- config
    satisfy any;
    allow 127.0.0.1;
    deny all;
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        default_type text/plain;
        alias html/;
        try_files /x /x =404;
        error_page 404 = @show;
    }
    location @show {
        return 200 "[$email][$alg][$jwt_claim_sub]\n";
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . tamper_payload(jwt(), {info => {'e-mail' => 'mallory@example.com'}})
--- response_body
[][][]



=== TEST 4: auth_jwt_claim_set is http-level only
--- http_config
--- config
    auth_jwt_claim_set $email info e-mail;
--- must_die
--- error_log
"auth_jwt_claim_set" directive is not allowed here



=== TEST 5: the variable must start with $
--- http_config
    auth_jwt_claim_set email info e-mail;
--- config
--- must_die
--- error_log
invalid variable name "email"



=== TEST 6: a variable set twice fails nginx -t
--- http_config
    auth_jwt_claim_set $email info e-mail;
    auth_jwt_claim_set $email email;
--- config
--- must_die
--- error_log
duplicate "email" variable



=== TEST 7: a bad member path fails nginx -t
--- http_config
    auth_jwt_claim_set $x .a..b;
--- config
--- must_die
--- error_log
invalid member name ".a..b"
