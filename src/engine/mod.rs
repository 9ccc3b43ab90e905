//! The engine: expands the inventory into assets, probes each asset once (concurrently, within
//! the context's bounds), judges every check on the facts, applies waivers and computes the
//! control verdicts. `stream` hands each vendor's result on as soon as it is judged (memory flat
//! in the fleet); `probe` + `judge` keep a whole round (`watch`). Rendering is the reports' job.

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
use crate::shard::Shard;
use evaluate::Observed;

/// How a run behaves (the `run` command's options).
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Only these vendors (all when empty).
    pub vendors: Vec<String>,
    /// Only the vendors of this shard (`run --shard K/N`), after `vendors`.
    pub shard: Option<Shard>,
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
    /// How many assets [`stream`] keeps probed but not judged; `None`: from `concurrency`.
    pub window: Option<usize>,
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
            shard: None,
            now: None,
            limits: Limits::default(),
            concurrency: crate::probe::net::DEFAULT_CONCURRENCY,
            per_host: crate::probe::net::DEFAULT_PER_HOST,
            only_forms: None,
            progress: None,
            window: None,
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
        .filter(|v| options.shard.is_none_or(|s| s.contains(&v.id)))
        .collect()
}

/// One asset to probe, as the observations key it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum AssetKey {
    Host(String, Vec<u16>),
    Tls(String, u16),
    /// (vendor id, URL): a form is probed once per vendor that lists it.
    Form(String, String),
}

/// The assets of `vendor` a run probes, in the vendor's order (`only_forms` keeps only those).
fn assets_of(vendor: &Vendor, options: &RunOptions) -> Vec<AssetKey> {
    let mut keys = Vec::new();
    if options.only_forms.is_none() {
        keys.extend(
            vendor
                .hosts
                .iter()
                .map(|h| AssetKey::Host(h.clone(), vendor.ports.clone())),
        );
        keys.extend(vendor.tls.iter().map(|(h, p)| AssetKey::Tls(h.clone(), *p)));
    }
    keys.extend(
        vendor
            .forms
            .iter()
            .filter(|f| {
                options
                    .only_forms
                    .as_ref()
                    .is_none_or(|only| only.contains(&(vendor.id.clone(), f.url.clone())))
            })
            .map(|f| AssetKey::Form(vendor.id.clone(), f.url.clone())),
    );
    keys.dedup();
    keys
}

/// What every probe task of a run shares: the connection context, the audit settings, the trust
/// anchors and the instant certificates are judged at.
struct Prober {
    ctx: ProbeContext,
    audit: Arc<AuditSettings>,
    trust: Arc<RunTrust>,
    now: DateTime<FixedOffset>,
}

impl Prober {
    /// The run's context; the trust anchors are loaded only when some TLS endpoint needs them.
    fn new(
        inventory: &Inventory,
        options: &RunOptions,
        now: DateTime<FixedOffset>,
        tls: bool,
    ) -> Prober {
        let ctx = ProbeContext::new(options.limits, options.concurrency, options.per_host)
            .with_user_agent(&crate::probe::net::user_agent(
                inventory.audit.contact.as_deref(),
            ));
        Prober {
            ctx,
            audit: Arc::new(inventory.audit.clone()),
            trust: Arc::new(if tls {
                RunTrust::load(&inventory.audit.trust)
            } else {
                RunTrust::default()
            }),
            now,
        }
    }

