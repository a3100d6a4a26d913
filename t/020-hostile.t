# Hostile tokens through nginx: each is answered 401 with its reason in
# the error log at info level -- never 200, never a 5xx, never a crash.
# Blocks without a config get the default location below.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use Crypt::PK::ECC;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

# a token whose claims are the defaults, as raw JSON text
sub ::claims_json { '{"sub":"alice","exp":' . (time + 300) . '}' }

# RS256 header with kid rsa1 around any payload text, signed by rsa1
sub ::rsa1_raw { jwt_raw(header => '{"alg":"RS256","kid":"rsa1"}',
                         payload => $_[0], key => 'rsa1', alg => 'RS256') }

add_block_preprocessor(sub {
    my $block = shift;

    if (!defined $block->config) {
        $block->set_value('config', <<'CONF');
    large_client_header_buffers 4 256k;

    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-all.json;
        empty_gif;
    }
    location /rsa1 {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        empty_gif;
    }
    location /mixed {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-hmac.json;
        empty_gif;
    }
CONF
    }

    if (!defined $block->request) {
        $block->set_value('request', "GET /api\n");
    }

    if (!defined $block->error_code) {
        $block->set_value('error_code', 401);
    }

    if (!defined $block->no_error_log) {
        $block->set_value('no_error_log', "[error]\n[alert]\n[crit]\n");
    }

    if (!defined $block->response_headers
        && !defined $block->response_headers_like)
    {
        $block->set_value('response_headers_like',
            'WWW-Authenticate: ^Bearer realm="test", error="invalid_token"$');
    }
});

no_shuffle();
run_tests();

__DATA__

=== TEST 1: alg none
--- more_headers eval
"Authorization: Bearer " . jwt_raw(header => '{"alg":"none","kid":"rsa1"}',
    payload => ::claims_json(), sig => 'x')
--- error_log
token rejected: unsupported_alg



=== TEST 2: alg None
--- more_headers eval
"Authorization: Bearer " . jwt_raw(header => '{"alg":"None"}',
    payload => ::claims_json(), sig => 'x')
--- error_log
token rejected: unsupported_alg



=== TEST 3: alg NONE
--- more_headers eval
"Authorization: Bearer " . jwt_raw(header => '{"alg":"NONE"}',
    payload => ::claims_json(), sig => 'x')
--- error_log
token rejected: unsupported_alg



=== TEST 4: alg nOnE
--- more_headers eval
"Authorization: Bearer " . jwt_raw(header => '{"alg":"nOnE"}',
    payload => ::claims_json(), sig => 'x')
--- error_log
token rejected: unsupported_alg



=== TEST 5: alg none with an empty signature (an unsecured JWT) is refused for its alg
--- more_headers eval
"Authorization: Bearer " . jwt_raw(header => '{"alg":"none"}',
    payload => ::claims_json(), sig => '')
--- error_log
token rejected: unsupported_alg



=== TEST 6: HS256 keyed with the RSA public key as PEM (no HMAC key there)
--- more_headers eval
"Authorization: Bearer " . hmac_jwt_with_secret('HS256',
    do { local (@ARGV, $/) = (key_path('rsa1', 'pub')); <> }, kid => 'rsa1')
--- error_log
token rejected: unsupported_alg



=== TEST 7: HS256 keyed with the RSA public key as DER
--- more_headers eval
"Authorization: Bearer " . hmac_jwt_with_secret('HS256',
    do { local (@ARGV, $/) = (key_path('rsa1', 'der')); <> },
    kid => 'rsa1')
--- error_log
token rejected: unsupported_alg



=== TEST 8: HS256 keyed with the RSA public JWK text
--- more_headers eval
"Authorization: Bearer " . hmac_jwt_with_secret('HS256',
    do { local (@ARGV, $/) = (key_path('rsa1', 'jwk')); <> }, kid => 'rsa1')
--- error_log
token rejected: unsupported_alg



=== TEST 9: HS256 keyed with the RSA PEM, where HMAC keys exist too
--- request
GET /mixed
--- more_headers eval
"Authorization: Bearer " . hmac_jwt_with_secret('HS256',
    do { local (@ARGV, $/) = (key_path('rsa1', 'pub')); <> }, kid => 'rsa1')
