//! Metrics of a tenant, derived from its events on every read (Aximo EVENT_MODEL §8:
//! "Metrics derive from events … Metrics must never mutate events"). Nothing is stored: each
//! figure is one aggregate query over the indexes the log already has, so it is always the log's
//! answer and never drifts from it.
//!
//! - **Events per hour** and **top types**: the God Mode aggregates of the Event Spine seed.
//!   Hours are UTC hours (`floor(occurred_at / 1 h)`); only hours with events are listed.
//! - **Error rate** = `execution_failed / execution_triggered` (Aximo §8).
//! - **SLA breach rate** = `sla_breached / execution_completed` (Aximo §8; `sla_breached` is the
//!   Aximo governance event of §3.4, emitted when an execution missed its SLA).
//! - **Approval latency percentiles**: request → decision, from the approval cases. Those are
//!   built by the approvals module (another branch); [`approval_latencies`] is the hook it is
//!   wired into at merge, and until then the figure is `null`, never an estimate.
//!
//! Every query names the tenant's interned id; a `[since, until)` window narrows all figures
//! alike. Types count exactly as written (`execution_failed`), in whatever dialect they came.

use std::collections::HashMap;

use rusqlite::OptionalExtension;
use serde::Serialize;
use ts_rs::TS;

use crate::store::{Result, Store};
use crate::time::{self, Micros};

/// One hour, in µs.
pub const HOUR_US: Micros = 3_600_000_000;
/// Types listed in `top_types`.
pub const TOP_TYPES: usize = 10;

/// Events of one UTC hour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct HourCount {
    /// Start of the hour, RFC 3339.
    pub hour: String,
    /// Start of the hour, µs since the epoch.
    #[ts(type = "number")]
    pub hour_us: Micros,
    /// Events in it.
    #[ts(type = "number")]
    pub count: u64,
}

/// Events of one type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct TypeCount {
    /// The type, as written.
    #[serde(rename = "type")]
    pub kind: String,
    /// How many.
    #[ts(type = "number")]
    pub count: u64,
}

/// A ratio of two event counts.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct Ratio {
    /// The counted type (numerator).
    pub numerator_type: String,
    /// The type it is a share of (denominator).
    pub denominator_type: String,
    /// Events of `numerator_type`.
    #[ts(type = "number")]
    pub numerator: u64,
    /// Events of `denominator_type`.
    #[ts(type = "number")]
    pub denominator: u64,
    /// `numerator / denominator`; `null` when the denominator is 0.
    pub rate: Option<f64>,
}

impl Ratio {
    fn of(num_type: &str, den_type: &str, counts: &HashMap<String, u64>) -> Ratio {
        let numerator = counts.get(num_type).copied().unwrap_or(0);
        let denominator = counts.get(den_type).copied().unwrap_or(0);
        Ratio {
            numerator_type: num_type.to_owned(),
            denominator_type: den_type.to_owned(),
            numerator,
            denominator,
            rate: (denominator > 0).then(|| numerator as f64 / denominator as f64),
        }
    }
}

/// Percentiles of a set of latencies, µs (nearest-rank).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct LatencyPercentiles {
    /// How many latencies.
    #[ts(type = "number")]
    pub count: u64,
    /// Median.
    #[ts(type = "number")]
    pub p50_us: Micros,
    /// 90th percentile.
    #[ts(type = "number")]
    pub p90_us: Micros,
    /// 99th percentile.
    #[ts(type = "number")]
    pub p99_us: Micros,
    /// Largest.
    #[ts(type = "number")]
    pub max_us: Micros,
}

/// The metrics of one tenant over an optional window.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export_to = "../../ui/src/bindings/")]
pub struct MetricsReport {
    /// The tenant.
    pub tenant: String,
    /// `occurred_at >= since`, RFC 3339, when given.
    pub since: Option<String>,
    /// `occurred_at < until`, RFC 3339, when given.
    pub until: Option<String>,
    /// Events in the window.
    #[ts(type = "number")]
    pub events: u64,
    /// Hours with events, in order.
    pub per_hour: Vec<HourCount>,
    /// Events per hour over the hours from the first event's to the last event's.
    pub mean_per_hour: f64,
    /// The busiest hour (the earliest of equals).
    pub peak_hour: Option<HourCount>,
    /// The most frequent types, most frequent first (then by name).
    pub top_types: Vec<TypeCount>,
    /// Types in the window.
    #[ts(type = "number")]
    pub distinct_types: u64,
    /// `execution_failed / execution_triggered`.
    pub error_rate: Ratio,
    /// `sla_breached / execution_completed`.
    pub sla_breach_rate: Ratio,
    /// Approval request → decision latency; `null` until the approvals module is wired into
    /// [`approval_latencies`].
    pub approval_latency: Option<LatencyPercentiles>,
}

/// The interned id of `tenant`, if it has any events.
pub(crate) fn tenant_key(store: &Store, tenant: &str) -> Result<Option<i64>> {
    Ok(store
        .conn()
        .query_row("SELECT id FROM tenants WHERE name = ?1", [tenant], |r| {
            r.get(0)
        })
        .optional()?)
}

/// `floor(occurred_at / HOUR_US)` in SQL (SQLite's `/` truncates towards zero).
const HOUR_OF: &str =
    "CASE WHEN occurred_at >= 0 THEN occurred_at / 3600000000 ELSE (occurred_at - 3599999999) / 3600000000 END";

