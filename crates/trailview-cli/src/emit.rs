//! `trailview emit FILE --to tcp://…|unix:…|http://…`: send a file's records to a running
//! listener, read the acks, and after a dropped connection reconnect and send every record not
//! yet acknowledged again (the store's idempotency on identity makes that safe: a record that
//! was committed before the drop comes back `duplicate`).
//!
//! Records are framed as `trailview ingest` frames them and sent one per line: the line breaks
//! of a pretty-printed record (whitespace between tokens: JSON strings cannot hold a raw line
//! break) become spaces. A window of unacknowledged records (`--window`) bounds memory; the
//! stream is named `emit:<file>` and numbered by record (line = the record's ordinal), so a
//! record keeps one origin however often it is sent.

use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Args;
use serde::Serialize;

use trailview_core::framing::{Frame, Framer};
use trailview_core::live::protocol::{Ack, AckStatus, Notice};

/// `trailview emit …`
#[derive(Args)]
pub struct EmitArgs {
    /// The file to send (NDJSON, arrays, documents: as `trailview ingest` reads them).
    pub file: PathBuf,
    /// Where: tcp://127.0.0.1:PORT, unix:PATH, or http://HOST:PORT (the `serve` server).
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// A write token (`trailview token create`); required for tcp:// and http://.
    #[arg(long, env = "TRAILVIEW_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Give up after this many seconds without progress (no connection, no ack).
    #[arg(long, default_value_t = 60.0, value_name = "SECS")]
    pub retry_for: f64,
    /// Most records sent and not yet acknowledged.
    #[arg(long, default_value_t = 20_000)]
    pub window: usize,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

/// What `emit` did: the `--json` contract.
#[derive(Debug, Default, Clone, Serialize)]
pub struct EmitSummary {
    /// Records read from the file.
    pub records: u64,
    /// Newly stored.
    pub accepted: u64,
    /// Already stored (sent before, or retransmitted after a lost ack).
    pub duplicates: u64,
    /// Refused and quarantined by the listener.
    pub rejected: u64,
    /// Connections made after the first.
    pub reconnects: u64,
    /// Rejections by reason code.
    pub reasons: std::collections::BTreeMap<String, u64>,
}

enum Target {
    Tcp(String),
    Unix(PathBuf),
    Http(String),
}

fn target(to: &str) -> Result<Target> {
    if let Some(a) = to.strip_prefix("tcp://") {
        return Ok(Target::Tcp(a.trim_end_matches('/').to_owned()));
    }
    if let Some(p) = to
        .strip_prefix("unix://")
        .or_else(|| to.strip_prefix("unix:"))
    {
        return Ok(Target::Unix(PathBuf::from(p)));
    }
    if let Some(a) = to.strip_prefix("http://") {
        return Ok(Target::Http(a.trim_end_matches('/').to_owned()));
    }
    bail!("--to {to:?}: write tcp://127.0.0.1:PORT, unix:PATH or http://HOST:PORT")
}

/// One record as sent.
struct Rec {
    /// 1-based ordinal in the file: the stream's line number.
    ordinal: u64,
    /// Offset in the stream of sent lines.
    offset: u64,
    /// The line, with its newline.
    line: Vec<u8>,
}

/// The file's records, one line each.
struct Source {
    framer: Framer<BufReader<std::fs::File>>,
    next_ordinal: u64,
    offset: u64,
    done: bool,
}

impl Source {
    fn open(path: &Path) -> Result<Source> {
        let f =
            std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
        Ok(Source {
            framer: Framer::new(BufReader::with_capacity(1 << 20, f)),
            next_ordinal: 1,
            offset: 0,
            done: false,
        })
    }