--- error_log
token rejected: alg_key_mismatch



=== TEST 10: HS256 keyed with the RSA DER, where HMAC keys exist too
--- request
GET /mixed
--- more_headers eval
"Authorization: Bearer " . hmac_jwt_with_secret('HS256',
    do { local (@ARGV, $/) = (key_path('rsa1', 'der')); <> },
    kid => 'rsa1')
--- error_log
token rejected: alg_key_mismatch



=== TEST 11: HS256 keyed with the RSA JWK, no kid, where HMAC keys exist
--- request
GET /mixed
--- more_headers eval
"Authorization: Bearer " . hmac_jwt_with_secret('HS256',
    do { local (@ARGV, $/) = (key_path('rsa1', 'jwk')); <> })
--- error_log
token rejected: bad_signature



=== TEST 12: ES256 signed with a P-384 key under the P-256 kid
--- more_headers eval
"Authorization: Bearer " . jwt_raw(header => '{"alg":"ES256","kid":"ec256"}',
    payload => ::claims_json(), key => 'ec384', alg => 'ES384')
--- error_log
token rejected: bad_signature



=== TEST 13: ES384 under the kid of a P-256 key
--- more_headers eval
"Authorization: Bearer " . jwt(alg => 'ES384', key => 'ec384', kid => 'ec256')
--- error_log
token rejected: alg_key_mismatch



=== TEST 14: ECDSA with r = s = 0
--- more_headers eval
"Authorization: Bearer " . jwt_raw(header => '{"alg":"ES256","kid":"ec256"}',
    payload => ::claims_json(), sig => "\0" x 64)
--- error_log
token rejected: bad_signature



=== TEST 15: a DER-encoded ECDSA signature instead of r || s
--- more_headers eval
my $h = b64u('{"alg":"ES256","kid":"ec256"}') . '.' . b64u(::claims_json());
my $der = Crypt::PK::ECC->new(key_path('ec256'))->sign_message($h, 'SHA256');
"Authorization: Bearer $h." . b64u($der)
--- error_log
token rejected: bad_signature



=== TEST 16: a kid the key set does not have
--- request
GET /rsa1
--- more_headers eval
"Authorization: Bearer " . jwt(key => 'rsa2', kid => 'no-such-key')
--- error_log
token rejected: unknown_kid



=== TEST 17: kid as a path
--- request
GET /rsa1
--- more_headers eval
"Authorization: Bearer " . jwt(key => 'rsa2', kid => '../../etc/passwd')
--- error_log
token rejected: unknown_kid



=== TEST 18: a 4 KiB kid
--- request
GET /rsa1
--- more_headers eval
"Authorization: Bearer " . jwt(key => 'rsa2', kid => 'k' x 4096)
--- error_log
token rejected: unknown_kid



=== TEST 19: a 10 KiB kid (header segment over its limit)
--- request
GET /rsa1
--- more_headers eval
"Authorization: Bearer " . jwt(key => 'rsa2', kid => 'k' x 10240)
--- error_log
token rejected: too_large



=== TEST 20: jku pointing at the attacker's key set
--- request
GET /rsa1
--- more_headers eval
"Authorization: Bearer " . jwt(key => 'rsa2', kid => 'attacker',
    header => { jku => 'https://attacker.example/jwks.json' })
--- error_log
token rejected: unknown_kid



=== TEST 21: x5u pointing at the attacker's certificate
--- request
GET /rsa1
--- more_headers eval
"Authorization: Bearer " . jwt(key => 'rsa2', kid => 'attacker',
    header => { x5u => 'https://attacker.example/cert.pem' })
--- error_log
token rejected: unknown_kid



=== TEST 22: the attacker's key embedded as jwk, with its own kid
--- request
GET /rsa1
--- more_headers eval
my $jwk = do { local (@ARGV, $/) = (key_path('rsa2', 'jwk')); <> };
"Authorization: Bearer " . jwt(key => 'rsa2', kid => 'rsa2',
    header => { jwk => JSON::PP::decode_json($jwk) })
--- error_log
token rejected: unknown_kid



