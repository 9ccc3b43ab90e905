//! TPKT (RFC 1006) + X.224 connection messages of RDP ([MS-RDPBCGR] §2.2.1.1–2.2.1.2): the
//! client's Connection Request with RDP_NEG_REQ, and a defensive parser of the server's
//! Connection Confirm (RDP_NEG_RSP / RDP_NEG_FAILURE / none). Also the server-side pair for the demo.

use std::fmt;

/// Standard RDP security (RC4, no TLS): the absence of any flag.
pub const PROTOCOL_RDP: u32 = 0x0;
pub const PROTOCOL_SSL: u32 = 0x1;
pub const PROTOCOL_HYBRID: u32 = 0x2;
pub const PROTOCOL_RDSTLS: u32 = 0x4;
pub const PROTOCOL_HYBRID_EX: u32 = 0x8;
pub const PROTOCOL_RDSAAD: u32 = 0x10;

const TPKT_VERSION: u8 = 3;
const TPKT_HEADER: usize = 4;
/// LI, code, DST-REF (2), SRC-REF (2), class.
const X224_FIXED: usize = 7;
const CR_CODE: u8 = 0xE0;
const CC_CODE: u8 = 0xD0;
const DR_CODE: u8 = 0x80;
const DT_CODE: u8 = 0xF0;
const TYPE_RDP_NEG_REQ: u8 = 0x01;
const TYPE_RDP_NEG_RSP: u8 = 0x02;
const TYPE_RDP_NEG_FAILURE: u8 = 0x03;
const NEG_LEN: usize = 8;

/// The name of one selected protocol value ("rdp", "ssl", "hybrid", ...).
pub fn protocol_name(protocol: u32) -> String {
    match protocol {
        PROTOCOL_RDP => "rdp".into(),
        PROTOCOL_SSL => "ssl".into(),
        PROTOCOL_HYBRID => "hybrid".into(),
        PROTOCOL_RDSTLS => "rdstls".into(),
        PROTOCOL_HYBRID_EX => "hybrid_ex".into(),
        PROTOCOL_RDSAAD => "rdsaad".into(),
        other => format!("unknown(0x{other:x})"),
    }
}

/// The name of a set of requested protocol flags: "rdp" for 0, else the flags joined by `+`
/// ("ssl+hybrid+hybrid_ex" for 0x0B).
pub fn protocols_name(flags: u32) -> String {
    if flags == 0 {
        return protocol_name(PROTOCOL_RDP);
    }
    let mut parts = Vec::new();
    let mut rest = flags;
    for bit in [
        PROTOCOL_SSL,
        PROTOCOL_HYBRID,
        PROTOCOL_RDSTLS,
        PROTOCOL_HYBRID_EX,
        PROTOCOL_RDSAAD,
    ] {
        if flags & bit != 0 {
            parts.push(protocol_name(bit));
            rest &= !bit;
        }
    }
    if rest != 0 {
        parts.push(format!("0x{rest:x}"));
    }
    parts.join("+")
}

/// The name of an RDP_NEG_FAILURE code ([MS-RDPBCGR] §2.2.1.2.2).
pub fn failure_name(code: u32) -> &'static str {
    match code {
        1 => "SSL_REQUIRED_BY_SERVER",
        2 => "SSL_NOT_ALLOWED_BY_SERVER",
        3 => "SSL_CERT_NOT_ON_SERVER",
        4 => "INCONSISTENT_FLAGS",
        5 => "HYBRID_REQUIRED_BY_SERVER",
        6 => "SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER",
        _ => "UNKNOWN",
    }
}

/// What a server's X.224 Connection Confirm said about security negotiation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirm {
    /// RDP_NEG_RSP: the server selected this protocol (flags are the RDP_NEG_RSP flags byte).
    Selected { protocol: u32, flags: u8 },
    /// RDP_NEG_FAILURE with this failure code.
    Failure { code: u32 },
    /// A Connection Confirm with no negotiation data: a server that predates RDP 5.x negotiation
    /// (or ignores it) and speaks standard RDP security only.
    NoNegotiation,
}

