# auth_jwt_token_cache: a token's signature is checked once; its claims,
# the rules and the variables on every request; an entry never crosses
# key sources and dies with its key set.  The counters of auth_jwt_status
# show the hits and misses.

# What the module keeps in shared memory (key sets, revocation lists, the
# token cache, the counters) outlives an nginx reload: every block needs
# an nginx of its own, not the real Test::Nginx's TEST_NGINX_USE_HUP reload.
BEGIN { delete $ENV{TEST_NGINX_USE_HUP} }

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::BlockLog;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

our $T1 = jwt(claims => {sub => 'alice', role => 'user'});

sub cache_json { qr/"cache":\{"hits":$_[0],"misses":$_[1],"evictions":$_[2]\}/ }
{ no warnings 'once'; *Test::Base::Filter::cache_json = \&cache_json; }

add_block_preprocessor(sub {
    my $block = shift;
    return if defined $block->config;
    my $extra = $block->extra // '';
    $block->set_value('config', <<"CONF");
    location /a {
        auth_jwt          "a";
        auth_jwt_key_file \$TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "a \$jwt_claim_sub\\n";
    }
    location /b {
        auth_jwt          "b";
        auth_jwt_key_file \$TEST_NGINX_DATA_DIR/jwks-rsa2.json;
        return 200 "b \$jwt_claim_sub\\n";
    }
    location /admin {
        auth_jwt          "a";
        auth_jwt_key_file \$TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require_claim role eq admin;
        return 200 "admin\\n";
    }
    location = /status {
        auth_jwt_status;
    }
$extra
CONF
});

run_tests();

__DATA__

=== TEST 1: the same token twice: one miss, then a hit; variables on both
--- request eval
["GET /a", "GET /a", "GET /status"]
--- more_headers eval
["Authorization: Bearer $main::T1", "Authorization: Bearer $main::T1", "X-None: 1"]
--- response_body_like eval
["^a alice\$", "^a alice\$", cache_json(1, 1, 0)]



=== TEST 2: a hit still checks the rules
--- request eval
["GET /admin", "GET /admin", "GET /status"]
--- more_headers eval
["Authorization: Bearer $main::T1", "Authorization: Bearer $main::T1", "X-None: 1"]
--- error_code eval
[403, 403, 200]
--- response_body_like eval
[error_page(403), error_page(403), cache_json(1, 1, 0)]



=== TEST 3: a token cached for /a is not taken in /b, whose keys differ
--- request eval
["GET /a", "GET /b", "GET /a"]
--- more_headers eval
["Authorization: Bearer $main::T1", "Authorization: Bearer $main::T1", "Authorization: Bearer $main::T1"]
--- error_code eval
[200, 401, 200]
--- error_log
auth_jwt: token rejected: unknown_kid



=== TEST 4: a tampered token is a miss and fails; a bad token is never cached
--- request eval
["GET /a", "GET /a", "GET /a", "GET /status"]
--- more_headers eval
my $bad = tamper_sig($main::T1);
["Authorization: Bearer $bad", "Authorization: Bearer $bad", "Authorization: Bearer $main::T1", "X-None: 1"]
--- error_code eval
[401, 401, 200, 200]
--- response_body_like eval
[error_page(401), error_page(401), "^a alice\$", cache_json(0, 3, 0)]



=== TEST 5: garbage never reaches the cache
--- request eval
["GET /a", "GET /a", "GET /status"]
--- more_headers eval
["Authorization: Bearer abc", "X-None: 1", "X-None: 1"]
--- error_code eval
[401, 401, 200]
--- response_body_like eval
[error_page(401), error_page(401), cache_json(0, 0, 0)]



=== TEST 6: auth_jwt_token_cache off
--- http_config
    auth_jwt_token_cache off;
--- request eval
["GET /a", "GET /a", "GET /status"]
--- more_headers eval
["Authorization: Bearer $main::T1", "Authorization: Bearer $main::T1", "X-None: 1"]
--- response_body_like eval
["^a alice", "^a alice", cache_json(0, 0, 0)]



