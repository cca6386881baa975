//! # trailview-server
//!
//! `trailview serve`: the UI's API (docs/API.md) over HTTP, and the built UI (`ui/dist`), so the
//! same window runs in a browser, and the browser tests drive the real backend.
//!
//! ## What it exposes, and nothing else
//! - `GET /api/<operation>?<query>` and `POST /api/<operation>` with a JSON body: each route is
//!   one `trailview_core::api` function (`app_info`, `stats`, `events`, `event`, `histogram`,
//!   `quarantine`, `verify`, `approvals`, `executions`, `replay`; `load_demo` is `POST` only).
//!   Answers are JSON; errors are `{code, message}` with the status of [`ApiError::status`].
//!   `ingest_files` is not served: the server never reads paths a web page names
//!   (`404 desktop_only`).
//!   `quarantine`, `verify`; `load_demo` is `POST` only). Answers are JSON; errors are
//!   `{code, message}` with the status of [`ApiError::status`]. `ingest_files` is not served:
//!   the server never reads paths a web page names (`404 desktop_only`).
//! - With [`ServeOptions::ingest`] (`trailview serve --ingest`): `POST /v1/events` takes events
//!   with a write token ([`ingest`], docs/PROTOCOL.md) through a live writer. Always:
//!   `/api/live_status` and `/api/live_appended` (Server-Sent Events of committed appends), and
//!   the live sources the UI switches in this process (`POST /api/start_listener`,
//!   `stop_listener`, `add_watch`, `remove_watch`: a `LiveHost` sharing the one live writer,
//!   remembered in the store and started again at the next `serve`).
//! - Every other path is a file of `ui/dist`, or `index.html` for the UI's own routes. Paths
//!   are resolved inside that folder only (tower-http's `ServeDir` refuses `..`).
//!
//! ## Whom it answers
//! It binds `127.0.0.1` unless told otherwise, and [`Server::bind`] refuses a non-loopback
//! address without [`ServeOptions::allow_remote`]: there is no authentication, and an audit log
//! is sensitive. On loopback it also refuses a request whose `Host` is not this server's own
//! (a web page on another site cannot reach it through DNS rebinding), and a write whose
//! `Origin` is another site's; a write must carry `Content-Type: application/json`, which a
//! cross-site form cannot send without asking first (and nothing here answers CORS).
//!
//! ## Threads
//! axum on tokio holds the sockets; the SQLite work of each request runs on tokio's blocking
//! pool (`spawn_blocking`), never on an async worker. Reads open a read-only connection each
//! (WAL: they never wait for a write, and see what other processes committed); `load_demo`
//! goes through the one writer ([`SharedStore`]).
//!
//! Why axum: it is tokio's own HTTP framework (hyper underneath, which the Tauri stack already
//! builds), small, and its extractors make "one route = one core call" a few lines each;
//! tower-http serves the static files with path validation, ranges and content types.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context as _};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post, MethodRouter};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tower_http::services::{ServeDir, ServeFile};
use trailview_core::api::{
    self, ApiError, AppInfo, BundleInfoRequest, EventRequest, EventsRequest, HistogramRequest,
    KeyInfoRequest, LoadDemoRequest, QuarantineRequest, SharedStore,
};
use trailview_core::api::{AlertsRequest, GraphRequest, MetricsRequest};
use trailview_core::store::Store;

pub mod ingest;
mod session;
mod sources;

/// The port `trailview serve` listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 7420;

/// The browser may load the UI's own scripts, styles and images, and talk to this server only.
/// The same policy as the desktop window's (tauri.conf.json), with `'self'` for the API.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; \
                   connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// What to serve, and where.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The store file (created if missing).
    pub store_path: PathBuf,
    /// Where to listen; port 0 picks a free one ([`Server::local_addr`] says which).
    pub addr: SocketAddr,
    /// The built UI (`ui/dist`); without it (or without its `index.html`) only the API is
    /// served.
    pub ui_dist: Option<PathBuf>,
    /// Listen on a non-loopback address, and answer any `Host`. Off by default: there is no
    /// authentication.
    pub allow_remote: bool,
    /// Take events at `POST /v1/events` (token required; [`ingest`]), through a live writer.
    pub ingest: bool,
}