impl fmt::Display for Confirm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Confirm::Selected { protocol, .. } => {
                write!(f, "selected {}", protocol_name(*protocol))
            }
            Confirm::Failure { code } => write!(f, "failure {} ({code})", failure_name(*code)),
            Confirm::NoNegotiation => f.write_str("confirm without negotiation data"),
        }
    }
}

/// Why bytes are not a usable Connection Confirm.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum X224Error {
    #[error("not a TPKT (first byte 0x{0:02x})")]
    NotTpkt(u8),
    #[error("truncated message ({0})")]
    Truncated(&'static str),
    #[error("bad TPKT length {0}")]
    BadLength(usize),
    #[error("X.224 disconnect request instead of a connection confirm")]
    DisconnectRequest,
    #[error("X.224 data PDU instead of a connection confirm")]
    DataPdu,
    #[error("X.224 TPDU code 0x{0:02x} instead of a connection confirm")]
    UnexpectedTpdu(u8),
    #[error("connection confirm with malformed negotiation data: {0}")]
    BadNegotiation(String),
    #[error("connection request with malformed data: {0}")]
    BadRequest(String),
}

impl X224Error {
    /// True when the bytes were a TPKT carrying an X.224 TPDU, i.e. the peer speaks the RDP
    /// transport even though its answer is unusable (as opposed to another protocol).
    pub fn is_x224(&self) -> bool {
        matches!(
            self,
            X224Error::DisconnectRequest | X224Error::DataPdu | X224Error::BadNegotiation(_)
        )
    }
}

/// The length a TPKT declares, once its header is in `buf` (at least 4). Bytes that cannot start
/// a TPKT are taken as they are: `Some(buf.len())`. Never panics.
pub fn tpkt_length(buf: &[u8]) -> Option<usize> {
    let first = *buf.first()?;
    if first != TPKT_VERSION {
        return Some(buf.len());
    }
    let hi = *buf.get(2)?;
    let lo = *buf.get(3)?;
    let len = usize::from(u16::from_be_bytes([hi, lo]));
    // A length shorter than its own header is malformed: stop at the header, the parser says why.
    Some(len.max(TPKT_HEADER))
}

/// For `net::read_message`: `Some(len)` once a whole TPKT of `len` bytes is in `buf` (bytes that
/// cannot start a TPKT complete at once, and the parser then rejects them). Never panics.
pub fn tpkt_complete(buf: &[u8]) -> Option<usize> {
    let len = tpkt_length(buf)?;
    (buf.len() >= len).then_some(len)
}

/// Builds a TPKT + X.224 Connection Request carrying RDP_NEG_REQ with `requested` protocols,
/// optionally preceded by a routing cookie (`Cookie: mstshash=NAME`).
pub fn connection_request(requested: u32, cookie: Option<&str>) -> Vec<u8> {
    let mut variable = Vec::new();
    if let Some(name) = cookie {
        // Keep the cookie printable and short so the LI (one byte) cannot overflow.
        let name: String = name
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(64)
            .collect();
        variable.extend_from_slice(format!("Cookie: mstshash={name}\r\n").as_bytes());
    }
    variable.push(TYPE_RDP_NEG_REQ);
    variable.push(0); // flags
    variable.extend_from_slice(&(NEG_LEN as u16).to_le_bytes());
    variable.extend_from_slice(&requested.to_le_bytes());
    x224_tpdu(CR_CODE, &variable)
}

/// Builds a TPKT + X.224 Connection Confirm for `confirm` (the demo server's answer).
pub fn connection_confirm(confirm: Confirm) -> Vec<u8> {
    let mut variable = Vec::new();
    match confirm {
        Confirm::Selected { protocol, flags } => {
            variable.push(TYPE_RDP_NEG_RSP);
            variable.push(flags);
            variable.extend_from_slice(&(NEG_LEN as u16).to_le_bytes());
            variable.extend_from_slice(&protocol.to_le_bytes());
        }
        Confirm::Failure { code } => {
            variable.push(TYPE_RDP_NEG_FAILURE);
            variable.push(0);
            variable.extend_from_slice(&(NEG_LEN as u16).to_le_bytes());
            variable.extend_from_slice(&code.to_le_bytes());
        }
        Confirm::NoNegotiation => {}
    }
    x224_tpdu(CC_CODE, &variable)
}

