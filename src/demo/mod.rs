//! The built-in demo lab: simulated endpoints of the 2024 incidents, started inside the process
//! on loopback addresses and fixed unprivileged ports named by the top-level `vendors.toml`, with
//! the vendors' annual reports written beside a copy of that inventory.

pub mod rdp;

use std::path::{Path, PathBuf};

/// The demo's inventory: the top-level `vendors.toml`, compiled in so the demo runs from anywhere.
pub const INVENTORY: &str = include_str!("../../vendors.toml");

/// The annual reports the demo inventory names (path relative to the inventory, contents).
pub const REPORTS: &[(&str, &str)] = &[
    ("reports/kenko-zaidan-2026.toml", include_str!("../../reports/kenko-zaidan-2026.toml")),
    ("reports/machi-web-2025.toml", include_str!("../../reports/machi-web-2025.toml")),
];

/// A running lab; dropping it stops the simulated servers.
pub struct Lab {
    dir: tempfile::TempDir,
    inventory: PathBuf,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    listening: Vec<String>,
}

impl Lab {
    /// Writes the inventory and reports to a temporary folder and starts every simulated server.
    /// Fails (naming the address) when an address is busy.
    pub async fn start() -> Result<Lab, String> {
        let dir = tempfile::tempdir().map_err(|e| format!("cannot create a temporary folder: {e}"))?;
        let inventory = dir.path().join("vendors.toml");
        write(&inventory, INVENTORY)?;
        for (rel, text) in REPORTS {
            write(&dir.path().join(rel), text)?;
        }
        let tasks = Vec::new();
        let listening = Vec::new();
        Ok(Lab { dir, inventory, tasks, listening })
    }

    pub fn inventory_path(&self) -> &Path {
        &self.inventory
    }

    /// What is running, for people (printed on stderr).
    pub fn banner(&self) -> String {
        format!(
            "vendor-audit demo: simulated endpoints on {} (inventory {})",
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

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
