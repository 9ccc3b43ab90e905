//! HTTP caching analysis: may a shared cache store a response (RFC 9111 §3, with the targeted
//! fields of RFC 9213, Surrogate-Control and X-Accel-Expires as Varnish, nginx and Squid really
//! apply them), and do the response headers show that a shared cache served it (Age, X-Cache,
//! CF-Cache-Status, Cache-Status of RFC 9211, X-Varnish). Pure.
//!
//! A page counts as storable when some shared cache may keep it, fresh or not: a stale stored
//! copy is still served after a 304, or for a cache's default TTL (observed on Varnish 7.1,
//! nginx 1.22 and Squid 5.7, tests/cache_rules_lab.rs).
//!
//! Every reason is said in English and Japanese ([`Text`]), both built from the same values at
//! the same place: the header fields quoted stay as the server sent them.

use chrono::{DateTime, Utc};
use sfv::{BareItem, Dictionary, List, ListEntry, Parser};

use crate::catalog::Text;
use crate::diagnostic::both;

/// Status codes that are heuristically cacheable (RFC 9110 §15.1).
pub const HEURISTIC_STATUSES: &[u16] =
    &[200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501];

/// A final status code that RFC 9110 §15 defines, so that a cache implementing RFC 9111
/// understands it (for `must-understand`, RFC 9111 §5.2.2.3).
fn understood(status: u16) -> bool {
    matches!(status, 200..=206 | 300..=305 | 307 | 308 | 400..=417 | 421 | 422 | 426 | 500..=505)
}

/// A clock difference between `Date` and the cache's clock worth naming, in seconds.
const SKEW_SHOWN: i64 = 60;

/// Marks evidence of [`served_by_shared_cache`] that is not a sign of a stored copy served.
const SUPPORTING: &str = "supporting evidence only";
/// [`SUPPORTING`] in Japanese.
const SUPPORTING_JA: &str = "補助的な証跡にとどまる";

/// One cache directive: lower-case name and its (unquoted) argument, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub name: String,
    pub value: Option<String>,
}

/// Splits at `sep` outside double quotes (quoted strings may hold commas and semicolons).
fn split_outside_quotes(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut in_quotes = false;
    let mut escaped = false;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' && in_quotes {
            escaped = true;
        } else if c == '"' {
            in_quotes = !in_quotes;
        } else if c == sep && !in_quotes {
            parts.push(s.get(start..i).unwrap_or_default());
            start = i + c.len_utf8();
        }
    }
    parts.push(s.get(start..).unwrap_or_default());
    parts
}

/// The values of every header named `name` (case-insensitive), in order.
fn header_values<'a>(headers: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .collect()
}

