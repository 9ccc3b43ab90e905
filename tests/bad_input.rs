//! Bad local input, generated: the repository's valid vendors.toml, reports and check files,
//! mutated at random (byte flips, deletions, TOML syntax inserted, lines duplicated, truncation,
//! huge numbers, invalid UTF-8). The loaders never panic and every error is a diagnostic located
//! inside the file it names; a few whole-process `validate` runs exit 2 with FILE:LINE:COL.

use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::prelude::*;
use proptest::sample::Index;
use vendor_audit::catalog::{check, control, Catalog, Lang};
use vendor_audit::declaration::ReportFile;
use vendor_audit::diagnostic::Diagnostics;
use vendor_audit::inventory::Inventory;

#[derive(Debug, Clone)]
enum Mutation {
    Flip(Index, u8),
    Delete(Index, usize),
    Insert(Index, &'static str),
    DuplicateLine(Index),
    Truncate(Index),
    Huge(Index, &'static str),
    BadUtf8(Index, &'static [u8]),
}

const SYNTAX: &[&str] = &[
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "=",
    "\"",
    "'",
    "\"\"\"",
    "'''",
    ".",
    ",",
    "#",
    "\n",
    "\\",
    "\\u",
    "= =",
    "[a]\n",
    "[[vendor]]\n",
    "x = ",
    "\r",
    "\t",
    "\"\\uD800\"",
    "a.b.c = 1\n",
    "{ a = 1, a = 2 }",
];
const HUGE: &[&str] = &[
    "99999999999999999999999999",
    "-9223372036854775809",
    "1e400",
    "0x",
    "65536",
    "-1",
    "9999-99-99",
    "2026-02-30",
    "nan",
    "inf",
    "0o9",
];
const BAD_UTF8: &[&[u8]] = &[
    b"\xff",
    b"\xc3",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\x00",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<Index>(), 1usize..40).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<Index>(), prop::sample::select(SYNTAX)).prop_map(|(i, s)| Mutation::Insert(i, s)),
        any::<Index>().prop_map(Mutation::DuplicateLine),
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), prop::sample::select(HUGE)).prop_map(|(i, s)| Mutation::Huge(i, s)),
        (any::<Index>(), prop::sample::select(BAD_UTF8)).prop_map(|(i, s)| Mutation::BadUtf8(i, s)),
    ]
}

fn apply(seed: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for m in mutations {
        let at = |i: &Index, b: &Vec<u8>| i.index(b.len() + 1);
        match m {
            Mutation::Flip(i, bit) => {
                if !b.is_empty() {
                    let p = i.index(b.len());
                    b[p] ^= 1 << bit;
                }
            }
            Mutation::Delete(i, n) => {
                let p = at(i, &b);
                let end = (p + n).min(b.len());
                b.drain(p..end);
            }
            Mutation::Insert(i, s) | Mutation::Huge(i, s) => {
                let p = at(i, &b);
                b.splice(p..p, s.bytes());
            }
            Mutation::BadUtf8(i, s) => {
                let p = at(i, &b);
                b.splice(p..p, s.iter().copied());
            }
            Mutation::DuplicateLine(i) => {
                let lines: Vec<&[u8]> = b.split_inclusive(|c| *c == b'\n').collect();
                if !lines.is_empty() {
                    let k = i.index(lines.len());
                    let mut out = Vec::new();
                    for (j, l) in lines.iter().enumerate() {
                        out.extend_from_slice(l);
                        if j == k {
                            out.extend_from_slice(l);
                        }
                    }
                    b = out;
                }
            }
            Mutation::Truncate(i) => {
                let p = at(i, &b);
                b.truncate(p);
            }
        }
    }
    b
}

/// Debug-dump shapes that must never reach a person.
fn assert_no_debug(text: &str) {
    for bad in [
        "Error {",
        "Error(",
        "Some(",
        "Os {",
        "kind: ",
        "panicked",
        "Utf8Error",
    ] {
        assert!(!text.contains(bad), "debug output `{bad}` in: {text}");
    }
}

