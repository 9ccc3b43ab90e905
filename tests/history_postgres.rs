//! The history in PostgreSQL (issue 14) against the lab's real server (`tests/peers/postgres.sh`):
//! a fresh database migrated once by shards opening it together; two `run --shard K/2` processes
//! started at once into one `--db postgres://…`, whose `history` and `diff` then see every vendor
//! once and lose nothing; the SQLite suite's basics (record, compare, order, alerts, an
//! interrupted run ignored) on both stores; and the same report read back the same from both.
//!
//! Needs `VENDOR_AUDIT_POSTGRES` (tests/run-all.sh sets it): without it the PostgreSQL tests say
//! they are skipped, except under CI, where its absence fails them.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use vendor_audit::catalog::Severity;
use vendor_audit::fact::FactValue;
use vendor_audit::history::{History, RunMeta};
use vendor_audit::report::changes::{diff_json, history_json};
use vendor_audit::results::*;

const BIN: &str = env!("CARGO_BIN_EXE_vendor-audit");
const NOW: &str = "2026-06-01T09:00:00+09:00";

/// The lab's PostgreSQL URL; `None` (said loudly) when it is not up outside CI.
fn lab_url(test: &str) -> Option<String> {
    match common::postgres_url() {
        Some(url) => Some(url),
        None if std::env::var_os("CI").is_some() => panic!(
            "{test}: CI is set but VENDOR_AUDIT_POSTGRES is not: the lab's PostgreSQL \
             (tests/peers/postgres.sh, started by tests/run-all.sh) is missing"
        ),
        None => {
            eprintln!(
                "SKIPPED {test}: VENDOR_AUDIT_POSTGRES is not set (no lab PostgreSQL; \
                 `bash tests/run-all.sh` starts one at {})",
                common::POSTGRES
            );
            None
        }
    }
}

/// A database of its own for one test, dropped at the end.
struct FreshDb {
    admin: String,
    name: String,
    url: String,
}

impl FreshDb {
    fn new(lab: &str) -> FreshDb {
        let name = format!(
            "va_test_{}_{:08x}",
            std::process::id(),
            rand::random::<u32>()
        );
        let mut admin = postgres::Client::connect(lab, postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let (base, _) = lab.rsplit_once('/').unwrap();
        FreshDb {
            admin: lab.to_owned(),
            url: format!("{base}/{name}"),
            name,
        }
    }

    fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).unwrap()
    }

    fn history(&self) -> History {
        let url = vendor_audit::history::PgUrl::parse(&self.url).unwrap();
        History::connect(&url).unwrap()
    }
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// The lab PostgreSQL's password (in its URL), which no output may show.
fn password_of(url: &str) -> String {
    let (userinfo, _) = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .unwrap();
    userinfo
        .split_once(':')
        .map(|(_, p)| p.to_owned())
        .unwrap_or_default()
}

// ------------------------------------------------------------------ fixtures

fn finding(check: &str, target: &str, status: Status, severity: Severity) -> Finding {
    Finding {
        check: check.into(),
        target: target.into(),
        status,
        severity,
        title: format!("title of {check}"),
        title_ja: format!("{check} の題"),
        message: format!("{check} is {status} on {target}"),
        message_ja: format!("{check} が {target} で {status}"),
        control: Some(format!("control.of_{}", check.replace('-', "_"))),
        waived: false,
        waiver: None,
        evidence: BTreeMap::from([
            ("service.port".to_string(), FactValue::Int(5900)),
            ("service.protocol".to_string(), FactValue::Str("vnc".into())),
        ]),
        cause: None,
    }
}

