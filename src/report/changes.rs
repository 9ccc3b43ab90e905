//! `diff` and `history` for terminals and machines: the changes between two runs (regressions,
//! fixed, verdict and status changes) and one line per run and vendor. Render only.

use serde::Serialize;

use super::layout::{self, Text};
use super::{pick, severity_word, status_word, verdict_word};
use crate::catalog::Lang;
use crate::history::diff::{Changes, ControlChange, FindingChange};
use crate::history::RunVendorRow;
use crate::results::{Status, Verdict};

/// The JSON of `diff` (SPEC §8 keys).
pub fn diff_json(changes: &Changes) -> String {
    serde_json::to_string_pretty(changes).unwrap_or_default() + "\n"
}

/// A finding's state as `diff` names it (`pass`, `fail`, `waived`, ...), for people.
fn state(s: Option<&str>, lang: Lang) -> &str {
    let status = |st: Status| status_word(st, lang);
    match (s, lang) {
        (None, _) => "—",
        (Some(s), Lang::En) => s,
        (Some("waived"), Lang::Ja) => "不合格（例外承認済み）",
        (Some("pass"), Lang::Ja) => status(Status::Pass),
        (Some("fail"), Lang::Ja) => status(Status::Fail),
        (Some("error"), Lang::Ja) => status(Status::Error),
        (Some("skipped"), Lang::Ja) => status(Status::Skipped),
        (Some(s), Lang::Ja) => s,
    }
}

/// A verdict as `diff` names it (`verified`, ...), for people.
fn verdict(s: Option<&str>, lang: Lang) -> &str {
    let all = [
        Verdict::Verified,
        Verdict::Contradicted,
        Verdict::Admitted,
        Verdict::Undeclared,
        Verdict::Unverifiable,
    ];
    match s {
        None => "—",
        Some(name) => all
            .into_iter()
            .find(|v| v.name() == name)
            .map_or(name, |v| verdict_word(v, lang)),
    }
}

fn finding_table(title: &str, list: &[FindingChange], width: u16, lang: Lang) -> String {
    if list.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<Text>> = list
        .iter()
        .map(|c| {
            vec![
                Text::plain(&c.vendor),
                Text::plain(severity_word(c.severity, lang)),
                Text::plain(format!("{}\n{}", c.check, c.target)),
                Text::plain(format!(
                    "{} → {}",
                    state(c.before, lang),
                    state(c.after, lang)
                )),
                Text::plain(pick(&c.message, &c.message_ja, lang)),
            ]
        })
        .collect();
    let header = match lang {
        Lang::En => [
            "vendor",
            "severity",
            "check, target",
            "before → after",
            "now",
        ],
        Lang::Ja => ["委託先", "重大度", "チェック・対象", "前 → 後", "現在"],
    };
    format!(
        "{title} ({})\n{}\n",
        list.len(),
        layout::table(&header, &rows, width, false)
    )
}

fn control_table(list: &[ControlChange], width: u16, lang: Lang) -> String {
    if list.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<Text>> = list
        .iter()
        .map(|c| {
            vec![
                Text::plain(&c.vendor),
                Text::plain(&c.control),
                Text::plain(format!(
                    "{} → {}",
                    verdict(c.before, lang),
                    verdict(c.after, lang)
                )),
                Text::plain(pick(&c.reason, &c.reason_ja, lang)),
            ]
        })
        .collect();
    let header = match lang {
        Lang::En => ["vendor", "control", "before → after", "why"],
        Lang::Ja => ["委託先", "管理項目", "前 → 後", "根拠"],
    };
    format!(
        "{} ({})\n{}\n",
        pick("Verdict changes", "判定の変化", lang),
        list.len(),
        layout::table(&header, &rows, width, false)
    )
}

