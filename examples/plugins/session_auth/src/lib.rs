//! An example plugin that authenticates users with a login form and a server-side session, as
//! Kibana's basic auth provider did:
//!
//! - `POST /api/session_auth/login` `{"username","password"}` checks the credentials against
//!   `sessionAuth.users` and starts a session: the user's name and credentials go to the session
//!   store (`sessionAuth.store`: this server's memory, or an Elasticsearch index that several
//!   servers share), encrypted with `sessionAuth.encryptionKey`; the cookie (HttpOnly,
//!   encrypted) holds only the session id. A session ends after `sessionAuth.idleTimeout`
//!   without a request or `sessionAuth.lifespan` after login;
//! - `POST /api/session_auth/logout` deletes the session from the store and clears the cookie,
//!   so a copy of the cookie no longer works;
//! - `GET /api/session_auth/me` says who is logged in; `GET /api/session_auth/session` too, but
//!   without extending the session (a route declared `extends_session(false)`, for pages that
//!   poll);
//! - an auth handler (`register_auth`) protects every route that requires authentication (every
//!   route by default; `/api/status` and the login route opt out) and forwards the user's
//!   credentials as the `Authorization` header for Elasticsearch, so the search plugin's
//!   current-user calls run as the logged-in user;
//! - a request that carries `Authorization: Basic` credentials of a configured user is
//!   authenticated by that header alone, without a session (API clients, curl); a header that
//!   matches no user is refused with `401` even if a session cookie came with it.
//!
//! Authentication is opt-in: with no `sessionAuth.users` configured the plugin registers nothing
//! and says so, so a fresh server stays open.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use core_server::services::config::values::duration;
use core_server::{
    AuthRequired, AuthResultParams, ConfigSchema, Core, CoreSetup, CoreStart,
    ElasticsearchSessionStore, Logger, MemorySessionStore, Plugin, PluginInitializerContext,
    PluginRegistration, RouteConfig, RouteDocs, RouteOptions, RouteValidation, SameSite,
    SessionCookieOptions, SessionStorageFactory, SessionStore, SetupDeps, StartDeps,
    ValidationError,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The shortest encryption key accepted (the cookie key is derived from it).
const MIN_KEY_CHARS: usize = 32;

/// One configured user.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    /// The user's password (also what Elasticsearch is sent, as Basic credentials).
    pub password: String,
}

impl std::fmt::Debug for UserConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UserConfig { password: [redacted] }")
    }
}

/// Where sessions live: `sessionAuth.store`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionStoreKind {
    /// This server's memory (`memory`, the default): one server; sessions end on restart.
    #[default]
    Memory,
    /// The Elasticsearch index `.kibana_security_session_1` (`elasticsearch`), shared by every
    /// server pointed at the cluster.
    Elasticsearch,
}

/// `sessionAuth.*` in `kibana.yml`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct SessionAuthConfig {
    /// `sessionAuth.enabled: false` turns the plugin off.
    pub enabled: bool,
    /// The key session cookies and stored sessions are encrypted with; at least 32 characters
    /// when users are set.
    pub encryption_key: Option<String>,
    /// Send the cookie over HTTPS only.
    pub secure_cookies: bool,
    /// A session ends after this long without a request (Kibana's `session.idleTimeout`).
    #[serde(deserialize_with = "duration")]
    pub idle_timeout: Duration,
    /// A session ends this long after login, however active (Kibana's `session.lifespan`).
    #[serde(deserialize_with = "duration")]
    pub lifespan: Duration,
    /// How often expired sessions are removed from the store (Kibana's
    /// `session.cleanupInterval`).
    #[serde(deserialize_with = "duration")]
    pub cleanup_interval: Duration,
    /// Where sessions live.
    pub store: SessionStoreKind,
    /// The most sessions the `memory` store holds; past it, the session closest to its expiry
    /// is evicted.
    pub max_sessions: usize,
    /// Replaced by `idleTimeout` and `lifespan`: setting it is an error naming them.
    pub session_timeout_seconds: Option<u64>,
    /// Users by name. Empty: authentication is off.
    pub users: BTreeMap<String, UserConfig>,
}

impl Default for SessionAuthConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            encryption_key: None,
            secure_cookies: false,
            idle_timeout: Duration::from_secs(60 * 60),
            lifespan: Duration::from_secs(8 * 60 * 60),
            cleanup_interval: Duration::from_secs(60 * 60),
            store: SessionStoreKind::Memory,
            max_sessions: 10_000,
            session_timeout_seconds: None,
            users: BTreeMap::new(),
        }
    }
}

