//! Judging: turns the facts of an asset into findings, one check at a time. No I/O here: the
//! probes have already run. A fact that is missing or unavailable makes a finding `error`, never
//! `pass`; a check whose `applies` is false is `skipped`.

use crate::catalog::{AssetKind, Check, Text};
use crate::fact::Facts;
use crate::inventory::join_host_port;
use crate::probe::sweep::{PortReport, PortState};
use crate::results::{Finding, Status};

/// What the probes observed for one asset, ready to be judged.
#[derive(Debug, Clone)]
pub enum Observed<'a> {
    /// A swept host: its name, the host-wide facts, and each port; or why it could not be swept.
    Host {
        name: &'a str,
        facts: &'a Facts,
        ports: &'a [PortReport],
        /// Why the host could not be swept (English and Japanese).
        unreachable: Option<&'a Text>,
    },
    /// A single-target asset of `kind`: a TLS endpoint, the annual report (later forms).
    Single {
        kind: AssetKind,
        target: &'a str,
        facts: &'a Facts,
    },
}

/// What a finding says: its message in both languages, and for an `error` its cause (the
/// probe's reason, without the facts it left unknown), which the reports group by.
struct Said {
    message: Text,
    cause: Option<Text>,
}

impl Said {
    fn plain(en: impl Into<String>, ja: impl Into<String>) -> Said {
        Said {
            message: Text {
                en: en.into(),
                ja: ja.into(),
            },
            cause: None,
        }
    }
}

/// One check on one target: pass, fail, error or skipped, with message and evidence.
pub fn judge(check: &Check, target: &str, facts: &Facts) -> Finding {
    let (status, said) = match check.applies.as_ref().map(|a| a.evaluate(facts)) {
        Some(Ok(false)) => (
            Status::Skipped,
            match &check.message.skipped {
                Some(why) => Said {
                    message: why.fill(facts),
                    cause: None,
                },
                None => Said::plain("does not apply", "適用条件に該当しない"),
            },
        ),
        // Not knowing whether a check applies because a fact it reads could not be observed
        // is not knowing the answer: error, never a quiet skip. The message is the probe's
        // reason, as for a condition that cannot be evaluated, so that the reports can show
        // one row for every check a silent port or an unreachable asset left undecided.
        Some(Err(why))
            if check
                .facts
                .iter()
                .any(|f| facts.why_unavailable(f).is_some()) =>
        {
            (Status::Error, explain(check, facts, why))
        }
        Some(Err(why)) => {
            let explained = explain(check, facts, why).message;
            (
                Status::Skipped,
                Said::plain(
                    format!("cannot tell whether it applies: {}", explained.en),
                    format!("適用されるか判断できない: {}", explained.ja),
                ),
            )
        }
        Some(Ok(true)) | None => match check.condition.evaluate(facts) {
            Ok(failed) => (
                if failed { Status::Fail } else { Status::Pass },
                Said {
                    message: check.render_messages(failed, facts),
                    cause: None,
                },
            ),
            Err(why) => (Status::Error, explain(check, facts, why)),
        },
    };
    finding(check, target, status, said, facts)
}

/// Every finding of `check` on an observed asset.
pub fn judge_asset(check: &Check, observed: &Observed) -> Vec<Finding> {
    match (check.asset, observed) {
        (
            AssetKind::Host,
            Observed::Host {
                name,
                facts,
                ports,
                unreachable,
            },
        ) => judge_host(check, name, facts, ports, *unreachable),
        (
            asset,
            Observed::Single {
                kind,
                target,
                facts,
            },
        ) if asset == *kind => vec![judge(check, target, facts)],
        _ => Vec::new(),
    }
}

