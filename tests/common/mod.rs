//! Shared helpers for integration tests that talk to the real loopback lab
//! started by `tests/peers/start.sh` (via `bash tests/run-all.sh`).
//!
//! The addresses are fixed: they must match `tests/peers/start.sh` exactly.
#![allow(dead_code)] // each test binary uses only some of these

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// xrdp 0.9, `security_layer=negotiate` (RDP without NLA; selects TLS or standard RDP security).
pub const XRDP_NEGOTIATE: &str = "127.0.0.61:13389";
/// xrdp 0.9, `security_layer=rdp` (standard RDP security only).
pub const XRDP_RDP: &str = "127.0.0.62:13389";
/// xrdp 0.9, `security_layer=tls` (TLS only; refuses standard RDP security).
pub const XRDP_TLS: &str = "127.0.0.63:13389";
/// FreeRDP shadow server with NLA enforced (`/sec:nla +auth`).
pub const FREERDP_NLA: &str = "127.0.0.64:13392";
/// Xtigervnc display :64 that the FreeRDP shadow server mirrors (security type None).
pub const VNC_SHADOW_DISPLAY: &str = "127.0.0.64:15964";
/// Xtigervnc `-SecurityTypes None`.
pub const VNC_NONE: &str = "127.0.0.65:15900";
/// Xtigervnc `-SecurityTypes VncAuth`, password `pw`.
pub const VNC_AUTH: &str = "127.0.0.66:15900";
/// The VNC password of [`VNC_AUTH`].
pub const VNC_AUTH_PASSWORD: &str = "pw";
/// Orthanc accepting any called AE title (`DicomCheckCalledAet: false`).
pub const ORTHANC_ANY_AE: &str = "127.0.0.67:14242";
/// Orthanc rejecting unknown called AE titles (its own is `ORTHANC`).
pub const ORTHANC_STRICT_AE: &str = "127.0.0.67:14243";
/// The AE title of both Orthanc peers.
pub const ORTHANC_AET: &str = "ORTHANC";
/// dcmtk `storescp -aet STORESCP`.
pub const STORESCP: &str = "127.0.0.67:14244";
/// The AE title of [`STORESCP`].
pub const STORESCP_AET: &str = "STORESCP";
/// OpenSSH 9.2 sshd.
pub const SSHD: &str = "127.0.0.68:12222";
/// nginx (a) modern: TLS 1.2/1.3, ECDHE with AES-GCM/ChaCha20 only; leaf for
/// [`TLS_MODERN_NAME`] signed by the lab CA (`RUN/tls/ca.pem`).
pub const TLS_MODERN: &str = "127.0.0.81:8443";
pub const TLS_MODERN_NAME: &str = "modern.lab.test";
/// nginx (b) legacy: TLS 1.0/1.1/1.2, `ALL:@SECLEVEL=0` (anonymous, static-RSA, CBC, DHE
/// suites); leaf for [`TLS_LEGACY_NAME`] signed by the lab CA.
pub const TLS_LEGACY: &str = "127.0.0.82:8443";
pub const TLS_LEGACY_NAME: &str = "legacy.lab.test";
/// nginx (c): TLS 1.2/1.3 like (a), leaf for [`TLS_EXPIRED_NAME`] signed by the lab CA,
/// valid 2020-01-01 to 2021-01-01 (expired).
pub const TLS_EXPIRED: &str = "127.0.0.83:8443";
pub const TLS_EXPIRED_NAME: &str = "expired.lab.test";
/// nginx (d): TLS 1.2/1.3 like (a), self-signed leaf for `other.lab.test` served under
/// [`TLS_SELFSIGNED_NAME`]: untrusted and the wrong name.
pub const TLS_SELFSIGNED: &str = "127.0.0.84:8443";
pub const TLS_SELFSIGNED_NAME: &str = "selfsigned.lab.test";
/// The name in the certificate that [`TLS_SELFSIGNED`] serves.
pub const TLS_SELFSIGNED_CERT_NAME: &str = "other.lab.test";
/// openssl s_server (e): TLS 1.3 only (all five RFC 8446 suites), ECDSA P-256 leaf signed by
/// the lab CA for [`TLS_TLS13_NAME`] (and `expiring.lab.test`), valid from lab start for 10
/// days: expiring soon, and invisible to any TLS <= 1.2 handshake.
pub const TLS_TLS13: &str = "127.0.0.85:8443";
pub const TLS_TLS13_NAME: &str = "tls13.lab.test";
/// openssl s_server (f): TLS 1.2 only, RSA 1024 leaf signed with SHA-1 by the lab CA for
/// [`TLS_WEAK_NAME`]; server order enforced: DHE-RSA-AES256-GCM-SHA384, DHE-RSA-AES128-SHA,
/// AES128-SHA, ECDHE-RSA-AES128-GCM-SHA256 (DHE over RFC 7919 ffdhe2048).
pub const TLS_WEAK: &str = "127.0.0.86:8443";
pub const TLS_WEAK_NAME: &str = "weak.lab.test";

