//! End to end against the real peers the test script starts on loopback (tests/peers/start.sh):
//! xrdp in its three security layers, FreeRDP's shadow server with NLA enforced, Xtigervnc with
//! and without a password, two Orthanc PACS and dcmtk's storescp, OpenSSH. One `vendor-audit run
//! --format json` audits them all as vendors whose declarations the evidence must contradict,
//! verify or leave admitted.

mod common;

use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

const INVENTORY: &str = r#"
[audit]
timezone = "Asia/Tokyo"

[audit.resolve]
"pacs-web.lab.test" = "127.0.0.132"

[[vendor]]
id = "xrdp-negotiate"
report = "xrdp-negotiate.toml"
hosts = ["127.0.0.61"]
ports = [13389, 13390]

[[vendor]]
id = "xrdp-rdp"
hosts = ["127.0.0.62"]
ports = [13389]

[[vendor]]
id = "xrdp-tls"
hosts = ["127.0.0.63"]
ports = [13389]

[[vendor]]
id = "freerdp-nla"
report = "freerdp-nla.toml"
hosts = ["127.0.0.64"]
ports = [13392]

[[vendor]]
id = "vnc-none"
report = "vnc-none.toml"
hosts = ["127.0.0.65"]
ports = [15900, 15901]

[[vendor]]
id = "vnc-auth"
hosts = ["127.0.0.66"]
ports = [15900]

[[vendor]]
id = "pacs"
report = "pacs.toml"
hosts = ["127.0.0.67"]
ports = [14242, 14243, 14244, 14299]

[[vendor]]
id = "pacs-web"
report = "pacs-web.toml"
hosts = ["127.0.0.130", "pacs-web.lab.test"]
ports = [18042, 18044, 8042]

[[vendor]]
id = "pacs-web-auth"
report = "pacs-web-auth.toml"
hosts = ["127.0.0.131"]
ports = [18043]

[[vendor]]
id = "ssh-waived"
hosts = ["127.0.0.68"]
ports = [12222]
[[vendor.waiver]]
check = "ssh-exposed"
target = "127.0.0.68:12222"
reason = "maintenance over SSH with keys only"
expires = 2027-03-31
"#;

const REPORTS: &[(&str, &str)] = &[
    (
        "pacs-web.toml",
        "vendor = \"pacs-web\"\nfiscal_year = 2026\n[controls]\n\"remote_access.dicom_restricted\" = true\n",
    ),
    (
        "pacs-web-auth.toml",
        "vendor = \"pacs-web-auth\"\nfiscal_year = 2026\n[controls]\n\"remote_access.dicom_restricted\" = true\n",
    ),
    (
        "xrdp-negotiate.toml",
        "vendor = \"xrdp-negotiate\"\nfiscal_year = 2026\n[controls]\n\"remote_access.no_public_rdp\" = true\n\"remote_access.rdp_nla_enforced\" = false\n",
    ),
    (
        "freerdp-nla.toml",
        "vendor = \"freerdp-nla\"\nfiscal_year = 2026\n[controls]\n\"remote_access.rdp_nla_enforced\" = true\n\"remote_access.no_pre_login_disclosure\" = true\n\"remote_access.no_public_vnc\" = true\n",
    ),
    (
        "vnc-none.toml",
        "vendor = \"vnc-none\"\nfiscal_year = 2026\n[controls]\n\"remote_access.vnc_authentication\" = true\n\"remote_access.no_public_rdp\" = true\n",
    ),
    (
        "pacs.toml",
        "vendor = \"pacs\"\nfiscal_year = 2025\n[controls]\n\"remote_access.dicom_restricted\" = true\n",
    ),
];

/// The lab is audited once; every test reads the same JSON document.
fn audit() -> &'static Value {
    static RESULT: OnceLock<Value> = OnceLock::new();
    RESULT.get_or_init(|| {
        for (_, addr) in common::ALL_PEERS {
            common::require_peer(addr);
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("vendors.toml"), INVENTORY).unwrap();
        for (name, text) in REPORTS {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let out = Command::new(env!("CARGO_BIN_EXE_vendor-audit"))
            .args([
                "run",
                "--format",
                "json",
                "--now",
                "2026-11-26T10:00:00+09:00",
                "--config",
            ])
            .arg(dir.path().join("vendors.toml"))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "critical fails exit 1: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("a JSON report")
    })
}

