//! RDP probe: identifies an RDP service by its X.224 negotiation and records which security
//! layers it accepts (standard RDP security, TLS, CredSSP/NLA) and what its pre-login NTLM
//! challenge discloses. Three connections: 0x0B (then TLS + CredSSP on it), 0x1, 0x0.

use std::collections::BTreeMap;
use std::sync::Arc;

use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::time::{timeout_at, Instant};
use tokio_rustls::TlsConnector;

use super::net::{read_message, read_until, Conn, NetError};
use super::{Answer, Endpoint, ProbeContext, Protocol};
use crate::fact::{FactValue, Facts};
use crate::msgs::credssp::{self, TsRequest};
use crate::msgs::ntlm::{self, Challenge};
use crate::msgs::x224::{self, Confirm, X224Error};

/// SSL | HYBRID | HYBRID_EX: what a current mstsc offers.
pub const REQUEST_CREDSSP: u32 =
    x224::PROTOCOL_SSL | x224::PROTOCOL_HYBRID | x224::PROTOCOL_HYBRID_EX;
pub const REQUEST_TLS: u32 = x224::PROTOCOL_SSL;
pub const REQUEST_STANDARD: u32 = x224::PROTOCOL_RDP;

/// A Connection Confirm is tiny; anything bigger is not one.
const MAX_CONFIRM: usize = 4096;
/// How many first bytes of a foreign answer are kept.
const FIRST_BYTES: usize = 64;

/// What one negotiation connection got back.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// A Connection Confirm.
    Confirm(Confirm),
    /// An X.224 answer that is not a usable confirm (data PDU, disconnect, malformed negotiation).
    Unusable(String),
    /// No answer: connect failed, timeout, closed, or not RDP at all (reason for people).
    NoAnswer(String),
}

impl Reply {
    /// The human string of `rdp.responses`.
    pub fn describe(&self) -> String {
        match self {
            Reply::Confirm(c) => c.to_string(),
            Reply::Unusable(why) => format!("unusable answer: {why}"),
            Reply::NoAnswer(why) => format!("no answer: {why}"),
        }
    }

    /// [`Reply::describe`] in Japanese (`rdp.responses_ja`): the protocol and failure names are
    /// identifiers, the reasons of an unusable or missing answer are quoted as they were given.
    pub fn describe_ja(&self) -> String {
        match self {
            Reply::Confirm(Confirm::Selected { protocol, .. }) => {
                format!("{} を選択", x224::protocol_name(*protocol))
            }
            Reply::Confirm(Confirm::Failure { code }) => {
                format!("失敗を返した: {} ({code})", x224::failure_name(*code))
            }
            Reply::Confirm(Confirm::NoNegotiation) => {
                "ネゴシエーション情報のない確認応答".to_owned()
            }
            Reply::Unusable(why) => format!("使えない応答（原文: \"{why}\"）"),
            Reply::NoAnswer(why) => format!("応答がない（原文: \"{why}\"）"),
        }
    }

    fn selected(&self) -> Option<u32> {
        match self {
            Reply::Confirm(Confirm::Selected { protocol, .. }) => Some(*protocol),
            _ => None,
        }
    }

    /// The server agreed to standard RDP security on this connection.
    fn shows_standard(&self) -> bool {
        matches!(self, Reply::Confirm(Confirm::NoNegotiation))
            || self.selected() == Some(x224::PROTOCOL_RDP)
    }

    fn shows_tls(&self) -> bool {
        self.selected() == Some(x224::PROTOCOL_SSL)
    }

    fn is_failure(&self) -> bool {
        matches!(self, Reply::Confirm(Confirm::Failure { .. }))
    }
}

/// The outcome of the TLS + CredSSP step on the first connection.
#[derive(Debug, Clone, PartialEq)]
pub enum NtlmStep {
    /// The server did not select CredSSP: nothing to ask.
    NotAttempted,
    Done(Box<Challenge>),
    Failed(String),
}

