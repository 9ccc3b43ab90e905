//! A vendor's annual report (its self-declaration): which controls it says it has. A missing or
//! flawed report is not an error of the run: it becomes the `report-missing` or `report-invalid`
//! finding, with every problem (file:line:column) as evidence. One bad line (an unknown control,
//! an answer that is not true or false) costs only that answer: the others are still judged.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use toml::Spanned;

use crate::catalog::Text;
use crate::diagnostic::{both, did_you_mean, Diagnostic, Diagnostics};

#[derive(Debug, Clone, PartialEq)]
pub struct Declaration {
    pub vendor: String,
    /// The fiscal year the report is for; `None` when the report does not say it properly.
    pub fiscal_year: Option<i32>,
    pub submitted: Option<NaiveDate>,
    /// Control key -> declared answer (true: "we do this"). Only well-formed answers to known
    /// controls.
    pub controls: BTreeMap<String, bool>,
}

/// What we found where the inventory says the report is.
#[derive(Debug, Clone, PartialEq)]
pub enum ReportFile {
    /// The inventory names no report, or the file does not exist.
    Missing { path: Option<PathBuf> },
    /// The file exists but is not a valid report. `declaration` keeps its well-formed answers;
    /// it is `None` only when the file cannot be read as TOML, or is another vendor's report.
    Invalid {
        path: PathBuf,
        problems: Diagnostics,
        declaration: Option<Declaration>,
    },
    Loaded {
        path: PathBuf,
        declaration: Declaration,
    },
}

/// A report that is not valid: every problem, and what can still be read of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    pub problems: Diagnostics,
    pub declaration: Option<Declaration>,
}

/// The top-level keys of a report.
const REPORT_KEYS: [&str; 4] = ["vendor", "fiscal_year", "submitted", "controls"];

impl ReportFile {
    /// Reads the report of `vendor_id` at `path`; `known_controls` are the catalogue's control
    /// keys (an unknown key is a problem: a typo would hide a declaration).
    pub fn load(path: Option<&Path>, vendor_id: &str, known_controls: &[&str]) -> ReportFile {
        let Some(path) = path else {
            return ReportFile::Missing { path: None };
        };
        let source = match crate::localfile::read_text(path) {
            Ok(s) => s,
            Err(e) if e.is_not_found() => {
                return ReportFile::Missing {
                    path: Some(path.to_path_buf()),
                }
            }
            Err(e) => {
                return ReportFile::Invalid {
                    path: path.to_path_buf(),
                    problems: Diagnostics(vec![e.diagnostic(path)]),
                    declaration: None,
                }
            }
        };
        match parse(path, &source, vendor_id, known_controls) {
            Ok(declaration) => ReportFile::Loaded {
                path: path.to_path_buf(),
                declaration,
            },
            Err(Rejected {
                problems,
                declaration,
            }) => ReportFile::Invalid {
                path: path.to_path_buf(),
                problems,
                declaration,
            },
        }
    }

    /// The answers that count: a valid report's, or the well-formed ones of a flawed report.
    pub fn declaration(&self) -> Option<&Declaration> {
        match self {
            ReportFile::Loaded { declaration, .. } => Some(declaration),
            ReportFile::Invalid { declaration, .. } => declaration.as_ref(),
            ReportFile::Missing { .. } => None,
        }
    }
}

/// A key (with its span), its value's span, and its value.
type Entry = (Spanned<String>, Range<usize>, toml::Value);

/// The top-level entries of a report: each key and its value, with the byte spans of both.
/// toml 0.8 cannot give a value's span when the value is a table written with dotted keys
/// (`[controls.remote_access]`, `controls."x.y" = true`); the key's span stands in for it then.
fn entries(source: &str) -> Result<Vec<Entry>, toml::de::Error> {
    match toml::from_str::<BTreeMap<Spanned<String>, Spanned<toml::Value>>>(source) {
        Ok(map) => Ok(map
            .into_iter()
            .map(|(k, v)| (k, v.span(), v.into_inner()))
            .collect()),
        Err(first) => match toml::from_str::<BTreeMap<Spanned<String>, toml::Value>>(source) {
            Ok(map) => Ok(map
                .into_iter()
                .map(|(k, v)| {
                    let span = k.span();
                    (k, span, v)
                })
                .collect()),
            Err(_) => Err(first),
        },
    }
}

