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

# the same length each: cache entries of one size
our @DISTINCT = map { jwt(claims => {sub => "user$_"}) } 1 .. 6;

add_block_preprocessor(sub {
    my $block = shift;
    if ($block->expiring) {
        # minted as the block starts (blocks run shuffled, and eval
        # sections are read before any runs): exp in 4 s
        my $t = jwt(claims => {sub => 'carol', exp => time + 4});
        $block->set_value('more_headers', [
            "Authorization: Bearer $t", "Authorization: Bearer $t",
            ("X-None: 1") x 20,
            "Authorization: Bearer $t", "X-None: 1"]);
    }
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
    # an entry of one of these tokens (the entry, the token's text, the
    # parsed token) is about 1.6 KiB: room for one
    auth_jwt_token_cache 2500;
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



=== TEST 12: a cache smaller than one entry: every token is verified, nothing kept
--- http_config
    auth_jwt_token_cache 200;
--- request eval
["GET /a", "GET /a", "GET /admin", "GET /status"]
--- more_headers eval
["Authorization: Bearer $main::T1", "Authorization: Bearer $main::T1", "Authorization: Bearer $main::T1", "X-None: 1"]
--- error_code eval
[200, 200, 403, 200]
--- response_body_like eval
["^a alice\$", "^a alice\$", error_page(403), cache_json(0, 3, 0)]
--- no_error_log
[error]



=== TEST 13: a hit in a location with a stricter policy (audience, issuer, typ, algorithms, numeric ids) is refused there
--- config
    auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-all.json;
    location /open {
        auth_jwt "x";
        return 200 "open $jwt_claim_sub\n";
    }
    location /aud {
        auth_jwt          "x";
        auth_jwt_audience api-b;
        return 200 "aud $jwt_claim_sub\n";
    }
    location /iss {
        auth_jwt        "x";
        auth_jwt_issuer https://b.test;
        return 200 "iss $jwt_claim_sub\n";
    }
    location /typ {
        auth_jwt             "x";
        auth_jwt_require_typ at+jwt;
        return 200 "typ $jwt_claim_sub\n";
    }
    location /alg {
        auth_jwt            "x";
        auth_jwt_algorithms ES256;
        return 200 "alg $jwt_claim_sub\n";
    }
    location /aud-a {
        auth_jwt          "x";
        auth_jwt_audience api-a;
        auth_jwt_issuer   https://a.test;
        return 200 "aud-a $jwt_claim_sub\n";
    }
    location = /status {
        auth_jwt_status;
    }
--- request eval
["GET /open", "GET /open", "GET /aud", "GET /iss", "GET /typ", "GET /alg",
 "GET /aud-a", "GET /status"]
--- more_headers eval
my $t = jwt(claims => {sub => 'alice', iss => 'https://a.test', aud => 'api-a'});
[("Authorization: Bearer $t") x 7, "X-None: 1"]
--- error_code eval
[200, 200, 401, 401, 401, 401, 200, 200]
--- response_body_like eval
["^open alice\$", "^open alice\$", error_page(401), error_page(401),
 error_page(401), error_page(401), "^aud-a alice\$", cache_json(5, 1, 0)]
--- error_log
auth_jwt: token rejected: bad_audience
auth_jwt: token rejected: bad_issuer
auth_jwt: token rejected: bad_typ
auth_jwt: token rejected: unsupported_alg



=== TEST 14: the numeric_ids way of parsing is part of an entry: a token cached where integer ids are allowed is refused where they are not
--- config
    auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
    location /num {
        auth_jwt             "x";
        auth_jwt_numeric_ids on;
        return 200 "num $jwt_claim_sub\n";
    }
    location /str {
        auth_jwt "x";
        return 200 "str $jwt_claim_sub\n";
    }
    location = /status {
        auth_jwt_status;
    }
--- request eval
["GET /num", "GET /num", "GET /str", "GET /num", "GET /status"]
--- more_headers eval
my $t = jwt(claims => {sub => 42});
[("Authorization: Bearer $t") x 4, "X-None: 1"]
--- error_code eval
[200, 200, 401, 200, 200]
--- response_body_like eval
["^num 42\$", "^num 42\$", error_page(401), "^num 42\$", cache_json(2, 1, 0)]
--- error_log
auth_jwt: token rejected: bad_claim_type ("sub" is a number: see auth_jwt_numeric_ids)



=== TEST 15: a cached token that a location's revocation list names is refused there, on a hit
--- config
    auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
    location /open {
        auth_jwt "x";
        return 200 "open $jwt_claim_sub\n";
    }
    location /guarded {
        auth_jwt                 "x";
        auth_jwt_revocation_file ../html/revoked.json;
        return 200 "guarded $jwt_claim_sub\n";
    }
    location = /status {
        auth_jwt_status;
    }
--- user_files eval
[["revoked.json", '{"jti":{"gone-1":' . (time + 3600) . '}}']]
--- request eval
["GET /open", "GET /open", "GET /guarded", "GET /guarded", "GET /open", "GET /status"]
--- more_headers eval
my $t = jwt(claims => {sub => 'alice', jti => 'gone-1'});
[("Authorization: Bearer $t") x 5, "X-None: 1"]
--- error_code eval
[200, 200, 401, 401, 200, 200]
--- response_body_like eval
["^open alice\$", "^open alice\$", error_page(401), error_page(401),
 "^open alice\$", cache_json(4, 1, 0)]
--- error_log
auth_jwt: token rejected: revoked



=== TEST 16: a token that expires while it is cached is refused from its exp on (leeway 0)
--- expiring: 1
--- config
    location /a {
        auth_jwt          "a";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_leeway   0;
        return 200 "a $jwt_claim_sub\n";
    }
    location = /tick {
        limit_req zone=tick burst=20;
        empty_gif;
    }
    location = /status {
        auth_jwt_status;
    }
--- http_config
    limit_req_zone $binary_remote_addr zone=tick:1m rate=4r/s;
--- request eval
["GET /a", "GET /a", ("GET /tick") x 20, "GET /a", "GET /status"]
--- error_code eval
[200, 200, (200) x 20, 401, 200]
--- response_body_like eval
["^a carol\$", "^a carol\$", (qr/^GIF89a/) x 20, error_page(401),
 cache_json(1, 2, 0)]
--- error_log
auth_jwt: token rejected: expired
--- timeout: 15



=== TEST 17: many distinct tokens: every one a miss, the least recently used evicted, the counters add up
--- http_config
    # entries of these tokens are about 1.6 KiB: room for two
    auth_jwt_token_cache 3600;
--- request eval
[("GET /a") x 13, "GET /status"]
--- more_headers eval
[(map { "Authorization: Bearer $_" } @main::DISTINCT, @main::DISTINCT,
  $main::DISTINCT[5]), "X-None: 1"]
--- response_body_like eval
[(map { "^a user$_\$" } 1 .. 6, 1 .. 6, 6), cache_json(1, 12, 10)]
--- no_error_log
[error]



=== TEST 18: an entry evicted while a request holds it (a subrequest of that request evicts it) stays the request's until it ends
--- http_config
    auth_jwt_token_cache 2500;
--- config
    location /held {
        auth_jwt          "a" token=$http_x_main;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_request      /_other;
        # read after the subrequest evicted the entry
        add_header        X-Who "$jwt_claim_sub $jwt_claim_role" always;
        empty_gif;
    }
    location = /_other {
        internal;
        auth_jwt          "a" token=$http_x_other;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 204;
    }
    location = /status {
        auth_jwt_status;
    }
--- request eval
["GET /held", "GET /held", "GET /status"]
--- more_headers eval
my $t2 = jwt(claims => {sub => 'bob', role => 'x'});
["X-Main: $main::T1\nX-Other: $t2", "X-Main: $main::T1\nX-Other: $t2",
 "X-None: 1"]
--- raw_response_headers_like eval
[qr/\r\nX-Who: alice user\r\n/, qr/\r\nX-Who: alice user\r\n/, qr/^HTTP/]
--- response_body_like eval
[qr/^GIF89a/, qr/^GIF89a/, cache_json(0, 4, 3)]
--- no_error_log
[error]



=== TEST 19: one token verified with ten key files named by variables (one location, the same key sources): a bucket keeps at most eight of its entries, so that no lookup walks a long chain
--- config
    location /k {
        auth_jwt          "test";
        auth_jwt_key_file ../html/k$arg_n.json;
        return 200 "ok\n";
    }
    location = /status {
        auth_jwt_status;
    }
--- user_files eval
[map { ["k$_.json", JWTGate::Token::_slurp(JWTGate::Token::data_dir() . "/jwks-rsa1.json")] } 1 .. 10]
--- request eval
[(map { "GET /k?n=$_" } 1 .. 10, 1 .. 10), "GET /status"]
--- more_headers eval
[(map { "Authorization: Bearer $main::T1" } 1 .. 20), "X-None: 1"]
--- error_code eval
[(200) x 20, 200]
--- response_body_like eval
[(map { "^ok\$" } 1 .. 20), cache_json(8, 12, 0)]
--- no_error_log
[error]