/// Tries the RDP handshake on `ep`, opening as many connections as it needs, all before `deadline`.
///
/// Facts of an identified server (a bool or map that cannot be observed is unavailable, with
/// the reason, never guessed):
/// - `service.protocol` (str) = "rdp";
/// - `rdp.responses` (map str→str): per request ("ssl+hybrid+hybrid_ex", "ssl", "rdp") what came
///   back ("selected ssl", "failure HYBRID_REQUIRED_BY_SERVER (5)", "no answer: ...", ...);
/// - `rdp.selected_protocol` (str): the choice among 0x0B, "none" on a failure code;
/// - `rdp.accepts_standard_security`, `rdp.accepts_tls`, `rdp.accepts_credssp`,
///   `rdp.nla_enforced` (bool);
/// - `rdp.ntlm_info` (map str→str: netbios_computer, netbios_domain, dns_computer, dns_domain,
///   dns_tree, target_name, os_version) and `rdp.ntlm_discloses` (bool).
pub async fn identify(ctx: &ProbeContext, ep: &Endpoint, deadline: Instant) -> Answer {
    // Connection 1: offer everything a modern client offers.
    let (first, ntlm_step) = {
        let (mut conn, raw) = match negotiate(ctx, ep, REQUEST_CREDSSP, deadline).await {
            Ok(v) => v,
            // Bytes that came before the answer stopped are what the port said: evidence.
            Err((_, partial)) if !partial.is_empty() => {
                return Answer::NotThis(partial.into_iter().take(FIRST_BYTES).collect())
            }
            Err((NetError::ReadTimeout, _)) => return Answer::Silent,
            Err((e, _)) => return Answer::Failed(e.to_string()),
        };
        let reply = match x224::parse_connection_confirm(&raw) {
            Ok(c) => Reply::Confirm(c),
            Err(e) if e.is_x224() => Reply::Unusable(e.to_string()),
            Err(_) => return Answer::NotThis(raw.iter().copied().take(FIRST_BYTES).collect()),
        };
        let step = match reply.selected() {
            Some(x224::PROTOCOL_HYBRID | x224::PROTOCOL_HYBRID_EX) => {
                // Leave at least half of what remains for the two other connections.
                let step_deadline = share_of(deadline, 2);
                match ntlm_challenge(&mut conn, ep, ctx.limits.max_message, step_deadline).await {
                    Ok((_, c)) => NtlmStep::Done(Box::new(c)),
                    Err(why) => NtlmStep::Failed(why),
                }
            }
            _ => NtlmStep::NotAttempted,
        };
        (reply, step)
    }; // connection 1 (and its concurrency permits) released here

    // Connections 2 and 3, one after the other (a host may allow one connection at a time).
    let tls = negotiate_reply(ctx, ep, REQUEST_TLS, share_of(deadline, 2)).await;
    let standard = negotiate_reply(ctx, ep, REQUEST_STANDARD, deadline).await;
    Answer::Identified(facts_from(&first, &tls, &standard, &ntlm_step))
}

/// A deadline `1/parts` of the way from now to `deadline`.
fn share_of(deadline: Instant, parts: u32) -> Instant {
    let now = Instant::now();
    let left = deadline.saturating_duration_since(now);
    now + left / parts.max(1)
}

/// Connects, sends a Connection Request for `requested` and reads one TPKT (or whatever a foreign
/// server sent first). Returns the connection for further use and the bytes read.
async fn negotiate(
    ctx: &ProbeContext,
    ep: &Endpoint,
    requested: u32,
    deadline: Instant,
) -> Result<(Conn, Vec<u8>), (NetError, Vec<u8>)> {
    let mut conn = match timeout_at(deadline, ctx.connect(ep.addr)).await {
        Err(_) => {
            let why = NetError::Connect("no connection before the time budget ran out".into());
            return Err((why, Vec::new()));
        }
        Ok(Err(e)) => return Err((e, Vec::new())),
        Ok(Ok(c)) => c,
    };
    let request = x224::connection_request(requested, None);
    match timeout_at(deadline, conn.stream.write_all(&request)).await {
        Err(_) => return Err((NetError::ReadTimeout, Vec::new())),
        Ok(Err(e)) => return Err((NetError::Io(e.to_string()), Vec::new())),
        Ok(Ok(())) => {}
    }
    let max = ctx.limits.max_message.min(MAX_CONFIRM);
    // A TPKT announcing more than a confirm can be is cut at `max`: the parser then rejects it,
    // and the first bytes are still there to show.
    let complete = |buf: &[u8]| {
        let want = x224::tpkt_length(buf)?.min(max);
        (buf.len() >= want).then_some(want)
    };
    match read_until(&mut conn.stream, max, deadline, complete).await {
        (raw, None) => Ok((conn, raw)),
        (partial, Some(e)) => Err((e, partial)),
    }
}

