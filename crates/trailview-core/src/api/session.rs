//! Which store the window reads: the user's own, or a bundle opened in its place (issue #6).
//!
//! [`SharedStore`] serves one store at a time. [`SharedStore::open_bundle`] imports a bundle
//! (or finds its import) in the bundle cache ([`bundle::open_bundle`]) and switches every read
//! to that cache store; [`SharedStore::close_bundle`] switches back. While a bundle is open
//! the window is read-only: [`SharedStore::write`] answers `read_only`, so ingest, demo data and
//! any other write the window asks for are refused, and the cache store never receives anything
//! but the bundle's own import. The user's store keeps its writer (a socket listener still
//! writes there: it is not what the window shows, and nothing sent to it is lost).
//!
//! Operations (the same names over Tauri and HTTP): `current_store`, `open_bundle {path}`,
//! `close_bundle`; `trailview serve` also takes a bundle's bytes (`POST /api/bundles`,
//! [`SharedStore::receive_bundle`]) and streams an export (`GET /api/export_bundle`,
//! [`export_bundle_download`]).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

use super::{ApiError, EventFilter, ExportBundleRequest, ExportBundleResponse, SharedStore};
use crate::bundle::{self, BundleReport};
use crate::keys::KeyRing;
use crate::store::Store;

/// Where opened bundles are imported, and which key ring judges their signers.
#[derive(Debug, Clone)]
pub struct BundleDirs {
    /// The bundle cache ([`bundle::default_cache_dir`] unless told otherwise).
    pub cache: PathBuf,
    /// The key ring's directory ([`KeyRing::default_dir`] unless told otherwise).
    pub keys: PathBuf,
}

impl Default for BundleDirs {
    fn default() -> Self {
        BundleDirs {
            cache: bundle::default_cache_dir(),
            keys: KeyRing::default_dir().dir().to_owned(),
        }
    }
}

/// The bundle being served in place of the user's store.
#[derive(Debug, Clone)]
pub struct OpenedBundle {
    /// Its cache store.
    pub store: PathBuf,
    /// The name to show (the file's name, or the name a browser gave its upload).
    pub file_name: String,
    /// The bundle file read.
    pub bundle_path: PathBuf,
    /// It was imported before (this open only re-judged trust).
    pub cached: bool,
}

/// Which store the window is reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "../../ui/src/bindings/")]
pub enum StoreKind {
    /// The user's own store.
    Own,
    /// A bundle's cache store, read-only.
    Bundle,
}

/// `current_store`, `open_bundle`, `close_bundle`: what the window reads now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct CurrentStore {
    /// Own store or bundle.
    pub kind: StoreKind,
    /// The store file being read (a bundle's cache store while one is open).
    pub path: String,
    /// The user's own store file.
    pub own_path: String,
    /// Writes are refused (`read_only`): true exactly while a bundle is open.
    pub read_only: bool,
    /// The open bundle; `null` for the own store.
    pub bundle: Option<CurrentBundle>,
}

/// The bundle the window shows, with its trust badge judged now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct CurrentBundle {
    /// The file's name, for the bar.
    pub file_name: String,
    /// The bundle file on this machine (an upload lives in the bundle cache).
    pub bundle_path: String,
    /// Hex SHA-256 of the bundle file (its cache key).
    pub sha256: String,
    /// Its one tenant.
    pub tenant: String,
    /// Events imported (what every view shows).
    #[ts(type = "number")]
    pub events: u64,
    /// Quarantined records imported.
    #[ts(type = "number")]
    pub quarantined: u64,
    /// Found already imported.
    pub cached: bool,
    /// The verification report: `status` is the badge (trusted / unknown_signer / broken), the
    /// problems say where it broke, `signer` who signed it.
    pub report: BundleReport,
}

/// `open_bundle`: a bundle file on this machine (`trailview serve` listens on loopback only,
/// so this is the user's own machine).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/", optional_fields)]
pub struct OpenBundleRequest {
    /// **Required**: the bundle file.
    #[ts(optional = false, as = "String")]
    pub path: Option<String>,
    /// The name to show in the bar; default the file's name.
    pub name: Option<String>,
}

impl SharedStore {
    /// Imports opened bundles into `cache` and judges their signers by the key ring in `keys`
    /// (by default the user's: `$TRAILVIEW_CACHE`, `$TRAILVIEW_KEYS` or the data directory).
    pub fn with_bundle_dirs(mut self, cache: impl Into<PathBuf>, keys: impl Into<PathBuf>) -> Self {
        self.bundle_dirs = BundleDirs {
            cache: cache.into(),
            keys: keys.into(),
        };
        self
    }

    /// Where opened bundles are imported.
    pub fn bundle_cache_dir(&self) -> &Path {
        &self.bundle_dirs.cache
    }

