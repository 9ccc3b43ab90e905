//! SSL/TLS handshake bytes for enumeration without a TLS library (RFC 6101, 5246, 8446): ClientHello
//! records for SSLv2 to TLS 1.3, record framing, and a defensive parser of a server's first flight
//! (ServerHello [Certificate ... ServerHelloDone], an Alert, or an SSLv2 SERVER-HELLO).

use std::fmt;
use std::net::IpAddr;

pub const SSL2: u16 = 0x0002;
pub const SSL3: u16 = 0x0300;
pub const TLS1_0: u16 = 0x0301;
pub const TLS1_1: u16 = 0x0302;
pub const TLS1_2: u16 = 0x0303;
pub const TLS1_3: u16 = 0x0304;

/// Signalling suite of RFC 5746 (secure renegotiation), sent in SSLv3 hellos instead of the
/// renegotiation_info extension.
pub const EMPTY_RENEGOTIATION_INFO_SCSV: u16 = 0x00FF;
/// Signalling suite of RFC 7507 (downgrade protection).
pub const FALLBACK_SCSV: u16 = 0x5600;

/// The largest plaintext fragment of a record (2^14): our ClientHello must fit in one.
pub const MAX_FRAGMENT: usize = 16384;
/// The largest record a peer may send (RFC 5246 §6.2.3: 2^14 + 2048).
pub const MAX_RECORD_PAYLOAD: usize = MAX_FRAGMENT + 2048;
/// The most bytes of a server's first flight we accept (certificate chains included).
pub const MAX_FLIGHT: usize = 256 * 1024;
/// The longest SNI host name (DNS limit).
const MAX_HOST: usize = 253;
pub(crate) const RECORD_HEADER: usize = 5;

pub(crate) const CT_CHANGE_CIPHER_SPEC: u8 = 20;
pub(crate) const CT_ALERT: u8 = 21;
pub(crate) const CT_HANDSHAKE: u8 = 22;
const CT_HEARTBEAT: u8 = 24;

pub const HT_HELLO_REQUEST: u8 = 0;
pub const HT_CLIENT_HELLO: u8 = 1;
pub const HT_SERVER_HELLO: u8 = 2;
pub const HT_CERTIFICATE: u8 = 11;
pub const HT_SERVER_KEY_EXCHANGE: u8 = 12;
pub const HT_CERTIFICATE_REQUEST: u8 = 13;
pub const HT_SERVER_HELLO_DONE: u8 = 14;
pub const HT_CERTIFICATE_STATUS: u8 = 22;

pub const EXT_SERVER_NAME: u16 = 0;
pub const EXT_SUPPORTED_GROUPS: u16 = 10;
pub const EXT_EC_POINT_FORMATS: u16 = 11;
pub const EXT_SIGNATURE_ALGORITHMS: u16 = 13;
pub const EXT_PADDING: u16 = 21;
pub const EXT_EXTENDED_MASTER_SECRET: u16 = 23;
pub const EXT_SUPPORTED_VERSIONS: u16 = 43;
pub const EXT_KEY_SHARE: u16 = 51;
pub const EXT_RENEGOTIATION_INFO: u16 = 0xFF01;

pub const GROUP_X25519: u16 = 0x001D;

/// Groups offered in supported_groups: x25519 first (the key share), then the NIST curves, x448,
/// brainpool, older curves for old servers, and the RFC 7919 finite-field groups (offering all
/// five keeps a server that negotiates FFDHE from dropping its DHE suites).
pub const GROUPS: &[u16] = &[
    0x001D, // x25519
    0x0017, // secp256r1
    0x0018, // secp384r1
    0x0019, // secp521r1
    0x001E, // x448
    0x001A, // brainpoolP256r1
    0x001B, // brainpoolP384r1
    0x001C, // brainpoolP512r1
    0x0016, // secp256k1
    0x0015, // secp224r1
    0x0013, // secp192r1
    0x000E, // sect571r1
    0x000B, // sect409k1
    0x000C, // sect409r1
    0x0009, // sect283k1
    0x000A, // sect283r1
    0x0100, // ffdhe2048
    0x0101, // ffdhe3072
    0x0102, // ffdhe4096
    0x0103, // ffdhe6144
    0x0104, // ffdhe8192
];

/// An RFC 7919 finite-field group (0x0100-0x01FF: ffdhe2048 ... and the private-use range).
pub fn is_ffdhe_group(group: u16) -> bool {
    group >> 8 == 0x01
}

/// signature_algorithms offered (TLS 1.2 and 1.3): modern schemes first, then the SHA-224,
/// SHA-1 and MD5 pairs old servers may only have.
pub const SIGNATURE_SCHEMES: &[u16] = &[
    0x0403, // ecdsa_secp256r1_sha256
    0x0503, // ecdsa_secp384r1_sha384
    0x0603, // ecdsa_secp521r1_sha512
    0x0807, // ed25519
    0x0808, // ed448
    0x081A, // ecdsa_brainpoolP256r1tls13_sha256
    0x081B, // ecdsa_brainpoolP384r1tls13_sha384
    0x081C, // ecdsa_brainpoolP512r1tls13_sha512
    0x0804, // rsa_pss_rsae_sha256
    0x0805, // rsa_pss_rsae_sha384
    0x0806, // rsa_pss_rsae_sha512
    0x0809, // rsa_pss_pss_sha256
    0x080A, // rsa_pss_pss_sha384
    0x080B, // rsa_pss_pss_sha512
    0x0401, // rsa_pkcs1_sha256
    0x0501, // rsa_pkcs1_sha384
    0x0601, // rsa_pkcs1_sha512
    0x0402, // dsa_sha256
    0x0502, // dsa_sha384
    0x0602, // dsa_sha512
    0x0303, // ecdsa_sha224
    0x0301, // rsa_sha224
    0x0302, // dsa_sha224
    0x0203, // ecdsa_sha1
    0x0201, // rsa_pkcs1_sha1
    0x0202, // dsa_sha1
    0x0101, // rsa_md5
    0x0102, // dsa_md5
    0x0103, // ecdsa_md5
];

/// The special ServerHello.random of a HelloRetryRequest (RFC 8446 §4.1.3): SHA-256("HelloRetryRequest").
pub const HRR_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// SSLv2 cipher specs (three bytes each).
pub const SSL2_CIPHER_SPECS: &[(u32, &str)] = &[
    (0x010080, "SSL_CK_RC4_128_WITH_MD5"),
    (0x020080, "SSL_CK_RC4_128_EXPORT40_WITH_MD5"),
    (0x030080, "SSL_CK_RC2_128_CBC_WITH_MD5"),
    (0x040080, "SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5"),
    (0x050080, "SSL_CK_IDEA_128_CBC_WITH_MD5"),
    (0x060040, "SSL_CK_DES_64_CBC_WITH_MD5"),
    (0x0700C0, "SSL_CK_DES_192_EDE3_CBC_WITH_MD5"),
];

/// "SSLv3", "TLSv1.2", ... or the code.
pub fn version_name(version: u16) -> String {
    match version {
        SSL2 => "SSLv2".into(),
        SSL3 => "SSLv3".into(),
        TLS1_0 => "TLSv1.0".into(),
        TLS1_1 => "TLSv1.1".into(),
        TLS1_2 => "TLSv1.2".into(),
        TLS1_3 => "TLSv1.3".into(),
        other => format!("0x{other:04x}"),
    }
}

/// Why a ClientHello cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("cannot build a ClientHello for version {}", version_name(*.0))]
    UnsupportedVersion(u16),
    #[error("no cipher suites to offer")]
    NoSuites,
    #[error("ClientHello of {0} bytes does not fit in one record (16384)")]
    TooLong(usize),
}

/// What to put in a ClientHello. `new` fills the random parts; tests set them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello<'a> {
    /// SSL3, TLS1_0, TLS1_1, TLS1_2 (the legacy version) or TLS1_3 (legacy 0x0303 plus
    /// supported_versions offering TLS 1.3 only).
    pub version: u16,
    /// Cipher-suite code points, in preference order.
    pub suites: &'a [u16],
    /// The name probed; sent as SNI unless it is an IP literal or not a DNS name.
    pub server_name: Option<&'a str>,
    pub random: [u8; 32],
    /// Sent as legacy_session_id in TLS 1.3 hellos only (middlebox compatibility).
    pub session_id: [u8; 32],
    /// The x25519 key share of TLS 1.3 hellos (any 32 bytes: the handshake never completes), or
    /// `None` for an empty client_shares list (RFC 8446 §4.2.8): the server then answers with a
    /// HelloRetryRequest that names the suite it chose, without computing a key exchange or
    /// signing anything. `new` uses `None`, which keeps enumeration cheap for the server.
    pub x25519_share: Option<[u8; 32]>,
    /// Offer the RFC 7919 finite-field groups in supported_groups (`new`: yes). A TLS 1.2 server
    /// that negotiates them (RFC 7919 §4) uses its own DH parameters only for a client that does
    /// not offer them, so one hello without them shows the group older clients get.
    pub ffdhe_groups: bool,
}

