#!/usr/bin/env perl
# Self-check of JWTGate::Token and the keys in t/data: every algorithm is
# minted by the helper and verified by Crypt::JWT against the public JWK
# file (Ed448, which Crypt::JWT lacks, by openssl against a key built from
# the JWK), and the key sets hold what t/data/gen-keys.sh says.
#
#   perl t/lib/JWTGate/selftest.pl       (TAP; exit 0 when all pass)

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/..";

use Crypt::JWT qw(decode_jwt);
use Crypt::PK::ECC;
use Crypt::PK::Ed25519;
use Crypt::PK::RSA;
use File::Temp ();
use JSON::PP ();
use Test::More;

use JWTGate::Token;

my $json = JSON::PP->new->canonical;

sub slurp {
    my ($file) = @_;
    open my $fh, '<:raw', $file or die "$file: $!\n";
    local $/;
    return scalar <$fh>;
}

sub jwk  { $json->decode(slurp(key_path($_[0], 'jwk'))) }
sub jwks { $json->decode(slurp(data_dir() . "/$_[0]")) }

sub parts {
    my ($h, $p, $s) = split /\./, $_[0], -1;
    return ($json->decode(b64u_decode($h)), $json->decode(b64u_decode($p)),
            b64u_decode($s), "$h.$p");
}

sub verifies {
    my ($token, $key, %o) = @_;
    return eval {
        decode_jwt(token => $token, key => $key, verify_exp => 1,
                   verify_iss => 'https://issuer.test', verify_aud => 'api',
                   verify_sub => 'alice', %o);
    };
}

# Ed448 through openssl, the public key made from the JWK's x.
sub ed448_verifies {
    my ($token) = @_;
    my (undef, undef, $sig, $data) = parts($token);
    my $der = pack('H*', '3043300506032b6571033a00')
              . b64u_decode(jwk('ed448')->{x});
    my %f;
    for (qw(key data sig)) {
        $f{$_} = File::Temp->new;
        binmode $f{$_};
    }
    print { $f{key} } $der;
    print { $f{data} } $data;
    print { $f{sig} } $sig;
    close $f{$_} for keys %f;
    return system("openssl pkeyutl -verify -pubin -keyform DER -rawin"
                  . " -inkey $f{key} -in $f{data} -sigfile $f{sig}"
                  . " >/dev/null 2>&1") == 0;
}

my %default = (RS256 => 'rsa1', RS384 => 'rsa1', RS512 => 'rsa1',
               PS256 => 'rsa1', PS384 => 'rsa1', PS512 => 'rsa1',
               ES256 => 'ec256', ES384 => 'ec384', ES512 => 'ec521',
               EdDSA => 'ed25519', HS256 => 'hs256', HS384 => 'hs512',
               HS512 => 'hs512');
my %wrong = (rsa1 => 'rsa2', ec256 => 'ec384', ec384 => 'ec256',
             ec521 => 'ec256', ed25519 => 'ed25519', hs256 => 'hs512',
             hs512 => 'hs256');

for my $alg (sort keys %default) {
    my $name = $default{$alg};
    my $pub = jwk($name);
    my %acc = (accepted_alg => $alg);

    my $t = jwt(alg => $alg);
    my ($h, $c) = parts($t);
    is_deeply($h, { alg => $alg, kid => $name }, "$alg: header");
    is($c->{sub}, 'alice', "$alg: default claims");
    ok($c->{exp} - $c->{iat} == 300, "$alg: exp = iat + 300");
    ok(verifies($t, $pub, %acc), "$alg: jwt() verifies under $name.jwk");
    ok(!verifies(tamper_sig($t), $pub, %acc), "$alg: tamper_sig fails");
    ok(!verifies(tamper_payload($t, { sub => 'mallory' }), $pub, %acc),
       "$alg: tamper_payload fails");
    if ($wrong{$name} ne $name) {
        ok(!verifies($t, jwk($wrong{$name}), %acc),
           "$alg: fails under $wrong{$name}.jwk");
    }

    my $r = jwt_raw(alg => $alg,
                    payload => '{"sub":"alice","iss":"https://issuer.test",'
                             . '"aud":"api","n":[1,{"x":null}],"exp":'
                             . (time + 60) . '}');
    ok(verifies($r, $pub, %acc), "$alg: jwt_raw() verifies under $name.jwk");
}

