//! `vendor-audit watch` and the alerts (issue 11, SPEC §8) end to end with real processes: the
//! project's form app (tests/peers/formapp.py, its mode changed while it runs), a real webhook
//! receiver (tests/peers/webhook.py, which can fail its first attempts or not be there at all),
//! a real notify command, and the real SQLite history. Each test starts its own servers on its
//! own loopback addresses (127.0.0.170-179) and stops them; nothing here needs the shared lab.
//!
//! Gated like the other lab tests: skipped unless VENDOR_AUDIT_LAB is set (`bash
//! tests/run-all.sh` sets it), since it binds loopback addresses beyond 127.0.0.1.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_vendor-audit");
const FORMAPP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/formapp.py");
const WEBHOOK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/webhook.py");
const POLL: Duration = Duration::from_millis(50);

fn lab() -> bool {
    if std::env::var_os("VENDOR_AUDIT_LAB").is_none() {
        eprintln!(
            "skipped: needs loopback servers; run with VENDOR_AUDIT_LAB=1 (bash tests/run-all.sh)"
        );
        return false;
    }
    true
}

/// A child process killed (and reaped) when dropped, whatever the test did.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Guard {
    /// Sends SIGTERM and waits (polling) for the exit, at most `within`.
    fn terminate(&mut self, within: Duration) -> ExitStatus {
        let pid = self.0.id().to_string();
        let ok = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(ok.success(), "kill -TERM {pid}");
        poll(within, "watch to exit after SIGTERM", || {
            self.0.try_wait().expect("try_wait")
        })
    }
}

/// Calls `f` every 50 ms until it gives a value; panics naming `what` after `within`.
fn poll<T>(within: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            start.elapsed() < within,
            "timed out after {within:?} waiting for {what}"
        );
        sleep(POLL);
    }
}

fn spawn_python(script: &str, args: &[&str], log: &Path) -> Guard {
    let err = fs::File::create(log).unwrap();
    let child = Command::new("python3")
        .arg(script)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(err)
        .spawn()
        .expect("python3 starts");
    Guard(child)
}

/// The form app on `addr`, its mode read from `mode_file` at each request.
fn formapp(addr: &str, mode_file: &Path, dir: &Path) -> Guard {
    let g = spawn_python(
        FORMAPP,
        &["--listen", addr, "--mode-file", mode_file.to_str().unwrap()],
        &dir.join("formapp.log"),
    );
    common::wait_for_port(addr, Duration::from_secs(10)).unwrap();
    g
}

/// The webhook receiver on `addr`, receiving on `path` only, into `out`.
fn webhook(addr: &str, path: &str, fail_first: u32, out: &Path, dir: &Path) -> Guard {
    let n = fail_first.to_string();
    let log = dir.join("webhook-attempts.log");
    let g = spawn_python(
        WEBHOOK,
        &[
            "--listen",
            addr,
            "--path",
            path,
            "--fail-first",
            &n,
            "--out",
            out.to_str().unwrap(),
            "--log",
            log.to_str().unwrap(),
        ],
        &dir.join("webhook.log"),
    );
    common::wait_for_port(addr, Duration::from_secs(10)).unwrap();
    g
}

