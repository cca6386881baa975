//! Issue #2 — the six invariants of PRODUCT.md, each on a real SQLite file in a temporary
//! directory, each written so that it fails if the invariant breaks.

mod common;

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use proptest::prelude::*;
use rusqlite::Connection;
use serde_json::{json, Value};
use trailview_core::ingest::{self, IngestSummary};
use trailview_core::normalize::MAX_RECORD_BYTES;
use trailview_core::query::{EventQuery, TenantScope, TypePattern};
use trailview_core::store::{Item, Origin, Outcome, Store};

use common::*;

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

/// A good Spine event: `id`, in `tenant`, at minute `n` of 2026-05-04T09:00Z.
fn spine(id: &str, tenant: &str, n: u32, data: &str) -> String {
    format!(
        r#"{{"eventId":"{id}","type":"code.analysis.complete","source":"meshos","orgId":"{tenant}","timestamp":"2026-05-04T09:{:02}:00Z","data":{data},"metadata":{{"correlationId":"corr_{tenant}","userId":"user_{tenant}"}}}}"#,
        n % 60
    )
}

fn good(n: u32) -> String {
    spine(
        &format!("good-{n}"),
        "org_acme",
        n,
        &format!(r#"{{"n":{n}}}"#),
    )
}

/// A Spine event whose document nests exactly `depth` levels (the envelope is level 1).
fn nested(id: &str, depth: usize) -> String {
    let inner = depth - 1;
    let data = format!("{}{}", "[".repeat(inner), "]".repeat(inner));
    spine(id, "org_acme", 7, &data)
}

/// Same JSON, different bytes: pretty-printed, then folded onto one line.
fn reencoded(line: &str) -> String {
    let v: Value = serde_json::from_str(line).unwrap();
    let s = serde_json::to_string_pretty(&v).unwrap().replace('\n', " ");
    assert_ne!(s, line);
    s
}

#[derive(Debug, Clone, PartialEq)]
enum Expect {
    Stored,
    Duplicate,
    Quarantined(&'static str),
}

/// One input record of the adversarial file, and where it sits.
struct Rec {
    bytes: Vec<u8>,
    line: u64,
    offset: u64,
    expect: Expect,
}

/// An NDJSON input mixing good lines with every way a record can go wrong. The last record is
/// cut short (no closing brace, no final newline).
fn adversarial() -> (Vec<u8>, Vec<Rec>) {
    use Expect::*;
    let first = good(1);
    let third = good(3);
    let big_data = format!(r#"{{"blob":"{}"}}"#, "x".repeat(MAX_RECORD_BYTES + 16));
    let spine_data_over_1mib = format!(r#"{{"blob":"{}"}}"#, "y".repeat(1024 * 1024 + 1));
    let parts: Vec<(Vec<u8>, Expect)> = vec![
        (first.clone().into(), Stored),
        (br#"{"eventId":"bad-json","type":"code.x",oops}"#.to_vec(), Quarantined("invalid_json")),
        (good(2).into(), Stored),
        (
            b"{\"eventId\":\"bad-utf8\",\"type\":\"code.x\",\"source\":\"s\",\"orgId\":\"org_acme\",\"timestamp\":\"2026-05-04T09:00:00Z\",\"data\":{\"name\":\"\xff\xfe\"}}".to_vec(),
            Quarantined("invalid_utf8"),
        ),
        (third.clone().into(), Stored),
        (
            b"{\"eventId\":\"nul\",\"type\":\"code.x\",\"source\":\"s\",\"orgId\":\"org_acme\",\"timestamp\":\"2026-05-04T09:00:00Z\",\"data\":{\"name\":\"a\x00b\"}}".to_vec(),
            Quarantined("nul_byte"),
        ),
        (nested("deep-128", 128).into(), Stored),
        (nested("deep-129", 129).into(), Quarantined("too_deep")),
        (good(4).into(), Stored),
        (spine("huge", "org_acme", 8, &big_data).into(), Quarantined("too_large")),
        (good(5).into(), Stored),
        (
            spine("big-data", "org_acme", 9, &spine_data_over_1mib).into(),
            Quarantined("payload_too_large"),
        ),
        (
            br#"{"eventId":"no-time","type":"code.x","source":"s","orgId":"org_acme","data":{}}"#.to_vec(),
            Quarantined("missing_timestamp"),
        ),
        (
            br#"{"eventId":"local-time","type":"code.x","source":"s","orgId":"org_acme","timestamp":"2026-05-04T09:00:00","data":{}}"#.to_vec(),
            Quarantined("bad_timestamp"),
        ),
        (
            br#"{"eventId":"empty-type","type":"","source":"s","orgId":"org_acme","timestamp":"2026-05-04T09:00:00Z","data":{}}"#.to_vec(),
            Quarantined("bad_type"),
        ),
        (
            br#"{"eventId":"number-type","type":42,"source":"s","orgId":"org_acme","timestamp":"2026-05-04T09:00:00Z","data":{}}"#.to_vec(),
            Quarantined("bad_type"),
        ),
        (
            br#"{"eventId":"two-orgs","type":"code.x","source":"s","orgId":"org_acme","orgId":"org_globex","timestamp":"2026-05-04T09:00:00Z","data":{}}"#.to_vec(),
            Quarantined("duplicate_key"),
        ),
        (b"42".to_vec(), Quarantined("not_an_object")),
        (good(6).into(), Stored),
        (first.clone().into(), Duplicate),
        (reencoded(&first).into(), Duplicate),
        (
            spine("good-3", "org_acme", 3, r#"{"n":3,"tampered":true}"#).into(),
            Quarantined("conflict"),
        ),
        (good(7).into(), Stored),
        (
            br#"{"eventId":"cut","type":"code.x","source":"s","orgId":"org_acme","timestamp":"2026-"#.to_vec(),
            Quarantined("truncated"),
        ),
    ];
    let mut bytes = Vec::new();
    let mut recs = Vec::new();
    let last = parts.len() - 1;
    for (i, (b, expect)) in parts.into_iter().enumerate() {
        recs.push(Rec {
            line: i as u64 + 1,
            offset: bytes.len() as u64,
            bytes: b.clone(),
            expect,
        });
        bytes.extend_from_slice(&b);
        if i != last {
            bytes.push(b'\n');
        }
    }
    (bytes, recs)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn ingest_path(store: &mut Store, path: &Path) -> IngestSummary {
    ingest::ingest_paths(store, &[path.to_owned()], &opts(4), &mut |_| {}).unwrap()
}

/// A store holding `n` good events (seq 1..=n), closed again; returns its path.
fn store_with(dir: &Path, n: u32) -> PathBuf {
    let path = dir.join("store.db");
    let mut store = Store::open(&path).unwrap();
    let lines: Vec<String> = (1..=n).map(good).collect();
    let s = ingest_bytes(&mut store, lines.join("\n").as_bytes(), "seed.ndjson");
    assert_eq!(s.accepted, n as u64);
    assert!(store.verify().unwrap().ok);
    path
}

fn verify(path: &Path) -> trailview_core::store::VerifyReport {
    Store::open_read_only(path)
        .expect("a tampered store still opens")
        .verify()
        .expect("verify runs to a verdict")
}

fn acme() -> EventQuery {
    EventQuery::new(TenantScope::One("org_acme".into()))
}

// ---------------------------------------------------------------------------------------------
// 1. Append-only: the database refuses edits; the hash chain finds edits made behind its back.
// ---------------------------------------------------------------------------------------------

#[test]
fn append_only_the_database_refuses_update_and_delete_of_events_and_quarantine() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_with(dir.path(), 3);
    {
        let mut store = Store::open(&path).unwrap();
        ingest_bytes(&mut store, b"{not json}", "bad.ndjson");
    }
    let conn = Connection::open(&path).unwrap();
    for sql in [
        "UPDATE events SET received_at = 0 WHERE seq = 1",
        "UPDATE events SET raw = CAST('{}' AS BLOB)",
        "DELETE FROM events WHERE seq = 3",
        "DELETE FROM events",
        "UPDATE quarantine SET reason = 'fine'",
        "DELETE FROM quarantine",
    ] {
        let err = conn
            .execute(sql, [])
            .expect_err(&format!("the database must refuse: {sql}"));
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    drop(conn);
    let store = Store::open_read_only(&path).unwrap();
    assert_eq!(all_events(&store).len(), 3);
    assert_eq!(quarantine(&store).len(), 1);
    assert!(store.verify().unwrap().ok);
}

/// The columns of `table`, in order (the schema is the store's business; these tests only need
/// `seq` / `qseq`, `raw`, `received_at` and `tenant` by name).
fn columns(conn: &Connection, table: &str) -> Vec<String> {
    let mut stmt = conn
        .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
        .unwrap();
    let cols = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .collect::<rusqlite::Result<Vec<_>>>()
        .unwrap();
    assert!(
        cols.iter().any(|c| c == "raw"),
        "{table} keeps raw: {cols:?}"
    );
    cols
}

#[rstest::rstest]
#[case::events("events", "seq", 2)]
#[case::quarantine("quarantine", "qseq", 1)]
fn append_only_the_database_refuses_replacing_a_row_through_insert_or_replace(
    #[case] table: &str,
    #[case] key: &str,
    #[case] row: i64,
) {
    // REPLACE deletes the conflicting row without firing DELETE triggers (SQLite fires them only
    // with recursive_triggers on), so it is an UPDATE by another name unless something refuses it.
    let dir = tempfile::tempdir().unwrap();
    let path = store_with(dir.path(), 3);
    {
        let mut store = Store::open(&path).unwrap();
        ingest_bytes(&mut store, b"{not json}", "bad.ndjson");
    }
    let conn = Connection::open(&path).unwrap();
    let cols: Vec<String> = columns(&conn, table)
        .into_iter()
        .filter(|c| c != "raw")
        .collect();
    let cols = cols.join(", ");
    let sql = format!(
        "INSERT OR REPLACE INTO {table} ({cols}, raw) SELECT {cols}, CAST(?1 AS BLOB) FROM {table} WHERE {key} = {row}"
    );
    conn.prepare(&sql).expect("the statement is well-formed");
    let read = || -> Vec<u8> {
        conn.query_row(
            &format!("SELECT raw FROM {table} WHERE {key} = {row}"),
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    let before = read();
    let res = conn.execute(&sql, [r#"{"forged":true}"#]);
    let after = read();
    drop(conn);
    assert!(
        res.is_err() && after == before,
        "INSERT OR REPLACE rewrote {table} row {row} to {:?} (verify then says {:?})",
        String::from_utf8_lossy(&after),
        verify(&path)
    );
}

fn drop_triggers(conn: &Connection) {
    conn.execute_batch("DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;")
        .unwrap();
}

#[test]
fn tamper_a_changed_byte_of_raw_behind_the_triggers_names_its_seq() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_with(dir.path(), 8);
    let conn = Connection::open(&path).unwrap();
    drop_triggers(&conn);
    let raw: Vec<u8> = conn
        .query_row("SELECT raw FROM events WHERE seq = 5", [], |r| r.get(0))
        .unwrap();
    let mut edited = String::from_utf8(raw).unwrap();
    edited = edited.replacen(r#""n":5"#, r#""n":6"#, 1); // still valid JSON, one byte changed
    conn.execute(
        "UPDATE events SET raw = ?1 WHERE seq = 5",
        [edited.as_bytes()],
    )
    .unwrap();
    drop(conn);
    let r = verify(&path);
    assert!(!r.ok, "{r:?}");
    assert_eq!(r.first_bad_seq, Some(5), "{r:?}");
}

#[test]
fn tamper_raw_and_any_stored_hash_of_it_together_still_breaks_the_chain_at_that_seq() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_with(dir.path(), 8);
    let conn = Connection::open(&path).unwrap();
    drop_triggers(&conn);
    let edited = good(5).replace(r#""n":5"#, r#""n":6"#);
    conn.execute(
        "UPDATE events SET raw = ?1 WHERE seq = 5",
        [edited.as_bytes()],
    )
    .unwrap();
    // A careful forger also rewrites whatever hash of the raw bytes the row keeps.
    for col in columns(&conn, "events")
        .iter()
        .filter(|c| c.contains("sha"))
    {
        conn.execute(
            &format!("UPDATE events SET {col} = ?1 WHERE seq = 5"),
            [hex::decode(sha256_hex(edited.as_bytes())).unwrap()],
        )
        .unwrap();
    }
    drop(conn);
    let r = verify(&path);
    assert_eq!((r.ok, r.first_bad_seq), (false, Some(5)), "{r:?}");
}

#[test]
fn tamper_a_flipped_byte_in_the_database_file_names_that_events_seq() {
    const MARKER: &[u8] = b"TAMPER-MARKER-5f1e9c";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    {
        let mut store = Store::open(&path).unwrap();
        let mut lines: Vec<String> = (1..=6).map(good).collect();
        lines.push(spine(
            "marked",
            "org_acme",
            30,
            &format!(r#"{{"note":"{}"}}"#, std::str::from_utf8(MARKER).unwrap()),
        ));
        lines.push(good(8));
        ingest_bytes(&mut store, lines.join("\n").as_bytes(), "marked.ndjson");
        let seq = store.event("org_acme", "marked").unwrap().unwrap().seq;
        assert_eq!(seq, 7);
        store.checkpoint().unwrap(); // the page is in the main file, not the WAL
    }
    let mut file = std::fs::read(&path).unwrap();
    let hits: Vec<usize> = file
        .windows(MARKER.len())
        .enumerate()
        .filter(|(_, w)| *w == MARKER)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "the marker is in the main database file, once"
    );
    let at = hits[0] + MARKER.len() - 1;
    file[at] = b'd'; // ...5f1e9c → ...5f1e9d: same length, same JSON shape
    std::fs::write(&path, &file).unwrap();
    let r = verify(&path);
    assert_eq!((r.ok, r.first_bad_seq), (false, Some(7)), "{r:?}");
}

#[test]
fn tamper_deleting_the_last_row_is_detected_and_appending_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_with(dir.path(), 6);
    let conn = Connection::open(&path).unwrap();
    drop_triggers(&conn);
    conn.execute("DELETE FROM events WHERE seq = 6", [])
        .unwrap();
    drop(conn);
    let r = verify(&path);
    assert_eq!((r.ok, r.first_bad_seq), (false, Some(6)), "{r:?}");
    // Appending now would re-use seq 6 and hide the removal: the store must refuse.
    let mut store = Store::open(&path).unwrap();
    let res = ingest::ingest_reader(
        &mut store,
        Cursor::new(good(99).into_bytes()),
        "late.ndjson",
        None,
        &opts(100),
        &mut |_| {},
    );
    assert!(res.is_err(), "a store with lost rows accepted an append");
    assert!(!verify(&path).ok);
}

#[test]
fn tamper_deleting_a_middle_row_is_detected_there() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_with(dir.path(), 6);
    let conn = Connection::open(&path).unwrap();
    drop_triggers(&conn);
    conn.execute("DELETE FROM events WHERE seq = 3", [])
        .unwrap();
    drop(conn);
    let r = verify(&path);
    assert!(!r.ok, "{r:?}");
    // The gap is between seq 2 and seq 4: either side names where it broke.
    assert!(matches!(r.first_bad_seq, Some(3 | 4)), "{r:?}");
}

#[test]
fn tamper_reordering_rows_breaks_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_with(dir.path(), 6);
    let conn = Connection::open(&path).unwrap();
    drop_triggers(&conn);
    conn.execute_batch(
        "UPDATE events SET seq = -3 WHERE seq = 3;
         UPDATE events SET seq = 3 WHERE seq = 4;
         UPDATE events SET seq = 4 WHERE seq = -3;",
    )
    .unwrap();
    drop(conn);
    let r = verify(&path);
    assert_eq!((r.ok, r.first_bad_seq), (false, Some(3)), "{r:?}");
}

#[test]
fn tamper_changing_received_at_breaks_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_with(dir.path(), 6);
    let conn = Connection::open(&path).unwrap();
    drop_triggers(&conn);
    conn.execute(
        "UPDATE events SET received_at = received_at - 3600000000 WHERE seq = 4",
        [],
    )
    .unwrap();
    drop(conn);
    let r = verify(&path);
    assert_eq!((r.ok, r.first_bad_seq), (false, Some(4)), "{r:?}");
}

#[test]
fn tamper_moving_an_event_to_another_tenant_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    {
        let mut store = Store::open(&path).unwrap();
        let lines = [
            good(1),
            good(2),
            spine("g-1", "org_globex", 3, "{}"),
            good(4),
        ];
        ingest_bytes(&mut store, lines.join("\n").as_bytes(), "two.ndjson");
    }
    let conn = Connection::open(&path).unwrap();
    drop_triggers(&conn);
    conn.execute(
        "UPDATE events SET tenant = (SELECT id FROM tenants WHERE name = 'org_globex') WHERE seq = 2",
        [],
    )
    .unwrap();
    drop(conn);
    let r = verify(&path);
    assert_eq!((r.ok, r.first_bad_seq), (false, Some(2)), "{r:?}");
}

// ---------------------------------------------------------------------------------------------
// 2. Nothing lost.
// ---------------------------------------------------------------------------------------------

#[test]
fn nothing_lost_every_record_is_stored_duplicate_or_quarantined_with_origin_reason_and_raw() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, recs) = adversarial();
    let input = write(dir.path(), "mixed.ndjson", &bytes);
    let (_sdir, mut store) = temp_store();
    let s = ingest_path(&mut store, &input);

    let count = |e: &dyn Fn(&Expect) -> bool| recs.iter().filter(|r| e(&r.expect)).count() as u64;
    assert_eq!(
        s.accepted + s.duplicates + s.quarantined,
        recs.len() as u64,
        "every input record is accounted for exactly once: {s:?}"
    );
    assert_eq!(s.accepted, count(&|e| *e == Expect::Stored), "{s:?}");
    assert_eq!(s.duplicates, count(&|e| *e == Expect::Duplicate), "{s:?}");
    assert_eq!(
        s.quarantined,
        count(&|e| matches!(e, Expect::Quarantined(_))),
        "{s:?}"
    );

    let q = quarantine(&store);
    assert_eq!(q.len() as u64, s.quarantined);
    let events = all_events(&store);
    assert_eq!(events.len() as u64, s.accepted);
    let origin = input.display().to_string();
    for rec in &recs {
        match &rec.expect {
            Expect::Stored => {
                let e = events
                    .iter()
                    .find(|e| e.origin.offset == Some(rec.offset))
                    .unwrap_or_else(|| panic!("good line {} was lost", rec.line));
                assert_eq!(e.raw.as_bytes(), &rec.bytes[..]);
                assert_eq!(e.origin.line, Some(rec.line));
                assert_eq!(&*e.origin.source, origin);
            }
            Expect::Duplicate => {}
            Expect::Quarantined(reason) => {
                let r = q
                    .iter()
                    .find(|r| r.offset == Some(rec.offset))
                    .unwrap_or_else(|| panic!("line {} ({reason}) was lost", rec.line));
                assert_eq!(&r.reason, reason, "line {}: {}", rec.line, r.message);
                assert!(!r.message.is_empty());
                assert_eq!(r.origin, origin);
                assert_eq!(r.line, Some(rec.line), "{reason}");
                assert_eq!(r.raw_len, rec.bytes.len() as u64, "{reason}");
                assert_eq!(r.raw_sha256, sha256_hex(&rec.bytes), "{reason}");
                let kept = store.quarantined_raw(r.qseq).unwrap();
                if rec.bytes.len() > MAX_RECORD_BYTES {
                    assert!(
                        !r.raw_kept && kept.is_none(),
                        "over 4 MiB: length + hash only"
                    );
                } else {
                    assert!(r.raw_kept, "{reason}");
                    assert_eq!(kept.as_deref(), Some(&rec.bytes[..]), "{reason}: raw kept");
                }
            }
        }
    }
    assert!(store.verify().unwrap().ok);
}

#[rstest::rstest]
#[case::depth_128_is_accepted_in_spine(nested("deep-128", 128), true)]
#[case::depth_129_is_refused_in_spine(nested("deep-129", 129), false)]
#[case::depth_128_is_accepted_in_other(
    format!(r#"{{"id":"deep-other","time":"2026-05-04T09:00:00Z","data":{}{}}}"#, "[".repeat(127), "]".repeat(127)),
    true
)]
#[case::depth_129_is_refused_in_other(
    format!(r#"{{"id":"deep-other","time":"2026-05-04T09:00:00Z","data":{}{}}}"#, "[".repeat(128), "]".repeat(128)),
    false
)]
fn nesting_limit_is_128_levels_and_a_stored_deep_payload_reads_back(
    #[case] raw: String,
    #[case] accepted: bool,
) {
    let (_dir, mut store) = temp_store();
    let s = ingest_bytes(&mut store, raw.as_bytes(), "deep.ndjson");
    if accepted {
        assert_eq!(s.accepted, 1, "{:?}", quarantine(&store));
        let e = all_events(&store).pop().unwrap();
        assert_eq!(e.raw, raw);
        let mut depth = 0;
        let mut v = &e.payload;
        while let Some(inner) = v.as_array().and_then(|a| a.first()).or(v.get("data")) {
            depth += 1;
            v = inner;
        }
        assert!(
            depth >= 126,
            "the deep payload reads back, not as null: {}",
            e.payload
        );
    } else {
        assert_eq!(s.quarantined, 1);
        assert_eq!(quarantine(&store)[0].reason, "too_deep");
    }
}

#[test]
fn nothing_lost_a_bad_record_never_takes_its_neighbours_down_in_any_framing() {
    // The same good/bad/good sandwich as NDJSON, CRLF NDJSON with a BOM, a JSON array and
    // concatenated pretty-printed documents. The bad record is valid JSON with an unreadable time.
    let bad = r#"{"eventId":"bad","type":"code.x","source":"s","orgId":"org_acme","timestamp":"soon","data":{}}"#;
    let (a, b) = (good(1), good(2));
    let pretty =
        |s: &str| serde_json::to_string_pretty(&serde_json::from_str::<Value>(s).unwrap()).unwrap();
    let (pa, pbad, pb) = (pretty(&a), pretty(bad), pretty(&b));
    for (name, input, want) in [
        (
            "lines.ndjson",
            format!("{a}\n{bad}\n{b}\n"),
            [a.as_str(), bad, b.as_str()],
        ),
        (
            "crlf.ndjson",
            format!("\u{feff}{a}\r\n{bad}\r\n\r\n{b}"),
            [a.as_str(), bad, b.as_str()],
        ),
        (
            "array.json",
            format!("[\n{a},\n{bad},\n{b}\n]\n"),
            [a.as_str(), bad, b.as_str()],
        ),
        (
            "docs.json",
            format!("{pa}\n{pbad}\n\n{pb}\n"),
            [pa.as_str(), pbad.as_str(), pb.as_str()],
        ),
    ] {
        let (_dir, mut store) = temp_store();
        let s = ingest_bytes(&mut store, input.as_bytes(), name);
        assert_eq!((s.accepted, s.quarantined), (2, 1), "{name}: {s:?}");
        let q = quarantine(&store);
        assert_eq!(q[0].reason, "bad_timestamp", "{name}");
        assert_eq!(
            store.quarantined_raw(q[0].qseq).unwrap().as_deref(),
            Some(want[1].as_bytes()),
            "{name}: the refused record's bytes exactly"
        );
        let raws: Vec<String> = events_by_offset(&store)
            .into_iter()
            .map(|e| e.raw)
            .collect();
        assert_eq!(raws, [want[0], want[2]], "{name}");
    }
}

#[test]
fn nothing_lost_a_cut_short_first_line_does_not_swallow_the_rest_of_an_ndjson_file() {
    // The first line ends with a comma, the way a pretty-printer breaks lines; every other line
    // is a complete event. Each line is one record: the cut one quarantined, the rest stored.
    let cut = r#"{"eventId":"cut","type":"code.x","source":"s","orgId":"org_acme","#;
    let lines = [cut.to_owned(), good(1), good(2), good(3)];
    let (_dir, mut store) = temp_store();
    let s = ingest_bytes(&mut store, &ndjson(&lines), "cut-first.ndjson");
    let q = quarantine(&store);
    assert_eq!(
        (s.accepted, s.duplicates, s.quarantined),
        (3, 0, 1),
        "the three good lines were taken down with the first: {:?}",
        q.iter()
            .map(|r| (&r.reason, r.line, r.raw_len))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        store.quarantined_raw(q[0].qseq).unwrap().as_deref(),
        Some(cut.as_bytes())
    );
}

#[rstest::rstest]
#[case::lf("\n")]
#[case::crlf("\r\n")]
#[case::no_final_newline("")]
fn nothing_lost_a_record_of_exactly_4_mib_is_kept_and_one_byte_more_is_kept_by_hash(
    #[case] ending: &str,
) {
    // An `other` record padded to exactly MAX_RECORD_BYTES, and the same plus one byte. The line
    // ending is framing, not part of the record, whichever it is.
    let record = |len: usize, id: &str| {
        let head = format!(r#"{{"id":"{id}","time":"2026-05-04T09:00:00Z","pad":""#);
        let pad = len - head.len() - 2;
        format!("{head}{}\"}}", "p".repeat(pad))
    };
    let exact = record(MAX_RECORD_BYTES, "exact");
    let over = record(MAX_RECORD_BYTES + 1, "over");
    assert_eq!(
        (exact.len(), over.len()),
        (MAX_RECORD_BYTES, MAX_RECORD_BYTES + 1)
    );
    let input = format!("{exact}\r\n{over}{ending}").replacen(
        "\r\n",
        if ending.is_empty() { "\n" } else { ending },
        1,
    );
    let (_dir, mut store) = temp_store();
    let s = ingest_bytes(&mut store, input.as_bytes(), "big.ndjson");
    let q = quarantine(&store);
    assert_eq!(
        (s.accepted, s.quarantined),
        (1, 1),
        "{:?}",
        q.iter()
            .map(|r| (&r.reason, r.line, r.raw_len))
            .collect::<Vec<_>>()
    );
    assert_eq!(all_events(&store)[0].raw.len(), MAX_RECORD_BYTES);
    assert_eq!(q[0].reason, "too_large");
    assert_eq!(q[0].line, Some(2));
    assert_eq!(
        q[0].raw_len,
        over.len() as u64,
        "the record's length, without its line ending"
    );
    assert_eq!(q[0].raw_sha256, sha256_hex(over.as_bytes()));
    assert!(!q[0].raw_kept);
}

#[test]
fn nothing_lost_a_json_array_cut_short_keeps_its_complete_elements() {
    let (a, b) = (good(1), good(2));
    let cut = &b[..b.len() / 2];
    let input = format!("[\n  {a},\n  {cut}");
    let (_dir, mut store) = temp_store();
    let s = ingest_bytes(&mut store, input.as_bytes(), "cut.json");
    assert_eq!((s.accepted, s.quarantined), (1, 1), "{s:?}");
    let q = quarantine(&store);
    assert_eq!(q[0].reason, "truncated");
    assert_eq!(q[0].index, Some(1));
    assert_eq!(
        store.quarantined_raw(q[0].qseq).unwrap().as_deref(),
        Some(cut.as_bytes())
    );
    assert_eq!(all_events(&store)[0].raw, a);
}

// ---------------------------------------------------------------------------------------------
// 3. Idempotent.
// ---------------------------------------------------------------------------------------------

#[test]
fn idempotent_ingesting_the_same_file_twice_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, _) = adversarial();
    let input = write(dir.path(), "mixed.ndjson", &bytes);
    let (_sdir, mut store) = temp_store();
    let first = ingest_path(&mut store, &input);
    let events = all_events(&store);
    let q = quarantine(&store);
    let head = store.verify().unwrap();
    assert!(head.ok);

    let again = ingest_path(&mut store, &input);
    assert_eq!(again.accepted, 0, "{again:?}");
    assert_eq!(again.duplicates, first.accepted + first.duplicates);
    assert_eq!(again.quarantined, first.quarantined);
    assert_eq!(all_events(&store), events, "no event added or changed");
    assert_eq!(quarantine(&store), q, "quarantine rows unchanged");
    assert_eq!(store.verify().unwrap(), head, "verify head unchanged");
}

#[test]
fn idempotent_the_same_envelope_twice_is_one_event_and_one_counted_duplicate() {
    let (_dir, mut store) = temp_store();
    let a = good(1);
    let first = ingest_bytes(&mut store, a.as_bytes(), "one.ndjson");
    assert_eq!((first.accepted, first.duplicates), (1, 0));
    // From another file, byte-identical; then the same JSON re-encoded.
    let s = ingest_bytes(&mut store, a.as_bytes(), "other-file.ndjson");
    assert_eq!((s.accepted, s.duplicates, s.quarantined), (0, 1, 0));
    let s = ingest_bytes(&mut store, reencoded(&a).as_bytes(), "pretty.ndjson");
    assert_eq!((s.accepted, s.duplicates, s.quarantined), (0, 1, 0));
    let events = all_events(&store);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].raw, a, "the first envelope stands");
    assert_eq!(&*events[0].origin.source, "one.ndjson");

    // A derived id (no id in the envelope) is idempotent too.
    let anon = r#"{"time":"2026-05-04T09:00:00Z","type":"backup.completed","service":"nightly"}"#;
    let s1 = ingest_bytes(&mut store, anon.as_bytes(), "anon.ndjson");
    let s2 = ingest_bytes(&mut store, anon.as_bytes(), "anon-again.ndjson");
    assert_eq!((s1.accepted, s2.accepted, s2.duplicates), (1, 0, 1));
}

