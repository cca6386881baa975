//! The timeline's read side: keyset paging both ways, counts, histograms, personal timelines.

use std::sync::Arc;

use trailview_core::generate::{generate, GenConfig};
use trailview_core::ingest::{ingest_reader, FixedClock, IngestOptions};
use trailview_core::query::{EventQuery, StoredEvent, TenantScope, TypePattern};
use trailview_core::store::Store;
use trailview_core::time::parse_rfc3339;

fn store_with(events: u64) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("t.db")).unwrap();
    let mut data = Vec::new();
    let cfg = GenConfig {
        events,
        tenants: 4,
        ..GenConfig::default()
    };
    generate(&cfg, &mut data).unwrap();
    let opts = IngestOptions {
        clock: Arc::new(FixedClock(1_800_000_000_000_000)),
        ..IngestOptions::default()
    };
    let s = ingest_reader(&mut store, &data[..], "gen", None, &opts, &mut |_| {}).unwrap();
    assert_eq!(s.accepted, events, "every generated event is accepted");
    (dir, store)
}

fn key(e: &StoredEvent) -> (i64, i64) {
    assert_eq!(parse_rfc3339(&e.occurred_at).unwrap(), e.occurred_at_us);
    (e.occurred_at_us, e.seq)
}

fn busiest_tenant(store: &Store) -> String {
    let stats = store.stats().unwrap();
    stats
        .tenants
        .iter()
        .max_by_key(|t| t.events)
        .unwrap()
        .tenant
        .clone()
}

#[test]
fn paging_forward_and_backward_visits_every_event_once_in_order() {
    let (_dir, store) = store_with(2_000);
    let tenant = busiest_tenant(&store);
    let all = store
        .events(&EventQuery::new(TenantScope::One(tenant.clone())))
        .unwrap();
    assert!(all.len() > 300);
    assert!(
        all.windows(2).all(|w| key(&w[0]) < key(&w[1])),
        "ordered by (occurred_at, seq)"
    );

    let mut forward = Vec::new();
    let mut q = EventQuery::new(TenantScope::One(tenant.clone()));
    q.limit = Some(97);
    loop {
        let page = store.events(&q).unwrap();
        let Some(last) = page.last() else { break };
        q.after = Some(key(last));
        forward.extend(page);
    }
    assert_eq!(forward, all);

    let mut backward = Vec::new();
    let mut q = EventQuery::new(TenantScope::One(tenant.clone()));
    q.descending = true;
    q.limit = Some(61);
    loop {
        let page = store.events(&q).unwrap();
        let Some(last) = page.last() else { break };
        q.before = Some(key(last));
        backward.extend(page);
    }
    backward.reverse();
    assert_eq!(backward, all);

    assert_eq!(
        store
            .count(&EventQuery::new(TenantScope::One(tenant)))
            .unwrap(),
        all.len() as u64
    );
}

#[test]
fn histogram_bins_add_up_to_the_count_and_respect_filters() {
    let (_dir, store) = store_with(2_000);
    let tenant = busiest_tenant(&store);
    let mut q = EventQuery::new(TenantScope::One(tenant));
    let all = store.events(&q).unwrap();
    let from = key(&all[0]).0;
    let to = key(all.last().unwrap()).0 + 1;
    let bins = store.histogram(&q, from, to, 50).unwrap();
    assert_eq!(bins.len(), 50);
    assert_eq!(bins.iter().map(|b| b.count).sum::<u64>(), all.len() as u64);
    assert!(bins.windows(2).all(|w| w[0].start_us < w[1].start_us));

    q.types = Some(TypePattern::new("approval*").unwrap());
    let filtered: u64 = store
        .histogram(&q, from, to, 50)
        .unwrap()
        .iter()
        .map(|b| b.count)
        .sum();
    assert_eq!(filtered, store.count(&q).unwrap());
    assert!(filtered < all.len() as u64);
}

