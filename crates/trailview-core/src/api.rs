//! The UI's API (docs/API.md): one function per operation, shared by every transport.
//!
//! The desktop shell exposes each function as a Tauri command of the same name and
//! `trailview serve` as `/api/<name>`; neither adds logic of its own. So this module is where an
//! operation's parameters are read and checked, its defaults and limits live, and its errors get
//! their machine-readable code.
//!
//! ## Shape
//! - A read takes `&Store`, a write `&mut Store`; each takes a request struct that deserializes
//!   from a query string (every value a string) or from JSON (typed values) alike, so numbers
//!   and booleans are read leniently ([`de`]).
//! - Every failure is an [`ApiError`] `{code, message}`; the UI branches on `code` only.
//! - Every read names its tenant: the filters have no "all tenants" form here.
//! - [`SharedStore`] is how a transport reaches one store file from many threads: one writer
//!   behind a mutex, and a fresh read-only connection per read, so reads never wait for an
//!   ingest (WAL) and always see the latest committed state (a `Store` caches the chain head
//!   when it opens).
//!
//! ## Generated TypeScript
//! Every type that crosses to the UI derives `ts_rs::TS` and is listed in the test
//! `typescript_bindings_are_current` below, which fails when `ui/src/bindings/` differs from what
//! the Rust types generate (`UPDATE_BINDINGS=1 cargo test -p trailview-core typescript_bindings`
//! rewrites them). Counts, `seq`s, offsets and µs timestamps cross as TS `number`: they are far
//! below 2^53 (µs since the epoch stay below it until the year 2255). [`wire`] holds TS-only
//! mirrors of the few crossing types whose modules do not derive `TS` themselves.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::generate::{self, GenConfig};
use crate::ingest::{self, IngestError, IngestOptions, IngestSummary, Progress};
use crate::query::{
    Bucket, EventQuery, QuarantineRecord, Stats, StoredEvent, TenantScope, TypePattern,
};
use crate::store::{Store, StoreError, VerifyReport};
use crate::text::TextQuery;
use crate::time::{self, EpochUnit, Micros};

/// Events per page when the request names no `limit`.
pub const DEFAULT_LIMIT: u32 = 200;
/// The largest page of events.
pub const MAX_LIMIT: u32 = 1000;
/// Histogram bins when the request names no `buckets`.
pub const DEFAULT_BUCKETS: u32 = 100;
/// The most histogram bins.
pub const MAX_BUCKETS: u32 = 2000;
/// Quarantined records listed when the request names no `limit`.
pub const DEFAULT_QUARANTINE_LIMIT: u32 = 1000;
/// The most quarantined records in one answer.
pub const MAX_QUARANTINE_LIMIT: u32 = 10_000;
/// Demo events when the request names no count.
pub const DEFAULT_DEMO_EVENTS: u32 = 20_000;
/// The largest demo data set.
pub const MAX_DEMO_EVENTS: u32 = 1_000_000;
/// `ingest_files` reports progress at most this often (plus once when each file is done).
pub const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// An error as the UI sees it: a stable machine-readable `code` to branch on and a human
/// `message` to show. The same JSON over Tauri IPC and HTTP: `{"code": "…", "message": "…"}`.
///
/// Codes are `snake_case` and never change meaning once shipped (HTTP status in brackets):
/// - `tenant_required` (400): a read named no `tenant`;
/// - `bad_filter` (400): a filter value is unusable (unreadable time, empty pattern or value);
/// - `bad_request` (400): any other parameter is missing, malformed or out of range;
/// - `not_found` (404): no such event, or no such API operation;
/// - `desktop_only` (404): the operation exists only in the desktop window (`ingest_files`);
/// - `ingest_io` (400): a file named for ingest cannot be read;
/// - `store_busy` (503): another process holds the store's write lock for too long;
/// - `store_unavailable` (503): the store could not be opened or created;
/// - `store_incompatible` (500): the file is not a Trailview store, or is from a newer version;
/// - `store_sqlite`, `store_io` (500): the store failed;
/// - `read_only` (409): a write while a bundle is open in the window (close it first);
/// - `bundle_malformed`, `bundle_io` (400): a bundle file cannot be read as a bundle;
/// - `internal` (500): a bug (a worker panicked);
/// - `forbidden` (403), `method_not_allowed` (405): HTTP only, see `trailview serve`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[ts(export_to = "../../ui/src/bindings/")]
#[error("{message} ({code})")]
pub struct ApiError {
    /// Stable, machine-readable error kind, e.g. `tenant_required`.
    pub code: String,
    /// What happened and, where possible, what to do about it.
    pub message: String,
}

