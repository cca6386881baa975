//! Open: import a bundle, read-only, into a cache store keyed by the bundle's SHA-256.
//!
//! The cache store is an ordinary Trailview store (`<cache>/<sha256>/store.db`), so every query
//! and view works on it unchanged. It is built in one pass that verifies as it imports (the
//! verify walk feeds a writer thread, like ingest), under a temporary name renamed into place
//! when complete; the bundle's report is kept in the store's `meta` (key `bundle`). Opening the
//! same bytes again finds the finished store: it costs one SHA-256 of the file, and re-judges
//! only the signer's trust (the user's trusted keys may have changed since).
//!
//! A broken bundle still opens (support staff may need to look), with a broken badge naming
//! where; an event whose bytes fail their digest, or whose envelope names another tenant, is not
//! imported.
//!
//! The bundle file is only ever read. Events keep their `received_at` and origin from the
//! index; their `seq` in the cache store is their position + 1 (the exporting store's seq is in
//! the index, and the bundle's first/last seq in the report).

use std::collections::HashMap;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;
use std::sync::Arc;

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::verify::{Problem, ProblemCode};
use super::{BundleError, BundleReport, QuarantineLine};
use crate::keys::KeyRing;
use crate::normalize::{self, Reason};
use crate::store::{Item, Keys, Origin, Outcome, Prepared, Refused, Store};
use crate::time;

/// The cache directory when none is given: `$TRAILVIEW_CACHE`, else `cache/bundles/` in the
/// user's data directory.
pub fn default_cache_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("TRAILVIEW_CACHE").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    match directories::ProjectDirs::from("dev", "trailview", "trailview") {
        Some(dirs) => dirs.data_dir().join("cache").join("bundles"),
        None => PathBuf::from("trailview-cache"),
    }
}

/// What a store opened from a bundle knows about it (kept in its `meta`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct BundleInfo {
    /// Hex SHA-256 of the bundle file.
    pub bundle_sha256: String,
    /// The bundle's path when it was first opened.
    pub bundle_path: String,
    /// The verification report (trust as of this answer).
    pub report: BundleReport,
    /// Events imported.
    #[ts(type = "number")]
    pub imported: u64,
    /// Quarantined records imported.
    #[ts(type = "number")]
    pub quarantined: u64,
}

/// What `open` did: the CLI's `--json` contract.
#[derive(Debug, Clone, Serialize)]
pub struct OpenReport {
    /// The cache store to query.
    pub store: String,
    /// Already imported earlier (this open only re-checked trust).
    pub cached: bool,
    /// The bundle, its report and counts.
    pub info: BundleInfo,
}

/// Where an open is, for a progress bar.
#[derive(Debug, Clone, Default)]
pub struct OpenProgress {
    /// Events read.
    pub events: u64,
    /// Events the manifest announces.
    pub total: u64,
}

const META_KEY: &str = "bundle";
const CHUNK: usize = 1024;

