#!/usr/bin/perl
# Writes the seed corpora of the fuzz targets: t/fuzz/corpus/token/ (real
# tokens of every alg and hostile shapes), t/fuzz/corpus/jwks/ (the key
# sets of t/data and broken variants), t/fuzz/corpus/jread/ (JSON texts
# for the reader, valid and not) and t/fuzz/corpus/cookie/ and query/
# (Cookie values and query strings around a token), t/fuzz/corpus/jwe/
# (JWE tokens of every alg x enc pair for fuzz_jwe.c's fixed keys,
# t/data/jwe-keys.json, minted by t/unit/mint-jwe.pl, and that key set).
# Run from the repository root.
use strict;
use warnings;
use lib 't/lib';
use JWTGate::Token;
use File::Path qw(make_path);

my $dir = 't/fuzz/corpus';
make_path("$dir/token", "$dir/jwks", "$dir/jread", "$dir/cookie",
          "$dir/query");

sub put {
    my ($kind, $name, $data) = @_;
    open my $fh, '>:raw', "$dir/$kind/$name" or die "$dir/$kind/$name: $!";
    print $fh $data;
    close $fh;
}

my %claims = (exp => 4102444800, iat => 1700000000,
              realm_access => { roles => ['admin', 'user'] });

for my $alg (qw(RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512
                EdDSA HS256 HS384 HS512)) {
    put('token', lc $alg, jwt(alg => $alg, claims => \%claims));
}
put('token', 'ed448', jwt(alg => 'EdDSA', key => 'ed448', claims => \%claims));
# about 900 bytes (909), like a real access token with roles and scopes;
# make bench-core measures everything but the signature on it
put('token', 'rs256-900', jwt(claims => { %claims,
    iss => 'https://auth.example.com/realms/main', aud => ['orders', 'users'],
    scope => 'openid profile email orders:read orders:write users:read',
    email => 'alice@example.com', name => 'Alice Example',
    jti => 'a1b2c3d4e5f60718293a4b5c6d7e8f90', preferred_username => 'alice',
    azp => 'web-app', nbf => 1700000000, sid => '5f0c' }));
put('token', 'rs256-k042', jwt(kid => 'k042', claims => \%claims));
put('token', 'nokid', jwt(kid => undef, claims => \%claims));
put('token', 'none', jwt_raw(header => '{"alg":"none"}', payload => '{}',
                             sig => ''));
put('token', 'crit', jwt(header => { crit => ['exp'] }));
put('token', 'dup', jwt_raw(header => '{"alg":"RS256","alg":"HS256"}',
                            key => 'rsa1', alg => 'RS256'));
put('token', 'nested', jwt_raw(payload => '{"a":' . ('[' x 40)
                                          . (']' x 40) . '}',
                               key => 'rsa1', alg => 'RS256'));
put('token', 'strexp', jwt(claims => { exp => '123' }));
put('token', 'audarr', jwt(claims => { aud => ['x', 'api'] }));
put('token', 'tampered', tamper_sig(jwt()));

my $data = data_dir();
for my $f (glob "$data/*.json $data/*.jwk") {
    (my $name = $f) =~ s{.*/}{};
    next if $name eq 'jwks-100.json';   # large: keep the corpus small
    open my $fh, '<:raw', $f or die "$f: $!";
    local $/;
    put('jwks', $name, scalar <$fh>);
}
put('jwks', 'empty', '{"keys":[]}');
put('jwks', 'notarray', '{"keys":{}}');
put('jwks', 'badec', '{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}');

# the strict JSON reader: headers, payloads, and its edges
my %jread = (
    header    => '{"alg":"RS256","typ":"JWT","kid":"rsa1"}',
    payload   => '{"iss":"https://auth.example.com/realms/main","sub":"alice",'
               . '"aud":["orders","users"],"exp":4102444800,"iat":1700000000,'
               . '"nbf":1700000000.5,"realm_access":{"roles":["admin","user"]},'
               . '"scope":"openid profile","email_verified":true,"x":null}',
    escapes   => '{"\\u0061lg":"\\u0052S256","kid":"caf\\u00e9 \\ud83d\\ude00'
               . ' \\/ \\\\ \\" \\b\\f\\n\\r\\t","b":"'
               . "\xc3\xa9\xf0\x9f\x98\x80\x7f" . '"}',
    numbers   => '{"a":[0,-0,1,-1,0.5,-0.0,1e5,1E-5,1.5e+10,9223372036854775807,'
               . '-9223372036854775808,1.7976931348623157e308,1e-400],'
               . '"exp":9007199254740992,"nbf":1e9,"iat":-0}',
    nested    => '{"a":{"b":{"c":[[[{"d":[1,{"e":{}}]}]]]}},"b":[[],{}]}',
    big       => '{' . join(',', map { "\"m$_\":$_" } 0 .. 19) . '}',
    dup       => '{"a":1,"b":{"c":1,"\\u0063":2}}',
    bigdup    => '{' . join(',', map { "\"m$_\":$_" } 0 .. 19) . ',"m\\u0030":0}',
    siblings  => '{"s":[' . join(',', map { '{' . join(',', map { "\"m$_\":0" }
                                                   0 .. 17) . '}' } 1 .. 3) . ']}',
    trailing  => '{"a":1} x',
    surrogate => '{"a":"\\ud800"}',
    utf8      => "{\"a\":\"\xed\xa0\x80\"}",
);
put('jread', $_, $jread{$_}) for keys %jread;

# Cookie values and query strings: a name-length byte and the name as the
# targets read them (each byte an index into their alphabet), then text
my $alphabet = join('', 'a' .. 'z', 'A' .. 'Z', 0 .. 9, '_', '-');
sub named {
    my ($name, $text) = @_;
    return chr(length($name) - 1)
           . join('', map { chr(index($alphabet, $_)) } split //, $name)
           . $text;
}
my $tok = jwt(claims => \%claims);
my %cookie = (
    middle   => named('access_token', "a=1; access_token=$tok; b=2"),
    bare     => named('access_token', ('a;' x 200) . "access_token=$tok;b"),
    spaced   => named('access_token', "a=1; access_token =$tok"),
    comma    => named('access_token', "x=1, access_token=$tok; ACCESS_TOKEN=y"),
    encoded  => named('access_token', "acc%65ss_token=x; access.token=y"),
    session  => named('session', "t;t=x; session=1;Session =2,session"),
);
put('cookie', $_, $cookie{$_}) for keys %cookie;
my %query = (
    middle   => named('access_token', "a=1&access_token=$tok&b=2"),
    semi     => named('access_token', "a=1;access_token=$tok&access_token="),
    encoded  => named('access_token', "acc%65ss_token=x&access.token=y&+access_token=z"),
    bare     => named('token', "token&token=&a=token=1&Token=x"),
);
put('query', $_, $query{$_}) for keys %query;

# JWE: Crypt::JWT's and CryptX's tokens for t/data/jwe-keys.json (fresh
# randomness each time), and the key set itself (fuzz_jwe.c reads an input
# that begins with "{" as a decryption key set)
make_path("$dir/jwe");
system('perl', 't/unit/mint-jwe.pl', '/dev/null', "$dir/jwe",
       't/data/jwe-keys.json') == 0 or die "mint-jwe.pl failed\n";
{
    open my $fh, '<:raw', 't/data/jwe-keys.json' or die "jwe-keys.json: $!";
    local $/;
    put('jwe', 'keys.json', <$fh>);
}
