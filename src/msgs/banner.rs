//! Server-first greetings recognised from the first bytes a server sends: SSH identification
//! (RFC 4253 §4.2), FTP 220 reply (RFC 959 §4.2), Telnet option negotiation (RFC 854/855) or a
//! login prompt, the RFB banner, and the MySQL/MariaDB initial handshake packet. Never panics.

use super::rfb;

/// The most bytes of a greeting we look at.
pub const MAX_GREETING: usize = 4096;

/// A recognised greeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Greeting {
    /// `SSH-protoversion-softwareversion SP comments`; `line` is the whole line without CR LF.
    Ssh {
        line: String,
        proto_version: String,
        software: String,
    },
    /// An FTP connection-establishment reply, 220 (or 120/421), its first line without CR LF.
    Ftp { line: String },
    /// Telnet: IAC negotiation and/or a login prompt; `rendering` shows the bytes readably.
    Telnet { rendering: String },
    /// An RFB ProtocolVersion banner.
    Rfb { version: rfb::Version },
    /// MySQL/MariaDB initial handshake (protocol 10) with the server version string.
    Mysql {
        protocol: u8,
        server_version: String,
    },
    /// MySQL/MariaDB refusing us straight away with an ERR packet (e.g. 1130 "Host ... is not
    /// allowed to connect"): still MySQL, version unknown.
    MysqlError { code: u16, message: String },
}

/// Text from server bytes: printable ASCII kept, everything else as `\xNN`.
pub fn printable(b: &[u8]) -> String {
    let mut s = String::new();
    for &c in b {
        if (0x20..0x7f).contains(&c) {
            s.push(char::from(c));
        } else {
            s.push_str(&format!("\\x{c:02x}"));
        }
    }
    s
}

/// Lowercase hex of at most `max` bytes.
pub fn hex(b: &[u8], max: usize) -> String {
    b.iter().take(max).map(|c| format!("{c:02x}")).collect()
}

/// The lines of `b` (split at LF, CR dropped), and whether the last one was terminated.
fn lines(b: &[u8]) -> impl Iterator<Item = (&[u8], bool)> {
    let mut rest = b;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match rest.iter().position(|&c| c == b'\n') {
            Some(i) => {
                let line = rest.get(..i).unwrap_or_default();
                rest = rest.get(i + 1..).unwrap_or_default();
                Some((line.strip_suffix(b"\r").unwrap_or(line), true))
            }
            None => {
                let line = rest;
                rest = &[];
                Some((line, false))
            }
        }
    })
}

/// SSH: the identification line may follow other lines (RFC 4253 §4.2); it is at most 255 bytes.
fn ssh(b: &[u8]) -> Option<Greeting> {
    for (line, terminated) in lines(b).take(32) {
        if let Some(rest) = line.strip_prefix(b"SSH-") {
            if line.len() > 255 {
                return None;
            }
            let dash = rest.iter().position(|&c| c == b'-')?;
            let proto = rest.get(..dash)?;
            let software_and_comments = rest.get(dash + 1..)?;
            let proto_ok =
                !proto.is_empty() && proto.iter().all(|c| c.is_ascii_digit() || *c == b'.');
            let software = software_and_comments
                .split(|&c| c == b' ')
                .next()
                .unwrap_or_default();
            if !proto_ok || software.is_empty() || !software.iter().all(|c| c.is_ascii_graphic()) {
                return None;
            }
            // An unterminated line is accepted only when it already has a software version.
            let _ = terminated;
            return Some(Greeting::Ssh {
                line: printable(line),
                proto_version: printable(proto),
                software: printable(software),
            });
        }
    }
    None
}

/// FTP: "220" (or 120/421) then SP or "-" (multi-line). SMTP servers also greet with 220 or
/// 421; they say so, and are left unrecognised.
fn ftp(b: &[u8]) -> Option<Greeting> {
    let (first, _) = lines(b).next()?;
    let code = first.get(..3)?;
    let sep = *first.get(3)?;
    // RFC 959 §5.4, connection establishment: 120 (ready soon), 220 (ready), 421 (not available).
    if !matches!(code, b"220" | b"120" | b"421") || !(sep == b' ' || sep == b'-') {
        return None;
    }
    let upper = String::from_utf8_lossy(b).to_ascii_uppercase();
    if upper.contains("SMTP") || upper.contains("POSTFIX") || upper.contains("EXIM") {
        return None;
    }
    if !first
        .iter()
        .all(|c| (0x20..0x7f).contains(c) || *c == b'\t')
    {
        return None;
    }
    Some(Greeting::Ftp {
        line: printable(first),
    })
}

