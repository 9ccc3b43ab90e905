//! Unit tests of the certificate analysis on chains made with rcgen, and on the fixed OpenSSL
//! vectors of tests/vectors/cert/ for what rcgen with ring cannot make (RSA-1024, SHA-1).

use super::*;
use proptest::prelude::*;
use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair,
    SignatureAlgorithm, PKCS_ECDSA_P256_SHA256, PKCS_ECDSA_P384_SHA384, PKCS_ED25519,
};

const LEAF_RSA: &str = include_str!("../../tests/vectors/cert/rsa2048.key");
const CA_RSA: &str = include_str!("../../tests/vectors/cert/rsa2048-ca.key");
const V_ROOT: &str = include_str!("../../tests/vectors/cert/root.pem");
const V_INTER_SHA1: &str = include_str!("../../tests/vectors/cert/inter-sha1.pem");
const V_RSA1024: &str = include_str!("../../tests/vectors/cert/leaf-rsa1024.pem");
const V_SHA1: &str = include_str!("../../tests/vectors/cert/leaf-sha1.pem");
const V_VIA_INTER: &str = include_str!("../../tests/vectors/cert/leaf-via-inter.pem");

fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2030-06-01T09:00:00+09:00").unwrap()
}

fn pem_der(pem: &str) -> Vec<u8> {
    use rustls::pki_types::{pem::PemObject, CertificateDer};
    CertificateDer::from_pem_slice(pem.as_bytes())
        .unwrap()
        .to_vec()
}

enum Key {
    Rsa,
    RsaCa,
    Alg(&'static SignatureAlgorithm),
}

fn key(k: Key) -> KeyPair {
    match k {
        Key::Rsa => KeyPair::from_pem(LEAF_RSA).unwrap(),
        Key::RsaCa => KeyPair::from_pem(CA_RSA).unwrap(),
        Key::Alg(alg) => KeyPair::generate_for(alg).unwrap(),
    }
}

fn ca_params(cn: &str) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.distinguished_name
        .push(DnType::OrganizationName, "vendor-audit tests");
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.not_before = date_time_ymd(2020, 1, 1);
    p.not_after = date_time_ymd(2040, 1, 1);
    p
}

fn root(k: Key) -> CertifiedIssuer<'static, KeyPair> {
    CertifiedIssuer::self_signed(ca_params("Test Root"), key(k)).unwrap()
}

fn leaf_params(names: &[&str], from: (i32, u8, u8), to: (i32, u8, u8)) -> CertificateParams {
    let names: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
    let mut p = CertificateParams::new(names.clone()).unwrap();
    p.distinguished_name.push(
        DnType::CommonName,
        names.first().cloned().unwrap_or_default(),
    );
    p.not_before = date_time_ymd(from.0, from.1, from.2);
    p.not_after = date_time_ymd(to.0, to.1, to.2);
    p
}

fn leaf(
    names: &[&str],
    k: Key,
    issuer: &CertifiedIssuer<'_, KeyPair>,
    from: (i32, u8, u8),
    to: (i32, u8, u8),
) -> Vec<u8> {
    let params = leaf_params(names, from, to);
    params.signed_by(&key(k), issuer).unwrap().der().to_vec()
}

fn trust_of(ders: &[&[u8]]) -> TrustAnchors {
    let mut t = TrustAnchors::empty();
    for d in ders {
        t.add_der(d).unwrap();
    }
    t
}

fn source() -> Source {
    Source {
        how: "TLSv1.2 handshake".into(),
        suite: Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".into()),
    }
}

fn run(chain: &[Vec<u8>], name: &str, trust: &TrustAnchors) -> Facts {
    let facts = analyse(&source(), chain, name, trust, now());
    // Every fact is either observed or unavailable with a reason (curve: only for EC keys).
    for fact in fact_names() {
        let known = facts.get(fact).is_some() || facts.why_unavailable(fact).is_some();
        assert!(
            known || fact == "tls.cert.curve",
            "{fact} missing: {facts:#?}"
        );
    }
    facts
}

fn int(f: &Facts, name: &str) -> i64 {
    match f.get(name) {
        Some(FactValue::Int(i)) => *i,
        other => panic!("{name}: {other:?}"),
    }
}

