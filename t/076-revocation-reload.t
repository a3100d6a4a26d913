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
use File::Temp qw(tempdir);
use IO::Socket::INET;
use IO::Select;
use POSIX ();
use Time::HiRes ();
use lib 't/lib';
use JWTGate::Token;

my $nginx = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
my ($module) = split ' ', ($ENV{TEST_NGINX_LOAD_MODULES} || '');
plan skip_all => 'TEST_NGINX_LOAD_MODULES names no module' unless $module;
plan skip_all => "no /proc here" unless -d "/proc/$$";
$module = File::Spec->rel2abs($module);

$SIG{PIPE} = 'IGNORE';

my $prefix = tempdir('jwtgate-058-XXXXXX', TMPDIR => 1, CLEANUP => 1);
mkdir "$prefix/$_" or die "$prefix/$_: $!" for qw(conf html html/.well-known logs);

# two free ports from the kernel
sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Proto => 'tcp', Listen => 1)
        or die "no free port: $!";
    my $p = $s->sockport;
    close $s;
    return $p;
}
my $gw = free_port();
my $issuer;
do { $issuer = free_port() } while $issuer == $gw;

sub spew {
    my ($file, $text) = @_;
    open my $fh, '>', $file or die "$file: $!";
    print {$fh} $text;
    close $fh or die "$file: $!";
}

sub slurp {
    my ($file) = @_;
    open my $fh, '<', $file or return '';
    local $/;
    my $s = <$fh>;
    return $s // '';
}

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

my $master;

sub stop_nginx {
    return unless $master;
    for my $step ([QUIT => 5], [TERM => 3], [KILL => 3]) {
        my ($sig, $wait) = @$step;
        kill $sig, $master;
        my $deadline = Time::HiRes::time() + $wait;
        while (Time::HiRes::time() < $deadline) {
            my $r = waitpid $master, POSIX::WNOHANG();
            if ($r == $master || $r < 0) {
                undef $master;
                return $sig;
            }
            Time::HiRes::sleep(0.02);
        }
    }
    diag "nginx (pid $master) did not stop";
    undef $master;
    return 'stuck';
}

END {
    local $?;
    stop_nginx();
}
$SIG{INT} = $SIG{TERM} = sub { stop_nginx(); exit 1 };

sub start_nginx {
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$prefix/logs/stderr";
        open STDERR, '>&', \*STDOUT;
        { no warnings 'exec';
          exec $nginx, '-p', "$prefix/", '-c', "$prefix/conf/nginx.conf",
                       '-e', "$prefix/logs/error.log"; }
        print STDERR "exec $nginx failed: $!\n";
        POSIX::_exit(127);
    }
    return $pid;
}

# The workers of our master: the processes whose parent it is.
sub workers_of {
    my ($ppid) = @_;
    my @w;
    opendir my $d, '/proc' or return ();
    for my $p (grep { /^\d+$/ } readdir $d) {
        my $stat = slurp("/proc/$p/stat") or next;
        # pid (comm) state ppid ...
        my ($rest) = $stat =~ /\)\s+(.*)$/s or next;
        my (undef, $pp) = split ' ', $rest;
        push @w, $p + 0 if $pp == $ppid;
    }
    return sort { $a <=> $b } @w;
}

# wait_for($seconds, $what, sub { ... true when done }): polls every 20 ms.
sub wait_for {
    my ($secs, $what, $cond) = @_;
    my $deadline = Time::HiRes::time() + $secs;
    while (1) {
        my $r = $cond->();
        return $r if $r;
        if (Time::HiRes::time() > $deadline) {
            diag "gave up after $secs s waiting for $what";
            return;
        }
        my $r2 = waitpid $master, POSIX::WNOHANG();
        if ($r2 == $master) {
            diag "nginx exited while waiting for $what: status $?";
            undef $master;
            return;
        }
        Time::HiRes::sleep(0.02);
    }
}

# http_get($path, $token): (status, body); each on its own connection.
sub http_get {
    my ($path, $token) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $gw,
                                  Proto => 'tcp', Timeout => 2)
        or return ('', "connect: $!");
    my $req = "GET $path HTTP/1.0\r\nHost: localhost\r\n"
            . (defined $token ? "Authorization: Bearer $token\r\n" : '')
            . "\r\n";
    syswrite $s, $req;
    my $sel = IO::Select->new($s);
    my $buf = '';
    my $deadline = Time::HiRes::time() + 3;
    while ((my $left = $deadline - Time::HiRes::time()) > 0) {
        last unless $sel->can_read($left);
        my $n = sysread $s, my $chunk, 65536;
        last unless $n;
        $buf .= $chunk;
    }
    close $s;
    my ($head, $body) = split /\r\n\r\n/, $buf, 2;
    my ($status) = ($head // '') =~ m{^HTTP/\d\.\d (\d{3})};
    return ($status // '', $body // '');
}


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
