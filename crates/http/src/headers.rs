//! [`RequestHeaders`]: the headers a request arrived with; [`Headers`]: a list of headers a
//! plugin builds (for Elasticsearch, for a response).

use std::sync::Arc;

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;
use serde::ser::SerializeMap;

/// The headers a request arrived with, read-only: the map the HTTP parser built, shared (not
/// copied) by every view of the request. Names are case-insensitive and a name may carry
/// several values, kept in arrival order; names come in no particular order. Values that are
/// not valid UTF-8 read lossily converted. Cloning is cheap (one reference count).
///
/// ```
/// use core_http::RequestHeaders;
/// let headers: RequestHeaders = [("X-Kibana-Foo", "a"), ("x-kibana-foo", "b")].into_iter().collect();
/// assert_eq!(headers.get("X-KIBANA-FOO"), Some("a"));
/// assert_eq!(headers.get_all("x-kibana-foo"), vec!["a", "b"]);
/// ```
#[derive(Clone, Default)]
pub struct RequestHeaders {
    map: Arc<HeaderMap>,
}

impl RequestHeaders {
    /// The headers of `map` (taken from the parsed request, not copied).
    pub(crate) fn from_map(mut map: HeaderMap) -> Self {
        // Rare: a value with bytes that are not UTF-8 is replaced by its lossy text once, so
        // every read can hand out `&str`.
        if map.iter().any(|(_, value)| !is_utf8(value)) {
            let fixed: Vec<_> = map
                .iter()
                .map(|(name, value)| {
                    let value = if is_utf8(value) {
                        value.clone()
                    } else {
                        let text = String::from_utf8_lossy(value.as_bytes());
                        HeaderValue::from_bytes(text.as_bytes()).unwrap_or_else(|_| value.clone())
                    };
                    (name.clone(), value)
                })
                .collect();
            map.clear();
            for (name, value) in fixed {
                map.append(name, value);
            }
        }
        Self { map: Arc::new(map) }
    }

    /// The first value of `name` (case-insensitive).
    ///
    /// # Arguments
    ///
    /// * `name` - the header name, in any case.
    pub fn get(&self, name: &str) -> Option<&str> {
        // A scan of the few names a request has, comparing names only: a hashed lookup would
        // first have to build a `HeaderName` (an allocation for a non-standard name).
        self.map
            .iter()
            .find(|(existing, _)| existing.as_str().eq_ignore_ascii_case(name))
            .map(|(_, value)| text_of(value))
    }

    /// Every value of `name`, in arrival order.
    ///
    /// # Arguments
    ///
    /// * `name` - the header name, in any case.
    pub fn get_all(&self, name: &str) -> Vec<&str> {
        self.values(name).collect()
    }

    /// The first value of `name`: a hashed lookup, for the names the pipeline reads on every
    /// request (a `&str` name would have to become a `HeaderName` first, an allocation for a
    /// non-standard one, so [`get`](Self::get) scans instead).
    pub(crate) fn get_named(&self, name: &HeaderName) -> Option<&str> {
        self.map.get(name).map(text_of)
    }

    /// Every value of `name`, in arrival order: a hashed lookup (see [`get_named`](Self::get_named)).
    pub(crate) fn values_named<'a>(&'a self, name: &HeaderName) -> impl Iterator<Item = &'a str> {
        self.map.get_all(name).map(text_of)
    }

    /// Every value of `name`, in arrival order, without collecting them.
    pub(crate) fn values<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> {
        self.map
            .iter()
            .filter(move |(existing, _)| existing.as_str().eq_ignore_ascii_case(name))
            .map(|(_, value)| text_of(value))
    }

    /// Whether `name` is present.
    ///
    /// # Arguments
    ///
    /// * `name` - the header name, in any case.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every `(lower-case name, value)` pair; the values of one name in arrival order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.map
            .iter()
            .map(|(name, value)| (name.as_str(), text_of(value)))
    }

    /// The distinct header names, lower-case.
    pub fn names(&self) -> Vec<&str> {
        self.map.keys().map(|name| name.as_str()).collect()
    }

    /// Number of `(name, value)` pairs.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether there are no headers at all.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Only the headers named in `names` (matched case-insensitively), as an owned list.
    ///
    /// # Arguments
    ///
    /// * `names` - the header names to keep, in any case; names the request lacks are skipped.
    pub fn filtered(&self, names: &[&str]) -> Headers {
        self.iter()
            .filter(|(name, _)| names.iter().any(|wanted| wanted.eq_ignore_ascii_case(name)))
            .collect()
    }

    /// Every header, as an owned list (for work that outlives the request, e.g. on another
    /// thread).
    pub fn to_headers(&self) -> Headers {
        self.iter().collect()
    }
}

fn is_utf8(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    bytes.is_ascii() || std::str::from_utf8(bytes).is_ok()
}

/// `value` as text; [`RequestHeaders::from_map`] has made every value UTF-8.
fn text_of(value: &HeaderValue) -> &str {
    std::str::from_utf8(value.as_bytes()).unwrap_or_default()
}

/// Builds request headers, e.g. for test doubles.
///
/// # Panics
///
/// If a name or value is not a valid HTTP header name or value (a request could not carry it).
impl<N: AsRef<str>, V: AsRef<str>> FromIterator<(N, V)> for RequestHeaders {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        let mut map = HeaderMap::new();
        for (name, value) in iter {
            let (name, value) = (name.as_ref(), value.as_ref());
            let header_name = actix_web::http::header::HeaderName::try_from(name)
                .unwrap_or_else(|_| panic!("[{name}] is not a valid HTTP header name"));
            let header_value = HeaderValue::try_from(value).unwrap_or_else(|_| {
                panic!("the value of header [{name}] is not a valid HTTP header value")
            });
            map.append(header_name, header_value);
        }
        Self::from_map(map)
    }
}

