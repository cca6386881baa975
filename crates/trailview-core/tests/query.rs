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
