package JWTGate::IssuerServer;

# The key store's issuer as a second server {} of the same nginx, for the
# suites that fetch keys or lists from it (t/050-key-request.t,
# t/057-key-rotation-same-kid.t, t/058-key-source-variables.t,
# t/075-revocation.t, t/079-refresh-no-wait.t).  Not the issuer binary:
# that is JWTGate::Issuer.  t/051-key-file-change.t has no issuer: it
# takes the ports, the step makers and issuer_block() only, its WebDAV on
# the gateway itself (dav_uri('/files/')).
#
# The issuer (issuer_conf(), port $TEST_NGINX_ISSUER_PORT) serves the
# files of html/ (user_files): every fetch of a .json is a line
# "fetch <uri> <status>" of logs/fetch.log, read back at the gateway's
# GET /fetches.  Its state changes in the middle of a block through WebDAV
# on the issuer (the gateway's /issuer/NAME is the issuer's /dav/NAME,
# html/NAME):
#   PUT    /issuer/.well-known/jwks.json   a new key set (rotation, garbage)
#   PUT    /issuer/issuer-500              the issuer answers 500
#   PUT    /issuer/issuer-close            the issuer closes without answering
#   PUT    /issuer/issuer-slow             the issuer sends 1 byte a second
#   PUT    /issuer/issuer-down             the gateway's /_jwks goes to a port
#                                          where nothing listens
#   PUT    /issuer/issuer-xar              the issuer's answers carry
#                                          X-Accel-Redirect: /metrics
#   DELETE /issuer/<marker>                back to normal
# GET /tick goes through limit_req at 10 r/s, so a run of n ticks takes at
# least (n - 1) / 10 s: that is how a block sleeps (sleep_s()).
#
# A block lists its requests as "--- steps eval": step hashes made by the
# functions below (JWTGate::Steps); issuer_block() turns them into
# request, more_headers, error_code, response_body... arrays.  With
# "--- keepalive: 1" they are pipelined_requests instead: every step on
# one keep-alive connection.

use strict;
use warnings;

use Exporter 'import';
use POSIX ();

use JWTGate::Ports qw(free_port);
use JWTGate::Steps qw(steps_to_block user_files_list);
use JWTGate::Token ();

our @EXPORT_OK = qw(issuer_ports suite_ports dav_uri data_file jwks api put
                    del sleep_s settle fetches_of fetches_like log_like
                    two_pids_200 filters issuer_conf gateway_conf vhost_conf
                    jwks_conf dav_conf fetches_tick_conf issuer_block);

# ---------------------------------------------------------------------------
# ports

# issuer_ports($server_port, @names): TEST_NGINX_ISSUER_PORT, then
# TEST_NGINX_<name>_PORT for each name (GW2: a second gateway, DOWN: a port
# left unused, the issuer "down"; VHOST: a block's second server {}), each
# the first free port above the one before, unless already set.
sub issuer_ports {
    my ($sp, @names) = @_;
    suite_ports($sp, 'ISSUER', @names);
}

# suite_ports($server_port, @names): the same without the issuer's
sub suite_ports {
    my ($sp, @names) = @_;
    my @taken = ($sp);
    my $prev = $sp;
    for my $name (@names) {
        my $var = "TEST_NGINX_${name}_PORT";
        $ENV{$var} ||= free_port($prev + 1, @taken);
        push @taken, $ENV{$var};
        $prev = $ENV{$var};
    }
}

# ---------------------------------------------------------------------------
# steps: each function returns one step hash, or a list of them

# put() and del() go to $DAV_URI<name>: the gateway's /issuer/ (the
# issuer's WebDAV) unless dav_uri() names another location
my $DAV_URI = '/issuer/';

sub dav_uri { $DAV_URI = $_[0] }

sub data_file {
    my ($name) = @_;
    my $path = JWTGate::Token::data_dir() . "/$name";
    open my $fh, '<:raw', $path or die "$path: $!";
    local $/;
    return scalar <$fh>;
}

sub jwks { data_file("jwks-$_[0].json") }

# api(%o): GET <uri> with a token.  %o: uri (/api), code (200), code_like
# (a pattern of the status, instead of code), body, like (regex of the
# body), why (the body is "why=<why>\n": the reason of a 401 from an
# error page), hlike (response_headers_like), token (the exact
# Authorization value's token; undef: no Authorization header), host (set:
# to the block's second server {}, through /vhost/), and anything else
# goes to jwt() (key, kid, claims, ...).
sub api {
    my %o = @_;
    my $uri  = delete $o{uri}  // '/api';
    my $code = delete $o{code} // 200;
    my $body = delete $o{body};
    my $like = delete $o{like};
    my $hl   = delete $o{hlike};
    my $cl   = delete $o{code_like};
    my $host = delete $o{host};
    my $why  = delete $o{why};
    $body = "why=$why\n" if defined $why;
    my $headers;
    if (exists $o{token}) {
        my $t = delete $o{token};
        $headers = defined $t ? "Authorization: Bearer $t" : "X-No-Token: 1";
    } else {
        $headers = "Authorization: Bearer " . JWTGate::Token::jwt(%o);
    }
    # another virtual host: the block's second server {} (see /vhost/)
    $uri = "/vhost$uri" if defined $host;
    return { request => "GET $uri", headers => $headers,
             code => (defined $cl ? undef : $code), code_like => $cl,
             body => $body, like => $like, hlike => $hl };
}

