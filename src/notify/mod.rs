//! Alerts (`[notify]`, SPEC §8): turns a run's changes into alert messages and delivers them to a
//! webhook (its URL read from the environment, never printed or stored) and to a command, with
//! bounded retries. Undelivered alerts wait in the history and are tried again next time.

use std::time::Duration;

use serde::Serialize;
use tokio::io::AsyncWriteExt;

use crate::catalog::Severity;
use crate::history::diff::{Changes, FindingChange};
use crate::history::History;
use crate::inventory::NotifySettings;

/// Attempts per alert in one delivery, and the first pause between them (doubled each time).
const ATTEMPTS: u32 = 3;
const FIRST_PAUSE: Duration = Duration::from_secs(1);
/// How long one webhook request or one command may take.
const SEND_TIMEOUT: Duration = Duration::from_secs(15);
/// Pending alerts tried in one delivery, oldest first (the rest wait for the next).
const PER_DELIVERY: usize = 100;

/// One alert: a Slack- and Teams-compatible `text` line and the structured changes.
#[derive(Debug, Clone, Serialize)]
pub struct Alert {
    /// Slack's and Teams' incoming webhooks show this line.
    pub text: String,
    pub source: &'static str,
    /// `changes`, or `inventory-invalid` (watch kept the last good inventory).
    pub kind: &'static str,
    /// Stable for the alert: a receiver that got it twice can tell.
    pub id: String,
    pub run_id: Option<String>,
    pub vendor: Option<String>,
    pub changes: Vec<AlertChange>,
}

/// One change in an alert.
#[derive(Debug, Clone, Serialize)]
pub struct AlertChange {
    /// `new-failure`, `fixed`, `new-error` or `contradicted`.
    pub change: &'static str,
    pub vendor: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
    pub target: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    pub message: String,
    pub run_id: String,
    pub before: Option<&'static str>,
    pub after: Option<&'static str>,
}

fn finding_change(kind: &'static str, c: &FindingChange, run: &str) -> AlertChange {
    AlertChange {
        change: kind,
        vendor: c.vendor.clone(),
        check: Some(c.check.clone()),
        control: c.control.clone(),
        target: c.target.clone(),
        severity: Some(c.severity),
        message: c.message.clone(),
        run_id: run.to_owned(),
        before: c.before,
        after: c.after,
    }
}

/// The alerts a run's changes call for, one per vendor: new failures and fixes at or above
/// `min`, findings that can no longer be judged at or above `min`, and newly contradicted
/// controls.
pub fn alerts_for(changes: &Changes, min: Severity) -> Vec<Alert> {
    let run = changes.to.as_str();
    let mut by_vendor: std::collections::BTreeMap<String, Vec<AlertChange>> = Default::default();
    let mut add = |vendor: &str, change: AlertChange| {
        by_vendor.entry(vendor.to_owned()).or_default().push(change);
    };
    for c in changes.regressions.iter().filter(|c| c.severity >= min) {
        add(&c.vendor, finding_change("new-failure", c, run));
    }
    for c in changes.fixed.iter().filter(|c| c.severity >= min) {
        add(&c.vendor, finding_change("fixed", c, run));
    }
    for c in changes
        .status_changes
        .iter()
        .filter(|c| c.severity >= min && c.after == Some("error"))
    {
        add(&c.vendor, finding_change("new-error", c, run));
    }
    for c in changes
        .verdict_changes
        .iter()
        .filter(|c| c.after == Some("contradicted"))
    {
        add(
            &c.vendor,
            AlertChange {
                change: "contradicted",
                vendor: c.vendor.clone(),
                check: None,
                control: Some(c.control.clone()),
                target: c.target.to_owned(),
                severity: None,
                message: c.reason.clone(),
                run_id: run.to_owned(),
                before: c.before,
                after: c.after,
            },
        );
    }
    by_vendor
        .into_iter()
        .map(|(vendor, list)| Alert {
            text: text_line(&vendor, &list, run),
            source: "vendor-audit",
            kind: "changes",
            id: format!("{run}/{vendor}"),
            run_id: Some(run.to_owned()),
            vendor: Some(vendor),
            changes: list,
        })
        .collect()
}

