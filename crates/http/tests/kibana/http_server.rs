//! Kibana 7.2–7.6 `src/core/server/http/http_server.test.ts`: the cases of 7.2 and those added
//! up to 7.6, one Rust test each, over real HTTP. Kibana drove a bare `HttpServer`; here the
//! `HttpService` plays that part (`setup` = `server.setup(config)`, `register_router` =
//! `registerRouter`, `start`), with port 0 instead of Kibana's fixed ports.
//!
//! Cases not
//! ported (legacy hapi objects, the route body options `parse` and `output`) are listed in the
//! crate README with the reason.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use core_http::{
    AuthRequired, AuthResultParams, Empty, HandlerResult, HttpError, HttpServiceSetup,
    INTERNAL_ERROR_MESSAGE, KibanaRequest, RequestValidationError, ResponseFactory, RouteConfig,
    RouteOptions, RouteValidation, SessionCookieOptions,
};
use core_logging::LogLevel;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::harness::{error_body, setup_service, start_server};

const COOKIE_KEY: &str = "something_at_least_32_characters";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct User {
    id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct StorageData {
    value: User,
    expires: u64,
}

fn user() -> User {
    User { id: "42".into() }
}

fn storage_data() -> StorageData {
    StorageData {
        value: user(),
        expires: 1000,
    }
}

fn no_validation(path: &str) -> RouteConfig {
    RouteConfig::new(path, RouteValidation::none())
}

/// A router at `prefix` with a `GET` route at `/` answering `body`.
fn get_root(http: &HttpServiceSetup, prefix: &str, body: Value) {
    let mut router = http.create_router(prefix);
    router.get(no_validation("/"), move |_req, res| {
        let body = body.clone();
        async move { Ok(res.ok(body)) }
    });
    http.register_router(router).unwrap();
}

fn info_lines(logs: &core_logging::testing::CapturedLogs) -> Vec<String> {
    logs.messages_at(LogLevel::Info)
}

// test('listening after started') (7.2)
#[tokio::test]
async fn listening_after_started() {
    let (mut service, _setup, _logs) = setup_service(json!({})).await;
    let start = service.start().await.unwrap();
    assert!(start.is_listening());
    service.stop().await.unwrap();
    assert!(!start.is_listening());
}

// test('log listening address after started') (7.4–7.6)
#[tokio::test]
async fn log_listening_address_after_started() {
    let server = start_server(json!({}), |_| {}).await;
    assert!(server.start.is_listening());
    let addr = server.start.local_addr().unwrap();
    assert_eq!(
        info_lines(&server.logs),
        vec![format!("http server running at http://{addr}")]
    );
    server.stop().await;
}

// test('log listening address after started when configured with BasePath and
// rewriteBasePath = false') (7.4–7.6)
#[tokio::test]
async fn log_listening_address_after_started_when_configured_with_base_path_and_rewrite_base_path_false()
 {
    let server = start_server(
        json!({ "basePath": "/bar", "rewriteBasePath": false }),
        |_| {},
    )
    .await;
    assert!(server.start.is_listening());
    let addr = server.start.local_addr().unwrap();
    assert_eq!(
        info_lines(&server.logs),
        vec![format!("http server running at http://{addr}")]
    );
    server.stop().await;
}

// test('log listening address after started when configured with BasePath and
// rewriteBasePath = true') (7.4–7.6)
#[tokio::test]
async fn log_listening_address_after_started_when_configured_with_base_path_and_rewrite_base_path_true()
 {
    let server = start_server(
        json!({ "basePath": "/bar", "rewriteBasePath": true }),
        |_| {},
    )
    .await;
    assert!(server.start.is_listening());
    let addr = server.start.local_addr().unwrap();
    assert_eq!(
        info_lines(&server.logs),
        vec![format!("http server running at http://{addr}/bar")]
    );
    server.stop().await;
}

// test('200 OK with body') (7.2)
#[tokio::test]
async fn ok_200_with_body() {
    let server = start_server(json!({}), |http| {
        get_root(http, "/foo", json!({ "key": "value" }));
    })
    .await;
    let reply = server.get("/foo/").await;
    assert_eq!(
        (reply.status, reply.json()),
        (200, json!({ "key": "value" }))
    );
    server.stop().await;
}

// test('202 Accepted with body') (7.2)
#[tokio::test]
async fn accepted_202_with_body() {
    let server = start_server(json!({}), |http| {
        let mut router = http.create_router("/foo");
        router.get(no_validation("/"), |_req, res| async move {
            Ok(res.accepted(json!({ "location": "somewhere" })))
        });
        http.register_router(router).unwrap();
    })
    .await;
    let reply = server.get("/foo/").await;
    assert_eq!(
        (reply.status, reply.json()),
        (202, json!({ "location": "somewhere" }))
    );
    server.stop().await;
}

// test('204 No content') (7.2)
#[tokio::test]
async fn no_content_204() {
    let server = start_server(json!({}), |http| {
        let mut router = http.create_router("/foo");
        router.get(no_validation("/"), |_req, res| async move {
            Ok(res.no_content())
        });
        http.register_router(router).unwrap();
    })
    .await;
    let reply = server.get("/foo/").await;
    assert_eq!((reply.status, reply.text.as_str()), (204, ""));
    server.stop().await;
}

// test('400 Bad request with error') (7.2). Deviation (README): the shared error shape, not
// 7.2's `{ error: 'some message' }`.
#[tokio::test]
async fn bad_request_400_with_error() {
    let server = start_server(json!({}), |http| {
        let mut router = http.create_router("/foo");
        router.get(no_validation("/"), |_req, res| async move {
            Ok(res.bad_request("some message"))
        });
        http.register_router(router).unwrap();
    })
    .await;
    let reply = server.get("/foo/").await;
    assert_eq!(
        (reply.status, reply.json()),
        (400, error_body(400, "Bad Request", "some message"))
    );
    server.stop().await;
}

#[derive(Deserialize)]
struct TestString {
    test: String,
}

#[derive(Deserialize)]
struct TestNumber {
    test: i64,
}

// test('valid params')
#[tokio::test]
async fn valid_params() {
    let server = start_server(json!({}), |http| {
        let mut router = http.create_router("/foo");
        router.get(
            RouteConfig::new("/{test}", RouteValidation::new().params::<TestString>()),
            |req, res| async move { Ok(res.ok(req.params().test.clone())) },
        );
        http.register_router(router).unwrap();
    })
    .await;
    let reply = server.get("/foo/some-string").await;
    assert_eq!((reply.status, reply.text.as_str()), (200, "some-string"));
    server.stop().await;
}

// test('invalid params')
#[tokio::test]
async fn invalid_params() {
    let server = start_server(json!({}), |http| {
        let mut router = http.create_router("/foo");
        router.get(
            RouteConfig::new("/{test}", RouteValidation::new().params::<TestNumber>()),
            |req, res| async move { Ok(res.ok(req.params().test.to_string())) },
        );
        http.register_router(router).unwrap();
    })
    .await;
    let reply = server.get("/foo/some-string").await;
    assert_eq!(
        (reply.status, reply.json()),
        (
            400,
            error_body(
                400,
                "Bad Request",
                "[request params.test]: expected value of type [number] but got [string]"
            )
        )
    );
    server.stop().await;
}

#[derive(Serialize, Deserialize)]
struct BarQuux {
    bar: String,
    quux: i64,
}

#[derive(Serialize, Deserialize)]
struct BarNumber {
    bar: i64,
}

// test('valid query')
#[tokio::test]
async fn valid_query() {
    let server = start_server(json!({}), |http| {
        let mut router = http.create_router("/foo");
        router.get(
            RouteConfig::new("/", RouteValidation::new().query::<BarQuux>()),
            |req, res| async move { Ok(res.ok(json!(req.query()))) },
        );
        http.register_router(router).unwrap();
    })
    .await;
    let reply = server.get("/foo/?bar=test&quux=123").await;
    assert_eq!(
        (reply.status, reply.json()),
        (200, json!({ "bar": "test", "quux": 123 }))
    );
    server.stop().await;
}

// test('invalid query')
#[tokio::test]
async fn invalid_query() {
    let server = start_server(json!({}), |http| {
        let mut router = http.create_router("/foo");
        router.get(
            RouteConfig::new("/", RouteValidation::new().query::<BarNumber>()),
            |req, res| async move { Ok(res.ok(json!(req.query()))) },
        );
        http.register_router(router).unwrap();
    })
    .await;
    let reply = server.get("/foo/?bar=test").await;
    assert_eq!(
        (reply.status, reply.json()),
        (
            400,
            error_body(
                400,
                "Bad Request",
                "[request query.bar]: expected value of type [number] but got [string]"
            )
        )
    );
    server.stop().await;
}

#[derive(Debug, Serialize, Deserialize)]
struct BarBaz {
    bar: String,
    baz: i64,
}

/// Posts `{ bar: 'test', baz: 123 }` to `/foo/` of a server whose only route is `register`ed.
async fn post_bar_baz(register: impl FnOnce(&HttpServiceSetup)) -> (u16, Value) {
    let server = start_server(json!({}), register).await;
    let reply = server
        .send(
            server
                .client
                .post(server.url("/foo/"))
                .json(&json!({ "bar": "test", "baz": 123 })),
        )
        .await;
    server.stop().await;
    (reply.status, reply.json())
}

// test('valid body')
#[tokio::test]
async fn valid_body() {
    let reply = post_bar_baz(|http| {
        let mut router = http.create_router("/foo");
        router.post(
            RouteConfig::new("/", RouteValidation::new().body::<BarBaz>()),
            |req, res| async move { Ok(res.ok(json!(req.body()))) },
        );
        http.register_router(router).unwrap();
    })
    .await;
    assert_eq!(reply, (200, json!({ "bar": "test", "baz": 123 })));
}

/// Kibana's validation function (`(value, { ok, badRequest }) => ...`): here a `check` over
/// the body taken as JSON.
fn bar_baz_check(_: &Empty, _: &Empty, body: &Value) -> Result<(), RequestValidationError> {
    if body["bar"].is_string() && body["baz"].is_number() {
        Ok(())
    } else {
        Err(RequestValidationError::body("body", "Wrong payload"))
    }
}

// test('valid body with validate function') (7.6)
#[tokio::test]
async fn valid_body_with_validate_function() {
    let reply = post_bar_baz(|http| {
        let mut router = http.create_router("/foo");
        router.post(
            RouteConfig::new(
                "/",
                RouteValidation::new().body::<Value>().check(|_, _, body| {
                    if body["bar"].is_string() && body["baz"].is_number() {
                        Ok(())
                    } else {
                        Err(RequestValidationError::body("body", "Wrong payload"))
                    }
                }),
            ),
            |req, res| async move { Ok(res.ok(req.body().clone())) },
        );
        http.register_router(router).unwrap();
    })
    .await;
    assert_eq!(reply, (200, json!({ "bar": "test", "baz": 123 })));
}

// test('not inline validation - specifying params') (7.6)
#[tokio::test]
async fn not_inline_validation_specifying_params() {
    let reply = post_bar_baz(|http| {
        let mut router = http.create_router("/foo");
        let validation = RouteValidation::new().body::<Value>().check(bar_baz_check);
        router.post(RouteConfig::new("/", validation), |req, res| async move {
            Ok(res.ok(req.body().clone()))
        });
        http.register_router(router).unwrap();
    })
    .await;
    assert_eq!(reply, (200, json!({ "bar": "test", "baz": 123 })));
}

/// A named validation, typed by the body it produces.
fn bar_baz_validation() -> RouteValidation<Empty, Empty, BarBaz> {
    RouteValidation::new().body::<BarBaz>()
}

// test('not inline validation - specifying validation handler') (7.6)
#[tokio::test]
async fn not_inline_validation_specifying_validation_handler() {
    let reply = post_bar_baz(|http| {
        let mut router = http.create_router("/foo");
        router.post(
            RouteConfig::new("/", bar_baz_validation()),
            |req, res| async move { Ok(res.ok(json!(req.body()))) },
        );
        http.register_router(router).unwrap();
    })
    .await;
    assert_eq!(reply, (200, json!({ "bar": "test", "baz": 123 })));
}

/// A handler written out of line against the typed request.
async fn upper_case_handler(
    req: KibanaRequest<Empty, Empty, BarBaz>,
    res: ResponseFactory,
) -> HandlerResult {
    let body = req.body();
    Ok(res.ok(json!({ "bar": body.bar.to_uppercase(), "baz": body.baz.to_string() })))
}

// test('not inline handler - KibanaRequest') (7.6)
#[tokio::test]
async fn not_inline_handler_kibana_request() {
    let reply = post_bar_baz(|http| {
        let mut router = http.create_router("/foo");
        router.post(
            RouteConfig::new("/", bar_baz_validation()),
            upper_case_handler,
        );
        http.register_router(router).unwrap();
    })
    .await;
    assert_eq!(reply, (200, json!({ "bar": "TEST", "baz": "123" })));
}

// test('not inline handler - RequestHandler') (7.6)
#[tokio::test]
async fn not_inline_handler_request_handler() {
    let reply = post_bar_baz(|http| {
        let mut router = http.create_router("/foo");
        let handler = |req: KibanaRequest<Empty, Empty, BarBaz>, res: ResponseFactory| async move {
            let body = req.body();
            Ok(res.ok(json!({ "bar": body.bar.to_uppercase(), "baz": body.baz.to_string() })))
        };
        router.post(RouteConfig::new("/", bar_baz_validation()), handler);
        http.register_router(router).unwrap();
    })
    .await;
    assert_eq!(reply, (200, json!({ "bar": "TEST", "baz": "123" })));
}

// test('invalid body')
#[tokio::test]
async fn invalid_body() {
    let server = start_server(json!({}), |http| {
        let mut router = http.create_router("/foo");
        router.post(
            RouteConfig::new("/", RouteValidation::new().body::<BarNumber>()),
            |req, res| async move { Ok(res.ok(json!(req.body()))) },
        );
        http.register_router(router).unwrap();
    })
    .await;
    let reply = server
        .send(
            server
                .client
                .post(server.url("/foo/"))
                .json(&json!({ "bar": "test" })),
        )
        .await;
    assert_eq!(
        (reply.status, reply.json()),
        (
            400,
            error_body(
                400,
                "Bad Request",
                "[request body.bar]: expected value of type [number] but got [string]"
            )
        )
    );
    server.stop().await;
}

#[derive(Serialize, Deserialize)]
struct Key {
    key: String,
}

// test('handles putting')
#[tokio::test]
async fn handles_putting() {
    let server = start_server(json!({}), |http| {
        let mut router = http.create_router("/foo");
        router.put(
            RouteConfig::new("/", RouteValidation::new().body::<Key>()),
            |req, res| async move { Ok(res.ok(json!(req.body()))) },
        );
        http.register_router(router).unwrap();
    })
    .await;
    let reply = server
        .send(
            server
                .client
                .put(server.url("/foo/"))
                .json(&json!({ "key": "new value" })),
        )
        .await;
    assert_eq!(
        (reply.status, reply.json()),
        (200, json!({ "key": "new value" }))
    );
    server.stop().await;
}

#[derive(Deserialize)]
struct Id {
    id: i64,
}

// test('handles deleting')
#[tokio::test]
async fn handles_deleting() {
    let server = start_server(json!({}), |http| {
        let mut router = http.create_router("/foo");
        router.delete(
            RouteConfig::new("/{id}", RouteValidation::new().params::<Id>()),
            |req, res| async move { Ok(res.ok(json!({ "key": req.params().id }))) },
        );
        http.register_router(router).unwrap();
    })
    .await;
    let reply = server
        .send(server.client.delete(server.url("/foo/3")))
        .await;
    assert_eq!((reply.status, reply.json()), (200, json!({ "key": 3 })));
    server.stop().await;
}

// test('filtered headers') (7.2)
#[tokio::test]
async fn filtered_headers() {
    let server = start_server(json!({}), |http| {
        let mut router = http.create_router("/foo");
        router.get(no_validation("/"), |req, res| async move {
            Ok(res.ok(json!(req.get_filtered_headers(&["x-kibana-foo", "host"]))))
        });
        http.register_router(router).unwrap();
    })
    .await;
    let reply = server
        .send(
            server
                .client
                .get(server.url("/foo/?bar=quux"))
                .header("x-kibana-foo", "bar")
                .header("x-kibana-bar", "quux"),
        )
        .await;
    let host = server.base_url.trim_start_matches("http://").to_owned();
    assert_eq!(reply.json(), json!({ "host": host, "x-kibana-foo": "bar" }));
    server.stop().await;
}

/// The two routes of Kibana's base path `describe`s: `/` and `/foo` on a router at `/`.
fn base_path_routes(http: &HttpServiceSetup) {
    let mut router = http.create_router("/");
    router
        .get(no_validation("/"), |_req, res| async move {
            Ok(res.ok("value:/"))
        })
        .get(no_validation("/foo"), |_req, res| async move {
            Ok(res.ok("value:/foo"))
        });
    http.register_router(router).unwrap();
}

// describe('with `basepath: /bar` and `rewriteBasePath: false`')
mod with_basepath_bar_and_rewrite_base_path_false {
    use super::*;

    async fn get(path: &str) -> (u16, String) {
        let server = start_server(
            json!({ "basePath": "/bar", "rewriteBasePath": false }),
            base_path_routes,
        )
        .await;
        let reply = server.get(path).await;
        server.stop().await;
        (reply.status, reply.text)
    }

    // test('/bar => 404')
    #[tokio::test]
    async fn bar_is_404() {
        assert_eq!(get("/bar").await.0, 404);
    }

    // test('/bar/ => 404')
    #[tokio::test]
    async fn bar_slash_is_404() {
        assert_eq!(get("/bar/").await.0, 404);
    }

    // test('/bar/foo => 404')
    #[tokio::test]
    async fn bar_foo_is_404() {
        assert_eq!(get("/bar/foo").await.0, 404);
    }

    // test('/ => /')
    #[tokio::test]
    async fn root_is_root() {
        assert_eq!(get("/").await, (200, "value:/".to_owned()));
    }

    // test('/foo => /foo')
    #[tokio::test]
    async fn foo_is_foo() {
        assert_eq!(get("/foo").await, (200, "value:/foo".to_owned()));
    }
}

// describe('with `basepath: /bar` and `rewriteBasePath: true`')
mod with_basepath_bar_and_rewrite_base_path_true {
    use super::*;

    async fn get(path: &str) -> (u16, String) {
        let server = start_server(
            json!({ "basePath": "/bar", "rewriteBasePath": true }),
            base_path_routes,
        )
        .await;
        let reply = server.get(path).await;
        server.stop().await;
        (reply.status, reply.text)
    }

    // test('/bar => /')
    #[tokio::test]
    async fn bar_is_root() {
        assert_eq!(get("/bar").await, (200, "value:/".to_owned()));
    }

    // test('/bar/ => /')
    #[tokio::test]
    async fn bar_slash_is_root() {
        assert_eq!(get("/bar/").await, (200, "value:/".to_owned()));
    }

    // test('/bar/foo => /foo')
    #[tokio::test]
    async fn bar_foo_is_foo() {
        assert_eq!(get("/bar/foo").await, (200, "value:/foo".to_owned()));
    }

    // test('/ => 404')
    #[tokio::test]
    async fn root_is_404() {
        assert_eq!(get("/").await.0, 404);
    }

    // test('/foo => 404')
    #[tokio::test]
    async fn foo_is_404() {
        assert_eq!(get("/foo").await.0, 404);
    }
}

// test('with defined `redirectHttpFromPort`'): starting with TLS and a redirect port works.
#[tokio::test]
async fn with_defined_redirect_http_from_port() {
    let pki = crate::tls::pki();
    let redirect_port = {
        // A free port for the redirect server: bind, read, release.
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let server = start_server(
        crate::tls::ssl(&pki, json!({ "redirectHttpFromPort": redirect_port })),
        |http| get_root(http, "/", json!("value:/")),
    )
    .await;
    assert!(server.start.is_listening());
    server.stop().await;
}

// test('returns server and connection options on start'): Kibana returned the hapi server;
// here setup returns what the server will listen on.
#[tokio::test]
async fn returns_server_and_connection_options_on_start() {
    let (_service, setup, _logs) = setup_service(json!({ "port": 12345 })).await;
    let info = setup.http.server_info();
    assert_eq!(
        (info.host.as_str(), info.port, info.protocol),
        ("127.0.0.1", 12345, "http")
    );
}

// test('registers registerOnPostAuth interceptor several times') (7.2)
#[tokio::test]
async fn registers_register_on_post_auth_interceptor_several_times() {
    let (_service, setup, _logs) = setup_service(json!({})).await;
    for _ in 0..2 {
        setup
            .http
            .register_on_post_auth(|_req, t| async move { Ok(t.next()) })
            .unwrap();
    }
}

// test('throws an error if starts without set up')
#[tokio::test]
async fn throws_an_error_if_starts_without_set_up() {
    let (loggers, _logs) = core_logging::testing::capturing_logger_factory();
    let mut service =
        core_http::HttpService::from_config(core_http::HttpConfig::default(), &loggers);
    let err = service.start().await.unwrap_err();
    assert!(matches!(err, HttpError::NotSetUp), "{err}");
    insta::assert_snapshot!(err.to_string(), @"Http server is not setup up yet");
}

// describe('#registerAuth') (7.2; 7.2's `registerAuth(handler, cookieOptions)` is
// `register_auth` + `create_cookie_session_storage_factory` here, see the README)
mod register_auth {
    use super::*;

    // it('registers auth request interceptor only once')
    #[tokio::test]
    async fn registers_auth_request_interceptor_only_once() {
        let (_service, setup, _logs) = setup_service(json!({})).await;
        let register = || {
            setup
                .http
                .register_auth(|_req, t| async move { Ok(t.not_handled()) })
        };
        register().unwrap();
        let err = register().unwrap_err();
        assert_eq!(err.to_string(), "Auth interceptor was already registered");
    }

    // it('supports implementing custom authentication logic')
    #[tokio::test]
    async fn supports_implementing_custom_authentication_logic() {
        let server = start_server(json!({}), |http| {
            get_root(http, "", json!({ "content": "ok" }));
            let sessions = http
                .create_cookie_session_storage_factory(
                    SessionCookieOptions::<StorageData>::new("sid", COOKIE_KEY).validate(|_| true),
                )
                .unwrap();
            http.register_auth(move |req, t| {
                let session = sessions.as_scoped(&req);
                async move {
                    session.set(&storage_data()).await?;
                    Ok(t.authenticated(AuthResultParams::new().state(json!(user()))))
                }
            })
            .unwrap();
        })
        .await;
        let reply = server.get("/").await;
        assert_eq!(
            (reply.status, reply.json()),
            (200, json!({ "content": "ok" }))
        );
        let cookies = set_cookies(&reply);
        assert_eq!(cookies.len(), 1, "{cookies:?}");
        let attributes = cookie_attributes(&cookies[0]);
        assert!(attributes[0].starts_with("sid=") && attributes[0].len() > 4);
        assert!(attributes.contains(&"Path=/".to_owned()), "{attributes:?}");
        assert!(
            attributes.contains(&"HttpOnly".to_owned()),
            "{attributes:?}"
        );
        server.stop().await;
    }

    // it('supports rejecting a request from an unauthenticated user')
    #[tokio::test]
    async fn supports_rejecting_a_request_from_an_unauthenticated_user() {
        let server = start_server(json!({}), |http| {
            get_root(http, "", json!({ "content": "ok" }));
            http.register_auth(|_req, t| async move { Ok(t.rejected("Unauthorized", 401)) })
                .unwrap();
        })
        .await;
        assert_eq!(server.get("/").await.status, 401);
        server.stop().await;
    }

    // it('supports redirecting')
    #[tokio::test]
    async fn supports_redirecting() {
        let server = start_server(json!({}), |http| {
            get_root(http, "", json!({ "content": "ok" }));
            http.register_auth(|_req, t| async move { Ok(t.redirected("/redirect-url")) })
                .unwrap();
        })
        .await;
        let client = crate::harness::client_builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let reply = server.send(client.get(server.url("/"))).await;
        assert_eq!(
            (reply.status, reply.header("location")),
            (302, Some("/redirect-url"))
        );
        server.stop().await;
    }

    // it(`doesn't expose internal error details`)
    #[tokio::test]
    async fn doesnt_expose_internal_error_details() {
        let server = start_server(json!({}), |http| {
            get_root(http, "", json!({ "content": "ok" }));
            http.register_auth(|_req, _t| async move { Err(anyhow::anyhow!("sensitive info")) })
                .unwrap();
        })
        .await;
        let reply = server.get("/").await;
        assert_eq!(
            (reply.status, reply.json()),
            (
                500,
                error_body(500, "Internal Server Error", INTERNAL_ERROR_MESSAGE)
            )
        );
        assert!(!reply.text.contains("sensitive info"));
        server.stop().await;
    }

    // it(`allows manipulating cookies from route handler`)
    #[tokio::test]
    async fn allows_manipulating_cookies_from_route_handler() {
        let server = start_server(json!({}), |http| {
            let sessions = http
                .create_cookie_session_storage_factory(
                    SessionCookieOptions::<StorageData>::new("sid", COOKIE_KEY).validate(|_| true),
                )
                .unwrap();
            let auth_sessions = sessions.clone();
            http.register_auth(move |req, t| {
                let session = auth_sessions.as_scoped(&req);
                async move {
                    session.set(&storage_data()).await?;
                    Ok(t.authenticated(AuthResultParams::new()))
                }
            })
            .unwrap();
            let mut router = http.create_router("");
            router
                .get(no_validation("/"), |_req, res| async move {
                    Ok(res.ok(json!({ "content": "ok" })))
                })
                .get(no_validation("/with-cookie"), move |req, res| {
                    let session = sessions.as_scoped(&req);
                    async move {
                        session.clear().await;
                        Ok(res.ok(json!({ "content": "ok" })))
                    }
                });
            http.register_router(router).unwrap();
        })
        .await;
        let set = server.get("/").await;
        assert_eq!(set.status, 200);
        assert!(!set_cookies(&set).is_empty());
        let reset = server.get("/with-cookie").await;
        assert_eq!(reset.status, 200);
        let cookies = set_cookies(&reset);
        assert_eq!(cookies.len(), 1, "{cookies:?}");
        // Kibana's exact header, compared attribute by attribute (the order differs).
        let mut attributes = cookie_attributes(&cookies[0]);
        attributes.sort();
        let mut expected = cookie_attributes(
            "sid=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Path=/",
        );
        expected.sort();
        assert_eq!(attributes, expected);
        server.stop().await;
    }
}

fn set_cookies(reply: &crate::harness::Reply) -> Vec<String> {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .collect()
}

fn cookie_attributes(cookie: &str) -> Vec<String> {
    cookie.split("; ").map(str::to_owned).collect()
}

/// A router at `""` with `GET /` answering `{ authRequired }` from `request.route()`, with
/// `options`, and an auth handler counting its calls (authenticated).
async fn auth_required_case(options: RouteOptions) -> (u16, Value, usize) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let server = start_server(json!({}), move |http| {
        let mut router = http.create_router("");
        router.get(
            RouteConfig::new("/", RouteValidation::none()).options(options),
            |req, res| async move {
                Ok(res.ok(json!({ "authRequired": req.route().options.auth_required })))
            },
        );
        http.register_router(router).unwrap();
        http.register_auth(move |_req, t| {
            counter.fetch_add(1, Ordering::SeqCst);
            async move { Ok(t.authenticated(AuthResultParams::new())) }
        })
        .unwrap();
    })
    .await;
    let reply = server.get("/").await;
    server.stop().await;
    (reply.status, reply.json(), calls.load(Ordering::SeqCst))
}

// test('enables auth for a route by default if registerAuth has been called') (7.2)
#[tokio::test]
async fn enables_auth_for_a_route_by_default_if_register_auth_has_been_called() {
    assert_eq!(
        auth_required_case(RouteOptions::new()).await,
        (200, json!({ "authRequired": true }), 1)
    );
}

// test('supports disabling auth for a route explicitly') (7.2)
#[tokio::test]
async fn supports_disabling_auth_for_a_route_explicitly() {
    assert_eq!(
        auth_required_case(RouteOptions::new().auth_required(AuthRequired::NotRequired)).await,
        (200, json!({ "authRequired": false }), 0)
    );
}

// test('supports enabling auth for a route explicitly') (7.2)
#[tokio::test]
async fn supports_enabling_auth_for_a_route_explicitly() {
    assert_eq!(
        auth_required_case(RouteOptions::new().auth_required(AuthRequired::Required)).await,
        (200, json!({ "authRequired": true }), 1)
    );
}

// test('allows attaching metadata to attach meta-data tag strings to a route')
#[tokio::test]
async fn allows_attaching_metadata_to_attach_meta_data_tag_strings_to_a_route() {
    let server = start_server(json!({}), |http| {
        let mut router = http.create_router("");
        let tags = |req: KibanaRequest, res: ResponseFactory| async move {
            Ok(res.ok(json!({ "tags": req.route().options.tags })))
        };
        router
            .get(
                no_validation("/with-tags").options(RouteOptions::new().tags(["my:tag"])),
                tags,
            )
            .get(no_validation("/without-tags"), tags);
        http.register_router(router).unwrap();
    })
    .await;
    assert_eq!(
        server.get("/with-tags").await.json(),
        json!({ "tags": ["my:tag"] })
    );
    assert_eq!(
        server.get("/without-tags").await.json(),
        json!({ "tags": [] })
    );
    server.stop().await;
}

// test('exposes route details of incoming request to a route handler'), with the
// `extendsSession: true` that 7.5 added to the options.
#[tokio::test]
async fn exposes_route_details_of_incoming_request_to_a_route_handler() {
    let server = start_server(json!({}), |http| {
        let mut router = http.create_router("");
        router.get(no_validation("/"), |req, res| async move {
            Ok(res.ok(json!(req.route())))
        });
        http.register_router(router).unwrap();
    })
    .await;
    let reply = server.get("/").await;
    assert_eq!(
        (reply.status, reply.json()),
        (
            200,
            json!({
                "method": "get",
                "path": "/",
                "options": { "authRequired": true, "tags": [], "extendsSession": true },
            })
        )
    );
    server.stop().await;
}

// describe('body options') → test('should reject the request because the payload is too
// large') (7.6); Kibana's `options.body.maxBytes` is `RouteOptions::body_max_size`.
// Kibana answered with Boom's reason phrase for 413, `Request Entity Too Large`.
#[tokio::test]
async fn should_reject_the_request_because_the_payload_is_too_large() {
    #[derive(Deserialize)]
    struct Test {
        #[allow(dead_code)]
        test: i64,
    }
    let server = start_server(json!({}), |http| {
        let mut router = http.create_router("");
        router.post(
            RouteConfig::new("/", RouteValidation::new().body::<Test>())
                .options(RouteOptions::new().body_max_size(1)),
            |_req, res| async move { Ok(res.ok(json!({}))) },
        );
        http.register_router(router).unwrap();
    })
    .await;
    let reply = server
        .send(
            server
                .client
                .post(server.url("/"))
                .json(&json!({ "test": 1 })),
        )
        .await;
    assert_eq!(
        (reply.status, reply.json()),
        (
            413,
            error_body(
                413,
                "Request Entity Too Large",
                "Payload content length greater than maximum allowed: 1"
            )
        )
    );
    server.stop().await;
}

// describe('setup contract')
mod setup_contract {
    use super::*;

    fn cookie_options() -> SessionCookieOptions<StorageData> {
        SessionCookieOptions::new("sid", COOKIE_KEY)
            .validate(|_| true)
            .is_secure(false)
    }

    // describe('#createSessionStorage') → it('creates session storage factory') (7.4–7.6)
    #[tokio::test]
    async fn creates_session_storage_factory() {
        let (_service, setup, _logs) = setup_service(json!({})).await;
        let factory = setup
            .http
            .create_cookie_session_storage_factory(cookie_options())
            .unwrap();
        let request = core_http::testing::MockRequest::new(Empty {}, Empty {}, Empty {}).build();
        assert_eq!(factory.as_scoped(&request).get().await, None);
    }

    // describe('#createSessionStorage') → it('creates session storage factory only once')
    #[tokio::test]
    async fn creates_session_storage_factory_only_once() {
        let (_service, setup, _logs) = setup_service(json!({})).await;
        let create = || {
            setup
                .http
                .create_cookie_session_storage_factory(cookie_options())
                .err()
                .map(|err| err.to_string())
        };
        assert_eq!(create(), None);
        assert_eq!(
            create().as_deref(),
            Some("A cookieSessionStorageFactory was already created")
        );
    }

    /// `GET /` (options as given) answering `{ isAuthenticated }`, optionally behind an auth
    /// handler that authenticates everyone.
    async fn is_authenticated(options: RouteOptions, with_auth: bool) -> Value {
        let server = start_server(json!({}), move |http| {
            let auth = http.auth();
            let mut router = http.create_router("");
            router.get(
                no_validation("/").options(options),
                move |req, res| async move {
                    Ok(res.ok(json!({ "isAuthenticated": auth.is_authenticated(&req) })))
                },
            );
            http.register_router(router).unwrap();
            if with_auth {
                http.register_auth(|_req, t| async move {
                    Ok(t.authenticated(AuthResultParams::new()))
                })
                .unwrap();
            }
        })
        .await;
        let reply = server.get("/").await;
        server.stop().await;
        assert_eq!(reply.status, 200);
        reply.json()
    }

    // describe('#auth.isAuthenticated()') → it('returns true if has been authorized')
    #[tokio::test]
    async fn returns_true_if_has_been_authorized() {
        assert_eq!(
            is_authenticated(RouteOptions::new(), true).await,
            json!({ "isAuthenticated": true })
        );
    }

    // describe('#auth.isAuthenticated()') → it('returns false if has not been authorized')
    #[tokio::test]
    async fn returns_false_if_has_not_been_authorized() {
        assert_eq!(
            is_authenticated(
                RouteOptions::new().auth_required(AuthRequired::NotRequired),
                true
            )
            .await,
            json!({ "isAuthenticated": false })
        );
    }

    // describe('#auth.isAuthenticated()') → it('returns false if no authorization mechanism
    // has been registered')
    #[tokio::test]
    async fn returns_false_if_no_authorization_mechanism_has_been_registered() {
        assert_eq!(
            is_authenticated(
                RouteOptions::new().auth_required(AuthRequired::NotRequired),
                false
            )
            .await,
            json!({ "isAuthenticated": false })
        );
    }

    /// `GET /` answering `auth.get(request)` as JSON.
    fn auth_get_route(http: &HttpServiceSetup, options: RouteOptions) {
        let auth = http.auth();
        let mut router = http.create_router("");
        router.get(
            no_validation("/").options(options),
            move |req, res| async move { Ok(res.ok(json!(auth.get(&req)))) },
        );
        http.register_router(router).unwrap();
    }

    // describe('#auth.get()') → it('returns authenticated status and allow associate auth
    // state with request')
    #[tokio::test]
    async fn returns_authenticated_status_and_allow_associate_auth_state_with_request() {
        let server = start_server(json!({}), |http| {
            let sessions = http
                .create_cookie_session_storage_factory(cookie_options())
                .unwrap();
            http.register_auth(move |req, t| {
                let session = sessions.as_scoped(&req);
                async move {
                    session.set(&storage_data()).await?;
                    Ok(t.authenticated(AuthResultParams::new().state(json!(user()))))
                }
            })
            .unwrap();
            auth_get_route(http, RouteOptions::new());
        })
        .await;
        let reply = server.get("/").await;
        assert_eq!(
            (reply.status, reply.json()),
            (
                200,
                json!({ "state": { "id": "42" }, "status": "authenticated" })
            )
        );
        server.stop().await;
    }

    // describe('#auth.get()') → it('returns correct authentication unknown status')
    #[tokio::test]
    async fn returns_correct_authentication_unknown_status() {
        let server = start_server(json!({}), |http| {
            auth_get_route(http, RouteOptions::new());
        })
        .await;
        let reply = server.get("/").await;
        assert_eq!(
            (reply.status, reply.json()),
            (200, json!({ "status": "unknown" }))
        );
        server.stop().await;
    }

    // describe('#auth.get()') → it('returns correct unauthenticated status')
    #[tokio::test]
    async fn returns_correct_unauthenticated_status() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&calls);
        let server = start_server(json!({}), move |http| {
            http.register_auth(move |_req, t| {
                counter.fetch_add(1, Ordering::SeqCst);
                async move { Ok(t.authenticated(AuthResultParams::new())) }
            })
            .unwrap();
            auth_get_route(
                http,
                RouteOptions::new().auth_required(AuthRequired::NotRequired),
            );
        })
        .await;
        let reply = server.get("/").await;
        assert_eq!(
            (reply.status, reply.json()),
            (200, json!({ "status": "unauthenticated" }))
        );
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        server.stop().await;
    }

    // describe('#isTlsEnabled') → it('returns "true" if TLS enabled') (7.4–7.6)
    #[tokio::test]
    async fn returns_true_if_tls_enabled() {
        let pki = crate::tls::pki();
        let (_service, setup, _logs) = setup_service(crate::tls::ssl(&pki, json!({}))).await;
        assert!(setup.http.is_tls_enabled());
    }

    // describe('#isTlsEnabled') → it('returns "false" if TLS not enabled') (7.4–7.6)
    #[tokio::test]
    async fn returns_false_if_tls_not_enabled() {
        let (_service, setup, _logs) = setup_service(json!({})).await;
        assert!(!setup.http.is_tls_enabled());
    }
}

