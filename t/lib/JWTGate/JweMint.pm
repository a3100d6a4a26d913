package JWTGate::JweMint;

# JWE compact tokens made by hand from CryptX's primitives (RFC 7516 5.1,
# RFC 7518 4.3 and 4.6), for what Crypt::JWT 0.034 cannot make: RSA-OAEP-
# 384/512 (it has neither), and ECDH-ES with an "epk" object and a right
# Concat KDF (it writes epk as a JSON string, takes apu/apv undecoded and
# counts every KDF round as 1, wrong for 64-byte keys).  Never our own C
# code.  Shared by t/lib/JWTGate/Jwe.pm (the Test::Nginx suites) and
# t/unit/mint-jwe.pl (the unit tests' fixtures).

use strict;
use warnings;

use Exporter 'import';
use JSON::PP ();
use MIME::Base64 qw(encode_base64url);

use Crypt::AuthEnc::GCM qw(gcm_encrypt_authenticate);
use Crypt::Digest qw(digest_data);
use Crypt::KeyWrap ();
use Crypt::Mac::HMAC qw(hmac);
use Crypt::Mode::CBC;
use Crypt::PK::ECC;
use Crypt::PK::X25519;
use Crypt::PRNG qw(random_bytes);

our @EXPORT_OK = qw(%ENC_LEN by_hand concat_kdf oaep_jwe ecdh_jwe);

# the CEK's length for each enc, bytes
our %ENC_LEN = ('A128CBC-HS256' => 32, 'A192CBC-HS384' => 48,
                'A256CBC-HS512' => 64, 'A128GCM' => 16, 'A192GCM' => 24,
                'A256GCM' => 32);

my $JSON = JSON::PP->new->canonical;

# RFC 7516 5.1 steps 11-19: the protected header $hdr (alg, enc, ...),
# the CEK and the encrypted key given; AES-GCM, or AES-CBC with HMAC
sub by_hand {
    my ($plain, $hdr, $cek, $ekey) = @_;
    my $enc = $hdr->{enc};
    my $aad = encode_base64url($JSON->encode($hdr));
    my ($iv, $ct, $tag);
    if ($enc =~ /GCM$/) {
        $iv = random_bytes(12);
        ($ct, $tag) = gcm_encrypt_authenticate('AES', $cek, $iv, $aad,
                                               $plain);
    } else {
        my $half = length($cek) / 2;
        # copies: CryptX refuses a substr() (an lvalue) as a key
        my ($mac_key, $enc_key) = (substr($cek, 0, $half),
                                   substr($cek, $half));
        $iv = random_bytes(16);
        $ct = Crypt::Mode::CBC->new('AES', 1)->encrypt($plain, $enc_key, $iv);
        my $al = pack('N2', 0, length($aad) * 8);
        my $h = 'SHA' . ($enc =~ /HS(\d+)$/)[0];
        $tag = substr(hmac($h, $mac_key, $aad . $iv . $ct . $al), 0, $half);
    }
    return join('.', $aad, map { encode_base64url($_) }
                               ($ekey, $iv, $ct, $tag));
}

# RFC 7518 4.6.2's Concat KDF with SHA-256: $len bytes from the shared
# secret $z, AlgorithmID $id, PartyUInfo $apu and PartyVInfo $apv (the
# decoded bytes; '' for none)
sub concat_kdf {
    my ($len, $z, $id, $apu, $apv) = @_;
    $apu //= '';
    $apv //= '';
    my $out = '';
    for (my $i = 1; length($out) < $len; $i++) {
        $out .= digest_data('SHA256', pack('N', $i) . $z
                            . pack('N', length $id) . $id
                            . pack('N', length $apu) . $apu
                            . pack('N', length $apv) . $apv
                            . pack('N', $len * 8));
    }
    return substr($out, 0, $len);
}

# RSA-OAEP-$n with CryptX (libtomcrypt's OAEP, MGF1 with the same hash);
# $hdr: more header members (kid, cty, ...)
sub oaep_jwe {
    my ($plain, $pub, $alg, $enc, $hdr) = @_;
    my $hash = $alg eq 'RSA-OAEP' ? 'SHA1' : 'SHA' . ($alg =~ /(\d+)$/)[0];
    my $cek = random_bytes($ENC_LEN{$enc});
    return by_hand($plain, { %{$hdr // {}}, alg => $alg, enc => $enc },
                   $cek, $pub->encrypt($cek, 'oaep', $hash));
}

# ECDH-ES and ECDH-ES+A*KW to $pub (Crypt::PK::ECC or ::X25519); $apu
# (optional) goes into the header as base64url and into the KDF decoded
sub ecdh_jwe {
    my ($plain, $pub, $alg, $enc, $hdr, $apu) = @_;
    my $eph = ref($pub) eq 'Crypt::PK::X25519'
        ? Crypt::PK::X25519->new->generate_key
        : Crypt::PK::ECC->new->generate_key($pub->curve2hash);
    my $z = $eph->shared_secret($pub);
    my %h = (%{$hdr // {}}, alg => $alg, enc => $enc,
             epk => $eph->export_key_jwk('public', 1),
             defined $apu ? (apu => encode_base64url($apu)) : ());
    my ($cek, $ekey);
    if ($alg eq 'ECDH-ES') {
        $cek = concat_kdf($ENC_LEN{$enc}, $z, $enc, $apu);
        $ekey = '';
    } else {
        my $kek = concat_kdf(($alg =~ /A(\d+)KW/)[0] / 8, $z, $alg, $apu);
        $cek = random_bytes($ENC_LEN{$enc});
        $ekey = Crypt::KeyWrap::aes_key_wrap($kek, $cek);
    }
    return by_hand($plain, \%h, $cek, $ekey);
}

1;
