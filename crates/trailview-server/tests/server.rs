//! `trailview serve` over real sockets: a server on 127.0.0.1:0 against a temporary store of
//! generated events, asked with raw HTTP/1.1 (so paths reach it exactly as written, `..` and
//! all).

use std::io::Cursor;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use trailview_core::generate::{self, GenConfig};
use trailview_core::ingest::{self, FixedClock, IngestOptions};
use trailview_core::store::Store;
use trailview_server::{ServeOptions, Server};

/// What a test file outside `ui/dist` holds; no answer may ever contain it.
const SECRET: &str = "secret-outside-the-ui-folder";
const INDEX: &str = "<!doctype html><title>Trailview test UI</title>";

/// A running server, stopped when dropped.
struct Running {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _dir: TempDir,
}

impl Running {
    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.task.take().unwrap().await.unwrap().unwrap();
    }
}

/// A store of `events` generated events (3 tenants), a fake `ui/dist` beside a secret file,
/// and a server over both on a free loopback port.
async fn start(events: u64, with_ui: bool) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("store").join("trailview.db");
    if events > 0 {
        let path = store_path.clone();
        tokio::task::spawn_blocking(move || fill(&path, events))
            .await
            .unwrap();
    }
    let dist = dir.path().join("www").join("dist");
    std::fs::create_dir_all(dist.join("assets")).unwrap();
    std::fs::write(dist.join("index.html"), INDEX).unwrap();
    std::fs::write(dist.join("assets/app.js"), "console.log('ui');\n").unwrap();
    std::fs::write(dir.path().join("www/secret.txt"), SECRET).unwrap();
    std::fs::write(dir.path().join("secret.txt"), SECRET).unwrap();

    let server = Server::bind(ServeOptions {
        store_path,
        addr: "127.0.0.1:0".parse().unwrap(),
        ui_dist: with_ui.then_some(dist),
        allow_remote: false,
        ingest: false,
    })
    .await
    .unwrap();
    let addr = server.local_addr();
    assert!(addr.ip().is_loopback() && addr.port() != 0);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));
    Running {
        addr,
        stop: Some(stop),
        task: Some(task),
        _dir: dir,
    }
}

fn fill(path: &Path, events: u64) {
    let mut store = Store::open(path).unwrap();
    let mut ndjson = Vec::new();
    let cfg = GenConfig {
        events,
        tenants: 3,
        ..GenConfig::default()
    };
    generate::generate(&cfg, &mut ndjson).unwrap();
    let opts = IngestOptions {
        clock: Arc::new(FixedClock(1_777_939_200_000_000)),
        ..IngestOptions::default()
    };
    let size = Some(ndjson.len() as u64);
    ingest::ingest_reader(
        &mut store,
        Cursor::new(ndjson),
        "gen",
        size,
        &opts,
        &mut |_| {},
    )
    .unwrap();
}

/// One answer: status, headers (lowercase names), body.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    /// Asserts an API error: status, JSON `{code, message}` and nothing else.
    fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{self:?}");
        let v = self.json();
        assert_eq!(v["code"], code, "{v}");
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
        assert_eq!(
            v.as_object().unwrap().len(),
            2,
            "only code and message: {v}"
        );
        assert!(self
            .header("content-type")
            .is_some_and(|ct| ct.starts_with("application/json")));
    }
}

