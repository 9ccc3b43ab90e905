//! What a run found: findings, control verdicts and the raw facts, per vendor. This is the one
//! model every report renders and the history stores; its JSON form is SPEC §10 (`vendor-audit/v1`),
//! whose keys are fixed.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::catalog::{Lang, Severity, Text};
use crate::fact::FactValue;
use crate::grade::{Grade, Grading};

pub const SCHEMA: &str = "vendor-audit/v1";

#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub schema: &'static str,
    pub run: RunInfo,
    pub vendors: Vec<VendorResult>,
    pub summary: Summary,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    pub id: String,
    pub started_at: String,
    pub finished_at: String,
    /// The instant checks were judged at (`--now`, or the clock).
    pub now: String,
    pub tool: String,
    /// The proxy form requests went through (`[audit] proxy`); absent: none, whatever the
    /// environment said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy: Option<String>,
    /// The share of the inventory's vendors this run covers (`run --shard K/N`); absent: all
    /// the selected vendors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::shard::Shard>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VendorResult {
    pub id: String,
    pub name: String,
    /// The letter of `score` (SPEC §10), a copy of `grading.grade`.
    pub grade: Grade,
    /// 0-100 (SPEC §10), a copy of `grading.score`.
    pub score: u32,
    pub report: ReportSummary,
    pub findings: Vec<Finding>,
    pub controls: Vec<ControlVerdict>,
    pub assets: Vec<AssetFacts>,
    /// How `score` was reached: every deduction and cap (`crate::grade`).
    pub grading: Grading,
}

impl VendorResult {
    /// This result with its grade computed from its findings, verdicts and report status.
    pub fn graded(mut self) -> VendorResult {
        self.grading = crate::grade::grade(&self);
        self.grade = self.grading.grade;
        self.score = self.grading.score;
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportStatus {
    Current,
    Stale,
    Missing,
    Invalid,
}

impl ReportStatus {
    pub fn name(self) -> &'static str {
        match self {
            ReportStatus::Current => "current",
            ReportStatus::Stale => "stale",
            ReportStatus::Missing => "missing",
            ReportStatus::Invalid => "invalid",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportSummary {
    pub path: Option<String>,
    pub status: ReportStatus,
    pub fiscal_year: Option<i32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Fail,
    Error,
    Pass,
    Skipped,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Error => "error",
            Status::Skipped => "skipped",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub check: String,
    /// `HOST:PORT` (inventory name), a host name for host-wide results, a URL, or `report`.
    pub target: String,
    pub status: Status,
    pub severity: Severity,
    pub title: String,
    pub title_ja: String,
    pub message: String,
    /// `message` in Japanese (the English text when a user's check has none).
    pub message_ja: String,
    pub control: Option<String>,
    pub waived: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<WaiverNote>,
    pub evidence: BTreeMap<String, FactValue>,
    /// For an `error`, why it could not be judged without the facts that left unknown (the
    /// probe's reason): what the reports group one target's errors by, one cause told once.
    /// `None`: the message is the cause. Not in the JSON, where the message says it.
    #[serde(skip)]
    pub cause: Option<Text>,
}

impl Finding {
    /// The message in `lang`.
    pub fn message_in(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.message,
            Lang::Ja => &self.message_ja,
        }
    }

    /// Why an `error` could not be judged, in `lang`: its cause, else its message.
    pub fn cause_in(&self, lang: Lang) -> &str {
        match &self.cause {
            Some(cause) => cause.get(lang),
            None => self.message_in(lang),
        }
    }
}

/// The waiver that matched a finding: applied, or expired (and so not applied).
#[derive(Debug, Clone, Serialize)]
pub struct WaiverNote {
    pub reason: String,
    pub expires: Option<String>,
    pub expired: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Verified,
    Contradicted,
    Admitted,
    Undeclared,
    Unverifiable,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Verified => "verified",
            Verdict::Contradicted => "contradicted",
            Verdict::Admitted => "admitted",
            Verdict::Undeclared => "undeclared",
            Verdict::Unverifiable => "unverifiable",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ControlVerdict {
    pub control: String,
    pub declared: Option<bool>,
    pub verdict: Verdict,
    /// The checks that verify this control.
    pub checks: Vec<String>,
    pub title: String,
    pub title_ja: String,
    /// Why this verdict, in words (which finding decided it).
    pub reason: String,
    /// `reason` in Japanese.
    pub reason_ja: String,
}

impl ControlVerdict {
    /// The reason in `lang`.
    pub fn reason_in(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.reason,
            Lang::Ja => &self.reason_ja,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AssetFacts {
    pub target: String,
    /// `service` (a swept port), `host`, `tls`, `form` or `report`.
    pub kind: String,
    pub address: Option<String>,
    pub facts: BTreeMap<String, FactValue>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub unavailable: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub pass: usize,
    pub fail: usize,
    pub error: usize,
    pub skipped: usize,
    pub waived: usize,
    pub verified: usize,
    pub contradicted: usize,
    pub admitted: usize,
    pub undeclared: usize,
    pub unverifiable: usize,
}

impl Summary {
    pub fn of(vendors: &[VendorResult]) -> Summary {
        let mut s = Summary::default();
        for v in vendors {
            s.add(v);
        }
        s
    }

    /// Counts one more vendor's findings and verdicts (a streamed run adds them as they pass).
    pub fn add(&mut self, v: &VendorResult) {
        let s = self;
        {
            for f in &v.findings {
                match f.status {
                    Status::Pass => s.pass += 1,
                    Status::Fail => s.fail += 1,
                    Status::Error => s.error += 1,
                    Status::Skipped => s.skipped += 1,
                }
                if f.waived {
                    s.waived += 1;
                }
            }
            for c in &v.controls {
                match c.verdict {
                    Verdict::Verified => s.verified += 1,
                    Verdict::Contradicted => s.contradicted += 1,
                    Verdict::Admitted => s.admitted += 1,
                    Verdict::Undeclared => s.undeclared += 1,
                    Verdict::Unverifiable => s.unverifiable += 1,
                }
            }
        }
    }
}

impl RunReport {
    /// Whether a finding at or above `threshold` failed (or could not be judged), not waived:
    /// the run's exit status 1. `None` never fails.
    pub fn fails_at(&self, threshold: Option<Severity>) -> bool {
        let Some(threshold) = threshold else {
            return false;
        };
        self.vendors.iter().any(|v| v.fails_at(Some(threshold)))
    }
}

impl VendorResult {
    /// [`RunReport::fails_at`] for this vendor alone (a streamed run asks each as it passes).
    pub fn fails_at(&self, threshold: Option<Severity>) -> bool {
        let Some(threshold) = threshold else {
            return false;
        };
        self.findings.iter().any(|f| {
            matches!(f.status, Status::Fail | Status::Error) && !f.waived && f.severity >= threshold
        })
    }
}