// describe('conditional compression'): a route answering 2 500 bytes of HTML, large enough to
// be compressed.
mod conditional_compression {
    use super::*;
    use crate::harness::{Reply, TestServer};

    async fn setup_server(compression: Value) -> TestServer {
        start_server(json!({ "compression": compression }), |http| {
            let mut router = http.create_router("");
            router.get(
                RouteConfig::new("/", RouteValidation::none()),
                |_req, res| async move {
                    Ok(res
                        .ok("hello".repeat(500))
                        .header("content-type", "text/html; charset=UTF-8"))
                },
            );
            http.register_router(router).unwrap();
        })
        .await
    }

    async fn get(server: &TestServer, referer: Option<&str>) -> Reply {
        let mut request = server
            .client
            .get(server.url("/"))
            .header("accept-encoding", "gzip");
        if let Some(referer) = referer {
            request = request.header("referer", referer);
        }
        server.send(request).await
    }

    #[tokio::test]
    async fn with_compression_enabled_true() {
        let server = setup_server(json!({ "enabled": true })).await;
        assert_eq!(
            get(&server, None).await.header("content-encoding"),
            Some("gzip")
        );
        server.stop().await;
    }

    #[tokio::test]
    async fn with_compression_enabled_false() {
        let server = setup_server(json!({ "enabled": false })).await;
        assert_eq!(get(&server, None).await.header("content-encoding"), None);
        server.stop().await;
    }

