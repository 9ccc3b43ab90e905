//! Mozilla's server-side TLS "intermediate" profile (guidelines 6.0), kept as data in
//! `mozilla-intermediate-6.0.toml`, and the comparison of an endpoint's facts against it: each
//! deviation named, as sslyze's Mozilla check does, in English and Japanese.

use std::sync::OnceLock;

use chrono::DateTime;
use serde::Deserialize;

use crate::catalog::Text;
use crate::diagnostic::both;
use crate::fact::Facts;

/// A TLS configuration profile.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    pub version: String,
    pub source: String,
    pub tls_versions: Vec<String>,
    /// Allowed TLS 1.2 (and older) suites.
    pub ciphers: Vec<String>,
    /// Allowed TLS 1.3 suites.
    pub ciphersuites: Vec<String>,
    pub certificate_types: Vec<String>,
    pub certificate_curves: Vec<String>,
    pub certificate_signatures: Vec<String>,
    pub rsa_key_size: i64,
    /// The smallest finite-field DH group a DHE suite may use.
    pub dh_param_size: i64,
    pub maximum_certificate_lifespan_days: i64,
    pub not_evaluated: Vec<String>,
}

const INTERMEDIATE_TOML: &str = include_str!("mozilla-intermediate-6.0.toml");

/// The intermediate profile, parsed once (a unit test proves the data parses).
pub fn intermediate() -> &'static Profile {
    static PROFILE: OnceLock<Profile> = OnceLock::new();
    PROFILE.get_or_init(|| match toml::from_str(INTERMEDIATE_TOML) {
        Ok(p) => p,
        // The data is compiled in and parsed by a unit test: this cannot happen in a release.
        Err(e) => panic!("src/derive/mozilla-intermediate-6.0.toml: {e}"),
    })
}

/// What the comparison found: the deviations, or why it cannot be complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// Each deviation in English and Japanese (`…deviations`, `…deviations_ja`).
    pub deviations: Vec<Text>,
    /// Facts the comparison needed and did not have, with the probe's reason when it gave one
    /// (then no deviation does not mean a pass).
    pub missing: Vec<(String, Option<String>)>,
}

/// Compares an endpoint's facts (`tls.protocols`, `tls.suites`, `tls.cert.*`) with `profile`.
pub fn compare(profile: &Profile, facts: &Facts) -> Comparison {
    let mut deviations = Vec::new();
    let mut missing = Vec::new();

    if need(facts, "tls.protocols", &mut missing) {
        let allowed = profile.tls_versions.join(", ");
        for version in super::tls::strings(facts, "tls.protocols") {
            if !profile.tls_versions.contains(&version) {
                deviations.push(both(
                    format!("{version} accepted (profile: {allowed} only)"),
                    format!("{version} を受け付ける（プロファイルは {allowed} のみ）"),
                ));
            }
        }
    }
    if need(facts, "tls.suites", &mut missing) {
        for (version, suites) in super::tls::suites_by_version(facts) {
            let allowed = if version == "TLSv1.3" {
                &profile.ciphersuites
            } else {
                &profile.ciphers
            };
            let extra: Vec<&str> = suites
                .iter()
                .map(String::as_str)
                .filter(|s| !allowed.iter().any(|a| a == s))
                .collect();
            if !extra.is_empty() {
                let (n, few) = (extra.len(), first_few(&extra));
                deviations.push(both(
                    format!("{version}: {n} suite(s) outside the profile ({})", few.en),
                    format!(
                        "{version}: プロファイル外の暗号スイート {n} 件（{}）",
                        few.ja
                    ),
                ));
            }
        }
    }

    let key_type = need(facts, "tls.cert.key_type", &mut missing).then(|| {
        facts
            .get_str("tls.cert.key_type")
            .unwrap_or_default()
            .to_owned()
    });
    if let Some(key_type) = &key_type {
        if !profile.certificate_types.contains(key_type) {
            let types = profile.certificate_types.join(", ");
            deviations.push(both(
                format!("certificate key type {key_type} (profile: {types})"),
                format!("証明書の鍵の種類 {key_type}（プロファイルは {types}）"),
            ));
        }
        if key_type == "RSA" && need(facts, "tls.cert.key_bits", &mut missing) {
            let bits = facts.get_int("tls.cert.key_bits").unwrap_or(0);
            let least = profile.rsa_key_size;
            if bits < least {
                deviations.push(both(
                    format!("certificate RSA key of {bits} bits (profile: at least {least})"),
                    format!("証明書の RSA 鍵長 {bits} ビット（プロファイルは {least} ビット以上）"),
                ));
            }
        }
        if key_type == "EC" && need(facts, "tls.cert.curve", &mut missing) {
            let curve = facts.get_str("tls.cert.curve").unwrap_or_default();
            if !profile.certificate_curves.iter().any(|c| c == curve) {
                let curves = profile.certificate_curves.join(", ");
                deviations.push(both(
                    format!("certificate curve {curve} (profile: {curves})"),
                    format!("証明書の曲線 {curve}（プロファイルは {curves}）"),
                ));
            }
        }
    }
    if need(facts, "tls.cert.signature_algorithm", &mut missing) {
        let sig = facts
            .get_str("tls.cert.signature_algorithm")
            .unwrap_or_default();
        if !profile.certificate_signatures.iter().any(|s| s == sig) {
            let sigs = profile.certificate_signatures.join(", ");
            deviations.push(both(
                format!("certificate signature {sig} (profile: {sigs})"),
                format!("証明書の署名 {sig}（プロファイルは {sigs}）"),
            ));
        }
    }
    // Only when a DHE suite was accepted (the probe records the group then, or says why not).
    let dhe = facts.get("tls.dh_bits").is_some() || facts.why_unavailable("tls.dh_bits").is_some();
    if dhe && need(facts, "tls.dh_bits", &mut missing) {
        let bits = facts.get_int("tls.dh_bits").unwrap_or(0);
        let least = profile.dh_param_size;
        if bits < least {
            deviations.push(both(
                format!("DHE group of {bits} bits (profile: at least {least})"),
                format!("DHE のグループ {bits} ビット（プロファイルは {least} ビット以上）"),
            ));
        }
    }
    if need(facts, "tls.cert.not_before", &mut missing)
        && need(facts, "tls.cert.not_after", &mut missing)
    {
        let parse = |name: &str| {
            facts
                .get_str(name)
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        };
        match (parse("tls.cert.not_before"), parse("tls.cert.not_after")) {
            (Some(from), Some(to)) => {
                let days = (to - from).num_days();
                let most = profile.maximum_certificate_lifespan_days;
                if days > most {
                    deviations.push(both(
                        format!("certificate lifespan {days} days (profile: at most {most})"),
                        format!("証明書の有効期間 {days} 日（プロファイルは {most} 日以内）"),
                    ));
                }
            }
            _ => missing.push((
                "tls.cert.not_before".to_owned(),
                Some("not_before/not_after are not RFC 3339".to_owned()),
            )),
        }
    }
    Comparison {
        deviations,
        missing,
    }
}

