//! Fetching a server's certificate chain. Up to TLS 1.2 the enumeration's own handshakes carry
//! it in plaintext (`ServerChain` is kept from them); TLS 1.3 encrypts it, so for servers that
//! speak only TLS 1.3 one rustls handshake fetches it with a verifier that records and accepts.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{timeout_at, Instant};

use super::{Endpoint, ProbeContext};
use crate::msgs::tls;

/// The most bytes a rustls fetch may read from the server (a whole handshake with a long
/// chain is far under this).
pub const MAX_FETCH: usize = tls::MAX_FLIGHT;

/// A certificate chain a server presented, and the handshake that carried it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerChain {
    /// The negotiated version, when the handshake got that far.
    pub version: Option<u16>,
    /// The negotiated suite (IANA code), when known.
    pub suite: Option<u16>,
    /// Fetched with rustls (TLS 1.3) rather than read from our own hand-built handshakes.
    pub via_rustls: bool,
    /// DER certificates, leaf first, as sent: at most `MAX_CHAIN` of them.
    pub certificates: Vec<Vec<u8>>,
    /// How many certificates the server sent (more than `certificates` holds when capped).
    pub sent: usize,
}

/// The most certificates of a chain kept and analysed: real chains have 2 to 4, and path
/// building over a server's thousand certificates would be work the server chose for us.
pub const MAX_CHAIN: usize = 16;

impl ServerChain {
    /// A chain of `certificates` as sent, capped at `MAX_CHAIN`.
    pub fn capped(
        version: Option<u16>,
        suite: Option<u16>,
        via_rustls: bool,
        mut certificates: Vec<Vec<u8>>,
    ) -> Self {
        let sent = certificates.len();
        certificates.truncate(MAX_CHAIN);
        ServerChain {
            version,
            suite,
            via_rustls,
            certificates,
            sent,
        }
    }

    /// Whether the server sent more certificates than were kept.
    pub fn was_capped(&self) -> bool {
        self.sent > self.certificates.len()
    }

    /// How it was fetched, for `tls.cert.source`: "TLSv1.2 handshake", "TLSv1.3 via rustls".
    pub fn source(&self) -> String {
        let version = self
            .version
            .map(tls::version_name)
            .unwrap_or_else(|| "unfinished".to_owned());
        if self.via_rustls {
            format!("{version} via rustls")
        } else {
            format!("{version} handshake")
        }
    }
}

/// The first chain seen in each version's handshakes (shared by the concurrent per-version
/// loops of the enumeration; the lock is never held across an await).
#[derive(Debug, Default)]
pub struct ChainLog(Mutex<std::collections::BTreeMap<u16, ServerChain>>);

impl ChainLog {
    /// Keeps `certificates` for `version` unless that version already has a chain.
    pub fn keep(&self, version: u16, suite: u16, certificates: Vec<Vec<u8>>) {
        if certificates.is_empty() {
            return;
        }
        let mut map = match self.0.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        map.entry(version).or_insert_with(|| {
            ServerChain::capped(Some(version), Some(suite), false, certificates)
        });
    }

    /// The chain of the highest version that had one.
    pub fn best(self) -> Option<ServerChain> {
        let map = match self.0.into_inner() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        map.into_values().next_back()
    }
}

/// One rustls handshake (TLS 1.3 preferred, 1.2 allowed) to `ep`, with SNI = the inventory
/// name unless it is an IP address, through `ctx` (its connection caps and connect timeout),
/// ending by `deadline`. Returns the chain the server presented, or why there is none.
pub async fn fetch_with_rustls(
    ctx: &ProbeContext,
    ep: &Endpoint,
    deadline: Instant,
) -> Result<ServerChain, String> {
    let mut conn = match timeout_at(deadline, ctx.connect(ep.addr)).await {
        Err(_) => return Err("no connection before the time budget ran out".into()),
        Ok(Err(e)) => return Err(e.to_string()),
        Ok(Ok(c)) => c,
    };
    let recorder = Arc::new(RecordingVerifier::default());
    let limit = ctx.limits.max_message.max(MAX_FETCH);
    let outcome = handshake(
        &ep.name,
        &mut conn.stream,
        limit,
        recorder.clone(),
        deadline,
    )
    .await?;
    let seen = recorder.take();
    match (outcome, seen) {
        (Ok(Ok(stream)), Some(certificates)) => {
            let (_, session) = stream.get_ref();
            Ok(ServerChain::capped(
                session.protocol_version().map(u16::from),
                session
                    .negotiated_cipher_suite()
                    .map(|s| u16::from(s.suite())),
                true,
                certificates,
            ))
        }
        (Ok(Ok(_)), None) => Err("the TLS handshake completed without a certificate".into()),
        // The chain arrived before the handshake failed: it is still what the server presents.
        (_, Some(certificates)) => Ok(ServerChain::capped(None, None, true, certificates)),
        (Err(_), None) => Err("no certificate before the time budget ran out".into()),
        (Ok(Err(e)), None) => Err(format!("TLS handshake failed: {}", handshake_error(&e))),
    }
}

