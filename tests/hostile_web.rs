//! Web forms that misbehave, judged by a whole `vendor-audit run` against tiny servers of the
//! test's own on 127.0.0.180-189: encoded pages (gzip, deflate, br, a bomb, an unknown coding),
//! pages too deep or too large to analyse, proxies in the environment, redirects outside the
//! vendor's assets (another port of the same host included), silent forms, the User-Agent, and
//! the hostile HTTP cases (huge heads and bodies, endless chunks, 10,000 cookies, bad bytes,
//! Shift_JIS, a redirect loop). Each must end `error` or the correct verdict, within a timeout.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What a tiny server does with a request for one path.
#[derive(Clone)]
enum Reply {
    /// Head lines (without the status line) and body, sent whole, then the connection closes.
    Bytes(String, Vec<(String, String)>, Vec<u8>),
    /// Raw bytes, sent as they are, then the connection closes.
    Raw(Vec<u8>),
    /// Raw bytes produced by a writer until the peer goes away (or the test ends).
    Stream(fn(&mut TcpStream)),
    /// Nothing at all, the connection held open.
    Silent,
}

fn reply(status: &str, headers: &[(&str, &str)], body: impl Into<Vec<u8>>) -> Reply {
    Reply::Bytes(
        status.to_owned(),
        headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body.into(),
    )
}

/// Every request a server got: (path, head lines).
type Log = Arc<Mutex<Vec<(String, Vec<String>)>>>;

/// Serves `routes` (by path; `*` for any other) on `addr`:0 and returns the port and the log.
fn serve(addr: &str, routes: HashMap<&'static str, Reply>) -> (u16, Log) {
    let l = TcpListener::bind(format!("{addr}:0")).unwrap();
    let port = l.local_addr().unwrap().port();
    let log: Log = Arc::default();
    let seen = log.clone();
    let routes = Arc::new(routes);
    std::thread::spawn(move || {
        for stream in l.incoming().flatten() {
            let routes = routes.clone();
            let seen = seen.clone();
            std::thread::spawn(move || answer(stream, &routes, &seen));
        }
    });
    (port, log)
}

fn answer(mut stream: TcpStream, routes: &HashMap<&'static str, Reply>, log: &Log) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "\r\n" => break,
            Ok(_) => lines.push(line.trim_end().to_owned()),
        }
        if lines.len() > 200 {
            return;
        }
    }
    let length: usize = lines
        .iter()
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length.min(65536)];
    let _ = reader.read_exact(&mut body);
    let path = lines
        .first()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or("")
        .to_owned();
    log.lock().unwrap().push((path.clone(), lines));
    let route = path.split('?').next().unwrap_or("");
    let Some(r) = routes.get(route).or_else(|| routes.get("*")) else {
        let _ = stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    match r {
        Reply::Bytes(status, headers, body) => {
            let mut head = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
            for (n, v) in headers {
                head.push_str(&format!("{n}: {v}\r\n"));
            }
            head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body);
        }
        Reply::Raw(bytes) => {
            let _ = stream.write_all(bytes);
        }
        Reply::Stream(f) => f(&mut stream),
        Reply::Silent => std::thread::sleep(Duration::from_secs(60)),
    }
}

/// A page that shows someone's filled-in data: name, address and phone prefilled.
const FILLED: &str = r#"<html><body><form method="post" action="/apply/confirm">
<label for="n">氏名</label><input id="n" name="name" value="佐藤 花子">
<label for="a">住所</label><input id="a" name="address" value="東京都千代田区1-1">
<label for="t">電話番号</label><input id="t" name="tel" type="tel" value="0312345678">
<input type="submit" value="送信"></form></body></html>"#;

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn deflate_raw(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        w.write_all(data).unwrap();
    }
    out
}

/// Runs `vendor-audit run` on `inventory` with `env` set (and every proxy variable cleared
/// first); returns the JSON report, the wall time and the peak RSS in KiB (`/usr/bin/time`).
fn run_with(
    inventory: &str,
    timeout_s: u64,
    env: &[(&str, &str)],
    extra: &[&str],
) -> (String, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("vendors.toml");
    std::fs::write(&inv, inventory).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vendor-audit"));
    cmd.args(["run", "--timeout", &timeout_s.to_string(), "--config"])
        .arg(&inv)
        .args(extra);
    for v in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
        "no_proxy",
        "NO_PROXY",
    ] {
        cmd.env_remove(v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let out = cmd.output().unwrap();
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "exit {:?}: {stderr}",
        out.status.code()
    );
    (String::from_utf8(out.stdout).unwrap(), elapsed)
}

