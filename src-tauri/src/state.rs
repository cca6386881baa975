//! What every command shares: where the store is and the opened store itself.
//!
//! [`AppState`] is cheap to clone (an `Arc`), so a command can move a clone onto a blocking
//! thread. The store is opened on a thread of its own at start-up, so the window appears at
//! once; a command that needs the store waits for it there (on a blocking thread, never the UI
//! thread). If opening fails the error is kept and returned by every command that needs the
//! store, so the window can show it instead of never appearing.
//!
//! ## First run
//! A store that has never held anything (no event and no quarantined record) gets the demo data
//! set ([`trailview_core::api::load_demo`], 20 000 events) before the first command reads it,
//! so a new user sees a working timeline. The check is the store's own content, so it happens
//! once: the log is append-only, and a store that received anything is never empty again. Set
//! `TRAILVIEW_NO_DEMO=1` to start with an empty store (demo events can never be removed from a
//! store: point `TRAILVIEW_DB` at a scratch file to try things out).

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use trailview_core::api::{self, ApiError, LoadDemoRequest, SharedStore};
use trailview_core::live::host::LiveHost;
use trailview_core::store::Store;

/// What to do when the store has never held anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstRun {
    /// Load this many demo events.
    Demo(u32),
    /// Leave it empty.
    Nothing,
}

/// State managed by Tauri and handed to every command.
#[derive(Clone)]
pub struct AppState {
    shared: Arc<Shared>,
}

/// The part of [`AppState`] a blocking closure sees.
pub struct Shared {
    db_path: PathBuf,
    /// Set once the store is open, or could not be opened.
    opened: OnceLock<Result<SharedStore, ApiError>>,
    /// Set once the first-run work is done; commands that touch the store wait for it.
    ready: OnceLock<()>,
    /// The live sources this window hosts (socket listener, watched folders), writing to the
    /// user's own store through one live writer, as `trailview serve` does.
    host: Arc<LiveHost>,
}

impl AppState {
    /// Starts opening (creating if needed) the store at `db_path` on a thread of its own, then
    /// does the [`FirstRun`] work. Never fails: an error is kept and reported by the commands.
    pub fn open(db_path: PathBuf, first_run: FirstRun) -> Self {
        let shared = Arc::new(Shared {
            host: Arc::new(LiveHost::new(&db_path)),
            db_path,
            opened: OnceLock::new(),
            ready: OnceLock::new(),
        });
        let init = Arc::clone(&shared);
        let spawned = std::thread::Builder::new()
            .name("trailview-store".into())
            .spawn(move || init.initialize(first_run));
        if let Err(e) = spawned {
            let _ = shared.opened.set(Err(ApiError::new(
                "store_unavailable",
                format!("cannot start a thread to open the store: {e}"),
            )));
            let _ = shared.ready.set(());
        }
        Self { shared }
    }

    /// Runs `work` on Tauri's blocking thread pool and awaits it: the one way commands touch the
    /// store, so SQLite never runs on the UI thread or inside an async task.
    pub async fn run_blocking<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&Shared) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let shared = Arc::clone(&self.shared);
        tauri::async_runtime::spawn_blocking(move || work(&shared))
            .await
            .map_err(|e| ApiError::new("internal", format!("a background task failed: {e}")))?
    }

    /// Runs a read on a fresh read-only connection (see [`SharedStore::read`]).
    pub async fn read<T, F>(&self, read: F) -> Result<T, ApiError>
    where
        F: FnOnce(&Store) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        self.run_blocking(move |shared| shared.store()?.read(read))
            .await
    }

    /// Runs a write on the store's one writer (see [`SharedStore::write`]).
    pub async fn write<T, F>(&self, write: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut Store) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        self.run_blocking(move |shared| shared.store()?.write(write))
            .await
    }

    /// Stops the hosted live sources, waiting for them (call as the app exits).
    pub fn shutdown(&self) {
        self.shared.shutdown();
    }
}

