# The key store, keys from the issuer (docs/KEYSTORE.md):
# auth_jwt_key_request, auth_jwt_key_cache, auth_jwt_key_refresh_on_unknown_kid,
# auth_jwt_key_zone and issuer=.
#
# The issuer is a second server {} of the same nginx (port
# $TEST_NGINX_ISSUER_PORT; t/lib/JWTGate/IssuerServer.pm).  It serves the
# files of html/ (user_files):
# /.well-known/jwks.json is html/.well-known/jwks.json, and every fetch is a
# line "fetch <uri> <status>" of logs/fetch.log, read back at GET /fetches.
# Its state changes in the middle of a block through WebDAV on the issuer
# (the gateway's /issuer/NAME is the issuer's /dav/NAME, html/NAME):
#   PUT    /issuer/.well-known/jwks.json   a new key set (rotation, garbage)
#   PUT    /issuer/issuer-500              the issuer answers 500
#   PUT    /issuer/issuer-close            the issuer closes without answering
#   PUT    /issuer/issuer-slow             the issuer sends 1 byte a second
#   PUT    /issuer/issuer-down             the gateway's /_jwks goes to a port
#                                          where nothing listens
#   PUT    /issuer/issuer-xar              the issuer's answers carry
#                                          X-Accel-Redirect: /metrics
#   DELETE /issuer/<marker>                back to normal
# Requests of a block run back to back; GET /tick goes through limit_req at
# 10 r/s, so a run of n ticks takes at least (n - 1) / 10 s: that is how a
# block sleeps (sleep_s() below).
#
# A block lists its requests as "--- steps eval": step hashes made by the
# functions below; a preprocessor turns them into request, more_headers,
# error_code, response_body... arrays.  With "--- keepalive: 1" they are
# pipelined_requests instead: every step on one keep-alive connection.
#
# One master and two workers: the zone is shared, the counts are per server.

# What the module keeps in shared memory (key sets, revocation lists, the
# token cache, the counters) outlives an nginx reload: every block needs
# an nginx of its own, not the real Test::Nginx's TEST_NGINX_USE_HUP reload.
BEGIN { delete $ENV{TEST_NGINX_USE_HUP} }

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::BlockLog;
use JWTGate::IssuerServer qw(issuer_ports data_file jwks api put del sleep_s
                              settle fetches_of fetches_like log_like
                              two_pids_200 filters issuer_conf gateway_conf
                              issuer_block);
use IO::Socket::INET;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

# Ports next to the server port with nothing on them: the issuer, a second
# gateway (listen reuseport: connections spread over both workers), one
# left unused (the issuer "down") and a block's second server {}.
issuer_ports(server_port(), qw(GW2 DOWN VHOST));

# ---------------------------------------------------------------------------
# steps (JWTGate::IssuerServer): data_file jwks api put del sleep_s settle
# fetches_like log_like two_pids_200, and

# fetches(@what): the issuer's fetch log is exactly these lines; each item
# is a status of /.well-known/jwks.json or "URI STATUS".
sub fetches { fetches_of('/.well-known/jwks.json', @_) }

filters(qw(data_file jwks api put del sleep_s settle fetches fetches_like
           log_like two_pids_200));

# ---------------------------------------------------------------------------
# the issuer, and the gateway's own locations (JWTGate::IssuerServer)

add_block_preprocessor(sub {
    my $block = shift;

    # the issuer's key set: "--- jwks: rsa12" (t/data/jwks-rsa12.json),
    # rsa1 by default; then the block's own user_files
    issuer_block($block, issuer_conf(), gateway_conf(),
                 [ '.well-known/jwks.json',
                   jwks(scalar($block->jwks) // 'rsa1') ]);
});

master_on();
workers(2);
no_shuffle();
run_tests();

__DATA__

=== TEST 1: cold start: the first request fetches the key set, waits for it, and passes
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        proxy_pass           http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "backend reached\n";
    }
--- steps eval
[
  api(body => "backend reached\n"),
  api(code => 401, token => tamper_sig(jwt())),
  settle(),
  fetches(200),
]
--- error_log
auth_jwt_key_request "/_jwks": 1 keys, generation 1
auth_jwt: token rejected: bad_signature
--- no_error_log
[error]
no keys yet



=== TEST 2: within key_cache (default 5m) no request fetches again
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  (map { api(body => "ok rsa1\n") } 1 .. 6),
  api(code => 401, token => tamper_sig(jwt())),
  settle(),
  fetches(200),
]
--- grep_error_log eval
qr/auth_jwt_key_request "[^"]*": \d+ keys, generation \d+/
--- grep_error_log_out
auth_jwt_key_request "/_jwks": 1 keys, generation 1
--- no_error_log
[error]



=== TEST 3: two workers: concurrent cold requests share one fetch, later requests on either worker fetch nothing
--- http_config
    log_format gw2 '$pid $status';
    server {
        listen 127.0.0.1:$TEST_NGINX_GW2_PORT reuseport;
        location /api {
            access_log logs/gw2.log gw2;
            auth_jwt             "test";
            auth_jwt_key_request /_jwks;
            return 200 "ok $jwt_claim_sub\n";
        }
        location = /_jwks {
            internal;
            proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/.well-known/jwks.json;
        }
    }
--- config
    location /api {
        proxy_pass http://127.0.0.1:$TEST_NGINX_GW2_PORT;
    }
    location = /burst {
        mirror /m; mirror /m; mirror /m; mirror /m; mirror /m;
        mirror /m; mirror /m; mirror /m; mirror /m;
        proxy_pass http://127.0.0.1:$TEST_NGINX_GW2_PORT/api;
    }
    location = /m {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_GW2_PORT/api;
    }
    location = /gw2-log {
        alias logs/gw2.log;
    }
