//! Table report for terminals: per vendor, the findings (severity, status, target, check and what
//! was seen; passes condensed to one row per target), then the declared-vs-observed verdicts.
//! Readable at 100 columns.

use std::collections::BTreeMap;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Attribute, Cell, Color, ColumnConstraint, ContentArrangement, Table, Width};

use super::{
    declared_word, errors_text, pick, report_word, rows, status_word, unidentified_ports,
    verdict_word, Row,
};
use crate::catalog::{Lang, Severity};
use crate::results::{Finding, RunReport, Status, VendorResult, Verdict};

pub fn render(report: &RunReport, lang: Lang, width: u16) -> String {
    let mut out = String::new();
    for vendor in &report.vendors {
        out.push_str(&vendor_section(vendor, lang, width));
        out.push('\n');
    }
    let s = &report.summary;
    let summary = match lang {
        Lang::En => format!(
            "{} fail, {} error, {} pass, {} skipped ({} waived) · controls: {} contradicted, {} verified, {} admitted, {} undeclared, {} unverifiable · run {} at {}\n",
            s.fail, s.error, s.pass, s.skipped, s.waived, s.contradicted, s.verified, s.admitted, s.undeclared, s.unverifiable, report.run.id, report.run.now
        ),
        Lang::Ja => format!(
            "不合格 {} ・判定不能 {} ・合格 {} ・対象外 {}（例外承認 {}）・管理項目: 申告と矛盾 {} ・確認済み {} ・未実施 {} ・未回答 {} ・確認不能 {} ・実行 {}（{}）\n",
            s.fail, s.error, s.pass, s.skipped, s.waived, s.contradicted, s.verified, s.admitted, s.undeclared, s.unverifiable, report.run.id, report.run.now
        ),
    };
    out.push_str(&wrap(&summary, width));
    out
}

/// Word-wraps `text` to `width` terminal columns (East Asian wide characters count two), so
/// that the lines outside the tables keep to the width too.
fn wrap(text: &str, width: u16) -> String {
    let columns = |w: &str| -> usize {
        w.chars()
            .map(|c| if u32::from(c) >= 0x1100 { 2 } else { 1 })
            .sum()
    };
    let width = usize::from(width.max(20));
    let mut out = String::new();
    for line in text.lines() {
        let mut used = 0;
        for word in line.split(' ').filter(|w| !w.is_empty()) {
            let w = columns(word);
            if used > 0 && used + 1 + w > width {
                out.push('\n');
                used = 0;
            }
            if used > 0 {
                out.push(' ');
                used += 1;
            }
            out.push_str(word);
            used += w;
        }
        out.push('\n');
    }
    out
}

