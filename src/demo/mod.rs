//! The built-in demo lab: simulated endpoints of the three 2024 incidents, started inside the
//! process on loopback addresses and fixed unprivileged ports named by the top-level
//! `vendors.toml`, with the vendors' reports and a fresh CA written beside a copy of it.
//! Responders are small bounded servers (our `msgs` builders, rustls, hyper): never a panic.

pub mod dicom;
pub mod forms;
pub mod rdp;
pub mod tls;
pub mod vnc;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};

use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use forms::Handler;

use crate::catalog::Lang;

/// At most this many connections are served at once; more are closed straight away.
pub(crate) const MAX_CONNECTIONS: usize = 64;
/// A connection is closed after this long, whatever the client does.
pub(crate) const CONNECTION_LIFETIME: Duration = Duration::from_secs(30);

/// Accepts connections on `listener` until the task is dropped, running `session` on each with
/// at most `MAX_CONNECTIONS` at once (more are closed at once) and for at most
/// `CONNECTION_LIFETIME` each. Shared by every demo responder.
pub(crate) async fn serve_each<F, Fut>(listener: TcpListener, session: F)
where
    F: Fn(TcpStream) -> Fut,
    Fut: std::future::Future + Send + 'static,
{
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // Out of file descriptors or similar: back off instead of spinning.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            continue;
        };
        let running = session(stream);
        tokio::spawn(async move {
            let _ = tokio::time::timeout(CONNECTION_LIFETIME, running).await;
            drop(permit);
        });
    }
}

/// The demo's inventory: the top-level `vendors.toml`, compiled in so the demo runs from anywhere.
pub const INVENTORY: &str = include_str!("../../vendors.toml");

/// The annual reports the demo inventory names (path relative to the inventory, contents).
/// `sakura-print`'s report is missing on purpose.
pub const REPORTS: &[(&str, &str)] = &[
    (
        "reports/kenko-zaidan-2026.toml",
        include_str!("../../reports/kenko-zaidan-2026.toml"),
    ),
    (
        "reports/machi-web-2025.toml",
        include_str!("../../reports/machi-web-2025.toml"),
    ),
];

/// Where the demo writes its certificate authority, relative to the inventory (its
/// `audit.trust` names this file).
pub const CA_FILE: &str = "demo-ca.pem";

/// The demo's clock unless `--now` says otherwise: five minutes after the voucher form went
/// live by mistake, ten hours before its scheduled opening (incident 3, replayed in fiscal 2026).
/// A fixed clock makes the replay the same on every day it is run; the certificates are made
/// relative to it.
pub const CLOCK: &str = "2026-04-30T00:05:00+09:00";

/// The demo's clock as a time (a unit test checks that `CLOCK` parses).
pub fn clock() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(CLOCK).unwrap_or_else(|_| chrono::Utc::now().fixed_offset())
}

/// The line under the banner: the instant the demo judges as of, and whether `--now` moved it.
pub fn clock_line(now: DateTime<FixedOffset>, lang: Lang) -> String {
    let moved = now != clock();
    match lang {
        Lang::En => format!(
            "  judged as of {} (the demo's fixed clock{}; --now moves it)",
            now.to_rfc3339(),
            if moved { ", overridden" } else { "" }
        ),
        Lang::Ja => format!(
            "  判定の基準時刻: {}（{}。--now で変更できる）",
            now.to_rfc3339(),
            if moved {
                "デモの固定時刻を --now で変更した"
            } else {
                "デモの固定時刻"
            }
        ),
    }
}

