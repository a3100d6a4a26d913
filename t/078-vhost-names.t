# Key sources of server {}s that differ only by name: two virtual hosts
# on one address and port (name-based), the same auth_jwt_key_request URI
# inherited from the http level, each routing it to a key set of its own.
# Each keeps its own keys in the shared zone: a token for one host's key
# never passes on the other, in whatever order the hosts fetch.  (The zone
# names a source by its URI, its issuer= and its server's identity: the
# server names and the listen addresses; here only the names differ.)
#
# The two hosts listen on a port of their own next to the server port (the
# test server's own listen differs between harnesses: 127.0.0.1:PORT in
# ours, *:PORT in the real Test::Nginx); the test server reaches them
# through /a/ and /b/ with their Host names.

# which host fetches first matters: a fresh zone for every block, also
# under the real Test::Nginx's HUP mode (the zone outlives a reload)
BEGIN { delete $ENV{TEST_NGINX_USE_HUP} }

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::Ports qw(free_port);

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();
$ENV{TEST_NGINX_VHOST_PORT} ||= free_port(server_port() + 1, server_port());

sub bearer { "Authorization: Bearer " . jwt(key => $_[0]) }
{ no warnings 'once'; *Test::Base::Filter::bearer = \&bearer; }

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value('http_config', <<'HTTP');
    auth_jwt_key_request /_jwks;
    server {
        listen 127.0.0.1:$TEST_NGINX_VHOST_PORT;
        server_name a.test;
        location /api {
            auth_jwt "a";
            return 200 "a $jwt_header_kid\n";
        }
        location = /_jwks {
            internal;
            proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/keys/rsa1;
        }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_VHOST_PORT;
        server_name b.test;
        location /api {
            auth_jwt "b";
            return 200 "b $jwt_header_kid\n";
        }
        location = /_jwks {
            internal;
            proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/keys/rsa2;
        }
    }
HTTP
    $block->set_value('config', <<'CONF');
    location = /keys/rsa1 {
        alias $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
    }
    location = /keys/rsa2 {
        alias $TEST_NGINX_DATA_DIR/jwks-rsa2.json;
    }
    location /a/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_VHOST_PORT/;
        proxy_set_header Host a.test;
    }
    location /b/ {
        proxy_pass http://127.0.0.1:$TEST_NGINX_VHOST_PORT/;
        proxy_set_header Host b.test;
    }
    location = /status {
        auth_jwt_status;
    }
CONF
});

run_tests();

__DATA__

=== TEST 1: b.test fetches first: its key (rsa2) does not become a.test's
--- request eval
["GET /b/api", "GET /a/api", "GET /a/api", "GET /b/api"]
--- more_headers eval
[bearer('rsa2'), bearer('rsa2'), bearer('rsa1'), bearer('rsa1')]
--- error_code eval
[200, 401, 200, 401]
--- response_body eval
["b rsa2\n", error_page(401), "a rsa1\n", error_page(401)]



=== TEST 2: a.test fetches first: its key (rsa1) does not become b.test's
--- request eval
["GET /a/api", "GET /b/api", "GET /b/api", "GET /a/api"]
--- more_headers eval
[bearer('rsa1'), bearer('rsa1'), bearer('rsa2'), bearer('rsa2')]
--- error_code eval
[200, 401, 200, 401]
--- response_body eval
["a rsa1\n", error_page(401), "b rsa2\n", error_page(401)]



=== TEST 3: auth_jwt_status shows one source per host name, each with its own keys
--- request eval
["GET /a/api", "GET /b/api", "GET /status"]
--- more_headers eval
[bearer('rsa1'), bearer('rsa2'), ""]
--- error_code eval
[200, 200, 200]
--- response_body_like eval
["^a rsa1\n\$", "^b rsa2\n\$",
 '"uri":"/_jwks","issuer":"","server":"a\.test","fetches_ok":1,[^}]*"generation":1,"keys":1\}.*"uri":"/_jwks","issuer":"","server":"b\.test","fetches_ok":1,[^}]*"generation":1,"keys":1\}|"uri":"/_jwks","issuer":"","server":"b\.test","fetches_ok":1,[^}]*"generation":1,"keys":1\}.*"uri":"/_jwks","issuer":"","server":"a\.test","fetches_ok":1,[^}]*"generation":1,"keys":1\}']
