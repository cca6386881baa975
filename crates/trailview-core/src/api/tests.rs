//! The API as the UI sees it: parameters from query strings and JSON, codes of every refusal,
//! keyset paging, and the generated TypeScript.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rstest::rstest;
use serde::de::DeserializeOwned;
use ts_rs::{Config, TS};

use super::*;
use crate::ingest::FixedClock;

/// 2026-05-05T00:00:00Z, the `received_at` of every test store.
const RECEIVED_AT: Micros = 1_777_939_200_000_000;

/// A store of `events` generated events over 3 tenants, in its own temporary directory.
pub(super) fn store_with(events: u64) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("store.db")).unwrap();
    let mut ndjson = Vec::new();
    let cfg = GenConfig {
        events,
        tenants: 3,
        ..GenConfig::default()
    };
    generate::generate(&cfg, &mut ndjson).unwrap();
    let opts = IngestOptions {
        clock: Arc::new(FixedClock(RECEIVED_AT)),
        ..IngestOptions::default()
    };
    let size = Some(ndjson.len() as u64);
    ingest::ingest_reader(
        &mut store,
        Cursor::new(ndjson),
        "gen",
        size,
        &opts,
        &mut |_| {},
    )
    .unwrap();
    (dir, store)
}

/// An empty store: enough for every refusal, which happens before the store is asked.
fn empty() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store.db")).unwrap();
    (dir, store)
}

fn busiest_tenant(store: &Store) -> String {
    let stats = stats(store).unwrap();
    let busiest = stats.tenants.iter().max_by_key(|t| t.events).unwrap();
    busiest.tenant.clone()
}

/// A request from a query string, as `trailview serve` reads it.
pub(super) fn query<T: DeserializeOwned>(q: &str) -> T {
    serde_urlencoded::from_str(q).unwrap_or_else(|e| panic!("{q}: {e}"))
}

fn key(e: &StoredEvent) -> (Micros, i64) {
    (e.occurred_at_us, e.seq)
}

fn cursor_of(e: &StoredEvent) -> String {
    format!("{}:{}", e.occurred_at_us, e.seq)
}

