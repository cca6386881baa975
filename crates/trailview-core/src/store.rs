//! The store: one SQLite file, append-only, verifiable.
//!
//! ## Invariants (each has a test in `tests/invariants.rs`)
//! - **Append-only.** `events` and `quarantine` rows are never updated or deleted: triggers make
//!   SQLite itself refuse it. A hash chain links every event to the one before it
//!   (`chain[n] = SHA-256(chain[n-1] ‖ seq ‖ tenant ‖ id ‖ received_at ‖ SHA-256(raw))`), and
//!   the head is kept in `meta`, so an edit of the file behind the triggers — a changed byte, a
//!   removed or reordered row — is found by [`Store::verify`], which names the first bad `seq`.
//! - **Idempotent.** Identity is `(tenant, id)`, enforced by a UNIQUE index. The same envelope
//!   again is a counted duplicate (byte-identical, or the same JSON re-encoded); the same identity
//!   with other content is a conflict, quarantined, never an overwrite.
//! - **Nothing lost.** Every record handed to [`Store::append`] comes back as exactly one
//!   [`Outcome`]: stored, duplicate, or quarantined with its raw bytes (or, past the size cap,
//!   their length and hash), origin and reason.
//! - **Tenant isolation.** Identity includes the tenant, so one tenant's ids can never collide
//!   with (and so suppress) another's; every read names its tenant.
//!
//! Columns other than `raw` are a projection of it (re-derived by `normalize`, which is
//! deterministic): `verify` re-derives and compares them too.
//!
//! Shape (STYLE.md §4): WAL, `synchronous=NORMAL`, a busy timeout, one writer with explicit
//! transactions per batch; tenants, types, sources and origins interned as integers so the hot
//! indexes stay compact (PERF-NOTES: index upkeep is the cost of ingest). Migrations are only ever
//! appended.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::normalize::{self, Dialect, Event, Reason};
use crate::time::Micros;

/// Errors of the store, each with a stable code.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite said no.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file is not a Trailview store, or is from a newer version.
    #[error("{0}")]
    Incompatible(String),
    /// Filesystem trouble around the database file.
    #[error("{0}")]
    Io(String),
}

impl StoreError {
    /// Machine-readable code for the UI boundary.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Sqlite(_) => "store_sqlite",
            StoreError::Incompatible(_) => "store_incompatible",
            StoreError::Io(_) => "store_io",
        }
    }
}

/// Result of store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Where a record came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct Origin {
    /// The file path, bundle, or connection.
    #[ts(as = "String")]
    pub source: Arc<str>,
    /// 1-based line.
    #[ts(as = "Option<f64>")]
    pub line: Option<u64>,
    /// Index in an enclosing array.
    #[ts(as = "Option<f64>")]
    pub index: Option<u64>,
    /// Byte offset.
    #[ts(as = "Option<f64>")]
    pub offset: Option<u64>,
}

/// The compact index keys of an event, computed off the writer thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    /// 128-bit key of the id.
    pub ident: [u8; 16],
    /// 64-bit key of `correlation_id`.
    pub correlation: Option<i64>,
    /// 64-bit key of `causation_id`.
    pub causation: Option<i64>,
    /// 64-bit key of `parent_id`.
    pub parent: Option<i64>,
    /// 64-bit key of `trace_id`.
    pub trace: Option<i64>,
    /// 64-bit key of the execution id.
    pub execution: Option<i64>,
}

impl Keys {
    /// The keys of `e`.
    pub fn of(e: &Event) -> Keys {
        let h = |v: Option<&str>| v.map(key64);
        Keys {
            ident: key128(&e.id),
            correlation: h(e.correlation_id.as_deref()),
            causation: h(e.causation_id.as_deref()),
            parent: h(e.parent_id.as_deref()),
            trace: h(e.trace_id.as_deref()),
            execution: h(e.execution_id()),
        }
    }
}

/// The 128-bit key of an id: the first 16 bytes of its SHA-256.
pub fn key128(s: &str) -> [u8; 16] {
    let d = Sha256::digest(s.as_bytes());
    d[..16].try_into().expect("16 of 32 bytes")
}

/// The 64-bit key of a link value: the first 8 bytes of its SHA-256, as a signed integer.
pub fn key64(s: &str) -> i64 {
    let d = Sha256::digest(s.as_bytes());
    i64::from_be_bytes(d[..8].try_into().expect("8 of 32 bytes"))
}

/// A normalized event ready to append.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The canonical event.
    pub event: Event,
    /// Its index keys.
    pub keys: Keys,
    /// Raw bytes exactly as received.
    pub raw: Vec<u8>,
    /// SHA-256 of `raw`.
    pub raw_sha256: [u8; 32],
    /// Where it came from.
    pub origin: Origin,
    /// When this store received it.
    pub received_at: Micros,
}

/// A refused record, to quarantine.
#[derive(Debug, Clone)]
pub struct Refused {
    /// Raw bytes, unless over the size cap.
    pub raw: Option<Vec<u8>>,
    /// Length of the raw bytes.
    pub raw_len: u64,
    /// SHA-256 of the raw bytes.
    pub raw_sha256: [u8; 32],
    /// Where it came from.
    pub origin: Origin,
    /// Why.
    pub reason: Reason,
    /// In words.
    pub message: String,
    /// Tenant and id when known (conflicts).
    pub identity: Option<(String, String)>,
    /// When this store received it.
    pub received_at: Micros,
}

