# The login companion when the issuer breaks off its answer: headers sent,
# then the connection closed before the body's end (Content-Length or
# chunked).  The header waits for the body here, so nginx's own upstream
# error path would close the client connection without a status line;
# the client must get 502, as from any proxy whose upstream failed, and
# no cookie.  The "issuer" is a tiny server forked by this file on a free
# 127.0.0.1 port, killed by its pid at the end.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::Ports ();

use IO::Socket::INET;
use Socket qw(SOL_SOCKET SO_LINGER);
use POSIX ();

our $TOKEN = jwt(claims => {exp => time + 600});

my $BODY = qq({"access_token":"$TOKEN"});
my $PART = substr $BODY, 0, -1;     # all but the closing brace
my $HEAD = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
         . "Connection: close\r\n";

# what the issuer answers, by request path: a status line and headers,
# then part of a body, then how it ends: closes, resets (RST) half a
# second later, or waits a second and closes (after the 300 ms of
# proxy_read_timeout its tests set)
my %ANSWER = (
    '/short' => ["${HEAD}Content-Length: 4000\r\n\r\n$PART", 'close'],
    '/empty' => ["${HEAD}Content-Length: 4000\r\n\r\n", 'close'],
    '/chunk' => ["${HEAD}Transfer-Encoding: chunked\r\n\r\n"
                 . sprintf("%x\r\n%s\r\n", length $PART, $PART), 'close'],
    '/reset' => ["${HEAD}Content-Length: 4000\r\n\r\n$PART", 'reset'],
    '/stall' => ["${HEAD}Content-Length: 4000\r\n\r\n$PART", 'stall'],
    '/whole' => ["${HEAD}Content-Length: " . length($BODY) . "\r\n\r\n$BODY",
                 'close'],
);

# a port of this file's slot (TEST_NGINX_PORT + 1 on: tools/prove-slot.sh)
my $base = server_port();
my $cut_port = JWTGate::Ports::free_port($base + 1, $base);
my $listen = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                   LocalPort => $cut_port, Listen => 16,
                                   ReuseAddr => 1, Proto => 'tcp')
    or die "issuer socket on $cut_port: $!";
$ENV{TEST_NGINX_CUT_PORT} = $cut_port;

our $PARENT = $$;
our $SERVER = fork // die "fork: $!";

if ($SERVER == 0) {
    # the server: one short-lived child per connection (a stalled answer
    # must not hold up the next test's); answers until killed, and at
    # most 10 minutes
    $SIG{CHLD} = 'IGNORE';
    alarm 600;
    while (1) {
        my $c = $listen->accept;
        if (!$c) {
            next if $!{EINTR};
            last;
        }
        my $child = fork;
        if (defined $child && $child == 0) {
            alarm 5;
            answer($c);
            POSIX::_exit(0);
        }
        close $c;
    }
    POSIX::_exit(0);
}

sub answer {
    my ($c) = @_;
    my ($head, $buf) = ('', '');

    while ($head !~ /\r\n\r\n/ && sysread($c, $buf, 4096)) {
        $head .= $buf;
    }

    my ($len) = $head =~ /^Content-Length:\s*(\d+)/mi;
    my $body = length($head) - index($head, "\r\n\r\n") - 4;
    while (defined $len && $body < $len && sysread($c, $buf, 4096)) {
        $body += length $buf;
    }

    my ($path) = $head =~ m{^\w+ (\S+)};
    my ($text, $end) = @{ $ANSWER{$path // ''}
                          // ["HTTP/1.1 404 Not Found\r\n"
                              . "Content-Length: 0\r\n\r\n", 'close'] };
    syswrite $c, $text;

    if ($end eq 'reset') {
        select undef, undef, undef, 0.5;
        setsockopt $c, SOL_SOCKET, SO_LINGER, pack('ii', 1, 0);
    } elsif ($end eq 'stall') {
        select undef, undef, undef, 1;
    }

    close $c;
}

close $listen;

END {
    local $?;               # the test's exit status, not the server's
    if ($SERVER && $$ == $PARENT) {
        kill 'TERM', $SERVER;
        waitpid $SERVER, 0;
    }
}

add_block_preprocessor(sub {
    my $block = shift;
    return if defined $block->config;
    my $buffering = $block->buffering // 'on';
    my $timeout = $block->read_timeout // '3s';
    $block->set_value('config', <<"CONF");
    location /auth/ {
        auth_jwt off;
        auth_jwt_login_cookie access_token;
        proxy_buffering $buffering;
        proxy_read_timeout $timeout;
        proxy_pass http://127.0.0.1:\$TEST_NGINX_CUT_PORT/;
    }
CONF
});

run_tests();

__DATA__

=== TEST 1: the issuer closes before its Content-Length: 502, no cookie
--- request
POST /auth/short
{"username":"alice","password":"x"}
--- error_code: 502
--- response_headers
!Set-Cookie
--- response_body_like: 502 Bad Gateway
--- error_log
upstream prematurely closed connection
auth_jwt_login_cookie: the answer was cut off, 502 instead



=== TEST 2: the issuer closes after its headers, before any body: 502
--- request
POST /auth/empty
{}
--- error_code: 502
--- response_headers
!Set-Cookie
--- error_log
auth_jwt_login_cookie: the answer was cut off, 502 instead



=== TEST 3: a chunked answer cut off before its last chunk: 502
--- request
POST /auth/chunk
{}
--- error_code: 502
--- response_headers
!Set-Cookie
--- error_log
auth_jwt_login_cookie: the answer was cut off, 502 instead



=== TEST 4: the same with proxy_buffering off
--- buffering: off
--- request
POST /auth/short
{}
--- error_code: 502
--- response_headers
!Set-Cookie
--- error_log
auth_jwt_login_cookie: the answer was cut off, 502 instead



=== TEST 5: an error_page for 502 applies, as for any proxy error
--- config
    location /auth/ {
        auth_jwt off;
        auth_jwt_login_cookie access_token;
        proxy_pass http://127.0.0.1:$TEST_NGINX_CUT_PORT/;
        error_page 502 /issuer-down;
    }
    location = /issuer-down {
        internal;
        return 503 '{"error":"issuer_unavailable"}';
    }
--- request
POST /auth/short
{}
--- error_code: 502
--- response_headers
!Set-Cookie
--- response_body: {"error":"issuer_unavailable"}



=== TEST 6: a whole answer from the same issuer still sets the cookie
--- request
POST /auth/whole
{}
--- error_code: 200
--- response_headers_like eval
"Set-Cookie: access_token=\Q$main::TOKEN\E; Max-Age=\\d+; Path=/; HttpOnly; Secure; SameSite=Strict"
--- response_body eval
qq({"access_token":"$main::TOKEN"})
--- no_error_log
[error]



=== TEST 7: the issuer resets the connection in the middle of the body: 502
--- request
POST /auth/reset
{}
--- error_code: 502
--- response_headers
!Set-Cookie
--- error_log
Connection reset by peer
auth_jwt_login_cookie: the answer was cut off, 502 instead



=== TEST 8: the issuer stalls in the middle of the body (proxy_read_timeout): 502
--- read_timeout: 300ms
--- request
POST /auth/stall
{}
--- error_code: 502
--- response_headers
!Set-Cookie
--- error_log
upstream timed out
auth_jwt_login_cookie: the answer was cut off, 502 instead



=== TEST 9: the same with proxy_buffering off
--- buffering: off
--- read_timeout: 300ms
--- request
POST /auth/stall
{}
--- error_code: 502
--- response_headers
!Set-Cookie
--- error_log
upstream timed out
auth_jwt_login_cookie: the answer was cut off, 502 instead
