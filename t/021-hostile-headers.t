# Hostile request headers on the paths that rewrite them: the Cookie that
# auth_jwt_forward_token off takes the token out of.  Every answer is the
# one a well-formed request would get and no worker dies.  Under make
# test-asan a write of even one byte past a rewritten header fails the
# run: TEST 3 overflows by two bytes, which a plain nginx never notices.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

# n cookie pairs "a", separated by a bare ";" (no space)
sub ::bare_pairs { join ';', ('a') x $_[0] }

add_block_preprocessor(sub {
    my $block = shift;

    if (!defined $block->config) {
        $block->set_value('config', <<'CONF');
    # the rewritten Cookie comes back to /echo longer: "a;" -> "a; "
    large_client_header_buffers 4 32k;

    location /app {
        auth_jwt          "test" token=$cookie_auth_token;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_forward_token off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        return 200 "cookie=[$http_cookie]\n";
    }
CONF
    }
});

run_tests();

__DATA__

=== TEST 1: a 7 KB Cookie of bare-";" pairs and no token: 401, no overflow
--- request
GET /app
--- more_headers eval
"Cookie: " . ::bare_pairs(3500)
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="test"
--- no_error_log
[error]
[alert]
[crit]



=== TEST 2: those pairs around a valid token cookie: 200, pairs kept, no token
--- request
GET /app
--- more_headers eval
"Cookie: " . ::bare_pairs(1750) . ";auth_token=" . jwt() . ";"
. ::bare_pairs(1750)
--- error_code: 200
--- response_body_like eval
qr/^cookie=\[(?:a; ?){3499}a\]\n\z/
--- no_error_log
[error]
[alert]
[crit]



=== TEST 3: "a;b;c" and no token: 401 ("a; b; c" is 2 bytes longer)
--- request
GET /app
--- more_headers
Cookie: a;b;c
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="test"
--- no_error_log
[error]
[alert]
[crit]
