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

use crate::diagnostic::{Diagnostic, Diagnostics};

/// The ports swept on a host when the inventory does not list its own (SPEC §7.1).
pub const DEFAULT_SWEEP: &[u16] = &[
    3389, 5900, 5901, 22, 23, 21, 445, 104, 4242, 11112, 8042, 1433, 3306, 5432,
];

#[derive(Debug, Clone)]
pub struct Inventory {
    /// The inventory file, and the folder relative paths resolve against.
    pub path: PathBuf,
    pub dir: PathBuf,
    pub audit: AuditSettings,
    pub vendors: Vec<Vendor>,
}

#[derive(Debug, Clone)]
pub struct AuditSettings {
    pub timezone: Tz,
    /// Month and day the fiscal year starts (Japan: 4, 1).
    pub fiscal_year_start: (u32, u32),
    pub trust: Vec<PathBuf>,
    pub history: Option<PathBuf>,
    pub allow_private: bool,
    /// Static name -> address map, like curl --resolve.
    pub resolve: BTreeMap<String, IpAddr>,
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
}

// ---- raw TOML shapes (what serde reads; spans kept where validation needs them) ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInventory {
    #[serde(default)]
    audit: Option<RawAudit>,
    #[serde(default)]
    vendor: Vec<RawVendor>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAudit {
    timezone: Option<Spanned<String>>,
    fiscal_year_start: Option<Spanned<String>>,
    #[serde(default)]
    trust: Vec<Spanned<String>>,
    history: Option<String>,
    #[serde(default)]
    allow_private: bool,
    #[serde(default)]
    resolve: BTreeMap<String, Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVendor {
    id: Spanned<String>,
    name: Option<String>,
    report: Option<String>,
    #[serde(default)]
    hosts: Vec<Spanned<String>>,
    ports: Option<Vec<u16>>,
    #[serde(default)]
    tls: Vec<Spanned<String>>,
    #[serde(default)]
    form: Vec<RawForm>,
    #[serde(default)]
    waiver: Vec<RawWaiver>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawForm {
    url: Spanned<String>,
    opens_at: Option<Spanned<toml::value::Datetime>>,
    closes_at: Option<Spanned<toml::value::Datetime>>,
    leak_probe: Option<LeakProbe>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    check: String,
    target: String,
    reason: String,
    expires: Option<Spanned<toml::value::Datetime>>,
}

/// Collects located problems while validating one file.
struct Problems<'a> {
    file: &'a Path,
    source: &'a str,
    found: Vec<Diagnostic>,
}

impl Problems<'_> {
    fn add(&mut self, span: Range<usize>, key: String, message: impl Into<String>) {
        self.found.push(Diagnostic::at(
            self.file,
            self.source,
            Some(span),
            Some(key),
            message,
        ));
    }
}

impl Inventory {
    /// Reads and validates an inventory file.
    pub fn load(path: &Path) -> Result<Inventory, Diagnostics> {
        let source = std::fs::read_to_string(path).map_err(|e| {
            Diagnostics(vec![Diagnostic::whole_file(
                path,
                format!("cannot read the inventory: {e}"),
            )])
        })?;
        Inventory::parse(path, &source)
    }

    /// Parses and validates inventory text (`path` names it in diagnostics and anchors
    /// relative paths).
    pub fn parse(path: &Path, source: &str) -> Result<Inventory, Diagnostics> {
        let raw: RawInventory = toml::from_str(source)
            .map_err(|e| Diagnostics(vec![Diagnostic::from_toml(path, source, &e)]))?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        let mut problems = Problems {
            file: path,
            source,
            found: Vec::new(),
        };
        let audit = convert_audit(raw.audit, &dir, &mut problems);
        let mut seen = HashSet::new();
        let mut vendors = Vec::new();
        for (index, raw_vendor) in raw.vendor.into_iter().enumerate() {
            if !seen.insert(raw_vendor.id.get_ref().clone()) {
                problems.add(
                    raw_vendor.id.span(),
                    format!("vendor[{index}].id"),
                    format!(
                        "duplicate vendor id `{}`: each vendor is listed once",
                        raw_vendor.id.get_ref()
                    ),
                );
            }
            vendors.push(convert_vendor(
                raw_vendor,
                index,
                &dir,
                audit.timezone,
                &mut problems,
            ));
        }
        if problems.found.is_empty() {
            Ok(Inventory {
                path: path.to_path_buf(),
                dir,
                audit,
                vendors,
            })
        } else {
            Err(Diagnostics(problems.found))
        }
    }

