//! Control verdicts (SPEC §6, §8): what the vendor declared for a control against the findings of
//! every check that names it. Declared true and any fail not under an unexpired waiver is
//! `contradicted`; declared true with an error among the evidence is `unverifiable` (never
//! `verified` on incomplete evidence, waived or not); a control whose fails are all waived is
//! `verified`, its reason naming each waiver and its expiry.

use crate::catalog::{Catalog, Lang, Text};
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
                reason: reason.en,
                reason_ja: reason.ja,
            }
        })
        .collect()
}

/// A finding's status as the Japanese reasons say it (the glossary's words).
fn status_ja(status: Status) -> &'static str {
    match status {
        Status::Pass => "合格",
        Status::Fail => "不合格",
        Status::Error => "判定不能",
        Status::Skipped => "対象外",
    }
}

/// "rdp-exposed fail on x:3389", 「rdp-exposed が x:3389 で不合格」.
fn cite(f: &Finding) -> Text {
    Text {
        en: format!("{} {} on {}", f.check, f.status, f.target),
        ja: format!("{} が {} で{}", f.check, f.target, status_ja(f.status)),
    }
}

fn text(en: impl Into<String>, ja: impl Into<String>) -> Text {
    Text {
        en: en.into(),
        ja: ja.into(),
    }
}

/// The verdict and its reason in English and Japanese, from the declared answer and the
/// findings of the control's checks.
pub fn decide(declared: Option<bool>, observable: bool, evidence: &[&Finding]) -> (Verdict, Text) {
    let first = |status: Status| evidence.iter().find(|f| f.status == status);
    let unwaived_fail = evidence
        .iter()
        .find(|f| f.status == Status::Fail && !f.waived);
    let waived_fails: Vec<&&Finding> = evidence
        .iter()
        .filter(|f| f.status == Status::Fail && f.waived)
        .collect();
    let passed = evidence.iter().filter(|f| f.status == Status::Pass).count();
    match declared {
        None => (
            Verdict::Undeclared,
            text(
                "the report does not answer this control",
                "年次報告書にこの管理項目の回答がない",
            ),
        ),
        Some(false) => {
            let why = match first(Status::Fail) {
                Some(f) => {
                    let c = cite(f);
                    text(
                        format!("declared not in place; {}", c.en),
                        format!("未実施と申告されている。{}", c.ja),
                    )
                }
                None => text("declared not in place", "未実施と申告されている"),
            };
            (Verdict::Admitted, why)
        }
        Some(true) if !observable => (
            Verdict::Unverifiable,
            text(
                "no check can observe this control from outside",
                "この管理項目を外部から観測できるチェックがない",
            ),
        ),
        Some(true) => {
            if let Some(f) = unwaived_fail {
                let c = cite(f);
                let why = match &f.waiver {
                    Some(w) if w.expired => {
                        let day = w.expires.as_deref().unwrap_or("?");
                        text(
                            format!("{} (its waiver expired on {day})", c.en),
                            format!("{}（例外承認の期限切れ: {day}）", c.ja),
                        )
                    }
                    _ => c,
                };
                (Verdict::Contradicted, why)
            } else if let Some(f) = first(Status::Error) {
                let c = cite(f);
                let (waived_en, waived_ja) = if f.waived {
                    (
                        " (waived, but a waiver accepts a failure, not missing evidence)",
                        "（例外承認済みだが、例外承認が認めるのは不合格であって証跡の欠落ではない）",
                    )
                } else {
                    ("", "")
                };
                (
                    Verdict::Unverifiable,
                    text(
                        format!("incomplete evidence: {}: {}{waived_en}", c.en, f.message),
                        format!("証跡が不完全: {}: {}{waived_ja}", c.ja, f.message_ja),
                    ),
                )
            } else if !waived_fails.is_empty() {
                let waivers: Vec<Text> = waived_fails.iter().map(|f| cite_waived(f)).collect();
                let (passes_en, passes_ja) = match passed {
                    0 => (String::new(), String::new()),
                    1 => ("; 1 pass".to_owned(), "。ほかに合格 1 件".to_owned()),
                    n => (format!("; {n} passes"), format!("。ほかに合格 {n} 件")),
                };
                let list = |lang: Lang, sep: &str| {
                    waivers
                        .iter()
                        .map(|w| w.get(lang))
                        .collect::<Vec<_>>()
                        .join(sep)
                };
                (
                    Verdict::Verified,
                    text(
                        format!("{}{passes_en}", list(Lang::En, "; ")),
                        format!("{}{passes_ja}", list(Lang::Ja, "。")),
                    ),
                )
            } else if let Some(f) = first(Status::Pass) {
                let c = cite(f);
                let why = if passed > 1 {
                    text(
                        format!("{} (+{} more)", c.en, passed - 1),
                        format!("{}（ほか {} 件）", c.ja, passed - 1),
                    )
                } else {
                    c
                };
                (Verdict::Verified, why)
            } else {
                (
                    Verdict::Unverifiable,
                    text(
                        "no check observed anything for this control",
                        "この管理項目について、どのチェックも観測結果を得られなかった",
                    ),
                )
            }
        }
    }
}

