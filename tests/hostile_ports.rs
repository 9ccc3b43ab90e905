//! Ports that misbehave: closed, a tarpit that accepts and never answers, one that answers
//! garbage. The run must end within its time budget, never panic, and never call what it could
//! not identify a `pass` (a tarpit is `error`; the DICOM/RDP detail checks are `skipped`).

use std::io::Write;
use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

/// Listens on 127.0.0.71:0-style free ports; keeps accepted sockets open for the test's life.
fn listener(answer: Option<&'static [u8]>) -> u16 {
    let l = TcpListener::bind("127.0.0.71:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for mut stream in l.incoming().flatten() {
            if let Some(bytes) = answer {
                let _ = stream.write_all(bytes);
            }
            held.push(stream); // a tarpit never answers nor closes
        }
    });
    port
}

fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.71:0").unwrap();
    l.local_addr().unwrap().port()
}

fn run(ports: &[u16], timeout_s: u64) -> (serde_json::Value, Duration) {
    let (out, elapsed) = run_as(ports, timeout_s, "json");
    (serde_json::from_str(&out).expect("JSON report"), elapsed)
}

/// Runs the audit of 127.0.0.71's `ports` and returns the report in `format`.
fn run_as(ports: &[u16], timeout_s: u64, format: &str) -> (String, Duration) {
    let list: Vec<String> = ports.iter().map(u16::to_string).collect();
    let inventory = format!(
        "[[vendor]]\nid = \"hostile\"\nhosts = [\"127.0.0.71\"]\nports = [{}]\n",
        list.join(", ")
    );
    run_inventory(&inventory, timeout_s, format)
}

/// Runs the audit of `inventory` and returns the report in `format`.
fn run_inventory(inventory: &str, timeout_s: u64, format: &str) -> (String, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("vendors.toml");
    std::fs::write(&inv, inventory).unwrap();
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_vendor-audit"))
        .args([
            "run",
            "--format",
            format,
            "--timeout",
            &timeout_s.to_string(),
            "--config",
        ])
        .arg(&inv)
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "exit {:?}: {stderr}",
        out.status.code()
    );
    (String::from_utf8(out.stdout).unwrap(), elapsed)
}

fn findings<'a>(json: &'a serde_json::Value, check: &str) -> Vec<&'a serde_json::Value> {
    json["vendors"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == check)
        .collect()
}

#[test]
fn a_tarpit_costs_one_budget_and_is_an_error_not_a_pass() {
    let tarpit = listener(None);
    let (json, elapsed) = run(&[tarpit], 2);
    assert!(
        elapsed < Duration::from_secs(2 + 3),
        "took {elapsed:?} for a 2 s budget"
    );
    let rdp = findings(&json, "rdp-exposed");
    assert_eq!(rdp.len(), 1, "{rdp:?}");
    assert_eq!(rdp[0]["status"], "error", "{}", rdp[0]);
    assert_eq!(rdp[0]["target"], format!("127.0.0.71:{tarpit}"));
    // Exposure checks cannot tell; neither can the protocol checks, whose `applies` reads the
    // protocol the silent port never showed: error, not a quiet skip.
    for check in ["dicom-exposed", "rdp-nla-not-enforced", "vnc-no-auth"] {
        let f = findings(&json, check);
        assert_eq!(f.len(), 1, "{check}: {f:?}");
        assert_eq!(f[0]["status"], "error", "{check}: {}", f[0]);
    }
    assert!(
        json["summary"]["pass"].as_u64().unwrap() <= 3,
        "only report checks may pass"
    );
}

