#!/usr/bin/env bash
# tools/asan.sh: nginx and the module built with AddressSanitizer and
# UndefinedBehaviorSanitizer, every Test::Nginx suite run on them, and a
# verdict: any sanitizer report, any "exited on signal", any suite that
# fails twice in a row fails the run (see "A suite whose assertions
# failed" below).
#
#   ASAN_NGINX_VERSION   the nginx release to build (default 1.30.4)
#   NGINX_TARBALLS       where nginx-X.Y.Z.tar.gz are (default ../shared/nginx)
#   ASAN_SUITES          the suites (default t/*.t)
#   ASAN_CC              the compiler (default clang-14, see below)
#   ASAN_JOBS            suites at once (default 1), each in its own slot:
#                        TEST_NGINX_PORT (default 1984) + 250 x slot,
#                        servroot<slot>/
#   BUILD                build directory (default build)
#
# Layout, all under $BUILD/asan/ and reused across runs:
#   src/                          the release source, as unpacked
#   nginx/sbin/nginx              nginx, built once (again when the flags
#                                 or the tarball change)
#   ngx_http_auth_jwt_module.so   the module, rebuilt from the worktree by
#                                 tools/build-module.sh on every run
#   reports/<suite>/              the sanitizers' reports (log_path)
#   servroot/                     the suites' server root (servrootN/
#                                 with ASAN_JOBS > 1)
#   <suite>.log                   each suite's prove output
#
# Why a release tarball and not Debian's 1.22.1: nginx-dev ships the
# headers only, not the .c files, so Debian's nginx cannot be rebuilt with
# a sanitizer from it.  1.30.4 is nginx.org's stable release, and it has
# the `next` chains of header elements (nginx >= 1.23) that the module
# must set.  The plain suites on 1.22.1 and the matrix cover the rest.
#
# clang, not gcc: gcc 12 links UBSan as a library of its own beside
# libasan's, and its reports then ignore log_path and go to stderr; clang's
# runtime is one, and it is the fuzz targets' compiler already.
#
# The flags, beyond the modules (ngx_flags below):
#   -fsanitize=address,undefined
#       with halt_on_error=1 in both *SAN_OPTIONS, the first report stops
#       the process (nginx exits 1); UBSan's findings stay recoverable at
#       compile time only so that tools/asan-ubsan.supp can name nginx's
#       own (a memcpy() of 0 bytes from NULL, script code pointers rebased
#       through NULL; both while reading the configuration, harmless): the
#       suppressions match the nginx binary, never the module's .so
#   -DNGX_DEBUG_PALLOC=1
#       every pool allocation is its own malloc(), so ASan's redzones
#       surround it: an overflow of a buffer from r->pool is caught even
#       when the next bytes of the pool block are free
#   -DNGX_HAVE_NONALIGNED=0
#       nginx's parsers otherwise compare 4 bytes at odd addresses through
#       a (uint32_t *) cast on x86, which UBSan rightly reports as
#       misaligned: the byte-by-byte variant keeps the alignment check on
#       for the module
#
# The reports: nginx runs in the foreground as the runner's child, and its
# stderr (logs/nginx.stderr) is emptied for every block, so the sanitizers
# write to files instead (log_path=reports/<suite>/san.<pid>), one per
# process that found something, workers of a master included.  After each
# suite, any such file is a finding; so is "exited on signal" or a
# sanitizer's banner in the suite's output or in the last error.log.
#
# Leaks: detect_leaks=0.  LeakSanitizer runs when a process exits and
# makes its exit status 1 for any leak, and every nginx leaks by design:
# main()'s init_cycle pool (1 KB) and the connection and event arrays of
# ngx_event_process_init() (28 KB) are never freed.  Measured on t/010:
# those three records in 25 of its 26 blocks' nginx, nothing else, and
# 21 blocks failed on "nginx stopped cleanly".  LSan's suppressions match
# any frame of a stack, and every stack passes through main() in nginx.c,
# so nginx's own cannot be named without hiding the module's.  make
# valgrind (tools/valgrind.sh) checks leaks instead, counting only records
# with the module in the stack.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

