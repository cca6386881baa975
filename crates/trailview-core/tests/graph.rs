//! The correlation / causation graph, on real stores built from scenarios written from the
//! seeds: the ConnectSoft causation chain (a fork, a missing cause, a cycle), a Spine
//! correlation chain, a chain crossing three dialects, a cross-tenant trap, and a 5,000-event
//! chain.

mod common;

use common::{ingest_bytes, temp_store};
use serde_json::json;
use trailview_core::graph::{build, EdgeKind, Graph, GraphError, NodeKind, Scope};

/// A ConnectSoft envelope (seed 003) as one NDJSON line.
fn cs(id: &str, ty: &str, tenant: &str, corr: &str, cause: Option<&str>, at: &str) -> String {
    json!({
        "eventId": id, "eventType": ty, "tenantId": tenant, "projectId": "proj-booking-saas",
        "moduleId": "module-reservations-api", "traceId": "trace-9f1c2b7d",
        "correlationId": corr, "causationId": cause, "occurredAt": at, "payload": {}
    })
    .to_string()
}

/// An Event Spine event (seed 000) in a correlation chain.
fn spine(id: &str, ty: &str, org: &str, corr: &str, at: &str) -> String {
    json!({
        "eventId": id, "type": ty, "source": "meshos.review-service", "orgId": org,
        "timestamp": at, "data": {}, "metadata": {"correlationId": corr, "userId": "user_dana"}
    })
    .to_string()
}

fn store_of(lines: &[String]) -> (tempfile::TempDir, trailview_core::store::Store) {
    let (dir, mut store) = temp_store();
    let body = lines.join("\n") + "\n";
    let s = ingest_bytes(&mut store, body.as_bytes(), "scenario.ndjson");
    assert_eq!(
        s.accepted as usize,
        lines.len(),
        "every scenario line is stored"
    );
    (dir, store)
}

fn ids(g: &Graph, nodes: &[u32]) -> Vec<String> {
    nodes
        .iter()
        .map(|&i| g.nodes[i as usize].id.clone())
        .collect()
}

fn edge(g: &Graph, from: &str, to: &str) -> Option<EdgeKind> {
    let (f, t) = (g.node(from)?, g.node(to)?);
    g.edges
        .iter()
        .find(|e| e.from == f && e.to == t)
        .map(|e| e.kind)
}

