//! What changed between two runs (SPEC §8): regressions (a finding now failing that was not),
//! fixed findings, control verdict changes, and status changes to or from `error` (or a waiver).
//! Pure: it compares two snapshots, wherever they came from. JSON keys are fixed.

use serde::Serialize;

use super::{FindingState, Snapshot, VendorSnapshot};
use crate::catalog::Severity;
use crate::inventory::split_host_port;
use crate::results::Status;

/// The changes from run `from` to run `to`.
#[derive(Debug, Clone, Serialize)]
pub struct Changes {
    pub from: String,
    pub to: String,
    pub regressions: Vec<FindingChange>,
    pub fixed: Vec<FindingChange>,
    pub verdict_changes: Vec<ControlChange>,
    pub status_changes: Vec<FindingChange>,
    /// Vendors only one of the two runs covered: their findings are not compared.
    pub vendors_only_in_from: Vec<String>,
    pub vendors_only_in_to: Vec<String>,
}

/// A finding whose state changed. `before`/`after` are `pass`, `fail`, `error`, `skipped`, or
/// `waived` (a failure under a waiver); `null` when the run had no such finding.
#[derive(Debug, Clone, Serialize)]
pub struct FindingChange {
    pub vendor: String,
    pub check: String,
    pub target: String,
    pub before: Option<&'static str>,
    pub after: Option<&'static str>,
    pub severity: Severity,
    pub title: String,
    /// The message of the newer state (of the older one when the finding is gone).
    pub message: String,
    /// The same message in Japanese (the English one for runs stored before it was kept).
    pub message_ja: String,
    pub control: Option<String>,
}

/// A control whose verdict changed. The target of a control is the vendor's `report`.
#[derive(Debug, Clone, Serialize)]
pub struct ControlChange {
    pub vendor: String,
    pub control: String,
    pub target: &'static str,
    pub before: Option<&'static str>,
    pub after: Option<&'static str>,
    pub reason: String,
    /// The same reason in Japanese (the English one for runs stored before it was kept).
    pub reason_ja: String,
}

/// A finding's state for comparison: its status, with a waived failure told apart.
fn state(f: &FindingState) -> &'static str {
    if f.status == Status::Fail && f.waived {
        "waived"
    } else {
        f.status.name()
    }
}

/// The newer run's finding of `check` on the host of `target` (a `HOST:PORT`), if the check was
/// judged there and nowhere on that host does it fail: the host-wide finding when there is one.
fn rejudged_on_host<'a>(
    after: &'a VendorSnapshot,
    check: &str,
    target: &str,
) -> Option<&'a FindingState> {
    let (host, _) = split_host_port(target)?;
    let same_host = |t: &str| {
        split_host_port(t).map_or_else(|| t.eq_ignore_ascii_case(&host), |(h, _)| h == host)
            || t.parse::<std::net::Ipv6Addr>()
                .is_ok_and(|ip| ip.to_string() == host)
    };
    let on_host: Vec<(&String, &FindingState)> = after
        .findings
        .iter()
        .filter(|((c, t), _)| c == check && same_host(t))
        .map(|((_, t), f)| (t, f))
        .collect();
    if on_host.iter().any(|(_, f)| f.status == Status::Fail) {
        return None;
    }
    on_host
        .iter()
        .find(|(t, _)| split_host_port(t).is_none())
        .or(on_host.first())
        .map(|(_, f)| *f)
        .filter(|f| matches!(f.status, Status::Pass | Status::Skipped))
}

impl Changes {
    pub fn new(from: &str, to: &str) -> Changes {
        Changes {
            from: from.to_owned(),
            to: to.to_owned(),
            regressions: Vec::new(),
            fixed: Vec::new(),
            verdict_changes: Vec::new(),
            status_changes: Vec::new(),
            vendors_only_in_from: Vec::new(),
            vendors_only_in_to: Vec::new(),
        }
    }

    /// Compares every vendor both runs covered.
    pub fn between(from: &str, before: &Snapshot, to: &str, after: &Snapshot) -> Changes {
        let mut changes = Changes::new(from, to);
        for (vendor, now) in after {
            match before.get(vendor) {
                Some(then) => changes.add_vendor(vendor, Some(then), now),
                None => changes.vendors_only_in_to.push(vendor.clone()),
            }
        }
        changes.vendors_only_in_from = before
            .keys()
            .filter(|v| !after.contains_key(*v))
            .cloned()
            .collect();
        changes
    }

