#!/bin/sh
# tools/suite-order.sh FILE...: prints the files, one a line, the slow
# ones first (in the order below), then the others as given.  With
# several files running at once (prove -j, ASAN_JOBS), a 45 s suite
# started last would otherwise run alone at the end.  Only an order: a
# file missing here still runs, a name here that is not given is skipped.
#
# Measured on nginx 1.22.1 (make prove, one file at a time), seconds:
#   050 46, 075 44, 057 35, 058 19, 051 11, 059 11, 020 6
slow="t/050-key-request.t t/075-revocation.t t/057-key-rotation-same-kid.t
t/058-key-source-variables.t t/051-key-file-change.t
t/059-key-source-variables-reload.t t/020-hostile.t"

for s in $slow; do
    for f in "$@"; do
        [ "$f" = "$s" ] && echo "$f"
    done
done
for f in "$@"; do
    case " $(echo $slow) " in
    *" $f "*) ;;
    *) echo "$f" ;;
    esac
done
