//! Network plumbing shared by every probe: bounded concurrency (global and per host), connect
//! and read timeouts, and reads that never take more than a size limit from a server.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{timeout_at, Instant};

/// Time and size bounds for probing.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// How long a TCP connect may take before the port counts as filtered.
    pub connect_timeout: Duration,
    /// The whole budget for identifying one port (all its connections): a tarpit costs this once.
    pub port_budget: Duration,
    /// The most bytes any single server message may have.
    pub max_message: usize,
}

impl Limits {
    /// The whole budget for one TLS endpoint (enumeration and certificate): four port budgets,
    /// since enumerating a permissive server takes one connection per accepted suite.
    pub fn tls_budget(&self) -> Duration {
        self.port_budget.saturating_mul(4)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connect_timeout: Duration::from_secs(3),
            port_budget: Duration::from_secs(8),
            max_message: 64 * 1024,
        }
    }
}

/// One place to connect to: the name from the inventory (for SNI and targets) and its address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub name: String,
    pub addr: SocketAddr,
}

impl Endpoint {
    /// `HOST:PORT` with the inventory name, as findings show it.
    pub fn target(&self) -> String {
        crate::inventory::join_host_port(&self.name, self.addr.port())
    }
}

/// Why a connection could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetError {
    #[error("connection refused")]
    Refused,
    #[error("no answer to connect within {0:?} (filtered or host down)")]
    ConnectTimeout(Duration),
    #[error("connect failed: {0}")]
    Connect(String),
    /// The handshake completed (the port is open) and the server reset the connection before
    /// we could use it: a crashed service, a middlebox, or a port that refuses in its own way.
    #[error("the server accepted the connection, then reset it")]
    ResetAfterAccept,
    #[error("no answer within the time budget")]
    ReadTimeout,
    #[error("connection closed by the server")]
    Closed,
    #[error("server message larger than {0} bytes")]
    TooLarge(usize),
    #[error("I/O error: {0}")]
    Io(String),
}

/// Shared by all probes of a run: the limits and the connection semaphores.
#[derive(Debug, Clone)]
pub struct ProbeContext {
    pub limits: Limits,
    global: Arc<Semaphore>,
    per_host_limit: usize,
    per_host: Arc<Mutex<HashMap<IpAddr, Arc<Semaphore>>>>,
    /// What every HTTP request says it is (`user_agent`).
    user_agent: Arc<str>,
    /// A connection slot this probe already holds (`hold`): a connection to its address uses it
    /// when it is free instead of queueing for new permits.
    held: Option<Arc<Slot>>,
}

/// The User-Agent of every HTTP request: `vendor-audit/VERSION (+CONTACT)`, the operator's
/// `[audit] contact`, so that a vendor can recognise the audit; without one, the name and version.
pub fn user_agent(contact: Option<&str>) -> String {
    let version = env!("CARGO_PKG_VERSION");
    // Only what a comment of RFC 9110 §5.6.5 can hold; the inventory checks it already.
    let contact: Option<String> = contact.map(|c| {
        c.chars()
            .filter(|ch| ch.is_ascii_graphic() && !matches!(ch, '(' | ')' | '\\'))
            .take(200)
            .collect()
    });
    match contact.filter(|c| !c.is_empty()) {
        Some(c) => format!("vendor-audit/{version} (+{c})"),
        None => format!("vendor-audit/{version}"),
    }
}

/// A global and a per-host permit kept by one probe across its connections, one at a time.
#[derive(Debug)]
struct Slot {
    ip: IpAddr,
    /// One permit: whether a connection of the probe is using the slot now.
    free: Arc<Semaphore>,
    _global: OwnedSemaphorePermit,
    _host: OwnedSemaphorePermit,
}

/// The permits a connection holds until dropped.
#[derive(Debug)]
enum Permits {
    /// Taken for this connection.
    Own {
        _global: OwnedSemaphorePermit,
        _host: OwnedSemaphorePermit,
    },
    /// The probe's held slot, lent to this connection.
    Slot { _lent: OwnedSemaphorePermit },
}

/// A TCP connection that holds its concurrency permits until dropped.
#[derive(Debug)]
pub struct Conn {
    pub stream: TcpStream,
    _permits: Permits,
}

/// The default for `--concurrency`: connections at once in the whole run. A tarpit holds its
/// connection for a whole budget, so a fleet's time is at least (tarpits x budget / this): 1,000
/// tarpits of a 10,000-asset fleet at `--timeout 5` take 78 s at 64 and 20 s at 256. 256 open
/// sockets stay well inside the usual 1,024 file descriptors, and `--per-host` keeps each
/// target's share small (bench/fleet).
pub const DEFAULT_CONCURRENCY: usize = 256;

/// The default for `--per-host`: connections at once to one address. nmap's default timing
/// keeps about ten probes in flight per host, testssl.sh one; eight keeps a sweep of a host's
/// usual handful of ports in one wave without looking like a flood.
pub const DEFAULT_PER_HOST: usize = 8;

