//! Kibana's config value types, for every service's typed section: durations and byte sizes,
//! read the way `@kbn/config-schema` read them, with its messages, and bounded so that no value
//! a file or a flag can hold overflows later (a timer, an instant, a buffer size); and the one
//! rule for reading a number or a boolean from a string ([`parse_number`], [`parse_bool`]).
//!
//! Use them with serde's `deserialize_with`:
//!
//! ```
//! use std::time::Duration;
//! #[derive(serde::Deserialize)]
//! #[serde(rename_all = "camelCase")]
//! struct Section {
//!     #[serde(deserialize_with = "core_config::values::duration")]
//!     request_timeout: Duration,
//!     #[serde(deserialize_with = "core_config::values::byte_size")]
//!     max_payload: u64,
//! }
//! let section: Section =
//!     serde_json::from_value(serde_json::json!({ "requestTimeout": "30s", "maxPayload": "1mb" }))
//!         .unwrap();
//! assert_eq!(section.request_timeout, Duration::from_secs(30));
//! assert_eq!(section.max_payload, 1_048_576);
//! ```

use std::fmt;
use std::time::Duration;

use serde::Deserializer;
use serde::de::{self, Visitor};

/// The largest number of milliseconds or bytes a value may have: JavaScript's largest safe
/// integer, Kibana's bound (`Number.isSafeInteger`). About 285 000 years as a duration, so
/// adding any accepted duration to an instant cannot overflow.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Kibana's message for a duration string it cannot read.
const DURATION_FORMAT: &str = "Failed to parse value as time value. Value must be a duration in \
    milliseconds, or follow the format <count>[ms|s|m|h|d|w|M|Y] (e.g. '70ms', '5s', '3d', '1Y'), \
    where the duration is a safe positive integer.";

/// Kibana's message for a number of milliseconds out of range.
const MILLIS_RANGE: &str = "Value in milliseconds is expected to be a safe positive integer.";

/// Parses a duration as Kibana's `schema.duration()` did: `<count><unit>` with a unit of `ms`,
/// `s`, `m`, `h`, `d`, `w`, `M` (30 days) or `Y` (365 days), or a number of milliseconds.
/// Compound forms such as `1m 30s` are accepted too (an extension). Anything longer than
/// [`MAX_SAFE_INTEGER`] milliseconds is refused.
///
/// ```
/// use std::time::Duration;
/// use core_config::values::parse_duration;
/// assert_eq!(parse_duration("70ms"), Ok(Duration::from_millis(70)));
/// assert_eq!(parse_duration("3d"), Ok(Duration::from_secs(3 * 86_400)));
/// assert_eq!(parse_duration("1500"), Ok(Duration::from_millis(1500)));
/// assert_eq!(parse_duration("1m 30s"), Ok(Duration::from_secs(90)));
/// assert!(parse_duration("500000000000Y").is_err());
/// assert!(parse_duration("soon").unwrap_err().starts_with("Failed to parse value as time value."));
/// ```
///
/// # Arguments
///
/// * `text` - the setting's text, such as `30s`, `1m 30s` or `1500` (milliseconds).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    if let Some(millis) = kibana_duration_millis(text) {
        return millis_to_duration(millis);
    }
    if let Ok(number) = text.trim().parse::<f64>() {
        return float_millis_to_duration(number);
    }
    match humantime::parse_duration(text.trim()) {
        Ok(duration) if duration.as_millis() <= u128::from(MAX_SAFE_INTEGER) => Ok(duration),
        Ok(_) | Err(humantime::DurationError::NumberOverflow) => Err(MILLIS_RANGE.to_owned()),
        Err(_) => Err(DURATION_FORMAT.to_owned()),
    }
}