--- steps eval
[
  # ten cold requests at once (one + nine mirrors), spread over the workers
  api(uri => '/burst', body => "ok alice\n"),
  sleep_s(0.4),
  fetches(200),
  log_like('/gw2-log', qr/\A(?:\d+ 200\n){10}\z/),
  (map { api(body => "ok alice\n") } 1 .. 16),
  settle(),
  fetches(200),
  log_like('/gw2-log', two_pids_200(26)),
]
--- grep_error_log eval
qr/auth_jwt_key_request "[^"]*": \d+ keys, generation \d+/
--- grep_error_log_out
auth_jwt_key_request "/_jwks": 1 keys, generation 1
--- no_error_log
[error]
--- timeout: 5



=== TEST 4: two workers: once the keys are stale, one background fetch for the whole server
--- http_config
    log_format gw2 '$pid $status';
    server {
        listen 127.0.0.1:$TEST_NGINX_GW2_PORT reuseport;
        location /api {
            access_log logs/gw2.log gw2;
            auth_jwt             "test";
            auth_jwt_key_request /_jwks;
            auth_jwt_key_cache   2s;
            return 200 "ok $jwt_claim_sub\n";
        }
        location = /_jwks {
            internal;
            proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/.well-known/jwks.json;
        }
    }
--- config
    location /api {
        proxy_pass http://127.0.0.1:$TEST_NGINX_GW2_PORT;
    }
    location = /gw2-log {
        alias logs/gw2.log;
    }
--- steps eval
[
  (map { api(body => "ok alice\n") } 1 .. 8),
  sleep_s(2.2),
  (map { api(body => "ok alice\n") } 1 .. 16),
  settle(),
  fetches(200, 200),
  log_like('/gw2-log', two_pids_200(24)),
]
--- grep_error_log eval
qr/auth_jwt_key_request "[^"]*": \d+ keys, generation \d+/
--- grep_error_log_out
auth_jwt_key_request "/_jwks": 1 keys, generation 1
auth_jwt_key_request "/_jwks": 1 keys, generation 1
--- no_error_log
[error]



=== TEST 5: stale keys: the request is answered with them, the fetch runs in the background
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        auth_jwt_key_cache   1s;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(body => "ok rsa1\n"),
  sleep_s(1.2),
  api(body => "ok rsa1\n"),
  settle(),
  fetches(200, 200),
]
--- grep_error_log eval
qr/auth_jwt_key_request "[^"]*": \d+ keys, generation \d+/
--- grep_error_log_out
auth_jwt_key_request "/_jwks": 1 keys, generation 1
auth_jwt_key_request "/_jwks": 1 keys, generation 1
--- no_error_log
[error]
no keys yet



=== TEST 6: rotation: a kid published at the issuer is accepted at once, the old one while it is published
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(body => "ok rsa1\n"),
  put('.well-known/jwks.json', jwks('rsa12')),
  api(key => 'rsa2', body => "ok rsa2\n"),
  api(key => 'rsa1', body => "ok rsa1\n"),
  api(key => 'rsa2', body => "ok rsa2\n"),
  settle(),
  fetches(200, 200),
]
--- grep_error_log eval
qr/auth_jwt_key_request "[^"]*": \d+ keys, generation \d+|auth_jwt: unknown kid, refreshing keys from "[^"]*"/
--- grep_error_log_out
auth_jwt_key_request "/_jwks": 1 keys, generation 1
auth_jwt: unknown kid, refreshing keys from "/_jwks"
auth_jwt_key_request "/_jwks": 2 keys, generation 2
--- no_error_log
[error]
token rejected



=== TEST 7: a key withdrawn at the issuer is refused after the next refresh
--- jwks: rsa12
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        auth_jwt_key_cache   1s;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(key => 'rsa1', body => "ok rsa1\n"),
  api(key => 'rsa2', body => "ok rsa2\n"),
  put('.well-known/jwks.json', jwks('rsa2')),
  sleep_s(1.2),
  api(key => 'rsa2', body => "ok rsa2\n"),   # stale: starts the refresh
  settle(),
  api(key => 'rsa1', code => 401),
  api(key => 'rsa2', body => "ok rsa2\n"),
]
--- error_log
auth_jwt_key_request "/_jwks": 1 keys, generation 2
auth_jwt: token rejected: unknown_kid
--- no_error_log
[error]



=== TEST 8: made-up kids: one early refresh per interval (default 30s), then 401 without a fetch
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(body => "ok rsa1\n"),
  api(kid => 'made-up-1', code => 401,
      hlike => 'WWW-Authenticate: Bearer realm="test", error="invalid_token"'),
  api(kid => 'made-up-2', code => 401),
  api(kid => 'made-up-1', code => 401),
  # published now, but the early refresh was used up: not seen yet
  put('.well-known/jwks.json', jwks('rsa12')),
  api(key => 'rsa2', code => 401),
  api(body => "ok rsa1\n"),
  settle(),
  fetches(200, 200),
]
--- grep_error_log eval
qr/auth_jwt: unknown kid, refreshing keys from "[^"]*"/
--- grep_error_log_out
auth_jwt: unknown kid, refreshing keys from "/_jwks"
--- error_log
auth_jwt: token rejected: unknown_kid
--- no_error_log
[error]



