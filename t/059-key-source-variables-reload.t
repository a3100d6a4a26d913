# Key request URIs with variables across reloads (docs/KEYSTORE.md): a
# configuration that keeps the template keeps its expansions' entries and
# keys (nothing is fetched again); one that drops the template frees the
# template's entry and those of all its expansions.
#
# A plain Test::More script, like t/054-key-zone-reload.t (whose helpers
# it repeats): its own nginx, master and two workers.

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
# nginx may hold a connection for a background fetch: read the answer
# up to its Content-Length
$JWTGate::Reload::UNTIL_LENGTH = 1;

my $nginx = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
my ($module) = split ' ', ($ENV{TEST_NGINX_LOAD_MODULES} || '');
plan skip_all => 'TEST_NGINX_LOAD_MODULES names no module' unless $module;
plan skip_all => "no /proc here" unless -d "/proc/$$";
$module = File::Spec->rel2abs($module);

$SIG{PIPE} = 'IGNORE';

# the prefix; the gateway's and the issuer's ports: free ones in this
# file's slot (TEST_NGINX_PORT + 1 on: tools/prove-slot.sh)
JWTGate::Reload::setup('059', qw(conf html html/t logs));

{
    my $d = JWTGate::Token::data_dir();
    spew("$prefix/html/t/acme", slurp("$d/jwks-rsa1.json"));
    spew("$prefix/html/t/globex", slurp("$d/jwks-rsa2.json"));
}

# configuration $n: the template is /_jwks/$arg_t, or /_jwks_$tpl/$arg_t;
# %o: workers (2), max (max_uris=, 4), cache (auth_jwt_key_cache, 5m)
sub conf {
    my ($n, $tpl, %o) = @_;
    my $user = $> == 0 ? 'user root;' : '';
    my $uri = $tpl ? "/_jwks_$tpl/" : '/_jwks/';
    my $workers = $o{workers} // 2;
    my $max = $o{max} // 4;
    my $cache = $o{cache} // '5m';
    return <<"CONF";
load_module $module;
worker_processes $workers;
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
        location /t/ {
            access_log logs/fetch.log fetch;
        }
        # acme's key set at 100 bytes a second (about 4 s) while
        # html/slow exists
        location = /t/acme {
            access_log logs/fetch.log fetch;
            if (-f $prefix/html/slow) {
                limit_rate 100;
            }
        }
    }

    server {
        listen 127.0.0.1:$gw reuseport;
        server_name gw;

        location /api {
            auth_jwt             "test";
            auth_jwt_key_request $uri\$arg_t max_uris=$max;
            auth_jwt_key_cache   $cache;
            return 200 "ok \$arg_t\\n";
        }
        location $uri {
            internal;
            proxy_pass http://127.0.0.1:$issuer/t/;
        }
        location = /status {
            auth_jwt_status;
        }
        location = /reload {
            return 200 "$n\\n";
        }
    }
}
CONF
}

# ---------------------------------------------------------------------------
# our nginx

# (JWTGate::Reload: start_nginx, stop_nginx, workers_of, wait_for,
# http_get)


