//! Meta-test of the check catalogue (as clippy keeps its lints complete): every SPEC-fixed id
//! exists, every check reads only catalogued facts, its examples fail and pass as documented,
//! every observable control has a check, and every text exists in English and Japanese.

use vendor_audit::catalog::facts::FACTS;
use vendor_audit::catalog::{AssetKind, Catalog, Severity};

/// The check ids SPEC §7 fixes.
const FIXED_IDS: &[&str] = &[
    "rdp-exposed",
    "rdp-nla-not-enforced",
    "rdp-standard-security",
    "rdp-ntlm-info-leak",
    "vnc-exposed",
    "vnc-no-auth",
    "dicom-exposed",
    "dicom-web-exposed",
    "telnet-exposed",
    "ftp-exposed",
    "smb-exposed",
    "ssh-exposed",
    "database-exposed",
    "tls-legacy-protocol",
    "tls-weak-cipher",
    "tls-no-forward-secrecy",
    "tls-cert-expired",
    "tls-cert-expiring",
    "tls-cert-untrusted",
    "tls-cert-hostname-mismatch",
    "tls-cert-weak-key",
    "tls-cert-weak-signature",
    "tls-mozilla-intermediate",
    "tls-cert-not-yet-valid",
    "tls-weak-dh",
    "form-cacheable",
    "form-shared-cache",
    "form-cross-session-leak",
    "form-prefilled-pii",
    "form-plaintext",
    "form-no-hsts",
    "form-cookie-flags",
    "form-open-before-go-live",
    "form-open-after-close",
    "report-missing",
    "report-stale",
    "report-invalid",
];

fn catalog() -> Catalog {
    Catalog::load(&[]).unwrap_or_else(|e| panic!("built-in catalogue invalid:\n{e}"))
}

#[test]
fn every_fixed_id_is_a_built_in_check() {
    let c = catalog();
    for id in FIXED_IDS {
        assert!(c.check(id).is_some(), "SPEC-fixed check `{id}` is missing");
    }
}

#[test]
fn examples_fail_and_pass_as_documented() {
    for check in catalog().checks.values() {
        for (example, expect_fail) in [(&check.example_fail, true), (&check.example_pass, false)] {
            if let Some(applies) = &check.applies {
                assert_eq!(
                    applies.evaluate(example),
                    Ok(true),
                    "{}: `applies` false on its own example",
                    check.id
                );
            }
            assert_eq!(
                check.condition.evaluate(example),
                Ok(expect_fail),
                "{}: example {} does not {}",
                check.id,
                if expect_fail { "fail" } else { "pass" },
                if expect_fail { "fail" } else { "pass" }
            );
            for name in example.values.keys() {
                let spec = FACTS.iter().find(|f| f.name == name);
                let spec = spec.unwrap_or_else(|| {
                    panic!("{}: example uses uncatalogued fact {name}", check.id)
                });
                let value = example.get(name).unwrap();
                assert!(
                    spec.kind.matches(value),
                    "{}: example {name} is not a {}",
                    check.id,
                    spec.kind.name()
                );
            }
        }
    }
}

#[test]
fn texts_exist_in_both_languages_and_rationale_is_substantial() {
    let c = catalog();
    for check in c.checks.values() {
        for (what, text) in [
            ("title", &check.title),
            ("why", &check.why),
            ("fix", &check.fix),
        ] {
            assert!(
                !text.en.trim().is_empty() && !text.ja.trim().is_empty(),
                "{}: {what} needs en and ja",
                check.id
            );
        }
        assert!(
            check.why.en.len() >= 60,
            "{}: `why` should say why it matters",
            check.id
        );
        assert!(
            !check.references.is_empty(),
            "{}: give references",
            check.id
        );
    }
    for control in c.controls.values() {
        assert!(
            !control.title.ja.is_empty() && !control.description.ja.is_empty(),
            "{}",
            control.key
        );
    }
}

/// Hiragana, katakana or a CJK ideograph: text a Japanese reader reads as Japanese.
fn has_japanese(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
    })
}

