//! Issue #5 — `trailview watch`, a real process following real files: appended lines, a partial
//! last line, rotation, truncation, and kill -9 mid-file (resumes exactly: no loss, no
//! re-reading).

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tempfile::TempDir;

const EXE: &str = env!("CARGO_BIN_EXE_trailview");

fn event(id: &str) -> String {
    json!({"eventId": id, "type": "code.analysis.complete", "source": "watch-test",
           "orgId": "acme", "timestamp": "2026-11-01T10:00:00Z", "data": {"n": id}})
    .to_string()
}

fn lines(from: usize, to: usize) -> String {
    (from..to)
        .map(|i| format!("{}\n", event(&format!("w{i:07}"))))
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

fn count(db: &Path, sql: &str) -> i64 {
    let Ok(c) =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return 0;
    };
    c.busy_timeout(Duration::from_secs(10)).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap_or(0)
}

fn events(db: &Path) -> i64 {
    count(db, "SELECT count(*) FROM events")
}

#[track_caller]
fn wait_for(db: &Path, n: i64) {
    let t0 = Instant::now();
    while events(db) < n {
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "stuck at {} of {n} events",
            events(db)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(events(db), n, "no more than expected");
}

fn start(db: &Path, dir: &Path) -> Child {
    let mut child = Command::new(EXE)
        .arg("--db")
        .arg(db)
        .args(["watch", dir.to_str().unwrap(), "--poll", "0.2", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.starts_with("store ") {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "watch exited early");
    }
    child.stdout = Some(out.into_inner());
    child
}

/// SIGTERM (by pid), then the JSON summary.
fn stop(child: Child) -> Value {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let o: Output = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{o:?}");
    let text = String::from_utf8(o.stdout).unwrap();
    serde_json::from_str(text.lines().last().unwrap()).unwrap()
}

fn verify(db: &Path) -> Value {
    let o = Command::new(EXE)
        .arg("--db")
        .arg(db)
        .args(["verify", "--json"])
        .output()
        .unwrap();
    serde_json::from_str(&String::from_utf8(o.stdout).unwrap()).unwrap()
}

#[test]
fn appended_lines_partial_lines_rotation_and_truncation_are_followed() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("logs");
    std::fs::create_dir(&dir).unwrap();
    let db = tmp.path().join("w.db");
    let log = dir.join("app.ndjson");
    std::fs::write(dir.join("ignored.txt"), lines(900, 905)).unwrap();
    append(&log, &lines(0, 100));
    let w = start(&db, &dir);
    wait_for(&db, 100);

    // A partial last line is held until its newline.
    let next = format!("{}\n", event("w0000100"));
    append(&log, &next[..40]);
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(events(&db), 100);
    assert_eq!(count(&db, "SELECT count(*) FROM quarantine"), 0);
    append(&log, &next[40..]);
    wait_for(&db, 101);

    // Rotation: lines written to the old file just before it is renamed away are read from
    // it; then the new file from its start.
    append(&log, &lines(101, 120));
    std::fs::rename(&log, dir.join("app.ndjson.1")).unwrap();
    append(&log, &lines(120, 150));
    wait_for(&db, 150);

    // Truncation: the file starts over.
    std::fs::write(&log, lines(150, 160)).unwrap();
    wait_for(&db, 160);

    let summary = stop(w);
    assert_eq!(summary["accepted"], 160, "{summary}");
    assert_eq!(summary["rejected"], 0, "{summary}");
    assert!(summary["rotations"].as_u64().unwrap() >= 1, "{summary}");
    assert!(summary["truncations"].as_u64().unwrap() >= 1, "{summary}");
    assert_eq!(verify(&db)["ok"], true);
}

#[test]
fn kill_9_mid_file_then_restart_resumes_exactly() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("logs");
    std::fs::create_dir(&dir).unwrap();
    let db = tmp.path().join("w.db");
    let log = dir.join("big.ndjson");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&log).unwrap());
        for i in 0..100_000 {
            writeln!(f, "{}", event(&format!("k{i:07}"))).unwrap();
        }
    }
    let mut w = start(&db, &dir);
    let t0 = Instant::now();
    while events(&db) < 10_000 {
        assert!(t0.elapsed() < Duration::from_secs(120), "no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    w.kill().unwrap(); // SIGKILL
    w.wait().unwrap();
    let at_kill = events(&db);
    assert!(at_kill < 100_000, "killed too late to test anything");
    let w = start(&db, &dir);
    wait_for(&db, 100_000);
    let summary = stop(w);
    assert_eq!(
        summary["duplicates"], 0,
        "the restart re-read nothing that was committed: {summary}"
    );
    assert_eq!(
        summary["accepted"].as_i64().unwrap() + at_kill,
        100_000,
        "and lost nothing: {summary}"
    );
    let v = verify(&db);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["events"], 100_000);
}

#[test]
fn listen_can_watch_folders_through_its_own_writer() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("logs");
    std::fs::create_dir(&dir).unwrap();
    let db = tmp.path().join("w.db");
    let mut child = Command::new(EXE)
        .arg("--db")
        .arg(&db)
        .args([
            "listen",
            "--tcp",
            "127.0.0.1:0",
            "--watch",
            dir.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let mut said_watching = false;
    while !line.starts_with("store ") {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "listen exited early");
        said_watching |= line.starts_with("watching ");
    }
    assert!(said_watching);
    append(&dir.join("a.jsonl"), &lines(0, 25));
    wait_for(&db, 25);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(verify(&db)["ok"], true);
}

#[test]
fn a_rotated_file_that_still_matches_is_not_read_again() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("logs");
    std::fs::create_dir(&dir).unwrap();
    let db = tmp.path().join("w.db");
    let log = dir.join("app.ndjson");
    append(&log, &lines(0, 40));
    let w = start(&db, &dir);
    wait_for(&db, 40);
    // Renamed to a name the glob also matches, and a new file at the old path.
    std::fs::rename(&log, dir.join("app-1.ndjson")).unwrap();
    append(&log, &lines(40, 50));
    wait_for(&db, 50);
    std::thread::sleep(Duration::from_millis(600));
    let summary = stop(w);
    assert_eq!(summary["accepted"], 50, "{summary}");
    assert_eq!(
        summary["duplicates"], 0,
        "the renamed file was not read again: {summary}"
    );
}
