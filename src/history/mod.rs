//! The run history (SPEC §8): every run's findings, control verdicts and asset facts, in SQLite
//! (WAL journal) or PostgreSQL, with one versioned schema migrated on open. A run is streamed in:
//! its row first, then each vendor in a transaction of its own, then marked complete; `history`,
//! `diff` and the alerts read complete runs only. Facts and evidence are stored once per
//! distinct value (`blobs`).

mod db;
pub mod diff;
mod location;
mod pg;
mod schema;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use crate::catalog::Severity;
use crate::inventory::Inventory;
use crate::results::{RunInfo, RunReport, Status, Summary, VendorResult, Verdict};

use db::{vals, Db, DbError, Value};
pub use location::{is_postgres_url, redact, Location, PgUrl};
pub use schema::current as schema_version;
pub use schema::postgres_ddl;

/// The file name of the history when neither `--db` nor `[audit] history` names one.
pub const DEFAULT_FILE: &str = "audit-history.db";

/// How long a writer waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// Rows one multi-row `INSERT` carries (a vendor's findings, controls, assets, new texts).
const ROWS_PER_INSERT: usize = 100;

/// Digests one `SELECT … WHERE digest IN (…)` looks up.
const DIGESTS_PER_LOOKUP: usize = 500;

/// A history problem, for people: which history (a file, or a PostgreSQL URL without its
/// password), and what went wrong.
#[derive(Debug)]
pub struct HistoryError {
    pub location: String,
    pub message: String,
}

impl fmt::Display for HistoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "history {}: {}", self.location, self.message)
    }
}

impl std::error::Error for HistoryError {}

/// Which history a command uses: `--db` (a file, or a `postgres://` URL), else
/// `[audit] history`, else the default file beside the inventory. A `--db` URL that cannot be
/// used is an error for people.
pub fn locate(
    db: Option<&Path>,
    inventory: Option<&Inventory>,
    config: &Path,
) -> Result<Location, String> {
    if let Some(db) = db {
        return Location::of_arg(db);
    }
    if let Some(location) = inventory.and_then(|i| i.audit.history.clone()) {
        return Ok(location);
    }
    let dir = config.parent().filter(|d| !d.as_os_str().is_empty());
    Ok(Location::File(dir.map_or_else(
        || PathBuf::from(DEFAULT_FILE),
        |d| d.join(DEFAULT_FILE),
    )))
}
/// What the history records about a run besides its report.
#[derive(Debug, Clone, Default)]
pub struct RunMeta {
    /// `run`, `watch` or `assess`.
    pub kind: String,
    pub inventory: Option<String>,
    pub inventory_digest: String,
    pub reports_digest: String,
    pub checks_digest: String,
    /// The targets probed in this round when not every asset was (a `watch` round near a
    /// go-live): the others' facts were carried over from the previous round.
    pub scope: Option<Vec<String>>,
}

