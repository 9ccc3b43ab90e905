//! Where reports go: `--output [FORMAT=]FILE` (repeatable) names a file and, optionally, its
//! format; each file is written whole (a temporary file in the same folder, then renamed), so a
//! reader never sees half a report.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::ValueEnum;

use super::Format;

/// One `--output`: a file and its format (`None`: the `--format` of the run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    pub format: Option<Format>,
    pub path: PathBuf,
}

/// The names `--format` and `--output FORMAT=FILE` accept, in the order of [`Format`].
pub fn format_names() -> Vec<String> {
    Format::value_variants()
        .iter()
        .filter_map(|f| f.to_possible_value())
        .map(|v| v.get_name().to_owned())
        .collect()
}

impl std::str::FromStr for OutputSpec {
    type Err = String;

    /// `FILE` or `FORMAT=FILE`. The text before the first `=` is a format when it holds no path
    /// separator (so `./a=b.txt` is a file named `a=b.txt`).
    fn from_str(s: &str) -> Result<OutputSpec, String> {
        let file = |p: &str| -> Result<PathBuf, String> {
            if p.is_empty() {
                Err(format!("`{s}` names no file; e.g. json=run.json"))
            } else {
                Ok(PathBuf::from(p))
            }
        };
        match s.split_once('=') {
            Some((name, path)) if !name.contains(['/', '\\']) => {
                match Format::from_str(name, true) {
                    Ok(format) => Ok(OutputSpec {
                        format: Some(format),
                        path: file(path)?,
                    }),
                    Err(_) => Err(format!(
                        "unknown format `{name}`; formats: {} (e.g. --output json=run.json)",
                        format_names().join(", ")
                    )),
                }
            }
            _ => Ok(OutputSpec {
                format: None,
                path: file(s)?,
            }),
        }
    }
}

/// Writes `text` to `path` whole: into a temporary file beside it, then renamed over it.
pub fn write_whole(path: &Path, text: &str) -> std::io::Result<()> {
    write_whole_with(path, |w| w.write_all(text.as_bytes()))
}

/// [`write_whole`] with the content written by `fill` (a streamed report): `path` is replaced
/// only once `fill` has written all of it; on an error it is left as it was.
pub fn write_whole_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".vendor-audit-")
        .suffix(".tmp")
        .tempfile_in(folder)?;
    // A temporary file is private (0600); the report gets the mode of the file it replaces, or
    // the usual 0644 of a new one, as `std::fs::write` would give under the common umask.
    let mode = match std::fs::metadata(path) {
        Ok(m) => m.permissions(),
        Err(_) => new_file_permissions(temp.as_file())?,
    };
    temp.as_file().set_permissions(mode)?;
    {
        let mut w = std::io::BufWriter::new(temp.as_file_mut());
        fill(&mut w)?;
        w.flush()?;
    }
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(unix)]
fn new_file_permissions(_: &std::fs::File) -> std::io::Result<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Ok(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn new_file_permissions(file: &std::fs::File) -> std::io::Result<std::fs::Permissions> {
    Ok(file.metadata()?.permissions())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_prefix_or_bare_file() {
        let spec: OutputSpec = "json=run.json".parse().unwrap();
        assert_eq!(spec.format, Some(Format::Json));
        assert_eq!(spec.path, PathBuf::from("run.json"));
        let bare: OutputSpec = "out/report.txt".parse().unwrap();
        assert_eq!(bare.format, None);
        let odd: OutputSpec = "./a=b.txt".parse().unwrap();
        assert_eq!((odd.format, odd.path), (None, PathBuf::from("./a=b.txt")));
    }

    #[test]
    fn unknown_format_lists_the_formats() {
        let e = "yaml=run.yaml".parse::<OutputSpec>().unwrap_err();
        assert!(e.contains("unknown format `yaml`"), "{e}");
        assert!(e.contains("table, json, markdown, junit"), "{e}");
        assert!("json=".parse::<OutputSpec>().is_err());
    }

    #[test]
    fn writes_whole_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.json");
        write_whole(&path, "first").unwrap();
        write_whole(&path, "second").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "second");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
        assert!(write_whole(&dir.path().join("missing/run.json"), "x").is_err());
    }
}
