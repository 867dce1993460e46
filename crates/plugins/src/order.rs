//! The setup order: Kibana's deterministic topological order of the plugin dependency graph.
//!
//! Edges go from a plugin to each of its required plugins and to each optional plugin that is
//! present. The order is Kahn's algorithm exactly as Kibana 7.2 ran it: the work list starts with
//! the plugins without dependencies in insertion order; the *last* entry is taken each time, and
//! the plugins it unblocks are appended in insertion order. Kibana rescanned every remaining
//! plugin per step (quadratic); walking the taken plugin's dependents in insertion order gives
//! the same order in linear time, over a petgraph graph of the resolved dependencies.

use std::collections::HashMap;

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};

/// A dependency graph as the ordering reads it: nodes `0..len()`, each with its declared
/// dependencies (each once, required ones first) resolved to node indexes.
pub(crate) trait DependencySource {
    /// The number of nodes.
    fn len(&self) -> usize;
    /// Node `i`'s dependencies: `(position, required)`, `position` being `None` when the
    /// dependency is not in the graph.
    fn deps(&self, i: usize) -> impl Iterator<Item = (Option<usize>, bool)> + '_;
    /// Node `i`'s name (for failures only).
    fn name(&self, i: usize) -> &str;
    /// The name of node `i`'s `k`-th dependency (for failures only).
    fn dep_name(&self, i: usize, k: usize) -> &str;
}

/// One plugin as the ordering tests describe it.
pub(crate) struct GraphNode<'a> {
    pub(crate) name: &'a str,
    /// Its declared dependencies, each once, required ones first.
    pub(crate) deps: &'a [GraphDep<'a>],
}

/// One declared dependency, already resolved to a position in the node list.
pub(crate) struct GraphDep<'a> {
    pub(crate) name: &'a str,
    /// Position of the dependency; `None` when it is not in the graph.
    pub(crate) position: Option<usize>,
    pub(crate) required: bool,
}

impl DependencySource for [GraphNode<'_>] {
    fn len(&self) -> usize {
        <[GraphNode<'_>]>::len(self)
    }

    fn deps(&self, i: usize) -> impl Iterator<Item = (Option<usize>, bool)> + '_ {
        self[i].deps.iter().map(|dep| (dep.position, dep.required))
    }

    fn name(&self, i: usize) -> &str {
        self[i].name
    }

    fn dep_name(&self, i: usize, k: usize) -> &str {
        self[i].deps[k].name
    }
}

/// Why no complete order exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OrderingFailure {
    /// `cycle[0]` depends on `cycle[1]` … and the last entry equals the first.
    Cycle {
        unordered: Vec<String>,
        cycle: Vec<String>,
    },
    /// `plugin` requires `dependency`, which is not in the graph.
    Missing {
        unordered: Vec<String>,
        plugin: String,
        dependency: String,
    },
}

/// The node indexes of `graph` in setup order, or why there is none.
pub(crate) fn topological_order<G: DependencySource + ?Sized>(
    graph: &G,
) -> Result<Vec<usize>, OrderingFailure> {
    let n = graph.len();
    // An edge `a -> b` means "a depends on b"; node `i` of the petgraph graph is node `i` here.
    let mut dag: DiGraph<(), (), u32> = DiGraph::with_capacity(n, n * 3);
    for _ in 0..n {
        dag.add_node(());
    }
    // Unresolved dependencies per node; a missing required plugin never resolves, a missing
    // optional one is no dependency at all.
    let mut pending = vec![0usize; n];
    for (i, pending) in pending.iter_mut().enumerate() {
        for (position, required) in graph.deps(i) {
            match position {
                Some(d) => {
                    dag.add_edge(NodeIndex::new(i), NodeIndex::new(d), ());
                    *pending += 1;
                }
                None if required => *pending += 1,
                None => {}
            }
        }
    }

    let mut work: Vec<usize> = (0..n).filter(|&i| pending[i] == 0).collect();
    let mut order = Vec::with_capacity(n);
    let mut dependents: Vec<usize> = Vec::new();
    while let Some(taken) = work.pop() {
        order.push(taken);
        // petgraph lists neighbours newest edge first; edges were added in insertion order.
        dependents.clear();
        dependents.extend(
            dag.neighbors_directed(NodeIndex::new(taken), Direction::Incoming)
                .map(|node| node.index()),
        );
        for &dependent in dependents.iter().rev() {
            pending[dependent] -= 1;
            if pending[dependent] == 0 {
                work.push(dependent);
            }
        }
    }

    if order.len() == n {
        Ok(order)
    } else {
        Err(explain_failure(graph, &pending))
    }
}

/// Walks from the first unordered plugin along unordered dependencies until it meets a missing
/// plugin or revisits one (a cycle). Every unordered plugin has an unordered or missing
/// dependency, so the walk ends.
fn explain_failure<G: DependencySource + ?Sized>(graph: &G, pending: &[usize]) -> OrderingFailure {
    let unordered: Vec<String> = (0..graph.len())
        .filter(|&i| pending[i] > 0)
        .map(|i| graph.name(i).to_owned())
        .collect();
    let Some(start) = (0..graph.len()).find(|&i| pending[i] > 0) else {
        unreachable!("explain_failure is only called when some plugin is unordered")
    };
    let mut path: Vec<usize> = vec![start];
    let mut position: HashMap<usize, usize> = HashMap::from([(start, 0)]);
    let mut current = start;
    loop {
        if let Some(k) = graph
            .deps(current)
            .position(|(position, required)| required && position.is_none())
        {
            return OrderingFailure::Missing {
                unordered,
                plugin: graph.name(current).to_owned(),
                dependency: graph.dep_name(current, k).to_owned(),
            };
        }
        let next = graph
            .deps(current)
            .filter_map(|(position, _)| position)
            .find(|&d| pending[d] > 0);
        let Some(next) = next else {
            unreachable!("an unordered plugin has an unordered or missing dependency")
        };
        if let Some(&at) = position.get(&next) {
            let mut cycle: Vec<String> = path[at..]
                .iter()
                .map(|&i| graph.name(i).to_owned())
                .collect();
            cycle.push(graph.name(next).to_owned());
            return OrderingFailure::Cycle { unordered, cycle };
        }
        position.insert(next, path.len());
        path.push(next);
        current = next;
    }
}

#[cfg(test)]
mod tests;
