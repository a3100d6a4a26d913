# auth_jwt_type encrypted: a JWE (RFC 7516 compact) whose plaintext is the
# claims, decrypted with the keys of auth_jwt_key_file (parsed a second
# time for decryption keys); then every claim check, rule, variable and
# forwarded header as for a signed token.  Tokens are minted here with
# Crypt::JWT (CryptX by hand where Crypt::JWT cannot: t/lib/JWTGate/Jwe.pm)
# under keys made fresh for this run.

# TEST 15-17 read auth_jwt_status's counters, which live in shared memory
# and outlive a reload: every block gets an nginx of its own, not the real
# Test::Nginx's TEST_NGINX_USE_HUP reload.
BEGIN { delete $ENV{TEST_NGINX_USE_HUP} }

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::Jwe;
use JWTGate::BlockLog;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

jwe_setup();

sub bearer { "Authorization: Bearer " . $_[0] }
{ no warnings 'once'; *Test::Base::Filter::bearer = \&bearer; }

# every alg x enc pair the core decrypts, with kid and without
our @MATRIX;
for my $p (@JWE_PAIRS) {
    for my $enc (@JWE_ENCS) {
        for my $with_kid (1, 0) {
            my %o = (alg => $p->[0], enc => $enc,
                     claims => { sub => "$p->[0]/$enc" });
            $o{key} = $p->[1] unless $p->[1] eq 'dir';
            $o{kid} = undef unless $with_kid;
            push @MATRIX, [\%o, "$p->[0] $enc $p->[0]/$enc\n"];
        }
    }
}

add_block_preprocessor(sub {
    my $block = shift;
    return if defined $block->config;
    $block->set_value('config', <<'CONF');
    location /api {
        auth_jwt          "test";
        auth_jwt_type     encrypted;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/dec.json;
        auth_jwt_key_try_limit 64;
        return 200 "$jwt_header_alg $jwt_header_enc $jwt_claim_sub\n";
    }
    location /signed {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "signed $jwt_claim_sub\n";
    }
CONF
});

no_shuffle();
run_tests();

__DATA__

=== TEST 1: every alg x enc pair decrypts (with kid, and found by trying keys without)
--- request eval
[map { "GET /api" } @::MATRIX]
--- more_headers eval
[map { bearer(jwe(%{$_->[0]})) } @::MATRIX]
--- error_code eval
[map { 200 } @::MATRIX]
--- response_body eval
[map { $_->[1] } @::MATRIX]
--- no_error_log
[error]
token rejected



=== TEST 2: a token for another key of the same kid: 401 decrypt_failed
--- request eval
["GET /api", "GET /api", "GET /api", "GET /api"]
--- more_headers eval
[bearer(jwe(alg => 'RSA-OAEP-256', other => 1)),
 bearer(jwe(alg => 'A256KW', other => 1)),
 bearer(jwe(alg => 'dir', enc => 'A128GCM', other => 1)),
 bearer(jwe(alg => 'A128GCMKW', other => 1))]
--- error_code eval
[401, 401, 401, 401]
--- response_headers eval
[map { 'WWW-Authenticate: Bearer realm="test", error="invalid_token"' } 1..4]
--- error_log
auth_jwt: token rejected: decrypt_failed



=== TEST 3: ECDH-ES to another key of the curve: decrypt_failed; a kid nginx has not: unknown_kid
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
[bearer(jwe(alg => 'ECDH-ES', key => 'p384', other => 1)),
 bearer(jwe(alg => 'ECDH-ES+A128KW', key => 'x25519', other => 1)),
 bearer(jwe(alg => 'RSA-OAEP', kid => 'nope'))]
--- error_code eval
[401, 401, 401]
--- error_log
auth_jwt: token rejected: decrypt_failed
auth_jwt: token rejected: unknown_kid



