//! Typed access to the contracts of a plugin's declared dependencies ([`SetupDeps`],
//! [`StartDeps`]), over the untyped view the engine builds ([`DepsView`]).

use std::any::{Any, TypeId};
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};

use crate::contracts::PluginContract;
use crate::dependency_graph::DepGraph;
use crate::plugin::{CoreContracts, Plugin};

/// Which lifecycle step a contract belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// `setup`.
    Setup,
    /// `start`.
    Start,
    /// `stop`.
    Stop,
}

impl Phase {
    /// `setup`, `start` or `stop`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Setup => "setup",
            Self::Start => "start",
            Self::Stop => "stop",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A plugin asked for a dependency contract it may not or cannot have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DependencyError {
    /// The dependency is not in the asking plugin's `requiredPlugins` / `optionalPlugins`.
    #[error(
        "Plugin \"{plugin}\" cannot use the {phase} contract of plugin \"{dependency}\": \"{dependency}\" is not listed in the requiredPlugins or optionalPlugins of \"{plugin}\"."
    )]
    NotDeclared {
        /// The asking plugin.
        plugin: String,
        /// The plugin it asked for.
        dependency: String,
        /// The lifecycle step.
        phase: Phase,
    },
    /// The Rust type asked for is not a plugin registered in this server.
    #[error(
        "Plugin \"{plugin}\" asked for the {phase} contract of `{type_name}`, which is not a plugin registered in this server."
    )]
    NotRegistered {
        /// The asking plugin.
        plugin: String,
        /// The plugin type asked for.
        type_name: &'static str,
        /// The lifecycle step.
        phase: Phase,
    },
    /// The dependency is declared but has no contract: a missing or disabled optional plugin,
    /// or one without a server part.
    #[error(
        "Plugin \"{plugin}\" has no {phase} contract of plugin \"{dependency}\": it is missing, disabled or has no server part."
    )]
    Unavailable {
        /// The asking plugin.
        plugin: String,
        /// The plugin it asked for.
        dependency: String,
        /// The lifecycle step.
        phase: Phase,
    },
    /// The plugin type is registered under several ids and the asking plugin declares more
    /// than one of them.
    #[error(
        "Plugin \"{plugin}\" declares several plugins of type `{type_name}` ({}): ask for the {phase} contract by name.",
        .candidates.join(", ")
    )]
    Ambiguous {
        /// The asking plugin.
        plugin: String,
        /// The plugin type asked for.
        type_name: &'static str,
        /// The declared plugins of that type.
        candidates: Vec<String>,
        /// The lifecycle step.
        phase: Phase,
    },
    /// The dependency's contract has another type than the one asked for.
    #[error(
        "Plugin \"{plugin}\" asked for the {phase} contract of plugin \"{dependency}\" as `{expected}`, but \"{dependency}\" provides `{actual}`."
    )]
    WrongType {
        /// The asking plugin.
        plugin: String,
        /// The plugin it asked for.
        dependency: String,
        /// The lifecycle step.
        phase: Phase,
        /// The type asked for.
        expected: &'static str,
        /// The contract's real type.
        actual: &'static str,
    },
}

/// The contracts of one lifecycle step, by engine position, shared by every plugin's view of
/// that step. A contract is set once, when its plugin's step completes; a plugin's declared
/// dependencies are ordered before it, so their contracts are set when it runs.
pub(crate) struct PhaseContracts {
    /// The lifecycle step.
    pub(crate) phase: Phase,
    /// The dependency links the engine positions index.
    pub(crate) graph: Arc<DepGraph>,
    contracts: Box<[OnceLock<PluginContract>]>,
}

impl PhaseContracts {
    /// Empty contracts for `phase` over the engine plugins of `graph`.
    pub(crate) fn new(phase: Phase, graph: Arc<DepGraph>) -> Self {
        let contracts = (0..graph.engine_len()).map(|_| OnceLock::new()).collect();
        Self {
            phase,
            graph,
            contracts,
        }
    }

    /// Records the contract of engine plugin `position` (once; a second value is ignored).
    pub(crate) fn set(&self, position: usize, contract: PluginContract) {
        let _first = self.contracts[position].set(contract);
    }
}

/// One declared dependency as a view shows it.
struct DeclaredDep<'a> {
    id: &'a str,
    type_id: Option<TypeId>,
    contract: Option<&'a PluginContract>,
}

