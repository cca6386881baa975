//! Approvals, executions and replay (issue #4), from scenarios written from the seeds:
//! Aximo EVENT_MODEL v1.0 §5 flows and §9 invariants (seed 001), Ecosystem approval events
//! (seed 004), the ConnectSoft causation chain (seed 003). Every envelope below has exactly the
//! fields its seed defines; each store is a real SQLite file, written by the real ingest.

mod common;

use std::sync::Arc;

use proptest::prelude::*;
use serde_json::{json, Value};
use trailview_core::api::{self, ApprovalsRequest, ExecutionsRequest, ReplayRequest};
use trailview_core::ingest::prepare_bytes;
use trailview_core::projections::{self, Parts};
use trailview_core::store::{Origin, Store};

use common::{ingest_bytes, temp_store, RECEIVED_AT};

/// 2026-11-01T09:00:00Z plus `min` minutes, RFC 3339.
fn at(min: f64) -> String {
    let us = 1_793_523_600_000_000i64 + (min * 60_000_000.0) as i64;
    trailview_core::time::format_us(us)
}

/// An Aximo envelope (seed 001 §4): every required field, plus `correlation_id`.
fn ax(id: &str, ty: &str, min: f64, tenant: &str, exec: &str, mode: &str, payload: Value) -> Value {
    json!({
        "event_id": id, "event_type": ty, "timestamp": at(min), "customer_id": tenant,
        "deployment_id": "dep_frontdesk", "skill_id": "lead_capture", "skill_version": "1.4.0",
        "execution_id": exec, "risk_level": "medium", "approval_mode": mode,
        "actor": if ty.starts_with("approval_granted") || ty.starts_with("approval_rejected") { "founder" } else { "system" },
        "payload": payload, "correlation_id": format!("corr-{exec}"),
    })
}

/// An Ecosystem envelope (seed 004 §3). One argument per envelope field a scenario varies.
#[allow(clippy::too_many_arguments)]
fn eco(
    id: &str,
    name: &str,
    min: f64,
    org: &str,
    corr: &str,
    cause: Option<&str>,
    actor: (&str, &str),
    payload: Value,
) -> Value {
    json!({
        "eventId": id, "eventName": name, "eventVersion": 1, "occurredAt": at(min),
        "productId": "actiontrail", "sourceSurface": "desktop", "userId": "user_123", "orgId": org,
        "sessionId": null, "runId": "run_1", "artifactId": null,
        "actor": {"actorType": actor.0, "actorId": actor.1},
        "trace": {"correlationId": corr, "causationId": cause, "parentEventId": null},
        "payload": payload,
    })
}

/// A ConnectSoft envelope (seed 003).
fn cs(
    id: &str,
    ty: &str,
    min: f64,
    tenant: &str,
    corr: &str,
    cause: Option<&str>,
    payload: Value,
) -> Value {
    json!({
        "eventId": id, "eventType": ty, "tenantId": tenant, "projectId": "proj-booking-saas",
        "moduleId": "module-reservations-api", "traceId": "trace-9f1c2b7d", "correlationId": corr,
        "causationId": cause, "occurredAt": at(min), "payload": payload,
    })
}

fn ndjson(events: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in events {
        out.extend(serde_json::to_vec(e).unwrap());
        out.push(b'\n');
    }
    out
}

fn store_with(events: &[Value]) -> (tempfile::TempDir, Store) {
    let (dir, mut store) = temp_store();
    ingest_bytes(&mut store, &ndjson(events), "scenario.ndjson");
    (dir, store)
}

fn approvals(store: &Store, tenant: &str, as_of: Option<&str>) -> api::ApprovalsResponse {
    api::approvals(
        store,
        &ApprovalsRequest {
            tenant: Some(tenant.into()),
            as_of: as_of.map(str::to_owned),
            ..Default::default()
        },
    )
    .expect("approvals answers")
}

fn executions(store: &Store, tenant: &str) -> api::ExecutionsResponse {
    api::executions(
        store,
        &ExecutionsRequest {
            tenant: Some(tenant.into()),
            ..Default::default()
        },
    )
    .expect("executions answers")
}

fn kinds(c: &api::ApprovalCase) -> Vec<&str> {
    c.anomalies.iter().map(|a| a.kind.as_str()).collect()
}

fn seqs(a: &api::AnomalyView) -> Vec<i64> {
    a.evidence.iter().map(|e| e.seq).collect()
}

