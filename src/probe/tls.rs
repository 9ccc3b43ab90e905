//! TLS protocol and cipher-suite enumeration with hand-built ClientHellos. For each of SSLv3,
//! TLS 1.0, 1.1, 1.2 and 1.3 the probe offers every candidate suite in one hello, records the
//! one the server selects, removes it and offers the rest again, until the server refuses; one
//! more hello tells whether the server imposes its own order; one SSLv2 hello completes it.
//! The probe records facts and never judges.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use tokio::io::AsyncWriteExt;
use tokio::time::{timeout_at, Instant};

use super::net::{read_message, read_until, NetError};
use super::tls_cert::{self, ChainLog, ServerChain};
use super::{Endpoint, ProbeContext};
use crate::certificate::{self, TrustAnchors};
use crate::fact::{FactValue, Facts};
use crate::msgs::tls::{self, ServerAnswer, SSL2, SSL3, TLS1_0, TLS1_1, TLS1_2, TLS1_3};
use crate::msgs::tls_suites::{self, Authentication};

/// The versions probed with TLS-style hellos, oldest first (SSLv2 has its own hello).
pub const VERSIONS: [u16; 5] = [SSL3, TLS1_0, TLS1_1, TLS1_2, TLS1_3];

/// Suites per ClientHello when a server drops the hello that offers them all (some old servers
/// choke on long hellos): 256 bytes of suites.
pub const CHUNK: usize = 128;

/// How long an SSLv2 hello may wait for an answer: servers that do not speak SSLv2 often wait
/// silently for a TLS record that never comes.
const SSL2_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// What the enumeration found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Enumeration {
    /// Versions for which the server selected at least one suite, oldest first (SSL2 included).
    pub protocols: Vec<u16>,
    /// Per accepted version (not SSLv2), the suites the server selected, in the order found:
    /// the server's preference order when `server_order` says it imposes one.
    pub suites: BTreeMap<u16, Vec<u16>>,
    /// Per version with two or more suites: whether the server imposes its own preference.
    pub server_order: BTreeMap<u16, bool>,
    /// The SSLv2 cipher specs the server shares with a client that offers them all.
    pub ssl2_specs: Vec<u32>,
    /// TCP connections opened.
    pub connections: usize,
    /// What went wrong along the way (connect failures, timeouts, unparsable answers).
    pub errors: Vec<String>,
    /// The certificate chain of the highest version whose plaintext (≤ TLS 1.2) handshake
    /// carried one: the first seen in that version. `None` when no such handshake did.
    pub chain: Option<ServerChain>,
    /// Per (version, suite, RFC 7919 groups offered) of an accepted finite-field DHE suite
    /// (≤ TLS 1.2): the size in bits of the group its ServerKeyExchange carried, or why it could
    /// not be read. The enumeration's hellos offer the ffdhe groups; one more hello per version
    /// that accepts DHE does not, and sees the group a client without them gets.
    pub dh_groups: DhGroups,
    /// When the endpoint accepted connections but sent not one byte within a timeout of a
    /// hello, and no other hello got an answer: how long the hello waited. Every other offer
    /// then ended at once instead of waiting a timeout of its own.
    pub silent: Option<std::time::Duration>,
}

/// Whether the endpoint has said anything, shared by the enumeration's offers: one timeout
/// without a byte, while no offer has had one, makes the endpoint silent and ends every offer.
#[derive(Debug)]
struct Hearing {
    heard: std::sync::atomic::AtomicBool,
    silent: tokio::sync::watch::Sender<Option<std::time::Duration>>,
}

impl Hearing {
    fn new() -> Self {
        Hearing {
            heard: std::sync::atomic::AtomicBool::new(false),
            silent: tokio::sync::watch::Sender::new(None),
        }
    }

    fn heard(&self) {
        self.heard.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// A hello waited `waited` in vain: the endpoint is silent unless some offer heard from it.
    fn in_vain(&self, waited: std::time::Duration) -> bool {
        if self.heard.load(std::sync::atomic::Ordering::SeqCst) {
            return false;
        }
        self.silent
            .send_if_modified(|s| s.get_or_insert(waited) == &waited);
        true
    }

    fn silence(&self) -> Option<std::time::Duration> {
        *self.silent.borrow()
    }

    /// Resolves once the endpoint is found silent.
    async fn silenced(&self) {
        let mut rx = self.silent.subscribe();
        let _ = rx.wait_for(Option::is_some).await;
    }
}

/// The error an offer records when the endpoint is silent.
fn silent_error(waited: std::time::Duration) -> String {
    format!(
        "the endpoint sent nothing within {:.1} s of a ClientHello",
        waited.as_secs_f64()
    )
}

/// (version, suite, ffdhe groups offered) → the DH group's bits, or why they could not be read.
pub type DhGroups = BTreeMap<(u16, u16, bool), Result<usize, String>>;

/// The DH group sizes the enumeration's handshakes showed, shared by its concurrent offers.
#[derive(Debug, Default)]
struct DhLog(std::sync::Mutex<DhGroups>);

impl DhLog {
    fn keep(&self, key: (u16, u16, bool), bits: Result<usize, String>) {
        let mut map = match self.0.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        // The first answer for a suite stands (the server-order hello offers it again).
        map.entry(key).or_insert(bits);
    }