=== TEST 9: auth_jwt_key_refresh_on_unknown_kid 1s: another early refresh once the interval has passed
--- config
    location /api {
        auth_jwt                            "test";
        auth_jwt_key_request                /_jwks;
        auth_jwt_key_refresh_on_unknown_kid 1s;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(body => "ok rsa1\n"),
  api(kid => 'made-up', code => 401),
  put('.well-known/jwks.json', jwks('rsa12')),
  sleep_s(1.2),
  api(key => 'rsa2', body => "ok rsa2\n"),
  settle(),
  fetches(200, 200, 200),
]
--- grep_error_log eval
qr/auth_jwt: unknown kid, refreshing keys from "[^"]*"/
--- grep_error_log_out
auth_jwt: unknown kid, refreshing keys from "/_jwks"
auth_jwt: unknown kid, refreshing keys from "/_jwks"
--- no_error_log
[error]



=== TEST 10: auth_jwt_key_refresh_on_unknown_kid off: an unknown kid never fetches
--- config
    location /api {
        auth_jwt                            "test";
        auth_jwt_key_request                /_jwks;
        auth_jwt_key_refresh_on_unknown_kid off;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(body => "ok rsa1\n"),
  put('.well-known/jwks.json', jwks('rsa12')),
  api(key => 'rsa2', code => 401),
  api(kid => 'made-up', code => 401),
  settle(),
  fetches(200),
]
--- error_log
auth_jwt: token rejected: unknown_kid
--- no_error_log
[error]
unknown kid, refreshing



=== TEST 11: the issuer answers 500: the old keys keep working, the failure is logged
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        auth_jwt_key_cache   1s;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(body => "ok rsa1\n"),
  put('issuer-500'),
  sleep_s(1.2),
  api(body => "ok rsa1\n"),
  settle(),
  fetches(200, 500),
  api(body => "ok rsa1\n"),
  api(body => "ok rsa1\n"),
]
--- error_log
auth_jwt_key_request "/_jwks": fetch failed: status 500
--- no_error_log
no keys yet
token rejected



=== TEST 12: the issuer answers garbage: the old keys keep working
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        auth_jwt_key_cache   1s;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(body => "ok rsa1\n"),
  put('.well-known/jwks.json', '<html>the new issuer is here</html>'),
  sleep_s(1.2),
  api(body => "ok rsa1\n"),
  settle(),
  fetches(200, 200),
  api(body => "ok rsa1\n"),
]
--- error_log
auth_jwt_key_request "/_jwks": fetch failed: not a JWKS or JWK (JSON)
--- no_error_log
no keys yet
token rejected



=== TEST 13: the issuer publishes an empty set: the old keys keep working
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        auth_jwt_key_cache   1s;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(body => "ok rsa1\n"),
  put('.well-known/jwks.json', '{"keys":[]}'),
  sleep_s(1.2),
  api(body => "ok rsa1\n"),
  settle(),
  fetches(200, 200),
  api(body => "ok rsa1\n"),
]
--- error_log
auth_jwt_key_request "/_jwks": fetch failed: no usable key in the key set
--- no_error_log
no keys yet
token rejected



=== TEST 14: the issuer publishes only keys that cannot be used: the old keys keep working
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        auth_jwt_key_cache   1s;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(body => "ok rsa1\n"),
  put('.well-known/jwks.json',
      '{"keys":[{"kty":"RSA","kid":"rsa1","n":"AQAB","e":"AQAB"},{"kty":"nope","kid":"x"}]}'),
  sleep_s(1.2),
  api(body => "ok rsa1\n"),
  settle(),
  api(body => "ok rsa1\n"),
]
--- error_log
auth_jwt_key_request "/_jwks": fetch failed: no usable key in the key set
--- no_error_log
token rejected



=== TEST 15: the issuer is down (connection refused): the old keys keep working
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        auth_jwt_key_cache   1s;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(body => "ok rsa1\n"),
  put('issuer-down'),
  sleep_s(1.2),
  api(body => "ok rsa1\n"),
  settle(),
  fetches(200),
  api(body => "ok rsa1\n"),
]
--- error_log eval
[qr/auth_jwt_key_request "\/_jwks": fetch failed: (?:status 502|.*refused)/,
 qr/connect\(\) failed \(111: Connection refused\)/]
--- no_error_log
no keys yet
token rejected



=== TEST 16: the issuer closes the connection without an answer: the old keys keep working
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        auth_jwt_key_cache   1s;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(body => "ok rsa1\n"),
  put('issuer-close'),
  sleep_s(1.2),
  api(body => "ok rsa1\n"),
  settle(),
  fetches(200, 444),
  api(body => "ok rsa1\n"),
]
--- error_log eval
qr/auth_jwt_key_request "\/_jwks": fetch failed: \S/
--- no_error_log
no keys yet
token rejected



=== TEST 17: the issuer is slower than proxy_read_timeout: nobody waits for it, the old keys keep working
Every response of the block must start within 0.4 s (X-Elapsed: nginx's
$request_time when it sends the header); the background fetch takes 0.5 s
(proxy_read_timeout) to fail.  The refresh is a request of its own: the
connection that started it is free at once (t/079-refresh-no-wait.t).
--- main_config
    worker_shutdown_timeout 1s;
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        auth_jwt_key_cache   1s;
        add_header           X-Elapsed $request_time always;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
my $quick = "X-Elapsed: 0\\.[0-3]\\d\\d";
[
  api(body => "ok rsa1\n", hlike => $quick),
  put('issuer-slow'),
  sleep_s(1.2),
  api(body => "ok rsa1\n", hlike => $quick),  # stale: the refresh starts, hangs
  api(body => "ok rsa1\n", hlike => $quick),
  sleep_s(0.8),                   # it fails (504) meanwhile
  api(body => "ok rsa1\n", hlike => $quick),
]
--- timeout: 3
--- error_log eval
[qr/upstream timed out/,
 qr/auth_jwt_key_request "\/_jwks": fetch failed: \S/]
--- no_error_log
no keys yet
token rejected



