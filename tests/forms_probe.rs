//! The HTTP form probe against tiny HTTP servers of its own on 127.0.0.110-119: a form whose
//! edit page leaks the last entry to everyone (as a shared cache keyed by URL would), one whose
//! edit page is already cached with an earlier visitor's data, a correct one over https, a 20 MiB
//! body, a body that never finishes, and a redirect to a host outside the vendor's assets.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::time::Instant;
use vendor_audit::catalog::facts::FACTS;
use vendor_audit::fact::{FactValue, Facts};
use vendor_audit::inventory::{AuditSettings, Form, LeakProbe};
use vendor_audit::probe::http::probe_form;
use vendor_audit::probe::{Limits, ProbeContext};

#[derive(Debug, Clone)]
struct Req {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Req {
    fn cookie(&self, name: &str) -> Option<String> {
        let header = self
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("cookie"))?;
        header.1.split(';').find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
    }

    fn form(&self) -> BTreeMap<String, String> {
        url::form_urlencoded::parse(self.body.as_bytes())
            .into_owned()
            .collect()
    }
}

enum Reply {
    Page {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// 20 MiB without Content-Length, ended by closing.
    Big,
    /// Declares 100000 bytes, sends 10, then waits a minute.
    Hang,
}

fn page(status: u16, headers: &[(&str, &str)], body: impl Into<String>) -> Reply {
    Reply::Page {
        status,
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body: body.into(),
    }
}

type Handler = Arc<dyn Fn(Req) -> Reply + Send + Sync>;

async fn read_request<S: AsyncRead + Unpin>(s: &mut S) -> Option<Req> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() > 65536 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.lines();
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let path = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| {
            let (n, v) = l.split_once(':')?;
            Some((n.trim().to_string(), v.trim().to_string()))
        })
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Req {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

async fn answer<S: AsyncRead + AsyncWrite + Unpin>(mut s: S, handler: Handler) {
    let Some(req) = read_request(&mut s).await else {
        return;
    };
    match handler(req) {
        Reply::Page {
            status,
            headers,
            body,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\nContent-Type: text/html; charset=utf-8\r\n",
                body.len()
            );
            for (n, v) in headers {
                head.push_str(&format!("{n}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = s.write_all(head.as_bytes()).await;
            let _ = s.write_all(body.as_bytes()).await;
        }
        Reply::Big => {
            let _ = s
                .write_all(
                    b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n",
                )
                .await;
            let block = vec![b'a'; 64 * 1024];
            for _ in 0..320 {
                if s.write_all(&block).await.is_err() {
                    break;
                }
            }
        }
        Reply::Hang => {
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n<html><for")
                .await;
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
    }
    let _ = s.shutdown().await;
}

/// Serves `handler` on `ip` (plain HTTP, or HTTPS with a throw-away certificate).
async fn serve(ip: &str, tls: bool, handler: Handler) -> SocketAddr {
    let listener = TcpListener::bind((ip, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = tls.then(|| {
        let cert = rcgen::generate_simple_self_signed(vec!["forms.correct.lab".into()]).unwrap();
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.cert.der().clone()], key)
        .unwrap();
        tokio_rustls::TlsAcceptor::from(Arc::new(config))
    });
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let handler = handler.clone();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                match acceptor {
                    Some(a) => {
                        if let Ok(s) = a.accept(sock).await {
                            answer(s, handler).await;
                        }
                    }
                    None => answer(sock, handler).await,
                }
            });
        }
    });
    addr
}

fn form_html(action: &str, entry: Option<&BTreeMap<String, String>>) -> String {
    let v = |k: &str| entry.and_then(|e| e.get(k)).cloned().unwrap_or_default();
    format!(
        r#"<html><body><h1>申込</h1><form action="{action}" method="post">
        <input type="hidden" name="csrf" value="x">
        <label for="n">氏名</label><input id="n" name="name" autocomplete="name" value="{}">
        <label>電話 <input type="tel" name="tel" value="{}"></label>
        <input name="note" value="{}"><input type="submit"></form></body></html>"#,
        v("name"),
        v("tel"),
        v("note")
    )
}

/// How the leaky application's /edit page behaves, as a shared cache keyed by URL would.
#[derive(Clone, Copy, PartialEq)]
enum Leak {
    /// Shows the last entry posted, to everyone.
    Last,
    /// Always shows an earlier visitor's entry, cached before the run.
    Frozen,
    /// Shows the first entry posted in the run, to everyone (a long TTL).
    FirstSticks,
}