    /// Starts probing `key` (of `vendor`, for a form's allowed redirects) on `tasks`; returns
    /// the task's id, so that a task that panics can still be told apart.
    fn spawn(
        &self,
        tasks: &mut tokio::task::JoinSet<Probed>,
        key: &AssetKey,
        vendor: &Vendor,
    ) -> tokio::task::Id {
        let (ctx, audit) = (self.ctx.clone(), self.audit.clone());
        match key.clone() {
            AssetKey::Host(name, ports) => tasks.spawn(async move {
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
            }),
            AssetKey::Tls(name, port) => {
                let (trust, now) = (self.trust.clone(), self.now);
                tasks.spawn(async move {
                    let probed = probe_tls(&ctx, &audit, &trust, &name, port, now).await;
                    Probed::Tls((name, port), probed)
                })
            }
            AssetKey::Form(id, url) => {
                let allowed = vendor_assets(vendor);
                let form = vendor.forms.iter().find(|f| f.url == url).cloned();
                tasks.spawn(async move {
                    let probed = match form {
                        Some(form) => probe_web_form(&ctx, &audit, &form, &allowed).await,
                        None => failed_probe(&AssetKey::Form(id.clone(), url.clone())),
                    };
                    Probed::Form((id, url), probed)
                })
            }
        }
        .id()
    }
}

/// What stands for an asset whose probe task failed (a bug: it panicked): every fact
/// unavailable, so that its checks end `error`, never a pass for want of facts.
fn failed_probe(key: &AssetKey) -> ProbedEndpoint {
    let why = crate::diagnostic::both(
        "the probe failed unexpectedly (a bug in vendor-audit; please report it)",
        "プローブが予期せず失敗した（vendor-audit の不具合。報告してほしい）",
    );
    let mut facts = Facts::new();
    match key {
        AssetKey::Tls(..) => {
            fact_catalogue::mark_unavailable_both(&mut facts, "tls", &why);
            derive::tls::derive(&mut facts);
        }
        AssetKey::Form(_, url) => {
            fact_catalogue::mark_unavailable_both(&mut facts, "http", &why);
            facts.set("form.url", url.as_str());
        }
        AssetKey::Host(..) => {}
    }
    ProbedEndpoint {
        address: None,
        facts,
    }
}

/// The observation of a failed task of `key` (see [`failed_probe`]).
fn failed(key: &AssetKey) -> Probed {
    match key {
        AssetKey::Host(name, ports) => Probed::Host(
            (name.clone(), ports.clone()),
            HostSweep {
                address: Err(crate::diagnostic::both(
                    "the probe failed unexpectedly (a bug in vendor-audit; please report it)",
                    "プローブが予期せず失敗した（vendor-audit の不具合。報告してほしい）",
                )),
                ports: Vec::new(),
            },
        ),
        AssetKey::Tls(name, port) => Probed::Tls((name.clone(), *port), failed_probe(key)),
        AssetKey::Form(id, url) => Probed::Form((id.clone(), url.clone()), failed_probe(key)),
    }
}

/// Probes every asset of the selected vendors once, concurrently within the context's bounds.
/// Needs no check: the catalogue can load (or fail) meanwhile.
pub async fn probe(inventory: &Inventory, options: &RunOptions) -> Observations {
    let started = Utc::now();
    let now = options.now.unwrap_or_else(|| started.fixed_offset());
    let vendors = selected(inventory, options);
    let mut wanted: BTreeSet<AssetKey> = BTreeSet::new();
    let mut owner: HashMap<AssetKey, &Vendor> = HashMap::new();
    for v in &vendors {
        for key in assets_of(v, options) {
            owner.entry(key.clone()).or_insert(v);
            wanted.insert(key);
        }
    }
    let tls = wanted.iter().any(|k| matches!(k, AssetKey::Tls(..)));
    let prober = Prober::new(inventory, options, now, tls);
    let total = wanted.len();
    let mut tasks = tokio::task::JoinSet::new();
    let mut ids: HashMap<tokio::task::Id, AssetKey> = HashMap::new();
    for key in wanted {
        if let Some(vendor) = owner.get(&key) {
            ids.insert(prober.spawn(&mut tasks, &key, vendor), key);
        }
    }
    let mut held = Held::default();
    while let Some(joined) = tasks.join_next_with_id().await {
        held.absorb(joined, &ids);
        if let Some(Progress(progress)) = &options.progress {
            progress(total - tasks.len(), total);
        }
    }
    Observations {
        started,
        now,
        sweeps: held.sweeps,
        endpoints: held.endpoints,
        forms: held.forms,
    }
}

