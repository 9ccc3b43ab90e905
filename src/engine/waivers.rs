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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Severity;
    use std::collections::BTreeMap;

    fn ssh_fail() -> Finding {
        Finding {
            check: "ssh-exposed".into(),
            target: "x.example:22".into(),
            status: Status::Fail,
            severity: Severity::Medium,
            title: String::new(),
            title_ja: String::new(),
            message: String::new(),
            control: None,
            waived: false,
            waiver: None,
            evidence: BTreeMap::new(),
        }
    }

    fn waiver(expires: &str) -> Waiver {
        Waiver {
            check: "ssh-exposed".into(),
            target: "x.example:22".into(),
            reason: "clause 12".into(),
            expires: Some(expires.parse().unwrap()),
        }
    }

    #[test]
    fn applies_until_the_last_day_inclusive_then_says_it_expired() {
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        let mut f = [ssh_fail()];
        apply(&mut f, &[waiver("2027-03-31")], day("2027-03-31"));
        assert!(f[0].waived);
        let mut f = [ssh_fail()];
        apply(&mut f, &[waiver("2027-03-31")], day("2027-04-01"));
        assert!(!f[0].waived);
        assert!(f[0].waiver.as_ref().unwrap().expired);
    }

    #[test]
    fn only_the_named_check_and_target() {
        let mut f = [ssh_fail()];
        let mut w = waiver("2099-01-01");
        w.target = "x.example:2222".into();
        apply(&mut f, &[w], "2026-11-26".parse().unwrap());
        assert!(!f[0].waived && f[0].waiver.is_none());
    }
}