impl<'a> ClientHello<'a> {
    pub fn new(version: u16, suites: &'a [u16], server_name: Option<&'a str>) -> Self {
        ClientHello {
            version,
            suites,
            server_name,
            random: rand::random(),
            session_id: rand::random(),
            x25519_share: None,
            ffdhe_groups: true,
        }
    }

    /// The ClientHello as one handshake record.
    pub fn to_record(&self) -> Result<Vec<u8>, BuildError> {
        if !matches!(self.version, SSL3 | TLS1_0 | TLS1_1 | TLS1_2 | TLS1_3) {
            return Err(BuildError::UnsupportedVersion(self.version));
        }
        if self.suites.is_empty() {
            return Err(BuildError::NoSuites);
        }
        let tls13 = self.version == TLS1_3;
        let legacy_version = self.version.min(TLS1_2);
        let mut suites: Vec<u16> = self.suites.to_vec();
        if self.version == SSL3 && !suites.contains(&EMPTY_RENEGOTIATION_INFO_SCSV) {
            suites.push(EMPTY_RENEGOTIATION_INFO_SCSV);
        }
        let suites_len = suites.len().saturating_mul(2);
        if suites_len > MAX_FRAGMENT {
            return Err(BuildError::TooLong(suites_len));
        }

        let mut body = Vec::with_capacity(suites_len + 512);
        body.extend_from_slice(&legacy_version.to_be_bytes());
        body.extend_from_slice(&self.random);
        if tls13 {
            body.push(32);
            body.extend_from_slice(&self.session_id);
        } else {
            body.push(0);
        }
        push_u16(&mut body, suites_len);
        for s in &suites {
            body.extend_from_slice(&s.to_be_bytes());
        }
        body.extend_from_slice(&[1, 0]); // compression: null only

        if self.version != SSL3 {
            let mut exts = self.extensions();
            // RFC 7685: some servers hang on hellos of 256-511 bytes; pad those to 512.
            let hello_len = 4 + body.len() + 2 + exts.len();
            if (256..512).contains(&hello_len) {
                let pad = (512 - hello_len).saturating_sub(4);
                push_ext(&mut exts, EXT_PADDING, &vec![0; pad]);
            }
            push_u16(&mut body, exts.len());
            body.extend_from_slice(&exts);
        }

        let hs_len = body.len() + 4;
        if hs_len > MAX_FRAGMENT {
            return Err(BuildError::TooLong(hs_len));
        }
        let mut out = Vec::with_capacity(RECORD_HEADER + hs_len);
        out.push(CT_HANDSHAKE);
        // Record version: SSLv3 for SSLv3, else TLS 1.0 as browsers and OpenSSL send.
        out.extend_from_slice(&(if self.version == SSL3 { SSL3 } else { TLS1_0 }).to_be_bytes());
        push_u16(&mut out, hs_len);
        out.push(HT_CLIENT_HELLO);
        push_u24(&mut out, body.len());
        out.extend_from_slice(&body);
        Ok(out)
    }

    fn extensions(&self) -> Vec<u8> {
        let tls13 = self.version == TLS1_3;
        let mut exts = Vec::new();
        if let Some(host) = self.server_name.and_then(sni_host) {
            let mut sni = Vec::new();
            push_u16(&mut sni, host.len() + 3);
            sni.push(0); // host_name
            push_u16(&mut sni, host.len());
            sni.extend_from_slice(host.as_bytes());
            push_ext(&mut exts, EXT_SERVER_NAME, &sni);
        }
        if !tls13 {
            push_ext(&mut exts, EXT_RENEGOTIATION_INFO, &[0]);
        }
        let offered: Vec<u16> = GROUPS
            .iter()
            .copied()
            .filter(|&g| self.ffdhe_groups || !is_ffdhe_group(g))
            .collect();
        let mut groups = Vec::new();
        push_u16(&mut groups, offered.len() * 2);
        for g in offered {
            groups.extend_from_slice(&g.to_be_bytes());
        }
        push_ext(&mut exts, EXT_SUPPORTED_GROUPS, &groups);
        push_ext(&mut exts, EXT_EC_POINT_FORMATS, &[3, 0, 1, 2]);
        if self.version >= TLS1_2 {
            let mut algs = Vec::new();
            push_u16(&mut algs, SIGNATURE_SCHEMES.len() * 2);
            for a in SIGNATURE_SCHEMES {
                algs.extend_from_slice(&a.to_be_bytes());
            }
            push_ext(&mut exts, EXT_SIGNATURE_ALGORITHMS, &algs);
        }
        if tls13 {
            let mut versions = vec![2];
            versions.extend_from_slice(&TLS1_3.to_be_bytes());
            push_ext(&mut exts, EXT_SUPPORTED_VERSIONS, &versions);
            let mut share = Vec::new();
            match &self.x25519_share {
                Some(key) => {
                    push_u16(&mut share, 4 + key.len());
                    share.extend_from_slice(&GROUP_X25519.to_be_bytes());
                    push_u16(&mut share, key.len());
                    share.extend_from_slice(key);
                }
                None => push_u16(&mut share, 0),
            }
            push_ext(&mut exts, EXT_KEY_SHARE, &share);
        } else {
            push_ext(&mut exts, EXT_EXTENDED_MASTER_SECRET, &[]);
        }
        exts
    }
}

/// A ClientHello record for `version` offering `suites`, with fresh random values.
pub fn client_hello(
    version: u16,
    suites: &[u16],
    server_name: Option<&str>,
) -> Result<Vec<u8>, BuildError> {
    ClientHello::new(version, suites, server_name).to_record()
}

/// An SSLv2 CLIENT-HELLO (2-byte record header) offering `specs` with a 16-byte challenge.
pub fn ssl2_client_hello(specs: &[u32], challenge: [u8; 16]) -> Result<Vec<u8>, BuildError> {
    if specs.is_empty() {
        return Err(BuildError::NoSuites);
    }
    let specs_len = specs.len().saturating_mul(3);
    let len = 9 + specs_len + challenge.len();
    if len > 0x7FFF {
        return Err(BuildError::TooLong(len));
    }
    let mut out = Vec::with_capacity(len + 2);
    push_u16(&mut out, len | 0x8000);
    out.push(1); // CLIENT-HELLO
    out.extend_from_slice(&SSL2.to_be_bytes());
    push_u16(&mut out, specs_len);
    push_u16(&mut out, 0); // session id
    push_u16(&mut out, challenge.len());
    for s in specs {
        out.extend_from_slice(s.to_be_bytes().get(1..).unwrap_or_default());
    }
    out.extend_from_slice(&challenge);
    Ok(out)
}

/// The SNI form of a probed name: without a trailing dot, `None` for IP literals and anything
/// that is not an ASCII DNS name (RFC 6066 §3 forbids literal addresses).
pub fn sni_host(name: &str) -> Option<&str> {
    let host = name.strip_suffix('.').unwrap_or(name);
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() || host.len() > MAX_HOST || bare.parse::<IpAddr>().is_ok() {
        return None;
    }
    host.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
        .then_some(host)
}

pub(crate) fn push_u16(out: &mut Vec<u8>, v: usize) {
    // Callers bound their lengths (MAX_FRAGMENT); saturate rather than wrap if one did not.
    out.extend_from_slice(&u16::try_from(v).unwrap_or(u16::MAX).to_be_bytes());
}

pub(crate) fn push_u24(out: &mut Vec<u8>, v: usize) {
    let v = u32::try_from(v).unwrap_or(0xFF_FFFF).min(0xFF_FFFF);
    out.extend_from_slice(v.to_be_bytes().get(1..).unwrap_or_default());
}

pub(crate) fn push_ext(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
    out.extend_from_slice(&typ.to_be_bytes());
    push_u16(out, data.len());
    out.extend_from_slice(data);
}

