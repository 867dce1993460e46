//! Plugin discovery: reads every registration's `kibana.json` ([`manifest`]; problems are
//! [`error::PluginDiscoveryError`]s), rejects duplicate ids, resolves the declared dependencies
//! once into a [`DepGraph`], decides which plugins are enabled ([`enablement`]), and wraps the
//! enabled ones for the lifecycle engine.

mod enablement;
pub(crate) mod error;
pub(crate) mod manifest;

use std::any::TypeId;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use core_config::ConfigService;
use core_logging::Logger;
use rustc_hash::FxHashMap;

use self::error::PluginDiscoveryError;
use self::manifest::{PluginManifest, PluginName};
use crate::context::{PluginInfo, PluginOpaqueId};
use crate::dependency_graph::DepGraph;
use crate::error::PluginsError;
use crate::plugin::CoreContracts;
use crate::registration::{ConfigCheck, ManifestSource, PluginRegistration, ServerPart};
use crate::wrapper::PluginWrapper;

/// Whether a discovered plugin takes part in the lifecycle, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PluginStatus {
    /// Enabled, with all its required plugins.
    Enabled,
    /// `<configPath>.enabled` is `false`.
    Disabled,
    /// Enabled itself, but these required plugins are missing or disabled.
    MissingDependencies(Vec<PluginName>),
}

/// The outcome of [`PluginsService::discover`](crate::PluginsService::discover): every
/// discovered plugin in discovery order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiscoveredPlugins {
    /// `(id, status)` per plugin.
    pub plugins: Vec<(PluginName, PluginStatus)>,
}

/// What one discovery hands to the plugins service.
pub(crate) struct Discovery<C: CoreContracts> {
    /// Every discovered plugin with its status.
    pub(crate) report: DiscoveredPlugins,
    /// The enabled plugins in discovery order; a plugin's index here is its engine position in
    /// `graph`.
    pub(crate) plugins: Vec<PluginWrapper<C>>,
    /// The dependency links of every discovered plugin, with the engine positions set.
    pub(crate) graph: DepGraph,
}

/// One registration whose manifest parsed.
struct Candidate<C: CoreContracts> {
    manifest: Arc<PluginManifest>,
    source: String,
    server: Option<ServerPart<C>>,
    config_check: Option<ConfigCheck>,
}

/// Discovers the plugins of `registrations`: parses their manifests, checks their ids, links
/// their dependencies, decides which are enabled (logging why the others are not) and wraps
/// those for the engine.
///
/// # Arguments
///
/// * `config` - the server's config: its version, each plugin's `enabled` flag and section.
/// * `log` - the plugins service's logger.
/// * `registrations` - the distribution's plugins, in discovery order.
pub(crate) fn discover<C: CoreContracts>(
    config: &ConfigService,
    log: &Logger,
    registrations: Vec<PluginRegistration<C>>,
) -> Result<Discovery<C>, PluginsError> {
    let kibana_version = &config.env().package_info.version;
    let candidates = parse_manifests(registrations, kibana_version, log)?;
    let id_text = IdText::new(&candidates);
    let Identified {
        ids,
        types,
        positions,
        explicitly_enabled,
    } = identify(&candidates, &id_text, config)?;
    let mut graph = link_dependencies(&candidates, ids, types, positions);
    let statuses = enablement::statuses(&graph, &explicitly_enabled);
    log_not_enabled(log, &candidates, &statuses);
    let (report, plugins) = enabled_plugins(config, &mut graph, candidates, statuses)?;
    Ok(Discovery {
        report,
        plugins,
        graph,
    })
}

/// Parses every registration's manifest; invalid and incompatible manifests are fatal (logged,
/// then reported together), unreadable ones are skipped with a warning.
fn parse_manifests<C: CoreContracts>(
    registrations: Vec<PluginRegistration<C>>,
    kibana_version: &str,
    log: &Logger,
) -> Result<Vec<Candidate<C>>, PluginsError> {
    let mut candidates = Vec::with_capacity(registrations.len());
    let mut fatal: Vec<PluginDiscoveryError> = Vec::new();
    for registration in registrations {
        let parsed = match &registration.manifest {
            ManifestSource::Inline { text, path } => {
                PluginManifest::parse(text, path, kibana_version)
            }
            ManifestSource::File(path) => PluginManifest::read(path, kibana_version),
        };
        match parsed {
            Ok(manifest) => candidates.push(Candidate {
                manifest: Arc::new(manifest),
                source: registration.manifest.into_path(),
                server: registration.server,
                config_check: registration.config_check,
            }),
            Err(error) if error.kind.is_fatal() => {
                log.error(&error);
                fatal.push(error);
            }
            Err(error) => log.warn(format_args!("Plugin skipped: {error}")),
        }
    }
    if fatal.is_empty() {
        Ok(candidates)
    } else {
        Err(PluginsError::Discovery(fatal))
    }
}

/// Every candidate's id in one contiguous string. The id → position map's keys are slices of
/// it: the dependency lookups compare keys at random, and a compact copy stays in cache where
/// the manifests (one heap allocation each) would not.
struct IdText {
    text: String,
    /// Where each candidate's id ends in `text`, in discovery order.
    ends: Vec<usize>,
}

impl IdText {
    fn new<C: CoreContracts>(candidates: &[Candidate<C>]) -> Self {
        let mut text = String::with_capacity(
            candidates
                .iter()
                .map(|candidate| candidate.manifest.id.len())
                .sum(),
        );
        let mut ends = Vec::with_capacity(candidates.len());
        for candidate in candidates {
            text.push_str(&candidate.manifest.id);
            ends.push(text.len());
        }
        Self { text, ends }
    }

    /// The ids, in discovery order.
    fn ids(&self) -> impl Iterator<Item = &str> {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let id = &self.text[start..end];
            start = end;
            id
        })
    }
}