=== TEST 4: tampered tag, ciphertext, iv, encrypted key and header: 401, nothing decrypted
--- request eval
[map { "GET /api" } 1..7]
--- more_headers eval
my $t = jwe(alg => 'RSA-OAEP-256', enc => 'A256GCM');
my $c = jwe(alg => 'A128KW', enc => 'A128CBC-HS256');
[bearer(jwe_flip($t, 4)), bearer(jwe_flip($t, 3)), bearer(jwe_flip($t, 2)),
 bearer(jwe_flip($t, 1)), bearer(jwe_flip($c, 4)), bearer(jwe_flip($c, 3)),
 bearer(jwe_flip($c, 1))]
--- error_code eval
[map { 401 } 1..7]
--- response_body_like eval
[map { '401 Authorization Required' } 1..7]
--- error_log
auth_jwt: token rejected: decrypt_failed
--- no_error_log
[error]



=== TEST 5: a header changed after encryption (it is the AAD): decrypt_failed
--- request
GET /api
--- more_headers eval
my $t = jwe(alg => 'A256GCMKW', enc => 'A256GCM', kid => 'oct32');
my ($h) = split /\./, $t;
my $hdr = b64u_decode($h);
$hdr =~ s/"kid":"oct32"/"kid":"oct32","x":1/ or die "no kid in $hdr";
bearer(jwe_part($t, 0, $hdr))
--- error_code: 401
--- error_log
auth_jwt: token rejected: decrypt_failed



=== TEST 6: truncated parts, four and six parts, empty parts: malformed
--- request eval
[map { "GET /api" } 1..6]
--- more_headers eval
my $t = jwe(alg => 'RSA-OAEP');
my @p = split /\./, $t, -1;
[bearer(CORE::join '.', @p[0..3]),
 bearer(CORE::join '.', @p, 'AAAA'),
 bearer(CORE::join '.', @p[0..2], substr($p[3], 0, 10), $p[4]),
 bearer(CORE::join '.', @p[0..3], substr($p[4], 0, 8)),
 bearer(CORE::join '.', $p[0], '', @p[2..4]),
 bearer(CORE::join '.', @p[0..2], '', $p[4])]
--- error_code eval
[map { 401 } 1..6]
--- error_log eval
[qr/token rejected: (malformed|decrypt_failed)/]
--- no_error_log
[error]



=== TEST 7: RSA1_5, PBES2 and zip are refused before any crypto: unsupported_alg
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
[bearer(Crypt::JWT::encode_jwt(payload => '{"sub":"x"}', alg => 'RSA1_5',
        enc => 'A128GCM',
        key => Crypt::PK::RSA->new->generate_key(256, 65537))),
 bearer(Crypt::JWT::encode_jwt(payload => '{"sub":"x"}',
        alg => 'PBES2-HS256+A128KW', enc => 'A128GCM', key => 'password')),
 bearer(jwe(alg => 'A128KW', enc => 'A128GCM', zip => 'deflate'))]
--- error_code eval
[401, 401, 401]
--- error_log
auth_jwt: token rejected: unsupported_alg
--- no_error_log
decrypt_failed



=== TEST 8: a JWS sent to an encrypted location, a JWE to a signed one: refused, and the log says why
--- request eval
["GET /api", "GET /signed", "GET /signed"]
--- more_headers eval
[bearer(jwt()), bearer(jwe()), bearer(jwt(claims => {sub => 'bob'}))]
--- error_code eval
[401, 401, 200]
--- response_body eval
[error_page(401), error_page(401), "signed bob\n"]
--- error_log
token rejected: malformed (a signed token (JWS), where a JWE is expected)
token rejected: malformed (an encrypted token (JWE), where a signed one is expected
--- no_error_log
[error]



=== TEST 9: a nested token (cty JWT) at an encrypted location is refused
--- request
GET /api
--- more_headers eval
bearer(nested())
--- error_code: 401
--- error_log
the JWE holds a signed token (cty "JWT"): see "auth_jwt_type nested"



=== TEST 10: the claims are held to the strict reader and the registered claims' types
--- request eval
[map { "GET /api" } 1..5]
--- more_headers eval
[bearer(jwe(plain => '{"sub":"a","sub":"b","exp":' . (time + 60) . '}')),
 bearer(jwe(plain => 'not json')),
 bearer(jwe(plain => '{"sub":"a","exp":"soon"}')),
 bearer(jwe(plain => "{\"sub\":\"a\xff\"}")),
 bearer(jwe(plain => '{"sub":"ok","exp":' . (time + 60) . '}'))]
--- error_code eval
[401, 401, 401, 401, 200]
--- error_log
token rejected: malformed
token rejected: bad_claim_type ("exp" is a string)



=== TEST 11: exp, nbf, issuer and audience checked as for a signed token
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_type     encrypted;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/dec.json;
        auth_jwt_issuer   https://issuer.test;
        auth_jwt_audience api;
        return 200 "ok\n";
    }
