//! Demo RDP responder for `vendor-audit demo`: answers X.224 negotiation like a Windows server
//! without NLA enforcement and, after TLS, answers a CredSSP NTLM NEGOTIATE with a CHALLENGE that
//! discloses internal names, so the RDP checks have something real to find on loopback.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{timeout_at, Instant};
use tokio_rustls::TlsAcceptor;

use crate::msgs::credssp::{self, TsRequest};
use crate::msgs::ntlm::{self, ChallengeSpec, Version};
use crate::msgs::x224::{self, Confirm};
use crate::probe::net::{read_message, read_some};

/// The names the demo server discloses in its NTLM challenge.
pub const NB_COMPUTER: &str = "XRAY-READ01";
pub const NB_DOMAIN: &str = "KENKO";
pub const DNS_COMPUTER: &str = "xray-read01.kenko.local";
pub const DNS_DOMAIN: &str = "kenko.local";
/// Windows Server 2019 (1809).
pub const OS_VERSION: Version = Version {
    major: 10,
    minor: 0,
    build: 17763,
    revision: 15,
};

/// Whole life of one client connection.
const CONNECTION_BUDGET: Duration = Duration::from_secs(10);
/// Largest client message read (a Connection Request is ~50 bytes, a TSRequest ~100).
const MAX_CLIENT_MESSAGE: usize = 16 * 1024;
/// What the RDP_NEG_RSP flags of a Windows Server 2019 say (extended client data, GFX, ...).
const NEG_RSP_FLAGS: u8 = 0x0F;

/// Serves RDP negotiation on `listener` until the task is dropped. Never panics on client bytes.
pub async fn serve(listener: TcpListener, tls: Arc<rustls::ServerConfig>) {
    let acceptor = TlsAcceptor::from(tls);
    super::serve_each(listener, move |sock| {
        let acceptor = acceptor.clone();
        async move {
            let deadline = Instant::now() + CONNECTION_BUDGET;
            let _ = handle(sock, acceptor, deadline).await;
        }
    })
    .await;
}

/// One connection; an `Err` only ends it (the reason is not reported anywhere).
async fn handle(
    mut sock: TcpStream,
    acceptor: TlsAcceptor,
    deadline: Instant,
) -> Result<(), String> {
    let _ = sock.set_nodelay(true);
    let raw = read_message(&mut sock, MAX_CLIENT_MESSAGE, deadline, x224::tpkt_complete)
        .await
        .map_err(|e| e.to_string())?;
    let request = x224::parse_connection_request(&raw).map_err(|e| e.to_string())?;
    let (confirm, then) = answer(request.requested);
    send(&mut sock, &x224::connection_confirm(confirm), deadline).await?;
    match then {
        Then::Drain => drain(&mut sock, deadline).await,
        Then::Tls => {
            let mut tls = tls_accept(&acceptor, sock, deadline).await?;
            drain(&mut tls, deadline).await;
        }
        Then::CredSsp => {
            let mut tls = tls_accept(&acceptor, sock, deadline).await?;
            credssp(&mut tls, deadline).await?;
            drain(&mut tls, deadline).await;
        }
    }
    Ok(())
}

enum Then {
    Drain,
    Tls,
    CredSsp,
}

/// What a Windows server that allows, but does not require, NLA answers.
fn answer(requested: Option<u32>) -> (Confirm, Then) {
    let Some(requested) = requested else {
        return (Confirm::NoNegotiation, Then::Drain);
    };
    let select = |protocol| Confirm::Selected {
        protocol,
        flags: NEG_RSP_FLAGS,
    };
    if requested & x224::PROTOCOL_HYBRID != 0 {
        (select(x224::PROTOCOL_HYBRID), Then::CredSsp)
    } else if requested & x224::PROTOCOL_HYBRID_EX != 0 {
        (select(x224::PROTOCOL_HYBRID_EX), Then::CredSsp)
    } else if requested & x224::PROTOCOL_SSL != 0 {
        (select(x224::PROTOCOL_SSL), Then::Tls)
    } else {
        (select(x224::PROTOCOL_RDP), Then::Drain)
    }
}

