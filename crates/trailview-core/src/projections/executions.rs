//! Aximo executions per (tenant, `execution_id`), and the seed's rules they must keep.
//!
//! The fold only records each execution's steps (seed 001 §3 types, in `seq` order); status
//! and violations are pure functions of those steps ([`Execution::status`],
//! [`Execution::violations`]), so they are the same whether the state was just folded or read
//! back from the stored projection.
//!
//! The state machine (issue #4): `triggered → processing → awaiting_approval →
//! approved / rejected / timed_out → action_prepared → dispatched → completed / failed`; the
//! first approval decision stands, and a terminal status is final.
//!
//! Rules checked (seed 001 §5 required sequences, §9 invariants), each with its evidence:
//! - `missing_trigger` (§5): the first event is not `execution_triggered`;
//! - `processing_out_of_order` (§5): `execution_processing` missing before the first
//!   approval/action step, or before `execution_triggered`;
//! - `no_completion` (§9.1): no `execution_completed` / `execution_failed`;
//! - `multiple_terminal`, `event_after_terminal` (§5, §9.1): the terminal event is not last
//!   and only;
//! - `decision_without_request` (§9.2): an approval decision with no `approval_requested`
//!   before it;
//! - `approval_not_recorded` (§9.2): approval required, an action dispatched, and no approval
//!   event at all (neither request nor decision);
//! - `dispatched_without_approval` (§5): approval required (or requested) and an
//!   `action_dispatched` with no granting decision standing before it;
//! - `dispatch_without_prepare` (§5, standard flow): `action_dispatched` with no
//!   `action_prepared` before it when no approval is required;
//! - `dispatch_not_recorded` (§9.3): `execution_completed` reports more `actions_dispatched`
//!   than there are `action_dispatched` events, or an `action_prepared` of an approved (or
//!   approval-free) execution that completed was never followed by `action_dispatched` /
//!   `action_failed`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Ev, Fact};
use crate::normalize::Dialect;
use crate::time::Micros;

/// One step of an execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// The event.
    pub event: Ev,
    /// `action_id` of action events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_id: Option<String>,
    /// `approval_mode` of the envelope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_mode: Option<String>,
    /// `action_prepared.requires_approval`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_approval: Option<bool>,
    /// `execution_completed.actions_dispatched`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions_dispatched: Option<i64>,
}

/// The state machine's states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "../../ui/src/bindings/")]
#[serde(rename_all = "snake_case")]
pub enum ExecStatus {
    /// `execution_triggered`.
    Triggered,
    /// `execution_processing`.
    Processing,
    /// `approval_requested`, not decided yet.
    AwaitingApproval,
    /// `approval_granted`.
    Approved,
    /// `approval_rejected`.
    Rejected,
    /// `approval_timeout`.
    TimedOut,
    /// `action_prepared`.
    ActionPrepared,
    /// `action_dispatched`.
    Dispatched,
    /// `action_failed`.
    ActionFailed,
    /// `execution_completed`.
    Completed,
    /// `execution_failed`.
    Failed,
}

impl ExecStatus {
    /// The snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            ExecStatus::Triggered => "triggered",
            ExecStatus::Processing => "processing",
            ExecStatus::AwaitingApproval => "awaiting_approval",
            ExecStatus::Approved => "approved",
            ExecStatus::Rejected => "rejected",
            ExecStatus::TimedOut => "timed_out",
            ExecStatus::ActionPrepared => "action_prepared",
            ExecStatus::Dispatched => "dispatched",
            ExecStatus::ActionFailed => "action_failed",
            ExecStatus::Completed => "completed",
            ExecStatus::Failed => "failed",
        }
    }

    fn terminal(self) -> bool {
        matches!(self, ExecStatus::Completed | ExecStatus::Failed)
    }
}

/// A violation of the seed's rules, with evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Stable code (see the module docs).
    pub code: &'static str,
    /// The rule, by section of seed 001.
    pub rule: &'static str,
    /// In words.
    pub message: String,
    /// The events that show it.
    pub evidence: Vec<Ev>,
}

/// One execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Execution {
    /// `execution_id`.
    pub execution_id: String,
    /// `deployment_id` of its first event.
    pub deployment_id: Option<String>,
    /// `skill_id`.
    pub skill_id: Option<String>,
    /// `skill_version` it ran.
    pub skill_version: Option<String>,
    /// `correlation_id`.
    pub correlation_id: Option<String>,
    /// Its events, in `seq` order.
    pub steps: Vec<Step>,
}

const DECISIONS: [&str; 3] = ["approval_granted", "approval_rejected", "approval_timeout"];

impl Execution {
    fn has(&self, kind: &str) -> bool {
        self.steps.iter().any(|s| s.event.kind == kind)
    }