    fn into_map(self) -> DhGroups {
        match self.0.into_inner() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

/// How one offer ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// The server selected this suite in the version offered.
    Selected(u16),
    /// The server refuses every suite of this offer (an alert).
    Refused,
    /// The server refuses the version itself (protocol_version alert, or an answer in another
    /// version): no other chunk needs trying.
    VersionRefused,
    /// The server closed or reset the connection without an answer: a refusal from some
    /// servers, a hello too long for others.
    Dropped,
    /// Something that is not an answer (timeout, connect failure, garbage): recorded as an error.
    Failed(String),
}

/// Enumerates the versions and suites `ep` accepts. All versions run concurrently; the
/// `ProbeContext` caps the connections per host.
pub async fn enumerate(ctx: &ProbeContext, ep: &Endpoint, deadline: Instant) -> Enumeration {
    let sni = tls::sni_host(&ep.name);
    let legacy = tls_suites::legacy_codes();
    let tls13 = tls_suites::tls13_codes();
    let log = ChainLog::default();
    let chains = &log;
    let dh_log = DhLog::default();
    let dh = &dh_log;
    let hearing = Hearing::new();
    let hearing = &hearing;
    let (legacy, tls13) = (&legacy, &tls13);
    let run = |version: u16| async move {
        let candidates = if version == TLS1_3 { tls13 } else { legacy };
        let logs = Logs {
            chains,
            dh,
            hearing,
            ffdhe_offered: true,
        };
        let send = move |hello: Vec<u8>| offer(ctx, ep, hello, version, deadline, logs);
        let mut found = enumerate_version(candidates, version, sni, deadline, send).await;
        found.connections +=
            group_without_ffdhe(ctx, ep, version, &found.suites, deadline, dh, hearing).await;
        found
    };
    let (ssl2, a, b, c, d, e) = tokio::join!(
        ssl2_specs(ctx, ep, deadline, hearing),
        run(SSL3),
        run(TLS1_0),
        run(TLS1_1),
        run(TLS1_2),
        run(TLS1_3)
    );
    let mut out = Enumeration {
        connections: 1,
        ..Enumeration::default()
    };
    match ssl2 {
        Ok(specs) if !specs.is_empty() => {
            out.protocols.push(SSL2);
            out.ssl2_specs = specs;
        }
        Ok(_) => {}
        Err(why) => out.errors.push(format!("SSLv2: {why}")),
    }
    for (version, found) in VERSIONS.into_iter().zip([a, b, c, d, e]) {
        out.connections += found.connections;
        out.errors.extend(found.errors);
        if let Some(order) = found.server_order {
            out.server_order.insert(version, order);
        }
        if !found.suites.is_empty() {
            out.protocols.push(version);
            out.suites.insert(version, found.suites);
        }
    }
    out.chain = log.best();
    if let Some(chain) = out.chain.as_ref().filter(|c| c.was_capped()) {
        out.errors.push(format!(
            "{}: the server sent {} certificates; only the first {} were read and analysed \
             (the chain is capped)",
            chain.version.map(tls::version_name).unwrap_or_default(),
            chain.sent,
            chain.certificates.len()
        ));
    }
    out.dh_groups = dh_log.into_map();
    out.silent = hearing.silence();
    out
}

/// Probes one endpoint: the enumeration's facts (`to_facts`) and the certificate's
/// (`tls.cert.*`, see `certificate::analyse`), with `trust` as the anchors and `now` as the
/// time the certificate is judged at. The chain comes from the enumeration's own ≤ TLS 1.2
/// handshakes (no extra connection); only when the server accepts TLS 1.3 and gave no chain
/// that way does one rustls handshake fetch it. Everything ends by `deadline`.
pub async fn probe_endpoint(
    ctx: &ProbeContext,
    ep: &Endpoint,
    trust: &TrustAnchors,
    now: DateTime<FixedOffset>,
    deadline: Instant,
) -> Facts {
    let e = enumerate(ctx, ep, deadline).await;
    if let Some(waited) = e.silent {
        return silent_facts(waited);
    }
    let mut facts = to_facts(&e);
    facts.merge(certificate_facts(ctx, ep, &e, trust, now, deadline).await);
    facts
}

/// The facts of an endpoint that accepted connections and said nothing: every TLS fact
/// unavailable, naming the silence (one timeout spent, not one per version).
pub fn silent_facts(waited: std::time::Duration) -> Facts {
    let secs = waited.as_secs_f64();
    let mut facts = Facts::new();
    crate::catalog::facts::mark_unavailable_both(
        &mut facts,
        "tls",
        &crate::diagnostic::both(
            format!(
                "the endpoint accepted the connection but sent nothing within {secs:.1} s of a \
                 ClientHello: a silent endpoint, so no TLS version, suite or certificate was seen"
            ),
            format!(
                "エンドポイントは接続を受け付けたが、ClientHello から {secs:.1} 秒以内に何も\
                 送らなかった（応答しないエンドポイント）。TLS のバージョン、暗号スイート、\
                 証明書はいずれも観測できなかった"
            ),
        ),
    );
    facts
}

/// The `tls.cert.*` facts of `ep`, given its enumeration.
pub async fn certificate_facts(
    ctx: &ProbeContext,
    ep: &Endpoint,
    e: &Enumeration,
    trust: &TrustAnchors,
    now: DateTime<FixedOffset>,
    deadline: Instant,
) -> Facts {
    let chain = match &e.chain {
        Some(chain) => Ok(chain.clone()),
        None if e.protocols.contains(&TLS1_3) => {
            // One handshake: a port budget at most, even when the endpoint's budget is longer.
            let deadline = deadline.min(Instant::now() + ctx.limits.port_budget);
            tls_cert::fetch_with_rustls(ctx, ep, deadline)
                .await
                .map_err(|why| {
                    format!("no certificate from a TLS 1.3 handshake with rustls: {why}")
                })
        }
        None => Err(no_chain_reason(e)),
    };
    match chain {
        Ok(chain) => {
            let source = certificate::Source {
                how: chain.source(),
                suite: chain.suite.map(tls_suites::name),
            };
            let mut facts =
                certificate::analyse(&source, &chain.certificates, &ep.name, trust, now);
            if chain.was_capped() {
                facts.set(
                    "tls.cert.chain_length",
                    i64::try_from(chain.sent).unwrap_or(i64::MAX),
                );
            }
            facts
        }
        Err(why) => certificate::unavailable(&why),
    }
}

/// Why the enumeration gave no chain and no TLS 1.3 handshake can.
fn no_chain_reason(e: &Enumeration) -> String {
    let tls_versions = e.protocols.iter().any(|&v| v != SSL2);
    if !tls_versions && e.protocols.contains(&SSL2) {
        "the server speaks only SSLv2, whose certificate is not analysed".to_owned()
    } else if !tls_versions {
        if e.errors.is_empty() {
            "no SSL/TLS handshake succeeded, so no certificate was seen".to_owned()
        } else {
            format!(
                "no SSL/TLS handshake succeeded, so no certificate was seen: {}",
                summarise(&e.errors)
            )
        }
    } else {
        let certificate_free = e.suites.values().flatten().all(|&code| {
            tls_suites::lookup(code).is_some_and(|s| {
                matches!(
                    s.props.auth,
                    Authentication::None
                        | Authentication::Psk
                        | Authentication::Krb5
                        | Authentication::Srp
                )
            })
        });
        if certificate_free {
            "the server sent no certificate: every suite it accepts is anonymous, PSK, SRP or \
             Kerberos"
                .to_owned()
        } else {
            "the server's handshakes carried no Certificate message".to_owned()
        }
    }
}

/// One SSLv2 CLIENT-HELLO offering every cipher spec: a server that speaks SSLv2 answers with
/// all the specs it shares. Anything else (an alert, a TLS answer, a close, silence) means no.
async fn ssl2_specs(
    ctx: &ProbeContext,
    ep: &Endpoint,
    deadline: Instant,
    hearing: &Hearing,
) -> Result<Vec<u32>, String> {
    tokio::select! {
        specs = ssl2_hello(ctx, ep, deadline) => specs,
        () = hearing.silenced() => Ok(Vec::new()),
    }
}

async fn ssl2_hello(
    ctx: &ProbeContext,
    ep: &Endpoint,
    deadline: Instant,
) -> Result<Vec<u32>, String> {
    let specs: Vec<u32> = tls::SSL2_CIPHER_SPECS.iter().map(|(s, _)| *s).collect();
    let hello = tls::ssl2_client_hello(&specs, rand::random()).map_err(|e| e.to_string())?;
    let mut conn = match timeout_at(deadline, ctx.connect(ep.addr)).await {
        Err(_) => return Err("no connection before the time budget ran out".into()),
        Ok(Err(e)) => return Err(e.to_string()),
        Ok(Ok(c)) => c,
    };
    if conn.stream.write_all(&hello).await.is_err() {
        return Ok(Vec::new());
    }
    let wait = deadline.min(Instant::now() + SSL2_WAIT);
    let max = ctx.limits.max_message.max(tls::MAX_FLIGHT);
    match read_message(&mut conn.stream, max, wait, tls::record_complete).await {
        Ok(raw) => match tls::parse_server_answer(&raw) {
            Ok(ServerAnswer::Ssl2(hello)) => Ok(hello.cipher_specs),
            _ => Ok(Vec::new()),
        },
        Err(_) => Ok(Vec::new()),
    }
}

/// The result for one version.
#[derive(Debug, Default)]
struct VersionResult {
    suites: Vec<u16>,
    /// With two or more suites: whether the server chose by its own preference (then `suites`
    /// is that preference order), `None` when its answer to the reversed offer was inconsistent.
    server_order: Option<bool>,
    connections: usize,
    errors: Vec<String>,
}

/// How one offer-remove-repeat pass over a list ended.
#[derive(Debug, PartialEq, Eq)]
enum PassEnd {
    /// Every suite of the list was selected, or the server refused the rest.
    Done,
    /// The server refused the version itself: nothing else of this version needs trying.
    VersionRefused,
    /// The server closed without an answer: the hello may have been too long for it.
    Dropped,
    /// No time left.
    OutOfTime,
}

/// The offer-remove-repeat loop for one version. The first pass offers every candidate in one
/// hello (one connection per accepted suite plus one refusal). Only when a server drops that
/// hello without an alert (as some choke on long hellos) are the suites not yet found offered
/// again in chunks of `CHUNK`. `send` makes one connection with the given ClientHello record
/// and says how it ended.
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
    let end = offer_pass(candidates, version, sni, deadline, &send, &mut res).await;
    if end == PassEnd::Dropped {
        let left: Vec<u16> = candidates
            .iter()
            .copied()
            .filter(|c| !res.suites.contains(c))
            .collect();
        for chunk in left.chunks(CHUNK) {
            match offer_pass(chunk, version, sni, deadline, &send, &mut res).await {
                PassEnd::Done => {}
                PassEnd::Dropped => res.errors.push(format!(
                    "{}: the server closed the connection without an alert",
                    tls::version_name(version)
                )),
                PassEnd::VersionRefused | PassEnd::OutOfTime => break,
            }
        }
    }
    if res.suites.len() >= 2 && Instant::now() < deadline {
        res.server_order =
            server_order(&res.suites, version, sni, &send, &mut res.connections).await;
    }
    res
}

/// One offer-remove-repeat pass over `list`, adding what the server selects to `res`.
async fn offer_pass<F, Fut>(
    list: &[u16],
    version: u16,
    sni: Option<&str>,
    deadline: Instant,
    send: &F,
    res: &mut VersionResult,
) -> PassEnd
where
    F: Fn(Vec<u8>) -> Fut,
    Fut: std::future::Future<Output = Outcome>,
{
    let name = tls::version_name(version);
    let mut remaining: Vec<u16> = list.to_vec();
    while !remaining.is_empty() {
        if Instant::now() >= deadline {
            res.errors.push(format!("{name}: time budget exhausted"));
            return PassEnd::OutOfTime;
        }
        let hello = match tls::client_hello(version, &remaining, sni) {
            Ok(h) => h,
            Err(e) => {
                res.errors.push(format!("{name}: {e}"));
                return PassEnd::Done;
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
                    return PassEnd::Done;
                }
            },
            Outcome::Refused => return PassEnd::Done,
            // Only trusted before anything was accepted: a server that accepted a suite of this
            // version and then answers another version is inconsistent; stop this pass.
            Outcome::VersionRefused if res.suites.is_empty() => return PassEnd::VersionRefused,
            Outcome::VersionRefused => return PassEnd::Done,
            Outcome::Dropped => return PassEnd::Dropped,
            Outcome::Failed(why) => {
                res.errors.push(format!("{name}: {why}"));
                return PassEnd::Done;
            }
        }
    }
    PassEnd::Done
}

