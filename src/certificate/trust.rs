//! Trust anchors for certificate path validation: the system's roots (through
//! `rustls-native-certs`) plus the PEM files the inventory lists under `audit.trust`.
//! Loaded once per run; a system without roots is noted, not an error.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, TrustAnchor};

/// The trust anchors a chain is validated against, and where they came from.
#[derive(Clone, Default)]
pub struct TrustAnchors {
    anchors: Vec<TrustAnchor<'static>>,
    /// The DER of every anchor certificate: a server certificate that is byte for byte one of
    /// these is trusted directly (as OpenSSL does), even when it could not be its own path.
    certificates: HashSet<Vec<u8>>,
    system: usize,
    /// Why the system store gave fewer roots than it should (none found, unreadable entries).
    system_note: Option<String>,
    inventory: usize,
}

impl fmt::Debug for TrustAnchors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// Why an inventory trust file cannot be used. Says which file and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    #[error("trust file {}: cannot read it: {reason}", path.display())]
    Read { path: PathBuf, reason: String },
    /// Not a regular file of at most `LOCAL_FILE_CAP` (a FIFO, a device, a directory, too big).
    #[error("trust file {}: {reason}", path.display())]
    NotUsable { path: PathBuf, reason: String },
    #[error("trust file {}: not valid PEM: {reason}", path.display())]
    Pem { path: PathBuf, reason: String },
    #[error(
        "trust file {}: no certificate in it (expected one or more \
         `-----BEGIN CERTIFICATE-----` blocks)",
        path.display()
    )]
    Empty { path: PathBuf },
    #[error("trust file {}: certificate {index} is not a usable trust anchor: {reason}", path.display())]
    Unusable {
        path: PathBuf,
        /// 1-based position of the certificate in the file.
        index: usize,
        reason: String,
    },
}

impl TrustAnchors {
    /// No anchors at all (tests, or a caller that adds its own).
    pub fn empty() -> Self {
        Self::default()
    }

    /// The system roots plus every inventory trust file (`audit.trust`, already resolved
    /// against the inventory's folder). A missing or unusable file is an error; a system
    /// without roots is not (see [`TrustAnchors::describe`]).
    pub fn load(inventory_files: &[PathBuf]) -> Result<Self, TrustError> {
        let mut anchors = Self::system();
        for path in inventory_files {
            anchors.add_pem_file(path)?;
        }
        Ok(anchors)
    }

    /// The system's roots only (honours `SSL_CERT_FILE` / `SSL_CERT_DIR` like OpenSSL).
    pub fn system() -> Self {
        let mut out = Self::default();
        let found = rustls_native_certs::load_native_certs();
        let mut unusable = 0usize;
        for cert in &found.certs {
            if out.push(cert.as_ref()).is_ok() {
                out.system += 1;
            } else {
                unusable += 1;
            }
        }
        let mut notes = Vec::new();
        if found.certs.is_empty() {
            notes.push("no system trust store found".to_owned());
        }
        if unusable > 0 {
            notes.push(format!("{unusable} system roots could not be parsed"));
        }
        if !found.errors.is_empty() {
            let first = found
                .errors
                .first()
                .map(ToString::to_string)
                .unwrap_or_default();
            notes.push(format!(
                "{} errors reading the system store (first: {first})",
                found.errors.len()
            ));
        }
        if !notes.is_empty() {
            out.system_note = Some(notes.join("; "));
        }
        out
    }

    /// Adds every certificate of a PEM file as an inventory anchor; returns how many.
    pub fn add_pem_file(&mut self, path: &Path) -> Result<usize, TrustError> {
        let read_err = |e: std::io::Error| TrustError::Read {
            path: path.to_owned(),
            reason: io_reason(&e),
        };
        // A bundle of every public root is under 1 MiB: the common cap is ample.
        let bytes = crate::localfile::read_bounded(path, crate::localfile::LOCAL_FILE_CAP)
            .map_err(|e| match e {
                crate::localfile::LocalFileError::Io(e) => read_err(e),
                other => TrustError::NotUsable {
                    path: path.to_owned(),
                    reason: other.to_string(),
                },
            })?;
        let mut added = 0usize;
        for (i, item) in CertificateDer::pem_slice_iter(&bytes).enumerate() {
            let der = item.map_err(|e| TrustError::Pem {
                path: path.to_owned(),
                reason: e.to_string(),
            })?;
            self.push(der.as_ref())
                .map_err(|reason| TrustError::Unusable {
                    path: path.to_owned(),
                    index: i + 1,
                    reason,
                })?;
            self.inventory += 1;
            added += 1;
        }
        if added == 0 {
            return Err(TrustError::Empty {
                path: path.to_owned(),
            });
        }
        Ok(added)
    }

    /// Adds one DER certificate as an inventory anchor.
    pub fn add_der(&mut self, der: &[u8]) -> Result<(), String> {
        self.push(der)?;
        self.inventory += 1;
        Ok(())
    }