#[test]
fn a_personal_timeline_spans_products_and_dialects_in_order() {
    let (_dir, store) = store_with(3_000);
    let tenant = busiest_tenant(&store);
    let everyone = store
        .events(&EventQuery::new(TenantScope::One(tenant.clone())))
        .unwrap();
    let mut users: Vec<&str> = everyone
        .iter()
        .filter_map(|e| e.user_id.as_deref())
        .collect();
    users.sort();
    users.dedup();
    // The user with the most dialects.
    let (user, dialects) = users
        .iter()
        .map(|u| {
            let mut d: Vec<_> = everyone
                .iter()
                .filter(|e| e.user_id.as_deref() == Some(u))
                .map(|e| e.dialect)
                .collect();
            d.sort();
            d.dedup();
            (u.to_string(), d.len())
        })
        .max_by_key(|(_, n)| *n)
        .unwrap();
    assert!(dialects >= 2, "some user acts in several dialects");
    let mut q = EventQuery::new(TenantScope::One(tenant));
    q.user_id = Some(user.clone());
    let mine = store.events(&q).unwrap();
    let expected: Vec<_> = everyone
        .iter()
        .filter(|e| e.user_id.as_deref() == Some(user.as_str()))
        .cloned()
        .collect();
    assert_eq!(mine, expected);
}

#[test]
fn a_correlation_chain_is_found_exactly() {
    let (_dir, store) = store_with(1_000);
    let tenant = busiest_tenant(&store);
    let everyone = store
        .events(&EventQuery::new(TenantScope::One(tenant.clone())))
        .unwrap();
    let corr = everyone
        .iter()
        .find_map(|e| e.correlation_id.clone())
        .unwrap();
    let mut q = EventQuery::new(TenantScope::One(tenant));
    q.correlation_id = Some(corr.clone());
    let chain = store.events(&q).unwrap();
    let expected: Vec<_> = everyone
        .into_iter()
        .filter(|e| e.correlation_id.as_deref() == Some(corr.as_str()))
        .collect();
    assert!((3..=12).contains(&expected.len()));
    assert_eq!(chain, expected);
}

// ---------------------------------------------------------------------------------------------
// Free-text search
// ---------------------------------------------------------------------------------------------

mod text {
    use super::*;
    use trailview_core::text::TextQuery;

    fn ingest_lines(store: &mut Store, lines: &[String]) {
        let data = lines.join("\n");
        let opts = IngestOptions {
            clock: Arc::new(FixedClock(1_800_000_000_000_000)),
            ..IngestOptions::default()
        };
        ingest_reader(store, data.as_bytes(), "lines", None, &opts, &mut |_| {}).unwrap();
    }

    fn spine(id: &str, tenant: &str, ty: &str, minute: u32, payload: &str) -> String {
        format!(
            r#"{{"eventId":"{id}","type":"{ty}","source":"meshos.review-agent","orgId":"{tenant}","timestamp":"2026-11-01T10:{minute:02}:00Z","data":{payload},"metadata":{{"correlationId":"corr_{id}"}}}}"#
        )
    }

    fn search(store: &Store, tenant: &str, text: &str) -> Vec<String> {
        let mut q = EventQuery::new(TenantScope::One(tenant.into()));
        q.text = TextQuery::parse(text);
        store
            .events(&q)
            .unwrap()
            .into_iter()
            .map(|e| e.id)
            .collect()
    }

    fn fixture(store: &mut Store) {
        ingest_lines(
            store,
            &[
                spine(
                    "e1",
                    "acme",
                    "review.agent.complete",
                    1,
                    r#"{"summary":"Refund approved for Alice","amount":4200}"#,
                ),
                spine(
                    "e2",
                    "acme",
                    "review.agent.failed",
                    2,
                    r#"{"summary":"timeout talking to the ledger"}"#,
                ),
                spine(
                    "e3",
                    "acme",
                    "code.analysis.complete",
                    3,
                    r#"{"note":"<img src=x onerror=alert(1)>","who":"Zoë"}"#,
                ),
                spine(
                    "e4",
                    "globex",
                    "review.agent.complete",
                    4,
                    r#"{"summary":"Refund approved for Alice"}"#,
                ),
            ],
        );
    }

