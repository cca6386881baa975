//! `approvals` and `executions`: the approval cases and Aximo executions of a tenant, from the
//! stored projection plus any tail (`crate::projections`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{de, ApiError};
use crate::normalize::Dialect;
use crate::projections::approvals::{Anomaly, Case, CaseStatus};
use crate::projections::deployments::Deployment;
use crate::projections::executions::{ExecStatus, Execution};
use crate::projections::{self, EventRef, Parts, Verdict};
use crate::store::Store;
use crate::time::{self, Micros};

/// `approvals`: a tenant's approval cases, optionally as of a time or of one status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/", optional_fields)]
pub struct ApprovalsRequest {
    /// **Required**; the empty string is the personal scope.
    #[ts(optional = false, as = "String")]
    pub tenant: Option<String>,
    /// The status every case had at this time (RFC 3339 with an offset, or epoch ms).
    pub as_of: Option<String>,
    /// Only cases of this status: `pending`, `approved`, `denied`, `expired`.
    pub status: Option<String>,
    /// Only cases with at least one anomaly.
    #[serde(default, with = "de::flag")]
    #[ts(as = "Option<bool>")]
    pub anomalies_only: Option<bool>,
}

/// An anomaly with its evidence chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct AnomalyView {
    /// `decision_without_request`, `decision_before_request`, `decided_more_than_once`,
    /// `decided_after_expiry`, `dispatched_without_approval`.
    pub kind: String,
    /// In words.
    pub message: String,
    /// The events that show it, in `seq` order.
    pub evidence: Vec<EventRef>,
}

/// A decision or expiry on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct DecisionView {
    /// The event.
    pub event: EventRef,
    /// `granted`, `denied`, `expired`.
    pub verdict: String,
    /// Who decided.
    pub by: Option<String>,
    /// Whether this is the decision that stands.
    pub stands: bool,
}

/// One approval case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct ApprovalCase {
    /// Stable key: the request's event id (or its first decision's, with no request).
    pub key: String,
    /// The dialect.
    pub dialect: Option<Dialect>,
    /// Status (as of the requested time).
    pub status: CaseStatus,
    /// The request event.
    pub request: Option<EventRef>,
    /// Who asked.
    pub requester: Option<String>,
    /// What is to be approved.
    pub subject: Option<String>,
    /// The payload's approval id.
    pub approval_id: Option<String>,
    /// Aximo execution id.
    pub execution_id: Option<String>,
    /// Correlation id.
    pub correlation_id: Option<String>,
    /// The request's deadline, RFC 3339.
    pub expires_at: Option<String>,
    /// Who made the standing decision.
    pub decider: Option<String>,
    /// When the standing decision was made, RFC 3339.
    pub decided_at: Option<String>,
    /// Request → standing grant/denial, ms.
    #[ts(type = "number | null")]
    pub latency_ms: Option<i64>,
    /// Every decision and expiry, in `seq` order.
    pub decisions: Vec<DecisionView>,
    /// Actions linked to the case.
    pub actions: Vec<EventRef>,
    /// Anomalies with their evidence.
    pub anomalies: Vec<AnomalyView>,
}

/// Counts over the answered cases.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct ApprovalCounts {
    /// Cases.
    pub total: u32,
    /// Pending.
    pub pending: u32,
    /// Approved.
    pub approved: u32,
    /// Denied.
    pub denied: u32,
    /// Expired.
    pub expired: u32,
    /// Anomalies (on cases, and case-less).
    pub anomalies: u32,
}

/// `approvals`' answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct ApprovalsResponse {
    /// The tenant.
    pub tenant: String,
    /// The as-of time, RFC 3339, when given.
    pub as_of: Option<String>,
    /// Counts over `cases`.
    pub counts: ApprovalCounts,
    /// The cases, in the order they were opened in the log.
    pub cases: Vec<ApprovalCase>,
    /// Anomalies that belong to no case (an Aximo dispatch requiring approval, never requested).
    pub loose_anomalies: Vec<AnomalyView>,
}

fn refs(evs: impl IntoIterator<Item = impl std::borrow::Borrow<projections::Ev>>) -> Vec<EventRef> {
    evs.into_iter()
        .map(|e| EventRef::from(e.borrow()))
        .collect()
}

fn anomaly_view(a: &Anomaly) -> AnomalyView {
    AnomalyView {
        kind: a.kind.code().to_owned(),
        message: a.message.clone(),
        evidence: refs(&a.evidence),
    }
}

fn verdict_code(v: Verdict) -> &'static str {
    match v {
        Verdict::Requested => "requested",
        Verdict::Granted => "granted",
        Verdict::Denied => "denied",
        Verdict::Expired => "expired",
    }
}

