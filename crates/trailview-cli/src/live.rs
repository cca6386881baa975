//! `trailview token`, `trailview listen`, `trailview emit`: live ingest (docs/PROTOCOL.md).

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};

use trailview_core::live::listen::{ListenOptions, Listener};
use trailview_core::live::tokens;
use trailview_core::live::writer::{LiveWriter, WriterOptions};
use trailview_core::store::Store;

/// `trailview token …`
#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a write token for one or more tenants; it is printed once and never again.
    Create {
        /// A tenant the token may write (repeat for more; '' is personal events).
        #[arg(long = "tenant", value_name = "TENANT", required = true)]
        tenants: Vec<String>,
        /// A note saying what the token is for.
        #[arg(long, default_value = "")]
        label: String,
        /// Print JSON: {"id","token","tenants","label","created_at"}.
        #[arg(long)]
        json: bool,
    },
    /// List tokens (never the tokens themselves: only their hashes are stored).
    List {
        /// Print JSON (an array).
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token: new connections with it are refused.
    Revoke {
        /// The token's id (see `token list`).
        id: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `trailview listen …`
#[derive(Args)]
pub struct ListenArgs {
    /// TCP address, e.g. 127.0.0.1:7421 (port 0 picks one; a token is required on TCP).
    #[arg(long, value_name = "ADDR")]
    pub tcp: Option<String>,
    /// Unix socket path (file mode 0600; no token: its permissions are the access control).
    #[arg(long, value_name = "PATH")]
    pub unix: Option<PathBuf>,
    /// Allow a TCP address other machines can reach (0.0.0.0 included).
    #[arg(long)]
    pub allow_remote: bool,
    /// Most connections at once.
    #[arg(long, default_value_t = 256)]
    pub max_connections: usize,
    /// Close a connection after this many seconds without a byte.
    #[arg(long, default_value_t = 300.0, value_name = "SECS")]
    pub idle_timeout: f64,
    /// Close a connection whose acks cannot be written for this many seconds (a client that
    /// stopped reading).
    #[arg(long, default_value_t = 30.0, value_name = "SECS")]
    pub ack_timeout: f64,
    /// Also follow the NDJSON files of this folder (repeat for more), through the same writer:
    /// one process, one writer for the store.
    #[arg(long = "watch", value_name = "DIR")]
    pub watch: Vec<PathBuf>,
    /// With --watch: which file names count [default: *.ndjson, *.jsonl].
    #[arg(long = "glob", value_name = "PATTERN", requires = "watch")]
    pub globs: Vec<String>,
}

fn now_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// Run `token …`.
pub fn token(db: &Path, cmd: TokenCommand, out: &mut impl Write) -> Result<()> {
    match cmd {
        TokenCommand::Create {
            tenants,
            label,
            json,
        } => {
            let mut store = Store::open(db)
                .with_context(|| format!("cannot open the store at {}", db.display()))?;
            let (token, info) = tokens::create(&mut store, &tenants, &label, now_us())?;
            if json {
                let mut v = serde_json::to_value(&info)?;
                v["token"] = token.into();
                serde_json::to_writer(&mut *out, &v)?;
                writeln!(out)?;
            } else {
                writeln!(out, "{token}")?;
                eprintln!(
                    "token {} may write tenant(s) {:?}. It is shown this once: only its hash is \
                     stored.",
                    info.id, info.tenants
                );
            }
        }
        TokenCommand::List { json } => {
            let store = Store::open(db)
                .with_context(|| format!("cannot open the store at {}", db.display()))?;
            let list = tokens::list(&store)?;
            if json {
                serde_json::to_writer(&mut *out, &list)?;
                writeln!(out)?;
            } else if list.is_empty() {
                writeln!(
                    out,
                    "no tokens (create one with `trailview token create --tenant T`)"
                )?;
            } else {
                for t in &list {
                    let when = chrono::DateTime::from_timestamp_micros(t.created_at)
                        .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
                        .unwrap_or_default();
                    writeln!(
                        out,
                        "{:>4}  {:<8} {when}  {:?}  {}",
                        t.id,
                        if t.revoked_at.is_some() {
                            "revoked"
                        } else {
                            "active"
                        },
                        t.tenants,
                        t.label
                    )?;
                }
            }
        }
        TokenCommand::Revoke { id, json } => {
            let mut store = Store::open(db)
                .with_context(|| format!("cannot open the store at {}", db.display()))?;
            let info = tokens::revoke(&mut store, id, now_us())?;
            if json {
                serde_json::to_writer(&mut *out, &info)?;
                writeln!(out)?;
            } else {
                writeln!(out, "token {id} revoked")?;
            }
        }
    }
    Ok(())
}

/// `--tcp`: `HOST:PORT` with an IP address or `localhost`.
pub fn parse_addr(s: &str) -> Result<SocketAddr> {
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    if let Some(port) = s.strip_prefix("localhost:") {
        let port: u16 = port.parse().with_context(|| format!("bad port in {s:?}"))?;
        return Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port));
    }
    bail!("{s:?} is not an address: write it as 127.0.0.1:PORT")
}

