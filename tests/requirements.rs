//! The contract annex (`vendor-audit requirements`): every control once, numbered without gaps,
//! with each check that verifies it; in English and Japanese; Markdown and a self-contained HTML.

use std::process::Command;

use vendor_audit::catalog::{Catalog, Lang};
use vendor_audit::report::requirements::{html, markdown};

fn annex(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_vendor-audit"))
        .arg("requirements")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_control_is_one_numbered_requirement_with_its_checks() {
    let catalog = Catalog::load(&[]).unwrap();
    for (lang, word, text) in [
        (Lang::En, "## Requirement ", annex(&[])),
        (Lang::Ja, "## 要件 ", annex(&["--lang", "ja"])),
    ] {
        assert_eq!(
            text,
            markdown(&catalog, lang),
            "the command prints the library's annex"
        );
        let numbers: Vec<usize> = text
            .lines()
            .filter_map(|l| l.strip_prefix(word))
            .map(|l| l.split('.').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(numbers, (1..=catalog.controls.len()).collect::<Vec<_>>());
        for (key, control) in &catalog.controls {
            assert_eq!(
                text.matches(&format!("\n`{key}`\n")).count(),
                1,
                "{key} once in the {lang:?} annex"
            );
            assert!(
                text.contains(control.title.get(lang)),
                "{key}: title in {lang:?}"
            );
            assert!(text.contains(control.description.get(lang)));
            // Each check that verifies it, with its title in the annex's language.
            let section = text.split(&format!("\n`{key}`\n")).nth(1).unwrap();
            let section = section.split("\n## ").next().unwrap();
            for check in catalog.checks.values() {
                if check.control_key() == Some(key.as_str()) {
                    assert!(
                        section.contains(&format!("`{}`", check.id)),
                        "{key}: {}",
                        check.id
                    );
                    assert!(section.contains(check.title.get(lang)), "{}", check.id);
                }
            }
            if !control.observable {
                assert!(section.contains(match lang {
                    Lang::En => "Verified by the annual report",
                    Lang::Ja => "年次報告書及び監査により確認する",
                }));
            }
        }
    }
}

#[test]
fn the_japanese_annex_reads_in_japanese() {
    let text = annex(&["--lang", "ja"]);
    for english in ["Requirement", "Verified", "passes", "it is not the case"] {
        assert!(!text.contains(english), "`{english}` in the Japanese annex");
    }
    assert!(text.starts_with("# 別紙：個人情報を取り扱う受託者のセキュリティ要件\n"));
}

#[test]
fn the_html_annex_is_one_self_contained_page() {
    let catalog = Catalog::load(&[]).unwrap();
    for (lang, args) in [
        (Lang::En, vec!["--format", "html"]),
        (Lang::Ja, vec!["--format", "html", "--lang", "ja"]),
    ] {
        let page = annex(&args);
        assert_eq!(page, html(&catalog, lang));
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.trim_end().ends_with("</html>"));
        // Nothing fetched from elsewhere: no scripts, stylesheets, images or frames by address.
        for outside in ["src=", "<link", "<script", "url(", "@import"] {
            assert!(!page.contains(outside), "{outside} in the {lang:?} page");
        }
        assert_eq!(page.matches("<h2 id=").count(), catalog.controls.len());
        assert_eq!(page.matches("<li>").count(), page.matches("</li>").count());
    }
}
