# auth_jwt_type nested: a JWE (cty "JWT", RFC 7519 5.2) around a signed
# token.  Decrypted with the key files' decryption keys, the inner JWS is
# then verified with the location's signature keys as any signed token
# (algorithms, kid, try limit, claims, rules); the variables are the
# inner token's.  Tokens minted here by Crypt::JWT (t/lib/JWTGate/Jwe.pm).

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::Jwe;
use JWTGate::BlockLog;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

jwe_setup();

sub bearer { "Authorization: Bearer " . $_[0] }
{ no warnings 'once'; *Test::Base::Filter::bearer = \&bearer; }

add_block_preprocessor(sub {
    my $block = shift;
    return if defined $block->config;
    $block->set_value('config', <<'CONF');
    location /api {
        auth_jwt          "test";
        auth_jwt_type     nested;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/dec.json;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-all.json;
        return 200 "$jwt_header_alg|$jwt_header_kid|$jwt_header_enc|$jwt_header_cty|$jwt_claim_sub\n";
    }
CONF
});

# an inner token made once, for the test that wants its text back
our $INNER = JWTGate::Token::jwt(alg => 'ES256',
                                 claims => {sub => 'pat', n => 1});
# its claims as Crypt::JWT wrote them (compact JSON, its own member order)
our $INNER_CLAIMS = JWTGate::Token::b64u_decode((split /\./, $INNER)[1]);

no_shuffle();
run_tests();

__DATA__

=== TEST 1: inner RS256 and ES256 (and EdDSA) in outer JWEs of several algorithms
--- request eval
[map { "GET /api" } 1..6]
--- more_headers eval
[bearer(nested(jws => {alg => 'RS256', claims => {sub => 'a'}})),
 bearer(nested(jws => {alg => 'ES256', claims => {sub => 'b'}},
               alg => 'ECDH-ES+A128KW', key => 'p384')),
 bearer(nested(jws => {alg => 'RS256', claims => {sub => 'c'}},
               alg => 'A256GCMKW', enc => 'A128CBC-HS256')),
 bearer(nested(jws => {alg => 'ES256', claims => {sub => 'd'}},
               alg => 'dir', enc => 'A192GCM')),
 bearer(nested(jws => {alg => 'EdDSA', claims => {sub => 'e'}},
               alg => 'ECDH-ES', key => 'x25519')),
 bearer(nested(jws => {alg => 'RS256', claims => {sub => 'f'}},
               alg => 'RSA-OAEP-512', kid => undef))]
--- error_code eval
[200, 200, 200, 200, 200, 200]
--- response_body eval
["RS256|rsa1|||a\n", "ES256|ec256|||b\n", "RS256|rsa1|||c\n",
 "ES256|ec256|||d\n", "EdDSA|ed25519|||e\n", "RS256|rsa1|||f\n"]
--- no_error_log
[error]
token rejected



=== TEST 2: a bad inner signature: bad_signature; an inner kid nginx has not: unknown_kid
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
[bearer(nested(inner => tamper_sig(jwt()))),
 bearer(nested(inner => tamper_payload(jwt(), {sub => 'mallory'}))),
 bearer(nested(jws => {kid => 'nope'}))]
--- error_code eval
[401, 401, 401]
--- response_body_like eval
[map { '401 Authorization Required' } 1..3]
--- error_log
token rejected: bad_signature
token rejected: unknown_kid



=== TEST 3: the inner token's claims are checked: expired, not yet valid
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[bearer(nested(jws => {claims => {exp => time - 120}})),
 bearer(nested(jws => {claims => {nbf => time + 600}}))]
--- error_code eval
[401, 401]
--- error_log
token rejected: expired
token rejected: not_yet_valid



=== TEST 4: no cty JWT, or claims where a JWS is wanted: malformed, and why
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
[bearer(jwe(plain => jwt())),
 bearer(jwe()),
 bearer(nested(inner => jwe()))]
--- error_code eval
[401, 401, 401]
--- error_log
the JWE's cty is not "JWT": a nested token holds a signed token
the inner token is not a signed token (JWS)



=== TEST 5: cty "application/jwt" (any case) is JWT too
--- request
GET /api
--- more_headers eval
bearer(nested(header => {cty => 'Application/JWT'}, jws => {claims => {sub => 'g'}}))
--- error_code: 200
--- response_body
RS256|rsa1|||g



=== TEST 6: a bare JWS at a nested location is refused; the outer JWE for another key: decrypt_failed
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[bearer(jwt()), bearer(nested(other => 1))]
--- error_code eval
[401, 401]
--- error_log
token rejected: malformed (a signed token (JWS), where a JWE is expected)
token rejected: decrypt_failed