/// The bodies the receiver kept, as `{attempt, received_at, body}` lines.
fn received(out: &Path) -> Vec<Value> {
    fs::read_to_string(out)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// Replaces `path` at once (write beside, rename), so a reader never sees half an edit.
fn write_atomic(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp-edit");
    fs::write(&tmp, text).unwrap();
    fs::rename(&tmp, path).unwrap();
}

fn open_db(path: &Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(path).unwrap();
    c.busy_timeout(Duration::from_secs(5)).unwrap();
    c
}

/// Every file of the history (the database and any WAL/SHM beside it), as bytes.
fn history_bytes(db: &Path) -> Vec<u8> {
    let name = db.file_name().unwrap().to_str().unwrap().to_owned();
    let mut all = Vec::new();
    for e in fs::read_dir(db.parent().unwrap()).unwrap() {
        let e = e.unwrap();
        if e.file_name().to_string_lossy().starts_with(&name) {
            all.extend(fs::read(e.path()).unwrap());
        }
    }
    all
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn notify_webhook(var: &str) -> String {
    format!("[notify]\nwebhook_url_env = \"{var}\"\nmin_severity = \"high\"\n")
}

fn form_vendor(id: &str, url: &str, opens_at: Option<&str>) -> String {
    let mut s =
        format!("[[vendor]]\nid = \"{id}\"\nname = \"{id}\"\n[[vendor.form]]\nurl = \"{url}\"\n");
    if let Some(t) = opens_at {
        s.push_str(&format!("opens_at = {t}\n"));
    }
    s
}

/// `vendor-audit run --format json` with the history `db`; (exit code, stdout, stderr).
fn run(config: &Path, db: &Path, env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let out = Command::new(BIN)
        .args(["run", "--format", "json", "--timeout", "2", "--config"])
        .arg(config)
        .arg("--db")
        .arg(db)
        .envs(env.iter().copied())
        .output()
        .expect("vendor-audit runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A running `vendor-audit watch`, its stdout and stderr in files.
struct Watch {
    child: Guard,
    stderr: PathBuf,
    stdout: PathBuf,
}

impl Watch {
    fn start(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Watch {
        let stderr = dir.join("watch.stderr");
        let stdout = dir.join("watch.stdout");
        let child = Command::new(BIN)
            .arg("watch")
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(fs::File::create(&stdout).unwrap())
            .stderr(fs::File::create(&stderr).unwrap())
            .spawn()
            .expect("vendor-audit watch starts");
        Watch {
            child: Guard(child),
            stderr,
            stdout,
        }
    }

    fn log(&self) -> String {
        fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// The round lines logged so far: (round number, run id, whole line).
    fn rounds(&self) -> Vec<(u64, String, String)> {
        self.log()
            .lines()
            .filter_map(|l| {
                let rest = l.split_once(" watch: round ")?.1;
                let (n, rest) = rest.split_once(' ')?;
                let id = rest.split_once(": run ")?.1.split(':').next()?;
                Some((n.parse().ok()?, id.to_owned(), l.to_owned()))
            })
            .collect()
    }

    /// Waits until round `n` is logged and returns it.
    fn wait_round(&self, n: u64, within: Duration) -> (u64, String, String) {
        poll(within, &format!("round {n} in the watch log"), || {
            self.rounds().into_iter().find(|r| r.0 == n)
        })
        .clone()
    }

    /// Fails the test with the log if the process died.
    fn alive(&mut self) {
        if let Some(s) = self.child.0.try_wait().unwrap() {
            panic!("watch exited early ({s}):\n{}", self.log());
        }
    }
}

fn utc_in(d: chrono::Duration) -> String {
    (chrono::Utc::now() + d).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn stored_runs(db: &Path) -> Vec<String> {
    let c = open_db(db);
    let mut s = c.prepare("SELECT id FROM runs ORDER BY id").unwrap();
    s.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn vendors_of_run(db: &Path, run: &str) -> Vec<String> {
    let c = open_db(db);
    let mut s = c
        .prepare(
            "SELECT v.vendor FROM vendor_runs v JOIN runs r ON r.seq = v.run
             WHERE r.id = ?1 ORDER BY v.vendor",
        )
        .unwrap();
    s.query_map([run], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// (channel, state, attempts, last_error, body) of every alert row, oldest first.
type AlertRow = (String, String, i64, Option<String>, String);

fn alert_rows(db: &Path) -> Vec<AlertRow> {
    let c = open_db(db);
    let mut s = c
        .prepare("SELECT channel, state, attempts, last_error, body FROM alerts ORDER BY id")
        .unwrap();
    s.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn has_change(alert: &Value, change: &str, check: &str) -> bool {
    alert["changes"].as_array().is_some_and(|cs| {
        cs.iter()
            .any(|c| c["change"] == change && c["check"] == check)
    })
}

/// Part 1: A form published early is caught by the near-go-live cadence: the formapp says "not open
/// yet" for the first round, then opens; the alert for `form-open-before-go-live` reaches the
/// webhook within one cadence, one probe budget and a small margin. SIGTERM stops watch with 0, the
/// history is intact and holds exactly the rounds it logged.
#[test]
fn early_publication_reaches_the_webhook_within_one_cadence() {
    if !lab() {
        return;
    }
    const APP: &str = "127.0.0.170:18080";
    const HOOK: &str = "127.0.0.171:18090";
    const HOOK_PATH: &str = "/hooks/SECRET-TOKEN-watch1";
    let cadence = Duration::from_secs(2);
    let timeout = Duration::from_secs(2);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mode = d.join("mode");
    fs::write(&mode, "notyet\n").unwrap();
    let _app = formapp(APP, &mode, d);
    let out = d.join("received.jsonl");
    let _hook = webhook(HOOK, HOOK_PATH, 0, &out, d);
    let url = format!("http://{HOOK}{HOOK_PATH}");
    let config = d.join("vendors.toml");
    let opens_at = utc_in(chrono::Duration::minutes(5));
    fs::write(
        &config,
        format!(
            "{}{}",
            notify_webhook("VA_TEST_HOOK"),
            form_vendor("machi", &format!("http://{APP}/apply"), Some(&opens_at))
        ),
    )
    .unwrap();
    let db = d.join("history.db");
    let mut watch = Watch::start(
        d,
        &[
            "--config",
            config.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
            "--near-go-live",
            "2s",
            "--every",
            "1h",
            "--timeout",
            "2",
        ],
        &[("VA_TEST_HOOK", &url)],
    );
    let first = watch.wait_round(1, Duration::from_secs(20));
    assert!(first.2.contains("(all assets)"), "{}", first.2);
    let before_open = received(&out);
    assert!(
        !before_open.iter().any(|a| has_change(
            &a["body"],
            "new-failure",
            "form-open-before-go-live"
        )),
        "the closed form already failed form-open-before-go-live: {before_open:?}"
    );

    // The form opens early.
    write_atomic(&mode, "leaky\n");
    let opened = Instant::now();
    let alert = poll(
        Duration::from_secs(30),
        "the early-publication alert",
        || {
            received(&out)
                .into_iter()
                .find(|a| has_change(&a["body"], "new-failure", "form-open-before-go-live"))
        },
    );
    let latency = opened.elapsed();
    println!(
        "watch_lab: early publication -> webhook latency {:.2}s (near-go-live cadence {}s, --timeout {}s)",
        latency.as_secs_f64(),
        cadence.as_secs(),
        timeout.as_secs()
    );
    // Rounds start up to a tenth of the cadence early, never late: one cadence, one probe
    // budget, and a margin for delivering the alert.
    let bound = cadence + timeout + Duration::from_millis(1500);
    assert!(
        latency <= bound,
        "alert after {latency:?}, more than {bound:?}:\n{}",
        watch.log()
    );
    let body = &alert["body"];
    assert_eq!(body["source"], "vendor-audit");
    assert_eq!(body["kind"], "changes");
    assert_eq!(body["vendor"], "machi");
    let change = body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "form-open-before-go-live")
        .unwrap();
    assert_eq!(change["before"], "pass");
    assert_eq!(change["after"], "fail");
    assert_eq!(change["severity"], "high");
    assert_eq!(change["target"], format!("http://{APP}/apply"));
    // It came from a near-go-live round (the full cadence is an hour).
    let run_id = body["run_id"].as_str().unwrap().to_owned();
    let round = poll(
        Duration::from_secs(10),
        "the alert's round in the log",
        || watch.rounds().into_iter().find(|r| r.1 == run_id),
    );
    assert!(round.0 > 1, "{}", round.2);
    assert!(
        round.2.contains("near go-live: 1 form of machi"),
        "{}",
        round.2
    );
    assert!(round.2.contains("1 new failing"), "{}", round.2);

    watch.alive();
    let status = watch.child.terminate(Duration::from_secs(10));
    assert_eq!(
        status.code(),
        Some(0),
        "watch after SIGTERM:\n{}",
        watch.log()
    );
    let log = watch.log();
    assert!(log.contains("watch: stopping (signal)"), "{log}");
    let c = open_db(&db);
    let integrity: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    drop(c);
    let mut logged: Vec<String> = watch.rounds().into_iter().map(|r| r.1).collect();
    logged.sort();
    assert_eq!(
        stored_runs(&db),
        logged,
        "one stored run per logged round:\n{log}"
    );
    assert!(
        !log.contains(HOOK_PATH) && !log.contains("SECRET-TOKEN"),
        "{log}"
    );
}

/// Part 2: A webhook that fails twice gets the alert on the third attempt, once; the URL (with its
/// secret token) appears in no output and nowhere in the history.
#[test]
fn a_webhook_failing_twice_gets_the_alert_once_on_the_third_attempt() {
    if !lab() {
        return;
    }
    const APP: &str = "127.0.0.172:18080";
    const HOOK: &str = "127.0.0.173:18090";
    const SECRET: &str = "SECRET-TOKEN-abc";
    let hook_path = format!("/hooks/{SECRET}");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mode = d.join("mode");
    fs::write(&mode, "leaky\n").unwrap();
    let _app = formapp(APP, &mode, d);
    let out = d.join("received.jsonl");
    let _hook = webhook(HOOK, &hook_path, 2, &out, d);
    let url = format!("http://{HOOK}{hook_path}");
    let config = d.join("vendors.toml");
    fs::write(
        &config,
        format!(
            "{}{}",
            notify_webhook("VA_TEST_HOOK"),
            form_vendor("machi", &format!("http://{APP}/apply"), None)
        ),
    )
    .unwrap();
    let db = d.join("history.db");
    let (code, stdout, stderr) = run(&config, &db, &[("VA_TEST_HOOK", &url)]);
    assert_eq!(code, Some(1), "findings exit 1:\n{stderr}");
    let got = received(&out);
    assert_eq!(got.len(), 1, "exactly one delivery: {got:?}");
    assert_eq!(got[0]["attempt"], 3);
    assert_eq!(
        fs::read_to_string(format!("{}.attempts", out.display()))
            .unwrap()
            .trim(),
        "3",
        "no attempt after the one that succeeded"
    );
    let body = &got[0]["body"];
    assert_eq!(body["kind"], "changes");
    assert!(has_change(body, "new-failure", "form-plaintext"), "{body}");
    // The pauses between attempts: 1 s, then 2 s.
    let times: Vec<chrono::DateTime<chrono::FixedOffset>> =
        fs::read_to_string(d.join("webhook-attempts.log"))
            .unwrap()
            .lines()
            .map(|l| chrono::DateTime::parse_from_rfc3339(l.split(' ').next().unwrap()).unwrap())
            .collect();
    assert_eq!(times.len(), 3);
    let pauses: Vec<f64> = times
        .windows(2)
        .map(|w| (w[1] - w[0]).num_milliseconds() as f64 / 1000.0)
        .collect();
    println!("watch_lab: webhook retry pauses {pauses:?} s");
    assert!(pauses[0] >= 0.9 && pauses[0] < 2.0, "{pauses:?}");
    assert!(pauses[1] >= 1.9 && pauses[1] < 3.5, "{pauses:?}");
    let rows = alert_rows(&db);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1.as_str(), rows[0].2),
        ("webhook", "sent", 3)
    );
    let stored: Value = serde_json::from_str(&rows[0].4).unwrap();
    assert_eq!(stored["id"], body["id"]);
    for (what, bytes) in [
        ("stdout (the report)", stdout.into_bytes()),
        ("stderr", stderr.into_bytes()),
        ("the history files", history_bytes(&db)),
    ] {
        assert!(
            !contains(&bytes, SECRET),
            "the webhook's secret is in {what}"
        );
        assert!(!contains(&bytes, &url), "the webhook URL is in {what}");
    }
}

/// Part 3: With no webhook listening the run still ends with its usual exit code, says the alerts
/// were not delivered (without the URL), and keeps them pending with the error; a channel found
/// down costs one retry sequence per delivery, not one per waiting alert. The next run, with the
/// receiver up, delivers them and marks them sent.
#[test]
fn undelivered_alerts_wait_in_the_history_and_go_with_the_next_run() {
    if !lab() {
        return;
    }
    const APP: &str = "127.0.0.174:18080";
    const HOOK: &str = "127.0.0.175:18090";
    const SECRET: &str = "SECRET-TOKEN-down3";
    let hook_path = format!("/hooks/{SECRET}");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mode = d.join("mode");
    fs::write(&mode, "leaky\n").unwrap();
    let _app = formapp(APP, &mode, d);
    let url = format!("http://{HOOK}{hook_path}");
    let config = d.join("vendors.toml");
    // Two vendors: two alerts from the first run.
    fs::write(
        &config,
        format!(
            "{}{}{}",
            notify_webhook("VA_TEST_HOOK"),
            form_vendor("machi", &format!("http://{APP}/apply"), None),
            form_vendor("kita", &format!("http://{APP}/apply"), None)
        ),
    )
    .unwrap();
    let db = d.join("history.db");
    let env = [("VA_TEST_HOOK", url.as_str())];

    let started = Instant::now();
    let (code, stdout, stderr) = run(&config, &db, &env);
    let took = started.elapsed();
    println!(
        "watch_lab: run with the webhook down took {:.2}s",
        took.as_secs_f64()
    );
    assert_eq!(
        code,
        Some(1),
        "the findings' exit code, as without alerts:\n{stderr}"
    );
    let report: Value = serde_json::from_str(&stdout).expect("the report was written");
    assert!(report["vendors"].is_array());
    assert!(stderr.contains("not delivered"), "{stderr}");
    assert!(
        !stderr.contains(SECRET) && !stderr.contains(&url),
        "{stderr}"
    );
    let rows = alert_rows(&db);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(
        rows.iter().all(|r| r.0 == "webhook" && r.1 == "pending"),
        "{rows:?}"
    );
    // The first alert had its three attempts; the second was not tried once the webhook was
    // found down (with a day of pending alerts, every round would otherwise wait 3 s for each).
    assert_eq!((rows[0].2, rows[1].2), (3, 0), "{rows:?}");
    let error = rows[0].3.as_deref().unwrap_or_default();
    assert!(error.contains("webhook request failed"), "{error}");
    assert!(!error.contains(SECRET), "{error}");
    let pending: Vec<Value> = rows
        .iter()
        .map(|r| serde_json::from_str(&r.4).unwrap())
        .collect();

    let out = d.join("received.jsonl");
    let _hook = webhook(HOOK, &hook_path, 0, &out, d);
    let (code, _, stderr) = run(&config, &db, &env);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(!stderr.contains("not delivered"), "{stderr}");
    let got = received(&out);
    for p in &pending {
        assert!(
            got.iter().any(|a| a["body"]["id"] == p["id"]),
            "the pending alert {} did not arrive: {got:?}",
            p["id"]
        );
    }
    let rows = alert_rows(&db);
    assert_eq!(
        rows.len(),
        2,
        "the second run changed nothing: no new alert: {rows:?}"
    );
    assert!(rows.iter().all(|r| r.1 == "sent"), "{rows:?}");
    assert_eq!((rows[0].2, rows[1].2), (4, 1), "{rows:?}");
    assert!(!contains(&history_bytes(&db), SECRET));
}

/// Part 4: watch reloads an edited inventory: a valid edit (a second vendor) is audited in the next
/// round; a broken one is refused with file:line:column, the last good inventory stays in use,
/// rounds go on, and an `inventory-invalid` alert reaches the webhook.
#[test]
fn watch_reloads_a_valid_edit_and_keeps_the_last_good_inventory_on_a_broken_one() {
    if !lab() {
        return;
    }
    const APP: &str = "127.0.0.176:18080";
    const HOOK: &str = "127.0.0.177:18090";
    const HOOK_PATH: &str = "/hooks/SECRET-TOKEN-reload4";
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mode = d.join("mode");
    fs::write(&mode, "leaky\n").unwrap();
    let _app = formapp(APP, &mode, d);
    let out = d.join("received.jsonl");
    let _hook = webhook(HOOK, HOOK_PATH, 0, &out, d);
    let url = format!("http://{HOOK}{HOOK_PATH}");
    let config = d.join("vendors.toml");
    let one = format!(
        "{}{}",
        notify_webhook("VA_TEST_HOOK"),
        form_vendor("alpha", &format!("http://{APP}/apply"), None)
    );
    fs::write(&config, &one).unwrap();
    let db = d.join("history.db");
    let mut watch = Watch::start(
        d,
        &[
            "--config",
            config.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
            "--every",
            "1s",
            "--timeout",
            "1",
        ],
        &[("VA_TEST_HOOK", &url)],
    );
    let first = watch.wait_round(1, Duration::from_secs(20));
    assert_eq!(vendors_of_run(&db, &first.1), ["alpha"]);

    // A valid edit: a second vendor.
    let two = format!(
        "{one}{}",
        form_vendor("beta", &format!("http://{APP}/notyet"), None)
    );
    write_atomic(&config, &two);
    let reload_at = poll(Duration::from_secs(15), "the reload", || {
        watch.log().find("changed: reloaded (2 vendors)")
    });
    let after_reload = poll(Duration::from_secs(15), "a round after the reload", || {
        let log = watch.log();
        watch
            .rounds()
            .into_iter()
            .find(|r| log.find(&r.2).is_some_and(|at| at > reload_at))
    });
    assert!(
        after_reload.2.contains("(all assets)"),
        "{}",
        after_reload.2
    );
    assert_eq!(vendors_of_run(&db, &after_reload.1), ["alpha", "beta"]);

    // A broken edit: an unclosed table header on the last line.
    let broken = format!("{two}[[vendor]\n");
    let line = broken.lines().count();
    write_atomic(&config, &broken);
    let refused_at = poll(Duration::from_secs(15), "the refusal", || {
        watch.log().find("changed but does not load")
    });
    let log = watch.log();
    let place = format!("{}:{line}:9: error", config.display());
    assert!(log[refused_at..].contains(&place), "no {place}:\n{log}");
    let later = poll(Duration::from_secs(15), "a round after the refusal", || {
        let log = watch.log();
        watch
            .rounds()
            .into_iter()
            .find(|r| log.find(&r.2).is_some_and(|at| at > refused_at))
    });
    assert_eq!(
        vendors_of_run(&db, &later.1),
        ["alpha", "beta"],
        "the last good inventory: {}",
        later.2
    );
    let invalid = poll(
        Duration::from_secs(15),
        "the inventory-invalid alert",
        || {
            received(&out)
                .into_iter()
                .find(|a| a["body"]["kind"] == "inventory-invalid")
        },
    );
    let text = invalid["body"]["text"].as_str().unwrap();
    assert!(text.contains("does not load"), "{text}");
    assert!(text.contains(&format!(":{line}:9")), "{text}");
    // Refused once: the same broken bytes are not alerted on again each round.
    watch.wait_round(later.0 + 1, Duration::from_secs(15));
    let invalid_count = received(&out)
        .iter()
        .filter(|a| a["body"]["kind"] == "inventory-invalid")
        .count();
    assert_eq!(invalid_count, 1);

    // Undone (back to the inventory in use), then the same mistake again: news again.
    write_atomic(&config, &two);
    let undone = watch.rounds().last().unwrap().0;
    watch.wait_round(undone + 1, Duration::from_secs(15));
    write_atomic(&config, &broken);
    poll(
        Duration::from_secs(15),
        "a second inventory-invalid alert",
        || {
            (received(&out)
                .iter()
                .filter(|a| a["body"]["kind"] == "inventory-invalid")
                .count()
                == 2)
                .then_some(())
        },
    );
    assert_eq!(watch.log().matches("changed but does not load").count(), 2);

    watch.alive();
    let status = watch.child.terminate(Duration::from_secs(10));
    assert_eq!(status.code(), Some(0), "{}", watch.log());
    let log = watch.log();
    assert!(!log.contains(HOOK_PATH), "{log}");
    assert_eq!(fs::read_to_string(&watch.stdout).unwrap(), "");
}

/// Part 5: The `command` channel: a script gets the alert JSON on its standard input.
#[test]
fn the_notify_command_gets_the_alert_on_its_stdin() {
    if !lab() {
        return;
    }
    const APP: &str = "127.0.0.178:18080";
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mode = d.join("mode");
    fs::write(&mode, "leaky\n").unwrap();
    let _app = formapp(APP, &mode, d);
    let script = d.join("on-alert.sh");
    fs::write(&script, "#!/bin/sh\ncat >> \"$1\"\n").unwrap();
    let got = d.join("alerts-by-command.jsonl");
    let config = d.join("vendors.toml");
    fs::write(
        &config,
        format!(
            "[notify]\ncommand = [\"/bin/sh\", {:?}, {:?}]\nmin_severity = \"high\"\n{}",
            script.to_str().unwrap(),
            got.to_str().unwrap(),
            form_vendor("machi", &format!("http://{APP}/apply"), None)
        ),
    )
    .unwrap();
    let db = d.join("history.db");
    let (code, _, stderr) = run(&config, &db, &[]);
    assert_eq!(code, Some(1), "{stderr}");
    let text = fs::read_to_string(&got).expect("the command wrote what it got");
    let alerts: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(alerts.len(), 1, "{text}");
    assert_eq!(alerts[0]["source"], "vendor-audit");
    assert_eq!(alerts[0]["kind"], "changes");
    assert_eq!(alerts[0]["vendor"], "machi");
    assert!(
        has_change(&alerts[0], "new-failure", "form-plaintext"),
        "{text}"
    );
    let rows = alert_rows(&db);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1.as_str(), rows[0].2),
        ("command", "sent", 1)
    );
}
