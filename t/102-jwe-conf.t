# auth_jwt_type at configuration: where decryption keys may come from
# (auth_jwt_key_file only, never auth_jwt_key_request), what a key file
# must hold for the location's type, the warning about a key file with
# decryption keys that others may read, inheritance, key files named with
# variables.  Tokens minted here by Crypt::JWT (t/lib/JWTGate/Jwe.pm).

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::Jwe;
use JWTGate::BlockLog;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

jwe_setup();

sub bearer { "Authorization: Bearer " . $_[0] }
{ no warnings 'once'; *Test::Base::Filter::bearer = \&bearer; }

no_shuffle();
run_tests();

__DATA__

=== TEST 1: encrypted with only a key request fails nginx -t: decryption keys come from key files only
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_type        encrypted;
        auth_jwt_key_request /jwks;
        return 200;
    }
    location = /jwks {
        internal;
        alias $TEST_NGINX_JWE_DIR/dec.json;
    }
--- must_die
--- error_log
"auth_jwt_type encrypted" needs decryption keys, and they come from "auth_jwt_key_file" only, never from "auth_jwt_key_request"



=== TEST 2: nested likewise
--- config
    auth_jwt_type nested;
    location /api {
        auth_jwt             "test";
        auth_jwt_key_request /jwks;
        return 200;
    }
    location = /jwks {
        internal;
        alias $TEST_NGINX_DATA_DIR/jwks-all.json;
    }
--- must_die
--- error_log
"auth_jwt_type nested" needs decryption keys



=== TEST 3: nested: the inner token verified with key request keys, decrypted with a key file's
--- config
    location /api {
        auth_jwt             "test";
        auth_jwt_type        nested;
        auth_jwt_key_file    $TEST_NGINX_JWE_DIR/dec.json;
        auth_jwt_key_request /jwks;
        return 200 "ok $jwt_claim_sub\n";
    }
    location = /jwks {
        internal;
        alias $TEST_NGINX_DATA_DIR/jwks-all.json;
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[bearer(nested(jws => {claims => {sub => 'm'}})),
 bearer(nested(inner => tamper_sig(jwt())))]
--- error_code eval
[200, 401]
--- response_body_like eval
['^ok m$', '401 Authorization Required']
--- error_log
token rejected: bad_signature



=== TEST 4: encrypted with a key file of public signature keys only fails nginx -t
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_type     encrypted;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-rsa1.json;
        return 200;
    }
--- must_die
--- error_log
"auth_jwt_type encrypted": no key file holds a decryption key



=== TEST 5: a signed location with a file of decryption keys only fails nginx -t
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/dec.json;
        return 200;
    }
--- must_die
--- error_log eval
qr/auth_jwt_key_file "[^"]+dec\.json" holds no signature key/



=== TEST 6: nested with decryption keys and no signature key fails nginx -t
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_type     nested;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/dec.json;
        return 200;
    }
--- must_die
--- error_log
"auth_jwt_type nested": no signature key for the inner token



=== TEST 7: a key file with decryption keys that others may read: a warning at nginx -t; not for mode 0600
--- config
    location /a {
        auth_jwt          "test";
        auth_jwt_type     encrypted;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/dec-world.json;
        return 200 "a $jwt_claim_sub\n";
    }
    location /b {
        auth_jwt          "test";
        auth_jwt_type     encrypted;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/dec.json;
        return 200 "b $jwt_claim_sub\n";
    }
--- request eval
["GET /a", "GET /b"]
--- more_headers eval
[bearer(jwe(claims => {sub => 'n'})), bearer(jwe(claims => {sub => 'o'}))]
--- response_body eval
["a n\n", "b o\n"]
--- error_log eval
[qr/\[warn\] .*auth_jwt_key_file "[^"]+dec-world\.json" holds decryption keys \(private or symmetric\) and is readable by others/]
--- no_error_log eval
[qr/"[^"]+dec\.json" holds decryption keys/, '[error]']



=== TEST 8: a signed location does not warn about a world-readable key file (it decrypts nothing)
--- config
    location /a {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/mixed.json;
        return 200;
    }
--- request
GET /a
--- more_headers eval
bearer(jwt())
--- error_code: 200
--- no_error_log
readable by others
skipped



=== TEST 8b: encrypted with a private RSA, EC or X25519 key warns at nginx -t (it authenticates nothing); with secret keys only, and nested, it does not
--- config
    location /a {
        auth_jwt          "test";
        auth_jwt_type     encrypted;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/dec.json;
        return 200 "a $jwt_claim_sub\n";
    }
    location /b {
        auth_jwt          "test";
        auth_jwt_type     encrypted;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/dec-oct.json;
        return 200 "b $jwt_claim_sub\n";
    }
    location /c {
        auth_jwt          "test";
        auth_jwt_type     nested;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/mixed.json;
        return 200 "c $jwt_claim_sub\n";
    }
--- request eval
["GET /a", "GET /b"]
--- more_headers eval
[bearer(jwe(claims => {sub => 'n'}, alg => 'RSA-OAEP-256')),
 bearer(jwe(claims => {sub => 'o'}, alg => 'A256KW', enc => 'A256GCM'))]
