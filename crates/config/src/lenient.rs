//! A deserializer over the raw tree that coerces strings the way Kibana's schemas did.
//!
//! Kibana's `schema.number()` accepted `"5601"` and `schema.boolean()` accepted `"true"`, which
//! matters because `${PORT}` substitutions and CLI overrides are strings. [`Lenient`] behaves
//! like `serde_json::Value`'s deserializer except that a string is read with
//! [`values::parse_number`] or [`values::parse_bool`] when the target type asks for a number or
//! a boolean (the rule request validation uses too). Every other mismatch is left to serde's
//! error.

use serde::de::value::{MapAccessDeserializer, MapDeserializer, SeqDeserializer};
use serde::de::{Deserializer, Error as _, IntoDeserializer, Unexpected, Visitor};
use serde_json::{Error, Map, Value};

use crate::values;

/// The raw tree (or a part of it) to deserialize a typed section from.
pub(crate) struct Lenient(pub(crate) Value);

fn visit_object<'de, V: Visitor<'de>>(
    map: Map<String, Value>,
    visitor: V,
) -> Result<V::Value, Error> {
    let mut access =
        MapDeserializer::new(map.into_iter().map(|(key, value)| (key, Lenient(value))));
    let value = visitor.visit_map(&mut access)?;
    access.end()?;
    Ok(value)
}

fn visit_array<'de, V: Visitor<'de>>(items: Vec<Value>, visitor: V) -> Result<V::Value, Error> {
    let mut access = SeqDeserializer::new(items.into_iter().map(Lenient));
    let value = visitor.visit_seq(&mut access)?;
    access.end()?;
    Ok(value)
}

impl<'de> IntoDeserializer<'de, Error> for Lenient {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// Methods that behave exactly like `serde_json::Value`'s.
macro_rules! delegate {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.0.$method(visitor)
        }
    )*};
}

/// Numeric methods: a string is read as the target's number type first.
macro_rules! numeric {
    ($($method:ident($ty:ty) => $visit:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            if let Value::String(text) = &self.0
                && let Some(number) = values::parse_number::<$ty>(text)
            {
                return visitor.$visit(number);
            }
            self.0.$method(visitor)
        }
    )*};
}

impl<'de> Deserializer<'de> for Lenient {
    type Error = Error;

    delegate! {
        deserialize_char deserialize_str deserialize_string deserialize_bytes deserialize_byte_buf
        deserialize_unit deserialize_identifier deserialize_ignored_any
    }

    numeric! {
        deserialize_i8(i8) => visit_i8 deserialize_i16(i16) => visit_i16
        deserialize_i32(i32) => visit_i32 deserialize_i64(i64) => visit_i64
        deserialize_i128(i128) => visit_i128
        deserialize_u8(u8) => visit_u8 deserialize_u16(u16) => visit_u16
        deserialize_u32(u32) => visit_u32 deserialize_u64(u64) => visit_u64
        deserialize_u128(u128) => visit_u128
        deserialize_f32(f32) => visit_f32 deserialize_f64(f64) => visit_f64
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(map) => visit_object(map, visitor),
            Value::Array(items) => visit_array(items, visitor),
            scalar => scalar.deserialize_any(visitor),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if let Value::String(text) = &self.0
            && let Some(flag) = values::parse_bool(text)
        {
            return visitor.visit_bool(flag);
        }
        self.0.deserialize_bool(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.0.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => visit_array(items, visitor),
            other => other.deserialize_seq(visitor),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(map) => visit_object(map, visitor),
            other => other.deserialize_map(visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(map) => visit_object(map, visitor),
            // serde_json would accept an array here (fields by position); a config section
            // written as a list is a mistake, so say so instead of blaming element 0.
            Value::Array(_) => Err(Error::invalid_type(Unexpected::Seq, &visitor)),
            other => other.deserialize_struct(name, fields, visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            // `{variant: content}`: the content is deserialized leniently too.
            Value::Object(map) if map.len() == 1 => {
                let access =
                    MapDeserializer::new(map.into_iter().map(|(key, value)| (key, Lenient(value))));
                visitor.visit_enum(MapAccessDeserializer::new(access))
            }
            other => other.deserialize_enum(name, variants, visitor),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        port: u16,
        ratio: f64,
        on: bool,
        name: String,
        tags: Vec<u8>,
        maybe: Option<u32>,
        map: BTreeMap<String, i64>,
        mode: Mode,
        wrapped: Wrapped,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Mode {
        Full,
        Limit(u8),
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Wrapped(u16);

    #[test]
    fn numeric_and_boolean_strings_are_coerced_where_numbers_and_booleans_are_expected() {
        let sample = Sample::deserialize(Lenient(json!({
            "port": "5601", "ratio": " 0.5", "on": "true", "name": "5", "tags": ["1", 2],
            "maybe": "7", "map": {"a": "-3"}, "mode": {"limit": "9"}, "wrapped": "80",
        })))
        .unwrap();
        assert_eq!(
            sample,
            Sample {
                port: 5601,
                ratio: 0.5,
                on: true,
                name: "5".into(),
                tags: vec![1, 2],
                maybe: Some(7),
                map: BTreeMap::from([("a".into(), -3)]),
                mode: Mode::Limit(9),
                wrapped: Wrapped(80),
            }
        );
        assert_eq!(
            Mode::deserialize(Lenient(json!("full"))).unwrap(),
            Mode::Full
        );
    }

    #[test]
    fn strings_are_read_with_the_platform_coercion_rule() {
        assert!(bool::deserialize(Lenient(json!("TRUE"))).unwrap());
        assert!(!bool::deserialize(Lenient(json!("False"))).unwrap());
        assert!(bool::deserialize(Lenient(json!(" true"))).is_err());
        assert_eq!(u16::deserialize(Lenient(json!(" 5601\n"))).unwrap(), 5601);
        assert_eq!(i8::deserialize(Lenient(json!("+7"))).unwrap(), 7);
        assert!(u8::deserialize(Lenient(json!("300"))).is_err());
        assert!(u32::deserialize(Lenient(json!("1.5"))).is_err());
        assert!(f64::deserialize(Lenient(json!("NaN"))).is_err());
    }

    #[test]
    fn other_mismatches_keep_serde_errors() {
        let error = u16::deserialize(Lenient(json!("abc"))).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid type: string \"abc\", expected u16"
        );
        let error = String::deserialize(Lenient(json!(5))).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid type: integer `5`, expected a string"
        );
        let error = bool::deserialize(Lenient(json!("yes"))).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid type: string \"yes\", expected a boolean"
        );
    }
}