/// One negotiation connection, closed at once, as a `Reply`.
async fn negotiate_reply(
    ctx: &ProbeContext,
    ep: &Endpoint,
    requested: u32,
    deadline: Instant,
) -> Reply {
    match negotiate(ctx, ep, requested, deadline).await {
        Err((e, _)) => Reply::NoAnswer(e.to_string()),
        Ok((_conn, raw)) => match x224::parse_connection_confirm(&raw) {
            Ok(c) => Reply::Confirm(c),
            Err(e @ X224Error::NotTpkt(_)) => Reply::NoAnswer(format!("not an RDP answer ({e})")),
            Err(e) => Reply::Unusable(e.to_string()),
        },
    }
}

/// On a connection whose server selected CredSSP: TLS handshake (any certificate), then
/// TSRequest{NTLM NEGOTIATE}, and the server's CHALLENGE_MESSAGE (raw token and parsed).
pub async fn ntlm_challenge(
    conn: &mut Conn,
    ep: &Endpoint,
    max_message: usize,
    deadline: Instant,
) -> Result<(Vec<u8>, Challenge), String> {
    // Any certificate is accepted: we only want the server's NTLM challenge, never to send
    // credentials, so the server's identity does not matter here.
    let verifier = Arc::new(super::tls_cert::RecordingVerifier::default());
    let config = super::tls_cert::recording_client_config(verifier)
        .map_err(|e| format!("TLS setup failed: {e}"))?;
    let server_name = ServerName::try_from(ep.name.clone())
        .unwrap_or_else(|_| ServerName::IpAddress(ep.addr.ip().into()));
    let connector = TlsConnector::from(Arc::new(config));
    let mut tls = match timeout_at(deadline, connector.connect(server_name, &mut conn.stream)).await
    {
        Err(_) => return Err("TLS handshake: no answer within the time budget".into()),
        Ok(Err(e)) => return Err(format!("TLS handshake failed: {e}")),
        Ok(Ok(s)) => s,
    };
    let token = credssp_exchange(&mut tls, max_message, deadline).await?;
    // Servers send raw NTLM; should one wrap it (SPNEGO), the NTLM message starts at its signature.
    let start = token
        .windows(ntlm::SIGNATURE.len())
        .position(|w| w == ntlm::SIGNATURE)
        .ok_or_else(|| "CredSSP answer carries no NTLM message".to_owned())?;
    let ntlm_bytes = token.get(start..).unwrap_or_default();
    let challenge = ntlm::parse_challenge(ntlm_bytes).map_err(|e| e.to_string())?;
    Ok((ntlm_bytes.to_vec(), challenge))
}

/// Sends TSRequest{NTLM NEGOTIATE} on `stream` and returns the first negoToken of the answer.
async fn credssp_exchange<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    max_message: usize,
    deadline: Instant,
) -> Result<Vec<u8>, String> {
    let request =
        TsRequest::with_token(credssp::CLIENT_VERSION, &ntlm::negotiate_message()).encode();
    match timeout_at(deadline, async {
        stream.write_all(&request).await?;
        stream.flush().await
    })
    .await
    {
        Err(_) => return Err("CredSSP: could not send within the time budget".into()),
        Ok(Err(e)) => return Err(format!("CredSSP: send failed: {e}")),
        Ok(Ok(())) => {}
    }
    let max = max_message.min(credssp::MAX_TS_REQUEST);
    let raw = read_message(stream, max, deadline, credssp::ts_request_complete)
        .await
        .map_err(|e| format!("CredSSP: {e}"))?;
    let answer = credssp::decode_ts_request(&raw).map_err(|e| format!("CredSSP: {e}"))?;
    match (answer.nego_token, answer.error_code) {
        (Some(token), _) => Ok(token),
        (None, Some(code)) => Err(format!("CredSSP: server answered errorCode 0x{code:08X}")),
        (None, None) => Err("CredSSP: answer without negoTokens".into()),
    }
}