/// The ConnectSoft causation chain with a fork (two effects of one cause) and a missing cause.
#[test]
fn causation_tree_with_a_fork_and_a_missing_parent() {
    let corr = "corr-3a6e1d40";
    let (_d, store) = store_of(&[
        cs(
            "evt-a",
            "ArtifactCreated",
            "connectsoft",
            corr,
            None,
            "2026-06-11T00:00:00Z",
        ),
        cs(
            "evt-b",
            "AgentTaskStarted",
            "connectsoft",
            corr,
            Some("evt-a"),
            "2026-06-11T00:01:00Z",
        ),
        cs(
            "evt-c",
            "BuildQueued",
            "connectsoft",
            corr,
            Some("evt-a"),
            "2026-06-11T00:02:00Z",
        ),
        cs(
            "evt-d",
            "AgentTaskCompleted",
            "connectsoft",
            corr,
            Some("evt-b"),
            "2026-06-11T00:10:00Z",
        ),
        // Its cause was never delivered to this store.
        cs(
            "evt-e",
            "DeploymentPromoted",
            "connectsoft",
            corr,
            Some("evt-lost"),
            "2026-06-11T00:11:00Z",
        ),
    ]);
    let g = build(
        &store,
        "connectsoft",
        &Scope::Correlation(corr.into()),
        5000,
    )
    .unwrap();
    assert!(!g.truncated);
    assert_eq!(g.nodes.len(), 6, "five events and one placeholder");
    let lost = g
        .node("evt-lost")
        .expect("a placeholder for the missing cause");
    assert_eq!(g.nodes[lost as usize].kind, NodeKind::Missing);
    assert_eq!(g.nodes[lost as usize].seq, None);
    assert_eq!(g.orphans.len(), 1);
    assert_eq!(g.orphans[0].missing_id, "evt-lost");
    assert_eq!(g.orphans[0].link, EdgeKind::Causation);
    assert_eq!(g.nodes[g.orphans[0].node as usize].id, "evt-e");

    assert_eq!(edge(&g, "evt-a", "evt-b"), Some(EdgeKind::Causation));
    assert_eq!(edge(&g, "evt-a", "evt-c"), Some(EdgeKind::Causation));
    assert_eq!(edge(&g, "evt-b", "evt-d"), Some(EdgeKind::Causation));
    assert_eq!(edge(&g, "evt-lost", "evt-e"), Some(EdgeKind::Causation));
    // Time order within the chain where no causation says it already.
    assert_eq!(edge(&g, "evt-b", "evt-c"), Some(EdgeKind::Sequence));
    assert_eq!(edge(&g, "evt-c", "evt-d"), Some(EdgeKind::Sequence));
    assert_eq!(edge(&g, "evt-d", "evt-e"), Some(EdgeKind::Sequence));

    assert_eq!(ids(&g, &g.forks), ["evt-a", "evt-b"]);
    assert_eq!(ids(&g, &g.roots), ["evt-a", "evt-lost"]);
    assert_eq!(ids(&g, &g.leaves), ["evt-e"]);
    assert!(g.cycles.is_empty());
    // a → b → c → d → e is the longest chain: 11 minutes, 4 edges.
    assert_eq!(
        ids(&g, &g.critical_path),
        ["evt-a", "evt-b", "evt-c", "evt-d", "evt-e"]
    );
    assert_eq!(g.critical_path_us, 11 * 60 * 1_000_000);
    assert_eq!(g.depth, 4);
    // The path to the root follows causation first: e → lost.
    let e = g.node("evt-e").unwrap();
    assert_eq!(ids(&g, &g.path_to_root(e)), ["evt-e", "evt-lost"]);
    let d = g.node("evt-d").unwrap();
    assert_eq!(ids(&g, &g.path_to_root(d)), ["evt-d", "evt-b", "evt-a"]);
    // The fork opens a second lane; time runs left to right.
    assert!(g.lanes >= 2);
    let xs: Vec<f64> = g.nodes.iter().map(|n| n.x).collect();
    assert!(xs.windows(2).all(|w| w[0] < w[1]));
    for e in &g.edges {
        let (a, b) = (&g.nodes[e.from as usize], &g.nodes[e.to as usize]);
        assert_eq!(e.route[0].x, a.x);
        assert_eq!(e.route[2].y, b.y);
    }
}

/// The Ecosystem taxonomy's `trace.parentEventId` naming an event this store never received:
/// a missing parent, shown as a placeholder with a parent edge, and listed as an orphan.
#[test]
fn a_missing_parent_is_an_orphan_placeholder() {
    let eco = |id: &str, parent: Option<&str>, at: &str| {
        json!({
            "eventId": id, "eventName": "agent.run.step", "eventVersion": 1, "occurredAt": at,
            "productId": "cowork", "orgId": "acme", "runId": "run_9",
            "actor": {"actorType": "agent", "actorId": "agent_planner"},
            "trace": {"correlationId": "corr_run_9", "causationId": null, "parentEventId": parent},
            "payload": {}
        })
        .to_string()
    };
    let (_d, store) = store_of(&[
        eco("run-root", None, "2026-04-05T09:00:00Z"),
        eco("step-1", Some("run-root"), "2026-04-05T09:00:01Z"),
        eco("step-2", Some("run-root"), "2026-04-05T09:00:02Z"),
        eco("step-3", Some("parent-never-sent"), "2026-04-05T09:00:03Z"),
    ]);
    let g = build(
        &store,
        "acme",
        &Scope::Correlation("corr_run_9".into()),
        5000,
    )
    .unwrap();
    let p = g.node("parent-never-sent").unwrap();
    assert_eq!(g.nodes[p as usize].kind, NodeKind::Missing);
    assert_eq!(
        edge(&g, "parent-never-sent", "step-3"),
        Some(EdgeKind::Parent)
    );
    assert_eq!(g.orphans.len(), 1);
    assert_eq!(g.orphans[0].link, EdgeKind::Parent);
    assert_eq!(g.orphans[0].missing_id, "parent-never-sent");
    assert_eq!(
        ids(&g, &g.forks),
        ["run-root"],
        "two children of the run's root"
    );
    assert_eq!(edge(&g, "run-root", "step-1"), Some(EdgeKind::Parent));
    assert_eq!(edge(&g, "step-1", "step-2"), Some(EdgeKind::Sequence));
    assert_eq!(ids(&g, &g.roots), ["run-root", "parent-never-sent"]);
}

