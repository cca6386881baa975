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

pub mod generate;
