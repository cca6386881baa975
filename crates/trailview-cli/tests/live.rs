//! Issue #5 — live ingest against real processes: `trailview listen` and `trailview emit` on
//! real sockets and a real store; crash (kill -9) and abuse cases.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tempfile::TempDir;

const EXE: &str = env!("CARGO_BIN_EXE_trailview");

fn trailview(db: &Path, args: &[&str]) -> Output {
    Command::new(EXE)
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("TRAILVIEW_DB")
        .env_remove("TRAILVIEW_TOKEN")
        .output()
        .expect("the trailview binary runs")
}

#[track_caller]
fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn token(db: &Path, tenants: &[&str]) -> String {
    let mut args = vec!["token", "create", "--json"];
    for t in tenants {
        args.push("--tenant");
        args.push(t);
    }
    let v: Value = serde_json::from_str(&ok(&trailview(db, &args))).unwrap();
    v["token"].as_str().unwrap().to_owned()
}

/// A running `trailview listen`; killed (SIGKILL) when dropped.
struct Listen {
    child: Child,
    port: u16,
}

impl Listen {
    fn start(db: &Path, tcp: &str, extra: &[&str]) -> Listen {
        let mut child = Command::new(EXE)
            .arg("--db")
            .arg(db)
            .args(["listen", "--tcp", tcp])
            .args(extra)
            .env_remove("TRAILVIEW_DB")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut port = 0;
        loop {
            let mut line = String::new();
            assert!(out.read_line(&mut line).unwrap() > 0, "listen exited early");
            if let Some(a) = line.trim().strip_prefix("listening on tcp ") {
                port = a.rsplit(':').next().unwrap().parse().unwrap();
            }
            if line.starts_with("store ") {
                break;
            }
        }
        // Keep draining stdout so the child never blocks on it.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        Listen { child, port }
    }

    fn kill9(&mut self) {
        self.child.kill().unwrap(); // SIGKILL on Unix
        self.child.wait().unwrap();
    }

    fn rss_kib(&self) -> u64 {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        s.lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .map(|v| v.trim().trim_end_matches(" kB").trim().parse().unwrap())
            .unwrap()
    }
}

impl Drop for Listen {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn event(id: &str, tenant: &str) -> String {
    json!({"eventId": id, "type": "code.analysis.complete", "source": "live-test",
           "orgId": tenant, "timestamp": "2026-11-01T10:00:00Z", "data": {"n": id}})
    .to_string()
}

/// A raw protocol client.
struct Client {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl Client {
    fn connect(port: u16) -> Client {
        let w = TcpStream::connect(("127.0.0.1", port)).unwrap();
        w.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        Client {
            r: BufReader::new(w.try_clone().unwrap()),
            w,
        }
    }

    /// Connect and say hello; returns the client and the server's answer.
    fn hello(port: u16, token: &str) -> (Client, Value) {
        let mut c = Client::connect(port);
        c.send(&json!({"token": token}).to_string());
        let answer = c.read();
        (c, answer)
    }

    fn send(&mut self, line: &str) {
        self.w.write_all(line.as_bytes()).unwrap();
        self.w.write_all(b"\n").unwrap();
    }

    fn read(&mut self) -> Value {
        let mut line = String::new();
        self.r.read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"))
    }

