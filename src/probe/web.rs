//! The sweep's identifiers of services that wait for the client (SPEC §7.1, as nmap's GetRequest
//! and SSL probes): an HTTP `GET /`, a hand-built TLS ClientHello and, over TLS, the same GET
//! through rustls. For an answer that looks like Orthanc, one `GET /system` tells whether its web
//! API answers without credentials; nothing that can hold patient data is ever requested.

use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::time::{timeout_at, Instant};

use super::net::{read_message, read_until, NetError};
use super::tls_cert::{self, RecordingVerifier};
use super::{Answer, Endpoint, ProbeContext, Protocol};
use crate::fact::Facts;
use crate::msgs::http::{self as h, Response};
use crate::msgs::{tls, tls_suites};

/// The only path asked of an Orthanc server: its name, AE title and version, no patient data.
pub const ORTHANC_SYSTEM: &str = "/system";
/// Orthanc's default HTTP port (SPEC §7.1 sweeps it): asked `GET /system` even when `GET /`
/// shows no trace of Orthanc.
pub const ORTHANC_PORT: u16 = 8042;

/// Over which transport a GET goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    Plain,
    Tls,
}

/// What one GET got back.
enum Got {
    /// An HTTP response, the TLS version it came over, and why its body may be cut short (the
    /// read stopped before the framing's end: deadline, size cap, early close).
    Response(Response, Option<String>, Option<String>),
    /// Something that is no HTTP response (its first bytes at most 64), or nothing usable.
    Other(Answer),
}

/// HTTP: `GET /` on a new connection. Identified when the answer is an HTTP/1.x response.
/// Facts: `service.protocol` "http", `http.status` (int), `http.server` and
/// `http.www_authenticate` (str, empty when absent), and the `dicomweb.*` facts (`archive_facts`).
///
/// A 400 answer is what TLS servers (nginx, Apache) say to plain HTTP: then the TLS identifier
/// runs too, within the same deadline, and its answer wins when it finds TLS.
pub async fn identify_http(ctx: &ProbeContext, ep: &Endpoint, deadline: Instant) -> Answer {
    let r = match get(ctx, ep, Transport::Plain, "/", deadline).await {
        Got::Response(r, _, _) => r,
        Got::Other(a) => return a,
    };
    if r.head.status == 400 {
        if let tls @ Answer::Identified(_) = identify_tls(ctx, ep, deadline).await {
            return tls;
        }
    }
    let mut f = response_facts(Protocol::Http, &r);
    f.merge(archive_facts(ctx, ep, Transport::Plain, &r, deadline).await);
    Answer::Identified(f)
}

