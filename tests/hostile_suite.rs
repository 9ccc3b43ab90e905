//! The adversarial suite (issue 13): servers that misbehave on purpose (tests/peers/hostile.py,
//! one mode per case), all judged in one inventory by one `vendor-audit run`. Every case must end
//! `error` or its correct verdict, never a pass it did not earn; the run must take about one
//! timeout per silent asset, keep its memory small, and never touch the canary listeners on
//! addresses and ports the inventory does not list (nor the proxy the environment names).
//!
//! `cargo test --test hostile_suite -- --ignored --nocapture each_case_alone` runs every case in
//! a run of its own and prints its outcome, wall time and peak RSS (the figures of the note).

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The suite needs python3 and openssl, which tests/run-all.sh installs: it runs when
/// VENDOR_AUDIT_LAB is set, as run-all.sh does.
fn lab() -> bool {
    std::env::var_os("VENDOR_AUDIT_LAB").is_some()
}

/// The run's `--timeout`: every figure below is in units of it.
const TIMEOUT_S: u64 = 4;
/// Judged at a fixed instant, before every form's go-live.
const NOW: &str = "2026-12-01T10:00:00+09:00";

#[derive(Clone, Copy, PartialEq)]
enum Asset {
    Host,
    Tls,
    Form,
}

/// One hostile server and what the audit must conclude about it.
struct Case {
    vendor: &'static str,
    /// `MODE@IP:PORT` for tests/peers/hostile.py.
    listener: &'static str,
    asset: Asset,
    /// (check, the statuses allowed, a text its message must contain).
    expect: &'static [(&'static str, &'static [&'static str], &'static str)],
    /// No finding on the asset may pass: every fact came from the hostile server.
    never_pass: bool,
}

const ERROR: &[&str] = &["error"];
const FAIL: &[&str] = &["fail"];
const NOT_PASS: &[&str] = &["fail", "error"];

const fn case(
    vendor: &'static str,
    listener: &'static str,
    asset: Asset,
    expect: &'static [(&'static str, &'static [&'static str], &'static str)],
) -> Case {
    Case {
        vendor,
        listener,
        asset,
        expect,
        never_pass: true,
    }
}