#[test]
fn idempotent_append_reports_the_duplicate_at_the_stored_seq() {
    let (_dir, mut store) = temp_store();
    let origin = |line| Origin {
        source: "api".into(),
        line: Some(line),
        index: None,
        offset: None,
    };
    let a = good(1).into_bytes();
    let items = vec![
        ingest::prepare_bytes(a.clone(), origin(1), RECEIVED_AT),
        ingest::prepare_bytes(a, origin(2), RECEIVED_AT),
    ];
    let out = store.append(&items).unwrap();
    assert_eq!(
        out,
        vec![Outcome::Accepted { seq: 1 }, Outcome::Duplicate { seq: 1 }]
    );
}

#[test]
fn idempotent_same_identity_different_content_is_a_quarantined_conflict_never_an_overwrite() {
    let (_dir, mut store) = temp_store();
    let original = good(3);
    ingest_bytes(&mut store, original.as_bytes(), "a.ndjson");
    let before = store.event("org_acme", "good-3").unwrap().unwrap();
    let head = store.verify().unwrap();

    let rival = spine("good-3", "org_acme", 3, r#"{"n":3,"approved":true}"#);
    let s = ingest_bytes(&mut store, rival.as_bytes(), "b.ndjson");
    assert_eq!((s.accepted, s.duplicates, s.quarantined), (0, 0, 1));
    let q = quarantine(&store);
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].reason, "conflict");
    assert_eq!(q[0].tenant.as_deref(), Some("org_acme"));
    assert_eq!(q[0].event_id.as_deref(), Some("good-3"));
    assert_eq!(
        store.quarantined_raw(q[0].qseq).unwrap().as_deref(),
        Some(rival.as_bytes())
    );
    assert_eq!(store.event("org_acme", "good-3").unwrap().unwrap(), before);
    assert_eq!(store.verify().unwrap(), head);
}

