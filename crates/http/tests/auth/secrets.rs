//! No credential reaches the logs: Authorization values, cookie values (sealed or not), the
//! session plaintext or the encryption key, at any level.

use serde_json::json;

use super::app::{AppOptions, KEY, pair, register_app, set_cookies};
use crate::harness::start_server;

#[tokio::test]
async fn no_authorization_cookie_or_key_in_the_logs() {
    let server = start_server(json!({}), |http| register_app(http, AppOptions::default())).await;
    let authorization = "Basic c3VwZXItc2VjcmV0LXBhc3N3b3Jk";
    let login = server
        .send(
            server
                .client
                .post(server.url("/login"))
                .header("authorization", authorization)
                .json(&json!({ "username": "very-private-user" })),
        )
        .await;
    let cookie = pair(&set_cookies(&login.headers)[0]).to_owned();
    let sealed = cookie.trim_start_matches("sid=").to_owned();

    // Authenticated, tampered, duplicated, foreign and invalid cookies, and an unknown route:
    // every path that logs something.
    let mut tampered = sealed.clone().into_bytes();
    tampered[10] = if tampered[10] == b'A' { b'B' } else { b'A' };
    let tampered = format!("sid={}", String::from_utf8(tampered).unwrap());
    for cookie_header in [
        cookie.clone(),
        tampered.clone(),
        format!("{cookie}; {cookie}"),
        "sid=plain-text-cookie-value".to_owned(),
    ] {
        server
            .send(
                server
                    .client
                    .get(server.url("/api/me?access_token=query-secret"))
                    .header("authorization", authorization)
                    .header("cookie", cookie_header),
            )
            .await;
    }
    server
        .send(
            server
                .client
                .get(server.url("/missing"))
                .header("cookie", cookie.clone()),
        )
        .await;
    server
        .send(
            server
                .client
                .post(server.url("/logout"))
                .header("cookie", cookie.clone()),
        )
        .await;

    let records = server.logs.records();
    assert!(
        records
            .iter()
            .any(|r| r.context == "http.cookie-session-storage"),
        "the session code should have logged something for this test to mean anything: {records:#?}"
    );
    let everything = format!("{records:?}");
    for secret in [
        authorization,
        "c3VwZXItc2VjcmV0LXBhc3N3b3Jk",
        sealed.as_str(),
        &tampered["sid=".len()..],
        "plain-text-cookie-value",
        "very-private-user",
        "Bearer token-of",
        "query-secret",
        KEY,
    ] {
        assert!(
            !everything.contains(secret),
            "[{secret}] leaked into the logs: {everything}"
        );
    }
    server.stop().await;
}