#[test]
fn requests_read_the_same_from_a_query_string_and_from_json() {
    let from_query: EventsRequest =
        query("tenant=acme&type=approval.*&since=1700000000000&desc=true&limit=50&after=5:6");
    let from_json: EventsRequest = serde_json::from_str(
        r#"{"tenant":"acme","type":"approval.*","since":"1700000000000","desc":true,"limit":50,"after":"5:6"}"#,
    )
    .unwrap();
    assert_eq!(from_query, from_json);
    assert_eq!(from_query.filter.tenant.as_deref(), Some("acme"));
    assert_eq!(from_query.filter.types.as_deref(), Some("approval.*"));
    assert_eq!(from_query.limit, Some(50));
    assert_eq!(from_query.desc, Some(true));

    let h: HistogramRequest = query("tenant=&from=-5&to=1793491200000000&buckets=7");
    assert_eq!(
        h.filter.tenant.as_deref(),
        Some(""),
        "an empty tenant is the personal scope"
    );
    assert_eq!(
        (h.from, h.to, h.buckets),
        (Some(-5), Some(1_793_491_200_000_000), Some(7))
    );

    let absent: EventsRequest = query("");
    assert_eq!(absent, EventsRequest::default());
    let nulls: EventsRequest = serde_json::from_str(r#"{"limit":null,"desc":null}"#).unwrap();
    assert_eq!(nulls, EventsRequest::default());
}

#[rstest]
#[case::limit_not_a_number("tenant=a&limit=many")]
#[case::negative_limit("tenant=a&limit=-1")]
#[case::desc_not_a_flag("tenant=a&desc=perhaps")]
fn malformed_parameters_do_not_parse(#[case] q: &str) {
    assert!(serde_urlencoded::from_str::<EventsRequest>(q).is_err());
}

#[rstest]
#[case::events(|s: &Store| events(s, &query("limit=5")).map(drop))]
#[case::events_with_filters(|s: &Store| events(s, &query("type=**&since=0")).map(drop))]
#[case::histogram(|s: &Store| histogram(s, &query("from=0&to=10")).map(drop))]
#[case::event(|s: &Store| event(s, &query("id=x")).map(drop))]
fn every_read_of_events_needs_a_tenant(#[case] read: fn(&Store) -> Result<(), ApiError>) {
    let (_dir, store) = empty();
    let err = read(&store).unwrap_err();
    assert_eq!(err.code, "tenant_required");
    assert_eq!(err.status(), 400);
}

#[rstest]
#[case::unreadable_since("tenant=a&since=yesterday")]
#[case::local_time_without_offset("tenant=a&until=2026-11-01T10:00:00")]
#[case::empty_type_pattern("tenant=a&type=")]
#[case::blank_type_pattern("tenant=a&type=%20%20")]
#[case::empty_source("tenant=a&source=")]
#[case::empty_user("tenant=a&user=")]
#[case::empty_correlation("tenant=a&correlation=")]
#[case::empty_execution("tenant=a&execution=")]
fn unusable_filter_values_are_bad_filter(#[case] q: &str) {
    let (_dir, store) = empty();
    let err = events(&store, &query(q)).unwrap_err();
    assert_eq!(
        (err.code.as_str(), err.status()),
        ("bad_filter", 400),
        "{q}: {err}"
    );
    let err = histogram(&store, &query(&format!("{q}&from=0&to=10"))).unwrap_err();
    assert_eq!(err.code, "bad_filter", "{q}: {err}");
}

#[rstest]
#[case::limit_zero("tenant=a&limit=0")]
#[case::limit_too_big("tenant=a&limit=1001")]
#[case::cursor_without_seq("tenant=a&after=123")]
#[case::cursor_not_numbers("tenant=a&before=x:y")]
fn bad_paging_is_bad_request(#[case] q: &str) {
    let (_dir, store) = empty();
    let err = events(&store, &query(q)).unwrap_err();
    assert_eq!(
        (err.code.as_str(), err.status()),
        ("bad_request", 400),
        "{q}: {err}"
    );
}

#[rstest]
#[case::no_range("tenant=a")]
#[case::no_to("tenant=a&from=0")]
#[case::empty_range("tenant=a&from=10&to=10")]
#[case::reversed_range("tenant=a&from=10&to=5")]
#[case::zero_buckets("tenant=a&from=0&to=10&buckets=0")]
#[case::too_many_buckets("tenant=a&from=0&to=10&buckets=2001")]
#[case::beyond_year_9999("tenant=a&from=0&to=9223372036854775807")]
fn bad_histogram_ranges_are_bad_request(#[case] q: &str) {
    let (_dir, store) = empty();
    let err = histogram(&store, &query(q)).unwrap_err();
    assert_eq!(err.code, "bad_request", "{q}: {err}");
}

#[test]
fn limits_and_defaults() {
    let (_dir, store) = store_with(1500);
    let store = &store;
    let tenant = busiest_tenant(store);
    let page = events(store, &query(&format!("tenant={tenant}"))).unwrap();
    assert_eq!(page.events.len(), DEFAULT_LIMIT as usize);
    assert!(page.total > u64::from(DEFAULT_LIMIT));
    let page = events(store, &query(&format!("tenant={tenant}&limit=1000"))).unwrap();
    assert_eq!(page.events.len() as u64, page.total.min(1000));
    let buckets = histogram(store, &query(&format!("tenant={tenant}&from=0&to=100"))).unwrap();
    assert_eq!(buckets.len(), DEFAULT_BUCKETS as usize);
    for bad in [0, MAX_QUARANTINE_LIMIT + 1] {
        let err = quarantine(store, &QuarantineRequest { limit: Some(bad) }).unwrap_err();
        assert_eq!(err.code, "bad_request");
    }
    assert!(quarantine(store, &QuarantineRequest::default())
        .unwrap()
        .is_empty());
}

#[test]
fn paging_with_cursors_visits_every_event_once_both_ways() {
    let (_dir, store) = store_with(1500);
    let store = &store;
    let tenant = busiest_tenant(store);
    let everything = EventsRequest {
        filter: EventFilter::tenant(&tenant),
        limit: Some(MAX_LIMIT),
        ..EventsRequest::default()
    };
    let all = events(store, &everything).unwrap();
    assert_eq!(
        all.events.len() as u64,
        all.total,
        "the fixture fits one page"
    );
    assert!(all.total > 100);

    // Forwards, oldest first, 37 at a time.
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let req = EventsRequest {
            filter: EventFilter::tenant(&tenant),
            after: after.clone(),
            limit: Some(37),
            ..EventsRequest::default()
        };
        let page = events(store, &req).unwrap();
        assert_eq!(page.total, all.total, "total ignores the cursor");
        let Some(last) = page.events.last() else {
            break;
        };
        after = Some(cursor_of(last));
        seen.extend(page.events);
    }
    assert_eq!(seen, all.events);

    // Backwards from the end, newest first.
    let mut seen = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let req = EventsRequest {
            filter: EventFilter::tenant(&tenant),
            before: before.clone(),
            desc: Some(true),
            limit: Some(41),
            ..EventsRequest::default()
        };
        let page = events(store, &req).unwrap();
        assert!(page.events.windows(2).all(|w| key(&w[0]) > key(&w[1])));
        let Some(last) = page.events.last() else {
            break;
        };
        before = Some(cursor_of(last));
        seen.extend(page.events);
    }
    seen.reverse();
    assert_eq!(seen, all.events);

    // A window between two cursors.
    let (a, b) = (&all.events[10], &all.events[20]);
    let req = query::<EventsRequest>(&format!(
        "tenant={tenant}&after={}&before={}",
        cursor_of(a),
        cursor_of(b)
    ));
    let window = events(store, &req).unwrap();
    assert_eq!(window.events, all.events[11..20]);
}