# the zone, from auth_jwt_status: (entries, freed)
sub zone {
    my (undef, $body) = http_get('/status');
    my ($e) = $body =~ /"key_zone":\{[^}]*"entries":(\d+)/;
    my ($f) = $body =~ /"key_zone":\{[^}]*"freed":(\d+)/;
    return ($e // -1, $f // -1);
}

sub fetches_of {
    my ($t) = @_;
    return scalar grep { /^fetch \/t\/\Q$t\E 200$/ }
                  split /\n/, slurp("$prefix/logs/fetch.log");
}

# both tenants pass with their tokens, a few times (both workers)
sub tenants_pass {
    my ($what) = @_;
    my @bad;
    for (1 .. 3) {
        for my $t ([acme => 'rsa1'], [globex => 'rsa2']) {
            my ($st, $body) = http_get("/api?t=$t->[0]",
                                       jwt(key => $t->[1]));
            push @bad, "$t->[0]: $st $body"
                unless $st eq '200' && $body eq "ok $t->[0]\n";
        }
    }
    diag "$what:\n" . join("\n", @bad) if @bad;
    return !@bad;
}

sub reload_to {
    my ($n, $tpl, $old, %o) = @_;
    spew("$prefix/conf/nginx.conf", conf($n, $tpl, %o));
    kill 'HUP', $master;
    my @w;
    wait_for(10, "the workers of configuration $n", sub {
        @w = workers_of($master);
        return 0 unless @w == ($o{workers} // 2);
        my %old = map { $_ => 1 } @$old;
        return 0 if grep { $old{$_} } @w;
        return 0 if grep { kill 0, $_ } @$old;
        my ($st, $body) = http_get('/reload');
        return $st eq '200' && $body eq "$n\n";
    }) or return;
    return @w;
}

# ---------------------------------------------------------------------------

spew("$prefix/conf/nginx.conf", conf(0, ''));

$master = start_nginx();
my @w = ();
ok(wait_for(10, 'nginx to listen with two workers', sub {
       @w = workers_of($master);
       return 0 unless @w == 2;
       my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $gw, Proto => 'tcp',
                                     Timeout => 0.2);
       return $s ? 1 : 0;
   }), "nginx runs: master $master, workers @w")
    or BAIL_OUT("nginx did not start:\n" . slurp("$prefix/logs/stderr")
                . slurp("$prefix/logs/error.log"));

ok(tenants_pass('configuration 0'), 'configuration 0: both tenants pass');
is_deeply([zone()], [3, 0],
          'the template and its two expansions in the zone');
is_deeply([fetches_of('acme'), fetches_of('globex')], [1, 1],
          'one fetch per tenant');

@w = reload_to(1, '', \@w);
ok(scalar @w, 'reload 1: the same template');
ok(tenants_pass('configuration 1'), 'configuration 1: both tenants pass');
is_deeply([zone()], [3, 0], 'the entries stay');
is_deeply([fetches_of('acme'), fetches_of('globex')], [1, 1],
          'the keys stay: nothing fetched again');

@w = reload_to(2, 'v2', \@w);
ok(scalar @w, 'reload 2: the template renamed');
wait_for(5, 'the old entries freed', sub { (zone())[1] == 3 });
is_deeply([zone()], [1, 3],
          'the old template and its expansions freed, the new one made');
ok(tenants_pass('configuration 2'), 'configuration 2: both tenants pass');
is_deeply([zone()], [3, 3], 'the new template and its two expansions');
is_deeply([fetches_of('acme'), fetches_of('globex')], [2, 2],
          'the new sources fetched once each');
like(slurp("$prefix/logs/error.log"),
     qr/auth_jwt_keys zone: 3 key sets that no auth_jwt_key_request names any more freed/,
     'the freeing is logged');
# One worker, max_uris=1: a member pushed out of the worker while its
# background refresh runs stays until the fetch ends (run under ASan by
# tools/asan.sh: a use after free would be reported); in the zone, an
# entry being fetched is in use: a new uri waits (one fetch at a time).
my $lines0 = () = slurp("$prefix/logs/fetch.log") =~ /\n/g;
@w = reload_to(3, 'v3', \@w, workers => 1, max => 1, cache => '1s');
ok(scalar @w, 'reload 3: one worker, max_uris=1, key_cache 1s');

sub get_is {
    my ($t, $key, $code, $what) = @_;
    my ($st, $body) = http_get("/api?t=$t", jwt(key => $key));
    is($st, $code, $what);
    is($body, "ok $t\n", "$what: the body") if $code eq '200';
}

# the fetches of configuration 3
sub fetches3 {
    my @l = split /\n/, slurp("$prefix/logs/fetch.log");
    return join ' ', map { m{/t/(\w+) 200} ? $1 : $_ } @l[$lines0 .. $#l];
}

get_is('acme', 'rsa1', 200, 'acme: its keys fetched');
spew("$prefix/html/slow", 'x');
Time::HiRes::sleep(1.3);
get_is('acme', 'rsa1', 200, 'acme stale: answered at once, a slow refresh '
                            . 'runs');
Time::HiRes::sleep(1.3);
get_is('globex', 'rsa2', 503, "globex pushes acme out of the worker, and "
                              . "waits: acme's refresh runs");
ok(wait_for(15, "acme's refresh to end", sub { fetches3() eq 'acme acme' }),
   "acme's refresh ended, into the keys of the member gone");
unlink "$prefix/html/slow";
Time::HiRes::sleep(1.3);
get_is('globex', 'rsa2', 200, 'globex, once acme was not used for a second');
Time::HiRes::sleep(1.3);
get_is('acme', 'rsa1', 200, 'acme again');
is(fetches3(), 'acme acme globex acme', 'the fetches');

unlike(slurp("$prefix/logs/error.log"), qr/\[(?:alert|crit|emerg)\]|exited on signal/,
       'no alert, no crash');

is(stop_nginx(), 'QUIT', 'nginx stops on QUIT');

done_testing();
