//! The HTTP probe of web forms (SPEC §7.3-§7.5): fetches a form page (and its leak-probe view
//! page) with bounded bodies and timeouts, follows redirects only within the vendor's assets, and
//! runs the active cross-session leak probe with independent cookie jars. Records facts; never judges.
//!
//! Certificates are not verified here: judging them is the TLS probe's job, and a form behind a
//! private CA must still be examined. Names resolve through `engine::scope` (the inventory's
//! `[audit.resolve]` map, and the private-address refusal), for the first request and every hop.
//! reqwest opens its own connections, so the probe honours the limits (connect timeout, one
//! `Limits::port_budget` per request and none more once the form went silent, the whole form
//! within `Limits::tls_budget()`, a body cap before and after Content-Encoding, the HTML caps of
//! `msgs::html`) and keeps to at most three requests in flight, rather than taking
//! `ProbeContext`'s connection permits. No proxy but `[audit] proxy`; the User-Agent is the run's.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;

use rand::Rng;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE, STRICT_TRANSPORT_SECURITY};
use reqwest::redirect::Policy;
use reqwest::{Client, Method};
use tokio::time::{timeout_at, Instant};
use url::Url;

use super::ProbeContext;
use crate::catalog::Text;
use crate::derive::caching;
use crate::diagnostic::both;
use crate::engine::scope;
use crate::fact::Facts;
use crate::inventory::{AuditSettings, Form};
use crate::msgs::content_coding;
use crate::msgs::html::{self, HtmlForm};
use crate::probe::tls_cert::{recording_client_config, RecordingVerifier};

/// The largest body read from any response.
pub const MAX_BODY: usize = 2 * 1024 * 1024;
/// Redirect hops followed before giving up.
pub const MAX_REDIRECTS: usize = 5;
/// The prefix of leak-probe markers: clearly test data, never anyone's real data.
pub const MARKER_PREFIX: &str = "VA-TEST-";

/// One fetched page, after the redirects we followed.
#[derive(Debug, Clone)]
struct Page {
    status: u16,
    final_url: Url,
    /// `STATUS URL` of each redirect followed.
    redirects: Vec<String>,
    /// A Location not followed because it is outside the vendor's assets.
    refused: Option<String>,
    /// The final response's headers (name, value), names lower case.
    headers: Vec<(String, String)>,
    /// `(URL, Set-Cookie value)` of every response on the way.
    set_cookies: Vec<(String, String)>,
    /// The body with its Content-Encoding undone, decoded by its charset.
    body: String,
    /// The forms of the body, analysed within the HTML caps (`msgs::html`).
    forms: Vec<HtmlForm>,
}

/// Why a request or page gave nothing to judge: in English, and in Japanese when we said it
/// ourselves (a reqwest or OS error stays in English alone).
#[derive(Debug, Clone)]
struct Failure {
    en: String,
    ja: Option<String>,
}

impl Failure {
    fn both(en: impl Into<String>, ja: impl Into<String>) -> Self {
        Failure {
            en: en.into(),
            ja: Some(ja.into()),
        }
    }

    /// `PREFIX: reason` in both languages.
    fn context(self, en: &str, ja: &str) -> Self {
        Failure {
            en: format!("{en}: {}", self.en),
            ja: self.ja.map(|j| format!("{ja}: {j}")),
        }
    }

    /// Marks `name` unavailable with this reason (in Japanese too when we have it).
    fn mark(&self, facts: &mut Facts, name: &str) {
        match &self.ja {
            Some(ja) => facts.unavailable_both(name, &both(self.en.clone(), ja.clone())),
            None => facts.unavailable(name, self.en.clone()),
        }
    }
}

impl From<String> for Failure {
    fn from(en: String) -> Self {
        Failure { en, ja: None }
    }
}

/// A session: its client (with or without a cookie jar) and its name in evidence.
struct Session {
    name: &'static str,
    client: Client,
}

/// One form asset's bounds, shared by all its requests: the vendor's assets a redirect may go
/// to, the deadline of the whole probe, one `--timeout` per request, and whether the asset has
/// already let a request time out (then it is not asked again: a silent form costs one timeout).
struct Asset<'a> {
    ctx: &'a ProbeContext,
    allowed: Allowed,
    deadline: Instant,
    silent: std::sync::Mutex<Option<String>>,
}

impl Asset<'_> {
    fn silence(&self) -> Option<String> {
        match self.silent.lock() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn went_silent(&self, url: &Url) -> Failure {
        let secs = self.ctx.limits.port_budget.as_secs();
        let f = Failure::both(
            format!("no answer from {url} within {secs} s"),
            format!("{url} から {secs} 秒以内に応答がなかった"),
        );
        let mut s = match self.silent.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        s.get_or_insert_with(|| url.to_string());
        f
    }
}

/// Resolves names as the rest of the tool does (inventory map, DNS, private-address refusal).
struct ScopeResolver {
    audit: AuditSettings,
    timeout: std::time::Duration,
}

impl reqwest::dns::Resolve for ScopeResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let audit = self.audit.clone();
        let timeout = self.timeout;
        let name = name.as_str().to_owned();
        Box::pin(async move {
            match scope::resolve(&name, &audit, timeout).await {
                Ok(ip) => {
                    let addrs: reqwest::dns::Addrs =
                        Box::new(std::iter::once(SocketAddr::new(ip, 0)));
                    Ok(addrs)
                }
                Err(why) => Err(why.into()),
            }
        })
    }
}

