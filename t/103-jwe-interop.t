# Interop for auth_jwt_type encrypted and nested (issue 18): JWEs made at
# test time by the libraries issuers use, not by Crypt::JWT (t/100, t/101):
#
#   jose      npm, pinned in t/interop/package-lock.json, under build/npm
#             (make interop-deps): EncryptJWT for claims, SignJWT then
#             CompactEncrypt (cty "JWT") for nested tokens
#             (t/interop/mint.mjs, op encrypt)
#   jwcrypto  Debian's python3-jwcrypto, run by /usr/bin/python3:
#             jwcrypto.jwt.JWT's make_encrypted_token for claims, a signed
#             JWT inside an encrypted one for nested tokens, jwcrypto.jwe.JWE
#             for a bare plaintext (t/interop/mint-jwe.py)
#
# The cases, for each library: every alg x enc pair of those the gateway
# decrypts that the library makes (jose 27 x 6, jwcrypto 25 x 6) at an
# encrypted location; RS256, ES256 and EdDSA tokens it signed inside JWEs
# it encrypted (cty JWT) at a nested location, sub forwarded as X-User-Id;
# ECDH-ES with apu and apv; and its tokens the gateway refuses, each with
# the status and $jwt_error (an error_page location answers it): PBES2,
# RSA1_5, zip "DEF" (unsupported_alg), a token for another key of the kid
# (decrypt_failed), a nested token where claims are wanted and claims
# where a nested token is (malformed, and the log line that says why).
# The encrypted location decrypts with public-key algorithms too, to show
# they interoperate: nginx -t warns that it authenticates nothing then
# (docs/DIRECTIVES.md, auth_jwt_type), as in t/100.
#
# Every token is encrypted to the keys of JWTGate::Jwe's jwe_setup() (made
# fresh for this run; nginx reads them from $TEST_NGINX_JWE_DIR/dec.json,
# mode 0600): the libraries get the public JWKs (jwe_jwk()), and the oct
# keys themselves.  Inner tokens of nested ones are signed with t/data's
# keys, which jwks-all.json holds.
#
# What a library cannot make, said here and checked at the end (a library
# that learns it shows up as a failure, so this list stays true):
#   jose 6     no RSA1_5 (removed from jose); everything else, zip "DEF"
#              too (CompressionStream)
#   jwcrypto   no RSA-OAEP-384 or RSA-OAEP-512 (1.1.0 knows RSA-OAEP and
#              RSA-OAEP-256 only); RSA1_5 only when named in its allowed
#              algorithms (t/interop/mint-jwe.py does)
# Skipped only when node, the installed npm libraries or python3-jwcrypto
# are missing; under CI (JWTGATE_INTEROP_REQUIRED=1) that fails.

# t/lib after the Test::Nginx of PERL5LIB (the real one when given)
BEGIN {
    push @INC, 't/lib';
    require JWTGate::Interop;
    JWTGate::Interop::need('node', 'jwcrypto');  # or skip; under CI: fail
}

use Test::Nginx::Socket 'no_plan';
use JWTGate::Token;
use JWTGate::Jwe;
use JWTGate::JweMint qw(%ENC_LEN);
use JWTGate::BlockLog;

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

jwe_setup();

our (%MATRIX, %NESTED, %T, %PARTY, @CANNOT);

sub bearer { "Authorization: Bearer " . $_[0] }
{ no warnings 'once'; *Test::Base::Filter::bearer = \&bearer; }

# the key management algorithms of @JWE_PAIRS (those the gateway decrypts)
# that a library does not make
my %NOT = (jose => {}, jwcrypto => {'RSA-OAEP-384' => 1, 'RSA-OAEP-512' => 1});

sub claims {
    my (%c) = @_;
    my $now = time;
    return {iss => 'https://issuer.test', aud => 'api', iat => $now,
            exp => $now + 300, %c};
}

