//! What one certificate says, read with x509-parser: names (RFC 4514), SANs, serial, validity,
//! key type and size, signature algorithm and whether it is self-signed. Every string that
//! came from the certificate is made printable on one line before it leaves this module.

use ring::signature as sig;
use x509_parser::prelude::{FromDer, GeneralName, ParsedExtension, X509Certificate, X509Name};
use x509_parser::public_key::PublicKey;
use x509_parser::signature_algorithm::SignatureAlgorithm;

/// One certificate, described.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    /// DNS names and IP addresses of the subjectAltName, in order.
    pub sans: Vec<String>,
    /// Upper-case hex without separators or leading zero bytes, like `openssl x509 -serial`.
    pub serial: String,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    pub key: KeyInfo,
    /// A readable name: `sha256WithRSAEncryption`, `ecdsa-with-SHA256`, or the OID.
    pub signature_algorithm: String,
    /// Signed with MD2, MD4, MD5 or SHA-1.
    pub weak_signature: bool,
    /// Issuer equals subject and the signature verifies with the certificate's own key.
    pub self_signed: bool,
}

/// The subject public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// `RSA`, `EC`, `Ed25519`, `Ed448`, `DSA`, or the algorithm OID.
    pub key_type: String,
    /// RSA modulus bits, DSA prime bits, EC curve bits; `None` when unknown.
    pub bits: Option<i64>,
    /// EC only: `P-256`, `P-384`, ... or the curve OID.
    pub curve: Option<String>,
}

impl KeyInfo {
    /// RSA and DSA under 2048 bits, EC under 256; `None` for a key type we cannot size.
    pub fn weak(&self) -> Option<bool> {
        let bits = self.bits?;
        match self.key_type.as_str() {
            "RSA" | "DSA" => Some(bits < 2048),
            "EC" => Some(bits < 256),
            "Ed25519" | "Ed448" => Some(false),
            _ => None,
        }
    }
}

/// Describes one DER certificate; `Err` says why it is not a certificate.
pub fn describe(der: &[u8]) -> Result<CertInfo, String> {
    let (_, cert) =
        X509Certificate::from_der(der).map_err(|e| format!("not a DER X.509 certificate ({e})"))?;
    let (name, weak_signature) = signature_name(&cert);
    let self_signed = self_signed(&cert);
    Ok(CertInfo {
        subject: rfc4514(cert.subject()),
        issuer: rfc4514(cert.issuer()),
        sans: sans(&cert),
        serial: serial_hex(cert.raw_serial()),
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
        key: key_info(&cert),
        signature_algorithm: name,
        weak_signature,
        self_signed,
    })
}

