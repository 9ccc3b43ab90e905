//! The table at 80 and 100 columns splits no word (verdicts, control keys, severities stay whole)
//! and keeps to the width; colour codes appear only when asked; the JUnit XML, parsed back, has
//! per suite the tests, failures, errors and skips the report says (control verdicts included).

use std::collections::BTreeMap;

use quick_xml::events::Event;
use quick_xml::XmlVersion;
use vendor_audit::catalog::{Lang, Severity};
use vendor_audit::report::{render, render_styled, Format};
use vendor_audit::results::*;

fn finding(
    check: &str,
    target: &str,
    status: Status,
    severity: Severity,
    title: &str,
    message: &str,
) -> Finding {
    Finding {
        check: check.into(),
        target: target.into(),
        status,
        severity,
        title: title.into(),
        title_ja: format!("（{title}）"),
        message: message.into(),
        message_ja: format!("（観測結果）{message}"),
        control: None,
        waived: false,
        waiver: None,
        evidence: BTreeMap::new(),
        cause: None,
    }
}

fn control(
    key: &str,
    declared: Option<bool>,
    verdict: Verdict,
    title: &str,
    reason: &str,
) -> ControlVerdict {
    ControlVerdict {
        control: key.into(),
        declared,
        verdict,
        checks: vec![],
        title: title.into(),
        title_ja: format!("{title}（日本語）"),
        reason: reason.into(),
        reason_ja: format!("（根拠）{reason}"),
    }
}

