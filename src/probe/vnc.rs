//! VNC probe: reads the RFB ProtocolVersion banner, answers with the highest version we both
//! speak, and records the security types the server offers (RFC 6143 §7.1). It never
//! authenticates: it closes the connection once the types are known.

use tokio::io::AsyncWriteExt;
use tokio::time::{timeout_at, Instant};

use crate::fact::Facts;
use crate::msgs::banner::{hex, printable};
use crate::msgs::rfb::{self, Security, Version};

use super::net::{read_some, NetError};
use super::{Answer, Endpoint, ProbeContext, Protocol};

/// Connects to `ep` and runs the RFB handshake up to the security types, before `deadline`.
///
/// Facts of an identified server (what cannot be observed is unavailable with the reason):
/// - `service.protocol` (str) = "vnc"; `vnc.version` (str) the server's banner, e.g. "3.8";
/// - `vnc.security_types` (list of int) as offered (3.7+, each once, in the server's order) or
///   chosen by a 3.3 server;
/// - `vnc.security_type_names` (list of str) their IANA names;
/// - `vnc.vencrypt_subtypes` (list of int), `vnc.vencrypt_subtype_names` (list of str) when
///   VeNCrypt (19) is offered without None;
/// - `vnc.no_auth` (bool): some (sub)type needs no credentials (None 1, TLSNone 257,
///   X509None 260); false only if every one is known to authenticate;
/// - `vnc.failure_reason` (str) when the server refused us (e.g. a blacklist);
/// - `vnc.unexpected_bytes` (str, hex) bytes the server sent before we spoke.
pub async fn identify(ctx: &ProbeContext, ep: &Endpoint, deadline: Instant) -> Answer {
    let conn = match timeout_at(deadline, ctx.connect(ep.addr)).await {
        Err(_) => return Answer::Silent,
        Ok(Err(e)) => return Answer::Failed(e.to_string()),
        Ok(Ok(c)) => c,
    };
    let mut stream = conn.stream;
    handshake(&mut stream, Vec::new(), ctx.limits.max_message, deadline).await
}

/// Runs the handshake on an open connection; `first` holds bytes already read from it (the
/// sweep's banner wait), possibly empty.
pub async fn handshake<S>(stream: &mut S, first: Vec<u8>, max: usize, deadline: Instant) -> Answer
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut buf = first;
    if buf.is_empty() || rfb::looks_like_rfb(&buf) {
        if let Err(e) = read_until(stream, &mut buf, 12, deadline, |b| {
            (b.len() >= 12).then_some(12)
        })
        .await
        {
            return match e {
                NetError::ReadTimeout if buf.is_empty() => Answer::Silent,
                e if buf.is_empty() => Answer::Failed(e.to_string()),
                _ => Answer::NotThis(buf.into_iter().take(64).collect()),
            };
        }
    }
    let version = match rfb::parse_version(&buf) {
        Ok(v) => v,
        Err(_) => return Answer::NotThis(buf.into_iter().take(64).collect()),
    };
    let mut facts = Facts::new();
    facts.set("service.protocol", Protocol::Vnc.name());
    facts.set("vnc.version", version.label());
    let reply = version.client_reply();
    let unavailable = |facts: &mut Facts, why: String| {
        for name in [
            "vnc.security_types",
            "vnc.security_type_names",
            "vnc.no_auth",
        ] {
            facts.unavailable(name, why.clone());
        }
    };
    // Bytes after the banner, sent without waiting for our version: a server refusing us
    // straight away (Xtigervnc's blacklist sends "RFB 003.003\n" and a 3.3 failure at once).
    let mut msg: Vec<u8> = buf.get(12..).unwrap_or_default().to_vec();
    let early = !msg.is_empty();
    if early {
        facts.set("vnc.unexpected_bytes", hex(&msg, 32));
    }
    if !early || rfb::security_complete(&msg, reply).is_none() {
        let write = timeout_at(deadline, stream.write_all(&reply.to_bytes())).await;
        if !matches!(write, Ok(Ok(()))) && !early {
            unavailable(
                &mut facts,
                "the connection broke after the RFB banner".into(),
            );
            return Answer::Identified(facts);
        }
        if let Err(e) = read_until(stream, &mut msg, max, deadline, |b| {
            rfb::security_complete(b, reply)
        })
        .await
        {
            unavailable(
                &mut facts,
                format!("no security types after the RFB banner: {e}"),
            );
            return Answer::Identified(facts);
        }
    }
    match rfb::parse_security(&msg, reply) {
        Ok((Security::Offered(types), used)) => {
            let types: Vec<u32> = types.iter().map(|&t| u32::from(t)).collect();
            record_types(&mut facts, &types);
            // VeNCrypt wraps subtypes, some without authentication (TLSNone, X509None): when
            // None itself is not offered, choose VeNCrypt on this connection and list them.
            let subtypes = if types.contains(&u32::from(rfb::VENCRYPT)) && !types.contains(&1) {
                let early = msg.get(used..).unwrap_or_default().to_vec();
                let sub = vencrypt_subtypes(stream, early, deadline).await;
                match &sub {
                    Ok(list) => {
                        let names: Vec<String> =
                            list.iter().map(|&t| rfb::security_type_name(t)).collect();
                        facts.set("vnc.vencrypt_subtypes", list.clone());
                        facts.set("vnc.vencrypt_subtype_names", names);
                    }
                    Err(why) => facts.unavailable("vnc.vencrypt_subtypes", why.clone()),
                }
                Some(sub)
            } else {
                None
            };
            judge_no_auth(&mut facts, &types, subtypes);
        }
        Ok((Security::Chosen(t), _)) => {
            record_types(&mut facts, &[t]);
            judge_no_auth(&mut facts, &[t], None);
        }
        Ok((Security::Failed(reason), _)) => {
            let reason = printable(reason.as_bytes());
            facts.set("vnc.failure_reason", reason.clone());
            unavailable(
                &mut facts,
                format!("the server refused to offer security types: {reason}"),
            );
        }
        Err(e) => {
            unavailable(
                &mut facts,
                format!("unreadable security types ({e}): {}", hex(&msg, 32)),
            );
        }
    }
    let _ = timeout_at(deadline, stream.shutdown()).await;
    Answer::Identified(facts)
}