/// The simulated hosts: (name in the inventory, loopback address). The addresses are those of
/// the inventory's `[audit.resolve]` (a unit test keeps them in step).
pub const XRAY: (&str, &str) = ("xray-reading.kenko-zaidan.example", "127.0.0.31");
pub const PORTAL: (&str, &str) = ("portal.kenko-zaidan.example", "127.0.0.33");
pub const RESULTS: (&str, &str) = ("results.kenko-zaidan.example", "127.0.0.34");
pub const IMAGE_GATEWAY: (&str, &str) = ("image-gw.kenko-zaidan.example", "127.0.0.35");
pub const VOUCHER: (&str, &str) = ("apply.machi-web.example", "127.0.0.32");
pub const CONTACT: (&str, &str) = ("contact.machi-web.example", "127.0.0.36");
/// The port of every demo TLS endpoint and web site.
pub const HTTPS_PORT: u16 = 8443;

/// The voucher application form's inputs (the incident's: name, address, phone, age).
const VOUCHER_FIELDS: &[forms::Field] = &[
    ("name", "name", "text", "氏名 / Name"),
    ("address", "street-address", "text", "住所 / Address"),
    ("tel", "tel", "tel", "電話番号 / Phone"),
    ("age", "off", "number", "年齢 / Age"),
];

/// The contact form's inputs.
const CONTACT_FIELDS: &[forms::Field] = &[
    ("name", "name", "text", "氏名 / Name"),
    ("email", "email", "email", "メールアドレス / Email"),
    ("tel", "tel", "tel", "電話番号 / Phone"),
];

/// The applicant who used the voucher form before the audit (made-up data, clearly labelled):
/// as in 2024, the cache already holds their edit page when the audit starts.
const PREVIOUS_APPLICANT: &[(&str, &str)] = &[
    ("name", "山田 花子 (demo)"),
    ("address", "東京都千代田区千代田1-1 (demo)"),
    ("tel", "0300000000"),
    ("age", "52"),
];

/// A running lab; dropping it stops the simulated servers.
pub struct Lab {
    dir: tempfile::TempDir,
    inventory: PathBuf,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// Each simulated endpoint: its address, and what it shows in English and Japanese.
    listening: Vec<(String, &'static str, &'static str)>,
}

