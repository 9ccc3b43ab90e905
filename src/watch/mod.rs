//! `watch`: audit rounds in one long-lived process. Every asset is audited at `--every`; a form
//! with `opens_at`/`closes_at` is audited at `--near-go-live` from 24 h before to 1 h after each
//! instant. Rounds never overlap; each is stored and alerted on; the inventory is reloaded when
//! it changes (a broken edit keeps the last good one); SIGINT/SIGTERM stop it cleanly.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::time::Instant;

use crate::catalog::Catalog;
use crate::engine::{self, Observations, RunOptions};
use crate::history::diff::Changes;
use crate::history::{snapshot_of, History, RunMeta, Snapshot};
use crate::inventory::Inventory;
use crate::notify::{self, Notifier};

/// How long before a go-live or close the tight cadence starts, and how long after it ends.
pub const LEAD: Duration = Duration::from_secs(24 * 3600);
pub const LAG: Duration = Duration::from_secs(3600);
/// A round starts up to a tenth of its cadence early, and never more than this, so that many
/// scanners started together do not hit a vendor in the same second. Early, not late: the
/// cadence stays the longest a change can go unseen (a form opened early: at most a minute).
const MAX_JITTER: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct WatchOptions {
    pub config: PathBuf,
    pub checks: Vec<PathBuf>,
    pub every: Duration,
    pub near_go_live: Duration,
    /// Limits and concurrency of each round.
    pub run: RunOptions,
}

/// `30s`, `15m`, `1h`, `1d` (or a bare number of seconds), at least one second.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration: expected e.g. 30s, 15m, 1h or 1d"))?;
    let seconds = match unit {
        "" | "s" => Some(n),
        "m" => n.checked_mul(60),
        "h" => n.checked_mul(3600),
        "d" => n.checked_mul(86_400),
        _ => None,
    }
    .ok_or_else(|| format!("`{text}` is not a duration: expected e.g. 30s, 15m, 1h or 1d"))?;
    if seconds == 0 {
        return Err(format!("`{text}` is zero: a cadence is at least 1s"));
    }
    Ok(Duration::from_secs(seconds))
}

/// A cadence as people write it: `15m`, `1h`, `90s`.
pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0 => format!("{}ms", d.as_millis()),
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// The forms, by (vendor id, URL), within their tight window at `now`.
pub fn tight_forms(inventory: &Inventory, now: DateTime<Utc>) -> BTreeSet<(String, String)> {
    let lead = chrono::Duration::from_std(LEAD).unwrap_or_default();
    let lag = chrono::Duration::from_std(LAG).unwrap_or_default();
    let mut out = BTreeSet::new();
    for v in &inventory.vendors {
        for f in &v.forms {
            let near = [f.opens_at, f.closes_at].into_iter().flatten().any(|t| {
                let t = t.with_timezone(&Utc);
                now >= t - lead && now <= t + lag
            });
            if near {
                out.insert((v.id.clone(), f.url.clone()));
            }
        }
    }
    out
}

fn jitter(cadence: Duration) -> Duration {
    let most = (cadence / 10).min(MAX_JITTER);
    let ms = u64::try_from(most.as_millis()).unwrap_or(0);
    if ms == 0 {
        Duration::ZERO
    } else {
        Duration::from_millis(rand::random::<u64>() % ms)
    }
}

fn stamp() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The inventory file's bytes, to notice an edit (a missing file reads as empty: an edit too).
fn fingerprint(path: &std::path::Path) -> Vec<u8> {
    crate::inventory::read_small_file(path).unwrap_or_default()
}

/// Stops on SIGINT or SIGTERM: the receiver turns true.
fn stop_signal() -> tokio::sync::watch::Receiver<bool> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let mut term = signal(SignalKind::terminate()).ok();
            let terminated = async {
                match term.as_mut() {
                    Some(t) => {
                        t.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminated => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        let _ = tx.send(true);
    });
    rx
}

