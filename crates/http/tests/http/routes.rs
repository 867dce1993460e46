//! Routing and responses (Kibana's http_server tests, items 2-4, 6, 7, 19, 20).

use bytes::Bytes;
use core_http::{AuthRequired, ResponseBody, RouteConfig, RouteOptions, RouteValidation, Router};
use serde::Deserialize;
use serde_json::json;

use crate::harness::{error_body, start_server};

#[tokio::test]
async fn get_with_prefix_and_trailing_slash_returns_json() {
    let server = start_server(json!({}), |http| {
        let mut router = http.create_router("/foo");
        router.get(
            RouteConfig::new("/", RouteValidation::none()),
            |_req, res| async move { Ok(res.ok(json!({ "key": "value" }))) },
        );
        http.register_router(router).unwrap();
    })
    .await;
    let reply = server.get("/foo/").await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(reply.json(), json!({ "key": "value" }));
    // The router's root is the prefix itself: `/foo` is the same route.
    let reply = server.get("/foo").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), json!({ "key": "value" }));
    server.stop().await;
}

#[tokio::test]
async fn accepted_no_content_and_bad_request() {
    let server = start_server(json!({}), |http| {
        let mut router = http.create_router("");
        router
            .get(
                RouteConfig::new("/accepted", RouteValidation::none()),
                |_req, res| async move { Ok(res.accepted(json!({ "queued": true }))) },
            )
            .get(
                RouteConfig::new("/empty", RouteValidation::none()),
                |_req, res| async move { Ok(res.no_content()) },
            )
            .get(
                RouteConfig::new("/bad", RouteValidation::none()),
                |_req, res| async move { Ok(res.bad_request("some message")) },
            );
        http.register_router(router).unwrap();
    })
    .await;
    let accepted = server.get("/accepted").await;
    assert_eq!(
        (accepted.status, accepted.json()),
        (202, json!({ "queued": true }))
    );
    let empty = server.get("/empty").await;
    assert_eq!((empty.status, empty.text.as_str()), (204, ""));
    let bad = server.get("/bad").await;
    assert_eq!(
        (bad.status, bad.json()),
        (400, error_body(400, "Bad Request", "some message"))
    );
    server.stop().await;
}

#[tokio::test]
async fn every_error_helper_uses_the_shared_shape() {
    let server = start_server(json!({}), |http| {
        let mut router = http.create_router("/e");
        router.get(
            RouteConfig::new("/{kind}", RouteValidation::new().params::<Kind>()),
            |req, res| async move {
                Ok(match req.params().kind.as_str() {
                    "unauthorized" => res.unauthorized("who are you"),
                    "forbidden" => res.forbidden("not you"),
                    "not_found" => res.not_found("nothing here"),
                    "conflict" => res.conflict("taken"),
                    _ => res.internal_error("explicit"),
                })
            },
        );
        http.register_router(router).unwrap();
    })
    .await;
    for (kind, status, error, message) in [
        ("unauthorized", 401, "Unauthorized", "who are you"),
        ("forbidden", 403, "Forbidden", "not you"),
        ("not_found", 404, "Not Found", "nothing here"),
        ("conflict", 409, "Conflict", "taken"),
        ("other", 500, "Internal Server Error", "explicit"),
    ] {
        let reply = server.get(&format!("/e/{kind}")).await;
        assert_eq!(
            (reply.status, reply.json()),
            (status, error_body(status, error, message)),
            "{kind}"
        );
    }
    server.stop().await;
}

#[derive(Deserialize)]
struct Kind {
    kind: String,
}

