//! The web-form checks (SPEC §7.3–§7.5) end to end against the real form lab the test script
//! starts (tests/peers/start.sh): the project's form app behind Varnish, nginx proxy_cache and
//! Squid, each misconfigured the way real sites are, an https front on the Varnish path, and a
//! correct https path. A "previous applicant" visits each cache before the run, so the edit page
//! is already cached, as it was in the 2024 voucher incident; one `vendor-audit run --format
//! json` then audits every path, and the publication schedule at a fixed `--now`.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

const NOW: &str = "2026-11-26T10:00:00+09:00";

/// (vendor id, base URL) of each leaky cache path.
fn leaky() -> Vec<(&'static str, String)> {
    vec![
        ("varnish", format!("http://{}", common::FORM_VARNISH)),
        (
            "nginx-cache",
            format!("http://{}", common::FORM_NGINX_CACHE),
        ),
        ("squid", format!("http://{}", common::FORM_SQUID)),
        (
            "https-varnish",
            format!(
                "https://{}:{}",
                common::FORM_TLS_LEAKY_NAME,
                port(common::FORM_TLS_LEAKY)
            ),
        ),
    ]
}

fn correct() -> String {
    format!(
        "https://{}:{}",
        common::FORM_TLS_CORRECT_NAME,
        port(common::FORM_TLS_CORRECT)
    )
}

fn port(addr: &str) -> &str {
    addr.rsplit(':').next().unwrap()
}

fn ip(addr: &str) -> &str {
    addr.split(':').next().unwrap()
}

fn form_vendor(id: &str, base: &str) -> String {
    format!(
        "[[vendor]]\nid = \"{id}\"\nreport = \"{id}.toml\"\n[[vendor.form]]\nurl = \"{base}/apply\"\n\
         [vendor.form.leak_probe]\nsubmit = \"{base}/apply/confirm\"\nview = \"{base}/apply/edit\"\n\
         fields = {{ name = \"{{canary}}\", address = \"{{canary}}\", tel = \"0000000000\", email = \"test@example.invalid\" }}\n"
    )
}

fn inventory() -> String {
    let app = format!("http://{}", common::FORM_APP_LEAKY);
    let mut inv = format!(
        "[audit]\ntimezone = \"Asia/Tokyo\"\ntrust = [{:?}]\n[audit.resolve]\n{:?} = {:?}\n{:?} = {:?}\n",
        common::lab_ca_pem_path().expect("VENDOR_AUDIT_LAB_RUN names the lab run folder"),
        common::FORM_TLS_LEAKY_NAME,
        ip(common::FORM_TLS_LEAKY),
        common::FORM_TLS_CORRECT_NAME,
        ip(common::FORM_TLS_CORRECT),
    );
    for (id, base) in leaky() {
        inv.push_str(&form_vendor(id, &base));
    }
    inv.push_str(&form_vendor("correct", &correct()));
    // The schedule, at NOW: before go-live and after close, for an open form, a "not open yet"
    // page (200 without inputs) and a 404.
    for (id, path) in [
        ("early-open", "/apply"),
        ("early-notyet", "/notyet"),
        ("early-gone", "/gone"),
    ] {
        inv.push_str(&format!(
            "[[vendor]]\nid = \"{id}\"\n[[vendor.form]]\nurl = \"{app}{path}\"\nopens_at = 2027-04-30T10:00:00\ncloses_at = 2027-05-31T17:00:00\n"
        ));
    }
    for (id, path) in [
        ("late-open", "/apply"),
        ("late-notyet", "/notyet"),
        ("late-gone", "/gone"),
    ] {
        inv.push_str(&format!(
            "[[vendor]]\nid = \"{id}\"\n[[vendor.form]]\nurl = \"{app}{path}\"\nopens_at = 2026-04-30T10:00:00\ncloses_at = 2026-05-31T17:00:00\n"
        ));
    }
    // Hostile pages: a redirect out of scope, a body over the cap, a body that never ends.
    for (id, path) in [("away", "/away"), ("huge", "/huge"), ("slow", "/slow")] {
        inv.push_str(&format!(
            "[[vendor]]\nid = \"{id}\"\n[[vendor.form]]\nurl = \"{app}{path}\"\n"
        ));
    }
    inv
}