/// Every line of `name` as one value, as a recipient combines them (RFC 9110 §5.3).
fn combined(headers: &[(String, String)], name: &str) -> Option<String> {
    let values = header_values(headers, name);
    (!values.is_empty()).then(|| {
        values
            .iter()
            .map(|v| v.trim())
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// The directives of every `name` header (Cache-Control syntax, RFC 9111 §5.2), all lines
/// combined as one list (RFC 9110 §5.3).
pub fn directives(headers: &[(String, String)], name: &str) -> Vec<Directive> {
    header_values(headers, name)
        .into_iter()
        .flat_map(|v| split_outside_quotes(v, ','))
        .filter_map(|d| {
            let d = d.trim();
            if d.is_empty() {
                return None;
            }
            let (n, v) = match d.split_once('=') {
                Some((n, v)) => (n, Some(v.trim().trim_matches('"').to_owned())),
                None => (d, None),
            };
            Some(Directive {
                name: n.trim().to_ascii_lowercase(),
                value: v,
            })
        })
        .collect()
}

fn find<'a>(ds: &'a [Directive], name: &str) -> Option<&'a Directive> {
    ds.iter().find(|d| d.name == name)
}

/// A delta-seconds argument (RFC 9111 §1.2.2); a value too large saturates, garbage is None.
fn seconds(d: &Directive) -> Option<u64> {
    let v = d.value.as_deref()?;
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(v.parse::<u64>().unwrap_or(u64::MAX))
}

/// An HTTP-date in any of its three formats: IMF-fixdate, RFC 850 and asctime (RFC 9110 §5.6.7).
pub fn http_date(s: &str) -> Option<DateTime<Utc>> {
    httpdate::parse_http_date(s.trim())
        .ok()
        .map(DateTime::<Utc>::from)
}

/// A freshness argument (max-age, s-maxage) as written, and its seconds when valid.
#[derive(Debug, Clone, Default)]
struct Lifetime {
    shown: String,
    secs: Option<u64>,
}

impl Lifetime {
    /// What storing under this lifetime means for the next request (English, Japanese).
    fn note(&self) -> (&'static str, &'static str) {
        match self.secs {
            Some(0) => (
                ": stored, though stale at once",
                ": 保存されるが、直ちに古くなる",
            ),
            None => (
                ": not a valid number of seconds, so stale at once (RFC 9111 §4.2.1), yet stored",
                ": 秒数として正しくないため直ちに古くなる（RFC 9111 §4.2.1）が、保存はされる",
            ),
            Some(_) => ("", ""),
        }
    }
}

/// The directives that decide storing, read from Cache-Control or from a targeted field.
#[derive(Debug, Clone, Default)]
struct Policy {
    no_store: bool,
    /// Unqualified `private`.
    private: bool,
    /// `private="fields"`: only those fields are kept out of a shared cache.
    private_fields: Option<String>,
    public: bool,
    s_maxage: Option<Lifetime>,
    max_age: Option<Lifetime>,
    must_revalidate: bool,
    must_understand: bool,
    no_cache: bool,
}

impl Policy {
    fn from_cache_control(cc: &[Directive]) -> Policy {
        let unqualified = |name: &str| find(cc, name).is_some_and(|d| d.value.is_none());
        let lifetime = |name: &str| {
            find(cc, name).map(|d| Lifetime {
                shown: format!("{}={}", d.name, d.value.as_deref().unwrap_or_default()),
                secs: seconds(d),
            })
        };
        Policy {
            no_store: unqualified("no-store"),
            private: unqualified("private"),
            private_fields: find(cc, "private").and_then(|d| d.value.clone()),
            public: find(cc, "public").is_some(),
            s_maxage: lifetime("s-maxage"),
            max_age: lifetime("max-age"),
            must_revalidate: find(cc, "must-revalidate").is_some(),
            must_understand: find(cc, "must-understand").is_some(),
            no_cache: unqualified("no-cache"),
        }
    }

    /// A targeted field's dictionary (RFC 9213 §2.1): flags are Boolean true, max-age and
    /// s-maxage Integers; a member of another type is not consumed, and said so in `ignored`.
    fn from_dictionary(d: &Dictionary, ignored: &mut Vec<Text>) -> Policy {
        let mut p = Policy::default();
        for (key, entry) in d {
            let name = key.as_str();
            let ListEntry::Item(item) = entry else {
                ignored.push(both(
                    format!("{name} (an inner list)"),
                    format!("{name}（内側のリスト）"),
                ));
                continue;
            };
            let value = &item.bare_item;
            let flag = value.as_boolean() == Some(true);
            match name {
                "no-store" | "public" | "must-revalidate" | "must-understand" | "no-cache"
                    if !flag =>
                {
                    ignored.push(both(
                        format!("{name} (not a Boolean true)"),
                        format!("{name}（Boolean の true ではない）"),
                    ));
                }
                "no-store" => p.no_store = true,
                "public" => p.public = true,
                "must-revalidate" => p.must_revalidate = true,
                "must-understand" => p.must_understand = true,
                "no-cache" => p.no_cache = true,
                "private" => match value {
                    BareItem::Boolean(true) => p.private = true,
                    BareItem::String(fields) => p.private_fields = Some(fields.to_string()),
                    _ => ignored.push(both(
                        "private (neither true nor a String)",
                        "private（true でも String でもない）",
                    )),
                },
                "max-age" | "s-maxage" => {
                    match value.as_integer().map(i64::from).filter(|n| *n >= 0) {
                        Some(n) => {
                            let l = Lifetime {
                                shown: format!("{name}={n}"),
                                secs: u64::try_from(n).ok(),
                            };
                            if name == "max-age" {
                                p.max_age = Some(l);
                            } else {
                                p.s_maxage = Some(l);
                            }
                        }
                        None => ignored.push(both(
                            format!("{name} (not a non-negative Integer)"),
                            format!("{name}（負でない Integer ではない）"),
                        )),
                    }
                }
                _ => {}
            }
        }
        p
    }
}

/// What one kind of cache would do with the response.
struct Judgement {
    storable: bool,
    reasons: Vec<Text>,
}

impl Judgement {
    fn not_stored(reason: Text) -> Judgement {
        Judgement {
            storable: false,
            reasons: vec![reason],
        }
    }
}

/// The Expires field judged by the cache's clock (and the response's `Date`, when it is far off).
fn expires_reason(expires: &str, date: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Text {
    let e = expires.trim();
    match http_date(e) {
        None => both(
            format!(
                "Expires: {e} is not a valid HTTP-date (RFC 9110 §5.6.7), which RFC 9111 §5.3 \
                 reads as already expired, yet any Expires field allows storing (RFC 9111 §3): \
                 stored, stale at once"
            ),
            format!(
                "Expires: {e} は正しい HTTP-date ではなく（RFC 9110 §5.6.7）、RFC 9111 §5.3 により\
                 期限切れとみなされるが、Expires があれば保存は許される（RFC 9111 §3）: 保存され、\
                 直ちに古くなる"
            ),
        ),
        Some(at) if at <= now => both(
            format!(
                "Expires: {e} is past by the cache's clock: stored, stale at once (RFC 9111 §3, §5.3)"
            ),
            format!(
                "Expires: {e} はキャッシュの時計ですでに過ぎている: 保存され、直ちに古くなる\
                 （RFC 9111 §3、§5.3）"
            ),
        ),
        Some(at) => {
            let secs = (at - now).num_seconds();
            let mut r = both(
                format!("Expires: {e}: fresh for {secs} s by the cache's clock (RFC 9111 §5.3)"),
                format!("Expires: {e}: キャッシュの時計で {secs} 秒間は新しい（RFC 9111 §5.3）"),
            );
            if let Some(d) = date {
                let off = (d - now).num_seconds();
                if off.abs() > SKEW_SHOWN {
                    r.en.push_str(&format!(
                        " (the response's Date is {off:+} s off that clock; caches keep their own)"
                    ));
                    r.ja.push_str(&format!(
                        "（応答の Date はその時計と {off:+} 秒ずれている。キャッシュは自身の時計に従う）"
                    ));
                }
            }
            r
        }
    }
}

/// What every judgement of one response needs besides the policy.
struct Response<'a> {
    status: u16,
    had_authorization: bool,
    date: Option<DateTime<Utc>>,
    last_modified: Option<&'a str>,
    /// The cache's clock.
    now: DateTime<Utc>,
}

/// RFC 9111 §3 for one policy. `src` prefixes each reason drawn from a directive (the field as
/// shown); `expires` is None for a targeted field (RFC 9213 §2.2 makes the cache ignore Expires).
fn judge(r: &Response, p: &Policy, src: &str, expires: Option<&str>) -> Judgement {
    let (status, had_authorization, date, now) = (r.status, r.had_authorization, r.date, r.now);
    let mut reasons = Vec::new();
    if p.no_store {
        if p.must_understand && understood(status) {
            reasons.push(both(
                format!(
                    "{src}no-store with must-understand on status {status}, which a cache \
                     understands: it ignores no-store (RFC 9111 §5.2.2.3)"
                ),
                format!(
                    "{src}no-store に must-understand があり、ステータス {status} はキャッシュが\
                     理解するため no-store は無視される（RFC 9111 §5.2.2.3）"
                ),
            ));
        } else {
            return Judgement::not_stored(both(
                format!("{src}no-store: no cache may store it (RFC 9111 §5.2.2.5)"),
                format!("{src}no-store: どのキャッシュも保存してはならない（RFC 9111 §5.2.2.5）"),
            ));
        }
    }
    if p.private {
        return Judgement::not_stored(both(
            format!("{src}private: a shared cache must not store it (RFC 9111 §5.2.2.7)"),
            format!("{src}private: 共有キャッシュは保存してはならない（RFC 9111 §5.2.2.7）"),
        ));
    }
    if had_authorization && !(p.public || p.s_maxage.is_some() || p.must_revalidate) {
        return Judgement::not_stored(both(
            "the request carried Authorization and the response has no public, s-maxage or \
             must-revalidate: a shared cache must not store it (RFC 9111 §3.5)",
            "要求に Authorization があり、応答に public、s-maxage、must-revalidate のいずれもない: \
             共有キャッシュは保存してはならない（RFC 9111 §3.5）",
        ));
    }
    let mut storable = false;
    if let Some(f) = &p.private_fields {
        reasons.push(both(
            format!(
                "{src}private=\"{f}\" only keeps those fields out of a shared cache; the response itself may be stored (RFC 9111 §5.2.2.7)"
            ),
            format!(
                "{src}private=\"{f}\" はそのヘッダを共有キャッシュに残さないだけで、応答そのものは\
                 保存されうる（RFC 9111 §5.2.2.7）"
            ),
        ));
    }
    if p.public {
        storable = true;
        reasons.push(both(
            format!("{src}public (RFC 9111 §5.2.2.9)"),
            format!("{src}public（RFC 9111 §5.2.2.9）"),
        ));
    }
    for (lifetime, section) in [(&p.s_maxage, "5.2.2.10"), (&p.max_age, "5.2.2.1")] {
        if let Some(l) = lifetime {
            storable = true;
            let (note, note_ja) = l.note();
            reasons.push(both(
                format!("{src}{} (RFC 9111 §{section}){note}", l.shown),
                format!("{src}{}（RFC 9111 §{section}）{note_ja}", l.shown),
            ));
        }
    }
    if let Some(e) = expires {
        storable = true;
        reasons.push(expires_reason(e, date, now));
    }
    let explicit = p.s_maxage.is_some() || p.max_age.is_some() || expires.is_some();
    if HEURISTIC_STATUSES.contains(&status) && !explicit {
        storable = true;
        reasons.push(match r.last_modified.map(str::trim) {
            Some(lm) => both(
                format!(
                    "status {status} with Last-Modified: {lm} and no explicit freshness: a cache \
                     may treat it as fresh by heuristic (RFC 9111 §4.2.2)"
                ),
                format!(
                    "ステータス {status} で Last-Modified: {lm} があり、明示的な鮮度の指定がない: \
                     キャッシュはヒューリスティックに新しいとみなしうる（RFC 9111 §4.2.2）"
                ),
            ),
            None => both(
                format!(
                    "status {status} is heuristically cacheable and nothing forbids storing it \
                     (RFC 9111 §3, RFC 9110 §15.1)"
                ),
                format!(
                    "ステータス {status} はヒューリスティックにキャッシュでき、保存を禁じる指定もない\
                     （RFC 9111 §3、RFC 9110 §15.1）"
                ),
            ),
        });
    }
    if p.no_cache && storable {
        reasons.push(both(
            format!("{src}no-cache: stored, but revalidated before each reuse (RFC 9111 §5.2.2.4)"),
            format!("{src}no-cache: 保存されるが、再利用のたびに再検証される（RFC 9111 §5.2.2.4）"),
        ));
    }
    if !storable {
        return Judgement::not_stored(both(
            format!(
                "status {status} with no public, s-maxage, max-age or Expires is not heuristically \
                 cacheable: not storable (RFC 9111 §3)"
            ),
            format!(
                "ステータス {status} で public、s-maxage、max-age、Expires のいずれもなく、\
                 ヒューリスティックにもキャッシュできない: 保存されない（RFC 9111 §3）"
            ),
        ));
    }
    Judgement { storable, reasons }
}

/// Why Varnish's builtin VCL and nginx would not store a response whatever its cache fields say.
fn vendor_refusal(headers: &[(String, String)]) -> Option<&'static str> {
    if !header_values(headers, "Set-Cookie").is_empty() {
        Some("Set-Cookie")
    } else if has_vary_star(headers) {
        Some("Vary: *")
    } else {
        None
    }
}

