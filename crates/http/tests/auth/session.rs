//! Cookie session storage: login, authenticated requests, logout, and every way a cookie can be
//! bad (Kibana 7.5 items 14 and 17, the session rules of the crate README).

use std::time::Duration;

use core_http::{HttpError, SameSite, SessionCookieOptions, SessionError};
use serde_json::json;

use super::app::{AppOptions, KEY, OTHER_KEY, Session, pair, register_app, set_cookies};
use crate::harness::{Reply, TestServer, error_body, setup_service, start_server};

const REMOVAL_SUFFIX: &str = "HttpOnly; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT";

async fn app(options: AppOptions) -> TestServer {
    start_server(json!({}), |http| register_app(http, options)).await
}

fn cookie_client() -> reqwest::Client {
    crate::harness::client_builder()
        .cookie_store(true)
        .build()
        .unwrap()
}

async fn login(server: &TestServer, client: &reqwest::Client, username: &str) -> Reply {
    server
        .send(
            client
                .post(server.url("/login"))
                .json(&json!({ "username": username })),
        )
        .await
}

async fn me_with_cookie(server: &TestServer, cookie: &str) -> Reply {
    server
        .send(
            server
                .client
                .get(server.url("/api/me"))
                .header("cookie", cookie),
        )
        .await
}

#[tokio::test]
async fn login_sets_one_encrypted_http_only_cookie_then_requests_are_authenticated() {
    let server = app(AppOptions::default()).await;
    let client = cookie_client();
    assert_eq!(
        server.send(client.get(server.url("/api/me"))).await.status,
        401
    );

    let reply = login(&server, &client, "elastic").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let cookies = set_cookies(&reply.headers);
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    let cookie = &cookies[0];
    assert!(cookie.starts_with("sid="), "{cookie}");
    assert!(cookie.ends_with("; HttpOnly; Path=/"), "{cookie}");
    assert!(
        !cookie.contains("elastic"),
        "the session is readable: {cookie}"
    );

    let me = server.send(client.get(server.url("/api/me"))).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(
        me.json(),
        json!({
            "status": "authenticated",
            "state": { "username": "elastic" },
            "authenticated": true,
            "authorization": "Bearer token-of-elastic",
        })
    );
    // Reading the session does not rewrite the cookie (Kibana 7.6 item 1).
    assert!(set_cookies(&me.headers).is_empty());
    server.stop().await;
}

#[tokio::test]
async fn logout_sends_a_removal_cookie_and_ends_the_session() {
    let server = app(AppOptions::default()).await;
    let client = cookie_client();
    login(&server, &client, "elastic").await;
    assert_eq!(
        server.send(client.get(server.url("/api/me"))).await.status,
        200
    );

    let reply = server.send(client.post(server.url("/logout"))).await;
    assert_eq!(reply.status, 204);
    assert_eq!(
        set_cookies(&reply.headers),
        vec![format!("sid=; {REMOVAL_SUFFIX}")]
    );
    assert_eq!(
        server.send(client.get(server.url("/api/me"))).await.status,
        401
    );
    server.stop().await;
}

#[tokio::test]
async fn tampered_cookie_is_no_session_and_is_cleared() {
    let server = app(AppOptions::default()).await;
    let login_reply = login(&server, &cookie_client(), "elastic").await;
    let sealed = pair(&set_cookies(&login_reply.headers)[0]).to_owned();

    // Flip one character in the middle of the encrypted value.
    let mut bytes = sealed.into_bytes();
    let middle = bytes.len() / 2;
    bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(bytes).unwrap();

    let reply = me_with_cookie(&server, &tampered).await;
    assert_eq!(reply.status, 401, "{}", reply.text);
    assert_eq!(
        reply.json(),
        error_body(401, "Unauthorized", "Unauthorized")
    );
    assert_eq!(
        set_cookies(&reply.headers),
        vec![format!("sid=; {REMOVAL_SUFFIX}")]
    );

    let garbage = me_with_cookie(&server, "sid=not-even-base64!").await;
    assert_eq!(garbage.status, 401);
    server.stop().await;
}

#[tokio::test]
async fn cookie_sealed_with_another_key_is_no_session() {
    let server = app(AppOptions::default()).await;
    let other = app(AppOptions {
        key: OTHER_KEY,
        ..AppOptions::default()
    })
    .await;
    let reply = login(&other, &cookie_client(), "elastic").await;
    let foreign = pair(&set_cookies(&reply.headers)[0]).to_owned();
    assert_eq!(me_with_cookie(&other, &foreign).await.status, 200);

    let reply = me_with_cookie(&server, &foreign).await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        set_cookies(&reply.headers),
        vec![format!("sid=; {REMOVAL_SUFFIX}")]
    );
    server.stop().await;
    other.stop().await;
}

