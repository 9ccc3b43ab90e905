#!/usr/bin/env bash
# PostgreSQL for the history tests (issue 14, tests/history_postgres.rs): Debian's server with a
# cluster of its own in RUN_DIR/postgres, listening on 127.0.0.230:5432 only (no Unix socket),
# password (scram-sha-256) authentication from loopback only, and a role and database
# `vendor_audit` (the role may create databases: each test makes a fresh one).
# Usage: tests/peers/postgres.sh RUN_DIR. start.sh calls it; its PID goes into RUN_DIR/pids
# like every peer's (stop.sh ends it); the URL is written to RUN_DIR/postgres.url, which
# tests/run-all.sh exports as VENDOR_AUDIT_POSTGRES.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 RUN_DIR" >&2
    exit 2
fi
mkdir -p "$1"
RUN="$(cd "$1" && pwd)"
HOST=127.0.0.230
PORT=5432
# A throwaway cluster on loopback; the tests check that it is never printed.
PASSWORD=lab-only-pg-password
PEER_TIMEOUT="${PEER_TIMEOUT:-30}"

die() {
    echo "!!! LAB FAILED: postgres: $*" >&2
    exit 1
}

PG_BIN="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)"
[ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] ||
    die "no PostgreSQL under /usr/lib/postgresql: run 'bash tests/peers/install.sh' as root"
if timeout 1 bash -c "exec 3<>/dev/tcp/$HOST/$PORT" 2>/dev/null; then
    die "$HOST:$PORT is already in use (a lab in another RUN dir? stop it with tests/peers/stop.sh OLD_RUN)"
fi

PG="$RUN/postgres"
rm -rf "$PG"
mkdir -p "$PG"
# initdb and the server refuse to run as root: as root, they run as the `postgres` user of
# Debian's package, which must be able to reach RUN_DIR (traverse only, no listing).
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "no user 'postgres': run 'bash tests/peers/install.sh' as root"
    chmod o+x "$RUN"
    chown postgres:postgres "$PG"
    as_pg=(setpriv --reuid=postgres --regid=postgres --init-groups --)
fi
chmod 700 "$PG"
printf '%s\n' "$PASSWORD" > "$PG/pwfile"
[ "$(id -u)" -ne 0 ] || chown postgres:postgres "$PG/pwfile"
"${as_pg[@]}" "$PG_BIN/initdb" -D "$PG/data" -U postgres --pwfile="$PG/pwfile" \
    --auth=scram-sha-256 --no-locale -E UTF8 --no-sync >"$RUN/postgres-initdb.log" 2>&1 ||
    { tail -n 20 "$RUN/postgres-initdb.log" >&2; die "initdb failed"; }
rm -f "$PG/pwfile"
cat > "$PG/data/pg_hba.conf" <<'HBA'
# TYPE  DATABASE  USER  ADDRESS       METHOD
host    all       all   127.0.0.0/8   scram-sha-256
HBA

# A throwaway cluster: no fsync. Its own session, so that stop.sh ends it with its backends.
setsid "${as_pg[@]}" "$PG_BIN/postgres" -D "$PG/data" \
    -c listen_addresses="$HOST" -c port="$PORT" -c unix_socket_directories= \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
    >"$RUN/postgres.log" 2>&1 </dev/null &
pid=$!
echo "$pid postgres" >> "$RUN/pids"

deadline=$(( $(date +%s) + PEER_TIMEOUT ))
until "$PG_BIN/pg_isready" -q -h "$HOST" -p "$PORT" -d postgres -t 1; do
    if ! kill -0 "$pid" 2>/dev/null; then
        tail -n 20 "$RUN/postgres.log" >&2
        die "the server (PID $pid) exited"
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
        tail -n 20 "$RUN/postgres.log" >&2
        die "not accepting connections on $HOST:$PORT after ${PEER_TIMEOUT}s"
    fi
    sleep 0.1
done
PGPASSWORD="$PASSWORD" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$PORT" -U postgres -d postgres \
    -c "CREATE ROLE vendor_audit LOGIN CREATEDB PASSWORD '$PASSWORD'" \
    -c "CREATE DATABASE vendor_audit OWNER vendor_audit" >"$RUN/postgres-setup.log" 2>&1 ||
    { cat "$RUN/postgres-setup.log" >&2; die "cannot create the role and database vendor_audit"; }
echo "postgres://vendor_audit:$PASSWORD@$HOST:$PORT/vendor_audit" > "$RUN/postgres.url"
printf '  %-20s %s:%s up (database vendor_audit; URL in %s)\n' postgres "$HOST" "$PORT" "$RUN/postgres.url"
