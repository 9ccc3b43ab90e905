//! The history without servers: a run stored and read back, its changes against the previous
//! run, the order of runs, the alert queue, migrations on reopen; and snapshots (insta) of the
//! `history` and `diff` reports for two fixed runs.

use std::collections::BTreeMap;

use vendor_audit::catalog::{Lang, Severity};
use vendor_audit::fact::FactValue;
use vendor_audit::history::diff::Changes;
use vendor_audit::history::{History, RunMeta};
use vendor_audit::report::changes::{diff_json, diff_table, history_json, history_table};
use vendor_audit::results::*;

fn finding(check: &str, target: &str, status: Status, severity: Severity) -> Finding {
    Finding {
        check: check.into(),
        target: target.into(),
        status,
        severity,
        title: format!("title of {check}"),
        title_ja: String::new(),
        message: format!("{check} is {status} on {target}"),
        message_ja: format!(
            "{check} が {target} で{}",
            if status == Status::Pass {
                "合格"
            } else {
                "不合格"
            }
        ),
        control: Some(format!("control.of_{}", check.replace('-', "_"))),
        waived: false,
        waiver: None,
        evidence: BTreeMap::from([("service.port".to_string(), FactValue::Int(5900))]),
        cause: None,
    }
}

fn control(key: &str, verdict: Verdict) -> ControlVerdict {
    ControlVerdict {
        control: key.into(),
        declared: Some(true),
        verdict,
        checks: vec![],
        title: String::new(),
        title_ja: String::new(),
        reason: format!("{key} is {}", verdict.name()),
        reason_ja: format!("{key} の判定: {}", verdict.name()),
    }
}

/// A run of one vendor: VNC failing or not, the form cacheable or not.
fn run(id: &str, started: &str, vnc_open: bool, form_cacheable: bool) -> RunReport {
    let vnc = if vnc_open { Status::Fail } else { Status::Pass };
    let form = if form_cacheable {
        Status::Fail
    } else {
        Status::Pass
    };
    let verdict = |failing: bool| {
        if failing {
            Verdict::Contradicted
        } else {
            Verdict::Verified
        }
    };
    let vendors = vec![VendorResult {
        id: "machi-web".into(),
        name: "Machi Web".into(),
        grade: Default::default(),
        score: 0,
        report: ReportSummary {
            path: Some("reports/machi-web.toml".into()),
            status: ReportStatus::Current,
            fiscal_year: Some(2026),
        },
        findings: vec![
            finding("vnc-exposed", "vnc.example.lab:5900", vnc, Severity::High),
            finding(
                "form-cacheable",
                "https://forms.example.lab/apply",
                form,
                Severity::High,
            ),
            finding(
                "ssh-exposed",
                "vnc.example.lab:22",
                Status::Error,
                Severity::Medium,
            ),
        ],
        controls: vec![
            control("remote_access.no_public_vnc", verdict(vnc_open)),
            control(
                "web_forms.no_store_on_personal_pages",
                verdict(form_cacheable),
            ),
        ],
        assets: vec![AssetFacts {
            target: "vnc.example.lab:5900".into(),
            kind: "service".into(),
            address: Some("127.0.0.1".into()),
            facts: BTreeMap::from([(
                "service.protocol".to_string(),
                FactValue::Str(if vnc_open { "vnc" } else { "closed" }.into()),
            )]),
            unavailable: BTreeMap::new(),
        }],
        grading: Default::default(),
    }
    .graded()];
    RunReport {
        schema: SCHEMA,
        run: RunInfo {
            id: id.into(),
            started_at: started.into(),
            finished_at: started.into(),
            now: started.into(),
            tool: "vendor-audit test".into(),
            proxy: None,
            shard: None,
        },
        summary: Summary::of(&vendors),
        vendors,
    }
}

fn meta() -> RunMeta {
    RunMeta {
        kind: "run".into(),
        ..RunMeta::default()
    }
}