#[tokio::test]
async fn several_cookies_with_the_name_are_no_session() {
    let server = app(AppOptions::default()).await;
    let first =
        pair(&set_cookies(&login(&server, &cookie_client(), "a").await.headers)[0]).to_owned();
    let second =
        pair(&set_cookies(&login(&server, &cookie_client(), "b").await.headers)[0]).to_owned();
    assert_eq!(me_with_cookie(&server, &first).await.status, 200);

    let reply = me_with_cookie(&server, &format!("{first}; {second}")).await;
    assert_eq!(reply.status, 401);
    let reply = me_with_cookie(&server, &format!("{first}; other=1; {first}")).await;
    assert_eq!(reply.status, 401);
    let warnings = server.logs.messages_at(core_logging::LogLevel::Warn);
    assert!(
        warnings.iter().any(|message| message
            .starts_with("Found 2 auth sessions when we were only expecting 1. (cookie [sid]")),
        "{warnings:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn expired_session_stops_working_even_when_the_client_keeps_the_cookie() {
    let server = app(AppOptions {
        ttl: Some(Duration::from_millis(300)),
        ..AppOptions::default()
    })
    .await;
    let reply = login(&server, &cookie_client(), "elastic").await;
    let stolen = pair(&set_cookies(&reply.headers)[0]).to_owned();
    assert_eq!(me_with_cookie(&server, &stolen).await.status, 200);

    tokio::time::sleep(Duration::from_millis(600)).await;
    let reply = me_with_cookie(&server, &stolen).await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        set_cookies(&reply.headers),
        vec![format!("sid=; {REMOVAL_SUFFIX}")]
    );
    server.stop().await;
}

#[tokio::test]
async fn session_failing_validate_is_no_session_and_is_cleared() {
    let server = app(AppOptions::default()).await;
    let client = cookie_client();
    assert_eq!(login(&server, &client, "blocked").await.status, 200);
    let reply = server.send(client.get(server.url("/api/me"))).await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        set_cookies(&reply.headers),
        vec![format!("sid=; {REMOVAL_SUFFIX}")]
    );
    // The client's jar dropped the cookie.
    let again = server.send(client.get(server.url("/api/me"))).await;
    assert_eq!(again.status, 401);
    assert!(set_cookies(&again.headers).is_empty());
    server.stop().await;
}

#[tokio::test]
async fn oversized_session_is_an_error_for_the_caller_and_sets_nothing() {
    let server = app(AppOptions::default()).await;
    let reply = server
        .send(
            server
                .client
                .post(server.url("/login"))
                .json(&json!({ "username": "elastic", "notes": "n".repeat(3500) })),
        )
        .await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    let message = reply.json()["message"].as_str().unwrap().to_owned();
    assert!(
        message.starts_with("session cookie [sid] would be "),
        "{message}"
    );
    assert!(message.contains("4096-byte limit"), "{message}");
    assert!(set_cookies(&reply.headers).is_empty());

    // A session that fits still works.
    let fits = server
        .send(
            server
                .client
                .post(server.url("/login"))
                .json(&json!({ "username": "elastic", "notes": "n".repeat(2000) })),
        )
        .await;
    assert_eq!(fits.status, 200);
    let cookie = &set_cookies(&fits.headers)[0];
    assert!(cookie.len() <= core_http::MAX_COOKIE_BYTES);
    assert_eq!(me_with_cookie(&server, pair(cookie)).await.status, 200);
    server.stop().await;
}

#[tokio::test]
async fn attributes_follow_base_path_secure_and_same_site() {
    let server = start_server(json!({ "basePath": "/kbn" }), |http| {
        register_app(
            http,
            AppOptions {
                secure: true,
                same_site: Some(SameSite::Strict),
                ..AppOptions::default()
            },
        )
    })
    .await;
    let reply = server
        .send(
            server
                .client
                .post(server.url("/login"))
                .json(&json!({ "username": "elastic" })),
        )
        .await;
    let cookie = &set_cookies(&reply.headers)[0];
    assert!(
        cookie.ends_with("; HttpOnly; SameSite=Strict; Secure; Path=/kbn"),
        "{cookie}"
    );

    let logout = server
        .send(
            server
                .client
                .post(server.url("/logout"))
                .header("cookie", pair(cookie)),
        )
        .await;
    assert_eq!(
        set_cookies(&logout.headers),
        vec!["sid=; HttpOnly; SameSite=Strict; Secure; Path=/kbn; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT".to_owned()]
    );
    server.stop().await;
}

