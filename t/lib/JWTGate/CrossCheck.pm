package JWTGate::CrossCheck;

# The cross-check table of issue 14: tokens on which the gateway's verdict
# is compared with what PyJWT, jsonwebtoken, @nestjs/jwt and jose say when
# given the same keys and the same options (audience, issuer, leeway,
# algorithms, exp required, typ: those that each library can be told).
#
#   cases($set)          the cases of $set: 'today' (the directives of
#                        today: t/092-interop-crosscheck.t) or 'new' (the
#                        directives of issue 14: t/093-interop-new.t)
#   mint(\@cases)        signs each case's token: a real library (PyJWT,
#                        jsonwebtoken, jose, @nestjs/jwt) where it will
#                        sign the shape, else Crypt::JWT through
#                        JWTGate::Token (shapes the libraries refuse)
#   config(\@cases)      one nginx location per case, /cc/<id>, answering
#                        "accept" or "reject <reason>" (always 200)
#   verdicts(\@cases)    {id => {lib => 'accept' | 'reject: why' | undef}}
#                        (undef: the library is not asked: it cannot be
#                        given this setup, or node is missing)
#   doc_rows($file)      the rows of the disagreement table in
#                        docs/SECURITY.md: {id => {lib => verdict word}}
#
# A case's "expect" is the gateway's verdict as the specification says
# (docs/DIRECTIVES.md, RFC 7515/7518/7519/8725/9068): the suites assert it;
# the libraries' verdicts are whatever they answer when run, and every
# case where one differs must be a row of the table in docs/SECURITY.md
# (t/interop/crosscheck-table.pl prints the rows).

use strict;
use warnings;

use Carp qw(croak);
use JSON::PP ();
use Crypt::PK::ECC;

use JWTGate::Token ();
use JWTGate::Interop ();

our @LIBS = qw(pyjwt jsonwebtoken nestjs jose);
our %LIB_NAME = (pyjwt => 'PyJWT', jsonwebtoken => 'jsonwebtoken',
                 nestjs => '@nestjs/jwt', jose => 'jose');

my $ISS = 'https://issuer.test';