/// `<count><unit>` in Kibana's format, as milliseconds (`u128`: the count may be huge).
fn kibana_duration_millis(text: &str) -> Option<u128> {
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (count, unit) = text.split_at(split);
    if count.is_empty() || (count.len() > 1 && count.starts_with('0')) {
        return None;
    }
    let unit_millis: u128 = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        "M" => 30 * 86_400_000,
        "Y" => 365 * 86_400_000,
        _ => return None,
    };
    // Digits beyond what fits are certainly too large: report them as such.
    let count: u128 = count.parse().unwrap_or(u128::MAX / unit_millis);
    Some(count.saturating_mul(unit_millis))
}

fn millis_to_duration(millis: u128) -> Result<Duration, String> {
    u64::try_from(millis)
        .ok()
        .filter(|millis| *millis <= MAX_SAFE_INTEGER)
        .map(Duration::from_millis)
        .ok_or_else(|| MILLIS_RANGE.to_owned())
}

fn float_millis_to_duration(millis: f64) -> Result<Duration, String> {
    if millis.is_finite() && millis >= 0.0 && millis.fract() == 0.0 {
        // Exact below 2^53, and anything at or above it is refused.
        millis_to_duration(millis as u128)
    } else {
        Err(MILLIS_RANGE.to_owned())
    }
}

/// Deserializes a duration: a number of milliseconds or a string [`parse_duration`] reads.
///
/// # Arguments
///
/// * `deserializer` - supplied by serde for a field with `deserialize_with = "duration"`.
pub fn duration<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    struct DurationVisitor;
    impl Visitor<'_> for DurationVisitor {
        type Value = Duration;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a number of milliseconds or a duration such as \"30s\"")
        }
        fn visit_u64<E: de::Error>(self, millis: u64) -> Result<Duration, E> {
            millis_to_duration(u128::from(millis)).map_err(E::custom)
        }
        fn visit_i64<E: de::Error>(self, millis: i64) -> Result<Duration, E> {
            u128::try_from(millis)
                .map_err(|_| E::custom(MILLIS_RANGE))
                .and_then(|millis| millis_to_duration(millis).map_err(E::custom))
        }
        fn visit_f64<E: de::Error>(self, millis: f64) -> Result<Duration, E> {
            float_millis_to_duration(millis).map_err(E::custom)
        }
        fn visit_str<E: de::Error>(self, text: &str) -> Result<Duration, E> {
            parse_duration(text).map_err(E::custom)
        }
    }
    deserializer.deserialize_any(DurationVisitor)
}

/// [`duration`] for an optional setting.
///
/// # Arguments
///
/// * `deserializer` - supplied by serde for a field with `deserialize_with = "optional_duration"`.
pub fn optional_duration<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Duration>, D::Error> {
    duration(deserializer).map(Some)
}

/// Parses a byte size as Kibana's `schema.byteSize()` did: `<count><unit>` with a unit of `b`,
/// `kb`, `mb` or `gb` (binary multiples: `1kb` is 1 024 bytes), the unit in any case, or a
/// number of bytes. At most [`MAX_SAFE_INTEGER`] bytes.
///
/// (The `bytesize` crate reads `kb` as 1 000 bytes, which would change what a Kibana setting
/// means, hence this function.)
///
/// ```
/// use core_config::values::parse_byte_size;
/// assert_eq!(parse_byte_size("1mb"), Ok(1_048_576));
/// assert_eq!(parse_byte_size("512KB"), Ok(524_288));
/// assert_eq!(parse_byte_size("10"), Ok(10));
/// assert_eq!(
///     parse_byte_size("lots"),
///     Err("could not parse byte size value [lots]. Value must be a safe positive integer.".to_owned())
/// );
/// ```
///
/// # Arguments
///
/// * `text` - the setting's text, such as `1mb` or `1024`; surrounding whitespace is ignored.
pub fn parse_byte_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let lower = trimmed.to_ascii_lowercase();
    let split = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (count, unit) = lower.split_at(split);
    let multiplier: u128 = match unit {
        "" | "b" => 1,
        "kb" => 1 << 10,
        "mb" => 1 << 20,
        "gb" => 1 << 30,
        _ => return Err(unparsable_bytes(text)),
    };
    if count.is_empty() {
        return Err(unparsable_bytes(text));
    }
    let bytes = count
        .parse::<u128>()
        .unwrap_or(u128::MAX)
        .saturating_mul(multiplier);
    bytes_in_range(bytes)
}