const IAC: u8 = 0xFF;

fn telnet_command(c: u8) -> Option<&'static str> {
    Some(match c {
        0xF0 => "SE",
        0xF1 => "NOP",
        0xF2 => "DM",
        0xF3 => "BRK",
        0xF4 => "IP",
        0xF5 => "AO",
        0xF6 => "AYT",
        0xF7 => "EC",
        0xF8 => "EL",
        0xF9 => "GA",
        0xFA => "SB",
        0xFB => "WILL",
        0xFC => "WONT",
        0xFD => "DO",
        0xFE => "DONT",
        0xFF => "IAC",
        _ => return None,
    })
}

fn telnet_option(o: u8) -> String {
    match o {
        0 => "BINARY".into(),
        1 => "ECHO".into(),
        3 => "SUPPRESS-GO-AHEAD".into(),
        5 => "STATUS".into(),
        24 => "TERMINAL-TYPE".into(),
        31 => "NAWS".into(),
        32 => "TERMINAL-SPEED".into(),
        33 => "LFLOW".into(),
        34 => "LINEMODE".into(),
        35 => "X-DISPLAY-LOCATION".into(),
        36 => "OLD-ENVIRON".into(),
        37 => "AUTHENTICATION".into(),
        38 => "ENCRYPT".into(),
        39 => "NEW-ENVIRON".into(),
        _ => o.to_string(),
    }
}

/// Renders telnet bytes: IAC sequences as `<IAC DO ECHO>`, text printable, CR/LF as `\r`/`\n`.
pub fn render_telnet(b: &[u8]) -> String {
    let mut s = String::new();
    let mut i = 0usize;
    while let Some(&c) = b.get(i) {
        if c == IAC {
            let cmd = b.get(i + 1).copied();
            match cmd.and_then(|x| telnet_command(x).map(|n| (x, n))) {
                Some((x, name)) if (0xFB..=0xFE).contains(&x) => {
                    match b.get(i + 2) {
                        Some(&o) => s.push_str(&format!("<IAC {name} {}>", telnet_option(o))),
                        None => s.push_str(&format!("<IAC {name}>")),
                    }
                    i += 3;
                }
                Some((_, name)) => {
                    s.push_str(&format!("<IAC {name}>"));
                    i += 2;
                }
                None => {
                    s.push_str("<IAC>");
                    i += 1;
                }
            }
            continue;
        }
        match c {
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            0x20..=0x7e => s.push(char::from(c)),
            _ => s.push_str(&format!("\\x{c:02x}")),
        }
        i += 1;
    }
    s
}

/// Telnet: starts with IAC and a negotiation command (WILL/WONT/DO/DONT/SB), or is printable
/// text whose last line is a login prompt.
fn telnet(b: &[u8]) -> Option<Greeting> {
    let first = *b.first()?;
    if first == IAC {
        let cmd = *b.get(1)?;
        if (0xFA..=0xFE).contains(&cmd) {
            return Some(Greeting::Telnet {
                rendering: render_telnet(b),
            });
        }
        return None;
    }
    if !b
        .iter()
        .all(|&c| (0x20..0x7f).contains(&c) || c == b'\r' || c == b'\n' || c == b'\t')
    {
        return None;
    }
    let text = String::from_utf8_lossy(b);
    let last = text.trim_end().lines().last()?.trim().to_ascii_lowercase();
    let prompt = ["login:", "username:", "user name:", "user:"];
    if prompt.iter().any(|p| last.ends_with(p)) {
        return Some(Greeting::Telnet {
            rendering: render_telnet(b),
        });
    }
    None
}

/// A MySQL packet: 3-byte little-endian length, sequence id, payload.
fn mysql_packet(b: &[u8]) -> Option<(u8, &[u8])> {
    let len =
        usize::from(*b.first()?) | usize::from(*b.get(1)?) << 8 | usize::from(*b.get(2)?) << 16;
    let seq = *b.get(3)?;
    let payload = b.get(4..4usize.checked_add(len)?)?;
    Some((seq, payload))
}

/// For reading a MySQL greeting: the length of the first packet, once complete.
pub fn mysql_packet_len(b: &[u8]) -> Option<usize> {
    let len =
        usize::from(*b.first()?) | usize::from(*b.get(1)?) << 8 | usize::from(*b.get(2)?) << 16;
    Some(len + 4)
}