impl ApiError {
    /// An error with the given code and message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            code: code.into(),
            message: message.into(),
        }
    }

    /// `bad_request`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new("bad_request", message)
    }

    /// `bad_filter`.
    pub fn bad_filter(message: impl Into<String>) -> Self {
        Self::new("bad_filter", message)
    }

    /// `not_found`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new("not_found", message)
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self.code.as_str() {
            "tenant_required" | "bad_filter" | "bad_request" | "ingest_io" | "ingest_bundle"
            | "bundle_malformed" | "bundle_io" => 400,
            "bad_config" => 400,
            "address_in_use" => 409,
            "forbidden" => 403,
            "not_found" | "desktop_only" => 404,
            "method_not_allowed" => 405,
            "read_only" => 409,
            "store_busy" | "store_unavailable" => 503,
            _ => 500,
        }
    }

    fn tenant_required() -> Self {
        Self::new(
            "tenant_required",
            "name a tenant: `tenant` is required (the empty string is the personal scope)",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let code = match &e {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _))
                if matches!(
                    f.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) =>
            {
                "store_busy"
            }
            other => other.code(),
        };
        ApiError::new(code, e.to_string())
    }
}

impl From<IngestError> for ApiError {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::Store(s) => s.into(),
            other => ApiError::new(other.code(), other.to_string()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reaching one store from many threads
// ---------------------------------------------------------------------------------------------

/// One store file, shared by the threads of a transport (HTTP requests, Tauri commands).
///
/// `Store` holds one SQLite connection and is not `Sync`. Writes go through the one writer,
/// behind a mutex (one writer per store, STYLE §4); reads open a read-only connection each
/// (cheap: a few pragmas and one indexed lookup), which in WAL mode never waits for the writer
/// and sees everything committed, also by other processes. Every method blocks: call them on a
/// blocking thread, never on an async worker or a UI thread.
pub struct SharedStore {
    path: PathBuf,
    writer: Arc<Mutex<Store>>,
    /// The bundle being served instead of `path`, when one is open ([`session`]).
    bundle: std::sync::RwLock<Option<Arc<OpenedBundle>>>,
    /// Where opened bundles are imported, and whose keys judge their signers.
    bundle_dirs: BundleDirs,
}

impl SharedStore {
    /// Opens (creating and migrating if needed) the store at `path` and keeps its writer.
    pub fn open(path: &Path) -> Result<SharedStore, ApiError> {
        // The derived indexes (projections, rollup, text) are caught up by
        // `catch_up_in_background`, not here: opening never waits for them (reads fold or scan
        // the tail meanwhile), so the first rows show at once even on a large, older store.
        let writer = Store::open(path).map_err(|e| open_error(path, e))?;
        Ok(SharedStore {
            path: path.to_owned(),
            writer: Arc::new(Mutex::new(writer)),
            bundle: std::sync::RwLock::new(None),
            bundle_dirs: BundleDirs::default(),
        })
    }

    /// Brings the derived indexes (histogram rollup, projections, text search) up to the end of
    /// the log on a background thread, a batch at a time, letting other writes in between: a
    /// store written by an older version or another process becomes fast to search without
    /// holding anyone up. Reads are correct meanwhile (they fold or scan the tail).
    pub fn catch_up_in_background(&self) {
        let writer = Arc::clone(&self.writer);
        let step = move || -> Result<u64, StoreError> {
            // A poisoned writer is `write`'s to repair; this thread just stops.
            let Ok(mut store) = writer.lock() else {
                return Ok(0);
            };
            store.roll_up()?;
            crate::projections::catch_up(&mut store)?;
            store.index_text_batch()
        };
        let spawned = std::thread::Builder::new()
            .name("trailview-derived".into())
            .spawn(move || loop {
                match step() {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) => {
                        eprintln!("trailview: derived indexes: {e}");
                        break;
                    }
                }
            });
        if let Err(e) = spawned {
            eprintln!("trailview: cannot start the indexing thread: {e}");
        }
    }

    /// The user's own store file (the one written to; see [`SharedStore::served_path`] for the
    /// one read while a bundle is open).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `read` on a fresh read-only connection to the store being served: the user's own,
    /// or the cache store of the bundle open in its place ([`SharedStore::open_bundle`]).
    pub fn read<T>(&self, read: impl FnOnce(&Store) -> Result<T, ApiError>) -> Result<T, ApiError> {
        let path = self.served_path();
        let store = Store::open_read_only(&path).map_err(|e| open_error(&path, e))?;
        read(&store)
    }

    /// Runs `write` on the writer of the user's own store, waiting for any write in progress.
    /// Refused with `read_only` while a bundle is open: what the window shows is then the
    /// bundle, and nothing the window does may write (the bundle's cache store never receives
    /// anything but its import; the user's store is not what they are looking at).
    pub fn write<T>(
        &self,
        write: impl FnOnce(&mut Store) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        self.refuse_if_read_only()?;
        let mut guard = match self.writer.lock() {
            Ok(guard) => guard,
            Err(poisoned) => {
                // A write panicked half-way: its transaction rolled back, but the writer's cached
                // chain head may be ahead of the file. Start over from the file.
                let mut guard = poisoned.into_inner();
                *guard = Store::open(&self.path).map_err(|e| open_error(&self.path, e))?;
                self.writer.clear_poison();
                guard
            }
        };
        write(&mut guard)
    }
}

fn open_error(path: &Path, e: StoreError) -> ApiError {
    match e {
        StoreError::Incompatible(m) => ApiError::new("store_incompatible", m),
        e => ApiError::new(
            "store_unavailable",
            format!("cannot open the store at {}: {e}", path.display()),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/// The filter every read of events takes. From a query string: `?tenant=acme&type=approval.*`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/", optional_fields)]
pub struct EventFilter {
    /// **Required**; the empty string is the personal (no-tenant) scope.
    #[ts(optional = false, as = "String")]
    pub tenant: Option<String>,
    /// Type pattern: exact, `prefix.*`, `**`, `*` inside a segment.
    #[serde(rename = "type")]
    pub types: Option<String>,
    /// `occurred_at >= since`: RFC 3339 with offset, or epoch ms.
    pub since: Option<String>,
    /// `occurred_at < until`: RFC 3339 with offset, or epoch ms.
    pub until: Option<String>,
    /// Exact source / product.
    pub source: Option<String>,
    /// One person's events: the personal timeline.
    pub user: Option<String>,
    /// One correlation chain.
    pub correlation: Option<String>,
    /// One Aximo execution.
    pub execution: Option<String>,
    /// Free text: every word must start a word of the event's type, ids or payload text.
    pub text: Option<String>,
}

impl EventFilter {
    /// A filter of `tenant`'s events and nothing else.
    pub fn tenant(tenant: impl Into<String>) -> Self {
        EventFilter {
            tenant: Some(tenant.into()),
            ..EventFilter::default()
        }
    }

    /// The store query this filter means (no cursors, no limit).
    pub fn to_query(&self) -> Result<EventQuery, ApiError> {
        let tenant = self.tenant.clone().ok_or_else(ApiError::tenant_required)?;
        let mut q = EventQuery::new(TenantScope::One(tenant));
        q.types = self
            .types
            .as_deref()
            .map(TypePattern::new)
            .transpose()
            .map_err(|m| ApiError::bad_filter(format!("type: {m}")))?;
        let bound = |name: &str, v: &Option<String>| {
            v.as_deref()
                .map(|s| {
                    time::parse_bound(s).map_err(|e| {
                        ApiError::bad_filter(format!(
                            "{name}: {e} (give RFC 3339 with an offset, or epoch milliseconds)"
                        ))
                    })
                })
                .transpose()
        };
        q.since = bound("since", &self.since)?;
        q.until = bound("until", &self.until)?;
        let exact = |name: &str, v: &Option<String>| match v {
            Some(s) if s.is_empty() => Err(ApiError::bad_filter(format!(
                "{name}: an empty value matches nothing; leave the parameter out instead"
            ))),
            v => Ok(v.clone()),
        };
        q.source = exact("source", &self.source)?;
        q.user_id = exact("user", &self.user)?;
        q.correlation_id = exact("correlation", &self.correlation)?;
        q.execution_id = exact("execution", &self.execution)?;
        q.text = match self.text.as_deref() {
            None => None,
            Some(t) => Some(TextQuery::parse(t).ok_or_else(|| {
                ApiError::bad_filter(
                    "text: no words to search for (letters or digits); leave the parameter out instead",
                )
            })?),
        };
        Ok(q)
    }
}

/// `events`: a filter, keyset cursors, order and page size.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/", optional_fields)]
pub struct EventsRequest {
    /// Which events.
    #[serde(flatten)]
    #[ts(flatten)]
    pub filter: EventFilter,
    /// Only events after this cursor `"<occurred_at_us>:<seq>"` (exclusive).
    pub after: Option<String>,
    /// Only events before this cursor `"<occurred_at_us>:<seq>"` (exclusive).
    pub before: Option<String>,
    /// Newest first (to page backwards from `before`); default oldest first.
    #[serde(default, with = "de::flag")]
    #[ts(as = "Option<bool>")]
    pub desc: Option<bool>,
    /// Page size, 1–1000; default 200.
    #[serde(default, with = "de::number")]
    #[ts(as = "Option<u32>")]
    pub limit: Option<u32>,
}

/// `event`: one event by its identity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct EventRequest {
    /// **Required**; the empty string is the personal scope.
    #[ts(as = "String")]
    pub tenant: Option<String>,
    /// **Required**: the event's id.
    #[ts(as = "String")]
    pub id: Option<String>,
}

/// `histogram`: a filter over `[from, to)`, in `buckets` equal bins.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/", optional_fields)]
pub struct HistogramRequest {
    /// Which events.
    #[serde(flatten)]
    #[ts(flatten)]
    pub filter: EventFilter,
    /// **Required**: start of the range, µs since the epoch.
    #[serde(default, with = "de::number")]
    #[ts(optional = false, as = "f64")]
    pub from: Option<Micros>,
    /// **Required**: end of the range (exclusive), µs since the epoch.
    #[serde(default, with = "de::number")]
    #[ts(optional = false, as = "f64")]
    pub to: Option<Micros>,
    /// Number of bins, 1–2000; default 100.
    #[serde(default, with = "de::number")]
    #[ts(as = "Option<u32>")]
    pub buckets: Option<u32>,
}

/// `quarantine`: how many refused records, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/", optional_fields)]
pub struct QuarantineRequest {
    /// 1–10000; default 1000.
    #[serde(default, with = "de::number")]
    #[ts(as = "Option<u32>")]
    pub limit: Option<u32>,
}

/// `load_demo`: how many demo events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/", optional_fields)]
pub struct LoadDemoRequest {
    /// 1–1000000; default 20000.
    #[serde(default, with = "de::number")]
    #[ts(as = "Option<u32>")]
    pub events: Option<u32>,
}

/// `ingest_files` (desktop only): files or directories to ingest, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct IngestFilesRequest {
    /// Paths on the machine running the desktop window.
    pub paths: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------------------------

/// One page of `events`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct EventPage {
    /// The page, in the requested order (oldest first unless `desc`).
    pub events: Vec<StoredEvent>,
    /// How many events match the filter, ignoring the cursors and the limit.
    #[ts(type = "number")]
    pub total: u64,
}

/// An `ingest_progress` notice: where an `ingest_files` is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct IngestProgress {
    /// The file being read.
    pub path: String,
    /// Bytes of it read so far.
    #[ts(type = "number")]
    pub bytes_read: u64,
    /// Its size, when known.
    #[ts(as = "Option<f64>")]
    pub bytes_total: Option<u64>,
    /// Newly stored events of this file so far.
    #[ts(type = "number")]
    pub accepted: u64,
    /// Records of this file already stored.
    #[ts(type = "number")]
    pub duplicates: u64,
    /// Records of this file refused and quarantined.
    #[ts(type = "number")]
    pub quarantined: u64,
    /// Of `accepted`, how many are committed, so readers see them (the first rows of a big file
    /// are committed early: the timeline can show them while the import goes on).
    #[ts(type = "number")]
    pub committed: u64,
}

impl From<&Progress> for IngestProgress {
    fn from(p: &Progress) -> Self {
        IngestProgress {
            path: p.path.clone(),
            bytes_read: p.bytes_read,
            bytes_total: p.bytes_total,
            accepted: p.file.accepted,
            duplicates: p.file.duplicates,
            quarantined: p.file.quarantined,
            committed: p.committed,
        }
    }
}

/// What the window shows about itself: which build, which store. Answered by the desktop shell
/// and by `trailview serve` alike.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct AppInfo {
    /// Version of the running Trailview build.
    pub version: String,
    /// Path of the store this window reads (lossy if the path is not valid UTF-8).
    pub db_path: String,
    /// Why the store could not be opened, if it could not; `null` when it is open.
    pub store_error: Option<ApiError>,
}

