//! The grade in words: the formula (`vendor-audit checks grading`), written from the constants
//! of `grade`, and one vendor's sum (`--explain`, the Markdown report), from its `Grading`.

use super::{
    fail_points, CapRule, Confidence, DeductionKind, Grading, BANDS, CONTRADICTED_POINTS, START,
    UNJUDGED_POINTS, UNJUDGED_POINTS_MAX,
};
use crate::catalog::{Lang, Severity};
use crate::report::severity_word;

fn pick<'a>(en: &'a str, ja: &'a str, lang: Lang) -> &'a str {
    match lang {
        Lang::En => en,
        Lang::Ja => ja,
    }
}

/// "grade F (score 12)", and how many checks could not be judged when some could not.
pub fn headline(grading: &Grading, lang: Lang) -> String {
    let unjudged = match (grading.unjudged, lang) {
        (0, _) => String::new(),
        (n, Lang::En) => format!("; {n} check(s) could not be judged"),
        (n, Lang::Ja) => format!("・判定できないチェック {n} 件"),
    };
    match lang {
        Lang::En => format!(
            "grade {} (score {}{unjudged})",
            grading.grade, grading.score
        ),
        Lang::Ja => format!("評価 {}（点数 {}{unjudged}）", grading.grade, grading.score),
    }
}

fn cap_words(rule: CapRule, lang: Lang) -> &'static str {
    match (rule, lang) {
        (CapRule::CriticalFailure, Lang::En) => "a critical check failed",
        (CapRule::HighFailure, Lang::En) => "a high check failed",
        (CapRule::ReportMissing, Lang::En) => "the annual report is missing",
        (CapRule::ReportStale, Lang::En) => "the annual report is not this fiscal year's",
        (CapRule::ReportInvalid, Lang::En) => "the annual report has answers that cannot be read",
        (CapRule::Unjudged, Lang::En) => {
            "a check could not be judged (an A needs complete evidence)"
        }
        (CapRule::CriticalFailure, Lang::Ja) => "重大度「重大」のチェックが不合格",
        (CapRule::HighFailure, Lang::Ja) => "重大度「高」のチェックが不合格",
        (CapRule::ReportMissing, Lang::Ja) => "年次報告書が提出されていない",
        (CapRule::ReportStale, Lang::Ja) => "年次報告書が今年度のものではない",
        (CapRule::ReportInvalid, Lang::Ja) => "年次報告書に読み取れない回答がある",
        (CapRule::Unjudged, Lang::Ja) => "判定できないチェックがある（A には完全な証跡が必要）",
    }
}

/// The letter bands, "A 90-100, B 80-89, ...".
fn bands(lang: Lang) -> String {
    let mut upper = START;
    let mut parts = Vec::new();
    for (grade, lowest) in BANDS {
        parts.push(if lowest == 0 {
            match lang {
                Lang::En => format!("{grade} below {}", upper + 1),
                Lang::Ja => format!("{grade} {} 未満", upper + 1),
            }
        } else {
            format!("{grade} {lowest}-{upper}")
        });
        upper = lowest.saturating_sub(1);
    }
    parts.join(", ")
}

const SEVERITIES: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
];

/// The formula, from the constants the grading uses.
pub fn formula(lang: Lang) -> String {
    let points: Vec<String> = SEVERITIES
        .iter()
        .map(|s| match lang {
            Lang::En => format!("{s} {}", fail_points(*s)),
            Lang::Ja => format!("{} {} 点", severity_word(*s, lang), fail_points(*s)),
        })
        .collect();
    let caps: Vec<String> = CapRule::ALL
        .iter()
        .map(|rule| match lang {
            Lang::En => format!(
                "  - {}: at most {} ({})",
                cap_words(*rule, lang),
                rule.max(),
                super::Grade::of(rule.max())
            ),
            Lang::Ja => format!(
                "  - {}: 最高 {} 点（{}）",
                cap_words(*rule, lang),
                rule.max(),
                super::Grade::of(rule.max())
            ),
        })
        .collect();
    match lang {
        Lang::En => format!(
            "How a vendor's grade is computed\n\
             \n\
             Start at {START} points and deduct:\n\
             \x20 - each failing check, once however many targets it fails on, by severity:\n\
             \x20   {}\n\
             \x20   (a failure under an unexpired waiver deducts nothing)\n\
             \x20 - each contradicted declaration (declared in place, observed failing): {CONTRADICTED_POINTS}\n\
             \x20   more, on top of its check's failure; an admitted gap costs only the failure\n\
             \x20 - each check that could not be judged (error): {UNJUDGED_POINTS}, at most {UNJUDGED_POINTS_MAX} in all;\n\
             \x20   it is never counted as a pass, and the report says how many there were\n\
             The score is never below 0. Then each cap that holds limits it (the lowest wins):\n\
             {}\n\
             The letter follows the score: {}.\n\
             `--explain` on `run` lists each vendor's deductions and caps; the JSON has them as `grading`.\n",
            points.join(", "),
            caps.join("\n"),
            bands(lang)
        ),
        Lang::Ja => format!(
            "委託先の評価の計算方法\n\
             \n\
             {START} 点から次を差し引く:\n\
             \x20 - 不合格のチェックごとに重大度に応じて（対象がいくつあっても1回）:\n\
             \x20   {}\n\
             \x20   （有効な例外承認のある不合格は差し引かない）\n\
             \x20 - 申告と矛盾した管理項目ごと（実施と申告、観測で不合格）: チェックの不合格に加えて {CONTRADICTED_POINTS}\n\
             \x20   点。未実施と申告した不備は不合格の分だけ\n\
             \x20 - 判定できなかったチェックごと（判定不能）: {UNJUDGED_POINTS} 点、合計で最大 {UNJUDGED_POINTS_MAX} 点。\n\
             \x20   合格とは数えず、件数を報告に示す\n\
             点数は0未満にならない。次に該当する上限を適用する（最も低いものが優先）:\n\
             {}\n\
             評価は点数で決まる: {}。\n\
             `run` の `--explain` は委託先ごとの減点と上限を示す。JSONでは `grading` にある。\n",
            points.join("、"),
            caps.join("\n"),
            bands(lang)
        ),
    }
}

