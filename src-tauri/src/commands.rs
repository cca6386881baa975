//! The Tauri commands: each maps to exactly one core call, through
//! [`AppState::run_blocking`](crate::AppState::run_blocking).
//!
//! Adding one (e.g. `stats`), once the core's `Store` is held in [`crate::AppState`]:
//!
//! ```ignore
//! #[tauri::command]
//! pub async fn stats(state: State<'_, AppState>) -> Result<Stats, CommandError> {
//!     state.run_blocking(|s| s.store()?.stats().map_err(CommandError::from)).await
//! }
//! ```
//!
//! then register it in `generate_handler!` in `lib.rs`, add its return type to
//! [`tests::typescript_bindings_are_current`], add the method to the UI's `Backend` interface
//! (`ui/src/backend/`), and answer the same name at `GET /api/<command>` in `trailview serve`.

use serde::Serialize;
use tauri::State;
use ts_rs::TS;

use crate::{AppState, CommandError};

/// What the window shows about itself: which build, which store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../ui/src/bindings/")]
pub struct AppInfo {
    /// Version of the running Trailview build.
    pub version: String,
    /// Path of the store this window reads (lossy if the path is not valid UTF-8).
    pub db_path: String,
    /// Why the store could not be opened, if it could not; `null` when it is open.
    pub store_error: Option<CommandError>,
}

/// Version and store path. Async, as every command is, so it never runs on the UI thread.
#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> Result<AppInfo, CommandError> {
    state
        .run_blocking(|shared| {
            Ok(AppInfo {
                version: env!("CARGO_PKG_VERSION").to_owned(),
                db_path: shared.db_path().to_string_lossy().into_owned(),
                store_error: shared.store_error().cloned(),
            })
        })
        .await
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use ts_rs::{Config, TS};

    use super::*;

    /// The TypeScript types in `ui/src/bindings/` are generated from the Rust types that cross to
    /// the UI. This fails when a committed file differs from what the Rust type generates;
    /// `UPDATE_BINDINGS=1 cargo test -p trailview-desktop typescript_bindings` rewrites them.
    #[test]
    fn typescript_bindings_are_current() {
        // `export_to` paths are relative to ts-rs's base directory (`./bindings`).
        let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("bindings");
        let cfg = Config::new().with_out_dir(&base);
        let update = std::env::var_os("UPDATE_BINDINGS").is_some();
        let mut stale = Vec::new();
        check::<AppInfo>(&cfg, &base, update, &mut stale);
        check::<CommandError>(&cfg, &base, update, &mut stale);
        assert!(
            stale.is_empty(),
            "out-of-date TypeScript bindings: {stale:?}\n\
             regenerate with `UPDATE_BINDINGS=1 cargo test -p trailview-desktop typescript_bindings`"
        );
    }

    fn check<T: TS + 'static>(cfg: &Config, base: &Path, update: bool, stale: &mut Vec<PathBuf>) {
        let relative = T::output_path().expect("type has an export path");
        let path = normalize(&base.join(relative));
        let generated = T::export_to_string(cfg).expect("type exports");
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, generated).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(generated.as_str()) {
            stale.push(path);
        }
    }

    /// Resolves `..` lexically (the `bindings/` base folder need not exist).
    fn normalize(path: &Path) -> PathBuf {
        let mut out = PathBuf::new();
        for part in path.components() {
            match part {
                std::path::Component::ParentDir => {
                    out.pop();
                }
                other => out.push(other),
            }
        }
        out
    }
}
