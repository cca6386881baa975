//! Live ingest status for the sources panel, and the `appended` notice the live timeline
//! re-queries on (STYLE §8: push small notices, pull pages).
//!
//! `live_status` reads what every process writing this store leaves in it — the watchers'
//! checkpoints, the quarantine of live origins, active tokens, the last `seq` — plus, when the
//! asking process runs a live writer itself (`serve --ingest`), that writer's counters.

use rusqlite::OptionalExtension;
use serde::Serialize;
use ts_rs::TS;

use crate::live::writer::LiveWriter;
use crate::store::Store;

use super::ApiError;

/// `live_status`'s answer.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct LiveStatus {
    /// The store's last `seq`: the baseline for `appended` notices.
    #[ts(type = "number")]
    pub last_seq: i64,
    /// This process's live writer, when it runs one (`trailview serve --ingest`).
    pub writer: Option<WriterStatus>,
    /// Files followed by `trailview watch` (any process), with where each stands.
    pub watched_files: Vec<WatchedFile>,
    /// Live sources (sockets, HTTP, watched files) with refused records, newest first.
    pub errors: Vec<SourceErrors>,
    /// Write tokens that are not revoked.
    #[ts(type = "number")]
    pub active_tokens: u64,
    /// Every write token, oldest first, revoked ones too (never the token itself: the store
    /// keeps only its hash).
    pub tokens: Vec<TokenView>,
    /// The listener and watched folders this process hosts, when it can host them (`serve`,
    /// the desktop app: [`super::live_status_hosted`]).
    pub host: Option<super::HostStatus>,
    /// Sources other processes run (`trailview listen`, `trailview watch`), as they last
    /// published, with `stale` ones (no heartbeat for over 5 s).
    pub processes: Vec<super::ProcessSource>,
}

/// A write token as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct TokenView {
    /// Its number (`trailview token revoke ID`).
    #[ts(type = "number")]
    pub id: i64,
    /// Its note.
    pub label: String,
    /// The tenants it may write (`""`: personal events).
    pub tenants: Vec<String>,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// When it was revoked (RFC 3339), if it was.
    pub revoked_at: Option<String>,
}

/// Counters of a live writer.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct WriterStatus {
    /// Records stored.
    #[ts(type = "number")]
    pub accepted: u64,
    /// Records already stored.
    #[ts(type = "number")]
    pub duplicates: u64,
    /// Records quarantined.
    #[ts(type = "number")]
    pub rejected: u64,
    /// Transactions committed.
    #[ts(type = "number")]
    pub commits: u64,
    /// Transactions that failed.
    #[ts(type = "number")]
    pub errors: u64,
    /// Seconds since the writer started.
    pub uptime_s: f64,
    /// Records answered per second since it started.
    pub rate_per_s: f64,
}

/// One followed file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct WatchedFile {
    /// The path.
    pub path: String,
    /// Bytes read and committed.
    #[ts(type = "number")]
    pub offset: u64,
    /// Lines read and committed.
    #[ts(type = "number")]
    pub line: u64,
    /// When its checkpoint last moved (RFC 3339).
    pub updated_at: String,
}

/// Refused records of one live source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct SourceErrors {
    /// The origin (`tcp:…`, `unix:…`, `http:…`, or a watched path).
    pub origin: String,
    /// How many.
    #[ts(type = "number")]
    pub quarantined: u64,
    /// The newest one's reason code.
    pub last_reason: String,
    /// The newest one's message.
    pub last_message: String,
}

/// New events: `seq`s `from_seq..=to_seq` were committed (pushed at most every 150 ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct AppendedNotice {
    /// The first new `seq`.
    #[ts(type = "number")]
    pub from_seq: i64,
    /// The last new `seq`.
    #[ts(type = "number")]
    pub to_seq: i64,
}

/// A live writer's counters now.
pub fn writer_status(w: &LiveWriter) -> WriterStatus {
    use std::sync::atomic::Ordering::Relaxed;
    let s = w.stats();
    let (accepted, duplicates, rejected) = (
        s.accepted.load(Relaxed),
        s.duplicates.load(Relaxed),
        s.rejected.load(Relaxed),
    );
    let uptime_s = w.uptime().as_secs_f64();
    WriterStatus {
        accepted,
        duplicates,
        rejected,
        commits: s.commits.load(Relaxed),
        errors: s.errors.load(Relaxed),
        uptime_s,
        rate_per_s: (accepted + duplicates + rejected) as f64 / uptime_s.max(1e-3),
    }
}

