//! The `vendor-audit` command line: parses arguments, calls the library, prints, and maps the
//! outcome to the exit codes of SPEC §4 (0 ok, 1 something failed, 2 bad invocation or invalid
//! files, 3 the run could not proceed).

use std::fmt::Display;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::OnceLock;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use vendor_audit::catalog::{Catalog, Lang, Severity};
use vendor_audit::diagnostic::Diagnostics;
use vendor_audit::engine::{self, RunOptions};
use vendor_audit::history::{self, History, RunMeta};
use vendor_audit::inventory::Inventory;
use vendor_audit::notify::{self, Notifier};
use vendor_audit::probe::Limits;
use vendor_audit::report::color::{self, ColorChoice};
use vendor_audit::report::output::OutputSpec;
use vendor_audit::report::{self, Format};
use vendor_audit::shard::Shard;
use vendor_audit::{commands, demo, grade, i18n, reference, watch};

/// The language of this invocation, set once in `main`: `--lang`, else the locale variables.
static LANG: OnceLock<Lang> = OnceLock::new();

fn lang() -> Lang {
    LANG.get().copied().unwrap_or(Lang::En)
}

/// One line for people on standard error, `vendor-audit: …`, in the invocation's language.
fn say(en: impl Display, ja: impl Display) {
    match lang() {
        Lang::En => eprintln!("vendor-audit: {en}"),
        Lang::Ja => eprintln!("vendor-audit: {ja}"),
    }
}

#[derive(Parser)]
#[command(
    name = "vendor-audit",
    version,
    about = "Checks contractors' self-declared security controls against what their endpoints show",
    after_long_help = EXIT_STATUS_HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The language of what is printed for people: en or ja [default: from LC_ALL, LC_MESSAGES
    /// or LANG, the first one set; ja when it starts with `ja`, else en].
    #[arg(long, value_enum, global = true)]
    lang: Option<LangArg>,
}

#[derive(Subcommand)]
enum Command {
    /// Probe every vendor's assets, judge the checks, and compare with their annual reports.
    Run(RunArgs),
    /// Start the built-in lab on loopback (the 2024 incidents) and audit it with vendors.toml.
    Demo(DemoArgs),
    /// Assess a candidate vendor before it signs: its grade, what it must fix, and its
    /// declarations against what its endpoints show, from targets on the command line.
    Assess(AssessArgs),
    /// Audit in one long-lived process: every asset at --every, and each scheduled form at
    /// --near-go-live from 24 h before to 1 h after its go-live and close; store and alert.
    Watch(WatchArgs),
    /// One row per stored run and vendor: failures by severity, contradictions, what changed.
    History(HistoryArgs),
    /// What changed between two stored runs: regressions, fixed, verdict and status changes
    /// [default: the newest run against each of its vendors' previous run].
    Diff(DiffArgs),
    /// The check catalogue, with rationale and remediation.
    Checks {
        #[command(subcommand)]
        action: Option<ChecksAction>,
        /// Folders of extra checks (add or override built-in ones).
        #[arg(long = "checks", value_name = "DIR", global = true)]
        dirs: Vec<PathBuf>,
    },
    /// Validate the inventory, every declaration it names, and the checks.
    Validate {
        #[arg(long, default_value = "vendors.toml")]
        config: PathBuf,
        #[arg(long = "checks", value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// Judge waiver expiry as of this instant (RFC 3339) instead of the clock.
        #[arg(long, value_parser = parse_now)]
        now: Option<DateTime<FixedOffset>>,
    },
    /// The contract annex: each control as a numbered requirement, with the checks that verify it
    /// and what passing each means, ready to attach to a contract.
    Requirements {
        #[arg(long, value_enum, default_value = "markdown")]
        format: AnnexFormat,
        #[arg(long = "checks", value_name = "DIR")]
        dirs: Vec<PathBuf>,
    },
    /// Print a blank annual report: one commented line per control.
    ReportTemplate {
        /// The vendor id to put in the template.
        #[arg(long, default_value = "your-vendor-id")]
        vendor: String,
        #[arg(long = "checks", value_name = "DIR")]
        dirs: Vec<PathBuf>,
    },
    /// Print the shell completion script, generated from this command line, e.g.
    /// `vendor-audit completions bash > ~/.local/share/bash-completion/completions/vendor-audit`.
    Completions {
        #[arg(value_enum)]
        shell: reference::Shell,
    },
    /// Print the man page, generated from this command line; with --out DIR, write one page per
    /// command there instead (vendor-audit.1, vendor-audit-run.1, ...).
    Manpage {
        /// The folder for the pages, e.g. ~/.local/share/man/man1 (created if absent).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ChecksAction {
    /// One line per check.
    List,
    /// Everything about one check: condition, facts, why, fix, references, examples.
    Show { id: String },
    /// The fact catalogue: every fact a probe may record, its type, its probe and its meaning.
    Facts,
    /// How a vendor's grade and score are computed: deductions, caps, letter bands.
    Grading,
}

#[derive(Args, Clone)]
struct OutputArgs {
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write the report to FILE instead of standard output; with FORMAT=FILE (repeatable), write
    /// that format there besides standard output, e.g. --output json=run.json --output
    /// junit=run.xml. Each file is written whole and never coloured.
    #[arg(long, value_name = "[FORMAT=]FILE")]
    output: Vec<OutputSpec>,
    /// Colour the table on standard output (files written by --output never are).
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
    /// Exit 1 when a finding at or above this severity fails or cannot be judged
    /// [default: high for `run`, never for `demo`, whose findings are the show].
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Judge as of this instant (RFC 3339), e.g. 2026-04-30T00:05:00+09:00.
    #[arg(long, value_parser = parse_now)]
    now: Option<DateTime<FixedOffset>>,
    /// After the report, each vendor's grade as a sum: every deduction and cap (on standard
    /// output after a table; on standard error beside the other formats).
    #[arg(long)]
    explain: bool,
    #[command(flatten)]
    probe: ProbeArgs,
}

impl OutputArgs {
    /// Whether `format` is written anywhere: standard output or an `--output` file.
    fn wants(&self, format: Format) -> bool {
        self.output
            .iter()
            .map(|o| o.format.unwrap_or(self.format))
            .chain((!self.output.iter().any(|o| o.format.is_none())).then_some(self.format))
            .any(|f| f == format)
    }
}

/// How probing is bounded, and which checks judge: shared by `run`, `demo` and `watch`.
#[derive(Args, Clone)]
struct ProbeArgs {
    /// Connections at once in the whole run.
    #[arg(long, default_value_t = vendor_audit::probe::net::DEFAULT_CONCURRENCY as u16,
          value_parser = clap::value_parser!(u16).range(1..))]
    concurrency: u16,
    /// Connections at once to one address (ports of a host swept at once, TLS hellos in
    /// flight); waiting for one does not count against a port's or endpoint's --timeout.
    #[arg(long, default_value_t = vendor_audit::probe::net::DEFAULT_PER_HOST as u16,
          value_parser = clap::value_parser!(u16).range(1..))]
    per_host: u16,
    /// Seconds one port (or endpoint) may take in all, however many connections it needs.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=300))]
    timeout: u64,
    /// Folders of extra checks (add or override built-in ones).
    #[arg(long = "checks", value_name = "DIR")]
    checks: Vec<PathBuf>,
}

