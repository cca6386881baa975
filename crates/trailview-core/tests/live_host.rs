//! Issue #5 — live sources hosted by the process serving the UI (`live::host`, the api ops
//! `start_listener` / `stop_listener` / `add_watch` / `remove_watch`): real TCP sockets, real
//! files, real store files, and the state remembered across a "relaunch" (a new host on the
//! same store).

use std::io::{BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tempfile::TempDir;
use trailview_core::api::{self, AddWatchRequest, RemoveWatchRequest, StartListenerRequest};
use trailview_core::live::host::LiveHost;
use trailview_core::live::tokens;
use trailview_core::store::Store;

fn event(id: &str, tenant: &str) -> String {
    json!({"eventId": id, "type": "code.analysis.complete", "source": "host-test",
           "orgId": tenant, "timestamp": "2026-11-01T10:00:00Z", "data": {"n": id}})
    .to_string()
}

fn token(db: &Path, tenant: &str) -> String {
    let mut store = Store::open(db).unwrap();
    tokens::create(&mut store, &[tenant.to_owned()], "test", 1)
        .unwrap()
        .0
}

fn count(db: &Path, sql: &str) -> i64 {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap();
    c.busy_timeout(Duration::from_secs(10)).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn events(db: &Path) -> i64 {
    count(db, "SELECT count(*) FROM events")
}

#[track_caller]
fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Send `lines` after a hello with `token`; answers every line the server sent back.
fn send(port: u16, token: &str, lines: &[String]) -> Vec<Value> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut r = BufReader::new(s.try_clone().unwrap());
    writeln!(s, "{}", json!({ "token": token })).unwrap();
    // A refused hello closes the connection: later writes may fail, the answer is still there.
    for l in lines {
        let _ = writeln!(s, "{l}");
    }
    let _ = s.shutdown(Shutdown::Write);
    let mut out = String::new();
    let _ = r.read_to_string(&mut out);
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn port_of(status: &api::HostStatus) -> u16 {
    let tcp = status.listener.tcp.as_deref().expect("a TCP address");
    tcp.rsplit(':').next().unwrap().parse().unwrap()
}

#[test]
fn the_listener_starts_takes_events_with_acks_stops_and_comes_back_after_a_relaunch() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("t.db");
    let tok = token(&db, "acme");

    let host = LiveHost::new(&db);
    let st = api::start_listener(
        &host,
        &StartListenerRequest {
            tcp: Some("127.0.0.1:0".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(st.listener.on);
    let port = port_of(&st);
    assert_ne!(port, 0, "the bound port is reported, not the asked-for 0");

    // The same protocol as `trailview listen`: ready, then one ack per record after commit.
    let answers = send(
        port,
        &tok,
        &[
            event("a1", "acme"),
            event("a1", "acme"),
            event("x1", "globex"),
        ],
    );
    assert_eq!(answers[0]["status"], "ready");
    assert_eq!(answers[1]["status"], "accepted");
    assert_eq!(answers[2]["status"], "duplicate");
    assert_eq!(answers[3]["status"], "rejected");
    assert_eq!(answers[3]["reason"], "tenant_not_allowed");
    assert_eq!(
        events(&db),
        1,
        "acked means committed: readable by another connection"
    );
    // Without a token, TCP refuses.
    let refused = send(port, "tv_nope", &[]);
    assert_eq!(refused[0]["code"], "unauthorized");
    assert_eq!(events(&db), 1);

    let status = host.listener();
    assert_eq!(status.counts.accepted, 2, "two connections");
    assert_eq!(status.counts.unauthorized, 1);

    // A "relaunch": this host ends, a new one on the same store starts what it remembers, on
    // the same port (the bound one was remembered, not 0).
    host.shutdown();
    drop(host);
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "closed with the host"
    );
    let host = LiveHost::new(&db);
    assert_eq!(host.restore(), Vec::<String>::new());
    let st = api::host_status(&host);
    assert!(st.listener.on, "remembered on");
    assert_eq!(port_of(&st), port);
    let answers = send(port, &tok, &[event("a2", "acme")]);
    assert_eq!(answers[1]["status"], "accepted");
    assert_eq!(events(&db), 2);

    // Off: refused at once, and remembered off.
    let st = api::stop_listener(&host).unwrap();
    assert!(!st.listener.on);
    let last = format!("127.0.0.1:{port}");
    assert_eq!(
        st.listener.tcp.as_deref(),
        Some(last.as_str()),
        "off, it offers the address it had"
    );
    let err = TcpStream::connect(("127.0.0.1", port)).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    host.shutdown();
    let host = LiveHost::new(&db);
    host.restore();
    assert!(!host.listener().on, "remembered off");
    assert_eq!(host.remembered().unwrap().0, None);
    assert!(Store::open(&db).unwrap().verify().unwrap().ok);
}

#[test]
fn a_busy_port_is_a_clear_error_and_the_listener_stays_off() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("t.db");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let host = LiveHost::new(&db);
    let err = api::start_listener(
        &host,
        &StartListenerRequest {
            tcp: Some(addr.clone()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.code, "address_in_use", "{err:?}");
    assert_eq!(err.status(), 409);
    assert!(err.message.contains(&addr), "{}", err.message);
    assert!(!host.listener().on);
    assert_eq!(
        host.remembered().unwrap().0,
        None,
        "a failed start is not remembered"
    );

    // A second start while one runs is refused too, and the first keeps running.
    let st = api::start_listener(
        &host,
        &StartListenerRequest {
            tcp: Some("127.0.0.1:0".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let port = port_of(&st);
    let again = api::start_listener(
        &host,
        &StartListenerRequest {
            tcp: Some("127.0.0.1:0".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(again.code, "bad_config");
    assert!(TcpStream::connect(("127.0.0.1", port)).is_ok());

    // Another host (another app on the same machine) asking for that port: in use.
    let other_db = dir.path().join("other.db");
    let other = LiveHost::new(&other_db);
    let err = api::start_listener(
        &other,
        &StartListenerRequest {
            tcp: Some(format!("127.0.0.1:{port}")),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.code, "address_in_use");
    assert!(!other.listener().on);

    // A remembered port that is taken at the next launch: off, with the reason, still wished.
    host.shutdown();
    drop(host);
    let squatter = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let host = LiveHost::new(&db);
    let problems = host.restore();
    assert_eq!(problems.len(), 1, "{problems:?}");
    let st = api::host_status(&host);
    assert!(!st.listener.on);
    assert!(
        st.listener
            .error
            .as_deref()
            .unwrap_or("")
            .contains("in use"),
        "{:?}",
        st.listener.error
    );
    assert!(host.remembered().unwrap().0.is_some());
    drop(squatter);
    drop(taken);
}

#[test]
fn a_public_address_needs_allow_remote_explicitly() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("t.db");
    let host = LiveHost::new(&db);
    let err = api::start_listener(
        &host,
        &StartListenerRequest {
            tcp: Some("0.0.0.0:0".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.code, "bad_config");
    assert!(err.message.contains("allow_remote"), "{}", err.message);
    let err = api::start_listener(&host, &StartListenerRequest::default()).unwrap_err();
    assert_eq!(err.code, "bad_config", "nothing to listen on");
    let st = api::start_listener(
        &host,
        &StartListenerRequest {
            tcp: Some("0.0.0.0:0".into()),
            allow_remote: Some(true),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(st.listener.on && st.listener.allow_remote);
    api::stop_listener(&host).unwrap();
}

fn lines(from: usize, to: usize) -> String {
    (from..to)
        .map(|i| event(&format!("w{i:05}"), "acme") + "\n")
        .collect()
}

fn append(path: &Path, text: &str) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

#[test]
fn a_watched_folder_is_followed_exactly_once_across_remove_and_relaunch() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("t.db");
    let watched = dir.path().join("logs");
    std::fs::create_dir(&watched).unwrap();
    let file = watched.join("app.ndjson");
    append(&file, &lines(0, 100));
    append(&watched.join("notes.txt"), "not an event\n");

    let host = LiveHost::new(&db);
    let err = api::add_watch(
        &host,
        &AddWatchRequest {
            dir: "relative/path".into(),
            glob: None,
        },
    )
    .unwrap_err();
    assert_eq!(err.code, "bad_config");
    let err = api::add_watch(
        &host,
        &AddWatchRequest {
            dir: dir.path().join("missing").display().to_string(),
            glob: None,
        },
    )
    .unwrap_err();
    assert_eq!(err.code, "bad_config");

    let st = api::add_watch(
        &host,
        &AddWatchRequest {
            dir: watched.display().to_string(),
            glob: None,
        },
    )
    .unwrap();
    assert_eq!(st.watches.len(), 1);
    assert!(st.watches[0].running);
    let dir_key = st.watches[0].dir.clone();
    wait_until("the first 100 events", || events(&db) == 100);
    // Appended lines, a partial one held until its newline.
    append(&file, &lines(100, 150));
    let partial = event("w00150", "acme");
    append(&file, &partial[..20]);
    wait_until("150 events", || events(&db) == 150);
    append(&file, &format!("{}\n", &partial[20..]));
    wait_until("151 events", || events(&db) == 151);
    let again = api::add_watch(
        &host,
        &AddWatchRequest {
            dir: watched.display().to_string(),
            glob: None,
        },
    )
    .unwrap_err();
    assert!(again.message.contains("already watched"));

    // A relaunch: lines appended while nothing runs are read from the checkpoint, once.
    host.shutdown();
    drop(host);
    append(&file, &lines(151, 200));
    let host = LiveHost::new(&db);
    assert_eq!(host.restore(), Vec::<String>::new());
    wait_until("200 events", || events(&db) == 200);
    let st = api::host_status(&host);
    assert_eq!(st.watches[0].accepted, 49);
    assert_eq!(st.watches[0].duplicates, 0, "nothing read twice");

    // Removed: no longer followed, and not brought back by a relaunch.
    let st = api::remove_watch(
        &host,
        &RemoveWatchRequest {
            dir: dir_key.clone(),
        },
    )
    .unwrap();
    assert!(st.watches.is_empty());
    append(&file, &lines(200, 210));
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(events(&db), 200);
    host.shutdown();
    let host = LiveHost::new(&db);
    host.restore();
    assert!(api::host_status(&host).watches.is_empty());
    let err = api::remove_watch(&host, &RemoveWatchRequest { dir: dir_key }).unwrap_err();
    assert_eq!(err.code, "bad_config");

    // Watched again: resumes from the checkpoint, so only the 10 new lines.
    api::add_watch(
        &host,
        &AddWatchRequest {
            dir: watched.display().to_string(),
            glob: Some("*.ndjson".into()),
        },
    )
    .unwrap();
    wait_until("210 events", || events(&db) == 210);
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(events(&db), 210);
    assert_eq!(count(&db, "SELECT count(*) FROM quarantine"), 0);
    host.shutdown();
    assert!(Store::open(&db).unwrap().verify().unwrap().ok);
}

#[test]
fn the_hosted_sources_show_in_live_status() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("t.db");
    let host = LiveHost::new(&db);
    let store = Store::open(&db).unwrap();
    let s = api::live_status_hosted(&store, &host).unwrap();
    let h = s.host.expect("a host");
    assert!(!h.listener.on && h.watches.is_empty());
    assert!(s.writer.is_none(), "no writer until a source needs one");
    api::start_listener(
        &host,
        &StartListenerRequest {
            tcp: Some("127.0.0.1:0".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let s = api::live_status_hosted(&store, &host).unwrap();
    assert!(s.host.unwrap().listener.on);
    assert!(s.writer.is_some());
    // The plain `live_status` (a process hosting nothing) says so.
    assert!(api::live_status(&store, None).unwrap().host.is_none());
    host.shutdown();
}

#[cfg(unix)]
#[test]
fn the_hosted_unix_socket_is_0600_needs_no_token_and_goes_away_when_stopped() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::net::UnixStream;
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("t.db");
    let sock = dir.path().join("tv.sock");
    let host = LiveHost::new(&db);
    let st = api::start_listener(
        &host,
        &StartListenerRequest {
            unix: Some(sock.display().to_string()),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(st.listener.on);
    assert_eq!(st.listener.tcp, None);
    assert_eq!(st.listener.unix.as_deref(), Some(sock.to_str().unwrap()));
    let mode = std::fs::metadata(&sock).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    let mut s = UnixStream::connect(&sock).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    writeln!(s, "{}", event("u1", "anyone")).unwrap();
    s.shutdown(Shutdown::Write).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let ack: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(ack["status"], "accepted", "{out}");
    assert_eq!(events(&db), 1);

    api::stop_listener(&host).unwrap();
    assert!(
        !sock.exists(),
        "the socket file is removed when the listener stops"
    );
    assert!(UnixStream::connect(&sock).is_err());
    host.shutdown();
}