/// RFC 4514 string of a name: most specific RDN first, `,` between RDNs, `+` inside one.
pub fn rfc4514(name: &X509Name<'_>) -> String {
    let mut rdns: Vec<String> = name
        .iter_rdn()
        .map(|rdn| {
            rdn.iter()
                .map(|atv| {
                    let key = attribute_name(&atv.attr_type().to_id_string());
                    let value = match atv.as_str() {
                        Ok(s) => escape_value(s),
                        Err(_) => format!("#{}", hex(atv.attr_value().data)),
                    };
                    format!("{key}={value}")
                })
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect();
    rdns.reverse();
    rdns.join(",")
}

fn attribute_name(oid: &str) -> String {
    let short = match oid {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "STREET",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.5" => "serialNumber",
        "2.5.4.97" => "organizationIdentifier",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.1" => "UID",
        "1.2.840.113549.1.9.1" => "emailAddress",
        other => return other.to_owned(),
    };
    short.to_owned()
}

/// RFC 4514 §2.4 escaping, plus `\XX` for control characters so a hostile name cannot break
/// a line or steer a terminal.
fn escape_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let last = s.chars().count().saturating_sub(1);
    for (i, c) in s.chars().enumerate() {
        match c {
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            c if c.is_control() => out.push_str(&control_escape(c)),
            c => out.push(c),
        }
    }
    out
}

fn control_escape(c: char) -> String {
    let mut buf = [0u8; 4];
    c.encode_utf8(&mut buf)
        .bytes()
        .map(|b| format!("\\{b:02X}"))
        .collect()
}

/// A string from the certificate, printable on one line.
fn printable(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                control_escape(c)
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    crate::msgs::banner::hex(bytes, usize::MAX)
}

fn serial_hex(raw: &[u8]) -> String {
    let start = raw
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(raw.len().saturating_sub(1));
    raw.get(start..)
        .unwrap_or_default()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

fn sans(cert: &X509Certificate<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for ext in cert.extensions() {
        if let ParsedExtension::SubjectAlternativeName(san) = ext.parsed_extension() {
            for name in &san.general_names {
                match name {
                    GeneralName::DNSName(d) => out.push(printable(d)),
                    GeneralName::IPAddress(ip) => out.push(ip_text(ip)),
                    _ => {}
                }
            }
        }
    }
    out
}

fn ip_text(raw: &[u8]) -> String {
    if let Ok(v4) = <[u8; 4]>::try_from(raw) {
        return std::net::Ipv4Addr::from(v4).to_string();
    }
    if let Ok(v6) = <[u8; 16]>::try_from(raw) {
        return std::net::Ipv6Addr::from(v6).to_string();
    }
    format!("#{}", hex(raw))
}

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_RSA_PSS: &str = "1.2.840.113549.1.1.10";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_ED25519: &str = "1.3.101.112";
const OID_ED448: &str = "1.3.101.113";
const OID_DSA: &str = "1.2.840.10040.4.1";

fn key_info(cert: &X509Certificate<'_>) -> KeyInfo {
    let spki = cert.public_key();
    let alg = spki.algorithm.algorithm.to_id_string();
    let parsed = spki.parsed().ok();
    match alg.as_str() {
        OID_RSA | OID_RSA_PSS => KeyInfo {
            key_type: "RSA".into(),
            bits: match parsed {
                Some(PublicKey::RSA(k)) => Some(integer_bits(k.modulus)),
                _ => None,
            },
            curve: None,
        },
        OID_EC => {
            let curve_oid = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string());
            let named = curve_oid.as_deref().and_then(curve);
            let point_bits = match parsed {
                Some(PublicKey::EC(p)) => i64::try_from(p.key_size()).ok().filter(|&b| b > 0),
                _ => None,
            };
            KeyInfo {
                key_type: "EC".into(),
                bits: named.map(|(_, bits)| bits).or(point_bits),
                curve: named
                    .map(|(name, _)| name.to_owned())
                    .or(curve_oid)
                    .or_else(|| Some("unnamed (explicit parameters)".into())),
            }
        }
        OID_ED25519 => KeyInfo {
            key_type: "Ed25519".into(),
            bits: Some(256),
            curve: None,
        },
        OID_ED448 => KeyInfo {
            key_type: "Ed448".into(),
            bits: Some(448),
            curve: None,
        },
        OID_DSA => KeyInfo {
            key_type: "DSA".into(),
            bits: spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| first_integer_bits(p.data))
                .or(match parsed {
                    Some(PublicKey::DSA(y)) => Some(integer_bits(y)),
                    _ => None,
                }),
            curve: None,
        },
        other => KeyInfo {
            key_type: other.to_owned(),
            bits: None,
            curve: None,
        },
    }
}

/// Named curves: (name, bits).
fn curve(oid: &str) -> Option<(&'static str, i64)> {
    Some(match oid {
        "1.2.840.10045.3.1.7" => ("P-256", 256),
        "1.3.132.0.34" => ("P-384", 384),
        "1.3.132.0.35" => ("P-521", 521),
        "1.2.840.10045.3.1.1" => ("P-192", 192),
        "1.3.132.0.33" => ("P-224", 224),
        "1.3.132.0.10" => ("secp256k1", 256),
        "1.3.36.3.3.2.8.1.1.7" => ("brainpoolP256r1", 256),
        "1.3.36.3.3.2.8.1.1.11" => ("brainpoolP384r1", 384),
        "1.3.36.3.3.2.8.1.1.13" => ("brainpoolP512r1", 512),
        _ => return None,
    })
}

