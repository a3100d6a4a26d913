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
use JWTGate::Steps qw(steps_to_block user_files_list);
use JSON::PP ();
use POSIX ();

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

use JWTGate::Ports qw(free_port);
{
    my $sp = server_port();
    $ENV{TEST_NGINX_ISSUER_PORT} ||= free_port($sp + 1, $sp);
}

# ---------------------------------------------------------------------------
# steps: each function returns one step hash, or a list of them

sub data_file {
    my ($name) = @_;
    my $path = JWTGate::Token::data_dir() . "/$name";
    open my $fh, '<:raw', $path or die "$path: $!";
    local $/;
    return scalar <$fh>;
}

sub jwks { data_file("jwks-$_[0].json") }

# api(%o): GET <uri> with a token.  %o: uri (/api), code (200), body, like,
# hlike (response_headers_like lines), and anything else goes to jwt().
sub api {
    my %o = @_;
    my $uri  = delete $o{uri}  // '/api';
    my $code = delete $o{code} // 200;
    my $body = delete $o{body};
    my $like = delete $o{like};
    my $hl   = delete $o{hlike};
    return { request => "GET $uri", headers => "Authorization: Bearer "
             . jwt(%o), code => $code, body => $body, like => $like,
             hlike => $hl };
}

# ka($n, %o): api() through the keep-alive upstream: the $n-th request of
# its connection, which stays open (keep-alive).
sub ka {
    my ($n, %o) = @_;
    return api(%o, uri => '/ka' . ($o{uri} // '/api'),
               hlike => "X-Gw-Connection: keep-alive\nX-Requests: $n");
}

# put($name, $content): the issuer's html/$name replaced (201 or 204).
sub put {
    my ($name, $content) = @_;
    $content = 'x' unless defined $content && length $content;
    return { request => "PUT /issuer/$name\n$content", code_like => '^20[14]$',
             body => '' };
}

# sleep_s($s): at least $s seconds pass before the next step.
sub sleep_s {
    my ($s) = @_;
    my $n = POSIX::ceil($s / 0.1) + 1;
    return map { { request => "GET /tick", code => 200 } } 1 .. $n;
}

# fetches(@what): the issuer's fetch log is exactly these "URI STATUS".
sub fetches {
    my $body = join '', map { "fetch $_\n" } @_;
    return { request => "GET /fetches", code => 200, body => $body };
}

# rlist(%lists): a revocation list; padded to some 500 bytes, so that a
# slow issuer takes 2 s or more for it
sub rlist {
    my %o = @_;
    $o{jti} = { %{ $o{jti} // {} },
                map { ("padding-$_" => time + 3600) } 1 .. 20 };
    return JSON::PP->new->canonical->encode(\%o);
}

for my $f (qw(data_file jwks api ka put sleep_s fetches rlist)) {
    no strict 'refs';
    *{"Test::Base::Filter::$f"} = \&{"main::$f"};
}

# ---------------------------------------------------------------------------
# the issuer, and the gateway's own locations

my $ISSUER = <<'CONF';
    log_format fetch 'fetch $uri $status';
    limit_req_zone $binary_remote_addr zone=tick:1m rate=10r/s;
    limit_req_log_level info;

    upstream gateway_ka {
        server 127.0.0.1:$TEST_NGINX_SERVER_PORT;
        keepalive 4;
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_ISSUER_PORT;
        server_name issuer;
        root html;
        access_log off;
        types {
            application/json json;
        }

        location ~ \.json$ {
            access_log logs/fetch.log fetch;
            if (-f $TEST_NGINX_SERVER_ROOT/html/issuer-slow) {
                limit_rate 200;
            }
        }

        location ^~ /dav/ {
            alias html/;
            dav_methods PUT DELETE;
            create_full_put_path on;
        }
    }
CONF

my $GATEWAY = <<'CONF';
    location /ka/ {
        proxy_pass http://gateway_ka/;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_read_timeout 10s;
        add_header X-Gw-Connection $upstream_http_connection always;
    }
    location = /_jwks {
        internal;
        proxy_read_timeout 5s;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/.well-known/jwks.json;
    }
    location = /_revoked {
        internal;
        proxy_read_timeout 5s;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/revoked.json;
    }
    location /issuer/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/dav/;
    }
    location = /fetches {
        alias logs/fetch.log;
    }
    location = /tick {
        limit_req zone=tick burst=5;
        empty_gif;
    }
CONF

add_block_preprocessor(sub {
    my $block = shift;

    my @files = ([ '.well-known/jwks.json', jwks('rsa1') ]);
    push @files, [ 'revoked.json', $block->rlist ] if defined $block->rlist;
    $block->set_value('user_files', \@files);

    $block->set_value('http_config',
                      $ISSUER . ($block->http_config // ''));
    $block->set_value('config', $GATEWAY . ($block->config // ''));

    steps_to_block($block, scalar $block->steps);
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