/// Bad data: A caused by B, B caused by A. Reported as a cycle, never a hang.
#[test]
fn a_causation_cycle_is_reported_not_followed_forever() {
    let corr = "corr-loop";
    let (_d, store) = store_of(&[
        cs(
            "evt-x",
            "OrderPlaced",
            "t1",
            corr,
            Some("evt-y"),
            "2026-06-11T00:00:00Z",
        ),
        cs(
            "evt-y",
            "OrderPaid",
            "t1",
            corr,
            Some("evt-x"),
            "2026-06-11T00:00:05Z",
        ),
        cs(
            "evt-z",
            "OrderShipped",
            "t1",
            corr,
            Some("evt-z"),
            "2026-06-11T00:00:09Z",
        ),
    ]);
    let g = build(&store, "t1", &Scope::Correlation(corr.into()), 5000).unwrap();
    assert_eq!(g.nodes.len(), 3);
    assert_eq!(g.cycles.len(), 2, "{:?}", g.cycles);
    assert!(g
        .cycles
        .contains(&vec![g.node("evt-x").unwrap(), g.node("evt-y").unwrap()]));
    assert!(
        g.cycles.contains(&vec![g.node("evt-z").unwrap()]),
        "a self-cause"
    );
    assert!(g.edges.iter().any(|e| e.in_cycle));
    // Every node still reaches a root through `up`.
    for i in 0..g.nodes.len() as u32 {
        let p = g.path_to_root(i);
        assert!(g.nodes[*p.last().unwrap() as usize].up.is_none());
    }
    // The event scope walks the loop and stops.
    let g2 = build(&store, "t1", &Scope::Event("evt-y".into()), 5000).unwrap();
    assert_eq!(g2.nodes.len(), 3);
    assert_eq!(g2.cycles.len(), 2);
}

/// One correlation id across three dialects of one tenant: a Spine event, the ConnectSoft
/// event it caused, and an Ecosystem event caused by that one with the Spine event as parent.
#[test]
fn a_chain_crossing_dialects_is_one_graph() {
    let corr = "corr-cross-1";
    let eco = json!({
        "eventId": "eco-3", "eventName": "artifact.published", "eventVersion": 1,
        "occurredAt": "2026-06-11T00:02:00Z", "productId": "notelett", "sourceSurface": "web",
        "userId": "user_dana", "orgId": "acme",
        "actor": {"actorType": "user", "actorId": "user_dana"},
        "trace": {"correlationId": corr, "causationId": "cs-2", "parentEventId": "spine-1"},
        "payload": {}
    })
    .to_string();
    let (_d, store) = store_of(&[
        spine(
            "spine-1",
            "review.complete",
            "acme",
            corr,
            "2026-06-11T00:00:00.000Z",
        ),
        cs(
            "cs-2",
            "ArtifactCreated",
            "acme",
            corr,
            Some("spine-1"),
            "2026-06-11T00:01:00Z",
        ),
        eco,
    ]);
    let g = build(&store, "acme", &Scope::Correlation(corr.into()), 5000).unwrap();
    let dialects: Vec<&str> = g
        .nodes
        .iter()
        .map(|n| n.dialect.unwrap().as_str())
        .collect();
    assert_eq!(dialects, ["spine", "connectsoft", "ecosystem"]);
    assert_eq!(edge(&g, "spine-1", "cs-2"), Some(EdgeKind::Causation));
    assert_eq!(edge(&g, "cs-2", "eco-3"), Some(EdgeKind::Causation));
    assert_eq!(edge(&g, "spine-1", "eco-3"), Some(EdgeKind::Parent));
    assert_eq!(
        g.edges.len(),
        3,
        "sequence edges repeating a link are left out"
    );
    assert!(g.orphans.is_empty());
    assert_eq!(ids(&g, &g.roots), ["spine-1"]);
    assert_eq!(ids(&g, &g.forks), ["spine-1"]);
    // From the middle event, the component is the same three.
    let g2 = build(&store, "acme", &Scope::Event("cs-2".into()), 5000).unwrap();
    assert_eq!(g2.nodes.len(), 3);
    assert_eq!(g2.scope, "event");
}

