//! Diagnostics for people: an error in a file we read (inventory, declaration, check) named by
//! file:line:column and key, with the offending line and a caret under it, as cargo-deny does.
//! Never a Rust debug dump.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One problem in one file, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    /// 1-based line and column (in characters) of the problem.
    pub line: usize,
    pub column: usize,
    /// The dotted key the problem is about, when known (`vendor[2].ports`).
    pub key: Option<String>,
    /// What is wrong and what was expected.
    pub message: String,
    /// The source line, for the snippet.
    pub source_line: String,
}

impl Diagnostic {
    /// Locates a byte span of `source` (the text of `file`).
    pub fn at(
        file: &Path,
        source: &str,
        span: Option<Range<usize>>,
        key: Option<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        let offset = span.map(|s| s.start).unwrap_or(0).min(source.len());
        let (line, column, source_line) = line_column(source, offset);
        let key = key.or_else(|| {
            let table = table_path(source, line);
            key_on_line(&source_line).map(|k| {
                if table.is_empty() {
                    k
                } else {
                    format!("{table}.{k}")
                }
            })
        });
        Diagnostic {
            file: file.to_path_buf(),
            line,
            column,
            key,
            message: message.into(),
            source_line,
        }
    }

    /// A problem with a whole file (unreadable, missing), located at its start.
    pub fn whole_file(file: &Path, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: file.to_path_buf(),
            line: 1,
            column: 1,
            key: None,
            message: message.into(),
            source_line: String::new(),
        }
    }

    /// Builds the diagnostic for a TOML parse or type error (its span points at the culprit).
    pub fn from_toml(file: &Path, source: &str, err: &toml::de::Error) -> Diagnostic {
        let message = err.message().trim().to_owned();
        Diagnostic::at(file, source, err.span(), None, message)
    }

    /// `file:line:column`.
    pub fn location(&self) -> String {
        format!("{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: error", self.location())?;
        if let Some(key) = &self.key {
            write!(f, " in `{key}`")?;
        }
        writeln!(f, ": {}", self.message)?;
        if !self.source_line.is_empty() {
            let gutter = self.line.to_string();
            let pad = " ".repeat(gutter.len());
            writeln!(f, "{pad} |")?;
            writeln!(f, "{gutter} | {}", self.source_line)?;
            write!(f, "{pad} | {}^", " ".repeat(self.column.saturating_sub(1)))?;
        }
        Ok(())
    }
}

/// Several diagnostics, shown one after another.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// 1-based line, 1-based column in characters, and the line's text, for a byte offset.
fn line_column(source: &str, offset: usize) -> (usize, usize, String) {
    let mut start = 0;
    let mut line_no = 1;
    for (i, ch) in source.char_indices() {
        if i >= offset {
            break;
        }
        if ch == '\n' {
            line_no += 1;
            start = i + 1;
        }
    }
    let rest = source.get(start..).unwrap_or("");
    let text = rest.lines().next().unwrap_or("").to_owned();
    let column = source
        .get(start..offset)
        .map(|s| s.chars().count())
        .unwrap_or(0)
        + 1;
    (line_no, column, text)
}

/// The table a line is in, from the `[table]` and `[[array]]` headers above it, with array
/// indices: `vendor[1].form[0]`.
fn table_path(source: &str, line: usize) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut current = String::new();
    for text in source.lines().take(line.saturating_sub(1)) {
        let text = text.trim();
        let (name, array) =
            if let Some(inner) = text.strip_prefix("[[").and_then(|t| t.split("]]").next()) {
                (inner.trim(), true)
            } else if let Some(inner) = text.strip_prefix('[').and_then(|t| t.split(']').next()) {
                (inner.trim(), false)
            } else {
                continue;
            };
        let mut path = String::new();
        let parts: Vec<&str> = name.split('.').map(str::trim).collect();
        for (i, part) in parts.iter().enumerate() {
            let plain = format!("{}{}", if path.is_empty() { "" } else { "." }, part);
            let prefix = format!("{path}{plain}");
            let last = i + 1 == parts.len();
            if array && last {
                counts.retain(|(p, _)| {
                    !p.starts_with(&format!("{prefix}[")) && !p.starts_with(&format!("{prefix}."))
                });
                let n = match counts.iter_mut().find(|(p, _)| *p == prefix) {
                    Some((_, n)) => {
                        *n += 1;
                        *n
                    }
                    None => {
                        counts.push((prefix.clone(), 0));
                        0
                    }
                };
                path = format!("{prefix}[{n}]");
            } else {
                let n = counts.iter().find(|(p, _)| *p == prefix).map(|(_, n)| *n);
                path = match n {
                    Some(n) => format!("{prefix}[{n}]"),
                    None => prefix,
                };
            }
        }
        current = path;
    }
    current
}

/// The key written at the start of a `key = value` line, if the line has one.
fn key_on_line(line: &str) -> Option<String> {
    let (left, _) = line.split_once('=')?;
    let key = left.trim().trim_matches('"');
    let plain = key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-.\"".contains(c));
    (!key.is_empty() && plain).then(|| key.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_named_with_their_tables_and_array_indices() {
        let src = "[[vendor]]\nid = \"a\"\n[[vendor]]\nid = \"b\"\n[[vendor.form]]\nurl = 1\n[[vendor.form]]\nurl = 2\n[vendor.form.leak_probe]\nview = 3\n[[vendor]]\nports = 4\n";
        let key_at = |needle: &str| {
            let offset = src.find(needle).unwrap();
            Diagnostic::at(
                Path::new("v.toml"),
                src,
                Some(offset..offset + 1),
                None,
                "x",
            )
            .key
            .unwrap()
        };
        assert_eq!(key_at("id = \"b\""), "vendor[1].id");
        assert_eq!(key_at("url = 2"), "vendor[1].form[1].url");
        assert_eq!(key_at("view"), "vendor[1].form[1].leak_probe.view");
        assert_eq!(key_at("ports"), "vendor[2].ports");
    }

    #[test]
    fn locates_line_and_column_and_shows_a_caret() {
        let src = "[audit]\ntimezone = \"Asia/Tokyo\"\nports = [99999]\n";
        let offset = src.find("99999").unwrap();
        let d = Diagnostic::at(
            Path::new("v.toml"),
            src,
            Some(offset..offset + 5),
            None,
            "too big",
        );
        assert_eq!((d.line, d.column), (3, 10));
        assert_eq!(d.key.as_deref(), Some("audit.ports"));
        let shown = d.to_string();
        assert!(
            shown.starts_with("v.toml:3:10: error in `audit.ports`: too big"),
            "{shown}"
        );
        assert!(shown.ends_with("  |          ^"), "{shown}");
    }
}
