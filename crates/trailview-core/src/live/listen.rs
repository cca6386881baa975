//! `trailview listen`: NDJSON over TCP (token required) and a Unix socket (file mode 0600),
//! one ack per record after commit (docs/PROTOCOL.md).
//!
//! ## One connection
//! Two tasks and a bounded pipe between them. The *reader* cuts lines (at most
//! [`ListenOptions::max_line_bytes`]; a longer one is hashed as it streams past and refused as
//! `too_large`, and the connection goes on), normalizes and tenant-checks them, submits them to
//! the writer's queue (waiting while it is full: TCP back-pressure), and passes the pending
//! answer to the *ack writer*, which waits for the commit and writes the acks in order.
//!
//! - A connection has at most [`WINDOW_RECORDS`] records (and [`PIPELINE`] batches) submitted
//!   and not yet acknowledged; a client that stops reading acks fills that window, and its
//!   reader then stops reading its socket. Nothing of it is buffered beyond that, and no other
//!   connection waits for it (the writer never writes to a socket). An ack write that cannot
//!   finish within [`ListenOptions::ack_timeout`] closes the connection (`slow_client`).
//! - A connection silent for [`ListenOptions::idle_timeout`] (nothing received, no ack
//!   pending) is told `idle_timeout` and closed.
//! - Past [`ListenOptions::max_connections`] a new connection is told `too_many_connections`
//!   and closed.
//! - A connection that ends inside a line: that line is quarantined as `truncated` (its bytes
//!   kept); the complete lines before it are written as usual.
//!
//! Normalizing runs on the connection's task: at most one read buffer (64 KiB) of records per
//! step, a fraction of a millisecond, so no async worker is held for long.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};

use crate::normalize::MAX_RECORD_BYTES;
use crate::time::Micros;

use super::protocol::{self, AckMeta, Notice, Record};
use super::tokens::{self, Grant};
use super::writer::{LiveWriter, Pending};
use super::LiveError;

/// Batches of acks a connection may have in flight before its reader stops reading.
pub const PIPELINE: usize = 1024;
/// Records a connection may have in flight (submitted, not yet acknowledged) before its reader
/// stops reading. Large enough that one connection keeps the writer's group commits large (with
/// 128 batches, ~13k records, a single connection reached 58% of file ingest; with this, 85–89%:
/// docs/BENCHMARKS.md), small enough to bound what a client that reads no acks pins.
pub const WINDOW_RECORDS: usize = 131_072;
/// Records per submitted batch, at most.
const BATCH_RECORDS: usize = 1024;
/// Read buffer per connection.
const READ_BUF: usize = 64 * 1024;

/// Listener settings.
#[derive(Debug, Clone)]
pub struct ListenOptions {
    /// TCP address (a token is required on it).
    pub tcp: Option<SocketAddr>,
    /// Unix socket path (mode 0600; no token).
    pub unix: Option<PathBuf>,
    /// Allow a non-loopback TCP address.
    pub allow_remote: bool,
    /// Most connections at once.
    pub max_connections: usize,
    /// Close a connection silent this long.
    pub idle_timeout: Duration,
    /// Close a connection whose acks cannot be written for this long.
    pub ack_timeout: Duration,
    /// Longest line.
    pub max_line_bytes: usize,
}

impl Default for ListenOptions {
    fn default() -> Self {
        ListenOptions {
            tcp: None,
            unix: None,
            allow_remote: false,
            max_connections: 256,
            idle_timeout: Duration::from_secs(300),
            ack_timeout: Duration::from_secs(30),
            max_line_bytes: MAX_RECORD_BYTES,
        }
    }
}

/// Counters of a listener.
#[derive(Debug, Default)]
pub struct ListenStats {
    /// Connections open now.
    pub open: AtomicU64,
    /// Connections accepted since start.
    pub accepted: AtomicU64,
    /// Records received.
    pub records: AtomicU64,
    /// Connections refused: bad or missing token.
    pub unauthorized: AtomicU64,
    /// Connections refused: too many.
    pub too_many: AtomicU64,
    /// Connections closed for not reading their acks.
    pub slow_clients: AtomicU64,
    /// Connections closed for silence.
    pub idle_closed: AtomicU64,
}