BUILD=${BUILD:-build}
NGINX_TARBALLS=${NGINX_TARBALLS:-../shared/nginx}
ASAN_NGINX_VERSION=${ASAN_NGINX_VERSION:-1.30.4}
ASAN_SUITES=${ASAN_SUITES:-$(ls t/*.t)}
ASAN_CC=${ASAN_CC:-clang-14}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

# Debian 12's nginx modules (/usr/share/nginx/src/conf_flags, without its
# paths): the set every suite passes on with make prove.  nginx.org's
# packages add stream, mail, HTTP/3, mp4, flv, sub, ...: code the module
# never reaches, about a third of the build, and the build is the slow
# part (clang -O1 with both sanitizers).  --with-debug: the runner's
# self-tests and some suites read debug lines.
ngx_flags() {
    printf '%s\n' --with-compat --with-debug --with-pcre-jit --with-threads \
        --with-http_ssl_module --with-http_stub_status_module \
        --with-http_realip_module --with-http_auth_request_module \
        --with-http_v2_module --with-http_dav_module --with-http_slice_module
}

mkdir -p "$BUILD/asan"
BUILD=$(cd "$BUILD" && pwd)
dir=$BUILD/asan
v=$ASAN_NGINX_VERSION
tgz=$NGINX_TARBALLS/nginx-$v.tar.gz

SAN_CC_OPT="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined"
SAN_CC_OPT="$SAN_CC_OPT -DNGX_DEBUG_PALLOC=1 -DNGX_HAVE_NONALIGNED=0"
SAN_CC_OPT="$SAN_CC_OPT -Wno-error=deprecated-declarations"
SAN_LD_OPT="-fsanitize=address,undefined"

started=$(date +%s)

# nginx: once, into $dir/nginx; again when the version or the flags change
build_nginx() {
    local stamp want
    want="$v $ASAN_CC $SAN_CC_OPT $SAN_LD_OPT $(ngx_flags "$v" | tr '\n' ' ')"
    stamp=$dir/nginx/.jwtgate-asan
    if [ -x "$dir/nginx/sbin/nginx" ] && [ -f "$stamp" ] \
       && [ "$(cat "$stamp")" = "$want" ] && [ "$stamp" -nt "$tgz" ]; then
        return 0
    fi

    if [ ! -f "$tgz" ]; then
        echo "asan: $tgz not found (NGINX_TARBALLS=...)" >&2
        return 1
    fi

    echo "== asan: building nginx $v with ASan+UBSan (once)" >&2
    rm -rf "$dir/src" "$dir/obj" "$dir/nginx" "$dir/ngx"
    mkdir -p "$dir/src"
    tar xzf "$tgz" -C "$dir/src" --strip-components=1 || return 1
    # configured and built in a copy: src/ stays pristine for the module's
    # own build (tools/build-module.sh copies it again)
    cp -r "$dir/src" "$dir/obj"
    (
        cd "$dir/obj" || exit 1
        [ -x ./configure ] || cp auto/configure ./configure
        # shellcheck disable=SC2046
        ./configure --prefix="$dir/nginx" --with-cc="$ASAN_CC" \
            $(ngx_flags "$v") \
            --with-cc-opt="$SAN_CC_OPT" --with-ld-opt="$SAN_LD_OPT" \
            > "$dir/nginx-configure.log" 2>&1 \
            && make -j"$JOBS" > "$dir/nginx-make.log" 2>&1 \
            && make install > "$dir/nginx-install.log" 2>&1
    ) || {
        echo "asan: building nginx $v failed (see $dir/nginx-*.log)" >&2
        tail -20 "$dir/nginx-configure.log" "$dir/nginx-make.log" \
            2>/dev/null >&2
        return 1
    }
    rm -rf "$dir/obj"
    echo "$want" > "$stamp"
}

# the module from this worktree, for that nginx, with the same flags, and
# -Bsymbolic: the .so defines ngx_modules and ngx_module_names for nginx's
# dlsym(), as the nginx binary does; bound to the binary's copies, the
# .so's registration of its 16-byte ngx_modules poisons the binary's
# array, and the next reload reads it "out of bounds"
build_module() {
    local cc_opt="$SAN_CC_OPT -fPIC" ld_opt="$SAN_LD_OPT -fPIC -Wl,-Bsymbolic"
    echo "== asan: module" >&2
    # tools/build-module.sh configures once: again when these change
    if [ "$(cat "$dir/ngx/.jwtgate-asan" 2>/dev/null)" != "$cc_opt $ld_opt" ]
    then
        rm -rf "$dir/ngx"
    fi
    if ! CC=$ASAN_CC make --no-print-directory module \
            NGINX_SRC="$dir/src" BUILD="$dir" \
            NGX_CC_OPT="$cc_opt" NGX_LD_OPT="$ld_opt" \
            > "$dir/module.log" 2>&1; then
        cat "$dir/module.log" >&2
        return 1
    fi
    echo "$cc_opt $ld_opt" > "$dir/ngx/.jwtgate-asan"
    if grep -qi 'warning:' "$dir/make.log"; then
        echo "asan: the module builds with warnings" >&2
        grep -i 'warning:' "$dir/make.log" >&2
        return 1
    fi
}

# the sanitizers' settings; with $1, reports go to files $1/san.<pid>,
# else to the process's stderr
san_env() {
    local lp=
    [ -n "${1:-}" ] && lp="log_path=$1/san:"
    ASAN_OPTIONS=${lp}halt_on_error=1:abort_on_error=0:detect_leaks=0
    ASAN_OPTIONS=$ASAN_OPTIONS:handle_abort=1
    UBSAN_OPTIONS=${lp}halt_on_error=1:print_stacktrace=1
    UBSAN_OPTIONS=$UBSAN_OPTIONS:suppressions=$top/tools/asan-ubsan.supp
    export ASAN_OPTIONS UBSAN_OPTIONS
}

if ! command -v "$ASAN_CC" > /dev/null; then
    echo "asan: $ASAN_CC not found (apt-get install clang-14" \
         "libclang-rt-14-dev, or ASAN_CC=...)" >&2
    exit 1
fi

build_nginx || exit 1
build_module || exit 1
built=$(date +%s)

if [ "${1:-}" = build ]; then
    # make asan-build: what another tool (make fuzz-http) runs on; the
    # reports then go to nginx's stderr (add log_path=DIR/san: for files)
    san_env
    echo "nginx:  $dir/nginx/sbin/nginx"
    echo "module: $dir/ngx_http_auth_jwt_module.so"
    echo "ASAN_OPTIONS=$ASAN_OPTIONS"
    echo "UBSAN_OPTIONS=$UBSAN_OPTIONS"
    exit 0
fi

# what the runner prints when a block fails (nginx's stderr, the error
# log's alerts): a sanitizer's report that did not reach its file
banners='exited on signal|ERROR: (Address|Leak)Sanitizer|runtime error:'

perl_lib=${PERL_TEST_LIB:+$PERL_TEST_LIB:}$top/t/lib${PERL5LIB:+:$PERL5LIB}
results=$dir/results.txt
: > "$results"
rm -rf "$dir/reports" "$dir/results" "$dir/messages"
mkdir -p "$dir/results" "$dir/messages"
status=0

# ASAN_JOBS suites at once, each worker in a slot of its own: port
# TEST_NGINX_PORT + 250 x slot (the suites take ports up to +200 above
# theirs), server root servroot/ (one worker) or servroot<slot>/
ASAN_JOBS=${ASAN_JOBS:-1}
port0=${TEST_NGINX_PORT:-1984}
read -r -a suites <<< "$(echo $ASAN_SUITES)"
table=("${suites[@]}")
# the slow ones first when several run at once
[ "$ASAN_JOBS" -gt 1 ] \
    && mapfile -t suites < <(sh tools/suite-order.sh "${suites[@]}")

# run_suite SUITE LOG REPORTS SLOT: one prove run of SUITE on the
# sanitizer build; sets rc, reports and signals.
run_suite() {
    local sr=$dir/servroot
    [ "$ASAN_JOBS" -gt 1 ] && sr=$dir/servroot$4
    (
        san_env "$3"
        TEST_NGINX_BINARY=$dir/nginx/sbin/nginx \
        TEST_NGINX_LOAD_MODULES=$dir/ngx_http_auth_jwt_module.so \
        TEST_NGINX_SERVROOT=$sr \
        TEST_NGINX_PORT=$((port0 + 250 * $4)) \
        TEST_NGINX_SERVER_PORT=$((port0 + 250 * $4)) \
        JWTGATE_ISSUER=$BUILD/jwtgate-issuer \
        JWTGATE_JWKS=$BUILD/jwtgate-jwks \
        PERL5LIB=$perl_lib \
            prove "$1"
    ) > "$2" 2>&1
    rc=$?

    # the reports of this suite; then what the runner and the last
    # error.log say (a worker that a master replaced, a report that went
    # to stderr after all)
    reports=$(find "$3" -type f | wc -l)
    signals=$(cat "$2" "$sr"/logs/error.log 2>/dev/null \
              | grep -c -E "$banners")
}

# A suite whose assertions failed with no sanitizer finding runs once
# more: the sanitizers make nginx 2-5 times slower, and the key store's
# suites measure time in tenths of a second on a loaded 2-core machine.
# Its first log stays as <suite>.first.log, its failed lines are printed,
# and the verdict says "ok (retry)".  A sanitizer report or a signal in
# either run, or a second failure, fails the run.  make test (the plain
# suites, every version) has no retry: that is where the assertions are
# the verdict.
#
# check_suite SUITE SLOT: writes results/<name> (its line of the table)
# and prints what it has to say in one piece
check_suite() {
    local suite=$1 slot=$2 name rep log what msg
    name=$(basename "$suite" .t)
    rep=$dir/reports/$name
    log=$dir/$name.log
    msg=$dir/messages/$name
    rm -rf "$rep" "$dir/$name.first.log"
    mkdir -p "$rep"
    : > "$msg"
    echo "== asan: $suite" >&2

    run_suite "$suite" "$log" "$rep" "$slot"

    what=ok
    if [ "$reports" -gt 0 ] || [ "$signals" -gt 0 ]; then
        what=SANITIZER
    elif [ $rc -ne 0 ]; then
        {
            echo "== asan: $suite failed without a sanitizer finding;" \
                 "its failures, then a second run:"
            grep -E '^(not ok|#)' "$log" | head -40
        } >> "$msg"
        mv "$log" "$dir/$name.first.log"
        run_suite "$suite" "$log" "$rep" "$slot"
        if [ "$reports" -gt 0 ] || [ "$signals" -gt 0 ]; then
            what=SANITIZER
        elif [ $rc -ne 0 ]; then
            what=FAILED
        else
            what="ok(retry)"
        fi
    fi
    echo "$suite $what $reports $signals" > "$dir/results/$name"

    case $what in
    ok*)
        ;;
    *)
        {
            grep -E '^(not ok|#)' "$log" | head -40
            for f in $(find "$rep" -type f | sort | head -3); do
                echo "--- $f"
                head -40 "$f"
            done
        } >> "$msg"
        ;;
    esac
    [ -s "$msg" ] || return 0
    ( flock 8; echo "== asan: $suite: $what"; cat "$msg" ) \
        8> "$dir/messages/.lock" >&2
}

# worker SLOT: takes the next suite until none is left
queue=$dir/messages/.next
echo 0 > "$queue"
worker() {
    local i
    while :; do
        i=$( (flock 7; n=$(cat "$queue"); echo $((n + 1)) > "$queue"
              echo "$n") 7> "$queue.lock")
        [ "$i" -lt ${#suites[@]} ] || return 0
        check_suite "${suites[$i]}" "$1"
    done
}

for ((w = 0; w < ASAN_JOBS; w++)); do
    worker "$w" &
done
wait

for suite in "${table[@]}"; do
    name=$(basename "$suite" .t)
    if [ -f "$dir/results/$name" ]; then
        cat "$dir/results/$name" >> "$results"
    else
        echo "$suite NO-RESULT 0 0" >> "$results"
    fi
done
grep -qv -E '^[^ ]+ ok' "$results" && status=1

finished=$(date +%s)

echo
printf '%-34s  %-10s  %7s  %7s\n' suite result reports signals
while read -r s what n sig; do
    printf '%-34s  %-10s  %7s  %7s\n' "$s" "$what" "$n" "$sig"
done < "$results"
echo "(nginx $v, ASan+UBSan, NGX_DEBUG_PALLOC; build $((built - started)) s," \
     "suites $((finished - built)) s, ASAN_JOBS=$ASAN_JOBS; logs in" \
     "$dir/<suite>.log, reports in $dir/reports/)"

exit $status
