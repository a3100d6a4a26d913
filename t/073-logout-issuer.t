# Logout through the gateway to the reference issuer (build/jwtgate-issuer):
# auth_jwt_logout_cookie clears the cookie, and the location proxies the
# logout to the issuer's POST /auth/logout with the token as
# "Authorization: Bearer", taken from the cookie when the request has no
# Authorization header (a map, docs/REVOCATION.md).  The issuer revokes the
# token's jti: its revocation feed, read through the gateway, lists it.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::Issuer;
use Crypt::JWT ();

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

our $ISS = JWTGate::Issuer->start(
    users => ['alice:' . JWTGate::Issuer::hash_password('wonderland')
              . ':user'],
    args  => ['--issuer', 'https://issuer.test', '--audience', 'api',
              '--lifetime', '300']);
$ENV{TEST_NGINX_ISSUER_PORT} = $ISS->port;

# one token per logout, each with its own jti (read with Crypt::JWT)
our (@TOKEN, @JTI);
for (0 .. 2) {
    my $t = $ISS->login('alice', 'wonderland') or die "no token";
    my (undef, $claims) = $ISS->verify($t);
    push @TOKEN, $t;
    push @JTI, $claims->{jti};
}

# a token signed by nobody (alg none), from Crypt::JWT
our $FORGED = Crypt::JWT::encode_jwt(
    payload => {iss => 'https://issuer.test', sub => 'alice',
                jti => 'forged', exp => time + 300},
    alg => 'none', allow_none => 1);

no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value('http_config', <<'CONF');
    map $http_authorization $logout_authorization {
        ""      "Bearer $cookie_access_token";
        default $http_authorization;
    }
CONF
    $block->set_value('config', <<'CONF');
    location = /auth/logout {
        auth_jwt               off;
        auth_jwt_logout_cookie access_token secure=off;
        proxy_set_header       Authorization $logout_authorization;
        proxy_set_header       Cookie "";
        proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/auth/logout;
    }
    location = /feed {
        proxy_pass http://127.0.0.1:$TEST_NGINX_ISSUER_PORT/.well-known/revocations.json;
    }
CONF
});

run_tests();

__DATA__

=== TEST 1: logout with the cookie: cleared, and the issuer revokes the token
--- request
POST /auth/logout
--- more_headers eval
"Cookie: theme=dark; access_token=$main::TOKEN[0]"
--- error_code: 200
--- response_headers
Set-Cookie: access_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict
--- response_body_like eval
qr/^\{"revoked":\{"jti":"\Q$main::JTI[0]\E","exp":\d+\}\}$/



=== TEST 2: the issuer's feed lists the first token's jti, not the others
--- request
GET /feed
--- error_code: 200
--- response_body_like eval
qr/\A(?!.*(?:\Q$main::JTI[1]\E|\Q$main::JTI[2]\E)).*"jti":\{"\Q$main::JTI[0]\E":\d+\}/s



=== TEST 3: logout with Authorization: Bearer and no cookie: revoked too
--- request
POST /auth/logout
--- more_headers eval
"Authorization: Bearer $main::TOKEN[1]"
--- error_code: 200
--- response_headers
Set-Cookie: access_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict
--- response_body_like eval
qr/"jti":"\Q$main::JTI[1]\E"/



=== TEST 4: the header wins over the cookie: the header's token is revoked
--- request
POST /auth/logout
--- more_headers eval
"Authorization: Bearer $main::TOKEN[2]\r\nCookie: access_token=$main::TOKEN[0]"
--- error_code: 200
--- response_body_like eval
qr/"jti":"\Q$main::JTI[2]\E"/



=== TEST 5: no token at all: the issuer's 401, the cookie cleared anyway
--- request
POST /auth/logout
--- error_code: 401
--- response_headers
Set-Cookie: access_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict
--- response_body_like: "error":"invalid_request"



=== TEST 6: a forged cookie: invalid_token, nothing revoked, cookie cleared
--- request
POST /auth/logout
--- more_headers eval
"Cookie: access_token=$main::FORGED"
--- error_code: 401
--- response_headers
Set-Cookie: access_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict
--- response_body_like: "error":"invalid_token"



=== TEST 7: the feed has the three jti and not the forged one
--- request
GET /feed
--- error_code: 200
--- response_body_like eval
qr/^(?=.*"\Q$main::JTI[0]\E")(?=.*"\Q$main::JTI[1]\E")(?=.*"\Q$main::JTI[2]\E")(?!.*forged)/



=== TEST 8: GET logs nobody out: the issuer's 405, no Set-Cookie
--- request
GET /auth/logout
--- more_headers eval
"Cookie: access_token=$main::TOKEN[0]"
--- error_code: 405
--- response_headers
!Set-Cookie