    /// Everything until the server closes.
    fn read_to_end(&mut self) -> Vec<Value> {
        let mut s = String::new();
        let _ = self.r.read_to_string(&mut s);
        s.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

fn count(db: &Path, sql: &str) -> i64 {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap();
    c.busy_timeout(Duration::from_secs(10)).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap_or(0)
}

fn verify(db: &Path) -> Value {
    serde_json::from_str(&ok(&trailview(db, &["verify", "--json"]))).unwrap()
}

fn write_events(path: &Path, n: usize, tenants: &[&str]) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..n {
        writeln!(
            f,
            "{}",
            event(&format!("ev-{i:07}"), tenants[i % tenants.len()])
        )
        .unwrap();
    }
}

#[test]
fn kill_9_mid_stream_then_restart_stores_every_event_exactly_once() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("live.db");
    let file = dir.path().join("events.ndjson");
    let tenants = ["acme", "globex", "initech"];
    write_events(&file, 100_000, &tenants);
    let tok = token(&db, &tenants);
    let addr = format!("127.0.0.1:{}", free_port());
    let mut listen = Listen::start(&db, &addr, &[]);
    let emit = Command::new(EXE)
        .args(["emit", file.to_str().unwrap(), "--to"])
        .arg(format!("tcp://{addr}"))
        .args(["--token", &tok, "--json", "--retry-for", "120"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Kill the listener once a good part of the stream is in.
    let t0 = Instant::now();
    while count(&db, "SELECT count(*) FROM events") < 15_000 {
        assert!(t0.elapsed() < Duration::from_secs(120), "no progress");
        std::thread::sleep(Duration::from_millis(50));
    }
    listen.kill9();
    let at_kill = count(&db, "SELECT count(*) FROM events");
    assert!(at_kill < 100_000, "killed too late to test anything");
    std::thread::sleep(Duration::from_millis(700));
    let _listen = Listen::start(&db, &addr, &[]);
    let out = emit.wait_with_output().unwrap();
    let summary: Value = serde_json::from_str(&ok(&out)).unwrap();
    assert_eq!(summary["records"], 100_000);
    assert_eq!(summary["rejected"], 0, "{summary}");
    assert!(summary["reconnects"].as_u64().unwrap() >= 1, "{summary}");
    assert_eq!(
        summary["accepted"].as_u64().unwrap() + summary["duplicates"].as_u64().unwrap(),
        100_000,
        "every record acknowledged exactly once: {summary}"
    );
    assert_eq!(count(&db, "SELECT count(*) FROM events"), 100_000);
    assert_eq!(
        count(
            &db,
            "SELECT count(DISTINCT tenant || ':' || hex(ident)) FROM events"
        ),
        100_000
    );
    let v = verify(&db);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["events"], 100_000);
}

#[test]
fn fifty_concurrent_clients_are_all_acknowledged_and_stored() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("live.db");
    let tok = token(&db, &["acme"]);
    let listen = Listen::start(&db, "127.0.0.1:0", &[]);
    let port = listen.port;
    let threads: Vec<_> = (0..50)
        .map(|c| {
            let tok = tok.clone();
            std::thread::spawn(move || {
                let (mut cl, ready) = Client::hello(port, &tok);
                assert_eq!(ready["status"], "ready");
                for i in 0..200 {
                    cl.send(&event(&format!("c{c}-{i}"), "acme"));
                }
                let acks: Vec<Value> = (0..200).map(|_| cl.read()).collect();
                for (i, a) in acks.iter().enumerate() {
                    assert_eq!(a["status"], "accepted", "{a}");
                    assert_eq!(a["line"], i as u64 + 2, "acks come in order");
                    assert_eq!(a["id"], format!("c{c}-{i}"));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(count(&db, "SELECT count(*) FROM events"), 10_000);
    assert_eq!(verify(&db)["ok"], true);
}

#[test]
fn a_wrong_or_missing_or_revoked_token_is_refused() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("live.db");
    let tok = token(&db, &["acme"]);
    let listen = Listen::start(&db, "127.0.0.1:0", &[]);
    let (mut c, answer) = Client::hello(listen.port, "tv_0000");
    assert_eq!(answer["status"], "error");
    assert_eq!(answer["code"], "unauthorized");
    assert!(c.read_to_end().is_empty(), "closed after the refusal");

    // No hello: the first line is an event.
    let mut c = Client::connect(listen.port);
    c.send(&event("e1", "acme"));
    let answer = c.read();
    assert_eq!(answer["code"], "unauthorized");

    // emit says so and fails, without retrying forever.
    let file = dir.path().join("one.ndjson");
    write_events(&file, 3, &["acme"]);
    let o = Command::new(EXE)
        .args(["emit", file.to_str().unwrap(), "--to"])
        .arg(format!("tcp://127.0.0.1:{}", listen.port))
        .args(["--token", "tv_wrong"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("unauthorized"));

    // Revoked: refused from then on.
    let (_, answer) = Client::hello(listen.port, &tok);
    assert_eq!(answer["status"], "ready");
    ok(&trailview(&db, &["token", "revoke", "1"]));
    let (_, answer) = Client::hello(listen.port, &tok);
    assert_eq!(answer["code"], "unauthorized");
    assert_eq!(count(&db, "SELECT count(*) FROM events"), 0);
}

#[test]
fn an_event_for_another_tenant_is_rejected_and_never_stored() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("live.db");
    let tok = token(&db, &["acme"]);
    let listen = Listen::start(&db, "127.0.0.1:0", &[]);
    let (mut c, ready) = Client::hello(listen.port, &tok);
    assert_eq!(ready["tenants"], json!(["acme"]));
    c.send(&event("mine", "acme"));
    c.send(&event("theirs", "globex"));
    let a = c.read();
    assert_eq!(a["status"], "accepted");
    let b = c.read();
    assert_eq!(b["status"], "rejected");
    assert_eq!(b["reason"], "tenant_not_allowed");
    assert_eq!(b["id"], "theirs");
    assert_eq!(b["line"], 3);
    assert_eq!(count(&db, "SELECT count(*) FROM events"), 1);
    let globex = trailview(&db, &["events", "--tenant", "globex", "--json"]);
    assert_eq!(ok(&globex), "", "nothing of globex's event is an event");
    let q = ok(&trailview(&db, &["quarantine", "--json"]));
    let q: Value = serde_json::from_str(q.lines().next().unwrap()).unwrap();
    assert_eq!(q["reason"], "tenant_not_allowed");
}

#[test]
fn an_oversized_line_is_refused_by_hash_and_the_connection_goes_on() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("live.db");
    let tok = token(&db, &["acme"]);
    let listen = Listen::start(&db, "127.0.0.1:0", &[]);
    let (mut c, _) = Client::hello(listen.port, &tok);
    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(5 << 20));
    c.send(&big);
    c.send(&event("after", "acme"));
    let a = c.read();
    assert_eq!(a["status"], "rejected");
    assert_eq!(a["reason"], "too_large");
    let b = c.read();
    assert_eq!(b["status"], "accepted");
    assert_eq!(b["line"], 3);
    assert_eq!(
        count(
            &db,
            "SELECT raw_len FROM quarantine WHERE reason = 'too_large'"
        ),
        big.len() as i64
    );
}

#[test]
fn a_connection_dropped_mid_line_keeps_the_complete_lines_and_quarantines_the_rest() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("live.db");
    let tok = token(&db, &["acme"]);
    let listen = Listen::start(&db, "127.0.0.1:0", &[]);
    let (mut c, _) = Client::hello(listen.port, &tok);
    c.send(&event("one", "acme"));
    c.send(&event("two", "acme"));
    let third = event("three", "acme");
    c.w.write_all(&third.as_bytes()[..20]).unwrap();
    c.w.shutdown(Shutdown::Both).unwrap();
    drop(c);
    let t0 = Instant::now();
    while count(&db, "SELECT count(*) FROM quarantine") < 1 {
        assert!(t0.elapsed() < Duration::from_secs(20));
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(count(&db, "SELECT count(*) FROM events"), 2);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM quarantine WHERE reason = 'truncated' AND raw_len = 20"
        ),
        1
    );
    // Sent again whole, it is stored.
    let (mut c, _) = Client::hello(listen.port, &tok);
    c.send(&third);
    assert_eq!(c.read()["status"], "accepted");
}

#[test]
fn a_client_that_stops_reading_acks_stalls_only_itself_and_is_cut_off() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("live.db");
    let tok = token(&db, &["acme"]);
    let listen = Listen::start(&db, "127.0.0.1:0", &["--ack-timeout", "2"]);
    let port = listen.port;
    let (stuck, _) = Client::hello(port, &tok);
    let mut w = stuck.w.try_clone().unwrap();
    w.set_write_timeout(Some(Duration::from_secs(60))).unwrap();
    // Send far more than the socket buffers and the connection's window (131,072 records
    // unacknowledged) hold, never reading an ack.
    const LINES: u64 = 500_000;
    let sender = std::thread::spawn(move || {
        let mut sent = 0u64;
        for i in 0..LINES {
            let line = format!("{}\n", event(&format!("s{i}"), "acme"));
            if w.write_all(line.as_bytes()).is_err() {
                break;
            }
            sent += 1;
        }
        sent
    });
    std::thread::sleep(Duration::from_millis(500));
    // Another client is served meanwhile.
    let (mut other, _) = Client::hello(port, &tok);
    other
        .w
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    for i in 0..100 {
        other.send(&event(&format!("o{i}"), "acme"));
    }
    for _ in 0..100 {
        assert_eq!(other.read()["status"], "accepted");
    }
    // The stuck client is cut off: its sender fails before it sent everything.
    let sent = sender.join().unwrap();
    assert!(
        sent < LINES,
        "the listener kept reading from a client that reads no acks"
    );
    assert!(
        listen.rss_kib() < 300 * 1024,
        "listener memory stayed bounded: {} KiB",
        listen.rss_kib()
    );
    drop(stuck);
}

#[test]
fn an_idle_connection_is_told_and_closed() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("live.db");
    let tok = token(&db, &["acme"]);
    let listen = Listen::start(&db, "127.0.0.1:0", &["--idle-timeout", "1"]);
    let (mut c, _) = Client::hello(listen.port, &tok);
    let rest = c.read_to_end();
    assert_eq!(rest.len(), 1, "{rest:?}");
    assert_eq!(rest[0]["code"], "idle_timeout");
}

