# auth_jwt_status: counters summed over all workers, as JSON or in the
# Prometheus text format, after a scripted sequence of requests.

# What the module keeps in shared memory (key sets, revocation lists, the
# token cache, the counters) outlives an nginx reload: every block needs
# an nginx of its own, not the real Test::Nginx's TEST_NGINX_USE_HUP reload.
BEGIN { delete $ENV{TEST_NGINX_USE_HUP} }

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

master_on();
workers(2);

our $T = jwt();

# the release, from the one place it is written
our $V;
{
    open my $fh, '<', 'src/ngx_http_auth_jwt.h' or die "src/ngx_http_auth_jwt.h: $!";
    while (<$fh>) {
        $V = $1 if /^#define\s+NGX_HTTP_AUTH_JWT_VERSION\s+"([^"]*)"/;
    }
    die "no NGX_HTTP_AUTH_JWT_VERSION in src/ngx_http_auth_jwt.h"
        unless defined $V && $V =~ /^\d+\.\d+\.\d+$/;
}
our $QV = quotemeta $V;

add_block_preprocessor(sub {
    my $block = shift;
    return if defined $block->config;
    $block->set_value('config', <<'CONF');
    location /a {
        auth_jwt          "a";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require_claim sub eq alice;
        return 200 "a\n";
    }
    location = /status {
        auth_jwt_status;
    }
    location = /metrics {
        auth_jwt_status prometheus;
    }
CONF
});

# ten valid, two without token, one bad signature, one expired, one
# rule failure, one malformed: each on its own connection, so both
# workers serve some
sub sequence {
    my @h = ((map { "Authorization: Bearer $T" } 1 .. 10),
             "X-None: 1", "X-None: 1",
             "Authorization: Bearer " . tamper_sig($T),
             "Authorization: Bearer " . jwt(claims => {exp => time - 100}),
             "Authorization: Bearer " . jwt(claims => {sub => 'bob'}),
             "Authorization: Bearer a.b");
    return \@h;
}
{ no warnings 'once'; *Test::Base::Filter::sequence = \&sequence; }

run_tests();

__DATA__

=== TEST 1: JSON: every outcome counted once, summed over both workers
--- request eval
[(map { "GET /a" } 1 .. 16), "GET /status"]
--- more_headers eval
[@{sequence()}, "X-None: 1"]
--- error_code eval
[(200) x 10, 401, 401, 401, 401, 403, 401, 200]
--- response_body_like eval
[("^a\n\$") x 10, (error_page(401)) x 4, error_page(403), error_page(401),
 '^\{"version":"' . $main::QV . '","verified":10,"rejected":\{"missing":2,"malformed":1,"too_large":0,"unsupported_alg":0,"unsupported_crit":0,"alg_key_mismatch":0,"unknown_kid":0,"bad_signature":1,"expired":1,"not_yet_valid":0,"issued_in_future":0,"missing_exp":0,"bad_issuer":0,"bad_audience":0,"bad_claim_type":0,"bad_key":0,"no_keys":0,"internal":0,"key_try_limit":0,"duplicate":0,"bad_typ":0,"decrypt_failed":0,"bad_epk":0,"insufficient_scope":1,"keys_unavailable":0,"revoked":0\},"cache":\{"hits":\d+,"misses":\d+,"evictions":0\},"sources":\[\],"key_zone":\{"size":1048576,"free":\d+,"entries":0,"freed":0\}\}\n$']
--- response_headers eval
[("") x 16, "Content-Type: application/json"]



=== TEST 2: Prometheus: HELP and TYPE lines, the same counts
--- request eval
[(map { "GET /a" } 1 .. 16), "GET /metrics"]
--- more_headers eval
[@{sequence()}, "X-None: 1"]
--- error_code eval
[(200) x 10, 401, 401, 401, 401, 403, 401, 200]
--- response_body_like eval
[("^a\n\$") x 10, (error_page(401)) x 4, error_page(403), error_page(401),
 '# HELP auth_jwt_verified_total [^\n]+\n# TYPE auth_jwt_verified_total counter\nauth_jwt_verified_total 10\n.*auth_jwt_rejected_total\{reason="missing"\} 2\n.*auth_jwt_rejected_total\{reason="bad_signature"\} 1\n.*auth_jwt_rejected_total\{reason="insufficient_scope"\} 1\n.*# TYPE auth_jwt_cache_hits_total counter\nauth_jwt_cache_hits_total \d+\n.*# TYPE auth_jwt_info gauge\nauth_jwt_info\{version="' . $main::QV . '"\} 1\n']
--- response_headers eval
[("") x 16, "Content-Type: text/plain; version=0.0.4"]



=== TEST 3: ?format=prometheus on the JSON location
--- request
GET /status?format=prometheus
--- response_body_like: ^# HELP auth_jwt_verified_total



=== TEST 4: key sources: fetches, generation, keys
--- config
    location = /_jwks {
        internal;
        alias $TEST_NGINX_DATA_DIR/jwks-rsa12.json;
    }
    location /a {
        auth_jwt             "a";
        auth_jwt_key_request /_jwks issuer=https://issuer.test;
        return 200 "a\n";
    }
    location = /status {
        auth_jwt_status;
    }
--- request eval
["GET /a", "GET /status"]
--- more_headers eval
["Authorization: Bearer $main::T", "X-None: 1"]
--- response_body_like eval
["^a\n\$", '"sources":\[\{"uri":"/_jwks","issuer":"https://issuer.test","server":"localhost","fetches_ok":1,"fetches_failed":0,"last_success":\d{10},"last_error":"","last_error_time":0,"generation":1,"keys":2\}\]']



