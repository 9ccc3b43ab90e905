//! Snapshots of every report format for one fixed run (insta): a change in what people or
//! machines read shows up as a snapshot diff to review (`cargo insta review`).

use std::collections::BTreeMap;

use vendor_audit::catalog::{Lang, Severity};
use vendor_audit::fact::FactValue;
use vendor_audit::report::{render, Format};
use vendor_audit::results::*;

fn fixed_run() -> RunReport {
    let finding = |check: &str,
                   target: &str,
                   status: Status,
                   severity: Severity,
                   title: &str,
                   message: (&str, &str),
                   control: Option<&str>| Finding {
        check: check.into(),
        target: target.into(),
        status,
        severity,
        title: title.into(),
        title_ja: format!("（{title}）"),
        message: message.0.into(),
        message_ja: message.1.into(),
        control: control.map(Into::into),
        waived: false,
        waiver: None,
        evidence: BTreeMap::from([("service.port".to_string(), FactValue::Int(3389))]),
        cause: None,
    };
    let mut waived = finding(
        "ssh-exposed",
        "xray.example.lab:22",
        Status::Fail,
        Severity::Medium,
        "SSH is reachable",
        (
            "SSH answered on port 22: SSH-2.0-OpenSSH_9.2p1",
            "ポート 22 でSSHが応答した: SSH-2.0-OpenSSH_9.2p1",
        ),
        Some("remote_access.ssh_restricted"),
    );
    waived.waived = true;
    waived.waiver = Some(WaiverNote {
        reason: "Contract clause 12".into(),
        expires: Some("2027-03-31".into()),
        expired: false,
    });
    let vendors = vec![VendorResult {
        id: "kenko-zaidan".into(),
        name: "Health Promotion Foundation".into(),
        grade: Default::default(),
        score: 0,
        report: ReportSummary { path: Some("reports/kenko-zaidan-2026.toml".into()), status: ReportStatus::Current, fiscal_year: Some(2026) },
        findings: vec![
            finding("rdp-exposed", "xray.example.lab:3389", Status::Fail, Severity::Critical, "Remote Desktop (RDP) is reachable", ("RDP answered on port 3389; selected protocol ssl; NLA enforced: false", "ポート 3389 でRDPが応答した（選択されたプロトコル ssl、NLA必須: false）"), Some("remote_access.no_public_rdp")),
            finding("dicom-exposed", "xray.example.lab:4242", Status::Error, Severity::Critical, "DICOM image archive accepts unknown peers", ("service.protocol unavailable: accepted the connection but answered nothing within 8 s", "service.protocol を観測できなかった: accepted the connection but answered nothing within 8 s"), Some("remote_access.dicom_restricted")),
            waived,
            finding("vnc-exposed", "xray.example.lab", Status::Pass, Severity::High, "VNC is reachable", ("no swept port answered as a VNC server (open ports: [3389, 4242, 22])", "走査したポートにVNCサーバとして応答するものはない（開放ポート: [3389, 4242, 22]）"), Some("remote_access.no_public_vnc")),
            finding("vnc-no-auth", "xray.example.lab", Status::Skipped, Severity::Critical, "VNC requires no authentication", ("no open port speaks the protocol this check is about", "このチェックの対象プロトコルで応答する開放ポートがない"), Some("remote_access.vnc_authentication")),
        ],
        controls: vec![
            ControlVerdict { control: "remote_access.no_public_rdp".into(), declared: Some(true), verdict: Verdict::Contradicted, checks: vec!["rdp-exposed".into()], title: "No Remote Desktop (RDP) reachable from outside".into(), title_ja: "リモートデスクトップ（RDP）を外部に公開していない".into(), reason: "rdp-exposed fail on xray.example.lab:3389".into(), reason_ja: "rdp-exposed が xray.example.lab:3389 で不合格".into() },
            ControlVerdict { control: "remote_access.no_public_vnc".into(), declared: Some(true), verdict: Verdict::Verified, checks: vec!["vnc-exposed".into()], title: "No VNC reachable from outside".into(), title_ja: "VNCを外部に公開していない".into(), reason: "vnc-exposed pass on xray.example.lab".into(), reason_ja: "vnc-exposed が xray.example.lab で合格".into() },
            ControlVerdict { control: "backup.offline_copies".into(), declared: Some(false), verdict: Verdict::Admitted, checks: vec![], title: "Backups are kept offline".into(), title_ja: "バックアップをオフラインで保管している".into(), reason: "declared not in place".into(), reason_ja: "未実施と申告されている".into() },
            ControlVerdict { control: "incident.response_plan".into(), declared: None, verdict: Verdict::Undeclared, checks: vec![], title: "An incident response plan exists".into(), title_ja: "インシデント対応計画がある".into(), reason: "the report does not answer this control".into(), reason_ja: "年次報告書にこの管理項目の回答がない".into() },
        ],
        assets: vec![AssetFacts { target: "xray.example.lab:3389".into(), kind: "service".into(), address: Some("127.0.0.31".into()), facts: BTreeMap::from([("service.protocol".to_string(), FactValue::Str("rdp".into()))]), unavailable: BTreeMap::new() }],
        grading: Default::default(),
    }
    .graded()];
    RunReport {
        schema: SCHEMA,
        run: RunInfo {
            id: "20261126T000000Z-0000".into(),
            started_at: "2026-11-26T00:00:00Z".into(),
            finished_at: "2026-11-26T00:00:03Z".into(),
            now: "2026-11-26T00:00:00Z".into(),
            tool: "vendor-audit test".into(),
            proxy: None,
            shard: None,
        },
        summary: Summary::of(&vendors),
        vendors,
    }
}

