//! `trailview watch DIR…`: tail the NDJSON files of folders into the store, resuming exactly
//! after a crash.
//!
//! ## What is followed
//! Files directly in the watched folders whose names match the globs (default `*.ndjson`,
//! `*.jsonl`). `notify` wakes the watcher on a change; a rescan every
//! [`WatchOptions::poll`] covers file systems that do not notify (network mounts).
//!
//! - **Appended lines** are read from where the watcher stopped; a **partial last line** is
//!   held (in memory, at most 4 MiB, then hashed) until its newline arrives.
//! - **Rotation** (the file renamed away, a new one created at the path): the old file is
//!   read to its end through the handle still open on it (a last line without a newline there
//!   will never be finished: it is quarantined as `truncated`), then the new file from 0.
//! - **Renamed to a name that still matches**: followed on under its new name, from where it
//!   was (found by device + inode), never read again from 0.
//! - **Truncation** (same file, now shorter than the checkpoint, or its first bytes changed):
//!   read again from 0. What was already stored comes back as duplicates, never twice.
//!
//! ## Exactly once across a crash
//! Each batch of records is written together with the file's checkpoint — device + inode,
//! offset and line after the batch's last complete line, SHA-256 of the file's first bytes —
//! in ONE transaction of the live writer (`live_checkpoints`). After `kill -9`, a restart finds
//! the checkpoint of the last committed batch and resumes exactly there: no loss, no
//! re-reading. A batch waits for its commit before the next is read, so a failed write can
//! never be skipped over by a later checkpoint.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use notify::{RecursiveMode, Watcher as _};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::normalize::MAX_RECORD_BYTES;
use crate::store::{Outcome, Store};

use super::protocol::{self, Record};
use super::tokens::Grant;
use super::writer::{Checkpoint, LiveWriter};
use super::LiveError;

/// Bytes of a file's start whose hash identifies its content.
const HEAD_BYTES: u64 = 1024;
/// Records per batch (one transaction with its checkpoint).
const BATCH: usize = 4096;
/// Bytes per read.
const READ: usize = 256 * 1024;

/// Watcher settings.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// Folders to watch.
    pub dirs: Vec<PathBuf>,
    /// File-name globs; empty is `*.ndjson` and `*.jsonl`.
    pub globs: Vec<String>,
    /// Rescan this often even without a notification.
    pub poll: Duration,
}

/// Counts of a watcher, for its summary and status displays.
#[derive(Debug, Default)]
pub struct WatchStats {
    /// Files followed.
    pub files: AtomicU64,
    /// Records newly stored.
    pub accepted: AtomicU64,
    /// Records already stored.
    pub duplicates: AtomicU64,
    /// Records quarantined.
    pub rejected: AtomicU64,
    /// Rotations seen.
    pub rotations: AtomicU64,
    /// Truncations seen.
    pub truncations: AtomicU64,
}

/// A snapshot of [`WatchStats`]: `trailview watch --json`'s summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WatchCounts {
    /// Files followed.
    pub files: u64,
    /// Records newly stored.
    pub accepted: u64,
    /// Records already stored.
    pub duplicates: u64,
    /// Records quarantined.
    pub rejected: u64,
    /// Rotations seen.
    pub rotations: u64,
    /// Truncations seen.
    pub truncations: u64,
}

impl WatchStats {
    /// The counts now.
    pub fn snapshot(&self) -> WatchCounts {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        WatchCounts {
            files: g(&self.files),
            accepted: g(&self.accepted),
            duplicates: g(&self.duplicates),
            rejected: g(&self.rejected),
            rotations: g(&self.rotations),
            truncations: g(&self.truncations),
        }
    }
}

/// One followed file.
struct Tail {
    file: File,
    dev: u64,
    ino: u64,
    /// Consumed: the start of the line being held (the checkpoint).
    offset: u64,
    /// Lines consumed.
    line: u64,
    /// Where the next read starts (past `held`).
    pos: u64,
    /// The partial last line.
    held: Vec<u8>,
    /// A partial last line past the size cap: its hash and length so far.
    over: Option<(Sha256, u64)>,
    head_len: u64,
    head_sha256: [u8; 32],
}

impl Tail {
    fn open(file: File, dev: u64, ino: u64, offset: u64, line: u64) -> Tail {
        Tail {
            file,
            dev,
            ino,
            offset,
            line,
            pos: offset,
            held: Vec::new(),
            over: None,
            head_len: 0,
            head_sha256: [0; 32],
        }
    }
}

fn ident(meta: &std::fs::Metadata) -> (u64, u64) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        (meta.dev(), meta.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        (0, 0)
    }
}