/// Open `bundle`: import it into a cache store under `cache_dir` (or find it there) and verify
/// it against `ring`.
pub fn open_bundle(
    bundle: &Path,
    cache_dir: &Path,
    ring: &KeyRing,
    progress: &mut dyn FnMut(&OpenProgress),
) -> Result<OpenReport, BundleError> {
    let (_, sha) = super::export::file_sha256(bundle)?;
    let dir = cache_dir.join(&sha);
    let store_path = dir.join("store.db");
    if let Some(mut info) = cached(&store_path)? {
        info.report.retrust(ring)?;
        return Ok(OpenReport {
            store: store_path.display().to_string(),
            cached: true,
            info,
        });
    }
    std::fs::create_dir_all(cache_dir)
        .map_err(|e| BundleError::io(format!("cannot create {}", cache_dir.display()), e))?;
    let work = tempfile::Builder::new()
        .prefix(&format!(".{sha}-"))
        .tempdir_in(cache_dir)
        .map_err(|e| BundleError::io(format!("cannot write in {}", cache_dir.display()), e))?;
    let mut store = Store::open(&work.path().join("store.db"))?;
    // The manifest as found (verified by the walk): its tenant gates every event, its count
    // sizes the progress bar.
    let hint = super::verify::open_zip(bundle)?
        .ok()
        .and_then(|mut z| super::verify::read_part(&mut z, super::names::MANIFEST).ok())
        .flatten()
        .and_then(|b| serde_json::from_slice::<super::Manifest>(&b).ok());
    let tenant = hint.as_ref().map(|m| m.tenant.clone());
    let mut prog = OpenProgress {
        events: 0,
        total: hint.as_ref().map_or(0, |m| m.counts.events),
    };
    let mut extra: Vec<Problem> = Vec::new();
    let (tx, rx) = sync_channel::<Vec<(Item, i64)>>(4);
    let (report, imported) = std::thread::scope(|scope| -> Result<_, BundleError> {
        let extra = &mut extra;
        let reader = scope.spawn(move || -> Result<BundleReport, BundleError> {
            let tx = tx;
            let mut origins: HashMap<String, Arc<str>> = HashMap::new();
            let mut chunk = Vec::with_capacity(CHUNK);
            let mut stopped = false;
            let report = super::verify::walk(bundle, ring, &mut |e, _, raw| {
                if stopped {
                    return Ok(());
                }
                let source = origins
                    .entry(e.origin.source.clone())
                    .or_insert_with(|| Arc::from(e.origin.source.as_str()))
                    .clone();
                let origin = Origin {
                    source,
                    line: e.origin.line,
                    index: e.origin.index,
                    offset: e.origin.offset,
                };
                let received_at = time::parse_rfc3339(&e.received_at).map_err(|err| {
                    BundleError::Malformed(format!("seq {}: received_at: {err}", e.seq))
                })?;
                // The walk checked the raw bytes against this digest: no need to hash them again.
                let sha: [u8; 32] = hex::decode(&e.sha256)
                    .ok()
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| BundleError::Malformed(format!("seq {}: sha256", e.seq)))?;
                let item = match normalize::normalize(raw) {
                    Ok(n) => Item::Event(Box::new(Prepared {
                        keys: Keys::of(&n.event),
                        event: n.event,
                        raw: raw.to_vec(),
                        raw_sha256: sha,
                        origin,
                        received_at,
                    })),
                    Err(rej) => Item::Refused(Box::new(Refused::new(
                        raw.to_vec(),
                        origin,
                        rej.reason,
                        rej.message,
                        received_at,
                    ))),
                };
                if let Item::Event(p) = &item {
                    if tenant.as_deref() != Some(p.event.tenant.as_str()) {
                        // Never let another tenant's event in, whatever the bundle says.
                        extra.push(Problem {
                            code: ProblemCode::ForeignTenant,
                            message: format!(
                                "position {}, seq {}, id {}: the envelope is tenant {:?}, the \
                                 bundle is tenant {:?}; not imported",
                                e.n,
                                e.seq,
                                e.id,
                                p.event.tenant,
                                tenant.as_deref().unwrap_or("?")
                            ),
                            part: Some(super::names::EVENTS.into()),
                            position: Some(e.n),
                            seq: Some(e.seq),
                            event_id: Some(e.id.clone()),
                        });
                        return Ok(());
                    }
                }
                chunk.push((item, e.seq));
                if chunk.len() == CHUNK {
                    let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                    stopped = tx.send(full).is_err();
                }
                Ok(())
            })?;
            if !stopped {
                let _ = tx.send(chunk);
            }
            Ok(report)
        });
        let written = (|| -> Result<u64, BundleError> {
            let rx = rx;
            let mut tx = store.appender()?;
            let mut n = 0u64;
            let mut since = 0usize;
            for items in rx.iter() {
                for (item, source_seq) in &items {
                    if let Outcome::Accepted { seq } = tx.push(item)? {
                        tx.conn()
                            .prepare_cached(
                                "INSERT INTO bundle_seqs (seq, source_seq) VALUES (?1, ?2)",
                            )?
                            .execute([seq, *source_seq])?;
                        n += 1;
                    }
                }
                prog.events += items.len() as u64;
                since += items.len();
                if since >= 100_000 {
                    tx.checkpoint()?;
                    since = 0;
                }
                progress(&prog);
            }
            tx.commit()?;
            Ok(n)
        })();
        let report = reader.join().expect("the bundle reader does not panic");
        let imported = written?;
        Ok((report?, imported))
    })?;
    let mut report = report;
    report.problems.extend(extra);
    report.settle();
    let quarantined = import_quarantine(&mut store, bundle, &mut report)?;
    store.refresh_planner_stats()?;
    // The cache store is only ever read after this: build its derived indexes now, as
    // `trailview ingest` does (histogram and `stats` counts, free-text search), so a bundle's
    // views are as fast as the own store's. The projections are folded on read.
    store.roll_up()?;
    store.index_text(|_, _| {})?;
    let info = BundleInfo {
        bundle_sha256: sha.clone(),
        bundle_path: bundle.display().to_string(),
        report,
        imported,
        quarantined,
    };
    let json = serde_json::to_string(&info)
        .map_err(|e| BundleError::Malformed(format!("bundle info: {e}")))?;
    store.conn().execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        rusqlite::params![META_KEY, json],
    )?;
    store.checkpoint()?;
    drop(store);
    // Into place; if another open finished first, theirs is the same import.
    let work = work.keep();
    if std::fs::rename(&work, &dir).is_err() {
        let _ = std::fs::remove_dir_all(&work);
        if !store_path.exists() {
            return Err(BundleError::Io(format!(
                "cannot move the imported store into {}",
                dir.display()
            )));
        }
    }
    Ok(OpenReport {
        store: store_path.display().to_string(),
        cached: false,
        info,
    })
}

