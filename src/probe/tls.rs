//! TLS protocol and cipher-suite enumeration with hand-built ClientHellos (issue 3, enumeration
//! core). For each of SSLv3, TLS 1.0, 1.1, 1.2 and 1.3 the probe offers every candidate suite,
//! records the one the server selects, removes it and offers the rest again, until the server
//! refuses (alert, close, or an answer in another version). Long candidate lists are split into
//! chunks so that no hello is long enough to upset fragile servers. The probe records facts and
//! never judges.

use std::collections::BTreeMap;

use tokio::io::AsyncWriteExt;
use tokio::time::{timeout_at, Instant};

use super::net::{read_message, NetError};
use super::{Endpoint, ProbeContext};
use crate::fact::{FactValue, Facts};
use crate::msgs::tls::{self, ServerAnswer, SSL3, TLS1_0, TLS1_1, TLS1_2, TLS1_3};
use crate::msgs::tls_suites;

/// The versions probed, oldest first.
pub const VERSIONS: [u16; 5] = [SSL3, TLS1_0, TLS1_1, TLS1_2, TLS1_3];

/// At most this many suites per ClientHello (256 bytes of suites: far under one record, and
/// under the lengths that some old servers mishandle).
pub const CHUNK: usize = 128;

/// What the enumeration found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Enumeration {
    /// Versions for which the server selected at least one suite, oldest first.
    pub protocols: Vec<u16>,
    /// Per accepted version, the suites the server selected, in the order found (the server's
    /// preference order within each chunk when it enforces one).
    pub suites: BTreeMap<u16, Vec<u16>>,
    /// TCP connections opened.
    pub connections: usize,
    /// What went wrong along the way (connect failures, timeouts, unparsable answers).
    pub errors: Vec<String>,
}

/// How one offer ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// The server selected this suite in the version offered.
    Selected(u16),
    /// The server refuses every suite of this offer (handshake-failure alert, close, reset).
    Refused,
    /// The server refuses the version itself (protocol_version alert, or an answer in another
    /// version): no other chunk needs trying.
    VersionRefused,
    /// Something that is not an answer (timeout, connect failure, garbage): recorded as an error.
    Failed(String),
}

/// Enumerates the versions and suites `ep` accepts. All versions run concurrently; the
/// `ProbeContext` caps the connections per host.
pub async fn enumerate(ctx: &ProbeContext, ep: &Endpoint, deadline: Instant) -> Enumeration {
    let sni = tls::sni_host(&ep.name);
    let legacy = tls_suites::legacy_codes();
    let modern = tls_suites::tls13_codes();
    let run = |version: u16| {
        let candidates = if version == TLS1_3 { &modern } else { &legacy };
        enumerate_version(candidates, version, sni, deadline, move |hello: Vec<u8>| {
            offer(ctx, ep, hello, version, deadline)
        })
    };
    let (a, b, c, d, e) = tokio::join!(
        run(SSL3),
        run(TLS1_0),
        run(TLS1_1),
        run(TLS1_2),
        run(TLS1_3)
    );
    let mut out = Enumeration::default();
    for (version, found) in VERSIONS.into_iter().zip([a, b, c, d, e]) {
        out.connections += found.connections;
        out.errors.extend(found.errors);
        if !found.suites.is_empty() {
            out.protocols.push(version);
            out.suites.insert(version, found.suites);
        }
    }
    out
}

/// The result for one version.
#[derive(Debug, Default)]
struct VersionResult {
    suites: Vec<u16>,
    connections: usize,
    errors: Vec<String>,
}