/// At most three names, then how many more (the full lists are in `tls.suites`).
fn first_few(names: &[&str]) -> Text {
    const SHOWN: usize = 3;
    let shown = names.iter().take(SHOWN).copied().collect::<Vec<_>>();
    let (en, ja) = (shown.join(", "), shown.join("、"));
    match names.len().saturating_sub(SHOWN) {
        0 => both(en, ja),
        more => both(
            format!("{en} and {more} more"),
            format!("{ja} ほか {more} 件"),
        ),
    }
}

/// Whether `name` was observed; if not, notes it (with the probe's reason) in `missing`.
fn need(facts: &Facts, name: &str, missing: &mut Vec<(String, Option<String>)>) -> bool {
    let there = facts.get(name).is_some();
    if !there {
        missing.push((
            name.to_owned(),
            facts.why_unavailable(name).map(str::to_owned),
        ));
    }
    there
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fact::FactValue;

    fn good() -> Facts {
        let mut f = Facts::new();
        f.set("tls.protocols", vec!["TLSv1.2", "TLSv1.3"]);
        f.set(
            "tls.suites",
            FactValue::Map(
                [
                    (
                        "TLSv1.2".to_owned(),
                        vec!["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"].into(),
                    ),
                    ("TLSv1.3".to_owned(), vec!["TLS_AES_128_GCM_SHA256"].into()),
                ]
                .into(),
            ),
        );
        f.set("tls.cert.key_type", "RSA");
        f.set("tls.cert.key_bits", 2048i64);
        f.set("tls.cert.signature_algorithm", "sha256WithRSAEncryption");
        f.set("tls.cert.not_before", "2026-01-01T00:00:00Z");
        f.set("tls.cert.not_after", "2026-12-31T00:00:00Z");
        f
    }

    #[test]
    fn the_data_parses_and_carries_its_version() {
        let p = intermediate();
        assert_eq!(p.version, "6.0");
        assert_eq!(p.tls_versions, ["TLSv1.2", "TLSv1.3"]);
        assert_eq!(p.ciphers.len() + p.ciphersuites.len(), 9);
        // Every suite named is in our registry: a typo would silently allow nothing.
        for s in p.ciphers.iter().chain(&p.ciphersuites) {
            assert!(
                crate::msgs::tls_suites::all().iter().any(|r| r.name == s),
                "{s} is not a registry name"
            );
        }
    }

    #[test]
    fn a_conforming_endpoint_has_no_deviation() {
        let c = compare(intermediate(), &good());
        assert_eq!(c.deviations, Vec::<Text>::new());
        assert!(c.missing.is_empty(), "{:?}", c.missing);
    }

    #[test]
    fn each_deviation_is_named() {
        let mut f = good();
        f.set("tls.protocols", vec!["TLSv1.0", "TLSv1.2"]);
        f.set(
            "tls.suites",
            FactValue::Map(
                [(
                    "TLSv1.0".to_owned(),
                    vec!["TLS_RSA_WITH_AES_128_CBC_SHA"].into(),
                )]
                .into(),
            ),
        );
        f.set("tls.cert.key_bits", 1024i64);
        f.set("tls.cert.signature_algorithm", "sha1WithRSAEncryption");
        f.set("tls.cert.not_after", "2028-01-01T00:00:00Z");
        f.set("tls.dh_bits", 1024i64);
        let c = compare(intermediate(), &f);
        let all = c
            .deviations
            .iter()
            .map(|d| d.en.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        for needle in [
            "TLSv1.0 accepted",
            "TLS_RSA_WITH_AES_128_CBC_SHA",
            "RSA key of 1024 bits",
            "signature sha1WithRSAEncryption",
            "lifespan 730 days",
            "DHE group of 1024 bits (profile: at least 2048)",
        ] {
            assert!(all.contains(needle), "{needle} missing from {all}");
        }
        assert_eq!(c.deviations.len(), 6);
        // A 2048-bit group is within the profile; an unread one is missing, not passed.
        let mut f = good();
        f.set("tls.dh_bits", 2048i64);
        assert!(compare(intermediate(), &f).deviations.is_empty());
        let mut f = good();
        f.unavailable("tls.dh_bits", "malformed");
        assert_eq!(compare(intermediate(), &f).missing.len(), 1);
    }

    #[test]
    fn an_ec_key_on_another_curve_deviates() {
        let mut f = good();
        f.set("tls.cert.key_type", "EC");
        f.set("tls.cert.curve", "P-521");
        f.set("tls.cert.signature_algorithm", "ecdsa-with-SHA512");
        let c = compare(intermediate(), &f);
        assert_eq!(c.deviations.len(), 1, "{:?}", c.deviations);
        assert!(c.deviations[0].en.contains("curve P-521"));
        assert_eq!(
            c.deviations[0].ja,
            "証明書の曲線 P-521（プロファイルは P-256, P-384）"
        );
    }

    /// Every deviation in Japanese, from the same values as the English one: the names
    /// (versions, suites, algorithms) as they are, no English sentence around them.
    #[test]
    fn each_deviation_is_said_in_japanese_with_the_same_values() {
        let mut f = good();
        f.set("tls.protocols", vec!["TLSv1.0", "TLSv1.2"]);
        let weak = [
            "TLS_RSA_WITH_AES_128_CBC_SHA",
            "TLS_RSA_WITH_AES_256_CBC_SHA",
            "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
            "TLS_RSA_WITH_RC4_128_SHA",
        ];
        f.set(
            "tls.suites",
            FactValue::Map([("TLSv1.0".to_owned(), weak.to_vec().into())].into()),
        );
        f.set("tls.cert.key_bits", 1024i64);
        f.set("tls.cert.signature_algorithm", "sha1WithRSAEncryption");
        f.set("tls.cert.not_after", "2028-01-01T00:00:00Z");
        f.set("tls.dh_bits", 1024i64);
        let ja: Vec<String> = compare(intermediate(), &f)
            .deviations
            .into_iter()
            .map(|d| d.ja)
            .collect();
        assert_eq!(
            ja,
            [
                "TLSv1.0 を受け付ける（プロファイルは TLSv1.2, TLSv1.3 のみ）",
                "TLSv1.0: プロファイル外の暗号スイート 4 件（TLS_RSA_WITH_AES_128_CBC_SHA、\
                 TLS_RSA_WITH_AES_256_CBC_SHA、TLS_RSA_WITH_3DES_EDE_CBC_SHA ほか 1 件）",
                "証明書の RSA 鍵長 1024 ビット（プロファイルは 2048 ビット以上）",
                "証明書の署名 sha1WithRSAEncryption（プロファイルは sha256WithRSAEncryption, \
                 ecdsa-with-SHA256, ecdsa-with-SHA384, ecdsa-with-SHA512）",
                "DHE のグループ 1024 ビット（プロファイルは 2048 ビット以上）",
                "証明書の有効期間 730 日（プロファイルは 366 日以内）",
            ]
        );
        let mut f = good();
        f.set("tls.cert.key_type", "DSA");
        let c = compare(intermediate(), &f);
        assert!(
            c.deviations[0]
                .ja
                .starts_with("証明書の鍵の種類 DSA（プロファイルは "),
            "{:?}",
            c.deviations
        );
    }

    #[test]
    fn missing_certificate_facts_are_reported_not_ignored() {
        let mut f = good();
        f.values.remove("tls.cert.signature_algorithm");
        f.unavailable("tls.cert.signature_algorithm", "no certificate fetched");
        let c = compare(intermediate(), &f);
        assert!(c.deviations.is_empty());
        assert_eq!(
            c.missing,
            [(
                "tls.cert.signature_algorithm".to_owned(),
                Some("no certificate fetched".to_owned())
            )]
        );
    }
}
