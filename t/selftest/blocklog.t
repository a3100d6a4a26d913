# JWTGate::BlockLog waits for the lines of its checks, as the harnesses
# wait before they look at the log: a line written 0.2 s after the last
# response (here by a child of this file, as a timer or a connection's
# close in nginx would write it) is found by block_error_log and
# block_grep_error_log_out.  Before the wait, both failed: BlockLog read
# the log at once.
#
# Not only for our runner: BlockLog must work under both.

use Test::Nginx::Socket 'no_plan';
use POSIX ();

# before BlockLog's own check: after the last response of a block, a child
# appends the block's "later" line to error.log in 0.2 s
add_response_body_check(sub {
    my ($block, $body, $req_idx, $repeated, $dry_run) = @_;
    return if $dry_run || !defined $block->later;
    my $r = $block->request;
    return unless ref $r eq 'ARRAY' && $req_idx == $#$r;
    my $log = server_root() . '/logs/error.log';
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        select(undef, undef, undef, 0.2);
        if (open my $fh, '>>', $log) {
            my $line = $block->later;
            chomp $line;
            print {$fh} POSIX::strftime('%Y/%m/%d %H:%M:%S', localtime)
                        . " [notice] 1#1: $line\n";
            close $fh;
        }
        POSIX::_exit(0);
    }
    push @main::LATER, $pid;
});

require JWTGate::BlockLog;
JWTGate::BlockLog->import;

our @LATER;
END { waitpid($_, 0) for @LATER }

no_shuffle();
run_tests();

__DATA__

=== TEST 1: block_error_log: a line written 0.2 s after the last response
--- config
    location = /a { return 200 "a\n"; }
--- request eval
["GET /a", "GET /a"]
--- response_body eval
["a\n", "a\n"]
--- later
blocklog-selftest: written later, 1
--- error_log
blocklog-selftest: written later, 1

=== TEST 2: block_grep_error_log_out: a line written 0.2 s after the last response
--- config
    location = /a { return 200 "a\n"; }
--- request eval
["GET /a", "GET /a"]
--- response_body eval
["a\n", "a\n"]
--- later
blocklog-selftest: written later, 2
--- grep_error_log eval
qr/blocklog-selftest: [^\n]*/
--- grep_error_log_out
blocklog-selftest: written later, 2
