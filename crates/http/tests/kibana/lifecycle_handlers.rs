//! Kibana 7.6–7.9 `src/core/server/http/integration_tests/lifecycle_handlers.test.ts`: core's
//! own handlers (the version check, the XSRF check and the response headers), over real HTTP.
//! The `describe` blocks Kibana generated per method are one Rust test per title, looping over
//! the same methods. The clients here send no `kbn-xsrf` unless the case sets it.

use core_http::{HttpServiceSetup, RouteConfig, RouteOptions, RouteValidation};
use reqwest::Method;
use serde_json::json;

use crate::harness::{Reply, TestServer, error_body, start_server};

const VERSION_HEADER: &str = "kbn-version";
const XSRF_HEADER: &str = "kbn-xsrf";
const NAME_HEADER: &str = "kbn-name";
const WHITELISTED_TEST_PATH: &str = "/xsrf/test/route/whitelisted";
const XSRF_DISABLED_TEST_PATH: &str = "/xsrf/test/route/disabled";
const KIBANA_NAME: &str = "my-kibana-name";
const TEST_PATH: &str = "/xsrf/test/route";
const DESTRUCTIVE_METHODS: [Method; 3] = [Method::POST, Method::PUT, Method::DELETE];
const NON_DESTRUCTIVE_METHODS: [Method; 2] = [Method::GET, Method::HEAD];

fn actual_version() -> String {
    core_config::PackageInfo::default().version
}

/// Kibana's `beforeEach` config.
async fn server(register: impl FnOnce(&HttpServiceSetup)) -> TestServer {
    start_server(
        json!({
            "name": KIBANA_NAME,
            "customResponseHeaders": { "some-header": "some-value" },
            "xsrf": { "disableProtection": false, "whitelist": [WHITELISTED_TEST_PATH] },
        }),
        register,
    )
    .await
}

