//! JUnit XML report, for CI systems: per vendor, one test suite of its findings (fail as
//! <failure>, error as <error>, skipped as <skipped/>) and one, `controls.VENDOR`, of its control
//! verdicts (contradicted as <failure>; see [`control_outcome`]); the vendor's grade, score and
//! unjudged checks as the findings suite's properties.

use crate::results::{ControlVerdict, RunReport, Status, Verdict};

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
    let controls = |f: fn(&ControlVerdict) -> bool| {
        report
            .vendors
            .iter()
            .flat_map(|v| &v.controls)
            .filter(|c| f(c))
            .count()
    };
    let s = &report.summary;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"vendor-audit\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">\n",
        s.pass + s.fail + s.error + s.skipped + controls(|_| true),
        s.fail + controls(|c| c.verdict == Verdict::Contradicted),
        s.error,
        s.skipped + controls(|c| matches!(control_outcome(c), Some((false, _))))
    ));
    for v in &report.vendors {
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
    out.push_str("</testsuites>\n");
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
