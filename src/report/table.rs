//! Table report for terminals: per vendor, the findings (severity, status, target, check and what
//! was seen; passes condensed to one row per target), then the declared-vs-observed verdicts.
//! Readable at 80 columns and wider, no word split (`layout`); coloured only when asked.

use std::collections::BTreeMap;

use comfy_table::Color;

use super::layout::{self, Text};
use super::{declared_word, errors_text, pick, report_word, rows, status_word, verdict_word, Row};
use crate::catalog::{Lang, Severity};
use crate::results::{Finding, RunInfo, RunReport, Status, Summary, VendorResult, Verdict};

/// The table report, `width` columns wide, with colour codes only when `color` is true (the
/// caller decides, through `report::color`).
pub fn render(report: &RunReport, lang: Lang, width: u16, color: bool) -> String {
    let mut out = String::new();
    for vendor in &report.vendors {
        out.push_str(&vendor_part(vendor, lang, width, color));
    }
    out.push_str(&tail(&report.run, &report.summary, lang, width));
    out
}

/// One vendor's part of the table (as [`render`] writes it, for a streamed report).
pub fn vendor_part(vendor: &VendorResult, lang: Lang, width: u16, color: bool) -> String {
    vendor_section(vendor, lang, width, color) + "\n"
}

/// What follows the vendors: the run's summary line and its proxy.
pub fn tail(run: &RunInfo, s: &Summary, lang: Lang, width: u16) -> String {
    let mut out = String::new();
    let summary = match lang {
        Lang::En => format!(
            "{} fail, {} error, {} pass, {} skipped ({} waived) · controls: {} contradicted, {} verified, {} admitted, {} undeclared, {} unverifiable · run {} at {}\n",
            s.fail, s.error, s.pass, s.skipped, s.waived, s.contradicted, s.verified, s.admitted, s.undeclared, s.unverifiable, run.id, run.now
        ),
        Lang::Ja => format!(
            "不合格 {} ・判定不能 {} ・合格 {} ・対象外 {} ・例外承認済み {} · 管理項目: 申告と矛盾 {} ・確認済み {} ・未実施（申告どおり） {} ・未回答 {} ・確認不能 {} · 監査実行 {}（{}）\n",
            s.fail, s.error, s.pass, s.skipped, s.waived, s.contradicted, s.verified, s.admitted, s.undeclared, s.unverifiable, run.id, run.now
        ),
    };
    out.push_str(&wrap(&summary, width));
    if let Some(proxy) = &run.proxy {
        let line = match lang {
            Lang::En => format!("form requests went through the proxy {proxy}\n"),
            Lang::Ja => format!("フォームへの要求はプロキシ {proxy} を経由した\n"),
        };
        out.push_str(&wrap(&line, width));
    }
    out
}

fn wrap(text: &str, width: u16) -> String {
    layout::wrap_lines(text, width)
}