/// The metrics of `tenant` over `[since, until)` (either bound optional).
pub fn metrics(
    store: &Store,
    tenant: &str,
    since: Option<Micros>,
    until: Option<Micros>,
) -> Result<MetricsReport> {
    let mut report = MetricsReport {
        tenant: tenant.to_owned(),
        since: since.map(time::format_us),
        until: until.map(time::format_us),
        events: 0,
        per_hour: Vec::new(),
        mean_per_hour: 0.0,
        peak_hour: None,
        top_types: Vec::new(),
        distinct_types: 0,
        error_rate: Ratio::of("execution_failed", "execution_triggered", &HashMap::new()),
        sla_breach_rate: Ratio::of("sla_breached", "execution_completed", &HashMap::new()),
        approval_latency: None,
    };
    let Some(tid) = tenant_key(store, tenant)? else {
        return Ok(report);
    };
    let lo = since.unwrap_or(i64::MIN);
    let hi = until.unwrap_or(i64::MAX);
    let c = store.conn();

    // Events per hour: the timeline index (tenant, occurred_at) covers it.
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {HOUR_OF} AS h, count(*) FROM events
         WHERE tenant = ?1 AND occurred_at >= ?2 AND occurred_at < ?3 GROUP BY h ORDER BY h"
    ))?;
    let mut rows = stmt.query(rusqlite::params![tid, lo, hi])?;
    while let Some(r) = rows.next()? {
        let (h, n): (i64, i64) = (r.get(0)?, r.get(1)?);
        let hour_us = h * HOUR_US;
        report.per_hour.push(HourCount {
            hour: time::format_us(hour_us),
            hour_us,
            count: n as u64,
        });
    }
    drop(rows);
    report.events = report.per_hour.iter().map(|h| h.count).sum();
    if let (Some(first), Some(last)) = (report.per_hour.first(), report.per_hour.last()) {
        let hours = (last.hour_us - first.hour_us) / HOUR_US + 1;
        report.mean_per_hour = report.events as f64 / hours as f64;
    }
    report.peak_hour = report
        .per_hour
        .iter()
        .max_by(|a, b| a.count.cmp(&b.count).then(b.hour_us.cmp(&a.hour_us)))
        .cloned();

    // Counts per type: the type index (tenant, type, occurred_at) covers it.
    let mut stmt = c.prepare_cached(
        "SELECT t.name, x.n FROM (
             SELECT type, count(*) AS n FROM events
             WHERE tenant = ?1 AND occurred_at >= ?2 AND occurred_at < ?3 GROUP BY type
         ) x JOIN types t ON t.id = x.type",
    )?;
    let counts: HashMap<String, u64> = stmt
        .query_map(rusqlite::params![tid, lo, hi], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut by_count: Vec<TypeCount> = counts
        .iter()
        .map(|(k, &n)| TypeCount {
            kind: k.clone(),
            count: n,
        })
        .collect();
    by_count.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.kind.cmp(&b.kind)));
    report.distinct_types = by_count.len() as u64;
    by_count.truncate(TOP_TYPES);
    report.top_types = by_count;
    report.error_rate = Ratio::of("execution_failed", "execution_triggered", &counts);
    report.sla_breach_rate = Ratio::of("sla_breached", "execution_completed", &counts);

    report.approval_latency = approval_latencies(store, tenant, since, until)?
        .map(|mut l| latency_percentiles(&mut l))
        .unwrap_or(None);
    Ok(report)
}

/// The request → decision latencies (µs) of `tenant`'s approval cases decided in
/// `[since, until)`, from the approval projection (`projections::approvals`: Aximo
/// `approval_requested → approval_granted / approval_rejected`, Ecosystem `approval.action.*`,
/// ConnectSoft `Approval*`), the first decision standing; timeouts and cases without a request
/// have no latency.
pub fn approval_latencies(
    store: &Store,
    tenant: &str,
    since: Option<Micros>,
    until: Option<Micros>,
) -> Result<Option<Vec<Micros>>> {
    let parts = crate::projections::Parts {
        approvals: true,
        executions: false,
        deployments: false,
    };
    let state = crate::projections::load(store, tenant, parts)?;
    let latencies = state
        .approvals
        .cases
        .iter()
        .filter_map(|c| {
            let decided = c.standing()?.event.at;
            let in_window = since.is_none_or(|s| decided >= s) && until.is_none_or(|u| decided < u);
            in_window
                .then(|| c.latency_ms().map(|ms| ms * 1000))
                .flatten()
        })
        .collect();
    Ok(Some(latencies))
}

/// Nearest-rank percentiles of `latencies` (sorted in place); `None` when empty.
pub fn latency_percentiles(latencies: &mut [Micros]) -> Option<LatencyPercentiles> {
    if latencies.is_empty() {
        return None;
    }
    latencies.sort_unstable();
    let n = latencies.len();
    // Nearest rank: the smallest value with at least p% of the values at or below it.
    let rank = |p: usize| latencies[(p * n).div_ceil(100).max(1) - 1];
    Some(LatencyPercentiles {
        count: n as u64,
        p50_us: rank(50),
        p90_us: rank(90),
        p99_us: rank(99),
        max_us: latencies[n - 1],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        assert_eq!(latency_percentiles(&mut []), None);
        let mut v: Vec<Micros> = (1..=100).rev().collect();
        let p = latency_percentiles(&mut v).unwrap();
        assert_eq!(
            (p.count, p.p50_us, p.p90_us, p.p99_us, p.max_us),
            (100, 50, 90, 99, 100)
        );
        let p = latency_percentiles(&mut [7]).unwrap();
        assert_eq!((p.p50_us, p.p99_us, p.max_us), (7, 7, 7));
        let p = latency_percentiles(&mut [4, 1, 3, 2]).unwrap();
        assert_eq!((p.p50_us, p.p90_us), (2, 4));
    }
}
