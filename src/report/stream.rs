//! A report written vendor by vendor as a run judges them (issue 14): each vendor's part goes to
//! an anonymous spool file at once, and `finish` writes head, spool and tail, byte for byte what
//! `render_with` makes of the whole run. HTML and OSCAL are documents of the whole: they hold.

use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::PathBuf;

use super::output::{self, OutputSpec};
use super::{html, json, junit, markdown, oscal, table, Extras, Format};
use crate::catalog::Lang;
use crate::results::{RunInfo, RunReport, Summary, VendorResult, SCHEMA};

/// One report being written; `vendor` for each vendor in run order, then `finish`.
pub struct ReportStream {
    format: Format,
    lang: Lang,
    width: u16,
    color: bool,
    /// The vendors' parts so far (streamed formats).
    spool: BufWriter<File>,
    /// `--explain`'s text after a table, spooled beside it.
    explain: Option<BufWriter<File>>,
    vendors: usize,
    junit: junit::ControlCounts,
    /// HTML and OSCAL: the vendors themselves, rendered at the end.
    held: Vec<VendorResult>,
}

/// How the JSON document's vendor list appears in a document with none: the split point.
const NO_VENDORS: &str = "\n  \"vendors\": []";

impl ReportStream {
    /// A report in `format` (`color` only for the table on a terminal); `explain` appends
    /// each vendor's grade explanation after the table, as `--explain` does.
    pub fn new(
        format: Format,
        lang: Lang,
        width: u16,
        color: bool,
        explain: bool,
    ) -> io::Result<ReportStream> {
        let spool = |on: bool| -> io::Result<Option<BufWriter<File>>> {
            on.then(|| tempfile::tempfile().map(BufWriter::new))
                .transpose()
        };
        Ok(ReportStream {
            format,
            lang,
            width,
            color,
            spool: BufWriter::new(tempfile::tempfile()?),
            explain: spool(explain && format == Format::Table)?,
            vendors: 0,
            junit: junit::ControlCounts::default(),
            held: Vec::new(),
        })
    }

    /// Adds the next vendor of the run.
    pub fn vendor(&mut self, v: &VendorResult) -> io::Result<()> {
        let part = match self.format {
            Format::Table => table::vendor_part(v, self.lang, self.width, self.color),
            Format::Markdown => markdown::vendor_part(v, self.lang),
            Format::Junit => {
                self.junit.add(v);
                junit::vendor_part(v)
            }
            Format::Json => {
                let one = serde_json::to_string_pretty(v).map_err(io::Error::other)?;
                let mut part = String::from(if self.vendors == 0 { "\n" } else { ",\n" });
                for (i, line) in one.split('\n').enumerate() {
                    if i > 0 {
                        part.push('\n');
                    }
                    part.push_str("    ");
                    part.push_str(line);
                }
                part
            }
            Format::Html | Format::Oscal => {
                self.held.push(v.clone());
                String::new()
            }
        };
        self.vendors += 1;
        self.spool.write_all(part.as_bytes())?;
        if let Some(explain) = &mut self.explain {
            let text = crate::grade::explain_vendor(v, self.lang);
            explain.write_all(super::wrap_hanging(&text, self.width).as_bytes())?;
        }
        Ok(())
    }