impl Lab {
    /// Writes the inventory, the reports and the demo CA to a temporary folder and starts every
    /// simulated server, with certificates made relative to `now`. Fails, naming the address,
    /// when one is busy.
    pub async fn start(now: DateTime<FixedOffset>) -> Result<Lab, String> {
        let dir =
            tempfile::tempdir().map_err(|e| format!("cannot create a temporary folder: {e}"))?;
        let inventory = dir.path().join("vendors.toml");
        write(&inventory, INVENTORY)?;
        for (rel, text) in REPORTS {
            write(&dir.path().join(rel), text)?;
        }
        let pki = tls::Pki::new(now)?;
        write(&dir.path().join(CA_FILE), &pki.ca_pem())?;

        // Bind everything first, so a busy address stops the demo before anything runs.
        let rdp_listener = bind(XRAY.1, 3389).await?;
        let vnc_listener = bind(XRAY.1, 5900).await?;
        let dicom_listener = bind(XRAY.1, 4242).await?;
        let portal_listener = bind(PORTAL.1, HTTPS_PORT).await?;
        let results_listener = bind(RESULTS.1, HTTPS_PORT).await?;
        let gateway_listener = bind(IMAGE_GATEWAY.1, HTTPS_PORT).await?;
        let voucher_listener = bind(VOUCHER.1, HTTPS_PORT).await?;
        let contact_listener = bind(CONTACT.1, HTTPS_PORT).await?;

        let rdp_tls = self_signed_tls(rdp::challenge_spec().dns_computer.as_str())?;
        let portal = pki.rustls_server(PORTAL.0, -30, 60, &[])?;
        let results = pki.rustls_server(RESULTS.0, -100, -10, &[])?;
        let gateway_chain = Arc::new(pki.scripted_chain(IMAGE_GATEWAY.0, -30, 60)?);
        let http = [b"http/1.1".as_slice()];
        let voucher_tls = pki.rustls_server(VOUCHER.0, -30, 60, &http)?;
        let contact_tls = pki.rustls_server(CONTACT.0, -30, 60, &http)?;

        let voucher = forms::MisconfiguredCache::new(forms::Site::new(
            "/voucher/apply",
            "プレミアム付商品券 申込 / Premium gift-voucher application",
            VOUCHER_FIELDS,
            // Published with another project's release at midnight: last modified then.
            forms::Headers::Careless {
                last_modified: (now - chrono::TimeDelta::minutes(5)).to_utc(),
            },
        ));
        // The previous applicant: submits, opens the edit page (which the cache keeps), and
        // the form page is cached too.
        let submitted = voucher.handle(&forms::post("/voucher/apply/confirm", PREVIOUS_APPLICANT));
        let cookie = forms::session_cookie(&submitted);
        voucher.handle(&forms::get("/voucher/apply/edit", cookie.as_deref()));
        voucher.handle(&forms::get("/voucher/apply", None));
        let contact = forms::Site::new(
            "/contact",
            "お問い合わせ / Contact",
            CONTACT_FIELDS,
            forms::Headers::Correct,
        );

        let at = |(name, ip): (&str, &str), port: u16, en: &'static str, ja: &'static str| {
            (format!("{name}:{port} ({ip})"), en, ja)
        };
        let listening = vec![
            at(
                XRAY,
                3389,
                "RDP without NLA; its NTLM challenge names the internal domain",
                "NLA なしの RDP。NTLM チャレンジが内部ドメイン名を明かす",
            ),
            at(XRAY, 5900, "VNC without a password", "パスワードなしの VNC"),
            at(
                XRAY,
                4242,
                "DICOM archive accepting any AE title",
                "どの AE タイトルでも受け付ける DICOM 画像保管サーバー",
            ),
            at(
                PORTAL,
                HTTPS_PORT,
                "TLS 1.2/1.3 (rustls), valid certificate",
                "TLS 1.2/1.3（rustls）、有効な証明書",
            ),
            at(
                RESULTS,
                HTTPS_PORT,
                "TLS 1.2/1.3 (rustls), certificate expired 10 days ago",
                "TLS 1.2/1.3（rustls）、証明書は 10 日前に期限切れ",
            ),
            at(
                IMAGE_GATEWAY,
                HTTPS_PORT,
                "TLS 1.0 with RC4 and 3DES, SCRIPTED: hello answers built by the demo, no TLS stack",
                "RC4 と 3DES を使う TLS 1.0。SCRIPTED: 応答はデモが組み立てたもので、TLS の実装はない",
            ),
            at(
                VOUCHER,
                HTTPS_PORT,
                "voucher form open before its go-live, behind a cache that keeps pages by URL\n      \
                 alone; a made-up previous applicant's entry is already in it",
                "受付開始前に公開された商品券の申込フォーム。URL だけでページを保存するキャッシュの\n      \
                 後ろにあり、架空の前の申込者の入力がすでに入っている",
            ),
            at(
                CONTACT,
                HTTPS_PORT,
                "contact form done right",
                "正しく設定された問い合わせフォーム",
            ),
        ];
        let tasks = vec![
            tokio::spawn(rdp::serve(rdp_listener, rdp_tls)),
            tokio::spawn(vnc::serve(vnc_listener)),
            tokio::spawn(dicom::serve(dicom_listener)),
            tokio::spawn(tls::serve_rustls(portal_listener, portal)),
            tokio::spawn(tls::serve_rustls(results_listener, results)),
            tokio::spawn(tls::serve_scripted_tls10(gateway_listener, gateway_chain)),
            tokio::spawn(forms::serve(
                voucher_listener,
                voucher_tls,
                Arc::new(voucher),
            )),
            tokio::spawn(forms::serve(
                contact_listener,
                contact_tls,
                Arc::new(contact),
            )),
        ];
        Ok(Lab {
            dir,
            inventory,
            tasks,
            listening,
        })
    }

    pub fn inventory_path(&self) -> &Path {
        &self.inventory
    }