#[test]
fn a_stored_run_reads_back_and_its_changes_are_told() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.db");
    let a = run(
        "20261201T000000Z-aaaaaaaa",
        "2026-12-01T00:00:00Z",
        false,
        true,
    );
    let b = run(
        "20261202T000000Z-bbbbbbbb",
        "2026-12-02T00:00:00Z",
        true,
        false,
    );
    {
        let mut h = History::open(&path).unwrap();
        let first = h.record_and_compare(&a, &meta()).unwrap();
        // A vendor's first run: every failure is new.
        let new: Vec<&str> = first.regressions.iter().map(|c| c.check.as_str()).collect();
        assert_eq!(new, ["form-cacheable"]);
        let changes = h.record_and_compare(&b, &meta()).unwrap();
        assert_eq!(changes.from, a.run.id);
        assert_eq!(changes.regressions.len(), 1);
        assert_eq!(changes.regressions[0].check, "vnc-exposed");
        assert_eq!(changes.fixed.len(), 1);
        assert_eq!(changes.fixed[0].check, "form-cacheable");
        assert!(
            changes.status_changes.is_empty(),
            "the error stayed an error"
        );
        assert_eq!(changes.verdict_changes.len(), 2);
    }
    // Reopened: the schema is not migrated again, and both runs read back whole.
    let h = History::open(&path).unwrap();
    assert_eq!(h.run_count().unwrap(), 2);
    assert_eq!(h.latest(5).unwrap(), [a.run.id.clone(), b.run.id.clone()]);
    assert_eq!(h.resolve("20261202").unwrap(), b.run.id);
    assert!(
        h.resolve("2026120").is_err(),
        "an ambiguous prefix is refused"
    );
    assert!(h.resolve("2025").is_err());
    let snap = h.snapshot(&b.run.id).unwrap();
    let vendor = &snap["machi-web"];
    assert_eq!(vendor.findings.len(), 3);
    let vnc = &vendor.findings[&(
        "vnc-exposed".to_string(),
        "vnc.example.lab:5900".to_string(),
    )];
    assert_eq!(vnc.status, Status::Fail);
    assert_eq!(vnc.message, "vnc-exposed is fail on vnc.example.lab:5900");
    // The Japanese words are kept beside the English ones.
    assert_eq!(
        vnc.message_ja,
        "vnc-exposed が vnc.example.lab:5900 で不合格"
    );
    let control = &vendor.controls["remote_access.no_public_vnc"];
    assert_eq!(
        control.reason,
        "remote_access.no_public_vnc is contradicted"
    );
    assert_eq!(
        control.reason_ja,
        "remote_access.no_public_vnc の判定: contradicted"
    );
    assert_eq!(
        h.previous_for("machi-web", &b.run.id).unwrap().as_deref(),
        Some(a.run.id.as_str())
    );
    let rows = h.rows(None, 10).unwrap();
    assert_eq!(rows.len(), 2);
    let newest = rows[0].changes.as_ref().unwrap();
    assert_eq!((newest.regressions, newest.fixed), (1, 1));
    assert!(
        rows[1].changes.is_none(),
        "the first run has no previous one"
    );
}

#[test]
fn runs_started_in_one_second_keep_the_order_they_were_stored_in() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = History::open(&dir.path().join("h.db")).unwrap();
    // The random tails sort the other way round from the order of the runs.
    let first = run(
        "20261201T000000Z-ffffffff",
        "2026-12-01T00:00:00Z",
        false,
        false,
    );
    let second = run(
        "20261201T000000Z-00000000",
        "2026-12-01T00:00:00Z",
        true,
        false,
    );
    h.record(&first, &meta()).unwrap();
    h.record(&second, &meta()).unwrap();
    assert_eq!(h.latest(1).unwrap(), vec![second.run.id.clone()]);
    assert_eq!(
        h.previous_for("machi-web", &second.run.id).unwrap(),
        Some(first.run.id.clone())
    );
}

