//! Derived TLS facts: the accepted legacy protocols, weak suites and suites without forward
//! secrecy, and the deviations from Mozilla's intermediate profile, from the enumeration and
//! certificate facts. A list that is empty only because the enumeration was incomplete is
//! recorded as unavailable, never as an empty (passing) list.

use crate::diagnostic::both;
use crate::fact::{FactValue, Facts};
use crate::msgs::tls_suites::{self, Suite};

/// The protocol names below TLS 1.2 (SPEC §10 spelling).
pub const LEGACY_PROTOCOLS: [&str; 4] = ["SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1"];

/// Adds the derived facts to an endpoint's facts (after the probe's `tls.*` and `tls.cert.*`).
/// The smallest DH group Mozilla's intermediate profile and `tls-weak-dh` accept (ffdhe2048).
const STRONG_DH_BITS: i64 = 2048;

/// `tls.dh_bits` is the smallest group the probe read. When some group could not be read
/// (`tls.dh_unread`) and those read are all strong, the unread one might be the weak one: the
/// smallest is unknown, so `tls.dh_bits` becomes unavailable (never a pass on a guess). A
/// group already read under 2048 bits is enough to tell, whatever was not read.
pub fn dh_bits(facts: &mut Facts) {
    let unread = strings(facts, "tls.dh_unread");
    if unread.is_empty() {
        return;
    }
    if facts
        .get_int("tls.dh_bits")
        .is_none_or(|bits| bits >= STRONG_DH_BITS)
    {
        facts.unavailable(
            "tls.dh_bits",
            format!("the DH group could not be read: {}", unread.join("; ")),
        );
    }
}

pub fn derive(facts: &mut Facts) {
    dh_bits(facts);
    let errors = strings(facts, "tls.errors");
    // Each reason in both languages; the probe's errors are quoted as they were recorded.
    let incomplete = if errors.is_empty() {
        None
    } else {
        let errors = errors.join("; ");
        Some(both(
            format!(
                "the enumeration was incomplete, so an empty list would prove nothing: {errors}"
            ),
            format!("列挙が完全ではないため、空の一覧は何の証明にもならない（原文: \"{errors}\"）"),
        ))
    };
    let enumerated = facts.get("tls.suites").is_some() && facts.get("tls.protocols").is_some();
    // The reason the enumeration gave, in Japanese too when it said one.
    let unenumerated = ["tls.protocols", "tls.suites"]
        .iter()
        .find_map(|name| {
            let en = facts.why_unavailable(name)?;
            Some(both(en, facts.why_unavailable_ja(name).unwrap_or(en)))
        })
        .unwrap_or_else(|| {
            both(
                "the protocols and suites were not enumerated",
                "プロトコルと暗号スイートを列挙していない",
            )
        });

    let put = |facts: &mut Facts, name: &str, found: Vec<String>| {
        if !enumerated {
            facts.unavailable_both(name, &unenumerated);
        } else if found.is_empty() {
            match &incomplete {
                Some(why) => facts.unavailable_both(name, why),
                None => facts.set(name, found),
            }
        } else {
            facts.set(name, found);
        }
    };

    let legacy: Vec<String> = strings(facts, "tls.protocols")
        .into_iter()
        .filter(|p| LEGACY_PROTOCOLS.contains(&p.as_str()))
        .collect();
    put(facts, "tls.legacy_protocols", legacy);

    let by_version = suites_by_version(facts);
    let mut weak: Vec<String> = Vec::new();
    let mut no_fs: Vec<String> = Vec::new();
    let mut dhe: Vec<String> = Vec::new();
    for (version, suites) in &by_version {
        for name in suites {
            let is_weak = if version == "SSLv2" {
                ssl2_spec_weak(name)
            } else {
                lookup(name).is_some_and(|s| s.weak())
            };
            if is_weak && !weak.contains(name) {
                weak.push(name.clone());
            }
            let lacks_fs = version != "TLSv1.3"
                && version != "SSLv2"
                && lookup(name).is_some_and(|s| !s.props.forward_secrecy);
            if lacks_fs && !no_fs.contains(name) {
                no_fs.push(name.clone());
            }
            let finite_field = version != "TLSv1.3"
                && version != "SSLv2"
                && lookup(name).is_some_and(|s| s.props.kx.finite_field_ephemeral());
            if finite_field && !dhe.contains(name) {
                dhe.push(name.clone());
            }
        }
    }
    put(facts, "tls.weak_suites", weak);
    put(facts, "tls.no_forward_secrecy_suites", no_fs);
    put(facts, "tls.dhe_suites", dhe);

    let profile = super::mozilla::intermediate();
    facts.set(
        "tls.mozilla_intermediate.version",
        format!("{} {}", profile.name, profile.version),
    );
    let comparison = super::mozilla::compare(profile, facts);
    if comparison.deviations.is_empty() && !comparison.missing.is_empty() {
        let names: Vec<&str> = comparison.missing.iter().map(|(n, _)| n.as_str()).collect();
        // Each reason once, in Japanese too where the probe said it so.
        let mut reasons: Vec<(&str, &str)> = Vec::new();
        for (name, why) in &comparison.missing {
            if let Some(why) = why
                .as_deref()
                .filter(|w| !reasons.iter().any(|(r, _)| r == w))
            {
                reasons.push((why, facts.why_unavailable_ja(name).unwrap_or(why)));
            }
        }
        // What happened first, then the facts it took away (the reports read the reason first).
        let without = format!("cannot compare without {}", names.join(", "));
        let without_ja = format!("{} がなければ比較できない", names.join("、"));
        let why = if reasons.is_empty() {
            both(without, without_ja)
        } else {
            let (en, ja): (Vec<&str>, Vec<&str>) = reasons.into_iter().unzip();
            both(
                format!("{} ({without})", en.join("; ")),
                format!("{}（{without_ja}）", ja.join("。")),
            )
        };
        facts.unavailable_both("tls.mozilla_intermediate.deviations_ja", &why);
        facts.unavailable_both("tls.mozilla_intermediate.deviations", &why);
    } else {
        let (en, ja): (Vec<String>, Vec<String>) = comparison
            .deviations
            .into_iter()
            .map(|t| (t.en, t.ja))
            .unzip();
        put(facts, "tls.mozilla_intermediate.deviations_ja", ja);
        put(facts, "tls.mozilla_intermediate.deviations", en);
    }
}

