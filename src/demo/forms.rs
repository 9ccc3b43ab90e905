//! The demo's web forms (incident 3): the voucher contractor's application site behind an
//! in-process shared cache misconfigured as in 2024 (every GET kept ten minutes, keyed by URL
//! alone), and a correct contact form. Served over HTTPS by hyper; requests and bodies are bounded.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::msgs::html::escape;

/// The largest request body a demo site reads.
const MAX_BODY: usize = 64 * 1024;
/// Sessions (and cached pages) a demo site keeps at most; the oldest half goes beyond that.
const MAX_ENTRIES: usize = 4096;
/// How long the misconfigured cache keeps a page, whatever the site said.
pub const CACHE_TTL: Duration = Duration::from_secs(600);

/// A request as the demo sites see it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path and query.
    pub path: String,
    pub cookie: Option<String>,
    pub body: Vec<u8>,
}

/// A response before it goes on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    fn text(status: u16, text: &str) -> Response {
        Response {
            status,
            headers: vec![("content-type", "text/plain; charset=utf-8".into())],
            body: text.as_bytes().to_vec(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Anything that answers demo requests: a site, or a cache in front of one.
pub trait Handler: Send + Sync {
    fn handle(&self, request: &Request) -> Response;
}

/// How a site sets its caching and cookie headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Headers {
    /// As the voucher site did: no Cache-Control (only this Last-Modified, so any cache may
    /// keep the page by heuristic), a bare session cookie, no HSTS.
    Careless {
        last_modified: chrono::DateTime<chrono::Utc>,
    },
    /// `Cache-Control: no-store, private`, HSTS, `Secure; HttpOnly; SameSite=Lax` cookies.
    Correct,
}

/// One input of a demo form: (name, autocomplete token, type, label).
pub type Field = (&'static str, &'static str, &'static str, &'static str);

/// A form site: GET `base` is the empty form, POST `base/confirm` keeps the entry in the
/// session (303 to the edit page), GET `base/edit` shows the session's entry back in the form.
pub struct Site {
    pub base: &'static str,
    pub title: &'static str,
    pub fields: &'static [Field],
    pub headers: Headers,
    sessions: Mutex<HashMap<String, HashMap<String, String>>>,
}

impl Site {
    pub fn new(
        base: &'static str,
        title: &'static str,
        fields: &'static [Field],
        headers: Headers,
    ) -> Site {
        Site {
            base,
            title,
            fields,
            headers,
            sessions: Mutex::new(HashMap::new()),
        }
    }

    fn session_of(&self, request: &Request) -> Option<String> {
        let cookie = request.cookie.as_deref()?;
        let token = cookie
            .split(';')
            .filter_map(|part| part.trim().split_once('='))
            .find(|(name, _)| *name == "SESSION")
            .map(|(_, value)| value.to_owned())?;
        let sessions = self.sessions.lock().ok()?;
        sessions.contains_key(&token).then_some(token)
    }

    fn page(&self, heading: &str, entry: &HashMap<String, String>) -> Response {
        let mut html = format!(
            "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\"><title>{t}</title></head>\n\
             <body>\n<h1>{t}</h1>\n<h2>{h}</h2>\n<form method=\"post\" action=\"{b}/confirm\">\n",
            t = escape(self.title),
            h = escape(heading),
            b = self.base
        );
        for (name, autocomplete, typ, label) in self.fields {
            let value = entry.get(*name).map(String::as_str).unwrap_or("");
            html.push_str(&format!(
                "<p><label for=\"{name}\">{label}</label> <input id=\"{name}\" name=\"{name}\" \
                 type=\"{typ}\" autocomplete=\"{autocomplete}\" value=\"{}\"></p>\n",
                escape(value)
            ));
        }
        html.push_str("<button type=\"submit\">確認 / Confirm</button>\n</form>\n</body></html>\n");
        let mut response = Response {
            status: 200,
            headers: vec![("content-type", "text/html; charset=utf-8".into())],
            body: html.into_bytes(),
        };
        self.caching_headers(&mut response);
        response
    }

    fn caching_headers(&self, response: &mut Response) {
        match self.headers {
            Headers::Careless { last_modified } => {
                response.headers.push((
                    "last-modified",
                    last_modified
                        .format("%a, %d %b %Y %H:%M:%S GMT")
                        .to_string(),
                ));
            }
            Headers::Correct => {
                response
                    .headers
                    .push(("cache-control", "no-store, private".into()));
                response
                    .headers
                    .push(("strict-transport-security", "max-age=31536000".into()));
            }
        }
    }

    fn confirm(&self, request: &Request) -> Response {
        let entry: HashMap<String, String> = url::form_urlencoded::parse(&request.body)
            .filter(|(name, _)| self.fields.iter().any(|f| f.0 == name))
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
        let token = self
            .session_of(request)
            .unwrap_or_else(|| format!("{:032x}", rand::random::<u128>()));
        if let Ok(mut sessions) = self.sessions.lock() {
            if sessions.len() >= MAX_ENTRIES {
                sessions.clear();
            }
            sessions.insert(token.clone(), entry);
        }
        let flags = match self.headers {
            Headers::Careless { .. } => "",
            Headers::Correct => "; Secure; HttpOnly; SameSite=Lax",
        };
        let mut response = Response::text(303, "see the edit page\n");
        response
            .headers
            .push(("location", format!("{}/edit", self.base)));
        response
            .headers
            .push(("set-cookie", format!("SESSION={token}{flags}; Path=/")));
        self.caching_headers(&mut response);
        response
    }
}

impl Handler for Site {
    fn handle(&self, request: &Request) -> Response {
        let path = request.path.split('?').next().unwrap_or("");
        let edit = format!("{}/edit", self.base);
        let confirm = format!("{}/confirm", self.base);
        match (request.method.as_str(), path) {
            ("GET" | "HEAD", p) if p == self.base => self.page("入力 / Enter", &HashMap::new()),
            ("GET" | "HEAD", p) if p == edit => {
                let entry = self
                    .session_of(request)
                    .and_then(|token| self.sessions.lock().ok()?.get(&token).cloned())
                    .unwrap_or_default();
                self.page("入力内容の修正 / Correct your entry", &entry)
            }
            ("POST", p) if p == confirm => self.confirm(request),
            _ => Response::text(404, "not found\n"),
        }
    }
}

/// A shared cache misconfigured as the voucher site's was: every 200 answer to a GET is kept
/// for `CACHE_TTL` under its URL alone, whoever asked and whatever the site said, with its
/// Set-Cookie removed; it says so in Age, X-Cache and Via. POSTs pass through.
pub struct MisconfiguredCache<H> {
    origin: H,
    pages: Mutex<HashMap<String, (Instant, Response)>>,
}

impl<H: Handler> MisconfiguredCache<H> {
    pub fn new(origin: H) -> Self {
        MisconfiguredCache {
            origin,
            pages: Mutex::new(HashMap::new()),
        }
    }
}

impl<H: Handler> Handler for MisconfiguredCache<H> {
    fn handle(&self, request: &Request) -> Response {
        let via = ("via", "1.1 demo-cache (vendor-audit)".to_owned());
        if !matches!(request.method.as_str(), "GET" | "HEAD") {
            let mut response = self.origin.handle(request);
            response.headers.push(via);
            return response;
        }
        let Ok(mut pages) = self.pages.lock() else {
            return Response::text(503, "cache unavailable\n");
        };
        if let Some((stored, page)) = pages.get(&request.path) {
            let age = stored.elapsed();
            if age < CACHE_TTL {
                let mut hit = page.clone();
                hit.headers.push(("age", age.as_secs().to_string()));
                hit.headers.push(("x-cache", "HIT".into()));
                hit.headers.push(via);
                return hit;
            }
        }
        let mut response = self.origin.handle(request);
        if response.status == 200 {
            response
                .headers
                .retain(|(name, _)| !name.eq_ignore_ascii_case("set-cookie"));
            if pages.len() >= MAX_ENTRIES {
                pages.clear();
            }
            pages.insert(request.path.clone(), (Instant::now(), response.clone()));
        }
        response.headers.push(("x-cache", "MISS".into()));
        response.headers.push(via);
        response
    }
}

/// Serves `handler` over HTTPS (HTTP/1.1) on `listener` until dropped.
pub async fn serve(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    handler: Arc<dyn Handler>,
) {
    super::serve_each(listener, move |stream| {
        let acceptor = TlsAcceptor::from(tls.clone());
        let handler = handler.clone();
        async move {
            let Ok(stream) = acceptor.accept(stream).await else {
                return;
            };
            let service = service_fn(move |request| {
                let handler = handler.clone();
                async move { Ok::<_, Infallible>(answer(handler.as_ref(), request).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(10))
                .max_buf_size(64 * 1024)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        }
    })
    .await;
}

async fn answer(
    handler: &dyn Handler,
    request: hyper::Request<Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let response = match Limited::new(body, MAX_BODY).collect().await {
        Err(_) => Response::text(413, "request body too large\n"),
        Ok(body) => handler.handle(&Request {
            method: parts.method.as_str().to_owned(),
            path: parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "/".into()),
            cookie: parts
                .headers
                .get(hyper::header::COOKIE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body: body.to_bytes().to_vec(),
        }),
    };
    let mut out = hyper::Response::new(Full::new(Bytes::from(response.body)));
    *out.status_mut() =
        hyper::StatusCode::from_u16(response.status).unwrap_or(hyper::StatusCode::OK);
    for (name, value) in response.headers {
        if let Ok(value) = hyper::header::HeaderValue::from_str(&value) {
            out.headers_mut().append(name, value);
        }
    }
    out
}

/// A visitor's step, for seeding the cache in-process.
pub fn get(path: &str, cookie: Option<&str>) -> Request {
    Request {
        method: "GET".into(),
        path: path.into(),
        cookie: cookie.map(str::to_owned),
        body: Vec::new(),
    }
}

/// A form submission of `fields`.
pub fn post(path: &str, fields: &[(&str, &str)]) -> Request {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    Request {
        method: "POST".into(),
        path: path.into(),
        cookie: None,
        body: body.into_bytes(),
    }
}

/// The `NAME=value` part of a response's Set-Cookie.
pub fn session_cookie(response: &Response) -> Option<String> {
    let cookie = response.header("set-cookie")?;
    Some(cookie.split(';').next()?.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[Field] = &[("name", "name", "text", "Name")];

    fn body(r: &Response) -> String {
        String::from_utf8_lossy(&r.body).into_owned()
    }

    #[test]
    fn the_misconfigured_cache_serves_one_visitor_s_edit_page_to_the_next() {
        let careless = Headers::Careless {
            last_modified: chrono::Utc::now(),
        };
        let cache = MisconfiguredCache::new(Site::new("/f", "T", FIELDS, careless));
        let posted = cache.handle(&post("/f/confirm", &[("name", "前の申請者")]));
        assert_eq!(posted.status, 303);
        let cookie = session_cookie(&posted).unwrap();
        let first = cache.handle(&get("/f/edit", Some(&cookie)));
        assert!(body(&first).contains("value=\"前の申請者\""));
        assert_eq!(first.header("x-cache"), Some("MISS"));
        assert_eq!(first.header("set-cookie"), None);
        let stranger = cache.handle(&get("/f/edit", None));
        assert_eq!(stranger.header("x-cache"), Some("HIT"));
        assert!(body(&stranger).contains("value=\"前の申請者\""), "the leak");
        assert!(stranger.header("age").is_some());
    }

    #[test]
    fn the_correct_site_keeps_entries_to_their_session_and_says_no_store() {
        let site = Site::new("/c", "T", FIELDS, Headers::Correct);
        let posted = site.handle(&post("/c/confirm", &[("name", "<A&B>"), ("other", "x")]));
        let cookie = session_cookie(&posted).unwrap();
        assert!(posted
            .header("set-cookie")
            .unwrap()
            .contains("Secure; HttpOnly; SameSite=Lax"));
        let own = site.handle(&get("/c/edit", Some(&cookie)));
        assert!(body(&own).contains("value=\"&lt;A&amp;B&gt;\""), "escaped");
        assert_eq!(own.header("cache-control"), Some("no-store, private"));
        assert!(own.header("strict-transport-security").is_some());
        let stranger = site.handle(&get("/c/edit", None));
        assert!(!body(&stranger).contains("A&amp;B"));
        assert_eq!(site.handle(&get("/c/elsewhere", None)).status, 404);
        assert_eq!(
            site.handle(&get("/c/edit", Some("SESSION=forged"))).status,
            200
        );
    }
}
