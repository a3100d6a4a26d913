# jwtgate-issuer signs only with keys its own user put in a directory that
# nobody else can write to: a key directory or key file owned by another
# user, writable by group or others, a symbolic link or not a regular file
# stops the start with a message that says why; a new key is written
# through a temporary file created with O_EXCL, never through a file that is
# already there.
#
# The tests run as root: "another user" is uid 65534 (nobody), set by chown.

use strict;
use warnings;

use File::Basename ();
use lib File::Basename::dirname(__FILE__) . '/../lib';

use File::Copy ();
use File::Temp ();
use POSIX ();
use Test::More;
use Time::HiRes ();

use Crypt::PK::RSA;

use JWTGate::Issuer;
use JWTGate::Token ();

my $bin = JWTGate::Issuer::binary();
my $dir = File::Temp->newdir;
my $nobody = 65534;
my $uid = $>;

plan skip_all => 'chown to another user needs root' unless $uid == 0;

# (exit code, output) of a start with --key-dir $keys; a start that is
# refused exits at once, one that is not is killed after a few seconds
sub start_with {
    my ($keys) = @_;
    my $out = "$dir/out";
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDIN, '<', '/dev/null' or POSIX::_exit(127);
        open STDOUT, '>', $out or POSIX::_exit(127);
        open STDERR, '>&', \*STDOUT or POSIX::_exit(127);
        exec $bin, '--users', "$dir/users", '--port', 0, '--key-dir', $keys
            or POSIX::_exit(127);
    }
    my $deadline = Time::HiRes::time()
                   + (JWTGate::Issuer::valgrind() ? 60 : 4);
    while (waitpid($pid, POSIX::WNOHANG()) != $pid) {
        if (Time::HiRes::time() > $deadline) {
            kill 'KILL', $pid;
            waitpid $pid, 0;
            last;
        }
        Time::HiRes::sleep(0.05);
    }
    my $status = $?;
    open my $fh, '<', $out or die "$out: $!";
    local $/;
    return ($status & 127 ? 128 + ($status & 127) : $status >> 8,
            scalar <$fh> // '');
}

sub new_dir {
    my ($name, $mode) = @_;
    my $path = "$dir/$name";
    mkdir $path or die "mkdir $path: $!";
    chmod $mode, $path or die "chmod $path: $!";
    return $path;
}

# a copy of the RSA test key, with its mode
sub put_key {
    my ($path, $mode) = @_;
    File::Copy::copy(JWTGate::Token::key_path('rsa1'), $path)
        or die "copy $path: $!";
    chmod $mode, $path or die "chmod $path: $!";
    return $path;
}

sub pem_files {
    my ($path) = @_;
    opendir my $dh, $path or die "$path: $!";
    return sort grep { /\.pem\z/ } readdir $dh;
}

sub slurp {
    my ($path) = @_;
    open my $fh, '<', $path or die "$path: $!";
    local $/;
    return scalar <$fh>;
}

{
    my $hash = JWTGate::Issuer::hash_password('pw');
    open my $fh, '>', "$dir/users" or die "users: $!";
    print {$fh} "alice:$hash:user\n";
    close $fh or die "users: $!";
}

my $rsa_kid = Crypt::PK::RSA->new(JWTGate::Token::key_path('rsa1'))
                            ->export_key_jwk_thumbprint('SHA256');

# --- the key directory --------------------------------------------------------

my ($rc, $out);

for my $case (['world-writable', 0777], ['group-writable', 0770],
              ['writable by others, sticky', 01733])
{
    my ($what, $mode) = @$case;
    (my $name = $what) =~ s/\W+/-/g;
    my $keys = new_dir($name, $mode);
    ($rc, $out) = start_with($keys);
    is $rc, 1, "a $what key directory: refused (exit 1)";
    like $out, qr/key\ directory\ \Q$keys\E:\ mode\ 0?${\ sprintf '%o', $mode},
                  \ group\ or\ others\ can\ write/x, '... and why';
    is_deeply [pem_files($keys)], [], '... no key is written there';
}