fn strs(f: &Facts, name: &str) -> Vec<String> {
    match f.get(name) {
        Some(FactValue::List(items)) => items.iter().map(FactValue::display).collect(),
        other => panic!("{name}: {other:?}"),
    }
}

const NOW_VALID: ((i32, u8, u8), (i32, u8, u8)) = ((2030, 1, 1), (2030, 12, 1));

#[test]
fn rsa_2048_leaf_from_a_trusted_ca() {
    let ca = root(Key::RsaCa);
    let der = leaf(
        &["www.example.test"],
        Key::Rsa,
        &ca,
        NOW_VALID.0,
        NOW_VALID.1,
    );
    let f = run(&[der], "www.example.test", &trust_of(&[ca.der()]));
    assert_eq!(f.get_str("tls.cert.source"), Some("TLSv1.2 handshake"));
    assert_eq!(
        f.get_str("tls.cert.source_suite"),
        Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
    );
    assert_eq!(f.get_str("tls.cert.subject"), Some("CN=www.example.test"));
    assert_eq!(
        f.get_str("tls.cert.issuer"),
        Some("O=vendor-audit tests,CN=Test Root")
    );
    assert_eq!(strs(&f, "tls.cert.sans"), ["www.example.test"]);
    assert_eq!(f.get_str("tls.cert.key_type"), Some("RSA"));
    assert_eq!(int(&f, "tls.cert.key_bits"), 2048);
    assert_eq!(f.get("tls.cert.curve"), None);
    assert_eq!(f.get_bool("tls.cert.weak_key"), Some(false));
    assert_eq!(
        f.get_str("tls.cert.signature_algorithm"),
        Some("sha256WithRSAEncryption")
    );
    assert_eq!(f.get_bool("tls.cert.weak_signature"), Some(false));
    assert!(strs(&f, "tls.cert.weak_signatures").is_empty());
    assert_eq!(f.get_bool("tls.cert.self_signed"), Some(false));
    assert_eq!(int(&f, "tls.cert.chain_length"), 1);
    assert_eq!(f.get_bool("tls.cert.chain_valid"), Some(true));
    assert_eq!(f.get_str("tls.cert.chain_error"), Some(""));
    assert_eq!(f.get_str("tls.cert.name"), Some("www.example.test"));
    assert_eq!(f.get_bool("tls.cert.hostname_match"), Some(true));
    assert_eq!(
        f.get_str("tls.cert.not_before"),
        Some("2030-01-01T00:00:00Z")
    );
    assert_eq!(
        f.get_str("tls.cert.not_after"),
        Some("2030-12-01T00:00:00Z")
    );
    // 2030-06-01T00:00Z to 2030-12-01T00:00Z: 183 days.
    assert_eq!(int(&f, "tls.cert.days_left"), 183);
    assert_eq!(f.get_bool("tls.cert.expired"), Some(false));
    assert_eq!(f.get_bool("tls.cert.not_yet_valid"), Some(false));
    assert_eq!(
        f.get_str("tls.cert.trust_store"),
        Some("no system roots + 1 inventory anchor")
    );
    assert!(f
        .get_str("tls.cert.serial")
        .is_some_and(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit())));
}

#[test]
fn ec_keys_give_curve_and_bits() {
    for (alg, curve, bits, sig) in [
        (&PKCS_ECDSA_P256_SHA256, "P-256", 256, "ecdsa-with-SHA256"),
        (&PKCS_ECDSA_P384_SHA384, "P-384", 384, "ecdsa-with-SHA384"),
    ] {
        let ca = root(Key::Alg(alg));
        let der = leaf(
            &["ec.example.test"],
            Key::Alg(alg),
            &ca,
            NOW_VALID.0,
            NOW_VALID.1,
        );
        let f = run(&[der], "ec.example.test", &trust_of(&[ca.der()]));
        assert_eq!(f.get_str("tls.cert.key_type"), Some("EC"));
        assert_eq!(f.get_str("tls.cert.curve"), Some(curve));
        assert_eq!(int(&f, "tls.cert.key_bits"), bits);
        assert_eq!(f.get_bool("tls.cert.weak_key"), Some(false));
        assert_eq!(f.get_str("tls.cert.signature_algorithm"), Some(sig));
        assert_eq!(f.get_bool("tls.cert.chain_valid"), Some(true), "{f:#?}");
    }
}