=== TEST 7: auth_jwt_algorithms and auth_jwt_key_try_limit apply to the inner token
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_type     nested;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/dec.json;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-all.json;
        auth_jwt_algorithms ES256;
        auth_jwt_key_try_limit 1;
        return 200 "ok $jwt_claim_sub\n";
    }
    location /rs {
        auth_jwt          "test";
        auth_jwt_type     nested;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/dec.json;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-all.json;
        auth_jwt_algorithms RS256;
        auth_jwt_key_try_limit 1;
        return 200 "ok $jwt_claim_sub\n";
    }
    location /rs3 {
        auth_jwt          "test";
        auth_jwt_type     nested;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/dec.json;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-all.json;
        auth_jwt_algorithms RS256;
        auth_jwt_key_try_limit 3;
        return 200 "ok $jwt_claim_sub\n";
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /rs", "GET /rs3"]
--- more_headers eval
[bearer(nested(jws => {alg => 'RS256'})),
 bearer(nested(jws => {alg => 'ES256', claims => {sub => 'h'}})),
 bearer(nested(jws => {alg => 'ES384', kid => undef})),
 bearer(nested(jws => {alg => 'RS256', key => 'rsa2', kid => undef})),
 bearer(nested(jws => {alg => 'RS256', key => 'rsa2', kid => undef,
                       claims => {sub => 't'}}))]
--- error_code eval
[401, 200, 401, 401, 200]
--- response_body_like eval
['401 Authorization Required', '^ok h$', '401 Authorization Required',
 '401 Authorization Required', '^ok t$']
--- error_log
token rejected: unsupported_alg
token rejected: key_try_limit



=== TEST 8: $jwt_header_* and $jwt_claims are the inner token's; rules and forwarded claims too
--- http_config
    map $jwt_claim_role $is_admin {
        admin 1;
    }
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_type     nested;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/mixed.json;
        auth_jwt_require  $is_admin error=403;
        auth_jwt_forward_claim X-User-Id sub;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
        proxy_set_header X-H "$jwt_header_alg|$jwt_header_kid|$jwt_header_typ|$jwt_header_enc|$jwt_claims";
    }
    location /echo {
        return 200 "id=[$http_x_user_id] h=[$http_x_h]\n";
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[bearer(nested(jws => {alg => 'ES256', header => {typ => 'at+jwt'},
                       claims => {sub => 'ivan', role => 'admin'}},
               alg => 'A128KW')) . "\r\nX-User-Id: mallory",
 bearer(nested(jws => {claims => {sub => 'judy', role => 'user'}}))]
--- error_code eval
[200, 403]
--- response_body_like eval
['^id=\[ivan\] h=\[ES256\|ec256\|at\+jwt\|\|\{.*"role":"admin".*"sub":"ivan".*\}\]$',
 '403 Forbidden']



=== TEST 8b: $jwt_payload is the inner token's compact text, as NGINX Plus gives it; $jwt_claims its claims, auth_jwt_forward_payload their base64url
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_type     nested;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/mixed.json;
        auth_jwt_forward_payload X-Claims;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
        proxy_set_header X-P $jwt_payload;
        proxy_set_header X-C $jwt_claims;
    }
    location /echo {
        return 200 "p=[$http_x_p]\nc=[$http_x_c]\nf=[$http_x_claims]\n";
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[bearer(nested(inner => $main::INNER, alg => 'RSA-OAEP-256')),
 bearer(nested(inner => $main::INNER, alg => 'A256KW'))
     . "\r\nX-P: forged\r\nX-Claims: forged"]
--- error_code eval
[200, 200]
--- response_body eval
[map { "p=[$main::INNER]\nc=[$main::INNER_CLAIMS]\n"
       . "f=[" . (split /\./, $main::INNER)[1] . "]\n" } 1..2]
--- no_error_log
[warn]



=== TEST 9: the same file holds the decryption and the signature keys
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_type     nested;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/mixed.json;
        return 200 "ok $jwt_claim_sub\n";
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[bearer(nested(alg => 'RSA-OAEP', jws => {alg => 'RS256', key => 'rsa2',
                                          claims => {sub => 'k'}})),
 bearer(nested(alg => 'ECDH-ES+A256KW', key => 'p521',
               jws => {alg => 'ES512', claims => {sub => 'l'}}))]
--- error_code eval
[200, 200]
--- response_body eval
["ok k\n", "ok l\n"]
--- no_error_log
[warn]
