//! Ingest: files → framing → normalize → store, streaming, with flat memory.
//!
//! Two threads share the work (PERF-NOTES: the writer is the bottleneck, keep it fed): a reader
//! frames, normalizes and hashes records and hands them over in small chunks through a bounded
//! channel; the caller's thread writes them into one open transaction, committed every
//! [`IngestOptions::commit_every`] records (small commits are ruinous in WAL mode). Memory stays
//! bounded by the channel and SQLite's page cache, whatever the input size.
//!
//! Only this stage reads the clock: it stamps `received_at` through the [`Clock`] it is given,
//! so tests pass a fixed one and get the same store from the same input.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;
use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::framing::{Frame, Framer};
use crate::normalize::{self, Reason};
use crate::store::{Item, Keys, Origin, Outcome, Prepared, Refused, Store, StoreError};
use crate::time::Micros;

/// Where `received_at` comes from.
pub trait Clock: Send + Sync {
    /// Now, in µs since the epoch.
    fn now_us(&self) -> Micros;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_us(&self) -> Micros {
        chrono::Utc::now().timestamp_micros()
    }
}

/// A clock that always says the same time (tests, reproducible builds of a store).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub Micros);

impl Clock for FixedClock {
    fn now_us(&self) -> Micros {
        self.0
    }
}

/// Ingest settings.
#[derive(Clone)]
pub struct IngestOptions {
    /// Commit after this many records.
    pub commit_every: usize,
    /// Commit the first time after this many records (at most `commit_every`), so a viewer
    /// shows the first rows of a big file within a fraction of a second.
    pub first_commit: usize,
    /// Stamps `received_at`.
    pub clock: Arc<dyn Clock>,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            commit_every: 100_000,
            first_commit: 10_000,
            clock: Arc::new(SystemClock),
        }
    }
}

/// Counts for one input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct FileSummary {
    /// The input's name (its path, as given).
    pub path: String,
    /// Newly stored events.
    #[ts(type = "number")]
    pub accepted: u64,
    /// Records already stored.
    #[ts(type = "number")]
    pub duplicates: u64,
    /// Records refused and quarantined.
    #[ts(type = "number")]
    pub quarantined: u64,
}

impl FileSummary {
    fn count(&mut self, o: &Outcome) {
        match o {
            Outcome::Accepted { .. } => self.accepted += 1,
            Outcome::Duplicate { .. } => self.duplicates += 1,
            Outcome::Rejected { .. } => self.quarantined += 1,
        }
    }
}

/// Counts for a whole ingest: the CLI's `--json` contract.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct IngestSummary {
    /// Newly stored events.
    #[ts(type = "number")]
    pub accepted: u64,
    /// Records already stored.
    #[ts(type = "number")]
    pub duplicates: u64,
    /// Records refused and quarantined.
    #[ts(type = "number")]
    pub quarantined: u64,
    /// Per input, in order.
    pub files: Vec<FileSummary>,
}

/// Where an ingest is, for a progress bar.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    /// The input being read.
    pub path: String,
    /// Bytes of it read so far.
    pub bytes_read: u64,
    /// Its size, when known.
    pub bytes_total: Option<u64>,
    /// Counts so far for this input.
    pub file: FileSummary,
    /// Of `file.accepted`, how many are committed: what readers can see.
    pub committed: u64,
}

/// Errors that stop an ingest. A bad record never does: it is quarantined.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// An input could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// Which input.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// An input is an audit bundle (a zip), which is opened, not ingested.
    #[error(
        "{path} is an audit bundle (a zip archive), not a file of events: open it with \
         `trailview open {path}` (it is verified and imported read-only), or verify it with \
         `trailview verify {path}`"
    )]
    Bundle {
        /// Which input.
        path: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl IngestError {
    /// Machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            IngestError::Io { .. } => "ingest_io",
            IngestError::Bundle { .. } => "ingest_bundle",
            IngestError::Store(e) => e.code(),
        }
    }
}

/// Turn one framed record into an item for the store.
pub fn prepare(frame: Frame, source: &Arc<str>, received_at: Micros) -> Item {
    let origin = |o: crate::framing::Origin| Origin {
        source: source.clone(),
        line: Some(o.line),
        index: o.index,
        offset: Some(o.offset),
    };
    match frame {
        Frame::Record { bytes, origin: o } => prepare_bytes(bytes, origin(o), received_at),
        Frame::Oversized {
            len,
            sha256,
            origin: o,
        } => Item::Refused(Box::new(Refused {
            raw: None,
            raw_len: len,
            raw_sha256: sha256,
            origin: origin(o),
            reason: Reason::TooLarge,
            message: format!(
                "record of {len} bytes exceeds the {} byte limit; kept as length + SHA-256 only",
                normalize::MAX_RECORD_BYTES
            ),
            identity: None,
            received_at,
        })),
        Frame::Truncated { bytes, origin: o } => Item::Refused(Box::new(Refused::new(
            bytes,
            origin(o),
            Reason::Truncated,
            "the input ended inside this record".into(),
            received_at,
        ))),
    }
}

