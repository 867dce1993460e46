//! The `Plugin` trait plugin authors implement, and the [`CoreContracts`] it is generic over.
//! The engine drives plugins through their type-erased form ([`crate::erased`]).

use std::future::Future;

use crate::dependencies::{SetupDeps, StartDeps};

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