impl AppInfo {
    /// This build's version, `db_path`, and the store's opening error if any.
    pub fn new(db_path: &Path, store_error: Option<ApiError>) -> Self {
        AppInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            db_path: db_path.to_string_lossy().into_owned(),
            store_error,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

/// `stats`: counts per tenant, dialect and quarantine reason.
pub fn stats(store: &Store) -> Result<Stats, ApiError> {
    Ok(store.stats()?)
}

/// `events`: one keyset page of a tenant's events, and how many match in all.
pub fn events(store: &Store, req: &EventsRequest) -> Result<EventPage, ApiError> {
    let mut q = req.filter.to_query()?;
    let limit = in_range("limit", req.limit, DEFAULT_LIMIT, 1..=MAX_LIMIT)?;
    q.after = req
        .after
        .as_deref()
        .map(|c| cursor("after", c))
        .transpose()?;
    q.before = req
        .before
        .as_deref()
        .map(|c| cursor("before", c))
        .transpose()?;
    q.descending = req.desc.unwrap_or(false);
    q.limit = Some(u64::from(limit));
    let events = store.events(&q)?;
    let total = count_cached(store, &q)?;
    Ok(EventPage { events, total })
}

/// How many events match `q`'s filter, remembered per (store file, log length, chain head,
/// filter): every page of a timeline carries its filter's total, and an append-only log's count
/// for a filter changes only when the log grows (which changes the key). Scrolling through a
/// half-million-event tenant re-counted it with every page (25–61 ms at 10M events).
fn count_cached(store: &Store, q: &EventQuery) -> Result<u64, ApiError> {
    type Key = (PathBuf, i64, [u8; 32], String);
    const KEEP: usize = 64;
    static COUNTS: Mutex<Vec<(Key, u64)>> = Mutex::new(Vec::new());
    let mut filter = q.clone();
    (filter.after, filter.before, filter.limit, filter.descending) = (None, None, None, false);
    let key: Key = (
        store.path().to_owned(),
        store.last_seq(),
        store.head(),
        format!("{filter:?}"),
    );
    let found = COUNTS
        .lock()
        .ok()
        .and_then(|c| c.iter().find(|(k, _)| *k == key).map(|(_, n)| *n));
    if let Some(n) = found {
        return Ok(n);
    }
    let n = store.count(q)?;
    if let Ok(mut c) = COUNTS.lock() {
        if c.len() >= KEEP {
            c.remove(0);
        }
        c.push((key, n));
    }
    Ok(n)
}

/// `event`: one event by `(tenant, id)`, or `not_found`.
pub fn event(store: &Store, req: &EventRequest) -> Result<StoredEvent, ApiError> {
    let tenant = req
        .tenant
        .as_deref()
        .ok_or_else(ApiError::tenant_required)?;
    let id = req
        .id
        .as_deref()
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ApiError::bad_request("id: name the event's id"))?;
    store.event(tenant, id)?.ok_or_else(|| {
        let scope = if tenant.is_empty() {
            "the personal scope".to_owned()
        } else {
            format!("tenant {tenant:?}")
        };
        ApiError::not_found(format!("no event {id:?} in {scope}"))
    })
}

/// `histogram`: events per equal-width bin over `[from, to)`; empty bins included.
pub fn histogram(store: &Store, req: &HistogramRequest) -> Result<Vec<Bucket>, ApiError> {
    let q = req.filter.to_query()?;
    let micros = |name: &str, v: Option<Micros>| {
        let v = v.ok_or_else(|| {
            ApiError::bad_request(format!("{name}: required (µs since the epoch)"))
        })?;
        time::from_epoch_int(i128::from(v), EpochUnit::Micros)
            .map_err(|e| ApiError::bad_request(format!("{name}: {e}")))
    };
    let (from, to) = (micros("from", req.from)?, micros("to", req.to)?);
    if from >= to {
        return Err(ApiError::bad_request(format!(
            "from ({from}) must be before to ({to})"
        )));
    }
    let buckets = in_range("buckets", req.buckets, DEFAULT_BUCKETS, 1..=MAX_BUCKETS)?;
    Ok(store.histogram(&q, from, to, buckets)?)
}

/// `quarantine`: refused records, oldest first.
pub fn quarantine(
    store: &Store,
    req: &QuarantineRequest,
) -> Result<Vec<QuarantineRecord>, ApiError> {
    let limit = in_range(
        "limit",
        req.limit,
        DEFAULT_QUARANTINE_LIMIT,
        1..=MAX_QUARANTINE_LIMIT,
    )?;
    Ok(store.quarantine(Some(u64::from(limit)))?)
}

/// `verify`: re-check the hash chain and every event against its raw bytes.
pub fn verify(store: &Store) -> Result<VerifyReport, ApiError> {
    Ok(store.verify()?)
}

/// `load_demo`: append the deterministic demo data set ([`generate`], seed 42, every dialect),
/// stamped by the system clock. Loading it again adds nothing: the events are duplicates.
pub fn load_demo(store: &mut Store, req: &LoadDemoRequest) -> Result<IngestSummary, ApiError> {
    let events = in_range(
        "events",
        req.events,
        DEFAULT_DEMO_EVENTS,
        1..=MAX_DEMO_EVENTS,
    )?;
    let cfg = GenConfig {
        events: u64::from(events),
        ..GenConfig::default()
    };
    let name = format!("demo (seed {}, {events} events)", cfg.seed);
    // Generated and ingested at once through a bounded pipe: memory stays flat at any size.
    let (reader, writer) = pipe();
    let file = std::thread::scope(|scope| {
        let generator = scope.spawn(move || generate::generate(&cfg, writer));
        let ingested = ingest::ingest_reader(
            store,
            reader,
            &name,
            None,
            &IngestOptions::default(),
            &mut |_| {},
        );
        let generated = generator.join().expect("the generator does not panic");
        // An ingest error stops the generator too (its pipe breaks): report the ingest's.
        let file = ingested?;
        generated.map_err(|e| ApiError::new("internal", format!("generating demo data: {e}")))?;
        Ok::<_, ApiError>(file)
    })?;
    store.catch_up_derived(|_, _| {})?;
    Ok(IngestSummary {
        accepted: file.accepted,
        duplicates: file.duplicates,
        quarantined: file.quarantined,
        files: vec![file],
    })
}

/// `ingest_files` (desktop only): ingest files and directories, in order. `progress` hears
/// where it is at most every [`PROGRESS_INTERVAL`], and once more when each file is done.
pub fn ingest_files(
    store: &mut Store,
    req: &IngestFilesRequest,
    progress: &mut dyn FnMut(&IngestProgress),
) -> Result<IngestSummary, ApiError> {
    if req.paths.is_empty() {
        return Err(ApiError::bad_request("paths: name at least one file"));
    }
    let paths: Vec<PathBuf> = req.paths.iter().map(PathBuf::from).collect();
    let mut last: Option<(Instant, IngestProgress)> = None;
    let mut throttled = |p: &Progress| {
        let now = Instant::now();
        let notice = IngestProgress::from(p);
        let done = p.bytes_total.is_some_and(|total| p.bytes_read >= total);
        let due = match &last {
            // The end of a file is always told, once: when all of it is committed.
            _ if done => {
                p.committed == p.file.accepted && last.as_ref().is_none_or(|(_, s)| *s != notice)
            }
            None => true,
            Some((at, _)) => now.duration_since(*at) >= PROGRESS_INTERVAL,
        };
        if due {
            progress(&notice);
            last = Some((now, notice));
        }
    };
    let summary = ingest::ingest_paths(store, &paths, &IngestOptions::default(), &mut throttled)?;
    // Searchable when the import says done (the text index is derived, so it follows the log).
    store.catch_up_derived(|_, _| {})?;
    Ok(summary)
}

/// `value`, or `default` when absent, checked against `range`.
fn in_range(
    name: &str,
    value: Option<u32>,
    default: u32,
    range: std::ops::RangeInclusive<u32>,
) -> Result<u32, ApiError> {
    let v = value.unwrap_or(default);
    if range.contains(&v) {
        Ok(v)
    } else {
        Err(ApiError::bad_request(format!(
            "{name}: {v} is out of range {}–{}",
            range.start(),
            range.end()
        )))
    }
}

/// Reads a keyset cursor `"<occurred_at_us>:<seq>"`.
fn cursor(name: &str, s: &str) -> Result<(Micros, i64), ApiError> {
    s.rsplit_once(':')
        .and_then(|(at, seq)| Some((at.trim().parse().ok()?, seq.trim().parse().ok()?)))
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "{name}: {s:?} is not a cursor \"<occurred_at_us>:<seq>\""
            ))
        })
}

