//! Which level and appenders apply to a context, resolved from a [`LoggingConfig`].

use std::collections::HashMap;

use crate::LogLevel;
use crate::config::LoggingConfig;

/// The level and appenders (indices into the router's appender list) of one context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Route {
    pub(crate) level: LogLevel,
    pub(crate) appenders: Vec<usize>,
}

/// The resolved `root` and `loggers` entries of one config.
#[derive(Debug)]
pub(crate) struct Routing {
    root: Route,
    /// Entries by context; an empty appender list means "inherit".
    entries: HashMap<String, Route>,
}

impl Routing {
    /// Resolves appender names through `appender_index`. The config has been validated, so
    /// every name is known; an unknown one would be skipped rather than panic.
    pub(crate) fn new(config: &LoggingConfig, appender_index: &HashMap<String, usize>) -> Self {
        let indices = |names: &[String]| {
            names
                .iter()
                .filter_map(|name| appender_index.get(name).copied())
                .collect::<Vec<_>>()
        };
        let root = Route {
            level: config.root.level,
            appenders: indices(&config.root.appenders),
        };
        let entries = config
            .loggers
            .iter()
            .map(|logger| {
                (
                    logger.context.clone(),
                    Route {
                        level: logger.level,
                        appenders: indices(&logger.appenders),
                    },
                )
            })
            .collect();
        Self { root, entries }
    }

    /// The route of `context`: the level of the nearest configured ancestor (the context itself
    /// first, `root` last), and the appenders of the nearest one that names appenders.
    pub(crate) fn route(&self, context: &str) -> Route {
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
        Route {
            level: level.unwrap_or(self.root.level),
            appenders: appenders.unwrap_or(&self.root.appenders).clone(),
        }
    }

    /// The level of `context` (see [`Routing::route`]).
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

    fn routing(yaml: &str) -> Routing {
        let config: LoggingConfig = serde_yaml_ng::from_str(yaml).unwrap();
        let index = ["default", "file", "json"]
            .iter()
            .enumerate()
            .map(|(i, name)| ((*name).to_owned(), i))
            .collect();
        Routing::new(&config, &index)
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
        let routing = routing(
            r#"
root: { level: warn, appenders: [default] }
loggers:
  - { context: plugins, level: debug, appenders: [file] }
  - { context: plugins.quiet, level: error }
  - { context: plugins.quiet.loud, level: trace, appenders: [json] }
  - { context: server, level: off }
"#,
        );
        let route = |context: &str| routing.route(context);
        assert_eq!(
            route("root"),
            Route {
                level: LogLevel::Warn,
                appenders: vec![0]
            }
        );
        assert_eq!(
            route("http"),
            Route {
                level: LogLevel::Warn,
                appenders: vec![0]
            }
        );
        assert_eq!(
            route("plugins"),
            Route {
                level: LogLevel::Debug,
                appenders: vec![1]
            }
        );
        assert_eq!(
            route("plugins.a.b"),
            Route {
                level: LogLevel::Debug,
                appenders: vec![1]
            }
        );
        // Own level, appenders from `plugins`.
        assert_eq!(
            route("plugins.quiet.x"),
            Route {
                level: LogLevel::Error,
                appenders: vec![1]
            }
        );
        assert_eq!(
            route("plugins.quiet.loud.y"),
            Route {
                level: LogLevel::Trace,
                appenders: vec![2]
            }
        );
        assert_eq!(
            route("server.http"),
            Route {
                level: LogLevel::Off,
                appenders: vec![0]
            }
        );
        // A prefix that is not a dotted ancestor does not count.
        assert_eq!(
            route("pluginsX"),
            Route {
                level: LogLevel::Warn,
                appenders: vec![0]
            }
        );
        assert_eq!(routing.level("plugins.quiet.x"), LogLevel::Error);
        assert_eq!(routing.most_verbose(), LogLevel::Trace);
    }
}
