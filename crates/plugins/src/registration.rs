//! Explicit plugin registration: a plugin's manifest, its Rust type and how to create it.

use std::any::TypeId;
use std::borrow::Cow;
use std::path::PathBuf;

use core_config::{ConfigError, ConfigSchema, ConfigService};

use crate::context::PluginInitializerContext;
use crate::erased::{ErasedPlugin, TypedPlugin};
use crate::plugin::{CoreContracts, Plugin};

/// Creates the plugin instance from its initializer context.
pub(crate) type Initializer<C> =
    Box<dyn FnOnce(PluginInitializerContext) -> Box<dyn ErasedPlugin<C>> + Send>;

/// Validates the plugin's config section against its declared config type.
pub(crate) type ConfigCheck = fn(&ConfigService, &str) -> Result<(), ConfigError>;

/// Where the manifest text comes from.
pub(crate) enum ManifestSource {
    /// Text compiled into the binary (`include_str!`), with the path it was read from.
    Inline {
        text: Cow<'static, str>,
        path: String,
    },
    /// A file read at discovery.
    File(PathBuf),
}

impl ManifestSource {
    pub(crate) fn path(&self) -> String {
        match self {
            Self::Inline { path, .. } => path.clone(),
            Self::File(path) => path.display().to_string(),
        }
    }

    /// The path, without copying it when it is already a string.
    pub(crate) fn into_path(self) -> String {
        match self {
            Self::Inline { path, .. } => path,
            Self::File(path) => path.display().to_string(),
        }
    }
}

/// The Rust side of a plugin with a server part.
pub(crate) struct ServerPart<C: CoreContracts> {
    pub(crate) type_id: TypeId,
    pub(crate) initializer: Initializer<C>,
}

/// One plugin of a distribution: its `kibana.json` plus, for plugins with a server part, the
/// Rust type implementing [`Plugin`] and the function creating it.
///
/// A distribution lists its registrations explicitly (no link-time collection: the linker drops
/// plugin crates nothing references, see the crate docs) and hands them to
/// [`PluginsService::new`](crate::PluginsService::new).
pub struct PluginRegistration<C: CoreContracts> {
    pub(crate) manifest: ManifestSource,
    pub(crate) server: Option<ServerPart<C>>,
    pub(crate) config_check: Option<ConfigCheck>,
}

impl<C: CoreContracts> PluginRegistration<C> {
    /// A plugin of type `P` whose manifest is `manifest_json` (usually
    /// `include_str!("../kibana.json")`), read from `manifest_path` (named in errors), created by
    /// `initializer` right before its setup. [`plugin_registration!`](crate::plugin_registration)
    /// fills the manifest and its path for you.
    ///
    /// # Arguments
    ///
    /// * `manifest_json` - the text of the plugin's `kibana.json`.
    /// * `manifest_path` - the manifest's path, named in errors; nothing is read from it.
    /// * `initializer` - creates the plugin from its context, once, right before its setup.
    pub fn new<P: Plugin<C>>(
        manifest_json: impl Into<Cow<'static, str>>,
        manifest_path: impl Into<String>,
        initializer: impl FnOnce(PluginInitializerContext) -> P + Send + 'static,
    ) -> Self {
        Self {
            manifest: ManifestSource::Inline {
                text: manifest_json.into(),
                path: manifest_path.into(),
            },
            server: Some(server_part::<C, P>(initializer)),
            config_check: None,
        }
    }

    /// A plugin of type `P` whose manifest is read from the file `manifest_path` at discovery
    /// (an unreadable file is a `missing-manifest` error).
    ///
    /// # Arguments
    ///
    /// * `manifest_path` - the plugin's `kibana.json`, read at discovery.
    /// * `initializer` - creates the plugin from its context, once, right before its setup.
    pub fn from_manifest_file<P: Plugin<C>>(
        manifest_path: impl Into<PathBuf>,
        initializer: impl FnOnce(PluginInitializerContext) -> P + Send + 'static,
    ) -> Self {
        Self {
            manifest: ManifestSource::File(manifest_path.into()),
            server: Some(server_part::<C, P>(initializer)),
            config_check: None,
        }
    }

    /// A plugin without a server part (`"server": false`, `"ui": true`): it takes part in the
    /// dependency graph and is listed in `ui_plugins`, but is never set up.
    ///
    /// # Arguments
    ///
    /// * `manifest_json` - the text of the plugin's `kibana.json`, with `"server": false`.
    /// * `manifest_path` - the manifest's path, named in errors; nothing is read from it.
    pub fn ui_only(
        manifest_json: impl Into<Cow<'static, str>>,
        manifest_path: impl Into<String>,
    ) -> Self {
        Self {
            manifest: ManifestSource::Inline {
                text: manifest_json.into(),
                path: manifest_path.into(),
            },
            server: None,
            config_check: None,
        }
    }

    /// Declares the plugin's config type: its section is validated at startup, so unknown keys
    /// and bad values under the plugin's `configPath` stop the server with their full path.
    /// With `deny_unknown_fields`, remember to accept `enabled` (read by the plugins service).
    pub fn with_config<T: ConfigSchema>(mut self) -> Self {
        self.config_check = Some(check_config::<T>);
        self
    }

    /// The manifest path as registered.
    pub fn manifest_path(&self) -> String {
        self.manifest.path()
    }
}

fn server_part<C: CoreContracts, P: Plugin<C>>(
    initializer: impl FnOnce(PluginInitializerContext) -> P + Send + 'static,
) -> ServerPart<C> {
    ServerPart {
        type_id: TypeId::of::<P>(),
        initializer: Box::new(move |context| Box::new(TypedPlugin(initializer(context)))),
    }
}

fn check_config<T: ConfigSchema>(config: &ConfigService, path: &str) -> Result<(), ConfigError> {
    config.at_path::<T>(path).map(drop)
}

/// Registers the plugin type `$plugin` of the calling crate with the `kibana.json` at the crate's
/// root (found through `CARGO_MANIFEST_DIR`), created by `$initializer`.
///
/// In a plugin crate (not compiled here, as this crate has no `kibana.json` of its own):
///
/// ```ignore
/// core_plugins::plugin_registration!(GreetingPlugin, GreetingPlugin::new)
/// ```
#[macro_export]
macro_rules! plugin_registration {
    ($plugin:ty, $initializer:expr $(,)?) => {
        $crate::PluginRegistration::new::<$plugin>(
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/kibana.json")),
            concat!(env!("CARGO_MANIFEST_DIR"), "/kibana.json"),
            $initializer,
        )
    };
}
