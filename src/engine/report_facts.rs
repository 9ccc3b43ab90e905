//! The annual report as an asset: its status (current, stale, missing, invalid) and fiscal year
//! become `report.*` facts, judged by the report checks like any other facts.

use chrono::{DateTime, Datelike, FixedOffset};
use chrono_tz::Tz;

use crate::declaration::ReportFile;
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

/// The report's status: `current` for this fiscal year or the next (a report handed in before
/// work starts, ahead of the year), `stale` for any other year.
pub fn status(report: &ReportFile, current_fy: i32) -> ReportStatus {
    match report {
        ReportFile::Missing { .. } => ReportStatus::Missing,
        ReportFile::Invalid { .. } => ReportStatus::Invalid,
        ReportFile::Loaded { declaration, .. } => {
            if declaration.fiscal_year == current_fy || declaration.fiscal_year == current_fy + 1 {
                ReportStatus::Current
            } else {
                ReportStatus::Stale
            }
        }
    }
}

pub fn facts(report: &ReportFile, shown_path: Option<&str>, current_fy: i32) -> Facts {
    let mut facts = Facts::new();
    facts.set("report.status", status(report, current_fy).name());
    facts.set(
        "report.path",
        shown_path.unwrap_or("(none listed in the inventory)"),
    );
    facts.set("report.current_fiscal_year", i64::from(current_fy));
    match report {
        ReportFile::Loaded { declaration, .. } => {
            facts.set("report.fiscal_year", i64::from(declaration.fiscal_year))
        }
        ReportFile::Invalid { problems, .. } => {
            let first = problems
                .0
                .first()
                .map(|d| format!("{}: {}", d.location(), d.message));
            facts.set(
                "report.error",
                first.unwrap_or_else(|| "invalid report".into()),
            );
        }
        ReportFile::Missing { .. } => {}
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
}
