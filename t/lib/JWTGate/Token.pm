package JWTGate::Token;

# Test helper: mints JWTs at test time with Crypt::JWT and CryptX, never
# with our own C code, from the keys in t/data/ (see t/data/gen-keys.sh).
#
#   use lib 't/lib';
#   use JWTGate::Token;
#
#   --- more_headers eval
#   "Authorization: Bearer " . jwt(claims => {sub => 'alice'})
#
# Every function below is exported into the package that says "use" and
# into Test::Base::Filter, where Test::Base runs "eval" sections.
#
#   jwt(%o)                 a signed compact JWS (see "sub jwt")
#   jwt_raw(%o)             a token from exact header / payload JSON text
#   hmac_jwt_with_secret($alg, $secret, %o)
#                           an HS* token under any secret bytes
#   tamper_sig($token)      one bit of the signature flipped
#   tamper_payload($token, \%claims)
#                           claims changed, the old signature kept
#   b64u($bytes), b64u_decode($text)
#   key_path($name, $kind)  $kind: pem (default), pub, jwk or der
#   data_dir()              absolute path of t/data

use strict;
use warnings;

use Carp qw(croak);
use Cwd ();
use File::Basename ();
use File::Spec;
use File::Temp ();
use JSON::PP ();
use MIME::Base64 ();

use Crypt::JWT ();
use Crypt::Mac::HMAC ();
use Crypt::PK::ECC;
use Crypt::PK::Ed25519;
use Crypt::PK::RSA;

our @EXPORT = qw(jwt jwt_raw hmac_jwt_with_secret tamper_sig tamper_payload
                 b64u b64u_decode key_path data_dir error_page);

my $DATA_DIR = do {
    my $file = File::Spec->rel2abs(__FILE__);
    my $dir = File::Spec->catdir(File::Basename::dirname($file),
                                 File::Spec->updir, File::Spec->updir,
                                 'data');
    Cwd::abs_path($dir) // $dir;
};

my $JSON = JSON::PP->new->canonical;

# Every block of every suite that uses this helper also asserts that no
# nginx process died of a signal: a worker crash fails the block even
# when its answers happened to look right (a master respawned it).
my $CRASH = 'exited on signal';
my $guarded;

sub _no_crash {
    my ($block) = @_;
    my $pats = $block->no_error_log;

    if (!defined $pats) {
        $pats = $CRASH;

    } elsif (ref $pats eq 'ARRAY') {
        $pats = [@$pats, $CRASH];

    } elsif (ref $pats eq 'Regexp') {
        $pats = [$pats, $CRASH];

    } else {
        $pats =~ s/\n*\z/\n$CRASH\n/;
    }

    $block->set_value('no_error_log', $pats);
}

sub import {
    my $caller = caller;

    if (!$guarded && defined &Test::Nginx::Socket::add_block_preprocessor) {
        &Test::Nginx::Socket::add_block_preprocessor(\&_no_crash);
        $guarded = 1;
    }

    no strict 'refs';
    for my $pkg ($caller, 'Test::Base::Filter') {
        for my $f (@EXPORT) {
            *{"${pkg}::$f"} = \&{"JWTGate::Token::$f"};
        }
    }
}


sub data_dir { return $DATA_DIR }

# nginx's own error page for a status: a pattern of its title, e.g.
# <title>401 Authorization Required</title> (a body check for a request
# whose status says it all, where Test::Nginx wants one per request)
sub error_page {
    my ($code) = @_;
    croak "error_page: not a 4xx or 5xx status: $code"
        unless defined $code && $code =~ /^[45]\d\d$/;
    return qr{<title>\Q$code\E [^<]+</title>};
}

my %SUFFIX = (pem => '.pem', pub => '.pub.pem', jwk => '.jwk',
              der => '.pub.der');

sub key_path {
    my ($name, $kind) = @_;
    $kind //= 'pem';
    croak "key_path: no key name" unless defined $name && length $name;
    my $suffix = $SUFFIX{$kind}
        or croak "key_path: kind '$kind' is not one of pem pub jwk der";
    my $path = File::Spec->catfile($DATA_DIR, "$name$suffix");
    croak "key_path: no $path (run t/data/gen-keys.sh?)" unless -e $path;
    return $path;
}