/// For `net::read_message`: `Some(len)` once one whole record (TLS, or SSLv2 with a 2-byte header)
/// of `len` bytes is in `buf`. Bytes that cannot start a record, or a record longer than the
/// protocol allows, complete at once (the parser then says why). Never panics.
pub fn record_complete(buf: &[u8]) -> Option<usize> {
    let first = *buf.first()?;
    let second = *buf.get(1)?;
    if first & 0x80 != 0 {
        let len = (usize::from(first & 0x7F) << 8 | usize::from(second)) + 2;
        return (buf.len() >= len).then_some(len);
    }
    if !(CT_CHANGE_CIPHER_SPEC..=CT_HEARTBEAT).contains(&first) || second != 3 {
        return Some(buf.len());
    }
    let len = usize::from(u16::from_be_bytes([*buf.get(3)?, *buf.get(4)?]));
    if len > MAX_RECORD_PAYLOAD {
        return Some(RECORD_HEADER);
    }
    let total = RECORD_HEADER + len;
    (buf.len() >= total).then_some(total)
}

/// For `net::read_message`: `Some(len)` once `buf` holds a server's whole answer to a
/// ClientHello (see `parse_server_answer`), or bytes that can never become one (`Some(buf.len())`,
/// the parser then says why). `None` while more bytes are needed. Never panics.
pub fn flight_complete(buf: &[u8]) -> Option<usize> {
    if buf.is_empty() {
        return None;
    }
    match read_flight(buf) {
        Ok((_, len)) => Some(len),
        Err(TlsError::Truncated(_)) => None,
        Err(_) => Some(buf.len()),
    }
}

/// Why bytes are not a usable answer to a ClientHello.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsError {
    #[error("truncated ({0})")]
    Truncated(&'static str),
    #[error("not TLS (first bytes {0:02x?})")]
    NotTls(Vec<u8>),
    #[error("record of {0} bytes exceeds the protocol limit")]
    RecordTooLong(usize),
    /// A handshake message whose length field claims more than a whole answer may hold: the
    /// claim itself is the evidence, and nothing more is read.
    #[error("handshake message type {typ} claims {} ({len} bytes), over the {} an answer may have", crate::msgs::size_words(*.len as u64), crate::msgs::size_words(MAX_FLIGHT as u64))]
    Claims { typ: u8, len: usize },
    #[error("answer exceeds {MAX_FLIGHT} bytes")]
    TooLarge,
    #[error("record of content type {0} before the ServerHello")]
    UnexpectedContent(u8),
    #[error("handshake message type {0} instead of a ServerHello")]
    UnexpectedMessage(u8),
    #[error("malformed {0}")]
    Malformed(&'static str),
    #[error("SSLv2 ERROR message (code {0})")]
    Ssl2Error(u16),
}

impl TlsError {
    /// True when the peer spoke SSL/TLS framing even though its answer is unusable.
    pub fn is_tls(&self) -> bool {
        !matches!(self, TlsError::NotTls(_))
    }
}

/// A TLS Alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alert {
    /// 1 warning, 2 fatal.
    pub level: u8,
    pub description: u8,
}

impl Alert {
    pub fn fatal(&self) -> bool {
        self.level == 2
    }

    pub fn description_name(&self) -> &'static str {
        alert_name(self.description)
    }
}

impl fmt::Display for Alert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            1 => "warning",
            2 => "fatal",
            _ => "unknown-level",
        };
        write!(
            f,
            "{level} alert {} ({})",
            alert_name(self.description),
            self.description
        )
    }
}

/// The name of an alert description (RFC 8446 §6, RFC 5246 §7.2 and extensions).
pub fn alert_name(description: u8) -> &'static str {
    match description {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        21 => "decryption_failed",
        22 => "record_overflow",
        30 => "decompression_failure",
        40 => "handshake_failure",
        41 => "no_certificate",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        60 => "export_restriction",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        100 => "no_renegotiation",
        109 => "missing_extension",
        110 => "unsupported_extension",
        111 => "certificate_unobtainable",
        112 => "unrecognized_name",
        113 => "bad_certificate_status_response",
        114 => "bad_certificate_hash_value",
        115 => "unknown_psk_identity",
        116 => "certificate_required",
        120 => "no_application_protocol",
        _ => "unknown",
    }
}

/// One extension of a ServerHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub typ: u16,
    pub data: Vec<u8>,
}

/// A ServerHello (or HelloRetryRequest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello {
    /// ServerHello.version (0x0303 for TLS 1.3).
    pub legacy_version: u16,
    /// The negotiated version: supported_versions when present, else `legacy_version`.
    pub version: u16,
    pub random: [u8; 32],
    pub session_id: Vec<u8>,
    pub cipher_suite: u16,
    pub compression: u8,
    pub extensions: Vec<Extension>,
    /// The random is RFC 8446's HelloRetryRequest value: the server accepts TLS 1.3 and
    /// `cipher_suite` but wants another key share (`hrr_group`).
    pub hello_retry_request: bool,
}

impl ServerHello {
    pub fn extension(&self, typ: u16) -> Option<&[u8]> {
        self.extensions
            .iter()
            .find(|e| e.typ == typ)
            .map(|e| e.data.as_slice())
    }

    pub fn is_tls13(&self) -> bool {
        self.version == TLS1_3
    }

    /// The group a HelloRetryRequest asks for, or the group of a TLS 1.3 ServerHello's share.
    pub fn key_share_group(&self) -> Option<u16> {
        let d = self.extension(EXT_KEY_SHARE)?;
        Some(u16::from_be_bytes([*d.first()?, *d.get(1)?]))
    }

    /// The server answered renegotiation_info (RFC 5746 secure renegotiation).
    pub fn secure_renegotiation(&self) -> bool {
        self.extension(EXT_RENEGOTIATION_INFO).is_some()
    }

    /// RFC 8446 §4.1.3 downgrade sentinel in the random: Some(TLS1_2) for "DOWNGRD\x01" (a
    /// TLS 1.3 server negotiating 1.2), Some(TLS1_1) for "DOWNGRD\x00" (below 1.2).
    pub fn downgrade_sentinel(&self) -> Option<u16> {
        let tail = self.random.get(24..)?;
        match tail {
            b"DOWNGRD\x01" => Some(TLS1_2),
            b"DOWNGRD\x00" => Some(TLS1_1),
            _ => None,
        }
    }
}

/// A server's first flight after a ServerHello (≤ TLS 1.2: in plaintext).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerFlight {
    pub hello: ServerHello,
    /// The DER certificates of the Certificate message, leaf first (≤ TLS 1.2 only: TLS 1.3
    /// encrypts it).
    pub certificates: Option<Vec<Vec<u8>>>,
    /// The body of ServerKeyExchange (the (EC)DH parameters and their signature).
    pub server_key_exchange: Option<Vec<u8>>,
    /// ServerHelloDone arrived: the flight is whole.
    pub hello_done: bool,
    /// The handshake message types, in order.
    pub messages: Vec<u8>,
    /// An alert that ended the flight after the ServerHello.
    pub alert: Option<Alert>,
}

/// An SSLv2 SERVER-HELLO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ssl2ServerHello {
    pub session_id_hit: bool,
    pub certificate_type: u8,
    pub version: u16,
    pub certificate: Vec<u8>,
    /// Three-byte cipher specs the server shares with the client.
    pub cipher_specs: Vec<u32>,
    pub connection_id: Vec<u8>,
}

/// What a server answered to a ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerAnswer {
    Hello(Box<ServerFlight>),
    Alert(Alert),
    Ssl2(Ssl2ServerHello),
}

/// Parses a server's answer to a ClientHello: one or more records (a handshake message may span
/// records, and records may hold several messages) holding a ServerHello and, ≤ TLS 1.2, the rest
/// of the flight up to ServerHelloDone; or an Alert; or an SSLv2 SERVER-HELLO. Bytes after the
/// answer are ignored. Never panics.
pub fn parse_server_answer(buf: &[u8]) -> Result<ServerAnswer, TlsError> {
    read_flight(buf).map(|(answer, _)| answer)
}

