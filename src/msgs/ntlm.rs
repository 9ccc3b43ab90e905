//! NTLM messages ([MS-NLMP] §2.2): the client's NEGOTIATE_MESSAGE and a defensive parser of the
//! server's CHALLENGE_MESSAGE, whose target info discloses host, domain and OS build before any
//! login. Also the server-side pair (NEGOTIATE parser, CHALLENGE builder) for the demo responder.

use std::fmt;

pub const SIGNATURE: &[u8; 8] = b"NTLMSSP\0";
pub const NEGOTIATE_TYPE: u32 = 1;
pub const CHALLENGE_TYPE: u32 = 2;

pub const NEGOTIATE_UNICODE: u32 = 0x0000_0001;
pub const NEGOTIATE_OEM: u32 = 0x0000_0002;
pub const REQUEST_TARGET: u32 = 0x0000_0004;
pub const NEGOTIATE_SIGN: u32 = 0x0000_0010;
pub const NEGOTIATE_SEAL: u32 = 0x0000_0020;
pub const NEGOTIATE_NTLM: u32 = 0x0000_0200;
pub const NEGOTIATE_ALWAYS_SIGN: u32 = 0x0000_8000;
pub const TARGET_TYPE_DOMAIN: u32 = 0x0001_0000;
pub const TARGET_TYPE_SERVER: u32 = 0x0002_0000;
pub const NEGOTIATE_EXTENDED_SESSIONSECURITY: u32 = 0x0008_0000;
pub const NEGOTIATE_TARGET_INFO: u32 = 0x0080_0000;
pub const NEGOTIATE_VERSION: u32 = 0x0200_0000;
pub const NEGOTIATE_128: u32 = 0x2000_0000;
pub const NEGOTIATE_KEY_EXCH: u32 = 0x4000_0000;
pub const NEGOTIATE_56: u32 = 0x8000_0000;

/// The flags our NEGOTIATE_MESSAGE asks for: what a current Windows client asks, so that a server
/// answers as it would answer mstsc.
pub const CLIENT_FLAGS: u32 = NEGOTIATE_UNICODE
    | NEGOTIATE_OEM
    | REQUEST_TARGET
    | NEGOTIATE_SIGN
    | NEGOTIATE_SEAL
    | NEGOTIATE_NTLM
    | NEGOTIATE_ALWAYS_SIGN
    | NEGOTIATE_EXTENDED_SESSIONSECURITY
    | NEGOTIATE_VERSION
    | NEGOTIATE_128
    | NEGOTIATE_KEY_EXCH
    | NEGOTIATE_56;

pub const AV_EOL: u16 = 0;
pub const AV_NB_COMPUTER_NAME: u16 = 1;
pub const AV_NB_DOMAIN_NAME: u16 = 2;
pub const AV_DNS_COMPUTER_NAME: u16 = 3;
pub const AV_DNS_DOMAIN_NAME: u16 = 4;
pub const AV_DNS_TREE_NAME: u16 = 5;
pub const AV_FLAGS: u16 = 6;
pub const AV_TIMESTAMP: u16 = 7;
pub const AV_TARGET_NAME: u16 = 9;

/// Fixed part of a CHALLENGE_MESSAGE through TargetInfoFields (without Version).
const CHALLENGE_FIXED: usize = 48;
const VERSION_LEN: usize = 8;
/// At most this many AV pairs are decoded (a real server sends about eight).
const MAX_AV_PAIRS: usize = 64;

/// The VERSION structure ([MS-NLMP] §2.2.2.10): the Windows build behind the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    pub major: u8,
    pub minor: u8,
    pub build: u16,
    pub revision: u8,
}

impl fmt::Display for Version {
    /// `major.minor.build`, e.g. "6.1.7601".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.build)
    }
}

impl Version {
    fn to_bytes(self) -> [u8; 8] {
        let [b0, b1] = self.build.to_le_bytes();
        [self.major, self.minor, b0, b1, 0, 0, 0, self.revision]
    }
}

/// One AV_PAIR of the target info, raw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvPair {
    pub id: u16,
    pub value: Vec<u8>,
}