/// Every form vendor declares the three web-form controls true.
fn report(vendor: &str) -> String {
    format!(
        "vendor = \"{vendor}\"\nfiscal_year = 2026\n[controls]\n\"web_forms.no_store_on_personal_pages\" = true\n\"web_forms.publication_schedule_enforced\" = true\n\"web_forms.https_only\" = true\n"
    )
}

/// A previous applicant on a plain-http cache path: posts, then views the edit page with its
/// cookie, so that the cache holds a filled-in page before the audit starts.
fn previous_applicant(addr: &str) {
    let body = "name=%E5%89%8D%E3%81%AE%E7%94%B3%E8%AB%8B%E8%80%85&address=Tokyo&tel=0312345678&email=prev%40example.invalid";
    let post = format!(
        "POST /apply/confirm HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let answer = exchange(addr, &post);
    let cookie = answer
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("set-cookie")
                .then(|| value.trim().split(';').next().unwrap_or("").to_owned())
        })
        .unwrap_or_default();
    let get = format!(
        "GET /apply/edit HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    );
    exchange(addr, &get);
}

fn exchange(addr: &str, request: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = Vec::new();
    let _ = s.take(1 << 20).read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn audit() -> &'static Value {
    static RESULT: OnceLock<Value> = OnceLock::new();
    RESULT.get_or_init(|| {
        for addr in [
            common::FORM_APP_LEAKY,
            common::FORM_APP_CORRECT,
            common::FORM_VARNISH,
            common::FORM_NGINX_CACHE,
            common::FORM_SQUID,
            common::FORM_TLS_LEAKY,
            common::FORM_TLS_CORRECT,
        ] {
            common::require_peer(addr);
        }
        for addr in [
            common::FORM_VARNISH,
            common::FORM_NGINX_CACHE,
            common::FORM_SQUID,
        ] {
            previous_applicant(addr);
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("vendors.toml"), inventory()).unwrap();
        for id in leaky().iter().map(|(id, _)| *id).chain(["correct"]) {
            std::fs::write(dir.path().join(format!("{id}.toml")), report(id)).unwrap();
        }
        common::run_json(
            env!("CARGO_BIN_EXE_vendor-audit"),
            &["--timeout", "4", "--now", NOW],
            &dir.path().join("vendors.toml"),
            1,
        )
    })
}

fn vendor(id: &str) -> &'static Value {
    common::vendor_of(audit(), id)
}

fn status(id: &str, check: &str) -> String {
    let v = vendor(id);
    let hits: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == check)
        .collect();
    assert_eq!(hits.len(), 1, "{id}: {check}: {:#?}", v["findings"]);
    hits[0]["status"].as_str().unwrap().to_owned()
}

fn verdict(id: &str, control: &str) -> String {
    common::verdict_of(audit(), id, control)
}

fn fact(id: &str, name: &str) -> &'static Value {
    let assets = vendor(id)["assets"].as_array().unwrap();
    let form = assets.iter().find(|a| a["kind"] == "form").unwrap();
    &form["facts"][name]
}

#[test]
fn every_misconfigured_cache_leaks_and_is_caught() {
    for (id, _) in leaky() {
        for check in [
            "form-cacheable",
            "form-shared-cache",
            "form-cross-session-leak",
            "form-prefilled-pii",
        ] {
            assert_eq!(
                status(id, check),
                "fail",
                "{id}: {check}: {:#?}",
                vendor(id)["findings"]
            );
        }
        assert_eq!(
            verdict(id, "web_forms.no_store_on_personal_pages"),
            "contradicted",
            "{id}"
        );
        // The evidence names the pages, never the previous applicant's data.
        let evidence = fact(id, "form.prefilled_pii").to_string();
        assert!(!evidence.contains("0312345678"), "{id}: {evidence}");
    }
}

#[test]
fn plain_http_paths_fail_transport_and_https_without_hsts_is_caught() {
    for id in ["varnish", "nginx-cache", "squid"] {
        assert_eq!(status(id, "form-plaintext"), "fail", "{id}");
        assert_eq!(status(id, "form-no-hsts"), "skipped", "{id}");
        assert_eq!(status(id, "form-cookie-flags"), "fail", "{id}");
    }
    assert_eq!(status("https-varnish", "form-plaintext"), "pass");
    assert_eq!(status("https-varnish", "form-no-hsts"), "fail");
    assert_eq!(
        verdict("https-varnish", "web_forms.https_only"),
        "contradicted"
    );
}