/// A client of the form probe. It never takes a proxy from the environment (`http_proxy`,
/// `HTTPS_PROXY`, `ALL_PROXY`...): only `[audit] proxy`, when the inventory names one.
fn client(ctx: &ProbeContext, audit: &AuditSettings, jar: bool) -> Result<Client, String> {
    let tls = recording_client_config(Arc::new(RecordingVerifier::default()))
        .map_err(|e| format!("TLS client configuration: {e}"))?;
    let mut headers = HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT_ENCODING,
        reqwest::header::HeaderValue::from_static(content_coding::ACCEPT_ENCODING),
    );
    let mut builder = Client::builder()
        .redirect(Policy::none())
        .no_proxy()
        .use_preconfigured_tls(tls)
        .connect_timeout(ctx.limits.connect_timeout)
        .timeout(ctx.limits.port_budget)
        .pool_max_idle_per_host(1)
        .user_agent(ctx.user_agent())
        .default_headers(headers)
        .dns_resolver(Arc::new(ScopeResolver {
            audit: audit.clone(),
            timeout: ctx.limits.connect_timeout,
        }));
    if let Some(proxy) = &audit.proxy {
        let proxy = reqwest::Proxy::all(proxy.as_str())
            .map_err(|e| format!("[audit] proxy `{proxy}`: {}", error_text(&e)))?;
        builder = builder.proxy(proxy);
    }
    if jar {
        builder = builder.cookie_provider(Arc::new(reqwest::cookie::Jar::default()));
    }
    builder
        .build()
        .map_err(|e| format!("HTTP client: {}", error_text(&e)))
}

/// A reqwest error in words, with its causes (reqwest's own text is terse).
fn error_text(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

/// The vendor's assets a redirect may lead to: `(host, port)` pairs.
#[derive(Debug, Clone, Default)]
struct Allowed(BTreeSet<(String, u16)>);

impl Allowed {
    /// Adds an asset entry: `host:port` (that port), a URL (its origin; for a form's own URL the
    /// host's other web origin too: `http://` upgraded to `https://` on 443 is the same site), or a
    /// bare host (its web origins, ports 80 and 443).
    fn add(&mut self, entry: &str, form_url: bool) {
        let (url, explicit_port) = if entry.contains("://") {
            (Url::parse(entry).ok(), true)
        } else {
            let url = Url::parse(&format!("http://{entry}")).ok();
            let has_port = url.as_ref().is_some_and(|u| u.port().is_some());
            (url, has_port)
        };
        let Some(url) = url else { return };
        let Some(host) = url.host_str().map(|h| h.to_ascii_lowercase()) else {
            return;
        };
        let port = url.port_or_known_default();
        match port {
            Some(p) if explicit_port => {
                self.0.insert((host.clone(), p));
                if form_url {
                    self.0.insert((host.clone(), 80));
                    self.0.insert((host, 443));
                }
            }
            _ => {
                self.0.insert((host.clone(), 80));
                self.0.insert((host, 443));
            }
        }
    }

    fn allows(&self, url: &Url) -> bool {
        let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
            return false;
        };
        self.0.contains(&(host.to_ascii_lowercase(), port))
    }
}

/// The reason a refused redirect gives to every fact that needed the page.
fn refused_reason(to: &str) -> Failure {
    Failure::both(
        format!("redirect to {to} refused: outside the vendor's assets"),
        format!("{to} へのリダイレクトは委託先の資産の外なので、たどらなかった"),
    )
}

/// Fetches `url` (GET, or POST of `form_body`), following redirects within the asset's
/// allowed origins up to [`MAX_REDIRECTS`], reading the final body up to [`MAX_BODY`] (decoded
/// too), all within one `--timeout` and the asset's deadline. A redirect refused is `Ok` with
/// [`Page::refused`] set and nothing else of the page.
async fn fetch(
    session: &Session,
    url: &Url,
    form_body: Option<&[(String, String)]>,
    asset: &Asset<'_>,
) -> Result<Page, Failure> {
    if let Some(earlier) = asset.silence() {
        let secs = asset.ctx.limits.port_budget.as_secs();
        return Err(Failure::both(
            format!("not asked: {earlier} already gave no answer within {secs} s"),
            format!("{earlier} が {secs} 秒以内に応答しなかったため、問い合わせていない"),
        ));
    }
    let deadline = asset
        .deadline
        .min(Instant::now() + asset.ctx.limits.port_budget);
    let mut current = url.clone();
    let mut post = form_body;
    let mut redirects = Vec::new();
    let mut set_cookies = Vec::new();
    loop {
        let request = match post {
            Some(fields) => session
                .client
                .request(Method::POST, current.clone())
                .form(fields),
            None => session.client.request(Method::GET, current.clone()),
        };
        let response = match timeout_at(deadline, request.send()).await {
            Err(_) => return Err(asset.went_silent(&current)),
            Ok(Err(e)) if e.is_timeout() => return Err(asset.went_silent(&current)),
            Ok(Err(e)) => return Err(format!("{current}: {}", error_text(&e)).into()),
            Ok(Ok(r)) => r,
        };
        let status = response.status().as_u16();
        // Every one of them: a weak cookie left out would be a pass not earned (hyper bounds
        // the size of the head).
        for cookie in response.headers().get_all(SET_COOKIE) {
            set_cookies.push((
                current.to_string(),
                String::from_utf8_lossy(cookie.as_bytes()).into_owned(),
            ));
        }
        let location = response
            .headers()
            .get(LOCATION)
            .map(|l| String::from_utf8_lossy(l.as_bytes()).into_owned());
        if let (true, Some(location)) = (response.status().is_redirection(), location) {
            let next = current.join(location.trim()).map_err(|e| {
                Failure::from(format!(
                    "{current}: unusable redirect Location `{}`: {e}",
                    location.chars().take(200).collect::<String>()
                ))
            })?;
            if !matches!(next.scheme(), "http" | "https") || !asset.allowed.allows(&next) {
                let headers = header_pairs(response.headers());
                return Ok(Page {
                    status,
                    final_url: current,
                    redirects,
                    refused: Some(next.to_string()),
                    headers,
                    set_cookies,
                    body: String::new(),
                    forms: Vec::new(),
                });
            }
            if redirects.len() >= MAX_REDIRECTS {
                return Err(Failure::both(
                    format!("more than {MAX_REDIRECTS} redirects from {url} (the last to {next})"),
                    format!(
                        "{url} からのリダイレクトが {MAX_REDIRECTS} 回を超えた（最後は {next} へ）"
                    ),
                ));
            }
            redirects.push(format!("{status} {next}"));
            // As browsers do: 307 and 308 repeat the POST; the others become a GET.
            if !matches!(status, 307 | 308) {
                post = None;
            }
            current = next;
            continue;
        }
        let headers = header_pairs(response.headers());
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let codings: Vec<String> = response
            .headers()
            .get_all(reqwest::header::CONTENT_ENCODING)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        let bytes = read_body(response, &current, deadline, asset).await?;
        let (body, forms) = analyse(bytes, codings, content_type, &current, deadline).await?;
        return Ok(Page {
            status,
            final_url: current,
            redirects,
            refused: None,
            headers,
            set_cookies,
            body,
            forms,
        });
    }
}

