//! CredSSP TSRequest ([MS-CSSP] §2.2.1): the client's first message carrying an NTLM NEGOTIATE
//! in negoTokens, and a bounded decoder of the server's answer (its first negoToken and
//! errorCode). A minimal DER reader/writer of its own: see `read_tlv` for why not a crate.

/// The TSRequest version we announce first (Windows 10 and FreeRDP 2 speak 6).
pub const CLIENT_VERSION: u32 = 6;
/// A TSRequest larger than this is not a pre-login answer: refuse it.
pub const MAX_TS_REQUEST: usize = 16 * 1024;

const TAG_INTEGER: u8 = 0x02;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_SEQUENCE: u8 = 0x30;
/// Explicit context tags [0]..[5] (constructed).
const fn context(n: u8) -> u8 {
    0xA0 | n
}

/// The fields of a TSRequest we care about.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TsRequest {
    pub version: u32,
    /// negoTokens: the first token's bytes (an NTLM or SPNEGO message), if any.
    pub nego_token: Option<Vec<u8>>,
    /// errorCode (an NTSTATUS, as an unsigned 32-bit value), if any (version 3 and later).
    pub error_code: Option<u32>,
}

/// Why bytes are not a TSRequest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredsspError {
    #[error("not a DER SEQUENCE (first byte 0x{0:02x})")]
    NotSequence(u8),
    #[error("empty message")]
    Empty,
    #[error("TSRequest larger than {0} bytes")]
    TooLarge(usize),
    #[error("malformed TSRequest: {0}")]
    Der(&'static str),
}

impl TsRequest {
    /// A TSRequest carrying one negoToken.
    pub fn with_token(version: u32, token: &[u8]) -> Self {
        TsRequest {
            version,
            nego_token: Some(token.to_vec()),
            error_code: None,
        }
    }

    /// DER encoding (fields in ASN.1 order, explicit context tags).
    pub fn encode(&self) -> Vec<u8> {
        let mut fields = tlv(
            context(0),
            &tlv(TAG_INTEGER, &integer(i64::from(self.version))),
        );
        if let Some(token) = &self.nego_token {
            // NegoData ::= SEQUENCE OF SEQUENCE { negoToken [0] OCTET STRING }
            let item = tlv(
                TAG_SEQUENCE,
                &tlv(context(0), &tlv(TAG_OCTET_STRING, token)),
            );
            fields.extend(tlv(context(1), &tlv(TAG_SEQUENCE, &item)));
        }
        if let Some(code) = self.error_code {
            // NTSTATUS values are signed 32-bit on the wire (0xC000... is negative).
            fields.extend(tlv(
                context(4),
                &tlv(TAG_INTEGER, &integer(i64::from(code as i32))),
            ));
        }
        tlv(TAG_SEQUENCE, &fields)
    }
}

/// One DER element: its tag byte and its content.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = Vec::with_capacity(len.saturating_add(6));
    out.push(tag);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = (len as u64).to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(content);
    out
}

/// Minimal two's-complement big-endian content of an INTEGER.
fn integer(v: i64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let mut start = 0;
    while let (Some(&b), Some(&next)) = (bytes.get(start), bytes.get(start + 1)) {
        let redundant = (b == 0x00 && next & 0x80 == 0) || (b == 0xFF && next & 0x80 != 0);
        if !redundant {
            break;
        }
        start += 1;
    }
    bytes.get(start..).unwrap_or_default().to_vec()
}