/// Every diagnostic names `path` and a line:column inside it (1:1 for a whole-file problem).
fn assert_located(path: &Path, bytes: &[u8], diags: &Diagnostics) {
    assert!(!diags.0.is_empty(), "an error without a diagnostic");
    if let Err(e) = std::str::from_utf8(bytes) {
        // Not UTF-8: one diagnostic, at the first invalid byte, not at 1:1.
        let valid = String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned();
        let line = valid.matches('\n').count() + 1;
        let column = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        let d = &diags.0[0];
        assert_eq!(
            (diags.0.len(), d.line, d.column),
            (1, line, column),
            "{}",
            d.render(Lang::En)
        );
        assert!(d.message.en.contains("not UTF-8"), "{}", d.render(Lang::En));
        return;
    }
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.split('\n').collect();
    for d in &diags.0 {
        assert_eq!(d.file, path, "{}", d.render(Lang::En));
        assert!(d.line >= 1 && d.column >= 1, "{}", d.render(Lang::En));
        assert!(
            d.line <= lines.len(),
            "line past the end: {}",
            d.render(Lang::En)
        );
        let width = lines[d.line - 1].chars().count();
        assert!(
            d.column <= width + 1,
            "column past the line's end: {}",
            d.render(Lang::En)
        );
        assert_no_debug(&d.message.en);
        assert_no_debug(&d.message.ja);
        let _ = d.render(Lang::Ja);
    }
}

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn seed_files(dir: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![repo(dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "toml") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn builtin() -> &'static Catalog {
    static CATALOG: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    CATALOG.get_or_init(|| Catalog::load(&[]).unwrap())
}

/// At most this many mutations a case, less one (`BAD_INPUT_MUTATIONS` for a longer hunt).
fn max_mutations() -> usize {
    std::env::var("BAD_INPUT_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("BAD_INPUT_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(300),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mutated_inventory(mutations in prop::collection::vec(mutation(), 1..max_mutations())) {
        let seed = std::fs::read(repo("vendors.toml")).unwrap();
        let bytes = apply(&seed, &mutations);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vendors.toml");
        std::fs::write(&path, &bytes).unwrap();
        if let Err(d) = Inventory::load(&path) {
            assert_located(&path, &bytes, &d);
        }
    }

    #[test]
    fn mutated_report(which in any::<Index>(), mutations in prop::collection::vec(mutation(), 1..max_mutations())) {
        let seeds = seed_files("reports");
        let seed = std::fs::read(which.get(&seeds)).unwrap();
        let bytes = apply(&seed, &mutations);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.toml");
        std::fs::write(&path, &bytes).unwrap();
        let known: Vec<&str> = builtin().controls.keys().map(String::as_str).collect();
        match ReportFile::load(Some(&path), "kenko-zaidan", &known) {
            ReportFile::Invalid { problems, .. } => assert_located(&path, &bytes, &problems),
            ReportFile::Loaded { .. } => {}
            ReportFile::Missing { .. } => panic!("an existing file read as missing"),
        }
    }

    #[test]
    fn mutated_check_file(which in any::<Index>(), whole in 0u8..10, mutations in prop::collection::vec(mutation(), 1..max_mutations())) {
        let seeds = seed_files("checks");
        let seed_path = which.get(&seeds);
        let seed = std::fs::read(seed_path).unwrap();
        let bytes = apply(&seed, &mutations);
        let dir = tempfile::tempdir().unwrap();
        let name = seed_path.file_name().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        let result = vendor_audit::localfile::read_text(&path)
            .map_err(|e| Diagnostics(vec![e.diagnostic(&path)]))
            .and_then(|text| {
                if name == "controls.toml" {
                    control::parse_controls(&path, &text).map(|_| ())
                } else {
                    check::parse_check(&path, &text).map(|_| ())
                }
            });
        if let Err(d) = result {
            assert_located(&path, &bytes, &d);
        }
        // The whole catalogue with the mutated file in a --checks folder, one case in ten (it
        // parses every built-in check): located errors too.
        if whole != 0 {
            return Ok(());
        }
        if let Err(d) = Catalog::load(&[dir.path().to_path_buf()]) {
            for one in &d.0 {
                assert_eq!(&one.file, &path, "{}", one.render(Lang::En));
            }
            assert_located(&path, &bytes, &d);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    /// The binary on a mutated inventory: exit 0 or 2, never a panic; exit 2 says FILE:LINE:COL.
    #[test]
    fn validate_process_on_mutated_inventory(mutations in prop::collection::vec(mutation(), 1..6)) {
        let seed = std::fs::read(repo("vendors.toml")).unwrap();
        let bytes = apply(&seed, &mutations);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("vendors.toml"), &bytes).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_vendor-audit"))
            .args(["validate", "--config", "vendors.toml"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_no_debug(&stderr);
        // demo-ca.pem is not in the folder, so most cases fail; a cut before `trust` may pass.
        let code = out.status.code();
        assert!(code == Some(0) || code == Some(2), "exit {code:?}: {stderr}");
        if code == Some(0) {
            return Ok(());
        }
        let located = stderr.lines().any(|l| {
            let mut parts = l.splitn(4, ':');
            parts.next().is_some_and(|f| f.ends_with(".toml") || f.ends_with(".pem"))
                && parts.next().is_some_and(|n| n.parse::<usize>().is_ok())
                && parts.next().is_some_and(|n| n.parse::<usize>().is_ok())
        });
        assert!(located, "no FILE:LINE:COL in:\n{stderr}");
    }
}
