//! onPreAuth and onPostAuth (Kibana 7.6 items 3-9, and the interceptor rules of the crate README).

use std::sync::{Arc, Mutex};

use core_http::{AuthResultParams, HttpServiceSetup, KibanaRequest, RouteConfig, RouteValidation};
use serde_json::json;

use crate::harness::{error_body, start_server};

type Trace = Arc<Mutex<Vec<String>>>;

fn no_redirects() -> reqwest::Client {
    crate::harness::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn push(trace: &Trace, entry: impl Into<String>) {
    trace.lock().unwrap().push(entry.into());
}

/// `GET /` and `GET /new-url` answering their own path and query.
fn register_echo_routes(http: &HttpServiceSetup, trace: Trace) {
    let mut router = http.create_router("");
    for path in ["/", "/new-url"] {
        let trace = Arc::clone(&trace);
        router.get(RouteConfig::new(path, RouteValidation::none()), move |request, res| {
            push(&trace, format!("handler {path}"));
            async move { Ok(res.ok(json!({ "route": path, "url": request.url().to_string() }))) }
        });
    }
    http.register_router(router).unwrap();
}

#[tokio::test]
async fn interceptors_run_in_order_around_auth_and_before_the_handler() {
    let trace: Trace = Arc::default();
    let server = start_server(json!({}), {
        let trace = Arc::clone(&trace);
        move |http| {
            for name in ["pre 1", "pre 2", "pre 3"] {
                let trace = Arc::clone(&trace);
                http.register_on_pre_auth(move |_, t| {
                    push(&trace, name);
                    async move { Ok(t.next()) }
                })
                .unwrap();
            }
            let auth_trace = Arc::clone(&trace);
            http.register_auth(move |_, t| {
                push(&auth_trace, "auth");
                async move { Ok(t.authenticated(AuthResultParams::new())) }
            })
            .unwrap();
            // A synchronous-looking one and one that awaits (Kibana 7.6 item 3).
            let post_trace = Arc::clone(&trace);
            http.register_on_post_auth(move |_, t| {
                push(&post_trace, "post 1");
                async move { Ok(t.next()) }
            })
            .unwrap();
            let post_trace = Arc::clone(&trace);
            http.register_on_post_auth(move |_, t| {
                let trace = Arc::clone(&post_trace);
                async move {
                    tokio::task::yield_now().await;
                    push(&trace, "post 2");
                    Ok(t.next())
                }
            })
            .unwrap();
            register_echo_routes(http, Arc::clone(&trace));
        }
    })
    .await;
    let reply = server.get("/").await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        *trace.lock().unwrap(),
        vec![
            "pre 1",
            "pre 2",
            "pre 3",
            "auth",
            "post 1",
            "post 2",
            "handler /"
        ]
    );

    // onPreAuth runs for unknown routes too; auth and onPostAuth do not.
    trace.lock().unwrap().clear();
    assert_eq!(server.get("/missing").await.status, 404);
    assert_eq!(*trace.lock().unwrap(), vec!["pre 1", "pre 2", "pre 3"]);
    server.stop().await;
}