/// The case as it stood at `t` (`None`: now); `None` if it did not exist yet.
pub fn case_view(c: &Case, t: Option<Micros>) -> Option<ApprovalCase> {
    let status = c.status_at(t)?;
    let upto = t.unwrap_or(Micros::MAX);
    let standing = c.standing().filter(|d| d.event.at <= upto);
    let stands = |i: usize| c.standing == Some(i) && standing.is_some();
    Some(ApprovalCase {
        key: c.key().to_owned(),
        dialect: c.dialect,
        status,
        request: c
            .request
            .as_ref()
            .filter(|r| r.at <= upto)
            .map(EventRef::from),
        requester: c.requester.clone(),
        subject: c.subject.clone(),
        approval_id: c.approval_id.clone(),
        execution_id: c.execution_id.clone(),
        correlation_id: c.correlation_id.clone(),
        expires_at: c.expires_at.map(time::format_us),
        decider: standing
            .filter(|d| d.verdict != Verdict::Expired)
            .and_then(|d| d.by.clone()),
        decided_at: standing.map(|d| time::format_us(d.event.at)),
        latency_ms: standing.and(c.latency_ms()),
        decisions: c
            .decisions
            .iter()
            .enumerate()
            .filter(|(_, d)| d.event.at <= upto)
            .map(|(i, d)| DecisionView {
                event: EventRef::from(&d.event),
                verdict: verdict_code(d.verdict).to_owned(),
                by: d.by.clone(),
                stands: stands(i),
            })
            .collect(),
        actions: refs(c.actions.iter().filter(|a| a.at <= upto)),
        anomalies: c
            .anomalies
            .iter()
            .filter(|a| a.evidence.iter().all(|e| e.at <= upto))
            .map(anomaly_view)
            .collect(),
    })
}

fn tenant_of(t: &Option<String>) -> Result<&str, ApiError> {
    t.as_deref().ok_or_else(ApiError::tenant_required)
}

/// `approvals`: every approval case of a tenant across dialects, with its anomalies.
pub fn approvals(store: &Store, req: &ApprovalsRequest) -> Result<ApprovalsResponse, ApiError> {
    let tenant = tenant_of(&req.tenant)?;
    let as_of = req
        .as_of
        .as_deref()
        .map(|s| {
            time::parse_bound(s).map_err(|e| {
                ApiError::bad_filter(format!(
                    "as_of: {e} (give RFC 3339 with an offset, or epoch milliseconds)"
                ))
            })
        })
        .transpose()?;
    let status = req
        .status
        .as_deref()
        .map(|s| {
            CaseStatus::from_code(s).ok_or_else(|| {
                ApiError::bad_filter(format!(
                    "status: {s:?} is not one of pending, approved, denied, expired"
                ))
            })
        })
        .transpose()?;
    let st = projections::load(store, tenant, Parts::APPROVALS)?;
    // Without `as_of`, a deadline is judged against the log's own "now" (the tenant's newest
    // event), never the wall clock: the same log gives the same answer (STYLE §10).
    let now = match as_of {
        Some(t) => Some(t),
        None => projections::newest(store, tenant)?,
    };
    let upto = now.unwrap_or(Micros::MAX);
    let mut counts = ApprovalCounts::default();
    let mut cases = Vec::new();
    for c in &st.approvals.cases {
        let Some(v) = case_view(c, now) else {
            continue;
        };
        if status.is_some_and(|s| s != v.status)
            || (req.anomalies_only == Some(true) && v.anomalies.is_empty())
        {
            continue;
        }
        counts.total += 1;
        match v.status {
            CaseStatus::Pending => counts.pending += 1,
            CaseStatus::Approved => counts.approved += 1,
            CaseStatus::Denied => counts.denied += 1,
            CaseStatus::Expired => counts.expired += 1,
        }
        counts.anomalies += v.anomalies.len() as u32;
        cases.push(v);
    }
    let loose_anomalies: Vec<AnomalyView> = st
        .approvals
        .loose
        .iter()
        .filter(|a| a.evidence.iter().all(|e| e.at <= upto))
        .map(anomaly_view)
        .collect();
    counts.anomalies += loose_anomalies.len() as u32;
    Ok(ApprovalsResponse {
        tenant: tenant.to_owned(),
        as_of: as_of.map(time::format_us),
        counts,
        cases,
        loose_anomalies,
    })
}

/// `executions`: a tenant's Aximo executions, optionally one, or only those breaking a rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/", optional_fields)]
pub struct ExecutionsRequest {
    /// **Required**; the empty string is the personal scope.
    #[ts(optional = false, as = "String")]
    pub tenant: Option<String>,
    /// One execution id.
    pub execution: Option<String>,
    /// Only executions with at least one violation.
    #[serde(default, with = "de::flag")]
    #[ts(as = "Option<bool>")]
    pub violations_only: Option<bool>,
}

/// A rule broken, with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct ViolationView {
    /// Stable code, e.g. `no_completion`, `dispatched_without_approval`.
    pub code: String,
    /// The seed section: `§5`, `§9.1` …
    pub rule: String,
    /// In words.
    pub message: String,
    /// The events that show it.
    pub evidence: Vec<EventRef>,
}