--- request eval
[map { "GET /api" } 1..5]
--- more_headers eval
[bearer(jwe(claims => {exp => time - 120})),
 bearer(jwe(claims => {nbf => time + 600})),
 bearer(jwe(claims => {iss => 'https://evil.test'})),
 bearer(jwe(claims => {aud => 'other'})),
 bearer(jwe())]
--- error_code eval
[401, 401, 401, 401, 200]
--- error_log
token rejected: expired
token rejected: not_yet_valid
token rejected: bad_issuer
token rejected: bad_audience



=== TEST 12: claim rules, auth_jwt_require and X-User-* forwarding from an encrypted token
--- http_config
    map $jwt_claim_role $is_admin {
        admin 1;
    }
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_type     encrypted;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/dec.json;
        auth_jwt_require  $is_admin error=403;
        auth_jwt_require_claim scope intersect json=["read","write"];
        auth_jwt_forward_claim X-User-Id sub;
        auth_jwt_forward_claim X-User-Scope scope;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location /echo {
        return 200 "id=[$http_x_user_id] scope=[$http_x_user_scope] payload=[$jwt_payload]\n";
    }
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
[bearer(jwe(alg => 'ECDH-ES+A256KW', key => 'x25519',
            claims => {sub => 'carol', role => 'admin',
                       scope => ['read', 'x']})) . "\r\nX-User-Id: mallory",
 bearer(jwe(claims => {sub => 'dave', role => 'user', scope => ['read']})),
 bearer(jwe(claims => {sub => 'erin', role => 'admin', scope => ['none']}))]
--- error_code eval
[200, 403, 403]
--- response_body_like eval
['^id=\[carol\] scope=\[read,x\] payload=\[\]$', '403 Forbidden', '403 Forbidden']
--- error_log
token rejected: insufficient_scope



=== TEST 13: $jwt_payload is the decrypted claims; $jwt_header_* the JWE's protected header
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_type     encrypted;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/dec.json;
        return 200 "$jwt_header_alg|$jwt_header_enc|$jwt_header_kid|$jwt_header_typ|$jwt_payload\n";
    }
--- request
GET /api
--- more_headers eval
bearer(jwe(alg => 'A192KW', enc => 'A192CBC-HS384', header => {typ => 'JWT'},
           plain => '{"sub":"frank", "exp":' . (time + 60) . '}'))
--- response_body_like: ^A192KW\|A192CBC-HS384\|oct24\|JWT\|\{"sub":"frank","exp":\d+\}$



=== TEST 14: inherited from the server level; auth_jwt_type signed at a location turns it back
--- config
    auth_jwt_type encrypted;
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/mixed.json;
        return 200 "enc $jwt_claim_sub\n";
    }
    location /signed {
        auth_jwt          "test";
        auth_jwt_type     signed;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/mixed.json;
        return 200 "sig $jwt_claim_sub\n";
    }
--- request eval
["GET /api", "GET /signed", "GET /api", "GET /signed"]
--- more_headers eval
[bearer(jwe(claims => {sub => 'a'})), bearer(jwt(claims => {sub => 'b'})),
 bearer(jwt()), bearer(jwe())]
