//! RFB (VNC) handshake messages, RFC 6143 §7.1: the ProtocolVersion banner, the security-types
//! list of RFB 3.7+ (or its failure reason), and RFB 3.3's single server-chosen security type.
//! Parsers take untrusted server bytes and never panic.

/// The most bytes of a failure reason we keep (the length field could claim 4 GiB).
pub const MAX_REASON: usize = 1024;

/// Why server bytes are not the RFB message we expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RfbError {
    #[error("not an RFB ProtocolVersion banner")]
    NotRfb,
    #[error("message incomplete")]
    Incomplete,
    #[error("failure reason longer than {MAX_REASON} bytes")]
    ReasonTooLong,
}

/// A ProtocolVersion, "RFB 003.008\n" being 3.8 (Apple sends 3.889, some servers 4.x or 5.x).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u16,
    pub minor: u16,
}

impl Version {
    pub const V3_3: Version = Version { major: 3, minor: 3 };
    pub const V3_7: Version = Version { major: 3, minor: 7 };
    pub const V3_8: Version = Version { major: 3, minor: 8 };

    /// "3.8", as the `vnc.version` fact shows it.
    pub fn label(self) -> String {
        format!("{}.{}", self.major, self.minor)
    }

    /// The 12-byte banner "RFB 00M.00m\n" (values above 999 are clamped).
    pub fn to_bytes(self) -> [u8; 12] {
        let s = format!(
            "RFB {:03}.{:03}\n",
            self.major.min(999),
            self.minor.min(999)
        );
        let mut out = *b"RFB 003.003\n";
        for (o, b) in out.iter_mut().zip(s.bytes()) {
            *o = b;
        }
        out
    }

    /// The version a client answers with (RFC 6143 §7.1.1: at most the server's; 3.3, 3.7 or 3.8;
    /// unknown versions between 3.3 and 3.7, e.g. 3.4/3.5/3.6, are treated as 3.3).
    pub fn client_reply(self) -> Version {
        if self >= Version::V3_8 {
            Version::V3_8
        } else if self >= Version::V3_7 {
            Version::V3_7
        } else {
            Version::V3_3
        }
    }

    /// Whether the server sends a list of security types (3.7+) or chooses one itself (3.3).
    pub fn has_type_list(self) -> bool {
        self.client_reply() >= Version::V3_7
    }
}

/// Whether `b` starts like an RFB banner (used to recognise VNC from a server's first bytes).
pub fn looks_like_rfb(b: &[u8]) -> bool {
    let prefix = b"RFB ";
    let n = b.len().min(prefix.len());
    n > 0 && b.get(..n) == prefix.get(..n) && parse_version_prefix_ok(b)
}

fn parse_version_prefix_ok(b: &[u8]) -> bool {
    // "RFB ddd.ddd\n": check whatever part of it we already have.
    const PATTERN: &[u8; 12] = b"RFB ddd.ddd\n";
    b.iter().zip(PATTERN.iter()).all(|(&c, &p)| match p {
        b'd' => c.is_ascii_digit(),
        _ => c == p,
    })
}

/// Parses the 12-byte ProtocolVersion message.
pub fn parse_version(b: &[u8]) -> Result<Version, RfbError> {
    let msg = b.get(..12).ok_or(if looks_like_rfb(b) {
        RfbError::Incomplete
    } else {
        RfbError::NotRfb
    })?;
    if !parse_version_prefix_ok(msg) {
        return Err(RfbError::NotRfb);
    }
    let major = digits(msg.get(4..7)).ok_or(RfbError::NotRfb)?;
    let minor = digits(msg.get(8..11)).ok_or(RfbError::NotRfb)?;
    Ok(Version { major, minor })
}

fn digits(b: Option<&[u8]>) -> Option<u16> {
    let mut v: u16 = 0;
    for &c in b? {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u16::from(c - b'0'))?;
    }
    Some(v)
}