/// Every page carries its filter's total, remembered per store, log length and filter: an
/// append (through this store or another connection) is counted at once.
#[test]
fn the_total_counts_what_was_appended_since_the_last_page() {
    let (dir, mut store) = store_with(300);
    let path = dir.path().join("store.db");
    let req = EventsRequest {
        filter: EventFilter::tenant("late-tenant"),
        limit: Some(10),
        ..EventsRequest::default()
    };
    let read = || Store::open_read_only(&path).unwrap();
    assert_eq!(events(&read(), &req).unwrap().total, 0);
    assert_eq!(events(&store, &req).unwrap().total, 0);
    for n in 1..=3u64 {
        let line = format!(
            r#"{{"eventId":"late-{n}","type":"job.step.completed","source":"meshos.agent","orgId":"late-tenant","timestamp":"2026-05-01T10:00:0{n}Z"}}"#
        );
        let opts = IngestOptions {
            clock: Arc::new(FixedClock(RECEIVED_AT)),
            ..IngestOptions::default()
        };
        ingest::ingest_reader(
            &mut store,
            line.as_bytes(),
            "late",
            None,
            &opts,
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(events(&store, &req).unwrap().total, n);
        assert_eq!(events(&read(), &req).unwrap().total, n);
        let mut later = req.clone();
        later.after = Some(cursor_of(&events(&read(), &req).unwrap().events[0]));
        assert_eq!(
            events(&read(), &later).unwrap().total,
            n,
            "total ignores the cursor"
        );
    }
}

#[test]
fn filters_narrow_the_page_and_the_total() {
    let (_dir, store) = store_with(1500);
    let store = &store;
    let tenant = busiest_tenant(store);
    let all = events(store, &query(&format!("tenant={tenant}&limit=1000")))
        .unwrap()
        .events;
    let sample = all
        .iter()
        .find(|e| e.user_id.is_some() && e.correlation_id.is_some())
        .expect("generated events have users and chains");

    let check = |q: String, keep: &dyn Fn(&StoredEvent) -> bool| {
        let page = events(store, &query(&format!("tenant={tenant}&limit=1000&{q}"))).unwrap();
        let expected: Vec<_> = all.iter().filter(|e| keep(e)).cloned().collect();
        assert!(!expected.is_empty(), "{q} matches something");
        assert_eq!(page.events, expected, "{q}");
        assert_eq!(page.total, expected.len() as u64, "{q}");
    };
    let user = sample.user_id.clone().unwrap();
    check(format!("user={user}"), &|e| {
        e.user_id.as_ref() == Some(&user)
    });
    let corr = sample.correlation_id.clone().unwrap();
    check(format!("correlation={corr}"), &|e| {
        e.correlation_id.as_ref() == Some(&corr)
    });
    let source = sample.source.clone();
    check(format!("source={source}"), &|e| e.source == source);
    let prefix = sample.kind.split('.').next().unwrap().to_owned();
    let pattern = TypePattern::new(&format!("{prefix}.*")).unwrap();
    check(format!("type={prefix}.*"), &|e| pattern.matches(&e.kind));
    let mid = all[all.len() / 2].occurred_at_us;
    check(format!("since={}", time::format_us(mid)), &|e| {
        e.occurred_at_us >= mid
    });
    let mid_ms = mid / 1000;
    check(format!("until={mid_ms}"), &|e| {
        e.occurred_at_us < mid_ms * 1000
    });

    // Another tenant's events never leak in, and an unknown tenant has none.
    assert!(all.iter().all(|e| e.tenant == tenant));
    let none = events(store, &query("tenant=nobody-at-all")).unwrap();
    assert_eq!((none.events.len(), none.total), (0, 0));
}

#[test]
fn one_event_by_identity_or_not_found() {
    let (_dir, store) = store_with(1500);
    let store = &store;
    let tenant = busiest_tenant(store);
    let first = events(store, &query(&format!("tenant={tenant}&limit=1")))
        .unwrap()
        .events
        .remove(0);
    let req = EventRequest {
        tenant: Some(tenant.clone()),
        id: Some(first.id.clone()),
    };
    assert_eq!(event(store, &req).unwrap(), first);

    let other_tenant = EventRequest {
        tenant: Some("someone-else".into()),
        id: Some(first.id.clone()),
    };
    let err = event(store, &other_tenant).unwrap_err();
    assert_eq!((err.code.as_str(), err.status()), ("not_found", 404));
    let unknown = query::<EventRequest>(&format!("tenant={tenant}&id=no-such-id"));
    assert_eq!(event(store, &unknown).unwrap_err().code, "not_found");
    let no_id = query::<EventRequest>(&format!("tenant={tenant}"));
    assert_eq!(event(store, &no_id).unwrap_err().code, "bad_request");
}

#[test]
fn histogram_bins_add_up_to_the_total() {
    let (_dir, store) = store_with(1500);
    let store = &store;
    let tenant = busiest_tenant(store);
    let s = stats(store).unwrap();
    let t = s.tenants.iter().find(|t| t.tenant == tenant).unwrap();
    let from = time::parse_rfc3339(&t.first_occurred_at).unwrap();
    let to = time::parse_rfc3339(&t.last_occurred_at).unwrap() + 1;
    let bins = histogram(
        store,
        &query(&format!("tenant={tenant}&from={from}&to={to}&buckets=24")),
    )
    .unwrap();
    assert_eq!(bins.len(), 24);
    assert_eq!(bins[0].start_us, from);
    assert_eq!(bins.iter().map(|b| b.count).sum::<u64>(), t.events);
    let typed = histogram(
        store,
        &query(&format!(
            "tenant={tenant}&from={from}&to={to}&type=no.such.type"
        )),
    )
    .unwrap();
    assert!(typed.iter().all(|b| b.count == 0));
}

#[test]
fn demo_data_loads_once_and_again_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("demo.db")).unwrap();
    let req = LoadDemoRequest { events: Some(500) };
    let first = load_demo(&mut store, &req).unwrap();
    assert_eq!((first.accepted, first.quarantined), (500, 0));
    let again = load_demo(&mut store, &req).unwrap();
    assert_eq!((again.accepted, again.duplicates), (0, 500));
    let s = stats(&store).unwrap();
    assert_eq!(s.events, 500);
    assert!(s.dialects.len() >= 6, "every dialect: {:?}", s.dialects);
    assert!(verify(&store).unwrap().ok);
    for bad in [0, MAX_DEMO_EVENTS + 1] {
        let err = load_demo(&mut store, &LoadDemoRequest { events: Some(bad) }).unwrap_err();
        assert_eq!(err.code, "bad_request");
    }
}