/// Reads one element from the front of `buf`: (tag, content, rest). Definite lengths of at most
/// three bytes only (16 MiB, far above `MAX_TS_REQUEST`); every bound is checked. (Our own reader:
/// yasna 0.6, tried first, overflows `pos + length` on a crafted length in `read_der`, found by
/// the `credssp` fuzz target; this one is small enough to read whole.)
fn read_tlv(buf: &[u8]) -> Result<(u8, &[u8], &[u8]), CredsspError> {
    let truncated = CredsspError::Der("truncated");
    let tag = *buf.first().ok_or(CredsspError::Der("truncated"))?;
    if tag & 0x1F == 0x1F {
        return Err(CredsspError::Der("multi-byte tag"));
    }
    let first = *buf.get(1).ok_or(CredsspError::Der("truncated"))?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2usize)
    } else {
        let n = usize::from(first & 0x7F);
        if n == 0 {
            return Err(CredsspError::Der("indefinite length"));
        }
        if n > 3 {
            return Err(CredsspError::Der("length too large"));
        }
        let mut len = 0usize;
        for i in 0..n {
            let b = *buf.get(2 + i).ok_or(CredsspError::Der("truncated"))?;
            len = (len << 8) | usize::from(b);
        }
        (len, 2 + n)
    };
    let end = header
        .checked_add(len)
        .ok_or(CredsspError::Der("length too large"))?;
    let content = buf.get(header..end).ok_or(truncated)?;
    let rest = buf.get(end..).unwrap_or_default();
    Ok((tag, content, rest))
}

/// Reads exactly one element of `tag` filling `buf`, and returns its content.
fn read_only<'a>(buf: &'a [u8], tag: u8, what: &'static str) -> Result<&'a [u8], CredsspError> {
    let (t, content, _rest) = read_tlv(buf)?;
    if t != tag {
        return Err(CredsspError::Der(what));
    }
    Ok(content)
}

/// An INTEGER's value (at most 8 significant bytes, sign-extended).
fn read_integer(content: &[u8]) -> Result<i64, CredsspError> {
    let content = match content {
        [] => return Err(CredsspError::Der("empty INTEGER")),
        // A leading zero that only makes a 9-byte unsigned value positive.
        [0, rest @ ..] if rest.len() == 8 => rest,
        c if c.len() > 8 => return Err(CredsspError::Der("INTEGER too large")),
        c => c,
    };
    let negative = content.first().is_some_and(|b| b & 0x80 != 0) && content.len() < 8;
    let mut v: i64 = if negative { -1 } else { 0 };
    for &b in content {
        v = (v << 8) | i64::from(b);
    }
    Ok(v)
}

/// For `net::read_message`: `Some(len)` once a whole DER SEQUENCE of `len` bytes is in `buf`.
/// Bytes that cannot start one complete at once (the decoder then rejects them); never panics.
pub fn ts_request_complete(buf: &[u8]) -> Option<usize> {
    let tag = *buf.first()?;
    if tag != 0x30 {
        return Some(buf.len());
    }
    let first = *buf.get(1)?;
    let total = if first < 0x80 {
        2 + usize::from(first)
    } else {
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 4 {
            // Indefinite or absurd length: not DER; let the decoder refuse what arrived.
            return Some(buf.len());
        }
        let mut len = 0usize;
        for i in 0..n {
            let b = *buf.get(2 + i)?;
            len = len.checked_mul(256)?.checked_add(usize::from(b))?;
        }
        (2 + n).checked_add(len)?
    };
    (buf.len() >= total).then_some(total)
}