/// What the server said after our ProtocolVersion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Security {
    /// RFB 3.7+: the types the server offers, in its order of preference.
    Offered(Vec<u8>),
    /// RFB 3.3: the one type the server chose.
    Chosen(u32),
    /// The server refused the connection (count 0 / type 0), with its reason string.
    Failed(String),
}

fn be_u32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([
        *s.first()?,
        *s.get(1)?,
        *s.get(2)?,
        *s.get(3)?,
    ]))
}

/// Length of a failure message (u32 reason length + reason) starting at `at`, if complete.
fn failure_len(b: &[u8], at: usize) -> Result<usize, RfbError> {
    let len = be_u32(b, at).ok_or(RfbError::Incomplete)? as usize;
    if len > MAX_REASON {
        return Err(RfbError::ReasonTooLong);
    }
    let total = at + 4 + len;
    if b.len() < total {
        return Err(RfbError::Incomplete);
    }
    Ok(total)
}

fn reason_at(b: &[u8], at: usize, end: usize) -> String {
    String::from_utf8_lossy(b.get(at + 4..end).unwrap_or_default()).into_owned()
}

/// Parses the security message for a session of version `v` (the version we replied with).
/// Returns the message and its length in bytes.
pub fn parse_security(b: &[u8], v: Version) -> Result<(Security, usize), RfbError> {
    if v.has_type_list() {
        let count = usize::from(*b.first().ok_or(RfbError::Incomplete)?);
        if count == 0 {
            let end = failure_len(b, 1)?;
            return Ok((Security::Failed(reason_at(b, 1, end)), end));
        }
        let types = b.get(1..1 + count).ok_or(RfbError::Incomplete)?;
        Ok((Security::Offered(types.to_vec()), 1 + count))
    } else {
        let t = be_u32(b, 0).ok_or(RfbError::Incomplete)?;
        if t == 0 {
            let end = failure_len(b, 4)?;
            return Ok((Security::Failed(reason_at(b, 4, end)), end));
        }
        Ok((Security::Chosen(t), 4))
    }
}

/// For `net::read_message`: the length of a complete security message, once it is in `b`.
/// A message that can never be valid (reason too long) is "complete" as it stands, so the caller
/// gets the bytes and the parse error instead of a timeout.
pub fn security_complete(b: &[u8], v: Version) -> Option<usize> {
    match parse_security(b, v) {
        Ok((_, n)) => Some(n),
        Err(RfbError::Incomplete) => None,
        Err(_) => Some(b.len()),
    }
}

/// The VeNCrypt security type, which wraps subtypes (some of them without authentication).
pub const VENCRYPT: u8 = 19;

/// Whether a security type (or VeNCrypt subtype) lets a client in without credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthClass {
    /// None (1), VeNCrypt TLSNone (257) and X509None (260): no credentials asked.
    NoAuth,
    /// Types that always ask for a password or key (VNC Authentication, RA2, Apple, Plain, ...).
    Auth,
    /// Types that wrap other negotiations (TLS 18, VeNCrypt 19, Tight 16) or that we do not
    /// know: they may or may not authenticate.
    Unknown,
}

pub fn auth_class(t: u32) -> AuthClass {
    match t {
        1 | 257 | 260 => AuthClass::NoAuth,
        2 | 5 | 6 | 20 | 21 | 30 | 35 | 113 | 256 | 258 | 259 | 261..=264 => AuthClass::Auth,
        _ => AuthClass::Unknown,
    }
}

/// VeNCrypt (version 0.2) version message: two bytes, major and minor.
pub fn parse_vencrypt_version(b: &[u8]) -> Result<(u8, u8), RfbError> {
    match (b.first(), b.get(1)) {
        (Some(&major), Some(&minor)) => Ok((major, minor)),
        _ => Err(RfbError::Incomplete),
    }
}

