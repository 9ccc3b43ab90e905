//! At a low `--concurrency`, real servers listed after tarpits are still identified: a port's or
//! TLS endpoint's budget starts when it gets a connection slot, not while it queues for one.
//! One run: twelve tarpit ports, the demo's VNC and DICOM servers on the same host, and a TLS
//! endpoint on another address that answers with a recorded OpenSSL ServerHello.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

const HOST: &str = "127.0.0.202";
const TLS_HOST: &str = "127.0.0.203";

fn tarpit() -> u16 {
    let l = TcpListener::bind((HOST, 0)).unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in l.incoming().flatten() {
            held.push(s); // accepts, never answers nor closes
        }
    });
    port
}

/// A TLS 1.2 server that answers a hello offering TLS_RSA_WITH_AES_128_CBC_SHA with the answer
/// OpenSSL 3.0.19 `s_server -tls1_2` gave (src/msgs/testdata/tls/s12_all.hex), and any other
/// hello with a handshake_failure alert (RFC 5246 §7.2).
fn tls_server() -> u16 {
    let text = include_str!("../src/msgs/testdata/tls/s12_all.hex");
    let hex: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let answer: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let l = TcpListener::bind((TLS_HOST, 0)).unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            let answer = answer.clone();
            std::thread::spawn(move || {
                let mut hello = vec![0u8; 16 * 1024];
                let n = s.read(&mut hello).unwrap_or(0);
                let offers_2f = hello[..n].windows(2).any(|w| w == [0x00, 0x2F]);
                let _ = s.write_all(if offers_2f && n > 5 && hello[0] == 22 {
                    &answer
                } else {
                    &[21, 3, 3, 0, 2, 2, 40]
                });
                std::thread::sleep(Duration::from_secs(20));
            });
        }
    });
    port
}

#[test]
fn real_servers_behind_tarpits_at_concurrency_2() {
    let tarpits: Vec<u16> = (0..12).map(|_| tarpit()).collect();
    let vnc = TcpListener::bind((HOST, 0)).unwrap();
    let dicom = TcpListener::bind((HOST, 0)).unwrap();
    let (vnc_port, dicom_port) = (
        vnc.local_addr().unwrap().port(),
        dicom.local_addr().unwrap().port(),
    );
    vnc.set_nonblocking(true).unwrap();
    dicom.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let vnc = tokio::net::TcpListener::from_std(vnc).unwrap();
            let dicom = tokio::net::TcpListener::from_std(dicom).unwrap();
            tokio::join!(
                vendor_audit::demo::vnc::serve(vnc),
                vendor_audit::demo::dicom::serve(dicom)
            );
        });
    });
    let tls_port = tls_server();

    // The real servers first: each connection they open after their first (DICOM needs several)
    // competes with the tarpits for the run's two connections.
    let mut ports = vec![dicom_port.to_string(), vnc_port.to_string()];
    ports.extend(tarpits.iter().map(u16::to_string));
    let inventory = format!(
        "[[vendor]]\nid = \"queued\"\nhosts = [\"{HOST}\"]\nports = [{}]\ntls = [\"{TLS_HOST}:{tls_port}\"]\n",
        ports.join(", ")
    );
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("vendors.toml");
    std::fs::write(&inv, inventory).unwrap();
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_vendor-audit"))
        .args(["run", "--format", "json", "--no-history", "--timeout", "2"])
        .args(["--concurrency", "2", "--per-host", "8", "--config"])
        .arg(&inv)
        .output()
        .unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let assets = json["vendors"][0]["assets"].as_array().unwrap();
    let asset = |target: String| {
        assets
            .iter()
            .find(|a| a["target"] == target)
            .unwrap_or_else(|| panic!("no asset {target}"))
    };
    eprintln!("12 tarpits + VNC + DICOM + TLS at --concurrency 2 --timeout 2: {took:?}");
    let vnc = asset(format!("{HOST}:{vnc_port}"));
    assert_eq!(vnc["facts"]["service.protocol"], "vnc", "{vnc}");
    let dicom = asset(format!("{HOST}:{dicom_port}"));
    assert_eq!(dicom["facts"]["service.protocol"], "dicom", "{dicom}");
    let tls = asset(format!("{TLS_HOST}:{tls_port}"));
    assert_eq!(
        tls["facts"]["tls.protocols"],
        serde_json::json!(["TLSv1.2"]),
        "{tls}"
    );
    // The real servers, then six waves of two tarpits (one budget each), the TLS endpoint
    // somewhere among them.
    assert!(took < Duration::from_secs(6 * 2 + 8), "took {took:?}");
}