/// The facts of the three negotiations and of the NTLM step. Pure, so the decision table is
/// tested without a network.
pub fn facts_from(first: &Reply, tls: &Reply, standard: &Reply, ntlm_step: &NtlmStep) -> Facts {
    let mut facts = Facts::new();
    facts.set("service.protocol", Protocol::Rdp.name());

    let mut responses = BTreeMap::new();
    let mut responses_ja = BTreeMap::new();
    for (requested, reply) in [
        (REQUEST_CREDSSP, first),
        (REQUEST_TLS, tls),
        (REQUEST_STANDARD, standard),
    ] {
        let requested = x224::protocols_name(requested);
        responses_ja.insert(requested.clone(), FactValue::from(reply.describe_ja()));
        responses.insert(requested, FactValue::from(reply.describe()));
    }
    facts.set("rdp.responses", FactValue::Map(responses));
    facts.set("rdp.responses_ja", FactValue::Map(responses_ja));

    match first {
        Reply::Confirm(Confirm::Selected { protocol, .. }) => {
            facts.set("rdp.selected_protocol", x224::protocol_name(*protocol))
        }
        Reply::Confirm(Confirm::Failure { .. }) => facts.set("rdp.selected_protocol", "none"),
        // No negotiation data: a server that only knows standard RDP security.
        Reply::Confirm(Confirm::NoNegotiation) => facts.set(
            "rdp.selected_protocol",
            x224::protocol_name(x224::PROTOCOL_RDP),
        ),
        other => facts.unavailable("rdp.selected_protocol", other.describe()),
    }

    // Any connection on which the server agreed to a layer proves it; a refusal needs the
    // connection that asked for that layer alone.
    let replies = [first, tls, standard];
    let standard_ok = if replies.iter().any(|r| r.shows_standard()) {
        Some(true)
    } else if let Reply::Confirm(_) = standard {
        Some(false)
    } else {
        None
    };
    let tls_ok = if replies.iter().any(|r| r.shows_tls()) {
        Some(true)
    } else if let Reply::Confirm(_) = tls {
        Some(false)
    } else {
        None
    };
    let why = |label: &str, reply: &Reply| format!("request {label}: {}", reply.describe());
    match standard_ok {
        Some(v) => facts.set("rdp.accepts_standard_security", v),
        None => facts.unavailable("rdp.accepts_standard_security", why("rdp", standard)),
    }
    match tls_ok {
        Some(v) => facts.set("rdp.accepts_tls", v),
        None => facts.unavailable("rdp.accepts_tls", why("ssl", tls)),
    }

    let credssp_ok = match first {
        Reply::Confirm(_) => Some(matches!(
            first.selected(),
            Some(x224::PROTOCOL_HYBRID | x224::PROTOCOL_HYBRID_EX)
        )),
        _ => None,
    };
    match credssp_ok {
        Some(v) => facts.set("rdp.accepts_credssp", v),
        None => facts.unavailable("rdp.accepts_credssp", why("ssl+hybrid+hybrid_ex", first)),
    }

    // NLA is enforced only if both non-CredSSP requests were refused with failure codes.
    if standard_ok == Some(true) || tls_ok == Some(true) {
        facts.set("rdp.nla_enforced", false);
    } else if tls.is_failure() && standard.is_failure() {
        facts.set("rdp.nla_enforced", true);
    } else {
        let reason = [("ssl", tls), ("rdp", standard)]
            .iter()
            .filter(|(_, r)| !r.is_failure())
            .map(|(label, r)| why(label, r))
            .collect::<Vec<_>>()
            .join("; ");
        facts.unavailable("rdp.nla_enforced", reason);
    }

    match (credssp_ok, ntlm_step) {
        (Some(false), _) => {
            facts.set("rdp.ntlm_info", FactValue::Map(BTreeMap::new()));
            facts.set("rdp.ntlm_discloses", false);
        }
        (None, _) => {
            let reason = "CredSSP availability unknown: ".to_owned() + &first.describe();
            facts.unavailable("rdp.ntlm_info", reason.clone());
            facts.unavailable("rdp.ntlm_discloses", reason);
        }
        (Some(true), NtlmStep::Done(challenge)) => {
            let info = ntlm_info(challenge);
            let discloses = !info.is_empty();
            facts.set("rdp.ntlm_info", info);
            facts.set("rdp.ntlm_discloses", discloses);
        }
        (Some(true), NtlmStep::Failed(why)) => {
            facts.unavailable("rdp.ntlm_info", why.clone());
            facts.unavailable("rdp.ntlm_discloses", why.clone());
        }
        (Some(true), NtlmStep::NotAttempted) => {
            facts.unavailable("rdp.ntlm_info", "NTLM challenge not requested");
            facts.unavailable("rdp.ntlm_discloses", "NTLM challenge not requested");
        }
    }
    facts
}