#[test]
fn a_run_id_is_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = History::open(&dir.path().join("h.db")).unwrap();
    let a = run(
        "20261201T000000Z-aaaaaaaa",
        "2026-12-01T00:00:00Z",
        false,
        true,
    );
    h.record(&a, &meta()).unwrap();
    let again = h.record(&a, &meta()).unwrap_err().to_string();
    assert!(
        again.contains("storing run 20261201T000000Z-aaaaaaaa"),
        "{again}"
    );
    // Nothing of the refused copy was kept.
    assert_eq!(h.run_count().unwrap(), 1);
    assert_eq!(
        h.snapshot(&a.run.id).unwrap()["machi-web"].findings.len(),
        3
    );
}

#[test]
fn alerts_wait_until_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let h = History::open(&dir.path().join("h.db")).unwrap();
    let one = h.queue_alert(Some("r1"), "webhook", "{\"a\":1}").unwrap();
    let two = h.queue_alert(None, "command", "{\"b\":2}").unwrap();
    h.alert_outcome(one, 3, Some("HTTP 500")).unwrap();
    h.alert_outcome(two, 1, None).unwrap();
    let pending = h.pending_alerts().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!((pending[0].id, pending[0].attempts), (one, 3));
    h.alert_outcome(one, 1, None).unwrap();
    assert!(h.pending_alerts().unwrap().is_empty());
}

fn two_runs() -> (RunVendorRows, Changes) {
    let dir = tempfile::tempdir().unwrap();
    let mut h = History::open(&dir.path().join("h.db")).unwrap();
    h.record(
        &run(
            "20261201T000000Z-aaaaaaaa",
            "2026-12-01T00:00:00Z",
            false,
            true,
        ),
        &meta(),
    )
    .unwrap();
    let changes = h
        .record_and_compare(
            &run(
                "20261202T000000Z-bbbbbbbb",
                "2026-12-02T00:00:00Z",
                true,
                false,
            ),
            &meta(),
        )
        .unwrap();
    (h.rows(None, 10).unwrap(), changes)
}

type RunVendorRows = Vec<vendor_audit::history::RunVendorRow>;

#[test]
fn history_and_diff_reports() {
    let (rows, changes) = two_runs();
    insta::assert_snapshot!("history_table", history_table(&rows, 100, Lang::En));
    insta::assert_snapshot!("history_json", history_json(&rows));
    insta::assert_snapshot!("diff_table", diff_table(&changes, 100, Lang::En));
    insta::assert_snapshot!("diff_json", diff_json(&changes));
    for line in diff_table(&changes, 100, Lang::En)
        .lines()
        .chain(history_table(&rows, 100, Lang::En).lines())
    {
        assert!(line.chars().count() <= 100, "over 100 columns: {line}");
    }
}

/// The same tables in Japanese: the glossary's words for states, verdicts and severities, the
/// Japanese message of a finding and reason of a verdict, and no word of the English headings.
#[test]
fn history_and_diff_tables_in_japanese() {
    let (rows, changes) = two_runs();
    insta::assert_snapshot!("history_table_ja", history_table(&rows, 100, Lang::Ja));
    let diff = diff_table(&changes, 100, Lang::Ja);
    insta::assert_snapshot!("diff_table_ja", diff);
    let history = history_table(&rows, 100, Lang::Ja);
    for (text, words) in [
        (&history, &["監査実行", "委託先", "評価", "初回"][..]),
        (&diff, &["新たな不合格", "前 → 後", "件"][..]),
    ] {
        for w in words {
            assert!(text.contains(w), "{w} missing:\n{text}");
        }
        for english in [
            "vendor",
            "since its previous run",
            "Regressions",
            "first run",
            "regression",
        ] {
            assert!(!text.contains(english), "{english} in:\n{text}");
        }
    }
}