#[test]
fn ed25519_is_named() {
    let ca = root(Key::Alg(&PKCS_ED25519));
    let der = leaf(
        &["ed.example.test"],
        Key::Alg(&PKCS_ED25519),
        &ca,
        NOW_VALID.0,
        NOW_VALID.1,
    );
    let f = run(&[der], "ed.example.test", &trust_of(&[ca.der()]));
    assert_eq!(f.get_str("tls.cert.key_type"), Some("Ed25519"));
    assert_eq!(int(&f, "tls.cert.key_bits"), 256);
    assert_eq!(f.get_str("tls.cert.signature_algorithm"), Some("Ed25519"));
    assert_eq!(f.get_bool("tls.cert.chain_valid"), Some(true), "{f:#?}");
}

#[test]
fn rsa_1024_leaf_is_a_weak_key() {
    let root = pem_der(V_ROOT);
    let f = run(
        &[pem_der(V_RSA1024)],
        "weak.vectors.test",
        &trust_of(&[&root]),
    );
    assert_eq!(f.get_str("tls.cert.key_type"), Some("RSA"));
    assert_eq!(int(&f, "tls.cert.key_bits"), 1024);
    assert_eq!(f.get_bool("tls.cert.weak_key"), Some(true));
    assert_eq!(f.get_bool("tls.cert.weak_signature"), Some(false));
    // The root signed it with SHA-256 and a 2048-bit key: the path itself is fine.
    assert_eq!(f.get_bool("tls.cert.chain_valid"), Some(true), "{f:#?}");
    assert_eq!(f.get_bool("tls.cert.hostname_match"), Some(true));
    assert_eq!(f.get_str("tls.cert.serial"), Some("1003"));
}

#[test]
fn sha1_signed_leaf_is_a_weak_signature_and_does_not_validate() {
    let root = pem_der(V_ROOT);
    let f = run(&[pem_der(V_SHA1)], "sha1.vectors.test", &trust_of(&[&root]));
    assert_eq!(
        f.get_str("tls.cert.signature_algorithm"),
        Some("sha1WithRSAEncryption")
    );
    assert_eq!(f.get_bool("tls.cert.weak_signature"), Some(true));
    assert_eq!(
        strs(&f, "tls.cert.weak_signatures"),
        ["CN=sha1.vectors.test: sha1WithRSAEncryption"]
    );
    assert_eq!(f.get_bool("tls.cert.chain_valid"), Some(false));
    let err = f.get_str("tls.cert.chain_error").unwrap();
    assert!(err.contains("SHA-1"), "{err}");
}

#[test]
fn sha1_intermediate_counts_but_a_sent_self_signed_root_does_not() {
    let root = pem_der(V_ROOT);
    let chain = [pem_der(V_VIA_INTER), pem_der(V_INTER_SHA1), root.clone()];
    let f = run(&chain, "inter.vectors.test", &trust_of(&[&root]));
    assert_eq!(int(&f, "tls.cert.chain_length"), 3);
    assert_eq!(
        f.get_str("tls.cert.signature_algorithm"),
        Some("sha256WithRSAEncryption")
    );
    assert_eq!(f.get_bool("tls.cert.weak_signature"), Some(true));
    assert_eq!(
        strs(&f, "tls.cert.weak_signatures"),
        ["O=vendor-audit tests,CN=vectors intermediate: sha1WithRSAEncryption"]
    );
    assert_eq!(f.get_bool("tls.cert.chain_valid"), Some(false));
}

