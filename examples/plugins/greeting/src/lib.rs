//! An example plugin showing the basics of the platform:
//!
//! - routes with validated params, query and body (`/api/greeting/...`);
//! - a config section with defaults (`greeting.*`) that follows config reloads (SIGHUP);
//! - a setup contract, [`Greeter`], that other plugins use (the `search` example does).
//!
//! | route | answer |
//! |---|---|
//! | `GET /api/greeting/hello` | `{"message":"Hello, world!"}` (`greeting.defaultName`) |
//! | `GET /api/greeting/hello/{name}?uppercase=true` | `{"message":"HELLO, ANA!"}` |
//! | `POST /api/greeting/greet` `{"names":["Ana","Bo"],"punctuation":"."}` | `{"messages":["Hello, Ana.","Hello, Bo."]}` |
//! | `GET /api/greeting/languages` | `{"greetings":[{"language":"Afrikaans","hello":"Hallo"}, ...]}`: 50 languages, about 2 KB of JSON (served compressed to clients that accept it) |

mod config;

use std::sync::{Arc, PoisonError, RwLock};

use core_server::{
    Core, CoreSetup, CoreStart, Logger, Plugin, PluginInitializerContext, PluginRegistration,
    RequestValidationError, ResponseBody, RouteConfig, RouteDocs, RouteValidation, Router,
    SetupDeps, StartDeps,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use crate::config::GreetingConfig;

/// The plugin's setup contract: greets with the configured word (following config reloads).
#[derive(Debug, Clone)]
pub struct Greeter {
    config: Arc<RwLock<Arc<GreetingConfig>>>,
}

impl Greeter {
    /// A greeter with a fixed config (for the tests of plugins that depend on this one).
    ///
    /// # Arguments
    ///
    /// * `config` - the `greeting` section to greet with.
    pub fn new(config: GreetingConfig) -> Self {
        Self {
            config: Arc::new(RwLock::new(Arc::new(config))),
        }
    }

    fn config(&self) -> Arc<GreetingConfig> {
        Arc::clone(&self.config.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// `"<greeting>, <name>!"`.
    ///
    /// # Arguments
    ///
    /// * `name` - who is greeted.
    pub fn greet(&self, name: &str) -> String {
        self.greet_with(name, "!")
    }

    /// `"<greeting>, <name><punctuation>"`.
    ///
    /// # Arguments
    ///
    /// * `name` - who is greeted.
    /// * `punctuation` - what ends the greeting.
    pub fn greet_with(&self, name: &str, punctuation: &str) -> String {
        format!("{}, {name}{punctuation}", self.config().greeting)
    }

    /// `"<greeting>, <defaultName>!"`, reading the config once.
    pub fn greet_default(&self) -> String {
        let config = self.config();
        format!("{}, {}!", config.greeting, config.default_name)
    }

    /// The name greeted when none is given.
    pub fn default_name(&self) -> String {
        self.config().default_name.clone()
    }
}

/// The greeting plugin.
pub struct GreetingPlugin {
    context: PluginInitializerContext,
    log: Logger,
    watcher: Option<tokio::task::JoinHandle<()>>,
}

impl GreetingPlugin {
    /// Created by core right before setup.
    ///
    /// # Arguments
    ///
    /// * `context` - the plugin's config, logger and environment.
    pub fn new(context: PluginInitializerContext) -> Self {
        let log = context.logger().get(&[]);
        Self {
            context,
            log,
            watcher: None,
        }
    }
}

/// This plugin's registration for a distribution.
pub fn registration() -> PluginRegistration {
    core_server::plugin_registration!(GreetingPlugin, GreetingPlugin::new)
        .with_config::<GreetingConfig>()
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct NameParams {
    /// Who to greet.
    name: String,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
struct HelloQuery {
    /// Shout the greeting.
    uppercase: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct GreetBody {
    /// The names to greet, 1 to 10.
    names: Vec<String>,
    /// What ends each greeting, at most 3 characters.
    #[serde(default = "exclamation")]
    punctuation: String,
}

// The handlers serialize the types the OpenAPI document describes, so the two cannot drift.
/// The answer of the `/hello` routes.
#[derive(Serialize, JsonSchema)]
struct Greeting {
    /// The greeting.
    message: String,
}

/// The answer of `POST /api/greeting/greet`.
#[derive(Serialize, JsonSchema)]
struct Greetings {
    /// One greeting per name, in order.
    messages: Vec<String>,
}

fn exclamation() -> String {
    "!".to_owned()
}

/// At most this many names per `POST /greet`.
const MAX_NAMES: usize = 10;

/// The longest `punctuation` a `POST /greet` accepts: every input has a bound, or a client could
/// make the server build (and hold, for a slow reader) an answer many times its request.
const MAX_PUNCTUATION: usize = 3;

fn check_name(
    part: &str,
    path: &str,
    name: &str,
    max: usize,
) -> Result<(), RequestValidationError> {
    let length = name.chars().count();
    let message = if name.trim().is_empty() {
        "must not be empty".to_owned()
    } else if length > max {
        format!("value has length [{length}] but it must have a maximum length of [{max}].")
    } else {
        return Ok(());
    };
    Err(match part {
        "params" => RequestValidationError::params(path, message),
        _ => RequestValidationError::body(path, message),
    })
}

/// "Hello" in 50 languages, as `[{"language", "hello"}]` (the bench's plain actix-web server
/// serves the same file).
pub const GREETINGS_JSON: &str = include_str!("greetings.json");

/// One entry of [`GREETINGS_JSON`].
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
struct LanguageGreeting {
    language: String,
    hello: String,
}

/// The answer of `GET /api/greeting/languages`.
#[derive(Debug, serde::Serialize, JsonSchema)]
struct Languages {
    greetings: Vec<LanguageGreeting>,
}

fn routes(router: &mut Router, greeter: &Greeter, log: &Logger) -> anyhow::Result<()> {
    let languages = Arc::new(Languages {
        greetings: serde_json::from_str(GREETINGS_JSON)?,
    });
    router.get(
        RouteConfig::new("/languages", RouteValidation::none()).docs(
            RouteDocs::new()
                .summary("\"Hello\" in 50 languages")
                .response_with::<Languages>(200, "The greetings"),
        ),
        move |_ctx, _req, res| {
            let body = ResponseBody::json(&*languages);
            async move { Ok(res.ok(body?)) }
        },
    );

    let (g, l) = (greeter.clone(), log.clone());
    router.get(
        RouteConfig::new(
            "/hello",
            RouteValidation::new().query_documented::<HelloQuery>(),
        )
        .docs(
            RouteDocs::new()
                .summary("Greets the configured default name")
                .response_with::<Greeting>(200, "The greeting"),
        ),
        move |_ctx, req, res| {
            let message = shout(g.greet_default(), req.query().uppercase);
            l.debug(format_args!("greeted the default name"));
            let body = ResponseBody::json(&Greeting { message });
            async move { Ok(res.ok(body?)) }
        },
    );

    let (g, l) = (greeter.clone(), log.clone());
    let max = greeter.config().max_name_length;
    let validation = RouteValidation::new()
        .params_documented::<NameParams>()
        .query_documented::<HelloQuery>()
        .check(move |params: &NameParams, _, _| check_name("params", "name", &params.name, max));
    router.get(
        RouteConfig::new("/hello/{name}", validation).docs(
            RouteDocs::new()
                .summary("Greets a name")
                .response_with::<Greeting>(200, "The greeting")
                .response(400, "The name is blank or too long"),
        ),
        move |_ctx, req, res| {
            let message = shout(g.greet(&req.params().name), req.query().uppercase);
            l.debug(format_args!(
                "greeted a name of {} characters",
                req.params().name.chars().count()
            ));
            let body = ResponseBody::json(&Greeting { message });
            async move { Ok(res.ok(body?)) }
        },
    );

    let g = greeter.clone();
    let validation =
        RouteValidation::new()
            .body_documented::<GreetBody>()
            .check(move |_, _, body: &GreetBody| {
                if body.names.is_empty() || body.names.len() > MAX_NAMES {
                    let message = format!(
                        "array size is [{}], but it must be between [1] and [{MAX_NAMES}]",
                        body.names.len()
                    );
                    return Err(RequestValidationError::body("names", message));
                }
                for (index, name) in body.names.iter().enumerate() {
                    check_name("body", &format!("names.{index}"), name, max)?;
                }
                let length = body.punctuation.chars().count();
                if length > MAX_PUNCTUATION {
                    return Err(RequestValidationError::body(
                        "punctuation",
                        format!(
                            "value has length [{length}] but it must have a maximum length of [{MAX_PUNCTUATION}]."
                        ),
                    ));
                }
                Ok(())
            });
    router.post(
        RouteConfig::new("/greet", validation).docs(
            RouteDocs::new()
                .summary("Greets several names")
                .response_with::<Greetings>(200, "The greetings")
                .response(400, "No names, too many, or a name blank or too long"),
        ),
        move |_ctx, req, res| {
            let body = req.body();
            let messages: Vec<String> = body
                .names
                .iter()
                .map(|name| g.greet_with(name, &body.punctuation))
                .collect();
            let body = ResponseBody::json(&Greetings { messages });
            async move { Ok(res.ok(body?)) }
        },
    );
    Ok(())
}

fn shout(message: String, uppercase: bool) -> String {
    if uppercase {
        message.to_uppercase()
    } else {
        message
    }
}

impl Plugin<Core> for GreetingPlugin {
    type Setup = Greeter;
    type Start = ();

    async fn setup(&mut self, core: CoreSetup, _deps: SetupDeps) -> anyhow::Result<Greeter> {
        let mut subscription = self.context.config().create::<GreetingConfig>()?;
        let greeter = Greeter {
            config: Arc::new(RwLock::new(subscription.current())),
        };

        // Follow reloads: routes and the contract always greet with the current word.
        let (shared, log) = (Arc::clone(&greeter.config), self.log.clone());
        self.watcher = Some(tokio::spawn(async move {
            while let Some(change) = subscription.changed().await {
                match change {
                    Ok(config) => {
                        log.info("greeting config reloaded");
                        *shared.write().unwrap_or_else(PoisonError::into_inner) = config;
                    }
                    Err(error) => log.error(format_args!(
                        "greeting config rejected, keeping the previous one: {error}"
                    )),
                }
            }
        }));

        let mut router = core.http.create_router("/api/greeting");
        routes(&mut router, &greeter, &self.log)?;
        core.http.register_router(router)?;
        self.log.debug("routes registered under /api/greeting");
        Ok(greeter)
    }

    async fn start(&mut self, _core: CoreStart, _deps: StartDeps) -> anyhow::Result<()> {
        Ok(())
    }

    async fn stop(&mut self) -> anyhow::Result<()> {
        if let Some(watcher) = self.watcher.take() {
            watcher.abort();
        }
        self.log.info("greeting plugin stopped");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use core_server::testing::{MockDeps, TestCore, TestRequest};
    use core_server::{ConfigSchema, RouteMethod};
    use serde_json::json;

    use super::*;

    /// Runs the plugin's `setup` with `config` as its `greeting` section; the test core holds
    /// the routes it registered.
    async fn set_up(config: serde_json::Value) -> (TestCore, Greeter) {
        let core = TestCore::new(
            include_str!("../kibana.json"),
            json!({ "greeting": config }),
        )
        .await
        .unwrap();
        let greeter = GreetingPlugin::new(core.context())
            .setup(core.setup(), MockDeps::new("greeting").setup())
            .await
            .unwrap();
        (core, greeter)
    }

    #[tokio::test]
    async fn lists_fifty_languages() {
        let (core, _) = set_up(json!({})).await;
        let response = core
            .call(
                RouteMethod::Get,
                "/api/greeting/languages",
                TestRequest::new(),
            )
            .await
            .unwrap();
        let body = response.json();
        let greetings = body["greetings"].as_array().unwrap();
        assert_eq!(greetings.len(), 50);
        assert_eq!(
            greetings[11],
            json!({ "language": "English", "hello": "Hello" })
        );
        assert!(
            response.body().len() > 1024,
            "large enough to be compressed"
        );
    }

    #[tokio::test]
    async fn greets_with_the_configured_word() {
        let (core, greeter) = set_up(json!({ "greeting": "Hej", "defaultName": "Oslo" })).await;
        assert_eq!(greeter.greet("Bo"), "Hej, Bo!");
        let response = core
            .call(RouteMethod::Get, "/api/greeting/hello", TestRequest::new())
            .await
            .unwrap();
        assert_eq!(response.json(), json!({ "message": "Hej, Oslo!" }));
        let request = TestRequest::new()
            .param("name", "Ana")
            .query("uppercase=true");
        let response = core
            .call(RouteMethod::Get, "/api/greeting/hello/{name}", request)
            .await
            .unwrap();
        assert_eq!(response.json(), json!({ "message": "HEJ, ANA!" }));
    }

    #[tokio::test]
    async fn rejects_names_that_are_too_long_or_empty() {
        let (core, _greeter) = set_up(json!({ "maxNameLength": 3, "defaultName": "Bo" })).await;
        let request = TestRequest::new().param("name", "Anna");
        let response = core
            .call(RouteMethod::Get, "/api/greeting/hello/{name}", request)
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        assert_eq!(
            response.json()["message"],
            "[request params.name]: value has length [4] but it must have a maximum length of [3]."
        );
        let request = TestRequest::new().json_body(&json!({ "names": ["Bo", " "] }));
        let response = core
            .call(RouteMethod::Post, "/api/greeting/greet", request)
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        assert_eq!(
            response.json()["message"],
            "[request body.names.1]: must not be empty"
        );
        // A 900 KB punctuation would make a 9 MB answer for ten names.
        let request = TestRequest::new()
            .json_body(&json!({ "names": ["Bo"], "punctuation": "!".repeat(900_000) }));
        let response = core
            .call(RouteMethod::Post, "/api/greeting/greet", request)
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        assert_eq!(
            response.json()["message"],
            "[request body.punctuation]: value has length [900000] but it must have a maximum length of [3]."
        );
    }

    #[test]
    fn config_rules_name_the_key() {
        let config = GreetingConfig {
            max_name_length: 2,
            ..GreetingConfig::default()
        };
        let error = config.validate().unwrap_err();
        assert_eq!(
            (error.path.as_str(), error.message.as_str()),
            (
                "defaultName",
                "must be at most [2] characters (maxNameLength)"
            )
        );
    }
}