fn mysql(b: &[u8]) -> Option<Greeting> {
    let (seq, p) = mysql_packet(b)?;
    if seq != 0 || p.len() > 1024 {
        return None;
    }
    match *p.first()? {
        10 => {
            // Protocol::HandshakeV10: version NUL-terminated, connection id (4),
            // auth-plugin-data-part-1 (8), filler 0x00, capability flags (2), ...
            let nul = p.iter().position(|&c| c == 0)?;
            let version = p.get(1..nul)?;
            if version.is_empty()
                || version.len() > 100
                || !version.iter().all(|c| c.is_ascii_graphic() || *c == b' ')
                || !version.first()?.is_ascii_digit()
            {
                return None;
            }
            let filler = *p.get(nul + 1 + 4 + 8)?;
            if filler != 0 {
                return None;
            }
            Some(Greeting::Mysql {
                protocol: 10,
                server_version: printable(version),
            })
        }
        0xFF => {
            // ERR_Packet: 0xFF, error code (2, LE), message (no SQL state before auth).
            let code = u16::from_le_bytes([*p.get(1)?, *p.get(2)?]);
            let msg = p.get(3..)?;
            if !(1000..=5000).contains(&code)
                || msg.len() < 8
                || !msg.iter().all(|c| (0x20..0x7f).contains(c))
            {
                return None;
            }
            Some(Greeting::MysqlError {
                code,
                message: printable(msg),
            })
        }
        _ => None,
    }
}

/// Recognises a server-first greeting from the first bytes, or `None`.
pub fn recognise(b: &[u8]) -> Option<Greeting> {
    let b = b.get(..b.len().min(MAX_GREETING)).unwrap_or_default();
    if b.is_empty() {
        return None;
    }
    if rfb::looks_like_rfb(b) {
        return rfb::parse_version(b)
            .ok()
            .map(|version| Greeting::Rfb { version });
    }
    ssh(b)
        .or_else(|| ftp(b))
        .or_else(|| mysql(b))
        .or_else(|| telnet(b))
}

