//! `replay`: the state of a scope at a cursor, its frames around it, and a diff.
//!
//! Sessions ([`crate::replay::Session`]) are cached per (store file, last seq, tenant, scope),
//! so a UI scrubbing one scope loads it once and every further seek is one snapshot plus a
//! short fold; a store that grew gets a fresh session.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::approvals::{case_view, deployment_view, execution_view};
use super::{de, ApiError, ApprovalCase, DeploymentView, ExecutionView};
use crate::normalize::Dialect;
use crate::projections::approvals::Case;
use crate::replay::{ReplayState, Scope, Session, SNAPSHOT_EVERY};
use crate::store::Store;
use crate::time;

/// Frames listed on each side of the cursor when the request names no `window`.
pub const DEFAULT_REPLAY_WINDOW: u32 = 20;
/// The most frames listed on each side of the cursor.
pub const MAX_REPLAY_WINDOW: u32 = 500;
/// Executions and approval cases listed in a state when the request names no `limit`.
pub const DEFAULT_REPLAY_LIMIT: u32 = 200;
/// The most executions and approval cases listed in a state.
pub const MAX_REPLAY_LIMIT: u32 = 10_000;

/// `replay`: a scope (exactly one of correlation, execution, trace, or since + until) of a
/// tenant, a cursor, and optionally a second cursor to diff from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/", optional_fields)]
pub struct ReplayRequest {
    /// **Required**; the empty string is the personal scope.
    #[ts(optional = false, as = "String")]
    pub tenant: Option<String>,
    /// One correlation chain.
    pub correlation: Option<String>,
    /// One Aximo execution.
    pub execution: Option<String>,
    /// One trace.
    pub trace: Option<String>,
    /// Window start (RFC 3339 with an offset, or epoch ms), with `until`.
    pub since: Option<String>,
    /// Window end (exclusive), with `since`.
    pub until: Option<String>,
    /// The cursor: a `seq` (a whole number: the state after every frame up to it), an RFC 3339
    /// time (after every frame that occurred by then), `start` or `end` (the default).
    pub at: Option<String>,
    /// A second cursor, same forms: the answer includes what changed from it to `at`.
    pub diff_from: Option<String>,
    /// Frames listed on each side of the cursor (0–500; default 20).
    #[serde(default, with = "de::number")]
    #[ts(as = "Option<u32>")]
    pub window: Option<u32>,
    /// Executions and approval cases listed in the state, most recently touched first
    /// (1–10000; default 200). The diff always covers everything.
    #[serde(default, with = "de::number")]
    #[ts(as = "Option<u32>")]
    pub limit: Option<u32>,
}

/// One frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct FrameView {
    /// Index in the scope (0-based).
    pub index: u32,
    /// Position in the log.
    #[ts(type = "number")]
    pub seq: i64,
    /// The event's id.
    pub id: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: String,
    /// RFC 3339 UTC.
    pub occurred_at: String,
    /// µs since the epoch.
    #[ts(type = "number")]
    pub occurred_at_us: i64,
    /// Its dialect.
    pub dialect: Dialect,
}

/// Events of one type so far (the same shape as the metrics' top types).
pub use crate::metrics::TypeCount;

/// The state at a cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct ReplayStateView {
    /// Frames folded.
    pub position: u32,
    /// Time of the last frame folded, RFC 3339.
    pub at: Option<String>,
    /// Executions in the state.
    pub executions_total: u32,
    /// Executions and their status, most recently touched first (at most `limit`).
    pub executions: Vec<ExecutionView>,
    /// Approval cases in the state.
    pub approvals_total: u32,
    /// Approval cases and their status (deadlines judged at the cursor's time), most recently
    /// touched first (at most `limit`).
    pub approvals: Vec<ApprovalCase>,
    /// Deployments and their versions.
    pub deployments: Vec<DeploymentView>,
    /// Events by type.
    pub counts: Vec<TypeCount>,
}

/// A status that changed between two cursors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct Change {
    /// What changed: an execution id, a case key, a deployment id, or a type.
    pub key: String,
    /// Before (`null`: did not exist).
    pub from: Option<String>,
    /// After (`null`: no longer exists, i.e. the diff goes backwards).
    pub to: Option<String>,
}

/// What changed from `diff_from` to `at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct ReplayDiff {
    /// Position of `diff_from`.
    pub from_position: u32,
    /// Position of `at`.
    pub to_position: u32,
    /// Execution status changes.
    pub executions: Vec<Change>,
    /// Approval case status changes.
    pub approvals: Vec<Change>,
    /// Deployment `status@version` changes.
    pub deployments: Vec<Change>,
    /// Count changes by type.
    pub counts: Vec<Change>,
}

