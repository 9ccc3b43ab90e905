//! The run history (issue 11) against real servers this test starts itself, on its own loopback
//! addresses (127.0.0.160-169, X display :81): an Xtigervnc without authentication and the
//! project's form app whose mode a file sets. It checks that `diff` reports exactly what changed
//! between runs (the VNC server stopped, the form switched to no-store, the VNC server back),
//! that `history` counts those changes, that a SIGKILLed run never damages earlier runs, that no
//! personal data reaches the history file, that two runs writing one file at once both land, and
//! that a file that is not a history stops `run` with a plain message.
//!
//! Lab-gated (VENDOR_AUDIT_LAB set, as tests/run-all.sh does); run it in a network namespace:
//! `/work/wt/lab-ns hA bash -c 'VENDOR_AUDIT_LAB=1 cargo test --test history_lab -- --nocapture'`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_vendor-audit");
const FORMAPP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/formapp.py");
/// Fixed so that the report (fiscal year 2026) is current and schedules do not move.
const NOW: &str = "2026-11-26T10:00:00+09:00";

// Our addresses (no other test binary or the shared lab uses them).
const FORM_IP: &str = "127.0.0.160";
const VNC_IP: &str = "127.0.0.161";
const VNC_DISPLAY: u32 = 81;
const VNC_PORT: u16 = 5900;
const SILENT_IP: &str = "127.0.0.162";
const FILLED_IP: &str = "127.0.0.163";
const CLOSED_IP: &str = "127.0.0.164";
const UNUSED_IP: &str = "127.0.0.165";
const FORM_PORT: u16 = 18080;

/// The fixed applicant formapp's `/filled` shows (tests/peers/formapp.py FILLED).
const SENTINELS: [&str; 4] = [
    "Sentinel Hanako 7f3a",
    "1-2-3 Sentinel-cho 7f3a",
    "0312347f3a",
    "sentinel-7f3a@example.invalid",
];

fn lab() -> bool {
    if std::env::var_os("VENDOR_AUDIT_LAB").is_none() {
        eprintln!("skipped: set VENDOR_AUDIT_LAB=1 (tests/run-all.sh does) to run the lab tests");
        return false;
    }
    true
}

// ------------------------------------------------------------------ servers

/// A server process of this test: stopped (SIGTERM, then SIGKILL) and reaped on drop.
struct Server {
    name: &'static str,
    child: Option<Child>,
}

impl Server {
    fn spawn(name: &'static str, cmd: &mut Command) -> Server {
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Server {
            name,
            child: Some(child),
        }
    }

    /// Waits until `addr` accepts (polling), failing early if the process exits.
    fn ready(mut self, addr: &str) -> Server {
        let deadline = Instant::now() + Duration::from_secs(20);
        while common::wait_for_port(addr, Duration::from_millis(200)).is_err() {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("{} exited ({status}) before {addr} accepted", self.name);
            }
            assert!(
                Instant::now() < deadline,
                "{} not accepting at {addr}",
                self.name
            );
        }
        self
    }

    /// Stops the server and waits until it has exited.
    fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn python() -> &'static str {
    if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

/// formapp on `ip`:18080, its mode read from `mode_file` on every request.
fn formapp(ip: &str, mode_file: &Path) -> Server {
    let addr = format!("{ip}:{FORM_PORT}");
    Server::spawn(
        "formapp",
        Command::new(python())
            .arg(FORMAPP)
            .args(["--listen", &addr, "--mode-file"])
            .arg(mode_file),
    )
    .ready(&addr)
}

