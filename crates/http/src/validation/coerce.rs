//! Coercion as @kbn/config-schema's `schema.number()` and `schema.boolean()` did it in every
//! request part: a string where a number or a boolean is wanted is converted ([`coerce_str`],
//! the one rule and the one message for params, query and body).
//!
//! [`super::value_de::ValueDeserializer`] applies it to params, query and (on the error path)
//! bodies; [`Coerce`] wraps the JSON parser so that a body that needs it is coerced straight
//! from its bytes, with no intermediate `serde_json::Value`. Nested values are wrapped too
//! (sequences, maps, options, enums); map keys are passed through as they are.

use std::fmt;

use core_config::values::{parse_bool, parse_number};
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Unexpected,
    VariantAccess, Visitor,
};

/// Coerces strings into numbers and booleans where the target type wants one.
pub(crate) struct Coerce<D>(pub(crate) D);

/// What the target type asked for.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target {
    /// Anything: no coercion.
    Any,
    Bool,
    U8,
    U16,
    U32,
    U64,
    U128,
    I8,
    I16,
    I32,
    I64,
    I128,
    F32,
    F64,
}

/// The visitor of the target type, wrapped: coerces strings to `target`, and wraps whatever
/// nested deserializer or accessor it is handed.
struct CoerceVisitor<V> {
    inner: V,
    target: Target,
}

impl<V> CoerceVisitor<V> {
    fn any(inner: V) -> Self {
        Self {
            inner,
            target: Target::Any,
        }
    }
}

macro_rules! forward_visits {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(
            fn $method<E: de::Error>(self, value: $ty) -> Result<Self::Value, E> {
                self.inner.$method(value)
            }
        )*
    };
}

/// The boolean and numeric `deserialize_*` methods of a deserializer that has a
/// `text(&self) -> Option<&'de str>` method: its text coerced with [`coerce_str`], or
/// `deserialize_any` when it holds something else. Shared by the params/query deserializers.
macro_rules! coercing_methods {
    () => {
        $crate::validation::coerce::coercing_methods! {
            deserialize_bool => Bool,
            deserialize_u8 => U8, deserialize_u16 => U16, deserialize_u32 => U32,
            deserialize_u64 => U64, deserialize_u128 => U128,
            deserialize_i8 => I8, deserialize_i16 => I16, deserialize_i32 => I32,
            deserialize_i64 => I64, deserialize_i128 => I128,
            deserialize_f32 => F32, deserialize_f64 => F64,
        }
    };
    ($($method:ident => $target:ident),* $(,)?) => {
        $(
            fn $method<V: serde::de::Visitor<'de>>(
                self,
                visitor: V,
            ) -> Result<V::Value, $crate::validation::value_de::FieldError> {
                match self.text() {
                    Some(text) => $crate::validation::coerce::coerce_str(
                        $crate::validation::coerce::Target::$target,
                        text,
                        visitor,
                    ),
                    None => self.deserialize_any(visitor),
                }
            }
        )*
    };
}
pub(crate) use coercing_methods;

/// Converts `text` into `target` for `visitor` with the platform's one string coercion
/// ([`parse_number`]: trimmed, finite for floats; [`parse_bool`]: `true` / `false` in any
/// case). Anything else is reported as a string where `target` was expected
/// (`expected value of type [number] but got [string]`).
pub(crate) fn coerce_str<'de, V: Visitor<'de>, E: de::Error>(
    target: Target,
    text: &str,
    visitor: V,
) -> Result<V::Value, E> {
    let coerced = match target {
        Target::Any => return visitor.visit_str(text),
        Target::Bool => parse_bool(text).map(|flag| visitor.visit_bool(flag)),
        Target::U8 => parse_number(text).map(|n| visitor.visit_u8(n)),
        Target::U16 => parse_number(text).map(|n| visitor.visit_u16(n)),
        Target::U32 => parse_number(text).map(|n| visitor.visit_u32(n)),
        Target::U64 => parse_number(text).map(|n| visitor.visit_u64(n)),
        Target::U128 => parse_number(text).map(|n| visitor.visit_u128(n)),
        Target::I8 => parse_number(text).map(|n| visitor.visit_i8(n)),
        Target::I16 => parse_number(text).map(|n| visitor.visit_i16(n)),
        Target::I32 => parse_number(text).map(|n| visitor.visit_i32(n)),
        Target::I64 => parse_number(text).map(|n| visitor.visit_i64(n)),
        Target::I128 => parse_number(text).map(|n| visitor.visit_i128(n)),
        Target::F32 => parse_number(text).map(|n| visitor.visit_f32(n)),
        Target::F64 => parse_number(text).map(|n| visitor.visit_f64(n)),
    };
    coerced.unwrap_or_else(|| Err(E::invalid_type(Unexpected::Str(text), &Expecting(target))))
}

