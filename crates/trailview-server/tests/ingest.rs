//! Issue #5 — `POST /v1/events` on `trailview serve --ingest`, over real sockets against a real
//! store: every accepted content type, per-record results after commit, the bearer token and
//! its tenants, and the guard in front.

use std::net::SocketAddr;

use serde_json::{json, Value};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use trailview_core::live::tokens;
use trailview_core::store::Store;
use trailview_server::{ServeOptions, Server};

struct Running {
    addr: SocketAddr,
    token: String,
    dir: TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl Running {
    async fn stop(mut self) -> TempDir {
        let _ = self.stop.take().unwrap().send(());
        self.task.take().unwrap().await.unwrap().unwrap();
        self.dir
    }
}

async fn start(ingest: bool) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let p = path.clone();
    let token = tokio::task::spawn_blocking(move || {
        let mut s = Store::open(&p).unwrap();
        tokens::create(&mut s, &["acme".into(), "globex".into()], "test", 0)
            .unwrap()
            .0
    })
    .await
    .unwrap();
    let server = Server::bind(ServeOptions {
        addr: "127.0.0.1:0".parse().unwrap(),
        ingest,
        ..ServeOptions::new(path)
    })
    .await
    .unwrap();
    let addr = server.local_addr();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));
    Running {
        addr,
        token,
        dir,
        stop: Some(stop),
        task: Some(task),
    }
}

/// POST `body` to /v1/events; status and JSON answer.
async fn post(addr: SocketAddr, headers: &[String], body: &str) -> (u16, Value) {
    let mut head = format!("POST /v1/events HTTP/1.1\r\nConnection: close\r\nHost: {addr}\r\n");
    for h in headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    let mut bytes = Vec::new();
    s.read_to_end(&mut bytes).await.unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (
        status,
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body:?}")),
    )
}

fn auth(r: &Running, ct: &str) -> Vec<String> {
    vec![
        format!("Authorization: Bearer {}", r.token),
        format!("Content-Type: {ct}"),
    ]
}

fn spine(id: &str, tenant: &str) -> Value {
    json!({"eventId": id, "type": "code.analysis.complete", "source": "http-test",
           "orgId": tenant, "timestamp": "2026-11-01T10:00:00Z", "data": {}})
}

fn ce(id: &str, tenant: &str) -> Value {
    json!({"specversion": "1.0", "id": id, "type": "com.example.created", "source": "/svc",
           "time": "2026-11-01T10:00:00Z", "tenantid": tenant})
}

