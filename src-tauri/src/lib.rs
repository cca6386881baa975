//! # trailview-desktop
//!
//! The desktop window is a thin shell over `trailview-core`: it finds the store, keeps it in Tauri
//! state, and maps each Tauri command to exactly one `trailview_core::api` call. No logic lives
//! here that `trailview serve` would also need; that belongs in the core.
//!
//! Rules every command follows (see [`commands`]):
//! - it is `async` and does its work through [`AppState`]'s blocking helpers, so SQLite never
//!   runs on the UI thread nor inside an async task;
//! - it fails with an [`ApiError`] `{code, message}`: the UI branches on `code`;
//! - what it takes and returns derives `ts_rs::TS` in the core, whose bindings check keeps the
//!   UI's types in `ui/src/bindings/` generated, never hand-written.
//!
//! On its first run against a store that never held anything, the window loads the demo data
//! set ([`state`] says how, and `TRAILVIEW_NO_DEMO=1` turns it off).

pub mod commands;
mod state;

use anyhow::Context as _;
use tauri::menu::{Menu, MenuBuilder, MenuItemBuilder, SubmenuBuilder};
use tauri::{AppHandle, Emitter as _, Wry};

pub use state::{AppState, FirstRun};
pub use trailview_core::api::ApiError;

/// Opens the store and runs the window until it is closed.
///
/// The store is the one the CLI uses by default ([`trailview_core::default_store_path`]:
/// `$TRAILVIEW_DB`, else `trailview.db` in the platform data directory). A store that cannot be
/// opened does not stop the window: the UI shows the error (with its code) instead of the app
/// vanishing on start.
pub fn run() -> anyhow::Result<()> {
    let no_demo = std::env::var_os("TRAILVIEW_NO_DEMO").is_some_and(|v| !v.is_empty() && v != "0");
    let first_run = if no_demo {
        FirstRun::Nothing
    } else {
        FirstRun::Demo(trailview_core::api::DEFAULT_DEMO_EVENTS)
    };
    let db_path = trailview_core::default_store_path();
    let state = AppState::open(db_path.clone(), first_run);
    let on_exit = state.clone();
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(state)
        .setup(move |app| {
            app.set_menu(menu(app.handle())?)?;
            commands::spawn_appended_notices(app.handle().clone(), db_path);
            Ok(())
        })
        .on_menu_event(|app, event| {
            if event.id() == OPEN_ITEM {
                // The window runs the same flow as its Open… button and Ctrl+O.
                let _ = app.emit(commands::MENU_OPEN_FILES, ());
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::stats,
            commands::events,
            commands::event,
            commands::histogram,
            commands::quarantine,
            commands::verify,
            commands::load_demo,
            commands::ingest_files,
            commands::choose_files,
            commands::graph,
            commands::metrics,
            commands::alerts,
            commands::bundle_info,
            commands::key_info,
            commands::export_bundle,
            commands::current_store,
            commands::open_bundle,
            commands::close_bundle,
            commands::choose_save_path,
            commands::start_listener,
            commands::stop_listener,
            commands::add_watch,
            commands::remove_watch,
            commands::choose_folder,
            commands::verify_bundle,
            commands::approvals,
            commands::executions,
            commands::replay,
            commands::live_status,
        ])
        .build(tauri::generate_context!())
        .context("starting the Trailview window")?
        .run(move |_, event| {
            if let tauri::RunEvent::Exit = event {
                // The hosted listener and watchers stop cleanly (their last batch committed).
                on_exit.shutdown();
            }
        });
    Ok(())
}

/// Id of File → Open Files….
const OPEN_ITEM: &str = "open_files";

/// The window's menu: File (Open Files… Ctrl+O, Quit) and Edit (for copy and paste in the
/// webview's text boxes).
fn menu(app: &AppHandle) -> tauri::Result<Menu<Wry>> {
    let open = MenuItemBuilder::with_id(OPEN_ITEM, "Open Files…")
        .accelerator("CmdOrCtrl+O")
        .build(app)?;
    let file = SubmenuBuilder::new(app, "File")
        .item(&open)
        .separator()
        .quit()
        .build()?;
    let edit = SubmenuBuilder::new(app, "Edit")
        .copy()
        .paste()
        .select_all()
        .build()?;
    MenuBuilder::new(app).items(&[&file, &edit]).build()
}