impl Refused {
    /// A refusal of `raw` for `reason`.
    pub fn new(
        raw: Vec<u8>,
        origin: Origin,
        reason: Reason,
        message: String,
        received_at: Micros,
    ) -> Self {
        let raw_sha256 = Sha256::digest(&raw).into();
        Refused {
            raw_len: raw.len() as u64,
            raw: Some(raw),
            raw_sha256,
            origin,
            reason,
            message,
            identity: None,
            received_at,
        }
    }
}

/// One record handed to [`Store::append`].
#[derive(Debug, Clone)]
pub enum Item {
    /// Append this event.
    Event(Box<Prepared>),
    /// Quarantine this record.
    Refused(Box<Refused>),
}

/// What became of one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Stored at `seq`.
    Accepted {
        /// Its position.
        seq: i64,
    },
    /// Already stored at `seq`.
    Duplicate {
        /// The stored event's position.
        seq: i64,
    },
    /// Quarantined.
    Rejected {
        /// Why.
        reason: Reason,
        /// In words.
        message: String,
    },
}

const SCHEMA_VERSION: i64 = 13;

/// Recreate the text index empty, with its prefix indexes, and reset its cursor: it is derived,
/// so the next catch-up rebuilds it from `raw` (reads scan the unindexed tail meanwhile). The
/// events and their chain are not touched. Migrations 11 and 13.
const REBUILD_TEXT_INDEX: &str = r#"
DROP TABLE events_text;
CREATE VIRTUAL TABLE events_text USING fts5(
    body, content = '', columnsize = 0, detail = none,
    tokenize = 'unicode61 remove_diacritics 0', prefix = '1 2 3 4'
);
DELETE FROM meta WHERE key = 'text_seq';
"#;

