# jwtgate-issuer under slow and ambiguous clients: a connection that does
# not deliver its request headers (or its body) in time is closed, so that
# slow connections cannot hold every slot and shut the others out; one
# address may be held to a share of the connections; a request framed two
# ways (Content-Length and Transfer-Encoding, RFC 9112 6.3) is refused with
# 400 and its connection closed, so nothing it carries is read as a request.
# Everything here talks to 127.0.0.1 over raw sockets.

use strict;
use warnings;

use File::Basename ();
use lib File::Basename::dirname(__FILE__) . '/../lib';

use HTTP::Tiny;
use IO::Select;
use IO::Socket::INET;
use JSON::PP ();
use POSIX ();
use Test::More;
use Time::HiRes qw(time sleep);

use JWTGate::Issuer;

$SIG{PIPE} = 'IGNORE';

my $hash = JWTGate::Issuer::hash_password('pw');
my @users = ("alice:$hash:user");

# the defaults, as docs/ISSUER.md gives them
my $max_connections = 64;
my $header_timeout = 5;

# under valgrind everything is slower: so are the bounds
my $k = JWTGate::Issuer::valgrind() ? 5 : 1;

sub connect_to {
    my ($port) = @_;
    return IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                 Proto => 'tcp', Timeout => 5)
        // die "connect: $!";
}

# What the server sends on $sock until it closes it or $secs pass:
# (the bytes, 1 if it closed the connection)
sub read_all {
    my ($sock, $secs) = @_;
    my $sel = IO::Select->new($sock);
    my $buf = '';
    my $deadline = time + $secs;
    while ((my $left = $deadline - time) > 0) {
        next unless $sel->can_read($left);
        my $n = sysread $sock, my $chunk, 65536;
        return ($buf, 1) if !$n;
        $buf .= $chunk;
    }
    return ($buf, 0);
}

# one request, raw: (the bytes answered, closed by the server)
sub raw {
    my ($port, $request) = @_;
    my $sock = connect_to($port);
    print {$sock} $request;
    my @r = read_all($sock, 3 * $k);
    close $sock;
    return @r;
}

# ES256: the key is made at once, even under valgrind
my $iss = JWTGate::Issuer->start(users => \@users, args => ['--alg', 'ES256']);
my $port = $iss->port;

# --- slow connections --------------------------------------------------------

# As many connections as the issuer takes, each sending one header line a
# second and never the end of its headers; meanwhile a normal client asks for
# the JWKS.  Before: it was refused at once, and the slow ones stayed.

my @slow = map { connect_to($port) } 1 .. $max_connections;
my $t0 = time;
print {$_} "GET /.well-known/jwks.json HTTP/1.1\r\nHost: issuer\r\n"
    for @slow;
sleep 0.5;

pipe my $from_client, my $to_client or die "pipe: $!";
my $client = fork // die "fork: $!";
if ($client == 0) {
    close $from_client;
    my $t = time;
    my $res = HTTP::Tiny->new(timeout => 15 * $k, keep_alive => 0)
                        ->get("http://127.0.0.1:$port/.well-known/jwks.json");
    my $keys = eval { JSON::PP->new->decode($res->{content}) };
    printf {$to_client} "%d %.2f %d\n", $res->{status}, time - $t,
        $keys ? scalar @{$keys->{keys}} : 0;
    close $to_client;
    POSIX::_exit(0);
}
close $to_client;

my (%closed, $answer, $line);
my $sel = IO::Select->new(@slow, $from_client);
my $next_line = time + 1;

while (time - $t0 < 15 * $k && (!defined $answer || keys %closed < @slow)) {
    for my $s ($sel->can_read(0.1)) {
        if ($s == $from_client) {
            $answer = <$from_client> // '';
            $sel->remove($from_client);
            next;
        }
        my $n = sysread $s, my $buf, 4096;
        next if $n;
        $closed{$s} = time - $t0;
        $sel->remove($s);
    }
    if (time >= $next_line) {
        $next_line += 1;
        $line++;
        syswrite $_, "X-Slow-$line: still here\r\n" for grep { !$closed{$_} }
                                                            @slow;
    }
}

kill 'KILL', $client unless defined $answer;
waitpid $client, 0;
close $_ for @slow;

my ($status, $took, $nkeys) = split ' ', $answer // '';
is $status, 200,
    "$max_connections slow connections: a normal client gets the JWKS";
