//! Diagnostics for people: an error in a file we read (inventory, declaration, check) named by
//! file:line:column and key, with the offending line and a caret under it, as cargo-deny does.
//! Never a Rust debug dump. Each message is written in English and Japanese; rendering picks
//! one (`render`), the location and keys staying as they are.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::catalog::{Lang, Text};

/// A message in both languages.
pub fn both(en: impl Into<String>, ja: impl Into<String>) -> Text {
    Text {
        en: en.into(),
        ja: ja.into(),
    }
}

/// How bad a problem is: an error makes the file invalid (exit 2); a warning is said and the file
/// is still used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
}

/// One problem in one file, located.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub level: Level,
    pub file: PathBuf,
    /// 1-based line and column (in characters) of the problem.
    pub line: usize,
    pub column: usize,
    /// The dotted key the problem is about, when known (`vendor[2].ports`).
    pub key: Option<String>,
    /// What is wrong and what was expected, in English and Japanese.
    pub message: Text,
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
        message: Text,
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
            level: Level::Error,
            file: file.to_path_buf(),
            line,
            column,
            key: key.map(|k| clip(&k)),
            message: clip_text(message),
            source_line,
        }
    }

    /// A problem with a whole file (unreadable, missing), located at its start.
    pub fn whole_file(file: &Path, message: Text) -> Diagnostic {
        Diagnostic {
            level: Level::Error,
            file: file.to_path_buf(),
            line: 1,
            column: 1,
            key: None,
            message: clip_text(message),
            source_line: String::new(),
        }
    }

    /// Builds the diagnostic for a TOML parse or type error (its span points at the culprit).
    pub fn from_toml(file: &Path, source: &str, err: &toml::de::Error) -> Diagnostic {
        let message = err.message().trim();
        Diagnostic::at(
            file,
            source,
            err.span(),
            None,
            both(message, toml_message_ja(message)),
        )
    }

    /// The same problem, said as a warning.
    pub fn warning(self) -> Diagnostic {
        Diagnostic {
            level: Level::Warning,
            ..self
        }
    }

    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }

    /// `file:line:column`.
    pub fn location(&self) -> String {
        format!("{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

impl Diagnostic {
    /// The diagnostic for people reading `lang`: `file:line:column: level in `key`: message`,
    /// then the line with a caret under the column.
    pub fn render(&self, lang: Lang) -> String {
        let mut out = String::new();
        let _ = self.write(&mut out, lang);
        out
    }

    fn write(&self, f: &mut impl fmt::Write, lang: Lang) -> fmt::Result {
        let level = match (self.level, lang) {
            (Level::Error, Lang::En) => "error",
            (Level::Warning, Lang::En) => "warning",
            (Level::Error, Lang::Ja) => "エラー",
            (Level::Warning, Lang::Ja) => "警告",
        };
        write!(f, "{}: {level}", self.location())?;
        match (&self.key, lang) {
            (Some(key), Lang::En) => write!(f, " in `{key}`")?,
            (Some(key), Lang::Ja) => write!(f, "（`{key}`）")?,
            (None, _) => {}
        }
        writeln!(f, ": {}", clip_message(self.message.get(lang)))?;
        if !self.source_line.is_empty() {
            let gutter = self.line.to_string();
            let pad = " ".repeat(gutter.len());
            let (shown, caret) = snippet(&self.source_line, self.column.saturating_sub(1));
            writeln!(f, "{pad} |")?;
            writeln!(f, "{gutter} | {shown}")?;
            write!(f, "{pad} | {}^", " ".repeat(caret))?;
        }
        Ok(())
    }
}

/// In English, as `render(Lang::En)`.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, Lang::En)
    }
}

/// Several diagnostics, shown one after another.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

impl std::error::Error for Diagnostics {}

impl Diagnostics {
    /// Every diagnostic for people reading `lang`, a blank line between two.
    pub fn render(&self, lang: Lang) -> String {
        let mut out = String::new();
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&d.render(lang));
            out.push('\n');
        }
        out
    }

    /// Whether any of them is an error (not only warnings).
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// In the order of the file: by file, line, column.
    pub fn sort(&mut self) {
        self.0
            .sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    }
}