    fn next(&mut self, summary: &mut EmitSummary) -> Result<Option<Rec>> {
        loop {
            if self.done {
                return Ok(None);
            }
            let Some(frame) = self.framer.next() else {
                self.done = true;
                return Ok(None);
            };
            let mut bytes = match frame.context("reading the file")? {
                Frame::Record { bytes, .. } | Frame::Truncated { bytes, .. } => bytes,
                Frame::Oversized { len, origin, .. } => {
                    // Too large for any listener (4 MiB lines): say so here, send nothing.
                    eprintln!(
                        "trailview: line {}: record of {len} bytes is over the 4 MiB limit; not sent",
                        origin.line
                    );
                    summary.records += 1;
                    summary.rejected += 1;
                    *summary.reasons.entry("too_large".into()).or_default() += 1;
                    continue;
                }
            };
            for b in bytes.iter_mut() {
                if *b == b'\n' || *b == b'\r' {
                    *b = b' ';
                }
            }
            bytes.push(b'\n');
            let rec = Rec {
                ordinal: self.next_ordinal,
                offset: self.offset,
                line: bytes,
            };
            self.next_ordinal += 1;
            self.offset += rec.line.len() as u64;
            summary.records += 1;
            return Ok(Some(rec));
        }
    }
}

/// Shared between the sender and the ack reader of one connection.
struct Window {
    q: VecDeque<Rec>,
    summary: EmitSummary,
    /// The connection's ack reader stopped (EOF, error, or an error notice).
    dead: bool,
    /// A fatal error notice (unauthorized …): do not reconnect.
    fatal: Option<String>,
    last_progress: Instant,
}

type Shared = Arc<(Mutex<Window>, Condvar)>;

/// Run `emit`.
pub fn emit(a: EmitArgs, out: &mut impl Write) -> Result<()> {
    let t = target(&a.to)?;
    let retry_for = Duration::try_from_secs_f64(a.retry_for)
        .context("--retry-for must be a positive number of seconds")?;
    let stream_name = format!(
        "emit:{}",
        std::fs::canonicalize(&a.file)
            .unwrap_or_else(|_| a.file.clone())
            .display()
    );
    let started = Instant::now();
    let summary = match t {
        Target::Http(host) => crate::emit_http::emit_http(&a, &host, retry_for)?,
        other => emit_stream(&a, &other, &stream_name, retry_for)?,
    };
    if a.json {
        serde_json::to_writer(&mut *out, &summary)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "{} records to {}: {} accepted, {} duplicate, {} rejected in {:.2}s{}",
            summary.records,
            a.to,
            summary.accepted,
            summary.duplicates,
            summary.rejected,
            started.elapsed().as_secs_f64(),
            if summary.reconnects > 0 {
                format!(" ({} reconnects)", summary.reconnects)
            } else {
                String::new()
            }
        )?;
        for (r, n) in &summary.reasons {
            writeln!(out, "  rejected {r}: {n}")?;
        }
    }
    Ok(())
}

/// A connection: its read half, its write half, and how to cut it.
type Conn = (
    Box<dyn Read + Send>,
    Box<dyn Write + Send>,
    Box<dyn Fn() + Send>,
);

fn connect(t: &Target) -> io::Result<Conn> {
    match t {
        Target::Tcp(addr) => {
            let s = TcpStream::connect(addr)?;
            s.set_nodelay(true)?;
            let r = s.try_clone()?;
            let c = s.try_clone()?;
            Ok((
                Box::new(r),
                Box::new(s),
                Box::new(move || {
                    let _ = c.shutdown(Shutdown::Both);
                }),
            ))
        }
        #[cfg(unix)]
        Target::Unix(p) => {
            let s = std::os::unix::net::UnixStream::connect(p)?;
            let r = s.try_clone()?;
            let c = s.try_clone()?;
            Ok((
                Box::new(r),
                Box::new(s),
                Box::new(move || {
                    let _ = c.shutdown(Shutdown::Both);
                }),
            ))
        }
        _ => Err(io::Error::other("not a stream target")),
    }
}

fn emit_stream(a: &EmitArgs, t: &Target, stream: &str, retry_for: Duration) -> Result<EmitSummary> {
    if matches!(t, Target::Tcp(_)) && a.token.is_none() {
        bail!("tcp:// needs a token: --token tv_… (or $TRAILVIEW_TOKEN); see `trailview token create`");
    }
    let mut src = Source::open(&a.file)?;
    let shared: Shared = Arc::new((
        Mutex::new(Window {
            q: VecDeque::new(),
            summary: EmitSummary::default(),
            dead: false,
            fatal: None,
            last_progress: Instant::now(),
        }),
        Condvar::new(),
    ));
    let window = a.window.max(1);
    let mut attempt = 0u64;
    let mut backoff = Duration::from_millis(50);
    loop {
        {
            let w = shared.0.lock().unwrap();
            if let Some(f) = &w.fatal {
                bail!("the listener refused: {f}");
            }
            if w.last_progress.elapsed() > retry_for {
                bail!(
                    "no progress for {:.0} s: giving up with {} records unacknowledged",
                    retry_for.as_secs_f64(),
                    w.q.len()
                );
            }
        }
        let conn = match connect(t) {
            Ok(c) => c,
            Err(_) => {
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(1));
                continue;
            }
        };
        if attempt > 0 {
            shared.0.lock().unwrap().summary.reconnects += 1;
        }
        attempt += 1;
        match run_connection(a, conn, &shared, &mut src, stream, window)? {
            true => break,
            false => {
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
        }
    }
    let w = shared.0.lock().unwrap();
    Ok(w.summary.clone())
}

