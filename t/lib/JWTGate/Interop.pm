package JWTGate::Interop;

# Test helper of the interop suites (t/09x-interop*.t, t/103-jwe-interop.t):
# tokens signed, encrypted and verified by the real libraries that issuers
# use, run at test time:
#
#   PyJWT        Debian's python3-jwt, always (/usr/bin/python3)
#   jwcrypto     Debian's python3-jwcrypto (/usr/bin/python3): the JWEs
#                of t/103-jwe-interop.t (PyJWT has no JWE)
#   jsonwebtoken, jose, @nestjs/jwt
#                from npm, pinned in t/interop/package-lock.json and
#                installed under build/npm by `make interop-deps` (part of
#                `make deps`, `make prove` and `make test`); present only
#                when node and that directory are
#
#   use lib 't/lib';
#   use JWTGate::Interop;
#   my $r = JWTGate::Interop::node([{op => 'sign', lib => 'jose', ...}]);
#   my $r = JWTGate::Interop::python([{op => 'sign', alg => 'HS256', ...}]);
#   my $r = JWTGate::Interop::jwcrypto([{op => 'encrypt', ...}]);
#   my $r = JWTGate::Interop::attempt('node', [{op => 'encrypt', ...}]);
#
# The request and answer forms are described in t/interop/mint.mjs,
# t/interop/mint.py and t/interop/mint-jwe.py.  A library that refuses to
# sign or encrypt is a failure of the suite (die), never an empty token;
# attempt() alone hands its refusals back (to show what a library cannot
# make).

use strict;
use warnings;

use Carp qw(croak);
use Cwd ();
use File::Basename ();
use File::Spec;
use File::Temp ();
use JSON::PP ();
use Digest::SHA ();
use MIME::Base64 ();

my $ROOT = do {
    my $file = File::Spec->rel2abs(__FILE__);
    my $dir = File::Spec->catdir(File::Basename::dirname($file),
                                 (File::Spec->updir) x 3);
    Cwd::abs_path($dir) // $dir;
};

my $JSON = JSON::PP->new->canonical;

our $PYTHON = '/usr/bin/python3';

sub root { return $ROOT }

sub npm_dir {
    return $ENV{JWTGATE_NPM_DIR} || "$ROOT/build/npm";
}

# Why the Node libraries cannot run here, or undef when they can: node,
# npm, every dependency of t/interop/package.json installed in npm_dir(),
# and t/interop/mint.mjs loading them all (for an empty request list: a
# dependency of theirs that is missing shows there).  Asked once.
my %NODE_MISSING;

sub node_missing {
    my $dir = npm_dir();
    $NODE_MISSING{$dir} = [_node_missing($dir)]
        unless exists $NODE_MISSING{$dir};
    return $NODE_MISSING{$dir}[0];
}

sub _node_missing {
    my ($dir) = @_;
    return 'node is not installed' unless _which('node');
    return 'npm is not installed' unless _which('npm');
    my $deps = $JSON->decode(_slurp("$ROOT/t/interop/package.json"))
                    ->{dependencies};
    for my $m (sort keys %$deps) {
        return "$m is not installed in $dir (make interop-deps)"
            unless -f "$dir/node_modules/$m/package.json";
    }
    my $in = File::Temp->new;
    print {$in} '[]';
    close $in;
    local $ENV{JWTGATE_NPM_DIR} = $dir;
    my $err = `node '$ROOT/t/interop/mint.mjs' < '@{[ $in->filename ]}' 2>&1`;
    if ($? != 0) {
        my ($line) = $err =~ /^(\w*Error\b.*)$/m;
        $line //= (split /\n/, $err)[0] // "exit status $?";
        return "the Node libraries in $dir do not load ($line;"
               . " make interop-deps)";
    }
    return undef;
}

# Why PyJWT cannot run here, or undef.
sub python_missing {
    return "$PYTHON is not installed" unless -x $PYTHON;
    system($PYTHON, '-c', 'import jwt, cryptography') == 0
        or return 'python3-jwt or python3-cryptography is not installed'
                  . ' (make deps)';
    return undef;
}