/// A fact that is a list of strings, as owned strings (empty when absent or another type).
pub fn strings(facts: &Facts, name: &str) -> Vec<String> {
    match facts.get(name) {
        Some(FactValue::List(items)) => items.iter().filter_map(as_string).collect(),
        _ => Vec::new(),
    }
}

/// `tls.suites` as (version, suite names), in the map's order.
pub fn suites_by_version(facts: &Facts) -> Vec<(String, Vec<String>)> {
    match facts.get("tls.suites") {
        Some(FactValue::Map(map)) => map
            .iter()
            .map(|(version, suites)| {
                let names = match suites {
                    FactValue::List(items) => items.iter().filter_map(as_string).collect(),
                    _ => Vec::new(),
                };
                (version.clone(), names)
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn as_string(v: &FactValue) -> Option<String> {
    match v {
        FactValue::Str(s) => Some(s.clone()),
        _ => None,
    }
}

/// The registry entry of an IANA suite name.
fn lookup(name: &str) -> Option<&'static Suite> {
    tls_suites::all().iter().find(|s| s.name == name)
}

/// SSLv2 cipher specs that are weak in the sense of `Suite::weak`: RC4, DES, 3DES or EXPORT.
fn ssl2_spec_weak(name: &str) -> bool {
    ["RC4", "DES", "EXPORT"].iter().any(|w| name.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(protocols: &[&str], suites: &[(&str, &[&str])]) -> Facts {
        let mut f = Facts::new();
        f.set("tls.protocols", protocols.to_vec());
        f.set(
            "tls.suites",
            FactValue::Map(
                suites
                    .iter()
                    .map(|(v, s)| ((*v).to_owned(), s.to_vec().into()))
                    .collect(),
            ),
        );
        f.set("tls.errors", Vec::<String>::new());
        f
    }

    #[test]
    fn legacy_protocols_weak_and_non_forward_secret_suites_are_listed() {
        let mut f = facts(
            &["TLSv1.0", "TLSv1.2"],
            &[
                ("TLSv1.0", &["TLS_RSA_WITH_3DES_EDE_CBC_SHA"]),
                (
                    "TLSv1.2",
                    &[
                        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                        "TLS_ECDH_anon_WITH_AES_128_CBC_SHA",
                        "TLS_RSA_WITH_AES_128_GCM_SHA256",
                        "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
                    ],
                ),
            ],
        );
        derive(&mut f);
        assert_eq!(strings(&f, "tls.legacy_protocols"), ["TLSv1.0"]);
        assert_eq!(
            strings(&f, "tls.weak_suites"),
            [
                "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
                "TLS_ECDH_anon_WITH_AES_128_CBC_SHA"
            ]
        );
        assert_eq!(
            strings(&f, "tls.no_forward_secrecy_suites"),
            [
                "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
                "TLS_RSA_WITH_AES_128_GCM_SHA256"
            ]
        );
    }

    #[test]
    fn a_modern_endpoint_has_empty_lists() {
        let mut f = facts(
            &["TLSv1.2", "TLSv1.3"],
            &[
                ("TLSv1.2", &["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"]),
                ("TLSv1.3", &["TLS_AES_256_GCM_SHA384"]),
            ],
        );
        derive(&mut f);
        for name in [
            "tls.legacy_protocols",
            "tls.weak_suites",
            "tls.no_forward_secrecy_suites",
            "tls.dhe_suites",
        ] {
            assert_eq!(f.get(name), Some(&FactValue::List(Vec::new())), "{name}");
        }
    }

    #[test]
    fn finite_field_dhe_suites_are_listed_below_tls13() {
        let mut f = facts(
            &["TLSv1.0", "TLSv1.2", "TLSv1.3"],
            &[
                (
                    "TLSv1.0",
                    &[
                        "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
                        "TLS_RSA_WITH_AES_128_CBC_SHA",
                    ],
                ),
                (
                    "TLSv1.2",
                    &[
                        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                        "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
                        "TLS_DH_anon_WITH_AES_256_GCM_SHA384",
                        "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256",
                        "TLS_DH_RSA_WITH_AES_128_CBC_SHA",
                    ],
                ),
                ("TLSv1.3", &["TLS_AES_256_GCM_SHA384"]),
            ],
        );
        derive(&mut f);
        assert_eq!(
            strings(&f, "tls.dhe_suites"),
            [
                "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
                "TLS_DH_anon_WITH_AES_256_GCM_SHA384",
                "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256"
            ]
        );
    }

    #[test]
    fn an_incomplete_enumeration_never_yields_an_empty_list() {
        let mut f = facts(
            &["TLSv1.2"],
            &[("TLSv1.2", &["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"])],
        );
        f.set(
            "tls.errors",
            vec!["TLSv1.0: no answer before the time budget ran out"],
        );
        derive(&mut f);
        let why = f
            .why_unavailable("tls.legacy_protocols")
            .unwrap_or_default();
        assert!(why.contains("TLSv1.0: no answer"), "{why}");
        assert!(f.get("tls.legacy_protocols").is_none());
        // A finding stands even when the rest is incomplete.
        let mut f = facts(&["TLSv1.0"], &[("TLSv1.0", &["TLS_RSA_WITH_RC4_128_SHA"])]);
        f.set("tls.errors", vec!["TLSv1.3: timeout"]);
        derive(&mut f);
        assert_eq!(strings(&f, "tls.legacy_protocols"), ["TLSv1.0"]);
        assert_eq!(strings(&f, "tls.weak_suites"), ["TLS_RSA_WITH_RC4_128_SHA"]);
    }

    #[test]
    fn no_enumeration_makes_every_derived_list_unavailable() {
        let mut f = Facts::new();
        f.unavailable("tls.protocols", "connection refused");
        f.unavailable("tls.suites", "connection refused");
        derive(&mut f);
        for name in [
            "tls.legacy_protocols",
            "tls.weak_suites",
            "tls.no_forward_secrecy_suites",
            "tls.dhe_suites",
            "tls.mozilla_intermediate.deviations",
        ] {
            assert!(f.why_unavailable(name).is_some(), "{name}");
        }
    }

    /// The reasons derived facts are unavailable are said in Japanese too: the probe's own when
    /// it gave one, else ours around the probe's words quoted.
    #[test]
    fn a_derived_fact_unavailable_says_why_in_japanese_too() {
        let mut f = Facts::new();
        let refused = both(
            "`x` resolves to no address",
            "`x` を名前解決してもアドレスが得られない",
        );
        for name in ["tls.protocols", "tls.suites", "tls.cert.key_type"] {
            f.unavailable_both(name, &refused);
        }
        derive(&mut f);
        for name in ["tls.legacy_protocols", "tls.weak_suites"] {
            assert_eq!(
                f.why_unavailable_ja(name),
                Some(refused.ja.as_str()),
                "{name}"
            );
        }
        let ja = f
            .why_unavailable_ja("tls.mozilla_intermediate.deviations")
            .unwrap_or_default();
        assert!(
            ja.starts_with("`x` を名前解決してもアドレスが得られない（tls.protocols、")
                && ja.ends_with("がなければ比較できない）"),
            "{ja}"
        );
        // An incomplete enumeration that found nothing: our sentence, the errors quoted.
        let mut f = facts(&["TLSv1.2"], &[("TLSv1.2", &[])]);
        f.set("tls.errors", vec!["TLSv1.0: connection reset"]);
        derive(&mut f);
        assert_eq!(
            f.why_unavailable_ja("tls.legacy_protocols"),
            Some("列挙が完全ではないため、空の一覧は何の証明にもならない（原文: \"TLSv1.0: connection reset\"）")
        );
    }

    #[test]
    fn sslv2_is_legacy_and_its_weak_specs_are_weak() {
        let mut f = facts(
            &["SSLv2"],
            &[(
                "SSLv2",
                &["SSL_CK_RC4_128_WITH_MD5", "SSL_CK_IDEA_128_CBC_WITH_MD5"],
            )],
        );
        derive(&mut f);
        assert_eq!(strings(&f, "tls.legacy_protocols"), ["SSLv2"]);
        assert_eq!(strings(&f, "tls.weak_suites"), ["SSL_CK_RC4_128_WITH_MD5"]);
    }
}
