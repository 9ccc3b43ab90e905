//! The server's side of a TLS ≤ 1.2 first flight, without I/O: reading a client's ClientHello
//! record, and writing ServerHello, Certificate and ServerHelloDone (RFC 2246 §7.4, RFC 5246
//! §7.4) or a fatal alert. The demo's scripted TLS 1.0 endpoint answers with these.

use super::tls::{
    push_ext, push_u16, push_u24, Reader, TlsError, CT_ALERT, CT_HANDSHAKE,
    EMPTY_RENEGOTIATION_INFO_SCSV, EXT_RENEGOTIATION_INFO, EXT_SERVER_NAME, EXT_SUPPORTED_VERSIONS,
    HT_CERTIFICATE, HT_CLIENT_HELLO, HT_SERVER_HELLO, HT_SERVER_HELLO_DONE, MAX_FRAGMENT,
    RECORD_HEADER,
};

/// Alert descriptions a scripted server sends (RFC 5246 §7.2).
pub const ALERT_HANDSHAKE_FAILURE: u8 = 40;
pub const ALERT_PROTOCOL_VERSION: u8 = 70;

/// What a server needs from a ClientHello to choose its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHelloInfo {
    /// The record layer's version.
    pub record_version: u16,
    /// ClientHello.client_version (legacy_version in TLS 1.3 hellos).
    pub legacy_version: u16,
    /// The offered cipher suites, in the client's order.
    pub suites: Vec<u16>,
    /// The supported_versions extension (RFC 8446 §4.2.1), when present.
    pub supported_versions: Option<Vec<u16>>,
    /// The SNI host name (RFC 6066 §3), when present.
    pub server_name: Option<String>,
    /// The client signalled RFC 5746 secure renegotiation (extension or SCSV).
    pub secure_renegotiation: bool,
}

/// Parses a ClientHello that arrives in one handshake record (what every client sends for a
/// hello under 16 KiB). Never panics; an SSLv2-format hello is `NotTls`.
pub fn parse_client_hello(record: &[u8]) -> Result<ClientHelloInfo, TlsError> {
    let mut r = Reader::new(record, "ClientHello record");
    let ct = r.u8()?;
    let record_version = r.u16()?;
    if ct != CT_HANDSHAKE || record_version >> 8 != 3 {
        return Err(TlsError::NotTls(
            record.get(..RECORD_HEADER).unwrap_or(record).to_vec(),
        ));
    }
    let len = usize::from(r.u16()?);
    let mut fragment = Reader::new(r.take(len)?, "ClientHello handshake");
    if fragment.u8()? != HT_CLIENT_HELLO {
        return Err(TlsError::Malformed("ClientHello type"));
    }
    let body_len = fragment.u24()?;
    let mut body = Reader::new(fragment.take(body_len)?, "ClientHello");
    let legacy_version = body.u16()?;
    body.take(32)?; // random
    let sid_len = usize::from(body.u8()?);
    if sid_len > 32 {
        return Err(TlsError::Malformed("ClientHello session id"));
    }
    body.take(sid_len)?;
    let suites_len = usize::from(body.u16()?);
    if suites_len % 2 != 0 {
        return Err(TlsError::Malformed("ClientHello cipher suites"));
    }
    let mut list = Reader::new(body.take(suites_len)?, "ClientHello cipher suites");
    let mut suites = Vec::with_capacity(suites_len / 2);
    while list.rest() > 0 {
        suites.push(list.u16()?);
    }
    let compression_len = usize::from(body.u8()?);
    body.take(compression_len)?;
    let mut info = ClientHelloInfo {
        record_version,
        legacy_version,
        secure_renegotiation: suites.contains(&EMPTY_RENEGOTIATION_INFO_SCSV),
        suites,
        supported_versions: None,
        server_name: None,
    };
    if body.rest() == 0 {
        return Ok(info); // SSLv3-style hello: no extensions
    }
    let exts_len = usize::from(body.u16()?);
    let mut exts = Reader::new(body.take(exts_len)?, "ClientHello extensions");
    while exts.rest() > 0 {
        let typ = exts.u16()?;
        let len = usize::from(exts.u16()?);
        let data = exts.take(len)?;
        match typ {
            EXT_SUPPORTED_VERSIONS => {
                let mut v = Reader::new(data, "supported_versions");
                let n = usize::from(v.u8()?);
                let mut list = Reader::new(v.take(n)?, "supported_versions");
                let mut versions = Vec::new();
                while list.rest() > 0 {
                    versions.push(list.u16()?);
                }
                info.supported_versions = Some(versions);
            }
            EXT_SERVER_NAME => {
                let mut s = Reader::new(data, "server_name");
                let n = usize::from(s.u16()?);
                let mut list = Reader::new(s.take(n)?, "server_name");
                if list.u8()? == 0 {
                    let n = usize::from(list.u16()?);
                    let name = list.take(n)?;
                    info.server_name = std::str::from_utf8(name).ok().map(str::to_owned);
                }
            }
            EXT_RENEGOTIATION_INFO => info.secure_renegotiation = true,
            _ => {}
        }
    }
    Ok(info)
}