impl RunMeta {
    /// The digests of what a run of `inventory` read: the inventory file, every report file it
    /// names (absent ones count as absent), and the checks.
    pub fn of(kind: &str, inventory: &Inventory, checks_digest: &str) -> RunMeta {
        let mut reports = ring::digest::Context::new(&ring::digest::SHA256);
        for v in &inventory.vendors {
            let Some(path) = &v.report else { continue };
            let bytes = crate::inventory::read_small_file(path).unwrap_or_default();
            for part in [path.to_string_lossy().as_bytes(), &bytes[..]] {
                reports.update(&(part.len() as u64).to_be_bytes());
                reports.update(part);
            }
        }
        RunMeta {
            kind: kind.to_owned(),
            inventory: Some(inventory.path.display().to_string()),
            inventory_digest: sha256(inventory.source.as_bytes()),
            reports_digest: hex(reports.finish().as_ref()),
            checks_digest: checks_digest.to_owned(),
            scope: None,
        }
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256(bytes: &[u8]) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

/// One row of `vendor-audit history`: a run as one vendor saw it.
#[derive(Debug, Clone, Serialize)]
pub struct RunVendorRow {
    pub run: String,
    pub started_at: String,
    pub now: String,
    pub kind: String,
    pub vendor: String,
    /// The vendor's grade and score in the run (`None` for runs stored before grades were).
    pub grade: Option<String>,
    pub score: Option<u32>,
    /// Failing, unwaived findings by severity name.
    pub failures: BTreeMap<String, usize>,
    pub errors: usize,
    pub contradicted: usize,
    /// Changes since this vendor's previous run (`None` for its first).
    pub changes: Option<ChangeCounts>,
}

/// One point of a vendor's score over its runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScorePoint {
    pub run: String,
    pub started_at: String,
    /// The instant the run judged at (`--now`, or its clock).
    pub now: String,
    pub score: u32,
    pub grade: String,
}

/// Each vendor's earlier graded runs, by vendor id, oldest first.
pub type Trends = BTreeMap<String, Vec<ScorePoint>>;

#[derive(Debug, Clone, Serialize)]
pub struct ChangeCounts {
    pub previous_run: String,
    pub regressions: usize,
    pub fixed: usize,
    pub verdict_changes: usize,
    pub status_changes: usize,
}

/// What one vendor's findings and verdicts were in one run: what `diff` compares.
#[derive(Debug, Clone, Default)]
pub struct VendorSnapshot {
    pub run: String,
    /// By (check, target).
    pub findings: BTreeMap<(String, String), FindingState>,
    pub controls: BTreeMap<String, ControlState>,
}

#[derive(Debug, Clone)]
pub struct FindingState {
    pub status: Status,
    pub waived: bool,
    pub severity: Severity,
    pub title: String,
    pub message: String,
    /// The message in Japanese; the English one for runs stored before it was kept.
    pub message_ja: String,
    pub control: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ControlState {
    pub verdict: Verdict,
    pub reason: String,
    /// The reason in Japanese; the English one for runs stored before it was kept.
    pub reason_ja: String,
}

/// A run's vendors, by id.
pub type Snapshot = BTreeMap<String, VendorSnapshot>;

/// The snapshot of one vendor's results in run `run`, as [`History::vendor_snapshot`] reads
/// it back once stored.
pub fn vendor_snapshot_of(run: &str, v: &VendorResult) -> VendorSnapshot {
    let findings = v
        .findings
        .iter()
        .map(|f| {
            (
                (f.check.clone(), f.target.clone()),
                FindingState {
                    status: f.status,
                    waived: f.waived,
                    severity: f.severity,
                    title: f.title.clone(),
                    message: f.message.clone(),
                    message_ja: f.message_ja.clone(),
                    control: f.control.clone(),
                },
            )
        })
        .collect();
    let controls = v
        .controls
        .iter()
        .map(|c| {
            (
                c.control.clone(),
                ControlState {
                    verdict: c.verdict,
                    reason: c.reason.clone(),
                    reason_ja: c.reason_ja.clone(),
                },
            )
        })
        .collect();
    VendorSnapshot {
        run: run.to_owned(),
        findings,
        controls,
    }
}

/// The snapshot of a report that may not be stored (yet).
pub fn snapshot_of(report: &RunReport) -> Snapshot {
    report
        .vendors
        .iter()
        .map(|v| (v.id.clone(), vendor_snapshot_of(&report.run.id, v)))
        .collect()
}

/// A status, verdict or severity from its stored name.
fn parse_name<T: serde::de::DeserializeOwned>(name: &str) -> Result<T, DbError> {
    serde_json::from_value(serde_json::Value::String(name.to_owned()))
        .map_err(|_| DbError(format!("`{name}` is not a name this vendor-audit knows")))
}

/// A run being stored ([`History::begin_run`] to [`History::finish_run`]): which row it is,
/// and what changed for the vendors stored so far. It holds no vendor's results, so that a
/// fleet of any size streams through in the same memory.
#[derive(Debug)]
pub struct Recording {
    run: String,
    seq: i64,
    /// The targets of a partial round (`RunMeta::scope`): the others' facts were carried over.
    scope: Option<Vec<String>>,
    /// The newest of the vendors' previous runs (by id, as run ids sort by time).
    from: Option<String>,
    changes: diff::Changes,
    vendors: usize,
}

impl Recording {
    /// The id of the run being stored.
    pub fn run(&self) -> &str {
        &self.run
    }