/// TPKT header + X.224 fixed part (`code`, references 0, class 0) + `variable`.
/// `variable` is at most 64 + 40 bytes here, so LI and the TPKT length cannot overflow.
fn x224_tpdu(code: u8, variable: &[u8]) -> Vec<u8> {
    let li = (X224_FIXED - 1 + variable.len()).min(usize::from(u8::MAX));
    let total = TPKT_HEADER + 1 + li;
    let mut out = Vec::with_capacity(total);
    out.push(TPKT_VERSION);
    out.push(0);
    out.extend_from_slice(&(total.min(usize::from(u16::MAX)) as u16).to_be_bytes());
    out.push(li as u8);
    out.push(code);
    out.extend_from_slice(&[0, 0, 0, 0, 0]);
    out.extend_from_slice(variable.get(..li + 1 - X224_FIXED).unwrap_or(variable));
    out
}

/// The TPDU of one TPKT: checks the TPKT header and returns (code, the bytes after the X.224
/// fixed part up to the end of the TPKT).
fn tpdu(buf: &[u8]) -> Result<(u8, &[u8]), X224Error> {
    let first = *buf.first().ok_or(X224Error::Truncated("empty"))?;
    if first != TPKT_VERSION {
        return Err(X224Error::NotTpkt(first));
    }
    let header = buf
        .get(..TPKT_HEADER)
        .ok_or(X224Error::Truncated("TPKT header"))?;
    let len = usize::from(u16::from_be_bytes([
        *header.get(2).ok_or(X224Error::Truncated("TPKT header"))?,
        *header.get(3).ok_or(X224Error::Truncated("TPKT header"))?,
    ]));
    if len < TPKT_HEADER + 2 {
        return Err(X224Error::BadLength(len));
    }
    let msg = buf.get(..len).ok_or(X224Error::Truncated("TPKT body"))?;
    let li = usize::from(
        *msg.get(TPKT_HEADER)
            .ok_or(X224Error::Truncated("X.224 LI"))?,
    );
    let code = *msg
        .get(TPKT_HEADER + 1)
        .ok_or(X224Error::Truncated("X.224 code"))?;
    if code & 0xF0 == DT_CODE {
        return Err(X224Error::DataPdu);
    }
    if code & 0xF0 == DR_CODE {
        return Err(X224Error::DisconnectRequest);
    }
    if li < X224_FIXED - 1 {
        return Err(X224Error::BadLength(li));
    }
    // Everything after the fixed part, to the end of the TPKT: some servers put negotiation data
    // outside what their LI covers, so the TPKT length is what counts.
    let rest = msg
        .get(TPKT_HEADER + X224_FIXED..)
        .ok_or(X224Error::Truncated("X.224 header"))?;
    Ok((code & 0xF0, rest))
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

/// Parses a server's answer to a Connection Request. `buf` is one TPKT (extra bytes after it are
/// ignored). Never panics.
pub fn parse_connection_confirm(buf: &[u8]) -> Result<Confirm, X224Error> {
    let (code, neg) = tpdu(buf)?;
    if code != CC_CODE {
        return Err(X224Error::UnexpectedTpdu(code));
    }
    if neg.is_empty() {
        return Ok(Confirm::NoNegotiation);
    }
    let bad = |why: &str| X224Error::BadNegotiation(why.to_owned());
    if neg.len() < NEG_LEN {
        return Err(bad(&format!("{} bytes, 8 expected", neg.len())));
    }
    let kind = *neg.first().ok_or_else(|| bad("empty"))?;
    let flags = *neg.get(1).ok_or_else(|| bad("no flags"))?;
    let value = u32_le(neg, 4).ok_or_else(|| bad("no value"))?;
    match kind {
        TYPE_RDP_NEG_RSP => Ok(Confirm::Selected {
            protocol: value,
            flags,
        }),
        TYPE_RDP_NEG_FAILURE => Ok(Confirm::Failure { code: value }),
        other => Err(bad(&format!("type 0x{other:02x}"))),
    }
}

/// A client's Connection Request as the demo server sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionRequest {
    /// requestedProtocols of RDP_NEG_REQ, or None when the request carried no negotiation.
    pub requested: Option<u32>,
}

