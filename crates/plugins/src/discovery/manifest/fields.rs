//! The top level of a `kibana.json`, read straight into typed slots.
//!
//! Discovery parses every manifest of the distribution, so this is on the startup path. A
//! manifest's values are almost always strings, booleans and arrays of strings: those are
//! read into [`FieldValue`]s whose strings borrow the manifest text when they hold no escapes,
//! so no `serde_json::Value` (one allocation per string and array) is built for them. Anything
//! else is still parsed as a `Value` (by the same serde_json code paths, so malformed input
//! gets the same error), and only its kind is kept.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize as _;
use serde::Deserializer as _;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// The keys a manifest may contain; anything else is reported as unrecognized.
pub(super) const KNOWN_FIELDS: [&str; 8] = [
    "id",
    "version",
    "kibanaVersion",
    "configPath",
    "requiredPlugins",
    "optionalPlugins",
    "server",
    "ui",
];

/// One known field's value, reduced to what the manifest checks look at.
#[derive(Debug, PartialEq)]
pub(super) enum FieldValue<'a> {
    /// A string.
    Str(Cow<'a, str>),
    /// A boolean.
    Bool(bool),
    /// An array whose items are all strings (possibly empty).
    StrList(Vec<Cow<'a, str>>),
    /// An array holding something other than a string.
    MixedList,
    /// A number, `null` or an object.
    Other,
}

/// The known fields of a manifest object (the last value of a repeated key wins), and its
/// unknown keys in document order (each once, at its first position).
#[derive(Debug, Default)]
pub(super) struct ManifestFields<'a> {
    known: [Option<FieldValue<'a>>; KNOWN_FIELDS.len()],
    unknown: Vec<Cow<'a, str>>,
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

    /// The value of known field `key`, if present.
    pub(super) fn get(&self, key: &str) -> Option<&FieldValue<'a>> {
        let slot = KNOWN_FIELDS.iter().position(|known| *known == key)?;
        self.known[slot].as_ref()
    }

    /// Moves the value of known field `key` out, so its strings need not be copied.
    pub(super) fn take(&mut self, key: &str) -> Option<FieldValue<'a>> {
        let slot = KNOWN_FIELDS.iter().position(|known| *known == key)?;
        self.known[slot].take()
    }

    /// The keys that are not manifest fields, in document order.
    pub(super) fn unknown_keys(&self) -> impl ExactSizeIterator<Item = &str> {
        self.unknown.iter().map(|key| &**key)
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
        let mut fields = ManifestFields::default();
        while let Some(key) = map.next_key_seed(Key)? {
            match KNOWN_FIELDS.iter().position(|known| *known == key) {
                Some(slot) => fields.known[slot] = Some(map.next_value_seed(Field)?),
                None => {
                    // Parsed as a `Value`, exactly as a known field's odd value would be.
                    map.next_value::<Value>()?;
                    if !fields.unknown.contains(&key) {
                        fields.unknown.push(key);
                    }
                }
            }
        }
        Ok(Some(fields))
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
        deserializer.deserialize_str(StrVisitor)
    }
}

/// A string, borrowed from the text when it has no escapes.
struct StrVisitor;

impl<'de> Visitor<'de> for StrVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(text))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(text.to_owned()))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(text))
    }
}

/// The value of a known field.
struct Field;

impl<'de> DeserializeSeed<'de> for Field {
    type Value = FieldValue<'de>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(FieldVisitor)
    }
}

struct FieldVisitor;

