//! A vendor's annual report (its self-declaration): which controls it says it has. A missing or
//! unparseable report is not an error of the run: it becomes the `report-missing` or
//! `report-invalid` finding, with the parse error (file:line:column) as evidence.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::{Diagnostic, Diagnostics};

#[derive(Debug, Clone, PartialEq)]
pub struct Declaration {
    pub vendor: String,
    pub fiscal_year: i32,
    pub submitted: Option<NaiveDate>,
    /// Control key -> declared answer (true: "we do this").
    pub controls: BTreeMap<String, bool>,
}

/// What we found where the inventory says the report is.
#[derive(Debug, Clone, PartialEq)]
pub enum ReportFile {
    /// The inventory names no report, or the file does not exist.
    Missing { path: Option<PathBuf> },
    /// The file exists but is not a valid report.
    Invalid {
        path: PathBuf,
        problems: Diagnostics,
    },
    Loaded {
        path: PathBuf,
        declaration: Declaration,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeclaration {
    vendor: Spanned<String>,
    fiscal_year: Spanned<i64>,
    submitted: Option<Spanned<toml::value::Datetime>>,
    #[serde(default)]
    controls: BTreeMap<Spanned<String>, bool>,
}

impl ReportFile {
    /// Reads the report of `vendor_id` at `path`; `known_control` says whether a control key is
    /// in the catalogue (an unknown key is a problem: a typo would hide a declaration).
    pub fn load(
        path: Option<&Path>,
        vendor_id: &str,
        known_control: &dyn Fn(&str) -> bool,
    ) -> ReportFile {
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
                }
            }
        };
        match parse(path, &source, vendor_id, known_control) {
            Ok(declaration) => ReportFile::Loaded {
                path: path.to_path_buf(),
                declaration,
            },
            Err(problems) => ReportFile::Invalid {
                path: path.to_path_buf(),
                problems,
            },
        }
    }
}

/// Parses and validates report text.
pub fn parse(
    path: &Path,
    source: &str,
    vendor_id: &str,
    known_control: &dyn Fn(&str) -> bool,
) -> Result<Declaration, Diagnostics> {
    let raw: RawDeclaration = toml::from_str(source)
        .map_err(|e| Diagnostics(vec![Diagnostic::from_toml(path, source, &e)]))?;
    let mut problems = Vec::new();
    let mut add = |span, key: &str, message: String| {
        problems.push(Diagnostic::at(
            path,
            source,
            Some(span),
            Some(key.to_owned()),
            message,
        ));
    };
    if raw.vendor.get_ref() != vendor_id {
        add(
            raw.vendor.span(),
            "vendor",
            format!(
                "this report is for `{}`, but the inventory files it under `{vendor_id}`",
                raw.vendor.get_ref()
            ),
        );
    }
    let fiscal_year = i32::try_from(*raw.fiscal_year.get_ref())
        .ok()
        .filter(|y| (2000..=2200).contains(y));
    if fiscal_year.is_none() {
        add(
            raw.fiscal_year.span(),
            "fiscal_year",
            "expected a year such as 2026".into(),
        );
    }
    let mut submitted = None;
    if let Some(value) = &raw.submitted {
        submitted = value.get_ref().date.and_then(|d| {
            NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
        });
        if submitted.is_none() {
            add(
                value.span(),
                "submitted",
                "expected a date such as 2026-04-01".into(),
            );
        }
    }
    let mut controls = BTreeMap::new();
    for (key, answer) in raw.controls {
        if !known_control(key.get_ref()) {
            add(
                key.span(),
                &format!("controls.\"{}\"", key.get_ref()),
                format!(
                    "unknown control `{}`: `vendor-audit report-template` lists the controls",
                    key.get_ref()
                ),
            );
        }
        controls.insert(key.into_inner(), answer);
    }
    match (problems.is_empty(), fiscal_year) {
        (true, Some(fiscal_year)) => Ok(Declaration {
            vendor: raw.vendor.into_inner(),
            fiscal_year,
            submitted,
            controls,
        }),
        _ => Err(Diagnostics(problems)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(key: &str) -> bool {
        key.starts_with("remote_access.") || key == "patching.monthly_updates"
    }

    #[test]
    fn reads_a_report() {
        let src = "vendor = \"kenko\"\nfiscal_year = 2026\nsubmitted = 2026-04-01\n[controls]\n\"remote_access.no_public_rdp\" = true\n\"patching.monthly_updates\" = false\n";
        let d = parse(Path::new("r.toml"), src, "kenko", &known).unwrap();
        assert_eq!(d.fiscal_year, 2026);
        assert_eq!(d.controls.get("remote_access.no_public_rdp"), Some(&true));
        assert_eq!(d.controls.get("patching.monthly_updates"), Some(&false));
    }

    #[test]
    fn unknown_control_and_wrong_type_are_located() {
        let src = "vendor = \"kenko\"\nfiscal_year = 2026\n[controls]\n\"remote_acess.no_public_rdp\" = true\n";
        let err = parse(Path::new("r.toml"), src, "kenko", &known).unwrap_err();
        assert_eq!((err.0[0].line, err.0[0].column), (4, 1));
        assert!(err.0[0].message.contains("unknown control"), "{err}");

        let src = "vendor = \"kenko\"\nfiscal_year = 2026\n[controls]\n\"remote_access.no_public_rdp\" = \"yes\"\n";
        let err = parse(Path::new("r.toml"), src, "kenko", &known).unwrap_err();
        assert_eq!(err.0[0].line, 4);
        assert!(err.0[0].message.contains("expected a boolean"), "{err}");
    }

    #[test]
    fn missing_file_is_missing_not_an_error() {
        let r = ReportFile::load(Some(Path::new("/nonexistent/report.toml")), "kenko", &known);
        assert!(matches!(r, ReportFile::Missing { path: Some(_) }));
    }
}
