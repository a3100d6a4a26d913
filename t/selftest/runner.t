# Self-test of the Test::Nginx runner in t/lib (see t/lib/Test/Nginx/):
# every section it supports, against a stock nginx without jwtgate's
# module, using stock directives only.
#
#   prove -I t/lib t/selftest/

use Test::Nginx::Socket;

# These files test jwtgate's runner in t/lib, not another Test::Nginx.
plan(skip_all => "not jwtgate's runner: $INC{'Test/Nginx/Socket.pm'}")
    unless $INC{'Test/Nginx/Socket.pm'} =~ m{(?:^|/)t/lib/Test/Nginx/Socket\.pm\z};

# a second server for proxy_pass, on a port of this file's own choosing
$ENV{TEST_NGINX_BACKEND_PORT} ||= server_port() + 1;
$ENV{TEST_NGINX_SELFTEST_WORD} = 'expanded';

no_shuffle();

# blocks without a config get one
add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value(config => <<'_EOC_') unless defined $block->config;
    location /pre {
        return 200 "from the preprocessor\n";
    }
_EOC_
});

run_tests();

# speed: a block takes well under a second (blocks that wait or time out
# on purpose excepted)
my @times = sort { $a <=> $b }
            map { $_->[1] } grep { $_->[0] !~ /\bslow\b/ }
            @Test::Nginx::Socket::BlockTimes;
my $median = $times[int(@times / 2)];
ok($median < 0.5, sprintf "median time per block %.3f s", $median);
note(sprintf "%-60s %.3f s", @$_[0, 1]) for @Test::Nginx::Socket::BlockTimes;

__DATA__

=== TEST 1: a plain request: status 200 and body
--- config
    location /t {
        return 200 "hello\n";
    }
--- request
GET /t
--- response_body
hello
--- no_error_log
[error]



=== TEST 2: more_headers, response_headers, absent and repeated headers
--- config
    location /t {
        add_header X-Foo "got $http_x_foo";
        add_header X-Multi a;
        add_header X-Multi b;
        return 200 "$http_x_foo|$http_x_bar";
    }
--- request
GET /t
--- more_headers
X-Foo: foo value
X-Bar: bar
--- error_code: 200
--- response_headers
X-Foo: got foo value
X-Multi: a, b
Content-Type: text/plain
!X-Absent
--- response_body chomp
foo value|bar



=== TEST 3: the _like and _unlike forms
--- config
    location /t {
        add_header X-Id "id-12345";
        return 200 "line one\nline two\n";
    }
--- request
GET /t
--- response_body_like: ^line one.*two$
--- response_headers_like
X-Id: id-\d+
Server: nginx/[\d.]+
--- raw_response_headers_like: ^HTTP/1\.1 200 OK\r\n
--- raw_response_headers_unlike: X-Nope



=== TEST 3b: response_body_unlike
--- config
    location /t {
        return 200 "line one\nline two\n";
    }
--- request
GET /t
--- response_body_unlike: three



=== TEST 4: a status other than 200 and an [error] line in the log
--- request
GET /no-such-file.html
--- error_code: 404
--- error_log
no-such-file.html" failed (2: No such file or directory)
[error]



=== TEST 5: user_files served by the root location, $TEST_NGINX_ expanded
--- user_files
>>> index.html
index page
>>> sub/page.txt
word: $TEST_NGINX_SELFTEST_WORD
--- request eval
["GET /", "GET /sub/page.txt"]
--- response_body eval
["index page\n", "word: expanded\n"]



=== TEST 6: a request body, sent with its Content-Length, echoed back
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_BACKEND_PORT;
        location / {
            return 200 "$request_method $uri len=$http_content_length body=$http_x_body";
        }
    }
--- config
    location /echo {
        proxy_set_header X-Body $request_body;
        proxy_pass http://127.0.0.1:$TEST_NGINX_BACKEND_PORT/back;
    }
--- request
POST /echo
hello, body
--- response_body chomp
POST /back len=11 body=hello, body
--- no_error_log
[error]



=== TEST 7: request eval with several requests, expectations as arrays
--- config
    location /a { return 200 "a:$http_x_n"; }
    location /b { return 403 "b:$http_x_n"; }
--- request eval
["GET /a", "GET /b", "GET /a"]
--- more_headers eval
["X-N: 1", "X-N: 2", "X-N: 3"]
--- error_code eval
[200, 403, 200]
--- response_body eval
["a:1", "b:2", "a:3"]
--- response_headers eval
["!X-Nope", "Content-Type: text/plain", "Content-Length: 3"]



=== TEST 8: pipelined_requests on one connection
--- config
    location /p {
        return 200 "$uri conn=$connection_requests";
    }
    location /q {
        return 404 "not here";
    }
--- pipelined_requests eval
["GET /p1", "GET /q", "GET /p3"]
--- error_code eval
[200, 404, 200]
--- response_body eval
["/p1 conn=1", "not here", "/p3 conn=3"]



=== TEST 9: raw_request sent verbatim
--- config
    location /raw {
        return 200 "raw $http_x_raw";
    }
--- raw_request eval
"GET /raw HTTP/1.1\r\nHost: localhost\r\nX-Raw: yes\r\nConnection: close\r\n\r\n"
--- response_body: raw yes



