# jwtgate-jwks: keys from what issuers publish.  The tool makes an "oct"
# JWK from a secret read from a file or stdin (never the command line) and
# public JWKs from PEM keys and certificates; the gateway verifies, with
# its output as the key file, tokens Crypt::JWT signs with the same secret
# or key.  nginx -t warns about an oct key that looks like a pasted secret
# and refuses a short one, saying how to make a proper one.
#
# The tool is $JWTGATE_JWKS (the Makefile sets it), else build/jwtgate-jwks.

use Test::Nginx::Socket 'no_plan';
use lib 't/lib';
use JWTGate::Token;
use JWTGate::BlockLog;

use Digest::SHA ();
use File::Temp ();
use JSON::PP ();
use MIME::Base64 ();

$ENV{TEST_NGINX_DATA_DIR} ||= JWTGate::Token::data_dir();

my $TOOL = $ENV{JWTGATE_JWKS} || 'build/jwtgate-jwks';
die "$TOOL: not built (make tools, or set JWTGATE_JWKS)\n" unless -x $TOOL;

my $TMP = File::Temp->newdir('jwtgate-jwks-XXXXXX', TMPDIR => 1);
my $JSON = JSON::PP->new->canonical;

sub spew {
    my ($name, $bytes) = @_;
    open my $fh, '>:raw', "$TMP/$name" or die "$TMP/$name: $!";
    print $fh $bytes;
    close $fh or die "$TMP/$name: $!";
    return "$TMP/$name";
}

sub slurp {
    my ($path) = @_;
    open my $fh, '<:raw', $path or die "$path: $!";
    local $/;
    my $t = <$fh>;
    return $t // '';
}

