//! One check: a rule that judges the facts of one target and yields a finding. A check file says
//! what it looks at (asset kind, facts), when it applies, when it fails (a CEL condition), why
//! that matters and how to fix it (English and Japanese), with examples that a test evaluates.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::facts::FACTS;
use crate::condition::Condition;
use crate::diagnostic::{both, Diagnostic, Diagnostics};
use crate::fact::{FactValue, Facts};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a check is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AssetKind {
    /// A host swept for remote-access services; the check is judged on each open port.
    Host,
    /// A TLS endpoint.
    Tls,
    /// A web form.
    Form,
    /// The vendor's annual report.
    Report,
}

impl AssetKind {
    pub fn name(self) -> &'static str {
        match self {
            AssetKind::Host => "host",
            AssetKind::Tls => "tls",
            AssetKind::Form => "form",
            AssetKind::Report => "report",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ja,
}

/// A text in English and Japanese.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub en: String,
    pub ja: String,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Ja => &self.ja,
        }
    }
}

/// Finding messages; `{fact.name}` is replaced by the fact's value.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Messages {
    pub fail: String,
    pub pass: String,
    /// Why the check does not apply when its `applies` is false (`skipped`); "does not apply"
    /// when absent.
    #[serde(default)]
    pub skipped: Option<String>,
}

#[derive(Debug)]
pub struct Check {
    pub id: String,
    pub title: Text,
    pub severity: Severity,
    pub asset: AssetKind,
    /// The facts the check reads: shown as evidence, and all listed in the fact catalogue.
    pub facts: Vec<String>,
    /// The control it verifies, with the span of its key in the file.
    pub control: Option<(String, Range<usize>)>,
    /// When false the check does not apply to the target (`skipped`).
    pub applies: Option<Condition>,
    /// When true the check fails.
    pub condition: Condition,
    pub message: Messages,
    pub why: Text,
    pub fix: Text,
    pub references: Vec<String>,
    /// Facts on which the condition must fail, and facts on which it must pass.
    pub example_fail: Facts,
    pub example_pass: Facts,
    pub source_path: PathBuf,
    pub source_text: String,
}

impl Check {
    pub fn control_key(&self) -> Option<&str> {
        self.control.as_ref().map(|(k, _)| k.as_str())
    }

    /// The message for a result, with `{fact}` placeholders filled from `facts`.
    pub fn render_message(&self, failed: bool, facts: &Facts) -> String {
        let template = if failed {
            &self.message.fail
        } else {
            &self.message.pass
        };
        fill(template, facts)
    }

    /// The listed facts that `facts` has, as evidence.
    pub fn evidence(&self, facts: &Facts) -> BTreeMap<String, FactValue> {
        self.facts
            .iter()
            .filter_map(|name| Some((name.clone(), facts.get(name)?.clone())))
            .collect()
    }
}

/// Replaces `{name}` with the fact's value (`?` when absent).
pub fn fill(template: &str, facts: &Facts) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match facts.get(name) {
                    Some(v) => out.push_str(&v.brief()),
                    None => out.push('?'),
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `{name}` placeholders of a template.
pub fn placeholders(template: &str) -> Vec<&str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name))
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    id: Spanned<String>,
    title: Text,
    severity: Severity,
    asset: AssetKind,
    facts: Spanned<Vec<Spanned<String>>>,
    control: Option<Spanned<String>>,
    applies: Option<Spanned<String>>,
    condition: Spanned<String>,
    message: Messages,
    why: Text,
    fix: Text,
    #[serde(default)]
    references: Vec<String>,
    example: RawExample,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExample {
    fail: Spanned<toml::Table>,
    pass: Spanned<toml::Table>,
}