/// A vendor: VNC failing or not, a waived failure, an error, a verdict per state.
fn vendor(id: &str, vnc_open: bool) -> VendorResult {
    let vnc = if vnc_open { Status::Fail } else { Status::Pass };
    let mut waived = finding(
        "ssh-exposed",
        &format!("{id}.lab:22"),
        Status::Fail,
        Severity::Medium,
    );
    waived.waived = true;
    waived.waiver = Some(WaiverNote {
        reason: "bastion host".into(),
        expires: Some("2027-03-31".into()),
        expired: false,
    });
    VendorResult {
        id: id.into(),
        name: format!("Vendor {id}"),
        grade: Default::default(),
        score: 0,
        report: ReportSummary {
            path: Some(format!("reports/{id}.toml")),
            status: ReportStatus::Current,
            fiscal_year: Some(2026),
        },
        findings: vec![
            finding(
                "vnc-exposed",
                &format!("{id}.lab:5900"),
                vnc,
                Severity::High,
            ),
            waived,
            finding(
                "rdp-no-nla",
                &format!("{id}.lab:3389"),
                Status::Error,
                Severity::High,
            ),
            finding(
                "tls-weak-cipher",
                &format!("{id}.lab:443"),
                Status::Skipped,
                Severity::Low,
            ),
        ],
        controls: vec![
            ControlVerdict {
                control: "remote_access.no_public_vnc".into(),
                declared: Some(true),
                verdict: if vnc_open {
                    Verdict::Contradicted
                } else {
                    Verdict::Verified
                },
                checks: vec!["vnc-exposed".into()],
                title: String::new(),
                title_ja: String::new(),
                reason: format!("vnc-exposed {vnc} on {id}.lab:5900"),
                reason_ja: format!("{id}.lab:5900 で vnc-exposed が {vnc}"),
            },
            ControlVerdict {
                control: "tls.modern_only".into(),
                declared: None,
                verdict: Verdict::Undeclared,
                checks: vec![],
                title: String::new(),
                title_ja: String::new(),
                reason: "not declared".into(),
                reason_ja: "申告なし".into(),
            },
        ],
        assets: vec![AssetFacts {
            target: format!("{id}.lab:5900"),
            kind: "service".into(),
            address: Some("127.0.0.1".into()),
            facts: BTreeMap::from([(
                "service.protocol".to_string(),
                FactValue::Str(if vnc_open { "vnc" } else { "closed" }.into()),
            )]),
            unavailable: BTreeMap::from([("tls.versions".to_string(), "refused".to_string())]),
        }],
        grading: Default::default(),
    }
    .graded()
}

fn report(id: &str, started: &str, vendors: Vec<VendorResult>) -> RunReport {
    RunReport {
        schema: SCHEMA,
        run: RunInfo {
            id: id.into(),
            started_at: started.into(),
            finished_at: started.into(),
            now: started.into(),
            tool: "vendor-audit test".into(),
            proxy: None,
            shard: None,
        },
        summary: Summary::of(&vendors),
        vendors,
    }
}

fn meta() -> RunMeta {
    RunMeta {
        kind: "run".into(),
        ..RunMeta::default()
    }
}

/// Three runs: two vendors, VNC opening for one of them in the second, a third vendor in the
/// third run and the first vendor gone from it.
fn three_runs() -> Vec<RunReport> {
    vec![
        report(
            "20261201T000000Z-aaaaaaaa",
            "2026-12-01T00:00:00Z",
            vec![vendor("machi-web", false), vendor("kita-net", true)],
        ),
        report(
            "20261202T000000Z-bbbbbbbb",
            "2026-12-02T00:00:00Z",
            vec![vendor("machi-web", true), vendor("kita-net", true)],
        ),
        report(
            "20261203T000000Z-cccccccc",
            "2026-12-03T00:00:00Z",
            vec![vendor("kita-net", false), vendor("minami-sys", true)],
        ),
    ]
}

// ------------------------------------------------------------------ the basic suite, both stores