fn run_json(
    inventory: &str,
    timeout_s: u64,
    env: &[(&str, &str)],
) -> (serde_json::Value, Duration) {
    let (out, elapsed) = run_with(inventory, timeout_s, env, &["--format", "json"]);
    (serde_json::from_str(&out).expect("JSON report"), elapsed)
}

/// An inventory of one vendor whose forms are `urls` (each opening in 2099: any open form is
/// open before its go-live), with `audit` lines added to `[audit]`.
fn inventory(urls: &[String], audit: &str) -> String {
    let mut inv = format!("[audit]\n{audit}\n[[vendor]]\nid = \"web\"\nname = \"Web\"\n");
    for u in urls {
        inv.push_str(&format!(
            "[[vendor.form]]\nurl = \"{u}\"\nopens_at = 2099-04-01T10:00:00+09:00\n"
        ));
    }
    inv
}

/// The status of `check` on the form `url`, and its message.
fn finding(json: &serde_json::Value, check: &str, url: &str) -> (String, String) {
    let f = json["vendors"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == check && f["target"] == url)
        .unwrap_or_else(|| panic!("no {check} on {url}"));
    (
        f["status"].as_str().unwrap().to_owned(),
        f["message"].as_str().unwrap_or_default().to_owned(),
    )
}

#[test]
fn an_encoded_page_is_judged_as_the_same_page_unencoded() {
    let html = FILLED.as_bytes();
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    zlib.write_all(html).unwrap();
    let zlib = zlib.finish().unwrap();
    let (port, _) = serve(
        "127.0.0.180",
        HashMap::from([
            (
                "/plain",
                reply(
                    "200 OK",
                    &[("Content-Type", "text/html; charset=utf-8")],
                    html,
                ),
            ),
            (
                "/gzip",
                reply(
                    "200 OK",
                    &[
                        ("Content-Type", "text/html; charset=utf-8"),
                        ("Content-Encoding", "gzip"),
                    ],
                    gzip(html),
                ),
            ),
            (
                "/zlib",
                reply("200 OK", &[("Content-Encoding", "deflate")], zlib),
            ),
            (
                "/raw",
                reply(
                    "200 OK",
                    &[("Content-Encoding", "deflate")],
                    deflate_raw(html),
                ),
            ),
            (
                "/br",
                reply("200 OK", &[("Content-Encoding", "br")], brotli(html)),
            ),
        ]),
    );
    let urls: Vec<String> = ["plain", "gzip", "zlib", "raw", "br"]
        .iter()
        .map(|p| format!("http://127.0.0.180:{port}/{p}"))
        .collect();
    let (json, _) = run_json(&inventory(&urls, "allow_private = true"), 5, &[]);
    for url in &urls {
        let (status, message) = finding(&json, "form-prefilled-pii", url);
        assert_eq!(status, "fail", "{url}: {message}");
        assert!(message.contains("name (5 chars)"), "{url}: {message}");
        let (status, message) = finding(&json, "form-open-before-go-live", url);
        assert_eq!(status, "fail", "{url}: {message}");
        assert!(message.contains("3 input fields"), "{url}: {message}");
    }
}

#[test]
fn a_bomb_or_an_unknown_coding_is_an_error_not_a_pass() {
    // 64 MiB of spaces in about 64 KiB of gzip, around an empty form.
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(b"<form><input name=name></form>").unwrap();
    let spaces = vec![b' '; 1024 * 1024];
    for _ in 0..64 {
        e.write_all(&spaces).unwrap();
    }
    let bomb = e.finish().unwrap();
    let (port, _) = serve(
        "127.0.0.181",
        HashMap::from([
            (
                "/bomb",
                reply("200 OK", &[("Content-Encoding", "gzip")], bomb),
            ),
            (
                "/zstd",
                reply("200 OK", &[("Content-Encoding", "zstd")], FILLED),
            ),
            (
                "/corrupt",
                reply(
                    "200 OK",
                    &[("Content-Encoding", "gzip")],
                    &b"\x1f\x8b\x08\0garbage"[..],
                ),
            ),
        ]),
    );
    let url = |p: &str| format!("http://127.0.0.181:{port}/{p}");
    let urls = [url("bomb"), url("zstd"), url("corrupt")];
    let (json, _) = run_json(&inventory(&urls, "allow_private = true"), 5, &[]);
    for (u, why) in [
        (&urls[0], "decoded body larger than 2097152 bytes"),
        (&urls[1], "unknown Content-Encoding `zstd`"),
        (&urls[2], "the gzip body does not decode"),
    ] {
        for check in [
            "form-prefilled-pii",
            "form-open-before-go-live",
            "form-cacheable",
        ] {
            let (status, message) = finding(&json, check, u);
            assert_eq!(status, "error", "{u} {check}: {message}");
            assert!(message.contains(why), "{u} {check}: {message}");
        }
    }
}