    fn push(&mut self, der: &[u8]) -> Result<(), String> {
        let cert = CertificateDer::from(der);
        let anchor = webpki::anchor_from_trusted_cert(&cert)
            .map_err(|e| super::path::webpki_reason(&e))?
            .to_owned();
        self.anchors.push(anchor);
        self.certificates.insert(der.to_vec());
        Ok(())
    }

    /// All anchors, system and inventory.
    pub fn anchors(&self) -> &[TrustAnchor<'static>] {
        &self.anchors
    }

    /// `der` is byte for byte one of the anchor certificates.
    pub fn contains_certificate(&self, der: &[u8]) -> bool {
        self.certificates.contains(der)
    }

    pub fn system_roots(&self) -> usize {
        self.system
    }

    pub fn inventory_anchors(&self) -> usize {
        self.inventory
    }

    /// One line for facts and messages: "146 system roots + 1 inventory anchor", or
    /// "no system roots (no system trust store found) + 1 inventory anchor".
    pub fn describe(&self) -> String {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let system = match (self.system, &self.system_note) {
            (0, Some(note)) => format!("no system roots ({note})"),
            (0, None) => "no system roots".to_owned(),
            (n, Some(note)) => format!("{} ({note})", plural(n, "system root", "system roots")),
            (n, None) => plural(n, "system root", "system roots"),
        };
        format!(
            "{system} + {}",
            plural(self.inventory, "inventory anchor", "inventory anchors")
        )
    }
}

/// The anchors of one run: the system roots plus the inventory's trust files, or, when a trust
/// file cannot be used, the system roots alone and the error, which then replaces the facts
/// that depend on trust (so those checks say `error` with the file's problem, never `pass`).
#[derive(Debug, Clone, Default)]
pub struct RunTrust {
    pub anchors: TrustAnchors,
    pub problem: Option<TrustError>,
}

impl RunTrust {
    /// Loads the anchors once per run (reads the system store: call it only when a TLS endpoint
    /// is probed).
    pub fn load(inventory_files: &[PathBuf]) -> Self {
        match TrustAnchors::load(inventory_files) {
            Ok(anchors) => RunTrust {
                anchors,
                problem: None,
            },
            Err(e) => RunTrust {
                anchors: TrustAnchors::system(),
                problem: Some(e),
            },
        }
    }

    /// With a trust problem, makes `tls.cert.chain_valid` and `tls.cert.chain_error`
    /// unavailable with it (when a chain was analysed at all).
    pub fn mark(&self, facts: &mut crate::fact::Facts) {
        if let Some(problem) = &self.problem {
            if facts.get("tls.cert.chain_valid").is_some() {
                let why = format!("trust anchors incomplete: {problem}");
                facts.unavailable("tls.cert.chain_valid", why.as_str());
                facts.unavailable("tls.cert.chain_error", why);
            }
        }
    }
}

/// An I/O error in words, without the OS error number.
fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn inventory_file_errors_name_the_file_and_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = TrustAnchors::empty();

        let missing = dir.path().join("nope.pem");
        let e = t.add_pem_file(&missing).unwrap_err().to_string();
        assert!(e.contains("nope.pem") && e.contains("no such file"), "{e}");

        let empty = write(&dir, "empty.pem", "just text\n");
        let e = t.add_pem_file(&empty).unwrap_err().to_string();
        assert!(
            e.contains("empty.pem") && e.contains("no certificate"),
            "{e}"
        );

        let bad = write(
            &dir,
            "bad.pem",
            "-----BEGIN CERTIFICATE-----\nnot base64 !!\n-----END CERTIFICATE-----\n",
        );
        let e = t.add_pem_file(&bad).unwrap_err().to_string();
        assert!(e.contains("bad.pem") && e.contains("PEM"), "{e}");

        let garbage = write(
            &dir,
            "garbage.pem",
            "-----BEGIN CERTIFICATE-----\nAAECAwQF\n-----END CERTIFICATE-----\n",
        );
        let e = t.add_pem_file(&garbage).unwrap_err().to_string();
        assert!(
            e.contains("garbage.pem") && e.contains("certificate 1"),
            "{e}"
        );
        assert_eq!(t.inventory_anchors(), 0);
    }

    #[test]
    fn a_pem_bundle_adds_each_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let root = include_str!("../../tests/vectors/cert/root.pem");
        let inter = include_str!("../../tests/vectors/cert/inter-sha1.pem");
        let p = write(&dir, "bundle.pem", &format!("{root}{inter}"));
        let mut t = TrustAnchors::empty();
        assert_eq!(t.add_pem_file(&p).unwrap(), 2);
        assert_eq!(t.anchors().len(), 2);
        assert_eq!(t.describe(), "no system roots + 2 inventory anchors");
    }

    #[test]
    fn system_store_is_described() {
        let t = TrustAnchors::system();
        let d = t.describe();
        eprintln!("system trust: {d}");
        assert!(d.ends_with("+ 0 inventory anchors"), "{d}");
        assert_eq!(t.anchors().len(), t.system_roots());
    }
}