/// A snapshot of [`ListenStats`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ListenCounts {
    /// Connections open now.
    pub open: u64,
    /// Connections accepted since start.
    pub accepted: u64,
    /// Records received.
    pub records: u64,
    /// Connections refused: bad or missing token.
    pub unauthorized: u64,
    /// Connections refused: too many.
    pub too_many: u64,
    /// Connections closed for not reading their acks.
    pub slow_clients: u64,
    /// Connections closed for silence.
    pub idle_closed: u64,
}

impl ListenStats {
    /// The counters now.
    pub fn snapshot(&self) -> ListenCounts {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        ListenCounts {
            open: g(&self.open),
            accepted: g(&self.accepted),
            records: g(&self.records),
            unauthorized: g(&self.unauthorized),
            too_many: g(&self.too_many),
            slow_clients: g(&self.slow_clients),
            idle_closed: g(&self.idle_closed),
        }
    }
}

struct Ctx {
    writer: LiveWriter,
    opts: ListenOptions,
    stats: Arc<ListenStats>,
    started: Micros,
}

/// A bound listener.
pub struct Listener {
    tcp: Option<TcpListener>,
    #[cfg(unix)]
    unix: Option<(tokio::net::UnixListener, PathBuf)>,
    ctx: Arc<Ctx>,
    slots: Arc<Semaphore>,
}

impl Listener {
    /// Bind the addresses of `opts`. TCP must be loopback unless `allow_remote`; `0.0.0.0` and
    /// `::` are refused without it too.
    pub async fn bind(writer: LiveWriter, opts: ListenOptions) -> Result<Listener, LiveError> {
        if opts.tcp.is_none() && opts.unix.is_none() {
            return Err(LiveError::Config(
                "nothing to listen on: give --tcp ADDR and/or --unix PATH".into(),
            ));
        }
        let tcp = match opts.tcp {
            Some(addr) => {
                if !addr.ip().is_loopback() && !opts.allow_remote {
                    return Err(LiveError::Config(format!(
                        "refusing to listen on {}: that address is reachable from other machines; \
                         use 127.0.0.1, or pass --allow-remote if that is really what you want",
                        addr.ip()
                    )));
                }
                let l = TcpListener::bind(addr).await.map_err(|e| {
                    let msg = format!("cannot listen on {addr}: {e}");
                    if e.kind() == std::io::ErrorKind::AddrInUse {
                        LiveError::AddrInUse(format!(
                            "{msg} (another program, or another Trailview listener, has \
                                 that port: pick another)"
                        ))
                    } else {
                        LiveError::Io(msg)
                    }
                })?;
                Some(l)
            }
            None => None,
        };
        #[cfg(unix)]
        let unix = match &opts.unix {
            Some(p) => Some((bind_unix(p)?, p.clone())),
            None => None,
        };
        #[cfg(not(unix))]
        if opts.unix.is_some() {
            return Err(LiveError::Config(
                "Unix sockets are not available here".into(),
            ));
        }
        let slots = Arc::new(Semaphore::new(opts.max_connections.max(1)));
        let started = writer.now_us();
        Ok(Listener {
            tcp,
            #[cfg(unix)]
            unix,
            ctx: Arc::new(Ctx {
                writer,
                opts,
                stats: Arc::new(ListenStats::default()),
                started,
            }),
            slots,
        })
    }

    /// The TCP address bound (with the port chosen for port 0).
    pub fn tcp_addr(&self) -> Option<SocketAddr> {
        self.tcp.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// The listener's counters.
    pub fn stats(&self) -> Arc<ListenStats> {
        self.ctx.stats.clone()
    }

    /// Accept connections until `shutdown` completes. Connections already open are dropped
    /// then: their unacknowledged records are for the client to send again.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), LiveError> {
        tokio::pin!(shutdown);
        let mut next_id = 0u64;
        #[cfg(unix)]
        let _cleanup = self.unix.as_ref().map(|(_, p)| RemoveOnDrop(p.clone()));
        loop {
            tokio::select! {
                () = &mut shutdown => return Ok(()),
                accepted = accept_tcp(&self.tcp) => {
                    if let Ok((stream, peer)) = accepted {
                        let _ = stream.set_nodelay(true);
                        next_id += 1;
                        self.spawn_conn(stream, "tcp", format!("tcp:{peer}"), true);
                    }
                }
                accepted = accept_unix(
                    #[cfg(unix)] &self.unix,
                ) => {
                    if let Some(stream) = accepted {
                        next_id += 1;
                        let name = format!("unix:{}#{next_id}", self.ctx.started);
                        self.spawn_conn(stream, "unix", name, false);
                    }
                }
            }
        }
    }