#[tokio::test]
async fn on_pre_auth_rewrite_routes_the_new_url() {
    let trace: Trace = Arc::default();
    let seen_by_second: Trace = Arc::default();
    let server = start_server(json!({}), {
        let trace = Arc::clone(&trace);
        let seen = Arc::clone(&seen_by_second);
        move |http| {
            http.register_on_pre_auth(|request, t| async move {
                Ok(match request.url().path.as_str() {
                    "/" => t.rewrite_url("/new-url"),
                    "/with-query" => t.rewrite_url("/new-url?from=rewrite"),
                    "/bad" => t.rewrite_url("https://elsewhere.example/"),
                    _ => t.next(),
                })
            })
            .unwrap();
            http.register_on_pre_auth(move |request, t| {
                push(&seen, request.url().to_string());
                async move { Ok(t.next()) }
            })
            .unwrap();
            register_echo_routes(http, trace);
        }
    })
    .await;
    let reply = server.get("/?kept=no").await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json(),
        json!({ "route": "/new-url", "url": "/new-url" })
    );
    let reply = server.get("/with-query").await;
    assert_eq!(
        reply.json(),
        json!({ "route": "/new-url", "url": "/new-url?from=rewrite" })
    );
    assert_eq!(
        *seen_by_second.lock().unwrap(),
        vec!["/new-url", "/new-url?from=rewrite"]
    );
    assert_eq!(
        *trace.lock().unwrap(),
        vec!["handler /new-url", "handler /new-url"]
    );

    let reply = server.get("/bad").await;
    assert_eq!(reply.status, 500);
    let errors = server.logs.messages_at(core_logging::LogLevel::Error);
    assert!(
        errors.iter().any(
            |m| m.starts_with("onPreAuth interceptor #1 failed for GET /bad")
                && m.contains("rewrote the URL to [https://elsewhere.example/]")
        ),
        "{errors:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn on_pre_auth_redirects_and_rejects_before_routing() {
    let trace: Trace = Arc::default();
    let server = start_server(json!({}), {
        let trace = Arc::clone(&trace);
        move |http| {
            http.register_on_pre_auth(|request, t| async move {
                Ok(match request.headers().get("x-action") {
                    Some("redirect") => t.redirected("/elsewhere"),
                    Some("reject") => t.rejected("unexpected error", 400),
                    Some("teapot") => t.rejected("no coffee", 418),
                    Some("reject-500") => t.rejected("database password is hunter2", 500),
                    Some("bad-status") => t.rejected("odd", 200),
                    _ => t.next(),
                })
            })
            .unwrap();
            let trace_2 = Arc::clone(&trace);
            http.register_on_pre_auth(move |_, t| {
                push(&trace_2, "second");
                async move { Ok(t.next()) }
            })
            .unwrap();
            register_echo_routes(http, trace);
        }
    })
    .await;
    let send = |action: &str| {
        no_redirects()
            .get(server.url("/"))
            .header("x-action", action.to_owned())
    };

    let reply = server.send(send("redirect")).await;
    assert_eq!(reply.status, 302);
    assert_eq!(reply.header("location"), Some("/elsewhere"));
    let reply = server.send(send("reject")).await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.text,
        r#"{"statusCode":400,"error":"Bad Request","message":"unexpected error"}"#
    );
    let reply = server.send(send("teapot")).await;
    assert_eq!(reply.status, 418);
    assert_eq!(reply.json()["message"], "no coffee");
    let generic = error_body(
        500,
        "Internal Server Error",
        "An internal server error occurred.",
    );
    for action in ["reject-500", "bad-status"] {
        let reply = server.send(send(action)).await;
        assert_eq!(reply.status, 500, "{action}");
        assert_eq!(reply.json(), generic, "{action}");
    }
    // Nothing after a redirect or rejection ran.
    assert!(
        trace.lock().unwrap().is_empty(),
        "{:?}",
        trace.lock().unwrap()
    );
    assert_eq!(server.get("/").await.status, 200);
    assert_eq!(*trace.lock().unwrap(), vec!["second", "handler /"]);
    server.stop().await;
}

#[tokio::test]
async fn on_post_auth_redirects_rejects_and_fails_like_kibana() {
    let server = start_server(json!({}), |http| {
        http.register_on_post_auth(|request, t| {
            let action = request.headers().get("x-action").map(str::to_owned);
            async move {
                match action.as_deref() {
                    Some("redirect") => Ok(t.redirected("/login")),
                    Some("reject") => Ok(t.rejected("unexpected error", 400)),
                    Some("error") => Err(anyhow::anyhow!("onPostAuth bug")),
                    Some("panic") => panic!("onPostAuth panic"),
                    _ => Ok(t.next()),
                }
            }
        })
        .unwrap();
        register_echo_routes(http, Arc::default());
    })
    .await;
    let send = |action: &str| {
        no_redirects()
            .get(server.url("/"))
            .header("x-action", action.to_owned())
    };
    let reply = server.send(send("redirect")).await;
    assert_eq!(
        (reply.status, reply.header("location")),
        (302, Some("/login"))
    );
    let reply = server.send(send("reject")).await;
    assert_eq!(
        reply.text,
        r#"{"statusCode":400,"error":"Bad Request","message":"unexpected error"}"#
    );
    let generic = error_body(
        500,
        "Internal Server Error",
        "An internal server error occurred.",
    );
    for action in ["error", "panic", "panic"] {
        let reply = server.send(send(action)).await;
        assert_eq!(
            (reply.status, reply.json()),
            (500, generic.clone()),
            "{action}"
        );
    }
    for _ in 0..4 {
        assert_eq!(server.get("/").await.status, 200);
    }
    let errors = server.logs.messages_at(core_logging::LogLevel::Error);
    assert!(
        errors.iter().any(
            |m| m.starts_with("onPostAuth interceptor #1 failed for GET /")
                && m.ends_with("onPostAuth bug")
        ),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|m| m.ends_with("panicked: onPostAuth panic")),
        "{errors:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn on_pre_auth_panic_gives_500_and_the_server_keeps_serving() {
    let server = start_server(json!({}), |http| {
        http.register_on_pre_auth(|request, t| {
            if request.headers().contains("x-panic-early") {
                panic!("panicked before returning a future");
            }
            let late = request.headers().contains("x-panic-late");
            async move {
                if late {
                    panic!("panicked while running");
                }
                Ok(t.next())
            }
        })
        .unwrap();
        register_echo_routes(http, Arc::default());
    })
    .await;
    for header in [
        "x-panic-early",
        "x-panic-late",
        "x-panic-early",
        "x-panic-late",
    ] {
        let reply = server
            .send(server.client.get(server.url("/")).header(header, "1"))
            .await;
        assert_eq!(reply.status, 500, "{header}");
    }
    for _ in 0..4 {
        assert_eq!(server.get("/").await.status, 200);
    }
    server.stop().await;
}

