#!/usr/bin/env bash
# Run the TLS oracles (sslscan and testssl.sh, from Debian) against the lab's
# six TLS servers (four nginx, two openssl s_server), saving their outputs for
# comparison with vendor-audit.
# Usage: tests/peers/oracles.sh RUN_DIR OUT_DIR   (after tests/peers/start.sh RUN_DIR)
# Loopback only: each server is named by its lab name and reached at its fixed
# address; neither tool resolves names (testssl.sh --ip/--nodns none) or phones out.
# Per server NAME (modern, legacy, expired, selfsigned, tls13, weak) OUT_DIR gets
#   NAME.sslscan.txt / NAME.sslscan.xml   sslscan's text and XML output
#   NAME.testssl.txt / NAME.json          testssl.sh -p -e, text and flat JSON
#   times.tsv                             wall time of each run in seconds
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 RUN_DIR OUT_DIR" >&2
    exit 2
fi
RUN="$1"
mkdir -p "$2"
OUT="$(cd "$2" && pwd)"
TESTSSL="$(command -v testssl.sh || command -v testssl || true)"
command -v sslscan >/dev/null || { echo "oracles.sh: sslscan missing (tests/peers/install.sh)" >&2; exit 1; }
[ -n "$TESTSSL" ] || { echo "oracles.sh: testssl.sh missing (tests/peers/install.sh)" >&2; exit 1; }
[ -s "$RUN/tls/ca.pem" ] || { echo "oracles.sh: $RUN/tls/ca.pem missing: start the lab first" >&2; exit 1; }

# NAME ADDRESS SNI: the addresses and names of tests/common/mod.rs
SERVERS=(
    "modern     127.0.0.81 modern.lab.test"
    "legacy     127.0.0.82 legacy.lab.test"
    "expired    127.0.0.83 expired.lab.test"
    "selfsigned 127.0.0.84 selfsigned.lab.test"
    "tls13      127.0.0.85 tls13.lab.test"
    "weak       127.0.0.86 weak.lab.test"
)
PORT=8443

now() { date +%s.%N; }
printf 'server\toracle\tseconds\tstatus\n' > "$OUT/times.tsv"
for line in "${SERVERS[@]}"; do
    read -r name addr sni <<<"$line"

    t0=$(now)
    set +e
    sslscan --no-colour --sni-name="$sni" --xml="$OUT/$name.sslscan.xml" "$addr:$PORT" \
        > "$OUT/$name.sslscan.txt" 2>&1
    rc=$?
    set -e
    t1=$(now)
    printf '%s\tsslscan\t%.2f\t%d\n' "$name" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$rc" >> "$OUT/times.tsv"

    # testssl.sh refuses to overwrite an existing JSON file.
    rm -f "$OUT/$name.json"
    t0=$(now)
    set +e
    "$TESTSSL" -p -e --warnings off --color 0 --nodns none --ip "$addr" \
        --connect-timeout 5 --openssl-timeout 5 --add-ca "$RUN/tls/ca.pem" \
        --jsonfile "$OUT/$name.json" "https://$sni:$PORT" > "$OUT/$name.testssl.txt" 2>&1
    rc=$?
    set -e
    t1=$(now)
    printf '%s\ttestssl.sh\t%.2f\t%d\n' "$name" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$rc" >> "$OUT/times.tsv"
done
cat "$OUT/times.tsv"
