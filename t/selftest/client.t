# Self-test of the runner's HTTP client, byte for byte: the client is
# pointed (TEST_NGINX_CLIENT_PORT) at a small server of this file that
# answers canned bytes and echoes what it got.  nginx still starts for
# every block, as usual; it just gets no requests.

# the canned server listens on a port the kernel picks
my $listen;
BEGIN {
    require IO::Socket::INET;
    $listen = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                    Listen => 16, Proto => 'tcp')
        or die "cannot listen: $!";
    $ENV{TEST_NGINX_CLIENT_PORT} = $listen->sockport;
}

use Test::Nginx::Socket;

# These files test jwtgate's runner in t/lib, not another Test::Nginx.
plan(skip_all => "not jwtgate's runner: $INC{'Test/Nginx/Socket.pm'}")
    unless $INC{'Test/Nginx/Socket.pm'} =~ m{(?:^|/)t/lib/Test/Nginx/Socket\.pm\z};
use IO::Socket::INET;
use POSIX ();

no_shuffle();

# nginx gets no request here: an empty config for every block
add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value('config', '') unless defined $block->config;
});

my %CANNED = (
    '/empty-header' => "HTTP/1.1 200 OK\r\nX-Empty:\r\nX-Multi: a\r\n"
        . "X-Multi: b\r\nX-Fold: one\r\n  two\r\nContent-Length: 2\r\n"
        . "Connection: close\r\n\r\nok",
    '/chunked' => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        . "3;ext=1\r\nabc\r\n0a\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n",
    '/eof' => "HTTP/1.0 200 OK\r\nX-A: 1\r\n\r\nthe body ends\nat the close",
    '/continue' => "HTTP/1.1 100 Continue\r\n\r\n"
        . "HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone",
    '/no-close' => "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nka",
    '/nothing' => '',
    '/truncated' => "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
    '/bad-chunk' => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        . "zz\r\nabc\r\n0\r\n\r\n",
);

my $parent = $$;
my $server = fork // die "fork: $!";
if ($server == 0) {
    raw_server($listen);
    POSIX::_exit(0);
}
close $listen;

run_tests();

# Broken answers, straight through the client: each must be an error.
for my $case (['/truncated', qr/^connection closed before the response was complete/],
              ['/bad-chunk', qr/^bad response: bad chunk size line: 'zz'/]) {
    my ($path, $want) = @$case;
    my $res = Test::Nginx::Socket::_http_exchange(
        { chunks => ["GET $path HTTP/1.1\r\nHost: localhost\r\n\r\n"],
          methods => ['GET'], first => 0 }, 2);
    like($res->{error} // '', $want, "client: $path is an error");
}

kill 'TERM', $server;
waitpid $server, 0;

# Answers each request on a connection: "/echo..." gets back the exact
# bytes of the request as its body; others their canned bytes.  A
# canned answer ends the connection, but /no-close keeps it open.
sub raw_server {
    my ($l) = @_;
    $SIG{TERM} = sub { POSIX::_exit(0) };
    $l->timeout(1);
    my @held;
    while (getppid() == $parent) {
        my $c = $l->accept or next;
        my $buf = '';
        CONN: while (1) {
            my $hend;
            until (($hend = index($buf, "\r\n\r\n")) >= 0) {
                my $n = sysread($c, $buf, 65536, length $buf);
                last CONN unless $n;
            }
            my $head = substr($buf, 0, $hend + 4);
            my $len = $head =~ /^Content-Length:\s*(\d+)/mi ? $1 : 0;
            while (length($buf) < $hend + 4 + $len) {
                my $n = sysread($c, $buf, 65536, length $buf);
                last CONN unless $n;
            }
            my $req = substr($buf, 0, $hend + 4 + $len, '');
            my ($path) = $req =~ m{^\S+ (\S+)};
            # HTTP/1.0 without keep-alive closes too
            my $close = $req =~ /^Connection: close/mi
                || ($req =~ m{^\S+ \S+ HTTP/1\.0\r\n}
                    && $req !~ /^Connection: keep-alive/mi);
            if ($path =~ m{^/echo}) {
                print {$c} "HTTP/1.1 200 OK\r\nContent-Length: "
                    . length($req) . "\r\n\r\n$req";
                last CONN if $close;
            } else {
                print {$c} $CANNED{$path} // "HTTP/1.1 404 Not Found\r\n"
                    . "Content-Length: 0\r\n\r\n";
                # held open, not answered further, until the server ends
                push @held, $c if $path eq '/no-close';
                last CONN;
            }
        }
        close $c;
    }
}

__DATA__

=== TEST 1: the request as sent: request line, Host, Connection, no body
--- request
GET /echo/plain
--- response_body eval
"GET /echo/plain HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"



=== TEST 2: a body gets Content-Length; its surrounding blank space goes
--- request
POST /echo/body
  one
two  

--- response_body eval
"POST /echo/body HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
. "Content-Length: 7\r\n\r\none\ntwo"



=== TEST 3: more_headers replace the default Host and Connection
--- request
GET /echo/h HTTP/1.1
--- more_headers
Host: example.com
X-Port: $TEST_NGINX_CLIENT_PORT
--- response_body eval
"GET /echo/h HTTP/1.1\r\nHost: example.com\r\nX-Port: "
. $ENV{TEST_NGINX_CLIENT_PORT} . "\r\nConnection: close\r\n\r\n"



=== TEST 4: pipelined requests: keep-alive, then close on the last
--- pipelined_requests eval
["GET /echo/1", "POST /echo/2\nxy"]
--- response_body eval
["GET /echo/1 HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n",
 "POST /echo/2 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
 . "Content-Length: 2\r\n\r\nxy"]



=== TEST 5: an empty header value, repeated headers, a folded header
--- request
GET /empty-header
--- response_headers
X-Empty:
X-Multi: a, b
X-Fold: one two
!X-None
--- response_body: ok



=== TEST 6: chunked with an extension and a trailer
--- request
GET /chunked
--- response_body: abc0123456789
--- response_headers
!X-Trailer



=== TEST 7: an HTTP/1.0 body that ends with the connection
--- request
GET /eof
--- response_headers
X-A: 1
--- response_body eval
"the body ends\nat the close"



=== TEST 8: a 100 Continue before the answer
--- request
POST /continue
data
--- more_headers
Expect: 100-continue
--- error_code: 201
--- response_body: done



=== TEST 9: a complete answer on a connection the server keeps open: read until the timeout (abort: expected), then checked
--- request
GET /no-close
--- timeout: 0.5
--- abort
--- response_body: ka



=== TEST 10: closed without a byte: the status is empty
--- request
GET /nothing
--- error_code:
--- response_body:



=== TEST 11: raw_request: nothing added
--- raw_request eval
"GET /echo/raw HTTP/1.0\r\n\r\n"
--- response_body eval
"GET /echo/raw HTTP/1.0\r\n\r\n"