/// The discovered plugins as dependency resolution needs them, all in discovery order.
struct Identified<'a> {
    /// The interned ids; every later structure shares these `Arc`s.
    ids: Vec<Arc<str>>,
    /// The plugin type of each plugin with a server part.
    types: Vec<Option<TypeId>>,
    /// Discovery positions by id.
    positions: FxHashMap<&'a str, usize>,
    /// Whether each plugin's `<configPath>.enabled` allows it.
    explicitly_enabled: Vec<bool>,
}

/// Rejects duplicate ids and manifests declaring a server part their registration lacks, reads
/// each plugin's explicit enablement, and interns the ids, in discovery order.
fn identify<'a, C: CoreContracts>(
    candidates: &[Candidate<C>],
    id_text: &'a IdText,
    config: &ConfigService,
) -> Result<Identified<'a>, PluginsError> {
    let count = candidates.len();
    let mut ids: Vec<Arc<str>> = Vec::with_capacity(count);
    let mut types: Vec<Option<TypeId>> = Vec::with_capacity(count);
    let mut positions: FxHashMap<&str, usize> =
        FxHashMap::with_capacity_and_hasher(count, Default::default());
    let mut explicitly_enabled = Vec::with_capacity(count);
    for (i, (candidate, id)) in candidates.iter().zip(id_text.ids()).enumerate() {
        match positions.entry(id) {
            Entry::Occupied(first) => {
                return Err(PluginsError::DuplicateId {
                    id: id.to_owned(),
                    first: candidates[*first.get()].source.clone(),
                    second: candidate.source.clone(),
                });
            }
            Entry::Vacant(slot) => {
                slot.insert(i);
            }
        }
        if candidate.server.is_none() && candidate.manifest.server {
            return Err(PluginsError::MissingServerPart {
                id: id.to_owned(),
                source_path: candidate.source.clone(),
            });
        }
        ids.push(Arc::from(id));
        types.push(candidate.server.as_ref().map(|server| server.type_id));
        explicitly_enabled.push(config.is_enabled_at_path(&candidate.manifest.config_path));
    }
    Ok(Identified {
        ids,
        types,
        positions,
        explicitly_enabled,
    })
}

/// Resolves every declared dependency by name, exactly once, into the dependency links of all
/// discovered plugins. The id map is no longer needed afterwards and is dropped here.
fn link_dependencies<C: CoreContracts>(
    candidates: &[Candidate<C>],
    ids: Vec<Arc<str>>,
    types: Vec<Option<TypeId>>,
    positions: FxHashMap<&str, usize>,
) -> DepGraph {
    let mut graph = DepGraph::new(ids, types);
    for candidate in candidates {
        let manifest = &candidate.manifest;
        let declared = manifest
            .required_plugins
            .iter()
            .map(|name| (name.as_str(), true))
            .chain(
                manifest
                    .optional_plugins
                    .iter()
                    .map(|name| (name.as_str(), false)),
            );
        graph.link_next(declared, &positions);
    }
    graph
}

/// Logs, at info level, why each plugin that is not enabled is not.
fn log_not_enabled<C: CoreContracts>(
    log: &Logger,
    candidates: &[Candidate<C>],
    statuses: &[PluginStatus],
) {
    for (candidate, status) in candidates.iter().zip(statuses) {
        let id = &candidate.manifest.id;
        match status {
            PluginStatus::Enabled => {}
            PluginStatus::Disabled => log.info(format_args!("Plugin \"{id}\" is disabled.")),
            PluginStatus::MissingDependencies(missing) => log.info(format_args!(
                "Plugin \"{id}\" has been disabled since some of its direct or transitive dependencies are missing or disabled. Missing or disabled: [{}]",
                missing.join(", ")
            )),
        }
    }
}

/// Sets the engine positions in `graph`, checks each enabled plugin's config section, and wraps
/// the enabled plugins for the engine; returns the report of every plugin with them.
fn enabled_plugins<C: CoreContracts>(
    config: &ConfigService,
    graph: &mut DepGraph,
    candidates: Vec<Candidate<C>>,
    statuses: Vec<PluginStatus>,
) -> Result<(DiscoveredPlugins, Vec<PluginWrapper<C>>), PluginsError> {
    // Engine positions (enabled plugins only) are known before any plugin is added, so
    // dependencies on later plugins resolve too.
    graph.set_enabled(
        statuses
            .iter()
            .map(|status| *status == PluginStatus::Enabled),
    );
    let mut report = DiscoveredPlugins {
        plugins: Vec::with_capacity(candidates.len()),
    };
    let mut plugins = Vec::with_capacity(graph.engine_len());
    for (i, (candidate, status)) in candidates.into_iter().zip(statuses).enumerate() {
        let enabled = status == PluginStatus::Enabled;
        report.plugins.push((candidate.manifest.id.clone(), status));
        if !enabled {
            continue;
        }
        if let Some(check) = candidate.config_check {
            check(config, &candidate.manifest.config_path).map_err(|error| {
                PluginsError::PluginConfig {
                    plugin: candidate.manifest.id.clone(),
                    error,
                }
            })?;
        }
        plugins.push(wrap(i as u64, Arc::clone(graph.id(i)), candidate));
    }
    Ok((report, plugins))
}

/// A plugin as the lifecycle engine holds it: created right before its setup.
fn wrap<C: CoreContracts>(opaque: u64, id: Arc<str>, candidate: Candidate<C>) -> PluginWrapper<C> {
    let info = PluginInfo {
        opaque_id: PluginOpaqueId::new(opaque),
        manifest: candidate.manifest,
        source: candidate.source,
    };
    PluginWrapper::new(id, info, candidate.server.map(|server| server.initializer))
}