#[rustfmt::skip]
const CASES: &[Case] = &[
    // ---- host ports: the sweep ----
    case("x224-huge", "x224-huge@127.0.0.210:3389", Asset::Host, &[("rdp-exposed", ERROR, "read as TPKT (RDP), its header claims 64 KiB")]),
    case("flood", "flood@127.0.0.211:3389", Asset::Host, &[("rdp-exposed", ERROR, "port 3389 open, service not identified")]),
    case("dicom-huge", "dicom-huge@127.0.0.212:104", Asset::Host, &[("dicom-exposed", ERROR, "read as DICOM PDU, its header claims 4 GiB")]),
    case("dicom-broken", "dicom-broken-items@127.0.0.213:104", Asset::Host, &[("dicom-exposed", ERROR, "port 104 open, service not identified")]),
    case("ssh-endless", "ssh-endless-line@127.0.0.214:22", Asset::Host, &[("ssh-exposed", NOT_PASS, "")]),
    case("ssh-slow", "one-byte-a-second@127.0.0.215:22", Asset::Host, &[("ssh-exposed", NOT_PASS, "")]),
    case("mysql-16mb", "mysql-16mb@127.0.0.216:3306", Asset::Host, &[("database-exposed", ERROR, "read as MySQL, its header claims 16 MiB")]),
    case("smb-16mb", "smb-16mb@127.0.0.217:445", Asset::Host, &[("smb-exposed", ERROR, "read as SMB, its header claims 16 MiB")]),
    case("reset", "reset@127.0.0.218:3389", Asset::Host, &[("rdp-exposed", ERROR, "reset")]),
    case("tarpit", "tarpit@127.0.0.219:3389", Asset::Host, &[("rdp-exposed", ERROR, "answered nothing")]),
    case("garbage", "garbage@127.0.0.220:5900", Asset::Host, &[("vnc-exposed", ERROR, "port 5900 open, service not identified")]),
    Case { never_pass: false, ..case("rfb-255", "rfb-255-types@127.0.0.221:5900", Asset::Host, &[("vnc-no-auth", FAIL, "types [2, 1]"), ("vnc-exposed", FAIL, "security types [VNC Authentication, None]")]) },
    // ---- TLS endpoints ----
    case("tls-silent", "tarpit@127.0.0.222:8443", Asset::Tls, &[("tls-legacy-protocol", ERROR, ""), ("tls-cert-expired", ERROR, "")]),
    case("tls-claims-16mb", "tls-claims-16mb@127.0.0.222:8444", Asset::Tls, &[("tls-legacy-protocol", ERROR, "")]),
    case("tls-hello-garbage", "tls-hello-then-garbage@127.0.0.222:8445", Asset::Tls, &[("tls-legacy-protocol", ERROR, "")]),
    case("tls-reset", "tls-reset-mid-handshake@127.0.0.222:8446", Asset::Tls, &[("tls-legacy-protocol", ERROR, "")]),
    case("tls-alert", "tls-alert@127.0.0.222:8448", Asset::Tls, &[("tls-legacy-protocol", ERROR, "")]),
    case("tls-1000-certs", "tls-1000-certs@127.0.0.222:8447", Asset::Tls, &[("tls-cert-untrusted", NOT_PASS, "")]),
    // ---- web forms (plain HTTP: form-plaintext fails on each, rightly) ----
    Case { never_pass: false, ..case("gzip-pii", "http-gzip-pii@127.0.0.223:18001", Asset::Form, &[("form-prefilled-pii", FAIL, ""), ("form-open-before-go-live", FAIL, "")]) },
    Case { never_pass: false, ..case("deflate-pii", "http-deflate-pii@127.0.0.223:18002", Asset::Form, &[("form-prefilled-pii", FAIL, ""), ("form-open-before-go-live", FAIL, "")]) },
    Case { never_pass: false, ..case("sjis-pii", "http-sjis-pii@127.0.0.223:18003", Asset::Form, &[("form-prefilled-pii", FAIL, "")]) },
    Case { never_pass: false, ..case("bad-utf8-pii", "http-bad-utf8-pii@127.0.0.223:18004", Asset::Form, &[("form-prefilled-pii", FAIL, "")]) },
    Case { never_pass: false, ..case("gzip-bomb", "http-gzip-bomb@127.0.0.223:18005", Asset::Form, &[("form-prefilled-pii", ERROR, ""), ("form-open-before-go-live", NOT_PASS, "")]) },
    Case { never_pass: false, ..case("unknown-encoding", "http-unknown-encoding@127.0.0.223:18006", Asset::Form, &[("form-prefilled-pii", ERROR, "")]) },
    Case { never_pass: false, ..case("deep-200k", "http-deep-200k@127.0.0.223:18007", Asset::Form, &[("form-prefilled-pii", ERROR, "nested")]) },
    Case { never_pass: false, ..case("deep-400k", "http-deep-400k@127.0.0.223:18008", Asset::Form, &[("form-prefilled-pii", ERROR, "nested")]) },
    Case { never_pass: false, ..case("inputs-100k", "http-inputs-100k@127.0.0.223:18009", Asset::Form, &[("form-prefilled-pii", ERROR, "more than 50000 elements")]) },
    Case { never_pass: false, ..case("cookies-10k", "http-cookies-10k@127.0.0.223:18010", Asset::Form, &[("form-prefilled-pii", NOT_PASS, ""), ("form-cookie-flags", NOT_PASS, "")]) },
    case("huge-headers", "http-huge-headers@127.0.0.223:18011", Asset::Form, &[("form-prefilled-pii", ERROR, "")]),
    case("long-header-line", "http-long-header-line@127.0.0.223:18012", Asset::Form, &[("form-prefilled-pii", ERROR, "")]),
    Case { never_pass: false, ..case("huge-body", "http-huge-body@127.0.0.223:18013", Asset::Form, &[("form-prefilled-pii", ERROR, "")]) },
    Case { never_pass: false, ..case("endless-chunked", "http-endless-chunked@127.0.0.223:18014", Asset::Form, &[("form-prefilled-pii", ERROR, "")]) },
    case("redirect-loop", "redirect=http://127.0.0.223:18015/apply@127.0.0.223:18015", Asset::Form, &[("form-prefilled-pii", ERROR, "")]),
    case("redirect-other-address", "redirect=http://127.0.0.229/apply@127.0.0.223:18016", Asset::Form, &[("form-prefilled-pii", ERROR, "refused"), ("form-cacheable", ERROR, "refused"), ("form-cookie-flags", ERROR, "refused"), ("form-shared-cache", ERROR, "refused")]),
    case("redirect-other-port", "redirect=http://127.0.0.223:18099/apply@127.0.0.223:18017", Asset::Form, &[("form-prefilled-pii", ERROR, "refused"), ("form-cacheable", ERROR, "refused")]),
    case("redirect-private-name", "redirect=http://canary.lab.test:8080/apply@127.0.0.223:18018", Asset::Form, &[("form-prefilled-pii", ERROR, "refused")]),
    case("form-silent", "tarpit@127.0.0.223:18019", Asset::Form, &[("form-prefilled-pii", ERROR, ""), ("form-cacheable", ERROR, "")]),
    // The leak probe's POST is redirected to an unlisted address: not followed, not judged.
    Case { never_pass: false, ..case("leak-escape", "http-leak-escape@127.0.0.223:18020", Asset::Form, &[("form-cross-session-leak", ERROR, "redirected outside the vendor")]) },
];