/// Seed 001 §5, standard flow.
fn standard_flow(tenant: &str, exec: &str, t0: f64) -> Vec<Value> {
    vec![
        ax(
            &format!("{exec}-1"),
            "execution_triggered",
            t0,
            tenant,
            exec,
            "auto",
            json!({"trigger": "inbound_call"}),
        ),
        ax(
            &format!("{exec}-2"),
            "execution_processing",
            t0 + 0.1,
            tenant,
            exec,
            "auto",
            json!({"stage": "intent_classification"}),
        ),
        ax(
            &format!("{exec}-3"),
            "action_prepared",
            t0 + 0.2,
            tenant,
            exec,
            "auto",
            json!({"action_type": "lead_capture", "action_id": "act_1", "requires_approval": false}),
        ),
        ax(
            &format!("{exec}-4"),
            "action_dispatched",
            t0 + 0.3,
            tenant,
            exec,
            "auto",
            json!({"action_type": "lead_capture", "action_id": "act_1"}),
        ),
        ax(
            &format!("{exec}-5"),
            "execution_completed",
            t0 + 0.5,
            tenant,
            exec,
            "auto",
            json!({"outcome": "success", "actions_dispatched": 1}),
        ),
    ]
}

/// Seed 001 §5, "if approval required", granted.
fn approval_flow(tenant: &str, exec: &str, t0: f64) -> Vec<Value> {
    vec![
        ax(
            &format!("{exec}-1"),
            "execution_triggered",
            t0,
            tenant,
            exec,
            "required",
            json!({"trigger": "inbound_call"}),
        ),
        ax(
            &format!("{exec}-2"),
            "execution_processing",
            t0 + 0.1,
            tenant,
            exec,
            "required",
            json!({}),
        ),
        ax(
            &format!("{exec}-3"),
            "approval_requested",
            t0 + 0.2,
            tenant,
            exec,
            "required",
            json!({"approval_id": format!("apr-{exec}"), "action_summary": "Refund 120 EUR", "timeout_at": at(t0 + 30.2)}),
        ),
        ax(
            &format!("{exec}-4"),
            "approval_granted",
            t0 + 5.2,
            tenant,
            exec,
            "required",
            json!({"approval_id": format!("apr-{exec}"), "decided_by": "user_140"}),
        ),
        ax(
            &format!("{exec}-5"),
            "action_dispatched",
            t0 + 5.3,
            tenant,
            exec,
            "required",
            json!({"action_id": "act_1", "approval_id": format!("apr-{exec}")}),
        ),
        ax(
            &format!("{exec}-6"),
            "execution_completed",
            t0 + 5.5,
            tenant,
            exec,
            "required",
            json!({"outcome": "success", "actions_dispatched": 1}),
        ),
    ]
}

#[test]
fn a_standard_execution_completes_with_no_violation_and_no_approval_case() {
    let (_d, store) = store_with(&standard_flow("acme", "x1", 0.0));
    let x = executions(&store, "acme");
    assert_eq!(x.executions.len(), 1);
    let e = &x.executions[0];
    assert_eq!(e.status.unwrap().code(), "completed");
    assert!(!e.approval_required && e.dispatched);
    assert_eq!(e.duration_ms, Some(30_000));
    assert_eq!(e.sequence.len(), 5);
    assert!(e.violations.is_empty(), "{:?}", e.violations);
    assert!(approvals(&store, "acme", None).cases.is_empty());
}

#[test]
fn an_approved_execution_is_one_case_with_requester_decider_and_latency() {
    let (_d, store) = store_with(&approval_flow("acme", "x2", 0.0));
    let r = approvals(&store, "acme", None);
    assert_eq!(r.cases.len(), 1);
    let c = &r.cases[0];
    assert_eq!(c.status.code(), "approved");
    assert_eq!(c.request.as_ref().unwrap().id, "x2-3");
    assert_eq!(c.decider.as_deref(), Some("user_140"));
    assert_eq!(c.subject.as_deref(), Some("Refund 120 EUR"));
    assert_eq!(c.latency_ms, Some(300_000));
    assert_eq!(c.execution_id.as_deref(), Some("x2"));
    assert!(c.anomalies.is_empty(), "{:?}", c.anomalies);
    let e = &executions(&store, "acme").executions[0];
    assert_eq!(e.status.unwrap().code(), "completed");
    assert!(e.approval_required);
    assert_eq!(e.approval.as_deref(), Some("granted"));
    assert!(e.violations.is_empty(), "{:?}", e.violations);
}

#[test]
fn as_of_a_time_each_case_has_the_status_it_had_then() {
    let (_d, store) = store_with(&approval_flow("acme", "x3", 0.0));
    assert!(
        approvals(&store, "acme", Some(&at(0.1))).cases.is_empty(),
        "not requested yet"
    );
    let then = approvals(&store, "acme", Some(&at(1.0)));
    assert_eq!(then.cases[0].status.code(), "pending");
    assert!(then.cases[0].decider.is_none() && then.cases[0].decisions.is_empty());
    assert_eq!(
        approvals(&store, "acme", Some(&at(6.0))).cases[0]
            .status
            .code(),
        "approved"
    );
}

