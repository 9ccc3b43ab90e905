//! Facts: the named, typed observations that probes record and checks judge.
//! A probe fills a `Facts` for one target; a fact it could not observe is recorded as
//! unavailable with the reason, so that a check reading it becomes `error`, never `pass`.

use std::collections::BTreeMap;

use serde::Serialize;

/// One observed value. Serialises as plain JSON (`true`, `3389`, `"ssl"`, `[...]`, `{...}`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum FactValue {
    Bool(bool),
    Int(i64),
    Str(String),
    List(Vec<FactValue>),
    Map(BTreeMap<String, FactValue>),
}

impl FactValue {
    /// The value as a short human-readable string, for messages and tables.
    pub fn display(&self) -> String {
        match self {
            FactValue::Bool(b) => b.to_string(),
            FactValue::Int(i) => i.to_string(),
            FactValue::Str(s) => s.clone(),
            FactValue::List(items) => {
                let parts: Vec<String> = items.iter().map(FactValue::display).collect();
                format!("[{}]", parts.join(", "))
            }
            FactValue::Map(map) => {
                let parts: Vec<String> = map
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", v.display()))
                    .collect();
                format!("{{{}}}", parts.join(", "))
            }
        }
    }
}

impl FactValue {
    /// The value for a finding's message: like `display`, but a list shows its first three
    /// items and how many more there are (the evidence and the JSON carry them all).
    pub fn brief(&self) -> String {
        self.brief_in(crate::catalog::Lang::En)
    }

    /// [`FactValue::brief`] for a message in `lang`: the count of the items not shown is said
    /// in that language (`[a, b, c, and 2 more]`, `[a, b, c ほか 2 件]`).
    pub fn brief_in(&self, lang: crate::catalog::Lang) -> String {
        const SHOWN: usize = 3;
        match self {
            FactValue::List(items) if items.len() > SHOWN => {
                let parts: Vec<String> = items.iter().take(SHOWN).map(FactValue::display).collect();
                let more = items.len() - SHOWN;
                match lang {
                    crate::catalog::Lang::En => format!("[{}, and {more} more]", parts.join(", ")),
                    crate::catalog::Lang::Ja => format!("[{} ほか {more} 件]", parts.join(", ")),
                }
            }
            other => other.display(),
        }
    }
}

impl From<bool> for FactValue {
    fn from(v: bool) -> Self {
        FactValue::Bool(v)
    }
}
impl From<i64> for FactValue {
    fn from(v: i64) -> Self {
        FactValue::Int(v)
    }
}
impl From<u16> for FactValue {
    fn from(v: u16) -> Self {
        FactValue::Int(i64::from(v))
    }
}
impl From<u32> for FactValue {
    fn from(v: u32) -> Self {
        FactValue::Int(i64::from(v))
    }
}
impl From<u8> for FactValue {
    fn from(v: u8) -> Self {
        FactValue::Int(i64::from(v))
    }
}
impl From<&str> for FactValue {
    fn from(v: &str) -> Self {
        FactValue::Str(v.to_owned())
    }
}
impl From<String> for FactValue {
    fn from(v: String) -> Self {
        FactValue::Str(v)
    }
}
impl<T: Into<FactValue>> From<Vec<T>> for FactValue {
    fn from(v: Vec<T>) -> Self {
        FactValue::List(v.into_iter().map(Into::into).collect())
    }
}
impl<T: Into<FactValue>> From<BTreeMap<String, T>> for FactValue {
    fn from(v: BTreeMap<String, T>) -> Self {
        FactValue::Map(v.into_iter().map(|(k, v)| (k, v.into())).collect())
    }
}

/// The facts gathered for one target. Names are dotted (`rdp.nla_enforced`); every name must be
/// listed in the fact catalogue (`catalog::facts`), which a test keeps in step with probes and checks.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Facts {
    /// Observed values by fact name.
    pub values: BTreeMap<String, FactValue>,
    /// Facts the probe tried and failed to observe, with the reason (shown as `error` evidence).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub unavailable: BTreeMap<String, String>,
    /// The reason in Japanese, where the reason is our own sentence rather than words quoted
    /// from the OS or a server (for the Japanese finding message; the JSON keeps the English).
    #[serde(skip)]
    pub unavailable_ja: BTreeMap<String, String>,
}

impl Facts {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an observed value (replacing an earlier value or unavailability of the same name).
    pub fn set(&mut self, name: &str, value: impl Into<FactValue>) {
        self.unavailable.remove(name);
        self.unavailable_ja.remove(name);
        self.values.insert(name.to_owned(), value.into());
    }

