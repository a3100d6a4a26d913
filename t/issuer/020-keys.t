# jwtgate-issuer keys: rotation on SIGHUP (published first, signing after the
# delay, the old key kept until its tokens expired), keys kept across a
# restart, ES256 with an operator's PEM key, and --rotate-every.
# Lifetimes and delays are a few seconds: the file runs in about 10 s.

use strict;
use warnings;

use File::Basename ();
use lib File::Basename::dirname(__FILE__) . '/../lib';

use File::Copy ();
use File::Temp ();
use Test::More;
use Time::HiRes qw(time sleep);

use Crypt::PK::ECC;
use Crypt::PK::RSA;

use JWTGate::Issuer;
use JWTGate::Token ();

my $hash = JWTGate::Issuer::hash_password('pw');
my @users = ("alice:$hash:user");

# under valgrind everything is slower: so are the times asked for
my $k = JWTGate::Issuer::valgrind() ? 10 : 1;

# Polls $cond every 0.1 s until it is true or $secs have passed.
sub wait_for {
    my ($secs, $cond) = @_;
    my $deadline = time + $secs;
    until ($cond->()) {
        return 0 if time > $deadline;
        sleep 0.1;
    }
    return 1;
}

sub kid_of { JWTGate::Issuer::header_of($_[0])->{kid} }

sub pem_files {
    my ($dir) = @_;
    opendir my $dh, $dir or die "$dir: $!";
    return sort grep { /\.pem\z/ } readdir $dh;
}

# --- rotation on SIGHUP -----------------------------------------------------

my $iss = JWTGate::Issuer->start(
    users => \@users,
    args => ['--lifetime', 3 * $k, '--rotation-delay', 2 * $k,
             '--retire-grace', 0, '--jwks-max-age', 1],
);

my $t1 = $iss->login('alice', 'pw');
my $old = kid_of($t1);
is_deeply [$iss->kids], [$old], 'one key at start';
is_deeply [pem_files($iss->key_dir)], ["$old.pem"],
    'it is saved as <kid>.pem';
is +(stat($iss->key_dir . "/$old.pem"))[2] & 07777, 0600, '... mode 0600';

my $rsa = Crypt::PK::RSA->new($iss->key_dir . "/$old.pem");
is $rsa->export_key_jwk_thumbprint('SHA256'), $old,
    'the kid is the RFC 7638 thumbprint';

my $hup = time;
$iss->signal('HUP');

ok wait_for(3 * $k, sub { $iss->kids == 2 }), 'SIGHUP: the JWKS has two keys';
my $published = time;
my ($new) = grep { $_ ne $old } $iss->kids;
ok $new, 'a new kid is published';
is +(() = pem_files($iss->key_dir)), 2, 'the new key is saved too';

my $t2 = $iss->login('alice', 'pw');
SKIP: {
    # the delay counts whole seconds: the switch comes 1 to 2 s after
    skip 'this login came 1 s or more after the new key', 1
        if time - $published >= 1 * $k;
    is kid_of($t2), $old, 'before the delay: still signed by the old key';
}

# the old key's last token: its expiry is when the key may leave
my $last_old = kid_of($t2) eq $old ? $t2 : $t1;
my $t3;

ok wait_for(4 * $k, sub {
        my $t = $iss->login('alice', 'pw');
        if (kid_of($t) eq $old) {
            $last_old = $t;
            return 0;
        }
        $t3 = $t;
        return 1;
    }), 'after the delay: signed by the new key';
my $switch = time - $published;
ok $switch >= 0.9 * $k,
    sprintf 'not before the delay (%.1f s after the new key appeared)',
            $switch;

my $jwks = $iss->jwks;
is scalar @{$jwks->{keys}}, 2, 'both keys are still published';
# the first token may have expired under valgrind: its signature counts
for my $t ([$t1, 'first', 0], [$t2, 'pre-delay', 1], [$t3, 'new', 1]) {
    ok eval { $iss->verify($t->[0], jwks => $jwks, exp => $t->[2]) },
        "the $t->[1] token verifies against the JWKS" or diag $@;
}

