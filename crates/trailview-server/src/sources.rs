//! The live sources the UI starts and stops in this process: `POST /api/start_listener`,
//! `/api/stop_listener`, `/api/add_watch`, `/api/remove_watch` (docs/API.md). Each is one
//! `trailview_core::api` call on the server's [`LiveHost`](trailview_core::live::host::LiveHost),
//! answering the hosted sources' status.
//!
//! `add_watch` reads a folder a web page names. That is what the Sources view is for, and only
//! this machine's own pages can ask: the router's guard refuses other hosts and cross-site
//! writes (a write needs `Content-Type: application/json`, which a cross-site form cannot send
//! without asking first, and nothing here answers CORS), and the server binds loopback unless
//! told otherwise. What a watched folder holds becomes events; the folder itself is never served.

use axum::extract::State;
use axum::response::Response;
use trailview_core::api::{self, AddWatchRequest, RemoveWatchRequest, StartListenerRequest};

use crate::ingest::Ingest;
use crate::{answer, Params};

/// `POST /api/start_listener`.
pub(crate) async fn start_listener(
    State(ing): State<Ingest>,
    Params(req): Params<StartListenerRequest>,
) -> Response {
    let host = ing.host.clone();
    answer(tokio::task::spawn_blocking(move || api::start_listener(&host, &req)).await)
}

/// `POST /api/stop_listener`.
pub(crate) async fn stop_listener(State(ing): State<Ingest>) -> Response {
    let host = ing.host.clone();
    answer(tokio::task::spawn_blocking(move || api::stop_listener(&host)).await)
}

/// `POST /api/add_watch`.
pub(crate) async fn add_watch(
    State(ing): State<Ingest>,
    Params(req): Params<AddWatchRequest>,
) -> Response {
    let host = ing.host.clone();
    answer(tokio::task::spawn_blocking(move || api::add_watch(&host, &req)).await)
}

/// `POST /api/remove_watch`.
pub(crate) async fn remove_watch(
    State(ing): State<Ingest>,
    Params(req): Params<RemoveWatchRequest>,
) -> Response {
    let host = ing.host.clone();
    answer(tokio::task::spawn_blocking(move || api::remove_watch(&host, &req)).await)
}
