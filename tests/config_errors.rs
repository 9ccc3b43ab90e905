//! Broken inventories and declarations: each gives exit 2 and a message with file:line:column,
//! the key, and what was expected — never a Rust debug dump.

use std::path::Path;
use std::process::Command;

fn validate(inventory: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vendors.toml");
    std::fs::write(&path, inventory).unwrap();
    run_validate(&path)
}

fn run_validate(path: &Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vendor-audit"))
        .args(["validate", "--config"])
        .arg(path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stderr.contains("Error {") && !stderr.contains("panicked"),
        "debug dump or panic:\n{stderr}"
    );
    (out.status.code().unwrap_or(-1), stderr)
}

/// Asserts exit 2 and a located message `vendors.toml:LINE:COL: error in `KEY``.
fn assert_located(inventory: &str, line: usize, column: usize, key: &str, expected: &str) {
    let (code, stderr) = validate(inventory);
    assert_eq!(code, 2, "{stderr}");
    let location = format!("vendors.toml:{line}:{column}: error in `{key}`");
    assert!(
        stderr.contains(&location),
        "expected `{location}` in:\n{stderr}"
    );
    assert!(
        stderr.contains(expected),
        "expected `{expected}` in:\n{stderr}"
    );
}

#[test]
fn unknown_key() {
    assert_located(
        "[[vendor]]\nid = \"a\"\nhost = [\"x.example\"]\n",
        3,
        1,
        "vendor[0].host",
        "unknown field `host`, expected one of",
    );
}

#[test]
fn wrong_type() {
    assert_located(
        "[[vendor]]\nid = \"a\"\nports = [\"3389\"]\n",
        3,
        10,
        "vendor[0].ports",
        "expected u16",
    );
}

#[test]
fn port_out_of_range() {
    assert_located(
        "[[vendor]]\nid = \"a\"\nports = [3389, 70000]\n",
        3,
        16,
        "vendor[0].ports",
        "u16",
    );
}

#[test]
fn bad_vendor_id() {
    assert_located(
        "[[vendor]]\nid = \"Kenko Zaidan\"\n",
        2,
        6,
        "vendor[0].id",
        "expected lowercase letters, digits and '-'",
    );
}

#[test]
fn duplicate_vendor() {
    assert_located(
        "[[vendor]]\nid = \"a\"\n\n[[vendor]]\nid = \"a\"\n",
        5,
        6,
        "vendor[1].id",
        "duplicate vendor id `a`",
    );
}

#[test]
fn unparseable_time() {
    assert_located(
        "[[vendor]]\nid = \"a\"\n[[vendor.form]]\nurl = \"https://f.example/apply\"\nopens_at = \"30 April 10:00\"\n",
        5,
        12,
        "vendor[0].form[0].opens_at",
        "expected",
    );
}

#[test]
fn unknown_time_zone() {
    assert_located(
        "[audit]\ntimezone = \"Tokyo\"\n",
        2,
        12,
        "audit.timezone",
        "expected an IANA name",
    );
}

#[test]
fn bad_resolve_address() {
    assert_located(
        "[audit.resolve]\n\"x.example\" = \"127.0.0.999\"\n",
        2,
        15,
        "audit.resolve.\"x.example\"",
        "is not an IP address",
    );
}

#[test]
fn bad_tls_endpoint() {
    assert_located(
        "[[vendor]]\nid = \"a\"\ntls = [\"portal.example\"]\n",
        3,
        8,
        "vendor[0].tls",
        "is not HOST:PORT",
    );
}

#[test]
fn toml_syntax_error() {
    let (code, stderr) = validate("[[vendor]]\nid = \"a\nname = \"b\"\n");
    assert_eq!(code, 2);
    assert!(stderr.contains("vendors.toml:2:"), "{stderr}");
}

#[test]
fn invalid_declaration_is_located_by_validate_but_is_a_finding_in_run() {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("vendors.toml");
    std::fs::write(&inv, "[[vendor]]\nid = \"a\"\nreport = \"r.toml\"\n").unwrap();
    std::fs::write(dir.path().join("r.toml"), "vendor = \"a\"\nfiscal_year = 2026\n[controls]\n\"remote_access.no_public_rdp\" = \"yes\"\n").unwrap();
    let (code, stderr) = run_validate(&inv);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("r.toml:4:"), "{stderr}");

    let out = Command::new(env!("CARGO_BIN_EXE_vendor-audit"))
        .args([
            "run",
            "--format",
            "json",
            "--now",
            "2026-11-26T12:00:00+09:00",
            "--config",
        ])
        .arg(&inv)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let vendor = &json["vendors"][0];
    assert_eq!(vendor["report"]["status"], "invalid");
    let finding = vendor["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "report-invalid")
        .unwrap();
    assert_eq!(finding["status"], "fail");
    assert!(
        finding["message"].as_str().unwrap().contains("r.toml:4:"),
        "{finding}"
    );
    assert_eq!(out.status.code(), Some(1), "a high-severity fail exits 1");
}