=== TEST 18: a failed refresh is retried later; when the issuer is back the keys are refreshed
Same text again: the generation stays 1.
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        auth_jwt_key_cache   1s;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(body => "ok rsa1\n"),
  put('issuer-500'),
  sleep_s(1.2),
  api(body => "ok rsa1\n"),       # stale: fetch 2 fails, next try in 1 s
  settle(),
  fetches(200, 500),
  del('issuer-500'),
  sleep_s(1.2),
  api(body => "ok rsa1\n"),       # fetch 3 succeeds
  settle(),
  fetches(200, 500, 200),
]
--- grep_error_log eval
qr/auth_jwt_key_request "[^"]*": (?:fetch failed: [^,]+?(?=,|$)|\d+ keys, generation \d+)/
--- grep_error_log_out
auth_jwt_key_request "/_jwks": 1 keys, generation 1
auth_jwt_key_request "/_jwks": fetch failed: status 500
auth_jwt_key_request "/_jwks": 1 keys, generation 1
--- no_error_log
token rejected



=== TEST 19: cold start with the issuer down: 503 with Retry-After (1 s, then 2 s, then 4 s), not 401
Retry-After counts whole seconds to the next try (ngx_time): a request
right after a failure gets the full backoff; one in the next second, one
less (at least 1).  A failure's answer may cross into the next second on
a loaded machine (seen in CI: 1 where 2 was due), so each backoff is
checked as "the full one or one less", and the third failure (4 s, so 3
or 4) tells doubling from a constant or a linear backoff.
--- user_files
>>> issuer-down
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(code => 503, hlike => "Retry-After: 1"),          # failure 1: retry in 1 s
  sleep_s(1.2),
  api(code => 503, hlike => "Retry-After: [12]"),       # failure 2: retry in 2 s
  api(code => 503, key => 'rsa2', hlike => "Retry-After: [12]"),  # no fetch
  api(code => 503, hlike => "Retry-After: [12]"),
  sleep_s(2.2),
  api(code => 503, hlike => "Retry-After: [34]"),       # failure 3: retry in 4 s
  api(code => 503, hlike => "Retry-After: [34]"),
]
--- error_log eval
['auth_jwt: no keys yet from "/_jwks"',
 qr/auth_jwt_key_request "\/_jwks": fetch failed: (?:status 502|.*refused)/]
--- no_error_log
token rejected



=== TEST 20: cold start with the issuer answering 500: 503; recovery when it is back
--- user_files
>>> issuer-500
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(code => 503, hlike => "Retry-After: 1"),
  del('issuer-500'),
  sleep_s(1.2),
  api(body => "ok rsa1\n"),
  api(body => "ok rsa1\n"),
  settle(),
  fetches(500, 200),
]
--- error_log
auth_jwt: no keys yet from "/_jwks"
auth_jwt_key_request "/_jwks": fetch failed: status 500
auth_jwt_key_request "/_jwks": 1 keys, generation 1



=== TEST 21: a JWKS over 16 KiB (100 keys, 41 KB) is read whole
--- jwks: 100
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(key => 'rsa1', kid => 'k042', body => "ok k042\n"),
  api(key => 'rsa1', kid => 'k099', code => 401),
  settle(),
  fetches(200),
]
--- error_log
auth_jwt_key_request "/_jwks": 100 keys, generation 1
auth_jwt: token rejected: bad_signature
--- no_error_log
[error]



=== TEST 22: a response over 1 MiB is refused: cold start gives 503
--- user_files eval
[[ '.well-known/jwks.json',
   '{"keys":[' . data_file('rsa1.jwk') . '],"padding":"' . ('x' x (1100 * 1024)) . '"}' ]]
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(code => 503),
]
--- error_log
auth_jwt_key_request "/_jwks": fetch failed: response too large
auth_jwt: no keys yet from "/_jwks"



=== TEST 23: issuer=: a token verified with the source's key must carry that iss
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks issuer=https://issuer.test;
        return 200 "ok $jwt_claim_iss\n";
    }
--- steps eval
[
  api(body => "ok https://issuer.test\n"),
  api(claims => {iss => 'https://evil.test'}, code => 401,
      hlike => 'WWW-Authenticate: Bearer realm="test", error="invalid_token"'),
  api(claims => {iss => 'https://issuer.test/'}, code => 401),
  api(claims => {iss => undef}, code => 401),
  api(claims => {iss => ['https://issuer.test']}, code => 401),
]
--- error_log
auth_jwt: token rejected: bad_issuer



=== TEST 24: two sources bound to two issuers in one location: each key only for its own iss
--- user_files eval
[[ 'a.json', jwks('rsa1') ], [ 'b.json', jwks('rsa2') ]]
--- config
    location = /_jwks_a {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/a.json;
    }
    location = /_jwks_b {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/b.json;
    }
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks_a issuer=https://a.test;
        auth_jwt_key_request /_jwks_b issuer=https://b.test;
        return 200 "ok $jwt_header_kid $jwt_claim_iss\n";
    }
--- steps eval
[
  api(key => 'rsa1', claims => {iss => 'https://a.test'}, body => "ok rsa1 https://a.test\n"),
  api(key => 'rsa2', claims => {iss => 'https://b.test'}, body => "ok rsa2 https://b.test\n"),
  api(key => 'rsa1', claims => {iss => 'https://b.test'}, code => 401),
  api(key => 'rsa2', claims => {iss => 'https://a.test'}, code => 401),
  api(key => 'rsa1', claims => {iss => 'https://issuer.test'}, code => 401),
  settle(),
  fetches_like(qr{\A(?=.*^fetch /a\.json 200$)(?=.*^fetch /b\.json 200$)(?:fetch /[ab]\.json 200\n){2}\z}ms),
]
--- grep_error_log eval
qr/token rejected: \w+/
--- grep_error_log_out
token rejected: bad_issuer
token rejected: bad_issuer
token rejected: bad_issuer



