//! The text of the catalogue and validation commands (`checks list`, `checks show`, `validate`,
//! `report-template`), as pure functions of the catalogue and inventory so they can be tested.

use std::fmt::Write;

use chrono::{DateTime, FixedOffset};

use crate::catalog::facts::spec;
use crate::catalog::{Catalog, Lang};
use crate::declaration::ReportFile;
use crate::diagnostic::Diagnostics;
use crate::engine::report_facts;
use crate::fact::FactValue;
use crate::inventory::Inventory;
use crate::report::pick;

pub fn checks_list(catalog: &Catalog, lang: Lang) -> String {
    let mut out = String::new();
    // Columns as wide as their longest entry, so that no id or control runs into the next.
    let id_width = catalog.checks.keys().map(String::len).max().unwrap_or(0);
    let control_width = catalog
        .checks
        .values()
        .map(|c| c.control_key().map_or(1, str::len))
        .max()
        .unwrap_or(1);
    for c in catalog.checks.values() {
        let _ = writeln!(
            out,
            "{:<id_width$} {:<8} {:<6} {:<control_width$} {}",
            c.id,
            c.severity.name(),
            c.asset.name(),
            c.control_key().unwrap_or("-"),
            c.title.get(lang)
        );
    }
    out
}

pub fn checks_show(catalog: &Catalog, id: &str, lang: Lang) -> Option<String> {
    let c = catalog.check(id)?;
    let mut out = String::new();
    let _ = writeln!(out, "{}: {}", c.id, c.title.get(lang));
    let _ = writeln!(out, "  {}", pick(&c.title.ja, &c.title.en, lang));
    let _ = writeln!(out, "\nseverity   {}", c.severity);
    let _ = writeln!(out, "asset      {}", c.asset.name());
    if let Some(key) = c.control_key() {
        let title = catalog
            .controls
            .get(key)
            .map(|ctl| ctl.title.get(lang))
            .unwrap_or("");
        let _ = writeln!(out, "control    {key} ({title})");
    }
    if let Some(applies) = &c.applies {
        let _ = writeln!(out, "applies    {}", applies.source());
        if let Some(skipped) = &c.message.skipped {
            let _ = writeln!(out, "           otherwise skipped: \"{skipped}\"");
        }
    }
    let _ = writeln!(out, "fails when {}", c.condition.source());
    let _ = writeln!(out, "\nfacts read:");
    for name in &c.facts {
        match spec(name) {
            Some(s) => {
                let _ = writeln!(
                    out,
                    "  {name} ({}, from the {} probe): {}",
                    s.kind.name(),
                    s.probe,
                    s.meaning
                );
            }
            None => {
                let _ = writeln!(out, "  {name}");
            }
        }
    }
    let _ = writeln!(
        out,
        "\n{}\n{}",
        pick("Why it matters:", "なぜ重要か:", lang),
        indent(c.why.get(lang))
    );
    let _ = writeln!(
        out,
        "\n{}\n{}",
        pick("How to fix:", "対処:", lang),
        indent(c.fix.get(lang))
    );
    if !c.references.is_empty() {
        let _ = writeln!(out, "\n{}", pick("References:", "参考:", lang));
        for r in &c.references {
            let _ = writeln!(out, "  - {r}");
        }
    }
    let _ = writeln!(
        out,
        "\n{}",
        pick("Example that fails:", "不合格になる例:", lang)
    );
    for (k, v) in &c.example_fail.values {
        let _ = writeln!(out, "  {k} = {}", show(v));
    }
    let _ = writeln!(out, "  -> {}", c.render_message(true, &c.example_fail));
    let _ = writeln!(
        out,
        "{}",
        pick("Example that passes:", "合格になる例:", lang)
    );
    for (k, v) in &c.example_pass.values {
        let _ = writeln!(out, "  {k} = {}", show(v));
    }
    Some(out)
}

fn show(v: &FactValue) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| v.display())
}

