//! Projections: approval cases, Aximo executions and deployments, folded from the log.
//!
//! The append-only `events` table is the truth (STYLE §3); everything here can be dropped and
//! rebuilt from it. Three stages, joined by small types:
//!
//! ```text
//! raw ──normalize──▶ Event ──extract──▶ Fact ──fold (State::apply)──▶ State ──view──▶ answers
//! ```
//!
//! - [`extract`] reads what an event means to an approval, an execution or a deployment into a
//!   [`Fact`] (or nothing). Pure.
//! - [`State::apply`] is **the** fold: one pure function, used by the incremental path
//!   ([`catch_up`], after every ingest), the rebuild ([`rebuild`]), the read path's tail fold
//!   ([`load`]) and replay (`crate::replay`). Facts are folded in `seq` order (the store's append
//!   order), so the answer depends on the log alone: the same log, the same state.
//! - The stored projection is one row per tenant in `projection_tenants` (its three parts as
//!   JSON), plus a cursor in `meta` (`projection_seq`: every event at or below it is folded in)
//!   and the fold's version (`projection_version`: a build with another fold rebuilds).
//!
//! ## Invariants
//! - **Never stale.** A read ([`load`]) takes the stored state and folds, in memory, every
//!   relevant event of the tenant past the cursor, in one read transaction: a store written by a
//!   process that did not catch the projection up (or a read-only bundle of an older schema)
//!   still answers exactly what a full fold would.
//! - **Rebuildable.** A projection rebuilt from the log equals the incrementally maintained one,
//!   whatever the batch boundaries (a property test in `tests/projections.rs`). The in-memory
//!   indexes are derived from the stored cases with order-independent lookups (the *highest*
//!   case index among candidates), so folding on after a reload is the same as never reloading.
//! - **Tenant isolation.** State is per tenant; nothing links across tenants, even when two
//!   tenants share an execution id or a correlation id.

pub mod approvals;
pub mod deployments;
pub mod executions;

use std::collections::HashMap;
use std::sync::Arc;

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::normalize::{self, Dialect, Event};
use crate::store::{Result, Store, StoreError};
use crate::time::{self, Micros};

/// A keyed list's lookup index: key → position in the list. Derived from the list (it is not
/// serialized and is rebuilt on first use), and `Arc`-shared so a replay snapshot clones it
/// cheaply.
pub(crate) type KeyIndex = Option<Arc<HashMap<String, usize>>>;

/// The position of the entry keyed `key` in `list`, appending `make()` when there is none;
/// `index` finds it without a scan (built from `list` by `key_of` the first time).
pub(crate) fn slot<T>(
    list: &mut Vec<Arc<T>>,
    index: &mut KeyIndex,
    key: &str,
    key_of: impl Fn(&T) -> &str,
    make: impl FnOnce() -> T,
) -> usize {
    let index = Arc::make_mut(index.get_or_insert_with(|| {
        Arc::new(
            list.iter()
                .enumerate()
                .map(|(i, e)| (key_of(e).to_owned(), i))
                .collect(),
        )
    }));
    if let Some(&i) = index.get(key) {
        return i;
    }
    index.insert(key.to_owned(), list.len());
    list.push(Arc::new(make()));
    list.len() - 1
}

pub use approvals::Approvals;
pub use deployments::Deployments;
pub use executions::Executions;

/// The fold's version. Bump it whenever [`extract`] or a fold changes what it produces: a store
/// whose projection was folded by another version is rebuilt on its next catch-up, and read
/// by a full fold in memory until then.
pub const FOLD_VERSION: i64 = 1;

/// An approval verdict, or the request itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// `approval_requested`, `approval.action.requested`, `ApprovalRequested` …
    Requested,
    /// `approval_granted`, `approval.action.approved`, `ApprovalGranted` …
    Granted,
    /// `approval_rejected`, `approval.action.denied`, `ApprovalRejected` …
    Denied,
    /// `approval_timeout`, `approval.action.expired`, `ApprovalExpired` …
    Expired,
}