async fn send<S: AsyncWrite + Unpin>(
    stream: &mut S,
    bytes: &[u8],
    deadline: Instant,
) -> Result<(), String> {
    match timeout_at(deadline, async {
        stream.write_all(bytes).await?;
        stream.flush().await
    })
    .await
    {
        Err(_) => Err("send timed out".into()),
        Ok(Err(e)) => Err(e.to_string()),
        Ok(Ok(())) => Ok(()),
    }
}

async fn tls_accept(
    acceptor: &TlsAcceptor,
    sock: TcpStream,
    deadline: Instant,
) -> Result<tokio_rustls::server::TlsStream<TcpStream>, String> {
    match timeout_at(deadline, acceptor.accept(sock)).await {
        Err(_) => Err("TLS handshake timed out".into()),
        Ok(Err(e)) => Err(e.to_string()),
        Ok(Ok(s)) => Ok(s),
    }
}

/// Reads the client's TSRequest{NTLM NEGOTIATE} and answers TSRequest{CHALLENGE}.
async fn credssp<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    deadline: Instant,
) -> Result<(), String> {
    let raw = read_message(
        stream,
        credssp::MAX_TS_REQUEST,
        deadline,
        credssp::ts_request_complete,
    )
    .await
    .map_err(|e| e.to_string())?;
    let request = credssp::decode_ts_request(&raw).map_err(|e| e.to_string())?;
    let token = request.nego_token.ok_or("TSRequest without negoTokens")?;
    ntlm::parse_negotiate(&token).map_err(|e| e.to_string())?;
    let version = request.version.clamp(2, credssp::CLIENT_VERSION);
    let reply = TsRequest::with_token(version, &ntlm::challenge_message(&challenge_spec()));
    send(stream, &reply.encode(), deadline).await
}

/// The demo server's CHALLENGE: Windows Server 2019 flags, a fresh server challenge and the time.
pub fn challenge_spec() -> ChallengeSpec {
    const FILETIME_UNIX_EPOCH_SECS: u64 = 11_644_473_600;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let timestamp = (now.as_secs().saturating_add(FILETIME_UNIX_EPOCH_SECS))
        .saturating_mul(10_000_000)
        .saturating_add(u64::from(now.subsec_nanos() / 100));
    ChallengeSpec {
        flags: ntlm::NEGOTIATE_UNICODE
            | ntlm::REQUEST_TARGET
            | ntlm::NEGOTIATE_SIGN
            | ntlm::NEGOTIATE_SEAL
            | ntlm::NEGOTIATE_NTLM
            | ntlm::NEGOTIATE_ALWAYS_SIGN
            | ntlm::TARGET_TYPE_DOMAIN
            | ntlm::NEGOTIATE_EXTENDED_SESSIONSECURITY
            | ntlm::NEGOTIATE_TARGET_INFO
            | ntlm::NEGOTIATE_VERSION
            | ntlm::NEGOTIATE_128
            | ntlm::NEGOTIATE_KEY_EXCH
            | ntlm::NEGOTIATE_56,
        server_challenge: rand::random(),
        target_name: NB_DOMAIN.into(),
        nb_computer: NB_COMPUTER.into(),
        nb_domain: NB_DOMAIN.into(),
        dns_computer: DNS_COMPUTER.into(),
        dns_domain: DNS_DOMAIN.into(),
        dns_tree: DNS_DOMAIN.into(),
        timestamp,
        version: OS_VERSION,
    }
}