impl std::fmt::Debug for SessionAuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionAuthConfig")
            .field("users", &self.users.keys().collect::<Vec<_>>())
            .field("idle_timeout", &self.idle_timeout)
            .field("lifespan", &self.lifespan)
            .field("cleanup_interval", &self.cleanup_interval)
            .field("store", &self.store)
            .field("max_sessions", &self.max_sessions)
            .finish_non_exhaustive()
    }
}

impl ConfigSchema for SessionAuthConfig {
    fn validate(&self) -> Result<(), ValidationError> {
        if self.session_timeout_seconds.is_some() {
            return Err(ValidationError::new(
                "sessionTimeoutSeconds",
                "has been replaced by [idleTimeout] and [lifespan] (durations such as \"1h\")",
            ));
        }
        for (key, value) in [
            ("idleTimeout", self.idle_timeout),
            ("lifespan", self.lifespan),
            ("cleanupInterval", self.cleanup_interval),
        ] {
            if value.is_zero() {
                return Err(ValidationError::new(key, "must be longer than 0"));
            }
        }
        if self.max_sessions == 0 {
            return Err(ValidationError::new("maxSessions", "must be at least 1"));
        }
        if self.users.is_empty() {
            return Ok(());
        }
        match &self.encryption_key {
            None => Err(ValidationError::new(
                "encryptionKey",
                "is required when users are configured",
            )),
            Some(key) if key.chars().count() < MIN_KEY_CHARS => Err(ValidationError::new(
                "encryptionKey",
                format!("must be at least [{MIN_KEY_CHARS}] characters"),
            )),
            Some(_) => Ok(()),
        }
    }
}

/// What a session holds (in the store, encrypted).
#[derive(Clone, Serialize, Deserialize)]
struct Session {
    username: String,
    /// The `Authorization` value forwarded to Elasticsearch for this user.
    authorization: String,
}

/// The plugin's setup contract: whether authentication is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionAuthSetup {
    /// True when users are configured and every protected route needs a session.
    pub enabled: bool,
}

/// The session auth plugin.
pub struct SessionAuthPlugin {
    context: PluginInitializerContext,
    log: Logger,
}

impl SessionAuthPlugin {
    /// Created by core right before setup.
    ///
    /// # Arguments
    ///
    /// * `context` - the plugin's config, logger and environment.
    pub fn new(context: PluginInitializerContext) -> Self {
        let log = context.logger().get(&[]);
        Self { context, log }
    }
}

/// This plugin's registration for a distribution.
pub fn registration() -> PluginRegistration {
    core_server::plugin_registration!(SessionAuthPlugin, SessionAuthPlugin::new)
        .with_config::<SessionAuthConfig>()
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Credentials {
    /// A user of `session_auth.users`.
    username: String,
    /// The user's password.
    password: String,
}

/// The answer of `/me` and `/session`.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct CurrentUser {
    /// Who is signed in.
    username: Option<String>,
}

/// The auth state of a signed-in request, read back by routes with
/// `core.http.auth().get(&request).state_as::<SignedIn>()`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SignedIn {
    /// Who is signed in.
    pub username: String,
}

fn basic(username: &str, password: &str) -> String {
    format!("Basic {}", credentials(username, password))
}

/// The token of `Authorization: Basic <token>` for a user.
fn credentials(username: &str, password: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
}

/// The token of an `Authorization` value with the Basic scheme: the scheme in any case, then one
/// or more spaces (RFC 7235); `None` for another scheme or no token.
fn basic_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.split_once(' ')?;
    let token = token.trim_start_matches(' ');
    (scheme.eq_ignore_ascii_case("basic") && !token.is_empty()).then_some(token)
}

impl Plugin<Core> for SessionAuthPlugin {
    type Setup = SessionAuthSetup;
    type Start = ();

