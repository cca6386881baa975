//! Metrics and alert rules on hand-built stores whose answers are known: Aximo executions
//! (seed 001 §8: error rate, SLA breach rate) and Event Spine review agents (seed 000: "alert if
//! review.agent.complete error rate > 5%"), with another tenant's failures as a trap.

mod common;

use common::{ingest_bytes, temp_store};
use serde_json::json;
use trailview_core::alerts::{evaluate, parse_rules, Comparison, DEFAULT_RULES};
use trailview_core::metrics::metrics;
use trailview_core::store::Store;
use trailview_core::time::parse_bound;

/// 2026-05-01T08:00:00Z + `mins` minutes, RFC 3339.
fn at(mins: i64) -> String {
    let us = parse_bound("2026-05-01T08:00:00Z").unwrap() + mins * 60_000_000;
    trailview_core::time::format_us(us)
}

fn aximo(n: &mut u32, ty: &str, customer: &str, exec: &str, mins: i64) -> String {
    *n += 1;
    json!({
        "event_id": format!("ax-{customer}-{n:04}"), "event_type": ty, "timestamp": at(mins),
        "customer_id": customer, "deployment_id": "dep_lead_capture_eu",
        "skill_id": "skill_lead_capture", "skill_version": "1.3.0", "execution_id": exec,
        "actor": "system", "payload": {}
    })
    .to_string()
}

fn review(n: &mut u32, org: &str, failed: bool, mins: i64) -> String {
    *n += 1;
    let data = if failed {
        json!({"agent": "security", "status": "failed", "error": "model timeout"})
    } else {
        json!({"agent": "security", "status": "ok", "score": 91})
    };
    json!({
        "eventId": format!("rv-{org}-{n:04}"), "type": "review.agent.complete",
        "source": "meshos.review-service", "orgId": org, "timestamp": at(mins), "data": data,
        "metadata": {"correlationId": format!("corr_{org}_{}", mins / 60)}
    })
    .to_string()
}

fn store_of(lines: &[String]) -> (tempfile::TempDir, Store) {
    let (dir, mut store) = temp_store();
    let body = lines.join("\n") + "\n";
    let s = ingest_bytes(&mut store, body.as_bytes(), "scenario.ndjson");
    assert_eq!(s.accepted as usize, lines.len());
    (dir, store)
}

/// cust_a: hour 08 has 4 triggered, 1 failed, 3 completed; hour 10 has 2 triggered,
/// 2 completed, 1 SLA breach. cust_b (the trap) fails everything in the same hours.
fn aximo_store() -> (tempfile::TempDir, Store) {
    let mut n = 0;
    let mut v = Vec::new();
    for i in 0..4 {
        v.push(aximo(
            &mut n,
            "execution_triggered",
            "cust_a",
            &format!("x{i}"),
            i,
        ));
    }
    v.push(aximo(&mut n, "execution_failed", "cust_a", "x0", 10));
    for i in 1..4 {
        v.push(aximo(
            &mut n,
            "execution_completed",
            "cust_a",
            &format!("x{i}"),
            20 + i,
        ));
    }
    for i in 4..6 {
        v.push(aximo(
            &mut n,
            "execution_triggered",
            "cust_a",
            &format!("x{i}"),
            120 + i,
        ));
        v.push(aximo(
            &mut n,
            "execution_completed",
            "cust_a",
            &format!("x{i}"),
            130 + i,
        ));
    }
    v.push(aximo(&mut n, "sla_breached", "cust_a", "x5", 140));
    for i in 0..10 {
        v.push(aximo(
            &mut n,
            "execution_failed",
            "cust_b",
            &format!("y{i}"),
            i,
        ));
    }
    store_of(&v)
}

#[test]
fn aximo_metrics_have_known_answers() {
    let (_d, store) = aximo_store();
    let m = metrics(&store, "cust_a", None, None).unwrap();
    assert_eq!(m.events, 13);
    let hours: Vec<(&str, u64)> = m
        .per_hour
        .iter()
        .map(|h| (h.hour.as_str(), h.count))
        .collect();
    assert_eq!(
        hours,
        [
            ("2026-05-01T08:00:00.000000Z", 8),
            ("2026-05-01T10:00:00.000000Z", 5)
        ]
    );
    assert_eq!(m.per_hour.iter().map(|h| h.count).sum::<u64>(), m.events);
    assert_eq!(m.mean_per_hour, 13.0 / 3.0, "08, 09 and 10: three hours");
    assert_eq!(m.peak_hour.as_ref().unwrap().count, 8);
    let top: Vec<(&str, u64)> = m
        .top_types
        .iter()
        .map(|t| (t.kind.as_str(), t.count))
        .collect();
    assert_eq!(
        top,
        [
            ("execution_triggered", 6),
            ("execution_completed", 5),
            ("execution_failed", 1),
            ("sla_breached", 1)
        ]
    );
    assert_eq!(m.distinct_types, 4);
    assert_eq!((m.error_rate.numerator, m.error_rate.denominator), (1, 6));
    assert_eq!(m.error_rate.rate, Some(1.0 / 6.0));
    assert_eq!(
        (m.sla_breach_rate.numerator, m.sla_breach_rate.denominator),
        (1, 5)
    );
    assert_eq!(m.sla_breach_rate.rate, Some(0.2));
    assert_eq!(
        m.approval_latency, None,
        "no approval cases here: no latency (tests/projections.rs has them)"
    );

    // A window narrows every figure alike: hour 10 only.
    let since = parse_bound("2026-05-01T09:00:00Z").ok();
    let m = metrics(&store, "cust_a", since, None).unwrap();
    assert_eq!(m.events, 5);
    assert_eq!((m.error_rate.numerator, m.error_rate.denominator), (0, 2));
    assert_eq!(m.sla_breach_rate.rate, Some(0.5));

    // The trap tenant: all failures, no triggers — a rate of nothing is null, not infinity.
    let b = metrics(&store, "cust_b", None, None).unwrap();
    assert_eq!(b.events, 10);
    assert_eq!(b.error_rate.rate, None);
    // An unknown tenant has no events, and no error.
    let none = metrics(&store, "nobody", None, None).unwrap();
    assert_eq!(none.events, 0);
    assert!(none.per_hour.is_empty());
}

