//! Live ingest benchmark: `cargo bench -p trailview-core --bench live -- [--events N]
//! [--conns 1,8,50] [--rate 10000] [--latency-secs 5]`.
//!
//! The same deterministic mixed-dialect file as the ingest bench (target/bench-data/), and:
//! 1. the baseline: file ingest of it into a fresh store (`ingest_reader`);
//! 2. for each connection count: a fresh store, a real `Listener` on 127.0.0.1:0 with its
//!    `LiveWriter`, and that many TCP clients (std threads, like `trailview emit`), each sending
//!    a contiguous share of the file's lines while another thread reads its acks; the clock
//!    stops when every ack is in (acks come only after commit). Events/s, its ratio to the
//!    baseline, the listener process's RSS (sampled every 50 ms);
//! 3. ack latency: one connection paced at `--rate` events/s for `--latency-secs`: time from
//!    writing a record to reading its ack, p50 / p99 / max.
//!
//! With `--hosted`: the file baseline, `tcp:1`, and two more one-connection scenarios —
//! `host:1`, the listener the app hosts (`LiveHost::start_listener`: its own thread and
//! runtime), and `beat:1`, `tcp:1` with the status heartbeat `trailview listen` now publishes
//! every second (`live::sources::Publisher`) — to show neither costs throughput.
//!
//! Clients and server share a process and the machine's cores; the figures are what a local
//! product emitting to Trailview on the same machine sees. Each scenario runs in a process of
//! its own (the bench re-runs itself with `--scenario`), so each RSS figure is that scenario's.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use trailview_core::generate::{generate, GenConfig};
use trailview_core::ingest::{self, IngestOptions};
use trailview_core::live::listen::{ListenOptions, Listener};
use trailview_core::live::tokens;
use trailview_core::live::writer::{LiveWriter, WriterOptions};
use trailview_core::normalize;
use trailview_core::store::Store;