/// Bits of a big-endian unsigned integer (leading zero bytes and bits not counted).
fn integer_bits(bytes: &[u8]) -> i64 {
    let Some(start) = bytes.iter().position(|&b| b != 0) else {
        return 0;
    };
    let len = bytes.len() - start;
    let top = bytes.get(start).copied().unwrap_or(0);
    let bits = len.saturating_mul(8) - top.leading_zeros() as usize;
    i64::try_from(bits).unwrap_or(i64::MAX)
}

/// Bits of the first INTEGER inside DSA parameters (the SEQUENCE's content: p, q, g).
fn first_integer_bits(content: &[u8]) -> Option<i64> {
    let (&tag, rest) = content.split_first()?;
    if tag != 0x02 {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 4 {
            return None;
        }
        let len_bytes = rest.get(..n)?;
        let len = len_bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, rest.get(n..)?)
    };
    Some(integer_bits(rest.get(..len)?))
}

/// The signature algorithm's readable name, and whether its hash is MD2/MD4/MD5/SHA-1.
fn signature_name(cert: &X509Certificate<'_>) -> (String, bool) {
    let alg = &cert.signature_algorithm;
    let oid = alg.algorithm.to_id_string();
    let (name, weak) = match oid.as_str() {
        "1.2.840.113549.1.1.2" => ("md2WithRSAEncryption", true),
        "1.2.840.113549.1.1.3" => ("md4WithRSAEncryption", true),
        "1.2.840.113549.1.1.4" => ("md5WithRSAEncryption", true),
        "1.2.840.113549.1.1.5" => ("sha1WithRSAEncryption", true),
        "1.3.14.3.2.29" => ("sha1WithRSA", true),
        "1.3.14.3.2.3" => ("md5WithRSA", true),
        "1.2.840.113549.1.1.14" => ("sha224WithRSAEncryption", false),
        "1.2.840.113549.1.1.11" => ("sha256WithRSAEncryption", false),
        "1.2.840.113549.1.1.12" => ("sha384WithRSAEncryption", false),
        "1.2.840.113549.1.1.13" => ("sha512WithRSAEncryption", false),
        "1.2.840.10045.4.1" => ("ecdsa-with-SHA1", true),
        "1.2.840.10045.4.3.1" => ("ecdsa-with-SHA224", false),
        "1.2.840.10045.4.3.2" => ("ecdsa-with-SHA256", false),
        "1.2.840.10045.4.3.3" => ("ecdsa-with-SHA384", false),
        "1.2.840.10045.4.3.4" => ("ecdsa-with-SHA512", false),
        "1.2.840.10040.4.3" => ("dsa-with-sha1", true),
        "2.16.840.1.101.3.4.3.1" => ("dsa-with-sha224", false),
        "2.16.840.1.101.3.4.3.2" => ("dsa-with-sha256", false),
        OID_ED25519 => ("Ed25519", false),
        OID_ED448 => ("Ed448", false),
        OID_RSA_PSS => {
            // RFC 4055: absent parameters mean SHA-1.
            let hash = match SignatureAlgorithm::try_from(alg) {
                Ok(SignatureAlgorithm::RSASSA_PSS(p)) => {
                    hash_name(&p.hash_algorithm_oid().to_id_string())
                }
                _ => "SHA-1",
            };
            return (format!("rsassaPss ({hash})"), hash == "SHA-1");
        }
        _ => return (oid, false),
    };
    (name.to_owned(), weak)
}

fn hash_name(oid: &str) -> &'static str {
    match oid {
        "1.3.14.3.2.26" => "SHA-1",
        "2.16.840.1.101.3.4.2.4" => "SHA-224",
        "2.16.840.1.101.3.4.2.1" => "SHA-256",
        "2.16.840.1.101.3.4.2.2" => "SHA-384",
        "2.16.840.1.101.3.4.2.3" => "SHA-512",
        _ => "unknown hash",
    }
}

/// Issuer equals subject and the signature verifies with the certificate's own key. When the
/// algorithm is one ring cannot verify (MD5, DSA, ...), the key identifiers decide: no
/// authorityKeyIdentifier, or one equal to the subjectKeyIdentifier.
fn self_signed(cert: &X509Certificate<'_>) -> bool {
    if cert.subject().as_raw() != cert.issuer().as_raw() {
        return false;
    }
    match verify_own_signature(cert) {
        Some(ok) => ok,
        None => {
            let mut ski = None;
            let mut aki = None;
            for ext in cert.extensions() {
                match ext.parsed_extension() {
                    ParsedExtension::SubjectKeyIdentifier(k) => ski = Some(k.0),
                    ParsedExtension::AuthorityKeyIdentifier(a) => {
                        aki = Some(a.key_identifier.as_ref().map(|k| k.0))
                    }
                    _ => {}
                }
            }
            match aki {
                None | Some(None) => true,
                Some(Some(a)) => ski == Some(a),
            }
        }
    }
}