/// One record at `at`: (content type, fragment, offset after it).
fn record_at(buf: &[u8], at: usize) -> Result<(u8, &[u8], usize), TlsError> {
    let header = buf
        .get(at..at.saturating_add(RECORD_HEADER))
        .ok_or(TlsError::Truncated("record header"))?;
    let (ct, major, hi, lo) = match header {
        [ct, major, _minor, hi, lo] => (*ct, *major, *hi, *lo),
        _ => return Err(TlsError::Truncated("record header")),
    };
    if !(CT_CHANGE_CIPHER_SPEC..=CT_HEARTBEAT).contains(&ct) || major != 3 {
        return Err(TlsError::NotTls(header.to_vec()));
    }
    let len = usize::from(u16::from_be_bytes([hi, lo]));
    if len > MAX_RECORD_PAYLOAD {
        return Err(TlsError::RecordTooLong(len));
    }
    let start = at + RECORD_HEADER;
    let end = start + len;
    let fragment = buf
        .get(start..end)
        .ok_or(TlsError::Truncated("record body"))?;
    Ok((ct, fragment, end))
}

fn parse_alert(fragment: &[u8]) -> Result<Alert, TlsError> {
    match fragment {
        [level, description, ..] => Ok(Alert {
            level: *level,
            description: *description,
        }),
        _ => Err(TlsError::Malformed("alert")),
    }
}

/// The answer and the number of bytes it took.
fn read_flight(buf: &[u8]) -> Result<(ServerAnswer, usize), TlsError> {
    let first = *buf.first().ok_or(TlsError::Truncated("empty"))?;
    if first & 0x80 != 0 {
        return parse_ssl2_server_hello(buf);
    }
    let mut pos = 0usize;
    let mut hs: Vec<u8> = Vec::new();
    let mut hs_pos = 0usize;
    let mut flight: Option<ServerFlight> = None;
    loop {
        // Every whole handshake message received so far.
        while let Some((typ, body, next)) = next_message(&hs, hs_pos)? {
            hs_pos = next;
            match flight.as_mut() {
                None => match typ {
                    HT_HELLO_REQUEST => {}
                    HT_SERVER_HELLO => {
                        let hello = parse_server_hello(body)?;
                        // TLS 1.3 (and HRR): everything after the ServerHello is encrypted.
                        let done = hello.hello_retry_request || hello.is_tls13();
                        let f = ServerFlight {
                            hello,
                            certificates: None,
                            server_key_exchange: None,
                            hello_done: false,
                            messages: vec![typ],
                            alert: None,
                        };
                        if done {
                            return Ok((ServerAnswer::Hello(Box::new(f)), pos));
                        }
                        flight = Some(f);
                    }
                    other => return Err(TlsError::UnexpectedMessage(other)),
                },
                Some(f) => {
                    f.messages.push(typ);
                    match typ {
                        HT_CERTIFICATE => f.certificates = Some(parse_certificate_list(body)?),
                        HT_SERVER_KEY_EXCHANGE => f.server_key_exchange = Some(body.to_vec()),
                        HT_SERVER_HELLO_DONE => {
                            f.hello_done = true;
                            let f = flight.take().ok_or(TlsError::Malformed("flight"))?;
                            return Ok((ServerAnswer::Hello(Box::new(f)), pos));
                        }
                        _ => {}
                    }
                }
            }
        }
        if pos >= MAX_FLIGHT {
            return Err(TlsError::TooLarge);
        }
        let (ct, fragment, next) = record_at(buf, pos).map_err(|e| match e {
            // Garbage after TLS records: a broken TLS server rather than another protocol.
            TlsError::NotTls(_) if pos > 0 => TlsError::Malformed("record framing"),
            e => e,
        })?;
        pos = next;
        match ct {
            CT_HANDSHAKE => {
                if hs.len().saturating_add(fragment.len()) > MAX_FLIGHT {
                    return Err(TlsError::TooLarge);
                }
                hs.extend_from_slice(fragment);
            }
            CT_ALERT => {
                let alert = parse_alert(fragment)?;
                return Ok(match flight.take() {
                    None => (ServerAnswer::Alert(alert), pos),
                    Some(mut f) => {
                        f.alert = Some(alert);
                        (ServerAnswer::Hello(Box::new(f)), pos)
                    }
                });
            }
            other => {
                // ChangeCipherSpec or data after a ServerHello: the plaintext flight is over.
                return match flight.take() {
                    Some(f) => Ok((ServerAnswer::Hello(Box::new(f)), pos)),
                    None => Err(TlsError::UnexpectedContent(other)),
                };
            }
        }
    }
}

/// A handshake message: (type, body, offset after it in the reassembled stream).
type Message<'a> = (u8, &'a [u8], usize);

/// The handshake message at `at` of the reassembled stream, or `None` if it is not whole yet.
fn next_message(hs: &[u8], at: usize) -> Result<Option<Message<'_>>, TlsError> {
    let Some(header) = hs.get(at..at.saturating_add(4)) else {
        return Ok(None);
    };
    let (typ, len) = match header {
        [typ, a, b, c] => (
            *typ,
            usize::from(*a) << 16 | usize::from(*b) << 8 | usize::from(*c),
        ),
        _ => return Ok(None),
    };
    if len > MAX_FLIGHT {
        return Err(TlsError::Claims { typ, len });
    }
    let start = at + 4;
    let end = start + len;
    Ok(hs.get(start..end).map(|body| (typ, body, end)))
}

/// A cursor over untrusted bytes: every read is checked.
/// A bounds-checked cursor over untrusted bytes (shared with `tls_server`).
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8], what: &'static str) -> Self {
        Reader { buf, pos: 0, what }
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], TlsError> {
        let end = self
            .pos
            .checked_add(n)
            .ok_or(TlsError::Malformed(self.what))?;
        let s = self
            .buf
            .get(self.pos..end)
            .ok_or(TlsError::Malformed(self.what))?;
        self.pos = end;
        Ok(s)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, TlsError> {
        self.take(1)?
            .first()
            .copied()
            .ok_or(TlsError::Malformed(self.what))
    }

    pub(crate) fn u16(&mut self) -> Result<u16, TlsError> {
        match self.take(2)? {
            [a, b] => Ok(u16::from_be_bytes([*a, *b])),
            _ => Err(TlsError::Malformed(self.what)),
        }
    }

    pub(crate) fn u24(&mut self) -> Result<usize, TlsError> {
        match self.take(3)? {
            [a, b, c] => Ok(usize::from(*a) << 16 | usize::from(*b) << 8 | usize::from(*c)),
            _ => Err(TlsError::Malformed(self.what)),
        }
    }

    pub(crate) fn rest(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }
}

/// Parses the body of a ServerHello handshake message.
pub fn parse_server_hello(body: &[u8]) -> Result<ServerHello, TlsError> {
    let mut r = Reader::new(body, "ServerHello");
    let legacy_version = r.u16()?;
    let mut random = [0u8; 32];
    random.copy_from_slice(r.take(32)?);
    let sid_len = usize::from(r.u8()?);
    if sid_len > 32 {
        return Err(TlsError::Malformed("ServerHello session id"));
    }
    let session_id = r.take(sid_len)?.to_vec();
    let cipher_suite = r.u16()?;
    let compression = r.u8()?;
    let mut extensions = Vec::new();
    if r.rest() > 0 {
        let len = usize::from(r.u16()?);
        let mut e = Reader::new(r.take(len)?, "ServerHello extensions");
        while e.rest() > 0 {
            let typ = e.u16()?;
            let len = usize::from(e.u16()?);
            extensions.push(Extension {
                typ,
                data: e.take(len)?.to_vec(),
            });
        }
        if r.rest() > 0 {
            return Err(TlsError::Malformed("ServerHello trailing bytes"));
        }
    }
    let mut hello = ServerHello {
        legacy_version,
        version: legacy_version,
        random,
        session_id,
        cipher_suite,
        compression,
        extensions,
        hello_retry_request: random == HRR_RANDOM,
    };
    if let Some(v) = hello.extension(EXT_SUPPORTED_VERSIONS) {
        match v {
            [a, b] => hello.version = u16::from_be_bytes([*a, *b]),
            _ => return Err(TlsError::Malformed("supported_versions")),
        }
    }
    Ok(hello)
}

/// Parses the body of a ≤ TLS 1.2 Certificate message: the DER certificates, leaf first.
pub fn parse_certificate_list(body: &[u8]) -> Result<Vec<Vec<u8>>, TlsError> {
    let mut r = Reader::new(body, "Certificate");
    let total = r.u24()?;
    let mut list = Reader::new(r.take(total)?, "Certificate list");
    let mut certs = Vec::new();
    while list.rest() > 0 {
        let len = list.u24()?;
        certs.push(list.take(len)?.to_vec());
    }
    Ok(certs)
}

/// The finite-field Diffie-Hellman parameters of a ServerKeyExchange (RFC 5246 §7.4.3
/// ServerDHParams, the same in SSLv3 to TLS 1.2): prime, generator and the server's public
/// value, as big-endian integers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhParams {
    pub prime: Vec<u8>,
    pub generator: Vec<u8>,
    pub public: Vec<u8>,
}

