//! Pre-contract assessment (`vendor-audit assess`): a candidate vendor that is not in the
//! inventory, audited from targets named on the command line (or in a file). It builds the
//! one-vendor inventory those targets describe; the engine, checks and scope rules are `run`'s.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::{both, Diagnostic, Diagnostics};
use crate::inventory::Inventory;

/// What the command line names.
#[derive(Debug, Clone, Default)]
pub struct Candidate {
    pub id: String,
    pub name: String,
    pub hosts: Vec<String>,
    /// Replaces the default sweep list when not empty.
    pub ports: Vec<u16>,
    pub tls: Vec<String>,
    pub forms: Vec<String>,
    pub report: Option<PathBuf>,
    pub resolve: BTreeMap<String, String>,
    pub trust: Vec<PathBuf>,
    pub allow_private: bool,
}

/// Adds the targets of a file, one per line (`#` starts a comment): a URL is a form, `HOST:PORT`
/// a TLS endpoint, anything else a host to sweep. An optional first word `host`, `tls` or `form`
/// says which explicitly.
pub fn add_targets_file(candidate: &mut Candidate, path: &Path) -> Result<(), Diagnostics> {
    let text = crate::localfile::read_text(path).map_err(|e| {
        let mut d = e.diagnostic(path);
        d.message = match &e {
            crate::localfile::LocalFileError::Io(e) => both(
                format!("cannot read the targets file: {e}"),
                format!(
                    "対象のファイルを読み込めない（{}）",
                    crate::diagnostic::io_error_ja(e)
                ),
            ),
            _ => both(
                format!("cannot read the targets file: {}", d.message.en),
                format!("対象のファイルを読み込めない: {}", d.message.ja),
            ),
        };
        Diagnostics(vec![d])
    })?;
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (kind, target) = match line.split_once(char::is_whitespace) {
            Some((k @ ("host" | "tls" | "form"), rest)) => (Some(k), rest.trim()),
            _ => (None, line),
        };
        match kind {
            Some("host") => candidate.hosts.push(target.to_owned()),
            Some("tls") => candidate.tls.push(target.to_owned()),
            Some("form") => candidate.forms.push(target.to_owned()),
            _ if target.contains("://") => candidate.forms.push(target.to_owned()),
            _ if crate::inventory::split_host_port(target).is_some() => {
                candidate.tls.push(target.to_owned())
            }
            _ => candidate.hosts.push(target.to_owned()),
        }
    }
    Ok(())
}

/// The one-vendor inventory of a candidate, validated as any inventory is. Paths are taken as
/// given (relative to the working folder); diagnostics name the command line.
pub fn inventory(candidate: &Candidate) -> Result<Inventory, Diagnostics> {
    use toml::Value;
    let strings = |v: &[String]| Value::Array(v.iter().cloned().map(Value::String).collect());
    let cwd = std::env::current_dir().unwrap_or_default();
    let absolute = |p: &Path| cwd.join(p).display().to_string();
    let mut audit = toml::map::Map::new();
    audit.insert(
        "allow_private".into(),
        Value::Boolean(candidate.allow_private),
    );
    if !candidate.trust.is_empty() {
        audit.insert(
            "trust".into(),
            Value::Array(
                candidate
                    .trust
                    .iter()
                    .map(|p| Value::String(absolute(p)))
                    .collect(),
            ),
        );
    }
    if !candidate.resolve.is_empty() {
        let map = candidate
            .resolve
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        audit.insert("resolve".into(), Value::Table(map));
    }
    let mut vendor = toml::map::Map::new();
    vendor.insert("id".into(), Value::String(candidate.id.clone()));
    vendor.insert("name".into(), Value::String(candidate.name.clone()));
    if let Some(report) = &candidate.report {
        vendor.insert("report".into(), Value::String(absolute(report)));
    }
    vendor.insert("hosts".into(), strings(&candidate.hosts));
    if !candidate.ports.is_empty() {
        vendor.insert(
            "ports".into(),
            Value::Array(
                candidate
                    .ports
                    .iter()
                    .map(|p| Value::Integer(i64::from(*p)))
                    .collect(),
            ),
        );
    }
    vendor.insert("tls".into(), strings(&candidate.tls));
    let forms: Vec<Value> = candidate
        .forms
        .iter()
        .map(|url| {
            let mut f = toml::map::Map::new();
            f.insert("url".into(), Value::String(url.clone()));
            Value::Table(f)
        })
        .collect();
    if !forms.is_empty() {
        vendor.insert("form".into(), Value::Array(forms));
    }
    let mut root = toml::map::Map::new();
    root.insert("audit".into(), Value::Table(audit));
    root.insert("vendor".into(), Value::Array(vec![Value::Table(vendor)]));
    let text = toml::to_string(&Value::Table(root)).map_err(|e| {
        Diagnostics(vec![Diagnostic::whole_file(
            Path::new("(command line)"),
            both(
                format!("cannot describe the candidate: {e}"),
                format!("評価する委託先を記述できない（原文: \"{e}\"）"),
            ),
        )])
    })?;
    if candidate.hosts.is_empty() && candidate.tls.is_empty() && candidate.forms.is_empty() {
        return Err(Diagnostics(vec![Diagnostic::whole_file(
            Path::new("(command line)"),
            both(
                "no target: name at least one --host, --tls, --form or --targets FILE",
                "対象がない: --host、--tls、--form、--targets FILE のいずれかで少なくとも一つ指定する",
            ),
        )]));
    }
    Inventory::parse(&cwd.join("(command line)"), &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_become_one_vendor_s_assets() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("targets.txt");
        std::fs::write(
            &file,
            "# candidate's endpoints\nportal.example.lab:8443\nhttps://forms.example.lab/apply\nxray.example.lab  # swept\ntls other.example.lab:443\n",
        )
        .unwrap();
        let mut c = Candidate {
            id: "candidate".into(),
            name: "Candidate".into(),
            hosts: vec!["127.0.0.9".into()],
            ..Candidate::default()
        };
        add_targets_file(&mut c, &file).unwrap();
        let inv = inventory(&c).unwrap();
        let v = &inv.vendors[0];
        assert_eq!(v.hosts, ["127.0.0.9", "xray.example.lab"]);
        assert_eq!(v.tls.len(), 2);
        assert_eq!(v.forms[0].url, "https://forms.example.lab/apply");
        assert!(v.report.is_none());
    }

    #[test]
    fn nothing_to_assess_is_said() {
        let c = Candidate {
            id: "candidate".into(),
            name: "Candidate".into(),
            ..Candidate::default()
        };
        let e = inventory(&c).unwrap_err().to_string();
        assert!(e.contains("no target"), "{e}");
    }
}
