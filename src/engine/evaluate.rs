//! Judging: turns the facts of an asset into findings, one check at a time. No I/O here: the
//! probes have already run. A fact that is missing or unavailable makes a finding `error`, never
//! `pass`; a check whose `applies` is false is `skipped`.

use crate::catalog::check::fill;
use crate::catalog::{AssetKind, Check};
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
        unreachable: Option<&'a str>,
    },
    /// A single-target asset of `kind`: a TLS endpoint, the annual report (later forms).
    Single {
        kind: AssetKind,
        target: &'a str,
        facts: &'a Facts,
    },
}

/// One check on one target: pass, fail, error or skipped, with message and evidence.
pub fn judge(check: &Check, target: &str, facts: &Facts) -> Finding {
    let (status, message) = match check.applies.as_ref().map(|a| a.evaluate(facts)) {
        Some(Ok(false)) => (
            Status::Skipped,
            match &check.message.skipped {
                Some(why) => fill(why, facts),
                None => "does not apply".to_owned(),
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
        Some(Err(why)) => (
            Status::Skipped,
            format!(
                "cannot tell whether it applies: {}",
                explain(check, facts, why)
            ),
        ),
        Some(Ok(true)) | None => match check.condition.evaluate(facts) {
            Ok(true) => (Status::Fail, check.render_message(true, facts)),
            Ok(false) => (Status::Pass, check.render_message(false, facts)),
            Err(why) => (Status::Error, explain(check, facts, why)),
        },
    };
    finding(check, target, status, message, facts)
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
    unreachable: Option<&str>,
) -> Vec<Finding> {
    if let Some(why) = unreachable {
        return vec![finding(check, name, Status::Error, why.to_owned(), host)];
    }
    if !ports.is_empty()
        && ports
            .iter()
            .all(|p| matches!(p.state, PortState::Filtered(_)))
    {
        let why =
            "no swept port answered a TCP connect (host down, or everything filtered): cannot tell";
        return vec![finding(check, name, Status::Error, why.to_owned(), host)];
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
            let why = "no open port speaks the protocol this check is about";
            return vec![finding(check, name, Status::Skipped, why.to_owned(), host)];
        }
        return applied;
    }
    let bad: Vec<Finding> = judged
        .into_iter()
        .filter(|f| f.status != Status::Pass)
        .collect();
    if bad.is_empty() {
        vec![finding(
            check,
            name,
            Status::Pass,
            check.render_message(false, host),
            host,
        )]
    } else {
        bad
    }
}

fn finding(check: &Check, target: &str, status: Status, message: String, facts: &Facts) -> Finding {
    Finding {
        check: check.id.clone(),
        target: target.to_owned(),
        status,
        severity: check.severity,
        title: check.title.en.clone(),
        title_ja: check.title.ja.clone(),
        message,
        control: check.control_key().map(str::to_owned),
        waived: false,
        waiver: None,
        evidence: check.evidence(facts),
    }
}

/// The end of the parenthesis that names the facts an error message's reason made unavailable.
pub const UNAVAILABLE: &str = "unavailable";

/// The reason of an `error` finding's message, without the facts it names: what the reports
/// group by (`accepted the connection but answered nothing within 8.0 s`).
pub fn error_reason(message: &str) -> &str {
    let suffix = format!(" {UNAVAILABLE})");
    match (message.ends_with(&suffix), message.rfind(" (")) {
        (true, Some(i)) => message.get(..i).unwrap_or(message),
        _ => message,
    }
}

/// Says what the probe saw first (its reason), then which listed facts that left unavailable:
/// `accepted the connection but answered nothing within 8.0 s (service.protocol unavailable)`;
/// or, when none is unavailable, why the expression could not be evaluated.
fn explain(check: &Check, facts: &Facts, evaluation_error: String) -> String {
    // Facts unavailable for the same reason are named together, the reason said once.
    let mut by_reason: Vec<(Vec<&str>, &str)> = Vec::new();
    for name in &check.facts {
        if let Some(why) = facts.why_unavailable(name) {
            match by_reason.iter_mut().find(|(_, w)| *w == why) {
                Some((names, _)) => names.push(name),
                None => by_reason.push((vec![name], why)),
            }
        }
    }
    let mut reasons: Vec<String> = by_reason
        .into_iter()
        .map(|(names, why)| format!("{why} ({} {UNAVAILABLE})", names.join(", ")))
        .collect();
    if reasons.is_empty() {
        reasons.push(evaluation_error);
    }
    reasons.join("; ")
}

#[cfg(test)]
mod tests {
    use super::error_reason;

    #[test]
    fn the_reason_of_an_error_is_its_message_without_the_facts_it_names() {
        assert_eq!(
            error_reason("accepted the connection but answered nothing within 8.0 s (service.protocol unavailable)"),
            "accepted the connection but answered nothing within 8.0 s"
        );
        assert_eq!(
            error_reason("no answer (tls.protocols, tls.suites unavailable)"),
            "no answer"
        );
        assert_eq!(error_reason("no such key: rdp.x"), "no such key: rdp.x");
        assert_eq!(error_reason("(x unavailable)"), "(x unavailable)");
    }
}
