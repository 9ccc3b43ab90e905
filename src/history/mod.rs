//! The run history (SPEC §8): every run's findings, control verdicts and asset facts in SQLite,
//! one transaction per run, WAL journal, a versioned schema migrated on open. `history`, `diff`
//! and the alerts read it; facts and evidence are stored once per distinct value (`blobs`).

pub mod diff;
mod schema;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use crate::catalog::Severity;
use crate::inventory::Inventory;
use crate::results::{RunInfo, RunReport, Status, Summary, VendorResult, Verdict};

pub use schema::current as schema_version;

/// The file name of the history when neither `--db` nor `[audit] history` names one.
pub const DEFAULT_FILE: &str = "audit-history.db";

/// How long a writer waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// A history problem, for people: which file, and what went wrong.
#[derive(Debug)]
pub struct HistoryError {
    pub path: PathBuf,
    pub message: String,
}

impl fmt::Display for HistoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "history {}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for HistoryError {}

/// Which history file a command uses: `--db`, else `[audit] history`, else the default file
/// beside the inventory.
pub fn locate(db: Option<&Path>, inventory: Option<&Inventory>, config: &Path) -> PathBuf {
    if let Some(db) = db {
        return db.to_path_buf();
    }
    if let Some(path) = inventory.and_then(|i| i.audit.history.clone()) {
        return path;
    }
    let dir = config.parent().filter(|d| !d.as_os_str().is_empty());
    dir.map_or_else(|| PathBuf::from(DEFAULT_FILE), |d| d.join(DEFAULT_FILE))
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

/// The snapshot of a report that may not be stored (yet).
pub fn snapshot_of(report: &RunReport) -> Snapshot {
    report
        .vendors
        .iter()
        .map(|v| {
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
            (
                v.id.clone(),
                VendorSnapshot {
                    run: report.run.id.clone(),
                    findings,
                    controls,
                },
            )
        })
        .collect()
}

/// A status, verdict or severity from its stored name.
fn parse_name<T: serde::de::DeserializeOwned>(name: &str) -> rusqlite::Result<T> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// An open history database.
///
/// Runs are ordered by `started_at` (whole seconds), then by `seq`, the order they were
/// stored in: two runs started in the same second keep the order they happened in (their ids'
/// random tails do not).
/// A run being stored vendor by vendor.
pub struct Recording {
    run: RunInfo,
    meta: RunMeta,
    vendors: Vec<VendorResult>,
}

pub struct History {
    conn: Connection,
    path: PathBuf,
}

impl History {
    /// Opens (creating it if need be) and migrates the history at `path`.
    pub fn open(path: &Path) -> Result<History, HistoryError> {
        let fail = |message: String| HistoryError {
            path: path.to_path_buf(),
            message,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.is_dir() {
                return Err(fail(format!("its folder {} does not exist", dir.display())));
            }
        }
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| fail(format!("cannot open: {e}")))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| fail(e.to_string()))?;
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
        schema::migrate(&mut conn).map_err(fail)?;
        Ok(History {
            conn,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, e: impl fmt::Display) -> HistoryError {
        HistoryError {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    /// Stores a run, all of it or nothing (one transaction).
    pub fn record(&mut self, report: &RunReport, meta: &RunMeta) -> Result<(), HistoryError> {
        let result = (|| -> rusqlite::Result<()> {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO runs (id, started_at, finished_at, now, tool, kind, inventory,
                    inventory_digest, reports_digest, checks_digest, scope, summary)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    report.run.id,
                    report.run.started_at,
                    report.run.finished_at,
                    report.run.now,
                    report.run.tool,
                    meta.kind,
                    meta.inventory,
                    meta.inventory_digest,
                    meta.reports_digest,
                    meta.checks_digest,
                    meta.scope.as_ref().map(json),
                    json(&report.summary),
                ],
            )?;
            let run = tx.last_insert_rowid();
            let mut blobs = Blobs {
                find: tx.prepare_cached("SELECT id FROM blobs WHERE digest = ?1")?,
                add: tx.prepare_cached(
                    "INSERT INTO blobs (digest, body) VALUES (?1, ?2) RETURNING id",
                )?,
                known: HashMap::new(),
            };
            let mut vendor_row = tx.prepare_cached(
                "INSERT INTO vendor_runs (run, vendor, name, report_path, report_status, fiscal_year,
                    score, grade)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            let mut finding_row = tx.prepare_cached(
                "INSERT INTO findings (run, vendor, check_id, target, status, severity, control,
                    waived, text, evidence)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?;
            let mut control_row = tx.prepare_cached(
                "INSERT INTO controls (run, vendor, control, declared, verdict, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            let mut asset_row = tx.prepare_cached(
                "INSERT INTO assets (run, vendor, target, kind, address, facts, unavailable, carried)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            let scope = meta.scope.as_deref();
            for v in &report.vendors {
                vendor_row.execute(params![
                    run,
                    v.id,
                    v.name,
                    v.report.path,
                    v.report.status.name(),
                    v.report.fiscal_year,
                    v.score,
                    v.grade.name(),
                ])?;
                for f in &v.findings {
                    let text = blobs.id(json(&FindingText {
                        title: &f.title,
                        message: &f.message,
                        message_ja: &f.message_ja,
                        waiver: f.waiver.as_ref(),
                    }))?;
                    let evidence = blobs.id(json(&f.evidence))?;
                    finding_row.execute(params![
                        run,
                        v.id,
                        f.check,
                        f.target,
                        f.status.name(),
                        f.severity.name(),
                        f.control,
                        f.waived,
                        text,
                        evidence,
                    ])?;
                }
                for c in &v.controls {
                    let reason = blobs.id(json(&ReasonText {
                        en: &c.reason,
                        ja: &c.reason_ja,
                    }))?;
                    control_row.execute(params![
                        run,
                        v.id,
                        c.control,
                        c.declared,
                        c.verdict.name(),
                        reason,
                    ])?;
                }
                for a in &v.assets {
                    let facts = blobs.id(json(&a.facts))?;
                    let unavailable = blobs.id(json(&a.unavailable))?;
                    let carried = scope.is_some_and(|s| !s.contains(&a.target));
                    asset_row.execute(params![
                        run,
                        v.id,
                        a.target,
                        a.kind,
                        a.address,
                        facts,
                        unavailable,
                        carried,
                    ])?;
                }
            }
            drop((blobs, vendor_row, finding_row, control_row, asset_row));
            tx.commit()
        })();
        result.map_err(|e| self.err(format!("storing run {}: {e}", report.run.id)))
    }

    /// Starts storing a run vendor by vendor (INTERIM: holds the vendors until `finish_run`).
    pub fn begin_run(&mut self, run: &RunInfo, meta: &RunMeta) -> Result<Recording, HistoryError> {
        Ok(Recording {
            run: run.clone(),
            meta: meta.clone(),
            vendors: Vec::new(),
        })
    }

    /// Stores one vendor of a run begun with [`History::begin_run`].
    pub fn record_vendor(
        &mut self,
        rec: &mut Recording,
        v: &VendorResult,
    ) -> Result<(), HistoryError> {
        rec.vendors.push(v.clone());
        Ok(())
    }

    /// Completes a run begun with [`History::begin_run`] and returns what changed.
    pub fn finish_run(
        &mut self,
        rec: Recording,
        finished_at: &str,
        summary: &Summary,
    ) -> Result<diff::Changes, HistoryError> {
        let Recording {
            mut run,
            meta,
            vendors,
        } = rec;
        run.finished_at = finished_at.to_owned();
        let report = RunReport {
            schema: crate::results::SCHEMA,
            run,
            vendors,
            summary: summary.clone(),
        };
        self.record_and_compare(&report, &meta)
    }

    /// Stores `report` and returns what changed for each of its vendors since that vendor's
    /// previous stored run (a vendor seen for the first time has every failure new).
    pub fn record_and_compare(
        &mut self,
        report: &RunReport,
        meta: &RunMeta,
    ) -> Result<diff::Changes, HistoryError> {
        let vendors: Vec<String> = report.vendors.iter().map(|v| v.id.clone()).collect();
        let baseline = self.baseline(&vendors)?;
        self.record(report, meta)?;
        let from = baseline
            .values()
            .map(|v| v.run.as_str())
            .max()
            .unwrap_or("")
            .to_owned();
        let mut changes = diff::Changes::new(&from, &report.run.id);
        for (vendor, now) in snapshot_of(report) {
            changes.add_vendor(&vendor, baseline.get(&vendor), &now);
        }
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
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id FROM runs WHERE substr(id, 1, length(?1)) = ?1 ORDER BY started_at, seq LIMIT 6",
            )
            .map_err(|e| self.err(e))?;
        let ids: Vec<String> = stmt
            .query_map([prefix], |r| r.get(0))
            .and_then(Iterator::collect)
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
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM runs ORDER BY started_at DESC, seq DESC LIMIT ?1")
            .map_err(|e| self.err(e))?;
        let mut ids: Vec<String> = stmt
            .query_map([n as i64], |r| r.get(0))
            .and_then(Iterator::collect)
            .map_err(|e| self.err(e))?;
        ids.reverse();
        Ok(ids)
    }

    /// How many runs are stored.
    pub fn run_count(&self) -> Result<usize, HistoryError> {
        self.conn
            .query_row("SELECT count(*) FROM runs", [], |r| r.get::<_, i64>(0))
            .map(|n| usize::try_from(n).unwrap_or(0))
            .map_err(|e| self.err(e))
    }

    /// The storage key of a run id.
    fn seq(&self, run: &str) -> Result<i64, HistoryError> {
        self.conn
            .query_row("SELECT seq FROM runs WHERE id = ?1", [run], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| self.err(format!("no run {run}")))
    }

    /// The vendors of a stored run, each with its findings and verdicts.
    pub fn snapshot(&self, run: &str) -> Result<Snapshot, HistoryError> {
        let seq = self.seq(run)?;
        let vendors: Vec<String> = self
            .conn
            .prepare_cached("SELECT vendor FROM vendor_runs WHERE run = ?1 ORDER BY vendor")
            .and_then(|mut s| s.query_map([seq], |r| r.get(0))?.collect())
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
        let load = || -> rusqlite::Result<VendorSnapshot> {
            let mut snap = VendorSnapshot {
                run: run.to_owned(),
                ..VendorSnapshot::default()
            };
            let mut stmt = self.conn.prepare_cached(
                "SELECT f.check_id, f.target, f.status, f.waived, f.severity, f.control, t.body
                 FROM findings f JOIN blobs t ON t.id = f.text
                 WHERE f.run = ?1 AND f.vendor = ?2",
            )?;
            let rows = stmt.query_map(params![seq, vendor], |r| {
                let text: StoredText =
                    serde_json::from_str(&r.get::<_, String>(6)?).map_err(|e| {
                        rusqlite::Error::FromSqlConversionFailure(
                            6,
                            rusqlite::types::Type::Text,
                            Box::new(e),
                        )
                    })?;
                Ok((
                    (r.get::<_, String>(0)?, r.get::<_, String>(1)?),
                    FindingState {
                        status: parse_name(&r.get::<_, String>(2)?)?,
                        waived: r.get(3)?,
                        severity: parse_name(&r.get::<_, String>(4)?)?,
                        control: r.get(5)?,
                        title: text.title,
                        message_ja: text.message_ja.unwrap_or_else(|| text.message.clone()),
                        message: text.message,
                    },
                ))
            })?;
            for row in rows {
                let (key, state) = row?;
                snap.findings.insert(key, state);
            }
            let mut stmt = self.conn.prepare_cached(
                "SELECT c.control, c.verdict, t.body FROM controls c JOIN blobs t ON t.id = c.reason
                 WHERE c.run = ?1 AND c.vendor = ?2",
            )?;
            let rows = stmt.query_map(params![seq, vendor], |r| {
                let (reason, reason_ja) = stored_reason(r.get(2)?);
                Ok((
                    r.get::<_, String>(0)?,
                    ControlState {
                        verdict: parse_name(&r.get::<_, String>(1)?)?,
                        reason,
                        reason_ja,
                    },
                ))
            })?;
            for row in rows {
                let (key, state) = row?;
                snap.controls.insert(key, state);
            }
            Ok(snap)
        };
        load().map_err(|e| self.err(format!("reading run {run}: {e}")))
    }

    /// The run before `run` (by start time) that covered `vendor`, if any.
    pub fn previous_for(&self, vendor: &str, run: &str) -> Result<Option<String>, HistoryError> {
        self.conn
            .query_row(
                "SELECT r.id FROM vendor_runs v JOIN runs r ON r.seq = v.run
                 WHERE v.vendor = ?1 AND r.id != ?2
                   AND (r.started_at, r.seq) < (SELECT started_at, seq FROM runs WHERE id = ?2)
                 ORDER BY r.started_at DESC, r.seq DESC LIMIT 1",
                [vendor, run],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The newest stored run that covered `vendor`, if any.
    pub fn latest_for(&self, vendor: &str) -> Result<Option<String>, HistoryError> {
        self.conn
            .query_row(
                "SELECT r.id FROM vendor_runs v JOIN runs r ON r.seq = v.run
                 WHERE v.vendor = ?1 ORDER BY r.started_at DESC, r.seq DESC LIMIT 1",
                [vendor],
                |r| r.get(0),
            )
            .optional()
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
            .conn
            .prepare_cached(
                "SELECT r.id, r.started_at, r.now, v.score, v.grade
                 FROM vendor_runs v JOIN runs r ON r.seq = v.run
                 WHERE v.vendor = ?1 AND v.score IS NOT NULL AND v.grade IS NOT NULL
                 ORDER BY r.started_at DESC, r.seq DESC LIMIT ?2",
            )
            .and_then(|mut s| {
                s.query_map(params![vendor, limit], |r| {
                    Ok(ScorePoint {
                        run: r.get(0)?,
                        started_at: r.get(1)?,
                        now: r.get(2)?,
                        score: u32::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
                        grade: r.get(4)?,
                    })
                })?
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
        let query = || -> rusqlite::Result<Vec<RunVendorRow>> {
            let mut stmt = self.conn.prepare(
                "SELECT r.id, r.started_at, r.now, r.kind, v.vendor,
                    (SELECT count(*) FROM findings f WHERE f.run = r.seq AND f.vendor = v.vendor
                        AND f.status = 'error'),
                    (SELECT count(*) FROM controls c WHERE c.run = r.seq AND c.vendor = v.vendor
                        AND c.verdict = 'contradicted'),
                    r.seq, v.grade, v.score
                 FROM vendor_runs v JOIN runs r ON r.seq = v.run
                 WHERE ?1 IS NULL OR v.vendor = ?1
                 ORDER BY r.started_at DESC, r.seq DESC, v.vendor LIMIT ?2",
            )?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = stmt.query_map(params![vendor, limit], |r| {
                Ok((
                    r.get::<_, i64>(7)?,
                    RunVendorRow {
                        run: r.get(0)?,
                        started_at: r.get(1)?,
                        now: r.get(2)?,
                        kind: r.get(3)?,
                        vendor: r.get(4)?,
                        grade: r.get(8)?,
                        score: r
                            .get::<_, Option<i64>>(9)?
                            .and_then(|s| u32::try_from(s).ok()),
                        failures: BTreeMap::new(),
                        errors: usize::try_from(r.get::<_, i64>(5)?).unwrap_or(0),
                        contradicted: usize::try_from(r.get::<_, i64>(6)?).unwrap_or(0),
                        changes: None,
                    },
                ))
            })?;
            let mut out: Vec<(i64, RunVendorRow)> = rows.collect::<rusqlite::Result<_>>()?;
            let mut by_severity = self.conn.prepare_cached(
                "SELECT severity, count(*) FROM findings
                 WHERE run = ?1 AND vendor = ?2 AND status = 'fail' AND waived = 0
                 GROUP BY severity",
            )?;
            for (seq, row) in &mut out {
                let counts = by_severity.query_map(params![*seq, row.vendor], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
                })?;
                for c in counts {
                    let (severity, n) = c?;
                    row.failures
                        .insert(severity, usize::try_from(n).unwrap_or(0));
                }
            }
            Ok(out.into_iter().map(|(_, row)| row).collect())
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
        self.conn
            .execute(
                "INSERT INTO alerts (run_id, created_at, channel, body, state, updated_at)
                 VALUES (?1, ?2, ?3, ?4, 'pending', ?2)",
                params![run, now, channel, body],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Alerts not yet delivered, oldest first: (id, channel, body, attempts so far).
    pub fn pending_alerts(&self) -> Result<Vec<PendingAlert>, HistoryError> {
        self.conn
            .prepare(
                "SELECT id, channel, body, attempts FROM alerts WHERE state = 'pending' ORDER BY id",
            )
            .and_then(|mut s| {
                s.query_map([], |r| {
                    Ok(PendingAlert {
                        id: r.get(0)?,
                        channel: r.get(1)?,
                        body: r.get(2)?,
                        attempts: r.get(3)?,
                    })
                })?
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
        self.conn
            .execute(
                "UPDATE alerts SET state = ?2, attempts = attempts + ?3, last_error = ?4,
                    updated_at = ?5 WHERE id = ?1",
                params![
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

/// Texts stored once each: the id of a text already stored, else of the one just added.
struct Blobs<'c> {
    find: rusqlite::CachedStatement<'c>,
    add: rusqlite::CachedStatement<'c>,
    known: HashMap<[u8; 32], i64>,
}

impl Blobs<'_> {
    fn id(&mut self, body: String) -> rusqlite::Result<i64> {
        let digest = ring::digest::digest(&ring::digest::SHA256, body.as_bytes());
        let mut key = [0u8; 32];
        key.copy_from_slice(digest.as_ref());
        if let Some(id) = self.known.get(&key) {
            return Ok(*id);
        }
        let id = match self
            .find
            .query_row([&key[..]], |r| r.get::<_, i64>(0))
            .optional()?
        {
            Some(id) => id,
            None => self
                .add
                .query_row(params![&key[..], body], |r| r.get::<_, i64>(0))?,
        };
        self.known.insert(key, id);
        Ok(id)
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