/// The observations a run holds, by asset.
#[derive(Default)]
struct Held {
    sweeps: Sweeps,
    endpoints: Endpoints,
    forms: Forms,
}

impl Held {
    /// Keeps what a finished task observed; a task that failed leaves its asset unavailable.
    fn absorb(
        &mut self,
        joined: Result<(tokio::task::Id, Probed), tokio::task::JoinError>,
        ids: &HashMap<tokio::task::Id, AssetKey>,
    ) -> Option<AssetKey> {
        let probed = match joined {
            Ok((_, probed)) => probed,
            Err(e) => {
                eprintln!("vendor-audit: a probe task failed: {e}");
                failed(ids.get(&e.id())?)
            }
        };
        Some(self.insert(probed))
    }

    fn insert(&mut self, probed: Probed) -> AssetKey {
        match probed {
            Probed::Host((name, ports), sweep) => {
                self.sweeps.insert((name.clone(), ports.clone()), sweep);
                AssetKey::Host(name, ports)
            }
            Probed::Tls((name, port), endpoint) => {
                self.endpoints.insert((name.clone(), port), endpoint);
                AssetKey::Tls(name, port)
            }
            Probed::Form((id, url), page) => {
                self.forms.insert((id.clone(), url.clone()), page);
                AssetKey::Form(id, url)
            }
        }
    }

    fn has(&self, key: &AssetKey) -> bool {
        match key {
            AssetKey::Host(name, ports) => self.sweeps.contains_key(&(name.clone(), ports.clone())),
            AssetKey::Tls(name, port) => self.endpoints.contains_key(&(name.clone(), *port)),
            AssetKey::Form(id, url) => self.forms.contains_key(&(id.clone(), url.clone())),
        }
    }

    fn drop_key(&mut self, key: &AssetKey) {
        match key {
            AssetKey::Host(name, ports) => {
                self.sweeps.remove(&(name.clone(), ports.clone()));
            }
            AssetKey::Tls(name, port) => {
                self.endpoints.remove(&(name.clone(), *port));
            }
            AssetKey::Form(id, url) => {
                self.forms.remove(&(id.clone(), url.clone()));
            }
        }
    }

    fn probes(&self) -> Probes<'_> {
        Probes {
            sweeps: &self.sweeps,
            endpoints: &self.endpoints,
            forms: &self.forms,
        }
    }
}

/// How many assets a streamed run keeps probed but not yet judged, at most (a little more when
/// one vendor has more assets than that): enough that waiting for a slow vendor's tarpits
/// rarely starves the connection slots, few enough that memory does not grow with the fleet.
/// Six per slot (1,536 at the default 256): bench/fleet's 10,000 assets with a tarpit in every
/// vendor ran as fast as with sixteen (41.5 s against 45.9 s) in 63 MiB instead of 105; the
/// assets probed during one tarpit budget there were about 1,100.
fn window(options: &RunOptions) -> usize {
    options.concurrency.saturating_mul(6).clamp(512, 8192)
}

/// The start of a run: its id, clocks and tool, before any probe.
pub fn begin(inventory: &Inventory, options: &RunOptions) -> RunInfo {
    let started = Utc::now();
    let now = options.now.unwrap_or_else(|| started.fixed_offset());
    run_info(inventory, options, started, now)
}

fn run_info(
    inventory: &Inventory,
    options: &RunOptions,
    started: DateTime<Utc>,
    now: DateTime<FixedOffset>,
) -> RunInfo {
    RunInfo {
        // The start second and 32 random bits: unique across shards and watch rounds
        // started in the same second, and sorted by time.
        id: format!(
            "{}-{:08x}",
            started.format("%Y%m%dT%H%M%SZ"),
            rand::random::<u32>()
        ),
        started_at: started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        finished_at: started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        now: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        tool: format!("vendor-audit {}", env!("CARGO_PKG_VERSION")),
        proxy: inventory.audit.proxy.clone(),
        shard: options.shard,
    }
}

