//! The `logging` config section (Kibana's `LoggingConfig` schema) and its validation.

use std::collections::BTreeMap;
use std::path::PathBuf;

use core_config::{ConfigSchema, ValidationError};
use serde::{Deserialize, Serialize};

use crate::LogLevel;

/// The name of the console appender that always exists.
pub const DEFAULT_APPENDER: &str = "default";

/// The `logging` section.
///
/// ```yaml
/// logging:
///   appenders:
///     file:
///       kind: file
///       path: /var/log/kibana.log
///       layout: { kind: json }
///   root: { level: info, appenders: [default, file] }
///   loggers:
///     - { context: plugins.myPlugin, level: debug }
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct LoggingConfig {
    /// Appenders by name, in addition to the built-in `default` console appender (which an
    /// entry named `default` replaces).
    pub appenders: BTreeMap<String, AppenderConfig>,
    /// The root logger: the level and appenders of every context without a more specific entry.
    pub root: RootLoggerConfig,
    /// Per-context overrides; a context inherits from its nearest dotted ancestor with an entry.
    pub loggers: Vec<LoggerConfig>,
}

/// Where records go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum AppenderConfig {
    /// Standard output.
    Console {
        /// How each record is written.
        layout: LayoutConfig,
    },
    /// A file, opened for appending. Its directory must exist.
    File {
        /// The file's path.
        path: PathBuf,
        /// How each record is written.
        layout: LayoutConfig,
    },
}

/// How a record becomes a line of text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum LayoutConfig {
    /// A text pattern with placeholders (see [`crate::layout::DEFAULT_PATTERN`]).
    Pattern {
        /// The pattern; `None` means [`crate::layout::DEFAULT_PATTERN`].
        #[serde(default)]
        pattern: Option<String>,
        /// Colour the level with ANSI escapes.
        #[serde(default)]
        highlight: bool,
    },
    /// One JSON object per line.
    Json {},
}

/// The `root` logger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct RootLoggerConfig {
    /// The root level (default `info`).
    pub level: LogLevel,
    /// The root appenders (default `["default"]`, at least one).
    pub appenders: Vec<String>,
}

impl Default for RootLoggerConfig {
    fn default() -> Self {
        Self {
            level: LogLevel::Info,
            appenders: vec![DEFAULT_APPENDER.to_owned()],
        }
    }
}

/// One entry of `loggers`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LoggerConfig {
    /// The dotted context this entry configures, with its descendants.
    pub context: String,
    /// The level (default `info`, as in Kibana).
    #[serde(default = "default_level")]
    pub level: LogLevel,
    /// The appenders; empty means those of the nearest ancestor (finally root's).
    #[serde(default)]
    pub appenders: Vec<String>,
}

fn default_level() -> LogLevel {
    LogLevel::Info
}

impl LoggingConfig {
    /// Whether `name` is an appender this config can route to.
    ///
    /// # Arguments
    ///
    /// * `name` - an appender name: `default` or a key of `appenders`.
    pub fn has_appender(&self, name: &str) -> bool {
        name == DEFAULT_APPENDER || self.appenders.contains_key(name)
    }

    fn check_appender_keys(
        &self,
        context: &str,
        keys: &[String],
        path: String,
    ) -> Result<(), ValidationError> {
        match keys.iter().find(|key| !self.has_appender(key)) {
            Some(key) => Err(ValidationError::new(
                path,
                format!("Logger \"{context}\" contains unsupported appender key \"{key}\"."),
            )),
            None => Ok(()),
        }
    }
}

