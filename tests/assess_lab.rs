//! `vendor-audit assess` against the lab (issue 12): a candidate with a legacy TLS endpoint and
//! an open VNC server is graded F with those reasons as "must fix before contract"; a candidate
//! whose only endpoint is the modern one, with a current report that declares the truth, gets A.
//! Needs the lab (`bash tests/run-all.sh`): skipped unless VENDOR_AUDIT_LAB is set.

mod common;

use std::process::Command;

use serde_json::Value;

fn lab() -> bool {
    if std::env::var_os("VENDOR_AUDIT_LAB").is_none() {
        eprintln!("skipped: needs the lab (bash tests/run-all.sh)");
        return false;
    }
    true
}

fn assess(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vendor-audit"))
        .arg("assess")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_legacy_tls_endpoint_and_an_open_vnc_give_f_with_the_reasons() {
    if !lab() {
        return;
    }
    common::require_peer(common::TLS_LEGACY);
    common::require_peer(common::VNC_NONE);
    let (now, _) = common::now_and_fiscal_year();
    let ca = common::lab_ca_pem_path().unwrap();
    let resolve = format!(
        "{}={}",
        common::TLS_LEGACY_NAME,
        common::host_of(common::TLS_LEGACY)
    );
    let tls = format!(
        "{}:{}",
        common::TLS_LEGACY_NAME,
        common::port_of(common::TLS_LEGACY)
    );
    let base = [
        "--host",
        common::host_of(common::VNC_NONE),
        "--port",
        common::port_of(common::VNC_NONE),
        "--tls",
        &tls,
        "--resolve",
        &resolve,
        "--allow-private",
        "--trust",
        ca.to_str().unwrap(),
        "--now",
        &now,
        "--timeout",
        "5",
        "--no-history",
    ];
    let (code, table, stderr) = assess(&base);
    assert_eq!(code, 1, "critical failures exit 1:\n{table}{stderr}");
    println!("{table}");
    assert!(table.contains("grade F"), "{table}");
    let must = table
        .split("Must fix before contract")
        .nth(1)
        .and_then(|s| s.split("Should fix").next())
        .unwrap_or_default();
    for reason in ["vnc-no-auth", "vnc-exposed", "tls-legacy-protocol"] {
        assert!(must.contains(reason), "{reason} must be fixed:\n{table}");
    }
    // Each list is most severe first: the critical VNC before the high ones, medium before low.
    let should = table.split("Should fix").nth(1).unwrap_or_default();
    let at = |list: &str, what: &str| list.find(what).unwrap_or(usize::MAX);
    assert!(at(must, "[critical]") < at(must, "[high]"), "{table}");
    assert!(
        at(should, "[medium] tls-no-forward-secrecy") < at(should, "[low] tls-mozilla"),
        "{table}"
    );
    // The same in JSON, with the grade's reasons.
    let mut json = base.to_vec();
    json.extend(["--format", "json"]);
    let (_, out, summary) = assess(&json);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let v = &doc["vendors"][0];
    assert_eq!(v["id"], "candidate");
    assert_eq!(v["grade"], "F");
    let caps = v["grading"]["caps"].to_string();
    assert!(caps.contains("critical"), "{caps}");
    assert!(
        summary.contains("Must fix before contract"),
        "summary on stderr beside JSON"
    );
    // Nothing but the named targets was probed: the assets are exactly those.
    let targets: Vec<&str> = v["assets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] != "report")
        .map(|a| a["target"].as_str().unwrap())
        .collect();
    assert!(
        targets
            .iter()
            .all(|t| t.starts_with(common::host_of(common::VNC_NONE))
                || t.starts_with(common::TLS_LEGACY_NAME)),
        "{targets:?}"
    );
}

#[test]
fn a_clean_endpoint_with_a_current_true_report_gives_a() {
    if !lab() {
        return;
    }
    common::require_peer(common::TLS_MODERN);
    let (now, fy) = common::now_and_fiscal_year();
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("candidate.toml");
    std::fs::write(
        &report,
        format!(
            "vendor = \"candidate\"\nfiscal_year = {fy}\nsubmitted = {}-05-01\n[controls]\n\"tls.modern_protocols_only\" = true\n\"tls.strong_ciphers_only\" = true\n\"tls.valid_certificates\" = true\n",
            fy
        ),
    )
    .unwrap();
    let ca = common::lab_ca_pem_path().unwrap();
    let resolve = format!(
        "{}={}",
        common::TLS_MODERN_NAME,
        common::host_of(common::TLS_MODERN)
    );
    let tls = format!(
        "{}:{}",
        common::TLS_MODERN_NAME,
        common::port_of(common::TLS_MODERN)
    );
    let (code, table, stderr) = assess(&[
        "--tls",
        &tls,
        "--resolve",
        &resolve,
        "--allow-private",
        "--trust",
        ca.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "--now",
        &now,
        "--timeout",
        "5",
    ]);
    println!("{table}");
    assert_eq!(code, 0, "{table}{stderr}");
    assert!(table.contains("grade A"), "{table}");
    assert!(
        table.contains("Must fix before contract (critical, high) (0):"),
        "{table}"
    );
    for control in [
        "tls.modern_protocols_only",
        "tls.strong_ciphers_only",
        "tls.valid_certificates",
    ] {
        assert!(
            table.contains(control),
            "{control} in the verdicts:\n{table}"
        );
    }
}

#[test]
fn no_target_is_a_bad_invocation() {
    let (code, _, stderr) = assess(&["--no-history"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no target"), "{stderr}");
}