/// "ssh-exposed fail on x:22 waived until 2027-03-31: Contract clause 12",
/// 「ssh-exposed が x:22 で不合格（2027-03-31 まで例外承認済み: Contract clause 12）」. The
/// waiver's reason is the city's own text, quoted as written.
fn cite_waived(f: &Finding) -> Text {
    let (until, reason) = match &f.waiver {
        Some(w) => (w.expires.as_deref(), w.reason.as_str()),
        None => (None, ""),
    };
    let c = cite(f);
    match until {
        Some(day) => text(
            format!("{} waived until {day}: {reason}", c.en),
            format!("{}（{day} まで例外承認済み: {reason}）", c.ja),
        ),
        None => text(
            format!("{} waived without expiry: {reason}", c.en),
            format!("{}（期限なしで例外承認済み: {reason}）", c.ja),
        ),
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
            message_ja: "メッセージ".into(),
            control: Some("remote_access.no_public_rdp".into()),
            waived: false,
            waiver: None,
            evidence: BTreeMap::new(),
            cause: None,
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

    fn waived(status: Status, expired: bool) -> Finding {
        Finding {
            waived: !expired,
            waiver: Some(crate::results::WaiverNote {
                reason: "Contract clause 12".into(),
                expires: Some("2027-03-31".into()),
                expired,
            }),
            ..finding(status)
        }
    }

    #[test]
    fn every_fail_waived_is_verified_naming_the_waiver_and_its_expiry() {
        let (fail, pass) = (waived(Fail, false), finding(Pass));
        let (v, reason) = decide(Some(true), true, &[&fail, &pass]);
        assert_eq!(v, Verdict::Verified, "{}", reason.en);
        assert_eq!(
            reason.en,
            "rdp-exposed fail on x.example:3389 waived until 2027-03-31: Contract clause 12; 1 pass"
        );
        assert_eq!(decide(Some(true), true, &[&fail]).0, Verdict::Verified);
    }

    #[test]
    fn an_unwaived_fail_or_an_expired_waiver_still_contradicts() {
        let (w, plain) = (waived(Fail, false), finding(Fail));
        assert_eq!(
            decide(Some(true), true, &[&w, &plain]).0,
            Verdict::Contradicted
        );
        let expired = waived(Fail, true);
        let (v, reason) = decide(Some(true), true, &[&expired]);
        assert_eq!(v, Verdict::Contradicted);
        assert!(
            reason.en.ends_with("(its waiver expired on 2027-03-31)"),
            "{}",
            reason.en
        );
    }

    #[test]
    fn an_error_beside_waived_fails_is_unverifiable_waived_or_not() {
        let w = waived(Fail, false);
        for error in [finding(Error), waived(Error, false)] {
            assert_eq!(
                decide(Some(true), true, &[&w, &error]).0,
                Verdict::Unverifiable
            );
        }
    }

    #[test]
    fn a_waiver_does_not_change_an_admitted_control() {
        let w = waived(Fail, false);
        assert_eq!(decide(Some(false), true, &[&w]).0, Verdict::Admitted);
    }

    #[test]
    fn an_error_among_passes_is_never_verified() {
        assert_eq!(
            verdict(Some(true), true, &[Pass, Error]),
            Verdict::Unverifiable
        );
    }

    /// The Japanese reason of each branch of `decide`, in the glossary's words.
    #[test]
    fn every_reason_is_said_in_japanese() {
        let ja = |declared: Option<bool>, observable: bool, findings: &[&Finding]| {
            decide(declared, observable, findings).1.ja
        };
        let (pass, fail, error) = (finding(Pass), finding(Fail), finding(Error));
        let second_pass = Finding {
            target: "y.example:3389".into(),
            ..finding(Pass)
        };
        assert_eq!(
            ja(None, true, &[&fail]),
            "年次報告書にこの管理項目の回答がない"
        );
        assert_eq!(ja(Some(false), true, &[]), "未実施と申告されている");
        assert_eq!(
            ja(Some(false), true, &[&fail]),
            "未実施と申告されている。rdp-exposed が x.example:3389 で不合格"
        );
        assert_eq!(
            ja(Some(true), false, &[]),
            "この管理項目を外部から観測できるチェックがない"
        );
        assert_eq!(
            ja(Some(true), true, &[&pass, &fail]),
            "rdp-exposed が x.example:3389 で不合格"
        );
        assert_eq!(
            ja(Some(true), true, &[&waived(Fail, true)]),
            "rdp-exposed が x.example:3389 で不合格（例外承認の期限切れ: 2027-03-31）"
        );
        assert_eq!(
            ja(Some(true), true, &[&pass, &error]),
            "証跡が不完全: rdp-exposed が x.example:3389 で判定不能: メッセージ"
        );
        assert_eq!(
            ja(Some(true), true, &[&waived(Error, false)]),
            "証跡が不完全: rdp-exposed が x.example:3389 で判定不能: メッセージ\
             （例外承認済みだが、例外承認が認めるのは不合格であって証跡の欠落ではない）"
        );
        assert_eq!(
            ja(Some(true), true, &[&waived(Fail, false), &pass]),
            "rdp-exposed が x.example:3389 で不合格（2027-03-31 まで例外承認済み: Contract clause 12）。ほかに合格 1 件"
        );
        let no_expiry = Finding {
            waiver: Some(crate::results::WaiverNote {
                reason: "Contract clause 12".into(),
                expires: None,
                expired: false,
            }),
            ..waived(Fail, false)
        };
        assert_eq!(
            ja(Some(true), true, &[&no_expiry, &pass, &second_pass]),
            "rdp-exposed が x.example:3389 で不合格（期限なしで例外承認済み: Contract clause 12）。ほかに合格 2 件"
        );
        assert_eq!(
            ja(Some(true), true, &[&pass]),
            "rdp-exposed が x.example:3389 で合格"
        );
        assert_eq!(
            ja(Some(true), true, &[&pass, &second_pass]),
            "rdp-exposed が x.example:3389 で合格（ほか 1 件）"
        );
        assert_eq!(
            ja(Some(true), true, &[&finding(Skipped)]),
            "この管理項目について、どのチェックも観測結果を得られなかった"
        );
    }

    #[test]
    fn the_verdicts_carry_both_reasons() {
        let f = finding(Fail);
        let (_, reason) = decide(Some(true), true, &[&f]);
        assert_eq!(reason.en, "rdp-exposed fail on x.example:3389");
        assert_eq!(
            reason.get(Lang::Ja),
            "rdp-exposed が x.example:3389 で不合格"
        );
    }
}