impl ServeOptions {
    /// `store_path` on `127.0.0.1:`[`DEFAULT_PORT`], API only, loopback only.
    pub fn new(store_path: impl Into<PathBuf>) -> Self {
        ServeOptions {
            store_path: store_path.into(),
            addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), DEFAULT_PORT),
            ui_dist: None,
            allow_remote: false,
            ingest: false,
        }
    }
}

/// A bound, not yet running server.
pub struct Server {
    listener: tokio::net::TcpListener,
    router: Router,
    local_addr: SocketAddr,
    host: Arc<trailview_core::live::host::LiveHost>,
    closing: tokio::sync::watch::Sender<bool>,
}

impl Server {
    /// Opens the store (creating it if needed) and binds the address.
    pub async fn bind(opts: ServeOptions) -> anyhow::Result<Server> {
        if !opts.addr.ip().is_loopback() && !opts.allow_remote {
            bail!(
                "refusing to listen on {}: anyone who can reach it could read every event in the \
                 store (there is no authentication); use a loopback address such as 127.0.0.1",
                opts.addr.ip()
            );
        }
        let path = opts.store_path.clone();
        let store = tokio::task::spawn_blocking(move || SharedStore::open(&path))
            .await
            .context("opening the store")??;
        store.catch_up_in_background();
        let listener = tokio::net::TcpListener::bind(opts.addr)
            .await
            .with_context(|| format!("cannot listen on {}", opts.addr))?;
        let local_addr = listener.local_addr()?;
        let hosts = if opts.allow_remote {
            AllowedHosts::any()
        } else {
            AllowedHosts::loopback(local_addr)
        };
        // The live sources this process hosts (listener, watched folders: `sources`), and the
        // one live writer they and `POST /v1/events` share. What the store remembers starts
        // again now; what cannot (a port now taken) is said here and in `live_status`.
        let host = Arc::new(trailview_core::live::host::LiveHost::new(&opts.store_path));
        let ingest = opts.ingest;
        let (writer, problems) = {
            let host = Arc::clone(&host);
            tokio::task::spawn_blocking(move || {
                let writer = if ingest { Some(host.writer()?) } else { None };
                anyhow::Ok((writer, host.restore()))
            })
            .await
            .context("starting the live writer")?
            .context("starting the live writer")?
        };
        for p in problems {
            eprintln!("trailview: warning: {p}");
        }
        let (closing, closing_rx) = tokio::sync::watch::channel(false);
        let router =
            router(Arc::new(store), opts.ui_dist.as_deref(), hosts.clone()).merge(ingest_routes(
                writer,
                Arc::clone(&host),
                opts.store_path.clone(),
                closing_rx,
                hosts,
            ));
        Ok(Server {
            listener,
            router,
            local_addr,
            host,
            closing,
        })
    }

    /// The address it listens on (with the port chosen when asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The URL to open in a browser.
    pub fn url(&self) -> String {
        format!("http://{}/", self.local_addr)
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let closing = self.closing;
        let shutdown = async move {
            shutdown.await;
            let _ = closing.send(true);
        };
        let served = axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
            .context("serving HTTP");
        // The hosted sources stop; every writer handle went with the router, so the writer
        // finishes what is queued and stops.
        let host = self.host;
        let _ = tokio::task::spawn_blocking(move || host.shutdown()).await;
        served
    }
}

/// Serves the store at `store_path` on `addr` (loopback only) until Ctrl-C or SIGTERM, with the
/// built UI from `ui_dist` when given.
pub async fn serve(
    store_path: PathBuf,
    addr: SocketAddr,
    ui_dist: Option<PathBuf>,
) -> anyhow::Result<()> {
    let server = Server::bind(ServeOptions {
        store_path,
        addr,
        ui_dist,
        allow_remote: false,
        ingest: false,
    })
    .await?;
    server.run(shutdown_signal()).await
}

/// Completes on Ctrl-C or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        // Without a signal handler there is nothing to wait for: run until killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                () = ctrl_c => {}
                _ = term.recv() => {}
            },
            Err(_) => ctrl_c.await,
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await;
}

/// Which `Host` headers the server answers.
#[derive(Debug, Clone)]
pub struct AllowedHosts(Option<Arc<Vec<String>>>);

impl AllowedHosts {
    /// Any host: for a server deliberately reachable from elsewhere.
    pub fn any() -> Self {
        AllowedHosts(None)
    }