impl ProbeContext {
    /// `global` connections at once in the whole run, `per_host` at once to one address.
    pub fn new(limits: Limits, global: usize, per_host: usize) -> Self {
        ProbeContext {
            limits,
            global: Arc::new(Semaphore::new(global.max(1))),
            per_host_limit: per_host.max(1),
            per_host: Arc::new(Mutex::new(HashMap::new())),
            user_agent: Arc::from(user_agent(None)),
            held: None,
        }
    }

    /// The same context, its HTTP requests sending `ua` as their User-Agent.
    pub fn with_user_agent(mut self, ua: &str) -> Self {
        self.user_agent = Arc::from(ua);
        self
    }

    /// The User-Agent every HTTP request sends (see [`user_agent`]).
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    fn host_semaphore(&self, ip: IpAddr) -> Arc<Semaphore> {
        let mut map = match self.per_host.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        map.entry(ip)
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_host_limit)))
            .clone()
    }

    /// A per-host and a global permit, in that order (every probe takes them in that order).
    async fn permits(
        &self,
        ip: IpAddr,
    ) -> Result<(OwnedSemaphorePermit, OwnedSemaphorePermit), NetError> {
        let host = self
            .host_semaphore(ip)
            .acquire_owned()
            .await
            .map_err(|_| NetError::Connect("run is shutting down".into()))?;
        let global = self
            .global
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| NetError::Connect("run is shutting down".into()))?;
        Ok((host, global))
    }

    /// Waits for a connection slot to `ip` and returns a context that keeps it: its connections
    /// to `ip` use the slot when it is free (one at a time) and queue for more permits only
    /// beside it. A probe starts its budget once this returns, so the time spent queueing
    /// behind other probes (tarpits, at a low `--concurrency`) is not counted against it.
    pub async fn hold(&self, ip: IpAddr) -> Result<ProbeContext, NetError> {
        let (host, global) = self.permits(ip).await?;
        Ok(ProbeContext {
            held: Some(Arc::new(Slot {
                ip,
                free: Arc::new(Semaphore::new(1)),
                _global: global,
                _host: host,
            })),
            ..self.clone()
        })
    }

    /// Opens a TCP connection within the connect timeout, after taking the held slot or a
    /// global and a per-host permit (waiting for a permit does not count against the timeout).
    pub async fn connect(&self, addr: SocketAddr) -> Result<Conn, NetError> {
        let permits = match self.held.as_ref().filter(|s| s.ip == addr.ip()) {
            Some(slot) => {
                let free = slot.free.clone();
                tokio::select! {
                    biased;
                    Ok(lent) = free.acquire_owned() => Permits::Slot { _lent: lent },
                    own = self.permits(addr.ip()) => {
                        let (host, global) = own?;
                        Permits::Own { _global: global, _host: host }
                    }
                }
            }
            None => {
                let (host, global) = self.permits(addr.ip()).await?;
                Permits::Own {
                    _global: global,
                    _host: host,
                }
            }
        };
        let timeout = self.limits.connect_timeout;
        match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Err(_) => Err(NetError::ConnectTimeout(timeout)),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                Err(NetError::Refused)
            }
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                Err(NetError::ResetAfterAccept)
            }
            Ok(Err(e)) => Err(NetError::Connect(e.to_string())),
            Ok(Ok(stream)) => {
                let _ = stream.set_nodelay(true);
                Ok(Conn {
                    stream,
                    _permits: permits,
                })
            }
        }
    }
}

/// Reads whatever the server sends first (at most `max` bytes) before `deadline`.
/// `Ok(empty)` never happens: a clean close is `NetError::Closed`.
pub async fn read_some<R: AsyncReadExt + Unpin>(
    reader: &mut R,
    max: usize,
    deadline: Instant,
) -> Result<Vec<u8>, NetError> {
    let mut buf = vec![0u8; max.max(1)];
    match timeout_at(deadline, reader.read(&mut buf)).await {
        Err(_) => Err(NetError::ReadTimeout),
        Ok(Err(e)) => Err(NetError::Io(e.to_string())),
        Ok(Ok(0)) => Err(NetError::Closed),
        Ok(Ok(n)) => {
            buf.truncate(n);
            Ok(buf)
        }
    }
}

/// Reads exactly `n` bytes before `deadline`; refuses `n` above `max`.
pub async fn read_exact<R: AsyncReadExt + Unpin>(
    reader: &mut R,
    n: usize,
    max: usize,
    deadline: Instant,
) -> Result<Vec<u8>, NetError> {
    if n > max {
        return Err(NetError::TooLarge(max));
    }
    let mut buf = vec![0u8; n];
    match timeout_at(deadline, reader.read_exact(&mut buf)).await {
        Err(_) => Err(NetError::ReadTimeout),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(NetError::Closed),
        Ok(Err(e)) => Err(NetError::Io(e.to_string())),
        Ok(Ok(_)) => Ok(buf),
    }
}

