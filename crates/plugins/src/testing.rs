//! Test doubles for plugin authors (feature `testing`): a plugin's initializer context, and
//! the [`SetupDeps`] / [`StartDeps`] of its dependencies built from contracts the test gives
//! ([`MockDeps`]), so a plugin's `setup` and `start` run in a unit test.

use std::any::TypeId;
use std::marker::PhantomData;
use std::sync::Arc;

use core_config::ConfigService;
use core_logging::LoggerFactory;
use rustc_hash::FxHashMap;

use crate::context::{PluginInitializerContext, PluginOpaqueId, shared_config_path};
use crate::contracts::PluginContract;
use crate::dependencies::{DepsView, Phase, PhaseContracts, SetupDeps, StartDeps};
use crate::dependency_graph::DepGraph;
use crate::discovery::error::PluginDiscoveryError;
use crate::discovery::manifest::PluginManifest;
use crate::plugin::{CoreContracts, Plugin};

/// The initializer context the plugins service would give the plugin of `manifest_json`, so a
/// plugin can be created and inspected in a unit test. The manifest is validated as at startup
/// (with `kibanaVersion` checked against the config service's environment).
///
/// ```
/// let config = core_config::testing::config_from_json(serde_json::json!({"greeting": {"word": "Hi"}}));
/// let (loggers, logs) = core_logging::testing::capturing_logger_factory();
/// let manifest = r#"{"id": "greeting", "version": "1.0.0", "kibanaVersion": "kibana", "server": true}"#;
/// let context = core_plugins::testing::initializer_context(manifest, config, &loggers).unwrap();
/// assert_eq!(context.config().path(), "greeting");
/// context.logger().get(&[]).info("created");
/// assert_eq!(logs.lines(), ["[info][plugins.greeting] created"]);
/// ```
///
/// # Arguments
///
/// * `manifest_json` - the plugin's `kibana.json` text.
/// * `config` - the config the plugin's section is read from.
/// * `loggers` - where the plugin's loggers come from.
pub fn initializer_context(
    manifest_json: &str,
    config: ConfigService,
    loggers: &LoggerFactory,
) -> Result<PluginInitializerContext, PluginDiscoveryError> {
    let env = Arc::clone(config.env());
    let manifest = PluginManifest::parse(manifest_json, "kibana.json", &env.package_info.version)?;
    let id: Arc<str> = Arc::from(manifest.id.as_str());
    Ok(PluginInitializerContext::new(
        PluginOpaqueId::new(0),
        Arc::clone(&id),
        shared_config_path(&manifest, &id),
        env,
        loggers,
        config,
    ))
}

/// One dependency a [`MockDeps`] declares.
struct MockDep {
    id: String,
    type_id: TypeId,
    required: bool,
    /// `None`: declared but missing or disabled (an absent optional dependency).
    contracts: Option<(PluginContract, PluginContract)>,
}

/// The dependencies of one plugin, as a test declares them: their ids, plugin types and
/// contracts. [`MockDeps::setup`] and [`MockDeps::start`] give the [`SetupDeps`] / [`StartDeps`]
/// the plugins service would pass, with the same rules and errors: a plugin can read only what
/// it declares, and an absent optional dependency reads as `None`.
///
/// ```
/// use core_plugins::testing::MockDeps;
/// use core_plugins::{CoreContracts, Plugin, SetupDeps, StartDeps};
///
/// struct TestCore;
/// impl CoreContracts for TestCore {
///     type Setup = ();
///     type Start = ();
/// }
///
/// /// A dependency whose setup contract is a greeting word.
/// struct Greeting;
/// impl Plugin<TestCore> for Greeting {
///     type Setup = String;
///     type Start = ();
///     async fn setup(&mut self, _: (), _: SetupDeps<TestCore>) -> anyhow::Result<String> {
///         Ok("Hello".into())
///     }
///     async fn start(&mut self, _: (), _: StartDeps<TestCore>) -> anyhow::Result<()> {
///         Ok(())
///     }
/// }
///
/// let deps = MockDeps::<TestCore>::new("bookmarks").required::<Greeting>("greeting", "Hej".into(), ());
/// let setup = deps.setup();
/// assert_eq!(setup.get::<Greeting>().unwrap(), "Hej");
/// assert_eq!(setup.plugin_id(), "bookmarks");
/// assert!(setup.get_by_name::<String>("search").is_err());
/// ```
pub struct MockDeps<C> {
    plugin_id: String,
    deps: Vec<MockDep>,
    _core: PhantomData<fn() -> C>,
}

