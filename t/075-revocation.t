# Revocation lists (docs/DIRECTIVES.md, docs/REVOCATION.md):
# auth_jwt_revocation_request, auth_jwt_revocation_file,
# auth_jwt_revocation_list_sub, auth_jwt_revocation_list_kid,
# auth_jwt_revocation_max_age, auth_jwt_revocation_stale.
#
# Built on t/050-key-request.t's harness (t/lib/JWTGate/IssuerServer.pm):
# the issuer is a second server {} of the same nginx serving html/
# (html/revoked.json is the list, "--- rlist eval" sets it; nginx's static
# files send an ETag and answer If-None-Match with 304), every fetch of a
# .json is a line "fetch <uri> <status>" of logs/fetch.log (GET /fetches),
# and the issuer's files change mid-block by WebDAV (PUT /issuer/NAME).  The gateway's /_revoked
# proxies to the issuer's /revoked.json.  Keys come from a key file
# (rsa1, rsa2), so only the list is fetched.
#
# One master and two workers: the list lives once in the zone.

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
use JSON::PP ();
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
# is a status of /revoked.json or "URI STATUS".
sub fetches { fetches_of('/revoked.json', @_) }

# rlist(%o): a list's JSON text (keys in a fixed order)
sub rlist {
    my %o = @_;
    return JSON::PP->new->canonical->encode(\%o);
}

# tok(jti, %claims): a token of alice with that jti, signed with rsa1
sub tok {
    my ($jti, %c) = @_;
    return jwt(claims => { jti => $jti, %c });
}

filters(qw(data_file jwks api put del sleep_s settle fetches fetches_like
           log_like two_pids_200 rlist tok));

# ---------------------------------------------------------------------------
# the issuer (JWTGate::IssuerServer), and the gateway's own locations: its
# (/vhost/, /_jwks, /issuer/, /fetches, /tick) and these

my $GATEWAY = gateway_conf(<<'CONF');
    location = /_revoked {
        internal;
        proxy_read_timeout 5s;
        if (-f $TEST_NGINX_SERVER_ROOT/html/issuer-down) {
            proxy_pass http://127.0.0.1:$TEST_NGINX_DOWN_PORT;
        }
        proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/revoked.json;
    }
    location = /_revoked_other {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/other.json;
    }
    location = /status {
        auth_jwt_status;
    }
CONF