/// Reads until `complete(buf)` returns `Some(len)` (a whole message of `len` bytes is in `buf`),
/// the server closes, `max` bytes are exceeded, or `deadline` passes. Returns the message bytes.
/// `complete` must not panic on any prefix: it is given raw server bytes.
pub async fn read_message<R, F>(
    reader: &mut R,
    max: usize,
    deadline: Instant,
    complete: F,
) -> Result<Vec<u8>, NetError>
where
    R: AsyncReadExt + Unpin,
    F: FnMut(&[u8]) -> Option<usize>,
{
    match read_until(reader, max, deadline, complete).await {
        (message, None) => Ok(message),
        (_, Some(e)) => Err(e),
    }
}

/// As [`read_message`], but what arrived before a close, timeout, error or the size cap is
/// kept beside the reason: (the message, `None`) or (the bytes so far, why it stopped). Never
/// reads more than `max` bytes.
pub async fn read_until<R, F>(
    reader: &mut R,
    max: usize,
    deadline: Instant,
    mut complete: F,
) -> (Vec<u8>, Option<NetError>)
where
    R: AsyncReadExt + Unpin,
    F: FnMut(&[u8]) -> Option<usize>,
{
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(len) = complete(&buf) {
            if len > max {
                return (buf, Some(NetError::TooLarge(max)));
            }
            buf.truncate(len.min(buf.len()));
            return (buf, None);
        }
        if buf.len() >= max {
            return (buf, Some(NetError::TooLarge(max)));
        }
        let room = (max - buf.len()).min(chunk.len());
        let window = chunk.get_mut(..room).unwrap_or_default();
        match timeout_at(deadline, reader.read(window)).await {
            Err(_) => return (buf, Some(NetError::ReadTimeout)),
            Ok(Err(e)) => return (buf, Some(NetError::Io(e.to_string()))),
            Ok(Ok(0)) => return (buf, Some(NetError::Closed)),
            Ok(Ok(n)) => buf.extend_from_slice(window.get(..n).unwrap_or_default()),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_user_agent_names_the_tool_and_the_contact() {
        let v = env!("CARGO_PKG_VERSION");
        assert_eq!(user_agent(None), format!("vendor-audit/{v}"));
        assert_eq!(
            user_agent(Some("security@audit.example.jp")),
            format!("vendor-audit/{v} (+security@audit.example.jp)")
        );
        assert_eq!(user_agent(Some(" (\r\n) ")), format!("vendor-audit/{v}"));
        let ctx = ProbeContext::new(Limits::default(), 1, 1).with_user_agent("x/1");
        assert_eq!(ctx.user_agent(), "x/1");
    }

    use super::*;
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpListener;

    #[tokio::test]
    async fn read_until_keeps_what_arrived_and_never_reads_past_max() {
        let deadline = Instant::now() + std::time::Duration::from_secs(2);
        let (mut client, mut server) = tokio::io::duplex(64);
        server.write_all(b"HTTP/1.1 200 OK\r\n").await.unwrap();
        drop(server);
        let (got, why) = read_until(&mut client, 1000, deadline, |_| None).await;
        assert_eq!(got, b"HTTP/1.1 200 OK\r\n");
        assert_eq!(why, Some(NetError::Closed));
        let (mut client, mut server) = tokio::io::duplex(64);
        server.write_all(&[7u8; 50]).await.unwrap();
        let (got, why) = read_until(&mut client, 10, deadline, |_| None).await;
        assert_eq!((got.len(), why), (10, Some(NetError::TooLarge(10))));
        // read_message gives the same stop as an error, and a whole message as Ok.
        let (mut client, mut server) = tokio::io::duplex(64);
        server.write_all(b"abcdef").await.unwrap();
        let whole = read_message(&mut client, 10, deadline, |b| (b.len() >= 4).then_some(4)).await;
        assert_eq!(whole, Ok(b"abcd".to_vec()));
    }

    #[tokio::test]
    async fn refused_and_read_timeout_are_told_apart() {
        let ctx = ProbeContext::new(Limits::default(), 4, 2);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        assert_eq!(ctx.connect(addr).await.unwrap_err(), NetError::Refused);

        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let _server = tokio::spawn(async move {
            let (_sock, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        let mut conn = ctx.connect(addr).await.unwrap();
        let deadline = Instant::now() + Duration::from_millis(100);
        let err = read_some(&mut conn.stream, 16, deadline).await.unwrap_err();
        assert_eq!(err, NetError::ReadTimeout);
    }

    #[tokio::test]
    async fn read_message_stops_at_the_size_limit() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.unwrap();
            let _ = sock.write_all(&[0x41; 100_000]).await;
        });
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        let err = read_message(&mut stream, 1000, deadline, |_| None)
            .await
            .unwrap_err();
        assert_eq!(err, NetError::TooLarge(1000));
    }
}
