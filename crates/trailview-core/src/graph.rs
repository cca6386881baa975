//! The correlation / causation graph of a chain of events, analysed and laid out.
//!
//! ## What it is
//! Nodes are events; edges are typed links between them, always drawn from the earlier fact to
//! the later one:
//! - **causation**: `causation_id` names the event that directly caused this one
//!   (ConnectSoft `causationId`, Ecosystem `trace.causationId`, CloudEvents `causationid`);
//! - **parent**: `parent_id` names the parent event (Ecosystem `trace.parentEventId`);
//! - **sequence**: the next event in time within the same correlation chain (Spine
//!   `metadata.correlationId` chains have no other links); events without a correlation id are
//!   chained by their Aximo `execution_id` instead. A sequence edge that would repeat a causation
//!   or parent edge between the same two events is left out: it says nothing new.
//!
//! A scope picks the events: one correlation chain, one trace, one Aximo execution, or the
//! connected component around one event (following causation and parent links both ways, and
//! the correlation chain of every event reached). Links that leave the scope are resolved too:
//! to a **context** node when the target is another event of the same tenant, or to a
//! **missing** placeholder when no such event is stored (an *orphan* link).
//!
//! ## Invariants
//! - **One tenant.** Every lookup names the tenant's interned id; an id that exists only in
//!   another tenant is a missing placeholder here.
//! - **Exact.** Events are found through the 64-bit link keys (`correlation_h`, `causation_h`,
//!   `parent_h`, `trace_h`, `execution_h`) and the 128-bit `ident`; each row is re-normalized
//!   from `raw` and its full id / link text compared, so a key collision never adds a stranger.
//! - **Never hangs.** Cycles (bad data: A caused B caused A) are found as strongly connected
//!   components of the causation and parent edges and reported; every analysis runs on an
//!   acyclic view of the graph that keeps, inside each cycle, only the edges that go forward in
//!   time order, and leaves out a sequence edge that would close a cycle with the causal edges
//!   (a cause stamped after its effect: clock skew, not a cycle).
//! - **Bounded.** At most `max_nodes` events are loaded; `truncated` says when there were more.
//! - **Deterministic.** Nodes are ordered by `(occurred_at, seq)`, ties everywhere broken by
//!   that order; the same store gives the same graph, layout included.
//!
//! ## Layout
//! Layered and time-ordered, computed here so the UI only draws: every node has its own column
//! in time order (x), so every forward edge points right, and a lane (y): a node continues the
//! lane of its preferred predecessor (causation, else parent, else sequence) when that lane
//! still ends there, else it takes the lowest lane whose branch has ended. A linear chain of
//! 5,000 events is one lane; a fork opens a lane per concurrent branch. Each edge comes with a
//! route of three points (start, control, end) for a quadratic curve: straight between
//! neighbours, an arc above the lane for a long same-lane edge, an elbow between lanes.

use std::collections::{HashMap, HashSet, VecDeque};

use petgraph::algo::{kosaraju_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;
use rusqlite::OptionalExtension;
use serde::Serialize;
use ts_rs::TS;

use crate::normalize::{self, Dialect, Event};
use crate::store::{key128, key64, Store, StoreError};
use crate::time::{self, Micros};

/// Nodes loaded when the caller names no limit.
pub const DEFAULT_MAX_NODES: usize = 5_000;
/// The most nodes one graph may load.
pub const MAX_NODES: usize = 20_000;
/// Horizontal distance between two columns, in layout units.
pub const COLUMN_WIDTH: f64 = 40.0;
/// Vertical distance between two lanes, in layout units.
pub const LANE_HEIGHT: f64 = 48.0;

/// Errors of the graph, each with a stable code.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Nothing in the tenant matches the scope.
    #[error("{0}")]
    NotFound(String),
}

impl From<rusqlite::Error> for GraphError {
    fn from(e: rusqlite::Error) -> Self {
        GraphError::Store(e.into())
    }
}