    pub fn vendor(&self, id: &str) -> Option<&Vendor> {
        self.vendors.iter().find(|v| v.id == id)
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
    };
    let Some(raw) = raw else { return settings };
    if let Some(tz) = raw.timezone {
        match tz.get_ref().parse::<Tz>() {
            Ok(parsed) => settings.timezone = parsed,
            Err(_) => problems.add(
                tz.span(),
                "audit.timezone".into(),
                format!(
                    "unknown time zone `{}`: expected an IANA name such as \"Asia/Tokyo\"",
                    tz.get_ref()
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
                format!(
                    "`{}` is not a month and day: expected \"MM-DD\", e.g. \"04-01\"",
                    start.get_ref()
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
                format!("{e}; expected a PEM file of one or more CA certificates"),
            );
        }
        settings.trust.push(path);
    }
    settings.history = raw.history.map(|h| dir.join(h));
    settings.allow_private = raw.allow_private;
    for (name, addr) in raw.resolve {
        match addr.get_ref().parse::<IpAddr>() {
            Ok(ip) => {
                settings.resolve.insert(name.to_ascii_lowercase(), ip);
            }
            Err(_) => problems.add(
                addr.span(),
                format!("audit.resolve.\"{name}\""),
                format!(
                    "`{}` is not an IP address: expected e.g. \"127.0.0.31\"",
                    addr.get_ref()
                ),
            ),
        }
    }
    settings
}

fn convert_vendor(
    raw: RawVendor,
    index: usize,
    dir: &Path,
    tz: Tz,
    problems: &mut Problems,
) -> Vendor {
    let id = raw.id.get_ref().clone();
    if !is_valid_id(&id) {
        problems.add(
            raw.id.span(),
            format!("vendor[{index}].id"),
            format!("`{id}` is not a valid vendor id: expected lowercase letters, digits and '-' ([a-z0-9-]+)"),
        );
    }
    for host in &raw.hosts {
        if !is_valid_host(host.get_ref()) {
            problems.add(
                host.span(),
                format!("vendor[{index}].hosts"),
                format!("`{}` is not a host name or IP address", host.get_ref()),
            );
        }
    }
    let mut tls = Vec::new();
    for endpoint in &raw.tls {
        match split_host_port(endpoint.get_ref()) {
            Some(hp) => tls.push(hp),
            None => problems.add(
                endpoint.span(),
                format!("vendor[{index}].tls"),
                format!(
                    "`{}` is not HOST:PORT (e.g. \"portal.example.lab:443\", \"[::1]:9443\")",
                    endpoint.get_ref()
                ),
            ),
        }
    }
    let mut forms = Vec::new();
    for (f, form) in raw.form.into_iter().enumerate() {
        let key = |field: &str| format!("vendor[{index}].form[{f}].{field}");
        let url = form.url.get_ref().clone();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            problems.add(
                form.url.span(),
                key("url"),
                format!("`{url}` is not an http:// or https:// URL"),
            );
        }
        let mut moment = |value: Option<Spanned<toml::value::Datetime>>, field: &str| {
            let value = value?;
            let converted = datetime_in(value.get_ref(), tz);
            if converted.is_none() {
                problems.add(
                    value.span(),
                    key(field),
                    format!(
                        "`{}` is not a date and time: expected e.g. 2026-04-30T10:00:00+09:00",
                        value.get_ref()
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
            leak_probe: form.leak_probe,
        });
    }
    let mut waivers = Vec::new();
    for (w, waiver) in raw.waiver.into_iter().enumerate() {
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
                        "expected a date, e.g. 2027-03-31",
                    );
                }
                date
            }
        };
        waivers.push(Waiver {
            check: waiver.check,
            target: waiver.target,
            reason: waiver.reason,
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
        ports: raw.ports.unwrap_or_else(|| DEFAULT_SWEEP.to_vec()),
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

fn is_valid_host(host: &str) -> bool {
    host.parse::<IpAddr>().is_ok()
        || (!host.is_empty()
            && host.len() <= 253
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
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

/// `HOST:PORT` or `[v6]:PORT`.
pub fn split_host_port(s: &str) -> Option<(String, u16)> {
    let (host, port) = s.rsplit_once(':')?;
    // An IPv6 literal must be bracketed: in `::1:9443` the port could be part of the address.
    let host = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) if v6.parse::<std::net::Ipv6Addr>().is_ok() => v6,
        Some(_) => return None,
        None if host.contains(':') => return None,
        None => host,
    };
    let port: u16 = port.parse().ok()?;
    (is_valid_host(host) && port != 0).then(|| (host.to_ascii_lowercase(), port))
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
        let inv = parse("[[vendor]]\nid = \"a\"\ntls = [\"[::1]:9443\"]\n").unwrap();
        assert_eq!(inv.vendors[0].tls, vec![("::1".to_string(), 9443)]);
    }

    #[test]
    fn default_sweep_when_no_ports() {
        let inv = parse("[[vendor]]\nid = \"a\"\nhosts = [\"127.0.0.1\"]\n").unwrap();
        assert_eq!(inv.vendors[0].ports, DEFAULT_SWEEP);
    }
}
