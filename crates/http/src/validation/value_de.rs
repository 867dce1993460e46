//! A deserializer over [`serde_json::Value`] whose errors keep their structure, so validation
//! failures can be reported in Kibana's words (`expected value of type [number] but got
//! [string]`) instead of serde's. Strings become the numbers and booleans the target type asks
//! for ([`coerce_str`](super::coerce::coerce_str), the rule bodies follow too); in `lists` mode (query strings and path
//! params) a single string is also read as a one-item list where a list is wanted.

use std::fmt;

use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{self, IntoDeserializer, Unexpected, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::Value;

use super::coerce::coercing_methods;

/// Why a value did not fit its type, in structured form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FieldError {
    /// Wrong type: Kibana type names (`number`, `string`, ...).
    Type { expected: String, got: String },
    /// A required field is absent.
    Missing(String),
    /// A field the type does not declare.
    Unknown(String),
    /// Anything else (a check, an out-of-range value, a custom serde error).
    Other(String),
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Type { expected, got } => {
                write!(f, "expected value of type [{expected}] but got [{got}]")
            }
            Self::Missing(_) => f.write_str("expected value but got [undefined]"),
            Self::Unknown(_) => f.write_str("definition for this key is missing"),
            Self::Other(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for FieldError {}

impl de::Error for FieldError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self::Other(msg.to_string())
    }
    fn invalid_type(unexp: Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        Self::Type {
            expected: kibana_type_of_expected(&exp.to_string()),
            got: kibana_type_of_unexpected(&unexp),
        }
    }
    fn invalid_value(unexp: Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        Self::Other(format!(
            "value [{}] is invalid, expected {exp}",
            describe_unexpected(&unexp)
        ))
    }
    fn missing_field(field: &'static str) -> Self {
        Self::Missing(field.to_owned())
    }
    fn unknown_field(field: &str, _expected: &'static [&'static str]) -> Self {
        Self::Unknown(field.to_owned())
    }
}

fn kibana_type_of_unexpected(unexp: &Unexpected<'_>) -> String {
    match unexp {
        Unexpected::Bool(_) => "boolean",
        Unexpected::Unsigned(_) | Unexpected::Signed(_) | Unexpected::Float(_) => "number",
        Unexpected::Char(_) | Unexpected::Str(_) => "string",
        Unexpected::Unit | Unexpected::Option => "null",
        Unexpected::Seq => "array",
        Unexpected::Map => "object",
        other => return other.to_string(),
    }
    .to_owned()
}

/// Maps serde's "expected" texts (`u32`, `a string`, `struct Query`, ...) to Kibana type names.
fn kibana_type_of_expected(expected: &str) -> String {
    const NUMERIC: [&str; 14] = [
        "u8", "u16", "u32", "u64", "u128", "i8", "i16", "i32", "i64", "i128", "f32", "f64",
        "usize", "isize",
    ];
    let lower = expected.to_ascii_lowercase();
    let is_numeric = NUMERIC.contains(&lower.as_str())
        || lower.contains("integer")
        || lower.contains("number")
        || lower.contains("float");
    let name = if is_numeric {
        "number"
    } else if lower.contains("bool") {
        "boolean"
    } else if lower.contains("string") || lower.contains("char") {
        "string"
    } else if lower.contains("sequence") || lower.contains("tuple") || lower.contains("array") {
        "array"
    } else if lower.contains("struct") || lower.contains("map") {
        "object"
    } else {
        return expected.to_owned();
    };
    name.to_owned()
}

fn describe_unexpected(unexp: &Unexpected<'_>) -> String {
    match unexp {
        Unexpected::Str(s) => (*s).to_owned(),
        Unexpected::Unsigned(n) => n.to_string(),
        Unexpected::Signed(n) => n.to_string(),
        Unexpected::Float(n) => n.to_string(),
        Unexpected::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// Deserializes from a borrowed JSON value; see the module docs for `lists`.
pub(crate) struct ValueDeserializer<'a> {
    value: &'a Value,
    lists: bool,
}

impl<'a> ValueDeserializer<'a> {
    pub(crate) fn new(value: &'a Value, lists: bool) -> Self {
        Self { value, lists }
    }
}

impl<'de> IntoDeserializer<'de, FieldError> for ValueDeserializer<'de> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> ValueDeserializer<'de> {
    /// The value's text, when it is a string (what [`coercing_methods`] coerces).
    fn text(&self) -> Option<&'de str> {
        match self.value {
            Value::String(text) => Some(text),
            _ => None,
        }
    }
}

impl<'de> de::Deserializer<'de> for ValueDeserializer<'de> {
    type Error = FieldError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldError> {
        let lists = self.lists;
        match self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(items) => {
                let mut seq = SeqDeserializer::new(
                    items.iter().map(|item| ValueDeserializer::new(item, lists)),
                );
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            Value::Object(entries) => {
                let mut map = MapDeserializer::new(
                    entries
                        .iter()
                        .map(|(key, value)| (key.as_str(), ValueDeserializer::new(value, lists))),
                );
                let value = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(value)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldError> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldError> {
        match self.value {
            // `?tag=a` for a list field: a single query value is a one-item list.
            Value::String(_) if self.lists => {
                let mut seq = SeqDeserializer::new(std::iter::once(self));
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, FieldError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, FieldError> {
        match self.value {
            Value::String(variant) => visitor.visit_enum(variant.as_str().into_deserializer()),
            Value::Object(entries) if entries.len() == 1 => {
                let map =
                    MapDeserializer::new(entries.iter().map(|(key, value)| {
                        (key.as_str(), ValueDeserializer::new(value, self.lists))
                    }));
                visitor.visit_enum(de::value::MapAccessDeserializer::new(map))
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, FieldError> {
        // serde's derived structs also accept sequences; Kibana's object schema did not.
        match self.value {
            Value::Object(_) => self.deserialize_any(visitor),
            Value::Array(_) => Err(de::Error::invalid_type(Unexpected::Seq, &visitor)),
            _ => self.deserialize_any(visitor),
        }
    }

    coercing_methods!();

    forward_to_deserialize_any! {
        char str string bytes byte_buf unit unit_struct tuple tuple_struct map identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Query {
        page: u32,
        on: Option<bool>,
        #[serde(default)]
        tags: Vec<String>,
        name: Option<String>,
    }

    fn de(value: Value, lists: bool) -> Result<Query, FieldError> {
        Query::deserialize(ValueDeserializer::new(&value, lists))
    }

    #[test]
    fn coerces_strings_and_reads_single_values_as_lists() {
        assert_eq!(
            de(
                json!({"page": "12", "on": "true", "tags": "a", "name": "7"}),
                true
            ),
            Ok(Query {
                page: 12,
                on: Some(true),
                tags: vec!["a".into()],
                name: Some("7".into())
            })
        );
    }

    #[test]
    fn reports_kibana_types() {
        assert_eq!(
            de(json!({"page": "x"}), true).unwrap_err().to_string(),
            "expected value of type [number] but got [string]"
        );
        assert_eq!(
            de(json!({"page": "12", "on": "yes"}), false)
                .unwrap_err()
                .to_string(),
            "expected value of type [boolean] but got [string]"
        );
        assert_eq!(
            de(json!({}), false).unwrap_err(),
            FieldError::Missing("page".into())
        );
        assert_eq!(
            de(json!({"page": 1, "zz": 1}), false).unwrap_err(),
            FieldError::Unknown("zz".into())
        );
        assert_eq!(
            de(json!({"page": 1, "name": 5}), false)
                .unwrap_err()
                .to_string(),
            "expected value of type [string] but got [number]"
        );
    }
}
