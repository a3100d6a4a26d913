package JWTGate::Reload;

# The helpers of the reload suites (t/052, t/054, t/059, t/076,
# t/079-refresh-no-wait-reload.t): plain Test::More scripts that run their
# own nginx (a master and its workers, TEST_NGINX_BINARY) in a temporary
# prefix, with a gateway and an issuer server on two ports of the file's
# slot, and reload it (SIGHUP).
#
#   use JWTGate::Reload qw($prefix $gw $issuer $master spew slurp
#                          start_nginx stop_nginx workers_of wait_for
#                          http_get);
#   JWTGate::Reload::setup('052', qw(conf html logs));
#
#   setup($name, @dirs)  the prefix (a temporary directory, with @dirs in
#                        it) in $prefix; the gateway's and the issuer's
#                        ports in $gw and $issuer: free ones from
#                        TEST_NGINX_PORT + 1 (JWTGate::Ports: the 250
#                        ports of the file's slot, tools/prove-slot.sh,
#                        never a port of another slot); nginx stopped at
#                        the end, and on SIGINT and SIGTERM
#   $master              the nginx started: $master = start_nginx()
#   start_nginx()        nginx in the foreground (daemon off in the
#                        configuration), -p $prefix/, its output in
#                        logs/stderr; returns its pid
#   stop_nginx()         QUIT, then TERM after 5 s, KILL after 3 s more:
#                        only $master; returns the signal that worked
#   workers_of($pid)     the processes whose parent is $pid
#   wait_for($s, $what, sub {...})  polls every 20 ms until the sub is
#                        true (returned) or $s seconds (a diag, undef),
#                        or nginx exited
#   http_get($path, $token)  (status, body), a request of its own to $gw;
#                        read until the server closes (3 s at most), or,
#                        with $JWTGate::Reload::UNTIL_LENGTH, until the
#                        body of the Content-Length is there (nginx may
#                        hold the connection for a background fetch)
#   spew($file, $text), slurp($file)
#
# Every wait has a deadline; only the nginx a file started (and, by its
# pid, one of its workers) gets a signal.

use strict;
use warnings;

use Exporter 'import';
use File::Temp ();
use IO::Select ();
use IO::Socket::INET ();
use POSIX ();
use Test::More ();
use Time::HiRes ();

use JWTGate::Ports qw(free_port);

our @EXPORT_OK = qw($prefix $gw $issuer $master spew slurp start_nginx
                    stop_nginx workers_of wait_for http_get);

our ($prefix, $gw, $issuer, $master);
our $UNTIL_LENGTH = 0;

sub setup {
    my ($name, @dirs) = @_;
    $prefix = File::Temp::tempdir("jwtgate-$name-XXXXXX", TMPDIR => 1,
                                  CLEANUP => 1);
    mkdir "$prefix/$_" or die "$prefix/$_: $!" for @dirs;
    my $base = $ENV{TEST_NGINX_SERVER_PORT} || $ENV{TEST_NGINX_PORT} || 1984;
    $gw = free_port($base + 1, $base);
    $issuer = free_port($gw + 1, $base, $gw);
    $SIG{INT} = $SIG{TERM} = sub { stop_nginx(); exit 1 };
    return $prefix;
}

END {
    local $?;
    stop_nginx();
}

sub spew {
    my ($file, $text) = @_;
    open my $fh, '>', $file or die "$file: $!";
    print {$fh} $text;
    close $fh or die "$file: $!";
}

sub slurp {
    my ($file) = @_;
    open my $fh, '<', $file or return '';
    local $/;
    my $s = <$fh>;
    return $s // '';
}

sub stop_nginx {
    return unless $master;
    for my $step ([QUIT => 5], [TERM => 3], [KILL => 3]) {
        my ($sig, $wait) = @$step;
        kill $sig, $master;
        my $deadline = Time::HiRes::time() + $wait;
        while (Time::HiRes::time() < $deadline) {
            my $r = waitpid $master, POSIX::WNOHANG();
            if ($r == $master || $r < 0) {
                undef $master;
                return $sig;
            }
            Time::HiRes::sleep(0.02);
        }
    }
    Test::More::diag("nginx (pid $master) did not stop");
    undef $master;
    return 'stuck';
}

sub start_nginx {
    my $nginx = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$prefix/logs/stderr";
        open STDERR, '>&', \*STDOUT;
        { no warnings 'exec';
          exec $nginx, '-p', "$prefix/", '-c', "$prefix/conf/nginx.conf",
                       '-e', "$prefix/logs/error.log"; }
        print STDERR "exec $nginx failed: $!\n";
        POSIX::_exit(127);
    }
    return $pid;
}

# The workers of our master: the processes whose parent it is.
sub workers_of {
    my ($ppid) = @_;
    my @w;
    opendir my $d, '/proc' or return ();
    for my $p (grep { /^\d+$/ } readdir $d) {
        my $stat = slurp("/proc/$p/stat") or next;
        # pid (comm) state ppid ...
        my ($rest) = $stat =~ /\)\s+(.*)$/s or next;
        my (undef, $pp) = split ' ', $rest;
        push @w, $p + 0 if $pp == $ppid;
    }
    return sort { $a <=> $b } @w;
}

# wait_for($seconds, $what, sub { ... true when done }): polls every 20 ms.
sub wait_for {
    my ($secs, $what, $cond) = @_;
    my $deadline = Time::HiRes::time() + $secs;
    while (1) {
        my $r = $cond->();
        return $r if $r;
        if (Time::HiRes::time() > $deadline) {
            Test::More::diag("gave up after $secs s waiting for $what");
            return;
        }
        my $r2 = waitpid $master, POSIX::WNOHANG();
        if ($r2 == $master) {
            Test::More::diag("nginx exited while waiting for $what:"
                             . " status $?");
            undef $master;
            return;
        }
        Time::HiRes::sleep(0.02);
    }
}

# http_get($path, $token): (status, body); each on its own connection.
sub http_get {
    my ($path, $token) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $gw,
                                  Proto => 'tcp', Timeout => 2)
        or return ('', "connect: $!");
    my $req = "GET $path HTTP/1.0\r\nHost: localhost\r\n"
            . (defined $token ? "Authorization: Bearer $token\r\n" : '')
            . "\r\n";
    syswrite $s, $req;
    my $sel = IO::Select->new($s);
    my $buf = '';
    my $deadline = Time::HiRes::time() + 3;
    while ((my $left = $deadline - Time::HiRes::time()) > 0) {
        last unless $sel->can_read($left);
        my $n = sysread $s, my $chunk, 65536;
        last unless $n;
        $buf .= $chunk;
        # the whole answer: nginx may keep the connection open while a
        # background fetch that the request started runs
        last if $UNTIL_LENGTH
                && $buf =~ /\r\nContent-Length: (\d+)\r\n.*?\r\n\r\n(.*)\z/si
                && length($2) >= $1;
    }
    close $s;
    my ($head, $body) = split /\r\n\r\n/, $buf, 2;
    my ($status) = ($head // '') =~ m{^HTTP/\d\.\d (\d{3})};
    return ($status // '', $body // '');
}

1;
