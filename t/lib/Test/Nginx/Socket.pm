package Test::Nginx::Socket;

# jwtgate's Test::Nginx-compatible runner: runs the data-driven test files
# written for Test::Nginx::Socket (CPAN) unchanged, on Debian's Test::Base.
# Written for this project from Test::Nginx's documented behaviour; see
# t/lib/README.md for what it supports and how it differs.
#
#   use Test::Nginx::Socket 'no_plan';
#   repeat_each(1);
#   no_shuffle();
#   run_tests();
#   __DATA__
#   === TEST 1: ...
#   --- config
#   --- request
#   ...

use strict;
use warnings;

use Test::Base ();
our @ISA = ('Test::Base');

use IO::Select;
use IO::Socket::INET;
use List::Util ();
use POSIX ();
use Socket qw(IPPROTO_TCP TCP_NODELAY);
use Test::More ();
use Time::HiRes ();

use Test::Nginx::Util qw(:all);

our $VERSION = '0.1';

# Exported to the test file (Spiffy's import, through Test::Base, also
# exports Test::Base's own list: blocks, is, ok, like, plan, diag, ...).
our @EXPORT = qw(
    run_tests run_test repeat_each no_shuffle workers master_on master_off
    master_process_enabled log_level add_block_preprocessor
    add_response_body_check add_cleanup_handler no_root_location
    env_to_nginx worker_connections
    server_port server_port_for_client server_root html_dir no_long_string
    bail_out
    done_testing note explain subtest BAIL_OUT
    $ServerPort $ServerPortForClient $ServRoot $HtmlDir $ConfFile
    $ErrLogFile $NginxBinary $LogLevel $RepeatEach $Timeout
);

{
    no warnings 'once';
    *done_testing = \&Test::More::done_testing;
    *note         = \&Test::More::note;
    *explain      = \&Test::More::explain;
    *subtest      = \&Test::More::subtest;
    *BAIL_OUT     = \&Test::More::BAIL_OUT;
}

my $TB = Test::More->builder;

our @BlockTimes;          # [name, seconds, tests] per block run
our @ResponseBodyChecks;  # add_response_body_check
our $CurrentPid;          # the nginx we started and have not reaped
my  $LeaveRunning;        # TEST_NGINX_NO_CLEAN: keep the last one

# ---------------------------------------------------------------------------
# settings

sub repeat_each (@) {
    $RepeatEach = shift if @_;
    return $RepeatEach;
}

sub no_shuffle ()          { $NoShuffle = 1 }
sub workers ($)            { $Workers = shift }
sub master_on ()           { $MasterProcessEnabled = 1 }
sub master_off ()          { $MasterProcessEnabled = 0 }
sub no_root_location ()    { $NoRootLocation = 1 }
sub no_long_string ()      { $NoLongString = 1 }
sub env_to_nginx (@)       { push @EnvToNginx, @_ }
# the newest runs first, as in the real Test::Nginx
sub add_block_preprocessor (&) { unshift @BlockPreprocessors, shift }
sub add_response_body_check ($) { push @ResponseBodyChecks, shift }
sub add_cleanup_handler (&)    { push @CleanupHandlers, shift }
sub server_port ()         { $ServerPort }
sub server_port_for_client () { $ServerPortForClient }
sub server_root ()         { $ServRoot }
sub html_dir ()            { $HtmlDir }

sub master_process_enabled (@) {
    $MasterProcessEnabled = $_[0] ? 1 : 0 if @_;
    return $MasterProcessEnabled;
}

sub log_level (@) {
    $LogLevel = shift if @_;
    return $LogLevel;
}

sub worker_connections (@) {
    $WorkerConnections = shift if @_;
    return $WorkerConnections;
}

sub bail_out (@) {
    _stop_current();
    Test::More::BAIL_OUT(@_);
}

# ---------------------------------------------------------------------------
# running

