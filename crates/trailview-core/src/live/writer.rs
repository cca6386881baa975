//! The live writer: one thread owning the store's writer, fed through a bounded queue.
//!
//! Producers (socket connections, HTTP requests, folder watchers) hand over *jobs*: a few
//! prepared records (and, for a watcher, the checkpoint they advance). The writer thread keeps
//! one transaction open while jobs keep coming — up to [`WriterOptions::group_records`] records
//! or half a second — and commits as soon as the queue is empty (group commit: one commit per
//! burst, not per record); only then does it answer every job with its records' [`Outcome`]s.
//! So an `accepted` ack always means "durable in the store".
//!
//! ## Back-pressure, never loss
//! The queue is bounded twice: by jobs and by raw bytes ([`WriterOptions::queue_bytes`], a
//! semaphore whose permits a job holds until the writer is done with it). A producer that finds
//! it full *waits* — a socket stops reading, and TCP pushes back on the client. Nothing is
//! dropped and nothing grows without bound.
//!
//! ## Failure
//! When a transaction fails, every job in it is answered with the error and nothing of it is
//! stored; the producers tell their clients, which retransmit (idempotency on the event's
//! identity makes a retransmission of something that did commit a `duplicate`).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::params;
use tokio::sync::{broadcast, mpsc, oneshot, OwnedSemaphorePermit, Semaphore};

use crate::ingest::{Clock, SystemClock};
use crate::store::{Item, Outcome, Store, StoreError};
use crate::time::Micros;

use super::LiveError;

/// Writer settings.
#[derive(Clone)]
pub struct WriterOptions {
    /// Most jobs queued.
    pub queue_jobs: usize,
    /// Most raw bytes queued (a single larger job is let through alone).
    pub queue_bytes: usize,
    /// Most records written in one transaction.
    pub group_records: usize,
    /// Stamps `received_at`.
    pub clock: Arc<dyn Clock>,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            queue_jobs: 1024,
            queue_bytes: 24 << 20,
            group_records: 100_000,
            clock: Arc::new(SystemClock),
        }
    }
}

/// Where a watched file is: written with the records read up to `offset`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The file's path, as watched.
    pub path: String,
    /// Its device.
    pub dev: u64,
    /// Its inode.
    pub ino: u64,
    /// Bytes consumed (up to the end of the last complete record).
    pub offset: u64,
    /// Lines consumed.
    pub line: u64,
    /// How many bytes `head_sha256` covers.
    pub head_len: u64,
    /// SHA-256 of the file's first `head_len` bytes.
    pub head_sha256: [u8; 32],
}

/// New events are in the store: `seq`s `from_seq..=to_seq` (STYLE §8: push small notices).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Appended {
    /// The first new `seq`.
    pub from_seq: i64,
    /// The last new `seq`.
    pub to_seq: i64,
}

/// Counters of the writer, for status displays.
#[derive(Debug, Default)]
pub struct WriterStats {
    /// Records answered `accepted`.
    pub accepted: AtomicU64,
    /// Records answered `duplicate`.
    pub duplicates: AtomicU64,
    /// Records answered `rejected` (quarantined).
    pub rejected: AtomicU64,
    /// Transactions committed.
    pub commits: AtomicU64,
    /// Transactions that failed.
    pub errors: AtomicU64,
    /// The last failure, in words (for status displays).
    pub last_error: std::sync::Mutex<Option<String>>,
}

struct Job {
    items: Vec<Item>,
    checkpoint: Option<Checkpoint>,
    reply: oneshot::Sender<Result<Vec<Outcome>, LiveError>>,
    _permit: OwnedSemaphorePermit,
}

/// A handle on the live writer; clone it for every producer. The thread ends when every handle
/// is dropped (after writing what is queued).
#[derive(Clone)]
pub struct LiveWriter {
    tx: mpsc::Sender<Job>,
    bytes: Arc<Semaphore>,
    max_permits: usize,
    clock: Arc<dyn Clock>,
    path: PathBuf,
    stats: Arc<WriterStats>,
    appended: broadcast::Sender<Appended>,
    started: Instant,
}

/// The answer to one job, once its transaction committed (or failed).
pub struct Pending(oneshot::Receiver<Result<Vec<Outcome>, LiveError>>);