/// Runs rounds until a signal; returns when stopped.
pub async fn watch(
    options: WatchOptions,
    inventory: Inventory,
    catalog: Catalog,
    mut history: Option<History>,
) {
    let mut stop = stop_signal();
    let mut inventory = inventory;
    let mut seen = fingerprint(&options.config);
    let mut refused: Option<Vec<u8>> = None;
    let mut last: Option<Observations> = None;
    let mut round: u64 = 0;
    let mut remembered = Snapshot::new();
    let mut next_full = Instant::now();
    let mut next_tight = Instant::now();
    eprintln!(
        "{} watch: {} vendor{} from {}; every asset each {}, scheduled forms each {} from {}h before to {}h after go-live and close{}",
        stamp(),
        inventory.vendors.len(),
        if inventory.vendors.len() == 1 { "" } else { "s" },
        options.config.display(),
        human(options.every),
        human(options.near_go_live),
        LEAD.as_secs() / 3600,
        LAG.as_secs() / 3600,
        match &history {
            Some(h) => format!("; history {}", h.path().display()),
            None => "; nothing stored (--no-history): changes are told against this process's earlier rounds".into(),
        }
    );
    loop {
        let wake = next_full.min(next_tight);
        tokio::select! {
            _ = tokio::time::sleep_until(wake) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            eprintln!("{} watch: stopping (signal); no round was running", stamp());
            return;
        }
        // A changed inventory is read before the round; a broken one keeps the last good.
        let mut reloaded = false;
        let now_bytes = fingerprint(&options.config);
        if now_bytes == seen {
            // A broken edit undone: the same mistake made again is news again.
            refused = None;
        }
        if now_bytes != seen && refused.as_ref() != Some(&now_bytes) {
            match Inventory::load(&options.config) {
                Ok(new) => {
                    eprintln!(
                        "{} watch: {} changed: reloaded ({} vendors)",
                        stamp(),
                        options.config.display(),
                        new.vendors.len()
                    );
                    inventory = new;
                    seen = now_bytes;
                    refused = None;
                    reloaded = true;
                }
                Err(problems) => {
                    let text = problems.to_string();
                    eprintln!(
                        "{} watch: {} changed but does not load; still auditing with the last good inventory:\n{}",
                        stamp(),
                        options.config.display(),
                        text.trim_end()
                    );
                    refused = Some(now_bytes);
                    let alert = notify::inventory_alert(&options.config, &text, &stamp());
                    send(&inventory, history.as_ref(), &[alert]).await;
                }
            }
        }
        let at = Instant::now();
        let tight = tight_forms(&inventory, Utc::now());
        let covered = last
            .as_ref()
            .is_some_and(|o| inventory.vendors.iter().all(|v| o.covers(v)));
        let full = at >= next_full || reloaded || !covered;
        if !full && (tight.is_empty() || at < next_tight) {
            next_tight = at + options.near_go_live;
            continue;
        }
        round += 1;
        let mut run = options.run.clone();
        let scope = if full {
            None
        } else {
            let vendors: BTreeSet<String> = tight.iter().map(|(v, _)| v.clone()).collect();
            run.vendors = vendors.into_iter().collect();
            run.only_forms = Some(tight.clone());
            Some(tight.iter().map(|(_, url)| url.clone()).collect::<Vec<_>>())
        };
        let what = match &scope {
            None => "all assets".to_owned(),
            Some(urls) => format!(
                "near go-live: {} form{} of {}",
                urls.len(),
                if urls.len() == 1 { "" } else { "s" },
                run.vendors.join(", ")
            ),
        };
        let probing = engine::probe(&inventory, &run);
        tokio::pin!(probing);
        let observed = tokio::select! {
            o = &mut probing => o,
            _ = stop.changed() => {
                eprintln!(
                    "{} watch: stopping (signal); round {round} ({what}) abandoned before anything was stored",
                    stamp()
                );
                return;
            }
        };
        let observations = match (last.take(), full) {
            (Some(mut previous), false) => {
                previous.merge(observed);
                previous
            }
            _ => observed,
        };
        let report = engine::judge(&inventory, &catalog, &run, observations.clone());
        last = Some(observations);
        // Stored and alerted even when a signal came meanwhile: the round is done, keep it.
        let mut line = format!(
            "{} watch: round {round} ({what}) {:.1}s: run {}: {} fail, {} error, {} contradicted",
            stamp(),
            at.elapsed().as_secs_f64(),
            report.run.id,
            report.summary.fail,
            report.summary.error,
            report.summary.contradicted
        );
        // What changed since each vendor's previous round: from the history, or (with
        // --no-history) from the rounds this process remembers.
        let changes = match history.as_mut() {
            Some(h) => {
                let mut meta = RunMeta::of("watch", &inventory, &catalog.digest);
                meta.scope = scope;
                h.record_and_compare(&report, &meta)
                    .map_err(|e| line.push_str(&format!("; NOT STORED: {e}")))
                    .ok()
            }
            None => {
                let now = snapshot_of(&report);
                let mut changes = Changes::new("", &report.run.id);
                for (vendor, snap) in &now {
                    changes.add_vendor(vendor, remembered.get(vendor), snap);
                }
                remembered.extend(now);
                Some(changes)
            }
        };
        if let Some(changes) = changes {
            line.push_str(&format!(
                "; since previous: {} new failing, {} fixed, {} verdict change{}",
                changes.regressions.len(),
                changes.fixed.len(),
                changes.verdict_changes.len(),
                if changes.verdict_changes.len() == 1 {
                    ""
                } else {
                    "s"
                }
            ));
            if let Some(settings) = &inventory.notify {
                let alerts = notify::alerts_for(&changes, settings.min_severity);
                if let Some(d) = send(&inventory, history.as_ref(), &alerts).await {
                    line.push_str(&format!("; {}", d.summary()));
                }
            }
        }
        eprintln!("{line}");
        if *stop.borrow() {
            eprintln!("{} watch: stopping (signal) after round {round}", stamp());
            return;
        }
        if full {
            next_full = at + options.every - jitter(options.every);
        }
        next_tight = at + options.near_go_live - jitter(options.near_go_live);
        for (label, next, cadence) in [
            ("every", next_full, options.every),
            ("near-go-live", next_tight, options.near_go_live),
        ] {
            if Instant::now() > next + cadence {
                eprintln!(
                    "{} watch: round {round} took longer than the {label} cadence ({}); the next starts at once",
                    stamp(),
                    human(cadence)
                );
            }
        }
    }
}