impl DhParams {
    /// The size of the group: the bit length of the prime (leading zero bits not counted),
    /// what sslscan and testssl.sh report as "DHE 1024 bits".
    pub fn prime_bits(&self) -> usize {
        let digits = match self.prime.iter().position(|&b| b != 0) {
            Some(i) => self.prime.get(i..).unwrap_or_default(),
            None => &[],
        };
        match digits.first() {
            Some(&top) => (digits.len() - 1) * 8 + (8 - top.leading_zeros() as usize),
            None => 0,
        }
    }
}

/// Reads the DH parameters at the start of a ServerKeyExchange body (what follows them, the
/// signature, is not needed). `psk_hint`: the suite is DHE_PSK, whose parameters come after a
/// `psk_identity_hint<0..2^16-1>` (RFC 4279 §3). A prime or generator that is empty or zero is
/// malformed (RFC 5246: `opaque dh_p<1..2^16-1>`). Never panics.
pub fn parse_dh_params(body: &[u8], psk_hint: bool) -> Result<DhParams, TlsError> {
    let mut r = Reader::new(body, "ServerKeyExchange DH parameters");
    if psk_hint {
        let len = usize::from(r.u16()?);
        r.take(len)?;
    }
    let mut vector = |what: &'static str| -> Result<Vec<u8>, TlsError> {
        let len = usize::from(r.u16()?);
        let v = r.take(len)?;
        if v.iter().all(|&b| b == 0) {
            return Err(TlsError::Malformed(what));
        }
        Ok(v.to_vec())
    };
    let prime = vector("ServerKeyExchange DH prime (empty or zero)")?;
    let generator = vector("ServerKeyExchange DH generator (empty or zero)")?;
    let public = vector("ServerKeyExchange DH public value (empty or zero)")?;
    Ok(DhParams {
        prime,
        generator,
        public,
    })
}

