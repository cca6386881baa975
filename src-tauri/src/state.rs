//! What every command shares: where the store is and the opened store itself.
//!
//! [`AppState`] is cheap to clone (an `Arc`), so a command can move a clone onto a blocking
//! thread. The store is opened once at start-up; if that fails the error is kept and returned by
//! every command that needs the store, so the window can show it instead of never appearing.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::CommandError;

/// State managed by Tauri and handed to every command.
#[derive(Clone)]
pub struct AppState {
    shared: Arc<Shared>,
}

/// The part of [`AppState`] a blocking closure sees.
pub struct Shared {
    db_path: PathBuf,
    // Becomes `Result<trailview_core::store::Store, CommandError>` once the core's store lands:
    // `Store::open(&db_path)` replaces `prepare_store_dir`, and commands reach it via `store()`.
    store: Result<(), CommandError>,
}

impl AppState {
    /// Opens (creating if needed) the store at `db_path`. Never fails: an error is kept and
    /// reported by the commands that need the store.
    pub fn open(db_path: PathBuf) -> Self {
        let store = prepare_store_dir(&db_path);
        Self {
            shared: Arc::new(Shared { db_path, store }),
        }
    }

    /// Runs `work` on Tauri's blocking thread pool and awaits it: the one way commands touch the
    /// store, so SQLite never runs on the UI thread or inside an async task.
    pub async fn run_blocking<T, F>(&self, work: F) -> Result<T, CommandError>
    where
        F: FnOnce(&Shared) -> Result<T, CommandError> + Send + 'static,
        T: Send + 'static,
    {
        let shared = Arc::clone(&self.shared);
        tauri::async_runtime::spawn_blocking(move || work(&shared))
            .await
            .map_err(|e| CommandError::new("internal", format!("a background task failed: {e}")))?
    }
}

impl Shared {
    /// Path of the store this window reads.
    pub fn db_path(&self) -> &Path {
        &self.db_path
    }

    /// Why the store could not be opened, if it could not.
    pub fn store_error(&self) -> Option<&CommandError> {
        self.store.as_ref().err()
    }
}

fn prepare_store_dir(db_path: &Path) -> Result<(), CommandError> {
    match db_path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir).map_err(|e| {
            CommandError::new(
                "store_unavailable",
                format!("cannot create the store's folder {}: {e}", dir.display()),
            )
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_creates_the_store_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("nested/deeper/trailview.db");
        let state = AppState::open(db.clone());
        assert!(state.shared.store_error().is_none());
        assert!(db.parent().unwrap().is_dir());
    }

    #[test]
    fn an_unusable_folder_is_kept_as_store_unavailable() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("not-a-dir");
        std::fs::write(&file, b"").unwrap();
        let state = AppState::open(file.join("trailview.db"));
        assert_eq!(
            state.shared.store_error().map(|e| e.code.as_str()),
            Some("store_unavailable")
        );
    }
}