/// SHA-256 of the first `len` bytes of `file`.
fn head_hash(file: &mut File, len: u64) -> std::io::Result<[u8; 32]> {
    let mut buf = vec![0u8; len as usize];
    file.seek(SeekFrom::Start(0))?;
    file.read_exact(&mut buf)?;
    Ok(Sha256::digest(&buf).into())
}

/// The watcher.
pub struct Watch {
    writer: LiveWriter,
    opts: WatchOptions,
    globs: Vec<glob::Pattern>,
    tails: HashMap<PathBuf, Tail>,
    saved: HashMap<String, Checkpoint>,
    /// Files finished after a rotation, by (device, inode): where they ended. A rotated file
    /// that still matches the globs under its new name continues from there, not from 0.
    finished: HashMap<(u64, u64), (u64, u64)>,
    stats: Arc<WatchStats>,
    grant: Grant,
    stop: Arc<AtomicBool>,
}

impl Watch {
    /// A watcher writing through `writer`; loads the store's checkpoints.
    pub fn new(writer: LiveWriter, opts: WatchOptions) -> Result<Watch, LiveError> {
        let patterns = if opts.globs.is_empty() {
            vec!["*.ndjson".to_owned(), "*.jsonl".to_owned()]
        } else {
            opts.globs.clone()
        };
        let globs = patterns
            .iter()
            .map(|g| {
                glob::Pattern::new(g).map_err(|e| LiveError::Config(format!("--glob {g:?}: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        for d in &opts.dirs {
            if !d.is_dir() {
                return Err(LiveError::Config(format!(
                    "{} is not a folder",
                    d.display()
                )));
            }
        }
        let saved = load_checkpoints(writer.path())?;
        Ok(Watch {
            writer,
            opts,
            globs,
            tails: HashMap::new(),
            saved,
            finished: HashMap::new(),
            stats: Arc::new(WatchStats::default()),
            grant: Grant::any_tenant(),
            stop: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The watcher's counters.
    pub fn stats(&self) -> Arc<WatchStats> {
        self.stats.clone()
    }

    /// Follow the folders until `stop` is set (checked between batches too, so a long file
    /// does not hold up a Ctrl-C; what was committed is checkpointed).
    pub fn run(&mut self, stop: Arc<AtomicBool>) -> Result<(), LiveError> {
        self.stop = stop.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let mut watcher = notify::recommended_watcher(move |ev| {
            let _ = tx.send(ev);
        })
        .map_err(|e| LiveError::Io(format!("cannot watch for changes: {e}")))?;
        for d in &self.opts.dirs {
            watcher
                .watch(d, RecursiveMode::NonRecursive)
                .map_err(|e| LiveError::Io(format!("cannot watch {}: {e}", d.display())))?;
        }
        while !stop.load(Ordering::Relaxed) {
            self.scan_once()?;
            // Sleep until something changes (or the poll interval passes), then take every
            // notification that piled up: one rescan covers them all.
            let _ = rx.recv_timeout(self.opts.poll);
            while rx.try_recv().is_ok() {}
        }
        Ok(())
    }

    /// One pass over every matching file: read what is new.
    pub fn scan_once(&mut self) -> Result<(), LiveError> {
        let mut paths = Vec::new();
        for d in &self.opts.dirs {
            let entries = std::fs::read_dir(d)
                .map_err(|e| LiveError::Io(format!("cannot list {}: {e}", d.display())))?;
            for e in entries.flatten() {
                let name = e.file_name();
                let Some(name) = name.to_str() else { continue };
                if name.starts_with('.') || !self.globs.iter().any(|g| g.matches(name)) {
                    continue;
                }
                if e.file_type().is_ok_and(|t| t.is_file()) {
                    paths.push(e.path());
                }
            }
        }
        paths.sort();
        for p in paths {
            self.follow(&p)?;
        }
        self.stats
            .files
            .store(self.tails.len() as u64, Ordering::Relaxed);
        Ok(())
    }

    fn follow(&mut self, path: &Path) -> Result<(), LiveError> {
        let Ok(file) = File::open(path) else {
            return Ok(()); // gone between listing and opening: the next scan sees it
        };
        let Ok(meta) = file.metadata() else {
            return Ok(());
        };
        let (dev, ino) = ident(&meta);
        let len = meta.len();
        let name = path.display().to_string();
        let mut tail = match self.tails.remove(path) {
            Some(mut t) if (t.dev, t.ino) == (dev, ino) => {
                if len < t.offset.max(t.pos) || !same_head(&mut t.file, t.head_len, &t.head_sha256)
                {
                    self.stats.truncations.fetch_add(1, Ordering::Relaxed);
                    Tail::open(file, dev, ino, 0, 0)
                } else {
                    t
                }
            }
            Some(mut old) => {
                // Rotated: finish the old file through the handle still open on it.
                self.stats.rotations.fetch_add(1, Ordering::Relaxed);
                self.read(&name, &mut old, true)?;
                self.finished
                    .insert((old.dev, old.ino), (old.offset, old.line));
                Tail::open(file, dev, ino, 0, 0)
            }
            None if self.tails.values().any(|t| (t.dev, t.ino) == (dev, ino)) => {
                // A followed file under a new name (renamed, still matching the globs): go on
                // from where it was, under its new name.
                let from = self
                    .tails
                    .iter()
                    .find(|(_, t)| (t.dev, t.ino) == (dev, ino))
                    .map(|(p, _)| p.clone())
                    .expect("found above");
                self.tails.remove(&from).expect("found above")
            }
            None => match self.saved.remove(&name) {
                Some(cp) if (cp.dev, cp.ino) == (dev, ino) => {
                    let mut f = file;
                    if len >= cp.offset && same_head(&mut f, cp.head_len, &cp.head_sha256) {
                        let mut t = Tail::open(f, dev, ino, cp.offset, cp.line);
                        t.head_len = cp.head_len;
                        t.head_sha256 = cp.head_sha256;
                        t
                    } else {
                        self.stats.truncations.fetch_add(1, Ordering::Relaxed);
                        Tail::open(f, dev, ino, 0, 0)
                    }
                }
                Some(cp) => {
                    // Rotated while we were not running: finish the old file if it is still in
                    // the folder under another name.
                    if let Some(old) = find_inode(path, cp.dev, cp.ino) {
                        let mut t = Tail::open(old, cp.dev, cp.ino, cp.offset, cp.line);
                        t.head_len = cp.head_len;
                        t.head_sha256 = cp.head_sha256;
                        if same_head(&mut t.file, cp.head_len, &cp.head_sha256) {
                            self.stats.rotations.fetch_add(1, Ordering::Relaxed);
                            self.read(&name, &mut t, true)?;
                        }
                    }
                    Tail::open(file, dev, ino, 0, 0)
                }
                None => match self.finished.get(&(dev, ino)) {
                    // A rotated file under its new name: already read to where it ended.
                    Some(&(offset, line)) if len >= offset => {
                        Tail::open(file, dev, ino, offset, line)
                    }
                    _ => Tail::open(file, dev, ino, 0, 0),
                },
            },
        };
        self.read(&name, &mut tail, false)?;
        self.tails.insert(path.to_owned(), tail);
        Ok(())
    }

    /// Read `t` from where it stopped to its end, writing complete lines with checkpoints.
    /// `last`: the file will grow no more (rotated away): a held partial line is final.
    fn read(&self, name: &str, t: &mut Tail, last: bool) -> Result<(), LiveError> {
        let source: Arc<str> = Arc::from(name);
        let mut buf = vec![0u8; READ];
        let mut batch: Vec<Record> = Vec::new();
        t.file
            .seek(SeekFrom::Start(t.pos))
            .map_err(|e| LiveError::Io(format!("cannot read {name}: {e}")))?;
        loop {
            let n = match t.file.read(&mut buf) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(LiveError::Io(format!("cannot read {name}: {e}"))),
            };
            if n == 0 {
                break;
            }
            t.pos += n as u64;
            let mut start = 0;
            while start < n {
                let nl = memchr::memchr(b'\n', &buf[start..n]);
                let end = nl.map_or(n, |i| start + i);
                let seg = &buf[start..end];
                match &mut t.over {
                    Some((h, l)) => {
                        h.update(seg);
                        *l += seg.len() as u64;
                    }
                    None if t.held.len() + seg.len() > MAX_RECORD_BYTES => {
                        let mut h = Sha256::new();
                        h.update(&t.held);
                        h.update(seg);
                        t.over = Some((h, (t.held.len() + seg.len()) as u64));
                        t.held = Vec::new();
                    }
                    None => t.held.extend_from_slice(seg),
                }
                if nl.is_none() {
                    break;
                }
                self.complete_line(&source, t, &mut batch);
                start = end + 1;
                if batch.len() >= BATCH {
                    self.commit(name, t, &mut batch)?;
                    if self.stop.load(Ordering::Relaxed) {
                        return Ok(());
                    }
                }
            }
        }
        if last && (t.over.is_some() || !t.held.is_empty()) {
            let at = t.offset;
            let lnum = t.line + 1;
            let len = match t.over.take() {
                Some((h, len)) => {
                    batch.push(protocol::oversized_record(
                        len,
                        h.finalize().into(),
                        &source,
                        lnum,
                        at,
                        self.writer.now_us(),
                    ));
                    len
                }
                None => {
                    let held = std::mem::take(&mut t.held);
                    let len = held.len() as u64;
                    if held.iter().any(|b| !b.is_ascii_whitespace()) {
                        let mut r = protocol::truncated_record(
                            held,
                            &source,
                            lnum,
                            at,
                            self.writer.now_us(),
                        );
                        if let crate::store::Item::Refused(f) = &mut r.item {
                            f.message = "the file was rotated away with this last line unfinished \
                                         (no final newline)"
                                .into();
                        }
                        batch.push(r);
                    }
                    len
                }
            };
            t.offset += len;
            t.line += 1;
        }
        if !batch.is_empty() || last {
            self.commit(name, t, &mut batch)?;
        }
        Ok(())
    }

    fn complete_line(&self, source: &Arc<str>, t: &mut Tail, batch: &mut Vec<Record>) {
        let at = t.offset;
        t.line += 1;
        let lnum = t.line;
        match t.over.take() {
            Some((h, len)) => {
                t.offset += len + 1;
                batch.push(protocol::oversized_record(
                    len,
                    h.finalize().into(),
                    source,
                    lnum,
                    at,
                    self.writer.now_us(),
                ));
            }
            None => {
                let mut line = std::mem::take(&mut t.held);
                t.offset += line.len() as u64 + 1;
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                if at == 0 && line.starts_with(b"\xEF\xBB\xBF") {
                    line.drain(..3);
                }
                if line.iter().all(u8::is_ascii_whitespace) {
                    return;
                }
                batch.extend(protocol::line_records(
                    line,
                    source,
                    lnum,
                    at,
                    self.writer.now_us(),
                    &self.grant,
                ));
            }
        }
    }

    /// Write `batch` with the checkpoint after it, and wait for the commit.
    fn commit(&self, name: &str, t: &mut Tail, batch: &mut Vec<Record>) -> Result<(), LiveError> {
        if t.head_len < HEAD_BYTES && t.offset > t.head_len {
            let len = t.offset.min(HEAD_BYTES);
            t.head_sha256 = head_hash(&mut t.file, len)
                .map_err(|e| LiveError::Io(format!("cannot read {name}: {e}")))?;
            t.head_len = len;
            t.file
                .seek(SeekFrom::Start(t.pos))
                .map_err(|e| LiveError::Io(format!("cannot read {name}: {e}")))?;
        }
        let cp = Checkpoint {
            path: name.to_owned(),
            dev: t.dev,
            ino: t.ino,
            offset: t.offset,
            line: t.line,
            head_len: t.head_len,
            head_sha256: t.head_sha256,
        };
        let items: Vec<_> = std::mem::take(batch).into_iter().map(|r| r.item).collect();
        let outcomes = self
            .writer
            .submit_blocking(items, Some(cp))?
            .blocking_outcomes()?;
        for o in outcomes {
            let c = match o {
                Outcome::Accepted { .. } => &self.stats.accepted,
                Outcome::Duplicate { .. } => &self.stats.duplicates,
                Outcome::Rejected { .. } => &self.stats.rejected,
            };
            c.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }
}

/// Whether the first `len` bytes of `file` still hash to `sha`.
fn same_head(file: &mut File, len: u64, sha: &[u8; 32]) -> bool {
    len == 0 || head_hash(file, len).is_ok_and(|h| &h == sha)
}

/// A file in `path`'s folder with this device and inode (a rotated file's new name).
fn find_inode(path: &Path, dev: u64, ino: u64) -> Option<File> {
    let dir = path.parent()?;
    for e in std::fs::read_dir(dir).ok()?.flatten() {
        let p = e.path();
        if p == path {
            continue;
        }
        if let Ok(m) = std::fs::metadata(&p) {
            if m.is_file() && ident(&m) == (dev, ino) {
                return File::open(&p).ok();
            }
        }
    }
    None
}

fn load_checkpoints(path: &Path) -> Result<HashMap<String, Checkpoint>, LiveError> {
    let store = Store::open_read_only(path)?;
    let mut stmt = store
        .conn()
        .prepare("SELECT path, dev, ino, offset, line, head_len, head_sha256 FROM live_checkpoints")
        .map_err(crate::store::StoreError::from)?;
    let rows = stmt
        .query_map([], |r| {
            let sha: Vec<u8> = r.get(6)?;
            Ok(Checkpoint {
                path: r.get(0)?,
                dev: r.get::<_, i64>(1)? as u64,
                ino: r.get::<_, i64>(2)? as u64,
                offset: r.get::<_, i64>(3)? as u64,
                line: r.get::<_, i64>(4)? as u64,
                head_len: r.get::<_, i64>(5)? as u64,
                head_sha256: sha.try_into().unwrap_or([0; 32]),
            })
        })
        .map_err(crate::store::StoreError::from)?;
    let mut out = HashMap::new();
    for r in rows {
        let cp = r.map_err(crate::store::StoreError::from)?;
        out.insert(cp.path.clone(), cp);
    }
    Ok(out)
}
