//! Approval cases across dialects, folded from [`Fact`]s.
//!
//! A **case** is one request and its decisions: Aximo `approval_requested → approval_granted /
//! approval_rejected / approval_timeout` (keyed by tenant + `execution_id`), Ecosystem
//! `approval.action.requested → approved / denied / expired`, ConnectSoft `ApprovalRequested →
//! ApprovalGranted / ApprovalRejected`, and the same words in any other dialect
//! ([`super::verdict_of`]).
//!
//! ## Linking (within one tenant; the state is per tenant, so never across tenants)
//! A decision joins the case whose request is its **causation** id, else its **parent** event
//! id, else the case carrying the same payload **approval id**, else the latest case of the same
//! Aximo **execution**, else of the same **correlation**. A decision that finds no case opens
//! one without a request (`decision_without_request`); when the request turns up later in the
//! file (a higher `seq`), it joins that case by the same links and the anomaly becomes
//! `decision_before_request`.
//!
//! ## Rulings
//! The fold records facts; [`Case::settle`] derives everything else from them, in `seq` order:
//! - the **first** decision stands; any later one is `decided_more_than_once`;
//! - an expiry (an explicit `…expired`/`…timeout` event, or the request's own deadline
//!   `timeout_at`/`expiresAt` passing) ends the case as `expired`; a decision after it is
//!   `decided_after_expiry` and does not count;
//! - an action (Aximo `action_dispatched`, Ecosystem `audit.action.logged`, ConnectSoft
//!   `DeploymentStarted`) linked to a case (approval id, execution, correlation) that was not
//!   approved at that point is `dispatched_without_approval`; an Aximo dispatch with
//!   `approval_mode: required` and no case at all is the same anomaly, case-less.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Ev, Fact, Links, Verdict};
use crate::normalize::Dialect;
use crate::time::Micros;

/// An anomaly an auditor must see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyKind {
    /// A decision with no request at all.
    DecisionWithoutRequest,
    /// A decision stored before its request (lower `seq`).
    DecisionBeforeRequest,
    /// More than one decision; the first stands.
    DecidedMoreThanOnce,
    /// A decision after the request expired.
    DecidedAfterExpiry,
    /// An action taken while its approval was not granted.
    DispatchedWithoutApproval,
}

impl AnomalyKind {
    /// The snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            AnomalyKind::DecisionWithoutRequest => "decision_without_request",
            AnomalyKind::DecisionBeforeRequest => "decision_before_request",
            AnomalyKind::DecidedMoreThanOnce => "decided_more_than_once",
            AnomalyKind::DecidedAfterExpiry => "decided_after_expiry",
            AnomalyKind::DispatchedWithoutApproval => "dispatched_without_approval",
        }
    }
}

/// An anomaly with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anomaly {
    /// What.
    pub kind: AnomalyKind,
    /// In words.
    pub message: String,
    /// The events that show it, in `seq` order.
    pub evidence: Vec<Ev>,
}

/// A decision (or expiry) recorded on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// The event.
    pub event: Ev,
    /// Granted, denied or expired.
    pub verdict: Verdict,
    /// Who decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// Its causation link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub causation_id: Option<String>,
    /// Its parent link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
}

/// The status of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "../../ui/src/bindings/")]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Requested, not decided, not expired.
    Pending,
    /// The standing decision granted it.
    Approved,
    /// The standing decision denied it.
    Denied,
    /// It expired before a decision.
    Expired,
}

impl CaseStatus {
    /// The snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            CaseStatus::Pending => "pending",
            CaseStatus::Approved => "approved",
            CaseStatus::Denied => "denied",
            CaseStatus::Expired => "expired",
        }
    }

    /// Inverse of [`CaseStatus::code`].
    pub fn from_code(s: &str) -> Option<CaseStatus> {
        [
            CaseStatus::Pending,
            CaseStatus::Approved,
            CaseStatus::Denied,
            CaseStatus::Expired,
        ]
        .into_iter()
        .find(|c| c.code() == s)
    }
}