fn has_vary_star(headers: &[(String, String)]) -> bool {
    header_values(headers, "Vary")
        .iter()
        .flat_map(|v| v.split(','))
        .any(|m| m.trim() == "*")
}

/// Surrogate-Control (W3C Edge Architecture) as Varnish 7.1's builtin VCL applies it: when the
/// field is present without `no-store`, its `private`/`no-store`/`no-cache` test of
/// Cache-Control is skipped, and the object is kept for the TTL of s-maxage, max-age, Expires
/// or the default 120 s. Squid 5.7 as an accelerator was seen to store such a page too.
fn judge_surrogate(
    status: u16,
    headers: &[(String, String)],
    general: &Judgement,
) -> Option<Judgement> {
    let shown = combined(headers, "Surrogate-Control")?;
    if shown.is_empty() {
        return None;
    }
    if shown.to_ascii_lowercase().contains("no-store") {
        return Some(Judgement::not_stored(both(
            format!("Surrogate-Control: {shown}: a surrogate (Varnish, Squid) does not store it"),
            format!("Surrogate-Control: {shown}: サロゲート（Varnish、Squid）は保存しない"),
        )));
    }
    if general.storable {
        return None;
    }
    let cc = directives(headers, "Cache-Control");
    let ttl_zero = ["s-maxage", "max-age"]
        .iter()
        .find_map(|n| find(&cc, n))
        .is_some_and(|d| seconds(d) == Some(0));
    let varnish_statuses = [200, 203, 204, 300, 301, 302, 304, 307, 404, 410, 414];
    if ttl_zero || !varnish_statuses.contains(&status) || vendor_refusal(headers).is_some() {
        return None;
    }
    let (ttl, ttl_ja) = match ["s-maxage", "max-age"].iter().find_map(|n| find(&cc, n)) {
        Some(d) => {
            let shown = format!("{}={}", d.name, d.value.as_deref().unwrap_or_default());
            (shown.clone(), format!("{shown} の期間"))
        }
        None => ("its default TTL".to_owned(), "既定の TTL の間".to_owned()),
    };
    Some(Judgement {
        storable: true,
        reasons: vec![both(
            format!(
                "Surrogate-Control: {shown} without no-store: Varnish's builtin VCL then skips its \
                 Cache-Control private/no-store test and stores the page for {ttl}; Squid as an \
                 accelerator stores it too"
            ),
            format!(
                "Surrogate-Control: {shown} に no-store がない: Varnish の builtin VCL は \
                 Cache-Control の private/no-store の判定を省き、{ttl_ja}ページを保存する。\
                 アクセラレータとして動く Squid も保存する"
            ),
        )],
    })
}

/// X-Accel-Expires as nginx's proxy_cache applies it: seconds (or `@` an epoch time) that
/// replace Cache-Control and Expires; 0 disables caching.
fn judge_accel_expires(headers: &[(String, String)], now: DateTime<Utc>) -> Option<Judgement> {
    let v = header_values(headers, "X-Accel-Expires")
        .first()?
        .trim()
        .to_owned();
    let secs = match v.strip_prefix('@') {
        Some(at) => at
            .parse::<i64>()
            .ok()
            .map(|t| t.saturating_sub(now.timestamp())),
        None => v.parse::<i64>().ok(),
    };
    let secs = secs.filter(|s| *s > 0)?;
    if let Some(refusal) = vendor_refusal(headers) {
        return Some(Judgement::not_stored(both(
            format!("X-Accel-Expires: {v}, but nginx does not store a response with {refusal}"),
            format!("X-Accel-Expires: {v} があるが、nginx は {refusal} のある応答を保存しない"),
        )));
    }
    Some(Judgement {
        storable: true,
        reasons: vec![both(
            format!(
                "X-Accel-Expires: {v}: nginx's proxy_cache stores it for {secs} s in place of \
                 Cache-Control and Expires (nginx 1.22 did so for a private page when this field \
                 came first)"
            ),
            format!(
                "X-Accel-Expires: {v}: nginx の proxy_cache は Cache-Control と Expires に代えて \
                 {secs} 秒間保存する（nginx 1.22 は、このヘッダが先にある private のページを保存した）"
            ),
        )],
    })
}

/// Whether a shared cache may store this response to a GET, and why, judged by the clock (the
/// cache's clock: the probe's requests are made now). See [`shared_storable_at`].
pub fn shared_storable(
    status: u16,
    headers: &[(String, String)],
    had_authorization: bool,
) -> (bool, Vec<Text>) {
    shared_storable_at(status, headers, had_authorization, Utc::now())
}

