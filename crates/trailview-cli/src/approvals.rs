//! `trailview approvals`, `executions` and `replay`: the core's API operations of the same
//! names, printed. `--json` prints the operation's answer exactly as the UI receives it (one
//! JSON object): that shape is the contract.

use std::io::Write;

use anyhow::{anyhow, Context, Result};
use clap::Args;

use trailview_core::api::{
    self, ApiError, ApprovalsRequest, ExecutionsRequest, ReplayRequest, ReplayResponse,
};
use trailview_core::store::Store;

/// `trailview approvals`.
#[derive(Args)]
pub struct ApprovalsArgs {
    /// The tenant ("" for personal events).
    #[arg(long)]
    tenant: String,
    /// The status every case had at this time (RFC 3339 with an offset, or epoch ms).
    #[arg(long, value_name = "TIME")]
    as_of: Option<String>,
    /// Only cases of this status: pending, approved, denied, expired.
    #[arg(long)]
    status: Option<String>,
    /// Only cases with anomalies.
    #[arg(long)]
    anomalies: bool,
    /// Print the answer as one JSON object.
    #[arg(long)]
    json: bool,
}

/// `trailview executions`.
#[derive(Args)]
pub struct ExecutionsArgs {
    /// The tenant.
    #[arg(long)]
    tenant: String,
    /// One execution id.
    #[arg(long)]
    execution: Option<String>,
    /// Only executions that break a rule of the Aximo event model (§5, §9).
    #[arg(long)]
    violations: bool,
    /// Print the answer as one JSON object.
    #[arg(long)]
    json: bool,
}

/// `trailview replay`.
#[derive(Args)]
pub struct ReplayArgs {
    /// The tenant.
    #[arg(long)]
    tenant: String,
    /// Replay one correlation chain.
    #[arg(long, group = "scope")]
    correlation: Option<String>,
    /// Replay one Aximo execution.
    #[arg(long, group = "scope")]
    execution: Option<String>,
    /// Replay one trace.
    #[arg(long, group = "scope")]
    trace: Option<String>,
    /// Replay a time window: its start (with --until).
    #[arg(long, group = "scope", requires = "until")]
    since: Option<String>,
    /// The window's end (exclusive).
    #[arg(long, requires = "since")]
    until: Option<String>,
    /// The cursor: a seq, an RFC 3339 time, `start` or `end` [default: end].
    #[arg(long, value_name = "SEQ|TIME")]
    at: Option<String>,
    /// A second cursor: also print what changed from it to --at.
    #[arg(long, value_name = "CURSOR")]
    diff_from: Option<String>,
    /// Frames listed on each side of the cursor.
    #[arg(long, default_value_t = 10)]
    window: u32,
    /// Executions and approval cases listed in the state (most recently touched first).
    #[arg(long, default_value_t = 200)]
    limit: u32,
    /// Print the answer as one JSON object.
    #[arg(long)]
    json: bool,
}

/// Open the store read-only: these commands never write (the projection is kept by ingest; a
/// tail past it is folded in memory).
pub fn open_read(db: &Option<std::path::PathBuf>) -> Result<Store> {
    let path = db
        .clone()
        .unwrap_or_else(trailview_core::default_store_path);
    if !path.exists() {
        anyhow::bail!(
            "no store at {} (ingest something first, or pass --db)",
            path.display()
        );
    }
    Store::open_read_only(&path)
        .with_context(|| format!("cannot open the store at {}", path.display()))
}

fn api_err(e: ApiError) -> anyhow::Error {
    anyhow!("{} ({})", e.message, e.code)
}

fn or_dash(v: Option<&str>) -> &str {
    v.unwrap_or("-")
}

/// Run `trailview approvals`.
pub fn approvals(store: &Store, a: ApprovalsArgs, out: &mut impl Write) -> Result<()> {
    let req = ApprovalsRequest {
        tenant: Some(a.tenant),
        as_of: a.as_of,
        status: a.status,
        anomalies_only: Some(a.anomalies),
    };
    let r = api::approvals(store, &req).map_err(api_err)?;
    if a.json {
        serde_json::to_writer(&mut *out, &r)?;
        writeln!(out)?;
        return Ok(());
    }
    for c in &r.cases {
        let opened = c.request.as_ref().or(c.decisions.first().map(|d| &d.event));
        writeln!(
            out,
            "{}  {:<9} {:<11} requester {:<22} decider {:<12} latency {:>10}  {}",
            opened.map_or("-", |e| e.occurred_at.as_str()),
            c.status.code(),
            c.dialect.map_or("-", |d| d.as_str()),
            or_dash(c.requester.as_deref()),
            or_dash(c.decider.as_deref()),
            c.latency_ms
                .map_or_else(|| "-".to_owned(), |l| format!("{:.1}s", l as f64 / 1000.0)),
            or_dash(c.subject.as_deref()),
        )?;
        for an in &c.anomalies {
            let seqs: Vec<String> = an.evidence.iter().map(|e| e.seq.to_string()).collect();
            writeln!(
                out,
                "    ! {}: {} (seq {})",
                an.kind,
                an.message,
                seqs.join(", ")
            )?;
        }
    }
    for an in &r.loose_anomalies {
        let seqs: Vec<String> = an.evidence.iter().map(|e| e.seq.to_string()).collect();
        writeln!(
            out,
            "! {}: {} (seq {})",
            an.kind,
            an.message,
            seqs.join(", ")
        )?;
    }
    let n = &r.counts;
    writeln!(
        out,
        "{} case(s){}: {} pending, {} approved, {} denied, {} expired; {} anomal{}",
        n.total,
        r.as_of
            .as_deref()
            .map(|t| format!(" as of {t}"))
            .unwrap_or_default(),
        n.pending,
        n.approved,
        n.denied,
        n.expired,
        n.anomalies,
        if n.anomalies == 1 { "y" } else { "ies" }
    )?;
    Ok(())
}