impl Pending {
    /// Wait for the outcomes (one per item, in order).
    pub async fn outcomes(self) -> Result<Vec<Outcome>, LiveError> {
        self.0.await.unwrap_or(Err(LiveError::WriterGone))
    }

    /// [`Pending::outcomes`], from a thread outside any async runtime.
    pub fn blocking_outcomes(self) -> Result<Vec<Outcome>, LiveError> {
        self.0.blocking_recv().unwrap_or(Err(LiveError::WriterGone))
    }
}

impl LiveWriter {
    /// Open the store at `path` (creating it if needed) and start its writer thread.
    pub fn start(
        path: &Path,
        opts: WriterOptions,
    ) -> Result<(LiveWriter, WriterThread), LiveError> {
        let store = Store::open(path)?;
        let (tx, rx) = mpsc::channel(opts.queue_jobs.max(1));
        let (appended, _) = broadcast::channel(256);
        let stats = Arc::new(WriterStats::default());
        let max_permits = opts.queue_bytes.clamp(1, Semaphore::MAX_PERMITS);
        let writer = LiveWriter {
            tx,
            bytes: Arc::new(Semaphore::new(max_permits)),
            max_permits,
            clock: opts.clock.clone(),
            path: path.to_owned(),
            stats: stats.clone(),
            appended: appended.clone(),
            started: Instant::now(),
        };
        let group = opts.group_records.max(1);
        let handle = std::thread::Builder::new()
            .name("trailview-live-writer".into())
            .spawn(move || run(store, rx, group, &stats, &appended))
            .map_err(|e| LiveError::Io(format!("cannot start the writer thread: {e}")))?;
        Ok((writer, WriterThread(Some(handle))))
    }

    /// The store file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Now, for `received_at`.
    pub fn now_us(&self) -> Micros {
        self.clock.now_us()
    }

    /// How long the writer has run.
    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    /// The writer's counters.
    pub fn stats(&self) -> &WriterStats {
        &self.stats
    }

    /// Notices of committed appends.
    pub fn subscribe(&self) -> broadcast::Receiver<Appended> {
        self.appended.subscribe()
    }

    /// A job's cost in the queue: its memory, estimated. A prepared event holds its raw bytes
    /// and the canonical fields parsed out of them (strings, subject map): measured at about
    /// twice the raw size plus a fixed part (bench `live`: RSS with a 64 MiB raw-only budget
    /// was 2.5× file ingest's).
    fn permits_for(&self, items: &[Item]) -> u32 {
        let bytes: usize = items
            .iter()
            .map(|i| match i {
                Item::Event(p) => 2 * p.raw.len() + 512,
                Item::Refused(r) => r.raw.as_ref().map_or(0, Vec::len) + 512,
            })
            .sum();
        bytes.clamp(1, self.max_permits) as u32
    }

    /// Queue `items` (and the checkpoint they advance), waiting while the queue is full.
    pub async fn submit(
        &self,
        items: Vec<Item>,
        checkpoint: Option<Checkpoint>,
    ) -> Result<Pending, LiveError> {
        let permit = Arc::clone(&self.bytes)
            .acquire_many_owned(self.permits_for(&items))
            .await
            .map_err(|_| LiveError::WriterGone)?;
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Job {
                items,
                checkpoint,
                reply,
                _permit: permit,
            })
            .await
            .map_err(|_| LiveError::WriterGone)?;
        Ok(Pending(rx))
    }

    /// [`LiveWriter::submit`] from a thread outside any async runtime (a watcher).
    pub fn submit_blocking(
        &self,
        items: Vec<Item>,
        checkpoint: Option<Checkpoint>,
    ) -> Result<Pending, LiveError> {
        let need = self.permits_for(&items);
        let permit = loop {
            match Arc::clone(&self.bytes).try_acquire_many_owned(need) {
                Ok(p) => break p,
                Err(tokio::sync::TryAcquireError::Closed) => return Err(LiveError::WriterGone),
                Err(tokio::sync::TryAcquireError::NoPermits) => {
                    std::thread::sleep(Duration::from_millis(2))
                }
            }
        };
        let (reply, rx) = oneshot::channel();
        self.tx
            .blocking_send(Job {
                items,
                checkpoint,
                reply,
                _permit: permit,
            })
            .map_err(|_| LiveError::WriterGone)?;
        Ok(Pending(rx))
    }
}