    /// How many vendors are stored so far.
    pub fn vendors(&self) -> usize {
        self.vendors
    }
}

/// An open history database.
///
/// Runs are ordered by `started_at` (whole seconds), then by `seq`, the order they were
/// begun in: two runs started in the same second keep the order they happened in (their ids'
/// random tails do not). Only complete runs are read.
pub struct History {
    db: Db,
    location: Location,
}

impl History {
    /// Opens (creating it if need be) and migrates the SQLite history at `path`.
    pub fn open(path: &Path) -> Result<History, HistoryError> {
        let fail = |message: String| HistoryError {
            location: path.display().to_string(),
            message,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.is_dir() {
                return Err(fail(format!("its folder {} does not exist", dir.display())));
            }
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| fail(format!("cannot open: {e}")))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| fail(e.to_string()))?;
        conn.set_prepared_statement_cache_capacity(64);
        // WAL: readers never block the writer, and a killed writer leaves only an uncommitted
        // tail that the next open discards. NORMAL sync is durable against a killed process.
        // Switching a new file to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY at
        // once (no busy handler) while another process does the same: retry until the timeout.
        let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
        let mode: String = loop {
            match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)) {
                Ok(mode) => break mode,
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if matches!(
                        e.code,
                        rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                    ) && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e @ rusqlite::Error::SqliteFailure(_, _))
                    if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) =>
                {
                    return Err(fail(format!(
                        "not a vendor-audit history (SQLite said: {e})"
                    )))
                }
                Err(e) => return Err(fail(format!("cannot set the WAL journal: {e}"))),
            }
        };
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(fail(format!("cannot use the WAL journal (got {mode})")));
        }
        conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .map_err(|e| fail(e.to_string()))?;
        let db = Db::Sqlite(conn);
        schema::migrate(&db).map_err(fail)?;
        Ok(History {
            db,
            location: Location::File(path.to_path_buf()),
        })
    }

    /// Connects to the PostgreSQL history at `url` and migrates it (creating its tables in a
    /// new database).
    pub fn connect(url: &PgUrl) -> Result<History, HistoryError> {
        let fail = |message: String| HistoryError {
            location: url.to_string(),
            message,
        };
        let db =
            Db::Postgres(pg::Pg::connect(url).map_err(|e| fail(format!("cannot connect: {e}")))?);
        schema::migrate(&db).map_err(fail)?;
        Ok(History {
            db,
            location: Location::Postgres(url.clone()),
        })
    }

    /// Opens the history at `location`, creating it if need be.
    pub fn open_at(location: &Location) -> Result<History, HistoryError> {
        match location {
            Location::File(path) => History::open(path),
            Location::Postgres(url) => History::connect(url),
        }
    }

    /// Opens a history that must hold runs already (`history`, `diff`): a missing file, or a
    /// PostgreSQL database without the history's tables, is an error, and nothing is created.
    pub fn open_existing(location: &Location) -> Result<History, HistoryError> {
        let missing = |what: String| HistoryError {
            location: location.to_string(),
            message: format!("{what}: `vendor-audit run --db` stores one"),
        };
        match location {
            Location::File(path) if !path.is_file() => {
                Err(missing("there is no history file".into()))
            }
            Location::File(path) => History::open(path),
            Location::Postgres(url) => {
                let db = Db::Postgres(pg::Pg::connect(url).map_err(|e| HistoryError {
                    location: url.to_string(),
                    message: format!("cannot connect: {e}"),
                })?);
                let tables = db
                    .query_one(
                        "SELECT count(*) FROM information_schema.tables
                         WHERE table_schema = current_schema() AND table_name = 'meta'",
                        vec![],
                    )
                    .and_then(|r| r.int(0))
                    .map_err(|e| missing(e.to_string()))?;
                if tables == 0 {
                    return Err(missing("the database holds no vendor-audit history".into()));
                }
                schema::migrate(&db).map_err(|message| HistoryError {
                    location: url.to_string(),
                    message,
                })?;
                Ok(History {
                    db,
                    location: location.clone(),
                })
            }
        }
    }

    /// Where this history is, for messages: `path().display()` is its file, or its URL with
    /// the password hidden.
    pub fn path(&self) -> &Location {
        &self.location
    }

    /// Whether this history is in PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.db.is_postgres()
    }

    fn err(&self, e: impl fmt::Display) -> HistoryError {
        HistoryError {
            location: self.location.to_string(),
            message: e.to_string(),
        }
    }

    /// Stores a run: kept whole or not at all, as far as every reader can tell (its vendors
    /// are written one transaction each, and a run that fails part way is removed again; one
    /// cut short by a crash stays incomplete, which no reader sees).
    pub fn record(&mut self, report: &RunReport, meta: &RunMeta) -> Result<(), HistoryError> {
        self.record_and_compare(report, meta).map(drop)
    }

    /// Stores `report` and returns what changed for each of its vendors since that vendor's
    /// previous stored run (a vendor seen for the first time has every failure new).
    pub fn record_and_compare(
        &mut self,
        report: &RunReport,
        meta: &RunMeta,
    ) -> Result<diff::Changes, HistoryError> {
        let mut recording = self.begin_run(&report.run, meta)?;
        let seq = recording.seq;
        let stored = (|| {
            for v in &report.vendors {
                self.record_vendor(&mut recording, v)?;
            }
            self.finish_run(recording, &report.run.finished_at, &report.summary)
        })();
        if stored.is_err() {
            // Best effort: the next open would not see it anyway.
            let _ = self.db.execute(
                "DELETE FROM runs WHERE seq = ?1 AND complete = 0",
                vals![seq],
            );
        }
        stored
    }

    /// Starts storing a run: its row, marked incomplete until [`History::finish_run`].
    pub fn begin_run(&mut self, run: &RunInfo, meta: &RunMeta) -> Result<Recording, HistoryError> {
        let seq = self
            .db
            .write(|db| {
                db.query_one(
                    "INSERT INTO runs (id, started_at, finished_at, now, tool, kind, inventory,
                        inventory_digest, reports_digest, checks_digest, scope, summary, complete)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 0)
                     RETURNING seq",
                    vals![
                        &run.id,
                        &run.started_at,
                        &run.finished_at,
                        &run.now,
                        &run.tool,
                        &meta.kind,
                        meta.inventory.as_deref(),
                        &meta.inventory_digest,
                        &meta.reports_digest,
                        &meta.checks_digest,
                        meta.scope.as_ref().map(json),
                        json(&Summary::default()),
                    ],
                )?
                .int(0)
            })
            .map_err(|e| self.err(format!("storing run {}: {e}", run.id)))?;
        Ok(Recording {
            run: run.id.clone(),
            seq,
            scope: meta.scope.clone(),
            from: None,
            changes: diff::Changes::new("", &run.id),
            vendors: 0,
        })
    }

    /// Stores one vendor's results of the run being recorded, in a transaction of its own,
    /// and adds its changes since its previous complete run to `rec`.
    pub fn record_vendor(
        &mut self,
        rec: &mut Recording,
        v: &VendorResult,
    ) -> Result<(), HistoryError> {
        let fail = |e: DbError| self.err(format!("storing run {}: vendor {}: {e}", rec.run, v.id));
        // The baseline is read before the write transaction, which it need not hold up.
        let (previous, before) = match self.latest_seq_for(&v.id)? {
            Some((run, seq)) => {
                let before = self.vendor_snapshot_at(&run, seq, &v.id)?;
                (Some(run), Some(before))
            }
            None => (None, None),
        };
        let (run, scope) = (rec.seq, rec.scope.as_deref());
        self.db
            .write(|db| store_vendor(db, run, scope, v))
            .map_err(fail)?;
        let after = vendor_snapshot_of(&rec.run, v);
        rec.changes.add_vendor(&v.id, before.as_ref(), &after);
        if let Some(previous) = previous {
            if rec.from.as_ref().is_none_or(|f| previous > *f) {
                rec.from = Some(previous);
            }
        }
        rec.vendors += 1;
        Ok(())
    }

    /// Ends storing a run: its summary and end, and complete from now on. Returns the changes
    /// since each vendor's previous run, `from` the newest of those runs (as with
    /// [`History::record_and_compare`]), vendor by vendor in the order of their ids.
    pub fn finish_run(
        &mut self,
        rec: Recording,
        finished_at: &str,
        summary: &Summary,
    ) -> Result<diff::Changes, HistoryError> {
        let changed = self
            .db
            .write(|db| {
                db.execute(
                    "UPDATE runs SET finished_at = ?1, summary = ?2, complete = 1
                     WHERE seq = ?3 AND complete = 0",
                    vals![finished_at, json(summary), rec.seq],
                )
            })
            .map_err(|e| self.err(format!("storing run {}: {e}", rec.run)))?;
        if changed != 1 {
            return Err(self.err(format!(
                "storing run {}: its row is gone, or was finished already",
                rec.run
            )));
        }
        let mut changes = rec.changes;
        changes.from = rec.from.unwrap_or_default();
        // Stable: each vendor's changes keep their order (the vendors may have come in
        // inventory order; the changes read as if in id order, as snapshots are).
        changes.regressions.sort_by(|a, b| a.vendor.cmp(&b.vendor));
        changes.fixed.sort_by(|a, b| a.vendor.cmp(&b.vendor));
        changes
            .status_changes
            .sort_by(|a, b| a.vendor.cmp(&b.vendor));
        changes
            .verdict_changes
            .sort_by(|a, b| a.vendor.cmp(&b.vendor));
        Ok(changes)
    }

    /// What `diff` shows: run `to` (a prefix; the newest when `None`) against run `from`, or,
    /// when `from` is `None`, each of its vendors against that vendor's previous run (a
    /// `--vendor` run or a watch round covers some vendors only: it is compared with what was
    /// last seen of them).
    pub fn compare(
        &self,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<diff::Changes, HistoryError> {
        let to = match to {
            Some(b) => self.resolve(b)?,
            None => self
                .latest(1)?
                .pop()
                .ok_or_else(|| self.err("no run is stored yet"))?,
        };
        let after = self.snapshot(&to)?;
        if let Some(a) = from {
            let from = self.resolve(a)?;
            let before = self.snapshot(&from)?;
            return Ok(diff::Changes::between(&from, &before, &to, &after));
        }
        let mut previous = Vec::new();
        let mut changes = diff::Changes::new("", &to);
        for (vendor, now) in &after {
            match self.previous_for(vendor, &to)? {
                Some(run) => {
                    let then = self.vendor_snapshot(&run, vendor)?;
                    changes.add_vendor(vendor, Some(&then), now);
                    previous.push(run);
                }
                None => changes.vendors_only_in_to.push(vendor.clone()),
            }
        }
        previous.sort();
        previous.dedup();
        if previous.is_empty() {
            return Err(self.err(format!(
                "run {to} is the first of its vendors: there is nothing to compare it with"
            )));
        }
        changes.from = previous.join(",");
        Ok(changes)
    }

    /// The run whose id starts with `prefix` (it must be the only one).
    pub fn resolve(&self, prefix: &str) -> Result<String, HistoryError> {
        let ids: Vec<String> = self
            .db
            .query(
                "SELECT id FROM runs
                 WHERE complete = 1 AND substr(id, 1, length(CAST(?1 AS TEXT))) = ?1
                 ORDER BY started_at, seq LIMIT 6",
                vals![prefix],
            )
            .and_then(|rows| rows.iter().map(|r| r.text(0)).collect())
            .map_err(|e| self.err(e))?;
        match ids.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(self.err(format!(
                "no run id starts with `{prefix}`; `vendor-audit history` lists them"
            ))),
            many => Err(self.err(format!(
                "`{prefix}` is the start of several run ids ({}{}): give more of it",
                many.iter().take(5).cloned().collect::<Vec<_>>().join(", "),
                if many.len() > 5 { ", …" } else { "" }
            ))),
        }
    }

    /// The ids of the newest `n` runs, oldest first.
    pub fn latest(&self, n: usize) -> Result<Vec<String>, HistoryError> {
        let mut ids: Vec<String> = self
            .db
            .query(
                "SELECT id FROM runs WHERE complete = 1
                 ORDER BY started_at DESC, seq DESC LIMIT ?1",
                vals![i64::try_from(n).unwrap_or(i64::MAX)],
            )
            .and_then(|rows| rows.iter().map(|r| r.text(0)).collect())
            .map_err(|e| self.err(e))?;
        ids.reverse();
        Ok(ids)
    }

    /// How many runs are stored.
    pub fn run_count(&self) -> Result<usize, HistoryError> {
        self.db
            .query_one("SELECT count(*) FROM runs WHERE complete = 1", vec![])
            .and_then(|r| r.int(0))
            .map(|n| usize::try_from(n).unwrap_or(0))
            .map_err(|e| self.err(e))
    }

    /// The storage key of a (complete) run id.
    fn seq(&self, run: &str) -> Result<i64, HistoryError> {
        self.db
            .query_opt(
                "SELECT seq FROM runs WHERE id = ?1 AND complete = 1",
                vals![run],
            )
            .and_then(|r| r.map(|r| r.int(0)).transpose())
            .map_err(|e| self.err(e))?
            .ok_or_else(|| self.err(format!("no run {run}")))
    }

    /// The vendors of a stored run, each with its findings and verdicts.
    pub fn snapshot(&self, run: &str) -> Result<Snapshot, HistoryError> {
        let seq = self.seq(run)?;
        let vendors: Vec<String> = self
            .db
            .query(
                "SELECT vendor FROM vendor_runs WHERE run = ?1 ORDER BY vendor",
                vals![seq],
            )
            .and_then(|rows| rows.iter().map(|r| r.text(0)).collect())
            .map_err(|e| self.err(e))?;
        let mut snap = Snapshot::new();
        for vendor in vendors {
            let one = self.vendor_snapshot(run, &vendor)?;
            snap.insert(vendor, one);
        }
        Ok(snap)
    }

    /// One vendor's findings and verdicts in a stored run.
    pub fn vendor_snapshot(&self, run: &str, vendor: &str) -> Result<VendorSnapshot, HistoryError> {
        let seq = self.seq(run)?;
        self.vendor_snapshot_at(run, seq, vendor)
    }

    /// [`History::vendor_snapshot`] of the run whose storage key is `seq`.
    fn vendor_snapshot_at(
        &self,
        run: &str,
        seq: i64,
        vendor: &str,
    ) -> Result<VendorSnapshot, HistoryError> {
        let load = || -> Result<VendorSnapshot, DbError> {
            let mut snap = VendorSnapshot {
                run: run.to_owned(),
                ..VendorSnapshot::default()
            };
            for r in self.db.query(
                "SELECT f.check_id, f.target, f.status, f.waived, f.severity, f.control, t.body
                 FROM findings f JOIN blobs t ON t.id = f.text
                 WHERE f.run = ?1 AND f.vendor = ?2",
                vals![seq, vendor],
            )? {
                let text: StoredText = serde_json::from_str(&r.text(6)?)
                    .map_err(|e| DbError(format!("a finding's stored words do not read: {e}")))?;
                snap.findings.insert(
                    (r.text(0)?, r.text(1)?),
                    FindingState {
                        status: parse_name(&r.text(2)?)?,
                        waived: r.bool(3)?,
                        severity: parse_name(&r.text(4)?)?,
                        control: r.opt_text(5)?,
                        title: text.title,
                        message_ja: text.message_ja.unwrap_or_else(|| text.message.clone()),
                        message: text.message,
                    },
                );
            }
            for r in self.db.query(
                "SELECT c.control, c.verdict, t.body FROM controls c JOIN blobs t ON t.id = c.reason
                 WHERE c.run = ?1 AND c.vendor = ?2",
                vals![seq, vendor],
            )? {
                let (reason, reason_ja) = stored_reason(r.text(2)?);
                snap.controls.insert(
                    r.text(0)?,
                    ControlState {
                        verdict: parse_name(&r.text(1)?)?,
                        reason,
                        reason_ja,
                    },
                );
            }
            Ok(snap)
        };
        load().map_err(|e| self.err(format!("reading run {run}: {e}")))
    }

    /// The complete run before `run` (by start time) that covered `vendor`, if any.
    pub fn previous_for(&self, vendor: &str, run: &str) -> Result<Option<String>, HistoryError> {
        self.db
            .query_opt(
                "SELECT r.id FROM vendor_runs v JOIN runs r ON r.seq = v.run
                 WHERE v.vendor = ?1 AND r.id != ?2 AND r.complete = 1
                   AND (r.started_at, r.seq) < (SELECT started_at, seq FROM runs WHERE id = ?2)
                 ORDER BY r.started_at DESC, r.seq DESC LIMIT 1",
                vals![vendor, run],
            )
            .and_then(|r| r.map(|r| r.text(0)).transpose())
            .map_err(|e| self.err(e))
    }

    /// The newest complete run that covered `vendor`, if any.
    pub fn latest_for(&self, vendor: &str) -> Result<Option<String>, HistoryError> {
        Ok(self.latest_seq_for(vendor)?.map(|(id, _)| id))
    }

    /// [`History::latest_for`] with the run's storage key.
    fn latest_seq_for(&self, vendor: &str) -> Result<Option<(String, i64)>, HistoryError> {
        self.db
            .query_opt(
                "SELECT r.id, r.seq FROM vendor_runs v JOIN runs r ON r.seq = v.run
                 WHERE v.vendor = ?1 AND r.complete = 1
                 ORDER BY r.started_at DESC, r.seq DESC LIMIT 1",
                vals![vendor],
            )
            .and_then(|r| r.map(|r| Ok((r.text(0)?, r.int(1)?))).transpose())
            .map_err(|e| self.err(e))
    }

    /// Each vendor's newest stored run, as the baseline a new run's changes are judged against.
    pub fn baseline(&self, vendors: &[String]) -> Result<Snapshot, HistoryError> {
        let mut snap = Snapshot::new();
        for vendor in vendors {
            if let Some(run) = self.latest_for(vendor)? {
                let one = self.vendor_snapshot(&run, vendor)?;
                snap.insert(vendor.clone(), one);
            }
        }
        Ok(snap)
    }

    /// `vendor`'s graded runs, the newest `limit` of them, oldest first (by start, then the order
    /// they were stored in): the points of its score's trend. Runs stored before grades were
    /// (schema 1) have none and are left out.
    pub fn scores_for(&self, vendor: &str, limit: usize) -> Result<Vec<ScorePoint>, HistoryError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut points: Vec<ScorePoint> = self
            .db
            .query(
                "SELECT r.id, r.started_at, r.now, v.score, v.grade
                 FROM vendor_runs v JOIN runs r ON r.seq = v.run
                 WHERE v.vendor = ?1 AND r.complete = 1
                   AND v.score IS NOT NULL AND v.grade IS NOT NULL
                 ORDER BY r.started_at DESC, r.seq DESC LIMIT ?2",
                vals![vendor, limit],
            )
            .and_then(|rows| {
                rows.iter()
                    .map(|r| {
                        Ok(ScorePoint {
                            run: r.text(0)?,
                            started_at: r.text(1)?,
                            now: r.text(2)?,
                            score: u32::try_from(r.int(3)?).unwrap_or(0),
                            grade: r.text(4)?,
                        })
                    })
                    .collect()
            })
            .map_err(|e| self.err(e))?;
        points.reverse();
        Ok(points)
    }

    /// [`History::scores_for`] of each vendor of `report`, read before `report` is stored:
    /// the runs before it, for a report's trend chart.
    pub fn trends(&self, report: &RunReport, limit: usize) -> Result<Trends, HistoryError> {
        report
            .vendors
            .iter()
            .map(|v| Ok((v.id.clone(), self.scores_for(&v.id, limit)?)))
            .collect()
    }

    /// The newest `limit` (run, vendor) rows, newest first, each with its changes since that
    /// vendor's previous run.
    pub fn rows(
        &self,
        vendor: Option<&str>,
        limit: usize,
    ) -> Result<Vec<RunVendorRow>, HistoryError> {
        let query = || -> Result<Vec<RunVendorRow>, DbError> {
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let found = self.db.query(
                "SELECT r.id, r.started_at, r.now, r.kind, v.vendor,
                    (SELECT count(*) FROM findings f WHERE f.run = r.seq AND f.vendor = v.vendor
                        AND f.status = 'error'),
                    (SELECT count(*) FROM controls c WHERE c.run = r.seq AND c.vendor = v.vendor
                        AND c.verdict = 'contradicted'),
                    r.seq, v.grade, v.score
                 FROM vendor_runs v JOIN runs r ON r.seq = v.run
                 WHERE r.complete = 1 AND (CAST(?1 AS TEXT) IS NULL OR v.vendor = ?1)
                 ORDER BY r.started_at DESC, r.seq DESC, v.vendor LIMIT ?2",
                vals![vendor, limit],
            )?;
            let mut out = Vec::with_capacity(found.len());
            for r in found {
                let mut row = RunVendorRow {
                    run: r.text(0)?,
                    started_at: r.text(1)?,
                    now: r.text(2)?,
                    kind: r.text(3)?,
                    vendor: r.text(4)?,
                    grade: r.opt_text(8)?,
                    score: r.opt_int(9)?.and_then(|s| u32::try_from(s).ok()),
                    failures: BTreeMap::new(),
                    errors: usize::try_from(r.int(5)?).unwrap_or(0),
                    contradicted: usize::try_from(r.int(6)?).unwrap_or(0),
                    changes: None,
                };
                for c in self.db.query(
                    "SELECT severity, count(*) FROM findings
                     WHERE run = ?1 AND vendor = ?2 AND status = 'fail' AND waived = 0
                     GROUP BY severity",
                    vals![r.int(7)?, &row.vendor],
                )? {
                    row.failures
                        .insert(c.text(0)?, usize::try_from(c.int(1)?).unwrap_or(0));
                }
                out.push(row);
            }
            Ok(out)
        };
        let mut rows = query().map_err(|e| self.err(e))?;
        // A row's previous run is usually the next row's run: each snapshot is read once.
        let mut read: HashMap<(String, String), std::rc::Rc<VendorSnapshot>> = HashMap::new();
        let mut snapshot = |run: &str, vendor: &str| -> Result<_, HistoryError> {
            let key = (run.to_owned(), vendor.to_owned());
            if let Some(s) = read.get(&key) {
                return Ok(s.clone());
            }
            let s = std::rc::Rc::new(self.vendor_snapshot(run, vendor)?);
            read.insert(key, s.clone());
            Ok(s)
        };
        for row in &mut rows {
            let Some(previous) = self.previous_for(&row.vendor, &row.run)? else {
                continue;
            };
            let before = snapshot(&previous, &row.vendor)?;
            let after = snapshot(&row.run, &row.vendor)?;
            let mut changes = diff::Changes::new(&previous, &row.run);
            changes.add_vendor(&row.vendor, Some(&before), &after);
            row.changes = Some(ChangeCounts {
                previous_run: previous,
                regressions: changes.regressions.len(),
                fixed: changes.fixed.len(),
                verdict_changes: changes.verdict_changes.len(),
                status_changes: changes.status_changes.len(),
            });
        }
        Ok(rows)
    }

    /// Queues an alert (its JSON body) for delivery on `channel`; returns its id.
    pub fn queue_alert(
        &self,
        run: Option<&str>,
        channel: &str,
        body: &str,
    ) -> Result<i64, HistoryError> {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        self.db
            .query_one(
                "INSERT INTO alerts (run_id, created_at, channel, body, state, updated_at)
                 VALUES (?1, ?2, ?3, ?4, 'pending', ?2) RETURNING id",
                vals![run, now, channel, body],
            )
            .and_then(|r| r.int(0))
            .map_err(|e| self.err(e))
    }

    /// Alerts not yet delivered, oldest first: (id, channel, body, attempts so far).
    pub fn pending_alerts(&self) -> Result<Vec<PendingAlert>, HistoryError> {
        self.db
            .query(
                "SELECT id, channel, body, attempts FROM alerts WHERE state = 'pending' ORDER BY id",
                vec![],
            )
            .and_then(|rows| {
                rows.iter()
                    .map(|r| {
                        Ok(PendingAlert {
                            id: r.int(0)?,
                            channel: r.text(1)?,
                            body: r.text(2)?,
                            attempts: r.int(3)?,
                        })
                    })
                    .collect()
            })
            .map_err(|e| self.err(e))
    }

    /// Records one delivery outcome of an alert: sent, or still pending with the error.
    pub fn alert_outcome(
        &self,
        id: i64,
        attempts: u32,
        error: Option<&str>,
    ) -> Result<(), HistoryError> {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        self.db
            .execute(
                "UPDATE alerts SET state = ?2, attempts = attempts + ?3, last_error = ?4,
                    updated_at = ?5 WHERE id = ?1",
                vals![
                    id,
                    if error.is_some() { "pending" } else { "sent" },
                    attempts,
                    error,
                    now
                ],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }
}

