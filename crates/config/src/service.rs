//! The config service: the raw tree (sources + overrides), typed sections, and the
//! bookkeeping of which keys some part of the system has read.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::{Map, Value};
use tokio::sync::watch;

use crate::section::typed;
use crate::subscription::ConfigSubscription;
use crate::substitute::{VarLookup, process_vars};
use crate::tree::{covers, expand_dotted, flatten_leaves, get, join, merge, nest};
use crate::yaml::{parse_document, read_file};
use crate::{ConfigError, ConfigSchema, Env};

/// The name used in errors for a document given as a string.
const INLINE_YAML: &str = "<inline YAML>";
/// The name used in errors for a tree given as a JSON value.
const INLINE_VALUE: &str = "<inline value>";

/// Holds the raw config tree (files + overrides) and hands out typed sections
/// (Kibana's `ConfigService`). Cheap to clone; clones share state.
#[derive(Clone)]
pub struct ConfigService {
    shared: Arc<Shared>,
}

struct Shared {
    env: Arc<Env>,
    source: Source,
    vars: VarLookup,
    /// Serializes `reload` so an older read can never replace a newer one.
    reloading: Mutex<()>,
    state: Mutex<State>,
    /// The current merged tree; subscribers watch it.
    tree: watch::Sender<Arc<Value>>,
}

/// Where the base tree comes from; `reload` reads it again.
enum Source {
    Files(Vec<PathBuf>),
    Yaml(String),
    Value(Value),
}

struct State {
    /// The sources merged, before overrides.
    base: Value,
    /// `(dotted key, value)` in the order they were set; a key set again moves to the end.
    overrides: Vec<(String, Value)>,
    /// Paths some reader has handled (`at_path`, `subscribe`, `is_enabled_at_path`).
    handled: BTreeSet<String>,
}

impl ConfigService {
    /// Reads `env.config_paths` in order (later files win) and builds the service.
    ///
    /// `${NAME}` references are resolved from the process environment, each time the files
    /// are read.
    ///
    /// # Arguments
    ///
    /// * `env` - the environment; its `config_paths` are read in order, and must all exist.
    pub fn from_env(env: Arc<Env>) -> Result<Self, ConfigError> {
        Self::from_env_with_vars(env, |name| std::env::var(name).ok())
    }

