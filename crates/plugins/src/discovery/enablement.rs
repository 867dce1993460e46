//! Which discovered plugins run: Kibana's enablement rule over the dependency links.

use super::PluginStatus;
use crate::dependency_graph::DepGraph;

/// Kibana's rule: a plugin runs when it is enabled and every plugin reachable through
/// `requiredPlugins` exists and is enabled. Computed in linear time by spreading "disabled"
/// backwards along required edges (Kibana's recursive walk is exponential on wide DAGs).
pub(super) fn statuses(graph: &DepGraph, explicitly_enabled: &[bool]) -> Vec<PluginStatus> {
    let n = graph.discovered();
    let mut runs: Vec<bool> = explicitly_enabled.to_vec();
    for (i, runs) in runs.iter_mut().enumerate() {
        if graph
            .links(i)
            .iter()
            .any(|link| link.required && graph.target(link).is_none())
        {
            *runs = false;
        }
    }
    let mut queue: Vec<usize> = (0..n).filter(|&i| !runs[i]).collect();
    if !queue.is_empty() {
        // Only when something is disabled: who requires whom, to spread it.
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
        for i in 0..n {
            for link in graph.links(i).iter().filter(|link| link.required) {
                if let Some(d) = graph.target(link) {
                    dependents[d].push(i);
                }
            }
        }
        while let Some(blocked) = queue.pop() {
            for &dependent in &dependents[blocked] {
                if runs[dependent] {
                    runs[dependent] = false;
                    queue.push(dependent);
                }
            }
        }
    }
    (0..n)
        .map(|i| {
            if runs[i] {
                PluginStatus::Enabled
            } else if !explicitly_enabled[i] {
                PluginStatus::Disabled
            } else {
                let missing = graph
                    .links(i)
                    .iter()
                    .filter(|link| link.required && !graph.target(link).is_some_and(|d| runs[d]))
                    .map(|link| graph.name(link).to_string())
                    .collect();
                PluginStatus::MissingDependencies(missing)
            }
        })
        .collect()
}
