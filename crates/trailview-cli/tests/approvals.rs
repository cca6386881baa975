//! Issue #4 — `trailview approvals`, `executions` and `replay` against the real binary: the
//! `--json` shapes, the answers on a generated store and on a hand-written seed scenario, and
//! clear one-line errors.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{json, Value};
use tempfile::TempDir;

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

#[track_caller]
fn json_of(o: &Output) -> Value {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8(o.stdout.clone()).unwrap();
    assert_eq!(out.lines().count(), 1, "one JSON object on one line");
    serde_json::from_str(&out).unwrap()
}

/// A store with one Aximo execution that asked for approval, was approved by user_140 five
/// minutes later, dispatched and completed (seed 001 §5), and an Ecosystem request decided
/// twice (seed 004 §5.6).
fn scenario() -> (TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let ax = |id: &str, ty: &str, ts: &str, payload: Value| {
        json!({"event_id": id, "event_type": ty, "timestamp": ts, "customer_id": "acme",
               "deployment_id": "dep_1", "skill_id": "lead_capture", "skill_version": "1.4.0",
               "execution_id": "exec-1", "risk_level": "high", "approval_mode": "required",
               "actor": "system", "payload": payload, "correlation_id": "corr-exec-1"})
    };
    let eco = |id: &str, name: &str, ts: &str, cause: Option<&str>, payload: Value| {
        json!({"eventId": id, "eventName": name, "eventVersion": 1, "occurredAt": ts,
               "productId": "actiontrail", "sourceSurface": "desktop", "userId": "user_123",
               "orgId": "acme", "actor": {"actorType": "user", "actorId": "user_123"},
               "trace": {"correlationId": "corr_eco", "causationId": cause, "parentEventId": null},
               "payload": payload})
    };
    let lines = [
        ax(
            "a1",
            "execution_triggered",
            "2026-11-01T09:00:00Z",
            json!({}),
        ),
        ax(
            "a2",
            "execution_processing",
            "2026-11-01T09:00:01Z",
            json!({}),
        ),
        ax(
            "a3",
            "approval_requested",
            "2026-11-01T09:00:02Z",
            json!({"approval_id": "apr_1", "action_summary": "Refund 120 EUR", "timeout_at": "2026-11-01T09:30:02Z"}),
        ),
        ax(
            "a4",
            "approval_granted",
            "2026-11-01T09:05:02Z",
            json!({"approval_id": "apr_1", "decided_by": "user_140"}),
        ),
        ax(
            "a5",
            "action_dispatched",
            "2026-11-01T09:05:03Z",
            json!({"approval_id": "apr_1"}),
        ),
        ax(
            "a6",
            "execution_completed",
            "2026-11-01T09:05:04Z",
            json!({"actions_dispatched": 1}),
        ),
        eco(
            "e1",
            "approval.action.requested",
            "2026-11-01T10:00:00Z",
            None,
            json!({"approvalId": "apr_2", "expiresAt": "2026-11-01T11:00:00Z"}),
        ),
        eco(
            "e2",
            "approval.action.approved",
            "2026-11-01T10:01:00Z",
            Some("e1"),
            json!({"decidedBy": "user_200"}),
        ),
        eco(
            "e3",
            "approval.action.denied",
            "2026-11-01T10:02:00Z",
            Some("e1"),
            json!({"decidedBy": "user_300"}),
        ),
    ];
    let file = dir.path().join("s.ndjson");
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&file, text).unwrap();
    let o = trailview(&db, &["ingest", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (dir, db)
}

#[test]
fn approvals_json_lists_every_case_with_its_decider_latency_and_anomalies() {
    let (_d, db) = scenario();
    let r = json_of(&trailview(
        &db,
        &["approvals", "--tenant", "acme", "--json"],
    ));
    assert_eq!(r["counts"]["total"], 2);
    let cases = r["cases"].as_array().unwrap();
    assert_eq!(cases[0]["status"], "approved");
    assert_eq!(cases[0]["decider"], "user_140");
    assert_eq!(cases[0]["latency_ms"], 300_000);
    assert_eq!(cases[0]["request"]["seq"], 3);
    assert_eq!(cases[1]["status"], "approved");
    assert_eq!(cases[1]["anomalies"][0]["kind"], "decided_more_than_once");
    let ev: Vec<i64> = cases[1]["anomalies"][0]["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(ev, [7, 8, 9]);
    let then = json_of(&trailview(
        &db,
        &[
            "approvals",
            "--tenant",
            "acme",
            "--as-of",
            "2026-11-01T09:01:00Z",
            "--json",
        ],
    ));
    assert_eq!(then["counts"]["pending"], 1);
    assert_eq!(then["counts"]["total"], 1);
    let only = json_of(&trailview(
        &db,
        &[
            "approvals",
            "--tenant",
            "acme",
            "--status",
            "pending",
            "--json",
        ],
    ));
    assert_eq!(only["counts"]["total"], 0);
    // Another tenant sees nothing of acme's.
    let other = json_of(&trailview(
        &db,
        &["approvals", "--tenant", "globex", "--json"],
    ));
    assert_eq!(other["counts"]["total"], 0);
}

#[test]
fn executions_and_replay_follow_the_aximo_state_machine() {
    let (_d, db) = scenario();
    let r = json_of(&trailview(
        &db,
        &["executions", "--tenant", "acme", "--json"],
    ));
    let x = &r["executions"][0];
    assert_eq!(x["status"], "completed");
    assert_eq!(x["approval"], "granted");
    assert_eq!(x["dispatched"], true);
    assert_eq!(x["duration_ms"], 304_000);
    assert_eq!(x["violations"], json!([]));
    let r = json_of(&trailview(
        &db,
        &[
            "replay",
            "--tenant",
            "acme",
            "--execution",
            "exec-1",
            "--at",
            "3",
            "--diff-from",
            "start",
            "--json",
        ],
    ));
    assert_eq!(r["position"], 3);
    assert_eq!(r["state"]["executions"][0]["status"], "awaiting_approval");
    assert_eq!(r["state"]["approvals"][0]["status"], "pending");
    assert_eq!(r["diff"]["executions"][0]["to"], "awaiting_approval");
    let r = json_of(&trailview(
        &db,
        &[
            "replay",
            "--tenant",
            "acme",
            "--since",
            "2026-11-01T00:00:00Z",
            "--until",
            "2026-11-02T00:00:00Z",
            "--at",
            "2026-11-01T09:05:03Z",
            "--json",
        ],
    ));
    assert_eq!(r["total_frames"], 9);
    assert_eq!(r["position"], 5);
    assert_eq!(r["state"]["executions"][0]["status"], "dispatched");
    // Human output is tidy text.
    let o = trailview(
        &db,
        &["replay", "--tenant", "acme", "--execution", "exec-1"],
    );
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("frame 6/6"), "{text}");
    assert!(text.contains("completed"), "{text}");
}

#[test]
fn bad_requests_are_one_clear_line() {
    let (_d, db) = scenario();
    for args in [
        &["replay", "--tenant", "acme", "--at", "3"][..],
        &[
            "replay",
            "--tenant",
            "acme",
            "--execution",
            "exec-1",
            "--at",
            "later",
        ],
        &["approvals", "--tenant", "acme", "--as-of", "noon"],
    ] {
        let o = trailview(&db, args);
        assert!(!o.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains("bad_"), "{args:?}: {err}");
    }
    let missing = tempfile::tempdir().unwrap();
    let o = trailview(
        &missing.path().join("none.db"),
        &["approvals", "--tenant", "acme"],
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("no store at"));
}