#[test]
fn garbage_is_never_a_pass_but_an_error_that_shows_what_came() {
    let garbage = listener(Some(b"\x00\xff\xfegarbage\r\n\x1b[31m"));
    let (json, _) = run(&[garbage], 3);
    let service = json["vendors"][0]["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["target"] == format!("127.0.0.71:{garbage}"))
        .unwrap();
    assert!(
        service["facts"].get("service.protocol").is_none(),
        "{service}"
    );
    assert_eq!(
        service["facts"]["service.first_bytes"],
        "00fffe676172626167650d0a1b5b33316d"
    );
    // Open and unidentified: every exposure check of the port cannot tell, its control with it.
    for check in ["rdp-exposed", "vnc-exposed", "dicom-exposed", "ssh-exposed"] {
        let f = findings(&json, check);
        assert_eq!(f.len(), 1, "{check}: {f:?}");
        assert_eq!(f[0]["status"], "error", "{check}: {}", f[0]);
        let m = f[0]["message"].as_str().unwrap();
        assert!(
            m.starts_with(&format!("port {garbage} open, service not identified: it answered in none of the protocols we identify")),
            "{m}"
        );
    }
    let controls = json["vendors"][0]["controls"].as_array().unwrap();
    let rdp = controls
        .iter()
        .find(|c| c["control"] == "remote_access.no_public_rdp")
        .unwrap();
    assert_ne!(rdp["verdict"], "verified", "{rdp}");
}

#[test]
fn closed_ports_mean_nothing_exposed_and_detail_checks_skipped() {
    let (json, elapsed) = run(&[closed_port(), closed_port()], 3);
    assert!(
        elapsed < Duration::from_secs(3),
        "closed ports answer at once: {elapsed:?}"
    );
    assert_eq!(findings(&json, "rdp-exposed")[0]["status"], "pass");
    assert_eq!(findings(&json, "rdp-exposed")[0]["target"], "127.0.0.71");
    assert_eq!(findings(&json, "dicom-exposed")[0]["status"], "skipped");
}

#[test]
fn a_tarpit_is_one_error_row_in_the_table_and_markdown_with_the_reason_first() {
    let tarpit = listener(None);
    let target = format!("127.0.0.71:{tarpit}");
    let (json, _) = run(&[tarpit], 2);
    // The JSON keeps one finding per check (SPEC §10); each message starts with what happened.
    let errors: Vec<&serde_json::Value> = json["vendors"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "error")
        .collect();
    assert!(errors.len() > 10, "{errors:?}");
    for e in &errors {
        let m = e["message"].as_str().unwrap();
        assert!(
            m.starts_with("accepted the connection but answered nothing within"),
            "{}: {m}",
            e["check"]
        );
    }
    let (table, _) = run_as(&[tarpit], 2, "table");
    assert_eq!(table.matches(&target).count(), 1, "{table}");
    assert_eq!(table.matches("ERROR").count(), 1, "{table}");
    let row = table.split(&target).nth(1).unwrap();
    let reason = row.lines().nth(1).unwrap();
    assert!(reason.contains("accepted the connection but"), "{table}");
    assert!(
        row.contains(&format!("so {} check(s) cannot tell", errors.len())),
        "{table}"
    );
    let (markdown, _) = run_as(&[tarpit], 2, "markdown");
    let rows: Vec<&str> = markdown
        .lines()
        .filter(|l| l.contains(&format!("`{target}`")))
        .collect();
    assert_eq!(rows.len(), 1, "{markdown}");
    assert!(
        rows[0].contains("| accepted the connection but answered nothing within"),
        "{}",
        rows[0]
    );
    assert!(rows[0].contains("`rdp-exposed`") && rows[0].contains("`dicom-web-exposed`"));
}

#[test]
fn an_unidentified_open_port_is_one_error_row_that_says_so() {
    let garbage = listener(Some(b"\x00\xff\xfegarbage\r\n\x1b[31m"));
    let target = format!("127.0.0.71:{garbage}");
    let line = format!("port {garbage} open, service not identified");
    let (table, _) = run_as(&[garbage], 3, "table");
    // A table cell may wrap: compare with the borders and padding taken out.
    let flat: String = table
        .lines()
        .map(|l| l.trim_matches(|c: char| c == '│' || c.is_whitespace()))
        .map(|l| l.rsplit('┆').next().unwrap_or(l).trim())
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(table.matches(&target).count(), 1, "{table}");
    assert_eq!(table.matches("ERROR").count(), 1, "{table}");
    assert!(flat.contains(&format!("{target} {line}")), "{table}");
    assert!(flat.contains("first bytes 00fffe6761726261676"), "{table}");
    let (markdown, _) = run_as(&[garbage], 3, "markdown");
    let rows: Vec<&str> = markdown
        .lines()
        .filter(|l| l.contains(&format!("`{target}`")))
        .collect();
    assert_eq!(rows.len(), 1, "{markdown}");
    assert!(
        rows[0].contains("| ERROR |") && rows[0].contains(&line),
        "{}",
        rows[0]
    );
}

#[test]
fn an_out_of_scope_host_and_an_unreachable_tls_endpoint_are_one_error_row_each() {
    // `localhost` resolves to a loopback address, which is refused unless allowed; the TLS
    // endpoint's port is closed. Each leaves every check of its asset undecided.
    let closed = closed_port();
    let tls = format!("127.0.0.71:{closed}");
    let inventory =
        format!("[[vendor]]\nid = \"hostile\"\nhosts = [\"localhost\"]\ntls = [\"{tls}\"]\n");
    let (table, _) = run_inventory(&inventory, 2, "table");
    assert_eq!(table.matches("ERROR").count(), 2, "{table}");
    assert_eq!(table.matches(&tls).count(), 1, "{table}");
    let (_, row) = table.split_once("localhost").unwrap();
    assert!(row.contains("resolves to 127.0.0.1"), "{table}");
    let (markdown, _) = run_inventory(&inventory, 2, "markdown");
    let errors: Vec<&str> = markdown
        .lines()
        .filter(|l| l.contains("| ERROR |"))
        .collect();
    assert_eq!(errors.len(), 2, "{markdown}");
    assert!(errors
        .iter()
        .any(|l| l.contains("`localhost`") && l.contains("| `localhost` resolves to")));
}
