# Self-test of the runner: expectations that do not hold must fail, loudly.
# Each fixture below is a small test file run in a subprocess (with its
# own server root); its TAP and diagnostics are then checked here.

use strict;
use warnings;

use Cwd ();
use File::Spec;
use File::Temp ();
use IO::Socket::INET;
use Test::More;

my $lib  = Cwd::abs_path('t/lib');
my $tmp  = File::Temp->newdir('runner-selftest-XXXXXX', TMPDIR => 1);
my $port = $ENV{TEST_NGINX_SERVER_PORT} || $ENV{TEST_NGINX_PORT} || 1984;

# Runs a fixture; returns (exit code, all output).
sub run_fixture {
    my ($name, $body) = @_;
    my $file = "$tmp/$name.t";
    open my $fh, '>', $file or die "$file: $!";
    print {$fh} $body;
    close $fh;
    local $ENV{TEST_NGINX_SERVROOT} = "$tmp/servroot";
    local $ENV{TEST_NGINX_NO_CLEAN};
    local $ENV{TEST_NGINX_TIMING} = 1;      # "# TEST n: ...: 0.123 s"
    my $out = `'$^X' -I'$lib' '$file' 2>&1`;
    my $code = $? >> 8;
    return ($code, $out);
}

sub not_ok_lines {
    my ($out) = @_;
    return scalar(() = $out =~ /^not ok \d+/mg);
}

my $HEAD = "use Test::Nginx::Socket 'no_plan';\nno_shuffle();\nrun_tests();\n"
         . "__DATA__\n";