/// Whether some shared cache may store this response to a GET, fresh or stale, with the
/// reasons for people; `now` is the cache's clock.
///
/// A general shared cache follows RFC 9111 §3: nothing forbids storing (`no-store` §5.2.2.5,
/// unless `must-understand` on an understood status §5.2.2.3; unqualified `private` §5.2.2.7;
/// `Authorization` §3.5) and there is a basis: `public`, `s-maxage`, `max-age`, any `Expires`
/// (a past or invalid one is stale, still stored, §5.3) or a heuristically cacheable status.
/// A CDN follows a valid `CDN-Cache-Control` dictionary instead of Cache-Control and Expires
/// (RFC 9213 §2.2; one that does not parse is ignored). Varnish's builtin VCL skips the
/// private/no-store test when `Surrogate-Control` is present without `no-store`; nginx stores
/// what `X-Accel-Expires` allows. Storable when any of them stores it; the reasons are those
/// of the caches that store it (or, when none does, of all), so that they never contradict
/// the verdict.
pub fn shared_storable_at(
    status: u16,
    headers: &[(String, String)],
    had_authorization: bool,
    now: DateTime<Utc>,
) -> (bool, Vec<Text>) {
    if (100..200).contains(&status) {
        return (
            false,
            vec![both(
                format!("status {status} is not a final response (RFC 9111 §3)"),
                format!("ステータス {status} は最終応答ではない（RFC 9111 §3）"),
            )],
        );
    }
    let date = header_values(headers, "Date")
        .first()
        .and_then(|d| http_date(d));
    let mut neutral = Vec::new();
    let mut judged: Vec<Judgement> = Vec::new();

    let cc = directives(headers, "Cache-Control");
    let src = combined(headers, "Cache-Control")
        .map(|shown| format!("Cache-Control: {shown}: "))
        .unwrap_or_default();
    let response = Response {
        status,
        had_authorization,
        date,
        last_modified: header_values(headers, "Last-Modified").first().copied(),
        now,
    };
    let mut general = judge(
        &response,
        &Policy::from_cache_control(&cc),
        &src,
        header_values(headers, "Expires").first().copied(),
    );
    // "Cache-Control: private: private: ..." reads as "Cache-Control: private: ...".
    if let Some(shown) = combined(headers, "Cache-Control") {
        let twice = format!("{shown}: {shown}");
        for r in &mut general.reasons {
            r.en = r.en.replacen(&twice, &shown, 1);
            r.ja = r.ja.replacen(&twice, &shown, 1);
        }
    }
    if let Some(shown) = combined(headers, "CDN-Cache-Control") {
        match Parser::new(&shown).parse::<Dictionary>() {
            Err(e) => neutral.push(both(
                format!(
                    "CDN-Cache-Control: {shown} is not a structured-field dictionary ({e}): a CDN \
                     ignores it and follows Cache-Control (RFC 9213 §2.1, §2.2)"
                ),
                format!(
                    "CDN-Cache-Control: {shown} は構造化フィールドの辞書ではない（原文: \"{e}\"）: \
                     CDN はこれを無視して Cache-Control に従う（RFC 9213 §2.1、§2.2）"
                ),
            )),
            Ok(d) if d.is_empty() => neutral.push(both(
                "CDN-Cache-Control is empty: a CDN ignores it (RFC 9213 §2.2)",
                "CDN-Cache-Control が空である: CDN はこれを無視する（RFC 9213 §2.2）",
            )),
            Ok(d) => {
                let mut ignored = Vec::new();
                let p = Policy::from_dictionary(&d, &mut ignored);
                let mut j = judge(&response, &p, "", None);
                let mut prefix = both(
                    format!(
                        "CDN-Cache-Control: {shown}: a CDN follows it instead of Cache-Control and \
                         Expires (RFC 9213 §2.2)"
                    ),
                    format!(
                        "CDN-Cache-Control: {shown}: CDN は Cache-Control と Expires に代えてこれに\
                         従う（RFC 9213 §2.2）"
                    ),
                );
                if !ignored.is_empty() {
                    let (en, ja): (Vec<String>, Vec<String>) =
                        ignored.into_iter().map(|t| (t.en, t.ja)).unzip();
                    prefix.en.push_str(&format!(
                        " and does not consume {} (RFC 9213 §2.1)",
                        en.join(", ")
                    ));
                    prefix.ja.push_str(&format!(
                        "。ただし {} は用いない（RFC 9213 §2.1）",
                        ja.join("、")
                    ));
                }
                for r in &mut j.reasons {
                    *r = both(
                        format!("{}: {}", prefix.en, r.en),
                        format!("{}: {}", prefix.ja, r.ja),
                    );
                }
                judged.push(j);
            }
        }
    }
    let surrogate = judge_surrogate(status, headers, &general);
    judged.insert(0, general);
    judged.extend(surrogate);
    judged.extend(judge_accel_expires(headers, now));

    let storable = judged.iter().any(|j| j.storable);
    let mut reasons: Vec<Text> = judged
        .into_iter()
        .filter(|j| j.storable == storable)
        .flat_map(|j| j.reasons)
        .collect();
    if storable && has_vary_star(headers) {
        reasons.push(both(
            "Vary: * does not forbid storing (RFC 9111 §3); a stored copy must be revalidated \
             before any reuse (§4.1), and Squid 5.7 serves it to the next visitor after a 304 \
             (Varnish's builtin VCL and nginx 1.22 do not store it)",
            "Vary: * は保存を禁じない（RFC 9111 §3）。保存されたコピーは再利用の前に再検証が必要だが\
             （§4.1）、Squid 5.7 は 304 の後にそれを次の訪問者へ配信する（Varnish の builtin VCL と \
             nginx 1.22 は保存しない）",
        ));
    }
    reasons.extend(neutral);
    (storable, reasons)
}

/// A page whose second request shows a stored copy served (see [`served_by_shared_cache`]) was
/// stored, whatever the headers the cache passed on say: a cache may consume the fields that let
/// it store (nginx hides X-Accel-Expires, Squid as an accelerator removes Surrogate-Control).
pub fn stored_as_served(evidence: &[Text]) -> Text {
    let hits: Vec<&Text> = evidence
        .iter()
        .filter(|e| !e.en.contains(SUPPORTING))
        .collect();
    let joined = |f: fn(&Text) -> &str| hits.iter().map(|t| f(t)).collect::<Vec<_>>().join("; ");
    both(
        format!(
            "a shared cache served a stored copy ({}), so it stores this page whatever the headers \
             it passes on say (nginx hides X-Accel-Expires; Squid removes Surrogate-Control)",
            joined(|t| &t.en)
        ),
        format!(
            "共有キャッシュが保存済みのコピーを配信した（{}）。したがって、キャッシュが伝えるヘッダが\
             どうであれ、このページは保存されている（nginx は X-Accel-Expires を隠し、Squid は \
             Surrogate-Control を取り除く）",
            joined(|t| &t.ja)
        ),
    )
}

/// Whether a page may be stored by a shared cache, from its own headers (`shared_storable`)
/// and the evidence of a stored copy served on either request (`served_by_shared_cache`): a
/// stored copy served proves the page storable, whatever headers the cache passed on (nginx
/// hides X-Accel-Expires, Squid drops Surrogate-Control). Each reason names the page's URL.
pub fn page_storable(
    url: &str,
    own: (bool, Vec<Text>),
    served: Option<&[Text]>,
) -> (bool, Vec<Text>) {
    let at = |r: Text| both(format!("{url}: {}", r.en), format!("{url}: {}", r.ja));
    match (own, served) {
        ((false, _), Some(evidence)) => (true, vec![at(stored_as_served(evidence))]),
        ((storable, reasons), _) => (storable, reasons.into_iter().map(at).collect()),
    }
}

/// The reasons that explain the verdict over several pages: those of the storable pages when
/// any page is (a fail must not read "no cache may store it" for another page), else every
/// page's.
pub fn storability_reasons(pages: Vec<(bool, Vec<Text>)>) -> Vec<Text> {
    let any = pages.iter().any(|(s, _)| *s);
    pages
        .into_iter()
        .filter(|(s, _)| *s == any)
        .flat_map(|(_, r)| r)
        .collect()
}

/// The `Cache-Status` entries (RFC 9211 §2) that show a stored response was served: `hit`, a
/// `collapsed` request (it got the response fetched for another), or `fwd=stale` with
/// `fwd-status=304` (the stored copy, revalidated).
fn cache_status_served(value: &str) -> Result<Vec<Text>, String> {
    let list: List = Parser::new(value).parse().map_err(|e| e.to_string())?;
    let mut served = Vec::new();
    for entry in &list {
        let ListEntry::Item(item) = entry else {
            continue;
        };
        let cache = match &item.bare_item {
            BareItem::Token(t) => t.to_string(),
            BareItem::String(s) => s.to_string(),
            _ => continue,
        };
        let param = |k: &str| item.params.get(k);
        let flag = |k: &str| param(k).and_then(|v| v.as_boolean()) == Some(true);
        let fwd = param("fwd")
            .and_then(|v| v.as_token())
            .map(|t| t.as_str().to_owned());
        let fwd_status = param("fwd-status")
            .and_then(|v| v.as_integer())
            .map(i64::from);
        let (why, why_ja) = if flag("hit") {
            ("a hit", "ヒット")
        } else if flag("collapsed") {
            (
                "a collapsed request, answered with the response fetched for another",
                "要求が集約され、別の要求のために取得した応答が返された",
            )
        } else if fwd.as_deref() == Some("stale") && fwd_status == Some(304) {
            (
                "its stale stored copy, revalidated with a 304",
                "古い保存済みコピーを 304 で再検証して返した",
            )
        } else {
            continue;
        };
        served.push(both(
            format!("{why} in {cache}"),
            format!("{cache} で{why_ja}"),
        ));
    }
    Ok(served)
}