impl ProbeArgs {
    fn run_options(&self) -> RunOptions {
        let budget = Duration::from_secs(self.timeout);
        RunOptions {
            limits: Limits {
                connect_timeout: budget.min(Duration::from_secs(3)),
                port_budget: budget,
                ..Limits::default()
            },
            concurrency: usize::from(self.concurrency),
            per_host: usize::from(self.per_host),
            ..RunOptions::default()
        }
    }
}

#[derive(Args)]
struct RunArgs {
    #[arg(long, default_value = "vendors.toml")]
    config: PathBuf,
    /// Audit only this vendor (repeatable).
    #[arg(long = "vendor", value_name = "ID")]
    vendors: Vec<String>,
    /// Audit only shard K of N (0 <= K < N): the vendors whose id hashes to K, so that N jobs
    /// split one inventory with no coordination (with --vendor: those of them in the shard).
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
    #[command(flatten)]
    output: OutputArgs,
    #[command(flatten)]
    keep: HistoryFlags,
}

#[derive(Args, Clone)]
struct HistoryFlags {
    /// The history: a SQLite file, or PostgreSQL as postgres://USER[:PASSWORD]@HOST[:PORT]/DB
    /// [default: `[audit] history` of the inventory, else audit-history.db beside it].
    #[arg(long, value_name = "FILE|URL")]
    db: Option<PathBuf>,
    /// Do not store this run (and send no alert: alerts compare with the stored runs).
    #[arg(long, conflicts_with = "db")]
    no_history: bool,
}