/// A host check is judged on each open port. Checks with `applies` (about one protocol) give a
/// finding per port where they apply, or one `skipped` for the host. Exposure checks (no
/// `applies`) give a finding per port that fails or cannot be judged; when every open port
/// passes, one `pass` for the whole host. A host none of whose ports answered is `error`.
fn judge_host(
    check: &Check,
    name: &str,
    host: &Facts,
    ports: &[PortReport],
    unreachable: Option<&Text>,
) -> Vec<Finding> {
    if let Some(why) = unreachable {
        // The scope's reason, or the resolver's, in the language of the message.
        let said = Said::plain(
            why.en.clone(),
            format!("ホストを走査できなかった: {}", why.ja),
        );
        return vec![finding(check, name, Status::Error, said, host)];
    }
    if !ports.is_empty()
        && ports
            .iter()
            .all(|p| matches!(p.state, PortState::Filtered(_)))
    {
        let said = Said::plain(
            "no swept port answered a TCP connect (host down, or everything filtered): cannot tell",
            "走査したどのポートもTCP接続に応答しなかった（ホストの停止、またはすべて応答なし）ため判定できない",
        );
        return vec![finding(check, name, Status::Error, said, host)];
    }
    let judged: Vec<Finding> = ports
        .iter()
        .filter(|p| p.state == PortState::Open)
        .map(|p| {
            let mut facts = host.clone();
            facts.merge(p.facts.clone());
            judge(check, &join_host_port(name, p.port), &facts)
        })
        .collect();
    if check.applies.is_some() {
        let applied: Vec<Finding> = judged
            .into_iter()
            .filter(|f| f.status != Status::Skipped)
            .collect();
        if applied.is_empty() {
            let said = Said::plain(
                "no open port speaks the protocol this check is about",
                "このチェックの対象プロトコルで応答する開放ポートがない",
            );
            return vec![finding(check, name, Status::Skipped, said, host)];
        }
        return applied;
    }
    let bad: Vec<Finding> = judged
        .into_iter()
        .filter(|f| f.status != Status::Pass)
        .collect();
    if bad.is_empty() {
        let said = Said {
            message: check.render_messages(false, host),
            cause: None,
        };
        vec![finding(check, name, Status::Pass, said, host)]
    } else {
        bad
    }
}

fn finding(check: &Check, target: &str, status: Status, said: Said, facts: &Facts) -> Finding {
    Finding {
        check: check.id.clone(),
        target: target.to_owned(),
        status,
        severity: check.severity,
        title: check.title.en.clone(),
        title_ja: check.title.ja.clone(),
        message: said.message.en,
        message_ja: said.message.ja,
        control: check.control_key().map(str::to_owned),
        waived: false,
        waiver: None,
        evidence: check.evidence(facts),
        cause: said.cause,
    }
}

