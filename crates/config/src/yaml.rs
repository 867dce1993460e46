//! Reading one YAML document into the raw tree: syntax errors with positions, scalar keys
//! turned into strings, `${VAR}` substitution in string values, dotted keys expanded.

use std::path::Path;

use serde_json::{Map, Number, Value};
use serde_yaml_ng::Value as Yaml;

use crate::ConfigError;
use crate::substitute::{VarLookup, substitute};
use crate::tree::{MAX_KEY_DEPTH, abbreviated, expand_dotted, join, too_deep};

/// Parses `text` (read from `origin`) into a raw tree. Empty documents are empty maps.
pub(crate) fn parse_document(
    text: &str,
    origin: &Path,
    vars: &VarLookup,
) -> Result<Value, ConfigError> {
    check_nesting(text, origin)?;
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

/// The largest config file read (`kibana.yml` files are kilobytes): a larger one is refused
/// without being read whole.
pub const MAX_CONFIG_FILE_BYTES: u64 = 16 << 20;

/// Reads and parses the file at `path`.
pub(crate) fn read_file(path: &Path, vars: &VarLookup) -> Result<Value, ConfigError> {
    use std::io::Read;
    let read_error = |message: String| ConfigError::Read {
        path: path.to_owned(),
        message,
    };
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|file| {
            file.take(MAX_CONFIG_FILE_BYTES + 1)
                .read_to_string(&mut text)
        })
        .map_err(|error| read_error(error.to_string()))?;
    if text.len() as u64 > MAX_CONFIG_FILE_BYTES {
        return Err(read_error(format!(
            "the file is larger than {MAX_CONFIG_FILE_BYTES} bytes"
        )));
    }
    parse_document(&text, path, vars)
}

/// The deepest flow nesting (`[` and `{`) a config document may have. The parser refuses more
/// than 128 levels anyway, but only after work that grows with the square of the depth (20 000
/// levels took most of a second, 50 000 ten seconds): this check is one pass over the text.
pub(crate) const MAX_FLOW_DEPTH: usize = 128;

/// Refuses a document whose flow collections nest deeper than [`MAX_FLOW_DEPTH`], before the
/// parser sees it. Brackets inside quoted scalars and comments do not count.
fn check_nesting(text: &str, origin: &Path) -> Result<(), ConfigError> {
    let (mut depth, mut line, mut column) = (0_usize, 1_usize, 0_usize);
    let mut quote: Option<char> = None;
    let mut comment = false;
    let mut previous = '\n';
    for c in text.chars() {
        column += 1;
        match (quote, c) {
            (_, '\n') => {
                line += 1;
                column = 0;
                comment = false;
                // A quoted scalar may span lines; a plain one cannot hold a quote anyway.
            }
            _ if comment => {}
            (Some(open), _) if c == open => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') if !previous.is_alphanumeric() => quote = Some(c),
            (None, '#') if previous.is_whitespace() => comment = true,
            (None, '[' | '{') => {
                depth += 1;
                if depth > MAX_FLOW_DEPTH {
                    return Err(ConfigError::Syntax {
                        path: origin.to_owned(),
                        line,
                        column,
                        message: format!("collections nest deeper than {MAX_FLOW_DEPTH} levels"),
                    });
                }
            }
            (None, ']' | '}') => depth = depth.saturating_sub(1),
            _ => {}
        }
        previous = c;
    }
    Ok(())
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
                    let joined = join(path, &key);
                    if too_deep(&joined) {
                        return Err(self.invalid(
                            &abbreviated(&joined),
                            format!("the key nests deeper than {MAX_KEY_DEPTH} levels"),
                        ));
                    }
                    let child = self.convert(child, &joined)?;
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

    /// A key of 4 000 dots nested as deep and overflowed the stack when the tree was merged
    /// (found by the config fuzz target); a key path of more than 128 names is refused.
    #[test]
    fn a_dotted_key_too_deep_is_refused_naming_it() {
        // A flow mapping's plain key has no length limit (a block one stops at 1 024 characters).
        let deep = format!("server: {{a{}}}\n", ".".repeat(4_000));
        match parse(&deep).unwrap_err() {
            ConfigError::Invalid { path, message } => {
                assert_eq!(path, format!("server.a{}...", ".".repeat(52)));
                assert_eq!(
                    message,
                    "the key nests deeper than 128 levels in kibana.yml"
                );
            }
            other => panic!("{other:?}"),
        }
        let fits = format!("a{}: 1\n", ".b".repeat(MAX_KEY_DEPTH - 1));
        assert!(parse(&fits).is_ok());
        let block = format!("x:\n  a{}: 1\n", ".b".repeat(MAX_KEY_DEPTH - 1));
        assert!(parse(&block).is_err(), "the enclosing map counts too");
    }

    /// 50 000 levels took the parser about ten seconds before it refused them; now a pass over
    /// the text refuses them, naming the position.
    #[test]
    fn deep_flow_nesting_is_refused_before_parsing() {
        let deep = format!("a: {}{}\n", "[".repeat(50_000), "]".repeat(50_000));
        match parse(&deep).unwrap_err() {
            ConfigError::Syntax {
                line,
                column,
                message,
                ..
            } => {
                assert_eq!((line, column), (1, 3 + MAX_FLOW_DEPTH + 1));
                assert_eq!(message, "collections nest deeper than 128 levels");
            }
            other => panic!("{other:?}"),
        }
        let mixed = format!("a:\n  b: {}\n", "{c: [".repeat(100));
        assert!(matches!(
            parse(&mixed),
            Err(ConfigError::Syntax { line: 2, .. })
        ));
        // Brackets in quoted scalars and comments are text.
        let text = format!(
            "a: \"{open}\"\nb: '{open}'\n# {open}\nc: [1, [2]]\n",
            open = "[".repeat(500)
        );
        let value = parse(&text).unwrap();
        assert_eq!(value["a"], json!("[".repeat(500)));
        assert_eq!(value["c"], json!([1, [2]]));
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
