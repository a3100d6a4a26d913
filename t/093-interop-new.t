# Interop with the directives of issue 14: the systems of t/091 with
# auth_jwt_numeric_ids (NestJS's numeric sub, its login through the
# gateway), token=bearer token=$cookie_... (API clients and the browser on
# one location), auth_jwt_require_typ (RFC 9068 access tokens, typ as a
# media type), auth_jwt_bypass_cors_preflight (Auth0's browser client),
# auth_jwt_iat_leeway (PyJWT issuers with clock skew), jwtgate-jwks --oct
# (the oct key of a NestJS secret), and the cross-check cases that need
# them (t/lib/JWTGate/CrossCheck.pm, set "new"; the table in
# docs/SECURITY.md).  Tokens are minted at test time by @nestjs/jwt,
# jsonwebtoken, jose and PyJWT; skipped only when node, npm or the
# installed libraries (make interop-deps) are missing.

# t/lib after the Test::Nginx of PERL5LIB (the real one when given)
BEGIN {
    push @INC, 't/lib';
    require JWTGate::Interop;
    JWTGate::Interop::need('node', 'python');  # or skip; under CI: fail
}

use Test::Nginx::Socket 'no_plan';
use JWTGate::Token;
use JWTGate::CrossCheck;

our (%T, @CASES, $VERDICTS, $LOGIN_BODY);

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();
my $kd = $ENV{TEST_NGINX_INTEROP_DIR} = JWTGate::Interop::keys_dir();

{
    my $now = time;
    my $secret = $JWTGate::Interop::NESTJS_SECRET;
    my $kid = $JWTGate::Interop::AUTH0_KID;
    my %nest = (lib => 'nestjs', alg => 'HS256', secret => $secret,
                options => {expiresIn => '1h'});
    my %auth0 = (iss => 'https://tenant.auth0.test/',
                 sub => 'auth0|5f7c8ec7c33c6c004bbafe82',
                 aud => ['https://api.example.test/items',
                         'https://tenant.auth0.test/userinfo'],
                 scope => 'openid profile read:items',
                 permissions => ['read:items', 'create:items'],
                 iat => $now, exp => $now + 3600);
    my $at = sub { {lib => 'jose', alg => 'RS256', key => 'rsa2',
                    header => {kid => $kid, defined $_[0] ? (typ => $_[0]) : ()},
                    payload => {%auth0}} };
    my $py = sub { {lib => 'pyjwt', alg => 'RS256', key => 'rsa1',
                    header => {kid => 'rsa1'},
                    payload => {sub => 'svc-etl', iss => 'https://issuer.test',
                                aud => 'api', iat => $now + $_[0],
                                exp => $now + 900}} };

    %T = %{ JWTGate::Interop::mint(
        nest_num   => {%nest, payload => {user => {id => 42, username => 'ana'},
                                          sub => 42}},
        nest_jti   => {%nest, payload => {sub => 42, jti => 9001}},
        at         => $at->('at+jwt'),
        at_app     => $at->('application/at+jwt'),
        at_upper   => $at->('AT+JWT'),
        at_mixed   => $at->('Application/At+Jwt'),
        at_jwt     => $at->('JWT'),
        at_none    => $at->(undef),
        at_other   => $at->('at+jwt+x'),
        iat_45     => $py->(45),
        iat_300    => $py->(300),
    ) };
    $T{nest_frac} = JWTGate::Token::hmac_jwt_with_secret('HS256', $secret,
        claims => {sub => 42.5, iss => undef, aud => undef});

    # what the NestJS auth service answers to POST /auth
    $LOGIN_BODY = qq({"userId":42,"accessToken":"$T{nest_num}"});

    # the oct key of the NestJS secret, made by jwtgate-jwks --oct from a
    # file and from stdin (the secret is never on a command line)
    my $tool = JWTGate::Interop::root() . '/build/jwtgate-jwks';
    open my $fh, '>', "$kd/nestjs-secret" or die $!;
    print {$fh} $secret;
    close $fh;
    system("'$tool' --oct '$kd/nestjs-secret' > '$kd/oct-file.json' 2>/dev/null");
    system("'$tool' --oct - < '$kd/nestjs-secret' > '$kd/oct-stdin.json' 2>/dev/null");
}

@CASES = JWTGate::CrossCheck::cases('new');
JWTGate::CrossCheck::mint(\@CASES);
$VERDICTS = JWTGate::CrossCheck::verdicts(\@CASES);

run_tests();

JWTGate::CrossCheck::check_doc(\@CASES, $VERDICTS,
                               JWTGate::Interop::root() . '/docs/SECURITY.md');

__DATA__

