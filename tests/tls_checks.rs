//! The TLS checks (SPEC §7.2) end to end against the real TLS peers the test script starts
//! (tests/peers/start.sh): nginx modern, legacy, expired and self-signed, and openssl s_server
//! TLS 1.3-only (expiring) and weak (RSA 1024, SHA-1). One `vendor-audit run --format json`
//! audits them as one vendor per server, with the lab CA as the inventory's `trust`; each test
//! asserts the status of every TLS check on one server, and the control verdicts. Issue 10 adds
//! nginx with DHE over a 1024-bit and a 2048-bit group, a leaf not yet valid, a 200 KB leaf, and
//! a listener on the IPv6 loopback (inventory `[::1]:9443`).

mod common;

use std::sync::OnceLock;

use serde_json::Value;

use common::TLS_CHECKS as CHECKS;

/// (vendor id, inventory name, address): each name resolves to its lab address through
/// `[audit.resolve]`, so SNI and the name check use the lab name.
const SERVERS: [(&str, &str, &str); 10] = [
    ("modern", common::TLS_MODERN_NAME, common::TLS_MODERN),
    ("legacy", common::TLS_LEGACY_NAME, common::TLS_LEGACY),
    ("expired", common::TLS_EXPIRED_NAME, common::TLS_EXPIRED),
    (
        "selfsigned",
        common::TLS_SELFSIGNED_NAME,
        common::TLS_SELFSIGNED,
    ),
    ("tls13", common::TLS_TLS13_NAME, common::TLS_TLS13),
    ("weak", common::TLS_WEAK_NAME, common::TLS_WEAK),
    ("dh1024", common::TLS_DH1024_NAME, common::TLS_DH1024),
    ("dh2048", common::TLS_DH2048_NAME, common::TLS_DH2048),
    ("notyet", common::TLS_NOTYET_NAME, common::TLS_NOTYET),
    ("big", common::TLS_BIG_NAME, common::TLS_BIG),
];

/// Checks that do not apply to a server that accepts no DHE suite (SPEC §2: `skipped`).
const NO_DHE: &[&str] = &["tls-weak-dh"];

/// Nothing listens here (a closed port), and here speaks SSH, not TLS.
const CLOSED: &str = "127.0.0.89:8443";

/// Every vendor declares all three TLS controls true.
fn report(vendor: &str) -> String {
    format!(
        "vendor = \"{vendor}\"\nfiscal_year = 2026\n[controls]\n\"tls.modern_protocols_only\" = true\n\"tls.strong_ciphers_only\" = true\n\"tls.valid_certificates\" = true\n"
    )
}

fn inventory(trust: Option<&str>) -> String {
    let mut inv = String::from("[audit]\ntimezone = \"Asia/Tokyo\"\n");
    if let Some(ca) = trust {
        inv.push_str(&format!("trust = [{ca:?}]\n"));
    }
    inv.push_str("[audit.resolve]\n");
    for (_, name, addr) in SERVERS {
        let ip = addr.split(':').next().unwrap();
        inv.push_str(&format!("{name:?} = {ip:?}\n"));
    }
    for (id, name, addr) in SERVERS {
        let port = addr.split(':').nth(1).unwrap();
        inv.push_str(&format!(
            "[[vendor]]\nid = \"{id}\"\nreport = \"{id}.toml\"\ntls = [\"{name}:{port}\"]\n"
        ));
    }
    inv.push_str(&format!(
        "[[vendor]]\nid = \"v6\"\nreport = \"v6.toml\"\ntls = [{:?}]\n",
        common::TLS_V6
    ));
    inv.push_str(&format!(
        "[[vendor]]\nid = \"gnutls\"\nreport = \"gnutls.toml\"\ntls = [{:?}]\n",
        common::TLS_GNUTLS_FFDHE
    ));
    inv.push_str(&format!(
        "[[vendor]]\nid = \"closed\"\nreport = \"closed.toml\"\ntls = [{CLOSED:?}]\n"
    ));
    inv.push_str(&format!(
        "[[vendor]]\nid = \"not-tls\"\nreport = \"not-tls.toml\"\ntls = [{:?}]\n",
        common::SSHD
    ));
    inv
}

/// Runs the audit (with or without the lab CA as trust anchor) and returns its JSON.
fn run(trust: bool) -> Value {
    run_with(trust, &[])
}