    fn ring(&self) -> KeyRing {
        KeyRing::new(&self.bundle_dirs.keys)
    }

    fn opened(&self) -> Option<Arc<OpenedBundle>> {
        match self.bundle.read() {
            Ok(b) => b.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set_opened(&self, b: Option<Arc<OpenedBundle>>) {
        match self.bundle.write() {
            Ok(mut g) => *g = b,
            Err(poisoned) => *poisoned.into_inner() = b,
        }
    }

    /// The store file reads go to: the open bundle's cache store, else the user's own.
    pub fn served_path(&self) -> PathBuf {
        self.opened()
            .map_or_else(|| self.path.clone(), |b| b.store.clone())
    }

    /// Whether a bundle is open (and so every write is refused).
    pub fn is_read_only(&self) -> bool {
        self.opened().is_some()
    }

    /// `read_only` while a bundle is open.
    pub(super) fn refuse_if_read_only(&self) -> Result<(), ApiError> {
        match self.opened() {
            None => Ok(()),
            Some(b) => Err(ApiError::new(
                "read_only",
                format!(
                    "the bundle {} is open, read-only: nothing can be written while it is shown. \
                     Close the bundle to return to your own store first.",
                    b.file_name
                ),
            )),
        }
    }

    /// Runs `read` on the user's own store, whichever store is being served.
    pub fn read_own<T>(
        &self,
        read: impl FnOnce(&Store) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let store =
            Store::open_read_only(&self.path).map_err(|e| super::open_error(&self.path, e))?;
        read(&store)
    }

    /// Opens the bundle at `bundle` in place of the current store: imports it into the bundle
    /// cache (or finds it there), verifies it, and switches every read to it. A file that is
    /// not a bundle, or whose manifest cannot be read (so its tenant is unknown), is refused
    /// and nothing switches. A bundle that is readable but broken (a changed event, a bad
    /// signature…) opens with a broken badge naming where: support staff may need to look.
    pub fn open_bundle(&self, bundle: &Path, name: Option<&str>) -> Result<CurrentStore, ApiError> {
        let ring = self.ring();
        let r = bundle::open_bundle(bundle, &self.bundle_dirs.cache, &ring, &mut |_| {}).map_err(
            |e| match e {
                // Opening validates as it imports: a file that is not a zip surfaces as the
                // quarantine part being unreadable; say what it is.
                bundle::BundleError::Malformed(m) => ApiError::new(
                    "bundle_malformed",
                    format!("{} is not a Trailview bundle: {m}", bundle.display()),
                ),
                e => e.into(),
            },
        )?;
        if r.info.report.manifest.is_none() {
            // Why there is no manifest (unreadable, unsupported) before what else is wrong.
            let report = &r.info.report;
            let why = report
                .problems
                .iter()
                .find(|p| {
                    matches!(
                        p.code,
                        bundle::ProblemCode::Malformed | bundle::ProblemCode::UnsupportedFormat
                    )
                })
                .or_else(|| report.first_break())
                .map_or_else(|| "no readable manifest".to_owned(), |p| p.message.clone());
            return Err(ApiError::new(
                "bundle_malformed",
                format!(
                    "{} cannot be opened: {why}. Nothing was switched.",
                    bundle.display()
                ),
            ));
        }
        let file_name = name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .or_else(|| bundle.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "bundle".into());
        self.set_opened(Some(Arc::new(OpenedBundle {
            store: PathBuf::from(&r.store),
            file_name,
            bundle_path: bundle.to_owned(),
            cached: r.cached,
        })));
        self.current_store()
    }

    /// Takes a bundle's bytes (a browser's upload): writes them to the bundle cache's
    /// `uploads/` under a temporary name, names the file by its SHA-256 when complete, and
    /// opens it exactly as [`SharedStore::open_bundle`] opens a path. The file is never
    /// modified afterwards; bytes that are not a bundle are removed and refused.
    pub fn receive_bundle(
        &self,
        body: &mut dyn Read,
        name: Option<&str>,
    ) -> Result<CurrentStore, ApiError> {
        let dir = self.bundle_dirs.cache.join("uploads");
        let io =
            |what: String, e: std::io::Error| ApiError::new("bundle_io", format!("{what}: {e}"));
        std::fs::create_dir_all(&dir)
            .map_err(|e| io(format!("cannot create {}", dir.display()), e))?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".upload-")
            .suffix(".trail")
            .tempfile_in(&dir)
            .map_err(|e| io(format!("cannot write in {}", dir.display()), e))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 256 * 1024];
        let mut total = 0u64;
        loop {
            let n = match body.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io("the upload was cut short".into(), e)),
            };
            hasher.update(&buf[..n]);
            tmp.write_all(&buf[..n])
                .map_err(|e| io(format!("cannot write in {}", dir.display()), e))?;
            total += n as u64;
        }
        if total == 0 {
            return Err(ApiError::new(
                "bundle_malformed",
                "the upload is empty: send the bundle file's bytes as the body",
            ));
        }
        tmp.as_file()
            .sync_all()
            .map_err(|e| io("cannot flush the upload".into(), e))?;
        let sha = hex::encode(hasher.finalize());
        let path = dir.join(format!("{sha}.trail"));
        // The same bytes uploaded before: that file is this one; leave it untouched.
        let fresh = if path.exists() {
            drop(tmp);
            false
        } else {
            match tmp.persist_noclobber(&path) {
                Ok(_) => true,
                // The same bytes, uploaded at the same moment by another request: keep theirs.
                Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => false,
                Err(e) => {
                    return Err(io(
                        format!("cannot keep the upload as {}", path.display()),
                        e.error,
                    ))
                }
            }
        };
        let name = name.map(|n| {
            // Shown, never used as a path.
            let base = n.rsplit(['/', '\\']).next().unwrap_or(n);
            base.chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect::<String>()
        });
        match self.open_bundle(&path, name.as_deref()) {
            Ok(c) => Ok(c),
            Err(e) => {
                if fresh && e.code == "bundle_malformed" {
                    let _ = std::fs::remove_file(&path);
                }
                Err(ApiError::new(
                    e.code,
                    e.message
                        .replace(&path.display().to_string(), "the uploaded file"),
                ))
            }
        }
    }

    /// Returns the window to the user's own store (nothing to do when it shows it already).
    pub fn close_bundle(&self) -> Result<CurrentStore, ApiError> {
        self.set_opened(None);
        self.current_store()
    }

    /// Which store is served, with the open bundle's trust badge judged now (the user's
    /// trusted keys may have changed since it was opened).
    pub fn current_store(&self) -> Result<CurrentStore, ApiError> {
        let own_path = self.path.to_string_lossy().into_owned();
        let Some(b) = self.opened() else {
            return Ok(CurrentStore {
                kind: StoreKind::Own,
                path: own_path.clone(),
                own_path,
                read_only: false,
                bundle: None,
            });
        };
        let store = Store::open_read_only(&b.store).map_err(|e| super::open_error(&b.store, e))?;
        let info = bundle::bundle_info(&store, &self.ring())?.ok_or_else(|| {
            ApiError::new(
                "store_incompatible",
                format!("{} holds no bundle", b.store.display()),
            )
        })?;
        let tenant = info
            .report
            .manifest
            .as_ref()
            .map(|m| m.tenant.clone())
            .unwrap_or_default();
        Ok(CurrentStore {
            kind: StoreKind::Bundle,
            path: b.store.to_string_lossy().into_owned(),
            own_path,
            read_only: true,
            bundle: Some(CurrentBundle {
                file_name: b.file_name.clone(),
                bundle_path: b.bundle_path.to_string_lossy().into_owned(),
                sha256: info.bundle_sha256,
                tenant,
                events: info.imported,
                quarantined: info.quarantined,
                cached: b.cached,
                report: info.report,
            }),
        })
    }
}