#[test]
fn pages_too_deep_or_too_large_end_as_errors_within_the_timeout() {
    let deep = |n: usize| {
        format!(
            "<form><input name=name value=x>{}</form>",
            "<div>".repeat(n)
        )
    };
    let inputs = format!("<form>{}</form>", "<input name=a>".repeat(100_000));
    let (port, _) = serve(
        "127.0.0.182",
        HashMap::from([
            ("/deep200k", reply("200 OK", &[], deep(200_000))),
            ("/deep400k", reply("200 OK", &[], deep(400_000))),
            ("/inputs", reply("200 OK", &[], inputs)),
        ]),
    );
    let url = |p: &str| format!("http://127.0.0.182:{port}/{p}");
    let urls = [url("deep200k"), url("deep400k"), url("inputs")];
    let (json, elapsed) = run_json(&inventory(&urls, "allow_private = true"), 5, &[]);
    eprintln!("200k/400k nested and 100k inputs, --timeout 5: {elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    for (u, why) in [
        (
            &urls[0],
            "page too deeply nested to analyse: over 512 levels",
        ),
        (
            &urls[1],
            "page too deeply nested to analyse: over 512 levels",
        ),
        (&urls[2], "more than 50000 elements"),
    ] {
        for check in ["form-prefilled-pii", "form-open-before-go-live"] {
            let (status, message) = finding(&json, check, u);
            assert_eq!(status, "error", "{u} {check}: {message}");
            assert!(message.contains(why), "{u} {check}: {message}");
        }
    }
}

#[test]
fn proxy_variables_of_the_environment_are_ignored() {
    let (canary, canary_log) = serve(
        "127.0.0.183",
        HashMap::from([("*", reply("200 OK", &[], FILLED))]),
    );
    let (port, log) = serve(
        "127.0.0.184",
        HashMap::from([("/apply", reply("200 OK", &[], FILLED))]),
    );
    let proxy = format!("http://127.0.0.183:{canary}");
    let env: Vec<(&str, &str)> = [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ]
    .iter()
    .map(|k| (*k, proxy.as_str()))
    .collect();
    let url = format!("http://127.0.0.184:{port}/apply");
    let (json, _) = run_json(
        &inventory(std::slice::from_ref(&url), "allow_private = true"),
        5,
        &env,
    );
    assert_eq!(finding(&json, "form-prefilled-pii", &url).0, "fail");
    assert!(
        canary_log.lock().unwrap().is_empty(),
        "the proxy of the environment was used"
    );
    assert!(!log.lock().unwrap().is_empty());
    assert!(json["run"].get("proxy").is_none(), "{}", json["run"]);

    // A proxy the inventory names is used, and said in the run's metadata.
    let audit = format!("allow_private = true\nproxy = \"{proxy}\"");
    let before = log.lock().unwrap().len();
    let (json, _) = run_json(&inventory(std::slice::from_ref(&url), &audit), 5, &[]);
    assert_eq!(json["run"]["proxy"], format!("{proxy}/"));
    let via = canary_log.lock().unwrap().clone();
    assert!(
        via.iter().any(|(path, _)| path == &url),
        "the proxy got the absolute URL: {via:?}"
    );
    assert_eq!(log.lock().unwrap().len(), before, "went around the proxy");
    let (table, _) = run_with(&inventory(&[url], &audit), 5, &[], &["--lang", "en"]);
    assert!(
        table.contains("form requests went through the proxy http://127.0.0.183"),
        "{table}"
    );
}