    /// What is running, for people (printed on stderr).
    pub fn banner(&self, lang: Lang) -> String {
        let mut text = String::from(match lang {
            Lang::En => "vendor-audit demo: simulated endpoints on loopback\n",
            Lang::Ja => "vendor-audit demo: ループバック上の模擬サーバー\n",
        });
        for (address, en, ja) in &self.listening {
            let what = match lang {
                Lang::En => en,
                Lang::Ja => ja,
            };
            text.push_str(&format!("  {address}\n      {what}\n"));
        }
        text.push_str(&match lang {
            Lang::En => format!(
                "  inventory, reports and the demo CA in {}",
                self.dir.path().display()
            ),
            Lang::Ja => format!(
                "  委託先一覧、年次報告書、デモ用 CA の置き場所: {}",
                self.dir.path().display()
            ),
        });
        text
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

async fn bind(ip: &str, port: u16) -> Result<TcpListener, String> {
    let addr: SocketAddr = format!("{ip}:{port}")
        .parse()
        .map_err(|e| format!("{ip}:{port}: {e}"))?;
    TcpListener::bind(addr).await.map_err(|e| {
        format!(
            "cannot listen on {addr} ({e}): is another demo running? stop it, or free that address"
        )
    })
}

/// A TLS server configuration with a self-signed certificate generated now (rcgen), for the RDP
/// responder (RDP servers make their own, as Windows does).
fn self_signed_tls(name: &str) -> Result<Arc<rustls::ServerConfig>, String> {
    let generated = rcgen::generate_simple_self_signed(vec![name.to_owned()])
        .map_err(|e| format!("cannot generate the demo certificate: {e}"))?;
    let cert = generated.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        generated.signing_key.serialize_der(),
    ));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(vec![cert], key))
        .map_err(|e| format!("cannot build the demo TLS configuration: {e}"))?;
    Ok(Arc::new(config))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_line_says_whether_now_moved_it_in_both_languages() {
        let fixed = clock();
        assert!(clock_line(fixed, Lang::En).ends_with("(the demo's fixed clock; --now moves it)"));
        assert!(clock_line(fixed, Lang::Ja).ends_with("（デモの固定時刻。--now で変更できる）"));
        let moved = fixed + chrono::TimeDelta::days(1);
        assert!(clock_line(moved, Lang::En).contains(", overridden;"));
        assert!(clock_line(moved, Lang::Ja).contains("デモの固定時刻を --now で変更した"));
    }

    /// The lab serves exactly what the inventory names: every endpoint's name resolves to the
    /// address the lab binds, and appears among the assets with the lab's port.
    #[test]
    fn the_lab_serves_what_the_inventory_names() {
        let inventory: toml::Value = toml::from_str(INVENTORY).unwrap();
        let resolve = inventory["audit"]["resolve"].as_table().unwrap();
        let endpoints = [XRAY, PORTAL, RESULTS, IMAGE_GATEWAY, VOUCHER, CONTACT];
        for (name, address) in endpoints {
            assert_eq!(resolve[name].as_str(), Some(address), "{name}");
        }
        assert_eq!(
            resolve.len(),
            endpoints.len(),
            "no name the lab does not serve"
        );
        let assets = INVENTORY.replace(' ', "");
        for (name, _) in [PORTAL, RESULTS, IMAGE_GATEWAY] {
            assert!(
                assets.contains(&format!("\"{name}:{HTTPS_PORT}\"")),
                "{name}"
            );
        }
        for (name, _) in [VOUCHER, CONTACT] {
            assert!(
                assets.contains(&format!("url=\"https://{name}:{HTTPS_PORT}/")),
                "{name}"
            );
        }
        assert!(assets.contains(&format!("hosts=[\"{}\"]", XRAY.0)));
        assert!(assets.contains(&format!("trust=[\"{CA_FILE}\"]")));
        assert!(clock() < DateTime::parse_from_rfc3339("2026-04-30T10:00:00+09:00").unwrap());
    }
}
