//! Issue #2 — every dialect is understood side by side, and nothing real is lost.
//!
//! The fixtures in `tests/data/` are written from the seeds' own field tables (not from the
//! generator): the Ecosystem §9 example and the ConnectSoft envelope example verbatim, the Aximo
//! §5 execution sequences, the Spine's MeshOS review chain, the Spectral envelope carrying the
//! seed's catalogued events, CloudEvents 1.0 with the extensions Trailview reads. The real
//! samples in `shared/samples/real/` are other people's files: each must come out byte-exact.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use rstest::rstest;
use serde_json::{json, Value};
use trailview_core::framing::Frame;
use trailview_core::ingest;
use trailview_core::normalize::{self, Dialect, Flags, Reason};
use trailview_core::query::StoredEvent;
use trailview_core::time;
use uuid::Uuid;

use common::*;

/// The one stored event that started at byte `offset` of its input.
fn event_at(events: &[StoredEvent], offset: u64) -> &StoredEvent {
    events
        .iter()
        .find(|e| e.origin.offset == Some(offset))
        .unwrap_or_else(|| panic!("no stored event starts at byte {offset}"))
}

/// Normalize one inline record, or fail the test with the rejection.
fn accept(raw: &str) -> normalize::Event {
    match normalize::normalize(raw.as_bytes()) {
        Ok(n) => n.event,
        Err(r) => panic!("refused ({}: {}): {raw}", r.reason, r.message),
    }
}

/// Store one inline record and read it back.
fn store_one(raw: &str) -> StoredEvent {
    let (_dir, mut store) = temp_store();
    let s = ingest_bytes(&mut store, raw.as_bytes(), "inline.ndjson");
    assert_eq!(
        (s.accepted, s.duplicates, s.quarantined),
        (1, 0, 0),
        "{:?}",
        quarantine(&store)
    );
    all_events(&store).pop().expect("one event")
}

const DERIVED: &str = "<uuid v5 of the raw bytes>";

// ---------------------------------------------------------------------------------------------
// Each dialect's fixture normalizes into the right canonical fields.
// ---------------------------------------------------------------------------------------------