=== TEST 25: one source for every location that names it; another issuer= is another source
--- config
    location /api1 {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        return 200 "ok 1\n";
    }
    location /api2 {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        return 200 "ok 2\n";
    }
    location /api3 {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks issuer=https://issuer.test;
        return 200 "ok 3\n";
    }
--- steps eval
[
  api(uri => '/api1', body => "ok 1\n"),
  api(uri => '/api2', body => "ok 2\n"),
  api(uri => '/api1', body => "ok 1\n"),
  settle(),
  fetches(200),
  api(uri => '/api3', body => "ok 3\n"),
  api(uri => '/api3', body => "ok 3\n"),
  settle(),
  fetches(200, 200),
]
--- no_error_log
[error]



=== TEST 26: auth_jwt_key_cache 0: every request fetches (and waits for) its own key set
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        auth_jwt_key_cache   0;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(body => "ok rsa1\n"),
  api(body => "ok rsa1\n"),
  api(body => "ok rsa1\n"),
  settle(),
  fetches(200, 200, 200),
  put('.well-known/jwks.json', jwks('rsa2')),
  api(key => 'rsa1', code => 401),
  api(key => 'rsa2', body => "ok rsa2\n"),
  settle(),
  fetches(200, 200, 200, 200, 200),
]
--- error_log
auth_jwt: token rejected: unknown_kid



=== TEST 27: auth_jwt_key_file and auth_jwt_key_request in one location: the keys of both
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_file    $TEST_NGINX_DATA_DIR/jwks-rsa2.json;
        auth_jwt_key_request /_jwks;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(key => 'rsa1', body => "ok rsa1\n"),
  api(key => 'rsa2', body => "ok rsa2\n"),
  api(key => 'rsa1', body => "ok rsa1\n"),
  settle(),
  fetches(200),
]
--- no_error_log
[error]
token rejected



=== TEST 28: issuer down, but a key file in the location: its keys work, no 503
--- user_files
>>> issuer-down
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_file    $TEST_NGINX_DATA_DIR/jwks-rsa2.json;
        auth_jwt_key_request /_jwks;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(key => 'rsa2', body => "ok rsa2\n"),
  api(key => 'rsa1', code => 401),
  api(key => 'rsa2', body => "ok rsa2\n"),
]
--- error_log eval
[qr/auth_jwt_key_request "\/_jwks": fetch failed: /,
 'auth_jwt: token rejected: unknown_kid']



=== TEST 29: sources are inherited as one piece: a level naming any source replaces them
--- config
    auth_jwt_key_request /_jwks;
    location /inherits {
        auth_jwt "test";
        return 200 "ok $jwt_header_kid\n";
    }
    location /own-file {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa2.json;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(uri => '/inherits', key => 'rsa1', body => "ok rsa1\n"),
  api(uri => '/inherits', key => 'rsa2', code => 401),
  api(uri => '/own-file', key => 'rsa2', body => "ok rsa2\n"),
  api(uri => '/own-file', key => 'rsa1', code => 401),
  settle(),
  fetches(200, 200),
]
--- error_log
auth_jwt: token rejected: unknown_kid



=== TEST 30: auth_jwt_key_zone at the http level sizes the zone (32k, the minimum, works)
--- http_config
    auth_jwt_key_zone 32k;
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(body => "ok rsa1\n"),
  api(body => "ok rsa1\n"),
]
--- no_error_log
[error]



=== TEST 31: nginx -t: a uri without a leading "/"
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request _jwks;
        return 200;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*(?:auth_jwt_key_request|_jwks)/
--- no_error_log
unknown directive



=== TEST 32: nginx -t: a uri with variables and a "?" (variables are allowed: t/058)
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks?h=$host;
        return 200;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*(?:auth_jwt_key_request|_jwks|variable)/
--- no_error_log
unknown directive



=== TEST 33: nginx -t: an empty issuer=
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks issuer=;
        return 200;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*(?:auth_jwt_key_request|issuer)/
--- no_error_log
unknown directive



=== TEST 34: nginx -t: an unknown parameter
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks isuer=https://issuer.test;
        return 200;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*(?:auth_jwt_key_request|isuer)/
--- no_error_log
unknown directive



=== TEST 35: nginx -t: a bad auth_jwt_key_cache time
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        auth_jwt_key_cache   5parsecs;
        return 200;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*auth_jwt_key_cache/
--- no_error_log
unknown directive



=== TEST 36: nginx -t: a bad auth_jwt_key_refresh_on_unknown_kid
--- config
    location /api {
        auth_jwt                            "test";
        auth_jwt_key_request                /_jwks;
        auth_jwt_key_refresh_on_unknown_kid sometimes;
        return 200;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*(?:auth_jwt_key_refresh_on_unknown_kid|sometimes)/
--- no_error_log
unknown directive



=== TEST 37: nginx -t: auth_jwt_key_zone is not allowed in a location
--- config
    location /api {
        auth_jwt_key_zone    1m;
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        return 200;
    }
--- must_die
--- error_log
"auth_jwt_key_zone" directive is not allowed here
--- no_error_log
unknown directive



=== TEST 38: nginx -t: auth_jwt_key_zone smaller than 32k
--- http_config
    auth_jwt_key_zone 16k;
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        return 200;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*(?:auth_jwt_key_zone|16k)/
--- no_error_log
unknown directive



=== TEST 39: a POST with a body at cold start: the key request is still a GET
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        return 200 "ok $request_method $jwt_header_kid\n";
    }