# The cases.  Keys of a case:
#   id, what       name and description
#   mint           a sign request for JWTGate::Interop (lib pyjwt, jose, ...)
#   token          instead: code returning a token (Crypt::JWT), given $now
#   keys           key file(s) of the location (absolute, or in t/data)
#   aud, iss       the audience and issuer required (default api and
#                  https://issuer.test; undef: none)
#   conf           more directives of the location
#   verify         what the libraries are given: alg, key | secret |
#                  secret_b64u, algorithms, leeway, require_exp, typ, jwks
#   libs           the libraries asked (default all four)
#   expect         "accept", "reject <reason>", or "reject" (any reason)
sub cases {
    my ($set) = @_;
    my $now = time;
    my %std = (sub => 'alice', iss => $ISS, aud => 'api', iat => $now,
               exp => $now + 300);
    my $py = sub { my ($alg, $key, %o) = @_;
        my %p = (%std, %{ $o{claims} || {} });
        delete @p{grep { !defined $p{$_} } keys %p};     # undef: left out
        return {lib => 'pyjwt', alg => $alg, key => $key,
                header => {kid => $o{kid} // $key}, payload => \%p} };
    my $kd = JWTGate::Interop::keys_dir();
    my $secret = $JWTGate::Interop::NESTJS_SECRET;
    my $short = MIME::Base64::encode_base64url(
        $JWTGate::Interop::SHORT_SECRET);
    my $raw = sub { my ($h, $p, %o) = @_;
        my $t = JWTGate::Token::jwt_raw(header => $h, payload => $p, %o);
        return $t };
    my $json = JSON::PP->new->canonical;
    my $std_json = $json->encode(\%std);

    my @today = (
        {id => 'rs256', what => 'RS256 from PyJWT',
         mint => $py->('RS256', 'rsa1'), keys => 'jwks-rsa1.json',
         verify => {alg => 'RS256', key => 'rsa1'}, expect => 'accept'},
        {id => 'hs256', what => 'HS256 from PyJWT (32-byte secret)',
         mint => $py->('HS256', 'hs256'), keys => 'jwks-hmac.json',
         verify => {alg => 'HS256', key => 'hs256'}, expect => 'accept'},
        {id => 'es256', what => 'ES256 from PyJWT',
         mint => $py->('ES256', 'ec256'), keys => 'jwks-all.json',
         verify => {alg => 'ES256', key => 'ec256'}, expect => 'accept'},
        {id => 'es384', what => 'ES384 from PyJWT',
         mint => $py->('ES384', 'ec384'), keys => 'jwks-all.json',
         verify => {alg => 'ES384', key => 'ec384'}, expect => 'accept'},
        {id => 'ps256', what => 'PS256 from PyJWT',
         mint => $py->('PS256', 'rsa1'), keys => "$kd/rsa-any.json",
         verify => {alg => 'PS256', key => 'rsa1'}, expect => 'accept'},
        {id => 'eddsa', what => 'EdDSA (Ed25519) from PyJWT',
         mint => $py->('EdDSA', 'ed25519'), keys => 'jwks-all.json',
         verify => {alg => 'EdDSA', key => 'ed25519'}, expect => 'accept'},
        {id => 'rs384-jose', what => 'RS384 from jose',
         mint => {lib => 'jose', alg => 'RS384', key => 'rsa1',
                  header => {kid => 'rsa1'}, payload => {%std}},
         keys => "$kd/rsa-any.json",
         verify => {alg => 'RS384', key => 'rsa1'}, expect => 'accept'},
        {id => 'nestjs-hs256', what => '@nestjs/jwt HS256, string sub, no aud/iss',
         mint => {lib => 'nestjs', alg => 'HS256', secret => $secret,
                  payload => {sub => '42', username => 'ana'},
                  options => {expiresIn => '1h'}},
         keys => "$kd/nestjs-oct.json", aud => undef, iss => undef,
         verify => {alg => 'HS256', secret => $secret}, expect => 'accept'},
        {id => 'none', what => 'alg none, empty signature',
         token => sub { $raw->('{"alg":"none"}', $std_json, sig => '') },
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject unsupported_alg'},
        {id => 'none-case', what => 'alg "None", empty signature',
         token => sub { $raw->('{"alg":"None"}', $std_json, sig => '') },
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject unsupported_alg'},
        {id => 'alg-lower', what => 'alg "rs256" (lower case), RS256 signature',
         token => sub { JWTGate::Token::jwt(alg => 'RS256', key => 'rsa1',
                            header => {alg => 'rs256'}) },
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject unsupported_alg'},
        {id => 'alg-confusion', what => 'HS256 keyed with the RSA public key PEM; libraries allowed RS256 and HS256',
         token => sub { JWTGate::Token::hmac_jwt_with_secret('HS256',
                            _slurp(JWTGate::Token::key_path('rsa1', 'pub'))) },
         keys => 'jwks-rsa1.json',
         verify => {alg => 'RS256', key => 'rsa1',
                    algorithms => ['RS256', 'HS256']},
         expect => 'reject unsupported_alg'},
        {id => 'alg-key-mismatch', what => 'ES256 token under kid rsa1',
         mint => $py->('ES256', 'ec256', kid => 'rsa1'),
         keys => 'jwks-all.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject alg_key_mismatch'},
        {id => 'wrong-key', what => 'RS256 signed by rsa2 under kid rsa1',
         mint => $py->('RS256', 'rsa2', kid => 'rsa1'),
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject bad_signature'},
        {id => 'tampered', what => 'payload changed after signing',
         token => sub { JWTGate::Token::tamper_payload(
                            JWTGate::Token::jwt(), {sub => 'admin'}) },
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject bad_signature'},
        {id => 'es256-der', what => 'ES256 with a DER (ASN.1) signature instead of R||S',
         token => sub {
             my $h = JWTGate::Token::b64u('{"alg":"ES256","kid":"ec256"}');
             my $p = JWTGate::Token::b64u($std_json);
             my $k = Crypt::PK::ECC->new(JWTGate::Token::key_path('ec256'));
             "$h.$p." . JWTGate::Token::b64u(
                 $k->sign_message("$h.$p", 'SHA256')) },
         keys => 'jwks-all.json', verify => {alg => 'ES256', key => 'ec256'},
         expect => 'reject bad_signature'},
        {id => 'rsa1024', what => 'RS256 with a 1024-bit RSA key (kid rsa1024)',
         mint => $py->('RS256', 'rsa1024'), keys => 'jwks-mixed.json',
         verify => {alg => 'RS256', key => 'rsa1024'},
         expect => 'reject unknown_kid'},
        {id => 'hmac-short', what => 'HS256 with a 16-byte secret (kid short)',
         token => sub { JWTGate::Token::hmac_jwt_with_secret('HS256',
                            $JWTGate::Interop::SHORT_SECRET, kid => 'short') },
         keys => "$kd/short-hmac.json",
         verify => {alg => 'HS256', secret_b64u => $short},
         expect => 'reject unknown_kid'},
        {id => 'expired', what => 'exp 100 s ago',
         mint => $py->('RS256', 'rsa1', claims => {exp => $now - 100}),
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject expired'},
        {id => 'exp-in-leeway', what => 'exp 10 s ago, leeway 60 s',
         mint => $py->('RS256', 'rsa1', claims => {exp => $now - 10}),
         keys => 'jwks-rsa1.json', conf => 'auth_jwt_leeway 60s;',
         verify => {alg => 'RS256', key => 'rsa1', leeway => 60},
         expect => 'accept'},
        {id => 'exp-past-leeway', what => 'exp 60 s ago, leeway 30 s',
         mint => $py->('RS256', 'rsa1', claims => {exp => $now - 60}),
         keys => 'jwks-rsa1.json', conf => 'auth_jwt_leeway 30s;',
         verify => {alg => 'RS256', key => 'rsa1', leeway => 30},
         expect => 'reject expired'},
        {id => 'nbf-future', what => 'nbf in 100 s',
         mint => $py->('RS256', 'rsa1', claims => {nbf => $now + 100}),
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject not_yet_valid'},
        {id => 'nbf-in-leeway', what => 'nbf in 15 s, leeway 30 s',
         mint => $py->('RS256', 'rsa1', claims => {nbf => $now + 15}),
         keys => 'jwks-rsa1.json', conf => 'auth_jwt_leeway 30s;',
         verify => {alg => 'RS256', key => 'rsa1', leeway => 30},
         expect => 'accept'},
        {id => 'iat-far-future', what => 'iat 600 s ahead',
         mint => $py->('RS256', 'rsa1', claims => {iat => $now + 600,
                                                   exp => $now + 900}),
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject issued_in_future'},
        {id => 'exp-string', what => 'exp as a string of digits',
         mint => $py->('RS256', 'rsa1', claims => {exp => '' . ($now + 300)}),
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject bad_claim_type'},
        {id => 'exp-negative', what => 'exp -1',
         mint => $py->('RS256', 'rsa1', claims => {exp => -1}),
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject bad_claim_type'},
        {id => 'exp-fraction', what => 'exp with a fraction (now + 300.5)',
         token => sub { $raw->('{"alg":"RS256","kid":"rsa1"}',
             qq({"sub":"alice","iss":"$ISS","aud":"api","iat":$now,"exp":)
             . ($now + 300) . '.5}') },
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'accept'},
        {id => 'exp-year-3000', what => 'exp 32503680000 (year 3000)',
         mint => $py->('RS256', 'rsa1', claims => {exp => 32503680000}),
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'accept'},
        {id => 'exp-huge', what => 'exp 1e20 as an integer (beyond 64 bits)',
         token => sub { $raw->('{"alg":"RS256","kid":"rsa1"}',
             qq({"sub":"alice","iss":"$ISS","aud":"api","iat":$now,)
             . '"exp":100000000000000000000}') },
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject malformed'},
        {id => 'nbf-string', what => 'nbf as a string',
         mint => $py->('RS256', 'rsa1', claims => {nbf => '' . ($now - 10)}),
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject bad_claim_type'},
        {id => 'no-exp', what => 'no exp (jsonwebtoken without expiresIn); exp required',
         mint => {lib => 'jsonwebtoken', alg => 'RS256', key => 'rsa2',
                  payload => {sub => 'svc:billing', iss => $ISS, aud => 'api'}},
         keys => 'jwks-rsa2.json',
         verify => {alg => 'RS256', key => 'rsa2', require_exp => 1},
         expect => 'reject missing_exp'},
        {id => 'no-exp-allowed', what => 'no exp, auth_jwt_require_exp off',
         mint => {lib => 'jsonwebtoken', alg => 'RS256', key => 'rsa2',
                  payload => {sub => 'svc:billing', iss => $ISS, aud => 'api'}},
         keys => 'jwks-rsa2.json', conf => 'auth_jwt_require_exp off;',
         verify => {alg => 'RS256', key => 'rsa2'}, expect => 'accept'},
        {id => 'aud-wrong', what => 'aud "billing", API "api"',
         mint => $py->('RS256', 'rsa1', claims => {aud => 'billing'}),
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject bad_audience'},
        {id => 'aud-array', what => 'aud ["billing","api"]',
         mint => $py->('RS256', 'rsa1', claims => {aud => ['billing', 'api']}),
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'accept'},
        {id => 'aud-auth0', what => 'Auth0: aud [API, .../userinfo], iss with its slash, JWKS with x5c (jsonwebtoken)',
         mint => {lib => 'jsonwebtoken', alg => 'RS256', key => 'rsa2',
                  header => {kid => $JWTGate::Interop::AUTH0_KID},
                  payload => {sub => 'auth0|abc', iss => 'https://tenant.auth0.test/',
                              aud => ['https://api.example.test/items',
                                      'https://tenant.auth0.test/userinfo'],
                              scope => 'openid read:items',
                              permissions => ['read:items']},
                  options => {expiresIn => '1h'}},
         keys => "$kd/auth0.json", aud => 'https://api.example.test/items',
         iss => 'https://tenant.auth0.test/',
         verify => {alg => 'RS256', key => 'rsa2'}, expect => 'accept'},
        {id => 'aud-missing', what => 'no aud, an audience required',
         mint => $py->('RS256', 'rsa1', claims => {aud => undef}),
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject bad_audience'},
        {id => 'aud-number', what => 'aud ["api", 5]',
         mint => $py->('RS256', 'rsa1', claims => {aud => ['api', 5]}),
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject bad_claim_type'},
        {id => 'iss-wrong', what => 'iss of another issuer',
         mint => $py->('RS256', 'rsa1', claims => {iss => 'https://evil.test'}),
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject bad_issuer'},
        {id => 'iss-missing', what => 'no iss, an issuer required',
         mint => $py->('RS256', 'rsa1', claims => {iss => undef}),
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject bad_issuer'},
        {id => 'iss-number', what => 'iss 7, no issuer required',
         mint => $py->('RS256', 'rsa1', claims => {iss => 7}),
         keys => 'jwks-rsa1.json', iss => undef,
         verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject bad_claim_type'},
        {id => 'sub-number', what => '@nestjs/jwt { user, sub: user.id }: sub 42',
         mint => {lib => 'nestjs', alg => 'HS256', secret => $secret,
                  payload => {user => {id => 42}, sub => 42},
                  options => {expiresIn => '1h'}},
         keys => "$kd/nestjs-oct.json", aud => undef, iss => undef,
         verify => {alg => 'HS256', secret => $secret},
         expect => 'reject bad_claim_type'},
        {id => 'jti-number', what => 'jti 1001',
         mint => $py->('RS256', 'rsa1', claims => {jti => 1001}),
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject bad_claim_type'},
        {id => 'kid-unknown', what => 'kid "nope" (jose given the JWKS; the others a key, so kid plays no part)',
         mint => $py->('RS256', 'rsa1', kid => 'nope'),
         keys => 'jwks-rsa1.json', libs => ['jose'],
         verify => {alg => 'RS256', jwks => 'jwks-rsa1.json'},
         expect => 'reject unknown_kid'},
        {id => 'kid-my-key-id', what => 'jose, kid my-key-id, jose given the JWKS',
         mint => {lib => 'jose', alg => 'RS256', key => 'rsa1',
                  header => {kid => 'my-key-id'}, payload => {%std}},
         keys => "$kd/my-key-id.json", libs => ['jose'],
         verify => {alg => 'RS256', jwks => "$kd/my-key-id.json"},
         expect => 'accept'},
        {id => 'b64-false', what => 'b64 false with crit ["b64"], signature over the encoded payload',
         token => sub { $raw->(
             '{"alg":"RS256","kid":"rsa1","b64":false,"crit":["b64"]}',
             $std_json) },
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject unsupported_crit'},
        {id => 'crit-unknown', what => 'crit ["exp"] with an exp header member',
         token => sub { $raw->(
             '{"alg":"RS256","kid":"rsa1","crit":["exp"],"exp":' . ($now + 300)
             . '}', $std_json) },
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject unsupported_crit'},
        {id => 'crit-empty', what => 'crit []',
         token => sub { $raw->('{"alg":"RS256","kid":"rsa1","crit":[]}',
                               $std_json) },
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject malformed'},
        {id => 'dup-claim', what => 'payload with "sub" twice (alice, then admin)',
         token => sub { $raw->('{"alg":"RS256","kid":"rsa1"}',
             qq({"sub":"alice","iss":"$ISS","aud":"api","iat":$now,"exp":)
             . ($now + 300) . ',"sub":"admin"}') },
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject malformed'},
        {id => 'dup-header', what => 'header with "kid" twice',
         token => sub { $raw->('{"alg":"RS256","kid":"rsa2","kid":"rsa1"}',
                               $std_json) },
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject malformed'},
        {id => 'payload-array', what => 'payload a JSON array',
         token => sub { $raw->('{"alg":"RS256","kid":"rsa1"}', '["alice"]') },
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject malformed'},
        {id => 'four-segments', what => 'a fourth segment after the signature',
         token => sub { JWTGate::Token::jwt() . '.e30' },
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject malformed'},
        {id => 'typ-jwt', what => 'typ JWT (PyJWT default), no typ required',
         mint => $py->('RS256', 'rsa1'), keys => 'jwks-rsa1.json',
         verify => {alg => 'RS256', key => 'rsa1'}, expect => 'accept'},
        {id => 'typ-at-jwt', what => 'typ at+jwt, required exactly (auth_jwt_require_header)',
         mint => {lib => 'jose', alg => 'RS256', key => 'rsa1',
                  header => {kid => 'rsa1', typ => 'at+jwt'},
                  payload => {%std}},
         keys => 'jwks-rsa1.json',
         conf => 'auth_jwt_require_header typ eq at+jwt;',
         verify => {alg => 'RS256', key => 'rsa1', typ => 'at+jwt'},
         expect => 'accept'},
    );

    my %nest = (lib => 'nestjs', alg => 'HS256', secret => $secret,
                options => {expiresIn => '1h'});
    my $at = sub { my ($typ) = @_;
        return {lib => 'jose', alg => 'RS256', key => 'rsa1',
                header => {kid => 'rsa1', defined $typ ? (typ => $typ) : ()},
                payload => {%std}} };

    my @new = (
        {id => 'sub-number-on', what => 'sub 42, auth_jwt_numeric_ids on',
         mint => {%nest, payload => {user => {id => 42}, sub => 42}},
         keys => "$kd/nestjs-oct.json", aud => undef, iss => undef,
         conf => 'auth_jwt_numeric_ids on;',
         verify => {alg => 'HS256', secret => $secret}, expect => 'accept'},
        {id => 'jti-number-on', what => 'jti 1001, auth_jwt_numeric_ids on',
         mint => {%nest, payload => {sub => 42, jti => 1001}},
         keys => "$kd/nestjs-oct.json", aud => undef, iss => undef,
         conf => 'auth_jwt_numeric_ids on;',
         verify => {alg => 'HS256', secret => $secret}, expect => 'accept'},
        {id => 'sub-fraction-on', what => 'sub 42.5, auth_jwt_numeric_ids on',
         token => sub { JWTGate::Token::hmac_jwt_with_secret('HS256', $secret,
             claims => {sub => 42.5, iss => undef, aud => undef}) },
         keys => "$kd/nestjs-oct.json", aud => undef, iss => undef,
         conf => 'auth_jwt_numeric_ids on;',
         verify => {alg => 'HS256', secret => $secret},
         expect => 'reject bad_claim_type'},
        {id => 'iat-skew', what => 'iat 45 s ahead (issuer clock skew), default leeways',
         mint => $py->('RS256', 'rsa1', claims => {iat => $now + 45}),
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'accept'},
        {id => 'iat-beyond-skew', what => 'iat 300 s ahead, default leeways',
         mint => $py->('RS256', 'rsa1', claims => {iat => $now + 300,
                                                   exp => $now + 900}),
         keys => 'jwks-rsa1.json', verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject issued_in_future'},
        {id => 'iat-skew-strict', what => 'iat 45 s ahead, auth_jwt_iat_leeway 0',
         mint => $py->('RS256', 'rsa1', claims => {iat => $now + 45}),
         keys => 'jwks-rsa1.json', conf => 'auth_jwt_iat_leeway 0s;',
         verify => {alg => 'RS256', key => 'rsa1'},
         expect => 'reject issued_in_future'},
        {id => 'typ-at-jwt-req', what => 'typ at+jwt, auth_jwt_require_typ at+jwt',
         mint => $at->('at+jwt'), keys => 'jwks-rsa1.json',
         conf => 'auth_jwt_require_typ at+jwt;',
         verify => {alg => 'RS256', key => 'rsa1', typ => 'at+jwt'},
         expect => 'accept'},
        {id => 'typ-application', what => 'typ application/at+jwt, auth_jwt_require_typ at+jwt',
         mint => $at->('application/at+jwt'), keys => 'jwks-rsa1.json',
         conf => 'auth_jwt_require_typ at+jwt;',
         verify => {alg => 'RS256', key => 'rsa1', typ => 'at+jwt'},
         expect => 'accept'},
        {id => 'typ-upper', what => 'typ AT+JWT, auth_jwt_require_typ at+jwt',
         mint => $at->('AT+JWT'), keys => 'jwks-rsa1.json',
         conf => 'auth_jwt_require_typ at+jwt;',
         verify => {alg => 'RS256', key => 'rsa1', typ => 'at+jwt'},
         expect => 'accept'},
        {id => 'typ-jwt-req', what => 'typ JWT, auth_jwt_require_typ at+jwt',
         mint => $at->('JWT'), keys => 'jwks-rsa1.json',
         conf => 'auth_jwt_require_typ at+jwt;',
         verify => {alg => 'RS256', key => 'rsa1', typ => 'at+jwt'},
         expect => 'reject'},
        {id => 'typ-missing-req', what => 'no typ, auth_jwt_require_typ at+jwt',
         mint => $at->(undef), keys => 'jwks-rsa1.json',
         conf => 'auth_jwt_require_typ at+jwt;',
         verify => {alg => 'RS256', key => 'rsa1', typ => 'at+jwt'},
         expect => 'reject'},
    );

    return $set eq 'today' ? @today : $set eq 'new' ? @new
         : croak "cases: no set '$set'";
}

sub _slurp {
    my ($file) = @_;
    open my $fh, '<:raw', $file or croak "$file: $!";
    local $/;
    return scalar <$fh>;
}

sub mint {
    my ($cases) = @_;
    my %req = map { $_->{id} => $_->{mint} } grep { $_->{mint} } @$cases;
    my $t = JWTGate::Interop::mint(%req);
    for my $c (@$cases) {
        $c->{token} = $c->{mint} ? $t->{$c->{id}} : $c->{token}->();
        croak "case $c->{id}: no token" unless length($c->{token} // '');
    }
    return $cases;
}

sub _key_file {
    my ($f) = @_;
    return $f =~ m{^/} ? $f : JWTGate::Token::data_dir() . "/$f";
}

sub config {
    my ($cases) = @_;
    my $conf = '';
    for my $c (@$cases) {
        my $aud = exists $c->{aud} ? $c->{aud} : 'api';
        my $iss = exists $c->{iss} ? $c->{iss} : $ISS;
        $conf .= "    location = /cc/$c->{id} {\n"
               . "        auth_jwt \"cc\";\n"
               . "        auth_jwt_key_file " . _key_file($c->{keys}) . ";\n"
               . (defined $aud ? "        auth_jwt_audience $aud;\n" : '')
               . (defined $iss ? "        auth_jwt_issuer $iss;\n" : '')
               . ($c->{conf} ? "        $c->{conf}\n" : '')
               . "        error_page 400 401 403 =200 /cc-why;\n"
               . "        return 200 \"accept\\n\";\n"
               . "    }\n";
    }
    $conf .= "    location = /cc-why {\n"
           . "        internal;\n"
           . "        return 200 \"reject \$jwt_error\\n\";\n"
           . "    }\n";
    return $conf;
}

# The library verdicts: {id => {lib => 'accept' | 'reject: ...' | undef}}.
sub verdicts {
    my ($cases) = @_;
    my $node = !JWTGate::Interop::node_missing();
    my (%v, @py, @pyid, @js, @jsid);

    for my $c (@$cases) {
        my $aud = exists $c->{aud} ? $c->{aud} : 'api';
        my $iss = exists $c->{iss} ? $c->{iss} : $ISS;
        my %libs = map { $_ => 1 } @{ $c->{libs} || \@LIBS };
        for my $lib (@LIBS) {
            $v{$c->{id}}{$lib} = undef;
            next unless $libs{$lib};
            next if $lib ne 'pyjwt' && !$node;
            my %r = (op => 'verify', lib => $lib, token => $c->{token},
                     %{ $c->{verify} });
            $r{audience} = $aud if defined $aud;
            $r{issuer} = $iss if defined $iss;
            if ($lib eq 'pyjwt') {
                push @py, \%r;
                push @pyid, $c->{id};
            } else {
                push @js, \%r;
                push @jsid, [$c->{id}, $lib];
            }
        }
    }

    my $res = @py ? JWTGate::Interop::python(\@py) : [];
    for my $i (0 .. $#py) {
        $v{$pyid[$i]}{pyjwt} = _word($res->[$i]);
    }
    $res = @js ? JWTGate::Interop::node(\@js) : [];
    for my $i (0 .. $#js) {
        $v{$jsid[$i][0]}{$jsid[$i][1]} = _word($res->[$i]);
    }
    return \%v;
}

sub _word {
    my ($r) = @_;
    return 'accept' if $r->{ok};
    my $e = $r->{error} // 'no answer';
    $e =~ s/\s+/ /g;
    return "reject: $e";
}

# accept / reject of a verdict
sub verdict_word {
    my ($v) = @_;
    return undef unless defined $v;
    return $v =~ /^accept/ ? 'accept' : 'reject';
}

# The ids that some asked library answers differently from the gateway.
sub disagreements {
    my ($cases, $v) = @_;
    my %d;
    for my $c (@$cases) {
        my $gw = verdict_word($c->{expect});
        for my $lib (@LIBS) {
            my $w = verdict_word($v->{$c->{id}}{$lib});
            $d{$c->{id}}{$lib} = $w if defined $w && $w ne $gw;
        }
    }
    return \%d;
}

# The disagreement table of docs/SECURITY.md: rows
#   | `id` | token | gateway | PyJWT | jsonwebtoken | @nestjs/jwt | jose | decided by |
# between the lines <!-- crosscheck:begin --> and <!-- crosscheck:end -->.
# Returns {id => {gateway => w, pyjwt => w, ...}} with w accept, reject or
# the cell's text.
sub doc_rows {
    my ($file) = @_;
    open my $fh, '<', $file or croak "$file: $!";
    my ($in, %rows);
    while (my $l = <$fh>) {
        $in = 1, next if $l =~ /<!-- crosscheck:begin -->/;
        last if $l =~ /<!-- crosscheck:end -->/;
        next unless $in && $l =~ /^\|\s*`([^`]+)`\s*\|/;
        my @cell = map { s/^\s+|\s+$//gr } split /\|/, $l;
        shift @cell;                     # before the first |
        my %r = (gateway => _cell($cell[2]));
        @r{@LIBS} = map { _cell($_) } @cell[3 .. 6];
        $r{rfc} = $cell[7];
        $rows{$1} = \%r;
    }
    return \%rows;
}

sub _cell {
    my ($s) = @_;
    $s //= '';
    return 'accept' if $s =~ /^\**accept/;
    return 'reject' if $s =~ /^\**reject/;
    return $s;
}

# The markdown rows of the disagreements (t/interop/crosscheck-table.pl).
sub table_rows {
    my ($cases, $v) = @_;
    my $d = disagreements($cases, $v);
    my @rows;
    for my $c (@$cases) {
        next unless $d->{$c->{id}};
        my @cells = ("`$c->{id}`", $c->{what}, _gw($c->{expect}));
        for my $lib (@LIBS) {
            my $x = $v->{$c->{id}}{$lib};
            push @cells, !defined $x ? 'not asked'
                : $d->{$c->{id}}{$lib} ? '**' . verdict_word($x) . '**'
                : verdict_word($x);
        }
        push @cells, 'RFC ?';
        push @rows, '| ' . join(' | ', @cells) . ' |';
    }
    return @rows;
}

sub _gw {
    my ($e) = @_;
    return $e eq 'accept' ? 'accept' : $e eq 'reject' ? 'reject'
         : $e =~ s/^reject (\S+)/reject (`$1`)/r;
}

# Test::More checks that the table of docs/SECURITY.md is the one the
# libraries give now: a row for every case where an asked library
# disagrees with the gateway, the row's verdicts those of the libraries
# and of the case, and no row for a case of the set that has none.
sub check_doc {
    my ($cases, $v, $file) = @_;
    my $rows = doc_rows($file);
    my $d = disagreements($cases, $v);
    for my $c (@$cases) {
        my $row = $rows->{$c->{id}};
        if (!$d->{$c->{id}}) {
            Test::More::ok(!$row || !_row_disagrees($row, $c, $v),
                "$c->{id}: the libraries asked agree with the gateway"
                . ($row ? " (a row in $file says otherwise)" : ''));
            next;
        }
        Test::More::ok($row, "$c->{id}: a row in $file ("
            . join(', ', map { "$LIB_NAME{$_} $d->{$c->{id}}{$_}s" }
                         sort keys %{ $d->{$c->{id}} }) . ')')
            or next;
        Test::More::is($row->{gateway}, verdict_word($c->{expect}),
                       "$c->{id}: the row's gateway verdict");
        for my $lib (@LIBS) {
            my $w = verdict_word($v->{$c->{id}}{$lib});
            next unless defined $w;
            Test::More::is($row->{$lib}, $w,
                           "$c->{id}: the row's $LIB_NAME{$lib} verdict");
        }
        Test::More::like($row->{rfc} // '', qr/RFC \d{4}/,
                         "$c->{id}: the row names the RFC that decides it");
    }
}

# the row says that a library asked here disagrees
sub _row_disagrees {
    my ($row, $c, $v) = @_;
    my $gw = verdict_word($c->{expect});
    return grep { defined $v->{$c->{id}}{$_}
                  && ($row->{$_} // '') =~ /^(accept|reject)$/
                  && $row->{$_} ne $gw } @LIBS;
}

1;