/// Which events a graph shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// One correlation chain.
    Correlation(String),
    /// One trace.
    Trace(String),
    /// One Aximo execution.
    Execution(String),
    /// The connected component around one event.
    Event(String),
}

impl Scope {
    /// `correlation`, `trace`, `execution` or `event`.
    pub fn kind(&self) -> &'static str {
        match self {
            Scope::Correlation(_) => "correlation",
            Scope::Trace(_) => "trace",
            Scope::Execution(_) => "execution",
            Scope::Event(_) => "event",
        }
    }

    /// The id it names.
    pub fn id(&self) -> &str {
        match self {
            Scope::Correlation(s) | Scope::Trace(s) | Scope::Execution(s) | Scope::Event(s) => s,
        }
    }
}

/// What a node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// An event of the scope.
    Event,
    /// A stored event of the same tenant outside the scope, reached by a link from inside it.
    Context,
    /// A placeholder: a link names an id that is not stored in this tenant.
    Missing,
}

/// The type of an edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// `from` caused `to` (`to.causation_id == from.id`).
    Causation,
    /// `from` is the parent of `to` (`to.parent_id == from.id`).
    Parent,
    /// `to` is the next event after `from` in their correlation chain.
    Sequence,
}

/// A point of the layout.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct Point {
    /// Left to right: time order.
    pub x: f64,
    /// Top to bottom: lanes.
    pub y: f64,
}

/// One node.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct GraphNode {
    /// The event's id (for a placeholder: the id the link names).
    pub id: String,
    /// Event, context or missing.
    pub kind: NodeKind,
    /// The store position; `null` for a placeholder.
    #[ts(as = "Option<f64>")]
    pub seq: Option<i64>,
    /// The type; `null` for a placeholder.
    #[serde(rename = "type")]
    pub kind_name: Option<String>,
    /// Source / product.
    pub source: Option<String>,
    /// The convention it came in.
    pub dialect: Option<Dialect>,
    /// RFC 3339 UTC.
    pub occurred_at: Option<String>,
    /// µs since the epoch.
    #[ts(as = "Option<f64>")]
    pub occurred_at_us: Option<Micros>,
    /// Its correlation id.
    pub correlation_id: Option<String>,
    /// Longest path (in edges) from a root.
    pub depth: u32,
    /// The preferred predecessor (causation, else parent, else sequence): following `up` from
    /// any node reaches a root. `null` on roots.
    pub up: Option<u32>,
    /// Column in time order.
    pub column: u32,
    /// Lane.
    pub lane: u32,
    /// Position.
    pub x: f64,
    /// Position.
    pub y: f64,
}

/// One edge, from the earlier fact to the later one.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct GraphEdge {
    /// Index of the source node.
    pub from: u32,
    /// Index of the target node.
    pub to: u32,
    /// What links them.
    pub kind: EdgeKind,
    /// Start, control point, end: a quadratic curve.
    pub route: [Point; 3],
    /// A causation or parent edge inside a cycle (bad data).
    pub in_cycle: bool,
}

/// A link to an id that is not stored in the tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct Orphan {
    /// The event holding the link.
    pub node: u32,
    /// Which link.
    pub link: EdgeKind,
    /// The id it names.
    pub missing_id: String,
    /// The placeholder node standing for it.
    pub placeholder: u32,
}

