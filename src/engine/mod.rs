//! The engine: expands the inventory into assets, probes each asset once (concurrently, within
//! the context's bounds), judges every check on the facts, applies waivers and computes the
//! control verdicts. It returns a `RunReport`; rendering is the reports' job.

pub mod evaluate;
pub mod report_facts;
pub mod scope;
pub mod verdict;
pub mod waivers;

use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};

use crate::catalog::facts as fact_catalogue;
use crate::catalog::{AssetKind, Catalog, Text};
use crate::certificate::RunTrust;
use crate::declaration::ReportFile;
use crate::derive;
use crate::fact::Facts;
use crate::inventory::{join_host_port, AuditSettings, Inventory, Vendor};
use crate::probe::sweep::{self, PortReport, PortState};
use crate::probe::{http, tls, Endpoint, Limits, ProbeContext};
use crate::results::{
    AssetFacts, ReportSummary, RunInfo, RunReport, Summary, VendorResult, SCHEMA,
};
use evaluate::Observed;

/// How a run behaves (the `run` command's options).
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Only these vendors (all when empty).
    pub vendors: Vec<String>,
    /// The instant to judge at (`--now`); the clock when `None`.
    pub now: Option<DateTime<FixedOffset>>,
    pub limits: Limits,
    /// Connections at once in the whole run, and to one address.
    pub concurrency: usize,
    pub per_host: usize,
    /// Told (done, total) each time an asset's probing ends, for a progress display.
    pub progress: Option<Progress>,
    /// Probe only these forms, by (vendor id, URL), and no host or TLS endpoint: a `watch`
    /// round near a go-live. `None` probes every asset of the selected vendors.
    pub only_forms: Option<BTreeSet<(String, String)>>,
}

/// A callback told (done, total) as assets finish probing.
#[derive(Clone)]
pub struct Progress(pub Arc<dyn Fn(usize, usize) + Send + Sync>);

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress(..)")
    }
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            vendors: Vec::new(),
            now: None,
            limits: Limits::default(),
            concurrency: 64,
            per_host: crate::probe::net::DEFAULT_PER_HOST,
            only_forms: None,
            progress: None,
        }
    }
}

/// A swept host: where it resolved, and each port (or why it could not be swept).
#[derive(Debug, Clone)]
struct HostSweep {
    /// The address swept, or why the host could not be (English and Japanese).
    address: Result<IpAddr, Text>,
    ports: Vec<PortReport>,
}

/// Each swept host by (name, ports): the same host listed by two vendors is probed once per
/// distinct port list.
type Sweeps = HashMap<(String, Vec<u16>), HostSweep>;

/// A probed TLS endpoint: where it resolved, and every fact (probe and derived).
#[derive(Debug, Clone)]
struct ProbedEndpoint {
    address: Option<String>,
    facts: Facts,
}

/// Each TLS endpoint by (name, port), probed once however many vendors list it.
type Endpoints = HashMap<(String, u16), ProbedEndpoint>;

/// What one probe task returns.
enum Probed {
    Host((String, Vec<u16>), HostSweep),
    Tls((String, u16), ProbedEndpoint),
    Form((String, String), ProbedEndpoint),
}

/// Runs the audit of `inventory` with `catalog`.
pub async fn run(inventory: &Inventory, catalog: &Catalog, options: &RunOptions) -> RunReport {
    let observations = probe(inventory, options).await;
    judge(inventory, catalog, options, observations)
}

/// What the probes observed in one run, before any check has judged it.
#[derive(Debug, Clone)]
pub struct Observations {
    started: DateTime<Utc>,
    now: DateTime<FixedOffset>,
    sweeps: Sweeps,
    endpoints: Endpoints,
    forms: Forms,
}

/// Each form by (vendor id, URL): a leak probe submits test data, so a form is probed once per
/// vendor that lists it, within that vendor's assets.
type Forms = HashMap<(String, String), ProbedEndpoint>;