    fn spawn_conn<S>(&self, stream: S, transport: &'static str, name: String, need_token: bool)
    where
        S: AsyncRead + AsyncWrite + Send + 'static,
    {
        let ctx = self.ctx.clone();
        match Arc::clone(&self.slots).try_acquire_owned() {
            Ok(slot) => {
                ctx.stats.accepted.fetch_add(1, Ordering::Relaxed);
                ctx.stats.open.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(async move {
                    serve_conn(stream, transport, name, need_token, ctx.clone()).await;
                    ctx.stats.open.fetch_sub(1, Ordering::Relaxed);
                    drop(slot);
                });
            }
            Err(_) => {
                ctx.stats.too_many.fetch_add(1, Ordering::Relaxed);
                let max = ctx.opts.max_connections;
                tokio::spawn(async move {
                    let (_, mut w) = tokio::io::split(stream);
                    let n = Notice::error(
                        "too_many_connections",
                        format!("this listener takes at most {max} connections at once; try again later"),
                    );
                    let _ = tokio::time::timeout(Duration::from_secs(1), async {
                        let _ = w.write_all(&n.to_line()).await;
                        let _ = w.shutdown().await;
                    })
                    .await;
                });
            }
        }
    }
}

async fn accept_tcp(
    l: &Option<TcpListener>,
) -> std::io::Result<(tokio::net::TcpStream, SocketAddr)> {
    match l {
        Some(l) => l.accept().await,
        None => std::future::pending().await,
    }
}

#[cfg(unix)]
async fn accept_unix(
    l: &Option<(tokio::net::UnixListener, PathBuf)>,
) -> Option<tokio::net::UnixStream> {
    match l {
        Some((l, _)) => l.accept().await.ok().map(|(s, _)| s),
        None => std::future::pending().await,
    }
}

#[cfg(not(unix))]
async fn accept_unix() -> Option<tokio::net::TcpStream> {
    std::future::pending().await
}

#[cfg(unix)]
struct RemoveOnDrop(PathBuf);

#[cfg(unix)]
impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Bind a Unix socket at `path` with mode 0600 from its first moment: it is created in a
/// private (0700) directory, restricted, then renamed into place, so no other user can
/// connect in between.
#[cfg(unix)]
fn bind_unix(path: &Path) -> Result<tokio::net::UnixListener, LiveError> {
    use std::os::unix::fs::{DirBuilderExt, FileTypeExt, PermissionsExt};
    let io =
        |what: &str, e: std::io::Error| LiveError::Io(format!("{what} {}: {e}", path.display()));
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if !meta.file_type().is_socket() {
            return Err(LiveError::Config(format!(
                "{} exists and is not a socket; refusing to replace it",
                path.display()
            )));
        }
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(LiveError::Config(format!(
                "another listener is using {}",
                path.display()
            )));
        }
        std::fs::remove_file(path).map_err(|e| io("cannot remove the stale socket", e))?;
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".trailview-sock-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&tmp)
        .map_err(|e| io("cannot create a private directory beside", e))?;
    let inner = tmp.join("s");
    let res = (|| {
        let l = tokio::net::UnixListener::bind(&inner).map_err(|e| io("cannot listen on", e))?;
        std::fs::set_permissions(&inner, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| io("cannot restrict", e))?;
        std::fs::rename(&inner, path).map_err(|e| io("cannot move the socket to", e))?;
        Ok(l)
    })();
    let _ = std::fs::remove_dir_all(&tmp);
    res
}

/// What the reader hands the ack writer.
enum Out {
    /// Acks of a submitted batch, once it committed; the permit holds its records' place in
    /// the connection's window until they are written.
    Acks(Vec<AckMeta>, Pending, OwnedSemaphorePermit),
    /// A connection-level line; `close` ends the connection after it.
    Notice(Notice, bool),
}

