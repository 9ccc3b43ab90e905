//! SMB negotiation (MS-SMB2 §2.2.3/§2.2.4, MS-CIFS §2.2.4.52): an SMB2 NEGOTIATE request offering
//! 2.0.2 to 3.1.1 and an SMB1 NEGOTIATE offering "NT LM 0.12" and the SMB2 dialects, both over
//! direct TCP (NetBIOS session framing); and the response's protocol id and selected dialect.

/// The most bytes of a negotiate response we read.
pub const MAX_RESPONSE: usize = 64 * 1024;

const SMB2_DIALECTS: [u16; 5] = [0x0202, 0x0210, 0x0300, 0x0302, 0x0311];

fn netbios(payload: &[u8]) -> Vec<u8> {
    let len = u32::try_from(payload.len()).unwrap_or(0) & 0x00FF_FFFF;
    let mut out = Vec::with_capacity(payload.len() + 4);
    out.push(0); // session message
    out.extend_from_slice(&len.to_be_bytes()[1..]);
    out.extend_from_slice(payload);
    out
}

fn pad8(v: &mut Vec<u8>) {
    while v.len() % 8 != 0 {
        v.push(0);
    }
}

/// SMB2 NEGOTIATE request (MS-SMB2 §2.2.3) with a preauth-integrity and an encryption context,
/// which 3.1.1 requires.
pub fn build_smb2_negotiate() -> Vec<u8> {
    let mut m = Vec::new();
    // SMB2 header (§2.2.1.2), 64 bytes.
    m.extend_from_slice(b"\xFESMB");
    m.extend_from_slice(&64u16.to_le_bytes()); // structure size
    m.extend_from_slice(&0u16.to_le_bytes()); // credit charge
    m.extend_from_slice(&0u32.to_le_bytes()); // status
    m.extend_from_slice(&0u16.to_le_bytes()); // command NEGOTIATE
    m.extend_from_slice(&1u16.to_le_bytes()); // credits requested
    m.extend_from_slice(&0u32.to_le_bytes()); // flags
    m.extend_from_slice(&0u32.to_le_bytes()); // next command
    m.extend_from_slice(&0u64.to_le_bytes()); // message id
    m.extend_from_slice(&0u32.to_le_bytes()); // reserved (process id)
    m.extend_from_slice(&0u32.to_le_bytes()); // tree id
    m.extend_from_slice(&0u64.to_le_bytes()); // session id
    m.extend_from_slice(&[0u8; 16]); // signature
                                     // NEGOTIATE request body.
    m.extend_from_slice(&36u16.to_le_bytes());
    m.extend_from_slice(&(SMB2_DIALECTS.len() as u16).to_le_bytes());
    m.extend_from_slice(&1u16.to_le_bytes()); // security mode: signing enabled
    m.extend_from_slice(&0u16.to_le_bytes());
    m.extend_from_slice(&0u32.to_le_bytes()); // capabilities
    m.extend_from_slice(b"vendor-audit-smb"); // client guid (16 bytes)
    let ctx_offset_at = m.len();
    m.extend_from_slice(&0u32.to_le_bytes()); // negotiate context offset, patched below
    m.extend_from_slice(&2u16.to_le_bytes()); // negotiate context count
    m.extend_from_slice(&0u16.to_le_bytes());
    for d in SMB2_DIALECTS {
        m.extend_from_slice(&d.to_le_bytes());
    }
    pad8(&mut m);
    let offset = u32::try_from(m.len()).unwrap_or(0).to_le_bytes();
    if let Some(slot) = m.get_mut(ctx_offset_at..ctx_offset_at + 4) {
        slot.copy_from_slice(&offset);
    }
    // SMB2_PREAUTH_INTEGRITY_CAPABILITIES: one hash (SHA-512), 32-byte salt.
    let mut pre = Vec::new();
    pre.extend_from_slice(&1u16.to_le_bytes());
    pre.extend_from_slice(&32u16.to_le_bytes());
    pre.extend_from_slice(&1u16.to_le_bytes());
    pre.extend_from_slice(b"vendor-audit preauth salt 32byte");
    m.extend_from_slice(&1u16.to_le_bytes());
    m.extend_from_slice(&(pre.len() as u16).to_le_bytes());
    m.extend_from_slice(&0u32.to_le_bytes());
    m.extend_from_slice(&pre);
    pad8(&mut m);
    // SMB2_ENCRYPTION_CAPABILITIES: AES-128-GCM, AES-128-CCM.
    m.extend_from_slice(&2u16.to_le_bytes());
    m.extend_from_slice(&6u16.to_le_bytes());
    m.extend_from_slice(&0u32.to_le_bytes());
    m.extend_from_slice(&2u16.to_le_bytes());
    m.extend_from_slice(&2u16.to_le_bytes());
    m.extend_from_slice(&1u16.to_le_bytes());
    netbios(&m)
}