#[test]
fn table_en() {
    insta::assert_snapshot!(render(&fixed_run(), Format::Table, Lang::En, 100));
}

#[test]
fn table_ja() {
    insta::assert_snapshot!(render(&fixed_run(), Format::Table, Lang::Ja, 100));
}

#[test]
fn table_fits_100_columns() {
    let text = render(&fixed_run(), Format::Table, Lang::En, 100);
    for line in text
        .lines()
        .filter(|l| l.starts_with(['│', '┌', '└', '╞', '├']))
    {
        assert!(
            line.chars().count() <= 100,
            "{} columns: {line}",
            line.chars().count()
        );
    }
}

#[test]
fn markdown() {
    insta::assert_snapshot!(render(&fixed_run(), Format::Markdown, Lang::En, 100));
}

#[test]
fn junit() {
    insta::assert_snapshot!(render(&fixed_run(), Format::Junit, Lang::En, 100));
}

#[test]
fn oscal() {
    insta::assert_snapshot!(render(&fixed_run(), Format::Oscal, Lang::En, 100));
}

#[test]
fn json_keeps_the_fixed_keys() {
    let json: serde_json::Value =
        serde_json::from_str(&render(&fixed_run(), Format::Json, Lang::En, 100)).unwrap();
    assert_eq!(json["schema"], "vendor-audit/v1");
    for key in ["id", "started_at", "finished_at", "now"] {
        assert!(json["run"][key].is_string(), "run.{key}");
    }
    let v = &json["vendors"][0];
    for key in ["id", "name", "report", "findings", "controls", "assets"] {
        assert!(!v[key].is_null(), "vendors[].{key}");
    }
    // SPEC §10's grade and score, and the sum that reached them (the same as --explain).
    assert_eq!(v["grade"], "F");
    assert_eq!(v["score"], 34);
    assert_eq!(v["grading"]["score"], 34);
    let points: u64 = v["grading"]["deductions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["points"].as_u64().unwrap())
        .sum();
    assert_eq!(v["grading"]["before_caps"], 100 - points);
    assert_eq!(v["grading"]["unjudged"], 1);
    for key in ["path", "status", "fiscal_year"] {
        assert!(v["report"].get(key).is_some(), "report.{key}");
    }
    let f = &v["findings"][0];
    for key in [
        "check",
        "target",
        "status",
        "severity",
        "title",
        "message",
        "message_ja",
        "control",
        "waived",
        "evidence",
    ] {
        assert!(f.get(key).is_some(), "findings[].{key}");
    }
    assert_eq!(f["status"], "fail");
    let c = &v["controls"][0];
    for key in ["control", "declared", "verdict", "checks"] {
        assert!(c.get(key).is_some(), "controls[].{key}");
    }
    let a = &v["assets"][0];
    for key in ["target", "kind", "address", "facts"] {
        assert!(a.get(key).is_some(), "assets[].{key}");
    }
    for key in ["pass", "fail", "error", "skipped", "contradicted"] {
        assert!(json["summary"][key].is_number(), "summary.{key}");
    }
    insta::assert_json_snapshot!(json);
}

/// The errors a silent port leaves are one row in either language, grouped by their cause, not
/// by the words of each message (which name different facts).
#[test]
fn errors_of_one_target_are_one_row_by_their_cause_in_each_language() {
    use vendor_audit::catalog::Text;
    let why = "accepted the connection but answered nothing within 8.0 s";
    let error = |check: &str, fact: &str| Finding {
        check: check.into(),
        target: "xray.example.lab:4242".into(),
        status: Status::Error,
        severity: Severity::Critical,
        title: check.into(),
        title_ja: check.into(),
        message: format!("{why} ({fact} unavailable)"),
        message_ja: format!("{fact} を観測できなかった: {why}"),
        control: None,
        waived: false,
        waiver: None,
        evidence: BTreeMap::new(),
        cause: Some(Text {
            en: why.into(),
            ja: format!("観測できなかった: {why}"),
        }),
    };
    let mut report = fixed_run();
    report.vendors[0].findings = vec![
        error("dicom-exposed", "service.protocol"),
        error("rdp-exposed", "rdp.selected_protocol"),
    ];
    let md = render(&report, Format::Markdown, Lang::Ja, 100);
    let rows: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("| 重大 | 判定不能"))
        .collect();
    assert_eq!(
        rows,
        [format!(
            "| 重大 | 判定不能 | `xray.example.lab:4242` | `dicom-exposed`, `rdp-exposed` | 観測できなかった: {why} |"
        )],
        "{md}"
    );
    let table = render(&report, Format::Table, Lang::En, 100);
    assert!(
        table.contains("so 2 check(s) cannot tell: dicom-exposed, rdp-exposed"),
        "{table}"
    );
    assert!(
        !table.contains("unavailable"),
        "the facts are not in the row: {table}"
    );
}
