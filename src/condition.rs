//! Check conditions: one-line CEL expressions over a target's facts (`!rdp.nla_enforced`).
//! Dotted fact names become nested CEL maps, so `rdp.nla_enforced` reads naturally and
//! `has(rdp.ntlm_info)` tests presence. Evaluation is pure: no I/O, no clock.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use cel::objects::{Key, Map};
use cel::{Context, Program, Value};

use crate::fact::{FactValue, Facts};

/// A compiled condition and its source text.
pub struct Condition {
    source: String,
    program: Program,
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Condition").field(&self.source).finish()
    }
}

impl Condition {
    pub fn compile(source: &str) -> Result<Condition, String> {
        let program = Program::compile(source).map_err(|e| e.to_string().trim().to_owned())?;
        Ok(Condition {
            source: source.to_owned(),
            program,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// The top-level names the expression reads (`rdp` for `rdp.nla_enforced`).
    pub fn roots(&self) -> Vec<String> {
        self.program
            .references()
            .variables()
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    /// Evaluates to a boolean, or says why it could not be (a fact missing or unavailable, a
    /// type mismatch).
    pub fn evaluate(&self, facts: &Facts) -> Result<bool, String> {
        // The standard library's environment is built once per thread (building it is most of
        // an evaluation's cost); each evaluation binds the facts in a scope of its own.
        thread_local! {
            static STDLIB: Context<'static, 'static> = Context::default();
        }
        STDLIB.with(|stdlib| {
            let mut context = stdlib.new_inner_scope();
            for (root, value) in nest(facts) {
                context.add_variable_from_value(root, value);
            }
            self.outcome(self.program.execute(&context))
        })
    }

    fn outcome(&self, result: Result<Value, cel::ExecutionError>) -> Result<bool, String> {
        match result {
            Ok(Value::Bool(b)) => Ok(b),
            Ok(other) => Err(format!(
                "`{}` gave {other:?}, not true or false",
                self.source
            )),
            Err(e) => Err(format!("`{}` could not be evaluated: {e}", self.source)),
        }
    }
}

/// Turns dotted fact names into nested maps: `{"rdp": {"nla_enforced": false}}`.
fn nest(facts: &Facts) -> HashMap<String, Value> {
    #[derive(Default)]
    struct Node {
        value: Option<Value>,
        children: HashMap<String, Node>,
    }
    fn into_value(node: Node) -> Value {
        match node.value {
            Some(v) if node.children.is_empty() => v,
            _ => map_value(
                node.children
                    .into_iter()
                    .map(|(k, n)| (k, into_value(n)))
                    .collect(),
            ),
        }
    }
    let mut root = Node::default();
    for (name, value) in &facts.values {
        let mut node = &mut root;
        for part in name.split('.') {
            node = node.children.entry(part.to_owned()).or_default();
        }
        node.value = Some(to_cel(value));
    }
    root.children
        .into_iter()
        .map(|(k, n)| (k, into_value(n)))
        .collect()
}

fn map_value(entries: HashMap<String, Value>) -> Value {
    let map: HashMap<Key, Value> = entries
        .into_iter()
        .map(|(k, v)| (Key::from(k), v))
        .collect();
    Value::Map(Map { map: Arc::new(map) })
}

fn to_cel(value: &FactValue) -> Value {
    match value {
        FactValue::Bool(b) => Value::Bool(*b),
        FactValue::Int(i) => Value::Int(*i),
        FactValue::Str(s) => Value::String(Arc::new(s.clone())),
        FactValue::List(items) => Value::List(Arc::new(items.iter().map(to_cel).collect())),
        FactValue::Map(entries) => map_value(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), to_cel(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn rdp_facts() -> Facts {
        let mut f = Facts::new();
        f.set("service.protocol", "rdp");
        f.set("rdp.nla_enforced", false);
        f.set(
            "rdp.ntlm_info",
            BTreeMap::from([("dns_domain".to_string(), "kenko.local")]),
        );
        f
    }

    #[test]
    fn dotted_names_read_as_fields() {
        let f = rdp_facts();
        assert_eq!(
            Condition::compile("!rdp.nla_enforced")
                .unwrap()
                .evaluate(&f),
            Ok(true)
        );
        assert_eq!(
            Condition::compile("service.protocol == 'rdp'")
                .unwrap()
                .evaluate(&f),
            Ok(true)
        );
        assert_eq!(
            Condition::compile("has(rdp.ntlm_info.dns_domain)")
                .unwrap()
                .evaluate(&f),
            Ok(true)
        );
        assert_eq!(
            Condition::compile("service.protocol in ['mysql', 'postgresql']")
                .unwrap()
                .evaluate(&f),
            Ok(false)
        );
    }

    #[test]
    fn a_missing_fact_is_an_error_not_false() {
        let f = rdp_facts();
        let err = Condition::compile("rdp.accepts_tls")
            .unwrap()
            .evaluate(&f)
            .unwrap_err();
        assert!(err.contains("rdp.accepts_tls"), "{err}");
        let err = Condition::compile("service.port")
            .unwrap()
            .evaluate(&f)
            .unwrap_err();
        assert!(
            err.contains("not true or false") || err.contains("could not"),
            "{err}"
        );
    }

    #[test]
    fn roots_are_the_fact_namespaces() {
        let c = Condition::compile("service.protocol == 'rdp' && !rdp.nla_enforced").unwrap();
        let mut roots = c.roots();
        roots.sort();
        assert_eq!(roots, vec!["rdp", "service"]);
    }

    #[test]
    fn syntax_errors_are_reported() {
        assert!(Condition::compile("rdp.nla_enforced ==").is_err());
    }
}
