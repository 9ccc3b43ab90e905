//! Certificate facts of the TLS probe against the real lab peers (tests/peers/start.sh): nginx
//! (a) modern, (b) legacy, (c) expired, (d) self-signed for another name, and openssl s_server
//! (e) TLS 1.3 only with an EC P-256 leaf expiring in 10 days, (f) RSA-1024 leaf signed with
//! SHA-1. The lab's test CA (`RUN/tls/ca.pem`) is the inventory trust anchor, on top of the
//! system roots. A peer that is not there is a failure with a clear message, never a skip.

mod common;

use std::net::SocketAddr;
use std::path::PathBuf;

use chrono::Utc;
use tokio::time::Instant;
use vendor_audit::certificate::TrustAnchors;
use vendor_audit::fact::{FactValue, Facts};
use vendor_audit::probe::tls::probe_endpoint;
use vendor_audit::probe::{Endpoint, Limits, ProbeContext};

fn lab_ca() -> PathBuf {
    let path = common::lab_ca_pem_path().unwrap_or_else(|| {
        panic!(
            "VENDOR_AUDIT_LAB_RUN is not set: run the lab tests with `bash tests/run-all.sh`, \
             or set it to the lab's run folder (it holds tls/ca.pem)"
        )
    });
    assert!(path.is_file(), "the lab CA {} is missing", path.display());
    path
}

fn lab_trust() -> TrustAnchors {
    TrustAnchors::load(&[lab_ca()]).unwrap_or_else(|e| panic!("{e}"))
}

async fn probe(addr: &str, name: &str, trust: &TrustAnchors) -> Facts {
    common::require_peer(addr);
    let limits = Limits::default();
    let ctx = ProbeContext::new(limits, 16, 4);
    let ep = Endpoint {
        name: name.into(),
        addr: addr.parse::<SocketAddr>().unwrap(),
    };
    let now = Utc::now().fixed_offset();
    let facts = probe_endpoint(&ctx, &ep, trust, now, Instant::now() + limits.tls_budget()).await;
    eprintln!("{name} ({addr}):");
    for (k, v) in facts
        .values
        .iter()
        .filter(|(k, _)| k.starts_with("tls.cert."))
    {
        eprintln!("  {k} = {}", v.display());
    }
    for (k, why) in facts
        .unavailable
        .iter()
        .filter(|(k, _)| k.starts_with("tls.cert."))
    {
        eprintln!("  {k} unavailable: {why}");
    }
    facts
}

fn int(f: &Facts, name: &str) -> i64 {
    f.get_int(name)
        .unwrap_or_else(|| panic!("{name}: {:?} / {:?}", f.get(name), f.why_unavailable(name)))
}

fn strs(f: &Facts, name: &str) -> Vec<String> {
    match f.get(name) {
        Some(FactValue::List(items)) => items.iter().map(FactValue::display).collect(),
        other => panic!("{name}: {other:?} / {:?}", f.why_unavailable(name)),
    }
}

