# HTTP/2: a CORS preflight (auth_jwt_bypass_cors_preflight) and several
# token= places over HTTP/2, where header fields come one by one and a
# cookie may be split into many "cookie" fields (RFC 9113 8.2.3).  The
# runner speaks no HTTP/2: this file runs its own nginx, and curl
# --http2-prior-knowledge is the client.

use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
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

my $data = JWTGate::Token::data_dir();
my $prefix = tempdir('jwtgate-064h2-XXXXXX', TMPDIR => 1, CLEANUP => 1);
mkdir "$prefix/$_" for qw(logs conf);
chmod 0755, $prefix;

# ports of this file's slot: free ones from TEST_NGINX_PORT + 1
# (JWTGate::Ports; tools/prove-slot.sh gives each file 250 ports)
my $base = $ENV{TEST_NGINX_SERVER_PORT} || $ENV{TEST_NGINX_PORT} || 1984;
sub free_port { return JWTGate::Ports::free_port($base + 1, $base, @_) }

my $h2 = free_port();
my $h1 = free_port($h2);

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
        location /api/ {
            auth_jwt          "test" token=bearer token=\$cookie_at;
            auth_jwt_key_file $data/jwks-rsa1.json;
            auth_jwt_bypass_cors_preflight on;
            auth_jwt_forward_claim X-User-Id sub;
            proxy_pass        http://127.0.0.1:$h1/echo/;
        }
    }
    server {
        listen 127.0.0.1:$h1;
        location /echo/ {
            return 200 "\$request_method id=[\$http_x_user_id] cookie=[\$http_cookie]\\n";
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
    $up = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h2)
        and last;
    Time::HiRes::sleep(0.05);
}
ok($up, 'nginx listens') or BAIL_OUT('nginx did not start');
close $up;

# one HTTP/2 request: the status and the body
sub h2 {
    my ($method, @headers) = @_;
    open my $p, '-|', 'curl', '-s', '-m', '10', '--http2-prior-knowledge',
        '-X', $method,
        (map { /\A--data=(.*)\z/s ? ('--data-binary', $1) : ('-H', $_) }
         @headers),
        '-w', '%{http_code}', "http://127.0.0.1:$h2/api/x"
        or die "curl: $!";
    local $/;
    my $out = <$p>;
    close $p;
    my ($body, $code) = $out =~ /\A(.*?)(\d{3})\z/s;
    return ($code // 0, $body // '');
}

my $v = jwt(claims => {sub => 'alice'});
my $f = tamper_payload($v, {sub => 'mallory'});
my @pre = ('Origin: https://app.example.com',
           'Access-Control-Request-Method: POST');

my ($code, $body) = h2('OPTIONS', @pre, 'X-User-Id: admin');
is($code, 200, 'a preflight passes');
is($body, "OPTIONS id=[] cookie=[]\n", 'with no identity: the forged X-User-Id removed');

# An OPTIONS with a body is no preflight.  nginx answers 401 at once, and
# may reset the stream while curl still sends DATA, which curl 7.88 then
# reports as an error (code 000): what is asserted is that nothing passed
# (never 200), and below, that the log lets exactly one preflight through.
($code) = h2('OPTIONS', @pre, '--data={"confirm":true}');
ok($code == 401 || $code == 0,
   "a \"preflight\" with a body (content-length): no preflight ($code)");

($code) = h2('OPTIONS', @pre, '--data={"confirm":true}', 'Content-Length:');
ok($code == 401 || $code == 0,
   "a \"preflight\" with a body in DATA frames, no content-length ($code)");

($code) = h2('OPTIONS', 'Origin: https://app.example.com');
is($code, 401, 'OPTIONS without Access-Control-Request-Method: 401');

($code) = h2('OPTIONS', @pre, 'Origin: https://evil.example.com');
is($code, 401, 'two Origin fields: no preflight, 401');

($code) = h2('OPTIONS', @pre, "Cookie: a=1", "Cookie: at=$f");
is($code, 401, 'a preflight with a forged token cookie in a second cookie field: checked, 401');

($code, $body) = h2('GET', 'Cookie: a=1', "Cookie: at=$v");
is($code, 200, 'the token cookie in a second cookie field is taken');
like($body, qr/^GET id=\[alice\] /, 'with its identity');

($code) = h2('GET', "Authorization: Bearer $v", 'Cookie: a=1', "Cookie: at=$v");
is($code, 400, 'bearer and cookie at once: 400');

($code) = h2('GET', "Cookie: at=$v", "Cookie: at=$v");
is($code, 400, 'the token cookie in two cookie fields: 400');

sub error_log {
    open my $fh, '<', "$prefix/logs/error.log" or return '';
    local $/;
    return <$fh>;
}

my $log = error_log();
my @let = $log =~ /CORS preflight let through without a token/g;
is(scalar @let, 1, 'one preflight let through: the first, not those with a body');
like($log, qr/token rejected: duplicate/, 'the duplicates are logged');
unlike($log, qr/exited on signal/, 'no worker died');

done_testing();