#[tokio::test]
async fn unknown_route_and_wrong_method_are_404_in_the_error_shape() {
    let server = start_server(json!({}), |http| {
        let mut router = http.create_router("");
        router.get(
            RouteConfig::new("/only-get", RouteValidation::none()),
            |_req, res| async move { Ok(res.ok("hi")) },
        );
        http.register_router(router).unwrap();
    })
    .await;
    let unknown = server.get("/nope").await;
    assert_eq!(
        (unknown.status, unknown.json()),
        (404, error_body(404, "Not Found", "Not Found"))
    );
    let wrong_method = server
        .send(server.client.post(server.url("/only-get")))
        .await;
    assert_eq!(
        (wrong_method.status, wrong_method.json()),
        (404, error_body(404, "Not Found", "Not Found"))
    );
    server.stop().await;
}

#[derive(Debug, Deserialize)]
struct Id {
    id: String,
}

#[derive(Debug, Deserialize)]
struct Patch {
    name: String,
}

#[tokio::test]
async fn put_delete_and_patch_with_params_and_body() {
    let server = start_server(json!({}), |http| {
        let mut router = http.create_router("/items");
        router
            .put(
                RouteConfig::new(
                    "/{id}",
                    RouteValidation::new().params::<Id>().body::<Patch>(),
                ),
                |req, res| async move {
                    Ok(res.ok(json!({ "put": req.params().id, "name": req.body().name })))
                },
            )
            .patch(
                RouteConfig::new(
                    "/{id}",
                    RouteValidation::new().params::<Id>().body::<Patch>(),
                ),
                |req, res| async move {
                    Ok(res.ok(json!({ "patched": req.params().id, "name": req.body().name })))
                },
            )
            .delete(
                RouteConfig::new("/{id}", RouteValidation::new().params::<Id>()),
                |req, res| async move { Ok(res.ok(json!({ "deleted": req.params().id }))) },
            );
        http.register_router(router).unwrap();
    })
    .await;
    let put = server
        .send(
            server
                .client
                .put(server.url("/items/a%20b"))
                .json(&json!({ "name": "x" })),
        )
        .await;
    assert_eq!(
        (put.status, put.json()),
        (200, json!({ "put": "a b", "name": "x" }))
    );
    let patch = server
        .send(
            server
                .client
                .patch(server.url("/items/7"))
                .json(&json!({ "name": "y" })),
        )
        .await;
    assert_eq!(
        (patch.status, patch.json()),
        (200, json!({ "patched": "7", "name": "y" }))
    );
    let delete = server
        .send(server.client.delete(server.url("/items/7")))
        .await;
    assert_eq!(
        (delete.status, delete.json()),
        (200, json!({ "deleted": "7" }))
    );
    let bad_put = server
        .send(
            server
                .client
                .put(server.url("/items/7"))
                .json(&json!({ "name": 1 })),
        )
        .await;
    assert_eq!(
        (bad_put.status, bad_put.json()),
        (
            400,
            error_body(
                400,
                "Bad Request",
                "[request body.name]: expected value of type [string] but got [number]"
            )
        )
    );
    server.stop().await;
}

#[tokio::test]
async fn filtered_headers_only_keep_the_named_ones() {
    let server = start_server(json!({}), |http| {
        let mut router = http.create_router("");
        router.get(
            RouteConfig::new("/", RouteValidation::none()),
            |req, res| async move {
                let filtered = req.get_filtered_headers(&["x-kibana-foo", "host"]);
                Ok(res.ok(serde_json::to_value(&filtered)?))
            },
        );
        http.register_router(router).unwrap();
    })
    .await;
    let reply = server
        .send(
            server
                .client
                .get(server.url("/"))
                .header("X-Kibana-Foo", "foo")
                .header("x-kibana-bar", "bar"),
        )
        .await;
    let body = reply.json();
    let mut keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, vec!["host", "x-kibana-foo"]);
    assert_eq!(body["x-kibana-foo"], "foo");
    server.stop().await;
}

