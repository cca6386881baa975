//! Live sources hosted by the process that serves the UI (`trailview serve`, the desktop app):
//! a socket listener and folder watchers started and stopped on demand, through the process's
//! one live writer, and remembered in the store so they come back on the next launch.
//!
//! ## What it reuses
//! The listener is [`Listener`] (the protocol, tokens, limits, acks after commit and
//! back-pressure of `trailview listen`), the watchers are [`Watch`] (checkpoints in the same
//! transaction as the events), and both write through one [`LiveWriter`] — the same writer
//! `serve --ingest` takes HTTP events through ([`LiveHost::writer`]). The writer starts with
//! the first source (or the first ask) and stops with [`LiveHost::shutdown`].
//!
//! ## Threads
//! The listener runs on its own thread with its own tokio runtime: it does not depend on the
//! caller's runtime (the server's, Tauri's), and stopping it drops its runtime outside any
//! async context. Each watcher is a thread ([`Watch::run`]). Every method here blocks briefly
//! (binding a socket, joining a thread): call it from a blocking context (`spawn_blocking`).
//!
//! ## Remembered
//! `meta.live_listener` (JSON `{tcp, unix, allow_remote}`, absent when off) and
//! `meta.live_watches` (JSON `[{dir, glob}]`). A start that fails is not remembered (the state
//! stays off); [`LiveHost::restore`] starts what was remembered and reports what could not
//! start (a port now taken) in the status, keeping the wish for the next launch.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::listen::{ListenOptions, ListenStats, Listener};
use super::watch::{Watch, WatchOptions, WatchStats};
use super::writer::{LiveWriter, WriterOptions, WriterThread};
use super::LiveError;
use crate::time::Micros;

/// The remembered listener.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListenerConfig {
    /// TCP address (`127.0.0.1:PORT`); the bound one, so a port 0 comes back as the port it got.
    pub tcp: Option<String>,
    /// Unix socket path.
    pub unix: Option<String>,
    /// A non-loopback TCP address was asked for explicitly.
    #[serde(default)]
    pub allow_remote: bool,
}

/// A remembered watched folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchConfig {
    /// The folder (absolute).
    pub dir: String,
    /// Which file names count (`None`: `*.ndjson` and `*.jsonl`).
    pub glob: Option<String>,
}

struct RunningListener {
    config: ListenerConfig,
    started_at: Micros,
    stats: Arc<ListenStats>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

struct RunningWatch {
    config: WatchConfig,
    started_at: Micros,
    stats: Arc<WatchStats>,
    stop: Arc<AtomicBool>,
    error: Arc<Mutex<Option<String>>>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Default)]
struct Inner {
    writer: Option<(LiveWriter, WriterThread)>,
    listener: Option<RunningListener>,
    /// What could not (re)start, or why the listener stopped on its own.
    listener_error: Option<String>,
    /// The listener's last configuration (running, stopped, or remembered but not started):
    /// what the UI offers to start again.
    listener_last: Option<ListenerConfig>,
    watches: BTreeMap<String, RunningWatch>,
    /// Remembered folders that could not start, with why.
    watch_errors: BTreeMap<String, (WatchConfig, String)>,
    closed: bool,
}

/// The listener as the status shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ListenerSnapshot {
    /// Running now.
    pub on: bool,
    /// Its configuration: running, or (off) the last one this process used or restored.
    pub config: Option<ListenerConfig>,
    /// When it started.
    pub started_at: Option<Micros>,
    /// Its counters.
    pub counts: super::listen::ListenCounts,
    /// What went wrong last.
    pub error: Option<String>,
}

/// A watched folder as the status shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchSnapshot {
    /// Its configuration.
    pub config: WatchConfig,
    /// Following the folder now.
    pub running: bool,
    /// When it started.
    pub started_at: Option<Micros>,
    /// Its counters.
    pub counts: super::watch::WatchCounts,
    /// Why it stopped, or could not start.
    pub error: Option<String>,
}

