//! HTTP caching analysis: may a shared cache store a response (RFC 9111 §3, with the targeted
//! fields of RFC 9213 and Surrogate-Control), and do the response headers show that a shared
//! cache served it (Age, X-Cache, CF-Cache-Status, Cache-Status of RFC 9211, X-Varnish). Pure.

use chrono::{DateTime, Utc};

/// Status codes that are heuristically cacheable (RFC 9110 §15.1).
pub const HEURISTIC_STATUSES: &[u16] =
    &[200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501];

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

fn http_date(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(s.trim())
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// Whether a shared cache may store this response to a GET, and why, judged at the response's
/// `Date` (or the clock when it has none). See [`shared_storable_at`].
pub fn shared_storable(
    status: u16,
    headers: &[(String, String)],
    had_authorization: bool,
) -> (bool, Vec<String>) {
    shared_storable_at(status, headers, had_authorization, Utc::now())
}

/// Whether a shared cache may store this response to a GET (RFC 9111 §3), with the reasons for
/// people. `now` is used for `Expires` when the response has no valid `Date`.
///
/// Storable when nothing forbids it (`no-store` §5.2.2.5, unqualified `private` §5.2.2.7, a
/// request with `Authorization` answered without `public`/`s-maxage`/`must-revalidate` §3.5) and
/// the response has `public`, `s-maxage`, `max-age`, a future `Expires`, or a heuristically
/// cacheable status (RFC 9110 §15.1; heuristic freshness from `Last-Modified`, §4.2.2). A TTL in
/// `CDN-Cache-Control` (RFC 9213) or `Surrogate-Control` makes it storable by that CDN whatever
/// `Cache-Control` says.
pub fn shared_storable_at(
    status: u16,
    headers: &[(String, String)],
    had_authorization: bool,
    now: DateTime<Utc>,
) -> (bool, Vec<String>) {
    let mut reasons = Vec::new();
    let mut targeted = false;
    for field in ["CDN-Cache-Control", "Surrogate-Control"] {
        let ds = directives(headers, field);
        if ds.is_empty() {
            continue;
        }
        let shown = header_values(headers, field).join(", ");
        if find(&ds, "no-store").is_some() || find(&ds, "private").is_some() {
            reasons.push(format!(
                "{field}: {shown}: the CDN it targets must not store it (RFC 9213 §2)"
            ));
            continue;
        }
        let ttl = ["s-maxage", "max-age"]
            .iter()
            .filter_map(|n| find(&ds, n).and_then(seconds))
            .max();
        if let Some(ttl) = ttl.filter(|t| *t > 0) {
            targeted = true;
            reasons.push(format!(
                "{field}: {shown}: the CDN it targets stores it for {ttl} s, whatever Cache-Control says (RFC 9213 §2)"
            ));
        }
    }

    let cc = directives(headers, "Cache-Control");
    let unqualified = |name: &str| find(&cc, name).is_some_and(|d| d.value.is_none());
    if (100..200).contains(&status) {
        reasons.push(format!(
            "status {status} is not a final response (RFC 9111 §3)"
        ));
        return (targeted, reasons);
    }
    if unqualified("no-store") {
        reasons.push("Cache-Control: no-store: no cache may store it (RFC 9111 §5.2.2.5)".into());
        return (targeted, reasons);
    }
    if unqualified("private") {
        reasons.push(
            "Cache-Control: private: a shared cache must not store it (RFC 9111 §5.2.2.7)".into(),
        );
        return (targeted, reasons);
    }
    let public = find(&cc, "public").is_some();
    let s_maxage = find(&cc, "s-maxage");
    let must_revalidate = find(&cc, "must-revalidate").is_some();
    if had_authorization && !(public || s_maxage.is_some() || must_revalidate) {
        reasons.push(
            "the request carried Authorization and the response has no public, s-maxage or \
             must-revalidate: a shared cache must not store it (RFC 9111 §3.5)"
                .into(),
        );
        return (targeted, reasons);
    }

    let mut storable = targeted;
    if let Some(d) = find(&cc, "private").filter(|d| d.value.is_some()) {
        reasons.push(format!(
            "Cache-Control: private=\"{}\" only keeps those fields out of a shared cache; the response itself may be stored (RFC 9111 §5.2.2.7)",
            d.value.as_deref().unwrap_or_default()
        ));
    }
    if public {
        storable = true;
        reasons.push("Cache-Control: public (RFC 9111 §5.2.2.9)".into());
    }
    if let Some(d) = s_maxage {
        storable = true;
        reasons.push(format!(
            "Cache-Control: s-maxage={} (RFC 9111 §5.2.2.10)",
            d.value.as_deref().unwrap_or_default()
        ));
    }
    let max_age = find(&cc, "max-age");
    if let Some(d) = max_age {
        storable = true;
        let note = if seconds(d) == Some(0) {
            ": stored, though stale at once"
        } else {
            ""
        };
        reasons.push(format!(
            "Cache-Control: max-age={} (RFC 9111 §5.2.2.1){note}",
            d.value.as_deref().unwrap_or_default()
        ));
    }
    let expires = header_values(headers, "Expires");
    let mut future_expires = false;
    if let Some(e) = expires.first() {
        let reference = header_values(headers, "Date")
            .first()
            .and_then(|d| http_date(d))
            .unwrap_or(now);
        match http_date(e) {
            Some(at) if at > reference => {
                future_expires = true;
                storable = true;
                reasons.push(format!(
                    "Expires: {} is in the future (RFC 9111 §5.3)",
                    e.trim()
                ));
            }
            _ => reasons.push(format!(
                "Expires: {} is past or invalid: stale at once (RFC 9111 §5.3)",
                e.trim()
            )),
        }
    }
    let explicit = s_maxage.is_some() || max_age.is_some() || future_expires || !expires.is_empty();
    if HEURISTIC_STATUSES.contains(&status) && !explicit {
        storable = true;
        match header_values(headers, "Last-Modified").first() {
            Some(lm) => reasons.push(format!(
                "status {status} with Last-Modified: {} and no explicit freshness: a cache may \
                 treat it as fresh by heuristic (RFC 9111 §4.2.2)",
                lm.trim()
            )),
            None => reasons.push(format!(
                "status {status} is heuristically cacheable and nothing forbids storing it \
                 (RFC 9111 §3, RFC 9110 §15.1)"
            )),
        }
    }
    if unqualified("no-cache") && storable {
        reasons.push(
            "Cache-Control: no-cache: stored, but revalidated before each reuse (RFC 9111 §5.2.2.4)"
                .into(),
        );
    }
    if !storable && reasons.is_empty() {
        reasons.push(format!(
            "status {status} with no explicit freshness is not storable (RFC 9111 §3)"
        ));
    }
    (storable, reasons)
}

/// Whether the headers show that a shared cache served the response, with the evidence:
/// `Age` > 0 (RFC 9111 §5.1), `X-Cache`/`X-Cache-Status`/`CF-Cache-Status` containing HIT,
/// `Cache-Status` with a `hit` parameter (RFC 9211 §2.1), `X-Varnish` with two ids. `Via`
/// (RFC 9110 §7.6.3) shows a proxy in the path and is kept as supporting evidence only.
pub fn served_by_shared_cache(headers: &[(String, String)]) -> (bool, Vec<String>) {
    let mut evidence = Vec::new();
    for age in header_values(headers, "Age") {
        if age.trim().parse::<u64>().is_ok_and(|a| a > 0) {
            evidence.push(format!("Age: {} (RFC 9111 §5.1)", age.trim()));
        }
    }
    for field in ["X-Cache", "X-Cache-Status", "CF-Cache-Status"] {
        for v in header_values(headers, field) {
            if v.to_ascii_uppercase().contains("HIT") {
                evidence.push(format!("{field}: {}", v.trim()));
            }
        }
    }
    for v in header_values(headers, "Cache-Status") {
        for entry in split_outside_quotes(v, ',') {
            let mut params = split_outside_quotes(entry, ';').into_iter();
            let cache = params.next().unwrap_or_default().trim();
            let hit = params.any(|p| {
                let p = p.trim();
                match p.split_once('=') {
                    None => p == "hit",
                    Some((k, v)) => k.trim() == "hit" && v.trim() == "?1",
                }
            });
            if hit {
                evidence.push(format!(
                    "Cache-Status: {} (a hit in {cache}, RFC 9211 §2.1)",
                    entry.trim()
                ));
            }
        }
    }
    for v in header_values(headers, "X-Varnish") {
        let ids: Vec<&str> = v.split_ascii_whitespace().collect();
        if ids.len() >= 2 && ids.iter().all(|i| i.bytes().all(|b| b.is_ascii_digit())) {
            evidence.push(format!(
                "X-Varnish: {} (two ids: this request and the one that filled the cache)",
                v.trim()
            ));
        }
    }
    let hit = !evidence.is_empty();
    for v in header_values(headers, "Via") {
        evidence.push(format!(
            "Via: {} (a proxy in the path; supporting evidence only)",
            v.trim()
        ));
    }
    (hit, evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
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

    fn storable(status: u16, pairs: &[(&str, &str)], auth: bool) -> (bool, Vec<String>) {
        shared_storable_at(status, &h(pairs), auth, now())
    }

    #[test]
    fn no_store_forbids_storing_rfc9111_5_2_2_5() {
        let (s, r) = storable(
            200,
            &[("Cache-Control", "public, max-age=60, no-store")],
            false,
        );
        assert!(!s);
        assert!(r[0].contains("no-store"), "{r:?}");
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
    }

    #[test]
    fn past_or_invalid_expires_is_not_freshness_rfc9111_5_3() {
        let (s, r) = storable(302, &[("Expires", "0")], false);
        assert!(!s, "{r:?}");
        let (s, _) = storable(302, &[("Expires", "Thu, 01 Jan 1970 00:00:00 GMT")], false);
        assert!(!s);
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
    fn targeted_fields_override_cache_control_rfc9213() {
        let (s, r) = storable(
            200,
            &[
                ("Cache-Control", "no-store"),
                ("CDN-Cache-Control", "max-age=600"),
            ],
            false,
        );
        assert!(s, "{r:?}");
        assert!(
            storable(
                200,
                &[
                    ("Cache-Control", "private"),
                    ("Surrogate-Control", "max-age=60")
                ],
                false
            )
            .0
        );
        assert!(
            !storable(
                200,
                &[
                    ("Cache-Control", "private"),
                    ("Surrogate-Control", "max-age=0")
                ],
                false
            )
            .0
        );
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
    fn via_alone_is_not_a_hit_rfc9110_7_6_3() {
        let (hit, ev) = served_by_shared_cache(&h(&[("Via", "1.1 varnish (Varnish/7.1)")]));
        assert!(!hit);
        assert!(ev[0].contains("supporting"), "{ev:?}");
        let (hit, ev) = served_by_shared_cache(&h(&[("Age", "3"), ("Via", "1.1 squid")]));
        assert!(hit);
        assert_eq!(ev.len(), 2);
    }

    proptest! {
        #[test]
        fn never_panics_on_any_header_values(v in ".{0,80}", status in 0u16..1000) {
            for name in ["Cache-Control", "Expires", "Age", "Cache-Status", "X-Varnish", "CDN-Cache-Control", "Date"] {
                let hs = h(&[(name, &v)]);
                let _ = shared_storable_at(status, &hs, true, now());
                let _ = served_by_shared_cache(&hs);
            }
        }
    }
}