#[test]
fn connections_past_the_limit_are_told_and_closed() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("live.db");
    let tok = token(&db, &["acme"]);
    let listen = Listen::start(&db, "127.0.0.1:0", &["--max-connections", "2"]);
    let (_a, ra) = Client::hello(listen.port, &tok);
    let (_b, rb) = Client::hello(listen.port, &tok);
    assert_eq!(
        (ra["status"].clone(), rb["status"].clone()),
        (json!("ready"), json!("ready"))
    );
    let mut c = Client::connect(listen.port);
    assert_eq!(c.read()["code"], "too_many_connections");
}

#[test]
fn tcp_refuses_a_public_address_unless_asked() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("live.db");
    let o = trailview(&db, &["listen", "--tcp", "0.0.0.0:0"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--allow-remote"));
}

#[cfg(unix)]
#[test]
fn the_unix_socket_is_0600_and_needs_no_token() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::net::UnixStream;
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("live.db");
    let sock: PathBuf = dir.path().join("live.sock");
    let _listen = Listen::start(&db, "127.0.0.1:0", &["--unix", sock.to_str().unwrap()]);
    let mode = std::fs::metadata(&sock).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let mut s = UnixStream::connect(&sock).unwrap();
    s.write_all(format!("{}\n", event("u1", "any-tenant")).as_bytes())
        .unwrap();
    s.shutdown(Shutdown::Write).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let ack: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(ack["status"], "accepted");
    assert_eq!(ack["line"], 1);

    // emit over the Unix socket, twice: the second time everything is a duplicate.
    let file = dir.path().join("e.ndjson");
    write_events(&file, 500, &["acme", "globex"]);
    let to = format!("unix:{}", sock.display());
    let first: Value = serde_json::from_str(&ok(&Command::new(EXE)
        .args(["emit", file.to_str().unwrap(), "--to", &to, "--json"])
        .output()
        .unwrap()))
    .unwrap();
    assert_eq!(first["accepted"], 500);
    let again: Value = serde_json::from_str(&ok(&Command::new(EXE)
        .args(["emit", file.to_str().unwrap(), "--to", &to, "--json"])
        .output()
        .unwrap()))
    .unwrap();
    assert_eq!(again["duplicates"], 500);
    assert_eq!(count(&db, "SELECT count(*) FROM events"), 501);
}

