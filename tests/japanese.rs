//! Japanese for people, end to end: the language comes from `--lang` or the locale variables
//! (LC_ALL, LC_MESSAGES, LANG); `validate` and command-line errors are Japanese and still located
//! by file:line:column; clap's usage errors are Japanese with exit 2; and what this side of the
//! CLI prints in Japanese (grade formula, contract annex, summaries, demo banner) uses only the
//! glossary's terms and leaves no English sentence (`common::english_leaks`).
//!
//! Only the demo test opens sockets (loopback, as tests/demo.rs); the others need nothing.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{english_leaks, english_leaks_allowing};

/// The words that name a concept the glossary (docs/GLOSSARY.ja.md) names otherwise: each must
/// never appear in Japanese output.
const FORBIDDEN: &[(&str, &str)] = &[
    ("外部から確認不能", "確認不能"),
    ("検査", "チェック"),
    ("ベンダー", "委託先"),
    ("事業者", "委託先"),
    ("統制", "管理項目"),
    ("重要度", "重大度"),
    ("得点", "点数"),
    ("例外期限切れ", "例外承認の期限切れ"),
];

fn assert_glossary_terms(what: &str, text: &str) {
    for (wrong, right) in FORBIDDEN {
        assert!(
            !text.contains(wrong),
            "{what}: `{wrong}` is not the glossary's term (use `{right}`):\n{text}"
        );
    }
}

fn assert_no_english(what: &str, text: &str, data: &[&str]) {
    let leaks = english_leaks_allowing(text, data);
    assert!(
        leaks.is_empty(),
        "{what}: English left in Japanese output: {leaks:#?}\n{text}"
    );
}

