//! The text of the catalogue and validation commands (`checks list`, `checks show`,
//! `checks facts`, `validate`, `report-template`), as pure functions of the catalogue and inventory so they can be tested.

use std::fmt::Write;

use chrono::{DateTime, FixedOffset};

use crate::catalog::facts::{spec, FACTS};
use crate::catalog::{Catalog, Lang};
use crate::declaration::ReportFile;
use crate::diagnostic::Diagnostics;
use crate::engine::report_facts;
use crate::fact::FactValue;
use crate::inventory::Inventory;
use crate::report::pick;

pub fn checks_list(catalog: &Catalog, lang: Lang) -> String {
    let mut out = String::new();
    // Columns as wide as their longest entry, so that no id or control runs into the next.
    let id_width = catalog.checks.keys().map(String::len).max().unwrap_or(0);
    let control_width = catalog
        .checks
        .values()
        .map(|c| c.control_key().map_or(1, str::len))
        .max()
        .unwrap_or(1);
    for c in catalog.checks.values() {
        let _ = writeln!(
            out,
            "{:<id_width$} {:<8} {:<6} {:<control_width$} {}",
            c.id,
            c.severity.name(),
            c.asset.name(),
            c.control_key().unwrap_or("-"),
            c.title.get(lang)
        );
    }
    out
}

pub fn checks_show(catalog: &Catalog, id: &str, lang: Lang) -> Option<String> {
    let c = catalog.check(id)?;
    let mut out = String::new();
    let _ = writeln!(out, "{}: {}", c.id, c.title.get(lang));
    let _ = writeln!(out, "  {}", pick(&c.title.ja, &c.title.en, lang));
    let _ = writeln!(out, "\nseverity   {}", c.severity);
    let _ = writeln!(out, "asset      {}", c.asset.name());
    if let Some(key) = c.control_key() {
        let title = catalog
            .controls
            .get(key)
            .map(|ctl| ctl.title.get(lang))
            .unwrap_or("");
        let _ = writeln!(out, "control    {key} ({title})");
    }
    if let Some(applies) = &c.applies {
        let _ = writeln!(out, "applies    {}", applies.source());
        if let Some(skipped) = &c.message.skipped {
            let _ = writeln!(out, "           otherwise skipped: \"{skipped}\"");
        }
    }
    let _ = writeln!(out, "fails when {}", c.condition.source());
    let _ = writeln!(out, "\nfacts read:");
    for name in &c.facts {
        match spec(name) {
            Some(s) => {
                let _ = writeln!(
                    out,
                    "  {name} ({}, from the {} probe): {}",
                    s.kind.name(),
                    s.probe,
                    s.meaning
                );
            }
            None => {
                let _ = writeln!(out, "  {name}");
            }
        }
    }
    let _ = writeln!(
        out,
        "\n{}\n{}",
        pick("Why it matters:", "なぜ重要か:", lang),
        indent(c.why.get(lang))
    );
    let _ = writeln!(
        out,
        "\n{}\n{}",
        pick("How to fix:", "対処:", lang),
        indent(c.fix.get(lang))
    );
    if !c.references.is_empty() {
        let _ = writeln!(out, "\n{}", pick("References:", "参考:", lang));
        for r in &c.references {
            let _ = writeln!(out, "  - {r}");
        }
    }
    let _ = writeln!(
        out,
        "\n{}",
        pick("Example that fails:", "不合格になる例:", lang)
    );
    for (k, v) in &c.example_fail.values {
        let _ = writeln!(out, "  {k} = {}", show(v));
    }
    let _ = writeln!(out, "  -> {}", c.render_message(true, &c.example_fail));
    let _ = writeln!(
        out,
        "{}",
        pick("Example that passes:", "合格になる例:", lang)
    );
    for (k, v) in &c.example_pass.values {
        let _ = writeln!(out, "  {k} = {}", show(v));
    }
    Some(out)
}

