//! Issue #5 — the live writer's contracts, in-process against real store files: an outcome is
//! answered only after its transaction committed; every record gets exactly one outcome, in
//! order; two writers of one file continue each other's chain; a token's tenants bound what it
//! writes.

use std::sync::Arc;

use serde_json::json;
use trailview_core::ingest::{self, FixedClock};
use trailview_core::live::protocol::{self, AckStatus};
use trailview_core::live::tokens::{self, Grant};
use trailview_core::live::writer::{LiveWriter, WriterOptions};
use trailview_core::normalize::Reason;
use trailview_core::store::{Item, Origin, Outcome, Store};

fn line(id: &str, tenant: &str) -> Vec<u8> {
    json!({"eventId": id, "type": "code.analysis.complete", "source": "live",
           "orgId": tenant, "timestamp": "2026-11-01T10:00:00Z", "data": {}})
    .to_string()
    .into_bytes()
}

fn item(id: &str, tenant: &str) -> Item {
    ingest::prepare_bytes(
        line(id, tenant),
        Origin {
            source: Arc::from("test"),
            line: Some(1),
            index: None,
            offset: Some(0),
        },
        1,
    )
}

fn opts() -> WriterOptions {
    WriterOptions {
        clock: Arc::new(FixedClock(1_777_939_200_000_000)),
        ..WriterOptions::default()
    }
}

#[test]
fn an_outcome_is_answered_only_after_its_records_are_committed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let (w, thread) = LiveWriter::start(&path, opts()).unwrap();
    // Many producers at once: each sees its own records' outcomes, in order, and a fresh
    // read-only connection (another process, say) already sees every accepted one.
    let producers: Vec<_> = (0..8)
        .map(|p| {
            let (w, path) = (w.clone(), path.clone());
            std::thread::spawn(move || {
                for batch in 0..20 {
                    let items: Vec<Item> = (0..50)
                        .map(|i| item(&format!("p{p}-b{batch}-{i}"), "acme"))
                        .collect();
                    let outcomes = w
                        .submit_blocking(items, None)
                        .unwrap()
                        .blocking_outcomes()
                        .unwrap();
                    assert_eq!(outcomes.len(), 50);
                    let reader = Store::open_read_only(&path).unwrap();
                    for o in &outcomes {
                        let Outcome::Accepted { seq } = o else {
                            panic!("{o:?}")
                        };
                        assert!(*seq <= reader.last_seq(), "acked before committed");
                    }
                }
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    drop(w);
    thread.join();
    let s = Store::open_read_only(&path).unwrap();
    assert_eq!(s.last_seq(), 8 * 20 * 50);
    assert!(s.verify().unwrap().ok);
}

#[test]
fn two_writers_of_one_file_continue_each_others_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let mut a = Store::open(&path).unwrap();
    let mut b = Store::open(&path).unwrap();
    for i in 0..10 {
        let (w, other) = if i % 2 == 0 {
            (&mut a, "a")
        } else {
            (&mut b, "b")
        };
        let out = w.append(&[item(&format!("{other}{i}"), "acme")]).unwrap();
        assert_eq!(out, [Outcome::Accepted { seq: i + 1 }]);
    }
    let v = Store::open_read_only(&path).unwrap().verify().unwrap();
    assert!(v.ok, "{v:?}");
    assert_eq!(v.events, 10);
}

#[test]
fn an_event_outside_the_grant_is_refused_and_quarantined_never_stored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let mut store = Store::open(&path).unwrap();
    let (tok, info) = tokens::create(&mut store, &["acme".into()], "t", 0).unwrap();
    let grant = tokens::authenticate(&store, &tok).unwrap().unwrap();
    assert_eq!(grant.token_id, Some(info.id));
    assert!(tokens::authenticate(&store, "tv_other").unwrap().is_none());
    let src: Arc<str> = Arc::from("tcp:test");
    let mut records = protocol::line_records(line("ok", "acme"), &src, 2, 0, 1, &grant);
    records.extend(protocol::line_records(
        line("no", "globex"),
        &src,
        3,
        90,
        1,
        &grant,
    ));
    let batch = format!(
        "[{},{}]",
        String::from_utf8(line("b0", "acme")).unwrap(),
        String::from_utf8(line("b1", "initech")).unwrap()
    );
    records.extend(protocol::line_records(
        batch.into_bytes(),
        &src,
        4,
        180,
        1,
        &grant,
    ));
    let (items, metas): (Vec<_>, Vec<_>) = records.into_iter().map(|r| (r.item, r.meta)).unzip();
    let outcomes = store.append(&items).unwrap();
    let acks: Vec<_> = metas
        .into_iter()
        .zip(outcomes)
        .map(|(m, o)| m.ack(o))
        .collect();
    let got: Vec<_> = acks
        .iter()
        .map(|a| (a.line, a.index, a.status, a.reason.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (2, None, AckStatus::Accepted, None),
            (3, None, AckStatus::Rejected, Some("tenant_not_allowed")),
            (4, Some(0), AckStatus::Accepted, None),
            (4, Some(1), AckStatus::Rejected, Some("tenant_not_allowed")),
        ]
    );
    assert_eq!(store.last_seq(), 2);
    let q = store.quarantine(None).unwrap();
    assert_eq!(q.len(), 2);
    assert!(q
        .iter()
        .all(|r| r.reason == Reason::TenantNotAllowed.code()));
    // Revoked: authenticates no more.
    tokens::revoke(&mut store, info.id, 5).unwrap();
    assert!(tokens::authenticate(&store, &tok).unwrap().is_none());
    // The Unix socket's grant covers every tenant.
    assert!(Grant::any_tenant().allows("anyone"));
}

#[test]
fn a_hello_is_only_the_hello_keys() {
    assert!(protocol::parse_hello(br#"{"token":"tv_x"}"#).is_some());
    assert!(protocol::parse_hello(br#"{"stream":"s","first_line":7}"#).is_some());
    assert!(protocol::parse_hello(&line("e", "acme")).is_none());
    assert!(
        protocol::parse_hello(br#"{"token":"tv_x","timestamp":"2026-01-01T00:00:00Z"}"#).is_none()
    );
}

/// The derived indexes (histogram rollup, text search) follow what the live writer appends once
/// it is idle, batch after batch, without anyone asking: a person searching a few seconds after
/// a stream stops searches the index, not a scan of the whole tail.
#[test]
fn the_derived_indexes_catch_up_once_the_writer_is_idle() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let (w, thread) = LiveWriter::start(&path, opts()).unwrap();
    // More than one text batch (20k), in many small jobs, as a stream arrives.
    for b in 0..50 {
        let items: Vec<Item> = (0..500)
            .map(|i| item(&format!("d{b}-{i}"), "acme"))
            .collect();
        w.submit_blocking(items, None)
            .unwrap()
            .blocking_outcomes()
            .unwrap();
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let s = Store::open_read_only(&path).unwrap();
        assert_eq!(s.last_seq(), 25_000);
        if s.rollup_seq().unwrap() == 25_000 && s.text_seq().unwrap() == 25_000 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "idle writer left the derived indexes at rollup {} / text {}",
            s.rollup_seq().unwrap(),
            s.text_seq().unwrap()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    drop(w);
    thread.join();
}
