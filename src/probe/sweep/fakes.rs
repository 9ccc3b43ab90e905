//! Test-only fake servers on loopback listeners: a tarpit, a garbage talker, fixed-answer
//! responders. Used by the probe and sweep unit tests.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::probe::{Endpoint, Limits, ProbeContext};

pub fn ctx(budget_ms: u64) -> ProbeContext {
    let limits = Limits {
        connect_timeout: Duration::from_secs(1),
        port_budget: Duration::from_millis(budget_ms),
        max_message: 64 * 1024,
    };
    ProbeContext::new(limits, 16, 4)
}

pub fn ep(addr: SocketAddr) -> Endpoint {
    Endpoint {
        name: "fake.example.lab".into(),
        addr,
    }
}

pub async fn listener() -> (TcpListener, SocketAddr) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a = l.local_addr().unwrap();
    (l, a)
}

/// Accepts connections and never says anything (keeps them open for a minute).
pub async fn tarpit() -> SocketAddr {
    let (l, a) = listener().await;
    tokio::spawn(async move {
        loop {
            let Ok((s, _)) = l.accept().await else { return };
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(60)).await;
                drop(s);
            });
        }
    });
    a
}

/// Sends `greeting` on connect, then reads (and ignores) what comes, for a while.
pub async fn talker(greeting: &'static [u8]) -> SocketAddr {
    let (l, a) = listener().await;
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = l.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let _ = s.write_all(greeting).await;
                let mut buf = [0u8; 1024];
                let _ = tokio::time::timeout(Duration::from_secs(10), async {
                    while let Ok(n) = s.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                    }
                })
                .await;
            });
        }
    });
    a
}

/// Waits for a request of at least `min_request` bytes, answers `answer`, keeps the connection
/// open for a while. Sends nothing if the request is shorter.
pub async fn responder(min_request: usize, answer: Vec<u8>) -> SocketAddr {
    let (l, a) = listener().await;
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = l.accept().await else {
                return;
            };
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                let mut buf = [0u8; 4096];
                while got.len() < min_request {
                    match tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf)).await {
                        Ok(Ok(n)) if n > 0 => got.extend_from_slice(&buf[..n]),
                        _ => return,
                    }
                }
                let _ = s.write_all(&answer).await;
                tokio::time::sleep(Duration::from_secs(10)).await;
            });
        }
    });
    a
}
