//! A deserializer straight from the text of path params and query strings, with no
//! intermediate `serde_json::Value`: the fast path of their validation.
//!
//! It follows [`super::value_de::ValueDeserializer`]'s rules in `lists` mode exactly: strings are
//! coerced to the numbers and booleans the target asks for ([`coerce_str`](super::coerce::coerce_str)), a single value is
//! a one-item list where a list is wanted, a repeated query key is a list. It accepts exactly
//! what that deserializer accepts, so a request it rejects is run again through the tracked
//! `Value` pass, which names the field in Kibana's words.

use std::borrow::Cow;

use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{self, IntoDeserializer, Unexpected, Visitor};
use serde::forward_to_deserialize_any;

use super::coerce::coercing_methods;
use super::value_de::FieldError;

/// The value of one key: one text, or several for a repeated query key.
enum Text<'a> {
    One(Cow<'a, str>),
    Many(Vec<Cow<'a, str>>),
}

/// The keys and values of a params or query part, in arrival order.
pub(crate) struct TextMap<'a> {
    entries: Vec<(Cow<'a, str>, Text<'a>)>,
}

impl<'a> TextMap<'a> {
    /// No keys (a part the route did not declare).
    pub(crate) fn empty() -> Self {
        Self {
            entries: Vec::new(),
        }
    }

    /// Path params, `(name, decoded value)`.
    pub(crate) fn params(params: &'a [(String, String)]) -> Self {
        Self {
            entries: params
                .iter()
                .map(|(name, value)| {
                    (
                        Cow::Borrowed(name.as_str()),
                        Text::One(Cow::Borrowed(value)),
                    )
                })
                .collect(),
        }
    }

    /// A query string (`a=1&b=x&a=2`), form-decoded; a repeated key collects its values.
    pub(crate) fn query(query: &'a str) -> Self {
        let mut entries: Vec<(Cow<'a, str>, Text<'a>)> = Vec::new();
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            match entries.iter_mut().find(|(existing, _)| *existing == key) {
                Some((_, text)) => match text {
                    Text::Many(values) => values.push(value),
                    Text::One(first) => {
                        *text = Text::Many(vec![std::mem::take(first), value]);
                    }
                },
                None => entries.push((key, Text::One(value))),
            }
        }
        Self { entries }
    }
}

impl<'de> de::Deserializer<'de> for &'de TextMap<'_> {
    type Error = FieldError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldError> {
        let mut map = MapDeserializer::new(
            self.entries
                .iter()
                .map(|(key, value)| (key.as_ref(), TextDeserializer(value))),
        );
        let value = visitor.visit_map(&mut map)?;
        map.end()?;
        Ok(value)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldError> {
        visitor.visit_some(self)
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
        match self.entries.as_slice() {
            [_] => visitor.visit_enum(de::value::MapAccessDeserializer::new(MapDeserializer::new(
                self.entries
                    .iter()
                    .map(|(key, value)| (key.as_ref(), TextDeserializer(value))),
            ))),
            _ => self.deserialize_any(visitor),
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// One key's value.
struct TextDeserializer<'a, 'b>(&'a Text<'b>);

/// One text of a repeated key.
struct OneText<'a>(&'a str);

impl<'de> IntoDeserializer<'de, FieldError> for TextDeserializer<'de, '_> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> IntoDeserializer<'de, FieldError> for OneText<'de> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

/// What both text deserializers share: how one text (or a list of them) is read.
macro_rules! text_deserializer {
    ($ty:ty) => {
        impl<'de> de::Deserializer<'de> for $ty {
            type Error = FieldError;

            fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldError> {
                match self.text() {
                    Some(text) => visitor.visit_borrowed_str(text),
                    None => {
                        let mut seq =
                            SeqDeserializer::new(self.many().iter().map(|text| OneText(text)));
                        let value = visitor.visit_seq(&mut seq)?;
                        seq.end()?;
                        Ok(value)
                    }
                }
            }

            fn deserialize_option<V: Visitor<'de>>(
                self,
                visitor: V,
            ) -> Result<V::Value, FieldError> {
                visitor.visit_some(self)
            }

            fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FieldError> {
                match self.text() {
                    // `?tag=a` for a list field: a single value is a one-item list.
                    Some(text) => {
                        let mut seq = SeqDeserializer::new(std::iter::once(OneText(text)));
                        let value = visitor.visit_seq(&mut seq)?;
                        seq.end()?;
                        Ok(value)
                    }
                    None => self.deserialize_any(visitor),
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
                match self.text() {
                    Some(variant) => visitor.visit_enum(variant.into_deserializer()),
                    None => self.deserialize_any(visitor),
                }
            }

            fn deserialize_struct<V: Visitor<'de>>(
                self,
                _name: &'static str,
                _fields: &'static [&'static str],
                visitor: V,
            ) -> Result<V::Value, FieldError> {
                // As in the `Value` pass: a list is never an object.
                match self.text() {
                    Some(_) => self.deserialize_any(visitor),
                    None => Err(de::Error::invalid_type(Unexpected::Seq, &visitor)),
                }
            }

            coercing_methods!();

            forward_to_deserialize_any! {
                char str string bytes byte_buf unit unit_struct tuple tuple_struct map identifier
                ignored_any
            }
        }
    };
}

impl<'de> TextDeserializer<'de, '_> {
    fn text(&self) -> Option<&'de str> {
        match self.0 {
            Text::One(text) => Some(text),
            Text::Many(_) => None,
        }
    }
    fn many(&self) -> &'de [Cow<'de, str>] {
        match self.0 {
            Text::Many(values) => values,
            Text::One(_) => &[],
        }
    }
}

impl<'de> OneText<'de> {
    fn text(&self) -> Option<&'de str> {
        Some(self.0)
    }
    fn many(&self) -> &'de [Cow<'de, str>] {
        &[]
    }
}

text_deserializer!(TextDeserializer<'de, '_>);
text_deserializer!(OneText<'de>);
