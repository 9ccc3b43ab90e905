//! Local files that are not small regular files (a FIFO, /dev/zero, a directory, a 5 MiB file)
//! named as inventory, report, trust or check file: each ends within seconds with exit 2 or a
//! `report-invalid` finding that says what the file is, and the process stays small.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a child did: exit code, stdout, stderr, the highest RSS seen (KiB) and the wall time.
struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
    peak_kib: u64,
    took: Duration,
}

/// Runs vendor-audit with `args` in `dir`, killing it after 20 s (a hang fails the test, it does
/// not hang the suite), polling its RSS meanwhile.
fn run(dir: &Path, args: &[&str]) -> Outcome {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vendor-audit"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut peak_kib = 0;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if let Ok(s) = std::fs::read_to_string(format!("/proc/{}/status", child.id())) {
            for line in s.lines() {
                if let Some(v) = line.strip_prefix("VmHWM:") {
                    let kib: u64 = v.trim().trim_end_matches("kB").trim().parse().unwrap_or(0);
                    peak_kib = peak_kib.max(kib);
                }
            }
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("vendor-audit {args:?} still running after 20 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Error {") && !stderr.contains("Os {"),
        "panic or debug dump:\n{stderr}"
    );
    Outcome {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
        peak_kib,
        took: start.elapsed(),
    }
}

fn assert_quick_and_small(o: &Outcome) {
    assert!(o.took < Duration::from_secs(10), "took {:?}", o.took);
    assert!(o.peak_kib < 200 * 1024, "peak RSS {} KiB", o.peak_kib);
}

fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(made.success());
}

fn inventory(dir: &Path, audit: &str, report: &str) -> PathBuf {
    let path = dir.join("vendors.toml");
    std::fs::write(
        &path,
        format!("{audit}[[vendor]]\nid = \"a\"\nname = \"A\"\nreport = \"{report}\"\n"),
    )
    .unwrap();
    path
}

/// `validate` on an inventory naming `report`: exit 2 and `expected` in the diagnostics.
fn validate_refuses_report(report: &str, setup: impl FnOnce(&Path), expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    inventory(dir.path(), "", report);
    let o = run(dir.path(), &["validate", "--config", "vendors.toml"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains(expected), "{}", o.stderr);
    assert!(
        o.stderr
            .contains("expected a regular file of at most 4 MiB"),
        "{}",
        o.stderr
    );
    assert_quick_and_small(&o);
}

#[test]
fn dev_zero_as_report() {
    validate_refuses_report(
        "/dev/zero",
        |_| {},
        "/dev/zero:1:1: error: expected a regular file of at most 4 MiB; it is a character device",
    );
}

#[test]
fn fifo_as_report() {
    validate_refuses_report("fifo", |d| mkfifo(&d.join("fifo")), "it is a FIFO");
}

#[test]
fn five_mib_report() {
    validate_refuses_report(
        "big.toml",
        |d| {
            let f = std::fs::File::create(d.join("big.toml")).unwrap();
            f.set_len(5 << 20).unwrap();
        },
        "it holds 5 MiB",
    );
}

#[test]
fn directory_as_report() {
    validate_refuses_report(
        "reports",
        |d| std::fs::create_dir(d.join("reports")).unwrap(),
        "it is a directory",
    );
}

#[test]
fn run_turns_an_unreadable_report_into_report_invalid_in_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("fifo"));
    inventory(dir.path(), "", "fifo");
    for (lang, reason) in [("en", "it is a FIFO"), ("ja", "FIFO（名前付きパイプ）")] {
        let o = run(
            dir.path(),
            &[
                "run",
                "--config",
                "vendors.toml",
                "--no-history",
                "--format",
                "json",
                "--lang",
                lang,
            ],
        );
        assert_eq!(o.code, 1, "{}", o.stderr);
        let json: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
        let text = json.to_string();
        assert!(text.contains("\"report-invalid\""), "{text}");
        assert!(text.contains(reason), "{text}");
        assert_quick_and_small(&o);
    }
}

#[test]
fn assess_with_dev_zero_as_report() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &[
            "assess",
            "--host",
            "127.0.0.1",
            "--port",
            "9",
            "--report",
            "/dev/zero",
            "--format",
            "json",
            "--timeout",
            "1",
        ],
    );
    assert!(o.code == 1 || o.code == 0, "{}", o.stderr);
    assert!(o.stdout.contains("report-invalid"), "{}", o.stdout);
    assert!(o.stdout.contains("character device"), "{}", o.stdout);
    assert_quick_and_small(&o);
}

#[test]
fn fifo_as_trust_file() {
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("ca.pem"));
    std::fs::write(dir.path().join("r.toml"), "").unwrap();
    inventory(dir.path(), "[audit]\ntrust = [\"ca.pem\"]\n", "r.toml");
    let o = run(dir.path(), &["validate", "--config", "vendors.toml"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("vendors.toml:2:10: error in `audit.trust[0]`"),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("it is a FIFO"), "{}", o.stderr);
    assert_quick_and_small(&o);
}