/// A received line, cut from the stream.
enum Line {
    Bytes(Vec<u8>),
    Oversized { len: u64, sha256: [u8; 32] },
}

async fn serve_conn<S>(
    stream: S,
    transport: &'static str,
    name: String,
    need_token: bool,
    ctx: Arc<Ctx>,
) where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let (rd, wr) = tokio::io::split(stream);
    let (tx, rx) = mpsc::channel::<Out>(PIPELINE);
    let inflight = Arc::new(AtomicUsize::new(0));
    let window = Arc::new(Semaphore::new(WINDOW_RECORDS));
    let reader = tokio::spawn(read_loop(
        rd,
        tx,
        transport,
        name,
        need_token,
        ctx.clone(),
        Inflight {
            batches: inflight.clone(),
            window,
        },
    ));
    let ok = write_loop(wr, rx, &ctx, &inflight).await;
    if ok {
        let _ = reader.await;
    } else {
        reader.abort();
    }
}

/// Writes notices and acks in order; false when the connection had to be cut.
async fn write_loop<W: AsyncWrite + Unpin>(
    mut wr: W,
    mut rx: mpsc::Receiver<Out>,
    ctx: &Ctx,
    inflight: &AtomicUsize,
) -> bool {
    let limit = ctx.opts.ack_timeout;
    let mut buf = Vec::with_capacity(64 * 1024);
    while let Some(out) = rx.recv().await {
        buf.clear();
        let mut close = false;
        match out {
            Out::Acks(metas, pending, _permit) => {
                let res = pending.outcomes().await;
                inflight.fetch_sub(1, Ordering::Relaxed);
                match res {
                    Ok(outcomes) => {
                        for (m, o) in metas.into_iter().zip(outcomes) {
                            serde_json::to_writer(&mut buf, &m.ack(o)).expect("acks serialize");
                            buf.push(b'\n');
                        }
                    }
                    Err(e) => {
                        let n = Notice::error(
                            e.code(),
                            format!(
                                "the store could not write: {e}; nothing from this line on was \
                                 stored: send it again"
                            ),
                        );
                        buf.extend_from_slice(&n.to_line());
                        close = true;
                    }
                }
            }
            Out::Notice(n, c) => {
                buf.extend_from_slice(&n.to_line());
                close = c;
            }
        }
        match tokio::time::timeout(limit, wr.write_all(&buf)).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return false,
            Err(_) => {
                ctx.stats.slow_clients.fetch_add(1, Ordering::Relaxed);
                return false;
            }
        }
        if close {
            let _ = tokio::time::timeout(Duration::from_secs(1), wr.shutdown()).await;
            return false;
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), wr.shutdown()).await;
    true
}

struct ReadState {
    source: Arc<str>,
    next_line: u64,
    offset: u64,
    grant: Option<Grant>,
    saw_first: bool,
}

