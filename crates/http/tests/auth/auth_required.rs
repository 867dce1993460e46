//! The auth handler and routes' `auth_required` (Kibana 7.5 items 13, 15, 16, 18, 21).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use core_http::{
    AuthRequired, AuthResultParams, HttpError, RouteConfig, RouteOptions, RouteValidation,
};
use serde_json::json;

use crate::harness::{error_body, setup_service, start_server};

/// Routes `/required`, `/optional`, `/not-required` answering their auth state.
fn register_routes(http: &core_http::HttpServiceSetup) {
    let mut router = http.create_router("");
    for (path, auth_required) in [
        ("/required", AuthRequired::Required),
        ("/optional", AuthRequired::Optional),
        ("/not-required", AuthRequired::NotRequired),
    ] {
        let auth = http.auth();
        router.get(
            RouteConfig::new(path, RouteValidation::none())
                .options(RouteOptions::new().auth_required(auth_required)),
            move |request, res| async move {
                // `AuthState`'s own JSON: no `state` key when there is none.
                Ok(res.ok(serde_json::to_value(auth.get(&request))?))
            },
        );
    }
    http.register_router(router).unwrap();
}

/// Auth that authenticates `authorization: user <name>` and does not handle anything else.
fn header_auth(http: &core_http::HttpServiceSetup, calls: Arc<AtomicUsize>) {
    http.register_auth(move |request, t| {
        calls.fetch_add(1, Ordering::SeqCst);
        let user = request
            .headers()
            .get("authorization")
            .and_then(|value| value.strip_prefix("user "))
            .map(str::to_owned);
        async move {
            Ok(match user {
                Some(user) => t.authenticated(
                    AuthResultParams::new()
                        .state(json!({ "user": user }))
                        .response_header("x-authenticated-user", user.clone()),
                ),
                None => t.not_handled(),
            })
        }
    })
    .unwrap();
}

#[tokio::test]
async fn auth_runs_only_where_the_route_asks_for_it() {
    let calls = Arc::new(AtomicUsize::new(0));
    let auth_calls = Arc::clone(&calls);
    let server = start_server(json!({}), move |http| {
        header_auth(http, auth_calls);
        register_routes(http);
    })
    .await;
    let with_user = |path: &str| {
        server
            .client
            .get(server.url(path))
            .header("authorization", "user alice")
    };

    // Required: auth called once per request; authenticated → 200 with state and headers.
    let reply = server.send(with_user("/required")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json(),
        json!({ "status": "authenticated", "state": { "user": "alice" } })
    );
    assert_eq!(reply.header("x-authenticated-user"), Some("alice"));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // Required, not handled → 401.
    let reply = server.get("/required").await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.json(),
        error_body(401, "Unauthorized", "Unauthorized")
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    // Optional: not handled → continues as unauthenticated.
    let reply = server.get("/optional").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), json!({ "status": "unauthenticated" }));
    let reply = server.send(with_user("/optional")).await;
    assert_eq!(reply.json()["status"], "authenticated");
    assert_eq!(calls.load(Ordering::SeqCst), 4);

    // NotRequired: auth skipped; with an auth handler registered the status is
    // unauthenticated (Kibana's rule), not unknown.
    let reply = server.send(with_user("/not-required")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), json!({ "status": "unauthenticated" }));
    assert_eq!(reply.header("x-authenticated-user"), None);
    assert_eq!(calls.load(Ordering::SeqCst), 4);

    // Unknown routes never reach auth.
    assert_eq!(server.get("/nowhere").await.status, 404);
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    server.stop().await;
}

#[tokio::test]
async fn without_an_auth_handler_every_route_is_open_and_status_unknown() {
    let server = start_server(json!({}), register_routes).await;
    for path in ["/required", "/optional", "/not-required"] {
        let reply = server.get(path).await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.json()["status"], "unknown", "{path}");
        assert!(reply.header("set-cookie").is_none(), "{path}");
    }
    server.stop().await;
}