/// The leaky application (see `Leak`); its form page is heuristically cacheable and its cookie
/// has no flags.
fn leaky_app(mode: Leak) -> Handler {
    let frozen = mode == Leak::Frozen;
    let earlier = BTreeMap::from([
        ("name".to_string(), "山田太郎".to_string()),
        ("tel".to_string(), "09012345678".to_string()),
    ]);
    let last: Arc<Mutex<Option<BTreeMap<String, String>>>> =
        Arc::new(Mutex::new(frozen.then_some(earlier)));
    Arc::new(
        move |req: Req| match (req.method.as_str(), req.path.as_str()) {
            ("GET", "/apply") => page(
                200,
                &[
                    ("Set-Cookie", "sid=s1; Path=/"),
                    ("Last-Modified", "Tue, 01 Apr 2025 00:00:00 GMT"),
                ],
                form_html("http://127.0.0.110/confirm", None),
            ),
            ("POST", "/confirm") => {
                let mut last = last.lock().unwrap();
                if mode == Leak::Last || (mode == Leak::FirstSticks && last.is_none()) {
                    *last = Some(req.form());
                }
                drop(last);
                page(303, &[("Location", "/edit")], "")
            }
            ("GET", "/edit") => {
                let entry = last.lock().unwrap().clone();
                page(
                    200,
                    &[
                        ("Cache-Control", "public, max-age=600"),
                        ("Age", "12"),
                        ("X-Cache", "HIT"),
                        ("Via", "1.1 varnish"),
                    ],
                    form_html("/confirm", entry.as_ref()),
                )
            }
            ("GET", "/redirect-out") => {
                page(302, &[("Location", "http://outside.invalid/steal")], "")
            }
            ("GET", "/hop") => page(301, &[("Location", "/apply")], ""),
            ("GET", "/loop") => page(302, &[("Location", "/loop")], ""),
            ("GET", "/big") => Reply::Big,
            ("GET", "/hang") => Reply::Hang,
            ("GET", "/notyet") => page(200, &[], "<html><body>受付開始前です</body></html>"),
            _ => page(404, &[], "not found"),
        },
    )
}

/// The correct application: per-session entries, no-store, secure cookies, HSTS.
fn correct_app() -> Handler {
    let entries: Arc<Mutex<HashMap<String, BTreeMap<String, String>>>> = Arc::default();
    let counter = Arc::new(Mutex::new(0u32));
    let headers = |cookie: Option<String>| {
        let mut h = vec![
            ("Cache-Control".to_string(), "no-store, private".to_string()),
            (
                "Strict-Transport-Security".to_string(),
                "max-age=31536000".to_string(),
            ),
        ];
        if let Some(c) = cookie {
            h.push((
                "Set-Cookie".to_string(),
                format!("sid={c}; Path=/; Secure; HttpOnly; SameSite=Lax"),
            ));
        }
        h
    };
    Arc::new(move |req: Req| {
        let sid = req.cookie("sid");
        let new_sid = sid.is_none().then(|| {
            let mut n = counter.lock().unwrap();
            *n += 1;
            format!("c{n}")
        });
        match (req.method.as_str(), req.path.as_str()) {
            ("GET", "/apply") => Reply::Page {
                status: 200,
                headers: headers(new_sid),
                body: form_html("/confirm", None),
            },
            ("POST", "/confirm") => {
                let Some(sid) = sid else {
                    return page(403, &[], "no session");
                };
                entries.lock().unwrap().insert(sid, req.form());
                let mut h = headers(None);
                h.push(("Location".to_string(), "/edit".to_string()));
                Reply::Page {
                    status: 303,
                    headers: h,
                    body: String::new(),
                }
            }
            ("GET", "/edit") => {
                let entry = sid.and_then(|s| entries.lock().unwrap().get(&s).cloned());
                Reply::Page {
                    status: 200,
                    headers: headers(new_sid),
                    body: form_html("/confirm", entry.as_ref()),
                }
            }
            _ => page(404, &[], "not found"),
        }
    })
}

fn audit() -> AuditSettings {
    AuditSettings {
        timezone: chrono_tz::Asia::Tokyo,
        fiscal_year_start: (4, 1),
        trust: vec![],
        history: None,
        allow_private: false,
        resolve: BTreeMap::from([(
            "forms.correct.lab".to_string(),
            "127.0.0.111".parse().unwrap(),
        )]),
        contact: None,
        proxy: None,
    }
}

fn ctx() -> ProbeContext {
    ProbeContext::new(
        Limits {
            connect_timeout: Duration::from_secs(2),
            port_budget: Duration::from_millis(500),
            max_message: 64 * 1024,
        },
        8,
        4,
    )
}