/// The offer-remove-repeat loop for one version, over chunks of `candidates`. `send` makes one
/// connection with the given ClientHello record and says how it ended.
async fn enumerate_version<F, Fut>(
    candidates: &[u16],
    version: u16,
    sni: Option<&str>,
    deadline: Instant,
    send: F,
) -> VersionResult
where
    F: Fn(Vec<u8>) -> Fut,
    Fut: std::future::Future<Output = Outcome>,
{
    let mut res = VersionResult::default();
    let name = tls::version_name(version);
    let chunks = candidates.len().div_ceil(CHUNK).max(1);
    let size = candidates.len().div_ceil(chunks).max(1);
    'chunks: for chunk in candidates.chunks(size) {
        let mut remaining: Vec<u16> = chunk.to_vec();
        while !remaining.is_empty() {
            if Instant::now() >= deadline {
                res.errors.push(format!("{name}: time budget exhausted"));
                break 'chunks;
            }
            let hello = match tls::client_hello(version, &remaining, sni) {
                Ok(h) => h,
                Err(e) => {
                    res.errors.push(format!("{name}: {e}"));
                    break;
                }
            };
            res.connections += 1;
            match send(hello).await {
                Outcome::Selected(code) => match remaining.iter().position(|&c| c == code) {
                    Some(i) => {
                        remaining.remove(i);
                        res.suites.push(code);
                    }
                    None => {
                        res.errors.push(format!(
                            "{name}: server selected {} which was not offered",
                            tls_suites::name(code)
                        ));
                        break;
                    }
                },
                Outcome::Refused => break,
                Outcome::VersionRefused => {
                    // Only trusted before anything was accepted: a server that accepted a suite
                    // of this version and then answers another version is inconsistent.
                    if res.suites.is_empty() {
                        break 'chunks;
                    }
                    break;
                }
                Outcome::Failed(why) => {
                    res.errors.push(format!("{name}: {why}"));
                    break;
                }
            }
        }
    }
    res
}

/// One connection: send the hello, read the answer, classify it.
async fn offer(
    ctx: &ProbeContext,
    ep: &Endpoint,
    hello: Vec<u8>,
    version: u16,
    deadline: Instant,
) -> Outcome {
    let mut conn = match timeout_at(deadline, ctx.connect(ep.addr)).await {
        Err(_) => return Outcome::Failed("no connection before the time budget ran out".into()),
        Ok(Err(e)) => return Outcome::Failed(e.to_string()),
        Ok(Ok(c)) => c,
    };
    match timeout_at(deadline, conn.stream.write_all(&hello)).await {
        Err(_) => return Outcome::Failed(NetError::ReadTimeout.to_string()),
        Ok(Err(_)) => return Outcome::Refused,
        Ok(Ok(())) => {}
    }
    let max = ctx.limits.max_message.max(tls::MAX_FLIGHT);
    let raw = match read_message(&mut conn.stream, max, deadline, tls::flight_complete).await {
        Ok(raw) => raw,
        Err(NetError::Closed) | Err(NetError::Io(_)) => return Outcome::Refused,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    classify(&raw, version)
}

/// What a server's answer means for an offer of `version`.
fn classify(raw: &[u8], version: u16) -> Outcome {
    match tls::parse_server_answer(raw) {
        Ok(ServerAnswer::Hello(flight)) => {
            let hello = &flight.hello;
            if hello.version != version {
                Outcome::VersionRefused
            } else {
                Outcome::Selected(hello.cipher_suite)
            }
        }
        Ok(ServerAnswer::Alert(alert)) if alert.description == 70 => Outcome::VersionRefused,
        Ok(ServerAnswer::Alert(_)) => Outcome::Refused,
        Ok(ServerAnswer::Ssl2(_)) => Outcome::VersionRefused,
        Err(e) => Outcome::Failed(format!("unusable answer: {e}")),
    }
}

/// The SPEC facts: `tls.protocols`, `tls.suites`, `tls.connections`.
pub fn to_facts(e: &Enumeration) -> Facts {
    let mut facts = Facts::new();
    facts.set(
        "tls.protocols",
        FactValue::List(
            e.protocols
                .iter()
                .map(|&v| FactValue::Str(tls::version_name(v)))
                .collect(),
        ),
    );
    let suites = e
        .suites
        .iter()
        .map(|(&v, codes)| {
            (
                tls::version_name(v),
                FactValue::List(
                    codes
                        .iter()
                        .map(|&c| FactValue::Str(tls_suites::name(c)))
                        .collect(),
                ),
            )
        })
        .collect();
    facts.set("tls.suites", FactValue::Map(suites));
    facts.set(
        "tls.connections",
        FactValue::Int(i64::try_from(e.connections).unwrap_or(i64::MAX)),
    );
    facts
}
