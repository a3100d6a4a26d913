# tools/matrix.sh judges a version by prove's exit status, not by reading
# prove's summary: a prove that exits non-zero fails the version (and the
# run) whatever its summary says, and one that exits 0 passes it.  Run
# with a fake prove and a fake make (nothing built, no nginx started), on
# the one version that needs no build (1.22.1, Debian's /usr/sbin/nginx).
use strict;
use warnings;
use Test::More;
use File::Temp ();
use File::Spec;
use Cwd ();

my $top = Cwd::abs_path(File::Spec->catdir(
    (File::Spec->splitpath(File::Spec->rel2abs(__FILE__)))[1], '..', '..'));

plan skip_all => '/usr/sbin/nginx is not nginx 1.22.1'
    unless (`/usr/sbin/nginx -v 2>&1` // '') =~ m{nginx/1\.22\.1\b};

my $tmp = File::Temp::tempdir('jwtgate-matrix-XXXXXX', TMPDIR => 1,
                              CLEANUP => 1);
mkdir "$tmp/bin" or die "$tmp/bin: $!";

sub spew {
    my ($file, $text) = @_;
    open my $fh, '>', $file or die "$file: $!";
    print {$fh} $text;
    close $fh or die "$file: $!";
    chmod 0755, $file;
}

# prove: prints the summary of FAKE_SUMMARY (pass or fail), exits
# FAKE_RC; make: does nothing
spew("$tmp/bin/prove", <<'EOF');
#!/bin/sh
if [ "$FAKE_SUMMARY" = fail ]; then
    echo 't/010-first-path.t (Wstat: 256 (exited 1) Tests: 3 Failed: 1)'
    echo 'Result: FAIL'
else
    echo 'All tests successful.'
    echo 'Result: PASS'
fi
exit "$FAKE_RC"
EOF
spew("$tmp/bin/make", "#!/bin/sh\nexit 0\n");

my @cases = (
    # summary, prove's exit status, matrix.sh's exit status, table's word
    ['pass', 0, 0, 'passed'],
    ['fail', 1, 1, 'failed:rc=1'],
    ['pass', 1, 1, 'failed:rc=1'],     # the summary says PASS: wrong
    ['fail', 0, 0, 'passed'],          # prove said 0: it passed
);

for my $c (@cases) {
    my ($summary, $rc, $want_rc, $word) = @$c;
    my $build = "$tmp/build-$summary-$rc";
    local $ENV{PATH} = "$tmp/bin:$ENV{PATH}";
    local $ENV{FAKE_SUMMARY} = $summary;
    local $ENV{FAKE_RC} = $rc;
    local $ENV{BUILD} = $build;
    local $ENV{MATRIX_VERSIONS} = '1.22.1';
    local $ENV{MATRIX_JOBS} = 1;
    local $ENV{PROVE_JOBS} = 1;
    local $ENV{MATRIX_ALL_ON} = '';
    my $out = `bash '$top/tools/matrix.sh' 2>&1`;
    my $got = $? >> 8;
    is($got, $want_rc, "summary $summary, prove exit $rc:"
                       . " matrix.sh exits $want_rc")
        or diag($out);
    like($out, qr/^1\.22\.1\s+\Q$word\E\s/m,
         "summary $summary, prove exit $rc: the table says $word")
        or diag($out);
}

done_testing();
