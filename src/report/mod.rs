//! Reports: render a `RunReport` for people (table, markdown, HTML) or machines (JSON, JUnit,
//! OSCAL). Reports only render; they decide nothing.

pub mod assessment;
pub mod changes;
pub mod color;
pub mod html;
pub mod json;
pub mod junit;
mod layout;
pub mod markdown;
pub mod oscal;
pub mod output;
pub mod requirements;
pub mod stream;
pub mod table;

pub use layout::wrap_hanging;

use crate::catalog::{Catalog, Lang, Severity};
use crate::history::Trends;
use crate::results::{ReportStatus, Status, Verdict};

/// The report formats. A new one is a variant here and its arm in [`render_with`]: `--format`,
/// `--output FORMAT=FILE` and their error messages take the names from this enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Markdown,
    Junit,
    // NIST OSCAL 1.1 assessment results (JSON), for GRC systems.
    Oscal,
    /// One self-contained page for people sent the report by mail (`html`).
    Html,
}

/// What a format may use besides the report, passed in by the caller (reports read nothing
/// themselves): the check catalogue, for each finding's fix (HTML), and each vendor's earlier
/// graded runs, for its trend (HTML; `None` when the run keeps no history).
#[derive(Clone, Copy, Default)]
pub struct Extras<'a> {
    pub catalog: Option<&'a Catalog>,
    pub trends: Option<&'a Trends>,
}

/// Renders `report` in `format` without colour (as every file is written); `width` is the
/// table's width in columns.
pub fn render(
    report: &crate::results::RunReport,
    format: Format,
    lang: Lang,
    width: u16,
) -> String {
    render_with(report, format, lang, width, false, Extras::default())
}

/// Renders `report` in `format`, with colour codes where the format has them (the table) and
/// `color` is true: decide it with [`color::for_stdout`], and only for standard output.
pub fn render_styled(
    report: &crate::results::RunReport,
    format: Format,
    lang: Lang,
    width: u16,
    color: bool,
) -> String {
    render_with(report, format, lang, width, color, Extras::default())
}

/// [`render_styled`] with what the HTML adds from outside the report: fix texts and trends.
pub fn render_with(
    report: &crate::results::RunReport,
    format: Format,
    lang: Lang,
    width: u16,
    color: bool,
    extras: Extras,
) -> String {
    match format {
        Format::Table => table::render(report, lang, width, color),
        Format::Json => json::render(report),
        Format::Markdown => markdown::render(report, lang),
        Format::Junit => junit::render(report),
        Format::Oscal => oscal::render(report, lang),
        Format::Html => html::render(report, lang, extras),
    }
}

/// Words shown to people, in English or Japanese.
pub(crate) fn status_word(status: Status, lang: Lang) -> &'static str {
    match (status, lang) {
        (Status::Fail, Lang::En) => "FAIL",
        (Status::Error, Lang::En) => "ERROR",
        (Status::Pass, Lang::En) => "pass",
        (Status::Skipped, Lang::En) => "skipped",
        (Status::Fail, Lang::Ja) => "不合格",
        (Status::Error, Lang::Ja) => "判定不能",
        (Status::Pass, Lang::Ja) => "合格",
        (Status::Skipped, Lang::Ja) => "対象外",
    }
}

pub(crate) fn verdict_word(verdict: Verdict, lang: Lang) -> &'static str {
    match lang {
        Lang::En => verdict.name(),
        Lang::Ja => match verdict {
            Verdict::Verified => "確認済み",
            Verdict::Contradicted => "申告と矛盾",
            Verdict::Admitted => "未実施（申告どおり）",
            Verdict::Undeclared => "未回答",
            Verdict::Unverifiable => "確認不能",
        },
    }
}

/// A severity as people read it: `critical` … `info` in English; 重大・高・中・低・情報 in
/// Japanese (docs/GLOSSARY.ja.md). Machine formats keep the English name.
pub fn severity_word(severity: Severity, lang: Lang) -> &'static str {
    match lang {
        Lang::En => severity.name(),
        Lang::Ja => match severity {
            Severity::Critical => "重大",
            Severity::High => "高",
            Severity::Medium => "中",
            Severity::Low => "低",
            Severity::Info => "情報",
        },
    }
}

