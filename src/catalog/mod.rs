//! The catalogue: checks (one TOML file each under `checks/`, compiled in; `--checks DIR` adds
//! or overrides), the controls of the annual report (`checks/controls.toml`), and the fact
//! catalogue that says what every fact a probe records means.

pub mod check;
pub mod control;
pub mod facts;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use include_dir::{include_dir, Dir};

use crate::diagnostic::{both, io_error_ja, Diagnostic, Diagnostics};

pub use check::{AssetKind, Check, Lang, Severity, Text};
pub use control::Control;

/// The built-in checks and controls, as shipped in `checks/`.
static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/checks");

/// Name of the control catalogue file inside a checks folder.
pub const CONTROLS_FILE: &str = "controls.toml";

#[derive(Debug)]
pub struct Catalog {
    /// Checks by id, in id order.
    pub checks: BTreeMap<String, Check>,
    pub controls: BTreeMap<String, Control>,
    /// SHA-256 over every file the catalogue was built from (path and text, in load order): the
    /// history records which checks judged a run.
    pub digest: String,
}

impl Catalog {
    /// The built-in checks, then each folder in `extra` in turn (a check with an existing id
    /// replaces it; a `controls.toml` there adds or replaces controls).
    pub fn load(extra: &[PathBuf]) -> Result<Catalog, Diagnostics> {
        let mut files: Vec<(PathBuf, String)> = Vec::new();
        collect_builtin(&BUILTIN, &mut files);
        for dir in extra {
            collect_dir(dir, &mut files, 0)?;
        }
        Catalog::from_files(files)
    }

    /// Builds a catalogue from (path, text) pairs, later files overriding earlier ones.
    pub fn from_files(files: Vec<(PathBuf, String)>) -> Result<Catalog, Diagnostics> {
        let digest = files_digest(&files);
        let mut problems = Vec::new();
        let mut checks = BTreeMap::new();
        let mut controls = BTreeMap::new();
        for (path, text) in &files {
            if path.file_name().is_some_and(|n| n == CONTROLS_FILE) {
                match control::parse_controls(path, text) {
                    Ok(list) => controls.extend(list.into_iter().map(|c| (c.key.clone(), c))),
                    Err(d) => problems.extend(d.0),
                }
            }
        }
        for (path, text) in &files {
            if path.file_name().is_some_and(|n| n == CONTROLS_FILE) {
                continue;
            }
            match check::parse_check(path, text) {
                Ok(c) => {
                    checks.insert(c.id.clone(), c);
                }
                Err(d) => problems.extend(d.0),
            }
        }
        for c in checks.values() {
            if let Some((key, span)) = &c.control {
                if !controls.contains_key(key) {
                    problems.push(Diagnostic::at(
                        &c.source_path,
                        &c.source_text,
                        Some(span.clone()),
                        Some("control".into()),
                        both(
                            format!("unknown control `{key}`: controls are listed in {CONTROLS_FILE}"),
                            format!("`{key}` という管理項目はない: 管理項目は {CONTROLS_FILE} に記載する"),
                        ),
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(Catalog {
                checks,
                controls,
                digest,
            })
        } else {
            Err(Diagnostics(problems))
        }
    }

    pub fn check(&self, id: &str) -> Option<&Check> {
        self.checks.get(id)
    }

    /// The checks that verify `control`.
    pub fn checks_of(&self, control: &str) -> Vec<&Check> {
        self.checks
            .values()
            .filter(|c| c.control_key() == Some(control))
            .collect()
    }
}

fn collect_builtin(dir: &Dir<'static>, out: &mut Vec<(PathBuf, String)>) {
    for file in dir.files() {
        if file.path().extension().is_some_and(|e| e == "toml") {
            if let Some(text) = file.contents_utf8() {
                out.push((Path::new("checks").join(file.path()), text.to_owned()));
            }
        }
    }
    for sub in dir.dirs() {
        collect_builtin(sub, out);
    }
}

/// How deep check folders may nest: a symlink to a parent folder must not recurse forever.
const MAX_CHECKS_DEPTH: usize = 16;

fn collect_dir(
    dir: &Path,
    out: &mut Vec<(PathBuf, String)>,
    depth: usize,
) -> Result<(), Diagnostics> {
    if depth > MAX_CHECKS_DEPTH {
        return Err(Diagnostics(vec![Diagnostic::whole_file(
            dir,
            both(
                format!(
                    "checks folders nested over {MAX_CHECKS_DEPTH} levels (a symlink loop?): \
                     expected a tree of check files"
                ),
                format!(
                    "チェックのフォルダが {MAX_CHECKS_DEPTH} 階層を超えて入れ子になっている\
                     （シンボリックリンクの循環？）"
                ),
            ),
        )]));
    }
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Diagnostics(vec![Diagnostic::whole_file(
            dir,
            both(
                format!("cannot read the checks folder: {e}"),
                format!("チェックのフォルダを読み込めない（{}）", io_error_ja(&e)),
            ),
        )])
    })?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect_dir(&path, out, depth + 1)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            let text = crate::localfile::read_text(&path)
                .map_err(|e| Diagnostics(vec![e.diagnostic(&path)]))?;
            out.push((path, text));
        }
    }
    Ok(())
}

/// Hex SHA-256 over (path, text) pairs, each length-prefixed so that no two lists collide.
fn files_digest(files: &[(PathBuf, String)]) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for (path, text) in files {
        for part in [path.to_string_lossy().as_bytes(), text.as_bytes()] {
            ctx.update(&(part.len() as u64).to_be_bytes());
            ctx.update(part);
        }
    }
    crate::history::hex(ctx.finish().as_ref())
}
