#!/usr/bin/perl
# Mints the JWE fixtures of t/unit/test_jwe.c with Crypt::JWT: fresh keys
# (Crypt::PK: RSA 2048, EC P-256/384/521, X25519; random oct keys), their
# private JWKS, and a token for every key management algorithm x content
# encryption pair jwtgate decrypts.  Never our own output: the decryptor
# under test reads what another implementation wrote.
#
#   perl t/unit/mint-jwe.pl OUT [CORPUS_DIR [KEYS]]
#
# OUT, line by line:
#   jwks <the private JWKS, one line>
#   jwk <kid> <that key's JWK, one line>
#   token <alg> <enc> <kid or -> <plaintext, base64url> <compact JWE>
# CORPUS_DIR (optional): one file per token, a seed corpus for
# t/fuzz/fuzz_jwe.c; KEYS (optional): a private JWKS to use instead of
# fresh keys (t/data/jwe-keys.json, the fuzz target's keys, so that its
# seeds decrypt): t/fuzz/corpus/jwe/ is made with
#   perl t/unit/mint-jwe.pl /dev/null t/fuzz/corpus/jwe t/data/jwe-keys.json
use strict;
use warnings;
use Crypt::JWT qw(encode_jwt);
use Crypt::PK::RSA;
use Crypt::PK::ECC;
use Crypt::PK::X25519;
use Crypt::PRNG qw(random_bytes);
use JSON::PP qw(encode_json decode_json);
use MIME::Base64 qw(encode_base64url);
use lib 't/lib';
use JWTGate::JweMint qw(%ENC_LEN concat_kdf oaep_jwe ecdh_jwe);

my ($out, $corpus) = @ARGV;
die "usage: $0 OUT [CORPUS_DIR]\n" unless defined $out;

# the KDF below on RFC 7518 Appendix C's Z gives its key
die "Concat KDF: not RFC 7518 Appendix C's result\n"
    unless encode_base64url(concat_kdf(16, pack('C*', 158, 86, 217, 29,
        129, 113, 53, 211, 114, 131, 66, 131, 191, 132, 38, 156, 251, 49,
        110, 163, 218, 128, 106, 72, 246, 218, 167, 121, 140, 254, 144, 196),
        'A128GCM',
        'Alice', 'Bob')) eq 'VqqN6vgjbSBcIijNcacQGg';

my $json = JSON::PP->new->canonical;

my (%pk, %jwk, %oct);

if (defined $ARGV[2]) {
    open my $k, '<', $ARGV[2] or die "$ARGV[2]: $!";
    my $set = decode_json(do { local $/; <$k> });
    for my $j (@{ $set->{keys} }) {
        $jwk{ $j->{kid} } = $j;
        if ($j->{kty} eq 'oct') {
            $oct{ length MIME::Base64::decode_base64url($j->{k}) }
                = MIME::Base64::decode_base64url($j->{k});
            next;
        }
        my $class = $j->{kty} eq 'RSA' ? 'Crypt::PK::RSA'
                  : $j->{kty} eq 'EC' ? 'Crypt::PK::ECC'
                  : 'Crypt::PK::X25519';
        $pk{ $j->{kid} } = $class->new(\encode_json($j));
    }
} else {
    $pk{rsa} = Crypt::PK::RSA->new;
    $pk{rsa}->generate_key(256, 65537);
    for my $c (['p256', 'secp256r1'], ['p384', 'secp384r1'],
               ['p521', 'secp521r1']) {
        $pk{$c->[0]} = Crypt::PK::ECC->new;
        $pk{$c->[0]}->generate_key($c->[1]);
    }
    $pk{x25519} = Crypt::PK::X25519->new;
    $pk{x25519}->generate_key;

    for my $kid (keys %pk) {
        $jwk{$kid} = $pk{$kid}->export_key_jwk('private', 1);
        $jwk{$kid}{kid} = $kid;
    }

    for my $n (16, 24, 32, 48, 64) {
        $oct{$n} = random_bytes($n);
        $jwk{"oct$n"} = { kty => 'oct', use => 'enc', kid => "oct$n",
                          k => encode_base64url($oct{$n}) };
    }
}