--- response_body eval
["a n\n", "b o\n"]
--- error_log eval
[qr/\[warn\] .*"auth_jwt_type encrypted" with a private RSA, EC or X25519 key of "[^"]+dec\.json": anyone who has its public key can make a token it takes/]
--- no_error_log eval
[qr/key of "[^"]+(dec-oct|mixed)\.json"/, '[error]']



=== TEST 9: auth_jwt_type takes signed, encrypted or nested, once per level
--- config
    auth_jwt_type jws;
--- must_die
--- error_log
invalid value "jws", it must be "signed", "encrypted" or "nested"



=== TEST 10: auth_jwt_type twice at one level
--- config
    auth_jwt_type encrypted;
    auth_jwt_type nested;
--- must_die
--- error_log
"auth_jwt_type" directive is duplicate



=== TEST 11: decryption keys from a key file named with variables
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_type     encrypted;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/${arg_k}.json;
        return 200 "ok $jwt_claim_sub\n";
    }
--- request eval
["GET /api?k=dec", "GET /api?k=nope", "GET /api?k=mixed"]
--- more_headers eval
[bearer(jwe(claims => {sub => 'p'})), bearer(jwe()),
 bearer(jwe(alg => 'A256KW', claims => {sub => 'q'}))]
--- error_code eval
[200, 401, 200]
--- response_body_like eval
['^ok p$', '401 Authorization Required', '^ok q$']
--- error_log
token rejected: no_keys



=== TEST 12: http-level auth_jwt_type is inherited by servers and locations
--- http_config
    auth_jwt_type encrypted;
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/dec.json;
        return 200 "ok $jwt_claim_sub\n";
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[bearer(jwe(claims => {sub => 'r'})), bearer(jwt())]
--- error_code eval
[200, 401]



=== TEST 13: an oct key that does not say it is for encryption, or whose key_ops also verify, is no decryption key: nginx -t fails for an encrypted location with only such keys
--- user_files
>>> bare-oct.json
{"keys":[{"kty":"oct","kid":"bare","k":"q67_6vdp3ZEWIj8zligHf_Pma6WB7dAbxMrTrFIXL07Q"},
         {"kty":"oct","kid":"both","key_ops":["verify","unwrapKey"],"k":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}]}
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_type     encrypted;
        auth_jwt_key_file ../html/bare-oct.json;
        return 200;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"auth_jwt_type encrypted": no key file holds a decryption key/



=== TEST 14: oct keys marked "use":"enc" (jwe_jwks()) decrypt: A256KW
--- user_files eval
">>> enc-oct.json\n" . JWTGate::Jwe::jwe_jwks()
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_type     encrypted;
        auth_jwt_key_file ../html/enc-oct.json;
        return 200 "ok $jwt_claim_sub\n";
    }
--- request
GET /api
--- more_headers eval
bearer(jwe(claims => {sub => 'e'}, alg => 'A256KW', enc => 'A256GCM'))
--- response_body
ok e



=== TEST 15: decryption keys are kept only for key files a JWE level uses: a signed level's file drops them at configuration; a file both kinds of level use keeps them
--- user_files eval
">>> both.json\n" . JWTGate::Token::_slurp("$ENV{TEST_NGINX_JWE_DIR}/mixed.json")
--- config
    location /a {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/mixed.json;
        return 200 "a $jwt_claim_sub\n";
    }
    location /c {
        auth_jwt          "test";
        auth_jwt_type     nested;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-all.json;
        auth_jwt_key_file ../html/both.json;
        return 200 "c $jwt_claim_sub\n";
    }
    location /d {
        auth_jwt          "test";
        auth_jwt_key_file ../html/both.json;
        return 200 "d $jwt_claim_sub\n";
    }
--- request eval
["GET /a", "GET /c", "GET /d"]
--- more_headers eval
[bearer(jwt(claims => {sub => 's'})),
 bearer(nested(alg => 'A256KW', enc => 'A256GCM',
               jws => {claims => {sub => 't'}})),
 bearer(jwt(claims => {sub => 'u'}))]
--- response_body eval
["a s\n", "c t\n", "d u\n"]
--- error_log eval
[qr/\[notice\] .*auth_jwt_key_file "[^"]+mixed\.json": its decryption keys are not kept \(no "auth_jwt_type encrypted" or "nested" level uses the file\)/]
--- no_error_log eval
[qr/"[^"]+(both|jwks-all)\.json": its decryption keys are not kept/, '[error]']



=== TEST 16: a key file named with variables is read for decryption keys only once a JWE level names it: at a signed level, a file of decryption keys only holds no usable key (logged); a nested level then decrypts with it at once, and with a file a signed level read first
--- config
    location /s {
        auth_jwt          "test";
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/${arg_k}.json;
        return 200 "s $jwt_claim_sub\n";
    }
    location /n {
        auth_jwt          "test";
        auth_jwt_type     nested;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-all.json;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/${arg_k}.json;
        return 200 "n $jwt_claim_sub\n";
    }