/// Parses an SSLv2 record holding a SERVER-HELLO (or an ERROR).
fn parse_ssl2_server_hello(buf: &[u8]) -> Result<(ServerAnswer, usize), TlsError> {
    let len = record_complete(buf).ok_or(TlsError::Truncated("SSLv2 record"))?;
    let body = buf.get(2..len).ok_or(TlsError::Truncated("SSLv2 record"))?;
    let mut r = Reader::new(body, "SSLv2 SERVER-HELLO");
    match r.u8()? {
        0 => return Err(TlsError::Ssl2Error(r.u16().unwrap_or(0))),
        4 => {}
        _ => return Err(TlsError::NotTls(buf.iter().take(8).copied().collect())),
    }
    let session_id_hit = r.u8()? != 0;
    let certificate_type = r.u8()?;
    let version = r.u16()?;
    let cert_len = usize::from(r.u16()?);
    let specs_len = usize::from(r.u16()?);
    let conn_len = usize::from(r.u16()?);
    if specs_len % 3 != 0 {
        return Err(TlsError::Malformed("SSLv2 cipher specs"));
    }
    let certificate = r.take(cert_len)?.to_vec();
    let cipher_specs = r
        .take(specs_len)?
        .chunks_exact(3)
        .map(|c| c.iter().fold(0u32, |acc, b| acc << 8 | u32::from(*b)))
        .collect();
    let connection_id = r.take(conn_len)?.to_vec();
    Ok((
        ServerAnswer::Ssl2(Ssl2ServerHello {
            session_id_hit,
            certificate_type,
            version,
            certificate,
            cipher_specs,
            connection_id,
        }),
        len,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::tls_suites;
    use proptest::prelude::*;

    use crate::msgs::ntlm::tests::hex;

    fn to_hex(b: &[u8]) -> String {
        crate::msgs::banner::hex(b, usize::MAX)
    }

    fn fixed<'a>(version: u16, suites: &'a [u16], name: Option<&'a str>) -> ClientHello<'a> {
        ClientHello {
            version,
            suites,
            server_name: name,
            random: [0x11; 32],
            session_id: [0x22; 32],
            x25519_share: Some([0x33; 32]),
            ffdhe_groups: true,
        }
    }

    /// A ClientHello as a server sees it (test-only parser).
    #[derive(Debug)]
    struct ParsedHello {
        record_version: u16,
        version: u16,
        random: Vec<u8>,
        session_id: Vec<u8>,
        suites: Vec<u16>,
        compression: Vec<u8>,
        extensions: Option<Vec<(u16, Vec<u8>)>>,
    }

    fn parse_client_hello(rec: &[u8]) -> ParsedHello {
        assert_eq!(rec[0], CT_HANDSHAKE);
        let record_version = u16::from_be_bytes([rec[1], rec[2]]);
        let rec_len = usize::from(u16::from_be_bytes([rec[3], rec[4]]));
        assert_eq!(rec.len(), 5 + rec_len);
        let hs = &rec[5..];
        assert_eq!(hs[0], HT_CLIENT_HELLO);
        let mut r = Reader::new(&hs[1..], "test");
        let len = r.u24().unwrap();
        assert_eq!(len, hs.len() - 4);
        let version = r.u16().unwrap();
        let random = r.take(32).unwrap().to_vec();
        let sid_len = usize::from(r.u8().unwrap());
        let session_id = r.take(sid_len).unwrap().to_vec();
        let n = usize::from(r.u16().unwrap());
        let suites = r
            .take(n)
            .unwrap()
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        let n = usize::from(r.u8().unwrap());
        let compression = r.take(n).unwrap().to_vec();
        let extensions = (r.rest() > 0).then(|| {
            let n = usize::from(r.u16().unwrap());
            let mut e = Reader::new(r.take(n).unwrap(), "test");
            let mut v = Vec::new();
            while e.rest() > 0 {
                let t = e.u16().unwrap();
                let n = usize::from(e.u16().unwrap());
                v.push((t, e.take(n).unwrap().to_vec()));
            }
            v
        });
        assert_eq!(r.rest(), 0);
        ParsedHello {
            record_version,
            version,
            random,
            session_id,
            suites,
            compression,
            extensions,
        }
    }

    fn ext(p: &ParsedHello, typ: u16) -> Option<&[u8]> {
        p.extensions
            .as_ref()?
            .iter()
            .find(|(t, _)| *t == typ)
            .map(|(_, d)| d.as_slice())
    }

    #[test]
    fn client_hello_tls12_fields() {
        let suites = [0xC02F, 0x009C, 0x000A];
        let rec = fixed(TLS1_2, &suites, Some("vendor.example."))
            .to_record()
            .unwrap();
        assert_eq!(record_complete(&rec), Some(rec.len()));
        let p = parse_client_hello(&rec);
        assert_eq!(p.record_version, TLS1_0);
        assert_eq!(p.version, TLS1_2);
        assert_eq!(p.random, vec![0x11; 32]);
        assert!(p.session_id.is_empty());
        assert_eq!(p.suites, suites);
        assert_eq!(p.compression, vec![0]);
        let sni = ext(&p, EXT_SERVER_NAME).unwrap();
        assert_eq!(&sni[5..], b"vendor.example");
        assert_eq!(ext(&p, EXT_RENEGOTIATION_INFO), Some(&[0u8][..]));
        assert_eq!(ext(&p, EXT_EC_POINT_FORMATS), Some(&[3u8, 0, 1, 2][..]));
        let groups = ext(&p, EXT_SUPPORTED_GROUPS).unwrap();
        assert_eq!(&groups[..4], &[0, 42, 0x00, 0x1D]);
        let algs = ext(&p, EXT_SIGNATURE_ALGORITHMS).unwrap();
        assert_eq!(algs.len(), 2 + 2 * SIGNATURE_SCHEMES.len());
        assert!(algs.chunks(2).skip(1).any(|c| c == [0x02, 0x01])); // rsa_pkcs1_sha1
        assert!(algs.chunks(2).skip(1).any(|c| c == [0x01, 0x01])); // rsa_md5
        assert!(ext(&p, EXT_SUPPORTED_VERSIONS).is_none());
        assert!(ext(&p, EXT_KEY_SHARE).is_none());
        assert!(ext(&p, EXT_EXTENDED_MASTER_SECRET).is_some());
    }

    #[test]
    fn client_hello_tls13_fields() {
        let suites = [0x1301, 0x1302, 0x1303];
        let rec = fixed(TLS1_3, &suites, Some("vendor.example"))
            .to_record()
            .unwrap();
        let p = parse_client_hello(&rec);
        assert_eq!(p.version, TLS1_2);
        assert_eq!(p.session_id, vec![0x22; 32]);
        assert_eq!(ext(&p, EXT_SUPPORTED_VERSIONS), Some(&[2u8, 3, 4][..]));
        let share = ext(&p, EXT_KEY_SHARE).unwrap();
        assert_eq!(&share[..6], &[0, 36, 0, 0x1D, 0, 32]);
        assert_eq!(&share[6..], &[0x33; 32]);
        assert!(ext(&p, EXT_RENEGOTIATION_INFO).is_none());
        assert!(ext(&p, EXT_SIGNATURE_ALGORITHMS).is_some());
        // 256..511-byte hellos are padded to 512 (RFC 7685).
        assert_eq!(rec.len() - 5, 512);
        assert!(ext(&p, EXT_PADDING).is_some());
    }

    #[test]
    fn client_hello_tls13_without_a_key_share_asks_for_a_retry() {
        let suites = [0x1301, 0x1302];
        let rec = ClientHello::new(TLS1_3, &suites, None).to_record().unwrap();
        let p = parse_client_hello(&rec);
        assert_eq!(ext(&p, EXT_KEY_SHARE), Some(&[0u8, 0][..]));
    }

    #[test]
    fn client_hello_without_the_ffdhe_groups() {
        let groups = |h: &ClientHello| {
            let p = parse_client_hello(&h.to_record().unwrap());
            let d = ext(&p, EXT_SUPPORTED_GROUPS).unwrap().to_vec();
            d[2..]
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect::<Vec<u16>>()
        };
        let mut h = fixed(TLS1_2, &[0x009E], Some("a.example"));
        let with = groups(&h);
        assert!(with.contains(&0x0100) && with.contains(&0x0104));
        h.ffdhe_groups = false;
        let without = groups(&h);
        assert!(
            !without.iter().any(|&g| is_ffdhe_group(g)),
            "{without:04X?}"
        );
        assert_eq!(without.len(), with.len() - 5);
        assert_eq!(without[0], GROUP_X25519);
    }

    #[test]
    fn client_hello_old_versions() {
        let suites = [0x0005, 0x000A];
        // SSLv3: no extensions at all, the renegotiation SCSV instead.
        let rec = fixed(SSL3, &suites, Some("vendor.example"))
            .to_record()
            .unwrap();
        let p = parse_client_hello(&rec);
        assert_eq!((p.record_version, p.version), (SSL3, SSL3));
        assert_eq!(
            p.suites,
            vec![0x0005, 0x000A, EMPTY_RENEGOTIATION_INFO_SCSV]
        );
        assert!(p.extensions.is_none());
        for v in [TLS1_0, TLS1_1] {
            let p = parse_client_hello(&fixed(v, &suites, None).to_record().unwrap());
            assert_eq!(p.version, v);
            assert!(ext(&p, EXT_SIGNATURE_ALGORITHMS).is_none());
            assert!(ext(&p, EXT_SERVER_NAME).is_none());
            assert!(ext(&p, EXT_SUPPORTED_GROUPS).is_some());
        }
    }

    #[test]
    fn client_hello_limits() {
        let all = tls_suites::legacy_codes();
        let rec = client_hello(TLS1_2, &all, Some("a.example")).unwrap();
        assert!(rec.len() - 5 <= MAX_FRAGMENT);
        assert_eq!(parse_client_hello(&rec).suites, all);
        assert_eq!(client_hello(TLS1_2, &[], None), Err(BuildError::NoSuites));
        assert_eq!(
            client_hello(0x0305, &[1], None),
            Err(BuildError::UnsupportedVersion(0x0305))
        );
        assert_eq!(
            client_hello(SSL2, &[1], None),
            Err(BuildError::UnsupportedVersion(2))
        );
        let huge: Vec<u16> = (0..9000).collect();
        assert!(matches!(
            client_hello(TLS1_2, &huge, None),
            Err(BuildError::TooLong(_))
        ));
        let many: Vec<u16> = (0..8150).collect();
        assert!(matches!(
            client_hello(TLS1_2, &many, None),
            Err(BuildError::TooLong(_))
        ));
        // Two hellos differ in their random.
        assert_ne!(
            client_hello(TLS1_2, &[0x2F], None).unwrap(),
            client_hello(TLS1_2, &[0x2F], None).unwrap()
        );
    }

    #[test]
    fn sni_only_for_dns_names() {
        assert_eq!(sni_host("vendor.example."), Some("vendor.example"));
        assert_eq!(sni_host("192.0.2.1"), None);
        assert_eq!(sni_host("::1"), None);
        assert_eq!(sni_host("[2001:db8::1]"), None);
        assert_eq!(sni_host(""), None);
        assert_eq!(sni_host("bad name"), None);
        assert_eq!(sni_host("ünï.example"), None);
        assert_eq!(sni_host(&"a".repeat(254)), None);
        let p = parse_client_hello(
            &fixed(TLS1_2, &[0x2F], Some("127.0.0.91"))
                .to_record()
                .unwrap(),
        );
        assert!(ext(&p, EXT_SERVER_NAME).is_none());
    }

    #[test]
    fn ssl2_client_hello_layout() {
        let specs: Vec<u32> = SSL2_CIPHER_SPECS.iter().map(|(c, _)| *c).collect();
        let rec = ssl2_client_hello(&specs, [7; 16]).unwrap();
        assert_eq!(record_complete(&rec), Some(rec.len()));
        assert_eq!(&rec[..11], &hex("802e0100020015000000 10")[..11]);
        assert_eq!(&rec[11..14], &[0x01, 0x00, 0x80]);
        assert_eq!(&rec[rec.len() - 16..], &[7; 16]);
        assert_eq!(ssl2_client_hello(&[], [0; 16]), Err(BuildError::NoSuites));
    }

    fn recorded(name: &str) -> Vec<u8> {
        let text = match name {
            "s12_all" => include_str!("testdata/tls/s12_all.hex"),
            "s12_ecdhe" => include_str!("testdata/tls/s12_ecdhe.hex"),
            "s13" => include_str!("testdata/tls/s13.hex"),
            "s13_hrr" => include_str!("testdata/tls/s13_hrr.hex"),
            "s10" => include_str!("testdata/tls/s10.hex"),
            "s12_anon" => include_str!("testdata/tls/s12_anon.hex"),
            _ => unreachable!(),
        };
        hex(text)
    }

    fn flight(buf: &[u8]) -> ServerFlight {
        match parse_server_answer(buf).unwrap() {
            ServerAnswer::Hello(f) => *f,
            other => panic!("not a hello: {other:?}"),
        }
    }

    #[test]
    fn recorded_openssl_tls12_flight() {
        // Recorded from OpenSSL 3.0.19 `s_server -tls1_2` (RSA 2048, CN=t) answering our TLS 1.2
        // hello offering every ≤ 1.2 registry suite in code-point order (testdata/tls/README.md).
        let buf = recorded("s12_all");
        assert_eq!(flight_complete(&buf), Some(buf.len()));
        let f = flight(&buf);
        assert_eq!(f.hello.version, TLS1_2);
        assert!(!f.hello.is_tls13());
        assert!(!f.hello.hello_retry_request);
        assert_eq!(f.hello.compression, 0);
        assert!(f.hello.secure_renegotiation());
        assert_eq!(
            f.messages,
            vec![HT_SERVER_HELLO, HT_CERTIFICATE, HT_SERVER_HELLO_DONE]
        );
        assert!(f.hello_done);
        assert!(f.server_key_exchange.is_none());
        // The client's order wins on s_server: the first suite OpenSSL's defaults allow.
        let suite = tls_suites::lookup(f.hello.cipher_suite).unwrap();
        assert_eq!(suite.name, "TLS_RSA_WITH_AES_128_CBC_SHA");
        let certs = f.certificates.unwrap();
        assert_eq!(certs.len(), 1);
        assert_eq!(&certs[0][..2], &[0x30, 0x82]);
        assert_eq!(certs[0].len(), 765);
        // A server without TLS 1.3 sets no downgrade sentinel.
        assert_eq!(f.hello.downgrade_sentinel(), None);
        let mut h = f.hello.clone();
        h.random[24..].copy_from_slice(b"DOWNGRD\x01");
        assert_eq!(h.downgrade_sentinel(), Some(TLS1_2));
        h.random[31] = 0;
        assert_eq!(h.downgrade_sentinel(), Some(TLS1_1));
    }

    #[test]
    fn recorded_openssl_ecdhe_flight_across_any_record_split() {
        // Recorded from OpenSSL 3.0.19 `s_server -tls1_2` answering a hello offering 0xC02F only.
        let buf = recorded("s12_ecdhe");
        let f = flight(&buf);
        assert_eq!(f.hello.cipher_suite, 0xC02F);
        assert_eq!(
            f.messages,
            vec![
                HT_SERVER_HELLO,
                HT_CERTIFICATE,
                HT_SERVER_KEY_EXCHANGE,
                HT_SERVER_HELLO_DONE
            ]
        );
        let ske = f.server_key_exchange.clone().unwrap();
        assert_eq!(ske[0], 3); // named_curve
        assert_eq!(f.certificates.as_ref().unwrap().len(), 1);

        // The same handshake bytes re-framed: in one record, and in records of n bytes.
        let mut stream = Vec::new();
        let mut pos = 0;
        while pos < buf.len() {
            let len = record_complete(&buf[pos..]).unwrap();
            stream.extend_from_slice(&buf[pos + 5..pos + len]);
            pos += len;
        }
        for n in [1usize, 3, 7, 100, 1000, stream.len()] {
            let mut framed = Vec::new();
            for chunk in stream.chunks(n) {
                framed.extend_from_slice(&[22, 3, 3]);
                framed.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
                framed.extend_from_slice(chunk);
            }
            assert_eq!(flight(&framed), f, "records of {n} bytes");
            assert_eq!(flight_complete(&framed), Some(framed.len()));
            // Trailing bytes after the flight are not part of it.
            framed.extend_from_slice(&[23, 3, 3, 0, 1, 0]);
            assert_eq!(flight_complete(&framed), Some(framed.len() - 6));
        }
    }

    #[test]
    fn recorded_openssl_legacy_and_anonymous() {
        // Recorded from OpenSSL 3.0.19 `s_server -tls1 -cipher 'ALL:@SECLEVEL=0'` answering our
        // TLS 1.0 hello offering every ≤ 1.2 suite.
        let buf = recorded("s10");
        assert_eq!(&buf[..3], &[22, 3, 1]);
        let f = flight(&buf);
        assert_eq!(f.hello.version, TLS1_0);
        assert!(f.hello_done);
        assert_eq!(f.certificates.as_ref().map(Vec::len), Some(1));
        let suite = tls_suites::lookup(f.hello.cipher_suite).unwrap();
        assert!(!suite.props.tls13);

        // Recorded from OpenSSL 3.0.19 `s_server -tls1_2 -cipher 'aNULL:@SECLEVEL=0'`: an
        // anonymous suite, so no Certificate message.
        let buf = recorded("s12_anon");
        let f = flight(&buf);
        assert_eq!(
            f.messages,
            vec![
                HT_SERVER_HELLO,
                HT_SERVER_KEY_EXCHANGE,
                HT_SERVER_HELLO_DONE
            ]
        );
        assert!(f.certificates.is_none());
        let suite = tls_suites::lookup(f.hello.cipher_suite).unwrap();
        assert_eq!(suite.props.auth, tls_suites::Authentication::None);
        assert!(suite.weak());
        assert_eq!(flight_complete(&buf), Some(buf.len()));
    }

    #[test]
    fn recorded_anonymous_dh_parameters() {
        // s12_anon (OpenSSL 3.0.19, `-cipher 'aNULL:@SECLEVEL=0'`, no -dhparam): OpenSSL's
        // automatic group for an anonymous suite is the 1024-bit one of RFC 2409 (Oakley
        // group 2), generator 2.
        let f = flight(&recorded("s12_anon"));
        let ske = f.server_key_exchange.unwrap();
        let dh = parse_dh_params(&ske, false).unwrap();
        assert_eq!(dh.prime_bits(), 1024);
        assert_eq!(dh.prime.len(), 128);
        assert_eq!(dh.generator, vec![2]);
        assert!(!dh.public.is_empty() && dh.public.len() <= 128);
        // An anonymous ServerKeyExchange ends with the parameters (no signature).
        assert_eq!(ske.len(), 2 + 128 + 2 + 1 + 2 + dh.public.len());
        // Every prefix is malformed, never a panic or a wrong size.
        for cut in 0..ske.len() {
            assert!(parse_dh_params(&ske[..cut], false).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn constructed_dh_parameters() {
        // p = 0x00 0x01 0xFF (a leading zero byte, then 9 significant bits), g = 5, Ys = 7,
        // then a signature the parser does not read.
        let body = hex("0003 0001ff 0001 05 0001 07 0401 0002 abcd");
        let dh = parse_dh_params(&body, false).unwrap();
        assert_eq!(dh.prime_bits(), 9);
        assert_eq!(dh.generator, vec![5]);
        assert_eq!(dh.public, vec![7]);
        // DHE_PSK: a PSK identity hint first (RFC 4279 §3).
        let psk = hex("0002 6869 0002 8001 0001 02 0001 03");
        assert_eq!(parse_dh_params(&psk, true).unwrap().prime_bits(), 16);
        // Read without the hint, the hint would pass for a 15-bit prime: the suite decides.
        assert_eq!(parse_dh_params(&psk, false).unwrap().prime_bits(), 15);
        // A 2048-bit prime with its top bit set is 2048 bits; one of 2047 significant bits too.
        let mut p = vec![0xFFu8; 256];
        let mut body = vec![1, 0];
        body.extend_from_slice(&p);
        body.extend_from_slice(&[0, 1, 2, 0, 1, 9]);
        assert_eq!(parse_dh_params(&body, false).unwrap().prime_bits(), 2048);
        p[0] = 0x7F;
        body[2] = 0x7F;
        assert_eq!(parse_dh_params(&body, false).unwrap().prime_bits(), 2047);
        // Empty or zero vectors, and lengths past the end, are malformed.
        for bad in [
            "",
            "00",
            "0000000102000103",
            "00010000010200010300",
            "000102000102",
            "0001ff0001020005",
        ] {
            assert!(
                matches!(
                    parse_dh_params(&hex(bad), false),
                    Err(TlsError::Malformed(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn recorded_prefixes_are_incomplete() {
        for name in ["s12_all", "s12_ecdhe", "s13_hrr", "s10", "s12_anon"] {
            let buf = recorded(name);
            let whole = flight_complete(&buf).unwrap();
            for cut in 0..whole {
                assert_eq!(flight_complete(&buf[..cut]), None, "{name} cut at {cut}");
                assert!(matches!(
                    parse_server_answer(&buf[..cut]),
                    Err(TlsError::Truncated(_))
                ));
            }
        }
    }

    #[test]
    fn recorded_openssl_tls13() {
        // Recorded from OpenSSL 3.0.19 `s_server` answering our TLS 1.3 hello (x25519 share).
        let buf = recorded("s13");
        let f = flight(&buf);
        assert!(f.hello.is_tls13());
        assert_eq!(f.hello.legacy_version, TLS1_2);
        assert!(!f.hello.hello_retry_request);
        assert_eq!(f.hello.cipher_suite, 0x1301);
        assert_eq!(f.hello.key_share_group(), Some(GROUP_X25519));
        assert_eq!(f.hello.session_id, vec![0x22; 32]);
        assert!(f.certificates.is_none());
        // Framing stops after the ServerHello record: the rest is encrypted.
        assert_eq!(flight_complete(&buf), Some(5 + 122));

        // Recorded from OpenSSL 3.0.19 `s_server -groups P-256`: a HelloRetryRequest for secp256r1.
        let buf = recorded("s13_hrr");
        let f = flight(&buf);
        assert!(f.hello.hello_retry_request);
        assert!(f.hello.is_tls13());
        assert_eq!(f.hello.key_share_group(), Some(0x0017));
        assert_eq!(f.hello.cipher_suite, 0x1301);
        assert_eq!(flight_complete(&buf), Some(5 + 88));
    }

    #[test]
    fn recorded_openssl_alerts() {
        // Recorded from OpenSSL 3.0.19 `s_server -tls1_2` answering a TLS 1.2 hello offering
        // 3DES only (not in its build): fatal handshake_failure.
        let a = hex("15030300020228");
        assert_eq!(record_complete(&a), Some(7));
        assert_eq!(flight_complete(&a), Some(7));
        let ServerAnswer::Alert(alert) = parse_server_answer(&a).unwrap() else {
            panic!()
        };
        assert_eq!(
            alert,
            Alert {
                level: 2,
                description: 40
            }
        );
        assert!(alert.fatal());
        assert_eq!(alert.to_string(), "fatal alert handshake_failure (40)");
        // The same server answering a TLS 1.0 hello: protocol_version, in a TLS 1.0 record.
        let a = hex("15030100020246");
        assert_eq!(
            parse_server_answer(&a).unwrap(),
            ServerAnswer::Alert(Alert {
                level: 2,
                description: 70
            })
        );
        // ... and an SSLv3 hello: handshake_failure in an SSLv3 record.
        let a = hex("15030000020228");
        assert_eq!(
            parse_server_answer(&a).unwrap(),
            ServerAnswer::Alert(Alert {
                level: 2,
                description: 40
            })
        );
        assert_eq!(alert_name(71), "insufficient_security");
        assert_eq!(alert_name(200), "unknown");
    }

    #[test]
    fn alert_after_server_hello() {
        let mut buf = recorded("s12_all");
        let sh_len = record_complete(&buf).unwrap();
        buf.truncate(sh_len);
        buf.extend_from_slice(&hex("15030300020250"));
        let f = flight(&buf);
        assert_eq!(
            f.alert,
            Some(Alert {
                level: 2,
                description: 80
            })
        );
        assert!(!f.hello_done);
        assert_eq!(flight_complete(&buf), Some(buf.len()));
    }

    #[test]
    fn ssl2_server_hello() {
        // SERVER-HELLO: no session hit, X.509 cert, version 2, 3-byte cert, two specs, 16-byte id.
        let mut body = hex("04 00 01 0002 0003 0006 0010");
        body.extend_from_slice(&[0x30, 0x01, 0x00]);
        body.extend_from_slice(&hex("010080 0700c0"));
        body.extend_from_slice(&[9; 16]);
        let mut rec = vec![0x80, body.len() as u8];
        rec.extend_from_slice(&body);
        assert_eq!(record_complete(&rec), Some(rec.len()));
        assert_eq!(flight_complete(&rec), Some(rec.len()));
        assert_eq!(flight_complete(&rec[..rec.len() - 1]), None);
        let ServerAnswer::Ssl2(h) = parse_server_answer(&rec).unwrap() else {
            panic!()
        };
        assert_eq!(h.version, SSL2);
        assert_eq!(h.cipher_specs, vec![0x010080, 0x0700C0]);
        assert_eq!(h.certificate, vec![0x30, 0x01, 0x00]);
        assert_eq!(h.connection_id, vec![9; 16]);
        assert!(!h.session_id_hit);
        // An SSLv2 ERROR (NO-CIPHER-ERROR).
        assert_eq!(
            parse_server_answer(&hex("8003000001")),
            Err(TlsError::Ssl2Error(1))
        );
    }

    #[test]
    fn non_answers_are_typed_errors() {
        let e = parse_server_answer(b"HTTP/1.1 400 Bad Request\r\n").unwrap_err();
        assert!(matches!(e, TlsError::NotTls(_)));
        assert!(!e.is_tls());
        assert_eq!(flight_complete(b"HTTP/1.1 400"), Some(12));
        assert_eq!(record_complete(b"SSH-2.0"), Some(7));
        assert_eq!(parse_server_answer(&[]), Err(TlsError::Truncated("empty")));
        assert_eq!(
            parse_server_answer(&hex("150303000102")),
            Err(TlsError::Malformed("alert"))
        );
        assert_eq!(
            parse_server_answer(&hex("1603034801")),
            Err(TlsError::RecordTooLong(0x4801))
        );
        assert_eq!(record_complete(&hex("1603034801")), Some(5));
        // A ServerHello header claiming 16 MiB: refused at the header, the claim named, and
        // the read completes at once rather than waiting for 16 MiB.
        let claim = hex("1603030006 02ffffff 0303");
        let e = parse_server_answer(&claim).unwrap_err();
        assert_eq!(
            e,
            TlsError::Claims {
                typ: 2,
                len: 0xFF_FFFF
            }
        );
        assert!(e.to_string().contains("claims 16 MiB"), "{e}");
        assert_eq!(flight_complete(&claim), Some(claim.len()));
        assert_eq!(
            (
                crate::msgs::size_words(300),
                crate::msgs::size_words(262_144)
            ),
            ("300 bytes".into(), "256 KiB".into())
        );
        assert_eq!(
            parse_server_answer(&hex("1703030001 00")),
            Err(TlsError::UnexpectedContent(23))
        );
        // A ClientHello where a ServerHello belongs.
        assert_eq!(
            parse_server_answer(&hex("1603030004 01000000")),
            Err(TlsError::UnexpectedMessage(1))
        );
        // A ServerHello whose session id claims 33 bytes.
        let mut sh = vec![2, 0, 0, 35, 3, 3];
        sh.extend_from_slice(&[0; 32]);
        sh.push(33);
        let mut rec = vec![22, 3, 3, 0, sh.len() as u8];
        rec.extend_from_slice(&sh);
        assert_eq!(
            parse_server_answer(&rec),
            Err(TlsError::Malformed("ServerHello session id"))
        );
        // Garbage after a ServerHello record.
        let mut buf = recorded("s12_all");
        let sh_len = record_complete(&buf).unwrap();
        buf.truncate(sh_len);
        buf.extend_from_slice(b"garbage");
        assert_eq!(
            parse_server_answer(&buf),
            Err(TlsError::Malformed("record framing"))
        );
    }

    #[test]
    fn record_complete_on_prefixes() {
        assert_eq!(record_complete(&[]), None);
        assert_eq!(record_complete(&[22]), None);
        assert_eq!(record_complete(&[22, 3, 3, 0]), None);
        assert_eq!(record_complete(&[22, 3, 3, 0, 2, 1]), None);
        assert_eq!(record_complete(&[22, 3, 3, 0, 2, 1, 2, 3]), Some(7));
        assert_eq!(record_complete(&[0x80]), None);
        assert_eq!(record_complete(&[0x80, 1, 0]), Some(3));
        assert_eq!(record_complete(&[22, 2, 0]), Some(3));
    }

    proptest! {
        #[test]
        fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = parse_dh_params(&bytes, false).map(|d| d.prime_bits());
            let _ = parse_dh_params(&bytes, true);
            if let Some(len) = record_complete(&bytes) {
                prop_assert!(len <= bytes.len());
            }
            if let Some(len) = flight_complete(&bytes) {
                prop_assert!(len <= bytes.len());
            }
            let _ = parse_server_answer(&bytes);
            let _ = parse_server_hello(&bytes);
            let _ = parse_certificate_list(&bytes);
        }

        #[test]
        fn mutated_recorded_answers_never_panic(
            which in 0usize..3, idx in 0usize..1200, val in any::<u8>(), cut in 0usize..1300
        ) {
            let mut bytes = recorded(["s12_all", "s12_ecdhe", "s13_hrr"][which]);
            if let Some(b) = bytes.get_mut(idx) { *b = val; }
            bytes.truncate(cut);
            if let Some(len) = flight_complete(&bytes) {
                prop_assert!(len <= bytes.len());
            }
            let _ = parse_server_answer(&bytes);
        }

        #[test]
        fn builder_never_panics(
            version in prop_oneof![Just(SSL3), Just(TLS1_0), Just(TLS1_2), Just(TLS1_3), any::<u16>()],
            suites in proptest::collection::vec(any::<u16>(), 0..300),
            name in ".{0,300}",
        ) {
            if let Ok(rec) = client_hello(version, &suites, Some(&name)) {
                prop_assert!(rec.len() <= MAX_FRAGMENT + 5);
                prop_assert_eq!(record_complete(&rec), Some(rec.len()));
                let p = parse_client_hello(&rec);
                prop_assert_eq!(&p.suites[..suites.len()], &suites[..]);
            }
        }
    }

    #[test]
    #[ignore]
    fn dump_hellos() {
        let all = tls_suites::legacy_codes();
        let v13 = tls_suites::tls13_codes();
        for (name, v, s) in [
            ("tls12_all", TLS1_2, &all),
            ("tls12_3des", TLS1_2, &vec![0x000A]),
            ("tls12_ecdhe", TLS1_2, &vec![0xC02F]),
            ("tls13", TLS1_3, &v13),
            ("tls10_all", TLS1_0, &all),
            ("ssl3_all", SSL3, &all),
        ] {
            let rec = fixed(v, s, Some("t.example")).to_record().unwrap();
            println!("{name} {}", to_hex(&rec));
        }
    }
}
