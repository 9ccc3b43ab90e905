//! The RDP probe against real servers started beforehand on loopback by the test script
//! (tests/peers/): xrdp 0.9 with each security layer and FreeRDP's shadow server with NLA.
//! A peer that is not there is a failure with a clear message, never a skip.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::time::Instant;
use vendor_audit::fact::{FactValue, Facts};
use vendor_audit::probe::{rdp, Answer, Endpoint, Limits, ProbeContext};

const XRDP_NEGOTIATE: &str = "127.0.0.61:13389";
const XRDP_RDP: &str = "127.0.0.62:13389";
const XRDP_TLS: &str = "127.0.0.63:13389";
const FREERDP_NLA: &str = "127.0.0.64:13392";

/// Waits (up to 20 s, polling) until `addr` accepts a TCP connection, else fails the test.
async fn wait_for_peer(addr: SocketAddr, what: &str) {
    let give_up = Instant::now() + Duration::from_secs(20);
    loop {
        match tokio::time::timeout(Duration::from_secs(1), TcpStream::connect(addr)).await {
            Ok(Ok(_)) => return,
            _ if Instant::now() >= give_up => panic!(
                "peer {what} is not listening on {addr} after 20 s: start it first (tests/peers/, see PEERS.md)"
            ),
            _ => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

async fn probe(addr: &str, what: &str) -> Facts {
    let addr: SocketAddr = addr.parse().unwrap();
    wait_for_peer(addr, what).await;
    let ctx = ProbeContext::new(Limits::default(), 4, 1);
    let ep = Endpoint {
        name: "rdp.example.lab".into(),
        addr,
    };
    let start = Instant::now();
    match rdp::identify(&ctx, &ep, start + Duration::from_secs(8)).await {
        Answer::Identified(facts) => {
            assert!(start.elapsed() < Duration::from_secs(8));
            assert_eq!(facts.get_str("service.protocol"), Some("rdp"));
            facts
        }
        other => panic!("{what} at {addr} not identified as RDP: {other:?}"),
    }
}

fn responses(f: &Facts) -> BTreeMap<String, String> {
    match f.get("rdp.responses") {
        Some(FactValue::Map(m)) => m.iter().map(|(k, v)| (k.clone(), v.display())).collect(),
        other => panic!("rdp.responses missing: {other:?}"),
    }
}

fn ntlm_info(f: &Facts) -> BTreeMap<String, String> {
    match f.get("rdp.ntlm_info") {
        Some(FactValue::Map(m)) => m.iter().map(|(k, v)| (k.clone(), v.display())).collect(),
        other => panic!(
            "rdp.ntlm_info missing: {other:?} ({:?})",
            f.why_unavailable("rdp.ntlm_info")
        ),
    }
}

fn no_ntlm(f: &Facts) {
    assert_eq!(f.get_bool("rdp.accepts_credssp"), Some(false));
    assert!(ntlm_info(f).is_empty());
    assert_eq!(f.get_bool("rdp.ntlm_discloses"), Some(false));
}

#[tokio::test]
async fn xrdp_negotiate_offers_tls_and_standard_security_but_no_credssp() {
    let f = probe(XRDP_NEGOTIATE, "xrdp security_layer=negotiate").await;
    assert_eq!(f.get_str("rdp.selected_protocol"), Some("ssl"));
    assert_eq!(f.get_bool("rdp.accepts_tls"), Some(true));
    assert_eq!(f.get_bool("rdp.accepts_standard_security"), Some(true));
    assert_eq!(f.get_bool("rdp.nla_enforced"), Some(false));
    no_ntlm(&f);
    let r = responses(&f);
    assert_eq!(r["ssl+hybrid+hybrid_ex"], "selected ssl");
    assert_eq!(r["ssl"], "selected ssl");
    assert_eq!(r["rdp"], "selected rdp");
}

#[tokio::test]
async fn xrdp_rdp_layer_selects_standard_security_even_for_tls() {
    let f = probe(XRDP_RDP, "xrdp security_layer=rdp").await;
    assert_eq!(f.get_str("rdp.selected_protocol"), Some("rdp"));
    // Asked for TLS only, xrdp answers RSP 0: TLS is not accepted, standard security is.
    assert_eq!(f.get_bool("rdp.accepts_tls"), Some(false));
    assert_eq!(f.get_bool("rdp.accepts_standard_security"), Some(true));
    assert_eq!(f.get_bool("rdp.nla_enforced"), Some(false));
    no_ntlm(&f);
    let r = responses(&f);
    assert_eq!(r["ssl"], "selected rdp");
}

#[tokio::test]
async fn xrdp_tls_layer_refuses_standard_security() {
    let f = probe(XRDP_TLS, "xrdp security_layer=tls").await;
    assert_eq!(f.get_str("rdp.selected_protocol"), Some("ssl"));
    assert_eq!(f.get_bool("rdp.accepts_tls"), Some(true));
    assert_eq!(f.get_bool("rdp.accepts_standard_security"), Some(false));
    assert_eq!(f.get_bool("rdp.nla_enforced"), Some(false));
    no_ntlm(&f);
    assert_eq!(responses(&f)["rdp"], "failure SSL_REQUIRED_BY_SERVER (1)");
}

#[tokio::test]
async fn freerdp_with_nla_enforces_it_and_leaks_its_names_before_login() {
    let f = probe(FREERDP_NLA, "FreeRDP shadow server /sec:nla").await;
    assert_eq!(f.get_str("rdp.selected_protocol"), Some("hybrid"));
    assert_eq!(f.get_bool("rdp.accepts_credssp"), Some(true));
    assert_eq!(f.get_bool("rdp.nla_enforced"), Some(true));
    assert_eq!(f.get_bool("rdp.accepts_tls"), Some(false));
    assert_eq!(f.get_bool("rdp.accepts_standard_security"), Some(false));
    let r = responses(&f);
    assert_eq!(r["ssl"], "failure HYBRID_REQUIRED_BY_SERVER (5)");
    assert_eq!(r["rdp"], "failure HYBRID_REQUIRED_BY_SERVER (5)");
    // The real challenge of FreeRDP 2 (winpr's NTLM server) names the host it runs on: NetBIOS
    // names are the first label of the host name in capitals, DNS names that label as is (checked
    // by starting it under another host name: "Lab-Host01.corp.example" gave LAB-HOST01 and
    // Lab-Host01), and the version is Windows 7 SP1's. PEERS.md's `VM`/`vm` is the lab's host "vm".
    assert_eq!(f.get_bool("rdp.ntlm_discloses"), Some(true));
    let info = ntlm_info(&f);
    let label = host_label();
    let netbios: String = label.to_uppercase().chars().take(15).collect();
    let expected: BTreeMap<String, String> = [
        ("netbios_computer", netbios.as_str()),
        ("netbios_domain", netbios.as_str()),
        ("dns_computer", label.as_str()),
        ("dns_domain", label.as_str()),
        ("target_name", netbios.as_str()),
        ("os_version", "6.1.7601"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(info, expected);
}

/// The first label of this machine's host name (the FreeRDP peer runs on this machine).
fn host_label() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| {
            std::process::Command::new("hostname")
                .output()
                .ok()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        })
        .expect("cannot read the host name");
    let label = name.trim().split('.').next().unwrap_or_default().to_owned();
    assert!(!label.is_empty(), "empty host name");
    label
}