/// Xtigervnc :81 with security type None on 127.0.0.161:5900 (as tests/peers/start.sh starts
/// `vnc-none`). A lock left by a killed server would make it refuse the display: removed when its
/// process is gone.
fn vnc_none() -> Server {
    let lock = PathBuf::from(format!("/tmp/.X{VNC_DISPLAY}-lock"));
    if let Ok(text) = std::fs::read_to_string(&lock) {
        let pid: String = text.chars().filter(char::is_ascii_digit).collect();
        if pid.is_empty() || !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_file(&lock);
            let _ = std::fs::remove_file(format!("/tmp/.X11-unix/X{VNC_DISPLAY}"));
        }
    }
    Server::spawn(
        "Xtigervnc",
        Command::new("Xtigervnc")
            .arg(format!(":{VNC_DISPLAY}"))
            .args(["-rfbport", &VNC_PORT.to_string(), "-interface", VNC_IP])
            .args([
                "-SecurityTypes",
                "None",
                "-geometry",
                "640x480",
                "-nolisten",
                "tcp",
            ])
            .args(["-BlacklistThreshold", "1000"]),
    )
    .ready(&format!("{VNC_IP}:{VNC_PORT}"))
}

/// A port that accepts connections and never says a word (each probe waits for its budget).
struct SilentPort {
    addr: String,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SilentPort {
    fn start(ip: &str) -> SilentPort {
        let listener = TcpListener::bind((ip, 0)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((s, _)) => held.push(s),
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        SilentPort {
            addr,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for SilentPort {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

// ------------------------------------------------------------------ helpers

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn inventory(vendors: &str) -> String {
    format!("[audit]\ntimezone = \"Asia/Tokyo\"\nallow_private = true\n\n{vendors}")
}

/// The vendor's annual report: every control a check of this test judges, declared true.
fn report(vendor: &str) -> String {
    format!(
        "vendor = \"{vendor}\"\nfiscal_year = 2026\n[controls]\n\
         \"remote_access.no_public_vnc\" = true\n\"remote_access.vnc_authentication\" = true\n\
         \"web_forms.no_store_on_personal_pages\" = true\n\
         \"web_forms.publication_schedule_enforced\" = true\n\"web_forms.https_only\" = true\n"
    )
}

fn vendor_audit(args: &[&str], db: &Path) -> Output {
    Command::new(BIN)
        .args(args)
        .arg("--db")
        .arg(db)
        .env("COLUMNS", "400")
        .output()
        .unwrap()
}

/// `run --format json --db DB`; the report, with the exit code asserted to be 0 or 1.
fn run(config: &Path, db: &Path, extra: &[&str]) -> Value {
    let start = Instant::now();
    let mut args = vec!["run", "--format", "json", "--now", NOW, "--config"];
    let config = config.to_str().unwrap();
    args.push(config);
    args.extend_from_slice(extra);
    let out = vendor_audit(&args, db);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "run: {:?}: {stderr}",
        out.status
    );
    assert!(stderr.contains("stored in"), "run was not stored: {stderr}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    println!(
        "run {} took {:?}",
        doc["run"]["id"].as_str().unwrap(),
        start.elapsed()
    );
    doc
}

type Key = (String, String);

/// (check, target) of every failing, unwaived finding of a `run --format json` report.
fn fails(doc: &Value) -> BTreeSet<Key> {
    findings(doc)
        .filter(|f| f["status"] == "fail" && f["waived"] != true)
        .map(key)
        .collect()
}

fn findings(doc: &Value) -> impl Iterator<Item = &Value> {
    doc["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|v| v["findings"].as_array().unwrap().iter())
}

fn key(f: &Value) -> Key {
    (
        f["check"].as_str().unwrap().to_owned(),
        f["target"].as_str().unwrap().to_owned(),
    )
}

fn severity_of(doc: &Value, k: &Key) -> String {
    findings(doc)
        .find(|f| &key(f) == k)
        .map(|f| f["severity"].as_str().unwrap().to_owned())
        .unwrap()
}

/// control -> verdict of every vendor of a report.
fn verdicts(doc: &Value) -> BTreeMap<String, String> {
    doc["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|v| v["controls"].as_array().unwrap().iter())
        .map(|c| {
            (
                c["control"].as_str().unwrap().to_owned(),
                c["verdict"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn changed_controls(a: &Value, b: &Value) -> BTreeSet<String> {
    let (a, b) = (verdicts(a), verdicts(b));
    a.keys()
        .chain(b.keys())
        .filter(|c| a.get(*c) != b.get(*c))
        .cloned()
        .collect()
}

fn keys_of(list: &Value) -> BTreeSet<Key> {
    list.as_array().unwrap().iter().map(key).collect()
}

fn set(items: &[(&str, &str)]) -> BTreeSet<Key> {
    items
        .iter()
        .map(|(c, t)| ((*c).to_owned(), (*t).to_owned()))
        .collect()
}

fn diff(db: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let mut all = vec!["diff"];
    all.extend_from_slice(args);
    let out = vendor_audit(&all, db);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn diff_json(db: &Path, args: &[&str], exit: i32) -> Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = diff(db, &all);
    assert_eq!(code, Some(exit), "diff {args:?}: {stderr}");
    serde_json::from_str(&stdout).unwrap()
}

/// Asserts the table of `diff ARGS` names every (check, target) of `regressions` and `fixed`
/// under their headings, and says how many of each.
fn assert_table(db: &Path, args: &[&str], regressions: &BTreeSet<Key>, fixed: &BTreeSet<Key>) {
    let (_, table, stderr) = diff(db, args);
    assert!(table.contains(" fixed, "), "{table}{stderr}");
    let fixed_at = table.find("\nFixed (").unwrap_or(table.len());
    let regressions_at = table.find("Regressions (").unwrap_or(table.len());
    for ((check, target), after) in regressions
        .iter()
        .map(|k| (k, regressions_at))
        .chain(fixed.iter().map(|k| (k, fixed_at)))
    {
        // A row shows the check, and the target on the line under it.
        let lines: Vec<&str> = table[after..].lines().collect();
        let row = lines.windows(2).find(|pair| {
            pair[0].contains(&format!(" {check} ")) && pair[1].contains(target.as_str())
        });
        assert!(row.is_some(), "table lacks {check} {target}:\n{table}");
    }
    assert!(
        table.contains(&format!(
            "{} regression{}, {} fixed,",
            regressions.len(),
            if regressions.len() == 1 { "" } else { "s" },
            fixed.len()
        )),
        "{table}"
    );
    if regressions.is_empty() {
        assert!(!table.contains("Regressions ("), "{table}");
    }
    if fixed.is_empty() {
        assert!(!table.contains("Fixed ("), "{table}");
    }
}

fn history_json(db: &Path) -> Value {
    let out = vendor_audit(&["history", "--format", "json", "--limit", "1000"], db);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema"], "vendor-audit/history-v1");
    doc
}

fn run_id(doc: &Value) -> String {
    doc["run"]["id"].as_str().unwrap().to_owned()
}

// ------------------------------------------------------------------ 1. diff

/// Issue 11: stop the VNC peer and switch the form app to no-store, and `diff` reports exactly
/// those fixes; start the VNC peer again and it reports exactly those regressions (exit 1);
/// put the form back to leaky and `--fail-on` follows the regression's severity.
#[test]
fn diff_reports_exactly_what_changed_between_runs() {
    if !lab() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mode = write(dir.path(), "mode", "leaky\n");
    let url = format!("http://{FORM_IP}:{FORM_PORT}/apply");
    let vnc_target = format!("{VNC_IP}:{VNC_PORT}");
    let config = write(
        dir.path(),
        "vendors.toml",
        &inventory(&format!(
            "[[vendor]]\nid = \"acme\"\nreport = \"acme.toml\"\nhosts = [\"{VNC_IP}\"]\n\
             ports = [{VNC_PORT}]\n[[vendor.form]]\nurl = \"{url}\"\n"
        )),
    );
    write(dir.path(), "acme.toml", &report("acme"));
    let db = dir.path().join("history.db");
    let _form = formapp(FORM_IP, &mode);
    let mut vnc = vnc_none();

    // A: VNC up without authentication, the form cacheable.
    let a = run(&config, &db, &["--timeout", "2"]);
    // B: VNC stopped, the form no-store.
    vnc.stop();
    std::fs::write(&mode, "correct\n").unwrap();
    let b = run(&config, &db, &["--timeout", "2"]);
    // C: VNC back.
    let _vnc = vnc_none();
    let c = run(&config, &db, &["--timeout", "2"]);
    let (ida, idb, idc) = (run_id(&a), run_id(&b), run_id(&c));

    let (fa, fb, fc) = (fails(&a), fails(&b), fails(&c));
    println!("fails A {fa:?}\nfails B {fb:?}\nfails C {fc:?}");
    let vnc_fails = set(&[
        ("vnc-exposed", vnc_target.as_str()),
        ("vnc-no-auth", vnc_target.as_str()),
    ]);
    let cache_fails = set(&[("form-cacheable", url.as_str())]);
    // The scenario as the reports show it, independently of the history.
    let fixed_ab: BTreeSet<Key> = fa.difference(&fb).cloned().collect();
    let regressed_ab: BTreeSet<Key> = fb.difference(&fa).cloned().collect();
    assert_eq!(
        fixed_ab,
        vnc_fails.union(&cache_fails).cloned().collect(),
        "A -> B should fix exactly the VNC and caching failures"
    );
    assert!(regressed_ab.is_empty(), "{regressed_ab:?}");
    let regressed_bc: BTreeSet<Key> = fc.difference(&fb).cloned().collect();
    assert_eq!(regressed_bc, vnc_fails);
    assert!(fb.difference(&fc).next().is_none());

    // diff A B, by run-id prefixes: exactly those fixes, no regression, exit 0 even at low.
    let (pa, pb) = (&ida[..ida.len() - 3], &idb[..idb.len() - 3]);
    let ab = diff_json(&db, &[pa, pb, "--fail-on", "low"], 0);
    assert_eq!(
        (ab["from"].as_str(), ab["to"].as_str()),
        (Some(&*ida), Some(&*idb))
    );
    assert_eq!(keys_of(&ab["fixed"]), fixed_ab, "{ab:#}");
    assert_eq!(keys_of(&ab["regressions"]), BTreeSet::new(), "{ab:#}");
    assert_eq!(ab["status_changes"], serde_json::json!([]), "{ab:#}");
    for f in ab["fixed"].as_array().unwrap() {
        assert_eq!(f["vendor"], "acme");
        assert_eq!(f["before"], "fail");
        assert!(
            matches!(f["after"].as_str(), Some("pass" | "skipped")),
            "{f}"
        );
        assert_eq!(f["severity"].as_str().unwrap(), severity_of(&a, &key(f)));
    }
    let verdicts_ab: BTreeSet<String> = ab["verdict_changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert_eq!(c["target"], "report");
            assert_eq!(
                c["before"].as_str().unwrap(),
                verdicts(&a)[c["control"].as_str().unwrap()]
            );
            assert_eq!(
                c["after"].as_str().unwrap(),
                verdicts(&b)[c["control"].as_str().unwrap()]
            );
            c["control"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(verdicts_ab, changed_controls(&a, &b));
    assert!(
        verdicts_ab.contains("remote_access.no_public_vnc"),
        "{verdicts_ab:?}"
    );
    assert!(
        verdicts_ab.contains("web_forms.no_store_on_personal_pages"),
        "{verdicts_ab:?}"
    );
    assert_table(&db, &[pa, pb], &BTreeSet::new(), &fixed_ab);

    // Default diff after C (the newest against each vendor's previous run): C against B,
    // exactly the VNC regressions, exit 1; the same with the two ids given.
    for args in [vec![], vec![idb.as_str(), idc.as_str()]] {
        let bc = diff_json(&db, &args, 1);
        assert_eq!(
            (bc["from"].as_str(), bc["to"].as_str()),
            (Some(&*idb), Some(&*idc))
        );
        assert_eq!(keys_of(&bc["regressions"]), regressed_bc, "{bc:#}");
        assert_eq!(keys_of(&bc["fixed"]), BTreeSet::new(), "{bc:#}");
        assert_eq!(bc["status_changes"], serde_json::json!([]), "{bc:#}");
        assert_eq!(
            bc["verdict_changes"].as_array().unwrap().len(),
            changed_controls(&b, &c).len()
        );
        for r in bc["regressions"].as_array().unwrap() {
            assert_eq!(r["after"], "fail", "{r}");
            assert_eq!(r["severity"].as_str().unwrap(), severity_of(&c, &key(r)));
        }
        assert_table(&db, &args, &regressed_bc, &BTreeSet::new());
    }
    // --fail-on: exit 1 exactly when a regression is at or above the threshold.
    let rank = |s: &str| {
        ["low", "medium", "high", "critical"]
            .iter()
            .position(|x| *x == s)
    };
    let expect = |regressions: &BTreeSet<Key>, report: &Value, threshold: &str| {
        let worst = regressions
            .iter()
            .filter_map(|k| rank(&severity_of(report, k)))
            .max();
        i32::from(worst.is_some_and(|w| Some(w) >= rank(threshold)))
    };
    for threshold in ["critical", "high", "medium", "low"] {
        let want = expect(&regressed_bc, &c, threshold);
        let (code, _, stderr) = diff(&db, &[&idb, &idc, "--fail-on", threshold]);
        assert_eq!(code, Some(want), "diff B C --fail-on {threshold}: {stderr}");
    }
    assert_eq!(diff(&db, &[&idb, &idc, "--fail-on", "never"]).0, Some(0));

    // D: the form leaky again; the default diff is D against C.
    std::fs::write(&mode, "leaky\n").unwrap();
    let d = run(&config, &db, &["--timeout", "2"]);
    let idd = run_id(&d);
    let fd = fails(&d);
    let regressed_cd: BTreeSet<Key> = fd.difference(&fc).cloned().collect();
    assert_eq!(regressed_cd, cache_fails);
    let cd = diff_json(&db, &[], 1);
    assert_eq!(
        (cd["from"].as_str(), cd["to"].as_str()),
        (Some(&*idc), Some(&*idd))
    );
    assert_eq!(keys_of(&cd["regressions"]), regressed_cd, "{cd:#}");
    assert_eq!(keys_of(&cd["fixed"]), BTreeSet::new(), "{cd:#}");
    assert_table(&db, &[], &regressed_cd, &BTreeSet::new());
    // form-cacheable is high: --fail-on critical lets it pass, the default (high) does not.
    assert_eq!(expect(&regressed_cd, &d, "critical"), 0);
    assert_eq!(diff(&db, &["--fail-on", "critical"]).0, Some(0));
    assert_eq!(diff(&db, &[]).0, Some(1));

    // history: newest first, each row's changes since the previous run as the reports imply.
    let h = history_json(&db);
    let rows = h["runs"].as_array().unwrap();
    let ids: Vec<&str> = rows.iter().map(|r| r["run"].as_str().unwrap()).collect();
    assert_eq!(ids, [&*idd, &*idc, &*idb, &*ida], "{h:#}");
    assert!(rows[3]["changes"].is_null(), "{h:#}");
    for (row, (before, after)) in rows[..3].iter().zip([(&c, &d), (&b, &c), (&a, &b)]) {
        let ch = &row["changes"];
        let (fb, fa) = (fails(before), fails(after));
        assert_eq!(
            ch["previous_run"].as_str().unwrap(),
            run_id(before),
            "{h:#}"
        );
        assert_eq!(ch["regressions"], fa.difference(&fb).count(), "{h:#}");
        assert_eq!(ch["fixed"], fb.difference(&fa).count(), "{h:#}");
        assert_eq!(
            ch["verdict_changes"],
            changed_controls(before, after).len(),
            "{h:#}"
        );
        assert_eq!(ch["status_changes"], 0, "{h:#}");
        assert_eq!(row["vendor"], "acme");
        assert_eq!(row["kind"], "run");
        assert_eq!(row["now"], after["run"]["now"]);
        let total: u64 = row["failures"]
            .as_object()
            .unwrap()
            .values()
            .map(|n| n.as_u64().unwrap())
            .sum();
        assert_eq!(total as usize, fa.len(), "{h:#}");
    }

    // An unknown prefix: exit 2 and a message that says so.
    let (code, stdout, stderr) = diff(&db, &["19990101T", &idb]);
    assert_eq!(code, Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains("no run id starts with `19990101T`"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

// ------------------------------------------------------------------ 2. SIGKILL

/// (run id -> finding count) of every complete stored run, read with rusqlite after an integrity
/// check. A run is written as it goes (its row first, then each vendor) and counts once marked
/// complete; one cut short by the kill stays incomplete, and no reader sees it.
fn stored_runs(db: &Path) -> BTreeMap<String, i64> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok", "integrity_check of {}", db.display());
    let mut stmt = conn
        .prepare(
            "SELECT r.id, (SELECT count(*) FROM findings f WHERE f.run = r.seq),
                (SELECT count(*) FROM vendor_runs v WHERE v.run = r.seq) FROM runs r
             WHERE r.complete = 1",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .unwrap();
    rows.map(|row| {
        let (id, findings, vendors) = row.unwrap();
        // All of a run or nothing: never a run row without its vendors and findings.
        assert!(
            vendors == 1 && findings > 0,
            "run {id} is partial: {vendors} vendors, {findings} findings"
        );
        (id, findings)
    })
    .collect()
}

fn history_ids(db: &Path) -> BTreeSet<String> {
    history_json(db)["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["run"].as_str().unwrap().to_owned())
        .collect()
}

/// Issue 11: `run --db` SIGKILLed at 20 random moments never damages the file or an earlier run.
#[test]
fn a_run_killed_at_any_moment_leaves_earlier_runs_intact() {
    if !lab() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let silent = SilentPort::start(SILENT_IP);
    let port = silent.addr.rsplit(':').next().unwrap().to_owned();
    let config = write(
        dir.path(),
        "vendors.toml",
        &inventory(&format!(
            "[[vendor]]\nid = \"slow\"\nreport = \"slow.toml\"\nhosts = [\"{SILENT_IP}\"]\nports = [{port}]\n"
        )),
    );
    write(dir.path(), "slow.toml", &report("slow"));
    let db = dir.path().join("history.db");
    let args = [
        "run",
        "--format",
        "json",
        "--now",
        NOW,
        "--timeout",
        "1",
        "--config",
    ];
    let spawn = || {
        Command::new(BIN)
            .args(args)
            .arg(&config)
            .arg("--db")
            .arg(&db)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // Two complete runs, and how long one takes.
    let mut durations = Vec::new();
    for _ in 0..2 {
        let start = Instant::now();
        let status = spawn().wait().unwrap();
        durations.push(start.elapsed());
        assert!(matches!(status.code(), Some(0 | 1)), "{status}");
    }
    let mut known = stored_runs(&db);
    assert_eq!(known.len(), 2);
    let duration = *durations.iter().max().unwrap();
    println!("unkilled run: {durations:?}");
    assert!(
        duration >= Duration::from_millis(500),
        "a run should last about the port budget (1 s), took {duration:?}"
    );
    let (mut before_commit, mut after_commit) = (0, 0);
    let mut moments = Vec::new();
    for _ in 0..20 {
        let at = duration.mul_f64(rand::random::<f64>() * 1.1);
        let mut child = spawn();
        // The one sleep whose point is the moment: when the SIGKILL lands.
        std::thread::sleep(at);
        let _ = child.kill();
        let status = child.wait().unwrap();
        let now = stored_runs(&db);
        for (id, n) in &known {
            assert_eq!(
                now.get(id),
                Some(n),
                "run {id} changed after a kill at {at:?}"
            );
        }
        let listed = history_ids(&db);
        assert!(known.keys().all(|id| listed.contains(id)), "{listed:?}");
        match now.len() - known.len() {
            0 => before_commit += 1,
            1 => after_commit += 1,
            n => panic!("{n} runs appeared from one run"),
        }
        moments.push((
            at.as_millis(),
            status.code().is_none(),
            now.len() > known.len(),
        ));
        known = now;
    }
    println!(
        "20 SIGKILLs: {before_commit} before the commit (no new run), {after_commit} after (run stored); \
         (ms, killed by the signal, stored): {moments:?}"
    );
    assert_eq!(history_ids(&db).len(), known.len());
}

// ------------------------------------------------------------------ 3. personal data

/// Issue 11: a form that arrives filled in fails form-prefilled-pii, and the history says how
/// many characters each field had, never the value.
#[test]
fn personal_data_never_reaches_the_history() {
    if !lab() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mode = write(dir.path(), "mode", "leaky\n");
    let _form = formapp(FILLED_IP, &mode);
    let url = format!("http://{FILLED_IP}:{FORM_PORT}/filled");
    let config = write(
        dir.path(),
        "vendors.toml",
        &inventory(&format!(
            "[[vendor]]\nid = \"filled\"\nreport = \"filled.toml\"\n[[vendor.form]]\nurl = \"{url}\"\n"
        )),
    );
    write(dir.path(), "filled.toml", &report("filled"));
    let db = dir.path().join("history.db");
    let doc = run(&config, &db, &["--timeout", "4"]);
    let pii = findings(&doc)
        .find(|f| f["check"] == "form-prefilled-pii")
        .unwrap();
    assert_eq!(pii["status"], "fail", "{pii:#}");
    let evidence = pii["evidence"].to_string();
    println!("form-prefilled-pii evidence: {evidence}");
    for (field, value) in [("name", SENTINELS[0]), ("tel", SENTINELS[2])] {
        let said = format!("{field} ({} chars)", value.chars().count());
        assert!(
            evidence.contains(&said),
            "evidence lacks `{said}`: {evidence}"
        );
    }
    // What the history holds of it: the same, read back from the file.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let stored: String = conn
        .query_row(
            "SELECT b.body FROM findings f JOIN blobs b ON b.id = f.evidence
             WHERE f.check_id = 'form-prefilled-pii' AND f.status = 'fail'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(stored.contains("name (20 chars)"), "{stored}");
    drop(conn);
    let mut files = 0;
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let path = PathBuf::from(format!("{}{suffix}", db.display()));
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        files += 1;
        for s in
            SENTINELS
                .iter()
                .copied()
                .chain(["Sentinel Hanako", "Sentinel-cho", "sentinel-7f3a"])
        {
            assert!(
                !bytes.windows(s.len()).any(|w| w == s.as_bytes()),
                "{} holds `{s}`",
                path.display()
            );
        }
    }
    assert!(files >= 1);
    println!("checked {files} history file(s) for the applicant's values: none found");
}

// ------------------------------------------------------------------ 4. two writers

/// Two runs started at the same moment on one (new) history file both land: the second waits
/// for the first's transaction (busy timeout) instead of failing.
#[test]
fn two_runs_writing_one_history_at_once_both_land() {
    if !lab() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "vendors.toml",
        &inventory(&format!(
            "[[vendor]]\nid = \"closed\"\nreport = \"closed.toml\"\nhosts = [\"{CLOSED_IP}\"]\nports = [5900, 3389]\n"
        )),
    );
    write(dir.path(), "closed.toml", &report("closed"));
    for round in 0..6 {
        let db = dir.path().join(format!("history-{round}.db"));
        let spawn = || {
            Command::new(BIN)
                .args(["run", "--format", "json", "--now", NOW, "--timeout", "1"])
                .arg("--config")
                .arg(&config)
                .arg("--db")
                .arg(&db)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let start = Instant::now();
        let (one, two) = (spawn(), spawn());
        let (one, two) = (
            one.wait_with_output().unwrap(),
            two.wait_with_output().unwrap(),
        );
        let took = start.elapsed();
        let mut ids = BTreeSet::new();
        for out in [&one, &two] {
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(matches!(out.status.code(), Some(0 | 1)), "{stderr}");
            assert!(stderr.contains("stored in"), "{stderr}");
            let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
            ids.insert(run_id(&doc));
        }
        assert_eq!(ids.len(), 2);
        assert_eq!(history_ids(&db), ids, "round {round}");
        assert_eq!(stored_runs(&db).len(), 2);
        println!("round {round}: two simultaneous runs stored in {took:?}");
    }
}

// ------------------------------------------------------------------ 5. bad files

fn assert_plain_failure(out: &Output, code: i32, names: &Path) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    assert!(
        stderr.contains(&names.display().to_string()),
        "the message should name {}: {stderr}",
        names.display()
    );
    for dump in [
        "panicked",
        "SqliteFailure",
        "Error {",
        "code:",
        "RUST_BACKTRACE",
    ] {
        assert!(!stderr.contains(dump), "a debug dump ({dump}): {stderr}");
    }
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    stderr
}

/// A history that is not a database, or is of a newer schema, stops `run` (exit 3) with a
/// message naming the file; `history` on a missing file exits 2. Nothing is probed.
#[test]
fn a_file_that_is_not_a_history_stops_the_run_plainly() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "vendors.toml",
        &inventory(&format!(
            "[[vendor]]\nid = \"never\"\nhosts = [\"{UNUSED_IP}\"]\nports = [5900]\n"
        )),
    );
    let config_arg = config.to_str().unwrap();
    let run_args = ["run", "--now", NOW, "--config", config_arg];

    let text = write(
        dir.path(),
        "notes.db",
        "these are notes, not a database\n".repeat(200).as_str(),
    );
    let out = vendor_audit(&run_args, &text);
    let msg = assert_plain_failure(&out, 3, &text);
    assert!(msg.contains("not a vendor-audit history"), "{msg}");
    assert!(
        out.stdout.is_empty(),
        "no report when the history cannot be written"
    );
    assert_eq!(
        std::fs::read_to_string(&text).unwrap(),
        "these are notes, not a database\n".repeat(200),
        "the file is left as it was"
    );

    let newer = dir.path().join("newer.db");
    {
        let conn = rusqlite::Connection::open(&newer).unwrap();
        conn.execute_batch(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             INSERT INTO meta VALUES ('schema_version', '99');",
        )
        .unwrap();
    }
    let out = vendor_audit(&run_args, &newer);
    let msg = assert_plain_failure(&out, 3, &newer);
    assert!(
        msg.contains("newer vendor-audit") && msg.contains("99"),
        "{msg}"
    );
    let conn = rusqlite::Connection::open(&newer).unwrap();
    let version: String = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(version, "99", "a newer history is not touched");
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 1, "no table was added to a newer history");

    let missing = dir.path().join("missing.db");
    for args in [&["history"][..], &["diff"][..]] {
        let out = vendor_audit(args, &missing);
        let msg = assert_plain_failure(&out, 2, &missing);
        assert!(msg.contains("no history at"), "{msg}");
        assert!(!missing.exists(), "reading never creates a history");
    }
    println!("bad history files: exit 3 (not a database, newer schema), 2 (missing)");
}
