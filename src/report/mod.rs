//! Reports: render a `RunReport` for people (table, markdown) or machines (JSON, JUnit). Reports
//! only render; they decide nothing.

pub mod json;
pub mod junit;
pub mod markdown;
pub mod table;

use crate::catalog::Lang;
use crate::results::{ReportStatus, Status, Verdict};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Markdown,
    Junit,
}

/// Renders `report` in `format`; `width` is the table's width in columns.
pub fn render(
    report: &crate::results::RunReport,
    format: Format,
    lang: Lang,
    width: u16,
) -> String {
    match format {
        Format::Table => table::render(report, lang, width),
        Format::Json => json::render(report),
        Format::Markdown => markdown::render(report, lang),
        Format::Junit => junit::render(report),
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
            Verdict::Unverifiable => "外部から確認不能",
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