fn placeholder_set(template: &str) -> std::collections::BTreeSet<&str> {
    vendor_audit::catalog::check::placeholders(template)
        .into_iter()
        .collect()
}

/// `--lang ja` shows every finding message in Japanese: each built-in check's fail, pass and
/// skipped message has Japanese text of its own (not the English copied), naming the same facts.
#[test]
fn every_finding_message_is_written_in_japanese_with_the_same_facts() {
    let c = catalog();
    let mut missing = Vec::new();
    for check in c.checks.values() {
        let m = &check.message;
        let templates = [
            ("fail", Some(&m.fail)),
            ("pass", Some(&m.pass)),
            ("skipped", m.skipped.as_ref()),
        ];
        for (which, template) in templates {
            let Some(t) = template else { continue };
            let Some(ja) = &t.ja else {
                missing.push(format!("{}: message.{which} has no Japanese", check.id));
                continue;
            };
            if !has_japanese(ja) || ja == &t.en {
                missing.push(format!(
                    "{}: message.{which} ja is not Japanese: {ja:?}",
                    check.id
                ));
            }
            assert_eq!(
                placeholder_set(&t.en),
                placeholder_set(ja),
                "{}: message.{which} names other facts in Japanese",
                check.id
            );
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// The examples of a few checks, rendered in Japanese with their facts filled in.
#[test]
fn japanese_messages_read_with_their_facts_filled() {
    use vendor_audit::catalog::Lang;
    let c = catalog();
    let show = |id: &str, failed: bool| {
        let check = c.check(id).unwrap();
        let facts = if failed {
            &check.example_fail
        } else {
            &check.example_pass
        };
        check.render_message(failed, facts, Lang::Ja)
    };
    assert_eq!(
        show("tls-legacy-protocol", true),
        "旧式のプロトコル [TLSv1.0, TLSv1.1] を受け付ける（受け付けるプロトコル: [TLSv1.0, TLSv1.1, TLSv1.2]）"
    );
    assert_eq!(
        show("tls-legacy-protocol", false),
        "受け付けるのは [TLSv1.2, TLSv1.3] のみ"
    );
    assert_eq!(
        show("vnc-no-auth", true),
        "ポート 5900 がセキュリティタイプ None（認証なし）を提示している（タイプ [1]）。誰でもデスクトップを操作できる"
    );
    assert_eq!(
        show("vnc-no-auth", false),
        "ポート 5900 は認証を要求する（タイプ [2]）"
    );
    assert_eq!(
        show("report-missing", true),
        "reports/kenko-zaidan-2026.toml に年次報告書がない"
    );
    // The engine's own sentences have a Japanese counterpart `NAME_ja`, which the Japanese
    // text takes for `{NAME}`.
    let stale = c.check("report-stale").unwrap();
    let mut facts = stale.example_fail.clone();
    facts.set("report.stale_reason", "the report is for fiscal year 2025");
    facts.set("report.stale_reason_ja", "年次報告書は 2025 年度のもの");
    assert_eq!(
        stale.render_message(true, &facts, Lang::Ja),
        "年次報告書が今年度のものではない（年次報告書は 2025 年度のもの）"
    );
    assert_eq!(
        stale.render_message(true, &facts, Lang::En),
        "the report is for fiscal year 2025"
    );
    // English stays English.
    let check = c.check("tls-legacy-protocol").unwrap();
    assert_eq!(
        check.render_message(false, &check.example_pass, Lang::En),
        "accepts only [TLSv1.2, TLSv1.3]"
    );
}

#[test]
fn every_observable_control_has_a_check_and_every_check_control_exists() {
    let c = catalog();
    for control in c.controls.values().filter(|c| c.observable) {
        assert!(
            !c.checks_of(&control.key).is_empty(),
            "observable control {} has no check",
            control.key
        );
    }
    for check in c.checks.values() {
        if let Some(key) = check.control_key() {
            assert!(
                c.controls.contains_key(key),
                "{}: unknown control {key}",
                check.id
            );
        } else {
            // A check that verifies no control is either about the report itself or advisory
            // (low or info): it cannot contradict a declaration, so it must not pose as serious.
            assert!(
                check.asset == AssetKind::Report || check.severity <= Severity::Low,
                "{}: only report checks and advisory (low/info) checks verify no control",
                check.id
            );
        }
    }
}

#[test]
fn no_fact_is_catalogued_twice() {
    let mut names: Vec<&str> = FACTS.iter().map(|f| f.name).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "a fact is catalogued twice");
}

#[test]
fn a_user_check_folder_overrides_and_adds() {
    let dir = tempfile::tempdir().unwrap();
    let builtin = catalog();
    let original = builtin.check("ssh-exposed").unwrap();
    let overridden = original
        .source_text
        .replace("severity = \"medium\"", "severity = \"low\"");
    std::fs::write(dir.path().join("ssh-exposed.toml"), overridden).unwrap();
    let c = Catalog::load(&[dir.path().to_path_buf()]).unwrap();
    assert_eq!(c.check("ssh-exposed").unwrap().severity.name(), "low");
    assert_eq!(c.checks.len(), builtin.checks.len());
}

#[test]
fn a_broken_user_check_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let text = catalog().check("vnc-no-auth").unwrap().source_text.replace(
        "condition = \"vnc.no_auth\"",
        "condition = \"vnc.no_auth &&\"",
    );
    std::fs::write(dir.path().join("vnc-no-auth.toml"), text.clone()).unwrap();
    let err = Catalog::load(&[dir.path().to_path_buf()]).unwrap_err();
    let line = text
        .lines()
        .position(|l| l.starts_with("condition"))
        .unwrap()
        + 1;
    assert_eq!(err.0[0].line, line, "{err}");
    assert_eq!(err.0[0].key.as_deref(), Some("condition"));
    assert!(err.0[0].message.en.contains("CEL"), "{err}");
}

#[test]
fn the_readme_lists_every_check_with_its_severity_asset_and_control() {
    let readme = include_str!("../README.md");
    let listed: Vec<Vec<&str>> = readme
        .lines()
        .filter(|l| l.starts_with("| `") && l.matches('|').count() == 6)
        .map(|l| l.split('|').map(str::trim).collect())
        .collect();
    let c = catalog();
    for check in c.checks.values() {
        let id = format!("`{}`", check.id);
        let row = listed
            .iter()
            .find(|cells| cells[1] == id)
            .unwrap_or_else(|| panic!("README's check list has no row for {id}"));
        assert_eq!(row[2], check.severity.name(), "{id}: severity in README");
        assert_eq!(row[3], check.asset.name(), "{id}: asset in README");
        if let Some(key) = check.control_key() {
            assert_eq!(row[4], format!("`{key}`"), "{id}: control in README");
        }
    }
    for cells in &listed {
        let id = cells[1].trim_matches('`');
        assert!(
            c.check(id).is_some(),
            "README lists `{id}`, which is no check"
        );
    }
}

/// Issue 10: `checks show` describes the two new TLS checks, with the facts they read and, for
/// tls-weak-dh, when it is skipped.
#[test]
fn checks_show_describes_the_new_tls_checks() {
    let show = |id: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_vendor-audit"))
            .args(["checks", "show", id])
            .output()
            .unwrap();
        assert!(out.status.success(), "{id}");
        String::from_utf8(out.stdout).unwrap()
    };
    let text = show("tls-weak-dh");
    for want in [
        "severity   high",
        "control    tls.strong_ciphers_only",
        "fails when tls.dh_bits < 2048",
        "otherwise skipped: \"no DHE suite accepted\"",
        "tls.dh_bits (int, from the tls probe)",
        "Logjam",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    let text = show("tls-cert-not-yet-valid");
    for want in [
        "severity   high",
        "control    tls.valid_certificates",
        "fails when tls.cert.not_yet_valid",
        "tls.cert.not_before",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    assert!(!show("tls-cert-expired").contains("not_yet_valid"));
}