/// The dialect strings of our SMB1 NEGOTIATE.
pub const SMB1_DIALECTS: [&str; 3] = ["NT LM 0.12", "SMB 2.002", "SMB 2.???"];

/// SMB1 NEGOTIATE (MS-CIFS §2.2.4.52.1) offering NT LM 0.12 and the SMB2 dialects (MS-SMB2 §3.3.5.3).
pub fn build_smb1_negotiate() -> Vec<u8> {
    let mut m = Vec::new();
    m.extend_from_slice(b"\xFFSMB");
    m.push(0x72); // SMB_COM_NEGOTIATE
    m.extend_from_slice(&0u32.to_le_bytes()); // status
    m.push(0x18); // flags: case-insensitive, canonicalised paths
    m.extend_from_slice(&0xC801u16.to_le_bytes()); // flags2: unicode, NT status, long names
    m.extend_from_slice(&[0u8; 12]); // pid high, signature, reserved
    m.extend_from_slice(&0u16.to_le_bytes()); // tid
    m.extend_from_slice(&0xFEFFu16.to_le_bytes()); // pid
    m.extend_from_slice(&0u16.to_le_bytes()); // uid
    m.extend_from_slice(&0u16.to_le_bytes()); // mid
    m.push(0); // word count
    let mut dialects = Vec::new();
    for d in SMB1_DIALECTS {
        dialects.push(0x02);
        dialects.extend_from_slice(d.as_bytes());
        dialects.push(0);
    }
    m.extend_from_slice(&(dialects.len() as u16).to_le_bytes());
    m.extend_from_slice(&dialects);
    netbios(&m)
}

/// For `net::read_message`: a complete NetBIOS session message. Anything that cannot be one
/// (other message type, absurd length) is "complete" as it stands.
pub fn message_complete(b: &[u8]) -> Option<usize> {
    let ty = *b.first()?;
    if ty != 0 {
        return Some(b.len());
    }
    let len =
        usize::from(*b.get(1)?) << 16 | usize::from(*b.get(2)?) << 8 | usize::from(*b.get(3)?);
    if len > MAX_RESPONSE {
        return Some(b.len());
    }
    let total = len + 4;
    (b.len() >= total).then_some(total)
}

/// The answer to a negotiate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Negotiated {
    /// An SMB2/3 server chose this dialect (0x0311 = 3.1.1; 0x02FF = wildcard, "2.???").
    Smb2 { dialect: u16, status: u32 },
    /// An SMB1 server answered; `dialect` is the one it chose from ours (None: none acceptable).
    Smb1 {
        dialect: Option<&'static str>,
        status: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmbError {
    #[error("incomplete")]
    Incomplete,
    #[error("not an SMB message: {0}")]
    NotSmb(&'static str),
}

/// "3.1.1" for 0x0311 etc.
pub fn dialect_name(d: u16) -> String {
    match d {
        0x0202 => "2.0.2".into(),
        0x0210 => "2.1".into(),
        0x0222 => "2.2.2".into(),
        0x0224 => "2.2.4".into(),
        0x0300 => "3.0".into(),
        0x0302 => "3.0.2".into(),
        0x0311 => "3.1.1".into(),
        0x02FF => "2.???".into(),
        _ => format!("0x{d:04x}"),
    }
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes([*b.get(at)?, *b.get(at + 1)?]))
}
fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
        *b.get(at + 2)?,
        *b.get(at + 3)?,
    ]))
}

