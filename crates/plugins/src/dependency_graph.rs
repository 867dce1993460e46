//! The dependency links of every discovered plugin: its declared dependencies, resolved by name
//! once at discovery and stored flat (one array of links for all plugins), so enablement, ordering and the lifecycle
//! work on dense indexes: no name lookups, no per-plugin lists, no reference-count traffic on
//! other plugins' ids.

use std::any::TypeId;
use std::ops::Range;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

/// "No such index" in the `u32` index arrays.
const NONE: u32 = u32::MAX;

/// One declared dependency of a discovered plugin.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Link {
    /// Index in [`DepGraph::names`]: a discovered plugin when below the number of discovered
    /// plugins, otherwise the name of a plugin that was not discovered.
    name: u32,
    pub(crate) required: bool,
}

/// The resolved dependency graph of one discovery.
#[derive(Debug, Default)]
pub(crate) struct DepGraph {
    /// The ids of the discovered plugins in discovery order, then the names of declared
    /// dependencies that were not discovered.
    names: Vec<Arc<str>>,
    /// Per discovered plugin: its plugin type when it has a server part.
    types: Vec<Option<TypeId>>,
    /// Per discovered plugin: its declared dependencies are `links[starts[i]..starts[i + 1]]`
    /// (required then optional, each name once).
    starts: Vec<u32>,
    links: Vec<Link>,
    /// Per discovered plugin: its position in the lifecycle engine, `NONE` when not enabled.
    engine_position: Vec<u32>,
    /// Per engine plugin: its discovery index.
    engine_plugins: Vec<u32>,
}

impl DepGraph {
    /// Starts a graph over the discovered plugins `ids` (interned once; every later structure
    /// shares them) with their plugin types.
    pub(crate) fn new(ids: Vec<Arc<str>>, types: Vec<Option<TypeId>>) -> Self {
        debug_assert_eq!(ids.len(), types.len());
        let count = ids.len();
        let mut starts = Vec::with_capacity(count + 1);
        starts.push(0);
        Self {
            names: ids,
            types,
            starts,
            links: Vec::with_capacity(count * 3),
            engine_position: Vec::new(),
            engine_plugins: Vec::new(),
        }
    }

    /// Adds the declared dependencies of the next discovered plugin (in discovery order):
    /// `declared` yields `(name, required)`, required ones first; `positions` maps discovered
    /// ids to discovery indexes. A name declared twice is kept once, at its first occurrence.
    pub(crate) fn link_next<'a>(
        &mut self,
        declared: impl Iterator<Item = (&'a str, bool)>,
        positions: &FxHashMap<&str, usize>,
    ) {
        let start = self.links.len();
        let discovered = self.types.len();
        // A plugin declares a handful of dependencies, which a scan of its links checks for
        // repeats fastest; past `SCAN_LIMIT` of them a set takes over, so a manifest listing
        // 60 000 plugins costs linear time, not quadratic.
        const SCAN_LIMIT: usize = 16;
        let mut seen: Option<FxHashSet<Arc<str>>> = None;
        for (name, required) in declared {
            if let Some(seen) = &seen {
                if seen.contains(name) {
                    continue;
                }
            } else if self.links.len() - start == SCAN_LIMIT {
                let names = self.links[start..]
                    .iter()
                    .map(|link| Arc::clone(&self.names[link.name as usize]));
                seen = Some(names.collect());
                if seen.as_ref().is_some_and(|seen| seen.contains(name)) {
                    continue;
                }
            }
            let index = match positions.get(name) {
                Some(&found) => {
                    let found = index_u32(found);
                    if seen.is_none() && self.links[start..].iter().any(|link| link.name == found) {
                        continue;
                    }
                    found
                }
                None => {
                    let repeated = seen.is_none()
                        && self.links[start..].iter().any(|link| {
                            link.name as usize >= discovered
                                && *self.names[link.name as usize] == *name
                        });
                    if repeated {
                        continue;
                    }
                    self.names.push(Arc::from(name));
                    index_u32(self.names.len() - 1)
                }
            };
            if let Some(seen) = &mut seen {
                seen.insert(Arc::clone(&self.names[index as usize]));
            }
            self.links.push(Link {
                name: index,
                required,
            });
        }
        self.starts.push(index_u32(self.links.len()));
    }

    /// Records which discovered plugins take part in the lifecycle, in discovery order.
    pub(crate) fn set_enabled(&mut self, enabled: impl Iterator<Item = bool>) {
        self.engine_position.clear();
        self.engine_plugins.clear();
        for (i, enabled) in enabled.enumerate() {
            if enabled {
                self.engine_position
                    .push(index_u32(self.engine_plugins.len()));
                self.engine_plugins.push(index_u32(i));
            } else {
                self.engine_position.push(NONE);
            }
        }
    }

    /// Renumbers the engine plugins: the plugin at engine position `order[k]` moves to `k`.
    /// `order` must be a permutation of the engine positions.
    pub(crate) fn reorder_engine(&mut self, order: &[usize]) {
        debug_assert_eq!(order.len(), self.engine_plugins.len());
        let previous = std::mem::take(&mut self.engine_plugins);
        self.engine_plugins = order.iter().map(|&position| previous[position]).collect();
        for (position, &plugin) in self.engine_plugins.iter().enumerate() {
            self.engine_position[plugin as usize] = index_u32(position);
        }
    }

    /// How many plugins were discovered.
    pub(crate) fn discovered(&self) -> usize {
        self.types.len()
    }