fn statuses(v: &Value) -> Vec<String> {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_content_type_is_taken_with_one_result_per_record() {
    let r = start(true).await;
    let (st, v) = post(
        r.addr,
        &auth(&r, "application/json"),
        &spine("j1", "acme").to_string(),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(statuses(&v), ["accepted"]);
    assert!(v["results"][0]["seq"].as_i64().unwrap() >= 1);

    let arr = json!([spine("j2", "acme"), spine("j3", "globex")]).to_string();
    let (_, v) = post(r.addr, &auth(&r, "application/json"), &arr).await;
    assert_eq!(statuses(&v), ["accepted", "accepted"]);
    assert_eq!(v["results"][1]["index"], 1);

    let nd = format!("{}\n{}\n", spine("n1", "acme"), spine("n2", "acme"));
    let (_, v) = post(
        r.addr,
        &auth(&r, "application/x-ndjson; charset=utf-8"),
        &nd,
    )
    .await;
    assert_eq!(statuses(&v), ["accepted", "accepted"]);
    assert_eq!(v["results"][1]["line"], 2);

    let (_, v) = post(
        r.addr,
        &auth(&r, "application/cloudevents+json"),
        &ce("c1", "acme").to_string(),
    )
    .await;
    assert_eq!(statuses(&v), ["accepted"]);
    let batch = json!([ce("c2", "acme"), ce("c3", "globex")]).to_string();
    let (_, v) = post(
        r.addr,
        &auth(&r, "application/cloudevents-batch+json"),
        &batch,
    )
    .await;
    assert_eq!(statuses(&v), ["accepted", "accepted"]);

    // The same request again: all duplicates, nothing new.
    let (_, v) = post(
        r.addr,
        &auth(&r, "application/cloudevents-batch+json"),
        &batch,
    )
    .await;
    assert_eq!(statuses(&v), ["duplicate", "duplicate"]);
    assert_eq!(v["duplicates"], 2);

    // A bad record does not take its neighbours down.
    let mixed = format!("{}\nnot json\n", spine("m1", "acme"));
    let (_, v) = post(r.addr, &auth(&r, "application/x-ndjson"), &mixed).await;
    assert_eq!(statuses(&v), ["accepted", "rejected"]);
    assert_eq!(v["results"][1]["reason"], "invalid_json");

    let dir = r.stop().await;
    let s = Store::open_read_only(&dir.path().join("t.db")).unwrap();
    assert_eq!(s.last_seq(), 9);
    assert!(s.verify().unwrap().ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_is_required_and_scopes_the_tenants() {
    let r = start(true).await;
    let body = spine("x1", "acme").to_string();
    let (st, v) = post(r.addr, &["Content-Type: application/json".into()], &body).await;
    assert_eq!((st, v["code"].as_str()), (401, Some("unauthorized")));
    let (st, v) = post(
        r.addr,
        &[
            "Authorization: Bearer tv_nope".into(),
            "Content-Type: application/json".into(),
        ],
        &body,
    )
    .await;
    assert_eq!((st, v["code"].as_str()), (401, Some("unauthorized")));

    let (st, v) = post(r.addr, &auth(&r, "text/plain"), &body).await;
    assert_eq!(
        (st, v["code"].as_str()),
        (415, Some("unsupported_media_type"))
    );

    let arr = json!([spine("ok1", "acme"), spine("no1", "initech")]).to_string();
    let (st, v) = post(r.addr, &auth(&r, "application/json"), &arr).await;
    assert_eq!(st, 200);
    assert_eq!(statuses(&v), ["accepted", "rejected"]);
    assert_eq!(v["results"][1]["reason"], "tenant_not_allowed");

    // A page on another site cannot post, token or not.
    let mut h = auth(&r, "application/json");
    h.push("Origin: http://evil.example".into());
    let (st, v) = post(r.addr, &h, &body).await;
    assert_eq!((st, v["code"].as_str()), (403, Some("forbidden")));

    let dir = r.stop().await;
    let s = Store::open_read_only(&dir.path().join("t.db")).unwrap();
    assert_eq!(s.last_seq(), 1, "only acme's event is an event");
    let q = s.quarantine(None).unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].reason, "tenant_not_allowed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_ingest_the_route_says_so() {
    let r = start(false).await;
    let (st, v) = post(
        r.addr,
        &auth(&r, "application/json"),
        &spine("a", "acme").to_string(),
    )
    .await;
    assert_eq!((st, v["code"].as_str()), (404, Some("ingest_disabled")));
    r.stop().await;
}

async fn get(addr: SocketAddr, path: &str) -> (u16, Value) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nConnection: close\r\nHost: {addr}\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut bytes = Vec::new();
    s.read_to_end(&mut bytes).await.unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    (
        head.split(' ').nth(1).unwrap().parse().unwrap(),
        serde_json::from_str(body).unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_status_counts_the_writer_and_the_refusals_of_live_sources() {
    let r = start(true).await;
    let arr = json!([spine("s1", "acme"), spine("s2", "initech")]).to_string();
    let mut h = auth(&r, "application/json");
    h.push("Trailview-Stream: billing".into());
    post(r.addr, &h, &arr).await;
    let (st, v) = get(r.addr, "/api/live_status").await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["last_seq"], 1);
    assert_eq!(v["active_tokens"], 1);
    assert_eq!(v["writer"]["accepted"], 1);
    assert_eq!(v["writer"]["rejected"], 1);
    assert_eq!(v["errors"][0]["origin"], "http:billing");
    assert_eq!(v["errors"][0]["last_reason"], "tenant_not_allowed");
    r.stop().await;
}

async fn read_until(s: &mut TcpStream, seen: &mut String, needle: &str) {
    let mut buf = [0u8; 4096];
    let wait = async {
        while !seen.contains(needle) {
            let n = s.read(&mut buf).await.unwrap();
            assert!(n > 0, "stream ended: {seen}");
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), wait)
        .await
        .unwrap_or_else(|_| panic!("no {needle:?} in {seen:?}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_appended_pushes_a_notice_after_a_commit() {
    let r = start(true).await;
    let mut s = TcpStream::connect(r.addr).await.unwrap();
    let req = format!(
        "GET /api/live_appended HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\n\r\n",
        r.addr
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut seen = String::new();
    read_until(&mut s, &mut seen, "event: ready").await;
    assert!(seen.contains("text/event-stream"), "{seen}");
    let nd = format!("{}\n{}\n", spine("a1", "acme"), spine("a2", "acme"));
    post(r.addr, &auth(&r, "application/x-ndjson"), &nd).await;
    read_until(&mut s, &mut seen, "event: appended\ndata: ").await;
    read_until(&mut s, &mut seen, "}\n").await;
    let data = seen
        .lines()
        .skip_while(|l| *l != "event: appended")
        .nth(1)
        .unwrap();
    let notice: Value = serde_json::from_str(data.strip_prefix("data: ").unwrap()).unwrap();
    assert_eq!(notice, json!({"from_seq": 1, "to_seq": 2}));
    // Shutting down ends the stream (a graceful shutdown must not wait for an open tab).
    let stopping = tokio::spawn(r.stop());
    let mut rest = Vec::new();
    tokio::time::timeout(std::time::Duration::from_secs(10), s.read_to_end(&mut rest))
        .await
        .expect("the stream ends at shutdown")
        .unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(10), stopping)
        .await
        .expect("the server stops")
        .unwrap();
}

/// Without `--ingest` too: appends by another writer of the store (here a second connection,
/// as `trailview ingest` / `listen` / `watch` are) reach an open browser tab.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_appended_announces_appends_of_another_writer_without_ingest() {
    let r = start(false).await;
    let mut s = TcpStream::connect(r.addr).await.unwrap();
    let req = format!(
        "GET /api/live_appended HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\n\r\n",
        r.addr
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut seen = String::new();
    read_until(&mut s, &mut seen, "event: ready").await;
    let path = r.dir.path().join("t.db");
    tokio::task::spawn_blocking(move || {
        let mut store = Store::open(&path).unwrap();
        let nd = format!(
            "{}\n{}\n{}\n",
            spine("o1", "acme"),
            spine("o2", "acme"),
            spine("o3", "globex")
        );
        trailview_core::ingest::ingest_reader(
            &mut store,
            std::io::Cursor::new(nd.into_bytes()),
            "other",
            None,
            &Default::default(),
            &mut |_| {},
        )
        .unwrap();
    })
    .await
    .unwrap();
    read_until(&mut s, &mut seen, "event: appended\ndata: ").await;
    read_until(&mut s, &mut seen, "}\n").await;
    let data = seen
        .lines()
        .skip_while(|l| *l != "event: appended")
        .nth(1)
        .unwrap();
    let notice: Value = serde_json::from_str(data.strip_prefix("data: ").unwrap()).unwrap();
    assert_eq!(notice, json!({"from_seq": 1, "to_seq": 3}));
    let (st, v) = get(r.addr, "/api/live_status").await;
    assert_eq!(st, 200);
    assert_eq!(v["last_seq"], 3);
    assert_eq!(v["writer"], Value::Null);
    assert_eq!(v["tokens"][0]["label"], "test");
    assert_eq!(v["tokens"][0]["tenants"], json!(["acme", "globex"]));
    assert!(
        !v.to_string().contains(&r.token[3..]),
        "the token never leaves the store"
    );
    drop(s);
    r.stop().await;
}
