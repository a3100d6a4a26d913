#!/usr/bin/env bash
# tools/prove-slot.sh: runs one Test::Nginx file in a slot of its own, for
# prove -jN (prove -j2 --exec tools/prove-slot.sh t/*.t).
#
#   PROVE_SLOT_DIR    where the slots are (required): slotI.lock, servrootI/
#   PROVE_SLOTS       how many slots (default 4); at least prove's -j
#   PROVE_SLOT_PORT   the first slot's TEST_NGINX_PORT (default
#                     $TEST_NGINX_PORT, else 1984)
#   PROVE_SLOT_SPAN   ports between two slots (default 250)
#
# A slot is a TEST_NGINX_PORT and a TEST_NGINX_SERVROOT that no other file
# uses while this one runs (a lock held by this script until the file and
# what it left running are gone).  The span: suites take the ports above
# TEST_NGINX_PORT for their issuers and second gateways (t/050 "free_port",
# t/060 scans +10..+200), so two slots' ranges never meet.  Several prove
# runs at once (make test-matrix MATRIX_JOBS=2) share one PROVE_SLOT_DIR.
#
# The file's stderr (its failure diagnostics) is kept and printed in one
# piece when it ends, so that the output of files running at the same time
# does not interleave; its TAP goes to prove as usual.
set -u

dir=${PROVE_SLOT_DIR:?PROVE_SLOT_DIR is not set}
slots=${PROVE_SLOTS:-4}
span=${PROVE_SLOT_SPAN:-250}
base=${PROVE_SLOT_PORT:-${TEST_NGINX_PORT:-1984}}
mkdir -p "$dir"

# a free slot: the first lock nobody holds; wait (10 min at most) when
# every slot is busy, e.g. a runner's nginx outliving its test file
slot=
waited=0
while [ -z "$slot" ]; do
    for ((i = 0; i < slots; i++)); do
        exec 9> "$dir/slot$i.lock"
        if flock -n 9; then
            slot=$i
            break
        fi
        exec 9>&-
    done
    if [ -z "$slot" ]; then
        if [ $waited -ge 3000 ]; then
            echo "prove-slot: no free slot in $dir after 600 s" >&2
            exit 1
        fi
        sleep 0.2
        waited=$((waited + 1))
    fi
done

export TEST_NGINX_PORT=$((base + slot * span))
export TEST_NGINX_SERVER_PORT=$TEST_NGINX_PORT
export TEST_NGINX_SERVROOT=$dir/servroot$slot
unset TEST_NGINX_CLIENT_PORT

err=$dir/stderr$slot
case $1 in
*.t) perl "$@" 2> "$err" ;;
*) "$@" 2> "$err" ;;
esac
rc=$?

# the diagnostics in one piece (one writer at a time)
if [ -s "$err" ]; then
    (
        flock 8
        echo "---- $* (port $TEST_NGINX_PORT): stderr ----"
        cat "$err"
        echo "---- end of $* ----"
    ) 8> "$dir/output.lock" >&2
fi
rm -f "$err"
exit $rc
