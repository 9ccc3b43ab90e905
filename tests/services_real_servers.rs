//! The VNC, DICOM and SSH probes and the host sweep against REAL servers on loopback, started
//! beforehand by the test script (see PEERS.md): Xtigervnc without and with a password, Orthanc
//! accepting any AE and checking the called AE, dcmtk storescp, OpenSSH; and the servers that
//! wait for the client (the form app's HTTP, nginx and openssl s_server TLS, Orthanc's REST API,
//! plain and behind nginx TLS), which the sweep must identify. A missing peer fails.

mod common;

use std::net::IpAddr;
use std::time::Duration;

use tokio::time::Instant;
use vendor_audit::fact::{FactValue, Facts};
use vendor_audit::probe::sweep::{sweep_host, PortState};
use vendor_audit::probe::{banner, dicom, vnc, Answer, Endpoint, Limits, ProbeContext};

const VNC_NONE: &str = "127.0.0.65:15900";
const VNC_AUTH: &str = "127.0.0.66:15900";
const ORTHANC_ANY_AE: &str = "127.0.0.67:14242";
const ORTHANC_CHECKS_AE: &str = "127.0.0.67:14243";
const STORESCP: &str = "127.0.0.67:14244";
const SSHD: &str = "127.0.0.68:12222";

fn ctx() -> ProbeContext {
    ProbeContext::new(Limits::default(), 16, 4)
}

fn endpoint(addr: &str, what: &str) -> Endpoint {
    Endpoint {
        name: format!("{what}.lab"),
        addr: addr.parse().unwrap(),
    }
}