    #[test]
    fn finds_words_in_payload_type_and_ids_within_the_tenant_only() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("t.db")).unwrap();
        fixture(&mut store);
        store.index_text(|_, _| {}).unwrap();
        assert_eq!(search(&store, "acme", "refund alice"), ["e1"]);
        assert_eq!(search(&store, "acme", "REFUND"), ["e1"], "case-insensitive");
        assert_eq!(search(&store, "acme", "ledg"), ["e2"], "word prefixes");
        assert_eq!(search(&store, "acme", "failed"), ["e2"], "the type's words");
        assert_eq!(search(&store, "acme", "e3"), ["e3"], "the id");
        assert_eq!(search(&store, "acme", "4200"), ["e1"], "numbers");
        assert_eq!(search(&store, "acme", "zoë"), ["e3"]);
        assert_eq!(
            search(&store, "acme", "onerror"),
            ["e3"],
            "markup is just words"
        );
        assert_eq!(
            search(&store, "globex", "refund"),
            ["e4"],
            "never another tenant's"
        );
        assert!(
            search(&store, "acme", "refund bob").is_empty(),
            "every word is required"
        );
        assert!(
            search(&store, "acme", "efund").is_empty(),
            "a word's start, not any substring"
        );
    }

    #[test]
    fn operators_and_quotes_in_user_text_are_plain_words() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("t.db")).unwrap();
        fixture(&mut store);
        store.index_text(|_, _| {}).unwrap();
        // FTS5 syntax would be an error or match everything; here they are words nobody wrote.
        assert!(search(&store, "acme", "\"refund\" OR *").is_empty());
        assert_eq!(
            search(&store, "acme", "refund AND alice"),
            Vec::<String>::new()
        );
        assert_eq!(
            search(&store, "acme", "refund: alice"),
            ["e1"],
            "a column filter is not one"
        );
    }

    /// A store whose text index lags (another process appended) answers exactly like an
    /// indexed one: list, count and histogram.
    #[test]
    fn the_unindexed_tail_answers_like_the_index() {
        let (dir, mut store) = store_with(3_000);
        let tenant = busiest_tenant(&store);
        let path = dir.path().join("t.db");
        // Then one- to four-character words, which the FTS5 prefix indexes answer.
        let queries = [
            "approval",
            "complete",
            "exec",
            "user 1",
            "zzzz-nothing",
            "a",
            "ap",
            "01j",
            "0",
            "evt_01",
        ];
        let answer = |store: &Store| {
            queries
                .iter()
                .map(|t| {
                    let mut q = EventQuery::new(TenantScope::One(tenant.clone()));
                    q.text = TextQuery::parse(t);
                    let ids: Vec<i64> = store.events(&q).unwrap().iter().map(|e| e.seq).collect();
                    let count = store.count(&q).unwrap();
                    let hist: Vec<u64> = store
                        .histogram(&q, 1_700_000_000_000_000, 1_900_000_000_000_000, 64)
                        .unwrap()
                        .iter()
                        .map(|b| b.count)
                        .collect();
                    (ids, count, hist)
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(store.text_seq().unwrap(), 0);
        let unindexed = answer(&Store::open_read_only(&path).unwrap());
        assert!(unindexed
            .iter()
            .take(3)
            .all(|(ids, count, _)| !ids.is_empty() && *count == ids.len() as u64));
        assert!(unindexed[4].0.is_empty());
        // Half indexed: some rows through FTS5, the rest through the tail.
        let report = store.index_text(|_, _| {}).unwrap();
        assert_eq!(report.indexed, 3_000);
        let indexed = answer(&Store::open_read_only(&path).unwrap());
        assert_eq!(indexed, unindexed);
        for (ids, count, hist) in &indexed {
            assert_eq!(*count, ids.len() as u64);
            assert_eq!(hist.iter().sum::<u64>(), *count);
        }
        // Idempotent: nothing left to do.
        assert_eq!(store.index_text(|_, _| {}).unwrap().indexed, 0);
    }

    /// A store indexed before the prefix indexes (schema 7), and before the tenant-numbered
    /// rowids (schema 13), is upgraded by recreating the text index and resetting its cursor: the events and their chain are untouched, every answer is
    /// the same before the rebuild (through the tail), and after it (through the new index).
    #[test]
    fn the_prefix_index_migration_rebuilds_only_the_text_index() {
        let (dir, mut store) = store_with(2_000);
        let path = dir.path().join("t.db");
        let tenant = busiest_tenant(&store);
        let queries = [
            "a",
            "ap",
            "01",
            "0",
            "exec",
            "complete user",
            "zzzz-nothing",
        ];
        let answer = |store: &Store| {
            queries
                .iter()
                .map(|t| {
                    let mut q = EventQuery::new(TenantScope::One(tenant.clone()));
                    q.text = TextQuery::parse(t);
                    let ids: Vec<i64> = store.events(&q).unwrap().iter().map(|e| e.seq).collect();
                    (ids, store.count(&q).unwrap())
                })
                .collect::<Vec<_>>()
        };
        // What FTS5 itself returns for each query, over the whole store.
        let fts = |path: &std::path::Path| {
            let conn = rusqlite::Connection::open(path).unwrap();
            queries
                .iter()
                .map(|t| {
                    let m = TextQuery::parse(t).unwrap().fts5();
                    let mut stmt = conn
                        .prepare("SELECT rowid FROM events_text WHERE events_text MATCH ?1")
                        .unwrap();
                    // The old table's rowids are seqs; the new one's carry the tenant too.
                    let mut seqs: Vec<i64> = stmt
                        .query_map([m], |r| r.get::<_, i64>(0))
                        .unwrap()
                        .map(|r| r.unwrap() & trailview_core::text::SEQ_MASK)
                        .collect();
                    seqs.sort_unstable();
                    seqs
                })
                .collect::<Vec<_>>()
        };
        store.index_text(|_, _| {}).unwrap();
        let expected = answer(&store);
        assert!(expected[0].1 > 0 && expected[6].1 == 0);
        let head = store.head();
        let last = store.last_seq();
        drop(store);
        // Make it a store of the schema before the prefix indexes (10: the prefix migration is
        // the last one), fully indexed by the old table.
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            let raws: Vec<(i64, Vec<u8>)> = {
                let mut stmt = conn
                    .prepare("SELECT seq, raw FROM events ORDER BY seq")
                    .unwrap();
                let rows = stmt
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                rows
            };
            conn.execute_batch(
                "DROP TABLE events_text;
                 CREATE VIRTUAL TABLE events_text USING fts5(
                     body, content = '', columnsize = 0, detail = none,
                     tokenize = 'unicode61 remove_diacritics 0');
                 DROP TABLE event_hours;
                 PRAGMA user_version = 10;",
            )
            .unwrap();
            for (seq, raw) in &raws {
                let doc = trailview_core::text::document(raw).unwrap();
                conn.execute(
                    "INSERT INTO events_text (rowid, body) VALUES (?1, ?2)",
                    rusqlite::params![seq, doc],
                )
                .unwrap();
            }
        }
        let old_matches = fts(&path);
        let mut store = Store::open(&path).unwrap();
        assert_eq!(store.text_seq().unwrap(), 0, "the cursor was reset");
        let sql: String = rusqlite::Connection::open(&path)
            .unwrap()
            .query_row(
                "SELECT sql FROM sqlite_master WHERE name = 'events_text'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(sql.contains("prefix"), "{sql}");
        // Before the rebuild every answer comes from the tail, and is the same.
        assert_eq!(answer(&store), expected);
        assert_eq!(store.index_text(|_, _| {}).unwrap().indexed, 2_000);
        assert_eq!(answer(&store), expected);
        // The prefix indexes return exactly what expanding each prefix over the terms did.
        assert_eq!(fts(&path), old_matches);
        assert!(old_matches.iter().take(5).all(|m| !m.is_empty()));
        // Each document is numbered by its tenant and seq (`text::rowid`), so a tenant's
        // documents are one rowid range.
        let conn = rusqlite::Connection::open(&path).unwrap();
        let (indexed, misnumbered): (i64, i64) = conn
            .query_row(
                "SELECT count(*), ifnull(sum(t.rowid >> ?2 != e.tenant), 0)
                 FROM events_text t JOIN events e ON e.seq = t.rowid & ?3
                 WHERE events_text MATCH ?1",
                rusqlite::params![
                    TextQuery::parse("0").unwrap().fts5(),
                    trailview_core::text::SEQ_BITS,
                    trailview_core::text::SEQ_MASK
                ],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert!(indexed > 1_000, "{indexed}");
        assert_eq!(misnumbered, 0);
        // The log itself did not move.
        assert_eq!(store.head(), head);
        assert_eq!(store.last_seq(), last);
        assert!(store.verify().unwrap().ok);
    }

    #[test]
    fn text_pages_with_keyset_cursors_like_any_filter() {
        let (_dir, mut store) = store_with(2_000);
        store.index_text(|_, _| {}).unwrap();
        let tenant = busiest_tenant(&store);
        let mut q = EventQuery::new(TenantScope::One(tenant));
        q.text = TextQuery::parse("complete");
        let all = store.events(&q).unwrap();
        assert!(all.len() > 20);
        let mut paged = Vec::new();
        q.limit = Some(7);
        loop {
            let page = store.events(&q).unwrap();
            let Some(last) = page.last() else { break };
            q.after = Some(key(last));
            paged.extend(page);
        }
        assert_eq!(paged, all);
    }

    /// A text page is found from its tenant's matches: at most 4,096 are read by seq; among more
    /// a page walks the timeline against them, read span by span around the seqs it reaches
    /// (or collected whole, for a word FTS5 cannot seek in); without a limit, the usual plan
    /// answers. A word longer than 4 characters is replaced by the terms it starts, up to 32.
    /// Whichever way, every page, both directions, must be exactly the unpaged answer's slice,
    /// and the count what it lists (9,000 events on 60 distinct minutes, so time order is not
    /// seq order, and the keyset ties are broken by seq).
    #[test]
    fn text_pages_are_the_whole_answer_whichever_plan_finds_them() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("t.db")).unwrap();
        let lines: Vec<String> = (0..9_000)
            .map(|i| {
                let tok = format!("word{i:05}");
                let mut words = vec![if i % 20 == 7 { "no" } else { "ok" }, &tok];
                if i % 2 == 0 {
                    words.push("okay");
                } else {
                    words.push("ab");
                }
                // The other tenant shares every word, and comes between acme's events in the
                // log (and in the text index's batches).
                let tenant = if i % 50 == 3 { "other" } else { "acme" };
                spine(
                    &format!("ev-{i}"),
                    tenant,
                    "job.step.completed",
                    (i * 7 % 60) as u32,
                    &format!(r#"{{"s":"{}"}}"#, words.join(" ")),
                )
            })
            .collect();
        ingest_lines(&mut store, &lines);
        store.index_text(|_, _| {}).unwrap();
        let tenant = store
            .events(&EventQuery::new(TenantScope::One("acme".into())))
            .unwrap();
        assert_eq!(tenant.len(), 8_820);
        for (word, matches) in [
            ("ok", 8_370), // many: walked
            ("ab", 4_320),
            ("okay", 4_500),
            ("no", 450), // few: read by seq
            ("o", 8_370),
            ("ok ev", 8_370),
            ("zq", 0),
            // Longer than the prefix indexes: the terms a word starts replace it in the query
            // (10 terms here, 9 of them acme's), unless there are more than 32 (100, 1,000,
            // 9,000: all of them collected, then walked).
            ("word0000", 9),
            ("word000", 98),
            ("word00", 980),
            ("word0", 8_820),
            ("word08 okay", 500),
        ] {
            let t = TextQuery::parse(word).unwrap();
            let mut q = EventQuery::new(TenantScope::One("acme".into()));
            q.text = Some(t.clone());
            let all = store.events(&q).unwrap();
            let expected: Vec<_> = tenant
                .iter()
                .filter(|e| t.matches_raw(e.raw.as_bytes()))
                .cloned()
                .collect();
            assert_eq!(all.len(), matches, "{word:?}");
            assert_eq!(all, expected, "{word:?}");
            assert_eq!(store.count(&q).unwrap(), matches as u64, "{word:?}");
            for limit in [1, 97, 1_000] {
                for descending in [false, true] {
                    let mut q = q.clone();
                    q.limit = Some(limit);
                    q.descending = descending;
                    let mut paged = Vec::new();
                    let mut pages = 0;
                    loop {
                        let page = store.events(&q).unwrap();
                        assert!(page.len() as u64 <= limit);
                        let Some(last) = page.last() else { break };
                        if descending {
                            q.before = Some(key(last));
                        } else {
                            q.after = Some(key(last));
                        }
                        paged.extend(page);
                        pages += 1;
                        // Pages of one: only the first few, each against the answer's head.
                        if limit == 1 && pages == 30 {
                            break;
                        }
                    }
                    if descending {
                        paged.reverse();
                    }
                    let want: &[StoredEvent] = match (limit, descending) {
                        (1, false) => &all[..all.len().min(30)],
                        (1, true) => &all[all.len().saturating_sub(30)..],
                        _ => &all,
                    };
                    assert_eq!(
                        paged, want,
                        "{word:?}, pages of {limit}, descending {descending}"
                    );
                }
            }
        }
        // Every tenant at once: the same words, over the whole index.
        for word in ["okay", "no"] {
            let t = TextQuery::parse(word).unwrap();
            let mut q = EventQuery::new(TenantScope::All);
            q.text = Some(t.clone());
            let all = store.events(&q).unwrap();
            assert_eq!(all.len(), if word == "no" { 450 } else { 4_500 });
            assert!(all.iter().all(|e| t.matches_raw(e.raw.as_bytes())));
            assert_eq!(store.count(&q).unwrap(), all.len() as u64);
        }
    }
}

/// The strip over a whole tenant comes from the per-minute rollup; it must count exactly what
/// the events index counts, before the rollup, part-way, and after it.
#[test]
fn the_rollup_histogram_counts_what_the_events_index_counts() {
    let (dir, mut store) = store_with(3_000);
    let path = dir.path().join("t.db");
    let tenant = busiest_tenant(&store);
    let scoped = EventQuery::new(TenantScope::One(tenant.clone()));
    // `**` matches every type but is a filter, so it takes the events-index path.
    let mut every_type = scoped.clone();
    every_type.types = Some(TypePattern::new("**").unwrap());
    let (from, to) = (1_700_000_000_000_000 + 17, 1_900_000_000_000_000);
    let first = store.events(&{
        let mut q = scoped.clone();
        q.limit = Some(1);
        q
    });
    let first = first.unwrap()[0].occurred_at_us;
    const HOUR: i64 = 3_600_000_000;
    let compare = |store: &Store, expect_total: u64| {
        // Years in 1–200 bins (hour grain), and three hours from the first event in 7–60 bins
        // (minute grain).
        for (from, to, buckets) in [
            (from, to, 1),
            (from, to, 7),
            (from, to, 200),
            (first - 17, first + 3 * HOUR, 7),
            (first - 17, first + 3 * HOUR, 60),
        ] {
            for q in [&scoped, &EventQuery::new(TenantScope::All)] {
                let rolled = store.histogram(q, from, to, buckets).unwrap();
                let grain = if (to - from) / i64::from(buckets) >= HOUR {
                    HOUR
                } else {
                    60_000_000
                };
                assert!(
                    rolled.iter().all(|b| b.start_us % grain == 0),
                    "whole minutes, or hours for bins of an hour or more"
                );
                assert!(rolled.iter().map(|b| b.count).sum::<u64>() > 0);
                assert!(rolled[0].start_us <= from);
                let width = rolled
                    .get(1)
                    .map_or(to - rolled[0].start_us, |b| b.start_us - rolled[0].start_us);
                let mut exact = every_type.clone();
                exact.tenant = q.tenant.clone();
                let scanned = store
                    .histogram(
                        &exact,
                        rolled[0].start_us,
                        rolled[0].start_us + width * i64::from(buckets),
                        buckets,
                    )
                    .unwrap();
                assert_eq!(rolled, scanned, "{buckets} bins, {:?}", q.tenant);
            }
        }
        let total: u64 = store
            .histogram(&scoped, from, to, 50)
            .unwrap()
            .iter()
            .map(|b| b.count)
            .sum();
        assert_eq!(total, expect_total);
    };
    let expected = store.count(&scoped).unwrap();
    compare(&Store::open_read_only(&path).unwrap(), expected); // nothing rolled up yet
    assert_eq!(store.roll_up().unwrap(), 3_000);
    compare(&Store::open_read_only(&path).unwrap(), expected);
    // More events arrive: part rolled, part tail.
    let mut more = Vec::new();
    generate(
        &GenConfig {
            events: 500,
            tenants: 4,
            seed: 99,
            ..GenConfig::default()
        },
        &mut more,
    )
    .unwrap();
    let opts = IngestOptions {
        clock: Arc::new(FixedClock(1_800_000_000_000_000)),
        ..IngestOptions::default()
    };
    ingest_reader(&mut store, &more[..], "more", None, &opts, &mut |_| {}).unwrap();
    let expected = store.count(&scoped).unwrap();
    compare(&Store::open_read_only(&path).unwrap(), expected);
    store.roll_up().unwrap();
    assert_eq!(store.roll_up().unwrap(), 0, "idempotent");
    compare(&Store::open_read_only(&path).unwrap(), expected);
    // A store rolled up before `event_hours` existed (schema 11): the migration sums its minutes.
    drop(store);
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("DROP TABLE event_hours; PRAGMA user_version = 11;")
        .unwrap();
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.roll_up().unwrap(), 0, "the cursor stayed");
    compare(&Store::open_read_only(&path).unwrap(), expected);
}

/// A viewer sees the first rows of a big import long before it ends: the first commit comes
/// after `first_commit` records, and progress says how many stored events are visible.
#[test]
fn the_first_rows_are_visible_while_an_import_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let mut store = Store::open(&path).unwrap();
    let mut data = Vec::new();
    generate(
        &GenConfig {
            events: 30_000,
            tenants: 2,
            ..GenConfig::default()
        },
        &mut data,
    )
    .unwrap();
    let opts = IngestOptions {
        clock: Arc::new(FixedClock(1_800_000_000_000_000)),
        first_commit: 2_000,
        ..IngestOptions::default()
    };
    let reader = Store::open_read_only(&path).unwrap();
    let total = data.len() as u64;
    let mut seen_early = None;
    ingest_reader(&mut store, &data[..], "big", Some(total), &opts, &mut |p| {
        if seen_early.is_none() && p.committed > 0 && p.bytes_read < total {
            // What a reader sees mid-import is exactly what progress calls committed.
            let visible = reader.count(&EventQuery::new(TenantScope::All)).unwrap();
            seen_early = Some((visible, p.committed, p.file.accepted));
        }
    })
    .unwrap();
    let (visible, committed, accepted) = seen_early.expect("rows became visible before the end");
    assert_eq!(visible, committed);
    assert!((2_000..30_000).contains(&committed), "{committed}");
    assert!(accepted < 30_000);
}