impl ConfigSchema for LoggingConfig {
    fn validate(&self) -> Result<(), ValidationError> {
        if self.root.appenders.is_empty() {
            return Err(ValidationError::new(
                "root.appenders",
                "array size is [0], but cannot be smaller than [1]",
            ));
        }
        self.check_appender_keys("root", &self.root.appenders, "root.appenders".to_owned())?;
        for (index, logger) in self.loggers.iter().enumerate() {
            let context = logger.context.trim();
            if context.is_empty() || context.split('.').any(str::is_empty) {
                return Err(ValidationError::new(
                    format!("loggers[{index}].context"),
                    format!(
                        "\"{}\" is not a dotted context such as \"plugins.myPlugin\"",
                        logger.context
                    ),
                ));
            }
            if let Some(first) = self.loggers[..index]
                .iter()
                .position(|other| other.context == logger.context)
            {
                return Err(ValidationError::new(
                    format!("loggers[{index}].context"),
                    format!(
                        "context \"{}\" is already configured by loggers[{first}]",
                        logger.context
                    ),
                ));
            }
            self.check_appender_keys(
                &logger.context,
                &logger.appenders,
                format!("loggers[{index}].appenders"),
            )?;
        }
        for (name, appender) in &self.appenders {
            if let AppenderConfig::File { path, .. } = appender
                && path.as_os_str().is_empty()
            {
                return Err(ValidationError::new(
                    format!("appenders.{name}.path"),
                    "must not be empty",
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> LoggingConfig {
        serde_yaml_ng::from_str(yaml).unwrap()
    }

    fn validate(yaml: &str) -> Result<(), (String, String)> {
        parse(yaml).validate().map_err(|e| (e.path, e.message))
    }

    #[test]
    fn defaults_match_kibana() {
        let config = parse("{}");
        assert_eq!(config, LoggingConfig::default());
        assert_eq!(config.root.level, LogLevel::Info);
        assert_eq!(config.root.appenders, ["default"]);
        assert!(config.appenders.is_empty() && config.loggers.is_empty());
        assert_eq!(config.validate(), Ok(()));
    }

    #[test]
    fn parses_appenders_layouts_and_loggers() {
        let config = parse(
            r#"
appenders:
  out: { kind: console, layout: { kind: pattern, pattern: "{level} {message}", highlight: true } }
  file: { kind: file, path: /tmp/x.log, layout: { kind: json } }
root: { level: warn, appenders: [out] }
loggers:
  - { context: plugins.a, level: debug, appenders: [file] }
  - { context: plugins.b }
"#,
        );
        assert_eq!(
            config.appenders["out"],
            AppenderConfig::Console {
                layout: LayoutConfig::Pattern {
                    pattern: Some("{level} {message}".into()),
                    highlight: true
                }
            }
        );
        assert_eq!(
            config.appenders["file"],
            AppenderConfig::File {
                path: "/tmp/x.log".into(),
                layout: LayoutConfig::Json {}
            }
        );
        assert_eq!(
            config.loggers[1],
            LoggerConfig {
                context: "plugins.b".into(),
                level: LogLevel::Info,
                appenders: vec![]
            }
        );
        assert_eq!(config.validate(), Ok(()));
    }

    #[test]
    fn rejects_unknown_keys_and_kinds() {
        for yaml in [
            "unknown: 1",
            "root: { level: info, colour: red }",
            "appenders: { x: { kind: syslog, layout: { kind: json } } }",
            "appenders: { x: { kind: console, layout: { kind: json, pretty: true } } }",
            "appenders: { x: { kind: console, path: /tmp/a, layout: { kind: json } } }",
            "loggers: [{ context: a, level: loud }]",
        ] {
            assert!(
                serde_yaml_ng::from_str::<LoggingConfig>(yaml).is_err(),
                "{yaml} should not parse"
            );
        }
    }

    #[test]
    fn unknown_appender_names_the_logger_and_path() {
        assert_eq!(
            validate(
                "loggers: [{ context: plugins.a, appenders: [default] }, { context: plugins.b, appenders: [nope] }]"
            ),
            Err((
                "loggers[1].appenders".into(),
                "Logger \"plugins.b\" contains unsupported appender key \"nope\".".into()
            ))
        );
        assert_eq!(
            validate("root: { appenders: [missing] }"),
            Err((
                "root.appenders".into(),
                "Logger \"root\" contains unsupported appender key \"missing\".".into()
            ))
        );
    }

    #[test]
    fn root_needs_an_appender_and_contexts_must_be_sound() {
        assert_eq!(
            validate("root: { appenders: [] }"),
            Err((
                "root.appenders".into(),
                "array size is [0], but cannot be smaller than [1]".into()
            ))
        );
        assert_eq!(
            validate("loggers: [{ context: 'a..b' }]").unwrap_err().0,
            "loggers[0].context"
        );
        assert_eq!(
            validate("loggers: [{ context: a }, { context: a }]"),
            Err((
                "loggers[1].context".into(),
                "context \"a\" is already configured by loggers[0]".into()
            ))
        );
    }
}