/// Sends alerts (a round's, or a broken inventory's) to `[notify]`: queued in the history when
/// there is one, else sent at once. Each failure is logged; `None` when nothing could be tried.
async fn send(
    inventory: &Inventory,
    history: Option<&History>,
    alerts: &[notify::Alert],
) -> Option<notify::Delivery> {
    let notifier = Notifier::new(inventory.notify.as_ref()?);
    let delivered = match history {
        Some(h) => notifier.queue_and_deliver(h, alerts).await,
        None => Ok(notifier.deliver_now(alerts).await),
    };
    match delivered {
        Ok(d) => {
            for e in &d.errors {
                eprintln!("{} watch: {e}", stamp());
            }
            Some(d)
        }
        Err(e) => {
            eprintln!("{} watch: alerts: {e}", stamp());
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86_400)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("5 minutes").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("99999999999999999999d").is_err());
        for text in ["15m", "1m", "30s", "2h", "1d", "90s"] {
            assert_eq!(human(parse_duration(text).unwrap()), text);
        }
    }

    #[test]
    fn a_form_is_near_from_a_day_before_to_an_hour_after() {
        let toml = r#"
[[vendor]]
id = "v"
name = "V"
[[vendor.form]]
url = "https://forms.example.lab/apply"
opens_at = 2026-04-30T10:00:00+09:00
"#;
        let inv = Inventory::parse(std::path::Path::new("/tmp/v.toml"), toml).unwrap();
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert!(tight_forms(&inv, at("2026-04-29T09:59:00+09:00")).is_empty());
        assert_eq!(tight_forms(&inv, at("2026-04-29T10:00:00+09:00")).len(), 1);
        assert_eq!(tight_forms(&inv, at("2026-04-30T11:00:00+09:00")).len(), 1);
        assert!(tight_forms(&inv, at("2026-04-30T11:00:01+09:00")).is_empty());
    }
}
