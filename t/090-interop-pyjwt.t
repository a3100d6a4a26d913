# Interop: tokens minted by PyJWT (Debian's python3-jwt), as Python
# services mint them, through the gateway with the directives of today.
# The tokens are signed at test time by t/interop/mint.py from the keys in
# t/data (JWTGate::Interop), never copied from the gateway's output.
# Cases that need the directives of issue 14: t/093-interop-new.t.

# t/lib after the Test::Nginx of PERL5LIB (the real one when given)
BEGIN {
    push @INC, 't/lib';
    require JWTGate::Interop;
    JWTGate::Interop::need('python');  # or skip; under CI: fail
}

use Test::Nginx::Socket 'no_plan';
use JWTGate::Token;

our %T;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();
$ENV{TEST_NGINX_INTEROP_DIR} = JWTGate::Interop::keys_dir();

{
    my $now = time;
    my %std = (sub => 'svc-reports', iss => 'https://issuer.test',
               aud => 'api', iat => $now, exp => $now + 300);
    my %py = (lib => 'pyjwt');

    %T = %{ JWTGate::Interop::mint(
        hs256   => {%py, alg => 'HS256', key => 'hs256',
                    header => {kid => 'hs256'}, payload => {%std}},
        hs256_nokid => {%py, alg => 'HS256', key => 'hs256',
                        payload => {%std}},
        rs256   => {%py, alg => 'RS256', key => 'rsa1',
                    header => {kid => 'rsa1'}, payload => {%std}},
        rs384   => {%py, alg => 'RS384', key => 'rsa1',
                    header => {kid => 'rsa1'}, payload => {%std}},
        ps256   => {%py, alg => 'PS256', key => 'rsa1',
                    header => {kid => 'rsa1'}, payload => {%std}},
        es256   => {%py, alg => 'ES256', key => 'ec256',
                    header => {kid => 'ec256'}, payload => {%std}},
        es384   => {%py, alg => 'ES384', key => 'ec384',
                    header => {kid => 'ec384'}, payload => {%std}},
        eddsa   => {%py, alg => 'EdDSA', key => 'ed25519',
                    header => {kid => 'ed25519'}, payload => {%std}},
        aud_list => {%py, alg => 'RS256', key => 'rsa1',
                     header => {kid => 'rsa1'},
                     payload => {%std, aud => ['billing', 'api']}},
        aud_other => {%py, alg => 'RS256', key => 'rsa1',
                      header => {kid => 'rsa1'},
                      payload => {%std, aud => 'billing'}},
        other_secret => {%py, alg => 'HS256',
                         secret => 'another-service-secret-32-bytes-long!',
                         payload => {%std}},
        wrong_key => {%py, alg => 'RS256', key => 'rsa2',
                      header => {kid => 'rsa1'}, payload => {%std}},
        no_exp  => {%py, alg => 'RS256', key => 'rsa1',
                    header => {kid => 'rsa1'},
                    payload => {sub => 'svc-cron', iss => 'https://issuer.test',
                                aud => 'api', iat => $now}},
        expired => {%py, alg => 'RS256', key => 'rsa1',
                    header => {kid => 'rsa1'},
                    payload => {%std, iat => $now - 400, exp => $now - 100}},
        num_sub => {%py, alg => 'RS256', key => 'rsa1',
                    header => {kid => 'rsa1'}, payload => {%std, sub => 42}},
        roles   => {%py, alg => 'ES256', key => 'ec256',
                    header => {kid => 'ec256'},
                    payload => {%std, sub => 'u-17', name => 'Ana',
                                roles => ['reader', 'writer'],
                                scope => 'reports:read reports:write'}},
    ) };
}

run_tests();

__DATA__