#[test]
fn chain_with_an_intermediate_validates_only_when_the_intermediate_is_sent() {
    let ca = root(Key::Alg(&PKCS_ECDSA_P256_SHA256));
    let inter = CertifiedIssuer::signed_by(
        ca_params("Test Intermediate"),
        key(Key::Alg(&PKCS_ECDSA_P256_SHA256)),
        &ca,
    )
    .unwrap();
    let der = leaf(
        &["a.example.test"],
        Key::Alg(&PKCS_ECDSA_P256_SHA256),
        &inter,
        NOW_VALID.0,
        NOW_VALID.1,
    );
    let trust = trust_of(&[ca.der()]);
    let f = run(
        &[der.clone(), inter.der().to_vec()],
        "a.example.test",
        &trust,
    );
    assert_eq!(f.get_bool("tls.cert.chain_valid"), Some(true), "{f:#?}");
    assert_eq!(int(&f, "tls.cert.chain_length"), 2);

    let f = run(&[der], "a.example.test", &trust);
    assert_eq!(f.get_bool("tls.cert.chain_valid"), Some(false));
    let err = f.get_str("tls.cert.chain_error").unwrap();
    assert!(
        err.starts_with(
            "unknown issuer: no path from \"O=vendor-audit tests,CN=Test Intermediate\""
        ) && err.contains("(no system roots + 1 inventory anchor)")
            && err.contains("no intermediate"),
        "{err}"
    );
}

#[test]
fn expired_leaf_from_a_trusted_ca_is_trusted_but_expired() {
    let ca = root(Key::Alg(&PKCS_ECDSA_P256_SHA256));
    let der = leaf(
        &["old.example.test"],
        Key::Alg(&PKCS_ECDSA_P256_SHA256),
        &ca,
        (2020, 1, 1),
        (2021, 1, 1),
    );
    let f = run(&[der], "old.example.test", &trust_of(&[ca.der()]));
    assert_eq!(f.get_bool("tls.cert.expired"), Some(true));
    assert_eq!(f.get_bool("tls.cert.not_yet_valid"), Some(false));
    assert!(int(&f, "tls.cert.days_left") < -3000);
    assert_eq!(f.get_bool("tls.cert.chain_valid"), Some(true), "{f:#?}");
}

#[test]
fn not_yet_valid_leaf() {
    let ca = root(Key::Alg(&PKCS_ECDSA_P256_SHA256));
    let der = leaf(
        &["new.example.test"],
        Key::Alg(&PKCS_ECDSA_P256_SHA256),
        &ca,
        (2031, 1, 1),
        (2032, 1, 1),
    );
    let f = run(&[der], "new.example.test", &trust_of(&[ca.der()]));
    assert_eq!(f.get_bool("tls.cert.not_yet_valid"), Some(true));
    assert_eq!(f.get_bool("tls.cert.expired"), Some(false));
    assert!(int(&f, "tls.cert.days_left") > 500);
    assert_eq!(f.get_bool("tls.cert.chain_valid"), Some(true), "{f:#?}");
}

#[test]
fn self_signed_leaf_is_untrusted_unless_it_is_an_anchor() {
    let k = key(Key::Alg(&PKCS_ECDSA_P256_SHA256));
    let params = leaf_params(&["other.example.test"], NOW_VALID.0, NOW_VALID.1);
    let der = params.self_signed(&k).unwrap().der().to_vec();
    let f = run(
        std::slice::from_ref(&der),
        "self.example.test",
        &TrustAnchors::empty(),
    );
    assert_eq!(f.get_bool("tls.cert.self_signed"), Some(true));
    assert_eq!(f.get_bool("tls.cert.chain_valid"), Some(false));
    let err = f.get_str("tls.cert.chain_error").unwrap();
    assert!(
        err.starts_with("self-signed certificate not among the trust anchors"),
        "{err}"
    );
    assert_eq!(f.get_bool("tls.cert.hostname_match"), Some(false));

    // The same certificate listed as a trust anchor: trusted directly.
    let f = run(
        std::slice::from_ref(&der),
        "other.example.test",
        &trust_of(&[&der]),
    );
    assert_eq!(f.get_bool("tls.cert.chain_valid"), Some(true), "{f:#?}");
    assert_eq!(f.get_bool("tls.cert.hostname_match"), Some(true));

    // An issuer = subject certificate whose signature is not its own is not self-signed.
    let ca = root(Key::Alg(&PKCS_ECDSA_P256_SHA256));
    let mut p = ca_params("Test Root");
    p.is_ca = IsCa::NoCa;
    let fake = p
        .signed_by(&key(Key::Alg(&PKCS_ECDSA_P256_SHA256)), &ca)
        .unwrap();
    let info = describe(fake.der()).unwrap();
    assert_eq!(info.subject, info.issuer);
    assert!(!info.self_signed);
}

