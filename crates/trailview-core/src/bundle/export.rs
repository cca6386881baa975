//! Export: one tenant's events (optionally a filtered selection) into a signed bundle.
//!
//! Two threads, like ingest: the caller's reads rows from SQLite in `seq` order, re-derives each
//! event's id from its raw bytes (the store keeps only a key of it), hashes it and builds its
//! index line; a writer thread compresses `events.ndjson` into the zip, spools the index lines
//! to a temporary file and grows the Merkle tree. Chunks cross a bounded channel, so memory is
//! flat whatever the size. The bundle is written next to its destination and renamed into place
//! when complete: there is never a half-written `.trail` under the name asked for.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;

use rusqlite::params_from_iter;
use serde::Serialize;
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::merkle::{leaf_hash, Frontier};
use super::{
    names, BundleCounts, BundleError, BundleFiles, EntryOrigin, ExportFilter, FileDigest,
    IndexEntry, Manifest, MerkleHead, QuarantineLine, SignatureFile, StoreHead, TimeRange, FORMAT,
    FORMAT_VERSION, MERKLE_ALGORITHM,
};
use crate::keys::Identity;
use crate::normalize;
use crate::query::{EventQuery, TenantScope, TypePattern};
use crate::store::Store;
use crate::time::{self, Micros};

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// The one tenant ("" for personal events).
    pub tenant: String,
    /// Narrow the selection within the tenant.
    pub filter: ExportFilter,
    /// Include the tenant's quarantined records (conflicts).
    pub with_quarantine: bool,
    /// `manifest.producer`.
    pub producer: String,
    /// `manifest.created_at` (the caller's clock: the core reads none).
    pub created_at: Micros,
}

/// Where an export is, for a progress bar.
#[derive(Debug, Clone, Default)]
pub struct ExportProgress {
    /// Events written so far.
    pub events: u64,
    /// Events selected (an estimate when filtering by correlation or execution).
    pub total: u64,
}

/// What an export wrote: the CLI's `--json` contract.
#[derive(Debug, Clone, Serialize)]
pub struct ExportSummary {
    /// The bundle file.
    pub path: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// Hex SHA-256 of the bundle file (what `open` keys its cache by).
    pub sha256: String,
    /// The signer's fingerprint.
    pub fingerprint: String,
    /// The signed manifest.
    pub manifest: Manifest,
}

/// Events per hand-over to the writer thread.
const CHUNK: usize = 1024;

/// Compression of the parts: deflate at level 1 is 4–5× smaller than stored NDJSON at a
/// fraction of the cost of the default level (docs/BENCHMARKS.md).
fn part_options() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(1))
        .large_file(true)
}

impl ExportOptions {
    fn query(&self) -> Result<EventQuery, BundleError> {
        let f = &self.filter;
        let mut q = EventQuery::new(TenantScope::One(self.tenant.clone()));
        q.types = f
            .types
            .as_deref()
            .map(TypePattern::new)
            .transpose()
            .map_err(|m| BundleError::BadRequest(format!("type: {m}")))?;
        let bound = |s: &Option<String>, what: &str| {
            s.as_deref()
                .map(|v| {
                    time::parse_bound(v)
                        .map_err(|e| BundleError::BadRequest(format!("{what} {v:?}: {e}")))
                })
                .transpose()
        };
        q.since = bound(&f.since, "since")?;
        q.until = bound(&f.until, "until")?;
        q.source = f.source.clone();
        q.user_id = f.user_id.clone();
        q.correlation_id = f.correlation_id.clone();
        q.execution_id = f.execution_id.clone();
        Ok(q)
    }
}

/// What the index thread hands back.
struct IndexWritten {
    file: File,
    digest: FileDigest,
    frontier: Frontier,
}