/// The TLS stream of a rustls client handshake (TLS 1.3 or 1.2, SNI = `name` unless it is an
/// IP address) over `stream`, reading at most `limit` bytes from the server over the stream's
/// life; the chain the server presents goes to `recorder`. The outer `Err` is for a
/// configuration or name that cannot be used; a timeout is the middle `Err`.
pub(crate) async fn handshake<'s>(
    name: &str,
    stream: &'s mut tokio::net::TcpStream,
    limit: usize,
    recorder: Arc<RecordingVerifier>,
    deadline: Instant,
) -> Result<Handshake<'s>, String> {
    let name = server_name(name)?;
    let config =
        recording_client_config(recorder).map_err(|e| format!("rustls configuration: {e}"))?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let capped = Capped {
        inner: stream,
        left: limit,
    };
    Ok(timeout_at(deadline, connector.connect(name, capped)).await)
}

/// How a rustls handshake ended: in time or not, completed or failed.
pub(crate) type Handshake<'s> = Result<
    io::Result<tokio_rustls::client::TlsStream<Capped<&'s mut tokio::net::TcpStream>>>,
    tokio::time::error::Elapsed,
>;

/// The inventory name as rustls wants it: a DNS name (sent as SNI) or an IP address (no SNI).
fn server_name(name: &str) -> Result<ServerName<'static>, String> {
    let bare = name.strip_suffix('.').unwrap_or(name);
    let bare = bare
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(bare);
    if let Ok(ip) = bare.parse::<std::net::IpAddr>() {
        return Ok(ServerName::IpAddress(ip.into()));
    }
    ServerName::try_from(bare.to_owned())
        .map_err(|_| format!("`{name}` is neither a DNS name nor an IP address"))
}

/// A handshake error in words (rustls errors display well; I/O errors carry our cap's text).
pub(crate) fn handshake_error(e: &io::Error) -> String {
    match e.get_ref() {
        Some(inner) => inner.to_string(),
        None => e.to_string(),
    }
}

/// The one rustls client configuration of our probes (certificate fetch, RDP's TLS upgrade):
/// TLS 1.2 and 1.3, no client authentication, and `recorder` as the certificate verifier.
pub fn recording_client_config(
    recorder: Arc<RecordingVerifier>,
) -> Result<rustls::ClientConfig, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .dangerous()
        .with_custom_certificate_verifier(recorder)
        .with_no_client_auth())
}

/// Records the presented chain and accepts it (and every handshake signature, SHA-1 and
/// RSA-1024 included): probes never send anything that depends on the server's identity, and
/// the certificate module judges the chain afterwards.
#[derive(Debug, Default)]
pub struct RecordingVerifier {
    seen: Mutex<Option<Vec<Vec<u8>>>>,
}

impl RecordingVerifier {
    /// The chain the server presented (leaf first), once.
    pub fn take(&self) -> Option<Vec<Vec<u8>>> {
        match self.seen.lock() {
            Ok(mut s) => s.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        }
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let chain: Vec<Vec<u8>> = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| c.as_ref().to_vec())
            .collect();
        match self.seen.lock() {
            Ok(mut s) => *s = Some(chain),
            Err(poisoned) => *poisoned.into_inner() = Some(chain),
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    /// Every scheme, legacy ones included, so that no server refuses us for lack of one.
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        vec![
            SignatureScheme::ECDSA_NISTP256_SHA256,
            SignatureScheme::ECDSA_NISTP384_SHA384,
            SignatureScheme::ECDSA_NISTP521_SHA512,
            SignatureScheme::ED25519,
            SignatureScheme::ED448,
            SignatureScheme::RSA_PSS_SHA256,
            SignatureScheme::RSA_PSS_SHA384,
            SignatureScheme::RSA_PSS_SHA512,
            SignatureScheme::RSA_PKCS1_SHA256,
            SignatureScheme::RSA_PKCS1_SHA384,
            SignatureScheme::RSA_PKCS1_SHA512,
            SignatureScheme::RSA_PKCS1_SHA1,
            SignatureScheme::ECDSA_SHA1_Legacy,
        ]
    }
}