/// The candidate nearest to `word` (a misspelt key or id), if one is near enough to be the
/// likely intent: at most one edit in four characters (two at least), a transposition counting
/// as one edit (optimal string alignment distance); or a candidate whose last dotted part is
/// `word` (`no_public_rdp` for `remote_access.no_public_rdp`).
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 4).max(2);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == word {
            continue;
        }
        let distance = if candidate.rsplit('.').next() == Some(word) {
            1
        } else {
            strsim::osa_distance(word, candidate)
        };
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// " (did you mean `x`?)" (「（`x` の誤りか）」) when a candidate is near `word`, else empty.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Text {
    nearest(word, candidates)
        .map(|c| {
            both(
                format!(" (did you mean `{c}`?)"),
                format!("（`{c}` の誤りか）"),
            )
        })
        .unwrap_or_else(|| both("", ""))
}

/// A TOML parser or serde message (`unknown field`, `missing field`, `invalid type: …,
/// expected …`, a syntax error) said in Japanese. Keys, values and type names stay as written;
/// what no rule here covers is kept as the parser said it, quoted, after a Japanese lead.
pub fn toml_message_ja(message: &str) -> String {
    let message = message.trim();
    let quoted = || {
        message
            .lines()
            .map(str::trim)
            .collect::<Vec<_>>()
            .join("; ")
    };
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let (field, expected) = rest.split_once(", ").unwrap_or((rest, ""));
        let name = field.trim_matches('`');
        let listed = expected_list(expected);
        let hint = nearest(name, listed.iter().map(String::as_str))
            .map(|c| format!("（`{c}` の誤りか）"))
            .unwrap_or_default();
        return if listed.is_empty() {
            format!("キー {field} は使えない{hint}: この表にはキーがない")
        } else {
            let shown: Vec<String> = listed.iter().map(|k| format!("`{k}`")).collect();
            format!(
                "キー {field} は使えない{hint}: 使えるキーは {}",
                shown.join("、")
            )
        };
    }
    if let Some(field) = message.strip_prefix("missing field ") {
        return format!("必須のキー {field} が書かれていない");
    }
    if let Some(field) = message.strip_prefix("duplicate field ") {
        return format!("キー {field} が二度書かれている");
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let (value, expected) = rest.split_once(", ").unwrap_or((rest, ""));
        let listed = expected_list(expected);
        let hint = nearest(value.trim_matches('`'), listed.iter().map(String::as_str))
            .map(|c| format!("（`{c}` の誤りか）"))
            .unwrap_or_default();
        let shown: Vec<String> = listed.iter().map(|k| format!("`{k}`")).collect();
        return format!(
            "値 {value} は使えない{hint}: 使える値は {}",
            if shown.is_empty() {
                "ない".to_owned()
            } else {
                shown.join("、")
            }
        );
    }
    for (prefix, lead) in [
        ("invalid type: ", "値の型が違う"),
        ("invalid value: ", "値が範囲外または不正である"),
    ] {
        if let Some(rest) = message.strip_prefix(prefix) {
            if let Some((found, expected)) = rest.split_once(", expected ") {
                return format!(
                    "{lead}: {}が必要だが、{}が書かれている",
                    expected_ja(expected),
                    found_ja(found)
                );
            }
        }
    }
    if let Some(rest) = message.strip_prefix("duplicate key ") {
        let key = rest.split(" in ").next().unwrap_or(rest);
        return format!("キー {key} が二度書かれている（TOML では同じキーを繰り返せない）");
    }
    if let Some(rest) = message
        .lines()
        .find_map(|l| l.trim().strip_prefix("duplicate key "))
    {
        let key = rest.split(" in ").next().unwrap_or(rest);
        return format!("キー {key} が二度書かれている（TOML では同じキーを繰り返せない）");
    }
    if let Some(label) = message
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("invalid "))
    {
        return format!(
            "TOML の書き方の誤り: {}が正しく書かれていない（パーサーのメッセージ: \"{}\"）",
            label_ja(label),
            quoted()
        );
    }
    format!(
        "TOML として読めない（パーサーのメッセージ: \"{}\"）",
        quoted()
    )
}