#[test]
fn fifo_or_device_as_inventory() {
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("vendors.toml"));
    for (config, expected) in [
        ("vendors.toml", "it is a FIFO"),
        ("/dev/zero", "it is a character device"),
    ] {
        for cmd in ["validate", "run"] {
            let o = run(
                dir.path(),
                &[cmd, "--config", config, "--no-history"][..if cmd == "run" { 4 } else { 3 }],
            );
            assert_eq!(o.code, 2, "{cmd} {config}: {}", o.stderr);
            assert!(o.stderr.contains(expected), "{}", o.stderr);
            assert!(o.stderr.contains(&format!("{config}:1:1")), "{}", o.stderr);
            assert_quick_and_small(&o);
        }
    }
}

#[test]
fn fifo_and_huge_file_in_checks_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.toml"), "").unwrap();
    inventory(dir.path(), "", "r.toml");
    let checks = dir.path().join("checks");
    std::fs::create_dir(&checks).unwrap();
    mkfifo(&checks.join("a.toml"));
    let o = run(
        dir.path(),
        &["validate", "--config", "vendors.toml", "--checks", "checks"],
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("a.toml:1:1"), "{}", o.stderr);
    assert!(o.stderr.contains("it is a FIFO"), "{}", o.stderr);
    assert_quick_and_small(&o);

    std::fs::remove_file(checks.join("a.toml")).unwrap();
    let f = std::fs::File::create(checks.join("a.toml")).unwrap();
    f.set_len(1 << 30).unwrap();
    let o = run(
        dir.path(),
        &[
            "run",
            "--config",
            "vendors.toml",
            "--checks",
            "checks",
            "--no-history",
        ],
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("it holds 1 GiB"), "{}", o.stderr);
    assert_quick_and_small(&o);
}

#[test]
fn invalid_utf8_report_is_located() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("r.toml"),
        b"vendor = \"a\"\nfiscal_year = \xff\n",
    )
    .unwrap();
    inventory(dir.path(), "", "r.toml");
    let o = run(dir.path(), &["validate", "--config", "vendors.toml"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains("r.toml:2:15: error: not UTF-8 text"),
        "{}",
        o.stderr
    );
}

/// A 3 MiB value anywhere in an inventory or report is cut in the diagnostic, never echoed.
#[test]
fn validate_never_echoes_a_three_mib_value() {
    let big = "A".repeat(3 << 20);
    let cases = [
        format!("[[vendor]]\nid = \"{big}\"\nname = \"x\"\n"),
        format!("[[vendor]]\nid = \"a\"\nname = \"x\"\nhosts = [\"{big}\"]\n"),
        format!("[[vendor]]\nid = \"a\"\nname = \"x\"\nports = [\"{big}\"]\n"),
        format!("[[vendor]]\nid = \"a\"\nname = \"x\"\n{big} = 1\n"),
        format!("[[vendor]]\nid = \"a\"\nname = \"x\"\nforms = [\"https://{big}/\"]\n"),
        format!("[audit]\ntrust = [\"{big}\"]\n[[vendor]]\nid = \"a\"\nname = \"x\"\n"),
        format!("[audit]\ntimezone = \"{big}\"\n[[vendor]]\nid = \"a\"\nname = \"x\"\n"),
        format!("[[vendor]]\nid = \"a\"\nname = \"x\" {big}\n"),
        "[[vendor]]\nid = \"a\"\nname = \"x\"\nreport = \"r.toml\"\n".to_owned(),
    ];
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("r.toml"),
        format!(
            "vendor = \"{big}\"\nfiscal_year = 2026\n[controls]\n\"{}\" = true\n",
            &big[..1 << 20]
        ),
    )
    .unwrap();
    for (i, case) in cases.iter().enumerate() {
        std::fs::write(dir.path().join("vendors.toml"), case).unwrap();
        for lang in if i == 0 {
            &["en", "ja"][..]
        } else {
            &["en"][..]
        } {
            let o = run(
                dir.path(),
                &["validate", "--config", "vendors.toml", "--lang", lang],
            );
            assert_eq!(
                o.code,
                2,
                "case {i}: {}",
                &o.stderr[..o.stderr.len().min(2000)]
            );
            assert!(
                o.stderr.len() < 4096,
                "case {i} ({lang}): {} bytes of diagnostics:\n{}",
                o.stderr.len(),
                &o.stderr[..2000]
            );
            assert!(o.stderr.contains("bytes)"), "case {i}: {}", o.stderr);
        }
    }
}

/// A checks folder holding a symlink to itself ends as one diagnostic that says why.
#[test]
fn symlink_loop_in_checks_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.toml"), "").unwrap();
    inventory(dir.path(), "", "r.toml");
    let checks = dir.path().join("checks");
    std::fs::create_dir(&checks).unwrap();
    std::os::unix::fs::symlink(&checks, checks.join("again")).unwrap();
    let o = run(
        dir.path(),
        &["validate", "--config", "vendors.toml", "--checks", "checks"],
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("nested over 16 levels"), "{}", o.stderr);
    assert_quick_and_small(&o);
}