#[test]
fn a_case_decided_twice_keeps_its_first_decision_and_shows_both() {
    let req = "evt_req_1";
    let (_d, store) = store_with(&[
        eco(
            "evt_run",
            "agent.run.started",
            0.0,
            "acme",
            "corr_a",
            None,
            ("agent", "agent_planner"),
            json!({}),
        ),
        eco(
            req,
            "approval.action.requested",
            1.0,
            "acme",
            "corr_a",
            Some("evt_run"),
            ("agent", "agent_planner"),
            json!({"approvalId": "apr_1", "actionSummary": "Send 14 emails", "expiresAt": at(31.0), "requestedBy": "agent_planner"}),
        ),
        eco(
            "evt_ok",
            "approval.action.approved",
            2.0,
            "acme",
            "corr_a",
            Some(req),
            ("user", "user_200"),
            json!({"approvalId": "apr_1", "decidedBy": "user_200"}),
        ),
        eco(
            "evt_no",
            "approval.action.denied",
            3.0,
            "acme",
            "corr_a",
            Some(req),
            ("user", "user_300"),
            json!({"approvalId": "apr_1", "decidedBy": "user_300"}),
        ),
    ]);
    let r = approvals(&store, "acme", None);
    assert_eq!(r.cases.len(), 1);
    let c = &r.cases[0];
    assert_eq!(c.status.code(), "approved", "the first decision stands");
    assert_eq!(c.decider.as_deref(), Some("user_200"));
    assert_eq!(c.requester.as_deref(), Some("agent_planner"));
    assert_eq!(kinds(c), ["decided_more_than_once"]);
    assert_eq!(
        seqs(&c.anomalies[0]),
        [2, 3, 4],
        "request, first and second decision"
    );
    assert_eq!(c.decisions.iter().filter(|d| d.stands).count(), 1);
}

#[test]
fn a_decision_stored_before_its_request_joins_it_by_causation() {
    let (_d, store) = store_with(&[
        cs(
            "evt-dec",
            "ApprovalGranted",
            20.0,
            "connectsoft",
            "corr-1",
            Some("evt-req"),
            json!({"approvalId": "apr-1", "approvedBy": "user_180"}),
        ),
        cs(
            "evt-req",
            "ApprovalRequested",
            10.0,
            "connectsoft",
            "corr-1",
            Some("evt-task"),
            json!({"approvalId": "apr-1", "requestedBy": "agent-devops", "expiresAt": at(250.0), "summary": "Deploy to production"}),
        ),
    ]);
    let r = approvals(&store, "connectsoft", None);
    assert_eq!(r.cases.len(), 1, "{:#?}", r.cases);
    let c = &r.cases[0];
    assert_eq!(c.status.code(), "approved");
    assert_eq!(c.decider.as_deref(), Some("user_180"));
    assert_eq!(c.latency_ms, Some(600_000));
    assert_eq!(kinds(c), ["decision_before_request"]);
    assert_eq!(seqs(&c.anomalies[0]), [1, 2]);
}

#[test]
fn a_decision_with_no_request_is_its_own_case_with_the_anomaly() {
    let (_d, store) = store_with(&[
        ax(
            "g1",
            "execution_triggered",
            0.0,
            "acme",
            "x4",
            "required",
            json!({}),
        ),
        ax(
            "g2",
            "execution_processing",
            0.1,
            "acme",
            "x4",
            "required",
            json!({}),
        ),
        ax(
            "g3",
            "approval_granted",
            0.5,
            "acme",
            "x4",
            "required",
            json!({"decided_by": "user_1"}),
        ),
        ax(
            "g4",
            "action_dispatched",
            0.6,
            "acme",
            "x4",
            "required",
            json!({}),
        ),
        ax(
            "g5",
            "execution_completed",
            0.7,
            "acme",
            "x4",
            "required",
            json!({"actions_dispatched": 1}),
        ),
    ]);
    let c = &approvals(&store, "acme", None).cases[0];
    assert!(c.request.is_none());
    assert_eq!(kinds(c), ["decision_without_request"]);
    let codes: Vec<String> = executions(&store, "acme").executions[0]
        .violations
        .iter()
        .map(|v| v.code.clone())
        .collect();
    assert_eq!(codes, ["decision_without_request"]);
}

#[test]
fn a_decision_after_expiry_does_not_count_and_the_dispatch_after_it_is_flagged() {
    let mut evs = approval_flow("acme", "x5", 0.0);
    // §5 with the timeout first: requested, timeout (30 min), then a late grant and a dispatch.
    evs[3] = ax(
        "x5-4",
        "approval_granted",
        40.0,
        "acme",
        "x5",
        "required",
        json!({"approval_id": "apr-x5", "decided_by": "user_140"}),
    );
    evs.insert(
        3,
        ax(
            "x5-t",
            "approval_timeout",
            30.3,
            "acme",
            "x5",
            "required",
            json!({"approval_id": "apr-x5"}),
        ),
    );
    evs[5]["timestamp"] = json!(at(40.1));
    evs[6]["timestamp"] = json!(at(40.2));
    let (_d, store) = store_with(&evs);
    let c = &approvals(&store, "acme", None).cases[0];
    assert_eq!(c.status.code(), "expired");
    assert!(c.decider.is_none() && c.latency_ms.is_none());
    assert_eq!(
        kinds(c),
        ["decided_after_expiry", "dispatched_without_approval"]
    );
    assert_eq!(
        seqs(&c.anomalies[0]),
        [3, 4, 5],
        "request, timeout, late grant"
    );
    let x = &executions(&store, "acme").executions[0];
    assert_eq!(x.approval.as_deref(), Some("timed_out"));
    assert!(x
        .violations
        .iter()
        .any(|v| v.code == "dispatched_without_approval"));
}

