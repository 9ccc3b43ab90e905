//! The fact catalogue: every fact a probe may record, with its type and meaning. Check files may
//! read only facts listed here; a test keeps probes, checks and this list in step, so that
//! `vendor-audit checks show ID` can explain every fact a check reads.

/// The JSON/CEL type of a fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactType {
    Bool,
    Int,
    Str,
    /// A list (of strings or ints, as the meaning says).
    List,
    /// A map of names to values.
    Map,
}

impl FactType {
    pub fn name(self) -> &'static str {
        match self {
            FactType::Bool => "bool",
            FactType::Int => "int",
            FactType::Str => "string",
            FactType::List => "list",
            FactType::Map => "map",
        }
    }

    pub fn matches(self, value: &crate::fact::FactValue) -> bool {
        use crate::fact::FactValue as V;
        matches!(
            (self, value),
            (FactType::Bool, V::Bool(_))
                | (FactType::Int, V::Int(_))
                | (FactType::Str, V::Str(_))
                | (FactType::List, V::List(_))
                | (FactType::Map, V::Map(_))
        )
    }
}

pub struct FactSpec {
    pub name: &'static str,
    pub kind: FactType,
    /// The probe that records it.
    pub probe: &'static str,
    pub meaning: &'static str,
}

const fn fact(
    name: &'static str,
    kind: FactType,
    probe: &'static str,
    meaning: &'static str,
) -> FactSpec {
    FactSpec {
        name,
        kind,
        probe,
        meaning,
    }
}

use FactType::*;