/// Names only: values may carry credentials.
impl std::fmt::Debug for RequestHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestHeaders")
            .field("names", &self.names())
            .finish()
    }
}

/// Serializes like Kibana's `Headers` record: a single value as a string, repeated ones as a list.
impl Serialize for RequestHeaders {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.map.len_keys()))?;
        for name in self.map.keys() {
            let values: Vec<&str> = self.map.get_all(name).map(text_of).collect();
            if let [single] = values.as_slice() {
                map.serialize_entry(name.as_str(), single)?;
            } else {
                map.serialize_entry(name.as_str(), &values)?;
            }
        }
        map.end()
    }
}

impl PartialEq<Headers> for RequestHeaders {
    fn eq(&self, other: &Headers) -> bool {
        let mut mine: Vec<_> = self.iter().collect();
        let mut theirs: Vec<_> = other.iter().collect();
        mine.sort_by_key(|(name, _)| *name);
        theirs.sort_by_key(|(name, _)| *name);
        mine == theirs
    }
}

/// A list of headers a plugin builds: what to send to Elasticsearch for a user
/// ([`AuthResultParams::request_header`](crate::AuthResultParams::request_header)), what to
/// add to a response, a filtered copy of a request's headers. Names are case-insensitive
/// (stored lower-case) and a name may carry several values, kept in insertion order.
///
/// ```
/// use core_http::Headers;
/// let mut headers = Headers::new();
/// headers.append("X-Kibana-Foo", "a");
/// headers.append("x-kibana-foo", "b");
/// assert_eq!(headers.get("X-KIBANA-FOO"), Some("a"));
/// assert_eq!(headers.get_all("x-kibana-foo"), vec!["a", "b"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    // A small vector beats a map for the handful of headers a request carries; insertion order
    // is kept so repeated values stay in the order they arrived. Shared (copy on write): every
    // view of a request (interceptors, handler) holds the same headers without copying them.
    entries: Arc<Vec<(String, String)>>,
}

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a value for `name`, keeping any values already there.
    ///
    /// # Arguments
    ///
    /// * `name` - the header name, in any case (stored lower-case); not checked until the headers
    ///   are sent.
    /// * `value` - the value to add after the name's existing values.
    pub fn append(&mut self, name: impl AsRef<str>, value: impl Into<String>) {
        Arc::make_mut(&mut self.entries).push((name.as_ref().to_ascii_lowercase(), value.into()));
    }

    /// Replaces every value of `name` with `value`.
    ///
    /// # Arguments
    ///
    /// * `name` - the header name, in any case (stored lower-case); not checked until the headers
    ///   are sent.
    /// * `value` - the one value the name keeps.
    pub fn insert(&mut self, name: impl AsRef<str>, value: impl Into<String>) {
        let name = name.as_ref().to_ascii_lowercase();
        let entries = Arc::make_mut(&mut self.entries);
        entries.retain(|(existing, _)| *existing != name);
        entries.push((name, value.into()));
    }

    /// The first value of `name`.
    ///
    /// # Arguments
    ///
    /// * `name` - the header name, in any case.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(existing, _)| existing.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Every value of `name`, in arrival order.
    ///
    /// # Arguments
    ///
    /// * `name` - the header name, in any case.
    pub fn get_all(&self, name: &str) -> Vec<&str> {
        self.entries
            .iter()
            .filter(|(existing, _)| existing.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// Whether `name` is present.
    ///
    /// # Arguments
    ///
    /// * `name` - the header name, in any case.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every `(lower-case name, value)` pair, in arrival order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// The distinct header names, lower-case, in first-arrival order.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for (name, _) in self.entries.iter() {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
        names
    }

    /// Number of `(name, value)` pairs.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no headers at all.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Only the headers named in `names` (matched case-insensitively).
    ///
    /// # Arguments
    ///
    /// * `names` - the header names to keep, in any case; names not present are skipped.
    pub fn filtered(&self, names: &[&str]) -> Headers {
        Headers {
            entries: Arc::new(
                self.entries
                    .iter()
                    .filter(|(name, _)| {
                        names.iter().any(|wanted| wanted.eq_ignore_ascii_case(name))
                    })
                    .cloned()
                    .collect(),
            ),
        }
    }
}

impl<N: AsRef<str>, V: Into<String>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        // One allocation for the list and one for the `Arc` (every request builds one of these).
        let entries = iter
            .into_iter()
            .map(|(name, value)| (name.as_ref().to_ascii_lowercase(), value.into()))
            .collect();
        Self {
            entries: Arc::new(entries),
        }
    }
}

/// Serializes like Kibana's `Headers` record: a single value as a string, repeated ones as a list.
impl Serialize for Headers {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let names = self.names();
        let mut map = serializer.serialize_map(Some(names.len()))?;
        for name in names {
            let values = self.get_all(name);
            if let [single] = values.as_slice() {
                map.serialize_entry(name, single)?;
            } else {
                map.serialize_entry(name, &values)?;
            }
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_single_and_multiple_values() {
        let headers: Headers = [("A", "1"), ("b", "2"), ("a", "3")].into_iter().collect();
        assert_eq!(
            serde_json::to_value(&headers).unwrap(),
            serde_json::json!({"a": ["1", "3"], "b": "2"})
        );
        assert_eq!(
            headers.filtered(&["B"]).iter().collect::<Vec<_>>(),
            vec![("b", "2")]
        );
    }

    #[test]
    fn insert_replaces() {
        let mut headers = Headers::new();
        headers.append("a", "1");
        headers.append("a", "2");
        headers.insert("A", "3");
        assert_eq!(headers.get_all("a"), vec!["3"]);
    }
}