// ---------------------------------------------------------------------------------------------
// 4. Tenant isolation.
// ---------------------------------------------------------------------------------------------

#[test]
fn tenant_isolation_the_same_id_under_two_tenants_is_two_events() {
    let (_dir, mut store) = temp_store();
    // globex first: it must not suppress acme's event with the same id, nor make it a conflict.
    let globex = spine("evt-shared", "org_globex", 1, r#"{"who":"globex"}"#);
    let acme = spine("evt-shared", "org_acme", 1, r#"{"who":"acme"}"#);
    let s = ingest_bytes(
        &mut store,
        format!("{globex}\n{acme}\n").as_bytes(),
        "both.ndjson",
    );
    assert_eq!((s.accepted, s.duplicates, s.quarantined), (2, 0, 0));
    assert_eq!(
        store.event("org_acme", "evt-shared").unwrap().unwrap().raw,
        acme
    );
    assert_eq!(
        store
            .event("org_globex", "evt-shared")
            .unwrap()
            .unwrap()
            .raw,
        globex
    );

    // Even byte-identical content apart from the tenant is two events.
    let mut store2 = temp_store();
    let a = spine("same", "org_a", 1, "{}");
    let b = spine("same", "org_b", 1, "{}");
    let s = ingest_bytes(&mut store2.1, format!("{a}\n{b}").as_bytes(), "ab.ndjson");
    assert_eq!(s.accepted, 2);
}

#[test]
fn tenant_isolation_reads_of_one_tenant_never_return_anothers_events() {
    let (_dir, mut store) = temp_store();
    let mut lines = Vec::new();
    for n in 0..6 {
        lines.push(spine(&format!("a-{n}"), "org_acme", n, "{}"));
        lines.push(spine(&format!("g-{n}"), "org_globex", n, "{}"));
    }
    // Same correlation id and same event id in both tenants, a personal event, and an
    // event whose *payload* names the other tenant.
    lines.push(spine("x", "org_acme", 10, r#"{"orgId":"org_globex"}"#));
    lines.push(spine("x", "org_globex", 10, r#"{"orgId":"org_acme"}"#));
    lines.push(r#"{"eventId":"p-1","eventName":"artifact.created","eventVersion":1,"occurredAt":"2026-05-04T09:00:00Z","productId":"notelett","sourceSurface":"web","userId":"user_org_acme","actor":{"actorType":"user","actorId":"user_org_acme"},"trace":{"correlationId":"corr_org_acme"},"payload":{}}"#.into());
    let s = ingest_bytes(&mut store, lines.join("\n").as_bytes(), "mixed.ndjson");
    assert_eq!(s.accepted, 15);

    let only = |q: &EventQuery, tenant: &str| {
        let got = store.events(q).unwrap();
        assert!(
            got.iter().all(|e| e.tenant == tenant),
            "a read scoped to {tenant:?} returned {:?}",
            got.iter().map(|e| (&e.tenant, &e.id)).collect::<Vec<_>>()
        );
        got.len()
    };
    assert_eq!(only(&acme(), "org_acme"), 7);
    assert_eq!(
        only(
            &EventQuery::new(TenantScope::One("org_globex".into())),
            "org_globex"
        ),
        7
    );
    assert_eq!(
        only(&EventQuery::new(TenantScope::One(String::new())), ""),
        1
    );
    assert_eq!(
        only(
            &EventQuery::new(TenantScope::One("org_nobody".into())),
            "org_nobody"
        ),
        0
    );
    let mut q = acme();
    q.correlation_id = Some("corr_org_globex".into());
    assert_eq!(
        only(&q, "org_acme"),
        0,
        "another tenant's correlation id finds nothing"
    );
    let mut q = acme();
    q.user_id = Some("user_org_globex".into());
    assert_eq!(only(&q, "org_acme"), 0);
    let mut q = acme();
    q.types = Some(TypePattern::new("**").unwrap());
    assert_eq!(only(&q, "org_acme"), 7);
    let mut q = acme();
    q.correlation_id = Some("corr_org_acme".into());
    assert_eq!(
        only(&q, "org_acme"),
        7,
        "the personal event with that correlation stays out"
    );

    assert_eq!(store.event("org_acme", "g-1").unwrap(), None);
    assert_eq!(store.event("", "a-1").unwrap(), None);
    assert_eq!(
        store
            .events(&EventQuery::new(TenantScope::All))
            .unwrap()
            .len(),
        15
    );
}

/// Compiles only while `T: Default` does not hold: the type of a read has no "no tenant" value.
trait AmbiguousIfDefault<A> {
    fn check() {}
}
impl<T: ?Sized> AmbiguousIfDefault<()> for T {}
#[allow(dead_code)]
struct IsDefault;
impl<T: Default> AmbiguousIfDefault<IsDefault> for T {}

#[test]
fn tenant_isolation_a_read_cannot_be_built_without_a_scope() {
    // If someone derives Default for EventQuery or TenantScope, this stops compiling.
    <EventQuery as AmbiguousIfDefault<_>>::check();
    <TenantScope as AmbiguousIfDefault<_>>::check();
    // Every read names its scope; `All` is an explicit choice, and the empty tenant is the
    // personal scope, not "everything".
    let q = EventQuery::new(TenantScope::One(String::new()));
    assert_eq!(q.tenant, TenantScope::One(String::new()));
}

#[test]
fn tenant_isolation_an_envelope_naming_two_tenants_is_refused() {
    let (_dir, mut store) = temp_store();
    let raw = r#"{"eventId":"two","type":"code.x","source":"s","orgId":"org_acme","orgId":"org_globex","timestamp":"2026-05-04T09:00:00Z","data":{}}"#;
    let s = ingest_bytes(&mut store, raw.as_bytes(), "two.ndjson");
    assert_eq!(s.quarantined, 1);
    assert_eq!(quarantine(&store)[0].reason, "duplicate_key");
    assert!(all_events(&store).is_empty());
}

// ---------------------------------------------------------------------------------------------
// 5. Raw is sacred.
// ---------------------------------------------------------------------------------------------

#[test]
fn raw_is_sacred_unknown_fields_and_types_round_trip_through_raw_and_payload() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let lines = [
        // unknown Ecosystem type, unknown envelope and payload fields, odd whitespace
        r#"{ "eventId": "r-1", "eventName": "capture.hologram.created", "eventVersion": 7, "occurredAt": "2026-05-04T09:00:00Z", "productId": "lysnrai", "sourceSurface": "vr", "actor": {"actorType": "device", "actorId": "dev_1"}, "trace": {}, "x_vendor": {"shard": 7}, "payload": {"futureField": [1, 2.50, "Zoë", "\u00e9\ud83d\ude00"]} }"#,
        // unknown Aximo type and fields
        r#"{"event_id":"r-2","event_type":"execution_teleported","timestamp":"2026-05-04T09:00:01Z","customer_id":"cust_r","deployment_id":"d","skill_id":"s","skill_version":"9","x_region":"mars","payload":{"distance_km":5.5e7}}"#,
        // a convention-breaking ConnectSoft type with an unknown field
        r#"{"eventId":"r-3","eventType":"do_the_thing","tenantId":"ten_r","traceId":"t","correlationId":"c","occurredAt":"2026-05-04T09:00:02Z","schemaHint":"v3","payload":{"n":1e2}}"#,
        // unknown everything: dialect other
        r#"{"ts_unknown":1,"time":"2026-05-04T09:00:03Z","kind":"mystery","nested":{"deep":{"er":[null,true,false]}}}"#,
    ];
    {
        let mut store = Store::open(&path).unwrap();
        let s = ingest_bytes(&mut store, lines.join("\n").as_bytes(), "unknown.ndjson");
        assert_eq!(s.accepted, 4, "{:?}", quarantine(&store));
    }
    let store = Store::open_read_only(&path).unwrap(); // read back from disk
    let events = events_by_offset(&store);
    for (e, line) in events.iter().zip(lines) {
        assert_eq!(e.raw, line, "raw byte-exact");
        assert_eq!(e.raw_sha256, sha256_hex(line.as_bytes()));
    }
    assert_eq!(events[0].kind, "capture.hologram.created");
    assert!(events[0].flags.contains(&"unknown_type"));
    assert_eq!(
        events[0].payload["futureField"],
        json!([1, 2.5, "Zoë", "é😀"])
    );
    assert_eq!(events[1].kind, "execution_teleported");
    assert!(events[1].flags.contains(&"unknown_type"));
    assert_eq!(events[1].payload, json!({"distance_km": 5.5e7}));
    assert_eq!(events[2].kind, "do_the_thing");
    assert!(events[2].flags.contains(&"type_convention"));
    assert_eq!(events[2].payload, json!({"n": 100.0}));
    assert_eq!(
        events[3].payload["nested"],
        json!({"deep": {"er": [null, true, false]}})
    );
    assert_eq!(events[3].payload["kind"], "mystery");
}

// ---------------------------------------------------------------------------------------------
// 6. Deterministic.
// ---------------------------------------------------------------------------------------------

/// Every fixture record, one per line (pretty documents folded to one line), plus a few that
/// go wrong in different ways.
fn pool() -> Vec<String> {
    let mut out = Vec::new();
    for f in [
        "spine.ndjson",
        "aximo.ndjson",
        "spectral.ndjson",
        "other.ndjson",
        "ecosystem.json",
        "connectsoft.json",
        "cloudevents.json",
        "cloudevents-batch.json",
    ] {
        let bytes = std::fs::read(data(f)).unwrap();
        for r in records(&bytes) {
            let s = String::from_utf8(r).unwrap();
            out.push(if s.contains('\n') {
                serde_json::from_str::<Value>(&s).unwrap().to_string()
            } else {
                s
            });
        }
    }
    let spine0 = out[0].clone();
    out.push(spine0.clone()); // exact duplicate
    out.push(reencoded(&spine0)); // re-encoded duplicate
    let activated = out
        .iter()
        .find(|l| l.contains("0b6f3c1e-7a2d-4e5f-9b8c-1d2e3f4a5b02"))
        .unwrap()
        .clone();
    let rival = activated.replace(r#""payload":{}"#, r#""payload":{"changed":1}"#);
    assert_ne!(rival, activated);
    out.push(rival); // a conflict with its twin, whichever comes first
    out.push(r#"{"eventId":"m","type":"code.x","source":"s","timestamp":"2026-05-04T09:00:00Z","data":{}}"#.into());
    out.push(r#"{"eventId":"b","type":"code.x","orgId":"o","timestamp":"2026-13-40T00:00:00Z","data":{}}"#.into());
    // Cut short mid-string: a line that does not end the way pretty-printers break lines.
    out.push(r#"{"eventId":"cut","type":"code.x","orgId":"o","timestamp":"2026-05"#.into());
    out
}

fn ndjson(lines: &[String]) -> Vec<u8> {
    let mut v = lines.join("\n").into_bytes();
    v.push(b'\n');
    v
}

/// Items for `append`, with the origins framing would give the same lines as one NDJSON input.
fn items(lines: &[String], name: &str) -> Vec<Item> {
    let mut offset = 0u64;
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let o = Origin {
                source: name.into(),
                line: Some(i as u64 + 1),
                index: None,
                offset: Some(offset),
            };
            offset += l.len() as u64 + 1;
            ingest::prepare_bytes(l.clone().into_bytes(), o, RECEIVED_AT)
        })
        .collect()
}

struct Snapshot {
    events: Vec<Value>,
    events_without_origin: Vec<Value>,
    quarantine: Vec<Value>,
    quarantine_without_origin: Vec<Value>,
    head: String,
}

fn snapshot(store: &Store) -> Snapshot {
    let events = all_events(store);
    let quarantine: Vec<Value> = quarantine(store)
        .iter()
        .map(|r| serde_json::to_value(r).unwrap())
        .collect();
    let strip = |v: &Value| {
        let mut v = v.clone();
        for k in ["qseq", "origin", "line", "index", "offset"] {
            v.as_object_mut().unwrap().remove(k);
        }
        v
    };
    let r = store.verify().unwrap();
    assert!(r.ok, "{r:?}");
    Snapshot {
        events: events
            .iter()
            .map(|e| serde_json::to_value(e).unwrap())
            .collect(),
        events_without_origin: events.iter().map(without_origin).collect(),
        quarantine_without_origin: quarantine.iter().map(strip).collect(),
        quarantine,
        head: r.head,
    }
}

#[test]
fn deterministic_the_same_input_gives_the_same_store_and_answers() {
    let (bytes, _) = adversarial();
    let mut input = ndjson(&pool());
    input.extend_from_slice(&bytes);
    let run = || {
        let (dir, mut store) = temp_store();
        ingest_bytes(&mut store, &input, "input.ndjson");
        (dir, store)
    };
    let (_d1, s1) = run();
    let (_d2, s2) = run();
    let (a, b) = (snapshot(&s1), snapshot(&s2));
    assert!(!a.events.is_empty() && !a.quarantine.is_empty());
    assert_eq!(a.events, b.events);
    assert_eq!(a.quarantine, b.quarantine);
    assert_eq!(a.head, b.head);
    let (mut x, mut y) = (s1.stats().unwrap(), s2.stats().unwrap());
    (x.path, y.path) = (String::new(), String::new());
    assert_eq!(x, y);
    let mut q = acme();
    q.types = Some(TypePattern::new("review.*").unwrap());
    assert_eq!(s1.events(&q).unwrap(), s2.events(&q).unwrap());
}

fn chunks<T: Clone>(v: &[T], cuts: &[bool]) -> Vec<Vec<T>> {
    let mut out = vec![Vec::new()];
    for (x, cut) in v.iter().zip(cuts) {
        if *cut && !out.last().unwrap().is_empty() {
            out.push(Vec::new());
        }
        out.last_mut().unwrap().push(x.clone());
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 16,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn deterministic_one_batch_or_many_gives_the_same_store(
        lines in Just(pool()).prop_shuffle(),
        cuts in prop::collection::vec(any::<bool>(), pool().len()),
        commit_every in 1usize..8,
    ) {
        let name = "pool.ndjson";
        let input = ndjson(&lines);
        let parts = chunks(&lines, &cuts);

        // One ingest_reader call, committing once.
        let (_d1, mut one) = temp_store();
        ingest_bytes(&mut one, &input, name);
        let base = snapshot(&one);

        // One ingest_reader call, committing every few records.
        let (_d2, mut often) = temp_store();
        ingest::ingest_reader(&mut often, Cursor::new(input.clone()), name, None,
            &opts(commit_every), &mut |_| {}).unwrap();
        let s = snapshot(&often);
        prop_assert_eq!(&s.events, &base.events);
        prop_assert_eq!(&s.quarantine, &base.quarantine);
        prop_assert_eq!(&s.head, &base.head);

        // Several ingest_reader calls, one per chunk (origins restart per input).
        let (_d3, mut many) = temp_store();
        for part in &parts {
            ingest_bytes(&mut many, &ndjson(part), name);
        }
        let s = snapshot(&many);
        prop_assert_eq!(&s.events_without_origin, &base.events_without_origin);
        prop_assert_eq!(&s.quarantine_without_origin, &base.quarantine_without_origin);
        prop_assert_eq!(&s.head, &base.head);

        // One append call, then several: the same store as ingest gave.
        let all = items(&lines, name);
        let (_d4, mut appended) = temp_store();
        appended.append(&all).unwrap();
        let s = snapshot(&appended);
        prop_assert_eq!(&s.events, &base.events);
        prop_assert_eq!(&s.quarantine, &base.quarantine);
        prop_assert_eq!(&s.head, &base.head);

        let (_d5, mut batches) = temp_store();
        for part in chunks(&all, &cuts) {
            batches.append(&part).unwrap();
        }
        let s = snapshot(&batches);
        prop_assert_eq!(&s.events, &base.events);
        prop_assert_eq!(&s.quarantine, &base.quarantine);
        prop_assert_eq!(&s.head, &base.head);
    }
}

// ---------------------------------------------------------------------------------------------
// Regressions
// ---------------------------------------------------------------------------------------------

/// Run `f` on another thread; fail if it has not finished within 20 s.
fn within_20s<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|e| panic!("{what} did not return within 20 s ({e}): a deadlock"))
}

#[test]
fn regression_ingest_into_a_read_only_store_errors_promptly_instead_of_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_with(dir.path(), 2);
    // More records than the reader→writer hand-over holds, so a reader nobody releases blocks.
    let lines: Vec<String> = (0..8_000)
        .map(|n| spine(&format!("ro-{n}"), "org_acme", n, "{}"))
        .collect();
    let input = ndjson(&lines);
    let file = write(dir.path(), "big.ndjson", &input);

    let p = path.clone();
    let res = within_20s("ingest_reader into a read-only store", move || {
        let mut ro = Store::open_read_only(&p).unwrap();
        ingest::ingest_reader(
            &mut ro,
            Cursor::new(input),
            "big.ndjson",
            None,
            &opts(1000),
            &mut |_| {},
        )
        .map_err(|e| e.to_string())
    });
    let err = res.expect_err("writing into a read-only store must fail");
    assert!(err.contains("read-only"), "{err}");

    let p = path.clone();
    let res = within_20s("ingest_paths into a read-only store", move || {
        let mut ro = Store::open_read_only(&p).unwrap();
        ingest::ingest_paths(&mut ro, &[file], &opts(1000), &mut |_| {}).map_err(|e| e.to_string())
    });
    assert!(res.is_err());

    let store = Store::open_read_only(&path).unwrap();
    assert_eq!(all_events(&store).len(), 2, "nothing was written");
    assert!(store.verify().unwrap().ok);
}