/// Form app (`tests/peers/formapp.py --mode leaky`): `/apply` form, `/apply/confirm` (POST,
/// cookie `SESSION` without Secure/HttpOnly/SameSite, 303 to `/apply/edit`), `/apply/edit`
/// (the session's entry as input values), `/notyet` (200, no inputs), `/gone` (404), `/away`
/// (302 to `http://outside.invalid/apply`), `/huge` (20 MiB), `/slow` (stalls 120 s). No
/// Cache-Control, `Last-Modified` 50 min before `Date` on the form pages.
pub const FORM_APP_LEAKY: &str = "127.0.0.100:18080";
/// The same app in correct mode: `Cache-Control: no-store, private` on every response,
/// `SESSION=...; Secure; HttpOnly; SameSite=Lax; Path=/`.
pub const FORM_APP_CORRECT: &str = "127.0.0.100:18081";
/// Varnish 7.1 in front of [`FORM_APP_LEAKY`]: hashes GET/HEAD by URL + Host even with a
/// Cookie, drops the backend's Set-Cookie, TTL 10 min. Hits: `X-Varnish` with two ids, `Age`.
pub const FORM_VARNISH: &str = "127.0.0.101:6081";
/// nginx `proxy_cache` in front of [`FORM_APP_LEAKY`]: `proxy_cache_valid 200 10m`,
/// `proxy_ignore_headers Cache-Control Expires Set-Cookie`. Hits: `X-Cache-Status: HIT`.
pub const FORM_NGINX_CACHE: &str = "127.0.0.102:8080";
/// Squid 5.7 reverse proxy in front of [`FORM_APP_LEAKY`], `refresh_pattern . 0 20% 4320`:
/// the edit page (only `Last-Modified`) is heuristically fresh for 10 min. Hits:
/// `X-Cache: HIT from squid.lab.test`. Squid drops the cached edit page on a POST to
/// `/apply/confirm` (its `Location`, RFC 9111 4.4), so A's own view is never stale here.
pub const FORM_SQUID: &str = "127.0.0.103:3128";
/// nginx TLS for [`FORM_TLS_LEAKY_NAME`] (leaf signed by the lab CA) proxying to
/// [`FORM_VARNISH`] (own cache objects: Varnish's key includes the Host), no HSTS.
pub const FORM_TLS_LEAKY: &str = "127.0.0.104:8443";
pub const FORM_TLS_LEAKY_NAME: &str = "forms.lab.test";
/// nginx TLS for [`FORM_TLS_CORRECT_NAME`] (leaf signed by the lab CA) proxying to
/// [`FORM_APP_CORRECT`], no cache, `Strict-Transport-Security: max-age=63072000`.
pub const FORM_TLS_CORRECT: &str = "127.0.0.105:8443";
pub const FORM_TLS_CORRECT_NAME: &str = "secure-forms.lab.test";

