#!/usr/bin/env bash
# THE test command of vendor-audit: bash tests/run-all.sh [extra cargo test args]
# Installs the lab's packages (as root) and the Python venv of the OSCAL tests, starts the real
# peers on loopback, runs the whole cargo test suite against them, and always stops the peers.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Each section says how long the one before it took (CI's time is budgeted: .ci/run).
SECTION_START=$SECONDS
section() {
    if [ -n "${SECTION_NAME:-}" ]; then
        printf '(%s: %d s)\n' "$SECTION_NAME" "$((SECONDS - SECTION_START))"
    fi
    SECTION_NAME="$*"
    SECTION_START=$SECONDS
    printf '\n==================== %s ====================\n' "$*"
}

section "lab packages"
if [ "$(id -u)" -eq 0 ]; then
    bash tests/peers/install.sh
else
    bash tests/peers/install.sh || {
        echo "run-all.sh: not root: install the packages above (see tests/peers/install.sh), then rerun" >&2
        exit 1
    }
fi

section "python venv for the OSCAL tests (tests/peers/venv.sh: compliance-trestle)"
VENDOR_AUDIT_PYTHON="$(bash tests/peers/venv.sh)"
export VENDOR_AUDIT_PYTHON

RUN="$(mktemp -d "${TMPDIR:-/tmp}/vendor-audit-lab.XXXXXX")"
status=1
finish() {
    section "stopping lab peers"
    bash "$ROOT/tests/peers/stop.sh" "$RUN" || true
    if [ "$status" -eq 0 ]; then
        rm -rf "$RUN"
    else
        echo "run-all.sh: failed (status $status); peer logs kept in $RUN" >&2
    fi
}
trap finish EXIT
trap 'exit 130' INT TERM

section "starting lab peers in $RUN"
bash tests/peers/start.sh "$RUN"

section "lab self-check (tests/peers/probe.py: RDP/VNC/DICOM/SSH/TLS answers, form caches leak)"
python3 tests/peers/probe.py "$RUN"

section "cargo test --all-targets $*"
export VENDOR_AUDIT_LAB=1
export VENDOR_AUDIT_LAB_RUN="$RUN"
# The lab's PostgreSQL (tests/peers/postgres.sh), for tests/history_postgres.rs.
VENDOR_AUDIT_POSTGRES="$(cat "$RUN/postgres.url")"
export VENDOR_AUDIT_POSTGRES
set +e
cargo test --all-targets "$@"
status=$?
set -e

section "cargo test exited with status $status"
exit "$status"
