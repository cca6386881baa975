//! `graph`, `metrics`, `alerts`: the UI operations of the correlation graph, the derived
//! metrics and the alert rules (issue #4). Each reads its request, checks it, and makes one
//! core call (`crate::graph`, `crate::metrics`, `crate::alerts`).

use serde::Deserialize;
use ts_rs::TS;

use super::{de, ApiError};
use crate::alerts::{self, AlertError, AlertReport};
use crate::graph::{self as core_graph, Graph, GraphError, Scope};
use crate::metrics::{self as core_metrics, MetricsReport};
use crate::store::Store;
use crate::time::{self, Micros};

/// `graph`: the graph of one scope of a tenant: exactly one of `correlation`, `trace`,
/// `execution`, `event`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/", optional_fields)]
pub struct GraphRequest {
    /// **Required**; the empty string is the personal scope.
    #[ts(optional = false, as = "String")]
    pub tenant: Option<String>,
    /// One correlation chain.
    pub correlation: Option<String>,
    /// One trace.
    pub trace: Option<String>,
    /// One Aximo execution.
    pub execution: Option<String>,
    /// The connected component around this event.
    pub event: Option<String>,
    /// Node limit, 1–20000; default 5000.
    #[serde(default, with = "de::number")]
    #[ts(as = "Option<u32>")]
    pub max_nodes: Option<u32>,
}

/// `metrics`: a tenant's derived metrics over an optional window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/", optional_fields)]
pub struct MetricsRequest {
    /// **Required**; the empty string is the personal scope.
    #[ts(optional = false, as = "String")]
    pub tenant: Option<String>,
    /// `occurred_at >= since`: RFC 3339 with offset, or epoch ms.
    pub since: Option<String>,
    /// `occurred_at < until`: RFC 3339 with offset, or epoch ms.
    pub until: Option<String>,
}

/// `alerts`: evaluate alert rules over a tenant's events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "../../ui/src/bindings/", optional_fields)]
pub struct AlertsRequest {
    /// **Required**; the empty string is the personal scope.
    #[ts(optional = false, as = "String")]
    pub tenant: Option<String>,
    /// `occurred_at >= since`: RFC 3339 with offset, or epoch ms.
    pub since: Option<String>,
    /// `occurred_at < until`: RFC 3339 with offset, or epoch ms.
    pub until: Option<String>,
    /// The rules as a rule file's text (TOML, or JSON `{"rules": [...]}`; docs/ALERTS.md);
    /// default: the built-in rules (the seeds' examples).
    pub rules: Option<String>,
}

fn tenant(t: &Option<String>) -> Result<&str, ApiError> {
    t.as_deref().ok_or_else(ApiError::tenant_required)
}

fn bound(name: &str, v: &Option<String>) -> Result<Option<Micros>, ApiError> {
    v.as_deref()
        .map(|s| {
            time::parse_bound(s).map_err(|e| {
                ApiError::bad_filter(format!(
                    "{name}: {e} (give RFC 3339 with an offset, or epoch milliseconds)"
                ))
            })
        })
        .transpose()
}

/// `graph`: nodes, typed edges, the analysis (roots, leaves, forks, orphans, cycles, critical
/// path) and the layout; `not_found` when nothing in the tenant matches the scope.
pub fn graph(store: &Store, req: &GraphRequest) -> Result<Graph, ApiError> {
    let t = tenant(&req.tenant)?;
    let given: Vec<Scope> = [
        req.correlation.clone().map(Scope::Correlation),
        req.trace.clone().map(Scope::Trace),
        req.execution.clone().map(Scope::Execution),
        req.event.clone().map(Scope::Event),
    ]
    .into_iter()
    .flatten()
    .collect();
    let [scope] = <[Scope; 1]>::try_from(given).map_err(|_| {
        ApiError::bad_request("name exactly one of correlation, trace, execution or event")
    })?;
    if scope.id().is_empty() {
        return Err(ApiError::bad_request(format!(
            "{}: an empty id matches nothing",
            scope.kind()
        )));
    }
    let max = super::in_range(
        "max_nodes",
        req.max_nodes,
        core_graph::DEFAULT_MAX_NODES as u32,
        1..=core_graph::MAX_NODES as u32,
    )?;
    core_graph::build(store, t, &scope, max as usize).map_err(|e| match e {
        GraphError::NotFound(m) => ApiError::not_found(m),
        GraphError::Store(s) => s.into(),
    })
}