--- request
POST /api
{"order": 42}
--- more_headers eval
"Authorization: Bearer " . jwt() . "\nContent-Type: application/json"
--- error_code: 200
--- response_body
ok POST rsa1
--- error_log
auth_jwt_key_request "/_jwks": 1 keys, generation 1
--- no_error_log
[error]



=== TEST 40: a HEAD request at cold start: the key request still gets the body
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        return 200 "ok $jwt_header_kid\n";
    }
--- request
HEAD /api
--- more_headers eval
"Authorization: Bearer " . jwt()
--- error_code: 200
--- error_log
auth_jwt_key_request "/_jwks": 1 keys, generation 1
--- no_error_log
[error]



=== TEST 41: conditional and range headers of the client do not reach the key request
A client must not be able to make the fetch fail (304, 206, 412).
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        return 200 "ok $jwt_header_kid\n";
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt() . "
If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT
If-None-Match: *
Range: bytes=0-9"
--- error_code: 200
--- response_body
ok rsa1
--- error_log
auth_jwt_key_request "/_jwks": 1 keys, generation 1
--- no_error_log
[error]



=== TEST 42: the client's Accept-Encoding does not make the issuer's JWKS arrive compressed
--- http_config
    gzip            on;
    gzip_min_length 1;
    gzip_types      application/json;
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        return 200 "ok $jwt_header_kid\n";
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt() . "\nAccept-Encoding: gzip"
--- error_code: 200
--- response_body
ok rsa1
--- error_log
auth_jwt_key_request "/_jwks": 1 keys, generation 1
--- no_error_log
[error]



=== TEST 43: an unknown kid sent with conditional headers still refreshes the keys
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(body => "ok rsa1\n"),
  put('.well-known/jwks.json', jwks('rsa12')),
  { %{ api(key => 'rsa2', body => "ok rsa2\n") },
    headers => "Authorization: Bearer " . jwt(key => 'rsa2')
               . "\nIf-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT\nIf-None-Match: *" },
]
--- error_log
auth_jwt_key_request "/_jwks": 2 keys, generation 2
--- no_error_log
[error]



=== TEST 44: a client that goes away during the cold-start wait does not fail the fetch for the others
The gateway under test is the second server; /impatient reaches it through
a proxy that gives up after 0.3 s.  The issuer answers after 1 s.  The
request right after it must get the keys (from that fetch or its own), not
a 503 from a fetch counted as failed because its first client left.
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_GW2_PORT;
        location /api {
            auth_jwt             "test";
            auth_jwt_key_request /_jwks_patient;
            return 200 "ok $jwt_header_kid\n";
        }
        location = /_jwks_patient {
            internal;
            proxy_read_timeout 3s;
            proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/delayed/.well-known/jwks.json;
        }
    }
--- config
    location = /prime {
        proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/prime;
    }
    location = /impatient {
        proxy_read_timeout 300ms;
        proxy_pass http://127.0.0.1:$TEST_NGINX_GW2_PORT/api;
    }
    location /api {
        proxy_pass http://127.0.0.1:$TEST_NGINX_GW2_PORT;
    }
--- steps eval
[
  { request => 'GET /prime', code => 200, like => qr/\AGIF89a/ },
  api(uri => '/impatient', code => 504),
  api(body => "ok rsa1\n"),
  api(body => "ok rsa1\n"),
]
--- timeout: 3
--- error_log
auth_jwt_key_request "/_jwks_patient": 1 keys, generation 1
--- no_error_log
fetch failed
no keys yet



=== TEST 45: auth_jwt_key_request in limit_except: the other methods need a token
--- config
    location /api {
        limit_except GET {
            auth_jwt             "write";
            auth_jwt_key_request /_jwks;
        }
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 200 "backend $request_method\n";
    }
--- request eval
["GET /api", "POST /api\nx", "POST /api\nx", "DELETE /api"]
--- more_headers eval
["X-None: 1", "X-None: 1", "Authorization: Bearer " . jwt(),
 "Authorization: Bearer " . jwt(key => 'rsa2', kid => 'rsa1')]
--- error_code eval
[200, 401, 200, 401]
--- response_body eval
["backend GET\n", qr{<title>401 Authorization Required</title>},
 "backend POST\n", qr{<title>401 Authorization Required</title>}]
--- error_log
auth_jwt_key_request "/_jwks": 1 keys, generation 1
auth_jwt: token rejected: bad_signature



=== TEST 46: an HMAC secret (oct key) in a fetched key set is skipped: nobody can sign with what the issuer publishes
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  put('.well-known/jwks.json',
      '{"keys":[' . data_file('hs256.jwk') . ',' . data_file('rsa1.jwk')
      . ']}'),
  api(alg => 'HS256', code => 401),
  api(body => "ok rsa1\n"),
]
--- error_log eval
[qr/\[warn\] .*auth_jwt_key_request "\/_jwks": key #1 \(kid "hs256"\) skipped: a symmetric \(oct\) key in a public key set/,
 'auth_jwt_key_request "/_jwks": 1 keys, generation 1',
 'auth_jwt: token rejected: unsupported_alg']
--- no_error_log
[error]



=== TEST 47: symmetric=on accepts the oct keys of a fetched key set
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks symmetric=on;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  put('.well-known/jwks.json',
      '{"keys":[' . data_file('hs256.jwk') . ',' . data_file('rsa1.jwk')
      . ']}'),
  api(alg => 'HS256', body => "ok hs256\n"),
  api(body => "ok rsa1\n"),
]
--- error_log
auth_jwt_key_request "/_jwks": 2 keys, generation 1
--- no_error_log
[error]
skipped



=== TEST 48: a fetched set of oct keys only has no usable key
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        return 200 "ok\n";
    }
