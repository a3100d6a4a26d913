# The login companion: auth_jwt_login_cookie sets the issuer's token as a
# cookie on a successful login answer, auth_jwt_logout_cookie clears it,
# and a token with a kid the gateway lacks makes it fetch its keys again.
# The "issuer" here is a location of the same server answering with a
# token minted by Crypt::JWT (t/071-login-issuer.t uses the real one).
#
# Keeps the real Test::Nginx's HUP mode (t/lib/README.md): only TEST 8
# fetches keys into the shared zone and has a limit_req_zone, and no
# block reads auth_jwt_status.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::BlockLog;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

our $EXP = time + 600;
our $TOKEN = jwt(claims => {exp => $EXP});
$ENV{TEST_NGINX_TOKEN} = $TOKEN;
$ENV{TEST_NGINX_TOKEN_RSA2} = jwt(key => 'rsa2', claims => {exp => $EXP});

add_block_preprocessor(sub {
    my $block = shift;

    # MAX_AGE in response_headers_like: the cookie's Max-Age is what is left
    # of the token's life when the answer goes out: at most $EXP - now, and
    # the block has 10 s to get there
    my $h = $block->response_headers_like;
    if (defined $h && $h =~ /MAX_AGE/) {
        my $hi = $EXP - time;
        my $alt = join '|', reverse $hi - 10 .. $hi;
        $h =~ s/MAX_AGE/(?:$alt)/g;
        $block->set_value('response_headers_like', $h);
    }

    return if defined $block->config;
    my $cookie = $block->cookie // 'auth_jwt_login_cookie access_token;';
    $block->set_value('config', <<"CONF");
    location = /auth/login {
        auth_jwt off;
        $cookie
        proxy_pass http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/issuer/login;
    }
    location = /auth/logout {
        auth_jwt_logout_cookie access_token;
        return 204;
    }
    location = /issuer/login {
        if (\$request_method != POST) {
            return 405;
        }
        default_type application/json;
        return 200 '{"access_token":"\$TEST_NGINX_TOKEN","token_type":"Bearer","expires_in":600}';
    }
    location = /issuer/bad {
        return 401 '{"error":"invalid_credentials"}';
    }
CONF
});

run_tests();

__DATA__

=== TEST 1: a successful login sets the token as a cookie
--- request
POST /auth/login
{"username":"alice","password":"x"}
--- error_code: 200
--- response_headers_like eval
"Set-Cookie: access_token=\Q$main::TOKEN\E; Max-Age=MAX_AGE; Path=/; HttpOnly; Secure; SameSite=Strict"
--- response_body_like: "access_token":"ey



=== TEST 2: the answer's body goes on unchanged
--- request
POST /auth/login
{}
--- response_body eval
'{"access_token":"' . $main::TOKEN . '","token_type":"Bearer","expires_in":600}'



=== TEST 3: an unsuccessful login sets no cookie
--- cookie
auth_jwt_login_cookie access_token;
--- config
    location = /auth/login {
        auth_jwt_login_cookie access_token;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/issuer;
    }
    location = /issuer {
        return 401 '{"access_token":"$TEST_NGINX_TOKEN"}';
    }
--- request
POST /auth/login
{}
--- error_code: 401
--- response_headers
!Set-Cookie



=== TEST 4: an answer that is not JSON, or has no token, sets no cookie
--- config
    location /auth/ {
        auth_jwt_login_cookie access_token;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/issuer/;
    }
    location = /issuer/html {
        return 200 'not json';
    }
    location = /issuer/none {
        return 200 '{"token_type":"Bearer"}';
    }
    location = /issuer/number {
        return 200 '{"access_token":42}';
    }
    location = /issuer/word {
        return 200 '{"access_token":"Bearer"}';
    }
    location = /issuer/inject {
        return 200 '{"access_token":"a.b.c; Domain=evil.test"}';
    }