/// `run` with extra arguments (`--now`).
fn run_with(trust: bool, args: &[&str]) -> Value {
    for (_, _, addr) in SERVERS {
        common::require_peer(addr);
    }
    common::require_peer(common::SSHD);
    common::require_peer(common::TLS_V6);
    common::require_peer(common::TLS_GNUTLS_FFDHE);
    let dir = tempfile::tempdir().unwrap();
    let ca = common::lab_ca_pem_path().expect("VENDOR_AUDIT_LAB_RUN names the lab run folder");
    let ca = ca.to_str().unwrap().to_owned();
    std::fs::write(
        dir.path().join("vendors.toml"),
        inventory(trust.then_some(ca.as_str())),
    )
    .unwrap();
    let ids = SERVERS
        .iter()
        .map(|(id, _, _)| *id)
        .chain(["v6", "gnutls", "closed", "not-tls"]);
    for id in ids {
        std::fs::write(dir.path().join(format!("{id}.toml")), report(id)).unwrap();
    }
    // The lab's certificates are made relative to the moment the lab starts, so the clock is
    // the right `now` here (no --now).
    common::run_json(
        env!("CARGO_BIN_EXE_vendor-audit"),
        args,
        &dir.path().join("vendors.toml"),
        1,
    )
}

fn trusted() -> &'static Value {
    static RESULT: OnceLock<Value> = OnceLock::new();
    RESULT.get_or_init(|| run(true))
}

fn vendor<'a>(doc: &'a Value, id: &str) -> &'a Value {
    common::vendor_of(doc, id)
}

