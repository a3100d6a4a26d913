# Revocation lists across reloads (docs/DIRECTIVES.md, "Revocation
# lists"): a list fetched by auth_jwt_revocation_request stays in the zone
# through `nginx -s reload` (not fetched again, still refusing what it
# names), and the list of a source the new configuration no longer names
# is freed, so that the zone does not fill up with reloads.
#
# A plain Test::More script with t/054-key-zone-reload.t's helpers: its own
# nginx, master and two workers, a 512k zone, a stable source and one
# renamed at every reload, each list of 2,000 jtis (about 100 KB in the
# zone).  Without the freeing, the fourth configuration finds the zone
# full.

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
JWTGate::Reload::setup('076', qw(conf html html/.well-known logs));

{
    my $exp = time + 3600;
    my $list = '{"jti": {' . join(',', map { qq("j$_": $exp) } 1 .. 2000)
             . '}}';
    spew("$prefix/html/$_.json", $list) for qw(stable renamed);
}

my $keys = JWTGate::Token::data_dir() . '/jwks-rsa1.json';

# The configuration of reload $n: /_revoked_stable stays, /_revoked_<n>
# is new each time.
sub conf {
    my ($n) = @_;
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
    auth_jwt_key_zone 512k;

    server {
        listen 127.0.0.1:$issuer;
        root html;
        location ~ \\.json\$ {
            access_log logs/fetch.log fetch;
        }
    }

    server {
        listen 127.0.0.1:$gw reuseport;
        server_name gw;

        location /stable {
            auth_jwt                    "test";
            auth_jwt_key_file           $keys;
            auth_jwt_revocation_request /_revoked_stable;
            return 200 "stable\\n";
        }
        location /renamed {
            auth_jwt                    "test";
            auth_jwt_key_file           $keys;
            auth_jwt_revocation_request /_revoked_${n} max_size=256k;
            return 200 "renamed\\n";
        }
        location = /_revoked_stable {
            internal;
            proxy_pass http://127.0.0.1:$issuer/stable.json;
        }
        location = /_revoked_${n} {
            internal;
            proxy_pass http://127.0.0.1:$issuer/renamed.json;
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

# each location a few times: a listed jti refused, another one passes
sub all_right {
    my ($what) = @_;
    my $listed = jwt(claims => { jti => 'j1999' });
    my $other = jwt(claims => { jti => 'not-listed' });
    my @bad;
    for my $path (qw(stable renamed stable renamed stable renamed)) {
        my ($st, $body) = http_get("/$path", $listed);
        push @bad, "/$path listed: $st" unless $st eq '401';
        ($st, $body) = http_get("/$path", $other);
        push @bad, "/$path other: $st $body" unless $st eq '200'
                                                  && $body eq "$path\n";
    }
    diag "$what:\n" . join("\n", @bad) if @bad;
    return !@bad;
}

sub reload_to {
    my ($n, $old) = @_;
    spew("$prefix/conf/nginx.conf", conf($n));
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

spew("$prefix/conf/nginx.conf", conf(0));

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

ok(all_right('configuration 0'), 'configuration 0: both lists refuse');
my ($entries, $freed, $free0) = zone();
is_deeply([$entries, $freed], [2, 0], 'two entries in the zone');

for my $n (1 .. 6) {
    @w = reload_to($n, \@w);
    ok(scalar @w, "reload $n") or last;
    ok(all_right("configuration $n"), "configuration $n: both lists refuse");
    my ($e, $f, $free) = zone();
    is_deeply([$e, $f], [2, $n],
              "configuration $n: two entries, $n freed in all");
    cmp_ok($free, '>=', $free0 - 8192,
           "configuration $n: the zone is no fuller than at the start");
}

is(fetches_of('stable'), 1,
   'the list that stayed was not fetched again in 6 reloads');
is(fetches_of('renamed'), 7, 'each renamed source fetched its list once');

like(slurp("$prefix/logs/error.log"),
     qr/auth_jwt_keys zone: 1 key set that no auth_jwt_key_request names any more freed/,
     'the freeing is logged');
my @bad = grep { /\[(?:alert|crit|emerg)\]/ || /zone is full/ }
          split /\n/, slurp("$prefix/logs/error.log");
is_deeply(\@bad, [], 'no alert, crit, emerg, no full zone');

is(stop_nginx(), 'QUIT', 'nginx stops on SIGQUIT');

done_testing();