/// Parses and validates report text. Every problem is located and listed; the well-formed
/// answers are kept unless the text is not TOML or names another vendor.
pub fn parse(
    path: &Path,
    source: &str,
    vendor_id: &str,
    known_controls: &[&str],
) -> Result<Declaration, Rejected> {
    let top = entries(source).map_err(|e| Rejected {
        problems: Diagnostics(vec![Diagnostic::from_toml(path, source, &e)]),
        declaration: None,
    })?;
    let mut problems = Vec::new();
    let mut add = |span: Option<Range<usize>>, key: &str, message: Text| {
        problems.push(Diagnostic::at(
            path,
            source,
            span,
            Some(key.to_owned()),
            message,
        ));
    };
    let mut vendor = None;
    let mut fiscal_year = None;
    let mut submitted = None;
    let mut controls_seen = false;
    let mut other_vendor = false;
    for (key, span, value) in &top {
        let span = Some(span.clone());
        match key.get_ref().as_str() {
            "vendor" => match value {
                toml::Value::String(v) if v == vendor_id => vendor = Some(v.clone()),
                toml::Value::String(v) => {
                    other_vendor = true;
                    add(
                        span,
                        "vendor",
                        both(
                            format!(
                                "this report is for `{v}`, but the inventory files it under `{vendor_id}`: none of its answers is counted"
                            ),
                            format!(
                                "この報告書は `{v}` のものだが、委託先一覧では `{vendor_id}` の報告書とされている: 回答はいずれも数えない"
                            ),
                        ),
                    );
                }
                other => add(
                    span,
                    "vendor",
                    both(
                        format!(
                            "expected the vendor id as a string (vendor = \"{vendor_id}\"), found {}",
                            describe(other).en
                        ),
                        format!(
                            "委託先 ID を文字列で書く（vendor = \"{vendor_id}\"）。書かれているのは{}",
                            describe(other).ja
                        ),
                    ),
                ),
            },
            "fiscal_year" => {
                fiscal_year = match value {
                    toml::Value::Integer(y) => i32::try_from(*y)
                        .ok()
                        .filter(|y| (2000..=2200).contains(y)),
                    _ => None,
                };
                if fiscal_year.is_none() {
                    add(
                        span,
                        "fiscal_year",
                        both(
                            format!("expected a year such as 2026, found {}", describe(value).en),
                            format!(
                                "年度を 2026 のように書く。書かれているのは{}",
                                describe(value).ja
                            ),
                        ),
                    );
                }
            }
            "submitted" => {
                submitted = match value {
                    toml::Value::Datetime(d) => d.date.and_then(|d| {
                        NaiveDate::from_ymd_opt(
                            i32::from(d.year),
                            u32::from(d.month),
                            u32::from(d.day),
                        )
                    }),
                    _ => None,
                };
                if submitted.is_none() {
                    add(
                        span,
                        "submitted",
                        both(
                            format!(
                                "expected a date such as 2026-04-01, found {}",
                                describe(value).en
                            ),
                            format!(
                                "日付を 2026-04-01 のように書く。書かれているのは{}",
                                describe(value).ja
                            ),
                        ),
                    );
                }
            }
            "controls" => {
                controls_seen = true;
                if !value.is_table() {
                    add(
                        span,
                        "controls",
                        both(
                            format!(
                                "expected the [controls] table of answers, found {}",
                                describe(value).en
                            ),
                            format!(
                                "回答は [controls] テーブルに書く。書かれているのは{}",
                                describe(value).ja
                            ),
                        ),
                    );
                }
            }
            unknown if known_controls.contains(&unknown) => add(
                Some(key.span()),
                unknown,
                both(
                    format!(
                        "`{unknown}` is a control, but it is written above the [controls] table: move it under [controls]; this answer is not counted"
                    ),
                    format!(
                        "`{unknown}` は管理項目だが [controls] テーブルより上に書かれている: [controls] の下に移す。この回答は数えない"
                    ),
                ),
            ),
            unknown => add(
                Some(key.span()),
                unknown,
                {
                    let hint = did_you_mean(unknown, REPORT_KEYS);
                    both(
                        format!(
                            "unknown key `{unknown}`{}: a report has `vendor`, `fiscal_year`, `submitted` and a [controls] table",
                            hint.en
                        ),
                        format!(
                            "`{unknown}` というキーはない{}: 年次報告書に書くのは `vendor`、`fiscal_year`、`submitted` と [controls] テーブルである",
                            hint.ja
                        ),
                    )
                },
            ),
        }
    }
    for (name, example) in [
        ("vendor", format!("vendor = \"{vendor_id}\"")),
        ("fiscal_year", "fiscal_year = 2026".to_owned()),
    ] {
        if !top.iter().any(|(k, _, _)| k.get_ref() == name) {
            add(
                None,
                name,
                both(
                    format!("missing `{name}`: the report must say it, e.g. {example}"),
                    format!("`{name}` が書かれていない: 年次報告書に必ず書く（例: {example}）"),
                ),
            );
        }
    }
    let mut controls = BTreeMap::new();
    let answers = if controls_seen {
        control_answers(source).unwrap_or_else(|why| {
            add(
                None,
                "controls",
                both(
                    format!(
                        "the [controls] table cannot be read ({why}): none of its answers is counted"
                    ),
                    format!(
                        "[controls] テーブルを読み取れない（{}）: 回答はいずれも数えない",
                        crate::diagnostic::toml_message_ja(&why)
                    ),
                ),
            );
            Vec::new()
        })
    } else {
        Vec::new()
    };
    for (key, span, value) in &answers {
        let shown = format!("controls.\"{key}\"");
        if !known_controls.contains(&key.as_str()) {
            let hint = match did_you_mean(key, known_controls.iter().copied()) {
                none if none.en.is_empty() => both(
                    " (`vendor-audit report-template` lists the controls)",
                    "（管理項目の一覧は `vendor-audit report-template` で確認できる）",
                ),
                suggestion => suggestion,
            };
            add(
                Some(span.clone()),
                &shown,
                both(
                    format!(
                        "unknown control `{key}`{}; this answer is not counted",
                        hint.en
                    ),
                    format!(
                        "`{key}` という管理項目はない{}。この回答は数えない",
                        hint.ja
                    ),
                ),
            );
            continue;
        }
        // `"a.b" = true` and `a.b = false` are different TOML keys but the same control: a
        // control answered twice is a contradiction in the report, and neither answer counts.
        if answers.iter().filter(|(k, _, _)| k == key).count() > 1 {
            add(
                Some(span.clone()),
                &shown,
                both(
                    format!("`{key}` is answered more than once; none of its answers is counted"),
                    format!("`{key}` に複数回回答している。いずれの回答も数えない"),
                ),
            );
            continue;
        }
        match value {
            toml::Value::Boolean(answer) => {
                controls.insert(key.clone(), *answer);
            }
            other => add(
                Some(span.clone()),
                &shown,
                both(
                    format!(
                        "`{key}` must be answered true or false, found {}; this answer is not counted",
                        describe(other).en
                    ),
                    format!(
                        "`{key}` には true か false で回答する。書かれているのは{}で、この回答は数えない",
                        describe(other).ja
                    ),
                ),
            ),
        }
    }
    let declaration = Declaration {
        vendor: vendor.unwrap_or_else(|| vendor_id.to_owned()),
        fiscal_year,
        submitted,
        controls,
    };
    if problems.is_empty() {
        return Ok(declaration);
    }
    let mut problems = Diagnostics(problems);
    problems.sort();
    Err(Rejected {
        problems,
        declaration: (!other_vendor).then_some(declaration),
    })
}

