//! Control verdicts (SPEC §6, §8): what the vendor declared for a control against the findings of
//! every check that names it. Declared true and any fail not under an unexpired waiver is
//! `contradicted`; declared true with an error among the evidence is `unverifiable` (never
//! `verified` on incomplete evidence, waived or not); a control whose fails are all waived is
//! `verified`, its reason naming each waiver and its expiry.

use crate::catalog::Catalog;
use crate::declaration::Declaration;
use crate::results::{ControlVerdict, Finding, Status, Verdict};

pub fn verdicts(
    catalog: &Catalog,
    declaration: Option<&Declaration>,
    findings: &[Finding],
) -> Vec<ControlVerdict> {
    catalog
        .controls
        .values()
        .map(|control| {
            let checks: Vec<String> = catalog
                .checks_of(&control.key)
                .iter()
                .map(|c| c.id.clone())
                .collect();
            let evidence: Vec<&Finding> = findings
                .iter()
                .filter(|f| f.control.as_deref() == Some(control.key.as_str()))
                .collect();
            let declared = declaration.and_then(|d| d.controls.get(&control.key).copied());
            let (verdict, reason) = decide(
                declared,
                control.observable && !checks.is_empty(),
                &evidence,
            );
            ControlVerdict {
                control: control.key.clone(),
                declared,
                verdict,
                checks,
                title: control.title.en.clone(),
                title_ja: control.title.ja.clone(),
                reason,
            }
        })
        .collect()
}

/// The verdict and its reason, from the declared answer and the findings of the control's checks.
pub fn decide(
    declared: Option<bool>,
    observable: bool,
    evidence: &[&Finding],
) -> (Verdict, String) {
    let first = |status: Status| evidence.iter().find(|f| f.status == status);
    let cite = |f: &Finding| format!("{} {} on {}", f.check, f.status, f.target);
    let unwaived_fail = evidence
        .iter()
        .find(|f| f.status == Status::Fail && !f.waived);
    let waived_fails: Vec<&&Finding> = evidence
        .iter()
        .filter(|f| f.status == Status::Fail && f.waived)
        .collect();
    match declared {
        None => (
            Verdict::Undeclared,
            "the report does not answer this control".into(),
        ),
        Some(false) => {
            let why = match first(Status::Fail) {
                Some(f) => format!("declared not in place; {}", cite(f)),
                None => "declared not in place".into(),
            };
            (Verdict::Admitted, why)
        }
        Some(true) if !observable => (
            Verdict::Unverifiable,
            "no check can observe this control from outside".into(),
        ),
        Some(true) => {
            if let Some(f) = unwaived_fail {
                let expired = match &f.waiver {
                    Some(w) if w.expired => format!(
                        " (its waiver expired on {})",
                        w.expires.as_deref().unwrap_or("?")
                    ),
                    _ => String::new(),
                };
                (Verdict::Contradicted, format!("{}{expired}", cite(f)))
            } else if let Some(f) = first(Status::Error) {
                let waived = if f.waived {
                    " (waived, but a waiver accepts a failure, not missing evidence)"
                } else {
                    ""
                };
                (
                    Verdict::Unverifiable,
                    format!("incomplete evidence: {}: {}{waived}", cite(f), f.message),
                )
            } else if !waived_fails.is_empty() {
                let waivers: Vec<String> = waived_fails.iter().map(|f| cite_waived(f)).collect();
                let passed = evidence.iter().filter(|f| f.status == Status::Pass).count();
                let passes = match passed {
                    0 => String::new(),
                    1 => "; 1 pass".to_owned(),
                    n => format!("; {n} passes"),
                };
                (Verdict::Verified, format!("{}{passes}", waivers.join("; ")))
            } else if let Some(f) = first(Status::Pass) {
                let passed = evidence.iter().filter(|f| f.status == Status::Pass).count();
                let more = if passed > 1 {
                    format!(" (+{} more)", passed - 1)
                } else {
                    String::new()
                };
                (Verdict::Verified, format!("{}{more}", cite(f)))
            } else {
                (
                    Verdict::Unverifiable,
                    "no check observed anything for this control".into(),
                )
            }
        }
    }
}