fn vendor_section(vendor: &VendorResult, lang: Lang, width: u16, color: bool) -> String {
    let report = &vendor.report;
    let fy = report
        .fiscal_year
        .map(|y| match lang {
            Lang::En => format!(", FY{y}"),
            Lang::Ja => format!("、{y} 年度"),
        })
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
    let mut findings: Vec<Vec<Text>> = Vec::new();
    let findings_header = match lang {
        Lang::En => ["Severity", "Status", "Target · check · observed"],
        Lang::Ja => ["重大度", "判定", "対象 ・チェック ・観測結果"],
    };
    let skipped = vendor
        .findings
        .iter()
        .filter(|f| f.status == Status::Skipped)
        .count();
    // Passes are listed by target, one row each: what failed is what people act on, and the
    // evidence of each pass is in the JSON and Markdown reports.
    let mut passes: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let one = |findings: &mut Vec<Vec<Text>>, f: &Finding| {
        let mut status = status_word(f.status, lang).to_owned();
        if f.waived {
            status.push_str(pick(" (waived)", "（例外承認済み）", lang));
        } else if f.waiver.as_ref().is_some_and(|w| w.expired) {
            status.push_str(pick(" (waiver expired)", "（例外承認の期限切れ）", lang));
        }
        let text = format!(
            "{}\n{}\n{}",
            f.target,
            pick(&f.title, &f.title_ja, lang),
            f.message_in(lang)
        );
        findings.push(vec![
            severity_cell(f.severity, lang),
            status_cell(f.status, status),
            Text::plain(text),
        ]);
    };
    for row in rows(&vendor.findings, lang) {
        let all = row.findings();
        match row {
            Row::One(f) if f.status == Status::Pass && !f.waived => {
                passes.entry(&f.target).or_default().push(&f.check);
            }
            Row::Errors { target, reasons } if all.len() > 1 => {
                let Some(severity) = all.iter().map(|f| f.severity).max() else {
                    continue;
                };
                findings.push(vec![
                    severity_cell(severity, lang),
                    status_cell(Status::Error, status_word(Status::Error, lang).to_owned()),
                    Text::plain(format!("{target}\n{}", errors_text(&reasons, lang))),
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
        findings.push(vec![
            Text::plain(""),
            status_cell(Status::Pass, status_word(Status::Pass, lang).to_owned()),
            Text::plain(format!("{target}\n{}", checks.join(", "))),
        ]);
    }
    out.push_str(&layout::table(&findings_header, &findings, width, color));
    out.push('\n');
    let mut notes = Vec::new();
    if passed > 0 {
        notes.push(match lang {
            Lang::En => format!("{passed} passing check(s) are listed by target; --format json or markdown shows what each observed"),
            Lang::Ja => format!("合格したチェック {passed} 件は対象ごとにまとめて示す。各チェックの観測結果は --format json または markdown で確認できる"),
        });
    }
    if skipped > 0 {
        notes.push(match lang {
            Lang::En => format!(
                "{skipped} check(s) did not apply and are not shown; --format json lists them"
            ),
            Lang::Ja => format!(
                "対象外のチェック {skipped} 件は示していない。--format json で全件を確認できる"
            ),
        });
    }
    for note in notes {
        out.push_str(&wrap(&format!("({note})"), width));
    }

    let mut controls: Vec<Vec<Text>> = Vec::new();
    let controls_header = match lang {
        Lang::En => ["Control (declared)", "Declared", "Verdict", "Because"],
        Lang::Ja => ["管理項目（申告）", "申告", "判定", "根拠"],
    };
    let mut undeclared = Vec::new();
    for c in &vendor.controls {
        if c.verdict == Verdict::Undeclared {
            undeclared.push(c.control.as_str());
            continue;
        }
        controls.push(vec![
            Text::plain(format!(
                "{}\n{}",
                c.control,
                pick(&c.title, &c.title_ja, lang)
            )),
            Text::plain(declared_word(c.declared, lang)),
            verdict_cell(c.verdict, verdict_word(c.verdict, lang)),
            Text::plain(c.reason_in(lang)),
        ]);
    }
    if !controls.is_empty() {
        // Control keys stay whole: a key broken mid-word cannot be searched for. Where four
        // columns leave too little room for that (80 columns and a 40-character key), the
        // declared answer and the verdict share one column, one above the other.
        let stacked_header = match lang {
            Lang::En => ["Control (declared)", "Declared · verdict", "Because"],
            Lang::Ja => ["管理項目（申告）", "申告 ・判定", "根拠"],
        };
        let stacked: Vec<Vec<Text>> = controls
            .iter()
            .cloned()
            .map(|mut row| {
                let because = row.pop().unwrap_or_else(|| Text::plain(""));
                let verdict = row.pop().unwrap_or_else(|| Text::plain(""));
                let declared = row.pop().unwrap_or_else(|| Text::plain(""));
                let both = Text {
                    text: format!("{}\n{}", declared.text, verdict.text),
                    ..verdict
                };
                row.extend([both, because]);
                row
            })
            .collect();
        let broken_keys = layout::broken_words(&controls_header, &controls, width, 0);
        if broken_keys > 0
            && layout::broken_words(&stacked_header, &stacked, width, 0) < broken_keys
        {
            out.push_str(&layout::table(&stacked_header, &stacked, width, color));
        } else {
            out.push_str(&layout::table(&controls_header, &controls, width, color));
        }
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

fn severity_cell(severity: Severity, lang: Lang) -> Text {
    let cell = Text::plain(super::severity_word(severity, lang));
    match severity {
        Severity::Critical => cell.fg(Color::Red).bold(),
        Severity::High => cell.fg(Color::Red),
        Severity::Medium => cell.fg(Color::Yellow),
        Severity::Low | Severity::Info => cell,
    }
}

fn status_cell(status: Status, text: String) -> Text {
    let cell = Text::plain(text);
    match status {
        Status::Fail => cell.fg(Color::Red).bold(),
        Status::Error => cell.fg(Color::Magenta),
        Status::Pass => cell.fg(Color::Green),
        Status::Skipped => cell,
    }
}

fn verdict_cell(verdict: Verdict, text: &str) -> Text {
    let cell = Text::plain(text);
    match verdict {
        Verdict::Contradicted => cell.fg(Color::Red).bold(),
        Verdict::Verified => cell.fg(Color::Green),
        Verdict::Admitted => cell.fg(Color::Yellow),
        Verdict::Undeclared | Verdict::Unverifiable => cell,
    }
}
