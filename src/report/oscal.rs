//! OSCAL report (`--format oscal`): the run as a NIST OSCAL 1.1 `assessment-results` document
//! (JSON) for GRC systems: the probes' findings and the declarations as observations, each
//! vendor's control verdicts as findings with an objective status. Renders only.
//!
//! Shape. One `result` per vendor: an OSCAL result holds the findings of one assessed system, one
//! finding per control objective, and a GRC system files a result under the system it assessed; the
//! vendors of one run are different systems, so one result for the whole run would hold up to N
//! findings for the same control with different statuses. Each result has the run's `start`/`end`
//! and the vendor's id, name, grade and score as props (and the vendor as a party in `metadata`).
//! `reviewed-controls` lists the control keys of `checks/controls.toml`; each `observation` is
//! a probe finding (method `TEST`: check id, severity, status and its evidence facts) or the
//! vendor's answer for one control in its annual report (method `EXAMINE`); each `finding` is one
//! control verdict whose `related-observations` are the declaration and the checks that decided it.
//!
//! Verdicts to OSCAL's two states ([`objective_status`]); the verdict itself is kept as a prop:
//! - `verified` (declared in place and every check passed, failures only under unexpired waivers)
//!   is `satisfied`, reason `pass`;
//! - `contradicted` (declared in place, observed failing) and `admitted` (declared not in place)
//!   are `not-satisfied`, reason `fail`;
//! - `unverifiable` (declared in place, but no check can observe it or the evidence is incomplete)
//!   and `undeclared` (the report does not answer) are `not-satisfied`, reason `other`: OSCAL has
//!   no third state, and a control that nothing showed to be in place must never count as
//!   satisfied. They are not left out, because a GRC system reads a reviewed control without a
//!   finding as not yet assessed, not as a gap; reason `other` and the `verdict` prop tell them
//!   apart from a failure.
//!
//! Ids and times. Every `uuid` is a name-based (v5, RFC 4122) UUID of what it names, so the same
//! run gives the same document: the document, results, observations, findings and resources from
//! (run id, vendor, check/control, target); the parties and the inventory items (the vendor's
//! targets) from the vendor and target only, so that a GRC system can join them across runs.
//! Times are RFC 3339 to the second with a numeric offset (`2026-04-30T00:05:00+09:00`), the form
//! compliance-trestle writes, so that a document read and written by it compares equal.
//! `import-ap` names a back-matter resource, the plan as it is: no OSCAL assessment plan exists,
//! the inventory and the check catalogue of this tool version are the plan. Vendor-audit's own
//! props have the namespace [`NS`].

use chrono::{DateTime, SecondsFormat};
use serde::Serialize;
use uuid::Uuid;

use crate::catalog::Lang;
use crate::results::{
    ControlVerdict, Finding, ReportStatus, RunReport, Status, VendorResult, Verdict,
};

/// The OSCAL version of the document: the newest 1.1 release, the one whose models
/// compliance-trestle 3.12.4 (pinned in `tests/peers/oscal-requirements.txt`) validates against.
pub const OSCAL_VERSION: &str = "1.1.3";

/// The namespace of vendor-audit's props. The project has no web address of its own; `.invalid`
/// (RFC 2606) says this is a name and no place to fetch.
pub const NS: &str = "https://vendor-audit.invalid/ns/oscal";

/// OSCAL's objective state and reason for a verdict (see the module comment): only `verified`
/// is `satisfied`.
pub fn objective_status(verdict: Verdict) -> (&'static str, &'static str) {
    match verdict {
        Verdict::Verified => ("satisfied", "pass"),
        Verdict::Contradicted | Verdict::Admitted => ("not-satisfied", "fail"),
        Verdict::Unverifiable | Verdict::Undeclared => ("not-satisfied", "other"),
    }
}

/// The name-based (v5) UUID of the thing named by `parts`.
fn uuid_of(parts: &[&str]) -> String {
    // A namespace of our own, itself name-based, so that no other tool's names collide with ours.
    let ns = Uuid::new_v5(&Uuid::NAMESPACE_URL, NS.as_bytes());
    // The unit separator cannot occur in ids, keys or targets: ("a", "bc") and ("ab", "c") differ.
    Uuid::new_v5(&ns, parts.join("\u{1f}").as_bytes()).to_string()
}

/// An RFC 3339 time of the run, with its offset, to the second, in the form trestle writes
/// (`+00:00`, not `Z`); a time that does not parse (none should) is kept as it is, for the
/// validator to name.
fn time(text: &str) -> String {
    match DateTime::parse_from_rfc3339(text) {
        Ok(t) => t.to_rfc3339_opts(SecondsFormat::Secs, false),
        Err(_) => text.to_owned(),
    }
}