/// What a failed coercion expected, in the words [`super::value_de::FieldError`] maps to
/// Kibana's type names.
struct Expecting(Target);

impl de::Expected for Expecting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            Target::Any => "any value",
            Target::Bool => "a boolean",
            Target::U8 => "u8",
            Target::U16 => "u16",
            Target::U32 => "u32",
            Target::U64 => "u64",
            Target::U128 => "u128",
            Target::I8 => "i8",
            Target::I16 => "i16",
            Target::I32 => "i32",
            Target::I64 => "i64",
            Target::I128 => "i128",
            Target::F32 => "f32",
            Target::F64 => "f64",
        })
    }
}

impl<'de, V: Visitor<'de>> Visitor<'de> for CoerceVisitor<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    forward_visits! {
        visit_bool(bool), visit_i8(i8), visit_i16(i16), visit_i32(i32), visit_i64(i64),
        visit_i128(i128), visit_u8(u8), visit_u16(u16), visit_u32(u32), visit_u64(u64),
        visit_u128(u128), visit_f32(f32), visit_f64(f64), visit_char(char),
        visit_bytes(&[u8]), visit_borrowed_bytes(&'de [u8]), visit_byte_buf(Vec<u8>),
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        coerce_str(self.target, value, self.inner)
    }
    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
        match self.target {
            Target::Any => self.inner.visit_borrowed_str(value),
            target => coerce_str(target, value, self.inner),
        }
    }
    fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
        match self.target {
            Target::Any => self.inner.visit_string(value),
            target => coerce_str(target, &value, self.inner),
        }
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_none()
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.inner.visit_some(Coerce(deserializer))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_unit()
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        self.inner.visit_newtype_struct(Coerce(deserializer))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_seq(Coerce(seq))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_map(Coerce(map))
    }
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_enum(Coerce(data))
    }
}

macro_rules! coerced {
    ($($method:ident => $target:ident),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
                self.0.deserialize_any(CoerceVisitor { inner: visitor, target: Target::$target })
            }
        )*
    };
}

macro_rules! wrapped {
    ($($method:ident),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
                self.0.$method(CoerceVisitor::any(visitor))
            }
        )*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Coerce<D> {
    type Error = D::Error;

    coerced! {
        deserialize_bool => Bool,
        deserialize_u8 => U8, deserialize_u16 => U16, deserialize_u32 => U32,
        deserialize_u64 => U64, deserialize_u128 => U128,
        deserialize_i8 => I8, deserialize_i16 => I16, deserialize_i32 => I32,
        deserialize_i64 => I64, deserialize_i128 => I128,
        deserialize_f32 => F32, deserialize_f64 => F64,
    }

    wrapped! {
        deserialize_any, deserialize_char, deserialize_str, deserialize_string,
        deserialize_bytes, deserialize_byte_buf, deserialize_option, deserialize_unit,
        deserialize_seq, deserialize_map, deserialize_identifier, deserialize_ignored_any,
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_unit_struct(name, CoerceVisitor::any(visitor))
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_newtype_struct(name, CoerceVisitor::any(visitor))
    }
    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple(len, CoerceVisitor::any(visitor))
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_tuple_struct(name, len, CoerceVisitor::any(visitor))
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_struct(name, fields, CoerceVisitor::any(visitor))
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_enum(name, variants, CoerceVisitor::any(visitor))
    }
    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// A seed whose deserializer is wrapped in [`Coerce`].
struct CoerceSeed<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for CoerceSeed<S> {
    type Value = S::Value;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(Coerce(deserializer))
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Coerce<A> {
    type Error = A::Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(CoerceSeed(seed))
    }
    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Coerce<A> {
    type Error = A::Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(seed)
    }
    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.0.next_value_seed(CoerceSeed(seed))
    }
    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for Coerce<A> {
    type Error = A::Error;
    type Variant = Coerce<A::Variant>;
    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, Self::Variant), A::Error> {
        self.0
            .variant_seed(seed)
            .map(|(value, variant)| (value, Coerce(variant)))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Coerce<A> {
    type Error = A::Error;
    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.0.newtype_variant_seed(CoerceSeed(seed))
    }
    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, CoerceVisitor::any(visitor))
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, CoerceVisitor::any(visitor))
    }
}