#[tokio::test]
async fn only_base_path_and_auth_state_pass_between_interceptors_and_handler() {
    let server = start_server(json!({ "basePath": "/kbn" }), |http| {
        let base_path = http.base_path().clone();
        http.register_on_pre_auth(move |request, t| {
            let result = match request.headers().get("x-space") {
                Some(space) => base_path.set(&request, format!("/s/{space}")),
                None => Ok(()),
            };
            async move {
                result?;
                Ok(t.next())
            }
        })
        .unwrap();
        http.register_auth(|_, t| async move {
            Ok(t.authenticated(
                AuthResultParams::new()
                    .state(json!({ "roles": ["admin"] }))
                    .request_header("es-security-runas-user", "alice"),
            ))
        })
        .unwrap();
        let auth = http.auth();
        let post_base_path = http.base_path().clone();
        http.register_on_post_auth(move |request: KibanaRequest, t| {
            // onPostAuth sees what auth decided and the base path onPreAuth set.
            let ok = auth.is_authenticated(&request)
                && post_base_path.get(&request).starts_with("/kbn/s/")
                && request
                    .auth_headers()
                    .is_some_and(|h| h.get("es-security-runas-user") == Some("alice"));
            async move {
                Ok(if ok {
                    t.next()
                } else {
                    t.rejected("state not visible", 400)
                })
            }
        })
        .unwrap();
        let mut router = http.create_router("");
        let auth = http.auth();
        let base_path = http.base_path().clone();
        router.get(
            RouteConfig::new("/state", RouteValidation::none()),
            move |request, res| {
                let base_path = base_path.clone();
                async move {
                    Ok(res.ok(json!({
                        "basePath": base_path.get(&request),
                        "auth": auth.get(&request),
                        "authHeaders": auth.get_auth_headers(&request),
                        // A second set fails: the value is per request, set once (Kibana's message).
                        "setAgain": base_path.set(&request, "/x").err().map(|e| e.to_string()),
                    })))
                }
            },
        );
        http.register_router(router).unwrap();
    })
    .await;
    let reply = server
        .send(
            server
                .client
                .get(server.url("/state"))
                .header("x-space", "marketing"),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        reply.json(),
        json!({
            "basePath": "/kbn/s/marketing",
            "auth": { "status": "authenticated", "state": { "roles": ["admin"] } },
            "authHeaders": { "es-security-runas-user": "alice" },
            "setAgain": "Request basePath was previously set. Setting multiple times is not supported.",
        })
    );
    // The next request starts clean: nothing leaked from the previous one.
    let reply = server.get("/state").await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    server.stop().await;
}

#[tokio::test]
async fn result_headers_of_interceptors_that_go_on_reach_the_response_and_win() {
    let server = start_server(json!({}), |http| {
        http.register_on_pre_auth(
            |_request, t| async move { Ok(t.next().header("x-pre-auth", "pre")) },
        )
        .unwrap();
        // Two challenges under one name both go out; the handler's own is replaced.
        http.register_auth(|_request, t| async move {
            Ok(t.authenticated(core_http::AuthResultParams::new())
                .header("www-authenticate", "Negotiate")
                .header("www-authenticate", "Basic realm=\"kibana\""))
        })
        .unwrap();
        http.register_on_post_auth(|_request, t| async move {
            Ok(t.next().header("x-post-auth", "post"))
        })
        .unwrap();
        let mut router = http.create_router("");
        router.get(
            RouteConfig::new("/", RouteValidation::none()).options(
                core_http::RouteOptions::new().auth_required(core_http::AuthRequired::Optional),
            ),
            |_request, res| async move {
                Ok(res
                    .ok("ok")
                    .header("www-authenticate", "from handler")
                    .header("x-post-auth", "from handler")
                    .header("x-handler", "kept"))
            },
        );
        http.register_router(router).unwrap();
    })
    .await;
    let reply = server.get("/").await;
    assert_eq!(reply.status, 200);
    let all = |name: &str| -> Vec<&str> {
        reply
            .headers
            .get_all(name)
            .iter()
            .map(|value| value.to_str().unwrap())
            .collect()
    };
    assert_eq!(all("x-pre-auth"), ["pre"]);
    assert_eq!(all("x-post-auth"), ["post"]);
    assert_eq!(all("x-handler"), ["kept"]);
    assert_eq!(
        all("www-authenticate"),
        ["Negotiate", "Basic realm=\"kibana\""]
    );
    let mut warnings = server.logs.messages_at(core_logging::LogLevel::Warn);
    warnings.sort();
    assert_eq!(
        warnings,
        [
            "Server rewrites a response header [www-authenticate].",
            "Server rewrites a response header [x-post-auth]."
        ]
    );
    server.stop().await;
}
