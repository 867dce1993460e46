//! Ordering tests: Kibana's fixed examples plus property tests on random graphs.

use proptest::prelude::*;

use super::*;

#[derive(Debug)]
struct Spec {
    name: String,
    required: Vec<String>,
    optional: Vec<String>,
}

fn spec(name: &str, required: &[&str], optional: &[&str]) -> Spec {
    Spec {
        name: name.to_owned(),
        required: required.iter().map(|s| s.to_string()).collect(),
        optional: optional.iter().map(|s| s.to_string()).collect(),
    }
}

fn order(specs: &[Spec]) -> Result<Vec<String>, OrderingFailure> {
    let index: std::collections::HashMap<&str, usize> = specs
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    let deps: Vec<Vec<GraphDep<'_>>> = specs
        .iter()
        .map(|s| {
            let mut deps: Vec<GraphDep<'_>> = Vec::new();
            let declared = s
                .required
                .iter()
                .map(|d| (d, true))
                .chain(s.optional.iter().map(|d| (d, false)));
            for (name, required) in declared {
                if !deps.iter().any(|dep| dep.name == name.as_str()) {
                    deps.push(GraphDep {
                        name,
                        position: index.get(name.as_str()).copied(),
                        required,
                    });
                }
            }
            deps
        })
        .collect();
    let nodes: Vec<GraphNode<'_>> = specs
        .iter()
        .zip(&deps)
        .map(|(s, deps)| GraphNode {
            name: &s.name,
            deps,
        })
        .collect();
    topological_order(&nodes[..])
        .map(|order| order.into_iter().map(|i| specs[i].name.clone()).collect())
}

#[test]
fn kibana_five_plugin_example() {
    let specs = [
        spec("order-4", &["order-2"], &[]),
        spec("order-0", &[], &[]),
        spec("order-2", &["order-1"], &["order-0"]),
        spec("order-1", &["order-0"], &[]),
        spec("order-3", &["order-2"], &["missing-dep"]),
    ];
    assert_eq!(
        order(&specs).unwrap(),
        ["order-0", "order-1", "order-2", "order-3", "order-4"]
    );
}

#[test]
fn takes_the_last_ready_plugin_first() {
    let specs = [
        spec("a", &[], &[]),
        spec("b", &[], &[]),
        spec("c", &[], &[]),
    ];
    assert_eq!(order(&specs).unwrap(), ["c", "b", "a"]);
}

#[test]
fn reports_cycles_and_missing_plugins() {
    let cyclic = [
        spec("a", &["b"], &[]),
        spec("b", &["c"], &[]),
        spec("c", &["a"], &[]),
        spec("d", &[], &[]),
    ];
    assert_eq!(
        order(&cyclic).unwrap_err(),
        OrderingFailure::Cycle {
            unordered: vec!["a".into(), "b".into(), "c".into()],
            cycle: vec!["a".into(), "b".into(), "c".into(), "a".into()],
        }
    );
    let self_loop = [spec("a", &[], &["a"])];
    assert!(
        matches!(order(&self_loop), Err(OrderingFailure::Cycle { cycle, .. }) if cycle == ["a", "a"])
    );
    let missing = [spec("a", &["b"], &[]), spec("b", &["x"], &[])];
    assert_eq!(
        order(&missing).unwrap_err(),
        OrderingFailure::Missing {
            unordered: vec!["a".into(), "b".into()],
            plugin: "b".into(),
            dependency: "x".into(),
        }
    );
}

/// A random DAG: plugin `i` may depend only on plugins with a larger index, then the insertion
/// order is shuffled so that the order is not trivially the input order.
fn dag() -> impl Strategy<Value = Vec<Spec>> {
    (1usize..40)
        .prop_flat_map(|n| {
            let edges = proptest::collection::vec((0..n, 0..n, any::<bool>()), 0..n * 3);
            let permutation = Just((0..n).collect::<Vec<usize>>()).prop_shuffle();
            (Just(n), edges, permutation)
        })
        .prop_map(|(n, edges, permutation)| {
            let mut specs: Vec<Spec> = (0..n).map(|i| spec(&format!("p{i}"), &[], &[])).collect();
            for (a, b, required) in edges {
                let (from, to) = (a.min(b), a.max(b));
                if from == to {
                    continue;
                }
                let dep = format!("p{to}");
                if required {
                    specs[from].required.push(dep);
                } else {
                    specs[from].optional.push(dep);
                }
            }
            let mut shuffled: Vec<Option<Spec>> = specs.into_iter().map(Some).collect();
            permutation
                .iter()
                .map(|&i| shuffled[i].take().unwrap())
                .collect()
        })
}