/// An I/O error on a file we read, in Japanese: the usual kinds in words, anything else as the
/// system said it, quoted.
pub fn io_error_ja(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => "ファイルがない".to_owned(),
        ErrorKind::PermissionDenied => "読み取る権限がない".to_owned(),
        ErrorKind::InvalidData => "UTF-8 のテキストとして読めない".to_owned(),
        ErrorKind::IsADirectory => "ファイルではなくフォルダである".to_owned(),
        _ => format!("システムのメッセージ: \"{e}\""),
    }
}

/// The names in serde's "expected one of `a`, `b`" / "expected `a`".
fn expected_list(expected: &str) -> Vec<String> {
    if !expected.starts_with("expected") {
        return Vec::new();
    }
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// What serde expected (`u16`, `a string`, `struct X`), in Japanese.
fn expected_ja(expected: &str) -> String {
    let e = expected.trim();
    let simple = match e {
        "u8" => "0 から 255 までの整数",
        "u16" => "0 から 65535 までの整数",
        "u32" | "u64" | "usize" => "0 以上の整数",
        "i8" | "i16" | "i32" | "i64" | "isize" => "整数",
        "f32" | "f64" => "数値",
        "a string" | "a borrowed string" => "文字列",
        "a boolean" => "真偽値（true または false）",
        "a sequence" => "配列",
        "a map" => "テーブル",
        "a TOML datetime" | "a datetime" => "日時（例: 2026-04-30T10:00:00+09:00）",
        "a character" => "1 文字",
        _ => "",
    };
    if !simple.is_empty() {
        return simple.to_owned();
    }
    if e.starts_with("struct ") {
        return "テーブル".to_owned();
    }
    if let Some(rest) = e.strip_prefix("one of ") {
        return format!("次のいずれか（{rest}）");
    }
    format!("「{e}」")
}

/// What serde found (its `Unexpected`: `string "x"`, `integer `5``), in Japanese.
fn found_ja(found: &str) -> String {
    let f = found.trim();
    for (en, ja) in [
        ("string ", "文字列 "),
        ("integer ", "整数 "),
        ("floating point ", "数値 "),
        ("boolean ", "真偽値 "),
        ("character ", "文字 "),
    ] {
        if let Some(value) = f.strip_prefix(en) {
            return format!("{ja}{value} ");
        }
    }
    let word = match f {
        "sequence" => "配列",
        "map" => "テーブル",
        "unit value" => "空の値",
        "enum" => "列挙値",
        _ => return format!("「{f}」"),
    };
    word.to_owned()
}

/// The part of TOML that a syntax error names (`string`, `table header`), in Japanese.
fn label_ja(label: &str) -> String {
    let word = match label.trim() {
        "string"
        | "basic string"
        | "literal string"
        | "multiline basic string"
        | "multiline literal string" => "文字列",
        "key" | "unquoted key" => "キー",
        "table header" | "table" => "テーブルの見出し",
        "array" | "array table" => "配列",
        "inline table" => "インラインテーブル",
        "integer" => "整数",
        "float" => "数値",
        "date-time" | "date" | "time" | "offset" => "日時",
        "boolean" => "真偽値",
        "value" => "値",
        "escape sequence" => "エスケープ",
        "unicode 4-digit hex code" | "unicode 8-digit hex code" => "Unicode エスケープ",
        "comment" => "コメント",
        "newline" => "改行",
        "key-value pair" => "キーと値",
        other => return format!("「{other}」"),
    };
    word.to_owned()
}

/// Deserializes `source` as `T` and reports **every** error serde finds, not only the first.
/// After each located error, the lines it is about (a `key = value` line, or a whole table from
/// its header to the next) are overwritten with spaces, which keeps every other byte where it was,
/// and the text is read again. Returns the value read from the text with the erroneous parts
/// blanked (its spans are spans of `source`) when reading ends with one, and the errors.
///
/// An error that blanking caused (a required key now missing, a syntax error from a cut array)
/// is not reported: reading stops there.
pub fn from_toml_all<T: serde::de::DeserializeOwned>(
    file: &Path,
    source: &str,
) -> (Option<T>, Vec<Diagnostic>) {
    // A syntax error: nothing is read, one error.
    if let Err(e) = source.parse::<toml::Table>() {
        return (None, vec![Diagnostic::from_toml(file, source, &e)]);
    }
    let mut text = source.as_bytes().to_vec();
    let mut found: Vec<Diagnostic> = Vec::new();
    let mut blanked_keys: Vec<String> = Vec::new();
    for _ in 0..200 {
        let Ok(current) = std::str::from_utf8(&text) else {
            break;
        };
        if current.parse::<toml::Table>().is_err() {
            break;
        }
        let err = match toml::from_str::<T>(current) {
            Ok(value) => return (Some(value), found),
            Err(e) => e,
        };
        let Some(span) = err.span() else {
            if found.is_empty() {
                found.push(Diagnostic::from_toml(file, source, &err));
            }
            break;
        };
        let diagnostic = Diagnostic::from_toml(file, source, &err);
        let message = err.message();
        if message.starts_with("missing field") && !found.is_empty() {
            let caused_by_us = blanked_keys
                .iter()
                .any(|k| message.contains(&format!("`{k}`")));
            if caused_by_us {
                break;
            }
        }
        if found.contains(&diagnostic) {
            break;
        }
        found.push(diagnostic);
        let Some(range) = blank_range(current, span.start) else {
            break;
        };
        if let Some(key) = current
            .get(range.clone())
            .and_then(|t| t.lines().next())
            .and_then(key_on_line)
        {
            blanked_keys.push(key.rsplit('.').next().unwrap_or(&key).to_owned());
        }
        // The whole table is gone: what follows would read another table's entries under the
        // wrong index; the errors so far stand, the rest of the reading would mislead.
        let whole_table = message.starts_with("missing field");
        for byte in text.get_mut(range).into_iter().flatten() {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
        if whole_table {
            return (None, found);
        }
    }
    (None, found)
}

/// The bytes to blank for an error at `offset`: its line, or, when the line is a table header
/// or the error is about a whole table, the table from its header to the next header.
fn blank_range(text: &str, offset: usize) -> Option<Range<usize>> {
    let offset = offset.min(text.len());
    let line_start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let line_end = |from: usize| {
        text.get(from..)
            .and_then(|rest| rest.find('\n'))
            .map_or(text.len(), |i| from + i)
    };
    let first_line = text.get(line_start..line_end(line_start))?;
    if !first_line.trim_start().starts_with('[') {
        return Some(line_start..line_end(line_start));
    }
    // A table: up to the next header line.
    let mut end = line_end(line_start);
    while end < text.len() {
        let next = end + 1;
        let next_end = line_end(next);
        if text.get(next..next_end)?.trim_start().starts_with('[') {
            break;
        }
        end = next_end;
    }
    Some(line_start..end)
}

/// The most characters of a value from a file that a diagnostic quotes: a multi-megabyte value
/// is cut, never echoed.
pub const QUOTE_MAX: usize = 80;

/// The most characters of a whole message (what is left after the quoted values are cut).
const MESSAGE_MAX: usize = 1000;

/// `value` as a diagnostic quotes it: whole up to `QUOTE_MAX` characters, else its first
/// `QUOTE_MAX` characters and "… (N bytes)".
pub fn clip(value: &str) -> String {
    cut(value, QUOTE_MAX)
}

/// Room for the "… (N bytes)" a cut adds: a text at most this much over the limit is kept, so
/// cutting twice changes nothing.
const CUT_SLACK: usize = 24;

fn cut(text: &str, max: usize) -> String {
    if text.chars().nth(max + CUT_SLACK).is_none() {
        return text.to_owned();
    }
    let end = text.char_indices().nth(max).map_or(text.len(), |(i, _)| i);
    format!("{}… ({} bytes)", &text[..end], text.len())
}

fn clip_text(text: Text) -> Text {
    Text {
        en: clip_message(&text.en),
        ja: clip_message(&text.ja),
    }
}

/// Cuts each quoted stretch of a message (between backquotes, double quotes or 「」) and each
/// word longer than `QUOTE_MAX` characters, then the whole message at `MESSAGE_MAX` characters.
fn clip_message(text: &str) -> String {
    if text.chars().nth(QUOTE_MAX + CUT_SLACK).is_none() {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find(['`', '"', '「']) {
        let q = rest[open..].chars().next().unwrap_or('`');
        let close_q = if q == '「' { '」' } else { q };
        let inner_start = open + q.len_utf8();
        out.push_str(&rest[..inner_start]);
        let after = &rest[inner_start..];
        let inner_end = after.find(close_q).unwrap_or(after.len());
        out.push_str(&clip(&after[..inner_end]));
        let next = (inner_end + close_q.len_utf8()).min(after.len());
        out.push_str(&after[inner_end..next]);
        rest = &after[next..];
    }
    out.push_str(rest);
    // An unquoted long word (a path) too.
    let words: String = out
        .split_inclusive(char::is_whitespace)
        .map(|w| cut(w, QUOTE_MAX))
        .collect();
    cut(&words, MESSAGE_MAX)
}

/// The part of a source line a snippet shows, and where the caret goes in it: a long line is
/// cut to a window of `QUOTE_MAX` characters around the column.
fn snippet(line: &str, column: usize) -> (String, usize) {
    let count = line.chars().count();
    if count <= 2 * QUOTE_MAX {
        return (line.to_owned(), column);
    }
    let start = column.saturating_sub(QUOTE_MAX / 2).min(count);
    let shown: String = line.chars().skip(start).take(QUOTE_MAX).collect();
    let mut out = String::new();
    let mut caret = column - start;
    if start > 0 {
        out.push('…');
        caret += 1;
    }
    out.push_str(&shown);
    if start + QUOTE_MAX < count {
        out.push_str(&format!("… ({} bytes)", line.len()));
    }
    (out, caret)
}

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
                both("x", "x"),
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
    fn the_nearest_key_is_a_likely_typo_or_nothing() {
        let controls = ["remote_access.no_public_rdp", "remote_access.no_public_vnc"];
        assert_eq!(
            nearest("remote_access.no_public_rpd", controls),
            Some("remote_access.no_public_rdp")
        );
        assert_eq!(
            nearest("no_public_vnc", controls),
            Some("remote_access.no_public_vnc")
        );
        assert_eq!(nearest("backup.offline_copies", controls), None);
        assert_eq!(
            nearest("fiscal_yaer", ["vendor", "fiscal_year"]),
            Some("fiscal_year")
        );
        let hint = did_you_mean("vendr", ["vendor"]);
        assert_eq!(hint.en, " (did you mean `vendor`?)");
        assert_eq!(hint.ja, "（`vendor` の誤りか）");
        assert_eq!(did_you_mean("zzz", ["vendor"]).ja, "");
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Shape {
        name: String,
        #[serde(default)]
        size: u16,
        #[serde(default)]
        part: Vec<Part>,
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Part {
        #[serde(default)]
        size: u16,
    }

    fn all_errors(src: &str) -> (bool, Vec<(usize, usize)>) {
        let (value, found) = from_toml_all::<Shape>(Path::new("s.toml"), src);
        (
            value.is_some(),
            found.iter().map(|d| (d.line, d.column)).collect(),
        )
    }

    #[test]
    fn every_serde_error_is_found_and_the_rest_still_read() {
        let src =
            "name = \"n\"\nsize = \"big\"\ncolour = 1\n[[part]]\nsize = -1\n[[part]]\nsize = 2\n";
        assert_eq!(all_errors(src), (true, vec![(2, 8), (3, 1), (5, 8)]));
    }

    #[test]
    fn an_unknown_table_is_blanked_whole_so_its_keys_are_not_blamed_elsewhere() {
        let src = "name = \"n\"\n[[prat]]\nsize = 1\nweight = 3\n[[part]]\nsize = 2\n";
        assert_eq!(all_errors(src), (true, vec![(2, 3)]));
    }

    #[test]
    fn a_required_key_blanked_for_its_type_is_not_also_missing() {
        // `name` has the wrong type; once its line is blank `name` is missing: not said twice.
        let (value, found) =
            from_toml_all::<Shape>(Path::new("s.toml"), "name = 5\nsize = \"x\"\n");
        assert!(value.is_none());
        let shown: Vec<String> = found.iter().map(|d| d.message.en.clone()).collect();
        assert_eq!(found.len(), 2, "{shown:?}");
        assert!(shown.iter().all(|m| !m.contains("missing")), "{shown:?}");
        // A syntax error is one error, nothing read.
        assert_eq!(all_errors("name = \"n\nsize = 1\n"), (false, vec![(1, 10)]));
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
            both("too big", "大きすぎる"),
        );
        assert_eq!((d.line, d.column), (3, 10));
        assert_eq!(d.key.as_deref(), Some("audit.ports"));
        let shown = d.to_string();
        assert!(
            shown.starts_with("v.toml:3:10: error in `audit.ports`: too big"),
            "{shown}"
        );
        assert!(shown.ends_with("  |          ^"), "{shown}");
        let ja = d.render(Lang::Ja);
        assert!(
            ja.starts_with("v.toml:3:10: エラー（`audit.ports`）: 大きすぎる\n"),
            "{ja}"
        );
        assert!(ja.ends_with("  |          ^"), "{ja}");
    }

    fn ja_of(src: &str) -> Vec<String> {
        let (_, found) = from_toml_all::<Shape>(Path::new("s.toml"), src);
        found.iter().map(|d| d.message.ja.clone()).collect()
    }

    #[test]
    fn parser_messages_are_said_in_japanese() {
        let found =
            ja_of("name = \"n\"\nsize = \"big\"\ncolour = 1\n[[part]]\nsize = -1\nsise = 2\n");
        assert_eq!(
            found[0],
            "値の型が違う: 0 から 65535 までの整数が必要だが、文字列 \"big\" が書かれている",
            "{found:#?}"
        );
        assert!(
            found[1].starts_with("キー `colour` は使えない: 使えるキーは `name`、`size`、`part`"),
            "{found:#?}"
        );
        assert!(
            found[2].starts_with("値が範囲外または不正である: 0 から 65535 までの整数"),
            "{found:#?}"
        );
        assert!(
            found[3].starts_with("キー `sise` は使えない（`size` の誤りか）"),
            "{found:#?}"
        );
        let found = ja_of("size = 1\n");
        assert_eq!(found, ["必須のキー `name` が書かれていない"]);
        let found = ja_of("name = \"n\nsize = 1\n");
        assert!(
            found[0].starts_with("TOML の書き方の誤り: 文字列が正しく書かれていない（パーサーのメッセージ: \"invalid "),
            "{found:#?}"
        );
        let found = ja_of("name = \"a\"\nname = \"b\"\n");
        assert!(
            found[0].starts_with("キー `name` が二度書かれている"),
            "{found:#?}"
        );
        // Nothing known: the parser's words, quoted.
        assert_eq!(
            toml_message_ja("something new"),
            "TOML として読めない（パーサーのメッセージ: \"something new\"）"
        );
    }
}

#[cfg(test)]
mod clip_tests {
    use super::*;

    #[test]
    fn long_values_are_cut_once() {
        let big = "x".repeat(5000);
        let once = clip(&big);
        assert_eq!(once, format!("{}… (5000 bytes)", "x".repeat(80)));
        assert_eq!(clip(&once), once);
        assert_eq!(clip("short"), "short");
        let msg = clip_message(&format!("`{big}` is not \"{big}\" nor 「{big}」 nor {big}"));
        assert!(msg.len() < 500, "{msg}");
        assert_eq!(msg.matches("(5000 bytes)").count(), 4, "{msg}");
        assert_eq!(clip_message(&msg), msg);
    }

    #[test]
    fn long_line_snippet_keeps_the_caret_under_the_column() {
        let line = format!("{}^{}", "a".repeat(1000), "b".repeat(1000));
        let (shown, caret) = snippet(&line, 1000);
        assert_eq!(shown.chars().nth(caret), Some('^'), "{shown}");
        assert!(shown.chars().count() < 120);
        let (shown, caret) = snippet("short ^", 6);
        assert_eq!((shown.as_str(), caret), ("short ^", 6));
    }
}