#[test]
fn ingest_files_reports_progress_and_codes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.ndjson");
    let mut ndjson = Vec::new();
    let cfg = GenConfig {
        events: 3000,
        ..GenConfig::default()
    };
    generate::generate(&cfg, &mut ndjson).unwrap();
    ndjson.extend_from_slice(b"{not json\n");
    std::fs::write(&file, &ndjson).unwrap();
    let mut store = Store::open(&dir.path().join("store.db")).unwrap();

    let mut notices = Vec::new();
    let req = IngestFilesRequest {
        paths: vec![file.display().to_string()],
    };
    let summary = ingest_files(&mut store, &req, &mut |p| notices.push(p.clone())).unwrap();
    assert_eq!((summary.accepted, summary.quarantined), (3000, 1));
    let last = notices.last().expect("at least the final notice");
    assert_eq!(
        notices
            .iter()
            .filter(|n| n.bytes_read == last.bytes_read)
            .count(),
        1,
        "the end of the file is told once: {notices:?}"
    );
    assert_eq!(last.bytes_read, ndjson.len() as u64);
    assert_eq!(last.bytes_total, Some(ndjson.len() as u64));
    assert_eq!((last.accepted, last.quarantined), (3000, 1));
    assert_eq!(
        last.committed, 3000,
        "the last notice says everything is visible"
    );

    let missing = IngestFilesRequest {
        paths: vec![dir.path().join("nope.ndjson").display().to_string()],
    };
    let err = ingest_files(&mut store, &missing, &mut |_| {}).unwrap_err();
    assert_eq!((err.code.as_str(), err.status()), ("ingest_io", 400));
    let none = ingest_files(&mut store, &IngestFilesRequest::default(), &mut |_| {});
    assert_eq!(none.unwrap_err().code, "bad_request");
}