    // describe('with defined `compression.referrerWhitelist`')
    mod with_defined_referrer_whitelist {
        use super::*;

        async fn server() -> TestServer {
            setup_server(json!({ "enabled": true, "referrerWhitelist": ["foo"] })).await
        }

        #[tokio::test]
        async fn enables_compression_for_no_referer() {
            let server = server().await;
            assert_eq!(
                get(&server, None).await.header("content-encoding"),
                Some("gzip")
            );
            server.stop().await;
        }

        #[tokio::test]
        async fn enables_compression_for_whitelisted_referer() {
            let server = server().await;
            let reply = get(&server, Some("http://foo:1234")).await;
            assert_eq!(reply.header("content-encoding"), Some("gzip"));
            server.stop().await;
        }

        #[tokio::test]
        async fn disables_compression_for_non_whitelisted_referer() {
            let server = server().await;
            let reply = get(&server, Some("http://bar:1234")).await;
            assert_eq!(reply.header("content-encoding"), None);
            server.stop().await;
        }

        #[tokio::test]
        async fn disables_compression_for_invalid_referer() {
            let server = server().await;
            let reply = get(&server, Some("http://asdf$%^")).await;
            assert_eq!(reply.header("content-encoding"), None);
            server.stop().await;
        }
    }
}

// describe('body options') → test('should reject the request because the Content-Type in the
// request is not valid') (7.6); Kibana's `options.body.accepts` is `RouteOptions::body_accepts`.
#[tokio::test]
async fn should_reject_the_request_because_the_content_type_in_the_request_is_not_valid() {
    #[derive(Deserialize)]
    struct Test {
        #[allow(dead_code)]
        test: i64,
    }
    let server = start_server(json!({}), |http| {
        let mut router = http.create_router("");
        router.post(
            RouteConfig::new("/", RouteValidation::new().body::<Test>())
                .options(RouteOptions::new().body_accepts(["multipart/form-data"])),
            |_req, res| async move { Ok(res.ok(json!({}))) },
        );
        http.register_router(router).unwrap();
    })
    .await;
    // reqwest's `json` sends `application/json`, as supertest's `send` did.
    let reply = server
        .send(
            server
                .client
                .post(server.url("/"))
                .json(&json!({ "test": 1 })),
        )
        .await;
    assert_eq!(
        (reply.status, reply.json()),
        (
            415,
            error_body(415, "Unsupported Media Type", "Unsupported Media Type")
        )
    );
    server.stop().await;
}