fn rss_mb(field: &str) -> f64 {
    let mut s = String::new();
    File::open("/proc/self/status")
        .and_then(|mut f| f.read_to_string(&mut s))
        .ok();
    s.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Samples VmRSS until dropped; the maximum seen.
struct RssMonitor {
    stop: Arc<AtomicBool>,
    max_kb: Arc<AtomicU64>,
    h: Option<std::thread::JoinHandle<()>>,
}

impl RssMonitor {
    fn start() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let max_kb = Arc::new(AtomicU64::new(0));
        let (s, m) = (stop.clone(), max_kb.clone());
        let h = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                let kb = (rss_mb("VmRSS:") * 1024.0) as u64;
                m.fetch_max(kb, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        RssMonitor {
            stop,
            max_kb,
            h: Some(h),
        }
    }

    fn finish(mut self) -> f64 {
        self.stop.store(true, Ordering::Relaxed);
        self.h.take().unwrap().join().unwrap();
        self.max_kb.load(Ordering::Relaxed) as f64 / 1024.0
    }
}

/// Byte ranges of `parts` contiguous runs of whole lines.
fn split_lines(file: &Path, parts: usize) -> Vec<(u64, u64)> {
    let len = std::fs::metadata(file).unwrap().len();
    let mut f = BufReader::new(File::open(file).unwrap());
    let mut cuts = vec![0u64];
    for i in 1..parts {
        let target = len * i as u64 / parts as u64;
        f.seek(SeekFrom::Start(target)).unwrap();
        let mut skip = Vec::new();
        let n = f.read_until(b'\n', &mut skip).unwrap() as u64;
        cuts.push((target + n).min(len));
    }
    cuts.push(len);
    cuts.windows(2).map(|w| (w[0], w[1])).collect()
}

struct Server {
    rt: tokio::runtime::Runtime,
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<trailview_core::live::writer::WriterThread>,
}

impl Server {
    fn start(db: &Path) -> Server {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (writer, thread) = LiveWriter::start(db, WriterOptions::default()).unwrap();
        let listener = rt
            .block_on(Listener::bind(
                writer,
                ListenOptions {
                    tcp: Some("127.0.0.1:0".parse().unwrap()),
                    ..ListenOptions::default()
                },
            ))
            .unwrap();
        let addr = listener.tcp_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        rt.spawn(listener.run(async {
            let _ = stopped.await;
        }));
        Server {
            rt,
            addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        std::thread::sleep(Duration::from_millis(100));
        let thread = self.thread.take().unwrap();
        self.rt.shutdown_timeout(Duration::from_secs(5));
        thread.join();
    }
}

fn fresh_store(dir: &Path, name: &str, tenants: &[String]) -> (PathBuf, String) {
    let db = dir.join(name);
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
    let mut s = Store::open(&db).unwrap();
    let (tok, _) = tokens::create(&mut s, tenants, "bench", 0).unwrap();
    (db, tok)
}

/// One client: hello, then its share of the file; returns (acks, accepted).
fn client(addr: SocketAddr, token: &str, file: &Path, range: (u64, u64)) -> (u64, u64) {
    let s = TcpStream::connect(addr).unwrap();
    s.set_nodelay(true).unwrap();
    let mut r = BufReader::with_capacity(1 << 16, s.try_clone().unwrap());
    let mut w = BufWriter::with_capacity(1 << 18, s.try_clone().unwrap());
    writeln!(w, "{{\"token\":\"{token}\"}}").unwrap();
    w.flush().unwrap();
    let mut ready = String::new();
    r.read_line(&mut ready).unwrap();
    assert!(ready.contains("ready"), "{ready}");
    let reader = std::thread::spawn(move || {
        let (mut acks, mut accepted) = (0u64, 0u64);
        let mut line = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            acks += 1;
            if line.contains("\"accepted\"") {
                accepted += 1;
            }
        }
        (acks, accepted)
    });
    let mut f = File::open(file).unwrap();
    f.seek(SeekFrom::Start(range.0)).unwrap();
    std::io::copy(&mut f.take(range.1 - range.0), &mut w).unwrap();
    w.flush().unwrap();
    s.shutdown(Shutdown::Write).unwrap();
    reader.join().unwrap()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--scenario") {
        // Each scenario in a process of its own, so its RSS is its own (an allocator keeps
        // what an earlier scenario freed).
        let exe = std::env::current_exe().unwrap();
        let pass: Vec<&String> = args.iter().skip(1).filter(|a| *a != "--bench").collect();
        let conns = args
            .iter()
            .position(|a| a == "--conns")
            .and_then(|i| args.get(i + 1).cloned())
            .unwrap_or_else(|| "1,8,50".into());
        let mut scenarios = vec!["file".to_owned()];
        if args.iter().any(|a| a == "--hosted") {
            scenarios.extend(["tcp:1", "host:1", "beat:1"].map(String::from));
        } else {
            scenarios.extend(conns.split(',').map(|c| format!("tcp:{c}")));
            scenarios.push("latency".into());
        }
        for sc in scenarios {
            let st = std::process::Command::new(&exe)
                .args(&pass)
                .args(["--scenario", &sc])
                .status()
                .unwrap();
            assert!(st.success(), "scenario {sc} failed");
        }
        return;
    }
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let events: u64 = arg("--events").map_or(1_000_000, |n| n.parse().expect("--events N"));
    let conns: Vec<usize> = arg("--conns")
        .unwrap_or_else(|| "1,8,50".into())
        .split(',')
        .map(|c| c.parse().expect("--conns 1,8,50"))
        .collect();
    let scenario = arg("--scenario").unwrap();
    let rate: u64 = arg("--rate").map_or(10_000, |n| n.parse().expect("--rate N"));
    let lat_secs: u64 = arg("--latency-secs").map_or(5, |n| n.parse().expect("--latency-secs N"));
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("mixed-{events}.ndjson"));
    if !file.exists() {
        let out = BufWriter::with_capacity(1 << 20, File::create(&file).unwrap());
        let cfg = GenConfig {
            events,
            ..GenConfig::default()
        };
        generate(&cfg, out).unwrap();
    }
    let bytes = std::fs::metadata(&file).unwrap().len();
    println!(
        "input: {} ({events} events, {:.0} MB)",
        file.display(),
        bytes as f64 / 1e6
    );
    let mut tenants = BTreeSet::new();
    for line in BufReader::new(File::open(&file).unwrap()).split(b'\n') {
        if let Ok(n) = normalize::normalize(&line.unwrap()) {
            tenants.insert(n.event.tenant);
        }
    }
    let tenants: Vec<String> = tenants.into_iter().collect();
    let work = dir.join("live-bench");
    std::fs::create_dir_all(&work).unwrap();

    // 1. Baseline: file ingest. (Every scenario prints the file-ingest rate it compares with
    // from the `file` scenario's record, kept beside the data.)
    let base_file = work.join("file-ingest-rate");
    if scenario == "file" {
        let (db, _) = fresh_store(&work, "file.db", &tenants);
        let mut store = Store::open(&db).unwrap();
        let t = Instant::now();
        let s = ingest::ingest_reader(
            &mut store,
            File::open(&file).unwrap(),
            "bench",
            Some(bytes),
            &IngestOptions::default(),
            &mut |_| {},
        )
        .unwrap();
        let base = t.elapsed().as_secs_f64();
        let base_rate = s.accepted as f64 / base;
        println!(
            "file ingest: {} events in {base:.2}s = {base_rate:.0} ev/s; peak RSS {:.0} MB",
            s.accepted,
            rss_mb("VmHWM:")
        );
        drop(store);
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
        }
        std::fs::write(&base_file, base_rate.to_string()).unwrap();
        return;
    }
    let base_rate: f64 = std::fs::read_to_string(&base_file)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(f64::NAN);

    // 2. Sustained throughput over loopback TCP, acks on.
    for &c in conns.iter().filter(|c| scenario == format!("tcp:{c}")) {
        let (db, tok) = fresh_store(&work, &format!("tcp-{c}.db"), &tenants);
        let server = Server::start(&db);
        let ranges = split_lines(&file, c);
        let mon = RssMonitor::start();
        let t = Instant::now();
        let handles: Vec<_> = ranges
            .into_iter()
            .map(|r| {
                let (tok, file, addr) = (tok.clone(), file.clone(), server.addr);
                std::thread::spawn(move || client(addr, &tok, &file, r))
            })
            .collect();
        let (mut acks, mut accepted) = (0, 0);
        for h in handles {
            let (a, ok) = h.join().unwrap();
            acks += a;
            accepted += ok;
        }
        let secs = t.elapsed().as_secs_f64();
        let rss = mon.finish();
        server.stop();
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
        }
        let rate = accepted as f64 / secs;
        println!(
            "tcp x{c:<2}: {acks} acks ({accepted} accepted) in {secs:.2}s = {rate:.0} ev/s = {:.0}% of file ingest; max RSS {rss:.0} MB, peak {:.0} MB",
            100.0 * rate / base_rate,
            rss_mb("VmHWM:")
        );
    }

    // 2b. One connection to the app's hosted listener, or to a listener publishing its status.
    if scenario == "host:1" || scenario == "beat:1" {
        let (db, tok) = fresh_store(&work, "hosted.db", &tenants);
        let (addr, host, server, publisher) = if scenario == "host:1" {
            let host = trailview_core::live::host::LiveHost::new(&db);
            host.start_listener(&trailview_core::live::host::ListenerConfig {
                tcp: Some("127.0.0.1:0".into()),
                unix: None,
                allow_remote: false,
            })
            .unwrap();
            let addr: SocketAddr = host
                .listener()
                .config
                .unwrap()
                .tcp
                .unwrap()
                .parse()
                .unwrap();
            (addr, Some(host), None, None)
        } else {
            let server = Server::start(&db);
            let publisher = trailview_core::live::sources::Publisher::start(
                &db,
                "listen",
                format!("tcp {}", server.addr),
                trailview_core::live::sources::Counts::default,
            )
            .unwrap();
            (server.addr, None, Some(server), Some(publisher))
        };
        let range = split_lines(&file, 1)[0];
        let mon = RssMonitor::start();
        let t = Instant::now();
        let (acks, accepted) = client(addr, &tok, &file, range);
        let secs = t.elapsed().as_secs_f64();
        let rss = mon.finish();
        if let Some(p) = publisher {
            p.finish(None);
        }
        if let Some(s) = server {
            s.stop();
        }
        if let Some(h) = host {
            h.shutdown();
        }
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
        }
        let rate = accepted as f64 / secs;
        println!(
            "{scenario}: {acks} acks ({accepted} accepted) in {secs:.2}s = {rate:.0} ev/s = {:.0}% of file ingest; max RSS {rss:.0} MB",
            100.0 * rate / base_rate,
        );
        return;
    }

    if scenario != "latency" {
        return;
    }
    // 3. Ack latency at a steady rate.
    let (db, tok) = fresh_store(&work, "latency.db", &tenants);
    let server = Server::start(&db);
    let n = (rate * lat_secs) as usize;
    let lines: Vec<Vec<u8>> = BufReader::new(File::open(&file).unwrap())
        .split(b'\n')
        .take(n)
        .map(|l| {
            let mut l = l.unwrap();
            l.push(b'\n');
            l
        })
        .collect();
    let s = TcpStream::connect(server.addr).unwrap();
    s.set_nodelay(true).unwrap();
    let mut r = BufReader::new(s.try_clone().unwrap());
    let mut w = s.try_clone().unwrap();
    writeln!(w, "{{\"token\":\"{tok}\"}}").unwrap();
    let mut ready = String::new();
    r.read_line(&mut ready).unwrap();
    let sent: Arc<Vec<AtomicU64>> = Arc::new((0..n).map(|_| AtomicU64::new(0)).collect());
    let origin = Instant::now();
    let reader = {
        let sent = sent.clone();
        std::thread::spawn(move || {
            let mut lat = Vec::with_capacity(n);
            let mut line = String::new();
            for i in 0..n {
                line.clear();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let now = origin.elapsed().as_nanos() as u64;
                lat.push(Duration::from_nanos(now - sent[i].load(Ordering::Relaxed)));
            }
            lat
        })
    };
    let mon = RssMonitor::start();
    let step = Duration::from_secs_f64(1.0 / rate as f64);
    // Send in small bursts every millisecond, at the target average rate.
    let per_ms = (rate / 1000).max(1) as usize;
    let mut i = 0;
    let start = Instant::now();
    while i < n {
        let due = start + step * i as u32;
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
        let end = (i + per_ms).min(n);
        let mut buf = Vec::new();
        for l in &lines[i..end] {
            buf.extend_from_slice(l);
        }
        let at = origin.elapsed().as_nanos() as u64;
        for s in &sent[i..end] {
            s.store(at, Ordering::Relaxed);
        }
        w.write_all(&buf).unwrap();
        i = end;
    }
    s.shutdown(Shutdown::Write).unwrap();
    let mut lat = reader.join().unwrap();
    let rss = mon.finish();
    server.stop();
    lat.sort();
    println!(
        "ack latency at {rate} ev/s over 1 connection ({} events): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; max RSS {rss:.0} MB",
        lat.len(),
        percentile(&lat, 0.5).as_secs_f64() * 1e3,
        percentile(&lat, 0.99).as_secs_f64() * 1e3,
        lat.last().unwrap().as_secs_f64() * 1e3
    );
    for f in ["latency.db", "latency.db-wal", "latency.db-shm"] {
        let _ = std::fs::remove_file(work.join(f));
    }
}
