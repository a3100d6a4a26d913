# auth_jwt_numeric_ids: an integer "sub" or "jti" (issuers such as
# NestJS put a database id there) is refused by default, as RFC 7519
# wants strings, with a log line that names the member and the directive;
# with the switch on, a non-negative integer passes and is its decimal
# text everywhere the string would be: variables, identity headers,
# rules, the login cookie.  Every other type mistake stays an error.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::BlockLog;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

# a token of the exact payload text, signed with rsa1
sub raw {
    my ($json) = @_;
    return jwt_raw(payload => $json);
}

# the payload text with sub (and more members) as given, valid for 5 min
sub payload {
    my ($members) = @_;
    my $exp = time + 300;
    return qq({$members,"exp":$exp});
}

sub bearer { "Authorization: Bearer " . raw(payload($_[0])) }
{ no warnings 'once'; *Test::Base::Filter::bearer = \&bearer; }

$ENV{TEST_NGINX_NUM_TOKEN} = raw(payload('"sub":42'));

add_block_preprocessor(sub {
    my $block = shift;
    return if defined $block->config;
    my $extra = $block->extra // '';
    $block->set_value('config', <<"CONF");
    location /strict {
        auth_jwt          "test";
        auth_jwt_key_file \$TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "sub=[\$jwt_claim_sub] jti=[\$jwt_claim_jti]\\n";
    }
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file \$TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_numeric_ids on;
$extra
        return 200 "sub=[\$jwt_claim_sub] jti=[\$jwt_claim_jti]\\n";
    }
CONF
});

run_tests();

__DATA__

=== TEST 1: by default an integer sub is refused, and the log names the member and the directive
--- request
GET /strict
--- more_headers eval
bearer('"sub":42')
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="test", error="invalid_token"
--- error_log
auth_jwt: token rejected: bad_claim_type ("sub" is a number: see auth_jwt_numeric_ids)



=== TEST 2: by default an integer jti is refused too
--- request
GET /strict
--- more_headers eval
bearer('"sub":"alice","jti":7')
--- error_code: 401
--- error_log
auth_jwt: token rejected: bad_claim_type ("jti" is a number: see auth_jwt_numeric_ids)



=== TEST 3: with the switch on, sub and jti are their decimal text in variables
--- request
GET /api
--- more_headers eval
bearer('"sub":42,"jti":9007199254740993')
--- error_code: 200
--- response_body
sub=[42] jti=[9007199254740993]
--- no_error_log
[error]
token rejected



=== TEST 4: the largest 64-bit integer keeps every digit; 0 is an id too
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[bearer('"sub":9223372036854775807'), bearer('"sub":0')]
--- error_code eval
[200, 200]
--- response_body eval
["sub=[9223372036854775807] jti=[]\n", "sub=[0] jti=[]\n"]



=== TEST 5: a string sub still works with the switch on
--- request
GET /api
--- more_headers eval
bearer('"sub":"alice"')
--- error_code: 200
--- response_body
sub=[alice] jti=[]



=== TEST 6: numbers that are not non-negative integers stay bad_claim_type, without the hint
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api", "GET /api"]
--- more_headers eval
[bearer('"sub":1e3'), bearer('"sub":1.0'), bearer('"sub":4.2'),
 bearer('"sub":-1'), bearer('"sub":-0')]
