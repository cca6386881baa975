//! Audit bundles: one tenant's events in one signed, verifiable, provable file.
//!
//! ## The file (`*.trail`, a zip any tool can list and unpack)
//! ```text
//! events.ndjson      the raw envelopes, byte-exact, in seq order, each followed by "\n"
//! index.ndjson       one line per event: n, seq, id, sha256, len, offset, received_at, origin
//! quarantine.ndjson  (optional) the tenant's quarantined records (conflicts), with their bytes
//! manifest.json      what the bundle claims: tenant, filter, counts, time range, seqs, the Merkle
//!                    root and size over the index lines, the store's chain head at export time
//! manifest.sig       ed25519 signature over manifest.json's exact bytes, with the public key
//! notes.ndjson       (derived bundles only) a reviewer's signed, append-only notes; see [`notes`]
//! ```
//! An envelope from a pretty-printed document may span lines: `len`/`offset` in the index, not
//! line breaks, delimit events in `events.ndjson` (most envelopes are one line anyway).
//!
//! ## Why it can be trusted offline
//! - Each index line is a Merkle leaf ([`merkle`], RFC 9162); it names the SHA-256 of its raw
//!   envelope, so the root commits to every byte of every event, to their order and to their
//!   number. The manifest carries the root and the tree size, and the signature covers the
//!   manifest. Removing the newest event changes the size and so the root: a plain hash chain
//!   would not notice.
//! - `verify` ([`verify`]) recomputes everything and *names* what is wrong: a changed event, a
//!   removed one (first, middle or last), reordered or added events, an edited manifest, a bad
//!   signature, an untrusted signer.
//! - One event can be proven on its own ([`proof`]): its index line, its raw bytes, the audit
//!   path and the signed manifest, checkable without the rest of the bundle.
//! - A later bundle can be proven to extend an earlier one ([`consistency`], RFC 9162 §2.1.4):
//!   both signed manifests and the consistency path, nothing else.
//!
//! ## Invariants
//! - **One tenant, ever.** Export selects by tenant in SQL; the quarantine part holds only
//!   records attributed to that tenant (conflicts), never a record whose tenant is unknown.
//!   `open` refuses (and reports) any event whose envelope names another tenant.
//! - **A bundle file is never modified.** `open` reads it and imports into a cache store keyed
//!   by the file's SHA-256 ([`open`]); reviewer notes go into a new, derived bundle.
//! - **Streaming.** Export and verify hold one chunk of events at a time, whatever the size.

pub mod consistency;
pub mod export;
pub mod merkle;
pub mod notes;
pub mod open;
pub mod proof;
pub mod verify;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::keys::KeyError;
use crate::store::StoreError;

pub use consistency::{
    prove_consistency, verify_consistency_proof, ConsistencyProof, ConsistencyReport,
};
pub use export::{export, ExportOptions, ExportProgress, ExportSummary};
pub use open::{bundle_info, default_cache_dir, open_bundle, BundleInfo, OpenReport};
pub use proof::{prove, verify_proof, InclusionProof, ProofReport};
pub use verify::{verify, BundleReport, Problem, ProblemCode, Signer, TrustStatus};

/// `manifest.json`'s `format`.
pub const FORMAT: &str = "trailview-bundle";
/// The bundle format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// The Merkle tree of the manifest.
pub const MERKLE_ALGORITHM: &str = "rfc9162-sha256";

/// Names of the parts inside the zip.
pub mod names {
    /// The manifest.
    pub const MANIFEST: &str = "manifest.json";
    /// Its signature.
    pub const SIGNATURE: &str = "manifest.sig";
    /// The raw envelopes.
    pub const EVENTS: &str = "events.ndjson";
    /// The per-event index (the Merkle leaves).
    pub const INDEX: &str = "index.ndjson";
    /// Quarantined records of the tenant.
    pub const QUARANTINE: &str = "quarantine.ndjson";
    /// Reviewer notes (derived bundles).
    pub const NOTES: &str = "notes.ndjson";
}

/// Errors that stop a bundle operation. A tampered bundle is not one of them: that is a
/// [`BundleReport`] with problems.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// A file could not be read or written.
    #[error("{0}")]
    Io(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The key ring failed.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The input is not a bundle (or proof) this build can read.
    #[error("{0}")]
    Malformed(String),
    /// No such event in the bundle.
    #[error("{0}")]
    NotFound(String),
    /// The request itself is unusable (a bad filter).
    #[error("{0}")]
    BadRequest(String),
    /// The bundle is broken, so it cannot vouch for anything.
    #[error("{0}")]
    Broken(String),
    /// Two bundles are not one log's earlier and later state (a consistency proof).
    #[error("{0}")]
    Inconsistent(String),
}

impl BundleError {
    /// Machine-readable code for the UI boundary.
    pub fn code(&self) -> &'static str {
        match self {
            BundleError::Io(_) => "bundle_io",
            BundleError::Store(e) => e.code(),
            BundleError::Key(e) => e.code(),
            BundleError::Malformed(_) => "bundle_malformed",
            BundleError::NotFound(_) => "not_found",
            BundleError::BadRequest(_) => "bad_request",
            BundleError::Broken(_) => "bundle_broken",
            BundleError::Inconsistent(_) => "bundle_inconsistent",
        }
    }

    pub(crate) fn io(what: impl std::fmt::Display, e: impl std::fmt::Display) -> BundleError {
        BundleError::Io(format!("{what}: {e}"))
    }
}

impl From<zip::result::ZipError> for BundleError {
    fn from(e: zip::result::ZipError) -> Self {
        BundleError::Io(format!("zip: {e}"))
    }
}