const SPINE_RULE: &str = r#"
[[rules]]
name = "review agents failing"
metric = "error_rate"
type = "review.agent.*"
above = "5%"
window = "1h"
min_events = 5
"#;

/// Hour 08: 10 reviews, 1 failed (10% > 5%: fires). Hour 09: 20 reviews, 1 failed (exactly 5%:
/// does not fire). Hour 10: 2 reviews, 1 failed (50%, but under min_events: not judged).
/// globex fails every review in every hour and never shows up in acme's firings.
#[test]
fn the_spine_error_rate_rule_fires_and_does_not() {
    let mut n = 0;
    let mut v = Vec::new();
    for i in 0..10 {
        v.push(review(&mut n, "acme", i == 3, i));
    }
    for i in 0..20 {
        v.push(review(&mut n, "acme", i == 7, 60 + i));
    }
    for i in 0..2 {
        v.push(review(&mut n, "acme", i == 0, 120 + i));
    }
    for i in 0..30 {
        v.push(review(&mut n, "globex", true, i * 5));
    }
    let (_d, store) = store_of(&v);
    let rules = parse_rules(SPINE_RULE).unwrap();
    let r = evaluate(&store, "acme", &rules, None, None).unwrap();
    assert_eq!(r.rules[0].windows_judged, 2);
    assert_eq!(r.rules[0].firings, 1);
    assert_eq!(r.firings.len(), 1);
    let f = &r.firings[0];
    assert_eq!(f.window_start, "2026-05-01T08:00:00.000000Z");
    assert_eq!(f.window_end, "2026-05-01T09:00:00.000000Z");
    assert_eq!((f.numerator, f.denominator), (1, Some(10)));
    assert_eq!(f.value, 0.1);
    assert_eq!(f.comparison, Comparison::Above);
    assert_eq!(f.evidence.len(), 1);
    assert_eq!(
        f.evidence[0].id, "rv-acme-0004",
        "the failed review is the evidence"
    );
    assert_eq!(f.evidence_total, 1);

    // globex: every judged window fires, with its own events only.
    let g = evaluate(&store, "globex", &rules, None, None).unwrap();
    assert_eq!(g.firings.len(), 3);
    assert!(g
        .firings
        .iter()
        .flat_map(|f| &f.evidence)
        .all(|e| e.id.starts_with("rv-globex-")));

    // The same rule as JSON reads the same.
    let json_rules = parse_rules(
        r#"{"rules":[{"name":"review agents failing","metric":"error_rate","type":"review.agent.*","above":0.05,"window":"1h","min_events":5}]}"#,
    )
    .unwrap();
    assert_eq!(json_rules, rules);
}

#[test]
fn aximo_ratio_and_count_rules() {
    let (_d, store) = aximo_store();
    let rules = parse_rules(DEFAULT_RULES).unwrap();
    let r = evaluate(&store, "cust_a", &rules, None, None).unwrap();
    let by_rule = |name: &str| r.rules.iter().find(|o| o.rule.name == name).unwrap();
    // executions failing: 4 and 2 triggers an hour, under min_events 5: neither hour is judged.
    assert_eq!(by_rule("executions failing").windows_judged, 0);
    // SLA breaches over the day: 1 of 5 completions = 20% > 10%.
    assert_eq!(by_rule("SLA breaches").firings, 1);
    assert_eq!(r.firings.len(), 1);
    assert_eq!(r.firings[0].value, 0.2);
    assert_eq!(r.firings[0].window_start, "2026-05-01T00:00:00.000000Z");
    assert_eq!(r.firings[0].evidence[0].kind, "sla_breached");

    let rules = parse_rules(
        r#"
[[rules]]
name = "executions failing"
metric = "ratio"
type = "execution_failed"
over = "execution_triggered"
above = "5%"
window = "1h"

[[rules]]
name = "quiet hours"
metric = "count"
type = "execution_*"
below = 1
window = "1h"

[[rules]]
name = "SLA breaches"
metric = "ratio"
type = "sla_breached"
over = "execution_completed"
above = "40%"
window = "1d"
"#,
    )
    .unwrap();
    let r = evaluate(&store, "cust_a", &rules, None, None).unwrap();
    let names: Vec<(&str, &str)> = r
        .firings
        .iter()
        .map(|f| (f.rule.as_str(), f.window_start.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("executions failing", "2026-05-01T08:00:00.000000Z"),
            ("quiet hours", "2026-05-01T09:00:00.000000Z"),
        ],
        "SLA breaches are 1/5 = 20% over the day: under 40%"
    );
    let f = &r.firings[0];
    assert_eq!((f.numerator, f.denominator, f.value), (1, Some(4), 0.25));
    assert_eq!(f.evidence[0].kind, "execution_failed");
    assert_eq!(r.firings[1].value, 0.0);
    assert_eq!(r.firings[1].denominator, None);
}