/// Run `trailview executions`.
pub fn executions(store: &Store, a: ExecutionsArgs, out: &mut impl Write) -> Result<()> {
    let req = ExecutionsRequest {
        tenant: Some(a.tenant),
        execution: a.execution,
        violations_only: Some(a.violations),
    };
    let r = api::executions(store, &req).map_err(api_err)?;
    if a.json {
        serde_json::to_writer(&mut *out, &r)?;
        writeln!(out)?;
        return Ok(());
    }
    for x in &r.executions {
        writeln!(
            out,
            "{}  {:<38} {:<18} approval {:<9} {:<14} {:>9}  {}",
            or_dash(x.started_at.as_deref()),
            x.execution_id,
            x.status.map_or("-", |s| s.code()),
            if x.approval_required {
                x.approval.as_deref().unwrap_or("none")
            } else {
                "-"
            },
            if x.dispatched {
                "dispatched"
            } else {
                "not dispatched"
            },
            x.duration_ms
                .map_or_else(|| "-".to_owned(), |d| format!("{:.1}s", d as f64 / 1000.0)),
            x.sequence
                .iter()
                .map(|e| e.kind.as_str())
                .collect::<Vec<_>>()
                .join(" → "),
        )?;
        for v in &x.violations {
            let seqs: Vec<String> = v.evidence.iter().map(|e| e.seq.to_string()).collect();
            writeln!(
                out,
                "    ! {} {}: {} (seq {})",
                v.rule,
                v.code,
                v.message,
                seqs.join(", ")
            )?;
        }
    }
    let n = &r.counts;
    writeln!(
        out,
        "{} execution(s): {} completed, {} failed, {} open; {} with violations",
        n.total, n.completed, n.failed, n.open, n.with_violations
    )?;
    Ok(())
}

/// Run `trailview replay`.
pub fn replay(store: &Store, a: ReplayArgs, out: &mut impl Write) -> Result<()> {
    let req = ReplayRequest {
        tenant: Some(a.tenant),
        correlation: a.correlation,
        execution: a.execution,
        trace: a.trace,
        since: a.since,
        until: a.until,
        at: a.at,
        diff_from: a.diff_from,
        window: Some(a.window),
        limit: Some(a.limit),
    };
    let r = api::replay(store, &req).map_err(api_err)?;
    if a.json {
        serde_json::to_writer(&mut *out, &r)?;
        writeln!(out)?;
        return Ok(());
    }
    print_replay(&r, out)
}

fn print_replay(r: &ReplayResponse, out: &mut impl Write) -> Result<()> {
    writeln!(
        out,
        "{} of tenant {:?}: frame {}/{}{}",
        r.scope,
        r.tenant,
        r.position,
        r.total_frames,
        r.cursor
            .as_ref()
            .map(|c| format!(" (seq {}, {} {})", c.seq, c.occurred_at, c.kind))
            .unwrap_or_default()
    )?;
    for f in &r.frames {
        let mark = if f.index + 1 == r.position { ">" } else { " " };
        writeln!(
            out,
            "{mark} {:>5}  seq {:<9} {}  {}",
            f.index + 1,
            f.seq,
            f.occurred_at,
            f.kind
        )?;
    }
    let s = &r.state;
    if !s.executions.is_empty() {
        writeln!(
            out,
            "executions ({} of {}, most recent first):",
            s.executions.len(),
            s.executions_total
        )?;
        for x in &s.executions {
            writeln!(
                out,
                "  {:<38} {}",
                x.execution_id,
                x.status.map_or("-", |s| s.code())
            )?;
        }
    }
    if !s.approvals.is_empty() {
        writeln!(
            out,
            "approvals ({} of {}, most recent first):",
            s.approvals.len(),
            s.approvals_total
        )?;
        for c in &s.approvals {
            writeln!(
                out,
                "  {:<40} {:<9} {}",
                c.key,
                c.status.code(),
                or_dash(c.decider.as_deref())
            )?;
        }
    }
    if !s.deployments.is_empty() {
        writeln!(out, "deployments:")?;
        for d in &s.deployments {
            let hist: Vec<String> = d
                .history
                .iter()
                .map(|h| or_dash(h.to.as_deref()).to_owned())
                .collect();
            writeln!(
                out,
                "  {:<24} {:<10} {:<8} history {}",
                d.deployment_id,
                d.status,
                or_dash(d.version.as_deref()),
                hist.join(" → ")
            )?;
        }
    }
    writeln!(out, "counts:")?;
    for c in &s.counts {
        writeln!(out, "  {:>6}  {}", c.count, c.kind)?;
    }
    if let Some(d) = &r.diff {
        writeln!(
            out,
            "changes from frame {} to {}:",
            d.from_position, d.to_position
        )?;
        for (what, list) in [
            ("execution", &d.executions),
            ("approval", &d.approvals),
            ("deployment", &d.deployments),
            ("count", &d.counts),
        ] {
            for c in list {
                writeln!(
                    out,
                    "  {what} {}: {} → {}",
                    c.key,
                    or_dash(c.from.as_deref()),
                    or_dash(c.to.as_deref())
                )?;
            }
        }
    }
    Ok(())
}
