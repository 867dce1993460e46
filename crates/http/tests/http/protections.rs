//! Core's checks and headers beyond Kibana's own cases: the security headers and their
//! settings, header precedence, the XSRF check's place after auth, `disableProtection`,
//! compression choices, `HEAD` and `body_accepts`.

use core_http::{HttpServiceSetup, RouteConfig, RouteOptions, RouteValidation};
use core_logging::LogLevel;
use serde_json::{Value, json};

use crate::harness::{TestServer, error_body, start_server};

fn routes(http: &HttpServiceSetup) {
    let mut router = http.create_router("");
    router
        .get(RouteConfig::new("/small", RouteValidation::none()), |_req, res| async move {
            Ok(res.ok(json!({ "small": true })))
        })
        .get(RouteConfig::new("/large", RouteValidation::none()), |_req, res| async move {
            Ok(res.ok(json!({ "items": vec!["an item of the list"; 200] })))
        })
        .get(RouteConfig::new("/binary", RouteValidation::none()), |_req, res| async move {
            Ok(res.ok(vec![7_u8; 4096]).header("content-type", "image/png"))
        })
        .get(RouteConfig::new("/own-policy", RouteValidation::none()), |_req, res| async move {
            Ok(res.ok("ok").header("referrer-policy", "no-referrer"))
        })
        .patch(RouteConfig::new("/patch", RouteValidation::none()), |_req, res| async move {
            Ok(res.ok("patched"))
        })
        .post(
            RouteConfig::new("/json-only", RouteValidation::new().body::<Value>())
                .options(RouteOptions::new().body_accepts(["application/json"])),
            |_req, res| async move { Ok(res.ok("accepted")) },
        );
    http.register_router(router).unwrap();
}

async fn server(config: Value) -> TestServer {
    start_server(config, routes).await
}

#[tokio::test]
async fn security_headers_have_kibanas_defaults_on_every_response() {
    let server = server(json!({ "name": "node-1" })).await;
    for path in ["/small", "/no-such-route"] {
        let reply = server.get(path).await;
        assert_eq!(
            reply.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            reply.header("referrer-policy"),
            Some("strict-origin-when-cross-origin"),
            "{path}"
        );
        assert_eq!(reply.header("kbn-name"), Some("node-1"), "{path}");
        assert_eq!(reply.header("strict-transport-security"), None, "{path}");
        assert_eq!(reply.header("permissions-policy"), None, "{path}");
        assert_eq!(reply.header("x-frame-options"), None, "{path}");
    }
    server.stop().await;
}

