//! Replay: the state of a scope at any cursor, as a fold of its events up to it.
//!
//! A **scope** is one tenant's correlation chain, Aximo execution, trace, or time window. Its
//! **frames** are its events in `seq` order (the slider is bound to `seq`, not to wall-clock
//! time). The **state at position `p`** (the first `p` frames folded) is the projections' own
//! fold ([`crate::projections::State::apply`]: executions and their status, approval cases,
//! deployments and their versions) plus counts by type.
//!
//! A [`Session`] loads a scope once and keeps a snapshot every [`SNAPSHOT_EVERY`] frames, so a
//! seek to any position is one snapshot clone plus at most `SNAPSHOT_EVERY - 1` folds: constant
//! time in the length of the scope. A cursor given as a time is the position after the last
//! frame (in `seq` order) that occurred at or before it.

use std::collections::BTreeMap;

use rusqlite::{params, OptionalExtension};
use serde_json::Value;

use crate::normalize::{self, Dialect};
use crate::projections::{self, Fact, State};
use crate::store::{key64, Result, Store};
use crate::time::Micros;

/// Frames between two snapshots.
pub const SNAPSHOT_EVERY: usize = 256;

/// The largest scope a session loads (frames); a bigger window is refused with a clear error
/// rather than exhausting memory.
pub const MAX_FRAMES: usize = 2_000_000;

/// What to replay (always within one tenant).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// One correlation chain.
    Correlation(String),
    /// One Aximo execution.
    Execution(String),
    /// One trace.
    Trace(String),
    /// `since <= occurred_at < until`.
    Window {
        /// Inclusive start (µs).
        since: Micros,
        /// Exclusive end (µs).
        until: Micros,
    },
}

impl Scope {
    /// A short description: `correlation corr-1`, `window …`.
    pub fn describe(&self) -> String {
        match self {
            Scope::Correlation(c) => format!("correlation {c}"),
            Scope::Execution(x) => format!("execution {x}"),
            Scope::Trace(t) => format!("trace {t}"),
            Scope::Window { since, until } => format!(
                "window {} .. {}",
                crate::time::format_us(*since),
                crate::time::format_us(*until)
            ),
        }
    }
}

/// One frame: an event of the scope.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// Position in the log.
    pub seq: i64,
    /// The event's id.
    pub id: String,
    /// Its type.
    pub kind: String,
    /// When it happened.
    pub at: Micros,
    /// Its dialect.
    pub dialect: Dialect,
    /// What it means to the projections.
    pub fact: Option<Fact>,
}

/// The state after some frames.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReplayState {
    /// Frames folded.
    pub position: usize,
    /// Time of the last frame folded.
    pub at: Option<Micros>,
    /// Executions, approval cases, deployments.
    pub state: State,
    /// Events by type.
    pub counts: BTreeMap<String, u64>,
}

impl ReplayState {
    /// Fold one more frame.
    pub fn apply(&mut self, f: &Frame) {
        self.position += 1;
        self.at = Some(self.at.map_or(f.at, |a| a.max(f.at)));
        *self.counts.entry(f.kind.clone()).or_default() += 1;
        if let Some(fact) = &f.fact {
            self.state.apply(fact);
        }
    }
}

/// A loaded scope with its snapshots.
#[derive(Debug, Clone)]
pub struct Session {
    /// The tenant.
    pub tenant: String,
    /// The scope.
    pub scope: Scope,
    /// Its events in `seq` order.
    pub frames: Vec<Frame>,
    /// `snapshots[k]` is the state after `k * SNAPSHOT_EVERY` frames.
    snapshots: Vec<ReplayState>,
}

/// How a seek was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seek {
    /// The snapshot it started from (a position).
    pub snapshot: usize,
    /// Frames folded on top of it.
    pub folded: usize,
}

impl Session {
    /// Load `scope` of `tenant` and take its snapshots.
    pub fn load(store: &Store, tenant: &str, scope: Scope) -> Result<Session> {
        let frames = load_frames(store, tenant, &scope)?;
        Ok(Session::from_frames(tenant.to_owned(), scope, frames))
    }

