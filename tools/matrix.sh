#!/usr/bin/env bash
# tools/matrix.sh: every Test::Nginx suite against every nginx version the
# README names, then one table: version x suite files passed / failed.
# A version passes when its prove exits 0 (the table's result "passed");
# the counts are read from prove's summary, for the table only.
#
#   MATRIX_VERSIONS   "1.22.1 1.24.0 1.26.3 1.30.4 1.31.4" (default)
#   NGINX_TARBALLS    where nginx-X.Y.Z.tar.gz are (default ../shared/nginx)
#   BUILD             build directory (default build)
#   MATRIX_JOBS       versions at once (default 1)
#   PROVE_JOBS        suite files at once within a version (default 1)
#   MATRIX_SUITES     the suite files (default t/*.t), e.g. "t/010-first-path.t
#                     t/061-forward-token.t"
#   MATRIX_ALL_ON     a version that also runs t/*/*.t (the issuer's and
#                     the runner's own tests: all that make prove runs);
#                     make test names 1.22.1
#   TEST_NGINX_PORT   the first port (default 1984); with MATRIX_JOBS or
#                     PROVE_JOBS above 1, the files run in slots of their
#                     own (tools/prove-slot.sh): port +250 per slot, up to
#                     MATRIX_JOBS x PROVE_JOBS slots, servroots in
#                     $BUILD/slots/
#
# 1.22.1 is Debian 12's own nginx (/usr/sbin/nginx, the nginx-dev source).
# The others are built once from the release tarballs into
# $BUILD/nginx-X.Y.Z/ with nginx.org's package flags, plus --with-debug
# (the runner's self-tests read debug lines); they are reused across runs.
# Each gets its own module build in $BUILD/matrix-X.Y.Z/.  Finally a module
# built for one version is loaded by another: nginx must refuse it cleanly.
#
# In parallel (MATRIX_JOBS=2): a version's nginx and module build (niced:
# the suites running meanwhile mostly wait on timers, and keep the CPU
# they need) overlaps the suites of another.  Each version's prove output
# is in $BUILD/matrix-X.Y.Z.log; a failed version's log is printed after
# the table.  Any failure in any version fails the run; nothing is retried.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

BUILD=${BUILD:-build}
NGINX_TARBALLS=${NGINX_TARBALLS:-../shared/nginx}
MATRIX_VERSIONS=${MATRIX_VERSIONS:-"1.22.1 1.24.0 1.26.3 1.30.4 1.31.4"}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
MATRIX_JOBS=${MATRIX_JOBS:-1}
PROVE_JOBS=${PROVE_JOBS:-1}

mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)
results=$BUILD/matrix.txt
: > "$results"

# the files of each version in slots of their own when anything runs at
# the same time (tools/prove-slot.sh); else prove as it always was
slots=$((MATRIX_JOBS * PROVE_JOBS))
prove_cmd=(prove)
if [ "$slots" -gt 1 ]; then
    prove_cmd=(prove --timer -j"$PROVE_JOBS" \
               --exec "$top/tools/prove-slot.sh")
    export PROVE_SLOT_DIR=$BUILD/slots PROVE_SLOTS=$slots
    export PROVE_SLOT_PORT=${TEST_NGINX_PORT:-1984}
fi

# nginx.org's packages (nginx -V of nginx.org's 1.2x/1.3x builds)
ngx_flags() {
    local v=$1 minor
    minor=$(echo "$v" | cut -d. -f2)
    printf '%s\n' --with-compat --with-file-aio --with-threads \
        --with-http_addition_module --with-http_auth_request_module \
        --with-http_dav_module --with-http_flv_module \
        --with-http_gunzip_module --with-http_gzip_static_module \
        --with-http_mp4_module --with-http_random_index_module \
        --with-http_realip_module --with-http_secure_link_module \
        --with-http_slice_module --with-http_ssl_module \
        --with-http_stub_status_module --with-http_sub_module \
        --with-http_v2_module --with-stream --with-stream_realip_module \
        --with-stream_ssl_module --with-stream_ssl_preread_module \
        --with-debug
    [ "$minor" -ge 25 ] && echo --with-http_v3_module
    return 0
}