add_block_preprocessor(sub {
    my $block = shift;

    # the issuer's key set: "--- jwks: rsa12" (t/data/jwks-rsa12.json),
    # rsa1 by default; then the block's own user_files
    my @files = ([ '.well-known/jwks.json',
                   jwks(scalar($block->jwks) // 'rsa1') ]);
    # the issuer's revocation list: "--- rlist eval"
    push @files, [ 'revoked.json', $block->rlist ] if defined $block->rlist;

    issuer_block($block, issuer_conf(), $GATEWAY, @files);
});

master_on();
workers(2);
no_shuffle();
run_tests();

__DATA__

=== TEST 1: a revoked jti is refused (401 invalid_token, $jwt_error revoked), others pass; the first request waits for the list
--- rlist eval
rlist(jti => { 'gone-1' => time + 3600, 'old' => time - 2 * 86400 })
--- config
    location /api {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_revocation_request /_revoked;
        add_header                  X-Jwt-Error $jwt_error always;
        return 200 "ok $jwt_claim_jti\n";
    }
--- steps eval
[
  api(body => "ok kept-1\n", claims => { jti => 'kept-1' }),
  api(code => 401, claims => { jti => 'gone-1' },
      hlike => 'WWW-Authenticate: Bearer realm="test", error="invalid_token"'),
  api(code => 401, claims => { jti => 'gone-1' },
      hlike => 'X-Jwt-Error: revoked'),
  api(code => 401, claims => { jti => 'gone-1' }),
  # an entry whose exp is more than a day past (longer than any sane
  # auth_jwt_leeway) is dropped when the list is built
  api(body => "ok old\n", claims => { jti => 'old' }),
  api(body => "ok \n", claims => { jti => undef }),
  settle(),
  fetches(200),
  { request => 'GET /status', code => 200,
    like => qr/"revoked":3.*"kind":"revocation","interval":30,"age":\d+,"entries":1,"jti":1,"sub":0,"kid":0,"bytes":\d+,"not_modified":0,"revoked":3\}/s },
]
--- error_log
auth_jwt: token rejected: revoked (its jti is listed by auth_jwt_revocation_request "/_revoked")
auth_jwt_revocation_request "/_revoked": 1 jti, 0 sub, 0 kid
--- no_error_log
[error]



=== TEST 2: sub with a cutoff: tokens of that subject issued at or before it are refused, later ones and other subjects pass, one without iat is refused
--- rlist eval
rlist(sub => { alice => time - 100 })
--- config
    location /api {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_revocation_request /_revoked;
        return 200 "ok $jwt_claim_sub\n";
    }
--- steps eval
[
  api(code => 401, claims => { iat => time - 200 }),
  api(code => 401, claims => { iat => undef }),
  api(body => "ok alice\n", claims => { iat => time - 10 }),
  api(body => "ok bob\n", claims => { sub => 'bob', iat => time - 200 }),
]
--- error_log
token rejected: revoked (its sub is listed
--- no_error_log
[error]



=== TEST 3: a revoked kid refuses every token it signed; another key's pass
--- rlist eval
rlist(kid => [ 'rsa1' ])
--- config
    location /api {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa12.json;
        auth_jwt_revocation_request /_revoked;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(code => 401),
  api(key => 'rsa2', body => "ok rsa2\n"),
]
--- error_log
token rejected: revoked (its kid is listed
--- no_error_log
[error]



=== TEST 4: a token verified and cached, revoked afterwards: refused once the list is fetched again (interval=1s), cache hit or not
--- rlist eval
rlist(jti => { other => time + 3600 })
--- config
    location /api {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_revocation_request /_revoked interval=1s;
        return 200 "ok\n";
    }
--- steps eval
my $t = tok('victim');
[
  api(token => $t, body => "ok\n"),
  api(token => $t, body => "ok\n"),
  api(token => $t, body => "ok\n"),
  put('revoked.json', rlist(jti => { victim => time + 3600 })),
  sleep_s(2.5),
  # the first of these may still see the old list while the fetch runs
  api(token => $t, code_like => '^(?:200|401)$',
      like => qr{\Aok\n\z|<title>401 Authorization Required</title>}),
  sleep_s(1.5),
  api(token => $t, code => 401),
  api(token => $t, code => 401),
  api(token => tok('fresh'), body => "ok\n"),
]
--- no_error_log
[error]



=== TEST 5: the list's source fails (500) after a good fetch: the last list stays (auth_jwt_revocation_stale keep, the default), with backoff
--- rlist eval
rlist(jti => { 'gone' => time + 3600 })
--- config
    location /api {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_revocation_request /_revoked interval=1s;
        auth_jwt_revocation_max_age 2s;
        return 200 "ok\n";
    }
--- steps eval
[
  api(code => 401, token => tok('gone')),
  put('issuer-500'),
  sleep_s(4),
  api(code => 401, token => tok('gone')),
  api(body => "ok\n", token => tok('kept')),
  sleep_s(1.5),
  api(code => 401, token => tok('gone')),
  api(body => "ok\n", token => tok('kept')),
  settle(),
  fetches_like(qr{\Afetch /revoked.json 200\n(?:fetch /revoked.json 500\n)+\z}),
]
--- error_log
auth_jwt_revocation_request "/_revoked": fetch failed: status 500, the last good list stays



=== TEST 6: auth_jwt_revocation_stale refuse: beyond auth_jwt_revocation_max_age without a good fetch, tokens get 503 + Retry-After; back when the list is
--- rlist eval
rlist(jti => { 'gone' => time + 3600 })
--- config
    location /api {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_revocation_request /_revoked interval=1s;
        auth_jwt_revocation_max_age 6s;
        auth_jwt_revocation_stale   refuse;
        return 200 "ok\n";
    }
--- steps eval
[
  api(body => "ok\n", token => tok('kept')),
  put('issuer-500'),
  sleep_s(8),
  api(code => 503, token => tok('kept'), hlike => 'Retry-After: \d+'),
  api(code => 503, token => tok('kept')),
  del('issuer-500'),
  # the backoff is at most the interval (1 s): this one starts a fetch
  sleep_s(2.5),
  api(code_like => '^(?:200|503)$', token => tok('kept'),
      like => qr{\Aok\n\z|<title>503 Service Temporarily Unavailable</title>}),
  sleep_s(1.5),
  api(body => "ok\n", token => tok('kept')),
  api(code => 401, token => tok('gone')),
]
--- error_log eval
qr/the list is \d+ s old \(auth_jwt_revocation_max_age 6 s\), tokens refused/



=== TEST 7: no list yet and the source fails: 503 + Retry-After, the token is not let through
--- rlist eval
rlist()
--- user_files
>>> issuer-500
x
--- config
    location /api {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_revocation_request /_revoked;
        return 200 "ok\n";
    }
--- steps eval
[
  api(code => 503, hlike => 'Retry-After: \d+'),
  api(code => 503),
  { request => 'GET /status', code => 200,
    like => qr/"keys_unavailable":2,"revoked":0\}/ },
]
--- error_log
auth_jwt_revocation_request "/_revoked": fetch failed: status 500
auth_jwt_revocation_request "/_revoked": no list yet, tokens refused



=== TEST 8: garbage, an unknown shape, an empty answer: refused as a list (503 at a cold start, logged with the reason)
--- rlist eval
"this is not JSON"
--- user_files
>>> array.json
[{"jti": "x"}]
>>> jtis.json
{"jti": ["x"]}
>>> empty.json
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_GW2_PORT;
        location = /_array { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/array.json; }
        location = /_jtis { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/jtis.json; }
        location = /_empty { internal; proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/empty.json; }
        location /array {
            auth_jwt "test";
            auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
            auth_jwt_revocation_request /_array;
            return 200;
        }
        location /jtis {
            auth_jwt "test";
            auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
            auth_jwt_revocation_request /_jtis;
            return 200;
        }
        location /empty {
            auth_jwt "test";
            auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
            auth_jwt_revocation_request /_empty;
            return 200;
        }
        location / {
            proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT;
        }
    }
--- config
    location /api {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_revocation_request /_revoked;
        return 200 "ok\n";
    }
    location /gw2/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_GW2_PORT/;
        proxy_set_header Authorization $http_authorization;
    }
--- steps eval
[
  api(code => 503),
  api(uri => '/gw2/array', code => 503),
  api(uri => '/gw2/jtis', code => 503),
  api(uri => '/gw2/empty', code => 503),
]
--- error_log eval
[qr/auth_jwt_revocation_request "\/_revoked": fetch failed: [^,\n]+/,
 qr/auth_jwt_revocation_request "\/_array": fetch failed: [^,\n]+/,
 qr/auth_jwt_revocation_request "\/_jtis": fetch failed: [^,\n]+/,
 qr/auth_jwt_revocation_request "\/_empty": fetch failed: [^,\n]+/]



=== TEST 9: an empty list ({}) and unknown members: every good token passes
--- rlist eval
'{"future": {"x": 1}, "jti": {}}'
--- config
    location /api {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_revocation_request /_revoked;
        return 200 "ok\n";
    }
--- steps eval
[
  api(body => "ok\n"),
  api(body => "ok\n", token => tok('a')),
]
--- error_log
auth_jwt_revocation_request "/_revoked": 0 jti, 0 sub, 0 kid
--- no_error_log
[error]



=== TEST 10: a list beyond max_size= is not read (response too large): the last good list stays
--- rlist eval
rlist(jti => { gone => time + 3600 })
--- config
    location /api {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_revocation_request /_revoked interval=1s max_size=4k;
        return 200 "ok\n";
    }
--- steps eval
[
  api(code => 401, token => tok('gone')),
  put('revoked.json', rlist(jti => { map { ("j$_" => time + 3600) } 1 .. 1000 })),
  sleep_s(2.5),
  api(code => 401, token => tok('gone')),
  api(body => "ok\n", token => tok('j5')),
  sleep_s(1.5),
  api(body => "ok\n", token => tok('j5')),
]
--- error_log
auth_jwt_revocation_request "/_revoked": fetch failed: response too large, the last good list stays



=== TEST 11: the conditional fetch: If-None-Match with the ETag, 304 keeps the list and counts as a good fetch (no stale refusal)
--- rlist eval
rlist(jti => { gone => time + 3600 })
--- config
    location /api {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_revocation_request /_revoked interval=1s;
        auth_jwt_revocation_max_age 5s;
        auth_jwt_revocation_stale   refuse;
        return 200 "ok\n";
    }
--- steps eval
[
  api(code => 401, token => tok('gone')),
  (map { (sleep_s(1.2), api(body => "ok\n", token => tok('kept'))) } 1 .. 4),
  api(code => 401, token => tok('gone')),
  settle(),
  fetches_like(qr{\Afetch /revoked.json 200\n(?:fetch /revoked.json 304\n){2,}\z}),
  { request => 'GET /status', code => 200,
    like => qr/"fetches_failed":0,.*"entries":1,"jti":1,"sub":0,"kid":0,"bytes":\d+,"not_modified":[1-9]\d*,"revoked":2\}/ },
]
--- no_error_log
[error]



