//! Grades of hand-built findings at each boundary: each cap, each penalty, each letter edge.

use std::collections::BTreeMap;

use super::*;
use crate::catalog::Lang;
use crate::results::{ControlVerdict, Finding, ReportSummary, WaiverNote};

fn finding(check: &str, target: &str, status: Status, severity: Severity) -> Finding {
    Finding {
        check: check.into(),
        target: target.into(),
        status,
        severity,
        title: check.into(),
        title_ja: check.into(),
        message: String::new(),
        message_ja: String::new(),
        control: Some(format!("c.{check}")),
        waived: false,
        waiver: None,
        evidence: BTreeMap::new(),
        cause: None,
    }
}

fn fail(check: &str, severity: Severity) -> Finding {
    finding(check, "h:1", Status::Fail, severity)
}

fn pass(check: &str) -> Finding {
    finding(check, "h:1", Status::Pass, Severity::High)
}

fn verdict(check: &str, declared: Option<bool>, verdict: Verdict) -> ControlVerdict {
    ControlVerdict {
        control: format!("c.{check}"),
        declared,
        verdict,
        checks: vec![check.into()],
        title: String::new(),
        title_ja: String::new(),
        reason: String::new(),
        reason_ja: String::new(),
    }
}

fn vendor_with(
    status: ReportStatus,
    findings: Vec<Finding>,
    controls: Vec<ControlVerdict>,
) -> VendorResult {
    VendorResult {
        id: "v".into(),
        name: "V".into(),
        grade: Grade::default(),
        score: 0,
        report: ReportSummary {
            path: None,
            status,
            fiscal_year: None,
        },
        findings,
        controls,
        assets: Vec::new(),
        grading: Grading::default(),
    }
    .graded()
}

fn vendor(findings: Vec<Finding>) -> VendorResult {
    vendor_with(ReportStatus::Current, findings, Vec::new())
}

/// `n` failing low checks (3 points each) and `m` medium ones (8 each): any score reachable.
fn lows_and_mediums(lows: usize, mediums: usize) -> Vec<Finding> {
    let mut out: Vec<Finding> = (0..lows)
        .map(|i| fail(&format!("low-{i}"), Severity::Low))
        .collect();
    out.extend((0..mediums).map(|i| fail(&format!("medium-{i}"), Severity::Medium)));
    out
}

#[test]
fn a_clean_vendor_scores_100_and_gets_an_a() {
    let v = vendor(vec![pass("a"), pass("b")]);
    assert_eq!((v.score, v.grade), (100, Grade::A));
    assert_eq!(v.grading.judged, 2);
    assert_eq!(v.grading.confidence, Confidence::Complete);
    assert!(v.grading.deductions.is_empty() && v.grading.caps.is_empty());
}

#[test]
fn letter_boundaries() {
    for (score, grade) in [
        (100, Grade::A),
        (90, Grade::A),
        (89, Grade::B),
        (80, Grade::B),
        (79, Grade::C),
        (65, Grade::C),
        (64, Grade::D),
        (50, Grade::D),
        (49, Grade::E),
        (35, Grade::E),
        (34, Grade::F),
        (0, Grade::F),
    ] {
        assert_eq!(Grade::of(score), grade, "score {score}");
    }
}

#[test]
fn letter_boundaries_reached_by_deductions() {
    // 100 - 3·low - 8·medium lands on each side of each edge.
    for (lows, mediums, score, grade) in [
        (2, 0, 94, Grade::A),
        (0, 1, 92, Grade::A),
        (1, 1, 89, Grade::B),
        (0, 2, 84, Grade::B),
        (2, 1, 86, Grade::B),
        (3, 1, 83, Grade::B),
        (4, 1, 80, Grade::B),
        (7, 0, 79, Grade::C),
        (4, 2, 72, Grade::C),
        (1, 4, 65, Grade::C),
        (4, 3, 64, Grade::D),
        (2, 5, 54, Grade::D),
        (3, 5, 51, Grade::D),
        (6, 4, 50, Grade::D),
        (1, 6, 49, Grade::E),
        (2, 7, 38, Grade::E),
        (7, 5, 39, Grade::E),
        (1, 7, 41, Grade::E),
        (9, 4, 41, Grade::E),
        (3, 7, 35, Grade::E),
        (2, 8, 30, Grade::F),
        (6, 6, 34, Grade::F),
    ] {
        let v = vendor(lows_and_mediums(lows, mediums));
        assert_eq!(
            (v.score, v.grade),
            (score, grade),
            "{lows} low, {mediums} medium"
        );
    }
}