#[test]
fn emit_posts_to_serve_ingest_over_http() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("live.db");
    let tok = token(&db, &["acme"]);
    let mut serve = Command::new(EXE)
        .arg("--db")
        .arg(&db)
        .args(["serve", "--port", "0", "--ingest"])
        .env("TRAILVIEW_UI_DIST", dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(serve.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .trim_end_matches('/')
        .to_owned();
    let file = dir.path().join("e.ndjson");
    write_events(&file, 4500, &["acme", "globex"]);
    let run = || -> Value {
        serde_json::from_str(&ok(&Command::new(EXE)
            .args([
                "emit",
                file.to_str().unwrap(),
                "--to",
                &url,
                "--token",
                &tok,
                "--json",
            ])
            .output()
            .unwrap()))
        .unwrap()
    };
    let first = run();
    assert_eq!(first["accepted"], 2250, "{first}");
    assert_eq!(first["rejected"], 2250);
    assert_eq!(first["reasons"]["tenant_not_allowed"], 2250);
    let again = run();
    assert_eq!(again["duplicates"], 2250, "{again}");
    serve.kill().unwrap();
    serve.wait().unwrap();
    assert_eq!(count(&db, "SELECT count(*) FROM events"), 2250);
    assert_eq!(verify(&db)["ok"], true);
}

#[test]
fn a_token_is_printed_once_and_only_its_hash_is_stored() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("live.db");
    let o = trailview(
        &db,
        &[
            "token", "create", "--tenant", "acme", "--tenant", "", "--label", "ci",
        ],
    );
    let tok = ok(&o).trim().to_owned();
    assert!(tok.starts_with("tv_") && tok.len() == 67, "{tok}");
    let list: Value =
        serde_json::from_str(&ok(&trailview(&db, &["token", "list", "--json"]))).unwrap();
    assert_eq!(
        list,
        json!([{"id": 1, "tenants": ["", "acme"], "label": "ci",
                "created_at": list[0]["created_at"], "revoked_at": null}])
    );
    // Neither the file nor its WAL holds the token, only its SHA-256.
    let _ = trailview(&db, &["verify"]); // a checkpoint-free read; the WAL may still hold pages
    for f in ["live.db", "live.db-wal"] {
        if let Ok(bytes) = std::fs::read(dir.path().join(f)) {
            assert!(
                !bytes.windows(tok.len()).any(|w| w == tok.as_bytes()),
                "{f} holds the token"
            );
        }
    }
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM live_tokens WHERE length(hash) = 32"
        ),
        1
    );
    // No tenant: refused with a clear error.
    let o = trailview(&db, &["token", "create"]);
    assert!(!o.status.success());
    let revoked: Value =
        serde_json::from_str(&ok(&trailview(&db, &["token", "revoke", "1", "--json"]))).unwrap();
    assert!(revoked["revoked_at"].as_i64().is_some());
    let o = trailview(&db, &["token", "revoke", "7"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no token 7"));
}