/// The vendors a run covers.
fn selected<'a>(inventory: &'a Inventory, options: &RunOptions) -> Vec<&'a Vendor> {
    inventory
        .vendors
        .iter()
        .filter(|v| options.vendors.is_empty() || options.vendors.contains(&v.id))
        .collect()
}

/// Probes every asset of the selected vendors once, concurrently within the context's bounds.
/// Needs no check: the catalogue can load (or fail) meanwhile.
pub async fn probe(inventory: &Inventory, options: &RunOptions) -> Observations {
    let started = Utc::now();
    let now = options.now.unwrap_or_else(|| started.fixed_offset());
    let vendors = selected(inventory, options);
    let ctx = ProbeContext::new(options.limits, options.concurrency, options.per_host)
        .with_user_agent(&crate::probe::net::user_agent(
            inventory.audit.contact.as_deref(),
        ));

    // Probe each distinct host once, all hosts concurrently (the context bounds connections).
    let mut wanted: BTreeSet<(String, Vec<u16>)> = BTreeSet::new();
    let mut wanted_tls: BTreeSet<(String, u16)> = BTreeSet::new();
    if options.only_forms.is_none() {
        for v in &vendors {
            for h in &v.hosts {
                wanted.insert((h.clone(), v.ports.clone()));
            }
            wanted_tls.extend(v.tls.iter().cloned());
        }
    }
    let form_wanted = |vendor: &Vendor, url: &str| {
        options
            .only_forms
            .as_ref()
            .is_none_or(|only| only.contains(&(vendor.id.clone(), url.to_owned())))
    };
    let audit = Arc::new(inventory.audit.clone());
    let trust = Arc::new(if wanted_tls.is_empty() {
        RunTrust::default()
    } else {
        RunTrust::load(&inventory.audit.trust)
    });
    let form_count: usize = vendors
        .iter()
        .map(|v| v.forms.iter().filter(|f| form_wanted(v, &f.url)).count())
        .sum();
    let total = wanted.len() + wanted_tls.len() + form_count;
    let mut tasks = tokio::task::JoinSet::new();
    for (name, ports) in wanted {
        let (ctx, audit) = (ctx.clone(), audit.clone());
        tasks.spawn(async move {
            let resolve_timeout = ctx.limits.connect_timeout.max(Duration::from_secs(2));
            let address = scope::resolve_both(&name, &audit, resolve_timeout).await;
            // Each port is bounded by its budget, counted from when it gets its connection
            // slot, and cut off shortly after it (`sweep::sweep_host`): no cap counted from
            // here, where the wait for slots behind other hosts' tarpits would spend it.
            let sweep = match address {
                Ok(ip) => HostSweep {
                    address,
                    ports: sweep::sweep_host(&ctx, &name, ip, &ports).await,
                },
                Err(_) => HostSweep {
                    address,
                    ports: Vec::new(),
                },
            };
            Probed::Host((name, ports), sweep)
        });
    }
    for (name, port) in wanted_tls {
        let (ctx, audit, trust) = (ctx.clone(), audit.clone(), trust.clone());
        tasks.spawn(async move {
            let probed = probe_tls(&ctx, &audit, &trust, &name, port, now).await;
            Probed::Tls((name, port), probed)
        });
    }
    for vendor in &vendors {
        let allowed = Arc::new(vendor_assets(vendor));
        for form in vendor.forms.iter().filter(|f| form_wanted(vendor, &f.url)) {
            let (ctx, audit, allowed) = (ctx.clone(), audit.clone(), allowed.clone());
            let (id, form) = (vendor.id.clone(), form.clone());
            tasks.spawn(async move {
                let probed = probe_web_form(&ctx, &audit, &form, &allowed).await;
                Probed::Form((id, form.url.clone()), probed)
            });
        }
    }
    let mut sweeps: Sweeps = HashMap::new();
    let mut endpoints: Endpoints = HashMap::new();
    let mut forms: Forms = HashMap::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Probed::Host(key, sweep)) => {
                sweeps.insert(key, sweep);
            }
            Ok(Probed::Tls(key, probed)) => {
                endpoints.insert(key, probed);
            }
            Ok(Probed::Form(key, probed)) => {
                forms.insert(key, probed);
            }
            Err(e) => eprintln!("vendor-audit: a probe task failed: {e}"),
        }
        if let Some(Progress(progress)) = &options.progress {
            progress(total - tasks.len(), total);
        }
    }
    Observations {
        started,
        now,
        sweeps,
        endpoints,
        forms,
    }
}

