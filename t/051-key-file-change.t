# Key files that change on disk are picked up without a reload, looked at
# again at most once a second by each worker (docs/KEYSTORE.md); an unusable
# new file keeps the last good keys; issuer= on auth_jwt_key_file.
#
# The key file is html/keys.json (user_files), named relative to the
# configuration prefix as ../html/keys.json.  A block replaces it in the
# middle through WebDAV on the gateway: PUT /files/keys.json (a new file,
# renamed into place: a new inode), DELETE /files/keys.json.  GET /tick
# goes through limit_req at 10 r/s: n ticks take at least (n - 1) / 10 s,
# which is how a block sleeps.  Requests are listed as "--- steps eval"
# (see t/050-key-request.t), made by JWTGate::IssuerServer's step makers
# (this suite has no issuer).

# What the module keeps in shared memory (key sets, revocation lists, the
# token cache, the counters) outlives an nginx reload: every block needs
# an nginx of its own, not the real Test::Nginx's TEST_NGINX_USE_HUP reload.
BEGIN { delete $ENV{TEST_NGINX_USE_HUP} }

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::BlockLog;
use JWTGate::Jwe;
use JWTGate::IssuerServer qw(suite_ports dav_uri data_file jwks api put del
                              sleep_s log_like filters issuer_block);
use IO::Socket::INET;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();
jwe_setup();

# a JWE under one of jwe_jwks()'s secret keys (A256KW)
sub kw { jwe(claims => {sub => $_[0]}, alg => 'A256KW', enc => 'A256GCM') }
{ no warnings 'once'; *Test::Base::Filter::kw = \&kw; }

# a port next to the server port with nothing on it: a second server that
# listens with reuseport, so that connections spread over both workers
suite_ports(server_port(), 'GW2');

# steps (JWTGate::IssuerServer): data_file jwks api put del sleep_s
# log_like; put and del go to the gateway's own WebDAV, /files/
dav_uri('/files/');
filters(qw(data_file jwks api put del sleep_s log_like));

# no issuer: the gateway's WebDAV on html/, and /tick
my $HTTP = <<'CONF';
    limit_req_zone $binary_remote_addr zone=tick:1m rate=10r/s;
CONF

my $GATEWAY = <<'CONF';
    location /files/ {
        alias html/;
        dav_methods PUT DELETE;
        create_full_put_path on;
    }
    location = /tick {
        limit_req zone=tick burst=5;
        limit_req_log_level info;
        empty_gif;
    }
CONF

add_block_preprocessor(sub {
    my $block = shift;

    # html/keys.json: t/data/jwks-rsa1.json; then the block's own
    # user_files
    issuer_block($block, $HTTP, $GATEWAY, [ 'keys.json', jwks('rsa1') ]);
});

master_on();
workers(2);
no_shuffle();
run_tests();

__DATA__

=== TEST 1: a replaced key file is used by every worker after a second, without a reload
--- http_config
    log_format gw2 '$pid $status';
    server {
        listen 127.0.0.1:$TEST_NGINX_GW2_PORT reuseport;
        location /api {
            access_log logs/gw2.log gw2;
            auth_jwt          "test";
            auth_jwt_key_file ../html/keys.json;
            return 200 "ok $jwt_header_kid\n";
        }
    }
--- config
    location /api {
        proxy_pass http://127.0.0.1:$TEST_NGINX_GW2_PORT;
    }
    location = /gw2-log {
        alias logs/gw2.log;
    }
--- steps eval
[
  api(key => 'rsa1', body => "ok rsa1\n"),
  api(key => 'rsa2', code => 401),
  put('keys.json', jwks('rsa2')),
  sleep_s(1.2),
  (map { api(key => 'rsa2', body => "ok rsa2\n") } 1 .. 16),
  api(key => 'rsa1', code => 401),
  # 16 answers 200 from at least two workers between the two 401s
  log_like('/gw2-log', qr/\A\d+ 200\n\d+ 401\n(?=(?:\d+ 200\n){16}\d+ 401\n\z)(\d+) 200\n(?:\d+ 200\n)*?(?!\1 )\d+ 200\n/),
]
--- error_log
auth_jwt: token rejected: unknown_kid
--- no_error_log
[error]



=== TEST 2: a key file named at the server level, inherited by the location, is looked at again too
--- config
    auth_jwt_key_file ../html/keys.json;
    location /api {
        auth_jwt "test";
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(key => 'rsa1', body => "ok rsa1\n"),
  put('keys.json', jwks('rsa12')),
  sleep_s(1.2),
  api(key => 'rsa2', body => "ok rsa2\n"),
  api(key => 'rsa1', body => "ok rsa1\n"),
  api(key => 'rsa2', body => "ok rsa2\n"),
  api(key => 'rsa1', body => "ok rsa1\n"),
]
--- no_error_log
[error]
token rejected



=== TEST 3: a key file replaced by garbage: the last good keys stay, the reason is logged; a good file again is used
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file ../html/keys.json;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(key => 'rsa1', body => "ok rsa1\n"),
  put('keys.json', '{"keys": [ this is not JSON'),
  sleep_s(1.2),
  (map { api(key => 'rsa1', body => "ok rsa1\n") } 1 .. 6),
  put('keys.json', jwks('rsa12')),
  sleep_s(1.2),
  (map { api(key => 'rsa2', body => "ok rsa2\n") } 1 .. 4),
  api(key => 'rsa1', body => "ok rsa1\n"),
]
--- error_log eval
qr/\[error\] .*auth_jwt_key_file "[^"]*keys\.json": not a JWKS or JWK \(JSON\)/
--- no_error_log
token rejected



