//! VNC probe: identifies a VNC service by its handshake and records its facts (stub).

use tokio::time::Instant;

use super::{Answer, Endpoint, ProbeContext};

/// Tries the VNC handshake on `ep`, opening as many connections as it needs, all before `deadline`.
pub async fn identify(_ctx: &ProbeContext, _ep: &Endpoint, _deadline: Instant) -> Answer {
    Answer::Failed("not implemented".into())
}