/// "ssh-exposed fail on x:22 waived until 2027-03-31: Contract clause 12".
fn cite_waived(f: &Finding) -> String {
    let (until, reason) = match &f.waiver {
        Some(w) => (
            match &w.expires {
                Some(day) => format!("until {day}"),
                None => "without expiry".to_owned(),
            },
            w.reason.as_str(),
        ),
        None => ("without expiry".to_owned(), ""),
    };
    format!(
        "{} {} on {} waived {until}: {reason}",
        f.check, f.status, f.target
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Severity;
    use std::collections::BTreeMap;

    fn finding(status: Status) -> Finding {
        Finding {
            check: "rdp-exposed".into(),
            target: "x.example:3389".into(),
            status,
            severity: Severity::Critical,
            title: String::new(),
            title_ja: String::new(),
            message: "m".into(),
            control: Some("remote_access.no_public_rdp".into()),
            waived: false,
            waiver: None,
            evidence: BTreeMap::new(),
        }
    }

    fn verdict(declared: Option<bool>, observable: bool, statuses: &[Status]) -> Verdict {
        let findings: Vec<Finding> = statuses.iter().map(|s| finding(*s)).collect();
        let refs: Vec<&Finding> = findings.iter().collect();
        decide(declared, observable, &refs).0
    }

    use Status::*;

    #[test]
    fn spec_row_declared_true_all_pass_is_verified() {
        assert_eq!(verdict(Some(true), true, &[Pass, Pass]), Verdict::Verified);
        assert_eq!(
            verdict(Some(true), true, &[Pass, Skipped]),
            Verdict::Verified
        );
    }

    #[test]
    fn spec_row_declared_true_any_fail_is_contradicted() {
        assert_eq!(
            verdict(Some(true), true, &[Pass, Fail]),
            Verdict::Contradicted
        );
        assert_eq!(
            verdict(Some(true), true, &[Error, Fail]),
            Verdict::Contradicted
        );
    }

    #[test]
    fn spec_row_declared_false_is_admitted_whatever_the_findings() {
        for statuses in [&[Fail][..], &[Pass], &[], &[Error]] {
            assert_eq!(verdict(Some(false), true, statuses), Verdict::Admitted);
        }
        assert_eq!(verdict(Some(false), false, &[]), Verdict::Admitted);
    }

    #[test]
    fn spec_row_absent_is_undeclared_whatever_the_findings() {
        for statuses in [&[Fail][..], &[Pass], &[]] {
            assert_eq!(verdict(None, true, statuses), Verdict::Undeclared);
        }
    }

    #[test]
    fn spec_row_nothing_observes_it_is_unverifiable() {
        assert_eq!(verdict(Some(true), false, &[]), Verdict::Unverifiable);
        assert_eq!(verdict(Some(true), true, &[]), Verdict::Unverifiable);
        assert_eq!(
            verdict(Some(true), true, &[Skipped, Skipped]),
            Verdict::Unverifiable
        );
    }

    fn waived(status: Status, expired: bool) -> Finding {
        Finding {
            waived: !expired,
            waiver: Some(crate::results::WaiverNote {
                reason: "Contract clause 12".into(),
                expires: Some("2027-03-31".into()),
                expired,
            }),
            ..finding(status)
        }
    }

    #[test]
    fn every_fail_waived_is_verified_naming_the_waiver_and_its_expiry() {
        let (fail, pass) = (waived(Fail, false), finding(Pass));
        let (v, reason) = decide(Some(true), true, &[&fail, &pass]);
        assert_eq!(v, Verdict::Verified, "{reason}");
        assert_eq!(
            reason,
            "rdp-exposed fail on x.example:3389 waived until 2027-03-31: Contract clause 12; 1 pass"
        );
        assert_eq!(decide(Some(true), true, &[&fail]).0, Verdict::Verified);
    }

    #[test]
    fn an_unwaived_fail_or_an_expired_waiver_still_contradicts() {
        let (w, plain) = (waived(Fail, false), finding(Fail));
        assert_eq!(
            decide(Some(true), true, &[&w, &plain]).0,
            Verdict::Contradicted
        );
        let expired = waived(Fail, true);
        let (v, reason) = decide(Some(true), true, &[&expired]);
        assert_eq!(v, Verdict::Contradicted);
        assert!(
            reason.ends_with("(its waiver expired on 2027-03-31)"),
            "{reason}"
        );
    }

    #[test]
    fn an_error_beside_waived_fails_is_unverifiable_waived_or_not() {
        let w = waived(Fail, false);
        for error in [finding(Error), waived(Error, false)] {
            assert_eq!(
                decide(Some(true), true, &[&w, &error]).0,
                Verdict::Unverifiable
            );
        }
    }

    #[test]
    fn a_waiver_does_not_change_an_admitted_control() {
        let w = waived(Fail, false);
        assert_eq!(decide(Some(false), true, &[&w]).0, Verdict::Admitted);
    }

    #[test]
    fn an_error_among_passes_is_never_verified() {
        assert_eq!(
            verdict(Some(true), true, &[Pass, Error]),
            Verdict::Unverifiable
        );
    }
}
