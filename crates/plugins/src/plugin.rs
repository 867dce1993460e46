//! The `Plugin` trait plugin authors implement, and its type-erased form the engine drives.

use std::any::{Any, TypeId};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::deps::{DepsView, SetupDeps, StartDeps};

/// The core services a server hands to plugins, as two per-plugin contract types.
///
/// core-plugins knows nothing about http or elasticsearch: the server that embeds it names its
/// own `CoreSetup` / `CoreStart` here, and the plugins service passes one value of each to every
/// plugin (built per plugin by a factory the server provides, so it can be scoped to the plugin).
pub trait CoreContracts: Send + Sync + 'static {
    /// What each plugin receives in `setup` (Kibana's `CoreSetup`).
    type Setup: Send + 'static;
    /// What each plugin receives in `start` (Kibana's `CoreStart`).
    type Start: Send + 'static;
}

/// A server-side plugin (Kibana's `Plugin` interface).
///
/// `C` is the server's set of core contracts. Implement the methods with `async fn`. The value a
/// plugin returns from `setup` (its *setup contract*) is handed to the plugins that declare it in
/// `requiredPlugins` / `optionalPlugins`, which read it with
/// [`SetupDeps::get::<ThisPlugin>()`](SetupDeps::get); likewise for `start`. Errors, panics and
/// time-outs (`plugins.lifecycleTimeout`) of any step stop the server's startup, naming the plugin.
pub trait Plugin<C: CoreContracts>: Send + 'static {
    /// The contract this plugin hands to its dependents during setup.
    type Setup: Send + Sync + 'static;
    /// The contract this plugin hands to its dependents during start.
    type Start: Send + Sync + 'static;

    /// Registers things with core and returns the setup contract.
    ///
    /// # Arguments
    ///
    /// * `core` - the core services' setup contracts, scoped to this plugin.
    /// * `deps` - the setup contracts of the plugins this one lists in `requiredPlugins` and
    ///   `optionalPlugins`.
    fn setup(
        &mut self,
        core: C::Setup,
        deps: SetupDeps<C>,
    ) -> impl Future<Output = anyhow::Result<Self::Setup>> + Send;

    /// Starts working and returns the start contract.
    ///
    /// # Arguments
    ///
    /// * `core` - the core services' start contracts, scoped to this plugin.
    /// * `deps` - the start contracts of the plugins this one lists in `requiredPlugins` and
    ///   `optionalPlugins`.
    fn start(
        &mut self,
        core: C::Start,
        deps: StartDeps<C>,
    ) -> impl Future<Output = anyhow::Result<Self::Start>> + Send;

    /// Releases resources; called in reverse setup order. Does nothing by default.
    fn stop(&mut self) -> impl Future<Output = anyhow::Result<()>> + Send {
        async { Ok(()) }
    }
}

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

/// A boxed, sendable future (what the type-erased plugin returns).
pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// [`Plugin`] with its contract types erased, so plugins of different types live in one list.
pub(crate) trait ErasedPlugin<C: CoreContracts>: Send {
    fn setup(
        &mut self,
        core: C::Setup,
        deps: DepsView,
    ) -> BoxFuture<'_, anyhow::Result<PluginContract>>;
    fn start(
        &mut self,
        core: C::Start,
        deps: DepsView,
    ) -> BoxFuture<'_, anyhow::Result<PluginContract>>;
    fn stop(&mut self) -> BoxFuture<'_, anyhow::Result<()>>;
}

/// The adapter from a typed plugin to [`ErasedPlugin`].
pub(crate) struct TypedPlugin<P>(pub(crate) P);

impl<C: CoreContracts, P: Plugin<C>> ErasedPlugin<C> for TypedPlugin<P> {
    fn setup(
        &mut self,
        core: C::Setup,
        deps: DepsView,
    ) -> BoxFuture<'_, anyhow::Result<PluginContract>> {
        Box::pin(async move {
            let contract = self.0.setup(core, SetupDeps::new(deps)).await?;
            Ok(PluginContract::new(contract))
        })
    }

    fn start(
        &mut self,
        core: C::Start,
        deps: DepsView,
    ) -> BoxFuture<'_, anyhow::Result<PluginContract>> {
        Box::pin(async move {
            let contract = self.0.start(core, StartDeps::new(deps)).await?;
            Ok(PluginContract::new(contract))
        })
    }

    fn stop(&mut self) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(self.0.stop())
    }
}
