//! Level and appender resolution: which level and appenders apply to a context, resolved from
//! the `root` and `loggers` entries of a [`LoggingConfig`].

use std::collections::HashMap;

use crate::LogLevel;
use crate::config::LoggingConfig;

/// The level and appenders (indices into the writer's appender list) of one context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ContextSettings {
    pub(crate) level: LogLevel,
    pub(crate) appenders: Vec<usize>,
}

/// The resolved `root` and `loggers` entries of one config, which give any context its
/// [`ContextSettings`].
#[derive(Debug)]
pub(crate) struct ContextResolver {
    root: ContextSettings,
    /// Entries by context; an empty appender list means "inherit".
    entries: HashMap<String, ContextSettings>,
}

impl ContextResolver {
    /// Resolves appender names through `appender_index`. The config has been validated, so
    /// every name is known; an unknown one would be skipped rather than panic.
    pub(crate) fn new(config: &LoggingConfig, appender_index: &HashMap<String, usize>) -> Self {
        let indices = |names: &[String]| {
            names
                .iter()
                .filter_map(|name| appender_index.get(name).copied())
                .collect::<Vec<_>>()
        };
        let root = ContextSettings {
            level: config.root.level,
            appenders: indices(&config.root.appenders),
        };
        let entries = config
            .loggers
            .iter()
            .map(|logger| {
                (
                    logger.context.clone(),
                    ContextSettings {
                        level: logger.level,
                        appenders: indices(&logger.appenders),
                    },
                )
            })
            .collect();
        Self { root, entries }
    }

    /// The settings of `context`: the level of the nearest configured ancestor (the context itself
    /// first, `root` last), and the appenders of the nearest one that names appenders.
    pub(crate) fn resolve(&self, context: &str) -> ContextSettings {
        let mut level = None;
        let mut appenders = None;
        for ancestor in ancestors(context) {
            if let Some(entry) = self.entries.get(ancestor) {
                level.get_or_insert(entry.level);
                if !entry.appenders.is_empty() {
                    appenders = Some(&entry.appenders);
                    break;
                }
            }
        }
        ContextSettings {
            level: level.unwrap_or(self.root.level),
            appenders: appenders.unwrap_or(&self.root.appenders).clone(),
        }
    }

    /// The level of `context` (see [`ContextResolver::resolve`]).
    pub(crate) fn level(&self, context: &str) -> LogLevel {
        ancestors(context)
            .find_map(|ancestor| self.entries.get(ancestor))
            .map_or(self.root.level, |entry| entry.level)
    }

    /// The most verbose level any context can have (what the `log` bridge lets through).
    pub(crate) fn most_verbose(&self) -> LogLevel {
        self.entries
            .values()
            .map(|entry| entry.level)
            .chain([self.root.level])
            .max_by_key(|level| level.threshold_rank())
            .unwrap_or(self.root.level)
    }
}

/// `a.b.c`, `a.b`, `a`: the context and its dotted ancestors, nearest first.
fn ancestors(context: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(context), |current| {
        current.rfind('.').map(|dot| &current[..dot])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolver(yaml: &str) -> ContextResolver {
        let config: LoggingConfig = serde_yaml_ng::from_str(yaml).unwrap();
        let index = ["default", "file", "json"]
            .iter()
            .enumerate()
            .map(|(i, name)| ((*name).to_owned(), i))
            .collect();
        ContextResolver::new(&config, &index)
    }

    #[test]
    fn ancestors_nearest_first() {
        assert_eq!(
            ancestors("a.b.c").collect::<Vec<_>>(),
            ["a.b.c", "a.b", "a"]
        );
        assert_eq!(ancestors("root").collect::<Vec<_>>(), ["root"]);
    }

    #[test]
    fn contexts_inherit_level_and_appenders_from_the_nearest_ancestor() {
        let resolver = resolver(
            r#"
root: { level: warn, appenders: [default] }
loggers:
  - { context: plugins, level: debug, appenders: [file] }
  - { context: plugins.quiet, level: error }
  - { context: plugins.quiet.loud, level: trace, appenders: [json] }
  - { context: server, level: off }
"#,
        );
        let resolve = |context: &str| resolver.resolve(context);
        assert_eq!(
            resolve("root"),
            ContextSettings {
                level: LogLevel::Warn,
                appenders: vec![0]
            }
        );
        assert_eq!(
            resolve("http"),
            ContextSettings {
                level: LogLevel::Warn,
                appenders: vec![0]
            }
        );
        assert_eq!(
            resolve("plugins"),
            ContextSettings {
                level: LogLevel::Debug,
                appenders: vec![1]
            }
        );
        assert_eq!(
            resolve("plugins.a.b"),
            ContextSettings {
                level: LogLevel::Debug,
                appenders: vec![1]
            }
        );
        // Own level, appenders from `plugins`.
        assert_eq!(
            resolve("plugins.quiet.x"),
            ContextSettings {
                level: LogLevel::Error,
                appenders: vec![1]
            }
        );
        assert_eq!(
            resolve("plugins.quiet.loud.y"),
            ContextSettings {
                level: LogLevel::Trace,
                appenders: vec![2]
            }
        );
        assert_eq!(
            resolve("server.http"),
            ContextSettings {
                level: LogLevel::Off,
                appenders: vec![0]
            }
        );
        // A prefix that is not a dotted ancestor does not count.
        assert_eq!(
            resolve("pluginsX"),
            ContextSettings {
                level: LogLevel::Warn,
                appenders: vec![0]
            }
        );
        assert_eq!(resolver.level("plugins.quiet.x"), LogLevel::Error);
        assert_eq!(resolver.most_verbose(), LogLevel::Trace);
    }
}
