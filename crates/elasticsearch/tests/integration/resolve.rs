//! Endpoint resolution over the whole generated table, and its finer rules.

use core_elasticsearch::endpoint_table::{
    Endpoint, HttpMethod, RequestBody, ValueType, common_params, endpoints, resolve,
};
use serde_json::{Map, Value, json};

fn sample(name: &str, ty: ValueType) -> Value {
    match ty {
        ValueType::List => json!([format!("{name}-1"), format!("{name} 2")]),
        ValueType::Long | ValueType::Int | ValueType::Number | ValueType::Double => json!(7),
        ValueType::Boolean => json!(true),
        _ => json!(format!("{name}/x")),
    }
}

fn encoded(name: &str, ty: ValueType) -> String {
    match ty {
        ValueType::List => format!("{name}-1,{name}%202"),
        ValueType::Long | ValueType::Int | ValueType::Number | ValueType::Double => "7".to_owned(),
        ValueType::Boolean => "true".to_owned(),
        _ => format!("{name}%2Fx"),
    }
}

#[test]
fn every_endpoint_path_resolves_with_its_parts_and_a_query_parameter() {
    let mut checked = 0;
    for endpoint in endpoints() {
        for url_path in endpoint.paths {
            let mut params = Map::new();
            let mut expected_path = url_path.template.to_owned();
            for part in url_path.parts {
                params.insert(part.name.to_owned(), sample(part.name, part.ty));
                expected_path = expected_path
                    .replace(&format!("{{{}}}", part.name), &encoded(part.name, part.ty));
            }
            // A query parameter that is not also a part name (a part picks its path), or a common one.
            let query_param = endpoint
                .params
                .iter()
                .find(|param| {
                    !endpoint
                        .paths
                        .iter()
                        .any(|p| p.parts.iter().any(|part| part.name == param.name))
                })
                .map_or("error_trace", |param| param.name);
            params.insert(query_param.to_owned(), json!("q"));
            let needs_body = endpoint.body.is_some_and(|body| body.required);
            if let Some(body) = endpoint.body.filter(|body| body.required) {
                let value = if body.ndjson {
                    json!([{"a": 1}])
                } else {
                    json!({"a": 1})
                };
                params.insert("body".to_owned(), value);
            }

            let resolved = resolve(endpoint.name, Value::Object(params)).unwrap_or_else(|error| {
                panic!("{} {}: {error}", endpoint.name, url_path.template);
            });

            // Another path with the same parts may win (a non-deprecated twin); it must be one with these parts.
            let same_parts: Vec<String> = endpoint
                .paths
                .iter()
                .filter(|other| {
                    other.parts.len() == url_path.parts.len()
                        && other
                            .parts
                            .iter()
                            .all(|part| url_path.parts.iter().any(|p| p.name == part.name))
                })
                .map(|other| {
                    let mut filled = other.template.to_owned();
                    for part in other.parts {
                        filled = filled
                            .replace(&format!("{{{}}}", part.name), &encoded(part.name, part.ty));
                    }
                    filled
                })
                .collect();
            assert!(
                same_parts.contains(&resolved.path),
                "{}: {} not in {same_parts:?}",
                endpoint.name,
                resolved.path
            );
            if same_parts.len() == 1 {
                assert_eq!(resolved.path, expected_path);
                assert!(
                    url_path.methods.contains(&resolved.method),
                    "{}: {}",
                    endpoint.name,
                    resolved.method
                );
            }
            assert!(resolved.path.starts_with('/'));
            assert!(
                !resolved.path.contains('{'),
                "{}: {}",
                endpoint.name,
                resolved.path
            );
            assert_eq!(
                resolved.query,
                vec![(query_param.to_owned(), "q".to_owned())],
                "{}",
                endpoint.name
            );
            // A body picks POST or PUT where the path offers one (some, like invalidate_api_key, are DELETE only).
            if needs_body && url_path.methods.iter().any(|method| method.accepts_body()) {
                assert!(
                    resolved.method.accepts_body(),
                    "{}: {} with a body",
                    endpoint.name,
                    resolved.method
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 400, "only {checked} paths checked");
}

#[test]
fn the_table_knows_the_endpoints_kibana_plugins_call() {
    for name in [
        "search",
        "bulk",
        "ping",
        "indices.create",
        "cluster.health",
        "security.authenticate",
        "msearch",
    ] {
        assert!(Endpoint::find(name).is_some(), "{name}");
    }
    assert!(Endpoint::find("no.such").is_none());
    let names: Vec<&str> = common_params().iter().map(|param| param.name).collect();
    assert_eq!(
        names,
        ["error_trace", "filter_path", "human", "pretty", "source"]
    );
}

#[test]
fn the_path_with_the_most_given_parts_wins() {
    let all = resolve("search", json!({})).unwrap();
    assert_eq!(
        (all.method, all.path.as_str()),
        (HttpMethod::Get, "/_search")
    );
    let one = resolve("search", json!({"index": "a"})).unwrap();
    assert_eq!(one.path, "/a/_search");
    let two = resolve("bulk", json!({"index": "a", "type": "t", "body": []})).unwrap();
    assert_eq!(two.path, "/a/t/_bulk");
    // Empty parts count as absent.
    let empty = resolve("search", json!({"index": []})).unwrap();
    assert_eq!(empty.path, "/_search");
}

#[test]
fn a_part_that_is_also_a_parameter_goes_to_the_query_when_its_path_is_not_chosen() {
    // bulk has a `type` part (only with `index`) and a `type` parameter.
    let resolved = resolve("bulk", json!({"type": "t", "body": "{}\n"})).unwrap();
    assert_eq!(resolved.path, "/_bulk");
    assert_eq!(resolved.query, vec![("type".to_owned(), "t".to_owned())]);
}

#[test]
fn parts_are_percent_encoded_and_lists_comma_joined() {
    let resolved = resolve("get", json!({"index": "my index", "id": "a/b?c#d%"})).unwrap();
    assert_eq!(resolved.path, "/my%20index/_doc/a%2Fb%3Fc%23d%25");
    let resolved = resolve("indices.delete", json!({"index": ["a", "b*", "ü"]})).unwrap();
    assert_eq!(
        (resolved.method, resolved.path.as_str()),
        (HttpMethod::Delete, "/a,b*,%C3%BC")
    );
}

#[test]
fn query_values_are_stringified_and_null_is_left_out() {
    let resolved = resolve(
        "search",
        json!({"size": 5, "explain": false, "_source": ["a", "b"], "q": "x y&z", "from": null, "filter_path": ["hits.hits._id"]}),
    )
    .unwrap();
    assert_eq!(
        resolved.query,
        vec![
            ("size".to_owned(), "5".to_owned()),
            ("explain".to_owned(), "false".to_owned()),
            ("_source".to_owned(), "a,b".to_owned()),
            ("q".to_owned(), "x y&z".to_owned()),
            ("filter_path".to_owned(), "hits.hits._id".to_owned()),
        ]
    );
    assert_eq!(
        resolved.path_and_query(),
        "/_search?size=5&explain=false&_source=a%2Cb&q=x%20y%26z&filter_path=hits.hits._id"
    );
}

#[test]
fn a_body_picks_a_method_that_carries_one() {
    let without = resolve("search", json!({})).unwrap();
    assert_eq!((without.method, without.body), (HttpMethod::Get, None));
    let with = resolve("search", json!({"body": {"size": 0}})).unwrap();
    assert_eq!(with.method, HttpMethod::Post);
    assert_eq!(
        with.body,
        Some(RequestBody::Json("{\"size\":0}".to_owned()))
    );
    let put = resolve(
        "indices.create",
        json!({"index": "a", "body": {"settings": {}}}),
    )
    .unwrap();
    assert_eq!(put.method, HttpMethod::Put);
}

#[test]
fn ndjson_bodies_get_one_line_per_item_and_a_trailing_newline() {
    let resolved = resolve(
        "msearch",
        json!({"body": [{}, {"query": {}}, "{\"index\":\"x\"}"]}),
    )
    .unwrap();
    assert_eq!(
        resolved.body,
        Some(RequestBody::NdJson(
            "{}\n{\"query\":{}}\n{\"index\":\"x\"}\n".to_owned()
        ))
    );
    let text = resolve("bulk", json!({"body": "{\"index\":{}}\n{\"a\":1}"})).unwrap();
    assert_eq!(
        text.body,
        Some(RequestBody::NdJson(
            "{\"index\":{}}\n{\"a\":1}\n".to_owned()
        ))
    );
    let error = resolve("bulk", json!({"body": [1]})).unwrap_err();
    assert_eq!(
        error.to_string(),
        "bulk: each line of an NDJSON body must be an object or a string, got a number"
    );
}

#[test]
fn caller_headers_are_taken_out_of_the_params() {
    let resolved = resolve("ping", json!({"headers": {"X-Opaque-Id": "1"}})).unwrap();
    assert_eq!(
        resolved.headers,
        vec![("X-Opaque-Id".to_owned(), "1".to_owned())]
    );
    assert!(resolved.query.is_empty());
}

#[test]
fn a_search_with_a_body_is_a_post_and_an_unknown_name_is_refused() {
    let request = resolve(
        "search",
        json!({ "index": ["logs-1", "logs-2"], "size": 10, "body": { "size": 0 } }),
    )
    .unwrap();
    assert_eq!(request.method, HttpMethod::Post);
    assert_eq!(request.path, "/logs-1,logs-2/_search");
    assert_eq!(request.query, [("size".to_owned(), "10".to_owned())]);

    let error = resolve("indices.creat", json!({})).unwrap_err();
    assert_eq!(
        error.to_string(),
        "called with an invalid endpoint: indices.creat"
    );
}