/// The table of `diff`: one section per kind of change, and a line that says what was compared.
pub fn diff_table(changes: &Changes, width: u16, lang: Lang) -> String {
    let mut out = match lang {
        Lang::En => format!("from run {} to run {}\n\n", changes.from, changes.to),
        Lang::Ja => format!(
            "監査実行 {} から監査実行 {} への変化\n\n",
            changes.from, changes.to
        ),
    };
    out.push_str(&finding_table(
        pick("Regressions", "新たな不合格", lang),
        &changes.regressions,
        width,
        lang,
    ));
    out.push_str(&finding_table(
        pick("Fixed", "解消", lang),
        &changes.fixed,
        width,
        lang,
    ));
    out.push_str(&control_table(&changes.verdict_changes, width, lang));
    out.push_str(&finding_table(
        pick("Status changes", "判定結果の変化", lang),
        &changes.status_changes,
        width,
        lang,
    ));
    if changes.is_empty() {
        out.push_str(pick(
            "no change in any finding or verdict\n",
            "検出事項にも判定にも変化なし\n",
            lang,
        ));
    }
    for (which, list) in [
        (&changes.from, &changes.vendors_only_in_from),
        (&changes.to, &changes.vendors_only_in_to),
    ] {
        if !list.is_empty() {
            out.push_str(&match lang {
                Lang::En => format!(
                    "only run {which} covered {} (not compared)\n",
                    list.join(", ")
                ),
                Lang::Ja => format!(
                    "{} は監査実行 {which} にのみ含まれる（比較していない）\n",
                    list.join("、")
                ),
            });
        }
    }
    let (r, f, v, s) = (
        changes.regressions.len(),
        changes.fixed.len(),
        changes.verdict_changes.len(),
        changes.status_changes.len(),
    );
    out.push_str(&match lang {
        Lang::En => format!(
            "{}, {f} fixed, {}, {}\n",
            count(r, "regression"),
            count(v, "verdict change"),
            count(s, "status change"),
        ),
        Lang::Ja => {
            format!("新たな不合格 {r} 件、解消 {f} 件、判定の変化 {v} 件、判定結果の変化 {s} 件\n")
        }
    });
    out
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

#[derive(Serialize)]
struct HistoryDoc<'a> {
    schema: &'static str,
    runs: &'a [RunVendorRow],
}

/// The JSON of `history`.
pub fn history_json(rows: &[RunVendorRow]) -> String {
    serde_json::to_string_pretty(&HistoryDoc {
        schema: "vendor-audit/history-v1",
        runs: rows,
    })
    .unwrap_or_default()
        + "\n"
}

/// The table of `history`: one row per run and vendor, newest first.
pub fn history_table(rows: &[RunVendorRow], width: u16, lang: Lang) -> String {
    if rows.is_empty() {
        return pick(
            "no runs in the history yet\n",
            "履歴にはまだ監査実行がない\n",
            lang,
        )
        .to_owned();
    }
    let mut table: Vec<Vec<Text>> = Vec::new();
    for r in rows {
        let n = |s: &str| r.failures.get(s).copied().unwrap_or(0);
        let changes = match &r.changes {
            None => pick("first run", "初回", lang).to_owned(),
            Some(c) if c.regressions + c.fixed + c.verdict_changes + c.status_changes == 0 => {
                pick("no change", "変化なし", lang).to_owned()
            }
            Some(c) => {
                let mut parts = Vec::new();
                for (count, en, ja) in [
                    (c.regressions, "new fail", "新たな不合格"),
                    (c.fixed, "fixed", "解消"),
                    (c.verdict_changes, "verdict", "判定の変化"),
                    (c.status_changes, "status", "判定結果の変化"),
                ] {
                    if count > 0 {
                        parts.push(match lang {
                            Lang::En => format!("{count} {en}"),
                            Lang::Ja => format!("{ja} {count} 件"),
                        });
                    }
                }
                parts.join(pick(", ", "、", lang))
            }
        };
        let kind = if r.kind == "run" {
            String::new()
        } else {
            format!("\n({})", r.kind)
        };
        let grade = match (&r.grade, r.score) {
            (Some(g), Some(s)) => format!("{g} {s}"),
            _ => "-".to_owned(),
        };
        table.push(vec![
            Text::plain(format!("{}{kind}", r.run)),
            Text::plain(&r.vendor),
            Text::plain(grade),
            Text::plain(format!(
                "{}/{}/{}/{}",
                n("critical"),
                n("high"),
                n("medium"),
                n("low")
            )),
            Text::plain(r.errors.to_string()),
            Text::plain(r.contradicted.to_string()),
            Text::plain(changes),
        ]);
    }
    let header = match lang {
        Lang::En => [
            "run (starts with\nits UTC time)",
            "vendor",
            "grade",
            "fail\nC/H/M/L",
            "error",
            "contra-\ndicted",
            "since its previous run",
        ],
        Lang::Ja => [
            "監査実行（先頭は\nUTC の時刻）",
            "委託先",
            "評価",
            "不合格\n重大/高/中/低",
            "判定不能",
            "申告と\n矛盾",
            "前回の監査実行からの変化",
        ],
    };
    format!("{}\n", layout::table(&header, &table, width, false))
}