fn form(url: String, leak: Option<(String, String)>) -> Form {
    Form {
        url,
        opens_at: None,
        closes_at: None,
        leak_probe: leak.map(|(submit, view)| LeakProbe {
            submit,
            view,
            fields: BTreeMap::from([
                ("name".to_string(), "{canary}".to_string()),
                ("tel".to_string(), "0000000000".to_string()),
            ]),
        }),
    }
}

async fn probe(f: &Form, allowed: &[&str]) -> Facts {
    let allowed: Vec<String> = allowed.iter().map(|s| s.to_string()).collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    let facts = probe_form(&ctx(), f, &allowed, &audit(), deadline).await;
    // Every fact recorded is catalogued, typed as the catalogue says, and the http probe's.
    for (name, value) in &facts.values {
        let spec = FACTS.iter().find(|s| s.name == name);
        let spec = spec.unwrap_or_else(|| panic!("uncatalogued fact {name}"));
        assert!(
            spec.kind.matches(value),
            "{name} is not a {}",
            spec.kind.name()
        );
        assert_eq!(spec.probe, "http", "{name}");
    }
    for name in facts.unavailable.keys() {
        assert!(
            FACTS.iter().any(|s| s.name == name),
            "uncatalogued fact {name}"
        );
    }
    facts
}

fn list(f: &Facts, name: &str) -> Vec<String> {
    match f.get(name) {
        Some(FactValue::List(items)) => items.iter().map(FactValue::display).collect(),
        other => panic!(
            "{name}: {other:?} (unavailable: {:?})",
            f.why_unavailable(name)
        ),
    }
}

#[tokio::test]
async fn the_leaky_form_fails_everything_it_should() {
    let addr = serve("127.0.0.110", false, leaky_app(Leak::Last)).await;
    let base = format!("http://{addr}");
    let f = form(
        format!("{base}/apply"),
        Some((format!("{base}/confirm"), format!("{base}/edit"))),
    );
    let facts = probe(&f, &["127.0.0.110"]).await;
    assert_eq!(facts.get_int("form.status"), Some(200));
    assert_eq!(facts.get_bool("form.open"), Some(true));
    assert_eq!(facts.get_int("form.input_count"), Some(3));
    assert_eq!(list(&facts, "form.pii_fields"), ["name", "tel"]);
    assert_eq!(facts.get_bool("form.https"), Some(false));
    assert_eq!(facts.get_str("form.hsts"), Some(""));
    assert_eq!(
        list(&facts, "form.http_actions"),
        ["http://127.0.0.110/confirm"]
    );
    let weak = list(&facts, "form.weak_cookies");
    assert!(
        weak.iter()
            .any(|w| w.starts_with("sid on ") && w.ends_with("missing Secure, HttpOnly, SameSite")),
        "{weak:?}"
    );
    assert_eq!(facts.get_bool("form.cacheable"), Some(true));
    let reasons = list(&facts, "form.cacheable_reasons");
    assert!(
        reasons.iter().any(|r| r.contains("heuristic")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("/edit: Cache-Control: public")),
        "{reasons:?}"
    );
    assert_eq!(facts.get_bool("form.cache_hit"), Some(true));
    assert_eq!(facts.get_bool("form.leak_probe"), Some(true));
    assert_eq!(facts.get_bool("form.leak_found"), Some(true), "{facts:?}");
    let evidence = list(&facts, "form.leak_evidence");
    assert!(
        evidence.iter().any(|e| e
            .starts_with("session C (no cookie) was served session A's marker on")
            && e.ends_with("cross-session leak")),
        "{evidence:?}"
    );
    assert!(
        evidence
            .iter()
            .any(|e| e.starts_with("session B (its own cookie) was served session A's marker")),
        "{evidence:?}"
    );
    // The view page served cookieless carries our marker: reported, never the value itself.
    let prefilled = list(&facts, "form.prefilled_pii");
    assert!(
        prefilled
            .iter()
            .any(|p| p.ends_with("/edit name (24 chars, our own test marker)")),
        "{prefilled:?}"
    );
    assert!(
        !prefilled.iter().any(|p| p.contains("VA-TEST-")),
        "{prefilled:?}"
    );
}

