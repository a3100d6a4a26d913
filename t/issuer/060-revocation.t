# jwtgate-issuer, revocation: POST /auth/logout, the admin POST
# /auth/revoke, the feed GET /.well-known/revocations.json with its ETag,
# the bound on entries, expiry, --revocation-file.  Hostile tokens are
# minted with Crypt::JWT (some with the issuer's own key file, read from
# its key directory), never by our C code.

use strict;
use warnings;

use File::Basename ();
use lib File::Basename::dirname(__FILE__) . '/../lib';

use Crypt::JWT ();
use Crypt::PK::RSA ();
use File::Temp ();
use JSON::PP ();
use Test::More;

use JWTGate::Issuer;

my $JSON = JSON::PP->new->utf8->canonical;
my $FEED = '/.well-known/revocations.json';
my $SECRET = 'an-admin-secret-of-some-length';

my $tmp = File::Temp->newdir('jwtgate-revoke-XXXXXX', TMPDIR => 1);
my $secret_file = "$tmp/admin";
write_file($secret_file, "$SECRET\n");

my $hash = JWTGate::Issuer::hash_password('alice-secret');
my @users = ("alice:$hash:user", "bob:$hash:user");

my $iss = JWTGate::Issuer->start(
    users => \@users,
    args  => ['--issuer', 'https://issuer.test', '--lifetime', 120,
              '--admin-secret-file', $secret_file,
              '--revocation-max', 6, '--revocation-margin', 0]);

# --- the feed, empty -------------------------------------------------------

my $res = $iss->request('GET', $FEED);
is $res->{status}, 200, 'feed: 200';
is_deeply $res->{json}, {jti => {}, sub => {}}, 'feed: empty at start';
is $res->{headers}{'content-type'}, 'application/json', 'feed: JSON';
is $res->{headers}{'cache-control'}, 'no-cache', 'feed: revalidated';
my $etag0 = $res->{headers}{etag};
like $etag0, qr/^"[0-9a-f]{32}"$/, 'feed: a strong ETag';

$res = feed(etag => $etag0);
is $res->{status}, 304, 'If-None-Match with its ETag: 304';
is $res->{content} // '', '', '... no body';
is $res->{headers}{etag}, $etag0, '... the ETag again';
is feed(etag => "W/$etag0")->{status}, 304, 'a weak comparison: 304';
is feed(etag => qq{"other", $etag0})->{status}, 304, 'in a list: 304';
is feed(etag => '*')->{status}, 304, '*: 304';
is feed(etag => '"other"')->{status}, 200, 'another ETag: 200';
is feed(etag => substr($etag0, 0, 20))->{status}, 200,
    'a prefix of the ETag: 200';
is $iss->request('HEAD', $FEED)->{status}, 200, 'HEAD: 200';
is $iss->request('POST', $FEED)->{status}, 405, 'POST to the feed: 405';

# --- logout ----------------------------------------------------------------

my $token = $iss->login('alice', 'alice-secret') or die 'no login';
my (undef, $claims) = $iss->verify($token);
like $claims->{jti}, qr/^[0-9a-f]{32}$/, "the issuer's tokens carry a jti";

$res = logout($token);
is $res->{status}, 200, 'logout: 200';
is_deeply $res->{json}, {revoked => {jti => $claims->{jti},
                                     exp => $claims->{exp}}},
    'logout: the jti, until the token expires';

$res = $iss->request('GET', $FEED);
is_deeply $res->{json}{jti}, {$claims->{jti} => $claims->{exp}},
    'feed: the jti with its exp';
my $etag1 = $res->{headers}{etag};
isnt $etag1, $etag0, 'feed: a new ETag';
is feed(etag => $etag0)->{status}, 200, 'the old ETag: 200 and the list';

is logout($token)->{status}, 200, 'logout again: 200';
is $iss->request('GET', $FEED)->{headers}{etag}, $etag1,
    '... the list unchanged';