/// One approval case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// The dialect it came in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialect: Option<Dialect>,
    /// The request, once seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Ev>,
    /// Who asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester: Option<String>,
    /// What is to be approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The payload's approval id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_id: Option<String>,
    /// Aximo execution id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_id: Option<String>,
    /// Correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// The request's deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Micros>,
    /// Decisions and expiries, in `seq` order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<Decision>,
    /// Actions linked to the case, in `seq` order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<Ev>,
    /// Derived by [`Case::settle`]: the index in `decisions` of the one that stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standing: Option<usize>,
    /// Derived by [`Case::settle`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub anomalies: Vec<Anomaly>,
}

impl Case {
    fn new(f: &Fact) -> Case {
        Case {
            dialect: f.dialect,
            request: None,
            requester: None,
            subject: f.subject.clone(),
            approval_id: f.approval_id.clone(),
            execution_id: f.execution_id.clone(),
            correlation_id: f.correlation_id.clone(),
            expires_at: None,
            decisions: Vec::new(),
            actions: Vec::new(),
            standing: None,
            anomalies: Vec::new(),
        }
    }

    /// A stable key: the request's id, or (no request) its first decision's.
    pub fn key(&self) -> &str {
        self.request
            .as_ref()
            .or(self.decisions.first().map(|d| &d.event))
            .map_or("", |e| e.id.as_str())
    }

    /// The first event of the case.
    pub fn opened(&self) -> Option<&Ev> {
        let d = self.decisions.iter().map(|d| &d.event);
        self.request.iter().chain(d).min_by_key(|e| (e.at, e.seq))
    }

    /// The decision that stands.
    pub fn standing(&self) -> Option<&Decision> {
        self.standing.and_then(|i| self.decisions.get(i))
    }

    /// The status the case had at `t` (`None`: now), or `None` if it did not exist yet.
    pub fn status_at(&self, t: Option<Micros>) -> Option<CaseStatus> {
        let t = t.unwrap_or(Micros::MAX);
        if self.opened()?.at > t {
            return None;
        }
        if let Some(d) = self.standing().filter(|d| d.event.at <= t) {
            return Some(match d.verdict {
                Verdict::Granted => CaseStatus::Approved,
                Verdict::Denied => CaseStatus::Denied,
                _ => CaseStatus::Expired,
            });
        }
        if self.expires_at.is_some_and(|x| x <= t) {
            return Some(CaseStatus::Expired);
        }
        Some(CaseStatus::Pending)
    }

    /// Decision latency in ms: from the request to the standing grant or denial.
    pub fn latency_ms(&self) -> Option<i64> {
        let d = self
            .standing()
            .filter(|d| matches!(d.verdict, Verdict::Granted | Verdict::Denied))?;
        Some((d.event.at - self.request.as_ref()?.at) / 1000)
    }

