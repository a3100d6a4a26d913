#!/usr/bin/perl
# t/interop/crosscheck-table.pl [--all]: runs the cross-check cases of
# JWTGate::CrossCheck (t/092-interop-crosscheck.t, t/093-interop-new.t)
# through PyJWT, jsonwebtoken, @nestjs/jwt and jose, and prints the rows of
# the disagreement table of docs/SECURITY.md (every case where a library's
# verdict differs from the gateway's); --all prints every case with each
# library's answer.  The "decided by" column is left as "RFC ?": write it
# by hand.  Run from the repository root after make interop-deps.

use strict;
use warnings;
use lib 't/lib';
use JWTGate::CrossCheck;

my $all = grep { $_ eq '--all' } @ARGV;
my @cases = map { JWTGate::CrossCheck::cases($_) } qw(today new);
JWTGate::CrossCheck::mint(\@cases);
my $v = JWTGate::CrossCheck::verdicts(\@cases);

if ($all) {
    for my $c (@cases) {
        print "$c->{id}: gateway $c->{expect}\n";
        for my $lib (@JWTGate::CrossCheck::LIBS) {
            printf "    %-12s %s\n", $lib, $v->{$c->{id}}{$lib} // 'not asked';
        }
    }
    printf "%d cases\n", scalar @cases;
    exit 0;
}

print "| case | token | gateway | PyJWT | jsonwebtoken | \@nestjs/jwt | jose | decided by |\n";
print "|---|---|---|---|---|---|---|---|\n";
print "$_\n" for JWTGate::CrossCheck::table_rows(\@cases, $v);