/// What one event means to the projections: the fields the folds read, lifted out of the
/// envelope and its payload once.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Fact {
    /// Position in the log.
    pub seq: i64,
    /// The event's id.
    pub id: String,
    /// Its type, as written.
    pub kind: String,
    /// When it happened (µs).
    pub at: Micros,
    /// Its dialect.
    pub dialect: Option<Dialect>,
    /// An approval request or decision.
    pub verdict: Option<Verdict>,
    /// A side effect that may need an approval (Aximo `action_dispatched`, Ecosystem
    /// `audit.action.logged`, ConnectSoft `DeploymentStarted`).
    pub action: bool,
    /// Causation link.
    pub causation_id: Option<String>,
    /// Parent link.
    pub parent_id: Option<String>,
    /// Correlation link.
    pub correlation_id: Option<String>,
    /// Aximo execution id.
    pub execution_id: Option<String>,
    /// Aximo deployment id.
    pub deployment_id: Option<String>,
    /// Aximo skill id.
    pub skill_id: Option<String>,
    /// Aximo skill version.
    pub skill_version: Option<String>,
    /// Aximo approval mode (`required`, `conditional`, `auto`).
    pub approval_mode: Option<String>,
    /// The payload's approval id (`approval_id`, `approvalId`).
    pub approval_id: Option<String>,
    /// The payload names an approval id and it is `null`: acted with no approval.
    pub approval_id_null: bool,
    /// What is to be approved (`action_summary`, `actionSummary`, `summary`, `action_type` …).
    pub subject: Option<String>,
    /// Who: the requester of a request, the decider of a decision, else the actor.
    pub who: Option<String>,
    /// The request's deadline (`timeout_at`, `expiresAt`).
    pub expires_at: Option<Micros>,
    /// Aximo `action_id` of an action event.
    pub action_id: Option<String>,
    /// Aximo `action_prepared.requires_approval`.
    pub requires_approval: Option<bool>,
    /// Aximo `execution_completed.actions_dispatched`.
    pub actions_dispatched: Option<i64>,
    /// Aximo version change: from.
    pub from_version: Option<String>,
    /// Aximo version change: to.
    pub to_version: Option<String>,
}

/// Aximo types outside the EVENT_MODEL v1.0 catalog (`normalize::AXIMO_CATALOG`, seed 001 §3)
/// that have the same shape: read them rather than drop them.
pub const AXIMO_EXTRA_TYPES: [&str; 5] = [
    "deployment_resumed",
    "execution_cancelled",
    "Withdrawn",
    "Won",
    "Written",
];

/// Whether the projections read an Aximo event of type `kind`: the catalog and its extras.
pub fn is_aximo_type(kind: &str) -> bool {
    crate::normalize::AXIMO_CATALOG.contains(&kind) || AXIMO_EXTRA_TYPES.contains(&kind)
}

/// Types that are side effects an approval may gate, outside Aximo (whose `action_dispatched`
/// is in its catalog): Ecosystem's audited actions and ConnectSoft's deployments.
const ACTION_TYPES: [&str; 3] = [
    "audit.action.logged",
    "DeploymentStarted",
    "action_dispatched",
];

/// Split a type name into lowercase words: `ApprovalRequested` → `approval requested`,
/// `approval.action.approved` → `approval action approved`, `approval_timeout` → …
fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_numeric();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Whether a type is an approval request or decision, in any dialect: a type with the word
/// `approval` whose last state word says which (`requested`; `granted`/`approved`;
/// `rejected`/`denied`; `expired`/`timeout`/`timed out`). `approval_mode_changed` is none.
pub fn verdict_of(kind: &str) -> Option<Verdict> {
    let w = words(kind);
    if !w.iter().any(|x| x == "approval" || x == "approvals") {
        return None;
    }
    w.iter().rev().find_map(|x| match x.as_str() {
        "requested" | "request" => Some(Verdict::Requested),
        "granted" | "approved" => Some(Verdict::Granted),
        "rejected" | "denied" | "declined" => Some(Verdict::Denied),
        "expired" | "timeout" | "timedout" | "out" => Some(Verdict::Expired),
        _ => None,
    })
}