/// Migrations, in order; `PRAGMA user_version` counts how many ran. Only ever append.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
-- Interned names: integer keys keep the hot indexes compact.
CREATE TABLE tenants (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE types   (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE sources (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE origins (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);

CREATE TABLE events (
    seq            INTEGER PRIMARY KEY,   -- append order, assigned by the store
    tenant         INTEGER NOT NULL,      -- tenants.id
    ident          BLOB    NOT NULL,      -- key of the id: first 16 bytes of SHA-256(id)
    id_scope       INTEGER NOT NULL,      -- CloudEvents: sources.id (ids are unique per source); else 0
    dialect        INTEGER NOT NULL,
    type           INTEGER NOT NULL,      -- types.id
    source         INTEGER NOT NULL,      -- sources.id
    occurred_at    INTEGER NOT NULL,      -- µs since epoch, UTC
    received_at    INTEGER NOT NULL,
    user_id        TEXT,
    -- 64-bit keys of the links: compact index keys (PERF-NOTES: random text keys are what makes
    -- index upkeep expensive). Reads re-derive the text from `raw` and compare it exactly.
    correlation_h  INTEGER,
    causation_h    INTEGER,
    parent_h       INTEGER,
    trace_h        INTEGER,
    execution_h    INTEGER,
    flags          INTEGER NOT NULL,
    origin         INTEGER NOT NULL,      -- origins.id
    origin_line    INTEGER,
    origin_index   INTEGER,
    origin_offset  INTEGER,
    chain          BLOB    NOT NULL,      -- hash chain link over SHA-256(raw), see module docs
    raw            BLOB    NOT NULL       -- last: the widest column, read only when needed
);
-- Every other canonical field (id, links, actor, subject, payload …) is read back by
-- re-normalizing `raw`: one source of truth, and rows half the size.
-- Identity (invariant 3): one event per (tenant, id), within its dialect's id space (CloudEvents
-- 1.0 makes `id` unique per `source`, so two of the spec's own examples share an id). The key is
-- a 128-bit SHA-256 prefix of the id: compact, and collision-free in practice. Its prefix
-- (tenant, ident) also finds an event by id (causes, parents, "open event").
CREATE UNIQUE INDEX events_identity ON events (tenant, ident, dialect, id_scope);
-- Timeline: a tenant's events in time order, keyset-paged on (occurred_at, seq = rowid).
CREATE INDEX events_timeline ON events (tenant, occurred_at);
-- Type filters (`approval.*` resolves to a set of type ids) within a tenant, in time order.
CREATE INDEX events_type ON events (tenant, type, occurred_at);
-- Personal timeline: one user's events across products, in time order.
CREATE INDEX events_user ON events (tenant, user_id, occurred_at) WHERE user_id IS NOT NULL;
-- Correlation chains (graph, replay, "same correlation").
CREATE INDEX events_correlation ON events (tenant, correlation_h) WHERE correlation_h IS NOT NULL;
-- Causation and parent links: the children of an event (graph edges, approval decisions).
-- Partial: most events have neither.
CREATE INDEX events_causation ON events (tenant, causation_h) WHERE causation_h IS NOT NULL;
CREATE INDEX events_parent ON events (tenant, parent_h) WHERE parent_h IS NOT NULL;
-- Traces (graph --trace).
CREATE INDEX events_trace ON events (tenant, trace_h) WHERE trace_h IS NOT NULL;
-- Aximo execution traces (executions, replay of one execution).
CREATE INDEX events_execution ON events (tenant, execution_h) WHERE execution_h IS NOT NULL;

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE refused'); END;

CREATE TABLE quarantine (
    qseq          INTEGER PRIMARY KEY,
    received_at   INTEGER NOT NULL,
    origin        INTEGER NOT NULL,       -- origins.id
    origin_line   INTEGER,
    origin_index  INTEGER,
    origin_offset INTEGER,
    reason        TEXT    NOT NULL,
    message       TEXT    NOT NULL,
    tenant        TEXT,                   -- for conflicts: the identity that collided
    event_id      TEXT,
    raw_len       INTEGER NOT NULL,
    raw_sha256    BLOB    NOT NULL,
    raw           BLOB                    -- NULL past the size cap: find it by origin + hash
);
-- The same refusal from the same place is one row: re-ingesting a file adds nothing.
CREATE UNIQUE INDEX quarantine_identity
    ON quarantine (origin, ifnull(origin_offset, -1), ifnull(origin_index, -1), raw_sha256, reason);
CREATE TRIGGER quarantine_no_update BEFORE UPDATE ON quarantine
BEGIN SELECT RAISE(ABORT, 'quarantine is append-only: UPDATE refused'); END;
CREATE TRIGGER quarantine_no_delete BEFORE DELETE ON quarantine
BEGIN SELECT RAISE(ABORT, 'quarantine is append-only: DELETE refused'); END;
"#,
    // `INSERT OR REPLACE` deletes the row it collides with without firing DELETE triggers (unless a
    // connection turns on recursive_triggers): refuse an insert that would overwrite a position, and
    // (quarantine) skip one that would replace an identity, as the store's own INSERT OR IGNORE does.
    r#"
CREATE TRIGGER events_no_replace BEFORE INSERT ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: seq must follow the last one')
    WHERE NEW.seq <= (SELECT max(seq) FROM events);
    SELECT RAISE(IGNORE)
    WHERE EXISTS (SELECT 1 FROM events WHERE tenant = NEW.tenant AND ident = NEW.ident
                  AND dialect = NEW.dialect AND id_scope = NEW.id_scope);
END;
-- A new quarantine row's qseq is assigned by SQLite (NEW.qseq is -1 here) unless given.
CREATE TRIGGER quarantine_no_replace BEFORE INSERT ON quarantine
BEGIN
    SELECT RAISE(ABORT, 'quarantine is append-only: qseq must follow the last one')
    WHERE NEW.qseq > 0 AND NEW.qseq <= (SELECT max(qseq) FROM quarantine);
    SELECT RAISE(IGNORE)
    WHERE EXISTS (SELECT 1 FROM quarantine WHERE origin = NEW.origin
                  AND ifnull(origin_offset, -1) = ifnull(NEW.origin_offset, -1)
                  AND ifnull(origin_index, -1) = ifnull(NEW.origin_index, -1)
                  AND raw_sha256 = NEW.raw_sha256 AND reason = NEW.reason);
END;
"#,
    r#"
-- Source / product filter of the timeline, in time order (without it a page scanned the whole
-- tenant: p99 20 ms, count 98 ms at 1M events; docs/BENCHMARKS.md).
CREATE INDEX events_source ON events (tenant, source, occurred_at);
"#,
    r#"
-- Free-text search (`text` module): a contentless FTS5 index (rowid = seq) over each event's
-- type, ids and payload text, derived from `raw` and caught up after ingest; `meta.text_seq` is
-- its cursor. Contentless: the text lives in `raw` once; the index holds only tokens.
CREATE VIRTUAL TABLE events_text USING fts5(
    body, content = '', columnsize = 0, detail = none,
    tokenize = 'unicode61 remove_diacritics 0'
);
"#,
    r#"
-- The histogram strip (`rollup` module): events per (tenant, minute), derived from the log after
-- ingest, cursor `meta.rollup_seq`. One row per minute with events, however many.
CREATE TABLE event_minutes (
    tenant INTEGER NOT NULL,
    minute INTEGER NOT NULL,   -- floor(occurred_at / 60 s)
    n      INTEGER NOT NULL,
    PRIMARY KEY (tenant, minute)
) WITHOUT ROWID;
"#,
    // issue #4 (approvals/executions/replay branch): the stored projection of approval cases,
    // Aximo executions and deployments, one row per tenant (`projections.rs`). Not the truth:
    // rebuildable from `events` at any time; its cursor and fold version live in `meta`
    // (`projection_seq`, `projection_version`). No triggers: it is rewritten as the log grows.
    r#"
CREATE TABLE projection_tenants (
    tenant      TEXT PRIMARY KEY,   -- tenants.name ('' is the personal scope)
    approvals   BLOB NOT NULL,      -- JSON of projections::Approvals
    executions  BLOB NOT NULL,      -- JSON of projections::Executions
    deployments BLOB NOT NULL       -- JSON of projections::Deployments
);
"#,
    // Live ingest (issue #5, `live`): tenant-scoped write tokens and the watcher's checkpoints.
    r#"
-- A token is shown once, when created; only its SHA-256 is kept (tokens are 256 random bits, so
-- a fast hash is enough: there is nothing to brute-force). `tenants` is a JSON array of the
-- tenants it may write ("" is the personal scope). Revoking sets `revoked_at`; rows stay, so an
-- audit can tell which token wrote when.
CREATE TABLE live_tokens (
    id          INTEGER PRIMARY KEY,
    hash        BLOB    NOT NULL UNIQUE,
    tenants     TEXT    NOT NULL,
    label       TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
-- Where `trailview watch` is in each file: written in the same transaction as the events read up
-- to `offset`, so a restart resumes exactly there (no loss, no duplicates). A file is known by
-- device + inode (a rename keeps them; a new file at the same path gets new ones) and by the
-- SHA-256 of its first bytes (`head_len` of them), which tells a truncated-and-rewritten file
-- from the one the checkpoint covers.
CREATE TABLE live_checkpoints (
    path        TEXT    PRIMARY KEY,
    dev         INTEGER NOT NULL,
    ino         INTEGER NOT NULL,
    offset      INTEGER NOT NULL,
    line        INTEGER NOT NULL,
    head_len    INTEGER NOT NULL,
    head_sha256 BLOB    NOT NULL,
    updated_at  INTEGER NOT NULL
);
"#,
    r#"
-- A store opened from an audit bundle (module `bundle::open`) numbers its events 1..n; this is
-- each one's `seq` in the store that exported it, from the bundle's verified index, so an
-- auditor cites the number the customer's store knows. Written in the import's transaction;
-- empty in every other store.
CREATE TABLE bundle_seqs (
    seq        INTEGER PRIMARY KEY,   -- events.seq in this store
    source_seq INTEGER NOT NULL
);
"#,
    r#"
-- `stats` (the first thing a window asks): events per (tenant, dialect), folded by the rollup with
-- `event_minutes` under the same cursor, so counting a store reads a few rows instead of every
-- event (2.3 s at 1M). The rollup starts over to fill it: derived data only, rebuilt from the log
-- by the next catch-up; reads count the tail past the cursor meanwhile.
CREATE TABLE event_dialects (
    tenant  INTEGER NOT NULL,
    dialect INTEGER NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (tenant, dialect)
) WITHOUT ROWID;
DELETE FROM event_minutes;
DELETE FROM meta WHERE key = 'rollup_seq';
"#,
    // Live sources (issue #5, `live::sources`): what each running `trailview listen` / `watch`
    // process publishes about itself every second. Operational state, not events: outside the
    // hash chain, rewritten in place (one row per process), removed on a clean exit, pruned.
    r#"
CREATE TABLE live_processes (
    id           TEXT    PRIMARY KEY,   -- random per process run
    kind         TEXT    NOT NULL,      -- 'listen' | 'watch'
    address      TEXT    NOT NULL,      -- what it listens on / watches, in words
    pid          INTEGER NOT NULL,
    started_at   INTEGER NOT NULL,      -- µs since the epoch
    heartbeat_at INTEGER NOT NULL,      -- µs since the epoch
    accepted     INTEGER NOT NULL DEFAULT 0,
    duplicates   INTEGER NOT NULL DEFAULT 0,
    rejected     INTEGER NOT NULL DEFAULT 0,
    rate         REAL    NOT NULL DEFAULT 0,  -- records/s over the last ~10 s
    last_error   TEXT,
    stopped_at   INTEGER                -- set when it stopped on an error
);
"#,
    // issue #3 (timeline): FTS5 prefix indexes, so a short query word (`01j`, `ev`) reads one
    // stored doclist instead of merging the doclists of every term it starts (a 4-character
    // prefix of a ULID expanded to ~all the ULIDs in the store: 137–169 ms at 1M events;
    // docs/BENCHMARKS.md).
    REBUILD_TEXT_INDEX,
    // issue #3 (timeline): the histogram strip over a long range, events per (tenant, hour),
    // folded by the rollup with `event_minutes` under the same cursor (so it starts as the sum of
    // the minutes folded so far). Bins of an hour or more read one row per hour: a tenant's whole
    // range at 10M events was ~35k minute rows (24 ms), and is ~600 hour rows.
    r#"
CREATE TABLE event_hours (
    tenant INTEGER NOT NULL,
    hour   INTEGER NOT NULL,   -- floor(occurred_at / 1 h)
    n      INTEGER NOT NULL,
    PRIMARY KEY (tenant, hour)
) WITHOUT ROWID;
INSERT INTO event_hours (tenant, hour, n)
SELECT tenant, (minute - ((minute % 60) + 60) % 60) / 60, sum(n) FROM event_minutes GROUP BY 1, 2;
"#,
    // issue #3 (timeline): the text index's rowid becomes `text::rowid(tenant, seq)` (tenant id
    // in the high bits), so a search scoped to a tenant reads that tenant's rowid range of each
    // doclist instead of the whole store's matches (at 10M events a common word cost 89 ms, and
    // a query matching 7 events 40 ms; docs/BENCHMARKS.md).
    REBUILD_TEXT_INDEX,
];

/// How big SQLite's page cache may grow, in KiB: enough for the indexes of a 1M-event store
/// (≈140 MB measured; below that, random-key index pages thrash and ingest slows by ≈20%) while
/// keeping ingest's peak RSS under 200 MB.
pub(crate) const CACHE_KIB: i64 = 150 * 1024;

/// The chain link after `prev`.
pub fn chain_link(
    prev: &[u8; 32],
    seq: i64,
    tenant: &str,
    id: &str,
    received_at: Micros,
    raw_sha256: &[u8; 32],
) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(seq.to_be_bytes());
    h.update((tenant.len() as u32).to_be_bytes());
    h.update(tenant.as_bytes());
    h.update((id.len() as u32).to_be_bytes());
    h.update(id.as_bytes());
    h.update(received_at.to_be_bytes());
    h.update(raw_sha256);
    h.finalize().into()
}

/// Interned names, cached on the writer.
#[derive(Default)]
struct Names {
    tenants: HashMap<String, i64>,
    types: HashMap<String, i64>,
    sources: HashMap<String, i64>,
    origins: HashMap<Arc<str>, i64>,
}

/// A handle on one store file.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    read_only: bool,
    last_seq: i64,
    head: [u8; 32],
    names: Names,
    /// The log's last row disagrees with `meta`: rows were removed behind the triggers.
    /// Appending would paper over it, so writes are refused until someone looks.
    damaged: bool,
}

impl Store {
    /// Open (creating and migrating if needed) the store at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Io(format!("cannot create {}: {e}", dir.display())))?;
        }
        let conn = Connection::open(path)?;
        Self::configure(&conn)?;
        let mut store = Store::from_conn(conn, path, false)?;
        // Refuse someone else's database before changing anything about it (WAL is persistent).
        store.check_foreign()?;
        store.conn.pragma_update(None, "journal_mode", "WAL")?;
        store.migrate()?;
        // The triggers guard the file against every *other* writer (scripts, tools, sqlite3).
        // This connection's inserts are append-only by construction (seq = last + 1, ON CONFLICT
        // DO NOTHING, never an UPDATE or DELETE; tests/invariants.rs holds it to that), and a
        // BEFORE INSERT trigger of any kind costs ingest ≈30%, so it runs without them.
        store.conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER,
            false,
        )?;
        store.load_chain()?;
        Ok(store)
    }

    /// Open an existing store without write access.
    pub fn open_read_only(path: &Path) -> Result<Store> {
        if !path.exists() {
            return Err(StoreError::Io(format!("no store at {}", path.display())));
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        Self::configure(&conn)?;
        let mut store = Store::from_conn(conn, path, true)?;
        let version: i64 = store
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version == 0 {
            return Err(StoreError::Incompatible(format!(
                "{} is not a Trailview store",
                path.display()
            )));
        }
        store.check_version(version)?;
        if version < SCHEMA_VERSION {
            return Err(StoreError::Incompatible(format!(
                "{} was written by an older Trailview (schema {version}, this build knows \
                 {SCHEMA_VERSION}): open it once with write access (any `trailview` command but \
                 a read-only one, or the app) to upgrade it",
                path.display()
            )));
        }
        store.load_chain()?;
        Ok(store)
    }

    fn configure(conn: &Connection) -> Result<()> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        Ok(())
    }

    fn from_conn(conn: Connection, path: &Path, read_only: bool) -> Result<Store> {
        Ok(Store {
            conn,
            path: path.to_owned(),
            read_only,
            last_seq: 0,
            head: [0; 32],
            names: Names::default(),
            damaged: false,
        })
    }

    fn check_version(&self, version: i64) -> Result<()> {
        if version > SCHEMA_VERSION {
            return Err(StoreError::Incompatible(format!(
                "{} was written by a newer Trailview (schema {version}, this build knows {SCHEMA_VERSION})",
                self.path.display()
            )));
        }
        Ok(())
    }

    fn check_foreign(&self) -> Result<()> {
        let version: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?;
        self.check_version(version)?;
        if version == 0 {
            // A file that already has tables but no version is someone else's database.
            let tables: i64 = self.conn.query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )?;
            if tables > 0 {
                return Err(StoreError::Incompatible(format!(
                    "{} is an SQLite database, but not a Trailview store",
                    self.path.display()
                )));
            }
        }
        Ok(())
    }

    fn migrate(&mut self) -> Result<()> {
        let version: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = self.conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
        }
        Ok(())
    }

    fn load_chain(&mut self) -> Result<()> {
        let row: Option<(i64, Vec<u8>)> = self
            .conn
            .query_row(
                "SELECT seq, chain FROM events ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((seq, chain)) = row {
            self.last_seq = seq;
            self.head = chain.try_into().unwrap_or([0; 32]);
        }
        self.damaged = self.last_seq != self.last_seq_on_disk()?;
        Ok(())
    }

    /// The file this store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The underlying connection, for the read-side modules.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Whether this handle was opened read-only.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The last appended `seq` (0 when empty).
    pub fn last_seq(&self) -> i64 {
        self.last_seq
    }

    /// The hash-chain head (all zeros when empty).
    pub fn head(&self) -> [u8; 32] {
        self.head
    }

    fn intern(
        conn: &Connection,
        cache: &mut HashMap<String, i64>,
        table: &str,
        name: &str,
    ) -> Result<i64> {
        if let Some(&id) = cache.get(name) {
            return Ok(id);
        }
        let id = intern_sql(conn, table, name)?;
        cache.insert(name.to_owned(), id);
        Ok(id)
    }

    fn intern_origin(&mut self, origin: &Arc<str>) -> Result<i64> {
        if let Some(&id) = self.names.origins.get(origin) {
            return Ok(id);
        }
        let id = intern_sql(&self.conn, "origins", origin)?;
        self.names.origins.insert(origin.clone(), id);
        Ok(id)
    }

    /// Append a batch in one transaction. Returns one outcome per item, in order.
    pub fn append(&mut self, items: &[Item]) -> Result<Vec<Outcome>> {
        let mut tx = self.appender()?;
        let outcomes = items
            .iter()
            .map(|item| tx.push(item))
            .collect::<Result<Vec<_>>>()?;
        tx.commit()?;
        Ok(outcomes)
    }

    /// Open a write transaction. Push items into it, then [`Appender::commit`]; dropping it
    /// uncommitted rolls everything back.
    pub fn appender(&mut self) -> Result<Appender<'_>> {
        if self.read_only {
            return Err(StoreError::Io(format!(
                "{} is open read-only",
                self.path.display()
            )));
        }
        if self.damaged {
            return Err(StoreError::Incompatible(format!(
                "{} has lost rows at the end of its log (run `trailview verify`); refusing to append",
                self.path.display()
            )));
        }
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        // Another writer (another process, or a second `Store` on this file in this one: a live
        // listener beside `trailview ingest`) may have appended since this handle last looked:
        // continue its chain instead of colliding with its `seq`s. One indexed read per
        // transaction.
        match self.last_seq_on_disk() {
            Ok(on_disk) if on_disk != self.last_seq => {
                if let Err(e) = self.load_chain() {
                    let _ = self.conn.execute_batch("ROLLBACK");
                    return Err(e);
                }
                if self.damaged {
                    let _ = self.conn.execute_batch("ROLLBACK");
                    return Err(StoreError::Incompatible(format!(
                        "{} has lost rows at the end of its log (run `trailview verify`); refusing to append",
                        self.path.display()
                    )));
                }
            }
            Ok(_) => {}
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
        Ok(Appender {
            seq: self.last_seq,
            head: self.head,
            store: self,
            open: true,
        })
    }

    fn insert_event(&mut self, p: &Prepared, seq: i64, prev: &[u8; 32]) -> Result<Inserted> {
        let e = &p.event;
        let tenant = Self::intern(&self.conn, &mut self.names.tenants, "tenants", &e.tenant)?;
        let kind = Self::intern(&self.conn, &mut self.names.types, "types", &e.kind)?;
        let source = Self::intern(&self.conn, &mut self.names.sources, "sources", &e.source)?;
        let origin = self.intern_origin(&p.origin.source)?;
        let link = chain_link(prev, seq, &e.tenant, &e.id, p.received_at, &p.raw_sha256);
        let k = &p.keys;
        let scope = if e.dialect == Dialect::Cloudevents {
            source
        } else {
            0
        };
        let mut stmt = self.conn.prepare_cached(INSERT_EVENT)?;
        let n = stmt.execute(params![
            seq,
            tenant,
            &k.ident[..],
            scope,
            e.dialect.code(),
            kind,
            source,
            e.occurred_at,
            p.received_at,
            e.user_id,
            k.correlation,
            k.causation,
            k.parent,
            k.trace,
            k.execution,
            e.flags.0,
            origin,
            p.origin.line.map(|v| v as i64),
            p.origin.index.map(|v| v as i64),
            p.origin.offset.map(|v| v as i64),
            &link[..],
            &p.raw,
        ])?;
        if n == 1 {
            return Ok(Inserted::New(link));
        }
        let (at, raw): (i64, Vec<u8>) = self.conn.query_row(
            "SELECT seq, raw FROM events
             WHERE tenant = ?1 AND ident = ?2 AND dialect = ?3 AND id_scope = ?4",
            params![tenant, &k.ident[..], e.dialect.code(), scope],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if raw == p.raw || same_json(&raw, &p.raw) {
            Ok(Inserted::Duplicate(at))
        } else {
            Ok(Inserted::Conflict(at))
        }
    }

    fn insert_refused(&mut self, r: &Refused) -> Result<()> {
        let origin = self.intern_origin(&r.origin.source)?;
        let mut stmt = self.conn.prepare_cached(
            "INSERT OR IGNORE INTO quarantine (received_at, origin, origin_line, origin_index,
                origin_offset, reason, message, tenant, event_id, raw_len, raw_sha256, raw)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        stmt.execute(params![
            r.received_at,
            origin,
            r.origin.line.map(|v| v as i64),
            r.origin.index.map(|v| v as i64),
            r.origin.offset.map(|v| v as i64),
            r.reason.code(),
            r.message,
            r.identity.as_ref().map(|i| i.0.as_str()),
            r.identity.as_ref().map(|i| i.1.as_str()),
            r.raw_len as i64,
            &r.raw_sha256[..],
            r.raw,
        ])?;
        Ok(())
    }

    /// Refresh the query planner's statistics when the log has grown by a quarter or more since
    /// they were taken. Without them SQLite cannot tell a selective index (one correlation
    /// chain: 9 rows) from the timeline index and scans a whole tenant instead: measured 60 ms
    /// vs 0.1 ms per page at 1M events (docs/BENCHMARKS.md). A full ANALYZE (0.4 s at 1M events;
    /// sampled statistics were too coarse for type filters), at most once per 25% of growth, so
    /// under 2% of ingest time; returns whether it ran.
    pub fn refresh_planner_stats(&mut self) -> Result<bool> {
        let analyzed: i64 = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'analyzed_seq'",
                [],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0);
        if self.read_only || self.last_seq == 0 || self.last_seq < analyzed + analyzed / 4 + 1 {
            return Ok(false);
        }
        self.conn
            .execute_batch("PRAGMA analysis_limit = 0; ANALYZE;")?;
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES ('analyzed_seq', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [self.last_seq],
        )?;
        Ok(true)
    }

    /// Bring the derived indexes (the histogram rollup, the projections of approvals,
    /// executions and deployments, then the text index) up to the end of the log; `progress`
    /// hears the text indexing's `(done, total)`. Writers call this after their events are
    /// committed; readers are correct without it (they fold or scan the tail), only slower.
    pub fn catch_up_derived(
        &mut self,
        progress: impl FnMut(u64, u64),
    ) -> Result<crate::text::TextIndexReport> {
        self.roll_up()?;
        crate::projections::catch_up(self)?;
        self.index_text(progress)
    }

    /// Run `PRAGMA wal_checkpoint(TRUNCATE)`: fold the WAL into the database file.
    pub fn checkpoint(&self) -> Result<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Walk the whole log: recompute every raw hash and chain link, re-derive every column from
    /// `raw`, and compare the head with the last row.
    pub fn verify(&self) -> Result<VerifyReport> {
        let mut stmt = self.conn.prepare(
            "SELECT e.seq, t.name, ty.name, s.name, e.occurred_at, e.received_at, e.dialect,
                    e.user_id, e.chain, e.raw
             FROM events e
             JOIN tenants t ON t.id = e.tenant
             JOIN types ty ON ty.id = e.type
             JOIN sources s ON s.id = e.source
             ORDER BY e.seq",
        )?;
        let mut rows = stmt.query([])?;
        let mut prev = [0u8; 32];
        let mut expected_seq = 0i64;
        let mut events = 0u64;
        let mut fail: Option<(i64, String)> = None;
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            let stored = Stored {
                tenant: r.get(1)?,
                kind: r.get(2)?,
                source: r.get(3)?,
                occurred_at: r.get(4)?,
                dialect: r.get(6)?,
                user_id: r.get(7)?,
            };
            let received_at: i64 = r.get(5)?;
            let chain: Vec<u8> = r.get(8)?;
            let raw = r.get_ref(9)?.as_blob().map_err(rusqlite::Error::from)?;
            events += 1;
            expected_seq += 1;
            let problem = if seq != expected_seq {
                fail = Some((
                    expected_seq,
                    format!("seq {expected_seq} is missing (the next row is seq {seq})"),
                ));
                break;
            } else {
                let sha: [u8; 32] = Sha256::digest(raw).into();
                let link = rederive(raw, &stored)
                    .map(|id| chain_link(&prev, seq, &stored.tenant, &id, received_at, &sha));
                match link {
                    Ok(link) if link[..] == chain[..] => {
                        prev = link;
                        Ok(())
                    }
                    Ok(_) => Err("the hash chain breaks here: the raw bytes, tenant, id or received_at of this row (or an earlier row) changed".to_owned()),
                    Err(e) => Err(e),
                }
            };
            if let Err(p) = problem {
                fail = Some((seq, p));
                break;
            }
        }
        drop(rows);
        if fail.is_none() && events as i64 != self.last_seq_on_disk()? {
            fail = Some((
                events as i64 + 1,
                "rows after the last one are missing".into(),
            ));
        }
        let (first_bad_seq, problem) = match fail {
            Some((s, p)) => (Some(s), Some(p)),
            None => (None, None),
        };
        Ok(VerifyReport {
            ok: first_bad_seq.is_none(),
            events,
            head: hex::encode(prev),
            first_bad_seq,
            problem,
        })
    }

    /// The highest seq ever committed, from `sqlite_sequence`-like bookkeeping in `meta`.
    fn last_seq_on_disk(&self) -> Result<i64> {
        let v: Option<i64> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'last_seq'", [], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(v.unwrap_or(0))
    }
}