/// VeNCrypt 0.2 after the client's version: an ack byte (0 = accepted), then the number of
/// subtypes (u8) and the subtypes (u32 each). Returns the subtypes and the bytes used; a
/// non-zero ack is `Ok` with no subtypes.
pub fn parse_vencrypt_subtypes(b: &[u8]) -> Result<(Option<Vec<u32>>, usize), RfbError> {
    let ack = *b.first().ok_or(RfbError::Incomplete)?;
    if ack != 0 {
        return Ok((None, 1));
    }
    let count = usize::from(*b.get(1).ok_or(RfbError::Incomplete)?);
    let mut types = Vec::with_capacity(count);
    for i in 0..count {
        types.push(be_u32(b, 2 + 4 * i).ok_or(RfbError::Incomplete)?);
    }
    Ok((Some(types), 2 + 4 * count))
}

/// The IANA "RFB Security Types" registry name of a type (plus well-known unregistered ones).
pub fn security_type_name(t: u32) -> String {
    let name = match t {
        0 => "Invalid",
        1 => "None",
        2 => "VNC Authentication",
        3 | 4 | 7..=15 | 128..=255 => "RealVNC",
        5 => "RA2",
        6 => "RA2ne",
        16 => "Tight",
        17 => "Ultra",
        18 => "TLS",
        19 => "VeNCrypt",
        20 => "SASL",
        21 => "MD5 hash authentication",
        22 => "xvp",
        23 => "Secure Tunnel",
        24 => "Integrated SSH",
        30..=35 => "Apple",
        113 => "UltraVNC MS-Logon II",
        // VeNCrypt subtypes (a separate namespace above 255).
        256 => "Plain",
        257 => "TLSNone",
        258 => "TLSVnc",
        259 => "TLSPlain",
        260 => "X509None",
        261 => "X509Vnc",
        262 => "X509Plain",
        263 => "TLSSASL",
        264 => "X509SASL",
        _ => return format!("Unknown ({t})"),
    };
    name.to_owned()
}