/// Whether events of this type can matter to a projection (a superset: [`extract`] decides).
pub fn relevant_type(kind: &str) -> bool {
    is_aximo_type(kind) || ACTION_TYPES.contains(&kind) || verdict_of(kind).is_some()
}

fn pstr(p: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match p.get(*k) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    })
}

fn ptime(p: &Value, keys: &[&str]) -> Option<Micros> {
    keys.iter().find_map(|k| match p.get(*k) {
        Some(Value::String(s)) => time::parse_rfc3339(s).ok(),
        Some(Value::Number(n)) => n
            .as_i64()
            .and_then(|ms| time::from_epoch_int(i128::from(ms), time::EpochUnit::Millis).ok()),
        _ => None,
    })
}

/// What `e` (stored at `seq`, with its parsed payload) means to the projections, if anything.
pub fn extract(seq: i64, e: &Event, payload: &Value) -> Option<Fact> {
    let verdict = verdict_of(&e.kind);
    let aximo = e.dialect == Dialect::Aximo && is_aximo_type(&e.kind);
    let action = match e.dialect {
        Dialect::Aximo => e.kind == "action_dispatched",
        Dialect::Ecosystem => e.kind == "audit.action.logged",
        Dialect::Connectsoft => e.kind == "DeploymentStarted",
        _ => false,
    };
    if verdict.is_none() && !aximo && !action {
        return None;
    }
    let subj = |k: &str| e.subject.get(k).and_then(Value::as_str).map(str::to_owned);
    let actor = e
        .actor
        .as_ref()
        .and_then(|a| a.id.clone().or_else(|| a.kind.clone()))
        .or_else(|| e.user_id.clone());
    let approval_keys = ["approval_id", "approvalId", "approvalID"];
    let who = match verdict {
        Some(Verdict::Requested) => {
            pstr(payload, &["requestedBy", "requested_by", "requester"]).or(actor)
        }
        Some(Verdict::Granted | Verdict::Denied) => pstr(
            payload,
            &[
                "decided_by",
                "decidedBy",
                "approvedBy",
                "approved_by",
                "rejectedBy",
                "rejected_by",
                "deniedBy",
                "denied_by",
                "approver",
            ],
        )
        .or(actor),
        _ => actor,
    };
    Some(Fact {
        seq,
        id: e.id.clone(),
        kind: e.kind.clone(),
        at: e.occurred_at,
        dialect: Some(e.dialect),
        verdict,
        action,
        causation_id: e.causation_id.clone(),
        parent_id: e.parent_id.clone(),
        correlation_id: e.correlation_id.clone(),
        execution_id: e.execution_id().map(str::to_owned),
        deployment_id: subj("deployment_id"),
        skill_id: subj("skill_id"),
        skill_version: subj("skill_version"),
        approval_mode: subj("approval_mode"),
        approval_id: pstr(payload, &approval_keys),
        approval_id_null: approval_keys
            .iter()
            .any(|k| payload.get(*k).is_some_and(Value::is_null)),
        subject: pstr(
            payload,
            &[
                "action_summary",
                "actionSummary",
                "summary",
                "action_type",
                "actionType",
                "gate",
            ],
        ),
        who,
        expires_at: ptime(
            payload,
            &["timeout_at", "expiresAt", "expires_at", "deadline"],
        ),
        action_id: pstr(payload, &["action_id", "actionId"]),
        requires_approval: payload.get("requires_approval").and_then(Value::as_bool),
        actions_dispatched: payload.get("actions_dispatched").and_then(Value::as_i64),
        from_version: pstr(payload, &["from_version"]),
        to_version: pstr(payload, &["to_version"]),
    })
}

