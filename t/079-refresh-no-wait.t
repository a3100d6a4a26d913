# Issue 17: no client waits for a background refresh.
#
# A background fetch of a key set (auth_jwt_key_request, stale keys) or of
# a revocation list (auth_jwt_revocation_request, interval= passed) must
# not hold up the next request of the client whose request started it.
# It is a subrequest of a request of its own, on a connection of its own
# (src/ngx_http_auth_jwt_fetch.c): the client's connection goes back to
# keep-alive as soon as its response is out, and its next request is
# answered at once.  (As a subrequest of the client's request, nginx would
# not read that connection again before the fetch ended.)
#
# The keep-alive client is the gateway itself: /ka/URI proxies to the
# gateway's own /URI over an upstream with keepalive, so a response that
# keeps its connection leaves it in the cache and the next /ka/ request
# goes on it.  X-Gw-Connection ($upstream_http_connection) says what the
# response said of its connection, X-Requests ($connection_requests) the
# how-manyth request of its connection it was: the same connection carries
# the request that started the refresh and the next one.  One worker: the
# upstream's connection cache is the one the next request uses.
#
# The issuer is a second server {} of the same nginx (port
# $TEST_NGINX_ISSUER_PORT), as in t/050-key-request.t: it serves html/,
# logs every fetch of a .json as "fetch <uri> <status>" in logs/fetch.log
# (GET /fetches) when the fetch ends, and changes state by WebDAV
# (PUT /issuer/issuer-slow: its .json files go at 200 bytes a second, a
# fetch takes 2 s or more).  "Nobody waits" is checked without a clock:
# the next request is answered while the fetch log has no line of the
# refresh yet, and the line comes later.

# What the module keeps in shared memory outlives an nginx reload: every
# block needs an nginx of its own.
BEGIN { delete $ENV{TEST_NGINX_USE_HUP} }

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::BlockLog;
use JWTGate::IssuerServer qw(issuer_ports data_file jwks api put sleep_s
                              fetches_of filters issuer_conf jwks_conf
                              dav_conf fetches_tick_conf issuer_block);
use JSON::PP ();

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

# the issuer's port: the first free one above the server port
issuer_ports(server_port());

# ---------------------------------------------------------------------------
# steps (JWTGate::IssuerServer): data_file jwks api put sleep_s, and

# ka($n, %o): api() through the keep-alive upstream: the $n-th request of
# its connection, which stays open (keep-alive).
sub ka {
    my ($n, %o) = @_;
    return api(%o, uri => '/ka' . ($o{uri} // '/api'),
               hlike => "X-Gw-Connection: keep-alive\nX-Requests: $n");
}

# fetches(@what): the issuer's fetch log is exactly these "URI STATUS".
sub fetches { fetches_of(undef, @_) }

# rlist(%lists): a revocation list; padded to some 500 bytes, so that a
# slow issuer takes 2 s or more for it
sub rlist {
    my %o = @_;
    $o{jti} = { %{ $o{jti} // {} },
                map { ("padding-$_" => time + 3600) } 1 .. 20 };
    return JSON::PP->new->canonical->encode(\%o);
}

filters(qw(data_file jwks api ka put sleep_s fetches rlist));

# ---------------------------------------------------------------------------
# the issuer (JWTGate::IssuerServer: issuer-slow only, 200 bytes a second),
# the gateway's keep-alive upstream to itself, and the gateway's own
# locations: /ka/, /_jwks, /_revoked, /issuer/, /fetches, /tick

my $ISSUER = issuer_conf(full => 0, markers => ['slow'], slow_rate => 200,
                         http => <<'CONF');
    upstream gateway_ka {
        server 127.0.0.1:$TEST_NGINX_SERVER_PORT;
        keepalive 4;
    }

CONF

my $KA = <<'CONF';
    location /ka/ {
        proxy_pass http://gateway_ka/;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_read_timeout 10s;
        add_header X-Gw-Connection $upstream_http_connection always;
    }
CONF

my $REVOKED = <<'CONF';
    location = /_revoked {
        internal;
        proxy_read_timeout 5s;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/revoked.json;
    }
CONF

my $GATEWAY = $KA . jwks_conf(timeout => '5s', down => 0) . $REVOKED
            . dav_conf() . fetches_tick_conf();

add_block_preprocessor(sub {
    my $block = shift;

    my @files = ([ '.well-known/jwks.json', jwks('rsa1') ]);
    push @files, [ 'revoked.json', $block->rlist ] if defined $block->rlist;

    issuer_block($block, $ISSUER, $GATEWAY, @files);
});

master_on();
workers(1);
no_shuffle();
run_tests();

__DATA__

=== TEST 1: key set: the connection of the request that starts a background refresh is kept, its next request is answered while the refresh runs
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks;
        auth_jwt_key_cache   1s;
        add_header           X-Requests $connection_requests always;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  ka(1, body => "ok rsa1\n"),     # cold: waits for its fetch
  ka(2, body => "ok rsa1\n"),
  put('issuer-slow'),
  sleep_s(1.2),
  ka(3, body => "ok rsa1\n"),     # stale: the refresh starts
  ka(4, body => "ok rsa1\n"),     # the same connection, at once:
  fetches('/.well-known/jwks.json 200'),  # the refresh has not ended
  sleep_s(3),
  fetches('/.well-known/jwks.json 200', '/.well-known/jwks.json 200'),
]
--- grep_error_log eval
qr/auth_jwt_key_request "[^"]*": (?:fetch failed: [^,]+|\d+ keys, generation \d+)/
--- grep_error_log_out
auth_jwt_key_request "/_jwks": 1 keys, generation 1
auth_jwt_key_request "/_jwks": 1 keys, generation 1
--- no_error_log
[error]
--- timeout: 10



