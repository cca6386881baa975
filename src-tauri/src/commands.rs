//! The Tauri commands: each maps to exactly one `trailview_core::api` call (docs/API.md),
//! through [`AppState::read`] / [`AppState::write`], which run it on a blocking thread.
//!
//! Arguments: a command whose operation takes a filter receives its request object as `req`
//! (`invoke("events", {req: {tenant, …}})`); the others take their few parameters by name
//! (`invoke("event", {tenant, id})`, `invoke("quarantine", {limit})`). Every argument may be
//! left out, so a missing one is answered by the API's own `{code, message}` (e.g.
//! `tenant_required`) rather than by Tauri's untyped error.
//!
//! Adding one: write the operation in `trailview_core::api`, map it here, register it in
//! `generate_handler!` in `lib.rs`, add its types to the bindings check in the core
//! (`api::tests::typescript_bindings_are_current`), add the method to the UI's `Backend`
//! (`ui/src/backend/`), and answer the same name in `trailview serve` (crates/trailview-server).

use tauri::{AppHandle, Emitter, State};
use trailview_core::api::{
    self, ApiError, AppInfo, EventPage, EventRequest, EventsRequest, HistogramRequest,
    IngestFilesRequest, LoadDemoRequest, QuarantineRequest,
};
use trailview_core::ingest::IngestSummary;
use trailview_core::query::{Bucket, QuarantineRecord, Stats, StoredEvent};
use trailview_core::store::VerifyReport;

use crate::AppState;

/// The Tauri event `ingest_files` reports its progress with (`api::IngestProgress`).
pub const INGEST_PROGRESS: &str = "ingest_progress";

/// The Tauri event `export_bundle` reports its progress with (`api::ExportBundleProgress`).
pub const EXPORT_PROGRESS: &str = "export_progress";

/// Version and store path. Does not wait for the first-run demo data, only for the store to
/// have been opened (or not).
#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> Result<AppInfo, ApiError> {
    state
        .run_blocking(|shared| {
            Ok(AppInfo::new(
                shared.db_path(),
                shared.store_error().cloned(),
            ))
        })
        .await
}

/// `api::stats`.
#[tauri::command]
pub async fn stats(state: State<'_, AppState>) -> Result<Stats, ApiError> {
    state.read(api::stats).await
}

/// `api::events`.
#[tauri::command]
pub async fn events(
    state: State<'_, AppState>,
    req: Option<EventsRequest>,
) -> Result<EventPage, ApiError> {
    let req = req.unwrap_or_default();
    state.read(move |s| api::events(s, &req)).await
}

/// `api::event`.
#[tauri::command]
pub async fn event(
    state: State<'_, AppState>,
    tenant: Option<String>,
    id: Option<String>,
) -> Result<StoredEvent, ApiError> {
    let req = EventRequest { tenant, id };
    state.read(move |s| api::event(s, &req)).await
}

/// `api::histogram`.
#[tauri::command]
pub async fn histogram(
    state: State<'_, AppState>,
    req: Option<HistogramRequest>,
) -> Result<Vec<Bucket>, ApiError> {
    let req = req.unwrap_or_default();
    state.read(move |s| api::histogram(s, &req)).await
}

/// `api::quarantine`.
#[tauri::command]
pub async fn quarantine(
    state: State<'_, AppState>,
    limit: Option<u32>,
) -> Result<Vec<QuarantineRecord>, ApiError> {
    let req = QuarantineRequest { limit };
    state.read(move |s| api::quarantine(s, &req)).await
}

/// `api::verify`.
#[tauri::command]
pub async fn verify(state: State<'_, AppState>) -> Result<VerifyReport, ApiError> {
    state.read(api::verify).await
}

/// `api::load_demo`.
#[tauri::command]
pub async fn load_demo(
    state: State<'_, AppState>,
    events: Option<u32>,
) -> Result<IngestSummary, ApiError> {
    let req = LoadDemoRequest { events };
    state.write(move |s| api::load_demo(s, &req)).await
}

/// `api::ingest_files`, with its progress as `ingest_progress` events (at most every 100 ms).
#[tauri::command]
pub async fn ingest_files(
    app: AppHandle,
    state: State<'_, AppState>,
    paths: Option<Vec<String>>,
) -> Result<IngestSummary, ApiError> {
    let req = IngestFilesRequest {
        paths: paths.unwrap_or_default(),
    };
    state
        .write(move |s| {
            api::ingest_files(s, &req, &mut |progress| {
                // A window that is closing cannot hear it; the ingest goes on regardless.
                let _ = app.emit(INGEST_PROGRESS, progress);
            })
        })
        .await
}

/// The Tauri event the File → Open menu item sends the window (it then calls [`choose_files`]).
pub const MENU_OPEN_FILES: &str = "menu_open_files";