#[derive(Args)]
struct AssessArgs {
    /// A host to sweep for remote-access services (repeatable).
    #[arg(long = "host", value_name = "HOST")]
    hosts: Vec<String>,
    /// A port to sweep instead of the default list (repeatable).
    #[arg(long = "port", value_name = "PORT")]
    ports: Vec<u16>,
    /// A TLS endpoint (repeatable).
    #[arg(long = "tls", value_name = "HOST:PORT")]
    tls: Vec<String>,
    /// A web form that carries personal data (repeatable).
    #[arg(long = "form", value_name = "URL")]
    forms: Vec<String>,
    /// More targets, one per line: a URL is a form, HOST:PORT a TLS endpoint, else a host.
    #[arg(long, value_name = "FILE")]
    targets: Option<PathBuf>,
    /// The candidate's declaration (an annual report in the usual format).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Use this address for a name, like curl --resolve (repeatable).
    #[arg(long = "resolve", value_name = "NAME=ADDR", value_parser = parse_resolve)]
    resolve: Vec<(String, String)>,
    /// Allow names that resolve to loopback, private or link-local addresses.
    #[arg(long)]
    allow_private: bool,
    /// Extra trust anchors (PEM) for the certificate checks (repeatable).
    #[arg(long = "trust", value_name = "PEM")]
    trust: Vec<PathBuf>,
    /// The candidate's id in the report and the history.
    #[arg(long, default_value = "candidate")]
    id: String,
    /// The candidate's name.
    #[arg(long, default_value = "Candidate vendor")]
    name: String,
    #[command(flatten)]
    output: OutputArgs,
    /// Store the assessment in this history (none by default: a candidate is not a vendor yet).
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Store nothing (the default; accepted as `run` accepts it).
    #[arg(long, conflicts_with = "db")]
    no_history: bool,
}

fn parse_resolve(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .filter(|(n, a)| !n.is_empty() && !a.is_empty())
        .map(|(n, a)| (n.to_ascii_lowercase(), a.to_owned()))
        .ok_or_else(|| format!("`{s}` is not NAME=ADDR, e.g. portal.example.lab=127.0.0.22"))
}

#[derive(Args)]
struct WatchArgs {
    #[arg(long, default_value = "vendors.toml")]
    config: PathBuf,
    #[command(flatten)]
    keep: HistoryFlags,
    /// How often every asset is audited (s, m, h or d: 30s, 15m, 1h, 1d).
    #[arg(long, default_value = "15m", value_parser = watch::parse_duration)]
    every: Duration,
    /// How often a scheduled form is audited from 24 h before to 1 h after its go-live or close.
    #[arg(long, default_value = "1m", value_parser = watch::parse_duration)]
    near_go_live: Duration,
    #[command(flatten)]
    probe: ProbeArgs,
}