/// Export `opts.tenant`'s events from `store` to a bundle at `out`, signed by `identity`.
pub fn export(
    store: &Store,
    opts: &ExportOptions,
    identity: &Identity,
    out: &Path,
    progress: &mut dyn FnMut(&ExportProgress),
) -> Result<ExportSummary, BundleError> {
    let q = opts.query()?;
    let known: bool = store.conn().query_row(
        "SELECT EXISTS (SELECT 1 FROM tenants WHERE name = ?1)",
        [&opts.tenant],
        |r| r.get(0),
    )?;
    if !known {
        return Err(BundleError::NotFound(format!(
            "no tenant {:?} in {}",
            opts.tenant,
            store.path().display()
        )));
    }
    // Times as written in the manifest: normalized to RFC 3339 UTC.
    let mut filter = opts.filter.clone();
    filter.since = q.since.map(time::format_us);
    filter.until = q.until.map(time::format_us);
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".trailview-export-")
        .suffix(".partial")
        .tempfile_in(&dir)
        .map_err(|e| BundleError::io(format!("cannot write in {}", dir.display()), e))?;
    let zip_file = tmp
        .reopen()
        .map_err(|e| BundleError::io("cannot reopen the temporary bundle", e))?;
    let mut zip = ZipWriter::new(BufWriter::with_capacity(1 << 20, zip_file));

    let filtered = store.filter(&q)?;
    let mut prog = ExportProgress {
        events: 0,
        total: if filtered.is_some() {
            store.count(&q)?
        } else {
            0
        },
    };
    progress(&prog);

    // Three threads: this one reads and hashes; one compresses events.ndjson into the bundle;
    // one compresses index.ndjson into a temporary zip (copied over compressed at the end, as
    // a zip holds one open part at a time) and grows the Merkle tree.
    let (tx_ev, rx_ev) = sync_channel::<Vec<Vec<u8>>>(4);
    let (tx_ix, rx_ix) = sync_channel::<Vec<Vec<u8>>>(4);
    let stats = std::thread::scope(|scope| -> Result<_, BundleError> {
        let zip = &mut zip;
        let events_writer = scope.spawn(move || -> Result<FileDigest, BundleError> {
            zip.start_file(names::EVENTS, part_options())?;
            let mut sha = Sha256::new();
            let mut bytes = 0u64;
            for chunk in rx_ev.iter() {
                for raw in chunk {
                    zip.write_all(&raw)
                        .and_then(|()| zip.write_all(b"\n"))
                        .map_err(|e| BundleError::io("cannot write the bundle", e))?;
                    sha.update(&raw);
                    sha.update(b"\n");
                    bytes += raw.len() as u64 + 1;
                }
            }
            Ok(FileDigest {
                bytes,
                sha256: hex::encode(sha.finalize()),
            })
        });
        let dir = &dir;
        let index_writer = scope.spawn(move || -> Result<IndexWritten, BundleError> {
            let file = tempfile::tempfile_in(dir)
                .map_err(|e| BundleError::io("cannot create a temporary index", e))?;
            let mut iz = ZipWriter::new(BufWriter::with_capacity(1 << 20, file));
            iz.start_file(names::INDEX, part_options())?;
            let mut sha = Sha256::new();
            let mut bytes = 0u64;
            let mut frontier = Frontier::new();
            for chunk in rx_ix.iter() {
                for line in chunk {
                    frontier.push(leaf_hash(&line));
                    iz.write_all(&line)
                        .and_then(|()| iz.write_all(b"\n"))
                        .map_err(|e| BundleError::io("cannot write the temporary index", e))?;
                    sha.update(&line);
                    sha.update(b"\n");
                    bytes += line.len() as u64 + 1;
                }
            }
            let mut file = iz
                .finish()?
                .into_inner()
                .map_err(|e| BundleError::io("cannot write the temporary index", e.error()))?;
            file.seek(SeekFrom::Start(0))
                .map_err(|e| BundleError::io("cannot rewind the temporary index", e))?;
            Ok(IndexWritten {
                file,
                digest: FileDigest {
                    bytes,
                    sha256: hex::encode(sha.finalize()),
                },
                frontier,
            })
        });
        let read = (|| -> Result<ReadStats, BundleError> {
            // Dropped on return: the writers then see the end (or our error).
            let (tx_ev, tx_ix) = (tx_ev, tx_ix);
            let mut stats = ReadStats::default();
            let Some((clauses, args)) = filtered else {
                return Ok(stats);
            };
            let mut sql = "SELECT e.seq, e.received_at, o.name, e.origin_line, e.origin_index,
                    e.origin_offset, e.occurred_at, e.raw
                FROM events e JOIN origins o ON o.id = e.origin"
                .to_owned();
            if !clauses.is_empty() {
                sql.push_str(" WHERE ");
                sql.push_str(&clauses.join(" AND "));
            }
            sql.push_str(" ORDER BY e.seq");
            let mut stmt = store.conn().prepare(&sql)?;
            let mut rows = stmt.query(params_from_iter(args))?;
            let mut raws = Vec::with_capacity(CHUNK);
            let mut lines = Vec::with_capacity(CHUNK);
            let mut offset = 0u64;
            while let Some(r) = rows.next()? {
                let seq: i64 = r.get(0)?;
                let raw: Vec<u8> = r.get(7)?;
                let event = normalize::normalize(&raw)
                    .map_err(|rej| {
                        BundleError::Broken(format!(
                            "seq {seq} no longer normalizes ({}); run `trailview verify`",
                            rej.message
                        ))
                    })?
                    .event;
                // The correlation / execution keys are 64-bit prefixes: re-check the text.
                if q.correlation_id
                    .as_ref()
                    .is_some_and(|c| event.correlation_id.as_ref() != Some(c))
                    || q.execution_id
                        .as_deref()
                        .is_some_and(|x| event.execution_id() != Some(x))
                {
                    continue;
                }
                if event.tenant != opts.tenant {
                    // The SQL selected by tenant; a mismatch means a store edited behind its
                    // back. Never let it into another tenant's bundle.
                    return Err(BundleError::Broken(format!(
                        "seq {seq} is filed under tenant {:?} but its envelope says {:?}; run \
                         `trailview verify`",
                        opts.tenant, event.tenant
                    )));
                }
                let entry = IndexEntry {
                    n: stats.events,
                    seq,
                    id: event.id,
                    sha256: hex::encode(Sha256::digest(&raw)),
                    len: raw.len() as u64,
                    offset,
                    received_at: time::format_us(r.get(1)?),
                    origin: EntryOrigin {
                        source: r.get(2)?,
                        line: r.get::<_, Option<i64>>(3)?.map(|v| v as u64),
                        index: r.get::<_, Option<i64>>(4)?.map(|v| v as u64),
                        offset: r.get::<_, Option<i64>>(5)?.map(|v| v as u64),
                    },
                };
                let occurred: Micros = r.get(6)?;
                stats.first_seq.get_or_insert(seq);
                stats.last_seq = Some(seq);
                stats.min_at = Some(stats.min_at.map_or(occurred, |m| m.min(occurred)));
                stats.max_at = Some(stats.max_at.map_or(occurred, |m| m.max(occurred)));
                stats.events += 1;
                offset += raw.len() as u64 + 1;
                let entry_line = serde_json::to_vec(&entry)
                    .map_err(|e| BundleError::Malformed(format!("index entry: {e}")))?;
                raws.push(raw);
                lines.push(entry_line);
                if raws.len() == CHUNK {
                    let r = std::mem::replace(&mut raws, Vec::with_capacity(CHUNK));
                    let l = std::mem::replace(&mut lines, Vec::with_capacity(CHUNK));
                    if tx_ev.send(r).is_err() || tx_ix.send(l).is_err() {
                        return Ok(stats); // a writer failed; its error is reported
                    }
                    prog.events = stats.events;
                    progress(&prog);
                }
            }
            let _ = tx_ev.send(raws);
            let _ = tx_ix.send(lines);
            Ok(stats)
        })();
        let events = events_writer
            .join()
            .expect("the events writer does not panic");
        let index = index_writer
            .join()
            .expect("the index writer does not panic");
        let stats = read?;
        Ok((stats, events?, index?))
    })?;
    let (stats, events_digest, index) = stats;
    prog.events = stats.events;
    progress(&prog);

    // index.ndjson: copied over from the temporary zip, compressed as it is.
    let mut iz = zip::ZipArchive::new(std::io::BufReader::new(index.file))?;
    zip.raw_copy_file(iz.by_index_raw(0)?)?;

    // quarantine.ndjson: the tenant's conflicts only (a record whose tenant could not be read
    // may belong to anyone, so it never leaves the store in a bundle).
    let quarantine = if opts.with_quarantine {
        zip.start_file(names::QUARANTINE, part_options())?;
        Some(write_quarantine(store, &opts.tenant, &mut zip)?)
    } else {
        None
    };

    let root = index.frontier.root();
    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        producer: opts.producer.clone(),
        created_at: time::format_us(opts.created_at),
        tenant: opts.tenant.clone(),
        filter,
        counts: BundleCounts {
            events: stats.events,
            quarantined: quarantine.as_ref().map_or(0, |q| q.1),
        },
        time_range: match (stats.min_at, stats.max_at) {
            (Some(a), Some(b)) => Some(TimeRange {
                first: time::format_us(a),
                last: time::format_us(b),
            }),
            _ => None,
        },
        first_seq: stats.first_seq,
        last_seq: stats.last_seq,
        merkle: MerkleHead {
            algorithm: MERKLE_ALGORITHM.into(),
            tree_size: index.frontier.size(),
            root: hex::encode(root),
        },
        store: StoreHead {
            chain_head: hex::encode(store.head()),
            last_seq: store.last_seq(),
        },
        files: BundleFiles {
            events: events_digest,
            index: index.digest,
            quarantine: quarantine.map(|q| q.0),
        },
    };
    let mut manifest_bytes = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| BundleError::Malformed(format!("manifest: {e}")))?;
    manifest_bytes.push(b'\n');
    let sig = sign(identity, &manifest_bytes);
    let mut sig_bytes = serde_json::to_vec_pretty(&sig)
        .map_err(|e| BundleError::Malformed(format!("signature: {e}")))?;
    sig_bytes.push(b'\n');
    let small = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    zip.start_file(names::MANIFEST, small)?;
    zip.write_all(&manifest_bytes)
        .map_err(|e| BundleError::io("cannot write the bundle", e))?;
    zip.start_file(names::SIGNATURE, small)?;
    zip.write_all(&sig_bytes)
        .map_err(|e| BundleError::io("cannot write the bundle", e))?;
    let mut file = zip.finish()?;
    file.flush()
        .map_err(|e| BundleError::io("cannot write the bundle", e))?;
    let file = file
        .into_inner()
        .map_err(|e| BundleError::io("cannot write the bundle", e.error()))?;
    file.sync_all()
        .map_err(|e| BundleError::io("cannot write the bundle", e))?;
    drop(file);
    let (bytes, sha256) = file_sha256(tmp.path())?;
    tmp.persist(out)
        .map_err(|e| BundleError::io(format!("cannot write {}", out.display()), e.error))?;
    Ok(ExportSummary {
        path: out.display().to_string(),
        bytes,
        sha256,
        fingerprint: identity.fingerprint(),
        manifest,
    })
}