=== TEST 12: auth_jwt_revocation_file: read at start, read again when it changes (every worker), a broken new version keeps the last good list
--- rlist eval
rlist(jti => { gone => time + 3600 })
--- config
    location /api {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_revocation_file    $TEST_NGINX_SERVER_ROOT/html/revoked.json;
        return 200 "ok\n";
    }
--- steps eval
[
  api(code => 401, token => tok('gone')),
  api(code => 401, token => tok('gone')),
  api(body => "ok\n", token => tok('later')),
  api(body => "ok\n", token => tok('later')),
  # a broken version: every worker keeps the list it had (read at start)
  put('revoked.json', '{"jti": '),
  sleep_s(2),
  (map { api(code => 401, token => tok('gone')) } 1 .. 4),
  # a good one: read by each worker at its next request (checked at most
  # once a second)
  put('revoked.json', rlist(jti => { later => time + 3600 })),
  sleep_s(2),
  (map { api(code => 401, token => tok('later')) } 1 .. 4),
  (map { api(body => "ok\n", token => tok('gone')) } 1 .. 4),
]
--- error_log eval
[qr/auth_jwt revocation list "[^"]*revoked.json" read again/,
 qr/auth_jwt revocation list "[^"]*revoked.json": [^,\n]+, the last good list stays/]



