//! Sources other processes run: each `trailview listen` and `trailview watch` publishes its
//! status into the store (`live_processes`) about every second, so a window on the same store
//! (`serve`, the desktop app) lists it next to its own sources.
//!
//! ## Invariants
//! - **Operational state, not events.** `live_processes` is outside the hash chain: a row is
//!   rewritten in place at each heartbeat and is never evidence of anything.
//! - **One row per process run**, keyed by a random id. A clean exit removes it; an exit on an
//!   error marks it stopped with the error; a killed process leaves it as it was, and readers
//!   call it *stale* once its heartbeat is older than [`STALE_AFTER`].
//! - **Bounded.** Each publisher, when it starts, deletes rows stale for more than a day and
//!   stopped ones older than an hour, and keeps at most [`MAX_ROWS`] rows (newest heartbeats).
//! - **Never in the way.** The heartbeat has its own connection with a short busy timeout: when
//!   the store is busy, a beat is skipped, never waited for; ingest does not wait on it.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::{params, Connection};

use super::LiveError;

/// How often a process publishes its status.
pub const HEARTBEAT: Duration = Duration::from_secs(1);
/// A running source whose heartbeat is older than this is shown as stale (killed, or hung).
pub const STALE_AFTER: Duration = Duration::from_secs(5);
/// The rate is measured over about this long.
pub const RATE_WINDOW: Duration = Duration::from_secs(10);
/// Most rows kept.
pub const MAX_ROWS: i64 = 64;
const DAY_US: i64 = 86_400_000_000;
const HOUR_US: i64 = 3_600_000_000;

/// What a source has done so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Records stored.
    pub accepted: u64,
    /// Records already stored.
    pub duplicates: u64,
    /// Records quarantined.
    pub rejected: u64,
    /// The last failure, in words.
    pub last_error: Option<String>,
}

impl Counts {
    fn total(&self) -> u64 {
        self.accepted + self.duplicates + self.rejected
    }
}

/// Records per second over the last [`RATE_WINDOW`], from samples of a growing total.
#[derive(Debug, Default)]
pub struct Rate {
    samples: VecDeque<(Instant, u64)>,
}

impl Rate {
    /// Add the total at `now` and answer the rate over the window.
    pub fn sample(&mut self, now: Instant, total: u64) -> f64 {
        self.samples.push_back((now, total));
        while self.samples.len() > 2 && now.duration_since(self.samples[1].0) >= RATE_WINDOW {
            self.samples.pop_front();
        }
        let (t0, n0) = self.samples[0];
        let dt = now.duration_since(t0).as_secs_f64();
        if dt <= 0.0 {
            0.0
        } else {
            total.saturating_sub(n0) as f64 / dt
        }
    }
}

fn now_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

fn open(path: &Path) -> Result<Connection, LiveError> {
    let conn = Connection::open(path)
        .map_err(|e| LiveError::Io(format!("cannot open {}: {e}", path.display())))?;
    conn.busy_timeout(Duration::from_millis(750))
        .map_err(|e| LiveError::Io(e.to_string()))?;
    Ok(conn)
}

/// Delete what is no longer worth showing (see the module's invariants).
fn prune(conn: &Connection, now: i64) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM live_processes
         WHERE (stopped_at IS NULL AND heartbeat_at < ?1) OR (stopped_at < ?2)",
        params![now - DAY_US, now - HOUR_US],
    )?;
    conn.execute(
        "DELETE FROM live_processes WHERE id NOT IN
            (SELECT id FROM live_processes ORDER BY heartbeat_at DESC LIMIT ?1)",
        // Room for the row about to be added.
        [MAX_ROWS - 1],
    )?;
    Ok(())
}

/// A process's status, published until [`Publisher::finish`].
pub struct Publisher {
    id: String,
    path: PathBuf,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Publisher {
    /// Publish `kind` (`listen`, `watch`) on `address` into the store at `path` every
    /// [`HEARTBEAT`], with the counts `counts` answers.
    pub fn start(
        path: &Path,
        kind: &str,
        address: String,
        counts: impl Fn() -> Counts + Send + 'static,
    ) -> Result<Publisher, LiveError> {
        let mut raw = [0u8; 8];
        getrandom::fill(&mut raw).map_err(|e| LiveError::Io(format!("no randomness: {e}")))?;
        let id = raw.iter().map(|b| format!("{b:02x}")).collect::<String>();
        let conn = open(path)?;
        let started = now_us();
        let store_err = |e: rusqlite::Error| LiveError::from(crate::store::StoreError::from(e));
        prune(&conn, started).map_err(store_err)?;
        conn.execute(
            "INSERT INTO live_processes (id, kind, address, pid, started_at, heartbeat_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            params![id, kind, address, std::process::id() as i64, started],
        )
        .map_err(store_err)?;
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (stop, id) = (stop.clone(), id.clone());
            std::thread::Builder::new()
                .name("trailview-heartbeat".into())
                .spawn(move || beat(conn, &id, &stop, counts))
                .map_err(|e| LiveError::Io(format!("cannot start the heartbeat: {e}")))?
        };
        Ok(Publisher {
            id,
            path: path.to_owned(),
            stop,
            thread: Some(thread),
        })
    }

    /// This run's id (the row's key).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Stop publishing: remove the row (a clean exit), or, with an `error`, mark it stopped
    /// with it, so the sources panel says why the source went away.
    pub fn finish(mut self, error: Option<String>) {
        self.halt();
        let Ok(conn) = open(&self.path) else { return };
        let _ = conn.busy_timeout(Duration::from_secs(5));
        let _ = match error {
            None => conn.execute("DELETE FROM live_processes WHERE id = ?1", [&self.id]),
            Some(e) => conn.execute(
                "UPDATE live_processes SET stopped_at = ?2, last_error = ?3 WHERE id = ?1",
                params![self.id, now_us(), e],
            ),
        };
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        // Dropped without `finish` (a panic unwinding): the row stays and goes stale.
        self.halt();
    }
}

fn beat(conn: Connection, id: &str, stop: &AtomicBool, counts: impl Fn() -> Counts) {
    let mut rate = Rate::default();
    let mut next = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let now = Instant::now();
        if now >= next {
            next = now + HEARTBEAT;
            let c = counts();
            let r = rate.sample(now, c.total());
            // A busy store skips this beat; the next one comes in a second.
            let _ = conn.execute(
                "UPDATE live_processes SET heartbeat_at = ?2, accepted = ?3, duplicates = ?4,
                    rejected = ?5, rate = ?6, last_error = ?7 WHERE id = ?1",
                params![
                    id,
                    now_us(),
                    c.accepted as i64,
                    c.duplicates as i64,
                    c.rejected as i64,
                    r,
                    c.last_error
                ],
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_is_over_the_last_ten_seconds() {
        let mut r = Rate::default();
        let t0 = Instant::now();
        assert_eq!(r.sample(t0, 0), 0.0);
        // 100/s for 20 s, then nothing for 5 s: the rate falls, measured over ~10 s.
        for s in 1..=20u64 {
            r.sample(t0 + Duration::from_secs(s), s * 100);
        }
        let v = r.sample(t0 + Duration::from_secs(20), 2000);
        assert!((v - 100.0).abs() < 1e-6, "{v}");
        let v = r.sample(t0 + Duration::from_secs(25), 2000);
        assert!((v - 500.0 / 10.0).abs() < 10.0, "{v}");
        assert!(r.samples.len() <= 12);
    }
}
