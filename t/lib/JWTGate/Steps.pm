package JWTGate::Steps;

# "--- steps eval": a block's requests as a list of steps, each checked on
# its own, under the real Test::Nginx and our runner in t/lib alike.
#
#   use JWTGate::Steps qw(steps_to_block user_files_list);
#   add_block_preprocessor(sub {
#       my $block = shift;
#       ...
#       steps_to_block($block, $block->steps, pipelined => $block->keepalive);
#   });
#
# A step is a hash:
#   request    "METHOD URI" and an optional body on the next lines
#   headers    more_headers lines ("" for none)
#   code       the exact status ("" for a connection closed without one)
#   code_like  or a pattern of the status (e.g. '^20[14]$')
#   body       the exact body, or
#   like       a pattern of the body (a string or a qr//)
#   hlike      optional: "Name: regex" lines, each a header whose whole
#              value matches
# Without body or like, the body is checked by what the status says of it
# (default_body): no body for 201, 204, 304 and a closed connection,
# nginx's own error page for 4xx and 5xx; a 200 needs body or like.
#
# Every request gets an element in each of error_code_like, response_body
# and raw_response_headers_like: Test::Nginx wants an array with an element
# per request once there are several, and has no element meaning "not
# checked" (undef is compared, or matches anything).  The status goes to
# error_code_like as ^CODE$; the headers to raw_response_headers_like, and
# a step without hlike checks its status line there.

use strict;
use warnings;

use Carp ();
use Exporter 'import';

our @EXPORT_OK = qw(steps_to_block user_files_list default_body flat_steps);

# A 1x1 GIF: what empty_gif sends.
my $GIF = qr/\AGIF89a\x01\x00\x01\x00/;

sub flat_steps {
    my ($steps) = @_;
    return map { ref $_ eq 'ARRAY' ? flat_steps($_) : $_ } @$steps;
}

# The body check that the status implies, for a step without one.
sub default_body {
    my ($code, $request) = @_;
    return $GIF if defined $request && $request =~ m{^GET /tick\b};
    Carp::croak("step '$request': a status pattern needs a body or like")
        unless defined $code;
    return '' if $code eq '' || $code =~ /^(?:201|204|304)$/;
    # nginx's error page: <title>401 Authorization Required</title>
    return qr{<title>\Q$code\E [^<]+</title>} if $code =~ /^[45]\d\d$/;
    Carp::croak("step '$request': status $code needs a body or like");
}

# "Name: regex" lines: a pattern of the raw status line and headers in
# which each header's whole value matches its regex.
sub _headers_re {
    my ($hlike) = @_;
    my $re = '\A';
    for my $line (split /\n/, $hlike) {
        next unless $line =~ /\S/;
        my ($name, $v) = $line =~ /^\s*([^:\s]+)\s*:\s*(.*?)\s*$/
            or Carp::croak("hlike: not 'Name: regex': '$line'");
        $re .= '(?=.*?^(?i:' . quotemeta($name) . ')[ \t]*:[ \t]*(?-s:'
             . $v . ')[ \t]*\r?$)';
    }
    return qr/$re/ms;
}

sub _status_re {
    my ($s) = @_;
    my $c;
    if (defined $s->{code}) {
        return undef if $s->{code} eq '';        # no status line at all
        $c = quotemeta $s->{code};
    } else {
        ($c = $s->{code_like}) =~ s/^\^//;
        $c =~ s/\$\z//;
    }
    return qr{\AHTTP/1\.[01] (?:$c)\b};
}

sub steps_to_block {
    my ($block, $steps, %o) = @_;
    return unless ref $steps eq 'ARRAY';
    my @s = flat_steps($steps);
    my (@code, @body, @raw);
    my $closed = 0;
    for my $s (@s) {
        Carp::croak("step without request") unless defined $s->{request};
        my $code = $s->{code};
        push @code, defined $code ? '^' . quotemeta($code) . '$'
                  : defined $s->{code_like} ? $s->{code_like}
                  : Carp::croak("step '$s->{request}': no code");
        push @body, defined $s->{body} ? $s->{body}
                  : defined $s->{like} ? (ref $s->{like} ? $s->{like}
                                                         : qr/$s->{like}/s)
                  : default_body($code, $s->{request});
        my $raw = defined $s->{hlike} ? _headers_re($s->{hlike})
                                      : _status_re($s);
        $closed++ unless defined $raw;
        push @raw, $raw;
    }
    $block->set_value($o{pipelined} ? 'pipelined_requests' : 'request',
                      [ map { $_->{request} } @s ]);
    $block->set_value('more_headers', [ map { $_->{headers} // '' } @s ]);
    $block->set_value('error_code_like', \@code);
    $block->set_value('response_body', \@body);
    # a connection closed without a response has no header to check: the
    # status ('' =~ ^$) and the body say it all
    $block->set_value('raw_response_headers_like',
                      [ map { defined $_ ? $_ : qr/\A\z/ } @raw ]);
    return scalar @s;
}

# A block's user_files as [name, content] pairs: the text form (">>> name"
# lines, each followed by the file's content) or an eval's array.
sub user_files_list {
    my ($uf) = @_;
    return () unless defined $uf;
    return @$uf if ref $uf eq 'ARRAY';
    my @files;
    for my $line (split /^/m, $uf) {
        if ($line =~ /^>>> (\S+)/) {
            push @files, [ $1, '' ];
        } elsif (@files) {
            $files[-1][1] .= $line;
        }
    }
    return @files;
}

1;
