//! A small "security plugin" used by the session tests: login sets an encrypted session, the
//! auth handler reads it, logout clears it.

use std::sync::Arc;
use std::time::Duration;

use core_http::{
    AuthRequired, AuthResultParams, HttpServiceSetup, RouteConfig, RouteOptions, RouteValidation,
    SameSite, SessionCookieOptions, SessionStorageFactory, SessionStore,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A 32+ character key; tests check it never reaches the logs.
pub(crate) const KEY: &str = "the-encryption-key-of-the-tests-0123456789";
/// Another valid key.
pub(crate) const OTHER_KEY: &str = "a-completely-different-encryption-key-9876543210";

/// What the session holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Session {
    pub(crate) username: String,
    /// Padding to make sessions large on purpose.
    #[serde(default)]
    pub(crate) notes: String,
}

#[derive(Deserialize)]
pub(crate) struct Login {
    pub(crate) username: String,
    #[serde(default)]
    pub(crate) notes: String,
}

/// How the app's session cookie is configured.
#[derive(Clone)]
pub(crate) struct AppOptions {
    pub(crate) key: &'static str,
    pub(crate) ttl: Option<Duration>,
    pub(crate) secure: bool,
    pub(crate) same_site: Option<SameSite>,
    /// Server-side sessions in this store.
    pub(crate) store: Option<Arc<dyn SessionStore>>,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) lifespan: Option<Duration>,
}

impl Default for AppOptions {
    fn default() -> Self {
        Self {
            key: KEY,
            ttl: None,
            secure: false,
            same_site: None,
            store: None,
            idle_timeout: None,
            lifespan: None,
        }
    }
}

/// Registers auth (session cookie `sid`, users named `blocked` fail validation), a login route,
/// a logout route, `/api/me` and `/api/poll` (`/api/me` on a route that does not extend
/// sessions).
pub(crate) fn register_app(http: &HttpServiceSetup, options: AppOptions) {
    register_app_with_factory(http, options);
}

/// [`register_app`], returning the session storage factory.
pub(crate) fn register_app_with_factory(
    http: &HttpServiceSetup,
    options: AppOptions,
) -> SessionStorageFactory<Session> {
    let mut cookie = SessionCookieOptions::<Session>::new("sid", options.key)
        .validate(|session| session.username != "blocked")
        .is_secure(options.secure);
    if let Some(ttl) = options.ttl {
        cookie = cookie.ttl(ttl);
    }
    if let Some(same_site) = options.same_site {
        cookie = cookie.same_site(same_site);
    }
    if let Some(store) = options.store {
        cookie = cookie.store(store);
    }
    if let Some(idle_timeout) = options.idle_timeout {
        cookie = cookie.idle_timeout(idle_timeout);
    }
    if let Some(lifespan) = options.lifespan {
        cookie = cookie.lifespan(lifespan);
    }
    let sessions: SessionStorageFactory<Session> = http
        .create_cookie_session_storage_factory(cookie)
        .expect("valid session options");

    let auth_sessions = sessions.clone();
    http.register_auth(move |request, t| {
        let session = auth_sessions.as_scoped(&request);
        async move {
            Ok(match session.get().await {
                Some(session) => t.authenticated(
                    AuthResultParams::new()
                        .state(json!({ "username": session.username }))
                        .request_header(
                            "authorization",
                            format!("Bearer token-of-{}", session.username),
                        ),
                ),
                None => t.not_handled(),
            })
        }
    })
    .unwrap();

    let mut router = http.create_router("");
    let login_sessions = sessions.clone();
    router.post(
        RouteConfig::new("/login", RouteValidation::new().body::<Login>())
            .options(RouteOptions::new().auth_required(AuthRequired::NotRequired)),
        move |request, res| {
            let session = login_sessions.as_scoped(&request);
            async move {
                let value = Session {
                    username: request.body().username.clone(),
                    notes: request.body().notes.clone(),
                };
                match session.set(&value).await {
                    Ok(()) => Ok(res.ok(json!({ "loggedIn": value.username }))),
                    Err(error) => Ok(res.bad_request(error)),
                }
            }
        },
    );
    let logout_sessions = sessions.clone();
    router.post(
        RouteConfig::new("/logout", RouteValidation::none()),
        move |request, res| {
            let session = logout_sessions.as_scoped(&request);
            async move {
                session.clear().await;
                Ok(res.no_content())
            }
        },
    );
    for (path, extends_session) in [("/api/me", true), ("/api/poll", false)] {
        let auth = http.auth();
        router.get(
            RouteConfig::new(path, RouteValidation::none())
                .options(RouteOptions::new().extends_session(extends_session)),
            move |request, res| async move {
                let state = auth.get(&request);
                Ok(res.ok(json!({
                    "status": state.status,
                    "state": state.state,
                    "authenticated": auth.is_authenticated(&request),
                    "authorization": request.auth_headers().and_then(|headers| headers.get("authorization")),
                })))
            },
        );
    }
    http.register_router(router).unwrap();
    sessions
}

/// The first `Set-Cookie` header, if any.
pub(crate) fn set_cookies(headers: &reqwest::header::HeaderMap) -> Vec<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .collect()
}

/// `name=value` of a `Set-Cookie` header.
pub(crate) fn pair(set_cookie: &str) -> &str {
    set_cookie.split(';').next().unwrap()
}