#[derive(Args)]
struct HistorySource {
    /// The inventory whose `[audit] history` names the database.
    #[arg(long, default_value = "vendors.toml")]
    config: PathBuf,
    /// The history, a SQLite file or a postgres:// URL (overrides the inventory's).
    #[arg(long, value_name = "FILE|URL")]
    db: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum AnnexFormat {
    Markdown,
    Html,
}

#[derive(Clone, Copy, ValueEnum)]
enum ChangesFormat {
    Table,
    Json,
}

#[derive(Args)]
struct HistoryArgs {
    #[command(flatten)]
    source: HistorySource,
    /// Only this vendor's runs.
    #[arg(long, value_name = "ID")]
    vendor: Option<String>,
    /// Rows shown, newest first.
    #[arg(long, default_value_t = 20)]
    limit: usize,
    #[arg(long, value_enum, default_value = "table")]
    format: ChangesFormat,
}

#[derive(Args)]
struct DiffArgs {
    /// The older run (an id, or the start of one) [default: each vendor's previous run].
    run_a: Option<String>,
    /// The newer run [default: the newest].
    run_b: Option<String>,
    #[command(flatten)]
    source: HistorySource,
    #[arg(long, value_enum, default_value = "table")]
    format: ChangesFormat,
    /// Exit 1 when a regression at or above this severity happened.
    #[arg(long, value_enum, default_value = "high")]
    fail_on: FailOn,
}

#[derive(Args)]
struct DemoArgs {
    #[command(flatten)]
    output: OutputArgs,
    /// Store the demo's runs in this history (none by default: the lab is thrown away), e.g. to
    /// see the HTML report's trend over several demos.
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum LangArg {
    En,
    Ja,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Lang {
        match l {
            LangArg::En => Lang::En,
            LangArg::Ja => Lang::Ja,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Never,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Critical => Some(Severity::Critical),
            FailOn::High => Some(Severity::High),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::Low => Some(Severity::Low),
            FailOn::Never => None,
        }
    }
}

fn parse_now(s: &str) -> Result<DateTime<FixedOffset>, String> {
    DateTime::parse_from_rfc3339(s)
        .map_err(|e| format!("`{s}` is not an RFC 3339 time ({e}); e.g. 2026-04-30T00:05:00+09:00"))
}

/// The exit codes below, as `--help` and the man page state them.
const EXIT_STATUS_HELP: &str = "Exit status:
  0  the run completed and nothing failed at or above --fail-on
  1  a finding at or above --fail-on failed or could not be judged
  2  bad invocation, or invalid inventory, declaration or check files
  3  the run could not proceed (history not writable, runtime or output failure)";

/// Exit codes of SPEC §4.
const EXIT_FINDINGS: u8 = 1;
const EXIT_INVALID: u8 = 2;
const EXIT_CANNOT_RUN: u8 = 3;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Not parsed: the language is read from the arguments leniently, else the locale.
            let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
            let lang = i18n::lang_in_args(&args).unwrap_or_else(i18n::env_lang);
            if !e.use_stderr() {
                // --help and --version: clap's own text, on stdout.
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            match lang {
                Lang::En => {
                    let _ = e.print();
                }
                Lang::Ja => eprint!("{}", i18n::clap_error(&e, lang)),
            }
            return ExitCode::from(EXIT_INVALID);
        }
    };
    let lang = *LANG.get_or_init(|| cli.lang.map_or_else(i18n::env_lang, Lang::from));
    match cli.command {
        Command::Run(args) => run_command(args),
        Command::Demo(args) => demo_command(args),
        Command::Watch(args) => watch_command(args),
        Command::Assess(args) => assess_command(args),
        Command::History(args) => history_command(args),
        Command::Diff(args) => diff_command(args),
        Command::Checks { action, dirs } => {
            with_catalog(&dirs, |catalog| {
                match action.unwrap_or(ChecksAction::List) {
                    ChecksAction::List => print!("{}", commands::checks_list(catalog, lang)),
                    ChecksAction::Facts => print!(
                        "{}",
                        commands::checks_facts(lang, usize::from(terminal_width()))
                    ),
                    ChecksAction::Grading => print!("{}", grade::formula(lang)),
                    ChecksAction::Show { id } => match commands::checks_show(catalog, &id, lang) {
                        Some(text) => print!("{text}"),
                        None => {
                            say(
                                format!("no check `{id}`; `vendor-audit checks list` shows them"),
                                format!("`{id}` というチェックはない（一覧は `vendor-audit checks list`）"),
                            );
                            return ExitCode::from(EXIT_INVALID);
                        }
                    },
                }
                ExitCode::SUCCESS
            })
        }
        Command::Validate { config, dirs, now } => with_catalog(&dirs, |catalog| {
            let inventory = match Inventory::load(&config) {
                Ok(i) => i,
                Err(d) => return invalid(&d),
            };
            let now = now.unwrap_or_else(|| chrono::Utc::now().fixed_offset());
            let today = now.with_timezone(&inventory.audit.timezone).date_naive();
            let (text, problems) = commands::validate(&inventory, catalog, today, lang);
            print!("{text}");
            // Warnings (an expired waiver) are said; only errors make the files invalid.
            if problems.has_errors() {
                invalid(&problems)
            } else {
                eprint!("{}", problems.render(lang));
                ExitCode::SUCCESS
            }
        }),
        Command::Requirements { format, dirs } => with_catalog(&dirs, |catalog| {
            print!(
                "{}",
                match format {
                    AnnexFormat::Markdown => report::requirements::markdown(catalog, lang),
                    AnnexFormat::Html => report::requirements::html(catalog, lang),
                }
            );
            ExitCode::SUCCESS
        }),
        Command::ReportTemplate { vendor, dirs } => with_catalog(&dirs, |catalog| {
            print!(
                "{}",
                commands::report_template(
                    catalog,
                    &vendor,
                    lang,
                    chrono::Utc::now().fixed_offset()
                )
            );
            ExitCode::SUCCESS
        }),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            match reference::completions(Cli::command(), shell, &mut script) {
                Ok(()) => print_bytes(&script),
                Err(e) => {
                    say(
                        format!("cannot generate the completions: {e}"),
                        format!("補完スクリプトを生成できない（原文: \"{e}\"）"),
                    );
                    ExitCode::from(EXIT_CANNOT_RUN)
                }
            }
        }
        Command::Manpage { out: None } => match reference::man_page(Cli::command()) {
            Ok(page) => print_bytes(&page),
            Err(e) => {
                say(
                    format!("cannot render the man page: {e}"),
                    format!("man ページを生成できない（原文: \"{e}\"）"),
                );
                ExitCode::from(EXIT_CANNOT_RUN)
            }
        },
        Command::Manpage { out: Some(dir) } => {
            match reference::write_man_pages(Cli::command(), &dir) {
                Ok(pages) => {
                    for page in pages {
                        println!("{}", page.display());
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    say(
                        format!("cannot write the man pages into {}: {e}", dir.display()),
                        format!(
                            "{} に man ページを書き込めない（原文: \"{e}\"）",
                            dir.display()
                        ),
                    );
                    ExitCode::from(EXIT_CANNOT_RUN)
                }
            }
        }
    }
}

/// Generated text on standard output; a closed pipe (`| head`) is not an error worth a panic.
fn print_bytes(bytes: &[u8]) -> ExitCode {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            say(
                format!("cannot write to standard output: {e}"),
                format!("標準出力に書き込めない（原文: \"{e}\"）"),
            );
            ExitCode::from(EXIT_CANNOT_RUN)
        }
    }
}

