//! Issue 10's hidden mistakes, each with its right verdict, in ONE `vendor-audit run` of the lab:
//! a misspelt report key no longer hides a contradiction, a waived failure no longer contradicts,
//! a silent HTTP port is identified (not 12 errors), Orthanc's open REST API is caught, each
//! cache rule fails `form-cacheable` where a real cache stores the page, and a certificate valid
//! only from next week says `not_before`. One inventory, one run, as an officer would do it.

mod common;

use std::sync::OnceLock;

use serde_json::Value;

/// The cache pages of the lab (tests/peers/formapp.py `/case/NAME`) behind the caches with
/// their default behaviour, as (label, URL); each must fail `form-cacheable`.
fn cache_cases() -> Vec<(&'static str, String)> {
    vec![
        (
            "Expires: 0 behind Varnish's builtin VCL",
            format!("http://{}/case/expires-zero", common::CASE_VARNISH),
        ),
        (
            "a past Expires behind Squid",
            format!("http://{}/case/expires-past", common::CASE_SQUID),
        ),
        (
            "private + Surrogate-Control behind Varnish",
            format!("http://{}/case/surrogate", common::CASE_VARNISH),
        ),
        (
            "private + X-Accel-Expires, as nginx would see it",
            format!("http://{}/case/accel-expires", common::CASE_APP),
        ),
        (
            "X-Accel-Expires first, behind nginx",
            format!("http://{}/case/accel-expires-first", common::CASE_NGINX),
        ),
        (
            "Vary: * behind Squid",
            format!("http://{}/case/vary-star", common::CASE_SQUID),
        ),
        (
            "an RFC 850 Expires behind Squid",
            format!("http://{}/case/expires-rfc850", common::CASE_SQUID),
        ),
        (
            "an asctime Expires behind nginx",
            format!("http://{}/case/expires-asctime", common::CASE_NGINX),
        ),
        (
            "no-store with must-understand",
            format!("http://{}/case/must-understand", common::CASE_APP),
        ),
    ]
}

/// Pages no cache may store, whatever else they carry: each must pass `form-cacheable`.
fn uncacheable_cases() -> Vec<(&'static str, String)> {
    vec![
        (
            "no-store behind Varnish",
            format!("http://{}/case/no-store", common::CASE_VARNISH),
        ),
        (
            "no-store beside a CDN-Cache-Control that does not parse",
            format!("http://{}/case/cdn-invalid", common::CASE_APP),
        ),
    ]
}

fn control_report(vendor: &str, fy: i32, controls: &[&str]) -> String {
    let mut r = format!("vendor = \"{vendor}\"\nfiscal_year = {fy}\n[controls]\n");
    for c in controls {
        r.push_str(c);
        r.push('\n');
    }
    r
}

