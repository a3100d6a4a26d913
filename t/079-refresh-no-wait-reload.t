# Issue 17: a background refresh belongs to no client (t/079-refresh-no-
# wait.t); here, what happens to one that runs when its worker stops.
#
# Its request and connection are its own: an idle connection, which a
# worker that shuts down gracefully (reload, SIGQUIT) closes at once.  The
# fetch is abandoned (logged at info, the lock let go, the next try a
# second later), and the worker exits without waiting for a slow issuer
# and without an open socket left.  The keys stay in the zone; the next
# workers refresh them.
#
# A plain Test::More script, like t/052-key-store-reload.t: it runs its
# own nginx (master and one worker, TEST_NGINX_BINARY with the module of
# TEST_NGINX_LOAD_MODULES) in a temporary prefix, with a gateway and an
# issuer server on free 127.0.0.1 ports of the file's slot (its nginx,
# ports and requests: JWTGate::Reload).  The issuer sends its key set at
# 20 bytes a second while html/slow exists: a fetch takes half a minute.
# Every wait has a deadline; only the nginx this script started gets a
# signal.

use strict;
use warnings;
use Test::More;
use File::Spec;
use IO::Socket::INET;
use Time::HiRes ();
use lib 't/lib';
use JWTGate::Token;
use JWTGate::Reload qw($prefix $gw $issuer $master spew slurp start_nginx
                       stop_nginx workers_of wait_for http_get);

my ($module) = split ' ', ($ENV{TEST_NGINX_LOAD_MODULES} || '');
plan skip_all => 'TEST_NGINX_LOAD_MODULES names no module' unless $module;
plan skip_all => "no /proc here" unless -d "/proc/$$";
$module = File::Spec->rel2abs($module);

$SIG{PIPE} = 'IGNORE';

JWTGate::Reload::setup('079', qw(conf html html/.well-known logs));

{
    my $src = JWTGate::Token::data_dir() . '/jwks-rsa1.json';
    spew("$prefix/html/.well-known/jwks.json", slurp($src));
}

sub conf {
    my ($extra) = @_;
    $extra //= '';
    my $user = $> == 0 ? 'user root;' : '';
    return <<"CONF";
load_module $module;
worker_processes 1;
master_process on;
daemon off;
$user
pid $prefix/logs/nginx.pid;
error_log $prefix/logs/error.log info;

events {
    worker_connections 64;
}

http {
    access_log off;
    log_format fetch 'fetch \$uri \$status';

    server {
        listen 127.0.0.1:$issuer;
        root html;
        location = /.well-known/jwks.json {
            access_log logs/fetch.log fetch;
            if (-f $prefix/html/slow) {
                limit_rate 20;
            }
        }
    }

    server {
        listen 127.0.0.1:$gw;

        location /api {
            auth_jwt             "test";
            auth_jwt_key_request /_jwks;
            auth_jwt_key_cache   1s;
            return 200 "ok \$pid\\n";
        }
        location = /_jwks {
            internal;
            proxy_read_timeout 60s;
            proxy_pass http://127.0.0.1:$issuer/.well-known/jwks.json;
        }
        location = /status {
            auth_jwt_status;
        }
$extra
    }
}
CONF
}

spew("$prefix/conf/nginx.conf", conf());

# ---------------------------------------------------------------------------

sub fetches_ok {
    my (undef, $body) = http_get('/status');
    my ($f) = $body =~ /"fetches_ok":(\d+)/;
    return $f // -1;
}

sub abandoned {
    return scalar(() = slurp("$prefix/logs/error.log")
                      =~ /auth_jwt: the fetch of "\/_jwks" is abandoned, the worker shuts down/g);
}

# a refresh that takes half a minute starts: the keys are stale, the
# issuer is slow
sub start_slow_refresh {
    spew("$prefix/html/slow", "x");
    Time::HiRes::sleep(1.2);
    my ($st, $body) = http_get('/api', jwt());
    return $st eq '200' ? $body : "$st $body";
}

sub clean_log {
    my @bad = grep { /\[(?:alert|crit|emerg)\]/ || /open socket/ }
              split /\n/, slurp("$prefix/logs/error.log");
    return \@bad;
}

# ---------------------------------------------------------------------------

$master = start_nginx();
my @w0;
ok(wait_for(10, 'nginx to listen', sub {
       @w0 = workers_of($master);
       return 0 unless @w0 == 1;
       my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $gw, Proto => 'tcp',
                                     Timeout => 0.2);
       return $s ? 1 : 0;
   }), "nginx runs: master $master, worker @w0")
    or BAIL_OUT("nginx did not start:\n" . slurp("$prefix/logs/stderr")
                . slurp("$prefix/logs/error.log"));

# 1. cold start: keys fetched
{
    my ($st, $body) = http_get('/api', jwt());
    is("$st $body", "200 ok $w0[0]\n", 'cold start: the keys are fetched');
    is(fetches_ok(), 1, 'one fetch');
}

# 2. a slow refresh runs; a reload: the old worker does not wait for it
is(start_slow_refresh(), "ok $w0[0]\n", 'stale keys: the refresh starts, '
   . 'the request passes at once');

my $t0 = Time::HiRes::time();
spew("$prefix/conf/nginx.conf", conf(<<'EXTRA'));
        location = /reloaded {
            return 200 "reloaded\n";
        }
EXTRA
kill 'HUP', $master;
my @w1;
ok(wait_for(10, 'the old worker to exit', sub {
       return 0 if kill 0, $w0[0];
       @w1 = workers_of($master);
       return @w1 == 1;
   }), "reloaded: worker @w0 replaced by @w1");
my $took = Time::HiRes::time() - $t0;
ok($took < 5, sprintf('the old worker exited in %.1f s, not after the '
                      . 'half-minute fetch', $took));
is(abandoned(), 1, 'its fetch is abandoned, logged at info');
is_deeply(clean_log(), [], 'no open socket left, no alert, crit, emerg');

# 3. the new worker has the keys and refreshes them, once the pause of the
# abandoned fetch is over
unlink "$prefix/html/slow";
{
    my ($st, $body) = http_get('/api', jwt());
    is("$st $body", "200 ok $w1[0]\n", 'the new worker has the keys');
    ok(wait_for(10, 'a refresh by the new worker', sub {
           Time::HiRes::sleep(0.2);
           http_get('/api', jwt());
           return fetches_ok() == 2;
       }), 'the new worker refreshes the keys');
}

# 4. SIGQUIT while a slow refresh runs: nginx stops at once
is(start_slow_refresh(), "ok $w1[0]\n", 'another slow refresh starts');
$t0 = Time::HiRes::time();
is(stop_nginx(), 'QUIT', 'nginx stops on SIGQUIT');
$took = Time::HiRes::time() - $t0;
ok($took < 4, sprintf('in %.1f s, not after the half-minute fetch', $took));
is(abandoned(), 2, 'that fetch is abandoned too');
is_deeply(clean_log(), [], 'no open socket left, no alert, crit, emerg');

done_testing();