/// Normalize `raw` and [`extract`] its fact. `None` for events that do not matter, and for raw
/// bytes that no longer normalize (only a store edited behind its triggers; `verify` says where).
pub fn extract_raw(seq: i64, raw: &[u8]) -> Option<Fact> {
    let n = normalize::normalize(raw).ok()?;
    if !relevant_type(&n.event.kind) {
        return None;
    }
    let payload = n
        .payload
        .map(|p| normalize::parse_value(p.get()).unwrap_or(Value::Null))
        .unwrap_or(Value::Null);
    extract(seq, &n.event, &payload)
}

/// One tenant's folded state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// Approval cases.
    pub approvals: Approvals,
    /// Aximo executions.
    pub executions: Executions,
    /// Aximo deployments and their version history.
    pub deployments: Deployments,
}

impl State {
    /// The fold: one fact into the state. Facts must come in `seq` order.
    pub fn apply(&mut self, f: &Fact) {
        self.approvals.apply(f);
        self.executions.apply(f);
        self.deployments.apply(f);
    }
}

/// Which parts of a tenant's state a read needs (each is stored and parsed on its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts {
    /// Approval cases.
    pub approvals: bool,
    /// Executions.
    pub executions: bool,
    /// Deployments.
    pub deployments: bool,
}

impl Parts {
    /// Everything.
    pub const ALL: Parts = Parts {
        approvals: true,
        executions: true,
        deployments: true,
    };
    /// Approval cases only.
    pub const APPROVALS: Parts = Parts {
        approvals: true,
        executions: false,
        deployments: false,
    };
    /// Executions only.
    pub const EXECUTIONS: Parts = Parts {
        approvals: false,
        executions: true,
        deployments: false,
    };
}

fn json_err(e: serde_json::Error) -> StoreError {
    StoreError::Io(format!("projection state does not parse: {e}"))
}

/// The stored cursor, if the store has a projection folded by this build's [`FOLD_VERSION`].
fn stored_cursor(conn: &rusqlite::Connection) -> Result<Option<i64>> {
    let has_table: bool = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'projection_tenants'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n > 0)?;
    if !has_table {
        return Ok(None);
    }
    let get = |k: &str| -> Result<Option<i64>> {
        Ok(conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get(0))
            .optional()?)
    };
    if get("projection_version")? != Some(FOLD_VERSION) {
        return Ok(None);
    }
    Ok(Some(get("projection_seq")?.unwrap_or(0)))
}

/// The ids of the types that can matter, as an SQL list (`-1` when none, which matches nothing).
fn relevant_type_ids(conn: &rusqlite::Connection) -> Result<String> {
    let mut stmt = conn.prepare_cached("SELECT id, name FROM types")?;
    let ids: Vec<String> = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
        .filter_map(std::result::Result::ok)
        .filter(|(_, name)| relevant_type(name))
        .map(|(id, _)| id.to_string())
        .collect();
    Ok(if ids.is_empty() {
        "-1".into()
    } else {
        ids.join(",")
    })
}

/// What a catch-up did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CatchUp {
    /// The cursor before.
    pub from_seq: i64,
    /// The cursor after (the log's last seq).
    pub to_seq: i64,
    /// Facts folded.
    pub facts: u64,
    /// Tenants whose state changed.
    pub tenants: u64,
    /// Whether the projection was rebuilt from the start (new store, or another fold version).
    pub rebuilt: bool,
}