/// Live sources hosted by this process (see the module's documentation).
pub struct LiveHost {
    path: PathBuf,
    inner: Mutex<Inner>,
}

const KEY_LISTENER: &str = "live_listener";
const KEY_WATCHES: &str = "live_watches";

/// `127.0.0.1:PORT`, `[::1]:PORT` or `localhost:PORT`.
pub fn parse_tcp_addr(s: &str) -> Result<SocketAddr, LiveError> {
    let s = s.trim();
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    if let Some(port) = s.strip_prefix("localhost:") {
        if let Ok(port) = port.parse::<u16>() {
            return Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port));
        }
    }
    Err(LiveError::Config(format!(
        "{s:?} is not an address: write it as 127.0.0.1:PORT"
    )))
}

impl LiveHost {
    /// A host for the store at `path`; nothing runs until asked (or [`LiveHost::restore`]).
    pub fn new(path: &Path) -> LiveHost {
        LiveHost {
            path: path.to_owned(),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The store file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The process's live writer, started on first use.
    pub fn writer(&self) -> Result<LiveWriter, LiveError> {
        let mut inner = self.lock();
        Self::writer_in(&self.path, &mut inner)
    }

    fn writer_in(path: &Path, inner: &mut Inner) -> Result<LiveWriter, LiveError> {
        if inner.closed {
            return Err(LiveError::WriterGone);
        }
        if let Some((w, _)) = &inner.writer {
            return Ok(w.clone());
        }
        let (w, t) = LiveWriter::start(path, WriterOptions::default())?;
        inner.writer = Some((w.clone(), t));
        Ok(w)
    }

    /// The writer's counters, when it runs.
    pub fn writer_handle(&self) -> Option<LiveWriter> {
        self.lock().writer.as_ref().map(|(w, _)| w.clone())
    }

    /// Start the listener (one per host: `already_listening` otherwise) and remember it.
    /// TCP must be loopback unless `config.allow_remote`. A failure leaves it off and
    /// remembers nothing.
    pub fn start_listener(&self, config: &ListenerConfig) -> Result<(), LiveError> {
        let mut inner = self.lock();
        if inner.listener.is_some() {
            return Err(LiveError::Config(
                "the listener is already on: stop it first to change its address".into(),
            ));
        }
        let running = self.spawn_listener(&mut inner, config);
        match running {
            Ok(r) => {
                let remembered = r.config.clone();
                inner.listener_last = Some(remembered.clone());
                inner.listener = Some(r);
                inner.listener_error = None;
                drop(inner);
                self.remember(KEY_LISTENER, Some(&remembered))
            }
            Err(e) => Err(e),
        }
    }

    fn spawn_listener(
        &self,
        inner: &mut Inner,
        config: &ListenerConfig,
    ) -> Result<RunningListener, LiveError> {
        let tcp = config
            .tcp
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(parse_tcp_addr)
            .transpose()?;
        let unix = config
            .unix
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(PathBuf::from);
        let opts = ListenOptions {
            tcp,
            unix: unix.clone(),
            allow_remote: config.allow_remote,
            ..ListenOptions::default()
        };
        if opts.tcp.is_none() && opts.unix.is_none() {
            return Err(LiveError::Config(
                "nothing to listen on: give a TCP address (127.0.0.1:PORT) and/or a Unix socket \
                 path"
                    .into(),
            ));
        }
        if let Some(addr) = opts.tcp {
            if !addr.ip().is_loopback() && !opts.allow_remote {
                return Err(LiveError::Config(format!(
                    "refusing to listen on {}: that address is reachable from other machines; \
                     use 127.0.0.1, or ask for allow_remote explicitly if that is really what \
                     you want",
                    addr.ip()
                )));
            }
        }
        let writer = Self::writer_in(&self.path, inner)?;
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("trailview-listener".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("trailview-listener-io")
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(LiveError::Io(format!(
                            "cannot start the listener's runtime: {e}"
                        ))));
                        return;
                    }
                };
                rt.block_on(async move {
                    let listener = match Listener::bind(writer, opts).await {
                        Ok(l) => l,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok((listener.tcp_addr(), listener.stats())));
                    let _ = listener
                        .run(async move {
                            let _ = stop_rx.await;
                        })
                        .await;
                });
                // Open connections go with the runtime: their unacknowledged records are for
                // their clients to send again (docs/PROTOCOL.md).
                rt.shutdown_timeout(Duration::from_secs(2));
            })
            .map_err(|e| LiveError::Io(format!("cannot start the listener thread: {e}")))?;
        match ready_rx.recv() {
            Ok(Ok((addr, stats))) => Ok(RunningListener {
                config: ListenerConfig {
                    tcp: addr.map(|a| a.to_string()),
                    unix: unix.map(|p| p.display().to_string()),
                    allow_remote: config.allow_remote,
                },
                started_at: chrono::Utc::now().timestamp_micros(),
                stats,
                stop: Some(stop_tx),
                thread: Some(thread),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => {
                let _ = thread.join();
                Err(LiveError::Io("the listener thread failed to start".into()))
            }
        }
    }

    /// Stop the listener (open connections are closed; their unacknowledged records are for
    /// the clients to send again) and remember it off. Stopping a stopped listener is fine.
    pub fn stop_listener(&self) -> Result<(), LiveError> {
        let running = {
            let mut inner = self.lock();
            inner.listener_error = None;
            inner.listener.take()
        };
        if let Some(r) = running {
            stop_listener(r);
        }
        self.remember::<ListenerConfig>(KEY_LISTENER, None)
    }

    /// Follow the NDJSON files of `dir` (absolute; files matching `glob`, default `*.ndjson`
    /// and `*.jsonl`) through the writer, from the store's checkpoints, and remember it.
    pub fn add_watch(&self, dir: &str, glob: Option<&str>) -> Result<WatchConfig, LiveError> {
        let path = Path::new(dir.trim());
        if !path.is_absolute() {
            return Err(LiveError::Config(format!(
                "{dir:?} is not an absolute path: name the folder from the root (/home/…, C:\\…)"
            )));
        }
        let canonical = std::fs::canonicalize(path)
            .map_err(|e| LiveError::Config(format!("cannot watch {}: {e}", path.display())))?;
        let config = WatchConfig {
            dir: canonical.display().to_string(),
            glob: glob
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(str::to_owned),
        };
        let mut inner = self.lock();
        if inner.watches.contains_key(&config.dir) {
            return Err(LiveError::Config(format!(
                "{} is already watched",
                config.dir
            )));
        }
        let running = Self::spawn_watch(&self.path, &mut inner, &config)?;
        inner.watches.insert(config.dir.clone(), running);
        inner.watch_errors.remove(&config.dir);
        let list = Self::watch_list(&inner);
        drop(inner);
        self.remember(KEY_WATCHES, Some(&list))?;
        Ok(config)
    }

    fn watch_list(inner: &Inner) -> Vec<WatchConfig> {
        let mut list: Vec<WatchConfig> = inner.watches.values().map(|w| w.config.clone()).collect();
        // Remembered folders that could not start stay remembered.
        list.extend(inner.watch_errors.values().map(|(c, _)| c.clone()));
        list.sort_by(|a, b| a.dir.cmp(&b.dir));
        list
    }

    fn spawn_watch(
        path: &Path,
        inner: &mut Inner,
        config: &WatchConfig,
    ) -> Result<RunningWatch, LiveError> {
        let writer = Self::writer_in(path, inner)?;
        let mut w = Watch::new(
            writer,
            WatchOptions {
                dirs: vec![PathBuf::from(&config.dir)],
                globs: config.glob.iter().cloned().collect(),
                poll: Duration::from_secs(1),
            },
        )?;
        let stats = w.stats();
        let stop = Arc::new(AtomicBool::new(false));
        let error = Arc::new(Mutex::new(None));
        let thread = {
            let (stop, error) = (stop.clone(), error.clone());
            std::thread::Builder::new()
                .name("trailview-watch".into())
                .spawn(move || {
                    if let Err(e) = w.run(stop) {
                        if let Ok(mut slot) = error.lock() {
                            *slot = Some(e.to_string());
                        }
                    }
                })
                .map_err(|e| LiveError::Io(format!("cannot start the watcher thread: {e}")))?
        };
        Ok(RunningWatch {
            config: config.clone(),
            started_at: chrono::Utc::now().timestamp_micros(),
            stats,
            stop,
            error,
            thread: Some(thread),
        })
    }

    /// Stop following `dir` (what was committed is checkpointed) and forget it.
    pub fn remove_watch(&self, dir: &str) -> Result<(), LiveError> {
        let key = std::fs::canonicalize(dir.trim())
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| dir.trim().to_owned());
        let mut inner = self.lock();
        let running = inner
            .watches
            .remove(&key)
            .or_else(|| inner.watches.remove(dir.trim()));
        let forgot = inner.watch_errors.remove(&key).is_some()
            || inner.watch_errors.remove(dir.trim()).is_some();
        if running.is_none() && !forgot {
            return Err(LiveError::Config(format!("{dir} is not watched")));
        }
        let list = Self::watch_list(&inner);
        drop(inner);
        if let Some(w) = running {
            stop_watch(w);
        }
        self.remember(KEY_WATCHES, Some(&list))
    }

    /// Start what the store remembers (on launch). What cannot start is shown in the status
    /// and stays remembered; the errors are also returned, for a log line.
    pub fn restore(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let (listener, watches) = match self.remembered() {
            Ok(v) => v,
            Err(e) => return vec![format!("cannot read the remembered live sources: {e}")],
        };
        if let Some(cfg) = listener {
            let mut inner = self.lock();
            if inner.listener.is_none() {
                inner.listener_last = Some(cfg.clone());
                match self.spawn_listener(&mut inner, &cfg) {
                    Ok(r) => inner.listener = Some(r),
                    Err(e) => {
                        let msg = format!("could not start the remembered listener again: {e}");
                        problems.push(msg.clone());
                        inner.listener_error = Some(msg);
                    }
                }
            }
        }
        for cfg in watches {
            let mut inner = self.lock();
            if inner.watches.contains_key(&cfg.dir) {
                continue;
            }
            match Self::spawn_watch(&self.path, &mut inner, &cfg) {
                Ok(r) => {
                    inner.watches.insert(cfg.dir.clone(), r);
                }
                Err(e) => {
                    let msg = format!("could not watch {} again: {e}", cfg.dir);
                    problems.push(msg.clone());
                    inner.watch_errors.insert(cfg.dir.clone(), (cfg, msg));
                }
            }
        }
        problems
    }

    /// What the store remembers: the listener (when it was on) and the watched folders.
    pub fn remembered(&self) -> Result<(Option<ListenerConfig>, Vec<WatchConfig>), LiveError> {
        let conn = self.connect()?;
        let get = |key: &str| -> Result<Option<String>, LiveError> {
            conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| {
                r.get::<_, String>(0)
            })
            .optional()
            .map_err(sql_err)
        };
        let listener = match get(KEY_LISTENER)? {
            Some(v) => serde_json::from_str(&v).ok(),
            None => None,
        };
        let watches = match get(KEY_WATCHES)? {
            Some(v) => serde_json::from_str(&v).unwrap_or_default(),
            None => Vec::new(),
        };
        Ok((listener, watches))
    }

    fn connect(&self) -> Result<Connection, LiveError> {
        // Through `Store::open`: creates and migrates the store if this is its first use.
        drop(crate::store::Store::open(&self.path)?);
        let conn = Connection::open(&self.path).map_err(sql_err)?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(sql_err)?;
        Ok(conn)
    }

    fn remember<T: Serialize>(&self, key: &str, value: Option<&T>) -> Result<(), LiveError> {
        let conn = self.connect()?;
        match value {
            Some(v) => {
                let json = serde_json::to_string(v).expect("settings serialize");
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    params![key, json],
                )
            }
            None => conn.execute("DELETE FROM meta WHERE key = ?1", [key]),
        }
        .map_err(sql_err)?;
        Ok(())
    }

    /// The listener now.
    pub fn listener(&self) -> ListenerSnapshot {
        let mut inner = self.lock();
        // A listener thread that ended on its own (it cannot, short of a panic) is reported.
        if inner
            .listener
            .as_ref()
            .is_some_and(|l| l.thread.as_ref().is_some_and(JoinHandle::is_finished))
        {
            let r = inner.listener.take().expect("checked");
            inner.listener_error = Some("the listener stopped unexpectedly".into());
            stop_listener(r);
        }
        match &inner.listener {
            Some(l) => ListenerSnapshot {
                on: true,
                config: Some(l.config.clone()),
                started_at: Some(l.started_at),
                counts: l.stats.snapshot(),
                error: None,
            },
            None => ListenerSnapshot {
                on: false,
                config: inner.listener_last.clone(),
                started_at: None,
                counts: Default::default(),
                error: inner.listener_error.clone(),
            },
        }
    }

    /// The watched folders now, by path.
    pub fn watches(&self) -> Vec<WatchSnapshot> {
        let inner = self.lock();
        let mut out: Vec<WatchSnapshot> = inner
            .watches
            .values()
            .map(|w| {
                let finished = w.thread.as_ref().is_none_or(JoinHandle::is_finished);
                WatchSnapshot {
                    config: w.config.clone(),
                    running: !finished,
                    started_at: Some(w.started_at),
                    counts: w.stats.snapshot(),
                    error: w.error.lock().ok().and_then(|e| e.clone()),
                }
            })
            .collect();
        out.extend(inner.watch_errors.values().map(|(c, e)| WatchSnapshot {
            config: c.clone(),
            running: false,
            started_at: None,
            counts: Default::default(),
            error: Some(e.clone()),
        }));
        out.sort_by(|a, b| a.config.dir.cmp(&b.config.dir));
        out
    }

    /// Stop every source and the writer (after what is queued is written). For the end of the
    /// process; what is remembered stays remembered. Waits at most ~10 s for the writer.
    pub fn shutdown(&self) {
        let (listener, watches, writer) = {
            let mut inner = self.lock();
            inner.closed = true;
            (
                inner.listener.take(),
                std::mem::take(&mut inner.watches),
                inner.writer.take(),
            )
        };
        if let Some(l) = listener {
            stop_listener(l);
        }
        for w in watches.into_values() {
            stop_watch(w);
        }
        if let Some((w, t)) = writer {
            drop(w);
            // The writer stops once every handle is gone (the server's routes hold some until
            // they are dropped): wait for it, but not forever.
            let (tx, rx) = std::sync::mpsc::channel();
            let _ = std::thread::Builder::new()
                .name("trailview-writer-join".into())
                .spawn(move || {
                    t.join();
                    let _ = tx.send(());
                });
            let _ = rx.recv_timeout(Duration::from_secs(10));
        }
    }
}

impl Drop for LiveHost {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn stop_listener(mut r: RunningListener) {
    if let Some(s) = r.stop.take() {
        let _ = s.send(());
    }
    if let Some(t) = r.thread.take() {
        let _ = t.join();
    }
}

fn stop_watch(mut w: RunningWatch) {
    w.stop.store(true, Ordering::Relaxed);
    if let Some(t) = w.thread.take() {
        // The watcher checks its flag between batches and wakes at least every poll (1 s).
        let _ = t.join();
    }
}

fn sql_err(e: rusqlite::Error) -> LiveError {
    LiveError::from(crate::store::StoreError::from(e))
}
