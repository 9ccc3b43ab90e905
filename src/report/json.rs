//! JSON report: one `vendor-audit/v1` document per run (SPEC §10; keys fixed, only ever added).

use crate::results::RunReport;

pub fn render(report: &RunReport) -> String {
    // Serialising plain data (strings, numbers, maps) cannot fail.
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
        + "\n"
}
