//! `vendor-audit demo` replays the three incidents on loopback with no packages and no root: the
//! fixed check ids fail on the right targets, the good endpoints pass, and the false and stale
//! declarations are contradicted. Every format renders; a busy address stops the demo with exit
//! 3 naming it. (The demo binds 127.0.0.31-36; only this test binary starts it.)

mod common;

use std::process::{Command, Output};

use common::{vendor_of as vendor, verdict_of};
use serde_json::Value;

const XRAY: &str = "xray-reading.kenko-zaidan.example";
const PORTAL: &str = "portal.kenko-zaidan.example:8443";
const RESULTS: &str = "results.kenko-zaidan.example:8443";
const GATEWAY: &str = "image-gw.kenko-zaidan.example:8443";
const VOUCHER: &str = "https://apply.machi-web.example:8443/voucher/apply";
const CONTACT: &str = "https://contact.machi-web.example:8443/contact";

/// Each demo binds the same fixed addresses: the tests take turns.
static DEMO: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn demo(args: &[&str]) -> Output {
    let _guard = DEMO.lock().unwrap_or_else(|p| p.into_inner());
    Command::new(env!("CARGO_BIN_EXE_vendor-audit"))
        .arg("demo")
        .args(args)
        .env_remove("COLUMNS") // the default width, 100, as in the README
        .output()
        .unwrap()
}