/// One connection: hello, (re)send, read acks. True when every record is acknowledged.
fn run_connection(
    a: &EmitArgs,
    (rd, wr, close): Conn,
    shared: &Shared,
    src: &mut Source,
    stream: &str,
    window: usize,
) -> Result<bool> {
    let mut rd = BufReader::new(rd);
    let mut wr = io::BufWriter::with_capacity(256 * 1024, wr);
    // Resume numbering at the first unacknowledged record.
    let (first_line, first_offset) = {
        let w = shared.0.lock().unwrap();
        match w.q.front() {
            Some(r) => (r.ordinal, r.offset),
            None => (src.next_ordinal, src.offset),
        }
    };
    let mut hello = serde_json::json!({
        "stream": stream,
        "first_line": first_line,
        "first_offset": first_offset,
    });
    if let Some(tok) = &a.token {
        hello["token"] = tok.clone().into();
    }
    let sent_hello = (|| {
        serde_json::to_writer(&mut wr, &hello)?;
        wr.write_all(b"\n")?;
        wr.flush()?;
        let mut line = String::new();
        rd.read_line(&mut line)?;
        io::Result::Ok(line)
    })();
    let line = match sent_hello {
        Ok(l) if !l.is_empty() => l,
        _ => return Ok(false),
    };
    let notice: Notice =
        serde_json::from_str(&line).with_context(|| format!("the listener answered {line:?}"))?;
    if notice.status != "ready" {
        let msg = format!(
            "{}: {}",
            notice.code.unwrap_or_default(),
            notice.message.unwrap_or_default()
        );
        if msg.starts_with("unauthorized") || msg.starts_with("too_many") {
            if msg.starts_with("unauthorized") {
                bail!("the listener refused: {msg}");
            }
            return Ok(false);
        }
        return Ok(false);
    }
    shared.0.lock().unwrap().dead = false;
    let reader = {
        let shared = shared.clone();
        std::thread::spawn(move || read_acks(rd, &shared))
    };
    // Send: first every unacknowledged record again, then new ones, keeping the window.
    let mut next = first_line;
    let result = (|| -> Result<bool> {
        loop {
            let mut w = shared.0.lock().unwrap();
            if w.dead {
                return Ok(false);
            }
            let front = w.q.front().map(|r| r.ordinal);
            let idx = front.map(|f| next.saturating_sub(f) as usize);
            if let Some(i) = idx.filter(|&i| i < w.q.len()) {
                let line = w.q[i].line.clone();
                drop(w);
                if wr.write_all(&line).is_err() {
                    return Ok(false);
                }
                next += 1;
                continue;
            }
            if w.q.len() < window && !src.done {
                let rec = src.next(&mut w.summary)?;
                match rec {
                    Some(r) => {
                        next = r.ordinal;
                        w.q.push_back(r);
                        continue;
                    }
                    None => continue,
                }
            }
            // Nothing to send now: wait for acks.
            drop(w);
            if wr.flush().is_err() {
                return Ok(false);
            }
            let w = shared.0.lock().unwrap();
            if src.done && w.q.is_empty() {
                return Ok(true);
            }
            let (w, _) = shared
                .1
                .wait_timeout(w, Duration::from_millis(200))
                .unwrap();
            if w.dead {
                return Ok(false);
            }
        }
    })();
    close();
    let _ = reader.join();
    let done = result?;
    let w = shared.0.lock().unwrap();
    if let Some(f) = &w.fatal {
        if !done {
            bail!("the listener closed the connection: {f}");
        }
    }
    Ok(done)
}

fn read_acks(mut rd: BufReader<Box<dyn Read + Send>>, shared: &Shared) {
    let mut line = String::new();
    loop {
        line.clear();
        match rd.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let (lock, cv) = &**shared;
        if let Ok(ack) = serde_json::from_str::<Ack>(&line) {
            let mut w = lock.lock().unwrap();
            let front = w.q.front().map(|r| r.ordinal);
            if front == Some(ack.line) && ack.index.unwrap_or(0) == 0 {
                w.q.pop_front();
                let s = &mut w.summary;
                match ack.status {
                    AckStatus::Accepted => s.accepted += 1,
                    AckStatus::Duplicate => s.duplicates += 1,
                    AckStatus::Rejected => {
                        s.rejected += 1;
                        *s.reasons
                            .entry(ack.reason.clone().unwrap_or_default())
                            .or_default() += 1;
                    }
                }
                w.last_progress = Instant::now();
                cv.notify_all();
            }
            continue;
        }
        if let Ok(n) = serde_json::from_str::<Notice>(&line) {
            if n.status == "error" {
                let mut w = lock.lock().unwrap();
                let code = n.code.unwrap_or_default();
                if code == "unauthorized" {
                    w.fatal = Some(format!("{code}: {}", n.message.unwrap_or_default()));
                } else {
                    eprintln!(
                        "trailview: the listener closed the connection: {code}: {}",
                        n.message.unwrap_or_default()
                    );
                }
                break;
            }
        }
    }
    let (lock, cv) = &**shared;
    lock.lock().unwrap().dead = true;
    cv.notify_all();
}