/// Reads and discards what the client still sends (bounded in bytes and time), then returns.
async fn drain<S: AsyncRead + Unpin>(stream: &mut S, deadline: Instant) {
    let mut left = MAX_CLIENT_MESSAGE;
    while left > 0 {
        match read_some(stream, left.min(4096), deadline).await {
            Ok(bytes) => left = left.saturating_sub(bytes.len()),
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    use tokio::io::AsyncReadExt;

    use super::*;
    use crate::fact::FactValue;
    use crate::probe::{rdp, Answer, Endpoint, Limits, ProbeContext};

    fn server_config() -> Arc<rustls::ServerConfig> {
        let key = rcgen::generate_simple_self_signed(vec![DNS_COMPUTER.to_owned()]).unwrap();
        let cert = key.cert.der().clone();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.signing_key.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .unwrap();
        Arc::new(config)
    }

    async fn start() -> Endpoint {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve(listener, server_config()));
        Endpoint {
            name: "xray.example.lab".into(),
            addr,
        }
    }

    #[tokio::test]
    async fn probe_finds_what_the_demo_server_shows() {
        let ep = start().await;
        let ctx = ProbeContext::new(Limits::default(), 4, 1);
        let start = Instant::now();
        let Answer::Identified(f) = rdp::identify(&ctx, &ep, start + Duration::from_secs(8)).await
        else {
            panic!("demo server not identified as RDP")
        };
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "took {:?}",
            start.elapsed()
        );
        assert_eq!(f.get_str("service.protocol"), Some("rdp"));
        assert_eq!(f.get_str("rdp.selected_protocol"), Some("hybrid"));
        assert_eq!(f.get_bool("rdp.accepts_standard_security"), Some(true));
        assert_eq!(f.get_bool("rdp.accepts_tls"), Some(true));
        assert_eq!(f.get_bool("rdp.accepts_credssp"), Some(true));
        assert_eq!(f.get_bool("rdp.nla_enforced"), Some(false));
        assert_eq!(f.get_bool("rdp.ntlm_discloses"), Some(true), "{f:?}");
        let expected: BTreeMap<String, FactValue> = [
            ("netbios_computer", NB_COMPUTER),
            ("netbios_domain", NB_DOMAIN),
            ("dns_computer", DNS_COMPUTER),
            ("dns_domain", DNS_DOMAIN),
            ("dns_tree", DNS_DOMAIN),
            ("target_name", NB_DOMAIN),
            ("os_version", "10.0.17763"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), FactValue::from(v)))
        .collect();
        assert_eq!(f.get("rdp.ntlm_info"), Some(&FactValue::Map(expected)));
    }

    #[tokio::test]
    async fn survives_garbage_and_keeps_serving() {
        let ep = start().await;
        for garbage in [
            b"GET / HTTP/1.1\r\n\r\n".to_vec(),
            vec![3, 0, 0xff, 0xff, 0xe0],
            vec![3, 0, 0, 7, 2, 0xe0, 0],
            vec![0u8; 5000],
        ] {
            let mut s = TcpStream::connect(ep.addr).await.unwrap();
            let _ = s.write_all(&garbage).await;
            let _ = s.shutdown().await;
            let mut buf = Vec::new();
            let _ = tokio::time::timeout(Duration::from_secs(3), s.read_to_end(&mut buf)).await;
        }
        // A TLS request followed by garbage instead of a ClientHello.
        let mut s = TcpStream::connect(ep.addr).await.unwrap();
        s.write_all(&x224::connection_request(x224::PROTOCOL_HYBRID, None))
            .await
            .unwrap();
        let mut cc = [0u8; 19];
        s.read_exact(&mut cc).await.unwrap();
        let _ = s.write_all(&[0x16, 3, 1, 0xff, 0xff, 1, 2, 3]).await;
        drop(s);
        // Still answers.
        let ctx = ProbeContext::new(Limits::default(), 4, 1);
        let answer = rdp::identify(&ctx, &ep, Instant::now() + Duration::from_secs(8)).await;
        assert!(matches!(answer, Answer::Identified(_)), "{answer:?}");
    }
}
