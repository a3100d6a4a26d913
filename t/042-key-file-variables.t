# auth_jwt_key_file with variables: read when a request needs it, cached
# per worker by path and file identity, never parsed per request.

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
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-$arg_tenant.json;
        return 200 "ok $arg_tenant\n";
    }
CONF
});

run_tests();

__DATA__

=== TEST 1: the file named by the request's variables
--- request eval
["GET /api?tenant=rsa1", "GET /api?tenant=rsa2", "GET /api?tenant=rsa12"]
--- more_headers eval
my $t = jwt(key => 'rsa1');
["Authorization: Bearer $t", "Authorization: Bearer $t", "Authorization: Bearer $t"]
--- error_code eval
[200, 401, 200]
--- error_log
auth_jwt: token rejected: unknown_kid



=== TEST 2: parsed once, then used from the cache
--- request eval
["GET /api?tenant=rsa1", "GET /api?tenant=rsa1", "GET /api?tenant=rsa1"]
--- more_headers eval
my $t = jwt(key => 'rsa1');
["Authorization: Bearer $t", "Authorization: Bearer $t", "Authorization: Bearer $t"]
--- error_code eval
[200, 200, 200]
--- grep_error_log eval
qr/auth_jwt_key_file "[^"]+jwks-rsa1.json": \d+ keys loaded/
--- grep_error_log_out eval
qr/^auth_jwt_key_file "[^"]+jwks-rsa1.json": 1 keys loaded\n$/



=== TEST 3: a missing file: 401, the reason, and an error line
--- request
GET /api?tenant=nobody
--- more_headers eval
"Authorization: Bearer " . jwt()
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="test", error="invalid_token"
--- error_log eval
[qr/auth_jwt_key_file: open\(\) "[^"]+jwks-nobody.json" failed/,
 "auth_jwt: token rejected: no_keys"]



=== TEST 4: ".." from a variable is refused, the file is not opened
--- request
GET /api?tenant=x/../rsa1
--- more_headers eval
"Authorization: Bearer " . jwt()
--- error_code: 401
--- error_log
".." is not allowed in a name made with variables
auth_jwt: token rejected: no_keys



=== TEST 5: a file that is not a key set
--- user_files
>>> bad.json
{"keys": "nope"
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file ../html/$arg_f.json;
        empty_gif;
    }
--- request
GET /api?f=bad
--- more_headers eval
"Authorization: Bearer " . jwt()
--- error_code: 401
--- error_log
not a JWKS or JWK (JSON)



=== TEST 6: files read at configuration time and named by variables mix
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa2.json;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-$arg_tenant.json;
        empty_gif;
    }
--- request eval
["GET /api?tenant=rsa1", "GET /api?tenant=none", "GET /api?tenant=none"]
--- more_headers eval
["Authorization: Bearer " . jwt(key => 'rsa1'),
 "Authorization: Bearer " . jwt(key => 'rsa1'),
 "Authorization: Bearer " . jwt(key => 'rsa2')]
--- error_code eval
[200, 401, 200]



=== TEST 7: an empty name is logged and gives no keys
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt()
--- error_code: 401
--- error_log
jwks-.json



=== TEST 8: a name that starts with a variable (NGINX Plus allows it): the map's file, and nothing for the map's empty default
--- http_config
    map $arg_tenant $jwt_keys {
        default  "";
        acme     $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        globex   $TEST_NGINX_DATA_DIR/jwks-rsa2.json;
    }
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $jwt_keys;
        return 200 "ok $arg_tenant\n";
    }
--- request eval
["GET /api?tenant=acme", "GET /api?tenant=globex", "GET /api?tenant=globex",
 "GET /api?tenant=other"]
--- more_headers eval
["Authorization: Bearer " . jwt(key => 'rsa1'),
 "Authorization: Bearer " . jwt(key => 'rsa1'),
 "Authorization: Bearer " . jwt(key => 'rsa2'),
 "Authorization: Bearer " . jwt(key => 'rsa1')]
--- error_code eval
[200, 401, 200, 401]
--- error_log
auth_jwt_key_file: the name is empty



=== TEST 9: names that give no keys do not push the key sets that loaded out of the cache
--- request eval
["GET /api?tenant=rsa1", (map { "GET /api?tenant=nobody$_" } 1 .. 70),
 "GET /api?tenant=rsa1"]