/// The fact catalogue in aligned columns (fact, type, probe, meaning), the meaning wrapped in
/// its column to `width`; below 30 columns left for it, on its own indented lines instead. The
/// meanings exist in English only: with `lang` Japanese the headings are Japanese and a note
/// says so.
pub fn checks_facts(lang: Lang, width: usize) -> String {
    let headings = [
        pick("FACT", "ファクト", lang),
        pick("TYPE", "型", lang),
        pick("PROBE", "プローブ", lang),
        pick("MEANING", "意味", lang),
    ];
    let widths = [
        FACTS
            .iter()
            .map(|f| f.name.len())
            .chain([display_width(headings[0])])
            .max()
            .unwrap_or(0),
        FACTS
            .iter()
            .map(|f| f.kind.name().len())
            .chain([display_width(headings[1])])
            .max()
            .unwrap_or(0),
        FACTS
            .iter()
            .map(|f| f.probe.len())
            .chain([display_width(headings[2])])
            .max()
            .unwrap_or(0),
    ];
    let meaning_at = widths.iter().sum::<usize>() + 3 * 2;
    let own_lines = width.saturating_sub(meaning_at) < 30;
    let mut out = String::new();
    if lang == Lang::Ja {
        let _ = writeln!(
            out,
            "（ファクトの意味の説明は英語のみです。{} 件）\n",
            FACTS.len()
        );
    }
    let cell = |text: &str, w: usize| {
        let pad = w.saturating_sub(display_width(text));
        format!("{text}{}  ", " ".repeat(pad))
    };
    let mut head = String::new();
    for (h, w) in headings.iter().zip(widths) {
        head.push_str(&cell(h, w));
    }
    if own_lines {
        let _ = writeln!(out, "{}\n    {}", head.trim_end(), headings[3]);
    } else {
        let _ = writeln!(out, "{head}{}", headings[3]);
    }
    for f in FACTS {
        let row = format!(
            "{}{}{}",
            cell(f.name, widths[0]),
            cell(f.kind.name(), widths[1]),
            cell(f.probe, widths[2])
        );
        if own_lines {
            let _ = writeln!(out, "{}", row.trim_end());
            for line in wrap(f.meaning, width.saturating_sub(4).max(20)) {
                let _ = writeln!(out, "    {line}");
            }
        } else {
            let lines = wrap(f.meaning, width - meaning_at);
            let _ = writeln!(out, "{row}{}", lines.first().map_or("", String::as_str));
            for line in lines.iter().skip(1) {
                let _ = writeln!(out, "{}{line}", " ".repeat(meaning_at));
            }
        }
    }
    out
}

/// Columns a string takes in a terminal: wide (CJK, full-width) characters take two.
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| match u32::from(c) {
            0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6 => 2,
            _ => 1,
        })
        .sum()
}

/// Words into lines of at most `width` characters; a word longer than that has a line of its own
/// and is never split.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn show(v: &FactValue) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| v.display())
}