/// [`fetch`] of a page that must be read: a refused redirect is a failure too.
async fn fetch_page(session: &Session, url: &Url, asset: &Asset<'_>) -> Result<Page, Failure> {
    let page = fetch(session, url, None, asset).await?;
    match &page.refused {
        Some(to) => Err(refused_reason(to)),
        None => Ok(page),
    }
}

/// The body's Content-Encoding undone (under [`MAX_BODY`]), its charset decoded and its forms
/// analysed within the HTML caps, on a blocking thread that stops at `deadline`.
async fn analyse(
    bytes: Vec<u8>,
    codings: Vec<String>,
    content_type: Option<String>,
    url: &Url,
    deadline: Instant,
) -> Result<(String, Vec<HtmlForm>), Failure> {
    let page_url = url.clone();
    let stop = deadline.into_std();
    let work = tokio::task::spawn_blocking(move || {
        let codings: Vec<&str> = codings.iter().map(String::as_str).collect();
        let bytes = content_coding::decode(bytes, &codings, MAX_BODY)
            .map_err(|e| Failure::both(e.to_string(), e.ja()))?;
        let body = html::decode(&bytes, content_type.as_deref());
        drop(bytes);
        let forms = html::analyse(&body, &page_url, Some(stop))
            .map_err(|e| Failure::both(e.to_string(), e.ja()))?;
        Ok::<_, Failure>((body, forms))
    });
    match timeout_at(deadline, work).await {
        Ok(Ok(done)) => done.map_err(|f| f.context(url.as_str(), url.as_str())),
        Ok(Err(e)) => Err(format!("{url}: analysing the page failed: {e}").into()),
        Err(_) => Err(Failure::both(
            format!("{url}: {}", html::HtmlLimit::OutOfTime),
            format!("{url}: {}", html::HtmlLimit::OutOfTime.ja()),
        )),
    }
}

/// The response headers as a fact: lower-case names, repeated fields joined with ", ", and
/// Set-Cookie values reduced to the cookie's name and attributes (no session token in reports).
fn header_map(headers: &[(String, String)]) -> crate::fact::FactValue {
    use crate::fact::FactValue;
    let mut map: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    for (name, value) in headers {
        let name = name.to_ascii_lowercase();
        let value = if name == "set-cookie" {
            let mut parts = value.split(';');
            let cookie = parts
                .next()
                .and_then(|c| c.split('=').next())
                .unwrap_or_default()
                .trim();
            std::iter::once(format!("{cookie}=…"))
                .chain(parts.map(|p| p.trim().to_owned()))
                .collect::<Vec<_>>()
                .join("; ")
        } else {
            value.clone()
        };
        map.entry(name)
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert(value);
    }
    FactValue::Map(
        map.into_iter()
            .map(|(k, v)| (k, FactValue::Str(v)))
            .collect(),
    )
}

fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// Reads the body in chunks, refusing more than [`MAX_BODY`] bytes and stopping at `deadline`
/// (then the asset counts as silent: its other requests are not each given a timeout).
async fn read_body(
    mut response: reqwest::Response,
    url: &Url,
    deadline: Instant,
    asset: &Asset<'_>,
) -> Result<Vec<u8>, Failure> {
    let mib = MAX_BODY / (1024 * 1024);
    let too_large = || {
        Failure::both(
            format!("body of {url} larger than {mib} MiB"),
            format!("{url} の本文が {mib} MiB を超える"),
        )
    };
    if response
        .content_length()
        .is_some_and(|n| n > MAX_BODY as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    let unfinished = |read: usize| {
        asset.went_silent(url);
        let secs = asset.ctx.limits.port_budget.as_secs();
        Failure::both(
            format!("the body of {url} did not finish within the time budget ({read} bytes read)"),
            format!("{url} の本文が {secs} 秒以内に終わらなかった（{read} バイト受信）"),
        )
    };
    loop {
        match timeout_at(deadline, response.chunk()).await {
            Err(_) => return Err(unfinished(body.len())),
            Ok(Err(e)) if e.is_timeout() => return Err(unfinished(body.len())),
            Ok(Err(e)) => {
                return Err(format!("reading the body of {url}: {}", error_text(&e)).into())
            }
            Ok(Ok(None)) => break,
            Ok(Ok(Some(chunk))) => {
                if body.len() + chunk.len() > MAX_BODY {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
        }
    }
    Ok(body)
}

/// The name of a `Set-Cookie` value and which of Secure, HttpOnly, SameSite it lacks.
pub fn cookie_missing_flags(set_cookie: &str) -> (String, Vec<&'static str>) {
    let mut parts = set_cookie.split(';');
    let name = parts
        .next()
        .unwrap_or_default()
        .split('=')
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    let attrs: Vec<String> = parts
        .map(|a| {
            a.split('=')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .collect();
    let missing = [
        ("secure", "Secure"),
        ("httponly", "HttpOnly"),
        ("samesite", "SameSite"),
    ]
    .into_iter()
    .filter(|(key, _)| !attrs.iter().any(|a| a == key))
    .map(|(_, shown)| shown)
    .collect();
    (name, missing)
}

/// A random marker, clearly labelled as test data: `VA-TEST-` and 16 hex digits.
pub fn new_marker() -> String {
    let n: u64 = rand::rng().random();
    format!("{MARKER_PREFIX}{n:016x}")
}

/// The personal-data inputs of a page that already carry a value, as `URL field (N chars)`
/// (never the value itself; our own marker is said to be ours).
fn prefilled(page: &Page, forms: &[HtmlForm]) -> Vec<Text> {
    forms
        .iter()
        .flat_map(|f| &f.inputs)
        .filter(|i| i.personal && !i.value.trim().is_empty())
        .map(|i| prefilled_input(page.final_url.as_str(), &i.display_name(), &i.value))
        .collect()
}

/// One prefilled input as evidence, `URL field (N chars)` (and whether the value is our own
/// marker), in English and Japanese; never the value itself.
fn prefilled_input(url: &str, field: &str, value: &str) -> Text {
    let n = value.chars().count();
    let (ours, ours_ja) = if value.contains(MARKER_PREFIX) {
        (", our own test marker", "、当方の試験用マーカー")
    } else {
        ("", "")
    };
    both(
        format!("{url} {field} ({n} chars{ours})"),
        format!("{url} {field}（{n} 文字{ours_ja}）"),
    )
}

/// A Set-Cookie lacking flags as evidence, `NAME on URL: missing FLAGS`, in English and Japanese.
fn weak_cookie(name: &str, at: &str, missing: &[&str]) -> Text {
    both(
        format!("{name} on {at}: missing {}", missing.join(", ")),
        format!("{at} の {name}: {} がない", missing.join("・")),
    )
}

/// The outcome of one observation over several pages: a value, or why it could not be made.
/// Each item is said in English and Japanese, recorded as a list fact and its Japanese sibling
/// (`form.leak_evidence_ja`...).
#[derive(Default)]
struct Tally {
    found: bool,
    items: Vec<Text>,
    errors: Vec<Failure>,
}

impl Tally {
    /// A list fact (evidence), its Japanese sibling `ja_name` if any, and its boolean: present
    /// when found, or when nothing failed.
    fn record(
        self,
        facts: &mut Facts,
        bool_name: Option<&str>,
        list_name: &str,
        ja_name: Option<&str>,
    ) {
        if !self.found && !self.errors.is_empty() {
            let en: Vec<&str> = self.errors.iter().map(|f| f.en.as_str()).collect();
            let ja: Option<Vec<&str>> = self.errors.iter().map(|f| f.ja.as_deref()).collect();
            let why = Failure {
                en: en.join("; "),
                ja: ja.map(|j| j.join("; ")),
            };
            for name in bool_name.into_iter().chain(ja_name).chain([list_name]) {
                why.mark(facts, name);
            }
            return;
        }
        if let Some(b) = bool_name {
            facts.set(b, self.found);
        }
        let (en, ja): (Vec<String>, Vec<String>) =
            self.items.into_iter().map(|t| (t.en, t.ja)).unzip();
        if let Some(name) = ja_name {
            facts.set(name, ja);
        }
        facts.set(list_name, en);
    }
}

/// Probes one inventory form: see the module comment and the `form.*` facts of the catalogue.
/// `allowed_hosts` are the vendor's assets (`host:port`, URLs, or bare hosts: see [`Allowed`]);
/// the form URL and its leak-probe URLs are always allowed. Returns before `deadline`, and each
/// request within one `--timeout`; once one went unanswered, the asset is not asked again.
pub async fn probe_form(
    ctx: &ProbeContext,
    form: &Form,
    allowed_hosts: &[String],
    audit: &AuditSettings,
    deadline: Instant,
) -> Facts {
    let mut facts = Facts::new();
    facts.set("form.url", form.url.as_str());
    // Every fact of this probe but `form.url` becomes unavailable, with the reason.
    let fail_all = |facts: &mut Facts, why: &Failure| {
        match &why.ja {
            Some(ja) => crate::catalog::facts::mark_unavailable_both(
                facts,
                "http",
                &both(why.en.clone(), ja.clone()),
            ),
            None => crate::catalog::facts::mark_unavailable(facts, "http", &why.en),
        }
        facts.set("form.url", form.url.as_str());
    };
    let url = match Url::parse(&form.url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => u,
        Ok(u) => {
            fail_all(
                &mut facts,
                &format!("`{u}` is not an http or https URL").into(),
            );
            return facts;
        }
        Err(e) => {
            fail_all(
                &mut facts,
                &format!("`{}` is not a URL: {e}", form.url).into(),
            );
            return facts;
        }
    };
    let mut allowed = Allowed::default();
    for entry in allowed_hosts {
        allowed.add(entry, false);
    }
    allowed.add(&form.url, true);
    if let Some(lp) = &form.leak_probe {
        allowed.add(&lp.submit, true);
        allowed.add(&lp.view, true);
    }
    let asset = Asset {
        ctx,
        allowed,
        deadline,
        silent: std::sync::Mutex::new(None),
    };
    let cookieless = match client(ctx, audit, false) {
        Ok(c) => Session {
            name: "C",
            client: c,
        },
        Err(why) => {
            fail_all(&mut facts, &why.into());
            return facts;
        }
    };

    // The form page, cookieless: the first visit of a stranger.
    let page = match fetch(&cookieless, &url, None, &asset).await {
        Ok(p) => p,
        Err(why) => {
            fail_all(
                &mut facts,
                &why.context(
                    "the form page could not be fetched",
                    "フォームのページを取得できなかった",
                ),
            );
            return facts;
        }
    };
    if let Some(to) = &page.refused {
        // A page not fetched is not judged: every fact of the page is unavailable, and only
        // what happened (the status and the redirects, the one refused) is said.
        fail_all(&mut facts, &refused_reason(to));
        facts.set("form.status", page.status);
        facts.set("form.final_url", page.final_url.as_str());
        facts.set("form.redirects", page.redirects.clone());
        facts.set("form.redirect_refused", to.as_str());
        return facts;
    }
    let forms = &page.forms;
    let inputs: Vec<&html::HtmlInput> = forms.iter().flat_map(|f| &f.inputs).collect();
    let ok = (200..300).contains(&page.status);
    facts.set("form.status", page.status);
    facts.set("form.final_url", page.final_url.as_str());
    facts.set("form.redirects", page.redirects.clone());
    facts.set("form.redirect_refused", "");
    facts.set(
        "form.open",
        ok && forms.iter().any(|f| !f.inputs.is_empty()),
    );
    facts.set(
        "form.input_count",
        i64::try_from(inputs.len()).unwrap_or(i64::MAX),
    );
    let mut pii: Vec<String> = Vec::new();
    for i in inputs.iter().filter(|i| i.personal) {
        let n = i.display_name();
        if !pii.contains(&n) {
            pii.push(n);
        }
    }
    facts.set("form.pii_fields", pii);
    let https = page.final_url.scheme() == "https";
    facts.set("form.https", https);
    let http_actions: Vec<String> = forms
        .iter()
        .filter(|f| f.action.starts_with("http:"))
        .map(|f| f.action.clone())
        .collect();
    facts.set("form.http_actions", http_actions);
    let hsts = page
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(STRICT_TRANSPORT_SECURITY.as_str()))
        .filter(|_| https)
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    facts.set("form.hsts", hsts);
    facts.set("form.headers", header_map(&page.headers));

    let mut set_cookies = page.set_cookies.clone();
    let mut prefilled_pii = Tally {
        items: prefilled(&page, forms),
        ..Tally::default()
    };
    let mut cacheable = Tally::default();
    let mut cache_hit = Tally::default();
    // Each page's own storability and the first stored copy a cache served of it; judged
    // together by `caching::page_storable` once both requests are in.
    let mut pages: Vec<CachedPage> = Vec::new();
    let mut observe_cache = |p: &Page, second: bool, hit: &mut Tally| {
        if !second {
            pages.push(CachedPage {
                url: p.final_url.to_string(),
                own: caching::shared_storable(p.status, &p.headers, false),
                served: None,
            });
        }
        let (h, evidence) = caching::served_by_shared_cache(&p.headers);
        hit.found |= h;
        if h {
            // The page's own entry is the last one: its first request pushed it.
            if let Some(page) = pages.last_mut().filter(|c| c.url == p.final_url.as_str()) {
                page.served.get_or_insert_with(|| evidence.clone());
            }
        }
        let (which, which_ja) = if second {
            ("second request", "2回目の要求")
        } else {
            ("first request", "1回目の要求")
        };
        let url = &p.final_url;
        hit.items.extend(evidence.into_iter().map(|e| {
            both(
                format!("{url} ({which}): {}", e.en),
                format!("{url}（{which_ja}）: {}", e.ja),
            )
        }));
    };
    observe_cache(&page, false, &mut cache_hit);
    match fetch_page(&cookieless, &url, &asset).await {
        Ok(again) => {
            observe_cache(&again, true, &mut cache_hit);
            set_cookies.extend(again.set_cookies);
        }
        Err(why) => cache_hit
            .errors
            .push(why.context("second request", "2回目の要求")),
    }

    // The active leak probe, before any cookieless read of the view page of ours could fill a
    // cache with an empty page; then the view page's passive reads.
    match &form.leak_probe {
        None => {
            facts.set("form.leak_probe", false);
            let why = crate::diagnostic::both(
                "no leak_probe is configured for this form",
                "このフォームには漏えい検査（leak_probe）が設定されていない",
            );
            facts.unavailable_both("form.leak_found", &why);
            facts.unavailable_both("form.leak_evidence", &why);
        }
        Some(lp) => {
            facts.set("form.leak_probe", true);
            let leak = leak_probe(&asset, audit, &url, lp, &cookieless).await;
            set_cookies.extend(leak.set_cookies);
            leak.tally.record(
                &mut facts,
                Some("form.leak_found"),
                "form.leak_evidence",
                Some("form.leak_evidence_ja"),
            );
            match Url::parse(&lp.view) {
                Err(e) => {
                    let why =
                        Failure::from(format!("leak_probe view `{}` is not a URL: {e}", lp.view));
                    prefilled_pii.errors.push(why.clone());
                    cacheable.errors.push(why.clone());
                    cache_hit.errors.push(why);
                }
                Ok(view) => {
                    for second in [false, true] {
                        match fetch_page(&cookieless, &view, &asset).await {
                            Ok(p) => {
                                if !second {
                                    prefilled_pii.items.extend(prefilled(&p, &p.forms));
                                }
                                observe_cache(&p, second, &mut cache_hit);
                                set_cookies.extend(p.set_cookies);
                            }
                            Err(why) => {
                                let why = why.context("view page", "閲覧ページ");
                                if !second {
                                    prefilled_pii.errors.push(why.clone());
                                    cacheable.errors.push(why.clone());
                                }
                                cache_hit.errors.push(why);
                            }
                        }
                    }
                }
            }
        }
    }
    prefilled_pii.found = !prefilled_pii.items.is_empty();
    prefilled_pii.record(
        &mut facts,
        None,
        "form.prefilled_pii",
        Some("form.prefilled_pii_ja"),
    );
    let storable: Vec<(bool, Vec<Text>)> = pages
        .into_iter()
        .map(|c| caching::page_storable(&c.url, c.own, c.served.as_deref()))
        .collect();
    cacheable.found = storable.iter().any(|(s, _)| *s);
    cacheable.items = caching::storability_reasons(storable);
    cacheable.record(
        &mut facts,
        Some("form.cacheable"),
        "form.cacheable_reasons",
        Some("form.cacheable_reasons_ja"),
    );
    cache_hit.record(
        &mut facts,
        Some("form.cache_hit"),
        "form.cache_evidence",
        Some("form.cache_evidence_ja"),
    );

    let mut weak: Vec<Text> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for (at, cookie) in &set_cookies {
        let (name, missing) = cookie_missing_flags(cookie);
        if !names.contains(&name) {
            names.push(name.clone());
        }
        if !missing.is_empty() {
            let line = weak_cookie(&name, at, &missing);
            if !weak.contains(&line) {
                weak.push(line);
            }
        }
    }
    let (weak, weak_ja): (Vec<String>, Vec<String>) =
        weak.into_iter().map(|t| (t.en, t.ja)).unzip();
    facts.set("form.weak_cookies", weak);
    facts.set("form.weak_cookies_ja", weak_ja);
    // Without a cookie there is nothing to judge: the check is skipped, not passed.
    facts.set("form.cookie_names", names);
    facts
}

/// One page as the cache observation saw it: its URL, its own storability
/// (`caching::shared_storable`) and the hit evidence of the first stored copy served.
struct CachedPage {
    url: String,
    own: (bool, Vec<Text>),
    served: Option<Vec<Text>>,
}

/// What the active leak probe saw.
struct LeakOutcome {
    tally: Tally,
    set_cookies: Vec<(String, String)>,
}

/// SPEC §7.4: session A posts a marker and reads the view; B (own jar) and C (no cookies) read
/// it too, sequentially and then concurrently with A's second round (request coalescing).
async fn leak_probe(
    asset: &Asset<'_>,
    audit: &AuditSettings,
    form_url: &Url,
    lp: &crate::inventory::LeakProbe,
    c: &Session,
) -> LeakOutcome {
    let ctx = asset.ctx;
    let mut out = LeakOutcome {
        tally: Tally::default(),
        set_cookies: Vec::new(),
    };
    let (submit, view) = match (Url::parse(&lp.submit), Url::parse(&lp.view)) {
        (Ok(s), Ok(v)) => (s, v),
        (Err(e), _) => {
            out.tally
                .errors
                .push(format!("leak_probe submit `{}` is not a URL: {e}", lp.submit).into());
            return out;
        }
        (_, Err(e)) => {
            out.tally
                .errors
                .push(format!("leak_probe view `{}` is not a URL: {e}", lp.view).into());
            return out;
        }
    };
    if !lp.fields.values().any(|v| v.contains("{canary}")) {
        out.tally.errors.push(Failure::from(
            "no leak_probe field carries `{canary}`: there is no marker to trace, so the leak \
             could not be tested"
                .to_owned(),
        ));
        return out;
    }
    let (a, b) = match (client(ctx, audit, true), client(ctx, audit, true)) {
        (Ok(a), Ok(b)) => (
            Session {
                name: "A",
                client: a,
            },
            Session {
                name: "B",
                client: b,
            },
        ),
        (Err(why), _) | (_, Err(why)) => {
            out.tally.errors.push(why.into());
            return out;
        }
    };
    // Session A and B load the form first, each to get its own session cookie if the site sets one.
    for s in [&a, &b] {
        match fetch_page(s, form_url, asset).await {
            Ok(p) => out.set_cookies.extend(p.set_cookies),
            Err(why) => {
                let (en, ja) = (
                    format!("session {} could not load the form", s.name),
                    format!("セッション {} はフォームを読み込めなかった", s.name),
                );
                out.tally.errors.push(why.context(&en, &ja));
                return out;
            }
        }
    }
    // Every marker posted so far: a cache may serve round 1's page during round 2.
    let mut markers: Vec<String> = Vec::new();
    for round in 1..=2 {
        let marker = new_marker();
        markers.push(marker.clone());
        let fields: Vec<(String, String)> = lp
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), v.replace("{canary}", &marker)))
            .collect();
        match fetch(&a, &submit, Some(&fields), asset).await {
            Ok(p) if p.status >= 400 || p.refused.is_some() => {
                out.set_cookies.extend(p.set_cookies);
                let why = match p.refused {
                    Some(to) => format!("redirected outside the vendor's assets to {to}"),
                    None => format!("HTTP {}", p.status),
                };
                out.tally.errors.push(Failure::from(format!(
                    "session A's submission to {submit} was not accepted ({why}): the leak could not be tested"
                )));
                return out;
            }
            Ok(p) => out.set_cookies.extend(p.set_cookies),
            Err(why) => {
                out.tally.errors.push(why.context(
                    "session A's submission failed",
                    "セッション A の送信が失敗した",
                ));
                return out;
            }
        }
        // Round 1 reads one after another; round 2 reads all at once, right after the post.
        let reads: Vec<(&Session, Result<Page, Failure>)> = if round == 1 {
            let mut v = Vec::new();
            for s in [&a, &b, c] {
                v.push((s, fetch_page(s, &view, asset).await));
            }
            v
        } else {
            let (ra, rb, rc) = tokio::join!(
                fetch_page(&a, &view, asset),
                fetch_page(&b, &view, asset),
                fetch_page(c, &view, asset),
            );
            vec![(&a, ra), (&b, rb), (c, rc)]
        };

        for (s, read) in reads {
            let page = match read {
                Ok(p) => p,
                Err(why) => {
                    let (when, when_ja) = when(round);
                    let (en, ja) = (
                        format!("session {}'s read of {view} {when}", s.name),
                        format!(
                            "セッション {} による {view} の読み込み（{when_ja}）",
                            s.name
                        ),
                    );
                    out.tally.errors.push(why.context(&en, &ja));
                    continue;
                }
            };
            out.set_cookies.extend(page.set_cookies.clone());
            let has_marker = page.body.contains(&marker);
            let any_marker = markers.iter().any(|m| page.body.contains(m.as_str()));
            let seen = if s.name == "A" {
                (!has_marker).then_some(Seen::Stale {
                    earlier: any_marker,
                    status: page.status,
                })
            } else if any_marker {
                Some(Seen::Marker)
            } else {
                let filled: Vec<String> = page
                    .forms
                    .iter()
                    .flat_map(|f| &f.inputs)
                    .filter(|i| i.personal && !i.value.trim().is_empty())
                    .map(|i| i.display_name())
                    .collect();
                (!filled.is_empty()).then_some(Seen::Filled(filled))
            };
            let evidence = seen.map(|seen| leak_evidence(s.name, &seen, &view, round));
            if let Some(e) = evidence {
                if !out.tally.items.contains(&e) {
                    out.tally.items.push(e);
                }
            }
        }
    }
    out.tally.found = !out.tally.items.is_empty();
    out
}

/// What one session's read of the view page showed that is leak evidence.
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    /// Session A's own view without its latest marker; `earlier`: with one of its earlier ones.
    Stale { earlier: bool, status: u16 },
    /// Session B or C was served a marker of A's.
    Marker,
    /// Session B or C was served a form filled in with personal data (those fields).
    Filled(Vec<String>),
}