# an encrypt request: $key is a kid of jwe_setup()'s keys
sub req {
    my ($lib, $alg, $enc, $key, %o) = @_;
    $key = 'oct' . $ENC_LEN{$enc} if $key eq 'dir';
    return {op => 'encrypt', lib => $lib, alg => $alg, enc => $enc,
            jwk => jwe_jwk($key, $o{other}),
            header => {kid => $key, %{$o{header} // {}}},
            (map { exists $o{$_} ? ($_ => $o{$_}) : () } qw(apu apv)),
            $o{sign} ? (sign => $o{sign})
                     : (payload => $o{payload} // claims(sub => $o{sub}))};
}

my %mint = (jose => \&JWTGate::Interop::node,
            jwcrypto => \&JWTGate::Interop::jwcrypto);

# named requests of one library -> {name => token}
sub mint {
    my ($lib, %named) = @_;
    my @n = sort keys %named;
    my $res = $mint{$lib}->([map { $named{$_} } @n]);
    return { map { $n[$_] => $res->[$_]{token} } 0 .. $#n };
}

for my $lib (qw(jose jwcrypto)) {
    my (%req, @rows);

    # every alg x enc pair the library makes
    for my $p (@JWE_PAIRS) {
        my ($alg, $key) = @$p;
        next if $NOT{$lib}{$alg};
        for my $enc (@JWE_ENCS) {
            my $sub = "$lib/$alg/$enc/$key";
            $req{$sub} = req($lib, $alg, $enc, $key, sub => $sub);
            push @rows, [$sub, "$alg $enc $sub\n"];
        }
    }

    # nested: a token the library signed (RS256, ES256, EdDSA) in a JWE it
    # encrypted, under outer algorithms of every family and every enc
    my @outer = (['RSA-OAEP-256', 'A256GCM', 'rsa'],
                 ['ECDH-ES+A256KW', 'A128CBC-HS256', 'x25519'],
                 ['A256GCMKW', 'A192GCM', 'oct32'],
                 ['dir', 'A256CBC-HS512', 'dir'],
                 ['ECDH-ES', 'A128GCM', 'p521'],
                 ['A128KW', 'A192CBC-HS384', 'oct16']);
    my @inner = (['RS256', 'rsa1'], ['ES256', 'ec256'], ['EdDSA', 'ed25519']);
    my @nrows;
    for my $o (@outer) {
        for my $i (@inner) {
            my $sub = "$lib/$i->[0]/$o->[0]/$o->[1]";
            $req{"n:$sub"} = req($lib, @$o, sign => {
                alg => $i->[0], key => $i->[1], header => {kid => $i->[1]},
                payload => claims(sub => $sub)});
            push @nrows, [$sub, "id=[$sub] h=[$i->[0]|$i->[1]||]\n"];
        }
    }

    # ECDH-ES with PartyUInfo and PartyVInfo (apu, apv: in the Concat
    # KDF's input, RFC 7518 4.6.2), on every curve, direct and wrapped
    my @party;
    for my $c (['ECDH-ES', 'A256GCM', 'p256'],
               ['ECDH-ES+A128KW', 'A128CBC-HS256', 'p384'],
               ['ECDH-ES+A192KW', 'A192GCM', 'p521'],
               ['ECDH-ES+A256KW', 'A256CBC-HS512', 'x25519']) {
        my $sub = "$lib/party/$c->[0]/$c->[2]";
        $req{"p:$sub"} = req($lib, @$c, sub => $sub,
            apu => JWTGate::Token::b64u("gateway-test-issuer"),
            apv => JWTGate::Token::b64u("api.example.test"));
        push @party, [$sub, "$c->[0] $c->[1] $sub\n"];
    }

    # the refusals: RSA1_5 (jwcrypto), PBES2, zip DEF, another key of the
    # kid, a nested token where claims are wanted and claims where a
    # nested token is
    $req{'x:rsa1_5'} = req($lib, 'RSA1_5', 'A128GCM', 'rsa')
        if $lib eq 'jwcrypto';
    $req{'x:pbes2'} = {op => 'encrypt', lib => $lib,
                       alg => 'PBES2-HS256+A128KW', enc => 'A128GCM',
                       password => 'correct horse battery staple',
                       payload => claims(sub => 'pbes2')};
    $req{'x:zip'} = req($lib, 'A128KW', 'A128GCM', 'oct16',
                        header => {zip => 'DEF'}, sub => 'zip');
    $req{"x:other:$_->[0]"} = req($lib, @$_, other => 1, sub => 'other')
        for ['RSA-OAEP-256', 'A256GCM', 'rsa'],
            ['A256KW', 'A128CBC-HS256', 'oct32'],
            ['A128GCMKW', 'A128GCM', 'oct16'],
            ['dir', 'A256GCM', 'dir'],
            ['ECDH-ES', 'A192GCM', 'p256'],
            ['ECDH-ES+A128KW', 'A256CBC-HS512', 'x25519'];
    $req{'x:nested'} = req($lib, 'RSA-OAEP-256', 'A256GCM', 'rsa', sign => {
        alg => 'ES256', key => 'ec256', header => {kid => 'ec256'},
        payload => claims(sub => 'nested')});
    $req{'x:claims'} = req($lib, 'A256KW', 'A256GCM', 'oct32',
                           sub => 'claims');

    my $t = mint($lib, %req);
    $MATRIX{$lib} = [map { [$t->{$_->[0]}, $_->[1]] } @rows];
    $NESTED{$lib} = [map { [$t->{"n:$_->[0]"}, $_->[1]] } @nrows];
    $PARTY{$lib} = [map { [$t->{"p:$_->[0]"}, $_->[1]] } @party];
    $T{$lib}{$_} = $t->{"x:$_"} for map { /^x:(.*)/ ? $1 : () } keys %$t;
}

# what the libraries cannot make: each must still be refused by the
# library (checked after run_tests)
@CANNOT = (['node', req('jose', 'RSA1_5', 'A128GCM', 'rsa', sub => 'x')],
           map { ['jwcrypto', req('jwcrypto', $_, 'A128GCM', 'rsa',
                                  sub => 'x')] }
               sort keys %{$NOT{jwcrypto}});

add_block_preprocessor(sub {
    my $block = shift;
    return if defined $block->config;
    $block->set_value('config', <<'CONF');
    location /api {
        auth_jwt          "test";
        auth_jwt_type     encrypted;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/dec.json;
        error_page 401 /why;
        return 200 "$jwt_header_alg $jwt_header_enc $jwt_claim_sub\n";
    }
    location /nested {
        auth_jwt          "test";
        auth_jwt_type     nested;
        auth_jwt_key_file $TEST_NGINX_JWE_DIR/dec.json;
        auth_jwt_key_file $TEST_NGINX_DATA_DIR/jwks-all.json;
        auth_jwt_forward_claim X-User-Id sub;
        error_page 401 /why;
        proxy_set_header X-H "$jwt_header_alg|$jwt_header_kid|$jwt_header_enc|$jwt_header_cty";
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/echo;
    }
    location = /echo {
        return 200 "id=[$http_x_user_id] h=[$http_x_h]\n";
    }
    location = /why {
        internal;
        return 401 "why=$jwt_error\n";
    }
CONF
});

no_shuffle();
run_tests();

# the cases the suite cannot have, because the library will not make them
for my $c (@CANNOT) {
    my ($what, $r) = @$c;
    my $res = JWTGate::Interop::attempt($what, [$r]);
    Test::More::ok(defined $res->[0]{error} && !defined $res->[0]{token},
                   "$r->{lib} cannot make $r->{alg}"
                   . " (if it can now: add it to this suite)")
        or Test::More::diag("made: " . ($res->[0]{token} // '?'));
}

__DATA__

=== TEST 1: jose: every key management algorithm x every enc it makes decrypts (claims by EncryptJWT)
--- request eval
[map { "GET /api" } @{$::MATRIX{jose}}]
--- more_headers eval
[map { bearer($_->[0]) } @{$::MATRIX{jose}}]
--- error_code eval
[map { 200 } @{$::MATRIX{jose}}]
--- response_body eval
[map { $_->[1] } @{$::MATRIX{jose}}]
--- no_error_log
[error]
token rejected



=== TEST 2: jwcrypto: every key management algorithm x every enc it makes decrypts (claims by jwcrypto.jwt.JWT)
--- request eval
[map { "GET /api" } @{$::MATRIX{jwcrypto}}]
--- more_headers eval
[map { bearer($_->[0]) } @{$::MATRIX{jwcrypto}}]
--- error_code eval
[map { 200 } @{$::MATRIX{jwcrypto}}]
--- response_body eval
[map { $_->[1] } @{$::MATRIX{jwcrypto}}]
--- no_error_log
[error]
token rejected



=== TEST 3: jose: RS256, ES256 and EdDSA tokens signed by SignJWT in CompactEncrypt JWEs (cty JWT): verified, sub forwarded, the inner header in the variables
--- request eval
[map { "GET /nested" } @{$::NESTED{jose}}]
--- more_headers eval
[map { bearer($_->[0]) . "\r\nX-User-Id: mallory" } @{$::NESTED{jose}}]
--- error_code eval
[map { 200 } @{$::NESTED{jose}}]
--- response_body eval
[map { $_->[1] } @{$::NESTED{jose}}]
--- no_error_log
[error]
token rejected



=== TEST 4: jwcrypto: RS256, ES256 and EdDSA signed JWTs inside encrypted JWTs (cty JWT): verified, sub forwarded, the inner header in the variables
--- request eval
[map { "GET /nested" } @{$::NESTED{jwcrypto}}]
--- more_headers eval
[map { bearer($_->[0]) . "\r\nX-User-Id: mallory" } @{$::NESTED{jwcrypto}}]
--- error_code eval
[map { 200 } @{$::NESTED{jwcrypto}}]
--- response_body eval
[map { $_->[1] } @{$::NESTED{jwcrypto}}]
--- no_error_log
[error]
token rejected



=== TEST 5: ECDH-ES and ECDH-ES+A*KW with apu and apv (PartyUInfo, PartyVInfo) from jose and jwcrypto, on P-256, P-384, P-521 and X25519
--- request eval
[map { "GET /api" } map { @{$::PARTY{$_}} } qw(jose jwcrypto)]
--- more_headers eval
[map { bearer($_->[0]) } map { @{$::PARTY{$_}} } qw(jose jwcrypto)]
--- error_code eval
[map { 200 } map { @{$::PARTY{$_}} } qw(jose jwcrypto)]
--- response_body eval
[map { $_->[1] } map { @{$::PARTY{$_}} } qw(jose jwcrypto)]
--- no_error_log
[error]
token rejected



=== TEST 6: PBES2-HS256+A128KW from jose and jwcrypto, and jwcrypto's RSA1_5: unsupported_alg, before any decryption (jose makes no RSA1_5)
--- request eval
["GET /api", "GET /api", "GET /api"]
--- more_headers eval
[bearer($::T{jose}{pbes2}), bearer($::T{jwcrypto}{pbes2}),
 bearer($::T{jwcrypto}{rsa1_5})]
--- error_code eval
[401, 401, 401]
--- response_body eval
["why=unsupported_alg\n", "why=unsupported_alg\n", "why=unsupported_alg\n"]
--- error_log
auth_jwt: token rejected: unsupported_alg
--- no_error_log
decrypt_failed
[error]



=== TEST 7: "zip":"DEF" from jose (CompressionStream) and from jwcrypto: refused, unsupported_alg
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
[bearer($::T{jose}{zip}), bearer($::T{jwcrypto}{zip})]
--- error_code eval
[401, 401]
--- response_body eval
["why=unsupported_alg\n", "why=unsupported_alg\n"]
--- error_log
auth_jwt: token rejected: unsupported_alg
--- no_error_log
decrypt_failed
[error]



=== TEST 8: a library's token for another key of the same kid (RSA-OAEP-256, A256KW, A128GCMKW, dir, ECDH-ES P-256, ECDH-ES+A128KW X25519): decrypt_failed
--- request eval
[map { "GET /api" } 1..12]
--- more_headers eval
[map { my $l = $_;
       map { bearer($::T{$l}{"other:$_"}) }
           qw(RSA-OAEP-256 A256KW A128GCMKW dir ECDH-ES ECDH-ES+A128KW) }
     qw(jose jwcrypto)]
--- error_code eval
[map { 401 } 1..12]
--- response_body eval
[map { "why=decrypt_failed\n" } 1..12]
--- error_log
auth_jwt: token rejected: decrypt_failed
--- no_error_log
[error]



=== TEST 9: a library's nested token at an encrypted location, its encrypted claims at a nested one: refused, and the log says why
--- request eval
["GET /api", "GET /api", "GET /nested", "GET /nested"]
--- more_headers eval
[bearer($::T{jose}{nested}), bearer($::T{jwcrypto}{nested}),
 bearer($::T{jose}{claims}), bearer($::T{jwcrypto}{claims})]
--- error_code eval
[401, 401, 401, 401]
--- response_body eval
[map { "why=malformed\n" } 1..4]
--- error_log
the JWE holds a signed token (cty "JWT"): see "auth_jwt_type nested"
the JWE's cty is not "JWT": a nested token holds a signed token
--- no_error_log
[error]