#[rstest]
#[case::spine_meshos_upload_starts_a_review_chain_for_a_user(
    "spine.ndjson",
    0,
    json!({
        "id": "6c1f2a0e-8b4d-4f3e-9a21-0d5e7c9b1a01", "type": "code.upload.complete",
        "type_version": null, "occurred_at": "2026-05-04T09:00:00.000000Z",
        "tenant": "org_acme", "source": "meshos.review-service",
        "actor": {"type": "user", "id": "user_dana"}, "user_id": "user_dana",
        "correlation_id": "corr_review_118", "causation_id": null, "parent_id": null,
        "trace_id": null, "subject": {"tags": ["review", "payments"]},
        "dialect": "spine", "flags": []
    })
)]
#[case::spine_agent_event_without_user_has_no_actor(
    "spine.ndjson",
    3,
    json!({
        "id": "6c1f2a0e-8b4d-4f3e-9a21-0d5e7c9b1a04", "type": "review.agent.complete",
        "type_version": null, "occurred_at": "2026-05-04T09:02:10.500000Z",
        "tenant": "org_acme", "source": "meshos.review-agent.security",
        "actor": null, "user_id": null,
        "correlation_id": "corr_review_118", "causation_id": null, "parent_id": null,
        "trace_id": null, "subject": {"tags": ["agent"]},
        "dialect": "spine", "flags": []
    })
)]
#[case::spine_axis_epoch_millisecond_timestamp(
    "spine.ndjson",
    6,
    json!({
        "id": "b7e3d9c2-1f0a-4a6b-8c5d-2e9f4a7b3c11", "type": "lead.enriched",
        "type_version": null, "occurred_at": "2026-05-04T09:00:00.000000Z",
        "tenant": "org_globex", "source": "axis.enrichment",
        "actor": null, "user_id": null,
        "correlation_id": "corr_campaign_9", "causation_id": null, "parent_id": null,
        "trace_id": null, "subject": {},
        "dialect": "spine", "flags": []
    })
)]
#[case::spine_auto_event_id_absent_is_derived_and_offset_is_normalized(
    "spine.ndjson",
    7,
    json!({
        "id": DERIVED, "type": "outreach.sent",
        "type_version": null, "occurred_at": "2026-05-04T09:30:00.000000Z",
        "tenant": "org_globex", "source": "axis.outbox-worker",
        "actor": null, "user_id": null,
        "correlation_id": "corr_campaign_9", "causation_id": null, "parent_id": null,
        "trace_id": null, "subject": {"tags": ["outbox"]},
        "dialect": "spine", "flags": ["id_derived"]
    })
)]
#[case::aximo_lifecycle_event_has_no_execution(
    "aximo.ndjson",
    0,
    json!({
        "id": "0b6f3c1e-7a2d-4e5f-9b8c-1d2e3f4a5b01", "type": "deployment_created",
        "type_version": null, "occurred_at": "2026-05-01T08:00:00.000000Z",
        "tenant": "cust_northwind", "source": "",
        "actor": {"type": "founder", "id": null}, "user_id": null,
        "correlation_id": null, "causation_id": null, "parent_id": null, "trace_id": null,
        "subject": {"deployment_id": "dep_lead_capture_eu", "skill_id": "skill_lead_capture",
                    "skill_version": "1.3.0"},
        "dialect": "aximo", "flags": []
    })
)]
#[case::aximo_execution_triggered_keeps_identity_fields_as_subject(
    "aximo.ndjson",
    3,
    json!({
        "id": "5a9d2e7c-4b1f-4c3a-8e6d-7f0a1b2c3d01", "type": "execution_triggered",
        "type_version": null, "occurred_at": "2026-05-04T10:00:00.120000Z",
        "tenant": "cust_northwind", "source": "",
        "actor": {"type": "system", "id": null}, "user_id": null,
        "correlation_id": "corr_exec_001", "causation_id": null, "parent_id": null,
        "trace_id": null,
        "subject": {"deployment_id": "dep_lead_capture_eu", "skill_id": "skill_lead_capture",
                    "skill_version": "1.4.0", "execution_id": "exec_001", "risk_level": "low",
                    "approval_mode": "auto", "channel_type": "web_form"},
        "dialect": "aximo", "flags": []
    })
)]
#[case::aximo_action_dispatched_keeps_latency(
    "aximo.ndjson",
    6,
    json!({
        "id": "5a9d2e7c-4b1f-4c3a-8e6d-7f0a1b2c3d04", "type": "action_dispatched",
        "type_version": null, "occurred_at": "2026-05-04T10:00:01.650000Z",
        "tenant": "cust_northwind", "source": "",
        "actor": {"type": "system", "id": null}, "user_id": null,
        "correlation_id": "corr_exec_001", "causation_id": null, "parent_id": null,
        "trace_id": null,
        "subject": {"deployment_id": "dep_lead_capture_eu", "skill_id": "skill_lead_capture",
                    "skill_version": "1.4.0", "execution_id": "exec_001", "risk_level": "low",
                    "approval_mode": "auto", "channel_type": "crm", "latency_ms": 640},
        "dialect": "aximo", "flags": []
    })
)]
#[case::aximo_external_user_actor_is_the_user(
    "aximo.ndjson",
    8,
    json!({
        "id": "9e4c7b2a-1d3f-4a5e-b6c8-0f1e2d3c4b01", "type": "execution_triggered",
        "type_version": null, "occurred_at": "2026-05-04T11:00:00.000000Z",
        "tenant": "cust_northwind", "source": "",
        "actor": {"type": "external_user", "id": "visitor_88"}, "user_id": "visitor_88",
        "correlation_id": "corr_exec_002", "causation_id": null, "parent_id": null,
        "trace_id": null,
        "subject": {"deployment_id": "dep_lead_capture_eu", "skill_id": "skill_lead_capture",
                    "skill_version": "1.4.0", "execution_id": "exec_002", "risk_level": "high",
                    "approval_mode": "manual", "channel_type": "email"},
        "dialect": "aximo", "flags": []
    })
)]
#[case::aximo_epoch_millisecond_timestamp(
    "aximo.ndjson",
    13,
    json!({
        "id": "9e4c7b2a-1d3f-4a5e-b6c8-0f1e2d3c4b06", "type": "execution_completed",
        "type_version": null, "occurred_at": "2026-05-04T11:43:20.000000Z",
        "tenant": "cust_northwind", "source": "",
        "actor": {"type": "system", "id": null}, "user_id": null,
        "correlation_id": "corr_exec_002", "causation_id": null, "parent_id": null,
        "trace_id": null,
        "subject": {"deployment_id": "dep_lead_capture_eu", "skill_id": "skill_lead_capture",
                    "skill_version": "1.4.0", "execution_id": "exec_002", "risk_level": "high",
                    "approval_mode": "manual"},
        "dialect": "aximo", "flags": []
    })
)]
#[case::aximo_offset_timestamp_becomes_utc(
    "aximo.ndjson",
    14,
    json!({
        "id": "c3d2e1f0-a9b8-4c7d-8e6f-5a4b3c2d1e01", "type": "execution_triggered",
        "type_version": null, "occurred_at": "2026-05-04T10:10:00.000000Z",
        "tenant": "cust_contoso", "source": "",
        "actor": {"type": "operator", "id": null}, "user_id": null,
        "correlation_id": null, "causation_id": null, "parent_id": null, "trace_id": null,
        "subject": {"deployment_id": "dep_support_triage", "skill_id": "skill_triage",
                    "skill_version": "2.0.1", "execution_id": "exec_900", "risk_level": "medium",
                    "approval_mode": "manual"},
        "dialect": "aximo", "flags": []
    })
)]
#[case::spectral_tenant_is_payload_org_id_and_traceparent_gives_trace(
    "spectral.ndjson",
    0,
    json!({
        "id": "1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c01", "type": "worlds.world_model_card.published",
        "type_version": "1", "occurred_at": "2026-05-04T12:00:00.123456Z",
        "tenant": "org_acme", "source": "spectral.worlds",
        "actor": null, "user_id": null,
        "correlation_id": null, "causation_id": null, "parent_id": null,
        "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
        "subject": {"target": "spectral.platform",
                    "domain_id": "8f14e45f-ceea-467f-a0e6-8d2b1c3a4e50",
                    "idempotency_key": "worlds.world_model_card.published:8f14e45f:3"},
        "dialect": "spectral", "flags": []
    })
)]
#[case::spectral_without_payload_org_id_the_tenant_is_domain_id(
    "spectral.ndjson",
    2,
    json!({
        "id": "1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c03", "type": "override_pattern_signal.aggregated",
        "type_version": "1", "occurred_at": "2026-05-04T11:00:00.000000Z",
        "tenant": "8f14e45f-ceea-467f-a0e6-8d2b1c3a4e50",
        "source": "spectral.platform.signal_aggregator",
        "actor": null, "user_id": null,
        "correlation_id": null, "causation_id": null, "parent_id": null, "trace_id": null,
        "subject": {"target": "apps.operations",
                    "domain_id": "8f14e45f-ceea-467f-a0e6-8d2b1c3a4e50",
                    "idempotency_key": "override_pattern_signal.aggregated:cl_9:14"},
        "dialect": "spectral", "flags": []
    })
)]
#[case::spectral_agent_task_names_its_user(
    "spectral.ndjson",
    3,
    json!({
        "id": "1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c04", "type": "platform.agent_task.created",
        "type_version": "2", "occurred_at": "2026-05-04T12:30:00.000000Z",
        "tenant": "org_acme", "source": "spectral.platform.api",
        "actor": null, "user_id": "user_erin",
        "correlation_id": null, "causation_id": null, "parent_id": null,
        "trace_id": "0af7651916cd43dd8448eb211c80319c",
        "subject": {"target": "spectral.worlds",
                    "domain_id": "8f14e45f-ceea-467f-a0e6-8d2b1c3a4e50",
                    "idempotency_key": "agent_task.created:task_12"},
        "dialect": "spectral", "flags": []
    })
)]
#[case::ecosystem_seed_example_verbatim_is_a_personal_event(
    "ecosystem.json",
    0,
    json!({
        "id": "evt_01", "type": "capture.transcript.created",
        "type_version": "1", "occurred_at": "2026-04-03T22:15:00.000000Z",
        "tenant": "", "source": "lysnrai/desktop",
        "actor": {"type": "user", "id": "user_123"}, "user_id": "user_123",
        "correlation_id": "corr_abc", "causation_id": null, "parent_id": null, "trace_id": null,
        "subject": {"artifact_id": "art_456"},
        "dialect": "ecosystem", "flags": []
    })
)]
#[case::ecosystem_agent_actor_with_causation_and_parent(
    "ecosystem.json",
    1,
    json!({
        "id": "evt_02", "type": "artifact.created",
        "type_version": "1", "occurred_at": "2026-04-03T22:16:30.250000Z",
        "tenant": "", "source": "notelett/web",
        "actor": {"type": "agent", "id": "agent_summarizer"}, "user_id": "user_123",
        "correlation_id": "corr_abc", "causation_id": "evt_01", "parent_id": "evt_01",
        "trace_id": null,
        "subject": {"session_id": "sess_77", "artifact_id": "art_457"},
        "dialect": "ecosystem", "flags": []
    })
)]
#[case::ecosystem_approval_decided_by_a_user_in_an_org(
    "ecosystem.json",
    4,
    json!({
        "id": "evt_05", "type": "approval.action.approved",
        "type_version": "1", "occurred_at": "2026-04-05T09:03:40.000000Z",
        "tenant": "org_acme", "source": "actiontrail/mobile",
        "actor": {"type": "user", "id": "user_123"}, "user_id": "user_123",
        "correlation_id": "corr_run_5", "causation_id": "evt_04", "parent_id": "evt_04",
        "trace_id": null, "subject": {"run_id": "run_5"},
        "dialect": "ecosystem", "flags": []
    })
)]
#[case::ecosystem_fractional_second(
    "ecosystem.json",
    5,
    json!({
        "id": "evt_06", "type": "agent.run.completed",
        "type_version": "1", "occurred_at": "2026-04-05T09:04:12.500000Z",
        "tenant": "org_acme", "source": "cowork/cli",
        "actor": {"type": "agent", "id": "agent_cowork"}, "user_id": "user_123",
        "correlation_id": "corr_run_5", "causation_id": "evt_05", "parent_id": "evt_03",
        "trace_id": null, "subject": {"session_id": "sess_90", "run_id": "run_5"},
        "dialect": "ecosystem", "flags": []
    })
)]
#[case::connectsoft_seed_envelope_example_verbatim(
    "connectsoft.json",
    0,
    json!({
        "id": "evt-7b3c1f9a-2e44-4c1a-9b6d-0f2a8c3d5e10", "type": "ArtifactCreated",
        "type_version": null, "occurred_at": "2026-06-11T00:00:00.000000Z",
        "tenant": "connectsoft", "source": "proj-booking-saas/module-reservations-api",
        "actor": null, "user_id": null,
        "correlation_id": "corr-3a6e1d40", "causation_id": "evt-previous-event-id",
        "parent_id": null, "trace_id": "trace-9f1c2b7d",
        "subject": {"project_id": "proj-booking-saas", "module_id": "module-reservations-api"},
        "dialect": "connectsoft", "flags": []
    })
)]
#[case::connectsoft_versioned_type_without_module(
    "connectsoft.json",
    2,
    json!({
        "id": "evt-4f1a7c3e-9b2d-4e6f-a1c0-7d8e9f0a1b32", "type": "ArtifactCreatedV2",
        "type_version": null, "occurred_at": "2026-06-12T12:15:00.000000Z",
        "tenant": "tenant-blue-harbor", "source": "proj-clinic-portal",
        "actor": null, "user_id": null,
        "correlation_id": "corr-77aa01", "causation_id": null, "parent_id": null,
        "trace_id": "trace-1e2d3c4b", "subject": {"project_id": "proj-clinic-portal"},
        "dialect": "connectsoft", "flags": []
    })
)]
#[case::connectsoft_epoch_millisecond_occurred_at(
    "connectsoft.json",
    3,
    json!({
        "id": "evt-8d2c4b6a-1e3f-4a5b-9c7d-0e1f2a3b4c43", "type": "ModuleDeployed",
        "type_version": null, "occurred_at": "2026-06-12T12:15:00.000000Z",
        "tenant": "tenant-blue-harbor",
        "source": "proj-clinic-portal/module-appointments-worker",
        "actor": null, "user_id": null,
        "correlation_id": "corr-77aa01",
        "causation_id": "evt-4f1a7c3e-9b2d-4e6f-a1c0-7d8e9f0a1b32", "parent_id": null,
        "trace_id": "trace-1e2d3c4b",
        "subject": {"project_id": "proj-clinic-portal",
                    "module_id": "module-appointments-worker"},
        "dialect": "connectsoft", "flags": []
    })
)]
#[case::cloudevents_structured_with_every_extension(
    "cloudevents.json",
    0,
    json!({
        "id": "7d1f0c52-3b8e-4a9d-b2c6-1e0f9a8b7c61", "type": "com.acme.approval.requested",
        "type_version": null, "occurred_at": "2026-05-04T09:15:00.250000Z",
        "tenant": "org_acme", "source": "/acme/change-approvals",
        "actor": {"type": "user", "id": "user_dana"}, "user_id": "user_dana",
        "correlation_id": "corr_chg_1042",
        "causation_id": "7d1f0c52-3b8e-4a9d-b2c6-1e0f9a8b7c60", "parent_id": null,
        "trace_id": "0af7651916cd43dd8448eb211c80319c",
        "subject": {"subject": "change/CHG-1042", "datacontenttype": "application/json"},
        "dialect": "cloudevents", "flags": []
    })
)]
#[case::cloudevents_batch_app_user_is_the_user(
    "cloudevents-batch.json",
    0,
    json!({
        "id": "7d1f0c52-3b8e-4a9d-b2c6-1e0f9a8b7c62", "type": "com.acme.approval.granted",
        "type_version": null, "occurred_at": "2026-05-04T09:47:12.000000Z",
        "tenant": "org_acme", "source": "/acme/change-approvals",
        "actor": {"type": "app_user", "id": "user_erin"}, "user_id": "user_erin",
        "correlation_id": "corr_chg_1042",
        "causation_id": "7d1f0c52-3b8e-4a9d-b2c6-1e0f9a8b7c61", "parent_id": null,
        "trace_id": "0af7651916cd43dd8448eb211c80319c",
        "subject": {"subject": "change/CHG-1042", "datacontenttype": "application/json"},
        "dialect": "cloudevents", "flags": []
    })
)]
#[case::cloudevents_batch_service_account_is_not_a_user(
    "cloudevents-batch.json",
    1,
    json!({
        "id": "run-5531", "type": "com.acme.deploy.started",
        "type_version": null, "occurred_at": "2026-05-04T15:02:00.500000Z",
        "tenant": "org_acme", "source": "/acme/pipelines/payments",
        "actor": {"type": "service_account", "id": "svc-deployer"}, "user_id": null,
        "correlation_id": "corr_chg_1042",
        "causation_id": "7d1f0c52-3b8e-4a9d-b2c6-1e0f9a8b7c62", "parent_id": null,
        "trace_id": "0af7651916cd43dd8448eb211c80319c",
        "subject": {"datacontenttype": "application/json",
                    "dataschema": "https://schemas.acme.example/deploy/v1.json"},
        "dialect": "cloudevents", "flags": []
    })
)]
#[case::cloudevents_batch_without_extensions(
    "cloudevents-batch.json",
    2,
    json!({
        "id": "inv-2026-0042", "type": "com.globex.invoice.paid",
        "type_version": null, "occurred_at": "2026-05-04T16:00:00.000000Z",
        "tenant": "org_globex", "source": "/globex/billing",
        "actor": null, "user_id": null,
        "correlation_id": null, "causation_id": null, "parent_id": null, "trace_id": null,
        "subject": {}, "dialect": "cloudevents", "flags": []
    })
)]
#[case::other_with_offset_time_and_service_as_source(
    "other.ndjson",
    0,
    json!({
        "id": DERIVED, "type": "backup.completed",
        "type_version": null, "occurred_at": "2026-05-04T15:00:00.000000Z",
        "tenant": "", "source": "nightly-backup",
        "actor": null, "user_id": null,
        "correlation_id": null, "causation_id": null, "parent_id": null, "trace_id": null,
        "subject": {}, "dialect": "other", "flags": ["id_derived"]
    })
)]
#[case::other_with_id_tenant_user_and_correlation(
    "other.ndjson",
    1,
    json!({
        "id": "job-991", "type": "job.finished",
        "type_version": null, "occurred_at": "2026-05-04T15:00:00.000000Z",
        "tenant": "org_acme", "source": "",
        "actor": null, "user_id": "user_dana",
        "correlation_id": "corr_job_991", "causation_id": null, "parent_id": null,
        "trace_id": null, "subject": {}, "dialect": "other", "flags": []
    })
)]
#[case::other_epoch_milliseconds_and_action_as_type(
    "other.ndjson",
    2,
    json!({
        "id": DERIVED, "type": "repo.create",
        "type_version": null, "occurred_at": "2026-05-04T09:00:00.123000Z",
        "tenant": "", "source": "",
        "actor": {"type": "user", "id": "octocat"}, "user_id": "octocat",
        "correlation_id": null, "causation_id": null, "parent_id": null, "trace_id": null,
        "subject": {}, "dialect": "other", "flags": ["id_derived"]
    })
)]
#[case::other_epoch_seconds_and_verb_as_type(
    "other.ndjson",
    3,
    json!({
        "id": DERIVED, "type": "delete",
        "type_version": null, "occurred_at": "2026-05-04T09:00:00.000000Z",
        "tenant": "", "source": "",
        "actor": {"type": "user", "id": "admin"}, "user_id": "admin",
        "correlation_id": null, "causation_id": null, "parent_id": null, "trace_id": null,
        "subject": {}, "dialect": "other", "flags": ["id_derived"]
    })
)]
fn fixture_record_normalizes_into_canonical_fields(
    #[case] fixture: &str,
    #[case] record: usize,
    #[case] mut expected: Value,
) {
    let bytes = std::fs::read(data(fixture)).expect("the fixture exists");
    let framed = frames(&bytes);
    let Frame::Record { bytes: raw, origin } = &framed[record] else {
        panic!("record {record} of {fixture} did not frame cleanly");
    };
    if expected["id"] == DERIVED {
        expected["id"] = json!(Uuid::new_v5(&normalize::TRAILVIEW_NS, raw).to_string());
    }
    let (_dir, mut store) = temp_store();
    let s = ingest_bytes(&mut store, &bytes, fixture);
    assert_eq!(s.quarantined, 0, "{:?}", quarantine(&store));
    let events = all_events(&store);
    let e = event_at(&events, origin.offset);
    assert_eq!(canonical(e), expected, "{fixture} record {record}");
    assert_eq!(
        e.raw.as_bytes(),
        &raw[..],
        "raw is the record's bytes, exactly"
    );
    assert_eq!(e.received_at, time::format_us(RECEIVED_AT));
}

