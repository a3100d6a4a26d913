# Revocation end to end with the reference issuer (build/jwtgate-issuer):
# the gateway pulls the issuer's feed (auth_jwt_revocation_request), a
# logout through the gateway (auth_jwt_logout_cookie + the issuer's
# /auth/logout) makes that token refused, and "log out everywhere" (the
# issuer's admin /auth/revoke) makes every earlier token of the subject
# refused while a new login passes.  nginx starts afresh for each block,
# so each block's first request waits for the current list.

# What the module keeps in shared memory (key sets, revocation lists, the
# token cache, the counters) outlives an nginx reload: every block needs
# an nginx of its own, not the real Test::Nginx's TEST_NGINX_USE_HUP reload.
BEGIN { delete $ENV{TEST_NGINX_USE_HUP} }

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use File::Temp ();
use JWTGate::Token;
use JWTGate::BlockLog;
use JWTGate::Issuer;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

our $TMP = File::Temp->newdir('jwtgate-074-XXXXXX', TMPDIR => 1);
our $ADMIN = join '', map { sprintf '%02x', int rand 256 } 1 .. 24;
{
    open my $fh, '>', "$TMP/admin" or die "$TMP/admin: $!";
    print {$fh} "$ADMIN\n";
    close $fh or die "$TMP/admin: $!";
}

my $hash = JWTGate::Issuer::hash_password('wonderland');
our $ISS = JWTGate::Issuer->start(
    users => ["alice:$hash:user", "bob:$hash:user"],
    args  => ['--issuer', 'https://issuer.test', '--audience', 'api',
              '--lifetime', '300', '--admin-secret-file', "$TMP/admin"]);
$ENV{TEST_NGINX_ISSUER_PORT} = $ISS->port;

# alice twice (A1 logs out, A2 goes with "log out everywhere"), bob once
our %TOK = map { $_->[0] => ($ISS->login($_->[1], 'wonderland')
                             or die "no token for $_->[1]") }
           ['A1', 'alice'], ['A2', 'alice'], ['B1', 'bob'];

no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;

    # the login after "log out everywhere", when its block runs
    if ($block->name =~ /a new login/) {
        my $t = $ISS->login('alice', 'wonderland') or die "no new token";
        $block->set_value('more_headers', "Authorization: Bearer $t");
    }

    $block->set_value('http_config', <<'CONF');
    map $http_authorization $logout_authorization {
        ""      "Bearer $cookie_access_token";
        default $http_authorization;
    }
CONF
    $block->set_value('config', <<'CONF');
    location /api {
        auth_jwt                    "api" token=bearer token=$cookie_access_token;
        auth_jwt_key_request        /_jwks;
        auth_jwt_revocation_request /_revocations issuer=https://issuer.test interval=2s;
        auth_jwt_issuer             https://issuer.test;
        auth_jwt_audience           api;
        return 200 "ok $jwt_claim_sub\n";
    }
    location = /auth/logout {
        auth_jwt               off;
        auth_jwt_logout_cookie access_token secure=off;
        proxy_set_header       Authorization $logout_authorization;
        proxy_set_header       Cookie "";
        proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/auth/logout;
    }
    location = /admin/revoke {
        auth_jwt off;
        allow 127.0.0.1;
        deny all;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/auth/revoke;
    }
    location = /_jwks {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/.well-known/jwks.json;
    }
    location = /_revocations {
        internal;
        proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/.well-known/revocations.json;
    }
CONF
});

run_tests();

__DATA__

=== TEST 1: before any logout every token passes
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer $main::TOK{A1}", "Cookie: access_token=$main::TOK{A2}",
 "Authorization: Bearer $main::TOK{B1}"]
--- error_code eval
[200, 200, 200]
--- response_body eval
["ok alice\n", "ok alice\n", "ok bob\n"]



=== TEST 2: logout through the gateway with the cookie: cleared and revoked
--- request
POST /auth/logout
--- more_headers eval
"Cookie: access_token=$main::TOK{A1}"
--- error_code: 200
--- response_headers
Set-Cookie: access_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict
--- response_body_like: ^\{"revoked":\{"jti":"[0-9a-f]{32}","exp":\d+\}\}$



=== TEST 3: the logged-out token is refused, as a header and as a cookie
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer $main::TOK{A1}", "Cookie: access_token=$main::TOK{A1}"]
--- error_code eval
[401, 401]
--- response_headers eval
['WWW-Authenticate: Bearer realm="api", error="invalid_token"',
 'WWW-Authenticate: Bearer realm="api", error="invalid_token"']
--- error_log
token rejected: revoked (its jti is listed by auth_jwt_revocation_request "/_revocations")



=== TEST 4: alice's other token and bob's still pass
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer $main::TOK{A2}", "Authorization: Bearer $main::TOK{B1}"]
--- error_code eval
[200, 200]
--- response_body eval
["ok alice\n", "ok bob\n"]
--- no_error_log
token rejected



=== TEST 5: the admin endpoint without the secret: 401, nothing revoked
--- request
POST /admin/revoke
{"sub":"alice"}
--- more_headers
Content-Type: application/json
--- error_code: 401
--- response_body_like: "error":"invalid_client"



=== TEST 6: "log out everywhere" for alice at the issuer's admin endpoint
--- request
POST /admin/revoke
{"sub":"alice"}
--- more_headers eval
"Authorization: Bearer $main::ADMIN\r\nContent-Type: application/json"
--- error_code: 200
--- response_body_like: ^\{"revoked":\{"sub":"alice","cutoff":\d+\}\}$



=== TEST 7: every earlier token of alice is refused: by its sub
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $main::TOK{A2}"
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="api", error="invalid_token"
--- error_log
token rejected: revoked (its sub is listed by auth_jwt_revocation_request "/_revocations")



=== TEST 8: the logged-out one too (its jti is listed first)
--- request
GET /api
--- more_headers eval
"Cookie: access_token=$main::TOK{A1}"
--- error_code: 401
--- error_log
token rejected: revoked (its jti is listed by auth_jwt_revocation_request "/_revocations")



=== TEST 9: bob's token still passes
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $main::TOK{B1}"
--- error_code: 200
--- response_body
ok bob
--- no_error_log
token rejected



=== TEST 10: a new login of alice after the cutoff passes
--- request
GET /api
--- error_code: 200
--- response_body
ok alice
--- no_error_log
token rejected
