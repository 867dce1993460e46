//! The plugin dependency graph and Kibana's deterministic topological order.
//!
//! Edges go from a plugin to each of its required plugins and to each optional plugin that is
//! present. The order is Kahn's algorithm exactly as Kibana 7.2 ran it: the work list starts with
//! the plugins without dependencies in insertion order; the *last* entry is taken each time, and
//! the plugins it unblocks are appended in insertion order. Kibana rescanned every remaining
//! plugin per step (quadratic); walking the taken plugin's dependents in insertion order gives
//! the same order in linear time.

use std::collections::HashMap;

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};

/// One plugin as the graph sees it.
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

/// The indexes of `nodes` in setup order, or why there is none.
pub(crate) fn topological_order(nodes: &[GraphNode<'_>]) -> Result<Vec<usize>, OrderingFailure> {
    // Node weights are positions in `nodes`; an edge `a -> b` means "a depends on b".
    let edge_count = nodes.iter().map(|node| node.deps.len()).sum();
    let mut graph: DiGraph<usize, ()> = DiGraph::with_capacity(nodes.len(), edge_count);
    for i in 0..nodes.len() {
        graph.add_node(i);
    }
    // Unresolved dependencies per plugin; a missing required plugin never resolves, a missing
    // optional one is no dependency at all.
    let mut pending = vec![0usize; nodes.len()];
    for (i, node) in nodes.iter().enumerate() {
        for dep in node.deps {
            match dep.position {
                Some(d) => {
                    graph.add_edge(NodeIndex::new(i), NodeIndex::new(d), ());
                    pending[i] += 1;
                }
                None if dep.required => pending[i] += 1,
                None => {}
            }
        }
    }

    let mut work: Vec<usize> = (0..nodes.len()).filter(|&i| pending[i] == 0).collect();
    let mut order = Vec::with_capacity(nodes.len());
    let mut dependents: Vec<usize> = Vec::new();
    while let Some(taken) = work.pop() {
        order.push(taken);
        // petgraph lists neighbours newest edge first; edges were added in insertion order.
        dependents.clear();
        dependents.extend(
            graph
                .neighbors_directed(NodeIndex::new(taken), Direction::Incoming)
                .map(|n| n.index()),
        );
        for &dependent in dependents.iter().rev() {
            pending[dependent] -= 1;
            if pending[dependent] == 0 {
                work.push(dependent);
            }
        }
    }

    if order.len() == nodes.len() {
        Ok(order)
    } else {
        Err(explain_failure(nodes, &pending))
    }
}

/// Walks from the first unordered plugin along unordered dependencies until it meets a missing
/// plugin or revisits one (a cycle). Every unordered plugin has an unordered or missing
/// dependency, so the walk ends.
fn explain_failure(nodes: &[GraphNode<'_>], pending: &[usize]) -> OrderingFailure {
    let unordered: Vec<String> = (0..nodes.len())
        .filter(|&i| pending[i] > 0)
        .map(|i| nodes[i].name.to_owned())
        .collect();
    let Some(start) = (0..nodes.len()).find(|&i| pending[i] > 0) else {
        unreachable!("explain_failure is only called when some plugin is unordered")
    };
    let mut path: Vec<usize> = vec![start];
    let mut position: HashMap<usize, usize> = HashMap::from([(start, 0)]);
    let mut current = start;
    loop {
        let node = &nodes[current];
        if let Some(dep) = node
            .deps
            .iter()
            .find(|dep| dep.required && dep.position.is_none())
        {
            return OrderingFailure::Missing {
                unordered,
                plugin: node.name.to_owned(),
                dependency: dep.name.to_owned(),
            };
        }
        let next = node
            .deps
            .iter()
            .filter_map(|dep| dep.position)
            .find(|&d| pending[d] > 0);
        let Some(next) = next else {
            unreachable!("an unordered plugin has an unordered or missing dependency")
        };
        if let Some(&at) = position.get(&next) {
            let mut cycle: Vec<String> = path[at..]
                .iter()
                .map(|&i| nodes[i].name.to_owned())
                .collect();
            cycle.push(nodes[next].name.to_owned());
            return OrderingFailure::Cycle { unordered, cycle };
        }
        position.insert(next, path.len());
        path.push(next);
        current = next;
    }
}

#[cfg(test)]
mod tests;
