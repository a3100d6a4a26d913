# The key zone does not grow with reloads (docs/KEYSTORE.md): a
# configuration that takes the zone over frees the entries of the sources
# it no longer names (renamed URIs, a renamed server {}), keeps the others
# with their keys, and auth_jwt_status says how full the zone is.
#
# A plain Test::More script, like t/052-key-store-reload.t (whose helpers
# it repeats): its own nginx, master and two workers, a 256k zone and three
# sources of 41 KB each (11 pages of the zone).  Twelve reloads rename two
# sources each time; the last three rename the server too.  Without the
# freeing, the third configuration already finds the zone full.  Then a
# reload that fails once it took the zone over (an address it cannot bind)
# must leave the running configuration's keys alone.

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
JWTGate::Reload::setup('054', qw(conf html html/.well-known logs));

{
    # 100 keys, 41 KB: a text takes 11 pages of the zone
    my $src = JWTGate::Token::data_dir() . '/jwks-100.json';
    spew("$prefix/html/$_.json", slurp($src)) for qw(stable a b);
}

# The configuration of reload $n: the sources /_jwks_<n>_a and
# /_jwks_<n>_b are new each time, /_jwks_stable stays; $name is the
# server's name (another name: another server, all its sources new).
sub conf {
    my ($n, $name) = @_;
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
    auth_jwt_key_zone 256k;

    server {
        listen 127.0.0.1:$issuer;
        root html;
        location ~ \\.json\$ {
            access_log logs/fetch.log fetch;
        }
    }

    server {
        listen 127.0.0.1:$gw reuseport;
        server_name $name;

        location /stable {
            auth_jwt             "test";
            auth_jwt_key_request /_jwks_stable;
            return 200 "stable \$jwt_header_kid\\n";
        }
        location /a {
            auth_jwt             "test";
            auth_jwt_key_request /_jwks_${n}_a;
            return 200 "a \$jwt_header_kid\\n";
        }
        location /b {
            auth_jwt             "test";
            auth_jwt_key_request /_jwks_${n}_b;
            return 200 "b \$jwt_header_kid\\n";
        }
        location = /_jwks_stable {
            internal;
            proxy_pass http://127.0.0.1:$issuer/stable.json;
        }
        location = /_jwks_${n}_a {
            internal;
            proxy_pass http://127.0.0.1:$issuer/a.json;
        }
        location = /_jwks_${n}_b {
            internal;
            proxy_pass http://127.0.0.1:$issuer/b.json;
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


# the zone, from auth_jwt_status: (entries, freed, free bytes)
sub zone {
    my (undef, $body) = http_get('/status');
    my ($e) = $body =~ /"key_zone":\{[^}]*"entries":(\d+)/;
    my ($f) = $body =~ /"key_zone":\{[^}]*"freed":(\d+)/;
    my ($free) = $body =~ /"key_zone":\{[^}]*"free":(\d+)/;
    return ($e // -1, $f // -1, $free // -1);
}

sub fetches_of {
    my ($what) = @_;
    return scalar grep { /^fetch \/\Q$what\E\.json 200$/ }
                  split /\n/, slurp("$prefix/logs/fetch.log");
}

# each location once per worker (or so): "<path> k042" with a valid token
sub all_pass {
    my ($what) = @_;
    my $token = jwt(key => 'rsa1', kid => 'k042');
    my @bad;
    for my $path (qw(stable a b stable a b stable a b)) {
        my ($st, $body) = http_get("/$path", $token);
        push @bad, "/$path: $st $body" unless $st eq '200'
                                              && $body eq "$path k042\n";
    }
    diag "$what:\n" . join("\n", @bad) if @bad;
    return !@bad;
}

sub reload_to {
    my ($n, $name, $old) = @_;
    spew("$prefix/conf/nginx.conf", conf($n, $name));
    kill 'HUP', $master;
    my @w;
    wait_for(10, "the workers of configuration $n", sub {
        @w = workers_of($master);
        return 0 unless @w == 2;
        my %old = map { $_ => 1 } @$old;
        return 0 if grep { $old{$_} } @w;
        return 0 if grep { kill 0, $_ } @$old;          # old ones gone
        my ($st, $body) = http_get('/reload');
        return $st eq '200' && $body eq "$n\n";
    }) or return;
    return @w;
}

# ---------------------------------------------------------------------------

spew("$prefix/conf/nginx.conf", conf(0, 'gw'));

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

ok(all_pass('configuration 0'), 'configuration 0: the three sources verify');
my ($entries, $freed, $free0) = zone();
is_deeply([$entries, $freed], [3, 0], 'three entries in the zone');

my $total_freed = 0;

for my $n (1 .. 12) {
    my $name = $n <= 9 ? 'gw' : "gw$n";
    my $renamed = $n <= 9 ? 2 : 3;
    @w = reload_to($n, $name, \@w);
    ok(scalar @w, "reload $n ($name)") or last;
    ok(all_pass("configuration $n"), "configuration $n: the three sources "
                                     . "verify");
    $total_freed += $renamed;
    my ($e, $f, $free) = zone();
    is_deeply([$e, $f], [3, $total_freed],
              "configuration $n: three entries, $total_freed freed in all");
    cmp_ok($free, '>=', $free0 - 8192,
           "configuration $n: the zone is no fuller than at the start");
    if ($n == 9) {
        is(fetches_of('stable'), 1,
           'the source that stayed was not fetched again in 9 reloads');
    }
}

is(fetches_of('stable'), 4,
   'a renamed server {} fetches its sources again');

# A reload that fails after it took the zone over (a listen address that
# cannot be bound): the running configuration keeps its entries and keys.
{
    # a port of this file's slot (JWTGate::Ports), held here (a listening
    # socket: nginx's bind fails on it, SO_REUSEADDR or not)
    my $base = $ENV{TEST_NGINX_SERVER_PORT} || $ENV{TEST_NGINX_PORT} || 1984;
    my $port = JWTGate::Ports::free_port($issuer + 1, $base, $gw, $issuer);
    my $busy = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                     LocalPort => $port, Proto => 'tcp',
                                     Listen => 1, ReuseAddr => 1)
        or die "no socket on $port: $!";
    my $conf = conf(13, 'gw13');
    $conf =~ s/(listen 127\.0\.0\.1:$gw reuseport;)/$1\n        listen 127.0.0.1:$port;/
        or die 'no listen line';
    spew("$prefix/conf/nginx.conf", $conf);
    my $fetched = scalar(() = slurp("$prefix/logs/fetch.log") =~ /^fetch /mg);
    kill 'HUP', $master;
    ok(wait_for(10, 'the reload to fail', sub {
           slurp("$prefix/logs/error.log") =~ /bind\(\) to 127\.0\.0\.1:$port failed/
       }), 'the reload fails: the address is taken');
    Time::HiRes::sleep(0.3);
    is_deeply([sort { $a <=> $b } workers_of($master)], [sort { $a <=> $b } @w],
              'the workers of configuration 12 go on');
    ok(all_pass('after the failed reload'),
       'after the failed reload: the three sources verify');
    is(scalar(() = slurp("$prefix/logs/fetch.log") =~ /^fetch /mg), $fetched,
       'and nothing was fetched again');
    my ($e, $f) = zone();
    is_deeply([$e, $f], [3, $total_freed], 'no entry was freed');
    close $busy;
}

like(slurp("$prefix/logs/error.log"),
     qr/auth_jwt_keys zone: 2 key sets that no auth_jwt_key_request names any more freed/,
     'the freeing is logged');
my @bad = grep { (/\[(?:alert|crit|emerg)\]/ && !/bind\(\) to .* failed/)
                 || /zone is full/ }
          split /\n/, slurp("$prefix/logs/error.log");
is_deeply(\@bad, [], 'no alert, crit, emerg, no full zone');

is(stop_nginx(), 'QUIT', 'nginx stops on SIGQUIT');

done_testing();
