//! `trailview metrics` and `trailview alerts`: figures and rule firings derived from a tenant's
//! events (`trailview_core::metrics`, `trailview_core::alerts`). `--json` prints the core's
//! report objects, the same the UI's `metrics` and `alerts` operations answer.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use trailview_core::alerts::{self, AlertError};
use trailview_core::{metrics, time};

/// Arguments of `trailview metrics`.
#[derive(Args)]
pub struct MetricsArgs {
    /// The tenant ("" for personal events).
    #[arg(long)]
    tenant: String,
    /// occurred_at >= this (RFC 3339 with offset, or epoch ms).
    #[arg(long)]
    since: Option<String>,
    /// occurred_at < this.
    #[arg(long)]
    until: Option<String>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// Arguments of `trailview alerts`.
#[derive(Args)]
pub struct AlertsArgs {
    /// The tenant ("" for personal events).
    #[arg(long)]
    tenant: String,
    /// Rule file, TOML or JSON (docs/ALERTS.md) [default: the built-in rules, the seeds'
    /// examples].
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// occurred_at >= this (RFC 3339 with offset, or epoch ms).
    #[arg(long)]
    since: Option<String>,
    /// occurred_at < this.
    #[arg(long)]
    until: Option<String>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

fn bounds(since: &Option<String>, until: &Option<String>) -> Result<(Option<i64>, Option<i64>)> {
    let b = |s: &Option<String>| {
        s.as_deref()
            .map(|v| time::parse_bound(v).with_context(|| format!("cannot read the time {v:?}")))
            .transpose()
    };
    Ok((b(since)?, b(until)?))
}

fn pct(r: Option<f64>) -> String {
    r.map_or("n/a".to_owned(), |r| format!("{:.2}%", r * 100.0))
}

/// Run `trailview metrics`.
pub fn run_metrics(db: &Option<PathBuf>, a: MetricsArgs, out: &mut impl Write) -> Result<()> {
    let store = crate::open_existing(db)?;
    let (since, until) = bounds(&a.since, &a.until)?;
    let m = metrics::metrics(&store, &a.tenant, since, until)?;
    if a.json {
        serde_json::to_writer(&mut *out, &m)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(out, "events          {}", m.events)?;
    writeln!(out, "per hour        {:.1} mean", m.mean_per_hour)?;
    if let Some(p) = &m.peak_hour {
        writeln!(out, "peak hour       {} ({} events)", p.hour, p.count)?;
    }
    let r = &m.error_rate;
    writeln!(
        out,
        "error rate      {} ({} {} / {} {})",
        pct(r.rate),
        r.numerator,
        r.numerator_type,
        r.denominator,
        r.denominator_type
    )?;
    let r = &m.sla_breach_rate;
    writeln!(
        out,
        "SLA breach rate {} ({} {} / {} {})",
        pct(r.rate),
        r.numerator,
        r.numerator_type,
        r.denominator,
        r.denominator_type
    )?;
    match &m.approval_latency {
        Some(l) => writeln!(
            out,
            "approval latency p50 {} · p90 {} · p99 {} ({} cases)",
            crate::graph::duration(l.p50_us),
            crate::graph::duration(l.p90_us),
            crate::graph::duration(l.p99_us),
            l.count
        )?,
        None => writeln!(
            out,
            "approval latency n/a (approval cases not available in this build)"
        )?,
    }
    writeln!(out, "top types ({} distinct)", m.distinct_types)?;
    for t in &m.top_types {
        writeln!(out, "  {:>9}  {}", t.count, t.kind)?;
    }
    Ok(())
}

/// Run `trailview alerts`.
pub fn run_alerts(db: &Option<PathBuf>, a: AlertsArgs, out: &mut impl Write) -> Result<()> {
    let text = match &a.rules {
        Some(p) => std::fs::read_to_string(p)
            .with_context(|| format!("cannot read the rule file {}", p.display()))?,
        None => alerts::DEFAULT_RULES.to_owned(),
    };
    let rules = alerts::parse_rules(&text).map_err(|e| match (&a.rules, e) {
        (Some(p), AlertError::BadRules(m)) => anyhow::anyhow!("{}: {m}", p.display()),
        (_, e) => e.into(),
    })?;
    let store = crate::open_existing(db)?;
    let (since, until) = bounds(&a.since, &a.until)?;
    let report = alerts::evaluate(&store, &a.tenant, &rules, since, until)?;
    if a.json {
        serde_json::to_writer(&mut *out, &report)?;
        writeln!(out)?;
        return Ok(());
    }
    for o in &report.rules {
        writeln!(
            out,
            "{:<32} {:>5} firing of {:>5} windows judged",
            o.rule.name, o.firings, o.windows_judged
        )?;
    }
    for f in &report.firings {
        let value = if f.denominator.is_some() {
            format!("{:.2}%", f.value * 100.0)
        } else {
            format!("{}", f.value)
        };
        writeln!(
            out,
            "FIRING {}  {} … {}  {} ({} / {})",
            f.rule,
            f.window_start,
            f.window_end,
            value,
            f.numerator,
            f.denominator.map_or("-".into(), |d| d.to_string())
        )?;
        for e in &f.evidence {
            writeln!(out, "    {}  {}  {}", e.occurred_at, e.kind, e.id)?;
        }
        if f.evidence_total > f.evidence.len() as u64 {
            writeln!(
                out,
                "    … {} more",
                f.evidence_total - f.evidence.len() as u64
            )?;
        }
    }
    Ok(())
}
