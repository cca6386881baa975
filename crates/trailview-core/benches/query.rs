//! Timeline query benchmark: `cargo bench -p trailview-core --bench query -- --db STORE`
//! (a store made by `trailview ingest`, e.g. of `trailview generate --events 1000000`).
//!
//! For the busiest tenant and each filter a view uses, it times a page of 200 events (p50 / p99
//! over many runs: a quarter the oldest page, a quarter the newest, half at random keyset
//! cursors; and the newest page's p50 apart), the count, and the histogram of the tenant's whole
//! range. A benchmark, not a test: read the figures beside the load the run printed.
//!
//! `--fts-prefix "2 3"` (or `none`) first recreates the derived text index with that FTS5
//! `prefix=` option and rebuilds it, printing the build time and the index size, so prefix-index
//! configurations can be compared on the same store (the store keeps the last one; the next
//! migration or a plain run leaves it as it is).

use std::path::PathBuf;
use std::time::Instant;

use trailview_core::query::{EventQuery, TenantScope, TypePattern};
use trailview_core::store::Store;
use trailview_core::text::TextQuery;

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

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let db = args
        .iter()
        .position(|a| a == "--db")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from)
        .expect("--db STORE (a store made by `trailview ingest`)");
    let runs: usize = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .map_or(200, |n| n.parse().expect("--runs N"));
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let fts_prefix = args
        .iter()
        .position(|a| a == "--fts-prefix")
        .and_then(|i| args.get(i + 1))
        .cloned();
    // Open (and migrate) once, so a rebuild below is not undone by a migration after it.
    drop(Store::open(&db).expect("open store for writing"));
    if let Some(prefix) = &fts_prefix {
        rebuild_text_index(&db, prefix);
    }
    // `--fts-optimize`: merge the text index into one segment first (FTS5 'optimize').
    if args.iter().any(|a| a == "--fts-optimize") {
        let conn = rusqlite::Connection::open(&db).expect("open store");
        let t = Instant::now();
        conn.execute(
            "INSERT INTO events_text (events_text) VALUES ('optimize')",
            [],
        )
        .expect("optimize");
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .expect("checkpoint");
        println!("text index optimized in {:.2}s", t.elapsed().as_secs_f64());
    }
    // `--skip-text`: bring only the histogram rollup up to date and leave the text cases out (a
    // 10M-event store ingested with `--defer-indexes`, whose text index would take long to build).
    let skip_text = args.iter().any(|a| a == "--skip-text");
    if skip_text {
        let mut writer = Store::open(&db).expect("open store for writing");
        let t = Instant::now();
        writer.roll_up().expect("rollup");
        println!("rollup caught up in {:.2}s", t.elapsed().as_secs_f64());
    } else {
        // Upgrade the store if it is older, and bring the indexes these queries use (rollup,
        // text) up to date; the approval projections are not read here.
        let mut writer = Store::open(&db).expect("open store for writing");
        let t = Instant::now();
        writer.roll_up().expect("rollup");
        let cpu = on_cpu_secs();
        let text = writer.index_text(|_, _| {}).expect("text index");
        if text.indexed > 0 {
            println!(
                "derived indexes: {} events rolled up and text-indexed in {:.2}s ({:.2}s of text indexing on a CPU)",
                text.indexed,
                t.elapsed().as_secs_f64(),
                on_cpu_secs() - cpu
            );
        }
    }
    let store = Store::open_read_only(&db).expect("open store");
    let stats = store.stats().expect("stats");
    let tenant = stats
        .tenants
        .iter()
        .max_by_key(|t| t.events)
        .expect("a store with events")
        .clone();
    println!(
        "store: {} ({} events); tenant {:?} ({} events); load {}",
        db.display(),
        stats.events,
        tenant.tenant,
        tenant.events,
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let base = EventQuery::new(TenantScope::One(tenant.tenant.clone()));
    let sample = {
        let mut q = base.clone();
        q.limit = Some(2000);
        store.events(&q).expect("events")
    };
    let user = sample
        .iter()
        .find_map(|e| e.user_id.clone())
        .expect("a user");
    let source = sample
        .iter()
        .map(|e| e.source.clone())
        .find(|s| !s.is_empty())
        .expect("a source");
    let corr = sample
        .iter()
        .find_map(|e| e.correlation_id.clone())
        .expect("a correlation");
    let filters: Vec<(&str, EventQuery)> = vec![
        ("tenant only", base.clone()),
        ("type approval.* + approval_*", {
            let mut q = base.clone();
            q.types = Some(TypePattern::new("approval*").unwrap());
            q
        }),
        ("type **.requested", {
            let mut q = base.clone();
            q.types = Some(TypePattern::new("**.requested").unwrap());
            q
        }),
        ("user (personal timeline)", {
            let mut q = base.clone();
            q.user_id = Some(user);
            q
        }),
        ("source", {
            let mut q = base.clone();
            q.source = Some(source);
            q
        }),
        ("correlation", {
            let mut q = base.clone();
            q.correlation_id = Some(corr);
            q
        }),
        ("text: a common word", {
            let mut q = base.clone();
            q.text = TextQuery::parse("completed");
            q
        }),
        ("text: an id prefix", {
            let mut q = base.clone();
            q.text = TextQuery::parse(&sample[1234].id[..8]);
            q
        }),
    ];
    // What a person types first: the head of an id. The longest word of a time-ordered id (a
    // ULID's or a UUIDv7's) starts with the same few characters across the whole store, so its
    // short prefixes expand to a great many distinct terms: the worst case for FTS5 without
    // prefix indexes.
    let mut filters = filters;
    let id_word = |id: &str| -> String {
        id.split(|c: char| !c.is_alphanumeric())
            .max_by_key(|w| w.len())
            .unwrap_or("")
            .to_lowercase()
    };
    let time_word = sample
        .iter()
        .map(|e| id_word(&e.id))
        .find(|w| w.len() == 26)
        .unwrap_or_else(|| id_word(&sample[1234].id));
    // And a random word (a UUIDv4's or a hex id's), whose heads spread over many terms evenly.
    let random_word = sample
        .iter()
        .map(|e| id_word(&e.id))
        .find(|w| w.len() != 26 && w.len() >= 8 && !w.starts_with('0'))
        .unwrap_or_else(|| id_word(&sample[1234].id));
    let mut short = Vec::new();
    for (what, word) in [("ULID", &time_word), ("random id", &random_word)] {
        for n in [1, 2, 3, 4, 5] {
            if let Some(p) = word.get(..n) {
                short.push((format!("text: {what} head {p:?}"), p.to_owned()));
            }
        }
    }
    let short: Vec<(&'static str, EventQuery)> = short
        .into_iter()
        .map(|(name, p)| {
            let mut q = base.clone();
            q.text = TextQuery::parse(&p);
            (&*Box::leak(name.into_boxed_str()), q)
        })
        .collect();
    filters.extend(short);
    if skip_text {
        filters.retain(|(name, _)| !name.starts_with("text:"));
    }
    // `--only PREFIX`: the cases whose name starts with it (`--only text:`).
    if let Some(only) = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
    {
        filters.retain(|(name, _)| name.starts_with(only.as_str()));
    }
    let first = sample[0].occurred_at_us;
    let last = store
        .events(&{
            let mut q = base.clone();
            q.descending = true;
            q.limit = Some(1);
            q
        })
        .expect("last")[0]
        .occurred_at_us;
    let mut rng = Rng(42);
    println!(
        "{:<34} {:>10} {:>10} {:>10} {:>10} {:>8}",
        "filter", "page p50", "page p99", "newest p50", "count", "matches"
    );
    for (name, q) in &filters {
        let mut times = Vec::with_capacity(runs);
        let mut newest = Vec::new();
        for i in 0..runs {
            let mut q = q.clone();
            q.limit = Some(200);
            match i % 4 {
                // The oldest 200, and the newest 200 (what a view shows first).
                0 => {}
                2 => q.descending = true,
                // Paging from a random point in time, forwards and backwards.
                _ => {
                    let at = first + (rng.next() % (last - first).max(1) as u64) as i64;
                    if i % 4 == 1 {
                        q.after = Some((at, 0));
                    } else {
                        q.before = Some((at, i64::MAX));
                        q.descending = true;
                    }
                }
            }
            let t = Instant::now();
            let page = store.events(&q).expect("page");
            let ms = t.elapsed().as_secs_f64() * 1e3;
            times.push(ms);
            if i % 4 == 2 {
                newest.push(ms);
            }
            std::hint::black_box(page);
        }
        times.sort_by(f64::total_cmp);
        newest.sort_by(f64::total_cmp);
        let t = Instant::now();
        let n = store.count(q).expect("count");
        let count_ms = t.elapsed().as_secs_f64() * 1e3;
        println!(
            "{name:<34} {:>8.2}ms {:>8.2}ms {:>8.2}ms {:>8.1}ms {n:>8}",
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            if newest.is_empty() {
                f64::NAN
            } else {
                percentile(&newest, 0.5)
            },
            count_ms
        );
    }
    // The strip: from the per-minute rollup (tenant only), and from the events index (`**`
    // matches every type but is a filter, so it counts events).
    let mut every_type = base.clone();
    every_type.types = Some(TypePattern::new("**").unwrap());
    for (name, q) in [("rollup", &base), ("events index", &every_type)] {
        let mut times = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            let bins = store.histogram(q, first, last + 1, 200).expect("histogram");
            times.push(t.elapsed().as_secs_f64() * 1e3);
            std::hint::black_box(bins);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "histogram, whole range, 200 bins, {name}: p50 {:.2}ms, max {:.2}ms",
            percentile(&times, 0.5),
            times[times.len() - 1]
        );
    }
}

