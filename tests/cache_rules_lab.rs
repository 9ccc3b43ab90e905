//! Shared-cache storability as real caches behave (issue 10, section 4), against the lab's
//! Varnish 7.1 (builtin VCL only), nginx 1.22 proxy_cache (no proxy_ignore_headers) and Squid
//! 5.7 (Debian's refresh_pattern) in front of the form app's `/case/NAME` pages
//! (tests/peers/formapp.py CASES; started by tests/peers/start.sh). First what each cache
//! really stores and serves to a second visitor (two cookieless GETs: the same csrf token twice
//! means the second body is the first one, stored), then one `vendor-audit run` over the same
//! pages: `form-cacheable` fails wherever some cache stores the page, with the reason, and a
//! pass never reads like a fail.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

/// The three caches of the lab with their default behaviour, by name.
const CACHES: [(&str, &str); 3] = [
    ("varnish", common::CASE_VARNISH),
    ("nginx", common::CASE_NGINX),
    ("squid", common::CASE_SQUID),
];

/// One cookieless GET; returns (head, body).
fn get(addr: &str, path: &str) -> (String, String) {
    let mut s = TcpStream::connect(addr).unwrap_or_else(|e| panic!("{addr}: {e}"));
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: cases.lab.test\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut out = Vec::new();
    let _ = s.take(1 << 20).read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    match text.split_once("\r\n\r\n") {
        Some((h, b)) => (h.to_owned(), b.to_owned()),
        None => (text, String::new()),
    }
}

/// The page's csrf token: new for every response the app makes.
fn token(body: &str) -> Option<String> {
    let at = body.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(body[at..].split('"').next()?.to_owned())
}

/// Whether `cache` served the second visitor the body it stored for the first, and the second
/// response's head (for the assertion message).
fn stored_and_served(cache: &str, case: &str, tag: &str) -> (bool, String) {
    let path = format!("/case/{case}?{tag}");
    let (_, first) = get(cache, &path);
    let (head, second) = get(cache, &path);
    let (a, b) = (token(&first), token(&second));
    assert!(
        a.is_some() && b.is_some(),
        "{cache}{path}: not the case page: {head}"
    );
    (a == b, head)
}

fn require_lab() {
    for addr in [
        common::CASE_APP,
        common::CASE_VARNISH,
        common::CASE_NGINX,
        common::CASE_SQUID,
    ] {
        common::require_peer(addr);
    }
}

/// What each default cache did with each header set, as observed on Debian 12's Varnish 7.1.1,
/// nginx 1.22.1 and Squid 5.7: (case, [varnish, nginx, squid] stored and served).
const OBSERVED: &[(&str, [bool; 3])] = &[
    // Row 1: any Expires is a basis for storing. Varnish keeps them for its default TTL (120 s);
    // Squid revalidates the stale copy (its access log: TCP_REFRESH_UNMODIFIED) and serves the
    // stored body; nginx does not store a past or invalid Expires.
    ("expires-zero", [true, false, true]),
    ("expires-past", [true, false, true]),
    ("expires-invalid", [true, false, true]),
    // Row 2: future dates in the two obsolete formats.
    ("expires-rfc850", [true, true, true]),
    ("expires-asctime", [true, true, true]),
    // Row 3: none of the three implements must-understand; RFC 9111 §5.2.2.3 lets a cache that
    // does store it.
    ("must-understand", [false, false, false]),
    // Row 4: Surrogate-Control makes Varnish (and Squid as an accelerator) skip private;
    // nginx honours X-Accel-Expires over private only when that field comes first.
    ("surrogate", [true, false, true]),
    ("surrogate-max-age-0", [true, false, true]),
    ("accel-expires", [false, false, false]),
    ("accel-expires-first", [false, true, false]),
    // Row 5: Varnish's builtin VCL makes Vary: * uncacheable and nginx does not cache it, but
    // Squid revalidates the stored copy and serves it to the next visitor.
    ("vary-star", [false, false, true]),
    // Row 6: no cache here reads CDN-Cache-Control; Cache-Control: no-store rules.
    ("cdn-invalid", [false, false, false]),
    ("cdn-string-ttl", [false, false, false]),
    // The control.
    ("no-store", [false, false, false]),
];