# put($name, $content): the issuer's html/$name replaced (201 or 204).
sub put {
    my ($name, $content) = @_;
    $content = 'x' unless defined $content && length $content;
    return { request => "PUT $DAV_URI$name\n$content",
             code_like => '^20[14]$', body => '' };
}

# del($name): the issuer's html/$name removed.
sub del {
    my ($name) = @_;
    return { request => "DELETE $DAV_URI$name", code => 204 };
}

# sleep_s($s): at least $s seconds pass before the next step.
sub sleep_s {
    my ($s) = @_;
    my $n = POSIX::ceil($s / 0.1) + 1;
    return map { { request => "GET /tick", code => 200 } } 1 .. $n;
}

# settle(): background fetches end and their log lines land.
sub settle { sleep_s(0.2) }

# fetches_of($uri, @what): the issuer's fetch log is exactly these lines;
# each item is "URI STATUS", or a status of $uri when $uri is defined.
sub fetches_of {
    my ($uri, @what) = @_;
    my $body = join '', map {
        /\s/ || !defined $uri ? "fetch $_\n" : "fetch $uri $_\n"
    } @what;
    return { request => "GET /fetches", code => 200, body => $body };
}

# fetches_like($regex): the fetch log matches.
sub fetches_like {
    my ($re) = @_;
    return { request => "GET /fetches", code => 200, like => $re };
}

# log_like($uri, $regex): a log file (aliased at $uri) matches.
sub log_like {
    my ($uri, $re) = @_;
    return { request => "GET $uri", code => 200, like => $re };
}

# A log of "<pid> <status>" lines: exactly $n lines of status 200, at least
# two pids (both workers served).
sub two_pids_200 {
    my ($n) = @_;
    return qr/\A(?=(?:\d+ 200\n){$n}\z)(\d+) 200\n(?:\d+ 200\n)*?(?!\1 )\d+ 200\n/;
}

# filters(@names): the caller's functions of these names callable in a
# block's "--- steps eval"
sub filters {
    my $caller = caller;
    no strict 'refs';
    for my $f (@_) {
        *{"Test::Base::Filter::$f"} = \&{"${caller}::$f"};
    }
}

# ---------------------------------------------------------------------------
# the issuer, and the gateway's own locations

# the issuer's http{} part: its zones and log format, $http, then its
# server {}; issuer_conf() assembles it
my $ISSUER_ZONES = <<'CONF';
    log_format fetch 'fetch $uri $status';
    limit_req_zone $binary_remote_addr zone=tick:1m rate=10r/s;
CONF

my $DELAY_ZONE = <<'CONF';
    limit_req_zone $binary_remote_addr zone=issuer_delay:1m rate=1r/s;
CONF

my $ISSUER_HEAD = <<'CONF';
    limit_req_log_level info;

CONF

my $SERVER_HEAD = <<'CONF';
    server {
        listen 127.0.0.1:$TEST_NGINX_ISSUER_PORT;
        server_name issuer;
        root html;
        access_log off;
        types {
            application/json json;
        }
CONF

my $IMS = <<'CONF';
        if_modified_since before;   # a future If-Modified-Since gets 304
CONF

# the markers' if {} of the .json location (%1 : the issuer-slow rate)
my %MARKER = (
    500 => <<'CONF',
            if (-f $TEST_NGINX_SERVER_ROOT/html/issuer-500) {
                return 500;
            }
CONF
    close => <<'CONF',
            if (-f $TEST_NGINX_SERVER_ROOT/html/issuer-close) {
                return 444;
            }
CONF
    slow => <<'CONF',
            if (-f $TEST_NGINX_SERVER_ROOT/html/issuer-slow) {
                limit_rate %1;
            }
CONF
    xar => <<'CONF',
            if (-f $TEST_NGINX_SERVER_ROOT/html/issuer-xar) {
                add_header X-Accel-Redirect /metrics;
            }
CONF
);

my $DELAYED = <<'CONF';

        # the key set at about 200 bytes a second: 2 s or more
        location = /slow.json {
            access_log logs/fetch.log fetch;
            limit_rate 200;
            alias html/.well-known/jwks.json;
        }

        # after a request to /prime, the next one to /delayed/ waits 1 s
        location = /prime {
            limit_req zone=issuer_delay burst=5;
            empty_gif;
        }
        location ^~ /delayed/ {
            access_log logs/fetch.log fetch;
            limit_req zone=issuer_delay burst=5;
            alias html/;
        }
CONF

my $ISSUER_DAV = <<'CONF';

        location ^~ /dav/ {
            alias html/;
            dav_methods PUT DELETE;
            create_full_put_path on;
        }
    }