/// Reads into `buf` (which may already hold bytes) until `complete` says a whole message is
/// there (bytes beyond it are kept). Bounded by `max` bytes and `deadline`.
async fn read_until<S, F>(
    stream: &mut S,
    buf: &mut Vec<u8>,
    max: usize,
    deadline: Instant,
    complete: F,
) -> Result<(), NetError>
where
    S: tokio::io::AsyncRead + Unpin,
    F: Fn(&[u8]) -> Option<usize>,
{
    loop {
        if complete(buf).is_some() {
            return Ok(());
        }
        let room = max.saturating_sub(buf.len());
        if room == 0 {
            return Err(NetError::TooLarge(max));
        }
        let more = read_some(stream, room.min(4096), deadline).await?;
        buf.extend_from_slice(&more);
    }
}

fn record_types(facts: &mut Facts, types: &[u32]) {
    // Each type once, in the server's order: 254 repeats of one type (a hostile server may
    // send 255 entries) must not push None out of the evidence people read.
    let mut once: Vec<u32> = Vec::with_capacity(types.len());
    for &t in types {
        if !once.contains(&t) {
            once.push(t);
        }
    }
    let names: Vec<String> = once.iter().map(|&t| rfb::security_type_name(t)).collect();
    facts.set("vnc.security_types", once);
    facts.set("vnc.security_type_names", names);
}

/// `vnc.no_auth`: true when some offered type (or VeNCrypt subtype) needs no credentials,
/// false only when every one is known to authenticate; otherwise unavailable, with the types
/// we could not judge (never a guessed `false`).
fn judge_no_auth(facts: &mut Facts, types: &[u32], vencrypt: Option<Result<Vec<u32>, String>>) {
    let mut all: Vec<u32> = Vec::new();
    let mut unjudged: Vec<String> = Vec::new();
    for &t in types {
        if t == u32::from(rfb::VENCRYPT) {
            match &vencrypt {
                Some(Ok(sub)) => all.extend(sub),
                Some(Err(why)) => unjudged.push(format!("VeNCrypt ({why})")),
                None => all.push(t),
            }
        } else {
            all.push(t);
        }
    }
    if all
        .iter()
        .any(|&t| rfb::auth_class(t) == rfb::AuthClass::NoAuth)
    {
        facts.set("vnc.no_auth", true);
        return;
    }
    unjudged.extend(
        all.iter()
            .filter(|&&t| rfb::auth_class(t) == rfb::AuthClass::Unknown)
            .map(|&t| format!("{} ({t})", rfb::security_type_name(t))),
    );
    if unjudged.is_empty() {
        facts.set("vnc.no_auth", false);
    } else {
        facts.unavailable(
            "vnc.no_auth",
            format!(
                "offered security types that may not authenticate were not examined: {}",
                unjudged.join(", ")
            ),
        );
    }
}