/// "vendor-audit: machi-web: 1 new failure (high form-open-before-go-live on https://…), …".
fn text_line(vendor: &str, list: &[AlertChange], run: &str) -> String {
    let mut parts = Vec::new();
    for (kind, one, many) in [
        ("new-failure", "new failure", "new failures"),
        (
            "contradicted",
            "control now contradicted",
            "controls now contradicted",
        ),
        (
            "new-error",
            "check can no longer be judged",
            "checks can no longer be judged",
        ),
        ("fixed", "fixed", "fixed"),
    ] {
        let of_kind: Vec<&AlertChange> = list.iter().filter(|c| c.change == kind).collect();
        let Some(first) = of_kind.first() else {
            continue;
        };
        let what = match (&first.check, &first.control, first.severity) {
            (Some(check), _, Some(sev)) => format!("{sev} {check} on {}", first.target),
            (_, Some(control), _) => control.clone(),
            _ => String::new(),
        };
        let more = if of_kind.len() > 1 {
            format!(", and {} more", of_kind.len() - 1)
        } else {
            String::new()
        };
        let label = if of_kind.len() == 1 { one } else { many };
        parts.push(format!("{} {label} ({what}{more})", of_kind.len()));
    }
    format!("vendor-audit: {vendor}: {} · run {run}", parts.join("; "))
}

/// The alert `watch` sends when an edited inventory (or report) does not load.
pub fn inventory_alert(path: &std::path::Path, problems: &str, at: &str) -> Alert {
    let first = problems.lines().next().unwrap_or("").to_owned();
    Alert {
        text: format!(
            "vendor-audit watch: {} does not load ({first}); still auditing with the last good inventory",
            path.display()
        ),
        source: "vendor-audit",
        kind: "inventory-invalid",
        id: format!("inventory-invalid/{at}"),
        run_id: None,
        vendor: None,
        changes: Vec::new(),
    }
}

/// Where alerts go: the webhook (its URL read from the environment when sending) and the command.
#[derive(Debug, Clone)]
pub struct Notifier {
    settings: NotifySettings,
}

/// What one delivery did, for the log line.
#[derive(Debug, Default, Clone)]
pub struct Delivery {
    pub sent: usize,
    pub pending: usize,
    /// One line per failed alert and channel (never the URL).
    pub errors: Vec<String>,
}

impl Delivery {
    pub fn summary(&self) -> String {
        if self.sent == 0 && self.pending == 0 {
            return "no alert".into();
        }
        let mut s = format!("alerts: {} sent", self.sent);
        if self.pending > 0 {
            s.push_str(&format!(
                ", {} not delivered (kept, retried next time)",
                self.pending
            ));
        }
        s
    }
}

impl Notifier {
    pub fn new(settings: &NotifySettings) -> Notifier {
        Notifier {
            settings: settings.clone(),
        }
    }

    pub fn min_severity(&self) -> Severity {
        self.settings.min_severity
    }

