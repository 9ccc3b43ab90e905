//! `--output [FORMAT=]FILE` and `--color` from the command line: several reports from one run
//! beside the table on standard output, a bare FILE taking the table off standard output, files
//! never coloured, unknown formats and impossible files refused with exit 2 before any probe.
//! (A vendor without assets: nothing is probed.)

use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let inv = dir.join("vendors.toml");
    std::fs::write(&inv, "[[vendor]]\nid = \"a\"\nname = \"Vendor A\"\n").unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vendor-audit"));
    cmd.current_dir(dir)
        .args([
            "run",
            "--no-history",
            "--now",
            "2026-11-26T09:00:00+09:00",
            "--config",
        ])
        .arg(&inv)
        .args(args)
        .env_remove("NO_COLOR");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn several_formats_from_one_run_beside_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        &[
            "--output",
            "json=run.json",
            "--output",
            "junit=out/run.xml",
            "--output",
            "markdown=run.md",
            "--output",
            "table=run.txt",
            "--color",
            "always",
        ],
        &[],
    );
    std::fs::create_dir(dir.path().join("out")).ok();
    // out/ did not exist: refused before anything ran, nothing written.
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("no folder out"));
    assert!(!dir.path().join("run.json").exists());

    let out = run(
        dir.path(),
        &[
            "--output",
            "json=run.json",
            "--output",
            "junit=out/run.xml",
            "--output",
            "markdown=run.md",
            "--output",
            "table=run.txt",
            "--color",
            "always",
        ],
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "the missing report fails at high"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Annual report is missing"),
        "the table stays on stdout: {stdout}"
    );
    assert!(stdout.contains("\u{1b}["), "--color always colours stdout");

    let json: serde_json::Value =
        serde_json::from_str(&read(&dir.path().join("run.json"))).unwrap();
    assert_eq!(json["schema"], "vendor-audit/v1");
    assert!(read(&dir.path().join("out/run.xml")).contains("<testsuite name=\"controls.a\""));
    assert!(read(&dir.path().join("run.md")).contains("| "));
    let table = read(&dir.path().join("run.txt"));
    assert!(table.contains("Annual report is missing"));
    for name in ["run.json", "out/run.xml", "run.md", "run.txt"] {
        assert!(
            !read(&dir.path().join(name)).contains('\u{1b}'),
            "{name} has colour codes"
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn a_bare_output_file_takes_the_format_off_stdout_and_is_never_coloured() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        &["--output", "report.txt", "--color", "always"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "the report went to the file");
    let text = read(&dir.path().join("report.txt"));
    assert!(text.contains("Annual report is missing"));
    assert!(!text.contains('\u{1b}'));

    let out = run(
        dir.path(),
        &["--format", "json", "--output", "report.json"],
        &[],
    );
    assert!(out.stdout.is_empty());
    assert!(read(&dir.path().join("report.json")).starts_with('{'));
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let dir = tempfile::tempdir().unwrap();
    // Standard output is a pipe here: auto never colours it.
    let auto = run(dir.path(), &[], &[]);
    assert!(!String::from_utf8_lossy(&auto.stdout).contains('\u{1b}'));
    let never = run(dir.path(), &["--color", "never"], &[]);
    assert!(!String::from_utf8_lossy(&never.stdout).contains('\u{1b}'));
    // The flag is the user's explicit choice and outranks NO_COLOR (no-color.org).
    let always = run(dir.path(), &["--color", "always"], &[("NO_COLOR", "1")]);
    assert!(String::from_utf8_lossy(&always.stdout).contains('\u{1b}'));
}

#[test]
fn unknown_formats_and_twice_named_files_are_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["--output", "yaml=run.yaml"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown format `yaml`"), "{err}");
    assert!(err.contains("table, json, markdown, junit"), "{err}");
    assert!(out.stdout.is_empty());

    let out = run(
        dir.path(),
        &["--output", "json=r.json", "--output", "junit=r.json"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("names r.json twice"));

    let out = run(dir.path(), &["--color", "sometimes"], &[]);
    assert_eq!(out.status.code(), Some(2));
}