fn vendor_section(vendor: &VendorResult, lang: Lang, width: u16) -> String {
    let report = &vendor.report;
    let fy = report
        .fiscal_year
        .map(|y| format!(", FY{y}"))
        .unwrap_or_default();
    let mut out = wrap(
        &format!(
            "{} ({}) · {}: {} ({}{fy})\n",
            vendor.name,
            vendor.id,
            pick("annual report", "年次報告書", lang),
            report.path.as_deref().unwrap_or("-"),
            report_word(report.status, lang),
        ),
        width,
    );
    out.push_str(&wrap(
        &format!("{}\n", crate::grade::headline(&vendor.grading, lang)),
        width,
    ));

    // The target leads the text column instead of having its own: URLs of forms are long, and
    // a column of their width would leave the observations a narrow strip.
    let mut findings = new_table(width);
    findings.set_header(match lang {
        Lang::En => vec!["Severity", "Status", "Target · check · observed"],
        Lang::Ja => vec!["重大度", "判定", "対象 ・チェック ・観測結果"],
    });
    let skipped = vendor
        .findings
        .iter()
        .filter(|f| f.status == Status::Skipped)
        .count();
    // Passes are listed by target, one row each: what failed is what people act on, and the
    // evidence of each pass is in the JSON and Markdown reports.
    let mut passes: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let one = |findings: &mut Table, f: &Finding| {
        let mut status = status_word(f.status, lang).to_owned();
        if f.waived {
            status.push_str(pick(" (waived)", "（例外承認）", lang));
        } else if f.waiver.as_ref().is_some_and(|w| w.expired) {
            status.push_str(pick(" (waiver expired)", "（例外期限切れ）", lang));
        }
        let text = format!(
            "{}\n{}\n{}",
            f.target,
            pick(&f.title, &f.title_ja, lang),
            f.message
        );
        findings.add_row(vec![
            severity_cell(f.severity),
            status_cell(f.status, status),
            Cell::new(text),
        ]);
    };
    for row in rows(&vendor.findings) {
        let all = row.findings();
        match row {
            Row::One(f) if f.status == Status::Pass && !f.waived => {
                passes.entry(&f.target).or_default().push(&f.check);
            }
            Row::Errors { target, reasons } if all.len() > 1 => {
                let Some(severity) = all.iter().map(|f| f.severity).max() else {
                    continue;
                };
                findings.add_row(vec![
                    severity_cell(severity),
                    status_cell(Status::Error, status_word(Status::Error, lang).to_owned()),
                    Cell::new(format!("{target}\n{}", errors_text(&reasons, lang))),
                ]);
            }
            _ => {
                for f in all {
                    one(&mut findings, f);
                }
            }
        }
    }
    let passed: usize = passes.values().map(Vec::len).sum();
    for (target, checks) in &passes {
        findings.add_row(vec![
            Cell::new(""),
            status_cell(Status::Pass, status_word(Status::Pass, lang).to_owned()),
            Cell::new(format!("{target}\n{}", checks.join(", "))),
        ]);
    }
    for (target, line) in unidentified_ports(vendor, lang) {
        let host = target.rsplit_once(':').map_or(target, |(h, _)| h);
        findings.add_row(vec![
            Cell::new(""),
            Cell::new(pick("open", "開放", lang)).fg(Color::Yellow),
            Cell::new(format!("{host}\n{line}")),
        ]);
    }
    out.push_str(&findings.to_string());
    out.push('\n');
    let mut notes = Vec::new();
    if passed > 0 {
        notes.push(match lang {
            Lang::En => format!("{passed} passing check(s) are listed by target; --format json or markdown shows what each observed"),
            Lang::Ja => format!("合格したチェック {passed} 件は対象ごとにまとめています。各観測結果は --format json または markdown で出力できます"),
        });
    }
    if skipped > 0 {
        notes.push(match lang {
            Lang::En => format!("{skipped} check(s) did not apply and are not shown; --format json lists them"),
            Lang::Ja => format!("対象外のチェック {skipped} 件は表示していません。--format json で全件を出力できます"),
        });
    }
    for note in notes {
        out.push_str(&wrap(&format!("({note})"), width));
    }

    let mut controls = new_table(width);
    controls.set_header(match lang {
        Lang::En => vec!["Control (declared)", "Declared", "Verdict", "Because"],
        Lang::Ja => vec!["管理項目（申告）", "申告", "判定", "根拠"],
    });
    let mut undeclared = Vec::new();
    for c in &vendor.controls {
        if c.verdict == Verdict::Undeclared {
            undeclared.push(c.control.as_str());
            continue;
        }
        controls.add_row(vec![
            Cell::new(format!(
                "{}\n{}",
                c.control,
                pick(&c.title, &c.title_ja, lang)
            )),
            Cell::new(declared_word(c.declared, lang)),
            verdict_cell(c.verdict, verdict_word(c.verdict, lang)),
            Cell::new(&c.reason),
        ]);
    }
    if controls.row_count() > 0 {
        // Wide enough for every control key shown: a key broken mid-word cannot be searched for.
        let longest = vendor
            .controls
            .iter()
            .filter(|c| c.verdict != Verdict::Undeclared)
            .map(|c| c.control.len())
            .max()
            .unwrap_or(0);
        // (+2: the column's padding)
        let key_width = u16::try_from(longest + 2).unwrap_or(u16::MAX).max(40);
        if let Some(column) = controls.column_mut(0) {
            column.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(key_width)));
        }
        out.push_str(&controls.to_string());
        out.push('\n');
    }
    if !undeclared.is_empty() {
        let line = match lang {
            Lang::En => format!(
                "Undeclared ({}): {}\n",
                undeclared.len(),
                undeclared.join(", ")
            ),
            Lang::Ja => format!(
                "未回答（{}件）: {}\n",
                undeclared.len(),
                undeclared.join(", ")
            ),
        };
        out.push_str(&wrap(&line, width));
    }
    out
}

fn new_table(width: u16) -> Table {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width);
    table
}

fn severity_cell(severity: Severity) -> Cell {
    let cell = Cell::new(severity.name());
    match severity {
        Severity::Critical => cell.fg(Color::Red).add_attribute(Attribute::Bold),
        Severity::High => cell.fg(Color::Red),
        Severity::Medium => cell.fg(Color::Yellow),
        Severity::Low | Severity::Info => cell,
    }
}

fn status_cell(status: Status, text: String) -> Cell {
    let cell = Cell::new(text);
    match status {
        Status::Fail => cell.fg(Color::Red).add_attribute(Attribute::Bold),
        Status::Error => cell.fg(Color::Magenta),
        Status::Pass => cell.fg(Color::Green),
        Status::Skipped => cell,
    }
}

fn verdict_cell(verdict: Verdict, text: &str) -> Cell {
    let cell = Cell::new(text);
    match verdict {
        Verdict::Contradicted => cell.fg(Color::Red).add_attribute(Attribute::Bold),
        Verdict::Verified => cell.fg(Color::Green),
        Verdict::Admitted => cell.fg(Color::Yellow),
        Verdict::Undeclared | Verdict::Unverifiable => cell,
    }
}
