//! HTTP/1.x bytes for the host sweep, without I/O (RFC 9112): the one GET request the sweep sends,
//! framing of a server's response (head, Content-Length or chunked body), and the recognisers of
//! an Orthanc archive's web API (its redirect or realm, and the JSON of `GET /system`).

/// The most bytes of a response head we read.
pub const MAX_HEAD: usize = 16 * 1024;
/// The most bytes of a response (head and body) we read: `/system` is a few hundred bytes.
pub const MAX_RESPONSE: usize = 64 * 1024;

/// A GET of `path` with `Connection: close`, for `host` (the inventory name, and the port unless
/// it is the scheme's default), saying it is `user_agent`. Characters a Host field cannot hold
/// are dropped.
pub fn get_request(host: &str, port: u16, tls: bool, path: &str, user_agent: &str) -> Vec<u8> {
    let clean = |s: &str| -> String { s.chars().filter(|c| c.is_ascii_graphic()).collect() };
    let mut authority = clean(host);
    if authority.contains(':') && !authority.starts_with('[') {
        authority = format!("[{authority}]");
    }
    if port != if tls { 443 } else { 80 } {
        authority = format!("{authority}:{port}");
    }
    format!(
        "GET {} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: {}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        clean(path),
        user_agent.chars().filter(|c| *c == ' ' || c.is_ascii_graphic()).collect::<String>()
    )
    .into_bytes()
}

/// Bytes that begin like an HTTP/1.x status line (`HTTP/1.1 200`), even if not whole yet.
pub fn looks_like_http(b: &[u8]) -> bool {
    const PREFIX: &[u8] = b"HTTP/1.";
    let n = b.len().min(PREFIX.len());
    n >= 5 && b.get(..n) == PREFIX.get(..n)
}

/// A response's status line and header fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// `HTTP/1.1` or `HTTP/1.0`.
    pub version: String,
    pub status: u16,
    pub reason: String,
    /// (lower-case name, value) in order; values are printable text.
    pub headers: Vec<(String, String)>,
    /// Bytes the head took (through the empty line).
    pub len: usize,
}

impl Head {
    /// The first field named `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body ends with the connection (no Content-Length, not chunked; RFC 9112 §6.3).
    pub fn body_until_close(&self) -> bool {
        !self.chunked() && self.content_length().is_none()
    }

    fn chunked(&self) -> bool {
        self.header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
    }

    fn content_length(&self) -> Option<usize> {
        self.header("content-length")?.trim().parse().ok()
    }
}

/// Why bytes are not a usable HTTP response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    #[error("not an HTTP response")]
    NotHttp,
    #[error("response head incomplete")]
    Incomplete,
    #[error("response head longer than {MAX_HEAD} bytes")]
    HeadTooLong,
    #[error("malformed {0}")]
    Malformed(&'static str),
}

/// The end of the head (after CRLF CRLF, or LF LF from lax servers), if present.
fn head_end(b: &[u8]) -> Option<usize> {
    let crlf = b.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4);
    let lf = b.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Parses the status line and fields of a response. Never panics.
pub fn parse_head(b: &[u8]) -> Result<Head, HttpError> {
    if !looks_like_http(b) {
        return Err(HttpError::NotHttp);
    }
    let Some(len) = head_end(b) else {
        return Err(if b.len() > MAX_HEAD {
            HttpError::HeadTooLong
        } else {
            HttpError::Incomplete
        });
    };
    if len > MAX_HEAD {
        return Err(HttpError::HeadTooLong);
    }
    let text = String::from_utf8_lossy(b.get(..len).unwrap_or_default());
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let status_line = lines.next().ok_or(HttpError::Malformed("status line"))?;
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let code = parts.next().unwrap_or_default();
    let reason = parts.next().unwrap_or_default();
    if !matches!(version, "HTTP/1.0" | "HTTP/1.1") {
        return Err(HttpError::Malformed("HTTP version"));
    }
    if code.len() != 3 || !code.bytes().all(|c| c.is_ascii_digit()) {
        return Err(HttpError::Malformed("status code"));
    }
    let status = code
        .parse::<u16>()
        .map_err(|_| HttpError::Malformed("status code"))?;
    let mut headers = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once(':') else {
            continue; // RFC 9112 §5: a line without a colon is not a field; ignore it
        };
        headers.push((name.trim().to_ascii_lowercase(), printable(value.trim())));
    }
    Ok(Head {
        version: version.to_owned(),
        status,
        reason: printable(reason),
        headers,
        len,
    })
}

