//! The history's schema as numbered migrations, applied in order when a database is opened, each
//! in its own transaction. A migration, once shipped, is never edited: a change is a new one.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

/// Migration `i` (from 0) takes the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: runs, the vendors each covered, findings, verdicts, asset facts, and the alert queue.
    // Rows refer to their run by `runs.seq` and to repeated text (messages, facts, evidence) by
    // `blobs.id`: a run of the lab's 4 vendors takes about 30 KB instead of 300 (bench/history).
    r#"
    CREATE TABLE runs (
        seq              INTEGER PRIMARY KEY,
        id               TEXT NOT NULL UNIQUE,
        started_at       TEXT NOT NULL,
        finished_at      TEXT NOT NULL,
        now              TEXT NOT NULL,
        tool             TEXT NOT NULL,
        kind             TEXT NOT NULL,
        inventory        TEXT,
        inventory_digest TEXT NOT NULL,
        reports_digest   TEXT NOT NULL,
        checks_digest    TEXT NOT NULL,
        scope            TEXT,
        summary          TEXT NOT NULL
    );
    CREATE INDEX runs_started ON runs (started_at, seq);
    CREATE TABLE vendor_runs (
        run           INTEGER NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
        vendor        TEXT NOT NULL,
        name          TEXT NOT NULL,
        report_path   TEXT,
        report_status TEXT NOT NULL,
        fiscal_year   INTEGER,
        PRIMARY KEY (run, vendor)
    );
    CREATE INDEX vendor_runs_vendor ON vendor_runs (vendor, run);
    CREATE TABLE blobs (
        id     INTEGER PRIMARY KEY,
        digest BLOB NOT NULL UNIQUE,
        body   TEXT NOT NULL
    );
    CREATE TABLE findings (
        run      INTEGER NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
        vendor   TEXT NOT NULL,
        check_id TEXT NOT NULL,
        target   TEXT NOT NULL,
        status   TEXT NOT NULL,
        severity TEXT NOT NULL,
        control  TEXT,
        waived   INTEGER NOT NULL,
        text     INTEGER NOT NULL REFERENCES blobs (id),
        evidence INTEGER NOT NULL REFERENCES blobs (id)
    );
    CREATE INDEX findings_run ON findings (run, vendor);
    CREATE TABLE controls (
        run      INTEGER NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
        vendor   TEXT NOT NULL,
        control  TEXT NOT NULL,
        declared INTEGER,
        verdict  TEXT NOT NULL,
        reason   INTEGER NOT NULL REFERENCES blobs (id),
        PRIMARY KEY (run, vendor, control)
    );
    CREATE TABLE assets (
        run         INTEGER NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
        vendor      TEXT NOT NULL,
        target      TEXT NOT NULL,
        kind        TEXT NOT NULL,
        address     TEXT,
        facts       INTEGER NOT NULL REFERENCES blobs (id),
        unavailable INTEGER NOT NULL REFERENCES blobs (id),
        carried     INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX assets_run ON assets (run, vendor);
    CREATE TABLE alerts (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id      TEXT,
        created_at  TEXT NOT NULL,
        channel     TEXT NOT NULL,
        body        TEXT NOT NULL,
        state       TEXT NOT NULL,
        attempts    INTEGER NOT NULL DEFAULT 0,
        last_error  TEXT,
        updated_at  TEXT NOT NULL
    );
    CREATE INDEX alerts_pending ON alerts (state, id);
    "#,
    // 2: each vendor's grade in each run (issue 12), for the trend of its score. Runs stored
    // before it have NULL in both: their grade was never computed, and is not guessed.
    r#"
    ALTER TABLE vendor_runs ADD COLUMN score INTEGER;
    ALTER TABLE vendor_runs ADD COLUMN grade TEXT;
    "#,
];

/// The schema version this build writes.
pub fn current() -> i64 {
    MIGRATIONS.len() as i64
}

/// Brings the database to the current version. Each step holds the write lock
/// (`BEGIN IMMEDIATE`), so two processes opening a new file at once migrate it once.
pub fn migrate(conn: &mut Connection) -> Result<i64, String> {
    // The usual case, an up-to-date file, takes no write lock (readers never wait for a run).
    let up_to_date: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .ok();
    if up_to_date.as_deref() == Some(current().to_string().as_str()) {
        return Ok(current());
    }
    loop {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| e.to_string())?;
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        )
        .map_err(|e| e.to_string())?;
        let version: i64 = tx
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get::<_, String>(0),
            )
            .optional()
            .map_err(|e| e.to_string())?
            .map(|v| v.parse().unwrap_or(-1))
            .unwrap_or(0);
        if version < 0 {
            return Err("its schema_version is not a number".into());
        }
        if version > current() {
            return Err(format!(
                "it was written by a newer vendor-audit (schema version {version}; this one knows up to {})",
                current()
            ));
        }
        let Some(step) = usize::try_from(version)
            .ok()
            .and_then(|v| MIGRATIONS.get(v))
        else {
            return Ok(version);
        };
        tx.execute_batch(step)
            .map_err(|e| format!("migration to schema version {}: {e}", version + 1))?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [(version + 1).to_string()],
        )
        .map_err(|e| e.to_string())?;
        tx.commit().map_err(|e| e.to_string())?;
    }
}
