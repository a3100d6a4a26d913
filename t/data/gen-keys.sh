#!/usr/bin/env bash
# gen-keys.sh: (re)generates the test keys and key sets in t/data/.
#
#   bash t/data/gen-keys.sh           new keys for everything
#   bash t/data/gen-keys.sh --keep    keep the private keys and secrets that
#                                     exist, make only what is missing and
#                                     rebuild every derived file from them
#
# The keys are committed: tests read them and never run this script.  It
# needs only the openssl command and perl with CryptX (Debian package
# libcrypt-jwt-perl).  Everything is made in a scratch directory first and
# moved into place only when all of it succeeded, so a failed run leaves the
# old set as it was.  Running it again gives the same files with new keys
# (with --keep: the same files, byte for byte).
#
# Per key NAME: NAME.pem (private, PKCS#8 PEM), NAME.pub.pem (SPKI PEM) and
# NAME.jwk (the public JWK alone, with "kid":NAME, "use":"sig" and its
# "alg"); rsa1 also has rsa1.pub.der (SPKI DER).
#
#   rsa1, rsa2       RSA 2048, RS256
#   rsa3072          RSA 3072, RS256
#   rsa1024          RSA 1024, RS256: too small, a strict verifier skips it
#   ec256            P-256, ES256
#   ec384            P-384, ES384
#   ec521            P-521, ES512
#   ed25519          Ed25519, EdDSA
#   ed448            Ed448, EdDSA (when this openssl can make it)
#   hs256, hs512     only NAME.jwk: an "oct" key of 32 / 64 random bytes,
#                    "alg" HS256 / HS512
#
# Key sets ({"keys":[...]}, one JWK a line):
#
#   jwks-rsa1.json   rsa1
#   jwks-rsa2.json   rsa2
#   jwks-rsa12.json  rsa1, rsa2
#   jwks-all.json    rsa1 rsa2 rsa3072 ec256 ec384 ec521 ed25519 [ed448]
#   jwks-hmac.json   hs256, hs512
#   jwks-mixed.json  rsa1, then keys a strict verifier must skip:
#                      kid "rsa1024"  the RSA 1024 key (RS256, use sig)
#                      kid "xyz1"     "kty":"XYZ"
#                      kid "p192"     an EC key on P-192 (no private key kept)
#                      kid "enc1"     rsa2's public key with "use":"enc" and
#                                     no "alg": a token signed by rsa2 with
#                                     kid enc1 fails only on the "use"
#   jwks-100.json    100 RSA 2048 keys, kids k000 .. k099 (RS256, use sig);
#                    k042 is rsa1's key, the others are public only: their
#                    private keys are thrown away.

set -euo pipefail

keep=0
case "${1:-}" in
    --keep) keep=1 ;;
    '') ;;
    *) echo "usage: $0 [--keep]" >&2; exit 2 ;;
esac

command -v openssl >/dev/null || { echo "$0: openssl not found" >&2; exit 1; }
perl -MCryptX -MCrypt::PK::RSA -MCrypt::PK::ECC -MJSON::PP -e1 || {
    echo "$0: perl needs CryptX and JSON::PP (libcrypt-jwt-perl)" >&2
    exit 1
}

data=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# name: openssl genpkey arguments
asym_keys=(
    "rsa1:-algorithm RSA -pkeyopt rsa_keygen_bits:2048"
    "rsa2:-algorithm RSA -pkeyopt rsa_keygen_bits:2048"
    "rsa3072:-algorithm RSA -pkeyopt rsa_keygen_bits:3072"
    "rsa1024:-algorithm RSA -pkeyopt rsa_keygen_bits:1024"
    "ec256:-algorithm EC -pkeyopt ec_paramgen_curve:P-256"
    "ec384:-algorithm EC -pkeyopt ec_paramgen_curve:P-384"
    "ec521:-algorithm EC -pkeyopt ec_paramgen_curve:P-521"
    "ed25519:-algorithm ED25519"
    "ed448:-algorithm ED448"
)

# name: secret length in bytes
oct_keys=("hs256:32" "hs512:64")

