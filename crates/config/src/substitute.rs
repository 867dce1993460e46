//! `${NAME}` and `${NAME:default}` references to environment variables in string values.
//!
//! Like Kibana, only names made of ASCII letters, digits and `_` are references; any other
//! `${` is kept literally. Substituted values stay strings: typed sections coerce numeric and
//! boolean strings where a number or boolean is expected (see [`crate::lenient`]).

use std::sync::Arc;

use crate::ConfigError;

/// Where variables are looked up: the process environment in production, a closure in tests.
pub(crate) type VarLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The process environment, read at the moment a file is (re)read.
pub(crate) fn process_vars() -> VarLookup {
    Arc::new(|name| std::env::var(name).ok())
}

/// Replaces every variable reference in `text`; `key_path` names the key in errors.
pub(crate) fn substitute(
    text: &str,
    key_path: &str,
    vars: &VarLookup,
) -> Result<String, ConfigError> {
    if !text.contains("${") {
        return Ok(text.to_owned());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match parse_reference(after) {
            Some(reference) => {
                let value = vars(reference.name)
                    .or_else(|| reference.default.map(str::to_owned))
                    .ok_or_else(|| ConfigError::MissingEnvVar {
                        path: key_path.to_owned(),
                        variable: reference.name.to_owned(),
                    })?;
                out.push_str(&value);
                rest = &after[reference.len..];
            }
            None => {
                out.push_str("${");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// A parsed `NAME}` or `NAME:default}` (the text after `${`).
struct Reference<'a> {
    name: &'a str,
    default: Option<&'a str>,
    /// Bytes consumed, including the closing `}`.
    len: usize,
}

fn parse_reference(text: &str) -> Option<Reference<'_>> {
    let name_len = text
        .bytes()
        .take_while(|byte| byte.is_ascii_alphanumeric() || *byte == b'_')
        .count();
    if name_len == 0 {
        return None;
    }
    let name = &text[..name_len];
    let tail = &text[name_len..];
    if tail.starts_with('}') {
        return Some(Reference {
            name,
            default: None,
            len: name_len + 1,
        });
    }
    let default_text = tail.strip_prefix(':')?;
    let end = default_text.find('}')?;
    Some(Reference {
        name,
        default: Some(&default_text[..end]),
        len: name_len + 1 + end + 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> VarLookup {
        Arc::new(|name| match name {
            "HOST" => Some("example.org".to_owned()),
            "PORT" => Some("5601".to_owned()),
            "EMPTY" => Some(String::new()),
            _ => None,
        })
    }

    fn run(text: &str) -> Result<String, ConfigError> {
        substitute(text, "a.b", &vars())
    }

    #[test]
    fn replaces_references_anywhere_in_the_string() {
        assert_eq!(
            run("http://${HOST}:${PORT}/x").unwrap(),
            "http://example.org:5601/x"
        );
        assert_eq!(run("${EMPTY}").unwrap(), "");
    }

    #[test]
    fn uses_the_default_only_when_the_variable_is_unset() {
        assert_eq!(run("${NOPE:fallback}").unwrap(), "fallback");
        assert_eq!(run("${NOPE:}").unwrap(), "");
        assert_eq!(run("${PORT:1}").unwrap(), "5601");
    }

    #[test]
    fn keeps_text_that_is_not_a_reference() {
        assert_eq!(
            run("cost: $5 ${ and ${-x} ${A").unwrap(),
            "cost: $5 ${ and ${-x} ${A"
        );
        assert_eq!(run("$${HOST}").unwrap(), "$example.org");
    }

    #[test]
    fn an_unset_variable_names_the_key_and_the_variable() {
        assert_eq!(
            run("x ${MISSING_VAR} y").unwrap_err(),
            ConfigError::MissingEnvVar {
                path: "a.b".into(),
                variable: "MISSING_VAR".into()
            }
        );
    }
}
