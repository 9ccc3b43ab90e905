#!/usr/bin/env bash
# Stop every peer recorded in RUN_DIR/pids ("PID NAME" lines), children included.
# Quiet and successful when they are already gone.
set -uo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 RUN_DIR" >&2
    exit 2
fi
RUN="$1"
[ -f "$RUN/pids" ] || exit 0

pids=()
while read -r pid _; do
    [[ "$pid" =~ ^[0-9]+$ ]] && pids+=("$pid")
done < "$RUN/pids"
[ ${#pids[@]} -gt 0 ] || { : > "$RUN/pids"; exit 0; }

# Collect descendants too (e.g. sshd per-connection children, orthanc threads
# are not processes, but forks are): everything in each peer's process group
# (start.sh runs each peer under setsid) plus any direct children.
kill_all() { # SIGNAL
    for pid in "${pids[@]}"; do
        kill -"$1" -- "-$pid" 2>/dev/null   # the peer's process group
        pkill -"$1" -P "$pid" 2>/dev/null   # children that left the group
        kill -"$1" "$pid" 2>/dev/null
    done
}
alive() {
    for pid in "${pids[@]}"; do
        kill -0 "$pid" 2>/dev/null && return 0
        pgrep -g "$pid" >/dev/null 2>&1 && return 0
    done
    return 1
}

kill_all TERM
for _ in $(seq 1 50); do          # up to 5 s for a clean exit
    alive || break
    sleep 0.1
done
if alive; then
    echo "stop.sh: peers still running after 5 s, sending KILL" >&2
    kill_all KILL
    for _ in $(seq 1 20); do alive || break; sleep 0.1; done
fi
# Xtigervnc removes its lock and socket on TERM, but not on KILL.
for d in 64 65 66; do
    if [ -e "/tmp/.X$d-lock" ]; then
        lp="$(tr -dc 0-9 < "/tmp/.X$d-lock" 2>/dev/null)"
        if [ -z "$lp" ] || ! kill -0 "$lp" 2>/dev/null; then
            rm -f "/tmp/.X$d-lock" "/tmp/.X11-unix/X$d"
        fi
    fi
done
: > "$RUN/pids"
exit 0