    /// The declared dependencies of discovered plugin `i`.
    pub(crate) fn links(&self, i: usize) -> &[Link] {
        &self.links[self.range(i)]
    }

    fn range(&self, i: usize) -> Range<usize> {
        self.starts[i] as usize..self.starts[i + 1] as usize
    }

    /// The discovery index `link` points to, `None` when that plugin was not discovered.
    pub(crate) fn target(&self, link: &Link) -> Option<usize> {
        let index = link.name as usize;
        (index < self.discovered()).then_some(index)
    }

    /// The id `link` names.
    pub(crate) fn name(&self, link: &Link) -> &Arc<str> {
        &self.names[link.name as usize]
    }

    /// The plugin type of the plugin `link` names (enabled or not), when it has a server part.
    pub(crate) fn type_of(&self, link: &Link) -> Option<TypeId> {
        self.target(link).and_then(|index| self.types[index])
    }

    /// The engine position of the plugin `link` names, `None` when it is missing or disabled.
    pub(crate) fn position_of(&self, link: &Link) -> Option<usize> {
        let position = *self.engine_position.get(self.target(link)?)?;
        (position != NONE).then_some(position as usize)
    }

    /// The id of discovered plugin `i`.
    pub(crate) fn id(&self, i: usize) -> &Arc<str> {
        &self.names[i]
    }

    /// The number of plugins in the lifecycle engine.
    pub(crate) fn engine_len(&self) -> usize {
        self.engine_plugins.len()
    }

    /// The discovery index of engine plugin `position`.
    pub(crate) fn engine_plugin(&self, position: usize) -> usize {
        self.engine_plugins[position] as usize
    }

    /// The ids of every discovered plugin of type `type_id`, in discovery order (for messages).
    pub(crate) fn ids_of_type(&self, type_id: TypeId) -> impl Iterator<Item = &str> {
        self.types
            .iter()
            .zip(&self.names)
            .filter(move |(plugin_type, _)| **plugin_type == Some(type_id))
            .map(|(_, id)| &**id)
    }
}

/// Indexes are stored as `u32` to halve the arrays; four billion plugins are out of reach.
fn index_u32(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(NONE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph() -> DepGraph {
        let ids: Vec<Arc<str>> = ["a", "b", "c"].into_iter().map(Arc::from).collect();
        let types = vec![Some(TypeId::of::<u8>()), None, Some(TypeId::of::<u8>())];
        let positions: FxHashMap<&str, usize> =
            [("a", 0), ("b", 1), ("c", 2)].into_iter().collect();
        let mut graph = DepGraph::new(ids, types);
        graph.link_next(std::iter::empty(), &positions);
        graph.link_next(
            [
                ("a", true),
                ("x", true),
                ("a", false),
                ("x", false),
                ("c", false),
            ]
            .into_iter(),
            &positions,
        );
        graph.link_next([("y", false)].into_iter(), &positions);
        graph.set_enabled([true, true, false].into_iter());
        graph
    }

    /// Past the scan limit a set finds the repeats: the same links as the scan would keep, in
    /// the same order, for discovered and missing names alike.
    #[test]
    fn long_lists_link_each_name_once_too() {
        let ids: Vec<Arc<str>> = ["a", "b"].into_iter().map(Arc::from).collect();
        let positions: FxHashMap<&str, usize> = [("a", 0), ("b", 1)].into_iter().collect();
        let mut graph = DepGraph::new(ids, vec![None, None]);
        graph.link_next(std::iter::empty(), &positions);
        let missing: Vec<String> = (0..40).map(|i| format!("m{}", i % 30)).collect();
        let declared = missing.iter().map(|name| (name.as_str(), true)).chain([
            ("a", true),
            ("a", false),
            ("m3", false),
            ("m31", false),
        ]);
        graph.link_next(declared, &positions);
        let names: Vec<&str> = graph
            .links(1)
            .iter()
            .map(|link| &**graph.name(link))
            .collect();
        let mut expected: Vec<String> = (0..30).map(|i| format!("m{i}")).collect();
        expected.extend(["a".to_owned(), "m31".to_owned()]);
        assert_eq!(names, expected);
        assert_eq!(graph.target(&graph.links(1)[30]), Some(0));
    }

    #[test]
    fn links_each_name_once_and_resolves_positions_and_types() {
        let graph = graph();
        assert!(graph.links(0).is_empty());
        let links = graph.links(1);
        let described: Vec<_> = links
            .iter()
            .map(|link| {
                (
                    &**graph.name(link),
                    link.required,
                    graph.target(link),
                    graph.position_of(link),
                    graph.type_of(link).is_some(),
                )
            })
            .collect();
        assert_eq!(
            described,
            [
                ("a", true, Some(0), Some(0), true),
                ("x", true, None, None, false),
                ("c", false, Some(2), None, true),
            ]
        );
        assert_eq!(&**graph.name(&graph.links(2)[0]), "y");
        assert_eq!((graph.engine_len(), graph.engine_plugin(1)), (2, 1));
        let mut reordered = graph;
        reordered.reorder_engine(&[1, 0]);
        assert_eq!(
            (reordered.engine_plugin(0), reordered.engine_plugin(1)),
            (1, 0)
        );
        assert_eq!(reordered.position_of(&reordered.links(1)[0]), Some(1));
        let graph = reordered;
        assert_eq!(
            graph.ids_of_type(TypeId::of::<u8>()).collect::<Vec<_>>(),
            ["a", "c"]
        );
    }
}