    /// The status after its steps up to `seq` (all: `i64::MAX`); `None` before the first.
    pub fn status_upto(&self, seq: i64) -> Option<ExecStatus> {
        let mut st: Option<ExecStatus> = None;
        let mut decided = false;
        for s in self.steps.iter().take_while(|s| s.event.seq <= seq) {
            if st.is_some_and(ExecStatus::terminal) {
                break;
            }
            let next = match s.event.kind.as_str() {
                "execution_triggered" if st.is_none() => Some(ExecStatus::Triggered),
                "execution_processing" => Some(ExecStatus::Processing),
                "approval_requested" if !decided => Some(ExecStatus::AwaitingApproval),
                k if DECISIONS.contains(&k) && !decided => {
                    decided = true;
                    Some(match k {
                        "approval_granted" => ExecStatus::Approved,
                        "approval_rejected" => ExecStatus::Rejected,
                        _ => ExecStatus::TimedOut,
                    })
                }
                "action_prepared" => Some(ExecStatus::ActionPrepared),
                "action_dispatched" => Some(ExecStatus::Dispatched),
                "action_failed" => Some(ExecStatus::ActionFailed),
                "execution_completed" => Some(ExecStatus::Completed),
                "execution_failed" => Some(ExecStatus::Failed),
                _ => None,
            };
            if next.is_some() {
                st = next;
            }
        }
        st
    }

    /// The current status.
    pub fn status(&self) -> Option<ExecStatus> {
        self.status_upto(i64::MAX)
    }

    /// Whether an approval is required: `approval_mode: required`, `requires_approval: true`,
    /// or an `approval_requested`.
    pub fn approval_required(&self) -> bool {
        self.steps.iter().any(|s| {
            s.approval_mode.as_deref() == Some("required")
                || s.requires_approval == Some(true)
                || s.event.kind == "approval_requested"
        })
    }

    /// The first decision: `granted`, `rejected` or `timed_out`.
    pub fn approval(&self) -> Option<&'static str> {
        self.steps.iter().find_map(|s| match s.event.kind.as_str() {
            "approval_granted" => Some("granted"),
            "approval_rejected" => Some("rejected"),
            "approval_timeout" => Some("timed_out"),
            _ => None,
        })
    }

    /// Whether any action was dispatched.
    pub fn dispatched(&self) -> bool {
        self.has("action_dispatched")
    }

    /// The terminal event, if any.
    pub fn terminal(&self) -> Option<&Ev> {
        self.steps
            .iter()
            .map(|s| &s.event)
            .find(|e| e.kind == "execution_completed" || e.kind == "execution_failed")
    }

    /// When it started (its first event).
    pub fn started_at(&self) -> Option<Micros> {
        self.steps.iter().map(|s| s.event.at).min()
    }

    /// From the first event to the terminal one, in ms.
    pub fn duration_ms(&self) -> Option<i64> {
        Some((self.terminal()?.at - self.started_at()?) / 1000)
    }

    /// Every rule it breaks.
    pub fn violations(&self) -> Vec<Violation> {
        let mut out = Vec::new();
        let ev = |s: &Step| s.event.clone();
        let mut v = |code, rule, message: String, evidence: Vec<Ev>| {
            out.push(Violation {
                code,
                rule,
                message,
                evidence,
            })
        };
        let Some(first) = self.steps.first() else {
            return out;
        };
        if first.event.kind != "execution_triggered" {
            v(
                "missing_trigger",
                "§5",
                format!(
                    "the execution starts with {} instead of execution_triggered",
                    first.event.kind
                ),
                vec![ev(first)],
            );
        }
        let pos = |k: &str| self.steps.iter().position(|s| s.event.kind == k);
        let first_work = self.steps.iter().position(|s| {
            s.event.kind.starts_with("approval_") || s.event.kind.starts_with("action_")
        });
        match (pos("execution_processing"), first_work) {
            (None, Some(w)) => v(
                "processing_out_of_order",
                "§5",
                format!(
                    "{} without execution_processing before it",
                    self.steps[w].event.kind
                ),
                vec![ev(&self.steps[w])],
            ),
            (Some(p), Some(w)) if p > w => v(
                "processing_out_of_order",
                "§5",
                format!(
                    "execution_processing comes after {}",
                    self.steps[w].event.kind
                ),
                vec![ev(&self.steps[w]), ev(&self.steps[p])],
            ),
            (Some(p), _) if pos("execution_triggered").is_some_and(|t| t > p) => v(
                "processing_out_of_order",
                "§5",
                "execution_processing comes before execution_triggered".into(),
                vec![ev(&self.steps[p])],
            ),
            _ => {}
        }
        let terminals: Vec<usize> = self
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                s.event.kind == "execution_completed" || s.event.kind == "execution_failed"
            })
            .map(|(i, _)| i)
            .collect();
        match terminals.as_slice() {
            [] => v(
                "no_completion",
                "§9.1",
                "no execution_completed or execution_failed".into(),
                self.steps.last().map(ev).into_iter().collect(),
            ),
            [t, rest @ ..] => {
                if !rest.is_empty() {
                    v(
                        "multiple_terminal",
                        "§9.1",
                        format!("{} terminal events", terminals.len()),
                        terminals.iter().map(|&i| ev(&self.steps[i])).collect(),
                    );
                }
                let after: Vec<Ev> = self.steps[t + 1..]
                    .iter()
                    .filter(|s| {
                        s.event.kind != "execution_completed" && s.event.kind != "execution_failed"
                    })
                    .map(ev)
                    .collect();
                if !after.is_empty() {
                    let mut e = vec![ev(&self.steps[*t])];
                    e.extend(after);
                    v(
                        "event_after_terminal",
                        "§5",
                        format!(
                            "{} event(s) after {}",
                            e.len() - 1,
                            self.steps[*t].event.kind
                        ),
                        e,
                    );
                }
            }
        }
        let requested = pos("approval_requested");
        for (i, s) in self.steps.iter().enumerate() {
            if DECISIONS.contains(&s.event.kind.as_str()) && requested.is_none_or(|r| r > i) {
                v(
                    "decision_without_request",
                    "§9.2",
                    format!("{} with no approval_requested before it", s.event.kind),
                    vec![ev(s)],
                );
            }
        }
        let required = self.approval_required();
        let any_decision = self
            .steps
            .iter()
            .any(|s| DECISIONS.contains(&s.event.kind.as_str()));
        let first_decision = self
            .steps
            .iter()
            .position(|s| DECISIONS.contains(&s.event.kind.as_str()));
        let granted_at = first_decision.filter(|&i| self.steps[i].event.kind == "approval_granted");
        for (i, s) in self.steps.iter().enumerate() {
            if s.event.kind != "action_dispatched" {
                continue;
            }
            if required && !any_decision && requested.is_none() {
                v(
                    "approval_not_recorded",
                    "§9.2",
                    "approval required and an action dispatched, but no approval decision event"
                        .into(),
                    vec![ev(s)],
                );
            } else if required && granted_at.is_none_or(|g| g > i) {
                let mut e: Vec<Ev> = first_decision
                    .filter(|&d| d < i)
                    .map(|d| ev(&self.steps[d]))
                    .into_iter()
                    .collect();
                e.push(ev(s));
                v(
                    "dispatched_without_approval",
                    "§5",
                    "action_dispatched with no granted approval standing before it".into(),
                    e,
                );
            }
            if !required
                && !self.steps[..i]
                    .iter()
                    .any(|p| p.event.kind == "action_prepared")
            {
                v(
                    "dispatch_without_prepare",
                    "§5",
                    "action_dispatched with no action_prepared before it".into(),
                    vec![ev(s)],
                );
            }
        }
        let dispatched = self
            .steps
            .iter()
            .filter(|s| s.event.kind == "action_dispatched")
            .count() as i64;
        for s in &self.steps {
            if let Some(n) = s.actions_dispatched.filter(|&n| n > dispatched) {
                v(
                    "dispatch_not_recorded",
                    "§9.3",
                    format!("{} reports {n} action(s) dispatched, but {dispatched} action_dispatched event(s) exist", s.event.kind),
                    vec![ev(s)],
                );
            }
        }
        let completed = self.has("execution_completed");
        let approved_or_free = !required || self.approval() == Some("granted");
        if completed && approved_or_free {
            for (i, s) in self.steps.iter().enumerate() {
                if s.event.kind != "action_prepared" {
                    continue;
                }
                let followed = self.steps[i + 1..].iter().any(|n| {
                    (n.event.kind == "action_dispatched" || n.event.kind == "action_failed")
                        && (n.action_id.is_none() || n.action_id == s.action_id)
                });
                if !followed {
                    v(
                        "dispatch_not_recorded",
                        "§9.3",
                        "action_prepared never followed by action_dispatched or action_failed"
                            .into(),
                        vec![ev(s)],
                    );
                }
            }
        }
        out
    }
}