    /// Writes the whole report to `out`: what `render_with` writes for the same run, followed
    /// by the explanation when asked.
    pub fn finish(
        self,
        run: &RunInfo,
        summary: &Summary,
        extras: Extras,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let ReportStream {
            format,
            lang,
            width,
            spool,
            explain,
            vendors,
            junit: counts,
            held,
            ..
        } = self;
        let whole = |vendors: Vec<VendorResult>| RunReport {
            schema: SCHEMA,
            run: run.clone(),
            vendors,
            summary: summary.clone(),
        };
        match format {
            Format::Table => {
                copy(spool, out)?;
                out.write_all(table::tail(run, summary, lang, width).as_bytes())?;
            }
            Format::Markdown => {
                out.write_all(markdown::head(run, lang).as_bytes())?;
                copy(spool, out)?;
                out.write_all(markdown::tail(summary, lang).as_bytes())?;
            }
            Format::Junit => {
                out.write_all(junit::head(summary, &counts).as_bytes())?;
                copy(spool, out)?;
                out.write_all(junit::TAIL.as_bytes())?;
            }
            Format::Json => {
                let empty = json::render(&whole(Vec::new()));
                let at = empty
                    .find(NO_VENDORS)
                    .ok_or_else(|| io::Error::other("the JSON report has no vendor list"))?;
                let (head, rest) = empty.split_at(at + NO_VENDORS.len() - 1);
                out.write_all(head.as_bytes())?;
                if vendors > 0 {
                    copy(spool, out)?;
                    out.write_all(b"\n  ")?;
                }
                out.write_all(rest.as_bytes())?;
            }
            Format::Html => out.write_all(html::render(&whole(held), lang, extras).as_bytes())?,
            Format::Oscal => out.write_all(oscal::render(&whole(held), lang).as_bytes())?,
        }
        if let Some(explain) = explain {
            copy(explain, out)?;
        }
        out.flush()
    }
}

/// Where a report goes: a file written whole at the end, or standard output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    File(PathBuf),
    Stdout,
}

impl std::fmt::Display for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Destination::File(p) => write!(f, "{}", p.display()),
            Destination::Stdout => f.write_str("standard output"),
        }
    }
}

/// Every report of a run (`--format`, `--output`), each streamed: what `run` writes.
pub struct Outputs {
    reports: Vec<(Destination, ReportStream)>,
}

impl Outputs {
    /// The reports `--format FORMAT --output …` asks for: each `FORMAT=FILE` in its format; a
    /// bare `FILE` takes `format`'s report instead of standard output. `explain` appends the
    /// grade explanation after a table in the table's file or on standard output; `color` is
    /// for standard output only.
    pub fn open(
        specs: &[OutputSpec],
        format: Format,
        explain: bool,
        lang: Lang,
        width: u16,
        color: bool,
    ) -> io::Result<Outputs> {
        let mut reports = Vec::new();
        let mut to_stdout = true;
        for spec in specs {
            let (f, explained) = match spec.format {
                Some(f) => (f, false),
                None => {
                    to_stdout = false;
                    (format, explain)
                }
            };
            let stream = ReportStream::new(f, lang, width, false, explained)?;
            reports.push((Destination::File(spec.path.clone()), stream));
        }
        if to_stdout {
            let stream = ReportStream::new(format, lang, width, color, explain)?;
            reports.push((Destination::Stdout, stream));
        }
        Ok(Outputs { reports })
    }

    /// Adds the next vendor to every report.
    pub fn vendor(&mut self, v: &VendorResult) -> Result<(), (Destination, io::Error)> {
        for (to, stream) in &mut self.reports {
            stream.vendor(v).map_err(|e| (to.clone(), e))?;
        }
        Ok(())
    }

    /// Writes every report: files whole (replaced only once complete), then standard output.
    pub fn finish(
        self,
        run: &RunInfo,
        summary: &Summary,
        extras: Extras,
    ) -> Result<(), (Destination, io::Error)> {
        for (to, stream) in self.reports {
            let written = match &to {
                Destination::File(path) => {
                    output::write_whole_with(path, |w| stream.finish(run, summary, extras, w))
                }
                Destination::Stdout => {
                    let stdout = io::stdout();
                    let mut lock = stdout.lock();
                    stream.finish(run, summary, extras, &mut lock)
                }
            };
            written.map_err(|e| (to, e))?;
        }
        Ok(())
    }
}