/// Whether more bytes could still change what `recognise` says about `b`: an incomplete line,
/// an incomplete MySQL packet or RFB banner. Used to decide to keep reading a greeting.
pub fn wants_more(b: &[u8]) -> bool {
    if b.is_empty() {
        return true;
    }
    if rfb::looks_like_rfb(b) {
        return b.len() < 12;
    }
    if let Some(n) = mysql_packet_len(b) {
        if b.len() < n
            && n <= 1028
            && b.get(3) == Some(&0)
            && matches!(b.get(4), None | Some(10) | Some(0xFF))
        {
            return true;
        }
    }
    if matches!(
        recognise(b),
        Some(Greeting::Telnet { .. } | Greeting::Mysql { .. } | Greeting::MysqlError { .. })
    ) {
        return false;
    }
    // Text whose last line is not finished yet (and not too long): wait for the rest of it.
    b.last() != Some(&b'\n')
        && b.len() < 512
        && b.iter()
            .all(|&c| (0x20..0x7f).contains(&c) || matches!(c, b'\r' | b'\n' | b'\t'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ssh_lines() {
        // Captured from OpenSSH 9.2 (Debian 12) on 127.0.0.68:12222.
        let g = recognise(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n").unwrap();
        assert_eq!(
            g,
            Greeting::Ssh {
                line: "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10".into(),
                proto_version: "2.0".into(),
                software: "OpenSSH_9.2p1".into(),
            }
        );
        // RFC 4253 §4.2: other lines may come first; 1.99 announces compatibility.
        let g = recognise(b"Welcome\r\nSSH-1.99-Cisco-1.25\r\n").unwrap();
        assert!(matches!(g, Greeting::Ssh { ref software, .. } if software == "Cisco-1.25"));
        assert_eq!(recognise(b"SSH-2.0-\r\n"), None);
        assert_eq!(recognise(b"SSH-x.y-foo\r\n"), None);
    }

    #[test]
    fn ftp_and_smtp() {
        // vsftpd's default greeting; ProFTPD's multi-line form (RFC 959 §4.2).
        assert_eq!(
            recognise(b"220 (vsFTPd 3.0.3)\r\n"),
            Some(Greeting::Ftp {
                line: "220 (vsFTPd 3.0.3)".into()
            })
        );
        assert!(matches!(
            recognise(b"220-Welcome\r\n220 ProFTPD Server\r\n"),
            Some(Greeting::Ftp { .. })
        ));
        assert_eq!(
            recognise(b"220 mail.example ESMTP Postfix (Debian/GNU)\r\n"),
            None
        );
        assert_eq!(recognise(b"2201\r\n"), None);
        // vsftpd at its connection limit still is FTP.
        assert!(matches!(
            recognise(b"421 There are too many connected users, please try later.\r\n"),
            Some(Greeting::Ftp { .. })
        ));
        assert_eq!(
            recognise(b"421 4.3.2 Service shutting down (ESMTP)\r\n"),
            None
        );
        assert_eq!(recognise(b"500 nope\r\n"), None);
    }

    #[test]
    fn telnet_negotiation_and_prompt() {
        // inetutils telnetd opens with IAC DO TERMINAL-TYPE (RFC 1091), etc.
        let b = [0xFF, 0xFD, 0x18, 0xFF, 0xFD, 0x20, 0xFF, 0xFB, 0x01];
        match recognise(&b).unwrap() {
            Greeting::Telnet { rendering } => assert_eq!(
                rendering,
                "<IAC DO TERMINAL-TYPE><IAC DO TERMINAL-SPEED><IAC WILL ECHO>"
            ),
            g => panic!("{g:?}"),
        }
        assert!(matches!(
            recognise(b"\r\nUbuntu 22.04\r\nhost login: "),
            Some(Greeting::Telnet { .. })
        ));
        assert_eq!(render_telnet(&[0xFF]), "<IAC>");
        assert_eq!(render_telnet(&[0xFF, 0xFB]), "<IAC WILL>");
        assert_eq!(recognise(&[0xFF, 0x00]), None);
    }

    #[test]
    fn mysql_handshake() {
        // MySQL Protocol::HandshakeV10 layout (dev.mysql.com "Connection Phase"), as sent by
        // MariaDB 10.11 (Debian 12): length 0x5b, seq 0, protocol 10, version, NUL, ...
        let mut p = vec![10u8];
        p.extend_from_slice(b"5.5.5-10.11.6-MariaDB-0+deb12u1\0");
        p.extend_from_slice(&[1, 0, 0, 0]); // connection id
        p.extend_from_slice(b"abcdefgh"); // auth data part 1
        p.push(0); // filler
        p.extend_from_slice(&[0xfe, 0xf7]); // capabilities
        let mut b = vec![p.len() as u8, 0, 0, 0];
        b.extend_from_slice(&p);
        assert_eq!(
            recognise(&b),
            Some(Greeting::Mysql {
                protocol: 10,
                server_version: "5.5.5-10.11.6-MariaDB-0+deb12u1".into()
            })
        );
        assert!(wants_more(&b[..10]));
        // ERR 1130 as MySQL sends to a host it does not allow.
        let msg = b"Host '10.0.0.9' is not allowed to connect to this MySQL server";
        let mut e = vec![(msg.len() + 3) as u8, 0, 0, 0, 0xFF, 0x6a, 0x04];
        e.extend_from_slice(msg);
        assert!(matches!(
            recognise(&e),
            Some(Greeting::MysqlError { code: 1130, .. })
        ));
    }

    #[test]
    fn rfb_and_unknown() {
        assert!(matches!(
            recognise(b"RFB 003.008\n"),
            Some(Greeting::Rfb { .. })
        ));
        assert_eq!(recognise(b"HTTP/1.1 400 Bad Request\r\n\r\n"), None);
        assert_eq!(recognise(&[0x00, 0x01, 0x02]), None);
        assert!(wants_more(b"SSH-2.0-Open"));
        assert!(wants_more(b"RFB 00"));
        assert!(!wants_more(b"HTTP/1.1 400 Bad Request\r\n"));
        assert_eq!(hex(&[0xde, 0xad, 0xbe, 0xef], 2), "dead");
    }

    proptest! {
        #[test]
        fn never_panics(b in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = recognise(&b);
            let _ = wants_more(&b);
            let _ = render_telnet(&b);
            let _ = mysql_packet_len(&b);
        }

        #[test]
        fn mutated_valid_never_panics(which in 0usize..4, pos in 0usize..64, byte in any::<u8>(), cut in 0usize..64) {
            let mut b: Vec<u8> = match which {
                0 => b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n".to_vec(),
                1 => vec![0xFF, 0xFD, 0x18, 0xFF, 0xFA, 0x20, 0xFF, 0xFB],
                2 => b"220-Welcome\r\n220 ProFTPD Server\r\n".to_vec(),
                _ => {
                    let mut v = vec![0x20, 0, 0, 0, 10];
                    v.extend_from_slice(b"8.0.36\0");
                    v.extend_from_slice(&[0; 30]);
                    v
                }
            };
            if let Some(x) = b.get_mut(pos) { *x = byte; }
            b.truncate(cut);
            let _ = recognise(&b);
            let _ = wants_more(&b);
        }
    }
}