fn indent(text: &str) -> String {
    text.trim()
        .lines()
        .map(|l| format!("  {}", l.trim()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Validates every declaration the inventory names and every waiver (the inventory and checks
/// are already valid), as of `today` (in the audit timezone). Returns a summary for people and
/// the problems found: errors (exit 2) and warnings (an expired waiver).
pub fn validate(
    inventory: &Inventory,
    catalog: &Catalog,
    today: chrono::NaiveDate,
    lang: Lang,
) -> (String, Diagnostics) {
    let ja = lang == Lang::Ja;
    let mut out = String::new();
    let mut problems = crate::engine::waivers::check_waivers(inventory, catalog, today);
    let known: Vec<&str> = catalog.controls.keys().map(String::as_str).collect();
    for v in &inventory.vendors {
        let report = ReportFile::load(v.report.as_deref(), &v.id, &known);
        let state = match &report {
            ReportFile::Missing { path: Some(p) } if ja => {
                format!(
                    "{} に年次報告書がない（検出事項 report-missing）",
                    p.display()
                )
            }
            ReportFile::Missing { path: Some(p) } => {
                format!("no report at {} (finding report-missing)", p.display())
            }
            ReportFile::Missing { path: None } if ja => {
                "年次報告書の記載がない（検出事項 report-missing）".to_owned()
            }
            ReportFile::Missing { path: None } => {
                "no report listed (finding report-missing)".to_owned()
            }
            ReportFile::Invalid {
                problems: p,
                declaration,
                ..
            } => {
                problems.extend(p.0.iter().cloned());
                match declaration {
                    Some(d) if ja => format!(
                        "年次報告書に誤りがある（{} 件。正しく書かれた回答 {} 件は判定に使う）",
                        p.0.len(),
                        d.controls.len()
                    ),
                    None if ja => format!(
                        "年次報告書に誤りがある（{} 件。回答はいずれも数えない）",
                        p.0.len()
                    ),
                    Some(d) => format!(
                        "report invalid ({} problem(s); its {} well-formed answer(s) are still judged)",
                        p.0.len(),
                        d.controls.len()
                    ),
                    None => format!(
                        "report invalid ({} problem(s); none of its answers is counted)",
                        p.0.len()
                    ),
                }
            }
            ReportFile::Loaded { declaration, .. } if ja => {
                format!(
                    "年次報告書 {} 年度、回答した管理項目 {} 件",
                    declaration
                        .fiscal_year
                        .map_or_else(|| "?".to_owned(), |y| y.to_string()),
                    declaration.controls.len()
                )
            }
            ReportFile::Loaded { declaration, .. } => {
                format!(
                    "report FY{}, {} control(s) answered",
                    declaration
                        .fiscal_year
                        .map_or_else(|| "?".to_owned(), |y| y.to_string()),
                    declaration.controls.len()
                )
            }
        };
        let _ = if ja {
            writeln!(
                out,
                "{}: ホスト {} 件、TLS 接続先 {} 件、フォーム {} 件、例外承認 {} 件。{state}",
                v.id,
                v.hosts.len(),
                v.tls.len(),
                v.forms.len(),
                v.waivers.len()
            )
        } else {
            writeln!(
                out,
                "{}: {} host(s), {} TLS endpoint(s), {} form(s), {} waiver(s); {state}",
                v.id,
                v.hosts.len(),
                v.tls.len(),
                v.forms.len(),
                v.waivers.len()
            )
        };
    }
    if let Some(n) = &inventory.notify {
        let mut to = Vec::new();
        if let Some(var) = &n.webhook_url_env {
            // Said, never the value: the URL may carry a secret token.
            let set = std::env::var_os(var).is_some_and(|v| !v.is_empty());
            to.push(match (ja, set) {
                (false, true) => format!("the webhook in ${var} (set here)"),
                (false, false) => format!(
                    "the webhook in ${var} (NOT set in this environment: alerts would wait in the history)"
                ),
                (true, true) => format!("${var} の Webhook（設定済み）"),
                (true, false) => format!(
                    "${var} の Webhook（この環境では未設定: 通知は監査履歴に保留される）"
                ),
            });
        }
        if let Some(program) = n.command.first() {
            to.push(if ja {
                format!("コマンド {program}")
            } else {
                format!("the command {program}")
            });
        }
        let _ = if ja {
            writeln!(
                out,
                "重大度「{}」以上の通知の送り先: {}",
                crate::report::severity_word(n.min_severity, lang),
                to.join("、")
            )
        } else {
            writeln!(
                out,
                "alerts at {} and above to {}",
                n.min_severity,
                to.join(" and ")
            )
        };
    }
    let _ = if ja {
        writeln!(
            out,
            "{}: 委託先 {} 件、チェック {} 件、管理項目 {} 件",
            inventory.path.display(),
            inventory.vendors.len(),
            catalog.checks.len(),
            catalog.controls.len()
        )
    } else {
        writeln!(
            out,
            "{}: {} vendor(s); {} check(s), {} control(s)",
            inventory.path.display(),
            inventory.vendors.len(),
            catalog.checks.len(),
            catalog.controls.len()
        )
    };
    (out, Diagnostics(problems))
}

/// A blank annual report: header fields, then one commented line per control with its title
/// and description, to uncomment and answer `true` or `false`.
pub fn report_template(
    catalog: &Catalog,
    vendor: &str,
    lang: Lang,
    now: DateTime<FixedOffset>,
) -> String {
    let fy = report_facts::fiscal_year(now, chrono_tz::Asia::Tokyo, (4, 1));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        pick(
            "# Annual report on the personal-information management system.\n# For each control, remove the leading '# ' and answer true (\"we do this\") or false (\"we do not, yet\").\n# An unanswered control is reported as `undeclared`.",
            "# 個人情報管理体制に関する年次報告書\n# 各管理項目の回答行の先頭の「# 」を削除し、true（実施している）または false（実施していない）で回答してください。\n# 回答のない管理項目は「未回答」として報告されます。",
            lang
        )
    );
    let _ = writeln!(
        out,
        "vendor = \"{vendor}\"\nfiscal_year = {fy}\nsubmitted = {}\n\n[controls]",
        now.date_naive()
    );
    for c in catalog.controls.values() {
        let observable = if c.observable {
            pick(
                "checked from outside by vendor-audit",
                "vendor-auditが外部から確認します",
                lang,
            )
        } else {
            pick(
                "cannot be observed from outside",
                "外部からは確認できません",
                lang,
            )
        };
        let _ = writeln!(out, "\n# {} ({observable})", c.title.get(lang));
        for line in c.description.get(lang).lines() {
            let _ = writeln!(out, "# {line}");
        }
        let _ = writeln!(out, "# \"{}\" = true", c.key);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn checks_list_columns_line_up_whatever_the_longest_id() {
        let catalog = Catalog::load(&[]).unwrap();
        let list = checks_list(&catalog, Lang::En);
        // The severity column starts at the same place on every line (the id column is as
        // wide as the longest id: `tls-cert-hostname-mismatch` once pushed it out of line).
        let starts: std::collections::BTreeSet<usize> = list
            .lines()
            .map(|line| {
                let id = line.split(' ').next().unwrap_or_default();
                id.len() + line[id.len()..].len() - line[id.len()..].trim_start().len()
            })
            .collect();
        assert_eq!(starts.len(), 1, "{list}");
        assert_eq!(list.lines().count(), catalog.checks.len());
    }

    #[test]
    fn checks_facts_lists_every_fact_once_with_its_type_and_probe() {
        for (lang, width) in [(Lang::En, 100), (Lang::En, 60), (Lang::Ja, 100)] {
            let text = checks_facts(lang, width);
            for f in FACTS {
                let rows: Vec<&str> = text
                    .lines()
                    .filter(|l| l.split_whitespace().next() == Some(f.name))
                    .collect();
                assert_eq!(rows.len(), 1, "{} at {width}:\n{text}", f.name);
                let cols: Vec<&str> = rows[0].split_whitespace().take(3).collect();
                assert_eq!(cols, [f.name, f.kind.name(), f.probe]);
            }
            // Every word of every meaning is there, none split by the wrapping.
            let words: std::collections::HashSet<&str> = text.split_whitespace().collect();
            for f in FACTS {
                for w in f.meaning.split_whitespace() {
                    assert!(words.contains(w), "`{w}` of {} at {width}", f.name);
                }
            }
            assert!(
                text.lines().all(|l| display_width(l) <= width),
                "a line wider than {width}:\n{text}"
            );
        }
    }

    #[test]
    fn checks_facts_meanings_line_up_in_one_column() {
        let text = checks_facts(Lang::En, 300);
        let header = text.lines().next().unwrap();
        let at = header.find("MEANING").unwrap();
        let host = text
            .lines()
            .find(|l| l.starts_with("host.address "))
            .unwrap();
        assert_eq!(&host[at..], FACTS[0].meaning);
        // Continuation lines start at the meaning column.
        for l in checks_facts(Lang::En, 100).lines().skip(1) {
            if l.starts_with(' ') {
                assert_eq!(l.len() - l.trim_start().len(), at, "{l}");
            }
        }
    }

    #[test]
    fn the_report_template_is_a_valid_report_before_and_after_answering() {
        let catalog = Catalog::load(&[]).unwrap();
        let now = DateTime::parse_from_rfc3339("2026-11-26T10:00:00+09:00").unwrap();
        let known: Vec<&str> = catalog.controls.keys().map(String::as_str).collect();
        for lang in [Lang::En, Lang::Ja] {
            let blank = report_template(&catalog, "kenko-zaidan", lang, now);
            let d = crate::declaration::parse(Path::new("t.toml"), &blank, "kenko-zaidan", &known)
                .unwrap();
            assert_eq!((d.fiscal_year, d.controls.len()), (Some(2026), 0));
            let answered = blank.replace("# \"", "\"");
            let d =
                crate::declaration::parse(Path::new("t.toml"), &answered, "kenko-zaidan", &known)
                    .unwrap();
            assert_eq!(
                d.controls.len(),
                catalog.controls.len(),
                "one line per control"
            );
        }
    }
}