# Ed448.
{
    my $t = jwt(alg => 'EdDSA', key => 'ed448');
    ok(ed448_verifies($t), 'ed448: jwt() verifies under ed448.jwk');
    ok(!ed448_verifies(tamper_sig($t)), 'ed448: tamper_sig fails');
    ok(ed448_verifies(jwt_raw(alg => 'EdDSA', key => 'ed448',
                              payload => '{"a":1,"a":2}')),
       'ed448: jwt_raw() verifies');
    ok(!ed448_verifies(jwt(alg => 'EdDSA')), 'ed448: ed25519 token fails');
}

# Other keys with a non-default alg.
ok(verifies(jwt(alg => 'PS512', key => 'rsa3072'), jwk('rsa3072')),
   'PS512 under rsa3072');
ok(verifies(jwt(key => 'rsa1024'), jwk('rsa1024')), 'RS256 under rsa1024');

# Options.
{
    my ($h) = parts(jwt(kid => undef));
    is_deeply($h, { alg => 'RS256' }, 'kid => undef: no kid');
    ($h) = parts(jwt(kid => 'other', header => { typ => 'JWT', x => [1] }));
    is_deeply($h, { alg => 'RS256', kid => 'other', typ => 'JWT', x => [1] },
              'kid and extra header members');
    my ($c);
    (undef, $c) = parts(jwt(claims => { exp => undef, aud => ['a', 'b'],
                                        nbf => 5 }, now => 1000));
    is_deeply($c, { sub => 'alice', iss => 'https://issuer.test',
                    aud => ['a', 'b'], iat => 1000, nbf => 5 },
              'claims merged, undef deletes, now');

    my $t = jwt(header => { alg => 'none' });
    my $sig;
    ($h, undef, $sig, my $data) = parts($t);
    is($h->{alg}, 'none', 'header alg overridden');
    ok(Crypt::PK::RSA->new(key_path('rsa1', 'pub'))
           ->verify_message($sig, $data, 'SHA256', 'v1.5'),
       '... and still signed RS256 by rsa1');
    ok(!verifies($t, jwk('rsa1')), '... which Crypt::JWT refuses');

    $t = jwt(alg => 'none');
    like($t, qr/^[\w-]+\.[\w-]+\.$/, 'alg none: empty signature');
    ($h) = parts($t);
    is_deeply($h, { alg => 'none' }, 'alg none: no kid');
    like(tamper_sig($t), qr/\.AA$/, 'tamper_sig of an empty signature');

    $t = jwt_raw(header => '{"alg":"HS256"}', payload => '{}', sig => 'xyz');
    is($t, b64u('{"alg":"HS256"}') . '.' . b64u('{}') . '.' . b64u('xyz'),
       'jwt_raw with sig verbatim');
    $t = jwt_raw(header_b64u => 'e30=', payload_b64u => 'e30', sig => '');
    is($t, 'e30=.e30.', 'jwt_raw with segments verbatim');
    ($h) = parts(jwt_raw());
    is_deeply($h, { alg => 'RS256', kid => 'rsa1' }, 'jwt_raw default header');
    ok(verifies(jwt_raw(), jwk('rsa1')), 'jwt_raw defaults verify');

    (undef, $c) = parts(tamper_payload(jwt(), { sub => undef, x => 1 }));
    ok(!exists $c->{sub} && $c->{x} == 1, 'tamper_payload changes claims');
}

# Algorithm confusion: HMAC under the RSA public key's text.
for my $kind (qw(pub der jwk)) {
    my $secret = slurp(key_path('rsa1', $kind));
    my $t = hmac_jwt_with_secret('HS256', $secret, kid => 'rsa1');
    my ($h) = parts($t);
    is_deeply($h, { alg => 'HS256', kid => 'rsa1' }, "confusion $kind: hdr");
    ok(verifies($t, $secret, accepted_alg => 'HS256'),
       "confusion $kind: HMAC under rsa1.$kind text");
    ok(!verifies($t, jwk('rsa1')), "confusion $kind: not under the RSA key");
}
{
    my ($h) = parts(hmac_jwt_with_secret('HS512', 'k'));
    is_deeply($h, { alg => 'HS512' }, 'hmac_jwt_with_secret: no kid');
}