=== TEST 1: PyJWT HS256 (typ JWT in its header) with and without kid
--- config
    location /api {
        auth_jwt          "py";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-hmac.json;
        auth_jwt_issuer   https://issuer.test;
        auth_jwt_audience api;
        return 200 "sub=$jwt_claim_sub alg=$jwt_header_alg typ=$jwt_header_typ\n";
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer $::T{hs256}", "Authorization: Bearer $::T{hs256_nokid}"]
--- response_body eval
["sub=svc-reports alg=HS256 typ=JWT\n", "sub=svc-reports alg=HS256 typ=JWT\n"]



=== TEST 2: PyJWT RS256, RS384, PS256, ES256, ES384 and EdDSA (python3-cryptography)
--- config
    location /api {
        auth_jwt          "py";
        auth_jwt_key_file $TEST_NGINX_INTEROP_DIR/rsa-any.json;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-all.json;
        auth_jwt_audience api;
        return 200 "$jwt_header_alg $jwt_header_kid $jwt_claim_sub\n";
    }
--- request eval
[("GET /api") x 6]
--- more_headers eval
[map { "Authorization: Bearer $::T{$_}" } qw(rs256 rs384 ps256 es256 es384 eddsa)]
--- response_body eval
["RS256 rsa1 svc-reports\n", "RS384 rsa1 svc-reports\n",
 "PS256 rsa1 svc-reports\n", "ES256 ec256 svc-reports\n",
 "ES384 ec384 svc-reports\n", "EdDSA ed25519 svc-reports\n"]



=== TEST 3: an aud list holding the API passes; another audience does not
--- config
    location /api {
        auth_jwt          "py";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_audience api;
        error_page 401 =200 /why;
        return 200 "ok aud=$jwt_claim_aud\n";
    }
    location = /why {
        internal;
        return 200 "refused: $jwt_error\n";
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer $::T{aud_list}", "Authorization: Bearer $::T{aud_other}"]
--- response_body eval
["ok aud=billing,api\n", "refused: bad_audience\n"]



=== TEST 4: another service's secret, a key that is not the kid's, an expired token
--- config
    location /api {
        auth_jwt          "py";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-hmac.json;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        error_page 401 =200 /why;
        return 200 "ok\n";
    }
    location = /why {
        internal;
        return 200 "refused: $jwt_error\n";
    }
--- request eval
[("GET /api") x 3]
--- more_headers eval
[map { "Authorization: Bearer $::T{$_}" } qw(other_secret wrong_key expired)]
--- response_body eval
["refused: bad_signature\n", "refused: bad_signature\n", "refused: expired\n"]



=== TEST 5: a service token without exp: refused by default, accepted with auth_jwt_require_exp off
--- config
    location /api {
        auth_jwt          "py";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        error_page 401 =200 /why;
        return 200 "ok $jwt_claim_sub\n";
    }
    location /internal {
        auth_jwt             "py";
        auth_jwt_key_file    $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_require_exp off;
        return 200 "ok $jwt_claim_sub\n";
    }
    location = /why {
        internal;
        return 200 "refused: $jwt_error\n";
    }
--- request eval
["GET /api", "GET /internal"]
--- more_headers eval
["Authorization: Bearer $::T{no_exp}", "Authorization: Bearer $::T{no_exp}"]
--- response_body eval
["refused: missing_exp\n", "ok svc-cron\n"]



=== TEST 6: a numeric sub stays refused by default (RFC 7519 §4.1.2: a string)
--- config
    location /api {
        auth_jwt          "py";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "ok\n";
    }
--- request
GET /api
--- more_headers eval
"Authorization: Bearer $::T{num_sub}"
--- error_code: 401
--- error_log
token rejected: bad_claim_type



=== TEST 7: roles (array) and scope (string) from PyJWT, in rules and forwarded headers
--- config
    location /reports {
        auth_jwt               "py";
        auth_jwt_key_file      $TEST_NGINX_DATA_DIR/jwks-all.json;
        auth_jwt_forward_claim X-User-Id    sub;
        auth_jwt_forward_claim X-User-Name  name;
        auth_jwt_forward_claim X-User-Roles roles;
        auth_jwt_require_claim scope intersect reports:read;
        limit_except GET {
            auth_jwt_require_claim roles intersect writer;
            auth_jwt_require_claim scope intersect reports:write;
        }
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /admin {
        auth_jwt               "py";
        auth_jwt_key_file      $TEST_NGINX_DATA_DIR/jwks-all.json;
        auth_jwt_require_claim roles intersect admin;
        return 200 "admin\n";
    }
    location = /echo {
        return 200 "$request_method id=$http_x_user_id name=$http_x_user_name roles=$http_x_user_roles\n";
    }
--- request eval
["GET /reports", "POST /reports", "GET /admin"]
--- more_headers eval
[("Authorization: Bearer $::T{roles}") x 3]
--- error_code eval
[200, 200, 403]
--- response_body_like eval
["^GET id=u-17 name=Ana roles=reader,writer\n\\z",
 "^POST id=u-17 name=Ana roles=reader,writer\n\\z", "403 Forbidden"]