#[test]
fn wrong_name_and_name_forms() {
    let ca = root(Key::Alg(&PKCS_ECDSA_P256_SHA256));
    let der = leaf(
        &["www.example.test", "*.api.example.test"],
        Key::Alg(&PKCS_ECDSA_P256_SHA256),
        &ca,
        NOW_VALID.0,
        NOW_VALID.1,
    );
    let trust = trust_of(&[ca.der()]);
    for (name, expect) in [
        ("www.example.test", true),
        ("WWW.Example.Test", true),
        ("www.example.test.", true),
        ("v1.api.example.test", true),
        ("example.test", false),
        ("a.b.api.example.test", false),
        ("other.test", false),
    ] {
        let f = run(std::slice::from_ref(&der), name, &trust);
        assert_eq!(
            f.get_bool("tls.cert.hostname_match"),
            Some(expect),
            "{name}"
        );
        assert_eq!(f.get_str("tls.cert.name"), Some(name));
    }
    let f = run(&[der], "not a name", &trust);
    assert!(f
        .why_unavailable("tls.cert.hostname_match")
        .is_some_and(|w| w.contains("neither a DNS name nor an IP address")));
}

#[test]
fn ip_san_matches_a_literal_ip_only() {
    let ca = root(Key::Alg(&PKCS_ECDSA_P256_SHA256));
    let der = leaf(
        &["192.0.2.7", "2001:db8::7", "host.example.test"],
        Key::Alg(&PKCS_ECDSA_P256_SHA256),
        &ca,
        NOW_VALID.0,
        NOW_VALID.1,
    );
    let trust = trust_of(&[ca.der()]);
    let f = run(std::slice::from_ref(&der), "192.0.2.7", &trust);
    assert_eq!(
        strs(&f, "tls.cert.sans"),
        ["192.0.2.7", "2001:db8::7", "host.example.test"]
    );
    assert_eq!(f.get_bool("tls.cert.hostname_match"), Some(true));
    for (name, expect) in [
        ("[2001:db8::7]", true),
        ("2001:db8::7", true),
        ("192.0.2.8", false),
        ("host.example.test", true),
    ] {
        let f = run(std::slice::from_ref(&der), name, &trust);
        assert_eq!(
            f.get_bool("tls.cert.hostname_match"),
            Some(expect),
            "{name}"
        );
    }
    // A DNS SAN does not match an IP, nor an IP SAN a DNS name made of its digits.
    let dns_only = leaf(
        &["host.example.test"],
        Key::Alg(&PKCS_ECDSA_P256_SHA256),
        &ca,
        NOW_VALID.0,
        NOW_VALID.1,
    );
    let f = run(&[dns_only], "192.0.2.7", &trust);
    assert_eq!(f.get_bool("tls.cert.hostname_match"), Some(false));
}

#[test]
fn unknown_issuer_names_the_trust_store() {
    let ca = root(Key::Alg(&PKCS_ECDSA_P256_SHA256));
    let der = leaf(
        &["x.example.test"],
        Key::Alg(&PKCS_ECDSA_P256_SHA256),
        &ca,
        NOW_VALID.0,
        NOW_VALID.1,
    );
    let f = run(&[der], "x.example.test", &TrustAnchors::empty());
    assert_eq!(f.get_bool("tls.cert.chain_valid"), Some(false));
    assert_eq!(
        f.get_str("tls.cert.chain_error"),
        Some(
            "unknown issuer: no path from \"O=vendor-audit tests,CN=Test Root\" to a trust \
             anchor (no system roots + 0 inventory anchors); the server sent no intermediate \
             certificate"
        )
    );
}

