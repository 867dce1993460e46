//! Server-side sessions over real HTTP: the cookie holds an id, the value lives in a store;
//! logout revokes, idle timeout and lifespan end sessions, `extends_session(false)` routes do
//! not extend them, two servers share one store, and the cleanup removes expired sessions.
//!
//! The timeouts are short (hundreds of milliseconds) and every wait is a bounded sleep; a
//! check that a session is still alive leaves at least 300 ms of slack.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use core_http::{
    MemorySessionStore, SessionRecord, SessionStorageFactory, SessionStore, SessionStoreError,
    SessionStoreFuture,
};
use serde_json::json;

use super::app::{AppOptions, KEY, Session, pair, register_app_with_factory, set_cookies};
use crate::harness::{Reply, TestServer, start_server};

/// A memory store that also keeps every record written, to look at what a store is given.
#[derive(Default)]
struct RecordingStore {
    inner: MemorySessionStore,
    written: Mutex<Vec<SessionRecord>>,
}

impl SessionStore for RecordingStore {
    fn get<'a>(&'a self, sid: &'a str) -> SessionStoreFuture<'a, Option<SessionRecord>> {
        self.inner.get(sid)
    }
    fn put<'a>(&'a self, sid: &'a str, record: SessionRecord) -> SessionStoreFuture<'a, ()> {
        self.written.lock().unwrap().push(record.clone());
        self.inner.put(sid, record)
    }
    fn extend<'a>(
        &'a self,
        sid: &'a str,
        idle_timeout_expiration: u64,
        expires_at: Option<u64>,
    ) -> SessionStoreFuture<'a, bool> {
        self.inner.extend(sid, idle_timeout_expiration, expires_at)
    }
    fn delete<'a>(&'a self, sid: &'a str) -> SessionStoreFuture<'a, bool> {
        self.inner.delete(sid)
    }
    fn cleanup_expired(&self, now: u64, max: usize) -> SessionStoreFuture<'_, usize> {
        self.inner.cleanup_expired(now, max)
    }
}

/// A store that is down.
struct BrokenStore;

impl SessionStore for BrokenStore {
    fn get<'a>(&'a self, _sid: &'a str) -> SessionStoreFuture<'a, Option<SessionRecord>> {
        Box::pin(async { Err(SessionStoreError::new("the store is down")) })
    }
    fn put<'a>(&'a self, _sid: &'a str, _record: SessionRecord) -> SessionStoreFuture<'a, ()> {
        Box::pin(async { Err(SessionStoreError::new("the store is down")) })
    }
    fn extend<'a>(
        &'a self,
        _sid: &'a str,
        _idle: u64,
        _expires_at: Option<u64>,
    ) -> SessionStoreFuture<'a, bool> {
        Box::pin(async { Err(SessionStoreError::new("the store is down")) })
    }
    fn delete<'a>(&'a self, _sid: &'a str) -> SessionStoreFuture<'a, bool> {
        Box::pin(async { Err(SessionStoreError::new("the store is down")) })
    }
    fn cleanup_expired(&self, _now: u64, _max: usize) -> SessionStoreFuture<'_, usize> {
        Box::pin(async { Err(SessionStoreError::new("the store is down")) })
    }
}

fn options(store: Arc<dyn SessionStore>) -> AppOptions {
    AppOptions {
        store: Some(store),
        ..AppOptions::default()
    }
}

async fn app(options: AppOptions) -> (TestServer, SessionStorageFactory<Session>) {
    let mut factory = None;
    let server = start_server(json!({}), |http| {
        factory = Some(register_app_with_factory(http, options));
    })
    .await;
    (server, factory.expect("registered"))
}