--- request eval
["GET /auth/html", "GET /auth/none", "GET /auth/number", "GET /auth/word", "GET /auth/inject"]
--- response_headers eval
["!Set-Cookie", "!Set-Cookie", "!Set-Cookie", "!Set-Cookie", "!Set-Cookie"]
--- error_log
auth_jwt_login_cookie: the answer is not a JSON object, no cookie set
auth_jwt_login_cookie: no string "access_token" in the answer, no cookie set
auth_jwt_login_cookie: the issued token is malformed, no cookie set
auth_jwt_login_cookie: "access_token" is not a token, no cookie set



=== TEST 5: field=, secure=off, samesite=lax, path= and domain=
--- cookie
auth_jwt_login_cookie at field=accessToken secure=off samesite=lax path=/app domain=example.test;
--- config
    location = /auth/login {
        auth_jwt_login_cookie at field=accessToken secure=off samesite=lax
                              path=/app domain=example.test;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/issuer;
    }
    location = /issuer {
        return 200 '{"accessToken":"$TEST_NGINX_TOKEN"}';
    }
--- request
POST /auth/login
{}
--- response_headers_like eval
"Set-Cookie: at=\Q$main::TOKEN\E; Max-Age=\\d+; Path=/app; Domain=example.test; HttpOnly; SameSite=Lax"



=== TEST 6: logout clears the cookie
--- request
POST /auth/logout
--- error_code: 204
--- response_headers
Set-Cookie: access_token=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict



=== TEST 7: the cookie then opens a location with token=$cookie_access_token
--- config
    location /app {
        auth_jwt          "app" token=$cookie_access_token;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "hello $jwt_claim_sub\n";
    }
--- request eval
["GET /app", "GET /app"]
--- more_headers eval
["Cookie: access_token=$main::TOKEN", "Cookie: other=1"]
--- error_code eval
[200, 401]
--- response_body_like eval
["^hello alice\n\$", error_page(401)]



=== TEST 8: a login token with a kid the gateway lacks: its keys are fetched again at once
--- http_config
    limit_req_zone $binary_remote_addr zone=tick:1m rate=4r/s;
--- config
    location = /auth/login {
        auth_jwt off;
        auth_jwt_key_request /_jwks;
        auth_jwt_login_cookie access_token;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/issuer;
    }
    location = /issuer {
        return 200 '{"access_token":"$TEST_NGINX_TOKEN_RSA2"}';
    }
    location = /_jwks {
        internal;
        alias html/jwks.json;
    }
    location = /dav/jwks.json {
        alias html/jwks.json;
        dav_methods PUT;
    }
    location /api {
        auth_jwt             "api";
        auth_jwt_key_request /_jwks;
        return 200 "ok $jwt_header_kid\n";
    }
--- user_files eval
[["jwks.json", JWTGate::Token::_slurp(JWTGate::Token::data_dir() . "/jwks-rsa1.json")]]
--- request eval
["GET /api", "GET /api", "PUT /dav/jwks.json\n" . JWTGate::Token::_slurp(JWTGate::Token::data_dir() . "/jwks-rsa12.json"),
 "GET /api", "POST /auth/login\n{}", "GET /api"]
--- more_headers eval
["Authorization: Bearer $main::TOKEN",
 "Authorization: Bearer " . jwt(kid => 'made-up'),
 "X-None: 1",
 "Authorization: Bearer $ENV{TEST_NGINX_TOKEN_RSA2}",
 "X-None: 1",
 "Authorization: Bearer $ENV{TEST_NGINX_TOKEN_RSA2}"]
--- error_code eval
[200, 401, 204, 401, 200, 200]
--- response_body_like eval
["^ok rsa1", error_page(401), '\A\z', error_page(401),
 '\A\{"access_token":"', "^ok rsa2"]
--- error_log
auth_jwt_login_cookie: kid "rsa2" is new, the keys will be fetched again



=== TEST 9: bad parameters fail nginx -t
--- config
    location = /a {
        auth_jwt_login_cookie access_token samesite=none secure=off;
    }
--- must_die
--- error_log
needs secure=on



=== TEST 10: an invalid cookie name fails nginx -t
--- config
    location = /a {
        auth_jwt_login_cookie "a;b";
    }
--- must_die
--- error_log
invalid cookie name "a;b"



