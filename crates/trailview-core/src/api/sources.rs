//! Live sources the UI starts and stops (`start_listener`, `stop_listener`, `add_watch`,
//! `remove_watch`), hosted by the process serving it ([`LiveHost`]), and the sources other
//! processes publish (`trailview listen` / `watch`, [`crate::live::sources`]), for `live_status`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::live::host::{ListenerConfig, LiveHost};
use crate::live::sources::STALE_AFTER;
use crate::live::LiveError;
use crate::store::Store;

use super::{live_status, writer_status, ApiError, LiveStatus};

/// `start_listener`: a socket listener in this process (the `trailview listen` protocol).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct StartListenerRequest {
    /// TCP address, `127.0.0.1:PORT` (port 0 picks one); a token is required on it.
    #[serde(default)]
    #[ts(optional)]
    pub tcp: Option<String>,
    /// Unix socket path (file mode 0600; no token).
    #[serde(default)]
    #[ts(optional)]
    pub unix: Option<String>,
    /// Allow a TCP address other machines can reach (never implied).
    #[serde(default)]
    #[ts(optional)]
    pub allow_remote: Option<bool>,
}

/// `add_watch`: follow a folder's NDJSON files in this process.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct AddWatchRequest {
    /// The folder, as an absolute path.
    pub dir: String,
    /// Which file names count (default `*.ndjson` and `*.jsonl`).
    #[serde(default)]
    #[ts(optional)]
    pub glob: Option<String>,
}

/// `remove_watch`: stop following a folder.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct RemoveWatchRequest {
    /// The folder, as `add_watch` answered it (or as given).
    pub dir: String,
}

/// The sources this process hosts (the answer of the four operations, and `live_status.host`).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct HostStatus {
    /// The socket listener.
    pub listener: ListenerStatus,
    /// Watched folders, by path.
    pub watches: Vec<WatchStatus>,
}

/// The hosted listener.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct ListenerStatus {
    /// Listening now.
    pub on: bool,
    /// The TCP address bound (with the port chosen for port 0); when off, the one it last had
    /// in this process (what the UI offers to start again), if any.
    pub tcp: Option<String>,
    /// The Unix socket path (when off: the last one, likewise).
    pub unix: Option<String>,
    /// A non-loopback address was allowed.
    pub allow_remote: bool,
    /// When it started (RFC 3339).
    pub started_at: Option<String>,
    /// Connections open now.
    #[ts(type = "number")]
    pub connections_open: u64,
    /// Connections accepted since it started.
    #[ts(type = "number")]
    pub connections: u64,
    /// Records received since it started.
    #[ts(type = "number")]
    pub records: u64,
    /// Connections refused for a bad or missing token.
    #[ts(type = "number")]
    pub unauthorized: u64,
    /// Why it is off when it should be on (a remembered port now taken), if so.
    pub error: Option<String>,
}

/// A hosted watched folder.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct WatchStatus {
    /// The folder.
    pub dir: String,
    /// Its file-name glob (`null`: `*.ndjson`, `*.jsonl`).
    pub glob: Option<String>,
    /// Following it now.
    pub running: bool,
    /// When it started (RFC 3339).
    pub started_at: Option<String>,
    /// Files followed.
    #[ts(type = "number")]
    pub files: u64,
    /// Records stored.
    #[ts(type = "number")]
    pub accepted: u64,
    /// Records already stored.
    #[ts(type = "number")]
    pub duplicates: u64,
    /// Records quarantined.
    #[ts(type = "number")]
    pub rejected: u64,
    /// Why it stopped or could not start.
    pub error: Option<String>,
}

/// A source another process runs (`trailview listen`, `trailview watch`), as it last published.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct ProcessSource {
    /// `listen` or `watch`.
    pub kind: String,
    /// What it listens on or watches.
    pub address: String,
    /// Its process id.
    #[ts(type = "number")]
    pub pid: i64,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// Its last heartbeat (RFC 3339).
    pub heartbeat_at: String,
    /// Seconds since that heartbeat, when it was read.
    pub heartbeat_age_s: f64,
    /// `running`, `stale` (no heartbeat for over 5 s: killed or hung), or `stopped` (ended on
    /// an error, in `last_error`).
    pub state: String,
    /// Records stored.
    #[ts(type = "number")]
    pub accepted: u64,
    /// Records already stored.
    #[ts(type = "number")]
    pub duplicates: u64,
    /// Records quarantined.
    #[ts(type = "number")]
    pub rejected: u64,
    /// Records per second over the last ~10 s.
    pub rate_per_s: f64,
    /// The last failure it reported.
    pub last_error: Option<String>,
}

fn live_err(e: LiveError) -> ApiError {
    ApiError::new(e.code(), e.to_string())
}

