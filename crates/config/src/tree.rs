//! The raw config tree: a `serde_json::Value` whose objects never have dotted keys.
//!
//! Kibana accepts `server.port: 5601` and `server: { port: 5601 }` interchangeably, so every
//! source is normalised into nested objects here before anything reads it.

use serde_json::{Map, Value};

/// The most names a key path may have (`a.b.c` has three), counting the nesting it sits in: a
/// dotted key nests as deep as it has dots, and every later step (merging, deserializing,
/// dropping) recurses once per level.
pub(crate) const MAX_KEY_DEPTH: usize = 128;

/// Whether the dotted `path` has more than [`MAX_KEY_DEPTH`] names.
pub(crate) fn too_deep(path: &str) -> bool {
    path.bytes().filter(|byte| *byte == b'.').count() >= MAX_KEY_DEPTH
}

/// `path` shortened for a message: its first 60 characters and `...` when longer.
pub(crate) fn abbreviated(path: &str) -> String {
    match path.char_indices().nth(60) {
        Some((end, _)) => format!("{}...", &path[..end]),
        None => path.to_owned(),
    }
}

/// Rebuilds `value` with every dotted object key split into nested objects.
///
/// Keys are applied in document order and later keys win, deep-merging objects, so
/// `server.port: 1` followed by `server: {host: a}` keeps both keys.
pub(crate) fn expand_dotted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Value::Object(Map::new());
            for (key, child) in map {
                let nested = nest(&key, expand_dotted(child));
                merge(&mut out, nested);
            }
            out
        }
        Value::Array(items) => Value::Array(items.into_iter().map(expand_dotted).collect()),
        scalar => scalar,
    }
}

/// Wraps `value` in one object per segment of the dotted `key` (`a.b` → `{a: {b: value}}`).
pub(crate) fn nest(key: &str, value: Value) -> Value {
    key.rsplit('.').fold(value, |inner, segment| {
        let mut map = Map::new();
        map.insert(segment.to_owned(), inner);
        Value::Object(map)
    })
}

/// Deep-merges `overlay` into `base`: objects merge key by key, anything else replaces.
pub(crate) fn merge(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Object(base_map), Value::Object(overlay_map)) => {
            for (key, overlay_child) in overlay_map {
                match base_map.get_mut(&key) {
                    Some(base_child) => merge(base_child, overlay_child),
                    None => {
                        base_map.insert(key, overlay_child);
                    }
                }
            }
        }
        (base, overlay) => *base = overlay,
    }
}

/// The value at dotted `path` (`""` is the root). Numeric segments index arrays (`hosts.0`).
pub(crate) fn get<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    if path.is_empty() {
        return Some(root);
    }
    path.split('.').try_fold(root, |node, segment| match node {
        Value::Object(map) => map.get(segment),
        Value::Array(items) => segment
            .parse::<usize>()
            .ok()
            .and_then(|index| items.get(index)),
        _ => None,
    })
}

/// Every leaf key as a dotted path, sorted. Arrays and scalars are leaves (as in Kibana's
/// `getFlattenedObject`); an empty object contributes nothing.
pub(crate) fn flatten_leaves(root: &Value) -> Vec<String> {
    fn walk(node: &Value, prefix: &str, out: &mut Vec<String>) {
        match node {
            Value::Object(map) => {
                for (key, child) in map {
                    let path = join(prefix, key);
                    walk(child, &path, out);
                }
            }
            _ if !prefix.is_empty() => out.push(prefix.to_owned()),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(root, "", &mut out);
    out.sort();
    out
}

/// Whether `handled` is `key` itself or one of its ancestors (segment-wise, so `server`
/// covers `server.port` but not `serverless`). The root path `""` covers everything.
pub(crate) fn covers(handled: &str, key: &str) -> bool {
    handled.is_empty()
        || key == handled
        || (key.starts_with(handled) && key.as_bytes().get(handled.len()) == Some(&b'.'))
}

/// `prefix.key`, or `key` alone at the root.
pub(crate) fn join(prefix: &str, key: &str) -> String {
    match (prefix.is_empty(), key.is_empty()) {
        (true, _) => key.to_owned(),
        (_, true) => prefix.to_owned(),
        _ => format!("{prefix}.{key}"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn dotted_and_nested_keys_merge_in_document_order() {
        let expanded = expand_dotted(json!({
            "server.port": 5601,
            "server": {"ssl.enabled": true, "host": "a"},
            "server.host": "b",
            "list": [{"a.b": 1}],
        }));
        assert_eq!(
            expanded,
            json!({
                "server": {"port": 5601, "ssl": {"enabled": true}, "host": "b"},
                "list": [{"a": {"b": 1}}],
            })
        );
    }

    #[test]
    fn merge_replaces_non_objects_and_merges_objects() {
        let mut base = json!({"a": {"b": 1, "c": [1, 2]}, "d": 1});
        merge(&mut base, json!({"a": {"c": [3]}, "d": {"e": 2}}));
        assert_eq!(base, json!({"a": {"b": 1, "c": [3]}, "d": {"e": 2}}));
    }

    #[test]
    fn get_walks_objects_and_array_indexes() {
        let root = json!({"a": {"hosts": ["x", "y"]}});
        assert_eq!(get(&root, "a.hosts.1"), Some(&json!("y")));
        assert_eq!(get(&root, "a.hosts.9"), None);
        assert_eq!(get(&root, "a.missing"), None);
        assert_eq!(get(&root, ""), Some(&root));
    }

    #[test]
    fn flatten_lists_leaves_sorted_with_arrays_as_leaves() {
        let root = json!({"z": 1, "a": {"b": [1, {"c": 2}], "e": {}, "n": null}});
        assert_eq!(flatten_leaves(&root), vec!["a.b", "a.n", "z"]);
    }

    /// Nested objects with dot-free keys and scalar or array leaves; no empty objects, since
    /// those have no leaves to flatten.
    fn nested_tree() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            "[a-z ]{0,6}".prop_map(Value::from),
            proptest::collection::vec(any::<u8>().prop_map(Value::from), 0..3)
                .prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 40, 4, |inner| {
            proptest::collection::btree_map("[a-z]{1,3}", inner, 1..4)
                .prop_map(|map| Value::Object(map.into_iter().collect()))
        })
    }

    proptest::proptest! {
        /// Writing every leaf as one dotted key and expanding gives the nested tree back, so
        /// `a.b: 1` and `a: {b: 1}` really are the same config, and flattening loses nothing.
        #[test]
        fn dotted_form_round_trips(tree in nested_tree()) {
            proptest::prop_assume!(tree.is_object());
            let flat: Map<String, Value> = flatten_leaves(&tree)
                .into_iter()
                .map(|key| {
                    let leaf = get(&tree, &key).cloned().unwrap_or_default();
                    (key, leaf)
                })
                .collect();
            proptest::prop_assert_eq!(expand_dotted(Value::Object(flat)), tree);
        }
    }

    #[test]
    fn covers_respects_segment_boundaries() {
        assert!(covers("server", "server"));
        assert!(covers("server", "server.port"));
        assert!(!covers("server", "serverless.port"));
        assert!(!covers("server.port", "server"));
        assert!(covers("", "anything"));
    }
}