# builds nginx X.Y.Z into $BUILD/nginx-X.Y.Z (once); prints its binary
build_nginx() {
    local v=$1 dir=$BUILD/nginx-$v tgz
    tgz=$NGINX_TARBALLS/nginx-$v.tar.gz

    if [ -x "$dir/sbin/nginx" ] && [ "$dir/sbin/nginx" -nt "$tgz" ]; then
        echo "$dir/sbin/nginx"
        return 0
    fi

    if [ ! -f "$tgz" ]; then
        echo "matrix: $tgz not found (NGINX_TARBALLS)" >&2
        return 1
    fi

    rm -rf "$dir"
    mkdir -p "$dir"
    tar xzf "$tgz" -C "$dir" || return 1
    mv "$dir/nginx-$v" "$dir/src"

    # a second copy to configure and build in: src/ stays pristine for
    # the module's own build (tools/build-module.sh copies it again)
    cp -r "$dir/src" "$dir/obj"
    (
        cd "$dir/obj" || exit 1
        [ -x ./configure ] || cp auto/configure ./configure
        # shellcheck disable=SC2046
        nice -n 10 ./configure --prefix="$dir" $(ngx_flags "$v") \
            --with-cc-opt="-g -O2 -Wno-error=deprecated-declarations" \
            > "$dir/configure.log" 2>&1 \
            && nice -n 10 make -j"$JOBS" > "$dir/make.log" 2>&1 \
            && make install > "$dir/install.log" 2>&1
    ) || {
        echo "matrix: building nginx $v failed (see $dir/*.log)" >&2
        tail -20 "$dir/make.log" "$dir/configure.log" 2>/dev/null >&2
        return 1
    }
    rm -rf "$dir/obj"

    echo "$dir/sbin/nginx"
}

# build_version V: nginx V (built once) and the module for it, niced; the
# outcome in $BUILD/matrix-V.built: "ok SECONDS", else the table's word for
# what failed (build-failed, module-failed, warnings)
build_version() {
    local v=$1 src mbuild log out what=ok t0
    log=$BUILD/matrix-$v.log
    out=$BUILD/matrix-$v.built
    t0=$(date +%s)

    if [ "$v" = 1.22.1 ]; then
        src=/usr/share/nginx/src
        mbuild=$BUILD
        if ! /usr/sbin/nginx -v 2>&1 | grep -q "nginx/$v"; then
            echo "matrix: /usr/sbin/nginx is not nginx $v" >&2
            what=build-failed
        fi
    else
        echo "== nginx $v: building nginx" >&2
        build_nginx "$v" > /dev/null || what=build-failed
        src=$BUILD/nginx-$v/src
        mbuild=$BUILD/matrix-$v
    fi

    if [ $what = ok ]; then
        echo "== nginx $v: building the module" >&2
        if ! nice -n 10 make --no-print-directory module NGINX_SRC="$src" \
                BUILD="$mbuild" > "$log" 2>&1; then
            cat "$log" >&2
            what=module-failed
        elif grep -qi 'warning:' "$mbuild/make.log"; then
            echo "matrix: nginx $v: the module builds with warnings" >&2
            grep -i 'warning:' "$mbuild/make.log" >&2
            what=warnings
        fi
    fi

    [ $what = ok ] && what="ok $(($(date +%s) - t0))"
    echo "$what" > "$out.new"
    mv -f "$out.new" "$out"
}

# builder: every version's builds, one after the other, from the start:
# while the first versions' suites run (mostly waiting), the next
# versions build (niced: the suites keep the CPU they need)
builder() {
    local v
    for v in $MATRIX_VERSIONS; do
        build_version "$v"
    done
}

