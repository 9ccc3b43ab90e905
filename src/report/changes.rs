//! `diff` and `history` for terminals and machines: the changes between two runs (regressions,
//! fixed, verdict and status changes) and one line per run and vendor. Render only.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, ColumnConstraint, ContentArrangement, Table, Width};
use serde::Serialize;

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
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width)
        .set_header([
            "vendor",
            "severity",
            "check, target",
            "before → after",
            "now",
        ]);
    for c in list {
        t.add_row([
            Cell::new(&c.vendor),
            Cell::new(c.severity.name()),
            Cell::new(format!("{}\n{}", c.check, c.target)),
            Cell::new(format!("{} → {}", state(c.before), state(c.after))),
            Cell::new(&c.message),
        ]);
    }
    format!("{title} ({})\n{t}\n", list.len())
}

fn control_table(list: &[ControlChange], width: u16) -> String {
    if list.is_empty() {
        return String::new();
    }
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width)
        .set_header(["vendor", "control", "before → after", "why"]);
    if let Some(c) = t.column_mut(1) {
        c.set_constraint(ColumnConstraint::ContentWidth);
    }
    for c in list {
        t.add_row([
            Cell::new(&c.vendor),
            Cell::new(&c.control),
            Cell::new(format!("{} → {}", state(c.before), state(c.after))),
            Cell::new(&c.reason),
        ]);
    }
    format!("Verdict changes ({})\n{t}\n", list.len())
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
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width)
        .set_header([
            "run (starts with\nits UTC time)",
            "vendor",
            "fail\nC/H/M/L",
            "error",
            "contra-\ndicted",
            "since its previous run",
        ]);
    // A run id is what `diff` takes: never broken across lines.
    if let Some(c) = t.column_mut(0) {
        c.set_constraint(ColumnConstraint::ContentWidth);
    }
    if let Some(c) = t.column_mut(5) {
        c.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(14)));
    }
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
        t.add_row([
            Cell::new(format!("{}{kind}", r.run)),
            Cell::new(&r.vendor),
            Cell::new(format!(
                "{}/{}/{}/{}",
                n("critical"),
                n("high"),
                n("medium"),
                n("low")
            )),
            Cell::new(r.errors),
            Cell::new(r.contradicted),
            Cell::new(changes),
        ]);
    }
    format!("{t}\n")
}