    async fn setup(
        &mut self,
        core: CoreSetup,
        _deps: SetupDeps,
    ) -> anyhow::Result<SessionAuthSetup> {
        let config = self
            .context
            .config()
            .create::<SessionAuthConfig>()?
            .current();
        let Some(key) = config
            .encryption_key
            .clone()
            .filter(|_| !config.users.is_empty())
        else {
            self.log
                .warn("no sessionAuth.users configured: authentication is off");
            return Ok(SessionAuthSetup { enabled: false });
        };
        let store: Arc<dyn SessionStore> = match config.store {
            SessionStoreKind::Memory => Arc::new(MemorySessionStore::new(config.max_sessions)),
            SessionStoreKind::Elasticsearch => Arc::new(ElasticsearchSessionStore::new(
                core.elasticsearch.admin_client.clone(),
            )),
        };
        let options = SessionCookieOptions::<Session>::new("sid", key)
            .is_secure(config.secure_cookies)
            .same_site(SameSite::Strict)
            .store(store)
            .idle_timeout(config.idle_timeout)
            .lifespan(config.lifespan)
            .cleanup_interval(config.cleanup_interval);
        let sessions: SessionStorageFactory<Session> =
            core.http.create_cookie_session_storage_factory(options)?;

        // `Authorization: Basic` tokens of the configured users, computed once: a request that
        // carries one is authenticated without a session (as API clients and curl do).
        let basic_users: Arc<HashMap<String, String>> = Arc::new(
            config
                .users
                .iter()
                .map(|(name, user)| (credentials(name, &user.password), name.clone()))
                .collect(),
        );
        let auth_sessions = sessions.clone();
        core.http.register_auth(move |request, toolkit| {
            let sessions = auth_sessions.clone();
            // An explicit header decides on its own: a wrong one is refused, not replaced by
            // whatever session the browser also sends.
            let header = request.headers().get("authorization").map(|value| {
                match basic_token(value).and_then(|token| basic_users.get(token)) {
                    Some(username) => toolkit.authenticated(
                        AuthResultParams::new()
                            .state(SignedIn {
                                username: username.clone(),
                            })
                            .request_header("authorization", value),
                    ),
                    None => toolkit
                        .rejected("Invalid authorization header", 401)
                        .header("www-authenticate", "Basic"),
                }
            });
            async move {
                if let Some(decision) = header {
                    return Ok(decision);
                }
                Ok(match sessions.as_scoped(&request).get().await {
                    Some(session) => toolkit.authenticated(
                        AuthResultParams::new()
                            .state(SignedIn {
                                username: session.username,
                            })
                            .request_header("authorization", session.authorization),
                    ),
                    None => toolkit.not_handled(),
                })
            }
        })?;

        let mut router = core.http.create_router("/api/session_auth");
        let open = RouteOptions::new().auth_required(AuthRequired::NotRequired);
        // Each handler gets its own clone of the state, which its `async move` block owns.
        let users = config.users.clone();
        let mut routes = router.with_state((sessions.clone(), self.log.clone()));
        routes.post(
            RouteConfig::new(
                "/login",
                RouteValidation::new().body_documented::<Credentials>(),
            )
            .options(open.clone())
            .docs(
                RouteDocs::new()
                    .summary("Signs a user in: sets the session cookie")
                    .response_with::<SignedIn>(200, "Signed in")
                    .response(401, "Unknown user or wrong password"),
            ),
            move |(sessions, log), _ctx, request, response| {
                let Credentials { username, password } = request.body();
                let known = users
                    .get(username)
                    .is_some_and(|user| &user.password == password);
                let session = Session {
                    username: username.clone(),
                    authorization: basic(username, password),
                };
                async move {
                    if !known {
                        log.info("login refused: unknown user or wrong password");
                        return Ok(response.unauthorized("Invalid username or password"));
                    }
                    sessions.as_scoped(&request).set(&session).await?;
                    log.info(format_args!("user [{}] logged in", session.username));
                    Ok(response.ok(json!({ "username": session.username })))
                }
            },
        );
        routes.post(
            RouteConfig::new("/logout", RouteValidation::none())
                .options(open)
                .docs(
                    RouteDocs::new()
                        .summary("Signs out: clears the session")
                        .response(204, "Signed out"),
                ),
            |(sessions, _log), _ctx, request, response| async move {
                sessions.as_scoped(&request).clear().await;
                Ok(response.no_content())
            },
        );
        // `/session` answers what `/me` does without extending the session: a page polling it
        // does not keep an unattended session alive.
        for (path, extends_session) in [("/me", true), ("/session", false)] {
            let auth = core.http.auth();
            router.get(
                RouteConfig::new(path, RouteValidation::none())
                    .options(RouteOptions::new().extends_session(extends_session))
                    .docs(
                        RouteDocs::new()
                            .summary(if extends_session {
                                "The signed-in user"
                            } else {
                                "The signed-in user, without extending the session"
                            })
                            .response_with::<CurrentUser>(200, "The user"),
                    ),
                move |_ctx, request, response| {
                    let username = auth
                        .get(&request)
                        .state_as::<SignedIn>()
                        .map(|user| user.username.clone());
                    async move { Ok(response.ok(json!({ "username": username }))) }
                },
            );
        }
        core.http.register_router(router)?;
        self.log.info(format_args!(
            "{} users configured; every route that requires authentication needs a session ({:?} store)",
            config.users.len(),
            config.store
        ));
        Ok(SessionAuthSetup { enabled: true })
    }