/// Whether the server chooses by its own preference: offered the found suites in reverse, a
/// server that follows the client picks the last one found, one with its own order picks the
/// first again. One connection.
async fn server_order<F, Fut>(
    found: &[u16],
    version: u16,
    sni: Option<&str>,
    send: &F,
    connections: &mut usize,
) -> Option<bool>
where
    F: Fn(Vec<u8>) -> Fut,
    Fut: std::future::Future<Output = Outcome>,
{
    let reversed: Vec<u16> = found.iter().rev().copied().collect();
    let hello = tls::client_hello(version, &reversed, sni).ok()?;
    *connections += 1;
    match send(hello).await {
        Outcome::Selected(c) if Some(&c) == found.first() => Some(true),
        Outcome::Selected(c) if Some(&c) == found.last() => Some(false),
        _ => None,
    }
}

/// Where an offer records what an accepted flight showed.
#[derive(Clone, Copy)]
struct Logs<'a> {
    chains: &'a ChainLog,
    dh: &'a DhLog,
    hearing: &'a Hearing,
    /// The hello offered the RFC 7919 groups.
    ffdhe_offered: bool,
}

/// One connection: send the hello, read the answer, classify it. The answer may take one
/// timeout (`port_budget`) from the hello; the offer ends at once when the endpoint is found
/// silent meanwhile.
async fn offer(
    ctx: &ProbeContext,
    ep: &Endpoint,
    hello: Vec<u8>,
    version: u16,
    deadline: Instant,
    logs: Logs<'_>,
) -> Outcome {
    if let Some(waited) = logs.hearing.silence() {
        return Outcome::Failed(silent_error(waited));
    }
    tokio::select! {
        outcome = offer_once(ctx, ep, hello, version, deadline, logs) => outcome,
        () = logs.hearing.silenced() => Outcome::Failed(silent_error(
            logs.hearing.silence().unwrap_or(ctx.limits.port_budget),
        )),
    }
}