/// A minimal ServerInit (RFC 6143 §7.3.2): framebuffer size, a 32-bit true-colour pixel format
/// and the desktop name. Used by the demo responder.
pub fn build_server_init(width: u16, height: u16, name: &str) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&width.to_be_bytes());
    v.extend_from_slice(&height.to_be_bytes());
    // bits-per-pixel, depth, big-endian, true-colour, max r/g/b, shift r/g/b, 3 padding.
    v.extend_from_slice(&[32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0]);
    let name = name.as_bytes();
    v.extend_from_slice(&u32::try_from(name.len()).unwrap_or(0).to_be_bytes());
    v.extend_from_slice(name);
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn version_banners() {
        // Captured from Xtigervnc 1.12 (Debian 12) on 127.0.0.65:15900.
        let v = parse_version(b"RFB 003.008\n").unwrap();
        assert_eq!(v, Version::V3_8);
        assert_eq!(v.label(), "3.8");
        // Apple Remote Desktop announces 3.889 (RFC 6143 §7.1.1 mentions such variants).
        let apple = parse_version(b"RFB 003.889\n").unwrap();
        assert_eq!(apple.label(), "3.889");
        assert_eq!(apple.client_reply(), Version::V3_8);
        assert_eq!(
            parse_version(b"RFB 003.005\n").unwrap().client_reply(),
            Version::V3_3
        );
        assert_eq!(
            parse_version(b"RFB 003.007\n").unwrap().client_reply(),
            Version::V3_7
        );
        assert_eq!(parse_version(b"RFB 003.00"), Err(RfbError::Incomplete));
        assert_eq!(
            parse_version(b"SSH-2.0-OpenSSH_9.2p1\r\n"),
            Err(RfbError::NotRfb)
        );
        assert_eq!(parse_version(b"RFB 0x3.008\n"), Err(RfbError::NotRfb));
        assert_eq!(Version::V3_8.to_bytes(), *b"RFB 003.008\n");
        assert!(looks_like_rfb(b"RFB"));
        assert!(!looks_like_rfb(b"RFX"));
        assert!(!looks_like_rfb(b""));
    }

    #[test]
    fn security_lists() {
        // Captured from Xtigervnc: `-SecurityTypes None` answers 01 01, VncAuth answers 01 02.
        assert_eq!(
            parse_security(&[1, 1], Version::V3_8),
            Ok((Security::Offered(vec![1]), 2))
        );
        assert_eq!(
            parse_security(&[1, 2], Version::V3_8),
            Ok((Security::Offered(vec![2]), 2))
        );
        // RFC 6143 §7.1.2: number-of-security-types 0, then reason-length and reason-string.
        let mut fail = vec![0u8, 0, 0, 0, 7];
        fail.extend_from_slice(b"too bad");
        assert_eq!(
            parse_security(&fail, Version::V3_8),
            Ok((Security::Failed("too bad".into()), 12))
        );
        assert_eq!(security_complete(&fail[..6], Version::V3_8), None);
        // Captured from Xtigervnc answering a 3.3 client: 00000001 (None) and 00000002 (VncAuth
        // followed by its 16-byte challenge, which we do not read).
        assert_eq!(
            parse_security(&[0, 0, 0, 1], Version::V3_3),
            Ok((Security::Chosen(1), 4))
        );
        assert_eq!(
            parse_security(&[0, 0, 0, 2, 0x5d, 0xd0], Version::V3_3),
            Ok((Security::Chosen(2), 4))
        );
        assert_eq!(
            parse_security(&[0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff], Version::V3_3),
            Err(RfbError::ReasonTooLong)
        );
        assert_eq!(
            security_complete(&[0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff], Version::V3_3),
            Some(8)
        );
        assert_eq!(security_type_name(2), "VNC Authentication");
        assert_eq!(security_type_name(19), "VeNCrypt");
        assert_eq!(security_type_name(30), "Apple");
        assert_eq!(security_type_name(99), "Unknown (99)");
        assert_eq!(security_type_name(257), "TLSNone");
        assert_eq!(auth_class(1), AuthClass::NoAuth);
        assert_eq!(auth_class(260), AuthClass::NoAuth);
        assert_eq!(auth_class(2), AuthClass::Auth);
        assert_eq!(auth_class(19), AuthClass::Unknown);
        assert_eq!(auth_class(16), AuthClass::Unknown);
        // VeNCrypt 0.2 (as in TigerVNC's SSecurityVeNCrypt): ack 0, 2 subtypes TLSNone, X509Vnc.
        assert_eq!(
            parse_vencrypt_subtypes(&[0, 2, 0, 0, 1, 1, 0, 0, 1, 5]),
            Ok((Some(vec![257, 261]), 10))
        );
        assert_eq!(
            parse_vencrypt_subtypes(&[0, 2, 0, 0, 1]),
            Err(RfbError::Incomplete)
        );
        assert_eq!(parse_vencrypt_subtypes(&[1]), Ok((None, 1)));
        assert_eq!(parse_vencrypt_version(&[0, 2]), Ok((0, 2)));
    }

    proptest! {
        #[test]
        fn never_panics(b in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_version(&b);
            let _ = looks_like_rfb(&b);
            let _ = parse_vencrypt_version(&b);
            if let Ok((_, n)) = parse_vencrypt_subtypes(&b) { prop_assert!(n <= b.len()); }
            for v in [Version::V3_3, Version::V3_7, Version::V3_8] {
                let _ = parse_security(&b, v);
                if let Some(n) = security_complete(&b, v) { prop_assert!(n <= b.len()); }
            }
        }

        #[test]
        fn mutated_valid_never_panics(count in 0u8..5, pos in 0usize..20, byte in any::<u8>()) {
            let mut b = vec![count, 1, 2, 0, 0, 0, 3, b'a', b'b', b'c', 0, 0];
            if let Some(x) = b.get_mut(pos) { *x = byte; }
            let _ = parse_security(&b, Version::V3_8);
            let _ = parse_security(&b, Version::V3_3);
            let mut v = *b"RFB 003.008\n";
            if let Some(x) = v.get_mut(pos) { *x = byte; }
            let _ = parse_version(&v);
        }
    }
}
