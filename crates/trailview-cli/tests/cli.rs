//! Issue #2 — the `trailview` binary's contract: the `--json` shapes scripts depend on, exit
//! codes, and errors that are one readable line (never a panic), run against the real binary
//! with `--db` in a temporary directory.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

const EXE: &str = env!("CARGO_BIN_EXE_trailview");

/// `trailview --db <db> args…`, with the environment's default store out of the way.
fn trailview(db: &Path, args: &[&str]) -> Output {
    Command::new(EXE)
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("TRAILVIEW_DB")
        .output()
        .expect("the trailview binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ndjson(o: &Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// Succeeded, and said nothing alarming.
#[track_caller]
fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        stdout(o),
        stderr(o)
    );
    assert!(!stderr(o).contains("panicked"), "{}", stderr(o));
}

/// Failed with exactly one line on stderr, no panic, and nothing half-written on stdout.
#[track_caller]
fn one_line_error(o: &Output) -> String {
    let err = stderr(o);
    assert!(
        !o.status.success(),
        "expected a failure; stdout: {}",
        stdout(o)
    );
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one line on stderr: {err:?}"
    );
    assert!(err.trim().len() > "trailview: ".len(), "a message: {err:?}");
    err
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

fn is_utc_micros(t: &str) -> bool {
    // 2026-04-05T09:03:40.000000Z
    let b = t.as_bytes();
    b.len() == 27
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'.',
            26 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

/// The lines of `a.ndjson`: approvals of two tenants and one personal-free Aximo tenant, and one
/// line whose time cannot be read.
fn lines_a() -> Vec<String> {
    let eco = |id: &str, name: &str, org: &str, at: &str| {
        format!(
            r#"{{"eventId":"{id}","eventName":"{name}","eventVersion":1,"occurredAt":"{at}","productId":"cowork","sourceSurface":"cli","userId":"user_123","orgId":"{org}","runId":"run_5","actor":{{"actorType":"user","actorId":"user_123"}},"trace":{{"correlationId":"corr_run_5","causationId":null,"parentEventId":null}},"payload":{{"action":"email.send"}}}}"#
        )
    };
    vec![
        eco("evt_a1", "approval.action.requested", "org_acme", "2026-04-05T09:00:05Z"),
        eco("evt_a2", "approval.action.approved", "org_acme", "2026-04-05T09:03:40Z"),
        eco("evt_a3", "agent.run.started", "org_acme", "2026-04-05T09:00:00Z"),
        eco("evt_a4", "approval.action.denied", "org_acme", "2026-04-06T10:00:00+02:00"),
        eco("evt_g1", "approval.action.requested", "org_globex", "2026-04-05T09:30:00Z"),
        r#"{"event_id":"ax-1","event_type":"approval_requested","timestamp":"2026-04-05T10:00:00Z","customer_id":"cust_northwind","deployment_id":"d","skill_id":"s","skill_version":"1.0.0","execution_id":"exec_1","actor":"system","payload":{}}"#.into(),
        r#"{"eventId":"evt_bad","eventName":"approval.action.approved","occurredAt":"last tuesday","productId":"x"}"#.into(),
    ]
}

const B_JSON: &str = r#"{
    "specversion" : "1.0",
    "type" : "com.acme.approval.requested",
    "source" : "/acme/change-approvals",
    "id" : "ce-1",
    "time" : "2026-04-05T09:10:00Z",
    "tenantid" : "org_acme",
    "data" : { "change" : "CHG-1042" }
}
"#;

struct Fixture {
    dir: TempDir,
    db: PathBuf,
    a: PathBuf,
    b: PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.ndjson");
    std::fs::write(&a, lines_a().join("\n") + "\n").unwrap();
    let b = dir.path().join("b.json");
    std::fs::write(&b, B_JSON).unwrap();
    Fixture {
        db: dir.path().join("store").join("trailview.db"),
        dir,
        a,
        b,
    }
}

fn ingested() -> Fixture {
    let f = fixture();
    ok(&trailview(
        &f.db,
        &["ingest", path(&f.a), path(&f.b), "--json"],
    ));
    f
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temp path")
}