#[tokio::test]
async fn bad_session_options_are_setup_errors_naming_the_cookie() {
    let (_service, setup, _logs) = setup_service(json!({})).await;
    let http = &setup.http;
    let short = http
        .create_cookie_session_storage_factory(SessionCookieOptions::<Session>::new(
            "sid",
            "too-short",
        ))
        .unwrap_err();
    assert!(matches!(
        short,
        HttpError::Session(SessionError::KeyTooShort { actual: 9, .. })
    ));
    assert_eq!(
        short.to_string(),
        "session cookie [sid]: the encryption key must be at least 32 characters long, but it has 9"
    );
    let none_insecure = http
        .create_cookie_session_storage_factory(
            SessionCookieOptions::<Session>::new("sid", KEY).same_site(SameSite::None),
        )
        .unwrap_err();
    assert_eq!(
        none_insecure.to_string(),
        "session cookie [sid]: same_site None requires is_secure true"
    );
    let bad_name = http
        .create_cookie_session_storage_factory(SessionCookieOptions::<Session>::new("s;d", KEY))
        .unwrap_err();
    assert!(
        bad_name
            .to_string()
            .starts_with("session cookie name [s;d] is invalid"),
        "{bad_name}"
    );
    assert!(
        http.create_cookie_session_storage_factory(
            SessionCookieOptions::<Session>::new("sid", KEY)
                .same_site(SameSite::None)
                .is_secure(true)
        )
        .is_ok()
    );
}

#[tokio::test]
async fn a_second_cookie_session_storage_factory_is_refused() {
    let (_service, setup, _logs) = setup_service(json!({})).await;
    let http = &setup.http;
    let options = || SessionCookieOptions::<Session>::new("sid", KEY);
    http.create_cookie_session_storage_factory(options())
        .unwrap();
    let again = http
        .create_cookie_session_storage_factory(options())
        .unwrap_err();
    assert!(matches!(
        again,
        HttpError::CookieSessionStorageAlreadyCreated
    ));
    assert_eq!(
        again.to_string(),
        "A cookieSessionStorageFactory was already created"
    );
    // Also through another copy of the setup contract.
    assert!(matches!(
        http.clone()
            .create_cookie_session_storage_factory(SessionCookieOptions::<Session>::new(
                "other", KEY
            )),
        Err(HttpError::CookieSessionStorageAlreadyCreated)
    ));
}

#[tokio::test]
async fn a_handler_reads_back_what_it_set_in_the_same_request() {
    let server = start_server(json!({}), |http| {
        let sessions = http
            .create_cookie_session_storage_factory(SessionCookieOptions::<Session>::new("sid", KEY))
            .unwrap();
        let mut router = http.create_router("");
        router.get(
            core_http::RouteConfig::new("/cycle", core_http::RouteValidation::none()),
            move |request, res| {
                let session = sessions.as_scoped(&request);
                async move {
                    let before = session.get().await;
                    session
                        .set(&Session {
                            username: "x".into(),
                            notes: String::new(),
                        })
                        .await?;
                    let after_set = session.get().await;
                    session.clear().await;
                    let after_clear = session.get().await;
                    Ok(res.ok(json!({
                        "before": before.is_some(),
                        "afterSet": after_set.map(|s| s.username),
                        "afterClear": after_clear.is_some(),
                    })))
                }
            },
        );
        http.register_router(router).unwrap();
    })
    .await;
    let reply = server.get("/cycle").await;
    assert_eq!(
        reply.json(),
        json!({ "before": false, "afterSet": "x", "afterClear": false })
    );
    // Only the last change is sent.
    assert_eq!(
        set_cookies(&reply.headers),
        vec![format!("sid=; {REMOVAL_SUFFIX}")]
    );
    server.stop().await;
}

#[tokio::test]
async fn the_auth_handler_itself_can_set_the_session_cookie() {
    // Kibana 7.5 item 14: a custom auth handler sets `sid`; exactly one Set-Cookie, Path=/,
    // HttpOnly, and the route's response carries it.
    let server = start_server(json!({}), |http| {
        let sessions = http
            .create_cookie_session_storage_factory(SessionCookieOptions::<Session>::new("sid", KEY))
            .unwrap();
        http.register_auth(move |request, t| {
            let session = sessions.as_scoped(&request);
            async move {
                session
                    .set(&Session {
                        username: "from-auth".into(),
                        notes: String::new(),
                    })
                    .await?;
                Ok(t.authenticated(core_http::AuthResultParams::new()))
            }
        })
        .unwrap();
        let mut router = http.create_router("");
        router.get(
            core_http::RouteConfig::new("/", core_http::RouteValidation::none()),
            |_, res| async move { Ok(res.ok(json!({ "ok": true }))) },
        );
        http.register_router(router).unwrap();
    })
    .await;
    let reply = server.get("/").await;
    assert_eq!(reply.status, 200);
    let cookies = set_cookies(&reply.headers);
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    assert!(
        cookies[0].starts_with("sid=") && cookies[0].ends_with("; HttpOnly; Path=/"),
        "{cookies:?}"
    );
    server.stop().await;
}