fn invalid(problems: &Diagnostics) -> ExitCode {
    eprint!("{}", problems.render(lang()));
    ExitCode::from(EXIT_INVALID)
}

fn with_catalog(dirs: &[PathBuf], f: impl FnOnce(&Catalog) -> ExitCode) -> ExitCode {
    match Catalog::load(dirs) {
        Ok(catalog) => f(&catalog),
        Err(d) => invalid(&d),
    }
}

/// One thread drives every connection: probing is I/O, and on a small machine shared with the
/// servers it talks to, cross-thread wake-ups cost more than they give (bench/tls: a 100-endpoint
/// fleet took about 20% less wall time and system time than on the multi-thread runtime). The
/// checks load on the blocking pool meanwhile.
fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            say(
                format!("cannot start the async runtime: {e}"),
                format!("非同期ランタイムを起動できない（原文: \"{e}\"）"),
            );
            ExitCode::from(EXIT_CANNOT_RUN)
        })
}

fn run_command(args: RunArgs) -> ExitCode {
    let inventory = match Inventory::load(&args.config) {
        Ok(i) => i,
        Err(d) => return invalid(&d),
    };
    for id in &args.vendors {
        if inventory.vendor(id).is_none() {
            let known: Vec<&str> = inventory.vendors.iter().map(|v| v.id.as_str()).collect();
            say(
                format!(
                    "no vendor `{id}` in {}; known: {}",
                    args.config.display(),
                    known.join(", ")
                ),
                format!(
                    "{} に委託先 `{id}` はない（記載されている委託先: {}）",
                    args.config.display(),
                    known.join("、")
                ),
            );
            return ExitCode::from(EXIT_INVALID);
        }
    }
    // Opened before any probe: a history that cannot be written stops the run at once.
    let mut keep = match open_for_writing(&args.keep, &inventory, &args.config) {
        Ok(keep) => keep,
        Err(code) => return code,
    };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    audit_and_report(
        &rt,
        &inventory,
        Selection {
            vendors: args.vendors,
            shard: args.shard,
        },
        &args.output,
        keep.as_mut(),
        "run",
    )
}

fn open_for_writing(
    flags: &HistoryFlags,
    inventory: &Inventory,
    config: &Path,
) -> Result<Option<History>, ExitCode> {
    if flags.no_history {
        return Ok(None);
    }
    let location = history::locate(flags.db.as_deref(), Some(inventory), config).map_err(bad_db)?;
    open_location(&location).map(Some)
}

/// A `--db` that names no usable history (a PostgreSQL URL that does not parse, or asks for
/// TLS): a mistake of the command line (exit 2), said with the password hidden.
fn bad_db(e: String) -> ExitCode {
    say(
        format!("--db: {e}"),
        format!("--db に指定した監査履歴を使えない（原文: \"{e}\"）"),
    );
    ExitCode::from(EXIT_INVALID)
}

/// Opens the history `--db` names (a file, or a `postgres://` URL) to write to.
fn open_history(db: &Path) -> Result<History, ExitCode> {
    let location = history::Location::of_arg(db).map_err(bad_db)?;
    open_location(&location)
}

/// Opens a history to write to; one that cannot be opened stops the command (exit 3).
fn open_location(location: &history::Location) -> Result<History, ExitCode> {
    History::open_at(location).map_err(|e| {
        history_error(&e);
        ExitCode::from(EXIT_CANNOT_RUN)
    })
}

/// The history `history` and `diff` read: it must exist already (reading never creates one).
fn open_for_reading(source: &HistorySource) -> Result<History, ExitCode> {
    let location = match &source.db {
        Some(db) => history::Location::of_arg(db).map_err(bad_db)?,
        None if source.config.exists() => match Inventory::load(&source.config) {
            Ok(inventory) => {
                history::locate(None, Some(&inventory), &source.config).map_err(bad_db)?
            }
            Err(d) => return Err(invalid(&d)),
        },
        None => history::locate(None, None, &source.config).map_err(bad_db)?,
    };
    if let Some(path) = location.file().filter(|p| !p.is_file()) {
        say(
            format!(
                "no history at {}: `vendor-audit run` stores one (or give --db FILE)",
                path.display()
            ),
            format!(
                "{} に監査履歴がない: `vendor-audit run` が作成する（または --db FILE で指定する）",
                path.display()
            ),
        );
        return Err(ExitCode::from(EXIT_INVALID));
    }
    History::open_existing(&location).map_err(|e| {
        history_error(&e);
        ExitCode::from(EXIT_CANNOT_RUN)
    })
}

fn terminal_width() -> u16 {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}

