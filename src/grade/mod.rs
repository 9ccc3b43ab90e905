//! The grade (issue 12): a vendor's `score` 0-100 and letter A-F, in the style of SSL Labs'
//! rating guide. Pure: a function of a `VendorResult`. The formula is the constants below, in
//! this one place; `formula()` prints it from them and `explain()` prints one vendor's sum.

mod text;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalog::Severity;
use crate::results::{ReportStatus, Status, VendorResult, Verdict};

pub use text::{explain, explain_run, explain_vendor, formula, headline};

/// Every vendor starts with this many points.
pub const START: u32 = 100;

/// Points a failing check deducts, by its severity: once per check however many targets it fails
/// on (the targets are listed), and nothing when every failure of it is under an unexpired
/// waiver.
pub const fn fail_points(severity: Severity) -> u32 {
    match severity {
        Severity::Critical => 40,
        Severity::High => 20,
        Severity::Medium => 8,
        Severity::Low => 3,
        Severity::Info => 0,
    }
}

/// Points each contradicted declaration (declared in place, observed failing) deducts on top of
/// its checks' failures. An admitted gap (declared not in place) costs only the failure: a vendor
/// that declares what is false is worse than one that admits a gap.
pub const CONTRADICTED_POINTS: u32 = 15;

/// Points each check that could not be judged (`error` findings only, no failure) deducts ...
pub const UNJUDGED_POINTS: u32 = 2;
/// ... and at most this many in all: missing evidence lowers confidence, it is no failure.
pub const UNJUDGED_POINTS_MAX: u32 = 10;

/// The highest score a vendor with an unwaived critical failure can have (F).
pub const CAP_CRITICAL: u32 = 34;
/// The highest score with an unwaived high failure (C).
pub const CAP_HIGH: u32 = 79;
/// The highest score when the annual report is missing, stale (not this fiscal year's) or invalid
/// (C): without this year's declaration the city knows less. From the report's status, so a
/// waiver of the report finding removes its deduction, not the cap.
pub const CAP_REPORT: u32 = 79;
/// The highest score when any check could not be judged (B): an A needs complete evidence.
pub const CAP_UNJUDGED: u32 = 89;

/// The lowest score of each letter; the letter follows the score after the caps.
pub const BANDS: [(Grade, u32); 6] = [
    (Grade::A, 90),
    (Grade::B, 80),
    (Grade::C, 65),
    (Grade::D, 50),
    (Grade::E, 35),
    (Grade::F, 0),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize)]
pub enum Grade {
    A,
    B,
    C,
    D,
    E,
    #[default]
    F,
}

impl Grade {
    /// The letter of `score` (`BANDS`).
    pub fn of(score: u32) -> Grade {
        BANDS
            .iter()
            .find(|(_, lowest)| score >= *lowest)
            .map_or(Grade::F, |(grade, _)| *grade)
    }

    pub fn name(self) -> &'static str {
        match self {
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
            Grade::D => "D",
            Grade::E => "E",
            Grade::F => "F",
        }
    }
}

impl std::fmt::Display for Grade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why points were deducted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeductionKind {
    /// A check failed (not waived).
    Failed,
    /// A declaration was contradicted.
    Contradicted,
    /// A check could not be judged.
    Unjudged,
}

/// One deduction: a failing or unjudged check, or a contradicted control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deduction {
    pub kind: DeductionKind,
    /// The check (failed, unjudged), or the check that contradicted the control.
    pub check: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
    pub severity: Severity,
    /// Where it failed or could not be judged.
    pub targets: Vec<String>,
    pub points: u32,
}

/// Which cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CapRule {
    CriticalFailure,
    HighFailure,
    ReportMissing,
    ReportStale,
    ReportInvalid,
    Unjudged,
}

impl CapRule {
    /// The highest score the rule allows.
    pub const fn max(self) -> u32 {
        match self {
            CapRule::CriticalFailure => CAP_CRITICAL,
            CapRule::HighFailure => CAP_HIGH,
            CapRule::ReportMissing | CapRule::ReportStale | CapRule::ReportInvalid => CAP_REPORT,
            CapRule::Unjudged => CAP_UNJUDGED,
        }
    }

    pub const ALL: [CapRule; 6] = [
        CapRule::CriticalFailure,
        CapRule::HighFailure,
        CapRule::ReportMissing,
        CapRule::ReportStale,
        CapRule::ReportInvalid,
        CapRule::Unjudged,
    ];
}

/// One cap that holds for the vendor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cap {
    pub rule: CapRule,
    pub max: u32,
    /// The checks that brought it (empty for the report's status).
    pub checks: Vec<String>,
    /// Whether it lowered the score (its max is below the points left after the deductions).
    pub lowered: bool,
}

/// Whether every check that applied could be judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    #[default]
    Complete,
    /// Some checks could not be judged: the grade rests on part of the evidence.
    Partial,
}