#[tokio::test]
async fn a_view_cached_before_the_run_is_caught() {
    let addr = serve("127.0.0.113", false, leaky_app(Leak::Frozen)).await;
    let base = format!("http://{addr}");
    let f = form(
        format!("{base}/apply"),
        Some((format!("{base}/confirm"), format!("{base}/edit"))),
    );
    let facts = probe(&f, &["127.0.0.113"]).await;
    assert_eq!(facts.get_bool("form.leak_found"), Some(true));
    let evidence = list(&facts, "form.leak_evidence");
    assert!(
        evidence
            .iter()
            .any(|e| e.starts_with("stale: session A's own view did not show its marker")),
        "{evidence:?}"
    );
    assert!(
        evidence.iter().any(|e| e
            .starts_with("session C (no cookie) was served a filled-in form (name, tel)")
            && e.ends_with("someone else's data")),
        "{evidence:?}"
    );
    let prefilled = list(&facts, "form.prefilled_pii");
    assert!(
        prefilled
            .iter()
            .any(|p| p.ends_with("/edit name (4 chars)")),
        "{prefilled:?}"
    );
    assert!(!prefilled.concat().contains("山田"), "{prefilled:?}");
}

#[tokio::test]
async fn the_correct_form_passes_everything() {
    let addr = serve("127.0.0.111", true, correct_app()).await;
    let base = format!("https://forms.correct.lab:{}", addr.port());
    let f = form(
        format!("{base}/apply"),
        Some((format!("{base}/confirm"), format!("{base}/edit"))),
    );
    let facts = probe(&f, &["forms.correct.lab"]).await;
    assert_eq!(facts.get_int("form.status"), Some(200), "{facts:?}");
    assert_eq!(facts.get_bool("form.open"), Some(true));
    assert_eq!(facts.get_bool("form.https"), Some(true));
    assert_eq!(facts.get_str("form.hsts"), Some("max-age=31536000"));
    assert!(list(&facts, "form.http_actions").is_empty());
    assert!(list(&facts, "form.weak_cookies").is_empty());
    assert_eq!(facts.get_bool("form.cacheable"), Some(false), "{facts:?}");
    assert_eq!(facts.get_bool("form.cache_hit"), Some(false));
    assert!(list(&facts, "form.prefilled_pii").is_empty());
    assert_eq!(facts.get_bool("form.leak_found"), Some(false), "{facts:?}");
    assert!(list(&facts, "form.leak_evidence").is_empty());
}

#[tokio::test]
async fn redirects_stay_within_the_vendors_assets() {
    let addr = serve("127.0.0.112", false, leaky_app(Leak::Last)).await;
    let base = format!("http://{addr}");
    let facts = probe(
        &form(format!("{base}/redirect-out"), None),
        &["127.0.0.112"],
    )
    .await;
    assert_eq!(facts.get_int("form.status"), Some(302));
    assert_eq!(
        facts.get_str("form.redirect_refused"),
        Some("http://outside.invalid/steal")
    );
    // A page not fetched is not judged: its facts are unavailable with the reason.
    for name in [
        "form.open",
        "form.prefilled_pii",
        "form.cacheable",
        "form.leak_found",
    ] {
        assert_eq!(
            facts.why_unavailable(name),
            Some("redirect to http://outside.invalid/steal refused: outside the vendor's assets"),
            "{name}: {facts:?}"
        );
    }

    let facts = probe(&form(format!("{base}/hop"), None), &["127.0.0.112"]).await;
    assert_eq!(
        list(&facts, "form.redirects"),
        [format!("301 {base}/apply")]
    );
    assert_eq!(facts.get_str("form.redirect_refused"), Some(""));
    assert_eq!(facts.get_bool("form.open"), Some(true));

    let facts = probe(&form(format!("{base}/loop"), None), &["127.0.0.112"]).await;
    assert!(facts
        .why_unavailable("form.status")
        .unwrap()
        .contains("more than 5 redirects"));
}

#[tokio::test]
async fn not_open_pages() {
    let addr = serve("127.0.0.114", false, leaky_app(Leak::Last)).await;
    let base = format!("http://{addr}");
    let facts = probe(&form(format!("{base}/notyet"), None), &[]).await;
    assert_eq!(facts.get_int("form.status"), Some(200));
    assert_eq!(facts.get_bool("form.open"), Some(false));
    assert_eq!(facts.get_int("form.input_count"), Some(0));
    let facts = probe(&form(format!("{base}/nothing"), None), &[]).await;
    assert_eq!(facts.get_int("form.status"), Some(404));
    assert_eq!(facts.get_bool("form.open"), Some(false));
}

