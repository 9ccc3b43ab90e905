//! The text of the catalogue and validation commands (`checks list`, `checks show`,
//! `checks facts`, `validate`, `report-template`), as pure functions of the catalogue and inventory so they can be tested.

use std::fmt::Write;

use chrono::{DateTime, FixedOffset};

use crate::catalog::facts::{spec, FACTS};
use crate::catalog::{AssetKind, Catalog, Check, Lang};
use crate::declaration::ReportFile;
use crate::diagnostic::Diagnostics;
use crate::engine::report_facts;
use crate::fact::FactValue;
use crate::inventory::Inventory;
use crate::report::{pick, severity_word};

pub fn checks_list(catalog: &Catalog, lang: Lang) -> String {
    let mut out = String::new();
    // Columns as wide as their longest entry, so that no id or control runs into the next.
    let id_width = catalog.checks.keys().map(String::len).max().unwrap_or(0);
    let widest = |word: fn(&Check, Lang) -> &'static str| {
        catalog
            .checks
            .values()
            .map(|c| display_width(word(c, lang)))
            .max()
            .unwrap_or(0)
    };
    let severity_width = widest(|c, lang| severity_word(c.severity, lang));
    let asset_width = widest(|c, lang| asset_word(c.asset, lang));
    let control_width = catalog
        .checks
        .values()
        .map(|c| c.control_key().map_or(1, str::len))
        .max()
        .unwrap_or(1);
    for c in catalog.checks.values() {
        let _ = writeln!(
            out,
            "{:<id_width$} {} {} {:<control_width$} {}",
            c.id,
            pad(severity_word(c.severity, lang), severity_width),
            pad(asset_word(c.asset, lang), asset_width),
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
    if lang == Lang::En {
        // The Japanese title too, as the city's officers name the check.
        let _ = writeln!(out, "  {}", c.title.ja);
    }
    let labels = [
        pick("severity", "重大度", lang),
        pick("asset", "対象の種類", lang),
        pick("control", "管理項目", lang),
        pick("applies", "適用条件", lang),
        pick("fails when", "不合格の条件", lang),
    ];
    let label_width = labels.iter().map(|l| display_width(l)).max().unwrap_or(0);
    let label = |i: usize| pad(labels[i], label_width);
    let _ = writeln!(out, "\n{} {}", label(0), severity_word(c.severity, lang));
    let _ = writeln!(out, "{} {}", label(1), asset_word(c.asset, lang));
    if let Some(key) = c.control_key() {
        let title = catalog
            .controls
            .get(key)
            .map(|ctl| ctl.title.get(lang))
            .unwrap_or("");
        let _ = match lang {
            Lang::En => writeln!(out, "{} {key} ({title})", label(2)),
            Lang::Ja => writeln!(out, "{} {key}（{title}）", label(2)),
        };
    }
    if let Some(applies) = &c.applies {
        let _ = writeln!(out, "{} {}", label(3), applies.source());
        if let Some(skipped) = skipped_message(c, lang) {
            let _ = writeln!(
                out,
                "{} {} \"{skipped}\"",
                " ".repeat(label_width),
                pick("otherwise skipped:", "適用されないとき（対象外）:", lang)
            );
        }
    }
    let _ = writeln!(out, "{} {}", label(4), c.condition.source());
    let _ = writeln!(out, "\n{}", pick("facts read:", "読み取る事実:", lang));
    for name in &c.facts {
        match spec(name) {
            Some(s) => {
                let (kind, probe, meaning) = (s.kind.name(), s.probe, s.meaning_in(lang));
                let _ = match lang {
                    Lang::En => {
                        writeln!(out, "  {name} ({kind}, from the {probe} probe): {meaning}")
                    }
                    Lang::Ja => writeln!(out, "  {name}（{kind}、{probe} プローブ）: {meaning}"),
                };
            }
            None => {
                let _ = writeln!(out, "  {name}");
            }
        }
    }
    let _ = writeln!(
        out,
        "\n{}\n{}",
        pick("Why it matters:", "理由:", lang),
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
    let _ = writeln!(out, "  -> {}", example_message(c, lang));
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

/// The finding message of the check's failing example, in `lang`.
fn example_message(c: &Check, lang: Lang) -> String {
    c.render_message(true, &c.example_fail, lang)
}

/// Why the check is skipped when its `applies` is false, as its file says, in `lang` (English
/// when a user's check has no Japanese).
fn skipped_message(c: &Check, lang: Lang) -> Option<&str> {
    c.message.skipped.as_ref().map(|t| t.get(lang))
}

/// What a check is about, as people read it (the check files' own names in English).
fn asset_word(asset: AssetKind, lang: Lang) -> &'static str {
    match lang {
        Lang::En => asset.name(),
        Lang::Ja => match asset {
            AssetKind::Host => "ホスト",
            AssetKind::Tls => "TLS",
            AssetKind::Form => "フォーム",
            AssetKind::Report => "年次報告書",
        },
    }
}

/// The fact catalogue in aligned columns (fact, type, probe, meaning), the meaning in `lang`
/// wrapped in its column to `width`; below 30 columns left for it, on its own indented lines
/// instead.
pub fn checks_facts(lang: Lang, width: usize) -> String {
    let headings = [
        pick("FACT", "事実", lang),
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
    let cell = |text: &str, w: usize| format!("{}  ", pad(text, w));
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
        let meaning = f.meaning_in(lang);
        if own_lines {
            let _ = writeln!(out, "{}", row.trim_end());
            for line in wrap(meaning, width.saturating_sub(4).max(20)) {
                let _ = writeln!(out, "    {line}");
            }
        } else {
            let lines = wrap(meaning, width - meaning_at);
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
    unicode_width::UnicodeWidthStr::width(s)
}

/// `text` padded with spaces to `width` terminal columns.
fn pad(text: &str, width: usize) -> String {
    let fill = width.saturating_sub(display_width(text));
    format!("{text}{}", " ".repeat(fill))
}

fn is_wide(c: char) -> bool {
    unicode_width::UnicodeWidthChar::width(c).unwrap_or(0) > 1
}

/// Japanese characters a line may not start with (closing brackets and punctuation, small kana,
/// the long-vowel mark): they stay with the character before them.
fn no_line_start(c: char) -> bool {
    matches!(
        c,
        '、' | '。'
            | '，'
            | '．'
            | '・'
            | '：'
            | '；'
            | '？'
            | '！'
            | '）'
            | '」'
            | '』'
            | '】'
            | '〕'
            | '〉'
            | '》'
            | 'ー'
            | '〜'
            | '々'
            | 'ぁ'
            | 'ぃ'
            | 'ぅ'
            | 'ぇ'
            | 'ぉ'
            | 'っ'
            | 'ゃ'
            | 'ゅ'
            | 'ょ'
            | 'ァ'
            | 'ィ'
            | 'ゥ'
            | 'ェ'
            | 'ォ'
            | 'ッ'
            | 'ャ'
            | 'ュ'
            | 'ョ'
    ) || (!is_wide(c) && matches!(c, ')' | ']' | '}' | ',' | '.' | ':' | ';' | '!' | '?' | '%'))
}

/// Japanese opening brackets: they stay with the character after them.
fn no_line_end(c: char) -> bool {
    matches!(c, '（' | '「' | '『' | '【' | '〔' | '〈' | '《')
}

/// Text into lines of at most `width` terminal columns: at spaces, and in Japanese between any
/// two characters except before closing punctuation or after an opening bracket. A word (a run
/// of narrow characters) is never split: one wider than the line has a line of its own.
fn wrap(text: &str, width: usize) -> Vec<String> {
    // The pieces a line may break between, each with whether a space came before it.
    let mut pieces: Vec<(String, bool)> = Vec::new();
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        let joins = match pieces.last() {
            Some((piece, _)) if !space => {
                let last = piece.chars().last().unwrap_or(' ');
                no_line_start(c) || no_line_end(last) || (!is_wide(c) && !is_wide(last))
            }
            _ => false,
        };
        match pieces.last_mut() {
            Some((piece, _)) if joins => piece.push(c),
            _ => pieces.push((c.to_string(), space)),
        }
        space = false;
    }
    let mut lines = Vec::new();
    let mut line = String::new();
    for (piece, space) in pieces {
        let gap = usize::from(space && !line.is_empty());
        if !line.is_empty() && display_width(&line) + gap + display_width(&piece) > width {
            lines.push(std::mem::take(&mut line));
        } else if gap == 1 {
            line.push(' ');
        }
        line.push_str(&piece);
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
        for (lang, width) in [
            (Lang::En, 100),
            (Lang::En, 60),
            (Lang::Ja, 100),
            (Lang::Ja, 60),
        ] {
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
            // Every word of every meaning is there, none split by the wrapping (in Japanese,
            // every run of narrow characters, which may touch Japanese ones on its line).
            let words: std::collections::HashSet<&str> = text.split_whitespace().collect();
            for f in FACTS {
                for w in f
                    .meaning_in(lang)
                    .split(is_wide)
                    .flat_map(str::split_whitespace)
                {
                    let found = match lang {
                        Lang::En => words.contains(w),
                        Lang::Ja => text.lines().any(|l| l.contains(w)),
                    };
                    assert!(found, "`{w}` of {} at {width}", f.name);
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

    /// The meaning column of `fact` in `checks facts` output: its row's fourth cell and the
    /// continuation lines under it, joined without the line breaks.
    fn meaning_lines(text: &str, fact: &str) -> Vec<String> {
        let mut lines = text
            .lines()
            .skip_while(|l| l.split_whitespace().next() != Some(fact));
        let row = lines.next().unwrap_or_default();
        let first: Vec<&str> = row.split_whitespace().skip(3).collect();
        std::iter::once(first.join(" "))
            .chain(
                lines
                    .take_while(|l| l.starts_with(' '))
                    .map(|l| l.trim().to_owned()),
            )
            .filter(|l| !l.is_empty())
            .collect()
    }

    #[test]
    fn japanese_meanings_wrap_between_characters_not_before_punctuation() {
        for width in [60, 100] {
            let text = checks_facts(Lang::Ja, width);
            for f in FACTS {
                let lines = meaning_lines(&text, f.name);
                let joined: String = lines.concat().split_whitespace().collect();
                let meaning: String = f.meaning_ja.split_whitespace().collect();
                assert_eq!(joined, meaning, "{} at {width}:\n{text}", f.name);
                for line in lines.iter().skip(1) {
                    let first = line.chars().next().unwrap_or(' ');
                    assert!(
                        !(is_wide(first) && no_line_start(first)),
                        "{} at {width}: {line}",
                        f.name
                    );
                }
                for line in &lines {
                    let last = line.chars().last().unwrap_or(' ');
                    assert!(!no_line_end(last), "{} at {width}: {line}", f.name);
                }
            }
        }
        assert_eq!(
            wrap("リーフ証明書の発行者。RFC 4514 形式。", 12),
            ["リーフ証明書", "の発行者。", "RFC 4514 形", "式。"]
        );
        assert_eq!(wrap("（`open`）の状態", 8), ["（`open`）", "の状態"]);
    }

    /// Issue 12: with `--lang ja` every label and sentence of `checks show` (for every
    /// built-in check) and of `checks facts` is Japanese. What is not translated is left out:
    /// code in backticks, fact names, check ids, URLs, the CEL conditions, the example values
    /// (data) and the references (bibliographic).
    #[test]
    fn checks_show_and_checks_facts_say_everything_in_japanese() {
        let catalog = Catalog::load(&[]).unwrap();
        let ids: Vec<&str> = catalog.checks.keys().map(String::as_str).collect();
        let mut english = Vec::new();
        for c in catalog.checks.values() {
            let mut text = checks_show(&catalog, &c.id, Lang::Ja).unwrap();
            let mut untranslated: Vec<String> = c.references.clone();
            untranslated.push(c.condition.source().to_owned());
            untranslated.extend(c.applies.iter().map(|a| a.source().to_owned()));
            for example in [&c.example_fail, &c.example_pass] {
                untranslated.extend(example.values.values().map(show));
                // As the finding message quotes them.
                untranslated.extend(example.values.values().map(|v| v.brief()));
            }
            // Longest first, so that no shorter text cuts into a longer one.
            untranslated.sort_by_key(|u| std::cmp::Reverse(u.len()));
            for u in &untranslated {
                text = text.replace(u.as_str(), " | ");
            }
            if let Some(words) = crate::catalog::facts::english_sentence(&text, &ids) {
                english.push(format!("{}: \"{words}\"", c.id));
            }
        }
        assert!(
            english.is_empty(),
            "English in `checks show --lang ja`:\n{}",
            english.join("\n")
        );
        let english = checks_show(&catalog, "tls-weak-dh", Lang::En).unwrap();
        assert!(crate::catalog::facts::english_sentence(&english, &ids).is_some());
        for width in [60, 100, 200] {
            // A row's fact name, CEL type and probe name are identifiers; the rest, read in
            // order across the wrapped lines, must be Japanese.
            let text: Vec<String> = checks_facts(Lang::Ja, width)
                .lines()
                .map(|line| {
                    let cells: Vec<&str> = line.split_whitespace().collect();
                    let row = cells.first().is_some_and(|c| spec(c).is_some());
                    cells[if row { 3.min(cells.len()) } else { 0 }..].join(" ")
                })
                .collect();
            let text = text.join("\n");
            assert_eq!(
                crate::catalog::facts::english_sentence(&text, &[]),
                None,
                "`checks facts --lang ja` at {width}:\n{text}"
            );
        }
        let english = checks_facts(Lang::En, 100);
        assert!(crate::catalog::facts::english_sentence(&english, &[]).is_some());
    }

    #[test]
    fn checks_show_labels_and_fact_meanings_follow_the_language() {
        let catalog = Catalog::load(&[]).unwrap();
        let en = checks_show(&catalog, "tls-weak-dh", Lang::En).unwrap();
        let ja = checks_show(&catalog, "tls-weak-dh", Lang::Ja).unwrap();
        let dh = spec("tls.dh_bits").unwrap();
        for want in [
            "severity   high\n",
            "control    tls.strong_ciphers_only (",
            "fails when tls.dh_bits < 2048\n",
            "  tls.dh_bits (int, from the tls probe): ",
            dh.meaning,
            "Why it matters:",
        ] {
            assert!(en.contains(want), "{want}: {en}");
        }
        for want in [
            "重大度       高\n",
            "対象の種類   TLS\n",
            "管理項目     tls.strong_ciphers_only（",
            "適用条件     size(tls.dhe_suites) > 0\n",
            "不合格の条件 tls.dh_bits < 2048\n",
            "  tls.dh_bits（int、tls プローブ）: ",
            dh.meaning_ja,
            "\n理由:\n",
            "\n対処:\n",
            "\n不合格になる例:\n",
        ] {
            assert!(ja.contains(want), "{want}: {ja}");
        }
        assert!(
            !ja.contains(dh.meaning) && !ja.contains("facts read"),
            "{ja}"
        );
        let list = checks_list(&catalog, Lang::Ja);
        let row = list
            .lines()
            .find(|l| l.starts_with("tls-weak-dh "))
            .unwrap();
        assert!(row.contains(" 高 ") && row.contains(" TLS "), "{row}");
    }
}