/// A graph, analysed and laid out.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct Graph {
    /// The tenant.
    pub tenant: String,
    /// `correlation`, `trace`, `execution` or `event`.
    pub scope: String,
    /// The id the scope names.
    pub scope_id: String,
    /// Nodes in `(occurred_at, seq)` order (placeholders just before their first referrer).
    pub nodes: Vec<GraphNode>,
    /// Edges.
    pub edges: Vec<GraphEdge>,
    /// Nodes without incoming edges (in the acyclic view: see the module docs).
    pub roots: Vec<u32>,
    /// Nodes without outgoing edges (in the acyclic view).
    pub leaves: Vec<u32>,
    /// Nodes with two or more distinct successors (in the acyclic view).
    pub forks: Vec<u32>,
    /// Links to ids not in the store.
    pub orphans: Vec<Orphan>,
    /// Each cycle's nodes (a strongly connected component of the causation and parent edges, or
    /// a self-link), in node order.
    pub cycles: Vec<Vec<u32>>,
    /// The longest chain by time: root to end, nodes in order.
    pub critical_path: Vec<u32>,
    /// Time from the first to the last node of the critical path, µs.
    #[ts(type = "number")]
    pub critical_path_us: Micros,
    /// The longest path in edges.
    pub depth: u32,
    /// More events matched than `max_nodes`: the graph shows the earliest ones.
    pub truncated: bool,
    /// The node limit that applied.
    pub max_nodes: u32,
    /// Columns of the layout.
    pub columns: u32,
    /// Lanes of the layout.
    pub lanes: u32,
    /// Width of the layout, in layout units.
    pub width: f64,
    /// Height of the layout, in layout units.
    pub height: f64,
}

/// An event as the graph sees it.
#[derive(Debug, Clone)]
struct Loaded {
    seq: i64,
    event: Event,
}

/// Build the graph of `scope` in `tenant`, at most `max_nodes` events (clamped to
/// 1..=[`MAX_NODES`]).
pub fn build(
    store: &Store,
    tenant: &str,
    scope: &Scope,
    max_nodes: usize,
) -> Result<Graph, GraphError> {
    let cap = max_nodes.clamp(1, MAX_NODES);
    let not_found = || {
        let who = if tenant.is_empty() {
            "the personal scope".to_owned()
        } else {
            format!("tenant {tenant:?}")
        };
        GraphError::NotFound(format!(
            "no event with {} {:?} in {who}",
            match scope {
                Scope::Event(_) => "id",
                Scope::Correlation(_) => "correlation id",
                Scope::Trace(_) => "trace id",
                Scope::Execution(_) => "execution id",
            },
            scope.id()
        ))
    };
    let tid: Option<i64> = store
        .conn()
        .query_row("SELECT id FROM tenants WHERE name = ?1", [tenant], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(tid) = tid else {
        return Err(not_found());
    };
    let reader = Reader { store, tid };
    let (events, truncated) = match scope {
        Scope::Correlation(id) => reader.by_key("correlation_h", id, cap, |e| {
            e.correlation_id.as_deref() == Some(id)
        })?,
        Scope::Trace(id) => {
            reader.by_key("trace_h", id, cap, |e| e.trace_id.as_deref() == Some(id))?
        }
        Scope::Execution(id) => {
            reader.by_key("execution_h", id, cap, |e| e.execution_id() == Some(id))?
        }
        Scope::Event(id) => reader.component(id, cap)?,
    };
    if events.is_empty() {
        return Err(not_found());
    }
    // Links leaving the scope: a stored event of this tenant (context), or nothing (orphan).
    let inside: HashSet<&str> = events.iter().map(|l| l.event.id.as_str()).collect();
    let mut wanted: Vec<&str> = Vec::new();
    for l in &events {
        for link in [&l.event.causation_id, &l.event.parent_id]
            .into_iter()
            .flatten()
        {
            if !inside.contains(link.as_str()) && !wanted.contains(&link.as_str()) {
                wanted.push(link);
            }
        }
    }
    let mut context = Vec::new();
    for id in wanted {
        if let Some(l) = reader.by_id(id)? {
            context.push(l);
        }
    }
    let mut g = assemble(events, context);
    g.tenant = tenant.to_owned();
    g.scope = scope.kind().to_owned();
    g.scope_id = scope.id().to_owned();
    g.truncated = truncated;
    g.max_nodes = cap as u32;
    Ok(g)
}

struct Reader<'s> {
    store: &'s Store,
    tid: i64,
}