/// What a CHALLENGE_MESSAGE says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Challenge {
    pub flags: u32,
    pub server_challenge: [u8; 8],
    /// TargetName, decoded (UTF-16LE when NEGOTIATE_UNICODE is set, else as Latin-1).
    pub target_name: Option<String>,
    pub nb_computer: Option<String>,
    pub nb_domain: Option<String>,
    pub dns_computer: Option<String>,
    pub dns_domain: Option<String>,
    pub dns_tree: Option<String>,
    /// MsvAvTimestamp: FILETIME (100 ns ticks since 1601-01-01 UTC).
    pub timestamp: Option<u64>,
    pub version: Option<Version>,
    /// Every AV pair in order (EOL excluded), for evidence.
    pub av_pairs: Vec<AvPair>,
}

/// Why bytes are not a CHALLENGE_MESSAGE.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NtlmError {
    #[error("not an NTLMSSP message")]
    BadSignature,
    #[error("NTLM message type {0}, {1} expected")]
    WrongType(u32, u32),
    #[error("truncated NTLM message ({0})")]
    Truncated(&'static str),
    #[error("NTLM {0} field points outside the message")]
    OutOfBounds(&'static str),
}

fn u16_le(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([*s.first()?, *s.get(1)?]))
}

fn u32_le(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([
        *s.first()?,
        *s.get(1)?,
        *s.get(2)?,
        *s.get(3)?,
    ]))
}

fn u64_le(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(s.try_into().ok()?))
}

/// The bytes a security buffer (len u16, maxlen u16, offset u32 at `at`) points to.
fn security_buffer<'a>(
    msg: &'a [u8],
    at: usize,
    what: &'static str,
) -> Result<&'a [u8], NtlmError> {
    let len = usize::from(u16_le(msg, at).ok_or(NtlmError::Truncated(what))?);
    let offset = u32_le(msg, at + 4).ok_or(NtlmError::Truncated(what))?;
    if len == 0 {
        return Ok(&[]);
    }
    let offset = usize::try_from(offset).map_err(|_| NtlmError::OutOfBounds(what))?;
    let end = offset
        .checked_add(len)
        .ok_or(NtlmError::OutOfBounds(what))?;
    msg.get(offset..end).ok_or(NtlmError::OutOfBounds(what))
}

/// Decodes UTF-16LE (an odd trailing byte is dropped; invalid units become U+FFFD).
pub fn utf16le(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .filter_map(|c| <[u8; 2]>::try_from(c).ok())
        .map(u16::from_le_bytes)
        .collect();
    String::from_utf16_lossy(&units)
}

fn utf16le_bytes(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn check_header(msg: &[u8], expected: u32) -> Result<(), NtlmError> {
    if msg.get(..8) != Some(&SIGNATURE[..]) {
        return Err(NtlmError::BadSignature);
    }
    let kind = u32_le(msg, 8).ok_or(NtlmError::Truncated("message type"))?;
    if kind != expected {
        return Err(NtlmError::WrongType(kind, expected));
    }
    Ok(())
}

/// Builds the NEGOTIATE_MESSAGE (no domain, no workstation; Version 10.0.19041, NTLM rev. 15).
pub fn negotiate_message() -> Vec<u8> {
    let mut out = Vec::with_capacity(40);
    out.extend_from_slice(SIGNATURE);
    out.extend_from_slice(&NEGOTIATE_TYPE.to_le_bytes());
    out.extend_from_slice(&CLIENT_FLAGS.to_le_bytes());
    // DomainNameFields and WorkstationFields: empty, offset at the end of the fixed part.
    for _ in 0..2 {
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&40u32.to_le_bytes());
    }
    out.extend_from_slice(
        &Version {
            major: 10,
            minor: 0,
            build: 19041,
            revision: 15,
        }
        .to_bytes(),
    );
    out
}

/// Parses a client's NEGOTIATE_MESSAGE (server side: the demo) and returns its flags.
pub fn parse_negotiate(msg: &[u8]) -> Result<u32, NtlmError> {
    check_header(msg, NEGOTIATE_TYPE)?;
    u32_le(msg, 12).ok_or(NtlmError::Truncated("negotiate flags"))
}