/// A text to store once: its SHA-256, the key of `blobs`.
fn digest(body: &str) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, body.as_bytes());
    let mut key = [0u8; 32];
    key.copy_from_slice(d.as_ref());
    key
}

/// `INSERT INTO … VALUES` of many rows of `width` values each, [`ROWS_PER_INSERT`] a
/// statement; `tail` follows the values (`ON CONFLICT …`, `RETURNING …`). The rows returned.
fn insert_rows(
    db: &Db,
    head: &str,
    width: usize,
    tail: &str,
    rows: Vec<Vec<Value>>,
) -> Result<Vec<db::Row>, DbError> {
    let mut returned = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut sql = String::from(head);
        let mut params = Vec::new();
        for (i, row) in rows.by_ref().take(ROWS_PER_INSERT).enumerate() {
            sql.push_str(if i == 0 { " VALUES (" } else { ", (" });
            let marks: Vec<String> = (1..=width).map(|j| format!("?{}", i * width + j)).collect();
            sql.push_str(&marks.join(", "));
            sql.push(')');
            params.extend(row);
        }
        sql.push_str(tail);
        if tail.contains("RETURNING") {
            returned.extend(db.query(&sql, params)?);
        } else {
            db.execute(&sql, params)?;
        }
    }
    Ok(returned)
}