#[tokio::test]
async fn security_headers_follow_their_settings_and_null_turns_one_off() {
    let server = server(json!({
        "securityResponseHeaders": {
            "strictTransportSecurity": "max-age=31536000; includeSubDomains",
            "xContentTypeOptions": null,
            "referrerPolicy": "no-referrer",
            "permissionsPolicy": "camera=(), microphone=()",
            "disableEmbedding": true,
        }
    }))
    .await;
    let reply = server.get("/small").await;
    assert_eq!(
        reply.header("strict-transport-security"),
        Some("max-age=31536000; includeSubDomains")
    );
    assert_eq!(reply.header("x-content-type-options"), None);
    assert_eq!(reply.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(
        reply.header("permissions-policy"),
        Some("camera=(), microphone=()")
    );
    assert_eq!(reply.header("x-frame-options"), Some("SAMEORIGIN"));
    server.stop().await;
}

#[tokio::test]
async fn an_unknown_referrer_policy_is_a_config_error_naming_the_key() {
    let config = core_config::testing::config_from_json(json!({
        "server": { "securityResponseHeaders": { "referrerPolicy": "sometimes" } }
    }));
    let error = config
        .at_path::<core_http::HttpConfig>("server")
        .expect_err("refused")
        .to_string();
    assert!(
        error.starts_with("[server.securityResponseHeaders.referrerPolicy]:"),
        "{error}"
    );
}

#[tokio::test]
async fn custom_headers_override_security_headers_and_kbn_name_overrides_both() {
    let server = server(json!({
        "name": "node-1",
        "customResponseHeaders": {
            "Referrer-Policy": "same-origin",
            "kbn-name": "not this",
            "x-list": ["one", "two"],
            "x-number": 5,
            "x-object": { "a": 1 },
        }
    }))
    .await;
    let reply = server.get("/small").await;
    assert_eq!(reply.header("referrer-policy"), Some("same-origin"));
    assert_eq!(reply.header("kbn-name"), Some("node-1"));
    let list: Vec<_> = reply.headers.get_all("x-list").iter().collect();
    assert_eq!(list, ["one", "two"]);
    assert_eq!(reply.header("x-number"), Some("5"));
    assert_eq!(reply.header("x-object"), Some(r#"{"a":1}"#));
    server.stop().await;
}

#[tokio::test]
async fn a_configured_header_replaces_the_handlers_own_with_a_warning() {
    let server = server(json!({})).await;
    let reply = server.get("/own-policy").await;
    assert_eq!(
        reply.header("referrer-policy"),
        Some("strict-origin-when-cross-origin")
    );
    let warnings = server.logs.messages_at(LogLevel::Warn);
    assert!(
        warnings.contains(&"Server rewrites a response header [referrer-policy].".to_owned()),
        "{warnings:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn an_invalid_custom_header_is_a_config_error_naming_it() {
    let config = core_config::testing::config_from_json(json!({
        "server": { "customResponseHeaders": { "bad header": "x" } }
    }));
    let error = config
        .at_path::<core_http::HttpConfig>("server")
        .expect_err("refused")
        .to_string();
    assert_eq!(
        error,
        "[server.customResponseHeaders.bad header]: is not a valid header name"
    );
}

#[tokio::test]
async fn patch_needs_the_xsrf_header_too() {
    let server = server(json!({})).await;
    let bare = reqwest::Client::new();
    let reply = server.send(bare.patch(server.url("/patch"))).await;
    assert_eq!(
        (reply.status, reply.json()),
        (
            400,
            error_body(
                400,
                "Bad Request",
                "Request must contain a kbn-xsrf header."
            )
        )
    );
    let reply = server.send(server.client.patch(server.url("/patch"))).await;
    assert_eq!((reply.status, reply.text.as_str()), (200, "patched"));
    server.stop().await;
}

#[tokio::test]
async fn disable_protection_turns_the_xsrf_check_off() {
    let server = server(json!({ "xsrf": { "disableProtection": true } })).await;
    let reply = server
        .send(reqwest::Client::new().patch(server.url("/patch")))
        .await;
    assert_eq!(reply.status, 200);
    server.stop().await;
}

#[tokio::test]
async fn the_later_allowlist_name_is_accepted_for_the_whitelist() {
    let server = server(json!({ "xsrf": { "allowlist": ["/patch"] } })).await;
    let reply = server
        .send(reqwest::Client::new().patch(server.url("/patch")))
        .await;
    assert_eq!(reply.status, 200);
    server.stop().await;
}

#[tokio::test]
async fn auth_runs_before_the_xsrf_check() {
    let server = start_server(json!({}), |http| {
        routes(http);
        http.register_auth(|_, toolkit| async move { Ok(toolkit.not_handled()) })
            .unwrap();
    })
    .await;
    // An anonymous client is told to authenticate, not that its form lacks a header.
    let reply = server
        .send(reqwest::Client::new().patch(server.url("/patch")))
        .await;
    assert_eq!(reply.status, 401);
    server.stop().await;
}

#[tokio::test]
async fn compression_prefers_what_the_client_ranks_first() {
    let server = server(json!({})).await;
    let with = |encoding: &'static str| {
        server
            .client
            .get(server.url("/large"))
            .header("accept-encoding", encoding)
    };
    let reply = server.send(with("br")).await;
    assert_eq!(reply.header("content-encoding"), Some("br"));
    assert_eq!(reply.header("vary"), Some("accept-encoding"));
    let reply = server.send(with("gzip;q=1.0, br;q=0.5")).await;
    assert_eq!(reply.header("content-encoding"), Some("gzip"));
    let reply = server.send(with("identity")).await;
    assert_eq!(reply.header("content-encoding"), None);
    server.stop().await;
}

#[tokio::test]
async fn a_gzipped_answer_decodes_to_the_same_json() {
    use std::io::Read;

    let server = server(json!({})).await;
    let plain = server.get("/large").await;
    let response = server
        .client
        .get(server.url("/large"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let compressed = response.bytes().await.unwrap();
    assert!(
        compressed.len() * 4 < plain.text.len(),
        "{} bytes",
        compressed.len()
    );
    let mut decoded = String::new();
    flate2::read::GzDecoder::new(&compressed[..])
        .read_to_string(&mut decoded)
        .unwrap();
    assert_eq!(decoded, plain.text);
    server.stop().await;
}

#[tokio::test]
async fn small_and_binary_answers_are_not_compressed() {
    let server = server(json!({})).await;
    for path in ["/small", "/binary"] {
        let reply = server
            .send(
                server
                    .client
                    .get(server.url(path))
                    .header("accept-encoding", "gzip, br"),
            )
            .await;
        assert_eq!(
            (reply.status, reply.header("content-encoding")),
            (200, None),
            "{path}"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn head_answers_a_get_route_with_its_headers_and_no_body() {
    let server = server(json!({})).await;
    let get = server.get("/large").await;
    let head = server.send(server.client.head(server.url("/large"))).await;
    assert_eq!((head.status, head.text.as_str()), (200, ""));
    assert_eq!(head.header("content-length"), get.header("content-length"));
    assert_eq!(head.header("content-type"), get.header("content-type"));
    let missing = server.send(server.client.head(server.url("/patch"))).await;
    assert_eq!(missing.status, 404);
    server.stop().await;
}

#[tokio::test]
async fn body_accepts_takes_its_types_with_parameters_and_treats_no_type_as_json() {
    let server = server(json!({})).await;
    let post = |content_type: Option<&'static str>| {
        let request = server.client.post(server.url("/json-only")).body("{}");
        match content_type {
            Some(content_type) => request.header("content-type", content_type),
            None => request,
        }
    };
    let reply = server
        .send(post(Some("application/json; charset=utf-8")))
        .await;
    assert_eq!((reply.status, reply.text.as_str()), (200, "accepted"));
    let reply = server.send(post(None)).await;
    assert_eq!(reply.status, 200);
    let reply = server.send(post(Some("text/plain"))).await;
    assert_eq!(reply.status, 415);
    server.stop().await;
}
