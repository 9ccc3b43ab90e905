//! Host sweep: connects to each listed port of a host and identifies the service by handshake,
//! never by port number (the number only orders the attempts). One port costs at most one budget.
//!
//! Per open port, within `Limits::port_budget` counted from the successful connect:
//! 1. if the port's usual protocol is client-first (3389 RDP, 104/4242/11112 DICOM, 445 SMB,
//!    5432 PostgreSQL, 1433 MS SQL, 80/8042/8080... HTTP, 443/8443... TLS), that identifier runs
//!    first, with at most half the budget;
//! 2. otherwise (or if it did not identify the port) we wait up to 1.5 s for a server-first
//!    greeting (SSH, FTP, Telnet, RFB, MySQL); an RFB banner is followed by the VNC handshake on
//!    the same connection. A server that speaks first with bytes nobody recognises is "unknown":
//!    a client-first protocol never speaks first, so trying those would only spend the budget;
//! 3. if the port stayed silent, the other client-first identifiers run in turn (HTTP, TLS, RDP,
//!    DICOM, SMB, PostgreSQL, MS SQL), each on its own connection, each given an equal share of
//!    what is left; bytes they got back (`NotThis`) are checked against the server-first
//!    recognisers and against HTTP. HTTP and TLS go first because they are what silent ports
//!    most often are, and both answer at once (an RDP server, by contrast, waits in silence for
//!    the rest of what it takes for an X.224 packet, which costs the HTTP attempt its share).
//!    An HTTP 400 is not the end: TLS servers (nginx, Apache) answer plain HTTP with one, so the
//!    TLS identifier runs too and, if it finds TLS, wins.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::time::{timeout_at, Instant};

use crate::diagnostic::both;
use crate::fact::Facts;
use crate::msgs::banner::{self as greeting, hex, printable};
use crate::msgs::framing;
use crate::msgs::rfb;

use super::net::{read_some, Conn, NetError};
use super::{banner, dicom, rdp, vnc, web, Answer, Endpoint, ProbeContext};

/// What a TCP connect to one port showed.
#[derive(Debug, Clone, PartialEq)]
pub enum PortState {
    Open,
    Closed,
    /// No answer to the connect (dropped by a firewall, or host down), with the reason.
    Filtered(String),
}

/// One swept port: its state and, when open, the facts of the service found there
/// (`service.protocol` is the protocol's name, `unknown` for an unrecognised answer, and
/// unavailable, with the reason, when the port accepted but said nothing within the budget).
#[derive(Debug, Clone, PartialEq)]
pub struct PortReport {
    pub port: u16,
    pub state: PortState,
    pub facts: Facts,
}

/// How long we wait for a server-first greeting.
pub const BANNER_WAIT: Duration = Duration::from_millis(1500);
/// After a complete line nobody recognises, how long we wait for more lines (an SSH server may
/// send other lines before its identification string).
const SETTLE: Duration = Duration::from_millis(300);
/// Evidence kept from an unrecognised answer.
const FIRST_BYTES: usize = 32;
/// The protocols the sweep identifies, as a reason names them.
const IDENTIFIED: &str =
    "RDP, VNC, DICOM, SSH, Telnet, FTP, SMB, MySQL, PostgreSQL, MS SQL, HTTP, TLS";

/// The client-first identifiers, in the order the sweep tries them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientFirst {
    Http,
    Tls,
    Rdp,
    Dicom,
    Smb,
    Postgresql,
    Mssql,
}

const ORDER: [ClientFirst; 7] = [
    ClientFirst::Http,
    ClientFirst::Tls,
    ClientFirst::Rdp,
    ClientFirst::Dicom,
    ClientFirst::Smb,
    ClientFirst::Postgresql,
    ClientFirst::Mssql,
];

