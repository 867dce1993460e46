//! Reading one YAML document into the raw tree: syntax errors with positions, scalar keys
//! turned into strings, `${VAR}` substitution in string values, dotted keys expanded.

use std::path::Path;

use serde_json::{Map, Number, Value};
use serde_yaml_ng::Value as Yaml;

use crate::ConfigError;
use crate::substitute::{VarLookup, substitute};
use crate::tree::{expand_dotted, join};

/// Parses `text` (read from `origin`) into a raw tree. Empty documents are empty maps.
pub(crate) fn parse_document(
    text: &str,
    origin: &Path,
    vars: &VarLookup,
) -> Result<Value, ConfigError> {
    let mut document: Yaml =
        serde_yaml_ng::from_str(text).map_err(|error| syntax_error(&error, origin))?;
    document
        .apply_merge()
        .map_err(|error| syntax_error(&error, origin))?;
    match document {
        Yaml::Null => Ok(Value::Object(Map::new())),
        Yaml::Mapping(_) => {
            let converter = Converter { origin, vars };
            converter.convert(document, "").map(expand_dotted)
        }
        other => Err(ConfigError::NotAMap {
            path: origin.to_owned(),
            found: yaml_kind(&other).to_owned(),
        }),
    }
}

/// Reads and parses the file at `path`.
pub(crate) fn read_file(path: &Path, vars: &VarLookup) -> Result<Value, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
        path: path.to_owned(),
        message: error.to_string(),
    })?;
    parse_document(&text, path, vars)
}

fn syntax_error(error: &serde_yaml_ng::Error, origin: &Path) -> ConfigError {
    let message = error.to_string();
    match error.location() {
        Some(location) => {
            // The parser appends the position we report separately; drop it from the text.
            let position = format!(" at line {} column {}", location.line(), location.column());
            ConfigError::Syntax {
                path: origin.to_owned(),
                line: location.line(),
                column: location.column(),
                message: message.replacen(&position, "", 1),
            }
        }
        None => ConfigError::Yaml {
            path: origin.to_owned(),
            message,
        },
    }
}

/// Kibana's word for the type of a YAML value (`typeDetect`).
fn yaml_kind(value: &Yaml) -> &'static str {
    match value {
        Yaml::Null => "null",
        Yaml::Bool(_) => "boolean",
        Yaml::Number(_) => "number",
        Yaml::String(_) => "string",
        Yaml::Sequence(_) => "Array",
        Yaml::Mapping(_) => "Object",
        Yaml::Tagged(_) => "tagged value",
    }
}

struct Converter<'a> {
    origin: &'a Path,
    vars: &'a VarLookup,
}

impl Converter<'_> {
    fn convert(&self, value: Yaml, path: &str) -> Result<Value, ConfigError> {
        Ok(match value {
            Yaml::Null => Value::Null,
            Yaml::Bool(flag) => Value::Bool(flag),
            Yaml::Number(number) => self.number(&number, path)?,
            Yaml::String(text) => Value::String(substitute(&text, path, self.vars)?),
            Yaml::Sequence(items) => Value::Array(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(index, item)| self.convert(item, &join(path, &index.to_string())))
                    .collect::<Result<_, _>>()?,
            ),
            Yaml::Mapping(mapping) => {
                let mut map = Map::with_capacity(mapping.len());
                for (key, child) in mapping {
                    let key = self.key(key, path)?;
                    let child = self.convert(child, &join(path, &key))?;
                    map.insert(key, child);
                }
                Value::Object(map)
            }
            Yaml::Tagged(tagged) => {
                return Err(self.invalid(
                    path,
                    format!("YAML tags are not supported (found {})", tagged.tag),
                ));
            }
        })
    }

    fn number(&self, number: &serde_yaml_ng::Number, path: &str) -> Result<Value, ConfigError> {
        if let Some(int) = number.as_i64() {
            return Ok(Value::from(int));
        }
        if let Some(int) = number.as_u64() {
            return Ok(Value::from(int));
        }
        number
            .as_f64()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| {
                self.invalid(
                    path,
                    format!("the number [{number}] is not supported (only finite numbers are)"),
                )
            })
    }

    /// Map keys are strings in Kibana's config; YAML scalars used as keys become their text.
    fn key(&self, key: Yaml, path: &str) -> Result<String, ConfigError> {
        match key {
            Yaml::String(text) => Ok(text),
            Yaml::Bool(flag) => Ok(flag.to_string()),
            Yaml::Number(number) => Ok(number.to_string()),
            other => Err(self.invalid(
                path,
                format!("a map key must be a string but got [{}]", yaml_kind(&other)),
            )),
        }
    }

    fn invalid(&self, path: &str, message: String) -> ConfigError {
        let path = if path.is_empty() {
            "<root>".to_owned()
        } else {
            path.to_owned()
        };
        ConfigError::Invalid {
            path,
            message: format!("{message} in {}", self.origin.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;

    fn parse(text: &str) -> Result<Value, ConfigError> {
        let vars: VarLookup = Arc::new(|name| (name == "PORT").then(|| "5601".to_owned()));
        parse_document(text, Path::new("kibana.yml"), &vars)
    }

    #[test]
    fn empty_and_comment_only_documents_are_empty_maps() {
        assert_eq!(parse("").unwrap(), json!({}));
        assert_eq!(parse("# nothing here\n").unwrap(), json!({}));
    }

    #[test]
    fn mixed_dotted_and_nested_keys_expand() {
        let tree = parse("server.port: ${PORT}\nserver:\n  ssl.enabled: true\n1: one\n").unwrap();
        assert_eq!(
            tree,
            json!({"server": {"port": "5601", "ssl": {"enabled": true}}, "1": "one"})
        );
    }

    #[test]
    fn merge_keys_are_applied() {
        let tree = parse("base: &b {a: 1}\nother:\n  <<: *b\n  c: 2\n").unwrap();
        assert_eq!(tree["other"], json!({"a": 1, "c": 2}));
    }

    #[test]
    fn syntax_errors_carry_the_position_once() {
        let error = parse("server:\n  port: 1\n bad: [\n").unwrap_err();
        let ConfigError::Syntax {
            line,
            column,
            message,
            ..
        } = &error
        else {
            panic!("{error:?}")
        };
        assert!(*line > 0 && *column > 0, "{error}");
        assert!(
            !message.contains(&format!("at line {line} column {column}")),
            "{message}"
        );
    }

    #[test]
    fn a_top_level_list_is_rejected_naming_the_file() {
        assert_eq!(
            parse("- a\n- b\n").unwrap_err(),
            ConfigError::NotAMap {
                path: "kibana.yml".into(),
                found: "Array".into()
            }
        );
    }

    #[test]
    fn infinite_numbers_and_tags_are_rejected_with_their_key() {
        assert!(
            matches!(parse("a:\n  b: .inf\n").unwrap_err(), ConfigError::Invalid { path, .. } if path == "a.b")
        );
        assert!(
            matches!(parse("a: !secret x\n").unwrap_err(), ConfigError::Invalid { path, .. } if path == "a")
        );
    }
}
