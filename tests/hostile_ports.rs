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
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("vendors.toml");
    let list: Vec<String> = ports.iter().map(u16::to_string).collect();
    std::fs::write(
        &inv,
        format!(
            "[[vendor]]\nid = \"hostile\"\nhosts = [\"127.0.0.71\"]\nports = [{}]\n",
            list.join(", ")
        ),
    )
    .unwrap();
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_vendor-audit"))
        .args([
            "run",
            "--format",
            "json",
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
    (
        serde_json::from_slice(&out.stdout).expect("JSON report"),
        elapsed,
    )
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
fn garbage_is_identified_as_unknown_and_nothing_panics() {
    let garbage = listener(Some(b"\x00\xff\xfegarbage\r\n\x1b[31m"));
    let (json, _) = run(&[garbage], 3);
    let service = json["vendors"][0]["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["target"] == format!("127.0.0.71:{garbage}"))
        .unwrap();
    assert_eq!(service["facts"]["service.protocol"], "unknown", "{service}");
    assert_eq!(findings(&json, "rdp-exposed")[0]["status"], "pass");
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