sub b64u {
    my ($bytes) = @_;
    return MIME::Base64::encode_base64url($bytes // '');
}

sub b64u_decode {
    my ($text) = @_;
    return MIME::Base64::decode_base64url($text // '');
}

sub _slurp {
    my ($file) = @_;
    open my $fh, '<:raw', $file or croak "$file: $!";
    local $/;
    my $s = <$fh>;
    close $fh;
    return $s;
}

# The default key name of an algorithm.
sub _default_key {
    my ($alg) = @_;
    return undef if $alg eq 'none';
    return 'rsa1' if $alg =~ /^[RP]S(256|384|512)$/;
    my %name = (ES256 => 'ec256', ES384 => 'ec384', ES512 => 'ec521',
                EdDSA => 'ed25519', HS256 => 'hs256', HS384 => 'hs512',
                HS512 => 'hs512');
    return $name{$alg} // croak "jwt: no default key for alg '$alg'";
}

# The signing key of an algorithm, from a key name: a CryptX object, the
# raw secret for HS*, or the PEM path for Ed448 (signed with openssl).
my %KEYS;

sub _key {
    my ($alg, $name) = @_;
    return undef if $alg eq 'none';
    croak "jwt: alg '$alg' needs a key" unless defined $name;
    return $name if ref $name;              # a key object of the caller

    return $KEYS{"$alg $name"} //= do {
        if ($alg =~ /^HS/) {
            my $jwk = $JSON->decode(_slurp(key_path($name, 'jwk')));
            croak "jwt: $name is not an oct key"
                unless ($jwk->{kty} // '') eq 'oct';
            b64u_decode($jwk->{k});
        } elsif ($alg =~ /^[RP]S/) {
            Crypt::PK::RSA->new(key_path($name, 'pem'));
        } elsif ($alg =~ /^ES/) {
            Crypt::PK::ECC->new(key_path($name, 'pem'));
        } elsif ($alg eq 'EdDSA' && $name eq 'ed448') {
            \key_path($name, 'pem');
        } elsif ($alg eq 'EdDSA') {
            Crypt::PK::Ed25519->new(key_path($name, 'pem'));
        } else {
            croak "jwt: unknown alg '$alg'";
        }
    };
}

# The JOSE signature of $data: straight CryptX (and openssl for Ed448).
sub _sign {
    my ($alg, $key, $data) = @_;

    return '' if $alg eq 'none';

    my ($bits) = $alg =~ /(\d+)$/;

    if ($alg =~ /^HS(256|384|512)$/) {
        return Crypt::Mac::HMAC::hmac("SHA$1", $key, $data);
    }
    if ($alg =~ /^RS(256|384|512)$/) {
        return $key->sign_message($data, "SHA$1", 'v1.5');
    }
    if ($alg =~ /^PS(256|384|512)$/) {
        return $key->sign_message($data, "SHA$1", 'pss', $1 / 8);
    }
    if ($alg =~ /^ES(256|384|512)$/) {
        return $key->sign_message_rfc7518($data, "SHA$1");
    }
    if ($alg eq 'EdDSA' && ref $key eq 'SCALAR') {
        return _openssl_sign($$key, $data);
    }
    if ($alg eq 'EdDSA') {
        return $key->sign_message($data);
    }
    croak "jwt: cannot sign with alg '$alg'";
}

sub _openssl_sign {
    my ($pem, $data) = @_;
    my $in = File::Temp->new;
    binmode $in;
    print {$in} $data;
    close $in;
    my $out = File::Temp->new;
    system('openssl', 'pkeyutl', '-sign', '-rawin', '-inkey', $pem,
           '-in', $in->filename, '-out', $out->filename) == 0
        or croak "jwt: openssl pkeyutl -sign failed for $pem";
    return _slurp($out->filename);
}

# %$base with %$over on it: an undef value deletes the member.
sub _merge {
    my ($base, $over, $what) = @_;
    return $base unless defined $over;
    croak "jwt: $what must be a hash reference" unless ref $over eq 'HASH';
    my %m = %$base;
    for my $k (keys %$over) {
        if (defined $over->{$k}) {
            $m{$k} = $over->{$k};
        } else {
            delete $m{$k};
        }
    }
    return \%m;
}

sub _default_claims {
    my ($now) = @_;
    $now //= time;
    return { sub => 'alice', iss => 'https://issuer.test', aud => 'api',
             iat => $now + 0, exp => $now + 300 };
}

# The token of a header and claims hash, signed with $alg under $key.
sub _mint {
    my ($alg, $key, $header, $claims) = @_;

    # Crypt::JWT when it can say this header; else by hand.
    if (defined $header->{alg} && $header->{alg} eq $alg && $alg ne 'none'
        && ref $key ne 'SCALAR')
    {
        my %extra = %$header;
        delete $extra{alg};
        return Crypt::JWT::encode_jwt(payload => $claims, alg => $alg,
                                      key => $key, extra_headers => \%extra);
    }

    my $data = b64u($JSON->encode($header)) . '.'
               . b64u($JSON->encode($claims));
    return $data . '.' . b64u(_sign($alg, $key, $data));
}

# jwt(%o): a signed compact JWS.
#   alg     signing algorithm (default RS256); 'none' gives an empty
#           signature
#   key     key name in t/data (default from alg: RS*/PS* rsa1, ES256
#           ec256, ES384 ec384, ES512 ec521, EdDSA ed25519, HS256 hs256,
#           HS384/HS512 hs512; ed448 works with EdDSA too)
#   kid     the kid header (default: the key name; undef: no kid)
#   header  members over {alg, kid}; undef deletes one.  A header alg other
#           than the signing alg makes a confused token on purpose
#   claims  members over {sub alice, iss https://issuer.test, aud api,
#           iat now, exp now+300}; undef deletes one
#   now     the time the default iat / exp are counted from
sub jwt {
    my %o = @_;
    my $alg = exists $o{alg} ? $o{alg} : 'RS256';
    croak "jwt: alg undefined" unless defined $alg;
    my $name = exists $o{key} ? $o{key} : _default_key($alg);
    my $kid = exists $o{kid} ? $o{kid} : (ref $name ? undef : $name);

    my %header = (alg => $alg);
    $header{kid} = $kid if defined $kid;

    return _mint($alg, _key($alg, $name),
                 _merge(\%header, $o{header}, 'header'),
                 _merge(_default_claims($o{now}), $o{claims}, 'claims'));
}

# hmac_jwt_with_secret($alg, $secret, %o): an HS256/384/512 token whose
# HMAC key is $secret, any bytes (e.g. the text of rsa1.pub.pem); %o as for
# jwt() but without key, and kid is left out unless given.
sub hmac_jwt_with_secret {
    my ($alg, $secret, %o) = @_;
    croak "hmac_jwt_with_secret: alg '$alg' is not HS*"
        unless defined $alg && $alg =~ /^HS(256|384|512)$/;
    croak "hmac_jwt_with_secret: no secret" unless defined $secret;

    my %header = (alg => $alg);
    $header{kid} = $o{kid} if defined $o{kid};

    return _mint($alg, $secret, _merge(\%header, $o{header}, 'header'),
                 _merge(_default_claims($o{now}), $o{claims}, 'claims'));
}

# jwt_raw(%o): a token from exact JSON text.
#   header        header JSON text (default: {"alg":ALG,"kid":KEY} as jwt()
#                 would make it)
#   payload       payload JSON text (default: the default claims)
#   header_b64u   the first segment verbatim, instead of b64u(header)
#   payload_b64u  the second segment verbatim, instead of b64u(payload)
#   sig           signature bytes used verbatim ('' for an empty one);
#                 else the signature of "segment1.segment2" under
#   alg, key      as for jwt() (default RS256 with its default key)
sub jwt_raw {
    my %o = @_;
    my $alg = exists $o{alg} ? $o{alg} : 'RS256';
    my $name = exists $o{key} ? $o{key}
             : exists $o{sig} ? undef
             : _default_key($alg);

    my $header = $o{header};
    unless (defined $header) {
        my %h = (alg => $alg);
        $h{kid} = $name if defined $name && !ref $name;
        $header = $JSON->encode(\%h);
    }
    my $payload = $o{payload} // $JSON->encode(_default_claims($o{now}));

    my $data = ($o{header_b64u} // b64u($header)) . '.'
               . ($o{payload_b64u} // b64u($payload));

    my $sig = exists $o{sig} ? $o{sig} // ''
                             : _sign($alg, _key($alg, $name), $data);
    return $data . '.' . b64u($sig);
}

sub _split {
    my ($token, $who) = @_;
    croak "$who: no token" unless defined $token;
    my @p = split /\./, $token, -1;
    croak "$who: '$token' is not a compact JWS" unless @p == 3;
    return @p;
}

# tamper_sig($token): the token with one bit of its signature flipped (an
# empty signature becomes one zero byte).
sub tamper_sig {
    my ($h, $p, $s) = _split($_[0], 'tamper_sig');
    my $sig = b64u_decode($s);
    if (length $sig) {
        my $i = int(length($sig) / 2);
        substr($sig, $i, 1) = chr(ord(substr $sig, $i, 1) ^ 0x01);
    } else {
        $sig = "\0";
    }
    return "$h.$p." . b64u($sig);
}

# tamper_payload($token, \%claims): the payload decoded, the claims changed
# (undef deletes one), encoded again; header and signature untouched.
sub tamper_payload {
    my ($token, $claims) = @_;
    my ($h, $p, $s) = _split($token, 'tamper_payload');
    my $payload = $JSON->decode(b64u_decode($p));
    croak "tamper_payload: the payload is not a JSON object"
        unless ref $payload eq 'HASH';
    $payload = _merge($payload, $claims // {}, 'claims');
    return "$h." . b64u($JSON->encode($payload)) . ".$s";
}

1;
