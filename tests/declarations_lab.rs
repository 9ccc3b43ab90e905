//! Issue 10 parts 1 and 2 against the lab's real OpenSSH sshd (tests/peers/start.sh): a report
//! with a misspelt control key and an answer that is not a boolean still has its good
//! declaration judged (SSH answers: contradicted), and the same failure under an unexpired
//! waiver verifies the control, naming the waiver and its expiry.

mod common;

use std::sync::OnceLock;

use serde_json::Value;

/// A typo'd key (`rpd`), a string answer, and a declaration the sshd contradicts.
const FLAWED_REPORT: &str = "vendor = \"VENDOR\"\nfiscal_year = 2026\nsubmitted = 2026-04-01\n[controls]\n\"remote_access.no_public_rpd\" = true\n\"remote_access.no_public_vnc\" = \"yes\"\n\"remote_access.ssh_restricted\" = true\n";

fn audit() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        common::require_peer(common::SSHD);
        let (host, port) = common::SSHD.split_once(':').unwrap();
        let dir = tempfile::tempdir().unwrap();
        let inventory = format!(
            "[[vendor]]\nid = \"ssh-typo\"\nreport = \"ssh-typo.toml\"\nhosts = [\"{host}\"]\nports = [{port}]\n\n\
             [[vendor]]\nid = \"ssh-typo-waived\"\nreport = \"ssh-typo-waived.toml\"\nhosts = [\"{host}\"]\nports = [{port}]\n\
             [[vendor.waiver]]\ncheck = \"ssh-exposed\"\ntarget = \"{}\"\nreason = \"Contract clause 12: maintenance over SSH with keys only\"\nexpires = 2027-03-31\n",
            common::SSHD
        );
        std::fs::write(dir.path().join("vendors.toml"), inventory).unwrap();
        for id in ["ssh-typo", "ssh-typo-waived"] {
            std::fs::write(
                dir.path().join(format!("{id}.toml")),
                FLAWED_REPORT.replace("VENDOR", id),
            )
            .unwrap();
        }
        // report-invalid is high: exit 1.
        common::run_json(
            env!("CARGO_BIN_EXE_vendor-audit"),
            &["--now", "2026-11-26T10:00:00+09:00"],
            &dir.path().join("vendors.toml"),
            1,
        )
    })
}

fn verdict(vendor: &str, key: &str) -> &'static Value {
    common::vendor_of(audit(), vendor)["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["control"] == key)
        .unwrap()
}

#[test]
fn a_typo_does_not_hide_the_contradiction_the_real_sshd_shows() {
    let vendor = common::vendor_of(audit(), "ssh-typo");
    assert_eq!(vendor["report"]["status"], "invalid");
    let invalid = vendor["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "report-invalid")
        .unwrap();
    assert_eq!(invalid["status"], "fail");
    let message = invalid["message"].as_str().unwrap();
    assert!(
        message.contains("ssh-typo.toml:5:1: unknown control `remote_access.no_public_rpd` (did you mean `remote_access.no_public_rdp`?)")
            && message.contains("ssh-typo.toml:6:1: `remote_access.no_public_vnc` must be answered true or false"),
        "{message}"
    );
    let ssh = verdict("ssh-typo", "remote_access.ssh_restricted");
    assert_eq!(ssh["verdict"], "contradicted", "{ssh}");
    assert_eq!(
        ssh["reason"],
        format!("ssh-exposed fail on {}", common::SSHD)
    );
}

#[test]
fn the_same_failure_under_a_waiver_verifies_the_control() {
    let ssh = verdict("ssh-typo-waived", "remote_access.ssh_restricted");
    assert_eq!(ssh["verdict"], "verified", "{ssh}");
    assert_eq!(
        ssh["reason"],
        format!(
            "ssh-exposed fail on {} waived until 2027-03-31: Contract clause 12: maintenance over SSH with keys only",
            common::SSHD
        )
    );
    assert_eq!(
        common::vendor_of(audit(), "ssh-typo-waived")["report"]["status"],
        "invalid"
    );
}