/// Logs `username` in; the `name=value` of the session cookie.
async fn login(server: &TestServer, username: &str) -> String {
    let reply = server
        .send(
            server
                .client
                .post(server.url("/login"))
                .header("kbn-xsrf", "true")
                .json(&json!({ "username": username })),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let cookies = set_cookies(&reply.headers);
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    pair(&cookies[0]).to_owned()
}

async fn logout(server: &TestServer, cookie: &str) -> Reply {
    server
        .send(
            server
                .client
                .post(server.url("/logout"))
                .header("kbn-xsrf", "true")
                .header("cookie", cookie),
        )
        .await
}

async fn get_with(server: &TestServer, path: &str, cookie: &str) -> Reply {
    server
        .send(server.client.get(server.url(path)).header("cookie", cookie))
        .await
}

/// The session cookie a reply renews, if it renews it.
fn renewed(reply: &Reply) -> Option<String> {
    set_cookies(&reply.headers)
        .first()
        .map(|cookie| pair(cookie).to_owned())
}

#[tokio::test]
async fn the_cookie_holds_an_id_the_store_the_encrypted_value_and_logout_revokes_every_copy() {
    let store = Arc::new(RecordingStore::default());
    let (server, _) = app(options(store.clone())).await;
    let cookie = login(&server, "elastic").await;
    assert!(!cookie.contains("elastic"), "{cookie}");

    // The store got the value encrypted: neither the name nor the JSON shows.
    let written = store.written.lock().unwrap().clone();
    assert_eq!(written.len(), 1);
    assert!(
        !written[0].content.contains("elastic") && !written[0].content.contains("username"),
        "plaintext in the store: {}",
        written[0].content
    );
    assert_eq!(store.inner.len(), 1);

    let me = get_with(&server, "/api/me", &cookie).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.json()["state"], json!({ "username": "elastic" }));

    // A copy of the cookie, kept by whoever stole it.
    let copy = cookie.clone();
    let reply = logout(&server, &cookie).await;
    assert_eq!(reply.status, 204);
    assert!(
        set_cookies(&reply.headers)[0].starts_with("sid=;"),
        "{:?}",
        reply.headers
    );
    assert!(store.inner.is_empty(), "the session is still stored");

    // The copy no longer works, and its cookie is cleared.
    let replay = get_with(&server, "/api/me", &copy).await;
    assert_eq!(replay.status, 401, "{}", replay.text);
    assert!(set_cookies(&replay.headers)[0].starts_with("sid=;"));
    server.stop().await;
}

#[tokio::test]
async fn a_new_login_gets_a_new_id_and_revokes_the_session_it_came_with() {
    let store = Arc::new(MemorySessionStore::new(100));
    let (server, _) = app(options(store.clone())).await;
    let first = login(&server, "ana").await;
    let second = server
        .send(
            server
                .client
                .post(server.url("/login"))
                .header("kbn-xsrf", "true")
                .header("cookie", &first)
                .json(&json!({ "username": "bob" })),
        )
        .await;
    assert_eq!(second.status, 200);
    let second = pair(&set_cookies(&second.headers)[0]).to_owned();
    assert_ne!(first, second);
    assert_eq!(store.len(), 1);
    assert_eq!(get_with(&server, "/api/me", &first).await.status, 401);
    let me = get_with(&server, "/api/me", &second).await;
    assert_eq!(me.json()["state"], json!({ "username": "bob" }));
    server.stop().await;
}

#[tokio::test]
async fn an_idle_session_ends_and_each_request_extends_it() {
    let store = Arc::new(MemorySessionStore::new(100));
    let (server, _) = app(AppOptions {
        idle_timeout: Some(Duration::from_millis(1_000)),
        ..options(store.clone())
    })
    .await;
    let mut cookie = login(&server, "elastic").await;

    // Requests every 350 ms keep the session alive past its first idle expiry.
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(1_500) {
        tokio::time::sleep(Duration::from_millis(350)).await;
        let me = get_with(&server, "/api/me", &cookie).await;
        assert_eq!(me.status, 200, "{}", me.text);
        cookie = renewed(&me).expect("an authenticated request renews the cookie");
    }

    // Then nothing for longer than the idle timeout: the session is gone.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let me = get_with(&server, "/api/me", &cookie).await;
    assert_eq!(me.status, 401, "{}", me.text);
    assert!(set_cookies(&me.headers)[0].starts_with("sid=;"));
    assert!(store.is_empty(), "an expired session found is deleted");
    server.stop().await;
}

#[tokio::test]
async fn a_session_ends_at_its_lifespan_even_while_active() {
    let (server, _) = app(AppOptions {
        idle_timeout: Some(Duration::from_millis(600)),
        lifespan: Some(Duration::from_millis(1_500)),
        ..options(Arc::new(MemorySessionStore::new(100)))
    })
    .await;
    let mut cookie = login(&server, "elastic").await;
    let logged_in = Instant::now();
    let mut alive_past_idle = false;
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let sent = logged_in.elapsed();
        let me = get_with(&server, "/api/me", &cookie).await;
        if sent > Duration::from_millis(1_500) {
            assert_eq!(me.status, 401, "alive after its lifespan: {}", me.text);
            break;
        }
        if me.status == 200 {
            alive_past_idle |= sent > Duration::from_millis(700);
            cookie = renewed(&me).unwrap_or(cookie);
        }
    }
    assert!(alive_past_idle, "activity did not extend the session");
    server.stop().await;
}

