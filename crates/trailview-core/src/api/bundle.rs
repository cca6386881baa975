//! The UI's operations on audit bundles and keys (issue #6).
//!
//! - `bundle_info`: whether the open store was imported from a bundle, and the bundle's trust
//!   badge *now* (trusted / unknown signer / broken, with where) — the badge that stays visible.
//! - `key_info`: this installation's signing key fingerprint (read-only: the key is made by the
//!   first export, never by a page asking about it).
//! - `export_bundle`, `verify_bundle`, `open_bundle` (desktop only: they take paths on this
//!   machine, which `trailview serve` never accepts from a web page).
//!
//! Keys are read from [`KeyRing::default_dir`] (`$TRAILVIEW_KEYS`, else the data directory) and
//! imported bundles are kept in [`bundle::default_cache_dir`].

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{ApiError, EventFilter};
use crate::bundle::{self, BundleError, BundleInfo, BundleReport, ExportFilter, ExportOptions};
use crate::keys::{KeyError, KeyInfo, KeyRing};
use crate::store::Store;

impl From<BundleError> for ApiError {
    fn from(e: BundleError) -> Self {
        match e {
            BundleError::Store(s) => s.into(),
            other => ApiError::new(other.code(), other.to_string()),
        }
    }
}

impl From<KeyError> for ApiError {
    fn from(e: KeyError) -> Self {
        ApiError::new(e.code(), e.to_string())
    }
}

/// `bundle_info`: no parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct BundleInfoRequest {}

/// `bundle_info`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct BundleInfoResponse {
    /// The bundle this store was opened from; `null` for an ordinary store.
    pub bundle: Option<BundleInfo>,
}

/// `bundle_info`: the bundle the open store came from, with its signer's trust judged now.
pub fn bundle_info(
    store: &Store,
    _req: &BundleInfoRequest,
) -> Result<BundleInfoResponse, ApiError> {
    Ok(BundleInfoResponse {
        bundle: bundle::bundle_info(store, &KeyRing::default_dir())?,
    })
}

/// `key_info`: no parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct KeyInfoRequest {}

/// `key_info`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct KeyInfoResponse {
    /// This installation's signing key; `null` until the first export makes it.
    pub key: Option<KeyInfo>,
    /// How many keys are trusted (this installation's own included).
    #[ts(type = "number")]
    pub trusted: u64,
}

/// `key_info`: this installation's key fingerprint, without creating one.
pub fn key_info(_store: &Store, _req: &KeyInfoRequest) -> Result<KeyInfoResponse, ApiError> {
    key_info_in(&KeyRing::default_dir())
}

fn key_info_in(ring: &KeyRing) -> Result<KeyInfoResponse, ApiError> {
    let key = ring.existing_identity()?.map(|id| KeyInfo {
        fingerprint: id.fingerprint(),
        public_key: hex::encode(id.public_key()),
        path: ring.dir().join("signing.pub").display().to_string(),
    });
    Ok(KeyInfoResponse {
        key,
        trusted: ring.trusted()?.len() as u64,
    })
}

/// `export_bundle` (desktop only): which events, and where to write the bundle.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/", optional_fields)]
pub struct ExportBundleRequest {
    /// Which events: the timeline's filter (`tenant` required).
    #[serde(flatten)]
    #[ts(flatten)]
    pub filter: EventFilter,
    /// **Required**: the bundle file to write.
    #[ts(optional = false, as = "String")]
    pub path: Option<String>,
    /// Include the tenant's quarantined records (conflicts); default true.
    #[serde(default, with = "super::de::flag")]
    #[ts(as = "Option<bool>")]
    pub with_quarantine: Option<bool>,
}

/// `export_bundle`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct ExportBundleResponse {
    /// The bundle written.
    pub path: String,
    /// Its size in bytes.
    #[ts(type = "number")]
    pub bytes: u64,
    /// Hex SHA-256 of the file.
    pub sha256: String,
    /// The signer's fingerprint.
    pub fingerprint: String,
    /// The signed manifest.
    pub manifest: bundle::Manifest,
}

/// Where a desktop export is: the `export_progress` event (at most every 100 ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct ExportBundleProgress {
    /// Events written so far.
    #[ts(type = "number")]
    pub events: u64,
    /// Events selected (an estimate when filtering by correlation or execution).
    #[ts(type = "number")]
    pub total: u64,
}

/// `export_bundle` (desktop only): export one tenant's (filtered) events, signed with this
/// installation's key (made on first use).
pub fn export_bundle(
    store: &Store,
    req: &ExportBundleRequest,
) -> Result<ExportBundleResponse, ApiError> {
    export_bundle_reporting(store, req, &mut |_| {})
}

