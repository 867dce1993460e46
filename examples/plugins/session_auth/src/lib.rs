//! An example plugin that authenticates users with a login form and an encrypted cookie
//! session, as Kibana's basic auth provider did:
//!
//! - `POST /api/session_auth/login` `{"username","password"}` checks the credentials against
//!   `sessionAuth.users` and stores the user's name and credentials in the session cookie
//!   (AES-GCM encrypted with `sessionAuth.encryptionKey`, HttpOnly, expiring after
//!   `sessionAuth.sessionTimeoutSeconds`);
//! - `POST /api/session_auth/logout` clears the cookie;
//! - `GET /api/session_auth/me` says who is logged in;
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
use core_server::{
    AuthRequired, AuthResultParams, ConfigSchema, Core, CoreSetup, CoreStart, Logger, Plugin,
    PluginInitializerContext, PluginRegistration, RouteConfig, RouteOptions, RouteValidation,
    SameSite, SessionCookieOptions, SessionStorageFactory, SetupDeps, StartDeps, ValidationError,
};
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

/// `sessionAuth.*` in `kibana.yml`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct SessionAuthConfig {
    /// `sessionAuth.enabled: false` turns the plugin off.
    pub enabled: bool,
    /// The key session cookies are encrypted with; at least 32 characters when users are set.
    pub encryption_key: Option<String>,
    /// Send the cookie over HTTPS only.
    pub secure_cookies: bool,
    /// How long a session lives (the expiry is inside the encrypted value).
    pub session_timeout_seconds: u64,
    /// Users by name. Empty: authentication is off.
    pub users: BTreeMap<String, UserConfig>,
}

impl Default for SessionAuthConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            encryption_key: None,
            secure_cookies: false,
            session_timeout_seconds: 3600,
            users: BTreeMap::new(),
        }
    }
}

impl std::fmt::Debug for SessionAuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionAuthConfig")
            .field("users", &self.users.keys().collect::<Vec<_>>())
            .field("session_timeout_seconds", &self.session_timeout_seconds)
            .finish_non_exhaustive()
    }
}

impl ConfigSchema for SessionAuthConfig {
    fn validate(&self) -> Result<(), ValidationError> {
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
            Some(_) if self.session_timeout_seconds == 0 => Err(ValidationError::new(
                "sessionTimeoutSeconds",
                "must be at least 1",
            )),
            Some(_) => Ok(()),
        }
    }
}

/// What the session cookie holds.
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Credentials {
    username: String,
    password: String,
}

/// The auth state of a signed-in request, read back by routes with
/// `core.http.auth().get(&request).state_as::<SignedIn>()`.
#[derive(Debug, Clone, Serialize)]
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
        let options = SessionCookieOptions::<Session>::new("sid", key)
            .is_secure(config.secure_cookies)
            .same_site(SameSite::Strict)
            .ttl(Duration::from_secs(config.session_timeout_seconds));
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
            RouteConfig::new("/login", RouteValidation::new().body::<Credentials>())
                .options(open.clone()),
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
            RouteConfig::new("/logout", RouteValidation::none()).options(open),
            |(sessions, _log), _ctx, request, response| async move {
                sessions.as_scoped(&request).clear().await;
                Ok(response.no_content())
            },
        );
        let auth = core.http.auth();
        router.get(
            RouteConfig::new("/me", RouteValidation::none()),
            move |_ctx, request, response| {
                let username = auth
                    .get(&request)
                    .state_as::<SignedIn>()
                    .map(|user| user.username.clone());
                async move { Ok(response.ok(json!({ "username": username }))) }
            },
        );
        core.http.register_router(router)?;
        self.log.info(format_args!(
            "{} users configured; every route that requires authentication needs a session",
            config.users.len()
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