    async fn start(&mut self, _core: CoreStart, _deps: StartDeps) -> anyhow::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(key: Option<&str>, users: &[&str]) -> SessionAuthConfig {
        SessionAuthConfig {
            encryption_key: key.map(str::to_owned),
            users: users
                .iter()
                .map(|u| {
                    (
                        (*u).to_owned(),
                        UserConfig {
                            password: "pw".into(),
                        },
                    )
                })
                .collect(),
            ..SessionAuthConfig::default()
        }
    }

    /// RFC 7235: the scheme is case-insensitive and may be followed by several spaces.
    #[test]
    fn basic_tokens_follow_rfc_7235() {
        let token = credentials("ana", "pw");
        for header in [
            format!("Basic {token}"),
            format!("basic {token}"),
            format!("BASIC  {token}"),
        ] {
            assert_eq!(basic_token(&header), Some(token.as_str()), "{header}");
        }
        assert_eq!(basic_token(&format!("Bearer {token}")), None);
        assert_eq!(basic_token("Basic"), None);
        assert_eq!(basic_token("Basic   "), None);
        assert_eq!(basic_token(&format!("Basics {token}")), None);
    }

    #[test]
    fn users_need_a_long_enough_key_and_no_users_need_nothing() {
        assert!(config(None, &[]).validate().is_ok());
        let error = config(None, &["ana"]).validate().unwrap_err();
        assert_eq!(
            (error.path.as_str(), error.message.as_str()),
            ("encryptionKey", "is required when users are configured")
        );
        let error = config(Some("short"), &["ana"]).validate().unwrap_err();
        assert_eq!(error.message, "must be at least [32] characters");
        assert!(config(Some(&"k".repeat(32)), &["ana"]).validate().is_ok());
    }

    #[test]
    fn durations_read_like_kibana_and_the_old_timeout_names_its_replacements() {
        let config: SessionAuthConfig = serde_json::from_value(json!({
            "idleTimeout": "30m",
            "lifespan": 3_600_000,
            "cleanupInterval": "10s",
            "store": "elasticsearch",
        }))
        .unwrap();
        assert_eq!(config.idle_timeout, Duration::from_secs(30 * 60));
        assert_eq!(config.lifespan, Duration::from_secs(60 * 60));
        assert_eq!(config.cleanup_interval, Duration::from_secs(10));
        assert_eq!(config.store, SessionStoreKind::Elasticsearch);
        let defaults = SessionAuthConfig::default();
        assert_eq!(
            (defaults.idle_timeout, defaults.lifespan, defaults.store),
            (
                Duration::from_secs(3600),
                Duration::from_secs(8 * 3600),
                SessionStoreKind::Memory
            )
        );
        assert!(serde_json::from_value::<SessionAuthConfig>(json!({ "store": "redis" })).is_err());

        let old: SessionAuthConfig =
            serde_json::from_value(json!({ "sessionTimeoutSeconds": 3600 })).unwrap();
        let error = old.validate().unwrap_err();
        assert_eq!(error.path, "sessionTimeoutSeconds");
        assert!(
            error.message.contains("[idleTimeout] and [lifespan]"),
            "{}",
            error.message
        );
        let zero: SessionAuthConfig = serde_json::from_value(json!({ "idleTimeout": 0 })).unwrap();
        assert_eq!(zero.validate().unwrap_err().path, "idleTimeout");
    }

    #[test]
    fn secrets_stay_out_of_debug_output_and_credentials_are_basic() {
        let text = format!(
            "{:?}",
            config(Some("a-very-secret-key-that-is-long-enough"), &["ana"])
        );
        assert!(
            !text.contains("a-very-secret") && !text.contains("pw"),
            "{text}"
        );
        assert_eq!(basic("ana", "ana-pass"), "Basic YW5hOmFuYS1wYXNz");
    }
}
