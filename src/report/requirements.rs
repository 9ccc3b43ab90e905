//! The contract annex (`vendor-audit requirements`): each control of the catalogue as a numbered
//! requirement with its key, how it is verified (the checks, and what passing each means) or that
//! only the annual report can show it. Markdown or one self-contained HTML page; English or Japanese.

use std::fmt::Write;

use crate::catalog::{Catalog, Check, Lang};
use crate::msgs::html::escape as esc;
use crate::report::pick;

/// One requirement: a control and the checks that verify it, in catalogue order.
struct Requirement<'a> {
    number: usize,
    key: &'a str,
    title: &'a str,
    description: &'a str,
    observable: bool,
    checks: Vec<&'a Check>,
}

fn requirements(catalog: &Catalog, lang: Lang) -> Vec<Requirement<'_>> {
    let mut keys: Vec<&String> = catalog.controls.keys().collect();
    // Observable controls first (what the city checks itself), then declared-only ones; by key
    // within each, so that numbers are stable from one edition to the next.
    keys.sort_by_key(|k| (!catalog.controls[*k].observable, (*k).clone()));
    keys.iter()
        .enumerate()
        .map(|(i, key)| {
            let c = &catalog.controls[*key];
            Requirement {
                number: i + 1,
                key: key.as_str(),
                title: c.title.get(lang),
                description: c.description.get(lang),
                observable: c.observable,
                checks: catalog
                    .checks
                    .values()
                    .filter(|ch| ch.control_key() == Some(key.as_str()))
                    .collect(),
            }
        })
        .collect()
}

/// What passing a check means, in words: the check's finding does not occur.
fn passing(check: &Check, lang: Lang) -> String {
    match lang {
        Lang::En => format!(
            "`{}` ({}) passes: it is not the case that “{}”",
            check.id, check.severity, check.title.en
        ),
        Lang::Ja => format!(
            "`{}`（重大度 {}）に合格すること：「{}」に該当しない",
            check.id,
            crate::report::severity_word(check.severity, lang),
            check.title.ja
        ),
    }
}

fn heading(lang: Lang) -> (&'static str, &'static str) {
    (
        pick(
            "Annex: security requirements for contractors handling personal data",
            "別紙：個人情報を取り扱う受託者のセキュリティ要件",
            lang,
        ),
        pick(
            "The contractor meets each requirement below for every system that holds or transmits the personal data of this contract, for the whole term of the contract, and declares each one in its annual report (under the key shown below each requirement's title). Requirements \"verified from outside\" are checked by the city with vendor-audit against the contractor's listed endpoints; a requirement is met only when every check named passes. The others are verified by the annual report and by audit.",
            "受託者は、本契約の個人情報を保管又は送受信するすべてのシステムについて、契約期間を通じて以下の各要件を満たし、年次報告書で各要件への対応を申告する（各要件の表題の下に記した管理項目のキーで回答する）。「外部から確認」と記した要件は、市が vendor-audit により受託者の届け出た接続先に対して確認し、記載のチェックにすべて合格した場合に限り満たしているものとする。その他の要件は年次報告書及び監査により確認する。",
            lang,
        ),
    )
}

/// The annex as Markdown.
pub fn markdown(catalog: &Catalog, lang: Lang) -> String {
    let (title, preamble) = heading(lang);
    let mut out = format!("# {title}\n\n{preamble}\n");
    for r in requirements(catalog, lang) {
        let _ = write!(
            out,
            "\n## {} {}. {}\n\n`{}`\n\n{}\n\n",
            pick("Requirement", "要件", lang),
            r.number,
            r.title,
            r.key,
            r.description
        );
        if r.observable && !r.checks.is_empty() {
            let _ = writeln!(
                out,
                "{}",
                pick(
                    "Verified from outside by vendor-audit; met when:",
                    "外部から確認（vendor-audit）。次をすべて満たすこと：",
                    lang
                )
            );
            for c in &r.checks {
                let _ = writeln!(out, "- {}", passing(c, lang));
            }
        } else {
            let _ = writeln!(
                out,
                "{}",
                pick(
                    "Verified by the annual report and by audit (it cannot be observed from outside).",
                    "年次報告書及び監査により確認する（外部からは確認できない）。",
                    lang
                )
            );
        }
    }
    out
}

/// The annex as one self-contained HTML page (no external fetch), ready to print or attach.
pub fn html(catalog: &Catalog, lang: Lang) -> String {
    let (title, preamble) = heading(lang);
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title>\n<style>body{{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.5}}code{{background:#f3f3f3;padding:0 .2em}}h2{{font-size:1.1em;margin-top:1.6em}}</style></head><body>\n<h1>{}</h1>\n<p>{}</p>\n",
        pick("en", "ja", lang),
        esc(title),
        esc(title),
        esc(preamble)
    );
    for r in requirements(catalog, lang) {
        let _ = write!(
            out,
            "<h2 id=\"{}\">{} {}. {}</h2>\n<p><code>{}</code></p>\n<p>{}</p>\n",
            esc(r.key),
            pick("Requirement", "要件", lang),
            r.number,
            esc(r.title),
            esc(r.key),
            esc(r.description)
        );
        if r.observable && !r.checks.is_empty() {
            let _ = write!(
                out,
                "<p>{}</p>\n<ul>\n",
                esc(pick(
                    "Verified from outside by vendor-audit; met when:",
                    "外部から確認（vendor-audit）。次をすべて満たすこと：",
                    lang
                ))
            );
            for c in &r.checks {
                let line = esc(&passing(c, lang));
                // `id` in backticks becomes <code>id</code>.
                let line = line.replacen('`', "<code>", 1).replacen('`', "</code>", 1);
                let _ = writeln!(out, "<li>{line}</li>");
            }
            out.push_str("</ul>\n");
        } else {
            let _ = writeln!(
                out,
                "<p>{}</p>",
                esc(pick(
                    "Verified by the annual report and by audit (it cannot be observed from outside).",
                    "年次報告書及び監査により確認する（外部からは確認できない）。",
                    lang
                ))
            );
        }
    }
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_text_is_escaped() {
        assert_eq!(
            esc("<b>\"R&D\"</b>"),
            "&lt;b&gt;&quot;R&amp;D&quot;&lt;/b&gt;"
        );
    }
}
