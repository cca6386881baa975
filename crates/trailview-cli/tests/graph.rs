//! Issue #4 — `trailview graph`, `trailview metrics` and `trailview alerts`, run as the real
//! binary on a real store: the `--json` shapes scripts depend on, the human summaries, and the
//! errors (one line, never a panic).

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{json, Value};

const EXE: &str = env!("CARGO_BIN_EXE_trailview");

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

#[track_caller]
fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    stdout(o)
}

#[track_caller]
fn fails(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!o.status.success());
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    err
}

fn json_of(o: &Output) -> Value {
    serde_json::from_str(ok(o).trim()).expect("one JSON object")
}

/// A store holding a ConnectSoft causation chain with a fork and a missing cause (tenant
/// connectsoft), the same correlation id in tenant other, and Aximo executions.
fn store() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let cs = |id: &str, tenant: &str, cause: Option<&str>, at: &str| {
        json!({"eventId": id, "eventType": "AgentTaskCompleted", "tenantId": tenant,
               "traceId": "trace-1", "correlationId": "corr-3a6e1d40", "causationId": cause,
               "occurredAt": at, "payload": {}})
        .to_string()
    };
    let ax = |id: &str, ty: &str, at: &str| {
        json!({"event_id": id, "event_type": ty, "timestamp": at, "customer_id": "cust_a",
               "deployment_id": "dep_1", "skill_id": "s", "skill_version": "1.0.0",
               "execution_id": "x1", "actor": "system", "payload": {}})
        .to_string()
    };
    let lines = [
        cs("evt-a", "connectsoft", None, "2026-06-11T00:00:00Z"),
        cs(
            "evt-b",
            "connectsoft",
            Some("evt-a"),
            "2026-06-11T00:01:00Z",
        ),
        cs(
            "evt-c",
            "connectsoft",
            Some("evt-a"),
            "2026-06-11T00:02:00Z",
        ),
        cs(
            "evt-d",
            "connectsoft",
            Some("evt-gone"),
            "2026-06-11T00:03:00Z",
        ),
        cs("evt-z", "other", Some("evt-a"), "2026-06-11T00:00:30Z"),
        ax("ax-1", "execution_triggered", "2026-05-01T08:00:00Z"),
        ax("ax-2", "execution_failed", "2026-05-01T08:01:00Z"),
        ax("ax-3", "execution_triggered", "2026-05-01T08:02:00Z"),
        ax("ax-4", "execution_completed", "2026-05-01T08:03:00Z"),
    ];
    let file = dir.path().join("in.ndjson");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let db = dir.path().join("store.db");
    ok(&trailview(&db, &["ingest", file.to_str().unwrap()]));
    (dir, db)
}

#[test]
fn graph_json_is_the_analysed_graph() {
    let (_d, db) = store();
    let g = json_of(&trailview(
        &db,
        &[
            "graph",
            "--tenant",
            "connectsoft",
            "--correlation",
            "corr-3a6e1d40",
            "--json",
        ],
    ));
    let ids: Vec<&str> = g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["evt-a", "evt-b", "evt-c", "evt-gone", "evt-d"]);
    assert!(
        !ids.contains(&"evt-z"),
        "the other tenant's event never appears"
    );
    assert_eq!(g["nodes"][3]["kind"], "missing");
    assert_eq!(g["orphans"][0]["missing_id"], "evt-gone");
    assert_eq!(g["forks"], json!([0]));
    assert_eq!(g["truncated"], false);
    assert_eq!(g["scope"], "correlation");
    let e = &g["edges"][0];
    assert_eq!(e["kind"], "causation");
    assert_eq!(e["route"].as_array().unwrap().len(), 3);
    assert!(g["nodes"][0]["x"].is_number() && g["nodes"][0]["lane"].is_number());

    let small = json_of(&trailview(
        &db,
        &[
            "graph",
            "--tenant",
            "connectsoft",
            "--event",
            "evt-b",
            "--max-nodes",
            "2",
            "--json",
        ],
    ));
    assert_eq!(small["truncated"], true);
    assert_eq!(small["max_nodes"], 2);
}

