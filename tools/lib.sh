# tools/lib.sh: what tools/bench.sh, tools/demo.sh and tools/soak.sh share
# (issue 19): watching and stopping the processes they start, free ports,
# starting and stopping nginx, the exit traps, a watchdog, pinning, reading
# a token's header.  Sourced by bash; not a program of its own.
#
# The sourcing script sets lib_name (its name in messages) first, and may
# define before_exit (called first by the EXIT trap) and on_exit RC
# (called by the EXIT trap after every process below is
# stopped, before the shell exits: its own logs and temporary directory).
# The PIDs it starts go into these variables, which the EXIT trap stops in
# this order: job_pid and wrk_pid (SIGTERM), issuer_pid (SIGTERM),
# nginx_pid (ngx_stop), watchdog_pid (SIGTERM).  A process is signalled
# only while it is alive and a child of this shell: never a recycled PID,
# never a process the script did not start.

lib_name=${lib_name:-tools}
job_pid=
wrk_pid=
issuer_pid=
nginx_pid=
watchdog_pid=

die() { echo "$lib_name: $*" >&2; exit 1; }

# now_ms: a wall clock in milliseconds
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# --- processes -------------------------------------------------------------

# alive PID: it exists and is not a zombie
alive() {
    local s
    [ -n "$1" ] || return 1
    { read -r s < "/proc/$1/stat"; } 2>/dev/null || return 1
    s=${s##*) }
    [ "${s%% *}" != Z ]
}

# ppid_of PID: the parent of PID, from /proc (fails if gone)
ppid_of() {
    local s
    { read -r s < "/proc/$1/stat"; } 2>/dev/null || return 1
    s=${s##*) }
    s=${s#* }
    echo "${s%% *}"
}

# ours PID: alive and a child of this shell (so never a recycled PID)
ours() { alive "$1" && [ "$(ppid_of "$1")" = "$$" ]; }

# children PID: the live children of PID
children() {
    local c='' p s out=''
    if { read -r c < "/proc/$1/task/$1/children"; } 2>/dev/null; then
        for p in $c; do alive "$p" && out="$out $p"; done
    else
        for p in /proc/[0-9]*; do
            { read -r s < "$p/stat"; } 2>/dev/null || continue
            s=${s##*) }
            case "$s" in Z*) continue ;; esac
            s=${s#* }
            [ "${s%% *}" = "$1" ] && out="$out ${p#/proc/}"
        done
    fi
    echo $out
}

# wait_gone PID SECONDS: true once PID has exited, false at the deadline
wait_gone() {
    local end=$(( $(now_ms) + $2 * 1000 ))
    while alive "$1"; do
        [ "$(now_ms)" -lt "$end" ] || return 1
        sleep 0.05
    done
    return 0
}

# stop PID SIGNAL [SECONDS]: signal one of our children, wait at most
# SECONDS (5), then KILL; reaps it
stop() {
    local pid=$1 sig=$2 secs=${3:-5}
    [ -n "$pid" ] || return 0
    if ! ours "$pid"; then
        wait "$pid" 2>/dev/null
        return 0
    fi
    kill "-$sig" "$pid" 2>/dev/null
    if ! wait_gone "$pid" "$secs"; then
        echo "$lib_name: pid $pid did not stop on SIG$sig, killing it" >&2
        ours "$pid" && kill -KILL "$pid" 2>/dev/null
        wait_gone "$pid" 2
    fi
    wait "$pid" 2>/dev/null
    return 0
}

# run_bg CMD...: runs CMD in the background (job_pid) and waits for it, so
# that INT, TERM and the watchdog are handled at once (bash defers traps
# while a foreground child runs); its exit status
run_bg() {
    local rc
    "$@" &
    job_pid=$!
    wait "$job_pid"
    rc=$?
    job_pid=
    return $rc
}

# watchdog SECONDS: SIGTERM to this shell after SECONDS (watchdog_pid)
watchdog() {
    (
        trap 'kill "$sp" 2>/dev/null; exit 0' TERM
        sleep "$1" &
        sp=$!
        wait "$sp"
        echo "$lib_name: still running after $1 s: stopping" >&2
        kill -TERM $$
    ) &
    watchdog_pid=$!
}

# --- exit traps --------------------------------------------------------------

lib_exit() {
    local rc=$?
    trap - EXIT INT TERM
    # what must be undone before anything else (a script's before_exit)
    if declare -F before_exit >/dev/null; then
        before_exit
    fi
    [ -n "$job_pid" ] && stop "$job_pid" TERM
    [ -n "$wrk_pid" ] && stop "$wrk_pid" TERM 2
    [ -n "$issuer_pid" ] && stop "$issuer_pid" TERM 3
    ngx_stop
    [ -n "$watchdog_pid" ] && stop "$watchdog_pid" TERM 1
    if declare -F on_exit >/dev/null; then
        on_exit "$rc"
    fi
    exit "$rc"
}

# lib_traps: EXIT stops everything (lib_exit); INT and TERM exit 130 and
# 143 (a script may set its own INT and TERM traps after this)
lib_traps() {
    trap lib_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# --- ports -------------------------------------------------------------------

# free_ports N [FROM]: N distinct free loopback ports, on one line: the
# first free ones from FROM up (at most 1000 tried), or without FROM ports
# chosen by the kernel; fails when there are not N
free_ports() {
    perl -MIO::Socket::INET -e '
        my ($n, $from) = @ARGV;
        my @got;
        if (defined $from && $from ne "") {
            for (my $p = $from; @got < $n && $p < $from + 1000; $p++) {
                my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
                            LocalPort => $p, Listen => 1, ReuseAddr => 1);
                push @got, $p if $s;
                close $s if $s;
            }
        } else {
            my @s = map { IO::Socket::INET->new(LocalAddr => "127.0.0.1",
                              LocalPort => 0, Listen => 1) or die "$!\n" }
                    1 .. $n;
            @got = map { $_->sockport } @s;
        }
        @got == $n or exit 1;
        print "@got\n";' "$1" "${2:-}"
}

# --- nginx -------------------------------------------------------------------

# ngx_temp_paths DIR: the http block's temporary paths, under DIR
ngx_temp_paths() {
    local p
    for p in client_body proxy fastcgi uwsgi scgi; do
        printf '    %-21s %s/%s;\n' "${p}_temp_path" "$1" "$p"
    done
}

# ngx_args PREFIX CONF ERROR_LOG: sets the array ngx_args, nginx's -p -c -e
ngx_args() {
    ngx_args=(-p "$1" -c "$2" -e "$3")
}

# ngx_start URL [WORKERS] [LOG]: `nginx -t`, then nginx in the background
# (ngx_args, daemon off; nginx_pid) until URL answers and the master has
# WORKERS (1) workers, within 10 s.  nginx's output goes to LOG
# ($dir/logs/nginx.stderr).  Returns 1, having said why, when it does not
# start.
ngx_start() {
    local url=$1 workers=${2:-1} out=${3:-$dir/logs/nginx.stderr} end
    if ! "$nginx" -t -q "${ngx_args[@]}" >> "$out" 2>&1; then
        echo "$lib_name: nginx -t failed:" >&2
        tail -n 20 "$out" >&2
        return 1
    fi
    "$nginx" "${ngx_args[@]}" -g 'daemon off;' < /dev/null >> "$out" 2>&1 &
    nginx_pid=$!
    end=$(( $(now_ms) + 10000 ))
    until [ "$(children "$nginx_pid" | wc -w)" -ge "$workers" ] &&
          curl -s -o /dev/null --max-time 1 "$url"; do
        if ! alive "$nginx_pid"; then
            echo "$lib_name: nginx exited at start:" >&2
            tail -n 20 "$out" >&2
            return 1
        fi
        if [ "$(now_ms)" -ge "$end" ]; then
            echo "$lib_name: nginx did not answer $url within 10 s" >&2
            return 1
        fi
        sleep 0.05
    done
    return 0
}

# ngx_stop: stops nginx_pid (QUIT, 5 s; TERM, 2 s; then KILL its workers
# and itself)
ngx_stop() {
    local pid=$nginx_pid workers w
    nginx_pid=
    [ -n "$pid" ] || return 0
    if ! ours "$pid"; then
        wait "$pid" 2>/dev/null
        return 0
    fi
    workers=$(children "$pid")
    kill -QUIT "$pid" 2>/dev/null
    if ! wait_gone "$pid" 5; then
        kill -TERM "$pid" 2>/dev/null
        if ! wait_gone "$pid" 2; then
            echo "$lib_name: nginx $pid did not stop, killing it" >&2
            for w in $workers; do
                [ "$(ppid_of "$w")" = "$pid" ] && kill -KILL "$w" 2>/dev/null
            done
            kill -KILL "$pid" 2>/dev/null
            wait_gone "$pid" 2
        fi
    fi
    wait "$pid" 2>/dev/null
    return 0
}

# vm_rss PID: its resident set, kB (/proc/PID/status VmRSS)
vm_rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

# --- pinning -----------------------------------------------------------------

# lib_pinning: on 2 CPUs or more with taskset, the nginx worker on CPU 0
# (pin_worker: a worker_cpu_affinity line), wrk on CPU 1 (pin_wrk), a
# CPU-bound helper like the worker (pin_core); pinning says which
lib_pinning() {
    ncpu=$(nproc 2>/dev/null || echo 1)
    if [ "$ncpu" -ge 2 ] && command -v taskset >/dev/null 2>&1 \
       && taskset -c 0 true 2>/dev/null && taskset -c 1 true 2>/dev/null
    then
        pin_worker="worker_cpu_affinity 01;"
        pin_wrk=(taskset -c 1)
        pin_core=(taskset -c 0)
        pinning="nginx worker on CPU 0 (worker_cpu_affinity 01), wrk on CPU 1 (taskset -c 1)"
    else
        pin_worker=
        pin_wrk=()
        pin_core=()
        pinning="no pinning (fewer than 2 CPUs usable, or no taskset)"
    fi
}

# --- tokens ------------------------------------------------------------------

b64url_decode() {
    local s=$1
    s=${s//-/+}
    s=${s//_//}
    case $((${#s} % 4)) in
        2) s="$s==" ;;
        3) s="$s=" ;;
    esac
    printf '%s' "$s" | base64 -d 2>/dev/null
}
jwt_header() { b64url_decode "${1%%.*}"; }
jwt_payload() { local p=${1#*.}; b64url_decode "${p%%.*}"; }
kid_of() { jwt_header "$1" | sed -n 's/.*"kid" *: *"\([^"]*\)".*/\1/p'; }

# issuer_start LOG ARGS...: build/jwtgate-issuer ARGS... in the background
# (issuer_pid; ARGS must have --pid-file $dir/issuer.pid) until it has
# written its pid file, within 15 s; its output appended to LOG
issuer_start() {
    local log=$1 end
    shift
    rm -f "$dir/issuer.pid"
    "$issuer_bin" "$@" < /dev/null >> "$log" 2>&1 &
    issuer_pid=$!
    end=$(( $(now_ms) + 15000 ))
    until [ "$(cat "$dir/issuer.pid" 2>/dev/null)" = "$issuer_pid" ]; do
        if ! alive "$issuer_pid" || [ "$(now_ms)" -ge "$end" ]; then
            echo "$lib_name: the issuer did not start:" >&2
            tail -n 5 "$log" >&2
            return 1
        fi
        sleep 0.02
    done
    return 0
}
