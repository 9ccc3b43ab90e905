//! `vendor-audit demo` replays the remote-access incident on loopback with no packages and no
//! root: the fixed check ids fail on the right targets and the false declarations are
//! contradicted. (The demo binds 127.0.0.31; this is the only test that starts it.)

use std::process::Command;

#[test]
fn demo_finds_the_incident_and_contradicts_the_false_report() {
    let _guard = DEMO.lock().unwrap_or_else(|p| p.into_inner());
    let out = Command::new(env!("CARGO_BIN_EXE_vendor-audit"))
        .args([
            "demo",
            "--format",
            "json",
            "--now",
            "2026-11-26T10:00:00+09:00",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "the demo exits 0 when it ran: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let vendor = |id: &str| {
        json["vendors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["id"] == id)
            .unwrap()
            .clone()
    };
    let kenko = vendor("kenko-zaidan");
    let status = |check: &str, target: &str| {
        kenko["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["check"] == check && f["target"] == target)
            .map(|f| f["status"].as_str().unwrap().to_owned())
            .unwrap_or_else(|| panic!("no {check} on {target}"))
    };
    let host = "xray-reading.kenko-zaidan.example";
    for (check, port) in [
        ("rdp-exposed", 3389),
        ("rdp-nla-not-enforced", 3389),
        ("rdp-standard-security", 3389),
        ("rdp-ntlm-info-leak", 3389),
        ("vnc-exposed", 5900),
        ("vnc-no-auth", 5900),
        ("dicom-exposed", 4242),
    ] {
        assert_eq!(status(check, &format!("{host}:{port}")), "fail", "{check}");
    }
    assert_eq!(
        status("smb-exposed", host),
        "pass",
        "445 is closed in the demo"
    );
    for control in [
        "remote_access.no_public_rdp",
        "remote_access.rdp_nla_enforced",
        "remote_access.no_pre_login_disclosure",
        "remote_access.no_public_vnc",
        "remote_access.vnc_authentication",
        "remote_access.dicom_restricted",
    ] {
        let c = kenko["controls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["control"] == control)
            .unwrap();
        assert_eq!(c["verdict"], "contradicted", "{control}");
    }
    assert_eq!(vendor("machi-web")["report"]["status"], "stale");
    assert_eq!(vendor("sakura-print")["report"]["status"], "missing");
}

#[test]
fn the_demo_table_fits_100_columns_in_japanese_too() {
    let _guard = DEMO.lock().unwrap_or_else(|p| p.into_inner());
    let out = Command::new(env!("CARGO_BIN_EXE_vendor-audit"))
        .args(["demo", "--lang", "ja"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("リモートデスクトップ"), "{text}");
    assert!(text.contains("申告と矛盾"), "{text}");
}

/// Each demo binds the same fixed addresses: the tests take turns.
static DEMO: std::sync::Mutex<()> = std::sync::Mutex::new(());