/// A random graph with at least one cycle: a DAG plus one back edge closing a chain.
fn cyclic_graph() -> impl Strategy<Value = Vec<Spec>> {
    (dag(), any::<prop::sample::Index>(), any::<bool>()).prop_map(|(mut specs, pick, required)| {
        let n = specs.len();
        let a = pick.index(n);
        let b = (a + 1) % n;
        // a -> b and b -> a (or a self-loop when there is one plugin).
        let (name_a, name_b) = (specs[a].name.clone(), specs[b].name.clone());
        specs[a].required.push(name_b);
        if required {
            specs[b].required.push(name_a);
        } else {
            specs[b].optional.push(name_a);
        }
        specs
    })
}

fn depends_on(specs: &[Spec], from: &str, to: &str) -> bool {
    specs
        .iter()
        .find(|s| s.name == from)
        .is_some_and(|s| s.required.iter().chain(&s.optional).any(|d| d == to))
}

/// Kibana 7.2's `getTopologicallySortedPluginNames`, quadratic as it was: after taking the last
/// entry of the work list, every remaining plugin is scanned in insertion order and those whose
/// last dependency it was are appended.
fn kibana_order(specs: &[Spec]) -> Option<Vec<String>> {
    let present: std::collections::HashSet<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    let mut remaining: Vec<(&str, std::collections::HashSet<&str>)> = specs
        .iter()
        .map(|s| {
            let deps = s
                .required
                .iter()
                .map(String::as_str)
                .chain(
                    s.optional
                        .iter()
                        .map(String::as_str)
                        .filter(|name| present.contains(name)),
                )
                .collect();
            (s.name.as_str(), deps)
        })
        .collect();
    let mut work: Vec<&str> = remaining
        .iter()
        .filter(|(_, deps)| deps.is_empty())
        .map(|(name, _)| *name)
        .collect();
    let mut sorted = Vec::new();
    while let Some(taken) = work.pop() {
        sorted.push(taken.to_owned());
        remaining.retain(|(name, _)| *name != taken);
        for (name, deps) in &mut remaining {
            if deps.remove(taken) && deps.is_empty() {
                work.push(name);
            }
        }
    }
    (sorted.len() == specs.len()).then_some(sorted)
}

proptest! {
    #[test]
    fn order_is_kibanas_on_random_graphs(specs in dag()) {
        prop_assert_eq!(order(&specs).ok(), kibana_order(&specs));
    }

    #[test]
    fn order_respects_every_edge_and_is_stable(specs in dag()) {
        let first = order(&specs).unwrap();
        prop_assert_eq!(first.len(), specs.len());
        let position = |name: &str| first.iter().position(|n| n == name).unwrap();
        for s in &specs {
            for dep in s.required.iter().chain(&s.optional) {
                prop_assert!(position(dep) < position(&s.name), "{} before its dependency {}", s.name, dep);
            }
        }
        prop_assert_eq!(order(&specs).unwrap(), first);
    }

    #[test]
    fn reported_cycle_is_a_real_cycle(specs in cyclic_graph()) {
        match order(&specs) {
            Err(OrderingFailure::Cycle { cycle, unordered }) => {
                prop_assert!(cycle.len() >= 2);
                prop_assert_eq!(cycle.first(), cycle.last());
                for pair in cycle.windows(2) {
                    prop_assert!(depends_on(&specs, &pair[0], &pair[1]), "{} -> {} is not an edge", pair[0], pair[1]);
                }
                for name in &cycle {
                    prop_assert!(unordered.contains(name));
                }
            }
            other => prop_assert!(false, "expected a cycle, got {:?}", other),
        }
    }
}