#[allow(clippy::too_many_arguments)]
async fn read_loop<R: AsyncRead + Unpin>(
    rd: R,
    tx: mpsc::Sender<Out>,
    transport: &'static str,
    name: String,
    need_token: bool,
    ctx: Arc<Ctx>,
    inflight: Inflight,
) {
    let mut rd = BufReader::with_capacity(READ_BUF, rd);
    let max = ctx.opts.max_line_bytes;
    let mut st = ReadState {
        source: Arc::from(name.as_str()),
        next_line: 1,
        offset: 0,
        grant: (!need_token).then(Grant::any_tenant),
        saw_first: false,
    };
    let _ = transport;
    let mut cur: Vec<u8> = Vec::new();
    let mut over: Option<(Sha256, u64)> = None;
    let mut last_activity = Instant::now();
    loop {
        let read = tokio::time::timeout(
            Duration::from_millis(250).min(ctx.opts.idle_timeout),
            rd.fill_buf(),
        )
        .await;
        let mut lines: Vec<Line> = Vec::new();
        let consumed;
        let eof;
        match read {
            Err(_) => {
                if inflight.batches.load(Ordering::Relaxed) > 0 {
                    last_activity = Instant::now();
                }
                if last_activity.elapsed() >= ctx.opts.idle_timeout {
                    ctx.stats.idle_closed.fetch_add(1, Ordering::Relaxed);
                    let n = Notice::error(
                        "idle_timeout",
                        format!(
                            "nothing received for {} s; closing (connect again to send more)",
                            ctx.opts.idle_timeout.as_secs()
                        ),
                    );
                    let _ = tx.send(Out::Notice(n, true)).await;
                    return;
                }
                continue;
            }
            Ok(Err(_)) => {
                eof = true;
                consumed = 0;
            }
            Ok(Ok(buf)) => {
                last_activity = Instant::now();
                eof = buf.is_empty();
                consumed = buf.len();
                let mut start = 0;
                loop {
                    let nl = memchr::memchr(b'\n', &buf[start..]);
                    let end = nl.map_or(buf.len(), |i| start + i);
                    let seg = &buf[start..end];
                    match &mut over {
                        Some((h, len)) => {
                            h.update(seg);
                            *len += seg.len() as u64;
                        }
                        None if cur.len() + seg.len() > max => {
                            let mut h = Sha256::new();
                            h.update(&cur);
                            h.update(seg);
                            over = Some((h, (cur.len() + seg.len()) as u64));
                            cur = Vec::new();
                        }
                        None => cur.extend_from_slice(seg),
                    }
                    if nl.is_none() {
                        break;
                    }
                    lines.push(match over.take() {
                        Some((h, len)) => Line::Oversized {
                            len,
                            sha256: h.finalize().into(),
                        },
                        None => Line::Bytes(std::mem::take(&mut cur)),
                    });
                    start = end + 1;
                }
            }
        }
        rd.consume(consumed);
        let mut batch: Vec<Record> = Vec::new();
        let mut pending_close: Option<Notice> = None;
        for line in lines {
            match take_line(&mut st, line, &mut batch, &ctx, need_token).await {
                Step::Next => {}
                Step::Ready(n) => {
                    if !batch.is_empty() && !submit(&ctx, &tx, &inflight, &mut batch).await {
                        return;
                    }
                    if tx.send(Out::Notice(n, false)).await.is_err() {
                        return;
                    }
                }
                Step::Close(n) => {
                    if n.code.as_deref() == Some("unauthorized") {
                        ctx.stats.unauthorized.fetch_add(1, Ordering::Relaxed);
                    }
                    pending_close = Some(n);
                    break;
                }
            }
            if batch.len() >= BATCH_RECORDS && !submit(&ctx, &tx, &inflight, &mut batch).await {
                return;
            }
        }
        if pending_close.is_none() && eof && (over.is_some() || !cur.is_empty()) {
            // The connection ended inside a line: keep what arrived (file ingest does the same).
            let line = st.next_line;
            let at = st.offset;
            match over.take() {
                Some((h, len)) => batch.push(protocol::oversized_record(
                    len,
                    h.finalize().into(),
                    &st.source,
                    line,
                    at,
                    ctx.writer.now_us(),
                )),
                None if st.grant.is_some() && cur.iter().any(|b| !b.is_ascii_whitespace()) => {
                    batch.push(protocol::truncated_record(
                        std::mem::take(&mut cur),
                        &st.source,
                        line,
                        at,
                        ctx.writer.now_us(),
                    ));
                }
                None => {}
            }
        }
        if !batch.is_empty() && !submit(&ctx, &tx, &inflight, &mut batch).await {
            return;
        }
        if let Some(n) = pending_close {
            let _ = tx.send(Out::Notice(n, true)).await;
            return;
        }
        if eof {
            return;
        }
    }
}

/// What a connection has submitted and not yet acknowledged.
struct Inflight {
    /// Batches (the idle timeout waits while any is pending).
    batches: Arc<AtomicUsize>,
    /// Room for records, [`WINDOW_RECORDS`] in all.
    window: Arc<Semaphore>,
}

