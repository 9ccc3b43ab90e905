//! Markdown report: the same content as the table, as GitHub-flavoured Markdown for tickets,
//! wikis and e-mail.

use super::{
    declared_word, pick, report_word, rows, severity_word, status_word, verdict_word, Row,
};
use crate::catalog::Lang;
use crate::results::{RunInfo, RunReport, Status, Summary};

pub fn render(report: &RunReport, lang: Lang) -> String {
    let mut out = head(&report.run, lang);
    for v in &report.vendors {
        out.push_str(&vendor_part(v, lang));
    }
    out.push_str(&tail(&report.summary, lang));
    out
}

/// The title: the run, when it judged, its proxy.
pub fn head(run: &RunInfo, lang: Lang) -> String {
    let mut out = format!(
        "# {} {}\n\n{}: {}\n\n",
        pick("vendor-audit run", "vendor-audit 監査実行", lang),
        run.id,
        pick("Judged at", "判定時刻", lang),
        run.now
    );
    if let Some(proxy) = &run.proxy {
        out.push_str(&format!(
            "{}: {proxy}\n\n",
            pick(
                "Form requests through the proxy",
                "フォームへの要求の経由プロキシ",
                lang
            )
        ));
    }
    out
}

/// One vendor's section (as [`render`] writes it, for a streamed report).
pub fn vendor_part(v: &crate::results::VendorResult, lang: Lang) -> String {
    let mut out = String::new();
    {
        let fy = v
            .report
            .fiscal_year
            .map(|y| format!(", FY{y}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "## {} (`{}`)\n\n{}: `{}` ({}{fy})\n\n",
            v.name,
            v.id,
            pick("Annual report", "年次報告書", lang),
            v.report.path.as_deref().unwrap_or("-"),
            report_word(v.report.status, lang)
        ));
        out.push_str(&grading(v, lang));
        out.push_str(pick(
            "| Severity | Status | Target | Check | Observed |\n|---|---|---|---|---|\n",
            "| 重大度 | 判定 | 対象 | チェック | 観測結果 |\n|---|---|---|---|---|\n",
            lang,
        ));
        for row in rows(&v.findings, lang) {
            let all = row.findings();
            match row {
                Row::Errors { target, reasons } if all.len() > 1 => {
                    let Some(severity) = all.iter().map(|f| f.severity).max() else {
                        continue;
                    };
                    let checks: Vec<String> =
                        all.iter().map(|f| format!("`{}`", f.check)).collect();
                    // One reason: said once; several: each with the checks it left undecided.
                    let observed: Vec<String> = match reasons.as_slice() {
                        [(reason, _)] => vec![cell(reason)],
                        _ => reasons
                            .iter()
                            .map(|(reason, group)| {
                                let ids: Vec<String> =
                                    group.iter().map(|f| format!("`{}`", f.check)).collect();
                                format!("{} ({})", cell(reason), ids.join(", "))
                            })
                            .collect(),
                    };
                    out.push_str(&format!(
                        "| {} | {} | `{target}` | {} | {} |\n",
                        severity_word(severity, lang),
                        status_word(Status::Error, lang),
                        checks.join(", "),
                        observed.join("; ")
                    ));
                }
                _ => {
                    for f in all {
                        out.push_str(&finding_row(f, lang));
                    }
                }
            }
        }
        out.push_str(pick(
            "\n| Control | Declared | Verdict | Because |\n|---|---|---|---|\n",
            "\n| 管理項目 | 申告 | 判定 | 根拠 |\n|---|---|---|---|\n",
            lang,
        ));
        for c in &v.controls {
            out.push_str(&format!(
                "| {} (`{}`) | {} | **{}** | {} |\n",
                cell(pick(&c.title, &c.title_ja, lang)),
                c.control,
                declared_word(c.declared, lang),
                verdict_word(c.verdict, lang),
                cell(c.reason_in(lang))
            ));
        }
        out.push('\n');
    }
    out
}

/// The run's totals, after the vendors.
pub fn tail(s: &Summary, lang: Lang) -> String {
    let mut out = String::new();
    out.push_str(&match lang {
        Lang::En => format!(
            "**{} fail, {} error, {} pass, {} skipped; {} controls contradicted.**\n",
            s.fail, s.error, s.pass, s.skipped, s.contradicted
        ),
        Lang::Ja => format!(
            "**不合格 {}・判定不能 {}・合格 {}・対象外 {}。申告と矛盾した管理項目 {} 件。**\n",
            s.fail, s.error, s.pass, s.skipped, s.contradicted
        ),
    });
    out
}

fn finding_row(f: &crate::results::Finding, lang: Lang) -> String {
    let waived = if f.waived {
        pick(" (waived)", "（例外承認済み）", lang)
    } else {
        ""
    };
    format!(
        "| {} | {}{waived} | `{}` | {} (`{}`) | {} |\n",
        severity_word(f.severity, lang),
        status_word(f.status, lang),
        f.target,
        cell(pick(&f.title, &f.title_ja, lang)),
        f.check,
        cell(f.message_in(lang))
    )
}

/// The grade in bold, then its sum (the same lines as `--explain`).
fn grading(v: &crate::results::VendorResult, lang: Lang) -> String {
    format!(
        "**{}**\n\n```text\n{}```\n\n",
        crate::grade::headline(&v.grading, lang),
        crate::grade::explain(&v.grading, lang)
    )
}

/// Text safe inside a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
