//! Failing handlers, panics, and registration errors.

use core_http::{HttpError, INTERNAL_ERROR_MESSAGE, RouteConfig, RouteValidation, Router};
use core_logging::LogLevel;
use serde_json::json;

use crate::harness::{error_body, setup_service, start_server};

#[tokio::test]
async fn handler_errors_and_panics_are_logged_500s_and_the_worker_survives() {
    let server = start_server(json!({}), |http| {
        let mut router = http.create_router("/api");
        router
                .get(
                    RouteConfig::new("/fails", RouteValidation::none()),
                    |_req, _res| async move {
                        Err(anyhow::anyhow!("database password is hunter2").into())
                    },
                )
                .get(
                    RouteConfig::new("/panics", RouteValidation::none()),
                    |_req, _res| async move {
                        if true {
                            panic!("boom in handler");
                        }
                        unreachable!()
                    },
                )
                .get(
                    RouteConfig::new("/ok", RouteValidation::none()),
                    |_req, res| async move { Ok(res.ok("fine")) },
                );
        http.register_router(router).unwrap();
    })
    .await;

    let failed = server.get("/api/fails").await;
    assert_eq!(
        (failed.status, failed.json()),
        (
            500,
            error_body(500, "Internal Server Error", INTERNAL_ERROR_MESSAGE)
        )
    );
    assert!(!failed.text.contains("hunter2"));

    // Panic more times than there are workers: every one must answer, and the server keeps going.
    for _ in 0..4 {
        let panicked = server.get("/api/panics").await;
        assert_eq!(
            (panicked.status, panicked.json()),
            (
                500,
                error_body(500, "Internal Server Error", INTERNAL_ERROR_MESSAGE)
            )
        );
        assert_eq!(server.get("/api/ok").await.text, "fine");
    }

    let records = server.logs.records();
    let errors: Vec<_> = records
        .iter()
        .filter(|r| r.level == LogLevel::Error && r.context == "http.router")
        .collect();
    assert_eq!(errors.len(), 5, "{errors:#?}");
    let failure = &errors[0];
    assert!(
        failure.message.contains("GET /api/fails") && failure.message.contains("hunter2"),
        "{}",
        failure.message
    );
    let meta = failure.meta.as_ref().expect("meta");
    assert_eq!(meta.get("route"), Some(&json!("GET /api/fails")));
    assert!(
        meta.get("requestId")
            .and_then(|id| id.as_str())
            .is_some_and(|id| failure.message.contains(id))
    );
    assert!(
        errors[1].message.contains("GET /api/panics")
            && errors[1].message.contains("boom in handler")
    );
    server.stop().await;
}

#[tokio::test]
async fn registering_after_start_is_refused() {
    let server = start_server(json!({}), |_| {}).await;
    let err = server
        .setup
        .http
        .register_router(Router::new("/late"))
        .unwrap_err();
    assert!(matches!(err, HttpError::RouterRegisteredAfterStart));
    assert_eq!(
        err.to_string(),
        "Routers can be registered only when HTTP server is stopped."
    );
    server.stop().await;
}

fn router_with(prefix: &str, path: &str) -> Router {
    let mut router = Router::new(prefix);
    router.get(
        RouteConfig::new(path, RouteValidation::none()),
        |_req, res| async move { Ok(res.no_content()) },
    );
    router
}

#[tokio::test]
async fn duplicate_routes_name_both_registrations() {
    let (_service, setup, _logs) = setup_service(json!({})).await;
    let http = &setup.http;
    http.register_router(router_with("/api", "/items/{id}"))
        .unwrap();
    let across = http
        .register_router(router_with("/api/items", "/{name}"))
        .unwrap_err();
    insta::assert_snapshot!(across.to_string(), @"route [GET /api/items/{name}] (router [/api/items], path [/{name}]) conflicts with the already registered route [GET /api/items/{id}] (router [/api], path [/items/{id}])");

    let mut same_router = router_with("/x", "/a");
    same_router.get(
        RouteConfig::new("/a", RouteValidation::none()),
        |_req, res| async move { Ok(res.no_content()) },
    );
    let within = http.register_router(same_router).unwrap_err();
    insta::assert_snapshot!(within.to_string(), @"route [GET /x/a] (router [/x], path [/a]) conflicts with the already registered route [GET /x/a] (router [/x], path [/a])");

    // An optional param overlaps the path without it.
    http.register_router(router_with("/o", "/")).unwrap();
    let optional = http
        .register_router(router_with("/o", "/{maybe?}"))
        .unwrap_err();
    assert!(
        matches!(optional, HttpError::RouteConflict(_)),
        "{optional}"
    );

    // Another method on the same path is fine, and a failed router registers nothing.
    let mut post = Router::new("/api");
    post.post(
        RouteConfig::new("/items/{id}", RouteValidation::none()),
        |_req, res| async move { Ok(res.no_content()) },
    );
    http.register_router(post).unwrap();
    http.register_router(router_with("/x", "/a")).unwrap();
}

#[tokio::test]
async fn malformed_paths_are_refused_naming_the_route() {
    let (_service, setup, _logs) = setup_service(json!({})).await;
    let err = setup
        .http
        .register_router(router_with("/api", "/{rest?}/tail"))
        .unwrap_err();
    insta::assert_snapshot!(err.to_string(), @"route [GET /api/{rest?}/tail] (router [/api]) has an invalid path: optional param `rest` must be the last segment");
    let err = setup
        .http
        .register_router(router_with("api", "/x"))
        .unwrap_err();
    insta::assert_snapshot!(err.to_string(), @"route [GET api/x] (router [api]) has an invalid path: a route path must start with `/`");
}