/// A bounded in-memory pipe (std's `io::pipe` needs a newer compiler than the core's floor).
fn pipe() -> (PipeReader, PipeWriter) {
    let (tx, rx) = sync_channel(4);
    (
        PipeReader {
            rx,
            chunk: Vec::new(),
            at: 0,
        },
        PipeWriter(tx),
    )
}

struct PipeWriter(SyncSender<Vec<u8>>);

impl Write for PipeWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !buf.is_empty() {
            self.0
                .send(buf.to_vec())
                .map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

struct PipeReader {
    rx: Receiver<Vec<u8>>,
    chunk: Vec<u8>,
    at: usize,
}

impl Read for PipeReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.chunk.len() {
            match self.rx.recv() {
                Ok(chunk) => (self.chunk, self.at) = (chunk, 0),
                Err(_) => return Ok(0), // the writer is done
            }
        }
        let n = buf.len().min(self.chunk.len() - self.at);
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

// ---------------------------------------------------------------------------------------------
// Lenient parameters
// ---------------------------------------------------------------------------------------------

/// Numbers and flags that read the same from a query string (`limit=50`, `desc=true`) and from
/// JSON (`50`, `true`). Also needed for JSON alone: serde's `flatten` hands fields over as
/// untyped content, which the plain integer deserializers refuse from a query string.
pub mod de {
    /// A whole number, from a JSON number or a decimal string; `null` or absent is `None`.
    /// For `#[serde(default, with = "de::number")]`.
    pub mod number {
        use std::fmt::Display;
        use std::str::FromStr;