/// Submit the batch and hand its pending acks to the ack writer; false when the connection is
/// gone.
async fn submit(
    ctx: &Ctx,
    tx: &mpsc::Sender<Out>,
    inflight: &Inflight,
    batch: &mut Vec<Record>,
) -> bool {
    let records = std::mem::take(batch);
    // A batch is cut at BATCH_RECORDS, but one line holding a JSON array can be larger: such a
    // batch takes the whole window.
    let Ok(permit) = Arc::clone(&inflight.window)
        .acquire_many_owned(records.len().min(WINDOW_RECORDS) as u32)
        .await
    else {
        return false;
    };
    ctx.stats
        .records
        .fetch_add(records.len() as u64, Ordering::Relaxed);
    let (items, metas): (Vec<_>, Vec<_>) = records.into_iter().map(|r| (r.item, r.meta)).unzip();
    let pending = match ctx.writer.submit(items, None).await {
        Ok(p) => p,
        Err(e) => {
            let n = Notice::error(e.code(), format!("{e}; nothing more is accepted here"));
            let _ = tx.send(Out::Notice(n, true)).await;
            return false;
        }
    };
    inflight.batches.fetch_add(1, Ordering::Relaxed);
    tx.send(Out::Acks(metas, pending, permit)).await.is_ok()
}

/// What a line asks of the connection.
enum Step {
    /// Go on.
    Next,
    /// The hello was accepted: say `ready`.
    Ready(Notice),
    /// Say this, and close.
    Close(Notice),
}

/// Handle one complete line: the hello, or records into `batch`.
async fn take_line(
    st: &mut ReadState,
    line: Line,
    batch: &mut Vec<Record>,
    ctx: &Ctx,
    need_token: bool,
) -> Step {
    let lnum = st.next_line;
    let at = st.offset;
    st.next_line += 1;
    let bytes = match line {
        Line::Oversized { len, sha256 } => {
            st.offset += len + 1;
            if st.grant.is_none() {
                return Step::Close(unauthorized(
                    "the first line must be a hello: {\"token\":\"tv_…\"}",
                ));
            }
            st.saw_first = true;
            batch.push(protocol::oversized_record(
                len,
                sha256,
                &st.source,
                lnum,
                at,
                ctx.writer.now_us(),
            ));
            return Step::Next;
        }
        Line::Bytes(mut b) => {
            st.offset += b.len() as u64 + 1;
            if b.last() == Some(&b'\r') {
                b.pop();
            }
            b
        }
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Step::Next;
    }
    if !st.saw_first {
        st.saw_first = true;
        match protocol::parse_hello(&bytes) {
            Some(hello) => {
                if let Some(token) = hello.token {
                    let path = ctx.writer.path().to_owned();
                    let found =
                        tokio::task::spawn_blocking(move || tokens::authenticate_at(&path, &token))
                            .await;
                    match found {
                        Ok(Ok(Some(grant))) => st.grant = Some(grant),
                        Ok(Ok(None)) => {
                            return Step::Close(unauthorized(
                                "this token is not known to this store, or was revoked",
                            ))
                        }
                        Ok(Err(e)) => {
                            return Step::Close(Notice::error(
                                e.code(),
                                format!("cannot check the token: {e}"),
                            ))
                        }
                        Err(_) => {
                            return Step::Close(Notice::error("internal", "the token check failed"))
                        }
                    }
                } else if need_token {
                    return Step::Close(unauthorized(
                        "a token is required on TCP: {\"token\":\"tv_…\"}",
                    ));
                }
                if let Some(s) = hello.stream.filter(|s| !s.is_empty()) {
                    let transport = st.source.split(':').next().unwrap_or("live").to_owned();
                    st.source = Arc::from(format!("{transport}:{s}"));
                }
                if let Some(l) = hello.first_line {
                    st.next_line = l;
                }
                if let Some(o) = hello.first_offset {
                    st.offset = o;
                }
                let grant = st.grant.as_ref().expect("set above or by the transport");
                return Step::Ready(Notice::ready(grant));
            }
            None if st.grant.is_none() => {
                return Step::Close(unauthorized(
                    "the first line must be a hello with a token: {\"token\":\"tv_…\"}",
                ))
            }
            None => {}
        }
    }
    let grant = st.grant.as_ref().expect("authenticated");
    batch.extend(protocol::line_records(
        bytes,
        &st.source,
        lnum,
        at,
        ctx.writer.now_us(),
        grant,
    ));
    Step::Next
}

fn unauthorized(message: &str) -> Notice {
    Notice::error("unauthorized", message)
}