// Issue 10, part 4: shared caches with their default behaviour (tests/cache_rules_lab.rs).
/// Form app (`tests/peers/formapp.py`) whose `/case/NAME` pages each carry one header set of
/// `CASES` (Expires 0/past/invalid/RFC 850/asctime, must-understand, Surrogate-Control,
/// X-Accel-Expires, Vary: *, an invalid CDN-Cache-Control, no-store), a strong ETag, and 304 to
/// a matching If-None-Match; every response has a fresh csrf token.
pub const CASE_APP: &str = "127.0.0.140:18080";
/// Varnish 7.1 with the builtin VCL only, in front of [`CASE_APP`]; `varnishlog -n
/// RUN/varnish-defaults`. Hits: `X-Varnish` with two ids.
pub const CASE_VARNISH: &str = "127.0.0.141:6081";
/// nginx 1.22 `proxy_cache` (`proxy_cache_valid 200 10m`, no `proxy_ignore_headers`) in front of
/// [`CASE_APP`]. Hits: `X-Cache-Status: HIT`.
pub const CASE_NGINX: &str = "127.0.0.142:8080";
/// Squid 5.7 reverse proxy, Debian's `refresh_pattern . 0 20% 4320`, in front of [`CASE_APP`].
/// Hits: `X-Cache: HIT from squid-defaults.lab.test` (also after a 304 from the app).
pub const CASE_SQUID: &str = "127.0.0.143:3128";
// Issue 10 part 3: Orthanc's REST API (dicom-web-exposed). Orthanc binds every interface, so
// these addresses only name the peers; their ports are what is theirs.
/// Orthanc 1.10 web server, `RemoteAccessAllowed` true, `AuthenticationEnabled` false:
/// `GET /` redirects to `app/explorer.html`, `GET /system` answers its JSON (`DicomAet`
/// [`ORTHANC_REST_AET`], `Version`) to anyone. Its DICOM port is 14245.
pub const ORTHANC_REST_OPEN: &str = "127.0.0.130:18042";
/// The same with `AuthenticationEnabled` true (user `labuser`): every request, `GET /system`
/// included, is 401 with `WWW-Authenticate: Basic realm="Orthanc Secure Area"`. DICOM port 14246.
pub const ORTHANC_REST_AUTH: &str = "127.0.0.131:18043";
/// nginx terminating TLS (self-signed leaf for [`ORTHANC_TLS_NAME`]) in front of
/// [`ORTHANC_REST_OPEN`]: Orthanc's open REST API over https on a port no rule expects TLS on.
pub const ORTHANC_TLS: &str = "127.0.0.132:18044";
pub const ORTHANC_TLS_NAME: &str = "pacs-web.lab.test";
/// The same nginx serving [`ORTHANC_REST_OPEN`] over plain HTTP on Orthanc's own port, with
/// `GET /` answered by nginx (302 to `/portal/`): only `GET /system` shows Orthanc.
pub const ORTHANC_HIDDEN: &str = "127.0.0.132:8042";
/// The DICOM AE title the Orthanc REST peers report.
pub const ORTHANC_REST_AET: &str = "LABPACS";

// Issue 10, part 5 (TLS): one nginx of its own (`RUN/nginx-i10tls`), leaves from the lab CA.
/// nginx: TLS 1.2 DHE-RSA-AES128/256-GCM only, `ssl_dhparam` of 1024 bits (`openssl dhparam
/// 1024`, `@SECLEVEL=0`); leaf for [`TLS_DH1024_NAME`].
pub const TLS_DH1024: &str = "127.0.0.151:8443";
pub const TLS_DH1024_NAME: &str = "dh1024.lab.test";
/// nginx: the same DHE suites over RFC 7919 ffdhe2048 (`ssl_dhparam`); leaf for
/// [`TLS_DH2048_NAME`].
pub const TLS_DH2048: &str = "127.0.0.152:8443";
pub const TLS_DH2048_NAME: &str = "dh2048.lab.test";
/// nginx: TLS 1.2/1.3 like (a), leaf for [`TLS_NOTYET_NAME`] valid from 7 days after lab start
/// for 365 days (`openssl ca -startdate` in the future).
pub const TLS_NOTYET: &str = "127.0.0.153:8443";
pub const TLS_NOTYET_NAME: &str = "notyet.lab.test";
/// nginx: TLS 1.2/1.3 like (a), a leaf of about 200 KB (7400 DNS SANs, [`TLS_BIG_NAME`] the
/// 3701st), which rustls-webpki refuses to parse.
pub const TLS_BIG: &str = "127.0.0.154:8443";
pub const TLS_BIG_NAME: &str = "big.lab.test";
/// nginx on the IPv6 loopback: TLS 1.2/1.3 like (a), leaf for IP `::1` and `v6.lab.test`.
pub const TLS_V6: &str = "[::1]:9443";
/// gnutls-serv 3.7 (it listens on every address; this one is ours): TLS 1.0-1.2 DHE-RSA only,
/// the [`TLS_DH1024`] leaf and 1024-bit parameters, which it uses only for a client that offers
/// no RFC 7919 group; a client that offers ffdhe2048 gets ffdhe2048.
pub const TLS_GNUTLS_FFDHE: &str = "127.0.0.155:9449";

