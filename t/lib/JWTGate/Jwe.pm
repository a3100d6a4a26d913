package JWTGate::Jwe;

# Test helper: encrypted tokens (JWE, RFC 7516 compact) minted at test
# time, never by our own C code: Crypt::JWT's encode_jwt() for what it
# can say, CryptX's primitives by hand (RFC 7516 5.1) for what it cannot
# (Crypt::JWT 0.034 has no RSA-OAEP-384/512, and writes an ECDH-ES "epk"
# as a JSON string, not the object RFC 7518 4.6.1.1 wants).
#
#   use lib 't/lib';
#   use JWTGate::Token;
#   use JWTGate::Jwe;
#
#   jwe_setup();            fresh decryption keys, written to
#                           $ENV{TEST_NGINX_JWE_DIR}/dec.json (mode 0600,
#                           every private key and oct key, with "use":"enc"),
#                           mixed.json (those and t/data/jwks-all.json's
#                           signature keys in one file), dec-world.json
#                           (dec.json, mode 0644), dec-oct.json (its oct
#                           keys alone); the JWKS text too:
#                           jwe_jwks()
#   jwe_twin_jwks($how, @kids)
#                           a JWKS of the decryption keys @kids (of
#                           dec.json) in another role: 'public' their
#                           public halves (an oct key: its secret as a
#                           bare HMAC key), 'both' the private keys
#                           without "use" (each also a signature key)
#   jwe(%o)                 a compact JWE (see "sub jwe")
#   nested(%o)              a JWE (cty "JWT") around jwt(%{$o{jws}})
#   jwe_jwk($name, $other)  the JWK an issuer encrypts to (for the
#                           libraries of t/103-jwe-interop.t): key $name's
#                           public part, or the oct key, kid $name; $other
#                           true: the other key of that kid
#   jwe_part($token, $i, $bytes)
#                           part $i (0 header .. 4 tag) replaced
#   jwe_flip($token, $i)    one bit of part $i's bytes flipped
#   @JWE_PAIRS              [alg, key] of every key management algorithm
#   @JWE_ENCS               every content encryption algorithm

use strict;
use warnings;

use Carp qw(croak);
use File::Spec;
use File::Temp ();
use JSON::PP ();
use MIME::Base64 qw(encode_base64url decode_base64url);

use Crypt::JWT ();
use Crypt::PK::ECC;
use Crypt::PK::RSA;
use Crypt::PK::X25519;
use Crypt::PRNG qw(random_bytes);

use JWTGate::Token ();
use JWTGate::JweMint qw(%ENC_LEN oaep_jwe ecdh_jwe);

our @JWE_ENCS = qw(A128CBC-HS256 A192CBC-HS384 A256CBC-HS512
                   A128GCM A192GCM A256GCM);

our @JWE_PAIRS = (
    (map { [$_, 'rsa'] } qw(RSA-OAEP RSA-OAEP-256 RSA-OAEP-384
                            RSA-OAEP-512)),
    ['A128KW', 'oct16'], ['A192KW', 'oct24'], ['A256KW', 'oct32'],
    ['A128GCMKW', 'oct16'], ['A192GCMKW', 'oct24'], ['A256GCMKW', 'oct32'],
    (map { my $a = $_; map { [$a, $_] } qw(p256 p384 p521 x25519) }
         qw(ECDH-ES ECDH-ES+A128KW ECDH-ES+A192KW ECDH-ES+A256KW)),
    ['dir', 'dir'],
);

our @EXPORT = qw(jwe_setup jwe_jwks jwe_twin_jwks jwe nested jwe_jwk jwe_part
                 jwe_flip);


my $JSON = JSON::PP->new->canonical;

# $KEYS{mine}: the keys nginx decrypts with; $KEYS{other}: others of the
# same kids (a token for them is one nginx cannot decrypt)
our %KEYS; my ($JWKS, $DIR);