=== TEST 1: auth_jwt_numeric_ids on: NestJS's numeric sub and jti pass, rendered as decimal text in variables and forwarded headers
--- config
    location /greet {
        auth_jwt               "users";
        auth_jwt_key_file      $TEST_NGINX_INTEROP_DIR/nestjs-oct.json;
        auth_jwt_numeric_ids   on;
        auth_jwt_forward_claim X-User-Id sub;
        auth_jwt_forward_claim X-Token-Id jti;
        proxy_set_header       X-Sub-Var $jwt_claim_sub;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location = /echo {
        return 200 "hello $http_x_user_id var=$http_x_sub_var jti=[$http_x_token_id]\n";
    }
--- request eval
["GET /greet", "GET /greet"]
--- more_headers eval
["Authorization: Bearer $::T{nest_num}", "Authorization: Bearer $::T{nest_jti}"]
--- response_body eval
["hello 42 var=42 jti=[]\n", "hello 42 var=42 jti=[9001]\n"]



=== TEST 2: auth_jwt_numeric_ids on still refuses a sub that is not an integer
--- config
    location /greet {
        auth_jwt             "users";
        auth_jwt_key_file    $TEST_NGINX_INTEROP_DIR/nestjs-oct.json;
        auth_jwt_numeric_ids on;
        return 200 "hello $jwt_claim_sub\n";
    }
--- request
GET /greet
--- more_headers eval
"Authorization: Bearer $::T{nest_frac}"
--- error_code: 401
--- error_log
token rejected: bad_claim_type



=== TEST 3: off (the default): the log line of the refusal names sub and auth_jwt_numeric_ids
--- config
    location /greet {
        auth_jwt          "users";
        auth_jwt_key_file $TEST_NGINX_INTEROP_DIR/nestjs-oct.json;
        return 200 "hello $jwt_claim_sub\n";
    }
--- request
GET /greet
--- more_headers eval
"Authorization: Bearer $::T{nest_num}"
--- error_code: 401
--- error_log eval
[qr/token rejected: bad_claim_type/, qr/\bsub\b.*auth_jwt_numeric_ids/]



=== TEST 4: the NestJS login through the gateway sets the cookie; the browser's cookie and an API client's bearer header both reach /greet; both at once is 400
--- config
    auth_jwt_numeric_ids on;

    location = /auth {
        auth_jwt              off;
        auth_jwt_login_cookie access_token field=accessToken secure=off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/nest-auth;
    }
    location = /nest-auth {
        default_type application/json;
        return 200 $nest_login_body;
    }
    location /greet {
        auth_jwt               "users" token=bearer token=$cookie_access_token;
        auth_jwt_key_file      $TEST_NGINX_INTEROP_DIR/nestjs-oct.json;
        auth_jwt_forward_claim X-User-Id sub;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location = /echo {
        return 200 "hello $http_x_user_id cookie=[$http_cookie]\n";
    }
--- http_config eval
"map \$host \$nest_login_body { default '$::LOGIN_BODY'; }"
--- request eval
["POST /auth", "GET /greet", "GET /greet", "GET /greet"]
--- more_headers eval
["Content-Type: application/json",
 "Cookie: access_token=$::T{nest_num}",
 "Authorization: Bearer $::T{nest_num}",
 "Authorization: Bearer $::T{nest_num}\r\nCookie: access_token=$::T{nest_num}"]
--- error_code eval
[200, 200, 200, 400]
--- response_headers_like eval
["Set-Cookie: access_token=\Q$::T{nest_num}\E; Max-Age=\\d+; Path=/; HttpOnly; SameSite=Strict",
 "", "", "WWW-Authenticate: Bearer realm=\"users\", error=\"invalid_request\""]
--- response_body_like eval
["^\Q$::LOGIN_BODY\E\\z", "^hello 42 cookie=\\[access_token=",
 "^hello 42 cookie=\\[\\]\n\\z", "400"]



=== TEST 5: auth_jwt_require_typ at+jwt: typ compared as a media type (RFC 7515 §4.1.9, RFC 9068 §4)
--- config
    location /api/items {
        auth_jwt             "items";
        auth_jwt_key_file    $TEST_NGINX_INTEROP_DIR/auth0.json;
        auth_jwt_audience    https://api.example.test/items;
        auth_jwt_require_typ at+jwt;
        return 200 "ok typ=$jwt_header_typ\n";
    }
--- request eval
[("GET /api/items") x 7]
--- more_headers eval
[map { "Authorization: Bearer $::T{$_}" } qw(at at_app at_upper at_mixed at_jwt at_none at_other)]
--- error_code eval
[200, 200, 200, 200, 401, 401, 401]
--- response_body_like eval
["^ok typ=at\\+jwt\n", "^ok typ=application/at\\+jwt\n", "^ok typ=AT\\+JWT\n",
 "^ok typ=Application/At\\+Jwt\n", "401", "401", "401"]



=== TEST 6: auth_jwt_require_typ with two values
--- config
    location /api/items {
        auth_jwt             "items";
        auth_jwt_key_file    $TEST_NGINX_INTEROP_DIR/auth0.json;
        auth_jwt_require_typ at+jwt JWT;
        return 200 "ok typ=$jwt_header_typ\n";
    }
--- request eval
[("GET /api/items") x 3]
--- more_headers eval
[map { "Authorization: Bearer $::T{$_}" } qw(at_app at_jwt at_none)]
--- error_code eval
[200, 200, 401]



=== TEST 7: Auth0's browser client: a genuine CORS preflight passes unauthenticated, with no identity; anything else is checked
--- config
    location /api/items {
        auth_jwt                       "items";
        auth_jwt_key_file              $TEST_NGINX_INTEROP_DIR/auth0.json;
        auth_jwt_audience              https://api.example.test/items;
        auth_jwt_bypass_cors_preflight on;
        auth_jwt_forward_claim         X-User-Id sub;
        limit_except GET {
            auth_jwt_require_claim permissions intersect create:items;
        }
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /strict/items {
        auth_jwt          "items";
        auth_jwt_key_file $TEST_NGINX_INTEROP_DIR/auth0.json;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location = /echo {
        return 200 "$request_method id=[$http_x_user_id]\n";
    }
--- request eval
["OPTIONS /api/items", "OPTIONS /api/items", "POST /api/items",
 "POST /api/items", "OPTIONS /strict/items"]
--- more_headers eval
["Origin: https://app.example.test\r\nAccess-Control-Request-Method: POST\r\nX-User-Id: admin",
 "Origin: https://app.example.test\r\nX-User-Id: admin",
 "Origin: https://app.example.test\r\nAccess-Control-Request-Method: POST",
 "Origin: https://app.example.test\r\nAuthorization: Bearer $::T{at}",
 "Origin: https://app.example.test\r\nAccess-Control-Request-Method: POST"]
--- error_code eval
[200, 401, 401, 200, 401]
--- response_body_like eval
["^OPTIONS id=\\[\\]\n\\z", "401", "401",
 "^POST id=\\[auth0\\|5f7c8ec7c33c6c004bbafe82\\]\n\\z", "401"]



=== TEST 8: PyJWT issuers with clock skew: iat 45 s ahead passes by default, 300 s does not; auth_jwt_iat_leeway 0 refuses skew unless auth_jwt_leeway allows it
--- config
    location /api {
        auth_jwt          "py";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        error_page 401 =200 /why;
        return 200 "ok\n";
    }
    location /strict {
        auth_jwt            "py";
        auth_jwt_key_file   $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_iat_leeway 0s;
        error_page 401 =200 /why;
        return 200 "ok\n";
    }
    location /lenient {
        auth_jwt            "py";
        auth_jwt_key_file   $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_iat_leeway 0s;
        auth_jwt_leeway     120s;
        error_page 401 =200 /why;
        return 200 "ok\n";
    }
    location = /why {
        internal;
        return 200 "refused: $jwt_error\n";
    }
--- request eval
["GET /api", "GET /api", "GET /strict", "GET /lenient"]
--- more_headers eval
[map { "Authorization: Bearer $::T{$_}" } qw(iat_45 iat_300 iat_45 iat_45)]
--- response_body eval
["ok\n", "refused: issued_in_future\n", "refused: issued_in_future\n", "ok\n"]



=== TEST 9: the oct key that jwtgate-jwks --oct makes of the NestJS secret (from a file and from stdin) verifies @nestjs/jwt's tokens
--- config
    auth_jwt_numeric_ids on;
    location /file {
        auth_jwt          "users";
        auth_jwt_key_file $TEST_NGINX_INTEROP_DIR/oct-file.json;
        return 200 "hello $jwt_claim_sub\n";
    }
    location /stdin {
        auth_jwt          "users";
        auth_jwt_key_file $TEST_NGINX_INTEROP_DIR/oct-stdin.json;
        return 200 "hello $jwt_claim_sub\n";
    }
--- request eval
["GET /file", "GET /stdin"]
--- more_headers eval
[("Authorization: Bearer $::T{nest_num}") x 2]
--- response_body eval
["hello 42\n", "hello 42\n"]



=== TEST 10: the gateway's verdict on the cross-check cases that need the directives of issue 14
--- config eval
JWTGate::CrossCheck::config(\@::CASES)
--- request eval
[map { "GET /cc/$_->{id}" } @::CASES]
--- more_headers eval
[map { "Authorization: Bearer $_->{token}" } @::CASES]
--- response_body_like eval
[map { $_->{expect} eq 'reject' ? qr/^reject \S+\n\z/ : qr/^\Q$_->{expect}\E\n\z/ } @::CASES]