fn yes(f: &Facts, name: &str) -> bool {
    f.get_bool(name)
        .unwrap_or_else(|| panic!("{name}: {:?} / {:?}", f.get(name), f.why_unavailable(name)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modern_is_trusted_matching_and_current() {
    let f = probe(common::TLS_MODERN, common::TLS_MODERN_NAME, &lab_trust()).await;
    assert_eq!(f.get_str("tls.cert.source"), Some("TLSv1.2 handshake"));
    assert!(f
        .get_str("tls.cert.source_suite")
        .is_some_and(|s| s.starts_with("TLS_ECDHE_")));
    assert_eq!(f.get_str("tls.cert.subject"), Some("CN=modern.lab.test"));
    assert_eq!(
        f.get_str("tls.cert.issuer"),
        Some("CN=vendor-audit lab test CA")
    );
    assert_eq!(strs(&f, "tls.cert.sans"), ["modern.lab.test"]);
    assert!(
        yes(&f, "tls.cert.chain_valid"),
        "{:?}",
        f.get_str("tls.cert.chain_error")
    );
    assert_eq!(f.get_str("tls.cert.chain_error"), Some(""));
    assert!(yes(&f, "tls.cert.hostname_match"));
    assert!(!yes(&f, "tls.cert.expired"));
    assert!(!yes(&f, "tls.cert.not_yet_valid"));
    assert!(int(&f, "tls.cert.days_left") >= 0);
    assert_eq!(f.get_str("tls.cert.key_type"), Some("RSA"));
    assert_eq!(int(&f, "tls.cert.key_bits"), 2048);
    assert!(!yes(&f, "tls.cert.weak_key"));
    assert_eq!(
        f.get_str("tls.cert.signature_algorithm"),
        Some("sha256WithRSAEncryption")
    );
    assert!(!yes(&f, "tls.cert.weak_signature"));
    assert!(!yes(&f, "tls.cert.self_signed"));
    assert_eq!(f.get_str("tls.cert.name"), Some(common::TLS_MODERN_NAME));
    assert!(f
        .get_str("tls.cert.trust_store")
        .is_some_and(|t| t.ends_with("+ 1 inventory anchor")));
    // The certificate came from the enumeration's own handshakes: the enumeration facts are
    // there too, and no fact of either is missing without a reason.
    assert!(f.get("tls.protocols").is_some() && f.get("tls.suites").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modern_without_the_lab_ca_has_an_unknown_issuer() {
    let f = probe(
        common::TLS_MODERN,
        common::TLS_MODERN_NAME,
        &TrustAnchors::system(),
    )
    .await;
    assert!(!yes(&f, "tls.cert.chain_valid"));
    let err = f.get_str("tls.cert.chain_error").unwrap();
    assert!(
        err.starts_with("unknown issuer: no path from \"CN=vendor-audit lab test CA\"")
            && err.contains("+ 0 inventory anchors"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modern_by_address_does_not_match_the_name() {
    let ip = common::TLS_MODERN.split(':').next().unwrap();
    let f = probe(common::TLS_MODERN, ip, &lab_trust()).await;
    assert_eq!(f.get_str("tls.cert.name"), Some(ip));
    assert!(!yes(&f, "tls.cert.hostname_match"));
    assert!(yes(&f, "tls.cert.chain_valid"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_is_trusted_apart_from_expiry() {
    let f = probe(common::TLS_EXPIRED, common::TLS_EXPIRED_NAME, &lab_trust()).await;
    assert!(yes(&f, "tls.cert.expired"));
    assert!(int(&f, "tls.cert.days_left") < 0);
    assert_eq!(
        f.get_str("tls.cert.not_after"),
        Some("2021-01-01T00:00:00Z")
    );
    assert!(
        yes(&f, "tls.cert.chain_valid"),
        "{:?}",
        f.get_str("tls.cert.chain_error")
    );
    assert!(yes(&f, "tls.cert.hostname_match"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selfsigned_is_untrusted_and_for_another_name() {
    let f = probe(
        common::TLS_SELFSIGNED,
        common::TLS_SELFSIGNED_NAME,
        &lab_trust(),
    )
    .await;
    assert!(yes(&f, "tls.cert.self_signed"));
    assert!(!yes(&f, "tls.cert.chain_valid"));
    let err = f.get_str("tls.cert.chain_error").unwrap();
    assert!(
        err.starts_with("self-signed certificate not among the trust anchors"),
        "{err}"
    );
    assert_eq!(
        strs(&f, "tls.cert.sans"),
        [common::TLS_SELFSIGNED_CERT_NAME]
    );
    assert_eq!(
        f.get_str("tls.cert.name"),
        Some(common::TLS_SELFSIGNED_NAME)
    );
    assert!(!yes(&f, "tls.cert.hostname_match"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_certificate_comes_from_a_tls12_handshake() {
    let f = probe(common::TLS_LEGACY, common::TLS_LEGACY_NAME, &lab_trust()).await;
    assert_eq!(f.get_str("tls.cert.source"), Some("TLSv1.2 handshake"));
    // Not an anonymous suite: it carried the certificate.
    assert!(f
        .get_str("tls.cert.source_suite")
        .is_some_and(|s| !s.contains("_anon_")));
    assert_eq!(f.get_str("tls.cert.subject"), Some("CN=legacy.lab.test"));
    assert!(
        yes(&f, "tls.cert.chain_valid"),
        "{:?}",
        f.get_str("tls.cert.chain_error")
    );
    assert!(yes(&f, "tls.cert.hostname_match"));
    assert_eq!(int(&f, "tls.cert.chain_length"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls13_only_certificate_comes_from_rustls() {
    let f = probe(common::TLS_TLS13, common::TLS_TLS13_NAME, &lab_trust()).await;
    assert_eq!(
        f.get("tls.protocols").map(FactValue::display).as_deref(),
        Some("[TLSv1.3]")
    );
    assert_eq!(f.get_str("tls.cert.source"), Some("TLSv1.3 via rustls"));
    assert!(f
        .get_str("tls.cert.source_suite")
        .is_some_and(|s| s.starts_with("TLS_AES_") || s.starts_with("TLS_CHACHA20_")));
    assert_eq!(f.get_str("tls.cert.key_type"), Some("EC"));
    assert_eq!(f.get_str("tls.cert.curve"), Some("P-256"));
    assert_eq!(int(&f, "tls.cert.key_bits"), 256);
    assert!(!yes(&f, "tls.cert.weak_key"));
    let days = int(&f, "tls.cert.days_left");
    assert!((0..=10).contains(&days), "days_left {days}");
    assert!(!yes(&f, "tls.cert.expired"));
    assert!(
        yes(&f, "tls.cert.chain_valid"),
        "{:?}",
        f.get_str("tls.cert.chain_error")
    );
    assert!(yes(&f, "tls.cert.hostname_match"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weak_has_a_weak_key_and_a_sha1_signature() {
    let f = probe(common::TLS_WEAK, common::TLS_WEAK_NAME, &lab_trust()).await;
    assert_eq!(f.get_str("tls.cert.key_type"), Some("RSA"));
    assert_eq!(int(&f, "tls.cert.key_bits"), 1024);
    assert!(yes(&f, "tls.cert.weak_key"));
    assert_eq!(
        f.get_str("tls.cert.signature_algorithm"),
        Some("sha1WithRSAEncryption")
    );
    assert!(yes(&f, "tls.cert.weak_signature"));
    // The leaf only: a self-signed root the server also sends is not judged by its signature.
    assert_eq!(
        strs(&f, "tls.cert.weak_signatures"),
        ["CN=weak.lab.test: sha1WithRSAEncryption"]
    );
    // Modern clients refuse SHA-1 in the path, so the chain does not validate.
    assert!(!yes(&f, "tls.cert.chain_valid"));
    assert!(f
        .get_str("tls.cert.chain_error")
        .is_some_and(|e| e.contains("SHA-1")));
    assert!(yes(&f, "tls.cert.hostname_match"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls13_by_address_fetches_without_sni_and_does_not_match() {
    let ip = common::TLS_TLS13.split(':').next().unwrap();
    let f = probe(common::TLS_TLS13, ip, &lab_trust()).await;
    assert_eq!(f.get_str("tls.cert.source"), Some("TLSv1.3 via rustls"));
    assert_eq!(f.get_str("tls.cert.subject"), Some("CN=tls13.lab.test"));
    assert!(!yes(&f, "tls.cert.hostname_match"));
    assert!(
        yes(&f, "tls.cert.chain_valid"),
        "{:?}",
        f.get_str("tls.cert.chain_error")
    );
}