#[tokio::test]
async fn a_huge_or_endless_body_is_an_error_not_a_hang() {
    let addr = serve("127.0.0.115", false, leaky_app(Leak::Last)).await;
    let base = format!("http://{addr}");
    let started = std::time::Instant::now();
    let facts = probe(&form(format!("{base}/big"), None), &[]).await;
    let why = facts.why_unavailable("form.open").unwrap();
    assert!(why.contains("larger than 2 MiB"), "{why}");
    assert_eq!(
        facts.get_str("form.url"),
        Some(format!("{base}/big").as_str())
    );

    let facts = probe(&form(format!("{base}/hang"), None), &[]).await;
    let why = facts.why_unavailable("form.cacheable").unwrap();
    assert!(
        why.contains("did not finish within the time budget"),
        "{why}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_name_resolving_to_loopback_is_refused() {
    let facts = probe(&form("http://localhost:9/apply".into(), None), &[]).await;
    let why = facts.why_unavailable("form.status").unwrap();
    assert!(why.contains("allow_private"), "{why}");
}

#[tokio::test]
async fn a_leak_probe_without_a_canary_is_not_testable() {
    let addr = serve("127.0.0.116", false, leaky_app(Leak::Last)).await;
    let base = format!("http://{addr}");
    let mut f = form(
        format!("{base}/apply"),
        Some((format!("{base}/confirm"), format!("{base}/edit"))),
    );
    if let Some(lp) = f.leak_probe.as_mut() {
        lp.fields = BTreeMap::from([("name".to_string(), "fixed".to_string())]);
    }
    let facts = probe(&f, &[]).await;
    let why = facts.why_unavailable("form.leak_found").unwrap();
    assert!(why.contains("{canary}"), "{why}");
    assert_eq!(facts.get_bool("form.leak_probe"), Some(true));
    // The passive observations still stand.
    assert_eq!(facts.get_bool("form.cacheable"), Some(true));
}

#[tokio::test]
async fn a_refused_submission_is_not_a_pass() {
    let addr = serve("127.0.0.117", false, leaky_app(Leak::Last)).await;
    let base = format!("http://{addr}");
    let f = form(
        format!("{base}/apply"),
        Some((format!("{base}/nowhere"), format!("{base}/edit"))),
    );
    let facts = probe(&f, &[]).await;
    let why = facts.why_unavailable("form.leak_found").unwrap();
    assert!(why.contains("was not accepted (HTTP 404)"), "{why}");
}

#[tokio::test]
async fn a_page_cached_in_round_one_is_caught_in_round_two() {
    let addr = serve("127.0.0.118", false, leaky_app(Leak::FirstSticks)).await;
    let base = format!("http://{addr}");
    let f = form(
        format!("{base}/apply"),
        Some((format!("{base}/confirm"), format!("{base}/edit"))),
    );
    let facts = probe(&f, &[]).await;
    let evidence = list(&facts, "form.leak_evidence");
    assert!(
        evidence.iter().any(|e| e
            .starts_with("stale: session A's own view showed its earlier marker")
            && e.contains("second round")),
        "{evidence:?}"
    );
    assert!(
        evidence.iter().any(|e| e
            .starts_with("session C (no cookie) was served session A's marker")
            && e.contains("second round")),
        "{evidence:?}"
    );
}

/// Issue 10: a form that sets no cookie has no cookie flags to judge: `form-cookie-flags` is
/// skipped ("no cookie set"), not a pass that claims every cookie is Secure; a form that sets
/// one well-flagged cookie passes and names it. 127.0.0.150 (issue 10's TLS block).
#[tokio::test]
async fn a_form_without_cookies_skips_the_cookie_flag_check() {
    use vendor_audit::catalog::Catalog;
    use vendor_audit::engine::evaluate::judge;
    use vendor_audit::results::Status;
    let catalog = Catalog::load(&[]).unwrap();
    let check = catalog.check("form-cookie-flags").unwrap();

    let plain: Handler = Arc::new(|_req: Req| {
        page(
            200,
            &[("Cache-Control", "no-store")],
            form_html("/confirm", None),
        )
    });
    let addr = serve("127.0.0.150", false, plain).await;
    let url = format!("http://{addr}/apply");
    let facts = probe(&form(url.clone(), None), &[]).await;
    assert!(list(&facts, "form.cookie_names").is_empty());
    let finding = judge(check, &url, &facts);
    assert_eq!(finding.status, Status::Skipped, "{finding:?}");
    assert_eq!(finding.message, "no cookie set");

    let addr = serve("127.0.0.150", false, correct_app()).await;
    let f = form(format!("http://{addr}/apply"), None);
    let facts = probe(&f, &[]).await;
    assert_eq!(list(&facts, "form.cookie_names"), ["sid"]);
    let finding = judge(check, &f.url, &facts);
    assert_eq!(finding.status, Status::Pass, "{finding:?}");
    assert_eq!(
        finding.message,
        "every cookie set ([sid]) is Secure, HttpOnly and SameSite"
    );
}