--- steps eval
[
  put('.well-known/jwks.json', jwks('hmac')),
  api(alg => 'HS256', code => 503),
]
--- error_log eval
[qr/key #1 \(kid "hs256"\) skipped: a symmetric \(oct\) key in a public key set/,
 qr/key #2 \(kid "hs512"\) skipped: a symmetric \(oct\) key in a public key set/,
 'no usable key in the key set']



=== TEST 49: one source declared with and without symmetric=on fails nginx -t
--- config
    location /a {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks symmetric=on;
        return 200;
    }
    location /b {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        return 200;
    }
--- must_die
--- error_log
"/_jwks" is declared elsewhere with "symmetric=on"



=== TEST 50: auth_jwt_key_request at http level: another server {} that routes /_jwks elsewhere does not change the keys of this one
The attacker's server answers /_jwks with a key set of its own (rsa2).  A
token for its key, sent to it, makes it fetch that set: for itself only.
--- user_files eval
[[ 'evil.json', jwks('rsa2') ]]
--- http_config
    auth_jwt_key_request /_jwks;
    server {
        listen 127.0.0.1:$TEST_NGINX_VHOST_PORT;
        server_name evil;
        location /api {
            auth_jwt "evil";
            return 200 "evil $jwt_header_kid\n";
        }
        location = /_jwks {
            internal;
            proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/evil.json;
        }
    }
--- config
    location /api {
        auth_jwt "test";
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(body => "ok rsa1\n"),
  api(host => 'evil', key => 'rsa2', body => "evil rsa2\n"),
  api(key => 'rsa2', code => 401),
  api(body => "ok rsa1\n"),
  api(host => 'evil', key => 'rsa2', body => "evil rsa2\n"),
  settle(),
  fetches(200, '/evil.json 200', 200),
]
--- error_log
auth_jwt: token rejected: unknown_kid
--- no_error_log
[error]



=== TEST 51: auth_jwt_key_request repeated in two server {}s that route it to different places: each server keeps its own keys
--- user_files eval
[[ 'evil.json', jwks('rsa2') ]]
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_VHOST_PORT;
        server_name evil;
        auth_jwt_key_request /_jwks;
        location /api {
            auth_jwt "evil";
            return 200 "evil $jwt_header_kid\n";
        }
        location = /_jwks {
            internal;
            proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/evil.json;
        }
    }
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(body => "ok rsa1\n"),
  api(host => 'evil', key => 'rsa2', body => "evil rsa2\n"),
  api(body => "ok rsa1\n"),
  api(key => 'rsa2', code => 401),
  api(host => 'evil', key => 'rsa2', body => "evil rsa2\n"),
  settle(),
  fetches(200, '/evil.json 200', 200),
]
--- error_log
auth_jwt: token rejected: unknown_kid
--- no_error_log
[error]



=== TEST 52: a server {} whose /_jwks fails does not block the cold start of another one (http level)
--- http_config
    auth_jwt_key_request /_jwks;
    server {
        listen 127.0.0.1:$TEST_NGINX_VHOST_PORT;
        server_name evil;
        location /api {
            auth_jwt "evil";
            return 200 "evil $jwt_header_kid\n";
        }
        location = /_jwks {
            internal;
            return 500;
        }
    }
--- config
    location /api {
        auth_jwt "test";
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(host => 'evil', code => 503),
  api(body => "ok rsa1\n"),
  api(host => 'evil', code => 503),
  api(body => "ok rsa1\n"),
  settle(),
  fetches(200),
]
--- error_log
auth_jwt_key_request "/_jwks": fetch failed: status 500
auth_jwt_key_request "/_jwks": 1 keys, generation 1



=== TEST 53: error_page in the key location at cold start: the page it leads to is the answer; one well-formed answer per request on a keep-alive connection
--- keepalive: 1
--- user_files eval
[[ 'fallback.json', jwks('rsa1') ]]
--- config
    location = /_jwks_ep {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_DOWN_PORT/jwks.json;
        error_page 502 = /_jwks_fallback;
    }
    location = /_jwks_fallback {
        internal;
        alias $TEST_NGINX_SERVER_ROOT/html/fallback.json;
    }
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks_ep;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(body => "ok rsa1\n"),
  api(body => "ok rsa1\n"),
  api(key => 'rsa2', code => 401),
  api(body => "ok rsa1\n"),
]
--- error_log
auth_jwt_key_request "/_jwks_ep": 1 keys, generation 1
--- no_error_log
fetch failed
no keys yet



=== TEST 54: error_page in the key location, background refresh: the fallback's keys come in, the connection goes on
--- keepalive: 1
--- user_files eval
[[ 'fallback.json', jwks('rsa12') ]]
--- config
    location = /_jwks_ep {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/.well-known/jwks.json;
        proxy_intercept_errors on;
        error_page 500 502 504 = /_jwks_fallback;
    }
    location = /_jwks_fallback {
        internal;
        alias $TEST_NGINX_SERVER_ROOT/html/fallback.json;
    }
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks_ep;
        auth_jwt_key_cache   2s;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(body => "ok rsa1\n"),
  put('issuer-500'),
  sleep_s(2.2),
  api(body => "ok rsa1\n"),       # stale: the refresh gets a 500, then the fallback
  api(body => "ok rsa1\n"),
  settle(),
  api(key => 'rsa2', body => "ok rsa2\n"),
  fetches(200, 500),
]
--- grep_error_log eval
qr/auth_jwt_key_request "[^"]*": (?:fetch failed: [^,]+?(?=,|$)|\d+ keys, generation \d+)/
--- grep_error_log_out
auth_jwt_key_request "/_jwks_ep": 1 keys, generation 1
auth_jwt_key_request "/_jwks_ep": 2 keys, generation 2
--- no_error_log
token rejected
--- timeout: 6