=== TEST 11: an unknown parameter fails nginx -t
--- config
    location = /a {
        auth_jwt_login_cookie a httponly=off;
    }
--- must_die
--- error_log
invalid parameter "httponly=off"



=== TEST 12: only in a location
--- config
    auth_jwt_login_cookie a;
--- must_die
--- error_log
"auth_jwt_login_cookie" directive is not allowed here



=== TEST 12: an answer served from a file gets its cookie and its whole body
--- config
    location = /auth/login {
        auth_jwt_login_cookie access_token;
        alias html/login.json;
        default_type application/json;
    }
--- user_files eval
[["login.json", '{"access_token":"' . $main::TOKEN . '"}']]
--- request
GET /auth/login
--- response_headers_like eval
"Set-Cookie: access_token=\Q$main::TOKEN\E; Max-Age=\\d+; Path=/; HttpOnly; Secure; SameSite=Strict"
--- response_body eval
'{"access_token":"' . $main::TOKEN . '"}'



=== TEST 13: CR and LF in path= fail nginx -t (no header injection from a typo)
--- config
    location = /a {
        auth_jwt_login_cookie a "path=/app\r\nX-Injected: 1";
    }
--- must_die
--- error_log
invalid parameter "path=/app



=== TEST 14: a semicolon in path= fails nginx -t, as before
--- config
    location = /a {
        auth_jwt_login_cookie a "path=/app; Domain=evil.test";
    }
--- must_die
--- error_log
invalid parameter "path=/app; Domain=evil.test"



=== TEST 15: a space alone in path= fails nginx -t
--- config
    location = /a {
        auth_jwt_login_cookie a "path=/app HttpOnly";
    }
--- must_die
--- error_log
invalid parameter "path=/app HttpOnly"



=== TEST 16: a comma in path= fails nginx -t
--- config
    location = /a {
        auth_jwt_login_cookie a path=/app,b=c;
    }
--- must_die
--- error_log
invalid parameter "path=/app,b=c"



=== TEST 17: CR and LF in domain= of auth_jwt_logout_cookie fail nginx -t
--- config
    location = /a {
        auth_jwt_logout_cookie a "domain=example.test\r\nX-Injected: 1";
    }
--- must_die
--- error_log
invalid parameter "domain=example.test



=== TEST 18: a space in domain= fails nginx -t
--- config
    location = /a {
        auth_jwt_login_cookie a "domain=example.test Secure";
    }
--- must_die
--- error_log
invalid parameter "domain=example.test Secure"



=== TEST 19: a comma in domain= fails nginx -t
--- config
    location = /a {
        auth_jwt_logout_cookie a domain=example.test,b=c;
    }
--- must_die
--- error_log
invalid parameter "domain=example.test,b=c"



=== TEST 20: a tab or a double quote in path= fails nginx -t
--- config
    location = /a {
        auth_jwt_logout_cookie a "path=/a\t\"b\"";
    }
--- must_die
--- error_log
invalid parameter "path=/a



=== TEST 21: the characters of a URI path and of a host name are accepted
--- config
    location = /auth/login {
        auth_jwt_login_cookie at path=/api/v1.2/%7Euser_x-y:z@w!$*+= domain=.auth-1.example.test;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/issuer;
    }
    location = /issuer {
        return 200 '{"access_token":"$TEST_NGINX_TOKEN"}';
    }
--- request
POST /auth/login
{}
--- response_headers_like eval
"Set-Cookie: at=\Q$main::TOKEN\E; Max-Age=\\d+; Path=/api/v1\\.2/%7Euser_x-y:z\@w!\\\$\\*\\+=; Domain=\\.auth-1\\.example\\.test; HttpOnly; Secure; SameSite=Strict"



=== TEST 22: logout clears the cookie only in answers to POST (a link or a prefetch logs nobody out)
--- request eval
["GET /auth/logout", "HEAD /auth/logout", "OPTIONS /auth/logout", "POST /auth/logout"]
--- error_code eval
[204, 204, 204, 204]
--- response_headers eval
["!Set-Cookie", "!Set-Cookie", "!Set-Cookie",
 "Set-Cookie: access_token=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict"]
--- no_error_log
[error]