/// `current_store`.
pub fn current_store(shared: &SharedStore) -> Result<CurrentStore, ApiError> {
    shared.current_store()
}

/// `open_bundle` (switching): open the bundle at `req.path` in the window.
pub fn open_bundle_in(
    shared: &SharedStore,
    req: &OpenBundleRequest,
) -> Result<CurrentStore, ApiError> {
    let path = req
        .path
        .as_deref()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| ApiError::bad_request("path: name the bundle file"))?;
    shared.open_bundle(Path::new(path), req.name.as_deref())
}

/// `close_bundle`.
pub fn close_bundle(shared: &SharedStore) -> Result<CurrentStore, ApiError> {
    shared.close_bundle()
}

/// `export_bundle` from the window (desktop): like [`super::export_bundle`] on the user's own
/// store, refused with `read_only` while a bundle is shown (re-signing someone else's bundle
/// with this installation's key would misstate where it came from: send the `.trail` itself).
/// `progress` hears how far it is (the desktop's `export_progress` events).
pub fn export_bundle_checked(
    shared: &SharedStore,
    req: &ExportBundleRequest,
    progress: &mut dyn FnMut(super::ExportBundleProgress),
) -> Result<ExportBundleResponse, ApiError> {
    shared.refuse_if_read_only()?;
    shared.read_own(|s| super::export_bundle_reporting(s, req, progress))
}

