//! Turns serde's deserialization errors into Kibana config-schema wording with full key paths.
//!
//! One style throughout, the one `@kbn/config-schema` printed:
//!
//! | serde says                                   | we say                                                    |
//! |----------------------------------------------|-----------------------------------------------------------|
//! | `invalid type: string "abc", expected u16`   | `expected value of type [number] but got [string]`        |
//! | `invalid type: floating point 1.5, expected u16` | `expected value of type [integer] but got [number]`   |
//! | `invalid value: integer 70000, expected u16` | `Value is [70000] but it must be equal to or lower than [65535].` |
//! | ``unknown field `prot`, expected ...``       | `definition for this key is missing` (path ends in `prot`)|
//! | ``missing field `host` ``                    | `expected a value but got [undefined]` (path ends in `host`) |
//! | ``unknown variant `x`, expected `a` or `b` ``| `expected one of [a, b] but got [x]`                      |
//!
//! Type words for the value found are Kibana's `typeDetect` words (`string`, `number`,
//! `boolean`, `null`, `Array`, `Object`). Anything else (custom `Deserialize` impls) keeps
//! serde's text, still behind the full path. Array elements appear as `hosts.0`.

use serde_json::Value;
use serde_path_to_error::Segment;

use crate::ConfigError;
use crate::tree::{get, join};

/// Kibana's `typeDetect` word for a raw value.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "Array",
        Value::Object(_) => "Object",
    }
}

/// The error for a section at `section` whose raw value `raw` failed to deserialize.
pub(crate) fn deserialize_error(
    section: &str,
    raw: &Value,
    error: &serde_path_to_error::Error<serde_json::Error>,
) -> ConfigError {
    let relative = relative_path(error.path());
    let message = error.inner().to_string();
    let (relative, message) = translate(&relative, raw, &message);
    ConfigError::Invalid {
        path: join(section, &relative),
        message,
    }
}

fn relative_path(path: &serde_path_to_error::Path) -> String {
    let segments: Vec<String> = path
        .iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.clone()),
            Segment::Enum { variant } => Some(variant.clone()),
            Segment::Unknown => None,
        })
        .collect();
    segments.join(".")
}

/// `(path, message)` in Kibana's words; `path` may gain the offending key.
fn translate(path: &str, raw: &Value, message: &str) -> (String, String) {
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let field = first_quoted(rest).unwrap_or_default();
        return (
            with_last_segment(path, field),
            "definition for this key is missing".to_owned(),
        );
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        let field = first_quoted(rest).unwrap_or_default();
        return (
            join(path, field),
            "expected a value but got [undefined]".to_owned(),
        );
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let found = first_quoted(rest).unwrap_or_default();
        let allowed = rest
            .split_once(", expected ")
            .map(|(_, list)| quoted_all(list))
            .unwrap_or_default();
        return (
            path.to_owned(),
            format!("expected one of [{}] but got [{found}]", allowed.join(", ")),
        );
    }
    if let Some(rest) = message.strip_prefix("invalid type: ")
        && let Some((unexpected, expected)) = rest.rsplit_once(", expected ")
    {
        let found = get(raw, path)
            .map(kind)
            .unwrap_or_else(|| unexpected_kind(unexpected));
        return (path.to_owned(), type_mismatch(expected, found, unexpected));
    }
    if let Some(rest) = message.strip_prefix("invalid value: ")
        && let Some((unexpected, expected)) = rest.rsplit_once(", expected ")
        && let Some(text) = message_for_range(unexpected, expected)
    {
        return (path.to_owned(), text);
    }
    (path.to_owned(), message.to_owned())
}

fn type_mismatch(expected: &str, found: &'static str, unexpected: &str) -> String {
    match expected_kind(expected) {
        Some("number") if is_integer_type(expected) && unexpected.starts_with("floating point") => {
            "expected value of type [integer] but got [number]".to_owned()
        }
        Some(kind) => format!("expected value of type [{kind}] but got [{found}]"),
        None => format!("expected {expected} but got [{found}]"),
    }
}

/// `Value is [..] but it must be ...` for integers outside their Rust type's range.
fn message_for_range(unexpected: &str, expected: &str) -> Option<String> {
    let (min, max) = integer_bounds(expected)?;
    let number = unexpected.strip_prefix("integer ").and_then(first_quoted)?;
    let value: i128 = number.parse().ok()?;
    Some(if value < min {
        format!("Value is [{value}] but it must be equal to or greater than [{min}].")
    } else {
        format!("Value is [{value}] but it must be equal to or lower than [{max}].")
    })
}

fn integer_bounds(expected: &str) -> Option<(i128, i128)> {
    Some(match expected {
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" | "usize" => (0, u64::MAX.into()),
        "i8" => (i8::MIN.into(), i8::MAX.into()),
        "i16" => (i16::MIN.into(), i16::MAX.into()),
        "i32" => (i32::MIN.into(), i32::MAX.into()),
        "i64" | "isize" => (i64::MIN.into(), i64::MAX.into()),
        _ => return None,
    })
}

fn is_integer_type(expected: &str) -> bool {
    integer_bounds(expected).is_some() || matches!(expected, "u128" | "i128")
}

/// Kibana's type word for serde's description of what a type expects, when it has one.
fn expected_kind(expected: &str) -> Option<&'static str> {
    if is_integer_type(expected) || matches!(expected, "f32" | "f64") {
        return Some("number");
    }
    Some(match expected {
        "a boolean" => "boolean",
        "a string" | "a borrowed string" | "a character" | "a char" | "a path string" => "string",
        "a sequence" | "a list" => "array",
        "a map" | "map" => "object",
        "unit" => "null",
        _ if expected.starts_with("struct ") => "object",
        _ if expected.starts_with("a tuple") || expected.starts_with("tuple struct") => "array",
        _ if expected.starts_with("an array") => "array",
        _ => return None,
    })
}

/// Fallback when the raw value is not reachable by path: read serde's `Unexpected` text.
fn unexpected_kind(unexpected: &str) -> &'static str {
    match unexpected.split_whitespace().next().unwrap_or_default() {
        "boolean" => "boolean",
        "integer" | "floating" => "number",
        "string" | "character" => "string",
        "sequence" => "Array",
        "map" => "Object",
        "unit" => "null",
        _ => "unknown",
    }
}

/// The text between the first pair of backticks.
fn first_quoted(text: &str) -> Option<&str> {
    let start = text.find('`')? + 1;
    let len = text[start..].find('`')?;
    Some(&text[start..start + len])
}

/// All backtick-quoted names, in order.
fn quoted_all(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// serde_path_to_error sometimes already put the unknown key at the end of the path.
fn with_last_segment(path: &str, field: &str) -> String {
    if path == field || path.ends_with(&format!(".{field}")) {
        path.to_owned()
    } else {
        join(path, field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_names_are_extracted() {
        assert_eq!(
            first_quoted("`prot`, expected one of `port`, `host`"),
            Some("prot")
        );
        assert_eq!(quoted_all("one of `a`, `b`, `c`"), vec!["a", "b", "c"]);
        assert_eq!(quoted_all("`a` or `b`"), vec!["a", "b"]);
    }

    #[test]
    fn messages_that_are_not_recognised_are_kept() {
        let raw = serde_json::json!({});
        assert_eq!(
            translate("a", &raw, "a custom problem").1,
            "a custom problem"
        );
        assert_eq!(
            translate("a", &raw, "invalid type: string \"x\", expected a duration").1,
            "expected a duration but got [string]"
        );
    }
}