/// TLS: one hand-built ClientHello (TLS 1.2 style, every suite below TLS 1.3). Any TLS answer,
/// a ServerHello or an alert, identifies TLS; then, within `deadline`, a rustls handshake and
/// `GET /` inside it tell whether it carries HTTP. Facts: `service.protocol` "https" (with the
/// HTTP facts of `identify_http`) or "tls", and `service.tls_version` (str: the version rustls
/// negotiated, else the one our hello got), unavailable when no handshake got that far.
pub async fn identify_tls(ctx: &ProbeContext, ep: &Endpoint, deadline: Instant) -> Answer {
    let hello = match tls::client_hello(
        tls::TLS1_2,
        &tls_suites::legacy_codes(),
        tls::sni_host(&ep.name),
    ) {
        Ok(h) => h,
        Err(e) => return Answer::Failed(format!("building a ClientHello: {e}")),
    };
    let mut conn = match timeout_at(deadline, ctx.connect(ep.addr)).await {
        Err(_) => return Answer::Silent,
        Ok(Err(e)) => return Answer::Failed(e.to_string()),
        Ok(Ok(c)) => c,
    };
    match timeout_at(deadline, conn.stream.write_all(&hello)).await {
        Err(_) => return Answer::Silent,
        Ok(Err(e)) => return Answer::Failed(format!("sending a ClientHello: {e}")),
        Ok(Ok(())) => {}
    }
    let max = ctx.limits.max_message.max(tls::MAX_FLIGHT);
    let raw = match read_message(&mut conn.stream, max, deadline, tls::flight_complete).await {
        Ok(raw) => raw,
        Err(NetError::ReadTimeout) => return Answer::Silent,
        Err(e) => return Answer::Failed(format!("after a ClientHello: {e}")),
    };
    drop(conn);
    let ours = match tls::parse_server_answer(&raw) {
        Ok(tls::ServerAnswer::Hello(flight)) => Ok(tls::version_name(flight.hello.version)),
        Ok(tls::ServerAnswer::Ssl2(_)) => Ok(tls::version_name(tls::SSL2)),
        Ok(tls::ServerAnswer::Alert(alert)) => Err(format!(
            "it answered our ClientHello with the alert {}",
            alert.description_name()
        )),
        Err(e) if e.is_tls() => Err(format!("its answer to our ClientHello is {e}")),
        Err(_) => return Answer::NotThis(raw.into_iter().take(64).collect()),
    };
    let mut f = match get(ctx, ep, Transport::Tls, "/", deadline).await {
        Got::Response(r, version, _) => {
            let mut f = response_facts(Protocol::Https, &r);
            if let Some(v) = version {
                f.set("service.tls_version", v);
            }
            f.merge(archive_facts(ctx, ep, Transport::Tls, &r, deadline).await);
            f
        }
        Got::Other(answer) => {
            let mut f = Facts::new();
            f.set("service.protocol", Protocol::Tls.name());
            let why = match answer {
                Answer::Failed(why) => why,
                Answer::Silent => "no HTTP answer inside TLS within the time budget".into(),
                _ => "it does not speak HTTP inside TLS".into(),
            };
            f.set("service.tls_inner", why);
            f
        }
    };
    if f.get_str("service.tls_version").is_none() {
        match ours {
            Ok(v) => f.set("service.tls_version", v),
            Err(why) => f.unavailable("service.tls_version", why),
        }
    }
    Answer::Identified(f)
}

fn response_facts(protocol: Protocol, r: &Response) -> Facts {
    let mut f = Facts::new();
    f.set("service.protocol", protocol.name());
    f.set("http.status", i64::from(r.head.status));
    f.set("http.server", r.head.header("server").unwrap_or_default());
    f.set(
        "http.www_authenticate",
        r.head.header("www-authenticate").unwrap_or_default(),
    );
    f
}

