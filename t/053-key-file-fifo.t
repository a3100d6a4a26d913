# Key files that are not regular files: a FIFO (or a device, a directory)
# at a key file's path must never block a worker or nginx -t.  Key files
# are opened non-blocking and refused unless they are regular files.
#
# The FIFOs live in a directory of their own, made again before each
# block ($TEST_NGINX_FIFO_DIR): keys.json (t/data/jwks-rsa1.json), keys2.json
# (the same), and fifo.json, a FIFO nobody writes to.  The gateway's
# /fifo/ is that directory through WebDAV: MOVE /fifo/fifo.json with
# "Destination: /fifo/keys.json" renames the FIFO over the key file in the
# middle of a block.  GET /tick goes through limit_req at 10 r/s: n ticks
# take at least (n - 1) / 10 s.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::BlockLog;
use File::Temp ();
use POSIX ();

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

my $dir = File::Temp::tempdir('jwtgate-fifo-XXXXXX', TMPDIR => 1,
                              CLEANUP => 1);
chmod 0755, $dir;
$ENV{TEST_NGINX_FIFO_DIR} = $dir;

sub jwks_rsa1 {
    JWTGate::Token::_slurp(JWTGate::Token::data_dir() . '/jwks-rsa1.json');
}

add_block_preprocessor(sub {
    my $block = shift;

    for my $f (glob("$dir/*")) {
        unlink $f or die "$f: $!";
    }

    for my $name (qw(keys.json keys2.json)) {
        open my $fh, '>', "$dir/$name" or die "$dir/$name: $!";
        print {$fh} jwks_rsa1();
        close $fh or die "$dir/$name: $!";
    }

    POSIX::mkfifo("$dir/fifo.json", 0644) or die "mkfifo: $!";

    $block->set_value('http_config', <<'CONF' . ($block->http_config // ''));
    limit_req_zone $binary_remote_addr zone=tick:1m rate=10r/s;
CONF

    $block->set_value('config', <<'CONF' . ($block->config // ''));
    location /fifo/ {
        alias $TEST_NGINX_FIFO_DIR/;
        dav_methods MOVE;
    }
    location = /tick {
        limit_req zone=tick burst=20;
        limit_req_log_level info;
        empty_gif;
    }
CONF
});

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a FIFO named without variables fails nginx -t at once
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_FIFO_DIR/fifo.json;
        return 200;
    }
--- must_die
--- error_log eval
qr/auth_jwt_key_file "[^"]+fifo\.json" is not a regular file/



=== TEST 2: a directory named without variables fails nginx -t too
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_FIFO_DIR;
        return 200;
    }
--- must_die
--- error_log eval
qr/auth_jwt_key_file "[^"]+" is not a regular file/



=== TEST 3: a FIFO named with variables gives no keys, said once, and the worker goes on
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_FIFO_DIR/$arg_f.json;
        return 200 "ok $arg_f\n";
    }
--- request eval
["GET /api?f=fifo", "GET /api?f=fifo", "GET /api?f=keys"]
--- more_headers eval
my $t = jwt(key => 'rsa1');
[("Authorization: Bearer $t") x 3]
--- error_code eval
[401, 401, 200]
--- response_body eval
[error_page(401), error_page(401), "ok keys\n"]
--- grep_error_log eval
qr/auth_jwt_key_file "[^"]+fifo\.json" is not a regular file|token rejected: \w+/
--- grep_error_log_out eval
qr/^auth_jwt_key_file "[^"]+fifo\.json" is not a regular file
token rejected: no_keys
token rejected: no_keys
$/



=== TEST 4: a FIFO renamed over a key file read at configuration: the last good keys stay, the worker goes on
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_FIFO_DIR/keys.json;
        return 200 "ok\n";
    }
--- request eval
["GET /api", "MOVE /fifo/fifo.json", ("GET /tick") x 12, "GET /api",
 "GET /api"]
--- more_headers eval
my $t = jwt(key => 'rsa1');
["Authorization: Bearer $t", "Destination: /fifo/keys.json", ("") x 12,
 "Authorization: Bearer $t", "Authorization: Bearer " . jwt(key => 'rsa2')]
--- error_code eval
[200, 204, (200) x 12, 200, 401]
--- grep_error_log eval
qr/auth_jwt_key_file "[^"]+keys\.json" is not a regular file[^,]*(?:, the last good keys stay)?/
--- grep_error_log_out eval
qr/^auth_jwt_key_file "[^"]+keys\.json" is not a regular file, the last good keys stay\n$/
--- no_error_log
[alert]



=== TEST 5: a FIFO renamed over a key file named with variables: its last good keys stay
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_FIFO_DIR/$arg_f.json;
        return 200 "ok $arg_f\n";
    }
--- request eval
["GET /api?f=keys2", "MOVE /fifo/fifo.json", ("GET /tick") x 12,
 "GET /api?f=keys2", "GET /api?f=keys2"]
--- more_headers eval
my $t = jwt(key => 'rsa1');
["Authorization: Bearer $t", "Destination: /fifo/keys2.json", ("") x 12,
 "Authorization: Bearer $t", "Authorization: Bearer $t"]
--- error_code eval
[200, 204, (200) x 12, 200, 200]
--- grep_error_log eval
qr/auth_jwt_key_file "[^"]+keys2\.json" is not a regular file[^,]*(?:, the last good keys stay)?/
--- grep_error_log_out eval
qr/^auth_jwt_key_file "[^"]+keys2\.json" is not a regular file, the last good keys stay\n$/
