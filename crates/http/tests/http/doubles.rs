//! The `testing` doubles: handlers run without a server.

use core_http::testing::{MockRequest, TestRequest, TestResponse, call_registered, call_route};
use core_http::{
    HandlerResult, KibanaRequest, ResponseFactory, RouteConfig, RouteMethod, RouteValidation,
    Router,
};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
struct Search {
    term: String,
    #[serde(default)]
    page: u32,
}

async fn search(
    req: KibanaRequest<core_http::Empty, Search>,
    res: ResponseFactory,
) -> HandlerResult {
    if req.headers().get("authorization").is_none() {
        return Ok(res.unauthorized("missing credentials"));
    }
    Ok(res.ok(json!({ "term": req.query().term, "page": req.query().page })))
}

fn router() -> Router {
    let mut router = Router::new("/api");
    router
        .get(
            RouteConfig::new("/search", RouteValidation::new().query::<Search>()),
            search,
        )
        .get(
            RouteConfig::new("/panic", RouteValidation::none()),
            |_req, _res| async move {
                if true {
                    panic!("handler bug");
                }
                unreachable!()
            },
        );
    router
}

#[tokio::test]
async fn call_route_runs_validation_and_the_handler() {
    let router = router();
    let ok = call_route(
        &router,
        RouteMethod::Get,
        "/api/search",
        TestRequest::new()
            .query("term=kibana&page=2")
            .header("Authorization", "Bearer x"),
    )
    .await
    .unwrap();
    assert_eq!(
        (ok.status(), ok.json()),
        (200, json!({ "term": "kibana", "page": 2 }))
    );

    let invalid = call_route(
        &router,
        RouteMethod::Get,
        "/api/search",
        TestRequest::new().query("page=x"),
    )
    .await
    .unwrap();
    assert_eq!(invalid.status(), 400);
    assert_eq!(
        invalid.json()["message"],
        "[request query.page]: expected value of type [number] but got [string]"
    );

    // As on the server, the path may carry one trailing slash.
    let with_slash = call_route(
        &router,
        RouteMethod::Get,
        "/api/search/",
        TestRequest::new()
            .query("term=kibana")
            .header("Authorization", "Bearer x"),
    )
    .await
    .unwrap();
    assert_eq!(with_slash.status(), 200);

    let panicked = call_route(&router, RouteMethod::Get, "/api/panic", TestRequest::new())
        .await
        .unwrap();
    assert_eq!(panicked.status(), 500);

    let missing = call_route(
        &router,
        RouteMethod::Post,
        "/api/search",
        TestRequest::new(),
    )
    .await
    .unwrap_err();
    assert_eq!(missing, "router [/api] has no route [POST /api/search]");
}

#[tokio::test]
async fn a_handler_can_be_called_with_a_mock_request() {
    let request = MockRequest::new(
        core_http::Empty {},
        Search {
            term: "a".into(),
            page: 0,
        },
        core_http::Empty {},
    )
    .build();
    let response =
        TestResponse::from_response(search(request, ResponseFactory).await.unwrap()).await;
    assert_eq!(
        (response.status(), response.json()["message"].as_str()),
        (401, Some("missing credentials"))
    );
}

#[tokio::test]
async fn call_registered_runs_a_route_registered_on_the_setup_contract() {
    let (loggers, _logs) = core_logging::testing::capturing_logger_factory();
    let mut service =
        core_http::HttpService::from_config(core_http::HttpConfig::default(), &loggers);
    let http = service.setup().await.unwrap().http;
    http.register_router(router()).unwrap();

    let ok = call_registered(
        &http,
        RouteMethod::Get,
        "/api/search",
        TestRequest::new()
            .query("term=rust")
            .header("authorization", "Basic x"),
    )
    .await
    .unwrap();
    assert_eq!(
        (ok.status(), ok.json()),
        (200, json!({ "term": "rust", "page": 0 }))
    );
    let missing = call_registered(&http, RouteMethod::Post, "/api/search", TestRequest::new())
        .await
        .unwrap_err();
    assert_eq!(missing, "no route [POST /api/search] is registered");
}