impl Observations {
    /// Takes `newer`'s observations over these (a partial round's fresh facts over the last full
    /// round's), and its clock.
    pub fn merge(&mut self, newer: Observations) {
        self.started = newer.started;
        self.now = newer.now;
        self.sweeps.extend(newer.sweeps);
        self.endpoints.extend(newer.endpoints);
        self.forms.extend(newer.forms);
    }

    /// Whether every asset of `vendor` was observed (a vendor added by a reload was not yet).
    pub fn covers(&self, vendor: &Vendor) -> bool {
        vendor
            .hosts
            .iter()
            .all(|h| self.sweeps.contains_key(&(h.clone(), vendor.ports.clone())))
            && vendor
                .tls
                .iter()
                .all(|(h, p)| self.endpoints.contains_key(&(h.clone(), *p)))
            && vendor
                .forms
                .iter()
                .all(|f| self.forms.contains_key(&(vendor.id.clone(), f.url.clone())))
    }
}

/// Judges the observations with every check of `catalog`, applies waivers and computes verdicts.
pub fn judge(
    inventory: &Inventory,
    catalog: &Catalog,
    options: &RunOptions,
    observations: Observations,
) -> RunReport {
    let Observations {
        started,
        now,
        sweeps,
        endpoints,
        forms,
    } = observations;
    let vendors = selected(inventory, options);
    let current_fy = report_facts::fiscal_year(
        now,
        inventory.audit.timezone,
        inventory.audit.fiscal_year_start,
    );
    let today = now.with_timezone(&inventory.audit.timezone).date_naive();
    let results: Vec<VendorResult> = vendors
        .iter()
        .map(|vendor| {
            let probed = Probes {
                sweeps: &sweeps,
                endpoints: &endpoints,
                forms: &forms,
            };
            judge_vendor(vendor, catalog, &probed, now, current_fy, today)
        })
        .collect();
    let finished = Utc::now();
    RunReport {
        schema: SCHEMA,
        run: RunInfo {
            // The start second and 32 random bits: unique across shards and watch rounds
            // started in the same second, and sorted by time.
            id: format!(
                "{}-{:08x}",
                started.format("%Y%m%dT%H%M%SZ"),
                rand::random::<u32>()
            ),
            started_at: started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            finished_at: finished.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            now: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            tool: format!("vendor-audit {}", env!("CARGO_PKG_VERSION")),
            proxy: inventory.audit.proxy.clone(),
        },
        summary: Summary::of(&results),
        vendors: results,
    }
}

/// Everything probed in a run, by asset.
struct Probes<'a> {
    sweeps: &'a Sweeps,
    endpoints: &'a Endpoints,
    forms: &'a Forms,
}