#[tokio::test]
async fn a_route_declared_extends_session_false_does_not_extend_the_idle_timeout() {
    let (server, _) = app(AppOptions {
        idle_timeout: Some(Duration::from_millis(1_000)),
        ..options(Arc::new(MemorySessionStore::new(100)))
    })
    .await;

    // Polling reads the session without moving its idle expiry…
    let polled = login(&server, "ana").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let poll = get_with(&server, "/api/poll", &polled).await;
    assert_eq!(poll.status, 200, "{}", poll.text);
    assert_eq!(poll.json()["state"], json!({ "username": "ana" }));
    assert!(renewed(&poll).is_none(), "{:?}", poll.headers);
    // …while a route that extends does.
    let used = login(&server, "bob").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let me = get_with(&server, "/api/me", &used).await;
    assert_eq!(me.status, 200);
    let used = renewed(&me).expect("renewed");

    // 1.1 s after the polled login, 0.7 s after the extension.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(get_with(&server, "/api/poll", &polled).await.status, 401);
    assert_eq!(get_with(&server, "/api/poll", &used).await.status, 200);
    server.stop().await;
}

#[tokio::test]
async fn two_servers_sharing_a_store_share_sessions_and_revocations() {
    let store: Arc<dyn SessionStore> = Arc::new(MemorySessionStore::new(100));
    let (one, _) = app(options(Arc::clone(&store))).await;
    let (two, _) = app(options(Arc::clone(&store))).await;
    let cookie = login(&one, "elastic").await;
    let me = get_with(&two, "/api/me", &cookie).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.json()["state"], json!({ "username": "elastic" }));
    assert_eq!(logout(&two, &cookie).await.status, 204);
    assert_eq!(get_with(&one, "/api/me", &cookie).await.status, 401);
    one.stop().await;
    two.stop().await;
}

#[tokio::test]
async fn the_cleanup_removes_expired_sessions_and_keeps_live_ones() {
    let store = Arc::new(MemorySessionStore::new(100));
    let (server, factory) = app(AppOptions {
        idle_timeout: Some(Duration::from_millis(100)),
        ..options(store.clone())
    })
    .await;
    for user in ["a", "b", "c"] {
        login(&server, user).await;
    }
    assert_eq!(store.len(), 3);
    // A record outlives its idle timeout by two more (the store's copy of the idle expiry is
    // refreshed lazily): 500 ms later all three are expired.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let live = login(&server, "live").await;
    let cleanup = factory
        .cleanup()
        .expect("server-side sessions have a cleanup");
    assert_eq!(cleanup.interval(), core_http::DEFAULT_CLEANUP_INTERVAL);
    assert_eq!(cleanup.run_once().await, 3);
    assert_eq!(store.len(), 1);
    assert_eq!(get_with(&server, "/api/me", &live).await.status, 200);
    server.stop().await;
}

#[tokio::test]
async fn a_failing_store_means_no_session_and_a_login_error_never_a_cookie() {
    let (server, _) = app(options(Arc::new(BrokenStore))).await;
    let reply = server
        .send(
            server
                .client
                .post(server.url("/login"))
                .header("kbn-xsrf", "true")
                .json(&json!({ "username": "elastic" })),
        )
        .await;
    // The app answers 400 with the error; the message names the store, nothing more.
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert!(
        reply
            .text
            .contains("could not be stored: session store: the store is down"),
        "{}",
        reply.text
    );
    assert!(set_cookies(&reply.headers).is_empty());
    server.stop().await;
}

#[tokio::test]
async fn zero_durations_are_refused() {
    use core_http::{HttpError, SessionCookieOptions, SessionError};
    let (service, setup, _logs) = crate::harness::setup_service(json!({})).await;
    let error = setup
        .http
        .create_cookie_session_storage_factory(
            SessionCookieOptions::<Session>::new("sid", KEY).idle_timeout(Duration::ZERO),
        )
        .unwrap_err();
    assert!(
        matches!(
            error,
            HttpError::Session(SessionError::ZeroDuration {
                option: "idle_timeout",
                ..
            })
        ),
        "{error}"
    );
    assert_eq!(
        error.to_string(),
        "session cookie [sid]: idle_timeout must be longer than 0"
    );
    drop(service);
}
