//! Declarations that survive a flawed report, reports that are not current, waivers that verify
//! a control, and `validate` listing every error of a file at once (issue 10, parts 1 and 2).
//! Through the binary, as a user runs it. The SSH service here is a listener of this test on
//! 127.0.0.120 that sends the identification string the lab's OpenSSH 9.2 sshd sends (Debian
//! 12's `openssh-server`, seen at tests/common SSHD); tests/declarations_lab.rs shows the same
//! against that real sshd.

mod common;

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_vendor-audit");
/// Within FY2026 (Japan: 2026-04-01 to 2027-03-31).
const NOW: &str = "2026-11-26T10:00:00+09:00";
/// The identification string of the lab's sshd (OpenSSH 9.2p1 on Debian 12), RFC 4253 §4.2.
const OPENSSH_IDENT: &[u8] = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n";

/// Listens on 127.0.0.120 (this part's address range) and greets every client as the lab's
/// sshd does, keeping the connection open as sshd does while it waits for the client's string.
fn ssh_like_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.120:0").expect("bind 127.0.0.120");
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for mut stream in listener.incoming().flatten() {
            let _ = stream.write_all(OPENSSH_IDENT);
            held.push(stream);
        }
    });
    port
}

/// A folder with `vendors.toml` and the given reports.
fn setup(inventory: &str, reports: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vendors.toml");
    std::fs::write(&path, inventory).unwrap();
    for (name, text) in reports {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    (dir, path)
}

fn run(config: &Path, now: &str, format: &str) -> (Option<i32>, String, String) {
    let out = Command::new(BIN)
        .args(["run", "--format", format, "--now", now, "--config"])
        .arg(config)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn run_json(config: &Path, now: &str) -> Value {
    let (code, stdout, stderr) = run(config, now, "json");
    assert!(matches!(code, Some(0 | 1)), "exit {code:?}: {stderr}");
    serde_json::from_str(&stdout).expect("a JSON report")
}

fn validate(config: &Path, extra: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .arg("validate")
        .args(extra)
        .arg("--config")
        .arg(config)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Error {"),
        "{stderr}"
    );
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

fn findings<'a>(doc: &'a Value, vendor: &str, check: &str) -> Vec<&'a Value> {
    common::vendor_of(doc, vendor)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == check)
        .collect()
}

fn control<'a>(doc: &'a Value, vendor: &str, key: &str) -> &'a Value {
    common::vendor_of(doc, vendor)["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["control"] == key)
        .unwrap()
}

/// A typo'd key, an answer that is not a boolean, and two good declarations.
const FLAWED_REPORT: &str = "vendor = \"typo\"\nfiscal_year = 2026\nsubmitted = 2026-04-01\n\n[controls]\n\"remote_access.no_public_rpd\" = true\n\"remote_access.no_public_vnc\" = \"yes\"\n\"remote_access.ssh_restricted\" = true\n\"remote_access.no_cleartext_protocols\" = true\n";

