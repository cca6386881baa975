//! Issue #6 over HTTP: the served store switches to an opened bundle and back. A browser exports
//! a bundle as a download, uploads it back, and the window then reads only the bundle (its one
//! tenant), refuses every write with `read_only`, and returns to the user's store on close.
//! Garbage is refused and nothing switches. Its own test binary: it points `$TRAILVIEW_KEYS`
//! and `$TRAILVIEW_CACHE` at a temporary directory for the whole process.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use trailview_core::bundle::{self, TrustStatus};
use trailview_core::generate::{self, GenConfig};
use trailview_core::ingest::{self, FixedClock, IngestOptions};
use trailview_core::keys::KeyRing;
use trailview_core::store::Store;
use trailview_server::{ServeOptions, Server};

async fn serve(store_path: PathBuf) -> (SocketAddr, oneshot::Sender<()>) {
    let server = Server::bind(ServeOptions {
        store_path,
        addr: "127.0.0.1:0".parse().unwrap(),
        ui_dist: None,
        allow_remote: false,
        ingest: false,
    })
    .await
    .unwrap();
    let addr = server.local_addr();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));
    (addr, stop)
}

struct Answer {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    }
}

async fn send(addr: SocketAddr, method: &str, path: &str, ct: &str, body: &[u8]) -> Answer {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: {ct}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    let mut bytes = Vec::new();
    s.read_to_end(&mut bytes).await.unwrap();
    let at = bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(bytes[..at].to_vec()).unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    Answer {
        status,
        head,
        body: bytes[at + 4..].to_vec(),
    }
}

async fn get(addr: SocketAddr, path: &str) -> Answer {
    send(addr, "GET", path, "application/json", b"").await
}

async fn post(addr: SocketAddr, path: &str, json: &Value) -> Answer {
    let body = serde_json::to_vec(json).unwrap();
    send(addr, "POST", path, "application/json", &body).await
}

fn store_with_events(path: &Path) {
    let mut store = Store::open(path).unwrap();
    let mut data = Vec::new();
    generate::generate(
        &GenConfig {
            events: 600,
            tenants: 3,
            ..GenConfig::default()
        },
        &mut data,
    )
    .unwrap();
    let opts = IngestOptions {
        clock: Arc::new(FixedClock(1_777_939_200_000_000)),
        ..IngestOptions::default()
    };
    let n = Some(data.len() as u64);
    ingest::ingest_reader(
        &mut store,
        std::io::Cursor::new(data),
        "gen",
        n,
        &opts,
        &mut |_| {},
    )
    .unwrap();
}