=== TEST 23: the attacker's key embedded as jwk, under the real kid
--- request
GET /rsa1
--- more_headers eval
my $jwk = do { local (@ARGV, $/) = (key_path('rsa2', 'jwk')); <> };
"Authorization: Bearer " . jwt(key => 'rsa2', kid => 'rsa1',
    header => { jwk => JSON::PP::decode_json($jwk) })
--- error_log
token rejected: bad_signature



=== TEST 24: an x5c chain in the header is not used
--- request
GET /rsa1
--- more_headers eval
"Authorization: Bearer " . jwt(key => 'rsa2', kid => 'rsa1',
    header => { x5c => ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'] })
--- error_log
token rejected: bad_signature



=== TEST 25: crit naming an extension
--- more_headers eval
"Authorization: Bearer " . jwt(header => { crit => ['exp'], exp => 1 })
--- error_log
token rejected: unsupported_crit



=== TEST 26: an unencoded payload (b64: false)
--- more_headers eval
"Authorization: Bearer " . jwt(header => { crit => ['b64'], b64 => JSON::PP::false })
--- error_log
token rejected: unsupported_crit



=== TEST 27: a duplicate alg in the header
--- more_headers eval
"Authorization: Bearer " . jwt_raw(
    header => '{"alg":"HS256","kid":"rsa1","alg":"RS256"}',
    payload => ::claims_json(), key => 'rsa1', alg => 'RS256')
--- error_log
token rejected: malformed



=== TEST 28: a duplicate claim in the payload
--- more_headers eval
"Authorization: Bearer " . ::rsa1_raw('{"sub":"alice","sub":"admin","exp":'
    . (time + 300) . '}')
--- error_log
token rejected: malformed



=== TEST 29: a payload that is an array
--- more_headers eval
"Authorization: Bearer " . ::rsa1_raw('[{"sub":"admin"}]')
--- error_log
token rejected: malformed



=== TEST 30: a header that is an array
--- more_headers eval
"Authorization: Bearer " . jwt_raw(header => '[{"alg":"RS256"}]',
    payload => ::claims_json(), key => 'rsa1', alg => 'RS256')
--- error_log
token rejected: malformed



=== TEST 31: exp as a string
--- more_headers eval
"Authorization: Bearer " . ::rsa1_raw('{"sub":"alice","exp":"'
    . (time + 300) . '"}')
--- error_log
token rejected: bad_claim_type



=== TEST 32: exp far beyond 2^53, as a real
--- more_headers eval
"Authorization: Bearer " . ::rsa1_raw('{"sub":"alice","exp":1e300}')
--- error_log
token rejected: bad_claim_type



=== TEST 33: exp just beyond 2^53, as an integer
--- more_headers eval
"Authorization: Bearer " . ::rsa1_raw('{"sub":"alice","exp":9007199254740993}')
--- error_log
token rejected: bad_claim_type



=== TEST 34: exp beyond any 64-bit integer
--- more_headers eval
"Authorization: Bearer " . ::rsa1_raw('{"sub":"alice","exp":99999999999999999999999}')
--- error_log
token rejected: malformed



=== TEST 35: iss as a number
--- more_headers eval
"Authorization: Bearer " . ::rsa1_raw('{"iss":42,"exp":' . (time + 300) . '}')
--- error_log
token rejected: bad_claim_type



=== TEST 36: padding in a segment
--- more_headers eval
my ($h, $p, $s) = split /\./, jwt();
"Authorization: Bearer $h.$p=.$s"
--- error_log
token rejected: malformed



=== TEST 37: whitespace in a segment
--- more_headers eval
my ($h, $p, $s) = split /\./, jwt();
"Authorization: Bearer $h.$p\t.$s"
--- error_log
token rejected: malformed



=== TEST 38: the standard base64 alphabet
--- more_headers eval
my ($h, $p, $s) = split /\./, jwt();
$s =~ tr{-_}{+/};
$s .= '+/';
"Authorization: Bearer $h.$p.$s"
--- error_log
token rejected: malformed



=== TEST 39: non-canonical base64url (unused bits set)
--- more_headers eval
my $h = b64u('{"alg":"RS256","x":12}');
my $abc = CORE::join '', 'A' .. 'Z', 'a' .. 'z', '0' .. '9', '-', '_';
substr($h, -1) = substr($abc, index($abc, substr($h, -1)) + 1, 1);
"Authorization: Bearer " . jwt_raw(header_b64u => $h,
    payload => ::claims_json(), sig => 'x')
--- error_log
token rejected: malformed



=== TEST 40: four segments
--- more_headers eval
"Authorization: Bearer " . jwt() . ".e30"
--- error_log
token rejected: malformed



=== TEST 41: an empty signature
--- more_headers eval
my ($h, $p) = split /\./, jwt();
"Authorization: Bearer $h.$p."
--- error_log
token rejected: malformed



=== TEST 42: only dots
--- more_headers
Authorization: Bearer ..
--- error_log
token rejected: malformed



=== TEST 43: a 100 KiB token
--- more_headers eval
"Authorization: Bearer " . jwt(claims => { pad => 'x' x 102400 })
--- error_log
token rejected: too_large



=== TEST 44: just over the 16 KiB token limit
--- more_headers eval
"Authorization: Bearer " . jwt(claims => { pad => 'x' x 12500 })
--- error_log
token rejected: too_large



=== TEST 45: nesting 100 deep
--- more_headers eval
"Authorization: Bearer " . ::rsa1_raw('{"exp":' . (time + 300) . ',"a":'
    . ('[' x 100) . (']' x 100) . '}')
--- error_log
token rejected: too_large



=== TEST 46: nesting 3000 deep (beyond the JSON parser's own limit)
--- more_headers eval
"Authorization: Bearer " . ::rsa1_raw('{"a":' . ('[' x 3000) . (']' x 3000) . '}')
--- error_log eval
qr/token rejected: (malformed|too_large)/



=== TEST 47: a truncated header
--- more_headers eval
"Authorization: Bearer " . jwt_raw(header => '{"alg":"RS256","kid":"rsa1"',
    payload => ::claims_json(), key => 'rsa1', alg => 'RS256')
--- error_log
token rejected: malformed



=== TEST 48: alg with a trailing space
--- more_headers eval
"Authorization: Bearer " . jwt_raw(header => '{"alg":"RS256 ","kid":"rsa1"}',
    payload => ::claims_json(), key => 'rsa1', alg => 'RS256')
--- error_log
token rejected: unsupported_alg



=== TEST 49: alg in lower case
--- more_headers eval
"Authorization: Bearer " . jwt_raw(header => '{"alg":"rs256","kid":"rsa1"}',
    payload => ::claims_json(), key => 'rsa1', alg => 'RS256')
--- error_log
token rejected: unsupported_alg



=== TEST 50: invalid UTF-8 in a claim
--- more_headers eval
"Authorization: Bearer " . ::rsa1_raw("{\"sub\":\"al\xffice\",\"exp\":" . (time + 300) . "}")
--- error_log
token rejected: malformed



=== TEST 51: a NUL escaped in a claim
--- more_headers eval
"Authorization: Bearer " . ::rsa1_raw('{"sub":"alice\u0000admin","exp":' . (time + 300) . '}')
--- error_log
token rejected: malformed



=== TEST 52: a signature over other claims
--- more_headers eval
my ($h, $p) = split /\./, jwt(claims => { sub => 'admin' });
my (undef, undef, $s) = split /\./, jwt(claims => { sub => 'alice' });
"Authorization: Bearer $h.$p.$s"
--- error_log
token rejected: bad_signature



=== TEST 53: an RS256 signature relabelled PS256 (the keys do only RS256)
--- more_headers eval
my ($h, $p, $s) = split /\./, jwt(alg => 'RS256', kid => 'rsa3072', key => 'rsa3072');
my $h2 = b64u('{"alg":"PS256","kid":"rsa3072"}');
"Authorization: Bearer $h2.$p.$s"
--- error_log
token rejected: unsupported_alg



=== TEST 54: a valid token still passes next to all this
--- more_headers eval
"Authorization: Bearer " . jwt(alg => 'ES256')
--- error_code: 200
--- response_headers
!WWW-Authenticate
--- no_error_log
token rejected
[error]