--- error_code eval
[401, 401, 401, 401, 401]
--- error_log
auth_jwt: token rejected: bad_claim_type ("sub" is a 
--- no_error_log
see auth_jwt_numeric_ids



=== TEST 7: an exponent is a number that is not an integer
--- request
GET /api
--- more_headers eval
bearer('"sub":1e3')
--- error_code: 401
--- error_log
auth_jwt: token rejected: bad_claim_type ("sub" is a number that is not an integer)



=== TEST 8: -1 is a negative number
--- request
GET /api
--- more_headers eval
bearer('"sub":-1')
--- error_code: 401
--- error_log
auth_jwt: token rejected: bad_claim_type ("sub" is a negative number)



=== TEST 9: an integer beyond 64 bits is malformed JSON to the gateway
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[bearer('"sub":18446744073709551616'), bearer('"sub":9223372036854775808')]
--- error_code eval
[401, 401]
--- error_log
auth_jwt: token rejected: malformed



=== TEST 10: true is not an id
--- request
GET /api
--- more_headers eval
bearer('"sub":true')
--- error_code: 401
--- error_log
auth_jwt: token rejected: bad_claim_type ("sub" is true)



=== TEST 11: null is not an id
--- request
GET /api
--- more_headers eval
bearer('"sub":null')
--- error_code: 401
--- error_log
auth_jwt: token rejected: bad_claim_type ("sub" is null)



=== TEST 12: an array holding an integer is not an id
--- request
GET /api
--- more_headers eval
bearer('"sub":[42]')
--- error_code: 401
--- error_log
auth_jwt: token rejected: bad_claim_type ("sub" is an array)



=== TEST 13: an object is not an id
--- request
GET /api
--- more_headers eval
bearer('"jti":{"id":42}')
--- error_code: 401
--- error_log
auth_jwt: token rejected: bad_claim_type ("jti" is an object)



=== TEST 14: two sub members, a number and a string, are malformed
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[bearer('"sub":42,"sub":"admin"'), bearer('"sub":"admin","sub":42')]
--- error_code eval
[401, 401]
--- error_log
auth_jwt: token rejected: malformed



=== TEST 15: other type mistakes stay errors, with the member named: a string exp
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . ::raw('{"sub":42,"exp":"' . (time + 300) . '"}')
--- error_code: 401
--- error_log
auth_jwt: token rejected: bad_claim_type ("exp" is a string)



=== TEST 16: a numeric iss
--- request
GET /api
--- more_headers eval
bearer('"sub":42,"iss":42')
--- error_code: 401
--- error_log
auth_jwt: token rejected: bad_claim_type ("iss" is a number)
--- no_error_log
see auth_jwt_numeric_ids



=== TEST 17: an aud array holding a number
--- request
GET /api
--- more_headers eval
bearer('"sub":42,"aud":["api",42]')
--- error_code: 401
--- error_log
auth_jwt: token rejected: bad_claim_type ("aud" is an array holding a non-string)



=== TEST 18: rules see the decimal text: eq "42" passes, eq 42.0 and eq 43 do not
--- extra
        auth_jwt_require_claim sub eq "42";
        auth_jwt_require_claim jti in 'json=["1","2"]';
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
[bearer('"sub":42,"jti":2'), bearer('"sub":43,"jti":2'),
 bearer('"sub":42,"jti":3')]
--- error_code eval
[200, 403, 403]



=== TEST 19: the failed rule on the id is logged
--- extra
        auth_jwt_require_claim sub eq "42";
--- request
GET /api
--- more_headers eval
bearer('"sub":43')
--- error_code: 403
--- error_log
auth_jwt: token rejected: insufficient_scope (auth_jwt_require_claim "sub" eq failed)



=== TEST 20: a rule value written as another number, or asking for a JSON number, does not match the id's text
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_numeric_ids on;
        auth_jwt_require_claim sub eq 42.0;
        return 200 "ok\n";
    }
    location /json {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_numeric_ids on;
        auth_jwt_require_claim sub eq json=42;
        return 200 "ok\n";
    }
    location /plain {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_numeric_ids on;
        auth_jwt_require_claim sub eq 42;
        return 200 "ok\n";
    }
--- request eval
["GET /api", "GET /json", "GET /plain"]
--- more_headers eval
[bearer('"sub":42'), bearer('"sub":42'), bearer('"sub":42')]
--- error_code eval
[403, 403, 200]



