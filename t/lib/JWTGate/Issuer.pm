package JWTGate::Issuer;

# Test helper for build/jwtgate-issuer: starts it on a free 127.0.0.1 port
# (--port 0, the port read back from its log) with its own temporary
# directory, talks HTTP to it with HTTP::Tiny, and checks its tokens with
# Crypt::JWT against the JWKS it serves, never with our own C code.
#
#   my $iss = JWTGate::Issuer->start(users => [...], args => [...]);
#   my $res = $iss->post_json('/auth/login', {username => .., ...});
#   my ($header, $claims) = $iss->verify($token);
#   $iss->stop;           # SIGTERM by pid; also done at END for leftovers
#
# JWTGATE_ISSUER names the binary (default build/jwtgate-issuer).  With
# ISSUER_VALGRIND=1 the issuer runs under valgrind and stop() fails the
# caller's test on any error or definite leak valgrind reports.

use strict;
use warnings;

use Carp qw(croak);
use Cwd ();
use File::Temp ();
use HTTP::Tiny;
use JSON::PP ();
use POSIX ();
use Time::HiRes ();

use Crypt::JWT ();

my $JSON = JSON::PP->new->utf8->canonical;
my @RUNNING;
my $STARTS = 0;

sub binary {
    my $bin = $ENV{JWTGATE_ISSUER} // 'build/jwtgate-issuer';
    croak "no $bin: run make tools" unless -x $bin;
    return Cwd::abs_path($bin);
}

sub valgrind { return $ENV{ISSUER_VALGRIND} ? 1 : 0 }

# A yescrypt hash from the issuer's own --hash-password.
sub hash_password {
    my ($password, $method) = @_;
    return _pipe_line([binary(), '--hash-password'
                                 . (defined $method ? "=$method" : '')],
                      "$password\n");
}

sub hash_api_key {
    my ($key) = @_;
    return _pipe_line([binary(), '--hash-api-key'], "$key\n");
}

# The first line a command prints with $input on its stdin.
sub _pipe_line {
    my ($cmd, $input) = @_;
    my $dir = File::Temp->newdir;
    my $in = "$dir/in";
    open my $fh, '>', $in or croak "$in: $!";
    print {$fh} $input;
    close $fh or croak "$in: $!";
    open my $out, '-|', 'sh', '-c', '"$@" < "$0"', $in, @$cmd
        or croak "sh: $!";
    my $line = <$out>;
    close $out or croak "@$cmd failed: $?";
    chomp $line if defined $line;
    return $line;
}