my $theirs = new_dir('theirs', 0700);
chown $nobody, $nobody, $theirs or die "chown: $!";
($rc, $out) = start_with($theirs);
is $rc, 1, 'a key directory owned by another user: refused (exit 1)';
like $out, qr/key\ directory\ \Q$theirs\E:\ owned\ by\ uid\ $nobody,
              \ not\ by\ the\ issuer's\ user\ \(uid\ $uid\)/x,
    '... and why';
is_deeply [pem_files($theirs)], [], '... no key is written there';

my $theirs_keyed = new_dir('theirs-keyed', 0700);
put_key("$theirs_keyed/planted.pem", 0600);
chown $nobody, $nobody, $theirs_keyed or die "chown: $!";
($rc, $out) = start_with($theirs_keyed);
is $rc, 1, '... with a key in it: refused too';
unlike $out, qr/\Q$rsa_kid\E/, '... the planted key is never loaded';

my $real = new_dir('real', 0700);
symlink $real, "$dir/link" or die "symlink: $!";
for my $keys ("$dir/link", "$dir/link/") {
    ($rc, $out) = start_with($keys);
    is $rc, 1, "a symbolic link as key directory ($keys): refused";
    like $out, qr/key directory \Q$dir\E\/link: a symbolic link/,
        '... and why';
}
is_deeply [pem_files($real)], [], '... nothing is written where it points';

symlink "$dir/nowhere", "$dir/dangling" or die "symlink: $!";
($rc, $out) = start_with("$dir/dangling");
is $rc, 1, 'a dangling symbolic link as key directory: refused';
ok !-e "$dir/nowhere", '... no directory is created where it points';

open my $fh, '>', "$dir/a-file" or die "a-file: $!";
close $fh;
($rc, $out) = start_with("$dir/a-file");
is $rc, 1, 'a regular file as key directory: refused';
like $out, qr/key directory \Q$dir\E\/a-file: not a directory/, '... and why';

# --- key files ----------------------------------------------------------------

for my $case (['world-readable', 0644], ['group-readable', 0640],
              ['world-writable', 0606])
{
    my ($what, $mode) = @$case;
    (my $name = $what) =~ s/\W+/-/g;
    my $keys = new_dir("file-$name", 0700);
    put_key("$keys/k.pem", $mode);
    ($rc, $out) = start_with($keys);
    is $rc, 1, "a $what key file: refused (exit 1)";
    like $out, qr/key\ \Q$keys\E\/k\.pem:\ mode\ 0${\ sprintf '%o', $mode},
                  \ group\ or\ others\ can\ read\ or\ write/x,
        '... and why';
}

my $owned = new_dir('file-owned', 0700);
put_key("$owned/k.pem", 0600);
chown $nobody, $nobody, "$owned/k.pem" or die "chown: $!";
($rc, $out) = start_with($owned);
is $rc, 1, 'a key file owned by another user: refused (exit 1)';
like $out, qr/key\ \Q$owned\E\/k\.pem:\ owned\ by\ uid\ $nobody,
              \ not\ by\ the\ issuer's\ user\ \(uid\ $uid\)/x,
    '... and why';

my $linked = new_dir('file-link', 0700);
put_key("$dir/elsewhere.pem", 0600);
symlink "$dir/elsewhere.pem", "$linked/k.pem" or die "symlink: $!";
($rc, $out) = start_with($linked);
is $rc, 1, 'a key file that is a symbolic link: refused (exit 1)';
like $out, qr/key \Q$linked\E\/k\.pem: a symbolic link/, '... and why';

my $fifo = new_dir('file-fifo', 0700);
POSIX::mkfifo("$fifo/k.pem", 0600) or die "mkfifo: $!";
($rc, $out) = start_with($fifo);
is $rc, 1, 'a FIFO as key file: refused at once (exit 1)';
like $out, qr/key \Q$fifo\E\/k\.pem: not a regular file/, '... and why';

