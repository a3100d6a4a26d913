package Test::Nginx::Util;

# Support code for t/lib/Test/Nginx/Socket.pm: the settings, the generated
# nginx.conf, the server root, and the nginx process itself.
#
# jwtgate's own code, written from Test::Nginx's documented behaviour (the
# CPAN distribution is not packaged for Debian).  See t/lib/README.md.
#
# nginx always runs in the foreground (daemon off) as a child of the test
# process: started for a block, stopped at the end of it, and never any
# other process signalled.

use strict;
use warnings;

use Cwd ();
use Exporter 'import';
use Fcntl ();
use File::Path ();
use File::Spec;
use IO::Socket::INET;
use POSIX ();
use Time::HiRes ();

our @EXPORT_OK = qw(
    $ServerPort $ServerPortForClient $ServRoot $HtmlDir $LogDir $ConfDir
    $ConfFile $ErrLogFile $AccLogFile $PidFile $StderrFile $NginxBinary
    $LogLevel $Workers $MasterProcessEnabled $RepeatEach $NoShuffle
    $NoRootLocation $WorkerConnections $Timeout $NoLongString
    @EnvToNginx @BlockPreprocessors @CleanupHandlers
    expand_env build_nginx_conf prepare_servroot write_user_files
    _parse_user_files nginx_capabilities start_nginx wait_ready
    wait_exit stop_nginx nginx_running port_listening read_from file_size
    slurp describe_status
);
our %EXPORT_TAGS = (all => \@EXPORT_OK);

# ---------------------------------------------------------------------------
# settings, read once from the environment when the module loads

sub _find_in_path {
    my $prog = shift;
    for my $dir (split /:/, $ENV{PATH} // '') {
        next unless length $dir;
        my $f = "$dir/$prog";
        return $f if -f $f && -x _;
    }
    return undef;
}

our $ServerPort = $ENV{TEST_NGINX_SERVER_PORT} || $ENV{TEST_NGINX_PORT}
                  || 1984;
our $ServerPortForClient = $ENV{TEST_NGINX_CLIENT_PORT} || $ServerPort;

our $ServRoot = File::Spec->rel2abs($ENV{TEST_NGINX_SERVROOT}
                                    || File::Spec->catdir('t', 'servroot'));
$ServRoot =~ s{/+\z}{};
our $HtmlDir    = "$ServRoot/html";
our $LogDir     = "$ServRoot/logs";
our $ConfDir    = "$ServRoot/conf";
our $ConfFile   = "$ConfDir/nginx.conf";
our $ErrLogFile = "$LogDir/error.log";
our $AccLogFile = "$LogDir/access.log";
our $PidFile    = "$LogDir/nginx.pid";
our $StderrFile = "$LogDir/nginx.stderr";

our $NginxBinary = $ENV{TEST_NGINX_BINARY} || _find_in_path('nginx')
                   || '/usr/sbin/nginx';

our $LogLevel             = $ENV{TEST_NGINX_LOG_LEVEL} || 'debug';
our $Workers              = 1;
our $MasterProcessEnabled = 0;
our $RepeatEach           = 1;
our $NoShuffle            = $ENV{TEST_NGINX_NO_SHUFFLE} || 0;
our $NoRootLocation       = 0;
our $WorkerConnections    = 64;
our $Timeout              = $ENV{TEST_NGINX_TIMEOUT} || 3;
our $NoLongString         = 0;
our @EnvToNginx;
our @BlockPreprocessors;
our @CleanupHandlers;

# Always defined for $TEST_NGINX_* expansion (and for eval code), as the
# real Test::Nginx defines them: TEST_NGINX_SERVER_ROOT (not SERVROOT,
# which is only read, nor an HTML_DIR: use $TEST_NGINX_SERVER_ROOT/html).
$ENV{TEST_NGINX_SERVER_PORT} = $ServerPort
    unless defined $ENV{TEST_NGINX_SERVER_PORT};
$ENV{TEST_NGINX_SERVER_ROOT} = $ServRoot;

# ---------------------------------------------------------------------------
# $TEST_NGINX_FOO expansion

# Replaces every $TEST_NGINX_FOO in $text by $ENV{TEST_NGINX_FOO}.  Returns
# the new text and the names that were not defined (left untouched).
sub expand_env {
    my ($text) = @_;
    return ($text) unless defined $text && !ref $text;
    my %missing;
    $text =~ s{\$(TEST_NGINX_[A-Z0-9_]+)}{
        defined $ENV{$1} ? $ENV{$1} : do { $missing{$1} = 1; "\$$1" }
    }ge;
    return ($text, sort keys %missing);
}