#[test]
fn default_caches_store_and_serve_what_they_are_said_to() {
    require_lab();
    let mut wrong = Vec::new();
    for (case, expected) in OBSERVED {
        for ((name, addr), want) in CACHES.iter().zip(expected) {
            let (got, head) = stored_and_served(addr, case, "observe");
            if got != *want {
                wrong.push(format!(
                    "{name} /case/{case}: stored and served {got}, expected {want}\n{head}"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

#[test]
fn varnishlog_shows_the_default_ttl_for_a_stale_expires() {
    require_lab();
    let Some(run) = std::env::var_os("VENDOR_AUDIT_LAB_RUN") else {
        panic!("VENDOR_AUDIT_LAB_RUN is not set: run the lab tests with `bash tests/run-all.sh`");
    };
    let (stored, _) = stored_and_served(common::CASE_VARNISH, "expires-zero", "varnishlog");
    assert!(stored);
    let out = std::process::Command::new("varnishlog")
        .arg("-d")
        .arg("-n")
        .arg(std::path::Path::new(&run).join("varnish-defaults"))
        .args([
            "-g",
            "request",
            "-i",
            "TTL",
            "-q",
            "BereqURL ~ \"varnishlog\"",
        ])
        .output()
        .expect("varnishlog runs");
    let log = String::from_utf8_lossy(&out.stdout);
    // "TTL RFC 120 10 0 ... cacheable": Varnish read `Expires: 0` as absent and kept the page
    // for its default TTL.
    assert!(
        log.lines()
            .any(|l| l.contains("TTL") && l.contains("RFC 120 ") && l.ends_with("cacheable")),
        "{log}"
    );
}

/// The pages of the run: each case straight from the app and through every cache.
fn audit() -> &'static Value {
    static RESULT: OnceLock<Value> = OnceLock::new();
    RESULT.get_or_init(|| {
        require_lab();
        let mut inv = String::from("[audit]\ntimezone = \"Asia/Tokyo\"\n");
        for (id, addr) in [("app", common::CASE_APP)].into_iter().chain(CACHES) {
            inv.push_str(&format!("[[vendor]]\nid = \"{id}\"\n"));
            for (case, _) in OBSERVED {
                inv.push_str(&format!(
                    "[[vendor.form]]\nurl = \"http://{addr}/case/{case}?run\"\n"
                ));
            }
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("vendors.toml"), inv).unwrap();
        common::run_json(
            env!("CARGO_BIN_EXE_vendor-audit"),
            &["--timeout", "4"],
            &dir.path().join("vendors.toml"),
            1,
        )
    })
}

/// (status, message) of `check` on the form `/case/CASE` of vendor `id`.
fn finding(id: &str, case: &str, check: &str) -> (String, String) {
    let v = common::vendor_of(audit(), id);
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["check"] == check
                && f["target"]
                    .as_str()
                    .is_some_and(|t| t.ends_with(&format!("/case/{case}?run")))
        })
        .unwrap_or_else(|| panic!("{id}: no {check} on /case/{case}"));
    (
        f["status"].as_str().unwrap_or_default().to_owned(),
        f["message"].as_str().unwrap_or_default().to_owned(),
    )
}

#[test]
fn form_cacheable_fails_wherever_a_cache_may_store_the_page() {
    // (case, form-cacheable status, words its message must hold)
    let expected: &[(&str, &str, &[&str])] = &[
        (
            "expires-zero",
            "fail",
            &["Expires: 0 is not a valid HTTP-date", "stale at once"],
        ),
        (
            "expires-past",
            "fail",
            &["is past by the cache's clock", "stale at once"],
        ),
        (
            "expires-invalid",
            "fail",
            &["Expires: tomorrow is not a valid HTTP-date"],
        ),
        (
            "expires-rfc850",
            "fail",
            &["Thursday, 18-Aug-50 02:01:18 GMT: fresh for"],
        ),
        (
            "expires-asctime",
            "fail",
            &["Mon Aug  8 02:01:18 2050: fresh for"],
        ),
        (
            "must-understand",
            "fail",
            &["must-understand on status 200", "ignores no-store"],
        ),
        (
            "surrogate",
            "fail",
            &["Surrogate-Control", "Varnish's builtin VCL", "max-age=600"],
        ),
        (
            "surrogate-max-age-0",
            "fail",
            &["Varnish's builtin VCL", "default TTL"],
        ),
        (
            "accel-expires",
            "fail",
            &["X-Accel-Expires: 600", "nginx's proxy_cache"],
        ),
        (
            "accel-expires-first",
            "fail",
            &["X-Accel-Expires: 600", "nginx's proxy_cache"],
        ),
        (
            "vary-star",
            "fail",
            &["Vary: * does not forbid storing", "§4.1", "Squid 5.7"],
        ),
        (
            "cdn-invalid",
            "pass",
            &[
                "not a structured-field dictionary",
                "no-store: no cache may store it",
            ],
        ),
        (
            "cdn-string-ttl",
            "fail",
            &["does not consume max-age", "heuristically cacheable"],
        ),
        ("no-store", "pass", &["no-store: no cache may store it"]),
    ];
    // Where a cache consumes the field that let it store the page, the run sees only
    // `Cache-Control: private`, and the stored copy on the second request is the reason.
    let served: &[&str] = &["a shared cache served a stored copy"];
    let overrides: &[(&str, &str, &str, &[&str])] = &[
        // nginx hides X-Accel-Expires; with Cache-Control first it did not store the page.
        (
            "nginx",
            "accel-expires",
            "pass",
            &["private: a shared cache must not store it"],
        ),
        ("nginx", "accel-expires-first", "fail", served),
        // Squid as an accelerator removes Surrogate-Control.
        ("squid", "surrogate", "fail", served),
        ("squid", "surrogate-max-age-0", "fail", served),
    ];
    let mut wrong = Vec::new();
    for id in ["app", "varnish", "nginx", "squid"] {
        for (case, want, words) in expected {
            let (want, words) = overrides
                .iter()
                .find(|(i, c, _, _)| *i == id && c == case)
                .map_or((*want, *words), |(_, _, w, ws)| (*w, *ws));
            let (status, message) = finding(id, case, "form-cacheable");
            let missing: Vec<&&str> = words.iter().filter(|w| !message.contains(**w)).collect();
            if status != want || !missing.is_empty() {
                wrong.push(format!(
                    "{id} /case/{case}: {status} (want {want}), missing {missing:?}: {message}"
                ));
            }
            // Row 6 and row 8: no TTL that does not exist, no pass that reads like a fail.
            if case.starts_with("cdn-") && message.contains("600 s") {
                wrong.push(format!("{id} /case/{case} names a TTL: {message}"));
            }
            if status == "pass"
                && (message.contains("stale at once") || message.contains("fresh for"))
            {
                wrong.push(format!(
                    "{id} /case/{case}: a pass that reads like a fail: {message}"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn form_shared_cache_sees_each_served_copy() {
    // The run's second request finds the stored copy wherever the cache stores the page.
    let mut wrong = Vec::new();
    for (case, stored) in OBSERVED {
        for ((id, _), stored) in CACHES.iter().zip(stored) {
            let (status, message) = finding(id, case, "form-shared-cache");
            let want = if *stored { "fail" } else { "pass" };
            if status != want {
                wrong.push(format!(
                    "{id} /case/{case}: {status} (want {want}): {message}"
                ));
            }
        }
        let (status, message) = finding("app", case, "form-shared-cache");
        if status != "pass" {
            wrong.push(format!("app /case/{case}: {status}: {message}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