fn unparsable_bytes(text: &str) -> String {
    format!("could not parse byte size value [{text}]. Value must be a safe positive integer.")
}

fn bytes_in_range(bytes: u128) -> Result<u64, String> {
    u64::try_from(bytes)
        .ok()
        .filter(|bytes| *bytes <= MAX_SAFE_INTEGER)
        .ok_or_else(|| {
            format!(
                "Value in bytes is expected to be a safe positive integer, but provided [{bytes}]"
            )
        })
}

/// Deserializes a byte size: a number of bytes or a string [`parse_byte_size`] reads.
///
/// # Arguments
///
/// * `deserializer` - supplied by serde for a field with `deserialize_with = "byte_size"`.
pub fn byte_size<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    struct ByteSizeVisitor;
    impl Visitor<'_> for ByteSizeVisitor {
        type Value = u64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a number of bytes or a byte size such as \"1mb\"")
        }
        fn visit_u64<E: de::Error>(self, bytes: u64) -> Result<u64, E> {
            bytes_in_range(u128::from(bytes)).map_err(E::custom)
        }
        fn visit_i64<E: de::Error>(self, bytes: i64) -> Result<u64, E> {
            u64::try_from(bytes)
                .map_err(|_| {
                    E::custom(format!(
                        "Value in bytes is expected to be a safe positive integer, but provided [{bytes}]"
                    ))
                })
                .and_then(|bytes| self.visit_u64(bytes))
        }
        /// `1e6` in YAML or JSON is a float: taken when it is a whole number of bytes.
        fn visit_f64<E: de::Error>(self, bytes: f64) -> Result<u64, E> {
            if bytes.is_finite() && bytes >= 0.0 && bytes.fract() == 0.0 {
                bytes_in_range(bytes as u128).map_err(E::custom)
            } else {
                Err(E::custom(format!(
                    "Value in bytes is expected to be a safe positive integer, but provided [{bytes}]"
                )))
            }
        }
        fn visit_str<E: de::Error>(self, text: &str) -> Result<u64, E> {
            parse_byte_size(text).map_err(E::custom)
        }
    }
    deserializer.deserialize_any(ByteSizeVisitor)
}

/// Reads a boolean from a string as Kibana's `schema.boolean()` coerces one: `true` or `false`
/// in any ASCII case, nothing else (no surrounding spaces, no `yes`/`1`).
///
/// This and [`parse_number`] are the one string coercion of the platform: config values (a
/// `${VAR}` substitution or a `--key=value` flag is a string) and request params, query and
/// bodies all coerce with them.
///
/// ```
/// use core_config::values::parse_bool;
/// assert_eq!(parse_bool("true"), Some(true));
/// assert_eq!(parse_bool("FALSE"), Some(false));
/// assert_eq!(parse_bool(" true"), None);
/// assert_eq!(parse_bool("yes"), None);
/// ```
///
/// # Arguments
///
/// * `text` - the text to read, exactly `true` or `false` in any case.
#[inline]
pub fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Reads a number of type `T` from a string as Kibana's `schema.number()` coerces one: the
/// decimal text with surrounding whitespace ignored, finite for floats. A value out of `T`'s
/// range, a fraction for an integer type, an empty string or `NaN`/`inf` give `None`.
///
/// ```
/// use core_config::values::parse_number;
/// assert_eq!(parse_number::<u16>(" 5601 "), Some(5601));
/// assert_eq!(parse_number::<i32>("-3"), Some(-3));
/// assert_eq!(parse_number::<f64>("0.5"), Some(0.5));
/// assert_eq!(parse_number::<u8>("256"), None);
/// assert_eq!(parse_number::<u32>("1.5"), None);
/// assert_eq!(parse_number::<f64>("inf"), None);
/// assert_eq!(parse_number::<u16>(""), None);
/// ```
///
/// # Arguments
///
/// * `text` - the decimal text to read, such as `5601` or `-0.5`; surrounding whitespace is
///   ignored.
#[inline]
pub fn parse_number<T: CoercibleNumber>(text: &str) -> Option<T> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    text.parse::<T>().ok().filter(CoercibleNumber::is_finite)
}