impl ClientFirst {
    fn name(self) -> &'static str {
        match self {
            ClientFirst::Http => "http",
            ClientFirst::Tls => "tls",
            ClientFirst::Rdp => "rdp",
            ClientFirst::Dicom => "dicom",
            ClientFirst::Smb => "smb",
            ClientFirst::Postgresql => "postgresql",
            ClientFirst::Mssql => "mssql",
        }
    }

    /// The client-first protocol a port number usually carries (it only orders the attempts).
    fn usual_for(port: u16) -> Option<ClientFirst> {
        match port {
            3389 => Some(ClientFirst::Rdp),
            104 | 4242 | 11112 => Some(ClientFirst::Dicom),
            445 => Some(ClientFirst::Smb),
            5432 => Some(ClientFirst::Postgresql),
            1433 => Some(ClientFirst::Mssql),
            80 | 8000 | 8008 | 8042 | 8080 | 8081 | 8888 => Some(ClientFirst::Http),
            443 | 4443 | 8443 | 9443 => Some(ClientFirst::Tls),
            _ => None,
        }
    }

    async fn identify(self, ctx: &ProbeContext, ep: &Endpoint, deadline: Instant) -> Answer {
        // The identifier is trusted to honour its deadline; this makes sure of it.
        let run = async {
            match self {
                ClientFirst::Http => web::identify_http(ctx, ep, deadline).await,
                ClientFirst::Tls => web::identify_tls(ctx, ep, deadline).await,
                ClientFirst::Rdp => rdp::identify(ctx, ep, deadline).await,
                ClientFirst::Dicom => dicom::identify(ctx, ep, deadline).await,
                ClientFirst::Smb => banner::identify_smb(ctx, ep, deadline).await,
                ClientFirst::Postgresql => banner::identify_postgresql(ctx, ep, deadline).await,
                ClientFirst::Mssql => banner::identify_mssql(ctx, ep, deadline).await,
            }
        };
        timeout_at(deadline, run).await.unwrap_or(Answer::Silent)
    }
}

/// How long past its connect timeout and budget a port's probe may run before it is cut off:
/// each port is bounded by its budget, this only guards the run against a bug.
const PORT_CAP_MARGIN: Duration = Duration::from_secs(30);

/// Sweeps `ports` of the host named `name` at `ip`, concurrently within the context's bounds:
/// each port waits for a connection slot of its own (`ProbeContext::hold`), so as many ports are
/// in flight as `--per-host` allows, and a port's budget starts once it has its slot, never while
/// it queues behind other ports or hosts. Reports come back in the order of `ports`.
pub async fn sweep_host(
    ctx: &ProbeContext,
    name: &str,
    ip: IpAddr,
    ports: &[u16],
) -> Vec<PortReport> {
    let handles: Vec<_> = ports
        .iter()
        .map(|&port| {
            let ctx = ctx.clone();
            let ep = Endpoint {
                name: name.to_owned(),
                addr: SocketAddr::new(ip, port),
            };
            tokio::spawn(async move {
                let ctx = match ctx.hold(ip).await {
                    Ok(held) => held,
                    Err(e) => {
                        return Err(both(
                            format!("no connection slot: {e}"),
                            "接続枠を得られなかった（実行の終了中）".to_owned(),
                        ))
                    }
                };
                let cap = ctx.limits.connect_timeout + ctx.limits.port_budget + PORT_CAP_MARGIN;
                // Boxed once the slot is held: a port queued for its slot keeps a small task,
                // not the identifiers' state (memory flat in the number of queued ports).
                tokio::time::timeout(cap, Box::pin(sweep_port(&ctx, &ep)))
                    .await
                    .map_err(|_| {
                        both(
                            format!("the port's probe did not finish within {}s", cap.as_secs()),
                            format!(
                                "ポートのプローブが {} 秒以内に終わらなかった",
                                cap.as_secs()
                            ),
                        )
                    })
            })
        })
        .collect();
    let mut out = Vec::with_capacity(ports.len());
    for (handle, &port) in handles.into_iter().zip(ports) {
        let why = match handle.await {
            Ok(Ok(report)) => {
                out.push(report);
                continue;
            }
            Ok(Err(why)) => why,
            Err(e) => both(
                format!("internal error while probing the port: {e}"),
                format!("ポートのプローブ中に内部エラーが起きた: {e}"),
            ),
        };
        // A probe task that failed must not become a silent "closed".
        let mut facts = Facts::new();
        facts.set("service.port", port);
        facts.set("port.state", "filtered");
        facts.unavailable_both("service.protocol", &why);
        out.push(PortReport {
            port,
            state: PortState::Filtered(why.en.clone()),
            facts,
        });
    }
    out
}