# start(users => [lines], services => [lines], args => [options],
#       key_dir => DIR (default: a fresh one in the temporary directory))
sub start {
    my ($class, %o) = @_;

    my $self = bless {}, $class;
    $self->{tmp} = $o{tmp} // File::Temp->newdir('jwtgate-issuer-XXXXXX',
                                                  TMPDIR => 1);
    my $dir = "$self->{tmp}";
    $self->{dir} = $dir;
    $self->{key_dir} = $o{key_dir} // "$dir/keys";
    $self->{log} = "$dir/issuer-" . ++$STARTS . ".log";
    $self->{pid_file} = "$dir/issuer.pid";
    unlink $self->{pid_file};

    my @args = ('--port', 0, '--pid-file', $self->{pid_file},
                '--key-dir', $self->{key_dir});

    for my $kind (qw(users services)) {
        next unless $o{$kind};
        my $file = "$dir/$kind";
        open my $fh, '>', $file or croak "$file: $!";
        print {$fh} map { "$_\n" } @{$o{$kind}};
        close $fh or croak "$file: $!";
        push @args, "--$kind", $file;
    }

    push @args, @{$o{args} // []};

    my @cmd = (binary(), @args);
    unshift @cmd, 'valgrind', '-q', '--error-exitcode=99',
            '--leak-check=full', '--errors-for-leak-kinds=definite',
            '--show-leak-kinds=definite'
        if valgrind();

    my $pid = fork;
    croak "fork: $!" unless defined $pid;

    if ($pid == 0) {
        open STDIN, '<', '/dev/null' or POSIX::_exit(127);
        open STDOUT, '>>', $self->{log} or POSIX::_exit(127);
        open STDERR, '>>', $self->{log} or POSIX::_exit(127);
        exec @cmd or POSIX::_exit(127);
    }

    $self->{pid} = $pid;
    push @RUNNING, $self;

    # ready once the pid file exists; the log then names the port
    my $deadline = Time::HiRes::time() + (valgrind() ? 60 : 10);

    until (-s $self->{pid_file}) {
        if (waitpid($pid, POSIX::WNOHANG()) == $pid) {
            $self->{pid} = undef;
            $self->{status} = $?;
            croak "the issuer exited at start ($?):\n" . $self->log_text;
        }
        if (Time::HiRes::time() > $deadline) {
            $self->kill_now;
            croak "the issuer did not start in time:\n" . $self->log_text;
        }
        Time::HiRes::sleep(0.02);
    }

    my ($port) = $self->log_text =~ m{listening on http://127\.0\.0\.1:(\d+)}
        or croak "no port in the issuer's log:\n" . $self->log_text;

    $self->{port} = $port;
    $self->{http} = HTTP::Tiny->new(timeout => valgrind() ? 60 : 10,
                                    keep_alive => 0);
    return $self;
}

sub port { $_[0]{port} }
sub pid { $_[0]{pid} }
sub key_dir { $_[0]{key_dir} }
sub url { "http://127.0.0.1:$_[0]{port}$_[1]" }

sub log_text {
    my ($self) = @_;
    open my $fh, '<', $self->{log} or return '';
    local $/;
    my $text = <$fh>;
    return $text // '';
}

sub signal {
    my ($self, $sig) = @_;
    croak "the issuer is not running" unless $self->{pid};
    kill $sig, $self->{pid} or croak "kill $sig $self->{pid}: $!";
}

# SIGTERM, then waits (bounded) for the exit; returns the wait status.
sub stop {
    my ($self) = @_;
    my $pid = $self->{pid} or return $self->{status};

    kill 'TERM', $pid;
    my $deadline = Time::HiRes::time() + (valgrind() ? 60 : 10);

    while (waitpid($pid, POSIX::WNOHANG()) != $pid) {
        if (Time::HiRes::time() > $deadline) {
            $self->kill_now;
            return $self->{status} = -1;
        }
        Time::HiRes::sleep(0.02);
    }

    $self->{pid} = undef;
    @RUNNING = grep { $_ != $self } @RUNNING;
    return $self->{status} = $?;
}

sub kill_now {
    my ($self) = @_;
    my $pid = $self->{pid} or return;
    kill 'KILL', $pid;
    waitpid $pid, 0;
    $self->{pid} = undef;
    @RUNNING = grep { $_ != $self } @RUNNING;
}

END {
    my $status = $?;
    $_->kill_now for @RUNNING;
    $? = $status;
}

sub request {
    my ($self, $method, $path, %o) = @_;
    my $res = $self->{http}->request($method, $self->url($path), \%o);
    my $body = $res->{content} // '';
    $res->{json} = eval { $JSON->decode($body) } if length $body;
    return $res;
}

sub post_json {
    my ($self, $path, $data, %headers) = @_;
    return $self->request('POST', $path,
        headers => {'Content-Type' => 'application/json', %headers},
        content => ref $data ? $JSON->encode($data) : $data);
}

sub post_form {
    my ($self, $path, $body, %headers) = @_;
    return $self->request('POST', $path,
        headers => {'Content-Type' => 'application/x-www-form-urlencoded',
                    %headers},
        content => $body);
}

sub login {
    my ($self, $user, $password) = @_;
    my $res = $self->post_json('/auth/login',
                               {username => $user, password => $password});
    return $res->{status} == 200 ? $res->{json}{access_token} : undef;
}

sub jwks {
    my ($self) = @_;
    my $res = $self->request('GET', '/.well-known/jwks.json');
    croak "JWKS: $res->{status}" unless $res->{status} == 200;
    return $res->{json};
}

sub kids {
    my ($self) = @_;
    return map { $_->{kid} } @{$self->jwks->{keys}};
}

# ($header, $claims) of a token verified against the issuer's current JWKS
# (or the one given), or dies.
sub verify {
    my ($self, $token, %o) = @_;
    my $jwks = $o{jwks} // $self->jwks;
    return Crypt::JWT::decode_jwt(token => $token, kid_keys => $jwks,
                                  decode_header => 1,
                                  accepted_alg => $o{alg} // 'RS256',
                                  verify_exp => $o{exp} // 1,
                                  verify_iat => 1,
                                  leeway => 1);
}

# The header of a token, unverified.
sub header_of {
    my ($token) = @_;
    my ($h) = split /\./, $token;
    $h =~ tr{-_}{+/};
    $h .= '=' x ((4 - length($h) % 4) % 4);
    require MIME::Base64;
    return $JSON->decode(MIME::Base64::decode_base64($h));
}

1;
