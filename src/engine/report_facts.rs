//! The annual report as an asset: its status (current, stale, missing, invalid), fiscal year and
//! whether it is current become `report.*` facts, judged by the report checks like any other.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use chrono_tz::Tz;

use crate::catalog::Text;
use crate::declaration::{Declaration, ReportFile};
use crate::diagnostic::both;
use crate::fact::Facts;
use crate::results::ReportStatus;

/// The fiscal year `now` falls in, in `tz`, for a year starting on `start` (month, day):
/// Japan's FY2026 runs from 2026-04-01 to 2027-03-31.
pub fn fiscal_year(now: DateTime<FixedOffset>, tz: Tz, start: (u32, u32)) -> i32 {
    let local = now.with_timezone(&tz);
    if (local.month(), local.day()) >= start {
        local.year()
    } else {
        local.year() - 1
    }
}

/// Why a report's declaration is not for the current fiscal year, if it is not: for an earlier
/// year, for a year that has not begun, or submitted after `today` (a date in the future cannot
/// be a submission). `None` when it is current, or when its fiscal year is unknown.
/// In English and Japanese (`report.stale_reason`, `report.stale_reason_ja`).
pub fn stale_reason(declaration: &Declaration, current_fy: i32, today: NaiveDate) -> Option<Text> {
    let fy = declaration.fiscal_year?;
    let mut reasons = Vec::new();
    if fy < current_fy {
        reasons.push(both(
            format!("the report is for fiscal year {fy}; the current fiscal year is {current_fy}"),
            format!("年次報告書は {fy} 年度のもので、今年度は {current_fy} 年度である"),
        ));
    } else if fy > current_fy {
        reasons.push(both(
            format!(
                "the report is for fiscal year {fy}, which has not begun: the current fiscal year is {current_fy}"
            ),
            format!(
                "年次報告書はまだ始まっていない {fy} 年度のもので、今年度は {current_fy} 年度である"
            ),
        ));
    }
    if let Some(submitted) = declaration.submitted.filter(|s| *s > today) {
        reasons.push(both(
            format!(
                "the report of fiscal year {fy} says it was submitted on {submitted}, which is still ahead (today is {today}, in fiscal year {current_fy})"
            ),
            format!(
                "{fy} 年度の年次報告書の提出日が {submitted} で、まだ来ていない（今日は {current_fy} 年度の {today}）"
            ),
        ));
    }
    (!reasons.is_empty()).then(|| {
        let (en, ja): (Vec<String>, Vec<String>) =
            reasons.into_iter().map(|t| (t.en, t.ja)).unzip();
        both(en.join("; "), ja.join("。"))
    })
}

/// The report's status: `current` for this fiscal year, `stale` for an earlier one, one that has
/// not begun, or a submission date still ahead; `invalid` whenever it has a problem (its
/// well-formed answers still count, and `report.current` still says whether it is current).
pub fn status(report: &ReportFile, current_fy: i32, today: NaiveDate) -> ReportStatus {
    match report {
        ReportFile::Missing { .. } => ReportStatus::Missing,
        ReportFile::Invalid { .. } => ReportStatus::Invalid,
        ReportFile::Loaded { declaration, .. } => {
            match stale_reason(declaration, current_fy, today) {
                None => ReportStatus::Current,
                Some(_) => ReportStatus::Stale,
            }
        }
    }
}