/// `GET /api/export_bundle`: which events, whether with the quarantine, and the file name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/", optional_fields)]
pub struct ExportDownloadRequest {
    /// Which events (`tenant` required; `text` is not an export filter and is refused).
    #[serde(flatten)]
    #[ts(flatten)]
    pub filter: EventFilter,
    /// Include the tenant's quarantined records; default false.
    #[serde(default, with = "super::de::flag")]
    #[ts(as = "Option<bool>")]
    pub quarantine: Option<bool>,
    /// The download's file name; default `<tenant>.trail`.
    pub name: Option<String>,
}

/// A finished export waiting to be streamed: the file lives in a temporary directory of the
/// bundle cache, removed when this is dropped.
pub struct ExportDownload {
    /// The bundle file.
    pub file: std::fs::File,
    /// What was written.
    pub summary: ExportBundleResponse,
    /// The download's file name.
    pub name: String,
    _dir: tempfile::TempDir,
}

impl std::fmt::Debug for ExportDownload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportDownload")
            .field("name", &self.name)
            .field("summary", &self.summary)
            .finish()
    }
}

/// `GET /api/export_bundle`: exports the user's own store's selection to a temporary file,
/// signed, ready to stream. Refused with `read_only` while a bundle is open.
pub fn export_bundle_download(
    shared: &SharedStore,
    req: &ExportDownloadRequest,
) -> Result<ExportDownload, ApiError> {
    shared.refuse_if_read_only()?;
    if req.filter.text.is_some() {
        return Err(ApiError::bad_filter(
            "text: a free-text search is not an export filter (a bundle's manifest names what \
             it selects); leave it out",
        ));
    }
    let tenant = req
        .filter
        .tenant
        .clone()
        .ok_or_else(super::ApiError::tenant_required)?;
    let name = req
        .name
        .as_deref()
        .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n))
        .map(|n| {
            n.chars()
                .filter(|c| c.is_alphanumeric() || "-_. ".contains(*c))
                .collect::<String>()
        })
        .map(|n| n.trim().trim_start_matches('.').to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| {
            let t: String = tenant
                .chars()
                .filter(|c| c.is_alphanumeric() || "-_".contains(*c))
                .collect();
            format!("{}.trail", if t.is_empty() { "personal" } else { &t })
        });
    let name = if name.ends_with(".trail") {
        name
    } else {
        format!("{name}.trail")
    };
    let parent = shared.bundle_dirs.cache.join("exports");
    std::fs::create_dir_all(&parent).map_err(|e| {
        ApiError::new(
            "bundle_io",
            format!("cannot create {}: {e}", parent.display()),
        )
    })?;
    let dir = tempfile::Builder::new()
        .prefix(".export-")
        .tempdir_in(&parent)
        .map_err(|e| {
            ApiError::new(
                "bundle_io",
                format!("cannot write in {}: {e}", parent.display()),
            )
        })?;
    let out = dir.path().join(&name);
    let export = ExportBundleRequest {
        filter: req.filter.clone(),
        path: Some(out.to_string_lossy().into_owned()),
        with_quarantine: Some(req.quarantine.unwrap_or(false)),
    };
    let summary = shared.read_own(|s| super::export_bundle(s, &export))?;
    let file = std::fs::File::open(&out)
        .map_err(|e| ApiError::new("bundle_io", format!("cannot read {}: {e}", out.display())))?;
    Ok(ExportDownload {
        file,
        summary,
        name,
        _dir: dir,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{self, LoadDemoRequest};

    fn shared(dir: &Path) -> SharedStore {
        SharedStore::open(&dir.join("own.db"))
            .unwrap()
            .with_bundle_dirs(dir.join("cache"), dir.join("keys"))
    }

    #[test]
    fn garbage_is_refused_and_nothing_switches() {
        let dir = tempfile::tempdir().unwrap();
        let s = shared(dir.path());
        let junk = dir.path().join("junk.trail");
        std::fs::write(&junk, b"not a zip at all").unwrap();
        let e = s.open_bundle(&junk, None).unwrap_err();
        assert_eq!(e.code, "bundle_malformed", "{e}");
        assert!(!s.is_read_only());
        let e = s
            .receive_bundle(&mut &b"PK\x03\x04 truncated"[..], Some("x.trail"))
            .unwrap_err();
        assert_eq!(e.code, "bundle_malformed", "{e}");
        assert!(!e.message.contains("uploads"), "{e}");
        assert_eq!(s.current_store().unwrap().kind, StoreKind::Own);
        // The refused upload is not kept.
        let kept: Vec<_> = std::fs::read_dir(dir.path().join("cache/uploads"))
            .unwrap()
            .collect();
        assert!(kept.is_empty(), "{kept:?}");
        // Writes still work.
        s.write(|st| api::load_demo(st, &LoadDemoRequest { events: Some(10) }))
            .unwrap();
    }
}