    /// Adds one vendor's changes; with no `before`, every failure is new.
    pub fn add_vendor(
        &mut self,
        vendor: &str,
        before: Option<&VendorSnapshot>,
        after: &VendorSnapshot,
    ) {
        let empty = VendorSnapshot::default();
        let before = before.unwrap_or(&empty);
        let keys: std::collections::BTreeSet<&(String, String)> = before
            .findings
            .keys()
            .chain(after.findings.keys())
            .collect();
        for key in keys {
            let then = before.findings.get(key);
            let now = after.findings.get(key);
            let (b, a) = (then.map(state), now.map(state));
            if b == a {
                continue;
            }
            // A failure on HOST:PORT that is gone while the same check was judged again on that
            // host (the port closed: the check now speaks for the host, or its other ports) is
            // fixed, not merely gone: the asset is still audited and nothing fails there now.
            let rejudged = match (b, a) {
                (Some("fail"), None) => rejudged_on_host(after, &key.0, &key.1),
                _ => None,
            };
            let (a, now) = match rejudged {
                Some(f) => (Some(state(f)), Some(f)),
                None => (a, now),
            };
            let Some(shown) = now.or(then) else { continue };
            let change = FindingChange {
                vendor: vendor.to_owned(),
                check: key.0.clone(),
                target: key.1.clone(),
                before: b,
                after: a,
                severity: shown.severity,
                title: shown.title.clone(),
                message: shown.message.clone(),
                message_ja: shown.message_ja.clone(),
                control: shown.control.clone(),
            };
            match (b, a) {
                (_, Some("fail")) => self.regressions.push(change),
                (Some("fail"), Some("pass" | "skipped")) => self.fixed.push(change),
                // Gone from the run (the asset left the inventory), or a pass that appears or
                // disappears with its asset: not a change of state worth a line.
                (None, Some("pass" | "skipped")) | (Some("pass" | "skipped"), None) => {}
                _ => self.status_changes.push(change),
            }
        }
        let controls: std::collections::BTreeSet<&String> = before
            .controls
            .keys()
            .chain(after.controls.keys())
            .collect();
        for control in controls {
            let then = before.controls.get(control);
            let now = after.controls.get(control);
            let (b, a) = (
                then.map(|c| c.verdict.name()),
                now.map(|c| c.verdict.name()),
            );
            if b == a {
                continue;
            }
            self.verdict_changes.push(ControlChange {
                vendor: vendor.to_owned(),
                control: control.clone(),
                target: "report",
                before: b,
                after: a,
                reason: now.or(then).map(|c| c.reason.clone()).unwrap_or_default(),
                reason_ja: now
                    .or(then)
                    .map(|c| c.reason_ja.clone())
                    .unwrap_or_default(),
            });
        }
    }

    /// Whether a regression at or above `threshold` happened (`diff`'s exit 1).
    pub fn regresses_at(&self, threshold: Option<Severity>) -> bool {
        threshold.is_some_and(|t| self.regressions.iter().any(|r| r.severity >= t))
    }