async fn offer_once(
    ctx: &ProbeContext,
    ep: &Endpoint,
    hello: Vec<u8>,
    version: u16,
    deadline: Instant,
    logs: Logs<'_>,
) -> Outcome {
    let mut conn = match timeout_at(deadline, ctx.connect(ep.addr)).await {
        Err(_) => return Outcome::Failed("no connection before the time budget ran out".into()),
        Ok(Err(e)) => return Outcome::Failed(e.to_string()),
        Ok(Ok(c)) => c,
    };
    match timeout_at(deadline, conn.stream.write_all(&hello)).await {
        Err(_) => return Outcome::Failed(NetError::ReadTimeout.to_string()),
        Ok(Err(_)) => return Outcome::Dropped,
        Ok(Ok(())) => {}
    }
    let sent = Instant::now();
    let wait = deadline.min(sent + ctx.limits.port_budget);
    let max = ctx.limits.max_message.max(tls::MAX_FLIGHT);
    let (raw, stop) = read_until(&mut conn.stream, max, wait, tls::flight_complete).await;
    if !raw.is_empty() {
        logs.hearing.heard();
    }
    match stop {
        None => {}
        Some(NetError::ReadTimeout) if raw.is_empty() && wait < deadline => {
            let waited = sent.elapsed();
            if logs.hearing.in_vain(waited) {
                return Outcome::Failed(silent_error(waited));
            }
            return Outcome::Failed(NetError::ReadTimeout.to_string());
        }
        Some(NetError::Closed) | Some(NetError::Io(_)) => return Outcome::Dropped,
        Some(e) => return Outcome::Failed(e.to_string()),
    }
    let (outcome, accepted) = classify(&raw, version);
    if let (Outcome::Selected(suite), Some(accepted)) = (&outcome, accepted) {
        if let Some(certificates) = accepted.certificates {
            logs.chains.keep(version, *suite, certificates);
        }
        if let Some(bits) = accepted.dh_bits {
            logs.dh.keep((version, *suite, logs.ffdhe_offered), bits);
        }
    }
    outcome
}

/// One hello offering the accepted DHE suites of `version` without the RFC 7919 groups: a
/// server that negotiates those (RFC 7919 §4, as GnuTLS does) answers the enumeration's hellos
/// with a named group of 2048 bits or more, and a client that does not offer them (Java 8, old
/// OpenSSL) with its own parameters, which may be weak. The connections it used (0 or 1).
async fn group_without_ffdhe(
    ctx: &ProbeContext,
    ep: &Endpoint,
    version: u16,
    found: &[u16],
    deadline: Instant,
    dh: &DhLog,
    hearing: &Hearing,
) -> usize {
    let dhe: Vec<u16> = found
        .iter()
        .copied()
        .filter(|&c| tls_suites::lookup(c).is_some_and(|s| s.props.kx.finite_field_ephemeral()))
        .collect();
    if version == TLS1_3 || dhe.is_empty() || Instant::now() >= deadline {
        return 0;
    }
    let mut hello = tls::ClientHello::new(version, &dhe, tls::sni_host(&ep.name));
    hello.ffdhe_groups = false;
    let Ok(record) = hello.to_record() else {
        return 0;
    };
    // Its chain, if any, is the enumeration's again: not kept.
    let chains = ChainLog::default();
    let logs = Logs {
        chains: &chains,
        dh,
        hearing,
        ffdhe_offered: false,
    };
    // Anything but a DHE suite's flight (a refusal, a drop) tells nothing about the group.
    let _ = offer(ctx, ep, record, version, deadline, logs).await;
    1
}

/// What an accepted ≤ TLS 1.2 flight showed besides the suite.
#[derive(Debug, Default, PartialEq, Eq)]
struct Accepted {
    certificates: Option<Vec<Vec<u8>>>,
    /// For a finite-field DHE suite: its group's size, or why the flight did not show it.
    dh_bits: Option<Result<usize, String>>,
}

/// What a server's answer means for an offer of `version`, with what an accepted flight showed.
fn classify(raw: &[u8], version: u16) -> (Outcome, Option<Accepted>) {
    let outcome = match tls::parse_server_answer(raw) {
        Ok(ServerAnswer::Hello(flight)) => {
            let hello = &flight.hello;
            if hello.version != version {
                Outcome::VersionRefused
            } else {
                let suite = hello.cipher_suite;
                let dh_bits = dh_group_bits(&flight, version);
                let accepted = Accepted {
                    certificates: flight.certificates,
                    dh_bits,
                };
                return (Outcome::Selected(suite), Some(accepted));
            }
        }
        Ok(ServerAnswer::Alert(alert)) if alert.description == 70 => Outcome::VersionRefused,
        Ok(ServerAnswer::Alert(_)) => Outcome::Refused,
        Ok(ServerAnswer::Ssl2(_)) => Outcome::VersionRefused,
        Err(e) => Outcome::Failed(format!("unusable answer: {e}")),
    };
    (outcome, None)
}

/// For a flight whose suite is finite-field DHE (below TLS 1.3): the bit size of the group in its
/// ServerKeyExchange, or why there is none; `None` for other suites.
fn dh_group_bits(flight: &tls::ServerFlight, version: u16) -> Option<Result<usize, String>> {
    let suite = tls_suites::lookup(flight.hello.cipher_suite)?;
    if version == TLS1_3 || !suite.props.kx.finite_field_ephemeral() {
        return None;
    }
    let psk = suite.props.kx == tls_suites::KeyExchange::DhePsk;
    Some(match &flight.server_key_exchange {
        Some(ske) => tls::parse_dh_params(ske, psk)
            .map(|dh| dh.prime_bits())
            .map_err(|e| format!("{}: {e}", suite.name)),
        None => Err(format!(
            "{} was selected but the server sent no ServerKeyExchange{}",
            suite.name,
            match &flight.alert {
                Some(alert) => format!(" (it sent {alert})"),
                None => String::new(),
            }
        )),
    })
}

/// The SPEC facts `tls.protocols` and `tls.suites`, with `tls.server_order`,
/// `tls.connections` and `tls.dh_bits`.
pub fn to_facts(e: &Enumeration) -> Facts {
    let names = |codes: &[u16]| -> FactValue {
        FactValue::List(
            codes
                .iter()
                .map(|&c| FactValue::Str(tls_suites::name(c)))
                .collect(),
        )
    };
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
    let mut suites: BTreeMap<String, FactValue> = e
        .suites
        .iter()
        .map(|(&v, codes)| (tls::version_name(v), names(codes)))
        .collect();
    if !e.ssl2_specs.is_empty() {
        let specs = e
            .ssl2_specs
            .iter()
            .map(|&s| FactValue::Str(ssl2_spec_name(s)));
        suites.insert(tls::version_name(SSL2), FactValue::List(specs.collect()));
    }
    facts.set("tls.suites", FactValue::Map(suites));
    facts.set(
        "tls.server_order",
        FactValue::Map(
            e.server_order
                .iter()
                .map(|(&v, &own)| (tls::version_name(v), FactValue::Bool(own)))
                .collect(),
        ),
    );
    facts.set(
        "tls.connections",
        FactValue::Int(i64::try_from(e.connections).unwrap_or(i64::MAX)),
    );
    facts.set("tls.errors", e.errors.clone());
    dh_facts(&mut facts, e);
    if e.protocols.is_empty() {
        // Nothing accepted proves nothing: a closed port, a tarpit and a server that is not TLS
        // all look like this, and none of them may pass a TLS check.
        let why = if e.errors.is_empty() {
            format!(
                "the endpoint accepted no SSL/TLS version ({} connections, every hello refused)",
                e.connections
            )
        } else {
            format!("no SSL/TLS version accepted: {}", summarise(&e.errors))
        };
        facts.unavailable("tls.protocols", why.clone());
        facts.unavailable("tls.suites", why);
    }
    facts
}

