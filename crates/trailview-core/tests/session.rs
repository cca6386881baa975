//! The switchable store (issue #6): a `SharedStore` serves the user's store or a bundle opened in
//! its place. While a bundle is open reads go to it (its one tenant only) and every write is
//! refused with `read_only`; close returns to the user's store; a file that is not a bundle, or
//! whose manifest cannot be read, is refused and nothing switches; a readable but tampered
//! bundle opens with a broken badge saying where.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use trailview_core::api::{self, EventsRequest, LoadDemoRequest, SharedStore, StoreKind};
use trailview_core::bundle::{self, ExportFilter, ExportOptions, TrustStatus};
use trailview_core::generate::{self, GenConfig};
use trailview_core::keys::KeyRing;
use trailview_core::store::Store;

use common::*;

struct Setup {
    _dir: tempfile::TempDir,
    own: PathBuf,
    cache: PathBuf,
    keys: PathBuf,
    bundle: PathBuf,
    a: String,
    b: String,
    a_events: u64,
}

fn setup() -> Setup {
    let (dir, mut store) = temp_store();
    let mut data = Vec::new();
    generate::generate(
        &GenConfig {
            events: 800,
            tenants: 3,
            ..GenConfig::default()
        },
        &mut data,
    )
    .unwrap();
    ingest_bytes(&mut store, &data, "gen.ndjson");
    let stats = store.stats().unwrap();
    let mut tenants: Vec<_> = stats.tenants.iter().filter(|t| t.events > 0).collect();
    tenants.sort_by_key(|t| std::cmp::Reverse(t.events));
    let (a, b) = (tenants[0].tenant.clone(), tenants[1].tenant.clone());
    let a_events = tenants[0].events;
    let keys = dir.path().join("keys");
    let bundle = dir.path().join("case.trail");
    bundle::export(
        &store,
        &ExportOptions {
            tenant: a.clone(),
            filter: ExportFilter::default(),
            with_quarantine: true,
            producer: "test".into(),
            created_at: 0,
        },
        &KeyRing::new(&keys).identity().unwrap(),
        &bundle,
        &mut |_| {},
    )
    .unwrap();
    let own = store.path().to_owned();
    drop(store);
    Setup {
        cache: dir.path().join("cache"),
        own,
        keys,
        bundle,
        a,
        b,
        a_events,
        _dir: dir,
    }
}

fn shared(s: &Setup) -> SharedStore {
    SharedStore::open(&s.own)
        .unwrap()
        .with_bundle_dirs(&s.cache, &s.keys)
}

fn total(shared: &SharedStore, tenant: &str) -> u64 {
    let req = EventsRequest {
        filter: api::EventFilter::tenant(tenant),
        limit: Some(1),
        ..EventsRequest::default()
    };
    shared.read(|st| api::events(st, &req)).unwrap().total
}

/// Rewrites one part of a bundle (as `unzip`, an editor and `zip` would).
fn with_part(src: &Path, name: &str, edit: impl Fn(Vec<u8>) -> Vec<u8>, out: &Path) {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(src).unwrap()).unwrap();
    let mut w = zip::ZipWriter::new(std::fs::File::create(out).unwrap());
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut v = Vec::new();
        f.read_to_end(&mut v).unwrap();
        let part = f.name().to_owned();
        let v = if part == name { edit(v) } else { v };
        w.start_file(part, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(&v).unwrap();
    }
    w.finish().unwrap();
}

#[test]
fn reads_go_to_the_open_bundle_writes_are_refused_and_close_returns() {
    let s = setup();
    let shared = shared(&s);
    let own_b = total(&shared, &s.b);
    assert!(own_b > 0);
    let cur = shared.open_bundle(&s.bundle, None).unwrap();
    assert_eq!(cur.kind, StoreKind::Bundle);
    assert!(cur.read_only && shared.is_read_only());
    let b = cur.bundle.unwrap();
    assert_eq!(
        (b.file_name.as_str(), b.tenant.as_str()),
        ("case.trail", s.a.as_str())
    );
    assert_eq!(b.events, s.a_events);
    assert_eq!(b.report.status, TrustStatus::Trusted);
    assert_ne!(shared.served_path(), s.own);

    // Reads: the bundle, its one tenant only.
    assert_eq!(total(&shared, &s.a), s.a_events);
    assert_eq!(total(&shared, &s.b), 0, "another tenant never shows");
    let stats = shared.read(api::stats).unwrap();
    let names: Vec<_> = stats.tenants.iter().map(|t| t.tenant.clone()).collect();
    assert_eq!(names, vec![s.a.clone()]);
    // The user's own store, read on purpose, is untouched.
    assert_eq!(
        shared.read_own(|st| Ok(st.stats()?.events)).unwrap(),
        Store::open_read_only(&s.own)
            .unwrap()
            .stats()
            .unwrap()
            .events
    );

    // Writes: refused, and nothing reaches either store.
    let before = Store::open_read_only(&s.own).unwrap().stats().unwrap();
    let e = shared
        .write(|st| api::load_demo(st, &LoadDemoRequest { events: Some(5) }))
        .unwrap_err();
    assert_eq!(e.code, "read_only");
    assert_eq!(e.status(), 409);
    assert!(e.message.contains("case.trail"), "{e}");
    let req = api::ExportBundleRequest {
        filter: api::EventFilter::tenant(s.a.clone()),
        path: Some(s.bundle.with_file_name("again.trail").display().to_string()),
        with_quarantine: None,
    };
    assert_eq!(
        api::export_bundle_checked(&shared, &req, &mut |_| {})
            .unwrap_err()
            .code,
        "read_only"
    );
    assert_eq!(
        Store::open_read_only(&s.own).unwrap().stats().unwrap(),
        before
    );
    let cache_store = Store::open_read_only(&shared.served_path()).unwrap();
    assert_eq!(cache_store.stats().unwrap().events, s.a_events);

    // Close: back to the user's store, writable again.
    let cur = shared.close_bundle().unwrap();
    assert_eq!((cur.kind, cur.read_only), (StoreKind::Own, false));
    assert_eq!(shared.served_path(), s.own);
    assert_eq!(total(&shared, &s.b), own_b);
    shared
        .write(|st| api::load_demo(st, &LoadDemoRequest { events: Some(5) }))
        .unwrap();
}