fn judge_vendor(
    vendor: &Vendor,
    catalog: &Catalog,
    probed: &Probes,
    now: DateTime<FixedOffset>,
    current_fy: i32,
    today: chrono::NaiveDate,
) -> VendorResult {
    let known: Vec<&str> = catalog.controls.keys().map(String::as_str).collect();
    let report = ReportFile::load(vendor.report.as_deref(), &vendor.id, &known);
    let report_facts = report_facts::facts(
        &report,
        vendor.report_as_written.as_deref(),
        current_fy,
        today,
    );
    let mut findings = Vec::new();
    let mut assets = Vec::new();

    let mut observed: Vec<Observed> = Vec::new();
    let mut tls_facts: Vec<(String, &ProbedEndpoint)> = Vec::new();
    let mut host_facts: Vec<(String, Facts, Option<Text>)> = Vec::new();
    for name in &vendor.hosts {
        let Some(sweep) = probed.sweeps.get(&(name.clone(), vendor.ports.clone())) else {
            continue;
        };
        let mut facts = Facts::new();
        let unreachable = match &sweep.address {
            Ok(ip) => {
                facts.set("host.address", ip.to_string());
                let open: Vec<i64> = sweep
                    .ports
                    .iter()
                    .filter(|p| p.state == PortState::Open)
                    .map(|p| i64::from(p.port))
                    .collect();
                facts.set("host.open_ports", open);
                None
            }
            Err(why) => Some(why.clone()),
        };
        host_facts.push((name.clone(), facts, unreachable));
    }
    for (name, facts, unreachable) in &host_facts {
        let Some(sweep) = probed.sweeps.get(&(name.clone(), vendor.ports.clone())) else {
            continue;
        };
        observed.push(Observed::Host {
            name,
            facts,
            ports: &sweep.ports,
            unreachable: unreachable.as_ref(),
        });
        let address = sweep.address.as_ref().ok().map(ToString::to_string);
        assets.push(asset(name.clone(), "host", address.clone(), facts));
        for port in &sweep.ports {
            assets.push(asset(
                join_host_port(name, port.port),
                "service",
                address.clone(),
                &port.facts,
            ));
        }
    }
    for (name, port) in &vendor.tls {
        let target = join_host_port(name, *port);
        if let Some(endpoint) = probed.endpoints.get(&(name.clone(), *port)) {
            tls_facts.push((target, endpoint));
        }
    }
    for (target, endpoint) in &tls_facts {
        observed.push(Observed::Single {
            kind: AssetKind::Tls,
            target,
            facts: &endpoint.facts,
        });
        assets.push(asset(
            target.clone(),
            "tls",
            endpoint.address.clone(),
            &endpoint.facts,
        ));
    }
    // Forms: the probe's facts plus the schedule at `now`.
    let form_facts: Vec<(&str, Option<String>, Facts)> = vendor
        .forms
        .iter()
        .filter_map(|form| {
            let page = probed.forms.get(&(vendor.id.clone(), form.url.clone()))?;
            let mut facts = page.facts.clone();
            facts.merge(derive::schedule::schedule_facts(form, now));
            Some((form.url.as_str(), page.address.clone(), facts))
        })
        .collect();
    for (url, address, facts) in &form_facts {
        observed.push(Observed::Single {
            kind: AssetKind::Form,
            target: url,
            facts,
        });
        assets.push(asset((*url).to_owned(), "form", address.clone(), facts));
    }
    observed.push(Observed::Single {
        kind: AssetKind::Report,
        target: "report",
        facts: &report_facts,
    });
    assets.push(asset("report".into(), "report", None, &report_facts));

    for check in catalog.checks.values() {
        for obs in &observed {
            findings.extend(evaluate::judge_asset(check, obs));
        }
    }
    waivers::apply(&mut findings, &vendor.waivers, today);
    findings.sort_by(|a, b| {
        (a.status, std::cmp::Reverse(a.severity), &a.target, &a.check).cmp(&(
            b.status,
            std::cmp::Reverse(b.severity),
            &b.target,
            &b.check,
        ))
    });

    // A flawed report's well-formed answers are judged too (SPEC §8).
    let declaration = report.declaration();
    let controls = verdict::verdicts(catalog, declaration, &findings);
    VendorResult {
        id: vendor.id.clone(),
        name: vendor.name.clone(),
        grade: Default::default(),
        score: 0,
        report: ReportSummary {
            path: vendor.report_as_written.clone(),
            status: report_facts::status(&report, current_fy, today),
            fiscal_year: declaration.and_then(|d| d.fiscal_year),
        },
        findings,
        controls,
        assets,
        grading: Default::default(),
    }
    .graded()
}

