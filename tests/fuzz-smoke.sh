#!/usr/bin/env bash
# Fuzz smoke: builds every fuzz target of fuzz/ once (cargo-fuzz, nightly) and runs each for
# FUZZ_SECONDS (default 20) from its committed seeds in fuzz/corpus/TARGET, FUZZ_JOBS at a time
# (default: the number of cores). Prints per target executions, exec/s, corpus size and whether
# it crashed; exits 1 on any crash (with the reproducer's path), 2 on a build failure.
# Without the nightly toolchain or cargo-fuzz it prints a loud SKIPPED line and exits 0
# (FUZZ_INSTALL=1 installs cargo-fuzz first: about 45 s). FUZZ_SANITIZER=none builds without
# AddressSanitizer (faster build and runs; panics and assertions still caught).
# The build is the slow part: cold, about 12-15 min here on 2 loaded cores (ASan or not);
# warm (fuzz/target kept, e.g. a CI cache of it), seconds. Measured with 20 s a target and a
# warm build: 156 s for 14 targets on 2 cores.
# The seeds are copied: runs grow a scratch corpus under FUZZ_OUT (default target/fuzz-smoke),
# never fuzz/corpus. Usage: bash tests/fuzz-smoke.sh [TARGET...]
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_EACH="${FUZZ_SECONDS:-20}"
JOBS="${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}"
SANITIZER="${FUZZ_SANITIZER:-address}"
# FUZZ_PROFILE=dev builds without optimisation: a cold build in 2.5 min instead of 12-15 (2 cores),
# for slower runs, which a smoke can afford (.ci/run uses it with FUZZ_SANITIZER=none).
PROFILE="${FUZZ_PROFILE:-release}"
OUT="${FUZZ_OUT:-$ROOT/target/fuzz-smoke}"

skip() {
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    echo "!!! FUZZ SMOKE SKIPPED: $*"
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    exit 0
}

command -v cargo >/dev/null 2>&1 || skip "no cargo on PATH"
cargo +nightly --version >/dev/null 2>&1 || skip "no nightly toolchain (rustup toolchain install nightly)"
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    if [ "${FUZZ_INSTALL:-0}" = 1 ]; then
        cargo install cargo-fuzz --locked || skip "cargo install cargo-fuzz failed"
    else
        skip "cargo-fuzz not installed (cargo install cargo-fuzz --locked, or FUZZ_INSTALL=1)"
    fi
fi

# -max_len per target: the largest answer its probe reads (a TLS flight, a page) stays
# reachable, short inputs for the fixed-size greetings.
max_len() {
    case "$1" in
        x224|rfb) echo 1024 ;;
        banner|database|smb) echo 4096 ;;
        ntlm|credssp|dicom|caching) echo 16384 ;;
        certificate) echo 32768 ;;
        tls|http|html|web) echo 65536 ;;
        *) echo 8192 ;;
    esac
}

cd "$ROOT/fuzz" || exit 2
if [ $# -gt 0 ]; then
    TARGETS=("$@")
else
    mapfile -t TARGETS < <(cargo +nightly fuzz list)
fi
echo "== fuzz smoke: ${#TARGETS[@]} targets, ${SECONDS_EACH}s each, $JOBS at a time, sanitizer $SANITIZER, profile $PROFILE"

start=$(date +%s)
build_flags=(--sanitizer "$SANITIZER")
[ "$PROFILE" = dev ] && build_flags+=(--dev)
mkdir -p "$(dirname "$OUT")"
if ! cargo +nightly fuzz build "${build_flags[@]}" >"$OUT.build.log" 2>&1; then
    tail -40 "$OUT.build.log"
    echo "FUZZ SMOKE: build failed (log: $OUT.build.log)"
    exit 2
fi
echo "== build: $(( $(date +%s) - start ))s"

BIN="$ROOT/fuzz/target/x86_64-unknown-linux-gnu/$([ "$PROFILE" = dev ] && echo debug || echo release)"
rm -rf "$OUT"
mkdir -p "$OUT"

run_one() {
    local t="$1" dir="$OUT/$1"
    mkdir -p "$dir/corpus" "$dir/artifacts"
    [ -d "$ROOT/fuzz/corpus/$t" ] && cp "$ROOT/fuzz/corpus/$t"/* "$dir/corpus/" 2>/dev/null
    "$BIN/$t" -max_total_time="$SECONDS_EACH" -max_len="$(max_len "$t")" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$dir/artifacts/" \
        "$dir/corpus" >"$dir/log" 2>&1
    echo $? >"$dir/rc"
}

running=0
for t in "${TARGETS[@]}"; do
    [ -x "$BIN/$t" ] || { echo "FUZZ SMOKE: no binary for target $t"; exit 2; }
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

failed=0
printf '%-12s %12s %9s %8s  %s\n' target executions exec/s corpus result
for t in "${TARGETS[@]}"; do
    dir="$OUT/$t"
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$dir/log" | grep -o '[0-9]*$' | tail -1)
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$dir/log" | grep -o '[0-9]*$' | tail -1)
    corpus=$(find "$dir/corpus" -type f | wc -l)
    crash=$(grep -o 'Test unit written to [^ ]*' "$dir/log" | head -1 | sed 's/Test unit written to //')
    rc=$(cat "$dir/rc" 2>/dev/null || echo 1)
    if [ "$rc" = 0 ] && [ -z "$crash" ]; then
        result=ok
    else
        result="CRASHED (rc $rc) reproducer: ${crash:-none written, see $dir/log}"
        failed=1
    fi
    printf '%-12s %12s %9s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "$corpus" "$result"
done
echo "== fuzz smoke: $(( $(date +%s) - start ))s in all"
if [ "$failed" = 1 ]; then
    echo "FUZZ SMOKE FAILED: reproduce with $BIN/TARGET REPRODUCER (logs under $OUT)"
    exit 1
fi