    /// The names a browser on this machine uses for `addr`: its own IP, `localhost`, and the
    /// loopback addresses, with the port (without it too on port 80).
    pub fn loopback(addr: SocketAddr) -> Self {
        let port = addr.port();
        let own = match addr.ip() {
            IpAddr::V4(ip) => ip.to_string(),
            IpAddr::V6(ip) => format!("[{ip}]"),
        };
        let mut hosts = Vec::new();
        for name in [own.as_str(), "localhost", "127.0.0.1", "[::1]"] {
            hosts.push(format!("{name}:{port}"));
            if port == 80 {
                hosts.push(name.to_owned());
            }
        }
        AllowedHosts(Some(Arc::new(hosts)))
    }

    fn allows(&self, host: Option<&str>) -> bool {
        match &self.0 {
            None => true,
            Some(hosts) => host.is_some_and(|h| hosts.iter().any(|a| a.eq_ignore_ascii_case(h))),
        }
    }
}

/// The whole application: the API routes, the UI, and the guard in front of both.
pub fn router(store: Arc<SharedStore>, ui_dist: Option<&Path>, hosts: AllowedHosts) -> Router {
    let app = App { store };
    let api = Router::new()
        .route("/api/app_info", operation(get(app_info).post(app_info)))
        .route("/api/stats", operation(get(stats).post(stats)))
        .route("/api/events", operation(get(events).post(events)))
        .route("/api/event", operation(get(event).post(event)))
        .route("/api/histogram", operation(get(histogram).post(histogram)))
        .route(
            "/api/quarantine",
            operation(get(quarantine).post(quarantine)),
        )
        .route("/api/verify", operation(get(verify).post(verify)))
        .route("/api/approvals", operation(get(approvals).post(approvals)))
        .route(
            "/api/executions",
            operation(get(executions).post(executions)),
        )
        .route("/api/replay", operation(get(replay).post(replay)))
        .route("/api/load_demo", operation(post(load_demo)))
        .route("/api/graph", operation(get(graph).post(graph)))
        .route("/api/metrics", operation(get(metrics).post(metrics)))
        .route("/api/alerts", operation(get(alerts).post(alerts)))
        .route("/api/ingest_files", any(desktop_only))
        .route(
            "/api/bundle_info",
            operation(get(bundle_info).post(bundle_info)),
        )
        .route("/api/key_info", operation(get(key_info).post(key_info)))
        .route("/api/export_bundle", operation(get(session::export_bundle)))
        .route("/api/verify_bundle", any(bundle_desktop_only))
        .route(
            "/api/current_store",
            operation(get(session::current_store).post(session::current_store)),
        )
        .route("/api/open_bundle", operation(post(session::open_bundle)))
        .route("/api/close_bundle", operation(post(session::close_bundle)))
        .route("/api/bundles", operation(post(session::upload_bundle)))
        .route("/api", any(no_such_operation))
        .route("/api/", any(no_such_operation))
        .route("/api/{*rest}", any(no_such_operation))
        .with_state(app);
    api.merge(ui(ui_dist))
        .layer(middleware::from_fn_with_state(hosts, guard))
}

/// `POST /v1/events` ([`ingest`]): answered `ingest_disabled` unless the server has a writer.
/// Behind the same Host/Origin guard as everything else.
pub fn ingest_routes(
    writer: Option<trailview_core::live::writer::LiveWriter>,
    host: Arc<trailview_core::live::host::LiveHost>,
    store_path: PathBuf,
    closing: tokio::sync::watch::Receiver<bool>,
    hosts: AllowedHosts,
) -> Router {
    Router::new()
        .route(
            "/v1/events",
            post(ingest::post_events).fallback(|method: Method| async move {
                error_response(ApiError::new(
                    "method_not_allowed",
                    format!("{method} is not accepted here: POST events"),
                ))
            }),
        )
        .layer(axum::extract::DefaultBodyLimit::max(ingest::MAX_BODY))
        .route(
            "/api/live_status",
            operation_live(get(ingest::live_status).post(ingest::live_status)),
        )
        .route(
            "/api/live_appended",
            operation_live(get(ingest::live_appended)),
        )
        .route(
            "/api/start_listener",
            operation_live(post(sources::start_listener)),
        )
        .route(
            "/api/stop_listener",
            operation_live(post(sources::stop_listener)),
        )
        .route("/api/add_watch", operation_live(post(sources::add_watch)))
        .route(
            "/api/remove_watch",
            operation_live(post(sources::remove_watch)),
        )
        .with_state(ingest::Ingest {
            writer,
            host,
            path: store_path,
            closing,
        })
        .layer(middleware::from_fn_with_state(hosts, guard))
}

