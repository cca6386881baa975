//! Issue #6 over HTTP: `bundle_info` (the trust badge of a store opened from a bundle),
//! `key_info` (the installation's fingerprint, never created by asking), and the bundle
//! operations that take paths answering `desktop_only`. Its own test binary, so it can point
//! `$TRAILVIEW_KEYS` at a temporary directory for the whole process: no real user's keys.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use trailview_core::bundle::{self, ExportFilter, ExportOptions};
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

async fn request(addr: SocketAddr, method: &str, path: &str) -> (u16, Value) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let body = if method == "POST" { "{}" } else { "" };
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let mut bytes = Vec::new();
    s.read_to_end(&mut bytes).await.unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

fn store_with_events(path: &Path) {
    let mut store = Store::open(path).unwrap();
    let mut data = Vec::new();
    generate::generate(
        &GenConfig {
            events: 400,
            tenants: 2,
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

#[tokio::test]
async fn the_ui_sees_the_trust_badge_of_an_opened_bundle_and_the_key_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    // The only test in this binary: nothing else reads the environment concurrently.
    std::env::set_var("TRAILVIEW_KEYS", &keys);
    let source = dir.path().join("source.db");
    store_with_events(&source);

    // Before any export there is no key, and asking does not make one.
    let (addr, stop) = serve(source.clone()).await;
    let (status, v) = request(addr, "GET", "/api/key_info").await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["key"], Value::Null);
    assert!(!keys.exists());
    // An ordinary store was not opened from a bundle.
    let (status, v) = request(addr, "GET", "/api/bundle_info").await;
    assert_eq!((status, &v["bundle"]), (200, &Value::Null), "{v}");
    // Verifying by path is the desktop's; opening needs a path (tests/session.rs opens).
    let (status, v) = request(addr, "POST", "/api/verify_bundle").await;
    assert_eq!((status, v["code"].as_str()), (404, Some("desktop_only")));
    let (status, v) = request(addr, "POST", "/api/open_bundle").await;
    assert_eq!(
        (status, v["code"].as_str()),
        (400, Some("bad_request")),
        "{v}"
    );
    let (status, v) = request(addr, "POST", "/api/export_bundle").await;
    assert_eq!(
        (status, v["code"].as_str()),
        (405, Some("method_not_allowed"))
    );
    let _ = stop.send(());

    // Export and open (what `trailview export` / `trailview open` do), then serve the cache.
    let ring = KeyRing::new(&keys);
    let (bundle_path, cache) = (dir.path().join("case.trail"), dir.path().join("cache"));
    let tenant = {
        let store = Store::open_read_only(&source).unwrap();
        let stats = store.stats().unwrap();
        let tenant = stats
            .tenants
            .iter()
            .max_by_key(|t| t.events)
            .unwrap()
            .tenant
            .clone();
        let opts = ExportOptions {
            tenant: tenant.clone(),
            filter: ExportFilter::default(),
            with_quarantine: true,
            producer: "test".into(),
            created_at: 0,
        };
        bundle::export(
            &store,
            &opts,
            &ring.identity().unwrap(),
            &bundle_path,
            &mut |_| {},
        )
        .unwrap();
        tenant
    };
    let opened = bundle::open_bundle(&bundle_path, &cache, &ring, &mut |_| {}).unwrap();
    let (addr, stop) = serve(PathBuf::from(&opened.store)).await;
    let (status, v) = request(addr, "GET", "/api/bundle_info").await;
    assert_eq!(status, 200, "{v}");
    let b = &v["bundle"];
    assert_eq!(b["report"]["status"], "trusted", "{v}");
    assert_eq!(b["report"]["manifest"]["tenant"], tenant.as_str());
    assert_eq!(b["bundle_sha256"], opened.info.bundle_sha256.as_str());
    let (_, k) = request(addr, "POST", "/api/key_info").await;
    assert_eq!(
        k["key"]["fingerprint"],
        ring.show().unwrap().fingerprint.as_str()
    );
    assert_eq!(k["trusted"], 1);
    // Every view's reads work on it: the timeline of the bundle's tenant.
    let (status, page) =
        request(addr, "GET", &format!("/api/events?tenant={tenant}&limit=5")).await;
    assert_eq!(status, 200);
    assert_eq!(page["total"], opened.info.imported);
    let _ = stop.send(());

    // Another installation (other keys) sees the same bundle as from an unknown signer.
    std::env::set_var("TRAILVIEW_KEYS", dir.path().join("other-keys"));
    let (addr, stop) = serve(PathBuf::from(&opened.store)).await;
    let (_, v) = request(addr, "GET", "/api/bundle_info").await;
    assert_eq!(v["bundle"]["report"]["status"], "unknown_signer");
    assert_eq!(
        v["bundle"]["report"]["problems"][0]["code"],
        "untrusted_key"
    );
    let _ = stop.send(());
}