/// The same correlation id in two tenants, and a cause that exists only in the other tenant:
/// nothing of the other tenant appears, the cause is a missing placeholder.
#[test]
fn the_same_correlation_id_in_two_tenants_never_mixes() {
    let corr = "corr-shared";
    let (_d, store) = store_of(&[
        cs(
            "a-1",
            "OrderPlaced",
            "acme",
            corr,
            None,
            "2026-06-11T00:00:00Z",
        ),
        cs(
            "g-1",
            "OrderPlaced",
            "globex",
            corr,
            None,
            "2026-06-11T00:00:01Z",
        ),
        cs(
            "a-2",
            "OrderPaid",
            "acme",
            corr,
            Some("g-1"),
            "2026-06-11T00:00:02Z",
        ),
        cs(
            "g-2",
            "OrderPaid",
            "globex",
            corr,
            Some("g-1"),
            "2026-06-11T00:00:03Z",
        ),
    ]);
    let g = build(&store, "acme", &Scope::Correlation(corr.into()), 5000).unwrap();
    let names: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(
        names,
        ["a-1", "g-1", "a-2"],
        "a placeholder sits before its referrer"
    );
    let g1 = &g.nodes[1];
    assert_eq!(g1.kind, NodeKind::Missing, "globex's event is not acme's");
    assert_eq!(g1.seq, None);
    assert_eq!(g.orphans.len(), 1);
    // The event scope from acme cannot reach globex either.
    let g2 = build(&store, "acme", &Scope::Event("a-2".into()), 5000).unwrap();
    assert!(g2
        .nodes
        .iter()
        .all(|n| n.kind == NodeKind::Missing || n.id.starts_with("a-")));
    match build(&store, "acme", &Scope::Event("g-2".into()), 5000) {
        Err(GraphError::NotFound(m)) => assert!(m.contains("acme"), "{m}"),
        other => panic!("expected not found, got {other:?}"),
    }
    match build(&store, "nobody", &Scope::Correlation(corr.into()), 5000) {
        Err(GraphError::NotFound(_)) => {}
        other => panic!("expected not found, got {other:?}"),
    }
}

/// A link to a stored event outside the scope shows it as context, not as missing.
#[test]
fn a_link_leaving_the_scope_is_context() {
    let (_d, store) = store_of(&[
        cs(
            "c-1",
            "BuildQueued",
            "t",
            "corr-1",
            None,
            "2026-06-11T00:00:00Z",
        ),
        cs(
            "c-2",
            "BuildStarted",
            "t",
            "corr-2",
            Some("c-1"),
            "2026-06-11T00:00:03Z",
        ),
    ]);
    let g = build(&store, "t", &Scope::Correlation("corr-2".into()), 5000).unwrap();
    assert_eq!(g.nodes.len(), 2);
    assert_eq!(g.nodes[0].kind, NodeKind::Context);
    assert!(g.nodes[0].seq.is_some());
    assert!(g.orphans.is_empty());
    let t = build(&store, "t", &Scope::Trace("trace-9f1c2b7d".into()), 5000).unwrap();
    assert_eq!(t.nodes.len(), 2);
    assert_eq!(t.scope, "trace");
}

