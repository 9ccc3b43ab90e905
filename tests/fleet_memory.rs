//! Memory flat in the fleet size (issue 14): a run's peak RSS hardly grows from 1,000 to 10,000
//! assets, because each vendor is judged, written to every output and to the history, then
//! dropped. The assets are closed ports on loopback addresses (refused at once), so the figure is
//! the cost of results, not of waiting.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

/// Ports nothing on the test machine listens on, on any 127.x address.
const PORTS: [u16; 4] = [47_011, 47_012, 47_013, 47_014];

/// `vendors` vendors of 10 assets each: two hosts of four closed ports, two TLS endpoints.
fn inventory(dir: &Path, vendors: usize) -> std::path::PathBuf {
    let mut toml =
        String::from("[audit]\ntimezone = \"Asia/Tokyo\"\nfiscal_year_start = \"04-01\"\n");
    let ports: Vec<String> = PORTS.iter().map(u16::to_string).collect();
    for v in 0..vendors {
        let (a, b) = (v / 250, v % 250 + 1);
        toml += &format!(
            "[[vendor]]\nid = \"v{v:04}\"\nname = \"Vendor {v}\"\n\
             hosts = [\"127.9.{a}.{b}\", \"127.10.{a}.{b}\"]\nports = [{}]\n\
             tls = [\"127.11.{a}.{b}:{}\", \"127.12.{a}.{b}:{}\"]\n",
            ports.join(", "),
            PORTS[0],
            PORTS[1]
        );
    }
    let path = dir.join(format!("fleet-{vendors}.toml"));
    std::fs::write(&path, toml).unwrap();
    path
}

/// Runs the audit into a JSON file, a table file and a SQLite history; returns its peak RSS
/// (KiB, from wait4) and the JSON report.
// The child is reaped by wait4 below, which std's Child cannot see.
#[allow(clippy::zombie_processes)]
fn run(dir: &Path, config: &Path, db: &str) -> (i64, Vec<usize>) {
    let json = dir.join("run.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_vendor-audit"))
        .args(["run", "--fail-on", "never", "--timeout", "3"])
        .args(["--now", "2026-06-01T09:00:00+09:00", "--config"])
        .arg(config)
        .arg("--db")
        .arg(dir.join(db))
        .arg("--output")
        .arg(format!("json={}", json.display()))
        .arg("--output")
        .arg(format!("table={}", dir.join("run.txt").display()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("vendor-audit runs");
    let mut stderr = child.stderr.take().unwrap();
    let mut err = String::new();
    let _ = stderr.read_to_string(&mut err);
    let pid = i32::try_from(child.id()).unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our child, not yet waited for; both pointers are to live locals.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "exit status {status:#x}: {err}"
    );
    // Only each vendor's finding count is read, streamed from the file: memory this process
    // took would count in the next child's peak (its RSS is this process's until it execs).
    #[derive(serde::Deserialize)]
    struct Doc {
        vendors: Vec<Vendor>,
    }
    #[derive(serde::Deserialize)]
    struct Vendor {
        findings: Vec<serde::de::IgnoredAny>,
    }
    let file = std::io::BufReader::new(std::fs::File::open(&json).unwrap());
    let doc: Doc = serde_json::from_reader(file).unwrap();
    let findings = doc.vendors.iter().map(|v| v.findings.len()).collect();
    (usage.ru_maxrss, findings)
}

#[test]
fn peak_memory_is_flat_from_1000_to_10000_assets() {
    let dir = tempfile::tempdir().unwrap();
    let (small, large) = (inventory(dir.path(), 100), inventory(dir.path(), 1000));
    // A first run into an empty history finds every failure new: the changes it alerts on are
    // held until the end (a few MiB for 10,000 assets). The nightly case is the second run.
    let (first_rss, _) = run(dir.path(), &large, "large.db");
    let (small_rss, small) = {
        run(dir.path(), &small, "small.db");
        run(dir.path(), &small, "small.db")
    };
    let (large_rss, large) = run(dir.path(), &large, "large.db");
    assert_eq!(small.len(), 100);
    assert_eq!(large.len(), 1000, "every vendor is in the streamed report");
    // Every vendor has the same assets, so the same findings: nothing was lost on the way.
    assert!(large[0] > 0);
    assert!(
        large.iter().chain(&small).all(|&n| n == large[0]),
        "{large:?}"
    );
    eprintln!(
        "peak RSS: 1,000 assets {small_rss} KiB, 10,000 assets {large_rss} KiB \
         (first run into an empty history: {first_rss} KiB)"
    );
    // Held whole, 10,000 assets took 470 MiB (about 45 KiB an asset); streamed, ten times the
    // fleet may cost a fraction more, never ten times more.
    assert!(
        large_rss < small_rss * 2,
        "10,000 assets peaked at {large_rss} KiB against {small_rss} KiB for 1,000"
    );
    for rss in [large_rss, first_rss] {
        assert!(rss < 150 * 1024, "10,000 assets peaked at {rss} KiB");
    }
}
