//! Tenant-scoped write tokens for live ingest over TCP and HTTP.
//!
//! A token is `tv_` followed by 64 hex digits (256 bits from the OS's CSPRNG). It is shown once,
//! when created; the store keeps only its SHA-256, so a copy of the store file grants nothing.
//! Each token names the tenants it may write (`""` is the personal scope); an event for any
//! other tenant is refused (`tenant_not_allowed`) and nothing of it becomes an event. Revoked
//! tokens stay listed (an audit can tell which token existed when) but authenticate no more.

use std::collections::BTreeSet;
use std::path::Path;

use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::store::{Store, StoreError};
use crate::time::Micros;

/// The prefix every token starts with: easy to spot in a config file or a leaked log.
pub const TOKEN_PREFIX: &str = "tv_";

/// What a connection may write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The token's row, when it came from a token (`None`: the Unix socket, trusted by its
    /// file permissions).
    pub token_id: Option<i64>,
    /// The tenants it may write; `None` is every tenant.
    pub tenants: Option<BTreeSet<String>>,
}

impl Grant {
    /// Every tenant: the Unix socket, whose file mode (0600) is its access control.
    pub fn any_tenant() -> Grant {
        Grant {
            token_id: None,
            tenants: None,
        }
    }

    /// Whether an event of `tenant` may be written.
    pub fn allows(&self, tenant: &str) -> bool {
        self.tenants.as_ref().is_none_or(|t| t.contains(tenant))
    }

    /// The tenants, for messages (`None`: every tenant).
    pub fn tenant_list(&self) -> Option<Vec<String>> {
        self.tenants.as_ref().map(|t| t.iter().cloned().collect())
    }
}

/// A token as listed (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    /// Its number, for `token revoke`.
    pub id: i64,
    /// The tenants it may write.
    pub tenants: Vec<String>,
    /// A note saying what it is for.
    pub label: String,
    /// When it was created (µs since the epoch).
    pub created_at: Micros,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Micros>,
}

/// Token errors.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// A token needs at least one tenant.
    #[error("a token needs at least one --tenant (use --tenant '' for personal events)")]
    NoTenant,
    /// No token with that id.
    #[error("no token {0}")]
    NotFound(i64),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for TokenError {
    fn from(e: rusqlite::Error) -> Self {
        TokenError::Store(e.into())
    }
}

impl TokenError {
    /// Machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::NoTenant => "bad_request",
            TokenError::NotFound(_) => "not_found",
            TokenError::Store(e) => e.code(),
        }
    }
}

fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.trim().as_bytes()).into()
}

/// Create a token for `tenants`; returns it (the only time it is ever seen) and its listing.
pub fn create(
    store: &mut Store,
    tenants: &[String],
    label: &str,
    now: Micros,
) -> Result<(String, TokenInfo), TokenError> {
    let set: BTreeSet<String> = tenants.iter().cloned().collect();
    if set.is_empty() {
        return Err(TokenError::NoTenant);
    }
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)
        .map_err(|e| StoreError::Io(format!("the OS random source failed: {e}")))?;
    let token = format!("{TOKEN_PREFIX}{}", hex::encode(secret));
    let list: Vec<String> = set.into_iter().collect();
    let json = serde_json::to_string(&list).expect("strings serialize");
    store.conn().execute(
        "INSERT INTO live_tokens (hash, tenants, label, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![&hash(&token)[..], json, label, now],
    )?;
    let id = store.conn().last_insert_rowid();
    Ok((
        token,
        TokenInfo {
            id,
            tenants: list,
            label: label.to_owned(),
            created_at: now,
            revoked_at: None,
        },
    ))
}

/// Every token, oldest first.
pub fn list(store: &Store) -> Result<Vec<TokenInfo>, TokenError> {
    let mut stmt = store.conn().prepare(
        "SELECT id, tenants, label, created_at, revoked_at FROM live_tokens ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        let tenants: String = r.get(1)?;
        Ok(TokenInfo {
            id: r.get(0)?,
            tenants: serde_json::from_str(&tenants).unwrap_or_default(),
            label: r.get(2)?,
            created_at: r.get(3)?,
            revoked_at: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Revoke token `id`: it authenticates no more (connections already open keep their grant
/// until they close).
pub fn revoke(store: &mut Store, id: i64, now: Micros) -> Result<TokenInfo, TokenError> {
    let n = store.conn().execute(
        "UPDATE live_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
        params![id, now],
    )?;
    let info = list(store)?.into_iter().find(|t| t.id == id);
    match info {
        Some(t) if n == 1 || t.revoked_at.is_some() => Ok(t),
        _ => Err(TokenError::NotFound(id)),
    }
}

/// The grant of `token`, if it is a live (unrevoked) token of this store.
pub fn authenticate(store: &Store, token: &str) -> Result<Option<Grant>, TokenError> {
    let row: Option<(i64, String)> = store
        .conn()
        .query_row(
            "SELECT id, tenants FROM live_tokens WHERE hash = ?1 AND revoked_at IS NULL",
            [&hash(token)[..]],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.map(|(id, tenants)| Grant {
        token_id: Some(id),
        tenants: Some(serde_json::from_str(&tenants).unwrap_or_default()),
    }))
}

/// [`authenticate`] on a fresh read-only connection to the store at `path` (so a token created
/// or revoked by another process counts at once).
pub fn authenticate_at(path: &Path, token: &str) -> Result<Option<Grant>, TokenError> {
    let store = Store::open_read_only(path)?;
    authenticate(&store, token)
}