#[test]
fn scores_for_a_trend_oldest_first_without_ungraded_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.db");
    let mut h = History::open(&path).unwrap();
    let runs = [
        (
            "20261201T000000Z-aaaaaaaa",
            "2026-12-01T00:00:00Z",
            false,
            true,
        ),
        (
            "20261202T000000Z-bbbbbbbb",
            "2026-12-02T00:00:00Z",
            true,
            true,
        ),
        (
            "20261203T000000Z-cccccccc",
            "2026-12-03T00:00:00Z",
            false,
            false,
        ),
        (
            "20261204T000000Z-dddddddd",
            "2026-12-04T00:00:00Z",
            false,
            false,
        ),
    ];
    let mut scores = Vec::new();
    for (id, started, vnc, form) in runs {
        let report = run(id, started, vnc, form);
        scores.push((id, report.vendors[0].score, report.vendors[0].grade));
        h.record(&report, &meta()).unwrap();
    }
    assert!(
        scores[1].1 < scores[0].1 && scores[0].1 < scores[2].1,
        "the runs' scores differ: {scores:?}"
    );
    // A run stored before grades were (schema 1) has none: left out, not shown as 0.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE vendor_runs SET score = NULL, grade = NULL
             WHERE run = (SELECT seq FROM runs WHERE id = '20261201T000000Z-aaaaaaaa')",
            [],
        )
        .unwrap();
    let points = h.scores_for("machi-web", 10).unwrap();
    let got: Vec<(&str, u32, &str)> = points
        .iter()
        .map(|p| (p.run.as_str(), p.score, p.grade.as_str()))
        .collect();
    let want: Vec<(&str, u32, &str)> = scores[1..]
        .iter()
        .map(|(id, score, grade)| (*id, *score, grade.name()))
        .collect();
    assert_eq!(got, want);
    // The newest `limit`, still oldest first.
    let last_two: Vec<String> = h
        .scores_for("machi-web", 2)
        .unwrap()
        .into_iter()
        .map(|p| p.run)
        .collect();
    assert_eq!(
        last_two,
        ["20261203T000000Z-cccccccc", "20261204T000000Z-dddddddd"]
    );
    assert!(h.scores_for("nobody", 10).unwrap().is_empty());
    // `history` shows each run's grade, and none for the ungraded one.
    let rows = h.rows(Some("machi-web"), 10).unwrap();
    let oldest = rows.last().unwrap();
    assert_eq!((oldest.grade.as_deref(), oldest.score), (None, None));
    let newest = &rows[0];
    assert_eq!(newest.score, Some(scores[3].1));
    assert!(
        history_table(&rows, 100, Lang::En).contains(&format!("{} {}", scores[3].2, scores[3].1))
    );
}

#[test]
fn a_schema_1_history_gains_grades_and_keeps_its_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.db");
    let old = run(
        "20261201T000000Z-aaaaaaaa",
        "2026-12-01T00:00:00Z",
        false,
        true,
    );
    History::open(&path).unwrap().record(&old, &meta()).unwrap();
    // Back to what the build before grades wrote: schema 1, no grade columns (nor the
    // `complete` of schema 3).
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "ALTER TABLE runs DROP COLUMN complete;
             ALTER TABLE vendor_runs DROP COLUMN grade;
             ALTER TABLE vendor_runs DROP COLUMN score;
             UPDATE meta SET value = '1' WHERE key = 'schema_version';",
        )
        .unwrap();
    let mut h = History::open(&path).unwrap();
    let new = run(
        "20261202T000000Z-bbbbbbbb",
        "2026-12-02T00:00:00Z",
        true,
        false,
    );
    h.record(&new, &meta()).unwrap();
    let points = h.scores_for("machi-web", 10).unwrap();
    assert_eq!(
        points.len(),
        1,
        "the run of schema 1 has no grade: {points:?}"
    );
    assert_eq!(points[0].run, new.run.id);
    assert_eq!(h.rows(None, 10).unwrap().len(), 2, "both runs are kept");
    let version: String = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(version, vendor_audit::history::schema_version().to_string());
}