    /// Re-derive the standing decision and the anomalies from the recorded facts.
    pub fn settle(&mut self) {
        let mut anomalies = Vec::new();
        let mut standing: Option<usize> = None;
        let req: Vec<Ev> = self.request.iter().cloned().collect();
        let mut order: Vec<usize> = (0..self.decisions.len()).collect();
        order.sort_by_key(|&i| self.decisions[i].event.seq);
        for &i in &order {
            let d = &self.decisions[i];
            if d.verdict == Verdict::Expired {
                if standing.is_none() {
                    standing = Some(i);
                }
                continue;
            }
            let evidence = |extra: &[&Ev]| {
                let mut v = req.clone();
                v.extend(extra.iter().map(|e| (*e).clone()));
                v.sort_by_key(|e| e.seq);
                v
            };
            match standing.map(|s| &self.decisions[s]) {
                Some(s) if s.verdict == Verdict::Expired => anomalies.push(Anomaly {
                    kind: AnomalyKind::DecidedAfterExpiry,
                    message: format!(
                        "{} after the request expired ({}); it does not count",
                        d.event.kind, s.event.kind
                    ),
                    evidence: evidence(&[&s.event, &d.event]),
                }),
                Some(s) => anomalies.push(Anomaly {
                    kind: AnomalyKind::DecidedMoreThanOnce,
                    message: format!(
                        "decided again ({}) after {}; the first decision stands",
                        d.event.kind, s.event.kind
                    ),
                    evidence: evidence(&[&s.event, &d.event]),
                }),
                None if self.expires_at.is_some_and(|x| d.event.at > x) => {
                    anomalies.push(Anomaly {
                        kind: AnomalyKind::DecidedAfterExpiry,
                        message: format!(
                            "{} after the request's deadline {}; it does not count",
                            d.event.kind,
                            crate::time::format_us(self.expires_at.unwrap_or_default())
                        ),
                        evidence: evidence(&[&d.event]),
                    })
                }
                None => standing = Some(i),
            }
        }
        let first_decision = order.first().map(|&i| &self.decisions[i].event);
        match (&self.request, first_decision) {
            (None, Some(d)) => anomalies.push(Anomaly {
                kind: AnomalyKind::DecisionWithoutRequest,
                message: format!("{} with no approval request", d.kind),
                evidence: order
                    .iter()
                    .map(|&i| self.decisions[i].event.clone())
                    .collect(),
            }),
            (Some(r), Some(d)) if d.seq < r.seq => anomalies.push(Anomaly {
                kind: AnomalyKind::DecisionBeforeRequest,
                message: format!(
                    "{} (seq {}) was stored before its request (seq {})",
                    d.kind, d.seq, r.seq
                ),
                evidence: vec![d.clone(), r.clone()],
            }),
            _ => {}
        }
        let granted_at = standing
            .map(|s| &self.decisions[s])
            .filter(|s| s.verdict == Verdict::Granted)
            .map(|s| s.event.seq);
        for a in &self.actions {
            if granted_at.is_none_or(|g| g > a.seq) {
                let mut evidence = req.clone();
                if let Some(s) = standing.map(|s| &self.decisions[s]) {
                    if s.event.seq < a.seq {
                        evidence.push(s.event.clone());
                    }
                }
                evidence.push(a.clone());
                evidence.sort_by_key(|e| e.seq);
                anomalies.push(Anomaly {
                    kind: AnomalyKind::DispatchedWithoutApproval,
                    message: format!("{} while the approval was not granted", a.kind),
                    evidence,
                });
            }
        }
        self.standing = standing;
        self.anomalies = anomalies;
    }
}

/// In-memory indexes over the cases, derived from them (never stored).
#[derive(Debug, Clone, Default)]
struct Index {
    by_request: Links,
    by_cause: Links,
    by_approval: Links,
    by_execution: Links,
    by_correlation: Links,
}

impl Index {
    fn add(&mut self, i: usize, c: &Case) {
        self.by_request
            .add(c.request.as_ref().map(|r| r.id.as_str()), i);
        self.by_approval.add(c.approval_id.as_deref(), i);
        self.by_execution.add(c.execution_id.as_deref(), i);
        self.by_correlation.add(c.correlation_id.as_deref(), i);
        for d in &c.decisions {
            self.by_cause.add(d.causation_id.as_deref(), i);
            self.by_cause.add(d.parent_id.as_deref(), i);
        }
    }
}

/// A tenant's approval cases.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Approvals {
    /// Every case, in the order it was opened in the log. Shared (`Arc`), so a replay snapshot
    /// is cheap to clone: a fold copies only the cases it touches.
    pub cases: Vec<Arc<Case>>,
    /// Anomalies with no case: an Aximo dispatch with `approval_mode: required` and no request.
    pub loose: Vec<Anomaly>,
    #[serde(skip)]
    index: Option<Arc<Index>>,
}

impl PartialEq for Approvals {
    /// The index is derived from the cases: equal cases, equal state.
    fn eq(&self, other: &Self) -> bool {
        self.cases == other.cases && self.loose == other.loose
    }
}

impl Approvals {
    fn index(&mut self) -> &mut Index {
        let cases = &self.cases;
        let idx = self.index.get_or_insert_with(|| {
            let mut idx = Index::default();
            for (i, c) in cases.iter().enumerate() {
                idx.add(i, c);
            }
            Arc::new(idx)
        });
        Arc::make_mut(idx)
    }