is $iss->request('GET', '/auth/logout')->{status}, 405, 'GET logout: 405';

$res = $iss->request('POST', '/auth/logout');
is $res->{status}, 401, 'logout without a token: 401';
like $res->{headers}{'www-authenticate'}, qr/^Bearer /, '... Bearer';

# the issuer's key, from its key directory, signs the hostile ones
my ($pem_file) = glob $iss->key_dir . '/*.pem';
my ($kid) = $pem_file =~ m{/([^/]+)\.pem\z};
my $pem = read_file($pem_file);
my $pub = Crypt::PK::RSA->new(\$pem)->export_key_pem('public');
my $now = time;
my %base = (iss => 'https://issuer.test', aud => 'jwtgate', sub => 'alice',
            iat => $now, exp => $now + 100, jti => 'hostile');

my %bad = (
    'garbage'               => 'not.a.token',
    'two parts'             => 'eyJhbGciOiJSUzI1NiJ9.e30',
    'a foreign key'         => mint({%base}, key => Crypt::PK::RSA->new
                                                  ->generate_key(256)),
    'an unknown kid'        => mint({%base}, kid => 'nope'),
    'no kid'                => mint({%base}, kid => undef),
    'HS256 with the public key as secret'
                            => Crypt::JWT::encode_jwt(
                                   payload => {%base}, alg => 'HS256',
                                   key => $pub,
                                   extra_headers => {kid => $kid}),
    'alg none'              => Crypt::JWT::encode_jwt(
                                   payload => {%base}, alg => 'none',
                                   allow_none => 1,
                                   extra_headers => {kid => $kid}),
    'expired'               => mint({%base, exp => $now - 10}),
    'another issuer'        => mint({%base, iss => 'https://evil.test'}),
    'no exp'                => mint({%base, exp => undef}),
);

for my $name (sort keys %bad) {
    $res = logout($bad{$name});
    is $res->{status}, 401, "logout with $name: 401";
    is $res->{json}{error}, 'invalid_token', '... invalid_token'
        unless $name eq 'garbage' && $res->{status} != 401;
}

is_deeply $iss->request('GET', $FEED)->{json}{jti},
    {$claims->{jti} => $claims->{exp}}, 'feed: none of them revoked';

# a token of ours without a jti: its sub, cutoff its iat
$res = logout(mint({%base, sub => 'carol', jti => undef, iat => $now - 5}));
is $res->{status}, 200, 'logout of a token without jti: 200';
is_deeply $res->{json}, {revoked => {sub => 'carol', cutoff => $now - 5}},
    '... its sub, cutoff = its iat';

# --- the admin endpoint ----------------------------------------------------

is revoke({sub => 'bob'}, secret => undef)->{status}, 401,
    'revoke without the admin secret: 401';
$res = revoke({sub => 'bob'}, secret => 'wrong-secret-of-some-length');
is $res->{status}, 401, 'revoke with a wrong secret: 401';
is $res->{json}{error}, 'invalid_client', '... invalid_client';
is revoke({sub => 'bob'}, secret => $token)->{status}, 401,
    "revoke with a user's token: 401";

my %malformed = (
    'both'             => {sub => 'bob', jti => 'x'},
    'neither'          => {},
    'exp with sub'     => {sub => 'bob', exp => $now + 5},
    'unknown member'   => {sub => 'bob', why => 'because'},
    'a number sub'     => {sub => 42},
    'an empty jti'     => {jti => ''},
    'a long jti'       => {jti => 'j' x 1025},
    'a string exp'     => {jti => 'x', exp => '5'},
);

for my $name (sort keys %malformed) {
    is revoke($malformed{$name})->{status}, 400, "revoke, $name: 400";
}

is revoke('[1]')->{status}, 400, 'revoke, an array: 400';
is revoke('{"sub":"a","sub":"b"}')->{status}, 400, 'revoke, repeated: 400';