/// Fold every event past the cursor into the stored projection, in one transaction.
///
/// Called by ingest after each input is committed. Cheap when there is nothing new; after a
/// large ingest it reads only the events of relevant types (approvals, Aximo, actions).
pub fn catch_up(store: &mut Store) -> Result<CatchUp> {
    let conn = store.conn();
    // IMMEDIATE: take the write lock before reading the cursor, so a concurrent writer makes
    // this wait (busy timeout) instead of failing on a stale snapshot at the first write.
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    let cursor = stored_cursor(&tx)?;
    // The log's end as this transaction sees it (another process may have appended since this
    // handle last did): everything up to it is folded, and the cursor says exactly that.
    let last: i64 = tx.query_row("SELECT ifnull(max(seq), 0) FROM events", [], |r| r.get(0))?;
    let rebuilt = cursor.is_none();
    let from = cursor.unwrap_or(0);
    let mut report = CatchUp {
        from_seq: from,
        to_seq: from.max(last),
        rebuilt,
        ..CatchUp::default()
    };
    if !rebuilt && from >= last {
        return Ok(report);
    }
    if rebuilt {
        tx.execute("DELETE FROM projection_tenants", [])?;
    }
    let types = relevant_type_ids(&tx)?;
    let mut states: HashMap<i64, (String, State)> = HashMap::new();
    {
        let mut load = tx.prepare_cached(
            "SELECT approvals, executions, deployments FROM projection_tenants WHERE tenant = ?1",
        )?;
        let mut stmt = tx.prepare(&format!(
            "SELECT e.seq, e.tenant, t.name, e.raw FROM events e JOIN tenants t ON t.id = e.tenant
             WHERE e.seq > ?1 AND e.seq <= ?2 AND e.type IN ({types}) ORDER BY e.seq"
        ))?;
        let mut rows = stmt.query([from, last])?;
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            let tid: i64 = r.get(1)?;
            let raw = r.get_ref(3)?.as_blob().map_err(rusqlite::Error::from)?;
            let Some(fact) = extract_raw(seq, raw) else {
                continue;
            };
            let entry = match states.entry(tid) {
                std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => {
                    let name: String = r.get(2)?;
                    let stored: Option<(Vec<u8>, Vec<u8>, Vec<u8>)> = load
                        .query_row([&name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                        .optional()?;
                    let st = match stored {
                        Some((a, x, d)) => State {
                            approvals: serde_json::from_slice(&a).map_err(json_err)?,
                            executions: serde_json::from_slice(&x).map_err(json_err)?,
                            deployments: serde_json::from_slice(&d).map_err(json_err)?,
                        },
                        None => State::default(),
                    };
                    v.insert((name, st))
                }
            };
            entry.1.apply(&fact);
            report.facts += 1;
        }
    }
    {
        let mut put = tx.prepare_cached(
            "INSERT INTO projection_tenants (tenant, approvals, executions, deployments)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (tenant) DO UPDATE SET approvals = excluded.approvals,
                executions = excluded.executions, deployments = excluded.deployments",
        )?;
        for (name, st) in states.values() {
            put.execute(params![
                name,
                serde_json::to_vec(&st.approvals).map_err(json_err)?,
                serde_json::to_vec(&st.executions).map_err(json_err)?,
                serde_json::to_vec(&st.deployments).map_err(json_err)?,
            ])?;
        }
        report.tenants = states.len() as u64;
        let mut meta = tx.prepare_cached(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )?;
        meta.execute(params!["projection_seq", report.to_seq])?;
        meta.execute(params!["projection_version", FOLD_VERSION])?;
    }
    tx.commit()?;
    Ok(report)
}

/// Drop the stored projection and fold the whole log again.
pub fn rebuild(store: &mut Store) -> Result<CatchUp> {
    store
        .conn()
        .execute("DELETE FROM meta WHERE key = 'projection_version'", [])?;
    catch_up(store)
}

/// A tenant's state as of the log's newest event: the stored projection plus, folded in memory,
/// every relevant event of the tenant past its cursor (all of them when the store has no
/// projection of this fold version). Works on read-only stores.
pub fn load(store: &Store, tenant: &str, parts: Parts) -> Result<State> {
    let conn = store.conn();
    // One read transaction: the stored state, its cursor and the tail are one snapshot.
    let tx = conn.unchecked_transaction()?;
    let mut st = State::default();
    let cursor = stored_cursor(&tx)?;
    if cursor.is_some() {
        let cols = [
            (parts.approvals, "approvals"),
            (parts.executions, "executions"),
            (parts.deployments, "deployments"),
        ];
        let sel: Vec<&str> = cols
            .iter()
            .map(|(on, c)| if *on { *c } else { "NULL" })
            .collect();
        let row: Option<[Option<Vec<u8>>; 3]> = tx
            .query_row(
                &format!(
                    "SELECT {} FROM projection_tenants WHERE tenant = ?1",
                    sel.join(", ")
                ),
                [tenant],
                |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?]),
            )
            .optional()?;
        if let Some([a, x, d]) = row {
            if let Some(a) = a {
                st.approvals = serde_json::from_slice(&a).map_err(json_err)?;
            }
            if let Some(x) = x {
                st.executions = serde_json::from_slice(&x).map_err(json_err)?;
            }
            if let Some(d) = d {
                st.deployments = serde_json::from_slice(&d).map_err(json_err)?;
            }
        }
    }
    let tid: Option<i64> = tx
        .query_row("SELECT id FROM tenants WHERE name = ?1", [tenant], |r| {
            r.get(0)
        })
        .optional()?;
    if let Some(tid) = tid {
        let types = relevant_type_ids(&tx)?;
        let from = cursor.unwrap_or(0);
        // A short tail walks the log from the cursor (`+e.tenant` keeps SQLite off the tenant
        // index, which would scan the whole tenant); a full fold uses the tenant's type index.
        let sql = if from > 0 {
            format!(
                "SELECT e.seq, e.raw FROM events e
                 WHERE e.seq > ?1 AND +e.tenant = ?2 AND +e.type IN ({types}) ORDER BY e.seq"
            )
        } else {
            format!(
                "SELECT e.seq, e.raw FROM events e
                 WHERE e.seq > ?1 AND e.tenant = ?2 AND e.type IN ({types}) ORDER BY e.seq"
            )
        };
        let mut stmt = tx.prepare(&sql)?;
        let mut rows = stmt.query(params![from, tid])?;
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            let raw = r.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?;
            if let Some(f) = extract_raw(seq, raw) {
                if parts.approvals {
                    st.approvals.apply(&f);
                }
                if parts.executions {
                    st.executions.apply(&f);
                }
                if parts.deployments {
                    st.deployments.apply(&f);
                }
            }
        }
    }
    drop(tx);
    Ok(st)
}