/// Turn one record's bytes into an item for the store.
pub fn prepare_bytes(bytes: Vec<u8>, origin: Origin, received_at: Micros) -> Item {
    match normalize::normalize(&bytes).map(|n| n.event) {
        Ok(event) => Item::Event(Box::new(Prepared {
            raw_sha256: Sha256::digest(&bytes).into(),
            keys: Keys::of(&event),
            event,
            raw: bytes,
            origin,
            received_at,
        })),
        Err(rej) => Item::Refused(Box::new(Refused::new(
            bytes,
            origin,
            rej.reason,
            rej.message,
            received_at,
        ))),
    }
}

/// Records per hand-over between the reader and the writer thread.
const CHUNK_RECORDS: usize = 1024;

/// Ingest one input. `name` is its origin in the store (a path, or `stdin`).
pub fn ingest_reader<R: Read + Send>(
    store: &mut Store,
    reader: R,
    name: &str,
    size: Option<u64>,
    opts: &IngestOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<FileSummary, IngestError> {
    let source: Arc<str> = Arc::from(name);
    let mut prog = Progress {
        path: name.to_owned(),
        bytes_total: size,
        file: FileSummary {
            path: name.to_owned(),
            ..FileSummary::default()
        },
        ..Progress::default()
    };
    let (tx, rx) = sync_channel::<(Vec<Item>, u64)>(4);
    let clock = opts.clock.clone();
    std::thread::scope(|scope| {
        let reader_thread = scope.spawn(move || -> std::io::Result<()> {
            let mut framer = Framer::new(reader);
            let mut chunk = Vec::with_capacity(CHUNK_RECORDS);
            while let Some(frame) = framer.next() {
                chunk.push(prepare(frame?, &source, clock.now_us()));
                if chunk.len() == CHUNK_RECORDS {
                    let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK_RECORDS));
                    if tx.send((full, framer.offset())).is_err() {
                        return Ok(()); // the writer stopped; its error is reported
                    }
                }
            }
            let _ = tx.send((chunk, framer.offset()));
            Ok(())
        });
        let prog = &mut prog;
        let written = (|| -> Result<(), IngestError> {
            // `rx` moves in here: when writing fails it is dropped on return, which unblocks a
            // reader waiting on the full channel.
            let rx = rx;
            let mut tx = store.appender()?;
            let mut since_commit = 0usize;
            let mut commit_at = opts.first_commit.clamp(1, opts.commit_every.max(1));
            for (items, offset) in rx.iter() {
                for item in &items {
                    let o = tx.push(item)?;
                    prog.file.count(&o);
                }
                since_commit += items.len();
                if since_commit >= commit_at {
                    tx.checkpoint()?;
                    prog.committed = prog.file.accepted;
                    since_commit = 0;
                    commit_at = opts.commit_every.max(1);
                }
                prog.bytes_read = offset;
                progress(prog);
            }
            tx.commit()?;
            prog.committed = prog.file.accepted;
            Ok(())
        })();
        let read = reader_thread
            .join()
            .expect("the reader thread does not panic");
        written?;
        read.map_err(|e| IngestError::Io {
            path: name.to_owned(),
            source: e,
        })
    })?;
    if prog.file.accepted > 0 {
        store.refresh_planner_stats()?;
    }
    progress(&prog);
    Ok(prog.file)
}

/// Expand directories into their files (recursively, sorted, so the order is deterministic).
pub fn expand_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>, IngestError> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| IngestError::Io {
            path: p.display().to_string(),
            source: e,
        })?;
        if meta.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| IngestError::Io {
                    path: p.display().to_string(),
                    source: e,
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    !p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with('.'))
                })
                .collect();
            entries.sort();
            out.extend(expand_paths(&entries)?);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Ingest files (and directories of files), in order. Every input is checked for readability
/// before the first record is written, so a typo in the last path does not leave a half-done
/// ingest behind.
pub fn ingest_paths(
    store: &mut Store,
    paths: &[PathBuf],
    opts: &IngestOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<IngestSummary, IngestError> {
    let files = expand_paths(paths)?;
    let opened = files
        .iter()
        .map(|p| open(p).map(|f| (p, f)))
        .collect::<Result<Vec<_>, _>>()?;
    // A bundle would only fill the quarantine with zip bytes: say what it is instead.
    for (path, mut file) in opened.iter().map(|(p, f)| (p, f)) {
        if !file.metadata().is_ok_and(|m| m.is_file()) {
            continue; // a pipe cannot be peeked at without consuming it
        }
        let mut magic = [0u8; 4];
        let peeked = file.read_exact(&mut magic).is_ok();
        file.seek(SeekFrom::Start(0)).map_err(|e| IngestError::Io {
            path: path.display().to_string(),
            source: e,
        })?;
        if peeked && magic == *b"PK\x03\x04" {
            return Err(IngestError::Bundle {
                path: path.display().to_string(),
            });
        }
    }
    let mut summary = IngestSummary::default();
    for (path, file) in opened {
        let size = file.metadata().ok().map(|m| m.len());
        let name = path.display().to_string();
        let s = ingest_reader(store, file, &name, size, opts, progress)?;
        summary.accepted += s.accepted;
        summary.duplicates += s.duplicates;
        summary.quarantined += s.quarantined;
        summary.files.push(s);
    }
    Ok(summary)
}

fn open(p: &Path) -> Result<File, IngestError> {
    File::open(p).map_err(|e| IngestError::Io {
        path: p.display().to_string(),
        source: e,
    })
}
