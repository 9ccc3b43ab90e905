//! Banner probe: recognises server-first protocols (SSH, FTP, Telnet, VNC, MySQL) from the first
//! bytes a server sends, and identifies client-first ones (SMB, PostgreSQL, MS SQL) by a minimal
//! request each. Facts only; no login is ever attempted.

use tokio::io::AsyncWriteExt;
use tokio::time::{timeout_at, Instant};

use crate::fact::Facts;
use crate::msgs::banner::{self as b, Greeting};
use crate::msgs::{database as db, smb};

use super::net::{read_until, NetError};
use super::{Answer, Endpoint, ProbeContext, Protocol};

/// Facts for a server-first greeting recognised in `bytes`, or `None`:
/// - SSH: `service.protocol` "ssh", `ssh.banner` (the identification line), `ssh.protocol_version`,
///   `ssh.software` (str);
/// - FTP: "ftp", `ftp.banner` (first line of the 220 reply); Telnet: "telnet", `telnet.banner`
///   (printable rendering, IAC sequences shown as `<IAC DO ECHO>`);
/// - MySQL/MariaDB: "mysql", `database.engine` "mysql", `database.version` (str), or
///   `database.greeting_error` (str) when it refused us straight away;
/// - RFB: the VNC facts with the security ones unavailable (the sweep runs the real handshake).
pub fn recognise(bytes: &[u8]) -> Option<Facts> {
    let g = b::recognise(bytes)?;
    let mut f = Facts::new();
    match g {
        Greeting::Ssh {
            line,
            proto_version,
            software,
        } => {
            f.set("service.protocol", Protocol::Ssh.name());
            f.set("ssh.banner", line);
            f.set("ssh.protocol_version", proto_version);
            f.set("ssh.software", software);
        }
        Greeting::Ftp { line } => {
            f.set("service.protocol", Protocol::Ftp.name());
            f.set("ftp.banner", line);
        }
        Greeting::Telnet { rendering } => {
            f.set("service.protocol", Protocol::Telnet.name());
            f.set("telnet.banner", rendering);
        }
        Greeting::Rfb { version } => return Some(super::vnc::from_banner_only(version)),
        Greeting::Mysql { server_version, .. } => {
            f.set("service.protocol", Protocol::Mysql.name());
            f.set("database.engine", "mysql");
            f.set("database.version", server_version);
        }
        Greeting::MysqlError { code, message } => {
            f.set("service.protocol", Protocol::Mysql.name());
            f.set("database.engine", "mysql");
            f.set("database.greeting_error", format!("{code}: {message}"));
            f.unavailable(
                "database.version",
                "the server refused us with an error before its greeting",
            );
        }
    }
    Some(f)
}

/// Connects, sends `request`, reads one message with `complete` and hands it to `judge`.
async fn request_response(
    ctx: &ProbeContext,
    ep: &Endpoint,
    deadline: Instant,
    request: &[u8],
    max: usize,
    complete: fn(&[u8]) -> Option<usize>,
) -> Result<Vec<u8>, Answer> {
    let conn = match timeout_at(deadline, ctx.connect(ep.addr)).await {
        Err(_) => return Err(Answer::Silent),
        Ok(Err(e)) => return Err(Answer::Failed(e.to_string())),
        Ok(Ok(c)) => c,
    };
    let mut s = conn.stream;
    match timeout_at(deadline, s.write_all(request)).await {
        Err(_) => return Err(Answer::Silent),
        Ok(Err(e)) => return Err(Answer::Failed(format!("sending the request: {e}"))),
        Ok(Ok(())) => {}
    }
    let res = read_until(&mut s, max.min(ctx.limits.max_message), deadline, complete).await;
    let _ = timeout_at(deadline, s.shutdown()).await;
    match res {
        (bytes, None) => Ok(bytes),
        // What came before the answer stopped (a header claiming 16 MiB, a reset) is evidence.
        (partial, Some(_)) if !partial.is_empty() => Err(not_this(partial)),
        (_, Some(NetError::ReadTimeout)) => Err(Answer::Silent),
        (_, Some(e)) => Err(Answer::Failed(e.to_string())),
    }
}

fn not_this(bytes: Vec<u8>) -> Answer {
    Answer::NotThis(bytes.into_iter().take(64).collect())
}