--- request eval
["GET /s?k=dec", "GET /n?k=dec", "GET /s?k=mixed", "GET /n?k=mixed"]
--- more_headers eval
[bearer(jwt()), bearer(nested(jws => {claims => {sub => 'v'}})),
 bearer(jwt(claims => {sub => 'w'})),
 bearer(nested(jws => {claims => {sub => 'x'}}))]
--- error_code eval
[401, 200, 200, 200]
--- response_body_like eval
['401 Authorization Required', '^n v$', '^s w$', '^n x$']
--- error_log eval
[qr/\[error\] .*auth_jwt_key_file "[^"]+dec\.json": no usable key in the key set/]



=== TEST 17: nested: a signature key that is the public half of a decryption key of the level (RSA, another key file) fails nginx -t
--- user_files eval
">>> twin.json\n" . jwe_twin_jwks('public', 'rsa')
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_type     nested;
        auth_jwt_key_file ../html/twin.json;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/dec.json;
        return 200;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"auth_jwt_type nested": signature key #1 \(kid "rsa-public"\) of "[^"]+twin\.json" is decryption key #\d+ \(kid "rsa"\) of "[^"]+dec\.json", or its public half/



=== TEST 18: nested: likewise an EC key, the decryption key's file named first
--- user_files eval
">>> twin.json\n" . jwe_twin_jwks('public', 'p256')
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_type     nested;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/dec.json;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-all.json;
        auth_jwt_key_file ../html/twin.json;
        return 200;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"auth_jwt_type nested": signature key #1 \(kid "p256-public"\) of "[^"]+twin\.json" is decryption key #\d+ \(kid "p256"\) of "[^"]+dec\.json"/



=== TEST 19: nested: one file whose private keys say no "use" (each a signature key and a decryption key) fails nginx -t
--- user_files eval
">>> both.json\n" . jwe_twin_jwks('both', 'rsa')
--- config
    location /n {
        auth_jwt          "test";
        auth_jwt_type     nested;
        auth_jwt_key_file ../html/both.json;
        return 200;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"auth_jwt_type nested": signature key #1 \(kid "rsa-both"\) of "[^"]+both\.json" is decryption key #1 \(kid "rsa-both"\) of "[^"]+both\.json"/



=== TEST 20: nested: an HMAC key with the secret of an oct decryption key fails nginx -t
--- user_files eval
">>> twin.json\n" . jwe_twin_jwks('public', 'oct32')
--- config
    location /api {
        auth_jwt          "test";
        auth_jwt_type     nested;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/dec-oct.json;
        auth_jwt_key_file ../html/twin.json;
        return 200;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*"auth_jwt_type nested": signature key #1 \(kid "oct32-public"\) of "[^"]+twin\.json" is decryption key #\d+ \(kid "oct32"\) of "[^"]+dec-oct\.json"/



=== TEST 21: the same files at an encrypted level and a signed one pass (the check is the nested level's: only there do both roles meet)
--- user_files eval
">>> both.json\n" . jwe_twin_jwks('both', 'rsa')
. "\n>>> twin.json\n" . jwe_twin_jwks('public', 'rsa')
--- config
    location /e {
        auth_jwt          "test";
        auth_jwt_type     encrypted;
        auth_jwt_key_file ../html/both.json;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/dec.json;
        auth_jwt_key_file ../html/twin.json;
        return 200 "e $jwt_claim_sub\n";
    }
    location /s {
        auth_jwt          "test";
        auth_jwt_key_file ../html/twin.json;
        return 200 "s\n";
    }
--- request
GET /e
--- more_headers eval
bearer(jwe(claims => {sub => 'y'}))
--- response_body
e y



=== TEST 22: nested: issuer= on a key file whose keys only decrypt binds nothing there: nginx -t warns; not for a file with signature keys, nor at an encrypted level
--- config
    location /n {
        auth_jwt          "test";
        auth_jwt_type     nested;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/dec.json issuer=https://dec.test;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-all.json;
        return 200 "n $jwt_claim_iss\n";

        location /n/inner {
            auth_jwt      "test";
            return 200 "i $jwt_claim_iss\n";
        }
    }
    location /m {
        auth_jwt          "test";
        auth_jwt_type     nested;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/mixed.json issuer=https://mixed.test;
        return 200 "m $jwt_claim_iss\n";
    }
    location /e {
        auth_jwt          "test";
        auth_jwt_type     encrypted;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/dec-oct.json issuer=https://oct.test;
        return 200 "e $jwt_claim_iss\n";
    }
--- request eval
["GET /n", "GET /m"]
--- more_headers eval
[bearer(nested(jws => {claims => {iss => 'https://other.test'}})),
 bearer(nested(jws => {claims => {iss => 'https://other.test'}}))]
--- error_code eval
[200, 401]
--- response_body_like eval
['^n https://other.test$', '401 Authorization Required']
--- error_log eval
[qr/\[warn\] .*"auth_jwt_type nested": issuer= of auth_jwt_key_file "[^"]+dec\.json" binds nothing: its keys only decrypt, and a nested token is bound by the issuer= of the key that verified its inner token/]
--- no_error_log eval
[qr/issuer= of auth_jwt_key_file "[^"]+(mixed|dec-oct)\.json" binds nothing/]
