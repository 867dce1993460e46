//! [`Plugin`] with its contract types erased: the form the lifecycle engine drives, so plugins
//! of different types live in one list.

use std::future::Future;
use std::pin::Pin;

use crate::contracts::PluginContract;
use crate::dependencies::{DepsView, SetupDeps, StartDeps};
use crate::plugin::{CoreContracts, Plugin};

/// A boxed, sendable future (what the type-erased plugin returns).
pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// [`Plugin`] with its contract types erased, so plugins of different types live in one list.
pub(crate) trait ErasedPlugin<C: CoreContracts>: Send {
    /// [`Plugin::setup`], its contract erased.
    fn setup(
        &mut self,
        core: C::Setup,
        deps: DepsView,
    ) -> BoxFuture<'_, anyhow::Result<PluginContract>>;
    /// [`Plugin::start`], its contract erased.
    fn start(
        &mut self,
        core: C::Start,
        deps: DepsView,
    ) -> BoxFuture<'_, anyhow::Result<PluginContract>>;
    /// [`Plugin::stop`].
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