/// A server's first flight for a full handshake without key exchange message (static-RSA
/// suites): ServerHello choosing `version` and `suite` with an empty session id, Certificate
/// with `chain` (leaf first), ServerHelloDone; split into records of at most 2^14 bytes.
pub fn rsa_server_flight(
    version: u16,
    random: [u8; 32],
    suite: u16,
    secure_renegotiation: bool,
    chain: &[Vec<u8>],
) -> Vec<u8> {
    let mut hello = Vec::with_capacity(80);
    hello.extend_from_slice(&version.to_be_bytes());
    hello.extend_from_slice(&random);
    hello.push(0); // session id: none (no resumption)
    hello.extend_from_slice(&suite.to_be_bytes());
    hello.push(0); // compression: null
    if secure_renegotiation {
        let mut exts = Vec::new();
        push_ext(&mut exts, EXT_RENEGOTIATION_INFO, &[0]);
        push_u16(&mut hello, exts.len());
        hello.extend_from_slice(&exts);
    }
    let mut list = Vec::new();
    for cert in chain {
        push_u24(&mut list, cert.len());
        list.extend_from_slice(cert);
    }
    let mut certificate = Vec::with_capacity(list.len() + 3);
    push_u24(&mut certificate, list.len());
    certificate.extend_from_slice(&list);

    let mut messages = Vec::new();
    for (typ, body) in [
        (HT_SERVER_HELLO, hello.as_slice()),
        (HT_CERTIFICATE, certificate.as_slice()),
        (HT_SERVER_HELLO_DONE, &[][..]),
    ] {
        messages.push(typ);
        push_u24(&mut messages, body.len());
        messages.extend_from_slice(body);
    }
    let mut out = Vec::with_capacity(messages.len() + RECORD_HEADER * 4);
    for fragment in messages.chunks(MAX_FRAGMENT) {
        out.push(CT_HANDSHAKE);
        out.extend_from_slice(&version.to_be_bytes());
        push_u16(&mut out, fragment.len());
        out.extend_from_slice(fragment);
    }
    out
}

/// A fatal alert record.
pub fn fatal_alert(version: u16, description: u8) -> Vec<u8> {
    let mut out = vec![CT_ALERT];
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(&[0, 2, 2, description]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::tls::{self, ClientHello, ServerAnswer, SSL3, TLS1_0, TLS1_2, TLS1_3};
    use proptest::prelude::*;

    #[test]
    fn our_own_client_hellos_read_back() {
        for version in [SSL3, TLS1_0, TLS1_2, TLS1_3] {
            let suites = [0x002F, 0x000A, 0xC02B];
            let record = ClientHello::new(version, &suites, Some("pacs.example"))
                .to_record()
                .unwrap();
            let info = parse_client_hello(&record).unwrap();
            assert_eq!(info.legacy_version, version.min(TLS1_2));
            assert_eq!(&info.suites[..3], &suites);
            if version == SSL3 {
                assert_eq!(info.server_name, None);
                assert!(info.secure_renegotiation, "SSLv3 hellos carry the SCSV");
            } else {
                assert_eq!(info.server_name.as_deref(), Some("pacs.example"));
            }
            assert_eq!(
                info.supported_versions,
                (version == TLS1_3).then(|| vec![TLS1_3])
            );
        }
    }

    #[test]
    fn the_flight_parses_as_a_server_answer_with_its_chain() {
        // A chain longer than one record, so the flight spans records.
        let chain = vec![vec![0x30; 20_000], vec![0x31; 300]];
        let flight = rsa_server_flight(TLS1_0, [7; 32], 0x000A, true, &chain);
        match tls::parse_server_answer(&flight).unwrap() {
            ServerAnswer::Hello(f) => {
                assert_eq!(f.hello.version, TLS1_0);
                assert_eq!(f.hello.cipher_suite, 0x000A);
                assert!(f.hello.secure_renegotiation());
                assert_eq!(f.certificates.as_deref(), Some(chain.as_slice()));
                assert!(f.hello_done);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(tls::flight_complete(&flight), Some(flight.len()));
    }

    #[test]
    fn alerts_parse_as_alerts() {
        match tls::parse_server_answer(&fatal_alert(TLS1_0, ALERT_PROTOCOL_VERSION)).unwrap() {
            ServerAnswer::Alert(a) => assert_eq!(a.description, ALERT_PROTOCOL_VERSION),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ssl2_hellos_and_garbage_are_refused() {
        let ssl2 = tls::ssl2_client_hello(&[0x010080], [1; 16]).unwrap();
        assert!(matches!(
            parse_client_hello(&ssl2),
            Err(TlsError::NotTls(_))
        ));
        assert!(parse_client_hello(b"GET / HTTP/1.1\r\n\r\n").is_err());
        assert!(parse_client_hello(&[]).is_err());
    }

    proptest! {
        #[test]
        fn any_bytes_are_refused_or_read_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = parse_client_hello(&bytes);
        }

        #[test]
        fn any_truncation_of_a_real_hello_is_an_error(cut in 0usize..200) {
            let record = tls::client_hello(TLS1_0, &[0x002F, 0x0035], Some("a.example")).unwrap();
            let cut = cut.min(record.len() - 1);
            prop_assert!(parse_client_hello(&record[..cut]).is_err());
        }
    }
}