=== TEST 5: only GET and HEAD
--- request
POST /status
x
--- error_code: 405



=== TEST 6: strings in the JSON are escaped
--- config
    location = /_jwks {
        internal;
        alias $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
    }
    location /a {
        auth_jwt             "a";
        auth_jwt_key_request /_jwks 'issuer=https://x.test/"q"\\';
        return 200 "a\n";
    }
    location = /status {
        auth_jwt_status;
    }
--- request
GET /status
--- response_body_like: "issuer":"https://x.test/\\"q\\"\\\\",



=== TEST 7: a key request URI that would need escaping fails nginx -t
--- config
    location /a {
        auth_jwt             "a";
        auth_jwt_key_request '/_jwks"x';
    }
--- must_die
--- error_log
a character that needs escaping



=== TEST 8: Prometheus: two sources that differ only by issuer never share a label set
--- config
    location = /_jwks {
        internal;
        alias $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
    }
    location /a {
        auth_jwt             "a";
        auth_jwt_key_request /_jwks issuer=https://a.test;
        return 200 "a\n";
    }
    location /b {
        auth_jwt             "b";
        auth_jwt_key_request /_jwks issuer=https://b.test;
        return 200 "b\n";
    }
    location = /metrics {
        auth_jwt_status prometheus;
    }
--- request eval
["GET /a", "GET /metrics"]
--- more_headers eval
["Authorization: Bearer " . jwt(claims => {iss => 'https://a.test'}), "X-None: 1"]
--- error_code eval
[200, 200]
--- response_body_unlike eval
["^\$", qr/^(\w+\{[^\n]*\}) .*^\1 /ms]



=== TEST 9: Prometheus: the issuer is a label, each source counted on its own
--- config
    location = /_jwks {
        internal;
        alias $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
    }
    location /a {
        auth_jwt             "a";
        auth_jwt_key_request /_jwks issuer=https://a.test;
        return 200 "a\n";
    }
    location /b {
        auth_jwt             "b";
        auth_jwt_key_request /_jwks issuer=https://b.test;
        auth_jwt_key_request /_jwks;
        return 200 "b\n";
    }
    location = /metrics {
        auth_jwt_status prometheus;
    }
--- request eval
["GET /a", "GET /metrics"]
--- more_headers eval
["Authorization: Bearer " . jwt(claims => {iss => 'https://a.test'}), "X-None: 1"]
--- error_code eval
[200, 200]
--- response_body_like eval
["^a\n\$", CORE::join('', '(?m)', map { '.*^' . quotemeta($_) . '$' }
 'auth_jwt_key_fetches_total{uri="/_jwks",issuer="https://a.test",server="localhost",result="ok"} 1',
 'auth_jwt_key_fetches_total{uri="/_jwks",issuer="https://a.test",server="localhost",result="failed"} 0',
 'auth_jwt_key_fetches_total{uri="/_jwks",issuer="https://b.test",server="localhost",result="ok"} 0',
 'auth_jwt_key_fetches_total{uri="/_jwks",issuer="",server="localhost",result="ok"} 0',
 'auth_jwt_key_generation{uri="/_jwks",issuer="https://a.test",server="localhost"} 1',
 'auth_jwt_key_generation{uri="/_jwks",issuer="https://b.test",server="localhost"} 0',
 'auth_jwt_keys{uri="/_jwks",issuer="https://a.test",server="localhost"} 1',
 'auth_jwt_keys{uri="/_jwks",issuer="https://b.test",server="localhost"} 0',
 'auth_jwt_keys{uri="/_jwks",issuer="",server="localhost"} 0')]



=== TEST 10: Prometheus: backslash, double quote and newline in an issuer are escaped
--- config
    location = /_jwks {
        internal;
        alias $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
    }
    location /a {
        auth_jwt             "a";
        auth_jwt_key_request /_jwks "issuer=https://x.test/\"q\"\\\nz";
        return 200 "a\n";
    }
    location = /metrics {
        auth_jwt_status prometheus;
    }
--- request
GET /metrics
--- response_body_like eval
'(?m)^auth_jwt_keys\{uri="/_jwks",issuer="https://x\.test/\\\\"q\\\\"\\\\\\\\\\\\nz",server="localhost"\} 0$'



=== TEST 11: Prometheus and JSON: a long escaped issuer is never cut
--- config eval
my $iss = 'https://x.test/' . ('\\"' x 1300);
<<"CONF"
    location = /_jwks {
        internal;
        alias \$TEST_NGINX_DATA_DIR/jwks-rsa1.json;
    }
    location /a {
        auth_jwt             "a";
        auth_jwt_key_request /_jwks "issuer=$iss";
        auth_jwt_key_request /_jwks "issuer=${iss}2";
        return 200 "a\\n";
    }
    location = /status {
        auth_jwt_status;
    }
CONF
--- request eval
["GET /status?format=prometheus", "GET /status"]
--- response_body_like eval
['(?m)^auth_jwt_keys\{uri="/_jwks",issuer="https://x\.test/(\\\\"){1300}2",server="localhost"\} 0\n\z',
 '"issuer":"https://x\.test/(\\\\"){1300}2",[^\n]*"keys":0\}\],"key_zone":\{[^}]*\}\}\n\z']



=== TEST 12: the release: a notice at startup, and in the JSON format
--- request
GET /status
--- response_body_like eval
'^\{"version":"' . $main::QV . '","verified":\d+,'
--- error_log eval
qr/\[notice\] .*auth_jwt module $main::QV \(jwtgate\)/



=== TEST 13: the release in the Prometheus format
--- request
GET /metrics
--- response_body_like eval
'(?m)^auth_jwt_info\{version="' . $main::QV . '"\} 1$'