fn tenants(stats: &Value) -> Vec<String> {
    stats["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["events"].as_u64().unwrap_or(0) > 0)
        .map(|t| t["tenant"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_downloaded_bundle_uploads_back_read_only_one_tenant_and_closes() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let cache = dir.path().join("cache");
    // The only test in this binary: nothing else reads the environment concurrently.
    std::env::set_var("TRAILVIEW_KEYS", &keys);
    std::env::set_var("TRAILVIEW_CACHE", &cache);
    let source = dir.path().join("own.db");
    store_with_events(&source);
    let (addr, stop) = serve(source.clone()).await;

    let cur = get(addr, "/api/current_store").await.json();
    assert_eq!(cur["kind"], "own", "{cur}");
    assert_eq!(cur["read_only"], false);
    let own = get(addr, "/api/stats").await.json();
    let all = tenants(&own);
    assert!(all.len() >= 2, "{own}");
    let (a, b) = (all[0].clone(), all[1].clone());
    let in_a = get(addr, &format!("/api/events?tenant={a}&limit=1"))
        .await
        .json()["total"]
        .as_u64()
        .unwrap();

    // Export as a download: a signed bundle streamed as an attachment.
    let dl = get(
        addr,
        &format!("/api/export_bundle?tenant={a}&quarantine=1&name=case-1234"),
    )
    .await;
    assert_eq!(dl.status, 200, "{}", String::from_utf8_lossy(&dl.body));
    assert_eq!(
        dl.header("content-disposition").as_deref(),
        Some("attachment; filename=\"case-1234.trail\"")
    );
    assert_eq!(dl.header("x-trailview-events"), Some(in_a.to_string()));
    assert_eq!(dl.header("content-length"), Some(dl.body.len().to_string()));
    let file = dir.path().join("case-1234.trail");
    std::fs::write(&file, &dl.body).unwrap();
    let report = bundle::verify(&file, &KeyRing::new(&keys)).unwrap();
    assert_eq!(report.status, TrustStatus::Trusted, "{:?}", report.problems);
    assert_eq!(
        dl.header("x-trailview-merkle-root"),
        Some(report.merkle_root.clone())
    );
    assert_eq!(report.manifest.as_ref().unwrap().tenant, a);
    // The temporary export is gone once streamed.
    let left: Vec<_> = std::fs::read_dir(cache.join("exports"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // Garbage uploads are refused and nothing switches.
    let bad = send(
        addr,
        "POST",
        "/api/bundles?name=x.trail",
        "application/octet-stream",
        b"this is not a zip",
    )
    .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["code"], "bundle_malformed", "{}", bad.json());
    let wrong_type = send(addr, "POST", "/api/bundles", "text/plain", &dl.body).await;
    assert_eq!(wrong_type.status, 400);
    assert_eq!(get(addr, "/api/current_store").await.json()["kind"], "own");

    // Upload it back: the window now reads the bundle.
    let up = send(
        addr,
        "POST",
        "/api/bundles?name=case-1234.trail",
        "application/octet-stream",
        &dl.body,
    )
    .await;
    let cur = up.json();
    assert_eq!(up.status, 200, "{cur}");
    assert_eq!(cur["kind"], "bundle");
    assert_eq!(cur["read_only"], true);
    assert_eq!(cur["bundle"]["file_name"], "case-1234.trail");
    assert_eq!(cur["bundle"]["tenant"], a.as_str());
    assert_eq!(cur["bundle"]["events"], in_a);
    assert_eq!(cur["bundle"]["report"]["status"], "trusted");
    assert_eq!(
        cur["bundle"]["report"]["signer"]["fingerprint"],
        dl.header("x-trailview-fingerprint").unwrap().as_str()
    );
    // Reads go to the bundle: only its tenant; never another's.
    let stats = get(addr, "/api/stats").await.json();
    assert_eq!(tenants(&stats), vec![a.clone()], "{stats}");
    let page = get(addr, &format!("/api/events?tenant={a}&limit=3"))
        .await
        .json();
    assert_eq!(page["total"], in_a);
    let other = get(addr, &format!("/api/events?tenant={b}&limit=3"))
        .await
        .json();
    assert_eq!(other["total"], 0, "{other}");
    // Writes are refused, with a clear code.
    for (path, body) in [
        ("/api/load_demo", serde_json::json!({"events": 10})),
        (
            "/api/open_bundle",
            serde_json::json!({"path": "/nonexistent.trail"}),
        ),
    ] {
        let r = post(addr, path, &body).await;
        if path == "/api/load_demo" {
            assert_eq!(
                (r.status, &r.json()["code"]),
                (409, &Value::from("read_only"))
            );
        } else {
            // A bad path is refused and the open bundle stays.
            assert_eq!(r.status, 400, "{}", r.json());
        }
    }
    let r = get(addr, &format!("/api/export_bundle?tenant={a}")).await;
    assert_eq!(
        (r.status, &r.json()["code"]),
        (409, &Value::from("read_only"))
    );
    assert_eq!(
        get(addr, "/api/current_store").await.json()["kind"],
        "bundle"
    );
    // The bundle cache store never received anything but the import.
    let cache_store = PathBuf::from(cur["path"].as_str().unwrap());
    let n = Store::open_read_only(&cache_store)
        .unwrap()
        .stats()
        .unwrap();
    assert_eq!(n.tenants.len(), 1);

    // Close: back to the user's store, which can be written again.
    let closed = post(addr, "/api/close_bundle", &serde_json::json!({}))
        .await
        .json();
    assert_eq!(closed["kind"], "own", "{closed}");
    assert_eq!(tenants(&get(addr, "/api/stats").await.json()), all);
    let r = post(addr, "/api/load_demo", &serde_json::json!({"events": 10})).await;
    assert_eq!(r.status, 200, "{}", r.json());

    // Open by path (a file on this machine): the same bundle, found in the cache.
    let r = post(
        addr,
        "/api/open_bundle",
        &serde_json::json!({"path": file.to_str().unwrap()}),
    )
    .await
    .json();
    assert_eq!(r["kind"], "bundle", "{r}");
    assert_eq!(r["bundle"]["cached"], true);
    assert_eq!(r["bundle"]["file_name"], "case-1234.trail");
    assert_eq!(r["bundle"]["events"], in_a);
    let _ = post(addr, "/api/close_bundle", &serde_json::json!({})).await;
    let _ = stop.send(());
}
