//! The pre-contract summary `assess` prints after its report: the grade, every failure grouped
//! as "must fix before contract" (critical, high) and "should fix" (medium, low), and what could
//! not be judged. Render only.

use std::fmt::Write;

use crate::catalog::{Lang, Severity};
use crate::report::{pick, severity_word};
use crate::results::{Status, VendorResult};

pub fn summary(vendor: &VendorResult, lang: Lang) -> String {
    let failing = |must: bool| -> Vec<String> {
        let mut failed: Vec<&crate::results::Finding> = vendor
            .findings
            .iter()
            .filter(|f| f.status == Status::Fail && !f.waived)
            .filter(|f| (f.severity >= Severity::High) == must)
            .collect();
        // The most severe first, then by check and target.
        failed.sort_by(|a, b| {
            (b.severity, &a.check, &a.target).cmp(&(a.severity, &b.check, &b.target))
        });
        failed
            .into_iter()
            .map(|f| match lang {
                Lang::En => format!(
                    "  - [{}] {} on {}: {}",
                    f.severity, f.check, f.target, f.title
                ),
                Lang::Ja => format!(
                    "  - [{}] {}（対象 {}）: {}",
                    severity_word(f.severity, lang),
                    f.check,
                    f.target,
                    f.title_ja
                ),
            })
            .collect()
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} ({}): {} {} ({} {})",
        pick("Pre-contract assessment of", "契約前評価:", lang),
        vendor.name,
        vendor.id,
        pick("grade", "評価", lang),
        vendor.grade,
        pick("score", "点数", lang),
        vendor.score
    );
    for (must, en, ja) in [
        (
            true,
            "Must fix before contract (critical, high)",
            "契約前に対処が必要（重大・高）",
        ),
        (
            false,
            "Should fix (medium, low)",
            "対処が望ましい（中・低）",
        ),
    ] {
        let list = failing(must);
        let _ = writeln!(out, "{} ({}):", pick(en, ja, lang), list.len());
        if list.is_empty() {
            let _ = writeln!(out, "  {}", pick("none", "なし", lang));
        }
        for line in list {
            let _ = writeln!(out, "{line}");
        }
    }
    let unjudged = vendor
        .findings
        .iter()
        .filter(|f| f.status == Status::Error)
        .count();
    if unjudged > 0 {
        let _ = writeln!(
            out,
            "{}",
            match lang {
                Lang::En => format!(
                    "Could not be judged: {unjudged} finding(s) (not passes; see the report)"
                ),
                Lang::Ja =>
                    format!("判定不能: {unjudged} 件（合格とは数えない。詳細は上の結果を参照）"),
            }
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Finding, ReportStatus, ReportSummary};

    #[test]
    fn the_japanese_summary_lists_each_failure_in_japanese() {
        let fail = Finding {
            check: "vnc-no-auth".into(),
            target: "x.example:5900".into(),
            status: Status::Fail,
            severity: Severity::Critical,
            title: "VNC requires no authentication".into(),
            title_ja: "VNCが認証なしで接続を許す".into(),
            message: String::new(),
            message_ja: String::new(),
            control: None,
            waived: false,
            waiver: None,
            evidence: Default::default(),
            cause: None,
        };
        let vendor = VendorResult {
            id: "cand".into(),
            name: "Candidate".into(),
            grade: Default::default(),
            score: 0,
            report: ReportSummary {
                path: None,
                status: ReportStatus::Missing,
                fiscal_year: None,
            },
            findings: vec![fail],
            controls: vec![],
            assets: vec![],
            grading: Default::default(),
        }
        .graded();
        let text = summary(&vendor, Lang::Ja);
        assert!(
            text.starts_with("契約前評価: Candidate (cand): 評価 F (点数 "),
            "{text}"
        );
        assert!(
            text.contains(
                "  - [重大] vnc-no-auth（対象 x.example:5900）: VNCが認証なしで接続を許す\n"
            ),
            "{text}"
        );
        assert!(!text.contains(" on "), "{text}");
    }
}