/// The `rdp.ntlm_info` map: every non-empty name and the OS version. Every key names a host,
/// a domain or the OS build, so a non-empty map is a disclosure.
pub fn ntlm_info(c: &Challenge) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let fields = [
        ("netbios_computer", &c.nb_computer),
        ("netbios_domain", &c.nb_domain),
        ("dns_computer", &c.dns_computer),
        ("dns_domain", &c.dns_domain),
        ("dns_tree", &c.dns_tree),
        ("target_name", &c.target_name),
    ];
    for (key, value) in fields {
        if let Some(v) = value
            .as_deref()
            .map(|v| v.trim_end_matches('\0'))
            .filter(|v| !v.is_empty())
        {
            map.insert(key.to_owned(), v.to_owned());
        }
    }
    if let Some(v) = c.version {
        map.insert("os_version".to_owned(), v.to_string());
    }
    map
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::AsyncReadExt;
    use tokio::net::TcpListener;

    use super::*;
    use crate::probe::Limits;

    fn rsp(protocol: u32) -> Reply {
        Reply::Confirm(Confirm::Selected { protocol, flags: 0 })
    }
    fn fail(code: u32) -> Reply {
        Reply::Confirm(Confirm::Failure { code })
    }

    /// Every kind of reply said in Japanese: the protocol and failure names are identifiers, a
    /// reason given by the parser or the network is quoted.
    #[test]
    fn each_reply_is_described_in_japanese() {
        for (reply, en, ja) in [
            (
                Reply::Confirm(Confirm::Selected {
                    protocol: x224::PROTOCOL_SSL,
                    flags: 0,
                }),
                "selected ssl",
                "ssl を選択",
            ),
            (
                Reply::Confirm(Confirm::Failure { code: 5 }),
                "failure HYBRID_REQUIRED_BY_SERVER (5)",
                "失敗を返した: HYBRID_REQUIRED_BY_SERVER (5)",
            ),
            (
                Reply::Confirm(Confirm::NoNegotiation),
                "confirm without negotiation data",
                "ネゴシエーション情報のない確認応答",
            ),
            (
                Reply::Unusable("X.224 data PDU instead of a connection confirm".into()),
                "unusable answer: X.224 data PDU instead of a connection confirm",
                "使えない応答（原文: \"X.224 data PDU instead of a connection confirm\"）",
            ),
            (
                Reply::NoAnswer("connection refused".into()),
                "no answer: connection refused",
                "応答がない（原文: \"connection refused\"）",
            ),
        ] {
            assert_eq!(
                (reply.describe().as_str(), reply.describe_ja().as_str()),
                (en, ja)
            );
            assert_eq!(crate::i18n::english_prose(ja), Vec::<String>::new());
        }
    }

    #[test]
    fn decision_table_of_peers_md() {
        // xrdp negotiate: 0xB -> RSP 1, 0x1 -> RSP 1, 0x0 -> RSP 0.
        let f = facts_from(&rsp(1), &rsp(1), &rsp(0), &NtlmStep::NotAttempted);
        assert_eq!(f.get_str("rdp.selected_protocol"), Some("ssl"));
        assert_eq!(f.get_bool("rdp.accepts_tls"), Some(true));
        assert_eq!(f.get_bool("rdp.accepts_standard_security"), Some(true));
        assert_eq!(f.get_bool("rdp.accepts_credssp"), Some(false));
        assert_eq!(f.get_bool("rdp.nla_enforced"), Some(false));
        assert_eq!(
            f.get("rdp.ntlm_info"),
            Some(&FactValue::Map(BTreeMap::new()))
        );
        assert_eq!(f.get_bool("rdp.ntlm_discloses"), Some(false));
        // xrdp rdp: RSP 0 everywhere.
        let f = facts_from(&rsp(0), &rsp(0), &rsp(0), &NtlmStep::NotAttempted);
        assert_eq!(f.get_str("rdp.selected_protocol"), Some("rdp"));
        assert_eq!(f.get_bool("rdp.accepts_tls"), Some(false));
        assert_eq!(f.get_bool("rdp.accepts_standard_security"), Some(true));
        assert_eq!(f.get_bool("rdp.nla_enforced"), Some(false));
        // xrdp tls: F 1 for 0x0.
        let f = facts_from(&rsp(1), &rsp(1), &fail(1), &NtlmStep::NotAttempted);
        assert_eq!(f.get_bool("rdp.accepts_standard_security"), Some(false));
        assert_eq!(f.get_bool("rdp.accepts_tls"), Some(true));
        assert_eq!(f.get_bool("rdp.nla_enforced"), Some(false));
        // FreeRDP NLA: RSP 2, F 5, F 5.
        let challenge = ntlm::parse_challenge(&ntlm::tests::freerdp_challenge()).unwrap();
        let f = facts_from(
            &rsp(2),
            &fail(5),
            &fail(5),
            &NtlmStep::Done(Box::new(challenge)),
        );
        assert_eq!(f.get_str("rdp.selected_protocol"), Some("hybrid"));
        assert_eq!(f.get_bool("rdp.accepts_credssp"), Some(true));
        assert_eq!(f.get_bool("rdp.nla_enforced"), Some(true));
        assert_eq!(f.get_bool("rdp.ntlm_discloses"), Some(true));
        let Some(FactValue::Map(info)) = f.get("rdp.ntlm_info") else {
            panic!("no ntlm_info")
        };
        assert_eq!(info.get("netbios_computer"), Some(&FactValue::from("VM")));
        assert_eq!(info.get("os_version"), Some(&FactValue::from("6.1.7601")));
        let Some(FactValue::Map(responses)) = f.get("rdp.responses") else {
            panic!("no responses")
        };
        assert_eq!(
            responses.get("ssl"),
            Some(&FactValue::from("failure HYBRID_REQUIRED_BY_SERVER (5)"))
        );
        assert_eq!(
            responses.get("ssl+hybrid+hybrid_ex"),
            Some(&FactValue::from("selected hybrid"))
        );
        // The same answers in Japanese, keyed alike, the names as they are.
        let Some(FactValue::Map(responses_ja)) = f.get("rdp.responses_ja") else {
            panic!("no responses_ja")
        };
        assert_eq!(
            responses_ja.keys().collect::<Vec<_>>(),
            responses.keys().collect::<Vec<_>>()
        );
        assert_eq!(
            responses_ja.get("ssl"),
            Some(&FactValue::from(
                "失敗を返した: HYBRID_REQUIRED_BY_SERVER (5)"
            ))
        );
        assert_eq!(
            responses_ja.get("ssl+hybrid+hybrid_ex"),
            Some(&FactValue::from("hybrid を選択"))
        );
        // A legacy server: confirm without negotiation data.
        let none = Reply::Confirm(Confirm::NoNegotiation);
        let f = facts_from(&none, &none, &none, &NtlmStep::NotAttempted);
        assert_eq!(f.get_bool("rdp.accepts_standard_security"), Some(true));
        assert_eq!(f.get_bool("rdp.accepts_tls"), Some(false));
        assert_eq!(f.get_bool("rdp.nla_enforced"), Some(false));
    }

    #[test]
    fn never_guesses_nla_from_a_missing_answer() {
        let lost = Reply::NoAnswer("no answer within the time budget".into());
        // CredSSP selected, the TLS request refused, the standard one lost: enforcement unknown.
        let f = facts_from(
            &rsp(2),
            &fail(5),
            &lost,
            &NtlmStep::Failed("TLS handshake failed: x".into()),
        );
        assert_eq!(f.get_bool("rdp.nla_enforced"), None);
        assert!(f
            .why_unavailable("rdp.nla_enforced")
            .unwrap()
            .contains("request rdp: no answer"));
        assert_eq!(f.get_bool("rdp.accepts_standard_security"), None);
        assert!(f.why_unavailable("rdp.accepts_standard_security").is_some());
        assert_eq!(f.get_bool("rdp.accepts_tls"), Some(false));
        assert_eq!(
            f.why_unavailable("rdp.ntlm_info"),
            Some("TLS handshake failed: x")
        );
        assert!(f.why_unavailable("rdp.ntlm_discloses").is_some());
        // The TLS request lost: NLA unknown, even though standard security was refused.
        let f = facts_from(&rsp(2), &lost, &fail(5), &NtlmStep::NotAttempted);
        assert_eq!(f.get_bool("rdp.nla_enforced"), None);
        assert_eq!(f.get_bool("rdp.accepts_tls"), None);
        // ... but a TLS selection on the first connection settles it.
        let f = facts_from(&rsp(1), &lost, &lost, &NtlmStep::NotAttempted);
        assert_eq!(f.get_bool("rdp.nla_enforced"), Some(false));
        assert_eq!(f.get_bool("rdp.accepts_tls"), Some(true));
        // An odd selection (hybrid for a TLS-only request) is neither acceptance nor refusal.
        let f = facts_from(&rsp(2), &rsp(2), &fail(5), &NtlmStep::NotAttempted);
        assert_eq!(f.get_bool("rdp.nla_enforced"), None);
        // An unusable first answer: CredSSP unknown.
        let odd = Reply::Unusable("X.224 data PDU instead of a connection confirm".into());
        let f = facts_from(&odd, &fail(5), &fail(5), &NtlmStep::NotAttempted);
        assert_eq!(f.get_bool("rdp.accepts_credssp"), None);
        assert!(f.why_unavailable("rdp.selected_protocol").is_some());
        assert!(f.why_unavailable("rdp.ntlm_info").is_some());
    }

    /// A listener that runs `behave` on every connection; returns its endpoint.
    async fn listener<F, Fut>(behave: F) -> Endpoint
    where
        F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((sock, _)) = l.accept().await {
                tokio::spawn(behave(sock));
            }
        });
        Endpoint {
            name: "localhost".into(),
            addr,
        }
    }

    fn ctx() -> ProbeContext {
        let limits = Limits {
            connect_timeout: Duration::from_secs(1),
            ..Limits::default()
        };
        ProbeContext::new(limits, 4, 1)
    }

    #[tokio::test]
    async fn garbage_is_not_this() {
        let ep = listener(|mut s| async move {
            let mut buf = [0u8; 64];
            let _ = s.read(&mut buf).await;
            let _ = s.write_all(&[b'Z'; 200]).await;
            tokio::time::sleep(Duration::from_secs(2)).await;
        })
        .await;
        let start = Instant::now();
        let answer = identify(&ctx(), &ep, start + Duration::from_secs(2)).await;
        assert_eq!(answer, Answer::NotThis(vec![b'Z'; 64]));
        assert!(start.elapsed() < Duration::from_secs(2));
    }

    /// A confirm that arrives one byte at a time is still read whole.
    #[tokio::test]
    async fn a_dribbled_confirm_is_read_whole() {
        let ep = listener(|mut s| async move {
            let mut buf = [0u8; 64];
            let _ = s.read(&mut buf).await;
            for b in x224::connection_confirm(Confirm::Failure { code: 5 }) {
                let _ = s.write_all(&[b]).await;
                let _ = s.flush().await;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
        let Answer::Identified(f) =
            identify(&ctx(), &ep, Instant::now() + Duration::from_secs(3)).await
        else {
            panic!("not identified")
        };
        assert_eq!(f.get_str("rdp.selected_protocol"), Some("none"));
        assert_eq!(f.get_bool("rdp.nla_enforced"), Some(true));
    }

    #[tokio::test]
    async fn a_huge_tpkt_is_not_this() {
        let ep = listener(|mut s| async move {
            let mut buf = [0u8; 64];
            let _ = s.read(&mut buf).await;
            let mut answer = vec![3u8, 0, 0xff, 0xff];
            answer.extend_from_slice(&[0x41; 8000]);
            let _ = s.write_all(&answer).await;
            tokio::time::sleep(Duration::from_secs(2)).await;
        })
        .await;
        let answer = identify(&ctx(), &ep, Instant::now() + Duration::from_secs(2)).await;
        let Answer::NotThis(first) = answer else {
            panic!("{answer:?}")
        };
        assert_eq!(first.get(..4), Some(&[3u8, 0, 0xff, 0xff][..]));
        assert_eq!(first.len(), 64);
    }

    #[tokio::test]
    async fn tarpit_is_silent_within_the_deadline() {
        let ep = listener(|s| async move {
            tokio::time::sleep(Duration::from_secs(10)).await;
            drop(s);
        })
        .await;
        let start = Instant::now();
        let answer = identify(&ctx(), &ep, start + Duration::from_millis(500)).await;
        assert_eq!(answer, Answer::Silent);
        assert!(start.elapsed() < Duration::from_millis(900));
    }

    #[tokio::test]
    async fn immediate_close_fails() {
        let ep = listener(|s| async move { drop(s) }).await;
        let start = Instant::now();
        let answer = identify(&ctx(), &ep, start + Duration::from_secs(2)).await;
        assert!(matches!(answer, Answer::Failed(_)), "{answer:?}");
    }

    #[tokio::test]
    async fn refused_port_fails() {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let ep = Endpoint {
            name: "localhost".into(),
            addr: l.local_addr().unwrap(),
        };
        drop(l);
        let answer = identify(&ctx(), &ep, Instant::now() + Duration::from_secs(2)).await;
        assert_eq!(answer, Answer::Failed("connection refused".into()));
    }

    /// Selects CredSSP, then stalls after the TLS handshake would start: the other two
    /// connections still get their share of the budget and answer.
    #[tokio::test]
    async fn a_stalled_credssp_step_leaves_time_for_the_rest() {
        let ep = listener(|mut s| async move {
            let mut buf = [0u8; 64];
            let Ok(n) = s.read(&mut buf).await else {
                return;
            };
            let req = x224::parse_connection_request(&buf[..n]).unwrap();
            let answer = match req.requested {
                Some(r) if r & x224::PROTOCOL_HYBRID != 0 => Confirm::Selected {
                    protocol: 2,
                    flags: 0,
                },
                _ => Confirm::Failure { code: 5 },
            };
            let _ = s.write_all(&x224::connection_confirm(answer)).await;
            tokio::time::sleep(Duration::from_secs(10)).await;
        })
        .await;
        let start = Instant::now();
        let Answer::Identified(f) = identify(&ctx(), &ep, start + Duration::from_secs(2)).await
        else {
            panic!("not identified")
        };
        assert!(start.elapsed() < Duration::from_millis(2300));
        assert_eq!(f.get_bool("rdp.accepts_credssp"), Some(true));
        assert_eq!(f.get_bool("rdp.nla_enforced"), Some(true));
        assert!(f
            .why_unavailable("rdp.ntlm_info")
            .unwrap()
            .contains("TLS handshake"));
        assert_eq!(f.get_bool("rdp.ntlm_discloses"), None);
    }
}