/// Listeners the audit must never touch: unlisted addresses, unlisted ports of listed hosts,
/// the name a redirect points to, and the proxy the environment names.
const CANARIES: &[&str] = &[
    "canary@127.0.0.229:80",
    "canary@127.0.0.229:443",
    "canary@127.0.0.229:3389",
    "canary@127.0.0.229:8080",
    "canary@127.0.0.229:3128",
    "canary@127.0.0.223:18099",
    "canary@127.0.0.210:3390",
    "canary@127.0.0.222:9443",
];
const PROXY: &str = "http://127.0.0.229:3128";

fn addr(listener: &str) -> &str {
    listener.rsplit('@').next().unwrap_or_default()
}

/// The hostile servers, killed when dropped.
struct Servers {
    child: Child,
    log: std::path::PathBuf,
}

impl Drop for Servers {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Servers {
    fn start(dir: &Path, listeners: &[&str]) -> Servers {
        let log = dir.join("connections.jsonl");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/hostile.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(&log)
            .args(listeners)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs tests/peers/hostile.py");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("piped stdout");
        // Blocks until every listener is bound (or the script died).
        let _ = BufReader::new(stdout).read_line(&mut line);
        assert_eq!(line.trim(), "ready", "hostile.py did not start: {line:?}");
        Servers { child, log }
    }

