# A cold-start key fetch whose issuer answers 200 with a Content-Length
# longer than what it sends (a valid key set), then closes: nginx logs
# "upstream prematurely closed connection", and the fetch must fail
# rather than store what came.  The issuer is a tiny server forked here,
# bounded by an alarm and stopped by its pid; nginx is this file's own.

use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use File::Copy qw(copy);
use IO::Socket::INET;
use POSIX ();
use Time::HiRes ();
use lib 't/lib';
use JWTGate::Token;
use JWTGate::Ports ();

my $nginx = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
my ($module) = split ' ', ($ENV{TEST_NGINX_LOAD_MODULES} || '');
plan skip_all => 'TEST_NGINX_LOAD_MODULES names no module' unless $module;

my $prefix = tempdir('jwtgate-056-XXXXXX', TMPDIR => 1, CLEANUP => 1);
mkdir "$prefix/$_" for qw(logs conf html);
copy(JWTGate::Token::data_dir() . '/jwks-rsa1.json', "$prefix/html/jwks.json")
    or die "copy: $!";
# the workers may run as another user (nobody when the tests run as root)
chmod 0755, $prefix, "$prefix/html";
chmod 0644, "$prefix/html/jwks.json";

# ports of this file's slot: free ones from TEST_NGINX_PORT + 1
# (JWTGate::Ports; tools/prove-slot.sh gives each file 250 ports)
my $base = $ENV{TEST_NGINX_SERVER_PORT} || $ENV{TEST_NGINX_PORT} || 1984;
sub free_port { return JWTGate::Ports::free_port($base + 1, $base, @_) }

my $h1 = free_port();
my $iss = free_port($h1);

# the issuer: 200, a Content-Length 1000 bytes too long, the set, close
my $jwks = do {
    open my $f, '<', "$prefix/html/jwks.json" or die $!;
    local $/;
    <$f>;
};
my $listen = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                   LocalPort => $iss, Listen => 8,
                                   ReuseAddr => 1) or die "listen: $!";
my $issuer = fork;
die "fork: $!" unless defined $issuer;
if ($issuer == 0) {
    alarm 30;
    while (my $s = $listen->accept) {
        my $req = '';
        while ($req !~ /\r\n\r\n/) {
            my $n = sysread $s, my $buf, 4096;
            last unless $n;
            $req .= $buf;
        }
        syswrite $s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     . "Content-Length: " . (length($jwks) + 1000) . "\r\n"
                     . "Connection: close\r\n\r\n" . $jwks;
        close $s;
    }
    POSIX::_exit(0);
}
close $listen;
END { local $?; if ($issuer) { kill 'TERM', $issuer; waitpid $issuer, 0; } }

open my $c, '>', "$prefix/conf/nginx.conf" or die $!;
print $c <<"CONF";
load_module $module;
daemon off;
master_process on;
worker_processes 1;
pid $prefix/logs/nginx.pid;
error_log $prefix/logs/error.log info;
events { worker_connections 64; }
http {
    access_log off;
    server {
        listen 127.0.0.1:$h1;
        location /api/ {
            auth_jwt             "test";
            auth_jwt_key_request /_jwks;
            return 200 "ok\\n";
        }
        location = /_jwks {
            internal;
            proxy_pass http://127.0.0.1:$iss/jwks.json;
        }
    }
}
CONF
close $c;

my $master = fork;
die "fork: $!" unless defined $master;
if ($master == 0) {
    open STDIN, '<', '/dev/null';
    open STDOUT, '>>', "$prefix/logs/stderr";
    open STDERR, '>&', \*STDOUT;
    { no warnings 'exec';
      exec $nginx, '-p', "$prefix/", '-c', "$prefix/conf/nginx.conf",
                   '-e', "$prefix/logs/error.log"; }
    POSIX::_exit(127);
}

sub stop_nginx {
    return unless $master;
    for my $sig (qw(QUIT TERM KILL)) {
        kill $sig, $master;
        for (1 .. 150) {
            my $r = waitpid $master, POSIX::WNOHANG();
            if ($r == $master || $r < 0) { undef $master; return; }
            Time::HiRes::sleep(0.02);
        }
    }
    undef $master;
}
END { local $?; stop_nginx(); }

my $up;
for (1 .. 100) {
    $up = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h1)
        and last;
    Time::HiRes::sleep(0.05);
}
ok($up, 'nginx listens') or BAIL_OUT('nginx did not start');
close $up;

my $token = jwt();

sub error_log {
    open my $f, '<', "$prefix/logs/error.log" or return '';
    local $/;
    return <$f>;
}

my $out = `curl -s -m 5 -H 'Authorization: Bearer $token' -w ' %{http_code}' http://127.0.0.1:$h1/api/x`;
like($out, qr/ 503$/, 'a cut-short answer gives no keys: 503')
    or diag(error_log());

my $log = error_log();
like($log, qr/auth_jwt_key_request "\/_jwks": fetch failed: the answer was cut short/,
     'the fetch failed, and says why');
unlike($log, qr/auth_jwt_key_request "\/_jwks": \d+ keys/,
       'nothing of it was stored');
unlike($log, qr/exited on signal/, 'no worker died');

done_testing();
