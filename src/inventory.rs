//! The inventory, `vendors.toml`: the vendors, their assets (hosts, TLS endpoints, forms), where
//! their annual reports are, and accepted exceptions (waivers). Loading validates everything and
//! reports each problem with file:line:column and the key.

use std::collections::{BTreeMap, HashSet};
use std::net::IpAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;
use serde::Deserialize;
use toml::Spanned;

use crate::catalog::Text;
use crate::diagnostic::{both, Diagnostic, Diagnostics};

/// The ports swept on a host when the inventory does not list its own (SPEC §7.1).
pub const DEFAULT_SWEEP: &[u16] = &[
    3389, 5900, 5901, 22, 23, 21, 445, 104, 4242, 11112, 8042, 1433, 3306, 5432,
];

#[derive(Debug, Clone)]
pub struct Inventory {
    /// The inventory file, and the folder relative paths resolve against.
    pub path: PathBuf,
    pub dir: PathBuf,
    /// The file's text, for diagnostics located by the spans kept below (waivers).
    pub source: String,
    pub audit: AuditSettings,
    pub vendors: Vec<Vendor>,
    /// Where alerts go (`[notify]`); none when the table is absent.
    pub notify: Option<NotifySettings>,
}

/// `[notify]`: alerts on a new failure, a new contradicted control, and a fix (SPEC §8).
#[derive(Debug, Clone)]
pub struct NotifySettings {
    /// The environment variable that holds the webhook URL (never the URL itself).
    pub webhook_url_env: Option<String>,
    /// Findings below this severity raise no alert.
    pub min_severity: crate::catalog::Severity,
    /// A program given each alert's JSON on standard input (program, then its arguments).
    pub command: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct AuditSettings {
    pub timezone: Tz,
    /// Month and day the fiscal year starts (Japan: 4, 1).
    pub fiscal_year_start: (u32, u32),
    pub trust: Vec<PathBuf>,
    /// `[audit] history`: a SQLite file (resolved against the inventory's folder) or a
    /// `postgres://` URL.
    pub history: Option<crate::history::Location>,
    pub allow_private: bool,
    /// Static name -> address map, like curl --resolve.
    pub resolve: BTreeMap<String, IpAddr>,
    /// `[audit] contact`: an e-mail address or URL named in every request's User-Agent, so that
    /// a vendor can recognise the audit and reach its operator.
    pub contact: Option<String>,
    /// `[audit] proxy`: the HTTP(S) proxy form requests go through. None: no proxy at all, the
    /// environment's `http_proxy`/`HTTPS_PROXY`/`ALL_PROXY` notwithstanding.
    pub proxy: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Vendor {
    pub id: String,
    pub name: String,
    /// The annual report's path (absolute, resolved against the inventory's folder).
    pub report: Option<PathBuf>,
    /// The report path as written in the inventory, for display.
    pub report_as_written: Option<String>,
    pub hosts: Vec<String>,
    pub ports: Vec<u16>,
    pub tls: Vec<(String, u16)>,
    pub forms: Vec<Form>,
    pub waivers: Vec<Waiver>,
}

#[derive(Debug, Clone)]
pub struct Form {
    pub url: String,
    pub opens_at: Option<DateTime<FixedOffset>>,
    pub closes_at: Option<DateTime<FixedOffset>>,
    pub leak_probe: Option<LeakProbe>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeakProbe {
    pub submit: String,
    pub view: String,
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Waiver {
    pub check: String,
    pub target: String,
    pub reason: String,
    /// Last day the waiver applies (inclusive), in the audit timezone.
    pub expires: Option<NaiveDate>,
    /// Where `check`, `target` and `expires` are written in the inventory (byte spans), for
    /// `validate`'s diagnostics.
    pub spans: WaiverSpans,
}

#[derive(Debug, Clone, Default)]
pub struct WaiverSpans {
    pub check: Range<usize>,
    pub target: Range<usize>,
    pub expires: Option<Range<usize>>,
}

// ---- raw TOML shapes (what serde reads; spans kept where validation needs them) ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInventory {
    #[serde(default)]
    audit: Option<RawAudit>,
    #[serde(default)]
    vendor: Vec<Spanned<RawVendor>>,
    notify: Option<Spanned<RawNotify>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNotify {
    webhook_url_env: Option<Spanned<String>>,
    /// Refused with its own message: a URL in the file would end up in backups and reviews.
    webhook_url: Option<Spanned<toml::Value>>,
    min_severity: Option<crate::catalog::Severity>,
    command: Option<Spanned<Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAudit {
    timezone: Option<Spanned<String>>,
    fiscal_year_start: Option<Spanned<String>>,
    #[serde(default)]
    trust: Vec<Spanned<String>>,
    history: Option<Spanned<String>>,
    #[serde(default)]
    allow_private: bool,
    #[serde(default)]
    resolve: BTreeMap<String, Spanned<String>>,
    contact: Option<Spanned<String>>,
    proxy: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVendor {
    // Required keys are optional here so that a missing one is one located problem among the
    // others, not the end of reading (see `Problems::required`).
    id: Option<Spanned<String>>,
    name: Option<String>,
    report: Option<String>,
    #[serde(default)]
    hosts: Vec<Spanned<String>>,
    ports: Option<Vec<Spanned<u16>>>,
    #[serde(default)]
    tls: Vec<Spanned<String>>,
    #[serde(default)]
    form: Vec<Spanned<RawForm>>,
    #[serde(default)]
    waiver: Vec<Spanned<RawWaiver>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawForm {
    url: Option<Spanned<String>>,
    opens_at: Option<Spanned<toml::value::Datetime>>,
    closes_at: Option<Spanned<toml::value::Datetime>>,
    leak_probe: Option<Spanned<RawLeakProbe>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLeakProbe {
    submit: Option<Spanned<String>>,
    view: Option<Spanned<String>>,
    #[serde(default)]
    fields: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    check: Option<Spanned<String>>,
    target: Option<Spanned<String>>,
    reason: Option<Spanned<String>>,
    expires: Option<Spanned<toml::value::Datetime>>,
}

/// Collects located problems while validating one file.
struct Problems<'a> {
    file: &'a Path,
    source: &'a str,
    found: Vec<Diagnostic>,
}

impl Problems<'_> {
    fn add(&mut self, span: Range<usize>, key: String, message: Text) {
        self.found.push(Diagnostic::at(
            self.file,
            self.source,
            Some(span),
            Some(key),
            message,
        ));
    }

    /// The value of a key its table must have, or (a problem at the table, and) an empty
    /// placeholder so that the rest of the file is still checked.
    fn required(
        &mut self,
        value: Option<Spanned<String>>,
        table: &Range<usize>,
        key: String,
    ) -> Spanned<String> {
        value.unwrap_or_else(|| {
            let name = key.rsplit('.').next().unwrap_or(&key).to_owned();
            // Written, but with a value of the wrong type: that is already said.
            if !self.found.iter().any(|d| d.key.as_deref() == Some(&key)) {
                self.add(
                    table.clone(),
                    key,
                    both(
                        format!("missing field `{name}`"),
                        format!("必須のキー `{name}` が書かれていない"),
                    ),
                );
            }
            Spanned::new(table.clone(), String::new())
        })
    }

    /// `required` for a URL, which must also pass `check_url`.
    fn required_url(
        &mut self,
        value: Option<Spanned<String>>,
        table: &Range<usize>,
        key: String,
    ) -> String {
        if let Some(url) = &value {
            if let Err(why) = check_url(url.get_ref()) {
                self.add(url.span(), key.clone(), why);
            }
        }
        self.required(value, table, key).into_inner()
    }
}

/// A regular file's bytes, if it holds at most `LOCAL_FILE_CAP`: a FIFO or a device named as a
/// file must not hang or exhaust the command.
pub fn read_small_file(path: &Path) -> Result<Vec<u8>, crate::localfile::LocalFileError> {
    crate::localfile::read_bounded(path, crate::localfile::LOCAL_FILE_CAP)
}

impl Inventory {
    /// Reads and validates an inventory file.
    pub fn load(path: &Path) -> Result<Inventory, Diagnostics> {
        let source = crate::localfile::read_text(path).map_err(|e| {
            let mut d = e.diagnostic(path);
            d.message = match &e {
                crate::localfile::LocalFileError::Io(e) => both(
                    format!("cannot read the inventory: {e}"),
                    format!(
                        "委託先一覧を読み込めない（{}）",
                        crate::diagnostic::io_error_ja(e)
                    ),
                ),
                _ => both(
                    format!("cannot read the inventory: {}", d.message.en),
                    format!("委託先一覧を読み込めない: {}", d.message.ja),
                ),
            };
            Diagnostics(vec![d])
        })?;
        Inventory::parse(path, &source)
    }

    /// Parses and validates inventory text (`path` names it in diagnostics and anchors
    /// relative paths).
    pub fn parse(path: &Path, source: &str) -> Result<Inventory, Diagnostics> {
        // Every error of the file at once: what serde refuses (unknown keys, wrong types), then
        // what the values mean (ids, hosts, URLs, dates).
        let (raw, found) = crate::diagnostic::from_toml_all::<RawInventory>(path, source);
        let Some(raw) = raw else {
            return Err(Diagnostics(found));
        };
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        let mut problems = Problems {
            file: path,
            source,
            found,
        };
        let audit = convert_audit(raw.audit, &dir, &mut problems);
        let mut seen = HashSet::new();
        let mut vendors = Vec::new();
        for (index, raw_vendor) in raw.vendor.into_iter().enumerate() {
            let table = raw_vendor.span();
            let mut raw_vendor = raw_vendor.into_inner();
            let written = raw_vendor.id.is_some();
            let id = problems.required(raw_vendor.id.take(), &table, format!("vendor[{index}].id"));
            if written && !seen.insert(id.get_ref().clone()) {
                problems.add(
                    id.span(),
                    format!("vendor[{index}].id"),
                    both(
                        format!(
                            "duplicate vendor id `{}`: each vendor is listed once",
                            id.get_ref()
                        ),
                        format!(
                            "委託先 ID `{}` が重複している: 各委託先は一度だけ記載する",
                            id.get_ref()
                        ),
                    ),
                );
            }
            vendors.push(convert_vendor(
                raw_vendor,
                (id, written),
                index,
                &dir,
                audit.timezone,
                &mut problems,
            ));
        }
        let notify = raw.notify.map(|n| convert_notify(n, &mut problems));
        if problems.found.is_empty() {
            Ok(Inventory {
                path: path.to_path_buf(),
                dir,
                source: source.to_owned(),
                audit,
                vendors,
                notify,
            })
        } else {
            let mut found = Diagnostics(problems.found);
            found.sort();
            Err(found)
        }
    }

    pub fn vendor(&self, id: &str) -> Option<&Vendor> {
        self.vendors.iter().find(|v| v.id == id)
    }
}

fn convert_notify(raw: Spanned<RawNotify>, problems: &mut Problems) -> NotifySettings {
    let table = raw.span();
    let raw = raw.into_inner();
    if let Some(url) = &raw.webhook_url {
        // The diagnostic shows the line it points at: with the URL masked, since it may carry
        // a secret token (same byte length, so that every position stays where it was).
        let span = url.span();
        let mut masked = problems.source.as_bytes().to_vec();
        if let Some(value) = masked.get_mut(span.clone()) {
            value.fill(b'*');
        }
        let masked = String::from_utf8_lossy(&masked).into_owned();
        problems.found.push(Diagnostic::at(
            problems.file,
            &masked,
            Some(span),
            Some("notify.webhook_url".into()),
            both(
                "the webhook URL is never written in this file (it would be copied into backups, \
                 reviews and logs): put it in an environment variable and name that variable with \
                 `webhook_url_env = \"NAME\"`",
                "Webhook の URL はこのファイルに書かない（バックアップ、レビュー、ログに写される）。\
                 URL は環境変数に入れ、その変数名を `webhook_url_env = \"NAME\"` で指定する",
            ),
        ));
    }
    let env = raw.webhook_url_env.map(|e| {
        let name = e.get_ref();
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            problems.add(
                e.span(),
                "notify.webhook_url_env".into(),
                both(
                    format!(
                        "`{name}` is not an environment variable name: expected letters, digits and \
                         `_`, e.g. \"VENDOR_AUDIT_WEBHOOK\""
                    ),
                    format!(
                        "`{name}` は環境変数名ではない: 英字、数字、`_` で書く（例: \"VENDOR_AUDIT_WEBHOOK\"）"
                    ),
                ),
            );
        }
        e.into_inner()
    });
    let command = match raw.command {
        Some(c) if c.get_ref().first().is_none_or(|p| p.trim().is_empty()) => {
            problems.add(
                c.span(),
                "notify.command".into(),
                both(
                    "expected the program and its arguments, e.g. [\"/usr/local/bin/page\", \"--team\", \"security\"]",
                    "プログラムとその引数を配列で書く（例: [\"/usr/local/bin/page\", \"--team\", \"security\"]）",
                ),
            );
            Vec::new()
        }
        Some(c) => c.into_inner(),
        None => Vec::new(),
    };
    if env.is_none() && command.is_empty() && raw.webhook_url.is_none() {
        problems.add(
            table,
            "notify".into(),
            both(
                "[notify] names no destination: expected `webhook_url_env` or `command` (or both)",
                "[notify] に通知先がない: `webhook_url_env` か `command`（または両方）を書く",
            ),
        );
    }
    NotifySettings {
        webhook_url_env: env,
        min_severity: raw.min_severity.unwrap_or(crate::catalog::Severity::High),
        command,
    }
}

fn convert_audit(raw: Option<RawAudit>, dir: &Path, problems: &mut Problems) -> AuditSettings {
    let mut settings = AuditSettings {
        timezone: chrono_tz::Asia::Tokyo,
        fiscal_year_start: (4, 1),
        trust: Vec::new(),
        history: None,
        allow_private: false,
        resolve: BTreeMap::new(),
        contact: None,
        proxy: None,
    };
    let Some(raw) = raw else { return settings };
    if let Some(tz) = raw.timezone {
        match tz.get_ref().parse::<Tz>() {
            Ok(parsed) => settings.timezone = parsed,
            Err(_) => problems.add(
                tz.span(),
                "audit.timezone".into(),
                both(
                    format!(
                        "unknown time zone `{}`: expected an IANA name such as \"Asia/Tokyo\"",
                        tz.get_ref()
                    ),
                    format!(
                        "`{}` というタイムゾーンはない: \"Asia/Tokyo\" のような IANA の名前で書く",
                        tz.get_ref()
                    ),
                ),
            ),
        }
    }
    if let Some(start) = raw.fiscal_year_start {
        match parse_month_day(start.get_ref()) {
            Some(md) => settings.fiscal_year_start = md,
            None => problems.add(
                start.span(),
                "audit.fiscal_year_start".into(),
                both(
                    format!(
                        "`{}` is not a month and day: expected \"MM-DD\", e.g. \"04-01\"",
                        start.get_ref()
                    ),
                    format!(
                        "`{}` は月日ではない: \"MM-DD\" の形で書く（例: \"04-01\"）",
                        start.get_ref()
                    ),
                ),
            ),
        }
    }
    for (i, t) in raw.trust.iter().enumerate() {
        let path = dir.join(t.get_ref());
        // Checked here so that `validate` and `run` point at the entry, not fail mid-run.
        if let Err(e) = crate::certificate::TrustAnchors::empty().add_pem_file(&path) {
            problems.add(
                t.span(),
                format!("audit.trust[{i}]"),
                both(
                    format!("{e}; expected a PEM file of one or more CA certificates"),
                    format!("CA 証明書（1 枚以上）の PEM ファイルを指定する（原文: \"{e}\"）"),
                ),
            );
        }
        settings.trust.push(path);
    }
    if let Some(history) = raw.history {
        settings.history = history_location(&history, dir, problems);
    }
    settings.allow_private = raw.allow_private;
    if let Some(contact) = raw.contact {
        match check_contact(contact.get_ref()) {
            Ok(()) => settings.contact = Some(contact.get_ref().trim().to_owned()),
            Err(why) => problems.add(contact.span(), "audit.contact".into(), why),
        }
    }
    if let Some(proxy) = raw.proxy {
        match check_proxy(proxy.get_ref()) {
            Ok(url) => settings.proxy = Some(url),
            Err(why) => problems.add(proxy.span(), "audit.proxy".into(), why),
        }
    }
    for (name, addr) in raw.resolve {
        match addr.get_ref().parse::<IpAddr>() {
            Ok(ip) => {
                settings.resolve.insert(name.to_ascii_lowercase(), ip);
            }
            Err(_) => problems.add(
                addr.span(),
                format!("audit.resolve.\"{name}\""),
                both(
                    format!(
                        "`{}` is not an IP address: expected e.g. \"127.0.0.31\"",
                        addr.get_ref()
                    ),
                    format!(
                        "`{}` は IP アドレスではない（例: \"127.0.0.31\"）",
                        addr.get_ref()
                    ),
                ),
            ),
        }
    }
    settings
}

/// The value (at most 40 characters of it) as diagnostics quote it: never a multi-megabyte echo.
fn quoted(value: &str) -> String {
    let mut shown: String = value.chars().take(40).collect();
    if shown.len() < value.len() {
        shown.push('…');
    }
    shown.escape_debug().to_string()
}

/// `[audit] contact`: an e-mail address or an http(s) URL, printable ASCII without spaces or
/// parentheses (it goes inside the User-Agent's comment), at most 200 characters.
fn check_contact(value: &str) -> Result<(), crate::catalog::Text> {
    let v = value.trim();
    let printable = !v.is_empty()
        && v.len() <= 200
        && v.bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'(' | b')' | b'\\'));
    let email = v.split_once('@').is_some_and(|(user, domain)| {
        !user.is_empty() && domain.contains('.') && !domain.contains('@')
    });
    let url = url::Url::parse(v)
        .ok()
        .is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
    if printable && (email || url) {
        return Ok(());
    }
    let shown = quoted(value);
    Err(both(
        format!(
            "`{shown}` is not a contact: expected an e-mail address or an http(s) URL of at most \
             200 characters, without spaces or parentheses, e.g. \"security@example.jp\""
        ),
        format!(
            "`{shown}` は連絡先として使えない: 空白と括弧を含まない 200 文字以内の\
             メールアドレスか http(s) の URL で書く（例: \"security@example.jp\"）"
        ),
    ))
}

/// `[audit] history`: a SQLite file, resolved against the inventory's folder, or a PostgreSQL
/// database named by a `postgres://` URL (checked here, so that `validate` points at it).
fn history_location(
    value: &Spanned<String>,
    dir: &Path,
    problems: &mut Problems,
) -> Option<crate::history::Location> {
    use crate::history::{is_postgres_url, redact, Location, PgUrl};
    let text = value.get_ref();
    if text.trim().is_empty() {
        problems.add(
            value.span(),
            "audit.history".into(),
            both(
                "an empty history: expected a file name, e.g. \"audit-history.db\", or a URL \
                 postgres://USER@HOST/DATABASE"
                    .to_owned(),
                "監査履歴が空: ファイル名（例: \"audit-history.db\"）か \
                 postgres://ユーザー@ホスト/データベース の URL を書く"
                    .to_owned(),
            ),
        );
        return None;
    }
    if !is_postgres_url(text) {
        return Some(Location::File(dir.join(text)));
    }
    match PgUrl::parse(text) {
        Ok(url) => Some(Location::Postgres(url)),
        Err(e) => {
            problems.add(
                value.span(),
                "audit.history".into(),
                both(
                    e.clone(),
                    format!(
                        "`{}` は監査履歴の PostgreSQL URL として使えない: \
                         postgres://ユーザー[:パスワード]@ホスト[:ポート]/データベース の形で、\
                         TLS なしで書く（原文: \"{e}\"）",
                        redact(text)
                    ),
                ),
            );
            // The snippet under the message shows the line as written: not its password.
            if let Some(d) = problems.found.last_mut() {
                d.source_line = d.source_line.replace(text.as_str(), &redact(text));
            }
            None
        }
    }
}

/// `[audit] proxy`: an `http://` or `https://` URL with a host, and no path beyond `/`.
fn check_proxy(value: &str) -> Result<String, crate::catalog::Text> {
    let parsed = url::Url::parse(value.trim()).ok().filter(|u| {
        matches!(u.scheme(), "http" | "https")
            && u.host_str().is_some_and(|h| !h.is_empty())
            && matches!(u.path(), "" | "/")
            && u.query().is_none()
            && u.fragment().is_none()
    });
    match parsed {
        Some(u) => Ok(u.to_string()),
        None => {
            let shown = quoted(value);
            Err(both(
                format!(
                    "`{shown}` is not a proxy URL: expected http://HOST:PORT or \
                     https://HOST:PORT, e.g. \"http://127.0.0.1:3128\""
                ),
                format!(
                    "`{shown}` はプロキシの URL として使えない: http://ホスト:ポート か \
                     https://ホスト:ポート の形で書く（例: \"http://127.0.0.1:3128\"）"
                ),
            ))
        }
    }
}

/// Converts one vendor; `id` is its id and whether it was written (a missing one is already a
/// problem).
fn convert_vendor(
    raw: RawVendor,
    (id_spanned, written): (Spanned<String>, bool),
    index: usize,
    dir: &Path,
    tz: Tz,
    problems: &mut Problems,
) -> Vendor {
    let id = id_spanned.get_ref().clone();
    if written && !is_valid_id(&id) {
        problems.add(
            id_spanned.span(),
            format!("vendor[{index}].id"),
            both(
                format!("`{id}` is not a valid vendor id: expected lowercase letters, digits and '-' ([a-z0-9-]+)"),
                format!("`{id}` は委託先 ID として使えない: 英小文字、数字、'-' で書く（[a-z0-9-]+）"),
            ),
        );
    }
    for host in &raw.hosts {
        if !is_valid_host(host.get_ref()) {
            problems.add(
                host.span(),
                format!("vendor[{index}].hosts"),
                both(
                    format!("`{}` is not a host name or IP address", host.get_ref()),
                    format!("`{}` はホスト名でも IP アドレスでもない", host.get_ref()),
                ),
            );
        }
    }
    let mut ports = Vec::new();
    for port in raw.ports.iter().flatten() {
        if *port.get_ref() == 0 {
            problems.add(
                port.span(),
                format!("vendor[{index}].ports"),
                both(
                    "port 0 is not a port one can connect to: expected 1 to 65535",
                    "0 番ポートには接続できない: 1 から 65535 までで書く",
                ),
            );
        } else {
            ports.push(*port.get_ref());
        }
    }
    let mut tls = Vec::new();
    for endpoint in &raw.tls {
        match split_host_port(endpoint.get_ref()) {
            Some(hp) => tls.push(hp),
            None => {
                let port_zero = endpoint
                    .get_ref()
                    .rsplit_once(':')
                    .is_some_and(|(_, p)| p.parse::<u16>() == Ok(0));
                let (why, why_ja) = if port_zero {
                    (
                        ": port 0 is not a port one can connect to",
                        "。0 番ポートには接続できない",
                    )
                } else {
                    ("", "")
                };
                problems.add(
                    endpoint.span(),
                    format!("vendor[{index}].tls"),
                    both(
                        format!(
                            "`{}` is not HOST:PORT (e.g. \"portal.example.lab:443\", \"[::1]:9443\"){why}",
                            endpoint.get_ref()
                        ),
                        format!(
                            "`{}` は HOST:PORT の形ではない（例: \"portal.example.lab:443\"、\"[::1]:9443\"）{why_ja}",
                            endpoint.get_ref()
                        ),
                    ),
                );
            }
        }
    }
    let mut forms = Vec::new();
    for (f, form) in raw.form.into_iter().enumerate() {
        let key = |field: &str| format!("vendor[{index}].form[{f}].{field}");
        let table = form.span();
        let mut form = form.into_inner();
        let url = problems.required_url(form.url.take(), &table, key("url"));
        let mut moment = |value: Option<Spanned<toml::value::Datetime>>, field: &str| {
            let value = value?;
            let converted = datetime_in(value.get_ref(), tz);
            if converted.is_none() {
                problems.add(
                    value.span(),
                    key(field),
                    both(
                        format!(
                            "`{}` is not a date and time: expected e.g. 2026-04-30T10:00:00+09:00",
                            value.get_ref()
                        ),
                        format!(
                            "`{}` は日時ではない（例: 2026-04-30T10:00:00+09:00）",
                            value.get_ref()
                        ),
                    ),
                );
            }
            converted
        };
        let opens_at = moment(form.opens_at, "opens_at");
        let closes_at = moment(form.closes_at, "closes_at");
        forms.push(Form {
            url,
            opens_at,
            closes_at,
            leak_probe: form.leak_probe.map(|leak| {
                let table = leak.span();
                let leak = leak.into_inner();
                LeakProbe {
                    submit: problems.required_url(leak.submit, &table, key("leak_probe.submit")),
                    view: problems.required_url(leak.view, &table, key("leak_probe.view")),
                    fields: leak.fields,
                }
            }),
        });
    }
    let mut waivers = Vec::new();
    for (w, waiver) in raw.waiver.into_iter().enumerate() {
        let table = waiver.span();
        let waiver = waiver.into_inner();
        let key = |field: &str| format!("vendor[{index}].waiver[{w}].{field}");
        let check = problems.required(waiver.check, &table, key("check"));
        let target = problems.required(waiver.target, &table, key("target"));
        let reason = problems.required(waiver.reason, &table, key("reason"));
        let expires_span = waiver.expires.as_ref().map(Spanned::span);
        let expires = match waiver.expires {
            None => None,
            Some(value) => {
                let date = value.get_ref().date.and_then(|d| {
                    NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                });
                if date.is_none() {
                    problems.add(
                        value.span(),
                        format!("vendor[{index}].waiver[{w}].expires"),
                        both(
                            "expected a date, e.g. 2027-03-31",
                            "日付で書く（例: 2027-03-31）",
                        ),
                    );
                }
                date
            }
        };
        waivers.push(Waiver {
            spans: WaiverSpans {
                check: check.span(),
                target: target.span(),
                expires: expires_span,
            },
            check: check.into_inner(),
            target: target.into_inner(),
            reason: reason.into_inner(),
            expires,
        });
    }
    Vendor {
        name: raw.name.unwrap_or_else(|| id.clone()),
        id,
        report: raw.report.as_ref().map(|r| dir.join(r)),
        report_as_written: raw.report,
        hosts: raw
            .hosts
            .into_iter()
            .map(|h| h.into_inner().to_ascii_lowercase())
            .collect(),
        ports: if raw.ports.is_some() {
            ports
        } else {
            DEFAULT_SWEEP.to_vec()
        },
        tls,
        forms,
        waivers,
    }
}

/// `[a-z0-9-]+`.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// An IP address, or a DNS name of labels of 1 to 63 letters, digits, '-' and '_' (seen in
/// real DNS names), none starting or ending with '-' (RFC 952, RFC 1123 §2.1), 253 at most.
fn is_valid_host(host: &str) -> bool {
    host.parse::<IpAddr>().is_ok()
        || (!host.is_empty()
            && host.len() <= 253
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            }))
}

/// The target text of a host and port, the inverse of `split_host_port`: `HOST:PORT`, with an
/// IPv6 literal in brackets (`[::1]:9443`, RFC 3986 §3.2.2) so the port cannot be misread.
pub fn join_host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// An http(s) URL whose host is a valid host name or address (an internationalised name is
/// checked in its punycode form) and whose port, if written, is not 0; or why not.
fn check_url(url: &str) -> Result<(), Text> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(both(
            format!("`{url}` is not an http:// or https:// URL"),
            format!("`{url}` は http:// または https:// の URL ではない"),
        ));
    }
    let parsed = url::Url::parse(url).map_err(|e| match e {
        url::ParseError::IdnaError
        | url::ParseError::InvalidDomainCharacter
        | url::ParseError::EmptyHost => both(
            format!("`{url}`: its host is not a valid host name ({e})"),
            format!("`{url}`: ホスト名が正しくない（原文: \"{e}\"）"),
        ),
        _ => both(
            format!("`{url}` is not a valid URL: {e}"),
            format!("`{url}` は正しい URL ではない（原文: \"{e}\"）"),
        ),
    })?;
    let host_ok = match parsed.host() {
        Some(url::Host::Domain(name)) => is_valid_host(name),
        Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)) => true,
        None => false,
    };
    if !host_ok {
        let host = parsed.host_str().unwrap_or("");
        return Err(both(
            format!(
                "`{url}`: `{host}` is not a valid host name (letters, digits and '-' in dot-separated labels, none starting or ending with '-')"
            ),
            format!(
                "`{url}`: `{host}` はホスト名として正しくない（英字、数字、'-' をドットで区切って書き、各部分の先頭と末尾に '-' は使えない）"
            ),
        ));
    }
    if parsed.port() == Some(0) {
        return Err(both(
            format!("`{url}`: port 0 is not a port one can connect to: expected 1 to 65535"),
            format!("`{url}`: 0 番ポートには接続できない: 1 から 65535 までで書く"),
        ));
    }
    Ok(())
}