fn demo_json(args: &[&str]) -> Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let out = demo(&all);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the demo exits 0 when it ran: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn status(vendor: &Value, check: &str, target: &str) -> String {
    vendor["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == check && f["target"] == target)
        .map(|f| f["status"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("no {check} on {target}"))
}

fn facts<'a>(vendor: &'a Value, target: &str) -> &'a Value {
    &vendor["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["target"] == target)
        .unwrap_or_else(|| panic!("no asset {target}"))["facts"]
}

#[test]
fn the_demo_finds_every_incident_and_contradicts_the_false_reports() {
    let json = demo_json(&[]);
    assert_eq!(
        json["run"]["now"], "2026-04-30T00:05:00+09:00",
        "the demo's fixed clock: five minutes after the early publication"
    );

    // Incidents 1 and 2: the X-ray reading host and the screening vendor's TLS endpoints.
    let kenko = vendor(&json, "kenko-zaidan");
    for (check, target) in [
        ("rdp-exposed", format!("{XRAY}:3389")),
        ("rdp-nla-not-enforced", format!("{XRAY}:3389")),
        ("rdp-standard-security", format!("{XRAY}:3389")),
        ("rdp-ntlm-info-leak", format!("{XRAY}:3389")),
        ("vnc-exposed", format!("{XRAY}:5900")),
        ("vnc-no-auth", format!("{XRAY}:5900")),
        ("dicom-exposed", format!("{XRAY}:4242")),
        ("tls-legacy-protocol", GATEWAY.into()),
        ("tls-weak-cipher", GATEWAY.into()),
        ("tls-no-forward-secrecy", GATEWAY.into()),
        ("tls-mozilla-intermediate", GATEWAY.into()),
        ("tls-cert-expired", RESULTS.into()),
    ] {
        assert_eq!(status(kenko, check, &target), "fail", "{check} on {target}");
    }
    for check in ["smb-exposed", "ssh-exposed"] {
        assert_eq!(status(kenko, check, XRAY), "pass", "{check}: port closed");
    }
    // The good endpoint passes every TLS check; the expired one fails only on expiry. No demo
    // endpoint accepts a DHE suite (rustls has none; the scripted TLS 1.0 one is static RSA), so
    // tls-weak-dh does not apply: skipped (SPEC §2), not a pass that vouches for a group.
    for check in common::TLS_CHECKS {
        let on_portal = match check {
            "tls-weak-dh" => "skipped",
            _ => "pass",
        };
        assert_eq!(
            status(kenko, check, PORTAL),
            on_portal,
            "{check} on the good endpoint"
        );
        let on_results = match check {
            "tls-cert-expired" => "fail",
            "tls-cert-expiring" => "skipped", // it applies to certificates not yet expired
            "tls-weak-dh" => "skipped",
            _ => "pass",
        };
        assert_eq!(
            status(kenko, check, RESULTS),
            on_results,
            "{check} on {RESULTS}"
        );
    }
    // The scripted TLS 1.0 endpoint is enumerated like any server: one version, its four
    // suites in its own order, and a certificate that chains to the demo CA.
    let gateway = facts(kenko, GATEWAY);
    assert_eq!(gateway["tls.protocols"], serde_json::json!(["TLSv1.0"]));
    assert_eq!(
        gateway["tls.suites"]["TLSv1.0"],
        serde_json::json!([
            "TLS_RSA_WITH_AES_128_CBC_SHA",
            "TLS_RSA_WITH_AES_256_CBC_SHA",
            "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
            "TLS_RSA_WITH_RC4_128_SHA"
        ])
    );
    assert_eq!(gateway["tls.server_order"]["TLSv1.0"], true);
    assert_eq!(status(kenko, "tls-cert-untrusted", GATEWAY), "pass");
    assert_eq!(status(kenko, "tls-weak-dh", GATEWAY), "skipped");
    assert_eq!(status(kenko, "tls-cert-not-yet-valid", GATEWAY), "pass");
    assert_eq!(
        facts(kenko, PORTAL)["tls.protocols"],
        serde_json::json!(["TLSv1.2", "TLSv1.3"])
    );

    // The current report's false claims are contradicted; what holds is verified; the gap it
    // admits stays admitted.
    assert_eq!(kenko["report"]["status"], "current");
    for control in [
        "remote_access.no_public_rdp",
        "remote_access.rdp_nla_enforced",
        "remote_access.no_pre_login_disclosure",
        "remote_access.no_public_vnc",
        "remote_access.vnc_authentication",
        "remote_access.dicom_restricted",
        "tls.modern_protocols_only",
        "tls.strong_ciphers_only",
        "tls.valid_certificates",
    ] {
        assert_eq!(
            verdict_of(&json, "kenko-zaidan", control),
            "contradicted",
            "{control}"
        );
    }
    for control in [
        "remote_access.no_public_file_sharing",
        "remote_access.ssh_restricted",
    ] {
        assert_eq!(
            verdict_of(&json, "kenko-zaidan", control),
            "verified",
            "{control}"
        );
    }
    assert_eq!(
        verdict_of(&json, "kenko-zaidan", "backup.offline_copies"),
        "admitted"
    );
    assert_eq!(
        verdict_of(&json, "kenko-zaidan", "patching.monthly_updates"),
        "unverifiable"
    );

    // Incident 3: the voucher form, published early behind a leaking cache.
    let machi = vendor(&json, "machi-web");
    for check in [
        "form-open-before-go-live",
        "form-cacheable",
        "form-shared-cache",
        "form-cross-session-leak",
        "form-prefilled-pii",
        "form-no-hsts",
        "form-cookie-flags",
    ] {
        assert_eq!(
            status(machi, check, VOUCHER),
            "fail",
            "{check} on the voucher form"
        );
    }
    assert_eq!(status(machi, "form-plaintext", VOUCHER), "pass");
    // The contact form is done right: every form check passes (it has no schedule).
    for check in common::FORM_TRANSPORT_CHECKS {
        assert_eq!(
            status(machi, check, CONTACT),
            "pass",
            "{check} on the contact form"
        );
    }
    for check in ["form-open-before-go-live", "form-open-after-close"] {
        assert_eq!(status(machi, check, CONTACT), "skipped", "{check}");
    }
    // Its report is last year's, and what it declared about forms is contradicted.
    assert_eq!(machi["report"]["status"], "stale");
    assert_eq!(status(machi, "report-stale", "report"), "fail");
    for control in [
        "web_forms.no_store_on_personal_pages",
        "web_forms.publication_schedule_enforced",
        "web_forms.https_only",
    ] {
        assert_eq!(
            verdict_of(&json, "machi-web", control),
            "contradicted",
            "{control}"
        );
    }

    // The vendor that handed in nothing.
    let sakura = vendor(&json, "sakura-print");
    assert_eq!(sakura["report"]["status"], "missing");
    assert_eq!(status(sakura, "report-missing", "report"), "fail");

    // Nothing in the demo is left unjudged.
    assert_eq!(json["summary"]["error"], 0, "{}", json["summary"]);
}

#[test]
fn the_demo_clock_can_be_moved_and_the_certificates_follow_it() {
    // After the scheduled close the form that is still open fails the other schedule check;
    // the certificates are made relative to the clock, so the expired one is still 10 days
    // past and the good one still valid.
    let json = demo_json(&["--now", "2026-06-01T09:00:00+09:00"]);
    let machi = vendor(&json, "machi-web");
    assert_eq!(
        status(machi, "form-open-before-go-live", VOUCHER),
        "skipped"
    );
    assert_eq!(status(machi, "form-open-after-close", VOUCHER), "fail");
    let kenko = vendor(&json, "kenko-zaidan");
    assert_eq!(status(kenko, "tls-cert-expired", RESULTS), "fail");
    assert_eq!(status(kenko, "tls-cert-expired", PORTAL), "pass");
    assert_eq!(facts(kenko, RESULTS)["tls.cert.days_left"], -10);
}

#[test]
fn every_format_renders_and_the_scripted_endpoint_is_named() {
    let table = demo(&[]);
    assert_eq!(table.status.code(), Some(0));
    let text = String::from_utf8_lossy(&table.stdout);
    for needle in [
        "FAIL",
        "contradicted",
        "Machi Web Solutions",
        "Annual report is missing",
    ] {
        assert!(text.contains(needle), "table lacks {needle}");
    }
    assert!(
        text.lines().all(|l| l.chars().count() <= 100),
        "the demo's table is wider than 100 columns:\n{text}"
    );
    let banner = String::from_utf8_lossy(&table.stderr);
    assert!(banner.contains("SCRIPTED"), "{banner}");
    assert!(banner.contains("127.0.0.35"), "{banner}");

    let markdown = demo(&["--format", "markdown"]);
    assert_eq!(markdown.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&markdown.stdout).contains("| "));

    let junit = demo(&["--format", "junit"]);
    assert_eq!(junit.status.code(), Some(0));
    let xml = String::from_utf8_lossy(&junit.stdout);
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(xml.contains("<failure"), "{xml}");

    // OSCAL: one result per vendor (tests/oscal.rs has trestle validate it).
    let oscal = demo(&["--format", "oscal"]);
    assert_eq!(oscal.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&oscal.stdout).unwrap();
    assert_eq!(
        doc["assessment-results"]["results"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );

    let japanese = demo(&["--lang", "ja"]);
    let text = String::from_utf8_lossy(&japanese.stdout);
    assert!(text.contains("リモートデスクトップ"), "{text}");
    assert!(text.contains("申告と矛盾"), "{text}");
}

#[test]
fn a_busy_address_stops_the_demo_with_exit_3_and_names_it() {
    let _guard = DEMO.lock().unwrap_or_else(|p| p.into_inner());
    let squatter = std::net::TcpListener::bind("127.0.0.35:8443").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vendor-audit"))
        .arg("demo")
        .output()
        .unwrap();
    drop(squatter);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("127.0.0.35:8443"), "{err}");
    assert!(
        out.stdout.is_empty(),
        "no report when the demo could not start"
    );
}