CONF

my $VHOST = <<'CONF';
    # a block's own second server {} (another virtual host) listens on
    # TEST_NGINX_VHOST_PORT, not on the server port: the real Test::Nginx's
    # server listens on *:port, where a server {} on 127.0.0.1:port would
    # take every connection.  GET /vhost/URI reaches it as GET /URI.
    # So these hosts differ by address as well as by name; two hosts that
    # differ by name only: t/078-vhost-names.t.
    location /vhost/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_VHOST_PORT/;
    }
CONF

my $JWKS = <<'CONF';
    location = /_jwks {
        internal;
        proxy_read_timeout %T;
CONF

my $JWKS_DOWN = <<'CONF';
        if (-f $TEST_NGINX_SERVER_ROOT/html/issuer-down) {
            proxy_pass http://127.0.0.1:$TEST_NGINX_DOWN_PORT;
        }
CONF

my $JWKS_PASS = <<'CONF';
        proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/.well-known/jwks.json;
    }
CONF

my $DAV = <<'CONF';
    location /issuer/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/dav/;
    }
CONF

my $FETCHES_TICK = <<'CONF';
    location = /fetches {
        alias logs/fetch.log;
    }
    location = /tick {
        limit_req zone=tick burst=5;
        empty_gif;
    }
CONF

# issuer_conf(%o): the issuer's server {} and the zones of the gateway's
# /tick (http{}).  %o: markers (the files its .json answers look at:
# [qw(500 close slow xar)] by default), slow_rate (issuer-slow's
# limit_rate, 1), full (1: the issuer_delay zone, if_modified_since
# before, /slow.json, /prime and /delayed/; 0: none of them), http (text
# of the block's http{} before the issuer's server {})
sub issuer_conf {
    my %o = @_;
    my $full = $o{full} // 1;
    my $rate = $o{slow_rate} // 1;
    my $json = "\n        location ~ \\.json\$ {\n"
             . "            access_log logs/fetch.log fetch;\n";
    for my $m (@{ $o{markers} // [qw(500 close slow xar)] }) {
        die "issuer_conf: no marker '$m'" unless exists $MARKER{$m};
        (my $if = $MARKER{$m}) =~ s/%1/$rate/;
        $json .= $if;
    }
    $json .= "        }\n";
    return $ISSUER_ZONES . ($full ? $DELAY_ZONE : '') . $ISSUER_HEAD
         . ($o{http} // '') . $SERVER_HEAD . ($full ? $IMS : '') . $json
         . ($full ? $DELAYED : '') . $ISSUER_DAV;
}

# jwks_conf(%o): the gateway's /_jwks, the issuer's /.well-known/jwks.json.
# %o: timeout (proxy_read_timeout, 500ms), down (1: the "down" port while
# html/issuer-down exists; 0: not)
sub jwks_conf {
    my %o = @_;
    (my $head = $JWKS) =~ s/%T/$o{timeout} \/\/ '500ms'/e;
    return $head . (($o{down} // 1) ? $JWKS_DOWN : '') . $JWKS_PASS;
}

# the gateway's locations: /vhost/, /_jwks (the issuer's
# /.well-known/jwks.json, or the "down" port), $more, /issuer/ (WebDAV),
# /fetches, /tick
sub gateway_conf {
    $VHOST . jwks_conf() . ($_[0] // '') . $DAV . $FETCHES_TICK
}

# only /vhost/; only /issuer/; only /fetches and /tick
sub vhost_conf { $VHOST }
sub dav_conf { $DAV }
sub fetches_tick_conf { $FETCHES_TICK }

# issuer_block($block, $http, $config, @files): in a block preprocessor,
# the issuer's files (@files: [name, content] pairs), then the block's own
# user_files; $http and $config before the block's http_config and config;
# the steps ("--- keepalive: 1": pipelined).
sub issuer_block {
    my ($block, $http, $config, @files) = @_;
    if (defined(my $uf = $block->user_files)) {
        push @files, user_files_list($uf);
    }
    $block->set_value('user_files', \@files);

    $block->set_value('http_config', $http . ($block->http_config // ''));
    $block->set_value('config', $config . ($block->config // ''));

    steps_to_block($block, scalar $block->steps,
                   pipelined => scalar $block->keepalive);
}

1;
