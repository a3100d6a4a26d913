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

use IO::Socket::INET;
use POSIX ();

our $TOKEN = jwt(claims => {exp => time + 600});

# what the issuer answers, by request path: a status line and headers,
# then part of a body, then it closes
my %ANSWER = (
    '/short' => "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
              . "Content-Length: 4000\r\nConnection: close\r\n\r\n"
              . qq({"access_token":"$TOKEN"),
    '/empty' => "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
              . "Content-Length: 4000\r\nConnection: close\r\n\r\n",
    '/chunk' => "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
              . "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
              . sprintf("%x\r\n", length(qq({"access_token":"$TOKEN"})))
              . qq({"access_token":"$TOKEN"\r\n),
    '/whole' => "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
              . "Content-Length: " . length(qq({"access_token":"$TOKEN"}))
              . "\r\nConnection: close\r\n\r\n"
              . qq({"access_token":"$TOKEN"}),
);

my $listen = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                   Listen => 16, ReuseAddr => 1, Proto => 'tcp')
    or die "issuer socket: $!";
$ENV{TEST_NGINX_CUT_PORT} = $listen->sockport;

our $PARENT = $$;
our $SERVER = fork // die "fork: $!";

if ($SERVER == 0) {
    # the child: answers until killed, and at most 10 minutes
    alarm 600;
    while (my $c = $listen->accept) {
        my ($head, $buf) = ('', '');
        eval {
            local $SIG{ALRM} = sub { die "timeout\n" };
            alarm 5;
            while ($head !~ /\r\n\r\n/ && sysread($c, $buf, 4096)) {
                $head .= $buf;
            }
            my ($len) = $head =~ /^Content-Length:\s*(\d+)/mi;
            my $body = length($head) - index($head, "\r\n\r\n") - 4;
            while (defined $len && $body < $len && sysread($c, $buf, 4096)) {
                $body += length $buf;
            }
            alarm 600;
        };
        my ($path) = $head =~ m{^\w+ (\S+)};
        syswrite $c, $ANSWER{$path // ''} // "HTTP/1.1 404 Not Found\r\n"
                                           . "Content-Length: 0\r\n\r\n";
        close $c;
    }
    POSIX::_exit(0);
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
    $block->set_value('config', <<"CONF");
    location /auth/ {
        auth_jwt off;
        auth_jwt_login_cookie access_token;
        proxy_buffering $buffering;
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