my $bob = $iss->login('bob', 'alice-secret') or die 'no login';
my (undef, $bob_claims) = $iss->verify($bob);

$res = revoke({sub => 'bob'});
is $res->{status}, 200, 'revoke a subject: 200';
my $cutoff = $res->{json}{revoked}{cutoff};
cmp_ok abs($cutoff - time), '<=', 5, '... cutoff now';
cmp_ok $bob_claims->{iat}, '<=', $cutoff, "... bob's token is before it";

my $bob2 = $iss->login('bob', 'alice-secret') or die 'no login';
my (undef, $bob2_claims) = $iss->verify($bob2);
cmp_ok $bob2_claims->{iat}, '>', $cutoff,
    'a login right after: its iat is after the cutoff';

$res = revoke({jti => 'api-key-token'});
is $res->{status}, 200, 'revoke a jti: 200';
cmp_ok abs($res->{json}{revoked}{exp} - (time + 120)), '<=', 5,
    '... kept for a lifetime';

$res = revoke({jti => 'short', exp => time + 2});
is $res->{status}, 200, 'revoke a jti with its exp: 200';

$res = revoke({jti => 'far', exp => time + 100000});
cmp_ok $res->{json}{revoked}{exp}, '<=', time + 125,
    '... an exp beyond a lifetime is cut to it';

$res = $iss->request('GET', $FEED);
is_deeply [sort keys %{$res->{json}{jti}}],
    [sort $claims->{jti}, 'api-key-token', 'short', 'far'], 'feed: 4 jti';
is_deeply [sort keys %{$res->{json}{sub}}], [qw(bob carol)], 'feed: 2 sub';

# --- full ------------------------------------------------------------------

$res = revoke({sub => 'dave'});
is $res->{status}, 507, 'a 7th entry with --revocation-max 6: 507';
is $res->{json}{error}, 'revocation_list_full', '... revocation_list_full';
is logout($iss->login('alice', 'alice-secret'))->{status}, 507,
    '... a logout too';
is revoke({sub => 'bob'})->{status}, 200, 'an entry already there: 200';

# --- expiry ----------------------------------------------------------------

sleep 4;

$res = $iss->request('GET', $FEED);
ok !exists $res->{json}{jti}{short}, 'an expired jti leaves the feed';
is revoke({sub => 'dave'})->{status}, 200, '... and makes room';

is $iss->stop, 0, q{the issuer: a clean exit};

# --- no admin secret: no admin endpoint ------------------------------------

my $plain = JWTGate::Issuer->start(users => \@users);
is $plain->post_json('/auth/revoke', {sub => 'bob'},
                     Authorization => "Bearer $SECRET")->{status}, 404,
    'without --admin-secret-file: no /auth/revoke';
is $plain->request('GET', $FEED)->{status}, 200, '... the feed is there';
is $plain->stop, 0, q{a clean exit};

# --- --revocation-file -----------------------------------------------------

my $file = "$tmp/revoked.json";
my $kept = JWTGate::Issuer->start(
    users => \@users,
    args  => ['--admin-secret-file', $secret_file,
              '--revocation-file', $file]);
is $kept->post_json('/auth/revoke', {sub => 'erin'},
                    Authorization => "Bearer $SECRET")->{status}, 200,
    'revoked with a revocation file';
ok -s $file, '... the file is written';
is_deeply [keys %{$JSON->decode(read_file($file))->{sub}}], ['erin'],
    '... with the entry';
is $kept->stop, 0, q{a clean exit};

$kept = JWTGate::Issuer->start(
    users => \@users, tmp => undef,
    args  => ['--revocation-file', $file]);
ok exists $kept->request('GET', $FEED)->{json}{sub}{erin},
    'after a restart the entry is in the feed';
is $kept->stop, 0, q{a clean exit after the restart};