pub fn parse_check(path: &Path, text: &str) -> Result<Check, Diagnostics> {
    // Every error of the file at once (unknown keys, wrong types), then what the values mean.
    let (raw, mut problems) = crate::diagnostic::from_toml_all::<RawCheck>(path, text);
    let Some(raw) = raw else {
        return Err(Diagnostics(problems));
    };
    let mut add = |span: Range<usize>, key: &str, message: Text| {
        problems.push(Diagnostic::at(
            path,
            text,
            Some(span),
            Some(key.to_owned()),
            message,
        ));
    };
    let id = raw.id.get_ref().clone();
    if !crate::inventory::is_valid_id(&id) {
        add(
            raw.id.span(),
            "id",
            both(
                format!("`{id}` is not a check id: expected [a-z0-9-]+"),
                format!("`{id}` はチェック ID として使えない: [a-z0-9-]+ で書く"),
            ),
        );
    }
    if path.file_stem().is_some_and(|stem| stem != id.as_str()) {
        add(
            raw.id.span(),
            "id",
            both(
                format!("the id `{id}` differs from the file name: name the file `{id}.toml`"),
                format!("ID `{id}` がファイル名と違う: ファイル名を `{id}.toml` にする"),
            ),
        );
    }
    let facts: Vec<String> = raw
        .facts
        .get_ref()
        .iter()
        .map(|f| f.get_ref().clone())
        .collect();
    if facts.is_empty() {
        add(
            raw.facts.span(),
            "facts",
            both(
                "list the facts the check reads",
                "チェックが読む事実を `facts` に列挙する",
            ),
        );
    }
    for fact in raw.facts.get_ref() {
        if !FACTS.iter().any(|spec| spec.name == fact.get_ref()) {
            add(
                fact.span(),
                "facts",
                both(
                    format!(
                        "unknown fact `{}`: the fact catalogue (src/catalog/facts.rs) lists them",
                        fact.get_ref()
                    ),
                    format!(
                        "`{}` という事実はない: 事実の一覧は src/catalog/facts.rs（`vendor-audit checks facts`）にある",
                        fact.get_ref()
                    ),
                ),
            );
        }
    }
    let roots: Vec<&str> = facts.iter().filter_map(|f| f.split('.').next()).collect();
    let mut compile = |source: &Spanned<String>, key: &str| -> Option<Condition> {
        match Condition::compile(source.get_ref()) {
            Ok(c) => {
                for root in c.roots() {
                    if !roots.contains(&root.as_str()) {
                        add(
                            source.span(),
                            key,
                            both(
                                format!(
                                    "`{root}` is read but no fact under it is listed in `facts`"
                                ),
                                format!(
                                    "`{root}` を読んでいるが、その下の事実が `facts` に列挙されていない"
                                ),
                            ),
                        );
                    }
                }
                Some(c)
            }
            Err(e) => {
                add(
                    source.span(),
                    key,
                    both(
                        format!("not a valid CEL expression: {e}"),
                        format!("CEL の式として正しくない（原文: \"{e}\"）"),
                    ),
                );
                None
            }
        }
    };
    let condition = compile(&raw.condition, "condition");
    let applies = raw.applies.as_ref().map(|a| compile(a, "applies"));
    let skipped = raw.message.skipped.iter();
    for template in [&raw.message.fail, &raw.message.pass]
        .into_iter()
        .chain(skipped)
    {
        for name in placeholders(template) {
            if !facts.iter().any(|f| f == name) {
                problems.push(Diagnostic::at(
                    path,
                    text,
                    None,
                    Some("message".into()),
                    both(
                        format!("placeholder `{{{name}}}` is not one of the listed facts"),
                        format!("差し込み `{{{name}}}` は `facts` に列挙された事実ではない"),
                    ),
                ));
            }
        }
    }
    let example_fail = example_facts(raw.example.fail.get_ref());
    let example_pass = example_facts(raw.example.pass.get_ref());
    let (Some(condition), true) = (condition, problems.is_empty()) else {
        return Err(Diagnostics(problems));
    };
    let applies = match applies {
        Some(Some(c)) => Some(c),
        Some(None) => return Err(Diagnostics(problems)),
        None => None,
    };
    Ok(Check {
        id,
        title: raw.title,
        severity: raw.severity,
        asset: raw.asset,
        facts,
        control: raw.control.map(|c| (c.get_ref().clone(), c.span())),
        applies,
        condition,
        message: raw.message,
        why: raw.why,
        fix: raw.fix,
        references: raw.references,
        example_fail,
        example_pass,
        source_path: path.to_path_buf(),
        source_text: text.to_owned(),
    })
}

fn example_facts(table: &toml::Table) -> Facts {
    let mut facts = Facts::new();
    for (name, value) in table {
        if let Some(v) = from_toml(value) {
            facts.set(name, v);
        }
    }
    facts
}

/// A TOML value as a fact value (floats and datetimes have no fact counterpart).
pub fn from_toml(value: &toml::Value) -> Option<FactValue> {
    Some(match value {
        toml::Value::Boolean(b) => FactValue::Bool(*b),
        toml::Value::Integer(i) => FactValue::Int(*i),
        toml::Value::String(s) => FactValue::Str(s.clone()),
        toml::Value::Array(items) => FactValue::List(items.iter().filter_map(from_toml).collect()),
        toml::Value::Table(t) => FactValue::Map(
            t.iter()
                .filter_map(|(k, v)| Some((k.clone(), from_toml(v)?)))
                .collect(),
        ),
        toml::Value::Float(_) | toml::Value::Datetime(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_known_facts_and_marks_unknown() {
        let mut f = Facts::new();
        f.set("rdp.selected_protocol", "ssl");
        assert_eq!(
            fill("selected {rdp.selected_protocol}; {x.y}", &f),
            "selected ssl; ?"
        );
        assert_eq!(fill("no braces {", &f), "no braces {");
        assert_eq!(placeholders("a {b.c} d {e}"), vec!["b.c", "e"]);
    }
}