    /// Records that `name` could not be observed, and why.
    pub fn unavailable(&mut self, name: &str, reason: impl Into<String>) {
        self.values.remove(name);
        self.unavailable_ja.remove(name);
        self.unavailable.insert(name.to_owned(), reason.into());
    }

    /// Records that `name` could not be observed, with the reason in English and Japanese.
    pub fn unavailable_both(&mut self, name: &str, reason: &crate::catalog::Text) {
        self.unavailable(name, reason.en.clone());
        self.unavailable_ja
            .insert(name.to_owned(), reason.ja.clone());
    }

    pub fn get(&self, name: &str) -> Option<&FactValue> {
        self.values.get(name)
    }

    pub fn get_bool(&self, name: &str) -> Option<bool> {
        match self.values.get(name) {
            Some(FactValue::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    pub fn get_int(&self, name: &str) -> Option<i64> {
        match self.values.get(name) {
            Some(FactValue::Int(i)) => Some(*i),
            _ => None,
        }
    }

    pub fn get_str(&self, name: &str) -> Option<&str> {
        match self.values.get(name) {
            Some(FactValue::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// Why `name` is unavailable, if the probe said so.
    pub fn why_unavailable(&self, name: &str) -> Option<&str> {
        self.unavailable.get(name).map(String::as_str)
    }

    /// Why `name` is unavailable, in Japanese when the probe said it in Japanese too; `None`
    /// when it gave the English alone (words quoted from elsewhere), or is not unavailable.
    pub fn why_unavailable_ja(&self, name: &str) -> Option<&str> {
        self.unavailable_ja.get(name).map(String::as_str)
    }

    /// Adds every fact of `other`, its values and unavailabilities winning over ours.
    pub fn merge(&mut self, other: Facts) {
        for (k, v) in other.values {
            self.set(&k, v);
        }
        for (k, why) in other.unavailable {
            match other.unavailable_ja.get(&k) {
                Some(ja) => self.unavailable_both(&k, &crate::diagnostic::both(why, ja.clone())),
                None => self.unavailable(&k, why),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_list_is_shortened_in_the_message_s_language() {
        let list = FactValue::List((1..=5).map(FactValue::Int).collect());
        assert_eq!(list.brief(), "[1, 2, 3, and 2 more]");
        assert_eq!(
            list.brief_in(crate::catalog::Lang::Ja),
            "[1, 2, 3 ほか 2 件]"
        );
        let short = FactValue::List((1..=3).map(FactValue::Int).collect());
        assert_eq!(short.brief_in(crate::catalog::Lang::Ja), short.display());
    }

    #[test]
    fn a_japanese_reason_follows_its_fact_through_merge_and_goes_with_it() {
        let mut port = Facts::new();
        let why = crate::diagnostic::both("no answer", "応答がない");
        port.unavailable_both("service.protocol", &why);
        let mut host = Facts::new();
        host.merge(port);
        assert_eq!(host.why_unavailable("service.protocol"), Some("no answer"));
        assert_eq!(
            host.why_unavailable_ja("service.protocol"),
            Some("応答がない")
        );
        // An English-only reason (quoted words) has no Japanese; a value clears both.
        host.unavailable("service.protocol", "os error 111");
        assert_eq!(host.why_unavailable_ja("service.protocol"), None);
        host.unavailable_both("service.protocol", &why);
        host.set("service.protocol", "rdp");
        assert_eq!(host.why_unavailable_ja("service.protocol"), None);
        // The JSON keeps the English reason alone.
        let mut f = Facts::new();
        f.unavailable_both("x.y", &why);
        let json = serde_json::to_string(&f).unwrap();
        assert!(!json.contains("応答がない"), "{json}");
    }

    #[test]
    fn set_clears_unavailability_and_back() {
        let mut f = Facts::new();
        f.unavailable("rdp.ntlm", "TLS handshake failed");
        assert_eq!(f.why_unavailable("rdp.ntlm"), Some("TLS handshake failed"));
        f.set("rdp.ntlm", true);
        assert_eq!(f.why_unavailable("rdp.ntlm"), None);
        assert_eq!(f.get_bool("rdp.ntlm"), Some(true));
        f.unavailable("rdp.ntlm", "again");
        assert_eq!(f.get("rdp.ntlm"), None);
    }

    #[test]
    fn serialises_as_plain_json() {
        let mut f = Facts::new();
        f.set("service.port", 3389u16);
        f.set("vnc.security_types", vec![1u8, 2]);
        let json = serde_json::to_string(&f.values).unwrap();
        assert_eq!(json, r#"{"service.port":3389,"vnc.security_types":[1,2]}"#);
    }
}
