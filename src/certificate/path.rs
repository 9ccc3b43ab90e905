//! Path validation and name checking with rustls-webpki, the validator rustls 0.23 uses, with
//! the signature algorithms rustls accepts: a chain judged valid here is one a rustls client
//! would accept. Errors come back in words for people.

use std::time::Duration;

use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use webpki::{EndEntityCert, KeyUsage};

use super::trust::TrustAnchors;

/// The largest certificate rustls-webpki reads: its DER reader refuses a value whose content is
/// 0xFFFF bytes or more, so a certificate (SEQUENCE with a 4-byte header) of more than
/// 65538 bytes is `BadDer` to it, and to the rustls clients built on it. OpenSSL clients cap the
/// whole chain at 100 KiB by default (`SSL_CTX_set_max_cert_list`).
pub const WEBPKI_MAX_CERTIFICATE: usize = 0xFFFF + 3;

/// "certificate of N bytes: too large for common TLS clients" when `der` is over the limit.
pub fn too_large(der: &[u8]) -> Option<String> {
    (der.len() > WEBPKI_MAX_CERTIFICATE).then(|| {
        format!(
            "certificate of {} bytes: too large for common TLS clients (rustls-webpki refuses \
             certificates over 64 KiB)",
            der.len()
        )
    })
}

/// The outcome of path validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathResult {
    pub valid: bool,
    /// "" when valid, otherwise why not, for people.
    pub error: String,
}

/// What the leaf tells the path check (from x509-parser; `None` when it could not be parsed).
#[derive(Debug, Clone, Copy, Default)]
pub struct LeafHints<'a> {
    /// (not_before, not_after) as Unix seconds.
    pub window: Option<(i64, i64)>,
    /// The leaf is self-signed (issuer = subject and its signature verifies with its own key).
    pub self_signed: bool,
    /// The leaf's issuer, RFC 4514.
    pub issuer: Option<&'a str>,
}

/// Validates `chain` (leaf first, as sent) against `trust` for TLS server authentication.
///
/// Trust is judged apart from expiry: the path is checked at `now` clamped into the leaf's
/// validity window, so an expired leaf from a trusted CA is valid here and fails only the
/// expiry facts. Intermediates are still checked at that instant: one that was not valid while
/// the leaf was makes the path invalid. A leaf that is byte for byte a trust anchor is trusted
/// directly.
pub fn validate(chain: &[Vec<u8>], trust: &TrustAnchors, now: i64, leaf: LeafHints) -> PathResult {
    let Some(leaf_der) = chain.first() else {
        return invalid("the server sent no certificate".to_owned());
    };
    // Said as it is rather than as the "bad DER" webpki would report.
    if let Some(why) = chain.iter().find_map(|der| too_large(der)) {
        return invalid(why);
    }
    if trust.contains_certificate(leaf_der) {
        return PathResult {
            valid: true,
            error: String::new(),
        };
    }
    let leaf_cert = CertificateDer::from(leaf_der.as_slice());
    let ee = match EndEntityCert::try_from(&leaf_cert) {
        Ok(ee) => ee,
        Err(e) => {
            return invalid(format!(
                "the server's certificate cannot be parsed: {}",
                webpki_reason(&e)
            ))
        }
    };
    let intermediates: Vec<CertificateDer<'_>> = chain
        .iter()
        .skip(1)
        .map(|d| CertificateDer::from(d.as_slice()))
        .collect();
    let at = match leaf.window {
        Some((not_before, not_after)) if not_before <= not_after => {
            now.clamp(not_before, not_after)
        }
        _ => now,
    };
    let time = UnixTime::since_unix_epoch(Duration::from_secs(u64::try_from(at).unwrap_or(0)));
    let algorithms = rustls::crypto::ring::default_provider()
        .signature_verification_algorithms
        .all;
    match ee.verify_for_usage(
        algorithms,
        trust.anchors(),
        &intermediates,
        time,
        KeyUsage::server_auth(),
        None,
        None,
    ) {
        Ok(_) => PathResult {
            valid: true,
            error: String::new(),
        },
        Err(_) if leaf.self_signed => invalid(format!(
            "self-signed certificate not among the trust anchors ({})",
            trust.describe()
        )),
        Err(webpki::Error::UnknownIssuer) => invalid(match leaf.issuer {
            Some(issuer) if chain.len() == 1 => format!(
                "unknown issuer: no path from \"{issuer}\" to a trust anchor ({}); the \
                 server sent no intermediate certificate",
                trust.describe()
            ),
            Some(issuer) => format!(
                "unknown issuer: no path from \"{issuer}\" to a trust anchor ({})",
                trust.describe()
            ),
            None => format!(
                "unknown issuer: no path to a trust anchor ({})",
                trust.describe()
            ),
        }),
        Err(e) => invalid(webpki_reason(&e)),
    }
}