/// A Spine chain of 5,000 events: one lane, depth 4,999, and a clear truncation below that.
#[test]
fn a_five_thousand_event_chain() {
    let corr = "corr_review_big";
    let lines: Vec<String> = (0..5000)
        .map(|i| {
            let at = 1_781_136_000_000 + i as i64 * 1000;
            json!({
                "eventId": format!("ev-{i:05}"), "type": "review.agent.complete",
                "source": "meshos.review-service", "orgId": "acme", "timestamp": at,
                "data": {}, "metadata": {"correlationId": corr}
            })
            .to_string()
        })
        .collect();
    let (_d, store) = store_of(&lines);
    let g = build(&store, "acme", &Scope::Correlation(corr.into()), 5000).unwrap();
    assert_eq!(g.nodes.len(), 5000);
    assert!(!g.truncated);
    assert_eq!(g.lanes, 1);
    assert_eq!(g.depth, 4999);
    assert_eq!(g.critical_path.len(), 5000);
    assert_eq!(g.critical_path_us, 4999 * 1_000_000);
    assert_eq!(g.roots, [0]);
    assert_eq!(g.leaves, [4999]);
    assert!(g.edges.iter().all(|e| e.kind == EdgeKind::Sequence));
    let small = build(&store, "acme", &Scope::Correlation(corr.into()), 100).unwrap();
    assert!(small.truncated);
    assert_eq!(small.nodes.len(), 100);
    assert_eq!(
        small.nodes[0].id, "ev-00000",
        "the earliest events are kept"
    );
}

/// An Aximo execution (seed 001 §5): no correlation id, no causation — the execution id chains
/// its events in time order; another customer's execution of the same id stays out.
#[test]
fn an_aximo_execution_is_chained_by_its_execution_id() {
    let ax = |id: &str, ty: &str, customer: &str, at: &str| {
        json!({
            "event_id": id, "event_type": ty, "timestamp": at, "customer_id": customer,
            "deployment_id": "dep_lead_capture_eu", "skill_id": "skill_lead_capture",
            "skill_version": "1.3.0", "execution_id": "exec_77", "actor": "system", "payload": {}
        })
        .to_string()
    };
    let (_d, store) = store_of(&[
        ax(
            "ax-1",
            "execution_triggered",
            "cust_a",
            "2026-05-01T08:00:00Z",
        ),
        ax(
            "ax-2",
            "execution_processing",
            "cust_a",
            "2026-05-01T08:00:01Z",
        ),
        ax(
            "bx-1",
            "execution_triggered",
            "cust_b",
            "2026-05-01T08:00:01Z",
        ),
        ax(
            "ax-3",
            "approval_requested",
            "cust_a",
            "2026-05-01T08:00:02Z",
        ),
        ax("ax-4", "approval_granted", "cust_a", "2026-05-01T08:20:02Z"),
        ax(
            "ax-5",
            "action_dispatched",
            "cust_a",
            "2026-05-01T08:20:03Z",
        ),
        ax(
            "ax-6",
            "execution_completed",
            "cust_a",
            "2026-05-01T08:20:04Z",
        ),
    ]);
    let g = build(&store, "cust_a", &Scope::Execution("exec_77".into()), 5000).unwrap();
    assert_eq!(
        ids(&g, &(0..g.nodes.len() as u32).collect::<Vec<_>>()),
        ["ax-1", "ax-2", "ax-3", "ax-4", "ax-5", "ax-6"]
    );
    assert!(g.edges.iter().all(|e| e.kind == EdgeKind::Sequence));
    assert_eq!(g.edges.len(), 5);
    assert_eq!(g.critical_path_us, 20 * 60 * 1_000_000 + 4_000_000);
    assert_eq!(g.lanes, 1);
}

/// Regression (found by the property test below): a cause stamped *after* its effect (clock
/// skew between producers) is laid out without panicking, its edge pointing back in time.
#[test]
fn a_cause_stamped_after_its_effect() {
    let (_d, store) = store_of(&[
        cs(
            "late-cause",
            "OrderPlaced",
            "t",
            "corr-skew",
            None,
            "2026-06-11T00:00:09Z",
        ),
        cs(
            "early-effect",
            "OrderPaid",
            "t",
            "corr-skew",
            Some("late-cause"),
            "2026-06-11T00:00:01Z",
        ),
    ]);
    let g = build(&store, "t", &Scope::Correlation("corr-skew".into()), 5000).unwrap();
    assert_eq!(ids(&g, &[0, 1]), ["early-effect", "late-cause"]);
    assert_eq!(
        edge(&g, "late-cause", "early-effect"),
        Some(EdgeKind::Causation)
    );
    assert_eq!(ids(&g, &g.roots), ["late-cause"]);
    assert!(g.cycles.is_empty());
    assert_eq!(ids(&g, &g.path_to_root(0)), ["early-effect", "late-cause"]);
}

