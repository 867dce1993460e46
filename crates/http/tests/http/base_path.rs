//! Base path handling (Kibana's items 8 and 9) and the BasePath service on live requests.

use core_http::{HttpServiceSetup, RouteConfig, RouteValidation};
use serde_json::json;

use crate::harness::start_server;

fn register_root_and_foo(http: &HttpServiceSetup) {
    let mut router = http.create_router("");
    router
        .get(RouteConfig::new("/", RouteValidation::none()), |req, res| async move {
            Ok(res.ok(json!({ "route": "/", "url": req.url().to_string() })))
        })
        .get(RouteConfig::new("/foo", RouteValidation::none()), |req, res| async move {
            Ok(res.ok(json!({ "route": "/foo", "url": req.url().to_string() })))
        });
    http.register_router(router).unwrap();
}

#[tokio::test]
async fn without_rewrite_routes_live_at_their_plain_paths() {
    let server = start_server(
        json!({ "basePath": "/bar", "rewriteBasePath": false }),
        register_root_and_foo,
    )
    .await;
    for path in ["/bar", "/bar/", "/bar/foo"] {
        assert_eq!(server.get(path).await.status, 404, "{path}");
    }
    assert_eq!(server.get("/").await.json()["route"], "/");
    assert_eq!(server.get("/foo").await.json()["route"], "/foo");
    assert_eq!(
        server.setup.http.server_info().base_path.as_deref(),
        Some("/bar")
    );
    server.stop().await;
}

#[tokio::test]
async fn with_rewrite_the_base_path_is_stripped_before_routing() {
    let server = start_server(
        json!({ "basePath": "/bar", "rewriteBasePath": true }),
        register_root_and_foo,
    )
    .await;
    assert_eq!(server.get("/bar").await.json()["route"], "/");
    assert_eq!(server.get("/bar/").await.json()["route"], "/");
    let foo = server.get("/bar/foo?x=1").await.json();
    assert_eq!(
        (foo["route"].as_str(), foo["url"].as_str()),
        (Some("/foo"), Some("/foo?x=1"))
    );
    for path in ["/", "/foo", "/barfoo"] {
        let reply = server.get(path).await;
        assert_eq!(
            (reply.status, reply.json()["error"].as_str()),
            (404, Some("Not Found")),
            "{path}"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn request_base_path_is_set_once_and_read_with_the_server_part() {
    let server = start_server(json!({ "basePath": "/bar" }), |http| {
        let base_path = http.base_path().clone();
        let mut router = http.create_router("");
        router.get(
            RouteConfig::new("/space", RouteValidation::none()),
            move |req, res| {
                let base_path = base_path.clone();
                async move {
                    let before = base_path.get(&req);
                    base_path.set(&req, "/s/marketing")?;
                    let second = base_path
                        .set(&req.clone(), "/s/other")
                        .unwrap_err()
                        .to_string();
                    Ok(res.ok(json!({
                        "before": before,
                        "after": base_path.get(&req),
                        "second": second,
                        "prepended": base_path.prepend("/app/kibana?x=1#/a"),
                        "removed": base_path.remove("/bar/app"),
                    })))
                }
            },
        );
        http.register_router(router).unwrap();
    })
    .await;
    assert_eq!(
        server.get("/space").await.json(),
        json!({
            "before": "/bar",
            "after": "/bar/s/marketing",
            "second": "Request basePath was previously set. Setting multiple times is not supported.",
            "prepended": "/bar/app/kibana?x=1#/a",
            "removed": "/app",
        })
    );
    server.stop().await;
}
