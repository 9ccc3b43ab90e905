//! Certificate analysis: turns the DER chain a TLS server presented into `tls.cert.*` facts
//! (names, validity, key, signatures, trust path, name match). Pure: no I/O and no clock; the
//! caller passes `now` and the trust anchors. It records facts and leaves judging to checks.

mod describe;
mod path;
pub mod trust;

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};

use crate::fact::{FactValue, Facts};

pub use describe::{describe, CertInfo, KeyInfo};
pub use path::{name_matches, validate, webpki_reason, LeafHints, PathResult};
pub use trust::{RunTrust, TrustAnchors, TrustError};

/// Every fact this module may record: the catalogue's `tls.cert.*` facts.
pub fn fact_names() -> impl Iterator<Item = &'static str> {
    crate::catalog::facts::named("tls.cert.")
}

/// The facts that come from parsing the leaf with x509-parser.
const LEAF_FACTS: &[&str] = &[
    "tls.cert.subject",
    "tls.cert.issuer",
    "tls.cert.sans",
    "tls.cert.serial",
    "tls.cert.not_before",
    "tls.cert.not_after",
    "tls.cert.days_left",
    "tls.cert.expired",
    "tls.cert.not_yet_valid",
    "tls.cert.key_type",
    "tls.cert.key_bits",
    "tls.cert.weak_key",
    "tls.cert.signature_algorithm",
    "tls.cert.weak_signature",
    "tls.cert.weak_signatures",
    "tls.cert.self_signed",
];

/// How the chain was obtained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// For `tls.cert.source`: "TLSv1.2 handshake", "TLSv1.3 via rustls".
    pub how: String,
    /// The IANA name of the suite of that handshake, when known.
    pub suite: Option<String>,
}

/// No chain to analyse: every `tls.cert.*` fact is unavailable with `reason`.
pub fn unavailable(reason: &str) -> Facts {
    let mut facts = Facts::new();
    for name in fact_names() {
        facts.unavailable(name, reason);
    }
    facts
}

/// The facts of `chain` (DER, leaf first, as the server sent it) for the endpoint `name` (the
/// inventory name: a DNS name or a literal IP address), validated against `trust` as of `now`.
///
/// Trust is judged apart from time: `tls.cert.chain_valid` checks the path at `now` clamped
/// into the leaf's validity window, so an expired (or not yet valid) leaf from a trusted CA is
/// `chain_valid = true` and shows only in `tls.cert.expired` / `tls.cert.not_yet_valid`.
pub fn analyse(
    source: &Source,
    chain: &[Vec<u8>],
    name: &str,
    trust: &TrustAnchors,
    now: DateTime<FixedOffset>,
) -> Facts {
    let mut facts = Facts::new();
    facts.set("tls.cert.source", source.how.as_str());
    match &source.suite {
        Some(suite) => facts.set("tls.cert.source_suite", suite.as_str()),
        None => facts.unavailable(
            "tls.cert.source_suite",
            "the handshake that delivered the chain did not complete",
        ),
    }
    facts.set(
        "tls.cert.chain_length",
        i64::try_from(chain.len()).unwrap_or(i64::MAX),
    );
    facts.set("tls.cert.name", name);
    facts.set("tls.cert.trust_store", trust.describe());
    let Some(leaf_der) = chain.first() else {
        let why = "the server's Certificate message held no certificate";
        for fact in LEAF_FACTS {
            facts.unavailable(fact, why);
        }
        facts.unavailable("tls.cert.curve", why);
        facts.unavailable("tls.cert.hostname_match", why);
        facts.set("tls.cert.chain_valid", false);
        facts.set("tls.cert.chain_error", why);
        return facts;
    };

    let leaf = describe(leaf_der);
    let now_ts = now.timestamp();
    match &leaf {
        Ok(info) => leaf_facts(&mut facts, info, chain, now_ts),
        Err(why) => {
            let why = format!("the server's certificate cannot be read: {why}");
            for fact in LEAF_FACTS.iter().chain(["tls.cert.curve"].iter()) {
                facts.unavailable(fact, why.as_str());
            }
        }
    }

    let hints = match &leaf {
        Ok(info) => LeafHints {
            window: Some((info.not_before, info.not_after)),
            self_signed: info.self_signed,
            issuer: Some(info.issuer.as_str()),
        },
        Err(_) => LeafHints::default(),
    };
    let path = validate(chain, trust, now_ts, hints);
    facts.set("tls.cert.chain_valid", path.valid);
    facts.set("tls.cert.chain_error", path.error);

    match name_matches(leaf_der, name) {
        Ok(m) => facts.set("tls.cert.hostname_match", m),
        Err(why) => facts.unavailable("tls.cert.hostname_match", why),
    }
    facts
}