/// What the SQLite tests assert of a history, on any store: runs read back and their changes
/// told, runs of one second in the order stored, a run id stored once, alerts queued until
/// delivered, and an interrupted run (begun, never finished) seen by no reader.
fn basic_suite(h: &mut History) {
    let runs = three_runs();
    let first = h.record_and_compare(&runs[0], &meta()).unwrap();
    assert_eq!(first.from, "");
    assert_eq!(
        first.regressions.len(),
        1,
        "kita-net's VNC is new: {first:?}"
    );
    let second = h.record_and_compare(&runs[1], &meta()).unwrap();
    assert_eq!(second.from, runs[0].run.id);
    let regressed: Vec<(&str, &str)> = second
        .regressions
        .iter()
        .map(|r| (r.vendor.as_str(), r.check.as_str()))
        .collect();
    assert_eq!(regressed, [("machi-web", "vnc-exposed")]);
    assert_eq!(second.verdict_changes.len(), 1);
    assert_eq!(h.run_count().unwrap(), 2);
    assert_eq!(
        h.latest(5).unwrap(),
        [runs[0].run.id.clone(), runs[1].run.id.clone()]
    );
    assert_eq!(h.resolve("20261202").unwrap(), runs[1].run.id);
    let snap = h.snapshot(&runs[1].run.id).unwrap();
    assert_eq!(snap.len(), 2);
    let machi = &snap["machi-web"];
    assert_eq!(machi.findings.len(), 4);
    let waived = &machi.findings[&("ssh-exposed".to_owned(), "machi-web.lab:22".to_owned())];
    assert!(waived.waived && waived.status == Status::Fail);
    assert_eq!(waived.message_ja, "ssh-exposed が machi-web.lab:22 で fail");
    assert_eq!(
        machi.controls["remote_access.no_public_vnc"].verdict,
        Verdict::Contradicted
    );

    // An interrupted run: begun, one vendor stored, never finished.
    let interrupted = report(
        "20261202T120000Z-dddddddd",
        "2026-12-02T12:00:00Z",
        vec![vendor("machi-web", false), vendor("kita-net", false)],
    );
    let mut rec = h.begin_run(&interrupted.run, &meta()).unwrap();
    h.record_vendor(&mut rec, &interrupted.vendors[0]).unwrap();
    assert_eq!(rec.vendors(), 1);
    drop(rec);
    assert_eq!(
        h.run_count().unwrap(),
        2,
        "an interrupted run is not counted"
    );
    assert_eq!(h.latest(1).unwrap(), vec![runs[1].run.id.clone()]);
    assert_eq!(
        h.latest_for("machi-web").unwrap().as_deref(),
        Some(runs[1].run.id.as_str())
    );
    assert!(h.resolve("20261202T12").is_err(), "nor found by its id");
    assert!(h.snapshot(&interrupted.run.id).is_err());
    assert!(h
        .rows(None, 100)
        .unwrap()
        .iter()
        .all(|r| r.run != interrupted.run.id));
    assert!(h
        .scores_for("machi-web", 10)
        .unwrap()
        .iter()
        .all(|p| p.run != interrupted.run.id));

    // The next run compares with the last complete one, not with the interrupted one.
    let third = h.record_and_compare(&runs[2], &meta()).unwrap();
    assert_eq!(third.from, runs[1].run.id);
    let fixed: Vec<&str> = third.fixed.iter().map(|f| f.vendor.as_str()).collect();
    assert_eq!(fixed, ["kita-net"]);
    assert_eq!(
        third
            .regressions
            .iter()
            .map(|r| r.vendor.as_str())
            .collect::<Vec<_>>(),
        ["minami-sys"],
        "a new vendor has every failure new"
    );
    let rows = h.rows(None, 100).unwrap();
    assert_eq!(rows.len(), 6);
    assert_eq!(
        h.previous_for("kita-net", &runs[2].run.id)
            .unwrap()
            .as_deref(),
        Some(runs[1].run.id.as_str())
    );
    let diff = h.compare(None, None).unwrap();
    assert_eq!(diff.to, runs[2].run.id);
    assert_eq!(diff.from, runs[1].run.id);
    assert_eq!(diff.vendors_only_in_to, ["minami-sys"]);

    // Two runs started in one second keep the order they were stored in.
    let a = report(
        "20261204T000000Z-ffffffff",
        "2026-12-04T00:00:00Z",
        vec![vendor("kita-net", false)],
    );
    let b = report(
        "20261204T000000Z-00000000",
        "2026-12-04T00:00:00Z",
        vec![vendor("kita-net", true)],
    );
    h.record(&a, &meta()).unwrap();
    h.record(&b, &meta()).unwrap();
    assert_eq!(h.latest(1).unwrap(), vec![b.run.id.clone()]);
    assert_eq!(
        h.previous_for("kita-net", &b.run.id).unwrap().as_deref(),
        Some(a.run.id.as_str())
    );

    // A run id is stored once.
    let again = h.record(&a, &meta()).unwrap_err().to_string();
    assert!(
        again.contains(&format!("storing run {}", a.run.id)),
        "{again}"
    );
    assert_eq!(h.run_count().unwrap(), 5);

    // Alerts wait until delivered.
    let one = h.queue_alert(Some("r1"), "webhook", "{\"a\":1}").unwrap();
    let two = h.queue_alert(None, "command", "{\"b\":2}").unwrap();
    h.alert_outcome(one, 3, Some("HTTP 500")).unwrap();
    h.alert_outcome(two, 1, None).unwrap();
    let pending = h.pending_alerts().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!((pending[0].id, pending[0].attempts), (one, 3));
    h.alert_outcome(one, 1, None).unwrap();
    assert!(h.pending_alerts().unwrap().is_empty());
}

