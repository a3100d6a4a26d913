#!/usr/bin/env bash
# tools/fuzz.sh: runs the libFuzzer targets (make fuzz), FUZZ_JOBS at once,
# each for FUZZ_SECONDS of wall time on its own core.
#
#   FUZZ_SECONDS   per target (default 60)
#   FUZZ_JOBS      targets at once (default: the number of cores)
#   BUILD          build directory (default build)
#   arguments      the targets (build/fuzz/fuzz_NAME)
#
# Each target's output goes to $BUILD/fuzz/NAME.log; its summary is printed
# when it ends.  A crash, leak or timeout of any target fails the run (its
# log's tail is printed); the corpus grows in $BUILD/fuzz/corpus-NAME.
set -u

BUILD=${BUILD:-build}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
dir=$BUILD/fuzz

# one target; prints its summary (one block, not interleaved); returns
# its exit status
run_one() {
    local t=$1 name dict rc=0 out
    name=${t##*/fuzz_}
    mkdir -p "$dir/corpus-$name"
    dict=
    [ -f "t/fuzz/$name.dict" ] && dict=-dict=t/fuzz/$name.dict
    # shellcheck disable=SC2086
    "$t" -max_total_time="$FUZZ_SECONDS" -max_len=20000 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$dir/" $dict \
        "$dir/corpus-$name" "t/fuzz/corpus/$name" \
        > "$dir/$name.log" 2>&1 || rc=$?
    out="== $t: $FUZZ_SECONDS s"$'\n'
    out+=$(grep -E '^(Done|stat::number_of_executed_units|stat::new_units)' \
               "$dir/$name.log")
    if [ $rc -ne 0 ]; then
        out+=$'\n'"== $t FAILED (exit $rc):"$'\n'
        out+=$(tail -40 "$dir/$name.log")
    fi
    printf '%s\n' "$out"
    return $rc
}

status=0
running=0
for t in "$@"; do
    if [ $running -ge "$FUZZ_JOBS" ]; then
        wait -n || status=1
        running=$((running - 1))
    fi
    run_one "$t" &
    running=$((running + 1))
done
while [ $running -gt 0 ]; do
    wait -n || status=1
    running=$((running - 1))
done
exit $status
