//! Demo responders for `vendor-audit demo` and tests: tiny, well-behaved servers of the
//! protocols we probe, built from our own `msgs` builders. Bounded reads; they never panic.

pub mod dicom;
pub mod vnc;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

/// At most this many connections are served at once; more are closed straight away.
pub(crate) const MAX_CONNECTIONS: usize = 64;
/// A connection is closed after this long, whatever the client does.
pub(crate) const CONNECTION_LIFETIME: Duration = Duration::from_secs(30);

pub(crate) fn connection_slots() -> Arc<Semaphore> {
    Arc::new(Semaphore::new(MAX_CONNECTIONS))
}