/// Two vendors: every severity and status, control keys of 40 characters, every verdict.
fn fixed_run() -> RunReport {
    use Severity::*;
    use Status::*;
    let machi = VendorResult {
        id: "machi-web".into(),
        name: "Machi Web Solutions".into(),
        report: ReportSummary { path: Some("reports/machi-web-2026.toml".into()), status: ReportStatus::Stale, fiscal_year: Some(2025) },
        findings: vec![
            finding("form-published-before-go-live", "https://apply.machi-web.example:8443/voucher/apply", Fail, Critical, "Form is published before its go-live", "answered 200 at 2026-04-30T00:05:00+09:00, before the go-live 2026-05-01T09:00:00+09:00"),
            finding("tls-legacy-protocols", "results.kenko-zaidan.example:8443", Fail, High, "Legacy TLS versions are accepted", "accepted TLS 1.0 and TLS 1.1 with TLS_RSA_WITH_AES_128_CBC_SHA"),
            finding("form-personal-page-cacheable", "https://contact.machi-web.example:8443/contact", Error, Medium, "Personal page may be stored by shared caches", "http.cache_control unavailable: the connection was reset before an answer"),
            finding("rdp-ntlm-info-leak", "xray-reading.kenko-zaidan.example:3389", Fail, Low, "RDP discloses host names before login", "NTLM challenge names the host XRAY-READING-01 and the domain KENKO"),
            finding("service-banner-version", "xray-reading.kenko-zaidan.example:22", Fail, Info, "A service banner shows its version", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"),
            finding("web-https-only", "https://apply.machi-web.example:8443/voucher/apply", Pass, High, "Forms are served over HTTPS only", "plain HTTP redirects to HTTPS"),
            finding("vnc-no-auth", "xray-reading.kenko-zaidan.example", Skipped, Critical, "VNC requires no authentication", "no open port speaks the protocol"),
        ],
        controls: vec![
            control("web_forms.publication_schedule_enforced", Some(true), Verdict::Contradicted, "Forms are not reachable before their go-live", "form-published-before-go-live fail on https://apply.machi-web.example:8443/voucher/apply"),
            control("web_forms.no_store_on_personal_pages", Some(true), Verdict::Unverifiable, "Personal pages are never stored by shared caches", "form-personal-page-cacheable error on https://contact.machi-web.example:8443/contact"),
            control("remote_access.no_pre_login_disclosure", Some(false), Verdict::Admitted, "Remote access discloses nothing before login", "declared not in place"),
            control("tls.modern_protocols_only", Some(true), Verdict::Verified, "Only TLS 1.2 and 1.3 are accepted", "tls-legacy-protocols pass on portal.kenko-zaidan.example:8443"),
            control("incident.response_plan", None, Verdict::Undeclared, "An incident response plan exists", "the report does not answer this control"),
        ],
        assets: vec![],
        grade: Default::default(),
        score: 0,
        grading: Default::default(),
    }
    .graded();
    let kenko = VendorResult {
        id: "kenko-zaidan".into(),
        name: "Health Promotion Foundation".into(),
        report: ReportSummary {
            path: None,
            status: ReportStatus::Missing,
            fiscal_year: None,
        },
        findings: vec![
            finding(
                "rdp-exposed",
                "xray-reading.kenko-zaidan.example:3389",
                Fail,
                Critical,
                "Remote Desktop (RDP) is reachable",
                "RDP answered on port 3389; selected protocol ssl; NLA enforced: false",
            ),
            finding(
                "report-missing",
                "report",
                Fail,
                High,
                "Annual report is missing",
                "no annual report at (none listed in the inventory)",
            ),
        ],
        controls: vec![control(
            "remote_access.no_public_file_sharing",
            None,
            Verdict::Unverifiable,
            "No file sharing (SMB) reachable from outside",
            "the report is missing",
        )],
        assets: vec![],
        grade: Default::default(),
        score: 0,
        grading: Default::default(),
    }
    .graded();
    let vendors = vec![machi, kenko];
    RunReport {
        schema: SCHEMA,
        run: RunInfo {
            id: "20261126T000000Z-0000".into(),
            started_at: "2026-11-26T00:00:00Z".into(),
            finished_at: "2026-11-26T00:00:03Z".into(),
            now: "2026-11-26T00:00:00Z".into(),
            tool: "vendor-audit test".into(),
            proxy: None,
            shard: None,
        },
        summary: Summary::of(&vendors),
        vendors,
    }
}

/// Every word the table shows in a cell: of each finding it lists (passes by check id), of each
/// declared control, and the headers.
fn shown_words(report: &RunReport) -> Vec<String> {
    let mut texts: Vec<String> = [
        "Severity",
        "Status",
        "Target · check · observed",
        "Control (declared)",
        "Declared",
        "Verdict",
        "Because",
    ]
    .map(String::from)
    .to_vec();
    for v in &report.vendors {
        for f in &v.findings {
            match f.status {
                Status::Skipped => {}
                Status::Pass => texts.extend([f.target.clone(), f.check.clone()]),
                _ => texts.extend([
                    f.severity.name().to_owned(),
                    f.status.name().to_uppercase(),
                    f.target.clone(),
                    f.title.clone(),
                    f.message.clone(),
                ]),
            }
        }
        for c in v
            .controls
            .iter()
            .filter(|c| c.verdict != Verdict::Undeclared)
        {
            texts.extend([
                c.control.clone(),
                c.title.clone(),
                c.verdict.name().to_owned(),
                c.reason.clone(),
            ]);
        }
    }
    texts
        .iter()
        .flat_map(|t| t.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

fn assert_fits_and_keeps_words(width: u16) {
    let report = fixed_run();
    let text = render(&report, Format::Table, Lang::En, width);
    for line in text.lines() {
        assert!(
            line.chars().count() <= usize::from(width),
            "{} columns at width {width}: {line}\n{text}",
            line.chars().count()
        );
    }
    // A cell's word split over two lines is on no line whole. Verdicts, severities and control
    // keys must be whole; a longer identifier or URL that cannot fit its column may break only
    // after `.`, `_`, `-` or `/`, so each of its pieces is whole.
    let words = shown_words(&report);
    let mut must: Vec<String> = ["unverifiable", "contradicted", "admitted", "verified"]
        .map(String::from)
        .to_vec();
    for v in &report.vendors {
        must.extend(v.controls.iter().map(|c| c.control.clone()));
        must.extend(
            v.findings
                .iter()
                .filter(|f| f.status != Status::Skipped && f.status != Status::Pass)
                .map(|f| f.severity.name().to_owned()),
        );
    }
    let whole = |word: &str| text.lines().any(|l| l.contains(word));
    for word in &must {
        assert!(
            whole(word),
            "`{word}` is split across lines at width {width}:\n{text}"
        );
    }
    for word in &words {
        if whole(word) {
            continue;
        }
        let pieces: Vec<&str> = word.split_inclusive(['.', '_', '-', '/']).collect();
        assert!(
            pieces.len() > 1 && pieces.iter().all(|p| whole(p)),
            "`{word}` is split inside a piece at width {width}:\n{text}"
        );
    }
}

#[test]
fn at_80_columns_no_word_is_split() {
    assert_fits_and_keeps_words(80);
    insta::assert_snapshot!(render(&fixed_run(), Format::Table, Lang::En, 80));
}

#[test]
fn at_100_columns_no_word_is_split() {
    assert_fits_and_keeps_words(100);
    insta::assert_snapshot!(render(&fixed_run(), Format::Table, Lang::En, 100));
}

#[test]
fn japanese_keeps_to_80_columns_and_its_keys_whole() {
    let text = render(&fixed_run(), Format::Table, Lang::Ja, 80);
    for line in text.lines() {
        let w = unicode_width::UnicodeWidthStr::width(line);
        assert!(w <= 80, "{w} columns: {line}\n{text}");
    }
    for key in [
        "web_forms.publication_schedule_enforced",
        "remote_access.no_pre_login_disclosure",
        "確認不能",
    ] {
        assert!(
            text.lines().any(|l| l.contains(key)),
            "{key} split:\n{text}"
        );
    }
}

#[test]
fn colour_codes_only_when_asked() {
    let report = fixed_run();
    let plain = render(&report, Format::Table, Lang::En, 100);
    assert!(
        !plain.contains('\u{1b}'),
        "render() is for files: never coloured"
    );
    assert_eq!(
        plain,
        render_styled(&report, Format::Table, Lang::En, 100, false)
    );
    let coloured = render_styled(&report, Format::Table, Lang::En, 100, true);
    assert!(coloured.contains("\u{1b}["), "{coloured}");
    // Colour changes no layout: without the codes it is the plain table.
    let stripped = strip_ansi(&coloured);
    assert_eq!(stripped, plain);
    // The other formats have no colour at all.
    for format in [Format::Json, Format::Markdown, Format::Junit, Format::Oscal] {
        assert!(!render_styled(&report, format, Lang::En, 100, true).contains('\u{1b}'));
    }
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[derive(Debug, Default, PartialEq, Eq, Clone)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

/// Per suite: the counts its attributes claim, and the counts of its test cases' children.
fn parse_junit(xml: &str) -> (Counts, BTreeMap<String, (Counts, Counts)>) {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut suites: BTreeMap<String, (Counts, Counts)> = BTreeMap::new();
    let mut total = Counts::default();
    let mut current: Option<String> = None;
    let attrs = |e: &quick_xml::events::BytesStart| -> BTreeMap<String, String> {
        e.attributes()
            .map(|a| {
                let a = a.unwrap();
                (
                    a.key.into_inner().to_owned(),
                    a.normalized_value(XmlVersion::Implicit1_0)
                        .unwrap()
                        .into_owned(),
                )
            })
            .collect()
    };
    let counts = |a: &BTreeMap<String, String>| Counts {
        tests: a["tests"].parse().unwrap(),
        failures: a["failures"].parse().unwrap(),
        errors: a["errors"].parse().unwrap(),
        skipped: a["skipped"].parse().unwrap(),
    };
    loop {
        match reader.read_event().unwrap() {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                let name = e.name().into_inner().to_owned();
                match name.as_str() {
                    "testsuites" => total = counts(&attrs(&e)),
                    "testsuite" => {
                        let a = attrs(&e);
                        let name = a["name"].clone();
                        suites.insert(name.clone(), (counts(&a), Counts::default()));
                        current = Some(name);
                    }
                    "testcase" | "failure" | "error" | "skipped" => {
                        let suite = current.clone().expect("inside a testsuite");
                        let seen = &mut suites.get_mut(&suite).unwrap().1;
                        match name.as_str() {
                            "testcase" => seen.tests += 1,
                            "failure" => seen.failures += 1,
                            "error" => seen.errors += 1,
                            _ => seen.skipped += 1,
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    (total, suites)
}

#[test]
fn junit_parsed_back_counts_what_the_report_says() {
    let report = fixed_run();
    let xml = render(&report, Format::Junit, Lang::En, 100);
    let (total, suites) = parse_junit(&xml);
    let mut sum = Counts::default();
    for v in &report.vendors {
        let count = |s: Status| v.findings.iter().filter(|f| f.status == s).count();
        let findings = Counts {
            tests: v.findings.len(),
            failures: count(Status::Fail),
            errors: count(Status::Error),
            skipped: count(Status::Skipped),
        };
        let verdicts = |w: &[Verdict]| v.controls.iter().filter(|c| w.contains(&c.verdict)).count();
        let controls = Counts {
            tests: v.controls.len(),
            failures: verdicts(&[Verdict::Contradicted]),
            errors: 0,
            skipped: verdicts(&[
                Verdict::Unverifiable,
                Verdict::Admitted,
                Verdict::Undeclared,
            ]),
        };
        for (name, expected) in [
            (v.id.clone(), findings),
            (format!("controls.{}", v.id), controls),
        ] {
            let (claimed, seen) = &suites[&name];
            assert_eq!(claimed, &expected, "suite {name}'s attributes");
            assert_eq!(seen, &expected, "suite {name}'s test cases");
            sum.tests += expected.tests;
            sum.failures += expected.failures;
            sum.errors += expected.errors;
            sum.skipped += expected.skipped;
        }
    }
    assert_eq!(suites.len(), 2 * report.vendors.len());
    assert_eq!(total, sum, "<testsuites> totals");
    let s = &report.summary;
    assert_eq!(total.failures, s.fail + s.contradicted);
    assert_eq!(
        total.skipped,
        s.skipped + s.unverifiable + s.admitted + s.undeclared
    );
    // The contradicted declaration is a failure named by its control key.
    assert!(xml.contains(
        "<testcase classname=\"controls.machi-web\" name=\"web_forms.publication_schedule_enforced\"><failure"
    ));
}