    /// Like [`ConfigService::from_env`], but `${NAME}` references are resolved by `vars`
    /// (tests, or a server that wants a filtered environment).
    ///
    /// # Arguments
    ///
    /// * `env` - the environment; its `config_paths` are read in order, and must all exist.
    /// * `vars` - returns the value of an environment variable by name, `None` when unset.
    pub fn from_env_with_vars(
        env: Arc<Env>,
        vars: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Result<Self, ConfigError> {
        let source = Source::Files(env.config_paths.clone());
        Self::build(env, source, Arc::new(vars))
    }

    /// A service over an in-memory YAML document (tests, embedding). `${NAME}` references are
    /// resolved from the process environment; errors name the file `<inline YAML>`.
    ///
    /// # Arguments
    ///
    /// * `yaml` - the config as one YAML document (nested maps or dotted keys).
    /// * `env` - the environment the service hands out.
    pub fn from_yaml_str(yaml: &str, env: Arc<Env>) -> Result<Self, ConfigError> {
        Self::build(env, Source::Yaml(yaml.to_owned()), process_vars())
    }

    /// A service over an in-memory JSON tree (tests, embedding). Dotted keys are expanded;
    /// strings are taken as they are (no `${NAME}` substitution).
    ///
    /// # Arguments
    ///
    /// * `value` - the config tree: a JSON object (nested or with dotted keys), or `null` for none.
    /// * `env` - the environment the service hands out.
    pub fn from_value(value: serde_json::Value, env: Arc<Env>) -> Result<Self, ConfigError> {
        Self::build(env, Source::Value(value), process_vars())
    }

    fn build(env: Arc<Env>, source: Source, vars: VarLookup) -> Result<Self, ConfigError> {
        let base = source.load(&vars)?;
        let (tree, _) = watch::channel(Arc::new(base.clone()));
        let state = State {
            base,
            overrides: Vec::new(),
            handled: BTreeSet::new(),
        };
        Ok(Self {
            shared: Arc::new(Shared {
                env,
                source,
                vars,
                reloading: Mutex::new(()),
                state: Mutex::new(state),
                tree,
            }),
        })
    }

    /// The environment.
    pub fn env(&self) -> &Arc<Env> {
        &self.shared.env
    }

    /// Overrides `key` (dotted) with `value`; overrides win over files and survive reloads.
    ///
    /// A map value deep-merges into what is already there, like a later file would. Setting
    /// the same key again replaces the earlier override. `${NAME}` in `value` is not
    /// substituted: overrides are taken literally.
    ///
    /// # Arguments
    ///
    /// * `key` - the dotted key to override, such as `server.port`; no empty names.
    /// * `value` - the value, anything serde can turn into JSON; a map deep-merges.
    pub fn set(&self, key: &str, value: impl serde::Serialize) -> Result<(), ConfigError> {
        if key.is_empty() || key.split('.').any(str::is_empty) {
            return Err(ConfigError::Invalid {
                path: key.to_owned(),
                message: "an override key must be a dotted path of non-empty names".to_owned(),
            });
        }
        if crate::tree::too_deep(key) {
            return Err(ConfigError::Invalid {
                path: crate::tree::abbreviated(key),
                message: format!(
                    "an override key may have at most {} names",
                    crate::tree::MAX_KEY_DEPTH
                ),
            });
        }
        let value = serde_json::to_value(value).map_err(|error| ConfigError::Invalid {
            path: key.to_owned(),
            message: format!("the value cannot be stored in the config: {error}"),
        })?;
        let mut state = self.shared.lock();
        state.overrides.retain(|(existing, _)| existing != key);
        state.overrides.push((key.to_owned(), expand_dotted(value)));
        self.shared.publish(&state);
        Ok(())
    }

    /// Re-reads the config files (SIGHUP); subscribers of changed sections are notified.
    ///
    /// On a read or syntax error the previous tree stays in place and the error is returned.
    pub fn reload(&self) -> Result<(), ConfigError> {
        let _reloading = self
            .shared
            .reloading
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let base = self.shared.source.load(&self.shared.vars)?;
        let mut state = self.shared.lock();
        state.base = base;
        self.shared.publish(&state);
        Ok(())
    }

    /// The typed, validated section at `path` (dotted); an absent section gives the type's defaults.
    ///
    /// # Arguments
    ///
    /// * `path` - the section's dotted path, such as `server` or `plugins.greeting`.
    pub fn at_path<T: ConfigSchema>(&self, path: &str) -> Result<T, ConfigError> {
        self.mark_handled(path);
        typed(path, get(&self.tree(), path))
    }

    /// Like [`ConfigService::at_path`], but `None` when nothing is configured at `path`
    /// (absent or `null`).
    ///
    /// # Arguments
    ///
    /// * `path` - the section's dotted path, such as `server` or `plugins.greeting`.
    pub fn optional_at_path<T: ConfigSchema>(&self, path: &str) -> Result<Option<T>, ConfigError> {
        self.mark_handled(path);
        let tree = self.tree();
        match get(&tree, path) {
            None | Some(Value::Null) => Ok(None),
            raw => typed(path, raw).map(Some),
        }
    }

    /// The section at `path` now and whenever its raw subtree really changes.
    ///
    /// # Arguments
    ///
    /// * `path` - the section's dotted path, such as `server` or `plugins.greeting`.
    pub fn subscribe<T: ConfigSchema>(
        &self,
        path: &str,
    ) -> Result<ConfigSubscription<T>, ConfigError> {
        self.mark_handled(path);
        ConfigSubscription::new(path, self.shared.tree.subscribe())
    }

    /// Whether `<path>.enabled` is not `false`; marks the section (or just its `enabled` key) as used.
    ///
    /// - `<path>.enabled` absent: enabled, nothing is marked.
    /// - `false` (or the string `"false"`, as Kibana's boolean schema accepted): disabled, and
    ///   the whole section counts as used, so a disabled plugin's settings are not "unknown".
    /// - anything else: enabled and only `<path>.enabled` is marked. A non-boolean such as
    ///   `"yes"` therefore enables the section and is reported by the section's own typed
    ///   validation (`[<path>.enabled]: expected value of type [boolean] ...`) when it is read.
    ///
    /// # Arguments
    ///
    /// * `path` - the section's dotted path, such as a plugin's `configPath`.
    pub fn is_enabled_at_path(&self, path: &str) -> bool {
        // Called once per plugin at startup: read the tree in place and build the dotted
        // `<path>.enabled` key only when it has to be marked.
        let disabled = {
            let tree = self.shared.tree.borrow();
            match get(&tree, path).and_then(|section| get(section, "enabled")) {
                None => return true,
                Some(Value::Bool(false)) => true,
                Some(Value::String(text)) => text.trim() == "false",
                Some(_) => false,
            }
        };
        if disabled {
            self.mark_handled(path);
        } else {
            self.mark_handled(&join(path, "enabled"));
        }
        !disabled
    }

    /// Flattened keys nobody has read, sorted.
    pub fn unused_paths(&self) -> Vec<String> {
        let tree = self.tree();
        let state = self.shared.lock();
        flatten_leaves(&tree)
            .into_iter()
            .filter(|key| !state.handled.iter().any(|handled| covers(handled, key)))
            .collect()
    }

    /// Flattened keys under a path some reader has handled, sorted (Kibana's `getUsedPaths`).
    pub fn used_paths(&self) -> Vec<String> {
        let tree = self.tree();
        let state = self.shared.lock();
        flatten_leaves(&tree)
            .into_iter()
            .filter(|key| state.handled.iter().any(|handled| covers(handled, key)))
            .collect()
    }

    /// Fails with [`ConfigError::UnusedKeys`] when [`ConfigService::unused_paths`] is not empty.
    pub fn validate_all_used(&self) -> Result<(), ConfigError> {
        let unused = self.unused_paths();
        if unused.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::UnusedKeys(unused))
        }
    }

    /// The config files read, in order (empty for in-memory sources).
    pub fn config_paths(&self) -> Vec<PathBuf> {
        match &self.shared.source {
            Source::Files(paths) => paths.clone(),
            Source::Yaml(_) | Source::Value(_) => Vec::new(),
        }
    }

    fn tree(&self) -> Arc<Value> {
        self.shared.tree.borrow().clone()
    }

    fn mark_handled(&self, path: &str) {
        self.shared.lock().handled.insert(path.to_owned());
    }
}