my %enc_len = %ENC_LEN;
my @encs = sort keys %enc_len;

# alg => the kids whose key encrypts to it (the public half)
my @pairs;
for my $alg (qw(RSA-OAEP RSA-OAEP-256 RSA-OAEP-384 RSA-OAEP-512)) {
    push @pairs, [$alg, 'rsa'];
}
push @pairs, ['A128KW', 'oct16'], ['A192KW', 'oct24'], ['A256KW', 'oct32'],
             ['A128GCMKW', 'oct16'], ['A192GCMKW', 'oct24'],
             ['A256GCMKW', 'oct32'];
for my $alg (qw(ECDH-ES ECDH-ES+A128KW ECDH-ES+A192KW ECDH-ES+A256KW)) {
    push @pairs, map { [$alg, $_] } qw(p256 p384 p521 x25519);
}
push @pairs, ['dir', 'dir'];

open my $fh, '>', "$out.tmp" or die "$out.tmp: $!";

print $fh 'jwks ', $json->encode({ keys => [ map { $jwk{$_} }
                                             sort keys %jwk ] }), "\n";
for my $kid (sort keys %jwk) {
    print $fh "jwk $kid ", $json->encode($jwk{$kid}), "\n";
}

my $i = 0;
for my $p (@pairs) {
    my ($alg, $kid) = @$p;
    for my $enc (@encs) {
        my $key;
        if ($kid eq 'dir') {
            $kid = "oct$enc_len{$enc}";
            $key = $oct{$enc_len{$enc}};
        } elsif ($kid =~ /^oct(\d+)$/) {
            $key = $oct{$1};
        } else {
            my $pub = ref($pk{$kid})->new;
            $pub->import_key(\$pk{$kid}->export_key_der('public'));
            $key = $pub;
        }
        # each pair with kid, and without: found by trying keys
        for my $with_kid (1, 0) {
            my $plain = $json->encode({ sub => 'alice', alg => $alg,
                                        enc => $enc, n => $i++ });
            my $k = $with_kid ? $kid : undef;
            my $token = $alg =~ /^RSA-OAEP-(384|512)$/
                ? oaep_jwe($plain, $key, $alg, $enc,
                           defined $k ? { kid => $k } : {})
                : $alg =~ /^ECDH-ES/
                ? ecdh_jwe($plain, $key, $alg, $enc,
                           defined $k ? { kid => $k } : {}, 'Alice')
                : encode_jwt(payload => $plain, key => $key, alg => $alg,
                             enc => $enc,
                             extra_headers => $with_kid ? { kid => $kid }
                                                        : {});
            print $fh join(' ', 'token', $alg, $enc, $k // '-',
                           encode_base64url($plain), $token), "\n";
            # the corpus: those with kid (the others differ in little)
            if (defined $corpus && defined $k) {
                open my $c, '>', sprintf('%s/%s-%s-%s', $corpus, lc $alg,
                                         lc $enc, $k)
                    or die "$corpus: $!";
                print $c $token;
                close $c;
            }
        }
        $kid = 'dir' if $alg eq 'dir';
    }
}

# a nested JWT (RFC 7519 5.2): an HS256 JWS, encrypted with cty "JWT"; its
# HMAC key as a signature set's JWK
{
    my $hs = random_bytes(32);
    my $jws = encode_jwt(payload => { sub => 'nested', exp => 4102444800 },
                         alg => 'HS256', key => $hs);
    print $fh 'nested ', $json->encode({ kty => 'oct', kid => 'hs',
                                        k => encode_base64url($hs) }), ' ',
        encode_jwt(payload => $jws, alg => 'A128KW', enc => 'A128GCM',
                   key => $oct{16},
                   extra_headers => { kid => 'oct16', cty => 'JWT' }), "\n";
}

# Crypt::JWT's own ECDH-ES token, epk a string: refused as bad_epk
print $fh 'stringepk ', encode_jwt(payload => '{}', key => $pk{p256},
                                   alg => 'ECDH-ES', enc => 'A128GCM'), "\n";

close $fh or die "$out.tmp: $!";

rename "$out.tmp", $out or die "$out: $!";