fn quoted(p: &Path) -> String {
    serde_json::to_string(path(p)).unwrap()
}

// ---------------------------------------------------------------------------------------------
// ingest
// ---------------------------------------------------------------------------------------------

#[test]
fn ingest_json_prints_exactly_the_summary_object() {
    let f = fixture();
    let o = trailview(&f.db, &["ingest", path(&f.a), path(&f.b), "--json"]);
    ok(&o);
    assert_eq!(
        stdout(&o),
        format!(
            "{{\"accepted\":7,\"duplicates\":0,\"quarantined\":1,\"files\":[\
             {{\"path\":{},\"accepted\":6,\"duplicates\":0,\"quarantined\":1}},\
             {{\"path\":{},\"accepted\":1,\"duplicates\":0,\"quarantined\":0}}]}}\n",
            quoted(&f.a),
            quoted(&f.b)
        )
    );

    // Again: nothing new, every event a counted duplicate, the refusal counted again.
    let o = trailview(&f.db, &["ingest", path(&f.a), path(&f.b), "--json"]);
    ok(&o);
    assert_eq!(
        serde_json::from_str::<Value>(&stdout(&o)).unwrap(),
        json!({"accepted": 0, "duplicates": 7, "quarantined": 1, "files": [
            {"path": path(&f.a), "accepted": 0, "duplicates": 6, "quarantined": 1},
            {"path": path(&f.b), "accepted": 0, "duplicates": 1, "quarantined": 0}]})
    );
}

#[test]
fn ingest_with_deferred_indexes_stores_everything_and_search_still_answers() {
    let f = fixture();
    let o = trailview(
        &f.db,
        &["ingest", path(&f.a), path(&f.b), "--defer-indexes"],
    );
    ok(&o);
    assert!(stdout(&o).contains("total: 7 stored"), "{}", stdout(&o));
    assert!(!stdout(&o).contains("text search"), "{}", stdout(&o));
    // Not indexed yet, found all the same (the unindexed tail is checked row by row).
    let search = |f: &Fixture| {
        let o = trailview(
            &f.db,
            &["events", "--tenant", "org_acme", "--text", "chg", "--json"],
        );
        ok(&o);
        stdout(&o)
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(search(&f), [json!("ce-1")]);
    // The next ingest (nothing new) catches the index up.
    let o = trailview(&f.db, &["ingest", path(&f.a), path(&f.b)]);
    ok(&o);
    assert!(
        stdout(&o).contains("text search: 7 events indexed"),
        "{}",
        stdout(&o)
    );
    assert_eq!(search(&f), [json!("ce-1")]);
}

#[test]
fn ingest_a_directory_takes_its_files_recursively_in_sorted_order() {
    let f = fixture();
    let input = f.dir.path().join("in");
    std::fs::create_dir_all(input.join("2-later")).unwrap();
    std::fs::copy(&f.a, input.join("1-first.ndjson")).unwrap();
    std::fs::copy(&f.b, input.join("2-later").join("b.json")).unwrap();
    std::fs::write(input.join(".hidden.ndjson"), "not even JSON\n").unwrap();
    let o = trailview(&f.db, &["ingest", path(&input), "--json"]);
    ok(&o);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let files: Vec<&str> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            path(&input.join("1-first.ndjson")),
            path(&input.join("2-later").join("b.json"))
        ]
    );
    assert_eq!(
        (v["accepted"].as_u64(), v["quarantined"].as_u64()),
        (Some(7), Some(1))
    );
}

// ---------------------------------------------------------------------------------------------
// events
// ---------------------------------------------------------------------------------------------

const FIELDS: &[&str] = &[
    "seq",
    "id",
    "type",
    "type_version",
    "occurred_at",
    "received_at",
    "tenant",
    "source",
    "actor",
    "user_id",
    "correlation_id",
    "causation_id",
    "parent_id",
    "trace_id",
    "subject",
    "payload",
    "dialect",
    "raw",
    "raw_sha256",
];

