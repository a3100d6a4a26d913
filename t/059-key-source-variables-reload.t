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

my $prefix = tempdir('jwtgate-059-XXXXXX', TMPDIR => 1, CLEANUP => 1);
mkdir "$prefix/$_" or die "$prefix/$_: $!" for qw(conf html html/t logs);

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
        # the whole answer: nginx may keep the connection open while a
        # background fetch that the request started runs
        last if $buf =~ /\r\nContent-Length: (\d+)\r\n.*?\r\n\r\n(.*)\z/si
                && length($2) >= $1;
    }
    close $s;
    my ($head, $body) = split /\r\n\r\n/, $buf, 2;
    my ($status) = ($head // '') =~ m{^HTTP/\d\.\d (\d{3})};
    return ($status // '', $body // '');
}


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
