#!/usr/bin/env bash
# tools/valgrind.sh: Test::Nginx suites with nginx under valgrind memcheck
# (the real Test::Nginx's TEST_NGINX_USE_VALGRIND), then a verdict on what
# valgrind reported: any invalid read, write or free, any use of an
# uninitialised value, and any definite leak with the module in its stack
# fails the run.  nginx's own leaks at exit (ngx_set_environment...) are
# not ours and are only counted.  Assertions that fail only because nginx
# runs 20-50 times slower are reported, not counted.
#
#   VALGRIND_SUITES   the suites (default: the hostile-request ones)
#   BUILD             build directory (default build)
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

BUILD=${BUILD:-build}
# absolute from here on (BUILD=/some/where, or relative to the top)
mkdir -p "$BUILD" && BUILD=$(cd "$BUILD" && pwd) || exit 1
NGINX_BIN=${NGINX_BIN:-/usr/sbin/nginx}
TEST_NGINX_TGZ=${TEST_NGINX_TGZ:-$(ls ../shared/test-nginx/test-nginx-*.tar.gz \
                                    2>/dev/null | head -1)}
VALGRIND_SUITES=${VALGRIND_SUITES:-$(ls t/020-*.t t/021-*.t t/06[0-9]-*.t \
                                      2>/dev/null)}

tn=$BUILD/test-nginx
if [ ! -d "$tn/lib" ]; then
    if [ -z "$TEST_NGINX_TGZ" ] || [ ! -f "$TEST_NGINX_TGZ" ]; then
        echo "valgrind: the real Test::Nginx tarball is not at" \
             "../shared/test-nginx/ (TEST_NGINX_TGZ)" >&2
        exit 1
    fi
    mkdir -p "$tn"
    tar xzf "$TEST_NGINX_TGZ" -C "$tn" --strip-components=1 || exit 1
fi

log=$BUILD/valgrind.log
echo "== valgrind: $(echo $VALGRIND_SUITES)" >&2

# a server root of its own: a slow run must not share t/servroot with
# another run of the suites in the same checkout
TEST_NGINX_SERVROOT=${TEST_NGINX_SERVROOT:-$BUILD/valgrind-servroot} \
TEST_NGINX_USE_VALGRIND=1 TEST_NGINX_USE_HUP=1 \
TEST_NGINX_BINARY=$NGINX_BIN \
TEST_NGINX_LOAD_MODULES=$BUILD/ngx_http_auth_jwt_module.so \
JWTGATE_ISSUER=$BUILD/jwtgate-issuer \
PERL5LIB=$tn/lib:$top/t/lib \
    prove $VALGRIND_SUITES > "$log" 2>&1
prove_rc=$?

# one valgrind record: the lines of one ==pid== message up to a bare one
perl -ne '
    BEGIN { $ours = qr/ngx_http_auth_jwt|jwtgate_/; }
    if (/^==(\d+)== ?(.*)$/) {
        my ($pid, $text) = ($1, $2);
        if ($text eq "") { flush(); next; }
        push @{$rec{$pid}}, $text;
        next;
    }
    sub flush {
        for my $pid (keys %rec) {
            my @r = @{$rec{$pid}};
            delete $rec{$pid};
            next unless @r;
            my $head = $r[0];
            my $stack = join "\n", @r;
            if ($head =~ /Invalid (read|write|free)|uninitialised|Mismatched free|overlap|Syscall param|Process terminating/) {
                $bad++; print "VALGRIND: ", join("\n    ", @r), "\n";
            } elsif ($head =~ /definitely lost/) {
                if ($stack =~ $ours) {
                    $bad++; print "VALGRIND: ", join("\n    ", @r), "\n";
                } else {
                    $theirs++;
                }
            }
        }
    }
    END {
        flush();
        printf "valgrind: %d finding(s) of ours, %d leak record(s) of " .
               "nginx itself\n", $bad // 0, $theirs // 0;
        exit(($bad // 0) ? 1 : 0);
    }
' "$log"
vg_rc=$?

tail -3 "$log"
if [ $prove_rc -ne 0 ]; then
    # under valgrind nginx is 20-50 times slower: timing assertions (a log
    # line not written yet, a timer) may fail; the verdict is valgrind's
    echo "valgrind: some assertions failed under valgrind's slowness" \
         "(see $log); a crash shows above as \"Process terminating\"" >&2
fi
exit $vg_rc