/// When a read was made, by round (English, Japanese).
fn when(round: u8) -> (&'static str, &'static str) {
    if round == 1 {
        ("after A's post", "A の送信後")
    } else {
        (
            "concurrently with A's read (second round)",
            "A の読み込みと同時（2回目）",
        )
    }
}

/// The evidence of what `session` saw on `view` in `round`, in English and Japanese.
fn leak_evidence(session: &str, seen: &Seen, view: &Url, round: u8) -> Text {
    let (when, when_ja) = when(round);
    let (who, who_ja) = if session == "B" {
        (
            "session B (its own cookie)",
            "セッション B（自身の Cookie）",
        )
    } else {
        ("session C (no cookie)", "セッション C（Cookie なし）")
    };
    match seen {
        Seen::Stale { earlier, status } => {
            let (showed, showed_ja) = if *earlier {
                (
                    "showed its earlier marker, not its latest",
                    "最新ではなく以前のマーカーが表示された",
                )
            } else {
                ("did not show its marker", "そのマーカーが表示されなかった")
            };
            both(
                format!("stale: session A's own view {showed} on {view} ({when}, HTTP {status})"),
                format!(
                    "古いコピー: {view} のセッション A 自身の表示に、{showed_ja}\
                     （{when_ja}、HTTP {status}）"
                ),
            )
        }
        Seen::Marker => both(
            format!("{who} was served session A's marker on {view} ({when}): cross-session leak"),
            format!(
                "{who_ja}に {view} でセッション A のマーカーが返された（{when_ja}）: \
                 セッション間の漏えい"
            ),
        ),
        Seen::Filled(fields) => both(
            format!(
                "{who} was served a filled-in form ({}) on {view} ({when}): someone else's data",
                fields.join(", ")
            ),
            format!(
                "{who_ja}に {view} で入力済みのフォーム（{}）が返された（{when_ja}）: 他人のデータ",
                fields.join("、")
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each kind of leak evidence, in both languages: the English as the probe has always said
    /// it, the Japanese from the same values (URL, fields, status) with no English sentence.
    #[test]
    fn prefilled_inputs_and_weak_cookies_are_said_in_english_and_japanese() {
        let url = "https://forms.example/apply";
        for (t, en, ja) in [
            (
                prefilled_input(url, "name", "Sato"),
                "https://forms.example/apply name (4 chars)",
                "https://forms.example/apply name（4 文字）",
            ),
            (
                prefilled_input(url, "tel", "VA-TEST-0123456789abcdef"),
                "https://forms.example/apply tel (24 chars, our own test marker)",
                "https://forms.example/apply tel（24 文字、当方の試験用マーカー）",
            ),
            (
                weak_cookie("SESSION", url, &["Secure", "HttpOnly"]),
                "SESSION on https://forms.example/apply: missing Secure, HttpOnly",
                "https://forms.example/apply の SESSION: Secure・HttpOnly がない",
            ),
        ] {
            assert_eq!((t.en.as_str(), t.ja.as_str()), (en, ja));
        }
    }

    #[test]
    fn leak_evidence_is_said_in_english_and_japanese() {
        let view = Url::parse("https://forms.example/apply/edit").unwrap();
        let stale = |earlier| Seen::Stale {
            earlier,
            status: 200,
        };
        let filled = Seen::Filled(vec!["name".into(), "tel".into()]);
        let cases = [
            (
                "A",
                stale(false),
                1,
                "stale: session A's own view did not show its marker on https://forms.example/apply/edit (after A's post, HTTP 200)",
                "古いコピー: https://forms.example/apply/edit のセッション A 自身の表示に、そのマーカーが表示されなかった（A の送信後、HTTP 200）",
            ),
            (
                "A",
                stale(true),
                2,
                "stale: session A's own view showed its earlier marker, not its latest on https://forms.example/apply/edit (concurrently with A's read (second round), HTTP 200)",
                "古いコピー: https://forms.example/apply/edit のセッション A 自身の表示に、最新ではなく以前のマーカーが表示された（A の読み込みと同時（2回目）、HTTP 200）",
            ),
            (
                "B",
                Seen::Marker,
                1,
                "session B (its own cookie) was served session A's marker on https://forms.example/apply/edit (after A's post): cross-session leak",
                "セッション B（自身の Cookie）に https://forms.example/apply/edit でセッション A のマーカーが返された（A の送信後）: セッション間の漏えい",
            ),
            (
                "C",
                filled,
                2,
                "session C (no cookie) was served a filled-in form (name, tel) on https://forms.example/apply/edit (concurrently with A's read (second round)): someone else's data",
                "セッション C（Cookie なし）に https://forms.example/apply/edit で入力済みのフォーム（name、tel）が返された（A の読み込みと同時（2回目））: 他人のデータ",
            ),
        ];
        for (session, seen, round, en, ja) in cases {
            let t = leak_evidence(session, &seen, &view, round);
            assert_eq!((t.en.as_str(), t.ja.as_str()), (en, ja));
            assert_eq!(crate::i18n::english_prose(&t.ja), Vec::<String>::new());
        }
    }

    #[test]
    fn cookie_flags() {
        let (n, m) = cookie_missing_flags("sid=abc; Path=/");
        assert_eq!(n, "sid");
        assert_eq!(m, ["Secure", "HttpOnly", "SameSite"]);
        let (_, m) = cookie_missing_flags("sid=abc; Secure; HttpOnly; SameSite=Lax");
        assert!(m.is_empty());
        let (_, m) = cookie_missing_flags("sid=abc; secure; samesite=None");
        assert_eq!(m, ["HttpOnly"]);
        let (n, m) = cookie_missing_flags("");
        assert_eq!((n.as_str(), m.len()), ("", 3));
    }

    #[test]
    fn markers_are_labelled_and_unique() {
        let a = new_marker();
        assert!(a.starts_with("VA-TEST-") && a.len() == 24, "{a}");
        assert_ne!(a, new_marker());
    }

    #[test]
    fn allowed_origins_by_host_port_or_url() {
        let mut allowed = Allowed::default();
        for (entry, form) in [
            ("Forms.Example.lab:8443", false),
            ("https://b.example.lab/x", false),
            ("127.0.0.110", false),
            ("http://127.0.0.111:8080/apply", true),
        ] {
            allowed.add(entry, form);
        }
        for ok in [
            "https://forms.example.lab:8443/a",
            "https://B.example.lab/",
            "http://127.0.0.110/",
            "https://127.0.0.110/",
            "http://127.0.0.111:8080/next",
            // The form's host upgraded to https on its default port: the same site.
            "https://127.0.0.111/apply",
        ] {
            assert!(allowed.allows(&Url::parse(ok).unwrap()), "{ok}");
        }
        for refused in [
            "http://outside.invalid/",
            // Another port of a listed host is another service: not an asset.
            "https://forms.example.lab/a",
            "http://b.example.lab:8080/",
            "http://127.0.0.110:99/",
            "http://127.0.0.111:9999/",
        ] {
            assert!(!allowed.allows(&Url::parse(refused).unwrap()), "{refused}");
        }
    }
}