/// SMB: an SMB2 NEGOTIATE; if that gets no SMB answer, an SMB1 NEGOTIATE offering SMB2 too.
/// Facts: `service.protocol` "smb", `smb.version` (int 1 or 2), `smb.dialect` (str, "3.1.1",
/// "NT LM 0.12"), `smb.negotiate_status` (str, hex) when the server answered with an error.
pub async fn identify_smb(ctx: &ProbeContext, ep: &Endpoint, deadline: Instant) -> Answer {
    let first = request_response(
        ctx,
        ep,
        deadline,
        &smb::build_smb2_negotiate(),
        smb::MAX_RESPONSE,
        smb::message_complete,
    )
    .await;
    let bytes = match first {
        Ok(bytes) if smb::parse_negotiate_response(&bytes).is_ok() => bytes,
        Ok(bytes) => return not_this(bytes),
        // An SMB1-only server may drop an SMB2 request: ask again in SMB1.
        Err(Answer::Failed(_)) => match request_response(
            ctx,
            ep,
            deadline,
            &smb::build_smb1_negotiate(),
            smb::MAX_RESPONSE,
            smb::message_complete,
        )
        .await
        {
            Ok(bytes) => bytes,
            Err(a) => return a,
        },
        Err(a) => return a,
    };
    let mut f = Facts::new();
    match smb::parse_negotiate_response(&bytes) {
        Ok(smb::Negotiated::Smb2 { dialect, status }) => {
            f.set("service.protocol", Protocol::Smb.name());
            f.set("smb.version", 2i64);
            if status == 0 {
                f.set("smb.dialect", smb::dialect_name(dialect));
            } else {
                f.set("smb.negotiate_status", format!("0x{status:08x}"));
                f.unavailable(
                    "smb.dialect",
                    format!("NEGOTIATE failed with status 0x{status:08x}"),
                );
            }
        }
        Ok(smb::Negotiated::Smb1 { dialect, status }) => {
            f.set("service.protocol", Protocol::Smb.name());
            f.set("smb.version", 1i64);
            match dialect {
                Some(d) if status == 0 => f.set("smb.dialect", d),
                _ => f.unavailable(
                    "smb.dialect",
                    format!("no dialect accepted (status 0x{status:08x})"),
                ),
            }
        }
        Err(_) => return not_this(bytes),
    }
    Answer::Identified(f)
}

/// PostgreSQL: an SSLRequest, answered by 'S', 'N' or an ErrorResponse. Facts:
/// `service.protocol` "postgresql", `database.engine` "postgresql", `database.tls_offered`
/// (bool), `database.greeting_error` (str); `database.version` is always unavailable.
pub async fn identify_postgresql(ctx: &ProbeContext, ep: &Endpoint, deadline: Instant) -> Answer {
    let bytes = match request_response(
        ctx,
        ep,
        deadline,
        &db::build_pg_ssl_request(),
        db::MAX_RESPONSE,
        db::pg_complete,
    )
    .await
    {
        Ok(b) => b,
        Err(a) => return a,
    };
    let mut f = Facts::new();
    match db::parse_pg_answer(&bytes) {
        Ok(answer) => {
            f.set("service.protocol", Protocol::Postgresql.name());
            f.set("database.engine", "postgresql");
            f.unavailable(
                "database.version",
                "PostgreSQL does not tell its version before login",
            );
            match answer {
                db::PgAnswer::Tls => f.set("database.tls_offered", true),
                db::PgAnswer::NoTls => f.set("database.tls_offered", false),
                db::PgAnswer::Error {
                    severity,
                    code,
                    message,
                } => {
                    let text = [severity, code, message]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" ");
                    f.set("database.greeting_error", b::printable(text.as_bytes()));
                    f.unavailable(
                        "database.tls_offered",
                        "the server answered the SSLRequest with an error",
                    );
                }
            }
            Answer::Identified(f)
        }
        Err(_) => not_this(bytes),
    }
}

