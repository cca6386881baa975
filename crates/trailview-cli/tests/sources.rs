//! Issue #5 — sources from other processes: the real `trailview listen` and `trailview watch`
//! binaries publish their status into the store every second; a window on the store lists them
//! (`live_status.processes`) with their counts, marks a killed one stale, and a clean exit
//! removes its row.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tempfile::TempDir;
use trailview_core::api::{self, ProcessSource};
use trailview_core::store::Store;

const EXE: &str = env!("CARGO_BIN_EXE_trailview");

fn token(db: &Path) -> String {
    let o = Command::new(EXE)
        .arg("--db")
        .arg(db)
        .args(["token", "create", "--tenant", "acme", "--json"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    v["token"].as_str().unwrap().to_owned()
}

/// Start a CLI source and wait for its "store …" line; the TCP port when it printed one.
fn spawn(db: &Path, args: &[&str]) -> (Child, u16) {
    let mut child = Command::new(EXE)
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("TRAILVIEW_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut port = 0;
    loop {
        let mut line = String::new();
        assert!(out.read_line(&mut line).unwrap() > 0, "exited early");
        if let Some(a) = line.trim().strip_prefix("listening on tcp ") {
            port = a.rsplit(':').next().unwrap().parse().unwrap();
        }
        if line.starts_with("store ") {
            break;
        }
    }
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    (child, port)
}

fn sources(db: &Path) -> Vec<ProcessSource> {
    let store = Store::open_read_only(db).unwrap();
    api::live_status(&store, None).unwrap().processes
}

#[track_caller]
fn wait_for(what: &str, secs: u64, mut cond: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(secs);
    while !cond() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn event(id: &str, tenant: &str) -> String {
    json!({"eventId": id, "type": "code.analysis.complete", "source": "proc-test",
           "orgId": tenant, "timestamp": "2026-11-01T10:00:00Z", "data": {}})
    .to_string()
}

fn sigterm(child: &mut Child) {
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let until = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < until, "did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_listen_process_publishes_its_counts_goes_stale_when_killed_and_leaves_on_a_clean_exit() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("t.db");
    let tok = token(&db);
    let (mut child, port) = spawn(&db, &["listen", "--tcp", "127.0.0.1:0"]);

    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    writeln!(s, "{}", json!({ "token": tok })).unwrap();
    for line in [
        event("p1", "acme"),
        event("p2", "acme"),
        event("p1", "acme"),
        event("x", "globex"),
    ] {
        writeln!(s, "{line}").unwrap();
    }
    s.shutdown(std::net::Shutdown::Write).unwrap();
    let mut acks = String::new();
    s.read_to_string(&mut acks).unwrap();
    assert_eq!(acks.lines().count(), 5, "{acks}");

    wait_for("the listener's row with its counts", 10, || {
        sources(&db)
            .iter()
            .any(|p| p.kind == "listen" && p.accepted == 2 && p.duplicates == 1 && p.rejected == 1)
    });
    let rows = sources(&db);
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.pid, child.id() as i64);
    assert_eq!(row.state, "running");
    assert_eq!(row.address, format!("tcp 127.0.0.1:{port}"));
    assert!(
        row.rate_per_s > 0.0,
        "4 records in the last 10 s: {}",
        row.rate_per_s
    );
    assert!(row.heartbeat_age_s < 3.0);

    // kill -9: nobody removes the row; its heartbeat ages and it shows stale.
    child.kill().unwrap();
    child.wait().unwrap();
    wait_for("the killed listener to show stale", 15, || {
        sources(&db).first().is_some_and(|p| p.state == "stale")
    });
    let stale = &sources(&db)[0];
    assert!(stale.heartbeat_age_s > 5.0);
    assert_eq!(stale.accepted, 2, "its last counts stay readable");

    // A watcher starts (the stale row stays, bounded by the pruning), then exits cleanly: its
    // row goes, the stale one stays.
    let watched = dir.path().join("logs");
    std::fs::create_dir(&watched).unwrap();
    std::fs::write(
        watched.join("a.ndjson"),
        format!("{}\n", event("w1", "acme")),
    )
    .unwrap();
    let (mut w, _) = spawn(&db, &["watch", "--poll", "0.2", watched.to_str().unwrap()]);
    wait_for("the watcher's row", 10, || {
        sources(&db)
            .iter()
            .any(|p| p.kind == "watch" && p.accepted == 1 && p.state == "running")
    });
    let rows = sources(&db);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].kind, "watch", "newest first");
    assert_eq!(rows[0].address, watched.display().to_string());
    sigterm(&mut w);
    let rows = sources(&db);
    assert_eq!(rows.len(), 1, "a clean exit removes its row: {rows:?}");
    assert_eq!(rows[0].state, "stale");

    // The same for a listener stopped with SIGTERM.
    let (mut child, _) = spawn(&db, &["listen", "--tcp", "127.0.0.1:0"]);
    wait_for("the second listener's row", 10, || sources(&db).len() == 2);
    sigterm(&mut child);
    assert_eq!(sources(&db).len(), 1);
}

#[test]
fn the_status_table_never_grows_without_bound() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("t.db");
    drop(Store::open(&db).unwrap());
    // 200 rows as 200 killed processes would leave, a few of them older than a day.
    let c = rusqlite::Connection::open(&db).unwrap();
    let now = chrono_now_us();
    for i in 0..200i64 {
        let beat = if i < 5 {
            now - 2 * 86_400_000_000
        } else {
            now - i * 1_000_000
        };
        c.execute(
            "INSERT INTO live_processes (id, kind, address, pid, started_at, heartbeat_at)
             VALUES (?1, 'listen', 'tcp 127.0.0.1:1', ?2, ?3, ?3)",
            rusqlite::params![format!("old-{i}"), 1000 + i, beat],
        )
        .unwrap();
    }
    drop(c);
    let (mut child, _) = spawn(&db, &["listen", "--tcp", "127.0.0.1:0"]);
    let rows = sources(&db);
    assert!(rows.len() <= 64, "{} rows", rows.len());
    assert!(
        rows.iter().any(|r| r.pid == child.id() as i64),
        "its own row is kept"
    );
    assert!(
        rows.iter().all(|r| r.heartbeat_age_s < 86_400.0),
        "day-old rows pruned"
    );
    sigterm(&mut child);
}

fn chrono_now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_micros() as i64
}
