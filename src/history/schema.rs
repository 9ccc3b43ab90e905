//! The history's schema as numbered migrations, applied in order when a database is opened, each
//! in its own transaction. A migration, once shipped, is never edited: a change is a new one.
//! They are SQLite's DDL; PostgreSQL gets each through [`postgres_ddl`], so both have one schema.

use super::db::{vals, Db, DbError};

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
    // 3: streamed runs (issue 14): a run's row is written when it starts and each vendor's
    // results in a transaction of their own; `complete` is 0 until the run is finished, and
    // every reader skips such a run (one interrupted by a crash is no baseline). Runs stored
    // before were stored whole: 1.
    r#"
    ALTER TABLE runs ADD COLUMN complete INTEGER NOT NULL DEFAULT 1;
    "#,
];

/// The schema version this build writes.
pub fn current() -> i64 {
    MIGRATIONS.len() as i64
}

/// The key of the PostgreSQL advisory lock that migrations hold (for their transaction), so
/// that shards starting at once migrate a new database once: "vendor-audit history" in short.
const MIGRATION_LOCK: i64 = 0x7661_6869_7374_6f72;

/// A migration's SQLite DDL as PostgreSQL's: a rowid key becomes an identity column, `INTEGER`
/// (SQLite's 64 bits) `BIGINT`, `BLOB` `BYTEA`, and `TEXT` compares byte by byte (`COLLATE "C"`,
/// SQLite's `BINARY`: runs and vendors sort the same in both, whatever the database's locale);
/// SQLite-only statements (`PRAGMA`) are left out.
pub fn postgres_ddl(sqlite: &str) -> String {
    let identity = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
    sqlite
        .split(';')
        .filter(|statement| {
            !statement
                .trim_start()
                .get(..6)
                .is_some_and(|w| w.eq_ignore_ascii_case("PRAGMA"))
        })
        .map(|statement| {
            let s = replace_words(statement, "INTEGER PRIMARY KEY AUTOINCREMENT", identity);
            let s = replace_words(&s, "INTEGER PRIMARY KEY", identity);
            let s = replace_words(&s, "INTEGER", "BIGINT");
            let s = replace_words(&s, "TEXT", "TEXT COLLATE \"C\"");
            replace_words(&s, "BLOB", "BYTEA")
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// `text` with each `from` that stands as whole words (not inside a longer name) replaced.
fn replace_words(text: &str, from: &str, to: &str) -> String {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(from) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + from.len()..].chars().next();
        out.push_str(&rest[..at]);
        if before.is_some_and(is_word) || after.is_some_and(is_word) {
            out.push_str(from);
        } else {
            out.push_str(to);
        }
        rest = &rest[at + from.len()..];
    }
    out.push_str(rest);
    out
}

/// The schema version a database says it has, if it says one (none: a new database, or one
/// whose `meta` table is not there yet).
fn stored_version(db: &Db) -> Result<Option<String>, DbError> {
    db.query_opt(
        "SELECT value FROM meta WHERE key = 'schema_version'",
        vec![],
    )?
    .map(|r| r.text(0))
    .transpose()
}

/// Brings the database to the current version. Each step holds the write lock (SQLite's
/// `BEGIN IMMEDIATE`; PostgreSQL's advisory lock [`MIGRATION_LOCK`] for the transaction), so
/// that two processes opening a new database at once migrate it once.
pub fn migrate(db: &Db) -> Result<i64, String> {
    // The usual case, an up-to-date database, takes no write lock (readers never wait for a
    // run). A database without `meta` fails here, outside any transaction: it is migrated below.
    if let Ok(Some(v)) = stored_version(db) {
        if v == current().to_string() {
            return Ok(current());
        }
    }
    loop {
        let step = db.write(|db| -> Result<Option<i64>, String> {
            let e = |e: DbError| e.to_string();
            if db.is_postgres() {
                db.batch(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
                    .map_err(e)?;
            }
            db.batch("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                .map_err(e)?;
            let version: i64 = stored_version(db)
                .map_err(e)?
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
                return Ok(None);
            };
            let ddl = if db.is_postgres() {
                postgres_ddl(step)
            } else {
                (*step).to_owned()
            };
            db.batch(&ddl)
                .map_err(|e| format!("migration to schema version {}: {e}", version + 1))?;
            db.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                vals![(version + 1).to_string()],
            )
            .map_err(e)?;
            Ok(Some(version + 1))
        });
        match step {
            Ok(Some(_)) => continue,
            Ok(None) => {
                return stored_version(db)
                    .map_err(|e| e.to_string())?
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| "its schema_version is not a number".to_owned())
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_translates_for_postgresql() {
        for (i, step) in MIGRATIONS.iter().enumerate() {
            let pg = postgres_ddl(step);
            for sqlite_only in ["AUTOINCREMENT", "INTEGER", "BLOB", "PRAGMA"] {
                assert!(
                    !pg.contains(sqlite_only),
                    "migration {} keeps {sqlite_only}:\n{pg}",
                    i + 1
                );
            }
            // The same statements, in the same order.
            assert_eq!(pg.matches(';').count(), step.matches(';').count(), "{pg}");
        }
        let one = postgres_ddl(MIGRATIONS[0]);
        assert!(
            one.contains("seq              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,")
        );
        assert!(one.contains("digest BYTEA NOT NULL UNIQUE"));
        assert!(one.contains("id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"));
        assert!(one.contains("fiscal_year   BIGINT,"));
        assert_eq!(
            postgres_ddl(MIGRATIONS[2]).trim(),
            "ALTER TABLE runs ADD COLUMN complete BIGINT NOT NULL DEFAULT 1;"
        );
        assert!(one.contains("id               TEXT COLLATE \"C\" NOT NULL UNIQUE,"));
        assert_eq!(
            postgres_ddl("PRAGMA foreign_keys = ON; CREATE TABLE x (n INTEGER, big_INTEGER TEXT)"),
            " CREATE TABLE x (n BIGINT, big_INTEGER TEXT COLLATE \"C\")"
        );
    }

    #[test]
    fn sqlite_migrates_once_and_knows_its_version() {
        let db = Db::Sqlite(rusqlite::Connection::open_in_memory().unwrap());
        assert_eq!(migrate(&db), Ok(current()));
        assert_eq!(migrate(&db), Ok(current()));
        let complete = db
            .query_one(
                "SELECT count(*) FROM pragma_table_info('runs') WHERE name = 'complete'",
                vec![],
            )
            .unwrap()
            .int(0)
            .unwrap();
        assert_eq!(complete, 1);
    }
}
