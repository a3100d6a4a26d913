# jwtgate-issuer, one RS256 instance: logins, service tokens, the JWKS, and
# hostile requests.  Tokens are checked with Crypt::JWT against the JWKS
# the issuer serves.

use strict;
use warnings;

use File::Basename ();
use lib File::Basename::dirname(__FILE__) . '/../lib';

use Digest::SHA ();
use Test::More;
use Time::HiRes ();

use JWTGate::Issuer;

my $alice_hash = JWTGate::Issuer::hash_password('alice-secret');
like $alice_hash, qr/^\$y\$/, '--hash-password makes a yescrypt hash';

my $bcrypt_hash = JWTGate::Issuer::hash_password('x', 'bcrypt');
like $bcrypt_hash, qr/^\$2b\$10\$/, '--hash-password=bcrypt: cost 10';

# bob's hash comes from perl's crypt(), not from the issuer
my $bob_hash = crypt('bob-secret', '$2b$05$abcdefghijklmnopqrstuu');
like $bob_hash, qr/^\$2b\$05\$.{53}$/, 'a bcrypt hash made by perl';

my $api_key = 'k3y-0f-the-0rders-service';
my $key_sha = JWTGate::Issuer::hash_api_key($api_key);
is $key_sha, Digest::SHA::sha256_hex($api_key),
    '--hash-api-key prints the SHA-256 in hex';

my $iss = JWTGate::Issuer->start(
    users => [
        '# comment and blank lines are ignored',
        '',
        "alice:$alice_hash:admin,user:orders:read orders:write",
        "bob:$bob_hash:",
    ],
    services => ["orders:$key_sha:inventory:read inventory:write"],
    args => ['--issuer', 'https://issuer.test', '--audience', 'api.test',
             '--lifetime', 120, '--jwks-max-age', 30],
);

# --- login ---------------------------------------------------------------

my $res = $iss->post_json('/auth/login',
                          {username => 'alice', password => 'alice-secret'});
is $res->{status}, 200, 'login: 200';
is $res->{headers}{'content-type'}, 'application/json', 'login: JSON';
is $res->{headers}{'cache-control'}, 'no-store', 'login: not cached';
is $res->{json}{token_type}, 'Bearer', 'login: token_type';
is $res->{json}{expires_in}, 120, 'login: expires_in is the lifetime';

my $token = $res->{json}{access_token};
my $jwks = $iss->jwks;
my ($header, $claims) = eval { $iss->verify($token, jwks => $jwks) };
ok $claims, 'login: the token verifies against the JWKS with Crypt::JWT'
    or diag $@;

is $header->{alg}, 'RS256', 'header: alg RS256';
my @kids = map { $_->{kid} } @{$jwks->{keys}};
is_deeply \@kids, [$header->{kid}], 'header: kid is the one JWKS key';
is $claims->{iss}, 'https://issuer.test', 'claim iss';
is $claims->{aud}, 'api.test', 'claim aud';
is $claims->{sub}, 'alice', 'claim sub';
is_deeply $claims->{roles}, ['admin', 'user'], 'claim roles';
is $claims->{scope}, 'orders:read orders:write', 'claim scope';
is $claims->{exp} - $claims->{iat}, 120, 'exp - iat is the lifetime';
ok abs($claims->{iat} - time) <= 2, 'iat is now';
like $claims->{jti}, qr/^[0-9a-f]{32}$/, 'jti: 16 random bytes';

my (undef, $again) = $iss->verify($iss->login('alice', 'alice-secret'));
isnt $again->{jti}, $claims->{jti}, 'jti differs across two logins';

my (undef, $bob) = $iss->verify($iss->login('bob', 'bob-secret'));
is $bob->{sub}, 'bob', 'a bcrypt user logs in';
is_deeply $bob->{roles}, [], 'no roles: an empty array';
ok !exists $bob->{scope}, 'no scope: no scope claim';

# --- the JWKS --------------------------------------------------------------

$res = $iss->request('GET', '/.well-known/jwks.json');
is $res->{headers}{'cache-control'}, 'max-age=30', 'JWKS: max-age';
my ($jwk) = @{$res->{json}{keys}};
is_deeply [sort keys %$jwk], [qw(alg e kid kty n use)],
    'JWKS: public members only';