# Key files agree with each other.
for my $name (qw(rsa1 rsa2 rsa3072 rsa1024 ec256 ec384 ec521 ed25519)) {
    my $class = $name =~ /^rsa/ ? 'Crypt::PK::RSA'
              : $name =~ /^ec/  ? 'Crypt::PK::ECC' : 'Crypt::PK::Ed25519';
    my $j = jwk($name);
    is($class->new($j)->export_key_der('public'),
       $class->new(key_path($name, 'pub'))->export_key_der('public'),
       "$name: .jwk = .pub.pem");
    is($class->new(key_path($name, 'pem'))->export_key_der('public'),
       $class->new(key_path($name, 'pub'))->export_key_der('public'),
       "$name: .pem and .pub.pem are a pair");
    is("$j->{kid} $j->{use}", "$name sig", "$name: kid and use");
}
is(slurp(key_path('rsa1', 'der')),
   Crypt::PK::RSA->new(key_path('rsa1', 'pub'))->export_key_der('public'),
   'rsa1.pub.der = rsa1.pub.pem');
is(Crypt::PK::RSA->new(key_path('rsa1024', 'pem'))->size * 8, 1024,
   'rsa1024 is 1024 bits');
is(Crypt::PK::RSA->new(key_path('rsa3072', 'pem'))->size * 8, 3072,
   'rsa3072 is 3072 bits');
is(length b64u_decode(jwk('hs256')->{k}), 32, 'hs256: 32 bytes');
is(length b64u_decode(jwk('hs512')->{k}), 64, 'hs512: 64 bytes');

# Key sets.
sub kids { join ' ', map { $_->{kid} } @{ jwks($_[0])->{keys} } }

is(kids('jwks-rsa1.json'), 'rsa1', 'jwks-rsa1');
is(kids('jwks-rsa2.json'), 'rsa2', 'jwks-rsa2');
is(kids('jwks-rsa12.json'), 'rsa1 rsa2', 'jwks-rsa12');
is(kids('jwks-all.json'),
   'rsa1 rsa2 rsa3072 ec256 ec384 ec521 ed25519 ed448', 'jwks-all');
is(kids('jwks-hmac.json'), 'hs256 hs512', 'jwks-hmac');
is(kids('jwks-mixed.json'), 'rsa1 rsa1024 xyz1 p192 enc1', 'jwks-mixed');
is_deeply(jwks('jwks-all.json')->{keys}[7], jwk('ed448'), 'ed448 in all');
{
    my %m = map { $_->{kid} => $_ } @{ jwks('jwks-mixed.json')->{keys} };
    is($m{xyz1}{kty}, 'XYZ', 'mixed: kty XYZ');
    is($m{p192}{crv}, 'P-192', 'mixed: P-192');
    is("$m{enc1}{use} $m{enc1}{n}", 'enc ' . jwk('rsa2')->{n},
       'mixed: enc1 is rsa2 with use enc');
    ok(!exists $m{enc1}{alg}, 'mixed: enc1 has no alg');
}
{
    my $set = jwks('jwks-100.json');
    my @k = @{ $set->{keys} };
    is(kids('jwks-100.json'), join(' ', map { sprintf 'k%03d', $_ } 0 .. 99),
       'jwks-100 kids');
    my %n = map { $_->{n} => 1 } @k;
    is(scalar keys %n, 100, 'jwks-100: 100 distinct keys');
    is($k[42]{n}, jwk('rsa1')->{n}, 'jwks-100: k042 is rsa1');
    ok(!grep({ Crypt::PK::RSA->new($_)->size != 256 } @k),
       'jwks-100: all RSA 2048');
    ok(eval { decode_jwt(token => jwt(kid => 'k042'), kid_keys => $set) },
       'jwks-100: rsa1 token with kid k042 verifies');
    ok(!eval { decode_jwt(token => jwt(kid => 'k041'), kid_keys => $set) },
       'jwks-100: rsa1 token with kid k041 fails');
}

# Test::Base runs "eval" sections in Test::Base::Filter.
{
    package Test::Base::Filter;
    my $t = eval q{ jwt(claims => { sub => 'bob' }) };
    Test::More::ok(defined $t && $t =~ /^[\w-]+\.[\w-]+\.[\w-]+$/,
                   'jwt() callable in Test::Base::Filter');
}

done_testing();
