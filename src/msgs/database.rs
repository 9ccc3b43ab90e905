//! Client-first database greetings: PostgreSQL's SSLRequest and its one-byte answer or error
//! message (PostgreSQL protocol §55.2.10), and MS SQL Server's TDS PRELOGIN request and response
//! (MS-TDS §2.2.6.5) with its VERSION and ENCRYPTION options. MySQL speaks first: see `banner`.

/// The most bytes of a database answer we read.
pub const MAX_RESPONSE: usize = 16 * 1024;

/// PostgreSQL SSLRequest: length 8, code 80877103.
pub fn build_pg_ssl_request() -> Vec<u8> {
    let mut v = 8u32.to_be_bytes().to_vec();
    v.extend_from_slice(&80_877_103u32.to_be_bytes());
    v
}

/// What a PostgreSQL server answered to the SSLRequest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PgAnswer {
    /// 'S': willing to do TLS.
    Tls,
    /// 'N': no TLS.
    NoTls,
    /// An ErrorResponse ('E'): severity, SQLSTATE and message fields when present.
    Error {
        severity: Option<String>,
        code: Option<String>,
        message: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DbError {
    #[error("incomplete")]
    Incomplete,
    #[error("not this protocol: {0}")]
    NotThis(&'static str),
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
        *b.get(at + 2)?,
        *b.get(at + 3)?,
    ]))
}
fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// For `net::read_message`: the length of a complete answer to the SSLRequest. A single 'S' or
/// 'N' is complete with whatever came with it (a real server sends that one byte and waits, so
/// "SSH-2.0-..." is not mistaken for 'S'); an 'E' message when its length says so; anything
/// else is complete as it stands.
pub fn pg_complete(b: &[u8]) -> Option<usize> {
    match *b.first()? {
        b'S' | b'N' => Some(b.len()),
        b'E' => {
            let len = be32(b, 1)? as usize;
            if !(4..=MAX_RESPONSE).contains(&len) {
                return Some(b.len());
            }
            let total = len + 1;
            (b.len() >= total).then_some(total)
        }
        _ => Some(b.len()),
    }
}

/// Parses the answer to an SSLRequest. For 'S'/'N' the answer must be that single byte: a
/// server that sends more (e.g. "NOT FOUND") is not PostgreSQL.
pub fn parse_pg_answer(b: &[u8]) -> Result<PgAnswer, DbError> {
    match (b.first(), b.len()) {
        (None, _) => Err(DbError::Incomplete),
        (Some(b'S'), 1) => Ok(PgAnswer::Tls),
        (Some(b'N'), 1) => Ok(PgAnswer::NoTls),
        (Some(b'E'), _) => {
            let len = be32(b, 1).ok_or(DbError::Incomplete)? as usize;
            if !(5..=MAX_RESPONSE).contains(&len) {
                return Err(DbError::NotThis("ErrorResponse length"));
            }
            let body = b.get(5..len + 1).ok_or(DbError::Incomplete)?;
            // Fields: a type byte, a NUL-terminated string; a final NUL ends the list.
            let mut fields = body.split(|&c| c == 0);
            let (mut severity, mut code, mut message) = (None, None, None);
            let mut seen = 0;
            for f in fields.by_ref() {
                let Some((&ty, val)) = f.split_first() else {
                    break;
                };
                if !ty.is_ascii_alphabetic()
                    || !val.iter().all(|c| *c >= 0x20 || *c == b'\t' || *c == b'\n')
                {
                    return Err(DbError::NotThis("ErrorResponse field"));
                }
                let text = String::from_utf8_lossy(val).into_owned();
                match ty {
                    b'S' | b'V' => severity = Some(text),
                    b'C' => code = Some(text),
                    b'M' => message = Some(text),
                    _ => {}
                }
                seen += 1;
            }
            if seen == 0 || body.last() != Some(&0) {
                return Err(DbError::NotThis("ErrorResponse without fields"));
            }
            Ok(PgAnswer::Error {
                severity,
                code,
                message,
            })
        }
        _ => Err(DbError::NotThis("not S, N or E")),
    }
}

const TDS_PRELOGIN: u8 = 0x12;
const TDS_RESPONSE: u8 = 0x04;