/// A tenant's executions.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Executions {
    /// In the order they first appear in the log.
    pub list: Vec<Arc<Execution>>,
    #[serde(skip)]
    index: super::KeyIndex,
}

impl PartialEq for Executions {
    /// The index is derived from the list.
    fn eq(&self, other: &Self) -> bool {
        self.list == other.list
    }
}

impl Executions {
    /// Fold one fact in: Aximo events with an `execution_id`.
    pub fn apply(&mut self, f: &Fact) {
        if f.dialect != Some(Dialect::Aximo) {
            return;
        }
        let Some(x) = f.execution_id.as_deref() else {
            return;
        };
        let i = super::slot(
            &mut self.list,
            &mut self.index,
            x,
            |e| &e.execution_id,
            || Execution {
                execution_id: x.to_owned(),
                deployment_id: f.deployment_id.clone(),
                skill_id: f.skill_id.clone(),
                skill_version: f.skill_version.clone(),
                correlation_id: f.correlation_id.clone(),
                steps: Vec::new(),
            },
        );
        Arc::make_mut(&mut self.list[i]).steps.push(Step {
            event: Ev::of(f),
            action_id: f.action_id.clone(),
            approval_mode: f.approval_mode.clone(),
            requires_approval: f.requires_approval,
            actions_dispatched: f.actions_dispatched,
        });
    }

    /// One execution by id.
    pub fn get(&self, id: &str) -> Option<&Execution> {
        match &self.index {
            Some(ix) => ix.get(id).map(|&i| &*self.list[i]),
            None => self
                .list
                .iter()
                .find(|e| e.execution_id == id)
                .map(|e| &**e),
        }
    }
}
