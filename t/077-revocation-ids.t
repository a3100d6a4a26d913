# Revocation lists compare a token's jti, sub and iss as the strings they
# are, whatever escapes the token's JSON uses for them (RFC 8259 7: "\u0061"
# and "a" are the same string), read from the parsed token without a JSON
# tree.  Both kinds of list: a file (each worker's copy) and a list fetched
# into the shared zone (read without the zone's mutex).  The tokens are
# minted from exact payload texts, so the escapes are the ones written
# here.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

my $now = time;
my $exp = $now + 600;
my $cut = $now - 100;

# a token of the exact payload text (members as given, plus exp), signed
# with rsa1; CUT, CUT-50 and CUT+1 stand for the list's cutoff and times
# around it
sub bearer {
    my ($members) = @_;
    $members =~ s/CUT([-+]\d+)?/$cut + ($1 \/\/ 0)/ge;
    return "Authorization: Bearer "
           . jwt_raw(payload => qq({$members,"exp":$exp}));
}
{ no warnings 'once'; *Test::Base::Filter::bearer = \&bearer; }

# the list: jti 'a"b' and 'jb1', sub 'zoë' (cut off at $cut), sub "42";
# written with other escapes than the tokens use
my $list = qq({"jti":{"a\\"b":$exp,"\\u006ab1":$exp,"77":$exp},)
         . qq("sub":{"zo\\u00eb":$cut,"42":$cut}});

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value('user_files', <<"FILES") unless $block->user_files;
>>> ids.json
$list
FILES
    return if defined $block->config;
    $block->set_value('config', <<'CONF');
    location /file {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_numeric_ids        on;
        auth_jwt_revocation_file    ../html/ids.json;
        return 200 "ok\n";
    }
    location /zone {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_numeric_ids        on;
        auth_jwt_revocation_request /_ids;
        return 200 "ok\n";
    }
    location /bound {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_revocation_file    ../html/ids.json
                                    issuer=https://a.example/;
        return 200 "ok\n";
    }
    location = /_ids {
        internal;
        alias html/ids.json;
    }
CONF
});

run_tests();

__DATA__

=== TEST 1: a jti with an escaped quote is the listed one: file
--- request
GET /file
--- more_headers eval
bearer('"sub":"u","jti":"a\\"b"')
--- error_code: 401
--- error_log
token rejected: revoked (its jti is listed by file
--- no_error_log
[error]



=== TEST 2: a jti with an escaped quote is the listed one: zone
--- request
GET /zone
--- more_headers eval
bearer('"sub":"u","jti":"a\\"b"')
--- error_code: 401
--- error_log
token rejected: revoked (its jti is listed by auth_jwt_revocation_request "/_ids")
--- no_error_log
[error]



=== TEST 3: a jti written with \u escapes matches the list's plain text: file
--- request
GET /file
--- more_headers eval
bearer('"sub":"u","jti":"\\u006a\\u0062\\u0031"')
--- error_code: 401
--- error_log
its jti is listed



=== TEST 4: a jti written with \u escapes matches the list's plain text: zone
--- request
GET /zone
--- more_headers eval
bearer('"sub":"u","jti":"\\u006a\\u0062\\u0031"')
--- error_code: 401
--- error_log
its jti is listed



=== TEST 5: a jti that differs from a listed one only by escaping something else passes (zone)
--- request
GET /zone
--- more_headers eval
bearer('"sub":"u","jti":"a\\\\b"')
--- error_code: 200
--- response_body
ok
--- no_error_log
token rejected



=== TEST 6: an escaped sub issued at or before its cutoff is refused: file
--- request
GET /file
--- more_headers eval
bearer('"sub":"zo\\u00eb","iat":CUT')
--- error_code: 401
--- error_log
its sub is listed



=== TEST 7: the same sub as UTF-8 bytes issued at or before its cutoff is refused: zone
--- request
GET /zone
--- more_headers eval
bearer(qq("sub":"zo\xc3\xab","iat":CUT-50))
--- error_code: 401
--- error_log
its sub is listed



=== TEST 8: the same sub issued after its cutoff passes: zone and file
--- request eval
["GET /zone", "GET /file"]
--- more_headers eval
[bearer('"sub":"zo\\u00eb","iat":CUT+1'),
 bearer('"sub":"zo\\u00eb","iat":CUT+1')]
--- error_code eval
[200, 200]
--- response_body eval
["ok\n", "ok\n"]
--- no_error_log
token rejected



=== TEST 9: integer ids (auth_jwt_numeric_ids on) are their decimal text: a listed jti
--- request eval
["GET /zone", "GET /file"]
--- more_headers eval
[bearer('"sub":"u","jti":77'), bearer('"sub":"u","jti":77')]
--- error_code eval
[401, 401]



=== TEST 10: integer ids: a listed sub without iat is refused, another passes
--- request eval
["GET /zone", "GET /file", "GET /zone"]
--- more_headers eval
[bearer('"sub":42'), bearer('"sub":42'), bearer('"sub":420')]
--- error_code eval
[401, 401, 200]



=== TEST 11: a list bound to an issuer applies when the token's iss is that issuer written with escapes
--- request
GET /bound
--- more_headers eval
bearer('"iss":"https:\\/\\/a.example\\u002f","sub":"u","jti":"jb1"')
--- error_code: 401
--- error_log
its jti is listed



=== TEST 12: a list bound to an issuer does not apply to another issuer's token
--- request
GET /bound
--- more_headers eval
bearer('"iss":"https:\\/\\/b.example\\/","sub":"u","jti":"jb1"')
--- error_code: 200
--- response_body
ok



=== TEST 13: auth_jwt_key_zone has bounds: below 32k fails nginx -t
--- http_config
    auth_jwt_key_zone 16k;
--- config
    location /x {
        return 200;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*zone "16k" is too small: at least 32k/



=== TEST 14: auth_jwt_key_zone has bounds: above 32768m fails nginx -t (a reader's slot holds a list's place in 32 bits of 8-byte units)
--- http_config
    auth_jwt_key_zone 32769m;
--- config
    location /x {
        return 200;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*zone "32769m" is too large: at most 32768m/



=== TEST 15: the smallest zone holds a revocation list next to the zone's own bookkeeping
--- http_config
    auth_jwt_key_zone 32k;
--- request
GET /zone
--- more_headers eval
bearer('"sub":"u","jti":"a\\"b"')
--- error_code: 401
--- error_log
its jti is listed
--- no_error_log
[error]