/// Parses a server's CHALLENGE_MESSAGE. Never panics; every offset is checked.
pub fn parse_challenge(msg: &[u8]) -> Result<Challenge, NtlmError> {
    check_header(msg, CHALLENGE_TYPE)?;
    let flags = u32_le(msg, 20).ok_or(NtlmError::Truncated("negotiate flags"))?;
    let server_challenge: [u8; 8] = msg
        .get(24..32)
        .and_then(|s| s.try_into().ok())
        .ok_or(NtlmError::Truncated("server challenge"))?;
    let mut c = Challenge {
        flags,
        server_challenge,
        ..Challenge::default()
    };

    let target_name = security_buffer(msg, 12, "TargetName")?;
    if !target_name.is_empty() {
        c.target_name = Some(if flags & NEGOTIATE_UNICODE != 0 {
            utf16le(target_name)
        } else {
            target_name.iter().map(|&b| char::from(b)).collect()
        });
    }

    // Early (NTLMv1-era) servers end the message after Reserved: no TargetInfo, no Version.
    if msg.len() < CHALLENGE_FIXED {
        return Ok(c);
    }
    let info = security_buffer(msg, 40, "TargetInfo")?;
    // The Version field is there when negotiated and the payload does not start before it.
    let payload_start = [u32_le(msg, 16), u32_le(msg, 44)]
        .into_iter()
        .flatten()
        .zip([u16_le(msg, 12), u16_le(msg, 40)])
        .filter(|(_, len)| *len != Some(0))
        .map(|(off, _)| off)
        .min()
        .and_then(|o| usize::try_from(o).ok())
        .unwrap_or(usize::MAX);
    if flags & NEGOTIATE_VERSION != 0 && payload_start >= CHALLENGE_FIXED + VERSION_LEN {
        if let Some(v) = msg.get(CHALLENGE_FIXED..CHALLENGE_FIXED + VERSION_LEN) {
            c.version = Some(Version {
                major: *v.first().unwrap_or(&0),
                minor: *v.get(1).unwrap_or(&0),
                build: u16_le(v, 2).unwrap_or(0),
                revision: *v.get(7).unwrap_or(&0),
            });
        }
    }

    let mut pos = 0usize;
    while c.av_pairs.len() < MAX_AV_PAIRS {
        let Some(id) = u16_le(info, pos) else { break };
        let len = usize::from(
            u16_le(info, pos.saturating_add(2)).ok_or(NtlmError::Truncated("AV pair"))?,
        );
        if id == AV_EOL {
            break;
        }
        let start = pos
            .checked_add(4)
            .ok_or(NtlmError::OutOfBounds("AV pair"))?;
        let end = start
            .checked_add(len)
            .ok_or(NtlmError::OutOfBounds("AV pair"))?;
        let value = info
            .get(start..end)
            .ok_or(NtlmError::OutOfBounds("AV pair"))?;
        let text = || Some(utf16le(value));
        match id {
            AV_NB_COMPUTER_NAME => c.nb_computer = text(),
            AV_NB_DOMAIN_NAME => c.nb_domain = text(),
            AV_DNS_COMPUTER_NAME => c.dns_computer = text(),
            AV_DNS_DOMAIN_NAME => c.dns_domain = text(),
            AV_DNS_TREE_NAME => c.dns_tree = text(),
            AV_TIMESTAMP => c.timestamp = u64_le(value, 0),
            _ => {}
        }
        c.av_pairs.push(AvPair {
            id,
            value: value.to_vec(),
        });
        pos = end;
    }
    Ok(c)
}

/// What the demo server's CHALLENGE_MESSAGE carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeSpec {
    pub flags: u32,
    pub server_challenge: [u8; 8],
    pub target_name: String,
    pub nb_computer: String,
    pub nb_domain: String,
    pub dns_computer: String,
    pub dns_domain: String,
    pub dns_tree: String,
    pub timestamp: u64,
    pub version: Version,
}

