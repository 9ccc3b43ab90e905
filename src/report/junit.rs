//! JUnit XML report, for CI systems: one test suite per vendor, one test case per finding
//! (fail as <failure>, error as <error>, skipped as <skipped/>); the vendor's grade, score and
//! unjudged checks as the suite's properties.

use crate::results::{RunReport, Status};

pub fn render(report: &RunReport) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"vendor-audit\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">\n",
        report.summary.pass + report.summary.fail + report.summary.error + report.summary.skipped,
        report.summary.fail,
        report.summary.error,
        report.summary.skipped
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
    }
    out.push_str("</testsuites>\n");
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