#[test]
fn a_typo_and_a_wrong_type_do_not_hide_the_other_declarations() {
    let port = ssh_like_server();
    let (_dir, config) = setup(
        &format!("[[vendor]]\nid = \"typo\"\nreport = \"typo.toml\"\nhosts = [\"127.0.0.120\"]\nports = [{port}]\n"),
        &[("typo.toml", FLAWED_REPORT)],
    );
    let doc = run_json(&config, NOW);
    let vendor = common::vendor_of(&doc, "typo");
    assert_eq!(
        vendor["report"]["status"], "invalid",
        "{}",
        vendor["report"]
    );
    assert_eq!(vendor["report"]["fiscal_year"], 2026);

    let invalid = findings(&doc, "typo", "report-invalid");
    assert_eq!(invalid.len(), 1);
    assert_eq!(invalid[0]["status"], "fail");
    let message = invalid[0]["message"].as_str().unwrap();
    for expected in [
        "typo.toml:6:1: unknown control `remote_access.no_public_rpd` (did you mean `remote_access.no_public_rdp`?)",
        "typo.toml:7:1: `remote_access.no_public_vnc` must be answered true or false, found the string \"yes\"",
        "2 well-formed answers are still judged",
    ] {
        assert!(message.contains(expected), "`{expected}` not in: {message}");
    }

    // The good declarations are judged: SSH answers, so ssh_restricted is contradicted.
    let ssh = control(&doc, "typo", "remote_access.ssh_restricted");
    assert_eq!(ssh["declared"], true);
    assert_eq!(ssh["verdict"], "contradicted", "{ssh}");
    assert_eq!(
        ssh["reason"],
        format!("ssh-exposed fail on 127.0.0.120:{port}")
    );
    assert_eq!(
        common::verdict_of(&doc, "typo", "remote_access.no_cleartext_protocols"),
        "verified"
    );
    // The flawed answers count for nothing.
    for key in ["remote_access.no_public_rdp", "remote_access.no_public_vnc"] {
        assert_eq!(common::verdict_of(&doc, "typo", key), "undeclared", "{key}");
    }
    assert_eq!(doc["summary"]["contradicted"], 1);

    // The table shows the controls table with the contradiction.
    let (_, table, _) = run(&config, NOW, "table");
    let row = table
        .lines()
        .find(|l| l.contains("remote_access.ssh_restricted"))
        .unwrap_or_else(|| panic!("no controls row for ssh_restricted:\n{table}"));
    assert!(row.contains("contradicted"), "{row}\n{table}");
}

#[test]
fn a_report_of_another_vendor_loses_all_its_declarations() {
    let (_dir, config) = setup(
        "[[vendor]]\nid = \"mine\"\nreport = \"r.toml\"\n",
        &[(
            "r.toml",
            "vendor = \"someone-else\"\nfiscal_year = 2026\n[controls]\n\"patching.monthly_updates\" = true\n",
        )],
    );
    let doc = run_json(&config, NOW);
    assert_eq!(
        common::vendor_of(&doc, "mine")["report"]["status"],
        "invalid"
    );
    assert_eq!(
        common::verdict_of(&doc, "mine", "patching.monthly_updates"),
        "undeclared"
    );
    let message = findings(&doc, "mine", "report-invalid")[0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains("r.toml:1:10") && message.contains("none of its answers is counted"),
        "{message}"
    );
}

#[test]
fn every_fail_under_an_unexpired_waiver_verifies_the_control_and_an_expired_one_does_not() {
    let port = ssh_like_server();
    let (_dir, config) = setup(
        &format!(
            "[[vendor]]\nid = \"waived\"\nreport = \"waived.toml\"\nhosts = [\"127.0.0.120\"]\nports = [{port}]\n\
             [[vendor.waiver]]\ncheck = \"ssh-exposed\"\ntarget = \"127.0.0.120:{port}\"\n\
             reason = \"Contract clause 12: vendor maintenance over SSH with keys only\"\nexpires = 2027-03-31\n"
        ),
        &[(
            "waived.toml",
            "vendor = \"waived\"\nfiscal_year = 2026\n[controls]\n\"remote_access.ssh_restricted\" = true\n",
        )],
    );
    let doc = run_json(&config, NOW);
    let ssh = findings(&doc, "waived", "ssh-exposed");
    assert_eq!(
        (ssh.len(), &ssh[0]["status"], &ssh[0]["waived"]),
        (1, &"fail".into(), &true.into())
    );
    let verdict = control(&doc, "waived", "remote_access.ssh_restricted");
    assert_eq!(verdict["verdict"], "verified", "{verdict}");
    assert_eq!(
        verdict["reason"],
        format!("ssh-exposed fail on 127.0.0.120:{port} waived until 2027-03-31: Contract clause 12: vendor maintenance over SSH with keys only")
    );

    // The day after its last day the waiver no longer applies: the declaration is contradicted.
    let doc = run_json(&config, "2027-04-01T10:00:00+09:00");
    let verdict = control(&doc, "waived", "remote_access.ssh_restricted");
    assert_eq!(verdict["verdict"], "contradicted", "{verdict}");
    assert!(
        verdict["reason"]
            .as_str()
            .unwrap()
            .ends_with("(its waiver expired on 2027-03-31)"),
        "{verdict}"
    );
}