/// TDS PRELOGIN request (MS-TDS §2.2.6.5): VERSION, ENCRYPTION (off), INSTOPT "", THREADID, MARS.
pub fn build_tds_prelogin() -> Vec<u8> {
    let options: [(u8, Vec<u8>); 5] = [
        (0x00, vec![0, 0, 0, 0, 0, 0]),
        (0x01, vec![0x00]),
        (0x02, vec![0x00]),
        (0x03, vec![0, 0, 0, 0]),
        (0x04, vec![0x00]),
    ];
    let header_len = options.len() * 5 + 1;
    let mut table = Vec::new();
    let mut data = Vec::new();
    for (token, value) in &options {
        let offset = (header_len + data.len()) as u16;
        table.push(*token);
        table.extend_from_slice(&offset.to_be_bytes());
        table.extend_from_slice(&(value.len() as u16).to_be_bytes());
        data.extend_from_slice(value);
    }
    table.push(0xFF);
    table.extend_from_slice(&data);
    let total = (table.len() + 8) as u16;
    let mut pkt = vec![TDS_PRELOGIN, 0x01];
    pkt.extend_from_slice(&total.to_be_bytes());
    pkt.extend_from_slice(&[0, 0, 1, 0]); // SPID, packet id, window
    pkt.extend_from_slice(&table);
    pkt
}

/// For `net::read_message`: a complete TDS packet (length in its header), or anything that
/// cannot be one, as it stands.
pub fn tds_complete(b: &[u8]) -> Option<usize> {
    let ty = *b.first()?;
    if ty != TDS_RESPONSE {
        return Some(b.len());
    }
    let len = usize::from(be16(b, 2)?);
    if len < 8 {
        return Some(b.len());
    }
    (b.len() >= len).then_some(len)
}

/// What a PRELOGIN response said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prelogin {
    /// "major.minor.build" (e.g. "15.0.2000"), the server's version.
    pub version: Option<String>,
    /// ENCRYPTION option: 0 off, 1 on, 2 not supported, 3 required.
    pub encryption: Option<u8>,
}

pub fn encryption_name(e: u8) -> &'static str {
    match e {
        0 => "off",
        1 => "on",
        2 => "not-supported",
        3 => "required",
        _ => "unknown",
    }
}