mod properties {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    /// One generated event: its cause and parent (an index ≥ the event count names an id that
    /// is never stored), its chain (0 or 1) and its second.
    type Spec = (Option<usize>, Option<usize>, u8, u8);

    fn events() -> impl Strategy<Value = Vec<Spec>> {
        prop::collection::vec(
            (
                prop::option::of(0usize..24),
                prop::option::of(0usize..24),
                0u8..2,
                0u8..30,
            ),
            1..20,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// Whatever the links — forks, cycles, self-causes, missing targets, equal times — the
        /// graph is built (never hangs), and its analysis and layout hold together.
        #[test]
        fn any_links_give_a_consistent_graph(specs in events()) {
            let id = |i: usize| format!("e{i}");
            let lines: Vec<String> = specs
                .iter()
                .enumerate()
                .map(|(i, (cause, parent, chain, sec))| {
                    json!({
                        "eventId": id(i), "eventName": "step.done", "eventVersion": 1,
                        "occurredAt": format!("2026-06-11T00:00:{sec:02}Z"), "productId": "p",
                        "orgId": "t", "actor": {"actorType": "system", "actorId": "s"},
                        "trace": {"correlationId": format!("c{chain}"),
                                  "causationId": cause.map(id), "parentEventId": parent.map(id)},
                        "payload": {}
                    })
                    .to_string()
                })
                .collect();
            let (_d, store) = store_of(&lines);
            for scope in [Scope::Correlation("c0".into()), Scope::Event("e0".into())] {
                let g = match build(&store, "t", &scope, 5000) {
                    Ok(g) => g,
                    Err(GraphError::NotFound(_)) => continue, // no event in chain c0
                    Err(e) => panic!("{e}"),
                };
                let n = g.nodes.len() as u32;
                let stored: HashSet<String> = (0..specs.len()).map(id).collect();
                // Edges: valid, one per pair.
                let mut pairs = HashSet::new();
                for e in &g.edges {
                    prop_assert!(e.from < n && e.to < n);
                    prop_assert!(pairs.insert((e.from, e.to)));
                }
                // Time order left to right; placeholders only for ids never stored.
                prop_assert!(g.nodes.windows(2).all(|w| w[0].x < w[1].x));
                for node in &g.nodes {
                    prop_assert_eq!(node.kind == NodeKind::Missing, !stored.contains(&node.id));
                    prop_assert!(node.lane < g.lanes.max(1));
                }
                for o in &g.orphans {
                    prop_assert_eq!(g.nodes[o.placeholder as usize].kind, NodeKind::Missing);
                }
                // Roots have no incoming edge, leaves no outgoing one, but those the acyclic
                // view leaves out: edges inside a cycle, and time-order edges against a cause.
                let aside = |e: &trailview_core::graph::GraphEdge| e.in_cycle || e.kind == EdgeKind::Sequence;
                for &r in &g.roots {
                    prop_assert!(g.edges.iter().filter(|e| e.to == r).all(aside));
                }
                for &l in &g.leaves {
                    prop_assert!(g.edges.iter().filter(|e| e.from == l).all(aside));
                }
                prop_assert!(!g.roots.is_empty(), "the acyclic view always has a root");
                // Every node reaches a node without `up`, through edges, in at most n steps.
                for i in 0..n {
                    let p = g.path_to_root(i);
                    prop_assert!(p.len() <= n as usize);
                    prop_assert!(g.nodes[*p.last().unwrap() as usize].up.is_none());
                    for w in p.windows(2) {
                        prop_assert!(pairs.contains(&(w[1], w[0])));
                    }
                }
                // The critical path follows edges.
                for w in g.critical_path.windows(2) {
                    prop_assert!(pairs.contains(&(w[0], w[1])));
                }
                // A self-cause is always reported as a cycle.
                for (i, (cause, _, chain, _)) in specs.iter().enumerate() {
                    if *cause == Some(i) && *chain == 0 && scope.kind() == "correlation" {
                        let v = g.node(&id(i)).unwrap();
                        prop_assert!(g.cycles.iter().any(|c| c.contains(&v)));
                    }
                }
            }
        }
    }
}
