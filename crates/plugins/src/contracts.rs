//! Plugin contracts: the type-erased value a plugin's `setup` or `start` returns, and what the
//! plugins service hands back to core.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::discovery::manifest::{PluginManifest, PluginName};

/// A plugin's setup or start contract with its type erased, as core hands it around.
#[derive(Clone)]
pub struct PluginContract {
    value: Arc<dyn Any + Send + Sync>,
    type_name: &'static str,
}

impl PluginContract {
    /// Wraps a contract value.
    ///
    /// # Arguments
    ///
    /// * `value` - what a plugin's `setup` or `start` returned.
    pub fn new<T: Any + Send + Sync>(value: T) -> Self {
        Self {
            value: Arc::new(value),
            type_name: std::any::type_name::<T>(),
        }
    }

    /// The contract as `T`, when it is one.
    pub fn downcast_ref<T: Any>(&self) -> Option<&T> {
        self.value.downcast_ref()
    }

    /// A shared handle to the contract as `T`, when it is one.
    pub fn downcast<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        Arc::clone(&self.value).downcast().ok()
    }

    /// The Rust type name of the contract (for messages).
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// Whether the contract is a `T`.
    pub(crate) fn is<T: Any>(&self) -> bool {
        (*self.value).type_id() == TypeId::of::<T>()
    }
}

impl fmt::Debug for PluginContract {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PluginContract")
            .field("type", &self.type_name)
            .finish_non_exhaustive()
    }
}

/// Plugin contracts by plugin id, in setup order.
#[derive(Debug, Clone, Default)]
pub struct PluginContracts {
    entries: Vec<(Arc<str>, PluginContract)>,
    /// Built on the first lookup by id: startup itself never needs it.
    positions: OnceLock<HashMap<Arc<str>, usize>>,
}

impl PluginContracts {
    /// An empty set with room for `capacity` plugins.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: Vec::with_capacity(capacity),
            positions: OnceLock::new(),
        }
    }

    /// Adds the contract of plugin `id`, after those inserted before it.
    pub(crate) fn insert(&mut self, id: Arc<str>, contract: PluginContract) {
        self.positions = OnceLock::new();
        self.entries.push((id, contract));
    }

    /// The contract of plugin `id`.
    ///
    /// # Arguments
    ///
    /// * `id` - the plugin's id, as in its manifest.
    pub fn get(&self, id: &str) -> Option<&PluginContract> {
        let positions = self.positions.get_or_init(|| {
            self.entries
                .iter()
                .enumerate()
                .map(|(i, (id, _))| (Arc::clone(id), i))
                .collect()
        });
        positions.get(id).map(|&i| &self.entries[i].1)
    }

    /// The contract of plugin `id` as `T`, when it has one of that type.
    ///
    /// # Arguments
    ///
    /// * `id` - the plugin's id, as in its manifest.
    pub fn get_as<T: std::any::Any>(&self, id: &str) -> Option<&T> {
        self.get(id).and_then(PluginContract::downcast_ref)
    }

    /// The plugin ids, in setup order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(id, _)| &**id)
    }

    /// `(id, contract)` pairs in setup order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &PluginContract)> {
        self.entries.iter().map(|(id, contract)| (&**id, contract))
    }

    /// How many plugins provided a contract.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no plugin provided a contract.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A plugin with a ui part, as the browser side needs to know it (Kibana's `DiscoveredPlugin`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscoveredPlugin {
    /// The plugin id.
    pub id: PluginName,
    /// Its dotted config path.
    pub config_path: String,
    /// Its required plugins.
    pub required_plugins: Vec<PluginName>,
    /// Its optional plugins.
    pub optional_plugins: Vec<PluginName>,
}

impl DiscoveredPlugin {
    /// The browser-side description of the plugin with `manifest`.
    pub(crate) fn from_manifest(manifest: &PluginManifest) -> Self {
        Self {
            id: manifest.id.clone(),
            config_path: manifest.config_path.clone(),
            required_plugins: manifest.required_plugins.clone(),
            optional_plugins: manifest.optional_plugins.clone(),
        }
    }
}

/// What the plugins service's setup returns (Kibana's `PluginsServiceSetup`).
#[derive(Debug, Clone, Default)]
pub struct PluginsServiceSetup {
    /// The setup contracts of the plugins that were set up.
    pub contracts: PluginContracts,
    /// The plugins with a ui part, in topological order.
    pub ui_plugins: Vec<DiscoveredPlugin>,
}

/// What the plugins service's start returns (Kibana's `PluginsServiceStart`).
#[derive(Debug, Clone, Default)]
pub struct PluginsServiceStart {
    /// The start contracts of the plugins that were started.
    pub contracts: PluginContracts,
}