sub import {
    my $caller = caller;

    no strict 'refs';
    for my $pkg ($caller, 'Test::Base::Filter') {
        for my $f (@EXPORT) {
            *{"${pkg}::$f"} = \&{"JWTGate::Jwe::$f"};
        }
        *{"${pkg}::JWE_PAIRS"} = \@JWE_PAIRS;
        *{"${pkg}::JWE_ENCS"} = \@JWE_ENCS;
    }
}

sub _keys {
    my %k;

    $k{rsa} = Crypt::PK::RSA->new;
    $k{rsa}->generate_key(256, 65537);
    for my $c (['p256', 'secp256r1'], ['p384', 'secp384r1'],
               ['p521', 'secp521r1']) {
        $k{$c->[0]} = Crypt::PK::ECC->new;
        $k{$c->[0]}->generate_key($c->[1]);
    }
    $k{x25519} = Crypt::PK::X25519->new;
    $k{x25519}->generate_key;
    for my $n (16, 24, 32, 48, 64) {
        $k{"oct$n"} = random_bytes($n);
    }

    return \%k;
}

sub _jwk {
    my ($kid, $key) = @_;
    my $jwk = ref $key ? $key->export_key_jwk('private', 1)
                       : { kty => 'oct', k => encode_base64url($key) };
    $jwk->{kid} = $kid;
    $jwk->{use} = 'enc';
    return $jwk;
}

sub jwe_setup {
    $KEYS{mine} = _keys();
    $KEYS{other} = _keys();

    my @jwks = map { _jwk($_, $KEYS{mine}{$_}) } sort keys %{$KEYS{mine}};
    $JWKS = $JSON->encode({ keys => \@jwks });

    $DIR = File::Temp::tempdir('jwtgate-jwe-XXXXXX', TMPDIR => 1,
                               CLEANUP => 1);
    _write("$DIR/dec.json", $JWKS);
    # the same, readable by others: nginx -t warns
    _write("$DIR/dec-world.json", $JWKS);
    chmod 0644, "$DIR/dec-world.json" or croak "$DIR/dec-world.json: $!";

    # the secret keys alone (dir, A*KW, A*GCMKW): what an encrypted
    # location should use
    _write("$DIR/dec-oct.json",
           $JSON->encode({ keys => [grep { $_->{kty} eq 'oct' } @jwks] }));

    my $all = $JSON->decode(JWTGate::Token::_slurp(
        File::Spec->catfile(JWTGate::Token::data_dir(), 'jwks-all.json')));
    _write("$DIR/mixed.json",
           $JSON->encode({ keys => [@{$all->{keys}}, @jwks] }));

    $ENV{TEST_NGINX_JWE_DIR} = $DIR;
}

sub _write {
    my ($path, $text) = @_;
    open my $fh, '>', $path or croak "$path: $!";
    print $fh $text;
    close $fh or croak "$path: $!";
    chmod 0600, $path or croak "$path: $!";
}

sub jwe_jwks { return $JWKS }

sub jwe_twin_jwks {
    my ($how, @kids) = @_;
    my @jwks;
    for my $kid (@kids) {
        my $key = $KEYS{mine}{$kid} // croak "jwe_twin_jwks: no key $kid";
        my $jwk;
        if ($how eq 'public') {
            $jwk = ref $key ? $key->export_key_jwk('public', 1)
                            : { kty => 'oct', k => encode_base64url($key) };
        } elsif ($how eq 'both') {
            $jwk = _jwk($kid, $key);
            delete $jwk->{use};
        } else {
            croak "jwe_twin_jwks: $how";
        }
        $jwk->{kid} = "$kid-$how";
        push @jwks, $jwk;
    }
    return $JSON->encode({ keys => \@jwks });
}

sub _default_key {
    my ($alg, $enc) = @_;
    return 'rsa' if $alg =~ /^RSA/;
    return 'p256' if $alg =~ /^ECDH-ES/;
    return 'oct' . ($1 / 8) if $alg =~ /^A(\d+)/;
    return 'oct' . $ENC_LEN{$enc} if $alg eq 'dir';
    return 'rsa';
}