/// An open write transaction on a [`Store`]; see [`Store::appender`].
pub struct Appender<'s> {
    store: &'s mut Store,
    seq: i64,
    head: [u8; 32],
    open: bool,
}

impl Appender<'_> {
    /// Append or quarantine one record; says which.
    pub fn push(&mut self, item: &Item) -> Result<Outcome> {
        let res = self.push_inner(item);
        if res.is_err() {
            self.rollback();
        }
        res
    }

    fn push_inner(&mut self, item: &Item) -> Result<Outcome> {
        if !self.open {
            return Err(StoreError::Io(
                "the write transaction was rolled back".into(),
            ));
        }
        let p = match item {
            Item::Refused(r) => {
                self.store.insert_refused(r)?;
                return Ok(Outcome::Rejected {
                    reason: r.reason,
                    message: r.message.clone(),
                });
            }
            Item::Event(p) => p,
        };
        Ok(
            match self.store.insert_event(p, self.seq + 1, &self.head)? {
                Inserted::New(link) => {
                    self.seq += 1;
                    self.head = link;
                    Outcome::Accepted { seq: self.seq }
                }
                Inserted::Duplicate(at) => Outcome::Duplicate { seq: at },
                Inserted::Conflict(at) => {
                    let r = Refused {
                    raw: Some(p.raw.clone()),
                    raw_len: p.raw.len() as u64,
                    raw_sha256: p.raw_sha256,
                    origin: p.origin.clone(),
                    reason: Reason::Conflict,
                    message: format!(
                        "(tenant {:?}, id {:?}) is already stored at seq {at} with different content; the stored event stands",
                        p.event.tenant, p.event.id
                    ),
                    identity: Some((p.event.tenant.clone(), p.event.id.clone())),
                    received_at: p.received_at,
                };
                    self.store.insert_refused(&r)?;
                    Outcome::Rejected {
                        reason: r.reason,
                        message: r.message,
                    }
                }
            },
        )
    }

    /// The writer's connection, inside this transaction: for bookkeeping that must commit
    /// together with the records it covers (the watcher's checkpoints).
    pub(crate) fn conn(&self) -> &Connection {
        &self.store.conn
    }

    /// Records pushed but not yet committed will be at `seq`s after this one.
    pub fn last_seq(&self) -> i64 {
        self.seq
    }

    /// Make everything pushed so far durable, and keep the transaction open for more.
    pub fn checkpoint(&mut self) -> Result<()> {
        self.commit_inner()?;
        self.store.conn.execute_batch("BEGIN IMMEDIATE")?;
        self.open = true;
        Ok(())
    }

    /// Make everything pushed durable.
    pub fn commit(mut self) -> Result<()> {
        self.commit_inner()
    }

    fn commit_inner(&mut self) -> Result<()> {
        if !self.open {
            return Err(StoreError::Io(
                "the write transaction was rolled back".into(),
            ));
        }
        let res = (|| -> Result<()> {
            // The head and length of the log, so a removal of its newest rows is detectable.
            let mut put = self.store.conn.prepare_cached(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?;
            put.execute(params!["last_seq", self.seq])?;
            put.execute(params!["head", &self.head[..]])?;
            drop(put);
            self.store.conn.execute_batch("COMMIT")?;
            Ok(())
        })();
        match res {
            Ok(()) => {
                self.open = false;
                self.store.last_seq = self.seq;
                self.store.head = self.head;
                Ok(())
            }
            Err(e) => {
                self.rollback();
                Err(e)
            }
        }
    }

    fn rollback(&mut self) {
        if self.open {
            let _ = self.store.conn.execute_batch("ROLLBACK");
            self.open = false;
            // Interned ids from a rolled-back transaction may not exist: forget them.
            self.store.names = Names::default();
            self.seq = self.store.last_seq;
            self.head = self.store.head;
        }
    }
}