/// The writer thread; [`WriterThread::join`] waits for it to drain and stop (after every
/// [`LiveWriter`] handle is dropped).
pub struct WriterThread(Option<std::thread::JoinHandle<()>>);

impl WriterThread {
    /// Wait for the writer to finish what is queued and stop.
    pub fn join(mut self) {
        if let Some(h) = self.0.take() {
            let _ = h.join();
        }
    }
}

/// Longest a transaction stays open while work keeps arriving: bounds the ack latency of a
/// saturated writer. Commits cost 0.4–0.9 s each at 1M events (dirty index pages to the WAL,
/// then its checkpoint), so under a steady stream a transaction of [`WriterOptions::group_records`]
/// (100k, as file ingest commits) is what keeps one connection at ≥ 80% of file ingest
/// (docs/BENCHMARKS.md); a writer that is not saturated commits as soon as its queue is empty.
const MAX_TXN: Duration = Duration::from_millis(2000);

/// The derived indexes (rollup, projections, text) follow the log once the writer has had no
/// work for this long: catching up holds the writer, and doing it in every short gap of a busy
/// stream held one connection to 32% of file ingest (57–61% when idle-only, docs/BENCHMARKS.md).
const IDLE: Duration = Duration::from_millis(250);

/// ... and at the latest this long after the last catch-up, even under a continuous stream, so
/// a long stream's tail never grows without bound (reads scan it).
const MAX_BEHIND: Duration = Duration::from_secs(30);