/// `replay`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct ReplayResponse {
    /// The tenant.
    pub tenant: String,
    /// The scope, in words.
    pub scope: String,
    /// Frames in the scope.
    pub total_frames: u32,
    /// `seq` of the scope's first frame (the scrubber's minimum).
    #[ts(type = "number | null")]
    pub first_seq: Option<i64>,
    /// `seq` of the scope's last frame (the scrubber's maximum).
    #[ts(type = "number | null")]
    pub last_seq: Option<i64>,
    /// The earliest `occurred_at` (µs) among the scope's frames (the histogram's start).
    #[ts(type = "number | null")]
    pub first_at_us: Option<i64>,
    /// The latest `occurred_at` (µs) among the scope's frames (the histogram's end).
    #[ts(type = "number | null")]
    pub last_at_us: Option<i64>,
    /// The cursor: frames folded (0 = before the first).
    pub position: u32,
    /// The last frame folded.
    pub cursor: Option<FrameView>,
    /// Frames between snapshots.
    pub snapshot_every: u32,
    /// The snapshot the seek started from (a position).
    pub snapshot: u32,
    /// Frames folded on top of it.
    pub folded: u32,
    /// Frames around the cursor.
    pub frames: Vec<FrameView>,
    /// The state at the cursor.
    pub state: ReplayStateView,
    /// Changes from `diff_from`, when given.
    pub diff: Option<ReplayDiff>,
}

type Key = (PathBuf, i64, String, Scope);

/// The last few sessions: a UI scrubs one scope at a time.
static SESSIONS: Mutex<Vec<(Key, Arc<Session>)>> = Mutex::new(Vec::new());
const CACHED_SESSIONS: usize = 4;

/// The session of `scope`, from the cache or loaded.
pub fn session(store: &Store, tenant: &str, scope: Scope) -> Result<Arc<Session>, ApiError> {
    let key: Key = (
        store.path().to_owned(),
        store.last_seq(),
        tenant.to_owned(),
        scope.clone(),
    );
    if let Ok(cache) = SESSIONS.lock() {
        if let Some((_, s)) = cache.iter().find(|(k, _)| *k == key) {
            return Ok(s.clone());
        }
    }
    let s = Arc::new(Session::load(store, tenant, scope)?);
    if let Ok(mut cache) = SESSIONS.lock() {
        cache.retain(|(k, _)| *k != key);
        cache.push((key, s.clone()));
        if cache.len() > CACHED_SESSIONS {
            cache.remove(0);
        }
    }
    Ok(s)
}

fn scope_of(req: &ReplayRequest) -> Result<Scope, ApiError> {
    let bound = |name: &str, v: &str| {
        time::parse_bound(v).map_err(|e| {
            ApiError::bad_filter(format!(
                "{name}: {e} (give RFC 3339 with an offset, or epoch milliseconds)"
            ))
        })
    };
    let mut scopes = Vec::new();
    let nonempty = |name: &str, v: &Option<String>| match v.as_deref() {
        Some("") => Err(ApiError::bad_filter(format!(
            "{name}: an empty value matches nothing"
        ))),
        other => Ok(other.map(str::to_owned)),
    };
    if let Some(c) = nonempty("correlation", &req.correlation)? {
        scopes.push(Scope::Correlation(c));
    }
    if let Some(x) = nonempty("execution", &req.execution)? {
        scopes.push(Scope::Execution(x));
    }
    if let Some(t) = nonempty("trace", &req.trace)? {
        scopes.push(Scope::Trace(t));
    }
    match (req.since.as_deref(), req.until.as_deref()) {
        (Some(s), Some(u)) => {
            let (since, until) = (bound("since", s)?, bound("until", u)?);
            if since >= until {
                return Err(ApiError::bad_request("since must be before until"));
            }
            scopes.push(Scope::Window { since, until });
        }
        (None, None) => {}
        _ => return Err(ApiError::bad_request("a window needs both since and until")),
    }
    match scopes.len() {
        1 => Ok(scopes.pop().expect("one")),
        0 => Err(ApiError::bad_request(
            "name a scope: correlation, execution, trace, or since + until",
        )),
        _ => Err(ApiError::bad_request(
            "name one scope only: correlation, execution, trace, or since + until",
        )),
    }
}

fn position(s: &Session, name: &str, at: Option<&str>) -> Result<usize, ApiError> {
    let at = at.map(str::trim);
    match at {
        None | Some("end") => Ok(s.len()),
        Some("start") => Ok(0),
        Some(v) => match v.parse::<i64>() {
            Ok(seq) => Ok(s.position_of_seq(seq)),
            Err(_) => time::parse_rfc3339(v)
                .map(|t| s.position_of_time(t))
                .map_err(|e| {
                    ApiError::bad_request(format!(
                        "{name}: {e} (give a seq, an RFC 3339 time with an offset, start or end)"
                    ))
                }),
        },
    }
}

fn frame_view(s: &Session, i: usize) -> FrameView {
    let f = &s.frames[i];
    FrameView {
        index: i as u32,
        seq: f.seq,
        id: f.id.clone(),
        kind: f.kind.clone(),
        occurred_at: time::format_us(f.at),
        occurred_at_us: f.at,
        dialect: f.dialect,
    }
}