/// (fixture, its dialect, how many records it holds)
#[rstest]
#[case::spine("spine.ndjson", Dialect::Spine, 10)]
#[case::aximo("aximo.ndjson", Dialect::Aximo, 18)]
#[case::spectral("spectral.ndjson", Dialect::Spectral, 4)]
#[case::ecosystem("ecosystem.json", Dialect::Ecosystem, 6)]
#[case::connectsoft("connectsoft.json", Dialect::Connectsoft, 4)]
#[case::cloudevents_structured("cloudevents.json", Dialect::Cloudevents, 1)]
#[case::cloudevents_batch("cloudevents-batch.json", Dialect::Cloudevents, 3)]
#[case::other("other.ndjson", Dialect::Other, 4)]
fn every_fixture_record_is_stored_once_in_its_dialect_with_its_payload(
    #[case] fixture: &str,
    #[case] dialect: Dialect,
    #[case] count: u64,
) {
    let bytes = std::fs::read(data(fixture)).expect("the fixture exists");
    let (_dir, mut store) = temp_store();
    let s = ingest_bytes(&mut store, &bytes, fixture);
    assert_eq!(
        (s.accepted, s.duplicates, s.quarantined),
        (count, 0, 0),
        "{:?}",
        quarantine(&store)
    );
    let events = events_by_offset(&store);
    assert_eq!(events.len() as u64, count);
    for e in &events {
        assert_eq!(e.dialect, dialect, "{}", e.raw);
        // Conforming fixtures: nothing unusual but a derived id.
        assert!(
            e.flags.iter().all(|f| *f == "id_derived"),
            "unexpected flags {:?} on {}",
            e.flags,
            e.raw
        );
        // Raw is the input's bytes exactly, where the origin says.
        let at = e.origin.offset.expect("an offset") as usize;
        assert_eq!(&bytes[at..at + e.raw.len()], e.raw.as_bytes());
        assert_eq!(e.raw_sha256, sha256_hex(e.raw.as_bytes()));
        // The payload is the envelope's `data` / `payload` (the whole document for `other`).
        let doc: Value = serde_json::from_str(&e.raw).expect("stored raw is JSON");
        let want = match dialect {
            Dialect::Spine => doc["data"].clone(),
            Dialect::Cloudevents => doc
                .get("data")
                .or(doc.get("data_base64"))
                .cloned()
                .unwrap_or(Value::Null),
            Dialect::Other => doc.clone(),
            _ => doc["payload"].clone(),
        };
        assert_eq!(e.payload, want, "payload of {}", e.id);
    }
}

