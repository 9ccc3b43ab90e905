//! The demo's TLS endpoints and certificates: a certificate authority made at start (rcgen) whose
//! PEM the demo inventory trusts, rustls servers for the good and the expired endpoint, and a
//! scripted TLS 1.0 endpoint that answers hellos with ServerHello bytes built by `msgs::tls_server`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeDelta};
use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair,
    KeyUsagePurpose, SubjectPublicKeyInfo, PKCS_ECDSA_P256_SHA256,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;

use crate::msgs::tls::{self, TLS1_0};
use crate::msgs::tls_server::{self, ClientHelloInfo};
use crate::probe::net::read_message;

/// The suites the scripted TLS 1.0 endpoint accepts, in its order of preference: what an
/// appliance of the OpenSSL 0.9.8/1.0 era offered, static RSA only (so that the flight it sends,
/// ServerHello, Certificate, ServerHelloDone, is a whole and correct one).
pub const TLS10_SUITES: &[u16] = &[
    0x002F, // TLS_RSA_WITH_AES_128_CBC_SHA
    0x0035, // TLS_RSA_WITH_AES_256_CBC_SHA
    0x000A, // TLS_RSA_WITH_3DES_EDE_CBC_SHA
    0x0005, // TLS_RSA_WITH_RC4_128_SHA
];

/// The public half of an RSA-2048 key made with `openssl genpkey` for this demo; its private
/// half was thrown away. The scripted endpoint never completes a handshake, so it never needs it.
const TLS10_PUBLIC_KEY: &str = include_str!("tls10-rsa2048.pub.pem");

/// The demo's certificate authority, valid around the demo's clock.
pub struct Pki {
    ca: CertifiedIssuer<'static, KeyPair>,
    today: NaiveDate,
}

impl Pki {
    /// A new CA, valid from a year before `now` to four years after.
    pub fn new(now: DateTime<FixedOffset>) -> Result<Pki, String> {
        let today = now.date_naive();
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
        params
            .distinguished_name
            .push(DnType::CommonName, "vendor-audit demo CA");
        params.distinguished_name.push(
            DnType::OrganizationName,
            "vendor-audit demo (made at start)",
        );
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        set_validity(&mut params, today, -365, 4 * 365)?;
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(err)?;
        let ca = CertifiedIssuer::self_signed(params, key).map_err(err)?;
        Ok(Pki { ca, today })
    }

    /// The CA certificate, for the inventory's `trust` list.
    pub fn ca_pem(&self) -> String {
        self.ca.pem()
    }

    /// A TLS 1.2/1.3 rustls server for `name` with an ECDSA P-256 leaf from this CA, valid from
    /// `from` to `to` days relative to the demo's clock (negative: in the past).
    pub fn rustls_server(
        &self,
        name: &str,
        from: i64,
        to: i64,
        alpn: &[&[u8]],
    ) -> Result<Arc<rustls::ServerConfig>, String> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(err)?;
        let leaf = self.leaf_params(name, from, to)?.signed_by(&key, &self.ca);
        let leaf = leaf.map_err(err)?;
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .and_then(|b| {
                b.with_no_client_auth()
                    .with_single_cert(vec![leaf.der().clone()], key)
            })
            .map_err(err)?;
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Ok(Arc::new(config))
    }

    /// The chain the scripted TLS 1.0 endpoint sends: a leaf for `name` from this CA around the
    /// fixed RSA-2048 public key.
    pub fn scripted_chain(&self, name: &str, from: i64, to: i64) -> Result<Vec<Vec<u8>>, String> {
        let public = SubjectPublicKeyInfo::from_pem(TLS10_PUBLIC_KEY).map_err(err)?;
        let leaf = self
            .leaf_params(name, from, to)?
            .signed_by(&public, &self.ca)
            .map_err(err)?;
        Ok(vec![leaf.der().to_vec()])
    }

    fn leaf_params(&self, name: &str, from: i64, to: i64) -> Result<CertificateParams, String> {
        let mut params = CertificateParams::new(vec![name.to_owned()]).map_err(err)?;
        params.distinguished_name.push(DnType::CommonName, name);
        set_validity(&mut params, self.today, from, to)?;
        Ok(params)
    }
}

fn err(e: impl std::fmt::Display) -> String {
    format!("cannot make the demo certificates: {e}")
}

/// Sets not_before and not_after to midnight UTC, `from` and `to` days from `today`.
fn set_validity(
    params: &mut CertificateParams,
    today: NaiveDate,
    from: i64,
    to: i64,
) -> Result<(), String> {
    let day = |offset: i64| -> Result<_, String> {
        let d = today
            .checked_add_signed(TimeDelta::days(offset))
            .ok_or_else(|| err("date out of range"))?;
        let month = u8::try_from(d.month()).map_err(err)?;
        let mday = u8::try_from(d.day()).map_err(err)?;
        Ok(date_time_ymd(d.year(), month, mday))
    };
    params.not_before = day(from)?;
    params.not_after = day(to)?;
    Ok(())
}

/// Completes TLS handshakes (or lets the client give up on them) on `listener` until dropped.
pub async fn serve_rustls(listener: TcpListener, config: Arc<rustls::ServerConfig>) {
    super::serve_each(listener, move |stream| {
        let acceptor = TlsAcceptor::from(config.clone());
        async move {
            if let Ok(mut tls) = acceptor.accept(stream).await {
                let _ = tls.shutdown().await;
            }
        }
    })
    .await;
}