/// `metrics`: events per hour, top types, error rate, SLA breach rate, approval latency.
pub fn metrics(store: &Store, req: &MetricsRequest) -> Result<MetricsReport, ApiError> {
    let t = tenant(&req.tenant)?;
    let (since, until) = (bound("since", &req.since)?, bound("until", &req.until)?);
    Ok(core_metrics::metrics(store, t, since, until)?)
}

/// `alerts`: every rule's outcome and every firing with the events behind it; unreadable
/// rules are `bad_request` with the line and the reason.
pub fn alerts(store: &Store, req: &AlertsRequest) -> Result<AlertReport, ApiError> {
    let t = tenant(&req.tenant)?;
    let (since, until) = (bound("since", &req.since)?, bound("until", &req.until)?);
    let err = |e: AlertError| match e {
        AlertError::BadRules(m) => ApiError::bad_request(m),
        AlertError::Store(s) => s.into(),
    };
    let rules =
        alerts::parse_rules(req.rules.as_deref().unwrap_or(alerts::DEFAULT_RULES)).map_err(err)?;
    alerts::evaluate(store, t, &rules, since, until).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    // The api tests' generated store (3 tenants, fixed clock) and query-string parsing.
    use crate::api::tests::{query, store_with};
    use crate::query::{EventQuery, TenantScope};

    #[test]
    fn graph_of_a_generated_chain_from_a_query_string() {
        let (_d, store) = store_with(2000);
        // A ConnectSoft chain: causation links all the way.
        let e = store
            .events(&EventQuery::new(TenantScope::One("acme".into())))
            .unwrap()
            .into_iter()
            .find(|e| e.causation_id.is_some() && e.correlation_id.is_some())
            .expect("a generated chain with causation links");
        let corr = e.correlation_id.clone().unwrap();
        let q = format!("tenant=acme&correlation={}&max_nodes=100", urlencode(&corr));
        let g = graph(&store, &query(&q)).unwrap();
        assert!(g.nodes.len() >= 3, "chains are 3–12 events");
        assert!(g
            .nodes
            .iter()
            .all(|n| n.correlation_id.as_deref() == Some(corr.as_str())
                || n.kind != crate::graph::NodeKind::Event));
        assert!(g
            .edges
            .iter()
            .any(|e| e.kind == crate::graph::EdgeKind::Causation));
        assert_eq!(g.roots.len(), 1, "{:?}", g.roots);
        // The same chain from one of its events.
        let g2 = graph(
            &store,
            &query(&format!("tenant=acme&event={}", urlencode(&e.id))),
        )
        .unwrap();
        assert!(g2.nodes.len() >= g.nodes.len());
    }

    fn urlencode(s: &str) -> String {
        serde_urlencoded::to_string([("v", s)]).unwrap()[2..].to_owned()
    }

    #[test]
    fn graph_metrics_and_alerts_refusals_have_codes() {
        let (_d, store) = store_with(300);
        let code = |r: Result<Graph, ApiError>| r.unwrap_err().code;
        assert_eq!(
            code(graph(&store, &query("correlation=x"))),
            "tenant_required"
        );
        assert_eq!(code(graph(&store, &query("tenant=acme"))), "bad_request");
        assert_eq!(
            code(graph(&store, &query("tenant=acme&trace=a&event=b"))),
            "bad_request"
        );
        assert_eq!(
            code(graph(&store, &query("tenant=acme&event="))),
            "bad_request"
        );
        assert_eq!(
            code(graph(&store, &query("tenant=acme&event=x&max_nodes=0"))),
            "bad_request"
        );
        let nf = graph(&store, &query("tenant=acme&correlation=nope")).unwrap_err();
        assert_eq!((nf.code.as_str(), nf.status()), ("not_found", 404));

        let m = metrics(&store, &query("tenant=acme&since=2026-11-01T00:00:00Z")).unwrap();
        assert!(m.events > 0);
        let bad = metrics(&store, &query("tenant=acme&since=soon")).unwrap_err();
        assert_eq!(bad.code, "bad_filter");
        assert_eq!(
            metrics(&store, &query("")).unwrap_err().code,
            "tenant_required"
        );

        let r = alerts(&store, &query("tenant=acme")).unwrap();
        assert_eq!(r.rules.len(), 3, "the default rules");
        let bad = alerts(&store, &query("tenant=acme&rules=%5B%5Brules%5D%5D")).unwrap_err();
        assert_eq!((bad.code.as_str(), bad.status()), ("bad_request", 400));
        assert!(bad.message.contains("line 1"), "{}", bad.message);
    }
}