fn inventory(fy: i32) -> (String, Vec<(String, String)>) {
    let mut reports = Vec::new();
    let sshd = common::SSHD;
    let mut inv = format!(
        "[audit]\ntimezone = \"Asia/Tokyo\"\ntrust = [{:?}]\n[audit.resolve]\n",
        common::lab_ca_pem_path().expect("VENDOR_AUDIT_LAB_RUN names the lab run folder"),
    );
    for (name, addr) in [
        (common::TLS_NOTYET_NAME, common::TLS_NOTYET),
        (common::TLS_DH1024_NAME, common::TLS_DH1024),
        (common::ORTHANC_TLS_NAME, common::ORTHANC_TLS),
    ] {
        inv.push_str(&format!("{name:?} = {:?}\n", common::host_of(addr)));
    }
    inv.push('\n');
    // 1. A report with a misspelt key and a wrong-typed answer: its good answers still count.
    inv.push_str(&format!(
        "[[vendor]]\nid = \"typo\"\nreport = \"typo.toml\"\nhosts = [\"{}\"]\nports = [{}]\n\n",
        common::host_of(sshd),
        common::port_of(sshd)
    ));
    reports.push((
        "typo.toml".into(),
        control_report(
            "typo",
            fy,
            &[
                "\"remote_access.no_public_rpd\" = true",
                "\"remote_access.no_public_vnc\" = \"yes\"",
                "\"remote_access.ssh_restricted\" = true",
            ],
        ),
    ));
    // 2. The same SSH server under an unexpired waiver: verified, the waiver named.
    inv.push_str(&format!(
        "[[vendor]]\nid = \"waived\"\nreport = \"waived.toml\"\nhosts = [\"{host}\"]\nports = [{port}]\n\
         [[vendor.waiver]]\ncheck = \"ssh-exposed\"\ntarget = \"{host}:{port}\"\n\
         reason = \"Contract clause 12: maintenance over SSH with keys only\"\nexpires = {}-03-31\n\n",
        fy + 1,
        host = common::host_of(sshd),
        port = common::port_of(sshd),
    ));
    reports.push((
        "waived.toml".into(),
        control_report("waived", fy, &["\"remote_access.ssh_restricted\" = true"]),
    ));
    // 3. A host whose ports wait for the client: the form app's HTTP port (once 12 errors) and
    //    Orthanc's REST API without authentication on its own port.
    inv.push_str(&format!(
        "[[vendor]]\nid = \"archive\"\nreport = \"archive.toml\"\nhosts = [\"{}\"]\nports = [{}]\n\
         [[vendor]]\nid = \"pacs\"\nreport = \"pacs.toml\"\nhosts = [\"{}\", \"{}\"]\nports = [{}, {}]\n\n",
        common::host_of(common::FORM_APP_LEAKY),
        common::port_of(common::FORM_APP_LEAKY),
        common::host_of(common::ORTHANC_REST_OPEN),
        common::ORTHANC_TLS_NAME,
        common::port_of(common::ORTHANC_REST_OPEN),
        common::port_of(common::ORTHANC_TLS),
    ));
    for id in ["archive", "pacs"] {
        reports.push((
            format!("{id}.toml"),
            control_report(id, fy, &["\"remote_access.dicom_restricted\" = true"]),
        ));
    }
    // 4. The cache rules, at caches that really store the pages.
    inv.push_str("[[vendor]]\nid = \"caches\"\nreport = \"caches.toml\"\n");
    for (_, url) in cache_cases().into_iter().chain(uncacheable_cases()) {
        inv.push_str(&format!("[[vendor.form]]\nurl = \"{url}\"\n"));
    }
    inv.push('\n');
    reports.push((
        "caches.toml".into(),
        control_report(
            "caches",
            fy,
            &["\"web_forms.no_store_on_personal_pages\" = true"],
        ),
    ));
    // 5. A certificate valid only from next week.
    inv.push_str(&format!(
        "[[vendor]]\nid = \"notyet\"\nreport = \"notyet.toml\"\ntls = [\"{}:{}\"]\n",
        common::TLS_NOTYET_NAME,
        common::port_of(common::TLS_NOTYET)
    ));
    // 6. DHE over a 1024-bit group (Logjam), and an IPv6 endpoint.
    inv.push_str(&format!(
        "[[vendor]]\nid = \"dh\"\nreport = \"dh.toml\"\ntls = [\"{}:{}\", \"{}\"]\n",
        common::TLS_DH1024_NAME,
        common::port_of(common::TLS_DH1024),
        common::TLS_V6,
    ));
    reports.push((
        "dh.toml".into(),
        control_report("dh", fy, &["\"tls.strong_ciphers_only\" = true"]),
    ));
    reports.push((
        "notyet.toml".into(),
        control_report("notyet", fy, &["\"tls.valid_certificates\" = true"]),
    ));
    (inv, reports)
}

fn audit() -> &'static Value {
    static RESULT: OnceLock<Value> = OnceLock::new();
    RESULT.get_or_init(|| {
        for addr in [
            common::SSHD,
            common::FORM_APP_LEAKY,
            common::ORTHANC_REST_OPEN,
            common::CASE_APP,
            common::CASE_VARNISH,
            common::CASE_NGINX,
            common::CASE_SQUID,
            common::TLS_NOTYET,
            common::TLS_DH1024,
            common::TLS_V6,
            common::ORTHANC_TLS,
        ] {
            common::require_peer(addr);
        }
        let (now, fy) = common::now_and_fiscal_year();
        let (inv, reports) = inventory(fy);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("vendors.toml"), inv).unwrap();
        for (name, text) in reports {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        common::run_json(
            env!("CARGO_BIN_EXE_vendor-audit"),
            &["--timeout", "4", "--now", &now],
            &dir.path().join("vendors.toml"),
            1,
        )
    })
}

fn findings<'a>(id: &str, check: &str) -> Vec<&'a Value> {
    common::vendor_of(audit(), id)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == check)
        .collect()
}

fn one(id: &str, check: &str) -> &'static Value {
    let hits = findings(id, check);
    assert_eq!(hits.len(), 1, "{id}: {check}: {hits:#?}");
    hits[0]
}

fn control(id: &str, key: &str) -> &'static Value {
    common::vendor_of(audit(), id)["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["control"] == key)
        .unwrap_or_else(|| panic!("{id}: no verdict for {key}"))
}

fn message(f: &Value) -> &str {
    f["message"].as_str().unwrap_or_default()
}

#[test]
fn a_misspelt_key_is_located_and_hides_no_contradiction() {
    let invalid = one("typo", "report-invalid");
    assert_eq!(invalid["status"], "fail");
    let text = message(invalid);
    assert!(
        text.contains("typo.toml:4:") && text.contains("remote_access.no_public_rpd"),
        "{text}"
    );
    assert!(
        text.contains("did you mean `remote_access.no_public_rdp`"),
        "{text}"
    );
    assert!(text.contains("remote_access.no_public_vnc"), "{text}");
    assert_eq!(
        common::vendor_of(audit(), "typo")["report"]["status"],
        "invalid"
    );
    // The well-formed answer is still judged against the SSH server it denies.
    assert_eq!(one("typo", "ssh-exposed")["status"], "fail");
    assert_eq!(
        control("typo", "remote_access.ssh_restricted")["verdict"],
        "contradicted"
    );
    // The misspelt and the wrong-typed answers count as not given.
    assert_eq!(
        control("typo", "remote_access.no_public_vnc")["verdict"],
        "undeclared"
    );
}