/// The ids of those of `digests` already stored.
fn stored_blobs<'a>(
    db: &Db,
    digests: impl Iterator<Item = &'a [u8; 32]>,
    ids: &mut HashMap<[u8; 32], i64>,
) -> Result<(), DbError> {
    let digests: Vec<&[u8; 32]> = digests.collect();
    for chunk in digests.chunks(DIGESTS_PER_LOOKUP) {
        let marks: Vec<String> = (1..=chunk.len()).map(|j| format!("?{j}")).collect();
        let sql = format!(
            "SELECT digest, id FROM blobs WHERE digest IN ({})",
            marks.join(", ")
        );
        let params = chunk.iter().map(|d| Value::Bytes(d.to_vec())).collect();
        for r in db.query(&sql, params)? {
            let key: [u8; 32] = r
                .bytes(0)?
                .try_into()
                .map_err(|_| DbError("a stored text's digest is not 32 bytes".into()))?;
            ids.insert(key, r.int(1)?);
        }
    }
    Ok(())
}

/// The ids of `texts` (by digest), storing those not stored yet. They are inserted in digest
/// order, so that two writers storing the same new texts at once take their places in the
/// unique index in one order and never wait on each other in a circle.
fn blob_ids(
    db: &Db,
    texts: &BTreeMap<[u8; 32], String>,
) -> Result<HashMap<[u8; 32], i64>, DbError> {
    let mut ids = HashMap::with_capacity(texts.len());
    stored_blobs(db, texts.keys(), &mut ids)?;
    let new: Vec<(&[u8; 32], &String)> = texts
        .iter()
        .filter(|(d, _)| !ids.contains_key(*d))
        .collect();
    if new.is_empty() {
        return Ok(ids);
    }
    // The rows inserted say their ids; a text another writer stored meanwhile is read after.
    for r in insert_rows(
        db,
        "INSERT INTO blobs (digest, body)",
        2,
        " ON CONFLICT (digest) DO NOTHING RETURNING digest, id",
        new.iter()
            .map(|(d, body)| vals![&d[..], body.as_str()])
            .collect(),
    )? {
        let key: [u8; 32] = r
            .bytes(0)?
            .try_into()
            .map_err(|_| DbError("a stored text's digest is not 32 bytes".into()))?;
        ids.insert(key, r.int(1)?);
    }
    let raced: Vec<&[u8; 32]> = new
        .iter()
        .map(|(d, _)| *d)
        .filter(|d| !ids.contains_key(*d))
        .collect();
    stored_blobs(db, raced.into_iter(), &mut ids)?;
    if let Some((missing, _)) = new.iter().find(|(d, _)| !ids.contains_key(*d)) {
        return Err(DbError(format!(
            "the text {} was stored but cannot be read back",
            hex(&missing[..])
        )));
    }
    Ok(ids)
}