sub _public {
    my ($key) = @_;
    return $key unless ref $key;
    my $pub = ref($key)->new;
    $pub->import_key(\$key->export_key_der('public'));
    return $pub;
}

# jwe(%o): a compact JWE.
#   alg      key management (default RSA-OAEP-256)
#   enc      content encryption (default A256GCM)
#   key      the kid of the key it is encrypted to (default from alg:
#            RSA* rsa, A128* oct16, A192* oct24, A256* oct32, ECDH-ES*
#            p256, dir the oct key of enc's length)
#   kid      the kid header (default: key; undef: none)
#   other    1: encrypted to another key of that kid (nginx has not it)
#   claims   members over JWTGate::Token's default claims; undef deletes
#   plain    the plaintext bytes, instead of claims
#   header   more header members (cty, typ, zip, crit, ...)
sub jwe {
    my %o = @_;
    my $alg = $o{alg} // 'RSA-OAEP-256';
    my $enc = $o{enc} // 'A256GCM';
    my $name = $o{key} // _default_key($alg, $enc);
    my $kid = exists $o{kid} ? $o{kid} : $name;
    my $key = $KEYS{$o{other} ? 'other' : 'mine'}{$name};
    croak "jwe: no key $name (jwe_setup()?)" unless defined $key;

    my $plain = $o{plain};
    if (!defined $plain) {
        my $claims = JWTGate::Token::_merge(
            JWTGate::Token::_default_claims(), $o{claims}, 'claims');
        # UTF-8 bytes, as a JWS payload is (RFC 7519 7.1)
        $plain = JSON::PP->new->canonical->utf8->encode($claims);
    }

    my %hdr = %{$o{header} // {}};
    $hdr{kid} = $kid if defined $kid;
    my $pub = _public($key);

    if ($alg =~ /^RSA-OAEP-(384|512)$/) {
        return oaep_jwe($plain, $pub, $alg, $enc, \%hdr);
    }

    if ($alg =~ /^ECDH-ES/) {
        return ecdh_jwe($plain, $pub, $alg, $enc, \%hdr);
    }

    return Crypt::JWT::encode_jwt(payload => $plain, key => $pub,
                                  alg => $alg, enc => $enc,
                                  extra_headers => \%hdr,
                                  $o{zip} ? (zip => $o{zip}) : ());
}

# nested(%o): jwe(%o) around the signed token jwt(%{$o{jws}}), cty "JWT"
sub nested {
    my %o = @_;
    my $inner = $o{inner} // JWTGate::Token::jwt(%{$o{jws} // {}});
    my %hdr = (cty => 'JWT', %{$o{header} // {}});
    delete $hdr{cty} if exists $o{header} && exists $o{header}{cty}
                        && !defined $o{header}{cty};
    return jwe(%o, plain => $inner, header => \%hdr);
}

sub jwe_jwk {
    my ($name, $other) = @_;
    my $key = $KEYS{$other ? 'other' : 'mine'}{$name};
    croak "jwe_jwk: no key $name (jwe_setup()?)" unless defined $key;
    my $jwk = ref $key ? _public($key)->export_key_jwk('public', 1)
                       : { kty => 'oct', k => encode_base64url($key) };
    $jwk->{kid} = $name;
    return $jwk;
}

sub jwe_part {
    my ($token, $i, $bytes) = @_;
    my @p = split /\./, $token, -1;
    $p[$i] = encode_base64url($bytes);
    return join '.', @p;
}

sub jwe_flip {
    my ($token, $i) = @_;
    my @p = split /\./, $token, -1;
    my $b = decode_base64url($p[$i]);
    croak "jwe_flip: part $i is empty" unless length $b;
    substr($b, length($b) - 1, 1) ^= "\x01";
    $p[$i] = encode_base64url($b);
    return join '.', @p;
}

1;