/// A primitive number type [`parse_number`] can produce: every integer type, `f32` and `f64`.
pub trait CoercibleNumber: std::str::FromStr + sealed::Sealed {
    /// Whether the value is finite (always, for integers).
    fn is_finite(&self) -> bool;
}

mod sealed {
    /// Keeps [`super::CoercibleNumber`] to the primitive number types.
    pub trait Sealed {}
}

macro_rules! coercible_numbers {
    (integers: $($int:ty)*; floats: $($float:ty)*) => {
        $(
            impl sealed::Sealed for $int {}
            impl CoercibleNumber for $int {
                #[inline]
                fn is_finite(&self) -> bool {
                    true
                }
            }
        )*
        $(
            impl sealed::Sealed for $float {}
            impl CoercibleNumber for $float {
                #[inline]
                fn is_finite(&self) -> bool {
                    <$float>::is_finite(*self)
                }
            }
        )*
    };
}
coercible_numbers!(integers: u8 u16 u32 u64 u128 usize i8 i16 i32 i64 i128 isize; floats: f32 f64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_kibana() {
        for (text, millis) in [
            ("0ms", 0),
            ("70ms", 70),
            ("5s", 5_000),
            ("2m", 120_000),
            ("1h", 3_600_000),
            ("3d", 3 * 86_400_000),
            ("1w", 7 * 86_400_000),
            ("1M", 30 * 86_400_000),
            ("1Y", 365 * 86_400_000),
            ("120000", 120_000),
            ("1m 30s", 90_000),
        ] {
            assert_eq!(
                parse_duration(text),
                Ok(Duration::from_millis(millis)),
                "{text}"
            );
        }
        for text in ["", "soon", "-5s", "5 parsecs", "1.5.3"] {
            assert_eq!(parse_duration(text).unwrap_err(), DURATION_FORMAT, "{text}");
        }
    }

    /// Every accepted duration can be added to an instant: the bug this bound fixes was a
    /// server that started with `500000000000y` and panicked on every connection.
    #[test]
    fn durations_are_bounded() {
        for text in [
            "500000000000Y",
            "500000000000y",
            "99999999999999999999999999999999999999999ms",
            "9007199254740992",
            "1e300",
        ] {
            assert_eq!(parse_duration(text).unwrap_err(), MILLIS_RANGE, "{text}");
        }
        let largest = parse_duration("9007199254740991").unwrap();
        assert!(std::time::Instant::now().checked_add(largest).is_some());
        assert_eq!(float_millis_to_duration(-1.0).unwrap_err(), MILLIS_RANGE);
        assert_eq!(float_millis_to_duration(0.5).unwrap_err(), MILLIS_RANGE);
    }

    #[test]
    fn byte_sizes_read_like_kibana() {
        assert_eq!(parse_byte_size("1mb"), Ok(1_048_576));
        assert_eq!(parse_byte_size("512KB"), Ok(524_288));
        assert_eq!(parse_byte_size("1gb"), Ok(1 << 30));
        assert_eq!(parse_byte_size("10"), Ok(10));
        assert_eq!(parse_byte_size("10b"), Ok(10));
        for text in ["1 tb", "mb", "lots", "-1", ""] {
            assert_eq!(
                parse_byte_size(text).unwrap_err(),
                format!(
                    "could not parse byte size value [{text}]. Value must be a safe positive integer."
                )
            );
        }
        assert_eq!(
            parse_byte_size("99999999999gb").unwrap_err(),
            "Value in bytes is expected to be a safe positive integer, but provided [107374182398926258176]"
        );
    }
}