fn history_command(args: HistoryArgs) -> ExitCode {
    let history = match open_for_reading(&args.source) {
        Ok(h) => h,
        Err(code) => return code,
    };
    match history.rows(args.vendor.as_deref(), args.limit) {
        Ok(rows) => {
            match args.format {
                ChangesFormat::Table => {
                    print!(
                        "{}",
                        report::changes::history_table(&rows, terminal_width(), lang())
                    )
                }
                ChangesFormat::Json => print!("{}", report::changes::history_json(&rows)),
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            history_error(&e);
            ExitCode::from(EXIT_CANNOT_RUN)
        }
    }
}

/// A history that cannot be read or written: its own words (path and cause) in English; in
/// Japanese, a lead sentence and those words quoted.
fn history_error(e: &impl Display) {
    say(e, format!("監査履歴を使えない（原文: \"{e}\"）"));
}

fn diff_command(args: DiffArgs) -> ExitCode {
    let history = match open_for_reading(&args.source) {
        Ok(h) => h,
        Err(code) => return code,
    };
    let changes = history.compare(args.run_a.as_deref(), args.run_b.as_deref());
    let changes = match changes {
        Ok(c) => c,
        Err(e) => {
            say(
                &e,
                format!("比較する監査実行を特定できない（原文: \"{e}\"）"),
            );
            return ExitCode::from(EXIT_INVALID);
        }
    };
    match args.format {
        ChangesFormat::Table => print!(
            "{}",
            report::changes::diff_table(&changes, terminal_width(), lang())
        ),
        ChangesFormat::Json => print!("{}", report::changes::diff_json(&changes)),
    }
    if changes.regresses_at(args.fail_on.threshold()) {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}

fn assess_command(args: AssessArgs) -> ExitCode {
    let mut candidate = vendor_audit::assess::Candidate {
        id: args.id,
        name: args.name,
        hosts: args.hosts,
        ports: args.ports,
        tls: args.tls,
        forms: args.forms,
        report: args.report,
        resolve: args.resolve.into_iter().collect(),
        trust: args.trust,
        allow_private: args.allow_private,
    };
    if let Some(file) = &args.targets {
        if let Err(d) = vendor_audit::assess::add_targets_file(&mut candidate, file) {
            return invalid(&d);
        }
    }
    let inventory = match vendor_audit::assess::inventory(&candidate) {
        Ok(i) => i,
        Err(d) => return invalid(&d),
    };
    let mut history = match args.db.as_deref().map(open_history).transpose() {
        Ok(h) => h,
        Err(code) => return code,
    };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    audit_and_report(
        &rt,
        &inventory,
        Selection::default(),
        &args.output,
        history.as_mut(),
        "assess",
    )
}

fn watch_command(args: WatchArgs) -> ExitCode {
    let inventory = match Inventory::load(&args.config) {
        Ok(i) => i,
        Err(d) => return invalid(&d),
    };
    let catalog = match Catalog::load(&args.probe.checks) {
        Ok(c) => c,
        Err(d) => return invalid(&d),
    };
    let history = match open_for_writing(&args.keep, &inventory, &args.config) {
        Ok(h) => h,
        Err(code) => return code,
    };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let options = watch::WatchOptions {
        run: args.probe.run_options(),
        config: args.config,
        checks: args.probe.checks,
        every: args.every,
        near_go_live: args.near_go_live,
    };
    rt.block_on(watch::watch(options, inventory, catalog, history));
    ExitCode::SUCCESS
}

fn demo_command(args: DemoArgs) -> ExitCode {
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    // The demo is a show on a throwaway lab: nothing of it is kept unless --db asks.
    let mut history = match args.db.as_deref().map(open_history).transpose() {
        Ok(h) => h,
        Err(code) => return code,
    };
    let mut output = args.output;
    let now = output.now.unwrap_or_else(demo::clock);
    output.now = Some(now);
    let lab = match rt.block_on(demo::Lab::start(now)) {
        Ok(lab) => lab,
        Err(e) => {
            match lang() {
                Lang::En => eprintln!("vendor-audit demo: {e}"),
                Lang::Ja => eprintln!("vendor-audit demo: デモを起動できない（原文: \"{e}\"）"),
            }
            return ExitCode::from(EXIT_CANNOT_RUN);
        }
    };
    // On stderr, so that `--format json` and the other formats stay clean on stdout.
    eprintln!("{}", lab.banner(lang()));
    eprintln!("{}\n", demo::clock_line(now, lang()));
    let inventory = match Inventory::load(lab.inventory_path()) {
        Ok(i) => i,
        Err(d) => return invalid(&d),
    };
    output.fail_on = Some(output.fail_on.unwrap_or(FailOn::Never));
    let code = audit_and_report(
        &rt,
        &inventory,
        Selection::default(),
        &output,
        history.as_mut(),
        "demo",
    );
    drop(lab);
    code
}

/// The vendors of the inventory a run covers: `--vendor` and `--shard`.
#[derive(Default)]
struct Selection {
    vendors: Vec<String>,
    shard: Option<Shard>,
}

fn audit_and_report(
    rt: &tokio::runtime::Runtime,
    inventory: &Inventory,
    selection: Selection,
    out: &OutputArgs,
    history: Option<&mut History>,
    kind: &str,
) -> ExitCode {
    // Output files that cannot be written stop the run before any probe.
    if let Err(code) = check_outputs(&out.output) {
        return code;
    }
    // The checks load (CEL compilation: a few milliseconds) while the progress bar is set up.
    let dirs = out.probe.checks.clone();
    let loading = rt.spawn_blocking(move || Catalog::load(&dirs));
    let options = RunOptions {
        vendors: selection.vendors,
        shard: selection.shard,
        now: out.now,
        ..out.probe.run_options()
    };
    // Progress on stderr only when it is a terminal (never in pipes, files or CI logs).
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0).with_message("probing");
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {msg} {pos}/{len} hosts [{elapsed}]",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    });
    let options = RunOptions {
        progress: bar.clone().map(|bar| {
            engine::Progress(std::sync::Arc::new(move |done: usize, total: usize| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            }))
        }),
        ..options
    };
    // The checks load before any probe: broken checks stop the run before a packet is sent.
    let catalog = match rt.block_on(loading) {
        Ok(Ok(catalog)) => catalog,
        Ok(Err(d)) => {
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            return invalid(&d);
        }
        Err(_) => {
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            say(
                "loading the checks failed unexpectedly",
                "チェックの読み込みが予期せず失敗した",
            );
            return ExitCode::from(EXIT_CANNOT_RUN);
        }
    };
    let lang = lang();
    let width = terminal_width();
    let mut run = engine::begin(inventory, &options);
    let clear_bar = || {
        if let Some(bar) = &bar {
            bar.finish_and_clear();
        }
    };
    // Every report is written vendor by vendor into spools, then whole at the end: memory holds
    // one vendor's results, not the fleet's (issue 14).
    let color = color::for_stdout(out.color);
    let mut outputs = match report::stream::Outputs::open(
        &out.output,
        out.format,
        out.explain,
        lang,
        width,
        color,
    ) {
        Ok(o) => o,
        Err(e) => {
            clear_bar();
            say(
                format!("cannot make room for the reports: {e}"),
                format!("報告書の一時ファイルを作れない（原文: \"{e}\"）"),
            );
            return ExitCode::from(EXIT_CANNOT_RUN);
        }
    };
    // The run is stored vendor by vendor too; it counts in the history once complete.
    let meta = RunMeta::of(kind, inventory, &catalog.digest);
    let mut history = history;
    let mut recording = match history.as_deref_mut().map(|h| h.begin_run(&run, &meta)) {
        None => None,
        Some(Ok(r)) => Some(r),
        Some(Err(e)) => {
            clear_bar();
            history_error(&e);
            return ExitCode::from(EXIT_CANNOT_RUN);
        }
    };
    let threshold = out.fail_on.unwrap_or(FailOn::High).threshold();
    let wants_trends = out.wants(Format::Html);
    let explain_aside = out.explain && out.format != Format::Table;
    let assess_text = kind == "assess";
    // Judged vendors reach this thread over a small channel: it writes reports and history
    // (blocking I/O, a database driver with a runtime of its own) outside the probing runtime.
    let consumed = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<vendor_audit::results::VendorResult>(4);
        let history = history.as_deref_mut();
        let recording = &mut recording;
        let outputs = &mut outputs;
        let consumer = scope.spawn(move || {
            let mut seen = Consumed::default();
            let mut history = history;
            for v in rx {
                seen.fails |= v.fails_at(threshold);
                if explain_aside {
                    eprint!(
                        "{}",
                        report::wrap_hanging(&grade::explain_vendor(&v, lang), width)
                    );
                }
                if assess_text {
                    seen.assessment
                        .push_str(&report::assessment::summary(&v, lang));
                }
                if let Some(h) = history.as_deref_mut() {
                    // The HTML's trend: the vendor's earlier graded runs, read before this one.
                    if wants_trends {
                        match h.scores_for(&v.id, report::html::TREND_RUNS) {
                            Ok(points) => {
                                seen.trends.insert(v.id.clone(), points);
                            }
                            Err(e) => seen.trend_error = Some(e.to_string()),
                        }
                    }
                    if let (Some(rec), None) = (recording.as_mut(), &seen.history_error) {
                        if let Err(e) = h.record_vendor(rec, &v) {
                            seen.history_error = Some(e);
                        }
                    }
                }
                if seen.output_error.is_none() {
                    if let Err(e) = outputs.vendor(&v) {
                        seen.output_error = Some(e);
                    }
                }
            }
            seen
        });
        let summary = rt.block_on(engine::stream(
            inventory,
            &catalog,
            &options,
            &mut run,
            move |v| {
                // The consumer ends only by panicking; the run then stops at `join`.
                let _ = tx.send(v);
            },
        ));
        (summary, consumer.join())
    });
    clear_bar();
    let (summary, seen) = match consumed {
        (summary, Ok(seen)) => (summary, seen),
        (_, Err(_)) => {
            say(
                "writing the reports failed unexpectedly",
                "報告書の書き出しが予期せず失敗した",
            );
            return ExitCode::from(EXIT_CANNOT_RUN);
        }
    };
    if let Some(e) = &seen.trend_error {
        eprintln!("vendor-audit: no trend in the HTML report: {e}");
    }
    let extras = report::Extras {
        catalog: Some(&catalog),
        trends: (wants_trends && history.is_some() && seen.trend_error.is_none())
            .then_some(&seen.trends),
    };
    let written = match seen.output_error {
        Some(e) => Err(e),
        None => outputs.finish(&run, &summary, extras),
    };
    if let Err((to, e)) = written {
        say(
            format!("cannot write {to}: {e}"),
            format!("{to} に書き込めない（原文: \"{e}\"）"),
        );
        return ExitCode::from(EXIT_CANNOT_RUN);
    }
    if assess_text {
        // The procurement officer's summary: after a table, on stdout; beside machine formats,
        // on stderr so that they stay parseable.
        if out.format == Format::Table && !out.output.iter().any(|o| o.format.is_none()) {
            print!("\n{}", seen.assessment);
        } else {
            eprint!("{}", seen.assessment);
        }
    }
    if let (Some(history), Some(rec)) = (history, recording) {
        let stored = match seen.history_error {
            Some(e) => Err(e),
            None => history.finish_run(rec, &run.finished_at, &summary),
        };
        match stored {
            Ok(changes) => {
                say(
                    format!(
                        "run {} stored in {} (since each vendor's previous run: {} new failing, {} fixed)",
                        run.id,
                        history.path().display(),
                        changes.regressions.len(),
                        changes.fixed.len()
                    ),
                    format!(
                        "監査実行 {} を {} に記録した（各委託先の前回の監査実行から、新たな不合格 {} 件、解消 {} 件）",
                        run.id,
                        history.path().display(),
                        changes.regressions.len(),
                        changes.fixed.len()
                    ),
                );
                if let Some(settings) = &inventory.notify {
                    let notifier = Notifier::new(settings);
                    let alerts = notify::alerts_for(&changes, notifier.min_severity());
                    match rt.block_on(notifier.queue_and_deliver(history, &alerts)) {
                        Ok(delivery) => {
                            for e in &delivery.errors {
                                say(e, format!("通知を送れなかった（原文: \"{e}\"）"));
                            }
                        }
                        Err(e) => say(
                            format!("alerts: {e}"),
                            format!("通知を処理できない（原文: \"{e}\"）"),
                        ),
                    }
                }
            }
            Err(e) => {
                history_error(&e);
                return ExitCode::from(EXIT_CANNOT_RUN);
            }
        }
    } else if inventory.notify.is_some() {
        say(
            "[notify] is set but --no-history was given: alerts compare with the stored runs, so none is sent",
            "[notify] が設定されているが --no-history が指定された: 通知は記録済みの監査実行との比較で送るため、送らない",
        );
    }
    if seen.fails {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}