/// Every tenant's state folded straight from the log, ignoring the stored projection: what a
/// rebuild produces (tests compare it with the stored one).
pub fn fold_log(store: &Store, tenant: &str) -> Result<State> {
    let conn = store.conn();
    let mut st = State::default();
    let Some(tid) = conn
        .query_row("SELECT id FROM tenants WHERE name = ?1", [tenant], |r| {
            r.get::<_, i64>(0)
        })
        .optional()?
    else {
        return Ok(st);
    };
    let mut stmt = conn.prepare("SELECT seq, raw FROM events WHERE tenant = ?1 ORDER BY seq")?;
    let mut rows = stmt.query([tid])?;
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let raw = r.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?;
        if let Some(f) = extract_raw(seq, raw) {
            st.apply(&f);
        }
    }
    Ok(st)
}

/// The stored projection of `tenant` exactly as stored (no tail), if there is one.
pub fn stored(store: &Store, tenant: &str) -> Result<Option<State>> {
    let conn = store.conn();
    if stored_cursor(conn)?.is_none() {
        return Ok(None);
    }
    let row: Option<(Vec<u8>, Vec<u8>, Vec<u8>)> = conn
        .query_row(
            "SELECT approvals, executions, deployments FROM projection_tenants WHERE tenant = ?1",
            [tenant],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    row.map(|(a, x, d)| {
        Ok(State {
            approvals: serde_json::from_slice(&a).map_err(json_err)?,
            executions: serde_json::from_slice(&x).map_err(json_err)?,
            deployments: serde_json::from_slice(&d).map_err(json_err)?,
        })
    })
    .transpose()
}

/// When the tenant's newest event occurred: the log's "now" for deadlines.
pub fn newest(store: &Store, tenant: &str) -> Result<Option<Micros>> {
    Ok(store.conn().query_row(
        "SELECT max(e.occurred_at) FROM events e JOIN tenants t ON t.id = e.tenant
         WHERE t.name = ?1",
        [tenant],
        |r| r.get(0),
    )?)
}

/// The stored cursor (`None` when the store has no projection of this fold version).
pub fn cursor(store: &Store) -> Result<Option<i64>> {
    stored_cursor(store.conn())
}

/// A reference to one event, as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ev {
    /// Position in the log.
    pub seq: i64,
    /// The event's id.
    pub id: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: String,
    /// When it happened (µs).
    pub at: Micros,
}