/// The table's summary lines: from the one that starts with the failure count to the next blank.
fn summary_lines(stdout: &str) -> String {
    stdout
        .lines()
        .skip_while(|l| !l.starts_with("不合格 "))
        .take_while(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The binary with a clean locale: no LC_ALL, LC_MESSAGES or LANG unless a test sets them.
fn vendor_audit() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vendor-audit"));
    c.env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .env_remove("COLUMNS");
    c
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let out: Output = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Error {"),
        "panic or debug dump:\n{stderr}"
    );
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

/// A folder with `vendors.toml` (and any other files given).
fn files(list: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in list {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn validate(dir: &Path, how: Env, args: &[&str]) -> (i32, String, String) {
    let mut cmd = vendor_audit();
    cmd.arg("validate")
        .arg("--config")
        .arg(dir.join("vendors.toml"))
        .args(args);
    for (k, v) in how {
        cmd.env(k, v);
    }
    run(&mut cmd)
}

/// Environment variables set for a run.
type Env<'a> = &'a [(&'a str, &'a str)];

/// Every way of asking for Japanese, and the answer must be the same.
const JAPANESE: &[(Env, &[&str])] = &[
    (&[], &["--lang", "ja"]),
    (&[("LANG", "ja_JP.UTF-8")], &[]),
    (&[("LC_ALL", "ja_JP.UTF-8"), ("LANG", "en_US.UTF-8")], &[]),
    (&[("LC_MESSAGES", "ja"), ("LANG", "C")], &[]),
];

#[test]
fn a_broken_inventory_is_explained_in_japanese_at_the_same_place() {
    let dir = files(&[(
        "vendors.toml",
        "[audit]\ntimezone = \"Tokyo\"\n[[vendor]]\nid = \"a\"\nhost = [\"x.example\"]\nports = [\"3389\"]\ntls = [\"portal.example\"]\n[[vendor]]\nid = \"a\"\n",
    )]);
    for (env, args) in JAPANESE {
        let (code, _, stderr) = validate(dir.path(), env, args);
        assert_eq!(code, 2, "{env:?} {args:?}: {stderr}");
        for expected in [
            "vendors.toml:2:12: エラー（`audit.timezone`）: `Tokyo` というタイムゾーンはない",
            "vendors.toml:5:1: エラー（`vendor[0].host`）: キー `host` は使えない（`hosts` の誤りか）: 使えるキーは `id`、",
            "vendors.toml:6:10: エラー（`vendor[0].ports`）: 値の型が違う: 0 から 65535 までの整数が必要だが、文字列 \"3389\" が書かれている",
        ] {
            assert!(
                stderr.contains(expected),
                "{env:?} {args:?}: expected `{expected}` in:\n{stderr}"
            );
        }
        assert!(!stderr.contains("error"), "{stderr}");
        assert_glossary_terms("validate (inventory)", &stderr);
        assert_no_english("validate (inventory)", &stderr, &[]);
    }
    // English stays what it was, and an explicit --lang wins over the locale.
    let (code, _, stderr) = validate(dir.path(), &[("LANG", "ja_JP.UTF-8")], &["--lang", "en"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("vendors.toml:5:1: error in `vendor[0].host`: unknown field `host`"),
        "{stderr}"
    );
    assert!(!stderr.contains("エラー"), "{stderr}");
    // LC_ALL decides before LANG.
    let (_, _, stderr) = validate(dir.path(), &[("LC_ALL", "C"), ("LANG", "ja_JP.UTF-8")], &[]);
    assert!(stderr.contains("error in `audit.timezone`"), "{stderr}");
}

#[test]
fn a_broken_declaration_is_explained_in_japanese() {
    let dir = files(&[
        (
            "vendors.toml",
            "[[vendor]]\nid = \"kenko\"\nreport = \"r.toml\"\n",
        ),
        (
            "r.toml",
            "vendor = \"kenko\"\nfiscal_yaer = 2026\n[controls]\n\"remote_access.no_public_rpd\" = true\n\"remote_access.no_public_vnc\" = \"yes\"\n",
        ),
    ]);
    let (code, stdout, stderr) = validate(dir.path(), &[], &["--lang", "ja"]);
    assert_eq!(code, 2, "{stderr}");
    for expected in [
        "r.toml:2:1: エラー（`fiscal_yaer`）: `fiscal_yaer` というキーはない（`fiscal_year` の誤りか）",
        "r.toml:4:1: エラー（`controls.\"remote_access.no_public_rpd\"`）: `remote_access.no_public_rpd` という管理項目はない（`remote_access.no_public_rdp` の誤りか）。この回答は数えない",
        "r.toml:5:1: エラー（`controls.\"remote_access.no_public_vnc\"`）: `remote_access.no_public_vnc` には true か false で回答する。書かれているのは文字列 \"yes\"で、この回答は数えない",
        "`fiscal_year` が書かれていない: 年次報告書に必ず書く（例: fiscal_year = 2026）",
    ] {
        assert!(stderr.contains(expected), "expected `{expected}` in:\n{stderr}");
    }
    // The summary on stdout is Japanese too.
    assert!(
        stdout.contains("kenko: ホスト 0 件、TLS 接続先 0 件、フォーム 0 件、例外承認 0 件。年次報告書に誤りがある（4 件。正しく書かれた回答 0 件は判定に使う）"),
        "{stdout}"
    );
    assert!(stdout.contains("委託先 1 件、チェック "), "{stdout}");
    for text in [&stdout, &stderr] {
        assert_glossary_terms("validate (declaration)", text);
        assert_no_english("validate (declaration)", text, &[]);
    }
}

#[test]
fn a_broken_check_file_and_a_syntax_error_are_explained_in_japanese() {
    let dir = files(&[
        ("vendors.toml", "[[vendor]]\nid = \"a\"\n"),
        (
            "checks/broken.toml",
            "id = \"broken\"\nseverity = \"loud\"\n",
        ),
    ]);
    let (code, _, stderr) = validate(
        dir.path(),
        &[("LANG", "ja_JP.UTF-8")],
        &["--checks", dir.path().join("checks").to_str().unwrap()],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("broken.toml:2:12: エラー（`severity`）: 値 `loud` は使えない（`low` の誤りか）: 使える値は `info`、`low`、`medium`、`high`、`critical`"),
        "{stderr}"
    );
    assert_no_english("validate (check)", &stderr, &[]);

    let dir = files(&[("vendors.toml", "[[vendor]]\nid = \"a\nname = \"b\"\n")]);
    let (code, _, stderr) = validate(dir.path(), &[], &["--lang", "ja"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("vendors.toml:2:")
            && stderr.contains(
                "エラー（`vendor[0].id`）: TOML の書き方の誤り: 文字列が正しく書かれていない"
            )
            && stderr.contains("（パーサーのメッセージ: \""),
        "{stderr}"
    );
    assert_no_english("validate (syntax)", &stderr, &[]);
}

#[test]
fn an_expired_waiver_is_a_japanese_warning_and_validate_still_passes() {
    let dir = files(&[(
        "vendors.toml",
        "[[vendor]]\nid = \"a\"\nhosts = [\"x.example\"]\n[[vendor.waiver]]\ncheck = \"ssh-exposed\"\ntarget = \"x.example:22\"\nreason = \"Contract clause 12\"\nexpires = 2026-03-31\n[[vendor.waiver]]\ncheck = \"ssh-exposd\"\ntarget = \"x.example:22\"\nreason = \"r\"\n",
    )]);
    let (code, _, stderr) = validate(
        dir.path(),
        &[],
        &["--lang", "ja", "--now", "2026-11-26T12:00:00+09:00"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("vendors.toml:8:11: 警告（`vendor[0].waiver[0].expires`）: `ssh-exposed`（対象 `x.example:22`）の例外承認は 2026-03-31 に期限切れとなった"),
        "{stderr}"
    );
    assert!(
        stderr.contains("エラー（`vendor[0].waiver[1].check`）: `ssh-exposd` というチェックはない（`ssh-exposed` の誤りか）"),
        "{stderr}"
    );
    assert_glossary_terms("validate (waivers)", &stderr);
    assert_no_english("validate (waivers)", &stderr, &[]);
}

#[test]
fn command_line_mistakes_are_japanese_and_exit_2() {
    let cases: &[(Env, &[&str], &str)] = &[
        (
            &[],
            &["run", "--formt", "json", "--lang", "ja"],
            "エラー: `--formt` という引数はない",
        ),
        (
            &[("LANG", "ja_JP.UTF-8")],
            &["valdate"],
            "エラー: `valdate` というサブコマンドはない",
        ),
        (
            &[("LANG", "ja_JP.UTF-8")],
            &["run", "--format", "xml"],
            "エラー: `--format <FORMAT>` に `xml` は指定できない\n  [指定できる値: `table`、`json`、`markdown`、`junit`、",
        ),
        (
            &[],
            &["--lang=ja", "validate", "--now", "yesterday"],
            "エラー: `--now <NOW>` の値 `yesterday` は使えない。RFC 3339 形式の日時で指定する",
        ),
        (
            &[("LC_ALL", "ja_JP.UTF-8")],
            &["history", "--no-such-flag"],
            "エラー: `--no-such-flag` という引数はない",
        ),
    ];
    for (env, args, expected) in cases {
        let mut cmd = vendor_audit();
        cmd.args(*args);
        for (k, v) in *env {
            cmd.env(k, v);
        }
        let (code, stdout, stderr) = run(&mut cmd);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{stdout}");
        assert!(
            stderr.contains(expected),
            "{args:?}: expected `{expected}` in:\n{stderr}"
        );
        assert!(stderr.contains("詳しくは `--help` を参照。"), "{stderr}");
        assert!(
            !stderr.contains("Usage:") && !stderr.contains("error:"),
            "{stderr}"
        );
        assert_no_english("clap error", &stderr, &[]);
    }
    // Without Japanese asked for, clap's own English.
    let (code, _, stderr) = run(vendor_audit().args(["run", "--formt", "json"]));
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("error: unexpected argument '--formt' found"),
        "{stderr}"
    );
}

#[test]
fn our_own_command_errors_are_japanese() {
    let dir = files(&[("vendors.toml", "[[vendor]]\nid = \"a\"\n")]);
    let inventory = dir.path().join("vendors.toml");
    let missing = dir.path().join("none.db");
    let cases: Vec<(Vec<&std::ffi::OsStr>, &str)> = vec![
        (
            vec!["assess".as_ref(), "--lang".as_ref(), "ja".as_ref()],
            "(command line):1:1: エラー: 対象がない: --host、--tls、--form、--targets FILE のいずれかで少なくとも一つ指定する",
        ),
        (
            vec![
                "run".as_ref(),
                "--lang".as_ref(),
                "ja".as_ref(),
                "--vendor".as_ref(),
                "b".as_ref(),
                "--config".as_ref(),
                inventory.as_os_str(),
            ],
            "に委託先 `b` はない（記載されている委託先: a）",
        ),
        (
            vec![
                "history".as_ref(),
                "--lang".as_ref(),
                "ja".as_ref(),
                "--db".as_ref(),
                missing.as_os_str(),
            ],
            "に監査履歴がない: `vendor-audit run` が作成する（または --db FILE で指定する）",
        ),
        (
            vec![
                "checks".as_ref(),
                "show".as_ref(),
                "no-such-check".as_ref(),
                "--lang".as_ref(),
                "ja".as_ref(),
            ],
            "vendor-audit: `no-such-check` というチェックはない（一覧は `vendor-audit checks list`）",
        ),
        (
            vec![
                "validate".as_ref(),
                "--lang".as_ref(),
                "ja".as_ref(),
                "--config".as_ref(),
                missing.as_os_str(),
            ],
            "none.db:1:1: エラー: 委託先一覧を読み込めない（ファイルがない）",
        ),
    ];
    for (args, expected) in cases {
        let (code, _, stderr) = run(vendor_audit().args(&args));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{args:?}: expected `{expected}` in:\n{stderr}"
        );
        assert_glossary_terms("command error", &stderr);
        assert_no_english("command error", &stderr, &[]);
    }
}

#[test]
fn the_grade_formula_and_the_annex_use_the_glossary_and_no_english() {
    let (code, formula, _) = run(vendor_audit()
        .args(["checks", "grading"])
        .env("LANG", "ja_JP.UTF-8"));
    assert_eq!(code, 0);
    assert!(formula.starts_with("委託先の評価の計算方法"), "{formula}");
    assert!(formula.contains("重大 40 点"), "{formula}");
    assert!(
        formula.contains("重大度「重大」のチェックが不合格"),
        "{formula}"
    );
    assert_glossary_terms("checks grading", &formula);
    assert_no_english("checks grading", &formula, &[]);

    for format in ["markdown", "html"] {
        let (code, annex, _) =
            run(vendor_audit().args(["requirements", "--lang", "ja", "--format", format]));
        assert_eq!(code, 0);
        assert!(annex.contains("（重大度 "), "{annex}");
        assert!(annex.contains("記載のチェックにすべて合格"), "{annex}");
        assert_glossary_terms("requirements", &annex);
        // HTML markup is not prose: its tags and attributes are identifiers.
        let text: String = if format == "html" {
            strip_tags(&annex)
        } else {
            annex.clone()
        };
        assert_no_english("requirements", &text, &[]);
    }
}

/// A run that probes nothing (the vendor has only an annual report): its table's summary lines
/// and its grade explanation, in Japanese.
#[test]
fn the_table_summary_and_the_grade_explanation_are_japanese() {
    let dir = files(&[
        (
            "vendors.toml",
            "[[vendor]]\nid = \"machi\"\nname = \"Machi Web Solutions\"\nreport = \"r.toml\"\n",
        ),
        (
            "r.toml",
            "vendor = \"machi\"\nfiscal_year = 2025\nsubmitted = 2025-05-01\n[controls]\n\"remote_access.no_public_rdp\" = true\n",
        ),
    ]);
    let (code, stdout, stderr) = run(vendor_audit()
        .args([
            "run",
            "--no-history",
            "--explain",
            "--now",
            "2026-11-26T12:00:00+09:00",
        ])
        .arg("--config")
        .arg(dir.path().join("vendors.toml"))
        .env("LANG", "ja_JP.UTF-8"));
    assert!(code == 0 || code == 1, "{stderr}");
    assert_glossary_terms("run table", &stdout);
    let summary = summary_lines(&stdout);
    assert!(summary.contains("管理項目: 申告と矛盾 "), "{stdout}");
    assert!(summary.contains("監査実行"), "{stdout}");
    assert_no_english("summary", &summary, &[]);
    let explained = stdout
        .split("の評価:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no explanation in:\n{stdout}"));
    assert!(explained.contains("点から:"), "{explained}");
    assert!(explained.contains("上限 "), "{explained}");
    assert_no_english("--explain", explained, &["Machi Web Solutions"]);
    let headline = stdout
        .lines()
        .find(|l| l.starts_with("評価 "))
        .unwrap_or_else(|| panic!("no grade line in:\n{stdout}"));
    assert_no_english("grade headline", headline, &[]);
    assert!(stdout.contains("(過年度、2025 年度)"), "{stdout}");
}

/// The demo in Japanese: its banner, and nothing in its table uses a term the glossary replaced.
/// Loopback only (127.0.0.31-36, as tests/demo.rs).
#[test]
fn the_demo_banner_is_japanese() {
    let (code, stdout, stderr) = run(vendor_audit().args(["demo", "--lang", "ja"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.starts_with("vendor-audit demo: ループバック上の模擬サーバー\n"),
        "{stderr}"
    );
    assert!(stderr.contains("判定の基準時刻: "), "{stderr}");
    assert!(stderr.contains("パスワードなしの VNC"), "{stderr}");
    assert_glossary_terms("demo banner", &stderr);
    assert_no_english("demo banner", &stderr, &[]);
    assert_glossary_terms("demo table", &stdout);
    let summary = summary_lines(&stdout);
    assert!(!summary.is_empty(), "{stdout}");
    assert_no_english("demo summary", &summary, &[]);
    for line in stdout
        .lines()
        .filter(|l| l.starts_with("評価 ") || l.starts_with('('))
    {
        assert_no_english("demo headline or note", line, &[]);
    }
}

/// The text of an HTML page: its `<style>` and tags left out.
fn strip_tags(html: &str) -> String {
    let html = match (html.find("<style>"), html.find("</style>")) {
        (Some(a), Some(b)) if a < b => format!("{}{}", &html[..a], &html[b..]),
        _ => html.to_owned(),
    };
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[test]
fn the_scanner_finds_english_prose_and_lets_identifiers_be() {
    assert_eq!(
        english_leaks("（Remote Desktop (RDP) is reachable）"),
        Vec::<String>::new(),
        "RDP in parentheses breaks the run: two words, then two"
    );
    assert_eq!(
        english_leaks("検出事項: no report at reports/x.toml, finding report-missing"),
        vec!["no report at".to_owned()]
    );
    assert_eq!(
        english_leaks("SSH answered on port 22: SSH-2.0-OpenSSH_9.2p1"),
        vec!["answered on port".to_owned()]
    );
    for fine in [
        "vendors.toml:3:1: エラー（`vendor[0].host`）: キー `host` は使えない",
        "TLS 1.0 の RC4 と 3DES",
        "--format json または markdown で確認できる",
        "評価 F（点数 12）",
        "（原文: \"cannot read it: No such file or directory (os error 2)\"）",
        "https://apply.machi-web.example:8443/voucher/apply の HTTP ヘッダー",
        "vendor-audit demo: ループバック上の模擬サーバー",
    ] {
        assert_eq!(english_leaks(fine), Vec::<String>::new(), "{fine}");
    }
    assert_eq!(
        english_leaks_allowing(
            "Machi Web Solutions (machi) の評価",
            &["Machi Web Solutions"]
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        english_leaks("the report is for fiscal year 2025"),
        vec!["the report is for fiscal year".to_owned()]
    );
}

/// The whole demo report in Japanese, every finding message, verdict reason, heading and note of
/// it (Markdown: no table wrapping splits a sentence): no English sentence, glossary terms only.
/// The only English allowed is data: the vendors' names from the inventory, and what servers and
/// the operating system said, which the messages quote.
#[test]
fn the_whole_demo_report_is_japanese() {
    let (code, stdout, stderr) =
        run(vendor_audit().args(["demo", "--lang", "ja", "--format", "markdown", "--explain"]));
    assert_eq!(code, 0, "{stderr}");
    assert_glossary_terms("demo markdown", &stdout);
    let names = [
        "Health Promotion Foundation",
        "Machi Web Solutions",
        "Sakura Printing (notices mail-out)",
        // The organisation of the demo's CA, quoted from the certificates' DNs.
        "vendor-audit demo (made at start)",
    ];
    assert_no_english("demo markdown", &stdout, &names);
    // The same run in the table, with colour off and at 200 columns so no cell wraps.
    let (_, table, _) = run(vendor_audit()
        .args(["demo", "--lang", "ja", "--color", "never"])
        .env("COLUMNS", "200"));
    assert_glossary_terms("demo table", &table);
    assert_no_english("demo table", &table, &names);
}