/// The status of each TLS check for vendor `id` (exactly one finding per check).
fn statuses(doc: &Value, id: &str) -> Vec<(String, String)> {
    let v = vendor(doc, id);
    CHECKS
        .iter()
        .map(|check| {
            let hits: Vec<&Value> = v["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["check"] == *check)
                .collect();
            assert_eq!(hits.len(), 1, "{id}: {check}: {:#?}", v["findings"]);
            (
                (*check).to_owned(),
                hits[0]["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Asserts the status of every check: those named in `fails` fail, `skipped` are skipped, the
/// rest pass.
fn assert_statuses(doc: &Value, id: &str, fails: &[&str], skipped: &[&str]) {
    let got = statuses(doc, id);
    let want: Vec<(String, String)> = CHECKS
        .iter()
        .map(|c| {
            let s = if fails.contains(c) {
                "fail"
            } else if skipped.contains(c) {
                "skipped"
            } else {
                "pass"
            };
            ((*c).to_owned(), s.to_owned())
        })
        .collect();
    assert_eq!(
        got,
        want,
        "{id}: findings {:#?}",
        vendor(doc, id)["findings"]
    );
}

fn verdict(doc: &Value, id: &str, control: &str) -> String {
    common::verdict_of(doc, id, control)
}

fn asset_fact<'a>(doc: &'a Value, id: &str, name: &str) -> &'a Value {
    let assets = vendor(doc, id)["assets"].as_array().unwrap();
    let tls = assets.iter().find(|a| a["kind"] == "tls").unwrap();
    &tls["facts"][name]
}

fn message<'a>(doc: &'a Value, id: &str, check: &str) -> &'a str {
    vendor(doc, id)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == check)
        .unwrap()["message"]
        .as_str()
        .unwrap()
}

#[test]
fn modern_passes_every_check_and_its_declarations_are_verified() {
    let doc = trusted();
    assert_statuses(doc, "modern", &[], NO_DHE);
    for control in [
        "tls.modern_protocols_only",
        "tls.strong_ciphers_only",
        "tls.valid_certificates",
    ] {
        assert_eq!(verdict(doc, "modern", control), "verified", "{control}");
    }
    assert_eq!(
        asset_fact(doc, "modern", "tls.protocols"),
        &serde_json::json!(["TLSv1.2", "TLSv1.3"])
    );
    assert!(message(doc, "modern", "tls-mozilla-intermediate").contains("6.0"));
}

#[test]
fn legacy_fails_protocol_cipher_and_profile_checks() {
    let doc = trusted();
    assert_statuses(
        doc,
        "legacy",
        &[
            "tls-legacy-protocol",
            "tls-weak-cipher",
            "tls-no-forward-secrecy",
            "tls-mozilla-intermediate",
        ],
        // nginx sets no DH parameters unless told (ssl_dhparam): ALL offers no DHE here.
        NO_DHE,
    );
    assert_eq!(
        verdict(doc, "legacy", "tls.modern_protocols_only"),
        "contradicted"
    );
    assert_eq!(
        verdict(doc, "legacy", "tls.strong_ciphers_only"),
        "contradicted"
    );
    assert_eq!(verdict(doc, "legacy", "tls.valid_certificates"), "verified");
    let msg = message(doc, "legacy", "tls-weak-cipher");
    assert!(msg.contains("TLS_ECDH_anon_WITH_AES_128_CBC_SHA"), "{msg}");
    let msg = message(doc, "legacy", "tls-legacy-protocol");
    assert!(msg.contains("TLSv1.0") && msg.contains("TLSv1.1"), "{msg}");
    // The certificate came from the plaintext Certificate message of a ≤ TLS 1.2 handshake.
    let source = asset_fact(doc, "legacy", "tls.cert.source");
    assert!(source.as_str().unwrap().contains("TLSv1.2"), "{source}");
}

#[test]
fn expired_fails_only_expiry_and_trust_is_judged_apart() {
    let doc = trusted();
    assert_statuses(
        doc,
        "expired",
        &["tls-cert-expired"],
        &["tls-cert-expiring", "tls-weak-dh"],
    );
    assert_eq!(
        verdict(doc, "expired", "tls.valid_certificates"),
        "contradicted"
    );
    assert!(
        asset_fact(doc, "expired", "tls.cert.days_left")
            .as_i64()
            .unwrap()
            < -365
    );
}

#[test]
fn selfsigned_for_another_name_is_untrusted_and_mismatched() {
    let doc = trusted();
    assert_statuses(
        doc,
        "selfsigned",
        &["tls-cert-untrusted", "tls-cert-hostname-mismatch"],
        NO_DHE,
    );
    let msg = message(doc, "selfsigned", "tls-cert-hostname-mismatch");
    assert!(
        msg.contains(common::TLS_SELFSIGNED_NAME) && msg.contains(common::TLS_SELFSIGNED_CERT_NAME),
        "{msg}"
    );
}

#[test]
fn tls13_only_certificate_comes_through_rustls_and_is_expiring() {
    let doc = trusted();
    // All five RFC 8446 suites: CCM and CCM_8 are outside Mozilla's three.
    assert_statuses(
        doc,
        "tls13",
        &["tls-cert-expiring", "tls-mozilla-intermediate"],
        NO_DHE,
    );
    let msg = message(doc, "tls13", "tls-mozilla-intermediate");
    assert!(msg.contains("TLS_AES_128_CCM_8_SHA256"), "{msg}");
    assert_eq!(
        asset_fact(doc, "tls13", "tls.protocols"),
        &serde_json::json!(["TLSv1.3"])
    );
    assert_eq!(asset_fact(doc, "tls13", "tls.cert.key_type"), "EC");
    assert_eq!(verdict(doc, "tls13", "tls.valid_certificates"), "verified");
}

#[test]
fn weak_certificate_fails_key_and_signature_checks() {
    let doc = trusted();
    assert_statuses(
        doc,
        "weak",
        &[
            "tls-cert-weak-key",
            "tls-cert-weak-signature",
            // A SHA-1 signature does not validate for any modern client: untrusted too.
            "tls-cert-untrusted",
            "tls-no-forward-secrecy",
            "tls-mozilla-intermediate",
        ],
        &[],
    );
    assert_eq!(asset_fact(doc, "weak", "tls.cert.key_bits"), 1024);
    // Its DHE suites use RFC 7919 ffdhe2048: tls-weak-dh passes.
    assert_eq!(asset_fact(doc, "weak", "tls.dh_bits"), 2048);
    // s_server -serverpref: the found order is the server's, and the probe says so.
    assert_eq!(asset_fact(doc, "weak", "tls.server_order")["TLSv1.2"], true);
}

#[test]
fn a_closed_port_and_a_server_that_is_not_tls_never_pass() {
    let doc = trusted();
    for id in ["closed", "not-tls"] {
        for (check, status) in statuses(doc, id) {
            assert!(
                status == "error",
                "{id}: {check} is {status}, must be error"
            );
        }
        for control in [
            "tls.modern_protocols_only",
            "tls.strong_ciphers_only",
            "tls.valid_certificates",
        ] {
            assert_eq!(verdict(doc, id, control), "unverifiable", "{id} {control}");
        }
    }
}

#[test]
fn without_the_lab_ca_as_trust_anchor_the_lab_certificates_are_untrusted() {
    let doc = run(false);
    let got = statuses(&doc, "modern");
    assert!(
        got.contains(&("tls-cert-untrusted".to_owned(), "fail".to_owned())),
        "{got:?}"
    );
}

#[test]
fn dhe_over_a_1024_bit_group_fails_weak_dh_and_2048_passes() {
    let doc = trusted();
    assert_eq!(asset_fact(doc, "dh1024", "tls.dh_bits"), 1024);
    assert_eq!(status_of(doc, "dh1024", "tls-weak-dh"), "fail");
    let msg = message(doc, "dh1024", "tls-weak-dh");
    assert!(
        msg.contains("1024 bits") && msg.contains("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"),
        "{msg}"
    );
    assert_eq!(
        verdict(doc, "dh1024", "tls.strong_ciphers_only"),
        "contradicted"
    );
    assert_eq!(asset_fact(doc, "dh2048", "tls.dh_bits"), 2048);
    // Mozilla intermediate 6.0 lists no DHE suite any more (only its dh_param_size of 2048):
    // the suites deviate from the profile, the group does not.
    assert_statuses(doc, "dh2048", &["tls-mozilla-intermediate"], &[]);
    assert_eq!(
        verdict(doc, "dh2048", "tls.strong_ciphers_only"),
        "verified"
    );
}

#[test]
fn a_weak_group_kept_for_clients_without_rfc_7919_groups_is_found() {
    // gnutls-serv answers our enumeration's hellos (which offer ffdhe2048...) with ffdhe2048,
    // and a client that offers no RFC 7919 group (as sslscan's OpenSSL) with its 1024-bit
    // parameters: the extra hello without those groups sees them.
    let doc = trusted();
    assert_eq!(asset_fact(doc, "gnutls", "tls.dh_bits"), 1024);
    assert_eq!(status_of(doc, "gnutls", "tls-weak-dh"), "fail");
    assert!(message(doc, "gnutls", "tls-weak-dh").contains("1024 bits"));
}

#[test]
fn a_leaf_not_yet_valid_fails_not_yet_valid_and_not_expired() {
    let doc = trusted();
    assert_statuses(doc, "notyet", &["tls-cert-not-yet-valid"], NO_DHE);
    let not_before = asset_fact(doc, "notyet", "tls.cert.not_before")
        .as_str()
        .unwrap()
        .to_owned();
    let msg = message(doc, "notyet", "tls-cert-not-yet-valid");
    assert!(msg.contains(&not_before), "{msg}");
    assert_eq!(
        verdict(doc, "notyet", "tls.valid_certificates"),
        "contradicted"
    );
}

#[test]
fn the_not_yet_valid_leaf_around_the_clock() {
    // The same certificate judged with --now an hour after its not_before (valid), and a day
    // after its not_after (expired, and no longer "not yet valid").
    let at = |field: &str, hours: i64| {
        let t = asset_fact(trusted(), "notyet", field).as_str().unwrap();
        let t = chrono::DateTime::parse_from_rfc3339(t).unwrap() + chrono::Duration::hours(hours);
        t.to_rfc3339()
    };
    let after_start = at("tls.cert.not_before", 1);
    let doc = run_with(true, &["--now", &after_start]);
    assert_statuses(&doc, "notyet", &[], NO_DHE);
    let after_end = at("tls.cert.not_after", 24);
    let doc = run_with(true, &["--now", &after_end]);
    assert_statuses(
        &doc,
        "notyet",
        &["tls-cert-expired"],
        &["tls-cert-expiring", "tls-weak-dh"],
    );
}

#[test]
fn a_200_kb_leaf_is_too_large_not_malformed_and_its_names_still_count() {
    let doc = trusted();
    assert_statuses(doc, "big", &["tls-cert-untrusted"], NO_DHE);
    let msg = message(doc, "big", "tls-cert-untrusted");
    assert!(
        msg.contains("bytes: too large for common TLS clients") && !msg.contains("bad DER"),
        "{msg}"
    );
    let sans = asset_fact(doc, "big", "tls.cert.sans").as_array().unwrap();
    assert_eq!(sans.len(), 7400);
}

#[test]
fn an_ipv6_endpoint_is_probed_and_printed_in_brackets() {
    let doc = trusted();
    let v = vendor(doc, "v6");
    for f in v["findings"].as_array().unwrap() {
        if f["check"] != "report-missing" && f["check"] != "report-stale" {
            assert!(
                f["target"] == common::TLS_V6 || f["target"] == "report",
                "{f:#}"
            );
        }
    }
    assert_statuses(doc, "v6", &[], NO_DHE);
}

fn status_of(doc: &Value, id: &str, check: &str) -> String {
    statuses(doc, id)
        .into_iter()
        .find(|(c, _)| c == check)
        .map(|(_, s)| s)
        .unwrap()
}