    /// Which listeners were connected to, with how many connections.
    fn touched(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for l in std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
        {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
            *out.entry(v["listener"].as_str().unwrap_or_default().to_owned())
                .or_insert(0) += 1;
        }
        out
    }
}

/// The inventory of `cases`, and one annual report per vendor declaring every control true.
fn inventory(dir: &Path, cases: &[&Case]) -> std::path::PathBuf {
    let mut toml = String::from(
        "[audit]\ntimezone = \"Asia/Tokyo\"\nallow_private = true\n\n[audit.resolve]\n\"canary.lab.test\" = \"127.0.0.229\"\n\n",
    );
    let controls = [
        "remote_access.no_public_rdp",
        "remote_access.rdp_nla_enforced",
        "remote_access.no_pre_login_disclosure",
        "remote_access.no_public_vnc",
        "remote_access.vnc_authentication",
        "remote_access.dicom_restricted",
        "remote_access.no_public_file_sharing",
        "remote_access.ssh_restricted",
        "tls.modern_protocols_only",
        "tls.strong_ciphers_only",
        "tls.valid_certificates",
        "web_forms.no_store_on_personal_pages",
        "web_forms.publication_schedule_enforced",
        "web_forms.https_only",
    ];
    for c in cases {
        let report = dir.join(format!("report-{}.toml", c.vendor));
        let mut r = format!(
            "vendor = \"{}\"\nfiscal_year = 2026\nsubmitted = 2026-04-01\n\n[controls]\n",
            c.vendor
        );
        for k in controls {
            r.push_str(&format!("\"{k}\" = true\n"));
        }
        std::fs::write(&report, r).unwrap();
        let a = addr(c.listener);
        toml.push_str(&format!(
            "[[vendor]]\nid = \"{}\"\nname = \"hostile {}\"\nreport = \"{}\"\n",
            c.vendor,
            c.vendor,
            report.display()
        ));
        match c.asset {
            Asset::Host => {
                let (host, port) = a.rsplit_once(':').unwrap();
                toml.push_str(&format!("hosts = [\"{host}\"]\nports = [{port}]\n\n"));
            }
            Asset::Tls => toml.push_str(&format!("tls = [\"{a}\"]\n\n")),
            Asset::Form => {
                toml.push_str(&format!(
                    "[[vendor.form]]\nurl = \"http://{a}/apply\"\nopens_at = 2030-01-01T10:00:00\n"
                ));
                if c.vendor == "leak-escape" {
                    toml.push_str(&format!(
                        "[vendor.form.leak_probe]\nsubmit = \"http://{a}/apply/confirm\"\nview = \"http://{a}/apply/edit\"\nfields = {{ name = \"{{canary}}\" }}\n"
                    ));
                }
                toml.push('\n');
            }
        }
    }
    let path = dir.join("vendors.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

/// What one `vendor-audit run` gave: the JSON report, its wall time, its peak RSS (KiB).
struct Ran {
    json: serde_json::Value,
    wall: Duration,
    max_rss_kib: i64,
}

/// Runs the audit as a child and measures it (wait4: the child's own peak RSS).
// The child is reaped by wait4 below, which std's Child cannot see.
#[allow(clippy::zombie_processes)]
fn run(config: &Path) -> Ran {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vendor-audit"))
        .args(["run", "--format", "json", "--no-history", "--now", NOW])
        .args(["--timeout", &TIMEOUT_S.to_string(), "--config"])
        .arg(config)
        // A proxy in the environment must not be used: the audit talks to the vendor itself.
        .env("http_proxy", PROXY)
        .env("HTTP_PROXY", PROXY)
        .env("https_proxy", PROXY)
        .env("HTTPS_PROXY", PROXY)
        .env("ALL_PROXY", PROXY)
        .env("all_proxy", PROXY)
        .env_remove("no_proxy")
        .env_remove("NO_PROXY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("vendor-audit runs");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let mut out = Vec::new();
    stdout.read_to_end(&mut out).unwrap();
    let pid = i32::try_from(child.id()).unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our child, not yet waited for; both pointers are to live locals.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4");
    let wall = started.elapsed();
    let stderr = err_reader.join().unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let code = libc::WEXITSTATUS(status);
    assert!(
        libc::WIFEXITED(status) && matches!(code, 0 | 1),
        "exit status {status:#x}: {stderr}"
    );
    let json =
        serde_json::from_slice(&out).unwrap_or_else(|e| panic!("JSON report: {e}: {stderr}"));
    Ran {
        json,
        wall,
        max_rss_kib: usage.ru_maxrss,
    }
}

fn vendor<'a>(json: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    common::vendor_of(json, id)
}

/// Checks one case's findings and controls; returns a one-line outcome for people.
fn judge_case(json: &serde_json::Value, c: &Case) -> Result<String, String> {
    let v = vendor(json, c.vendor);
    let findings: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            !f["check"]
                .as_str()
                .unwrap_or_default()
                .starts_with("report-")
        })
        .collect();
    let mut outcome = Vec::new();
    for (check, allowed, contains) in c.expect {
        let of: Vec<_> = findings.iter().filter(|f| f["check"] == *check).collect();
        if of.is_empty() {
            return Err(format!("{}: no {check} finding", c.vendor));
        }
        for f in &of {
            let status = f["status"].as_str().unwrap_or_default();
            let message = f["message"].as_str().unwrap_or_default();
            if !allowed.contains(&status) {
                return Err(format!(
                    "{}: {check} is {status}, expected {allowed:?}: {message}",
                    c.vendor
                ));
            }
            if !message.contains(contains) {
                return Err(format!(
                    "{}: {check} message lacks {contains:?}: {message}",
                    c.vendor
                ));
            }
            outcome.push(format!(
                "{check} {status}: {}",
                message.chars().take(110).collect::<String>()
            ));
        }
    }
    if c.never_pass {
        if let Some(f) = findings.iter().find(|f| f["status"] == "pass") {
            return Err(format!(
                "{}: {} passed on a hostile answer: {}",
                c.vendor, f["check"], f["message"]
            ));
        }
    }
    // A check that could not tell makes its control unverifiable, never verified.
    for control in v["controls"].as_array().unwrap() {
        let key = control["control"].as_str().unwrap_or_default();
        let errored = findings
            .iter()
            .any(|f| f["control"] == key && f["status"] == "error");
        if errored && control["verdict"] == "verified" {
            return Err(format!("{}: {key} verified despite an error", c.vendor));
        }
    }
    Ok(outcome.join(" | "))
}

fn listeners(cases: &[&Case]) -> Vec<&'static str> {
    cases
        .iter()
        .map(|c| c.listener)
        .chain(CANARIES.iter().copied())
        .collect()
}