#[test]
fn the_basic_suite_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = History::open(&dir.path().join("h.db")).unwrap();
    basic_suite(&mut h);
}

#[test]
fn the_basic_suite_on_postgresql() {
    let Some(lab) = lab_url("the_basic_suite_on_postgresql") else {
        return;
    };
    let db = FreshDb::new(&lab);
    let mut h = db.history();
    assert!(h.is_postgres());
    basic_suite(&mut h);
    // The incomplete run is there, marked so: readers skip it, nothing removed it.
    let mut c = db.client();
    let incomplete: i64 = c
        .query_one("SELECT count(*) FROM runs WHERE complete = 0", &[])
        .unwrap()
        .get(0);
    assert_eq!(incomplete, 1);
}

/// Everything a reader returns for the three runs, as text: each run's snapshot, the history
/// rows (as `history --format json` prints them), the default diff and one between two runs,
/// and the score trends.
fn read_back(h: &History) -> Vec<String> {
    let runs = three_runs();
    let mut out = Vec::new();
    for r in &runs {
        out.push(format!("{:#?}", h.snapshot(&r.run.id).unwrap()));
    }
    out.push(history_json(&h.rows(None, 100).unwrap()));
    out.push(history_json(&h.rows(Some("kita-net"), 2).unwrap()));
    out.push(diff_json(&h.compare(None, None).unwrap()));
    out.push(diff_json(
        &h.compare(Some("20261201"), Some("20261203")).unwrap(),
    ));
    for v in ["machi-web", "kita-net", "minami-sys"] {
        out.push(format!("{:?}", h.scores_for(v, 10).unwrap()));
    }
    out
}

#[test]
fn sqlite_and_postgresql_read_back_the_same() {
    let Some(lab) = lab_url("sqlite_and_postgresql_read_back_the_same") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut sqlite = History::open(&dir.path().join("h.db")).unwrap();
    let db = FreshDb::new(&lab);
    let mut pg = db.history();
    for r in three_runs() {
        let a = sqlite.record_and_compare(&r, &meta()).unwrap();
        let b = pg.record_and_compare(&r, &meta()).unwrap();
        assert_eq!(
            diff_json(&a),
            diff_json(&b),
            "the changes told when storing {}",
            r.run.id
        );
    }
    let (a, b) = (read_back(&sqlite), read_back(&pg));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y);
    }
    println!("SQLite and PostgreSQL read back the same {} views", a.len());
}