/// A stream that fails once the server has sent `left` bytes: the size limit of a fetch.
pub(crate) struct Capped<S> {
    inner: S,
    left: usize,
}

impl<S: AsyncRead + Unpin> AsyncRead for Capped<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.left == 0 {
            return Poll::Ready(Err(io::Error::other(format!(
                "the server sent more than {MAX_FETCH} bytes during the handshake"
            ))));
        }
        let mut tmp = [0u8; 4096];
        let want = this.left.min(buf.remaining()).min(tmp.len());
        let Some(window) = tmp.get_mut(..want) else {
            return Poll::Ready(Ok(()));
        };
        let mut part = ReadBuf::new(window);
        match Pin::new(&mut this.inner).poll_read(cx, &mut part) {
            Poll::Ready(Ok(())) => {
                let got = part.filled();
                this.left = this.left.saturating_sub(got.len());
                buf.put_slice(got);
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Capped<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, data)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpListener;

    #[test]
    fn the_highest_version_chain_wins_and_the_first_per_version_is_kept() {
        let log = ChainLog::default();
        log.keep(0x0301, 0x002F, vec![vec![1]]);
        log.keep(0x0303, 0xC02F, vec![vec![3]]);
        log.keep(0x0303, 0xC030, vec![vec![4]]);
        log.keep(0x0302, 0x002F, vec![]);
        let best = log.best().unwrap();
        assert_eq!(best.certificates, vec![vec![3]]);
        assert_eq!(best.suite, Some(0xC02F));
        assert_eq!(best.source(), "TLSv1.2 handshake");
        assert!(ChainLog::default().best().is_none());
    }

    #[test]
    fn names_for_rustls() {
        assert!(matches!(
            server_name("a.example."),
            Ok(ServerName::DnsName(_))
        ));
        assert!(matches!(server_name("[::1]"), Ok(ServerName::IpAddress(_))));
        assert!(matches!(
            server_name("127.0.0.1"),
            Ok(ServerName::IpAddress(_))
        ));
        assert!(server_name("not a name").is_err());
    }

    #[tokio::test]
    async fn a_silent_server_costs_one_timeout() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (_sock, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        let ctx = ProbeContext::new(Default::default(), 4, 2);
        let ep = Endpoint {
            name: "silent.example.test".into(),
            addr,
        };
        let start = Instant::now();
        let err = fetch_with_rustls(&ctx, &ep, start + Duration::from_millis(300))
            .await
            .unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(2));
        assert!(err.contains("time budget"), "{err}");
    }

    #[tokio::test]
    async fn reads_stop_at_the_cap() {
        use tokio::io::AsyncReadExt;
        let mut capped = Capped {
            inner: tokio::io::repeat(0x16),
            left: 10_000,
        };
        let mut got = Vec::new();
        let err = capped.read_to_end(&mut got).await.unwrap_err();
        assert_eq!(got.len(), 10_000);
        assert!(err.to_string().contains("more than"), "{err}");
    }

    #[tokio::test]
    async fn an_endless_server_is_a_failed_handshake() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.unwrap();
            // Handshake records of maximal size, forever (a ServerHello that never ends).
            let mut record = vec![22, 3, 3, 0x40, 0x00, 2, 0xFF, 0xFF, 0xFF];
            record.resize(5 + 0x4000, 0);
            for _ in 0..64 {
                if sock.write_all(&record).await.is_err() {
                    return;
                }
            }
        });
        let ctx = ProbeContext::new(Default::default(), 4, 2);
        let ep = Endpoint {
            name: "endless.example.test".into(),
            addr,
        };
        let err = fetch_with_rustls(&ctx, &ep, Instant::now() + Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(err.starts_with("TLS handshake failed"), "{err}");
    }
}