/// [`export_bundle`], calling `progress` as events are written (throttled to every 100 ms,
/// and once at the end).
pub fn export_bundle_reporting(
    store: &Store,
    req: &ExportBundleRequest,
    progress: &mut dyn FnMut(ExportBundleProgress),
) -> Result<ExportBundleResponse, ApiError> {
    use crate::ingest::Clock;
    let tenant = req
        .filter
        .tenant
        .clone()
        .ok_or_else(ApiError::tenant_required)?;
    let path = req
        .path
        .as_deref()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| ApiError::bad_request("path: name the bundle file to write"))?;
    let f = &req.filter;
    let opts = ExportOptions {
        tenant,
        filter: ExportFilter {
            types: f.types.clone(),
            since: f.since.clone(),
            until: f.until.clone(),
            source: f.source.clone(),
            user_id: f.user.clone(),
            correlation_id: f.correlation.clone(),
            execution_id: f.execution.clone(),
        },
        with_quarantine: req.with_quarantine.unwrap_or(true),
        producer: format!("trailview {}", env!("CARGO_PKG_VERSION")),
        // Only the stages that receive or write data read the clock (STYLE §10).
        created_at: crate::ingest::SystemClock.now_us(),
    };
    let identity = KeyRing::default_dir().identity()?;
    let mut last = std::time::Instant::now();
    let mut report = |p: &bundle::ExportProgress| {
        let done = p.total > 0 && p.events >= p.total;
        if done || last.elapsed() >= std::time::Duration::from_millis(100) {
            last = std::time::Instant::now();
            progress(ExportBundleProgress {
                events: p.events,
                total: p.total.max(p.events),
            });
        }
    };
    let s =
        bundle::export(store, &opts, &identity, Path::new(path), &mut report).map_err(
            |e| match e {
                BundleError::BadRequest(m) => ApiError::bad_filter(m),
                e => e.into(),
            },
        )?;
    Ok(ExportBundleResponse {
        path: s.path,
        bytes: s.bytes,
        sha256: s.sha256,
        fingerprint: s.fingerprint,
        manifest: s.manifest,
    })
}

/// `verify_bundle` / `open_bundle` (desktop only): a bundle file on this machine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct BundlePathRequest {
    /// **Required**: the bundle file.
    #[ts(as = "String")]
    pub path: Option<String>,
}

impl BundlePathRequest {
    fn path(&self) -> Result<PathBuf, ApiError> {
        self.path
            .as_deref()
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .ok_or_else(|| ApiError::bad_request("path: name the bundle file"))
    }
}

/// `verify_bundle` (desktop only): the bundle's trust badge and every problem, with where.
pub fn verify_bundle(_store: &Store, req: &BundlePathRequest) -> Result<BundleReport, ApiError> {
    Ok(bundle::verify(&req.path()?, &KeyRing::default_dir())?)
}

/// `open_bundle`'s answer: the cache store to switch the window to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct OpenBundleResponse {
    /// The cache store holding the bundle's events (an ordinary store: every view works).
    pub store: String,
    /// It was imported before (this open only re-judged trust).
    pub cached: bool,
    /// The bundle, its report and counts.
    pub info: BundleInfo,
}

/// `open_bundle` (desktop only): import a bundle read-only into its cache store (or find it
/// there). The desktop shell then reads that store.
pub fn open_bundle(
    _store: &Store,
    req: &BundlePathRequest,
) -> Result<OpenBundleResponse, ApiError> {
    let r = bundle::open_bundle(
        &req.path()?,
        &bundle::default_cache_dir(),
        &KeyRing::default_dir(),
        &mut |_| {},
    )?;
    Ok(OpenBundleResponse {
        store: r.store,
        cached: r.cached,
        info: r.info,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_info_never_creates_a_key() {
        let dir = tempfile::tempdir().unwrap();
        let ring = KeyRing::new(dir.path().join("keys"));
        let k = key_info_in(&ring).unwrap();
        assert!(k.key.is_none());
        assert_eq!(k.trusted, 0);
        assert!(!dir.path().join("keys").exists());
        let made = ring.show().unwrap();
        let k = key_info_in(&ring).unwrap();
        assert_eq!(k.key.unwrap().fingerprint, made.fingerprint);
        assert_eq!(k.trusted, 1);
    }

    #[test]
    fn bundle_errors_keep_their_codes() {
        let e: ApiError = BundleError::NotFound("x".into()).into();
        assert_eq!(e.code, "not_found");
        assert_eq!(e.status(), 404);
        let e: ApiError = BundleError::Broken("x".into()).into();
        assert_eq!(e.code, "bundle_broken");
    }
}