    pub fn is_empty(&self) -> bool {
        self.regressions.is_empty()
            && self.fixed.is_empty()
            && self.verdict_changes.is_empty()
            && self.status_changes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::ControlState;
    use crate::results::Verdict;

    fn finding(status: Status, waived: bool, severity: Severity) -> FindingState {
        FindingState {
            status,
            waived,
            severity,
            title: "t".into(),
            message: "m".into(),
            message_ja: "m".into(),
            control: None,
        }
    }

    fn snap(findings: &[(&str, Status, bool)], verdicts: &[(&str, Verdict)]) -> VendorSnapshot {
        VendorSnapshot {
            run: "r".into(),
            findings: findings
                .iter()
                .map(|(check, status, waived)| {
                    (
                        ((*check).to_owned(), "h:1".to_owned()),
                        finding(*status, *waived, Severity::High),
                    )
                })
                .collect(),
            controls: verdicts
                .iter()
                .map(|(c, v)| {
                    (
                        (*c).to_owned(),
                        ControlState {
                            verdict: *v,
                            reason: String::new(),
                            reason_ja: String::new(),
                        },
                    )
                })
                .collect(),
        }
    }

    fn checks(list: &[FindingChange]) -> Vec<&str> {
        list.iter().map(|c| c.check.as_str()).collect()
    }

    #[test]
    fn classifies_every_transition() {
        use Status::*;
        let before = snap(
            &[
                ("a", Pass, false),
                ("b", Fail, false),
                ("c", Pass, false),
                ("d", Fail, false),
                ("e", Fail, false),
                ("f", Error, false),
                ("g", Fail, false),
                ("h", Fail, true),
            ],
            &[("x", Verdict::Verified), ("y", Verdict::Contradicted)],
        );
        let after = snap(
            &[
                ("a", Fail, false),  // regression
                ("b", Pass, false),  // fixed
                ("c", Error, false), // to error
                ("d", Error, false), // fail to error: not fixed
                ("e", Fail, true),   // now waived
                ("f", Pass, false),  // from error
                ("h", Fail, false),  // waiver gone: a regression
                ("n", Fail, false),  // new and failing: a regression
                ("p", Pass, false),  // new and passing: nothing
            ],
            &[("x", Verdict::Contradicted), ("y", Verdict::Contradicted)],
        );
        let mut c = Changes::new("A", "B");
        c.add_vendor("v", Some(&before), &after);
        assert_eq!(checks(&c.regressions), ["a", "h", "n"]);
        assert_eq!(checks(&c.fixed), ["b"]);
        assert_eq!(checks(&c.status_changes), ["c", "d", "e", "f", "g"]);
        let g = c.status_changes.iter().find(|s| s.check == "g").unwrap();
        assert_eq!((g.before, g.after), (Some("fail"), None));
        assert_eq!(c.verdict_changes.len(), 1);
        assert_eq!(c.verdict_changes[0].control, "x");
        assert_eq!(c.verdict_changes[0].after, Some("contradicted"));
        assert!(c.regresses_at(Some(Severity::High)));
        assert!(!c.regresses_at(Some(Severity::Critical)));
        assert!(!c.regresses_at(None));
    }

    #[test]
    fn a_failing_port_that_closed_is_fixed_when_its_host_is_judged_again() {
        let with = |entries: &[(&str, &str, Status)]| VendorSnapshot {
            run: "r".into(),
            findings: entries
                .iter()
                .map(|(c, t, s)| {
                    (
                        ((*c).to_owned(), (*t).to_owned()),
                        finding(*s, false, Severity::High),
                    )
                })
                .collect(),
            controls: Default::default(),
        };
        let before = with(&[
            ("vnc", "h.example:5900", Status::Fail),
            ("x", "h.example:22", Status::Fail),
            ("y", "[::1]:5900", Status::Fail),
            ("z", "g.example:1", Status::Fail),
        ]);
        let after = with(&[
            ("vnc", "h.example", Status::Pass), // port closed: the host passes
            ("x", "h.example:23", Status::Fail), // still failing elsewhere on the host
            ("y", "::1", Status::Skipped),
            // z: the host left the inventory
        ]);
        let mut c = Changes::new("A", "B");
        c.add_vendor("v", Some(&before), &after);
        assert_eq!(checks(&c.fixed), ["vnc", "y"]);
        assert_eq!(c.fixed[0].after, Some("pass"));
        assert_eq!(checks(&c.regressions), ["x"]);
        assert_eq!(checks(&c.status_changes), ["x", "z"]);
    }

    #[test]
    fn a_vendor_seen_for_the_first_time_has_every_failure_new() {
        let after = snap(
            &[("a", Status::Fail, false), ("b", Status::Pass, false)],
            &[],
        );
        let mut c = Changes::new("", "B");
        c.add_vendor("v", None, &after);
        assert_eq!(checks(&c.regressions), ["a"]);
        assert!(c.fixed.is_empty() && c.status_changes.is_empty());
    }

    #[test]
    fn vendors_in_one_run_only_are_listed_not_compared() {
        let mut before = Snapshot::new();
        before.insert("old".into(), snap(&[("a", Status::Fail, false)], &[]));
        before.insert("both".into(), snap(&[], &[]));
        let mut after = Snapshot::new();
        after.insert("new".into(), snap(&[("a", Status::Fail, false)], &[]));
        after.insert("both".into(), snap(&[], &[]));
        let c = Changes::between("A", &before, "B", &after);
        assert!(c.is_empty());
        assert_eq!(c.vendors_only_in_from, ["old"]);
        assert_eq!(c.vendors_only_in_to, ["new"]);
    }
}
