//! The top level of a `kibana.json`, read without building a `serde_json::Map`.
//!
//! A manifest has a handful of keys, so an ordered list scanned linearly is faster than a hash
//! map (no hasher state, no index table), and keys without escapes borrow the manifest text.
//! Discovery parses every manifest of the distribution, so this is on the startup path.

use std::borrow::Cow;
use std::fmt;

use serde::Deserializer as _;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// The keys of a manifest object in document order, with their values.
///
/// A repeated key keeps its first position and takes the later value, as `serde_json::Map`
/// (with `preserve_order`) did.
pub(super) struct ManifestFields<'a> {
    entries: Vec<(Cow<'a, str>, Value)>,
}

impl<'a> ManifestFields<'a> {
    /// Parses `text`: `Ok(None)` when it is valid JSON but not an object, `Err` with
    /// serde_json's message when it is not JSON at all.
    pub(super) fn parse(text: &'a str) -> Result<Option<Self>, serde_json::Error> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let fields = (&mut deserializer).deserialize_any(TopLevel)?;
        deserializer.end()?;
        Ok(fields)
    }

    /// The value of `key`, if present.
    pub(super) fn get(&self, key: &str) -> Option<&Value> {
        self.entries
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value)
    }

    /// Moves the value of `key` out (leaving `null`), so its strings need not be copied.
    pub(super) fn take(&mut self, key: &str) -> Option<Value> {
        self.entries
            .iter_mut()
            .find(|(name, _)| name == key)
            .map(|(_, value)| std::mem::take(value))
    }

    /// The keys in document order.
    pub(super) fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(name, _)| &**name)
    }
}

/// Accepts any JSON value; only an object yields fields.
struct TopLevel;

impl<'de> Visitor<'de> for TopLevel {
    type Value = Option<ManifestFields<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries: Vec<(Cow<'de, str>, Value)> = Vec::with_capacity(8);
        while let Some(key) = map.next_key_seed(Key)? {
            let value: Value = map.next_value()?;
            match entries.iter_mut().find(|(name, _)| *name == key) {
                Some((_, existing)) => *existing = value,
                None => entries.push((key, value)),
            }
        }
        Ok(Some(ManifestFields { entries }))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// An object key, borrowed from the text when it has no escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(key))
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(key.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_document_order_and_first_position_of_repeated_keys() {
        let fields = ManifestFields::parse(r#"{"b": 1, "a\u0041": 2, "b": 3}"#)
            .unwrap()
            .unwrap();
        assert_eq!(fields.keys().collect::<Vec<_>>(), ["b", "aA"]);
        assert_eq!(fields.get("b"), Some(&Value::from(3)));
        assert_eq!(fields.get("aA"), Some(&Value::from(2)));
        assert_eq!(fields.get("c"), None);
    }

    #[test]
    fn non_objects_are_none_and_non_json_is_an_error() {
        for text in ["null", "[1, {\"a\": 2}]", "\"text\"", "1.5", "-3", "true"] {
            assert!(ManifestFields::parse(text).unwrap().is_none(), "{text}");
        }
        assert_eq!(
            ManifestFields::parse("").err().unwrap().to_string(),
            "EOF while parsing a value at line 1 column 0"
        );
        assert_eq!(
            ManifestFields::parse("{} x").err().unwrap().to_string(),
            "trailing characters at line 1 column 4"
        );
    }
}