--- more_headers eval
my $t = jwt(key => 'rsa1');
[("Authorization: Bearer $t") x 72]
--- error_code eval
[200, (401) x 70, 200]
--- grep_error_log eval
qr/auth_jwt_key_file "[^"]+jwks-rsa1.json": \d+ keys loaded/
--- grep_error_log_out eval
qr/^auth_jwt_key_file "[^"]+jwks-rsa1.json": 1 keys loaded\n$/



=== TEST 10: files named from request data that cannot be opened log one line a second, not one per request
--- request eval
[map { "GET /api?tenant=nobody$_" } 1 .. 20]
--- more_headers eval
my $t = jwt(key => 'rsa1');
[("Authorization: Bearer $t") x 20]
--- error_code eval
[(401) x 20]
--- grep_error_log eval
qr/auth_jwt_key_file: open\(\) "[^"]+" failed/
--- grep_error_log_out eval
qr/^auth_jwt_key_file: open\(\) "[^"]+jwks-nobody1.json" failed\n$/



=== TEST 11: a name that gave no keys is not looked at again for a second
--- http_config
    limit_req_zone $binary_remote_addr zone=tick:1m rate=10r/s;
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file ../html/$arg_f.json;
        return 200 "ok $arg_f\n";
    }
    location /files/ {
        alias html/;
        dav_methods PUT;
    }
    location = /tick {
        limit_req zone=tick burst=20;
        limit_req_log_level info;
        empty_gif;
    }
--- request eval
my $jwks = JWTGate::Token::_slurp(JWTGate::Token::data_dir()
                                  . "/jwks-rsa1.json");
["GET /api?f=late", "PUT /files/late.json\n$jwks", "GET /api?f=late",
 ("GET /tick") x 12, "GET /api?f=late"]
--- more_headers eval
my $t = jwt(key => 'rsa1');
["Authorization: Bearer $t", "", "Authorization: Bearer $t",
 ("") x 12, "Authorization: Bearer $t"]
--- error_code eval
[401, 201, 401, (200) x 12, 200]
--- grep_error_log eval
qr/auth_jwt_key_file: open\(\) "[^"]+late.json" failed|auth_jwt: token rejected: \w+|auth_jwt_key_file "[^"]+late.json": \d+ keys loaded/
--- grep_error_log_out eval
qr/^auth_jwt_key_file: open\(\) "[^"]+late.json" failed
auth_jwt: token rejected: no_keys
auth_jwt: token rejected: no_keys
auth_jwt_key_file "[^"]+late.json": 1 keys loaded
$/



=== TEST 12: an internal redirect within the same key sources verifies again when the variables name other files
--- config
    auth_jwt          "test";
    auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-$arg_tenant.json;

    location /a {
        rewrite ^ /b?tenant=$arg_next last;
    }
    location /b {
        return 200 "ok $arg_tenant\n";
    }
--- request eval
["GET /a?tenant=rsa1&next=rsa2", "GET /a?tenant=rsa1&next=rsa12",
 "GET /a?tenant=rsa1&next=rsa1"]
--- more_headers eval
my $t = jwt(key => 'rsa1');
[("Authorization: Bearer $t") x 3]
--- error_code eval
[401, 200, 200]
--- response_body eval
[error_page(401), "ok rsa12\n", "ok rsa1\n"]
--- error_log
auth_jwt: token rejected: unknown_kid



=== TEST 13: a NUL from a variable does not cut the name short: refused, nothing opened
--- user_files
>>> k
{"keys": []}
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file ../html/k$binary_remote_addr;
        return 200 "ok\n";
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt()
--- error_code: 401
--- error_log
auth_jwt_key_file: a NUL in a name made with variables
auth_jwt: token rejected: no_keys
--- no_error_log
open()



=== TEST 14: a directory named by a variable is not a key file
--- user_files
>>> keys/acme/jwks.json
{"keys": []}
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file ../html/keys/$arg_tenant;
        return 200 "ok\n";
    }
--- request
GET /api?tenant=acme
--- more_headers eval
"Authorization: Bearer " . jwt()
--- error_code: 401
--- error_log eval
[qr/auth_jwt_key_file "[^"]+keys\/acme" is not a regular file/,
 "auth_jwt: token rejected: no_keys"]