#[test]
fn the_readme_shows_the_demo_s_real_output() {
    // The README pastes the demo's whole output; it must stay what the demo prints (the run id
    // and the temporary folder differ on every run).
    let out = demo(&[]);
    let normalise = |text: &str| -> String {
        text.lines()
            .map(|line| {
                let line = match line.find(" · run ") {
                    Some(at) => &line[..at],
                    None => line,
                };
                match line.find("demo CA in /") {
                    Some(at) => &line[..at],
                    None => line,
                }
                .to_owned()
            })
            .filter(|line| !line.starts_with("admitted, ") && !line.starts_with("undeclared, "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let printed = format!(
        "{}\n\n{}",
        String::from_utf8_lossy(&out.stderr).trim_end(),
        String::from_utf8_lossy(&out.stdout)
    );
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme.find("$ cargo run --release -- demo\n").unwrap();
    let block = &readme[start..];
    let block = &block[block.find('\n').unwrap() + 1..block.find("\n```").unwrap()];
    assert_eq!(
        normalise(block).trim(),
        normalise(&printed).trim(),
        "README.md's demo output is out of date: paste the output of `cargo run --release -- demo` again"
    );
}

#[test]
fn every_demo_vendor_is_graded_with_its_reasons() {
    let json = demo_json(&[]);
    let grades: Vec<(String, String, u64)> = json["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["id"].as_str().unwrap().to_owned(),
                v["grade"].as_str().unwrap().to_owned(),
                v["score"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("kenko-zaidan", "F", 0),
        ("machi-web", "F", 0),
        ("sakura-print", "C", 79),
    ];
    assert_eq!(
        grades,
        expected.map(|(id, g, s)| (id.to_owned(), g.to_owned(), s))
    );
    let caps = |id: &str| -> Vec<String> {
        vendor(&json, id)["grading"]["caps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["rule"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(caps("kenko-zaidan"), ["critical-failure", "high-failure"]);
    assert_eq!(
        caps("machi-web"),
        ["critical-failure", "high-failure", "report-stale"]
    );
    assert_eq!(caps("sakura-print"), ["high-failure", "report-missing"]);
    // Each contradicted declaration is a deduction of its own.
    let contradicted = vendor(&json, "kenko-zaidan")["grading"]["deductions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "contradicted")
        .count();
    let verdicts = vendor(&json, "kenko-zaidan")["controls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["verdict"] == "contradicted")
        .count();
    assert_eq!(contradicted, verdicts);
    assert!(contradicted > 0);
}

#[test]
fn the_readme_s_worked_grade_example_is_what_explain_prints() {
    let out = demo(&["--explain"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let marker = "$ vendor-audit demo --explain\n...\n";
    let start = readme.find(marker).unwrap() + marker.len();
    let pasted = &readme[start..];
    let pasted = &pasted[..pasted.find("\n```").unwrap()];
    assert!(
        stdout.contains(pasted),
        "README.md's grade example is out of date: paste the end of `vendor-audit demo --explain` again\n{stdout}"
    );
    // With JSON, the explanation goes to stderr and stdout stays JSON.
    let out = demo(&["--explain", "--format", "json"]);
    assert!(serde_json::from_slice::<Value>(&out.stdout).is_ok());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Grade of Sakura Printing"));
}

#[test]
fn the_grade_explanation_fits_80_columns_without_splitting_a_word() {
    let _guard = DEMO.lock().unwrap_or_else(|p| p.into_inner());
    for lang in ["en", "ja"] {
        let out = Command::new(env!("CARGO_BIN_EXE_vendor-audit"))
            .args(["demo", "--explain", "--lang", lang])
            .env("COLUMNS", "80")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let marker = if lang == "en" {
            "\nGrade of "
        } else {
            "の評価:\n"
        };
        let start = stdout.find(marker).expect("an explanation after the table");
        let explanation = &stdout[start..];
        for line in explanation.lines() {
            let width = unicode_width::UnicodeWidthStr::width(line);
            assert!(width <= 80, "{width} columns: {line:?}\n{explanation}");
        }
        // A long deduction line wrapped at a space, its continuation under its text.
        if lang == "en" {
            assert!(
                explanation.contains(
                    "  -15  web_forms.no_store_on_personal_pages declared in place, contradicted by\n       form-cross-session-leak\n"
                ),
                "{explanation}"
            );
        }
    }
}

/// Hiragana, katakana or a CJK ideograph.
fn has_japanese(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'))
}

/// `--lang ja` gives every finding message and every verdict reason in Japanese: the JSON of
/// the demo's run carries both, and each Japanese text is Japanese (the probes' own words are
/// quoted inside it, framed in Japanese).
#[test]
fn every_message_and_reason_of_the_demo_has_japanese_text() {
    let doc = demo_json(&[]);
    let mut english_only = Vec::new();
    for v in doc["vendors"].as_array().unwrap() {
        for f in v["findings"].as_array().unwrap() {
            let (en, ja) = (
                f["message"].as_str().unwrap(),
                f["message_ja"].as_str().unwrap(),
            );
            if !has_japanese(ja) || en == ja {
                english_only.push(format!("finding {} on {}: {ja:?}", f["check"], f["target"]));
            }
        }
        for c in v["controls"].as_array().unwrap() {
            let (en, ja) = (
                c["reason"].as_str().unwrap(),
                c["reason_ja"].as_str().unwrap(),
            );
            if !has_japanese(ja) || en == ja {
                english_only.push(format!("verdict of {}: {ja:?}", c["control"]));
            }
        }
    }
    assert!(english_only.is_empty(), "{}", english_only.join("\n"));
    let japanese = demo(&["--lang", "ja"]);
    let text = String::from_utf8_lossy(&japanese.stdout);
    for said in [
        "ポート 3389 でRDPが応答した",
        "旧式のプロトコル [TLSv1.0] を受け付ける",
        "未実施と申告されている",
    ] {
        assert!(text.contains(said), "{said}\n{text}");
    }
}