/// Builds a CHALLENGE_MESSAGE (Unicode strings; Version always included). Strings longer than
/// an AV pair can hold are cut.
pub fn challenge_message(spec: &ChallengeSpec) -> Vec<u8> {
    fn clip(mut v: Vec<u8>) -> Vec<u8> {
        v.truncate(0x7FF0);
        v
    }
    let target = clip(utf16le_bytes(&spec.target_name));
    let mut info = Vec::new();
    let mut pair = |id: u16, value: Vec<u8>| {
        let value = clip(value);
        info.extend_from_slice(&id.to_le_bytes());
        info.extend_from_slice(&(value.len() as u16).to_le_bytes());
        info.extend_from_slice(&value);
    };
    pair(AV_NB_DOMAIN_NAME, utf16le_bytes(&spec.nb_domain));
    pair(AV_NB_COMPUTER_NAME, utf16le_bytes(&spec.nb_computer));
    pair(AV_DNS_DOMAIN_NAME, utf16le_bytes(&spec.dns_domain));
    pair(AV_DNS_COMPUTER_NAME, utf16le_bytes(&spec.dns_computer));
    pair(AV_DNS_TREE_NAME, utf16le_bytes(&spec.dns_tree));
    pair(AV_TIMESTAMP, spec.timestamp.to_le_bytes().to_vec());
    pair(AV_EOL, Vec::new());
    let info = clip(info);

    let target_offset = CHALLENGE_FIXED + VERSION_LEN;
    let info_offset = target_offset + target.len();
    let mut out = Vec::with_capacity(info_offset + info.len());
    out.extend_from_slice(SIGNATURE);
    out.extend_from_slice(&CHALLENGE_TYPE.to_le_bytes());
    out.extend_from_slice(&(target.len() as u16).to_le_bytes());
    out.extend_from_slice(&(target.len() as u16).to_le_bytes());
    out.extend_from_slice(&(target_offset as u32).to_le_bytes());
    out.extend_from_slice(&(spec.flags | NEGOTIATE_UNICODE | NEGOTIATE_VERSION).to_le_bytes());
    out.extend_from_slice(&spec.server_challenge);
    out.extend_from_slice(&[0u8; 8]);
    out.extend_from_slice(&(info.len() as u16).to_le_bytes());
    out.extend_from_slice(&(info.len() as u16).to_le_bytes());
    out.extend_from_slice(&(info_offset as u32).to_le_bytes());
    out.extend_from_slice(&spec.version.to_bytes());
    out.extend_from_slice(&target);
    out.extend_from_slice(&info);
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(crate) fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// The CHALLENGE_MESSAGE of [MS-NLMP] §4.2.4.3 (NTLMv2 authentication example), 104 bytes:
    /// TargetName "Server", TargetInfo NbDomainName "Domain" and NbComputerName "Server",
    /// Version 6.0.6000 rev. 15. (The same bytes appear in iPXE's and MimeKit's NTLM tests.)
    pub(crate) fn spec_challenge() -> Vec<u8> {
        hex(
            "4e544c4d53535000 02000000 0c000c00 38000000 33828ae2 0123456789abcdef
             0000000000000000 24002400 44000000 06007017 0000000f
             530065007200760065007200
             02000c00 44006f006d00610069006e00 01000c00 530065007200760065007200 00000000",
        )
    }

    /// A CHALLENGE_MESSAGE recorded from FreeRDP 2.10's shadow server (`freerdp-shadow-cli
    /// /sec:nla +auth`, Debian 12) on loopback, answering our NEGOTIATE_MESSAGE inside CredSSP.
    pub(crate) fn freerdp_challenge() -> Vec<u8> {
        hex(FREERDP_CHALLENGE_HEX)
    }

    pub(crate) const FREERDP_CHALLENGE_HEX: &str = concat!(
        "4e544c4d53535000020000000400040038000000378288e28df80c53d2e1328d",
        "0000000000000000300030003c0000000601b11d0000000f56004d0002000400",
        "56004d000100040056004d000400040076006d000300040076006d0007000800",
        "806e04ebe27ddd0100000000"
    );

    #[test]
    fn parses_the_spec_example() {
        let c = parse_challenge(&spec_challenge()).unwrap();
        assert_eq!(c.flags, 0xe28a_8233);
        assert_eq!(
            c.server_challenge,
            [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]
        );
        assert_eq!(c.target_name.as_deref(), Some("Server"));
        assert_eq!(c.nb_domain.as_deref(), Some("Domain"));
        assert_eq!(c.nb_computer.as_deref(), Some("Server"));
        assert_eq!(c.dns_computer, None);
        assert_eq!(c.timestamp, None);
        assert_eq!(c.version.unwrap().to_string(), "6.0.6000");
        assert_eq!(c.version.unwrap().revision, 15);
        assert_eq!(c.av_pairs.len(), 2);
    }

    #[test]
    fn parses_the_recorded_freerdp_challenge() {
        let c = parse_challenge(&freerdp_challenge()).unwrap();
        assert_eq!(c.flags, 0xe288_8237);
        assert_eq!(c.target_name.as_deref(), Some("VM"));
        assert_eq!(c.nb_domain.as_deref(), Some("VM"));
        assert_eq!(c.nb_computer.as_deref(), Some("VM"));
        assert_eq!(c.dns_domain.as_deref(), Some("vm"));
        assert_eq!(c.dns_computer.as_deref(), Some("vm"));
        assert_eq!(c.dns_tree, None);
        assert!(c.timestamp.is_some());
        assert_eq!(c.version.unwrap().to_string(), "6.1.7601");
        assert_eq!(c.av_pairs.len(), 5);
    }

    #[test]
    fn negotiate_message_layout() {
        let m = negotiate_message();
        assert_eq!(m.len(), 40);
        assert_eq!(&m[..8], SIGNATURE);
        assert_eq!(parse_negotiate(&m).unwrap(), CLIENT_FLAGS);
        assert_ne!(CLIENT_FLAGS & NEGOTIATE_VERSION, 0);
        assert_ne!(CLIENT_FLAGS & NEGOTIATE_EXTENDED_SESSIONSECURITY, 0);
        assert_eq!(parse_challenge(&m), Err(NtlmError::WrongType(1, 2)));
    }

    #[test]
    fn builder_round_trips() {
        let spec = ChallengeSpec {
            flags: 0xe289_8235,
            server_challenge: *b"\x11\x22\x33\x44\x55\x66\x77\x88",
            target_name: "KENKO".into(),
            nb_computer: "XRAY-READ01".into(),
            nb_domain: "KENKO".into(),
            dns_computer: "xray-read01.kenko.local".into(),
            dns_domain: "kenko.local".into(),
            dns_tree: "kenko.local".into(),
            timestamp: 0x01d9_0000_0000_0000,
            version: Version {
                major: 10,
                minor: 0,
                build: 17763,
                revision: 15,
            },
        };
        let c = parse_challenge(&challenge_message(&spec)).unwrap();
        assert_eq!(c.flags, 0xe289_8235 | NEGOTIATE_VERSION);
        assert_eq!(c.server_challenge, spec.server_challenge);
        assert_eq!(c.target_name.as_deref(), Some("KENKO"));
        assert_eq!(c.nb_computer.as_deref(), Some("XRAY-READ01"));
        assert_eq!(c.nb_domain.as_deref(), Some("KENKO"));
        assert_eq!(c.dns_computer.as_deref(), Some("xray-read01.kenko.local"));
        assert_eq!(c.dns_domain.as_deref(), Some("kenko.local"));
        assert_eq!(c.dns_tree.as_deref(), Some("kenko.local"));
        assert_eq!(c.timestamp, Some(spec.timestamp));
        assert_eq!(c.version.unwrap().to_string(), "10.0.17763");
    }

    #[test]
    fn hostile_offsets_are_errors() {
        let mut m = spec_challenge();
        m[44..48].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes()); // TargetInfo offset
        assert_eq!(
            parse_challenge(&m),
            Err(NtlmError::OutOfBounds("TargetInfo"))
        );
        let mut m = spec_challenge();
        m[70..72].copy_from_slice(&0xFFFFu16.to_le_bytes()); // first AV pair length
        assert_eq!(parse_challenge(&m), Err(NtlmError::OutOfBounds("AV pair")));
        assert_eq!(parse_challenge(b"NTLMSSP"), Err(NtlmError::BadSignature));
        assert_eq!(
            parse_challenge(&spec_challenge()[..20]),
            Err(NtlmError::Truncated("negotiate flags"))
        );
        // A v1-era message that ends after Reserved parses without target info.
        let c = parse_challenge(&spec_challenge()[..40]).unwrap_err();
        assert_eq!(c, NtlmError::OutOfBounds("TargetName"));
    }

    proptest! {
        #[test]
        fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse_challenge(&bytes);
            let _ = parse_negotiate(&bytes);
            let mut framed = SIGNATURE.to_vec();
            framed.extend_from_slice(&2u32.to_le_bytes());
            framed.extend_from_slice(&bytes);
            let _ = parse_challenge(&framed);
        }

        #[test]
        fn mutated_challenges_never_panic(
            edits in proptest::collection::vec((0usize..104, any::<u8>()), 1..8), cut in 0usize..120
        ) {
            let mut m = spec_challenge();
            for (i, v) in edits { if let Some(b) = m.get_mut(i) { *b = v; } }
            m.truncate(cut);
            let _ = parse_challenge(&m);
        }
    }
}