/// The filter an export used, as given (so a reader knows what the bundle is a selection of).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct ExportFilter {
    /// Type pattern.
    pub types: Option<String>,
    /// `occurred_at >=`, RFC 3339 UTC.
    pub since: Option<String>,
    /// `occurred_at <`, RFC 3339 UTC.
    pub until: Option<String>,
    /// Source / product.
    pub source: Option<String>,
    /// One user.
    pub user_id: Option<String>,
    /// One correlation chain.
    pub correlation_id: Option<String>,
    /// One Aximo execution.
    pub execution_id: Option<String>,
}

/// How many of what.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct BundleCounts {
    /// Events in `events.ndjson`.
    #[ts(type = "number")]
    pub events: u64,
    /// Records in `quarantine.ndjson` (0 when it was not exported).
    #[ts(type = "number")]
    pub quarantined: u64,
}

/// The span of `occurred_at` over the exported events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct TimeRange {
    /// Earliest, RFC 3339 UTC.
    pub first: String,
    /// Latest, RFC 3339 UTC.
    pub last: String,
}

/// The Merkle tree the signature commits to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct MerkleHead {
    /// Always [`MERKLE_ALGORITHM`].
    pub algorithm: String,
    /// Leaves: one per event.
    #[ts(type = "number")]
    pub tree_size: u64,
    /// Hex root hash.
    pub root: String,
}

/// The exporting store's hash chain at export time (the whole store, all tenants: a reference
/// the exporter can check against their own store later, not something a reader can recompute).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct StoreHead {
    /// Hex chain head.
    pub chain_head: String,
    /// The store's last seq.
    #[ts(type = "number")]
    pub last_seq: i64,
}

/// A part's size and digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct FileDigest {
    /// Uncompressed bytes.
    #[ts(type = "number")]
    pub bytes: u64,
    /// Hex SHA-256 of the uncompressed bytes.
    pub sha256: String,
}

/// The parts' digests (`sha256sum` on an unpacked bundle gives the same).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct BundleFiles {
    /// `events.ndjson`.
    pub events: FileDigest,
    /// `index.ndjson`.
    pub index: FileDigest,
    /// `quarantine.ndjson`, when exported.
    pub quarantine: Option<FileDigest>,
}

/// `manifest.json`: what a bundle claims, signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// The program that wrote it (`trailview 0.1.0`).
    pub producer: String,
    /// When, RFC 3339 UTC.
    pub created_at: String,
    /// The one tenant every event belongs to ("" for personal events).
    pub tenant: String,
    /// The selection within the tenant.
    pub filter: ExportFilter,
    /// Counts.
    pub counts: BundleCounts,
    /// `occurred_at` span; `null` when there are no events.
    pub time_range: Option<TimeRange>,
    /// The first exported event's seq in the exporting store.
    #[ts(type = "number | null")]
    pub first_seq: Option<i64>,
    /// The last exported event's seq in the exporting store.
    #[ts(type = "number | null")]
    pub last_seq: Option<i64>,
    /// Root and size of the Merkle tree over `index.ndjson`'s lines.
    pub merkle: MerkleHead,
    /// The exporting store's hash chain at export time.
    pub store: StoreHead,
    /// Sizes and digests of the parts.
    pub files: BundleFiles,
}

/// `manifest.sig`: the ed25519 signature over `manifest.json`'s exact bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct SignatureFile {
    /// Always `ed25519`.
    pub algorithm: String,
    /// Hex public key of the signer.
    pub public_key: String,
    /// Its fingerprint ([`crate::keys::fingerprint`]).
    pub fingerprint: String,
    /// Hex SHA-256 of the signed `manifest.json` (tells an edited manifest from a bad signature).
    pub manifest_sha256: String,
    /// Hex signature.
    pub signature: String,
}

/// Where an event came from in the exporting store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct EntryOrigin {
    /// The file path, bundle, or connection.
    pub source: String,
    /// 1-based line.
    #[ts(type = "number | null")]
    pub line: Option<u64>,
    /// Index in an enclosing array.
    #[ts(type = "number | null")]
    pub index: Option<u64>,
    /// Byte offset.
    #[ts(type = "number | null")]
    pub offset: Option<u64>,
}

/// One line of `index.ndjson` and one Merkle leaf (its exact bytes, without the newline).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct IndexEntry {
    /// Position in the bundle, from 0: the leaf index.
    #[ts(type = "number")]
    pub n: u64,
    /// seq in the exporting store.
    #[ts(type = "number")]
    pub seq: i64,
    /// The event's id.
    pub id: String,
    /// Hex SHA-256 of the raw envelope.
    pub sha256: String,
    /// Its length in bytes.
    #[ts(type = "number")]
    pub len: u64,
    /// Where it starts in `events.ndjson`.
    #[ts(type = "number")]
    pub offset: u64,
    /// When the exporting store received it, RFC 3339 UTC.
    pub received_at: String,
    /// Where the exporting store got it.
    pub origin: EntryOrigin,
}

/// One line of `quarantine.ndjson`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantineLine {
    /// Position in the exporting store's quarantine.
    pub qseq: i64,
    /// When it was received, RFC 3339 UTC.
    pub received_at: String,
    /// Where it came from.
    pub origin: EntryOrigin,
    /// Reason code.
    pub reason: String,
    /// In words.
    pub message: String,
    /// The identity it collided with.
    pub tenant: Option<String>,
    /// The id it collided with.
    pub event_id: Option<String>,
    /// Length of the raw bytes.
    pub raw_len: u64,
    /// Hex SHA-256 of the raw bytes.
    pub raw_sha256: String,
    /// The raw bytes, when kept (UTF-8 JSON: a conflict's envelope normalized).
    pub raw: Option<String>,
}

impl From<rusqlite::Error> for BundleError {
    fn from(e: rusqlite::Error) -> Self {
        BundleError::Store(StoreError::Sqlite(e))
    }
}
