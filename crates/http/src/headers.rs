//! [`Headers`]: the request headers as plugins see them.

use std::sync::Arc;

use serde::Serialize;
use serde::ser::SerializeMap;

/// Request headers: names are case-insensitive (stored lower-case) and a name may carry several
/// values. Values that are not valid UTF-8 are kept lossily converted.
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
    pub fn append(&mut self, name: impl AsRef<str>, value: impl Into<String>) {
        Arc::make_mut(&mut self.entries).push((name.as_ref().to_ascii_lowercase(), value.into()));
    }

    /// Replaces every value of `name` with `value`.
    pub fn insert(&mut self, name: impl AsRef<str>, value: impl Into<String>) {
        let name = name.as_ref().to_ascii_lowercase();
        let entries = Arc::make_mut(&mut self.entries);
        entries.retain(|(existing, _)| *existing != name);
        entries.push((name, value.into()));
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(existing, _)| existing.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Every value of `name`, in arrival order.
    pub fn get_all(&self, name: &str) -> Vec<&str> {
        self.entries
            .iter()
            .filter(|(existing, _)| existing.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// Whether `name` is present.
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