fn vendor(id: &str) -> &'static Value {
    audit()["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("no vendor {id}"))
}

/// The status of `check` on `target` for `vendor` (exactly one finding expected).
fn status(vendor_id: &str, check: &str, target: &str) -> String {
    let v = vendor(vendor_id);
    let hits: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == check && f["target"] == target)
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "{vendor_id}: {check} on {target}: {:#?}",
        v["findings"]
    );
    hits[0]["status"].as_str().unwrap().to_owned()
}

fn finding(vendor_id: &str, check: &str, target: &str) -> &'static Value {
    vendor(vendor_id)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == check && f["target"] == target)
        .unwrap()
}

fn fact(vendor_id: &str, target: &str, name: &str) -> &'static Value {
    let asset = vendor(vendor_id)["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["target"] == target);
    &asset.unwrap_or_else(|| panic!("no asset {target}"))["facts"][name]
}

fn verdict(vendor_id: &str, control: &str) -> String {
    let c = vendor(vendor_id)["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["control"] == control)
        .unwrap();
    c["verdict"].as_str().unwrap().to_owned()
}

#[test]
fn xrdp_negotiate_is_exposed_without_nla() {
    let t = "127.0.0.61:13389";
    assert_eq!(status("xrdp-negotiate", "rdp-exposed", t), "fail");
    assert_eq!(status("xrdp-negotiate", "rdp-nla-not-enforced", t), "fail");
    assert_eq!(status("xrdp-negotiate", "rdp-standard-security", t), "fail");
    assert_eq!(
        status("xrdp-negotiate", "rdp-ntlm-info-leak", t),
        "pass",
        "xrdp offers no CredSSP, so no NTLM challenge"
    );
    assert_eq!(fact("xrdp-negotiate", t, "rdp.selected_protocol"), "ssl");
    assert_eq!(fact("xrdp-negotiate", t, "rdp.accepts_tls"), true);
    assert_eq!(
        fact("xrdp-negotiate", t, "rdp.accepts_credssp"),
        false,
        "xrdp never selects CredSSP (nmap says SUCCESS: wrong)"
    );
    assert_eq!(
        verdict("xrdp-negotiate", "remote_access.no_public_rdp"),
        "contradicted"
    );
    assert_eq!(
        verdict("xrdp-negotiate", "remote_access.rdp_nla_enforced"),
        "admitted"
    );
}

#[test]
fn xrdp_security_layers_select_what_they_are_configured_for() {
    let (rdp, tls) = ("127.0.0.62:13389", "127.0.0.63:13389");
    assert_eq!(fact("xrdp-rdp", rdp, "rdp.selected_protocol"), "rdp");
    assert_eq!(fact("xrdp-rdp", rdp, "rdp.accepts_standard_security"), true);
    assert_eq!(fact("xrdp-rdp", rdp, "rdp.accepts_tls"), false);
    assert_eq!(status("xrdp-rdp", "rdp-standard-security", rdp), "fail");
    assert_eq!(fact("xrdp-tls", tls, "rdp.selected_protocol"), "ssl");
    assert_eq!(
        fact("xrdp-tls", tls, "rdp.accepts_standard_security"),
        false
    );
    assert_eq!(fact("xrdp-tls", tls, "rdp.accepts_tls"), true);
    assert_eq!(status("xrdp-tls", "rdp-standard-security", tls), "pass");
    for (v, t) in [("xrdp-rdp", rdp), ("xrdp-tls", tls)] {
        assert_eq!(status(v, "rdp-exposed", t), "fail");
        assert_eq!(status(v, "rdp-nla-not-enforced", t), "fail");
    }
}

#[test]
fn freerdp_with_nla_passes_nla_but_leaks_ntlm_names() {
    let t = "127.0.0.64:13392";
    assert_eq!(status("freerdp-nla", "rdp-exposed", t), "fail");
    assert_eq!(status("freerdp-nla", "rdp-nla-not-enforced", t), "pass");
    assert_eq!(status("freerdp-nla", "rdp-standard-security", t), "pass");
    assert_eq!(status("freerdp-nla", "rdp-ntlm-info-leak", t), "fail");
    let info = fact("freerdp-nla", t, "rdp.ntlm_info");
    let names = info.to_string().to_ascii_lowercase();
    assert!(
        names.contains("vm"),
        "FreeRDP's challenge names its computer: {info}"
    );
    assert!(info.get("os_version").is_some(), "{info}");
    let message = finding("freerdp-nla", "rdp-ntlm-info-leak", t)["message"]
        .as_str()
        .unwrap();
    assert!(message.to_ascii_lowercase().contains("vm"), "{message}");
    assert_eq!(
        verdict("freerdp-nla", "remote_access.rdp_nla_enforced"),
        "verified"
    );
    assert_eq!(
        verdict("freerdp-nla", "remote_access.no_pre_login_disclosure"),
        "contradicted"
    );
    assert_eq!(
        verdict("freerdp-nla", "remote_access.no_public_vnc"),
        "verified"
    );
}

#[test]
fn vnc_without_password_fails_no_auth_and_with_password_passes() {
    let t = "127.0.0.65:15900";
    assert_eq!(status("vnc-none", "vnc-exposed", t), "fail");
    assert_eq!(status("vnc-none", "vnc-no-auth", t), "fail");
    assert_eq!(fact("vnc-none", "127.0.0.65:15901", "port.state"), "closed");
    assert_eq!(
        verdict("vnc-none", "remote_access.vnc_authentication"),
        "contradicted"
    );
    assert_eq!(
        verdict("vnc-none", "remote_access.no_public_rdp"),
        "verified"
    );
    let t = "127.0.0.66:15900";
    assert_eq!(status("vnc-auth", "vnc-exposed", t), "fail");
    assert_eq!(status("vnc-auth", "vnc-no-auth", t), "pass");
    assert_eq!(
        fact("vnc-auth", t, "vnc.security_types"),
        &serde_json::json!([2])
    );
}

#[test]
fn orthanc_accepting_any_ae_is_exposed_and_one_checking_aet_is_not() {
    assert_eq!(status("pacs", "dicom-exposed", "127.0.0.67:14242"), "fail");
    assert_eq!(fact("pacs", "127.0.0.67:14242", "dicom.echo_status"), 0);
    assert_eq!(status("pacs", "dicom-exposed", "127.0.0.67:14243"), "pass");
    assert_eq!(
        fact("pacs", "127.0.0.67:14243", "dicom.association"),
        "rejected"
    );
    assert_eq!(
        status("pacs", "dicom-exposed", "127.0.0.67:14244"),
        "fail",
        "dcmtk storescp accepts any AE"
    );
    assert_eq!(fact("pacs", "127.0.0.67:14299", "port.state"), "closed");
    assert_eq!(
        verdict("pacs", "remote_access.dicom_restricted"),
        "contradicted"
    );
    assert_eq!(vendor("pacs")["report"]["status"], "stale");
    assert_eq!(status("pacs", "report-stale", "report"), "fail");
}

#[test]
fn dicom_checks_on_a_host_without_dicom_are_skipped_never_pass() {
    assert_eq!(status("vnc-auth", "dicom-exposed", "127.0.0.66"), "skipped");
}

#[test]
fn ssh_is_identified_by_its_banner_and_the_waiver_applies() {
    let t = "127.0.0.68:12222";
    assert_eq!(status("ssh-waived", "ssh-exposed", t), "fail");
    let f = finding("ssh-waived", "ssh-exposed", t);
    assert_eq!(f["waived"], true);
    assert!(fact("ssh-waived", t, "ssh.banner")
        .as_str()
        .unwrap()
        .starts_with("SSH-2.0-OpenSSH"));
    assert_eq!(status("ssh-waived", "report-missing", "report"), "fail");
}

#[test]
fn every_recorded_fact_is_in_the_catalogue_with_its_type() {
    for v in audit()["vendors"].as_array().unwrap() {
        for asset in v["assets"].as_array().unwrap() {
            for (name, value) in asset["facts"].as_object().unwrap() {
                let spec = vendor_audit::catalog::facts::spec(name)
                    .unwrap_or_else(|| panic!("uncatalogued fact {name}"));
                let ok = match spec.kind {
                    vendor_audit::catalog::facts::FactType::Bool => value.is_boolean(),
                    vendor_audit::catalog::facts::FactType::Int => value.is_i64(),
                    vendor_audit::catalog::facts::FactType::Str => value.is_string(),
                    vendor_audit::catalog::facts::FactType::List => value.is_array(),
                    vendor_audit::catalog::facts::FactType::Map => value.is_object(),
                };
                assert!(ok, "{name} = {value} is not a {}", spec.kind.name());
            }
        }
    }
}

#[test]
fn orthanc_rest_api_without_authentication_contradicts_dicom_restricted() {
    let (open, tls) = ("127.0.0.130:18042", "pacs-web.lab.test:18044");
    assert_eq!(status("pacs-web", "dicom-web-exposed", open), "fail");
    assert_eq!(
        status("pacs-web", "dicom-web-exposed", tls),
        "fail",
        "the same open API behind nginx TLS"
    );
    assert_eq!(fact("pacs-web", tls, "service.protocol"), "https");
    assert_eq!(
        status("pacs-web", "dicom-web-exposed", "pacs-web.lab.test:8042"),
        "fail",
        "Orthanc's port, its front page served by nginx: GET /system still shows it open"
    );
    assert_eq!(fact("pacs-web", "127.0.0.130:8042", "port.state"), "closed");
    assert_eq!(
        fact("pacs-web", open, "dicomweb.aet"),
        common::ORTHANC_REST_AET
    );
    let message = finding("pacs-web", "dicom-web-exposed", open)["message"]
        .as_str()
        .unwrap();
    assert!(message.contains("without credentials"), "{message}");
    assert_eq!(
        verdict("pacs-web", "remote_access.dicom_restricted"),
        "contradicted"
    );
    // Nothing else on these ports is an error: they are identified, not silent.
    let errors = common::findings_with_status(vendor("pacs-web"), "error");
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn orthanc_rest_api_with_authentication_passes() {
    let t = "127.0.0.131:18043";
    assert_eq!(status("pacs-web-auth", "dicom-web-exposed", t), "pass");
    assert_eq!(fact("pacs-web-auth", t, "dicomweb.status"), 401);
    assert_eq!(
        verdict("pacs-web-auth", "remote_access.dicom_restricted"),
        "verified"
    );
}

#[test]
fn a_silent_http_port_alone_is_identified_and_the_run_exits_0() {
    common::require_peer(common::FORM_APP_LEAKY);
    let dir = tempfile::tempdir().unwrap();
    let (ip, port) = common::FORM_APP_LEAKY.rsplit_once(':').unwrap();
    std::fs::write(
        dir.path().join("vendors.toml"),
        format!(
            "[[vendor]]\nid = \"web\"\nreport = \"web.toml\"\nhosts = [\"{ip}\"]\nports = [{port}]\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("web.toml"),
        "vendor = \"web\"\nfiscal_year = 2026\n[controls]\n\"remote_access.no_public_rdp\" = true\n",
    )
    .unwrap();
    let started = std::time::Instant::now();
    let doc = common::run_json(
        env!("CARGO_BIN_EXE_vendor-audit"),
        &["--now", "2026-11-26T10:00:00+09:00"],
        &dir.path().join("vendors.toml"),
        0,
    );
    eprintln!("the run took {:?}", started.elapsed());
    let v = common::vendor_of(&doc, "web");
    let service = v["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["target"] == common::FORM_APP_LEAKY)
        .unwrap();
    assert_eq!(service["facts"]["service.protocol"], "http", "{service}");
    assert_eq!(service["facts"]["http.status"], 404, "{service}");
    let bad: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "error" || f["status"] == "fail")
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    assert_eq!(
        common::verdict_of(&doc, "web", "remote_access.no_public_rdp"),
        "verified"
    );
}