#[test]
fn events_json_is_ndjson_of_canonical_events_with_raw_in_time_order() {
    let f = ingested();
    for since in [
        "2026-04-05T09:01:00Z",
        "2026-04-05T11:01:00+02:00",
        "1775379660000",
    ] {
        let o = trailview(
            &f.db,
            &[
                "events",
                "--tenant",
                "org_acme",
                "--type",
                "approval.*",
                "--since",
                since,
                "--json",
            ],
        );
        ok(&o);
        let events = ndjson(&o);
        let ids: Vec<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["evt_a2", "evt_a4"], "--since {since}");
        for e in &events {
            for k in FIELDS {
                assert!(e.get(*k).is_some(), "field {k} missing in {e}");
            }
            assert_eq!(e["tenant"], "org_acme");
            assert_eq!(e["dialect"], "ecosystem");
            assert!(is_utc_micros(e["occurred_at"].as_str().unwrap()), "{e}");
            assert!(is_utc_micros(e["received_at"].as_str().unwrap()), "{e}");
            let raw = e["raw"].as_str().unwrap();
            assert!(
                lines_a().iter().any(|l| l == raw),
                "raw is the input line exactly"
            );
            assert_eq!(e["raw_sha256"], sha256_hex(raw.as_bytes()));
        }
        assert_eq!(events[1]["occurred_at"], "2026-04-06T08:00:00.000000Z");
        assert_eq!(events[0]["type"], "approval.action.approved");
        assert_eq!(
            events[0]["actor"],
            json!({"type": "user", "id": "user_123"})
        );
        assert_eq!(events[0]["payload"], json!({"action": "email.send"}));
    }

    // Without --since: the request too; never globex's, never Aximo's snake_case approvals.
    let o = trailview(
        &f.db,
        &[
            "events",
            "--tenant",
            "org_acme",
            "--type",
            "approval.*",
            "--json",
        ],
    );
    ok(&o);
    let ids: Vec<String> = ndjson(&o)
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["evt_a1", "evt_a2", "evt_a4"]);

    // An explicit --all-tenants sees every tenant.
    let o = trailview(&f.db, &["events", "--all-tenants", "--json"]);
    ok(&o);
    assert_eq!(ndjson(&o).len(), 7);
}