is "$jwk->{kty} $jwk->{alg} $jwk->{use} $jwk->{e}", 'RSA RS256 sig AQAB',
    'JWKS: kty alg use e';
ok length($jwk->{n}) >= 342, 'JWKS: a 2048-bit modulus';
is $iss->request('HEAD', '/.well-known/jwks.json')->{status}, 200,
    'JWKS: HEAD';

# --- wrong credentials -------------------------------------------------------

for my $case (['alice', 'wrong'], ['alice', 'Alice-secret'],
              ['nobody', 'alice-secret'], ['ALICE', 'alice-secret'],
              ["alice\x{e9}", 'alice-secret'])
{
    my ($u, $p) = @$case;
    $res = $iss->post_json('/auth/login', {username => $u, password => $p});
    is $res->{status}, 401, "401 for $u / $p";
    is_deeply $res->{json}, {error => 'invalid_credentials'},
        '... invalid_credentials';
}

# an unknown user costs a hash too: its answer is not much faster
sub timed {
    my ($u) = @_;
    my @t;
    for (1 .. 5) {
        my $t0 = Time::HiRes::time();
        $iss->post_json('/auth/login', {username => $u, password => 'nope'});
        push @t, Time::HiRes::time() - $t0;
    }
    return (sort { $a <=> $b } @t)[2];
}
my ($known, $unknown) = (timed('alice'), timed('nobody'));
ok $unknown > $known / 3,
    sprintf 'unknown user hashed too (median %.1f ms vs %.1f ms)',
            $unknown * 1000, $known * 1000;

# --- hostile login requests ---------------------------------------------------

my @bad = (
    ['not JSON',             'username=alice&password=alice-secret'],
    ['an array',             '["alice","alice-secret"]'],
    ['a string',             '"alice"'],
    ['null',                 'null'],
    ['username a number',    '{"username":42,"password":"alice-secret"}'],
    ['password an object',   '{"username":"alice","password":{}}'],
    ['password null',        '{"username":"alice","password":null}'],
    ['missing password',     '{"username":"alice"}'],
    ['missing username',     '{"password":"alice-secret"}'],
    ['empty object',         '{}'],
    ['empty body',           ''],
    ['empty username',       '{"username":"","password":"x"}'],
    ['empty password',       '{"username":"alice","password":""}'],
    ['NUL byte',             qq({"username":"alice\0","password":"alice-secret"})],
    ['NUL after the JSON',   qq({"username":"alice","password":"alice-secret"}\0)],
    ['escaped NUL',          '{"username":"alice\\u0000x","password":"a"}'],
    ['duplicate key',        '{"username":"bob","username":"alice",'
                             . '"password":"alice-secret"}'],
    ['trailing garbage',     '{"username":"alice","password":"alice-secret"}x'],
    ['two documents',        '{"username":"a","password":"b"}{}'],
    ['invalid UTF-8',        qq({"username":"\xff\xfe","password":"x"})],
    ['truncated',            '{"username":"alice","password":"al'],
    ['deep nesting',         '[' x 5000 . ']' x 5000],
    ['username too long',    '{"username":"' . 'a' x 300 . '","password":"x"}'],
    ['password too long',    '{"username":"alice","password":"' . 'p' x 600
                             . '"}'],
    ['huge body',            '{"username":"alice","password":"' . 'p' x 20000
                             . '"}'],
);

for my $case (@bad) {
    my ($what, $body) = @$case;
    $res = $iss->post_json('/auth/login', $body);
    is $res->{status}, 400, "400: $what";
    is $res->{json} && $res->{json}{error}, 'invalid_request',
        "... invalid_request";
}

# a large body without Content-Length (chunked) is refused the same way
my $chunks = 0;
$res = $iss->request('POST', '/auth/login',
    headers => {'Content-Type' => 'application/json'},
    content => sub { $chunks++ < 20 ? 'x' x 1000 : undef });
is $res->{status}, 400, '400: a 20 KB chunked body';

