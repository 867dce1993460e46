//! Test doubles for plugin authors (feature `testing`).

use std::sync::Arc;

use core_config::ConfigService;
use core_logging::LoggerFactory;

use crate::context::{PluginInitializerContext, PluginOpaqueId, shared_config_path};
use crate::discovery_error::PluginDiscoveryError;
use crate::manifest::PluginManifest;

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