# the temporary file is made anew: a link left in its place is not
# followed (the victim stays), a thing that cannot be removed fails the
# revocation (500: the answer never says "revoked" when the list is not on
# disk)
my $victim = "$tmp/victim";
write_file($victim, "precious\n");
symlink($victim, "$file.tmp") or die "symlink: $!";
$kept = JWTGate::Issuer->start(
    users => \@users, tmp => undef,
    args  => ['--admin-secret-file', $secret_file,
              '--revocation-file', $file]);
is $kept->post_json('/auth/revoke', {sub => 'frank'},
                    Authorization => "Bearer $SECRET")->{status}, 200,
    'a link in place of the temporary file: revoked';
is read_file($victim), "precious\n", '... the link was not followed';
ok !-e "$file.tmp", '... no temporary file is left';
is_deeply [sort keys %{$JSON->decode(read_file($file))->{sub}}],
    ['erin', 'frank'], '... the file has both entries';
is((stat $file)[2] & 07133, 0,
   '... the file is not executable, nor writable by others');

mkdir "$file.tmp" or die "mkdir: $!";
my $r = $kept->post_json('/auth/revoke', {sub => 'gina'},
                         Authorization => "Bearer $SECRET");
is $r->{status}, 500, 'the file cannot be written: 500, not "revoked"';
ok !exists $JSON->decode(read_file($file))->{sub}{gina},
    '... the file keeps the last list';
rmdir "$file.tmp";
is $kept->stop, 0, q{a clean exit};

write_file($file, '{"jti": [1]}');
ok !eval { JWTGate::Issuer->start(users => \@users,
                                  args => ['--revocation-file', $file]);
           1 }, 'a malformed revocation file: the issuer does not start';

write_file("$tmp/short", "too-short\n");
ok !eval { JWTGate::Issuer->start(users => \@users,
                                  args => ['--admin-secret-file',
                                           "$tmp/short"]);
           1 }, 'an admin secret under 16 bytes: the issuer does not start';

write_file("$tmp/spaced", "sixteen or more but with spaces\n");
ok !eval { JWTGate::Issuer->start(users => \@users,
                                  args => ['--admin-secret-file',
                                           "$tmp/spaced"]);
           1 }, 'an admin secret no Bearer header can carry: refused';

write_file("$tmp/two-lines", "0123456789abcdef\n0123456789abcdef\n");
ok !eval { JWTGate::Issuer->start(users => \@users,
                                  args => ['--admin-secret-file',
                                           "$tmp/two-lines"]);
           1 }, 'an admin secret of two lines: refused';

done_testing;


sub feed {
    my (%o) = @_;
    return $iss->request('GET', $FEED,
                         headers => {'If-None-Match' => $o{etag}});
}

sub logout {
    my ($t) = @_;
    return $iss->request('POST', '/auth/logout',
                         headers => {Authorization => "Bearer $t"});
}

sub revoke {
    my ($body, %o) = @_;
    my $secret = exists $o{secret} ? $o{secret} : $SECRET;
    return $iss->post_json('/auth/revoke', $body,
                           defined $secret
                           ? (Authorization => "Bearer $secret") : ());
}

sub mint {
    my ($payload, %o) = @_;
    delete @$payload{grep { !defined $payload->{$_} } keys %$payload};
    my %h = (kid => exists $o{kid} ? $o{kid} : $kid);
    delete $h{kid} unless defined $h{kid};
    return Crypt::JWT::encode_jwt(payload => $payload, alg => 'RS256',
                                  key => $o{key} // \$pem,
                                  extra_headers => \%h);
}

sub read_file {
    my ($path) = @_;
    open my $fh, '<', $path or die "$path: $!";
    local $/;
    return scalar <$fh>;
}

sub write_file {
    my ($path, $text) = @_;
    open my $fh, '>', $path or die "$path: $!";
    print {$fh} $text;
    close $fh or die "$path: $!";
}