/// What the report thread gathered from a run's vendors as they passed.
#[derive(Default)]
struct Consumed {
    /// A finding at or above `--fail-on` failed or could not be judged.
    fails: bool,
    /// `assess`'s summaries, in vendor order.
    assessment: String,
    trends: history::Trends,
    trend_error: Option<String>,
    history_error: Option<history::HistoryError>,
    output_error: Option<(report::stream::Destination, std::io::Error)>,
}

/// Two `--output`s naming one file, or a file in a folder that does not exist, are mistakes of
/// the command line (exit 2), said before anything is probed.
fn check_outputs(specs: &[OutputSpec]) -> Result<(), ExitCode> {
    for (i, spec) in specs.iter().enumerate() {
        if specs[..i].iter().any(|other| other.path == spec.path) {
            say(
                format!("--output names {} twice", spec.path.display()),
                format!("--output に {} が二度指定されている", spec.path.display()),
            );
            return Err(ExitCode::from(EXIT_INVALID));
        }
        let folder = match spec.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if !folder.is_dir() {
            say(
                format!(
                    "cannot write {}: there is no folder {}",
                    spec.path.display(),
                    folder.display()
                ),
                format!(
                    "{} に書き込めない: フォルダ {} がない",
                    spec.path.display(),
                    folder.display()
                ),
            );
            return Err(ExitCode::from(EXIT_INVALID));
        }
    }
    Ok(())
}