/// The `dicomweb.*` facts of an HTTP service whose answer to `GET /` is `root`:
/// `dicomweb.product` (str, "Orthanc", empty when the server does not look like an archive we
/// know; on port 8042, when `GET /system` did not answer Orthanc's JSON either), `dicomweb.fingerprint` (str, why we took it for one), and for Orthanc the answer to
/// `GET /system`: `dicomweb.status` (int), `dicomweb.open` (bool: its JSON, with the AE title and
/// version, came back without credentials), `dicomweb.aet`, `dicomweb.version`.
async fn archive_facts(
    ctx: &ProbeContext,
    ep: &Endpoint,
    transport: Transport,
    root: &Response,
    deadline: Instant,
) -> Facts {
    let mut f = Facts::new();
    let fingerprint = h::orthanc_fingerprint(&root.head);
    // Orthanc's own port is asked too: a proxy may hide every trace of Orthanc in `GET /`, and
    // missing an open archive would let its control pass. Only the JSON answer counts then.
    let usual_port = ep.addr.port() == ORTHANC_PORT;
    if fingerprint.is_none() && !usual_port {
        f.set("dicomweb.product", "");
        return f;
    }
    let mut answer = get(ctx, ep, transport, ORTHANC_SYSTEM, deadline).await;
    // Neither a 200 whose body did not arrive whole nor an interim 1xx (RFC 9110 §15.2) shows
    // that the API is closed.
    if let Got::Response(r, _, cut) = &answer {
        let status = r.head.status;
        let why = match cut {
            Some(cut) if status == 200 && h::orthanc_system(&r.body).is_none() => {
                Some(format!("its 200 answer was cut short: {cut}"))
            }
            _ if (100..200).contains(&status) => Some(format!("it answered only {status}")),
            _ => None,
        };
        if let Some(why) = why {
            answer = Got::Other(Answer::Failed(why));
        }
    }
    let system = match &answer {
        Got::Response(r, _, _) if r.head.status == 200 => h::orthanc_system(&r.body),
        _ => None,
    };
    let fingerprint = match (fingerprint, &system) {
        (Some(seen), _) => seen,
        (None, Some(_)) => {
            format!("GET {ORTHANC_SYSTEM} on port {ORTHANC_PORT} answered Orthanc's JSON")
        }
        (None, None) => {
            f.set("dicomweb.product", "");
            return f;
        }
    };
    f.set("dicomweb.product", "Orthanc");
    f.set("dicomweb.fingerprint", fingerprint);
    match answer {
        Got::Response(r, _, _) => {
            f.set("dicomweb.status", i64::from(r.head.status));
            f.set("dicomweb.open", system.is_some());
            match system {
                Some(s) => {
                    f.set("dicomweb.aet", s.aet);
                    f.set("dicomweb.version", s.version);
                }
                None => {
                    let why = format!("GET {ORTHANC_SYSTEM} answered {}", r.head.status);
                    f.unavailable("dicomweb.aet", why.clone());
                    f.unavailable("dicomweb.version", why);
                }
            }
        }
        Got::Other(answer) => {
            let why = match answer {
                Answer::Failed(why) => format!("GET {ORTHANC_SYSTEM}: {why}"),
                Answer::Silent => format!("no answer to GET {ORTHANC_SYSTEM} within the budget"),
                _ => format!("GET {ORTHANC_SYSTEM} got no HTTP response"),
            };
            for name in [
                "dicomweb.status",
                "dicomweb.open",
                "dicomweb.aet",
                "dicomweb.version",
            ] {
                f.unavailable(name, why.clone());
            }
        }
    }
    f
}

/// One `GET path` on a new connection (through rustls for `Transport::Tls`), by `deadline`.
async fn get(
    ctx: &ProbeContext,
    ep: &Endpoint,
    transport: Transport,
    path: &str,
    deadline: Instant,
) -> Got {
    let mut conn = match timeout_at(deadline, ctx.connect(ep.addr)).await {
        Err(_) => return Got::Other(Answer::Silent),
        Ok(Err(e)) => return Got::Other(Answer::Failed(e.to_string())),
        Ok(Ok(c)) => c,
    };
    let tls = transport == Transport::Tls;
    let request = h::get_request(&ep.name, ep.addr.port(), tls, path, ctx.user_agent());
    match transport {
        Transport::Plain => got(exchange(&mut conn.stream, &request, deadline).await, None),
        Transport::Tls => {
            let recorder = Arc::new(RecordingVerifier::default());
            let limit = tls::MAX_FLIGHT + h::MAX_RESPONSE;
            let handshake =
                tls_cert::handshake(&ep.name, &mut conn.stream, limit, recorder, deadline).await;
            match handshake {
                Err(why) => Got::Other(Answer::Failed(why)),
                Ok(Err(_)) => Got::Other(Answer::Silent),
                Ok(Ok(Err(e))) => Got::Other(Answer::Failed(format!(
                    "rustls handshake failed: {}",
                    tls_cert::handshake_error(&e)
                ))),
                Ok(Ok(Ok(mut stream))) => {
                    let version = stream
                        .get_ref()
                        .1
                        .protocol_version()
                        .map(|v| tls::version_name(u16::from(v)));
                    got(exchange(&mut stream, &request, deadline).await, version)
                }
            }
        }
    }
}

