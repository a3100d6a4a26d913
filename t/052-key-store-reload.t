# The key store survives a reload (SIGHUP) and a killed worker: the keys
# stay in the shared zone, valid tokens still pass and the issuer is not
# asked again (docs/KEYSTORE.md).
#
# A plain Test::More script, like t/005-conf-examples.t: it runs its own
# nginx (master and two workers, TEST_NGINX_BINARY with the module of
# TEST_NGINX_LOAD_MODULES) in a temporary prefix, with a gateway and an
# issuer server on free 127.0.0.1 ports.  The issuer's access log counts
# the fetches.  Every wait has a deadline; only the nginx this script
# started (and, by its pid, one of that nginx's workers) gets a signal.

use strict;
use warnings;
use Test::More;
use File::Spec;
use IO::Socket::INET;
use IO::Select;
use POSIX ();
use Time::HiRes ();
use lib 't/lib';
use JWTGate::Token;
use JWTGate::Reload qw($prefix $gw $issuer $master spew slurp start_nginx
                       stop_nginx workers_of wait_for http_get);

my $nginx = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
my ($module) = split ' ', ($ENV{TEST_NGINX_LOAD_MODULES} || '');
plan skip_all => 'TEST_NGINX_LOAD_MODULES names no module' unless $module;
plan skip_all => "no /proc here" unless -d "/proc/$$";
$module = File::Spec->rel2abs($module);

$SIG{PIPE} = 'IGNORE';

# the prefix; the gateway's and the issuer's ports: free ones in this
# file's slot (TEST_NGINX_PORT + 1 on: tools/prove-slot.sh)
JWTGate::Reload::setup('052', qw(conf html html/.well-known logs));

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
worker_processes 2;
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
        }
    }

    server {
        # reuseport: connections spread over both workers
        listen 127.0.0.1:$gw reuseport;

        location /api {
            auth_jwt             "test";
            auth_jwt_key_request /_jwks;
            return 200 "ok \$pid\\n";
        }
        location = /_jwks {
            internal;
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
# our nginx

# (JWTGate::Reload: start_nginx, stop_nginx, workers_of, wait_for,
# http_get)

# auth_jwt_status's counters: (verified, bad_signature, fetches_ok)
sub counters {
    my (undef, $body) = http_get('/status');
    my ($v) = $body =~ /"verified":(\d+)/;
    my ($b) = $body =~ /"bad_signature":(\d+)/;
    my ($f) = $body =~ /"fetches_ok":(\d+)/;
    return ($v // -1, $b // -1, $f // -1);
}

sub fetch_count {
    my @l = grep { /^fetch / } split /\n/, slurp("$prefix/logs/fetch.log");
    return scalar @l;
}

sub generation_lines {
    return scalar(() = slurp("$prefix/logs/error.log")
                      =~ /auth_jwt_key_request "\/_jwks": \d+ keys, generation \d+/g);
}

# $n requests with a valid token: how many passed, and the pids that
# answered (the body is "ok <pid>").
sub valid_requests {
    my ($n) = @_;
    my $ok = 0;
    my (%pids, @bad);
    for (1 .. $n) {
        my ($st, $body) = http_get('/api', jwt());
        if ($st eq '200' && $body =~ /^ok (\d+)$/) {
            $ok++;
            $pids{$1}++;
        } else {
            push @bad, "$st $body";
        }
    }
    diag "failed requests:\n" . join("\n", @bad[0 .. ($#bad < 4 ? $#bad : 4)])
        if @bad;
    return ($ok, \%pids);
}

# ---------------------------------------------------------------------------

$master = start_nginx();
my @w0 = ();
ok(wait_for(10, 'nginx to listen with two workers', sub {
       @w0 = workers_of($master);
       return 0 unless @w0 == 2;
       my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $gw, Proto => 'tcp',
                                     Timeout => 0.2);
       return $s ? 1 : 0;
   }), "nginx runs: master $master, workers @w0")
    or BAIL_OUT("nginx did not start:\n" . slurp("$prefix/logs/stderr")
                . slurp("$prefix/logs/error.log"));

# 1. the keys are fetched once, both workers verify tokens with them
{
    my ($ok, $pids) = valid_requests(16);
    is($ok, 16, 'valid tokens pass before the reload');
    ok(scalar(keys %$pids) >= 2, 'both workers answered')
        or diag "pids: @{[ sort keys %$pids ]}";
    is(fetch_count(), 1, 'one fetch for both workers');
    my ($st) = http_get('/api', tamper_sig(jwt()));
    is($st, '401', 'a forged token is refused');
    is_deeply([counters()], [16, 1, 1],
              'the counters, summed over both workers: 16 verified, '
              . '1 bad signature, 1 fetch');
}

# 2. reload with a changed configuration: new workers, same zone
spew("$prefix/conf/nginx.conf", conf(<<'EXTRA'));
        location = /reloaded {
            return 200 "reloaded\n";
        }
EXTRA
kill 'HUP', $master;
my @w1;
ok(wait_for(10, 'the new workers of the reload', sub {
       @w1 = workers_of($master);
       return 0 unless @w1 == 2;
       my %old = map { $_ => 1 } @w0;
       return 0 if grep { $old{$_} } @w1;
       return 0 if grep { kill 0, $_ } @w0;          # old ones gone
       my ($st) = http_get('/reloaded');
       return $st eq '200';
   }), "reloaded: workers @w0 replaced by @w1");

{
    my ($ok, $pids) = valid_requests(16);
    is($ok, 16, 'valid tokens pass after the reload');
    my %new = map { $_ => 1 } @w1;
    ok(!(grep { !$new{$_} } keys %$pids), 'answered by the new workers')
        or diag "pids: @{[ sort keys %$pids ]}, new workers: @w1";
    ok(scalar(keys %$pids) >= 2, 'both new workers answered')
        or diag "pids: @{[ sort keys %$pids ]}";
    is(fetch_count(), 1, 'no fetch after the reload: the keys were in the zone');
    is_deeply([counters()], [32, 1, 1],
              'the counters survive the reload and go on');
}

# 3. a worker killed: the master starts another one, which uses the zone
my $victim = $w1[0];
kill 'KILL', $victim;
my @w2;
ok(wait_for(10, 'the replacement of the killed worker', sub {
       return 0 if kill 0, $victim;
       @w2 = workers_of($master);
       return 0 unless @w2 == 2;
       return 0 if grep { $_ == $victim } @w2;
       return 1;
   }), "worker $victim killed, workers now @w2");

{
    my %before = map { $_ => 1 } @w1;
    my ($fresh) = grep { !$before{$_} } @w2;
    my ($ok, $pids) = valid_requests(16);
    is($ok, 16, 'valid tokens pass after a worker was killed');
    ok($fresh && $pids->{$fresh}, "the new worker ($fresh) answered too")
        or diag "pids: @{[ sort keys %$pids ]}";
    is(fetch_count(), 1, 'no fetch after a worker was killed');
    is_deeply([counters()], [48, 1, 1],
              'the counters survive a killed worker');
}

is(generation_lines(), 1, 'the key set was fetched and stored once')
    or diag join "\n", grep { /auth_jwt/ } split /\n/, slurp("$prefix/logs/error.log");
my @crit = grep { /\[(?:crit|emerg)\]/ || (/\[alert\]/ && !/exited on signal 9\b/) }
           split /\n/, slurp("$prefix/logs/error.log");
is_deeply(\@crit, [], 'no alert but the killed worker, no crit, no emerg');

is(stop_nginx(), 'QUIT', 'nginx stops on SIGQUIT');

done_testing();