/// One vendor's rows of run `run` (its `vendor_runs` row, findings, verdicts and assets), in
/// the caller's transaction.
fn store_vendor(
    db: &Db,
    run: i64,
    scope: Option<&[String]>,
    v: &VendorResult,
) -> Result<(), DbError> {
    // Every text first, each once: findings' words and evidence, reasons, facts.
    let mut texts: BTreeMap<[u8; 32], String> = BTreeMap::new();
    let mut keep = |body: String| {
        let key = digest(&body);
        texts.entry(key).or_insert(body);
        key
    };
    let finding_texts: Vec<([u8; 32], [u8; 32])> = v
        .findings
        .iter()
        .map(|f| {
            let words = keep(json(&FindingText {
                title: &f.title,
                message: &f.message,
                message_ja: &f.message_ja,
                waiver: f.waiver.as_ref(),
            }));
            (words, keep(json(&f.evidence)))
        })
        .collect();
    let reasons: Vec<[u8; 32]> = v
        .controls
        .iter()
        .map(|c| {
            keep(json(&ReasonText {
                en: &c.reason,
                ja: &c.reason_ja,
            }))
        })
        .collect();
    let asset_texts: Vec<([u8; 32], [u8; 32])> = v
        .assets
        .iter()
        .map(|a| (keep(json(&a.facts)), keep(json(&a.unavailable))))
        .collect();
    let ids = blob_ids(db, &texts)?;
    drop(texts);
    let id = |key: &[u8; 32]| {
        ids.get(key)
            .copied()
            .ok_or_else(|| DbError("a text's id went missing".into()))
    };
    db.execute(
        "INSERT INTO vendor_runs (run, vendor, name, report_path, report_status, fiscal_year,
            score, grade)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        vals![
            run,
            &v.id,
            &v.name,
            v.report.path.as_deref(),
            v.report.status.name(),
            v.report.fiscal_year,
            v.score,
            v.grade.name(),
        ],
    )?;
    let mut rows = Vec::with_capacity(v.findings.len());
    for (f, (words, evidence)) in v.findings.iter().zip(&finding_texts) {
        rows.push(vals![
            run,
            &v.id,
            &f.check,
            &f.target,
            f.status.name(),
            f.severity.name(),
            f.control.as_deref(),
            f.waived,
            id(words)?,
            id(evidence)?,
        ]);
    }
    insert_rows(
        db,
        "INSERT INTO findings (run, vendor, check_id, target, status, severity, control,
            waived, text, evidence)",
        10,
        "",
        rows,
    )?;
    let mut rows = Vec::with_capacity(v.controls.len());
    for (c, reason) in v.controls.iter().zip(&reasons) {
        rows.push(vals![
            run,
            &v.id,
            &c.control,
            c.declared,
            c.verdict.name(),
            id(reason)?,
        ]);
    }
    insert_rows(
        db,
        "INSERT INTO controls (run, vendor, control, declared, verdict, reason)",
        6,
        "",
        rows,
    )?;
    let mut rows = Vec::with_capacity(v.assets.len());
    for (a, (facts, unavailable)) in v.assets.iter().zip(&asset_texts) {
        let carried = scope.is_some_and(|s| !s.contains(&a.target));
        rows.push(vals![
            run,
            &v.id,
            &a.target,
            &a.kind,
            a.address.as_deref(),
            id(facts)?,
            id(unavailable)?,
            carried,
        ]);
    }
    insert_rows(
        db,
        "INSERT INTO assets (run, vendor, target, kind, address, facts, unavailable, carried)",
        8,
        "",
        rows,
    )
    .map(drop)
}