// Issue 14: the history in PostgreSQL (tests/history_postgres.rs).
/// Debian's PostgreSQL 15 (`tests/peers/postgres.sh`): role and database `vendor_audit` (the
/// role may create databases), scram-sha-256 from loopback only; its URL, password included, is
/// in `VENDOR_AUDIT_POSTGRES` (set by `tests/run-all.sh` from `RUN/postgres.url`).
pub const POSTGRES: &str = "127.0.0.230:5432";

/// The lab PostgreSQL's URL, if the lab is up (`VENDOR_AUDIT_POSTGRES`).
pub fn postgres_url() -> Option<String> {
    std::env::var("VENDOR_AUDIT_POSTGRES")
        .ok()
        .filter(|u| !u.is_empty())
}

/// The lab's test CA (PEM), if the lab run folder is known (`VENDOR_AUDIT_LAB_RUN`,
/// set by `tests/run-all.sh`): `RUN/tls/ca.pem`.
pub fn lab_ca_pem_path() -> Option<std::path::PathBuf> {
    std::env::var_os("VENDOR_AUDIT_LAB_RUN")
        .map(|run| std::path::Path::new(&run).join("tls/ca.pem"))
}

/// Every peer as (name, address), for tests that go over all of them.
pub const ALL_PEERS: &[(&str, &str)] = &[
    ("xrdp negotiate", XRDP_NEGOTIATE),
    ("xrdp rdp", XRDP_RDP),
    ("xrdp tls", XRDP_TLS),
    ("FreeRDP shadow (NLA)", FREERDP_NLA),
    ("Xtigervnc :64 (shadow display)", VNC_SHADOW_DISPLAY),
    ("Xtigervnc None", VNC_NONE),
    ("Xtigervnc VncAuth", VNC_AUTH),
    ("Orthanc any AE", ORTHANC_ANY_AE),
    ("Orthanc strict AE", ORTHANC_STRICT_AE),
    ("dcmtk storescp", STORESCP),
    ("OpenSSH sshd", SSHD),
    ("nginx TLS modern", TLS_MODERN),
    ("nginx TLS legacy", TLS_LEGACY),
    ("nginx TLS expired", TLS_EXPIRED),
    ("nginx TLS self-signed", TLS_SELFSIGNED),
    ("openssl s_server TLS 1.3 only", TLS_TLS13),
    ("openssl s_server TLS weak", TLS_WEAK),
    ("form app leaky", FORM_APP_LEAKY),
    ("form app correct", FORM_APP_CORRECT),
    ("Varnish leaking form cache", FORM_VARNISH),
    ("nginx proxy_cache leaking form cache", FORM_NGINX_CACHE),
    ("Squid leaking form cache", FORM_SQUID),
    ("nginx TLS form -> Varnish", FORM_TLS_LEAKY),
    ("nginx TLS form correct", FORM_TLS_CORRECT),
    ("form app of cache cases", CASE_APP),
    ("Varnish builtin VCL", CASE_VARNISH),
    ("nginx proxy_cache defaults", CASE_NGINX),
    ("Squid defaults", CASE_SQUID),
    ("Orthanc REST, no authentication", ORTHANC_REST_OPEN),
    ("Orthanc REST, authentication", ORTHANC_REST_AUTH),
    ("nginx TLS -> Orthanc REST", ORTHANC_TLS),
    ("nginx :8042 -> Orthanc REST, / hidden", ORTHANC_HIDDEN),
    ("nginx TLS DHE 1024", TLS_DH1024),
    ("nginx TLS DHE ffdhe2048", TLS_DH2048),
    ("nginx TLS not yet valid", TLS_NOTYET),
    ("nginx TLS 200 KB certificate", TLS_BIG),
    ("nginx TLS IPv6", TLS_V6),
    ("gnutls-serv TLS RFC 7919 DHE", TLS_GNUTLS_FFDHE),
];

/// The address part of `HOST:PORT`.
pub fn host_of(addr: &str) -> &str {
    addr.rsplit_once(':').map_or(addr, |(host, _)| host)
}

/// The port part of `HOST:PORT`.
pub fn port_of(addr: &str) -> &str {
    addr.rsplit_once(':').map_or(addr, |(_, port)| port)
}

/// The real time in Japan (the lab's certificates are made at its start, so it is judged at the
/// real time, given explicitly), and the fiscal year (from 1 April) it falls in, for reports.
pub fn now_and_fiscal_year() -> (String, i32) {
    use chrono::{Datelike, FixedOffset, Utc};
    let now = Utc::now().with_timezone(&FixedOffset::east_opt(9 * 3600).unwrap());
    let fy = if now.month() >= 4 {
        now.year()
    } else {
        now.year() - 1
    };
    (now.to_rfc3339_opts(chrono::SecondsFormat::Secs, false), fy)
}