ok defined $took && $took < $header_timeout + 2.5 * $k,
    sprintf '... within the header timeout (%.1f s)', $took // -1;
is $nkeys, 1, '... and it holds the key';
is scalar(keys %closed), $max_connections,
    '... every slow connection was closed by the issuer';
my ($last) = sort { $b <=> $a } values %closed;
ok defined $last && $last < $header_timeout + 2 * $k,
    sprintf '... the last one %.1f s after it opened', $last // -1;
my $why = 'connection from 127.0.0.1: no complete request headers in '
          . "$header_timeout s, closed";
like $iss->log_text, qr/\Q$why\E/,
    '... and the log says why';

is $iss->request('GET', '/.well-known/jwks.json')->{status}, 200,
    'afterwards the JWKS is served as usual';

# --- framing: Content-Length and Transfer-Encoding ----------------------------

my $login = '{"username":"alice","password":"pw"}';
my $chunked = sprintf "%x\r\n%s\r\n0\r\n\r\n", length $login, $login;
my $cl = length $login;
my $jwks_get = "GET /.well-known/jwks.json HTTP/1.1\r\nHost: issuer\r\n\r\n";
my $post = "POST /auth/login HTTP/1.1\r\nHost: issuer\r\n"
           . "Content-Type: application/json\r\n";

my @framing = (
    ['Content-Length and Transfer-Encoding: chunked',
     "${post}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n$chunked"],
    ['Transfer-Encoding: chunked, then Content-Length',
     "${post}Transfer-Encoding: chunked\r\nContent-Length: $cl\r\n\r\n"
     . $chunked],
    ['both on a GET',
     "GET /.well-known/jwks.json HTTP/1.1\r\nHost: issuer\r\n"
     . "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"],
    ['both, on an unknown path',
     "POST /nowhere HTTP/1.1\r\nHost: issuer\r\nContent-Length: 5\r\n"
     . "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"],
    ['Content-Length twice',
     "${post}Content-Length: $cl\r\nContent-Length: 3\r\n\r\n$login"],
    ['Content-Length twice, the same value',
     "${post}Content-Length: $cl\r\nContent-Length: $cl\r\n\r\n$login"],
    ['Transfer-Encoding twice',
     "${post}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"
     . "\r\n$chunked"],
    ['Transfer-Encoding: gzip, chunked',
     "${post}Transfer-Encoding: gzip, chunked\r\n\r\n$chunked"],
    ['Transfer-Encoding: identity with a Content-Length',
     "${post}Transfer-Encoding: identity\r\nContent-Length: $cl\r\n\r\n$login"],
    ['Transfer-Encoding in HTTP/1.0',
     "POST /auth/login HTTP/1.0\r\nContent-Type: application/json\r\n"
     . "Transfer-Encoding: chunked\r\n\r\n$chunked"],
);