/// Resolves and probes one TLS endpoint within its budget, then adds the derived facts. Whatever
/// fails, every TLS fact is either observed or unavailable with the reason.
async fn probe_tls(
    ctx: &ProbeContext,
    audit: &AuditSettings,
    trust: &RunTrust,
    name: &str,
    port: u16,
    now: DateTime<FixedOffset>,
) -> ProbedEndpoint {
    let resolve_timeout = ctx.limits.connect_timeout.max(Duration::from_secs(2));
    let mut facts = Facts::new();
    let address = match scope::resolve_both(name, audit, resolve_timeout).await {
        Ok(ip) => {
            let budget = ctx.limits.tls_budget();
            let ep = Endpoint {
                name: name.to_owned(),
                addr: SocketAddr::new(ip, port),
            };
            // The budget starts once the endpoint has a connection slot of its own: queueing
            // behind other probes does not spend it.
            let ctx = match ctx.hold(ip).await {
                Ok(held) => held,
                Err(e) => {
                    fact_catalogue::mark_unavailable_both(
                        &mut facts,
                        "tls",
                        &crate::diagnostic::both(
                            format!("no connection slot: {e}"),
                            "接続枠を得られなかった（実行の終了中）",
                        ),
                    );
                    derive::tls::derive(&mut facts);
                    return ProbedEndpoint {
                        address: Some(ip.to_string()),
                        facts,
                    };
                }
            };
            let ctx = &ctx;
            let deadline = tokio::time::Instant::now() + budget;
            // The probe honours its deadline; this cap only guards the run against a bug.
            let cap = budget + Duration::from_secs(30);
            let probe = tls::probe_endpoint(ctx, &ep, &trust.anchors, now, deadline);
            match tokio::time::timeout(cap, probe).await {
                Ok(probed) => {
                    facts = probed;
                    trust.mark(&mut facts);
                }
                Err(_) => fact_catalogue::mark_unavailable_both(
                    &mut facts,
                    "tls",
                    &crate::diagnostic::both(
                        format!("the TLS probe did not finish within {}s", cap.as_secs()),
                        format!("TLS のプローブが {} 秒以内に終わらなかった", cap.as_secs()),
                    ),
                ),
            }
            Some(ip.to_string())
        }
        Err(why) => {
            fact_catalogue::mark_unavailable_both(&mut facts, "tls", &why);
            None
        }
    };
    derive::tls::derive(&mut facts);
    ProbedEndpoint { address, facts }
}

/// A vendor's assets as `probe::http` reads them: each swept host with each swept port
/// (`host:port`), each TLS endpoint (`host:port`), and each form and leak-probe URL (its
/// origin). A redirect to anything else, another port of a listed host included, is not followed.
fn vendor_assets(vendor: &Vendor) -> Vec<String> {
    let bracket = |h: &str| {
        let h = h.to_ascii_lowercase();
        if h.contains(':') && !h.starts_with('[') {
            format!("[{h}]")
        } else {
            h
        }
    };
    let mut assets: BTreeSet<String> = BTreeSet::new();
    for h in &vendor.hosts {
        for p in &vendor.ports {
            assets.insert(format!("{}:{p}", bracket(h)));
        }
    }
    assets.extend(
        vendor
            .tls
            .iter()
            .map(|(h, p)| format!("{}:{p}", bracket(h))),
    );
    for form in &vendor.forms {
        assets.insert(form.url.clone());
        if let Some(leak) = &form.leak_probe {
            assets.insert(leak.submit.clone());
            assets.insert(leak.view.clone());
        }
    }
    assets.into_iter().collect()
}