/// Each answer of the [controls] table: its key, where it is written, and its value. A dotted
/// key written without quotes (`remote_access.no_public_rdp = true`) is a nested table in TOML;
/// its parts are joined back into the control key it spells.
fn control_answers(source: &str) -> Result<Vec<(String, Range<usize>, toml::Value)>, String> {
    #[derive(serde::Deserialize)]
    struct OnlyControls {
        controls: BTreeMap<Spanned<String>, toml::Value>,
    }
    fn flatten(
        prefix: &str,
        span: &Range<usize>,
        value: toml::Value,
        out: &mut Vec<(String, Range<usize>, toml::Value)>,
    ) {
        match value {
            toml::Value::Table(table) => {
                for (k, v) in table {
                    flatten(&format!("{prefix}.{k}"), span, v, out);
                }
            }
            other => out.push((prefix.to_owned(), span.clone(), other)),
        }
    }
    let only = toml::from_str::<OnlyControls>(source).map_err(|e| e.message().to_owned())?;
    let mut out = Vec::new();
    for (key, value) in only.controls {
        let span = key.span();
        flatten(key.get_ref(), &span, value, &mut out);
    }
    Ok(out)
}

/// A TOML value as a person would name it in an error: `the string "yes"`, `the integer 1`
/// (「文字列 "yes"」、「整数 1」).
fn describe(value: &toml::Value) -> Text {
    match value {
        toml::Value::String(s) => both(format!("the string \"{s}\""), format!("文字列 \"{s}\"")),
        toml::Value::Integer(i) => both(format!("the integer {i}"), format!("整数 {i}")),
        toml::Value::Float(f) => both(format!("the number {f}"), format!("数値 {f}")),
        toml::Value::Boolean(b) => both(format!("the boolean {b}"), format!("真偽値 {b}")),
        toml::Value::Datetime(d) => both(format!("the date {d}"), format!("日付 {d}")),
        toml::Value::Array(_) => both("a list", "配列"),
        toml::Value::Table(_) => both("a table", "テーブル"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[&str] = &[
        "remote_access.no_public_rdp",
        "remote_access.no_public_vnc",
        "remote_access.ssh_restricted",
        "patching.monthly_updates",
    ];

    fn parse_ok(src: &str) -> Declaration {
        parse(Path::new("r.toml"), src, "kenko", KNOWN).unwrap()
    }

    fn rejected(src: &str) -> Rejected {
        parse(Path::new("r.toml"), src, "kenko", KNOWN).unwrap_err()
    }

    #[test]
    fn reads_a_report() {
        let d = parse_ok("vendor = \"kenko\"\nfiscal_year = 2026\nsubmitted = 2026-04-01\n[controls]\n\"remote_access.no_public_rdp\" = true\n\"patching.monthly_updates\" = false\n");
        assert_eq!(d.fiscal_year, Some(2026));
        assert_eq!(d.submitted, NaiveDate::from_ymd_opt(2026, 4, 1));
        assert_eq!(d.controls.get("remote_access.no_public_rdp"), Some(&true));
        assert_eq!(d.controls.get("patching.monthly_updates"), Some(&false));
    }

    #[test]
    fn a_typo_and_a_wrong_type_cost_only_their_own_answers() {
        let src = "vendor = \"kenko\"\nfiscal_year = 2026\n[controls]\n\"remote_access.no_public_rpd\" = true\n\"remote_access.no_public_vnc\" = \"yes\"\n\"remote_access.ssh_restricted\" = true\n";
        let r = rejected(src);
        let p = &r.problems.0;
        assert_eq!(p.len(), 2, "{}", r.problems);
        assert_eq!((p[0].line, p[0].column), (4, 1));
        assert_eq!(
            p[0].key.as_deref(),
            Some("controls.\"remote_access.no_public_rpd\"")
        );
        assert!(
            p[0].message
                .en
                .contains("did you mean `remote_access.no_public_rdp`?"),
            "{}",
            p[0].message.en
        );
        assert_eq!((p[1].line, p[1].column), (5, 1));
        assert!(
            p[1].message
                .en
                .contains("true or false, found the string \"yes\""),
            "{}",
            p[1].message.en
        );
        let d = r.declaration.expect("the well-formed answers survive");
        assert_eq!(
            d.controls,
            BTreeMap::from([("remote_access.ssh_restricted".to_string(), true)])
        );
        assert_eq!(d.fiscal_year, Some(2026));
    }

    #[test]
    fn header_problems_are_all_listed_and_keep_the_answers() {
        let src = "vendr = \"kenko\"\nfiscal_year = \"2026\"\nsubmitted = \"April\"\n\"patching.monthly_updates\" = true\n[controls]\n\"remote_access.no_public_rdp\" = true\n";
        let r = rejected(src);
        let shown: Vec<String> = r
            .problems
            .0
            .iter()
            .map(|d| format!("{}:{} {}", d.line, d.column, d.message.en))
            .collect();
        assert_eq!(r.problems.0.len(), 5, "{shown:#?}");
        assert!(
            shown[0].starts_with("1:1 unknown key `vendr` (did you mean `vendor`?)"),
            "{shown:#?}"
        );
        assert!(shown[1].starts_with("1:1 missing `vendor`"), "{shown:#?}");
        assert!(shown[2].starts_with("2:15 expected a year"), "{shown:#?}");
        assert!(shown[3].starts_with("3:13 expected a date"), "{shown:#?}");
        assert!(
            shown[4].contains("above the [controls] table"),
            "{shown:#?}"
        );
        let d = r.declaration.unwrap();
        assert_eq!(d.fiscal_year, None);
        assert_eq!(d.controls.len(), 1);
    }

    #[test]
    fn an_unquoted_dotted_key_is_the_control_it_spells() {
        for src in [
            "vendor = \"kenko\"\nfiscal_year = 2026\n[controls]\nremote_access.no_public_rdp = true\n",
            "vendor = \"kenko\"\nfiscal_year = 2026\ncontrols.\"remote_access.no_public_rdp\" = true\n",
            "vendor = \"kenko\"\nfiscal_year = 2026\n[controls.remote_access]\nno_public_rdp = true\n",
        ] {
            let d = parse_ok(src);
            assert_eq!(d.controls.get("remote_access.no_public_rdp"), Some(&true), "{src}");
        }
    }

    #[test]
    fn another_vendors_report_or_broken_toml_loses_every_answer() {
        let r = rejected("vendor = \"other\"\nfiscal_year = 2026\n[controls]\n\"remote_access.no_public_rdp\" = true\n");
        assert!(r.declaration.is_none());
        assert!(r.problems.0[0].message.en.contains("none of its answers"));
        let r = rejected("vendor = \"kenko\"\nfiscal_year = 2026\n[controls\n");
        assert!(r.declaration.is_none());
        assert_eq!(r.problems.0[0].line, 3);
    }

    #[test]
    fn nearest_key_needs_to_be_near() {
        let r = rejected(
            "vendor = \"kenko\"\nfiscal_year = 2026\n[controls]\n\"backups.offline\" = true\n",
        );
        assert!(
            !r.problems.0[0].message.en.contains("did you mean"),
            "{}",
            r.problems
        );
        let r = rejected(
            "vendor = \"kenko\"\nfiscal_year = 2026\n[controls]\n\"no_public_vnc\" = true\n",
        );
        assert!(
            r.problems.0[0]
                .message
                .en
                .contains("did you mean `remote_access.no_public_vnc`?"),
            "{}",
            r.problems
        );
    }

    #[test]
    fn a_control_answered_twice_is_a_contradiction_not_a_silent_pick() {
        // A quoted key and a dotted one spell the same control: TOML accepts both.
        let r = rejected("vendor = \"kenko\"\nfiscal_year = 2026\n[controls]\nremote_access.no_public_rdp = false\n\"remote_access.no_public_rdp\" = true\n\"patching.monthly_updates\" = true\n");
        assert_eq!(r.problems.0.len(), 2, "{}", r.problems);
        assert!(
            r.problems
                .0
                .iter()
                .all(|d| d.message.en.contains("answered more than once")),
            "{}",
            r.problems
        );
        let d = r.declaration.expect("the other answers survive");
        assert_eq!(
            d.controls,
            BTreeMap::from([("patching.monthly_updates".to_string(), true)])
        );
    }

    #[test]
    fn missing_file_is_missing_not_an_error() {
        let r = ReportFile::load(Some(Path::new("/nonexistent/report.toml")), "kenko", KNOWN);
        assert!(matches!(r, ReportFile::Missing { path: Some(_) }));
    }
}