fn cached(store_path: &Path) -> Result<Option<BundleInfo>, BundleError> {
    if !store_path.exists() {
        return Ok(None);
    }
    if let Err(crate::store::StoreError::Incompatible(_)) = Store::open_read_only(store_path) {
        // Imported by an older Trailview: bring the cache store (ours, derived from the bundle)
        // up to this schema once; migrations add derived tables, the events stay as they are.
        drop(Store::open(store_path)?);
    }
    let store = Store::open_read_only(store_path)?;
    read_info(&store)
}

fn read_info(store: &Store) -> Result<Option<BundleInfo>, BundleError> {
    let json: Option<String> = store
        .conn()
        .query_row("SELECT value FROM meta WHERE key = ?1", [META_KEY], |r| {
            r.get(0)
        })
        .optional()?;
    json.map(|j| {
        serde_json::from_str(&j)
            .map_err(|e| BundleError::Malformed(format!("the cached bundle info: {e}")))
    })
    .transpose()
}

/// The bundle a store was opened from, with its signer's trust judged against `ring` now;
/// `None` for an ordinary store.
pub fn bundle_info(store: &Store, ring: &KeyRing) -> Result<Option<BundleInfo>, BundleError> {
    let Some(mut info) = read_info(store)? else {
        return Ok(None);
    };
    info.report.retrust(ring)?;
    Ok(Some(info))
}

fn import_quarantine(
    store: &mut Store,
    bundle: &Path,
    report: &mut BundleReport,
) -> Result<u64, BundleError> {
    let mut zip = super::verify::open_zip(bundle)?.map_err(BundleError::Malformed)?;
    let part = match zip.by_name(super::names::QUARANTINE) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(0),
        Err(e) => return Err(e.into()),
    };
    // Line by line, in batches: the quarantine may hold large envelopes (4 MiB each at most,
    // JSON-escaped here, hence the bound per line).
    let mut reader = std::io::BufReader::new(part);
    let tenant = report.manifest.as_ref().map(|m| m.tenant.clone());
    let mut items = Vec::new();
    let mut n = 0u64;
    let mut line = Vec::new();
    let mut i = 0usize;
    loop {
        line.clear();
        let k = (&mut reader)
            .take(super::verify::MAX_SMALL_PART)
            .read_until(b'\n', &mut line)
            .map_err(|e| BundleError::io("cannot read quarantine.ndjson", e))?;
        if k == 0 {
            break;
        }
        i += 1;
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        if line.is_empty() {
            continue;
        }
        let i = i - 1;
        let q: Option<QuarantineLine> = serde_json::from_slice(&line).ok();
        let parsed = q.and_then(|q| {
            let reason = Reason::from_code(&q.reason)?;
            let sha: [u8; 32] = hex::decode(&q.raw_sha256).ok()?.try_into().ok()?;
            let received_at = time::parse_rfc3339(&q.received_at).ok()?;
            Some((q, reason, sha, received_at))
        });
        let Some((q, reason, sha, received_at)) = parsed else {
            report.problems.push(Problem::new(
                ProblemCode::Malformed,
                format!(
                    "quarantine.ndjson line {} cannot be read; not imported",
                    i + 1
                ),
            ));
            continue;
        };
        if q.tenant != tenant {
            report.problems.push(Problem::new(
                ProblemCode::ForeignTenant,
                format!(
                    "quarantine.ndjson line {}: a record of tenant {:?}; not imported",
                    i + 1,
                    q.tenant
                ),
            ));
            continue;
        }
        items.push(Item::Refused(Box::new(Refused {
            raw_len: q.raw_len,
            raw: q.raw.map(String::into_bytes),
            raw_sha256: sha,
            origin: Origin {
                source: Arc::from(q.origin.source.as_str()),
                line: q.origin.line,
                index: q.origin.index,
                offset: q.origin.offset,
            },
            reason,
            message: q.message,
            identity: q.tenant.zip(q.event_id),
            received_at,
        })));
        if items.len() == CHUNK {
            n += items.len() as u64;
            store.append(&std::mem::take(&mut items))?;
        }
    }
    report.settle();
    if !items.is_empty() {
        n += items.len() as u64;
        store.append(&items)?;
    }
    Ok(n)
}