fn invalid(error: String) -> PathResult {
    PathResult {
        valid: false,
        error,
    }
}

/// The name as webpki wants it: no trailing dot, IPv6 without brackets.
fn server_name(name: &str) -> Option<ServerName<'static>> {
    let name = name.strip_suffix('.').unwrap_or(name);
    let name = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name);
    ServerName::try_from(name.to_owned()).ok()
}

/// Whether the leaf is valid for `name` (a DNS name, or an IP address matched against IP
/// SANs). Like browsers and rustls, only the subjectAltName counts, not the subject CN.
/// `Err` says why the question has no answer (the name is neither, or the leaf is unparsable).
/// A leaf too large for webpki is judged from the names x509-parser reads (`name_in_sans`).
pub fn name_matches(leaf_der: &[u8], name: &str) -> Result<bool, String> {
    let Some(server_name) = server_name(name) else {
        return Err(format!(
            "`{name}` is neither a DNS name nor an IP address, so no certificate can match it"
        ));
    };
    if too_large(leaf_der).is_some() {
        let info = super::describe(leaf_der)
            .map_err(|why| format!("the server's certificate cannot be read: {why}"))?;
        return Ok(name_in_sans(&info.sans, &server_name));
    }
    let cert = CertificateDer::from(leaf_der);
    let ee = EndEntityCert::try_from(&cert).map_err(|e| {
        format!(
            "the server's certificate cannot be parsed: {}",
            webpki_reason(&e)
        )
    })?;
    Ok(ee.verify_is_valid_for_subject_name(&server_name).is_ok())
}

/// RFC 6125 §6.4 matching of `name` against subjectAltName entries (as `describe` lists them):
/// DNS names case-insensitively, a `*` only as the whole leftmost label standing for exactly one
/// label (not for a public suffix-like `*.com`), IP addresses by value and never by wildcard.
fn name_in_sans(sans: &[String], name: &ServerName<'_>) -> bool {
    match name {
        ServerName::IpAddress(ip) => {
            let ip = std::net::IpAddr::from(*ip);
            sans.iter()
                .any(|san| san.parse::<std::net::IpAddr>().is_ok_and(|s| s == ip))
        }
        ServerName::DnsName(dns) => {
            let host = dns.as_ref().trim_end_matches('.').to_ascii_lowercase();
            sans.iter().any(|san| {
                let san = san.trim_end_matches('.').to_ascii_lowercase();
                match san.strip_prefix("*.") {
                    Some(parent) => {
                        parent.contains('.')
                            && host
                                .split_once('.')
                                .is_some_and(|(label, rest)| !label.is_empty() && rest == parent)
                    }
                    None => san == host,
                }
            })
        }
        _ => false,
    }
}