#[test]
fn a_waived_failure_verifies_its_control_naming_the_waiver() {
    let ssh = one("waived", "ssh-exposed");
    assert_eq!(ssh["status"], "fail");
    assert_eq!(ssh["waived"], true);
    let c = control("waived", "remote_access.ssh_restricted");
    assert_eq!(c["verdict"], "verified", "{c:#}");
    let reason = c["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("waive") && reason.contains("-03-31"),
        "{reason}"
    );
}

#[test]
fn a_port_that_waits_for_the_client_is_identified_not_a_dozen_errors() {
    let v = common::vendor_of(audit(), "archive");
    let errors = common::findings_with_status(v, "error");
    assert!(errors.is_empty(), "{errors:#?}");
    let service = v["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "service")
        .expect("the swept port");
    assert_eq!(service["facts"]["service.protocol"], "http", "{service:#}");
    assert!(service["facts"]["http.status"].is_number(), "{service:#}");
    // The form app is no image archive: nothing fails, and its control is not contradicted
    // (no DICOM service was found to observe, so it stays unverifiable, as before).
    let fails = common::findings_with_status(v, "fail");
    assert!(fails.is_empty(), "{fails:#?}");
    assert_eq!(
        control("archive", "remote_access.dicom_restricted")["verdict"],
        "unverifiable"
    );
}

#[test]
fn an_open_orthanc_rest_api_contradicts_dicom_restricted() {
    // Plain HTTP on Orthanc's port, and the same archive behind TLS on an odd port.
    let web = findings("pacs", "dicom-web-exposed");
    let failing: Vec<&str> = web
        .iter()
        .filter(|f| f["status"] == "fail")
        .filter_map(|f| f["target"].as_str())
        .collect();
    let tls_target = format!(
        "{}:{}",
        common::ORTHANC_TLS_NAME,
        common::port_of(common::ORTHANC_TLS)
    );
    for target in [common::ORTHANC_REST_OPEN, tls_target.as_str()] {
        assert!(failing.contains(&target), "{target}: {web:#?}");
    }
    assert!(web.iter().all(|f| f["severity"] == "critical"));
    assert_eq!(
        control("pacs", "remote_access.dicom_restricted")["verdict"],
        "contradicted"
    );
}

#[test]
fn dhe_over_a_1024_bit_group_contradicts_strong_ciphers_and_ipv6_prints_bracketed() {
    let target = format!(
        "{}:{}",
        common::TLS_DH1024_NAME,
        common::port_of(common::TLS_DH1024)
    );
    let weak = findings("dh", "tls-weak-dh");
    let f = weak
        .iter()
        .find(|f| f["target"] == target.as_str())
        .expect("tls-weak-dh on the 1024-bit server");
    assert_eq!(f["status"], "fail", "{f:#}");
    assert!(message(f).contains("1024"), "{}", message(f));
    assert_eq!(
        control("dh", "tls.strong_ciphers_only")["verdict"],
        "contradicted"
    );
    let v6 = common::vendor_of(audit(), "dh")["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["target"] == common::TLS_V6)
        .count();
    assert!(v6 >= 12, "every TLS check judges {}", common::TLS_V6);
}

#[test]
fn every_cache_rule_fails_where_a_real_cache_stores_the_page() {
    let cacheable = findings("caches", "form-cacheable");
    for (label, url) in cache_cases() {
        let f = cacheable
            .iter()
            .find(|f| f["target"] == url.as_str())
            .unwrap_or_else(|| panic!("{label}: no form-cacheable finding for {url}"));
        assert_eq!(f["status"], "fail", "{label}: {f:#}");
        assert!(
            !message(f).contains("no shared cache may store"),
            "{label}: {}",
            message(f)
        );
    }
    for (label, url) in uncacheable_cases() {
        let f = cacheable
            .iter()
            .find(|f| f["target"] == url.as_str())
            .unwrap_or_else(|| panic!("{label}: no form-cacheable finding for {url}"));
        assert_eq!(f["status"], "pass", "{label}: {f:#}");
        // An unparsable CDN-Cache-Control is ignored: no TTL that does not exist is named.
        let text = message(f);
        assert!(
            !text.contains("600 s") && !text.contains("for 600"),
            "{label}: {text}"
        );
    }
    assert_eq!(
        control("caches", "web_forms.no_store_on_personal_pages")["verdict"],
        "contradicted"
    );
}

#[test]
fn a_certificate_valid_from_next_week_is_not_yet_valid_not_expired() {
    let notyet = one("notyet", "tls-cert-not-yet-valid");
    assert_eq!(notyet["status"], "fail", "{notyet:#}");
    // not_before, as a date: "certificate CN=notyet.lab.test not valid before 2026-12-08T…Z".
    assert!(
        message(notyet).contains("not valid before 20"),
        "{}",
        message(notyet)
    );
    assert_eq!(one("notyet", "tls-cert-expired")["status"], "pass");
    assert_eq!(
        control("notyet", "tls.valid_certificates")["verdict"],
        "contradicted"
    );
}