/// Probes and judges the selected vendors of a run begun with [`begin`], handing each vendor's
/// result to `each` in inventory order as soon as its assets are probed, and returns the run's
/// summary with `run.finished_at` set. Probing runs ahead of judging by a bounded window of
/// assets, so memory holds that window and one result, not the fleet (issue 14).
pub async fn stream(
    inventory: &Inventory,
    catalog: &Catalog,
    options: &RunOptions,
    run: &mut RunInfo,
    mut each: impl FnMut(VendorResult),
) -> Summary {
    let now = options
        .now
        .or_else(|| chrono::DateTime::parse_from_rfc3339(&run.now).ok())
        .unwrap_or_else(|| Utc::now().fixed_offset());
    let vendors = selected(inventory, options);
    let plan: Vec<Vec<AssetKey>> = vendors.iter().map(|v| assets_of(v, options)).collect();
    // How many vendors still need each asset: it is dropped after the last one is judged.
    let mut needed: HashMap<&AssetKey, usize> = HashMap::new();
    for key in plan.iter().flatten() {
        *needed.entry(key).or_default() += 1;
    }
    let total = needed.len();
    let tls = needed.keys().any(|k| matches!(k, AssetKey::Tls(..)));
    let prober = Prober::new(inventory, options, now, tls);
    let (current_fy, today) = judging_dates(inventory, now);
    let window = options.window.unwrap_or_else(|| window(options));

    let mut tasks = tokio::task::JoinSet::new();
    let mut ids: HashMap<tokio::task::Id, AssetKey> = HashMap::new();
    let mut started: std::collections::HashSet<&AssetKey> = std::collections::HashSet::new();
    let mut held = Held::default();
    let (mut in_window, mut probed) = (0usize, 0usize);
    let (mut next_probe, mut next_judge) = (0usize, 0usize);
    let mut summary = Summary::default();
    while next_judge < vendors.len() {
        while next_probe < vendors.len() && (in_window < window || next_probe == next_judge) {
            if let (Some(vendor), Some(keys)) = (vendors.get(next_probe), plan.get(next_probe)) {
                for key in keys {
                    if started.insert(key) {
                        ids.insert(prober.spawn(&mut tasks, key, vendor), key.clone());
                        in_window += 1;
                    }
                }
            }
            next_probe += 1;
        }
        // Every vendor whose assets are all in, in order.
        let mut judged_any = false;
        while let (Some(vendor), Some(keys)) = (vendors.get(next_judge), plan.get(next_judge)) {
            if next_judge >= next_probe || !keys.iter().all(|k| held.has(k)) {
                break;
            }
            let result = judge_vendor(vendor, catalog, &held.probes(), now, current_fy, today);
            summary.add(&result);
            each(result);
            for key in keys {
                if let Some(left) = needed.get_mut(key) {
                    *left = left.saturating_sub(1);
                    if *left == 0 {
                        held.drop_key(key);
                        in_window = in_window.saturating_sub(1);
                    }
                }
            }
            next_judge += 1;
            judged_any = true;
        }
        if judged_any || next_judge >= vendors.len() {
            continue;
        }
        match tasks.join_next_with_id().await {
            Some(joined) => {
                held.absorb(joined, &ids);
                probed += 1;
                if let Some(Progress(progress)) = &options.progress {
                    progress(probed, total);
                }
            }
            // Nothing in flight and the next vendor still waits: cannot happen (every key of a
            // started vendor is spawned); judge what is there rather than wait for ever.
            None => {
                for key in plan.get(next_judge).into_iter().flatten() {
                    if !held.has(key) {
                        held.insert(failed(key));
                    }
                }
            }
        }
    }
    run.finished_at = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    summary
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
    let (current_fy, today) = judging_dates(inventory, now);
    let probed = Probes {
        sweeps: &sweeps,
        endpoints: &endpoints,
        forms: &forms,
    };
    let results: Vec<VendorResult> = vendors
        .iter()
        .map(|vendor| judge_vendor(vendor, catalog, &probed, now, current_fy, today))
        .collect();
    let mut run = run_info(inventory, options, started, now);
    run.finished_at = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    RunReport {
        schema: SCHEMA,
        run,
        summary: Summary::of(&results),
        vendors: results,
    }
}