#[test]
fn a_shared_store_reads_what_its_writer_committed() {
    let dir = tempfile::tempdir().unwrap();
    let shared = SharedStore::open(&dir.path().join("nested/shared.db")).unwrap();
    assert_eq!(shared.read(stats).unwrap().events, 0);
    shared
        .write(|s| load_demo(s, &LoadDemoRequest { events: Some(50) }))
        .unwrap();
    let after = shared.read(stats).unwrap();
    assert_eq!((after.events, after.last_seq), (50, 50));
    let err = SharedStore::open(&dir.path().join("nested/shared.db/not-a-dir/x.db"))
        .err()
        .unwrap();
    assert_eq!(
        (err.code.as_str(), err.status()),
        ("store_unavailable", 503)
    );
}

#[test]
fn errors_cross_as_code_and_message_only() {
    let e = ApiError::new("not_found", "no event \"x\"");
    assert_eq!(
        serde_json::to_value(&e).unwrap(),
        serde_json::json!({"code": "not_found", "message": "no event \"x\""})
    );
    for (code, status) in [
        ("tenant_required", 400),
        ("bad_filter", 400),
        ("bad_request", 400),
        ("not_found", 404),
        ("store_busy", 503),
        ("store_unavailable", 503),
        ("store_sqlite", 500),
        ("internal", 500),
    ] {
        assert_eq!(ApiError::new(code, "").status(), status, "{code}");
    }
}

#[test]
fn the_typescript_shape_of_json_serializes_like_json() {
    let raw = serde_json::json!({"a": [-0.5, 2.5, "x", null, true, {"b": {}}]});
    let mirrored: wire::JsonValue = to_wire(&raw);
    same_json(&raw, &mirrored);
}

fn to_wire(v: &serde_json::Value) -> wire::JsonValue {
    use serde_json::Value;
    match v {
        Value::Null => wire::JsonValue::Null(()),
        Value::Bool(b) => wire::JsonValue::Bool(*b),
        Value::Number(n) => wire::JsonValue::Number(n.as_f64().unwrap()),
        Value::String(s) => wire::JsonValue::String(s.clone()),
        Value::Array(a) => wire::JsonValue::Array(a.iter().map(to_wire).collect()),
        Value::Object(o) => {
            wire::JsonValue::Object(o.iter().map(|(k, v)| (k.clone(), to_wire(v))).collect())
        }
    }
}

fn same_json(real: &impl Serialize, mirror: &impl Serialize) {
    assert_eq!(
        serde_json::to_value(real).unwrap(),
        serde_json::to_value(mirror).unwrap()
    );
}

