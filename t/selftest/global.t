# Self-test of the runner's file-wide settings: repeat_each, master_on
# with workers, log_level, no_root_location, env_to_nginx,
# worker_connections.  See t/selftest/runner.t for the sections.

use Test::Nginx::Socket;

# These files test jwtgate's runner in t/lib, not another Test::Nginx.
plan(skip_all => "not jwtgate's runner: $INC{'Test/Nginx/Socket.pm'}")
    unless $INC{'Test/Nginx/Socket.pm'} =~ m{(?:^|/)t/lib/Test/Nginx/Socket\.pm\z};

repeat_each(2);
master_on();
workers(2);
log_level('info');
no_root_location();
env_to_nginx('SELFTEST_ENV=from-the-runner');
worker_connections(128);
no_shuffle();

my $before = Test::More->builder->current_test;
run_tests();

# repeat_each(2): each block's checks ran twice
is(Test::More->builder->current_test - $before, 2 * (5 + 4), 'every check ran twice');

my $conf = do { local (@ARGV, $/) = ($Test::Nginx::Util::ConfFile); <> };
like($conf, qr/^env SELFTEST_ENV=from-the-runner;$/m, 'env_to_nginx');
like($conf, qr/^master_process on;$/m, 'master_on');
like($conf, qr/^worker_processes 2;$/m, 'workers');
like($conf, qr/^error_log \S+ info;$/m, 'log_level');
like($conf, qr/worker_connections 128;/, 'worker_connections');
unlike($conf, qr/root \S+html;/, 'no_root_location');

__DATA__

=== TEST 1: a master, two workers, run twice on one nginx
--- config
    location / {
        return 200 "mine\n";
    }
--- request
GET /
--- response_body
mine
--- grep_error_log eval
qr/start worker process(?= \d)/
--- grep_error_log_out eval
["start worker process\nstart worker process\n", ""]
--- no_error_log
[debug]
[alert]



=== TEST 2: a master's block with several requests
--- config
    location /a {
        return 200 "a";
    }
--- request eval
["GET /a", "GET /a?x=1"]
--- response_body eval
["a", "a"]