/// The native "open files" dialog (several files at once); `None` when cancelled. Desktop only:
/// the window's Open… button, Ctrl+O and the File menu all come here.
#[tauri::command]
pub async fn choose_files(app: AppHandle) -> Result<Option<Vec<String>>, ApiError> {
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = std::sync::mpsc::channel();
    app.dialog()
        .file()
        .set_title("Open event files")
        .add_filter(
            "Events (NDJSON, JSON, audit bundles)",
            &["ndjson", "jsonl", "json", "log", "trail"],
        )
        .add_filter("All files", &["*"])
        .pick_files(move |picked| {
            let _ = tx.send(picked);
        });
    let picked = tauri::async_runtime::spawn_blocking(move || rx.recv().ok().flatten())
        .await
        .map_err(|e| ApiError::new("internal", format!("the file dialog failed: {e}")))?;
    let Some(picked) = picked else {
        return Ok(None);
    };
    picked
        .into_iter()
        .map(|p| {
            p.into_path()
                .map(|p| p.display().to_string())
                .map_err(|e| ApiError::new("bad_request", format!("not a local file: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// `api::graph`.
#[tauri::command]
pub async fn graph(
    state: State<'_, AppState>,
    req: Option<api::GraphRequest>,
) -> Result<trailview_core::graph::Graph, ApiError> {
    let req = req.unwrap_or_default();
    state.read(move |s| api::graph(s, &req)).await
}

/// `api::metrics`.
#[tauri::command]
pub async fn metrics(
    state: State<'_, AppState>,
    req: Option<api::MetricsRequest>,
) -> Result<trailview_core::metrics::MetricsReport, ApiError> {
    let req = req.unwrap_or_default();
    state.read(move |s| api::metrics(s, &req)).await
}

/// `api::alerts`.
#[tauri::command]
pub async fn alerts(
    state: State<'_, AppState>,
    req: Option<api::AlertsRequest>,
) -> Result<trailview_core::alerts::AlertReport, ApiError> {
    let req = req.unwrap_or_default();
    state.read(move |s| api::alerts(s, &req)).await
}

/// `api::bundle_info`: the bundle the open store came from (the trust badge), if any.
#[tauri::command]
pub async fn bundle_info(state: State<'_, AppState>) -> Result<api::BundleInfoResponse, ApiError> {
    state
        .read(move |s| api::bundle_info(s, &api::BundleInfoRequest {}))
        .await
}

/// `api::key_info`: this installation's signing key fingerprint.
#[tauri::command]
pub async fn key_info(state: State<'_, AppState>) -> Result<api::KeyInfoResponse, ApiError> {
    state
        .read(move |s| api::key_info(s, &api::KeyInfoRequest {}))
        .await
}

/// `api::export_bundle_checked`, with its progress as `export_progress` events.
#[tauri::command]
pub async fn export_bundle(
    app: AppHandle,
    state: State<'_, AppState>,
    req: Option<api::ExportBundleRequest>,
) -> Result<api::ExportBundleResponse, ApiError> {
    let req = req.unwrap_or_default();
    // Always the user's own store, refused while a bundle is shown: re-signing someone else's
    // bundle with this installation's key would misstate where it came from.
    state
        .run_blocking(move |shared| {
            api::export_bundle_checked(shared.store()?, &req, &mut |progress| {
                let _ = app.emit(EXPORT_PROGRESS, progress);
            })
        })
        .await
}

/// `api::current_store`: the user's own store or the bundle being shown, with its trust badge.
#[tauri::command]
pub async fn current_store(state: State<'_, AppState>) -> Result<api::CurrentStore, ApiError> {
    state
        .run_blocking(|shared| api::current_store(shared.store()?))
        .await
}

/// `api::open_bundle_in`: show a bundle (imported read-only into its cache store) in the window.
#[tauri::command]
pub async fn open_bundle(
    state: State<'_, AppState>,
    req: Option<api::OpenBundleRequest>,
) -> Result<api::CurrentStore, ApiError> {
    let req = req.unwrap_or_default();
    state
        .run_blocking(move |shared| api::open_bundle_in(shared.store()?, &req))
        .await
}

/// `api::close_bundle`: back to the user's own store.
#[tauri::command]
pub async fn close_bundle(state: State<'_, AppState>) -> Result<api::CurrentStore, ApiError> {
    state
        .run_blocking(|shared| api::close_bundle(shared.store()?))
        .await
}

/// The native "save as" dialog for an exported bundle; `None` when cancelled. Desktop only.
#[tauri::command]
pub async fn choose_save_path(
    app: AppHandle,
    default_name: Option<String>,
) -> Result<Option<String>, ApiError> {
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = std::sync::mpsc::channel();
    app.dialog()
        .file()
        .set_title("Export audit bundle")
        .set_file_name(default_name.unwrap_or_else(|| "export.trail".into()))
        .add_filter("Trailview audit bundle", &["trail"])
        .save_file(move |picked| {
            let _ = tx.send(picked);
        });
    let picked = tauri::async_runtime::spawn_blocking(move || rx.recv().ok().flatten())
        .await
        .map_err(|e| ApiError::new("internal", format!("the save dialog failed: {e}")))?;
    picked
        .map(|p| {
            p.into_path()
                .map(|p| p.display().to_string())
                .map_err(|e| ApiError::new("bad_request", format!("not a local file: {e}")))
        })
        .transpose()
}

/// `api::verify_bundle`.
#[tauri::command]
pub async fn verify_bundle(
    state: State<'_, AppState>,
    path: Option<String>,
) -> Result<trailview_core::bundle::BundleReport, ApiError> {
    let req = api::BundlePathRequest { path };
    state.read(move |s| api::verify_bundle(s, &req)).await
}

/// `api::approvals`.
#[tauri::command]
pub async fn approvals(
    state: State<'_, AppState>,
    req: Option<api::ApprovalsRequest>,
) -> Result<api::ApprovalsResponse, ApiError> {
    let req = req.unwrap_or_default();
    state.read(move |s| api::approvals(s, &req)).await
}

/// `api::executions`.
#[tauri::command]
pub async fn executions(
    state: State<'_, AppState>,
    req: Option<api::ExecutionsRequest>,
) -> Result<api::ExecutionsResponse, ApiError> {
    let req = req.unwrap_or_default();
    state.read(move |s| api::executions(s, &req)).await
}

/// `api::replay`.
#[tauri::command]
pub async fn replay(
    state: State<'_, AppState>,
    req: Option<api::ReplayRequest>,
) -> Result<api::ReplayResponse, ApiError> {
    let req = req.unwrap_or_default();
    state.read(move |s| api::replay(s, &req)).await
}

/// `api::live_status_hosted`: the store's live state, the sources this window hosts, and
/// those other processes (`trailview listen` / `watch`) publish.
#[tauri::command]
pub async fn live_status(state: State<'_, AppState>) -> Result<api::LiveStatus, ApiError> {
    state
        .run_blocking(|shared| {
            let host = shared.host();
            shared
                .store()?
                .read_own(|s| api::live_status_hosted(s, host))
        })
        .await
}

/// `api::start_listener`: the socket listener toggle, hosted by this window.
#[tauri::command]
pub async fn start_listener(
    state: State<'_, AppState>,
    req: Option<api::StartListenerRequest>,
) -> Result<api::HostStatus, ApiError> {
    let req = req.unwrap_or_default();
    state
        .run_blocking(move |shared| api::start_listener(shared.host(), &req))
        .await
}

/// `api::stop_listener`.
#[tauri::command]
pub async fn stop_listener(state: State<'_, AppState>) -> Result<api::HostStatus, ApiError> {
    state
        .run_blocking(|shared| api::stop_listener(shared.host()))
        .await
}

/// `api::add_watch`: watch a folder from the window.
#[tauri::command]
pub async fn add_watch(
    state: State<'_, AppState>,
    req: Option<api::AddWatchRequest>,
) -> Result<api::HostStatus, ApiError> {
    let req = req.unwrap_or_default();
    state
        .run_blocking(move |shared| api::add_watch(shared.host(), &req))
        .await
}

/// `api::remove_watch`.
#[tauri::command]
pub async fn remove_watch(
    state: State<'_, AppState>,
    req: Option<api::RemoveWatchRequest>,
) -> Result<api::HostStatus, ApiError> {
    let req = req.unwrap_or_default();
    state
        .run_blocking(move |shared| api::remove_watch(shared.host(), &req))
        .await
}

/// The native folder picker for "Watch folder…"; `None` when cancelled. Desktop only.
#[tauri::command]
pub async fn choose_folder(app: AppHandle) -> Result<Option<String>, ApiError> {
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = std::sync::mpsc::channel();
    app.dialog()
        .file()
        .set_title("Watch a folder")
        .pick_folder(move |picked| {
            let _ = tx.send(picked);
        });
    let picked = tauri::async_runtime::spawn_blocking(move || rx.recv().ok().flatten())
        .await
        .map_err(|e| ApiError::new("internal", format!("the folder dialog failed: {e}")))?;
    picked
        .map(|p| {
            p.into_path()
                .map(|p| p.display().to_string())
                .map_err(|e| ApiError::new("bad_request", format!("not a local folder: {e}")))
        })
        .transpose()
}

/// The Tauri event carrying `api::AppendedNotice {from_seq, to_seq}` when events were committed
/// by any process (this window, `trailview listen`, `watch`, `ingest`), at most every 150 ms.
pub const APPENDED: &str = "appended";

/// Emits [`APPENDED`] for the life of the window, from a thread of its own running the core's
/// `api::AppendedFollower` (the same follower `trailview serve`'s Server-Sent Events use). Until
/// the store can be opened (it may still be being created) it tries again every half second.
pub fn spawn_appended_notices(app: AppHandle, db_path: std::path::PathBuf) {
    let spawned = std::thread::Builder::new()
        .name("appended-notices".into())
        .spawn(move || {
            let follower = loop {
                match api::AppendedFollower::open(&db_path) {
                    Ok(f) => break f,
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(500)),
                }
            };
            let never = std::sync::atomic::AtomicBool::new(false);
            // A window that is closing cannot hear it; the follower goes on until the app ends.
            follower.run(&never, |n| {
                let _ = app.emit(APPENDED, n);
                true
            });
        });
    if let Err(e) = spawned {
        eprintln!("trailview: no live notices (cannot start their thread: {e})");
    }
}