/// Runs `probe` until it gets an answer from the peer (up to ~20 s), so that a peer still
/// starting is waited for; panics with a clear message if the peer never answers. The probe
/// itself is the poll: Xtigervnc blacklists a client after 5 connections that end before
/// authentication (BlacklistThreshold), so an extra "is it up?" connection is not free.
async fn poll<F, Fut>(addr: &str, what: &str, mut probe: F) -> Answer
where
    F: FnMut(Endpoint) -> Fut,
    Fut: std::future::Future<Output = Answer>,
{
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let answer = probe(endpoint(addr, what)).await;
        if matches!(answer, Answer::Identified(_) | Answer::NotThis(_)) {
            return answer;
        }
        if Instant::now() >= until {
            panic!("the real peer {what} does not answer on {addr} ({answer:?}): start it first (see PEERS.md)");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Sweeps until the first port is open (up to ~20 s), else panics with a clear message.
async fn poll_sweep(
    ip: &str,
    ports: &[u16],
    what: &str,
) -> Vec<vendor_audit::probe::sweep::PortReport> {
    let ip: IpAddr = ip.parse().unwrap();
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let r = sweep_host(&ctx(), &format!("{what}.lab"), ip, ports).await;
        if r.first().map(|p| &p.state) == Some(&PortState::Open) {
            return r;
        }
        if Instant::now() >= until {
            panic!(
                "the real peer {what} is not listening on {ip}:{}: start it first (see PEERS.md)",
                ports[0]
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// A refusal such as Xtigervnc's blacklist ("Too many security failures") explained.
fn vnc_facts(a: Answer) -> Facts {
    let f = identified(a);
    if let Some(why) = f.get_str("vnc.failure_reason") {
        panic!(
            "Xtigervnc refused the handshake: {why:?}. It blacklists a client address after \
             BlacklistThreshold (5) connections without a completed authentication, for \
             BlacklistTimeout (10 s, doubling): restart the peer, or start a long-lived lab \
             instance with -BlacklistThreshold 1000"
        );
    }
    f
}

/// Logs in to the lab's no-password Xtigervnc (security type None) as a real client would.
/// A completed authentication clears Xtigervnc's blacklist marks for our address, which every
/// probe (an unauthenticated connection) adds to; without it, a sixth run against the same
/// server would see "Too many security failures". Only ever done against our own lab peer.
async fn log_in_to_clear_blacklist(addr: &str) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let run = async {
        let mut s = tokio::net::TcpStream::connect(addr).await.ok()?;
        let mut banner = [0u8; 12];
        s.read_exact(&mut banner).await.ok()?;
        s.write_all(b"RFB 003.008\n").await.ok()?;
        let mut types = [0u8; 2];
        s.read_exact(&mut types).await.ok()?;
        if types != [1, 1] {
            return None;
        }
        s.write_all(&[1]).await.ok()?;
        let mut result = [0u8; 4];
        s.read_exact(&mut result).await.ok()?;
        s.write_all(&[1]).await.ok()?; // ClientInit, shared
        let mut server_init = [0u8; 24];
        s.read_exact(&mut server_init).await.ok()
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), run).await;
}

fn identified(a: Answer) -> Facts {
    match a {
        Answer::Identified(f) => f,
        other => panic!("not identified: {other:?}"),
    }
}

fn deadline() -> Instant {
    Instant::now() + Duration::from_secs(8)
}

fn ints(f: &Facts, name: &str) -> Vec<i64> {
    match f.get(name) {
        Some(FactValue::List(v)) => v
            .iter()
            .map(|x| match x {
                FactValue::Int(i) => *i,
                other => panic!("{name} holds {other:?}"),
            })
            .collect(),
        other => panic!("{name} is {other:?} ({:?})", f.why_unavailable(name)),
    }
}

#[tokio::test]
async fn xtigervnc_without_password_offers_none() {
    let a = poll(VNC_NONE, "xtigervnc-none", |ep| async move {
        vnc::identify(&ctx(), &ep, deadline()).await
    })
    .await;
    log_in_to_clear_blacklist(VNC_NONE).await;
    let f = vnc_facts(a);
    assert_eq!(f.get_str("service.protocol"), Some("vnc"));
    assert_eq!(f.get_str("vnc.version"), Some("3.8"));
    assert_eq!(ints(&f, "vnc.security_types"), vec![1]);
    assert_eq!(f.get_bool("vnc.no_auth"), Some(true));
}

#[tokio::test]
async fn xtigervnc_with_password_offers_vnc_auth_only() {
    let a = poll(VNC_AUTH, "xtigervnc-auth", |ep| async move {
        vnc::identify(&ctx(), &ep, deadline()).await
    })
    .await;
    let f = vnc_facts(a);
    assert_eq!(f.get_str("service.protocol"), Some("vnc"));
    assert_eq!(ints(&f, "vnc.security_types"), vec![2]);
    assert_eq!(
        f.get("vnc.security_type_names"),
        Some(&FactValue::List(vec!["VNC Authentication".into()]))
    );
    assert_eq!(f.get_bool("vnc.no_auth"), Some(false));
}

#[tokio::test]
async fn orthanc_accepts_an_unknown_ae_and_echoes() {
    let a = poll(ORTHANC_ANY_AE, "orthanc-any-ae", |ep| async move {
        dicom::identify(&ctx(), &ep, deadline()).await
    })
    .await;
    let f = identified(a);
    assert_eq!(f.get_str("service.protocol"), Some("dicom"));
    assert_eq!(f.get_str("dicom.association"), Some("accepted"), "{f:?}");
    assert_eq!(f.get_bool("dicom.accepts_unknown_ae"), Some(true));
    assert_eq!(
        f.get("dicom.echo_status"),
        Some(&FactValue::Int(0)),
        "{f:?}"
    );
    assert!(
        f.get_str("dicom.implementation_class_uid").is_some(),
        "{f:?}"
    );
}

#[tokio::test]
async fn orthanc_checking_the_called_ae_rejects_us() {
    let a = poll(ORTHANC_CHECKS_AE, "orthanc-checks-ae", |ep| async move {
        dicom::identify(&ctx(), &ep, deadline()).await
    })
    .await;
    let f = identified(a);
    assert_eq!(f.get_str("service.protocol"), Some("dicom"));
    assert_eq!(f.get_str("dicom.association"), Some("rejected"), "{f:?}");
    assert_eq!(f.get_bool("dicom.accepts_unknown_ae"), Some(false));
    let why = f.get_str("dicom.reject_reason").unwrap();
    assert!(why.starts_with("called-AE-title-not-recognized"), "{why}");
    assert!(f.get("dicom.echo_status").is_none());
}

#[tokio::test]
async fn dcmtk_storescp_accepts() {
    let a = poll(STORESCP, "dcmtk-storescp", |ep| async move {
        dicom::identify(&ctx(), &ep, deadline()).await
    })
    .await;
    let f = identified(a);
    assert_eq!(f.get_str("dicom.association"), Some("accepted"), "{f:?}");
    assert_eq!(f.get_bool("dicom.accepts_unknown_ae"), Some(true));
    assert_eq!(
        f.get("dicom.echo_status"),
        Some(&FactValue::Int(0)),
        "{f:?}"
    );
}

#[tokio::test]
async fn openssh_is_recognised_by_its_banner() {
    let (ip, port) = SSHD.split_once(':').unwrap();
    let r = poll_sweep(ip, &[port.parse().unwrap()], "openssh").await;
    let f = &r[0].facts;
    assert_eq!(f.get_str("service.protocol"), Some("ssh"), "{f:?}");
    let banner = f.get_str("ssh.banner").unwrap();
    assert!(banner.starts_with("SSH-2.0-OpenSSH_"), "{banner}");
    // The same bytes through the plain recogniser.
    assert!(banner::recognise(format!("{banner}\r\n").as_bytes()).is_some());
}

#[tokio::test]
async fn sweep_of_the_vnc_host_tells_open_from_closed() {
    let started = Instant::now();
    let r = poll_sweep("127.0.0.65", &[15900, 15901], "xtigervnc-none").await;
    log_in_to_clear_blacklist(VNC_NONE).await;
    assert!(started.elapsed() < Duration::from_secs(29));
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].state, PortState::Open);
    assert_eq!(r[0].facts.get_str("port.state"), Some("open"));
    assert_eq!(
        r[0].facts.get_str("service.protocol"),
        Some("vnc"),
        "{:?}",
        r[0].facts
    );
    assert!(
        r[0].facts.get_str("vnc.failure_reason").is_none(),
        "Xtigervnc blacklisted us: rerun after 10 s"
    );
    assert_eq!(r[0].facts.get_bool("vnc.no_auth"), Some(true));
    assert_eq!(r[1].state, PortState::Closed);
    assert_eq!(r[1].facts.get_str("port.state"), Some("closed"));
}

#[tokio::test]
async fn sweep_finds_orthanc_on_its_odd_port() {
    let r = poll_sweep("127.0.0.67", &[14242], "orthanc-any-ae").await;
    let f = &r[0].facts;
    assert_eq!(f.get_str("service.protocol"), Some("dicom"), "{f:?}");
    assert_eq!(f.get_bool("dicom.accepts_unknown_ae"), Some(true));
}

/// The host and port of a lab address constant.
fn split(addr: &str) -> (&str, u16) {
    let (ip, port) = addr.rsplit_once(':').unwrap();
    (ip, port.parse().unwrap())
}

#[tokio::test]
async fn a_silent_http_server_is_identified_by_a_get_not_reported_silent() {
    // The form app waits for the client; today's sweep spent its 8 s budget on it and called it
    // silent (12 error findings). Now: the greeting wait (1.5 s), then one GET.
    let (ip, port) = split(common::FORM_APP_LEAKY);
    poll_sweep(ip, &[port], "formapp").await;
    let started = Instant::now();
    let r = sweep_host(&ctx(), "formapp.lab", ip.parse().unwrap(), &[port]).await;
    let took = started.elapsed();
    eprintln!("HTTP port identified in {took:?}: {:?}", r[0].facts);
    let f = &r[0].facts;
    assert_eq!(f.get_str("service.protocol"), Some("http"), "{f:?}");
    assert_eq!(
        f.get_int("http.status"),
        Some(404),
        "the app has no page at /"
    );
    assert!(
        f.get_str("http.server").unwrap().starts_with("formapp/1"),
        "{f:?}"
    );
    assert_eq!(f.get_str("dicomweb.product"), Some(""));
    assert!(
        took < Duration::from_secs(3),
        "took {took:?} of an 8 s budget"
    );
}

#[tokio::test]
async fn tls_servers_are_identified_with_the_version_and_the_http_inside() {
    for (addr, version, server) in [
        (common::TLS_MODERN, "TLSv1.3", Some("nginx/")),
        (common::TLS_LEGACY, "TLSv1.2", Some("nginx/")),
        // openssl s_server -www: TLS 1.3 only; it ignores our TLS 1.2 hello's suites (alert),
        // and rustls then speaks TLS 1.3 and HTTP to it.
        (common::TLS_TLS13, "TLSv1.3", None),
    ] {
        let (ip, port) = split(addr);
        let r = poll_sweep(ip, &[port], "tls").await;
        let f = &r[0].facts;
        eprintln!("{addr}: {f:?}");
        assert_eq!(
            f.get_str("service.protocol"),
            Some("https"),
            "{addr}: {f:?}"
        );
        assert_eq!(
            f.get_str("service.tls_version"),
            Some(version),
            "{addr}: {f:?}"
        );
        assert_eq!(f.get_int("http.status"), Some(200), "{addr}: {f:?}");
        if let Some(server) = server {
            assert!(
                f.get_str("http.server").unwrap().starts_with(server),
                "{f:?}"
            );
        }
    }
}

#[tokio::test]
async fn orthanc_rest_without_authentication_tells_anyone_its_aet_with_it_401() {
    let (ip, port) = split(common::ORTHANC_REST_OPEN);
    let r = poll_sweep(ip, &[port], "orthanc-rest-open").await;
    let f = &r[0].facts;
    assert_eq!(f.get_str("service.protocol"), Some("http"), "{f:?}");
    assert_eq!(f.get_int("http.status"), Some(301));
    assert_eq!(f.get_str("dicomweb.product"), Some("Orthanc"), "{f:?}");
    assert_eq!(f.get_int("dicomweb.status"), Some(200));
    assert_eq!(f.get_bool("dicomweb.open"), Some(true));
    assert_eq!(f.get_str("dicomweb.aet"), Some(common::ORTHANC_REST_AET));
    assert!(f.get_str("dicomweb.version").unwrap().starts_with("1."));

    let (ip, port) = split(common::ORTHANC_REST_AUTH);
    let r = poll_sweep(ip, &[port], "orthanc-rest-auth").await;
    let f = &r[0].facts;
    assert_eq!(f.get_str("service.protocol"), Some("http"), "{f:?}");
    assert_eq!(f.get_int("http.status"), Some(401));
    assert!(f
        .get_str("http.www_authenticate")
        .unwrap()
        .contains("Orthanc Secure Area"));
    assert_eq!(f.get_str("dicomweb.product"), Some("Orthanc"));
    assert_eq!(f.get_int("dicomweb.status"), Some(401));
    assert_eq!(f.get_bool("dicomweb.open"), Some(false));
    assert!(f.why_unavailable("dicomweb.aet").is_some());
}

#[tokio::test]
async fn orthanc_behind_tls_on_an_odd_port_is_seen_through_https() {
    // 18044 is no TLS port by number: the GET comes first, nginx answers it with 400 ("plain
    // HTTP request was sent to HTTPS port"), and the ClientHello that follows finds TLS.
    let (ip, port) = split(common::ORTHANC_TLS);
    poll_sweep(ip, &[port], "orthanc-tls").await;
    let r = sweep_host(
        &ctx(),
        common::ORTHANC_TLS_NAME,
        ip.parse().unwrap(),
        &[port],
    )
    .await;
    let f = &r[0].facts;
    assert_eq!(f.get_str("service.protocol"), Some("https"), "{f:?}");
    assert!(f.get_str("service.tls_version").is_some(), "{f:?}");
    assert_eq!(f.get_bool("dicomweb.open"), Some(true), "{f:?}");
    assert_eq!(f.get_str("dicomweb.aet"), Some(common::ORTHANC_REST_AET));
}

#[tokio::test]
async fn orthanc_on_its_own_port_is_asked_even_when_its_front_page_hides_it() {
    // nginx answers `GET /` itself (302 to /portal/): nothing but port 8042 hints at Orthanc,
    // and skipping the check there would let an open archive's control pass.
    let (ip, port) = split(common::ORTHANC_HIDDEN);
    let r = poll_sweep(ip, &[port], "orthanc-hidden").await;
    let f = &r[0].facts;
    assert_eq!(f.get_str("service.protocol"), Some("http"), "{f:?}");
    assert_eq!(f.get_int("http.status"), Some(302));
    assert_eq!(f.get_str("dicomweb.product"), Some("Orthanc"), "{f:?}");
    assert!(
        f.get_str("dicomweb.fingerprint").unwrap().contains("8042"),
        "{f:?}"
    );
    assert_eq!(f.get_bool("dicomweb.open"), Some(true));
}
