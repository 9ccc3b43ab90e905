//! Probes: the code that connects to an asset and records facts. Probes never judge: they say
//! what a server answered, and leave pass/fail to the checks. Every connection goes through
//! `net::ProbeContext`, which bounds concurrency, connect and read time, and bytes read.

pub mod banner;
pub mod dicom;
pub mod http;
pub mod net;
pub mod rdp;
pub mod sweep;
pub mod tls;
pub mod tls_cert;
pub mod vnc;
pub mod web;

use crate::fact::Facts;

pub use net::{Endpoint, Limits, ProbeContext};

/// What one protocol identifier concluded about an open port.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// The port speaks this protocol; the facts say how (always including `service.protocol`).
    Identified(Facts),
    /// The port answered, but not in this protocol. The first bytes (at most 64) are kept so that
    /// the sweep can try the server-first recognisers on them and show them as evidence.
    NotThis(Vec<u8>),
    /// The connection was accepted but nothing came back before the deadline.
    Silent,
    /// The connection could not be made or broke before an answer (reason for people).
    Failed(String),
}

/// The services the sweep can identify, by their handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    Rdp,
    Vnc,
    Dicom,
    Ssh,
    Telnet,
    Ftp,
    Smb,
    Mysql,
    Postgresql,
    Mssql,
    Http,
    /// HTTP inside TLS.
    Https,
    /// TLS carrying something other than HTTP (or whose inside we could not reach).
    Tls,
}

impl Protocol {
    /// The name used in the `service.protocol` fact and in check files.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Rdp => "rdp",
            Protocol::Vnc => "vnc",
            Protocol::Dicom => "dicom",
            Protocol::Ssh => "ssh",
            Protocol::Telnet => "telnet",
            Protocol::Ftp => "ftp",
            Protocol::Smb => "smb",
            Protocol::Mysql => "mysql",
            Protocol::Postgresql => "postgresql",
            Protocol::Mssql => "mssql",
            Protocol::Http => "http",
            Protocol::Https => "https",
            Protocol::Tls => "tls",
        }
    }
}