    /// A session over frames already in `seq` order.
    pub fn from_frames(tenant: String, scope: Scope, frames: Vec<Frame>) -> Session {
        let mut snapshots = vec![ReplayState::default()];
        let mut st = ReplayState::default();
        for (i, f) in frames.iter().enumerate() {
            st.apply(f);
            if (i + 1) % SNAPSHOT_EVERY == 0 {
                snapshots.push(st.clone());
            }
        }
        Session {
            tenant,
            scope,
            frames,
            snapshots,
        }
    }

    /// Number of frames.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// Whether the scope has no events.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// The position after every frame with `seq <= seq`.
    pub fn position_of_seq(&self, seq: i64) -> usize {
        self.frames.partition_point(|f| f.seq <= seq)
    }

    /// The position after the last frame (in `seq` order) that occurred at or before `t`.
    pub fn position_of_time(&self, t: Micros) -> usize {
        self.frames
            .iter()
            .rposition(|f| f.at <= t)
            .map_or(0, |i| i + 1)
    }

    /// The state after the first `position` frames (clamped to the scope).
    pub fn state_at(&self, position: usize) -> (ReplayState, Seek) {
        let position = position.min(self.frames.len());
        let k = position / SNAPSHOT_EVERY;
        let mut st = self.snapshots[k].clone();
        let from = k * SNAPSHOT_EVERY;
        for f in &self.frames[from..position] {
            st.apply(f);
        }
        (
            st,
            Seek {
                snapshot: from,
                folded: position - from,
            },
        )
    }
}

fn load_frames(store: &Store, tenant: &str, scope: &Scope) -> Result<Vec<Frame>> {
    let conn = store.conn();
    let Some(tid) = conn
        .query_row("SELECT id FROM tenants WHERE name = ?1", [tenant], |r| {
            r.get::<_, i64>(0)
        })
        .optional()?
    else {
        return Ok(Vec::new());
    };
    let (sql, key): (&str, Option<(i64, &str)>) = match scope {
        Scope::Correlation(c) => (
            "SELECT seq, raw FROM events WHERE tenant = ?1 AND correlation_h = ?2 ORDER BY seq",
            Some((key64(c), c)),
        ),
        Scope::Execution(x) => (
            "SELECT seq, raw FROM events WHERE tenant = ?1 AND execution_h = ?2 ORDER BY seq",
            Some((key64(x), x)),
        ),
        Scope::Trace(t) => (
            "SELECT seq, raw FROM events WHERE tenant = ?1 AND trace_h = ?2 ORDER BY seq",
            Some((key64(t), t)),
        ),
        Scope::Window { .. } => (
            "SELECT seq, raw FROM events
             WHERE tenant = ?1 AND occurred_at >= ?2 AND occurred_at < ?3 ORDER BY seq",
            None,
        ),
    };
    let mut stmt = conn.prepare(sql)?;
    let mut rows = match (scope, key) {
        (Scope::Window { since, until }, _) => stmt.query(params![tid, since, until])?,
        (_, Some((h, _))) => stmt.query(params![tid, h])?,
        _ => unreachable!("every keyed scope has a key"),
    };
    let mut frames = Vec::new();
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let raw = r.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?;
        let Ok(n) = normalize::normalize(raw) else {
            continue; // only a store edited behind its triggers; `verify` says where
        };
        let e = &n.event;
        // The 64-bit key found the rows; the text decides (a key collision lets no one in).
        let exact = match scope {
            Scope::Correlation(c) => e.correlation_id.as_deref() == Some(c.as_str()),
            Scope::Execution(x) => e.execution_id() == Some(x.as_str()),
            Scope::Trace(t) => e.trace_id.as_deref() == Some(t.as_str()),
            Scope::Window { .. } => true,
        };
        if !exact {
            continue;
        }
        if frames.len() >= MAX_FRAMES {
            return Err(crate::store::StoreError::Io(format!(
                "the scope has more than {MAX_FRAMES} events: replay a narrower window"
            )));
        }
        let fact = if projections::relevant_type(&e.kind) {
            let payload = n
                .payload
                .map(|p| normalize::parse_value(p.get()).unwrap_or(Value::Null))
                .unwrap_or(Value::Null);
            projections::extract(seq, e, &payload)
        } else {
            None
        };
        frames.push(Frame {
            seq,
            id: e.id.clone(),
            kind: e.kind.clone(),
            at: e.occurred_at,
            dialect: e.dialect,
            fact,
        });
    }
    Ok(frames)
}
