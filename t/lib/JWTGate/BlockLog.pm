package JWTGate::BlockLog;

# Error-log checks of a whole block, for blocks of several requests.
#
#   use JWTGate::BlockLog;      (before the file's own preprocessors)
#
# Test::Nginx checks --- error_log and --- grep_error_log after every
# request, against what that request logged: a pattern of one step of a
# block fails at all the others.  In a block of several requests
# (request eval [...] of two or more, or pipelined_requests) this moves
# them to sections of its own, block_error_log and block_grep_error_log[_out],
# checked once, after the last response, against the block's whole
# error.log (nginx's startup included when the harness started nginx for
# the block), read again until the lines are there, for a second at most
# (see $WAIT below).  A block of one request keeps the harness's own checks.
# no_error_log stays where it is: a line no window may have is a line the
# whole log may not have.
#
# It works the same under the real Test::Nginx and our runner in t/lib:
# both call add_response_body_check's function after each response's
# checks, with the block, the body and the request's index.
#
# The tests it adds:
#   NAME - pattern "P" matches a line in error.log (block)
#   NAME - grep_error_log_out (block)

use strict;
use warnings;

use Test::More ();
use Time::HiRes ();

my $registered;

sub import {
    return if $registered++;
    &Test::Nginx::Socket::add_block_preprocessor(\&_move);
    &Test::Nginx::Socket::add_response_body_check(\&_check);
}

sub _requests {
    my ($block) = @_;
    my $p = $block->pipelined_requests;
    return (ref $p eq 'ARRAY' ? scalar @$p : 1, 1) if defined $p;
    my $r = $block->request;
    return (ref $r eq 'ARRAY' ? scalar @$r : 1, 0);
}

sub _move {
    my ($block) = @_;
    my ($n, $pipelined) = _requests($block);
    return unless $n > 1 || $pipelined;
    for my $s (qw(error_log grep_error_log grep_error_log_out)) {
        my $v = $block->$s;
        next unless defined $v;
        $block->set_value("block_$s", $v);
        delete $block->{$s};
    }
}

sub _patterns {
    my ($v) = @_;
    return ($v) if ref $v eq 'Regexp';
    return grep { defined && length } @$v if ref $v eq 'ARRAY';
    return grep { length } split /\n+/, $v;
}

sub _log_lines {
    my $file = Test::Nginx::Socket::server_root() . '/logs/error.log';
    open my $fh, '<', $file or return [];
    my @lines = <$fh>;
    return \@lines;
}

# How long the checks wait for their lines: nginx writes some of them
# after the last response (when it closes the connection, in a timer, a
# background fetch ending), and the harnesses look at the log in windows
# after a short sleep (ours 10 to 50 ms, the real one 45 ms, or --- wait)
# that comes only after this check.  So the log is read again, every
# 20 ms, until every pattern matches and grep_error_log_out is as
# expected, for at most WAIT seconds (or --- wait's when longer); then
# the tests are run on the last reading.
our $WAIT = 1;
our $STEP = 0.02;

sub _check {
    my ($block, $body, $req_idx, $repeated, $dry_run) = @_;
    return if $dry_run;
    my $want = $block->block_error_log;
    my $grep = $block->block_grep_error_log;
    return unless defined $want || defined $grep;
    my ($n) = _requests($block);
    return unless $req_idx == $n - 1;

    my @want = defined $want ? _patterns($want) : ();
    my $exp = $block->block_grep_error_log_out;
    $exp = '' unless defined $exp;
    my $wait = $block->wait;
    $wait = $WAIT unless defined $wait && $wait =~ /^\d+(?:\.\d*)?$/
                         && $wait > $WAIT;
    my $deadline = Time::HiRes::time() + $wait;

    my ($hits, $got);
    while (1) {
        my $lines = _log_lines();
        $hits = [map { my $p = $_;
                       scalar grep { ref $p ? $_ =~ $p : index($_, $p) >= 0 }
                                   @$lines } @want];
        $got = defined $grep ? _grep($grep, $lines) : undef;
        my $done = !grep { !$_ } @$hits;
        if ($done && defined $grep) {
            $done = ref $exp eq 'Regexp' ? $got =~ $exp : $got eq $exp;
        }
        last if $done || Time::HiRes::time() >= $deadline;
        Time::HiRes::sleep($STEP);
    }

    my $name = $block->name;
    for my $i (0 .. $#want) {
        Test::More::ok($hits->[$i], "$name - pattern \"$want[$i]\" matches"
                                    . " a line in error.log (block)");
    }
    if (defined $grep) {
        if (ref $exp eq 'Regexp') {
            Test::More::like($got, $exp, "$name - grep_error_log_out (block)");
        } else {
            Test::More::is($got, $exp, "$name - grep_error_log_out (block)");
        }
    }
}

# as Test::Nginx: the first match of each line, one a line
sub _grep {
    my ($grep, $lines) = @_;
    my $got = '';
    for my $l (@$lines) {
        if (ref $grep ? $l =~ $grep : $l =~ /\Q$grep\E/) {
            $got .= "$&\n" if $& !~ /\n/;
        }
    }
    return $got;
}

1;