/// `HOST:PORT` or `[v6]:PORT`.
pub fn split_host_port(s: &str) -> Option<(String, u16)> {
    let (host, port) = s.rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    // An IPv6 literal must be bracketed (in `::1:9443` the port could be part of the address),
    // and is kept in its canonical form (`[0:0::1]` is `::1`).
    match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => {
            let v6: std::net::Ipv6Addr = v6.parse().ok()?;
            (port != 0).then(|| (v6.to_string(), port))
        }
        None if host.contains(':') => None,
        None => (is_valid_host(host) && port != 0).then(|| (host.to_ascii_lowercase(), port)),
    }
}

fn parse_month_day(s: &str) -> Option<(u32, u32)> {
    let (m, d) = s.split_once('-')?;
    let (m, d): (u32, u32) = (m.parse().ok()?, d.parse().ok()?);
    NaiveDate::from_ymd_opt(2024, m, d).map(|_| (m, d))
}

/// A TOML date-time as an instant: with its own offset, or in `tz` when it has none.
/// A bare date means midnight.
pub fn datetime_in(value: &toml::value::Datetime, tz: Tz) -> Option<DateTime<FixedOffset>> {
    let d = value.date?;
    let date = NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))?;
    let time = match value.time {
        Some(t) => NaiveTime::from_hms_nano_opt(
            u32::from(t.hour),
            u32::from(t.minute),
            u32::from(t.second),
            t.nanosecond,
        )?,
        None => NaiveTime::MIN,
    };
    let local = NaiveDateTime::new(date, time);
    match value.offset {
        Some(toml::value::Offset::Z) => Some(local.and_utc().fixed_offset()),
        Some(toml::value::Offset::Custom { minutes }) => {
            FixedOffset::east_opt(i32::from(minutes) * 60)?
                .from_local_datetime(&local)
                .single()
        }
        None => tz
            .from_local_datetime(&local)
            .earliest()
            .map(|t| t.fixed_offset()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Result<Inventory, Diagnostics> {
        Inventory::parse(Path::new("/tmp/inv/vendors.toml"), src)
    }

    #[test]
    fn reads_the_spec_example() {
        let inv = parse(
            r#"
[audit]
timezone = "Asia/Tokyo"
fiscal_year_start = "04-01"
allow_private = false
[audit.resolve]
"xray.example.lab" = "127.0.0.31"

[[vendor]]
id = "kenko-zaidan"
name = "Health Promotion Foundation"
report = "reports/kenko-zaidan-2026.toml"
hosts = ["xray.example.lab"]
ports = [3389, 5900, 4242]
tls = ["reading.example.lab:8443"]

[[vendor.form]]
url = "https://forms.example.lab/apply"
opens_at = 2026-04-30T10:00:00
closes_at = 2026-05-31T17:00:00+09:00
[vendor.form.leak_probe]
submit = "https://forms.example.lab/apply/confirm"
view = "https://forms.example.lab/apply/edit"
fields = { name = "{canary}", tel = "0000000000" }

[[vendor.waiver]]
check = "ssh-exposed"
target = "xray.example.lab:22"
reason = "Contract clause 12"
expires = 2027-03-31
"#,
        )
        .unwrap();
        let v = &inv.vendors[0];
        assert_eq!(
            v.report.as_deref(),
            Some(Path::new("/tmp/inv/reports/kenko-zaidan-2026.toml"))
        );
        assert_eq!(v.tls, vec![("reading.example.lab".to_string(), 8443)]);
        assert_eq!(v.ports, vec![3389, 5900, 4242]);
        // A time without offset is read in the audit timezone (+09:00).
        assert_eq!(
            v.forms[0].opens_at.unwrap().to_rfc3339(),
            "2026-04-30T10:00:00+09:00"
        );
        assert_eq!(v.waivers[0].expires, NaiveDate::from_ymd_opt(2027, 3, 31));
        assert_eq!(
            inv.audit.resolve["xray.example.lab"],
            "127.0.0.31".parse::<IpAddr>().unwrap()
        );
    }

    fn problems(src: &str) -> Vec<String> {
        parse(src)
            .unwrap_err()
            .0
            .iter()
            .map(|d| {
                format!(
                    "{}:{} {} {}",
                    d.line,
                    d.column,
                    d.key.as_deref().unwrap_or("-"),
                    d.message.en
                )
            })
            .collect()
    }

    #[test]
    fn contact_and_proxy_are_checked_where_they_are_written() {
        let inv = parse(
            "[audit]\ncontact = \"security@audit.example.jp\"\nproxy = \"http://127.0.0.1:3128\"\n",
        )
        .unwrap();
        assert_eq!(
            inv.audit.contact.as_deref(),
            Some("security@audit.example.jp")
        );
        assert_eq!(inv.audit.proxy.as_deref(), Some("http://127.0.0.1:3128/"));
        let inv = parse("[audit]\ncontact = \"https://audit.example.jp/about\"\n").unwrap();
        assert_eq!(
            inv.audit.contact.as_deref(),
            Some("https://audit.example.jp/about")
        );
        assert_eq!(inv.audit.proxy, None);
        let long = "x".repeat(5000);
        let found = problems(&format!(
            "[audit]\ncontact = \"not a contact (me)\"\nproxy = \"socks5://{long}\"\n"
        ));
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0].starts_with("2:11 audit.contact `not a contact (me)` is not a contact"),
            "{found:#?}"
        );
        assert!(
            found[1].starts_with("3:9 audit.proxy `socks5://xxx"),
            "{found:#?}"
        );
        assert!(
            found[1].len() < 300,
            "the value is not echoed whole: {found:#?}"
        );
        for bad in [
            "ftp://p.example:21",
            "http://p.example:3128/path",
            "p.example:3128",
        ] {
            let found = problems(&format!("[audit]\nproxy = \"{bad}\"\n"));
            assert_eq!(found.len(), 1, "{bad}: {found:#?}");
            assert!(found[0].contains("audit.proxy"), "{bad}: {found:#?}");
        }
    }

    #[test]
    fn every_error_of_the_file_in_one_go() {
        let found = problems(
            "[[vendor]]\nid = \"a\"\nhost = [\"x.example\"]\nports = [\"3389\"]\ntls = [\"p.example:0\"]\n[[vendor.form]]\nurl = \"https://exa mple/\"\nopens_at = \"soon\"\n[[vendor]]\nid = \"B c\"\nports = [22, 0]\n[[vendor.waiver]]\ncheck = 5\ntarget = \"x\"\nreason = \"r\"\n",
        );
        let at: Vec<&str> = found.iter().map(|f| f.split(' ').next().unwrap()).collect();
        assert_eq!(
            at,
            ["3:1", "4:10", "5:8", "7:7", "8:12", "10:6", "11:14", "13:9"],
            "{found:#?}"
        );
        assert!(
            found[0].contains("vendor[0].host unknown field `host`"),
            "{found:#?}"
        );
        assert!(found[2].contains("port 0"), "{found:#?}");
        assert!(
            found[3].contains("its host is not a valid host name"),
            "{found:#?}"
        );
        assert!(found[6].contains("vendor[1].ports port 0"), "{found:#?}");
    }

    #[test]
    fn url_hosts_must_be_host_names() {
        for url in [
            "https://exa mple/",
            "https://-bad-/",
            "https://a..b/",
            "https://x.example:0/",
        ] {
            let src = format!("[[vendor]]\nid = \"a\"\n[[vendor.form]]\nurl = \"{url}\"\n");
            let found = problems(&src);
            assert_eq!(found.len(), 1, "{url}: {found:#?}");
            assert!(
                found[0].starts_with("4:7 vendor[0].form[0].url"),
                "{url}: {found:#?}"
            );
        }
        for url in [
            "https://forms.example.lab/apply",
            "http://127.0.0.1:8080/x",
            "https://[::1]:8443/",
            "https://例え.jp/",
        ] {
            let src = format!("[[vendor]]\nid = \"a\"\n[[vendor.form]]\nurl = \"{url}\"\n");
            assert!(parse(&src).is_ok(), "{url}");
        }
        let src = "[[vendor]]\nid = \"a\"\n[[vendor.form]]\nurl = \"https://f.example/\"\n[vendor.form.leak_probe]\nsubmit = \"https://-x-/c\"\nview = \"https://f.example/e\"\n";
        let found = problems(src);
        assert!(
            found[0].starts_with("6:10 vendor[0].form[0].leak_probe.submit"),
            "{found:#?}"
        );
    }

    #[test]
    fn ipv6_endpoints_are_bracketed_both_ways() {
        assert_eq!(
            split_host_port("[::1]:9443"),
            Some(("::1".to_string(), 9443))
        );
        assert_eq!(join_host_port("::1", 9443), "[::1]:9443");
        assert_eq!(join_host_port("a.example", 443), "a.example:443");
        assert_eq!(join_host_port("127.0.0.1", 443), "127.0.0.1:443");
        // Without brackets the port cannot be told from the address.
        assert_eq!(split_host_port("::1:9443"), None);
        assert_eq!(split_host_port("[a.example]:443"), None);
        assert_eq!(split_host_port("[::1:443"), None);
        assert_eq!(
            split_host_port("[0:0::1]:9443"),
            Some(("::1".to_string(), 9443))
        );
        assert_eq!(split_host_port("[::1]:0"), None);
        let inv = parse("[[vendor]]\nid = \"a\"\ntls = [\"[::1]:9443\"]\n").unwrap();
        assert_eq!(inv.vendors[0].tls, vec![("::1".to_string(), 9443)]);
    }

    #[test]
    fn default_sweep_when_no_ports() {
        let inv = parse("[[vendor]]\nid = \"a\"\nhosts = [\"127.0.0.1\"]\n").unwrap();
        assert_eq!(inv.vendors[0].ports, DEFAULT_SWEEP);
    }
}