/// Copies a spool from its start to `out`.
fn copy(spool: BufWriter<File>, out: &mut dyn Write) -> io::Result<()> {
    let mut file = spool.into_inner().map_err(|e| e.into_error())?;
    file.seek(SeekFrom::Start(0))?;
    io::copy(&mut file, out)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Severity;
    use crate::fact::FactValue;
    use crate::results::*;
    use std::collections::BTreeMap;

    /// Vendor `i`: a mix of statuses, severities, controls and awkward text (quotes, newlines,
    /// Japanese, markup) so that each format's escaping is exercised.
    fn vendor(i: usize) -> VendorResult {
        let statuses = [Status::Fail, Status::Pass, Status::Error, Status::Skipped];
        let severities = [
            Severity::Critical,
            Severity::High,
            Severity::Low,
            Severity::Info,
        ];
        let findings = (0..i % 5)
            .map(|j| Finding {
                check: format!("check-{j}"),
                target: format!("host{i}.example.lab:{}", 3389 + j),
                status: statuses[(i + j) % 4],
                severity: severities[j % 4],
                title: format!("title {j}"),
                title_ja: format!("表題 {j}"),
                message: format!("seen \"<b>{i}</b>\"\nsecond line"),
                message_ja: format!("観測 {i}"),
                cause: None,
                control: (j % 2 == 0).then(|| "remote_access.no_public_rdp".to_string()),
                waived: j == 3,
                waiver: None,
                evidence: BTreeMap::from([("service.port".to_string(), FactValue::Int(3389))]),
            })
            .collect();
        VendorResult {
            id: format!("v{i}"),
            name: format!("Vendor \"{i}\" & <Co>"),
            grade: Default::default(),
            score: 0,
            report: ReportSummary {
                path: Some(format!("reports/v{i}.toml")),
                status: if i % 3 == 0 {
                    ReportStatus::Missing
                } else {
                    ReportStatus::Current
                },
                fiscal_year: Some(2026),
            },
            findings,
            controls: vec![ControlVerdict {
                control: "remote_access.no_public_rdp".into(),
                declared: [Some(true), Some(false), None][i % 3],
                verdict: [
                    Verdict::Verified,
                    Verdict::Contradicted,
                    Verdict::Unverifiable,
                ][i % 3],
                checks: vec!["check-0".into()],
                title: "No RDP reachable from outside".into(),
                title_ja: "RDPを外部に公開していない".into(),
                reason: format!("reason {i}"),
                reason_ja: format!("理由 {i}"),
            }],
            assets: vec![],
            grading: Default::default(),
        }
        .graded()
    }

    fn report(n: usize) -> RunReport {
        let vendors: Vec<VendorResult> = (0..n).map(vendor).collect();
        RunReport {
            schema: SCHEMA,
            run: RunInfo {
                id: "20261203T000000Z-00000000".into(),
                started_at: "2026-12-03T00:00:00Z".into(),
                finished_at: "2026-12-03T00:00:09Z".into(),
                now: "2026-12-03T09:00:00+09:00".into(),
                tool: "vendor-audit 0.0.0".into(),
                proxy: Some("http://127.0.0.1:3128".into()),
                shard: "1/3".parse().ok(),
            },
            summary: Summary::of(&vendors),
            vendors,
        }
    }

    #[test]
    fn a_streamed_report_is_the_rendered_one_in_every_format() {
        let formats = [
            Format::Table,
            Format::Json,
            Format::Markdown,
            Format::Junit,
            Format::Oscal,
            Format::Html,
        ];
        for n in [0, 1, 2, 13] {
            let report = report(n);
            for format in formats {
                for lang in [Lang::En, Lang::Ja] {
                    let mut stream = ReportStream::new(format, lang, 100, false, false).unwrap();
                    for v in &report.vendors {
                        stream.vendor(v).unwrap();
                    }
                    let mut out = Vec::new();
                    stream
                        .finish(&report.run, &report.summary, Extras::default(), &mut out)
                        .unwrap();
                    let want = super::super::render_with(
                        &report,
                        format,
                        lang,
                        100,
                        false,
                        Extras::default(),
                    );
                    assert_eq!(
                        String::from_utf8(out).unwrap(),
                        want,
                        "{format:?} {lang:?} n={n}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_explanation_follows_the_table_as_explain_run_wraps_it() {
        let report = report(5);
        let mut stream = ReportStream::new(Format::Table, Lang::En, 80, false, true).unwrap();
        for v in &report.vendors {
            stream.vendor(v).unwrap();
        }
        let mut out = Vec::new();
        stream
            .finish(&report.run, &report.summary, Extras::default(), &mut out)
            .unwrap();
        let want = super::super::render(&report, Format::Table, Lang::En, 80)
            + &super::super::wrap_hanging(&crate::grade::explain_run(&report, Lang::En), 80);
        assert_eq!(String::from_utf8(out).unwrap(), want);
    }
}
