//! Control verdicts (SPEC §6): what the vendor declared for a control against the findings of
//! every check that names it. Declared true and any fail is `contradicted`; declared true with an
//! error among the evidence is `unverifiable` (never `verified` on incomplete evidence).

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
            if let Some(f) = first(Status::Fail) {
                (Verdict::Contradicted, cite(f))
            } else if let Some(f) = first(Status::Error) {
                (
                    Verdict::Unverifiable,
                    format!("incomplete evidence: {}: {}", cite(f), f.message),
                )
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

    #[test]
    fn an_error_among_passes_is_never_verified() {
        assert_eq!(
            verdict(Some(true), true, &[Pass, Error]),
            Verdict::Unverifiable
        );
    }
}