=== TEST 55: X-Accel-Redirect from the JWKS server at cold start: the location it names answers the fetch, never the client
/metrics is no key set: the fetch fails, the clients get 503, and nothing
of /metrics reaches them.
--- keepalive: 1
--- user_files
>>> issuer-xar
--- config
    location = /metrics {
        internal;
        return 200 "metrics of the gateway\n";
    }
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(code => 503, hlike => "Retry-After: 1", like => '\A(?!.*metrics)'),
  api(code => 503, like => '\A(?!.*metrics)'),
  settle(),
  fetches(200),
]
--- error_log
auth_jwt_key_request "/_jwks": fetch failed: not a JWKS or JWK (JSON)
auth_jwt: no keys yet from "/_jwks"



=== TEST 56: X-Accel-Redirect from the JWKS server in a background refresh: the last good keys stay, and the connection is served again
--- keepalive: 1
--- config
    location = /metrics {
        internal;
        return 200 "metrics of the gateway\n";
    }
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        auth_jwt_key_cache   1s;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(body => "ok rsa1\n"),
  put('issuer-xar'),
  sleep_s(1.2),
  api(body => "ok rsa1\n"),       # stale: the refresh is redirected
  api(body => "ok rsa1\n"),
  settle(),
  api(body => "ok rsa1\n"),       # maybe another refresh, a second later
  fetches_like(qr{\A(?:fetch /\.well-known/jwks\.json 200\n){2,3}\z}),
]
--- error_log
auth_jwt_key_request "/_jwks": fetch failed: not a JWKS or JWK (JSON), the last good keys stay
--- no_error_log
token rejected
--- timeout: 6



=== TEST 57: a token that cannot be parsed is refused at cold start without a fetch
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        auth_jwt_algorithms  RS256;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(token => 'garbage', code => 401),
  api(token => 'a.b.c', code => 401),
  api(token => jwt(alg => 'none'), code => 401),
  api(token => jwt(alg => 'ES256'), code => 401),
  settle(),
  fetches(),
  api(body => "ok rsa1\n"),
  api(token => jwt(alg => 'ES256'), code => 401),
  settle(),
  fetches(200),
]
--- error_log
token rejected: malformed
token rejected: unsupported_alg
--- no_error_log
no keys yet



=== TEST 58: clients that go away during a slow cold start do not start a fetch each
The issuer takes 2 s or more.  Three bursts of ten clients (one request and
nine mirrors, each through a proxy that gives up after 0.2 s), half with
garbage, half with valid tokens, 0.5 s apart: one fetch in all, and its keys
serve the request after it.
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_GW2_PORT;
        location /api {
            auth_jwt             "test";
            auth_jwt_key_request /_jwks_slow;
            return 200 "ok $jwt_header_kid\n";
        }
        location = /_jwks_slow {
            internal;
            proxy_read_timeout 10s;
            proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/slow.json;
        }
    }
--- config
    location = /burst {
        mirror /m; mirror /m; mirror /m; mirror /m; mirror /m;
        mirror /m; mirror /m; mirror /m; mirror /m;
        proxy_read_timeout 200ms;
        proxy_pass http://127.0.0.1:$TEST_NGINX_GW2_PORT/api;
    }
    location = /m {
        internal;
        proxy_read_timeout 200ms;
        proxy_pass http://127.0.0.1:$TEST_NGINX_GW2_PORT/api;
    }
    location /api {
        proxy_pass http://127.0.0.1:$TEST_NGINX_GW2_PORT;
    }
--- steps eval
[
  api(uri => '/burst', code => 504),
  api(uri => '/burst', token => 'garbage', code => 401),
  sleep_s(0.3),
  api(uri => '/burst', code => 504),
  api(uri => '/burst', token => 'garbage', code => 401),
  sleep_s(0.3),
  api(uri => '/burst', code => 504),
  api(uri => '/burst', token => 'garbage', code => 401),
  api(body => "ok rsa1\n"),
  settle(),
  fetches('/slow.json 200'),
]
--- timeout: 6
--- error_log
auth_jwt_key_request "/_jwks_slow": 1 keys, generation 1
--- no_error_log
fetch failed
no keys yet



=== TEST 59: auth_jwt_status: one source per server{}, and how full the zone is
--- user_files eval
[[ 'evil.json', jwks('rsa2') ]]
--- http_config
    auth_jwt_key_request /_jwks;
    server {
        listen 127.0.0.1:$TEST_NGINX_VHOST_PORT;
        server_name evil;
        location /api {
            auth_jwt "evil";
            return 200 "evil $jwt_header_kid\n";
        }
        location = /_jwks {
            internal;
            proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/evil.json;
        }
    }
--- config
    location /api {
        auth_jwt "test";
        return 200 "ok $jwt_header_kid\n";
    }
    location = /status {
        auth_jwt_status;
    }
--- steps eval
[
  api(body => "ok rsa1\n"),
  api(host => 'evil', key => 'rsa2', body => "evil rsa2\n"),
  { request => 'GET /status', code => 200,
    like => '"sources":\[\{"uri":"/_jwks","issuer":"","server":"evil","fetches_ok":1,[^}]*"generation":1,"keys":1\},\{"uri":"/_jwks","issuer":"","server":"localhost","fetches_ok":1,[^}]*"generation":1,"keys":1\}\],"key_zone":\{"size":1048576,"free":\d+,"entries":2,"freed":0\}\}' },
  { request => 'GET /status?format=prometheus', code => 200,
    like => 'auth_jwt_key_zone_size_bytes 1048576\n.*auth_jwt_key_zone_entries 2\n.*auth_jwt_key_zone_freed_total 0\n' },
]
--- no_error_log
[error]
