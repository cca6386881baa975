//! # trailview-desktop
//!
//! The desktop window is a thin shell over `trailview-core`: it finds the store, keeps it in Tauri
//! state, and maps each Tauri command to exactly one core call. No logic lives here that the CLI
//! or `trailview serve` would also need; that belongs in the core.
//!
//! Rules every command follows (see [`commands`]):
//! - it is `async` and does its work through [`AppState::run_blocking`], so SQLite never runs on
//!   the UI thread nor inside an async task;
//! - it fails with a [`CommandError`] `{code, message}`: the UI branches on `code`;
//! - what it returns derives `ts_rs::TS` and is listed in the bindings check at the bottom of
//!   [`commands`], so the UI's types in `ui/src/bindings/` are generated, never hand-written.

pub mod commands;
mod error;
mod state;

use anyhow::Context as _;

pub use error::CommandError;
pub use state::AppState;

/// Opens the store and runs the window until it is closed.
///
/// The store is the one the CLI uses by default ([`trailview_core::default_store_path`]:
/// `$TRAILVIEW_DB`, else `trailview.db` in the platform data directory). A store that cannot be
/// opened does not stop the window: the UI shows the error (with its code) instead of the app
/// vanishing on start.
pub fn run() -> anyhow::Result<()> {
    let state = AppState::open(trailview_core::default_store_path());
    tauri::Builder::default()
        .manage(state)
        .invoke_handler(tauri::generate_handler![commands::app_info])
        .run(tauri::generate_context!())
        .context("running the Trailview window")
}
