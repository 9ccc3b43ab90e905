//! JUnit XML report, for CI systems: per vendor, one test suite of its findings (fail as
//! <failure>, error as <error>, skipped as <skipped/>) and one, `controls.VENDOR`, of its control
//! verdicts (contradicted as <failure>; see [`control_outcome`]); the vendor's grade, score and
//! unjudged checks as the findings suite's properties.

use crate::results::{ControlVerdict, RunReport, Status, Summary, VendorResult, Verdict};

/// How a control verdict shows on a CI dashboard: `Some((failed, message))` for a failure or a
/// skip, `None` for a pass. A contradicted declaration is the failure. `unverifiable` is skipped,
/// not an error: a JUnit error says the test itself broke, while an unverifiable control is a
/// declaration the evidence cannot confirm (its checks' own errors are already <error>s in the
/// findings suite, so counting them again would show one silent port as two breakages).
/// `admitted` and `undeclared` are skipped too: a gap the vendor owns up to, or a question left
/// unanswered, is neither a passing control nor a false declaration; `verified` passes.
fn control_outcome(c: &ControlVerdict) -> Option<(bool, String)> {
    match c.verdict {
        Verdict::Verified => None,
        Verdict::Contradicted => Some((true, format!("declared in place, but {}", c.reason))),
        Verdict::Unverifiable | Verdict::Admitted | Verdict::Undeclared => {
            Some((false, format!("{}: {}", c.verdict.name(), c.reason)))
        }
    }
}

pub fn render(report: &RunReport) -> String {
    let mut counts = ControlCounts::default();
    let mut body = String::new();
    for v in &report.vendors {
        counts.add(v);
        body.push_str(&vendor_part(v));
    }
    head(&report.summary, &counts) + &body + TAIL
}

/// The control verdicts of the vendors so far, as the `<testsuites>` totals count them.
#[derive(Debug, Clone, Copy, Default)]
pub struct ControlCounts {
    total: usize,
    failed: usize,
    skipped: usize,
}

impl ControlCounts {
    pub fn add(&mut self, v: &VendorResult) {
        for c in &v.controls {
            self.total += 1;
            match control_outcome(c) {
                Some((true, _)) => self.failed += 1,
                Some((false, _)) => self.skipped += 1,
                None => {}
            }
        }
    }
}

/// The XML declaration and `<testsuites>` with the run's totals (findings and controls).
pub fn head(s: &Summary, controls: &ControlCounts) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"vendor-audit\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">\n",
        s.pass + s.fail + s.error + s.skipped + controls.total,
        s.fail + controls.failed,
        s.error,
        s.skipped + controls.skipped
    ));
    out
}

/// What closes the document.
pub const TAIL: &str = "</testsuites>\n";

/// One vendor's two suites: its findings, its control verdicts.
pub fn vendor_part(v: &VendorResult) -> String {
    let mut out = String::new();
    {
        let count = |s: Status| v.findings.iter().filter(|f| f.status == s).count();
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">\n",
            xml(&v.id),
            v.findings.len(),
            count(Status::Fail),
            count(Status::Error),
            count(Status::Skipped)
        ));
        out.push_str(&format!(
            "    <properties><property name=\"grade\" value=\"{}\"/><property name=\"score\" value=\"{}\"/><property name=\"unjudged\" value=\"{}\"/></properties>\n",
            v.grade, v.score, v.grading.unjudged
        ));
        for f in &v.findings {
            out.push_str(&format!(
                "    <testcase classname=\"{}.{}\" name=\"{}\">",
                xml(&v.id),
                xml(&f.check),
                xml(&f.target)
            ));
            let body = format!("[{}] {}: {}", f.severity, xml(&f.title), xml(&f.message));
            match f.status {
                Status::Fail => out.push_str(&format!(
                    "<failure message=\"{}\">{body}</failure>",
                    xml(&f.message)
                )),
                Status::Error => out.push_str(&format!(
                    "<error message=\"{}\">{body}</error>",
                    xml(&f.message)
                )),
                Status::Skipped => out.push_str("<skipped/>"),
                Status::Pass => {}
            }
            out.push_str("</testcase>\n");
        }
        out.push_str("  </testsuite>\n");
        out.push_str(&controls_suite(&v.id, &v.controls));
    }
    out
}

/// The suite `controls.VENDOR`: one test case per control, named by its key.
fn controls_suite(vendor: &str, controls: &[ControlVerdict]) -> String {
    let outcomes: Vec<Option<(bool, String)>> = controls.iter().map(control_outcome).collect();
    let mut out = format!(
        "  <testsuite name=\"controls.{0}\" tests=\"{1}\" failures=\"{2}\" errors=\"0\" skipped=\"{3}\">\n",
        xml(vendor),
        controls.len(),
        outcomes.iter().filter(|o| matches!(o, Some((true, _)))).count(),
        outcomes.iter().filter(|o| matches!(o, Some((false, _)))).count(),
    );
    for (c, outcome) in controls.iter().zip(outcomes) {
        out.push_str(&format!(
            "    <testcase classname=\"controls.{}\" name=\"{}\">",
            xml(vendor),
            xml(&c.control)
        ));
        match outcome {
            Some((true, message)) => out.push_str(&format!(
                "<failure message=\"{}\" type=\"contradicted\">{}: {}</failure>",
                xml(&message),
                xml(&c.title),
                xml(&message)
            )),
            Some((false, message)) => {
                out.push_str(&format!("<skipped message=\"{}\"/>", xml(&message)))
            }
            None => {}
        }
        out.push_str("</testcase>\n");
    }
    out.push_str("  </testsuite>\n");
    out
}

fn xml(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&apos;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}