my $subdir = new_dir('file-dir', 0700);
new_dir('file-dir/k.pem', 0700);
($rc, $out) = start_with($subdir);
is $rc, 1, 'a directory named *.pem: refused (exit 1)';
like $out, qr/key \Q$subdir\E\/k\.pem: not a regular file/, '... and why';

# --- the temporary file of a new key -----------------------------------------

my $tmp_dir = new_dir('tmp-left', 0700);
put_key("$dir/victim", 0600);
my $victim = slurp("$dir/victim");
link "$dir/victim", "$tmp_dir/.new-key.tmp" or die "link: $!";
($rc, $out) = start_with($tmp_dir);
is $rc, 1, 'a file already at the temporary name: refused (exit 1)';
like $out, qr/key directory \Q$tmp_dir\E: \.new-key\.tmp is there/,
    '... and why';
is slurp("$dir/victim"), $victim, '... the file is left as it was';
is_deeply [pem_files($tmp_dir)], [], '... and no key is written';

# planted after the start: the rotation fails, the current key signs on
# (ES256: a key is made at once, even under valgrind)
my $hash = JWTGate::Issuer::hash_password('pw');
my $iss = JWTGate::Issuer->start(users => ["alice:$hash:user"],
                                 args => ['--alg', 'ES256',
                                          '--rotation-delay', 1]);
my @kids = $iss->kids;
my $keys = $iss->key_dir;
link "$dir/victim", "$keys/.new-key.tmp" or die "link: $!";
$iss->signal('HUP');
my $deadline = Time::HiRes::time() + (JWTGate::Issuer::valgrind() ? 60 : 5);
Time::HiRes::sleep(0.1)
    until $iss->log_text =~ /rotation: failed/
          || Time::HiRes::time() > $deadline;
like $iss->log_text, qr/cannot create \Q$keys\E\/\.new-key\.tmp: File exists/,
    'a file planted at the temporary name: O_EXCL refuses it';
like $iss->log_text, qr/rotation: failed, the current key keeps signing/,
    '... the rotation fails';
is slurp("$dir/victim"), $victim, '... the planted file is left as it was';
is_deeply [$iss->kids], \@kids, '... the JWKS is unchanged';
ok $iss->login('alice', 'pw'), '... and logins go on';
is $iss->stop, 0, 'a clean exit';

# --- what is accepted ---------------------------------------------------------

$iss = JWTGate::Issuer->start(users => ["alice:$hash:user"],
                              key_dir => "$dir/fresh");
is +(stat "$dir/fresh")[2] & 07777, 0700, 'a new key directory is made 0700';
my ($new) = pem_files("$dir/fresh");
ok $new, '... a key is generated in it';
my @st = stat "$dir/fresh/$new";
is $st[2] & 07777, 0600, '... mode 0600';
is $st[4], $uid, "... owned by the issuer's user";
ok !-e "$dir/fresh/.new-key.tmp", '... no temporary file is left';
is $iss->stop, 0, 'a clean exit';

$iss = JWTGate::Issuer->start(users => ["alice:$hash:user"],
                              key_dir => "$dir/fresh");
is_deeply [$iss->kids], [$new =~ s/\.pem\z//r],
    'restarted on its own directory: the key is loaded';
is $iss->stop, 0, 'a clean exit';

my $shared = new_dir('operator', 0755);
put_key("$shared/operator.pem", 0400);
utime time - 600, time - 600, "$shared/operator.pem";
$iss = JWTGate::Issuer->start(users => ["alice:$hash:user"],
                              key_dir => $shared);
is_deeply [$iss->kids], [$rsa_kid],
    'a 0755 directory and a 0400 key of our own: loaded';
is JWTGate::Issuer::header_of($iss->login('alice', 'pw'))->{kid}, $rsa_kid,
    '... and it signs';
is $iss->stop, 0, 'a clean exit';

done_testing;