// ---------------------------------------------------------------------------------------------
// Look-alikes land in the right dialect.
// ---------------------------------------------------------------------------------------------

#[test]
fn cloudevents_0_1_legacy_sample_is_other_not_connectsoft() {
    let path =
        samples_dir().join("cloudevents/cloudevents-spec_jsonschema_example.v0.1-legacy.json");
    let bytes = std::fs::read(path).expect("the sample exists");
    let raw = records(&bytes).remove(0);
    let e = accept(std::str::from_utf8(&raw).unwrap());
    assert_eq!(
        e.dialect,
        Dialect::Other,
        "eventID/eventType is not ConnectSoft's eventId/eventType"
    );
    assert_eq!(e.id, "B234-1234-1234");
    assert_eq!(e.kind, "com.example.someevent");
    assert_eq!(
        time::format_us(e.occurred_at),
        "2018-04-05T17:31:00.000000Z"
    );
    assert_eq!(e.source, "/mycontext");
    assert_eq!(e.tenant, "");
}

#[rstest]
#[case::connectsoft_event_id_camel(
    r#"{"eventId":"e1","eventType":"ArtifactCreated","tenantId":"t","occurredAt":"2026-01-01T00:00:00Z","payload":{}}"#,
    Dialect::Connectsoft
)]
#[case::cloudevents_0_1_event_id_upper_is_not_connectsoft(
    r#"{"eventID":"e1","eventType":"com.example.x","cloudEventsVersion":"0.1","eventTime":"2026-01-01T00:00:00Z","source":"/s"}"#,
    Dialect::Other
)]
#[case::ecosystem_event_name_with_occurred_at(
    r#"{"eventId":"e1","eventName":"artifact.created","occurredAt":"2026-01-01T00:00:00Z","actor":{"actorType":"system"},"trace":{},"payload":{}}"#,
    Dialect::Ecosystem
)]
#[case::cloudtrail_event_name_with_event_time_is_other(
    r#"{"eventVersion":"1.08","eventName":"CreateUser","eventTime":"2026-01-01T00:00:00Z","eventSource":"iam.amazonaws.com"}"#,
    Dialect::Other
)]
#[case::aximo_event_type_with_customer_id(
    r#"{"event_id":"e1","event_type":"execution_triggered","timestamp":"2026-01-01T00:00:00Z","customer_id":"c","deployment_id":"d","skill_id":"s","skill_version":"1","payload":{}}"#,
    Dialect::Aximo
)]
#[case::spectral_event_type_with_domain_id(
    r#"{"event_id":"e1","event_type":"decision.recorded","event_version":1,"occurred_at":"2026-01-01T00:00:00+00:00","domain_id":"d","payload":{}}"#,
    Dialect::Spectral
)]
#[case::spine_type_with_org_id(
    r#"{"eventId":"e1","type":"lead.enriched","source":"axis","orgId":"o","timestamp":"2026-01-01T00:00:00Z","data":{}}"#,
    Dialect::Spine
)]
#[case::cloudevents_specversion_wins(
    r#"{"specversion":"1.0","id":"e1","type":"com.example.x","source":"/s","time":"2026-01-01T00:00:00Z","orgId":"o","eventName":"x"}"#,
    Dialect::Cloudevents
)]
#[case::plain_type_and_time_is_other(
    r#"{"type":"backup.completed","time":"2026-01-01T00:00:00Z"}"#,
    Dialect::Other
)]
fn look_alikes_are_told_apart_by_their_distinctive_fields(
    #[case] raw: &str,
    #[case] dialect: Dialect,
) {
    assert_eq!(accept(raw).dialect, dialect, "{raw}");
}