for my $case (@framing) {
    my ($what, $request) = @$case;
    # a second request follows: it must never be answered
    my ($reply, $closed) = raw($port, $request . $jwks_get);
    my ($head, $body) = split /\r\n\r\n/, $reply, 2;
    like $reply, qr{\AHTTP/1\.1 400 }, "400: $what";
    like $head // '', qr/^Connection: close\r?$/mi, '... Connection: close';
    my $json = eval { JSON::PP->new->decode($body // '') };
    is $json && $json->{error}, 'invalid_request', '... invalid_request';
    ok $closed, '... the connection is closed';
    is scalar(() = $reply =~ m{HTTP/1\.[01] \d\d\d }g), 1,
        '... and what followed is not answered';
    unlike $reply, qr/access_token/, '... no token';
}

# libmicrohttpd refuses this one itself, before the issuer sees it
my ($reply, $closed) = raw($port, "${post}Content-Length: $cl, $cl\r\n\r\n"
                                  . $login . $jwks_get);
like $reply, qr{\AHTTP/1\.1 400 }, '400: a Content-Length that is a list';
ok $closed, '... the connection is closed';
unlike $reply, qr/access_token|"keys"/, '... nothing else is answered';

$why = 'bad request: both Content-Length and Transfer-Encoding, '
       . 'connection closed';
like $iss->log_text, qr/\Q$why\E/,
    'the log says why';

# the same login framed one way is served, and the connection kept
for my $case (['chunked', "${post}Transfer-Encoding: chunked\r\n\r\n$chunked"],
              ['Content-Length', "${post}Content-Length: $cl\r\n\r\n$login"])
{
    my ($what, $request) = @$case;
    my $sock = connect_to($port);
    print {$sock} $request . $request;
    # until both answers are in (an idle connection is closed after the
    # header timeout, so do not wait longer than that)
    my ($reply, $closed, $more) = ('', 0);
    my $deadline = time + 3 * $k;
    while (!$closed && time < $deadline
           && (() = $reply =~ m{HTTP/1\.1 200 }g) < 2)
    {
        ($more, $closed) = read_all($sock, 0.2);
        $reply .= $more;
    }
    close $sock;
    like $reply, qr{\AHTTP/1\.1 200 .*access_token}s, "$what alone: 200";
    is scalar(() = $reply =~ m{HTTP/1\.1 200 }g), 2,
        '... and the next request on the connection is answered';
    ok !$closed, '... which stays open';
}

is $iss->stop, 0, 'a clean exit';

# --- limits given as options ------------------------------------------------

$iss = JWTGate::Issuer->start(users => \@users,
    args => ['--alg', 'ES256',
             '--max-connections', 8, '--max-connections-per-ip', 3,
             '--header-timeout', 2, '--body-timeout', 2]);
$port = $iss->port;

# one address holds at most its share: the next connection is closed at once
@slow = map { connect_to($port) } 1 .. 3;
print {$_} "GET /.well-known/jwks.json HTTP/1.1\r\n" for @slow;
sleep 0.3;
($reply, $closed) = raw($port, $jwks_get);
ok $closed && $reply eq '',
    '--max-connections-per-ip 3: a fourth connection is closed at once';
like $iss->log_text, qr/libmicrohttpd: Server reached connection limit/,
    '... libmicrohttpd says so';
my @gone = map { (read_all($_, 3.5 * $k))[1] } @slow;
is_deeply \@gone, [1, 1, 1], '--header-timeout 2: the three are closed';
close $_ for @slow;
sleep 0.2;
is $iss->request('GET', '/.well-known/jwks.json')->{status}, 200,
    '... and the address is served again';

# a kept-alive connection has the header timeout for its next request
my $sock = connect_to($port);
print {$sock} "${post}Content-Length: $cl\r\n\r\n$login";
$t0 = time;
($reply, $closed) = read_all($sock, 5 * $k);
close $sock;
like $reply, qr{\AHTTP/1\.1 200 }, 'a login on a kept-alive connection';
ok $closed && time - $t0 < 2 + 1.5 * $k,
    sprintf '... which is closed %.1f s later, idle', time - $t0;

# a body that trickles is closed at the body timeout
$sock = connect_to($port);
$t0 = time;
print {$sock} "${post}Content-Length: $cl\r\n\r\n";
my $sent = 0;
my $gone;
$sel = IO::Select->new($sock);
while (time - $t0 < 6 * $k && $sent < $cl) {
    if ($sel->can_read(0.5)) {
        my $n = sysread $sock, my $buf, 4096;
        if (!$n) {
            $gone = time - $t0;
            last;
        }
    }
    syswrite $sock, substr($login, $sent++, 1);
}
close $sock;
ok defined $gone && $gone < 2 + 1.5 * $k,
    sprintf '--body-timeout 2: a body one byte per 0.5 s is cut (%.1f s)',
            $gone // -1;
like $iss->log_text, qr/no complete request body in 2 s, closed/,
    '... and the log says why';

is $iss->stop, 0, 'a clean exit';

# options out of range
for my $args (['--max-connections', 0], ['--max-connections', 2000],
              ['--header-timeout', 0], ['--body-timeout', 'x'],
              ['--max-connections', 4, '--max-connections-per-ip', 5])
{
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDOUT, '>', '/dev/null';
        open STDERR, '>', '/dev/null';
        exec JWTGate::Issuer::binary(), '--users', '/dev/null', '--port', 0,
             @$args or POSIX::_exit(127);
    }
    local $SIG{ALRM} = sub { kill 'KILL', $pid };
    alarm 5;
    waitpid $pid, 0;
    alarm 0;
    is $? >> 8, 2, "@$args: refused (exit 2)";
}

done_testing;