# (exit status, stdout, stderr) of the tool with these arguments and stdin
sub tool {
    my ($stdin, @args) = @_;
    spew('stdin', $stdin // '');
    local $ENV{T} = "$TMP";
    system('sh', '-c', 'exec "$0" "$@" <"$T/stdin" >"$T/out" 2>"$T/err"',
           $TOOL, @args);
    die "$TOOL died of signal " . ($? & 127) . "\n" if $? & 127;
    return ($? >> 8, slurp("$TMP/out"), slurp("$TMP/err"));
}

# the one key of the tool's JWKS
sub one_key {
    my ($out) = @_;
    my $set = JSON::PP->new->decode($out);
    die "not one key: $out" unless @{ $set->{keys} } == 1;
    return $set->{keys}[0];
}

# a JWKS made by the tool, for user_files; dies unless the tool succeeded
sub jwks {
    my ($stdin, @args) = @_;
    my ($rc, $out, $err) = tool($stdin, @args);
    die "jwtgate-jwks @args: exit $rc: $err" if $rc != 0;
    return $out;
}

# the secret as a NestJS service keeps it: `openssl rand -base64 48`
# output in its .env, used by jsonwebtoken as that text
my $TEXT = 'Zk3v9Qm1X0aT7yLq2Rb8Wc5Nd4Ep6Hs0Ju3Ki9Ol1Mg7Fh2Gj8Vt5Yr4Ux6Cz0Ba';
my $BIN = join '', map { chr(($_ * 73 + 5) % 256) } 0 .. 63;
$BIN .= "\0\0\0";      # a binary secret with NUL bytes, 67 bytes

our $JWKS_TEXT = jwks(undef, '--oct', spew('text', "$TEXT\n"));
our $JWKS_STDIN = jwks("$TEXT\n", '--oct', '-', '--kid', 'nest');
our $JWKS_B64 = jwks(undef, '--oct',
                     spew('b64', MIME::Base64::encode_base64($BIN)),
                     '--base64', '--alg', 'HS512', '--kid', 'java');
our $BIN_TEXT = $BIN;

# a certificate of rsa1 and a second one: x5c is the chain, in order
my $DATA = JWTGate::Token::data_dir();
for my $c (['cert', 'rsa1'], ['ca', 'ec256']) {
    system('openssl', 'req', '-x509', '-new', '-key', "$DATA/$c->[1].pem",
           '-subj', "/CN=$c->[0]", '-days', '3650', '-sha256',
           '-out', "$TMP/$c->[0].pem") == 0 or die "openssl req failed";
    system('openssl', 'x509', '-in', "$TMP/$c->[0].pem", '-outform', 'DER',
           '-out', "$TMP/$c->[0].der") == 0 or die "openssl x509 failed";
}
spew('chain.pem', slurp("$TMP/cert.pem") . slurp("$TMP/ca.pem"));
our $JWKS_CERT = jwks(undef, "$TMP/chain.pem:tenant-key");


# --- the tool alone ---------------------------------------------------

{
    my ($rc, $out, $err) = tool(undef, '--help');
    is($rc, 0, 'tool: --help exits 0');
    like($out, qr/--oct FILE\|-/, 'tool: --help shows --oct');
    like($out, qr/base64url of the exact\s+bytes/, 'tool: --help says what k is');
    like($out, qr/never taken from the command line/,
         'tool: --help says the secret is not an argument');

    ($rc, $out, $err) = tool(undef);
    is($rc, 2, 'tool: no argument is a usage error');
    like($err, qr/^usage: jwtgate-jwks/m, 'tool: ... with the usage');

    # a secret given as an argument is refused and never echoed
    ($rc, $out, $err) = tool(undef, '--secret', $TEXT);
    is($rc, 2, 'tool: no option takes a secret');
    unlike($out . $err, qr/\Q$TEXT\E/, 'tool: ... and it is not echoed');

    ($rc, $out, $err) = tool(undef, '--kid', 'a', "$DATA/rsa1.pem");
    is($rc, 2, 'tool: --kid without --oct is a usage error');

    ($rc, $out, $err) = tool(undef, '--oct');
    is($rc, 2, 'tool: --oct without a file is a usage error');
}

{
    # the key: k is the base64url of the exact bytes, the newline dropped
    my $k = one_key($JWKS_TEXT);
    is($k->{kty}, 'oct', 'oct: kty');
    is($k->{alg}, 'HS256', 'oct: alg HS256 by default');
    is($k->{use}, 'sig', 'oct: use sig');
    ok(!exists $k->{kid}, 'oct: no kid unless --kid');
    is(b64u_decode($k->{k}), $TEXT, 'oct: k is the text without its newline');
    is($k->{'x-jwtgate-secret'}, 'text', 'oct: says k encodes the text');

    $k = one_key($JWKS_STDIN);
    is($k->{kid}, 'nest', 'oct: --kid');
    is(b64u_decode($k->{k}), $TEXT, 'oct: the secret from stdin');

    $k = one_key($JWKS_B64);
    is(b64u_decode($k->{k}), $BIN, 'oct: --base64 decodes, NUL bytes kept');
    is($k->{alg}, 'HS512', 'oct: --alg HS512');
    is($k->{'x-jwtgate-secret'}, 'decoded', 'oct: says k is decoded');
    unlike($JWKS_B64, qr/\Q$TEXT\E/, 'oct: no secret text but in k');

    # binary bytes as they are, NULs included
    my ($rc, $out, $err) = tool(undef, '--oct', spew('bin', $BIN));
    is($rc, 0, 'oct: a binary secret');
    is(b64u_decode(one_key($out)->{k}), $BIN, 'oct: ... its exact bytes');

    # exactly one trailing newline, "\n" or "\r\n", is dropped
    my $s = 'x' x 40;
    for my $case (["$s\r\n", $s], ["$s\n\n", "$s\n"], ["$s\r", "$s\r"],
                  [$s, $s])
    {
        ($rc, $out, $err) = tool(undef, '--oct', spew('nl', $case->[0]));
        is(b64u_decode(one_key($out)->{k}), $case->[1],
           'oct: newline handling of ' . JSON::PP->new->encode([$case->[0]]));
    }

    ($rc, $out, $err) = tool(undef, '--oct', spew('nl', "$s\n"),
                             '--keep-newline');
    is(b64u_decode(one_key($out)->{k}), "$s\n", 'oct: --keep-newline');
}

{
    # hostile and wrong secrets: refused, said why, never echoed
    my $short = 'S' x 31;
    my ($rc, $out, $err) = tool(undef, '--oct', spew('short', "$short\n"));
    is($rc, 1, 'oct: a 31-byte secret is refused');
    is($out, '', 'oct: ... nothing printed');
    like($err, qr/31 bytes: HS256 needs at least 32 \(RFC 7518 3\.2\)/,
         'oct: ... the reason');
    like($err, qr/openssl rand -base64 48/, 'oct: ... how to make one');
    unlike($err, qr/SSSS/, 'oct: ... the secret not echoed');

    ($rc, $out, $err) = tool(undef, '--oct', spew('s40', 'x' x 40),
                             '--alg', 'HS384');
    is($rc, 1, 'oct: HS384 needs 48 bytes');
    like($err, qr/HS384 needs at least 48/, 'oct: ... said');

    ($rc, $out, $err) = tool(undef, '--oct', spew('s64', 'x' x 64),
                             '--alg', 'RS256');
    is($rc, 1, 'oct: --alg RS256 is no HMAC alg');

    ($rc, $out, $err) = tool(undef, '--oct', spew('empty', ''));
    is($rc, 1, 'oct: an empty file');
    like($err, qr/the secret is empty/, 'oct: ... said');

    ($rc, $out, $err) = tool(undef, '--oct', spew('newline', "\n"));
    is($rc, 1, 'oct: a file of one newline is empty');

    ($rc, $out, $err) = tool("", '--oct', '-');
    is($rc, 1, 'oct: nothing on stdin');

    ($rc, $out, $err) = tool(undef, '--oct', "$TMP/none");
    is($rc, 1, 'oct: a missing file');
    like($err, qr/--oct names no file/, 'oct: ... said');

    # a secret typed where a file name goes: never repeated on stderr
    ($rc, $out, $err) = tool(undef, '--oct', 'Hunter2Hunter2Hunter2Hunter2Hunter2');
    is($rc, 1, 'oct: a secret given as the file name is refused');
    unlike($err, qr/Hunter2/, 'oct: ... and not echoed');

    ($rc, $out, $err) = tool(undef, '--oct=Hunter2Hunter2Hunter2Hunter2Hunter2');
    is($rc, 2, 'oct: --oct=SECRET is a usage error');
    like($err, qr/unknown option --oct=\.\.\./, 'oct: ... named');
    unlike($err, qr/Hunter2/, 'oct: ... the value not echoed');

    ($rc, $out, $err) = tool(undef, '-Hunter2Hunter2Hunter2Hunter2Hunter2');
    is($rc, 2, 'a secret starting with "-" is a usage error');
    unlike($err, qr/Hunter2/, '... and not echoed');

    ($rc, $out, $err) = tool(undef, '--Hunter2Hunter2Hunter2Hunter2');
    is($rc, 2, 'a secret starting with "--" is a usage error');
    unlike($err, qr/Hunter2/, '... and not echoed');

    ($rc, $out, $err) = tool(undef, '--no-such-option');
    like($err, qr/unknown option --no-such-option /, 'an option name is said');

    ($rc, $out, $err) = tool(undef, 'Hunter2Hunter2Hunter2Hunter2Hunter2');
    is($rc, 1, 'a secret given as a key file is refused');
    unlike($err, qr/Hunter2/, '... and not echoed');

    ($rc, $out, $err) = tool(undef, "$TMP");
    like($err, qr/\Q$TMP\E: /, 'a key file argument that exists: named');

    ($rc, $out, $err) = tool(undef, '--oct', "$TMP");
    is($rc, 1, 'oct: a directory');

    ($rc, $out, $err) = tool(undef, '--oct', spew('huge', 'h' x 200_000));
    is($rc, 1, 'oct: a huge file');
    like($err, qr/more than 65536 bytes/, 'oct: ... said, read bounded');

    ($rc, $out, $err) = tool(undef, '--oct', spew('long', 'l' x 2049));
    is($rc, 1, 'oct: a secret longer than the gateway loads');
    like($err, qr/at most 2048/, 'oct: ... said');
    ($rc, $out, $err) = tool(undef, '--oct', spew('long', 'l' x 2048));
    is($rc, 0, 'oct: 2048 bytes is the most');

    ($rc, $out, $err) = tool(undef, '--oct', spew('bad64', "not base64!\n"),
                             '--base64');
    is($rc, 1, 'oct: --base64 of text that is not base64');

    ($rc, $out, $err) = tool(undef, '--oct', spew('one', 'o' x 40),
                             '--oct', spew('two', 't' x 40));
    is($rc, 2, 'oct: one --oct at a time');

    # the base64 text note: said on stderr, without the secret
    ($rc, $out, $err) = tool(undef, '--oct', spew('text', "$TEXT\n"));
    like($err, qr/note: the secret is base64 text.*--base64/,
         'oct: base64 text: a note on --base64');
    unlike($err, qr/\Q$TEXT\E/, 'oct: ... the secret not echoed');
}

{
    # PEM: certificates and keys
    my $k = one_key($JWKS_CERT);
    my $rsa1 = JSON::PP->new->decode(slurp("$DATA/rsa1.jwk"));
    my $der = slurp("$TMP/cert.der");
    is($k->{kid}, 'tenant-key', 'cert: kid after ":"');
    is($k->{kty}, 'RSA', 'cert: the certificate\'s public key');
    is($k->{n}, $rsa1->{n}, 'cert: ... rsa1\'s modulus');
    ok(!exists $k->{d}, 'cert: no private member');
    is(scalar @{ $k->{x5c} }, 2, 'cert: x5c holds the file\'s two certificates');
    is($k->{x5c}[0], MIME::Base64::encode_base64($der, ''),
       'cert: x5c[0] is the standard base64 of the DER');
    is($k->{x5c}[1], MIME::Base64::encode_base64(slurp("$TMP/ca.der"), ''),
       'cert: x5c[1] the next one');
    is($k->{'x5t#S256'}, b64u(Digest::SHA::sha256($der)),
       'cert: x5t#S256 of the first');

    $k = one_key(jwks(undef, "$DATA/rsa1.pem"));
    is($k->{kid}, 'rsa1', 'pem: kid from the file name');
    is($k->{n}, $rsa1->{n}, 'pem: modulus');
    ok(!exists $k->{d} && !exists $k->{x5c}, 'pem: public members only');

    my ($rc, $out, $err) = tool(undef, spew('junk.pem', "junk\n"));
    is($rc, 1, 'pem: not a PEM file');
    like($err, qr/not a PEM key or certificate/, 'pem: ... said');

    # an oct key and a PEM key in one set
    $out = jwks(undef, '--oct', spew('text', $TEXT), '--kid', 'hs',
                "$DATA/ec256.pub.pem");
    my $set = JSON::PP->new->decode($out);
    is(join(',', map { $_->{kid} } @{ $set->{keys} }), 'hs,ec256',
       'mixed: the oct key, then the PEM keys');
}

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value('no_error_log', "[error]\n")
        unless defined $block->no_error_log || defined $block->must_die;
});

