//! `POST /v1/events`: live ingest over HTTP (docs/PROTOCOL.md), when `trailview serve --ingest`.
//!
//! - `Authorization: Bearer tv_…` is required: a token of `trailview token create`, which names
//!   the tenants it may write. An event of another tenant is refused (`tenant_not_allowed`) and
//!   quarantined, never stored as an event.
//! - Bodies: `application/json` (one event, or an array of them), `application/x-ndjson`,
//!   `application/cloudevents+json` (one CloudEvent), `application/cloudevents-batch+json`
//!   (an array). They are framed as files are ([`Framer`]), so every record gets an origin
//!   (line, array index, byte offset in the body). At most [`MAX_BODY`] bytes.
//! - The answer lists one result per record, in order, after the records committed — the
//!   same acks as the socket protocol — and the counts. A retried request is safe: identity
//!   makes a record already stored a `duplicate`.
//! - Everything goes through the one [`LiveWriter`] of the store (the server's other writes,
//!   `load_demo`, go through `SharedStore`'s writer; the store serializes the two and each
//!   continues the other's chain).
//!
//! The Host/Origin guard of the router applies here too.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use trailview_core::framing::Framer;
use trailview_core::ingest;
use trailview_core::live::protocol::{self, Ack, AckMeta};
use trailview_core::live::tokens::{self, Grant};
use trailview_core::live::writer::LiveWriter;
use trailview_core::live::LiveError;
use trailview_core::store::Store;

/// Largest request body.
pub const MAX_BODY: usize = 64 << 20;

/// Records per job handed to the writer.
const CHUNK: usize = 1024;

/// The content types accepted.
pub const CONTENT_TYPES: [&str; 4] = [
    "application/json",
    "application/x-ndjson",
    "application/cloudevents+json",
    "application/cloudevents-batch+json",
];

/// The answer to a POST.
#[derive(Debug, Serialize)]
pub struct PostAnswer {
    /// Newly stored.
    pub accepted: u64,
    /// Already stored.
    pub duplicates: u64,
    /// Refused and quarantined.
    pub rejected: u64,
    /// One per record, in order.
    pub results: Vec<Ack>,
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        Json(serde_json::json!({"code": code, "message": message.into()})),
    )
        .into_response()
}

/// The state of the live routes: the store, and its writer when ingest is on.
#[derive(Clone)]
pub struct Ingest {
    /// The store's live writer (when `--ingest`: the host's).
    pub writer: Option<LiveWriter>,
    /// The live sources this process hosts (`crate::sources`).
    pub host: Arc<trailview_core::live::host::LiveHost>,
    /// The store file.
    pub path: std::path::PathBuf,
    /// Becomes true when the server shuts down: event streams end then, so a graceful
    /// shutdown does not wait for a browser tab forever.
    pub closing: tokio::sync::watch::Receiver<bool>,
}

/// `GET|POST /api/live_status` ([`trailview_core::api::live_status`]).
pub async fn live_status(State(ing): State<Ingest>) -> Response {
    let path = ing.path.clone();
    let host = ing.host.clone();
    let done = tokio::task::spawn_blocking(move || {
        let store = Store::open_read_only(&path).map_err(trailview_core::api::ApiError::from)?;
        trailview_core::api::live_status_hosted(&store, &host)
    })
    .await;
    match done {
        Ok(Ok(v)) => Json(v).into_response(),
        Ok(Err(e)) => crate::error_response(e),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()),
    }
}

/// `GET /api/live_appended`: Server-Sent Events. First `ready` with `{"last_seq"}`, then an
/// `appended` event `{"from_seq","to_seq"}` (an [`trailview_core::api::AppendedNotice`]) at
/// most every 150 ms while the log grows — whichever process appends (this server's writer,
/// `trailview listen`, `watch`, `ingest`): [`AppendedFollower`] watches the store's committed
/// `last_seq` (the desktop shell uses the same follower).
pub async fn live_appended(State(ing): State<Ingest>) -> Response {
    use axum::response::sse::{Event, KeepAlive, Sse};
    use trailview_core::api::{AppendedFollower, APPENDED_TICK};
    let path = ing.path.clone();
    let mut closing = ing.closing.clone();
    let opened = tokio::task::spawn_blocking(move || AppendedFollower::open(&path)).await;
    let Ok(Ok(mut follower)) = opened else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "store_unavailable",
            "cannot read the store",
        );
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Event, std::convert::Infallible>>(16);
    tokio::spawn(async move {
        let ready = Event::default()
            .event("ready")
            .json_data(serde_json::json!({ "last_seq": follower.last_seq() }))
            .expect("serializes");
        if tx.send(Ok(ready)).await.is_err() {
            return;
        }
        let mut tick = tokio::time::interval(APPENDED_TICK);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = closing.wait_for(|c| *c) => return,
            }
            if tx.is_closed() {
                return;
            }
            // SQLite off the async workers; the follower comes back with the answer.
            let Ok((f, polled)) = tokio::task::spawn_blocking(move || {
                let polled = follower.poll();
                (follower, polled)
            })
            .await
            else {
                return;
            };
            follower = f;
            if let Ok(Some(n)) = polled {
                let ev = Event::default()
                    .event("appended")
                    .json_data(n)
                    .expect("serializes");
                if tx.send(Ok(ev)).await.is_err() {
                    return;
                }
            }
        }
    });
    Sse::new(ReceiverStream(rx))
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// An mpsc receiver as a `Stream` (what tokio-stream's wrapper does, in five lines).
pub(crate) struct ReceiverStream<T>(pub(crate) tokio::sync::mpsc::Receiver<T>);