/// The host of an http(s) URL, lower-cased, without brackets.
fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => host_port.split(':').next()?,
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// Resolves a form's host within scope, then runs the HTTP probe (and the leak probe when the
/// form has one) within the budget. Whatever fails, every form fact is observed or unavailable.
async fn probe_web_form(
    ctx: &ProbeContext,
    audit: &AuditSettings,
    form: &crate::inventory::Form,
    allowed: &[String],
) -> ProbedEndpoint {
    let mut facts = Facts::new();
    facts.set("form.url", form.url.as_str());
    let Some(host) = url_host(&form.url) else {
        fact_catalogue::mark_unavailable(
            &mut facts,
            "http",
            &format!("`{}` is not an http(s) URL", form.url),
        );
        facts.set("form.url", form.url.as_str());
        return ProbedEndpoint {
            address: None,
            facts,
        };
    };
    let resolve_timeout = ctx.limits.connect_timeout.max(Duration::from_secs(2));
    match scope::resolve_both(&host, audit, resolve_timeout).await {
        Ok(ip) => {
            // The probe connects to the address scope allowed, whatever DNS says later.
            let mut pinned = audit.clone();
            pinned.resolve.insert(host.clone(), ip);
            let budget = ctx.limits.tls_budget();
            let deadline = tokio::time::Instant::now() + budget;
            let cap = budget + Duration::from_secs(30);
            let probe = http::probe_form(ctx, form, allowed, &pinned, deadline);
            match tokio::time::timeout(cap, probe).await {
                Ok(probed) => facts.merge(probed),
                Err(_) => fact_catalogue::mark_unavailable_both(
                    &mut facts,
                    "http",
                    &crate::diagnostic::both(
                        format!("the HTTP probe did not finish within {}s", cap.as_secs()),
                        format!("HTTP のプローブが {} 秒以内に終わらなかった", cap.as_secs()),
                    ),
                ),
            }
            facts.set("form.url", form.url.as_str());
            ProbedEndpoint {
                address: Some(ip.to_string()),
                facts,
            }
        }
        Err(why) => {
            fact_catalogue::mark_unavailable_both(&mut facts, "http", &why);
            facts.set("form.url", form.url.as_str());
            ProbedEndpoint {
                address: None,
                facts,
            }
        }
    }
}

fn asset(target: String, kind: &str, address: Option<String>, facts: &Facts) -> AssetFacts {
    AssetFacts {
        target,
        kind: kind.to_owned(),
        address,
        facts: facts.values.clone(),
        unavailable: facts.unavailable.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::{url_host, vendor_assets};

    #[test]
    fn a_vendors_assets_are_its_listed_ports_and_origins() {
        let vendor = crate::inventory::Vendor {
            id: "v".into(),
            name: "V".into(),
            report: None,
            report_as_written: None,
            hosts: vec!["Xray.example.lab".into(), "::1".into()],
            ports: vec![3389, 8080],
            tls: vec![("reading.example.lab".into(), 8443)],
            forms: vec![crate::inventory::Form {
                url: "https://forms.example.lab/apply".into(),
                opens_at: None,
                closes_at: None,
                leak_probe: None,
            }],
            waivers: vec![],
        };
        assert_eq!(
            vendor_assets(&vendor),
            [
                "[::1]:3389",
                "[::1]:8080",
                "https://forms.example.lab/apply",
                "reading.example.lab:8443",
                "xray.example.lab:3389",
                "xray.example.lab:8080",
            ]
        );
    }

    #[test]
    fn url_hosts() {
        assert_eq!(
            url_host("https://Forms.Example.lab/apply").as_deref(),
            Some("forms.example.lab")
        );
        assert_eq!(
            url_host("http://127.0.0.101:6081/apply?x=1").as_deref(),
            Some("127.0.0.101")
        );
        assert_eq!(url_host("https://user@[::1]:8443/").as_deref(), Some("::1"));
        assert_eq!(url_host("mailto:x@example.lab"), None);
        assert_eq!(url_host("https:///nohost"), None);
    }
}