#[test]
fn ninety_before_caps_is_still_a_b_with_an_unjudged_check() {
    // 90 cannot be reached by failures alone (3, 8, 20, 40 and 15 never sum to 10); with an
    // unjudged check it is, and the unjudged cap keeps it from an A.
    let mut f = lows_and_mediums(0, 1);
    f.push(finding("e", "h:2", Status::Error, Severity::Low));
    let v = vendor(f);
    assert_eq!(
        (v.grading.before_caps, v.score, v.grade),
        (90, 89, Grade::B)
    );
    // 100 - 15 - 3 - 3 = 79 with a contradicted low: C.
    let v = vendor_with(
        ReportStatus::Current,
        lows_and_mediums(2, 0),
        vec![verdict("low-0", Some(true), Verdict::Contradicted)],
    );
    assert_eq!((v.score, v.grade), (79, Grade::C));
}

#[test]
fn a_critical_failure_caps_in_the_f_band() {
    // 100 - 40 = 60 (D) before the cap; the cap makes it 34 (F).
    let v = vendor(vec![fail("rdp-exposed", Severity::Critical), pass("b")]);
    assert_eq!(v.grading.before_caps, 60);
    assert_eq!((v.score, v.grade), (CAP_CRITICAL, Grade::F));
    let cap = &v.grading.caps[0];
    assert_eq!(cap.rule, CapRule::CriticalFailure);
    assert_eq!(cap.checks, vec!["rdp-exposed".to_owned()]);
    assert!(cap.lowered);
}

#[test]
fn a_high_failure_caps_at_c() {
    // 100 - 20 = 80 (B) before the cap; at most 79 (C).
    let v = vendor(vec![fail("telnet-exposed", Severity::High)]);
    assert_eq!(v.grading.before_caps, 80);
    assert_eq!((v.score, v.grade), (79, Grade::C));
    assert_eq!(v.grading.caps[0].rule, CapRule::HighFailure);
    // Two highs: 60, below the cap, which then does not lower it.
    let v = vendor(vec![fail("a", Severity::High), fail("b", Severity::High)]);
    assert_eq!((v.score, v.grade), (60, Grade::D));
    assert!(!v.grading.caps[0].lowered);
    assert_eq!(v.grading.caps[0].checks, vec!["a", "b"]);
}

#[test]
fn a_missing_or_stale_or_invalid_report_caps_at_c() {
    for (status, rule) in [
        (ReportStatus::Missing, CapRule::ReportMissing),
        (ReportStatus::Stale, CapRule::ReportStale),
        (ReportStatus::Invalid, CapRule::ReportInvalid),
    ] {
        let v = vendor_with(status, vec![pass("a")], Vec::new());
        assert_eq!((v.score, v.grade), (CAP_REPORT, Grade::C), "{status:?}");
        assert_eq!(v.grading.before_caps, 100);
        assert_eq!(v.grading.caps.len(), 1);
        assert_eq!(v.grading.caps[0].rule, rule);
        assert!(v.grading.caps[0].checks.is_empty());
    }
    // Even when the report's finding is waived: the waiver removes the deduction, not the cap.
    let mut missing = finding("report-missing", "report", Status::Fail, Severity::High);
    missing.waived = true;
    let v = vendor_with(ReportStatus::Missing, vec![missing], Vec::new());
    assert_eq!(v.grading.before_caps, 100);
    assert_eq!(v.score, 79);
}