/// The TypeScript in `ui/src/bindings/` is generated from the Rust types that cross to the UI.
/// This fails when a file there differs from what its Rust type generates, or when a file there
/// is generated by nothing; `UPDATE_BINDINGS=1 cargo test -p trailview-core typescript_bindings`
/// rewrites (and removes) them.
#[test]
fn typescript_bindings_are_current() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cfg = Config::new().with_out_dir(crate_dir);
    let update = std::env::var_os("UPDATE_BINDINGS").is_some();
    let mut check = Bindings {
        cfg,
        base: crate_dir.to_owned(),
        update,
        stale: Vec::new(),
        written: Vec::new(),
    };
    // Everything that crosses: answers, requests, notices and errors.
    check.one::<AppInfo>();
    check.one::<ApiError>();
    check.one::<StoredEvent>();
    check.one::<crate::normalize::Actor>();
    check.one::<crate::normalize::Dialect>();
    check.one::<crate::store::Origin>();
    check.one::<wire::JsonValue>();
    check.one::<EventPage>();
    check.one::<Bucket>();
    check.one::<Stats>();
    check.one::<crate::query::TenantStats>();
    check.one::<QuarantineRecord>();
    check.one::<VerifyReport>();
    check.one::<IngestSummary>();
    check.one::<ingest::FileSummary>();
    check.one::<IngestProgress>();
    check.one::<EventFilter>();
    check.one::<EventsRequest>();
    check.one::<EventRequest>();
    check.one::<HistogramRequest>();
    check.one::<QuarantineRequest>();
    check.one::<LoadDemoRequest>();
    check.one::<IngestFilesRequest>();
    // Issue #4: graph, metrics, alerts.
    check.one::<GraphRequest>();
    check.one::<MetricsRequest>();
    check.one::<AlertsRequest>();
    check.one::<crate::graph::Graph>();
    check.one::<crate::graph::GraphNode>();
    check.one::<crate::graph::GraphEdge>();
    check.one::<crate::graph::Orphan>();
    check.one::<crate::graph::NodeKind>();
    check.one::<crate::graph::EdgeKind>();
    check.one::<crate::graph::Point>();
    check.one::<crate::metrics::MetricsReport>();
    check.one::<crate::metrics::HourCount>();
    check.one::<crate::metrics::TypeCount>();
    check.one::<crate::metrics::Ratio>();
    check.one::<crate::metrics::LatencyPercentiles>();
    check.one::<crate::alerts::AlertReport>();
    check.one::<crate::alerts::RuleOutcome>();
    check.one::<crate::alerts::Rule>();
    check.one::<crate::alerts::RuleMetric>();
    check.one::<crate::alerts::Comparison>();
    check.one::<crate::alerts::Firing>();
    check.one::<crate::alerts::EvidenceEvent>();
    // Audit bundles (issue #6).
    check.one::<BundleInfoRequest>();
    check.one::<BundleInfoResponse>();
    check.one::<KeyInfoRequest>();
    check.one::<KeyInfoResponse>();
    check.one::<ExportBundleRequest>();
    check.one::<ExportBundleResponse>();
    check.one::<ExportBundleProgress>();
    check.one::<BundlePathRequest>();
    check.one::<OpenBundleResponse>();
    check.one::<CurrentStore>();
    check.one::<CurrentBundle>();
    check.one::<StoreKind>();
    check.one::<OpenBundleRequest>();
    check.one::<ExportDownloadRequest>();
    check.one::<crate::bundle::ConsistencyReport>();
    check.one::<crate::keys::KeyInfo>();
    check.one::<crate::bundle::BundleInfo>();
    check.one::<crate::bundle::BundleReport>();
    check.one::<crate::bundle::Problem>();
    check.one::<crate::bundle::ProblemCode>();
    check.one::<crate::bundle::TrustStatus>();
    check.one::<crate::bundle::Signer>();
    check.one::<crate::bundle::Manifest>();
    check.one::<crate::bundle::ExportFilter>();
    check.one::<crate::bundle::BundleCounts>();
    check.one::<crate::bundle::TimeRange>();
    check.one::<crate::bundle::MerkleHead>();
    check.one::<crate::bundle::StoreHead>();
    check.one::<crate::bundle::BundleFiles>();
    check.one::<crate::bundle::FileDigest>();
    check.one::<crate::bundle::SignatureFile>();
    check.one::<crate::bundle::EntryOrigin>();
    check.one::<crate::bundle::IndexEntry>();
    check.one::<crate::bundle::ProofReport>();
    check.one::<crate::bundle::notes::Note>();
    // Approvals, executions and replay (issue #4).
    check.one::<crate::projections::EventRef>();
    check.one::<crate::projections::approvals::CaseStatus>();
    check.one::<crate::projections::executions::ExecStatus>();
    check.one::<ApprovalsRequest>();
    check.one::<ApprovalsResponse>();
    check.one::<ApprovalCase>();
    check.one::<ApprovalCounts>();
    check.one::<AnomalyView>();
    check.one::<DecisionView>();
    check.one::<ExecutionsRequest>();
    check.one::<ExecutionsResponse>();
    check.one::<ExecutionView>();
    check.one::<ExecutionCounts>();
    check.one::<ViolationView>();
    check.one::<DeploymentView>();
    check.one::<VersionChangeView>();
    check.one::<ReplayRequest>();
    check.one::<ReplayResponse>();
    check.one::<ReplayStateView>();
    check.one::<ReplayDiff>();
    check.one::<FrameView>();
    check.one::<Change>();
    check.one::<LiveStatus>();
    check.one::<WriterStatus>();
    check.one::<WatchedFile>();
    check.one::<SourceErrors>();
    check.one::<AppendedNotice>();
    check.one::<TokenView>();
    check.one::<StartListenerRequest>();
    check.one::<AddWatchRequest>();
    check.one::<RemoveWatchRequest>();
    check.one::<HostStatus>();
    check.one::<ListenerStatus>();
    check.one::<WatchStatus>();
    check.one::<ProcessSource>();

    let dir = crate_dir.join("../../ui/src/bindings");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = normalize(&entry.unwrap().path());
        if path.extension().is_some_and(|e| e == "ts") && !check.written.contains(&path) {
            if update {
                std::fs::remove_file(&path).unwrap();
            } else {
                check.stale.push(path);
            }
        }
    }
    assert!(
        check.stale.is_empty(),
        "out-of-date TypeScript bindings: {:?}\n\
         regenerate with `UPDATE_BINDINGS=1 cargo test -p trailview-core typescript_bindings`",
        check.stale
    );
}