        use serde::de::Error;
        use serde::{Deserialize, Deserializer};
        use serde_json::Value;

        /// See [the module](self).
        pub fn deserialize<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
        where
            D: Deserializer<'de>,
            T: FromStr + TryFrom<i64> + TryFrom<u64>,
            <T as FromStr>::Err: Display,
        {
            match Option::<Value>::deserialize(d)? {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Number(n)) => n
                    .as_i64()
                    .and_then(|v| T::try_from(v).ok())
                    .or_else(|| n.as_u64().and_then(|v| T::try_from(v).ok()))
                    .map(Some)
                    .ok_or_else(|| D::Error::custom(format!("{n} is not a whole number in range"))),
                Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|e| {
                    D::Error::custom(format!("{s:?} is not a whole number in range: {e}"))
                }),
                Some(other) => Err(D::Error::custom(format!(
                    "expected a whole number, found {other}"
                ))),
            }
        }
    }

    /// A boolean, from JSON `true`/`false` or the strings `true`/`false`/`1`/`0`.
    /// For `#[serde(default, with = "de::flag")]`.
    pub mod flag {
        use serde::de::Error;
        use serde::{Deserialize, Deserializer};
        use serde_json::Value;

        /// See [the module](self).
        pub fn deserialize<'de, D>(d: D) -> Result<Option<bool>, D::Error>
        where
            D: Deserializer<'de>,
        {
            match Option::<Value>::deserialize(d)? {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Bool(b)) => Ok(Some(b)),
                Some(Value::String(s)) => match s.trim() {
                    "true" | "1" => Ok(Some(true)),
                    "false" | "0" => Ok(Some(false)),
                    _ => Err(D::Error::custom(format!("{s:?} is not true or false"))),
                },
                Some(other) => Err(D::Error::custom(format!(
                    "expected true or false, found {other}"
                ))),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The TypeScript shape of arbitrary JSON
// ---------------------------------------------------------------------------------------------

/// The TypeScript shape of a `serde_json::Value` (payloads, subject attributes): only its
/// generated TypeScript is used, through `#[ts(as = …)]`.
pub mod wire {
    use std::collections::BTreeMap;

    use serde::Serialize;
    use ts_rs::TS;

    /// Any JSON value, as parsed.
    #[derive(Debug, Clone, PartialEq, Serialize, TS)]
    #[ts(export_to = "../../ui/src/bindings/")]
    #[serde(untagged)]
    pub enum JsonValue {
        /// `null`.
        Null(()),
        /// `true` / `false`.
        Bool(bool),
        /// Any number (integers past 2^53 lose precision in JavaScript).
        Number(f64),
        /// A string.
        String(String),
        /// An array.
        Array(Vec<JsonValue>),
        /// An object.
        Object(BTreeMap<String, JsonValue>),
    }
}

mod graph;
pub use graph::*;
mod bundle;
mod session;
pub use bundle::*;
pub use session::*;
// Approvals, executions and replay (issue #4).
mod approvals;
mod replay;
pub use approvals::*;
pub use replay::*;

#[cfg(test)]
mod tests;

mod live;
pub use live::*;
mod sources;
pub use sources::*;