/// Serves the scripted TLS 1.0 endpoint on `listener` until dropped.
pub async fn serve_scripted_tls10(listener: TcpListener, chain: Arc<Vec<Vec<u8>>>) {
    super::serve_each(listener, move |stream| {
        scripted_session(stream, chain.clone())
    })
    .await;
}

/// One hello, one answer, then the connection ends: the client never gets further than the
/// first flight (that is all a TLS scanner, ours included, needs).
async fn scripted_session(mut stream: TcpStream, chain: Arc<Vec<Vec<u8>>>) -> std::io::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let max = tls::MAX_RECORD_PAYLOAD + 5;
    let Ok(record) = read_message(&mut stream, max, deadline, tls::record_complete).await else {
        return Ok(());
    };
    // An SSLv2 hello or bytes that are not TLS: hang up, as a server without SSLv2 does.
    let Ok(hello) = tls_server::parse_client_hello(&record) else {
        return Ok(());
    };
    stream.write_all(&scripted_answer(&hello, &chain)).await?;
    stream.shutdown().await?;
    // Read what the client still sends until it closes, so that closing never resets the
    // connection before the client has read the answer.
    let mut sink = [0u8; 1024];
    while let Ok(Ok(n)) = tokio::time::timeout_at(deadline, stream.read(&mut sink)).await {
        if n == 0 {
            break;
        }
    }
    Ok(())
}

/// What a TLS 1.0-only server answers: SSLv3 is refused (protocol_version); any later version is
/// negotiated down to TLS 1.0 (extensions it does not know, supported_versions included, are
/// ignored); the first suite of its own list the client offers, else handshake_failure.
pub fn scripted_answer(hello: &ClientHelloInfo, chain: &[Vec<u8>]) -> Vec<u8> {
    if hello.legacy_version < TLS1_0 {
        return tls_server::fatal_alert(TLS1_0, tls_server::ALERT_PROTOCOL_VERSION);
    }
    match TLS10_SUITES.iter().find(|s| hello.suites.contains(s)) {
        None => tls_server::fatal_alert(TLS1_0, tls_server::ALERT_HANDSHAKE_FAILURE),
        Some(&suite) => tls_server::rsa_server_flight(
            TLS1_0,
            rand::random(),
            suite,
            hello.secure_renegotiation,
            chain,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::tls::{ServerAnswer, SSL3, TLS1_2, TLS1_3};

    fn now() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-04-30T00:05:00+09:00").unwrap()
    }

    /// The DER of a PEM certificate.
    fn first_der(pem: &str) -> Option<rustls::pki_types::CertificateDer<'static>> {
        use rustls::pki_types::{pem::PemObject, CertificateDer};
        CertificateDer::from_pem_slice(pem.as_bytes()).ok()
    }

    fn answer(version: u16, suites: &[u16]) -> ServerAnswer {
        let record = tls::client_hello(version, suites, Some("pacs.example")).unwrap();
        let hello = tls_server::parse_client_hello(&record).unwrap();
        tls::parse_server_answer(&scripted_answer(&hello, &[vec![0x30, 0]])).unwrap()
    }

    #[test]
    fn the_scripted_endpoint_speaks_tls_1_0_only_in_its_own_order() {
        match answer(TLS1_0, &[0x0005, 0x000A, 0x002F]) {
            ServerAnswer::Hello(f) => {
                assert_eq!(f.hello.version, TLS1_0);
                assert_eq!(f.hello.cipher_suite, 0x002F, "its own preference wins");
            }
            other => panic!("{other:?}"),
        }
        for later in [TLS1_2, TLS1_3] {
            match answer(later, &[0x002F, 0x1301]) {
                ServerAnswer::Hello(f) => assert_eq!(f.hello.version, TLS1_0, "negotiated down"),
                other => panic!("{other:?}"),
            }
        }
        assert!(matches!(answer(SSL3, &[0x002F]), ServerAnswer::Alert(a) if a.description == 70));
        assert!(matches!(answer(TLS1_0, &[0xC02B]), ServerAnswer::Alert(a) if a.description == 40));
    }

    #[test]
    fn certificates_follow_the_demo_clock_and_chain_to_the_ca() {
        let pki = Pki::new(now()).unwrap();
        let ca = first_der(&pki.ca_pem()).unwrap();
        let chain = pki.scripted_chain("pacs.example", -30, 60).unwrap();
        let (_, leaf) = x509_parser::parse_x509_certificate(&chain[0]).unwrap();
        let (_, ca) = x509_parser::parse_x509_certificate(&ca).unwrap();
        assert_eq!(leaf.issuer(), ca.subject());
        assert!(leaf.verify_signature(Some(ca.public_key())).is_ok());
        let days =
            |t: x509_parser::time::ASN1Time| (t.timestamp() - now().timestamp()).div_euclid(86_400);
        assert_eq!(days(leaf.validity().not_before), -30);
        assert_eq!(days(leaf.validity().not_after), 60);
        assert_eq!(leaf.public_key().parsed().unwrap().key_size(), 2048);
        assert!(pki.rustls_server("portal.example", -100, -10, &[]).is_ok());
    }
}