# ---------------------------------------------------------------------------
# what the nginx binary can do (asked once)

my $Caps;

sub nginx_capabilities {
    return $Caps if $Caps;
    $Caps = { ok => 0 };
    my $bin = $NginxBinary;
    if (!-x $bin) {
        $Caps->{error} = "nginx binary $bin not found or not executable "
                       . "(set TEST_NGINX_BINARY)";
        return $Caps;
    }
    my $v = `'$bin' -V 2>&1`;
    my $h = `'$bin' -h 2>&1`;
    $Caps->{ok} = 1;
    ($Caps->{version}) = $v =~ m{nginx/(\d+\.\d+\.\d+)};
    $Caps->{configure} = ($v =~ /configure arguments:(.*)/)[0] // '';
    $Caps->{has_e} = $h =~ /^\s*-e\s/m ? 1 : 0;
    for my $m (qw(fastcgi uwsgi scgi proxy)) {
        $Caps->{"no_$m"} = $Caps->{configure} =~ /--without-http_${m}_module/
                           ? 1 : 0;
    }
    return $Caps;
}

# ---------------------------------------------------------------------------
# nginx.conf

# A section's text without its trailing newline (join adds them back).
sub _section {
    my ($text) = @_;
    return '' unless defined $text;
    $text =~ s/\n\z//;
    return $text;
}

