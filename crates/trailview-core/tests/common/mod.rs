//! Shared builders for the integration suites (`dialects.rs`, `invariants.rs`).
//!
//! Every store lives in its own temporary directory and is stamped by a [`FixedClock`], so two
//! runs over the same input are byte-for-byte comparable.
#![allow(dead_code)] // each test binary uses its own subset

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use tempfile::TempDir;
use trailview_core::framing::{Frame, Framer};
use trailview_core::ingest::{self, FileSummary, FixedClock, IngestOptions};
use trailview_core::query::{EventQuery, QuarantineRecord, StoredEvent, TenantScope};
use trailview_core::store::Store;

/// 2026-05-05T00:00:00Z: every store in these suites "received" its events then.
pub const RECEIVED_AT: i64 = 1_777_939_200_000_000;

/// `crates/trailview-core/tests/data/<name>`.
pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// The real samples (`shared/samples/real`, copied byte for byte into `tests/data/real` so the
/// tests run from a clone anywhere, not only beside the shared folder).
pub fn samples_dir() -> PathBuf {
    data("real")
}

/// A fresh store in its own temporary directory (kept alive by the returned guard).
pub fn temp_store() -> (TempDir, Store) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = Store::open(&dir.path().join("store.db")).expect("a fresh store opens");
    (dir, store)
}

/// Ingest options with the fixed clock; `commit_every` small enough to exercise checkpoints.
pub fn opts(commit_every: usize) -> IngestOptions {
    IngestOptions {
        commit_every,
        first_commit: commit_every,
        clock: Arc::new(FixedClock(RECEIVED_AT)),
    }
}

/// Ingest `bytes` as one input named `name`, then catch the derived indexes up, as every
/// writer (the CLI, the app, the listener) does after it commits.
pub fn ingest_bytes(store: &mut Store, bytes: &[u8], name: &str) -> FileSummary {
    let s = ingest::ingest_reader(
        store,
        Cursor::new(bytes.to_vec()),
        name,
        Some(bytes.len() as u64),
        &opts(100_000),
        &mut |_| {},
    )
    .unwrap_or_else(|e| panic!("ingesting {name} failed: {e}"));
    store
        .catch_up_derived(|_, _| {})
        .expect("derived indexes catch up");
    s
}

/// Ingest one file by path, then catch the derived indexes up.
pub fn ingest_file(store: &mut Store, path: &Path) -> FileSummary {
    let s = ingest::ingest_paths(store, &[path.to_owned()], &opts(100_000), &mut |_| {})
        .unwrap_or_else(|e| panic!("ingesting {} failed: {e}", path.display()));
    store
        .catch_up_derived(|_, _| {})
        .expect("derived indexes catch up");
    s.files.into_iter().next().expect("one file summary")
}

/// Every event of every tenant, in `(occurred_at, seq)` order.
pub fn all_events(store: &Store) -> Vec<StoredEvent> {
    store
        .events(&EventQuery::new(TenantScope::All))
        .expect("listing every tenant works")
}

/// Every event, sorted by where it started in its input.
pub fn events_by_offset(store: &Store) -> Vec<StoredEvent> {
    let mut v = all_events(store);
    v.sort_by_key(|e| (e.origin.source.to_string(), e.origin.offset));
    v
}

/// The whole quarantine.
pub fn quarantine(store: &Store) -> Vec<QuarantineRecord> {
    store.quarantine(None).expect("the quarantine lists")
}

/// Frame `bytes` the way ingest does.
pub fn frames(bytes: &[u8]) -> Vec<Frame> {
    Framer::new(bytes)
        .collect::<std::io::Result<Vec<_>>>()
        .expect("framing a slice cannot fail")
}

/// The raw bytes of each framed record (panics on oversized / truncated frames).
pub fn records(bytes: &[u8]) -> Vec<Vec<u8>> {
    frames(bytes)
        .into_iter()
        .map(|f| match f {
            Frame::Record { bytes, .. } => bytes,
            other => panic!("fixture record did not frame cleanly: {other:?}"),
        })
        .collect()
}

/// A stored event as JSON, without what depends on where it was read from.
pub fn without_origin(e: &StoredEvent) -> Value {
    let mut v = serde_json::to_value(e).expect("a stored event serializes");
    v.as_object_mut().expect("an object").remove("origin");
    v
}

/// The canonical fields of PRODUCT.md, as the store reads them back (no seq, raw or payload).
pub fn canonical(e: &StoredEvent) -> Value {
    let v = serde_json::to_value(e).expect("a stored event serializes");
    let keep = [
        "id",
        "type",
        "type_version",
        "occurred_at",
        "tenant",
        "source",
        "actor",
        "user_id",
        "correlation_id",
        "causation_id",
        "parent_id",
        "trace_id",
        "subject",
        "dialect",
        "flags",
    ];
    Value::Object(
        keep.iter()
            .map(|k| ((*k).to_owned(), v.get(*k).cloned().unwrap_or(Value::Null)))
            .collect(),
    )
}

/// Hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}
