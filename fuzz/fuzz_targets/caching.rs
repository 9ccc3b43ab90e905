//! Fuzzes the cache analysis (Cache-Control and CDN-Cache-Control directives, sfv Cache-Status,
//! HTTP-dates, Age, X-Varnish...) with a whole header block as a server sends it: one
//! `Name: value` field a line; the first byte picks the status.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vendor_audit::derive::caching;

const STATUSES: [u16; 8] = [200, 203, 206, 301, 304, 404, 101, 500];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let status = STATUSES[usize::from(pick) % STATUSES.len()];
    let text = String::from_utf8_lossy(rest);
    let headers: Vec<(String, String)> = text
        .split('\n')
        .filter_map(|line| {
            let (n, v) = line.split_once(':')?;
            Some((
                n.trim().to_string(),
                v.trim_end_matches('\r').trim().to_string(),
            ))
        })
        .collect();
    let now = chrono::DateTime::parse_from_rfc3339("2030-06-01T00:00:00Z")
        .map(|d| d.with_timezone(&chrono::Utc))
        .unwrap_or_default();
    for name in [
        "Cache-Control",
        "CDN-Cache-Control",
        "Surrogate-Control",
        "Vary",
    ] {
        let _ = caching::directives(&headers, name);
    }
    for (_, v) in &headers {
        let _ = caching::http_date(v);
    }
    let own = caching::shared_storable_at(status, &headers, pick & 0x80 != 0, now);
    let (served, evidence) = caching::served_by_shared_cache(&headers);
    // The verdict and its reasons never contradict: a verdict always comes with a reason.
    assert!(!own.1.is_empty() || !own.0, "storable without a reason");
    assert!(
        !served || !evidence.is_empty(),
        "served from a cache without evidence"
    );
    let page = caching::page_storable(
        "https://forms.example.lab/",
        own,
        served.then_some(&evidence[..]),
    );
    let _ = caching::storability_reasons(vec![page]);
});