=== TEST 10: raw_request in chunks, with a delay between them
--- config
    location /raw {
        return 200 "chunks $http_x_raw";
    }
--- raw_request eval
["GET /raw HTT", "P/1.1\r\nHost: local", "host\r\nX-Raw: joined\r\n",
 "Connection: close\r\n\r\n"]
--- raw_request_middle_delay: 0.01
--- response_body: chunks joined



=== TEST 11: must_die: an unknown directive, from nginx's startup output
--- config
    location /t {
        no_such_directive_here on;
    }
--- must_die
--- error_log
unknown directive "no_such_directive_here"
--- no_error_log
[alert]



=== TEST 12: must_die: main_config lands in the main context
--- main_config
bogus_main_directive 1;
--- must_die
--- error_log eval
qr/unknown directive "bogus_main_directive" in .*nginx\.conf:\d+/



=== TEST 13: HEAD has no body; 204 has none either
--- config
    location /h { return 200 "a body that HEAD does not get\n"; }
    location /n { return 204; }
--- request eval
["HEAD /h", "GET /n"]
--- error_code eval
[200, 204]
--- response_body eval
["", ""]
--- response_headers eval
["Content-Length: 30", "!Content-Length"]



=== TEST 14: a chunked response is decoded
--- config
    location /c {
        sub_filter_types *;
        sub_filter 'x' 'yy';
        sub_filter_once off;
        return 200 "xxx\n";
    }
--- request
GET /c
--- response_headers
Transfer-Encoding: chunked
!Content-Length
--- response_body
yyyyyy



=== TEST 15: an HTTP/1.0 request
--- config
    location /t { return 200 "proto=$server_protocol conn=$http_connection"; }
--- request
GET /t HTTP/1.0
--- response_body: proto=HTTP/1.0 conn=
--- raw_response_headers_like: Connection: close



=== TEST 16: no_error_log and error_log eval forms, grep_error_log
--- config
    location /t {
        return 302 /elsewhere;
    }
--- request
GET /t
--- error_code: 302
--- response_headers_like
Location: http://localhost(:\d+)?/elsewhere
--- error_log eval
["http finalize request", qr/http request line: "GET \/t HTTP\/1\.1"/]
--- no_error_log eval
["[emerg]", qr/\[(?:alert|crit)\]/]
--- grep_error_log eval
qr/http request line: "[^"]+"/
--- grep_error_log_out
http request line: "GET /t HTTP/1.1"



=== TEST 17: slow: the wait and timeout sections
--- config
    location /t { return 200 "ok"; }
--- request
GET /t
--- timeout: 2
--- wait: 0.2
--- response_body: ok



=== TEST 18: log_level for one block
--- config
    location /t { return 200 "ok"; }
--- log_level: warn
--- request
GET /t
--- response_body: ok
--- no_error_log
[debug]
[notice]



=== TEST 19: a SKIP block is not run
--- SKIP
--- config
    location /t { return 200 "ok"; }
--- request
GET /t
--- response_body: this would fail



=== TEST 20: http_config and main_config both apply
--- main_config
worker_rlimit_nofile 512;
--- http_config
    map $uri $from_map {
        default "from http_config";
    }
--- config
    location /t { return 200 $from_map; }
--- request
GET /t
--- response_body: from http_config



=== TEST 21: a keep-alive request: read until the timeout, as the real Test::Nginx does (abort: expected), and checked
--- config
    location /t { return 200 "ka"; }
--- request
GET /t
--- more_headers
Connection: keep-alive
--- timeout: 0.3
--- abort
--- response_headers
Connection: keep-alive
--- response_body: ka



=== TEST 22: the block preprocessor supplies the config
--- request
GET /pre
--- response_body
from the preprocessor



=== TEST 23: the always-defined $TEST_NGINX_ variables, in config and request
--- config
    location /v {
        return 200 "$TEST_NGINX_SERVER_PORT $TEST_NGINX_SERVER_ROOT $arg_w";
    }
--- request
GET /v?w=$TEST_NGINX_SELFTEST_WORD
--- response_body eval
"$Test::Nginx::Util::ServerPort $Test::Nginx::Util::ServRoot expanded"



=== TEST 24: shutdown_error_log sees what nginx logs as it stops
--- config
    location /t { return 200 "ok"; }
--- request
GET /t
--- shutdown_error_log
signal 3 (SIGQUIT) received
--- no_shutdown_error_log
[alert]



=== TEST 25: error_code_like, and an eval regex for the body
--- config
    location /t { return 418 "short and stout"; }
--- request
GET /t
--- error_code_like: ^4\d\d$
--- response_body_like eval
qr/^short and \w+$/



=== TEST 26: a large body arrives whole
--- config
    location /big {
        sub_filter_types *;
        sub_filter '.' '0123456789';
        sub_filter_once off;
        return 200 "$request_uri";
    }
--- request eval
"GET /big/" . ("." x 5000)
--- response_body eval
"/big/" . ("0123456789" x 5000)



=== TEST 27: LAST: the blocks after this one are not read
--- LAST
--- config
    location /t { return 200 "last"; }
--- request
GET /t
--- response_body: last



=== TEST 28: after LAST, would fail
--- config
    location /t { return 200 "ok"; }
--- request
GET /t
--- response_body: this block must never run