#[test]
fn unknown_vendor_on_the_command_line_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("vendors.toml");
    std::fs::write(&inv, "[[vendor]]\nid = \"a\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vendor-audit"))
        .args(["run", "--vendor", "b", "--config"])
        .arg(&inv)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no vendor `b`"));
}

#[test]
fn missing_trust_file_is_located() {
    assert_located(
        "[audit]\ntimezone = \"Asia/Tokyo\"\ntrust = [\"certs/none.pem\"]\n",
        3,
        10,
        "audit.trust[0]",
        "cannot read it",
    );
}

#[test]
fn trust_file_without_a_certificate_is_located() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.pem"), "not a certificate\n").unwrap();
    let path = dir.path().join("vendors.toml");
    std::fs::write(&path, "[audit]\ntrust = [\"ca.pem\"]\n").unwrap();
    let (code, stderr) = run_validate(&path);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("vendors.toml:2:10: error in `audit.trust[0]`")
            && stderr.contains("no certificate in it"),
        "{stderr}"
    );
}

#[test]
fn a_broken_check_stops_run_before_any_finding_without_waiting_for_the_probes() {
    // A tarpit: accepts, never answers. Probing it would take the whole TLS budget.
    let tarpit = std::net::TcpListener::bind("127.0.0.72:0").unwrap();
    let port = tarpit.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let checks = dir.path().join("checks");
    std::fs::create_dir(&checks).unwrap();
    std::fs::write(
        checks.join("broken.toml"),
        "id = \"broken\"\nseverity = \"loud\"\n",
    )
    .unwrap();
    let inventory = dir.path().join("vendors.toml");
    std::fs::write(
        &inventory,
        format!("[[vendor]]\nid = \"a\"\ntls = [\"127.0.0.72:{port}\"]\n"),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_vendor-audit"))
        .args(["run", "--timeout", "8", "--checks"])
        .arg(&checks)
        .arg("--config")
        .arg(&inventory)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("broken.toml:2:"), "{stderr}");
    assert!(out.stdout.is_empty(), "no report on broken checks");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(8),
        "waited {:?} for the probes of a run that cannot be judged",
        started.elapsed()
    );
    drop(tarpit);
}

#[test]
fn a_webhook_url_in_the_file_is_refused_and_never_echoed() {
    // Every mistake of [notify] at once; the URL (a secret token in its path) is masked in the
    // quoted line, so that the diagnostic itself does not leak it.
    let inventory = "[notify]\nwebhook_url = \"https://hooks.example/T0/SECRET-TOKEN\"\nwebhook_url_env = \"1BAD\"\nmin_severity = \"urgent\"\ncommand = []\n";
    let (code, stderr) = validate(inventory);
    assert_eq!(code, 2, "{stderr}");
    for (location, expected) in [
        (
            "vendors.toml:2:15: error in `notify.webhook_url`",
            "webhook_url_env",
        ),
        (
            "vendors.toml:3:19: error in `notify.webhook_url_env`",
            "not an environment variable name",
        ),
        (
            "vendors.toml:4:16: error in `notify.min_severity`",
            "expected one of `info`",
        ),
        (
            "vendors.toml:5:11: error in `notify.command`",
            "the program and its arguments",
        ),
    ] {
        assert!(
            stderr.contains(location),
            "expected `{location}` in:\n{stderr}"
        );
        assert!(
            stderr.contains(expected),
            "expected `{expected}` in:\n{stderr}"
        );
    }
    assert!(
        !stderr.contains("SECRET-TOKEN") && !stderr.contains("hooks.example"),
        "{stderr}"
    );
}

#[test]
fn a_notify_table_without_a_destination() {
    assert_located(
        "[notify]\nmin_severity = \"high\"\n",
        1,
        1,
        "notify",
        "names no destination",
    );
}