/// Parses a client's Connection Request (server side: the demo responder). Never panics.
pub fn parse_connection_request(buf: &[u8]) -> Result<ConnectionRequest, X224Error> {
    let (code, mut rest) = tpdu(buf)?;
    if code != CR_CODE {
        return Err(X224Error::UnexpectedTpdu(code));
    }
    // An optional routing token or cookie, terminated by CR LF.
    if rest.starts_with(b"Cookie:") || rest.starts_with(b"mstshash") {
        let end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| X224Error::BadRequest("cookie without CR LF".into()))?;
        rest = rest.get(end + 2..).unwrap_or_default();
    }
    if rest.is_empty() {
        return Ok(ConnectionRequest { requested: None });
    }
    if rest.first() != Some(&TYPE_RDP_NEG_REQ) {
        return Err(X224Error::BadRequest("not an RDP_NEG_REQ".into()));
    }
    let requested =
        u32_le(rest, 4).ok_or_else(|| X224Error::BadRequest("truncated RDP_NEG_REQ".into()))?;
    Ok(ConnectionRequest {
        requested: Some(requested),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    use crate::msgs::ntlm::tests::hex;

    #[test]
    fn request_matches_the_spec_example() {
        // [MS-RDPBCGR] §4.1.1 Client X.224 Connection Request PDU (cookie "eltons", PROTOCOL_RDP).
        let spec = hex(
            "0300002c27e00000000000436f6f6b69653a206d737473686173683d656c746f6e730d0a0100080000000000",
        );
        assert_eq!(connection_request(0, Some("eltons")), spec);
        // The same without a cookie, requesting SSL|HYBRID|HYBRID_EX: 19 bytes, LI 14.
        assert_eq!(
            connection_request(0x0B, None),
            hex("030000130ee00000000000010008000b000000")
        );
    }

    #[test]
    fn request_round_trips_through_the_server_parser() {
        for requested in [0u32, 1, 3, 0x0B, 0x1F] {
            let req = parse_connection_request(&connection_request(requested, None)).unwrap();
            assert_eq!(req.requested, Some(requested));
            let req =
                parse_connection_request(&connection_request(requested, Some("user"))).unwrap();
            assert_eq!(req.requested, Some(requested));
        }
    }

    #[test]
    fn confirm_round_trips() {
        for c in [
            Confirm::Selected {
                protocol: PROTOCOL_HYBRID,
                flags: 0x1F,
            },
            Confirm::Failure { code: 5 },
            Confirm::NoNegotiation,
        ] {
            let bytes = connection_confirm(c);
            assert_eq!(tpkt_complete(&bytes), Some(bytes.len()));
            assert_eq!(parse_connection_confirm(&bytes).unwrap(), c);
        }
    }

    #[test]
    fn recorded_confirms_of_real_servers() {
        // Recorded from xrdp 0.9.21 (security_layer=negotiate) answering 0x0B: RSP selecting TLS.
        let xrdp = hex("030000130ed000001234000201080001000000");
        assert_eq!(
            parse_connection_confirm(&xrdp).unwrap(),
            Confirm::Selected {
                protocol: PROTOCOL_SSL,
                flags: 0x01
            }
        );
        // Recorded from xrdp 0.9.21 (security_layer=tls) answering 0x0: SSL_REQUIRED_BY_SERVER.
        let xrdp_tls = hex("030000130ed000001234000300080001000000");
        assert_eq!(
            parse_connection_confirm(&xrdp_tls).unwrap(),
            Confirm::Failure { code: 1 }
        );
        // Recorded from xrdp 0.9.21 answering a request without RDP_NEG_REQ.
        let bare = hex("0300000b06d00000123400");
        assert_eq!(
            parse_connection_confirm(&bare).unwrap(),
            Confirm::NoNegotiation
        );
        // Recorded from FreeRDP 2 shadow server (NLA) answering 0x0B: RSP selecting HYBRID.
        let freerdp = hex("030000130ed000000000000203080002000000");
        assert_eq!(
            parse_connection_confirm(&freerdp).unwrap(),
            Confirm::Selected {
                protocol: PROTOCOL_HYBRID,
                flags: 0x03
            }
        );
        // Recorded from FreeRDP 2 shadow server (NLA) answering 0x1: HYBRID_REQUIRED_BY_SERVER.
        let fail = hex("030000130ed000000000000300080005000000");
        assert_eq!(
            parse_connection_confirm(&fail).unwrap(),
            Confirm::Failure { code: 5 }
        );
        assert_eq!(
            Confirm::Failure { code: 5 }.to_string(),
            "failure HYBRID_REQUIRED_BY_SERVER (5)"
        );
        // Recorded from xrdp 0.9.21 answering the unknown flag 0x40: an X.224 data PDU.
        let data = hex("0300000902f0802180");
        assert_eq!(parse_connection_confirm(&data), Err(X224Error::DataPdu));
    }

    #[test]
    fn non_confirms_are_errors() {
        assert_eq!(
            parse_connection_confirm(b"SSH-2.0-x\r\n"),
            Err(X224Error::NotTpkt(b'S'))
        );
        // An X.224 data PDU (as xrdp answers an unknown flag).
        assert_eq!(
            parse_connection_confirm(&hex("0300000702f080")),
            Err(X224Error::DataPdu)
        );
        assert!(parse_connection_confirm(&hex("0300000702f080"))
            .unwrap_err()
            .is_x224());
        assert!(matches!(
            parse_connection_confirm(&hex("0300")),
            Err(X224Error::Truncated(_))
        ));
        assert!(matches!(
            parse_connection_confirm(&hex("0300000e09d00000000000020000")),
            Err(X224Error::BadNegotiation(_))
        ));
        assert!(matches!(
            parse_connection_confirm(&hex("0300001309d00000000000090008000100000000")[..19]),
            Err(X224Error::BadNegotiation(_))
        ));
        assert_eq!(
            parse_connection_confirm(&hex("03000002")),
            Err(X224Error::BadLength(2))
        );
    }

    #[test]
    fn names() {
        assert_eq!(protocols_name(0x0B), "ssl+hybrid+hybrid_ex");
        assert_eq!(protocols_name(0), "rdp");
        assert_eq!(protocols_name(1), "ssl");
        assert_eq!(protocols_name(0x41), "ssl+0x40");
        assert_eq!(protocol_name(0x10), "rdsaad");
        assert_eq!(protocol_name(0x20), "unknown(0x20)");
    }

    #[test]
    fn tpkt_complete_on_prefixes() {
        assert_eq!(tpkt_complete(&[]), None);
        assert_eq!(tpkt_complete(&[3, 0, 0]), None);
        assert_eq!(tpkt_complete(&[3, 0, 0, 19]), None);
        assert_eq!(tpkt_length(&[3, 0, 0, 19]), Some(19));
        assert_eq!(tpkt_complete(&[3, 0, 0, 6, 1, 2]), Some(6));
        assert_eq!(tpkt_complete(&[3, 0, 0, 6, 1, 2, 3]), Some(6));
        assert_eq!(tpkt_complete(&[3, 0, 0, 1]), Some(4));
        assert_eq!(tpkt_complete(b"HTTP/1.1"), Some(8));
    }

    proptest! {
        #[test]
        fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            if let Some(len) = tpkt_complete(&bytes) {
                prop_assert!(len <= bytes.len());
            }
            let _ = tpkt_length(&bytes);
            let _ = parse_connection_confirm(&bytes);
            let _ = parse_connection_request(&bytes);
        }

        #[test]
        fn mutated_confirms_never_panic(
            idx in 0usize..40, val in any::<u8>(), cut in 0usize..40, code in 0u32..8
        ) {
            let mut bytes = connection_confirm(Confirm::Failure { code });
            if let Some(b) = bytes.get_mut(idx) { *b = val; }
            bytes.truncate(cut);
            let _ = tpkt_complete(&bytes);
            let _ = parse_connection_confirm(&bytes);
            let _ = parse_connection_request(&bytes);
        }
    }
}