#[test]
fn an_unreadable_bundle_is_refused_and_nothing_switches() {
    let s = setup();
    let shared = shared(&s);
    let dir = s.bundle.parent().unwrap();
    let no_manifest = dir.join("no-manifest.trail");
    with_part(
        &s.bundle,
        "manifest.json",
        |_| b"{ not json".to_vec(),
        &no_manifest,
    );
    let e = shared.open_bundle(&no_manifest, None).unwrap_err();
    assert_eq!(e.code, "bundle_malformed", "{e}");
    assert!(e.message.contains("manifest.json cannot be read"), "{e}");
    assert_eq!(shared.current_store().unwrap().kind, StoreKind::Own);
    let missing = shared
        .open_bundle(&dir.join("nope.trail"), None)
        .unwrap_err();
    assert_eq!(missing.code, "bundle_io", "{missing}");

    // With a bundle open, a refused one leaves it open.
    shared.open_bundle(&s.bundle, Some("Case 1234")).unwrap();
    assert!(shared.open_bundle(&no_manifest, None).is_err());
    let cur = shared.current_store().unwrap();
    assert_eq!(cur.bundle.unwrap().file_name, "Case 1234");
    shared.close_bundle().unwrap();
}

#[test]
fn a_tampered_bundle_opens_with_a_broken_badge_that_says_where() {
    let s = setup();
    let shared = shared(&s);
    let tampered = s.bundle.with_file_name("tampered.trail");
    with_part(
        &s.bundle,
        "events.ndjson",
        |mut v| {
            // One byte of the first event's payload.
            let at = v.iter().position(|&c| c == b':').unwrap() + 2;
            v[at] = if v[at] == b'x' { b'y' } else { b'x' };
            v
        },
        &tampered,
    );
    let cur = shared.open_bundle(&tampered, None).unwrap();
    let b = cur.bundle.unwrap();
    assert_eq!(b.report.status, TrustStatus::Broken);
    let first = b.report.first_break().unwrap();
    assert_eq!(first.position, Some(0), "{first:?}");
    // The changed event is not imported; the others are, of the one tenant only.
    assert_eq!(b.events, s.a_events - 1);
    assert_eq!(total(&shared, &s.b), 0);
    // The badge is judged again at each call: another installation's keys, unknown signer.
    let stranger = SharedStore::open(&s.own)
        .unwrap()
        .with_bundle_dirs(&s.cache, s.keys.with_file_name("other-keys"));
    let cur = stranger.open_bundle(&s.bundle, None).unwrap();
    assert_eq!(
        cur.bundle.unwrap().report.status,
        TrustStatus::UnknownSigner
    );
}

#[test]
fn an_event_shown_from_a_bundle_names_its_seq_in_the_exporting_store() {
    let s = setup();
    // The exporting store numbers the tenant's events among everyone else's.
    let own = Store::open_read_only(&s.own).unwrap();
    let req = EventsRequest {
        filter: api::EventFilter::tenant(s.a.clone()),
        limit: Some(500),
        ..EventsRequest::default()
    };
    let originals = api::events(&own, &req).unwrap().events;
    assert!(originals.len() > 10);
    assert!(
        originals.iter().any(|e| e.seq > s.a_events as i64),
        "the tenant's events are interleaved with others' in the source store"
    );
    drop(own);

    let shared = shared(&s);
    shared.open_bundle(&s.bundle, None).unwrap();
    // The timeline's rows carry it too (the detail drawer shows the row it was handed).
    let listed = shared.read(|st| api::events(st, &req)).unwrap().events;
    assert_eq!(listed.len(), originals.len());
    for (l, o) in listed.iter().zip(&originals) {
        assert_eq!((l.id.as_str(), l.source_seq), (o.id.as_str(), Some(o.seq)));
    }
    for o in originals.iter().step_by(7) {
        let shown = shared
            .read(|st| {
                api::event(
                    st,
                    &api::EventRequest {
                        tenant: Some(s.a.clone()),
                        id: Some(o.id.clone()),
                    },
                )
            })
            .unwrap();
        assert_eq!(shown.raw, o.raw);
        assert_eq!(shown.source_seq, Some(o.seq), "event {}", o.id);
        assert!(
            shown.seq <= s.a_events as i64,
            "renumbered 1..n in the cache"
        );
    }
    // The user's own store has no such numbers: its detail stays as it was.
    shared.close_bundle().unwrap();
    let own = shared
        .read(|st| {
            api::event(
                st,
                &api::EventRequest {
                    tenant: Some(s.a.clone()),
                    id: Some(originals[0].id.clone()),
                },
            )
        })
        .unwrap();
    assert_eq!(own.source_seq, None);
    assert!(!serde_json::to_string(&own).unwrap().contains("source_seq"));
}
