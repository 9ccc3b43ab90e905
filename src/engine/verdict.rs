//! Control verdicts (SPEC §6): what the vendor declared for a control against the findings of
//! every check that names it. Declared true and any fail is `contradicted`; declared true with an
//! error among the evidence is `unverifiable` (never `verified` on incomplete evidence).

use crate::catalog::Catalog;
use crate::declaration::Declaration;
use crate::results::{ControlVerdict, Finding, Status, Verdict};

pub fn verdicts(catalog: &Catalog, declaration: Option<&Declaration>, findings: &[Finding]) -> Vec<ControlVerdict> {
    catalog
        .controls
        .values()
        .map(|control| {
            let checks: Vec<String> = catalog.checks_of(&control.key).iter().map(|c| c.id.clone()).collect();
            let evidence: Vec<&Finding> =
                findings.iter().filter(|f| f.control.as_deref() == Some(control.key.as_str())).collect();
            let declared = declaration.and_then(|d| d.controls.get(&control.key).copied());
            let (verdict, reason) = decide(declared, control.observable && !checks.is_empty(), &evidence);
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
pub fn decide(declared: Option<bool>, observable: bool, evidence: &[&Finding]) -> (Verdict, String) {
    let first = |status: Status| evidence.iter().find(|f| f.status == status);
    let cite = |f: &Finding| format!("{} {} on {}", f.check, f.status, f.target);
    match declared {
        None => (Verdict::Undeclared, "the report does not answer this control".into()),
        Some(false) => {
            let why = match first(Status::Fail) {
                Some(f) => format!("declared not in place; {}", cite(f)),
                None => "declared not in place".into(),
            };
            (Verdict::Admitted, why)
        }
        Some(true) if !observable => {
            (Verdict::Unverifiable, "no check can observe this control from outside".into())
        }
        Some(true) => {
            if let Some(f) = first(Status::Fail) {
                (Verdict::Contradicted, cite(f))
            } else if let Some(f) = first(Status::Error) {
                (Verdict::Unverifiable, format!("incomplete evidence: {}: {}", cite(f), f.message))
            } else if let Some(f) = first(Status::Pass) {
                let passed = evidence.iter().filter(|f| f.status == Status::Pass).count();
                let more = if passed > 1 { format!(" (+{} more)", passed - 1) } else { String::new() };
                (Verdict::Verified, format!("{}{more}", cite(f)))
            } else {
                (Verdict::Unverifiable, "no check observed anything for this control".into())
            }
        }
    }
}
