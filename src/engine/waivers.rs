//! Waivers: exceptions the city accepted (InSpec-style). A matching, unexpired waiver marks a
//! failing finding `waived` so that it no longer fails the run; an expired one no longer applies,
//! and the finding says so. Waivers never change a verdict: the declaration is still judged.

use chrono::NaiveDate;

use crate::inventory::Waiver;
use crate::results::{Finding, Status, WaiverNote};

pub fn apply(findings: &mut [Finding], waivers: &[Waiver], today: NaiveDate) {
    for finding in findings.iter_mut() {
        if !matches!(finding.status, Status::Fail | Status::Error) {
            continue;
        }
        let Some(w) = waivers
            .iter()
            .find(|w| w.check == finding.check && w.target == finding.target)
        else {
            continue;
        };
        let expired = w.expires.is_some_and(|last_day| today > last_day);
        finding.waived = !expired;
        finding.waiver = Some(WaiverNote {
            reason: w.reason.clone(),
            expires: w.expires.map(|d| d.to_string()),
            expired,
        });
    }
}