/// `live_status`: watchers, live sources' errors, tokens, and `writer` when this process runs one.
pub fn live_status(store: &Store, writer: Option<WriterStatus>) -> Result<LiveStatus, ApiError> {
    let c = store.conn();
    let sql = |e: rusqlite::Error| ApiError::from(crate::store::StoreError::from(e));
    let mut stmt = c
        .prepare("SELECT path, offset, line, updated_at FROM live_checkpoints ORDER BY path")
        .map_err(sql)?;
    let watched_files = stmt
        .query_map([], |r| {
            let secs: i64 = r.get(3)?;
            Ok(WatchedFile {
                path: r.get(0)?,
                offset: r.get::<_, i64>(1)? as u64,
                line: r.get::<_, i64>(2)? as u64,
                updated_at: chrono::DateTime::from_timestamp(secs, 0)
                    .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                    .unwrap_or_default(),
            })
        })
        .map_err(sql)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql)?;
    let mut stmt = c
        .prepare(
            "SELECT o.name, count(*), max(q.qseq) FROM quarantine q
             JOIN origins o ON o.id = q.origin
             WHERE o.name LIKE 'tcp:%' OR o.name LIKE 'unix:%' OR o.name LIKE 'http:%'
                OR o.name IN (SELECT path FROM live_checkpoints)
             GROUP BY o.name ORDER BY max(q.qseq) DESC LIMIT 200",
        )
        .map_err(sql)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .map_err(sql)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql)?;
    let mut errors = Vec::with_capacity(rows.len());
    for (origin, n, qseq) in rows {
        let (reason, message): (String, String) = c
            .query_row(
                "SELECT reason, message FROM quarantine WHERE qseq = ?1",
                [qseq],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(sql)?
            .unwrap_or_default();
        errors.push(SourceErrors {
            origin,
            quarantined: n as u64,
            last_reason: reason,
            last_message: message,
        });
    }
    let active_tokens: i64 = c
        .query_row(
            "SELECT count(*) FROM live_tokens WHERE revoked_at IS NULL",
            [],
            |r| r.get(0),
        )
        .map_err(sql)?;
    let tokens = crate::live::tokens::list(store)
        .map_err(|e| ApiError::new(e.code(), e.to_string()))?
        .into_iter()
        .map(|t| TokenView {
            id: t.id,
            label: t.label,
            tenants: t.tenants,
            created_at: crate::time::format_us(t.created_at),
            revoked_at: t.revoked_at.map(crate::time::format_us),
        })
        .collect();
    Ok(LiveStatus {
        last_seq: store.last_seq(),
        writer,
        watched_files,
        errors,
        active_tokens: active_tokens as u64,
        tokens,
        host: None,
        processes: super::process_sources(store)?,
    })
}

/// How often [`AppendedFollower`] is meant to be polled: notices are at most this far apart.
pub const APPENDED_TICK: std::time::Duration = std::time::Duration::from_millis(150);

/// Follows a store's committed `last_seq`, whichever process appends (this one's writer,
/// `trailview listen`, `watch`, `ingest`): the source of `appended` notices for the HTTP
/// server's Server-Sent Events and the desktop's Tauri events alike.
///
/// It keeps one read-only connection and reads `meta.last_seq` on each [`poll`](Self::poll):
/// each read is its own short transaction, so it sees every commit and holds no snapshot that
/// would keep a WAL checkpoint from finishing.
pub struct AppendedFollower {
    store: Store,
    seen: i64,
}

impl AppendedFollower {
    /// Starts at the store's current `last_seq` (nothing before it is announced).
    pub fn open(path: &std::path::Path) -> Result<AppendedFollower, ApiError> {
        let store = Store::open_read_only(path)?;
        let mut f = AppendedFollower { store, seen: 0 };
        f.seen = f.committed()?;
        Ok(f)
    }

    /// The last `seq` announced (or the starting point).
    pub fn last_seq(&self) -> i64 {
        self.seen
    }

    fn committed(&self) -> Result<i64, ApiError> {
        let v: Option<i64> = self
            .store
            .conn()
            .query_row("SELECT value FROM meta WHERE key = 'last_seq'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| ApiError::from(crate::store::StoreError::from(e)))?;
        Ok(v.unwrap_or(0))
    }

    /// `Some` when events were committed since the last call (or since [`open`](Self::open)).
    pub fn poll(&mut self) -> Result<Option<AppendedNotice>, ApiError> {
        let now = self.committed()?;
        if now <= self.seen {
            return Ok(None);
        }
        let n = AppendedNotice {
            from_seq: self.seen + 1,
            to_seq: now,
        };
        self.seen = now;
        Ok(Some(n))
    }

    /// Polls every [`APPENDED_TICK`] and hands each notice to `notify` until `stop` is set or
    /// `notify` answers `false` (nobody listens any more). A failed read is retried on the next
    /// tick (the store may be busy being checkpointed or replaced for a moment).
    pub fn run(
        mut self,
        stop: &std::sync::atomic::AtomicBool,
        mut notify: impl FnMut(AppendedNotice) -> bool,
    ) {
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            std::thread::sleep(APPENDED_TICK);
            if let Ok(Some(n)) = self.poll() {
                if !notify(n) {
                    return;
                }
            }
        }
    }
}