=== TEST 21: identity headers carry the decimal text
--- http_config
    auth_jwt_claim_set $jwt_id jti;
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_numeric_ids on;
        auth_jwt_forward_claim X-User-Id sub;
        proxy_set_header X-Jti $jwt_id;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        return 200 "id=[$http_x_user_id] jti=[$http_x_jti]\n";
    }
--- request
GET /api
--- more_headers eval
bearer('"sub":1234567890123,"jti":5') . "\nX-User-Id: 1"
--- error_code: 200
--- response_body
id=[1234567890123] jti=[5]



=== TEST 22: the switch is inherited from the server level, and a location can turn it off
--- config
    auth_jwt_numeric_ids on;
    location /inherit {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "sub=[$jwt_claim_sub]\n";
    }
    location /off {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_numeric_ids off;
        return 200 "sub=[$jwt_claim_sub]\n";
    }
--- request eval
["GET /inherit", "GET /off"]
--- more_headers eval
[bearer('"sub":42'), bearer('"sub":42')]
--- error_code eval
[200, 401]
--- response_body_like eval
["^sub=\\[42\\]\n\\z", "401 Authorization Required"]



=== TEST 23: a token verified and cached where ids may be numbers is still refused where they may not
--- request eval
["GET /api", "GET /strict", "GET /api", "GET /strict"]
--- more_headers eval
["Authorization: Bearer $ENV{TEST_NGINX_NUM_TOKEN}",
 "Authorization: Bearer $ENV{TEST_NGINX_NUM_TOKEN}",
 "Authorization: Bearer $ENV{TEST_NGINX_NUM_TOKEN}",
 "Authorization: Bearer $ENV{TEST_NGINX_NUM_TOKEN}"]
--- error_code eval
[200, 401, 200, 401]



=== TEST 24: after an internal redirect to a strict location, the token parsed before is refused
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_numeric_ids on;
        root /nonexistent;
        error_page 404 = /strict;
    }
    location /strict {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "sub=[$jwt_claim_sub]\n";
    }
--- request
GET /api/x
--- more_headers eval
bearer('"sub":42')
--- error_code: 401
--- error_log
auth_jwt: token rejected: bad_claim_type ("sub" is a number: see auth_jwt_numeric_ids)



=== TEST 25: a bad value fails nginx -t
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_numeric_ids yes;
        return 200;
    }
--- must_die
--- error_log
invalid value "yes" in "auth_jwt_numeric_ids" directive, it must be "on" or "off"



=== TEST 26: the login companion sets the cookie for an integer sub when the switch is on
--- config
    location = /auth/login {
        auth_jwt_login_cookie access_token;
        auth_jwt_numeric_ids on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/issuer;
    }
    location = /issuer {
        default_type application/json;
        return 200 '{"userId":42,"access_token":"$TEST_NGINX_NUM_TOKEN"}';
    }
--- request
POST /auth/login
{}
--- error_code: 200
--- response_headers_like eval
"Set-Cookie: access_token=\Q$ENV{TEST_NGINX_NUM_TOKEN}\E; Max-Age=\\d+; Path=/; HttpOnly; Secure; SameSite=Strict"
--- no_error_log
no cookie set



=== TEST 27: without the switch it sets none, and says why
--- config
    location = /auth/login {
        auth_jwt_login_cookie access_token;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/issuer;
    }
    location = /issuer {
        default_type application/json;
        return 200 '{"access_token":"$TEST_NGINX_NUM_TOKEN"}';
    }
--- request
POST /auth/login
{}
--- error_code: 200
--- response_headers
!Set-Cookie
--- error_log
auth_jwt_login_cookie: the issued token is bad_claim_type ("sub" is a number: see auth_jwt_numeric_ids), no cookie set



=== TEST 28: $jwt_payload keeps the token's own JSON text
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_numeric_ids on;
        return 200 "$jwt_payload\n";
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . ::raw('{"sub":42,"exp":4102444800}')
--- error_code: 200
--- response_body
{"sub":42,"exp":4102444800}