#[test]
fn shards_opening_a_new_database_at_once_migrate_it_once() {
    let Some(lab) = lab_url("shards_opening_a_new_database_at_once_migrate_it_once") else {
        return;
    };
    let db = FreshDb::new(&lab);
    let url = vendor_audit::history::PgUrl::parse(&db.url).unwrap();
    let barrier = std::sync::Barrier::new(4);
    std::thread::scope(|s| {
        let opened: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    History::connect(&url).map(|h| h.run_count().unwrap())
                })
            })
            .collect();
        for o in opened {
            assert_eq!(o.join().unwrap().unwrap(), 0);
        }
    });
    let mut c = db.client();
    let version: String = c
        .query_one("SELECT value FROM meta WHERE key = 'schema_version'", &[])
        .unwrap()
        .get(0);
    assert_eq!(version, vendor_audit::history::schema_version().to_string());
    let columns: Vec<(String, String)> = c
        .query(
            "SELECT column_name::text, data_type::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = 'runs' ORDER BY ordinal_position",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(columns[0], ("seq".to_owned(), "bigint".to_owned()));
    assert!(
        columns.contains(&("complete".to_owned(), "bigint".to_owned())),
        "{columns:?}"
    );
    let tables: i64 = c
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(
        tables, 8,
        "meta, runs, vendor_runs, blobs, findings, controls, assets, alerts"
    );
}

#[test]
fn bad_postgresql_histories_are_said_for_people() {
    let Some(lab) = lab_url("bad_postgresql_histories_are_said_for_people") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = inventory(dir.path(), 1);
    let password = password_of(&lab);
    let (base, _) = lab.rsplit_once('/').unwrap();
    let cases: [(String, &str, i32); 4] = [
        // A database that does not exist: the server says so (exit 3, nothing probed).
        (format!("{base}/no_such_db"), "does not exist", 3),
        // A wrong password.
        (lab.replace(&password, "wrong-password"), "password", 3),
        // Nothing listens there.
        (
            "postgres://u:secret-pw@127.0.0.1:9/x".to_owned(),
            "cannot connect",
            3,
        ),
        // TLS asked for: not supported, said before connecting (a bad --db: exit 2).
        (format!("{lab}?sslmode=require"), "TLS", 2),
    ];
    for (url, said, code) in cases {
        let out = Command::new(BIN)
            .args(["run", "--format", "json", "--timeout", "2", "--config"])
            .arg(&config)
            .args(["--db", &url])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{url}: {stderr}");
        assert!(stderr.contains(said), "{stderr}");
        assert!(
            out.stdout.is_empty(),
            "no report when the history cannot be written"
        );
        for secret in [password.as_str(), "wrong-password", "secret-pw"] {
            assert!(!stderr.contains(secret), "a password shown: {stderr}");
        }
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Error {"),
            "{stderr}"
        );
        println!("{}", stderr.trim());
    }
    // Reading a database that holds no history creates nothing there.
    let db = FreshDb::new(&lab);
    let out = Command::new(BIN)
        .args(["history", "--db", &db.url])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("holds no vendor-audit history"), "{stderr}");
    let tables: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 0);
}

// ------------------------------------------------------------------ two shards at once