impl Ev {
    /// The reference to `f`'s event.
    pub fn of(f: &Fact) -> Ev {
        Ev {
            seq: f.seq,
            id: f.id.clone(),
            kind: f.kind.clone(),
            at: f.at,
        }
    }
}

/// Evidence as it crosses to the CLI and the UI: an event reference with a readable time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct EventRef {
    /// Position in the log.
    #[ts(type = "number")]
    pub seq: i64,
    /// The event's id (open it with the `event` operation).
    pub id: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: String,
    /// RFC 3339 UTC.
    pub occurred_at: String,
    /// µs since the epoch.
    #[ts(type = "number")]
    pub occurred_at_us: Micros,
}

impl From<&Ev> for EventRef {
    fn from(e: &Ev) -> Self {
        EventRef {
            seq: e.seq,
            id: e.id.clone(),
            kind: e.kind.clone(),
            occurred_at: time::format_us(e.at),
            occurred_at_us: e.at,
        }
    }
}

/// Index lists keyed by a link value; lookups take the highest case index among candidates,
/// so the answer does not depend on the order keys were inserted (live fold vs. reload).
#[derive(Debug, Clone, Default)]
pub(crate) struct Links(HashMap<String, Vec<usize>>);

impl Links {
    pub(crate) fn add(&mut self, key: Option<&str>, i: usize) {
        if let Some(k) = key {
            let v = self.0.entry(k.to_owned()).or_default();
            if !v.contains(&i) {
                v.push(i);
            }
        }
    }

    pub(crate) fn all(&self, key: Option<&str>) -> &[usize] {
        key.and_then(|k| self.0.get(k)).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn latest(&self, key: Option<&str>) -> Option<usize> {
        self.all(key).iter().copied().max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_in_every_dialects_spelling() {
        for (t, v) in [
            ("approval_requested", Some(Verdict::Requested)),
            ("approval_granted", Some(Verdict::Granted)),
            ("approval_rejected", Some(Verdict::Denied)),
            ("approval_timeout", Some(Verdict::Expired)),
            ("approval.action.requested", Some(Verdict::Requested)),
            ("approval.action.approved", Some(Verdict::Granted)),
            ("approval.action.denied", Some(Verdict::Denied)),
            ("approval.action.expired", Some(Verdict::Expired)),
            ("ApprovalRequested", Some(Verdict::Requested)),
            ("ApprovalGranted", Some(Verdict::Granted)),
            ("ApprovalRejected", Some(Verdict::Denied)),
            ("ApprovalTimedOut", Some(Verdict::Expired)),
            ("com.example.approval.granted", Some(Verdict::Granted)),
            ("approval_mode_changed", None),
            ("deployment_approved", None),
            ("code.analysis.complete", None),
        ] {
            assert_eq!(verdict_of(t), v, "{t}");
        }
    }
}