/// The message of the report-stale finding for a report of `fiscal_year` submitted on
/// `submitted`, judged at NOW (FY2026), after asserting the report's status and the finding's.
fn staleness(fiscal_year: i32, submitted: &str, expected: (&str, &str)) -> String {
    let (_dir, config) = setup(
        "[[vendor]]\nid = \"v\"\nreport = \"r.toml\"\n",
        &[(
            "r.toml",
            &format!("vendor = \"v\"\nfiscal_year = {fiscal_year}\nsubmitted = {submitted}\n[controls]\n\"patching.monthly_updates\" = true\n"),
        )],
    );
    let doc = run_json(&config, NOW);
    let stale = findings(&doc, "v", "report-stale");
    assert_eq!(stale.len(), 1);
    let message = stale[0]["message"].as_str().unwrap().to_owned();
    let status = &common::vendor_of(&doc, "v")["report"]["status"];
    assert_eq!(
        (
            status.as_str().unwrap(),
            stale[0]["status"].as_str().unwrap()
        ),
        expected,
        "FY{fiscal_year} submitted {submitted}: {message}"
    );
    message
}

#[test]
fn a_report_for_a_fiscal_year_not_begun_is_not_current() {
    assert_eq!(
        staleness(2027, "2026-11-01", ("stale", "fail")),
        "the report is for fiscal year 2027, which has not begun: the current fiscal year is 2026"
    );
}

#[test]
fn a_report_submitted_in_the_future_is_not_current() {
    let message = staleness(2026, "2027-01-10", ("stale", "fail"));
    assert!(
        message.contains("submitted on 2027-01-10")
            && message.contains("today is 2026-11-26")
            && message.contains("fiscal year 2026"),
        "{message}"
    );
}

#[test]
fn this_years_report_is_current_and_last_years_is_stale_as_before() {
    staleness(2026, "2026-04-01", ("current", "pass"));
    assert_eq!(
        staleness(2025, "2025-04-03", ("stale", "fail")),
        "the report is for fiscal year 2025; the current fiscal year is 2026"
    );
}

/// The `file:line:column` locations `validate` printed, in order.
fn locations(stderr: &str, file: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| {
            let rest = &l[l.find(&format!("{file}:"))? + file.len() + 1..];
            let mut parts = rest.splitn(3, ':');
            Some(format!("{}:{}", parts.next()?, parts.next()?))
        })
        .collect()
}