async fn send(server: &TestServer, method: Method, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = reqwest::Client::new().request(method, server.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    server.send(request).await
}

fn ok_route(http: &HttpServiceSetup, method: Method, path: &str, options: RouteOptions) {
    let mut router = http.create_router("");
    let config = RouteConfig::new(path, RouteValidation::none()).options(options);
    let handler = |_req, res: core_http::ResponseFactory| async move { Ok(res.ok("ok")) };
    match method {
        Method::GET => router.get(config, handler),
        Method::POST => router.post(config, handler),
        Method::PUT => router.put(config, handler),
        Method::DELETE => router.delete(config, handler),
        other => panic!("no route method for {other}"),
    };
    http.register_router(router).unwrap();
}

// describe('versionCheck post-auth handler')
mod version_check {
    use super::*;

    const TEST_ROUTE: &str = "/version_check/test/route";

    async fn server() -> TestServer {
        super::server(|http| ok_route(http, Method::GET, TEST_ROUTE, RouteOptions::new())).await
    }

    #[tokio::test]
    async fn accepts_requests_with_the_correct_version_passed_in_the_version_header() {
        let server = server().await;
        let reply = send(
            &server,
            Method::GET,
            TEST_ROUTE,
            &[(VERSION_HEADER, &actual_version())],
        )
        .await;
        assert_eq!((reply.status, reply.text.as_str()), (200, "ok"));
        server.stop().await;
    }

    #[tokio::test]
    async fn accepts_requests_that_do_not_include_a_version_header() {
        let server = server().await;
        let reply = send(&server, Method::GET, TEST_ROUTE, &[]).await;
        assert_eq!((reply.status, reply.text.as_str()), (200, "ok"));
        server.stop().await;
    }

    #[tokio::test]
    async fn rejects_requests_with_an_incorrect_version_passed_in_the_version_header() {
        let server = server().await;
        let reply = send(
            &server,
            Method::GET,
            TEST_ROUTE,
            &[(VERSION_HEADER, "invalid-version")],
        )
        .await;
        let version = actual_version();
        // Kibana matched the message only; the body here is the whole of it.
        assert_eq!(
            (reply.status, reply.json()),
            (
                400,
                json!({
                    "statusCode": 400,
                    "error": "Bad Request",
                    "message": format!("Browser client is out of date, please refresh the page (\"kbn-version\" header was \"invalid-version\" but should be \"{version}\")"),
                    "attributes": { "expected": version, "got": "invalid-version" },
                })
            )
        );
        server.stop().await;
    }
}

// describe('customHeaders pre-response handler')
mod custom_headers {
    use super::*;

    const TEST_ROUTE: &str = "/custom_headers/test/route";
    const TEST_ERROR_ROUTE: &str = "/custom_headers/test/error_route";

    async fn server() -> TestServer {
        super::server(|http| {
            let mut router = http.create_router("");
            router
                .get(
                    RouteConfig::new(TEST_ROUTE, RouteValidation::none()),
                    |_req, res| async move { Ok(res.ok("ok")) },
                )
                .get(
                    RouteConfig::new(TEST_ERROR_ROUTE, RouteValidation::none()),
                    |_req, res| async move { Ok(res.bad_request("bad request")) },
                );
            http.register_router(router).unwrap();
        })
        .await
    }

    #[tokio::test]
    async fn adds_the_kbn_name_header() {
        let server = server().await;
        let reply = send(&server, Method::GET, TEST_ROUTE, &[]).await;
        assert_eq!(
            (reply.status, reply.header(NAME_HEADER)),
            (200, Some(KIBANA_NAME))
        );
        server.stop().await;
    }

    #[tokio::test]
    async fn adds_the_kbn_name_header_in_case_of_error() {
        let server = server().await;
        let reply = send(&server, Method::GET, TEST_ERROR_ROUTE, &[]).await;
        assert_eq!(
            (reply.status, reply.header(NAME_HEADER)),
            (400, Some(KIBANA_NAME))
        );
        server.stop().await;
    }

    #[tokio::test]
    async fn adds_the_custom_headers() {
        let server = server().await;
        let reply = send(&server, Method::GET, TEST_ROUTE, &[]).await;
        assert_eq!(
            (reply.status, reply.header("some-header")),
            (200, Some("some-value"))
        );
        server.stop().await;
    }

    #[tokio::test]
    async fn adds_the_custom_headers_in_case_of_error() {
        let server = server().await;
        let reply = send(&server, Method::GET, TEST_ERROR_ROUTE, &[]).await;
        assert_eq!(
            (reply.status, reply.header("some-header")),
            (400, Some("some-value"))
        );
        server.stop().await;
    }
}

// describe('xsrf post-auth handler')
mod xsrf {
    use super::*;

    async fn server() -> TestServer {
        super::server(|http| {
            ok_route(http, Method::GET, TEST_PATH, RouteOptions::new());
            for method in DESTRUCTIVE_METHODS {
                ok_route(http, method.clone(), TEST_PATH, RouteOptions::new());
                ok_route(
                    http,
                    method.clone(),
                    WHITELISTED_TEST_PATH,
                    RouteOptions::new(),
                );
                ok_route(
                    http,
                    method,
                    XSRF_DISABLED_TEST_PATH,
                    RouteOptions::new().xsrf_required(false),
                );
            }
        })
        .await
    }

    /// `200 ok` (a `HEAD` answer has no body).
    fn assert_ok(reply: &Reply, method: &Method) {
        let body = if *method == Method::HEAD { "" } else { "ok" };
        assert_eq!((reply.status, reply.text.as_str()), (200, body), "{method}");
    }

    // describe(`When using non-destructive ${method} method`), GET and HEAD
    #[tokio::test]
    async fn non_destructive_accepts_requests_without_a_token() {
        let server = server().await;
        for method in NON_DESTRUCTIVE_METHODS {
            assert_ok(
                &send(&server, method.clone(), TEST_PATH, &[]).await,
                &method,
            );
        }
        server.stop().await;
    }

    // describe(`When using non-destructive ${method} method`), GET and HEAD
    #[tokio::test]
    async fn non_destructive_accepts_requests_with_the_xsrf_header() {
        let server = server().await;
        for method in NON_DESTRUCTIVE_METHODS {
            let reply = send(
                &server,
                method.clone(),
                TEST_PATH,
                &[(XSRF_HEADER, "anything")],
            )
            .await;
            assert_ok(&reply, &method);
        }
        server.stop().await;
    }

    // describe(`When using destructive ${method} method`), POST, PUT and DELETE
    #[tokio::test]
    async fn destructive_accepts_requests_with_the_xsrf_header() {
        let server = server().await;
        for method in DESTRUCTIVE_METHODS {
            let reply = send(
                &server,
                method.clone(),
                TEST_PATH,
                &[(XSRF_HEADER, "anything")],
            )
            .await;
            assert_ok(&reply, &method);
        }
        server.stop().await;
    }

    // describe(`When using destructive ${method} method`), POST, PUT and DELETE
    #[tokio::test]
    async fn destructive_accepts_requests_with_the_version_header() {
        let server = server().await;
        for method in DESTRUCTIVE_METHODS {
            let reply = send(
                &server,
                method.clone(),
                TEST_PATH,
                &[(VERSION_HEADER, &actual_version())],
            )
            .await;
            assert_ok(&reply, &method);
        }
        server.stop().await;
    }

    // describe(`When using destructive ${method} method`), POST, PUT and DELETE
    #[tokio::test]
    async fn destructive_rejects_requests_without_either_an_xsrf_or_version_header() {
        let server = server().await;
        for method in DESTRUCTIVE_METHODS {
            let reply = send(&server, method.clone(), TEST_PATH, &[]).await;
            assert_eq!(
                (reply.status, reply.json()),
                (
                    400,
                    error_body(
                        400,
                        "Bad Request",
                        "Request must contain a kbn-xsrf header."
                    )
                ),
                "{method}"
            );
        }
        server.stop().await;
    }

    // describe(`When using destructive ${method} method`), POST, PUT and DELETE
    #[tokio::test]
    async fn destructive_accepts_whitelisted_requests_without_either_an_xsrf_or_version_header() {
        let server = server().await;
        for method in DESTRUCTIVE_METHODS {
            assert_ok(
                &send(&server, method.clone(), WHITELISTED_TEST_PATH, &[]).await,
                &method,
            );
        }
        server.stop().await;
    }

    // describe(`When using destructive ${method} method`), POST, PUT and DELETE
    #[tokio::test]
    async fn destructive_accepts_requests_on_a_route_with_disabled_xsrf_protection() {
        let server = server().await;
        for method in DESTRUCTIVE_METHODS {
            assert_ok(
                &send(&server, method.clone(), XSRF_DISABLED_TEST_PATH, &[]).await,
                &method,
            );
        }
        server.stop().await;
    }
}
