//! Controls: the yes/no items of the annual report, with titles and descriptions in English and
//! Japanese, and whether anything outside the vendor can observe them.

use std::path::Path;

use serde::Deserialize;

use super::check::Text;
use crate::diagnostic::{both, Diagnostic, Diagnostics};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    pub key: String,
    pub title: Text,
    pub description: Text,
    /// Whether a check can observe it from outside; `false` ones are always `unverifiable`.
    pub observable: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlsFile {
    control: Vec<toml::Spanned<Control>>,
}

pub fn parse_controls(path: &Path, text: &str) -> Result<Vec<Control>, Diagnostics> {
    let (file, mut problems) = crate::diagnostic::from_toml_all::<ControlsFile>(path, text);
    let Some(file) = file else {
        return Err(Diagnostics(problems));
    };
    let mut seen = std::collections::HashSet::new();
    for c in &file.control {
        let key = &c.get_ref().key;
        let well_formed = key.split('.').count() == 2
            && key
                .split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        if !well_formed {
            problems.push(Diagnostic::at(
                path,
                text,
                Some(c.span()),
                Some("key".into()),
                both(
                    format!("`{key}` is not a control key: expected `area.name` in lowercase and '_'"),
                    format!("`{key}` は管理項目のキーとして使えない: 英小文字と '_' で `area.name` の形に書く"),
                ),
            ));
        }
        if !seen.insert(key.clone()) {
            problems.push(Diagnostic::at(
                path,
                text,
                Some(c.span()),
                Some("key".into()),
                both(
                    format!("control `{key}` is listed twice"),
                    format!("管理項目 `{key}` が二度記載されている"),
                ),
            ));
        }
    }
    if problems.is_empty() {
        Ok(file
            .control
            .into_iter()
            .map(toml::Spanned::into_inner)
            .collect())
    } else {
        Err(Diagnostics(problems))
    }
}