# the old key leaves once its last token has expired
my $last_exp = ($iss->verify($last_old))[1]{exp};
ok wait_for(6 * $k, sub { $iss->kids == 1 }), 'the old key is dropped';
ok time >= $last_exp, 'not before its last token expired';
is_deeply [$iss->kids], [$new], 'the new key stays';
is_deeply [pem_files($iss->key_dir)], ["$new.pem"], 'its file is removed';

my $log = $iss->log_text;
like $log, qr/key \Q$new\E published, signs from/, 'log: published';
like $log, qr/key \Q$new\E signs now/, 'log: signs';
like $log, qr/key \Q$old\E retired, in the JWKS until/, 'log: retired';
like $log, qr/key \Q$old\E dropped from the JWKS/, 'log: dropped';

is $iss->stop, 0, 'a clean exit';

# --- the keys survive a restart ----------------------------------------------

my $again = JWTGate::Issuer->start(users => \@users,
                                   key_dir => $iss->key_dir,
                                   args => ['--rotation-delay', 2]);
is_deeply [$again->kids], [$new], 'after a restart: the same key';
is kid_of($again->login('alice', 'pw')), $new, '... and it signs';
ok eval { $again->verify($t3, exp => 0) },
    'a token from before the restart verifies'
    or diag $@;
is $again->stop, 0, 'a clean exit';

# --- ES256, an operator's key, --rotate-every -------------------------------

my $es_dir = File::Temp->newdir;
File::Copy::copy(JWTGate::Token::key_path('ec256'), "$es_dir/mine.pem")
    or die "copy: $!";
File::Copy::copy(JWTGate::Token::key_path('rsa1'), "$es_dir/rsa.pem")
    or die "copy: $!";
# key files are the issuer's user's and no one else's (040-key-dir.t)
chmod 0600, "$es_dir/mine.pem", "$es_dir/rsa.pem";
utime time - 60, time - 60, "$es_dir/mine.pem", "$es_dir/rsa.pem";

my $ec_kid = Crypt::PK::ECC->new("$es_dir/mine.pem")
                           ->export_key_jwk_thumbprint('SHA256');

my $es = JWTGate::Issuer->start(
    users => \@users, key_dir => "$es_dir",
    args => ['--alg', 'ES256', '--lifetime', 2, '--rotation-delay', 1,
             '--rotate-every', 2, '--retire-grace', 0, '--jwks-max-age', 1],
);

my $es_token = $es->login('alice', 'pw');
my ($h, $claims) = eval { $es->verify($es_token, alg => 'ES256') };
ok $claims, 'ES256: the token verifies with Crypt::JWT' or diag $@;
is $h->{alg}, 'ES256', 'ES256: header alg';
is $h->{kid}, $ec_kid, 'ES256: signed by the PEM key found in the key dir';

my ($jwk) = @{$es->jwks->{keys}};
is_deeply [sort keys %$jwk], [qw(alg crv kid kty use x y)],
    'ES256 JWK: public members only';
is "$jwk->{kty} $jwk->{crv} $jwk->{alg}", 'EC P-256 ES256', 'ES256 JWK: type';
is $jwk->{x}, 'syfNjw0BovoYb32Txyjty5-VgnAs6bDotmiKJRM2fKM', 'ES256 JWK: x';
like $es->log_text, qr/rsa\.pem: not an ES256 key, skipped/,
    'a key of the other type is skipped';

ok wait_for(3.5 * $k, sub { $es->kids >= 2 }),
    '--rotate-every: a new key is published without a signal';
ok -e "$es_dir/rsa.pem", 'the skipped key file is left alone';
is $es->stop, 0, 'a clean exit';

done_testing;