/// [`operation`] for the live routes' state.
fn operation_live(route: MethodRouter<ingest::Ingest>) -> MethodRouter<ingest::Ingest> {
    route.fallback(|method: Method| async move {
        error_response(ApiError::new(
            "method_not_allowed",
            format!("{method} is not accepted here: read with GET, write with POST"),
        ))
    })
}

/// An API route: a wrong method is answered as JSON, like every API error.
fn operation(route: MethodRouter<App>) -> MethodRouter<App> {
    route.fallback(|method: Method| async move {
        error_response(ApiError::new(
            "method_not_allowed",
            format!("{method} is not accepted here: read with GET, write with POST"),
        ))
    })
}

/// The files of `ui_dist`, with `index.html` for any path that names none.
fn ui(ui_dist: Option<&Path>) -> Router {
    match ui_dist.filter(|dir| dir.join("index.html").is_file()) {
        Some(dir) => {
            let files = ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")));
            Router::new().fallback_service(files)
        }
        None => Router::new().fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                "Trailview's UI is not built, so only its API (/api/…) is served here. Build it \
                 with `npm --prefix ui ci && npm --prefix ui run build`, or point \
                 TRAILVIEW_UI_DIST at a built ui/dist, and restart `trailview serve`.\n",
            )
        }),
    }
}

/// In front of everything: refuses other hosts and cross-site writes, and sets the headers
/// every answer carries.
async fn guard(State(hosts): State<AllowedHosts>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned);
    if !hosts.allows(host.as_deref()) {
        return error_response(ApiError::new(
            "forbidden",
            format!(
                "this server answers to its loopback address only, not to host {:?}",
                host.unwrap_or_default()
            ),
        ));
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        if let Some(origin) = req.headers().get(header::ORIGIN) {
            if !same_machine_origin(origin.to_str().unwrap_or_default(), host.as_deref()) {
                return error_response(ApiError::new(
                    "forbidden",
                    "a write from another site's page is refused",
                ));
            }
        }
    }
    let path = req.uri().path();
    let is_api = path == "/api" || path.starts_with("/api/");
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::CONTENT_SECURITY_POLICY, CSP);
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|ct| ct.as_bytes().starts_with(b"text/html"));
    if is_api {
        // Audit data: never kept in a cache.
        set(headers, header::CACHE_CONTROL, "no-store");
    } else if is_html {
        // index.html names the current build's assets: always ask again.
        set(headers, header::CACHE_CONTROL, "no-cache");
    }
    res
}

/// Whether a write's `Origin` is this server's own page, or a page served on this machine (the
/// UI's dev server on another port proxies its writes here).
fn same_machine_origin(origin: &str, host: Option<&str>) -> bool {
    let Some(authority) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    if host.is_some_and(|h| h.eq_ignore_ascii_case(authority)) {
        return true;
    }
    let name = match authority.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => authority,
    };
    ["localhost", "127.0.0.1", "[::1]"]
        .iter()
        .any(|l| l.eq_ignore_ascii_case(name))
}

/// The API's shared state.
#[derive(Clone)]
struct App {
    store: Arc<SharedStore>,
}

impl App {
    /// Runs `read` on a blocking thread with a fresh read-only connection, and answers.
    async fn read<T, F>(&self, read: F) -> Response
    where
        F: FnOnce(&Store) -> Result<T, ApiError> + Send + 'static,
        T: Serialize + Send + 'static,
    {
        let store = Arc::clone(&self.store);
        answer(tokio::task::spawn_blocking(move || store.read(read)).await)
    }

    /// Runs `write` on a blocking thread with the writer, and answers.
    async fn write<T, F>(&self, write: F) -> Response
    where
        F: FnOnce(&mut Store) -> Result<T, ApiError> + Send + 'static,
        T: Serialize + Send + 'static,
    {
        let store = Arc::clone(&self.store);
        answer(tokio::task::spawn_blocking(move || store.write(write)).await)
    }
}

fn answer<T: Serialize>(done: Result<Result<T, ApiError>, tokio::task::JoinError>) -> Response {
    match done {
        Ok(Ok(value)) => Json(value).into_response(),
        Ok(Err(e)) => error_response(e),
        Err(e) => error_response(ApiError::new(
            "internal",
            format!("the request's worker failed: {e}"),
        )),
    }
}