#[rstest]
#[case::ec2_start_instances(
    "awsdocs_cloudtrail-log-file-examples_ec2-StartInstances.json",
    "StartInstances",
    "2014-03-06T21:22:54.000000Z",
    "ec2.amazonaws.com",
    None
)]
#[case::ec2_create_key_pair(
    "awsdocs_cloudtrail-log-file-examples_ec2-CreateKeyPair.json",
    "CreateKeyPair",
    "2014-03-06T17:10:34.000000Z",
    "ec2.amazonaws.com",
    None
)]
#[case::iam_create_user(
    "awsdocs_cloudtrail-log-file-examples_iam-CreateUser.json",
    "CreateUser",
    "2014-03-24T21:11:59.000000Z",
    "iam.amazonaws.com",
    None
)]
#[case::error_update_trail_has_an_event_id(
    "awsdocs_cloudtrail-log-file-examples_error-UpdateTrail.json",
    "UpdateTrail",
    "2016-07-14T19:15:45.000000Z",
    "cloudtrail.amazonaws.com",
    Some("b7d4398e-b2f0-4faa-9c76-e2d316a8d67f")
)]
fn cloudtrail_records_are_other_with_event_name_as_type(
    #[case] file: &str,
    #[case] event_name: &str,
    #[case] occurred_at: &str,
    #[case] source: &str,
    #[case] event_id: Option<&str>,
) {
    let path = samples_dir().join("cloudtrail").join(file);
    let (_dir, mut store) = temp_store();
    let s = ingest_file(&mut store, &path);
    assert_eq!((s.accepted, s.quarantined), (1, 0));
    let e = all_events(&store).pop().unwrap();
    assert_eq!(e.dialect, Dialect::Other);
    assert_eq!(e.kind, event_name);
    assert_eq!(e.occurred_at, occurred_at);
    assert_eq!(e.source, source);
    assert_eq!(e.tenant, "");
    assert_eq!(
        serde_json::to_value(&e.actor).unwrap(),
        json!({"type": "IAMUser", "id": "Alice"})
    );
    match event_id {
        Some(id) => assert_eq!(e.id, id),
        None => {
            assert_eq!(e.id, normalize::derive_id(e.raw.as_bytes()));
            assert!(e.flags.contains(&"id_derived"));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Time: epoch milliseconds, and RFC 3339 with any offset, are the same instant.
// ---------------------------------------------------------------------------------------------

/// One minimal, conforming envelope per dialect, with its time field set to `t` (a JSON value).
fn envelope(dialect: &str, t: &str) -> String {
    match dialect {
        "spine" => format!(
            r#"{{"eventId":"t-1","type":"lead.enriched","source":"axis","orgId":"org_t","timestamp":{t},"data":{{}}}}"#
        ),
        "aximo" => format!(
            r#"{{"event_id":"t-1","event_type":"execution_triggered","timestamp":{t},"customer_id":"cust_t","deployment_id":"d","skill_id":"s","skill_version":"1.0.0","actor":"system","payload":{{}}}}"#
        ),
        "spectral" => format!(
            r#"{{"event_id":"t-1","event_type":"decision.recorded","event_version":1,"occurred_at":{t},"source":"spectral.platform","target":"spectral.platform","domain_id":"dom_t","payload":{{"org_id":"org_t"}},"idempotency_key":"k","trace_context":null}}"#
        ),
        "connectsoft" => format!(
            r#"{{"eventId":"t-1","eventType":"ArtifactCreated","tenantId":"ten_t","projectId":"p","traceId":"tr","correlationId":"c","occurredAt":{t},"payload":{{}}}}"#
        ),
        "ecosystem" => format!(
            r#"{{"eventId":"t-1","eventName":"artifact.created","eventVersion":1,"occurredAt":{t},"productId":"p","sourceSurface":"web","actor":{{"actorType":"system"}},"trace":{{}},"payload":{{}}}}"#
        ),
        "cloudevents" => format!(
            r#"{{"specversion":"1.0","id":"t-1","type":"com.example.t","source":"/t","time":{t},"tenantid":"org_t"}}"#
        ),
        "other" => format!(r#"{{"id":"t-1","type":"job.finished","timestamp":{t}}}"#),
        d => unreachable!("{d}"),
    }
}

#[rstest]
fn epoch_milliseconds_are_read_in_every_dialect(
    #[values(
        "spine",
        "aximo",
        "spectral",
        "connectsoft",
        "ecosystem",
        "cloudevents",
        "other"
    )]
    dialect: &str,
) {
    let e = accept(&envelope(dialect, "1777885200123"));
    assert_eq!(e.dialect.as_str(), dialect);
    assert_eq!(
        time::format_us(e.occurred_at),
        "2026-05-04T09:00:00.123000Z"
    );
}

#[rstest]
fn rfc3339_with_any_offset_is_the_same_instant(
    #[values(
        "spine",
        "aximo",
        "spectral",
        "connectsoft",
        "ecosystem",
        "cloudevents",
        "other"
    )]
    dialect: &str,
    #[values(
        r#""2026-05-04T09:00:00.123Z""#,
        r#""2026-05-04T09:00:00.123+00:00""#,
        r#""2026-05-04T11:00:00.123+02:00""#,
        r#""2026-05-04T03:30:00.123-05:30""#,
        r#""2026-05-05T00:00:00.123+15:00""#,
        r#""2026-05-04T09:00:00.123000999Z""#
    )]
    t: &str,
) {
    let e = accept(&envelope(dialect, t));
    assert_eq!(e.dialect.as_str(), dialect);
    assert_eq!(
        time::format_us(e.occurred_at),
        "2026-05-04T09:00:00.123000Z",
        "{t}"
    );
}