#[test]
fn no_chain_makes_every_fact_unavailable_with_the_reason() {
    let f = unavailable("no TLS handshake succeeded");
    assert!(f.values.is_empty());
    for fact in fact_names() {
        assert_eq!(f.why_unavailable(fact), Some("no TLS handshake succeeded"));
    }
}

#[test]
fn empty_and_garbage_chains_are_facts_not_panics() {
    let f = run(&[], "x.example.test", &TrustAnchors::empty());
    assert_eq!(int(&f, "tls.cert.chain_length"), 0);
    assert_eq!(f.get_bool("tls.cert.chain_valid"), Some(false));

    let f = run(
        &[vec![0x30, 0x03, 0x02, 0x01, 0x01]],
        "x.example.test",
        &TrustAnchors::empty(),
    );
    assert!(f
        .why_unavailable("tls.cert.subject")
        .is_some_and(|w| w.starts_with("the server's certificate cannot be read")));
    assert_eq!(f.get_bool("tls.cert.chain_valid"), Some(false));
    assert!(f
        .get_str("tls.cert.chain_error")
        .is_some_and(|e| e.contains("cannot be parsed")));
    assert!(f.why_unavailable("tls.cert.hostname_match").is_some());
}

#[test]
fn days_left_rounds_down() {
    assert_eq!(days_between(0, 86_400 * 9 + 43_200), 9);
    assert_eq!(days_between(0, -1), -1);
    assert_eq!(days_between(0, 0), 0);
    assert_eq!(
        days_between(i64::MIN, i64::MAX),
        i64::MAX.div_euclid(86_400)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Arbitrary bytes as a chain: facts, never a panic.
    #[test]
    fn arbitrary_chains_do_not_panic(chain in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..600), 0..4)) {
        let _ = analyse(&source(), &chain, "x.example.test", &TrustAnchors::empty(), now());
    }

    /// A real chain with bytes changed: facts, never a panic.
    #[test]
    fn mutated_certificates_do_not_panic(edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8), cut in any::<prop::sample::Index>()) {
        let mut leaf = pem_der(V_VIA_INTER);
        let mut inter = pem_der(V_INTER_SHA1);
        for (i, b) in &edits {
            let at = i.index(leaf.len());
            leaf[at] = *b;
            let at = i.index(inter.len());
            inter[at] ^= *b;
        }
        inter.truncate(cut.index(inter.len() + 1));
        let root = pem_der(V_ROOT);
        let trust = trust_of(&[&root]);
        let _ = analyse(&source(), &[leaf, inter], "inter.vectors.test", &trust, now());
    }
}

#[test]
fn every_fact_is_catalogued_as_a_tls_fact() {
    for name in fact_names() {
        let spec = crate::catalog::facts::spec(name)
            .unwrap_or_else(|| panic!("{name} is not in src/catalog/facts.rs"));
        assert_eq!(spec.probe, "tls", "{name}");
    }
    // And the other way: every catalogued tls.cert.* fact is one this module records.
    for spec in crate::catalog::facts::FACTS {
        if spec.name.starts_with("tls.cert.") {
            assert!(
                fact_names().any(|n| n == spec.name),
                "{} is never recorded",
                spec.name
            );
        }
    }
}

#[test]
fn recorded_values_have_their_catalogued_types() {
    let ca = root(Key::Alg(&PKCS_ECDSA_P256_SHA256));
    let der = leaf(
        &["t.example.test"],
        Key::Alg(&PKCS_ECDSA_P256_SHA256),
        &ca,
        NOW_VALID.0,
        NOW_VALID.1,
    );
    let f = run(&[der], "t.example.test", &trust_of(&[ca.der()]));
    for (name, value) in &f.values {
        let spec = crate::catalog::facts::spec(name).unwrap();
        assert!(
            spec.kind.matches(value),
            "{name}: {value:?} is not a {}",
            spec.kind.name()
        );
    }
}

/// A leaf of `sans` names, each 60 bytes long, from a trusted CA.
fn leaf_with_many_names(count: usize, ca: &CertifiedIssuer<'_, KeyPair>) -> (Vec<u8>, String) {
    let names: Vec<String> = (0..count)
        .map(|i| format!("host-{i:06}-{}.big.example.test", "x".repeat(30)))
        .collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let params = leaf_params(&refs, NOW_VALID.0, NOW_VALID.1);
    let der = params
        .signed_by(&key(Key::Alg(&PKCS_ECDSA_P256_SHA256)), ca)
        .unwrap()
        .der()
        .to_vec();
    (der, names[count / 2].clone())
}

