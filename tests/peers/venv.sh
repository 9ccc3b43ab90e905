#!/usr/bin/env bash
# The Python venv of the OSCAL tests: compliance-trestle (the reference OSCAL tooling) and its
# dependencies, pinned in tests/peers/oscal-requirements.txt, in target/py-venv (or DIR).
# Usage: bash tests/peers/venv.sh [DIR]; prints the venv's python on stdout (run-all.sh exports
# it as VENDOR_AUDIT_PYTHON). Uses Debian's python3 and its venv module (package python3-venv,
# in install.sh). Does nothing when the venv already holds exactly these pins; needs the network
# (PyPI) otherwise.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${1:-$ROOT/target/py-venv}"
REQUIREMENTS="$ROOT/tests/peers/oscal-requirements.txt"
PYTHON="$VENV/bin/python"
STAMP="$VENV/.vendor-audit-requirements"

if [ -x "$PYTHON" ] && [ -f "$STAMP" ] && cmp -s "$STAMP" "$REQUIREMENTS" \
    && "$PYTHON" -c 'import trestle.oscal' 2>/dev/null; then
    echo "venv.sh: $VENV has the pinned packages" >&2
else
    echo "venv.sh: creating $VENV (compliance-trestle and its pinned dependencies from PyPI)" >&2
    [ -x "$PYTHON" ] || /usr/bin/python3 -m venv "$VENV" || {
        echo "venv.sh: /usr/bin/python3 -m venv failed: install python3-venv (tests/peers/install.sh)" >&2
        exit 1
    }
    "$PYTHON" -m pip install --quiet --disable-pip-version-check --no-input -r "$REQUIREMENTS" >&2
    cp "$REQUIREMENTS" "$STAMP"
fi
echo "$PYTHON"