#[rstest]
fn a_time_that_names_no_instant_is_refused_not_guessed(
    #[values(
        "spine",
        "aximo",
        "spectral",
        "connectsoft",
        "ecosystem",
        "cloudevents",
        "other"
    )]
    dialect: &str,
    #[values(
        r#""2026-05-04T09:00:00""#,
        r#""2026-05-04""#,
        r#""yesterday""#,
        "true"
    )]
    t: &str,
) {
    let raw = envelope(dialect, t);
    let rej = normalize::normalize(raw.as_bytes()).expect_err("an unreadable time is refused");
    assert_eq!(rej.reason, Reason::BadTimestamp, "{raw}: {}", rej.message);
}

// ---------------------------------------------------------------------------------------------
// Raw is sacred: unknown fields stay, in raw and in the payload.
// ---------------------------------------------------------------------------------------------

#[rstest]
#[case::spine(
    r#"{"eventId":"u-1","type":"lead.enriched","source":"axis","orgId":"org_u","timestamp":"2026-05-04T09:00:00Z","x_vendor":{"shard":7},"data":{"leadId":"l1","futureField":{"nested":[1,2,3]}},"metadata":{"correlationId":"c","x_meta":true}}"#,
    "data"
)]
#[case::aximo(
    r#"{"event_id":"u-1","event_type":"execution_triggered","timestamp":"2026-05-04T09:00:00Z","customer_id":"cust_u","deployment_id":"d","skill_id":"s","skill_version":"1.0.0","actor":"system","x_vendor":{"shard":7},"payload":{"futureField":{"nested":[1,2,3]}}}"#,
    "payload"
)]
#[case::spectral(
    r#"{"event_id":"u-1","event_type":"decision.recorded","event_version":1,"occurred_at":"2026-05-04T09:00:00+00:00","source":"spectral.platform","domain_id":"dom_u","x_vendor":{"shard":7},"payload":{"org_id":"org_u","futureField":{"nested":[1,2,3]}}}"#,
    "payload"
)]
#[case::connectsoft(
    r#"{"eventId":"u-1","eventType":"ArtifactCreated","tenantId":"ten_u","traceId":"tr","correlationId":"c","occurredAt":"2026-05-04T09:00:00Z","x_vendor":{"shard":7},"payload":{"futureField":{"nested":[1,2,3]}}}"#,
    "payload"
)]
#[case::ecosystem(
    r#"{"eventId":"u-1","eventName":"artifact.created","eventVersion":1,"occurredAt":"2026-05-04T09:00:00Z","productId":"p","sourceSurface":"web","actor":{"actorType":"user","actorId":"u1","x_actor":1},"trace":{},"x_vendor":{"shard":7},"payload":{"futureField":{"nested":[1,2,3]}}}"#,
    "payload"
)]
#[case::cloudevents(
    r#"{"specversion":"1.0","id":"u-1","type":"com.example.u","source":"/u","time":"2026-05-04T09:00:00Z","x_vendor":{"shard":7},"comexampleext":"v","data":{"futureField":{"nested":[1,2,3]}}}"#,
    "data"
)]
#[case::other(
    r#"{"id":"u-1","type":"job.finished","time":"2026-05-04T09:00:00Z","x_vendor":{"shard":7},"futureField":{"nested":[1,2,3]}}"#,
    ""
)]
fn unknown_fields_are_kept_in_raw_and_payload(#[case] raw: &str, #[case] payload_key: &str) {
    let e = store_one(raw);
    assert_eq!(e.raw, raw, "raw comes back byte-exact");
    let doc: Value = serde_json::from_str(&e.raw).unwrap();
    assert_eq!(
        doc["x_vendor"],
        json!({"shard": 7}),
        "unknown top-level field kept"
    );
    let payload = if payload_key.is_empty() {
        doc
    } else {
        doc[payload_key].clone()
    };
    assert_eq!(e.payload, payload);
    assert_eq!(e.payload["futureField"], json!({"nested": [1, 2, 3]}));
}

// ---------------------------------------------------------------------------------------------
// Naming conventions and catalogs: accepted, and flagged.
// ---------------------------------------------------------------------------------------------

#[rstest]
#[case::spine_pascal_case(r#"{"eventId":"n-1","type":"CodeAnalysisComplete","source":"meshos","orgId":"o","timestamp":"2026-05-04T09:00:00Z","data":{}}"#)]
#[case::spine_single_segment(r#"{"eventId":"n-1","type":"deployed","source":"meshos","orgId":"o","timestamp":"2026-05-04T09:00:00Z","data":{}}"#)]
#[case::aximo_pascal_case(r#"{"event_id":"n-1","event_type":"ExecutionTriggered","timestamp":"2026-05-04T09:00:00Z","customer_id":"c","deployment_id":"d","skill_id":"s","skill_version":"1","payload":{}}"#)]
#[case::spectral_pascal_case(r#"{"event_id":"n-1","event_type":"DecisionRecorded","event_version":1,"occurred_at":"2026-05-04T09:00:00Z","domain_id":"d","payload":{}}"#)]
#[case::connectsoft_snake_case(r#"{"eventId":"n-1","eventType":"artifact_created","tenantId":"t","traceId":"tr","correlationId":"c","occurredAt":"2026-05-04T09:00:00Z","payload":{}}"#)]
#[case::connectsoft_command_verb_noun(r#"{"eventId":"n-1","eventType":"BuildContextPackage","tenantId":"t","traceId":"tr","correlationId":"c","occurredAt":"2026-05-04T09:00:00Z","payload":{}}"#)]
#[case::ecosystem_ui_wording(r#"{"eventId":"n-1","eventName":"Button_Clicked","eventVersion":1,"occurredAt":"2026-05-04T09:00:00Z","productId":"p","sourceSurface":"web","actor":{"actorType":"user"},"trace":{},"payload":{}}"#)]
fn naming_convention_violations_are_accepted_and_flagged(#[case] raw: &str) {
    let e = store_one(raw);
    assert!(e.flags.contains(&"type_convention"), "{:?}: {raw}", e.flags);
    assert_eq!(e.raw, raw);
}

#[rstest]
#[case::spine(r#"{"eventId":"n-1","type":"review.agent.complete","source":"meshos","orgId":"o","timestamp":"2026-05-04T09:00:00Z","data":{}}"#)]
#[case::aximo(r#"{"event_id":"n-1","event_type":"version_rolled_back","timestamp":"2026-05-04T09:00:00Z","customer_id":"c","deployment_id":"d","skill_id":"s","skill_version":"1","payload":{}}"#)]
#[case::spectral(r#"{"event_id":"n-1","event_type":"worlds.world_model_card.published","event_version":1,"occurred_at":"2026-05-04T09:00:00Z","domain_id":"d","payload":{}}"#)]
#[case::connectsoft(r#"{"eventId":"n-1","eventType":"AgentTaskCompleted","tenantId":"t","traceId":"tr","correlationId":"c","occurredAt":"2026-05-04T09:00:00Z","payload":{}}"#)]
#[case::connectsoft_irregular_past(r#"{"eventId":"n-1","eventType":"ReportWritten","tenantId":"t","traceId":"tr","correlationId":"c","occurredAt":"2026-05-04T09:00:00Z","payload":{}}"#)]
#[case::ecosystem(r#"{"eventId":"n-1","eventName":"safety.unattended_action.blocked","eventVersion":1,"occurredAt":"2026-05-04T09:00:00Z","productId":"p","sourceSurface":"web","actor":{"actorType":"system"},"trace":{},"payload":{}}"#)]
fn conforming_types_are_not_flagged(#[case] raw: &str) {
    let e = accept(raw);
    assert!(
        !e.flags.has(Flags::TYPE_CONVENTION) && !e.flags.has(Flags::UNKNOWN_TYPE),
        "{:?}: {raw}",
        e.flags.names()
    );
}