#[test]
fn every_hostile_server_in_one_run_ends_as_error_or_its_verdict_never_an_unearned_pass() {
    if !lab() {
        eprintln!("VENDOR_AUDIT_LAB not set: hostile suite skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<&Case> = CASES.iter().collect();
    let servers = Servers::start(dir.path(), &listeners(&cases));
    let config = inventory(dir.path(), &cases);
    let ran = run(&config);
    let touched = servers.touched();
    eprintln!(
        "hostile suite: {} cases in one run: wall {:.1} s (timeout {TIMEOUT_S} s), peak RSS {} MiB",
        cases.len(),
        ran.wall.as_secs_f64(),
        ran.max_rss_kib / 1024
    );
    let mut failures = Vec::new();
    for c in &cases {
        match judge_case(&ran.json, c) {
            Ok(outcome) => eprintln!("  {:<24} {outcome}", c.vendor),
            Err(e) => failures.push(e),
        }
    }
    for canary in CANARIES {
        if let Some(n) = touched.get(*canary) {
            failures.push(format!(
                "{canary} was connected to {n} time(s): outside the scope"
            ));
        }
    }
    for c in &cases {
        if !touched.contains_key(c.listener) {
            failures.push(format!("{}: its server was never reached", c.vendor));
        }
    }
    // Assets are probed at once and a silent one costs one timeout: the whole run takes about
    // one timeout (4.4 s here at 4 s), not one per case or per attempt (20 s before issue 13).
    let budget = Duration::from_secs(TIMEOUT_S * 2 + 4);
    if ran.wall > budget {
        failures.push(format!("the run took {:?}, more than {budget:?}", ran.wall));
    }
    // 40 MiB here; each page is analysed under the HTML caps (about 60 MiB at the cap).
    if ran.max_rss_kib > 160 * 1024 {
        failures.push(format!(
            "peak RSS {} MiB, more than 160 MiB",
            ran.max_rss_kib / 1024
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
#[ignore = "prints the figures of each case alone: run with --ignored --nocapture"]
fn each_case_alone() {
    let dir = tempfile::tempdir().unwrap();
    let all: Vec<&Case> = CASES.iter().collect();
    let servers = Servers::start(dir.path(), &listeners(&all));
    println!("| case | outcome | wall (s) | peak RSS (MiB) |\n|---|---|---|---|");
    for c in CASES {
        let sub = dir.path().join(c.vendor);
        std::fs::create_dir_all(&sub).unwrap();
        let config = inventory(&sub, &[c]);
        let ran = run(&config);
        let outcome = judge_case(&ran.json, c).unwrap_or_else(|e| format!("WRONG: {e}"));
        println!(
            "| {} | {} | {:.1} | {} |",
            c.vendor,
            outcome.replace('|', "/"),
            ran.wall.as_secs_f64(),
            ran.max_rss_kib / 1024
        );
    }
    let touched = servers.touched();
    let canaries: Vec<_> = CANARIES
        .iter()
        .filter(|c| touched.contains_key(**c))
        .collect();
    println!("canaries touched: {canaries:?}");
}
