//! `trailview graph`: the correlation / causation graph of a chain, analysed and laid out by
//! `trailview_core::graph`. `--json` prints the whole `Graph` (the same object the UI's `graph`
//! operation answers); the human form is a summary.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{ArgGroup, Args};

use trailview_core::graph::{self, EdgeKind, Graph, GraphError, NodeKind, Scope};
use trailview_core::time;

/// Arguments of `trailview graph`.
#[derive(Args)]
#[command(group(ArgGroup::new("scope").required(true).args(["correlation", "trace", "execution", "event"])))]
pub struct GraphArgs {
    /// The tenant ("" for personal events).
    #[arg(long)]
    tenant: String,
    /// One correlation chain.
    #[arg(long)]
    correlation: Option<String>,
    /// One trace.
    #[arg(long)]
    trace: Option<String>,
    /// One Aximo execution.
    #[arg(long)]
    execution: Option<String>,
    /// The connected component around one event (causation, parent and correlation links).
    #[arg(long)]
    event: Option<String>,
    /// At most this many events (1–20000).
    #[arg(long, default_value_t = graph::DEFAULT_MAX_NODES)]
    max_nodes: usize,
    /// Print the graph as one JSON object (nodes, edges, analysis, layout).
    #[arg(long)]
    json: bool,
}

/// Run `trailview graph`.
pub fn run(db: &Option<PathBuf>, a: GraphArgs, out: &mut impl Write) -> Result<()> {
    let store = crate::open_existing(db)?;
    let scope = match (a.correlation, a.trace, a.execution, a.event) {
        (Some(c), ..) => Scope::Correlation(c),
        (_, Some(t), ..) => Scope::Trace(t),
        (_, _, Some(x), _) => Scope::Execution(x),
        (_, _, _, Some(e)) => Scope::Event(e),
        _ => unreachable!("clap requires one scope"),
    };
    if !(1..=graph::MAX_NODES).contains(&a.max_nodes) {
        anyhow::bail!("--max-nodes must be 1–{}", graph::MAX_NODES);
    }
    let g = match graph::build(&store, &a.tenant, &scope, a.max_nodes) {
        Ok(g) => g,
        Err(GraphError::NotFound(m)) => anyhow::bail!("{m}"),
        Err(e) => return Err(e).context("building the graph"),
    };
    if a.json {
        serde_json::to_writer(&mut *out, &g)?;
        writeln!(out)?;
    } else {
        summary(&g, out)?;
    }
    Ok(())
}

fn summary(g: &Graph, out: &mut impl Write) -> std::io::Result<()> {
    let label = |i: u32| {
        let n = &g.nodes[i as usize];
        match n.kind {
            NodeKind::Missing => format!("{} (missing)", n.id),
            _ => format!(
                "{}  {}  {}{}",
                n.occurred_at.as_deref().unwrap_or(""),
                n.kind_name.as_deref().unwrap_or(""),
                n.id,
                if n.kind == NodeKind::Context {
                    "  (outside the scope)"
                } else {
                    ""
                }
            ),
        }
    };
    let count = |k: EdgeKind| g.edges.iter().filter(|e| e.kind == k).count();
    let events = g.nodes.iter().filter(|n| n.kind == NodeKind::Event).count();
    writeln!(
        out,
        "{} {:?} in {}: {} events, {} nodes, {} edges ({} causation, {} parent, {} sequence)",
        g.scope,
        g.scope_id,
        if g.tenant.is_empty() {
            "(personal)"
        } else {
            &g.tenant
        },
        events,
        g.nodes.len(),
        g.edges.len(),
        count(EdgeKind::Causation),
        count(EdgeKind::Parent),
        count(EdgeKind::Sequence),
    )?;
    if g.truncated {
        writeln!(
            out,
            "TRUNCATED: more than {} events match; showing the earliest (raise --max-nodes)",
            g.max_nodes
        )?;
    }
    writeln!(
        out,
        "depth {}, {} roots, {} leaves, {} forks, {} lanes",
        g.depth,
        g.roots.len(),
        g.leaves.len(),
        g.forks.len(),
        g.lanes
    )?;
    for &r in g.roots.iter().take(10) {
        writeln!(out, "  root  {}", label(r))?;
    }
    for &f in g.forks.iter().take(10) {
        writeln!(out, "  fork  {}", label(f))?;
    }
    if !g.orphans.is_empty() {
        writeln!(
            out,
            "orphans (links to ids not in the store): {}",
            g.orphans.len()
        )?;
        for o in g.orphans.iter().take(20) {
            writeln!(out, "  {} → {:?} {}", label(o.node), o.link, o.missing_id)?;
        }
    }
    if !g.cycles.is_empty() {
        writeln!(out, "CYCLES (bad data): {}", g.cycles.len())?;
        for c in g.cycles.iter().take(10) {
            let ids: Vec<&str> = c.iter().map(|&i| g.nodes[i as usize].id.as_str()).collect();
            writeln!(out, "  {}", ids.join(" → "))?;
        }
    }
    writeln!(
        out,
        "critical path: {} events over {}",
        g.critical_path.len(),
        duration(g.critical_path_us)
    )?;
    let path = &g.critical_path;
    for (k, &i) in path.iter().enumerate() {
        if path.len() > 12 && k == 5 {
            writeln!(out, "  … {} more …", path.len() - 10)?;
        }
        if path.len() > 12 && (5..path.len() - 5).contains(&k) {
            continue;
        }
        writeln!(out, "  {}", label(i))?;
    }
    Ok(())
}

/// `1h 02m 03.5s`.
pub fn duration(us: time::Micros) -> String {
    let s = us as f64 / 1e6;
    let (h, m) = ((s / 3600.0).floor(), ((s % 3600.0) / 60.0).floor());
    let sec = s - h * 3600.0 - m * 60.0;
    match (h as i64, m as i64) {
        (0, 0) => format!("{sec:.1}s"),
        (0, m) => format!("{m}m {sec:04.1}s"),
        (h, m) => format!("{h}h {m:02}m {sec:04.1}s"),
    }
}