--- error_code eval
[200, 200, 401, 401]
--- response_body eval
["enc a\n", "sig b\n", error_page(401), error_page(401)]



=== TEST 15: decrypt_failed and malformed are counted in auth_jwt_status
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_type     encrypted;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/dec.json;
        return 200 "ok\n";
    }
    location /status {
        auth_jwt_status;
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /status"]
--- more_headers eval
[bearer(jwe(other => 1)), bearer(jwe(other => 1)), bearer(jwe()), ""]
--- error_code eval
[401, 401, 200, 200]
--- response_body_like eval
[".*", ".*", "ok", '"verified":1,.*"decrypt_failed":2,"bad_epk":0,']



=== TEST 16: an ECDH-ES ephemeral key of another curve than the key's, or not a JWK object: bad_epk, counted
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_type     encrypted;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/dec.json;
        return 200 "ok\n";
    }
    location /status {
        auth_jwt_status;
    }
--- request eval
["GET /api", "GET /api", "GET /status"]
--- more_headers eval
[bearer(jwe(alg => 'ECDH-ES', key => 'p384', kid => 'p256')),
 bearer(Crypt::JWT::encode_jwt(payload => '{"sub":"x"}', alg => 'ECDH-ES',
        enc => 'A128GCM', extra_headers => {kid => 'p256'},
        key => Crypt::PK::ECC->new->generate_key('secp256r1'))),
 ""]
--- error_code eval
[401, 401, 200]
--- response_body_like eval
[".*", ".*", '"decrypt_failed":0,"bad_epk":2,']
--- error_log
token rejected: bad_epk



=== TEST 17: an encrypted token is never put in the verified-token cache; a signed one is
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_type     encrypted;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/dec.json;
        return 200 "ok\n";
    }
    location /signed {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "ok\n";
    }
    location /status {
        auth_jwt_status;
    }
--- request eval
["GET /api", "GET /api", "GET /api", "GET /status", "GET /signed",
 "GET /signed", "GET /status"]
--- more_headers eval
my $t = jwe();
my $s = jwt();
[bearer($t), bearer($t), bearer($t), "", bearer($s), bearer($s), ""]
--- response_body_like eval
["ok", "ok", "ok", '"verified":3,.*"cache":\{"hits":0,"misses":0,',
 "ok", "ok", '"verified":5,.*"cache":\{"hits":1,"misses":1,']



=== TEST 18: after an internal redirect the token is decrypted again with the new level's keys, or refused where a JWS is wanted
--- config
    location /r1 {
        auth_jwt          "test";
        auth_jwt_type     encrypted;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/dec.json;
        try_files /nonexistent @signed;
    }
    location /r2 {
        auth_jwt          "test";
        auth_jwt_type     encrypted;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/dec.json;
        try_files /nonexistent @enc;
    }
    location @signed {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200 "signed $jwt_claim_sub\n";
    }
    location @enc {
        auth_jwt          "test";
        auth_jwt_type     encrypted;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/mixed.json;
        return 200 "enc $jwt_claim_sub $jwt_header_enc\n";
    }
--- request eval
["GET /r1", "GET /r2"]
--- more_headers eval
[bearer(jwe(claims => {sub => 's'})),
 bearer(jwe(alg => 'A128KW', enc => 'A128CBC-HS256', claims => {sub => 't'}))]
--- error_code eval
[401, 200]
--- response_body_like eval
['401 Authorization Required', '^enc t A128CBC-HS256$']
--- error_log
token rejected: malformed (an encrypted token (JWE), where a signed one is expected



=== TEST 19: claims with characters beyond ASCII (UTF-8 in the plaintext) are read as in a signed token
--- request
GET /api
--- more_headers eval
bearer(jwe(alg => 'A256KW', key => 'oct32', claims => {sub => "zo\x{eb}"}))
--- error_code: 200
--- response_body eval
"A256KW A256GCM zo\xc3\xab\n"
--- no_error_log
token rejected