    /// The case a decision or action belongs to.
    fn link(&mut self, f: &Fact, by_request: bool) -> Option<usize> {
        let idx = self.index();
        let via_request = |k: Option<&str>| {
            if by_request {
                idx.by_request.latest(k)
            } else {
                None
            }
        };
        via_request(f.causation_id.as_deref())
            .or_else(|| via_request(f.parent_id.as_deref()))
            .or_else(|| idx.by_approval.latest(f.approval_id.as_deref()))
            .or_else(|| idx.by_execution.latest(f.execution_id.as_deref()))
            .or_else(|| idx.by_correlation.latest(f.correlation_id.as_deref()))
    }

    /// Fold one fact in.
    pub fn apply(&mut self, f: &Fact) {
        match f.verdict {
            Some(Verdict::Requested) => self.request(f),
            Some(v) => self.decision(f, v),
            None if f.action => self.action(f),
            None => {}
        }
    }

    fn request(&mut self, f: &Fact) {
        self.index();
        let cases = &self.cases;
        let idx = self.index.as_deref().expect("built above");
        // A decision that came first in the file and waits for this request.
        let orphan = |v: &[usize]| {
            v.iter()
                .copied()
                .filter(|&i| cases[i].request.is_none())
                .max()
        };
        let found = orphan(idx.by_cause.all(Some(&f.id)))
            .or_else(|| orphan(idx.by_approval.all(f.approval_id.as_deref())))
            .or_else(|| orphan(idx.by_execution.all(f.execution_id.as_deref())))
            .or_else(|| orphan(idx.by_correlation.all(f.correlation_id.as_deref())));
        let i = match found {
            Some(i) => i,
            None => {
                self.cases.push(Arc::new(Case::new(f)));
                self.cases.len() - 1
            }
        };
        let c = Arc::make_mut(&mut self.cases[i]);
        c.request = Some(Ev::of(f));
        c.requester = f.who.clone();
        c.expires_at = f.expires_at;
        if f.subject.is_some() {
            c.subject = f.subject.clone();
        }
        c.approval_id = c.approval_id.take().or_else(|| f.approval_id.clone());
        c.execution_id = c.execution_id.take().or_else(|| f.execution_id.clone());
        c.correlation_id = c.correlation_id.take().or_else(|| f.correlation_id.clone());
        c.settle();
        let c = self.cases[i].clone();
        self.index().add(i, &c);
    }

    fn decision(&mut self, f: &Fact, verdict: Verdict) {
        let i = match self.link(f, true) {
            Some(i) => i,
            None => {
                self.cases.push(Arc::new(Case::new(f)));
                self.cases.len() - 1
            }
        };
        let c = Arc::make_mut(&mut self.cases[i]);
        c.decisions.push(Decision {
            event: Ev::of(f),
            verdict,
            by: f.who.clone(),
            causation_id: f.causation_id.clone(),
            parent_id: f.parent_id.clone(),
        });
        if c.subject.is_none() {
            c.subject = f.subject.clone();
        }
        c.approval_id = c.approval_id.take().or_else(|| f.approval_id.clone());
        c.settle();
        let c = self.cases[i].clone();
        self.index().add(i, &c);
    }

    fn action(&mut self, f: &Fact) {
        // An action names its approval by id; `null` there means "none", so it links only by
        // execution or correlation.
        match self.link(f, false) {
            Some(i) => {
                let c = Arc::make_mut(&mut self.cases[i]);
                c.actions.push(Ev::of(f));
                c.settle();
            }
            None if f.dialect == Some(Dialect::Aximo)
                && (f.approval_mode.as_deref() == Some("required")
                    || f.requires_approval == Some(true)) =>
            {
                self.loose.push(Anomaly {
                    kind: AnomalyKind::DispatchedWithoutApproval,
                    message: format!(
                        "{} in execution {} (approval_mode required) with no approval request",
                        f.kind,
                        f.execution_id.as_deref().unwrap_or("?")
                    ),
                    evidence: vec![Ev::of(f)],
                });
            }
            None => {}
        }
    }
}