sub run_tests () {
    Test::More::plan('no_plan') unless $TB->has_plan;
    my @blocks = Test::Base::blocks();
    @blocks = List::Util::shuffle(@blocks) unless $NoShuffle;

    local $SIG{PIPE} = 'IGNORE';
    local $SIG{INT}  = sub { _stop_current(); exit 130 };
    local $SIG{TERM} = sub { _stop_current(); exit 143 };

    my $lock = lock_port($ServerPort, 600, sub {
        Test::More::note("waiting for another test run on port "
                         . "$ServerPort to finish (lock $_[0])");
    });
    Test::More::diag("could not lock port $ServerPort against other test "
                     . "runs; going on without") unless $lock;

    for my $i (0 .. $#blocks) {
        _run_block($blocks[$i], $i == $#blocks);
    }
    $_->() for @CleanupHandlers;
    return;
}

sub run_test ($) {
    my ($block) = @_;
    local $SIG{PIPE} = 'IGNORE';
    _run_block($block, 1);
}

sub _stop_current {
    return unless $CurrentPid;
    stop_nginx($CurrentPid);
    $CurrentPid = undef;
}

END {
    local $?;
    _stop_current() unless $LeaveRunning;
}

# The value of a section, or its $i-th element when an eval gave an array.
sub _at {
    my ($v, $i) = @_;
    return ref $v eq 'ARRAY' ? $v->[$i] : $v;
}

# A section's value; undef when the block does not have it (Test::Base's
# AUTOLOAD answers for sections no block has).
sub _sec {
    my ($block, $name) = @_;
    return scalar $block->$name;
}

sub _seconds {
    my ($v, $default) = @_;
    return $default unless defined $v && length $v;
    return $1 / 1000 if $v =~ /^\s*([\d.]+)\s*ms\s*$/;
    return $1 if $v =~ /^\s*([\d.]+)\s*s?\s*$/;
    return $default;
}

sub _run_block {
    my ($block, $is_last) = @_;
    my $t0 = Time::HiRes::time();
    my $first = $TB->current_test;
    my $ctx = {
        block => $block,
        name  => scalar($block->name) // 'unnamed block',
        first_test => $first,
        diagged_at => $first,
    };
    eval { _run_block_body($ctx, $is_last); 1 } or do {
        my $err = $@;
        Test::More::fail("$ctx->{name} - runner error");
        Test::More::diag($err);
        _stop_current() unless $LeaveRunning;
    };
    _diag_context($ctx, 'end') if _failed_since($ctx->{diagged_at});
    my $dt = Time::HiRes::time() - $t0;
    push @BlockTimes, [ $ctx->{name}, $dt, $TB->current_test - $first ];
    Test::More::note(sprintf "%s: %.3f s", $ctx->{name}, $dt)
        if $ENV{TEST_NGINX_TIMING};
}

sub _run_block_body {
    my ($ctx, $is_last) = @_;
    my $block = $ctx->{block};
    my $name  = $ctx->{name};

    $_->($block) for @BlockPreprocessors;

    return if _skipped($ctx);
    return unless _evals_ran($ctx);

    my $caps = nginx_capabilities();
    unless ($caps->{ok}) {
        Test::More::fail("$name - nginx binary found");
        Test::More::diag($caps->{error});
        return;
    }

    # the config sections and the files, $TEST_NGINX_* expanded
    my (%conf, @missing);
    for my $s (qw(main_config http_config config)) {
        my ($text, @m) = expand_env(_sec($block, $s) // '');
        $conf{$s} = $text;
        push @missing, @m;
    }
    my @files = _parse_user_files(_sec($block, 'user_files'));
    for my $f (@files) {
        ($f->[1], my @m) = expand_env($f->[1]);
        push @missing, @m;
    }

    unless (defined _sec($block, 'config')) {
        # the real Test::Nginx bails out at a first block without one, and
        # sends a later one's requests to the nginx of the block before
        Test::More::fail("$name - the block has a config section");
        Test::More::diag("no --- config: the real Test::Nginx would reuse "
                         . "the previous block's nginx (give an empty one)");
        return;
    }

    # the real Test::Nginx's server listens on *:port, ours on
    # 127.0.0.1:port: a server {} of the block's own on the server port
    # would get the connections under one and not under the other
    for my $s (qw(main_config http_config config)) {
        next unless $conf{$s} =~ /^\s*listen\s+(?:[^\s;]*:)?\Q$ServerPort\E[\s;]/m;
        Test::More::fail("$name - no server {} of the block's own on the "
                         . "server port");
        Test::More::diag("$s: a listen on port $ServerPort: give it a port "
                         . "of its own (see t/lib/README.md)");
        return;
    }

    my $must_die = defined _sec($block, 'must_die');
    unless ($must_die) {
        $ctx->{exchanges} = _plan_exchanges($ctx, \@missing);
        return unless $ctx->{exchanges};
        return unless _sections_agree($ctx);
    }

    if (@missing) {
        my %seen;
        @missing = grep { !$seen{$_}++ } @missing;
        Test::More::fail("$name - environment variables for the block "
                         . "are defined");
        Test::More::diag("not defined: " . join(', ', map "\$$_", @missing));
        return;
    }

    my $conf = build_nginx_conf(
        %conf,
        log_level => _sec($block, 'log_level') // $LogLevel,
        workers   => $Workers,
        master    => $MasterProcessEnabled,
        no_root_location => $NoRootLocation,
    );
    $ctx->{conf} = $conf;

    if (port_listening($ServerPort)) {
        Test::More::fail("$name - port $ServerPort is free");
        Test::More::diag("something already listens on port $ServerPort: "
            . "another program, or an nginx left running by "
            . "TEST_NGINX_NO_CLEAN (its pid may be in $PidFile)");
        return;
    }

    prepare_servroot();
    write_conf($conf);
    write_user_files(@files);
    $ctx->{prepared} = 1;

    my $pid = start_nginx();
    $CurrentPid = $pid;

    return _run_must_die($ctx, $pid) if $must_die;

    my ($state, $st) = wait_ready($pid, 5);
    if ($state ne 'ready') {
        if ($state eq 'timeout') {
            stop_nginx($pid);
            Test::More::fail("$name - nginx started");
            Test::More::diag("nginx did not listen on port $ServerPort "
                             . "within 5 s");
        } else {
            Test::More::fail("$name - nginx started");
            Test::More::diag("nginx exited at startup: "
                             . describe_status($st));
        }
        $CurrentPid = undef;
        return;
    }

    for my $r (0 .. $RepeatEach - 1) {
        _run_repetition($ctx, $r);
        my ($alive, $status) = nginx_running($pid);
        unless ($alive) {
            $CurrentPid = undef;
            Test::More::fail("$name - nginx still running after the "
                             . "requests");
            Test::More::diag("nginx exited: " . describe_status($status));
            return;
        }
    }

    if ($ENV{TEST_NGINX_NO_CLEAN} && $is_last) {
        $LeaveRunning = 1;
        Test::More::diag("TEST_NGINX_NO_CLEAN: nginx (pid $pid) left "
                         . "running on port $ServerPort");
        return;
    }

    my $off = file_size($ErrLogFile);
    my ($status, $how) = stop_nginx($pid);
    $CurrentPid = undef;
    if ($how ne 'quit' || !defined $status || $status != 0) {
        Test::More::fail("$name - nginx stopped cleanly");
        Test::More::diag("nginx on SIGQUIT: "
            . ($how eq 'quit' ? describe_status($status)
               : "did not exit in time, stopped with SIG" . uc($how)
                 . (defined $status ? ', ' . describe_status($status)
                                    : '')));
    }
    my @lines = _lines_of(read_from($ErrLogFile, $off));
    _check_log_patterns($ctx, \@lines, '', 'shutdown_error_log',
                        'no_shutdown_error_log');
}

sub _skipped {
    my ($ctx) = @_;
    my $block = $ctx->{block};
    my $name  = $ctx->{name};
    if (defined(my $se = _sec($block, 'skip_eval'))) {
        if ($se =~ /^\s*(\d+)\s*:\s*(.*)\z/s) {
            my ($n, $code) = ($1, $2);
            my $r = eval "package main; no strict; $code";
            if ($@) {
                Test::More::fail("$name - skip_eval code runs");
                Test::More::diag($@);
                return 1;
            }
            if ($r) {
                $TB->skip("$name - skip_eval") for 1 .. $n;
                return 1;
            }
        }
    }
    if (defined(my $sn = _sec($block, 'skip_nginx'))) {
        if ($sn =~ /^\s*(\d+)\s*:\s*(<=|>=|<|>|==|!=)\s*(\d+(?:\.\d+)*)/) {
            my ($n, $op, $want) = ($1, $2, $3);
            my $have = nginx_capabilities()->{version} // '0';
            my $cmp = _vcmp($have, $want);
            my %ok = ('<' => $cmp < 0, '<=' => $cmp <= 0, '>' => $cmp > 0,
                      '>=' => $cmp >= 0, '==' => $cmp == 0,
                      '!=' => $cmp != 0);
            if ($ok{$op}) {
                $TB->skip("$name - nginx $have $op $want") for 1 .. $n;
                return 1;
            }
        }
    }
    return 0;
}

# Test::Base's eval filter gives the error text as the section's value
# when the code dies or does not compile: fail the block rather than use
# it as a request or a pattern.
sub _evals_ran {
    my ($ctx) = @_;
    my $block = $ctx->{block};
    my $map = $block->_section_map || {};
    my $ok = 1;
    for my $sec (sort keys %$map) {
        next unless ($map->{$sec}{filters} // '') =~ /(?:^|\s)eval(?:\s|$)/;
        my $v = _sec($block, $sec);
        next if ref $v || !defined $v;
        next unless $v =~ /\(eval \d+\) line \d+/;
        Test::More::fail("$ctx->{name} - the code of '$sec eval' runs");
        Test::More::diag($v);
        $ok = 0;
    }
    return $ok;
}

sub _vcmp {
    my @a = split /\./, shift;
    my @b = split /\./, shift;
    while (@a || @b) {
        my $c = (shift(@a) // 0) <=> (shift(@b) // 0);
        return $c if $c;
    }
    return 0;
}

# ---------------------------------------------------------------------------
# must_die

sub _run_must_die {
    my ($ctx, $pid) = @_;
    my $name = $ctx->{name};
    my ($state, $st) = wait_ready($pid, 5);
    if ($state eq 'ready') {
        # it listens; it may still fail in its worker initialisation
        my $s = wait_exit($pid, 0.3);
        ($state, $st) = ('exited', $s) if defined $s;
    }
    if ($state eq 'exited') {
        $CurrentPid = undef;
        Test::More::ok($st != 0, "$name - nginx failed to start as "
                                 . "expected")
            or Test::More::diag("nginx exited with status 0");
    } else {
        stop_nginx($pid);
        $CurrentPid = undef;
        Test::More::fail("$name - nginx failed to start as expected");
        Test::More::diag($state eq 'ready'
            ? "nginx started and listened on port $ServerPort"
            : "nginx neither exited nor listened within 5 s");
    }
    # error.log only, as the real Test::Nginx reads it (nginx -e puts the
    # startup's messages there, as "[emerg] PID#TID: ..."; stderr has them
    # as "nginx: [emerg] ..."); without -e, stderr too
    my @lines = _lines_of(slurp($ErrLogFile));
    unshift @lines, _lines_of(slurp($StderrFile))
        unless nginx_capabilities()->{has_e};
    $ctx->{must_die_lines} = \@lines;
    _check_log_patterns($ctx, \@lines, '', 'error_log', 'no_error_log');
}

# ---------------------------------------------------------------------------
# the requests of a block

# Returns the list of exchanges (one connection each):
#   { chunks => [bytes...], methods => [method per response],
#     delay => seconds between chunks, first => index of its 1st response }
# or undef after a failed test.  Adds undefined $TEST_NGINX_* to $missing.
sub _plan_exchanges {
    my ($ctx, $missing) = @_;
    my $block = $ctx->{block};
    my $name  = $ctx->{name};
    my $more  = _sec($block, 'more_headers');
    my @ex;

    my $x = sub {
        my ($t) = @_;
        my ($v, @m) = expand_env($t);
        push @$missing, @m;
        return $v;
    };

    if (defined(my $pr = _sec($block, 'pipelined_requests'))) {
        my @reqs = ref $pr eq 'ARRAY' ? @$pr
                 : grep { /\S/ } split /\n/, $pr;
        my ($bytes, @methods) = ('');
        for my $i (0 .. $#reqs) {
            my ($req, $meth, $err) = _build_request(
                $x->($reqs[$i]), $x->(_at($more, $i)),
                $i == $#reqs ? 'close' : 'keep-alive');
            return _bad_request($name, $err) if $err;
            $bytes .= $req;
            push @methods, $meth;
        }
        push @ex, { chunks => [$bytes], methods => \@methods, first => 0 };
    }
    elsif (defined(my $raw = _sec($block, 'raw_request'))) {
        my @chunks = ref $raw eq 'ARRAY' ? @$raw : ($raw);
        my ($meth) = join('', @chunks) =~ /^\s*(\S+)/;
        push @ex, { chunks => \@chunks, methods => [ $meth // 'GET' ],
                    first => 0,
                    delay => _seconds(_sec($block,
                                           'raw_request_middle_delay'), 0) };
    }
    elsif (defined(my $rq = _sec($block, 'request'))) {
        my @reqs = ref $rq eq 'ARRAY' ? @$rq : ($rq);
        for my $i (0 .. $#reqs) {
            my ($req, $meth, $err) = _build_request(
                $x->($reqs[$i]), $x->(_at($more, $i)), undef);
            return _bad_request($name, $err) if $err;
            push @ex, { chunks => [$req], methods => [$meth], first => $i };
        }
    }
    return \@ex;
}

# The checks on responses, as the real Test::Nginx reads them.  With
# several requests (or pipelined_requests) each must be an array with a
# defined element per request: the real one bails out on a plain value,
# and an undef element is no "no check" there (an undef error_code or
# response_body always fails, an undef error_code_like, response_body_like
# or response_headers always passes).  And of two sections where the real
# one looks at the first only, giving both is an error.
my @RESPONSE_CHECKS = qw(error_code error_code_like response_body
    response_body_like response_body_unlike response_headers
    response_headers_like raw_response_headers_like
    raw_response_headers_unlike);
my @EXCLUSIVE = (
    [ error_code_like => 'error_code' ],
    [ response_body => 'response_body_like' ],
    [ response_body => 'response_body_unlike' ],
    [ response_body_like => 'response_body_unlike' ],
    [ response_headers => 'response_headers_like' ],
);

sub _sections_agree {
    my ($ctx) = @_;
    my $block = $ctx->{block};
    my $name  = $ctx->{name};
    return 1 if defined _sec($block, 'ignore_response');
    my $total = 0;
    $total += @{ $_->{methods} } for @{ $ctx->{exchanges} };
    my $need_array = $total > 1
                     || defined _sec($block, 'pipelined_requests');
    my @bad;
    for my $s (@RESPONSE_CHECKS) {
        my $v = _sec($block, $s);
        next unless defined $v;
        # an empty pattern matches anything: a check that cannot fail
        # (an empty response_headers[_like] checks no header: no test)
        if ($s =~ /_like\z/ && $s !~ /^response_headers/) {
            my @e = ref $v eq 'ARRAY' ? @$v : ($v);
            for my $i (0 .. $#e) {
                push @bad, "$s" . (ref $v eq 'ARRAY' ? " element $i" : '')
                           . " is an empty pattern (it matches anything)"
                    if defined $e[$i] && !ref $e[$i] && $e[$i] !~ /\S/;
            }
        }
        if (ref $v eq 'ARRAY') {
            if (@$v != $total) {
                push @bad, "$s has " . @$v . " element(s) for $total "
                           . "request(s)";
            }
            for my $i (0 .. $#$v) {
                push @bad, "$s element $i is undef (the real Test::Nginx "
                           . "has no \"no check\")" unless defined $v->[$i];
            }
        } elsif ($need_array) {
            push @bad, "$s is not an array, with $total requests (the real "
                       . "Test::Nginx bails out)";
        }
    }
    for my $pair (@EXCLUSIVE) {
        my ($first, $ignored) = @$pair;
        push @bad, "$ignored is ignored by the real Test::Nginx when $first "
                   . "is there"
            if defined _sec($block, $first) && defined _sec($block, $ignored);
    }
    return 1 unless @bad;
    Test::More::fail("$name - the response checks are well formed");
    Test::More::diag(join "\n", @bad);
    return 0;
}

sub _bad_request {
    my ($name, $err) = @_;
    Test::More::fail("$name - request section is valid");
    Test::More::diag($err);
    return undef;
}

# "METHOD URI [HTTP/x.y]" on the first line, the body on the next ones
# (leading and trailing white space removed).  Adds Host, Connection and
# Content-Length unless more_headers has them.
sub _build_request {
    my ($text, $more, $conn) = @_;
    return (undef, undef, "empty request") unless defined $text;
    $text =~ s/\A\s+//;
    my ($line, $body) = split /\r?\n/, $text, 2;
    $line //= '';
    $line =~ s/\s+\z//;
    my ($meth, $rest) = $line =~ /^(\S+)\s+(\S.*)$/
        or return (undef, undef, "bad request line: '$line'");
    my $ver = 'HTTP/1.1';
    $ver = $1 if $rest =~ s{\s+(HTTP/\d+(?:\.\d+)?)\z}{};
    $body //= '';
    $body =~ s/\A\s+//;
    $body =~ s/\s+\z//;

    my @h;
    for my $l (split /\r?\n/, $more // '') {
        next unless $l =~ /\S/;
        push @h, $l;
    }
    my %have = map { /^\s*([^:\s]+)\s*:/ ? (lc $1 => 1) : () } @h;
    unshift @h, 'Host: localhost' unless $have{host};
    if (!$have{connection}) {
        if ($ver eq 'HTTP/1.0') {
            push @h, 'Connection: keep-alive' if ($conn // '') eq 'keep-alive';
        } else {
            push @h, 'Connection: ' . ($conn // 'close');
        }
    }
    push @h, 'Content-Length: ' . length($body)
        if length $body && !$have{'content-length'}
           && !$have{'transfer-encoding'};
    my $req = "$meth $rest $ver\r\n" . join('', map { "$_\r\n" } @h)
            . "\r\n" . $body;
    return ($req, $meth);
}

# ---------------------------------------------------------------------------
# one run of a block's requests and checks

sub _run_repetition {
    my ($ctx, $r) = @_;
    my $block = $ctx->{block};
    my $name  = $ctx->{name};
    my $timeout = _seconds(_sec($block, 'timeout'), $Timeout);
    # the error log is read in windows, as the real Test::Nginx does: after
    # each response but the last, what was logged since the previous
    # window; after the last, the rest.  The first window of the first
    # repetition starts at the beginning (nginx's startup included).
    my %off = (log => $r == 0 ? 0 : file_size($ErrLogFile),
               err => $r == 0 ? 0 : file_size($StderrFile));

    my $total = 0;
    $total += @{ $_->{methods} } for @{ $ctx->{exchanges} };
    my $sfx = sub {
        my ($i) = @_;
        my @p;
        push @p, "repeat $r" if $RepeatEach > 1;
        push @p, "req $i" if defined $i && $total > 1;
        return @p ? ' (' . join(', ', @p) . ')' : '';
    };

    my $quiet = defined _sec($block, 'ignore_response');
    my $abort = defined _sec($block, 'abort');
    my $wait  = _sec($block, 'wait');
    my $done  = 0;
    $ctx->{repeat} = $r;
    $ctx->{results} = [];
    for my $ex (@{ $ctx->{exchanges} }) {
        my $res = _http_exchange($ex, $timeout);
        push @{ $ctx->{results} }, $res;
        # a timeout fails even with ignore_response, as in the real one
        if ($res->{error} && !($res->{timeout} ? $abort : $quiet)) {
            Test::More::fail("$name - $res->{error}"
                             . $sfx->(@{ $ex->{methods} } > 1 ? undef
                                                              : $ex->{first}));
        }
        my @resps = @{ $res->{responses} };
        for my $k (0 .. $#{ $ex->{methods} }) {
            my $i = $ex->{first} + $k;
            _check_response($ctx, $resps[$k], $i, $sfx->($i));
            _check_log_window($ctx, \%off, $r, $wait, $sfx->($i))
                if ++$done < $total;
        }
    }
    _check_log_window($ctx, \%off, $r, $wait,
                      $sfx->($total > 1 ? $total - 1 : undef));

    _diag_context($ctx, "repeat $r") if _failed_since($ctx->{diagged_at});
}

# One window of the error log: the lines logged since the last one (the
# offsets in %$off move on), checked against error_log, no_error_log and
# grep_error_log, and for a worker that crashed.
sub _check_log_window {
    my ($ctx, $off, $r, $wait, $sfx) = @_;
    my $name = $ctx->{name};
    if (defined $wait) {
        Time::HiRes::sleep(_seconds($wait, 0));
    } else {
        # let the log lines written after the last byte was sent land
        Time::HiRes::sleep($MasterProcessEnabled || $Workers > 1 ? 0.05
                                                                 : 0.01);
    }
    my $text = read_from($ErrLogFile, $off->{log});
    # a line still being written goes to the next window
    $text =~ s/[^\n]+\z//;
    $off->{log} += length $text;
    my @lines = _lines_of($text);
    unless (nginx_capabilities()->{has_e}) {
        my $err = read_from($StderrFile, $off->{err});
        $err =~ s/[^\n]+\z//;
        $off->{err} += length $err;
        push @lines, _lines_of($err);
    }
    $ctx->{window} = \@lines;
    _check_log_patterns($ctx, \@lines, $sfx, 'error_log', 'no_error_log');
    _check_grep_log($ctx, \@lines, $r, $sfx);

    # a worker that crashed was replaced by its master: say so anyway
    my @crashed = grep { /\[alert\].* exited on signal \d+/ } @lines;
    if (@crashed) {
        Test::More::fail("$name - no nginx process crashed$sfx");
        Test::More::diag(join "\n", @crashed);
    }
}

sub _check_response {
    my ($ctx, $resp, $i, $sfx) = @_;
    my $block = $ctx->{block};
    my $name  = $ctx->{name};
    return if defined _sec($block, 'ignore_response');
    $resp //= {};

    # status
    my $code = $resp->{status} // '';
    if (defined(my $like = _at(_sec($block, 'error_code_like'), $i))) {
        $like = qr/$like/ unless ref $like eq 'Regexp';
        Test::More::like($code, $like, "$name - status code ok$sfx");
    } else {
        my $exp = _sec($block, 'error_code');
        $exp = defined $exp ? _at($exp, $i) : 200;
        Test::More::is($code, $exp, "$name - status code ok$sfx")
            if defined $exp;
    }

    # headers
    for my $line (_spec_lines(_at(_sec($block, 'response_headers'), $i))) {
        if ($line =~ /^\s*!\s*([^:\s]+)\s*$/) {
            my $k = $1;
            my $got = _header($resp, $k);
            Test::More::ok(!defined $got, "$name - header $k not present$sfx")
                or Test::More::diag("got: $k: $got");
        } elsif ($line =~ /^\s*([^:\s]+)\s*:\s*(.*?)\s*$/) {
            my ($k, $v) = ($1, $2);
            Test::More::is(_header($resp, $k), $v, "$name - header $k ok$sfx");
        } else {
            Test::More::fail("$name - response_headers line understood$sfx");
            Test::More::diag("not 'Name: value' nor '!Name': '$line'");
        }
    }
    for my $line (_spec_lines(_at(_sec($block, 'response_headers_like'),
                                  $i))) {
        if ($line =~ /^\s*([^:\s]+)\s*:\s*(.*?)\s*$/) {
            my ($k, $p) = ($1, $2);
            my $got = _header($resp, $k);
            Test::More::ok(defined $got && $got =~ /^(?:$p)$/s,
                           "$name - header $k like ok$sfx")
                or Test::More::diag("     got: "
                    . ($got // '(no such header)') . "\n"
                    . "expected: /^(?:$p)\$/");
        } else {
            Test::More::fail("$name - response_headers_like line "
                             . "understood$sfx");
            Test::More::diag("not 'Name: regex': '$line'");
        }
    }
    my $raw_head = $resp->{raw_head} // '';
    if (defined(my $p = _at(_sec($block, 'raw_response_headers_like'), $i))) {
        Test::More::like($raw_head, ref $p ? $p : qr/$p/s,
                         "$name - raw_response_headers_like ok$sfx");
    }
    if (defined(my $p = _at(_sec($block, 'raw_response_headers_unlike'),
                            $i))) {
        Test::More::unlike($raw_head, ref $p ? $p : qr/$p/s,
                           "$name - raw_response_headers_unlike ok$sfx");
    }

    # body
    my $body = $resp->{body} // '';
    if (defined(my $exp = _at(_sec($block, 'response_body'), $i))) {
        if (ref $exp eq 'Regexp') {
            Test::More::like($body, $exp,
                             "$name - response_body - like$sfx");
        } else {
            Test::Base::is($body, $exp,
                           "$name - response_body - response is expected$sfx");
        }
    }
    if (defined(my $p = _at(_sec($block, 'response_body_like'), $i))) {
        Test::More::like($body, ref $p ? $p : qr/$p/s,
                         "$name - response_body_like - response is "
                         . "expected$sfx");
    }
    if (defined(my $p = _at(_sec($block, 'response_body_unlike'), $i))) {
        Test::More::unlike($body, ref $p ? $p : qr/$p/s,
                           "$name - response_body_unlike - response is "
                           . "expected$sfx");
    }

    # (block, body, request index, repetition, dry run), as the real one
    $_->($block, $body, $i, $ctx->{repeat} // 0, 0) for @ResponseBodyChecks;
}

sub _header {
    my ($resp, $name) = @_;
    my @v = map { $_->[1] } grep { lc $_->[0] eq lc $name }
            @{ $resp->{headers} || [] };
    return @v ? join(', ', @v) : undef;
}

sub _spec_lines {
    my ($spec) = @_;
    return () unless defined $spec;
    return grep { /\S/ } map { s/\r\z//r } split /\n/, $spec;
}

sub _lines_of {
    my ($text) = @_;
    return () unless defined $text && length $text;
    return split /\n/, $text;
}

# ---------------------------------------------------------------------------
# the error log

# A section's patterns: lines of text (substrings), or from eval a Regexp,
# or an array of strings and Regexps.
sub _patterns {
    my ($v) = @_;
    return () unless defined $v;
    return ($v) if ref $v eq 'Regexp';
    return map { ref $_ eq 'Regexp' ? $_ : length $_ ? ($_) : () } @$v
        if ref $v eq 'ARRAY';
    return grep { length } map { s/\r\z//r } split /\n/, $v;
}

sub _pat_desc {
    my ($p) = @_;
    return ref $p ? "$p" : qq{"$p"};
}

sub _matching {
    my ($lines, $p, $max) = @_;
    my @m;
    for my $l (@$lines) {
        if (ref $p ? $l =~ $p : index($l, $p) >= 0) {
            push @m, $l;
            last if @m >= $max;
        }
    }
    return @m;
}

sub _check_log_patterns {
    my ($ctx, $lines, $sfx, $want_sec, $not_sec) = @_;
    my $block = $ctx->{block};
    my $name  = $ctx->{name};
    my $file  = $want_sec =~ /shutdown/ ? 'error.log at shutdown'
              : defined _sec($block, 'must_die') ? 'the startup output'
              : 'error.log';
    for my $p (_patterns(_sec($block, $want_sec))) {
        Test::More::ok(scalar(_matching($lines, $p, 1)),
            "$name - pattern " . _pat_desc($p) . " matches a line in "
            . "$file$sfx");
    }
    for my $p (_patterns(_sec($block, $not_sec))) {
        my @m = _matching($lines, $p, 5);
        Test::More::ok(!@m, "$name - pattern " . _pat_desc($p)
                            . " does not match any line in $file$sfx")
            or Test::More::diag("matching lines:\n"
                                . join("\n", map { "  $_" } @m));
    }
}

sub _check_grep_log {
    my ($ctx, $lines, $r, $sfx) = @_;
    my $block = $ctx->{block};
    my $p = _at(_sec($block, 'grep_error_log'), $r);
    return unless defined $p;
    my $exp = _at(_sec($block, 'grep_error_log_out'), $r);
    return unless defined $exp;
    unless (ref $p) {
        $p =~ s/\n\z//;
        $p = qr/\Q$p\E/;
    }
    # the first match of each line, as the real Test::Nginx does
    my $got = '';
    for my $l (@$lines) {
        $got .= "$&\n" if $l =~ $p;
    }
    if (ref $exp eq 'Regexp') {
        Test::More::like($got, $exp, "$ctx->{name} - grep_error_log_out$sfx");
    } else {
        Test::Base::is($got, $exp, "$ctx->{name} - grep_error_log_out$sfx");
    }
}

# ---------------------------------------------------------------------------
# the HTTP client

# Sends $ex's chunks on one connection and reads as many responses as it
# has methods.  Returns { request, raw, responses => [...], error, timeout }.
sub _http_exchange {
    my ($ex, $timeout) = @_;
    my $res = { request => join('', @{ $ex->{chunks} }), raw => '',
                responses => [] };
    my $deadline = Time::HiRes::time() + $timeout;
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $ServerPortForClient,
                                     Proto => 'tcp', Timeout => $timeout);
    unless ($sock) {
        $res->{error} = "connect to 127.0.0.1:$ServerPortForClient failed: "
                      . ($@ || $!);
        return $res;
    }
    setsockopt($sock, IPPROTO_TCP, TCP_NODELAY, 1);
    $sock->blocking(0);
    my $sel = IO::Select->new($sock);
    my ($buf, $eof, $write_err) = ('', 0, undef);

    my @chunks = @{ $ex->{chunks} };
    CHUNK:
    for my $c (0 .. $#chunks) {
        my $data = $chunks[$c] // '';
        my $off = 0;
        while ($off < length $data) {
            my $left = $deadline - Time::HiRes::time();
            if ($left <= 0) {
                $res->{timeout} = 1;
                last CHUNK;
            }
            next unless $sel->can_write($left);
            my $n = syswrite($sock, $data, length($data) - $off, $off);
            unless (defined $n) {
                next if $!{EAGAIN} || $!{EWOULDBLOCK} || $!{EINTR};
                $write_err = "$!";
                last CHUNK;
            }
            $off += $n;
        }
        Time::HiRes::sleep($ex->{delay})
            if $ex->{delay} && $c < $#chunks;
    }

    my ($resps, $done) = ([], 0);
    until ($res->{timeout}) {
        ($resps, $done) = _parse_responses(\$buf, $ex->{methods}, $eof);
        last if $done || $eof;
        my $left = $deadline - Time::HiRes::time();
        if ($left <= 0) {
            $res->{timeout} = 1;
            last;
        }
        next unless $sel->can_read($left);
        my $n = sysread($sock, my $chunk, 65536);
        if (!defined $n) {
            next if $!{EAGAIN} || $!{EWOULDBLOCK} || $!{EINTR};
            $res->{read_error} = "$!";
            $eof = 1;
        } elsif ($n == 0) {
            $eof = 1;
        } else {
            $buf .= $chunk;
        }
    }
    close $sock;
    # what arrived, read as if the connection had closed
    ($resps, $done) = _parse_responses(\$buf, $ex->{methods}, 1)
        unless $done;
    $res->{raw} = $buf;
    $res->{responses} = $resps;

    my $want = @{ $ex->{methods} };
    my $complete = grep { $_->{complete} } @$resps;
    my ($bad) = map { $_->{bad} } grep { $_->{bad} } @$resps;
    if ($bad) {
        $res->{error} = "bad response: $bad";
    } elsif ($complete >= $want && !$res->{timeout}) {
        # a full answer, and the connection closed
    } elsif ($res->{timeout} && $complete >= $want) {
        # the real Test::Nginx reads until the connection closes
        $res->{error} = "timeout: the connection was still open $timeout s "
            . "after the request, the response complete";
    } elsif ($res->{timeout}) {
        $res->{error} = "timeout: no complete response within $timeout s"
            . ($want > 1 ? " ($complete of $want responses)" : '');
    } elsif ($want == 1 && length $buf == 0) {
        # closed without a byte: the status is '' (e.g. nginx's 444)
    } else {
        $res->{error} = ($want > 1 ? "connection closed after $complete of "
                                     . "$want responses"
                                   : "connection closed before the "
                                     . "response was complete")
            . ($res->{read_error} ? " ($res->{read_error})" : '')
            . ($write_err ? " (writing the request: $write_err)" : '');
    }
    return $res;
}

# Reads responses in sequence from $$bufr.  Returns (\@responses, $done):
# done when all are complete and the connection needs no more reading.
sub _parse_responses {
    my ($bufr, $methods, $eof) = @_;
    my (@out, $pos);
    $pos = 0;
    for my $m (@$methods) {
        my ($resp, $next) = _parse_one($bufr, $pos, $m, $eof);
        last unless $resp;
        push @out, $resp;
        last unless $resp->{complete};
        $pos = $next;
    }
    # done only when the connection closed: the real Test::Nginx reads
    # until then, whatever the responses say
    my $complete = grep { $_->{complete} } @out;
    my $done = $complete == @$methods && $eof ? 1 : 0;
    return (\@out, $done);
}

sub _parse_one {
    my ($bufr, $pos, $method, $eof) = @_;
    my $len = length $$bufr;
    return () if $pos >= $len;
    my %r = (complete => 0);
    while (1) {
        my $hend = index($$bufr, "\r\n\r\n", $pos);
        if ($hend < 0) {
            $r{raw_head} = substr($$bufr, $pos);
            $r{bad} = "incomplete response header" if $eof;
            return (\%r);
        }
        my $head = substr($$bufr, $pos, $hend - $pos);
        my @lines = split /\r\n/, $head;
        my $sl = shift(@lines) // '';
        unless ($sl =~ m{^HTTP/(\d+\.\d+)\s+(\d{3})(?:\s+(.*))?$}) {
            $r{raw_head} = $head;
            $r{bad} = "bad status line: '$sl'";
            return (\%r);
        }
        my ($ver, $status, $reason) = ($1, $2, $3 // '');
        my @h;
        for my $l (@lines) {
            if ($l =~ /^[ \t]+(.*)/ && @h) {
                $h[-1][1] .= " $1";
            } elsif ($l =~ /^([^:]+?)\s*:\s*(.*?)\s*$/) {
                push @h, [ $1, $2 ];
            }
        }
        my $raw_head = substr($$bufr, $pos, $hend + 4 - $pos);
        $pos = $hend + 4;
        if ($status =~ /^1/ && $status != 101) {
            push @{ $r{interim} }, $raw_head;     # e.g. 100 Continue
            next;
        }
        @r{qw(version status reason headers raw_head)}
            = ($ver, $status, $reason, \@h, $raw_head);
        last;
    }

    my $conn = lc(_header(\%r, 'connection') // '');
    $r{closes} = $conn =~ /\bclose\b/
                 || ($r{version} eq '1.0' && $conn !~ /keep-alive/) ? 1 : 0;

    if (uc($method // '') eq 'HEAD' || $r{status} =~ /^(?:1\d\d|204|304)$/) {
        $r{body} = '';
        $r{complete} = 1;
        return (\%r, $pos);
    }

    my $te = _header(\%r, 'transfer-encoding');
    my $cl = _header(\%r, 'content-length');
    if (defined $te && $te =~ /chunked/i) {
        my ($body, $p) = ('', $pos);
        while (1) {
            my $e = index($$bufr, "\r\n", $p);
            last if $e < 0;
            my $sline = substr($$bufr, $p, $e - $p);
            unless ($sline =~ /^\s*([0-9a-fA-F]+)/) {
                $r{bad} = "bad chunk size line: '$sline'";
                last;
            }
            my $size = hex $1;
            my $start = $e + 2;
            if ($size == 0) {
                my $end;
                if (substr($$bufr, $start, 2) eq "\r\n") {
                    $end = $start + 2;
                } else {
                    my $t = index($$bufr, "\r\n\r\n", $start);
                    $end = $t + 4 if $t >= 0;
                }
                last unless defined $end;
                $r{body} = $body;
                $r{complete} = 1;
                return (\%r, $end);
            }
            last if $len < $start + $size + 2;
            $body .= substr($$bufr, $start, $size);
            if (substr($$bufr, $start + $size, 2) ne "\r\n") {
                $r{bad} = "chunk data not followed by CRLF";
                last;
            }
            $p = $start + $size + 2;
        }
        $r{body} = $body;
        return (\%r);
    }
    if (defined $cl && $cl =~ /^\s*(\d+)/) {
        my $n = $1;
        if ($len - $pos >= $n) {
            $r{body} = substr($$bufr, $pos, $n);
            $r{complete} = 1;
            return (\%r, $pos + $n);
        }
        $r{body} = substr($$bufr, $pos);
        return (\%r);
    }
    # delimited by the end of the connection
    $r{body} = substr($$bufr, $pos);
    $r{closes} = 1;
    if ($eof) {
        $r{complete} = 1;
        return (\%r, $len);
    }
    return (\%r);
}

# ---------------------------------------------------------------------------
# diagnostics for a failed block

sub _failed_since {
    my ($n) = @_;
    my @s = $TB->summary;
    for my $i ($n .. $#s) {
        return 1 unless $s[$i];
    }
    return 0;
}

sub _visible {
    my ($s, $max) = @_;
    return '(nothing)' unless defined $s && length $s;
    my $more = '';
    if (length $s > $max) {
        $more = sprintf "\n... (%d bytes in all)", length $s;
        $s = substr($s, 0, $max);
    }
    $s =~ s/\r\n/\n/g;
    $s =~ s/([^\n\t\x20-\x7e])/sprintf '\\x%02x', ord $1/ge;
    return $s . $more;
}

sub _indent_text {
    my ($s) = @_;
    $s =~ s/^/    /mg;
    return $s;
}

sub _diag_context {
    my ($ctx, $when) = @_;
    $ctx->{diagged_at} = $TB->current_test;
    # nothing to show for a block stopped before its server root was made
    return unless $ctx->{prepared};
    my $name = $ctx->{name};
    my @d = ("---- $name: what happened ($when) ----");
    if (defined $ctx->{conf}) {
        my $n = 0;
        my $conf = join "\n", map { sprintf '%3d  %s', ++$n, $_ }
                   split /\n/, $ctx->{conf};
        push @d, "nginx.conf ($ConfFile):", $conf;
    }
    my $k = 0;
    for my $res (@{ $ctx->{results} || [] }) {
        $k++;
        push @d, "request $k, as sent:", _indent_text(_visible($res->{request},
                                                               4096));
        push @d, "response $k, as received"
                 . ($res->{error} ? " ($res->{error})" : '') . ":",
                 _indent_text(_visible($res->{raw}, 4096));
    }
    my $stderr = slurp($StderrFile);
    push @d, "nginx stderr:", _indent_text(_visible($stderr, 4096))
        if length $stderr;
    my @lines = $ctx->{must_die_lines} ? @{ $ctx->{must_die_lines} }
              : _lines_of(slurp($ErrLogFile));
    # the lines of records above debug level (a record's continuation
    # lines, such as the headers of a debug dump, go with it)
    my ($level, @notable) = ('');
    for my $l (@lines) {
        $level = $1 if $l =~ m{^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[(\w+)\]};
        push @notable, $l if $level ne 'debug';
    }
    if (@notable && @notable != @lines) {
        my $from = @notable > 30 ? @notable - 30 : 0;
        push @d, "error.log, last " . (@notable - $from)
                 . " lines above debug level:",
             _indent_text(join "\n", @notable[$from .. $#notable]);
    }
    my $from = @lines > 30 ? @lines - 30 : 0;
    push @d, "error.log ($ErrLogFile), last " . (@lines - $from) . " lines:",
         _indent_text(@lines ? join("\n", @lines[$from .. $#lines])
                             : '(empty)');
    Test::More::diag(join "\n", @d);
}

1;
