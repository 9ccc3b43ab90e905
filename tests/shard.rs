//! `run --shard K/N` (issue 14): N runs of one inventory cover every vendor exactly once, each
//! run says its share in the JSON, and a bad K/N is a command-line error said before any probe.
//! The assets are closed loopback ports (refused at once).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn inventory(dir: &Path, vendors: usize) -> std::path::PathBuf {
    let mut toml =
        String::from("[audit]\ntimezone = \"Asia/Tokyo\"\nfiscal_year_start = \"04-01\"\n");
    for v in 0..vendors {
        toml += &format!(
            "[[vendor]]\nid = \"vendor-{v}\"\nname = \"Vendor {v}\"\n\
             hosts = [\"127.13.0.{}\"]\nports = [47021]\n",
            v + 1
        );
    }
    let path = dir.join("vendors.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

fn audit(config: &Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vendor-audit"))
        .args([
            "run",
            "--no-history",
            "--fail-on",
            "never",
            "--format",
            "json",
        ])
        .args(["--timeout", "3", "--now", "2026-06-01T09:00:00+09:00"])
        .arg("--config")
        .arg(config)
        .args(extra)
        .output()
        .expect("vendor-audit runs")
}

fn vendor_ids(out: &std::process::Output) -> (BTreeSet<String>, serde_json::Value) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids = doc["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect();
    (ids, doc["run"].clone())
}

#[test]
fn three_shards_cover_every_vendor_once() {
    let dir = tempfile::tempdir().unwrap();
    let config = inventory(dir.path(), 60);
    let (all, run) = vendor_ids(&audit(&config, &[]));
    assert_eq!(all.len(), 60);
    assert!(
        run.get("shard").is_none(),
        "an unsharded run has no shard: {run}"
    );
    let mut union = BTreeSet::new();
    for k in 0..3 {
        let share = format!("{k}/3");
        let (ids, run) = vendor_ids(&audit(&config, &["--shard", &share]));
        assert_eq!(run["shard"], serde_json::json!(share));
        // Hashing, not counting: a share is near a third, never empty among 60.
        assert!(
            (8..=32).contains(&ids.len()),
            "shard {share}: {} vendors",
            ids.len()
        );
        assert!(union.is_disjoint(&ids), "shard {share} repeats a vendor");
        union.extend(ids);
    }
    assert_eq!(union, all, "the shards together are the inventory");
    // The same shard twice takes the same vendors, and so does a reordered inventory.
    let (again, _) = vendor_ids(&audit(&config, &["--shard", "1/3"]));
    let text = std::fs::read_to_string(&config).unwrap();
    let mut blocks: Vec<&str> = text.split("[[vendor]]").collect();
    let head = blocks.remove(0);
    blocks.reverse();
    let reversed = dir.path().join("reversed.toml");
    std::fs::write(
        &reversed,
        format!("{head}[[vendor]]{}", blocks.join("[[vendor]]")),
    )
    .unwrap();
    let (reordered, _) = vendor_ids(&audit(&reversed, &["--shard", "1/3"]));
    assert_eq!(again, reordered);
}

#[test]
fn shard_with_vendor_keeps_only_the_named_vendors_of_the_share() {
    let dir = tempfile::tempdir().unwrap();
    let config = inventory(dir.path(), 20);
    let (share, _) = vendor_ids(&audit(&config, &["--shard", "0/2"]));
    let inside = share.iter().next().unwrap().clone();
    let outside = (0..20)
        .map(|v| format!("vendor-{v}"))
        .find(|id| !share.contains(id))
        .unwrap();
    let (ids, _) = vendor_ids(&audit(
        &config,
        &["--shard", "0/2", "--vendor", &inside, "--vendor", &outside],
    ));
    assert_eq!(ids, BTreeSet::from([inside]));
}

#[test]
fn a_bad_share_is_a_usage_error_before_any_probe() {
    let dir = tempfile::tempdir().unwrap();
    let config = inventory(dir.path(), 2);
    for bad in ["3/3", "1/0", "two/3", "1"] {
        let out = audit(&config, &["--shard", bad]);
        assert_eq!(out.status.code(), Some(2), "--shard {bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("expected K/N"), "--shard {bad}: {err}");
        assert!(out.stdout.is_empty());
    }
}