/// A server's text as we may show it: no control characters and no bidirectional overrides
/// or isolates (which could make a report read other than it is), at most 512 characters.
fn printable(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() && !is_bidi_format(*c))
        .take(512)
        .collect::<String>()
}

/// The Unicode bidirectional formatting characters (UAX #9 §2: marks, embeddings, overrides,
/// isolates).
fn is_bidi_format(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// For reading: `Some(len)` once `b` holds a whole response of `len` bytes (head, then a body of
/// Content-Length bytes, a whole chunked body, or none for 1xx/204/304); `None` while more is
/// needed (a body delimited by the close of the connection is never whole). Bytes that are not
/// HTTP complete at once. Never panics.
pub fn response_complete(b: &[u8]) -> Option<usize> {
    if b"HTTP/1.".starts_with(b) {
        return None; // nothing yet, or too little to tell
    }
    let head = match parse_head(b) {
        Ok(h) => h,
        Err(HttpError::Incomplete) => return None,
        Err(_) => return Some(b.len()),
    };
    if matches!(head.status, 100..=199 | 204 | 304) {
        return Some(head.len);
    }
    let rest = b.get(head.len..).unwrap_or_default();
    if head.chunked() {
        return dechunk(rest).map(|(_, used)| head.len + used);
    }
    let n = head.content_length()?;
    let total = head.len.checked_add(n)?;
    (b.len() >= total).then_some(total)
}

/// Decodes a whole chunked body: (body, bytes used), or `None` while incomplete or malformed.
fn dechunk(mut b: &[u8]) -> Option<(Vec<u8>, usize)> {
    let start = b.len();
    let mut body = Vec::new();
    loop {
        let eol = b.windows(2).position(|w| w == b"\r\n")?;
        let size_text = String::from_utf8_lossy(b.get(..eol)?).into_owned();
        let size_hex = size_text.split(';').next()?.trim();
        let size = usize::from_str_radix(size_hex, 16).ok()?;
        b = b.get(eol + 2..)?;
        if size == 0 {
            // Optional trailer fields, then the empty line.
            let trailer = if b.starts_with(b"\r\n") {
                2
            } else {
                b.windows(4).position(|w| w == b"\r\n\r\n")? + 4
            };
            return Some((body, start - b.len() + trailer));
        }
        if body.len().saturating_add(size) > MAX_RESPONSE {
            return None;
        }
        body.extend_from_slice(b.get(..size)?);
        b = b.get(size..)?;
        b = b.strip_prefix(b"\r\n")?;
    }
}

/// A response: its head and its body (de-chunked; cut at Content-Length; whatever arrived for a
/// body delimited by the close).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub head: Head,
    pub body: Vec<u8>,
}

/// Parses a response read until `response_complete`, the close, or the size limit.
pub fn parse_response(b: &[u8]) -> Result<Response, HttpError> {
    let head = parse_head(b)?;
    let rest = b.get(head.len..).unwrap_or_default();
    let body = if head.chunked() {
        dechunk(rest).map(|(body, _)| body).unwrap_or_default()
    } else {
        match head.content_length() {
            Some(n) => rest.get(..n.min(rest.len())).unwrap_or_default().to_vec(),
            None => rest.to_vec(),
        }
    };
    Ok(Response { head, body })
}