/// Connects to one port and, when it is open, identifies its service within one budget.
///
/// Facts: `service.port` (int); `port.state` (str) "open" | "closed" | "filtered"; for an open
/// port `service.protocol` (str: a protocol name, or "unknown" with `service.first_bytes` (str,
/// hex of at most 32 bytes) and `service.first_text` (str, printable)), or unavailable with
/// "accepted the connection but answered nothing within N s"; `service.attempts` (list of str)
/// what each attempt saw; plus the identified protocol's facts. A filtered port has
/// `service.protocol` unavailable ("could not tell: ..."); a closed one has no `service.protocol`.
pub async fn sweep_port(ctx: &ProbeContext, ep: &Endpoint) -> PortReport {
    let port = ep.addr.port();
    let mut facts = Facts::new();
    facts.set("service.port", port);
    let conn = match ctx.connect(ep.addr).await {
        Ok(c) => c,
        Err(NetError::Refused) => {
            facts.set("port.state", "closed");
            return PortReport {
                port,
                state: PortState::Closed,
                facts,
            };
        }
        Err(NetError::ResetAfterAccept) => {
            // The handshake completed: the port is open, and what listens there is unknown.
            facts.set("port.state", "open");
            facts.unavailable_both(
                "service.protocol",
                &both(
                    format!("port {port} open, service not identified: it accepted the connection, then reset it before anything was said"),
                    format!("{port} 番ポートが開いているがサービスを特定できない: 接続を受け付けた直後に、何も送らずにリセットした"),
                ),
            );
            return PortReport {
                port,
                state: PortState::Open,
                facts,
            };
        }
        Err(e) => {
            let why = e.to_string();
            facts.set("port.state", "filtered");
            facts.unavailable("service.protocol", format!("could not tell: {why}"));
            return PortReport {
                port,
                state: PortState::Filtered(why),
                facts,
            };
        }
    };
    facts.set("port.state", "open");
    let start = Instant::now();
    let deadline = start + ctx.limits.port_budget;
    let mut state = Identification::default();
    let found = identify_open(ctx, ep, conn, start, deadline, &mut state);
    // Safety net: whatever an identifier does, the port ends shortly after its budget.
    let found = timeout_at(deadline + Duration::from_millis(200), found)
        .await
        .ok()
        .flatten();
    match found {
        Some(service) => facts.merge(service),
        None => state.conclude(port, ctx.limits.max_message, &mut facts, start.elapsed()),
    }
    if !state.attempts.is_empty() {
        facts.set("service.attempts", state.attempts.clone());
    }
    PortReport {
        port,
        state: PortState::Open,
        facts,
    }
}

/// What the attempts on an open port showed so far.
#[derive(Debug, Default)]
struct Identification {
    /// The first bytes some attempt got back that no recogniser knew.
    first_bytes: Option<Vec<u8>>,
    /// Whether some attempt waited in vain for an answer.
    silent: bool,
    /// "rdp: silent", "greeting: none", ... for people reading the evidence.
    attempts: Vec<String>,
}