pub fn facts(
    report: &ReportFile,
    shown_path: Option<&str>,
    current_fy: i32,
    today: NaiveDate,
) -> Facts {
    let mut facts = Facts::new();
    facts.set("report.status", status(report, current_fy, today).name());
    facts.set(
        "report.path",
        shown_path.unwrap_or("(none listed in the inventory)"),
    );
    facts.set("report.current_fiscal_year", i64::from(current_fy));
    if let Some(declaration) = report.declaration() {
        if let Some(fy) = declaration.fiscal_year {
            facts.set("report.fiscal_year", i64::from(fy));
            let reason = stale_reason(declaration, current_fy, today);
            facts.set("report.current", reason.is_none());
            if let Some(reason) = reason {
                facts.set("report.stale_reason", reason.en);
                facts.set("report.stale_reason_ja", reason.ja);
            }
        }
    }
    if let ReportFile::Invalid {
        problems,
        declaration,
        ..
    } = report
    {
        // Each message names its key; the location says where it is.
        let located = |lang| {
            problems
                .0
                .iter()
                .map(|d| format!("{}: {}", d.location(), d.message.get(lang)))
                .collect::<Vec<_>>()
        };
        let mut error = located(crate::catalog::Lang::En).join("; ");
        let mut error_ja = located(crate::catalog::Lang::Ja).join("。");
        if error.is_empty() {
            error = "invalid report".into();
            error_ja = "年次報告書に誤りがある".into();
        }
        if let Some(d) = declaration {
            let n = d.controls.len();
            error.push_str(&format!(
                " ({n} well-formed answer{} still judged)",
                if n == 1 { " is" } else { "s are" }
            ));
            error_ja.push_str(&format!("（正しく書かれた回答 {n} 件は判定に使う）"));
        }
        facts.set("report.error", error);
        facts.set("report.error_ja", error_ja);
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_fiscal_year_turns_on_april_first_in_tokyo() {
        let tz = chrono_tz::Asia::Tokyo;
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap();
        assert_eq!(
            fiscal_year(at("2026-03-31T23:59:00+09:00"), tz, (4, 1)),
            2025
        );
        assert_eq!(
            fiscal_year(at("2026-04-01T00:00:00+09:00"), tz, (4, 1)),
            2026
        );
        // 15:30 UTC on 31 March is already 1 April in Tokyo.
        assert_eq!(fiscal_year(at("2026-03-31T15:30:00Z"), tz, (4, 1)), 2026);
    }

    fn loaded(fy: i32, submitted: Option<&str>) -> ReportFile {
        ReportFile::Loaded {
            path: "r.toml".into(),
            declaration: Declaration {
                vendor: "v".into(),
                fiscal_year: Some(fy),
                submitted: submitted.map(|s| s.parse().unwrap()),
                controls: Default::default(),
            },
        }
    }

    #[test]
    fn only_the_current_fiscal_year_submitted_by_today_is_current() {
        let today: NaiveDate = "2026-11-26".parse().unwrap();
        for (fy, submitted, expected) in [
            (2026, Some("2026-04-01"), ReportStatus::Current),
            (2026, Some("2026-11-26"), ReportStatus::Current),
            (2025, None, ReportStatus::Stale),
            // A year that has not begun is not current (it used to pass as "current 2026").
            (2027, Some("2026-11-01"), ReportStatus::Stale),
            // Nor is a report dated after today.
            (2026, Some("2027-01-10"), ReportStatus::Stale),
        ] {
            let got = status(&loaded(fy, submitted), 2026, today);
            assert_eq!(got, expected, "FY{fy} submitted {submitted:?}");
        }
    }

    #[test]
    fn the_stale_reason_gives_both_years() {
        let today: NaiveDate = "2026-11-26".parse().unwrap();
        let facts = facts(&loaded(2027, None), Some("r.toml"), 2026, today);
        assert_eq!(facts.get("report.current"), Some(&false.into()));
        let reason = facts.get("report.stale_reason").unwrap().display();
        assert!(
            reason.contains("fiscal year 2027, which has not begun")
                && reason.contains("current fiscal year is 2026"),
            "{reason}"
        );
        let facts = self::facts(&loaded(2026, Some("2027-01-10")), None, 2026, today);
        let reason = facts.get("report.stale_reason").unwrap().display();
        assert!(
            reason.contains("submitted on 2027-01-10")
                && reason.contains("today is 2026-11-26")
                && reason.contains("fiscal year 2026"),
            "{reason}"
        );
        let reason_ja = facts.get("report.stale_reason_ja").unwrap().display();
        assert_eq!(
            reason_ja,
            "2026 年度の年次報告書の提出日が 2027-01-10 で、まだ来ていない（今日は 2026 年度の 2026-11-26）"
        );
        let facts = self::facts(&loaded(2026, Some("2026-04-01")), None, 2026, today);
        assert_eq!(facts.get("report.current"), Some(&true.into()));
        assert!(facts.get("report.stale_reason").is_none());
    }
}