/// `vendors` vendors, each a closed loopback port (refused at once: a run takes a second).
fn inventory(dir: &Path, vendors: usize) -> std::path::PathBuf {
    let mut toml = String::from("[audit]\ntimezone = \"Asia/Tokyo\"\n");
    for v in 0..vendors {
        toml += &format!(
            "[[vendor]]\nid = \"vendor-{v}\"\nname = \"Vendor {v}\"\n\
             hosts = [\"127.230.0.{}\"]\nports = [47022, 47023]\n",
            v + 1
        );
    }
    let path = dir.join("vendors.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

/// Runs `K/2` and `(1-K)/2` as two processes started together; their outputs.
fn two_shards_at_once(config: &Path, url: &str) -> Vec<Output> {
    let children: Vec<_> = (0..2)
        .map(|k| {
            Command::new(BIN)
                .args([
                    "run",
                    "--format",
                    "json",
                    "--fail-on",
                    "never",
                    "--timeout",
                    "3",
                ])
                .args(["--now", NOW, "--shard", &format!("{k}/2"), "--config"])
                .arg(config)
                .args(["--db", url])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect()
}

fn json_of(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap()
}

#[test]
fn two_shards_at_once_into_one_postgresql_history_lose_nothing() {
    let Some(lab) = lab_url("two_shards_at_once_into_one_postgresql_history_lose_nothing") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    const VENDORS: usize = 24;
    let config = inventory(dir.path(), VENDORS);
    let all: BTreeSet<String> = (0..VENDORS).map(|v| format!("vendor-{v}")).collect();
    let db = FreshDb::new(&lab);
    let password = password_of(&lab);

    let mut rounds: Vec<BTreeMap<String, (String, usize)>> = Vec::new();
    let mut run_ids: Vec<String> = Vec::new();
    for round in 0..2 {
        let start = Instant::now();
        let outs = two_shards_at_once(&config, &db.url);
        println!("round {round}: two shards in {:?}", start.elapsed());
        // vendor -> (its run, its finding count) as the shards' reports say.
        let mut covered: BTreeMap<String, (String, usize)> = BTreeMap::new();
        for out in &outs {
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(0), "{stderr}");
            assert!(
                stderr.contains("stored in postgres://vendor_audit:***@127.0.0.230"),
                "{stderr}"
            );
            assert!(!stderr.contains(&password), "the password shown: {stderr}");
            let doc = json_of(&out.stdout);
            let run = doc["run"]["id"].as_str().unwrap().to_owned();
            for v in doc["vendors"].as_array().unwrap() {
                let id = v["id"].as_str().unwrap().to_owned();
                let findings = v["findings"].as_array().unwrap().len();
                assert!(findings > 0);
                let before = covered.insert(id.clone(), (run.clone(), findings));
                assert!(before.is_none(), "{id} in both shards");
            }
            run_ids.push(run);
        }
        assert_eq!(
            covered.keys().cloned().collect::<BTreeSet<_>>(),
            all,
            "the shards cover every vendor"
        );
        rounds.push(covered);
    }

    // `history` lists both shards' runs of both rounds: every vendor once per round.
    let out = Command::new(BIN)
        .args([
            "history", "--format", "json", "--limit", "1000", "--db", &db.url,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = json_of(&out.stdout);
    let rows = rows["runs"].as_array().unwrap();
    assert_eq!(rows.len(), 2 * VENDORS, "{rows:#?}");
    let listed: BTreeSet<&str> = rows.iter().map(|r| r["run"].as_str().unwrap()).collect();
    assert_eq!(
        listed,
        run_ids.iter().map(String::as_str).collect(),
        "all four runs listed"
    );
    for (round, covered) in rounds.iter().enumerate() {
        for (vendor, (run, _)) in covered {
            let row: Vec<_> = rows
                .iter()
                .filter(|r| r["vendor"] == vendor.as_str() && r["run"] == run.as_str())
                .collect();
            assert_eq!(row.len(), 1, "{vendor} in {run}");
            // The second round's shard compared each vendor with its own first-round run.
            let changes = &row[0]["changes"];
            if round == 0 {
                assert!(changes.is_null(), "{vendor}: {changes}");
            } else {
                assert_eq!(changes["previous_run"], rounds[0][vendor].0.as_str());
                assert_eq!(changes["regressions"], 0);
            }
        }
    }

    // What is stored: each vendor once per round, with every finding its report had.
    let mut c = db.client();
    for (covered, round) in rounds.iter().zip(0..) {
        for (vendor, (run, findings)) in covered {
            let stored: i64 = c
                .query_one(
                    "SELECT count(*) FROM findings f JOIN runs r ON r.seq = f.run
                     WHERE r.id = $1 AND f.vendor = $2 AND r.complete = 1",
                    &[run, vendor],
                )
                .unwrap()
                .get(0);
            assert_eq!(
                stored as usize, *findings,
                "round {round}: {vendor}'s findings"
            );
        }
    }
    let per_vendor: i64 = c
        .query_one(
            "SELECT count(*) FROM (SELECT vendor FROM vendor_runs GROUP BY vendor HAVING count(*) = 2) v",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(
        per_vendor as usize, VENDORS,
        "each vendor stored once per round"
    );
    let incomplete: i64 = c
        .query_one("SELECT count(*) FROM runs WHERE complete = 0", &[])
        .unwrap()
        .get(0);
    assert_eq!(incomplete, 0);

    // `diff` of the two first-round shards: disjoint vendors, every one on one side.
    let (a, b) = (&run_ids[0], &run_ids[1]);
    let out = Command::new(BIN)
        .args(["diff", "--format", "json", a, b, "--db", &db.url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d = json_of(&out.stdout);
    let mut sides: Vec<String> = ["vendors_only_in_from", "vendors_only_in_to"]
        .iter()
        .flat_map(|k| {
            d[k].as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
        })
        .collect();
    sides.sort();
    assert_eq!(sides, all.iter().cloned().collect::<Vec<_>>());

    // The default `diff`: the newest run against each of its vendors' previous run, which is
    // that vendor's first-round run, from whichever shard it was.
    let out = Command::new(BIN)
        .args(["diff", "--format", "json", "--db", &db.url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d = json_of(&out.stdout);
    assert!(
        d["vendors_only_in_to"].as_array().unwrap().is_empty(),
        "{d:#}"
    );
    assert!(d["regressions"].as_array().unwrap().is_empty(), "{d:#}");
    let newest = d["to"].as_str().unwrap();
    assert!(run_ids[2..].iter().any(|r| r == newest), "{newest}");
    println!(
        "2 rounds x 2 shards at once, {VENDORS} vendors: history {} rows, every vendor once a round",
        rows.len()
    );
}

/// `watch` stores its rounds from inside its async loop: with PostgreSQL too, and without a
/// runtime started within a runtime.
#[test]
fn watch_stores_its_rounds_in_postgresql() {
    let Some(lab) = lab_url("watch_stores_its_rounds_in_postgresql") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = inventory(dir.path(), 2);
    let db = FreshDb::new(&lab);
    let mut child = Command::new(BIN)
        .args(["watch", "--every", "1s", "--timeout", "2", "--config"])
        .arg(&config)
        .args(["--db", &db.url])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let h = db.history();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut runs = 0;
    while Instant::now() < deadline {
        runs = h.run_count().unwrap_or(0);
        if runs >= 2 || child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    // SAFETY: kill(2) on the child's own PID.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(runs >= 2, "{runs} rounds stored: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("history postgres://vendor_audit:***@"),
        "{stderr}"
    );
    assert!(!stderr.contains(&password_of(&lab)), "{stderr}");
}

// ------------------------------------------------------------------ `[audit] history`

fn validate(dir: &Path, inventory: &str) -> (Option<i32>, String) {
    let path = dir.join("vendors.toml");
    std::fs::write(&path, inventory).unwrap();
    let out = Command::new(BIN)
        .args(["validate", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_history_url_in_the_inventory_is_checked_where_it_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let vendor = "[[vendor]]\nid = \"a\"\nname = \"A\"\n";
    for (history, expected) in [
        (
            "postgres://audit:s3cret@db.example/va?sslmode=require",
            "asks for TLS",
        ),
        (
            "postgresql://audit:s3cret@db.example:port/va",
            "is not a PostgreSQL URL (invalid connection string: invalid value for option `port`)",
        ),
        ("", "an empty history"),
    ] {
        let (code, stderr) = validate(
            dir.path(),
            &format!("[audit]\nhistory = \"{history}\"\n{vendor}"),
        );
        assert_eq!(code, Some(2), "{stderr}");
        assert!(
            stderr.contains("vendors.toml:2:11: error in `audit.history`"),
            "{stderr}"
        );
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!stderr.contains("s3cret"), "{stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Error {"),
            "{stderr}"
        );
    }
    let (code, stderr) = validate(
        dir.path(),
        &format!("[audit]\nhistory = \"postgres://audit@db.example/va\"\n{vendor}"),
    );
    assert_eq!(code, Some(0), "{stderr}");
}

/// `[audit] history` names the PostgreSQL history `run`, `history` and `diff` use; `--db` wins
/// over it.
#[test]
fn the_inventory_names_a_postgresql_history_and_db_wins_over_it() {
    let Some(lab) = lab_url("the_inventory_names_a_postgresql_history_and_db_wins_over_it") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = FreshDb::new(&lab);
    let config = dir.path().join("vendors.toml");
    std::fs::write(
        &config,
        format!(
            "[audit]\nhistory = \"{}\"\n[[vendor]]\nid = \"a\"\nname = \"A\"\n\
             hosts = [\"127.230.0.1\"]\nports = [47022]\n",
            db.url
        ),
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let out = Command::new(BIN)
            .args(["run", "--fail-on", "never", "--timeout", "2", "--config"])
            .arg(&config)
            .args(extra)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        stderr
    };
    let said = run(&[]);
    assert!(
        said.contains("stored in postgres://vendor_audit:***@"),
        "{said}"
    );
    let file = dir.path().join("elsewhere.db");
    let said = run(&["--db", file.to_str().unwrap()]);
    assert!(
        said.contains(&format!("stored in {}", file.display())),
        "{said}"
    );
    assert_eq!(db.history().run_count().unwrap(), 1, "--db wins");
    assert_eq!(History::open(&file).unwrap().run_count().unwrap(), 1);
    let out = Command::new(BIN)
        .args(["history", "--format", "json", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(json_of(&out.stdout)["runs"].as_array().unwrap().len(), 1);
    assert!(!dir.path().join("audit-history.db").exists());
}

// ------------------------------------------------------------------ figures

/// This process's peak resident memory (`VmHWM`), as /proc says it.
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .map_or_else(String::new, |l| l["VmHWM:".len()..].trim().to_owned())
}

/// A vendor of a fleet: 10 ports of one host, 3 findings each, 2 verdicts.
fn fleet_vendor(v: usize) -> VendorResult {
    let host = format!("127.231.{}.{}", v / 250, v % 250 + 1);
    let mut r = vendor(&format!("vendor-{v}"), v % 7 == 0);
    r.findings.clear();
    r.assets.clear();
    for port in 47031..47041 {
        let target = format!("{host}:{port}");
        for (check, status) in [
            ("vnc-exposed", Status::Pass),
            ("rdp-no-nla", Status::Skipped),
            ("ssh-exposed", Status::Pass),
        ] {
            r.findings
                .push(finding(check, &target, status, Severity::High));
        }
        r.assets.push(AssetFacts {
            target,
            kind: "service".into(),
            address: Some(host.clone()),
            facts: BTreeMap::from([(
                "service.protocol".to_string(),
                FactValue::Str("closed".into()),
            )]),
            unavailable: BTreeMap::new(),
        });
    }
    r.graded()
}

/// Time and peak memory to stream a run of 1,000 vendors (10,000 assets; `FLEET_VENDORS=N` for
/// another size) into each store, twice (the second compares with the first). Figures, not a
/// test: `cargo test --release --test history_postgres -- --ignored --nocapture`.
#[test]
#[ignore]
fn figures_of_streaming_a_fleet_into_each_store() {
    let dir = tempfile::tempdir().unwrap();
    let lab = common::postgres_url();
    let pg_db = lab.as_deref().map(FreshDb::new);
    let mut stores: Vec<(&str, History)> =
        vec![("sqlite", History::open(&dir.path().join("h.db")).unwrap())];
    if let Some(db) = &pg_db {
        stores.push(("postgresql", db.history()));
    }
    let vendors: usize = std::env::var("FLEET_VENDORS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    for (name, h) in &mut stores {
        let start = Instant::now();
        for _ in 0..1000 {
            h.run_count().unwrap();
        }
        println!("{name}: one query takes {:?}", start.elapsed() / 1000);
        for round in 0..2 {
            let info = report(
                &format!("2026120{}T000000Z-0000000{round}", round + 1),
                &format!("2026-12-0{}T00:00:00Z", round + 1),
                vec![],
            )
            .run;
            let start = Instant::now();
            let mut rec = h.begin_run(&info, &meta()).unwrap();
            let mut summary = Summary::default();
            for v in 0..vendors {
                let vendor = fleet_vendor(v);
                summary.add(&vendor);
                h.record_vendor(&mut rec, &vendor).unwrap();
            }
            let changes = h.finish_run(rec, &info.finished_at, &summary).unwrap();
            println!(
                "{name} round {round}: {vendors} vendors ({} assets, {} findings) stored in {:?} ({} regressions); peak RSS {}",
                vendors * 10,
                vendors * 30,
                start.elapsed(),
                changes.regressions.len(),
                peak_rss()
            );
        }
    }
}