/// Decodes one TSRequest (exactly one DER SEQUENCE; at most `MAX_TS_REQUEST` bytes). Fields it
/// does not need (authInfo, pubKeyAuth, clientNonce, later additions) are skipped; never panics.
pub fn decode_ts_request(buf: &[u8]) -> Result<TsRequest, CredsspError> {
    let first = *buf.first().ok_or(CredsspError::Empty)?;
    if first != TAG_SEQUENCE {
        return Err(CredsspError::NotSequence(first));
    }
    if buf.len() > MAX_TS_REQUEST {
        return Err(CredsspError::TooLarge(MAX_TS_REQUEST));
    }
    let (_, mut fields, trailing) = read_tlv(buf)?;
    if !trailing.is_empty() {
        return Err(CredsspError::Der("trailing data"));
    }
    let mut version = None;
    let mut req = TsRequest::default();
    // Each element consumes at least two bytes, so this ends within buf.len() / 2 rounds.
    while !fields.is_empty() {
        let (tag, content, rest) = read_tlv(fields)?;
        fields = rest;
        match tag {
            t if t == context(0) => {
                let v = read_integer(read_only(
                    content,
                    TAG_INTEGER,
                    "version is not an INTEGER",
                )?)?;
                version =
                    Some(u32::try_from(v).map_err(|_| CredsspError::Der("version out of range"))?);
            }
            t if t == context(1) => {
                let items = read_only(content, TAG_SEQUENCE, "negoTokens is not a SEQUENCE")?;
                if !items.is_empty() {
                    let item = read_only(items, TAG_SEQUENCE, "negoTokens item is not a SEQUENCE")?;
                    let tagged = read_only(item, context(0), "negoToken is not [0]")?;
                    let token =
                        read_only(tagged, TAG_OCTET_STRING, "negoToken is not an OCTET STRING")?;
                    req.nego_token = Some(token.to_vec());
                }
            }
            t if t == context(4) => {
                let code = read_integer(read_only(
                    content,
                    TAG_INTEGER,
                    "errorCode is not an INTEGER",
                )?)?;
                // Keep the low 32 bits: an NTSTATUS encoded signed or unsigned reads the same.
                req.error_code = Some(code as u32);
            }
            _ => {}
        }
    }
    req.version = version.ok_or(CredsspError::Der("no version"))?;
    Ok(req)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::ntlm;
    use proptest::prelude::*;

    use crate::msgs::ntlm::tests::hex;

    #[test]
    fn encodes_the_first_client_message() {
        let token = ntlm::negotiate_message();
        let der = TsRequest::with_token(CLIENT_VERSION, &token).encode();
        // 30 37 a0 03 02 01 06 a1 30 30 2e 30 2c a0 2a 04 28 <40 bytes of NEGOTIATE>
        let mut expected = hex("3037 a003020106 a130 302e 302c a02a 0428");
        expected.extend_from_slice(&token);
        assert_eq!(der, expected);
        assert_eq!(ts_request_complete(&der), Some(der.len()));
        assert_eq!(
            decode_ts_request(&der).unwrap(),
            TsRequest::with_token(6, &token)
        );
    }

    #[test]
    fn error_code_round_trips_as_ntstatus() {
        let req = TsRequest {
            version: 6,
            nego_token: None,
            error_code: Some(0xC000_006D),
        };
        let der = req.encode();
        assert_eq!(decode_ts_request(&der).unwrap(), req);
        // Some servers encode the NTSTATUS as an unsigned INTEGER (5 bytes): same value.
        let unsigned = hex("300e a003020106 a407 02050 0c000006d");
        assert_eq!(
            decode_ts_request(&unsigned).unwrap().error_code,
            Some(0xC000_006D)
        );
    }

    #[test]
    fn decodes_recorded_freerdp_answer() {
        let recorded = hex(RECORDED_FREERDP_TS_REQUEST);
        assert_eq!(ts_request_complete(&recorded), Some(recorded.len()));
        let req = decode_ts_request(&recorded).unwrap();
        assert_eq!(req.version, 6);
        assert_eq!(req.error_code, None);
        // The token is the recorded CHALLENGE; the server's clientNonce [5] is skipped.
        assert_eq!(req.nego_token.unwrap(), ntlm::tests::freerdp_challenge());
    }

    /// The TSRequest FreeRDP 2.10's shadow server (`/sec:nla +auth`, Debian 12) sent back on
    /// loopback after our TSRequest{NTLM NEGOTIATE}: it carries the CHALLENGE_MESSAGE.
    const RECORDED_FREERDP_TS_REQUEST: &str = concat!(
        "30819fa003020106a17430723070a06e046c4e544c4d53535000020000000400",
        "040038000000378288e28df80c53d2e1328d0000000000000000300030003c00",
        "00000601b11d0000000f56004d000200040056004d000100040056004d000400",
        "040076006d000300040076006d0007000800806e04ebe27ddd0100000000a522",
        "04209357935cfbd30521776fa9476a12dd2cba383b5749a22217017a8a8f9839",
        "3ae8"
    );

    /// Found by `cargo fuzz run credssp` against the yasna-based decoder (add overflow in
    /// yasna's skip_general): a crafted length after the version field.
    #[test]
    fn fuzz_regression_huge_length() {
        let crash = hex(concat!(
            "30819fa00302010606a100000000000000000000000000000000000000000000000000ffffffffffffffff",
            "ffffffffffffffffffffffffffffffffffffffffffffff000000f9ff0001000000000000005600565b4d",
            "0001f3040056004d0004000400ffffffffffffff00000000000000b8ffffff0505050505050505050505",
            "0505050505050505050505050505050505050505050505050505050505050505050505050505050505",
            "0505050505050505050505050505050505050505050505050505050505050505050505050505050505",
            "0505050505050505050505050505050505050505050505050505050505050505050505ffff000106a1",
            "7430723070a06e046c4e544c000004000000000000000000000000009c00000000000000000000000000",
            "00009c00000000000000000000000000000000000000008a8f98393ae8"
        ));
        assert!(decode_ts_request(&crash).is_err());
        let huge = hex("3010 a003020106 a609 84ffffffff 0000000000");
        assert!(decode_ts_request(&huge).is_err());
    }

    #[test]
    fn integers() {
        for v in [
            0i64,
            1,
            127,
            128,
            255,
            256,
            -1,
            -128,
            -129,
            i64::from(i32::MIN),
            i64::MAX,
            i64::MIN,
        ] {
            assert_eq!(read_integer(&integer(v)).unwrap(), v, "{v}");
        }
        assert_eq!(integer(6), vec![6]);
        assert_eq!(integer(128), vec![0, 128]);
        assert_eq!(
            integer(i64::from(0xC000_006Du32 as i32)),
            vec![0xc0, 0, 0, 0x6d]
        );
    }

    #[test]
    fn skips_unknown_fields_and_refuses_garbage() {
        // version, pubKeyAuth, clientNonce, and an unknown [6].
        let der = hex("3014 a003020105 a3030401aa a5030401bb a6030401cc");
        let req = decode_ts_request(&der).unwrap();
        assert_eq!(req.version, 5);
        assert_eq!(req.nego_token, None);
        assert_eq!(
            decode_ts_request(b"HTTP/1.1 400"),
            Err(CredsspError::NotSequence(b'H'))
        );
        assert!(matches!(
            decode_ts_request(&hex("3007a003020106")),
            Err(CredsspError::Der(_))
        ));
        assert_eq!(ts_request_complete(&hex("3082")), None);
        assert_eq!(ts_request_complete(&hex("308201")), None);
        assert_eq!(ts_request_complete(&hex("30820100")), None);
        let mut whole = hex("30820100");
        whole.resize(261, 0);
        assert_eq!(ts_request_complete(&whole), Some(260));
        assert_eq!(ts_request_complete(&hex("3080")), Some(2));
        assert_eq!(ts_request_complete(&hex("3088ffffffffffffffff")), Some(10));
    }

    proptest! {
        #[test]
        fn decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            if let Some(len) = ts_request_complete(&bytes) {
                prop_assert!(len <= bytes.len());
            }
            let _ = decode_ts_request(&bytes);
            let mut framed = vec![0x30u8, 0x82];
            framed.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
            framed.extend_from_slice(&bytes);
            let _ = decode_ts_request(&framed);
        }

        #[test]
        fn mutated_requests_never_panic(
            edits in proptest::collection::vec((0usize..80, any::<u8>()), 1..6), cut in 0usize..80
        ) {
            let mut der = TsRequest::with_token(6, &ntlm::negotiate_message()).encode();
            for (i, v) in edits { if let Some(b) = der.get_mut(i) { *b = v; } }
            der.truncate(cut);
            let _ = ts_request_complete(&der);
            let _ = decode_ts_request(&der);
        }
    }
}