impl<C: CoreContracts> MockDeps<C> {
    /// No dependencies yet, for the plugin with id `plugin_id` (as in its manifest).
    ///
    /// # Arguments
    ///
    /// * `plugin_id` - the id of the plugin under test, named in dependency errors.
    pub fn new(plugin_id: impl Into<String>) -> Self {
        Self {
            plugin_id: plugin_id.into(),
            deps: Vec::new(),
            _core: PhantomData,
        }
    }

    /// Declares a required dependency (`requiredPlugins`): plugin `id` of type `P`, with the
    /// contracts its `setup` and `start` would return.
    ///
    /// # Arguments
    ///
    /// * `id` - the dependency's plugin id, as listed in the manifest.
    /// * `setup` - what `deps.get::<P>()` returns during setup.
    /// * `start` - what `deps.get::<P>()` returns during start.
    pub fn required<P: Plugin<C>>(
        mut self,
        id: impl Into<String>,
        setup: P::Setup,
        start: P::Start,
    ) -> Self {
        self.deps.push(MockDep {
            id: id.into(),
            type_id: TypeId::of::<P>(),
            required: true,
            contracts: Some((PluginContract::new(setup), PluginContract::new(start))),
        });
        self
    }

    /// Declares an optional dependency (`optionalPlugins`): plugin `id` of type `P`, present
    /// with its setup and start contracts, or absent (`None`, as when it is missing or disabled).
    ///
    /// # Arguments
    ///
    /// * `id` - the dependency's plugin id, as listed in the manifest.
    /// * `contracts` - its setup and start contracts, or `None` for a missing plugin.
    pub fn optional<P: Plugin<C>>(
        mut self,
        id: impl Into<String>,
        contracts: Option<(P::Setup, P::Start)>,
    ) -> Self {
        self.deps.push(MockDep {
            id: id.into(),
            type_id: TypeId::of::<P>(),
            required: false,
            contracts: contracts
                .map(|(setup, start)| (PluginContract::new(setup), PluginContract::new(start))),
        });
        self
    }

    /// The dependencies' setup contracts, as `setup` receives them.
    pub fn setup(&self) -> SetupDeps<C> {
        SetupDeps::new(self.view(Phase::Setup))
    }

    /// The dependencies' start contracts, as `start` receives them.
    pub fn start(&self) -> StartDeps<C> {
        StartDeps::new(self.view(Phase::Start))
    }

    /// The view the engine would build: the plugin at discovery index 0, then each
    /// dependency; absent dependencies are discovered but not enabled.
    fn view(&self, phase: Phase) -> DepsView {
        // Required dependencies come first in a plugin's links, as in a manifest.
        let mut ordered: Vec<&MockDep> = self.deps.iter().filter(|dep| dep.required).collect();
        ordered.extend(self.deps.iter().filter(|dep| !dep.required));
        let mut ids: Vec<Arc<str>> = vec![Arc::from(self.plugin_id.as_str())];
        let mut types = vec![None];
        for dep in &ordered {
            ids.push(Arc::from(dep.id.as_str()));
            types.push(Some(dep.type_id));
        }
        let positions: FxHashMap<&str, usize> = ordered
            .iter()
            .enumerate()
            .map(|(index, dep)| (dep.id.as_str(), index + 1))
            .collect();
        let mut graph = DepGraph::new(ids, types);
        graph.link_next(
            ordered.iter().map(|dep| (dep.id.as_str(), dep.required)),
            &positions,
        );
        for _ in &ordered {
            graph.link_next(std::iter::empty(), &positions);
        }
        graph.set_enabled(
            std::iter::once(true).chain(ordered.iter().map(|dep| dep.contracts.is_some())),
        );
        let shared = PhaseContracts::new(phase, Arc::new(graph));
        let mut position = 1;
        for dep in &ordered {
            if let Some((setup, start)) = &dep.contracts {
                let contract = match phase {
                    Phase::Start => start,
                    _ => setup,
                };
                shared.set(position, contract.clone());
                position += 1;
            }
        }
        DepsView {
            position: 0,
            shared: Arc::new(shared),
        }
    }
}