# %a: main_config http_config config log_level workers master
#     no_root_location
sub build_nginx_conf {
    my (%a) = @_;
    my $caps = nginx_capabilities();
    my $main = $a{main_config} // '';
    my $has = sub { my $d = shift; $main =~ /^\s*\Q$d\E\s/m };
    my @c;

    for my $mod (split ' ', $ENV{TEST_NGINX_LOAD_MODULES} // '') {
        $mod = File::Spec->rel2abs($mod) if -e $mod;
        push @c, "load_module $mod;";
    }
    push @c, _section($main) if length $main;

    push @c, "worker_processes $a{workers};" unless $has->('worker_processes');
    push @c, "daemon off;";
    push @c, "master_process " . ($a{master} ? 'on' : 'off') . ";"
        unless $has->('master_process');
    push @c, "error_log $ErrLogFile $a{log_level};";
    push @c, "pid $PidFile;" unless $has->('pid');
    # Workers of a master run as root too: files under the server root and
    # the test data stay readable whatever their modes.
    push @c, "user root;" if $> == 0 && !$has->('user');
    for my $e (@EnvToNginx) {
        push @c, "env $e;";
    }
    push @c, '',
        "events {",
        "    accept_mutex off;",
        "    worker_connections $WorkerConnections;",
        "}",
        '',
        "http {",
        "    access_log $AccLogFile;",
        "    default_type text/plain;",
        "    keepalive_timeout 68;",
        "    client_body_temp_path $ServRoot/client_body_temp;";
    push @c, "    proxy_temp_path $ServRoot/proxy_temp;" unless $caps->{no_proxy};
    push @c, "    fastcgi_temp_path $ServRoot/fastcgi_temp;"
        unless $caps->{no_fastcgi};
    push @c, "    uwsgi_temp_path $ServRoot/uwsgi_temp;" unless $caps->{no_uwsgi};
    push @c, "    scgi_temp_path $ServRoot/scgi_temp;" unless $caps->{no_scgi};
    push @c, '', _section($a{http_config}) if length($a{http_config} // '');
    push @c, '',
        "    server {",
        "        listen 127.0.0.1:$ServerPort;",
        "        server_name localhost;",
        "        client_max_body_size 30M;";
    unless ($a{no_root_location}) {
        push @c,
        "        location / {",
        "            root $HtmlDir;",
        "            index index.html index.htm;",
        "        }";
    }
    push @c, '', _section($a{config}) if length($a{config} // '');
    push @c, "    }", "}";
    return join("\n", @c) . "\n";
}

# ---------------------------------------------------------------------------
# the server root

my @SERVROOT_DIRS = qw(conf html logs client_body_temp proxy_temp
                       fastcgi_temp uwsgi_temp scgi_temp);

# Empties the server root's own subdirectories and makes them anew.
# Nothing outside $ServRoot is ever removed.
sub prepare_servroot {
    my $root = $ServRoot;
    die "refusing to use server root '$root'\n"
        if $root !~ m{^/.+/[^/]+$} || $root =~ m{/\.\.?(/|$)};
    File::Path::make_path($root) unless -d $root;
    for my $d (@SERVROOT_DIRS) {
        my $p = "$root/$d";
        if (-l $p || -f $p) {
            unlink $p;
        } elsif (-d $p) {
            File::Path::remove_tree($p, { safe => 0 });
        }
        File::Path::make_path($p);
    }
    return 1;
}

sub _write_file {
    my ($path, $content, $mode) = @_;
    my ($vol, $dir) = File::Spec->splitpath($path);
    File::Path::make_path($dir) if length $dir && !-d $dir;
    open my $fh, '>:raw', $path or die "cannot write $path: $!\n";
    print {$fh} $content;
    close $fh or die "cannot write $path: $!\n";
    chmod oct($mode), $path if defined $mode;
    return 1;
}

# user_files: text of ">>> name [date]" headers followed by content, or an
# arrayref of [name, content, date] (from "--- user_files eval").  The
# date, as in the real Test::Nginx, is the file's mtime for touch -t
# ([[CC]YY]MMDDhhmm[.ss], GMT).  Returns a list of [name, content,
# date|undef].  Internal: test files must not call it (the real
# Test::Nginx::Util has no such function).
sub _parse_user_files {
    my ($spec) = @_;
    return () unless defined $spec;
    if (ref $spec eq 'ARRAY') {
        return map { [ $_->[0], $_->[1] // '', $_->[2] ] } @$spec;
    }
    my @files;
    for my $line (split /^/m, $spec) {
        if ($line =~ /^>>> (\S+)(?:\s+(.+))?/) {
            my ($name, $date) = ($1, $2);
            $date =~ s/\s+\z// if defined $date;
            push @files, [ $name, '', $date ];
        } elsif (@files) {
            $files[-1][1] .= $line;
        }
    }
    return @files;
}

sub write_user_files {
    my (@files) = @_;
    for my $f (@files) {
        my ($name, $content, $date) = @$f;
        my $path = $name =~ m{^/} ? $name : "$HtmlDir/$name";
        _write_file($path, $content);
        next unless defined $date && length $date;
        die "user_files: bad date '$date' for $name (touch -t: "
            . "[[CC]YY]MMDDhhmm[.ss])\n"
            unless $date =~ /^(?:\d\d){4,6}(?:\.\d\d)?$/;
        local $ENV{TZ} = 'GMT';
        system('touch', '-t', $date, $path) == 0
            or die "user_files: touch -t $date $path failed\n";
    }
}

sub write_conf {
    my ($conf) = @_;
    _write_file($ConfFile, $conf);
}
push @EXPORT_OK, 'write_conf';

# ---------------------------------------------------------------------------
# files

sub file_size {
    my @st = stat $_[0];
    return @st ? $st[7] : 0;
}

sub read_from {
    my ($file, $offset) = @_;
    open my $fh, '<:raw', $file or return '';
    seek $fh, $offset // 0, 0;
    local $/;
    my $data = <$fh>;
    return $data // '';
}

sub slurp { read_from($_[0], 0) }

# ---------------------------------------------------------------------------
# the nginx process

# Which sockets listen on $port (any address), by inode, from /proc.
# undef when /proc/net/tcp cannot be read.
sub _listen_inodes {
    my ($port) = @_;
    my $hex = sprintf ':%04X', $port;
    my ($seen, @inodes);
    for my $f ('/proc/net/tcp', '/proc/net/tcp6') {
        open my $fh, '<', $f or next;
        $seen = 1;
        while (my $l = <$fh>) {
            my @f = split ' ', $l;
            next unless @f > 9 && $f[3] eq '0A';
            push @inodes, $f[9] if substr($f[1], -5) eq $hex;
        }
    }
    return $seen ? \@inodes : undef;
}

sub _pid_sockets {
    my ($pid) = @_;
    my %s;
    opendir my $dh, "/proc/$pid/fd" or return \%s;
    for my $fd (readdir $dh) {
        my $l = readlink "/proc/$pid/fd/$fd" // next;
        $s{$1} = 1 if $l =~ /^socket:\[(\d+)\]/;
    }
    return \%s;
}

# True when anything listens on $port (before we start nginx).
sub port_listening {
    my ($port) = @_;
    my $in = _listen_inodes($port);
    return scalar @$in if $in;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Proto => 'tcp', Timeout => 0.2);
    return $s ? 1 : 0;
}

# Starts nginx in the foreground as our child; its stdout and stderr go to
# $StderrFile.  Returns the pid.
sub start_nginx {
    my $caps = nginx_capabilities();
    my @cmd = ($NginxBinary, '-p', "$ServRoot/", '-c', $ConfFile);
    # -e: the messages of the startup, before the config's own error_log
    # applies, land in error.log too (Debian's nginx sends them to stderr).
    push @cmd, '-e', $ErrLogFile if $caps->{has_e};
    my $pid = fork;
    die "fork failed: $!\n" unless defined $pid;
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $StderrFile;
        open STDERR, '>&', \*STDOUT;
        { no warnings 'exec'; exec { $cmd[0] } @cmd; }
        print STDERR "exec $cmd[0] failed: $!\n";
        POSIX::_exit(127);
    }
    return $pid;
}

# Waits until the nginx we started ($pid) listens on the server port.
# Returns ('ready'), ('exited', $status) or ('timeout').
sub wait_ready {
    my ($pid, $timeout) = @_;
    my $deadline = Time::HiRes::time() + ($timeout // 5);
    my $sleep = 0.002;
    while (1) {
        my $r = waitpid $pid, POSIX::WNOHANG();
        return ('exited', $?) if $r == $pid;
        my $in = _listen_inodes($ServerPort);
        if ($in) {
            if (@$in) {
                my $mine = _pid_sockets($pid);
                return ('ready') if grep { $mine->{$_} } @$in;
            }
        } else {
            # no /proc: a connect probe (it shows in the error log as a
            # closed client connection, before this block's window)
            my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                          PeerPort => $ServerPort,
                                          Proto => 'tcp', Timeout => 0.2);
            return ('ready') if $s;
        }
        return ('timeout') if Time::HiRes::time() > $deadline;
        Time::HiRes::sleep($sleep);
        $sleep = 0.01 if ($sleep *= 1.5) > 0.01;
    }
}

# Waits up to $timeout seconds for our child $pid to exit.  Returns its
# wait status, or undef if it is still running.
sub wait_exit {
    my ($pid, $timeout) = @_;
    my $deadline = Time::HiRes::time() + $timeout;
    my $sleep = 0.001;
    while (1) {
        my $r = waitpid $pid, POSIX::WNOHANG();
        return $? if $r == $pid;
        return -1 if $r < 0;              # not our child any more
        return undef if Time::HiRes::time() > $deadline;
        Time::HiRes::sleep($sleep);
        $sleep = 0.01 if ($sleep *= 1.5) > 0.01;
    }
}

sub nginx_running {
    my ($pid) = @_;
    my $r = waitpid $pid, POSIX::WNOHANG();
    return (1) if $r == 0;
    return (0, $?) if $r == $pid;
    return (0, -1);
}

# Stops the nginx we started: QUIT (graceful), then TERM, then KILL, each
# only to $pid.  Returns (wait status, how) with how one of quit, term,
# kill, gone.
sub stop_nginx {
    my ($pid) = @_;
    my ($alive) = nginx_running($pid);
    return (undef, 'gone') unless $alive;
    for my $step ([QUIT => 5], [TERM => 3], [KILL => 3]) {
        my ($sig, $wait) = @$step;
        kill $sig, $pid;
        my $st = wait_exit($pid, $wait);
        return ($st, lc $sig) if defined $st;
    }
    return (undef, 'stuck');
}

# Two test runs that use the same port at once would talk to each
# other's nginx: a run holds an exclusive lock on a file named after the
# port while it runs its blocks, and waits for one held by another run
# (prove -j, or two people on one machine).  Returns the locked handle,
# or undef if the wait timed out or the lock file cannot be opened.
sub lock_port {
    my ($port, $timeout, $on_wait) = @_;
    my $file = File::Spec->catfile(File::Spec->tmpdir,
                                   "test-nginx-port-$port.lock");
    # (read-only will do for a lock file another user made)
    my $fh;
    open $fh, '>>', $file or open $fh, '<', $file or return undef;
    my $deadline = Time::HiRes::time() + $timeout;
    my $told;
    until (flock $fh, Fcntl::LOCK_EX() | Fcntl::LOCK_NB()) {
        return undef if Time::HiRes::time() > $deadline;
        $on_wait->($file) if $on_wait && !$told++;
        Time::HiRes::sleep(0.05);
    }
    return $fh;
}
push @EXPORT_OK, 'lock_port';

sub describe_status {
    my ($st) = @_;
    return 'unknown status' unless defined $st && $st >= 0;
    return 'exit status ' . ($st >> 8) unless $st & 127;
    return 'signal ' . ($st & 127) . (($st & 128) ? ' (core dumped)' : '');
}

1;
