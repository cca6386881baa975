//! Approvals, executions and replay benchmark (issue #4):
//! `cargo bench -p trailview-core --bench projections -- --db STORE [--runs N] [--rebuild [--rebuild-only]]`
//! on a store made by `trailview ingest` (e.g. of `trailview generate --events 1000000`).
//!
//! For the busiest tenant it times (p50 / p99 over `--runs`):
//! - `approvals`: the whole API operation (stored projection + tail fold + views), and the
//!   projection load alone;
//! - `executions`: likewise;
//! - the same answers folded straight from the log (no stored projection), for comparison;
//! - replay: loading a session over the tenant's whole time range once, then seeks to random
//!   cursors (`Session::state_at`: one snapshot + a short fold) and the whole `replay` API
//!   operation at random cursors (seek + views of the state + frames around the cursor);
//! - with `--rebuild` (opens the store for writing): a full rebuild of the stored projection.
//!
//! A benchmark, not a test: read the figures beside the machine load it prints.

use std::path::PathBuf;
use std::time::Instant;

use trailview_core::api::{self, ApprovalsRequest, ExecutionsRequest, ReplayRequest};
use trailview_core::projections::{self, Parts};
use trailview_core::replay::{Scope, Session};
use trailview_core::store::Store;

/// SplitMix64, so the cursors are the same run to run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn report(name: &str, mut v: Vec<f64>, target: Option<f64>) {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let p = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    println!(
        "{name:<52} p50 {:>8.2} ms   p99 {:>8.2} ms   max {:>8.2} ms{}",
        p(0.5),
        p(0.99),
        v[v.len() - 1],
        target.map_or(String::new(), |t| format!("   (target < {t} ms)"))
    );
}

fn time_runs(runs: usize, mut f: impl FnMut()) -> Vec<f64> {
    f(); // warm the page cache and the statement cache
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            ms(t)
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let db = PathBuf::from(arg("--db").expect("--db STORE (a store made by `trailview ingest`)"));
    let runs: usize = arg("--runs").map_or(50, |n| n.parse().expect("--runs N"));
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    if args.iter().any(|a| a == "--rebuild") {
        let mut store = Store::open(&db).expect("open store for writing");
        let t = Instant::now();
        let r = projections::rebuild(&mut store).expect("rebuild");
        println!(
            "rebuild of the stored projection: {:.2} s ({} facts, {} tenants, to seq {})",
            t.elapsed().as_secs_f64(),
            r.facts,
            r.tenants,
            r.to_seq
        );
        if args.iter().any(|a| a == "--rebuild-only") {
            return;
        }
    }
    let store = Store::open_read_only(&db).expect("open store");
    let stats = store.stats().expect("stats");
    println!(
        "store: {} ({} events, projection cursor {:?}); load {}",
        db.display(),
        stats.events,
        projections::cursor(&store).expect("cursor"),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    // The busiest tenant (in generated data the personal scope: Ecosystem only), and the
    // busiest named tenant (every dialect, Aximo executions included).
    let mut by_size = stats.tenants.clone();
    by_size.sort_by_key(|t| std::cmp::Reverse(t.events));
    let busiest = by_size.first().expect("a store with events").clone();
    let named = by_size.iter().find(|t| !t.tenant.is_empty()).cloned();
    bench_tenant(&store, &busiest, runs);
    if let Some(n) = named.filter(|n| n.tenant != busiest.tenant) {
        bench_tenant(&store, &n, runs);
    }
}

fn bench_tenant(store: &Store, tenant: &trailview_core::query::TenantStats, runs: usize) {
    println!("tenant {:?} ({} events)", tenant.tenant, tenant.events);
    let t = tenant.tenant.clone();

    let areq = ApprovalsRequest {
        tenant: Some(t.clone()),
        ..Default::default()
    };
    let a = api::approvals(store, &areq).expect("approvals");
    println!(
        "  approvals: {} cases, {} anomalies",
        a.counts.total, a.counts.anomalies
    );
    report(
        "approvals (api: projection + tail + views)",
        time_runs(runs, || {
            api::approvals(store, &areq).unwrap();
        }),
        Some(50.0),
    );
    report(
        "approvals (projection load only)",
        time_runs(runs, || {
            projections::load(store, &t, Parts::APPROVALS).unwrap();
        }),
        None,
    );
    let xreq = ExecutionsRequest {
        tenant: Some(t.clone()),
        ..Default::default()
    };
    let x = api::executions(store, &xreq).expect("executions");
    println!(
        "  executions: {} ({} with violations)",
        x.counts.total, x.counts.with_violations
    );
    report(
        "executions (api: projection + tail + views)",
        time_runs(runs, || {
            api::executions(store, &xreq).unwrap();
        }),
        Some(100.0),
    );
    report(
        "executions (projection load only)",
        time_runs(runs, || {
            projections::load(store, &t, Parts::EXECUTIONS).unwrap();
        }),
        None,
    );
    report(
        "both folded from the log, no projection (3 runs)",
        time_runs(3, || {
            projections::fold_log(store, &t).unwrap();
        }),
        None,
    );

    // Replay over the tenant's whole time range.
    let since = trailview_core::time::parse_rfc3339(&tenant.first_occurred_at).unwrap();
    let until = trailview_core::time::parse_rfc3339(&tenant.last_occurred_at).unwrap() + 1;
    let started = Instant::now();
    let s = Session::load(store, &t, Scope::Window { since, until }).expect("session");
    println!(
        "  replay session over the tenant's whole range: {} frames, loaded in {:.0} ms (once per scope)",
        s.len(),
        ms(started)
    );
    let mut rng = Rng(7);
    let mut folded = 0usize;
    let seeks = time_runs(runs.max(200), || {
        let pos = (rng.next() % (s.len() as u64 + 1)) as usize;
        let (_, seek) = s.state_at(pos);
        folded = folded.max(seek.folded);
    });
    report("replay seek (Session::state_at)", seeks, Some(16.0));
    println!("  at most {folded} frames folded after a snapshot");
    let mut rng = Rng(11);
    let until_s = trailview_core::time::format_us(until);
    let since_s = trailview_core::time::format_us(since);
    // The API caches the session; the first call loads it.
    let req = |at: String| ReplayRequest {
        tenant: Some(t.clone()),
        since: Some(since_s.clone()),
        until: Some(until_s.clone()),
        at: Some(at),
        ..Default::default()
    };
    api::replay(store, &req("end".into())).expect("replay");
    let seqs: Vec<i64> = s.frames.iter().map(|f| f.seq).collect();
    report(
        "replay (api, cached session: seek + views)",
        time_runs(runs, || {
            let seq = seqs[(rng.next() % seqs.len() as u64) as usize];
            api::replay(store, &req(seq.to_string())).unwrap();
        }),
        None,
    );
}