/// MS SQL Server: a TDS PRELOGIN, answered with the server's version and encryption setting.
/// Facts: `service.protocol` "mssql", `database.engine` "mssql", `database.version` (str,
/// "15.0.2000"), `mssql.encryption` (str off/on/not-supported/required), `database.tls_offered`.
pub async fn identify_mssql(ctx: &ProbeContext, ep: &Endpoint, deadline: Instant) -> Answer {
    let bytes = match request_response(
        ctx,
        ep,
        deadline,
        &db::build_tds_prelogin(),
        db::MAX_RESPONSE,
        db::tds_complete,
    )
    .await
    {
        Ok(b) => b,
        Err(a) => return a,
    };
    match db::parse_tds_prelogin(&bytes) {
        Ok(p) => {
            let mut f = Facts::new();
            f.set("service.protocol", Protocol::Mssql.name());
            f.set("database.engine", "mssql");
            match p.version {
                Some(v) => f.set("database.version", v),
                None => f.unavailable("database.version", "PRELOGIN response without VERSION"),
            }
            match p.encryption {
                Some(e) => {
                    f.set("database.tls_offered", e != 2);
                    f.set("mssql.encryption", db::encryption_name(e));
                }
                None => f.unavailable(
                    "database.tls_offered",
                    "PRELOGIN response without ENCRYPTION",
                ),
            }
            Answer::Identified(f)
        }
        Err(_) => not_this(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::super::sweep::fakes;
    use super::*;
    use tokio::time::Duration;

    fn soon() -> Instant {
        Instant::now() + Duration::from_secs(3)
    }

    #[test]
    fn recognises_greetings() {
        // Captured from OpenSSH 9.2 on 127.0.0.68:12222.
        let f = recognise(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n").unwrap();
        assert_eq!(f.get_str("service.protocol"), Some("ssh"));
        assert_eq!(
            f.get_str("ssh.banner"),
            Some("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10")
        );
        let f = recognise(b"220 (vsFTPd 3.0.3)\r\n").unwrap();
        assert_eq!(f.get_str("ftp.banner"), Some("220 (vsFTPd 3.0.3)"));
        let f = recognise(&[0xFF, 0xFD, 0x18]).unwrap();
        assert_eq!(f.get_str("telnet.banner"), Some("<IAC DO TERMINAL-TYPE>"));
        let f = recognise(b"RFB 003.008\n").unwrap();
        assert_eq!(f.get_str("service.protocol"), Some("vnc"));
        assert!(f.why_unavailable("vnc.no_auth").is_some());
        assert!(recognise(b"HTTP/1.1 200 OK\r\n").is_none());
    }

    #[tokio::test]
    async fn smb_postgres_mssql_fakes() {
        // SMB2 NEGOTIATE response choosing 3.1.1 (MS-SMB2 §2.2.4 layout).
        let mut m = b"\xFESMB".to_vec();
        m.extend_from_slice(&64u16.to_le_bytes());
        m.extend_from_slice(&[0u8; 10]);
        m.extend_from_slice(&1u32.to_le_bytes());
        m.extend_from_slice(&[0u8; 44]);
        m.extend_from_slice(&65u16.to_le_bytes());
        m.extend_from_slice(&1u16.to_le_bytes());
        m.extend_from_slice(&0x0311u16.to_le_bytes());
        m.extend_from_slice(&[0u8; 58]);
        let mut frame = vec![0, 0, 0, m.len() as u8];
        frame.extend_from_slice(&m);
        let smb_addr = fakes::responder(100, frame).await;
        let Answer::Identified(f) =
            identify_smb(&fakes::ctx(3000), &fakes::ep(smb_addr), soon()).await
        else {
            panic!("smb")
        };
        assert_eq!(f.get_str("smb.dialect"), Some("3.1.1"));

        let pg = fakes::responder(8, b"N".to_vec()).await;
        let Answer::Identified(f) =
            identify_postgresql(&fakes::ctx(3000), &fakes::ep(pg), soon()).await
        else {
            panic!("pg")
        };
        assert_eq!(f.get_str("database.engine"), Some("postgresql"));
        assert_eq!(f.get_bool("database.tls_offered"), Some(false));

        let prelogin = vec![
            0x04, 0x01, 0x00, 0x1a, 0, 0, 1, 0, 0x00, 0x00, 0x0b, 0x00, 0x06, 0x01, 0x00, 0x11,
            0x00, 0x01, 0xFF, 15, 0, 0x07, 0xd0, 0, 0, 0x00,
        ];
        let ms = fakes::responder(8, prelogin).await;
        let Answer::Identified(f) = identify_mssql(&fakes::ctx(3000), &fakes::ep(ms), soon()).await
        else {
            panic!("mssql")
        };
        assert_eq!(f.get_str("database.version"), Some("15.0.2000"));
        assert_eq!(f.get_str("mssql.encryption"), Some("off"));

        // An SSH server is none of them.
        let ssh = fakes::talker(b"SSH-2.0-OpenSSH_9.2p1\r\n").await;
        for a in [
            identify_smb(&fakes::ctx(3000), &fakes::ep(ssh), soon()).await,
            identify_postgresql(&fakes::ctx(3000), &fakes::ep(ssh), soon()).await,
            identify_mssql(&fakes::ctx(3000), &fakes::ep(ssh), soon()).await,
        ] {
            assert!(
                matches!(a, Answer::NotThis(ref b) if b.starts_with(b"SSH-")),
                "{a:?}"
            );
        }
    }
}
