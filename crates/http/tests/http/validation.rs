//! Typed validation of params, query and body (Kibana's item 5).

use core_http::{RequestValidationError, RouteConfig, RouteValidation};
use serde::Deserialize;
use serde_json::json;

use crate::harness::{TestServer, error_body, start_server};

#[derive(Debug, Deserialize)]
struct Params {
    test: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    bar: String,
    quux: u32,
    #[serde(default)]
    flag: bool,
    #[serde(default)]
    tag: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Body {
    bar: String,
    baz: u32,
}

async fn server() -> TestServer {
    start_server(json!({}), |http| {
        let mut router = http.create_router("/foo");
        router
            .get(RouteConfig::new("/{test}", RouteValidation::new().params::<Params>()), |req, res| async move {
                Ok(res.ok(json!({ "test": req.params().test })))
            })
            .get(RouteConfig::new("/", RouteValidation::new().query::<Query>()), |req, res| async move {
                let query = req.query();
                Ok(res.ok(json!({ "bar": query.bar, "quux": query.quux, "flag": query.flag, "tag": query.tag })))
            })
            .post(RouteConfig::new("/", RouteValidation::new().body::<Body>()), |req, res| async move {
                Ok(res.ok(json!({ "bar": req.body().bar, "baz": req.body().baz })))
            })
            .post(
                RouteConfig::new(
                    "/checked",
                    RouteValidation::new().body::<Body>().check(|_params, _query, body| {
                        if body.baz > 10 {
                            return Err(RequestValidationError::body("baz", "must be at most 10"));
                        }
                        Ok(())
                    }),
                ),
                |_req, res| async move { Ok(res.no_content()) },
            )
            .post(RouteConfig::new("/raw", RouteValidation::none()), |req, res| async move {
                // Opt-out: parts are empty and the body is not parsed.
                Ok(res.ok(json!({ "params": req.params(), "query": req.query(), "body": req.body() })))
            });
        http.register_router(router).unwrap();
    })
    .await
}

fn bad_request(message: &str) -> serde_json::Value {
    error_body(400, "Bad Request", message)
}

#[tokio::test]
async fn path_params() {
    let server = server().await;
    let ok = server.get("/foo/123").await;
    assert_eq!((ok.status, ok.json()), (200, json!({ "test": 123 })));
    let bad = server.get("/foo/some-string").await;
    assert_eq!(
        (bad.status, bad.json()),
        (
            400,
            bad_request("[request params.test]: expected value of type [number] but got [string]")
        )
    );
    server.stop().await;
}

#[tokio::test]
async fn query_is_coerced_and_named_in_errors() {
    let server = server().await;
    let ok = server
        .get("/foo/?bar=test&quux=123&flag=true&tag=a&tag=b")
        .await;
    assert_eq!(
        (ok.status, ok.json()),
        (
            200,
            json!({ "bar": "test", "quux": 123, "flag": true, "tag": ["a", "b"] })
        )
    );
    let single_tag = server.get("/foo/?bar=1&quux=1&tag=only").await;
    assert_eq!(single_tag.json()["tag"], json!(["only"]));
    // A numeric-looking value stays a string where a string is declared.
    assert_eq!(server.get("/foo/?bar=5&quux=1").await.json()["bar"], "5");

    let bad = server.get("/foo/?bar=test&quux=abc").await;
    assert_eq!(
        (bad.status, bad.json()),
        (
            400,
            bad_request("[request query.quux]: expected value of type [number] but got [string]")
        )
    );
    let missing = server.get("/foo/?bar=test").await;
    assert_eq!(
        missing.json(),
        bad_request("[request query.quux]: expected value but got [undefined]")
    );
    let unknown = server.get("/foo/?bar=test&quux=1&extra=1").await;
    assert_eq!(
        unknown.json(),
        bad_request("[request query.extra]: definition for this key is missing")
    );
    server.stop().await;
}

#[tokio::test]
async fn json_body() {
    let server = server().await;
    let ok = server
        .send(
            server
                .client
                .post(server.url("/foo/"))
                .json(&json!({ "bar": "test", "baz": 123 })),
        )
        .await;
    assert_eq!(
        (ok.status, ok.json()),
        (200, json!({ "bar": "test", "baz": 123 }))
    );
    let bad = server
        .send(
            server
                .client
                .post(server.url("/foo/"))
                .json(&json!({ "bar": "test", "baz": "x" })),
        )
        .await;
    assert_eq!(
        (bad.status, bad.json()),
        (
            400,
            bad_request("[request body.baz]: expected value of type [number] but got [string]")
        )
    );
    let not_object = server
        .send(server.client.post(server.url("/foo/")).json(&json!([1])))
        .await;
    assert_eq!(
        not_object.json(),
        bad_request("[request body]: expected value of type [object] but got [array]")
    );
    let empty = server.send(server.client.post(server.url("/foo/"))).await;
    assert_eq!(
        empty.json(),
        bad_request("[request body]: expected value of type [object] but got [null]")
    );
    server.stop().await;
}

#[tokio::test]
async fn malformed_json_and_wrong_content_type() {
    let server = server().await;
    let malformed = server
        .send(
            server
                .client
                .post(server.url("/foo/"))
                .header("content-type", "application/json")
                .body("{\"bar\":"),
        )
        .await;
    assert_eq!(malformed.status, 400);
    assert_eq!(
        malformed.json()["message"],
        "[request body]: invalid JSON: EOF while parsing a value at line 1 column 7"
    );
    let text = server
        .send(
            server
                .client
                .post(server.url("/foo/"))
                .header("content-type", "text/plain")
                .body("{}"),
        )
        .await;
    assert_eq!(text.status, 415);
    assert_eq!(text.json()["error"], "Unsupported Media Type");
    assert!(
        text.json()["message"]
            .as_str()
            .unwrap()
            .contains("[text/plain]"),
        "{}",
        text.text
    );
    let vendor_json = server
        .send(
            server
                .client
                .post(server.url("/foo/"))
                .header("content-type", "application/vnd.api+json; charset=utf-8")
                .body(r#"{"bar":"a","baz":1}"#),
        )
        .await;
    assert_eq!(vendor_json.status, 200);
    server.stop().await;
}

#[tokio::test]
async fn check_function_and_opt_out() {
    let server = server().await;
    let checked = server
        .send(
            server
                .client
                .post(server.url("/foo/checked"))
                .json(&json!({ "bar": "a", "baz": 11 })),
        )
        .await;
    assert_eq!(
        (checked.status, checked.json()),
        (400, bad_request("[request body.baz]: must be at most 10"))
    );
    let fine = server
        .send(
            server
                .client
                .post(server.url("/foo/checked"))
                .json(&json!({ "bar": "a", "baz": 1 })),
        )
        .await;
    assert_eq!(fine.status, 204);
    let raw = server
        .send(
            server
                .client
                .post(server.url("/foo/raw?x=1"))
                .header("content-type", "text/plain")
                .body("not json"),
        )
        .await;
    assert_eq!(
        (raw.status, raw.json()),
        (200, json!({ "params": {}, "query": {}, "body": {} }))
    );
    server.stop().await;
}