/// Recreate the (derived) text index with FTS5 `prefix = '<prefix>'` (`none`: no prefix
/// indexes), rebuild it from the log, and print how long that took and how big it is.
fn rebuild_text_index(db: &std::path::Path, prefix: &str) {
    let option = match prefix {
        "none" | "" => String::new(),
        p => format!(", prefix = '{p}'"),
    };
    {
        let conn = rusqlite::Connection::open(db).expect("open store");
        conn.execute_batch(&format!(
            "BEGIN;
             DROP TABLE events_text;
             CREATE VIRTUAL TABLE events_text USING fts5(
                 body, content = '', columnsize = 0, detail = none,
                 tokenize = 'unicode61 remove_diacritics 0'{option});
             DELETE FROM meta WHERE key = 'text_seq';
             COMMIT;
             VACUUM;"
        ))
        .expect("recreate events_text");
    }
    let mut store = Store::open(db).expect("open store");
    let t = Instant::now();
    let cpu = on_cpu_secs();
    let report = store.index_text(|_, _| {}).expect("index text");
    let secs = t.elapsed().as_secs_f64();
    let cpu = on_cpu_secs() - cpu;
    store.checkpoint().expect("checkpoint");
    let bytes: i64 = rusqlite::Connection::open(db)
        .expect("open store")
        .query_row(
            "SELECT (SELECT ifnull(sum(length(block)), 0) FROM events_text_data)
                  + (SELECT count(*) * 16 FROM events_text_idx)",
            [],
            |r| r.get(0),
        )
        .expect("index size");
    let file = std::fs::metadata(db).map(|m| m.len()).unwrap_or(0);
    println!(
        "text index, prefix = {prefix:?}: {} events indexed in {secs:.2}s ({cpu:.2}s on a CPU); index ≈ {:.1} MB; store file {:.1} MB",
        report.indexed,
        bytes as f64 / 1e6,
        file as f64 / 1e6
    );
}

/// This thread's time on a CPU so far (`/proc/thread-self/schedstat`), which a loaded machine
/// does not inflate the way it does the wall clock.
fn on_cpu_secs() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns / 1e9)
}