impl fmt::Debug for ConfigService {
    /// Shows where the config comes from, never its values (they may hold secrets).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.shared.source {
            Source::Files(paths) => format!("files {paths:?}"),
            Source::Yaml(_) => INLINE_YAML.to_owned(),
            Source::Value(_) => INLINE_VALUE.to_owned(),
        };
        f.debug_struct("ConfigService")
            .field("source", &source)
            .finish_non_exhaustive()
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // No code path panics while holding the lock; if one did, the state is still consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Recomputes the tree from `state` and wakes subscribers only if it changed.
    fn publish(&self, state: &State) {
        let mut tree = state.base.clone();
        for (key, value) in &state.overrides {
            merge(&mut tree, nest(key, value.clone()));
        }
        self.tree.send_if_modified(|current| {
            if **current == tree {
                false
            } else {
                *current = Arc::new(tree);
                true
            }
        });
    }
}

impl Source {
    /// The merged base tree of this source.
    fn load(&self, vars: &VarLookup) -> Result<Value, ConfigError> {
        match self {
            Source::Files(paths) => {
                let mut tree = Value::Object(Map::new());
                for path in paths {
                    merge(&mut tree, read_file(path, vars)?);
                }
                Ok(tree)
            }
            Source::Yaml(text) => parse_document(text, Path::new(INLINE_YAML), vars),
            Source::Value(value) => match value {
                Value::Null => Ok(Value::Object(Map::new())),
                Value::Object(_) => Ok(expand_dotted(value.clone())),
                other => Err(ConfigError::NotAMap {
                    path: PathBuf::from(INLINE_VALUE),
                    found: crate::messages::kind(other).to_owned(),
                }),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_and_subscriptions_can_cross_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        #[derive(serde::Deserialize)]
        struct Section {}
        impl ConfigSchema for Section {}
        assert_send_sync::<ConfigService>();
        assert_send_sync::<ConfigSubscription<Section>>();
    }

    #[test]
    fn an_override_key_of_more_than_128_names_is_refused() {
        let env = Arc::new(Env::new(crate::EnvOptions::default()));
        let service = ConfigService::from_value(serde_json::json!({}), env).unwrap();
        let deep = vec!["a"; 129].join(".");
        match service.set(&deep, 1).unwrap_err() {
            ConfigError::Invalid { path, message } => {
                assert_eq!(path.len(), 63, "{path}");
                assert_eq!(message, "an override key may have at most 128 names");
            }
            other => panic!("{other:?}"),
        }
        service.set(&vec!["a"; 128].join("."), 1).unwrap();
    }

    #[test]
    fn debug_output_never_shows_values() {
        let env = Arc::new(Env::new(crate::EnvOptions::default()));
        let service =
            ConfigService::from_value(serde_json::json!({"password": "hunter2"}), env).unwrap();
        let debug = format!("{service:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("<inline value>"), "{debug}");
    }
}
