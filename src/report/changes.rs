//! `diff` and `history` for terminals and machines: the changes between two runs (regressions,
//! fixed, verdict and status changes) and one line per run and vendor. Render only.

use serde::Serialize;

use super::layout::{self, Text};
use crate::history::diff::{Changes, ControlChange, FindingChange};
use crate::history::RunVendorRow;

/// The JSON of `diff` (SPEC §8 keys).
pub fn diff_json(changes: &Changes) -> String {
    serde_json::to_string_pretty(changes).unwrap_or_default() + "\n"
}

fn state(s: Option<&str>) -> &str {
    s.unwrap_or("—")
}

fn finding_table(title: &str, list: &[FindingChange], width: u16) -> String {
    if list.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<Text>> = list
        .iter()
        .map(|c| {
            vec![
                Text::plain(&c.vendor),
                Text::plain(c.severity.name()),
                Text::plain(format!("{}\n{}", c.check, c.target)),
                Text::plain(format!("{} → {}", state(c.before), state(c.after))),
                Text::plain(&c.message),
            ]
        })
        .collect();
    let header = [
        "vendor",
        "severity",
        "check, target",
        "before → after",
        "now",
    ];
    format!(
        "{title} ({})\n{}\n",
        list.len(),
        layout::table(&header, &rows, width, false)
    )
}

fn control_table(list: &[ControlChange], width: u16) -> String {
    if list.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<Text>> = list
        .iter()
        .map(|c| {
            vec![
                Text::plain(&c.vendor),
                Text::plain(&c.control),
                Text::plain(format!("{} → {}", state(c.before), state(c.after))),
                Text::plain(&c.reason),
            ]
        })
        .collect();
    let header = ["vendor", "control", "before → after", "why"];
    format!(
        "Verdict changes ({})\n{}\n",
        list.len(),
        layout::table(&header, &rows, width, false)
    )
}

/// The table of `diff`: one section per kind of change, and a line that says what was compared.
pub fn diff_table(changes: &Changes, width: u16) -> String {
    let mut out = format!("from run {} to run {}\n\n", changes.from, changes.to);
    out.push_str(&finding_table("Regressions", &changes.regressions, width));
    out.push_str(&finding_table("Fixed", &changes.fixed, width));
    out.push_str(&control_table(&changes.verdict_changes, width));
    out.push_str(&finding_table(
        "Status changes",
        &changes.status_changes,
        width,
    ));
    if changes.is_empty() {
        out.push_str("no change in any finding or verdict\n");
    }
    for (which, list) in [
        (&changes.from, &changes.vendors_only_in_from),
        (&changes.to, &changes.vendors_only_in_to),
    ] {
        if !list.is_empty() {
            out.push_str(&format!(
                "only run {which} covered {} (not compared)\n",
                list.join(", ")
            ));
        }
    }
    out.push_str(&format!(
        "{}, {} fixed, {}, {}\n",
        count(changes.regressions.len(), "regression"),
        changes.fixed.len(),
        count(changes.verdict_changes.len(), "verdict change"),
        count(changes.status_changes.len(), "status change"),
    ));
    out
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

#[derive(Serialize)]
struct HistoryDoc<'a> {
    schema: &'static str,
    runs: &'a [RunVendorRow],
}

/// The JSON of `history`.
pub fn history_json(rows: &[RunVendorRow]) -> String {
    serde_json::to_string_pretty(&HistoryDoc {
        schema: "vendor-audit/history-v1",
        runs: rows,
    })
    .unwrap_or_default()
        + "\n"
}

/// The table of `history`: one row per run and vendor, newest first.
pub fn history_table(rows: &[RunVendorRow], width: u16) -> String {
    if rows.is_empty() {
        return "no runs in the history yet\n".to_owned();
    }
    let mut table: Vec<Vec<Text>> = Vec::new();
    for r in rows {
        let n = |s: &str| r.failures.get(s).copied().unwrap_or(0);
        let changes = match &r.changes {
            None => "first run".to_owned(),
            Some(c) if c.regressions + c.fixed + c.verdict_changes + c.status_changes == 0 => {
                "no change".to_owned()
            }
            Some(c) => {
                let mut parts = Vec::new();
                for (count, what) in [
                    (c.regressions, "new fail"),
                    (c.fixed, "fixed"),
                    (c.verdict_changes, "verdict"),
                    (c.status_changes, "status"),
                ] {
                    if count > 0 {
                        parts.push(format!("{count} {what}"));
                    }
                }
                parts.join(", ")
            }
        };
        let kind = if r.kind == "run" {
            String::new()
        } else {
            format!("\n({})", r.kind)
        };
        let grade = match (&r.grade, r.score) {
            (Some(g), Some(s)) => format!("{g} {s}"),
            _ => "-".to_owned(),
        };
        table.push(vec![
            Text::plain(format!("{}{kind}", r.run)),
            Text::plain(&r.vendor),
            Text::plain(grade),
            Text::plain(format!(
                "{}/{}/{}/{}",
                n("critical"),
                n("high"),
                n("medium"),
                n("low")
            )),
            Text::plain(r.errors.to_string()),
            Text::plain(r.contradicted.to_string()),
            Text::plain(changes),
        ]);
    }
    let header = [
        "run (starts with\nits UTC time)",
        "vendor",
        "grade",
        "fail\nC/H/M/L",
        "error",
        "contra-\ndicted",
        "since its previous run",
    ];
    format!("{}\n", layout::table(&header, &table, width, false))
}