/// `tls.dh_bits`: the smallest group read from the accepted finite-field DHE suites, and
/// `tls.dh_unread`: why a group could not be read. Both absent when no such suite was accepted.
/// Whether an unread group leaves the smallest unknown is `derive::tls::dh_bits`'s to say.
fn dh_facts(facts: &mut Facts, e: &Enumeration) {
    if e.dh_groups.is_empty() {
        return;
    }
    if let Some(&bits) = e.dh_groups.values().filter_map(|r| r.as_ref().ok()).min() {
        facts.set("tls.dh_bits", i64::try_from(bits).unwrap_or(i64::MAX));
    }
    let unread: Vec<String> = e
        .dh_groups
        .values()
        .filter_map(|r| r.as_ref().err().cloned())
        .collect();
    facts.set("tls.dh_unread", unread);
}

/// The errors of an enumeration, said once when every version failed the same way
/// ("connection refused (every version)").
fn summarise(errors: &[String]) -> String {
    let causes: Vec<&str> = errors
        .iter()
        .map(|e| e.split_once(": ").map_or(e.as_str(), |(_, cause)| cause))
        .collect();
    match causes.split_first() {
        Some((first, rest)) if rest.iter().all(|c| c == first) && !rest.is_empty() => {
            format!("{first} (every version)")
        }
        _ => errors.join("; "),
    }
}

