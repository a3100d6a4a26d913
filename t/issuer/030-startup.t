# jwtgate-issuer at start: --help, bad options, and every broken users,
# services or key file stops it with a message naming the file and line.

use strict;
use warnings;

use File::Basename ();
use lib File::Basename::dirname(__FILE__) . '/../lib';

use File::Temp ();
use POSIX ();
use Test::More;

use JWTGate::Issuer;

my $bin = JWTGate::Issuer::binary();
my $dir = File::Temp->newdir;

# (exit code, stdout and stderr) of the issuer with @args, stdin from /dev/null
sub run {
    my @args = @_;
    my $out = "$dir/out";
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDIN, '<', '/dev/null' or POSIX::_exit(127);
        open STDOUT, '>', $out or POSIX::_exit(127);
        open STDERR, '>&', \*STDOUT or POSIX::_exit(127);
        exec $bin, @args or POSIX::_exit(127);
    }
    # a start that fails must fail at once: never wait long
    local $SIG{ALRM} = sub { kill 'KILL', $pid };
    alarm 10;
    waitpid $pid, 0;
    alarm 0;
    my $status = $?;
    open my $fh, '<', $out or die "$out: $!";
    local $/;
    return ($status >> 8, scalar <$fh> // '');
}

sub write_file {
    my ($name, @lines) = @_;
    my $path = "$dir/$name";
    open my $fh, '>', $path or die "$path: $!";
    print {$fh} @lines;
    close $fh or die "$path: $!";
    return $path;
}

my ($rc, $out) = run('--help');
is $rc, 0, '--help: exit 0';
like $out, qr/NOT a production identity provider/, '--help says so';
like $out, qr/--rotation-delay/, '--help lists the options';

($rc, $out) = run();
is $rc, 2, 'no users and no services: exit 2';
like $out, qr/nothing to issue/, '... and why';

my $hash = JWTGate::Issuer::hash_password('pw');
my $users = write_file('good-users', "alice:$hash:user\n");

for my $case ([['--alg', 'HS256'], qr/RS256 or ES256/],
              [['--lifetime', 0], qr/--lifetime/],
              [['--lifetime', '10s'], qr/--lifetime/],
              [['--port', 70000], qr/--port/],
              [['--rotate-every', 5, '--rotation-delay', 5],
               qr/--rotate-every must be longer/],
              [['--bogus'], qr/unknown option --bogus/],
              [['--bind', 'localhost', '--port', 0], qr/not an IPv4/])
{
    my ($args, $why) = @$case;
    ($rc, $out) = run('--users', $users, '--port', 0, @$args);
    isnt $rc, 0, "@$args: refused";
    like $out, $why, '... and why';
}

my $svc = 'a' x 64;
my @bad_users = (
    ["alice:$hash\n",                         qr/users:1: username:hash/],
    ["# ok\nal ice:$hash:\n",                 qr/users:2: bad username/],
    ["alice:\$6\$salt\$abc:user\n",           qr/users:1: .*not a yescrypt/],
    ["alice:plain:user\n",                    qr/users:1: .*not a yescrypt/],
    ["alice:\$y\$broken:user\n",              qr/users:1: .*not a yescrypt/],
    ["alice:$hash:a,,b\n",                    qr/users:1: bad roles/],
    ["alice:$hash:a,\n",                      qr/users:1: bad roles/],
    ["alice:$hash:r\xc3\xb4le\n",             qr/users:1: bad roles/],
    ["alice:$hash:user:two  spaces\n",        qr/users:1: .*bad scope/],
    ["alice:$hash:user\nalice:$hash:\n",      qr/users:2: user "alice" again/],
    ["alice:$hash:user\0\n",                  qr/NUL byte/],
);

for my $case (@bad_users) {
    my ($text, $why) = @$case;
    ($rc, $out) = run('--users', write_file('users', $text), '--port', 0);
    is $rc, 1, 'a broken users file: exit 1';
    like $out, $why, "... $why";
}

my @bad_services = (
    ["orders:$svc\n",              qr/services:1: name:sha256-hex:scope/],
    ["orders:abc:read\n",          qr/services:1: .*64 hex digits/],
    ["orders:" . 'g' x 64 . ":r\n", qr/services:1: .*64 hex digits/],
    ["orders:$svc:\"quoted\"\n",   qr/services:1: .*bad scope/],
    ["a:$svc:\na:$svc:\n",         qr/services:2: service "a" again/],
);

for my $case (@bad_services) {
    my ($text, $why) = @$case;
    ($rc, $out) = run('--services', write_file('services', $text),
                      '--port', 0);
    is $rc, 1, 'a broken services file: exit 1';
    like $out, $why, "... $why";
}

($rc, $out) = run('--users', "$dir/none", '--port', 0);
is $rc, 1, 'a missing users file: exit 1';
like $out, qr/cannot open .*none/, '... and why';

mkdir "$dir/keys" or die "mkdir: $!";
write_file('keys/broken.pem', "-----BEGIN PRIVATE KEY-----\nAAAA\n");
chmod 0600, "$dir/keys/broken.pem" or die "chmod: $!";
($rc, $out) = run('--users', $users, '--port', 0, '--key-dir', "$dir/keys");
is $rc, 1, 'a broken key file: exit 1';
like $out, qr/broken\.pem: not an unencrypted PEM private key/,
    '... and why';

done_testing;