/// Why a response looks like Orthanc's web server, or `None`: its realm (`Basic
/// realm="Orthanc Secure Area"`), a Server field naming it, or the redirect of `/` to its
/// explorer (`app/explorer.html`, or `ui/app/` of newer versions), which a reverse proxy keeps.
pub fn orthanc_fingerprint(head: &Head) -> Option<String> {
    if let Some(auth) = head.header("www-authenticate") {
        if auth.to_ascii_lowercase().contains("orthanc") {
            return Some(format!("WWW-Authenticate: {auth}"));
        }
    }
    if let Some(server) = head.header("server") {
        if server.to_ascii_lowercase().contains("orthanc") {
            return Some(format!("Server: {server}"));
        }
    }
    if let Some(location) = head.header("location") {
        let path = location.split(['?', '#']).next().unwrap_or_default();
        if (300..400).contains(&head.status)
            && (path.ends_with("app/explorer.html")
                || path.trim_end_matches('/').ends_with("ui/app"))
        {
            return Some(format!("{} redirect to {location}", head.status));
        }
    }
    None
}

/// What Orthanc's `GET /system` tells anyone it answers without credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrthancSystem {
    pub name: String,
    pub aet: String,
    pub version: String,
}

/// The JSON object of `GET /system` with its `DicomAet` and `Version` strings, or `None`.
pub fn orthanc_system(body: &[u8]) -> Option<OrthancSystem> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let text = |key: &str| -> Option<String> {
        value
            .get(key)?
            .as_str()
            .map(|s| s.chars().filter(|c| !c.is_control()).take(128).collect())
    };
    Some(OrthancSystem {
        aet: text("DicomAet")?,
        version: text("Version")?,
        name: text("Name").unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_text_has_no_controls_or_bidi_overrides() {
        let r = parse_response(
            "HTTP/1.1 200 OK\r\nServer: nginx\u{202E}xnignI\u{2066}\x1b[31m\r\n\r\n".as_bytes(),
        )
        .unwrap();
        let server = r.head.headers.iter().find(|(n, _)| n == "server").unwrap();
        assert_eq!(server.1, "nginxxnignI[31m");
    }
    use proptest::prelude::*;

    // Recorded from Orthanc 1.10.1 (Debian 12) on the lab's 127.0.0.130:18042 and :18043.
    const ORTHANC_ROOT: &[u8] = b"HTTP/1.1 301 Moved Permanently\r\nConnection: close\r\nLocation: app/explorer.html\r\nContent-Length: 0\r\n\r\n";
    const ORTHANC_401: &[u8] = b"HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nWWW-Authenticate: Basic realm=\"Orthanc Secure Area\"\r\nContent-Length: 0\r\n\r\n";
    const SYSTEM_JSON: &[u8] = b"{\n   \"ApiVersion\" : 16,\n   \"DicomAet\" : \"LABPACS\",\n   \"DicomPort\" : 14245,\n   \"Name\" : \"vendor-audit lab orthanc-rest-open\",\n   \"Version\" : \"1.10.1\"\n}\n";

    const UA: &str = "vendor-audit/0.1.0 (+security@audit.example.jp)";

    #[test]
    fn requests_name_the_host_and_close() {
        let r = String::from_utf8(get_request("pacs.example", 8042, false, "/system", UA)).unwrap();
        assert!(
            r.starts_with("GET /system HTTP/1.1\r\nHost: pacs.example:8042\r\n"),
            "{r}"
        );
        assert!(r.ends_with("Connection: close\r\n\r\n"));
        let r = String::from_utf8(get_request("::1", 443, true, "/", UA)).unwrap();
        assert!(r.contains("Host: [::1]\r\n"), "{r}");
        let r =
            String::from_utf8(get_request("evil\r\nX-y", 80, false, "/", "ua\r\nX: 1")).unwrap();
        assert!(r.contains("Host: evilX-y\r\n"), "{r}");
        assert!(r.contains("User-Agent: uaX: 1\r\n"), "{r}");
        let r = String::from_utf8(get_request("a", 80, false, "/", UA)).unwrap();
        assert!(
            r.contains("User-Agent: vendor-audit/0.1.0 (+security@audit.example.jp)\r\n"),
            "{r}"
        );
    }

    #[test]
    fn orthanc_is_recognised_by_its_redirect_and_realm() {
        let h = parse_head(ORTHANC_ROOT).unwrap();
        assert_eq!(h.status, 301);
        assert_eq!(
            orthanc_fingerprint(&h).as_deref(),
            Some("301 redirect to app/explorer.html")
        );
        let h = parse_head(ORTHANC_401).unwrap();
        assert_eq!(h.status, 401);
        assert!(orthanc_fingerprint(&h)
            .unwrap()
            .contains("Orthanc Secure Area"));
        let nginx = b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Length: 3\r\n\r\nhi\n";
        let h = parse_head(nginx).unwrap();
        assert_eq!(h.header("server"), Some("nginx/1.22.1"));
        assert_eq!(orthanc_fingerprint(&h), None);
    }

    #[test]
    fn system_json_gives_aet_and_version() {
        let s = orthanc_system(SYSTEM_JSON).unwrap();
        assert_eq!(s.aet, "LABPACS");
        assert_eq!(s.version, "1.10.1");
        assert_eq!(s.name, "vendor-audit lab orthanc-rest-open");
        assert_eq!(orthanc_system(b"<html>login</html>"), None);
        assert_eq!(orthanc_system(b"{\"Version\": \"1\"}"), None);
    }

    #[test]
    fn framing_by_length_chunks_and_close() {
        let mut whole = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".to_vec();
        assert_eq!(response_complete(&whole), Some(whole.len()));
        assert_eq!(response_complete(&whole[..whole.len() - 1]), None);
        whole.extend_from_slice(b"extra");
        assert_eq!(parse_response(&whole).unwrap().body, b"hello");
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";
        assert_eq!(response_complete(chunked), Some(chunked.len()));
        assert_eq!(parse_response(chunked).unwrap().body, b"abcde");
        assert_eq!(response_complete(&chunked[..chunked.len() - 2]), None);
        let close = b"HTTP/1.0 200 OK\r\n\r\nuntil the close";
        assert_eq!(response_complete(close), None);
        assert_eq!(parse_response(close).unwrap().body, b"until the close");
        let not_modified = b"HTTP/1.1 304 Not Modified\r\n\r\n";
        assert_eq!(response_complete(not_modified), Some(not_modified.len()));
        assert_eq!(response_complete(b"SSH-2.0-x\r\n"), Some(11));
        assert_eq!(response_complete(b"HTTP/1."), None);
        assert_eq!(response_complete(b""), None);
        assert_eq!(response_complete(b"HT"), None);
        assert_eq!(response_complete(b"HX"), Some(2));
    }

    #[test]
    fn not_http_and_malformed() {
        assert_eq!(
            parse_head(b"SSH-2.0-OpenSSH\r\n\r\n"),
            Err(HttpError::NotHttp)
        );
        assert_eq!(
            parse_head(b"HTTP/1.1 2x0 OK\r\n\r\n"),
            Err(HttpError::Malformed("status code"))
        );
        assert_eq!(
            parse_head(b"HTTP/1.1 200 OK\r\n"),
            Err(HttpError::Incomplete)
        );
        let mut long = b"HTTP/1.1 200 OK\r\nX: ".to_vec();
        long.resize(MAX_HEAD + 10, b'a');
        assert_eq!(parse_head(&long), Err(HttpError::HeadTooLong));
        assert!(looks_like_http(b"HTTP/"));
        assert!(!looks_like_http(b"HTT"));
        assert!(!looks_like_http(b"HTTPX"));
    }

    proptest! {
        #[test]
        fn never_panics(b in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = parse_head(&b);
            let _ = response_complete(&b);
            let _ = parse_response(&b);
            let _ = orthanc_system(&b);
            let mut with_prefix = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
            with_prefix.extend_from_slice(&b);
            let _ = response_complete(&with_prefix);
            let _ = parse_response(&with_prefix);
        }
    }
}