impl Drop for Appender<'_> {
    fn drop(&mut self) {
        self.rollback();
    }
}

const INSERT_EVENT: &str = "INSERT INTO events (seq, tenant, ident, id_scope, dialect, type,
    source, occurred_at, received_at, user_id, correlation_h, causation_h, parent_h, trace_h,
    execution_h, flags, origin, origin_line, origin_index, origin_offset, chain, raw)
 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
    ?20, ?21, ?22)
 ON CONFLICT (tenant, ident, dialect, id_scope) DO NOTHING";

fn intern_sql(conn: &Connection, table: &str, name: &str) -> Result<i64> {
    let found: Option<i64> = conn
        .prepare_cached(&format!("SELECT id FROM {table} WHERE name = ?1"))?
        .query_row([name], |r| r.get(0))
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    conn.prepare_cached(&format!("INSERT INTO {table} (name) VALUES (?1)"))?
        .execute([name])?;
    Ok(conn.last_insert_rowid())
}

enum Inserted {
    New([u8; 32]),
    Duplicate(i64),
    Conflict(i64),
}

/// The same JSON, re-encoded (whitespace, key order, escapes)?
fn same_json(a: &[u8], b: &[u8]) -> bool {
    let parse = |bytes: &[u8]| {
        std::str::from_utf8(bytes)
            .ok()
            .and_then(|t| normalize::parse_value(t).ok())
    };
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// Re-derive the indexed columns from `raw`; describe the first that differs.
struct Stored {
    tenant: String,
    kind: String,
    source: String,
    occurred_at: i64,
    dialect: i64,
    user_id: Option<String>,
}

/// Re-derive the event from `raw`, check the stored columns against it, and return its id.
fn rederive(raw: &[u8], s: &Stored) -> std::result::Result<String, String> {
    let e = normalize::normalize(raw)
        .map_err(|r| format!("the raw bytes no longer normalize: {}", r.message))?
        .event;
    let checks = [
        ("tenant", e.tenant == s.tenant),
        ("type", e.kind == s.kind),
        ("source", e.source == s.source),
        ("occurred_at", e.occurred_at == s.occurred_at),
        ("dialect", Dialect::from_code(s.dialect) == Some(e.dialect)),
        ("user_id", e.user_id == s.user_id),
    ];
    match checks.iter().find(|(_, ok)| !ok) {
        Some((col, _)) => Err(format!("column `{col}` does not match the raw envelope")),
        None => Ok(e.id),
    }
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct VerifyReport {
    /// Everything checked out.
    pub ok: bool,
    /// Events checked.
    #[ts(type = "number")]
    pub events: u64,
    /// Hex hash-chain head as recomputed (up to the first bad row).
    pub head: String,
    /// The first `seq` that failed.
    #[ts(as = "Option<f64>")]
    pub first_bad_seq: Option<i64>,
    /// What failed there.
    pub problem: Option<String>,
}
