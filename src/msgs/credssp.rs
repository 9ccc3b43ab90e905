//! CredSSP TSRequest ([MS-CSSP] §2.2.1), DER-encoded with `yasna`: the client's first message
//! carrying an NTLM NEGOTIATE in negoTokens, and a bounded decoder of the server's answer
//! (its first negoToken and errorCode). Also used by the demo responder to answer.

use yasna::{ASN1Error, ASN1ErrorKind, Tag};

/// The TSRequest version we announce first (Windows 10 and FreeRDP 2 speak 6).
pub const CLIENT_VERSION: u32 = 6;
/// A TSRequest larger than this is not a pre-login answer: refuse it.
pub const MAX_TS_REQUEST: usize = 16 * 1024;

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
    Der(String),
}

impl From<ASN1Error> for CredsspError {
    fn from(e: ASN1Error) -> Self {
        CredsspError::Der(match e.kind() {
            ASN1ErrorKind::Eof => "truncated".into(),
            ASN1ErrorKind::Extra => "trailing data".into(),
            ASN1ErrorKind::IntegerOverflow => "integer overflow".into(),
            ASN1ErrorKind::StackOverflow => "nested too deeply".into(),
            ASN1ErrorKind::Invalid => "invalid encoding".into(),
        })
    }
}

impl TsRequest {
    /// A TSRequest carrying one negoToken.
    pub fn with_token(version: u32, token: &[u8]) -> Self {
        TsRequest { version, nego_token: Some(token.to_vec()), error_code: None }
    }

    /// DER encoding (fields in ASN.1 order, explicit context tags).
    pub fn encode(&self) -> Vec<u8> {
        yasna::construct_der(|w| {
            w.write_sequence(|w| {
                w.next().write_tagged(Tag::context(0), |w| w.write_u32(self.version));
                if let Some(token) = &self.nego_token {
                    w.next().write_tagged(Tag::context(1), |w| {
                        w.write_sequence(|w| {
                            w.next().write_sequence(|w| {
                                w.next().write_tagged(Tag::context(0), |w| w.write_bytes(token));
                            });
                        });
                    });
                }
                if let Some(code) = self.error_code {
                    // NTSTATUS values are signed 32-bit on the wire (0xC000... is negative).
                    w.next().write_tagged(Tag::context(4), |w| w.write_i64(i64::from(code as i32)));
                }
            });
        })
    }
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

/// Decodes one TSRequest (exactly one DER SEQUENCE; at most `MAX_TS_REQUEST` bytes). Unknown
/// trailing fields inside the SEQUENCE are skipped; never panics.
pub fn decode_ts_request(buf: &[u8]) -> Result<TsRequest, CredsspError> {
    let first = *buf.first().ok_or(CredsspError::Empty)?;
    if first != 0x30 {
        return Err(CredsspError::NotSequence(first));
    }
    if buf.len() > MAX_TS_REQUEST {
        return Err(CredsspError::TooLarge(MAX_TS_REQUEST));
    }
    let req = yasna::parse_der(buf, |r| {
        r.read_sequence(|r| {
            let version = r.next().read_tagged(Tag::context(0), |r| r.read_u32())?;
            let nego_token = r.read_optional(|r| {
                r.read_tagged(Tag::context(1), |r| {
                    let mut first: Option<Vec<u8>> = None;
                    r.read_sequence_of(|r| {
                        let token = r.read_sequence(|r| {
                            r.next().read_tagged(Tag::context(0), |r| r.read_bytes())
                        })?;
                        if first.is_none() {
                            first = Some(token);
                        }
                        Ok(())
                    })?;
                    Ok(first)
                })
            })?;
            let _auth_info = r.read_optional(|r| r.read_tagged(Tag::context(2), |r| r.read_bytes()))?;
            let _pub_key_auth =
                r.read_optional(|r| r.read_tagged(Tag::context(3), |r| r.read_bytes()))?;
            let error_code = r.read_optional(|r| r.read_tagged(Tag::context(4), |r| r.read_i64()))?;
            // clientNonce [5] and anything a later version adds: skipped, bounded by the input.
            while r.read_optional(|r| r.read_der())?.is_some() {}
            Ok(TsRequest {
                version,
                nego_token: nego_token.flatten(),
                // Keep the low 32 bits: an NTSTATUS encoded signed or unsigned reads the same.
                error_code: error_code.map(|c| c as u32),
            })
        })
    })?;
    Ok(req)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::ntlm;
    use proptest::prelude::*;

    fn hex(s: &str) -> Vec<u8> {
        crate::msgs::ntlm::tests::hex(s)
    }

    #[test]
    fn encodes_the_first_client_message() {
        let token = ntlm::negotiate_message();
        let der = TsRequest::with_token(CLIENT_VERSION, &token).encode();
        // 30 37 a0 03 02 01 06 a1 30 30 2e 30 2c a0 2a 04 28 <40 bytes of NEGOTIATE>
        let mut expected = hex("3037 a003020106 a130 302e 302c a02a 0428");
        expected.extend_from_slice(&token);
        assert_eq!(der, expected);
        assert_eq!(ts_request_complete(&der), Some(der.len()));
        assert_eq!(decode_ts_request(&der).unwrap(), TsRequest::with_token(6, &token));
    }

    #[test]
    fn error_code_round_trips_as_ntstatus() {
        let req = TsRequest { version: 6, nego_token: None, error_code: Some(0xC000_006D) };
        let der = req.encode();
        assert_eq!(decode_ts_request(&der).unwrap(), req);
        // Some servers encode the NTSTATUS as an unsigned INTEGER (5 bytes): same value.
        let unsigned = hex("300e a003020106 a407 02050 0c000006d");
        assert_eq!(decode_ts_request(&unsigned).unwrap().error_code, Some(0xC000_006D));
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

    #[test]
    fn skips_unknown_fields_and_refuses_garbage() {
        // version, pubKeyAuth, clientNonce, and an unknown [6].
        let der = hex("3014 a003020105 a3030401aa a5030401bb a6030401cc");
        let req = decode_ts_request(&der).unwrap();
        assert_eq!(req.version, 5);
        assert_eq!(req.nego_token, None);
        assert_eq!(decode_ts_request(b"HTTP/1.1 400"), Err(CredsspError::NotSequence(b'H')));
        assert!(matches!(decode_ts_request(&hex("3007a003020106")), Err(CredsspError::Der(_))));
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