/// Sends `method path` with `extra` header lines (and `body`), exactly as written.
async fn raw(addr: SocketAddr, method: &str, path: &str, extra: &[&str], body: &str) -> Answer {
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !extra
        .iter()
        .any(|h| h.to_ascii_lowercase().starts_with("host:"))
    {
        head.push_str(&format!("Host: {addr}\r\n"));
    }
    for h in extra {
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Answer {
        status,
        headers,
        body,
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

async fn get(addr: SocketAddr, path: &str) -> Answer {
    raw(addr, "GET", path, &[], "").await
}

async fn post_json(addr: SocketAddr, path: &str, body: &str) -> Answer {
    raw(
        addr,
        "POST",
        path,
        &["Content-Type: application/json"],
        body,
    )
    .await
}

async fn busiest_tenant(addr: SocketAddr) -> (String, u64) {
    let stats = get(addr, "/api/stats").await;
    assert_eq!(stats.status, 200, "{stats:?}");
    let stats = stats.json();
    let t = stats["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|t| t["events"].as_u64().unwrap())
        .unwrap()
        .clone();
    (
        t["tenant"].as_str().unwrap().to_owned(),
        t["events"].as_u64().unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_events_pages_through_a_tenant_with_cursors() {
    let server = start(1200, true).await;
    let addr = server.addr;
    let (tenant, count) = busiest_tenant(addr).await;

    let mut seen: Vec<(i64, i64)> = Vec::new();
    let mut after = String::new();
    loop {
        let page = get(
            addr,
            &format!("/api/events?tenant={tenant}&limit=100{after}"),
        )
        .await;
        assert_eq!(page.status, 200, "{page:?}");
        assert_eq!(page.header("cache-control"), Some("no-store"));
        let page = page.json();
        assert_eq!(page["total"].as_u64(), Some(count), "total ignores cursors");
        let events = page["events"].as_array().unwrap();
        assert!(events.len() <= 100);
        let Some(last) = events.last() else { break };
        for e in events {
            assert_eq!(e["tenant"], tenant.as_str());
            seen.push((
                e["occurred_at_us"].as_i64().unwrap(),
                e["seq"].as_i64().unwrap(),
            ));
        }
        after = format!(
            "&after={}:{}",
            last["occurred_at_us"].as_i64().unwrap(),
            last["seq"].as_i64().unwrap()
        );
    }
    assert_eq!(seen.len() as u64, count, "every event once");
    assert!(
        seen.windows(2).all(|w| w[0] < w[1]),
        "in (occurred_at, seq) order"
    );

    // The same page by POST with a JSON body, numbers as numbers.
    let by_get = get(
        addr,
        &format!("/api/events?tenant={tenant}&limit=5&desc=true"),
    )
    .await;
    let by_post = post_json(
        addr,
        "/api/events",
        &format!(r#"{{"tenant":"{tenant}","limit":5,"desc":true}}"#),
    )
    .await;
    assert_eq!(by_post.status, 200, "{by_post:?}");
    assert_eq!(by_get.json(), by_post.json());

    // One event by id, and the histogram adds up.
    let first = &by_get.json()["events"][0];
    let id = first["id"].as_str().unwrap();
    let one = get(addr, &format!("/api/event?tenant={tenant}&id={id}")).await;
    assert_eq!(one.status, 200);
    assert_eq!(&one.json(), first);
    let bins = get(
        addr,
        &format!("/api/histogram?tenant={tenant}&from=0&to=4000000000000000&buckets=4"),
    )
    .await;
    assert_eq!(bins.status, 200, "{bins:?}");
    let total: u64 = bins
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .sum();
    assert_eq!(total, count);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_json_with_their_code_and_status() {
    let server = start(200, true).await;
    let addr = server.addr;
    let (tenant, _) = busiest_tenant(addr).await;

    get(addr, "/api/events")
        .await
        .assert_error(400, "tenant_required");
    get(addr, "/api/histogram?from=0&to=9")
        .await
        .assert_error(400, "tenant_required");
    get(addr, "/api/events?tenant=a&since=yesterday")
        .await
        .assert_error(400, "bad_filter");
    get(addr, "/api/events?tenant=a&type=")
        .await
        .assert_error(400, "bad_filter");
    get(addr, "/api/events?tenant=a&limit=many")
        .await
        .assert_error(400, "bad_request");
    get(addr, "/api/events?tenant=a&limit=5000")
        .await
        .assert_error(400, "bad_request");
    get(addr, "/api/events?tenant=a&after=nope")
        .await
        .assert_error(400, "bad_request");
    get(
        addr,
        &format!("/api/event?tenant={tenant}&id=no-such-event"),
    )
    .await
    .assert_error(404, "not_found");
    get(addr, "/api/no_such_thing")
        .await
        .assert_error(404, "not_found");
    get(addr, "/api").await.assert_error(404, "not_found");
    get(addr, "/api/ingest_files?paths=/etc/passwd")
        .await
        .assert_error(404, "desktop_only");
    get(addr, "/api/load_demo")
        .await
        .assert_error(405, "method_not_allowed");
    raw(addr, "DELETE", "/api/events?tenant=a", &[], "")
        .await
        .assert_error(405, "method_not_allowed");
    // A write needs JSON: a cross-site form cannot send it.
    raw(
        addr,
        "POST",
        "/api/load_demo",
        &["Content-Type: text/plain"],
        "{}",
    )
    .await
    .assert_error(400, "bad_request");
    post_json(addr, "/api/events", "{not json")
        .await
        .assert_error(400, "bad_request");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_demo_writes_and_the_next_read_sees_it() {
    let server = start(0, false).await;
    let addr = server.addr;
    let info = get(addr, "/api/app_info").await.json();
    assert_eq!(info["store_error"], Value::Null);
    assert!(info["db_path"].as_str().unwrap().ends_with("trailview.db"));
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));

    assert_eq!(get(addr, "/api/stats").await.json()["events"], 0);
    let loaded = post_json(addr, "/api/load_demo", r#"{"events": 300}"#).await;
    assert_eq!(loaded.status, 200, "{loaded:?}");
    assert_eq!(loaded.json()["accepted"], 300);
    let stats = get(addr, "/api/stats").await.json();
    assert_eq!(
        (stats["events"].as_u64(), stats["last_seq"].as_u64()),
        (Some(300), Some(300))
    );
    // An empty JSON body is every default; again, the demo adds nothing new.
    let again = raw(
        addr,
        "POST",
        "/api/load_demo",
        &["Content-Type: application/json"],
        "",
    )
    .await;
    assert_eq!(again.status, 200, "{again:?}");
    let verify = get(addr, "/api/verify").await.json();
    assert_eq!(verify["ok"], true, "{verify}");
    assert_eq!(
        get(addr, "/api/quarantine").await.json(),
        serde_json::json!([])
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ui_is_served_and_nothing_outside_it() {
    let server = start(0, true).await;
    let addr = server.addr;

    let index = get(addr, "/").await;
    assert_eq!(index.status, 200);
    assert_eq!(index.body, INDEX);
    assert!(index
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert!(index
        .header("content-security-policy")
        .unwrap()
        .contains("default-src 'self'"));
    assert_eq!(index.header("x-content-type-options"), Some("nosniff"));
    let js = get(addr, "/assets/app.js").await;
    assert_eq!(js.status, 200);
    assert!(js.header("content-type").unwrap().contains("javascript"));
    // The UI's own routes get index.html.
    assert_eq!(get(addr, "/timeline/acme").await.body, INDEX);

    for path in [
        "/../secret.txt",
        "/../../secret.txt",
        "/assets/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/assets/..%2f..%2fsecret.txt",
        "/..%5c..%5csecret.txt",
        "/etc/passwd",
        "/../../../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "//etc/passwd",
        "/assets//etc/passwd",
    ] {
        let a = get(addr, path).await;
        assert!(!a.body.contains(SECRET), "{path} leaked the secret");
        assert!(!a.body.contains("root:"), "{path} leaked /etc/passwd");
        assert!(
            a.status == 400 || a.status == 404 || (a.status == 200 && a.body == INDEX),
            "{path}: {a:?}"
        );
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_built_ui_only_the_api_answers() {
    let server = start(0, false).await;
    let a = get(server.addr, "/").await;
    assert_eq!(a.status, 404);
    assert!(a.body.contains("not built"), "{a:?}");
    assert_eq!(get(server.addr, "/api/stats").await.status, 200);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_hosts_and_cross_site_writes_are_refused() {
    let server = start(0, true).await;
    let addr = server.addr;
    let port = addr.port();
    // DNS rebinding: a page on evil.example resolved to 127.0.0.1.
    raw(
        addr,
        "GET",
        "/api/stats",
        &[&format!("Host: evil.example:{port}")],
        "",
    )
    .await
    .assert_error(403, "forbidden");
    raw(addr, "GET", "/", &["Host: evil.example"], "")
        .await
        .assert_error(403, "forbidden");
    // The names a browser here uses are fine.
    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}")] {
        let a = raw(addr, "GET", "/api/stats", &[&format!("Host: {host}")], "").await;
        assert_eq!(a.status, 200, "{host}: {a:?}");
    }
    // A write from another site's page.
    raw(
        addr,
        "POST",
        "/api/load_demo",
        &[
            "Content-Type: application/json",
            "Origin: http://evil.example",
        ],
        "{}",
    )
    .await
    .assert_error(403, "forbidden");
    raw(
        addr,
        "POST",
        "/api/load_demo",
        &[
            "Content-Type: application/json",
            "Origin: http://localhost.evil.example:1420",
        ],
        "{}",
    )
    .await
    .assert_error(403, "forbidden");
    // From the UI's own origin, or the UI's dev server on this machine, it goes through.
    for origin in [format!("http://{addr}"), "http://localhost:1420".to_owned()] {
        let a = raw(
            addr,
            "POST",
            "/api/load_demo",
            &[
                "Content-Type: application/json",
                &format!("Origin: {origin}"),
            ],
            r#"{"events": 20}"#,
        )
        .await;
        assert_eq!(a.status, 200, "{origin}: {a:?}");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_non_loopback_address_needs_allow_remote() {
    let dir = tempfile::tempdir().unwrap();
    let opts = ServeOptions {
        addr: "0.0.0.0:0".parse().unwrap(),
        ..ServeOptions::new(dir.path().join("t.db"))
    };
    let err = Server::bind(opts).await.err().expect("refused");
    assert!(err.to_string().contains("refusing"), "{err}");
    assert!(!dir.path().join("t.db").exists(), "refused before opening");
}

#[tokio::test]
async fn a_store_that_cannot_be_opened_stops_the_server_from_starting() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("file"), b"").unwrap();
    let opts = ServeOptions {
        addr: "127.0.0.1:0".parse().unwrap(),
        ..ServeOptions::new(dir.path().join("file/trailview.db"))
    };
    let err = Server::bind(opts).await.err().expect("refused");
    assert!(format!("{err:#}").contains("store_unavailable"), "{err:#}");
}

/// Issue #4: `graph`, `metrics` and `alerts` over HTTP, GET and POST alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_metrics_and_alerts_answer_over_http() {
    let server = start(1500, false).await;
    let addr = server.addr;
    let (tenant, _) = busiest_tenant(addr).await;
    let page = get(addr, &format!("/api/events?tenant={tenant}&limit=1000")).await;
    let events = page.json()["events"].as_array().unwrap().clone();
    let chained = events
        .iter()
        .find(|e| e["causation_id"].is_string() && e["correlation_id"].is_string())
        .expect("a chain with causation links");
    let corr = chained["correlation_id"].as_str().unwrap();
    let g = get(
        addr,
        &format!("/api/graph?tenant={tenant}&correlation={corr}"),
    )
    .await;
    assert_eq!(g.status, 200, "{g:?}");
    let g = g.json();
    assert!(g["nodes"].as_array().unwrap().len() >= 3);
    assert!(g["nodes"][0]["x"].is_number());
    assert_eq!(g["scope"], "correlation");
    let body = format!(
        r#"{{"tenant":"{tenant}","event":"{}"}}"#,
        chained["id"].as_str().unwrap()
    );
    let g2 = post_json(addr, "/api/graph", &body).await;
    assert_eq!(g2.status, 200, "{g2:?}");
    assert_eq!(g2.json()["scope"], "event");
    get(
        addr,
        &format!("/api/graph?tenant={tenant}&correlation=nope"),
    )
    .await
    .assert_error(404, "not_found");
    get(addr, &format!("/api/graph?tenant={tenant}"))
        .await
        .assert_error(400, "bad_request");

    let m = get(addr, &format!("/api/metrics?tenant={tenant}")).await;
    assert_eq!(m.status, 200, "{m:?}");
    assert!(m.json()["events"].as_u64().unwrap() > 0);
    get(addr, "/api/metrics")
        .await
        .assert_error(400, "tenant_required");

    let a = post_json(addr, "/api/alerts", &format!(r#"{{"tenant":"{tenant}"}}"#)).await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.json()["rules"].as_array().unwrap().len(), 3);
    post_json(
        addr,
        "/api/alerts",
        &format!(r#"{{"tenant":"{tenant}","rules":"[[rules]]"}}"#),
    )
    .await
    .assert_error(400, "bad_request");
}

/// Issue #4: `approvals`, `executions` and `replay` answer over HTTP exactly as the core does,
/// by GET query string and by POST JSON, and refuse bad requests with their code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approvals_executions_and_replay_are_served() {
    let server = start(3000, false).await;
    let addr = server.addr;
    let (tenant, _) = busiest_tenant(addr).await;
    let a = get(addr, &format!("/api/approvals?tenant={tenant}")).await;
    assert_eq!(a.status, 200, "{a:?}");
    let a = a.json();
    let cases = a["cases"].as_array().unwrap();
    assert!(!cases.is_empty(), "a generated tenant has approval flows");
    assert_eq!(a["counts"]["total"].as_u64().unwrap() as usize, cases.len());
    let corr = cases
        .iter()
        .find_map(|c| c["correlation_id"].as_str())
        .unwrap()
        .to_owned();
    let r = post_json(
        addr,
        "/api/replay",
        &serde_json::json!({"tenant": tenant, "correlation": corr, "at": "end", "diff_from": "start"})
            .to_string(),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = r.json();
    assert!(r["total_frames"].as_u64().unwrap() >= 2);
    assert_eq!(r["position"], r["total_frames"]);
    assert_eq!(r["state"]["approvals"].as_array().unwrap().len(), 1);
    let x = get(
        addr,
        &format!("/api/executions?tenant={tenant}&violations_only=false"),
    )
    .await;
    assert_eq!(x.status, 200, "{x:?}");
    assert!(x.json()["executions"].as_array().is_some());
    get(addr, "/api/approvals")
        .await
        .assert_error(400, "tenant_required");
    get(addr, &format!("/api/replay?tenant={tenant}"))
        .await
        .assert_error(400, "bad_request");
    get(
        addr,
        &format!("/api/approvals?tenant={tenant}&status=maybe"),
    )
    .await
    .assert_error(400, "bad_filter");
    server.stop().await;
}