pub(crate) fn declared_word(declared: Option<bool>, lang: Lang) -> &'static str {
    match (declared, lang) {
        (Some(true), Lang::En) => "yes",
        (Some(false), Lang::En) => "no",
        (None, Lang::En) => "-",
        (Some(true), Lang::Ja) => "実施",
        (Some(false), Lang::Ja) => "未実施",
        (None, Lang::Ja) => "-",
    }
}

pub(crate) fn report_word(status: ReportStatus, lang: Lang) -> &'static str {
    match lang {
        Lang::En => status.name(),
        Lang::Ja => match status {
            ReportStatus::Current => "今年度",
            ReportStatus::Stale => "過年度",
            ReportStatus::Missing => "未提出",
            ReportStatus::Invalid => "読取不能",
        },
    }
}

pub(crate) fn pick<'a>(en: &'a str, ja: &'a str, lang: Lang) -> &'a str {
    match lang {
        Lang::En => en,
        Lang::Ja => ja,
    }
}

/// The rows of a vendor's findings as people read them: each finding once, except that the
/// `error` findings of one target make one row (a silent port, an unreachable or out-of-scope
/// asset leaves every check of it undecided: one cause, told once). The JSON keeps one finding
/// per check (SPEC §10).
pub(crate) enum Row<'a> {
    One(&'a crate::results::Finding),
    /// The errors on one target: each distinct reason (the finding's cause in the report's
    /// language), in order of first appearance, with the findings it left undecided.
    Errors {
        target: &'a str,
        reasons: Vec<(&'a str, Vec<&'a crate::results::Finding>)>,
    },
}

impl<'a> Row<'a> {
    /// The findings of the row.
    pub(crate) fn findings(&self) -> Vec<&'a crate::results::Finding> {
        match self {
            Row::One(f) => vec![*f],
            Row::Errors { reasons, .. } => reasons.iter().flat_map(|(_, fs)| fs.clone()).collect(),
        }
    }
}

/// The rows of `findings` in their order (an error row where its target's first error is),
/// skipped findings left out.
pub(crate) fn rows(findings: &[crate::results::Finding], lang: Lang) -> Vec<Row<'_>> {
    let mut out: Vec<Row> = Vec::new();
    for f in findings.iter().filter(|f| f.status != Status::Skipped) {
        if f.status != Status::Error || f.waived {
            out.push(Row::One(f));
            continue;
        }
        let reason = f.cause_in(lang);
        let existing = out.iter_mut().find_map(|row| match row {
            Row::Errors { target, reasons } if *target == f.target => Some(reasons),
            _ => None,
        });
        match existing {
            Some(reasons) => match reasons.iter_mut().find(|(r, _)| *r == reason) {
                Some((_, group)) => group.push(f),
                None => reasons.push((reason, vec![f])),
            },
            None => out.push(Row::Errors {
                target: &f.target,
                reasons: vec![(reason, vec![f])],
            }),
        }
    }
    out
}

/// The text of an error row: each reason first, then which checks it left undecided.
pub(crate) fn errors_text(reasons: &[(&str, Vec<&crate::results::Finding>)], lang: Lang) -> String {
    let parts: Vec<String> = reasons
        .iter()
        .map(|(reason, findings)| {
            let checks: Vec<&str> = findings.iter().map(|f| f.check.as_str()).collect();
            match lang {
                Lang::En => format!(
                    "{reason}\nso {} check(s) cannot tell: {}",
                    checks.len(),
                    checks.join(", ")
                ),
                Lang::Ja => format!(
                    "{reason}\nこのため {} 件のチェックが判定できない: {}",
                    checks.len(),
                    checks.join(", ")
                ),
            }
        })
        .collect();
    parts.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_words_are_the_glossarys() {
        let all = [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
            Severity::Info,
        ];
        let ja: Vec<&str> = all.iter().map(|s| severity_word(*s, Lang::Ja)).collect();
        assert_eq!(ja, ["重大", "高", "中", "低", "情報"]);
        let en: Vec<&str> = all.iter().map(|s| severity_word(*s, Lang::En)).collect();
        assert_eq!(en, ["critical", "high", "medium", "low", "info"]);
        // One word per verdict: the old `外部から確認不能` is gone.
        assert_eq!(verdict_word(Verdict::Unverifiable, Lang::Ja), "確認不能");
        assert_eq!(
            verdict_word(Verdict::Admitted, Lang::Ja),
            "未実施（申告どおり）"
        );
    }
}