pub const FACTS: &[FactSpec] = &[
    // Host sweep (src/probe/sweep.rs)
    fact("host.address", Str, "sweep", "The address the host name resolved to (or was written as)."),
    fact("host.open_ports", List, "sweep", "Swept ports that accepted a TCP connection (ints)."),
    fact("port.state", Str, "sweep", "What a TCP connect showed: `open`, `closed` (refused) or `filtered` (no answer)."),
    fact("service.port", Int, "sweep", "The TCP port of the service."),
    fact("service.protocol", Str, "sweep", "The protocol identified by handshake (`rdp`, `vnc`, `dicom`, `ssh`, `telnet`, `ftp`, `smb`, `mysql`, `postgresql`, `mssql`, `http`, `https` (HTTP inside TLS), `tls` (TLS, not HTTP inside)), `unknown` when the port answered in no protocol we know; unavailable when it accepted but said nothing."),
    fact("service.first_bytes", Str, "sweep", "The first bytes (hex, at most 32) of an answer no recogniser knew."),
    fact("service.first_text", Str, "sweep", "The printable rendering of an answer no recogniser knew."),
    fact("service.attempts", List, "sweep", "What each identification attempt on the port saw (strings), in order."),
    // Services that wait for the client: HTTP, TLS, an archive's web API (src/probe/web.rs)
    fact("service.tls_version", Str, "sweep", "On a port that speaks TLS: the version a TLS 1.2/1.3 client (rustls) negotiated, else the one our hand-built TLS 1.2 ClientHello got (`TLSv1.0`...); unavailable when the server refused both."),
    fact("service.tls_inner", Str, "sweep", "On a TLS port that did not answer HTTP inside TLS: why (handshake refused, no answer, another protocol)."),
    fact("http.status", Int, "sweep", "The status of the port's answer to `GET /` (over TLS for `https`)."),
    fact("http.server", Str, "sweep", "The Server field of that answer; empty when absent."),
    fact("http.www_authenticate", Str, "sweep", "The WWW-Authenticate field of that answer (the realm of a 401); empty when absent."),
    fact("dicomweb.product", Str, "sweep", "The medical image archive the web server looks like (`Orthanc`: its `Basic realm=\"Orthanc Secure Area\"`, a Server field naming it, or `/` redirected to its explorer; on Orthanc's port 8042 also its `GET /system` JSON); empty when it looks like none we know."),
    fact("dicomweb.fingerprint", Str, "sweep", "What in the answer to `GET /` made us take the server for that archive."),
    fact("dicomweb.status", Int, "sweep", "The status of `GET /system` (Orthanc's name, AE title and version; never patient data), asked without credentials."),
    fact("dicomweb.open", Bool, "sweep", "`GET /system` answered, without credentials, with the archive's JSON (`DicomAet`, `Version`): its REST API, patient data included, is open to anyone."),
    fact("dicomweb.aet", Str, "sweep", "The archive's DICOM AE title, from `GET /system`."),
    fact("dicomweb.version", Str, "sweep", "The archive's software version, from `GET /system`."),
    // RDP (src/probe/rdp.rs)
    fact("rdp.responses", Map, "rdp", "For each requested protocol set (`ssl+hybrid+hybrid_ex`, `ssl`, `rdp`), what the server answered to the X.224 Connection Request."),
    fact("rdp.selected_protocol", Str, "rdp", "The protocol the server selected when offered TLS, CredSSP and CredSSP with early auth: `rdp` (standard RDP security), `ssl`, `hybrid`, `hybrid_ex`..., or `none` when it refused."),
    fact("rdp.accepts_standard_security", Bool, "rdp", "The server accepts the legacy RDP security layer (RC4, no TLS) when a client asks for it."),
    fact("rdp.accepts_tls", Bool, "rdp", "The server accepts plain TLS without CredSSP when a client asks for it."),
    fact("rdp.accepts_credssp", Bool, "rdp", "The server selected CredSSP (hybrid or hybrid_ex) when offered it."),
    fact("rdp.nla_enforced", Bool, "rdp", "The server refused every request without CredSSP: Network Level Authentication is required before a session."),
    fact("rdp.ntlm_info", Map, "rdp", "What the pre-login NTLM challenge told an anonymous client: `netbios_computer`, `netbios_domain`, `dns_computer`, `dns_domain`, `dns_tree`, `target_name`, `os_version` (empty when CredSSP is not offered)."),
    fact("rdp.ntlm_discloses", Bool, "rdp", "The NTLM challenge names an internal computer or domain, or the OS build."),
    // VNC (src/probe/vnc.rs)
    fact("vnc.version", Str, "vnc", "The RFB protocol version the server announced, e.g. `3.8`."),
    fact("vnc.security_types", List, "vnc", "The RFB security types the server offers (ints; 1 = None, 2 = VNC Authentication)."),
    fact("vnc.security_type_names", List, "vnc", "The names of the offered security types."),
    fact("vnc.no_auth", Bool, "vnc", "The server offers security type None: anyone who connects gets the desktop."),
    fact("vnc.vencrypt_subtypes", List, "vnc", "The VeNCrypt (type 19) subtypes offered (ints; 257 TLSNone and 260 X509None need no credentials)."),
    fact("vnc.vencrypt_subtype_names", List, "vnc", "The names of the offered VeNCrypt subtypes."),
    fact("vnc.failure_reason", Str, "vnc", "The reason a server gave for refusing the handshake (e.g. too many security failures)."),
    fact("vnc.unexpected_bytes", Str, "vnc", "Bytes the server sent that the RFB handshake did not expect (hex)."),
    // DICOM (src/probe/dicom.rs)
    fact("dicom.association", Str, "dicom", "What the server did with our A-ASSOCIATE-RQ from an unknown AE title: `accepted`, `rejected` or `aborted`."),
    fact("dicom.reject_reason", Str, "dicom", "The A-ASSOCIATE-RJ result, source and reason, in words."),
    fact("dicom.echo_status", Int, "dicom", "The status of our C-ECHO (0 = success)."),
    fact("dicom.implementation_class_uid", Str, "dicom", "The server's implementation class UID."),
    fact("dicom.implementation_version", Str, "dicom", "The server's implementation version name."),
    fact("dicom.accepts_unknown_ae", Bool, "dicom", "An association (Verification SOP class) from made-up calling and called AE titles was accepted."),
    fact("dicom.abort_reason", Str, "dicom", "The A-ABORT source and reason, in words."),
    fact("dicom.echo_status_name", Str, "dicom", "The C-ECHO status in words."),
    fact("dicom.verification_context", Str, "dicom", "The result of our Verification presentation context (acceptance, or why not)."),
    fact("dicom.calling_ae", Str, "dicom", "The calling AE title we used (made up, unknown to the server)."),
    fact("dicom.called_ae", Str, "dicom", "The called AE title we used (made up, unknown to the server)."),
    // Banners and minimal handshakes (src/probe/banner.rs)
    fact("ssh.banner", Str, "banner", "The SSH identification string (`SSH-2.0-OpenSSH_9.2p1 ...`)."),
    fact("ftp.banner", Str, "banner", "The FTP greeting (220 reply)."),
    fact("ssh.protocol_version", Str, "banner", "The SSH protocol version of the identification string (`2.0`, `1.99`)."),
    fact("ssh.software", Str, "banner", "The software version of the identification string (`OpenSSH_9.2p1`)."),
    fact("telnet.banner", Str, "banner", "What the Telnet server sent first (option negotiation shown as IAC ...)."),
    fact("smb.dialect", Str, "banner", "The SMB dialect the server selected (`2.0.2`, `3.1.1`, or `NT LM 0.12` for SMB1)."),
    fact("database.engine", Str, "banner", "The database server identified: `mysql`, `postgresql` or `mssql`."),
    fact("smb.version", Int, "banner", "The SMB major version of the answer: 1 or 2 (SMB 2 and 3)."),
    fact("smb.negotiate_status", Str, "banner", "The NT status of the SMB NEGOTIATE response."),
    fact("database.version", Str, "banner", "The version the database server announced, when it does."),
    fact("database.tls_offered", Bool, "banner", "The database server offers TLS on the connection."),
    fact("database.greeting_error", Str, "banner", "An error the database server sent instead of a greeting."),
    fact("mssql.encryption", Str, "banner", "The ENCRYPTION option of the MS SQL PRELOGIN response (`off`, `on`, `not supported`, `required`)."),
    // TLS enumeration (src/probe/tls.rs)
    fact("tls.protocols", List, "tls", "The accepted versions, oldest first, named `SSLv2`, `SSLv3`, `TLSv1.0`, `TLSv1.1`, `TLSv1.2`, `TLSv1.3` (SPEC §10); unavailable when no version was accepted."),
    fact("tls.suites", Map, "tls", "For each accepted version, the accepted suites by IANA name (SSLv2: cipher-spec names), in the server's preference order when it imposes one."),
    fact("tls.server_order", Map, "tls", "For each version with two or more suites: true when the server imposes its own preference, false when it follows the client's."),
    fact("tls.connections", Int, "tls", "TCP connections the enumeration opened."),
    fact("tls.errors", List, "tls", "What went wrong during the enumeration (timeouts, unusable answers); empty when it completed."),
    fact("tls.dh_bits", Int, "tls", "The smallest finite-field Diffie-Hellman group (bits of the prime) in the ServerKeyExchange of an accepted DHE, DH_anon or DHE_PSK suite (SSLv3 to TLS 1.2), as the enumeration's hellos (offering the RFC 7919 groups) and one hello per version without them see it; absent when none was accepted, unavailable when a group could not be read (`tls.dh_unread`) and those read are all 2048 bits or more (src/derive/tls.rs: the unread one might be smaller)."),
    fact("tls.dh_unread", List, "tls", "Why the group of an accepted finite-field DHE suite could not be read from its ServerKeyExchange, one entry per handshake; empty when every group was read, absent when no such suite was accepted."),
    // TLS certificate (src/certificate, fetched by src/probe/tls.rs)
    fact("tls.cert.source", Str, "tls", "How the chain was fetched: `TLSv1.2 handshake` (read from our own ≤ TLS 1.2 handshakes; the highest version's first chain) or `TLSv1.3 via rustls` (one rustls handshake, for servers whose plaintext handshakes gave none)."),
    fact("tls.cert.source_suite", Str, "tls", "The IANA name of the suite of the handshake that delivered the chain."),
    fact("tls.cert.subject", Str, "tls", "The leaf's subject, RFC 4514 (`CN=www.example.jp,O=Example,C=JP`)."),
    fact("tls.cert.issuer", Str, "tls", "The leaf's issuer, RFC 4514."),
    fact("tls.cert.sans", List, "tls", "The leaf's subjectAltName DNS names and IP addresses (strings)."),
    fact("tls.cert.serial", Str, "tls", "The leaf's serial number, upper-case hex (as `openssl x509 -serial`)."),
    fact("tls.cert.not_before", Str, "tls", "Start of the leaf's validity (RFC 3339, UTC)."),
    fact("tls.cert.not_after", Str, "tls", "End of the leaf's validity (RFC 3339, UTC)."),
    fact("tls.cert.days_left", Int, "tls", "Whole days from the run's `now` to not_after, rounded down; negative once passed."),
    fact("tls.cert.expired", Bool, "tls", "The run's `now` is after the leaf's not_after."),
    fact("tls.cert.not_yet_valid", Bool, "tls", "The run's `now` is before the leaf's not_before."),
    fact("tls.cert.key_type", Str, "tls", "The leaf's key: `RSA`, `EC`, `Ed25519`, `Ed448`, `DSA` or the algorithm OID."),
    fact("tls.cert.key_bits", Int, "tls", "RSA modulus bits, DSA prime bits, or the EC curve's bits (P-256: 256)."),
    fact("tls.cert.curve", Str, "tls", "The EC key's curve (`P-256`, `P-384`, `P-521`... or the OID); absent for other keys."),
    fact("tls.cert.weak_key", Bool, "tls", "RSA/DSA under 2048 bits or EC under 256 bits."),
    fact("tls.cert.signature_algorithm", Str, "tls", "The leaf's signature algorithm (`sha256WithRSAEncryption`, `ecdsa-with-SHA256`, `rsassaPss (SHA-256)`..., or the OID)."),
    fact("tls.cert.weak_signature", Bool, "tls", "The leaf or an intermediate the server sent (not a self-signed root) is signed with SHA-1 or MD5 (or MD2/MD4)."),
    fact("tls.cert.weak_signatures", List, "tls", "Which certificates are signed with SHA-1 or MD5: `SUBJECT: ALGORITHM` strings; empty when none."),
    fact("tls.cert.self_signed", Bool, "tls", "The leaf's issuer is its subject and its signature verifies with its own key."),
    fact("tls.cert.chain_length", Int, "tls", "Certificates the server sent."),
    fact("tls.cert.chain_valid", Bool, "tls", "The chain leads to a trust anchor (system roots plus the inventory's `trust`) as rustls would check it, judged apart from expiry: the path is checked at `now` clamped into the leaf's validity, so an expired leaf from a trusted CA is valid here."),
    fact("tls.cert.chain_error", Str, "tls", "Why the chain does not validate (unknown issuer, self-signed, SHA-1 in the path...); empty when it does."),
    fact("tls.cert.trust_store", Str, "tls", "The anchors the chain was validated against (`145 system roots + 1 inventory anchor`, or `no system roots (...)`)."),
    fact("tls.cert.name", Str, "tls", "The name checked against the certificate (the inventory's name)."),
    fact("tls.cert.hostname_match", Bool, "tls", "The name is among the leaf's subjectAltName names (wildcards as browsers match them; an IP literal against IP SANs; the subject CN does not count)."),
    // Derived TLS facts (src/derive/tls.rs, src/derive/mozilla.rs)
    fact("tls.legacy_protocols", List, "derived", "The accepted versions below TLS 1.2 (`SSLv2`, `SSLv3`, `TLSv1.0`, `TLSv1.1`); unavailable when none was found but the enumeration was incomplete."),
    fact("tls.weak_suites", List, "derived", "Accepted suites that are NULL, EXPORT, anonymous, RC4, DES or 3DES (any version), each named once."),
    fact("tls.no_forward_secrecy_suites", List, "derived", "Accepted TLS 1.2-or-older suites whose key exchange is not ephemeral (static RSA, static (EC)DH, plain PSK...)."),
    fact("tls.dhe_suites", List, "derived", "Accepted TLS 1.2-or-older suites with a finite-field ephemeral key exchange (DHE, DH_anon, DHE_PSK), each named once: those whose group `tls.dh_bits` sizes."),
    fact("tls.mozilla_intermediate.version", Str, "derived", "The profile compared against, with its guidelines version (e.g. `Mozilla intermediate 6.0`)."),
    fact("tls.mozilla_intermediate.deviations", List, "derived", "Each way the endpoint deviates from the profile: a protocol, the suites of a version, the certificate's key type, curve, RSA size, signature or lifespan."),
    // Publication schedule (src/derive/schedule.rs)
    fact("form.opens_at", Str, "derived", "The scheduled go-live (RFC 3339, as the inventory gives it); empty when none."),
    fact("form.closes_at", Str, "derived", "The scheduled close (RFC 3339); empty when none."),
    fact("form.before_go_live", Bool, "derived", "The run's `now` is before `opens_at` (false when there is none)."),
    fact("form.after_close", Bool, "derived", "The run's `now` is at or after `closes_at` (false when there is none)."),
    // Web forms (src/probe/http.rs, with src/msgs/html.rs and src/derive/caching.rs)
    fact("form.url", Str, "http", "The form URL of the inventory."),
    fact("form.status", Int, "http", "The HTTP status of the form page, fetched cookieless, after the redirects followed."),
    fact("form.final_url", Str, "http", "The URL of the last response (after redirects within the vendor's assets)."),
    fact("form.redirects", List, "http", "Each redirect followed, as `STATUS URL` (at most 5)."),
    fact("form.redirect_refused", Str, "http", "The Location not followed because its host is outside the vendor's assets; empty when none."),
    fact("form.open", Bool, "http", "The page is an open form: a 2xx answer with at least one `<form>` that has user inputs."),
    fact("form.input_count", Int, "http", "User inputs on the page (input other than hidden/submit/button/image/reset, textarea, select)."),
    fact("form.pii_fields", List, "http", "The inputs that ask for personal data (by autocomplete token, type, or English/Japanese name, id or label)."),
    fact("form.prefilled_pii", List, "http", "Personal-data inputs that already carry a value on a cookieless GET of the form page or the leak-probe view page, as `URL field (N chars)`; the value itself is never recorded."),
    fact("form.https", Bool, "http", "The form page was served over https (the final URL's scheme)."),
    fact("form.http_actions", List, "http", "Form action URLs on the page that are plain http."),
    fact("form.hsts", Str, "http", "The Strict-Transport-Security header of the https form page; empty when absent or over http."),
    fact("form.headers", Map, "http", "The form page's response headers (lower-case names; repeated fields joined; Set-Cookie values reduced to the cookie's name and attributes)."),
    fact("form.weak_cookies", List, "http", "Every Set-Cookie (form page, leak-probe responses) lacking Secure, HttpOnly or SameSite, as `NAME on URL: missing ...`."),
    fact("form.cookie_names", List, "http", "The names of the cookies set (Set-Cookie on the form page, its second request and the leak-probe responses), each once; empty when none was set."),
    fact("form.cacheable", Bool, "http", "The form page (or the leak-probe view page), fetched cookieless, may be stored by a shared cache, fresh or stale (RFC 9111 §3, RFC 9213 targeted fields, heuristic freshness, Surrogate-Control and X-Accel-Expires as Varnish and nginx apply them), or a second request showed a stored copy served."),
    fact("form.cacheable_reasons", List, "http", "Why each page may or may not be stored by a shared cache, prefixed by its URL, with RFC sections."),
    fact("form.cache_hit", Bool, "http", "A response (first or second cookieless request to the form and view pages) shows a stored copy served by a shared cache: Age > 0 (any member of a list), X-Cache HIT, X-Cache-Status/CF-Cache-Status HIT, STALE, UPDATING or REVALIDATED, Cache-Status (RFC 9211) hit, collapsed, or fwd=stale with fwd-status=304, X-Varnish with two ids."),
    fact("form.cache_evidence", List, "http", "The headers that show a cache (Via as supporting evidence only), prefixed by URL and request."),
    fact("form.leak_probe", Bool, "http", "The inventory configures an active leak probe (`leak_probe`) for this form."),
    fact("form.leak_found", Bool, "http", "The active leak probe (SPEC §7.4) found another session's marker or data in a session's view, or session A's own view without its marker (stale); unavailable when not configured or not testable."),
    fact("form.leak_evidence", List, "http", "What the leak probe saw: which session was served which marker or filled-in form on which page, and when."),
    // Annual report (src/engine/report_facts.rs)
    fact("report.status", Str, "report", "`current`, `stale` (for an earlier fiscal year, one that has not begun, or dated after today), `missing` or `invalid` (any problem; its well-formed answers still count)."),
    fact("report.path", Str, "report", "Where the inventory says the report is."),
    fact("report.fiscal_year", Int, "report", "The fiscal year the report declares."),
    fact("report.current_fiscal_year", Int, "report", "The fiscal year of the audit's `now`, in the audit timezone."),
    fact("report.error", Str, "report", "Every problem of the report (file:line:column: message, naming the key and the nearest known one), and how many of its answers are still judged."),
    fact("report.current", Bool, "report", "The report is for the audit's fiscal year and not dated after today; absent when its fiscal year cannot be read."),
    fact("report.stale_reason", Str, "report", "Why the report is not current, with both fiscal years (or the date still ahead); absent when it is current."),
    fact("report.error_ja", Str, "report", "`report.error` in Japanese, for the Japanese finding message."),
    fact("report.stale_reason_ja", Str, "report", "`report.stale_reason` in Japanese, for the Japanese finding message."),
];

/// The names of the facts whose name starts with `prefix` (`"tls.cert."`, `"form."`), in
/// catalogue order: what a probe marks unavailable, with the reason, when it cannot observe.
pub fn named(prefix: &'static str) -> impl Iterator<Item = &'static str> {
    FACTS
        .iter()
        .map(|f| f.name)
        .filter(move |n| n.starts_with(prefix))
}

/// Marks every catalogued fact recorded by `probe` as unavailable, with `why`.
pub fn mark_unavailable(facts: &mut crate::fact::Facts, probe: &str, why: &str) {
    for spec in FACTS.iter().filter(|f| f.probe == probe) {
        facts.unavailable(spec.name, why);
    }
}

pub fn spec(name: &str) -> Option<&'static FactSpec> {
    FACTS.iter().find(|f| f.name == name)
}
