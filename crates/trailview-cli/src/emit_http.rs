//! `trailview emit --to http://HOST:PORT`: POST the file's records to `trailview serve
//! --ingest` in NDJSON chunks, retrying a chunk until it is answered (a retried chunk is safe:
//! what was stored comes back `duplicate`).
//!
//! The request is a few lines of HTTP/1.1 over `std::net` (one connection per chunk, `Connection:
//! close`) rather than an HTTP client crate: it only ever talks plain HTTP to a Trailview on this
//! machine, and no HTTP client is in the dependency tree (reqwest would bring a TLS stack).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use trailview_core::framing::{Frame, Framer};
use trailview_core::live::protocol::{Ack, AckStatus};

use crate::emit::{EmitArgs, EmitSummary};

/// Records per request.
const CHUNK: usize = 2000;

#[derive(Deserialize)]
struct Answer {
    results: Vec<Ack>,
}

pub fn emit_http(a: &EmitArgs, host: &str, retry_for: Duration) -> Result<EmitSummary> {
    let Some(token) = a.token.as_deref() else {
        bail!("http:// needs a token: --token tv_… (or $TRAILVIEW_TOKEN); see `trailview token create`");
    };
    let stream = format!(
        "emit:{}",
        std::fs::canonicalize(&a.file)
            .unwrap_or_else(|_| a.file.clone())
            .display()
    );
    let f = std::fs::File::open(&a.file)
        .with_context(|| format!("cannot read {}", a.file.display()))?;
    let mut framer = Framer::new(std::io::BufReader::with_capacity(1 << 20, f));
    let mut summary = EmitSummary::default();
    let mut body = Vec::new();
    let mut n = 0usize;
    loop {
        let frame = framer.next().transpose().context("reading the file")?;
        let end = frame.is_none();
        match frame {
            Some(Frame::Record { mut bytes, .. } | Frame::Truncated { mut bytes, .. }) => {
                for b in bytes.iter_mut() {
                    if *b == b'\n' || *b == b'\r' {
                        *b = b' ';
                    }
                }
                body.extend_from_slice(&bytes);
                body.push(b'\n');
                n += 1;
                summary.records += 1;
            }
            Some(Frame::Oversized { len, origin, .. }) => {
                eprintln!(
                    "trailview: line {}: record of {len} bytes is over the 4 MiB limit; not sent",
                    origin.line
                );
                summary.records += 1;
                summary.rejected += 1;
                *summary.reasons.entry("too_large".into()).or_default() += 1;
            }
            None => {}
        }
        if n > 0 && (n >= CHUNK || end) {
            let acks = post_retrying(host, token, &stream, &body, n, retry_for, &mut summary)?;
            for ack in acks {
                match ack.status {
                    AckStatus::Accepted => summary.accepted += 1,
                    AckStatus::Duplicate => summary.duplicates += 1,
                    AckStatus::Rejected => {
                        summary.rejected += 1;
                        *summary
                            .reasons
                            .entry(ack.reason.unwrap_or_default())
                            .or_default() += 1;
                    }
                }
            }
            body.clear();
            n = 0;
        }
        if end {
            return Ok(summary);
        }
    }
}

fn post_retrying(
    host: &str,
    token: &str,
    stream: &str,
    body: &[u8],
    records: usize,
    retry_for: Duration,
    summary: &mut EmitSummary,
) -> Result<Vec<Ack>> {
    let since = Instant::now();
    let mut backoff = Duration::from_millis(50);
    let mut first = true;
    loop {
        if !first {
            summary.reconnects += 1;
        }
        first = false;
        match post(host, token, stream, body) {
            Ok((200, text)) => {
                let a: Answer = serde_json::from_str(&text)
                    .with_context(|| format!("the server answered {text:?}"))?;
                if a.results.len() != records {
                    bail!(
                        "the server answered {} results for {records} records",
                        a.results.len()
                    );
                }
                return Ok(a.results);
            }
            Ok((status, text)) if status < 500 => {
                bail!("the server refused ({status}): {}", text.trim())
            }
            Ok((status, text)) => {
                if since.elapsed() > retry_for {
                    bail!("the server failed ({status}): {}", text.trim());
                }
            }
            Err(e) => {
                if since.elapsed() > retry_for {
                    return Err(e.context(format!("no answer from {host} for {retry_for:?}")));
                }
            }
        }
        std::thread::sleep(backoff);
        backoff = (backoff * 2).min(Duration::from_secs(1));
    }
}

/// One POST; the status and the body.
fn post(host: &str, token: &str, stream: &str, body: &[u8]) -> Result<(u16, String)> {
    let mut s = TcpStream::connect(host).with_context(|| format!("cannot connect to {host}"))?;
    s.set_read_timeout(Some(Duration::from_secs(120)))?;
    let head = format!(
        "POST /v1/events HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/x-ndjson\r\nTrailview-Stream: {stream}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes())?;
    s.write_all(body)?;
    let mut bytes = Vec::new();
    s.read_to_end(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes);
    let (head, rest) = text
        .split_once("\r\n\r\n")
        .context("the server's answer has no header end")?;
    let status: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("the server's answer has no status")?;
    let chunked = head
        .lines()
        .any(|l| l.to_ascii_lowercase().starts_with("transfer-encoding:") && l.contains("chunked"));
    Ok((
        status,
        if chunked {
            dechunk(rest)
        } else {
            rest.to_owned()
        },
    ))
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}