/// The facts read from the leaf, plus the weak signatures of the whole chain.
fn leaf_facts(facts: &mut Facts, info: &CertInfo, chain: &[Vec<u8>], now: i64) {
    facts.set("tls.cert.subject", info.subject.as_str());
    facts.set("tls.cert.issuer", info.issuer.as_str());
    facts.set("tls.cert.sans", info.sans.clone());
    facts.set("tls.cert.serial", info.serial.as_str());
    for (fact, ts) in [
        ("tls.cert.not_before", info.not_before),
        ("tls.cert.not_after", info.not_after),
    ] {
        match rfc3339(ts) {
            Some(text) => facts.set(fact, text),
            None => facts.unavailable(fact, format!("time {ts} is out of range")),
        }
    }
    facts.set("tls.cert.days_left", days_between(now, info.not_after));
    facts.set("tls.cert.expired", now > info.not_after);
    facts.set("tls.cert.not_yet_valid", now < info.not_before);

    let key = &info.key;
    facts.set("tls.cert.key_type", key.key_type.as_str());
    let unknown = || format!("key type {} has no known size", key.key_type);
    match key.bits {
        Some(bits) => facts.set("tls.cert.key_bits", bits),
        None => facts.unavailable("tls.cert.key_bits", unknown()),
    }
    match key.weak() {
        Some(weak) => facts.set("tls.cert.weak_key", weak),
        None => facts.unavailable("tls.cert.weak_key", unknown()),
    }
    if let Some(curve) = &key.curve {
        facts.set("tls.cert.curve", curve.as_str());
    }

    facts.set(
        "tls.cert.signature_algorithm",
        info.signature_algorithm.as_str(),
    );
    let weak = weak_signatures(info, chain);
    facts.set("tls.cert.weak_signature", !weak.is_empty());
    facts.set("tls.cert.weak_signatures", weak);
    facts.set("tls.cert.self_signed", info.self_signed);
}

/// "SUBJECT: ALGORITHM" for the leaf and every certificate after it that is signed with MD2,
/// MD4, MD5 or SHA-1, except self-signed roots (clients never check a root's own signature).
/// Certificates after the leaf that cannot be parsed are left to the path check.
fn weak_signatures(leaf: &CertInfo, chain: &[Vec<u8>]) -> Vec<FactValue> {
    let mut out = Vec::new();
    if leaf.weak_signature {
        out.push(format!("{}: {}", leaf.subject, leaf.signature_algorithm));
    }
    for der in chain.iter().skip(1) {
        if let Ok(info) = describe(der) {
            if info.weak_signature && !info.self_signed {
                out.push(format!("{}: {}", info.subject, info.signature_algorithm));
            }
        }
    }
    out.into_iter().map(FactValue::Str).collect()
}

/// RFC 3339 in UTC, whole seconds: `2021-01-01T00:00:00Z`.
fn rfc3339(ts: i64) -> Option<String> {
    DateTime::<Utc>::from_timestamp(ts, 0).map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// Whole days from `now` to `until`, rounded down: 9.5 days left is 9, half a day past is -1.
fn days_between(now: i64, until: i64) -> i64 {
    until.saturating_sub(now).div_euclid(86_400)
}

#[cfg(test)]
mod tests;
