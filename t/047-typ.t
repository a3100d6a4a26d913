# auth_jwt_require_typ: the JOSE header's "typ" is a media type (RFC 7515
# 4.1.9): compared without regard to letter case, with the "application/"
# prefix optional on both sides, so an RFC 9068 access token says
# "at+jwt" or "application/at+jwt" in any case.  Anything else, a
# parameter, another "/", an empty or missing typ, is refused as bad_typ.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::BlockLog;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

# a token whose header is exactly this JSON text, signed with rsa1
sub typ_raw {
    my ($header) = @_;
    return "Authorization: Bearer "
           . jwt_raw(header => $header, key => 'rsa1');
}

# a token with this typ (a JSON string's contents, as written)
sub typ { typ_raw(qq({"alg":"RS256","kid":"rsa1","typ":"$_[0]"})) }
{ no warnings 'once'; *Test::Base::Filter::typ = \&typ; }

add_block_preprocessor(sub {
    my $block = shift;
    return if defined $block->config;
    my $typ = $block->typ_conf // 'auth_jwt_require_typ at+jwt;';
    $block->set_value('config', <<"CONF");
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file \$TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        $typ
        return 200 "typ=[\$jwt_header_typ] error=[\$jwt_error]\\n";
    }
CONF
});

run_tests();

__DATA__

=== TEST 1: at+jwt in its every spelling passes
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api", "GET /api"]
--- more_headers eval
[::typ('at+jwt'), ::typ('AT+JWT'), ::typ('application/at+jwt'),
 ::typ('application/AT+JWT'), ::typ('Application/At+Jwt')]
--- error_code eval
[200, 200, 200, 200, 200]
--- response_body eval
["typ=[at+jwt] error=[]\n", "typ=[AT+JWT] error=[]\n",
 "typ=[application/at+jwt] error=[]\n",
 "typ=[application/AT+JWT] error=[]\n",
 "typ=[Application/At+Jwt] error=[]\n"]
--- no_error_log
[error]
token rejected



=== TEST 2: an escaped character is the character
--- request
GET /api
--- more_headers eval
::typ('at\\u002bjwt')
--- error_code: 200



=== TEST 3: another type is refused as bad_typ, 401 invalid_token
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
[::typ('JWT'), ::typ('at+jwtx'), ::typ('at+jw')]
--- error_code eval
[401, 401, 401]
--- response_headers eval
[("WWW-Authenticate: Bearer realm=\"test\", error=\"invalid_token\"") x 3]
--- error_log
auth_jwt: token rejected: bad_typ



=== TEST 4: hostile shapes are refused
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api", "GET /api", "GET /api",
 "GET /api", "GET /api"]
--- more_headers eval
[::typ('at+jwt; charset=x'), ::typ('xapplication/at+jwt'),
 ::typ('application/'), ::typ(''), ::typ('application/foo/at+jwt'),
 ::typ('application/application/at+jwt'), ::typ(' at+jwt'),
 ::typ('text/at+jwt')]
--- error_code eval
[401, 401, 401, 401, 401, 401, 401, 401]
--- error_log
auth_jwt: token rejected: bad_typ
--- no_error_log
[error]



=== TEST 5: a token without typ is refused
--- request
GET /api
--- more_headers eval
::typ_raw('{"alg":"RS256","kid":"rsa1"}')
--- error_code: 401
--- error_log
auth_jwt: token rejected: bad_typ



=== TEST 6: a typ that is not a string is malformed
--- request
GET /api
--- more_headers eval
::typ_raw('{"alg":"RS256","kid":"rsa1","typ":["at+jwt"]}')
--- error_code: 401
--- error_log
auth_jwt: token rejected: malformed



=== TEST 7: the configured value may carry the prefix and any case
--- typ_conf
auth_jwt_require_typ Application/AT+JWT;
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[::typ('at+jwt'), ::typ('jwt')]
--- error_code eval
[200, 401]



=== TEST 8: several types: any of them
--- typ_conf
auth_jwt_require_typ at+jwt jwt;
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
[::typ('JWT'), ::typ('application/at+jwt'), ::typ('dpop+jwt')]
--- error_code eval
[200, 200, 401]



=== TEST 9: inherited from the server level; off clears it in a location
--- config
    auth_jwt_require_typ at+jwt;
    location /inherit {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "ok\n";
    }
    location /off {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require_typ off;
        return 200 "ok\n";
    }
--- request eval
["GET /inherit", "GET /off", "GET /off"]
--- more_headers eval
[::typ('JWT'), ::typ('JWT'), "Authorization: Bearer " . jwt()]
--- error_code eval
[401, 200, 200]



=== TEST 10: a token cached where typ is free is still checked where it is not
--- config
    location /free {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "ok\n";
    }
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require_typ at+jwt;
        return 200 "ok\n";
    }
--- request eval
["GET /free", "GET /api", "GET /free"]
--- more_headers eval
my $t = ::typ('JWT');
[$t, $t, $t]
--- error_code eval
[200, 401, 200]



=== TEST 11: auth_jwt_require_header typ stays an exact comparison of the header's text
--- typ_conf
auth_jwt_require_header typ eq at+jwt;
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[::typ('application/at+jwt'), ::typ('AT+JWT')]
--- error_code eval
[403, 403]
--- error_log
auth_jwt: token rejected: insufficient_scope (auth_jwt_require_header "typ" eq failed)



=== TEST 12: values that are not media types fail nginx -t
--- typ_conf
auth_jwt_require_typ text/plain;
--- must_die
--- error_log
invalid media type "text/plain": a subtype name such as "at+jwt" or "application/at+jwt", without parameters, is expected



=== TEST 13: a parameter fails nginx -t
--- typ_conf
auth_jwt_require_typ "at+jwt; charset=utf-8";
--- must_die
--- error_log
invalid media type "at+jwt; charset=utf-8"



=== TEST 14: the bare prefix fails nginx -t
--- typ_conf
auth_jwt_require_typ application/;
--- must_die
--- error_log
invalid media type "application/"



=== TEST 15: off with types fails nginx -t
--- typ_conf
auth_jwt_require_typ at+jwt off;
--- must_die
--- error_log
"off" cannot be given with types



=== TEST 16: twice at one level fails nginx -t
--- typ_conf
auth_jwt_require_typ at+jwt; auth_jwt_require_typ jwt;
--- must_die
--- error_log
"auth_jwt_require_typ" directive is duplicate