#[test]
fn a_decision_past_the_requests_deadline_is_late_even_without_an_expiry_event() {
    let (_d, store) = store_with(&[
        cs(
            "r",
            "ApprovalRequested",
            0.0,
            "cs",
            "c",
            None,
            json!({"approvalId": "a", "expiresAt": at(240.0)}),
        ),
        cs(
            "g",
            "ApprovalGranted",
            300.0,
            "cs",
            "c",
            Some("r"),
            json!({"approvalId": "a", "approvedBy": "u"}),
        ),
        cs(
            "d",
            "DeploymentStarted",
            301.0,
            "cs",
            "c",
            Some("g"),
            json!({"environment": "production"}),
        ),
    ]);
    let c = &approvals(&store, "cs", None).cases[0];
    assert_eq!(c.status.code(), "expired");
    assert_eq!(
        kinds(c),
        ["decided_after_expiry", "dispatched_without_approval"]
    );
    assert_eq!(
        approvals(&store, "cs", Some(&at(100.0))).cases[0]
            .status
            .code(),
        "pending"
    );
}

#[test]
fn an_action_taken_while_the_approval_is_pending_is_flagged_with_its_evidence() {
    let (_d, store) = store_with(&[
        eco(
            "q",
            "approval.action.requested",
            0.0,
            "acme",
            "corr_b",
            None,
            ("agent", "agent_planner"),
            json!({"approvalId": "apr_2", "expiresAt": at(60.0)}),
        ),
        eco(
            "act",
            "audit.action.logged",
            1.0,
            "acme",
            "corr_b",
            Some("q"),
            ("system", "cowork-worker"),
            json!({"actionType": "send_email", "result": "executed", "approvalId": null}),
        ),
    ]);
    let c = &approvals(&store, "acme", None).cases[0];
    assert_eq!(c.status.code(), "pending");
    assert_eq!(kinds(c), ["dispatched_without_approval"]);
    assert_eq!(seqs(&c.anomalies[0]), [1, 2]);
}

#[test]
fn an_aximo_dispatch_that_requires_approval_and_never_asked_is_a_loose_anomaly_and_a_violation() {
    let (_d, store) = store_with(&[
        ax(
            "n1",
            "execution_triggered",
            0.0,
            "acme",
            "x6",
            "required",
            json!({}),
        ),
        ax(
            "n2",
            "execution_processing",
            0.1,
            "acme",
            "x6",
            "required",
            json!({}),
        ),
        ax(
            "n3",
            "action_dispatched",
            0.2,
            "acme",
            "x6",
            "required",
            json!({"action_id": "a"}),
        ),
        ax(
            "n4",
            "execution_completed",
            0.3,
            "acme",
            "x6",
            "required",
            json!({"actions_dispatched": 1}),
        ),
    ]);
    let r = approvals(&store, "acme", None);
    assert!(r.cases.is_empty());
    assert_eq!(r.loose_anomalies.len(), 1);
    assert_eq!(r.loose_anomalies[0].kind, "dispatched_without_approval");
    assert_eq!(seqs(&r.loose_anomalies[0]), [3]);
    let codes: Vec<String> = executions(&store, "acme").executions[0]
        .violations
        .iter()
        .map(|v| v.code.clone())
        .collect();
    assert_eq!(codes, ["approval_not_recorded"]);
}

