//! `trailview`: the command-line face of trailview-core. Each command is one core call plus
//! printing; scripts depend on the `--json` shapes, so they are part of the contract.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

mod approvals;

use trailview_core::ingest::{self, IngestOptions, Progress};
use trailview_core::query::{EventQuery, TenantScope, TypePattern};
use trailview_core::store::Store;
use trailview_core::text::TextQuery;
use trailview_core::{generate, time};

mod bundle;
mod emit;
mod emit_http;
mod graph;
mod live;
mod metrics;

/// Trailview: a local-first audit and timeline viewer.
#[derive(Parser)]
#[command(name = "trailview", version, about, max_term_width = 100)]
struct Cli {
    /// The store file [default: trailview.db in your data directory, or $TRAILVIEW_DB].
    #[arg(long, global = true, value_name = "PATH")]
    db: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Ingest files or directories of events (NDJSON, JSON arrays, documents; any dialect).
    Ingest {
        /// Files or directories.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Print the summary as one JSON object.
        #[arg(long)]
        json: bool,
        /// Only store the events: leave the derived indexes (histogram rollup, text search) to
        /// whoever opens the store next (`serve` and the app catch them up in the background;
        /// reads are exact meanwhile, only slower).
        #[arg(long)]
        defer_indexes: bool,
    },
    /// List events of a tenant, in time order.
    Events(EventsArgs),
    /// List the records that were refused, with where and why.
    Quarantine {
        /// Print NDJSON.
        #[arg(long)]
        json: bool,
        /// At most this many.
        #[arg(long)]
        limit: Option<u64>,
    },
    /// Check the store (hash chain, every event against its raw bytes), or a bundle.
    ///
    /// With BUNDLE: check its signature, every event, the Merkle root and the signer's trust.
    /// Exit 0 trusted, 1 broken, 3 intact but signed by a key you have not trusted.
    Verify {
        /// A bundle (`*.trail`) to verify instead of the store.
        bundle: Option<PathBuf>,
        #[command(flatten)]
        keys: bundle::KeysArg,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Export one tenant's events (optionally filtered) into a signed audit bundle.
    Export(bundle::ExportArgs),
    /// Open a bundle read-only: verify it and import it into a cache store to query.
    Open(bundle::OpenArgs),
    /// Write an inclusion proof of one event of a bundle, or (`--consistency OLD NEW`) a proof
    /// that a newer bundle extends an older one (JSON, to stdout).
    Prove(bundle::ProveArgs),
    /// Check an inclusion or consistency proof against its signed root(s) (exit 0 trusted, 1
    /// broken, 3 unknown signer).
    VerifyProof(bundle::VerifyProofArgs),
    /// Your signing key, and the keys you trust.
    Key(bundle::KeyArgs),
    /// Reviewer notes: signed annotations, written into a new bundle derived from the original.
    Note(bundle::NoteArgs),
    /// Counts per tenant, dialect and quarantine reason.
    Stats {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Serve the UI and its API to a browser on this machine (http://127.0.0.1:7420/).
    ///
    /// Listens on a loopback address only, unless --allow-remote: there is no authentication,
    /// and anyone who reaches the port reads every event in the store.
    Serve {
        /// Port to listen on (0 picks a free one; the URL is printed either way).
        #[arg(long, default_value_t = trailview_server::DEFAULT_PORT)]
        port: u16,
        /// Address to listen on: 127.0.0.1, ::1 or `localhost`; others need --allow-remote.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Listen on a non-loopback address (no authentication: only on a network you trust).
        #[arg(long)]
        allow_remote: bool,
        /// Also take events at POST /v1/events (a write token is required; docs/PROTOCOL.md).
        #[arg(long)]
        ingest: bool,
    },
    /// The correlation / causation graph of a chain: roots, forks, orphans, cycles, critical path.
    Graph(graph::GraphArgs),
    /// Metrics derived from a tenant's events: per hour, top types, error and SLA breach rates.
    Metrics(metrics::MetricsArgs),
    /// Evaluate alert rules over a tenant's events and list the firings with their events.
    Alerts(metrics::AlertsArgs),
    /// Approval cases of a tenant across dialects: status, requester, decider, latency, anomalies.
    Approvals(approvals::ApprovalsArgs),
    /// Aximo executions of a tenant: sequence, status, approval, dispatch, rule violations.
    Executions(approvals::ExecutionsArgs),
    /// The state of a chain, execution, trace or time window at a cursor (seq or time).
    Replay(approvals::ReplayArgs),
    /// Manage write tokens for live ingest (TCP and HTTP): each may write named tenants only.
    Token {
        #[command(subcommand)]
        command: live::TokenCommand,
    },
    /// Receive events live over TCP (token required) and/or a Unix socket (docs/PROTOCOL.md).
    ///
    /// One JSON ack per record, sent after it is committed. TCP listens on loopback only unless
    /// --allow-remote.
    Listen(live::ListenArgs),
    /// Send a file's records to a running listener; resend what was not acknowledged after a
    /// dropped connection.
    Emit(emit::EmitArgs),
    /// Follow the NDJSON files of folders into the store: new files, appended lines, rotation,
    /// truncation; resumes exactly where it stopped (checkpoints commit with the events).
    Watch(live::WatchArgs),
    /// Write a deterministic, realistic mixed-dialect data set as NDJSON.
    Generate {
        /// How many events.
        #[arg(long, default_value_t = 1000)]
        events: u64,
        /// PRNG seed: the same seed gives the same bytes.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// How many tenants.
        #[arg(long, default_value_t = 20)]
        tenants: u32,
        /// Output file [default: stdout].
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

/// The event filters `events` and `export` share.
#[derive(Args)]
pub(crate) struct FilterArgs {
    /// Type pattern: exact, `prefix.*`, `**`.
    #[arg(long = "type", value_name = "PATTERN")]
    pub types: Option<String>,
    /// occurred_at >= this (RFC 3339 with offset, or epoch ms).
    #[arg(long)]
    pub since: Option<String>,
    /// occurred_at < this.
    #[arg(long)]
    pub until: Option<String>,
    /// One user's events (personal timeline).
    #[arg(long)]
    pub user: Option<String>,
    /// One source / product.
    #[arg(long)]
    pub source: Option<String>,
    /// One correlation chain.
    #[arg(long)]
    pub correlation: Option<String>,
    /// One Aximo execution.
    #[arg(long)]
    pub execution: Option<String>,
}

#[derive(Args)]
struct EventsArgs {
    /// The tenant ("" for personal events).
    #[arg(
        long,
        conflicts_with = "all_tenants",
        required_unless_present = "all_tenants"
    )]
    tenant: Option<String>,
    /// Every tenant (explicitly).
    #[arg(long)]
    all_tenants: bool,
    #[command(flatten)]
    filter: FilterArgs,
    /// Free text: every word must start a word of the type, ids or payload text
    /// (`--text "alice refund"`).
    #[arg(long)]
    text: Option<String>,
    /// At most this many.
    #[arg(long)]
    limit: Option<u64>,
    /// Print NDJSON: one canonical event per line.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("trailview: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn store_path(db: &Option<PathBuf>) -> PathBuf {
    db.clone()
        .unwrap_or_else(trailview_core::default_store_path)
}

fn open_store(db: &Option<PathBuf>) -> Result<Store> {
    let path = db
        .clone()
        .unwrap_or_else(trailview_core::default_store_path);
    Store::open(&path).with_context(|| format!("cannot open the store at {}", path.display()))
}

fn open_existing(db: &Option<PathBuf>) -> Result<Store> {
    let path = db
        .clone()
        .unwrap_or_else(trailview_core::default_store_path);
    if !path.exists() {
        bail!(
            "no store at {} (ingest something first, or pass --db)",
            path.display()
        );
    }
    open_store(db)
}

fn run(cli: Cli) -> Result<ExitCode> {
    let mut out = BufWriter::new(io::stdout().lock());
    match cli.command {
        Command::Serve {
            port,
            host,
            allow_remote,
            ingest,
        } => {
            let ip = listen_ip(&host)?;
            if !ip.is_loopback() && !allow_remote {
                bail!(
                    "refusing to serve on {host}: that address is reachable from other machines, \
                     and anyone who reaches it reads every event in the store (there is no \
                     authentication). Use --host 127.0.0.1, or pass --allow-remote if that is \
                     really what you want"
                );
            }
            let store_path = cli
                .db
                .clone()
                .unwrap_or_else(trailview_core::default_store_path);
            let ui_dist = ui_dist();
            if !ui_dist.join("index.html").is_file() {
                eprintln!(
                    "trailview: warning: no built UI in {} (build it with `npm --prefix ui run \
                     build`, or set TRAILVIEW_UI_DIST): serving the API only",
                    ui_dist.display()
                );
            }
            let opts = trailview_server::ServeOptions {
                store_path: store_path.clone(),
                addr: SocketAddr::new(ip, port),
                ui_dist: Some(ui_dist),
                allow_remote,
                ingest,
            };
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                // Each blocking task may hold an SQLite connection and its page cache.
                .max_blocking_threads(16)
                .build()
                .context("starting the server's runtime")?;
            runtime.block_on(async {
                let server = trailview_server::Server::bind(opts).await?;
                writeln!(
                    out,
                    "Trailview is serving {} at {} (Ctrl-C to stop)",
                    store_path.display(),
                    server.url()
                )?;
                out.flush()?;
                server.run(trailview_server::shutdown_signal()).await
            })?;
        }
        Command::Token { command } => live::token(&store_path(&cli.db), command, &mut out)?,
        Command::Listen(a) => live::listen(&store_path(&cli.db), a, &mut out)?,
        Command::Emit(a) => emit::emit(a, &mut out)?,
        Command::Watch(a) => live::watch(&store_path(&cli.db), a, &mut out)?,
        Command::Ingest {
            paths,
            json,
            defer_indexes,
        } => {
            let mut store = open_store(&cli.db)?;
            let started = Instant::now();
            let bar = progress_bar();
            let mut on_progress = |p: &Progress| {
                if let Some(total) = p.bytes_total {
                    bar.set_length(total);
                }
                bar.set_position(p.bytes_read);
                bar.set_message(format!(
                    "{}  {} stored · {} duplicate · {} quarantined",
                    short(&p.path),
                    p.file.accepted,
                    p.file.duplicates,
                    p.file.quarantined
                ));
            };
            let summary = ingest::ingest_paths(
                &mut store,
                &paths,
                &IngestOptions::default(),
                &mut on_progress,
            )?;
            let stored_in = started.elapsed();
            // The histogram rollup and free-text search are derived indexes, built after the
            // events are safely stored, in bounded memory. The approval/execution projections
            // are not folded here: that fold holds every tenant's cases at once (≈280 MB at 1M
            // events, over ingest's 200 MB budget); `serve`, the app and the listener catch
            // them up in the background, and reads fold whatever is missing themselves.
            let indexing = Instant::now();
            let text = if defer_indexes {
                trailview_core::text::TextIndexReport::default()
            } else {
                bar.set_message("indexing text for search");
                store.roll_up()?;
                store.index_text(|done, total| {
                    bar.set_length(total);
                    bar.set_position(done);
                })?
            };
            bar.finish_and_clear();
            let indexed_in = indexing.elapsed();
            if json {
                serde_json::to_writer(&mut out, &summary)?;
                writeln!(out)?;
            } else {
                for f in &summary.files {
                    writeln!(
                        out,
                        "{}: {} stored, {} duplicate, {} quarantined",
                        f.path, f.accepted, f.duplicates, f.quarantined
                    )?;
                }
                writeln!(
                    out,
                    "total: {} stored, {} duplicate, {} quarantined in {:.2}s{}",
                    summary.accepted,
                    summary.duplicates,
                    summary.quarantined,
                    stored_in.as_secs_f64(),
                    if summary.quarantined > 0 {
                        " (see `trailview quarantine`)"
                    } else {
                        ""
                    }
                )?;
                if text.indexed > 0 {
                    writeln!(
                        out,
                        "text search: {} events indexed in {:.2}s",
                        text.indexed,
                        indexed_in.as_secs_f64()
                    )?;
                }
            }
        }
        Command::Events(a) => {
            let store = open_existing(&cli.db)?;
            let mut q = EventQuery::new(match a.tenant {
                Some(t) => TenantScope::One(t),
                None => TenantScope::All,
            });
            q.types = a
                .filter
                .types
                .as_deref()
                .map(TypePattern::new)
                .transpose()
                .map_err(anyhow::Error::msg)?;
            q.since = a.filter.since.as_deref().map(bound).transpose()?;
            q.until = a.filter.until.as_deref().map(bound).transpose()?;
            q.user_id = a.filter.user;
            q.source = a.filter.source;
            q.correlation_id = a.filter.correlation;
            q.execution_id = a.filter.execution;
            q.text = match a.text.as_deref() {
                None => None,
                Some(t) => Some(
                    TextQuery::parse(t)
                        .context("--text: no words to search for (give letters or digits)")?,
                ),
            };
            q.limit = a.limit;
            // A write error (a closed pipe, a full disk) stops the walk; it is kept as the
            // io::Error it is, so `main` can tell a closed pipe by its kind.
            let mut write_err: Option<io::Error> = None;
            let walked = store.for_each_event(&q, |e| {
                let r = if a.json {
                    serde_json::to_writer(&mut out, &e)
                        .map_err(io::Error::from)
                        .and_then(|()| writeln!(out))
                } else {
                    writeln!(
                        out,
                        "{}  {:<12} {:<40} {:<24} {}",
                        e.occurred_at,
                        if e.tenant.is_empty() {
                            "(personal)"
                        } else {
                            &e.tenant
                        },
                        e.kind,
                        e.source,
                        e.id
                    )
                };
                r.map_err(|err| {
                    let msg = err.to_string();
                    write_err = Some(err);
                    trailview_core::store::StoreError::Io(msg)
                })
            });
            if let Some(err) = write_err {
                return Err(err.into());
            }
            walked?;
        }
        Command::Quarantine { json, limit } => {
            let store = open_existing(&cli.db)?;
            for r in store.quarantine(limit)? {
                if json {
                    serde_json::to_writer(&mut out, &r)?;
                    writeln!(out)?;
                } else {
                    let at = match (r.line, r.index) {
                        (Some(l), Some(i)) => format!("line {l}, element {i}"),
                        (Some(l), None) => format!("line {l}"),
                        _ => format!("offset {}", r.offset.unwrap_or(0)),
                    };
                    writeln!(out, "{}:{at}: {}: {}", r.origin, r.reason, r.message)?;
                }
            }
        }
        Command::Verify {
            bundle: Some(path),
            keys,
            json,
        } => return bundle::verify(&path, &keys, json, &mut out),
        Command::Export(a) => return bundle::export(&cli.db, a, &mut out),
        Command::Open(a) => return bundle::open(a, &mut out),
        Command::Prove(a) => return bundle::prove(a, &mut out),
        Command::VerifyProof(a) => return bundle::verify_proof(a, &mut out),
        Command::Key(a) => return bundle::key(a, &mut out),
        Command::Note(a) => return bundle::note(a, &mut out),
        Command::Verify { json, .. } => {
            let store = open_existing(&cli.db)?;
            let report = store.verify()?;
            if json {
                serde_json::to_writer(&mut out, &report)?;
                writeln!(out)?;
            } else if report.ok {
                writeln!(
                    out,
                    "trusted: {} events, hash chain intact, head {}",
                    report.events, report.head
                )?;
            } else {
                writeln!(
                    out,
                    "NOT trusted: first bad seq {}: {}",
                    report.first_bad_seq.unwrap_or(0),
                    report.problem.as_deref().unwrap_or("")
                )?;
            }
            out.flush()?;
            if !report.ok {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Stats { json } => {
            let store = open_existing(&cli.db)?;
            let s = store.stats()?;
            if json {
                serde_json::to_writer(&mut out, &s)?;
                writeln!(out)?;
            } else {
                print_stats(&mut out, &s)?;
            }
        }
        Command::Graph(a) => graph::run(&cli.db, a, &mut out)?,
        Command::Metrics(a) => metrics::run_metrics(&cli.db, a, &mut out)?,
        Command::Alerts(a) => metrics::run_alerts(&cli.db, a, &mut out)?,
        Command::Generate {
            events,
            seed,
            tenants,
            output,
        } => {
            let cfg = generate::GenConfig {
                events,
                seed,
                tenants,
                ..generate::GenConfig::default()
            };
            let summary = match output {
                Some(p) => {
                    let f = std::fs::File::create(&p)
                        .with_context(|| format!("cannot create {}", p.display()))?;
                    generate::generate(&cfg, BufWriter::with_capacity(1 << 20, f))?
                }
                None => generate::generate(&cfg, &mut out)?,
            };
            eprintln!(
                "generated {} events, {} bytes",
                summary.events, summary.bytes
            );
        }
        Command::Approvals(a) => {
            approvals::approvals(&approvals::open_read(&cli.db)?, a, &mut out)?
        }
        Command::Executions(a) => {
            approvals::executions(&approvals::open_read(&cli.db)?, a, &mut out)?
        }
        Command::Replay(a) => approvals::replay(&approvals::open_read(&cli.db)?, a, &mut out)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The address `--host` names: an IP address, or `localhost`.
fn listen_ip(host: &str) -> Result<IpAddr> {
    if host.eq_ignore_ascii_case("localhost") {
        return Ok(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    host.trim_matches(|c| c == '[' || c == ']')
        .parse()
        .with_context(|| format!("--host {host:?} is not an IP address (or `localhost`)"))
}

/// The built UI: `$TRAILVIEW_UI_DIST`, else the `ui/dist` of the repository this binary was
/// built from.
fn ui_dist() -> PathBuf {
    match std::env::var_os("TRAILVIEW_UI_DIST").filter(|p| !p.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/dist")),
    }
}

fn bound(s: &str) -> Result<time::Micros> {
    time::parse_bound(s).with_context(|| format!("cannot read the time {s:?}"))
}

fn short(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    if !io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:30.cyan/blue} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}  {msg}",
        )
        .expect("a valid template")
        .progress_chars("█▉▊▋▌▍▎▏ "),
    );
    bar
}

fn print_stats(out: &mut impl Write, s: &trailview_core::query::Stats) -> io::Result<()> {
    writeln!(out, "store       {}", s.path)?;
    writeln!(out, "events      {}", s.events)?;
    writeln!(out, "quarantined {}", s.quarantined)?;
    writeln!(out, "chain head  {} (seq {})", s.head, s.last_seq)?;
    writeln!(out, "dialects")?;
    for (d, n) in &s.dialects {
        writeln!(out, "  {d:<12} {n}")?;
    }
    writeln!(out, "tenants")?;
    for t in &s.tenants {
        let name = if t.tenant.is_empty() {
            "(personal)"
        } else {
            &t.tenant
        };
        writeln!(
            out,
            "  {name:<20} {:>9}  {} … {}",
            t.events, t.first_occurred_at, t.last_occurred_at
        )?;
    }
    if !s.quarantine.is_empty() {
        writeln!(out, "quarantine reasons")?;
        for (r, n) in &s.quarantine {
            writeln!(out, "  {r:<20} {n}")?;
        }
    }
    Ok(())
}