/// The hosted sources now.
pub fn host_status(host: &LiveHost) -> HostStatus {
    let l = host.listener();
    let cfg = l.config.clone().unwrap_or(ListenerConfig {
        tcp: None,
        unix: None,
        allow_remote: false,
    });
    HostStatus {
        listener: ListenerStatus {
            on: l.on,
            tcp: cfg.tcp,
            unix: cfg.unix,
            allow_remote: cfg.allow_remote,
            started_at: l.started_at.map(crate::time::format_us),
            connections_open: l.counts.open,
            connections: l.counts.accepted,
            records: l.counts.records,
            unauthorized: l.counts.unauthorized,
            error: l.error,
        },
        watches: host
            .watches()
            .into_iter()
            .map(|w| WatchStatus {
                dir: w.config.dir,
                glob: w.config.glob,
                running: w.running,
                started_at: w.started_at.map(crate::time::format_us),
                files: w.counts.files,
                accepted: w.counts.accepted,
                duplicates: w.counts.duplicates,
                rejected: w.counts.rejected,
                error: w.error,
            })
            .collect(),
    }
}

/// `start_listener`: listen on `tcp` and/or `unix` in this process, through its live writer;
/// remembered for the next launch. Loopback only unless `allow_remote: true`. A taken port is
/// `address_in_use`, and the listener stays off.
pub fn start_listener(host: &LiveHost, req: &StartListenerRequest) -> Result<HostStatus, ApiError> {
    host.start_listener(&ListenerConfig {
        tcp: req.tcp.clone(),
        unix: req.unix.clone(),
        allow_remote: req.allow_remote.unwrap_or(false),
    })
    .map_err(live_err)?;
    Ok(host_status(host))
}

/// `stop_listener`: stop it (open connections close; unacknowledged records are for their
/// clients to send again) and remember it off.
pub fn stop_listener(host: &LiveHost) -> Result<HostStatus, ApiError> {
    host.stop_listener().map_err(live_err)?;
    Ok(host_status(host))
}

/// `add_watch`: follow a folder in this process, from the store's checkpoints; remembered.
pub fn add_watch(host: &LiveHost, req: &AddWatchRequest) -> Result<HostStatus, ApiError> {
    if req.dir.trim().is_empty() {
        return Err(ApiError::bad_request("name the folder to watch: `dir`"));
    }
    host.add_watch(&req.dir, req.glob.as_deref())
        .map_err(live_err)?;
    Ok(host_status(host))
}

/// `remove_watch`: stop following a folder and forget it.
pub fn remove_watch(host: &LiveHost, req: &RemoveWatchRequest) -> Result<HostStatus, ApiError> {
    host.remove_watch(&req.dir).map_err(live_err)?;
    Ok(host_status(host))
}

/// `live_status` of a process hosting live sources: everything [`live_status`] reads, with the
/// host's writer and sources.
pub fn live_status_hosted(store: &Store, host: &LiveHost) -> Result<LiveStatus, ApiError> {
    let writer = host.writer_handle().map(|w| writer_status(&w));
    let mut s = live_status(store, writer)?;
    s.host = Some(host_status(host));
    Ok(s)
}

/// The sources other processes published (newest start first), judged stale or not now.
pub fn process_sources(store: &Store) -> Result<Vec<ProcessSource>, ApiError> {
    let sql = |e: rusqlite::Error| ApiError::from(crate::store::StoreError::from(e));
    let now = chrono::Utc::now().timestamp_micros();
    let mut stmt = store
        .conn()
        .prepare(
            "SELECT kind, address, pid, started_at, heartbeat_at, accepted, duplicates, rejected,
                    rate, last_error, stopped_at
             FROM live_processes ORDER BY started_at DESC LIMIT 200",
        )
        .map_err(sql)?;
    let rows = stmt
        .query_map([], |r| {
            let heartbeat: i64 = r.get(4)?;
            let stopped: Option<i64> = r.get(10)?;
            let age_s = (now - heartbeat).max(0) as f64 / 1e6;
            let state = if stopped.is_some() {
                "stopped"
            } else if age_s > STALE_AFTER.as_secs_f64() {
                "stale"
            } else {
                "running"
            };
            Ok(ProcessSource {
                kind: r.get(0)?,
                address: r.get(1)?,
                pid: r.get(2)?,
                started_at: crate::time::format_us(r.get(3)?),
                heartbeat_at: crate::time::format_us(heartbeat),
                heartbeat_age_s: age_s,
                state: state.to_owned(),
                accepted: r.get::<_, i64>(5)? as u64,
                duplicates: r.get::<_, i64>(6)? as u64,
                rejected: r.get::<_, i64>(7)? as u64,
                rate_per_s: r.get(8)?,
                last_error: r.get(9)?,
            })
        })
        .map_err(sql)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql)?;
    Ok(rows)
}