#[test]
fn the_lowest_cap_wins() {
    let v = vendor_with(
        ReportStatus::Stale,
        vec![fail("a", Severity::Critical), fail("b", Severity::High)],
        Vec::new(),
    );
    // 100 - 40 - 20 = 40, capped at 34.
    assert_eq!(
        (v.grading.before_caps, v.score, v.grade),
        (40, 34, Grade::F)
    );
    let rules: Vec<CapRule> = v.grading.caps.iter().map(|c| c.rule).collect();
    assert_eq!(
        rules,
        [
            CapRule::CriticalFailure,
            CapRule::HighFailure,
            CapRule::ReportStale
        ]
    );
}

#[test]
fn a_contradicted_declaration_costs_more_than_the_same_failure_admitted() {
    let findings = || vec![fail("ssh-exposed", Severity::Medium)];
    let admitted = vendor_with(
        ReportStatus::Current,
        findings(),
        vec![verdict("ssh-exposed", Some(false), Verdict::Admitted)],
    );
    let contradicted = vendor_with(
        ReportStatus::Current,
        findings(),
        vec![verdict("ssh-exposed", Some(true), Verdict::Contradicted)],
    );
    assert_eq!((admitted.score, admitted.grade), (92, Grade::A));
    assert_eq!((contradicted.score, contradicted.grade), (77, Grade::C));
    assert_eq!(admitted.score - contradicted.score, CONTRADICTED_POINTS);
    let d = contradicted
        .grading
        .deductions
        .iter()
        .find(|d| d.kind == DeductionKind::Contradicted)
        .unwrap();
    assert_eq!(d.control.as_deref(), Some("c.ssh-exposed"));
    assert_eq!(d.check, "ssh-exposed");
    assert_eq!(d.points, CONTRADICTED_POINTS);
}

#[test]
fn errors_lower_confidence_and_are_never_passes() {
    let v = vendor(vec![
        pass("a"),
        finding("dicom-exposed", "x:104", Status::Error, Severity::Critical),
        finding("dicom-exposed", "x:4242", Status::Error, Severity::Critical),
    ]);
    assert_eq!(v.grading.judged, 1);
    assert_eq!(v.grading.unjudged, 1);
    assert_eq!(v.grading.confidence, Confidence::Partial);
    // 2 points, and at most a B: an A needs complete evidence.
    assert_eq!(
        (v.grading.before_caps, v.score, v.grade),
        (98, 89, Grade::B)
    );
    let d = &v.grading.deductions[0];
    assert_eq!(d.kind, DeductionKind::Unjudged);
    assert_eq!(d.targets, vec!["x:104", "x:4242"]);
    // An unjudged critical check is no critical failure.
    assert!(v.grading.caps.iter().all(|c| c.rule == CapRule::Unjudged));
}

#[test]
fn the_unjudged_deduction_has_a_ceiling() {
    let findings: Vec<Finding> = (0..8)
        .map(|i| finding(&format!("e{i}"), "x:1", Status::Error, Severity::High))
        .collect();
    let v = vendor(findings);
    assert_eq!(v.grading.unjudged, 8);
    let total: u32 = v.grading.deductions.iter().map(|d| d.points).sum();
    assert_eq!(total, UNJUDGED_POINTS_MAX);
    assert_eq!(v.grading.before_caps, 100 - UNJUDGED_POINTS_MAX);
    // Every unjudged check is listed, those past the ceiling with 0 points.
    assert_eq!(v.grading.deductions.len(), 8);
}

#[test]
fn a_failure_on_one_target_outweighs_an_error_on_another() {
    let v = vendor(vec![
        finding("vnc-exposed", "a:5900", Status::Fail, Severity::High),
        finding("vnc-exposed", "b:5900", Status::Error, Severity::High),
    ]);
    assert_eq!(v.grading.unjudged, 0);
    assert_eq!(v.grading.judged, 1);
    assert_eq!(v.score, 79);
}