impl<'de> Visitor<'de> for FieldVisitor {
    type Value = FieldValue<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(FieldValue::Str(Cow::Borrowed(text)))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(FieldValue::Str(Cow::Owned(text.to_owned())))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
        Ok(FieldValue::Str(Cow::Owned(text)))
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        Ok(FieldValue::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(FieldValue::Other)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(FieldValue::Other)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(FieldValue::Other)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(FieldValue::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Value::deserialize(MapAccessDeserializer::new(map))?;
        Ok(FieldValue::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items: Vec<Cow<'de, str>> = Vec::with_capacity(seq.size_hint().unwrap_or(4));
        while let Some(item) = seq.next_element_seed(Item)? {
            match item {
                Some(text) => items.push(text),
                None => {
                    // Parse the rest as `Value`s, as the whole array would have been.
                    Value::deserialize(SeqAccessDeserializer::new(seq))?;
                    return Ok(FieldValue::MixedList);
                }
            }
        }
        Ok(FieldValue::StrList(items))
    }
}

/// An array item: `Some` string, or `None` for anything else (parsed as a `Value`).
struct Item;

impl<'de> DeserializeSeed<'de> for Item {
    type Value = Option<Cow<'de, str>>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(ItemVisitor)
    }
}

struct ItemVisitor;

impl<'de> Visitor<'de> for ItemVisitor {
    type Value = Option<Cow<'de, str>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(text)))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(text.to_owned())))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(text)))
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

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Value::deserialize(MapAccessDeserializer::new(map))?;
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Value::deserialize(SeqAccessDeserializer::new(seq))?;
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn str(text: &str) -> FieldValue<'_> {
        FieldValue::Str(Cow::Borrowed(text))
    }

    #[test]
    fn keeps_the_last_value_of_a_repeated_key_and_unknown_keys_in_first_order() {
        let fields = ManifestFields::parse(
            r#"{"b": 1, "i\u0064": "x", "a\u0041": [2], "id": "y", "b": 3, "ui": true}"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!(fields.unknown_keys().collect::<Vec<_>>(), ["b", "aA"]);
        assert_eq!(fields.get("id"), Some(&str("y")));
        assert_eq!(fields.get("ui"), Some(&FieldValue::Bool(true)));
        assert_eq!(fields.get("server"), None);
    }

    #[test]
    fn values_are_reduced_to_their_kind() {
        let fields = ManifestFields::parse(
            r#"{"id": "a\"b", "version": 7, "configPath": ["x", "y"], "requiredPlugins": [],
                "optionalPlugins": ["a", 1, {"b": [null]}], "server": null, "ui": {"x": 1},
                "kibanaVersion": "7.2.0"}"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            fields.get("id"),
            Some(&FieldValue::Str(Cow::Owned("a\"b".to_owned())))
        );
        assert_eq!(fields.get("version"), Some(&FieldValue::Other));
        assert_eq!(
            fields.get("configPath"),
            Some(&FieldValue::StrList(vec!["x".into(), "y".into()]))
        );
        assert_eq!(
            fields.get("requiredPlugins"),
            Some(&FieldValue::StrList(Vec::new()))
        );
        assert_eq!(fields.get("optionalPlugins"), Some(&FieldValue::MixedList));
        assert_eq!(fields.get("server"), Some(&FieldValue::Other));
        assert_eq!(fields.get("ui"), Some(&FieldValue::Other));
        assert_eq!(fields.get("kibanaVersion"), Some(&str("7.2.0")));
        assert_eq!(fields.unknown_keys().len(), 0);
    }

    #[test]
    fn strings_without_escapes_borrow_the_text() {
        let fields = ManifestFields::parse(r#"{"id": "plain", "requiredPlugins": ["dep"]}"#)
            .unwrap()
            .unwrap();
        assert!(matches!(
            fields.get("id"),
            Some(FieldValue::Str(Cow::Borrowed("plain")))
        ));
        assert!(matches!(
            fields.get("requiredPlugins"),
            Some(FieldValue::StrList(items)) if matches!(items[..], [Cow::Borrowed("dep")])
        ));
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

    #[test]
    fn malformed_values_fail_as_they_would_as_a_json_value() {
        for text in [
            r#"{"id": 1e400}"#,
            r#"{"requiredPlugins": ["a", 1e400]}"#,
            r#"{"unknown": {"a": 1,}}"#,
            r#"{"configPath": ["a", [1, ]]}"#,
            r#"{"id": "\u00zz"}"#,
        ] {
            let expected = serde_json::from_str::<Value>(text).unwrap_err().to_string();
            let actual = ManifestFields::parse(text).err().map(|e| e.to_string());
            assert_eq!(actual.as_deref(), Some(expected.as_str()), "{text}");
        }
    }
}