#[test]
fn executions_break_the_seeds_invariants_each_with_evidence() {
    let (_d, store) = store_with(&[
        // §9.1: never completes.
        ax(
            "a1",
            "execution_triggered",
            0.0,
            "acme",
            "open",
            "auto",
            json!({}),
        ),
        ax(
            "a2",
            "execution_processing",
            0.1,
            "acme",
            "open",
            "auto",
            json!({}),
        ),
        // §9.3: completed says 1 dispatch, none emitted; prepared never dispatched.
        ax(
            "b1",
            "execution_triggered",
            1.0,
            "acme",
            "lost",
            "auto",
            json!({}),
        ),
        ax(
            "b2",
            "execution_processing",
            1.1,
            "acme",
            "lost",
            "auto",
            json!({}),
        ),
        ax(
            "b3",
            "action_prepared",
            1.2,
            "acme",
            "lost",
            "auto",
            json!({"action_id": "a1"}),
        ),
        ax(
            "b4",
            "execution_completed",
            1.3,
            "acme",
            "lost",
            "auto",
            json!({"actions_dispatched": 1}),
        ),
        // §5: no trigger; events after the terminal one.
        ax(
            "c1",
            "execution_processing",
            2.0,
            "acme",
            "odd",
            "auto",
            json!({}),
        ),
        ax(
            "c2",
            "execution_failed",
            2.1,
            "acme",
            "odd",
            "auto",
            json!({}),
        ),
        ax(
            "c3",
            "action_dispatched",
            2.2,
            "acme",
            "odd",
            "auto",
            json!({}),
        ),
    ]);
    let x = executions(&store, "acme");
    let codes = |id: &str| -> Vec<(String, Vec<i64>)> {
        x.executions
            .iter()
            .find(|e| e.execution_id == id)
            .unwrap()
            .violations
            .iter()
            .map(|v| (v.code.clone(), v.evidence.iter().map(|e| e.seq).collect()))
            .collect()
    };
    assert_eq!(codes("open"), [("no_completion".to_owned(), vec![2])]);
    assert_eq!(x.executions[0].status.unwrap().code(), "processing");
    assert_eq!(
        codes("lost"),
        [
            ("dispatch_not_recorded".to_owned(), vec![6]),
            ("dispatch_not_recorded".to_owned(), vec![5])
        ]
    );
    let odd: Vec<String> = codes("odd").into_iter().map(|(c, _)| c).collect();
    assert_eq!(
        odd,
        [
            "missing_trigger",
            "event_after_terminal",
            "dispatch_without_prepare"
        ]
    );
    assert_eq!(x.counts.open, 1);
    assert_eq!(x.counts.with_violations, 3);
}

#[test]
fn the_same_execution_and_correlation_in_two_tenants_never_link() {
    let mut evs = approval_flow("acme", "shared", 0.0);
    evs.truncate(3); // acme: requested, pending
                     // globex: a grant for the same execution id, correlation id and approval id.
    evs.push(ax(
        "gx-1",
        "approval_granted",
        1.0,
        "globex",
        "shared",
        "required",
        json!({"approval_id": "apr-shared", "decided_by": "intruder"}),
    ));
    // initech (ConnectSoft): a grant whose causation names acme's request id.
    evs.push(cs(
        "cs-1",
        "ApprovalGranted",
        1.5,
        "initech",
        "corr-shared",
        Some("shared-3"),
        json!({"approvedBy": "intruder"}),
    ));
    let (_d, store) = store_with(&evs);
    let acme = approvals(&store, "acme", None);
    assert_eq!(acme.cases.len(), 1);
    assert_eq!(acme.cases[0].status.code(), "pending");
    assert!(acme.cases[0].decisions.is_empty());
    for t in ["globex", "initech"] {
        let other = approvals(&store, t, None);
        assert_eq!(other.cases.len(), 1, "{t}");
        assert_eq!(kinds(&other.cases[0]), ["decision_without_request"], "{t}");
    }
    let xa = executions(&store, "acme");
    assert_eq!(xa.executions[0].sequence.len(), 3);
    assert_eq!(executions(&store, "globex").executions[0].sequence.len(), 1);
}

fn append_without_catch_up(store: &mut Store, events: &[Value]) {
    let items: Vec<_> = events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            prepare_bytes(
                serde_json::to_vec(e).unwrap(),
                Origin {
                    source: Arc::from("socket"),
                    line: None,
                    index: Some(i as u64),
                    offset: None,
                },
                RECEIVED_AT,
            )
        })
        .collect();
    store.append(&items).unwrap();
}

#[test]
fn reads_fold_the_tail_the_stored_projection_has_not_caught_up_with() {
    let (dir, mut store) = store_with(&approval_flow("acme", "x7", 0.0)[..3]);
    assert_eq!(projections::cursor(&store).unwrap(), Some(3));
    // Another writer appends the decision without catching the projection up.
    append_without_catch_up(&mut store, &approval_flow("acme", "x7", 0.0)[3..]);
    assert_eq!(projections::cursor(&store).unwrap(), Some(3));
    let ro = Store::open_read_only(&dir.path().join("store.db")).unwrap();
    assert_eq!(
        approvals(&ro, "acme", None).cases[0].status.code(),
        "approved"
    );
    assert_eq!(
        executions(&ro, "acme").executions[0].status.unwrap().code(),
        "completed"
    );
    // The next catch-up stores it; stored = folded from the log.
    projections::catch_up(&mut store).unwrap();
    assert_eq!(projections::cursor(&store).unwrap(), Some(6));
    assert_eq!(
        projections::stored(&store, "acme").unwrap().unwrap(),
        projections::fold_log(&store, "acme").unwrap()
    );
}

#[test]
fn a_store_without_a_projection_answers_by_folding_the_log() {
    let (_d, mut store) = temp_store();
    append_without_catch_up(&mut store, &approval_flow("acme", "x8", 0.0));
    assert_eq!(projections::cursor(&store).unwrap(), None);
    assert_eq!(
        approvals(&store, "acme", None).cases[0].status.code(),
        "approved"
    );
    let report = projections::rebuild(&mut store).unwrap();
    assert!(report.rebuilt);
    assert_eq!(report.facts, 6);
    assert_eq!(
        projections::load(&store, "acme", Parts::ALL).unwrap(),
        projections::fold_log(&store, "acme").unwrap()
    );
}

