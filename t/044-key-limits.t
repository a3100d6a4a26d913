# What a token can cost the gateway, and what the log says about keys it
# cannot use: a token without kid tries at most auth_jwt_key_try_limit keys
# (default 4); RSA keys over 8192 bits are skipped at load; a token whose
# kid names a skipped key is rejected as unknown_kid with the reason the
# key was skipped; skipped keys are numbered from 1.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::BlockLog;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

# an RSA JWK whose modulus has $bits bits (all ones: parsing needs no real
# key), kid $kid
sub ::rsa_bits_jwk {
    my ($kid, $bits) = @_;
    my $len = int(($bits + 7) / 8);
    my $n = "\xff" x $len;
    substr($n, 0, 1) = chr((1 << ($bits % 8)) - 1) if $bits % 8;
    return qq({"kty":"RSA","kid":"$kid","use":"sig","alg":"RS256",)
           . qq("n":") . JWTGate::Token::b64u($n) . qq(","e":"AQAB"});
}

sub ::rsa1_jwk {
    my $path = JWTGate::Token::data_dir() . '/rsa1.jwk';
    open my $fh, '<', $path or die "$path: $!";
    local $/;
    my $t = <$fh>;
    $t =~ s/\s+\z//;
    return $t;
}

add_block_preprocessor(sub {
    my $block = shift;
    return if defined $block->config;
    $block->set_value('config', <<'CONF');
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-100.json;
        return 200 "ok $jwt_header_kid\n";
    }
CONF
});

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a token without kid whose key is the 43rd of the set: 401 with the reason, and a line saying why
--- request
GET /api
--- more_headers eval
"Authorization: Bearer " . jwt(key => 'rsa1', kid => undef)
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="test", error="invalid_token"
--- error_log
auth_jwt: the token has no kid, and the first 4 keys that fit its alg did not verify it (auth_jwt_key_try_limit)
auth_jwt: token rejected: key_try_limit
--- no_error_log
[error]



=== TEST 2: the same token with a kid, and without one where the limit reaches its key
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-100.json;
        return 200 "ok $jwt_header_kid\n";
    }
    location /api43 {
        auth_jwt               "test";
        auth_jwt_key_file      $TEST_NGINX_DATA_DIR/jwks-100.json;
        auth_jwt_key_try_limit 43;
        return 200 "ok $jwt_header_kid\n";
    }
--- request eval
["GET /api", "GET /api43", "GET /api43"]
--- more_headers eval
["Authorization: Bearer " . jwt(key => 'rsa1', kid => 'k042'),
 "Authorization: Bearer " . jwt(key => 'rsa1', kid => undef),
 "Authorization: Bearer " . jwt(key => 'rsa2', kid => undef)]
--- error_code eval
[200, 200, 401]
--- response_body eval
["ok k042\n", "ok \n", error_page(401)]
--- error_log
auth_jwt: token rejected: key_try_limit
--- no_error_log
[error]



=== TEST 3: auth_jwt_key_try_limit is 1 to 1024
--- config
    location /api {
        auth_jwt               "test";
        auth_jwt_key_file      $TEST_NGINX_DATA_DIR/jwks-100.json;
        auth_jwt_key_try_limit 0;
        return 200;
    }
--- must_die
--- error_log
value must be between 1 and 1024



=== TEST 4: an RSA key over 8192 bits is skipped at load (numbered from 1); its kid is then unknown, and the log says why
--- user_files eval
[['keys.json', '{"keys":[' . ::rsa1_jwk() . ',' . ::rsa_bits_jwk('big', 8193)
               . ',' . ::rsa_bits_jwk('max', 8192) . ']}']]
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file ../html/keys.json;
        return 200 "ok $jwt_header_kid\n";
    }
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer " . jwt(key => 'rsa1'),
 "Authorization: Bearer " . jwt(key => 'rsa1', kid => 'big'),
 "Authorization: Bearer " . jwt(key => 'rsa1', kid => 'max')]
--- error_code eval
[200, 401, 401]
--- error_log eval
[qr/\[warn\] .*auth_jwt_key_file "[^"]+keys\.json": key #2 \(kid "big"\) skipped: RSA key longer than 8192 bits/,
 'auth_jwt: the key with the token\'s kid was skipped when its key set was loaded: RSA key longer than 8192 bits',
 'auth_jwt: token rejected: unknown_kid',
 'auth_jwt: token rejected: bad_signature']
--- no_error_log eval
[qr/key #\d+ \(kid "max"\)/, '[error]']



=== TEST 5: a kid of a key skipped for another reason: unknown_kid, and the reason
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-mixed.json;
        return 200;
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer " . jwt(key => 'rsa1', kid => 'rsa1024'),
 "Authorization: Bearer " . jwt(key => 'rsa1', kid => 'nope')]
--- error_code eval
[401, 401]
--- grep_error_log eval
qr/key #\d \(kid "[^"]+"\) skipped|the key with the token's kid was skipped[^,]*|token rejected: \w+/
--- grep_error_log_out
key #2 (kid "rsa1024") skipped
key #3 (kid "xyz1") skipped
key #4 (kid "p192") skipped
key #5 (kid "enc1") skipped
the key with the token's kid was skipped when its key set was loaded: RSA key shorter than 2048 bits
token rejected: unknown_kid
token rejected: unknown_kid



=== TEST 6: one key file named by many locations is parsed once per issuer=: its skipped keys are logged once, and each location verifies with it
--- config
    location /a {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-mixed.json;
        return 200 "a\n";
    }
    location /b {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-mixed.json;
        return 200 "b\n";
    }
    location /c {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-mixed.json
                          issuer=https://other.test;
        return 200 "c\n";
    }
--- request
GET /b
--- more_headers eval
"Authorization: Bearer " . jwt(key => 'rsa1')
--- response_body
b
--- grep_error_log eval
qr/key #2 \(kid "rsa1024"\) skipped/
--- grep_error_log_out
key #2 (kid "rsa1024") skipped
key #2 (kid "rsa1024") skipped
--- no_error_log
[error]