impl<C> std::fmt::Debug for MockDeps<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockDeps")
            .field("plugin_id", &self.plugin_id)
            .field(
                "deps",
                &self
                    .deps
                    .iter()
                    .map(|dep| dep.id.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dependencies::DependencyError;

    struct TestCore;
    impl CoreContracts for TestCore {
        type Setup = ();
        type Start = ();
    }

    macro_rules! plugin {
        ($name:ident, $setup:ty, $start:ty) => {
            struct $name;
            impl Plugin<TestCore> for $name {
                type Setup = $setup;
                type Start = $start;
                async fn setup(&mut self, _: (), _: SetupDeps<TestCore>) -> anyhow::Result<$setup> {
                    unreachable!("not run by these tests")
                }
                async fn start(&mut self, _: (), _: StartDeps<TestCore>) -> anyhow::Result<$start> {
                    unreachable!("not run by these tests")
                }
            }
        };
    }
    plugin!(Greeting, String, u32);
    plugin!(Search, Vec<u8>, bool);
    plugin!(Unrelated, (), ());

    fn deps() -> MockDeps<TestCore> {
        MockDeps::new("bookmarks")
            .optional::<Search>("search", None)
            .required::<Greeting>("greeting", "Hej".into(), 7)
    }

    #[test]
    fn each_phase_reads_its_own_contracts() {
        let deps = deps();
        assert_eq!(deps.setup().get::<Greeting>().unwrap(), "Hej");
        assert_eq!(*deps.start().get::<Greeting>().unwrap(), 7);
        assert_eq!(*deps.start().get_arc::<Greeting>().unwrap(), 7);
        assert_eq!(
            deps.setup().get_by_name::<String>("greeting").unwrap(),
            "Hej"
        );
        assert_eq!(deps.setup().available().collect::<Vec<_>>(), ["greeting"]);
        assert_eq!(deps.start().plugin_id(), "bookmarks");
    }

    #[test]
    fn an_absent_optional_dependency_reads_as_none_and_is_unavailable_when_required() {
        let deps = deps();
        assert_eq!(deps.setup().optional::<Search>().unwrap(), None);
        assert_eq!(
            deps.setup().get::<Search>().unwrap_err(),
            DependencyError::Unavailable {
                plugin: "bookmarks".into(),
                dependency: "search".into(),
                phase: Phase::Setup,
            }
        );
        let present = MockDeps::<TestCore>::new("bookmarks")
            .optional::<Search>("search", Some((vec![1], true)));
        assert_eq!(
            present.setup().optional::<Search>().unwrap(),
            Some(&vec![1])
        );
        assert!(*present.start().get::<Search>().unwrap());
    }

    #[test]
    fn undeclared_plugins_give_the_engines_errors() {
        let deps = deps();
        assert_eq!(
            deps.setup().get::<Unrelated>().unwrap_err().to_string(),
            format!(
                "Plugin \"bookmarks\" asked for the setup contract of `{}`, which is not a plugin registered in this server.",
                std::any::type_name::<Unrelated>()
            )
        );
        assert_eq!(
            deps.start()
                .get_by_name::<u32>("other")
                .unwrap_err()
                .to_string(),
            "Plugin \"bookmarks\" cannot use the start contract of plugin \"other\": \"other\" is not listed in the requiredPlugins or optionalPlugins of \"bookmarks\"."
        );
        assert!(matches!(
            deps.setup().get_by_name::<u32>("greeting").unwrap_err(),
            DependencyError::WrongType { .. }
        ));
    }
}