/// The fiscal year and the day a run judges reports at, in the audit's time zone.
fn judging_dates(inventory: &Inventory, now: DateTime<FixedOffset>) -> (i32, chrono::NaiveDate) {
    let current_fy = report_facts::fiscal_year(
        now,
        inventory.audit.timezone,
        inventory.audit.fiscal_year_start,
    );
    let today = now.with_timezone(&inventory.audit.timezone).date_naive();
    (current_fy, today)
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
            // Boxed only now that the slot is held: the enumeration's state (some 33 KB) is
            // not kept by every endpoint still queued behind others (issue 14: flat memory).
            let probe = Box::pin(tls::probe_endpoint(ctx, &ep, &trust.anchors, now, deadline));
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

    /// 30 vendors on closed loopback ports, sharing one host and one TLS endpoint across the
    /// window's edges: the streamed run judges each once, in order, with the same findings as
    /// probing everything first and judging after, whatever the window.
    #[tokio::test]
    async fn a_streamed_run_equals_probing_then_judging_at_any_window() {
        // Ports nothing listens on: bound, then closed, on 127.0.0.1 (refused at once).
        let closed: Vec<u16> = (0..3)
            .map(|_| {
                let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                l.local_addr().unwrap().port()
            })
            .collect();
        let mut toml = String::from("[audit]\ntimezone = \"Asia/Tokyo\"\n");
        for i in 0..30 {
            toml += &format!(
                "[[vendor]]\nid = \"v{i:02}\"\nname = \"V{i}\"\nhosts = [\"127.0.0.1\", \"127.0.0.{}\"]\n\
                 ports = [{}, {}]\ntls = [\"127.0.0.1:{}\"]\n",
                2 + i % 4,
                closed[0],
                closed[1],
                closed[2]
            );
        }
        let inventory =
            crate::inventory::Inventory::parse(std::path::Path::new("/tmp/v.toml"), &toml).unwrap();
        let catalog = crate::catalog::Catalog::load(&[]).unwrap();
        let now = chrono::DateTime::parse_from_rfc3339("2026-06-01T09:00:00+09:00").ok();
        let limits = crate::probe::Limits {
            connect_timeout: std::time::Duration::from_secs(2),
            port_budget: std::time::Duration::from_secs(2),
            ..Default::default()
        };
        let whole = super::run(
            &inventory,
            &catalog,
            &super::RunOptions {
                now,
                limits,
                ..Default::default()
            },
        )
        .await;
        let key = |v: &crate::results::VendorResult| {
            let findings: Vec<_> = v
                .findings
                .iter()
                .map(|f| (f.check.clone(), f.target.clone(), f.status))
                .collect();
            (v.id.clone(), findings, v.assets.len())
        };
        let expected: Vec<_> = whole.vendors.iter().map(key).collect();
        assert_eq!(expected.len(), 30);
        for window in [1, 2, 7, 1000] {
            let options = super::RunOptions {
                now,
                limits,
                window: Some(window),
                concurrency: 4,
                ..Default::default()
            };
            let mut run = super::begin(&inventory, &options);
            let mut got = Vec::new();
            let summary = super::stream(&inventory, &catalog, &options, &mut run, |v| {
                got.push(key(&v))
            })
            .await;
            assert_eq!(got, expected, "window {window}");
            assert_eq!(summary, whole.summary, "window {window}");
        }
    }

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