/// Whether the headers show that a shared cache served a stored response, with the evidence:
/// `Age` > 0 (RFC 9111 §5.1; any member of a list, as `Age: 5, 0`), `X-Cache` containing HIT,
/// nginx `X-Cache-Status` and `CF-Cache-Status` HIT/STALE/UPDATING/REVALIDATED, `Cache-Status`
/// (RFC 9211) with hit, collapsed, or fwd=stale and fwd-status=304, `X-Varnish` with two ids.
/// `Via` (RFC 9110 §7.6.3) shows a proxy in the path and is kept as supporting evidence only,
/// as is a `Cache-Status` that does not parse.
pub fn served_by_shared_cache(headers: &[(String, String)]) -> (bool, Vec<Text>) {
    let mut evidence = Vec::new();
    for age in header_values(headers, "Age") {
        if age
            .split(',')
            .any(|a| a.trim().parse::<u64>().is_ok_and(|a| a > 0))
        {
            let age = age.trim();
            evidence.push(both(
                format!("Age: {age} (RFC 9111 §5.1)"),
                format!("Age: {age}（RFC 9111 §5.1）"),
            ));
        }
    }
    for v in header_values(headers, "X-Cache") {
        if v.to_ascii_uppercase().contains("HIT") {
            // The header alone, as the cache sent it: the same in both languages.
            let shown = format!("X-Cache: {}", v.trim());
            evidence.push(both(shown.clone(), shown));
        }
    }
    for field in ["X-Cache-Status", "CF-Cache-Status"] {
        for v in header_values(headers, field) {
            let upper = v.trim().to_ascii_uppercase();
            if ["HIT", "STALE", "UPDATING", "REVALIDATED"].contains(&upper.as_str()) {
                let v = v.trim();
                evidence.push(both(
                    format!("{field}: {v} (a stored copy served)"),
                    format!("{field}: {v}（保存済みのコピーが配信された）"),
                ));
            }
        }
    }
    let mut unparsed = None;
    if let Some(v) = combined(headers, "Cache-Status") {
        match cache_status_served(&v) {
            Ok(served) => evidence.extend(served.into_iter().map(|s| {
                both(
                    format!("Cache-Status: {v} ({}, RFC 9211 §2)", s.en),
                    format!("Cache-Status: {v}（{}、RFC 9211 §2）", s.ja),
                )
            })),
            Err(e) => unparsed = Some(both(
                format!(
                    "Cache-Status: {v} is not a structured-field list ({e}): ignored (RFC 9211 §2, RFC 8941; {SUPPORTING})"
                ),
                format!(
                    "Cache-Status: {v} は構造化フィールドのリストではない（原文: \"{e}\"）ため無視する\
                     （RFC 9211 §2、RFC 8941。{SUPPORTING_JA}）"
                ),
            )),
        }
    }
    for v in header_values(headers, "X-Varnish") {
        let ids: Vec<&str> = v.split_ascii_whitespace().collect();
        if ids.len() >= 2 && ids.iter().all(|i| i.bytes().all(|b| b.is_ascii_digit())) {
            let v = v.trim();
            evidence.push(both(
                format!("X-Varnish: {v} (two ids: this request and the one that filled the cache)"),
                format!("X-Varnish: {v}（ID が2つ: この要求と、キャッシュに格納させた要求）"),
            ));
        }
    }
    let hit = !evidence.is_empty();
    for v in header_values(headers, "Via") {
        let v = v.trim();
        evidence.push(both(
            format!("Via: {v} (a proxy in the path; {SUPPORTING})"),
            format!("Via: {v}（経路上にプロキシがある。{SUPPORTING_JA}）"),
        ));
    }
    evidence.extend(unparsed);
    (hit, evidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reason that is the same in both languages, for the tests of how reasons are combined.
    fn same(s: &str) -> Text {
        both(s, s)
    }

    fn en(reasons: Vec<Text>) -> Vec<String> {
        reasons.into_iter().map(|r| r.en).collect()
    }

    #[test]
    fn a_stored_copy_served_proves_the_page_storable_whatever_its_headers() {
        let private = (
            false,
            vec![same(
                "Cache-Control: private: only a private cache may store it",
            )],
        );
        let hit = [same("X-Cache-Status: HIT (a stored copy served)")];
        let (s, reasons) = page_storable("http://x/apply", private.clone(), Some(&hit));
        assert!(s, "{reasons:?}");
        assert_eq!(reasons.len(), 1);
        assert!(
            reasons[0]
                .en
                .starts_with("http://x/apply: a shared cache served a stored copy")
                && reasons[0].en.contains("X-Cache-Status: HIT"),
            "{reasons:?}"
        );
        assert!(
            reasons[0].ja.starts_with(
                "http://x/apply: 共有キャッシュが保存済みのコピーを配信した（X-Cache-Status: HIT"
            ),
            "{reasons:?}"
        );
        // Without a stored copy served, the page's own headers decide, named by URL.
        let (s, reasons) = page_storable("http://x/apply", private, None);
        assert!(!s);
        assert_eq!(
            en(reasons),
            ["http://x/apply: Cache-Control: private: only a private cache may store it"]
        );
        // A page storable on its own keeps its own reasons.
        let (s, reasons) = page_storable(
            "http://x/apply",
            (true, vec![same("Expires: 0: stored, stale at once")]),
            Some(&hit),
        );
        assert!(s);
        assert_eq!(
            en(reasons),
            ["http://x/apply: Expires: 0: stored, stale at once"]
        );
    }

    #[test]
    fn storability_reasons_never_contradict_the_verdict() {
        let form = (
            false,
            vec![same("form: Cache-Control: no-store: no cache may store it")],
        );
        let view = (true, vec![same("view: Expires: 0 ... stale at once")]);
        assert_eq!(
            storability_reasons(vec![form.clone(), view.clone()]),
            view.1
        );
        let other = (false, vec![same("view: private")]);
        assert_eq!(
            storability_reasons(vec![form.clone(), other.clone()]),
            [form.1, other.1].concat()
        );
    }

    use chrono::TimeZone;
    use proptest::prelude::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap()
    }

    /// The verdict and the English reasons.
    fn storable(status: u16, pairs: &[(&str, &str)], auth: bool) -> (bool, Vec<String>) {
        let (s, r) = shared_storable_at(status, &h(pairs), auth, now());
        (s, en(r))
    }

    /// The reasons as one text, for `contains` checks.
    fn text(r: &[String]) -> String {
        r.join(" | ")
    }

    #[test]
    fn no_store_forbids_storing_rfc9111_5_2_2_5() {
        let (s, r) = storable(
            200,
            &[("Cache-Control", "public, max-age=60, no-store")],
            false,
        );
        assert!(!s);
        assert_eq!(r.len(), 1, "{r:?}");
        assert!(r[0].contains("no-store: no cache may store it"), "{r:?}");
    }

    #[test]
    fn private_forbids_shared_storing_rfc9111_5_2_2_7() {
        let (s, r) = storable(200, &[("cache-control", "PRIVATE, max-age=600")], false);
        assert!(!s, "{r:?}");
        // The qualified form only keeps the named fields out.
        let (s, r) = storable(
            200,
            &[("Cache-Control", "private=\"Set-Cookie\", max-age=60")],
            false,
        );
        assert!(s, "{r:?}");
    }

    #[test]
    fn explicit_freshness_makes_it_storable_rfc9111_3() {
        assert!(storable(302, &[("Cache-Control", "public")], false).0);
        assert!(storable(302, &[("Cache-Control", "s-maxage=60")], false).0);
        let (s, r) = storable(302, &[("Cache-Control", "max-age=0")], false);
        assert!(s && r[0].contains("stale at once"), "{r:?}");
        let (s, r) = storable(
            302,
            &[
                ("Date", "Fri, 01 May 2026 00:00:00 GMT"),
                ("Expires", "Fri, 01 May 2026 01:00:00 GMT"),
            ],
            false,
        );
        assert!(s, "{r:?}");
        assert!(text(&r).contains("fresh for 3600 s"), "{r:?}");
    }

    #[test]
    fn any_expires_is_a_basis_for_storing_stale_rfc9111_3_and_5_3() {
        // Row 1 of issue 10: 0, a past date and garbage are stale, not unstorable; Varnish keeps
        // them for its default TTL and Squid serves them after a 304 (tests/cache_rules_lab.rs).
        for e in ["0", "Thu, 01 Jan 1970 00:00:00 GMT", "tomorrow", "-1"] {
            for status in [200, 302] {
                let (s, r) = storable(status, &[("Expires", e)], false);
                assert!(s, "Expires: {e} on {status}: {r:?}");
                assert!(text(&r).contains("stale at once"), "{r:?}");
                assert!(!text(&r).contains("not storable"), "{r:?}");
            }
        }
        // A status outside the heuristic list, with no Expires, stays unstorable.
        assert!(!storable(302, &[], false).0);
    }

    #[test]
    fn all_three_http_date_formats_rfc9110_5_6_7() {
        let want = Utc.with_ymd_and_hms(2050, 8, 18, 2, 1, 18).unwrap();
        assert_eq!(http_date("Thu, 18 Aug 2050 02:01:18 GMT"), Some(want));
        assert_eq!(http_date("Thursday, 18-Aug-50 02:01:18 GMT"), Some(want));
        assert_eq!(
            http_date("Mon Aug  8 02:01:18 2050"),
            Some(Utc.with_ymd_and_hms(2050, 8, 8, 2, 1, 18).unwrap())
        );
        // 8 August 2050 is a Monday: with the weekday of the example the date is not
        // valid (httpdate checks it), and the page is still storable.
        assert_eq!(http_date("Thu Aug  8 02:01:18 2050"), None);
        assert!(storable(302, &[("Expires", "Thu Aug  8 02:01:18 2050")], false).0);
        assert_eq!(http_date("tomorrow"), None);
        assert_eq!(http_date("0"), None);
        for e in [
            "Thursday, 18-Aug-50 02:01:18 GMT",
            "Mon Aug  8 02:01:18 2050",
        ] {
            let (s, r) = storable(302, &[("Expires", e)], false);
            assert!(s, "{r:?}");
            assert!(text(&r).contains("fresh for"), "{e}: {r:?}");
        }
    }

    #[test]
    fn freshness_by_the_caches_clock_not_a_skewed_date_rfc9111_4_2() {
        // Date says an hour of freshness, but the cache's clock is already past Expires.
        let (s, r) = storable(
            200,
            &[
                ("Date", "Thu, 30 Apr 2026 00:00:00 GMT"),
                ("Expires", "Thu, 30 Apr 2026 01:00:00 GMT"),
            ],
            false,
        );
        assert!(s);
        assert!(text(&r).contains("past by the cache's clock"), "{r:?}");
        // A Date far behind the clock is named; the lifetime is counted from the clock.
        let (_, r) = storable(
            200,
            &[
                ("Date", "Thu, 30 Apr 2026 00:00:00 GMT"),
                ("Expires", "Fri, 01 May 2026 00:10:00 GMT"),
            ],
            false,
        );
        assert!(text(&r).contains("fresh for 600 s"), "{r:?}");
        assert!(text(&r).contains("-86400 s off"), "{r:?}");
    }

    #[test]
    fn no_store_with_must_understand_on_an_understood_status_rfc9111_5_2_2_3() {
        let (s, r) = storable(
            200,
            &[("Cache-Control", "no-store, must-understand, max-age=600")],
            false,
        );
        assert!(s, "{r:?}");
        assert!(text(&r).contains("must-understand on status 200"), "{r:?}");
        // A status that no cache understands keeps no-store in force.
        assert!(
            !storable(
                299,
                &[("Cache-Control", "no-store, must-understand")],
                false
            )
            .0
        );
        // must-understand without no-store changes nothing for an understood status.
        assert!(
            storable(
                200,
                &[("Cache-Control", "must-understand, max-age=5")],
                false
            )
            .0
        );
    }

    #[test]
    fn heuristic_freshness_from_last_modified_rfc9111_4_2_2() {
        let (s, r) = storable(
            200,
            &[("Last-Modified", "Tue, 01 Apr 2025 00:00:00 GMT")],
            false,
        );
        assert!(s);
        assert!(r[0].contains("heuristic"), "{r:?}");
        // A heuristically cacheable status with nothing forbidding it is storable (RFC 9110 §15.1).
        assert!(storable(404, &[], false).0);
        // Not for a status outside the list without explicit freshness.
        let (s, r) = storable(
            302,
            &[("Last-Modified", "Tue, 01 Apr 2025 00:00:00 GMT")],
            false,
        );
        assert!(!s, "{r:?}");
        assert!(!storable(500, &[], false).0);
        assert!(!storable(101, &[], false).0);
    }

    #[test]
    fn authorization_needs_explicit_permission_rfc9111_3_5() {
        let (s, r) = storable(200, &[("Cache-Control", "max-age=60")], true);
        assert!(!s);
        assert!(r[0].contains("Authorization"), "{r:?}");
        assert!(storable(200, &[("Cache-Control", "s-maxage=60")], true).0);
        assert!(storable(200, &[("Cache-Control", "public")], true).0);
        assert!(
            storable(
                200,
                &[("Cache-Control", "must-revalidate, max-age=5")],
                true
            )
            .0
        );
    }

    #[test]
    fn surrogate_control_skips_varnish_private_test() {
        // Row 4: Varnish 7.1's builtin VCL (and Squid 5.7 as an accelerator) store these.
        let (s, r) = storable(
            200,
            &[
                ("Cache-Control", "private, max-age=600"),
                ("Surrogate-Control", "content=\"ESI/1.0\""),
            ],
            false,
        );
        assert!(s, "{r:?}");
        assert!(text(&r).contains("Varnish's builtin VCL"), "{r:?}");
        assert!(text(&r).contains("max-age=600"), "{r:?}");
        // Only the reasons of the cache that stores it: no "must not store" beside a fail.
        assert!(!text(&r).contains("must not store"), "{r:?}");
        let (s, r) = storable(
            200,
            &[
                ("Cache-Control", "private"),
                ("Surrogate-Control", "max-age=0"),
            ],
            false,
        );
        assert!(s && text(&r).contains("default TTL"), "{r:?}");
        // Surrogate-Control: no-store, a zero TTL, or a Set-Cookie: Varnish does not store it.
        for extra in [
            ("Surrogate-Control", "no-store"),
            ("Set-Cookie", "SESSION=1"),
        ] {
            let hs = [("Cache-Control", "private, max-age=600"), extra];
            let hs: Vec<_> = if extra.0 == "Set-Cookie" {
                vec![hs[0], ("Surrogate-Control", "content=\"ESI/1.0\""), extra]
            } else {
                hs.to_vec()
            };
            assert!(!storable(200, &hs, false).0, "{hs:?}");
        }
        assert!(
            !storable(
                200,
                &[
                    ("Cache-Control", "no-store, max-age=0"),
                    ("Surrogate-Control", "content=\"ESI/1.0\"")
                ],
                false
            )
            .0
        );
    }

    #[test]
    fn x_accel_expires_makes_nginx_store_a_private_page() {
        let (s, r) = storable(
            200,
            &[("X-Accel-Expires", "600"), ("Cache-Control", "private")],
            false,
        );
        assert!(s, "{r:?}");
        assert!(
            text(&r).contains("nginx") && text(&r).contains("600 s"),
            "{r:?}"
        );
        let at = (now().timestamp() + 60).to_string();
        assert!(
            storable(
                200,
                &[
                    ("Cache-Control", "no-store"),
                    ("X-Accel-Expires", &format!("@{at}"))
                ],
                false
            )
            .0
        );
        // 0 disables nginx's caching; garbage is ignored.
        for v in ["0", "soon", "@1"] {
            assert!(
                !storable(
                    200,
                    &[("Cache-Control", "private"), ("X-Accel-Expires", v)],
                    false
                )
                .0,
                "{v}"
            );
        }
    }

    #[test]
    fn vary_star_is_storable_and_says_why_rfc9111_4_1() {
        // Row 5: the check must still fail; the message says a stored copy needs revalidation
        // and which caches were seen to store it.
        let (s, r) = storable(
            200,
            &[("Cache-Control", "max-age=600"), ("Vary", "*")],
            false,
        );
        assert!(s, "{r:?}");
        assert!(
            text(&r).contains("§4.1") && text(&r).contains("Squid"),
            "{r:?}"
        );
        assert!(storable(200, &[("Vary", "Accept, *")], false).0);
    }

    #[test]
    fn targeted_fields_override_cache_control_rfc9213_2_2() {
        let (s, r) = storable(
            200,
            &[
                ("Cache-Control", "no-store"),
                ("CDN-Cache-Control", "max-age=600"),
            ],
            false,
        );
        assert!(s, "{r:?}");
        assert!(text(&r).contains("a CDN follows it"), "{r:?}");
        assert!(!text(&r).contains("no cache may store"), "{r:?}");
        assert!(
            !storable(
                200,
                &[
                    ("Cache-Control", "no-store"),
                    ("CDN-Cache-Control", "no-store")
                ],
                false
            )
            .0
        );
        // A CDN ignores Expires when it follows CDN-Cache-Control: no basis for storing there.
        assert!(
            !storable(
                302,
                &[
                    ("Cache-Control", "no-store"),
                    ("CDN-Cache-Control", "must-revalidate"),
                    ("Expires", "Fri, 01 May 2026 01:00:00 GMT")
                ],
                false
            )
            .0
        );
        // Nor does Expires outweigh private there.
        assert!(
            !storable(
                302,
                &[
                    ("Cache-Control", "no-store"),
                    ("CDN-Cache-Control", "private"),
                    ("Expires", "Fri, 01 May 2026 01:00:00 GMT")
                ],
                false
            )
            .0
        );
    }

    #[test]
    fn unparsable_cdn_cache_control_is_ignored_rfc9213_2_1() {
        // Row 6: not a dictionary, or a max-age that is not an Integer: no TTL is named.
        for v in [
            "max-age=600;;",
            "max-age=60.5.1",
            "max-age=600, =x",
            "MAX-AGE=600",
        ] {
            let (s, r) = storable(
                200,
                &[("Cache-Control", "no-store"), ("CDN-Cache-Control", v)],
                false,
            );
            assert!(!s, "{v}: {r:?}");
            assert!(text(&r).contains("ignores it"), "{v}: {r:?}");
            assert!(!text(&r).contains("stores it for"), "{v}: {r:?}");
        }
        for v in ["max-age=\"600\"", "max-age=60.5", "max-age=-1"] {
            let (s, r) = storable(
                302,
                &[("Cache-Control", "no-store"), ("CDN-Cache-Control", v)],
                false,
            );
            assert!(!s, "{v}: {r:?}");
            assert!(text(&r).contains("does not consume max-age"), "{v}: {r:?}");
        }
    }

    #[test]
    fn no_message_contradicts_its_verdict() {
        // Row 8: a pass never reads "stale at once" or names a basis for storing, a fail never
        // says "must not store".
        let cases: &[&[(&str, &str)]] = &[
            &[("Cache-Control", "no-store"), ("Expires", "0")],
            &[
                ("Cache-Control", "no-store, private"),
                ("Last-Modified", "Tue, 01 Apr 2025 00:00:00 GMT"),
            ],
            &[
                ("Cache-Control", "private, max-age=0"),
                ("Expires", "Thu, 01 Jan 1970 00:00:00 GMT"),
            ],
            &[
                ("Cache-Control", "private"),
                ("Surrogate-Control", "no-store"),
            ],
            &[
                ("Cache-Control", "no-store"),
                ("CDN-Cache-Control", "max-age=\"9\""),
            ],
            &[("Expires", "0")],
            &[("Cache-Control", "private"), ("X-Accel-Expires", "60")],
            &[
                ("Cache-Control", "private, max-age=1"),
                ("Surrogate-Control", "a"),
            ],
        ];
        for hs in cases {
            let (s, r) = storable(200, hs, false);
            let t = text(&r);
            if s {
                assert!(
                    !t.contains("must not store") && !t.contains("no cache may"),
                    "{hs:?}: {t}"
                );
            } else {
                assert!(
                    !t.contains("stale at once") && !t.contains("fresh for"),
                    "{hs:?}: {t}"
                );
                assert!(!t.contains("stores it"), "{hs:?}: {t}");
            }
        }
    }

    #[test]
    fn directives_span_lines_and_respect_quotes() {
        let ds = directives(
            &h(&[
                ("Cache-Control", "no-cache=\"a, b\", max-age=5"),
                ("cache-control", "public"),
            ]),
            "Cache-Control",
        );
        let names: Vec<&str> = ds.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["no-cache", "max-age", "public"]);
        assert_eq!(ds[0].value.as_deref(), Some("a, b"));
    }

    #[test]
    fn hits_rfc9211_and_vendor_headers() {
        assert!(!served_by_shared_cache(&h(&[("Age", "0")])).0);
        assert!(served_by_shared_cache(&h(&[("Age", "37")])).0);
        assert!(served_by_shared_cache(&h(&[("X-Cache", "TCP_HIT from squid")])).0);
        assert!(!served_by_shared_cache(&h(&[("X-Cache", "MISS from squid")])).0);
        assert!(served_by_shared_cache(&h(&[("X-Cache-Status", "HIT")])).0);
        assert!(served_by_shared_cache(&h(&[("CF-Cache-Status", "HIT")])).0);
        assert!(!served_by_shared_cache(&h(&[("CF-Cache-Status", "DYNAMIC")])).0);
        assert!(served_by_shared_cache(&h(&[("Cache-Status", "ExampleCache; hit; ttl=30")])).0);
        assert!(
            served_by_shared_cache(&h(&[(
                "Cache-Status",
                "Origin; fwd=uri-miss, \"CDN, Inc\"; hit"
            )]))
            .0
        );
        assert!(
            !served_by_shared_cache(&h(&[(
                "Cache-Status",
                "ExampleCache; fwd=uri-miss; stored"
            )]))
            .0
        );
        assert!(!served_by_shared_cache(&h(&[("Cache-Status", "ExampleCache; hit=?0")])).0);
        assert!(served_by_shared_cache(&h(&[("X-Varnish", "32770 3")])).0);
        assert!(!served_by_shared_cache(&h(&[("X-Varnish", "32770")])).0);
    }

    #[test]
    fn a_stored_copy_served_stale_revalidated_or_collapsed_rfc9211_2() {
        // Row 7.
        for cs in [
            "ExampleCache; fwd=stale; fwd-status=304",
            "ExampleCache; fwd=uri-miss; collapsed",
            "Origin, \"CDN Co\"; fwd=stale; fwd-status=304; stored",
        ] {
            let (hit, ev) = served_by_shared_cache(&h(&[("Cache-Status", cs)]));
            assert!(hit, "{cs}: {ev:?}");
        }
        for cs in [
            "ExampleCache; fwd=stale; fwd-status=200",
            "ExampleCache; fwd=miss; fwd-status=304",
            "ExampleCache; collapsed=?0",
        ] {
            assert!(
                !served_by_shared_cache(&h(&[("Cache-Status", cs)])).0,
                "{cs}"
            );
        }
        // A field that is not a structured list is ignored, and said so as supporting evidence.
        let (hit, ev) = served_by_shared_cache(&h(&[("Cache-Status", "hit;;")]));
        assert!(!hit);
        assert!(ev[0].en.contains("ignored"), "{ev:?}");
        for v in ["REVALIDATED", "UPDATING", "STALE", "hit"] {
            assert!(
                served_by_shared_cache(&h(&[("CF-Cache-Status", v)])).0,
                "{v}"
            );
        }
        assert!(!served_by_shared_cache(&h(&[("CF-Cache-Status", "EXPIRED")])).0);
        for v in ["STALE", "UPDATING", "REVALIDATED"] {
            assert!(
                served_by_shared_cache(&h(&[("X-Cache-Status", v)])).0,
                "{v}"
            );
        }
        for v in ["MISS", "BYPASS", "EXPIRED"] {
            assert!(
                !served_by_shared_cache(&h(&[("X-Cache-Status", v)])).0,
                "{v}"
            );
        }
        // Age as a list (RFC 9110 §5.3 combination of two lines or a proxy's join).
        assert!(served_by_shared_cache(&h(&[("Age", "5, 0")])).0);
        assert!(served_by_shared_cache(&h(&[("Age", "0"), ("Age", "5")])).0);
        assert!(!served_by_shared_cache(&h(&[("Age", "0, 0")])).0);
    }

    #[test]
    fn a_served_copy_proves_storing() {
        let (_, ev) = served_by_shared_cache(&h(&[("X-Cache-Status", "HIT"), ("Via", "1.1 p")]));
        let r = stored_as_served(&ev);
        assert!(
            r.en.contains("X-Cache-Status: HIT") && !r.en.contains("Via"),
            "{r:?}"
        );
        assert!(
            r.ja.contains("X-Cache-Status: HIT") && !r.ja.contains("Via"),
            "{r:?}"
        );
        // An unparsable Cache-Status beside a hit is not named as one.
        let (_, ev) = served_by_shared_cache(&h(&[("Age", "3"), ("Cache-Status", "hit;;")]));
        let r = stored_as_served(&ev);
        assert!(
            r.en.contains("Age: 3") && !r.en.contains("Cache-Status"),
            "{r:?}"
        );
    }

    #[test]
    fn via_alone_is_not_a_hit_rfc9110_7_6_3() {
        let (hit, ev) = served_by_shared_cache(&h(&[("Via", "1.1 varnish (Varnish/7.1)")]));
        assert!(!hit);
        assert!(ev[0].en.contains("supporting"), "{ev:?}");
        let (hit, ev) = served_by_shared_cache(&h(&[("Age", "3"), ("Via", "1.1 squid")]));
        assert!(hit);
        assert_eq!(ev.len(), 2);
    }

    fn has_japanese(text: &str) -> bool {
        text.chars()
            .any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'))
    }

    /// Every reason and every piece of evidence, in each of its variants, is said in Japanese as
    /// well: Japanese words around the same quoted fields, no English sentence left.
    #[test]
    fn every_reason_and_evidence_is_said_in_japanese() {
        let past = "Thu, 01 Jan 1970 00:00:00 GMT";
        // Status, headers, whether the request carried Authorization.
        type Case<'a> = (u16, &'a [(&'a str, &'a str)], bool);
        let stored: &[Case] = &[
            (101, &[], false),
            (
                200,
                &[("Cache-Control", "no-store, must-understand, max-age=600")],
                false,
            ),
            (200, &[("Cache-Control", "no-store")], false),
            (200, &[("Cache-Control", "private")], false),
            (200, &[("Cache-Control", "max-age=60")], true),
            (
                200,
                &[("Cache-Control", "private=\"Set-Cookie\", max-age=60")],
                false,
            ),
            (302, &[("Cache-Control", "public, s-maxage=0")], false),
            (302, &[("Cache-Control", "max-age=soon")], false),
            (302, &[("Expires", "tomorrow")], false),
            (302, &[("Expires", past)], false),
            (
                302,
                &[
                    ("Date", "Thu, 30 Apr 2026 00:00:00 GMT"),
                    ("Expires", "Fri, 01 May 2026 00:10:00 GMT"),
                ],
                false,
            ),
            (
                200,
                &[("Last-Modified", "Tue, 01 Apr 2025 00:00:00 GMT")],
                false,
            ),
            (404, &[], false),
            (200, &[("Cache-Control", "no-cache, max-age=5")], false),
            (302, &[], false),
            (
                200,
                &[
                    ("Cache-Control", "private"),
                    ("Surrogate-Control", "no-store"),
                ],
                false,
            ),
            (
                200,
                &[
                    ("Cache-Control", "private, max-age=600"),
                    ("Surrogate-Control", "content=\"ESI/1.0\""),
                ],
                false,
            ),
            (
                200,
                &[
                    ("Cache-Control", "private"),
                    ("Surrogate-Control", "max-age=0"),
                ],
                false,
            ),
            (
                200,
                &[
                    ("Cache-Control", "private"),
                    ("X-Accel-Expires", "60"),
                    ("Set-Cookie", "s=1"),
                ],
                false,
            ),
            (
                200,
                &[("Cache-Control", "private"), ("X-Accel-Expires", "600")],
                false,
            ),
            (
                200,
                &[
                    ("Cache-Control", "no-store"),
                    ("CDN-Cache-Control", "max-age=600;;"),
                ],
                false,
            ),
            (
                200,
                &[("Cache-Control", "no-store"), ("CDN-Cache-Control", "")],
                false,
            ),
            (
                200,
                &[
                    ("Cache-Control", "no-store"),
                    (
                        "CDN-Cache-Control",
                        "max-age=\"9\", public=1, private=3, a=(b)",
                    ),
                ],
                false,
            ),
            (
                200,
                &[("Cache-Control", "max-age=600"), ("Vary", "*")],
                false,
            ),
        ];
        let mut said: Vec<Text> = Vec::new();
        for (status, hs, auth) in stored {
            let (_, r) = shared_storable_at(*status, &h(hs), *auth, now());
            assert!(!r.is_empty(), "{hs:?}");
            said.extend(r);
        }
        let served: &[&[(&str, &str)]] = &[
            &[
                ("Age", "37"),
                ("X-Cache", "TCP_HIT from squid"),
                ("X-Cache-Status", "HIT"),
            ],
            &[(
                "Cache-Status",
                "ExampleCache; hit, Other; fwd=uri-miss; collapsed",
            )],
            &[("Cache-Status", "ExampleCache; fwd=stale; fwd-status=304")],
            &[
                ("Cache-Status", "hit;;"),
                ("X-Varnish", "32770 3"),
                ("Via", "1.1 squid"),
            ],
        ];
        for hs in served {
            let (_, ev) = served_by_shared_cache(&h(hs));
            assert!(!ev.is_empty(), "{hs:?}");
            said.push(stored_as_served(&ev));
            said.extend(ev);
        }
        for t in &said {
            assert_eq!(
                crate::i18n::english_prose(&t.ja),
                Vec::<String>::new(),
                "{t:?}"
            );
            // A reason that is only data (`X-Cache: HIT`, `Cache-Control: public (RFC 9111
            // §5.2.2.9)`) has no sentence to translate; any other has Japanese words.
            if !crate::i18n::english_prose(&t.en).is_empty() {
                assert!(has_japanese(&t.ja) && t.ja != t.en, "{t:?}");
            }
            // A reason that starts with a header field starts with it in both languages.
            if let Some((field, _)) = t.en.split_once(": ").filter(|(f, _)| !f.contains(' ')) {
                assert!(t.ja.starts_with(field), "{t:?}");
            }
        }
        let (_, r) = shared_storable_at(
            200,
            &h(&[("Cache-Control", "no-store, private")]),
            false,
            now(),
        );
        assert_eq!(
            r[0].ja,
            "Cache-Control: no-store, private: no-store: どのキャッシュも保存してはならない（RFC 9111 §5.2.2.5）"
        );
        // "Cache-Control: private: private: ..." reads "Cache-Control: private: ..." in both.
        let (_, r) = shared_storable_at(200, &h(&[("Cache-Control", "private")]), false, now());
        assert_eq!(
            (r[0].en.as_str(), r[0].ja.as_str()),
            (
                "Cache-Control: private: a shared cache must not store it (RFC 9111 §5.2.2.7)",
                "Cache-Control: private: 共有キャッシュは保存してはならない（RFC 9111 §5.2.2.7）"
            )
        );
    }

    proptest! {
        #[test]
        fn never_panics_on_any_header_values(v in ".{0,80}", status in 0u16..1000) {
            for name in ["Cache-Control", "Expires", "Age", "Cache-Status", "X-Varnish", "CDN-Cache-Control", "Date", "Surrogate-Control", "X-Accel-Expires", "Vary", "CF-Cache-Status"] {
                let hs = h(&[(name, &v)]);
                let _ = shared_storable_at(status, &hs, true, now());
                let _ = served_by_shared_cache(&hs);
            }
        }
    }
}