fn indent(text: &str) -> String {
    text.trim()
        .lines()
        .map(|l| format!("  {}", l.trim()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Validates every declaration the inventory names and every waiver (the inventory and checks
/// are already valid), as of `today` (in the audit timezone). Returns a summary for people and
/// the problems found: errors (exit 2) and warnings (an expired waiver).
pub fn validate(
    inventory: &Inventory,
    catalog: &Catalog,
    today: chrono::NaiveDate,
) -> (String, Diagnostics) {
    let mut out = String::new();
    let mut problems = crate::engine::waivers::check_waivers(inventory, catalog, today);
    let known: Vec<&str> = catalog.controls.keys().map(String::as_str).collect();
    for v in &inventory.vendors {
        let report = ReportFile::load(v.report.as_deref(), &v.id, &known);
        let state = match &report {
            ReportFile::Missing { path: Some(p) } => {
                format!("no report at {} (finding report-missing)", p.display())
            }
            ReportFile::Missing { path: None } => {
                "no report listed (finding report-missing)".to_owned()
            }
            ReportFile::Invalid {
                problems: p,
                declaration,
                ..
            } => {
                problems.extend(p.0.iter().cloned());
                match declaration {
                    Some(d) => format!(
                        "report invalid ({} problem(s); its {} well-formed answer(s) are still judged)",
                        p.0.len(),
                        d.controls.len()
                    ),
                    None => format!(
                        "report invalid ({} problem(s); none of its answers is counted)",
                        p.0.len()
                    ),
                }
            }
            ReportFile::Loaded { declaration, .. } => {
                format!(
                    "report FY{}, {} control(s) answered",
                    declaration
                        .fiscal_year
                        .map_or_else(|| "?".to_owned(), |y| y.to_string()),
                    declaration.controls.len()
                )
            }
        };
        let _ = writeln!(
            out,
            "{}: {} host(s), {} TLS endpoint(s), {} form(s), {} waiver(s); {state}",
            v.id,
            v.hosts.len(),
            v.tls.len(),
            v.forms.len(),
            v.waivers.len()
        );
    }
    if let Some(n) = &inventory.notify {
        let mut to = Vec::new();
        if let Some(var) = &n.webhook_url_env {
            // Said, never the value: the URL may carry a secret token.
            let set = std::env::var_os(var).is_some_and(|v| !v.is_empty());
            to.push(format!(
                "the webhook in ${var} ({})",
                if set {
                    "set here"
                } else {
                    "NOT set in this environment: alerts would wait in the history"
                }
            ));
        }
        if let Some(program) = n.command.first() {
            to.push(format!("the command {program}"));
        }
        let _ = writeln!(
            out,
            "alerts at {} and above to {}",
            n.min_severity,
            to.join(" and ")
        );
    }
    let _ = writeln!(
        out,
        "{}: {} vendor(s); {} check(s), {} control(s)",
        inventory.path.display(),
        inventory.vendors.len(),
        catalog.checks.len(),
        catalog.controls.len()
    );
    (out, Diagnostics(problems))
}

/// A blank annual report: header fields, then one commented line per control with its title
/// and description, to uncomment and answer `true` or `false`.
pub fn report_template(
    catalog: &Catalog,
    vendor: &str,
    lang: Lang,
    now: DateTime<FixedOffset>,
) -> String {
    let fy = report_facts::fiscal_year(now, chrono_tz::Asia::Tokyo, (4, 1));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        pick(
            "# Annual report on the personal-information management system.\n# For each control, remove the leading '# ' and answer true (\"we do this\") or false (\"we do not, yet\").\n# An unanswered control is reported as `undeclared`.",
            "# 個人情報管理体制に関する年次報告書\n# 各項目の先頭の「# 」を削除し、true（実施している）または false（実施していない）で回答してください。\n# 回答のない項目は「未回答」として報告されます。",
            lang
        )
    );
    let _ = writeln!(
        out,
        "vendor = \"{vendor}\"\nfiscal_year = {fy}\nsubmitted = {}\n\n[controls]",
        now.date_naive()
    );
    for c in catalog.controls.values() {
        let observable = if c.observable {
            pick(
                "checked from outside by vendor-audit",
                "vendor-auditが外部から確認します",
                lang,
            )
        } else {
            pick(
                "cannot be observed from outside",
                "外部からは確認できません",
                lang,
            )
        };
        let _ = writeln!(out, "\n# {} ({observable})", c.title.get(lang));
        for line in c.description.get(lang).lines() {
            let _ = writeln!(out, "# {line}");
        }
        let _ = writeln!(out, "# \"{}\" = true", c.key);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn checks_list_columns_line_up_whatever_the_longest_id() {
        let catalog = Catalog::load(&[]).unwrap();
        let list = checks_list(&catalog, Lang::En);
        // The severity column starts at the same place on every line (the id column is as
        // wide as the longest id: `tls-cert-hostname-mismatch` once pushed it out of line).
        let starts: std::collections::BTreeSet<usize> = list
            .lines()
            .map(|line| {
                let id = line.split(' ').next().unwrap_or_default();
                id.len() + line[id.len()..].len() - line[id.len()..].trim_start().len()
            })
            .collect();
        assert_eq!(starts.len(), 1, "{list}");
        assert_eq!(list.lines().count(), catalog.checks.len());
    }

    #[test]
    fn the_report_template_is_a_valid_report_before_and_after_answering() {
        let catalog = Catalog::load(&[]).unwrap();
        let now = DateTime::parse_from_rfc3339("2026-11-26T10:00:00+09:00").unwrap();
        let known: Vec<&str> = catalog.controls.keys().map(String::as_str).collect();
        for lang in [Lang::En, Lang::Ja] {
            let blank = report_template(&catalog, "kenko-zaidan", lang, now);
            let d = crate::declaration::parse(Path::new("t.toml"), &blank, "kenko-zaidan", &known)
                .unwrap();
            assert_eq!((d.fiscal_year, d.controls.len()), (Some(2026), 0));
            let answered = blank.replace("# \"", "\"");
            let d =
                crate::declaration::parse(Path::new("t.toml"), &answered, "kenko-zaidan", &known)
                    .unwrap();
            assert_eq!(
                d.controls.len(),
                catalog.controls.len(),
                "one line per control"
            );
        }
    }
}