#[derive(Default)]
struct ReadStats {
    events: u64,
    first_seq: Option<i64>,
    last_seq: Option<i64>,
    min_at: Option<Micros>,
    max_at: Option<Micros>,
}

/// The signature of `manifest` by `identity`.
pub(crate) fn sign(identity: &Identity, manifest: &[u8]) -> SignatureFile {
    let pk = identity.public_key();
    SignatureFile {
        algorithm: "ed25519".into(),
        public_key: hex::encode(pk),
        fingerprint: crate::keys::fingerprint(&pk),
        manifest_sha256: hex::encode(Sha256::digest(manifest)),
        signature: hex::encode(identity.sign(manifest)),
    }
}

fn write_quarantine(
    store: &Store,
    tenant: &str,
    out: &mut impl Write,
) -> Result<(FileDigest, u64), BundleError> {
    let mut stmt = store.conn().prepare(
        "SELECT q.qseq, q.received_at, o.name, q.origin_line, q.origin_index, q.origin_offset,
                q.reason, q.message, q.tenant, q.event_id, q.raw_len, q.raw_sha256, q.raw
         FROM quarantine q JOIN origins o ON o.id = q.origin
         WHERE q.tenant = ?1 ORDER BY q.qseq",
    )?;
    let mut rows = stmt.query([tenant])?;
    let mut sha = Sha256::new();
    let (mut bytes, mut count) = (0u64, 0u64);
    while let Some(r) = rows.next()? {
        let u = |v: Option<i64>| v.map(|x| x as u64);
        let raw: Option<Vec<u8>> = r.get(12)?;
        let line = QuarantineLine {
            qseq: r.get(0)?,
            received_at: time::format_us(r.get(1)?),
            origin: EntryOrigin {
                source: r.get(2)?,
                line: u(r.get(3)?),
                index: u(r.get(4)?),
                offset: u(r.get(5)?),
            },
            reason: r.get(6)?,
            message: r.get(7)?,
            tenant: r.get(8)?,
            event_id: r.get(9)?,
            raw_len: r.get::<_, i64>(10)? as u64,
            raw_sha256: hex::encode(r.get::<_, Vec<u8>>(11)?),
            raw: raw.and_then(|b| String::from_utf8(b).ok()),
        };
        let mut text = serde_json::to_vec(&line)
            .map_err(|e| BundleError::Malformed(format!("quarantine line: {e}")))?;
        text.push(b'\n');
        out.write_all(&text)
            .map_err(|e| BundleError::io("cannot write the bundle", e))?;
        sha.update(&text);
        bytes += text.len() as u64;
        count += 1;
    }
    Ok((
        FileDigest {
            bytes,
            sha256: hex::encode(sha.finalize()),
        },
        count,
    ))
}

/// Size and hex SHA-256 of a file, streaming.
pub(crate) fn file_sha256(path: &Path) -> Result<(u64, String), BundleError> {
    let mut f = File::open(path)
        .map_err(|e| BundleError::io(format!("cannot read {}", path.display()), e))?;
    let mut sha = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        let k = f
            .read(&mut buf)
            .map_err(|e| BundleError::io(format!("cannot read {}", path.display()), e))?;
        if k == 0 {
            break;
        }
        sha.update(&buf[..k]);
        n += k as u64;
    }
    Ok((n, hex::encode(sha.finalize())))
}
