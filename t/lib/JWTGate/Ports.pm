package JWTGate::Ports;

# free_port($from, @taken): the first port from $from (within 200 above
# it) that nothing listens on and that can be bound on 127.0.0.1, other
# than @taken.  Suites take such ports next to TEST_NGINX_PORT for second
# servers and issuers: tools/prove-slot.sh gives each running file 250
# ports from its TEST_NGINX_PORT.

use strict;
use warnings;

use Exporter 'import';
use IO::Socket::INET ();

our @EXPORT_OK = qw(free_port);

sub free_port {
    my ($from, @taken) = @_;
    for my $p ($from .. $from + 200) {
        next if grep { $_ == $p } @taken;
        next if IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $p, Proto => 'tcp',
                                      Timeout => 0.2);
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                      LocalPort => $p, Proto => 'tcp',
                                      Listen => 1, ReuseAddr => 1)
            or next;
        close $s;
        return $p;
    }
    die "no free port from $from\n";
}

1;