/// Chooses VeNCrypt and reads its subtypes (version 0.2), without choosing one of them.
async fn vencrypt_subtypes<S>(
    stream: &mut S,
    early: Vec<u8>,
    deadline: Instant,
) -> Result<Vec<u32>, String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    const MAX: usize = 2 + 4 * 255 + 1;
    if !early.is_empty() {
        return Err("the server sent data before we chose a security type".into());
    }
    if !matches!(
        timeout_at(deadline, stream.write_all(&[rfb::VENCRYPT])).await,
        Ok(Ok(()))
    ) {
        return Err("the connection broke when choosing VeNCrypt".into());
    }
    let mut buf = Vec::new();
    read_until(stream, &mut buf, 2, deadline, |b| {
        (b.len() >= 2).then_some(2)
    })
    .await
    .map_err(|e| format!("no VeNCrypt version: {e}"))?;
    let (major, minor) = rfb::parse_vencrypt_version(&buf).map_err(|e| e.to_string())?;
    if (major, minor) != (0, 2) {
        return Err(format!(
            "VeNCrypt version {major}.{minor} not supported by the probe"
        ));
    }
    if !matches!(
        timeout_at(deadline, stream.write_all(&[0, 2])).await,
        Ok(Ok(()))
    ) {
        return Err("the connection broke after the VeNCrypt version".into());
    }
    let mut buf = Vec::new();
    read_until(
        stream,
        &mut buf,
        MAX,
        deadline,
        |b| match rfb::parse_vencrypt_subtypes(b) {
            Err(rfb::RfbError::Incomplete) => None,
            _ => Some(b.len()),
        },
    )
    .await
    .map_err(|e| format!("no VeNCrypt subtypes: {e}"))?;
    match rfb::parse_vencrypt_subtypes(&buf) {
        Ok((Some(list), _)) => Ok(list),
        Ok((None, _)) => Err("the server refused VeNCrypt version 0.2".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// Facts for an RFB banner seen without the rest of the handshake (e.g. in another probe's
/// answer): VNC, its version, and the security facts unavailable.
pub fn from_banner_only(version: Version) -> Facts {
    let mut facts = Facts::new();
    facts.set("service.protocol", Protocol::Vnc.name());
    facts.set("vnc.version", version.label());
    for name in [
        "vnc.security_types",
        "vnc.security_type_names",
        "vnc.no_auth",
    ] {
        facts.unavailable(
            name,
            "only the RFB banner was seen; the security handshake was not run",
        );
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::super::sweep::fakes;
    use super::*;
    use crate::fact::FactValue;
    use tokio::time::Duration;

    fn soon() -> Instant {
        Instant::now() + Duration::from_secs(3)
    }

    #[tokio::test]
    async fn demo_responder_offers_none() {
        let (l, addr) = fakes::listener().await;
        tokio::spawn(crate::demo::vnc::serve(l));
        let Answer::Identified(f) = identify(&fakes::ctx(3000), &fakes::ep(addr), soon()).await
        else {
            panic!("not identified")
        };
        assert_eq!(f.get_str("service.protocol"), Some("vnc"));
        assert_eq!(f.get_str("vnc.version"), Some("3.8"));
        assert_eq!(
            f.get("vnc.security_types"),
            Some(&FactValue::List(vec![FactValue::Int(1)]))
        );
        assert_eq!(
            f.get("vnc.security_type_names"),
            Some(&FactValue::List(vec!["None".into()]))
        );
        assert_eq!(f.get_bool("vnc.no_auth"), Some(true));
    }

    #[tokio::test]
    async fn rfb_3_3_server_chooses_vnc_auth() {
        // Bytes as Xtigervnc sends to a 3.3 client (captured): banner, then type 2 + challenge.
        let (l, addr) = fakes::listener().await;
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let (mut s, _) = l.accept().await.unwrap();
            s.write_all(b"RFB 003.003\n").await.unwrap();
            let mut v = [0u8; 12];
            s.read_exact(&mut v).await.unwrap();
            assert_eq!(&v, b"RFB 003.003\n");
            s.write_all(&[0, 0, 0, 2, 0x5d, 0xd0, 0xdc, 0x6b])
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_secs(2)).await;
        });
        let Answer::Identified(f) = identify(&fakes::ctx(3000), &fakes::ep(addr), soon()).await
        else {
            panic!("not identified")
        };
        assert_eq!(f.get_str("vnc.version"), Some("3.3"));
        assert_eq!(
            f.get("vnc.security_types"),
            Some(&FactValue::List(vec![FactValue::Int(2)]))
        );
        assert_eq!(f.get_bool("vnc.no_auth"), Some(false));
    }

    #[tokio::test]
    async fn refusal_makes_no_auth_unavailable() {
        let mut answer = vec![0u8, 0, 0, 0, 26];
        answer.extend_from_slice(b"Too many security failures");
        let (l, addr) = fakes::listener().await;
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let (mut s, _) = l.accept().await.unwrap();
            s.write_all(b"RFB 003.008\n").await.unwrap();
            let mut v = [0u8; 12];
            s.read_exact(&mut v).await.unwrap();
            s.write_all(&answer).await.unwrap();
            tokio::time::sleep(Duration::from_secs(2)).await;
        });
        let Answer::Identified(f) = identify(&fakes::ctx(3000), &fakes::ep(addr), soon()).await
        else {
            panic!("not identified")
        };
        assert_eq!(f.get_bool("vnc.no_auth"), None);
        assert!(f
            .why_unavailable("vnc.no_auth")
            .unwrap()
            .contains("Too many security failures"));
        assert_eq!(
            f.get_str("vnc.failure_reason"),
            Some("Too many security failures")
        );
    }

    /// A VeNCrypt-only server, byte for byte as Xtigervnc 1.12 `-SecurityTypes TLSNone` answered
    /// (captured on 127.0.0.70:15900): types [19], VeNCrypt 0.2, subtypes [257 TLSNone].
    async fn vencrypt_server(subtypes: &'static [u8]) -> std::net::SocketAddr {
        let (l, addr) = fakes::listener().await;
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let (mut s, _) = l.accept().await.unwrap();
            s.write_all(b"RFB 003.008\n").await.unwrap();
            let mut v = [0u8; 12];
            s.read_exact(&mut v).await.unwrap();
            s.write_all(&[1, 19]).await.unwrap();
            let mut chosen = [0u8; 1];
            s.read_exact(&mut chosen).await.unwrap();
            assert_eq!(chosen, [19]);
            s.write_all(&[0, 2]).await.unwrap();
            let mut ver = [0u8; 2];
            s.read_exact(&mut ver).await.unwrap();
            assert_eq!(ver, [0, 2]);
            s.write_all(subtypes).await.unwrap();
            tokio::time::sleep(Duration::from_secs(2)).await;
        });
        addr
    }

    #[tokio::test]
    async fn vencrypt_tls_none_is_no_auth() {
        let addr = vencrypt_server(&[0, 1, 0, 0, 1, 1]).await;
        let Answer::Identified(f) = identify(&fakes::ctx(3000), &fakes::ep(addr), soon()).await
        else {
            panic!("not identified")
        };
        assert_eq!(
            f.get("vnc.vencrypt_subtypes"),
            Some(&FactValue::List(vec![FactValue::Int(257)]))
        );
        assert_eq!(f.get_bool("vnc.no_auth"), Some(true));
    }

    #[tokio::test]
    async fn vencrypt_with_passwords_only_is_auth_and_unknown_types_are_not_judged() {
        // Xtigervnc's default: VeNCrypt subtypes [258 TLSVnc, 2 VncAuth].
        let addr = vencrypt_server(&[0, 2, 0, 0, 1, 2, 0, 0, 0, 2]).await;
        let Answer::Identified(f) = identify(&fakes::ctx(3000), &fakes::ep(addr), soon()).await
        else {
            panic!("not identified")
        };
        assert_eq!(f.get_bool("vnc.no_auth"), Some(false));
        // Tight (16) wraps its own auth negotiation: never a guessed false.
        let mut facts = Facts::new();
        judge_no_auth(&mut facts, &[16, 2], None);
        assert_eq!(facts.get_bool("vnc.no_auth"), None);
        assert!(facts
            .why_unavailable("vnc.no_auth")
            .unwrap()
            .contains("Tight (16)"));
    }

    #[tokio::test]
    async fn blacklisted_refusal_sent_with_the_banner() {
        // Captured from Xtigervnc 1.12 after too many unauthenticated connections: banner and
        // RFB 3.3 failure in one segment, before the client says anything.
        let addr = fakes::talker(
            b"RFB 003.003\n\x00\x00\x00\x00\x00\x00\x00\x1aToo many security failures",
        )
        .await;
        let Answer::Identified(f) = identify(&fakes::ctx(3000), &fakes::ep(addr), soon()).await
        else {
            panic!("not identified")
        };
        assert_eq!(f.get_str("vnc.version"), Some("3.3"));
        assert_eq!(
            f.get_str("vnc.failure_reason"),
            Some("Too many security failures")
        );
        assert_eq!(f.get_bool("vnc.no_auth"), None);
        assert!(f.why_unavailable("vnc.no_auth").is_some());
    }

    #[tokio::test]
    async fn other_protocols_and_silence() {
        let ssh = fakes::talker(b"SSH-2.0-OpenSSH_9.2p1\r\n").await;
        assert!(
            matches!(identify(&fakes::ctx(3000), &fakes::ep(ssh), soon()).await, Answer::NotThis(b) if b.starts_with(b"SSH-"))
        );
        let pit = fakes::tarpit().await;
        let d = Instant::now() + Duration::from_millis(300);
        assert_eq!(
            identify(&fakes::ctx(3000), &fakes::ep(pit), d).await,
            Answer::Silent
        );
    }
}