    fn channels(&self) -> Vec<&'static str> {
        let mut c = Vec::new();
        if self.settings.webhook_url_env.is_some() {
            c.push("webhook");
        }
        if !self.settings.command.is_empty() {
            c.push("command");
        }
        c
    }

    /// Queues `alerts` in the history (one row per channel), then delivers every pending one.
    pub async fn queue_and_deliver(
        &self,
        history: &History,
        alerts: &[Alert],
    ) -> Result<Delivery, crate::history::HistoryError> {
        for alert in alerts {
            let body = serde_json::to_string(alert).unwrap_or_default();
            for channel in self.channels() {
                history.queue_alert(alert.run_id.as_deref(), channel, &body)?;
            }
        }
        let mut delivery = Delivery::default();
        // A channel that failed all its attempts is not tried again in this delivery: its other
        // alerts wait for the next one, instead of each costing the full retry pauses (with a
        // webhook down for a day, a watch round would otherwise spend minutes here).
        let mut down: Vec<String> = Vec::new();
        let mut not_tried: usize = 0;
        for pending in history.pending_alerts()?.into_iter().take(PER_DELIVERY) {
            if down.contains(&pending.channel) {
                delivery.pending += 1;
                not_tried += 1;
                continue;
            }
            let (attempts, outcome) = self
                .send_with_retries(&pending.channel, &pending.body)
                .await;
            match &outcome {
                Ok(()) => delivery.sent += 1,
                Err(e) => {
                    down.push(pending.channel.clone());
                    delivery.pending += 1;
                    delivery.errors.push(format!(
                        "alert {} ({}) not delivered after {} attempts: {e}",
                        pending.id,
                        pending.channel,
                        i64::from(attempts) + pending.attempts
                    ));
                }
            }
            history.alert_outcome(pending.id, attempts, outcome.err().as_deref())?;
        }
        if not_tried > 0 {
            delivery.errors.push(format!(
                "{not_tried} more alert(s) not delivered: not tried, as their channel ({}) had just failed (kept, retried next time)",
                down.join(", ")
            ));
        }
        Ok(delivery)
    }

    /// Delivers `alerts` with no history to keep them in (`--no-history`): failures are said.
    pub async fn deliver_now(&self, alerts: &[Alert]) -> Delivery {
        let mut delivery = Delivery::default();
        for alert in alerts {
            let body = serde_json::to_string(alert).unwrap_or_default();
            for channel in self.channels() {
                match self.send_with_retries(channel, &body).await {
                    (_, Ok(())) => delivery.sent += 1,
                    (attempts, Err(e)) => {
                        delivery.pending += 1;
                        delivery.errors.push(format!(
                            "alert {} ({channel}) not delivered after {attempts} attempts, and with --no-history it is not kept: {e}",
                            alert.id
                        ));
                    }
                }
            }
        }
        delivery
    }

    /// Up to `ATTEMPTS` tries with doubling pauses; the number of attempts made and the outcome.
    async fn send_with_retries(&self, channel: &str, body: &str) -> (u32, Result<(), String>) {
        let mut pause = FIRST_PAUSE;
        let mut last = Err(String::new());
        for attempt in 1..=ATTEMPTS {
            last = match channel {
                "webhook" => self.post(body).await,
                "command" => self.run_command(body).await,
                other => Err(format!("unknown alert channel `{other}`")),
            };
            if last.is_ok() {
                return (attempt, last);
            }
            if attempt < ATTEMPTS {
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
        }
        (ATTEMPTS, last)
    }

    async fn post(&self, body: &str) -> Result<(), String> {
        let Some(var) = &self.settings.webhook_url_env else {
            return Err("no webhook_url_env in [notify]".into());
        };
        let url = match std::env::var(var) {
            Ok(url) if !url.trim().is_empty() => url,
            _ => {
                return Err(format!(
                    "the environment variable {var} (webhook_url_env) is not set"
                ))
            }
        };
        // No proxy from the environment, no redirects: the alert goes where the operator said.
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(SEND_TIMEOUT)
            .build()
            .map_err(|e| e.without_url().to_string())?;
        let answer = client
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            // The URL (which may carry a secret token) is never part of a message.
            .map_err(|e| {
                format!(
                    "the webhook request failed: {}",
                    error_chain(&e.without_url())
                )
            })?;
        let status = answer.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("the webhook answered HTTP {}", status.as_u16()))
        }
    }

    async fn run_command(&self, body: &str) -> Result<(), String> {
        let Some((program, args)) = self.settings.command.split_first() else {
            return Err("no command in [notify]".into());
        };
        let mut child = tokio::process::Command::new(program)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start {program}: {e}"))?;
        let mut stdin = child.stdin.take();
        let run = async {
            if let Some(stdin) = stdin.as_mut() {
                // A command that does not read its input is its own business; its exit says.
                let _ = stdin.write_all(body.as_bytes()).await;
                let _ = stdin.write_all(b"\n").await;
            }
            drop(stdin);
            child.wait_with_output().await
        };
        match tokio::time::timeout(SEND_TIMEOUT, run).await {
            Err(_) => Err(format!(
                "{program} did not finish within {}s",
                SEND_TIMEOUT.as_secs()
            )),
            Ok(Err(e)) => Err(format!("{program}: {e}")),
            Ok(Ok(out)) if out.status.success() => Ok(()),
            Ok(Ok(out)) => {
                let said = String::from_utf8_lossy(&out.stderr);
                let first: String = said
                    .lines()
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(200)
                    .collect();
                Err(format!("{program} exited with {}: {first}", out.status))
            }
        }
    }
}

/// An error and its causes, on one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(
        check: &str,
        severity: Severity,
        before: &'static str,
        after: &'static str,
    ) -> FindingChange {
        FindingChange {
            vendor: "v".into(),
            check: check.into(),
            target: "h:1".into(),
            before: Some(before),
            after: Some(after),
            severity,
            title: String::new(),
            message: "m".into(),
            message_ja: "m".into(),
            control: None,
        }
    }

    #[test]
    fn alerts_keep_to_the_minimum_severity_and_name_every_change() {
        let mut c = Changes::new("A", "B");
        c.regressions
            .push(change("hi", Severity::High, "pass", "fail"));
        c.regressions
            .push(change("lo", Severity::Low, "pass", "fail"));
        c.fixed
            .push(change("fx", Severity::Critical, "fail", "pass"));
        c.status_changes
            .push(change("er", Severity::High, "pass", "error"));
        c.status_changes
            .push(change("ok", Severity::High, "error", "pass"));
        let alerts = alerts_for(&c, Severity::High);
        assert_eq!(alerts.len(), 1);
        let kinds: Vec<(&str, Option<&str>)> = alerts[0]
            .changes
            .iter()
            .map(|c| (c.change, c.check.as_deref()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("new-failure", Some("hi")),
                ("fixed", Some("fx")),
                ("new-error", Some("er"))
            ]
        );
        assert!(alerts[0]
            .text
            .starts_with("vendor-audit: v: 1 new failure (high hi on h:1)"));
        assert_eq!(alerts[0].run_id.as_deref(), Some("B"));
        assert!(alerts_for(&Changes::new("A", "B"), Severity::Info).is_empty());
    }
}