=== TEST 13: kjdev's auth_jwt_revocation_list_sub and auth_jwt_revocation_list_kid files: a listed sub (whatever its iat) or kid is refused
--- user_files
>>> sub.json
{"alice": {"locked_reason": "left"}, "carol": {}}
>>> kid.json
{"rsa2": {"revoked": true}}
--- config
    location /api {
        auth_jwt                     "test";
        auth_jwt_key_file            $TEST_NGINX_DATA_DIR/jwks-rsa12.json;
        auth_jwt_revocation_list_sub $TEST_NGINX_SERVER_ROOT/html/sub.json;
        auth_jwt_revocation_list_kid $TEST_NGINX_SERVER_ROOT/html/kid.json;
        return 200 "ok $jwt_claim_sub\n";
    }
--- steps eval
[
  api(code => 401),
  api(code => 401, claims => { iat => time + 30 }),
  api(code => 401, claims => { sub => 'carol' }),
  api(body => "ok bob\n", claims => { sub => 'bob' }),
  api(code => 401, key => 'rsa2', claims => { sub => 'bob' }),
]
--- error_log
token rejected: revoked (its sub is listed by file
token rejected: revoked (its kid is listed by file
--- no_error_log
[error]



=== TEST 14: issuer=: a list bound to an issuer applies to that issuer's tokens and to tokens without iss, not to other issuers'; lists combine
--- rlist eval
rlist(jti => { shared => time + 3600 })
--- user_files eval
[[ 'other.json', JSON::PP->new->encode({ jti => { other => time + 3600 } }) ]]
--- config
    location /api {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_revocation_request /_revoked issuer=https://other.test;
        auth_jwt_revocation_request /_revoked_other;
        return 200 "ok $jwt_claim_iss\n";
    }
--- steps eval
[
  api(body => "ok https://issuer.test\n", token => tok('shared')),
  api(code => 401, token => tok('shared', iss => 'https://other.test')),
  api(code => 401, token => tok('other')),
  api(code => 401, token => tok('other', iss => 'https://other.test')),
  api(body => "ok https://other.test\n",
      token => tok('fine', iss => 'https://other.test')),
  # a token that names no issuer is not outside the bound list
  api(code => 401, token => jwt(claims => { jti => 'shared', iss => undef })),
  api(body => "ok \n", token => jwt(claims => { jti => 'fine', iss => undef })),
  settle(),
  fetches_like(qr{\A(?=.*^fetch /revoked.json 200$)(?=.*^fetch /other.json 200$)(?:fetch [^\n]+\n){2}\z}ms),
]
--- no_error_log
[error]



=== TEST 15: server-level lists are inherited; a location with its own list replaces them; Prometheus shows the source
--- rlist eval
rlist(jti => { gone => time + 3600 })
--- config
    auth_jwt_revocation_request /_revoked;
    location /api {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "ok\n";
    }
    location /api/own {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_revocation_file    $TEST_NGINX_SERVER_ROOT/html/own.json;
        return 200 "own\n";
    }
--- user_files
>>> own.json
{"jti": {}}
--- steps eval
[
  api(code => 401, token => tok('gone')),
  api(uri => '/api/own', body => "own\n", token => tok('gone')),
  { request => 'GET /status?format=prometheus', code => 200,
    like => qr/^auth_jwt_revocation_entries\{uri="\/_revoked",issuer="",server="[^"]*"\} 1\n.*^auth_jwt_revoked_total\{uri="\/_revoked",issuer="",server="[^"]*"\} 1$/ms },
]
--- no_error_log
[error]



=== TEST 16: nginx -t: a revocation file that is missing
--- config
    location /api {
        auth_jwt                 "test";
        auth_jwt_key_file        $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_revocation_file $TEST_NGINX_SERVER_ROOT/html/nonexistent.json;
        return 200;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*auth_jwt revocation list .*nonexistent\.json/
--- no_error_log
unknown directive



=== TEST 17: nginx -t: a revocation file that is not a list
--- user_files
>>> bad.json
{"kid": "not an array"}
--- config
    location /api {
        auth_jwt                 "test";
        auth_jwt_key_file        $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_revocation_file $TEST_NGINX_SERVER_ROOT/html/bad.json;
        return 200;
    }
--- must_die
--- error_log eval
qr/\[emerg\] \d+#\d+: auth_jwt revocation list "[^"]*bad\.json": /
--- no_error_log
unknown directive



=== TEST 18: nginx -t: bad parameters of auth_jwt_revocation_request
--- config
    location /api {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_revocation_request /_revoked interval=0s;
        return 200;
    }
--- must_die
--- error_log eval
qr/\[emerg\] \d+#\d+: invalid parameter "interval=0s": at least 1s/



=== TEST 19: nginx -t: a uri that is not one
--- config
    location /api {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_revocation_request _revoked;
        return 200;
    }
--- must_die
--- error_log eval
qr/\[emerg\] \d+#\d+: invalid URI "_revoked": it must start with "\/"/



=== TEST 20: nginx -t: auth_jwt_revocation_stale takes keep or refuse
--- config
    location /api {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_revocation_stale   maybe;
        return 200;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid value "maybe"/



=== TEST 21: nginx -t: auth_jwt_revocation_max_age garbage
--- config
    location /api {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_revocation_max_age soon;
        return 200;
    }
--- must_die
--- error_log eval
qr/\[emerg\] \d+#\d+: invalid value "soon": a time of at least 1s, or "off"/



=== TEST 22: nginx -t: a bad max_size=
--- config
    location /api {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_revocation_request /_revoked max_size=10;
        return 200;
    }
--- must_die
--- error_log eval
qr/\[emerg\] \d+#\d+: invalid parameter "max_size=10": from 1k to 1g/



=== TEST 23: nginx -t: the same uri twice at one level
--- config
    location /api {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_revocation_request /_revoked;
        auth_jwt_revocation_request /_revoked issuer=https://x.test;
        return 200;
    }
--- must_die
--- error_log eval
qr/\[emerg\] \d+#\d+: "auth_jwt_revocation_request" directive is duplicate/



=== TEST 24: virtual hosts: the same uri in two server{}s is two sources, each with its own list, lock and counters
--- rlist eval
rlist(jti => { gone => time + 3600 })
--- user_files
>>> other.json
{"jti": {}}
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_VHOST_PORT;
        server_name other.test;
        location = /_revoked {
            internal;
            proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/other.json;
        }
        location /api {
            auth_jwt                    "test";
            auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
            auth_jwt_revocation_request /_revoked;
            return 200 "other\n";
        }
    }
--- config
    location /api {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_revocation_request /_revoked;
        return 200 "ok\n";
    }
--- steps eval
[
  api(code => 401, token => tok('gone')),
  api(host => 'other.test', body => "other\n", token => tok('gone')),
  api(host => 'other.test', body => "other\n", token => tok('gone')),
  api(code => 401, token => tok('gone')),
  settle(),
  fetches_like(qr{\A(?=.*^fetch /revoked.json 200$)(?=.*^fetch /other.json 200$)(?:fetch [^\n]+\n){2}\z}ms),
  { request => 'GET /status', code => 200,
    like => qr/"uri":"\/_revoked","issuer":"","server":"localhost".*"entries":1,.*"revoked":2\}.*"uri":"\/_revoked","issuer":"","server":"other\.test".*"entries":0,.*"revoked":0\}|"uri":"\/_revoked","issuer":"","server":"other\.test".*"entries":0,.*"revoked":0\}.*"uri":"\/_revoked","issuer":"","server":"localhost".*"entries":1,.*"revoked":2\}/ },
]
--- no_error_log
[error]



