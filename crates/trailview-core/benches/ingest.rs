//! Ingest benchmark: `cargo bench -p trailview-core --bench ingest -- [--events N] [--file F]`.
//!
//! Generates a deterministic mixed-dialect file (or takes one), then measures
//! 1. framing + normalization + hashing alone (the reader thread's work), and
//! 2. a full ingest into a fresh store with every invariant on,
//!
//! and prints events/s, MB/s and the process's peak RSS. A benchmark, not a test: these machines
//! are shared and noisy, so read the figures as medians of several runs.

use std::fs::File;
use std::io::{BufWriter, Read};
use std::path::PathBuf;
use std::time::Instant;

use trailview_core::framing::Framer;
use trailview_core::generate::{generate, GenConfig};
use trailview_core::ingest::{self, IngestOptions};
use trailview_core::store::{Item, Store};

fn peak_rss_mb() -> f64 {
    let mut s = String::new();
    File::open("/proc/self/status")
        .and_then(|mut f| f.read_to_string(&mut s))
        .ok();
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// CPU seconds (user + system) of the calling thread (the writer's), whatever else loads the
/// machine.
fn thread_cpu_s() -> f64 {
    cpu_s("/proc/thread-self/stat")
}

/// CPU seconds (user + system) of the whole process.
fn process_cpu_s() -> f64 {
    cpu_s("/proc/self/stat")
}

/// utime + stime of a `/proc/…/stat` file, in seconds.
fn cpu_s(stat: &str) -> f64 {
    let stat = std::fs::read_to_string(stat).unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // Fields 14 and 15 of stat (utime, stime) are the 12th and 13th after the ')'.
    (f.get(11).unwrap_or(&0.0) + f.get(12).unwrap_or(&0.0)) / 100.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let events: u64 = arg("--events").map_or(1_000_000, |n| n.parse().expect("--events N"));
    let runs: usize = arg("--runs").map_or(1, |n| n.parse().expect("--runs N"));
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-data");
    std::fs::create_dir_all(&dir).expect("create target/bench-data");
    let file = match arg("--file") {
        Some(f) => PathBuf::from(f),
        None => {
            let f = dir.join(format!("mixed-{events}.ndjson"));
            if !f.exists() {
                let t = Instant::now();
                let out = BufWriter::with_capacity(1 << 20, File::create(&f).expect("create"));
                let cfg = GenConfig {
                    events,
                    ..GenConfig::default()
                };
                generate(&cfg, out).expect("generate");
                eprintln!(
                    "generated {} in {:.1}s",
                    f.display(),
                    t.elapsed().as_secs_f64()
                );
            }
            f
        }
    };
    let bytes = std::fs::metadata(&file).expect("input file").len();
    let mb = bytes as f64 / 1e6;
    println!("input: {} ({events} events, {mb:.0} MB)", file.display());

    // 1. The reader's work alone.
    let t = Instant::now();
    let mut n = 0u64;
    let src: std::sync::Arc<str> = std::sync::Arc::from("bench");
    for frame in Framer::new(File::open(&file).expect("open")) {
        let item = ingest::prepare(frame.expect("read"), &src, 0);
        if matches!(item, Item::Event(_)) {
            n += 1;
        }
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "frame+normalize+hash: {n} events in {s:.2}s = {:.0} ev/s, {:.0} MB/s",
        n as f64 / s,
        mb / s
    );

    // 2. Full ingest into a fresh store.
    for run in 0..runs {
        let db = dir.join("bench.db");
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
        }
        drop(Store::open(&db).expect("create store"));
        if let Ok(drop) = std::env::var("TRAILVIEW_BENCH_DROP") {
            let c = rusqlite::Connection::open(&db).expect("open");
            for ix in drop.split(',').filter(|s| !s.is_empty()) {
                c.execute_batch(&format!("DROP INDEX {ix}"))
                    .expect("drop index");
            }
        }
        let mut store = Store::open(&db).expect("open store");
        let cpu0 = thread_cpu_s();
        let t = Instant::now();
        let summary = ingest::ingest_paths(
            &mut store,
            std::slice::from_ref(&file),
            &IngestOptions::default(),
            &mut |_| {},
        )
        .expect("ingest");
        let s = t.elapsed().as_secs_f64();
        println!("writer thread CPU: {:.2}s", thread_cpu_s() - cpu0);
        if args.iter().any(|a| a == "--text") {
            let (cpu, proc0) = (thread_cpu_s(), process_cpu_s());
            let t = Instant::now();
            let r = store.index_text(|_, _| {}).expect("index text");
            println!(
                "text index: {} events in {:.2}s; CPU: this thread {:.2}s, process {:.2}s",
                r.indexed,
                t.elapsed().as_secs_f64(),
                thread_cpu_s() - cpu,
                process_cpu_s() - proc0
            );
        }
        let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
        println!(
            "ingest run {}: {} stored, {} quarantined in {s:.2}s = {:.0} ev/s, {:.0} MB/s; db {:.0} MB; peak RSS {:.0} MB",
            run + 1,
            summary.accepted,
            summary.quarantined,
            summary.accepted as f64 / s,
            mb / s,
            size as f64 / 1e6,
            peak_rss_mb()
        );
    }
}
