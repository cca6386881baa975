//! # trailview-core
//!
//! Everything Trailview knows, with no UI dependency: it builds and tests headless, and the
//! `trailview` CLI and the desktop shell are thin layers over it.
//!
//! Data flows one way through one module per stage:
//!
//! ```text
//! bytes ──framing──▶ records ──normalize──▶ Event | Rejection ──store──▶ append-only SQLite
//!                                                                     └──▶ query / verify
//! ```
//!
//! The append-only `events` table is the truth; everything else (indexes, interned names) is a
//! projection that can be rebuilt from it.
#![deny(missing_docs)]

pub mod alerts;
pub mod api;
pub mod bundle;
pub mod framing;
pub mod generate;
pub mod graph;
pub mod ingest;
pub mod keys;
pub mod live;
pub mod metrics;
pub mod normalize;
pub mod projections;
pub mod query;
pub mod replay;
pub mod rollup;
pub mod store;
pub mod text;
pub mod time;

use std::path::PathBuf;

/// Where the store lives when no `--db` is given: `trailview.db` in the user's data directory
/// (`~/.local/share/trailview/` on Linux), or `$TRAILVIEW_DB` when set.
pub fn default_store_path() -> PathBuf {
    if let Some(p) = std::env::var_os("TRAILVIEW_DB").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    match directories::ProjectDirs::from("dev", "trailview", "trailview") {
        Some(dirs) => dirs.data_dir().join("trailview.db"),
        None => PathBuf::from("trailview.db"),
    }
}
