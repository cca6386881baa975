//! Live ingest: events arriving while Trailview runs — over a local socket, over HTTP, from
//! watched folders — into the one store, with nothing lost and nothing unbounded.
//!
//! ```text
//!  TCP conn ─┐                                         ┌─▶ ack after commit (per record, in order)
//!  Unix conn ┼─ frame + normalize + tenant check ─▶ bounded queue ─▶ writer thread (one Appender
//!  HTTP POST ┤   (on the producer's task)            (jobs + bytes)    transaction per burst)
//!  watcher  ─┘
//! ```
//!
//! ## Invariants
//! - **One writer per store.** [`writer::LiveWriter`] owns the store's writer on a dedicated
//!   thread; every producer submits through its queue.
//! - **Acked means committed.** A record's outcome (`accepted` / `duplicate` / `rejected` + the
//!   normalize reason code) is sent only after the transaction holding it committed.
//! - **Back-pressure, not loss.** The queue is bounded (jobs and bytes): a full queue makes
//!   producers wait — a socket stops reading, TCP pushes back on the client. A client that
//!   stops reading its acks stalls only itself (its own bounded ack pipeline), and is cut off
//!   after [`listen::ListenOptions::ack_timeout`].
//! - **Tenant-scoped.** TCP and HTTP writers authenticate with a token ([`tokens`]) naming the
//!   tenants they may write; an event of another tenant is refused (`tenant_not_allowed`) and
//!   quarantined, never stored as an event. The Unix socket relies on its file mode (0600).
//! - **Retransmission is safe.** Identity is `(tenant, id)`: a record sent again after a lost
//!   ack is a `duplicate`, never a second event.
//!
//! The wire protocol is in docs/PROTOCOL.md and [`protocol`].

pub mod host;
pub mod listen;
pub mod protocol;
pub mod sources;
pub mod tokens;
pub mod watch;
pub mod writer;

use crate::store::StoreError;

/// Errors of live ingest, each with a stable code.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LiveError {
    /// The store failed (the code is the store's).
    #[error("{message}")]
    Store {
        /// The store's code (`store_sqlite`, `store_io`, …).
        code: &'static str,
        /// What happened.
        message: String,
    },
    /// The writer thread stopped.
    #[error("the store's writer stopped")]
    WriterGone,
    /// A socket or file could not be used.
    #[error("{0}")]
    Io(String),
    /// The address is taken (another listener, another program).
    #[error("{0}")]
    AddrInUse(String),
    /// A refused configuration (a public address without `allow_remote`, say).
    #[error("{0}")]
    Config(String),
}

impl LiveError {
    /// Machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            LiveError::Store { code, .. } => code,
            LiveError::WriterGone => "writer_stopped",
            LiveError::Io(_) => "live_io",
            LiveError::AddrInUse(_) => "address_in_use",
            LiveError::Config(_) => "bad_config",
        }
    }
}

impl From<StoreError> for LiveError {
    fn from(e: StoreError) -> Self {
        LiveError::Store {
            code: e.code(),
            message: e.to_string(),
        }
    }
}