# --- a body, a header, a status that do not match --------------------------
{
    my ($code, $out) = run_fixture('mismatch', $HEAD . <<'_EOF_');
=== TEST 1: a body that does not match
--- config
    location /t {
        return 200 "actual body\n";
    }
--- request
GET /t
--- response_body
expected body

=== TEST 2: a status and headers that do not match
--- config
    location /t {
        return 201 "x";
    }
--- request
GET /t
--- error_code: 200
--- response_headers
Content-Type: text/html
X-Not-Sent:

=== TEST 3: the next block still runs and passes
--- config
    location /t {
        return 200 "fine";
    }
--- request
GET /t
--- response_body: fine
_EOF_
    isnt($code, 0, 'mismatch: the test file fails');
    is(not_ok_lines($out), 4, 'mismatch: exactly the four wrong checks fail')
        or diag($out);
    like($out, qr/^not ok 2 - TEST 1: a body that does not match - response_body/m,
         'mismatch: the body check fails');
    like($out, qr/^not ok 3 - TEST 2: .* - status code ok/m,
         'mismatch: the status check fails');
    like($out, qr/^not ok \d+ - TEST 2: .* - header X-Not-Sent ok/m,
         "mismatch: 'Name:' does not accept an absent header");
    like($out, qr/^ok \d+ - TEST 3: .* - response_body/m,
         'mismatch: the next block passes');
    like($out, qr/^# nginx\.conf \(.*\):$/m, 'diag: the config is shown');
    like($out, qr/return 200 "actual body\\n";/,
         "diag: the block's config lines are in it");
    like($out, qr/^# request 1, as sent:\n#\s+GET \/t HTTP\/1\.1$/m,
         'diag: the request is shown');
    like($out, qr/^# response 1, as received:\n#\s+HTTP\/1\.1 200 OK$/m,
         'diag: the response is shown');
    like($out, qr/^#\s+actual body$/m, 'diag: with its body');
    like($out, qr/^# error\.log \(.*\), last \d+ lines:$/m,
         'diag: the error log tail is shown');
    like($out, qr/\[debug\] \d+#\d+: /, 'diag: with error log lines');
}

# --- nginx that does not start --------------------------------------------
{
    my ($code, $out) = run_fixture('nostart', $HEAD . <<'_EOF_');
=== TEST 1: a config nginx refuses
--- config
    location /t {
        bogus_directive_xyz;
    }
--- request
GET /t

=== TEST 2: the next block runs
--- config
    location /t {
        return 200 "fine";
    }
--- request
GET /t
--- response_body: fine
_EOF_
    isnt($code, 0, 'no start: the test file fails');
    like($out, qr/^not ok 1 - TEST 1: a config nginx refuses - nginx started$/m,
         'no start: reported');
    like($out, qr/nginx exited at startup: exit status 1/,
         'no start: how it exited');
    like($out, qr/unknown directive "bogus_directive_xyz"/,
         "no start: nginx's reason is shown");
    like($out, qr/^ok \d+ - TEST 2: .* - response_body/m,
         'no start: the next block passes');
}

# --- must_die on a config that is fine ------------------------------------
{
    my ($code, $out) = run_fixture('nodie', $HEAD . <<'_EOF_');
=== TEST 1: must_die, but nginx starts
--- config
    location /t {
        return 200;
    }
--- must_die
--- error_log
unknown directive
_EOF_
    isnt($code, 0, 'must_die: the test file fails');
    like($out, qr/^not ok 1 - .* - nginx failed to start as expected$/m,
         'must_die: reported');
    like($out, qr/nginx started and listened on port/, 'must_die: why');
    like($out, qr/^not ok 2 - .* - pattern "unknown directive" matches/m,
         'must_die: its error_log is still checked');
}

# --- a request that times out ---------------------------------------------
{
    my ($code, $out) = run_fixture('timeout', $HEAD . <<'_EOF_');
=== TEST 1: nginx waits for the rest of the header
--- config
    location /t {
        return 200;
    }
--- raw_request eval
"GET /t HTTP/1.1\r\nHost: localhost\r\n"
--- timeout: 0.3

=== TEST 2: abort: a timeout that is expected
--- config
    location /t {
        return 200;
    }
--- raw_request eval
"GET /t HTTP/1.1\r\nHost: localhost\r\n"
--- timeout: 100ms
--- abort
--- ignore_response
_EOF_
    isnt($code, 0, 'timeout: the test file fails');
    like($out, qr/^not ok 1 - .* - timeout: no complete response within 0\.3 s$/m,
         'timeout: reported');
    is(not_ok_lines($out), 2, 'timeout: the timeout and the status check, '
                              . 'not the aborted block') or diag($out);
    like($out, qr/^# response 1, as received .*:\n#\s+\(nothing\)/m,
         'timeout: diag says nothing came');
    my ($secs) = $out =~ /^# TEST 1: nginx waits .*: ([\d.]+) s$/m;
    ok(defined $secs && $secs >= 0.3 && $secs < 1.5,
       'timeout: the timeout section is honoured (' . ($secs // '?') . ' s)');
}

# --- the error log checks --------------------------------------------------
{
    my ($code, $out) = run_fixture('errlog', $HEAD . <<'_EOF_');
=== TEST 1: an [error] that must not be, a line that is not there
--- config
--- request
GET /missing.html
--- error_code: 404
--- no_error_log
[error]
[emerg]
--- error_log
this text is nowhere in the log
missing.html" failed
_EOF_
    isnt($code, 0, 'error log: the test file fails');
    is(not_ok_lines($out), 2, 'error log: two checks fail') or diag($out);
    like($out, qr/^not ok \d+ - .* pattern "\[error\]" does not match any line/m,
         'error log: no_error_log fails on a matching line');
    like($out, qr/^# matching lines:\n#\s+\S+ \S+ \[error\] .*missing\.html/m,
         'error log: the matching line is shown');
    like($out, qr/^not ok \d+ - .* pattern "this text is nowhere in the log" matches a line/m,
         'error log: error_log fails on a missing line');
}

# --- an undefined $TEST_NGINX_ variable ------------------------------------
{
    my ($code, $out) = run_fixture('env', $HEAD . <<'_EOF_');
=== TEST 1: a variable nobody defined
--- config
    location /t {
        return 200 "$TEST_NGINX_NO_SUCH_VARIABLE";
    }
--- request
GET /t
_EOF_
    isnt($code, 0, 'env: the test file fails');
    like($out, qr/^not ok 1 - .* environment variables for the block are defined/m,
         'env: reported');
    like($out, qr/not defined: \$TEST_NGINX_NO_SUCH_VARIABLE/, 'env: named');
}

# --- ONLY ------------------------------------------------------------------
{
    my ($code, $out) = run_fixture('only', $HEAD . <<'_EOF_');
=== TEST 1: would fail
--- request
GET /nope
--- response_body: no

=== TEST 2: the only one
--- ONLY
--- config
    location /t {
        return 200 "only";
    }
--- request
GET /t
--- response_body: only

=== TEST 3: would fail too
--- request
GET /nope
--- response_body: no
_EOF_
    is($code, 0, 'ONLY: the file passes') or diag($out);
    like($out, qr/^1\.\.2$/m, 'ONLY: only its two checks ran');
    like($out, qr/I found ONLY/, 'ONLY: Test::Base says so');
}

# --- an eval that dies --------------------------------------------------------
{
    my ($code, $out) = run_fixture('evaldies', $HEAD . <<'_EOF_');
=== TEST 1: more_headers eval calls what does not exist
--- config
    location /t {
        return 200;
    }
--- request
GET /t
--- more_headers eval
"X-A: " . no_such_function_anywhere()
_EOF_
    isnt($code, 0, 'eval dies: the test file fails');
    like($out, qr/^not ok 1 - .* - the code of 'more_headers eval' runs$/m,
         'eval dies: reported');
    like($out, qr/Undefined subroutine .*no_such_function_anywhere/,
         "eval dies: perl's message is shown");
}

# --- a file with its own plan ------------------------------------------------
{
    my ($code, $out) = run_fixture('plan', <<'_EOF_');
use Test::Nginx::Socket;
repeat_each(2);
plan tests => repeat_each() * 2 * blocks();
run_tests();
__DATA__
=== TEST 1: one
--- config
    location /t {
        return 200 "one";
    }
--- request
GET /t
--- response_body: one

=== TEST 2: two
--- config
    location /t {
        return 200 "two";
    }
--- request
GET /t
--- response_body: two
_EOF_
    is($code, 0, 'own plan: the file passes') or diag($out);
    like($out, qr/^1\.\.8$/m, 'own plan: planned up front, as counted');
}

# --- the port is taken -----------------------------------------------------
# (a port the kernel picks, so that no other test run is disturbed)
{
    my $squatter = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                         LocalPort => 0, Listen => 5,
                                         Proto => 'tcp');
    my $busy = $squatter ? $squatter->sockport : 0;
    SKIP: {
        skip "cannot listen: $!", 2 unless $squatter;
        local $ENV{TEST_NGINX_PORT} = $busy;
        local $ENV{TEST_NGINX_SERVER_PORT};
        my ($code, $out) = run_fixture('busy', $HEAD . <<'_EOF_');
=== TEST 1: someone else has the port
--- config
    location /t {
        return 200;
    }
--- request
GET /t
_EOF_
        like($out, qr/^not ok 1 - .* - port $busy is free$/m,
             'busy port: reported, not talked to');
        is(not_ok_lines($out), 1, 'busy port: one failure') or diag($out);
        # the lock file of that one-off port
        unlink File::Spec->catfile(File::Spec->tmpdir,
                                   "test-nginx-port-$busy.lock");
    }
}

# --- as the real Test::Nginx reads a block ---------------------------------
{
    my ($code, $out) = run_fixture('real', $HEAD . <<'_EOF_');
=== TEST 1: error_log in a block of two requests: checked after each one
--- config
    location /t {
        return 200 "t\n";
    }
--- request eval
["GET /t", "GET /missing-one.html"]
--- error_code eval
[200, 404]
--- response_body eval
["t\n", qr/404 Not Found/]
--- error_log
missing-one.html" failed

=== TEST 2: undef, a plain value, an empty pattern, both of two sections
--- config
    location /t {
        return 200 "t\n";
    }
--- request eval
["GET /t", "GET /t"]
--- error_code: 200
--- response_body eval
["t\n", undef]
--- response_body_like eval
["", "t"]

=== TEST 3: a block without config
--- request
GET /

=== TEST 4: a response complete on a connection nginx keeps open
--- config
    location /t {
        return 200 "t\n";
    }
--- request
GET /t
--- more_headers
Connection: keep-alive
--- timeout: 0.3
--- response_body
t
_EOF_
    isnt($code, 0, 'real: the test file fails');
    is(not_ok_lines($out), 4, 'real: four failures') or diag($out);
    like($out, qr/^not ok \d+ - TEST 1: .* pattern "missing-one\.html" failed" matches a line in error\.log \(req 0\)$/m,
         'real: error_log fails in the window of the request without the line');
    like($out, qr/^ok \d+ - TEST 1: .* pattern "missing-one\.html" failed" matches a line in error\.log \(req 1\)$/m,
         'real: error_log passes in the window of the request with it');
    like($out, qr/^not ok \d+ - TEST 2: .* - the response checks are well formed$/m,
         'real: check sections the real runner reads otherwise fail');
    like($out, qr/^# error_code is not an array/m, 'real: a plain value with two requests');
    like($out, qr/^# response_body element 1 is undef/m, 'real: an undef element');
    like($out, qr/^# response_body_like element 0 is an empty pattern/m,
         'real: an empty pattern');
    like($out, qr/^# response_body_like is ignored by the real Test::Nginx when response_body is there/m,
         'real: two sections of which the real runner reads one');
    like($out, qr/^not ok \d+ - TEST 3: .* - the block has a config section$/m,
         'real: a block without config fails');
    like($out, qr/^not ok \d+ - TEST 4: .* - timeout: the connection was still open/m,
         'real: the connection is read until it closes');
    like($out, qr/^ok \d+ - TEST 4: .* - response_body/m,
         'real: the response itself is still checked');
}

# --- nothing left running --------------------------------------------------
{
    require lib;
    lib->import($lib);
    require Test::Nginx::Util;
    # (with the lock other test runs take, not to see one of theirs)
    my $lock = Test::Nginx::Util::lock_port($port, 600);
    my $in_use = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                       PeerPort => $port, Proto => 'tcp',
                                       Timeout => 0.5);
    ok(!$in_use, "nothing listens on $port after the fixtures");
}

done_testing();