/// A finding's words, stored once however many runs repeat them.
#[derive(Serialize)]
struct FindingText<'a> {
    title: &'a str,
    message: &'a str,
    message_ja: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    waiver: Option<&'a crate::results::WaiverNote>,
}

/// The words of a stored finding, read back (`message_ja` absent from runs stored before it).
#[derive(serde::Deserialize)]
struct StoredText {
    title: String,
    message: String,
    #[serde(default)]
    message_ja: Option<String>,
}

/// A verdict's reason as stored: JSON `{"en": …, "ja": …}` in the blob body, where runs stored
/// before the Japanese was kept have the English text alone (no schema change: the column
/// still names a blob).
#[derive(Serialize, serde::Deserialize)]
struct ReasonText<S> {
    en: S,
    ja: S,
}

/// The (English, Japanese) reason of a stored blob body: the two of a JSON body, or a plain
/// English body twice.
fn stored_reason(body: String) -> (String, String) {
    match serde_json::from_str::<ReasonText<String>>(&body) {
        Ok(both) => (both.en, both.ja),
        Err(_) => (body.clone(), body),
    }
}

/// An alert waiting in the history for delivery.
#[derive(Debug, Clone)]
pub struct PendingAlert {
    pub id: i64,
    pub channel: String,
    pub body: String,
    pub attempts: i64,
}

/// A stored value as JSON text (they are all plain data, so this cannot fail in practice).
fn json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_stored_before_the_japanese_was_kept_read_back_in_english() {
        // A verdict reason: a plain English body, or JSON with both.
        let plain = "rdp-exposed fail on x:3389".to_owned();
        assert_eq!(stored_reason(plain.clone()), (plain.clone(), plain.clone()));
        let both = json(&ReasonText {
            en: "declared not in place",
            ja: "未実施と申告されている",
        });
        assert_eq!(
            stored_reason(both),
            (
                "declared not in place".to_owned(),
                "未実施と申告されている".to_owned()
            )
        );
        // A finding's words without `message_ja`.
        let old: StoredText =
            serde_json::from_str(r#"{"title":"t","message":"m"}"#).expect("old finding text");
        assert_eq!((old.message.as_str(), old.message_ja), ("m", None));
    }
}