/// The next job, waiting at most `for_at_most`: `Ok(Some)` a job, `Ok(None)` none came in time,
/// `Err(())` every sender is gone.
fn recv_within(rx: &mut mpsc::Receiver<Job>, for_at_most: Duration) -> Result<Option<Job>, ()> {
    let until = Instant::now() + for_at_most;
    loop {
        match rx.try_recv() {
            Ok(job) => return Ok(Some(job)),
            Err(mpsc::error::TryRecvError::Disconnected) => return Err(()),
            Err(mpsc::error::TryRecvError::Empty) if Instant::now() >= until => return Ok(None),
            Err(mpsc::error::TryRecvError::Empty) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
}

type Reply = oneshot::Sender<Result<Vec<Outcome>, LiveError>>;

fn run(
    mut store: Store,
    mut rx: mpsc::Receiver<Job>,
    group: usize,
    stats: &WriterStats,
    appended: &broadcast::Sender<Appended>,
) {
    let mut last_stats = Instant::now();
    let mut last_derived = Instant::now();
    let mut answered: Vec<(Reply, Vec<Outcome>)> = Vec::new();
    let mut waiting: Vec<Reply> = Vec::new();
    // New events the derived indexes have not seen yet; and whether a catch-up has begun (its
    // next batch goes as soon as nothing waits, without another idle wait).
    let mut behind = false;
    let mut catching_up = false;
    loop {
        let first = if behind {
            let wait = if catching_up { Duration::ZERO } else { IDLE };
            match recv_within(&mut rx, wait) {
                Ok(Some(job)) => {
                    catching_up = false;
                    job
                }
                Ok(None) => {
                    // Idle: catch up, a batch at a time, while nothing arrives.
                    behind = catch_up_derived(&mut store, stats);
                    catching_up = behind;
                    last_derived = Instant::now();
                    continue;
                }
                Err(()) => break,
            }
        } else {
            match rx.blocking_recv() {
                Some(job) => job,
                None => break,
            }
        };
        let before = store.last_seq();
        let res = write_group(
            &mut store,
            first,
            &mut rx,
            group,
            &mut answered,
            &mut waiting,
        );
        match res {
            Ok(()) => {
                stats.commits.fetch_add(1, Ordering::Relaxed);
                for (reply, outcomes) in answered.drain(..) {
                    for o in &outcomes {
                        let c = match o {
                            Outcome::Accepted { .. } => &stats.accepted,
                            Outcome::Duplicate { .. } => &stats.duplicates,
                            Outcome::Rejected { .. } => &stats.rejected,
                        };
                        c.fetch_add(1, Ordering::Relaxed);
                    }
                    let _ = reply.send(Ok(outcomes));
                }
                if store.last_seq() > before {
                    let _ = appended.send(Appended {
                        from_seq: before + 1,
                        to_seq: store.last_seq(),
                    });
                }
            }
            Err(e) => {
                stats.errors.fetch_add(1, Ordering::Relaxed);
                let err = LiveError::from(e);
                if let Ok(mut last) = stats.last_error.lock() {
                    *last = Some(err.to_string());
                }
                for (reply, _) in answered.drain(..) {
                    let _ = reply.send(Err(err.clone()));
                }
                for reply in waiting.drain(..) {
                    let _ = reply.send(Err(err.clone()));
                }
            }
        }
        // Planner statistics (ANALYZE) when the log grew by a quarter; checked at most every
        // 10 s, and only when nothing is waiting, so it never sits in front of a burst.
        if last_stats.elapsed() > Duration::from_secs(10) && rx.is_empty() {
            last_stats = Instant::now();
            let _ = store.refresh_planner_stats();
        }
        // The derived indexes (histogram rollup, projections, a batch of the text index), after
        // the acks: reads are correct without them (they fold or scan the tail), so they follow
        // the log when the writer is idle (above), or every MAX_BEHIND under a steady stream.
        behind |= store.last_seq() > before;
        if behind && last_derived.elapsed() > MAX_BEHIND && rx.is_empty() {
            behind = catch_up_derived(&mut store, stats);
            last_derived = Instant::now();
        }
    }
}

/// Rollup, projections and a batch of the text index, counted as an error if they fail (the
/// events are committed either way). Whether the text index still has more to do.
fn catch_up_derived(store: &mut Store, stats: &WriterStats) -> bool {
    let caught_up = store
        .roll_up()
        .and_then(|_| crate::projections::catch_up(store).map(drop))
        .and_then(|()| store.index_text_batch());
    match caught_up {
        Ok(n) => n > 0 && store.text_seq().is_ok_and(|t| t < store.last_seq()),
        Err(_) => {
            stats.errors.fetch_add(1, Ordering::Relaxed);
            false
        }
    }
}

/// One transaction (group commit): `first` and whatever else is queued while it is written, up
/// to `group` records or [`MAX_TXN`]; committed as soon as the queue is empty. A job's records
/// leave memory (and its queue budget) as soon as they are written; its outcomes wait in
/// `answered` for the commit. So the queue bounds what is not yet written, while a transaction
/// under load grows to thousands of records (small commits are what makes SQLite slow).
fn write_group(
    store: &mut Store,
    first: Job,
    rx: &mut mpsc::Receiver<Job>,
    group: usize,
    answered: &mut Vec<(Reply, Vec<Outcome>)>,
    waiting: &mut Vec<Reply>,
) -> Result<(), StoreError> {
    let started = Instant::now();
    let mut written = 0usize;
    let mut job = Some(first);
    let mut tx = match store.appender() {
        Ok(tx) => tx,
        Err(e) => {
            waiting.extend(job.take().map(|j| j.reply));
            return Err(e);
        }
    };
    while let Some(j) = job.take() {
        let Job {
            items,
            checkpoint,
            reply,
            _permit,
        } = j;
        let mut outcomes = Vec::with_capacity(items.len());
        for item in &items {
            match tx.push(item) {
                Ok(o) => outcomes.push(o),
                Err(e) => {
                    waiting.push(reply);
                    return Err(e);
                }
            }
        }
        if let Some(c) = &checkpoint {
            if let Err(e) = put_checkpoint(&tx, c) {
                waiting.push(reply);
                return Err(e);
            }
        }
        written += items.len();
        answered.push((reply, outcomes));
        // `items` and `_permit` drop here: room in the queue for more.
        if written >= group || started.elapsed() >= MAX_TXN {
            break;
        }
        job = rx.try_recv().ok();
    }
    tx.commit()
}

fn put_checkpoint(tx: &crate::store::Appender<'_>, c: &Checkpoint) -> Result<(), StoreError> {
    tx.conn()
        .prepare_cached(
            "INSERT INTO live_checkpoints
                (path, dev, ino, offset, line, head_len, head_sha256, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, strftime('%s','now'))
             ON CONFLICT (path) DO UPDATE SET dev = excluded.dev, ino = excluded.ino,
                offset = excluded.offset, line = excluded.line,
                head_len = excluded.head_len, head_sha256 = excluded.head_sha256,
                updated_at = excluded.updated_at",
        )?
        .execute(params![
            c.path,
            c.dev as i64,
            c.ino as i64,
            c.offset as i64,
            c.line as i64,
            c.head_len as i64,
            &c.head_sha256[..],
        ])?;
    Ok(())
}