# Why jwcrypto cannot run here, or undef.
sub jwcrypto_missing {
    return "$PYTHON is not installed" unless -x $PYTHON;
    system($PYTHON, '-c', 'import jwcrypto.jwe, jwcrypto.jwt') == 0
        or return 'python3-jwcrypto is not installed (make deps)';
    return undef;
}

# Whether a library that cannot run fails the interop suites instead of
# skipping them: under CI (CI=true, as CI runs .ci/run) or with
# JWTGATE_INTEROP_REQUIRED=1, so that CI cannot pass without them.
sub required {
    return 1 if ($ENV{JWTGATE_INTEROP_REQUIRED} // '') eq '1';
    return 1 if lc($ENV{CI} // '') =~ /^(?:true|1|yes)$/;
    return 0;
}

# need(qw(python node)): in a suite's BEGIN block, before the runner is
# loaded.  When one of the libraries named cannot run here, the file is
# skipped with the reason, or, when interop is required, fails with it.
sub need {
    my @why;
    for my $what (@_) {
        my $why = $what eq 'node'     ? node_missing()
                : $what eq 'python'   ? python_missing()
                : $what eq 'jwcrypto' ? jwcrypto_missing()
                : croak "need: no library '$what'";
        push @why, $why if defined $why;
    }
    return unless @why;
    my $why = join '; ', @why;
    require Test::More;
    unless (required()) {
        Test::More::plan(skip_all => $why);
    }
    Test::More::plan(tests => 1);
    Test::More::fail('interop libraries required (CI=true or'
                     . ' JWTGATE_INTEROP_REQUIRED=1): ' . $why);
    exit 1;
}

sub _which {
    my ($cmd) = @_;
    for my $d (split /:/, $ENV{PATH} // '') {
        return "$d/$cmd" if length $d && -x "$d/$cmd";
    }
    return undef;
}

sub _run {
    my ($argv, $requests, $lenient) = @_;
    my $in = File::Temp->new;
    print {$in} $JSON->encode($requests);
    close $in;
    my $cmd = join ' ', map { "'$_'" } @$argv;
    my $out = `$cmd < '@{[ $in->filename ]}'`;
    croak "@$argv failed ($?)" if $? != 0;
    my $res = $JSON->decode($out);
    croak "@$argv: " . scalar(@$res) . " answers to "
          . scalar(@$requests) . " requests"
        unless @$res == @$requests;
    return $res if $lenient;
    for my $i (0 .. $#$requests) {
        next unless ($requests->[$i]{op} // '') =~ /^(?:sign|encrypt)$/;
        croak "@$argv: request $i: $res->[$i]{error}"
            if defined $res->[$i]{error} || !defined $res->[$i]{token};
    }
    return $res;
}

# node(\@requests): the answers of t/interop/mint.mjs.
sub node {
    my ($requests) = @_;
    local $ENV{JWTGATE_NPM_DIR} = npm_dir();
    return _run(['node', "$ROOT/t/interop/mint.mjs"], $requests);
}

# python(\@requests): the answers of t/interop/mint.py.
sub python {
    my ($requests) = @_;
    return _run([$PYTHON, "$ROOT/t/interop/mint.py"], $requests);
}

# jwcrypto(\@requests): the answers of t/interop/mint-jwe.py.
sub jwcrypto {
    my ($requests) = @_;
    return _run([$PYTHON, "$ROOT/t/interop/mint-jwe.py"], $requests);
}

# attempt('node' | 'python' | 'jwcrypto', \@requests): the answers, a
# library's refusals ({error => ...}) among them, for a suite that shows
# what a library cannot make.
sub attempt {
    my ($what, $requests) = @_;
    my $argv = $what eq 'node'     ? ['node', "$ROOT/t/interop/mint.mjs"]
             : $what eq 'python'   ? [$PYTHON, "$ROOT/t/interop/mint.py"]
             : $what eq 'jwcrypto' ? [$PYTHON, "$ROOT/t/interop/mint-jwe.py"]
             : croak "attempt: no library '$what'";
    local $ENV{JWTGATE_NPM_DIR} = npm_dir();
    return _run($argv, $requests, 1);
}

# The tokens of a list of sign requests, each named: {name => token}.
# The key files of the interop suites, written once per process into a
# temporary directory from the keys in t/data (returned: its path):
#
#   nestjs-oct.json  the oct JWK of NESTJS_SECRET (k: base64url of the
#                    secret's bytes), no kid, as a NestJS HS256 issuer needs
#   my-key-id.json   rsa1 under kid "my-key-id" (a node-jose issuer)
#   auth0.json       rsa2 under kid AUTH0_KID, with x5c (a self-signed
#                    certificate of the key, made by openssl) and x5t, as
#                    Auth0 publishes its keys
#   rsa-any.json     rsa1 without "alg": RS256..PS512 (kid rsa1)
#   short-hmac.json  a 16-byte oct key (kid "short", skipped at load) and
#                    hs256
our $NESTJS_SECRET = 'nestjs-jwt-secret-from-the-env-file-0123456789';
our $AUTH0_KID     = 'NjVBRjY5MDlCMUIwNzU4RTA2QzZFMDQ4QzQ2MDAyQjVDNjk1RTM2Qg';
our $SHORT_SECRET  = 'sixteen-byte-key';      # 16 bytes: under RFC 7518's 32
my $KEYS_DIR;

sub keys_dir {
    return $KEYS_DIR if defined $KEYS_DIR;
    my $dir = File::Temp::tempdir('jwtgate-interop-XXXXXX', TMPDIR => 1,
                                  CLEANUP => 1);
    chmod 0755, $dir;
    my $jwk = sub { $JSON->decode(_slurp("$ROOT/t/data/$_[0].jwk")) };
    my $b64u = sub { MIME::Base64::encode_base64url($_[0]) };

    _spew("$dir/nestjs-oct.json", $JSON->encode(
        {keys => [{kty => 'oct', k => $b64u->($NESTJS_SECRET)}]}));

    my $k = $jwk->('rsa1');
    $k->{kid} = 'my-key-id';
    _spew("$dir/my-key-id.json", $JSON->encode({keys => [$k]}));

    $k = $jwk->('rsa1');
    delete $k->{alg};
    _spew("$dir/rsa-any.json", $JSON->encode({keys => [$k]}));

    _spew("$dir/short-hmac.json", $JSON->encode({keys => [
        {kty => 'oct', kid => 'short', alg => 'HS256',
         k => $b64u->($SHORT_SECRET)},
        $jwk->('hs256')]}));

    my $der = `openssl req -new -x509 -key '$ROOT/t/data/rsa2.pem' -subj '/CN=tenant.auth0.test' -days 3650 -outform DER 2>/dev/null`;
    croak "openssl req failed ($?)" if $? != 0 || !length $der;
    $k = $jwk->('rsa2');
    $k->{kid} = $AUTH0_KID;
    $k->{x5c} = [MIME::Base64::encode_base64($der, '')];
    $k->{x5t} = $b64u->(Digest::SHA::sha1($der));
    _spew("$dir/auth0.json", $JSON->encode({keys => [$k]}));

    return $KEYS_DIR = $dir;
}

sub _slurp {
    my ($file) = @_;
    open my $fh, '<:raw', $file or croak "$file: $!";
    local $/;
    return scalar <$fh>;
}

sub _spew {
    my ($file, $text) = @_;
    open my $fh, '>:raw', $file or croak "$file: $!";
    print {$fh} $text;
    close $fh or croak "$file: $!";
    chmod 0644, $file;
}

# Requests with lib "pyjwt" go to PyJWT, the others to Node.
sub mint {
    my (%named) = @_;
    my (@py, @js, @pyn, @jsn);
    for my $n (sort keys %named) {
        my $r = { op => 'sign', %{ $named{$n} } };
        if (($r->{lib} // '') eq 'pyjwt') {
            push @py, $r;
            push @pyn, $n;
        } else {
            push @js, $r;
            push @jsn, $n;
        }
    }
    my %t;
    if (@py) {
        my $res = python(\@py);
        @t{@pyn} = map { $_->{token} } @$res;
    }
    if (@js) {
        my $res = node(\@js);
        @t{@jsn} = map { $_->{token} } @$res;
    }
    return \%t;
}

1;