#[test]
fn graph_human_summary_and_errors() {
    let (_d, db) = store();
    let out = ok(&trailview(
        &db,
        &["graph", "--tenant", "connectsoft", "--trace", "trace-1"],
    ));
    assert!(out.contains("4 events, 5 nodes"), "{out}");
    assert!(
        out.contains("orphans (links to ids not in the store): 1"),
        "{out}"
    );
    assert!(out.contains("evt-gone"), "{out}");
    assert!(out.contains("critical path"), "{out}");

    let err = fails(&trailview(
        &db,
        &["graph", "--tenant", "other", "--event", "evt-a"],
    ));
    assert!(
        err.contains("no event with id \"evt-a\" in tenant \"other\""),
        "{err}"
    );
    // A scope is required, and only one.
    assert!(!trailview(&db, &["graph", "--tenant", "x"]).status.success());
    assert!(!trailview(
        &db,
        &["graph", "--tenant", "x", "--trace", "a", "--event", "b"]
    )
    .status
    .success());
}

#[test]
fn metrics_json_and_text() {
    let (_d, db) = store();
    let m = json_of(&trailview(
        &db,
        &["metrics", "--tenant", "cust_a", "--json"],
    ));
    assert_eq!(m["events"], 4);
    assert_eq!(m["error_rate"]["numerator"], 1);
    assert_eq!(m["error_rate"]["denominator"], 2);
    assert_eq!(m["error_rate"]["rate"], 0.5);
    assert_eq!(m["sla_breach_rate"]["rate"], 0.0);
    assert_eq!(m["per_hour"][0]["count"], 4);
    assert!(m["approval_latency"].is_null());
    let text = ok(&trailview(&db, &["metrics", "--tenant", "cust_a"]));
    assert!(
        text.contains("error rate      50.00% (1 execution_failed / 2 execution_triggered)"),
        "{text}"
    );
    let err = fails(&trailview(
        &db,
        &["metrics", "--tenant", "cust_a", "--since", "yesterday"],
    ));
    assert!(err.contains("yesterday"), "{err}");
}

#[test]
fn alerts_from_a_rule_file() {
    let (d, db) = store();
    let rules = d.path().join("rules.toml");
    std::fs::write(
        &rules,
        r#"
[[rules]]
name = "executions failing"
metric = "ratio"
type = "execution_failed"
over = "execution_triggered"
above = "5%"
window = "1h"

[[rules]]
name = "everything fails"
metric = "ratio"
type = "execution_failed"
over = "execution_triggered"
above = "60%"
window = "1h"
"#,
    )
    .unwrap();
    let r = json_of(&trailview(
        &db,
        &[
            "alerts",
            "--tenant",
            "cust_a",
            "--rules",
            rules.to_str().unwrap(),
            "--json",
        ],
    ));
    assert_eq!(r["firings"].as_array().unwrap().len(), 1, "{r}");
    let f = &r["firings"][0];
    assert_eq!(f["rule"], "executions failing");
    assert_eq!(f["value"], 0.5);
    assert_eq!(f["evidence"][0]["id"], "ax-2");
    assert_eq!(r["rules"][1]["firings"], 0);
    assert_eq!(r["rules"][1]["windows_judged"], 1);
    let text = ok(&trailview(
        &db,
        &[
            "alerts",
            "--tenant",
            "cust_a",
            "--rules",
            rules.to_str().unwrap(),
        ],
    ));
    assert!(text.contains("FIRING executions failing"), "{text}");
    assert!(text.contains("ax-2"), "{text}");

    std::fs::write(&rules, "[[rules]]\nname = \"x\"\nmetric = \"ratio\"\n").unwrap();
    let err = fails(&trailview(
        &db,
        &[
            "alerts",
            "--tenant",
            "cust_a",
            "--rules",
            rules.to_str().unwrap(),
        ],
    ));
    assert!(err.contains("rules.toml"), "{err}");
}