#[test]
fn events_without_a_tenant_scope_is_a_usage_error() {
    let f = ingested();
    for args in [
        &["events"][..],
        &["events", "--json"],
        &["events", "--type", "approval.*"],
        &["events", "--tenant", "org_acme", "--all-tenants"],
    ] {
        let o = trailview(&f.db, args);
        assert!(!o.status.success(), "{args:?} must fail");
        assert_eq!(o.status.code(), Some(2), "{args:?}: a usage error");
        assert!(
            o.stdout.is_empty(),
            "{args:?} printed events: {}",
            stdout(&o)
        );
        let err = stderr(&o);
        assert!(!err.trim().is_empty() && !err.contains("panicked"), "{err}");
        assert!(
            err.contains("--tenant") || err.contains("--all-tenants"),
            "{err}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// quarantine, verify, stats
// ---------------------------------------------------------------------------------------------

#[test]
fn quarantine_json_lists_origin_line_offset_reason_and_raw_hash() {
    let f = ingested();
    let o = trailview(&f.db, &["quarantine", "--json"]);
    ok(&o);
    let rows = ndjson(&o);
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    for k in [
        "origin",
        "line",
        "offset",
        "reason",
        "message",
        "raw_sha256",
        "raw_len",
    ] {
        assert!(r.get(k).is_some(), "field {k} missing in {r}");
    }
    let bad = lines_a().pop().unwrap();
    let offset: usize = lines_a()[..6].iter().map(|l| l.len() + 1).sum();
    assert_eq!(r["origin"], path(&f.a));
    assert_eq!(r["line"], 7);
    assert_eq!(r["offset"], offset);
    assert_eq!(r["reason"], "bad_timestamp");
    assert!(
        r["message"].as_str().unwrap().contains("last tuesday"),
        "{r}"
    );
    assert_eq!(r["raw_len"], bad.len());
    assert_eq!(r["raw_sha256"], sha256_hex(bad.as_bytes()));
}

#[test]
fn verify_json_trusts_an_intact_store_and_names_the_first_tampered_seq() {
    let f = ingested();
    let o = trailview(&f.db, &["verify", "--json"]);
    ok(&o);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["events"], 7);
    assert_eq!(v["first_bad_seq"], Value::Null);
    assert_eq!(v["head"].as_str().unwrap().len(), 64);

    // Behind the triggers, change one byte of the raw envelope stored at seq 2.
    let conn = rusqlite::Connection::open(&f.db).unwrap();
    conn.execute_batch("DROP TRIGGER events_no_update").unwrap();
    let raw: Vec<u8> = conn
        .query_row("SELECT raw FROM events WHERE seq = 2", [], |r| r.get(0))
        .unwrap();
    let edited = String::from_utf8(raw)
        .unwrap()
        .replacen("user_123", "user_124", 1);
    conn.execute(
        "UPDATE events SET raw = ?1 WHERE seq = 2",
        [edited.as_bytes()],
    )
    .unwrap();
    drop(conn);

    let o = trailview(&f.db, &["verify", "--json"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "not trusted is exit 1; stderr: {}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("panicked"));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["ok"], false, "{v}");
    assert_eq!(v["first_bad_seq"], 2, "{v}");

    let o = trailview(&f.db, &["verify"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("NOT trusted"), "{}", stdout(&o));
}

#[test]
fn stats_json_counts_tenants_dialects_and_quarantine_reasons() {
    let f = ingested();
    let o = trailview(&f.db, &["stats", "--json"]);
    ok(&o);
    let s: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(s["events"], 7);
    assert_eq!(s["quarantined"], 1);
    assert_eq!(s["last_seq"], 7);
    assert_eq!(
        s["dialects"],
        json!({"aximo": 1, "cloudevents": 1, "ecosystem": 5})
    );
    assert_eq!(s["quarantine"], json!({"bad_timestamp": 1}));
    let tenants: Vec<(String, u64)> = s["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["tenant"].as_str().unwrap().to_owned(),
                t["events"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        tenants,
        [
            ("cust_northwind".to_owned(), 1),
            ("org_acme".to_owned(), 5),
            ("org_globex".to_owned(), 1)
        ]
    );
    // The head stats reports is the head verify recomputes.
    let v: Value = serde_json::from_str(&stdout(&trailview(&f.db, &["verify", "--json"]))).unwrap();
    assert_eq!(s["head"], v["head"]);
}

// ---------------------------------------------------------------------------------------------
// Errors: one line on stderr, a non-zero exit, never a panic.
// ---------------------------------------------------------------------------------------------

#[test]
fn a_missing_input_file_is_a_one_line_error_and_writes_nothing() {
    let f = fixture();
    let missing = f.dir.path().join("no-such-file.ndjson");
    let o = trailview(&f.db, &["ingest", path(&f.a), path(&missing)]);
    let err = one_line_error(&o);
    assert!(err.contains("no-such-file.ndjson"), "{err}");
    // Every input is checked before the first record is written.
    let o = trailview(&f.db, &["stats", "--json"]);
    if o.status.success() {
        let s: Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(s["events"], 0, "a failed ingest left a half-done store");
    }
}

#[test]
fn a_db_that_is_a_directory_is_a_one_line_error() {
    let f = fixture();
    for args in [&["stats"][..], &["verify"], &["ingest", path(&f.a)]] {
        let err = one_line_error(&trailview(f.dir.path(), args));
        assert!(err.contains(path(f.dir.path())), "{args:?}: {err}");
    }
}

#[test]
fn a_db_that_is_not_a_trailview_store_is_a_one_line_error_and_is_left_alone() {
    let f = fixture();
    // Someone else's SQLite database.
    let foreign = f.dir.path().join("foreign.sqlite");
    let conn = rusqlite::Connection::open(&foreign).unwrap();
    conn.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me');")
        .unwrap();
    drop(conn);
    // A text file.
    let text = f.dir.path().join("notes.txt");
    std::fs::write(&text, "just some notes, not a database\n".repeat(200)).unwrap();
    let text_before = std::fs::read(&text).unwrap();

    for db in [&foreign, &text] {
        for args in [
            &["stats"][..],
            &["verify", "--json"],
            &["ingest", path(&f.a)],
        ] {
            let o = trailview(db, args);
            let err = one_line_error(&o);
            assert!(o.stdout.is_empty(), "{args:?}");
            assert!(err.contains(path(db)), "{db:?} {args:?}: {err}");
        }
    }
    let conn = rusqlite::Connection::open(&foreign).unwrap();
    let body: String = conn
        .query_row("SELECT body FROM notes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(body, "keep me");
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        tables, 1,
        "no Trailview tables were added to someone else's database"
    );
    assert_eq!(std::fs::read(&text).unwrap(), text_before);
    // Refusing must not rewrite the other database's header either (Store::open switches a
    // file to WAL before it finds out the file is not a store).
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        mode, "delete",
        "someone else's database was switched to another journal mode"
    );
}

#[test]
fn reading_commands_on_a_missing_store_are_one_line_errors_and_create_nothing() {
    let f = fixture();
    for args in [
        &["events", "--all-tenants"][..],
        &["quarantine"],
        &["verify"],
        &["stats"],
    ] {
        let err = one_line_error(&trailview(&f.db, args));
        assert!(err.contains(path(&f.db)), "{args:?}: {err}");
    }
    assert!(!f.db.exists());
}

#[test]
fn an_unreadable_since_or_type_is_a_one_line_error() {
    let f = ingested();
    for args in [
        &["events", "--tenant", "org_acme", "--since", "yesterday"][..],
        &[
            "events",
            "--tenant",
            "org_acme",
            "--since",
            "2026-04-05T09:01:00",
        ],
        &["events", "--tenant", "org_acme", "--until", "soon"],
        &["events", "--tenant", "org_acme", "--type", "  "],
    ] {
        let o = trailview(&f.db, args);
        let err = one_line_error(&o);
        assert!(o.stdout.is_empty(), "{args:?}");
        let bad = args[args.len() - 1].trim();
        assert!(bad.is_empty() || err.contains(bad), "{args:?}: {err}");
    }
}

// ---------------------------------------------------------------------------------------------
// `trailview … | head -1`
// ---------------------------------------------------------------------------------------------

/// Run with stdout on a pipe, read one line, close the pipe, and wait.
fn first_line_then_close(db: &Path, args: &[&str]) -> (String, std::process::ExitStatus, String) {
    let mut child = Command::new(EXE)
        .arg("--db")
        .arg(db)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    {
        let mut out = BufReader::new(child.stdout.take().unwrap());
        out.read_line(&mut line).unwrap();
    } // the read end closes here, like `head -1` exiting
    let out = child.wait_with_output().unwrap();
    (
        line,
        out.status,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_closed_pipe_ends_output_quietly() {
    let f = fixture();
    // Enough output to overflow any pipe buffer several times over.
    let big = f.dir.path().join("big.ndjson");
    let lines: Vec<String> = (0..2_000)
        .map(|n| {
            format!(
                r#"{{"eventId":"bulk-{n}","eventName":"agent.run.completed","eventVersion":1,"occurredAt":"2026-04-05T10:{:02}:{:02}Z","productId":"cowork","sourceSurface":"cli","orgId":"org_acme","actor":{{"actorType":"agent","actorId":"agent_cowork"}},"trace":{{}},"payload":{{"n":{n},"padding":"{}"}}}}"#,
                (n / 60) % 60,
                n % 60,
                "x".repeat(400)
            )
        })
        .collect();
    std::fs::write(&big, lines.join("\n")).unwrap();
    ok(&trailview(&f.db, &["ingest", path(&big)]));
    for args in [
        &["events", "--tenant", "org_acme", "--json"][..],
        &["events", "--all-tenants"],
    ] {
        let (line, status, err) = first_line_then_close(&f.db, args);
        assert!(line.contains("bulk-0"), "{args:?}: {line}");
        assert!(status.success(), "{args:?}: exit {status:?}, stderr {err}");
        assert!(
            err.is_empty(),
            "{args:?}: a broken pipe is not an error: {err}"
        );
    }
}