/// The untyped dependency view the engine builds for one plugin and one phase: the plugin's
/// engine position and the step's shared contracts, so building it allocates nothing.
pub(crate) struct DepsView {
    /// The plugin's engine position.
    pub(crate) position: usize,
    /// The step's contracts, shared by every plugin's view.
    pub(crate) shared: Arc<PhaseContracts>,
}

impl DepsView {
    /// The id of the plugin this view belongs to.
    fn plugin(&self) -> &str {
        let graph = &self.shared.graph;
        graph.id(graph.engine_plugin(self.position))
    }

    fn phase(&self) -> Phase {
        self.shared.phase
    }

    /// The plugin's declared dependencies, in manifest order (required first).
    fn declared(&self) -> impl Iterator<Item = DeclaredDep<'_>> {
        let graph = &self.shared.graph;
        graph
            .links(graph.engine_plugin(self.position))
            .iter()
            .map(move |link| DeclaredDep {
                id: graph.name(link),
                type_id: graph.type_of(link),
                contract: graph
                    .position_of(link)
                    .and_then(|position| self.shared.contracts[position].get()),
            })
    }

    /// The declared dependency whose plugin type is `type_id`; `Ok(None)` when the type is not
    /// registered in this server at all.
    fn resolve(
        &self,
        type_id: TypeId,
        type_name: &'static str,
    ) -> Result<Option<DeclaredDep<'_>>, DependencyError> {
        let mut matches = self.declared().filter(|dep| dep.type_id == Some(type_id));
        match (matches.next(), matches.next()) {
            (Some(dep), None) => Ok(Some(dep)),
            (Some(_), Some(_)) => Err(DependencyError::Ambiguous {
                plugin: self.plugin().to_owned(),
                type_name,
                candidates: self
                    .declared()
                    .filter(|dep| dep.type_id == Some(type_id))
                    .map(|dep| dep.id.to_owned())
                    .collect(),
                phase: self.phase(),
            }),
            (None, _) => {
                let registered: Vec<&str> = self.shared.graph.ids_of_type(type_id).collect();
                if registered.is_empty() {
                    Ok(None)
                } else {
                    Err(DependencyError::NotDeclared {
                        plugin: self.plugin().to_owned(),
                        dependency: registered.join("\", \""),
                        phase: self.phase(),
                    })
                }
            }
        }
    }

    fn not_registered(&self, type_name: &'static str) -> DependencyError {
        DependencyError::NotRegistered {
            plugin: self.plugin().to_owned(),
            type_name,
            phase: self.phase(),
        }
    }

    fn unavailable(&self, name: &str) -> DependencyError {
        DependencyError::Unavailable {
            plugin: self.plugin().to_owned(),
            dependency: name.to_owned(),
            phase: self.phase(),
        }
    }

    /// `dep`'s contract as `T`; `Ok(None)` when it has none.
    fn contract_of<'a, T: Any>(
        &self,
        dep: &DeclaredDep<'a>,
    ) -> Result<Option<&'a PluginContract>, DependencyError> {
        match dep.contract {
            None => Ok(None),
            Some(contract) if contract.is::<T>() => Ok(Some(contract)),
            Some(contract) => Err(DependencyError::WrongType {
                plugin: self.plugin().to_owned(),
                dependency: dep.id.to_owned(),
                phase: self.phase(),
                expected: std::any::type_name::<T>(),
                actual: contract.type_name(),
            }),
        }
    }

    fn required_contract<T: Any>(
        &self,
        type_id: TypeId,
        type_name: &'static str,
    ) -> Result<&PluginContract, DependencyError> {
        let dep = self
            .resolve(type_id, type_name)?
            .ok_or_else(|| self.not_registered(type_name))?;
        self.contract_of::<T>(&dep)?
            .ok_or_else(|| self.unavailable(dep.id))
    }

    fn get<T: Any>(&self, type_id: TypeId, type_name: &'static str) -> Result<&T, DependencyError> {
        let contract = self.required_contract::<T>(type_id, type_name)?;
        contract
            .downcast_ref()
            .ok_or_else(|| self.not_registered(type_name))
    }

    fn get_arc<T: Any + Send + Sync>(
        &self,
        type_id: TypeId,
        type_name: &'static str,
    ) -> Result<Arc<T>, DependencyError> {
        let contract = self.required_contract::<T>(type_id, type_name)?;
        contract
            .downcast()
            .ok_or_else(|| self.not_registered(type_name))
    }

    fn optional<T: Any>(
        &self,
        type_id: TypeId,
        type_name: &'static str,
    ) -> Result<Option<&T>, DependencyError> {
        // A plugin type that is not registered is simply absent from this server.
        let Some(dep) = self.resolve(type_id, type_name)? else {
            return Ok(None);
        };
        Ok(self
            .contract_of::<T>(&dep)?
            .and_then(PluginContract::downcast_ref))
    }

    fn get_by_name<T: Any>(&self, name: &str) -> Result<&T, DependencyError> {
        let dep = self.declared().find(|dep| dep.id == name).ok_or_else(|| {
            DependencyError::NotDeclared {
                plugin: self.plugin().to_owned(),
                dependency: name.to_owned(),
                phase: self.phase(),
            }
        })?;
        self.contract_of::<T>(&dep)?
            .and_then(PluginContract::downcast_ref)
            .ok_or_else(|| self.unavailable(name))
    }

    fn available(&self) -> impl Iterator<Item = &str> {
        self.declared()
            .filter(|dep| dep.contract.is_some())
            .map(|dep| dep.id)
    }

    /// A view for a plugin `id` that declares no dependencies (for unit tests of the engine).
    #[cfg(test)]
    pub(crate) fn standalone(id: &str, phase: Phase) -> Self {
        let positions = rustc_hash::FxHashMap::default();
        let mut graph = DepGraph::new(vec![Arc::from(id)], vec![None]);
        graph.link_next(std::iter::empty(), &positions);
        graph.set_enabled(std::iter::once(true));
        Self {
            position: 0,
            shared: Arc::new(PhaseContracts::new(phase, Arc::new(graph))),
        }
    }
}