#[tokio::test]
async fn request_route_exposes_method_path_and_options() {
    let server = start_server(json!({}), |http| {
        let mut router = http.create_router("");
        router
            .get(
                RouteConfig::new("/", RouteValidation::none()),
                |req, res| async move { Ok(res.ok(serde_json::to_value(req.route())?)) },
            )
            .get(
                RouteConfig::new("/tagged", RouteValidation::none()).options(
                    RouteOptions::new()
                        .auth_required(AuthRequired::NotRequired)
                        .tags(["access:a", "b"])
                        .extends_session(false),
                ),
                |req, res| async move { Ok(res.ok(serde_json::to_value(req.route())?)) },
            )
            .get(
                RouteConfig::new("/optional", RouteValidation::none())
                    .options(RouteOptions::new().auth_required(AuthRequired::Optional)),
                |req, res| async move { Ok(res.ok(serde_json::to_value(&req.route().options)?)) },
            );
        http.register_router(router).unwrap();
    })
    .await;
    assert_eq!(
        server.get("/").await.json(),
        json!({ "method": "get", "path": "/", "options": { "authRequired": true, "tags": [], "extendsSession": true } })
    );
    assert_eq!(
        server.get("/tagged").await.json(),
        json!({ "method": "get", "path": "/tagged", "options": { "authRequired": false, "tags": ["access:a", "b"], "extendsSession": false } })
    );
    assert_eq!(
        server.get("/optional").await.json(),
        json!({ "authRequired": "optional", "tags": [], "extendsSession": true })
    );
    server.stop().await;
}

#[derive(Debug, Deserialize)]
struct MaybeName {
    name: Option<String>,
}

#[tokio::test]
async fn optional_trailing_param_and_literal_routes_win_over_params() {
    let server = start_server(json!({}), |http| {
        let mut router = http.create_router("/hello");
        router
            .get(
                RouteConfig::new("/{name?}", RouteValidation::new().params::<MaybeName>()),
                |req, res| async move { Ok(res.ok(json!({ "name": req.params().name }))) },
            )
            .get(
                RouteConfig::new("/world", RouteValidation::none()),
                |_req, res| async move { Ok(res.ok(json!({ "literal": true }))) },
            );
        http.register_router(router).unwrap();
    })
    .await;
    assert_eq!(server.get("/hello").await.json(), json!({ "name": null }));
    assert_eq!(server.get("/hello/").await.json(), json!({ "name": null }));
    assert_eq!(
        server.get("/hello/ann").await.json(),
        json!({ "name": "ann" })
    );
    assert_eq!(
        server.get("/hello/world").await.json(),
        json!({ "literal": true })
    );
    assert_eq!(server.get("/hello/a/b").await.status, 404);
    server.stop().await;
}

#[tokio::test]
async fn text_bytes_stream_custom_and_redirect_bodies() {
    let server = start_server(json!({}), |http| {
        let mut router = http.create_router("");
        router
            .get(
                RouteConfig::new("/text", RouteValidation::none()),
                |_req, res| async move { Ok(res.ok("plain")) },
            )
            .get(
                RouteConfig::new("/bytes", RouteValidation::none()),
                |_req, res| async move { Ok(res.ok(vec![1u8, 2, 3])) },
            )
            .get(
                RouteConfig::new("/stream", RouteValidation::none()),
                |_req, res| async move {
                    let chunks = futures::stream::iter(["a", "b", "c"].map(|chunk| {
                        Ok::<_, std::io::Error>(Bytes::from_static(chunk.as_bytes()))
                    }));
                    Ok(res
                        .ok(ResponseBody::stream(chunks))
                        .header("content-type", "text/plain"))
                },
            )
            .get(
                RouteConfig::new("/custom", RouteValidation::none()),
                |_req, res| async move {
                    Ok(res.custom(
                        418,
                        [("x-custom", "1"), ("content-type", "text/x-teapot")],
                        "short and stout",
                    ))
                },
            )
            .get(
                RouteConfig::new("/moved", RouteValidation::none()),
                |_req, res| async move { Ok(res.redirected("/elsewhere")) },
            );
        http.register_router(router).unwrap();
    })
    .await;
    let text = server.get("/text").await;
    assert_eq!(
        (text.header("content-type"), text.text.as_str()),
        (Some("text/plain; charset=utf-8"), "plain")
    );
    let bytes = server
        .client
        .get(server.url("/bytes"))
        .send()
        .await
        .unwrap();
    assert_eq!(bytes.headers()["content-type"], "application/octet-stream");
    assert_eq!(bytes.bytes().await.unwrap().as_ref(), &[1, 2, 3]);
    let stream = server.get("/stream").await;
    assert_eq!(
        (stream.header("content-type"), stream.text.as_str()),
        (Some("text/plain"), "abc")
    );
    // An error status from `custom` is sent in the error shape; the handler's headers stay.
    let custom = server.get("/custom").await;
    assert_eq!(
        (custom.status, custom.header("x-custom"), custom.json()),
        (
            418,
            Some("1"),
            error_body(418, "I'm a teapot", "short and stout")
        )
    );
    assert_eq!(custom.header("content-type"), Some("text/x-teapot"));
    let no_follow = crate::harness::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let moved = no_follow.get(server.url("/moved")).send().await.unwrap();
    assert_eq!(
        (
            moved.status().as_u16(),
            moved.headers()["location"].to_str().unwrap()
        ),
        (302, "/elsewhere")
    );
    server.stop().await;
}