=== TEST 4: a key file replaced by an empty set: the last good keys stay
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file ../html/keys.json;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(key => 'rsa1', body => "ok rsa1\n"),
  put('keys.json', '{"keys":[]}'),
  sleep_s(1.2),
  (map { api(key => 'rsa1', body => "ok rsa1\n") } 1 .. 6),
]
--- error_log eval
qr/\[error\] .*auth_jwt_key_file "[^"]*keys\.json": no usable key in the key set/
--- no_error_log
token rejected



=== TEST 5: a key file removed: the last good keys stay, the problem is logged
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file ../html/keys.json;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(key => 'rsa1', body => "ok rsa1\n"),
  del('keys.json'),
  sleep_s(1.2),
  (map { api(key => 'rsa1', body => "ok rsa1\n") } 1 .. 6),
  put('keys.json', jwks('rsa2')),
  sleep_s(1.2),
  (map { api(key => 'rsa2', body => "ok rsa2\n") } 1 .. 4),
]
--- error_log eval
qr/\[error\] .*auth_jwt_key_file.*keys\.json/
--- no_error_log
token rejected



=== TEST 6: issuer= on key files: a token verified with a file's key must carry that file's iss
--- user_files eval
[[ 'a.json', jwks('rsa1') ], [ 'b.json', jwks('rsa2') ]]
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file ../html/a.json issuer=https://a.test;
        auth_jwt_key_file ../html/b.json issuer=https://b.test;
        return 200 "ok $jwt_header_kid $jwt_claim_iss\n";
    }
    location /any {
        auth_jwt          "test";
        auth_jwt_key_file ../html/a.json;
        return 200 "ok $jwt_header_kid $jwt_claim_iss\n";
    }
--- steps eval
[
  api(key => 'rsa1', claims => {iss => 'https://a.test'}, body => "ok rsa1 https://a.test\n"),
  api(key => 'rsa2', claims => {iss => 'https://b.test'}, body => "ok rsa2 https://b.test\n"),
  api(key => 'rsa1', claims => {iss => 'https://b.test'}, code => 401),
  api(key => 'rsa2', claims => {iss => 'https://a.test'}, code => 401),
  api(key => 'rsa1', claims => {iss => undef}, code => 401),
  api(uri => '/any', key => 'rsa1', claims => {iss => 'https://b.test'},
      body => "ok rsa1 https://b.test\n"),
]
--- grep_error_log eval
qr/token rejected: \w+/
--- grep_error_log_out
token rejected: bad_issuer
token rejected: bad_issuer
token rejected: bad_issuer



=== TEST 7: issuer= binding holds for the keys of a replaced file
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file ../html/keys.json issuer=https://a.test;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(key => 'rsa1', claims => {iss => 'https://a.test'}, body => "ok rsa1\n"),
  put('keys.json', jwks('rsa2')),
  sleep_s(1.2),
  api(key => 'rsa2', claims => {iss => 'https://a.test'}, body => "ok rsa2\n"),
  api(key => 'rsa2', claims => {iss => 'https://b.test'}, code => 401),
]
--- error_log
auth_jwt: token rejected: bad_issuer



=== TEST 8: nginx -t: an empty issuer= on a key file
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file ../html/keys.json issuer=;
        return 200;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*(?:auth_jwt_key_file|issuer)/
--- no_error_log
unknown directive



=== TEST 9: encrypted: a key file replaced by garbage keeps its decryption keys; one with signature keys only has none
--- user_files eval
">>> keys.json\n" . jwe_jwks()
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_type     encrypted;
        auth_jwt_key_file ../html/keys.json;
        return 200 "ok $jwt_claim_sub\n";
    }
--- steps eval
[
  api(token => kw('a'), body => "ok a\n"),
  put('keys.json', '{"keys": [ this is not JSON'),
  sleep_s(1.2),
  (map { api(token => kw("b$_"), body => "ok b$_\n") } 1 .. 4),
  put('keys.json', jwks('rsa1')),
  sleep_s(1.2),
  (map { api(token => kw("c$_"), code => 401) } 1 .. 4),
]
--- error_log eval
[qr/\[error\] .*auth_jwt_key_file "[^"]*keys\.json": not a JWKS or JWK \(JSON\), the last good keys stay/,
 qr/\[warn\] .*auth_jwt_key_file "[^"]*keys\.json" holds no decryption key any more: its old ones no longer decrypt/]



=== TEST 10: a signed level's key file replaced by one of decryption keys only: no signature key, the last good keys stay (its decryption keys are not read, no JWE level uses the file)
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file ../html/keys.json;
        return 200 "ok $jwt_header_kid\n";
    }
--- steps eval
[
  api(key => 'rsa1', body => "ok rsa1\n"),
  put('keys.json', jwe_jwks()),
  sleep_s(1.2),
  (map { api(key => 'rsa1', body => "ok rsa1\n") } 1 .. 6),
]
--- error_log eval
qr/\[error\] .*auth_jwt_key_file "[^"]*keys\.json": no usable key in the key set, the last good keys stay/
--- no_error_log
token rejected