impl Identification {
    /// Records a client-first identifier's answer; returns the facts when the port is identified.
    async fn absorb(
        &mut self,
        what: &str,
        answer: Answer,
        ctx: &ProbeContext,
        ep: &Endpoint,
        deadline: Instant,
    ) -> Option<Facts> {
        match answer {
            Answer::Identified(f) => return Some(f),
            Answer::NotThis(bytes) => {
                self.attempts
                    .push(format!("{what}: other protocol ({})", hex(&bytes, 16)));
                if rfb::looks_like_rfb(&bytes) {
                    if let Answer::Identified(f) = vnc::identify(ctx, ep, deadline).await {
                        return Some(f);
                    }
                }
                if let Some(f) = banner::recognise(&bytes) {
                    return Some(f);
                }
                // An HTTP server answers whatever it is sent with an HTTP error: ask it properly.
                if what != "http" && crate::msgs::http::looks_like_http(&bytes) {
                    if let Answer::Identified(f) = web::identify_http(ctx, ep, deadline).await {
                        return Some(f);
                    }
                }
                self.first_bytes.get_or_insert(bytes);
            }
            Answer::Silent => {
                self.silent = true;
                self.attempts.push(format!("{what}: no answer"));
            }
            Answer::Failed(why) => self.attempts.push(format!("{what}: {why}")),
        }
        None
    }

    /// The facts of a port nobody identified: `service.protocol` unavailable, with the reason
    /// (what came back and, when it reads as a length-prefixed header, what that claims) and
    /// the first bytes as evidence. Open and unidentified is never a protocol: the exposure
    /// checks of the port cannot tell, so they are `error`, never a pass.
    fn conclude(&self, port: u16, max_message: usize, facts: &mut Facts, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        if let Some(b) = &self.first_bytes {
            let hex = hex(b, FIRST_BYTES);
            let text = printable(b.get(..b.len().min(48)).unwrap_or_default());
            facts.set("service.first_bytes", hex.clone());
            facts.set(
                "service.first_text",
                printable(b.get(..b.len().min(64)).unwrap_or_default()),
            );
            let (claim, claim_ja) = match framing::length_claim(b, b.len()) {
                Some(c) => {
                    let size = crate::msgs::size_words(c.claimed);
                    let over = u64::try_from(max_message).is_ok_and(|m| c.claimed > m);
                    let limit = crate::msgs::size_words(max_message as u64);
                    (
                        format!(
                            "; read as {}, its header claims {size}{}",
                            c.framing,
                            if over {
                                format!(", more than the {limit} read from one message")
                            } else {
                                String::new()
                            }
                        ),
                        format!(
                            "。{} として読むとヘッダーは {size} を主張している{}",
                            c.framing,
                            if over {
                                format!("（1メッセージの読み取り上限 {limit} を超える）")
                            } else {
                                String::new()
                            }
                        ),
                    )
                }
                None => (String::new(), String::new()),
            };
            facts.unavailable_both(
                "service.protocol",
                &both(
                    format!(
                        "port {port} open, service not identified: it answered in none of the protocols we identify ({IDENTIFIED}): first bytes {hex} (\"{text}\"){claim}"
                    ),
                    format!(
                        "{port} 番ポートが開いているがサービスを特定できない: 識別できるどのプロトコル（{IDENTIFIED}）でもない応答だった。先頭バイト {hex}（原文: \"{text}\"）{claim_ja}"
                    ),
                ),
            );
        } else if self.silent || self.attempts.is_empty() {
            facts.unavailable_both(
                "service.protocol",
                &both(
                    format!("accepted the connection but answered nothing within {secs:.1} s"),
                    format!("接続を受け付けたが {secs:.1} 秒以内に何も応答しなかった"),
                ),
            );
        } else {
            // What each attempt saw is quoted: partly the server's own bytes.
            let attempts = self.attempts.join("; ");
            facts.unavailable_both(
                "service.protocol",
                &both(
                    format!(
                        "accepted the connection but answered nothing usable within {secs:.1} s ({attempts})"
                    ),
                    format!(
                        "接続を受け付けたが {secs:.1} 秒以内に使える応答がなかった（原文: \"{attempts}\"）"
                    ),
                ),
            );
        }
    }
}