struct Bindings {
    cfg: Config,
    base: PathBuf,
    update: bool,
    stale: Vec<PathBuf>,
    written: Vec<PathBuf>,
}

impl Bindings {
    fn one<T: TS + 'static>(&mut self) {
        let relative = T::output_path().expect("type has an export path");
        let path = normalize(&self.base.join(relative));
        let generated = T::export_to_string(&self.cfg).expect("type exports");
        if self.update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, generated).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(generated.as_str()) {
            self.stale.push(path.clone());
        }
        self.written.push(path);
    }
}

/// Resolves `..` lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[test]
fn appended_follower_announces_commits_of_another_connection_once() {
    let (dir, mut store) = store_with(20);
    let path = dir.path().join("store.db");
    let mut f = AppendedFollower::open(&path).unwrap();
    assert_eq!(f.last_seq(), store.last_seq());
    assert_eq!(f.poll().unwrap(), None, "nothing new yet");
    let before = store.last_seq();
    let line =
        br#"{"id":"live-1","type":"x.y","time":"2026-05-05T00:00:00Z","tenant":"t","data":{}}"#;
    let opts = IngestOptions::default();
    ingest::ingest_reader(
        &mut store,
        Cursor::new(line.to_vec()),
        "live",
        None,
        &opts,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(store.last_seq(), before + 1);
    assert_eq!(
        f.poll().unwrap(),
        Some(AppendedNotice {
            from_seq: before + 1,
            to_seq: before + 1
        })
    );
    assert_eq!(f.poll().unwrap(), None, "each append is announced once");
}

#[test]
fn live_status_lists_tokens_but_never_the_token() {
    let (_dir, mut store) = empty();
    let (token, _) =
        crate::live::tokens::create(&mut store, &["acme".into()], "ci runner", RECEIVED_AT)
            .unwrap();
    let st = live_status(&store, None).unwrap();
    assert_eq!(st.active_tokens, 1);
    assert_eq!(st.tokens.len(), 1);
    assert_eq!(st.tokens[0].label, "ci runner");
    assert_eq!(st.tokens[0].tenants, vec!["acme".to_string()]);
    assert_eq!(st.tokens[0].created_at, "2026-05-05T00:00:00.000000Z");
    assert!(!serde_json::to_string(&st).unwrap().contains(&token[3..]));
}
