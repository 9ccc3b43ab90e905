//! A vendor's annual report (its self-declaration): which controls it says it has. A missing or
//! flawed report is not an error of the run: it becomes the `report-missing` or `report-invalid`
//! finding, with every problem (file:line:column) as evidence. One bad line (an unknown control,
//! an answer that is not true or false) costs only that answer: the others are still judged.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use toml::Spanned;

use crate::diagnostic::{did_you_mean, Diagnostic, Diagnostics};

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
        let source = match std::fs::read_to_string(path) {
            Ok(s) => s,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return ReportFile::Missing {
                    path: Some(path.to_path_buf()),
                }
            }
            Err(e) => {
                return ReportFile::Invalid {
                    path: path.to_path_buf(),
                    problems: Diagnostics(vec![Diagnostic::whole_file(
                        path,
                        format!("cannot read: {e}"),
                    )]),
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
    let mut add = |span: Option<Range<usize>>, key: &str, message: String| {
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
                        format!(
                            "this report is for `{v}`, but the inventory files it under `{vendor_id}`: none of its answers is counted"
                        ),
                    );
                }
                other => add(
                    span,
                    "vendor",
                    format!(
                        "expected the vendor id as a string (vendor = \"{vendor_id}\"), found {}",
                        describe(other)
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
                        format!(
                            "expected a year such as 2026, found {}",
                            describe(value)
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
                        format!(
                            "expected a date such as 2026-04-01, found {}",
                            describe(value)
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
                        format!(
                            "expected the [controls] table of answers, found {}",
                            describe(value)
                        ),
                    );
                }
            }
            unknown if known_controls.contains(&unknown) => add(
                Some(key.span()),
                unknown,
                format!(
                    "`{unknown}` is a control, but it is written above the [controls] table: move it under [controls]; this answer is not counted"
                ),
            ),
            unknown => add(
                Some(key.span()),
                unknown,
                format!(
                    "unknown key `{unknown}`{}: a report has `vendor`, `fiscal_year`, `submitted` and a [controls] table",
                    did_you_mean(unknown, REPORT_KEYS)
                ),
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
                format!("missing `{name}`: the report must say it, e.g. {example}"),
            );
        }
    }
    let mut controls = BTreeMap::new();
    let answers = if controls_seen {
        control_answers(source).unwrap_or_else(|why| {
            add(
                None,
                "controls",
                format!(
                    "the [controls] table cannot be read ({why}): none of its answers is counted"
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
                none if none.is_empty() => {
                    " (`vendor-audit report-template` lists the controls)".to_owned()
                }
                suggestion => suggestion,
            };
            add(
                Some(span.clone()),
                &shown,
                format!("unknown control `{key}`{hint}; this answer is not counted"),
            );
            continue;
        }
        // `"a.b" = true` and `a.b = false` are different TOML keys but the same control: a
        // control answered twice is a contradiction in the report, and neither answer counts.
        if answers.iter().filter(|(k, _, _)| k == key).count() > 1 {
            add(
                Some(span.clone()),
                &shown,
                format!("`{key}` is answered more than once; none of its answers is counted"),
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
                format!(
                    "`{key}` must be answered true or false, found {}; this answer is not counted",
                    describe(other)
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

/// A TOML value as a person would name it in an error: `the string "yes"`, `the integer 1`.
fn describe(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => format!("the string \"{s}\""),
        toml::Value::Integer(i) => format!("the integer {i}"),
        toml::Value::Float(f) => format!("the number {f}"),
        toml::Value::Boolean(b) => format!("the boolean {b}"),
        toml::Value::Datetime(d) => format!("the date {d}"),
        toml::Value::Array(_) => "a list".into(),
        toml::Value::Table(_) => "a table".into(),
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
                .contains("did you mean `remote_access.no_public_rdp`?"),
            "{}",
            p[0].message
        );
        assert_eq!((p[1].line, p[1].column), (5, 1));
        assert!(
            p[1].message
                .contains("true or false, found the string \"yes\""),
            "{}",
            p[1].message
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
            .map(|d| format!("{}:{} {}", d.line, d.column, d.message))
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
        assert!(r.problems.0[0].message.contains("none of its answers"));
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
            !r.problems.0[0].message.contains("did you mean"),
            "{}",
            r.problems
        );
        let r = rejected(
            "vendor = \"kenko\"\nfiscal_year = 2026\n[controls]\n\"no_public_vnc\" = true\n",
        );
        assert!(
            r.problems.0[0]
                .message
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
                .all(|d| d.message.contains("answered more than once")),
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