fn replay(
    store: &Store,
    scope: (&str, &str),
    at: Option<&str>,
    diff_from: Option<&str>,
) -> api::ReplayResponse {
    let mut req = ReplayRequest {
        tenant: Some("acme".into()),
        at: at.map(str::to_owned),
        diff_from: diff_from.map(str::to_owned),
        ..Default::default()
    };
    match scope.0 {
        "execution" => req.execution = Some(scope.1.into()),
        "correlation" => req.correlation = Some(scope.1.into()),
        _ => unreachable!(),
    }
    api::replay(store, &req).expect("replay answers")
}

#[test]
fn replay_reconstructs_the_execution_state_at_any_cursor_and_diffs_two() {
    let (_d, store) = store_with(&approval_flow("acme", "x9", 0.0));
    let exec = |r: &api::ReplayResponse| r.state.executions[0].status.unwrap().code();
    let r = replay(&store, ("execution", "x9"), Some("3"), None);
    assert_eq!((r.total_frames, r.position), (6, 3));
    assert_eq!(exec(&r), "awaiting_approval");
    assert_eq!(r.state.approvals[0].status.code(), "pending");
    let r = replay(&store, ("execution", "x9"), Some(&at(5.3)), Some("2"));
    assert_eq!(r.position, 5);
    assert_eq!(exec(&r), "dispatched");
    assert_eq!(r.state.approvals[0].status.code(), "approved");
    let d = r.diff.unwrap();
    assert_eq!(d.executions[0].from.as_deref(), Some("processing"));
    assert_eq!(d.executions[0].to.as_deref(), Some("dispatched"));
    assert_eq!(d.approvals[0].from, None);
    assert_eq!(d.approvals[0].to.as_deref(), Some("approved"));
    let r = replay(&store, ("correlation", "corr-x9"), None, None);
    assert_eq!(exec(&r), "completed");
    assert_eq!(r.state.counts.iter().map(|c| c.count).sum::<u64>(), 6);
    assert_eq!(
        replay(&store, ("execution", "x9"), Some("start"), None)
            .state
            .executions
            .len(),
        0
    );
}

#[test]
fn replay_shows_a_deployments_version_history() {
    let life = |id: &str, ty: &str, min: f64, v: &str, p: Value| {
        let mut e = ax(id, ty, min, "acme", "", "auto", p);
        e["execution_id"] = Value::Null;
        e["skill_version"] = json!(v);
        e["correlation_id"] = json!("corr-life");
        e
    };
    let (_d, store) = store_with(&[
        life(
            "l1",
            "deployment_created",
            0.0,
            "1.0.0",
            json!({"initial_version": "1.0.0"}),
        ),
        life("l2", "deployment_activated", 1.0, "1.0.0", json!({})),
        life(
            "l3",
            "version_upgraded",
            2.0,
            "1.1.0",
            json!({"from_version": "1.0.0", "to_version": "1.1.0"}),
        ),
        life(
            "l4",
            "version_rolled_back",
            3.0,
            "1.0.0",
            json!({"from_version": "1.1.0", "to_version": "1.0.0"}),
        ),
    ]);
    let r = replay(&store, ("correlation", "corr-life"), Some("3"), None);
    let d = &r.state.deployments[0];
    assert_eq!(
        (d.status.as_str(), d.version.as_deref()),
        ("active", Some("1.1.0"))
    );
    let r = replay(&store, ("correlation", "corr-life"), None, Some("3"));
    let d = &r.state.deployments[0];
    assert_eq!(d.version.as_deref(), Some("1.0.0"));
    let hist: Vec<_> = d.history.iter().map(|h| h.to.clone().unwrap()).collect();
    assert_eq!(hist, ["1.0.0", "1.1.0", "1.0.0"]);
    assert_eq!(
        r.diff.unwrap().deployments[0].to.as_deref(),
        Some("active@1.0.0")
    );
}

#[test]
fn replay_seeks_across_snapshots_give_the_same_state_as_a_plain_fold() {
    let mut evs = Vec::new();
    for i in 0..120 {
        evs.extend(approval_flow("acme", &format!("w{i:03}"), i as f64));
    }
    let (_d, store) = store_with(&evs);
    let s = trailview_core::replay::Session::load(
        &store,
        "acme",
        trailview_core::replay::Scope::Window {
            since: 0,
            until: i64::MAX / 2,
        },
    )
    .unwrap();
    assert_eq!(s.len(), 720);
    for pos in [0, 1, 255, 256, 257, 511, 512, 600, 720] {
        let (st, seek) = s.state_at(pos);
        let mut plain = trailview_core::replay::ReplayState::default();
        for f in &s.frames[..pos] {
            plain.apply(f);
        }
        assert_eq!(st, plain, "position {pos}");
        assert!(seek.folded < trailview_core::replay::SNAPSHOT_EVERY);
    }
}

