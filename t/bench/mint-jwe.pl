#!/usr/bin/perl
# Mints the JWE tokens of the benchmarks (issue 18) with Crypt::JWT, and
# with CryptX's primitives where Crypt::JWT 0.034 cannot (ECDH-ES: an
# "epk" object and a right Concat KDF, t/lib/JWTGate/JweMint.pm): never
# our own C code.
#
#   perl t/bench/mint-jwe.pl KEYS < SPECS > OUT
#
# KEYS: a private JWKS (t/data/jwe-keys.json); each token is encrypted to
# the public half (or the oct key) of the key of its kid.  SPECS, a token
# a line: "ID ALG ENC KID claims|nested JWS-FILE".  claims: the plaintext
# is the payload of the compact JWS in JWS-FILE (its claims, as bytes);
# nested: the plaintext is that JWS, and the header says "cty":"JWT".
# The header has "kid".  OUT: "ID TOKEN", a line each.
#
# make bench-core mints build/bench-jwe.txt with it (`bench_core --jwe
# --specs` says what); tools/bench.sh mints the tokens of make bench's
# encrypted and nested cases.
use strict;
use warnings;
use Crypt::JWT qw(encode_jwt);
use Crypt::PK::RSA;
use Crypt::PK::ECC;
use Crypt::PK::X25519;
use JSON::PP qw(decode_json encode_json);
use MIME::Base64 qw(decode_base64url);
use lib 't/lib';
use JWTGate::JweMint qw(ecdh_jwe);

my ($keys) = @ARGV;
die "usage: $0 KEYS < SPECS > OUT\n" unless defined $keys;

open my $k, '<', $keys or die "$keys: $!\n";
my %jwk = map { $_->{kid} => $_ }
              @{ decode_json(do { local $/; <$k> })->{keys} };
close $k;

# the key a token is encrypted to: the public half, or the oct secret
sub key_for {
    my ($kid) = @_;
    my $j = $jwk{$kid} or die "$keys: no key $kid\n";
    return decode_base64url($j->{k}) if $j->{kty} eq 'oct';
    my $class = $j->{kty} eq 'RSA' ? 'Crypt::PK::RSA'
              : $j->{kty} eq 'EC' ? 'Crypt::PK::ECC'
              : 'Crypt::PK::X25519';
    my $priv = $class->new(\encode_json($j));
    my $pub = $class->new;
    $pub->import_key(\$priv->export_key_der('public'));
    return $pub;
}

while (my $line = <STDIN>) {
    next unless $line =~ /\S/;
    my ($id, $alg, $enc, $kid, $kind, $file) = split ' ', $line;
    die "bad spec: $line" unless defined $file
        && ($kind eq 'claims' || $kind eq 'nested');
    open my $f, '<', $file or die "$file: $!\n";
    my $jws = do { local $/; <$f> };
    close $f;
    $jws =~ s/\s+\z//;
    my @p = split /\./, $jws;
    die "$file: not a compact JWS\n" unless @p == 3;
    my $plain = $kind eq 'nested' ? $jws : decode_base64url($p[1]);
    my %hdr = (kid => $kid, $kind eq 'nested' ? (cty => 'JWT') : ());
    my $key = key_for($kid);
    my $token = $alg =~ /^ECDH-ES/
        ? ecdh_jwe($plain, $key, $alg, $enc, \%hdr)
        : encode_jwt(payload => $plain, key => $key, alg => $alg,
                     enc => $enc, extra_headers => \%hdr);
    print "$id $token\n";
}