macro_rules! typed_deps {
    ($name:ident, $contract:ident, $phase:literal) => {
        #[doc = concat!("The ", $phase, " contracts of a plugin's declared dependencies, with typed access.")]
        ///
        /// Only plugins listed in the manifest's `requiredPlugins` / `optionalPlugins` can be read;
        /// asking for any other is a [`DependencyError`] naming both plugins.
        pub struct $name<C> {
            view: DepsView,
            _core: PhantomData<fn() -> C>,
        }

        impl<C: CoreContracts> $name<C> {
            /// Typed access over `view`.
            pub(crate) fn new(view: DepsView) -> Self {
                Self { view, _core: PhantomData }
            }

            #[doc = concat!("The ", $phase, " contract of dependency `P`: an error when `P` is not declared in the")]
            /// manifest, not registered, or (optional and) absent.
            pub fn get<P: Plugin<C>>(&self) -> Result<&P::$contract, DependencyError> {
                self.view.get(TypeId::of::<P>(), std::any::type_name::<P>())
            }

            /// Like `get`, but a shared handle the plugin can keep after this lifecycle step.
            pub fn get_arc<P: Plugin<C>>(&self) -> Result<Arc<P::$contract>, DependencyError> {
                self.view.get_arc(TypeId::of::<P>(), std::any::type_name::<P>())
            }

            #[doc = concat!("The ", $phase, " contract of optional dependency `P`, `None` when it is missing or")]
            /// disabled; still an error when `P` is not declared in the manifest.
            pub fn optional<P: Plugin<C>>(&self) -> Result<Option<&P::$contract>, DependencyError> {
                self.view.optional(TypeId::of::<P>(), std::any::type_name::<P>())
            }

            /// The contract of the declared dependency with id `name`, as `T` (for plugins whose
            /// Rust type is not at hand).
            ///
            /// # Arguments
            ///
            /// * `name` - the dependency's plugin id, as listed in this plugin's `requiredPlugins`
            ///   or `optionalPlugins`.
            pub fn get_by_name<T: std::any::Any>(&self, name: &str) -> Result<&T, DependencyError> {
                self.view.get_by_name(name)
            }

            /// The ids of the declared dependencies that provided a contract, in manifest order.
            pub fn available(&self) -> impl Iterator<Item = &str> {
                self.view.available()
            }

            /// The id of the plugin these dependencies belong to.
            pub fn plugin_id(&self) -> &str {
                self.view.plugin()
            }
        }
    };
}

typed_deps!(SetupDeps, Setup, "setup");
typed_deps!(StartDeps, Start, "start");