#[test]
fn a_refused_redirect_leaves_the_page_unjudged_and_the_other_port_untouched() {
    let (other, other_log) = serve(
        "127.0.0.185",
        HashMap::from([("*", reply("200 OK", &[], FILLED))]),
    );
    let away = format!("http://127.0.0.185:{other}/steal");
    let away_other_host = "http://127.0.0.186:9/x".to_owned();
    let routes = HashMap::from([
        (
            "/port",
            reply("302 Found", &[("Location", away.as_str())], ""),
        ),
        (
            "/host",
            reply("302 Found", &[("Location", away_other_host.as_str())], ""),
        ),
    ]);
    let (port, _) = serve("127.0.0.185", routes);
    let urls = [
        format!("http://127.0.0.185:{port}/port"),
        format!("http://127.0.0.185:{port}/host"),
    ];
    let (json, _) = run_json(&inventory(&urls, "allow_private = true"), 5, &[]);
    for (u, to) in [(&urls[0], &away), (&urls[1], &away_other_host)] {
        for check in [
            "form-prefilled-pii",
            "form-cacheable",
            "form-shared-cache",
            "form-open-before-go-live",
            "form-plaintext",
        ] {
            let (status, message) = finding(&json, check, u);
            assert_eq!(status, "error", "{u} {check}: {message}");
            assert!(
                message.contains(&format!(
                    "redirect to {to} refused: outside the vendor's assets"
                )),
                "{u} {check}: {message}"
            );
        }
    }
    assert!(
        other_log.lock().unwrap().is_empty(),
        "another port of the host was asked"
    );
    let (ja, _) = run_with(
        &inventory(&urls[..1], "allow_private = true"),
        5,
        &[],
        &["--lang", "ja", "--format", "markdown"],
    );
    assert!(
        ja.contains(&format!(
            "{away} へのリダイレクトは委託先の資産の外なので、たどらなかった"
        )),
        "{ja}"
    );
}

#[test]
fn a_silent_form_costs_one_timeout() {
    let (port, log) = serve(
        "127.0.0.187",
        HashMap::from([
            ("/tarpit", Reply::Silent),
            ("/apply", reply("200 OK", &[], FILLED)),
            ("/apply/confirm", Reply::Silent),
            ("/apply/edit", Reply::Silent),
        ]),
    );
    let tarpit = format!("http://127.0.0.187:{port}/tarpit");
    let (json, elapsed) = run_json(
        &inventory(std::slice::from_ref(&tarpit), "allow_private = true"),
        5,
        &[],
    );
    eprintln!("a tarpit form, --timeout 5: {elapsed:?}");
    assert!(
        elapsed > Duration::from_secs(4) && elapsed < Duration::from_secs(8),
        "a tarpit form with --timeout 5 took {elapsed:?}"
    );
    let (status, message) = finding(&json, "form-prefilled-pii", &tarpit);
    assert_eq!(status, "error", "{message}");
    assert!(message.contains("within 5 s"), "{message}");

    // The page answers, then the leak probe's submission never does: its other requests are
    // not each given a timeout.
    let apply = format!("http://127.0.0.187:{port}/apply");
    let inv = format!(
        "{}[vendor.form.leak_probe]\nsubmit = \"{apply}/confirm\"\nview = \"{apply}/edit\"\nfields = {{ name = \"{{canary}}\" }}\n",
        inventory(std::slice::from_ref(&apply), "allow_private = true")
    );
    let asked = log.lock().unwrap().len();
    let (json, elapsed) = run_json(&inv, 5, &[]);
    eprintln!("a form silent after its page, with a leak probe, --timeout 5: {elapsed:?}");
    assert!(elapsed < Duration::from_secs(8), "took {elapsed:?}");
    let (status, message) = finding(&json, "form-cross-session-leak", &apply);
    assert_eq!(status, "error", "{message}");
    let silent = log.lock().unwrap()[asked..]
        .iter()
        .filter(|(p, _)| p != "/apply")
        .count();
    assert_eq!(
        silent, 1,
        "one request to the silent path, not one per session"
    );
    assert_eq!(finding(&json, "form-prefilled-pii", &apply).0, "fail");
}

#[test]
fn every_request_names_the_audit_and_its_contact() {
    let (port, log) = serve(
        "127.0.0.188",
        HashMap::from([("*", reply("200 OK", &[], FILLED))]),
    );
    let url = format!("http://127.0.0.188:{port}/apply");
    let inv = inventory(
        &[url],
        "allow_private = true\ncontact = \"security@audit.example.jp\"",
    )
    .replace(
        "name = \"Web\"\n",
        &format!("name = \"Web\"\nhosts = [\"127.0.0.188\"]\nports = [{port}]\n"),
    );
    let _ = run_json(&inv, 5, &[]);
    let want = format!(
        "user-agent: vendor-audit/{} (+security@audit.example.jp)",
        env!("CARGO_PKG_VERSION")
    );
    let requests = log.lock().unwrap().clone();
    // The form probe's requests (reqwest) and the sweep's `GET /` (its own bytes).
    assert!(requests.iter().any(|(p, _)| p == "/"), "{requests:?}");
    assert!(requests.iter().any(|(p, _)| p == "/apply"), "{requests:?}");
    for (path, head) in &requests {
        assert!(
            head.iter().any(|l| l.to_ascii_lowercase() == want),
            "{path}: {head:?}"
        );
    }
}