#[test]
fn replay_and_approvals_refuse_bad_requests_with_a_code() {
    let (_d, store) = store_with(&approval_flow("acme", "x10", 0.0));
    let e = api::replay(
        &store,
        &ReplayRequest {
            tenant: Some("acme".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.code, "bad_request");
    let e = api::replay(
        &store,
        &ReplayRequest {
            tenant: None,
            execution: Some("x10".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.code, "tenant_required");
    let e = api::replay(
        &store,
        &ReplayRequest {
            tenant: Some("acme".into()),
            execution: Some("x10".into()),
            at: Some("yesterday".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.code, "bad_request");
    let e = api::approvals(
        &store,
        &ApprovalsRequest {
            tenant: Some("acme".into()),
            status: Some("maybe".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.code, "bad_filter");
}

/// The generator's approval flows (all three dialects, with its anomalies) plus the scenarios
/// above: a rich log for the property test.
fn rich_log() -> Vec<Value> {
    let mut buf = Vec::new();
    trailview_core::generate::generate(
        &trailview_core::generate::GenConfig {
            events: 1500,
            tenants: 3,
            ..Default::default()
        },
        &mut buf,
    )
    .unwrap();
    let mut evs: Vec<Value> = buf
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    evs.extend(approval_flow("acme", "p1", 0.0));
    evs.extend(standard_flow("acme", "p2", 1.0));
    evs
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Replaying the log gives the stored view: whatever the order the events arrive in and
    /// however ingest splits them into batches, the incrementally maintained projection equals
    /// the one rebuilt from the log, for every tenant.
    #[test]
    fn the_incremental_projection_equals_the_rebuilt_one(
        seed in any::<u64>(),
        cuts in proptest::collection::vec(1usize..400, 1..8),
    ) {
        let mut evs = rich_log();
        // A deterministic shuffle of a random window: out-of-order arrivals (decisions before
        // requests, actions before approvals).
        let n = evs.len();
        let mut s = seed | 1;
        for i in (1..n).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            if s % 4 == 0 {
                evs.swap(i, (s as usize) % (i + 1));
            }
        }
        let (dir, mut store) = temp_store();
        let mut at = 0;
        for c in cuts.iter().chain(std::iter::once(&n)) {
            let end = (at + c).min(n);
            if at < end {
                ingest_bytes(&mut store, &ndjson(&evs[at..end]), &format!("part-{at}"));
            }
            at = end;
        }
        let tenants: Vec<String> = store.stats().unwrap().tenants.iter().map(|t| t.tenant.clone()).collect();
        let incremental: Vec<_> = tenants.iter().map(|t| projections::stored(&store, t).unwrap()).collect();
        projections::rebuild(&mut store).unwrap();
        for (t, inc) in tenants.iter().zip(incremental) {
            let rebuilt = projections::stored(&store, t).unwrap();
            prop_assert_eq!(&inc, &rebuilt, "tenant {}", t);
            let folded = projections::fold_log(&store, t).unwrap();
            prop_assert_eq!(inc.unwrap_or_default(), folded);
        }
        drop(dir);
    }
}

#[test]
fn opening_a_store_for_the_ui_catches_its_projection_up_in_the_background() {
    let (dir, mut store) = temp_store();
    append_without_catch_up(&mut store, &approval_flow("acme", "x11", 0.0));
    drop(store);
    let path = dir.path().join("store.db");
    let shared = api::SharedStore::open(&path).unwrap();
    // Opening does not wait for it; the background catch-up (serve and the app start it) does.
    shared.catch_up_in_background();
    let ro = Store::open_read_only(&path).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while projections::cursor(&ro).unwrap() != Some(6) {
        assert!(
            std::time::Instant::now() < deadline,
            "caught up within 20 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let r = shared
        .read(|s| {
            api::approvals(
                s,
                &ApprovalsRequest {
                    tenant: Some("acme".into()),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    assert_eq!(r.cases[0].status.code(), "approved");
}

#[test]
fn an_execution_that_dispatches_while_its_approval_is_pending_breaks_section_5() {
    let mut evs = approval_flow("acme", "x12", 0.0);
    evs.remove(3); // requested, then dispatched with no decision
    let (_d, store) = store_with(&evs);
    let x = &executions(&store, "acme").executions[0];
    let codes: Vec<(&str, Vec<i64>)> = x
        .violations
        .iter()
        .map(|v| (v.code.as_str(), v.evidence.iter().map(|e| e.seq).collect()))
        .collect();
    assert_eq!(codes, [("dispatched_without_approval", vec![4])]);
    let c = &approvals(&store, "acme", None).cases[0];
    assert_eq!(kinds(c), ["dispatched_without_approval"]);
    assert_eq!(
        seqs(&c.anomalies[0]),
        [3, 4],
        "the request and the dispatch"
    );
}

#[test]
fn a_large_replay_state_lists_the_most_recent_first_and_diffs_everything() {
    let mut evs = Vec::new();
    for i in 0..40 {
        evs.extend(approval_flow("acme", &format!("v{i:02}"), i as f64));
    }
    let (_d, store) = store_with(&evs);
    let r = api::replay(
        &store,
        &ReplayRequest {
            tenant: Some("acme".into()),
            since: Some(at(-1.0)),
            until: Some(at(100.0)),
            diff_from: Some("start".into()),
            limit: Some(5),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(r.total_frames, 240);
    assert_eq!(
        (r.state.executions.len(), r.state.executions_total),
        (5, 40)
    );
    assert_eq!(
        r.state.executions[0].execution_id, "v39",
        "most recently touched first"
    );
    assert_eq!((r.state.approvals.len(), r.state.approvals_total), (5, 40));
    let d = r.diff.unwrap();
    assert_eq!(d.executions.len(), 40);
    assert!(d
        .approvals
        .iter()
        .all(|c| c.from.is_none() && c.to.as_deref() == Some("approved")));
    let e = api::replay(
        &store,
        &ReplayRequest {
            tenant: Some("acme".into()),
            execution: Some("v01".into()),
            limit: Some(0),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.code, "bad_request");
}

#[test]
fn a_catch_up_by_a_handle_that_did_not_see_another_writers_events_folds_each_event_once() {
    let (dir, mut a) = store_with(&approval_flow("acme", "x13", 0.0)[..2]);
    let path = dir.path().join("store.db");
    // Another handle (another process) appends the rest without catching up.
    let mut b = Store::open(&path).unwrap();
    append_without_catch_up(&mut b, &approval_flow("acme", "x13", 0.0)[2..]);
    // `a` still believes the log ends at seq 2; its catch-up must fold up to the real end, and
    // say so, so that a second catch-up folds nothing again.
    assert_eq!(a.last_seq(), 2);
    let first = projections::catch_up(&mut a).unwrap();
    assert_eq!((first.from_seq, first.to_seq), (2, 6));
    let again = projections::catch_up(&mut b).unwrap();
    assert_eq!(again.facts, 0);
    let stored = projections::stored(&b, "acme").unwrap().unwrap();
    assert_eq!(stored, projections::fold_log(&b, "acme").unwrap());
    assert_eq!(stored.executions.list[0].steps.len(), 6, "each event once");
}

#[test]
fn replay_of_a_trace_follows_the_connectsoft_causation_chain_within_its_tenant() {
    let (_d, store) = store_with(&[
        cs(
            "t-1",
            "AgentTaskStarted",
            0.0,
            "cs",
            "corr-1",
            None,
            json!({}),
        ),
        cs(
            "t-2",
            "ApprovalRequested",
            1.0,
            "cs",
            "corr-1",
            Some("t-1"),
            json!({"approvalId": "a", "expiresAt": at(240.0)}),
        ),
        cs(
            "t-3",
            "ApprovalGranted",
            2.0,
            "cs",
            "corr-1",
            Some("t-2"),
            json!({"approvedBy": "u"}),
        ),
        cs(
            "t-4",
            "DeploymentStarted",
            3.0,
            "cs",
            "corr-1",
            Some("t-3"),
            json!({}),
        ),
        // The same trace id in another tenant is not part of this replay.
        cs(
            "o-1",
            "ApprovalGranted",
            1.5,
            "other",
            "corr-1",
            Some("t-2"),
            json!({}),
        ),
    ]);
    let r = api::replay(
        &store,
        &ReplayRequest {
            tenant: Some("cs".into()),
            trace: Some("trace-9f1c2b7d".into()),
            at: Some("3".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(r.total_frames, 4);
    assert_eq!(r.position, 3);
    assert_eq!(r.state.approvals[0].status.code(), "approved");
    assert!(
        r.state.approvals[0].actions.is_empty(),
        "the deployment is after the cursor"
    );
}

/// The metrics' approval latency percentiles come from these cases: request → standing
/// decision, within the tenant, within the window.
#[test]
fn metrics_take_approval_latencies_from_the_cases() {
    let mut events = approval_flow("acme", "m1", 0.0);
    events.extend(approval_flow("acme", "m2", 60.0));
    // Another tenant's case: never counted for acme.
    events.extend(approval_flow("globex", "m3", 0.0));
    let (_d, store) = store_with(&events);
    let m = trailview_core::metrics::metrics(&store, "acme", None, None).unwrap();
    let lat = m.approval_latency.expect("two decided cases");
    assert_eq!(lat.count, 2);
    // Requested at +0.2 min, granted at +5.2 min: five minutes.
    assert_eq!(lat.p50_us, 300_000_000);
    let cases = approvals(&store, "acme", None);
    assert!(cases.cases.iter().all(|c| c.latency_ms == Some(300_000)));
    // A window that holds only the second decision.
    let since = trailview_core::time::parse_bound(&at(30.0)).ok();
    let m = trailview_core::metrics::metrics(&store, "acme", since, None).unwrap();
    assert_eq!(m.approval_latency.map(|l| l.count), Some(1));
}