#[test]
fn the_correct_path_passes_every_check() {
    for check in common::FORM_TRANSPORT_CHECKS {
        assert_eq!(
            status("correct", check),
            "pass",
            "{check}: {:#?}",
            vendor("correct")["findings"]
        );
    }
    for control in [
        "web_forms.no_store_on_personal_pages",
        "web_forms.https_only",
    ] {
        assert_eq!(verdict("correct", control), "verified", "{control}");
    }
}

#[test]
fn the_schedule_is_judged_at_now() {
    assert_eq!(status("early-open", "form-open-before-go-live"), "fail");
    assert_eq!(status("early-notyet", "form-open-before-go-live"), "pass");
    assert_eq!(status("early-gone", "form-open-before-go-live"), "pass");
    assert_eq!(status("early-open", "form-open-after-close"), "skipped");
    assert_eq!(status("late-open", "form-open-after-close"), "fail");
    assert_eq!(status("late-notyet", "form-open-after-close"), "pass");
    assert_eq!(status("late-gone", "form-open-after-close"), "pass");
    assert_eq!(status("late-open", "form-open-before-go-live"), "skipped");
}

#[test]
fn a_redirect_out_of_scope_is_not_followed_and_is_reported() {
    let refused = fact("away", "form.redirect_refused")
        .as_str()
        .unwrap_or_default();
    assert!(refused.contains("outside.invalid"), "{refused}");
}

#[test]
fn an_oversized_or_endless_body_is_an_error_not_a_hang() {
    for id in ["huge", "slow"] {
        for check in ["form-cacheable", "form-shared-cache", "form-prefilled-pii"] {
            assert_eq!(status(id, check), "error", "{id}: {check}");
        }
    }
}

#[test]
fn the_voucher_incident_reads_as_one_table() {
    // The 2024 incident on the Varnish path: a form published before its go-live, behind a cache
    // that stores and shares the personal page; the vendor declared all three controls.
    audit(); // the caches are warm and every peer is up
    let base = format!("http://{}", common::FORM_VARNISH);
    let dir = tempfile::tempdir().unwrap();
    let inventory = format!(
        "[audit]\ntimezone = \"Asia/Tokyo\"\n[[vendor]]\nid = \"voucher\"\nname = \"Voucher application contractor\"\nreport = \"voucher.toml\"\n\
         [[vendor.form]]\nurl = \"{base}/apply\"\nopens_at = 2027-04-30T10:00:00\n\
         [vendor.form.leak_probe]\nsubmit = \"{base}/apply/confirm\"\nview = \"{base}/apply/edit\"\n\
         fields = {{ name = \"{{canary}}\", address = \"{{canary}}\", tel = \"0000000000\" }}\n"
    );
    std::fs::write(dir.path().join("vendors.toml"), inventory).unwrap();
    std::fs::write(dir.path().join("voucher.toml"), report("voucher")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vendor-audit"))
        .args(["run", "--now", NOW, "--config"])
        .arg(dir.path().join("vendors.toml"))
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{table}");
    // Cells wrap: read the table as words, without its borders.
    let words = table
        .replace(['│', '┆', '║'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for needle in [
        "Form open before its scheduled go-live",
        "Personal-data page may be stored by a shared cache",
        "Personal-data page served from a shared cache",
        "One applicant's data shown to another",
        "web_forms.publication_schedule_enforced yes contradicted",
    ] {
        assert!(words.contains(needle), "`{needle}` missing from:\n{table}");
    }
    // The three declarations the evidence refutes, under the findings.
    assert!(words.contains("controls: 3 contradicted"), "{table}");
    assert_eq!(words.matches("yes contradicted").count(), 3, "{table}");
    assert!(
        table.lines().all(|l| l.chars().count() <= 100),
        "wider than 100 columns:\n{table}"
    );
}

#[test]
fn the_raw_headers_are_kept_without_session_tokens() {
    let headers = fact("varnish", "form.headers");
    assert!(headers["x-varnish"].is_string(), "{headers}");
    assert!(
        headers["via"]
            .as_str()
            .unwrap_or_default()
            .contains("varnish"),
        "{headers}"
    );
    let correct = fact("correct", "form.headers");
    assert_eq!(correct["cache-control"], "no-store, private", "{correct}");
    for (_, h) in [("varnish", headers), ("correct", correct)] {
        if let Some(cookie) = h["set-cookie"].as_str() {
            assert!(cookie.starts_with("SESSION=…"), "{cookie}");
        }
    }
}