/// Parses a PRELOGIN response: TDS packet type 4 with an option table ending in 0xFF.
pub fn parse_tds_prelogin(b: &[u8]) -> Result<Prelogin, DbError> {
    if *b.first().ok_or(DbError::Incomplete)? != TDS_RESPONSE {
        return Err(DbError::NotThis("not a TDS tabular response"));
    }
    let len = usize::from(be16(b, 2).ok_or(DbError::Incomplete)?);
    if len < 8 {
        return Err(DbError::NotThis("TDS length"));
    }
    let payload = b.get(8..len).ok_or(DbError::Incomplete)?;
    let mut out = Prelogin {
        version: None,
        encryption: None,
    };
    let mut i = 0usize;
    let mut terminated = false;
    for _ in 0..32 {
        let token = *payload
            .get(i)
            .ok_or(DbError::NotThis("option table not terminated"))?;
        if token == 0xFF {
            terminated = true;
            break;
        }
        let off = usize::from(be16(payload, i + 1).ok_or(DbError::NotThis("option"))?);
        let olen = usize::from(be16(payload, i + 3).ok_or(DbError::NotThis("option"))?);
        let value = payload
            .get(off..off + olen)
            .ok_or(DbError::NotThis("option outside packet"))?;
        match token {
            0x00 if olen >= 6 => {
                let major = *value.first().ok_or(DbError::NotThis("version"))?;
                let minor = *value.get(1).ok_or(DbError::NotThis("version"))?;
                let build = be16(value, 2).ok_or(DbError::NotThis("version"))?;
                out.version = Some(format!("{major}.{minor}.{build}"));
            }
            0x01 if olen >= 1 => out.encryption = value.first().copied(),
            _ => {}
        }
        i += 5;
    }
    if !terminated || out.version.is_none() {
        return Err(DbError::NotThis(
            "PRELOGIN response without a VERSION option",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn postgres_answers() {
        // PostgreSQL protocol §55.2.10: the server answers an SSLRequest with one byte.
        assert_eq!(
            build_pg_ssl_request(),
            vec![0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]
        );
        assert_eq!(parse_pg_answer(b"S"), Ok(PgAnswer::Tls));
        assert_eq!(parse_pg_answer(b"N"), Ok(PgAnswer::NoTls));
        assert!(parse_pg_answer(b"NOT FOUND").is_err());
        assert_eq!(pg_complete(b"SSH-2.0-OpenSSH_9.2p1\r\n"), Some(23));
        assert!(parse_pg_answer(b"SSH-2.0-OpenSSH_9.2p1\r\n").is_err());
        assert_eq!(pg_complete(b"N"), Some(1));
        // An ErrorResponse as PostgreSQL 15 sends for an unsupported protocol version.
        let mut e = b"E\0\0\0\0SFATAL\0C0A000\0Munsupported frontend protocol\0\0".to_vec();
        let len = (e.len() - 1) as u32;
        e[1..5].copy_from_slice(&len.to_be_bytes());
        assert_eq!(pg_complete(&e), Some(e.len()));
        assert_eq!(pg_complete(&e[..10]), None);
        assert_eq!(
            parse_pg_answer(&e),
            Ok(PgAnswer::Error {
                severity: Some("FATAL".into()),
                code: Some("0A000".into()),
                message: Some("unsupported frontend protocol".into())
            })
        );
    }

    #[test]
    fn postgres_15_recorded_error() {
        // Captured from PostgreSQL 15 (Debian 12) on 127.0.0.69:15432 answering a startup
        // packet with protocol version 9.0; it answered our SSLRequest with the single byte 'N'.
        let hex = "450000008353464154414c0056464154414c00433041303030004d756e737570706f727465642066726f6e74656e642070726f746f636f6c20392e303a2073657276657220737570706f72747320332e3020746f20332e300046706f73746d61737465722e63004c32323232005250726f63657373537461727475705061636b65740000";
        let b: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        assert_eq!(pg_complete(&b), Some(b.len()));
        assert_eq!(
            parse_pg_answer(&b),
            Ok(PgAnswer::Error {
                severity: Some("FATAL".into()),
                code: Some("0A000".into()),
                message: Some(
                    "unsupported frontend protocol 9.0: server supports 3.0 to 3.0".into()
                )
            })
        );
    }

    #[test]
    fn tds_prelogin() {
        let rq = build_tds_prelogin();
        assert_eq!(rq[0], 0x12);
        assert_eq!(u16::from_be_bytes([rq[2], rq[3]]) as usize, rq.len());
        // A PRELOGIN response laid out per MS-TDS §2.2.6.5 / §4.1 example, SQL Server 2019
        // (15.0.2000), encryption off.
        let mut payload = vec![
            0x00, 0x00, 0x10, 0x00, 0x06, //
            0x01, 0x00, 0x16, 0x00, 0x01, //
            0x02, 0x00, 0x17, 0x00, 0x01, //
            0xFF,
        ];
        payload.extend_from_slice(&[15, 0, 0x07, 0xd0, 0, 0]);
        payload.push(0x00);
        payload.push(0x00);
        let mut pkt = vec![0x04, 0x01];
        pkt.extend_from_slice(&((payload.len() + 8) as u16).to_be_bytes());
        pkt.extend_from_slice(&[0, 0, 1, 0]);
        pkt.extend_from_slice(&payload);
        assert_eq!(tds_complete(&pkt), Some(pkt.len()));
        assert_eq!(
            parse_tds_prelogin(&pkt),
            Ok(Prelogin {
                version: Some("15.0.2000".into()),
                encryption: Some(0)
            })
        );
        assert_eq!(encryption_name(3), "required");
        assert!(parse_tds_prelogin(b"HTTP/1.1 400").is_err());
    }

    proptest! {
        #[test]
        fn never_panics(b in proptest::collection::vec(any::<u8>(), 0..300)) {
            if let Some(n) = pg_complete(&b) { prop_assert!(n <= b.len()); }
            let _ = parse_pg_answer(&b);
            if let Some(n) = tds_complete(&b) { prop_assert!(n <= b.len()); }
            let _ = parse_tds_prelogin(&b);
        }

        #[test]
        fn mutated_valid_never_panics(pos in 0usize..40, byte in any::<u8>(), cut in 0usize..40) {
            let mut pkt = vec![0x04, 0x01, 0, 31, 0, 0, 1, 0,
                0x00, 0x00, 0x0b, 0x00, 0x06, 0x01, 0x00, 0x11, 0x00, 0x01, 0xFF,
                15, 0, 0x07, 0xd0, 0, 0, 0];
            if let Some(x) = pkt.get_mut(pos) { *x = byte; }
            pkt.truncate(cut);
            let _ = parse_tds_prelogin(&pkt);
            let mut e = b"E\0\0\0\x15SFATAL\0Mno\0\0".to_vec();
            if let Some(x) = e.get_mut(pos) { *x = byte; }
            e.truncate(cut);
            let _ = parse_pg_answer(&e);
        }
    }
}