#[tokio::test]
async fn registering_auth_twice_is_an_error() {
    let (_service, setup, _logs) = setup_service(json!({})).await;
    setup
        .http
        .register_auth(|_, t| async move { Ok(t.not_handled()) })
        .unwrap();
    let error = setup
        .http
        .register_auth(|_, t| async move { Ok(t.not_handled()) })
        .unwrap_err();
    assert!(matches!(error, HttpError::AuthAlreadyRegistered));
    assert_eq!(error.to_string(), "Auth interceptor was already registered");
    // onPostAuth may be registered repeatedly (Kibana 7.5 item 11).
    for _ in 0..3 {
        setup
            .http
            .register_on_post_auth(|_, t| async move { Ok(t.next()) })
            .unwrap();
    }
}

#[tokio::test]
async fn interceptors_cannot_be_registered_after_start() {
    let server = start_server(json!({}), register_routes).await;
    let http = &server.setup.http;
    let error = http
        .register_on_pre_auth(|_, t| async move { Ok(t.next()) })
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "Interceptors can be registered only when HTTP server is stopped."
    );
    assert!(
        http.register_auth(|_, t| async move { Ok(t.not_handled()) })
            .is_err()
    );
    assert!(
        http.register_on_post_auth(|_, t| async move { Ok(t.next()) })
            .is_err()
    );
    server.stop().await;
}

#[tokio::test]
async fn auth_can_reject_with_headers_or_redirect() {
    let server = start_server(json!({}), |http| {
        http.register_auth(|request, t| {
            let decision = request.headers().get("x-decision").map(str::to_owned);
            async move {
                Ok(match decision.as_deref() {
                    Some("redirect") => t.redirected("/login?next=%2Frequired"),
                    Some("forbid") => t.rejected("not for you", 403),
                    _ => t
                        .rejected("Unauthorized", 401)
                        .header("www-authenticate", "Basic realm=\"kibana\""),
                })
            }
        })
        .unwrap();
        register_routes(http);
    })
    .await;
    let reply = server.get("/required").await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.header("www-authenticate"),
        Some("Basic realm=\"kibana\"")
    );
    assert_eq!(
        reply.json(),
        error_body(401, "Unauthorized", "Unauthorized")
    );

    let no_redirects = crate::harness::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let reply = server
        .send(
            no_redirects
                .get(server.url("/required"))
                .header("x-decision", "redirect"),
        )
        .await;
    assert_eq!(reply.status, 302);
    assert_eq!(reply.header("location"), Some("/login?next=%2Frequired"));

    let reply = server
        .send(
            server
                .client
                .get(server.url("/optional"))
                .header("x-decision", "forbid"),
        )
        .await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.json(), error_body(403, "Forbidden", "not for you"));
    server.stop().await;
}

#[tokio::test]
async fn auth_that_fails_or_panics_gives_a_generic_500_and_the_worker_survives() {
    let server = start_server(json!({}), |http| {
        http.register_auth(|request, t| {
            let how = request.headers().get("x-fail").map(str::to_owned);
            async move {
                match how.as_deref() {
                    Some("error") => Err(anyhow::anyhow!("the identity provider is down")),
                    Some("panic") => panic!("auth handler bug"),
                    _ => Ok(t.authenticated(AuthResultParams::new())),
                }
            }
        })
        .unwrap();
        register_routes(http);
    })
    .await;
    let generic = error_body(
        500,
        "Internal Server Error",
        "An internal server error occurred.",
    );
    for how in ["error", "panic", "panic", "error"] {
        let reply = server
            .send(
                server
                    .client
                    .get(server.url("/required"))
                    .header("x-fail", how),
            )
            .await;
        assert_eq!(reply.status, 500, "{how}");
        assert_eq!(reply.json(), generic, "{how}");
    }
    // Both workers still serve.
    for _ in 0..6 {
        assert_eq!(server.get("/required").await.status, 200);
    }
    let errors = server.logs.messages_at(core_logging::LogLevel::Error);
    assert!(
        errors.iter().any(
            |m| m.starts_with("auth interceptor failed for GET /required")
                && m.ends_with("the identity provider is down")
        ),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|m| m.ends_with("panicked: auth handler bug")),
        "{errors:?}"
    );
    server.stop().await;
}