/// `{code, message}` with the code's status.
pub fn error_response(e: ApiError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(e)).into_response()
}

/// An operation's parameters: the query string of a `GET`, the JSON body of a `POST` (an empty
/// body is `{}`).
struct Params<T>(T);

impl<S, T> FromRequest<S> for Params<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if req.method() == Method::GET || req.method() == Method::HEAD {
            let query = req.uri().query().unwrap_or_default();
            return serde_urlencoded::from_str(query)
                .map(Params)
                .map_err(|e| error_response(ApiError::bad_request(format!("query string: {e}"))));
        }
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|ct| ct.to_str().ok())
            .and_then(|ct| ct.split(';').next())
            .is_some_and(|ct| ct.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return Err(error_response(ApiError::bad_request(
                "send the parameters as a JSON object, with Content-Type: application/json",
            )));
        }
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|e| error_response(ApiError::bad_request(format!("request body: {e}"))))?;
        let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &body
        };
        serde_json::from_slice(body)
            .map(Params)
            .map_err(|e| error_response(ApiError::bad_request(format!("JSON body: {e}"))))
    }
}

// One handler per operation: one `api::` call each.

async fn app_info(State(app): State<App>) -> Response {
    // The store opened before the server started listening, so there is no store error.
    Json(AppInfo::new(app.store.path(), None)).into_response()
}

async fn stats(State(app): State<App>) -> Response {
    app.read(api::stats).await
}

async fn events(State(app): State<App>, Params(req): Params<EventsRequest>) -> Response {
    app.read(move |s| api::events(s, &req)).await
}

async fn event(State(app): State<App>, Params(req): Params<EventRequest>) -> Response {
    app.read(move |s| api::event(s, &req)).await
}

async fn histogram(State(app): State<App>, Params(req): Params<HistogramRequest>) -> Response {
    app.read(move |s| api::histogram(s, &req)).await
}

async fn quarantine(State(app): State<App>, Params(req): Params<QuarantineRequest>) -> Response {
    app.read(move |s| api::quarantine(s, &req)).await
}

async fn verify(State(app): State<App>) -> Response {
    app.read(api::verify).await
}

async fn approvals(State(app): State<App>, Params(req): Params<api::ApprovalsRequest>) -> Response {
    app.read(move |s| api::approvals(s, &req)).await
}

async fn executions(
    State(app): State<App>,
    Params(req): Params<api::ExecutionsRequest>,
) -> Response {
    app.read(move |s| api::executions(s, &req)).await
}

async fn replay(State(app): State<App>, Params(req): Params<api::ReplayRequest>) -> Response {
    app.read(move |s| api::replay(s, &req)).await
}

async fn load_demo(State(app): State<App>, Params(req): Params<LoadDemoRequest>) -> Response {
    app.write(move |s| api::load_demo(s, &req)).await
}

async fn graph(State(app): State<App>, Params(req): Params<GraphRequest>) -> Response {
    app.read(move |s| api::graph(s, &req)).await
}

async fn metrics(State(app): State<App>, Params(req): Params<MetricsRequest>) -> Response {
    app.read(move |s| api::metrics(s, &req)).await
}

async fn alerts(State(app): State<App>, Params(req): Params<AlertsRequest>) -> Response {
    app.read(move |s| api::alerts(s, &req)).await
}

async fn bundle_info(State(app): State<App>, Params(req): Params<BundleInfoRequest>) -> Response {
    app.read(move |s| api::bundle_info(s, &req)).await
}

async fn key_info(State(app): State<App>, Params(req): Params<KeyInfoRequest>) -> Response {
    app.read(move |s| api::key_info(s, &req)).await
}

async fn bundle_desktop_only() -> Response {
    error_response(ApiError::new(
        "desktop_only",
        "verifying a bundle file by path works in the desktop window only: open it instead \
         (`POST /api/open_bundle` or `/api/bundles`), or run `trailview verify BUNDLE`.",
    ))
}

async fn desktop_only() -> Response {
    error_response(ApiError::new(
        "desktop_only",
        "ingest_files works in the desktop window only: this server never reads paths a web \
         page names. Ingest with `trailview ingest PATH…` and reload.",
    ))
}

async fn no_such_operation(req: Request) -> Response {
    error_response(ApiError::not_found(format!(
        "no API operation at {} (see docs/API.md)",
        req.uri().path()
    )))
}