/// A vendor's grade with every step of its sum (the JSON's `grading`, and `--explain`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Grading {
    pub grade: Grade,
    pub score: u32,
    pub start: u32,
    /// The points left after the deductions (never below 0), before the caps.
    pub before_caps: u32,
    pub deductions: Vec<Deduction>,
    pub caps: Vec<Cap>,
    pub confidence: Confidence,
    /// Checks that applied and were judged (passed, failed or waived).
    pub judged: usize,
    /// Checks that applied but could not be judged (`error`): never counted as passes.
    pub unjudged: usize,
}

/// How one check came out for a vendor, over all its targets.
#[derive(Debug, Default)]
struct CheckOutcome<'a> {
    severity: Option<Severity>,
    failed: Vec<&'a str>,
    errors: Vec<&'a str>,
    judged: bool,
}

/// Grades `vendor` from its findings, control verdicts and report status.
pub fn grade(vendor: &VendorResult) -> Grading {
    let mut checks: BTreeMap<&str, CheckOutcome> = BTreeMap::new();
    for f in vendor
        .findings
        .iter()
        .filter(|f| f.status != Status::Skipped)
    {
        let outcome = checks.entry(f.check.as_str()).or_default();
        outcome.severity = outcome.severity.max(Some(f.severity));
        match f.status {
            Status::Fail if !f.waived => outcome.failed.push(&f.target),
            // A waiver accepts a failure, not missing evidence.
            Status::Error => outcome.errors.push(&f.target),
            _ => outcome.judged = true,
        }
    }

    let mut deductions = Vec::new();
    let mut caps: Vec<Cap> = Vec::new();
    let mut cap =
        |rule: CapRule, check: Option<&str>| match caps.iter_mut().find(|c| c.rule == rule) {
            Some(c) => c.checks.extend(check.map(str::to_owned)),
            None => caps.push(Cap {
                rule,
                max: rule.max(),
                checks: check.map(str::to_owned).into_iter().collect(),
                lowered: false,
            }),
        };
    let (mut judged, mut unjudged) = (0, 0);
    let mut unjudged_points = 0;
    for (check, outcome) in &checks {
        let severity = outcome.severity.unwrap_or(Severity::Info);
        if !outcome.failed.is_empty() {
            judged += 1;
            let points = fail_points(severity);
            if points > 0 {
                deductions.push(Deduction {
                    kind: DeductionKind::Failed,
                    check: (*check).to_owned(),
                    control: None,
                    severity,
                    targets: outcome.failed.iter().map(|t| (*t).to_owned()).collect(),
                    points,
                });
            }
            match severity {
                Severity::Critical => cap(CapRule::CriticalFailure, Some(check)),
                Severity::High => cap(CapRule::HighFailure, Some(check)),
                _ => {}
            }
        } else if !outcome.errors.is_empty() {
            unjudged += 1;
            let points = UNJUDGED_POINTS.min(UNJUDGED_POINTS_MAX - unjudged_points);
            unjudged_points += points;
            deductions.push(Deduction {
                kind: DeductionKind::Unjudged,
                check: (*check).to_owned(),
                control: None,
                severity,
                targets: outcome.errors.iter().map(|t| (*t).to_owned()).collect(),
                points,
            });
            cap(CapRule::Unjudged, Some(check));
        } else if outcome.judged {
            judged += 1;
        }
    }

    for control in vendor
        .controls
        .iter()
        .filter(|c| c.verdict == Verdict::Contradicted)
    {
        // The failing finding that contradicts it (the first, as the verdict's reason cites).
        let failing = vendor.findings.iter().find(|f| {
            f.control.as_deref() == Some(control.control.as_str())
                && f.status == Status::Fail
                && !f.waived
        });
        deductions.push(Deduction {
            kind: DeductionKind::Contradicted,
            check: failing.map(|f| f.check.clone()).unwrap_or_default(),
            control: Some(control.control.clone()),
            severity: failing.map_or(Severity::Info, |f| f.severity),
            targets: failing.map(|f| f.target.clone()).into_iter().collect(),
            points: CONTRADICTED_POINTS,
        });
    }

    match vendor.report.status {
        ReportStatus::Current => {}
        ReportStatus::Missing => cap(CapRule::ReportMissing, None),
        ReportStatus::Stale => cap(CapRule::ReportStale, None),
        ReportStatus::Invalid => cap(CapRule::ReportInvalid, None),
    }

    // Failures first, the heaviest first; then contradictions; then what could not be judged.
    deductions.sort_by(|a, b| {
        (a.kind, std::cmp::Reverse(a.points), &a.check).cmp(&(
            b.kind,
            std::cmp::Reverse(b.points),
            &b.check,
        ))
    });
    let deducted: u32 = deductions.iter().map(|d| d.points).sum();
    let before_caps = START.saturating_sub(deducted);
    let mut score = before_caps;
    for c in &mut caps {
        c.lowered = c.max < before_caps;
        score = score.min(c.max);
    }
    caps.sort_by_key(|c| c.max);
    Grading {
        grade: Grade::of(score),
        score,
        start: START,
        before_caps,
        deductions,
        caps,
        confidence: if unjudged == 0 {
            Confidence::Complete
        } else {
            Confidence::Partial
        },
        judged,
        unjudged,
    }
}

#[cfg(test)]
mod tests;