/// One Aximo execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct ExecutionView {
    /// `execution_id`.
    pub execution_id: String,
    /// `deployment_id`.
    pub deployment_id: Option<String>,
    /// `skill_id`.
    pub skill_id: Option<String>,
    /// `skill_version` it ran.
    pub skill_version: Option<String>,
    /// `correlation_id`.
    pub correlation_id: Option<String>,
    /// The state machine's state.
    pub status: Option<ExecStatus>,
    /// Approval required (`approval_mode: required`, `requires_approval`, or a request).
    pub approval_required: bool,
    /// The first decision: `granted`, `rejected`, `timed_out`.
    pub approval: Option<String>,
    /// Whether an action was dispatched.
    pub dispatched: bool,
    /// First event, RFC 3339.
    pub started_at: Option<String>,
    /// Terminal event, RFC 3339.
    pub ended_at: Option<String>,
    /// First to terminal event, ms.
    #[ts(type = "number | null")]
    pub duration_ms: Option<i64>,
    /// Its events in `seq` order.
    pub sequence: Vec<EventRef>,
    /// The seed's rules it breaks.
    pub violations: Vec<ViolationView>,
}

/// Counts over the answered executions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct ExecutionCounts {
    /// Executions.
    pub total: u32,
    /// `completed`.
    pub completed: u32,
    /// `failed`.
    pub failed: u32,
    /// Not terminal.
    pub open: u32,
    /// With at least one violation.
    pub with_violations: u32,
}

/// `executions`' answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct ExecutionsResponse {
    /// The tenant.
    pub tenant: String,
    /// Counts over `executions`.
    pub counts: ExecutionCounts,
    /// In the order they first appear in the log.
    pub executions: Vec<ExecutionView>,
}

/// The view of an execution; `with_violations: false` for a replay mid-flight.
pub fn execution_view(x: &Execution, with_violations: bool) -> ExecutionView {
    ExecutionView {
        execution_id: x.execution_id.clone(),
        deployment_id: x.deployment_id.clone(),
        skill_id: x.skill_id.clone(),
        skill_version: x.skill_version.clone(),
        correlation_id: x.correlation_id.clone(),
        status: x.status(),
        approval_required: x.approval_required(),
        approval: x.approval().map(str::to_owned),
        dispatched: x.dispatched(),
        started_at: x.started_at().map(time::format_us),
        ended_at: x.terminal().map(|e| time::format_us(e.at)),
        duration_ms: x.duration_ms(),
        sequence: refs(x.steps.iter().map(|s| &s.event)),
        violations: if with_violations {
            x.violations()
                .into_iter()
                .map(|v| ViolationView {
                    code: v.code.to_owned(),
                    rule: v.rule.to_owned(),
                    message: v.message,
                    evidence: refs(&v.evidence),
                })
                .collect()
        } else {
            Vec::new()
        },
    }
}

/// `executions`: a tenant's Aximo executions with status and violations.
pub fn executions(store: &Store, req: &ExecutionsRequest) -> Result<ExecutionsResponse, ApiError> {
    let tenant = tenant_of(&req.tenant)?;
    let st = projections::load(store, tenant, Parts::EXECUTIONS)?;
    let mut counts = ExecutionCounts::default();
    let mut out = Vec::new();
    for x in &st.executions.list {
        if req
            .execution
            .as_deref()
            .is_some_and(|id| id != x.execution_id)
        {
            continue;
        }
        let v = execution_view(x, true);
        if req.violations_only == Some(true) && v.violations.is_empty() {
            continue;
        }
        counts.total += 1;
        match v.status {
            Some(ExecStatus::Completed) => counts.completed += 1,
            Some(ExecStatus::Failed) => counts.failed += 1,
            _ => counts.open += 1,
        }
        if !v.violations.is_empty() {
            counts.with_violations += 1;
        }
        out.push(v);
    }
    Ok(ExecutionsResponse {
        tenant: tenant.to_owned(),
        counts,
        executions: out,
    })
}

/// A deployment and its version history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct DeploymentView {
    /// `deployment_id`.
    pub deployment_id: String,
    /// `skill_id`.
    pub skill_id: Option<String>,
    /// `created`, `configured`, `active`, `updating`, `suspended`, `terminated`, `seen`.
    pub status: String,
    /// The live version.
    pub version: Option<String>,
    /// Version changes in `seq` order.
    pub history: Vec<VersionChangeView>,
}

/// One version change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct VersionChangeView {
    /// The event.
    pub event: EventRef,
    /// Before.
    pub from: Option<String>,
    /// After.
    pub to: Option<String>,
}

/// The view of a deployment.
pub fn deployment_view(d: &Deployment) -> DeploymentView {
    DeploymentView {
        deployment_id: d.deployment_id.clone(),
        skill_id: d.skill_id.clone(),
        status: d.status.clone(),
        version: d.version.clone(),
        history: d
            .history
            .iter()
            .map(|h| VersionChangeView {
                event: EventRef::from(&h.event),
                from: h.from.clone(),
                to: h.to.clone(),
            })
            .collect(),
    }
}