/// `Some(verifies)` when ring knows the algorithm (legacy RSA sizes and SHA-1 included),
/// `None` when it does not.
fn verify_own_signature(cert: &X509Certificate<'_>) -> Option<bool> {
    let spki = cert.public_key();
    let curve_oid = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|o| o.to_id_string());
    let p256 = curve_oid.as_deref() == Some("1.2.840.10045.3.1.7");
    let p384 = curve_oid.as_deref() == Some("1.3.132.0.34");
    let alg: &dyn sig::VerificationAlgorithm =
        match cert.signature_algorithm.algorithm.to_id_string().as_str() {
            "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => {
                &sig::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY
            }
            "1.2.840.113549.1.1.11" => &sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
            "1.2.840.113549.1.1.12" => &sig::RSA_PKCS1_2048_8192_SHA384,
            "1.2.840.113549.1.1.13" => &sig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
            OID_RSA_PSS => match SignatureAlgorithm::try_from(&cert.signature_algorithm) {
                Ok(SignatureAlgorithm::RSASSA_PSS(p)) => {
                    match hash_name(&p.hash_algorithm_oid().to_id_string()) {
                        "SHA-256" => &sig::RSA_PSS_2048_8192_SHA256,
                        "SHA-384" => &sig::RSA_PSS_2048_8192_SHA384,
                        "SHA-512" => &sig::RSA_PSS_2048_8192_SHA512,
                        _ => return None,
                    }
                }
                _ => return None,
            },
            "1.2.840.10045.4.3.2" if p256 => &sig::ECDSA_P256_SHA256_ASN1,
            "1.2.840.10045.4.3.2" if p384 => &sig::ECDSA_P384_SHA256_ASN1,
            "1.2.840.10045.4.3.3" if p256 => &sig::ECDSA_P256_SHA384_ASN1,
            "1.2.840.10045.4.3.3" if p384 => &sig::ECDSA_P384_SHA384_ASN1,
            OID_ED25519 => &sig::ED25519,
            _ => return None,
        };
    let key = sig::UnparsedPublicKey::new(alg, spki.subject_public_key.data.as_ref());
    Some(
        key.verify(
            cert.tbs_certificate.as_ref(),
            cert.signature_value.data.as_ref(),
        )
        .is_ok(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_escape_specials_and_controls() {
        assert_eq!(escape_value("a,b+c"), "a\\,b\\+c");
        assert_eq!(escape_value("#x "), "\\#x\\ ");
        assert_eq!(escape_value("evil\u{1b}[31m\n"), "evil\\1B[31m\\0A");
        assert_eq!(printable("ok.example\r\n"), "ok.example\\0D\\0A");
    }

    #[test]
    fn integers_and_serials() {
        assert_eq!(integer_bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(integer_bits(&[0x01, 0xFF]), 9);
        assert_eq!(integer_bits(&[]), 0);
        assert_eq!(serial_hex(&[0x00, 0x10, 0x03]), "1003");
        assert_eq!(serial_hex(&[0x00]), "00");
        assert_eq!(serial_hex(&[]), "");
        assert_eq!(first_integer_bits(&[0x02, 0x02, 0x00, 0x81, 0x02]), Some(8));
        assert_eq!(first_integer_bits(&[0x02, 0x81, 0x01, 0x7F]), Some(7));
        assert_eq!(first_integer_bits(&[0x02, 0x85]), None);
        assert_eq!(first_integer_bits(&[0x30]), None);
    }

    #[test]
    fn ip_sans_are_text() {
        assert_eq!(ip_text(&[127, 0, 0, 1]), "127.0.0.1");
        assert_eq!(ip_text(&[0; 16]), "::");
        assert_eq!(ip_text(&[1, 2]), "#0102");
    }
}