fn endless_chunks(s: &mut TcpStream) {
    let _ = s.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    let chunk = format!(
        "4000\r\n{}\r\n",
        "<b>".repeat(0x4000 / 3 + 1).get(..0x4000).unwrap_or("")
    );
    while s.write_all(chunk.as_bytes()).is_ok() {}
}

fn huge_head(s: &mut TcpStream) {
    let _ = s.write_all(b"HTTP/1.1 200 OK\r\n");
    let line = format!("X-Filler: {}\r\n", "a".repeat(1000));
    for _ in 0..100_000 {
        if s.write_all(line.as_bytes()).is_err() {
            return;
        }
    }
}

fn huge_body(s: &mut TcpStream) {
    let _ =
        s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<form><input name=name>");
    let block = vec![b' '; 1 << 16];
    for _ in 0..1600 {
        if s.write_all(&block).is_err() {
            return;
        }
    }
}

#[test]
fn hostile_http_answers_end_as_errors_or_the_right_verdict_within_a_timeout() {
    let long_line =
        format!("HTTP/1.1 200 OK\r\nX-Long: {}\r\n\r\n", "a".repeat(1 << 20)).into_bytes();
    let mut cookies = String::from("HTTP/1.1 200 OK\r\nConnection: close\r\n");
    for i in 0..10_000 {
        cookies.push_str(&format!("Set-Cookie: c{i}=v; Path=/\r\n"));
    }
    cookies.push_str(&format!("Content-Length: {}\r\n\r\n{FILLED}", FILLED.len()));
    let mut bad_utf8 =
        b"<form><label>Name <input name=name value=\"Sato\xff\xfe\"></label></form>".to_vec();
    bad_utf8.extend_from_slice(b"\xc3\x28");
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(FILLED);
    let (port, _) = serve(
        "127.0.0.189",
        HashMap::from([
            ("/head100m", Reply::Stream(huge_head)),
            ("/line1m", Reply::Raw(long_line)),
            ("/body100m", Reply::Stream(huge_body)),
            ("/chunked", Reply::Stream(endless_chunks)),
            ("/cookies", Reply::Raw(cookies.into_bytes())),
            (
                "/utf8",
                reply(
                    "200 OK",
                    &[("Content-Type", "text/html; charset=utf-8")],
                    bad_utf8,
                ),
            ),
            (
                "/sjis",
                reply(
                    "200 OK",
                    &[("Content-Type", "text/html; charset=Shift_JIS")],
                    sjis.into_owned(),
                ),
            ),
            ("/loop", reply("302 Found", &[("Location", "/loop")], "")),
        ]),
    );
    let url = |p: &str| format!("http://127.0.0.189:{port}/{p}");
    let cases = [
        ("head100m", "error"),
        ("line1m", "error"),
        ("body100m", "error"),
        ("chunked", "error"),
        // hyper refuses a head of 10,000 fields (about 250 KB): an error, never a pass.
        ("cookies", "error"),
        ("utf8", "fail"),
        ("sjis", "fail"),
        ("loop", "error"),
    ];
    let urls: Vec<String> = cases.iter().map(|(p, _)| url(p)).collect();
    let (json, elapsed) = run_json(&inventory(&urls, "allow_private = true"), 5, &[]);
    eprintln!("eight hostile forms with --timeout 5: {elapsed:?}");
    assert!(elapsed < Duration::from_secs(9), "took {elapsed:?}");
    for ((path, want), u) in cases.iter().zip(&urls) {
        let (status, message) = finding(&json, "form-prefilled-pii", u);
        assert_eq!(&status, want, "{path}: {message}");
        let (status, message) = finding(&json, "form-open-before-go-live", u);
        assert_eq!(&status, want, "{path}: {message}");
    }
    let (_, message) = finding(&json, "form-prefilled-pii", &url("sjis"));
    assert!(message.contains("name (5 chars)"), "{message}");
    let (_, message) = finding(&json, "form-prefilled-pii", &url("loop"));
    assert!(message.contains("more than 5 redirects"), "{message}");
}