# run_version V: once V is built, its suites; writes its line of the
# table to $BUILD/matrix-V.result and its module/binary pair to
# $BUILD/matrix-V.pair
run_version() {
    local v=$1 bin mbuild log ok fail files res built bs t1 t2 rc what
    log=$BUILD/matrix-$v.log
    res=$BUILD/matrix-$v.result
    rm -f "$res" "$BUILD/matrix-$v.pair"

    until [ -f "$BUILD/matrix-$v.built" ]; do
        if ! kill -0 "$builder_pid" 2> /dev/null \
           && [ ! -f "$BUILD/matrix-$v.built" ]; then
            echo "build-failed" > "$BUILD/matrix-$v.built"
        fi
        sleep 1
    done
    read -r built bs < "$BUILD/matrix-$v.built"
    if [ "$built" != ok ]; then
        echo "$v $built 0 0 - -" > "$res"
        return 1
    fi

    if [ "$v" = 1.22.1 ]; then
        bin=/usr/sbin/nginx
        mbuild=$BUILD
    else
        bin=$BUILD/nginx-$v/sbin/nginx
        mbuild=$BUILD/matrix-$v
    fi
    t1=$(date +%s)

    echo "== nginx $v: suites (built in $bs s)" >&2
    # shellcheck disable=SC2206
    tests=(${MATRIX_SUITES:-t/*.t})
    if [ "$v" = "${MATRIX_ALL_ON:-}" ]; then
        mapfile -t -O ${#tests[@]} tests < <(find t -mindepth 2 -name '*.t' \
                                               | sort)
    fi
    files=${#tests[@]}
    # the slow files first when several run at once
    [ "$slots" -gt 1 ] && mapfile -t tests < <(sh tools/suite-order.sh \
                                                   "${tests[@]}")
    TEST_NGINX_BINARY=$bin \
    TEST_NGINX_LOAD_MODULES=$mbuild/ngx_http_auth_jwt_module.so \
    JWTGATE_ISSUER=$BUILD/jwtgate-issuer \
    JWTGATE_JWKS=$BUILD/jwtgate-jwks \
    PERL5LIB=${PERL_TEST_LIB:+$PERL_TEST_LIB:}$top/t/lib${PERL5LIB:+:$PERL5LIB} \
        "${prove_cmd[@]}" "${tests[@]}" >> "$log" 2>&1
    rc=$?
    t2=$(date +%s)
    # the verdict is prove's exit status; the counts, for the table, are
    # read from its summary (the files it names with a Wstat)
    fail=$(sed -n 's/^\(t\/[^ ]*\.t\) *(Wstat.*/\1/p' "$log" | sort -u \
           | wc -l)
    if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
        fail='?'
        ok='?'
        echo "matrix: nginx $v: prove exited $rc, and its summary names" \
             "no failed file" >&2
    else
        ok=$((files - fail))
        [ "$rc" -eq 0 ] && [ "$fail" -ne 0 ] \
            && echo "matrix: nginx $v: prove exited 0, yet its summary" \
                    "names $fail failed file(s): prove's status wins" >&2
    fi
    if [ "$rc" -eq 0 ]; then
        what=passed
    else
        what=failed:rc=$rc
    fi
    echo "== nginx $v: suites done (prove exit $rc), $ok passed," \
         "$fail failed ($((t2 - t1)) s)" >&2
    echo "$v $what $ok $fail $bs $((t2 - t1))" > "$res"
    echo "$mbuild/ngx_http_auth_jwt_module.so $bin" > "$BUILD/matrix-$v.pair"
    [ "$rc" -eq 0 ]
}

# a module built for one nginx, loaded by another: refused, no signal
mismatch() {
    local m1 b1 m2 b2 dir out rc
    [ "$(wc -l < "$BUILD/matrix-pairs")" -ge 2 ] || return 0
    read -r m1 b1 < <(head -1 "$BUILD/matrix-pairs")
    read -r m2 b2 < <(tail -1 "$BUILD/matrix-pairs")
    dir=$(mktemp -d)
    mkdir -p "$dir/logs"
    printf 'load_module %s;\nevents {}\nhttp {}\n' "$m2" > "$dir/nginx.conf"
    out=$("$b1" -t -p "$dir/" -c "$dir/nginx.conf" 2>&1)
    rc=$?
    rm -rf "$dir"
    if [ $rc -eq 1 ] && echo "$out" | grep -q 'instead of'; then
        echo "mismatch: $(basename "$(dirname "$m2")") module refused by" \
             "$b1: ok"
        return 0
    fi
    echo "mismatch: expected a clean refusal (exit 1, \"version ... instead" \
         "of ...\"), got exit $rc:" >&2
    echo "$out" >&2
    return 1
}

: > "$BUILD/matrix-pairs"
for v in $MATRIX_VERSIONS; do
    rm -f "$BUILD/matrix-$v.built" "$BUILD/matrix-$v.result"
done
builder &
builder_pid=$!

status=0
pids=()
for v in $MATRIX_VERSIONS; do
    if [ ${#pids[@]} -ge "$MATRIX_JOBS" ]; then
        wait -n -p done_pid "${pids[@]}" || status=1
        for i in "${!pids[@]}"; do
            [ "${pids[$i]}" = "$done_pid" ] && unset "pids[$i]"
        done
        pids=("${pids[@]}")
    fi
    run_version "$v" &
    pids+=($!)
done
for p in "${pids[@]}"; do
    wait "$p" || status=1
done
wait "$builder_pid"

# the table and the pairs in MATRIX_VERSIONS order, whatever finished first
failed=
for v in $MATRIX_VERSIONS; do
    if [ -f "$BUILD/matrix-$v.result" ]; then
        cat "$BUILD/matrix-$v.result" >> "$results"
    else
        echo "$v no-result 0 0 - -" >> "$results"
        status=1
    fi
    [ -f "$BUILD/matrix-$v.pair" ] \
        && cat "$BUILD/matrix-$v.pair" >> "$BUILD/matrix-pairs"
    grep -q "^$v passed " "$results" || failed="$failed $v"
done
mismatch || status=1

echo
printf '%-8s  %-14s  %6s  %6s  %8s  %8s\n' nginx result passed failed \
    build-s suites-s
while read -r v what ok fail bs ss; do
    printf '%-8s  %-14s  %6s  %6s  %8s  %8s\n' "$v" "$what" "$ok" "$fail" \
        "$bs" "$ss"
done < "$results"
echo "(suite files; logs in $BUILD/matrix-<version>.log; MATRIX_JOBS=$MATRIX_JOBS," \
     "PROVE_JOBS=$PROVE_JOBS)"

# what failed, in full (make prove would have printed it)
for v in $failed; do
    [ -f "$BUILD/matrix-$v.log" ] || continue
    echo
    echo "==== nginx $v: $BUILD/matrix-$v.log ===="
    cat "$BUILD/matrix-$v.log"
done
[ -z "$failed" ] || status=1

exit $status
