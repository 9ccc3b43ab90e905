//! HTML report (`--format html`): one self-contained page for people who are sent the report by
//! mail: inline CSS and SVG only, no script, nothing fetched. Per vendor its grade, failures by
//! severity, its score's trend, the declared-vs-observed verdicts, and each finding with its fix.

use std::fmt::Write;

use super::{
    declared_word, errors_text, pick, report_word, rows, severity_word, status_word, verdict_word,
    Extras, Row,
};
use crate::catalog::{Lang, Severity};
use crate::grade::{Confidence, Grade};
use crate::history::ScorePoint;
use crate::msgs::html::escape as esc;
use crate::results::{Finding, RunReport, Status, VendorResult, Verdict};

/// How many earlier runs a trend shows at most (the caller reads this many from the history).
pub const TREND_RUNS: usize = 19;

/// The severities of the failure bar, most severe first.
const BAR_SEVERITIES: [Severity; 4] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
];

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI','Noto Sans','Noto Sans CJK JP',sans-serif;color:#1f2328;max-width:62em;margin:1.5em auto;padding:0 1em;line-height:1.45}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.3em;margin:0}h3{font-size:1.05em;margin:1.4em 0 .4em}
.meta{color:#57606a;font-size:.9em}
table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{border:1px solid #d0d7de;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f6f8fa}
code{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:.9em;background:#f6f8fa;padding:0 .2em;border-radius:3px;overflow-wrap:anywhere}
pre{background:#f6f8fa;padding:.6em;overflow-x:auto;font-size:.85em;white-space:pre-wrap}
section.vendor{border:1px solid #d0d7de;border-radius:8px;padding:1em 1.2em;margin:1.5em 0}
.head{display:flex;gap:1.2em;align-items:center;flex-wrap:wrap;margin-bottom:.6em}
.grade{font-size:2.6em;font-weight:700;color:#fff;width:1.6em;height:1.6em;line-height:1.6em;text-align:center;border-radius:8px}
.badge{color:#fff;font-weight:700;padding:0 .45em;border-radius:3px}
.score{font-size:1.6em;font-weight:600}.score small{font-size:.55em;color:#57606a}
.g-A{background:#1a7f37}.g-B{background:#4f9a2e}.g-C{background:#b58900}.g-D{background:#d4620b}.g-E{background:#c93c1f}.g-F{background:#a40e26}
.sevbar{display:block;width:100%;max-width:32em;height:18px;border-radius:3px}
ul.sevcounts{list-style:none;padding:0;margin:.4em 0;display:flex;gap:1.2em;flex-wrap:wrap}
ul.sevcounts i{display:inline-block;width:.8em;height:.8em;margin-right:.3em;border-radius:2px}
.s-critical{background:#a40e26}.s-high{background:#d4620b}.s-medium{background:#b58900}.s-low{background:#6e7781}
.v-contradicted{color:#a40e26;font-weight:700}.v-verified{color:#1a7f37}.v-admitted{color:#9a6700}
.finding{border-left:4px solid #d0d7de;padding:.3em .8em;margin:.8em 0;background:#fcfcfd}
.finding.fail{border-color:#a40e26}.finding.error{border-color:#8250df}.finding.waived{border-color:#6e7781}
.finding h4{margin:.1em 0 .3em;font-size:1em}
.tag{display:inline-block;font-size:.8em;padding:0 .45em;border-radius:3px;background:#eaeef2;margin-right:.3em}
.tag.fail{background:#ffebe9;color:#a40e26;font-weight:700}.tag.error{background:#fbefff;color:#8250df}
dl.evidence{display:grid;grid-template-columns:max-content 1fr;gap:.1em .8em;margin:.4em 0;font-size:.88em}
dl.evidence dt{color:#57606a}dl.evidence dd{margin:0;overflow-wrap:anywhere}
.fix{background:#dafbe1;padding:.3em .6em;border-radius:4px;margin:.4em 0}
.msg{margin:.3em 0;white-space:pre-line}
svg.trend{display:block;max-width:100%}
details summary{cursor:pointer;margin:.6em 0}
";

/// The report as one self-contained HTML page.
pub fn render(report: &RunReport, lang: Lang, extras: Extras) -> String {
    let title = pick("vendor-audit report", "vendor-audit 監査結果", lang);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} {}</title>\n<style>{STYLE}</style></head><body>\n",
        pick("en", "ja", lang),
        esc(title),
        esc(&report.run.id)
    );
    let _ = write!(
        out,
        "<h1>{}</h1>\n<p class=\"meta\">{} <code>{}</code> · {} {} · {}</p>\n",
        esc(title),
        pick("run", "監査実行", lang),
        esc(&report.run.id),
        pick("judged at", "判定時刻", lang),
        esc(&report.run.now),
        esc(&report.run.tool)
    );
    out.push_str(&overview(report, lang));
    for v in &report.vendors {
        out.push_str(&vendor_section(v, report, lang, extras));
    }
    out.push_str(&summary(report, lang));
    out.push_str("</body></html>\n");
    out
}

fn grade_class(grade: Grade) -> &'static str {
    match grade {
        Grade::A => "g-A",
        Grade::B => "g-B",
        Grade::C => "g-C",
        Grade::D => "g-D",
        Grade::E => "g-E",
        Grade::F => "g-F",
    }
}

/// The anchor of a vendor's section.
fn anchor(v: &VendorResult) -> String {
    let safe: String =
        v.id.chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
    format!("v-{safe}")
}

/// One line per vendor: its grade, score and failures, linking to its section.
fn overview(report: &RunReport, lang: Lang) -> String {
    let mut out = format!(
        "<table class=\"overview\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>\n",
        pick("Vendor", "委託先", lang),
        pick("Grade", "評価", lang),
        pick("Score", "点数", lang),
        pick("Failures", "不合格", lang),
        pick("Contradicted declarations", "申告と矛盾", lang),
    );
    for v in &report.vendors {
        let failing = v
            .findings
            .iter()
            .filter(|f| f.status == Status::Fail && !f.waived)
            .count();
        let contradicted = v
            .controls
            .iter()
            .filter(|c| c.verdict == Verdict::Contradicted)
            .count();
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#{}\">{}</a></td><td><span class=\"badge {}\">{}</span></td><td>{}</td><td>{failing}</td><td>{contradicted}</td></tr>",
            anchor(v),
            esc(&v.name),
            grade_class(v.grade),
            v.grade,
            v.score
        );
    }
    out.push_str("</table>\n");
    out
}

fn vendor_section(v: &VendorResult, report: &RunReport, lang: Lang, extras: Extras) -> String {
    let mut out = format!(
        "<section class=\"vendor\" id=\"{}\">\n<div class=\"head\"><div class=\"grade {}\" title=\"{}\">{}</div>\
         <div><h2>{}</h2><div class=\"meta\"><code>{}</code></div></div>\
         <div class=\"score\">{}<small> / 100</small></div></div>\n",
        anchor(v),
        grade_class(v.grade),
        esc(&crate::grade::headline(&v.grading, lang)),
        v.grade,
        esc(&v.name),
        esc(&v.id),
        v.score
    );
    if v.grading.confidence == Confidence::Partial {
        let _ = writeln!(
            out,
            "<p class=\"meta\">{}</p>",
            esc(&match lang {
                Lang::En => format!(
                    "Confidence partial: {} of {} checks could not be judged (not counted as passes).",
                    v.grading.unjudged,
                    v.grading.judged + v.grading.unjudged
                ),
                Lang::Ja => format!(
                    "信頼度: 部分的（{} 件中 {} 件のチェックが判定できず、合格とは数えていない）",
                    v.grading.judged + v.grading.unjudged,
                    v.grading.unjudged
                ),
            })
        );
    }
    let fy = v
        .report
        .fiscal_year
        .map(|y| match lang {
            Lang::En => format!(", FY{y}"),
            Lang::Ja => format!("、{y} 年度"),
        })
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "<p>{}: <code>{}</code> ({}{})</p>",
        pick("Annual report", "年次報告書", lang),
        esc(v.report.path.as_deref().unwrap_or("-")),
        esc(report_word(v.report.status, lang)),
        esc(&fy)
    );
    out.push_str(&severity_bar(v, lang));
    out.push_str(&trend(v, report, lang, extras));
    out.push_str(&verdicts(v, lang));
    out.push_str(&findings(v, lang, extras));
    let _ = write!(
        out,
        "<h3>{}</h3>\n<pre class=\"explain\">{}</pre>\n</section>\n",
        pick("How the grade was reached", "評価の内訳", lang),
        esc(&crate::grade::explain(&v.grading, lang))
    );
    out
}

/// Unwaived failures by severity: a stacked bar (inline SVG) and the counts as text.
fn severity_bar(v: &VendorResult, lang: Lang) -> String {
    let counts: Vec<(Severity, usize)> = BAR_SEVERITIES
        .iter()
        .map(|s| {
            let n = v
                .findings
                .iter()
                .filter(|f| f.status == Status::Fail && !f.waived && f.severity == *s)
                .count();
            (*s, n)
        })
        .collect();
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    let mut out = format!(
        "<h3>{}</h3>\n",
        pick("Failures by severity", "重大度別の不合格", lang)
    );
    const WIDTH: usize = 400;
    let _ = write!(
        out,
        "<svg class=\"sevbar\" viewBox=\"0 0 {WIDTH} 18\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{}\">",
        esc(pick("failures by severity", "重大度別の不合格", lang))
    );
    if total == 0 {
        let _ = write!(
            out,
            "<rect x=\"0\" y=\"0\" width=\"{WIDTH}\" height=\"18\" fill=\"#dafbe1\"/>"
        );
    }
    // Each segment ends where the failures so far end, so rounding never leaves a gap.
    let (mut x, mut so_far) = (0, 0);
    for (s, n) in &counts {
        so_far += n;
        let end = (so_far * WIDTH).checked_div(total).unwrap_or(0);
        if *n > 0 && end > x {
            let _ = write!(
                out,
                "<rect class=\"s-{}\" x=\"{x}\" y=\"0\" width=\"{}\" height=\"18\" fill=\"{}\"/>",
                s.name(),
                end - x,
                severity_colour(*s)
            );
        }
        x = end;
    }
    out.push_str("</svg>\n<ul class=\"sevcounts\">");
    for (s, n) in &counts {
        let _ = write!(
            out,
            "<li><i class=\"s-{}\"></i>{} {n}</li>",
            s.name(),
            esc(severity_word(*s, lang))
        );
    }
    let errors = v
        .findings
        .iter()
        .filter(|f| f.status == Status::Error)
        .count();
    if errors > 0 {
        let _ = write!(
            out,
            "<li>{} {errors}</li>",
            esc(status_word(Status::Error, lang))
        );
    }
    out.push_str("</ul>\n");
    out
}

fn severity_colour(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "#a40e26",
        Severity::High => "#d4620b",
        Severity::Medium => "#b58900",
        Severity::Low | Severity::Info => "#6e7781",
    }
}

/// The vendor's score over its earlier graded runs and this one, as an inline-SVG line chart;
/// in words when there is no history or no earlier run.
fn trend(v: &VendorResult, report: &RunReport, lang: Lang, extras: Extras) -> String {
    let mut out = format!("<h3>{}</h3>\n", pick("Score over time", "点数の推移", lang));
    let Some(trends) = extras.trends else {
        let _ = writeln!(
            out,
            "<p class=\"meta\">{}</p>",
            pick(
                "No trend: this run is not stored in a history.",
                "推移なし: この監査実行は履歴に保存されていない。",
                lang
            )
        );
        return out;
    };
    let mut points: Vec<ScorePoint> = trends.get(&v.id).cloned().unwrap_or_default();
    points.push(ScorePoint {
        run: report.run.id.clone(),
        started_at: report.run.started_at.clone(),
        now: report.run.now.clone(),
        score: v.score,
        grade: v.grade.name().to_owned(),
    });
    if points.len() < 2 {
        let _ = writeln!(
            out,
            "<p class=\"meta\">{}</p>",
            pick(
                "No trend yet: this is the vendor's first graded run in the history.",
                "推移なし: 履歴にある評価済みの監査実行はこれが最初。",
                lang
            )
        );
        return out;
    }
    out.push_str(&trend_svg(&points, lang));
    out
}

/// A line chart of `points` (at least two): score 0-100 upwards, runs left to right, the
/// letter bands as faint lines.
fn trend_svg(points: &[ScorePoint], lang: Lang) -> String {
    const W: u32 = 480;
    const H: u32 = 210;
    const LEFT: u32 = 34;
    const RIGHT: u32 = 16;
    const TOP: u32 = 10;
    const BOTTOM: u32 = 28;
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let y = |score: u32| TOP + (100 - score.min(100)) * plot_h / 100;
    let steps = u32::try_from(points.len().saturating_sub(1))
        .unwrap_or(1)
        .max(1);
    let x = |i: usize| LEFT + u32::try_from(i).unwrap_or(0) * plot_w / steps;
    let label = match lang {
        Lang::En => format!("score over the last {} runs", points.len()),
        Lang::Ja => format!("直近 {} 回の点数の推移", points.len()),
    };
    let mut out = format!(
        "<svg class=\"trend\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{}\" font-size=\"10\" font-family=\"sans-serif\">",
        esc(&label)
    );
    for (grade, lowest) in crate::grade::BANDS.iter().filter(|(_, l)| *l > 0) {
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{yy}\" y2=\"{yy}\" stroke=\"#d0d7de\" stroke-dasharray=\"3 3\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#57606a\">{grade} {lowest}</text>",
            W - RIGHT,
            LEFT - 4,
            y(*lowest) + 3,
            yy = y(*lowest)
        );
    }
    let _ = write!(
        out,
        "<line x1=\"{LEFT}\" x2=\"{LEFT}\" y1=\"{TOP}\" y2=\"{}\" stroke=\"#8c959f\"/>",
        TOP + plot_h
    );
    let line: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{},{}", x(i), y(p.score)))
        .collect();
    let _ = write!(
        out,
        "<polyline fill=\"none\" stroke=\"#0969da\" stroke-width=\"2\" points=\"{}\"/>",
        line.join(" ")
    );
    for (i, p) in points.iter().enumerate() {
        let _ = write!(
            out,
            "<circle class=\"point\" cx=\"{}\" cy=\"{}\" r=\"4\" fill=\"#0969da\"><title>{} · {} {} · {}</title></circle>",
            x(i),
            y(p.score),
            esc(&p.run),
            esc(&p.grade),
            p.score,
            esc(&p.now)
        );
    }
    // The first and the last run's judging day under the axis, the last run's score beside it.
    for i in [0, points.len().saturating_sub(1)] {
        let Some(p) = points.get(i) else { continue };
        let day: String = p.now.chars().take(10).collect();
        let anchor = if i == 0 { "start" } else { "end" };
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\" fill=\"#57606a\">{}</text>",
            x(i),
            H - 10,
            esc(&day)
        );
    }
    out.push_str("</svg>\n");
    let scores: Vec<String> = points
        .iter()
        .map(|p| format!("{} {}", p.grade, p.score))
        .collect();
    let _ = writeln!(
        out,
        "<p class=\"meta\">{}: {}</p>",
        esc(&label),
        esc(&scores.join(" → "))
    );
    out
}

fn verdicts(v: &VendorResult, lang: Lang) -> String {
    let mut out = format!(
        "<h3>{}</h3>\n",
        pick("Declared and observed", "申告と観測結果", lang)
    );
    if v.controls.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"meta\">{}</p>",
            pick("No control was judged.", "判定した管理項目はない。", lang)
        );
        return out;
    }
    let _ = writeln!(
        out,
        "<table class=\"verdicts\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        pick("Control", "管理項目", lang),
        pick("Declared", "申告", lang),
        pick("Verdict", "判定", lang),
        pick("Because", "根拠", lang)
    );
    for c in &v.controls {
        let _ = writeln!(
            out,
            "<tr><td>{}<br><code>{}</code></td><td>{}</td><td class=\"v-{}\">{}</td><td>{}</td></tr>",
            esc(text_in(&c.title, &c.title_ja, lang)),
            esc(&c.control),
            esc(declared_word(c.declared, lang)),
            c.verdict.name(),
            esc(verdict_word(c.verdict, lang)),
            esc(c.reason_in(lang))
        );
    }
    out.push_str("</table>\n");
    out
}

/// The Japanese text when there is one, else the English.
fn text_in<'a>(en: &'a str, ja: &'a str, lang: Lang) -> &'a str {
    if ja.is_empty() {
        en
    } else {
        pick(en, ja, lang)
    }
}

/// Failures first (the most severe first, waived ones after), then what could not be judged
/// (one card per target and cause), then the passes, folded.
fn findings(v: &VendorResult, lang: Lang, extras: Extras) -> String {
    let mut out = format!("<h3>{}</h3>\n", pick("Findings", "検出事項", lang));
    let mut failed: Vec<&Finding> = v
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail)
        .collect();
    failed.sort_by_key(|f| (f.waived, std::cmp::Reverse(f.severity)));
    let mut cards = 0;
    for f in &failed {
        out.push_str(&finding_card(f, lang, extras));
        cards += 1;
    }
    let mut passed: Vec<&Finding> = Vec::new();
    for row in rows(&v.findings, lang) {
        match row {
            Row::Errors { target, reasons } => {
                out.push_str(&errors_card(target, &reasons, lang));
                cards += 1;
            }
            Row::One(f) if f.status == Status::Error => {
                out.push_str(&finding_card(f, lang, extras));
                cards += 1;
            }
            Row::One(f) if f.status == Status::Pass => passed.push(f),
            Row::One(_) => {}
        }
    }
    if cards == 0 && passed.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"meta\">{}</p>",
            pick(
                "No check applied to this vendor's assets.",
                "この委託先の資産に該当するチェックはない。",
                lang
            )
        );
    }
    if !passed.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>{}</summary>\n<table class=\"passes\"><tr><th>{}</th><th>{}</th><th>{}</th></tr>",
            esc(&match lang {
                Lang::En => format!("{} passed", passed.len()),
                Lang::Ja => format!("合格 {} 件", passed.len()),
            }),
            pick("Target", "対象", lang),
            pick("Check", "チェック", lang),
            pick("Observed", "観測結果", lang)
        );
        for f in passed {
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td><code>{}</code> {}</td><td>{}</td></tr>",
                esc(&f.target),
                esc(&f.check),
                esc(text_in(&f.title, &f.title_ja, lang)),
                esc(f.message_in(lang))
            );
        }
        out.push_str("</table></details>\n");
    }
    let skipped = v
        .findings
        .iter()
        .filter(|f| f.status == Status::Skipped)
        .count();
    if skipped > 0 {
        let _ = writeln!(
            out,
            "<p class=\"meta\">{}</p>",
            esc(&match lang {
                Lang::En => format!("{skipped} check(s) did not apply (skipped)."),
                Lang::Ja => format!("対象外のチェック {skipped} 件。"),
            })
        );
    }
    out
}

/// One failing (or waived, or singly undecided) finding: what, where, what was seen, the
/// evidence, and how to fix it.
fn finding_card(f: &Finding, lang: Lang, extras: Extras) -> String {
    let class = match (f.status, f.waived) {
        (_, true) => "waived",
        (Status::Error, _) => "error",
        _ => "fail",
    };
    let mut out = format!(
        "<div class=\"finding {class}\"><h4><span class=\"tag {}\">{}</span><span class=\"tag s\">{}</span>{} <code>{}</code></h4>\n",
        if f.status == Status::Fail { "fail" } else { "error" },
        esc(status_word(f.status, lang)),
        esc(severity_word(f.severity, lang)),
        esc(text_in(&f.title, &f.title_ja, lang)),
        esc(&f.check)
    );
    let _ = writeln!(
        out,
        "<div>{}: <code>{}</code></div><p class=\"msg\">{}</p>",
        pick("Target", "対象", lang),
        esc(&f.target),
        esc(f.message_in(lang))
    );
    if let Some(w) = &f.waiver {
        let until = w.expires.as_deref().unwrap_or("-");
        let text = match (lang, w.expired) {
            (Lang::En, false) => format!("Waived until {until}: {}", w.reason),
            (Lang::En, true) => format!("Waiver expired on {until} (not applied): {}", w.reason),
            (Lang::Ja, false) => format!("例外承認済み（{until} まで）: {}", w.reason),
            (Lang::Ja, true) => {
                format!("例外承認の期限切れ（{until}、適用しない）: {}", w.reason)
            }
        };
        let _ = writeln!(out, "<p class=\"meta\">{}</p>", esc(&text));
    }
    if !f.evidence.is_empty() {
        out.push_str("<dl class=\"evidence\">");
        for (k, value) in &f.evidence {
            let _ = write!(
                out,
                "<dt>{}</dt><dd><code>{}</code></dd>",
                esc(k),
                esc(&value.display())
            );
        }
        out.push_str("</dl>\n");
    }
    let fix = extras
        .catalog
        .and_then(|c| c.check(&f.check))
        .map(|c| c.fix.get(lang).trim())
        .filter(|t| !t.is_empty());
    if let Some(fix) = fix {
        let _ = writeln!(
            out,
            "<div class=\"fix\"><b>{}</b> {}</div>",
            esc(pick("How to fix:", "対処:", lang)),
            esc(fix)
        );
    }
    out.push_str("</div>\n");
    out
}

/// The checks one target left undecided, each cause once (as the table has them).
fn errors_card(target: &str, reasons: &[(&str, Vec<&Finding>)], lang: Lang) -> String {
    let severity = reasons
        .iter()
        .flat_map(|(_, fs)| fs.iter().map(|f| f.severity))
        .max()
        .unwrap_or(Severity::Info);
    let mut out = format!(
        "<div class=\"finding error\"><h4><span class=\"tag error\">{}</span><span class=\"tag s\">{}</span><code>{}</code></h4>\n",
        esc(status_word(Status::Error, lang)),
        esc(severity_word(severity, lang)),
        esc(target)
    );
    let _ = writeln!(
        out,
        "<p class=\"msg\">{}</p>",
        esc(&errors_text(reasons, lang))
    );
    out.push_str("<ul>");
    for f in reasons.iter().flat_map(|(_, fs)| fs) {
        let _ = write!(
            out,
            "<li><code>{}</code> {}</li>",
            esc(&f.check),
            esc(text_in(&f.title, &f.title_ja, lang))
        );
    }
    out.push_str("</ul></div>\n");
    out
}

fn summary(report: &RunReport, lang: Lang) -> String {
    let s = &report.summary;
    let text = match lang {
        Lang::En => format!(
            "{} fail, {} error, {} pass, {} skipped ({} waived) · controls: {} contradicted, {} verified, {} admitted, {} undeclared, {} unverifiable",
            s.fail, s.error, s.pass, s.skipped, s.waived, s.contradicted, s.verified, s.admitted, s.undeclared, s.unverifiable
        ),
        Lang::Ja => format!(
            "不合格 {} ・判定不能 {} ・合格 {} ・対象外 {}（例外承認 {}）・管理項目: 申告と矛盾 {} ・確認済み {} ・未実施 {} ・未回答 {} ・確認不能 {}",
            s.fail, s.error, s.pass, s.skipped, s.waived, s.contradicted, s.verified, s.admitted, s.undeclared, s.unverifiable
        ),
    };
    format!("<p class=\"meta\">{}</p>\n", esc(&text))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::catalog::Catalog;
    use crate::fact::FactValue;
    use crate::history::Trends;
    use crate::results::*;

    const HOSTILE: &str = "<script>alert(1)</script><img src=\"http://evil.example/x.png\">";

    fn finding(check: &str, status: Status, severity: Severity, message: &str) -> Finding {
        Finding {
            check: check.into(),
            target: "host.example.lab:3389".into(),
            status,
            severity,
            title: format!("title of {check}"),
            title_ja: format!("{check} の表題"),
            message: message.into(),
            message_ja: format!("{message}（日本語）"),
            cause: None,
            control: Some("remote_access.no_public_rdp".into()),
            waived: false,
            waiver: None,
            evidence: BTreeMap::from([
                ("service.port".to_string(), FactValue::Int(3389)),
                ("service.banner".to_string(), FactValue::Str(HOSTILE.into())),
            ]),
        }
    }

    fn vendor(id: &str, name: &str, findings: Vec<Finding>) -> VendorResult {
        let rdp_fails = findings
            .iter()
            .any(|f| f.check == "rdp-exposed" && f.status == Status::Fail);
        VendorResult {
            id: id.into(),
            name: name.into(),
            grade: Default::default(),
            score: 0,
            report: ReportSummary {
                path: Some(format!("reports/{id}.toml")),
                status: ReportStatus::Current,
                fiscal_year: Some(2026),
            },
            findings,
            controls: vec![ControlVerdict {
                control: "remote_access.no_public_rdp".into(),
                declared: Some(true),
                verdict: if rdp_fails {
                    Verdict::Contradicted
                } else {
                    Verdict::Verified
                },
                checks: vec!["rdp-exposed".into()],
                title: "No RDP reachable from outside".into(),
                title_ja: "RDPを外部に公開していない".into(),
                reason: format!("rdp-exposed: {HOSTILE}"),
                reason_ja: format!("rdp-exposed の判定: {HOSTILE}"),
            }],
            assets: vec![],
            grading: Default::default(),
        }
        .graded()
    }

    fn run() -> RunReport {
        let vendors = vec![
            vendor(
                "bad",
                &format!("Evil {HOSTILE} Corp"),
                vec![
                    finding("rdp-exposed", Status::Fail, Severity::Critical, HOSTILE),
                    finding("vnc-exposed", Status::Fail, Severity::High, "VNC open"),
                    finding("ssh-exposed", Status::Pass, Severity::Medium, "no SSH seen"),
                ],
            ),
            vendor(
                "good",
                "Good Vendor",
                vec![finding(
                    "rdp-exposed",
                    Status::Pass,
                    Severity::Critical,
                    "no RDP seen",
                )],
            ),
        ];
        RunReport {
            schema: SCHEMA,
            run: RunInfo {
                id: "20261126T000000Z-0000".into(),
                started_at: "2026-11-26T00:00:00Z".into(),
                finished_at: "2026-11-26T00:00:03Z".into(),
                now: "2026-11-26T09:00:00+09:00".into(),
                tool: "vendor-audit test".into(),
                proxy: None,
                shard: None,
            },
            summary: Summary::of(&vendors),
            vendors,
        }
    }

    /// Every reference in a tag's attributes or in the style sheet that would fetch something:
    /// the report's text is escaped, so every `<` in the page opens a tag of the page's own.
    fn external_references(html: &str) -> Vec<String> {
        let mut found = Vec::new();
        let lower = html.to_ascii_lowercase();
        for tag in lower.split('<').skip(1).filter_map(|t| t.split('>').next()) {
            let name = tag.split_whitespace().next().unwrap_or("");
            if matches!(
                name,
                "script" | "link" | "img" | "iframe" | "object" | "embed"
            ) {
                found.push(format!("<{tag}>"));
            }
            for attr in ["src=", "href=", "action=", "srcset=", "poster="] {
                for (i, _) in tag.match_indices(attr) {
                    let value = tag[i + attr.len()..].trim_start_matches(['"', '\'']);
                    if !value.starts_with('#') {
                        found.push(format!("<{tag}>"));
                    }
                }
            }
        }
        for style in lower.split("<style>").skip(1) {
            let css = style.split("</style>").next().unwrap_or("");
            if css.contains("url(") || css.contains("@import") {
                found.push(css.to_owned());
            }
        }
        found
    }

    #[test]
    fn hostile_text_is_escaped() {
        let catalog = Catalog::load(&[]).unwrap();
        let extras = Extras {
            catalog: Some(&catalog),
            trends: None,
        };
        for lang in [Lang::En, Lang::Ja] {
            let html = render(&run(), lang, extras);
            assert!(!html.contains("<script"), "a <script> got through:\n{html}");
            assert!(!html.contains("<img"), "an <img> got through");
            assert!(
                html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
                "the hostile text is shown, escaped"
            );
            assert!(html.contains("Evil &lt;script&gt;"), "the vendor name");
            assert_eq!(
                external_references(&html),
                Vec::<String>::new(),
                "nothing is fetched"
            );
        }
    }

    #[test]
    fn the_reference_check_finds_what_would_be_fetched() {
        for page in [
            "<img src=\"http://x/y.png\">",
            "<a href='https://x/'>x</a>",
            "<link rel=stylesheet href=x.css>",
            "<style>body{background:url(http://x/y.png)}</style>",
            "<style>@import 'x.css';</style>",
        ] {
            assert!(!external_references(page).is_empty(), "{page}");
        }
        assert!(external_references("<a href=\"#v-a\">a</a>").is_empty());
    }

    #[test]
    fn each_vendor_has_its_grade_failures_and_fix() {
        let report = run();
        let catalog = Catalog::load(&[]).unwrap();
        let extras = Extras {
            catalog: Some(&catalog),
            trends: None,
        };
        let html = render(&report, Lang::En, extras);
        let [bad, good] = [&report.vendors[0], &report.vendors[1]];
        assert_eq!((bad.grade, good.grade), (Grade::F, Grade::A));
        for v in [bad, good] {
            let big = format!(
                "<div class=\"grade {}\" title=\"{}\">{}</div>",
                grade_class(v.grade),
                esc(&crate::grade::headline(&v.grading, Lang::En)),
                v.grade
            );
            assert!(html.contains(&big), "the grade of {}: {big}", v.id);
            assert!(html.contains(&format!("{}<small> / 100</small>", v.score)));
        }
        // The bad vendor's bar: one critical and one high, as text and as segments.
        assert!(html.contains("critical 1</li>") && html.contains("high 1</li>"));
        assert!(html.contains("<rect class=\"s-critical\" x=\"0\" y=\"0\" width=\"200\""));
        let fix = catalog
            .check("rdp-exposed")
            .unwrap()
            .fix
            .en
            .trim()
            .to_owned();
        assert!(html.contains(&esc(&fix)), "the catalogue's fix text");
        assert!(html.contains("class=\"v-contradicted\">contradicted</td>"));
        // Failures before the passes, which are folded.
        let fail = html.find("title of rdp-exposed").unwrap();
        let passes = html.find("<details>").unwrap();
        assert!(fail < passes);
        assert!(html.contains("No trend: this run is not stored in a history."));
        assert!(!html.contains("<svg class=\"trend\""));
    }

    fn point(run: &str, score: u32) -> ScorePoint {
        ScorePoint {
            run: run.into(),
            started_at: "2026-01-01T00:00:00Z".into(),
            now: "2026-01-01T09:00:00+09:00".into(),
            score,
            grade: Grade::of(score).name().into(),
        }
    }

    #[test]
    fn trend_from_earlier_runs_and_this_one() {
        let report = run();
        let trends: Trends =
            BTreeMap::from([("bad".to_owned(), vec![point("r1", 95), point("r2", 60)])]);
        let extras = Extras {
            catalog: None,
            trends: Some(&trends),
        };
        let html = render(&report, Lang::En, extras);
        let bad = html.split("id=\"v-good\"").next().unwrap();
        let charts: Vec<&str> = bad.split("<svg class=\"trend\"").skip(1).collect();
        assert_eq!(charts.len(), 1, "one chart for the vendor with history");
        assert_eq!(charts[0].matches("<circle class=\"point\"").count(), 3);
        let scores = format!("A 95 → D 60 → F {}", report.vendors[0].score);
        assert!(bad.contains(&scores), "the scores as text: {scores}");
        // The good vendor has no earlier graded run: said, not drawn.
        let good = html.split("id=\"v-good\"").nth(1).unwrap();
        assert!(!good.contains("<svg class=\"trend\""));
        assert!(good.contains("No trend yet"));
    }

    #[test]
    fn japanese_labels() {
        let catalog = Catalog::load(&[]).unwrap();
        let extras = Extras {
            catalog: Some(&catalog),
            trends: None,
        };
        let html = render(&run(), Lang::Ja, extras);
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"ja\">"));
        for label in [
            "重大度別の不合格",
            "申告と観測結果",
            "申告と矛盾",
            "検出事項",
            "対処:",
            "評価の内訳",
            "重大 1",
            "不合格",
            "rdp-exposed の表題",
        ] {
            assert!(html.contains(label), "no {label}");
        }
        assert!(
            html.contains("VNC open（日本語）"),
            "the finding's Japanese message"
        );
        assert!(
            html.contains("rdp-exposed の判定: "),
            "the verdict's Japanese reason"
        );
        let en = render(&run(), Lang::En, Extras::default());
        assert!(!en.contains("（日本語）") && !en.contains("の判定"));
        for english in ["Failures by severity", "Declared and observed", "Findings"] {
            assert!(
                !html.contains(english),
                "English label {english} in Japanese"
            );
        }
    }
}
