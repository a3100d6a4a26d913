# auth_jwt_iat_leeway: how far in the future an "iat" may be.  An issuer
# whose clock runs a little ahead is tolerated by default (60 s); a token
# issued further ahead stays issued_in_future; 0 makes it strict, and
# auth_jwt_leeway, when larger, applies to iat as before.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::BlockLog;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

sub iat { "Authorization: Bearer " . jwt(claims => {iat => time + $_[0]}) }
{ no warnings 'once'; *Test::Base::Filter::iat = \&iat; }

add_block_preprocessor(sub {
    my $block = shift;
    return if defined $block->config;
    my $extra = $block->extra // '';
    $block->set_value('config', <<"CONF");
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file \$TEST_NGINX_DATA_DIR/jwks-rsa1.json;
$extra
        return 200 "ok\\n";
    }
CONF
});

run_tests();

__DATA__

=== TEST 1: by default an iat a few seconds ahead passes
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[::iat(2), ::iat(30)]
--- error_code eval
[200, 200]
--- no_error_log
token rejected



=== TEST 2: by default an iat far ahead is refused
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[::iat(300), ::iat(86400)]
--- error_code eval
[401, 401]
--- response_headers eval
[("WWW-Authenticate: Bearer realm=\"test\", error=\"invalid_token\"") x 2]
--- error_log
auth_jwt: token rejected: issued_in_future



=== TEST 3: auth_jwt_iat_leeway 0 is strict
--- extra
        auth_jwt_iat_leeway 0;
--- request
GET /api
--- more_headers eval
::iat(30)
--- error_code: 401
--- error_log
auth_jwt: token rejected: issued_in_future



=== TEST 4: a larger auth_jwt_iat_leeway tolerates more, and no more
--- extra
        auth_jwt_iat_leeway 10m;
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[::iat(300), ::iat(1200)]
--- error_code eval
[200, 401]



=== TEST 5: the larger of auth_jwt_leeway and auth_jwt_iat_leeway applies
--- extra
        auth_jwt_iat_leeway 0;
        auth_jwt_leeway     5m;
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[::iat(120), ::iat(900)]
--- error_code eval
[200, 401]



=== TEST 6: it widens iat only: nbf keeps auth_jwt_leeway
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {nbf => time + 30})
--- error_code: 401
--- error_log
auth_jwt: token rejected: not_yet_valid



=== TEST 7: and exp too
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(claims => {exp => time - 30})
--- error_code: 401
--- error_log
auth_jwt: token rejected: expired



=== TEST 8: inherited from the server level, overridden in a location
--- config
    auth_jwt_iat_leeway 0;
    location /strict {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "ok\n";
    }
    location /lenient {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_iat_leeway 2m;
        return 200 "ok\n";
    }
--- request eval
["GET /strict", "GET /lenient"]
--- more_headers eval
my $t = ::iat(30);
[$t, $t]
--- error_code eval
[401, 200]



=== TEST 9: a token cached in a lenient location is still checked in a strict one
--- config
    location /lenient {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "ok\n";
    }
    location /strict {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_iat_leeway 0;
        return 200 "ok\n";
    }
--- request eval
["GET /lenient", "GET /strict", "GET /lenient"]
--- more_headers eval
my $t = ::iat(30);
[$t, $t, $t]
--- error_code eval
[200, 401, 200]



=== TEST 10: a bad time fails nginx -t
--- extra
        auth_jwt_iat_leeway soon;
--- must_die
--- error_log
"auth_jwt_iat_leeway" directive invalid value