impl<T> futures_core::Stream for ReceiverStream<T> {
    type Item = T;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<T>> {
        self.0.poll_recv(cx)
    }
}

/// `POST /v1/events`.
pub async fn post_events(State(ing): State<Ingest>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(writer) = ing.writer else {
        return error(
            StatusCode::NOT_FOUND,
            "ingest_disabled",
            "this server does not take events: start it with `trailview serve --ingest`",
        );
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_owned());
    let Some(token) = token else {
        return error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send a write token: Authorization: Bearer tv_… (see `trailview token create`)",
        );
    };
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if !CONTENT_TYPES.contains(&ct.as_str()) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("Content-Type must be one of {CONTENT_TYPES:?}, not {ct:?}"),
        );
    }
    let path = writer.path().to_owned();
    let grant =
        match tokio::task::spawn_blocking(move || tokens::authenticate_at(&path, &token)).await {
            Ok(Ok(Some(g))) => g,
            Ok(Ok(None)) => {
                return error(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "this token is not known to this store, or was revoked",
                )
            }
            Ok(Err(e)) => {
                return error(StatusCode::SERVICE_UNAVAILABLE, e.code(), e.to_string());
            }
            Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()),
        };
    let stream = headers
        .get("trailview-stream")
        .and_then(|v| v.to_str().ok())
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    match write(writer, grant, stream, body).await {
        Ok(answer) => Json(answer).into_response(),
        Err(e) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            e.code(),
            format!("{e}; nothing of this request is acknowledged: send it again"),
        ),
    }
}

async fn write(
    writer: LiveWriter,
    grant: Grant,
    stream: Option<String>,
    body: Bytes,
) -> Result<PostAnswer, LiveError> {
    let source: Arc<str> = Arc::from(format!(
        "http:{}",
        stream.unwrap_or_else(|| format!("token-{}", grant.token_id.unwrap_or(0)))
    ));
    let now = writer.now_us();
    // Framing and normalizing is CPU work: off the async workers.
    let chunks = tokio::task::spawn_blocking(move || {
        let mut chunks: Vec<(Vec<_>, Vec<AckMeta>)> = Vec::new();
        let mut items = Vec::new();
        let mut metas = Vec::new();
        for frame in Framer::new(&body[..]) {
            let Ok(frame) = frame else { break }; // reading a slice cannot fail
            let o = frame.origin();
            let item = protocol::scope(ingest::prepare(frame, &source, now), &grant);
            let id = match &item {
                trailview_core::store::Item::Event(p) => Some(p.event.id.clone()),
                trailview_core::store::Item::Refused(r) => {
                    r.identity.as_ref().map(|(_, id)| id.clone())
                }
            };
            metas.push(AckMeta {
                line: o.line,
                index: o.index,
                id,
            });
            items.push(item);
            if items.len() == CHUNK {
                chunks.push((std::mem::take(&mut items), std::mem::take(&mut metas)));
            }
        }
        if !items.is_empty() {
            chunks.push((items, metas));
        }
        chunks
    })
    .await
    .map_err(|e| LiveError::Io(format!("framing failed: {e}")))?;
    let mut pending = Vec::with_capacity(chunks.len());
    for (items, metas) in chunks {
        pending.push((writer.submit(items, None).await?, metas));
    }
    let mut answer = PostAnswer {
        accepted: 0,
        duplicates: 0,
        rejected: 0,
        results: Vec::new(),
    };
    for (p, metas) in pending {
        for (m, o) in metas.into_iter().zip(p.outcomes().await?) {
            let ack = m.ack(o);
            match ack.status {
                protocol::AckStatus::Accepted => answer.accepted += 1,
                protocol::AckStatus::Duplicate => answer.duplicates += 1,
                protocol::AckStatus::Rejected => answer.rejected += 1,
            }
            answer.results.push(ack);
        }
    }
    Ok(answer)
}
