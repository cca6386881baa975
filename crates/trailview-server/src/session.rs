//! The routes that switch the window between the user's store and an opened bundle, take a
//! bundle's bytes from a browser, and stream an export as a download (issue #6; the operations
//! themselves are `trailview_core::api`'s, see its `session` module).
//!
//! - `GET|POST /api/current_store`, `POST /api/open_bundle {path, name?}`,
//!   `POST /api/close_bundle`: one core call each. A path names a file on this machine: the
//!   server answers loopback only.
//! - `POST /api/bundles?name=case.trail` with the file's bytes as the body
//!   (`Content-Type: application/octet-stream`, which a cross-site form cannot send without a
//!   preflight nothing here answers): streamed to the bundle cache on a blocking thread as it
//!   arrives (never held whole in memory), then opened as a path would be.
//! - `GET /api/export_bundle?tenant=…&type=…&quarantine=1&name=…`: exports the user's own store's
//!   selection, signed, into a temporary file of the bundle cache, then streams it as an
//!   attachment; the temporary file is removed when the stream ends. The answer's
//!   `X-Trailview-*` headers carry the result (events, Merkle root, signer fingerprint, SHA-256).

use std::io::{self, Read};
use std::pin::Pin;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use trailview_core::api::{self, ApiError, ExportDownloadRequest, OpenBundleRequest};

use crate::ingest::ReceiverStream;
use crate::{answer, error_response, App, Params};

/// `current_store`.
pub(crate) async fn current_store(State(app): State<App>) -> Response {
    let store = Arc::clone(&app.store);
    answer(tokio::task::spawn_blocking(move || api::current_store(&store)).await)
}

/// `open_bundle {path, name?}`.
pub(crate) async fn open_bundle(
    State(app): State<App>,
    Params(req): Params<OpenBundleRequest>,
) -> Response {
    let store = Arc::clone(&app.store);
    answer(tokio::task::spawn_blocking(move || api::open_bundle_in(&store, &req)).await)
}

/// `close_bundle`.
pub(crate) async fn close_bundle(State(app): State<App>) -> Response {
    let store = Arc::clone(&app.store);
    answer(tokio::task::spawn_blocking(move || api::close_bundle(&store)).await)
}

#[derive(serde::Deserialize, Default)]
struct UploadQuery {
    name: Option<String>,
}

/// Chunks of a request body, read as a `Read` on a blocking thread.
struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<io::Result<Bytes>>,
    cur: Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.cur.is_empty() {
            match self.rx.blocking_recv() {
                None => return Ok(0),
                Some(Err(e)) => return Err(e),
                Some(Ok(b)) => self.cur = b,
            }
        }
        let n = buf.len().min(self.cur.len());
        buf[..n].copy_from_slice(&self.cur[..n]);
        self.cur = self.cur.slice(n..);
        Ok(n)
    }
}

/// `POST /api/bundles?name=…`: the bundle's bytes as the body.
pub(crate) async fn upload_bundle(
    State(app): State<App>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let binary = headers
        .get(header::CONTENT_TYPE)
        .and_then(|ct| ct.to_str().ok())
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|ct| {
            let ct = ct.trim();
            ct.eq_ignore_ascii_case("application/octet-stream")
                || ct.eq_ignore_ascii_case("application/zip")
        });
    if !binary {
        return error_response(ApiError::bad_request(
            "send the bundle file's bytes as the body, with Content-Type: \
             application/octet-stream",
        ));
    }
    let q: UploadQuery = match serde_urlencoded::from_str(uri.query().unwrap_or_default()) {
        Ok(q) => q,
        Err(e) => return error_response(ApiError::bad_request(format!("query string: {e}"))),
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<io::Result<Bytes>>(8);
    let store = Arc::clone(&app.store);
    let work = tokio::task::spawn_blocking(move || {
        let mut reader = ChannelReader {
            rx,
            cur: Bytes::new(),
        };
        let r = store.receive_bundle(&mut reader, q.name.as_deref());
        // Drain what the client still sends, so it reads the answer rather than a reset.
        while reader.rx.blocking_recv().is_some() {}
        r
    });
    let mut stream = body.into_data_stream();
    loop {
        let next =
            std::future::poll_fn(|cx| futures_core::Stream::poll_next(Pin::new(&mut stream), cx))
                .await;
        match next {
            None => break,
            Some(Ok(b)) => {
                if tx.send(Ok(b)).await.is_err() {
                    break;
                }
            }
            Some(Err(e)) => {
                let _ = tx.send(Err(io::Error::other(e.to_string()))).await;
                break;
            }
        }
    }
    drop(tx);
    answer(work.await)
}

/// `GET /api/export_bundle?…`: the signed bundle, as an attachment.
pub(crate) async fn export_bundle(
    State(app): State<App>,
    headers: HeaderMap,
    Params(req): Params<ExportDownloadRequest>,
) -> Response {
    // A GET that signs with this installation's key (made on first use): never for another
    // site's page, which a browser marks so.
    if headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"))
    {
        return error_response(ApiError::new(
            "forbidden",
            "an export asked for by another site's page is refused",
        ));
    }
    let store = Arc::clone(&app.store);
    let done = tokio::task::spawn_blocking(move || api::export_bundle_download(&store, &req)).await;
    let download = match done {
        Ok(Ok(d)) => d,
        Ok(Err(e)) => return error_response(e),
        Err(e) => {
            return error_response(ApiError::new(
                "internal",
                format!("the export's worker failed: {e}"),
            ))
        }
    };
    let summary = download.summary.clone();
    let name = download.name.clone();
    let (tx, rx) = tokio::sync::mpsc::channel::<io::Result<Bytes>>(4);
    tokio::task::spawn_blocking(move || {
        // Owns the temporary directory: it goes when the last chunk has been handed over.
        let mut download = download;
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            match download.file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if tx
                        .blocking_send(Ok(Bytes::copy_from_slice(&buf[..n])))
                        .is_err()
                    {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    break;
                }
            }
        }
    });
    let mut res = Response::new(Body::from_stream(ReceiverStream(rx)));
    *res.status_mut() = StatusCode::OK;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(summary.bytes));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    let mut put = |k: &'static str, v: String| {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(HeaderName::from_static(k), v);
        }
    };
    put(
        "x-trailview-events",
        summary.manifest.counts.events.to_string(),
    );
    put(
        "x-trailview-quarantined",
        summary.manifest.counts.quarantined.to_string(),
    );
    put(
        "x-trailview-merkle-root",
        summary.manifest.merkle.root.clone(),
    );
    put("x-trailview-fingerprint", summary.fingerprint.clone());
    put("x-trailview-sha256", summary.sha256.clone());
    put("x-trailview-tenant", urlencode(&summary.manifest.tenant));
    put("x-trailview-file-name", name);
    res.into_response()
}

/// Percent-encodes anything outside printable ASCII (a header value must be visible ASCII).
fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
