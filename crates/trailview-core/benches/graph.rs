//! Graph, metrics and alerts benchmark:
//! `cargo bench -p trailview-core --bench graph -- [--db STORE] [--runs N]`.
//!
//! 1. **Graph of a 5,000-event chain, built and laid out** (target < 100 ms): a ConnectSoft
//!    chain of 5,000 events (each caused by the one before, every 50th a second effect of its
//!    cause, so forks and two lanes) in a temporary store, then `graph::build` of its correlation
//!    id: the indexed lookup, re-normalizing every row, the analysis and the layout.
//! 2. With `--db` (a store made by `trailview ingest`, e.g. of `trailview generate --events
//!    1000000`): **metrics for the busiest tenant** (target < 100 ms), the default **alert
//!    rules** for it, and the graph of one of its generated chains.
//!
//! A benchmark, not a test: p50 / p99 / max over `--runs` (default 30) of the wall clock and of
//! the thread's time on a CPU (which a loaded machine does not inflate), beside the machine load.

use std::path::PathBuf;
use std::time::Instant;

use trailview_core::alerts;
use trailview_core::graph::{self, Scope};
use trailview_core::ingest::{self, IngestOptions};
use trailview_core::metrics;
use trailview_core::query::{EventQuery, TenantScope};
use trailview_core::store::Store;

/// This thread's time on a CPU so far, ns (`/proc/thread-self/schedstat`, Linux): on a loaded
/// machine the wall clock mostly measures waiting for a core; this measures the work.
fn cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Wall and on-CPU milliseconds of each of `runs` runs, sorted, and the last answer.
fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Vec<f64>, Vec<f64>, T) {
    let mut last = f(); // warm the page cache and the statement cache
    let mut ms = Vec::with_capacity(runs);
    let mut cpu = Vec::with_capacity(runs);
    for _ in 0..runs {
        let c = cpu_ns();
        let t = Instant::now();
        last = f();
        ms.push(t.elapsed().as_secs_f64() * 1e3);
        if let (Some(a), Some(b)) = (c, cpu_ns()) {
            cpu.push((b - a) as f64 / 1e6);
        }
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    cpu.sort_by(|a, b| a.total_cmp(b));
    (ms, cpu, last)
}

fn line(name: &str, ms: &[f64], cpu: &[f64]) {
    let p = |v: &[f64], q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    let on_cpu = if cpu.is_empty() {
        String::new()
    } else {
        format!(
            "  | on CPU p50 {:>7.2} ms  p99 {:>7.2} ms",
            p(cpu, 0.5),
            p(cpu, 0.99)
        )
    };
    println!(
        "{name:<58} wall p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms{on_cpu}  ({} runs)",
        p(ms, 0.5),
        p(ms, 0.99),
        ms[ms.len() - 1],
        ms.len()
    );
}

fn chain_store(n: usize) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("chain.db")).expect("store");
    let mut body = String::new();
    let t0: i64 = 1_781_136_000_000; // ms
    for i in 0..n {
        // Every 50th event is a second effect of the cause of the one before: a fork.
        let cause = match i {
            0 => None,
            i if i % 50 == 0 && i >= 2 => Some(i - 2),
            i => Some(i - 1),
        };
        let v = serde_json::json!({
            "eventId": format!("evt-bench-{i:05}"), "eventType": "AgentTaskCompleted",
            "tenantId": "bench", "projectId": "proj-booking-saas", "moduleId": "module-api",
            "traceId": "trace-bench", "correlationId": "corr-bench-5000",
            "causationId": cause.map(|c| format!("evt-bench-{c:05}")),
            "occurredAt": t0 + i as i64 * 750, "payload": {"step": i}
        });
        body.push_str(&v.to_string());
        body.push('\n');
    }
    ingest::ingest_reader(
        &mut store,
        std::io::Cursor::new(body.into_bytes()),
        "bench-chain",
        None,
        &IngestOptions::default(),
        &mut |_| {},
    )
    .expect("ingest the chain");
    (dir, store)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let runs: usize = arg("--runs").map_or(30, |n| n.parse().expect("--runs N"));
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );

    // 1. The 5,000-event chain.
    let (_dir, store) = chain_store(5000);
    let scope = Scope::Correlation("corr-bench-5000".into());
    let (ms, cpu, g) = time(runs, || {
        graph::build(&store, "bench", &scope, 5000).expect("graph")
    });
    println!(
        "chain: {} nodes, {} edges, {} lanes, depth {}, {} forks, critical path {} nodes",
        g.nodes.len(),
        g.edges.len(),
        g.lanes,
        g.depth,
        g.forks.len(),
        g.critical_path.len()
    );
    line(
        "graph of a 5,000-event chain, built and laid out",
        &ms,
        &cpu,
    );
    let (ms, cpu, bytes) = time(runs, || serde_json::to_vec(&g).expect("json").len());
    line(
        &format!("  + its JSON answer ({:.1} MB)", bytes as f64 / 1e6),
        &ms,
        &cpu,
    );
    let mut q = EventQuery::new(TenantScope::One("bench".into()));
    q.correlation_id = Some("corr-bench-5000".into());
    let (ms, cpu, _) = time(runs, || store.events(&q).expect("events").len());
    line(
        "  (for scale: query::events of the same 5,000 events)",
        &ms,
        &cpu,
    );

    // 2. A 1M-event store.
    let Some(db) = arg("--db").map(PathBuf::from) else {
        println!("(pass --db STORE for metrics and alerts on a large store)");
        return;
    };
    let store = Store::open_read_only(&db).expect("open store");
    let stats = store.stats().expect("stats");
    let tenant = stats
        .tenants
        .iter()
        .filter(|t| !t.tenant.is_empty())
        .max_by_key(|t| t.events)
        .expect("a store with events")
        .clone();
    println!(
        "store: {} ({} events); tenant {:?} ({} events)",
        db.display(),
        stats.events,
        tenant.tenant,
        tenant.events
    );
    let (ms, cpu, m) = time(runs, || {
        metrics::metrics(&store, &tenant.tenant, None, None).expect("metrics")
    });
    println!(
        "metrics: {} events, {} hours, error rate {:?}, SLA breach rate {:?}",
        m.events,
        m.per_hour.len(),
        m.error_rate.rate,
        m.sla_breach_rate.rate
    );
    line("metrics for the busiest tenant", &ms, &cpu);
    let rules = alerts::parse_rules(alerts::DEFAULT_RULES).expect("default rules");
    let (ms, cpu, r) = time(runs, || {
        alerts::evaluate(&store, &tenant.tenant, &rules, None, None).expect("alerts")
    });
    println!("alerts: {} firings", r.firings.len());
    line("default alert rules for the busiest tenant", &ms, &cpu);
    let mut q = EventQuery::new(TenantScope::One(tenant.tenant.clone()));
    q.limit = Some(2000);
    let corr = store
        .events(&q)
        .expect("events")
        .into_iter()
        .find(|e| e.causation_id.is_some())
        .and_then(|e| e.correlation_id)
        .expect("a generated chain with causation links");
    let scope = Scope::Correlation(corr);
    let (ms, cpu, g) = time(runs, || {
        graph::build(&store, &tenant.tenant, &scope, 5000).expect("graph")
    });
    line(
        &format!(
            "graph of a generated chain ({} nodes) in this store",
            g.nodes.len()
        ),
        &ms,
        &cpu,
    );
}