/// A webpki error in words.
pub fn webpki_reason(e: &webpki::Error) -> String {
    use webpki::Error as E;
    #[allow(deprecated)]
    let text = match e {
        E::BadDer | E::TrailingData(_) => "a certificate of the chain is malformed (bad DER)",
        E::BadDerTime => "a certificate of the chain has a malformed validity time",
        E::CaUsedAsEndEntity => {
            "the server's certificate is a CA certificate (basicConstraints CA:TRUE), which \
             clients refuse as a server certificate"
        }
        E::EndEntityUsedAsCa => {
            "a certificate that signs another in the chain is not a CA (basicConstraints)"
        }
        E::CertDistrusted => "a certificate of the chain uses an explicitly distrusted key",
        E::CertExpired { .. } => {
            "an intermediate certificate had expired while the server's certificate was valid"
        }
        E::CertNotValidYet { .. } => {
            "an intermediate certificate was not yet valid while the server's certificate was"
        }
        E::CertRevoked => "a certificate of the chain is revoked",
        E::CertNotValidForName(_) => "the certificate is not valid for the name",
        E::InvalidCertValidity => {
            "a certificate of the chain has a validity period that ends before it starts"
        }
        E::InvalidSignatureForPublicKey => {
            "a signature in the chain does not verify with its issuer's key (or that key is \
             too small for the algorithm, e.g. RSA under 2048 bits)"
        }
        E::UnsupportedSignatureAlgorithm
        | E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKey
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            "a certificate of the chain is signed with an algorithm modern TLS clients refuse \
             (such as SHA-1 or MD5)"
        }
        E::SignatureAlgorithmMismatch => {
            "a certificate's inner and outer signature algorithms differ"
        }
        E::RequiredEkuNotFound | E::RequiredEkuNotFoundContext(_) | E::EmptyEkuExtension => {
            "a certificate of the chain is not for TLS server authentication \
             (extendedKeyUsage without serverAuth)"
        }
        E::NameConstraintViolation => "the certificate violates a name constraint of its CA",
        E::PathLenConstraintViolated => "the chain is longer than a CA's pathLenConstraint allows",
        E::UnsupportedCertVersion => "a certificate of the chain is not X.509 version 3",
        E::UnsupportedCriticalExtension => {
            "a certificate of the chain has a critical extension clients do not understand"
        }
        E::MalformedExtensions | E::ExtensionValueInvalid => {
            "a certificate of the chain has malformed extensions"
        }
        E::MaximumPathBuildCallsExceeded
        | E::MaximumPathDepthExceeded
        | E::MaximumSignatureChecksExceeded
        | E::MaximumNameConstraintComparisonsExceeded => {
            "the chain is too long or too tangled to validate"
        }
        E::UnknownIssuer => "unknown issuer: no path to a trust anchor",
        other => return variant_words(other),
    };
    text.to_owned()
}

/// The remaining (rare) errors: the variant name in words, "MalformedDnsIdentifier" →
/// "certificate check failed: malformed dns identifier".
fn variant_words(e: &webpki::Error) -> String {
    let debug = format!("{e:?}");
    let name: String = debug
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let mut words = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() && !words.is_empty() {
            words.push(' ');
        }
        words.push(c.to_ascii_lowercase());
    }
    format!("certificate check failed: {words}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rare_errors_become_words_not_debug_dumps() {
        assert_eq!(
            webpki_reason(&webpki::Error::MalformedDnsIdentifier),
            "certificate check failed: malformed dns identifier"
        );
        assert!(!webpki_reason(&webpki::Error::UnknownIssuer).contains("Unknown"));
    }

    #[test]
    fn names_are_matched_against_parsed_sans_like_webpki() {
        let sans: Vec<String> = [
            "a.example.test",
            "*.wild.example.test",
            "192.0.2.7",
            "*.com",
            "2001:db8::1",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let m = |name: &str| name_in_sans(&sans, &server_name(name).unwrap());
        assert!(m("a.example.test"));
        assert!(m("A.Example.Test."));
        assert!(m("x.wild.example.test"));
        assert!(!m("wild.example.test"));
        assert!(!m("x.y.wild.example.test"));
        assert!(!m("b.example.test"));
        assert!(!m("example.com"), "no wildcard over a single-label parent");
        assert!(m("192.0.2.7"));
        assert!(!m("192.0.2.8"));
        assert!(m("[2001:db8::1]"));
        assert!(m("2001:db8:0::1"));
    }

    #[test]
    fn names_are_normalised() {
        assert!(server_name("example.com.").is_some());
        assert!(server_name("[::1]").is_some());
        assert!(server_name("10.0.0.1").is_some());
        assert!(server_name("bad name").is_none());
    }
}