#[test]
fn validate_lists_every_error_of_the_inventory_in_one_go() {
    let (_dir, config) = setup(
        "[[vendor]]\nid = \"a\"\nhost = [\"x.example\"]\nports = [\"3389\"]\n\n[[vendor]]\nid = \"Bad Id\"\nports = [22, 0]\ntls = [\"portal.example:0\"]\n[[vendor.form]]\nurl = \"https://exa mple/apply\"\n[[vendor.form]]\nurl = \"https://-bad-/apply\"\nopens_at = \"tomorrow\"\n",
        &[],
    );
    let (code, _, stderr) = validate(&config, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(
        locations(&stderr, "vendors.toml"),
        ["3:1", "4:10", "7:6", "8:14", "9:8", "11:7", "13:7", "14:12"],
        "{stderr}"
    );
    for expected in [
        "error in `vendor[0].host`: unknown field `host`",
        "error in `vendor[0].ports`: invalid type: string \"3389\", expected u16",
        "error in `vendor[1].ports`: port 0 is not a port one can connect to",
        "error in `vendor[1].tls`: `portal.example:0` is not HOST:PORT",
        "error in `vendor[1].form[0].url`: `https://exa mple/apply`: its host is not a valid host name",
        "error in `vendor[1].form[1].url`: `https://-bad-/apply`: `-bad-` is not a valid host name",
        "error in `vendor[1].form[1].opens_at`",
    ] {
        assert!(stderr.contains(expected), "`{expected}` not in:\n{stderr}");
    }
}

#[test]
fn validate_lists_every_error_of_a_report_in_one_go() {
    let (_dir, config) = setup(
        "[[vendor]]\nid = \"typo\"\nreport = \"typo.toml\"\n",
        &[(
            "typo.toml",
            &FLAWED_REPORT.replace("fiscal_year = 2026", "fiscal_year = \"2026\""),
        )],
    );
    let (code, stdout, stderr) = validate(&config, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(
        locations(&stderr, "typo.toml"),
        ["2:15", "6:1", "7:1"],
        "{stderr}"
    );
    assert!(
        stderr.contains("did you mean `remote_access.no_public_rdp`?"),
        "{stderr}"
    );
    assert!(
        stdout.contains("its 2 well-formed answer(s) are still judged"),
        "{stdout}"
    );
}

#[test]
fn validate_lists_every_error_of_a_check_file_in_one_go() {
    let (dir, config) = setup("[[vendor]]\nid = \"a\"\n", &[]);
    let checks = dir.path().join("checks");
    std::fs::create_dir(&checks).unwrap();
    std::fs::write(
        checks.join("mine.toml"),
        "id = \"mine\"\nseverty = \"high\"\ntitle = 5\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["validate", "--checks"])
        .arg(&checks)
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(locations(&stderr, "mine.toml"), ["2:1", "3:9"], "{stderr}");
}

fn waiver_inventory(check: &str, target: &str, expires: &str) -> String {
    format!(
        "[[vendor]]\nid = \"a\"\nhosts = [\"x.example\"]\nports = [22]\ntls = [\"portal.example:443\"]\n\
         [[vendor.waiver]]\ncheck = \"{check}\"\ntarget = \"{target}\"\nreason = \"clause 12\"\nexpires = {expires}\n"
    )
}

#[test]
fn validate_refuses_a_waiver_of_an_unknown_check_or_of_no_asset_of_the_vendor() {
    let (_d1, config) = setup(
        &waiver_inventory("ssh-exposd", "x.example:22", "2027-03-31"),
        &[],
    );
    let (code, _, stderr) = validate(&config, &["--now", NOW]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("vendors.toml:7:9: error in `vendor[0].waiver[0].check`: no check `ssh-exposd` in the catalogue (did you mean `ssh-exposed`?)"),
        "{stderr}"
    );

    for target in ["x.example:2222", "y.example:22", "portal.example:443"] {
        let (_d2, config) = setup(&waiver_inventory("ssh-exposed", target, "2027-03-31"), &[]);
        let (code, _, stderr) = validate(&config, &["--now", NOW]);
        assert_eq!(code, 2, "{target}: {stderr}");
        assert!(
            stderr.contains(&format!("vendors.toml:8:10: error in `vendor[0].waiver[0].target`: `{target}` is not one of vendor `a`'s assets that `ssh-exposed` (host check) judges")),
            "{stderr}"
        );
    }

    for (check, target) in [
        ("ssh-exposed", "x.example:22"),
        ("ssh-exposed", "x.example"),
        ("tls-legacy-protocol", "portal.example:443"),
        ("report-stale", "report"),
    ] {
        let (_d3, config) = setup(&waiver_inventory(check, target, "2027-03-31"), &[]);
        let (code, _, stderr) = validate(&config, &["--now", NOW]);
        assert_eq!(code, 0, "{check} on {target}: {stderr}");
    }
}

#[test]
fn validate_warns_of_an_expired_waiver_and_still_passes() {
    let (_dir, config) = setup(
        &waiver_inventory("ssh-exposed", "x.example:22", "2026-03-31"),
        &[],
    );
    let (code, _, stderr) = validate(&config, &["--now", NOW]);
    assert_eq!(code, 0, "an expired waiver is a warning: {stderr}");
    assert!(
        stderr.contains("vendors.toml:10:11: warning in `vendor[0].waiver[0].expires`: this waiver of `ssh-exposed` on `x.example:22` expired on 2026-03-31 (today is 2026-11-26)"),
        "{stderr}"
    );
}