/// One vendor's sum: each deduction and cap with its check, control and points.
pub fn explain(grading: &Grading, lang: Lang) -> String {
    let mut out = match lang {
        Lang::En => format!("{} points, minus:\n", grading.start),
        Lang::Ja => format!("{} 点から:\n", grading.start),
    };
    if grading.deductions.is_empty() {
        out.push_str(pick("  nothing\n", "  減点なし\n", lang));
    }
    for d in &grading.deductions {
        let targets = d.targets.join(", ");
        let what = match (d.kind, lang) {
            (DeductionKind::Failed, Lang::En) => {
                format!("{} failed ({}) on {targets}", d.check, d.severity)
            }
            (DeductionKind::Failed, Lang::Ja) => {
                format!(
                    "{} 不合格（重大度 {}）: {targets}",
                    d.check,
                    severity_word(d.severity, lang)
                )
            }
            (DeductionKind::Contradicted, Lang::En) => format!(
                "{} declared in place, contradicted by {}",
                d.control.as_deref().unwrap_or("?"),
                d.check
            ),
            (DeductionKind::Contradicted, Lang::Ja) => format!(
                "{} 実施と申告、{} で矛盾",
                d.control.as_deref().unwrap_or("?"),
                d.check
            ),
            (DeductionKind::Unjudged, Lang::En) => {
                format!(
                    "{} could not be judged ({}) on {targets}",
                    d.check, d.severity
                )
            }
            (DeductionKind::Unjudged, Lang::Ja) => {
                format!(
                    "{} 判定不能（重大度 {}）: {targets}",
                    d.check,
                    severity_word(d.severity, lang)
                )
            }
        };
        out.push_str(&format!("  -{:<3} {what}\n", d.points));
    }
    out.push_str(&match lang {
        Lang::En => format!("  = {} before caps\n", grading.before_caps),
        Lang::Ja => format!("  = 上限適用前 {} 点\n", grading.before_caps),
    });
    for c in &grading.caps {
        let checks = if c.checks.is_empty() {
            String::new()
        } else {
            format!(": {}", c.checks.join(", "))
        };
        let lowered = if c.lowered {
            pick(" (lowers the score)", "（点数を下げる）", lang)
        } else {
            ""
        };
        out.push_str(&match lang {
            Lang::En => format!(
                "  cap {} ({}): {}{checks}{lowered}\n",
                c.max,
                super::Grade::of(c.max),
                cap_words(c.rule, lang)
            ),
            Lang::Ja => format!(
                "  上限 {}（{}）: {}{checks}{lowered}\n",
                c.max,
                super::Grade::of(c.max),
                cap_words(c.rule, lang)
            ),
        });
    }
    out.push_str(&match lang {
        Lang::En => format!("  = {}\n", headline(grading, lang)),
        Lang::Ja => format!("  = {}\n", headline(grading, lang)),
    });
    if grading.confidence == Confidence::Partial {
        out.push_str(&match lang {
            Lang::En => format!(
                "  confidence: partial ({} of {} checks could not be judged; not counted as passes)\n",
                grading.unjudged,
                grading.judged + grading.unjudged
            ),
            Lang::Ja => format!(
                "  信頼度: 部分的（{} 件中 {} 件のチェックが判定できず、合格とは数えていない）\n",
                grading.judged + grading.unjudged,
                grading.unjudged
            ),
        });
    }
    out
}

/// `--explain`: each vendor's sum, after the report.
pub fn explain_run(report: &crate::results::RunReport, lang: Lang) -> String {
    report
        .vendors
        .iter()
        .map(|v| explain_vendor(v, lang))
        .collect()
}

/// One vendor's part of [`explain_run`] (a streamed run writes each as it passes).
pub fn explain_vendor(v: &crate::results::VendorResult, lang: Lang) -> String {
    let mut out = match lang {
        Lang::En => format!("\nGrade of {} ({}):\n", v.name, v.id),
        Lang::Ja => format!("\n{}（{}）の評価:\n", v.name, v.id),
    };
    out.push_str(&explain(&v.grading, lang));
    out
}