fn got(read: (Vec<u8>, Option<NetError>), tls_version: Option<String>) -> Got {
    let (bytes, end) = read;
    if bytes.is_empty() {
        return Got::Other(match end {
            Some(NetError::ReadTimeout) => Answer::Silent,
            Some(e) => Answer::Failed(e.to_string()),
            None => Answer::Failed("empty answer".into()),
        });
    }
    match h::parse_response(&bytes) {
        Ok(r) => {
            // Closed (or, over TLS, ended without close_notify) is the end of a body delimited
            // by the close; any other stop, or a close before the framing's end, cuts it.
            let cut = match end {
                None => None,
                Some(NetError::Closed | NetError::Io(_)) if r.head.body_until_close() => None,
                Some(e) => Some(e.to_string()),
            };
            Got::Response(r, tls_version, cut)
        }
        Err(_) => Got::Other(Answer::NotThis(bytes.into_iter().take(64).collect())),
    }
}

/// Sends `request` and reads the response until it is whole (`msgs::http::response_complete`),
/// the server closes, `MAX_RESPONSE` bytes, or `deadline`. Returns what arrived and why reading
/// stopped (`None`: the response is whole).
async fn exchange<S>(s: &mut S, request: &[u8], deadline: Instant) -> (Vec<u8>, Option<NetError>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    match timeout_at(deadline, s.write_all(request)).await {
        Err(_) => return (Vec::new(), Some(NetError::ReadTimeout)),
        Ok(Err(e)) => return (Vec::new(), Some(NetError::Io(e.to_string()))),
        Ok(Ok(())) => {}
    }
    // TLS servers often end without close_notify: what arrived before an error still counts.
    read_until(s, h::MAX_RESPONSE, deadline, h::response_complete).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    fn cut(bytes: &[u8], end: Option<NetError>) -> Option<String> {
        match got((bytes.to_vec(), end), None) {
            Got::Response(_, _, cut) => cut,
            Got::Other(_) => panic!("not taken for a response"),
        }
    }

    /// `archive_facts` for an Orthanc-looking `GET /` when `GET /system` gets `answer`.
    async fn system_answered(answer: &'static [u8]) -> Facts {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 1024];
            let _ = s.read(&mut request).await;
            let _ = s.write_all(answer).await;
            // Held open: only a whole framing may end the read before the deadline.
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        });
        let ctx = ProbeContext::new(super::super::net::Limits::default(), 4, 1);
        let ep = Endpoint {
            name: "127.0.0.1".into(),
            addr,
        };
        let root = h::parse_response(
            b"HTTP/1.1 301 Moved Permanently\r\nLocation: app/explorer.html\r\n\r\n",
        )
        .unwrap();
        let deadline = Instant::now() + std::time::Duration::from_millis(500);
        archive_facts(&ctx, &ep, Transport::Plain, &root, deadline).await
    }

    #[tokio::test]
    async fn a_cut_or_interim_answer_to_system_is_not_a_refusal() {
        let cut = b"HTTP/1.1 200 OK\r\nContent-Length: 90\r\n\r\n{\"DicomAet\"";
        let interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n";
        for answer in [&cut[..], &interim[..]] {
            let f = system_answered(answer).await;
            assert_eq!(f.get_str("dicomweb.product"), Some("Orthanc"));
            assert!(f.get("dicomweb.open").is_none(), "{f:?}");
            assert!(f.why_unavailable("dicomweb.open").is_some(), "{f:?}");
        }
        let refused = b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n";
        let f = system_answered(refused).await;
        assert_eq!(
            f.get("dicomweb.open"),
            Some(&crate::fact::FactValue::Bool(false))
        );
    }

    #[test]
    fn a_body_read_short_of_its_framing_is_cut() {
        let short = b"HTTP/1.1 200 OK\r\nContent-Length: 90\r\n\r\n{\"DicomAet\"";
        assert!(cut(short, Some(NetError::ReadTimeout)).is_some());
        assert!(cut(short, Some(NetError::Closed)).is_some());
        let whole = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
        assert_eq!(cut(whole, None), None);
        let until_close = b"HTTP/1.0 200 OK\r\n\r\n{}";
        assert_eq!(cut(until_close, Some(NetError::Closed)), None);
        assert_eq!(cut(until_close, Some(NetError::Io("eof".into()))), None);
        assert!(cut(until_close, Some(NetError::ReadTimeout)).is_some());
        assert!(cut(until_close, Some(NetError::TooLarge(h::MAX_RESPONSE))).is_some());
    }
}
