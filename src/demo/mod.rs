//! The built-in demo lab: simulated endpoints of the 2024 incidents, started inside the process
//! on loopback addresses and fixed unprivileged ports named by the top-level `vendors.toml`, with
//! the vendors' annual reports written beside a copy of that inventory. Responders are tiny,
//! well-behaved servers built from our own `msgs` builders: bounded reads, never a panic.

pub mod dicom;
pub mod rdp;
pub mod vnc;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

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

/// The X-ray reading host of the screening contractor (incidents 1 and 2).
const XRAY_HOST: &str = "127.0.0.31";

/// A running lab; dropping it stops the simulated servers.
pub struct Lab {
    dir: tempfile::TempDir,
    inventory: PathBuf,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    listening: Vec<String>,
}

impl Lab {
    /// Writes the inventory and reports to a temporary folder and starts every simulated server.
    /// Fails, naming the address, when one is busy.
    pub async fn start() -> Result<Lab, String> {
        let dir =
            tempfile::tempdir().map_err(|e| format!("cannot create a temporary folder: {e}"))?;
        let inventory = dir.path().join("vendors.toml");
        write(&inventory, INVENTORY)?;
        for (rel, text) in REPORTS {
            write(&dir.path().join(rel), text)?;
        }
        let tls = self_signed_tls(rdp::challenge_spec().dns_computer.as_str())?;
        let rdp_listener = bind(XRAY_HOST, 3389).await?;
        let vnc_listener = bind(XRAY_HOST, 5900).await?;
        let dicom_listener = bind(XRAY_HOST, 4242).await?;
        let listening = vec![
            format!("{XRAY_HOST}:3389 (RDP without NLA, NTLM names)"),
            format!("{XRAY_HOST}:5900 (VNC, no password)"),
            format!("{XRAY_HOST}:4242 (DICOM, any AE)"),
        ];
        let tasks = vec![
            tokio::spawn(rdp::serve(rdp_listener, tls)),
            tokio::spawn(vnc::serve(vnc_listener)),
            tokio::spawn(dicom::serve(dicom_listener)),
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
    pub fn banner(&self) -> String {
        format!(
            "vendor-audit demo: simulated endpoints on {}; inventory and reports in {}",
            self.listening.join(", "),
            self.dir.path().display()
        )
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

/// A TLS server configuration with a certificate generated now (rcgen), for the RDP responder.
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