=== TEST 25: auth_jwt_numeric_ids on: an integer jti or sub is listed as its decimal text
--- rlist eval
rlist(jti => { '12345' => time + 3600 }, sub => { '42' => time + 3600 })
--- config
    location /api {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_numeric_ids        on;
        auth_jwt_revocation_request /_revoked;
        return 200 "ok $jwt_claim_sub\n";
    }
--- steps eval
[
  api(code => 401, claims => { jti => 12345 }),
  api(code => 401, claims => { sub => 42 }),
  api(body => "ok 43\n", claims => { sub => 43, jti => 12346 }),
  api(body => "ok 42x\n", claims => { sub => "42x" }),
]
--- error_log
token rejected: revoked (its jti is listed
token rejected: revoked (its sub is listed
--- no_error_log
[error]



=== TEST 26: a kid list refuses tokens without a kid (they are verified by any key of their alg, the revoked one too); tokens of other kids pass
--- rlist eval
rlist(kid => [ 'rsa1' ])
--- config
    location /api {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa12.json;
        auth_jwt_revocation_request /_revoked;
        return 200 "ok [$jwt_header_kid]\n";
    }
--- steps eval
[
  api(code => 401),
  api(key => 'rsa1', kid => undef, code => 401),
  api(key => 'rsa2', kid => undef, code => 401),
  api(key => 'rsa2', body => "ok [rsa2]\n"),
]
--- error_log
token rejected: revoked (its kid is listed
token rejected: revoked (its kid is missing and kids are listed
--- no_error_log
[error]



=== TEST 27: auth_jwt_leeway: a listed jti stays revoked while the leeway still accepts the token past its exp
The tokens are made when the file loads: the leeway (1h) covers the time
until the block runs.
--- rlist eval
rlist(jti => { victim => time - 5 })
--- config
    location /api {
        auth_jwt                    "test";
        auth_jwt_leeway             1h;
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_revocation_request /_revoked;
        return 200 "ok\n";
    }
--- steps eval
[
  api(token => tok('victim', exp => time - 5), code => 401),
  api(token => tok('other', exp => time - 5), body => "ok\n"),
]
--- error_log
token rejected: revoked (its jti is listed
--- no_error_log
[error]



=== TEST 28: a 304 to no If-None-Match (an issuer without ETag, a proxy that makes one up) is no fresh list: max_age still runs out
--- rlist eval
rlist(jti => { gone => time + 3600 })
--- config
    location /api {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_revocation_request /_revoked_noetag interval=1s;
        auth_jwt_revocation_max_age 2s;
        auth_jwt_revocation_stale   refuse;
        return 200 "ok\n";
    }
    location = /_revoked_noetag {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/feed-noetag;
    }
    location = /feed-noetag {
        if (-f $TEST_NGINX_SERVER_ROOT/html/give-304) {
            return 304;
        }
        etag off;
        default_type application/json;
        alias html/revoked.json;
    }
--- steps eval
[
  api(token => tok('kept'), body => "ok\n"),
  api(token => tok('gone'), code => 401),
  put('give-304'),
  # each request finds the list older than interval=: a refresh, a 304
  sleep_s(1.2),
  api(token => tok('kept'), code_like => '^(?:200|503)$',
      like => qr{\Aok\n\z|<title>503 Service Temporarily Unavailable</title>}),
  sleep_s(1.2),
  api(token => tok('kept'), code_like => '^(?:200|503)$',
      like => qr{\Aok\n\z|<title>503 Service Temporarily Unavailable</title>}),
  sleep_s(1.2),
  # 3.6 s since the last list came: stale, whatever the 304s said
  api(token => tok('kept'), code => 503),
]
--- error_log
status 304 to no If-None-Match of the list at hand



=== TEST 29: nginx -t: auth_jwt_leeway over a day with a revocation list (its jti entries are kept a day past exp)
--- config
    location /api {
        auth_jwt                    "test";
        auth_jwt_leeway             2d;
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_revocation_request /_revoked;
        return 200;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"auth_jwt_leeway" over 1d cannot be used with revocation lists/



=== TEST 30: auth_jwt_leeway of exactly a day with a revocation list is accepted
--- rlist eval
rlist(jti => { victim => time - 5 })
--- config
    location /api {
        auth_jwt                    "test";
        auth_jwt_leeway             1d;
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_revocation_request /_revoked;
        return 200 "ok\n";
    }
--- steps eval
[
  api(token => tok('victim', exp => time - 5), code => 401),
  api(token => tok('other', exp => time - 5), body => "ok\n"),
]
--- no_error_log
[error]