=== TEST 7: a full cache evicts the least recently used entry
--- http_config
    auth_jwt_token_cache 200;
--- request eval
["GET /a", "GET /a", "GET /a", "GET /a", "GET /status"]
--- more_headers eval
my $t2 = jwt(claims => {sub => 'bob'});
["Authorization: Bearer $main::T1", "Authorization: Bearer $t2", "Authorization: Bearer $t2", "Authorization: Bearer $main::T1", "X-None: 1"]
--- response_body_like eval
["^a alice", "^a bob", "^a bob", "^a alice", cache_json(1, 3, 2)]



=== TEST 8: an entry dies with its key set: the key file changes
--- config
    location /k {
        auth_jwt          "k";
        auth_jwt_key_file ../html/keys.json;
        return 200 "k $jwt_claim_sub\n";
    }
    location = /dav/keys.json {
        alias html/keys.json;
        dav_methods PUT;
    }
    location = /tick {
        limit_req zone=tick burst=10;
        empty_gif;
    }
--- http_config
    limit_req_zone $binary_remote_addr zone=tick:1m rate=4r/s;
--- user_files eval
[["keys.json", JWTGate::Token::_slurp(JWTGate::Token::data_dir() . "/jwks-rsa1.json")]]
--- request eval
["GET /k", "GET /k",
 "PUT /dav/keys.json\n" . JWTGate::Token::_slurp(JWTGate::Token::data_dir() . "/jwks-rsa2.json"),
 "GET /tick", "GET /tick", "GET /tick", "GET /tick", "GET /tick", "GET /tick",
 "GET /k"]
--- more_headers eval
["Authorization: Bearer $main::T1", "Authorization: Bearer $main::T1", "X-None: 1",
 "X-None: 1", "X-None: 1", "X-None: 1", "X-None: 1", "X-None: 1", "X-None: 1",
 "Authorization: Bearer $main::T1"]
--- error_code eval
[200, 200, 204, 200, 200, 200, 200, 200, 200, 401]



=== TEST 9: bad parameters fail nginx -t
--- http_config
    auth_jwt_token_cache 1m max_age=never;
--- config
--- must_die
--- error_log
invalid max_age "max_age=never"



=== TEST 10: the cache keeps no issuer= binding: one file bound to another issuer by the variables gets the answer it gets without the cache
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-$arg_a.json issuer=https://a.test;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-$arg_b.json issuer=https://b.test;
        return 200 "ok\n";
    }
    location = /status {
        auth_jwt_status;
    }
--- request eval
["GET /api?a=rsa1&b=rsa2", "GET /api?a=rsa2&b=rsa1", "GET /api?a=rsa1&b=rsa2",
 "GET /status"]
--- more_headers eval
my $t = jwt(key => 'rsa1', claims => {iss => 'https://a.test'});
["Authorization: Bearer $t", "Authorization: Bearer $t",
 "Authorization: Bearer $t", "X-None: 1"]
--- error_code eval
[200, 401, 200, 200]
--- response_body_like eval
["^ok\$", error_page(401), "^ok\$", cache_json(1, 2, 0)]
--- error_log
auth_jwt: token rejected: bad_issuer



=== TEST 11: the cache is keyed by auth_jwt_key_try_limit too
--- config
    location /api {
        auth_jwt               "test";
        auth_jwt_key_file      $TEST_NGINX_DATA_DIR/jwks-100.json;
        auth_jwt_key_try_limit 43;
        return 200 "ok\n";
    }
    location /api4 {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-100.json;
        return 200 "ok\n";
    }
--- request eval
["GET /api", "GET /api4"]
--- more_headers eval
my $t = jwt(key => 'rsa1', kid => undef);
["Authorization: Bearer $t", "Authorization: Bearer $t"]
--- error_code eval
[200, 401]
--- error_log
auth_jwt: token rejected: key_try_limit