impl Shared {
    fn initialize(&self, first_run: FirstRun) {
        let opened =
            prepare_store_dir(&self.db_path).and_then(|()| SharedStore::open(&self.db_path));
        if let Ok(store) = &opened {
            store.catch_up_in_background();
        }
        let _ = self.opened.set(opened);
        if let (Some(Ok(store)), FirstRun::Demo(events)) = (self.opened.get(), first_run) {
            if let Err(e) = load_demo_if_never_used(store, events) {
                // The store still works; only the demo is missing.
                eprintln!("trailview: could not load the demo data: {e}");
            }
        }
        let _ = self.ready.set(());
        if self.opened.get().is_some_and(Result::is_ok) {
            // What the user turned on last time (listener, watched folders) comes back on.
            for problem in self.host.restore() {
                eprintln!("trailview: live sources: {problem}");
            }
        }
    }

    /// The live sources this window hosts.
    pub fn host(&self) -> &LiveHost {
        &self.host
    }

    /// Stops the hosted listener and watchers (the window is closing).
    pub fn shutdown(&self) {
        self.host.shutdown();
    }

    /// Path of the store this window reads.
    pub fn db_path(&self) -> &Path {
        &self.db_path
    }

    /// Why the store could not be opened, if it could not (waits until it has been tried).
    pub fn store_error(&self) -> Option<&ApiError> {
        self.opened.wait().as_ref().err()
    }

    /// The store, once it is open and the first-run work is done.
    pub fn store(&self) -> Result<&SharedStore, ApiError> {
        self.ready.wait();
        self.opened.wait().as_ref().map_err(Clone::clone)
    }
}

/// Loads the demo data when the store holds nothing at all (no event, no quarantined record).
fn load_demo_if_never_used(store: &SharedStore, events: u32) -> Result<(), ApiError> {
    store.write(|s| {
        if s.last_seq() == 0 && s.quarantine(Some(1))?.is_empty() {
            api::load_demo(
                s,
                &LoadDemoRequest {
                    events: Some(events),
                },
            )?;
        }
        Ok(())
    })
}

fn prepare_store_dir(db_path: &Path) -> Result<(), ApiError> {
    match db_path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir).map_err(|e| {
            ApiError::new(
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

    fn events_in(state: &AppState) -> u64 {
        let store = state.shared.store().unwrap();
        store.read(api::stats).unwrap().events
    }

    #[test]
    fn opening_creates_the_store_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("nested/deeper/trailview.db");
        let state = AppState::open(db.clone(), FirstRun::Nothing);
        assert!(state.shared.store_error().is_none());
        assert!(db.parent().unwrap().is_dir());
        assert_eq!(events_in(&state), 0);
    }

    #[test]
    fn an_unusable_folder_is_kept_as_store_unavailable() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("not-a-dir");
        std::fs::write(&file, b"").unwrap();
        let state = AppState::open(file.join("trailview.db"), FirstRun::Demo(10));
        assert_eq!(
            state.shared.store_error().map(|e| e.code.as_str()),
            Some("store_unavailable")
        );
        let err = state.shared.store().err().unwrap();
        assert_eq!(err.code, "store_unavailable");
    }

    #[test]
    fn the_first_run_loads_the_demo_once() {
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("trailview.db");
        let first = AppState::open(db.clone(), FirstRun::Demo(40));
        assert_eq!(events_in(&first), 40);
        drop(first);
        // Opened again (another start of the app): not empty, so nothing is added.
        let second = AppState::open(db, FirstRun::Demo(80));
        assert_eq!(events_in(&second), 40);
    }

    #[test]
    fn a_store_with_only_quarantined_records_is_not_a_first_run() {
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("trailview.db");
        let junk = tmp.path().join("junk.ndjson");
        std::fs::write(&junk, b"{not json\n").unwrap();
        {
            let mut store = Store::open(&db).unwrap();
            let req = api::IngestFilesRequest {
                paths: vec![junk.display().to_string()],
            };
            let summary = api::ingest_files(&mut store, &req, &mut |_| {}).unwrap();
            assert_eq!(summary.quarantined, 1);
        }
        let state = AppState::open(db, FirstRun::Demo(40));
        assert_eq!(events_in(&state), 0);
    }
}