impl Reader<'_> {
    /// Rows of `sql` (selecting `seq, raw`), re-normalized, those passing `exact`, in order,
    /// up to `cap + 1`; rows whose `seq` is in `skip` are passed over before normalizing.
    fn rows(
        &self,
        sql: &str,
        key: &dyn rusqlite::ToSql,
        cap: usize,
        exact: &dyn Fn(&Event) -> bool,
        skip: Option<&HashSet<i64>>,
    ) -> Result<Vec<Loaded>, GraphError> {
        let mut stmt = self.store.conn().prepare_cached(sql)?;
        let mut rows = stmt.query(rusqlite::params![self.tid, key])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            if skip.is_some_and(|s| s.contains(&seq)) {
                continue;
            }
            let raw = r.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?;
            let Ok(n) = normalize::normalize(raw) else {
                // Only a store edited behind its triggers: `verify` names the row.
                continue;
            };
            if exact(&n.event) {
                out.push(Loaded {
                    seq,
                    event: n.event,
                });
                if out.len() > cap {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// The events whose `column` key is `key64(id)` and which pass `exact`, in time order.
    fn by_key(
        &self,
        column: &str,
        id: &str,
        cap: usize,
        exact: impl Fn(&Event) -> bool,
    ) -> Result<(Vec<Loaded>, bool), GraphError> {
        let sql = format!(
            "SELECT seq, raw FROM events WHERE tenant = ?1 AND {column} = ?2
             ORDER BY occurred_at, seq"
        );
        let mut out = self.rows(&sql, &key64(id), cap, &exact, None)?;
        let truncated = out.len() > cap;
        out.truncate(cap);
        Ok((out, truncated))
    }

    /// The first stored event of the tenant with exactly this id.
    fn by_id(&self, id: &str) -> Result<Option<Loaded>, GraphError> {
        let ident = key128(id);
        Ok(self
            .rows(
                "SELECT seq, raw FROM events WHERE tenant = ?1 AND ident = ?2 ORDER BY seq",
                &&ident[..],
                0,
                &|e| e.id == id,
                None,
            )?
            .into_iter()
            .next())
    }

    /// The events linking to `id` by causation or parent, but those in `seen`.
    fn children(&self, id: &str, seen: &HashSet<i64>) -> Result<Vec<Loaded>, GraphError> {
        let mut out = self.rows(
            "SELECT seq, raw FROM events WHERE tenant = ?1 AND causation_h = ?2 ORDER BY seq",
            &key64(id),
            usize::MAX - 1,
            &|e| e.causation_id.as_deref() == Some(id),
            Some(seen),
        )?;
        out.extend(self.rows(
            "SELECT seq, raw FROM events WHERE tenant = ?1 AND parent_h = ?2 ORDER BY seq",
            &key64(id),
            usize::MAX - 1,
            &|e| e.parent_id.as_deref() == Some(id),
            Some(seen),
        )?);
        Ok(out)
    }

    /// Whether every row keyed like the id `id` is in `seen` (then [`Reader::by_id`] can only
    /// find an event already there, and need not normalize anything).
    fn all_seen(&self, id: &str, seen: &HashSet<i64>) -> Result<bool, GraphError> {
        let mut stmt = self
            .store
            .conn()
            .prepare_cached("SELECT seq FROM events WHERE tenant = ?1 AND ident = ?2")?;
        let mut rows = stmt.query(rusqlite::params![self.tid, &key128(id)[..]])?;
        while let Some(r) = rows.next()? {
            if !seen.contains(&r.get::<_, i64>(0)?) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The connected component around the event `id`: causation and parent links both ways,
    /// and the correlation chain of every event reached; breadth first, at most `cap` events.
    fn component(&self, id: &str, cap: usize) -> Result<(Vec<Loaded>, bool), GraphError> {
        let Some(start) = self.by_id(id)? else {
            return Ok((Vec::new(), false));
        };
        let mut seen: HashSet<i64> = HashSet::from([start.seq]);
        let mut chains: HashSet<String> = HashSet::new();
        let mut queue = VecDeque::from([start.clone()]);
        let mut out = vec![start];
        let mut truncated = false;
        while let Some(cur) = queue.pop_front() {
            if truncated {
                break;
            }
            let e = &cur.event;
            // Rows already in the component are passed over before they are normalized: each
            // event is re-derived from `raw` about once, not once per link to it.
            let mut found = Vec::new();
            for link in [&e.causation_id, &e.parent_id].into_iter().flatten() {
                if !self.all_seen(link, &seen)? {
                    found.extend(self.by_id(link)?);
                }
            }
            found.extend(self.children(&e.id, &seen)?);
            if let Some(c) = &e.correlation_id {
                if chains.insert(c.clone()) {
                    let (chain, more) = self.by_key("correlation_h", c, cap, |x| {
                        x.correlation_id.as_deref() == Some(c)
                    })?;
                    truncated |= more;
                    found.extend(chain);
                }
            }
            for l in found {
                if seen.contains(&l.seq) {
                    continue;
                }
                if out.len() >= cap {
                    truncated = true;
                    break;
                }
                seen.insert(l.seq);
                out.push(l.clone());
                queue.push_back(l);
            }
        }
        Ok((out, truncated))
    }
}

/// Key of the chain an event's `sequence` edges run in.
fn chain_key(e: &Event) -> Option<(u8, &str)> {
    e.correlation_id
        .as_deref()
        .map(|c| (0, c))
        .or_else(|| e.execution_id().map(|x| (1, x)))
}

/// Build, analyse and lay out the graph of `events` (the scope) and `context` (stored events
/// outside it that the scope links to). Pure: no store access.
fn assemble(events: Vec<Loaded>, context: Vec<Loaded>) -> Graph {
    // Order: (occurred_at, seq). Placeholders are placed right before their first referrer.
    let mut all: Vec<(Loaded, NodeKind)> = events
        .into_iter()
        .map(|l| (l, NodeKind::Event))
        .chain(context.into_iter().map(|l| (l, NodeKind::Context)))
        .collect();
    all.sort_by_key(|(l, _)| (l.event.occurred_at, l.seq));
    all.dedup_by_key(|(l, _)| l.seq);

    // First node of each id (the same id may exist in two dialects of one tenant).
    let mut by_id: HashMap<&str, usize> = HashMap::with_capacity(all.len());
    for (i, (l, _)) in all.iter().enumerate() {
        by_id.entry(l.event.id.as_str()).or_insert(i);
    }

    // Slots: real nodes, and placeholders inserted before their first referrer.
    enum Slot {
        Real(usize),
        Missing(String),
    }
    let mut placeholder_of: HashMap<String, usize> = HashMap::new();
    let mut slots: Vec<Slot> = Vec::with_capacity(all.len());
    let mut slot_of_real = vec![0u32; all.len()];
    for (i, (l, kind)) in all.iter().enumerate() {
        if *kind == NodeKind::Event {
            for link in [&l.event.causation_id, &l.event.parent_id]
                .into_iter()
                .flatten()
            {
                if !by_id.contains_key(link.as_str()) && !placeholder_of.contains_key(link) {
                    placeholder_of.insert(link.clone(), slots.len());
                    slots.push(Slot::Missing(link.clone()));
                }
            }
        }
        slot_of_real[i] = slots.len() as u32;
        slots.push(Slot::Real(i));
    }
    let node_of = |id: &str| -> Option<u32> {
        by_id
            .get(id)
            .map(|&i| slot_of_real[i])
            .or_else(|| placeholder_of.get(id).map(|&s| s as u32))
    };

    // Edges, deduplicated per (from, to): causation beats parent beats sequence.
    let mut edge_set: HashMap<(u32, u32), EdgeKind> = HashMap::new();
    let mut orphans = Vec::new();
    let mut last_in_chain: HashMap<(u8, &str), u32> = HashMap::new();
    for (i, (l, kind)) in all.iter().enumerate() {
        let me = slot_of_real[i];
        let e = &l.event;
        for (link, ek) in [
            (&e.causation_id, EdgeKind::Causation),
            (&e.parent_id, EdgeKind::Parent),
        ] {
            let Some(link) = link else { continue };
            // Context nodes show where a link leads; their own links are not followed.
            if *kind != NodeKind::Event {
                continue;
            }
            if let Some(from) = node_of(link) {
                let k = edge_set.entry((from, me)).or_insert(ek);
                *k = (*k).min(ek);
                if let Some(&p) = placeholder_of.get(link.as_str()) {
                    if p as u32 == from {
                        orphans.push(Orphan {
                            node: me,
                            link: ek,
                            missing_id: link.clone(),
                            placeholder: from,
                        });
                    }
                }
            }
        }
        if *kind == NodeKind::Event {
            if let Some(key) = chain_key(e) {
                if let Some(prev) = last_in_chain.insert(key, me) {
                    edge_set.entry((prev, me)).or_insert(EdgeKind::Sequence);
                }
            }
        }
    }
    let mut edge_list: Vec<(u32, u32, EdgeKind)> =
        edge_set.into_iter().map(|((f, t), k)| (f, t, k)).collect();
    edge_list.sort_unstable();

    let n = slots.len();
    let graph_of = |keep: &dyn Fn(u32, u32, EdgeKind) -> bool| {
        let mut g: DiGraph<(), EdgeKind, u32> = DiGraph::with_capacity(n, edge_list.len());
        for _ in 0..n {
            g.add_node(());
        }
        for &(f, t, k) in &edge_list {
            if keep(f, t, k) {
                g.add_edge(NodeIndex::new(f as usize), NodeIndex::new(t as usize), k);
            }
        }
        g
    };
    // Strongly connected components: (component of each node, whether each is a cycle).
    // Kosaraju's algorithm, whose depth-first search keeps its own stack: petgraph's Tarjan
    // recurses and overflows a thread's stack on a 5,000-event chain.
    let components = |g: &DiGraph<(), EdgeKind, u32>| {
        let mut of = vec![0usize; n];
        let mut cyclic = Vec::new();
        for (c, comp) in kosaraju_scc(g).into_iter().enumerate() {
            for v in &comp {
                of[v.index()] = c;
            }
            cyclic.push(comp.len() > 1 || g.contains_edge(comp[0], comp[0]));
        }
        (of, cyclic)
    };
    let causal = |k: EdgeKind| k != EdgeKind::Sequence;

    // Cycles are causal: events that (directly or not) cause or parent themselves. A time-order
    // edge against a causation stamped later than its effect (clock skew) is not one.
    let (scc_of, cyclic) = components(&graph_of(&|_, _, k| causal(k)));
    let mut cycles: Vec<Vec<u32>> = Vec::new();
    for (c, &is_cycle) in cyclic.iter().enumerate() {
        if is_cycle {
            cycles.push((0..n as u32).filter(|&v| scc_of[v as usize] == c).collect());
        }
    }
    cycles.sort();
    let in_cycle = |f: u32, t: u32, k: EdgeKind| {
        causal(k) && scc_of[f as usize] == scc_of[t as usize] && cyclic[scc_of[f as usize]]
    };

    // The acyclic view every analysis runs on: inside a causal cycle only the edges forward in
    // node order; then the sequence edges, but those inside a cycle they would close with the
    // causal edges (the causal edges say more).
    let causal_dag = |f: u32, t: u32, k: EdgeKind| causal(k) && !(in_cycle(f, t, k) && f >= t);
    let (mixed_of, mixed_cyclic) =
        components(&graph_of(&|f, t, k| causal_dag(f, t, k) || !causal(k)));
    let closes_a_cycle = |f: u32, t: u32| {
        mixed_of[f as usize] == mixed_of[t as usize] && mixed_cyclic[mixed_of[f as usize]]
    };
    let dag = graph_of(&|f, t, k| {
        if causal(k) {
            causal_dag(f, t, k)
        } else {
            !closes_a_cycle(f, t)
        }
    });
    let order: Vec<usize> = match toposort(&dag, None) {
        Ok(o) => o.into_iter().map(|v| v.index()).collect(),
        // Unreachable: the view above has no cycle. Fall back to node order, never a panic.
        Err(_) => (0..n).collect(),
    };

    // Times of the nodes; a placeholder takes its referrer's time.
    let mut at: Vec<Micros> = vec![0; n];
    for (i, s) in slots.iter().enumerate() {
        if let Slot::Real(r) = s {
            at[i] = all[*r].0.event.occurred_at;
        }
    }
    for i in (0..n).rev() {
        if matches!(slots[i], Slot::Missing(_)) {
            at[i] = dag
                .neighbors_directed(NodeIndex::new(i), Direction::Outgoing)
                .map(|v| at[v.index()])
                .min()
                .unwrap_or(0);
        }
    }

    // Depth, the preferred predecessor, and the critical path (longest by time, then hops).
    let mut depth = vec![0u32; n];
    let mut up: Vec<Option<(EdgeKind, u32)>> = vec![None; n];
    let mut start = at.clone();
    let mut hops = vec![0u32; n];
    let mut prev: Vec<Option<u32>> = vec![None; n];
    for &v in &order {
        let vi = NodeIndex::new(v);
        for e in dag.edges_directed(vi, Direction::Incoming) {
            let u = petgraph::visit::EdgeRef::source(&e).index();
            let k = *e.weight();
            depth[v] = depth[v].max(depth[u] + 1);
            let better_up = match up[v] {
                None => true,
                Some((bk, bu)) => (k, u as u32) < (bk, bu),
            };
            if better_up {
                up[v] = Some((k, u as u32));
            }
            // Earlier start wins; at the same start, more hops.
            if start[u] < start[v] || start[u] == start[v] && hops[u] + 1 > hops[v] {
                start[v] = start[u];
                hops[v] = hops[u] + 1;
                prev[v] = Some(u as u32);
            }
        }
    }
    let end = (0..n).max_by(|&a, &b| {
        (at[a] - start[a], hops[a])
            .cmp(&(at[b] - start[b], hops[b]))
            .then(b.cmp(&a))
    });
    let mut critical_path = Vec::new();
    let mut critical_path_us = 0;
    if let Some(end) = end {
        critical_path_us = at[end] - start[end];
        let mut cur = Some(end as u32);
        while let Some(c) = cur {
            critical_path.push(c);
            cur = prev[c as usize];
        }
        critical_path.reverse();
    }

    // Roots, leaves, forks on the acyclic view (a pure cycle still has a root: its earliest).
    let mut roots = Vec::new();
    let mut leaves = Vec::new();
    let mut forks = Vec::new();
    for v in 0..n {
        let vi = NodeIndex::new(v);
        if dag
            .neighbors_directed(vi, Direction::Incoming)
            .next()
            .is_none()
        {
            roots.push(v as u32);
        }
        let succ: HashSet<usize> = dag
            .neighbors_directed(vi, Direction::Outgoing)
            .map(|x| x.index())
            .collect();
        if succ.is_empty() {
            leaves.push(v as u32);
        }
        if succ.len() >= 2 {
            forks.push(v as u32);
        }
    }

    // Layout: column = node order; lanes follow the preferred predecessor.
    let mut lane = vec![0u32; n];
    let mut tails: Vec<u32> = Vec::new(); // the last node of each lane
    let mut pending = vec![0u32; n]; // DAG successors not yet placed
    for (v, p) in pending.iter_mut().enumerate() {
        *p = dag
            .neighbors_directed(NodeIndex::new(v), Direction::Outgoing)
            .count() as u32;
    }
    for v in 0..n {
        let vi = NodeIndex::new(v);
        for u in dag.neighbors_directed(vi, Direction::Incoming) {
            pending[u.index()] = pending[u.index()].saturating_sub(1);
        }
        // Continue the preferred predecessor's lane if it still ends there. (A predecessor can
        // come later in time order — a cause stamped after its effect — and is not placed yet.)
        let continued = up[v]
            .map(|(_, u)| u)
            .filter(|&u| (u as usize) < v)
            .map(|u| (u, lane[u as usize]))
            .filter(|&(u, l)| tails.get(l as usize) == Some(&u))
            .map(|(_, l)| l);
        let l = match continued {
            Some(l) => l,
            // Else the lowest lane whose branch has ended, else a new one.
            None => match (0..tails.len()).find(|&l| pending[tails[l] as usize] == 0) {
                Some(l) => l as u32,
                None => {
                    tails.push(v as u32);
                    (tails.len() - 1) as u32
                }
            },
        };
        lane[v] = l;
        tails[l as usize] = v as u32;
    }
    let pos = |v: usize| Point {
        x: v as f64 * COLUMN_WIDTH,
        y: f64::from(lane[v]) * LANE_HEIGHT,
    };
    let edges: Vec<GraphEdge> = edge_list
        .iter()
        .map(|&(f, t, kind)| {
            let (a, b) = (pos(f as usize), pos(t as usize));
            let span = (i64::from(t) - i64::from(f)).unsigned_abs() as f64;
            let control = if lane[f as usize] != lane[t as usize] {
                Point { x: a.x, y: b.y }
            } else if span <= 1.0 {
                Point {
                    x: (a.x + b.x) / 2.0,
                    y: a.y,
                }
            } else {
                // Over the lane, higher for longer spans, so nested arcs stay apart.
                let lift = (LANE_HEIGHT * 0.3 + span.sqrt() * 4.0).min(LANE_HEIGHT * 0.9);
                Point {
                    x: (a.x + b.x) / 2.0,
                    y: a.y - lift,
                }
            };
            GraphEdge {
                from: f,
                to: t,
                kind,
                route: [a, control, b],
                in_cycle: in_cycle(f, t, kind),
            }
        })
        .collect();

    let nodes: Vec<GraphNode> = slots
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let p = pos(i);
            let (id, kind, ev) = match s {
                Slot::Real(r) => {
                    let (l, k) = &all[*r];
                    (l.event.id.clone(), *k, Some(l))
                }
                Slot::Missing(id) => (id.clone(), NodeKind::Missing, None),
            };
            GraphNode {
                id,
                kind,
                seq: ev.map(|l| l.seq),
                kind_name: ev.map(|l| l.event.kind.clone()),
                source: ev.map(|l| l.event.source.clone()),
                dialect: ev.map(|l| l.event.dialect),
                occurred_at: ev.map(|l| time::format_us(l.event.occurred_at)),
                occurred_at_us: ev.map(|l| l.event.occurred_at),
                correlation_id: ev.and_then(|l| l.event.correlation_id.clone()),
                depth: depth[i],
                up: up[i].map(|(_, u)| u),
                column: i as u32,
                lane: lane[i],
                x: p.x,
                y: p.y,
            }
        })
        .collect();
    let lanes = tails.len() as u32;
    Graph {
        tenant: String::new(),
        scope: String::new(),
        scope_id: String::new(),
        depth: depth.iter().copied().max().unwrap_or(0),
        nodes,
        edges,
        roots,
        leaves,
        forks,
        orphans,
        cycles,
        critical_path,
        critical_path_us,
        truncated: false,
        max_nodes: 0,
        columns: n as u32,
        lanes,
        width: n.saturating_sub(1) as f64 * COLUMN_WIDTH,
        height: f64::from(lanes.saturating_sub(1)) * LANE_HEIGHT,
    }
}

impl Graph {
    /// The node with this id (the first, when two dialects share it).
    pub fn node(&self, id: &str) -> Option<u32> {
        self.nodes.iter().position(|n| n.id == id).map(|i| i as u32)
    }

    /// The path from node `i` up to its root, following `up`.
    pub fn path_to_root(&self, i: u32) -> Vec<u32> {
        let mut out = vec![i];
        let mut cur = self.nodes.get(i as usize).and_then(|n| n.up);
        while let Some(c) = cur {
            if out.len() > self.nodes.len() {
                break; // `up` is acyclic by construction; never loop on a bug
            }
            out.push(c);
            cur = self.nodes[c as usize].up;
        }
        out
    }
}