/// `stats` counts per tenant and dialect from the rollup plus its tail: the same answer as
/// counting every event, before the rollup, after it, and with new events past its cursor.
#[test]
fn stats_from_the_rollup_equal_counting_every_event() {
    use std::collections::BTreeMap;
    let (_dir, mut store) = store_with(2_000);
    let naive = |store: &Store| {
        let mut tenants = BTreeMap::new();
        let mut dialects = BTreeMap::new();
        for e in store.events(&EventQuery::new(TenantScope::All)).unwrap() {
            let t = tenants
                .entry(e.tenant.clone())
                .or_insert((0u64, i64::MAX, i64::MIN));
            t.0 += 1;
            t.1 = t.1.min(e.occurred_at_us);
            t.2 = t.2.max(e.occurred_at_us);
            *dialects
                .entry(e.dialect.as_str().to_owned())
                .or_insert(0u64) += 1;
        }
        (tenants, dialects)
    };
    let check = |store: &Store| {
        let s = store.stats().unwrap();
        let (tenants, dialects) = naive(store);
        let got: BTreeMap<_, _> = s
            .tenants
            .iter()
            .map(|t| {
                (
                    t.tenant.clone(),
                    (
                        t.events,
                        parse_rfc3339(&t.first_occurred_at).unwrap(),
                        parse_rfc3339(&t.last_occurred_at).unwrap(),
                    ),
                )
            })
            .collect();
        assert_eq!(got, tenants);
        assert_eq!(s.dialects, dialects);
        assert_eq!(s.events, tenants.values().map(|t| t.0).sum::<u64>());
    };
    assert_eq!(store.rollup_seq().unwrap(), 0);
    check(&store); // all tail
    store.roll_up().unwrap();
    check(&store); // all rolled up
    let mut more = Vec::new();
    generate(
        &GenConfig {
            events: 500,
            tenants: 6,
            seed: 99,
            ..GenConfig::default()
        },
        &mut more,
    )
    .unwrap();
    ingest_reader(
        &mut store,
        &more[..],
        "more",
        None,
        &IngestOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    assert!(store.rollup_seq().unwrap() < store.last_seq());
    check(&store); // rolled up + tail
}
