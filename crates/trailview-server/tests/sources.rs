//! Issue #5 — the live sources `trailview serve` hosts on demand (`POST /api/start_listener`,
//! `/api/stop_listener`, `/api/add_watch`, `/api/remove_watch`), over real sockets against a real
//! store: the listener takes events on a real TCP port, its state is in `live_status`, it is
//! remembered across a restart of the server, a watched folder's lines become events once, and
//! `--ingest` shares the one writer.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use trailview_core::live::tokens;
use trailview_core::store::Store;
use trailview_server::{ServeOptions, Server};

struct Running {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl Running {
    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.task.take().unwrap().await.unwrap().unwrap();
    }
}

async fn start(path: &Path, ingest: bool) -> Running {
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
        stop: Some(stop),
        task: Some(task),
    }
}

/// One HTTP request; status and JSON answer.
async fn http(addr: SocketAddr, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nConnection: close\r\nHost: {addr}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
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

fn event(id: &str) -> String {
    json!({"eventId": id, "type": "code.analysis.complete", "source": "serve-host-test",
           "orgId": "acme", "timestamp": "2026-11-01T10:00:00Z", "data": {}})
    .to_string()
}

/// The socket protocol from a plain blocking client: hello, lines, half-close, every answer.
async fn send_tcp(port: u16, token: String, lines: Vec<String>) -> Vec<Value> {
    tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        writeln!(s, "{}", json!({ "token": token })).unwrap();
        for l in &lines {
            writeln!(s, "{l}").unwrap();
        }
        s.shutdown(std::net::Shutdown::Write).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    })
    .await
    .unwrap()
}

async fn events(path: &Path) -> i64 {
    let p = path.to_owned();
    tokio::task::spawn_blocking(move || {
        let s = Store::open_read_only(&p).unwrap();
        s.last_seq()
    })
    .await
    .unwrap()
}