/// Parses a negotiate response in its NetBIOS frame.
pub fn parse_negotiate_response(b: &[u8]) -> Result<Negotiated, SmbError> {
    let total = message_complete(b).ok_or(SmbError::Incomplete)?;
    if *b.first().ok_or(SmbError::Incomplete)? != 0 {
        return Err(SmbError::NotSmb("not a NetBIOS session message"));
    }
    let m = b.get(4..total).ok_or(SmbError::NotSmb("length"))?;
    match m.get(..4) {
        Some(b"\xFESMB") => {
            if le16(m, 4) != Some(64) {
                return Err(SmbError::NotSmb("SMB2 header structure size is not 64"));
            }
            let status = le32(m, 8).ok_or(SmbError::NotSmb("short SMB2 header"))?;
            let command = le16(m, 12).ok_or(SmbError::NotSmb("short SMB2 header"))?;
            let flags = le32(m, 16).ok_or(SmbError::NotSmb("short SMB2 header"))?;
            if command != 0 || flags & 1 == 0 {
                return Err(SmbError::NotSmb("not an SMB2 NEGOTIATE response"));
            }
            if status != 0 {
                return Ok(Negotiated::Smb2 { dialect: 0, status });
            }
            if le16(m, 64) != Some(65) {
                return Err(SmbError::NotSmb(
                    "NEGOTIATE response structure size is not 65",
                ));
            }
            let dialect = le16(m, 68).ok_or(SmbError::NotSmb("short NEGOTIATE response"))?;
            Ok(Negotiated::Smb2 { dialect, status })
        }
        Some(b"\xFFSMB") => {
            if m.get(4) != Some(&0x72) {
                return Err(SmbError::NotSmb("not an SMB1 NEGOTIATE response"));
            }
            let status = le32(m, 5).ok_or(SmbError::NotSmb("short SMB1 header"))?;
            let words = *m.get(32).ok_or(SmbError::NotSmb("short SMB1 header"))?;
            let dialect = if words >= 1 {
                let idx = le16(m, 33).ok_or(SmbError::NotSmb("short SMB1 negotiate"))?;
                SMB1_DIALECTS.get(usize::from(idx)).copied()
            } else {
                None
            };
            Ok(Negotiated::Smb1 { dialect, status })
        }
        Some(_) => Err(SmbError::NotSmb("no SMB protocol id")),
        None => Err(SmbError::Incomplete),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An SMB2 NEGOTIATE response laid out per MS-SMB2 §2.2.1.2 / §2.2.4 (hand-built from the
    /// spec's field table; values as Samba 4.17 sends for 3.1.1).
    fn smb2_response(dialect: u16, status: u32) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend_from_slice(b"\xFESMB");
        m.extend_from_slice(&64u16.to_le_bytes());
        m.extend_from_slice(&0u16.to_le_bytes());
        m.extend_from_slice(&status.to_le_bytes());
        m.extend_from_slice(&0u16.to_le_bytes());
        m.extend_from_slice(&1u16.to_le_bytes());
        m.extend_from_slice(&1u32.to_le_bytes()); // SERVER_TO_REDIR
        m.extend_from_slice(&[0u8; 44]);
        m.extend_from_slice(&65u16.to_le_bytes());
        m.extend_from_slice(&1u16.to_le_bytes());
        m.extend_from_slice(&dialect.to_le_bytes());
        m.extend_from_slice(&[0u8; 58]);
        netbios(&m)
    }

    #[test]
    fn request_layout() {
        let r = build_smb2_negotiate();
        assert_eq!(message_complete(&r), Some(r.len()));
        assert_eq!(&r[4..8], b"\xFESMB");
        // Negotiate context offset is 8-aligned and inside the message (MS-SMB2 §2.2.3).
        let off = u32::from_le_bytes([r[4 + 92], r[4 + 93], r[4 + 94], r[4 + 95]]) as usize;
        assert_eq!(off % 8, 0);
        assert_eq!(u16::from_le_bytes([r[4 + off], r[4 + off + 1]]), 1);
        let s1 = build_smb1_negotiate();
        assert_eq!(&s1[4..9], b"\xFFSMB\x72");
        assert_eq!(message_complete(&s1), Some(s1.len()));
    }

    #[test]
    fn responses() {
        assert_eq!(
            parse_negotiate_response(&smb2_response(0x0311, 0)),
            Ok(Negotiated::Smb2 {
                dialect: 0x0311,
                status: 0
            })
        );
        assert_eq!(dialect_name(0x0311), "3.1.1");
        assert_eq!(dialect_name(0x0210), "2.1");
        // STATUS_NOT_SUPPORTED (0xC00000BB) in the header: still an SMB2 server.
        assert_eq!(
            parse_negotiate_response(&smb2_response(0, 0xC000_00BB)),
            Ok(Negotiated::Smb2 {
                dialect: 0,
                status: 0xC000_00BB
            })
        );
        // SMB1 NEGOTIATE response (MS-CIFS §2.2.4.52.2) choosing dialect index 0 (NT LM 0.12).
        let mut m = b"\xFFSMB\x72".to_vec();
        m.extend_from_slice(&[0u8; 27]);
        m.push(17);
        m.extend_from_slice(&0u16.to_le_bytes());
        m.extend_from_slice(&[0u8; 34]);
        assert_eq!(
            parse_negotiate_response(&netbios(&m)),
            Ok(Negotiated::Smb1 {
                dialect: Some("NT LM 0.12"),
                status: 0
            })
        );
        assert!(parse_negotiate_response(b"HTTP/1.1 400 Bad Request\r\n").is_err());
        assert_eq!(message_complete(b"HTTP"), Some(4));
        assert_eq!(
            parse_negotiate_response(&[0, 0, 0]),
            Err(SmbError::Incomplete)
        );
    }

    proptest! {
        #[test]
        fn never_panics(b in proptest::collection::vec(any::<u8>(), 0..300)) {
            if let Some(n) = message_complete(&b) { prop_assert!(n <= b.len()); }
            let _ = parse_negotiate_response(&b);
        }

        #[test]
        fn mutated_valid_never_panics(pos in 0usize..140, byte in any::<u8>(), cut in 0usize..140) {
            let mut b = smb2_response(0x0302, 0);
            if let Some(x) = b.get_mut(pos) { *x = byte; }
            b.truncate(cut);
            let _ = parse_negotiate_response(&b);
        }
    }
}