async fn identify_open(
    ctx: &ProbeContext,
    ep: &Endpoint,
    conn: Conn,
    start: Instant,
    deadline: Instant,
    st: &mut Identification,
) -> Option<Facts> {
    let mut conn = Some(conn);
    let preferred = ClientFirst::usual_for(ep.addr.port());
    if let Some(id) = preferred {
        // Release the sweep's connection first: a host may allow one connection at a time.
        drop(conn.take());
        let half = start + ctx.limits.port_budget / 2;
        let answer = id.identify(ctx, ep, half.min(deadline)).await;
        if let Some(f) = st.absorb(id.name(), answer, ctx, ep, deadline).await {
            return Some(f);
        }
    }

    // Server-first greeting, on the sweep's connection (or a new one).
    if Instant::now() < deadline {
        let c = match conn.take() {
            Some(c) => Some(c),
            None => match timeout_at(deadline, ctx.connect(ep.addr)).await {
                Ok(Ok(c)) => Some(c),
                Ok(Err(e)) => {
                    st.attempts.push(format!("greeting: {e}"));
                    None
                }
                Err(_) => None,
            },
        };
        if let Some(mut c) = c {
            let until = deadline.min(Instant::now() + BANNER_WAIT);
            let (bytes, end) = read_greeting(&mut c, until).await;
            if bytes.is_empty() {
                match end {
                    NetError::ReadTimeout => {
                        st.silent = true;
                        st.attempts.push("greeting: none within the wait".into());
                    }
                    other => st.attempts.push(format!("greeting: {other}")),
                }
            } else if rfb::looks_like_rfb(&bytes) {
                let answer =
                    vnc::handshake(&mut c.stream, bytes, ctx.limits.max_message, deadline).await;
                return st.absorb("vnc", answer, ctx, ep, deadline).await;
            } else if let Some(f) = banner::recognise(&bytes) {
                return Some(f);
            } else {
                // Spoke first in an unknown protocol: none of the client-first ones does that.
                st.attempts
                    .push(format!("greeting: unrecognised ({})", hex(&bytes, 16)));
                st.first_bytes = Some(bytes);
                return None;
            }
        }
    }

    // Client-first identifiers in turn, each with an equal share of what is left.
    let rest: Vec<ClientFirst> = ORDER
        .into_iter()
        .filter(|&id| Some(id) != preferred)
        .collect();
    let count = rest.len();
    for (k, id) in rest.into_iter().enumerate() {
        let now = Instant::now();
        if now >= deadline {
            st.attempts.push("budget spent".into());
            break;
        }
        let left = u32::try_from(count - k).unwrap_or(1).max(1);
        let share = now + (deadline - now) / left;
        let answer = id.identify(ctx, ep, share).await;
        if let Some(f) = st.absorb(id.name(), answer, ctx, ep, deadline).await {
            return Some(f);
        }
    }
    None
}

/// Reads a server-first greeting until a recogniser is satisfied, the server stops, or `until`.
/// Returns the bytes and why reading stopped (`ReadTimeout` also when satisfied early).
async fn read_greeting(c: &mut Conn, until: Instant) -> (Vec<u8>, NetError) {
    let mut buf = Vec::new();
    loop {
        let limit = if buf.is_empty() || greeting::wants_more(&buf) {
            until
        } else if banner::recognise(&buf).is_none() && is_text(&buf) {
            until.min(Instant::now() + SETTLE)
        } else {
            return (buf, NetError::ReadTimeout);
        };
        let room = greeting::MAX_GREETING.saturating_sub(buf.len());
        if room == 0 {
            return (buf, NetError::TooLarge(greeting::MAX_GREETING));
        }
        match read_some(&mut c.stream, room, limit).await {
            Ok(more) => buf.extend_from_slice(&more),
            Err(e) => return (buf, e),
        }
    }
}

