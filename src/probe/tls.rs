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
    let tls12 = tls_suites::legacy_codes();
    let pre12 = pre_tls12_codes();
    let tls13 = tls_suites::tls13_codes();
    let run = |version: u16| {
        let candidates = match version {
            TLS1_3 => &tls13,
            TLS1_2 => &tls12,
            _ => &pre12,
        };
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

/// The suites offered below TLS 1.2: the registry's ≤ TLS 1.2 suites without the AEAD ones and
/// those whose MAC or PRF is SHA-256/SHA-384, which RFC 5246, 5288 and 5289 define for TLS 1.2
/// only (OpenSSL, GnuTLS and NSS never select them in an older version). Fewer suites means
/// fewer chunks, hence fewer refused connections.
pub fn pre_tls12_codes() -> Vec<u16> {
    tls_suites::all()
        .iter()
        .filter(|s| !s.props.tls13 && !s.props.aead && !matches!(s.props.hash, "SHA256" | "SHA384"))
        .map(|s| s.code)
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::time::Duration;

    /// A fake server: accepts `accepted` in its own preference order, refuses the rest.
    fn fake(accepted: &[u16], offered: &RefCell<Vec<Vec<u16>>>, hello: &[u8]) -> Outcome {
        // The suites of the hello record: after header (5), handshake header (4), version (2),
        // random (32), session id.
        let sid = usize::from(hello[43]);
        let at = 44 + sid;
        let len = usize::from(u16::from_be_bytes([hello[at], hello[at + 1]]));
        let suites: Vec<u16> = hello[at + 2..at + 2 + len]
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        offered.borrow_mut().push(suites.clone());
        match accepted.iter().find(|a| suites.contains(a)) {
            Some(&c) => Outcome::Selected(c),
            None => Outcome::Refused,
        }
    }

    #[tokio::test]
    async fn loop_finds_every_accepted_suite_in_preference_order_with_one_refusal_per_chunk() {
        let candidates = tls_suites::legacy_codes();
        let accepted = [0xC030, 0x009D, 0x002F, 0x000A];
        let offered = RefCell::new(Vec::new());
        let deadline = Instant::now() + Duration::from_secs(5);
        let res = enumerate_version(&candidates, TLS1_2, None, deadline, |h: Vec<u8>| {
            let o = fake(&accepted, &offered, &h);
            async move { o }
        })
        .await;
        // Within a chunk the suites come in the server's preference order.
        let size = candidates.len().div_ceil(candidates.len().div_ceil(CHUNK));
        let chunk_of = |c: &u16| candidates.iter().position(|x| x == c).map(|i| i / size);
        let pref = |c: &u16| accepted.iter().position(|x| x == c);
        for w in res.suites.windows(2) {
            if chunk_of(&w[0]) == chunk_of(&w[1]) {
                assert!(pref(&w[0]) < pref(&w[1]), "{:04x?}", res.suites);
            }
        }
        assert_eq!(res.suites.len(), 4);
        let mut got = res.suites.clone();
        got.sort_unstable();
        let mut acc = accepted.to_vec();
        acc.sort_unstable();
        assert_eq!(got, acc);
        let chunks = candidates.len().div_ceil(CHUNK);
        assert_eq!(res.connections, accepted.len() + chunks);
        assert!(offered.borrow().iter().all(|o| o.len() <= CHUNK));
        assert!(res.errors.is_empty());
    }

    #[tokio::test]
    async fn version_refusal_stops_at_once() {
        let candidates = tls_suites::legacy_codes();
        let deadline = Instant::now() + Duration::from_secs(5);
        let res = enumerate_version(&candidates, SSL3, None, deadline, |_h: Vec<u8>| async {
            Outcome::VersionRefused
        })
        .await;
        assert_eq!(res.connections, 1);
        assert!(res.suites.is_empty());
    }

    #[test]
    fn pre_tls12_list_drops_tls12_only_suites() {
        let pre = pre_tls12_codes();
        assert!(pre.contains(&0x002F) && pre.contains(&0x000A));
        assert!(!pre.contains(&0xC030) && !pre.contains(&0x003C) && !pre.contains(&0x1301));
        eprintln!("pre-1.2 candidates: {}", pre.len());
    }
}
