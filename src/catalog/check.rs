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
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
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

/// A finding message: `{ en = "…", ja = "…" }`, or a plain string, which is English: a check
/// written by a user may have no Japanese, and a Japanese report then shows its English text.
/// `{fact.name}` is replaced by the fact's value; both languages name the same facts.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub en: String,
    /// `None` for a plain string.
    pub ja: Option<String>,
}

impl Template {
    /// The text in `lang`; English when the template has no Japanese.
    pub fn get(&self, lang: Lang) -> &str {
        match (lang, &self.ja) {
            (Lang::Ja, Some(ja)) => ja,
            _ => &self.en,
        }
    }

    /// The template in `lang` filled from `facts`. The Japanese text takes a fact's Japanese
    /// counterpart `NAME_ja` for `{NAME}` where the facts have one (the engine's own sentences,
    /// such as `report.stale_reason_ja`); a template without Japanese is English, values too.
    pub fn render(&self, lang: Lang, facts: &Facts) -> String {
        match (lang, &self.ja) {
            (Lang::Ja, Some(ja)) => fill_with(ja, Lang::Ja, |name| {
                facts.get(&format!("{name}_ja")).or_else(|| facts.get(name))
            }),
            _ => fill(&self.en, facts),
        }
    }

    /// The template filled from `facts`, in both languages (the Japanese falls back to English).
    pub fn fill(&self, facts: &Facts) -> Text {
        Text {
            en: self.render(Lang::En, facts),
            ja: self.render(Lang::Ja, facts),
        }
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

impl<'de> Deserialize<'de> for Template {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Either;
        impl<'de> serde::de::Visitor<'de> for Either {
            type Value = Template;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string (English), or { en = \"…\", ja = \"…\" }")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Template, E> {
                Ok(Template {
                    en: s.to_owned(),
                    ja: None,
                })
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Template, A::Error> {
                let text = Text::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(Template {
                    en: text.en,
                    ja: Some(text.ja),
                })
            }
        }
        deserializer.deserialize_any(Either)
    }
}

/// Finding messages.
#[derive(Debug, Clone, PartialEq)]
pub struct Messages {
    pub fail: Template,
    pub pass: Template,
    /// Why the check does not apply when its `applies` is false (`skipped`); "does not apply"
    /// when absent.
    pub skipped: Option<Template>,
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

    /// The message for a result in `lang`, with `{fact}` placeholders filled from `facts`.
    pub fn render_message(&self, failed: bool, facts: &Facts, lang: Lang) -> String {
        self.template(failed).render(lang, facts)
    }

    /// The message for a result in English and Japanese.
    pub fn render_messages(&self, failed: bool, facts: &Facts) -> Text {
        self.template(failed).fill(facts)
    }

    fn template(&self, failed: bool) -> &Template {
        if failed {
            &self.message.fail
        } else {
            &self.message.pass
        }
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
    fill_with(template, Lang::En, |name| facts.get(name))
}

/// Replaces `{name}` with the value `value` gives for it (`?` when none), long lists shortened
/// in `lang`.
fn fill_with<'f>(
    template: &str,
    lang: Lang,
    value: impl Fn(&str) -> Option<&'f FactValue>,
) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match value(name) {
                    Some(v) => out.push_str(&v.brief_in(lang)),
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

fn name_set(template: &str) -> std::collections::BTreeSet<&str> {
    placeholders(template).into_iter().collect()
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
    message: RawMessages,
    why: Text,
    fix: Text,
    #[serde(default)]
    references: Vec<String>,
    example: RawExample,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMessages {
    fail: Spanned<Template>,
    pass: Spanned<Template>,
    #[serde(default)]
    skipped: Option<Spanned<Template>>,
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
    let skipped = raw.message.skipped.iter().map(|t| ("skipped", t));
    for (which, template) in [("fail", &raw.message.fail), ("pass", &raw.message.pass)]
        .into_iter()
        .chain(skipped)
    {
        let key = format!("message.{which}");
        let Template { en, ja } = template.get_ref();
        for name in placeholders(en) {
            if !facts.iter().any(|f| f == name) {
                add(
                    template.span(),
                    &key,
                    both(
                        format!("placeholder `{{{name}}}` is not one of the listed facts"),
                        format!("差し込み `{{{name}}}` は `facts` に列挙された事実ではない"),
                    ),
                );
            }
        }
        // The two languages say the same facts: a value named in one and not the other is
        // lost to the readers of the other.
        if let Some(ja) = ja {
            let (en_names, ja_names) = (name_set(en), name_set(ja));
            for name in en_names.symmetric_difference(&ja_names) {
                let (has, lacks) = if en_names.contains(name) {
                    ("en", "ja")
                } else {
                    ("ja", "en")
                };
                add(
                    template.span(),
                    &key,
                    both(
                        format!(
                            "placeholder `{{{name}}}` is in the {has} text but not in the {lacks} \
                             text: both languages must name the same facts"
                        ),
                        format!(
                            "差し込み `{{{name}}}` が {has} の文にあり {lacks} の文にない: \
                             両方の言語で同じ事実を差し込む"
                        ),
                    ),
                );
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
        message: Messages {
            fail: raw.message.fail.into_inner(),
            pass: raw.message.pass.into_inner(),
            skipped: raw.message.skipped.map(Spanned::into_inner),
        },
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

    /// A check file with `message` as given, reading `vnc.no_auth` and `service.port`.
    fn with_message(message: &str) -> String {
        format!(
            r#"id = "t"
title = {{ en = "T", ja = "T" }}
severity = "low"
asset = "host"
facts = ["vnc.no_auth", "service.port"]
condition = "vnc.no_auth"
why = {{ en = "w", ja = "w" }}
fix = {{ en = "f", ja = "f" }}
{message}
[example]
fail = {{ "vnc.no_auth" = true, "service.port" = 5900 }}
pass = {{ "vnc.no_auth" = false, "service.port" = 5900 }}
"#
        )
    }

    fn parse(message: &str) -> Result<Check, Diagnostics> {
        parse_check(Path::new("t.toml"), &with_message(message))
    }

    #[test]
    fn a_plain_string_is_english_and_the_japanese_report_shows_it() {
        let check = parse(r#"message = { fail = "open on {service.port}", pass = "closed" }"#)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut facts = Facts::new();
        facts.set("service.port", 5900i64);
        assert_eq!(check.message.fail.ja, None);
        assert_eq!(check.render_message(true, &facts, Lang::Ja), "open on 5900");
        assert_eq!(check.render_messages(true, &facts).ja, "open on 5900");
    }

    #[test]
    fn both_languages_are_read_and_each_is_filled() {
        let check = parse(
            r#"[message]
fail = { en = "open on {service.port}", ja = "ポート {service.port} が開放" }
pass = "closed"
skipped = { en = "n/a", ja = "対象外" }
"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let mut facts = Facts::new();
        facts.set("service.port", 5900i64);
        let text = check.render_messages(true, &facts);
        assert_eq!(
            (text.en.as_str(), text.ja.as_str()),
            ("open on 5900", "ポート 5900 が開放")
        );
        assert_eq!(
            check.message.skipped.map(|s| s.get(Lang::Ja).to_owned()),
            Some("対象外".into())
        );
    }

    #[test]
    fn a_fact_named_in_one_language_only_is_an_error_at_its_template() {
        let source = r#"[message]
fail = { en = "open on {service.port}", ja = "開放: {vnc.no_auth}" }
pass = "closed"
"#;
        let err = parse(source).expect_err("placeholders differ");
        let text = err.to_string();
        assert!(
            text.contains("`{service.port}` is in the en text but not in the ja text"),
            "{text}"
        );
        assert!(
            text.contains("`{vnc.no_auth}` is in the ja text but not in the en text"),
            "{text}"
        );
        // At the line of `fail`, under `message.fail`.
        let line = with_message(source)
            .lines()
            .position(|l| l.starts_with("fail = { en"))
            .map(|i| i + 1);
        assert!(err.0.iter().all(|d| Some(d.line) == line), "{err:?}");
        assert!(
            err.0
                .iter()
                .all(|d| d.key.as_deref() == Some("message.fail")),
            "{err:?}"
        );
    }

    #[test]
    fn a_template_must_be_a_string_or_en_and_ja() {
        for bad in [
            r#"message = { fail = { en = "a" }, pass = "b" }"#,
            r#"message = { fail = { en = "a", ja = "b", fr = "c" }, pass = "b" }"#,
            r#"message = { fail = 3, pass = "b" }"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let err = parse(r#"message = { fail = "{x.y}", pass = "b" }"#).expect_err("unknown fact");
        assert!(
            err.to_string()
                .contains("placeholder `{x.y}` is not one of the listed facts"),
            "{err}"
        );
    }
}