const POLL: Duration = Duration::from_millis(50);

/// Waits until a TCP connect to `addr` succeeds, trying every 50 ms, for at most `timeout`.
pub fn wait_for_port(addr: &str, timeout: Duration) -> Result<(), String> {
    let sock: SocketAddr = addr
        .to_socket_addrs()
        .map_err(|e| format!("bad address {addr}: {e}"))?
        .next()
        .ok_or_else(|| format!("address {addr} resolves to nothing"))?;
    let start = Instant::now();
    loop {
        let left = timeout.saturating_sub(start.elapsed());
        let attempt = left.min(Duration::from_millis(500));
        let err = if attempt.is_zero() {
            "timed out".to_string()
        } else {
            match TcpStream::connect_timeout(&sock, attempt) {
                Ok(_) => return Ok(()),
                Err(e) => e.to_string(),
            }
        };
        if start.elapsed() >= timeout {
            return Err(format!("{addr} not accepting after {timeout:?}: {err}"));
        }
        sleep(POLL.min(timeout.saturating_sub(start.elapsed())));
    }
}

/// Panics with a clear message if the lab peer at `addr` does not accept within 20 s.
pub fn require_peer(addr: &str) {
    if let Err(e) = wait_for_port(addr, Duration::from_secs(20)) {
        let name = ALL_PEERS
            .iter()
            .find(|(_, a)| *a == addr)
            .map_or("?", |(n, _)| *n);
        panic!(
            "peer {name} at {addr} is not running: start the lab with `bash tests/run-all.sh` ({e})"
        );
    }
}

/// The vendor `id` of a `--format json` report.
pub fn vendor_of<'a>(doc: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    doc["vendors"]
        .as_array()
        .expect("a vendors array")
        .iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("no vendor {id}"))
}

/// The findings of one vendor (an element of a report's `vendors`) that have `status`.
pub fn findings_with_status<'a>(
    vendor: &'a serde_json::Value,
    status: &str,
) -> Vec<&'a serde_json::Value> {
    vendor["findings"]
        .as_array()
        .expect("a findings array")
        .iter()
        .filter(|f| f["status"] == status)
        .collect()
}

/// The verdict on `control` for vendor `id` of a `--format json` report.
pub fn verdict_of(doc: &serde_json::Value, id: &str, control: &str) -> String {
    vendor_of(doc, id)["controls"]
        .as_array()
        .expect("a controls array")
        .iter()
        .find(|c| c["control"] == control)
        .unwrap_or_else(|| panic!("{id}: no verdict for {control}"))["verdict"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Runs `vendor-audit run --format json ARGS --config CONFIG`, asserts the exit code, and returns
/// the report.
pub fn run_json(
    bin: &str,
    args: &[&str],
    config: &std::path::Path,
    exit: i32,
) -> serde_json::Value {
    let out = std::process::Command::new(bin)
        .args(["run", "--format", "json"])
        .args(args)
        .arg("--config")
        .arg(config)
        .output()
        .expect("vendor-audit runs");
    assert_eq!(
        out.status.code(),
        Some(exit),
        "exit code: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("a JSON report")
}

/// The TLS checks of SPEC §7.2, each judged on every TLS endpoint.
pub const TLS_CHECKS: [&str; 12] = [
    "tls-legacy-protocol",
    "tls-weak-cipher",
    "tls-no-forward-secrecy",
    "tls-cert-expired",
    "tls-cert-expiring",
    "tls-cert-untrusted",
    "tls-cert-hostname-mismatch",
    "tls-cert-weak-key",
    "tls-cert-weak-signature",
    "tls-mozilla-intermediate",
    "tls-cert-not-yet-valid",
    "tls-weak-dh",
];

/// The caching and transport checks of SPEC §7.3, each judged on every form.
pub const FORM_TRANSPORT_CHECKS: [&str; 7] = [
    "form-cacheable",
    "form-shared-cache",
    "form-cross-session-leak",
    "form-prefilled-pii",
    "form-plaintext",
    "form-no-hsts",
    "form-cookie-flags",
];

// The scanner of English left in Japanese text: one file, shared with the library's unit tests.
#[path = "../../src/english_prose.rs"]
mod english_prose;
#[allow(unused_imports)]
pub use english_prose::{english_leaks, english_leaks_allowing};