#[test]
fn a_certificate_over_64_kib_is_too_large_not_malformed_and_its_names_still_count() {
    let ca = root(Key::Alg(&PKCS_ECDSA_P256_SHA256));
    let trust = trust_of(&[ca.der()]);
    let (der, middle) = leaf_with_many_names(1200, &ca);
    assert!(der.len() > 65_539, "{} bytes", der.len());
    // The premise: webpki itself refuses it, as bad DER (0.103 says trailing data after the
    // SignedData it cannot read), which `webpki_reason` words as "malformed (bad DER)".
    let cert = rustls::pki_types::CertificateDer::from(der.as_slice());
    let parsed = webpki::EndEntityCert::try_from(&cert).map(|_| ());
    let refused = parsed.unwrap_err();
    assert!(webpki_reason(&refused).contains("bad DER"), "{refused:?}");
    let f = run(std::slice::from_ref(&der), &middle, &trust);
    assert_eq!(f.get_bool("tls.cert.chain_valid"), Some(false));
    assert_eq!(
        f.get_str("tls.cert.chain_error").unwrap(),
        format!(
            "certificate of {} bytes: too large for common TLS clients (rustls-webpki refuses \
             certificates over 64 KiB)",
            der.len()
        )
    );
    assert_eq!(f.get_bool("tls.cert.hostname_match"), Some(true), "{f:#?}");
    assert_eq!(strs(&f, "tls.cert.sans").len(), 1200);
    let f = run(&[der], "other.example.test", &trust);
    assert_eq!(f.get_bool("tls.cert.hostname_match"), Some(false));
    assert_eq!(f.get_bool("tls.cert.expired"), Some(false));

    // Under the limit the same kind of leaf validates as usual.
    let (der, middle) = leaf_with_many_names(900, &ca);
    assert!(der.len() < 65_000, "{} bytes", der.len());
    let f = run(&[der], &middle, &trust);
    assert_eq!(f.get_bool("tls.cert.chain_valid"), Some(true), "{f:#?}");
    assert_eq!(f.get_bool("tls.cert.hostname_match"), Some(true));
}

#[test]
fn validity_around_the_clock() {
    // Leaf valid from 2030-01-01T00:00:00Z to 2030-12-01T00:00:00Z, judged a second either side
    // of each end: exactly one of not_yet_valid / expired, or neither, never both.
    let ca = root(Key::Alg(&PKCS_ECDSA_P256_SHA256));
    let der = leaf(
        &["clock.example.test"],
        Key::Alg(&PKCS_ECDSA_P256_SHA256),
        &ca,
        NOW_VALID.0,
        NOW_VALID.1,
    );
    let trust = trust_of(&[ca.der()]);
    let at = |t: &str| {
        let now = DateTime::parse_from_rfc3339(t).unwrap();
        analyse(
            &source(),
            std::slice::from_ref(&der),
            "clock.example.test",
            &trust,
            now,
        )
    };
    for (t, not_yet, expired) in [
        ("2029-12-31T23:59:59Z", true, false),
        ("2030-01-01T09:00:00+09:00", false, false), // the same instant as not_before
        ("2030-06-01T00:00:00Z", false, false),
        ("2030-12-01T00:00:00Z", false, false),
        ("2030-12-01T00:00:01Z", false, true),
    ] {
        let f = at(t);
        assert_eq!(f.get_bool("tls.cert.not_yet_valid"), Some(not_yet), "{t}");
        assert_eq!(f.get_bool("tls.cert.expired"), Some(expired), "{t}");
        // Trust does not depend on the clock.
        assert_eq!(f.get_bool("tls.cert.chain_valid"), Some(true), "{t}");
    }
    assert_eq!(
        at("2029-12-31T23:59:59Z").get_str("tls.cert.not_before"),
        Some("2030-01-01T00:00:00Z")
    );
}
