//! The path rule: full path = prefix + path without a trailing `/` (except `/`), requests match
//! with or without one trailing `/`, and paths no request could match are refused at
//! registration.

use core_http::{HttpError, RouteConfig, RouteValidation, Router};
use serde::Deserialize;
use serde_json::json;

use crate::harness::{setup_service, start_server};

fn route_echo(prefix: &str, paths: &[&str]) -> Router {
    let mut router = Router::new(prefix);
    for path in paths {
        router.get(
            RouteConfig::new(*path, RouteValidation::none()),
            |req, res| async move { Ok(res.ok(json!({ "route": req.route().path }))) },
        );
    }
    router
}

#[derive(Deserialize)]
struct Id {
    id: String,
}

#[tokio::test]
async fn a_routers_root_is_the_prefix_itself_with_or_without_a_trailing_slash() {
    let server = start_server(json!({}), |http| {
        http.register_router(route_echo("/api/bookmarks", &["/", "/items/"]))
            .unwrap();
        let mut router = http.create_router("/api/bookmarks");
        router.get(
            RouteConfig::new("/{id}", RouteValidation::new().params::<Id>()),
            |req, res| async move {
                Ok(res.ok(json!({ "route": req.route().path, "id": req.params().id })))
            },
        );
        http.register_router(router).unwrap();
        http.register_router(route_echo("", &["/"])).unwrap();
    })
    .await;
    for path in ["/api/bookmarks", "/api/bookmarks/"] {
        let reply = server.get(path).await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.json(), json!({ "route": "/api/bookmarks" }), "{path}");
    }
    for path in ["/api/bookmarks/items", "/api/bookmarks/items/"] {
        assert_eq!(
            server.get(path).await.json(),
            json!({ "route": "/api/bookmarks/items" }),
            "{path}"
        );
    }
    for path in ["/api/bookmarks/7", "/api/bookmarks/7/"] {
        assert_eq!(
            server.get(path).await.json(),
            json!({ "route": "/api/bookmarks/{id}", "id": "7" }),
            "{path}"
        );
    }
    assert_eq!(server.get("/").await.json(), json!({ "route": "/" }));
    // One trailing slash only, and nothing else is folded.
    assert_eq!(server.get("/api/bookmarks//").await.status, 404);
    assert_eq!(server.get("/api/bookmarks/7//").await.status, 404);
    assert_eq!(server.get("/api//bookmarks").await.status, 404);
    server.stop().await;
}

#[tokio::test]
async fn get_routes_shows_the_normalised_full_path() {
    let router = route_echo("/api/bookmarks", &["/", "", "/items/", "/{id}"]);
    let full_paths: Vec<String> = router
        .get_routes()
        .into_iter()
        .map(|route| route.full_path)
        .collect();
    assert_eq!(
        full_paths,
        vec![
            "/api/bookmarks",
            "/api/bookmarks",
            "/api/bookmarks/items",
            "/api/bookmarks/{id}"
        ]
    );
    assert_eq!(route_echo("/", &["/"]).get_routes()[0].full_path, "/");
    assert_eq!(route_echo("", &[""]).get_routes()[0].full_path, "/");
}

#[tokio::test]
async fn a_path_with_and_without_a_trailing_slash_is_one_route() {
    let (_service, setup, _logs) = setup_service(json!({})).await;
    let http = setup.http;
    let err = http
        .register_router(route_echo("/api", &["/a", "/a/"]))
        .unwrap_err();
    insta::assert_snapshot!(err.to_string(), @"route [GET /api/a] (router [/api], path [/a/]) conflicts with the already registered route [GET /api/a] (router [/api], path [/a])");
    http.register_router(route_echo("/api/bookmarks", &["/"]))
        .unwrap();
    let err = http
        .register_router(route_echo("/api", &["/bookmarks"]))
        .unwrap_err();
    assert!(matches!(err, HttpError::RouteConflict(_)), "{err}");
}

#[tokio::test]
async fn paths_that_can_never_match_are_refused_at_registration() {
    let (_service, setup, _logs) = setup_service(json!({})).await;
    let http = setup.http;
    let refuse = |prefix: &str, path: &str| {
        http.register_router(route_echo(prefix, &[path]))
            .unwrap_err()
            .to_string()
    };
    insta::assert_snapshot!(refuse("/api", "/a//b"), @"route [GET /api/a//b] (router [/api]) has an invalid path: it has an empty segment (`//`)");
    insta::assert_snapshot!(refuse("/api//", "/x"), @"route [GET /api//x] (router [/api//]) has an invalid path: it has an empty segment (`//`)");
    insta::assert_snapshot!(refuse("/api", "/{x"), @"route [GET /api/{x] (router [/api]) has an invalid path: segment `{x` has a malformed param or mixes text and a param; a param is a whole segment, `{name}` or a last `{name?}`");
    insta::assert_snapshot!(refuse("/api", "/{x?}/y"), @"route [GET /api/{x?}/y] (router [/api]) has an invalid path: optional param `x` must be the last segment");
    insta::assert_snapshot!(refuse("/api", "/{id}/{id}"), @"route [GET /api/{id}/{id}] (router [/api]) has an invalid path: param `id` appears twice");
    insta::assert_snapshot!(refuse("api", "/x"), @"route [GET api/x] (router [api]) has an invalid path: the full path (router prefix + route path) must start with `/`");
    insta::assert_snapshot!(refuse("/api", "/a?b=1"), @"route [GET /api/a?b=1] (router [/api]) has an invalid path: segment `a?b=1` contains `?`, which a request path cannot match here (`?` starts the query, `#` the fragment; `*` is not a supported wildcard)");
    insta::assert_snapshot!(refuse("/api", "/../x"), @"route [GET /api/../x] (router [/api]) has an invalid path: segment `..` is resolved away by clients before a request is sent");
    insta::assert_snapshot!(refuse("/api", "/{a-b}"), @"route [GET /api/{a-b}] (router [/api]) has an invalid path: invalid param name in segment `{a-b}` (letters, digits and `_` only; multi-segment `{name*}` params are not supported)");
    // Nothing of a refused router was registered.
    http.register_router(route_echo("/api", &["/a"])).unwrap();
}

#[tokio::test]
async fn literal_routes_win_over_params_with_a_trailing_slash_too() {
    let server = start_server(json!({}), |http| {
        http.register_router(route_echo("/s", &["/{id}", "/new"]))
            .unwrap();
    })
    .await;
    assert_eq!(
        server.get("/s/new/").await.json(),
        json!({ "route": "/s/new" })
    );
    assert_eq!(
        server.get("/s/old/").await.json(),
        json!({ "route": "/s/{id}" })
    );
    server.stop().await;
}