=== TEST 2: revocation list: the connection of the request that starts a background refresh is kept, its next request is answered while the refresh runs
--- rlist eval
rlist(jti => { 'gone-1' => time + 3600 })
--- config
    location /api {
        auth_jwt                    "test";
        auth_jwt_key_file           $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_revocation_request /_revoked interval=1s;
        add_header                  X-Requests $connection_requests always;
        return 200 "ok $jwt_claim_jti\n";
    }
--- steps eval
[
  ka(1, body => "ok kept-1\n", claims => { jti => 'kept-1' }),
  ka(2, code => 401, claims => { jti => 'gone-1' }),
  # a new list (another size: another ETag, not a 304), slow
  put('revoked.json', rlist(jti => { 'gone-2' => time + 3600,
                                     'gone-3' => time + 3600 })),
  put('issuer-slow'),
  sleep_s(1.2),
  ka(3, body => "ok gone-2\n", claims => { jti => 'gone-2' }),  # starts it
  ka(4, code => 401, claims => { jti => 'gone-1' }),  # at once, old list
  fetches('/revoked.json 200'),       # the refresh has not ended
  sleep_s(3),
  fetches('/revoked.json 200', '/revoked.json 200'),
  ka(5, body => "ok gone-1\n", claims => { jti => 'gone-1' }),
  ka(6, code => 401, claims => { jti => 'gone-2' }),
]
--- no_error_log
[error]
--- timeout: 10



=== TEST 3: a background refresh through a fetch location that does not buffer (proxy_buffering off, or an issuer's X-Accel-Buffering: no) ends well: the fetch's own connection is no TCP socket to set options on
--- config
    location = /_jwks_unbuffered {
        internal;
        proxy_buffering off;
        proxy_read_timeout 5s;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/.well-known/jwks.json;
    }
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks_unbuffered;
        auth_jwt_key_cache   1s;
        add_header           X-Requests $connection_requests always;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  ka(1, body => "ok rsa1\n"),     # cold: waits for its fetch
  put('.well-known/jwks.json', jwks('rsa12')),
  sleep_s(1.2),
  ka(2, body => "ok rsa1\n"),     # stale: the refresh starts
  sleep_s(0.5),
  fetches('/.well-known/jwks.json 200', '/.well-known/jwks.json 200'),
  ka(3, body => "ok rsa2\n", key => 'rsa2', kid => 'rsa2'),
]
--- grep_error_log eval
qr/auth_jwt_key_request "[^"]*": (?:fetch failed: [^,]+|\d+ keys, generation \d+)/
--- grep_error_log_out
auth_jwt_key_request "/_jwks_unbuffered": 1 keys, generation 1
auth_jwt_key_request "/_jwks_unbuffered": 2 keys, generation 2
--- no_error_log
[error]
[alert]
--- timeout: 10



=== TEST 4: limit_req and limit_conn on the fetch location do not hold a background refresh (a fetch is no client request: it is neither delayed nor refused)
--- http_config
    limit_req_zone  $server_name zone=fetches:1m rate=6r/m;
    limit_conn_zone $server_name zone=fetchconn:1m;
--- config
    location = /_jwks_limited {
        internal;
        limit_req  zone=fetches burst=5;
        limit_conn fetchconn 1;
        proxy_read_timeout 5s;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/.well-known/jwks.json;
    }
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /_jwks_limited;
        auth_jwt_key_cache   1s;
        add_header           X-Requests $connection_requests always;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  ka(1, body => "ok rsa1\n"),     # cold: waits for its fetch
  put('.well-known/jwks.json', jwks('rsa12')),
  sleep_s(1.2),
  ka(2, body => "ok rsa1\n"),     # stale: the refresh starts
  sleep_s(0.5),
  fetches('/.well-known/jwks.json 200', '/.well-known/jwks.json 200'),
  ka(3, body => "ok rsa2\n", key => 'rsa2', kid => 'rsa2'),
]
--- grep_error_log eval
qr/auth_jwt_key_request "[^"]*": (?:fetch failed: [^,]+|\d+ keys, generation \d+)/
--- grep_error_log_out
auth_jwt_key_request "/_jwks_limited": 1 keys, generation 1
auth_jwt_key_request "/_jwks_limited": 2 keys, generation 2
--- no_error_log
[error]
[alert]
--- timeout: 10