run_tests();

__DATA__

=== TEST 1: the tool's key from a NestJS-style secret file (echo added a newline): a token jsonwebtoken signs with the text verifies; no warning
--- user_files eval
[['hs.jwks', $main::JWKS_TEXT]]
--- config
    location /greet {
        auth_jwt          "api";
        auth_jwt_key_file ../html/hs.jwks;
        return 200 "hello $jwt_claim_sub\n";
    }
--- request
GET /greet
--- more_headers eval
"Authorization: Bearer "
   . hmac_jwt_with_secret('HS256', 'Zk3v9Qm1X0aT7yLq2Rb8Wc5Nd4Ep6Hs0Ju3Ki9Ol1Mg7Fh2Gj8Vt5Yr4Ux6Cz0Ba', claims => {sub => 'nest'})
--- error_code: 200
--- response_body
hello nest
--- no_error_log eval
[qr/key #1/, '[error]']



=== TEST 2: the same key: tokens signed with the text and its newline, or with the bytes the text decodes to, do not verify
--- user_files eval
[['hs.jwks', $main::JWKS_TEXT]]
--- config
    location /greet {
        auth_jwt          "api";
        auth_jwt_key_file ../html/hs.jwks;
        return 200 "hello $jwt_claim_sub\n";
    }
--- request eval
["GET /greet", "GET /greet"]
--- more_headers eval
["Authorization: Bearer "
   . hmac_jwt_with_secret('HS256', "Zk3v9Qm1X0aT7yLq2Rb8Wc5Nd4Ep6Hs0Ju3Ki9Ol1Mg7Fh2Gj8Vt5Yr4Ux6Cz0Ba\n"),
 "Authorization: Bearer "
   . hmac_jwt_with_secret('HS256', MIME::Base64::decode_base64('Zk3v9Qm1X0aT7yLq2Rb8Wc5Nd4Ep6Hs0Ju3Ki9Ol1Mg7Fh2Gj8Vt5Yr4Ux6Cz0Ba'))]
--- error_code eval
[401, 401]
--- error_log
auth_jwt: token rejected: bad_signature



=== TEST 3: the key from stdin with a kid: a token with that kid verifies
--- user_files eval
[['hs.jwks', $main::JWKS_STDIN]]
--- config
    location /greet {
        auth_jwt          "api";
        auth_jwt_key_file ../html/hs.jwks;
        return 200 "hello $jwt_claim_sub\n";
    }
--- request
GET /greet
--- more_headers eval
"Authorization: Bearer "
   . hmac_jwt_with_secret('HS256', 'Zk3v9Qm1X0aT7yLq2Rb8Wc5Nd4Ep6Hs0Ju3Ki9Ol1Mg7Fh2Gj8Vt5Yr4Ux6Cz0Ba', kid => 'nest', claims => {sub => 'kid'})
--- error_code: 200
--- response_body
hello kid



=== TEST 4: --base64 for an issuer that decodes its secret: a binary secret with NUL bytes, HS512
--- user_files eval
[['hs.jwks', $main::JWKS_B64]]
--- config
    location /greet {
        auth_jwt          "api";
        auth_jwt_key_file ../html/hs.jwks;
        return 200 "hello $jwt_claim_sub\n";
    }
--- request
GET /greet
--- more_headers eval
"Authorization: Bearer "
   . hmac_jwt_with_secret('HS512', $main::BIN_TEXT, kid => 'java', claims => {sub => 'spring'})
--- error_code: 200
--- response_body
hello spring



=== TEST 5: the same key: a token signed with the base64 text itself does not verify
--- user_files eval
[['hs.jwks', $main::JWKS_B64]]
--- config
    location /greet {
        auth_jwt          "api";
        auth_jwt_key_file ../html/hs.jwks;
        return 200 "hello $jwt_claim_sub\n";
    }
--- request
GET /greet
--- more_headers eval
"Authorization: Bearer "
   . hmac_jwt_with_secret('HS512', MIME::Base64::encode_base64($main::BIN_TEXT, ''), kid => 'java')
--- error_code: 401
--- error_log
auth_jwt: token rejected: bad_signature



=== TEST 6: a certificate's key set (x5c, x5t#S256): RS256 tokens of its key verify, another key's do not
--- user_files eval
[['cert.jwks', $main::JWKS_CERT]]
--- config
    location /api {
        auth_jwt          "api";
        auth_jwt_key_file ../html/cert.jwks;
        return 200 "ok $jwt_header_kid\n";
    }
--- request eval
["GET /api", "GET /api"]
--- more_headers eval
["Authorization: Bearer " . jwt(key => 'rsa1', kid => 'tenant-key'),
 "Authorization: Bearer " . jwt(key => 'rsa2', kid => 'tenant-key')]
--- error_code eval
[200, 401]
--- response_body_like eval
["^ok tenant-key\n\\z", "401 Authorization Required"]



=== TEST 7: nginx -t warns about an oct key whose secret is base64 text (no x-jwtgate-secret), naming the key and both readings; it still verifies
--- user_files eval
[['hs.jwks', '{"keys":[{"kty":"oct","kid":"app","alg":"HS256","k":"'
   . b64u('Zk3v9Qm1X0aT7yLq2Rb8Wc5Nd4Ep6Hs0Ju3Ki9Ol1Mg7Fh2Gj8Vt5Yr4Ux6Cz0Ba') . '"}]}']]
--- config
    location /greet {
        auth_jwt          "api";
        auth_jwt_key_file ../html/hs.jwks;
        return 200 "hello $jwt_claim_sub\n";
    }
--- request
GET /greet
--- more_headers eval
"Authorization: Bearer "
   . hmac_jwt_with_secret('HS256', 'Zk3v9Qm1X0aT7yLq2Rb8Wc5Nd4Ep6Hs0Ju3Ki9Ol1Mg7Fh2Gj8Vt5Yr4Ux6Cz0Ba', claims => {sub => 'warned'})
--- error_code: 200
--- response_body
hello warned
--- error_log eval
[qr/\[warn\] .*auth_jwt_key_file "[^"]+hs\.jwks": key #1 \(kid "app"\): the secret \(k decoded\) is itself base64 or base64url text: right if the issuer signs with that text as it is \(jsonwebtoken, \@nestjs\/jwt, PyJWT with a string secret\), wrong if the issuer decodes it first \(then k is that text in base64url: "jwtgate-jwks --oct FILE --base64"\); a member "x-jwtgate-secret":"text" in the key says it is right/]



=== TEST 8: a hex secret pasted into k, and a secret that ends with a newline: loaded, each warned about with its key's number
--- user_files eval
[['hs.jwks', '{"keys":[{"kty":"oct","kid":"hex","k":"'
   . ('0123456789abcdef' x 4) . '"},{"kty":"oct","kid":"echo","k":"'
   . b64u("a passphrase of more than thirty-two bytes\n") . '"}]}']]
--- config
    location /greet {
        auth_jwt          "api";
        auth_jwt_key_file ../html/hs.jwks;
        return 200 "hello $jwt_header_kid\n";
    }
--- request
GET /greet
--- more_headers eval
"Authorization: Bearer "
   . hmac_jwt_with_secret('HS256', "a passphrase of more than thirty-two bytes\n", kid => 'echo')
--- error_code: 200
--- response_body
hello echo
--- error_log eval
[qr/\[warn\] .*key #1 \(kid "hex"\): k is only hex digits: a hex secret pasted as it is\? k is the base64url of the secret's bytes: make it with "jwtgate-jwks --oct FILE"/,
 qr/\[warn\] .*key #2 \(kid "echo"\): the secret \(k decoded\) ends with a newline/]



=== TEST 9: the member x-jwtgate-secret (as the tool writes it) silences the warning
--- user_files eval
[['hs.jwks', '{"keys":[{"kty":"oct","kid":"app","x-jwtgate-secret":"text","k":"'
   . b64u('Zk3v9Qm1X0aT7yLq2Rb8Wc5Nd4Ep6Hs0Ju3Ki9Ol1Mg7Fh2Gj8Vt5Yr4Ux6Cz0Ba') . '"}]}']]
--- config
    location /greet {
        auth_jwt          "api";
        auth_jwt_key_file ../html/hs.jwks;
        return 200 "ok\n";
    }
--- request
GET /greet
--- more_headers eval
"Authorization: Bearer "
   . hmac_jwt_with_secret('HS256', 'Zk3v9Qm1X0aT7yLq2Rb8Wc5Nd4Ep6Hs0Ju3Ki9Ol1Mg7Fh2Gj8Vt5Yr4Ux6Cz0Ba')
--- error_code: 200
--- no_error_log eval
[qr/key #1/, '[error]']



=== TEST 10: a secret pasted as it is into k ("+", "/", "="): refused at nginx -t with how to make k
--- user_files eval
[['hs.jwks', '{"keys":[{"kty":"oct","kid":"pasted","k":"q3cxJ8k0v1y9o5Rt7nTzB0oS2lY4aW9kZ+Pq/8xL1mE="}]}']]
--- config
    location /greet {
        auth_jwt          "api";
        auth_jwt_key_file ../html/hs.jwks;
        return 200;
    }
--- must_die
--- error_log eval
[qr/key #1 \(kid "pasted"\) skipped: k is not base64url \(it holds "\+", "\/" or "="\): a secret pasted as it is\? k is the base64url of the secret's bytes: make it with "jwtgate-jwks --oct"/,
 qr/hs\.jwks": no usable key in the key set/]



=== TEST 11: a secret shorter than 256 bits: refused at nginx -t, saying how to make a proper one
--- user_files eval
[['hs.jwks', '{"keys":[{"kty":"oct","kid":"short","k":"' . b64u('s' x 31) . '"}]}']]
--- config
    location /greet {
        auth_jwt          "api";
        auth_jwt_key_file ../html/hs.jwks;
        return 200;
    }
--- must_die
--- error_log eval
[qr/key #1 \(kid "short"\) skipped: HMAC secret shorter than 256 bits \(RFC 7518 3\.2\): make one of 32 random bytes or more, e\.g\. "openssl rand -base64 48 > secret" used as the issuer's secret, and k from it with "jwtgate-jwks --oct secret"/]