#[test]
fn waived_failures_are_not_deducted() {
    let mut waived = fail("rdp-exposed", Severity::Critical);
    waived.waived = true;
    waived.waiver = Some(WaiverNote {
        reason: "clause 12".into(),
        expires: Some("2027-03-31".into()),
        expired: false,
    });
    let v = vendor(vec![waived.clone()]);
    assert_eq!((v.score, v.grade), (100, Grade::A));
    assert_eq!(v.grading.judged, 1);
    // An expired waiver is not applied (`waived` false): the failure counts, and caps.
    waived.waived = false;
    waived.waiver.as_mut().unwrap().expired = true;
    let v = vendor(vec![waived]);
    assert_eq!((v.score, v.grade), (34, Grade::F));
}

#[test]
fn a_check_failing_on_many_targets_deducts_once() {
    let v = vendor(
        (0..5)
            .map(|i| {
                finding(
                    "tls-legacy-protocol",
                    &format!("h{i}:443"),
                    Status::Fail,
                    Severity::High,
                )
            })
            .collect(),
    );
    assert_eq!(v.grading.deductions.len(), 1);
    assert_eq!(v.grading.deductions[0].targets.len(), 5);
    assert_eq!(v.score, 79);
}

#[test]
fn the_score_stays_within_0_and_100() {
    let findings: Vec<Finding> = (0..10)
        .map(|i| fail(&format!("c{i}"), Severity::Critical))
        .collect();
    let controls: Vec<ControlVerdict> = (0..10)
        .map(|i| verdict(&format!("c{i}"), Some(true), Verdict::Contradicted))
        .collect();
    let v = vendor_with(ReportStatus::Stale, findings, controls);
    assert_eq!((v.grading.before_caps, v.score, v.grade), (0, 0, Grade::F));
    // Nothing at all (every check skipped): 100, never more.
    let v = vendor(vec![finding("a", "h", Status::Skipped, Severity::Critical)]);
    assert_eq!((v.score, v.grade), (100, Grade::A));
    assert_eq!(v.grading.judged + v.grading.unjudged, 0);
}

#[test]
fn the_formula_is_printed_from_the_constants() {
    let text = formula(Lang::En);
    assert!(
        text.contains("critical 40, high 20, medium 8, low 3, info 0"),
        "{text}"
    );
    assert!(
        text.contains(&format!("at most {CAP_CRITICAL} (F)")),
        "{text}"
    );
    assert!(text.contains(&format!("at most {CAP_HIGH} (C)")), "{text}");
    assert!(
        text.contains("A 90-100, B 80-89, C 65-79, D 50-64, E 35-49, F below 35"),
        "{text}"
    );
    assert!(
        text.contains(&format!("{CONTRADICTED_POINTS}\n"))
            || text.contains(&format!(": {CONTRADICTED_POINTS}")),
        "{text}"
    );
    assert!(formula(Lang::Ja).contains("A 90-100"));
}

#[test]
fn the_explanation_lists_every_deduction_and_cap() {
    let v = vendor_with(
        ReportStatus::Current,
        vec![
            fail("rdp-exposed", Severity::Critical),
            finding("dicom-exposed", "x:104", Status::Error, Severity::Critical),
        ],
        vec![verdict("rdp-exposed", Some(true), Verdict::Contradicted)],
    );
    let text = explain(&v.grading, Lang::En);
    for line in [
        "-40  rdp-exposed failed (critical) on h:1",
        "-2   dicom-exposed could not be judged (critical) on x:104",
        "-15  c.rdp-exposed declared in place, contradicted by rdp-exposed",
        "= 43 before caps",
        "cap 34 (F): a critical check failed: rdp-exposed (lowers the score)",
        "= grade F (score 34; 1 check(s) could not be judged)",
        "confidence: partial (1 of 2 checks",
    ] {
        assert!(text.contains(line), "{line:?} in\n{text}");
    }
    assert!(explain(&v.grading, Lang::Ja).contains("評価 F（点数 34"));
}