/// Says what the probe saw first (its reason), then which listed facts that left unavailable:
/// `accepted the connection but answered nothing within 8.0 s (service.protocol unavailable)`,
/// in Japanese `service.protocol を観測できなかった: 接続を受け付けたが …` when the probe gave
/// its reason in Japanese too (our own sentences), else its words quoted as the OS or the
/// server gave them; the cause is the reasons alone. When no fact is unavailable, why the
/// expression could not be evaluated.
fn explain(check: &Check, facts: &Facts, evaluation_error: String) -> Said {
    // Facts unavailable for the same reason are named together, the reason said once.
    let mut by_reason: Vec<(Vec<&str>, &str, &str)> = Vec::new();
    for name in &check.facts {
        if let Some(why) = facts.why_unavailable(name) {
            match by_reason.iter_mut().find(|(_, w, _)| *w == why) {
                Some((names, _, _)) => names.push(name),
                None => by_reason.push((
                    vec![name],
                    why,
                    facts.why_unavailable_ja(name).unwrap_or(why),
                )),
            }
        }
    }
    if by_reason.is_empty() {
        return Said::plain(
            evaluation_error.clone(),
            format!("条件を評価できなかった: {evaluation_error}"),
        );
    }
    let join = |f: &dyn Fn(&[&str], &str, &str) -> String, sep: &str| {
        by_reason
            .iter()
            .map(|(names, why, why_ja)| f(names, why, why_ja))
            .collect::<Vec<_>>()
            .join(sep)
    };
    let whys: Vec<&str> = by_reason.iter().map(|(_, why, _)| *why).collect();
    let whys_ja: Vec<&str> = by_reason.iter().map(|(_, _, why_ja)| *why_ja).collect();
    Said {
        message: Text {
            en: join(
                &|names, why, _| format!("{why} ({} unavailable)", names.join(", ")),
                "; ",
            ),
            ja: join(
                &|names, _, why_ja| format!("{} を観測できなかった: {why_ja}", names.join("、")),
                "。",
            ),
        },
        cause: Some(Text {
            en: whys.join("; "),
            ja: format!("観測できなかった: {}", whys_ja.join("。")),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Lang;

    fn judged(id: &str, target: &str, facts: &Facts) -> Finding {
        let catalog = crate::catalog::Catalog::load(&[]).expect("the built-in catalogue loads");
        let check = catalog.check(id).expect("a built-in check");
        judge(check, target, facts)
    }

    #[test]
    fn an_unavailable_fact_gives_the_probes_reason_as_the_cause_in_both_languages() {
        let why = "accepted the connection but answered nothing within 8.0 s";
        let mut facts = Facts::new();
        facts.unavailable("service.protocol", why);
        facts.set("service.port", 4242i64);
        let f = judged("dicom-exposed", "x:4242", &facts);
        assert_eq!(f.status, Status::Error);
        assert_eq!(f.message, format!("{why} (service.protocol unavailable)"));
        assert_eq!(
            f.message_in(Lang::Ja),
            format!("service.protocol を観測できなかった: {why}")
        );
        assert_eq!(f.cause_in(Lang::En), why);
        assert_eq!(f.cause_in(Lang::Ja), format!("観測できなかった: {why}"));
    }

    #[test]
    fn a_reason_given_in_japanese_too_is_said_in_japanese() {
        let mut facts = Facts::new();
        facts.unavailable_both(
            "service.protocol",
            &crate::diagnostic::both(
                "accepted the connection but answered nothing within 8.0 s",
                "接続を受け付けたが 8.0 秒以内に何も応答しなかった",
            ),
        );
        facts.set("service.port", 4242i64);
        let f = judged("dicom-exposed", "x:4242", &facts);
        assert_eq!(
            f.message,
            "accepted the connection but answered nothing within 8.0 s (service.protocol unavailable)"
        );
        assert_eq!(
            f.message_ja,
            "service.protocol を観測できなかった: 接続を受け付けたが 8.0 秒以内に何も応答しなかった"
        );
        assert_eq!(
            f.cause_in(Lang::Ja),
            "観測できなかった: 接続を受け付けたが 8.0 秒以内に何も応答しなかった"
        );
    }

    #[test]
    fn facts_unavailable_for_one_reason_are_named_together() {
        let mut facts = Facts::new();
        for name in ["tls.legacy_protocols", "tls.protocols"] {
            facts.unavailable(name, "no answer");
        }
        let f = judged("tls-legacy-protocol", "x:443", &facts);
        assert_eq!(
            f.message,
            "no answer (tls.legacy_protocols, tls.protocols unavailable)"
        );
        assert_eq!(
            f.message_ja,
            "tls.legacy_protocols、tls.protocols を観測できなかった: no answer"
        );
        assert_eq!(f.cause_in(Lang::En), "no answer");
    }

    #[test]
    fn a_check_that_does_not_apply_says_so_in_both_languages() {
        let mut facts = Facts::new();
        facts.set("tls.dhe_suites", crate::fact::FactValue::List(vec![]));
        facts.set("tls.dh_bits", 0i64);
        let f = judged("tls-weak-dh", "x:443", &facts);
        assert_eq!(f.status, Status::Skipped);
        assert_eq!(f.message, "no DHE suite accepted");
        assert_eq!(f.message_ja, "DHEスイートを受け付けていない");
        assert!(f.cause.is_none());
    }
}