fn is_text(b: &[u8]) -> bool {
    b.iter()
        .all(|&c| (0x20..0x7f).contains(&c) || matches!(c, b'\r' | b'\n' | b'\t'))
}

#[cfg(test)]
pub(crate) mod fakes;

#[cfg(test)]
mod tests {
    use super::fakes::{self, ctx};
    use super::*;
    use crate::fact::FactValue;

    #[tokio::test]
    async fn closed_port_is_closed() {
        let (l, addr) = fakes::listener().await;
        drop(l);
        let r = sweep_host(&ctx(2000), "h", addr.ip(), &[addr.port()]).await;
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].state, PortState::Closed);
        assert_eq!(r[0].facts.get_str("port.state"), Some("closed"));
        assert_eq!(
            r[0].facts.get("service.port"),
            Some(&FactValue::Int(i64::from(addr.port())))
        );
    }

    #[tokio::test]
    async fn tarpit_costs_one_budget_and_is_never_identified() {
        let addr = fakes::tarpit().await;
        let started = Instant::now();
        let r = sweep_host(&ctx(2000), "h", addr.ip(), &[addr.port()]).await;
        let took = started.elapsed();
        eprintln!("tarpit took {took:?}: {:?}", r[0].facts);
        assert!(took < Duration::from_millis(2500), "took {took:?}");
        assert_eq!(r[0].state, PortState::Open);
        assert_eq!(r[0].facts.get("service.protocol"), None);
        let why = r[0].facts.why_unavailable("service.protocol").unwrap();
        assert!(
            why.starts_with("accepted the connection but answered nothing within"),
            "{why}"
        );
    }

    #[tokio::test]
    async fn tarpit_on_a_client_first_port_number_also_costs_one_budget() {
        // 4242 is DICOM's usual port: the DICOM identifier goes first with half the budget,
        // then the greeting wait and the other identifiers share the rest.
        let Ok(l) = tokio::net::TcpListener::bind("127.0.0.93:4242").await else {
            eprintln!("127.0.0.93:4242 is taken: test skipped");
            return;
        };
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((s, _)) = l.accept().await {
                held.push(s);
            }
        });
        let started = Instant::now();
        let r = sweep_port(&ctx(2000), &fakes::ep(addr)).await;
        let took = started.elapsed();
        eprintln!("tarpit on 4242 took {took:?}: {:?}", r.facts);
        assert!(took < Duration::from_millis(2500), "took {took:?}");
        let why = r.facts.why_unavailable("service.protocol").unwrap();
        assert!(
            why.starts_with("accepted the connection but answered nothing within"),
            "{why}"
        );
    }

    #[tokio::test]
    async fn garbage_is_not_a_protocol_but_evidence() {
        let addr = fakes::talker(b"\x00\x01\x02garbage from a stranger\r\n").await;
        let r = sweep_host(&ctx(3000), "h", addr.ip(), &[addr.port()]).await;
        assert_eq!(r[0].facts.get("service.protocol"), None);
        let why = r[0].facts.why_unavailable("service.protocol").unwrap();
        let port = addr.port();
        assert!(
            why.starts_with(&format!("port {port} open, service not identified: it answered in none of the protocols we identify (RDP, VNC")),
            "{why}"
        );
        assert!(why.contains("first bytes 000102676172626167"), "{why}");
        let hex = r[0].facts.get_str("service.first_bytes").unwrap();
        assert!(hex.starts_with("000102676172626167"), "{hex}");
        assert!(hex.len() <= 64);
    }

    #[tokio::test]
    async fn a_reset_after_accept_is_open_and_unidentified_never_closed_or_filtered() {
        let (l, addr) = fakes::listener().await;
        tokio::spawn(async move {
            while let Ok((s, _)) = l.accept().await {
                // SO_LINGER 0: close with a RST, as a crashed service or a middlebox does. (The
                // deprecation is about a linger that blocks on drop; a zero one resets at once.)
                #[allow(deprecated)]
                let _ = s.set_linger(Some(Duration::ZERO));
                drop(s);
            }
        });
        let r = sweep_host(&ctx(2000), "h", addr.ip(), &[addr.port()]).await;
        assert_eq!(r[0].state, PortState::Open, "{:?}", r[0].facts);
        assert_eq!(r[0].facts.get("service.protocol"), None);
        let why = r[0].facts.why_unavailable("service.protocol").unwrap();
        // Depending on when the RST lands: at connect, or on the first attempt's read.
        assert!(
            why.contains("reset") || why.contains("Connection reset"),
            "{why}"
        );
    }

    #[tokio::test]
    async fn a_length_that_claims_more_than_comes_is_named_in_the_reason() {
        // A MySQL Initial Handshake header claiming 16 MiB - 1, then silence.
        let addr = fakes::talker(b"\xff\xff\xff\x00\x0a8.0.36\x00\x00\x00\x00\x00").await;
        let r = sweep_host(&ctx(2000), "h", addr.ip(), &[addr.port()]).await;
        let why = r[0].facts.why_unavailable("service.protocol").unwrap();
        assert!(
            why.ends_with("read as MySQL, its header claims 16 MiB, more than the 64 KiB read from one message"),
            "{why}"
        );
        let ja = r[0].facts.why_unavailable_ja("service.protocol").unwrap();
        assert!(
            ja.contains("MySQL として読むとヘッダーは 16 MiB を主張している"),
            "{ja}"
        );
        assert_eq!(
            crate::english_prose::english_leaks(ja),
            Vec::<String>::new(),
            "{ja}"
        );
    }

    #[tokio::test]
    async fn ssh_and_vnc_on_odd_ports() {
        let ssh = fakes::talker(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n").await;
        let (l, vnc) = fakes::listener().await;
        tokio::spawn(crate::demo::vnc::serve(l));
        let r = sweep_host(&ctx(3000), "h", ssh.ip(), &[ssh.port(), vnc.port()]).await;
        assert_eq!(r[0].facts.get_str("service.protocol"), Some("ssh"));
        assert_eq!(
            r[0].facts.get_str("ssh.banner"),
            Some("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10")
        );
        assert_eq!(r[1].facts.get_str("service.protocol"), Some("vnc"));
        assert_eq!(r[1].facts.get_bool("vnc.no_auth"), Some(true));
    }

    #[tokio::test]
    async fn client_first_dicom_on_an_odd_port() {
        let (l, addr) = fakes::listener().await;
        tokio::spawn(crate::demo::dicom::serve(l));
        let r = sweep_host(&ctx(4000), "h", addr.ip(), &[addr.port()]).await;
        assert_eq!(
            r[0].facts.get_str("service.protocol"),
            Some("dicom"),
            "{:?}",
            r[0].facts
        );
        assert_eq!(r[0].facts.get_bool("dicom.accepts_unknown_ae"), Some(true));
    }

    #[tokio::test]
    async fn rdp_like_responder_on_an_odd_port() {
        // X.224 Connection Confirm with RDP_NEG_RSP selecting TLS (MS-RDPBCGR §4.1.2 layout).
        let cc = vec![
            0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34, 0x00, 0x02, 0x00, 0x08,
            0x00, 0x01, 0x00, 0x00, 0x00,
        ];
        let addr = fakes::responder(11, cc).await;
        let c = ctx(4000);
        let probe = rdp::identify(
            &c,
            &fakes::ep(addr),
            Instant::now() + Duration::from_secs(2),
        )
        .await;
        if probe == Answer::Failed("not implemented".into()) {
            eprintln!("rdp::identify is still a stub on this branch: RDP sweep test skipped");
            return;
        }
        let r = sweep_host(&c, "h", addr.ip(), &[addr.port()]).await;
        assert_eq!(
            r[0].facts.get_str("service.protocol"),
            Some("rdp"),
            "{:?}",
            r[0].facts
        );
    }

    #[tokio::test]
    async fn a_host_of_tarpits_costs_one_budget_per_wave_of_ports() {
        let mut ports = Vec::new();
        for _ in 0..6 {
            ports.push(fakes::tarpit().await.port());
        }
        let started = Instant::now();
        let r = sweep_host(&ctx(1000), "h", "127.0.0.1".parse().unwrap(), &ports).await;
        let took = started.elapsed();
        // 6 ports, 4 in flight: two waves of one budget each.
        assert!(took < Duration::from_millis(2600), "took {took:?}");
        assert!(r
            .iter()
            .all(|p| p.facts.why_unavailable("service.protocol").is_some()));
    }

    fn ctx_with(budget_ms: u64, global: usize, per_host: usize) -> ProbeContext {
        let limits = crate::probe::Limits {
            connect_timeout: Duration::from_secs(1),
            port_budget: Duration::from_millis(budget_ms),
            max_message: 64 * 1024,
        };
        ProbeContext::new(limits, global, per_host)
    }

    #[tokio::test]
    async fn real_servers_queued_behind_tarpits_are_still_identified() {
        // Two connections in the whole run: DICOM (client-first, found after the greeting wait
        // and three other identifiers, each on a new connection) and VNC listed first, then
        // eight tarpits that take every connection DICOM lets go for a whole budget.
        let (l, dicom) = fakes::listener().await;
        tokio::spawn(crate::demo::dicom::serve(l));
        let (l, vnc) = fakes::listener().await;
        tokio::spawn(crate::demo::vnc::serve(l));
        let mut ports = vec![dicom.port(), vnc.port()];
        for _ in 0..8 {
            ports.push(fakes::tarpit().await.port());
        }
        let started = Instant::now();
        let r = sweep_host(&ctx_with(3000, 2, 8), "h", vnc.ip(), &ports).await;
        let took = started.elapsed();
        eprintln!("DICOM + VNC + 8 tarpits at concurrency 2 took {took:?}");
        assert_eq!(
            r[0].facts.get_str("service.protocol"),
            Some("dicom"),
            "{:?}",
            r[0].facts
        );
        assert_eq!(
            r[1].facts.get_str("service.protocol"),
            Some("vnc"),
            "{:?}",
            r[1].facts
        );
        // The real servers, then four waves of two tarpits.
        assert!(
            took < Duration::from_millis(4 * 3000 + 4000),
            "took {took:?}"
        );
    }

    #[tokio::test]
    async fn ports_in_flight_follow_the_per_host_setting() {
        let mut ports = Vec::new();
        for _ in 0..24 {
            ports.push(fakes::tarpit().await.port());
        }
        let ip = "127.0.0.1".parse().unwrap();
        for (per_host, waves) in [(12u32, 2u32), (24, 1)] {
            let started = Instant::now();
            let r = sweep_host(&ctx_with(500, 64, per_host as usize), "h", ip, &ports).await;
            let took = started.elapsed();
            eprintln!("24 tarpits at per-host {per_host} took {took:?}");
            assert!(took >= Duration::from_millis(500) * waves, "took {took:?}");
            assert!(
                took < Duration::from_millis(500) * waves + Duration::from_millis(400),
                "per-host {per_host}: took {took:?}"
            );
            assert!(r
                .iter()
                .all(|p| p.facts.why_unavailable("service.protocol").is_some()));
        }
    }

    #[tokio::test]
    async fn reports_keep_the_order_of_ports() {
        let (l1, a1) = fakes::listener().await;
        let (l2, a2) = fakes::listener().await;
        drop(l1);
        drop(l2);
        let r = sweep_host(&ctx(1000), "h", a1.ip(), &[a2.port(), a1.port()]).await;
        assert_eq!(
            r.iter().map(|p| p.port).collect::<Vec<_>>(),
            vec![a2.port(), a1.port()]
        );
    }
}