fn secs(v: f64, what: &str) -> Result<Duration> {
    Duration::try_from_secs_f64(v)
        .with_context(|| format!("{what} must be a positive number of seconds"))
}

/// Run `listen …` until Ctrl-C / SIGTERM.
pub fn listen(db: &Path, a: ListenArgs, out: &mut impl Write) -> Result<()> {
    let opts = ListenOptions {
        tcp: a.tcp.as_deref().map(parse_addr).transpose()?,
        unix: a.unix.clone(),
        allow_remote: a.allow_remote,
        max_connections: a.max_connections,
        idle_timeout: secs(a.idle_timeout, "--idle-timeout")?,
        ack_timeout: secs(a.ack_timeout, "--ack-timeout")?,
        ..ListenOptions::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the listener's runtime")?;
    let (writer, thread) = LiveWriter::start(db, WriterOptions::default())
        .with_context(|| format!("cannot open the store at {}", db.display()))?;
    let stats = writer.clone();
    let watch_stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = if a.watch.is_empty() {
        None
    } else {
        use trailview_core::live::watch::{Watch, WatchOptions};
        let mut w = Watch::new(
            writer.clone(),
            WatchOptions {
                dirs: a.watch.clone(),
                globs: a.globs.clone(),
                poll: Duration::from_secs(1),
            },
        )?;
        let stop = watch_stop.clone();
        Some(std::thread::spawn(move || w.run(stop)))
    };
    let served = runtime.block_on(async {
        let listener = Listener::bind(writer, opts).await?;
        if let Some(addr) = listener.tcp_addr() {
            writeln!(out, "listening on tcp {addr}")?;
        }
        if let Some(p) = &a.unix {
            writeln!(out, "listening on unix {}", p.display())?;
        }
        for d in &a.watch {
            writeln!(out, "watching {}", d.display())?;
        }
        // Catch Ctrl-C / SIGTERM from now on (the handlers are installed on the first poll),
        // so a signal after the "store" line always ends in a clean exit.
        let shutdown = trailview_server::shutdown_signal();
        tokio::pin!(shutdown);
        tokio::select! {
            biased;
            () = &mut shutdown => {}
            () = std::future::ready(()) => {}
        }
        let counts = listener.stats();
        let mut address: Vec<String> = Vec::new();
        if let Some(addr) = listener.tcp_addr() {
            address.push(format!("tcp {addr}"));
        }
        if let Some(p) = &a.unix {
            address.push(format!("unix {}", p.display()));
        }
        address.extend(a.watch.iter().map(|d| format!("watch {}", d.display())));
        // Published before the "store" line: once that is printed, the Sources view lists it.
        let publisher = publish(db, "listen", address.join(", "), stats.clone());
        writeln!(out, "store {} (Ctrl-C to stop)", db.display())?;
        out.flush()?;
        let ran = listener.run(shutdown).await;
        if let Some(p) = publisher {
            p.finish(ran.as_ref().err().map(ToString::to_string));
        }
        ran?;
        let c = counts.snapshot();
        let w = stats.stats();
        use std::sync::atomic::Ordering::Relaxed;
        eprintln!(
            "stopped: {} connections, {} records: {} accepted, {} duplicate, {} rejected",
            c.accepted,
            c.records,
            w.accepted.load(Relaxed),
            w.duplicates.load(Relaxed),
            w.rejected.load(Relaxed)
        );
        anyhow::Ok(())
    });
    watch_stop.store(true, std::sync::atomic::Ordering::Relaxed);
    if let Some(w) = watcher {
        match w.join() {
            Ok(r) => r?,
            Err(_) => bail!("the watcher failed"),
        }
    }
    served?;
    drop(stats);
    drop(runtime);
    thread.join();
    Ok(())
}

/// `trailview watch …`
#[derive(Args)]
pub struct WatchArgs {
    /// Folders whose files to follow.
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Which file names count (repeat for more) [default: *.ndjson, *.jsonl].
    #[arg(long = "glob", value_name = "PATTERN")]
    pub globs: Vec<String>,
    /// Rescan this often even without a change notification (network file systems).
    #[arg(long, default_value_t = 1.0, value_name = "SECS")]
    pub poll: f64,
    /// Print the summary as JSON when stopped.
    #[arg(long)]
    pub json: bool,
}

/// Run `watch …` until Ctrl-C / SIGTERM.
pub fn watch(db: &Path, a: WatchArgs, out: &mut impl Write) -> Result<()> {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use trailview_core::live::watch::{Watch, WatchOptions};

    let (writer, thread) = LiveWriter::start(db, WriterOptions::default())
        .with_context(|| format!("cannot open the store at {}", db.display()))?;
    let mut w = Watch::new(
        writer,
        WatchOptions {
            dirs: a.dirs.clone(),
            globs: a.globs.clone(),
            poll: secs(a.poll, "--poll")?,
        },
    )?;
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the signal handler")?;
        let (armed_tx, armed) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            rt.block_on(async {
                // The handlers are installed on the first poll: say when that happened.
                let shutdown = trailview_server::shutdown_signal();
                tokio::pin!(shutdown);
                tokio::select! {
                    biased;
                    () = &mut shutdown => {
                        stop.store(true, Ordering::Relaxed);
                        let _ = armed_tx.send(());
                        return;
                    }
                    () = std::future::ready(()) => {}
                }
                let _ = armed_tx.send(());
                shutdown.await;
            });
            stop.store(true, Ordering::Relaxed);
        });
        let _ = armed.recv();
    }
    let stats = w.stats();
    let address = a
        .dirs
        .iter()
        .map(|d| d.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let publisher = {
        let stats = stats.clone();
        trailview_core::live::sources::Publisher::start(db, "watch", address, move || {
            let c = stats.snapshot();
            trailview_core::live::sources::Counts {
                accepted: c.accepted,
                duplicates: c.duplicates,
                rejected: c.rejected,
                last_error: None,
            }
        })
        .map_err(|e| eprintln!("trailview: warning: not publishing this watcher's status: {e}"))
        .ok()
    };
    for d in &a.dirs {
        writeln!(out, "watching {}", d.display())?;
    }
    writeln!(out, "store {} (Ctrl-C to stop)", db.display())?;
    out.flush()?;
    let res = w.run(stop);
    if let Some(p) = publisher {
        p.finish(res.as_ref().err().map(ToString::to_string));
    }
    drop(w);
    thread.join();
    res?;
    let c = stats.snapshot();
    if a.json {
        serde_json::to_writer(&mut *out, &c)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "stopped: {} files, {} stored, {} duplicate, {} quarantined ({} rotations, {} truncations)",
            c.files, c.accepted, c.duplicates, c.rejected, c.rotations, c.truncations
        )?;
    }
    Ok(())
}

/// Publish this process's status into the store (`live_processes`: the Sources view lists it)
/// with the writer's counts; a failure to start is a warning, never a reason not to ingest.
fn publish(
    db: &Path,
    kind: &str,
    address: String,
    writer: LiveWriter,
) -> Option<trailview_core::live::sources::Publisher> {
    use std::sync::atomic::Ordering::Relaxed;
    trailview_core::live::sources::Publisher::start(db, kind, address, move || {
        let s = writer.stats();
        trailview_core::live::sources::Counts {
            accepted: s.accepted.load(Relaxed),
            duplicates: s.duplicates.load(Relaxed),
            rejected: s.rejected.load(Relaxed),
            last_error: s.last_error.lock().ok().and_then(|e| e.clone()),
        }
    })
    .map_err(|e| eprintln!("trailview: warning: not publishing this {kind}'s status: {e}"))
    .ok()
}