names=()
for spec in "${asym_keys[@]}"; do
    name=${spec%%:*}
    args=${spec#*:}

    if [ "$keep" = 1 ] && [ -s "$data/$name.pem" ]; then
        cp "$data/$name.pem" "$tmp/$name.pem"
    else
        # shellcheck disable=SC2086
        if ! openssl genpkey $args -out "$tmp/$name.pem" 2>"$tmp/err"; then
            if [ "$name" = ed448 ]; then
                echo "$0: this openssl cannot make Ed448 keys: skipped" >&2
                rm -f "$tmp/$name.pem"
                continue
            fi
            cat "$tmp/err" >&2
            exit 1
        fi
    fi

    openssl pkey -in "$tmp/$name.pem" -pubout -out "$tmp/$name.pub.pem"
    names+=("$name")
done

openssl pkey -pubin -in "$tmp/rsa1.pub.pem" -outform DER \
    -out "$tmp/rsa1.pub.der"

for spec in "${oct_keys[@]}"; do
    name=${spec%%:*}
    len=${spec#*:}

    if [ "$keep" = 1 ] && [ -s "$data/$name.jwk" ]; then
        cp "$data/$name.jwk" "$tmp/$name.old.jwk"
    else
        openssl rand -out "$tmp/$name.secret" "$len"
    fi
done

if [ "$keep" = 1 ]; then
    for set in jwks-100 jwks-mixed; do
        if [ -s "$data/$set.json" ]; then
            cp "$data/$set.json" "$tmp/$set.old.json"
        fi
    done
fi

# The JWKs and key sets, from the keys in $tmp.
perl - "$tmp" "${names[@]}" <<'PERL'
use strict;
use warnings;

use Crypt::PK::ECC;
use Crypt::PK::RSA;
use JSON::PP;
use MIME::Base64 qw(encode_base64url decode_base64url);

my ($dir, @names) = @ARGV;
my %have = map { $_ => 1 } @names;
my $json = JSON::PP->new->canonical;

sub slurp {
    my ($file) = @_;
    open my $fh, '<:raw', $file or die "$file: $!\n";
    local $/;
    my $s = <$fh>;
    close $fh or die "$file: $!\n";
    return $s;
}

sub spew {
    my ($file, $s) = @_;
    open my $fh, '>:raw', $file or die "$file: $!\n";
    print {$fh} $s or die "$file: $!\n";
    close $fh or die "$file: $!\n";
}

sub hex_b64u {
    my ($hex, $bytes) = @_;
    my $bin = pack 'H*', (length($hex) % 2 ? '0' : '') . $hex;
    $bin =~ s/^\0+// unless $bytes;           # RSA n, e: no leading zeros
    $bin = ("\0" x ($bytes - length $bin)) . $bin
        if $bytes && length $bin < $bytes;    # EC x, y: full field length
    return encode_base64url($bin);
}

# One JWK as JSON text, its members in a fixed order.
my @order = qw(kty kid use alg crv n e x y k);

sub jwk_text {
    my ($jwk) = @_;
    my %seen;
    my @members;
    for my $m (@order, sort keys %$jwk) {
        next if $seen{$m}++ || !exists $jwk->{$m};
        push @members, $json->encode($m) . ':' . $json->encode($jwk->{$m});
    }
    return '{' . join(',', @members) . '}';
}

sub jwks_text {
    return qq({"keys":[\n) . join(",\n", map { jwk_text($_) } @_) . "\n]}\n";
}

sub rsa_jwk {
    my ($pk, %m) = @_;
    my $h = $pk->key2hash;
    return { kty => 'RSA', n => hex_b64u($h->{N}), e => hex_b64u($h->{e}),
             %m };
}

my %ec = (
    secp256r1 => ['P-256', 32, 'ES256'],
    secp384r1 => ['P-384', 48, 'ES384'],
    secp521r1 => ['P-521', 66, 'ES512'],
    secp192r1 => ['P-192', 24, undef],
);

sub ec_jwk {
    my ($pk, %m) = @_;
    my $h = $pk->key2hash;
    my $c = $ec{$h->{curve_name}} or die "unexpected curve $h->{curve_name}\n";
    my %jwk = (kty => 'EC', crv => $c->[0],
               x => hex_b64u($h->{pub_x}, $c->[1]),
               y => hex_b64u($h->{pub_y}, $c->[1]));
    $jwk{alg} = $c->[2] if $c->[2];
    return { %jwk, %m };
}

# OKP keys: the raw public key ends the SPKI DER after a fixed prefix.
my %okp = (
    '302a300506032b6570032100' => ['Ed25519', 32],
    '3043300506032b6571033a00' => ['Ed448', 57],
);

sub okp_jwk {
    my ($der, %m) = @_;
    for my $prefix (keys %okp) {
        my ($crv, $len) = @{ $okp{$prefix} };
        my $p = pack 'H*', $prefix;
        next unless length $der == length($p) + $len
                    && substr($der, 0, length $p) eq $p;
        return { kty => 'OKP', crv => $crv,
                 x => encode_base64url(substr $der, length $p), %m };
    }
    die "unexpected OKP public key\n";
}

my %jwk;

for my $name (@names) {
    my $pem = "$dir/$name.pub.pem";
    my %m = (kid => $name, use => 'sig');
    if ($name =~ /^rsa/) {
        $jwk{$name} = rsa_jwk(Crypt::PK::RSA->new($pem), %m, alg => 'RS256');
    } elsif ($name =~ /^ec/) {
        $jwk{$name} = ec_jwk(Crypt::PK::ECC->new($pem), %m);
    } elsif ($name =~ /^ed/) {
        my $der = `openssl pkey -pubin -in '$pem' -outform DER`;
        die "openssl pkey failed for $name\n" if $? || !length $der;
        $jwk{$name} = okp_jwk($der, %m, alg => 'EdDSA');
    } else {
        die "no JWK rule for $name\n";
    }
}

for my $spec (['hs256', 'HS256'], ['hs512', 'HS512']) {
    my ($name, $alg) = @$spec;
    my $k;
    if (-e "$dir/$name.secret") {
        $k = encode_base64url(slurp("$dir/$name.secret"));
    } else {
        $k = $json->decode(slurp("$dir/$name.old.jwk"))->{k}
            or die "$name.jwk has no k\n";
    }
    $jwk{$name} = { kty => 'oct', kid => $name, use => 'sig', alg => $alg,
                    k => $k };
}

for my $name (sort keys %jwk) {
    spew("$dir/$name.jwk", jwk_text($jwk{$name}) . "\n");
}

sub set {
    my ($file, @keys) = @_;
    spew("$dir/$file", jwks_text(map { ref $_ ? $_ : $jwk{$_} } @keys));
}

set('jwks-rsa1.json', 'rsa1');
set('jwks-rsa2.json', 'rsa2');
set('jwks-rsa12.json', 'rsa1', 'rsa2');
set('jwks-all.json',
    grep { $jwk{$_} } qw(rsa1 rsa2 rsa3072 ec256 ec384 ec521 ed25519 ed448));
set('jwks-hmac.json', 'hs256', 'hs512');

sub old_keys {
    my ($set) = @_;
    return () unless -e "$dir/$set.old.json";
    return map { $_->{kid} => $_ }
        @{ $json->decode(slurp("$dir/$set.old.json"))->{keys} };
}

# A P-192 key: valid EC, but no JOSE algorithm uses this curve.
my %old = old_keys('jwks-mixed');
my $p192 = $old{p192};
unless ($p192 && ($p192->{crv} // '') eq 'P-192') {
    my $pk = Crypt::PK::ECC->new;
    $pk->generate_key('secp192r1');
    $p192 = ec_jwk($pk, kid => 'p192', use => 'sig');
}
my %enc1 = %{ $jwk{rsa2} };
delete $enc1{alg};

set('jwks-mixed.json',
    'rsa1',
    'rsa1024',
    { kty => 'XYZ', kid => 'xyz1', use => 'sig', alg => 'RS256',
      x => encode_base64url('not a key type anyone knows') },
    $p192,
    { %enc1, kid => 'enc1', use => 'enc' });

# 100 RSA keys, k042 = rsa1.  With --keep the old extra keys stay.
%old = old_keys('jwks-100');

my @hundred;
for my $i (0 .. 99) {
    my $kid = sprintf 'k%03d', $i;
    my %m = (kid => $kid, use => 'sig', alg => 'RS256');
    if ($i == 42) {
        push @hundred, { %{ $jwk{rsa1} }, %m };
    } elsif ($old{$kid} && $old{$kid}{n} ne $jwk{rsa1}{n}) {
        push @hundred, $old{$kid};
    } else {
        my $pk = Crypt::PK::RSA->new;
        $pk->generate_key(256, 65537);
        push @hundred, rsa_jwk($pk, %m);
    }
}

my %n;
$n{ $_->{n} }++ and die "jwks-100: duplicate key\n" for @hundred;
set('jwks-100.json', @hundred);
PERL

# Into place, every file readable (nginx workers in tests run unprivileged).
rm -f "$tmp"/*.secret "$tmp"/*.old.jwk "$tmp"/*.old.json "$tmp/err"
chmod 0644 "$tmp"/*
case " ${names[*]} " in
    *" ed448 "*) ;;
    *) rm -f "$data/ed448.pem" "$data/ed448.pub.pem" "$data/ed448.jwk" ;;
esac
for name in "${names[@]}"; do
    mv -f "$tmp/$name.pem" "$tmp/$name.pub.pem" "$data/"
done
mv -f "$tmp"/*.jwk "$tmp"/*.json "$tmp/rsa1.pub.der" "$data/"

echo "gen-keys: ${names[*]} hs256 hs512 and the key sets in $data"