#[derive(Serialize)]
struct Document {
    #[serde(rename = "assessment-results")]
    assessment_results: AssessmentResults,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct AssessmentResults {
    uuid: String,
    metadata: Metadata,
    import_ap: ImportAp,
    results: Vec<ResultSet>,
    back_matter: BackMatter,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Metadata {
    title: String,
    last_modified: String,
    version: String,
    oscal_version: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    props: Vec<Prop>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    parties: Vec<Party>,
}

/// A prop: `name` is a token; `value` non-empty without white space at its ends (see [`prop`]).
#[derive(Serialize)]
struct Prop {
    name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ns: Option<&'static str>,
    value: String,
}

/// `text` on one line, its white space runs made one space and none at its ends: OSCAL's titles,
/// names and prop values allow no line break, and names and values no space at their ends.
fn line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A vendor-audit prop, or none when `value` has no text (OSCAL allows no empty value).
fn prop(name: &'static str, value: impl std::fmt::Display) -> Option<Prop> {
    let value = line(&value.to_string());
    (!value.is_empty()).then_some(Prop {
        name,
        ns: Some(NS),
        value,
    })
}

/// A prop of OSCAL's own namespace (e.g. `asset-id`).
fn oscal_prop(name: &'static str, value: impl std::fmt::Display) -> Option<Prop> {
    prop(name, value).map(|p| Prop { ns: None, ..p })
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Party {
    uuid: String,
    #[serde(rename = "type")]
    kind: &'static str,
    name: String,
    short_name: String,
}

#[derive(Serialize)]
struct ImportAp {
    href: String,
    remarks: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct ResultSet {
    uuid: String,
    title: String,
    description: String,
    start: String,
    end: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    props: Vec<Prop>,
    #[serde(skip_serializing_if = "Option::is_none")]
    local_definitions: Option<LocalDefinitions>,
    reviewed_controls: ReviewedControls,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    observations: Vec<Observation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    findings: Vec<OscalFinding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remarks: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct LocalDefinitions {
    inventory_items: Vec<InventoryItem>,
}

#[derive(Serialize)]
struct InventoryItem {
    uuid: String,
    description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    props: Vec<Prop>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct ReviewedControls {
    description: String,
    control_selections: Vec<ControlSelection>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct ControlSelection {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    include_controls: Vec<SelectControl>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct SelectControl {
    control_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Observation {
    uuid: String,
    title: String,
    description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    props: Vec<Prop>,
    methods: Vec<&'static str>,
    types: Vec<&'static str>,
    subjects: Vec<Subject>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    relevant_evidence: Vec<Evidence>,
    collected: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    remarks: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Subject {
    subject_uuid: String,
    #[serde(rename = "type")]
    kind: &'static str,
    title: String,
}

#[derive(Serialize)]
struct Evidence {
    #[serde(skip_serializing_if = "Option::is_none")]
    href: Option<String>,
    description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    props: Vec<Prop>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct OscalFinding {
    uuid: String,
    title: String,
    description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    props: Vec<Prop>,
    target: Target,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_observations: Vec<RelatedObservation>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Target {
    #[serde(rename = "type")]
    kind: &'static str,
    target_id: String,
    title: String,
    status: ObjectiveStatus,
}

#[derive(Serialize)]
struct ObjectiveStatus {
    state: &'static str,
    reason: &'static str,
    remarks: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct RelatedObservation {
    observation_uuid: String,
}

#[derive(Serialize)]
struct BackMatter {
    resources: Vec<Resource>,
}

#[derive(Serialize)]
struct Resource {
    uuid: String,
    title: String,
    description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    props: Vec<Prop>,
}

/// Renders `report` as an OSCAL assessment-results document (pretty JSON). Titles and the grade
/// explanation follow `lang`; the tokens (states, reasons, verdicts, props) are OSCAL's and ours.
pub fn render(report: &RunReport, lang: Lang) -> String {
    let document = Document {
        assessment_results: assessment_results(report, lang),
    };
    // Plain data (strings, lists, structs) always serialises.
    serde_json::to_string_pretty(&document).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
        + "\n"
}

fn assessment_results(report: &RunReport, lang: Lang) -> AssessmentResults {
    let run = &report.run;
    let plan = uuid_of(&["plan", &run.id]);
    let version = run
        .tool
        .strip_prefix("vendor-audit ")
        .unwrap_or(&run.tool)
        .to_owned();
    let mut results: Vec<ResultSet> = report
        .vendors
        .iter()
        .map(|v| vendor_result(report, v, lang))
        .collect();
    if results.is_empty() {
        // OSCAL requires one result at least: say that nothing was assessed.
        results.push(ResultSet {
            uuid: uuid_of(&["result", &run.id]),
            title: format!("vendor-audit run {}", run.id),
            description: "No vendor was audited in this run.".into(),
            start: time(&run.started_at),
            end: time(&run.finished_at),
            props: Vec::new(),
            local_definitions: None,
            reviewed_controls: ReviewedControls {
                description: "No control was judged: the run audited no vendor.".into(),
                control_selections: vec![ControlSelection {
                    include_controls: Vec::new(),
                }],
            },
            observations: Vec::new(),
            findings: Vec::new(),
            remarks: None,
        });
    }
    let mut resources = vec![Resource {
        uuid: plan.clone(),
        title: "vendor-audit assessment plan (not an OSCAL document)".into(),
        description: format!(
            "No OSCAL assessment plan exists for this run. The plan is vendor-audit's: the vendors \
             and targets of its inventory (vendors.toml, or the command line of `assess`), the \
             controls of checks/controls.toml and the checks that verify them, of {}. Run {}, \
             judged as of {}.",
            run.tool, run.id, run.now
        ),
        props: [prop("run-id", &run.id), prop("tool", &run.tool)]
            .into_iter()
            .flatten()
            .collect(),
    }];
    resources.extend(report.vendors.iter().map(|v| report_resource(report, v)));
    AssessmentResults {
        uuid: uuid_of(&["document", &run.id]),
        metadata: Metadata {
            title: format!("vendor-audit run {}", run.id),
            last_modified: time(&run.finished_at),
            version,
            oscal_version: OSCAL_VERSION,
            props: [
                prop("run-id", &run.id),
                prop("tool", &run.tool),
                prop("judged-at", &run.now),
            ]
            .into_iter()
            .flatten()
            .collect(),
            parties: report
                .vendors
                .iter()
                .map(|v| Party {
                    uuid: uuid_of(&["party", &v.id]),
                    kind: "organization",
                    name: nonempty(&v.name, &v.id),
                    short_name: nonempty(&v.id, "vendor"),
                })
                .collect(),
        },
        import_ap: ImportAp {
            href: format!("#{plan}"),
            remarks: "The back-matter resource this names describes the plan: vendor-audit keeps \
                      no OSCAL assessment plan."
                .into(),
        },
        results,
        back_matter: BackMatter { resources },
    }
}

/// The back-matter resource of a vendor's annual report: the document its declarations are from.
fn report_resource(report: &RunReport, v: &VendorResult) -> Resource {
    let r = &v.report;
    let year = r
        .fiscal_year
        .map(|y| format!(" for fiscal year {y}"))
        .unwrap_or_default();
    let from = r
        .path
        .as_deref()
        .map(|p| format!(" ({p})"))
        .unwrap_or_default();
    let description = match r.status {
        ReportStatus::Current => format!("The annual security report of {}{year}{from}: this fiscal year's.", v.name),
        ReportStatus::Stale => format!("The annual security report of {}{year}{from}: not this fiscal year's (stale).", v.name),
        ReportStatus::Missing => format!("No annual security report of {} was found{from}: it declares nothing.", v.name),
        ReportStatus::Invalid => format!("The annual security report of {}{from} could not be read: its answers count as not given.", v.name),
    };
    Resource {
        uuid: uuid_of(&["report", &report.run.id, &v.id]),
        title: format!("Annual security report of {}", nonempty(&v.name, &v.id)),
        description,
        props: [
            prop("vendor-id", &v.id),
            prop("report-status", r.status.name()),
            r.fiscal_year.and_then(|y| prop("fiscal-year", y)),
            r.path.as_deref().and_then(|p| prop("path", p)),
        ]
        .into_iter()
        .flatten()
        .collect(),
    }
}

fn vendor_result(report: &RunReport, v: &VendorResult, lang: Lang) -> ResultSet {
    let run = &report.run;
    let collected = time(&run.finished_at);
    let report_uuid = uuid_of(&["report", &run.id, &v.id]);
    let party_uuid = uuid_of(&["party", &v.id]);

    // The vendor's targets: its assets, and any finding target no asset names.
    let mut targets: Vec<(&str, &str, Option<&str>)> = v
        .assets
        .iter()
        .filter(|a| a.kind != "report")
        .map(|a| (a.target.as_str(), a.kind.as_str(), a.address.as_deref()))
        .collect();
    for f in &v.findings {
        if f.target != "report" && !targets.iter().any(|(t, _, _)| *t == f.target) {
            targets.push((&f.target, "target", None));
        }
    }
    let item_uuid = |target: &str| uuid_of(&["asset", &v.id, target]);
    let items: Vec<InventoryItem> = targets
        .iter()
        .map(|(target, kind, address)| InventoryItem {
            uuid: item_uuid(target),
            description: format!("{target}: a {kind} target of {}", v.name),
            props: [
                oscal_prop("asset-id", target),
                address.and_then(|a| match a.parse::<std::net::IpAddr>() {
                    Ok(std::net::IpAddr::V4(_)) => oscal_prop("ipv4-address", a),
                    Ok(std::net::IpAddr::V6(_)) => oscal_prop("ipv6-address", a),
                    Err(_) => None,
                }),
                prop("target-kind", kind),
            ]
            .into_iter()
            .flatten()
            .collect(),
        })
        .collect();

    let test_uuid = |f: &Finding| uuid_of(&["observation", &run.id, &v.id, &f.check, &f.target]);
    let mut observations: Vec<Observation> = v
        .findings
        .iter()
        .map(|f| {
            let subject = if f.target == "report" {
                Subject {
                    subject_uuid: report_uuid.clone(),
                    kind: "resource",
                    title: "annual report".into(),
                }
            } else {
                Subject {
                    subject_uuid: item_uuid(&f.target),
                    kind: "inventory-item",
                    title: line(&f.target),
                }
            };
            test_observation(f, test_uuid(f), subject, &collected, lang)
        })
        .collect();
    let declaration_uuid =
        |c: &ControlVerdict| uuid_of(&["declaration", &run.id, &v.id, &c.control]);
    observations.extend(v.controls.iter().map(|c| {
        Observation {
            uuid: declaration_uuid(c),
            title: line(&format!(
                "Declared: {}",
                super::pick(&c.title, &c.title_ja, lang)
            )),
            description: declaration_text(v, c),
            props: [
                prop("control", &c.control),
                prop(
                    "declared",
                    match c.declared {
                        Some(true) => "in-place",
                        Some(false) => "not-in-place",
                        None => "not-answered",
                    },
                ),
            ]
            .into_iter()
            .flatten()
            .collect(),
            methods: vec!["EXAMINE"],
            types: if c.verdict == Verdict::Contradicted {
                vec!["control-objective", "ssp-statement-issue"]
            } else {
                vec!["control-objective"]
            },
            subjects: vec![Subject {
                subject_uuid: party_uuid.clone(),
                kind: "party",
                title: nonempty(&v.name, &v.id),
            }],
            relevant_evidence: vec![Evidence {
                href: Some(format!("#{report_uuid}")),
                description: "the vendor's annual security report".into(),
                props: Vec::new(),
            }],
            collected: collected.clone(),
            remarks: None,
        }
    }));

    let findings = v
        .controls
        .iter()
        .map(|c| {
            let (state, reason) = objective_status(c.verdict);
            let mut related = vec![RelatedObservation {
                observation_uuid: declaration_uuid(c),
            }];
            // The checks that decided it: every finding of the control but the skipped ones
            // (a check that does not apply decides nothing).
            related.extend(
                v.findings
                    .iter()
                    .filter(|f| f.control.as_deref() == Some(c.control.as_str()))
                    .filter(|f| f.status != Status::Skipped)
                    .map(|f| RelatedObservation {
                        observation_uuid: test_uuid(f),
                    }),
            );
            let title = nonempty(super::pick(&c.title, &c.title_ja, lang), &c.control);
            OscalFinding {
                uuid: uuid_of(&["finding", &run.id, &v.id, &c.control]),
                title: title.clone(),
                description: format!(
                    "{}: {} ({}).",
                    c.control,
                    super::verdict_word(c.verdict, lang),
                    nonempty(c.reason_in(lang), c.verdict.name())
                ),
                props: [
                    prop("verdict", c.verdict.name()),
                    prop("vendor-id", &v.id),
                    prop("checks", c.checks.join(" ")),
                ]
                .into_iter()
                .flatten()
                .collect(),
                target: Target {
                    kind: "objective-id",
                    target_id: c.control.clone(),
                    title,
                    status: ObjectiveStatus {
                        state,
                        reason,
                        remarks: format!("{}: {}", c.verdict.name(), nonempty(&c.reason, "-")),
                    },
                },
                related_observations: related,
            }
        })
        .collect();

    let name = nonempty(&v.name, &v.id);
    ResultSet {
        uuid: uuid_of(&["result", &run.id, &v.id]),
        title: format!("{name}: vendor-audit run {}", run.id),
        description: format!(
            "What vendor-audit observed of {name} ({}) from outside, and its annual report's \
             declarations judged against it: {}.",
            v.id,
            crate::grade::headline(&v.grading, lang)
        ),
        start: time(&run.started_at),
        end: time(&run.finished_at),
        props: [
            prop("vendor-id", &v.id),
            prop("vendor-name", &v.name),
            prop("grade", v.grade),
            prop("score", v.score),
            prop("unjudged-checks", v.grading.unjudged),
            prop("report-status", v.report.status.name()),
            prop("judged-at", &run.now),
        ]
        .into_iter()
        .flatten()
        .collect(),
        local_definitions: (!items.is_empty()).then_some(LocalDefinitions {
            inventory_items: items,
        }),
        reviewed_controls: ReviewedControls {
            description: format!(
                "The controls of vendor-audit's catalogue (checks/controls.toml, by key) judged \
                 for {name}."
            ),
            control_selections: vec![ControlSelection {
                include_controls: v
                    .controls
                    .iter()
                    .map(|c| SelectControl {
                        control_id: c.control.clone(),
                    })
                    .collect(),
            }],
        },
        observations,
        findings,
        remarks: Some(crate::grade::explain(&v.grading, lang)),
    }
}

/// The observation of one probe finding (method TEST).
fn test_observation(
    f: &Finding,
    uuid: String,
    subject: Subject,
    collected: &str,
    lang: Lang,
) -> Observation {
    let mut types = Vec::new();
    if f.control.is_some() {
        types.push("control-objective");
    }
    if matches!(f.status, Status::Fail | Status::Error) || types.is_empty() {
        types.push("finding");
    }
    let relevant_evidence = f
        .evidence
        .iter()
        .map(|(fact, value)| Evidence {
            href: None,
            description: format!(
                "{fact} = {}",
                serde_json::to_string(value).unwrap_or_else(|_| value.display())
            ),
            props: prop("fact", fact).into_iter().collect(),
        })
        .collect();
    let remarks = f.waiver.as_ref().map(|w| {
        let until = match &w.expires {
            Some(day) if w.expired => format!("expired on {day}, so not applied"),
            Some(day) => format!("until {day}"),
            None => "without expiry".to_owned(),
        };
        format!("Waiver {until}: {}", w.reason)
    });
    Observation {
        uuid,
        title: line(&format!(
            "{}: {}",
            f.check,
            super::pick(&f.title, &f.title_ja, lang)
        )),
        description: match lang {
            Lang::En => format!(
                "{} on {}: {}",
                f.status.name(),
                f.target,
                nonempty(&f.message, "-")
            ),
            Lang::Ja => format!(
                "{}（対象 {}）: {}",
                super::status_word(f.status, lang),
                f.target,
                nonempty(f.message_in(lang), "-")
            ),
        },
        props: [
            prop("check-id", &f.check),
            prop("status", f.status.name()),
            prop("severity", f.severity),
            prop("target", &f.target),
            f.control.as_deref().and_then(|c| prop("control", c)),
            prop("waived", f.waived),
        ]
        .into_iter()
        .flatten()
        .collect(),
        methods: vec!["TEST"],
        types,
        subjects: vec![subject],
        relevant_evidence,
        collected: collected.to_owned(),
        remarks,
    }
}

/// What the annual report says about one control, in words.
fn declaration_text(v: &VendorResult, c: &ControlVerdict) -> String {
    let year = v
        .report
        .fiscal_year
        .map(|y| format!(" (fiscal year {y})"))
        .unwrap_or_default();
    match (c.declared, v.report.status) {
        (Some(true), _) => format!("The annual report{year} declares {} in place.", c.control),
        (Some(false), _) => format!(
            "The annual report{year} declares {} not in place.",
            c.control
        ),
        (None, ReportStatus::Missing) => {
            format!(
                "No annual report was found, so nothing is declared for {}.",
                c.control
            )
        }
        (None, ReportStatus::Invalid) => format!(
            "The annual report could not be read, so nothing is declared for {}.",
            c.control
        ),
        (None, _) => format!("The annual report{year} does not answer {}.", c.control),
    }
}

/// `text` on one line ([`line`]), or `fallback` when it has none (OSCAL's names and
/// descriptions want text).
fn nonempty(text: &str, fallback: &str) -> String {
    match line(text) {
        t if t.is_empty() => line(fallback),
        t => t,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::Value;

    use super::*;
    use crate::catalog::Severity;
    use crate::fact::FactValue;
    use crate::results::{AssetFacts, ReportSummary, RunInfo, Summary, WaiverNote, SCHEMA};

    const ALL: [Verdict; 5] = [
        Verdict::Verified,
        Verdict::Contradicted,
        Verdict::Admitted,
        Verdict::Undeclared,
        Verdict::Unverifiable,
    ];

    fn finding(check: &str, target: &str, status: Status, control: &str) -> Finding {
        Finding {
            check: check.into(),
            target: target.into(),
            status,
            severity: Severity::High,
            title: format!("{check} title"),
            title_ja: format!("{check} の題"),
            message: format!("{check} {status} on {target}"),
            message_ja: format!("{check} が {target} で {status}"),
            control: Some(control.into()),
            waived: false,
            waiver: None,
            evidence: BTreeMap::from([
                ("service.port".to_string(), FactValue::Int(3389)),
                (
                    "tls.versions".to_string(),
                    FactValue::List(vec![FactValue::Str("TLSv1.0\n".into())]),
                ),
            ]),
            cause: None,
        }
    }

    fn control(
        key: &str,
        declared: Option<bool>,
        verdict: Verdict,
        reason: &str,
    ) -> ControlVerdict {
        ControlVerdict {
            control: key.into(),
            declared,
            verdict,
            checks: vec!["a-check".into()],
            title: format!("{key} title"),
            title_ja: format!("{key} の題"),
            reason: reason.into(),
            reason_ja: format!("（根拠）{reason}"),
        }
    }

    /// Two vendors; the first has one control of each verdict, the unverifiable one with every
    /// check passing but one error (its evidence is incomplete).
    fn run(id: &str) -> RunReport {
        let mut waived = finding("ssh-exposed", "x.example:22", Status::Fail, "a.verified");
        waived.waived = true;
        waived.waiver = Some(WaiverNote {
            reason: "Contract clause 12".into(),
            expires: Some("2027-03-31".into()),
            expired: false,
        });
        let first = VendorResult {
            id: "alpha".into(),
            name: "Alpha  Corp\n".into(),
            grade: Default::default(),
            score: 0,
            report: ReportSummary {
                path: Some("reports/alpha-2026.toml".into()),
                status: ReportStatus::Current,
                fiscal_year: Some(2026),
            },
            findings: vec![
                finding("vnc-exposed", "x.example", Status::Pass, "a.verified"),
                waived,
                finding(
                    "rdp-exposed",
                    "x.example:3389",
                    Status::Fail,
                    "a.contradicted",
                ),
                finding("backup-check", "x.example", Status::Fail, "a.admitted"),
                finding(
                    "tls-weak-cipher",
                    "x.example:443",
                    Status::Pass,
                    "a.unverifiable",
                ),
                finding(
                    "tls-legacy-protocol",
                    "x.example:8443",
                    Status::Error,
                    "a.unverifiable",
                ),
                finding("vnc-no-auth", "x.example", Status::Skipped, "a.undeclared"),
            ],
            controls: vec![
                control(
                    "a.verified",
                    Some(true),
                    Verdict::Verified,
                    "vnc-exposed pass on x.example",
                ),
                control(
                    "a.contradicted",
                    Some(true),
                    Verdict::Contradicted,
                    "rdp-exposed fail on x.example:3389",
                ),
                control(
                    "a.admitted",
                    Some(false),
                    Verdict::Admitted,
                    "declared not in place",
                ),
                control(
                    "a.undeclared",
                    None,
                    Verdict::Undeclared,
                    "the report does not answer this control",
                ),
                control(
                    "a.unverifiable",
                    Some(true),
                    Verdict::Unverifiable,
                    "incomplete evidence: tls-legacy-protocol error on x.example:8443",
                ),
            ],
            assets: vec![AssetFacts {
                target: "x.example:3389".into(),
                kind: "service".into(),
                address: Some("127.0.0.31".into()),
                facts: BTreeMap::new(),
                unavailable: BTreeMap::new(),
            }],
            grading: Default::default(),
        }
        .graded();
        let second = VendorResult {
            id: "beta".into(),
            name: "Beta".into(),
            report: ReportSummary {
                path: None,
                status: ReportStatus::Missing,
                fiscal_year: None,
            },
            findings: vec![finding(
                "rdp-exposed",
                "b.example:3389",
                Status::Fail,
                "a.contradicted",
            )],
            controls: vec![control(
                "a.contradicted",
                None,
                Verdict::Undeclared,
                "the report does not answer this control",
            )],
            assets: Vec::new(),
            ..first.clone()
        }
        .graded();
        let vendors = vec![first, second];
        RunReport {
            schema: SCHEMA,
            run: RunInfo {
                id: id.into(),
                started_at: "2026-11-26T00:00:00Z".into(),
                finished_at: "2026-11-26T09:00:03+09:00".into(),
                now: "2026-04-30T00:05:00+09:00".into(),
                tool: "vendor-audit 9.8.7".into(),
                proxy: None,
                shard: None,
            },
            summary: Summary::of(&vendors),
            vendors,
        }
    }

    fn doc(report: &RunReport) -> Value {
        let text = render(report, Lang::En);
        serde_json::from_str::<Value>(&text).unwrap()["assessment-results"].clone()
    }

    fn result<'a>(ar: &'a Value, vendor: &str) -> &'a Value {
        ar["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| {
                r["props"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p["name"] == "vendor-id" && p["value"] == vendor)
            })
            .unwrap_or_else(|| panic!("no result of {vendor}"))
    }

    fn finding_of<'a>(result: &'a Value, control: &str) -> &'a Value {
        result["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["target"]["target-id"] == control)
            .unwrap_or_else(|| panic!("no finding of {control}"))
    }

    fn props(v: &Value) -> BTreeMap<String, String> {
        v["props"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .map(|p| {
                        (
                            p["name"].as_str().unwrap().to_owned(),
                            p["value"].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn every_verdict_maps_as_documented_and_only_verified_is_satisfied() {
        let expected = [
            (Verdict::Verified, ("satisfied", "pass")),
            (Verdict::Contradicted, ("not-satisfied", "fail")),
            (Verdict::Admitted, ("not-satisfied", "fail")),
            (Verdict::Undeclared, ("not-satisfied", "other")),
            (Verdict::Unverifiable, ("not-satisfied", "other")),
        ];
        for (verdict, status) in expected {
            assert_eq!(objective_status(verdict), status, "{verdict:?}");
        }
        for verdict in ALL {
            assert_eq!(
                objective_status(verdict).0 == "satisfied",
                verdict == Verdict::Verified,
                "{verdict:?}"
            );
        }
    }

    #[test]
    fn the_document_carries_each_verdict_and_never_a_wrong_pass() {
        let ar = doc(&run("r1"));
        let alpha = result(&ar, "alpha");
        for (key, verdict) in [
            ("a.verified", Verdict::Verified),
            ("a.contradicted", Verdict::Contradicted),
            ("a.admitted", Verdict::Admitted),
            ("a.undeclared", Verdict::Undeclared),
            ("a.unverifiable", Verdict::Unverifiable),
        ] {
            let f = finding_of(alpha, key);
            let (state, reason) = objective_status(verdict);
            assert_eq!(f["target"]["type"], "objective-id");
            assert_eq!(f["target"]["status"]["state"], state, "{key}");
            assert_eq!(f["target"]["status"]["reason"], reason, "{key}");
            assert_eq!(props(f)["verdict"], verdict.name(), "{key}");
        }
        // Unverifiable although its one judged check passed: the error leaves it not satisfied.
        let unverifiable = finding_of(alpha, "a.unverifiable");
        assert_eq!(unverifiable["target"]["status"]["state"], "not-satisfied");
        assert!(unverifiable["target"]["status"]["remarks"]
            .as_str()
            .unwrap()
            .contains("incomplete evidence"));
        // In the whole document, satisfied only where the verdict is verified.
        for r in ar["results"].as_array().unwrap() {
            for f in r["findings"].as_array().unwrap() {
                let satisfied = f["target"]["status"]["state"] == "satisfied";
                assert_eq!(satisfied, props(f)["verdict"] == "verified", "{f}");
            }
        }
        // The same control of the other vendor is its own finding, in its own result.
        let beta = result(&ar, "beta");
        assert_eq!(
            finding_of(beta, "a.contradicted")["target"]["status"]["reason"],
            "other"
        );
        assert_eq!(beta["findings"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn findings_relate_to_the_observations_that_decided_them() {
        let ar = doc(&run("r1"));
        let alpha = result(&ar, "alpha");
        let observations: BTreeMap<&str, &Value> = alpha["observations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| (o["uuid"].as_str().unwrap(), o))
            .collect();
        // One TEST observation per finding, one EXAMINE per control.
        let methods = |m: &str| {
            observations
                .values()
                .filter(|o| o["methods"][0] == m)
                .count()
        };
        assert_eq!((methods("TEST"), methods("EXAMINE")), (7, 5));
        let related = |key: &str| -> Vec<&Value> {
            finding_of(alpha, key)["related-observations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    *observations
                        .get(r["observation-uuid"].as_str().unwrap())
                        .expect("resolves")
                })
                .collect()
        };
        let contradicted = related("a.contradicted");
        assert_eq!(
            contradicted.len(),
            2,
            "the declaration and the failing check"
        );
        assert_eq!(contradicted[0]["methods"][0], "EXAMINE");
        assert_eq!(props(contradicted[0])["declared"], "in-place");
        assert!(contradicted[0]["types"]
            .as_array()
            .unwrap()
            .contains(&"ssp-statement-issue".into()));
        assert_eq!(contradicted[1]["methods"][0], "TEST");
        assert_eq!(props(contradicted[1])["check-id"], "rdp-exposed");
        assert_eq!(props(contradicted[1])["status"], "fail");
        assert_eq!(props(contradicted[1])["severity"], "high");
        let evidence = contradicted[1]["relevant-evidence"].as_array().unwrap();
        assert_eq!(evidence[0]["description"], "service.port = 3389");
        assert_eq!(
            evidence[1]["description"],
            "tls.versions = [\"TLSv1.0\\n\"]"
        );
        // The waived failure is in the evidence of the verified control, with its waiver.
        let verified = related("a.verified");
        let waived = verified
            .iter()
            .find(|o| props(o).get("check-id").map(String::as_str) == Some("ssh-exposed"))
            .unwrap();
        assert_eq!(props(waived)["waived"], "true");
        assert!(waived["remarks"]
            .as_str()
            .unwrap()
            .contains("until 2027-03-31: Contract clause 12"));
        // A skipped check decided nothing: only the declaration.
        assert_eq!(related("a.undeclared").len(), 1);
        assert_eq!(
            props(related("a.undeclared")[0])["declared"],
            "not-answered"
        );
        // Subjects: the target as an inventory item of the result, the declaration's vendor as a party.
        let items: Vec<&str> = alpha["local-definitions"]["inventory-items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["uuid"].as_str().unwrap())
            .collect();
        let subject = &contradicted[1]["subjects"][0];
        assert_eq!(subject["type"], "inventory-item");
        assert!(items.contains(&subject["subject-uuid"].as_str().unwrap()));
        assert_eq!(contradicted[0]["subjects"][0]["type"], "party");
        assert_eq!(
            contradicted[0]["subjects"][0]["subject-uuid"],
            ar["metadata"]["parties"][0]["uuid"]
        );
        // The plan and the annual report are back-matter resources, named by `#uuid`.
        let resources: Vec<String> = ar["back-matter"]["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| format!("#{}", r["uuid"].as_str().unwrap()))
            .collect();
        assert!(resources.contains(&ar["import-ap"]["href"].as_str().unwrap().to_owned()));
        let report_href = contradicted[0]["relevant-evidence"][0]["href"]
            .as_str()
            .unwrap();
        assert!(resources.iter().any(|r| r == report_href));
    }

    /// Every `uuid` and `*-uuid` value of the document, with where it is.
    fn uuids(v: &Value, key: &str, out: &mut Vec<(String, String)>) {
        match v {
            Value::Object(map) => {
                for (k, x) in map {
                    uuids(x, k, out);
                }
            }
            Value::Array(xs) => xs.iter().for_each(|x| uuids(x, key, out)),
            Value::String(s) if key == "uuid" || key.ends_with("-uuid") => {
                out.push((key.to_owned(), s.clone()))
            }
            _ => {}
        }
    }

    #[test]
    fn uuids_are_rfc_4122_v5_unique_and_the_same_for_the_same_run() {
        let report = run("r1");
        assert_eq!(render(&report, Lang::En), render(&report, Lang::En));
        let ar = doc(&report);
        let mut found = Vec::new();
        uuids(&ar, "", &mut found);
        assert!(found.len() > 30, "{found:?}");
        for (_, u) in &found {
            let parsed = Uuid::parse_str(u).unwrap();
            assert_eq!(parsed.get_version(), Some(uuid::Version::Sha1), "{u}");
            assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122, "{u}");
            assert_eq!(u, &u.to_lowercase());
        }
        let defined: Vec<&String> = found
            .iter()
            .filter(|(k, _)| k == "uuid")
            .map(|(_, u)| u)
            .collect();
        let unique: std::collections::BTreeSet<&String> = defined.iter().copied().collect();
        assert_eq!(unique.len(), defined.len(), "every uuid defined once");

        // Another run: new ids for what it found, the same for the vendors and their targets.
        let other = doc(&run("r2"));
        assert_ne!(other["uuid"], ar["uuid"]);
        assert_ne!(
            result(&other, "alpha")["uuid"],
            result(&ar, "alpha")["uuid"]
        );
        assert_ne!(
            finding_of(result(&other, "alpha"), "a.verified")["uuid"],
            finding_of(result(&ar, "alpha"), "a.verified")["uuid"]
        );
        assert_eq!(other["metadata"]["parties"], ar["metadata"]["parties"]);
        assert_eq!(
            result(&other, "alpha")["local-definitions"],
            result(&ar, "alpha")["local-definitions"]
        );
        assert_ne!(uuid_of(&["a", "bc"]), uuid_of(&["ab", "c"]));
    }

    #[test]
    fn times_are_rfc_3339_with_a_numeric_offset_and_keep_the_instant() {
        let ar = doc(&run("r1"));
        let alpha = result(&ar, "alpha");
        let mut times = vec![
            (
                "2026-11-26T09:00:03+09:00",
                &ar["metadata"]["last-modified"],
            ),
            ("2026-11-26T00:00:00Z", &alpha["start"]),
            ("2026-11-26T09:00:03+09:00", &alpha["end"]),
        ];
        for o in alpha["observations"].as_array().unwrap() {
            times.push(("2026-11-26T09:00:03+09:00", &o["collected"]));
        }
        for (input, written) in times {
            let written = written.as_str().unwrap();
            let t = DateTime::parse_from_rfc3339(written).unwrap();
            assert_eq!(t, DateTime::parse_from_rfc3339(input).unwrap(), "{written}");
            assert!(
                !written.ends_with('Z') && written[19..].starts_with(['+', '-']),
                "{written}"
            );
        }
        assert_eq!(alpha["start"], "2026-11-26T00:00:00+00:00");
        assert_eq!(alpha["end"], "2026-11-26T09:00:03+09:00");
    }

    #[test]
    fn prop_values_have_no_white_space_at_their_ends_and_none_is_empty() {
        let ar = doc(&run("r1"));
        let alpha = result(&ar, "alpha");
        assert_eq!(props(alpha)["vendor-name"], "Alpha Corp");
        assert_eq!(ar["metadata"]["version"], "9.8.7");
        assert_eq!(ar["metadata"]["oscal-version"], OSCAL_VERSION);
        fn check(v: &Value) {
            match v {
                Value::Object(map) => {
                    if let (Some(Value::String(name)), Some(Value::String(value))) =
                        (map.get("name"), map.get("value"))
                    {
                        assert!(
                            !value.is_empty() && value.trim() == value && !value.contains('\n'),
                            "{name}={value:?}"
                        );
                    }
                    map.values().for_each(check);
                }
                Value::Array(xs) => xs.iter().for_each(check),
                _ => {}
            }
        }
        check(&ar);
        assert!(prop("x", " \n ").is_none());
    }

    #[test]
    fn titles_follow_the_language_and_tokens_do_not() {
        let ja: Value = serde_json::from_str(&render(&run("r1"), Lang::Ja)).unwrap();
        let ar = &ja["assessment-results"];
        let f = finding_of(result(ar, "alpha"), "a.contradicted");
        assert_eq!(f["title"], "a.contradicted の題");
        assert_eq!(f["target"]["status"]["state"], "not-satisfied");
        assert_eq!(props(f)["verdict"], "contradicted");
        // The finding's description carries the Japanese reason; its observations the
        // Japanese messages.
        let description = f["description"].as_str().unwrap_or_default();
        assert!(description.contains("（根拠）"), "{description}");
        let observations = ar["results"][0]["observations"].to_string();
        assert!(observations.contains(" で "), "{observations}");
    }

    #[test]
    fn a_run_without_vendors_is_one_result_that_says_so() {
        let mut report = run("r0");
        report.vendors.clear();
        let ar = doc(&report);
        let results = ar["results"].as_array().unwrap();
        assert_eq!(results.len(), 1);
        assert!(results[0]["description"]
            .as_str()
            .unwrap()
            .contains("No vendor"));
        assert!(results[0].get("findings").is_none());
        assert_eq!(ar["back-matter"]["resources"].as_array().unwrap().len(), 1);
    }
}
