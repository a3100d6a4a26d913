# A cold-start key fetch started by an HTTP/2 request whose client goes
# away before the (slow) issuer answers: the fetch runs on, and its whole
# answer is stored whatever the client did, so the next request has keys.
# (The runner speaks no HTTP/2: this file runs its own nginx, and curl
# --http2-prior-knowledge is the client that leaves.)

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
plan skip_all => 'nginx without --with-http_v2_module'
    unless `$nginx -V 2>&1` =~ /--with-http_v2_module/;
plan skip_all => 'curl without HTTP/2' unless `curl -V 2>&1` =~ /HTTP2/;

my $prefix = tempdir('jwtgate-055-XXXXXX', TMPDIR => 1, CLEANUP => 1);
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

my $h2 = free_port();
my $h1 = free_port($h2);
my $iss = free_port($h2, $h1);

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
        listen 127.0.0.1:$h2 http2;
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
    server {
        listen 127.0.0.1:$iss;
        location / {
            root $prefix/html;
            limit_rate 200;
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

# the client leaves after 0.3 s; the issuer needs about 3 s for the set
system('curl', '-s', '-o', '/dev/null', '--http2-prior-knowledge',
       '-m', '0.3', '-H', "Authorization: Bearer $token",
       "http://127.0.0.1:$h2/api/x");

sub error_log {
    open my $f, '<', "$prefix/logs/error.log" or return '';
    local $/;
    return <$f>;
}

my $stored;
for (1 .. 100) {
    $stored = error_log() =~ /auth_jwt_key_request "\/_jwks": 1 keys/;
    last if $stored || error_log() =~ /fetch abandoned|fetch failed/;
    Time::HiRes::sleep(0.1);
}
ok($stored, "the fetch of the client that left stored its keys")
    or diag(error_log());

my $out = `curl -s -m 5 -H 'Authorization: Bearer $token' -w ' %{http_code}' http://127.0.0.1:$h1/api/x`;
is($out, "ok\n 200", 'the next request has keys: 200');

my $log = error_log();
unlike($log, qr/fetch abandoned/, 'no fetch was abandoned');
unlike($log, qr/no keys yet/, 'no request went without keys');
unlike($log, qr/exited on signal/, 'no worker died');

done_testing();