/// The view of a replay state: at most `limit` executions and approval cases, the ones most
/// recently touched first (a window over a whole tenant holds thousands); the totals say how
/// many there are.
pub fn state_view(st: &ReplayState, limit: usize) -> ReplayStateView {
    let mut xs: Vec<_> = st.state.executions.list.iter().collect();
    xs.sort_by_key(|x| std::cmp::Reverse(x.steps.last().map_or(0, |s| s.event.seq)));
    let mut cs: Vec<_> = st.state.approvals.cases.iter().collect();
    let touched = |c: &Case| {
        let d = c.decisions.iter().map(|d| d.event.seq);
        let a = c.actions.iter().map(|a| a.seq);
        c.request
            .iter()
            .map(|r| r.seq)
            .chain(d)
            .chain(a)
            .max()
            .unwrap_or(0)
    };
    cs.sort_by_key(|c| std::cmp::Reverse(touched(c)));
    ReplayStateView {
        position: st.position as u32,
        at: st.at.map(time::format_us),
        executions_total: xs.len() as u32,
        executions: xs
            .into_iter()
            .take(limit)
            .map(|x| execution_view(x, false))
            .collect(),
        approvals_total: cs.len() as u32,
        approvals: cs
            .into_iter()
            .filter_map(|c| case_view(c, st.at))
            .take(limit)
            .collect(),
        deployments: st
            .state
            .deployments
            .list
            .iter()
            .map(|d| deployment_view(d))
            .collect(),
        counts: st
            .counts
            .iter()
            .map(|(k, v)| TypeCount {
                kind: k.clone(),
                count: *v,
            })
            .collect(),
    }
}

fn changes(a: BTreeMap<String, String>, b: BTreeMap<String, String>) -> Vec<Change> {
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| Change {
            key: k.clone(),
            from: a.get(k).cloned(),
            to: b.get(k).cloned(),
        })
        .collect()
}

/// What changed from state `a` to state `b` (over everything, not just the listed part).
pub fn diff(a: &ReplayState, b: &ReplayState) -> ReplayDiff {
    let ex = |s: &ReplayState| {
        s.state
            .executions
            .list
            .iter()
            .map(|x| {
                let st = x.status().map_or("none", |s| s.code());
                (x.execution_id.clone(), st.to_owned())
            })
            .collect()
    };
    let ap = |s: &ReplayState| {
        s.state
            .approvals
            .cases
            .iter()
            .filter_map(|c| Some((c.key().to_owned(), c.status_at(s.at)?.code().to_owned())))
            .collect()
    };
    let dp = |s: &ReplayState| {
        s.state
            .deployments
            .list
            .iter()
            .map(|d| {
                (
                    d.deployment_id.clone(),
                    format!("{}@{}", d.status, d.version.as_deref().unwrap_or("?")),
                )
            })
            .collect()
    };
    let ct = |s: &ReplayState| {
        s.counts
            .iter()
            .map(|(k, v)| (k.clone(), v.to_string()))
            .collect()
    };
    ReplayDiff {
        from_position: a.position as u32,
        to_position: b.position as u32,
        executions: changes(ex(a), ex(b)),
        approvals: changes(ap(a), ap(b)),
        deployments: changes(dp(a), dp(b)),
        counts: changes(ct(a), ct(b)),
    }
}

/// `replay`: the state of a scope at a cursor.
pub fn replay(store: &Store, req: &ReplayRequest) -> Result<ReplayResponse, ApiError> {
    let tenant = req
        .tenant
        .as_deref()
        .ok_or_else(ApiError::tenant_required)?;
    let scope = scope_of(req)?;
    let window = super::in_range(
        "window",
        req.window,
        DEFAULT_REPLAY_WINDOW,
        0..=MAX_REPLAY_WINDOW,
    )? as usize;
    let s = session(store, tenant, scope)?;
    let pos = position(&s, "at", req.at.as_deref())?;
    let limit = super::in_range(
        "limit",
        req.limit,
        DEFAULT_REPLAY_LIMIT,
        1..=MAX_REPLAY_LIMIT,
    )? as usize;
    let (st, seek) = s.state_at(pos);
    let state = state_view(&st, limit);
    let diff = match req.diff_from.as_deref() {
        Some(from) => {
            let p = position(&s, "diff_from", Some(from))?;
            Some(diff(&s.state_at(p).0, &st))
        }
        None => None,
    };
    let lo = pos.saturating_sub(window);
    let hi = (pos + window).min(s.len());
    Ok(ReplayResponse {
        tenant: tenant.to_owned(),
        scope: s.scope.describe(),
        total_frames: s.len() as u32,
        first_seq: s.frames.first().map(|f| f.seq),
        last_seq: s.frames.last().map(|f| f.seq),
        first_at_us: s.frames.iter().map(|f| f.at).min(),
        last_at_us: s.frames.iter().map(|f| f.at).max(),
        position: pos as u32,
        cursor: pos.checked_sub(1).map(|i| frame_view(&s, i)),
        snapshot_every: SNAPSHOT_EVERY as u32,
        snapshot: seek.snapshot as u32,
        folded: seek.folded as u32,
        frames: (lo..hi).map(|i| frame_view(&s, i)).collect(),
        state,
        diff,
    })
}