#[tokio::test]
async fn request_carries_id_url_headers_and_remote_address() {
    let server = start_server(json!({}), |http| {
        let mut router = http.create_router("");
        router.get(
            RouteConfig::new("/who", RouteValidation::none()),
            |req, res| async move {
                Ok(res.ok(json!({
                    "id": req.id().as_str(),
                    "url": req.url().to_string(),
                    "remoteIp": req.remote_address().map(|addr| addr.ip().to_string()),
                    "multi": req.headers().get_all("x-multi"),
                })))
            },
        );
        http.register_router(router).unwrap();
    })
    .await;
    let reply = server
        .send(
            server
                .client
                .get(server.url("/who?a=1&b=2"))
                .header("x-multi", "1")
                .header("X-Multi", "2"),
        )
        .await;
    let body = reply.json();
    assert_eq!(body["url"], "/who?a=1&b=2");
    assert_eq!(body["remoteIp"], "127.0.0.1");
    assert_eq!(body["multi"], json!(["1", "2"]));
    let id = body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        uuid::Uuid::parse_str(&id).map(|u| u.get_version_num()),
        Ok(4)
    );
    let other = server.get("/who").await.json();
    assert_ne!(other["id"].as_str().unwrap(), id);
    server.stop().await;
}

#[tokio::test]
async fn many_concurrent_requests_are_all_served() {
    let server = start_server(json!({}), |http| {
        let mut router = http.create_router("");
        router.get(
            RouteConfig::new("/echo/{id}", RouteValidation::new().params::<Id>()),
            |req, res| async move {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                Ok(res.ok(json!({ "id": req.params().id })))
            },
        );
        http.register_router(router).unwrap();
    })
    .await;
    let requests = (0..64).map(|n| {
        let request = server.client.get(server.url(&format!("/echo/{n}")));
        async move {
            (
                n,
                request
                    .send()
                    .await
                    .unwrap()
                    .json::<serde_json::Value>()
                    .await
                    .unwrap(),
            )
        }
    });
    for (n, body) in futures::future::join_all(requests).await {
        assert_eq!(body, json!({ "id": n.to_string() }));
    }
    server.stop().await;
}

#[test]
fn router_lists_its_routes() {
    let mut router = Router::new("/api/");
    router.post(
        RouteConfig::new("/x", RouteValidation::none())
            .options(RouteOptions::new().body_max_size(10)),
        |_req, res| async move { Ok(res.no_content()) },
    );
    let routes = router.get_routes();
    assert_eq!(routes.len(), 1);
    assert_eq!(
        (routes[0].path.as_str(), routes[0].full_path.as_str()),
        ("/x", "/api/x")
    );
    assert_eq!(routes[0].options.body_max_size, Some(10));
}