/// An SSLv2 cipher spec's name, or its hex code.
fn ssl2_spec_name(spec: u32) -> String {
    tls::SSL2_CIPHER_SPECS
        .iter()
        .find(|(s, _)| *s == spec)
        .map(|(_, n)| (*n).to_owned())
        .unwrap_or_else(|| format!("0x{spec:06X}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::time::Duration;

    /// A fake server: accepts `accepted` in its own preference order, refuses the rest.
    /// The suites of a hello record: after header (5), handshake header (4), version (2),
    /// random (32), session id.
    fn offered_suites(hello: &[u8]) -> Vec<u16> {
        let sid = usize::from(hello[43]);
        let at = 44 + sid;
        let len = usize::from(u16::from_be_bytes([hello[at], hello[at + 1]]));
        hello[at + 2..at + 2 + len]
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect()
    }

    fn fake(accepted: &[u16], offered: &RefCell<Vec<Vec<u16>>>, hello: &[u8]) -> Outcome {
        let suites = offered_suites(hello);
        offered.borrow_mut().push(suites.clone());
        match accepted.iter().find(|a| suites.contains(a)) {
            Some(&c) => Outcome::Selected(c),
            None => Outcome::Refused,
        }
    }

    #[tokio::test]
    async fn one_hello_finds_every_accepted_suite_in_server_order() {
        let candidates = tls_suites::legacy_codes();
        let accepted = [0xC030, 0x009D, 0x002F, 0x000A];
        let offered = RefCell::new(Vec::new());
        let deadline = Instant::now() + Duration::from_secs(5);
        let res = enumerate_version(&candidates, TLS1_2, None, deadline, |h: Vec<u8>| {
            let o = fake(&accepted, &offered, &h);
            async move { o }
        })
        .await;
        // The fake imposes its own order: found in that order, and the reversed offer says so.
        assert_eq!(res.suites, accepted);
        assert_eq!(res.server_order, Some(true));
        // One per accepted suite, one refusal, one order check: the floor.
        assert_eq!(res.connections, accepted.len() + 2);
        assert_eq!(offered.borrow()[0].len(), candidates.len());
        assert!(res.errors.is_empty());
    }

    #[tokio::test]
    async fn a_server_that_follows_the_client_is_recognised() {
        let candidates = tls_suites::legacy_codes();
        let accepted = [0x002F, 0x000A, 0xC030];
        let deadline = Instant::now() + Duration::from_secs(5);
        let res = enumerate_version(&candidates, TLS1_2, None, deadline, |h: Vec<u8>| {
            let suites = offered_suites(&h);
            let o = match suites.iter().find(|s| accepted.contains(s)) {
                Some(&c) => Outcome::Selected(c),
                None => Outcome::Refused,
            };
            async move { o }
        })
        .await;
        assert_eq!(res.server_order, Some(false));
        let mut got = res.suites.clone();
        got.sort_unstable();
        assert_eq!(got, [0x000A, 0x002F, 0xC030]);
    }

    #[tokio::test]
    async fn a_server_that_drops_long_hellos_is_asked_in_chunks() {
        let candidates = tls_suites::legacy_codes();
        let accepted = [0xC030, 0x0005];
        let offered = RefCell::new(Vec::new());
        let deadline = Instant::now() + Duration::from_secs(5);
        let res = enumerate_version(&candidates, TLS1_2, None, deadline, |h: Vec<u8>| {
            let o = if offered_suites(&h).len() > CHUNK {
                offered.borrow_mut().push(offered_suites(&h));
                Outcome::Dropped
            } else {
                fake(&accepted, &offered, &h)
            };
            async move { o }
        })
        .await;
        let mut got = res.suites.clone();
        got.sort_unstable();
        assert_eq!(got, [0x0005, 0xC030]);
        assert!(offered.borrow().iter().skip(1).all(|o| o.len() <= CHUNK));
        let chunks = candidates.len().div_ceil(CHUNK);
        // The dropped hello, then per chunk its accepted suites and one refusal, then the order.
        assert_eq!(res.connections, 1 + chunks + accepted.len() + 1);
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
        assert_eq!(res.server_order, None);
    }

    #[test]
    fn facts_name_versions_suites_and_order() {
        let e = Enumeration {
            protocols: vec![SSL2, TLS1_2],
            suites: [(TLS1_2, vec![0xC02F, 0x002F])].into(),
            server_order: [(TLS1_2, true)].into(),
            ssl2_specs: vec![0x0700C0],
            connections: 4,
            errors: Vec::new(),
            chain: None,
            dh_groups: BTreeMap::new(),
            silent: None,
        };
        let f = to_facts(&e);
        assert_eq!(
            f.get("tls.protocols").map(FactValue::display).as_deref(),
            Some("[SSLv2, TLSv1.2]")
        );
        let Some(FactValue::Map(suites)) = f.get("tls.suites") else {
            panic!("tls.suites is a map")
        };
        assert_eq!(
            suites.get("TLSv1.2"),
            Some(&FactValue::List(vec![
                FactValue::Str("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".into()),
                FactValue::Str("TLS_RSA_WITH_AES_128_CBC_SHA".into())
            ]))
        );
        assert_eq!(
            suites.get("SSLv2"),
            Some(&FactValue::List(vec![FactValue::Str(
                "SSL_CK_DES_192_EDE3_CBC_WITH_MD5".into()
            )]))
        );
    }
}

/// The certificate side of the probe: chains kept from the enumeration's flights, and why
/// there is none.
#[cfg(test)]
mod certificate_tests {
    use super::*;
    use std::time::Duration;

    fn recorded(text: &str) -> Vec<u8> {
        let s: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn accepted_tls12_flights_carry_their_chain_and_others_none() {
        let all = recorded(include_str!("../msgs/testdata/tls/s12_all.hex"));
        let (outcome, accepted) = classify(&all, TLS1_2);
        assert_eq!(outcome, Outcome::Selected(0x002F));
        let accepted = accepted.expect("an accepted flight");
        let chain = accepted.certificates.expect("the Certificate message");
        assert_eq!(chain.len(), 1);
        assert!(certificate::describe(&chain[0]).is_ok());
        // Static RSA: no DH group.
        assert_eq!(accepted.dh_bits, None);

        // The same answer to a TLS 1.1 offer is a refusal of that version: no chain kept.
        assert_eq!(classify(&all, TLS1_1), (Outcome::VersionRefused, None));

        // Anonymous DH: no certificate, and the 1024-bit group OpenSSL picks for it.
        let anon = recorded(include_str!("../msgs/testdata/tls/s12_anon.hex"));
        let (outcome, accepted) = classify(&anon, TLS1_2);
        assert!(matches!(outcome, Outcome::Selected(_)));
        let accepted = accepted.unwrap();
        assert_eq!(accepted.certificates, None);
        assert_eq!(accepted.dh_bits, Some(Ok(1024)));

        // ECDHE: a ServerKeyExchange, but with a curve, not a finite-field group.
        let ecdhe = recorded(include_str!("../msgs/testdata/tls/s12_ecdhe.hex"));
        assert_eq!(classify(&ecdhe, TLS1_2).1.unwrap().dh_bits, None);

        let s13 = recorded(include_str!("../msgs/testdata/tls/s13.hex"));
        let (outcome, accepted) = classify(&s13, TLS1_3);
        assert!(matches!(outcome, Outcome::Selected(_)));
        let accepted = accepted.unwrap();
        assert_eq!(
            accepted.certificates, None,
            "TLS 1.3 encrypts the Certificate message"
        );
        assert_eq!(accepted.dh_bits, None);
    }

    #[test]
    fn dh_bits_is_the_smallest_group_and_unread_groups_are_not_guessed() {
        let with = |groups: DhGroups| {
            let e = Enumeration {
                protocols: vec![TLS1_2],
                suites: [(TLS1_2, vec![0x009E])].into(),
                dh_groups: groups,
                ..Enumeration::default()
            };
            let mut f = to_facts(&e);
            crate::derive::tls::dh_bits(&mut f);
            f
        };
        // No DHE suite: no fact (the check does not apply).
        let f = with(DhGroups::new());
        assert!(f.get("tls.dh_bits").is_none() && f.why_unavailable("tls.dh_bits").is_none());
        let f = with(
            [
                ((TLS1_2, 0x009E, true), Ok(2048)),
                ((TLS1_0, 0x0033, true), Ok(1024)),
            ]
            .into(),
        );
        assert_eq!(f.get("tls.dh_bits"), Some(&FactValue::Int(1024)));
        let unread = || Err("TLS_DHE_RSA_WITH_AES_128_CBC_SHA: malformed x".to_owned());
        // One unread group and the others strong: cannot tell.
        let f = with(
            [
                ((TLS1_2, 0x009E, true), Ok(2048)),
                ((TLS1_2, 0x0033, true), unread()),
            ]
            .into(),
        );
        assert!(f
            .why_unavailable("tls.dh_bits")
            .unwrap()
            .contains("malformed x"));
        // One unread group, but another already weak: the weak one is enough.
        let f = with(
            [
                ((TLS1_2, 0x009E, true), Ok(1024)),
                ((TLS1_2, 0x0033, true), unread()),
            ]
            .into(),
        );
        assert_eq!(f.get("tls.dh_bits"), Some(&FactValue::Int(1024)));
        // The group a client without RFC 7919 groups gets counts as much as the offered one.
        let f = with(
            [
                ((TLS1_2, 0x009E, true), Ok(2048)),
                ((TLS1_2, 0x009E, false), Ok(1024)),
            ]
            .into(),
        );
        assert_eq!(f.get("tls.dh_bits"), Some(&FactValue::Int(1024)));
        let f = with([((TLS1_2, 0x0033, true), unread())].into());
        assert!(f.why_unavailable("tls.dh_bits").is_some());
    }

    #[test]
    fn reasons_for_no_chain() {
        let mut e = Enumeration::default();
        assert!(no_chain_reason(&e).starts_with("no SSL/TLS handshake succeeded"));
        e.errors = vec![
            "TLSv1.2: connection refused".into(),
            "TLSv1.3: connection refused".into(),
        ];
        assert_eq!(
            no_chain_reason(&e),
            "no SSL/TLS handshake succeeded, so no certificate was seen: connection refused \
             (every version)"
        );
        e.protocols = vec![SSL2];
        assert!(no_chain_reason(&e).contains("only SSLv2"));
        e.protocols = vec![TLS1_2];
        e.suites = [(TLS1_2, vec![0x00A6, 0xC018])].into(); // DH_anon, ECDH_anon
        assert!(no_chain_reason(&e).contains("anonymous"));
        e.suites = [(TLS1_2, vec![0x00A6, 0x002F])].into();
        assert_eq!(
            no_chain_reason(&e),
            "the server's handshakes carried no Certificate message"
        );
    }

    #[tokio::test]
    async fn chain_from_the_enumeration_is_analysed_without_connecting() {
        let all = recorded(include_str!("../msgs/testdata/tls/s12_all.hex"));
        let (_, accepted) = classify(&all, TLS1_2);
        let log = ChainLog::default();
        log.keep(TLS1_2, 0x002F, accepted.unwrap().certificates.unwrap());
        let e = Enumeration {
            protocols: vec![TLS1_2, TLS1_3],
            chain: log.best(),
            ..Enumeration::default()
        };
        // Port 9 of a TEST-NET address: nothing may connect there in this test.
        let ep = Endpoint {
            name: "t".into(),
            addr: "192.0.2.1:9".parse().unwrap(),
        };
        let ctx = ProbeContext::new(Default::default(), 1, 1);
        let now = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap();
        let deadline = Instant::now() + Duration::from_millis(100);
        let f = certificate_facts(&ctx, &ep, &e, &TrustAnchors::empty(), now, deadline).await;
        assert_eq!(f.get_str("tls.cert.source"), Some("TLSv1.2 handshake"));
        assert_eq!(
            f.get_str("tls.cert.source_suite"),
            Some("TLS_RSA_WITH_AES_128_CBC_SHA")
        );
        assert_eq!(f.get_str("tls.cert.subject"), Some("CN=t"));
        assert_eq!(f.get_bool("tls.cert.self_signed"), Some(true));
        assert_eq!(f.get_bool("tls.cert.chain_valid"), Some(false));

        let none = Enumeration {
            protocols: vec![TLS1_2],
            suites: [(TLS1_2, vec![0x00A6])].into(),
            ..Enumeration::default()
        };
        let f = certificate_facts(&ctx, &ep, &none, &TrustAnchors::empty(), now, deadline).await;
        assert!(f.values.is_empty());
        assert!(f
            .why_unavailable("tls.cert.chain_valid")
            .is_some_and(|w| w.contains("anonymous")));
    }
}

/// Hostile and silent TLS servers: tiny listeners on loopback that answer every ClientHello
/// with crafted bytes. The real answer they start from is `s12_all.hex`, recorded from OpenSSL
/// 3.0.19 `openssl s_server -tls1_2` (see msgs/testdata/tls/README.md); the rest is crafted from
/// the RFC 5246 §6.2.1 record and §7.4 handshake layouts.
#[cfg(test)]
mod hostile_tests {
    use super::*;
    use std::time::Duration;
    use tokio::io::AsyncReadExt;
    use tokio::net::TcpListener;

    /// A server answer: what to do with one connection, given the ClientHello it got.
    type Answer = fn(&[u8]) -> Behaviour;

    enum Behaviour {
        /// Accept, read, say nothing.
        Silent,
        /// Send these bytes after a pause, then keep the connection open a while.
        Send(Duration, Vec<u8>),
        /// Send these bytes, then reset the connection.
        SendThenReset(Vec<u8>),
    }

    fn hex(text: &str) -> Vec<u8> {
        let s: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn s12_all() -> Vec<u8> {
        hex(include_str!("../msgs/testdata/tls/s12_all.hex"))
    }

    /// The first record of `s12_all`: the ServerHello alone.
    fn server_hello_record() -> Vec<u8> {
        let all = s12_all();
        let len = usize::from(u16::from_be_bytes([all[3], all[4]]));
        all[..5 + len].to_vec()
    }

    /// The suites a TLS ClientHello record offers; empty for anything else (an SSLv2 hello).
    fn offered(hello: &[u8]) -> Vec<u16> {
        let Some(&sid) = hello.get(43) else {
            return Vec::new();
        };
        let at = 44 + usize::from(sid);
        let Some(len) = hello.get(at..at + 2) else {
            return Vec::new();
        };
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        hello
            .get(at + 2..at + 2 + len)
            .unwrap_or_default()
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)]))
            .collect()
    }

    /// An alert record (RFC 5246 §7.2): fatal, `description`.
    fn alert(description: u8) -> Vec<u8> {
        vec![21, 3, 3, 0, 2, 2, description]
    }

    /// A handshake record holding one message of `typ` whose header claims `len` bytes.
    fn handshake_claiming(typ: u8, len: u32, body: &[u8]) -> Vec<u8> {
        let mut msg = vec![typ];
        msg.extend_from_slice(&len.to_be_bytes()[1..]);
        msg.extend_from_slice(body);
        let mut rec = vec![22, 3, 3];
        rec.extend_from_slice(&u16::try_from(msg.len()).unwrap().to_be_bytes());
        rec.extend_from_slice(&msg);
        rec
    }

    async fn serve(ip: &str, answer: Answer) -> std::net::SocketAddr {
        let l = TcpListener::bind((ip, 0))
            .await
            .expect("bind the test address");
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 16 * 1024];
                    let n = s.read(&mut buf).await.unwrap_or(0);
                    match answer(&buf[..n]) {
                        Behaviour::Silent => {
                            tokio::time::sleep(Duration::from_secs(30)).await;
                        }
                        Behaviour::Send(pause, bytes) => {
                            tokio::time::sleep(pause).await;
                            let _ = s.write_all(&bytes).await;
                            tokio::time::sleep(Duration::from_secs(30)).await;
                        }
                        Behaviour::SendThenReset(bytes) => {
                            let _ = s.write_all(&bytes).await;
                            let _ = s.set_zero_linger();
                        }
                    }
                });
            }
        });
        addr
    }

    fn ctx(timeout_ms: u64, per_host: usize) -> ProbeContext {
        let limits = super::super::Limits {
            connect_timeout: Duration::from_secs(1),
            port_budget: Duration::from_millis(timeout_ms),
            max_message: 64 * 1024,
        };
        ProbeContext::new(limits, 64, per_host)
    }

    /// Probes the server at `addr` as the engine does, with a timeout of `timeout_ms` (and so a
    /// TLS budget of four): the facts and the wall time.
    async fn probe(
        addr: std::net::SocketAddr,
        timeout_ms: u64,
        per_host: usize,
    ) -> (Facts, Duration) {
        let ctx = ctx(timeout_ms, per_host);
        let ep = Endpoint {
            name: "hostile.example.lab".into(),
            addr,
        };
        let now = DateTime::parse_from_rfc3339("2026-05-01T00:00:00+09:00").unwrap();
        let started = Instant::now();
        let deadline = started + ctx.limits.tls_budget();
        let facts = probe_endpoint(&ctx, &ep, &TrustAnchors::empty(), now, deadline).await;
        (facts, started.elapsed())
    }

    /// Nothing TLS may pass: every probe fact is unavailable, `tls.protocols` for a reason with `why`.
    fn all_unavailable(facts: &Facts, why: &str) {
        for name in [
            "tls.protocols",
            "tls.suites",
            "tls.cert.expired",
            "tls.cert.chain_valid",
        ] {
            assert!(facts.get(name).is_none(), "{name} observed: {facts:?}");
            assert!(facts.why_unavailable(name).is_some(), "{name}: {facts:?}");
        }
        let reason = facts.why_unavailable("tls.protocols").unwrap_or_default();
        assert!(reason.contains(why), "{reason}");
    }

    #[tokio::test]
    async fn a_silent_endpoint_costs_one_timeout_and_says_so_in_both_languages() {
        for per_host in [8, 2] {
            let addr = serve("127.0.0.190", |_| Behaviour::Silent).await;
            let (facts, took) = probe(addr, 1000, per_host).await;
            eprintln!("silent TLS endpoint, per-host {per_host}: {took:?}");
            assert!(took < Duration::from_millis(1500), "took {took:?}");
            all_unavailable(&facts, "sent nothing within 1.0 s");
            let ja = facts.unavailable_ja.get("tls.protocols").unwrap();
            assert!(ja.contains("何も送らなかった"), "{ja}");
        }
    }

    #[tokio::test]
    async fn a_slow_server_is_still_enumerated_within_the_larger_budget() {
        // Each answer comes 0.6 s after the hello (under one 1 s timeout); finding TLS 1.2's one
        // suite takes two answers in a row, so more than one timeout in all.
        let addr = serve("127.0.0.191", |hello| {
            let pause = Duration::from_millis(600);
            if offered(hello).contains(&0x002F) {
                Behaviour::Send(pause, s12_all())
            } else {
                Behaviour::Send(pause, alert(40))
            }
        })
        .await;
        let (facts, took) = probe(addr, 1000, 8).await;
        eprintln!("slow TLS server: {took:?}");
        assert_eq!(
            facts
                .get("tls.protocols")
                .map(FactValue::display)
                .as_deref(),
            Some("[TLSv1.2]"),
            "{facts:?}"
        );
        assert!(took > Duration::from_millis(1000), "took {took:?}");
        assert_eq!(facts.get_str("tls.cert.subject"), Some("CN=t"));
    }

    #[tokio::test]
    async fn a_handshake_message_claiming_16_mib_is_refused_at_once() {
        let addr = serve("127.0.0.192", |_| {
            Behaviour::Send(Duration::ZERO, handshake_claiming(2, 0xFF_FFFF, &[3, 3]))
        })
        .await;
        let (facts, took) = probe(addr, 1000, 8).await;
        eprintln!("handshake message claiming 16 MiB: {took:?}");
        assert!(took < Duration::from_millis(1500), "took {took:?}");
        all_unavailable(&facts, "claims 16 MiB");
    }

    #[tokio::test]
    async fn a_record_claiming_more_than_the_protocol_allows_is_refused_at_once() {
        // A handshake record header claiming 65535 bytes (RFC 5246 §6.2.1 allows 2^14 + 2048).
        let addr = serve("127.0.0.193", |_| {
            Behaviour::Send(Duration::ZERO, vec![22, 3, 3, 0xFF, 0xFF, 2, 0, 0])
        })
        .await;
        let (facts, took) = probe(addr, 1000, 8).await;
        eprintln!("record claiming 64 KiB: {took:?}");
        assert!(took < Duration::from_millis(1500), "took {took:?}");
        all_unavailable(&facts, "exceeds the protocol limit");
    }

    #[tokio::test]
    async fn server_hello_then_garbage_and_reset_mid_handshake_end_in_error() {
        let garbage = serve("127.0.0.194", |_| {
            let mut bytes = server_hello_record();
            bytes.extend_from_slice(b"\x00\x01garbage, not a record");
            Behaviour::Send(Duration::ZERO, bytes)
        })
        .await;
        let (facts, took) = probe(garbage, 1000, 8).await;
        eprintln!("ServerHello then garbage: {took:?}");
        assert!(took < Duration::from_millis(1500), "took {took:?}");
        all_unavailable(&facts, "malformed record framing");

        let reset = serve("127.0.0.195", |_| {
            Behaviour::SendThenReset(s12_all()[..40].to_vec())
        })
        .await;
        let (facts, took) = probe(reset, 1000, 8).await;
        eprintln!("reset mid-handshake: {took:?}");
        assert!(took < Duration::from_millis(1500), "took {took:?}");
        all_unavailable(&facts, "closed the connection without an alert");
    }

    #[tokio::test]
    async fn a_server_alerting_to_everything_accepts_nothing() {
        let addr = serve("127.0.0.196", |_| {
            Behaviour::Send(Duration::ZERO, alert(40))
        })
        .await;
        let (facts, took) = probe(addr, 1000, 8).await;
        eprintln!("alerts to everything: {took:?}");
        assert!(took < Duration::from_millis(1500), "took {took:?}");
        all_unavailable(&facts, "accepted no SSL/TLS version");
    }

    /// s12_all's flight with its Certificate message replaced by one of `count` copies of `cert`.
    fn flight_with_chain(cert: &[u8], count: usize) -> Vec<u8> {
        let mut list = Vec::new();
        for _ in 0..count {
            list.extend_from_slice(&u32::try_from(cert.len()).unwrap().to_be_bytes()[1..]);
            list.extend_from_slice(cert);
        }
        let mut body = u32::try_from(list.len()).unwrap().to_be_bytes()[1..].to_vec();
        body.extend_from_slice(&list);
        let mut hs = vec![11];
        hs.extend_from_slice(&u32::try_from(body.len()).unwrap().to_be_bytes()[1..]);
        hs.extend_from_slice(&body);
        hs.extend_from_slice(&[14, 0, 0, 0]); // ServerHelloDone
        let mut out = server_hello_record();
        for fragment in hs.chunks(16 * 1024) {
            out.extend_from_slice(&[22, 3, 3]);
            out.extend_from_slice(&u16::try_from(fragment.len()).unwrap().to_be_bytes());
            out.extend_from_slice(fragment);
        }
        out
    }

    #[tokio::test]
    async fn a_thousand_certificate_chain_is_capped_or_refused() {
        // 1,000 copies of the recorded certificate (about 800 KiB): over the answer's cap.
        let addr = serve("127.0.0.197", |hello| {
            let all = s12_all();
            let chain = tls::parse_server_answer(&all).ok().and_then(|a| match a {
                ServerAnswer::Hello(f) => f.certificates,
                _ => None,
            });
            let cert = chain.and_then(|c| c.into_iter().next()).unwrap_or_default();
            if offered(hello).contains(&0x002F) {
                Behaviour::Send(Duration::ZERO, flight_with_chain(&cert, 1000))
            } else {
                Behaviour::Send(Duration::ZERO, alert(40))
            }
        })
        .await;
        let (facts, took) = probe(addr, 1000, 8).await;
        eprintln!("1,000 real certificates: {took:?}");
        assert!(took < Duration::from_millis(1500), "took {took:?}");
        all_unavailable(&facts, "handshake message type 11 claims 750 KiB");

        // 1,000 tiny "certificates" (64 bytes each) fit: the suite is seen, the chain is capped
        // and said to be, and nothing is judged valid.
        let addr = serve("127.0.0.198", |hello| {
            if offered(hello).contains(&0x002F) {
                Behaviour::Send(Duration::ZERO, flight_with_chain(&[0x30; 64], 1000))
            } else {
                Behaviour::Send(Duration::ZERO, alert(40))
            }
        })
        .await;
        let (facts, took) = probe(addr, 1000, 8).await;
        eprintln!("1,000 tiny certificates: {took:?}");
        assert!(took < Duration::from_millis(1500), "took {took:?}");
        assert_eq!(
            facts
                .get("tls.protocols")
                .map(FactValue::display)
                .as_deref(),
            Some("[TLSv1.2]")
        );
        let errors = facts
            .get("tls.errors")
            .map(FactValue::display)
            .unwrap_or_default();
        assert!(
            errors.contains("sent 1000 certificates; only the first 16"),
            "{errors}"
        );
        assert_ne!(
            facts.get_bool("tls.cert.chain_valid"),
            Some(true),
            "{facts:?}"
        );
    }
}