#[rstest]
#[case::aximo_type_outside_event_model(r#"{"event_id":"k-1","event_type":"execution_teleported","timestamp":"2026-05-04T09:00:00Z","customer_id":"c","deployment_id":"d","skill_id":"s","skill_version":"1","payload":{"x":1}}"#)]
#[case::ecosystem_type_outside_taxonomy(r#"{"eventId":"k-1","eventName":"capture.hologram.created","eventVersion":3,"occurredAt":"2026-05-04T09:00:00Z","productId":"p","sourceSurface":"web","actor":{"actorType":"device"},"trace":{},"payload":{"x":1}}"#)]
fn unknown_aximo_and_ecosystem_types_are_accepted_and_flagged(#[case] raw: &str) {
    let e = store_one(raw);
    assert!(e.flags.contains(&"unknown_type"), "{:?}", e.flags);
    assert!(!e.flags.contains(&"type_convention"), "{:?}", e.flags);
    assert_eq!(e.raw, raw, "an unknown type is kept as written");
    assert_eq!(e.payload, json!({"x": 1}));
}

// ---------------------------------------------------------------------------------------------
// The real samples: none of them may be lost.
// ---------------------------------------------------------------------------------------------

/// `(local path relative to samples/, bytes, sha256)` of every entry in SOURCES.json.
fn sample_sources() -> Vec<(String, u64, String)> {
    let text = std::fs::read_to_string(samples_dir().join("SOURCES.json")).expect("SOURCES.json");
    let doc: Value = serde_json::from_str(&text).expect("SOURCES.json is JSON");
    doc["sources"]
        .as_array()
        .expect("a sources array")
        .iter()
        .map(|s| {
            let local = s["local"].as_str().unwrap();
            (
                local.strip_prefix("real/").unwrap_or(local).to_owned(),
                s["bytes"].as_u64().unwrap(),
                s["sha256"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Every sample file on disk, relative to samples/real, sorted.
fn sample_files() -> Vec<String> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("the samples directory") {
            let p = entry.unwrap().path();
            if p.is_dir() {
                walk(&p, root, out);
            } else if p.file_name().unwrap() != "SOURCES.json" {
                out.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let root = samples_dir();
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out.sort();
    out
}

/// The records a sample holds, read independently of Trailview's framing: the elements of a
/// top-level array or of CloudTrail's `{"Records": [...]}`, else the document itself. `None`
/// when the file is not JSON at all.
fn expected_records(bytes: &[u8]) -> Option<Vec<Value>> {
    match serde_json::from_slice::<Value>(bytes).ok()? {
        Value::Array(items) => Some(items),
        Value::Object(o) if o.len() == 1 && o.get("Records").is_some_and(Value::is_array) => {
            Some(o["Records"].as_array().unwrap().clone())
        }
        v => Some(vec![v]),
    }
}

/// What follows a record in its file: whitespace, then a separator or the end.
fn ends_cleanly(bytes: &[u8], end: usize) -> bool {
    match bytes[end..].iter().find(|b| !b.is_ascii_whitespace()) {
        None => true,
        Some(b) => matches!(b, b',' | b']' | b'}'),
    }
}

#[test]
fn sources_json_describes_every_sample_byte_for_byte() {
    let sources = sample_sources();
    let listed: Vec<String> = {
        let mut v: Vec<String> = sources.iter().map(|s| s.0.clone()).collect();
        v.sort();
        v
    };
    assert_eq!(
        sample_files(),
        listed,
        "every sample is listed, and every listed one exists"
    );
    for (local, len, sha) in &sources {
        let bytes = std::fs::read(samples_dir().join(local)).unwrap();
        assert_eq!(bytes.len() as u64, *len, "{local}");
        assert_eq!(
            &sha256_hex(&bytes),
            sha,
            "{local} is the bytes SOURCES.json describes"
        );
    }
}

#[test]
fn every_real_sample_ingests_with_nothing_lost_and_raw_byte_exact() {
    let mut failures = Vec::new();
    let mut invalid_seen = 0;
    for local in sample_files() {
        invalid_seen += usize::from(local.contains("INVALID"));
        let path = samples_dir().join(&local);
        let bytes = std::fs::read(&path).unwrap();
        let (_dir, mut store) = temp_store();
        let s = ingest_file(&mut store, &path);
        let events = events_by_offset(&store);
        let q = quarantine(&store);
        let mut fail = |m: String| failures.push(format!("{local}: {m}"));
        match expected_records(&bytes) {
            Some(want) => {
                if (s.accepted, s.duplicates, s.quarantined) != (want.len() as u64, 0, 0) {
                    fail(format!(
                        "{} records, summary {s:?}, quarantine {q:?}",
                        want.len()
                    ));
                    continue;
                }
                if local.contains("INVALID") {
                    fail("a file named INVALID parsed as JSON".into());
                }
                for (e, want) in events.iter().zip(&want) {
                    let at = e.origin.offset.unwrap() as usize;
                    let end = at + e.raw.len();
                    if bytes.get(at..end) != Some(e.raw.as_bytes()) || !ends_cleanly(&bytes, end) {
                        fail(format!(
                            "raw of seq {} is not the input's bytes at {at}",
                            e.seq
                        ));
                    }
                    match serde_json::from_str::<Value>(&e.raw) {
                        Ok(v) if &v == want => {}
                        _ => fail(format!(
                            "raw of seq {} is not the record it came from",
                            e.seq
                        )),
                    }
                    if e.raw_sha256 != sha256_hex(e.raw.as_bytes()) {
                        fail(format!("raw_sha256 of seq {}", e.seq));
                    }
                }
            }
            None => {
                // Only the sample named INVALID is not JSON; it is quarantined whole, raw kept.
                if !local.contains("INVALID") {
                    fail("not JSON, but not named INVALID".into());
                }
                if (s.accepted, s.duplicates, s.quarantined) != (0, 0, 1) || q.len() != 1 {
                    fail(format!("summary {s:?}, quarantine {q:?}"));
                    continue;
                }
                let r = &q[0];
                if r.reason != "invalid_json" || !r.raw_kept {
                    fail(format!("quarantined as {r:?}"));
                }
                let raw = store.quarantined_raw(r.qseq).unwrap().unwrap_or_default();
                let at = r.offset.unwrap() as usize;
                if bytes.get(at..at + raw.len()) != Some(&raw[..])
                    || raw.first() != Some(&b'{')
                    || raw.last() != Some(&b'}')
                    || !ends_cleanly(&bytes, at + raw.len())
                {
                    fail(format!("quarantined raw is not the whole record at {at}"));
                }
                if r.raw_len != raw.len() as u64 || r.raw_sha256 != sha256_hex(&raw) {
                    fail("quarantined raw_len / raw_sha256 do not describe the raw".into());
                }
                if r.origin != path.display().to_string() || r.line.is_none() {
                    fail(format!("origin {:?} line {:?}", r.origin, r.line));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(invalid_seen, 1, "the one real invalid sample was exercised");
}

#[test]
fn all_real_samples_together_are_sixteen_events_and_one_quarantined_then_all_duplicates() {
    let paths: Vec<_> = sample_files()
        .iter()
        .map(|f| samples_dir().join(f))
        .collect();
    let (_dir, mut store) = temp_store();
    let first = ingest::ingest_paths(&mut store, &paths, &opts(5), &mut |_| {}).unwrap();
    assert_eq!(
        (first.accepted, first.duplicates, first.quarantined),
        (16, 0, 1),
        "CloudEvents ids are unique per source: the spec's examples and its batch share ids \
         but not sources, so none may suppress another; {:?}",
        first.files
    );
    let dialects: BTreeMap<String, u64> = store.stats().unwrap().dialects;
    assert_eq!(
        dialects,
        BTreeMap::from([("cloudevents".to_owned(), 6), ("other".to_owned(), 10)])
    );
    let head = store.verify().unwrap();
    assert!(head.ok, "{head:?}");

    let again = ingest::ingest_paths(&mut store, &paths, &opts(5), &mut |_| {}).unwrap();
    assert_eq!(
        (again.accepted, again.duplicates, again.quarantined),
        (0, 16, 1)
    );
    assert_eq!(
        quarantine(&store).len(),
        1,
        "the same refusal is not stored twice"
    );
    assert_eq!(store.verify().unwrap(), head);
}

#[rstest]
#[case::logs_time_unix_nano_as_a_number("otel/opentelemetry-proto_examples_logs.json")]
#[case::events_time_unix_nano_as_a_string("otel/opentelemetry-proto_examples_events.json")]
fn otel_time_unix_nano_is_read_to_the_microsecond(#[case] file: &str) {
    let path = samples_dir().join(file);
    let (_dir, mut store) = temp_store();
    ingest_file(&mut store, &path);
    let e = all_events(&store).pop().expect("one event");
    assert_eq!(e.dialect, Dialect::Other);
    assert_eq!(e.occurred_at, "2018-12-13T14:51:00.300000Z");
    assert_eq!(
        e.raw.as_bytes(),
        std::fs::read(&path).unwrap().trim_ascii_end()
    );
    assert!(
        e.raw.contains("1544712660300000000"),
        "the nanosecond number is kept as written"
    );
}

#[test]
fn cloudtrail_unicode_escapes_survive_byte_exact() {
    let path = samples_dir()
        .join("cloudtrail/awsdocs_cloudtrail-log-file-examples_ec2-CreateKeyPair.json");
    let (_dir, mut store) = temp_store();
    ingest_file(&mut store, &path);
    let e = all_events(&store).pop().unwrap();
    assert!(e
        .raw
        .contains(r#""keyMaterial": "\u003csensitiveDataRemoved\u003e""#));
    assert_eq!(
        e.payload["responseElements"]["keyMaterial"],
        "<sensitiveDataRemoved>"
    );
    let fetched = store
        .event("", &e.id)
        .unwrap()
        .expect("found by (tenant, id)");
    assert_eq!(fetched.raw, e.raw);
}

#[rstest]
#[case::anonymous_creates_namespace(
    "falco_k8s_audit_anonymous_creates_namespace_foo.json",
    "841d3e6d-90d2-43df-8da4-684738bee3d5",
    "2018-10-25T13:58:49.000000Z",
    "system:anonymous"
)]
#[case::create_configmap(
    "falco_k8s_audit_create_configmap.json",
    "155b887c-c27c-4fdb-9667-999f74512d0a",
    "2018-10-26T13:13:03.000000Z",
    "minikube-user"
)]
#[case::exec_pod(
    "falco_k8s_audit_exec_pod.json",
    "ca1ed9f4-7bf4-4c85-81a8-1b11253d1ba6",
    "2018-10-26T13:38:34.000000Z",
    "minikube-user"
)]
fn k8s_audit_events_are_other_keyed_by_audit_id(
    #[case] file: &str,
    #[case] audit_id: &str,
    #[case] occurred_at: &str,
    #[case] user: &str,
) {
    let path = samples_dir().join("k8s-audit").join(file);
    let (_dir, mut store) = temp_store();
    ingest_file(&mut store, &path);
    let e = all_events(&store).pop().unwrap();
    assert_eq!(e.dialect, Dialect::Other);
    assert_eq!(e.id, audit_id);
    assert_eq!(e.kind, "create");
    assert_eq!(e.occurred_at, occurred_at);
    assert_eq!(e.user_id.as_deref(), Some(user));
    assert_eq!(
        e.raw.as_bytes(),
        std::fs::read(&path).unwrap().trim_ascii_end()
    );
}

#[rstest]
#[case::a_binary_data_base64("example-A-binary-data_base64", "A234-1234-1234", json!("... base64 encoded string ..."))]
#[case::b_xml_string_data("example-B-xml-string-data", "B234-1234-1234", json!("<much wow=\"xml\"/>"))]
#[case::c_json_object_data("example-C-json-object-data", "C234-1234-1234", json!({"appinfoA": "abc", "appinfoB": 123, "appinfoC": true}))]
#[case::d_json_string_data("example-D-json-string-data", "D234-1234-1234", json!("I'm just a string"))]
fn cloudevents_spec_examples_are_cloudevents_with_their_data(
    #[case] name: &str,
    #[case] id: &str,
    #[case] data: Value,
) {
    let path = samples_dir().join(format!(
        "cloudevents/cloudevents-spec_json-format-v1.0.2_{name}.json"
    ));
    let (_dir, mut store) = temp_store();
    ingest_file(&mut store, &path);
    let e = all_events(&store).pop().unwrap();
    assert_eq!(e.dialect, Dialect::Cloudevents);
    assert_eq!(
        (e.id.as_str(), e.kind.as_str()),
        (id, "com.example.someevent")
    );
    assert_eq!((e.source.as_str(), e.tenant.as_str()), ("/mycontext", ""));
    assert_eq!(e.occurred_at, "2018-04-05T17:31:00.000000Z");
    assert_eq!(e.payload, data);
    assert!(e.flags.is_empty(), "{:?}", e.flags);
    assert_eq!(
        e.raw.as_bytes(),
        std::fs::read(&path).unwrap().trim_ascii_end()
    );
}

#[test]
fn an_empty_cloudevents_batch_is_zero_events_and_no_error() {
    let path =
        samples_dir().join("cloudevents/cloudevents-spec_json-format-v1.0.2_batch-empty.json");
    let (_dir, mut store) = temp_store();
    let s = ingest_file(&mut store, &path);
    assert_eq!((s.accepted, s.duplicates, s.quarantined), (0, 0, 0));
    assert!(quarantine(&store).is_empty());
}