fn port(v: &Value) -> u16 {
    v["listener"]["tcp"]
        .as_str()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

fn setup() -> (tempfile::TempDir, PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut s = Store::open(&path).unwrap();
    let token = tokens::create(&mut s, &["acme".into()], "test", 0)
        .unwrap()
        .0;
    (dir, path, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_turns_a_listener_on_and_off_and_brings_it_back_after_a_restart() {
    let (_dir, path, token) = setup();
    let server = start(&path, false).await;
    let (code, status) = http(server.addr, "GET", "/api/live_status", None).await;
    assert_eq!(code, 200);
    assert_eq!(status["host"]["listener"]["on"], false);
    assert_eq!(status["processes"], json!([]));

    let (code, host) = http(
        server.addr,
        "POST",
        "/api/start_listener",
        Some(json!({"tcp": "127.0.0.1:0"})),
    )
    .await;
    assert_eq!(code, 200, "{host}");
    assert_eq!(host["listener"]["on"], true);
    let p = port(&host);
    let acks = send_tcp(p, token.clone(), vec![event("s1"), event("s2")]).await;
    assert_eq!(acks[0]["status"], "ready");
    assert_eq!(acks[1]["status"], "accepted");
    assert_eq!(acks[2]["status"], "accepted");
    assert_eq!(events(&path).await, 2);
    let (_, status) = http(server.addr, "GET", "/api/live_status", None).await;
    assert_eq!(status["host"]["listener"]["records"], 2);
    assert_eq!(
        status["writer"]["accepted"], 2,
        "the listener wrote through this process's writer"
    );

    // A second start: refused, the first goes on. A public address: refused.
    let (code, err) = http(
        server.addr,
        "POST",
        "/api/start_listener",
        Some(json!({"tcp": "127.0.0.1:0"})),
    )
    .await;
    assert_eq!((code, err["code"].as_str()), (400, Some("bad_config")));
    // A restart of serve: the remembered listener is back on its port.
    server.stop().await;
    assert!(std::net::TcpStream::connect(("127.0.0.1", p)).is_err());
    let server = start(&path, false).await;
    let (_, status) = http(server.addr, "GET", "/api/live_status", None).await;
    assert_eq!(status["host"]["listener"]["on"], true, "{status}");
    assert_eq!(port(&status["host"]), p);
    let acks = send_tcp(p, token.clone(), vec![event("s3")]).await;
    assert_eq!(acks[1]["status"], "accepted");

    // Off: connection refused.
    let (code, host) = http(server.addr, "POST", "/api/stop_listener", Some(json!({}))).await;
    assert_eq!(code, 200);
    assert_eq!(host["listener"]["on"], false);
    let refused = std::net::TcpStream::connect(("127.0.0.1", p)).unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);

    // A busy port: 409 address_in_use, still off.
    let squatter = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = squatter.local_addr().unwrap().to_string();
    let (code, err) = http(
        server.addr,
        "POST",
        "/api/start_listener",
        Some(json!({ "tcp": taken })),
    )
    .await;
    assert_eq!((code, err["code"].as_str()), (409, Some("address_in_use")));
    let (_, status) = http(server.addr, "GET", "/api/live_status", None).await;
    assert_eq!(status["host"]["listener"]["on"], false);
    // Reads only: a GET cannot start anything.
    let (code, _) = http(server.addr, "GET", "/api/start_listener", None).await;
    assert_eq!(code, 405);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_watches_a_folder_and_ingest_shares_the_one_writer() {
    let (dir, path, token) = setup();
    let watched = dir.path().join("logs");
    std::fs::create_dir(&watched).unwrap();
    std::fs::write(
        watched.join("a.ndjson"),
        format!("{}\n{}\n", event("w1"), event("w2")),
    )
    .unwrap();
    let server = start(&path, true).await;
    let (code, host) = http(
        server.addr,
        "POST",
        "/api/add_watch",
        Some(json!({"dir": watched.display().to_string()})),
    )
    .await;
    assert_eq!(code, 200, "{host}");
    let dir_key = host["watches"][0]["dir"].as_str().unwrap().to_owned();
    let until = Instant::now() + Duration::from_secs(20);
    while events(&path).await < 2 {
        assert!(Instant::now() < until, "the folder's lines were not stored");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // HTTP ingest through the same writer as the watcher.
    let body = event("h1");
    let head = format!(
        "POST /v1/events HTTP/1.1\r\nConnection: close\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        server.addr,
        body.len()
    );
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let (_, status) = http(server.addr, "GET", "/api/live_status", None).await;
    assert_eq!(status["writer"]["accepted"], 3, "{status}");
    assert_eq!(status["host"]["watches"][0]["accepted"], 2);

    // Bad asks are answered in place.
    let (code, err) = http(
        server.addr,
        "POST",
        "/api/add_watch",
        Some(json!({"dir": "not/absolute"})),
    )
    .await;
    assert_eq!((code, err["code"].as_str()), (400, Some("bad_config")));
    let (code, err) = http(server.addr, "POST", "/api/add_watch", Some(json!({}))).await;
    assert_eq!(code, 400, "{err}");

    // Restart: still watched; a line appended meanwhile is read once.
    server.stop().await;
    std::fs::OpenOptions::new()
        .append(true)
        .open(watched.join("a.ndjson"))
        .unwrap()
        .write_all(format!("{}\n", event("w3")).as_bytes())
        .unwrap();
    let server = start(&path, false).await;
    let until = Instant::now() + Duration::from_secs(20);
    while events(&path).await < 4 {
        assert!(
            Instant::now() < until,
            "the remembered folder was not followed again"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (code, host) = http(
        server.addr,
        "POST",
        "/api/remove_watch",
        Some(json!({ "dir": dir_key })),
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(host["watches"], json!([]));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(events(&path).await, 4, "nothing read twice");
    server.stop().await;
}
