# Interop: the cross-check table (issue 14).  Each case is a token minted
# by a real library (PyJWT, jsonwebtoken, jose, @nestjs/jwt) or, for shapes
# the libraries refuse to make, by Crypt::JWT; the gateway's verdict is
# asserted per case as the specification says (the case's "expect" in
# t/lib/JWTGate/CrossCheck.pm), and the same token is handed to PyJWT,
# jsonwebtoken, @nestjs/jwt and jose with the same keys and options: every
# case where one of them answers otherwise must be a row, with the RFC
# that decides it, of the table in docs/SECURITY.md.  Skipped, saying
# why, when node, build/npm (make interop-deps) or PyJWT cannot run here;
# under CI (CI=true, JWTGATE_INTEROP_REQUIRED=1) that fails instead.
# The cases that need the directives of issue 14: t/093-interop-new.t.

# t/lib after the Test::Nginx of PERL5LIB (the real one when given)
BEGIN {
    push @INC, 't/lib';
    require JWTGate::Interop;
    # the Node libraries mint some of the tokens, PyJWT others: without
    # either the file is skipped, saying why (under CI it fails)
    JWTGate::Interop::need('python', 'node');
}

use Test::Nginx::Socket 'no_plan';
use JWTGate::Token;
use JWTGate::CrossCheck;

our (@CASES, $VERDICTS);

@CASES = JWTGate::CrossCheck::cases('today');
JWTGate::CrossCheck::mint(\@CASES);
$VERDICTS = JWTGate::CrossCheck::verdicts(\@CASES);

Test::More::cmp_ok(scalar @CASES, '>=', 40, 'at least 40 tokens');

run_tests();

JWTGate::CrossCheck::check_doc(\@CASES, $VERDICTS,
                               JWTGate::Interop::root() . '/docs/SECURITY.md');

__DATA__

=== TEST 1: the gateway's verdict on every token of the cross-check table
--- config eval
JWTGate::CrossCheck::config(\@::CASES)
--- request eval
[map { "GET /cc/$_->{id}" } @::CASES]
--- more_headers eval
[map { "Authorization: Bearer $_->{token}" } @::CASES]
--- response_body eval
[map { $_->{expect} eq 'reject' ? die("no reason") : "$_->{expect}\n" } @::CASES]