for my $ct ('text/plain', 'application/jsonx', 'multipart/form-data', undef) {
    $res = $iss->request('POST', '/auth/login',
        headers => {defined $ct ? ('Content-Type' => $ct) : ()},
        content => '{"username":"alice","password":"alice-secret"}');
    is $res->{status}, 400, '400: Content-Type ' . ($ct // 'missing');
}

$res = $iss->post_json('/auth/login',
                       '{"username":"alice","password":"alice-secret"}',
                       'Content-Type' => 'Application/JSON; charset=utf-8');
is $res->{status}, 200, 'Content-Type with a charset and other case: 200';

# --- methods and paths ----------------------------------------------------

for my $m (qw(GET PUT DELETE PATCH)) {
    $res = $iss->request($m, '/auth/login');
    is $res->{status}, 405, "405: $m /auth/login";
    is $res->{headers}{allow}, 'POST', '... Allow: POST';
}

$res = $iss->request('POST', '/.well-known/jwks.json', content => '{}');
is $res->{status}, 405, '405: POST on the JWKS';
is $res->{headers}{allow}, 'GET, HEAD', '... Allow: GET, HEAD';

for my $path ('/', '/auth/login/', '/auth', '/auth/LOGIN', '/jwks.json',
              '/.well-known/jwks.json/x')
{
    is $iss->request('GET', $path)->{status}, 404, "404: $path";
}

# --- service tokens -------------------------------------------------------

my %auth = (Authorization => "Bearer $api_key");

$res = $iss->post_form('/auth/token', 'grant_type=client_credentials',
                       %auth);
is $res->{status}, 200, 'client_credentials: 200';
is $res->{json}{scope}, 'inventory:read inventory:write',
    '... the response names the scope';
($header, $claims) = eval { $iss->verify($res->{json}{access_token}) };
ok $claims, '... the token verifies' or diag $@;
is $claims->{sub}, 'orders', '... sub is the service';
is $claims->{scope}, 'inventory:read inventory:write', '... its scope';
is $claims->{aud}, 'api.test', '... aud';
ok !exists $claims->{roles}, '... no roles';

$res = $iss->post_form('/auth/token',
                       'scope=inventory%3Aread&grant_type=client_credentials',
                       %auth);
(undef, $claims) = $iss->verify($res->{json}{access_token});
is $claims->{scope}, 'inventory:read', 'a narrower scope may be asked for';

$res = $iss->post_form('/auth/token',
                       'grant_type=client_credentials&scope=orders%3Aread',
                       %auth);
is $res->{status}, 400, 'a scope the service lacks: 400';
is $res->{json}{error}, 'invalid_scope', '... invalid_scope';

for my $case (['wrong key', 'Bearer k3y-0f-the-0rders-servicE'],
              ['no key', undef],
              ['Basic scheme', 'Basic b3JkZXJzOmtleQ=='],
              ['empty Bearer', 'Bearer '],
              ['key with a space', "Bearer $api_key x"])
{
    my ($what, $value) = @$case;
    $res = $iss->post_form('/auth/token', 'grant_type=client_credentials',
                           defined $value ? (Authorization => $value) : ());
    is $res->{status}, 401, "401: $what";
    is $res->{json}{error}, 'invalid_client', '... invalid_client';
    like $res->{headers}{'www-authenticate'}, qr/^Bearer realm=/,
        '... WWW-Authenticate';
}

for my $case (['no grant_type', '', 'invalid_request'],
              ['other grant_type', 'grant_type=password',
               'unsupported_grant_type'],
              ['grant_type twice',
               'grant_type=client_credentials&grant_type=client_credentials',
               'invalid_request'],
              ['bad escape', 'grant_type=client%2gcredentials',
               'invalid_request'],
              ['escaped NUL', 'grant_type=client_credentials%00',
               'invalid_request'],
              ['no =', 'grant_type', 'invalid_request'])
{
    my ($what, $body, $error) = @$case;
    $res = $iss->post_form('/auth/token', $body, %auth);
    is $res->{status}, 400, "400: $what";
    is $res->{json}{error}, $error, "... $error";
}

$res = $iss->post_json('/auth/token', '{"grant_type":"client_credentials"}',
                       %auth);
is $res->{status}, 400, '400: a JSON body on /auth/token';

# --- stop -----------------------------------------------------------------

my $log = $iss->log_text;
like $log, qr/login: user "alice": token issued, kid \Q$header->{kid}\E/,
    'the log names user and kid';
unlike $log, qr/alice-secret|\Q$api_key\E/, 'no secret in the log';

is $iss->stop, 0, 'SIGTERM: a clean exit (0)';
ok !-e "$iss->{pid_file}", 'the pid file is removed';

done_testing;
