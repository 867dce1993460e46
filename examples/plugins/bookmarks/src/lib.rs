//! The plugin the first-plugin guide builds (`docs/guide/first-plugin.md`).
//!
//! | route | answer |
//! |---|---|
//! | `GET /api/bookmarks?size=5` | the bookmarks in `bookmarks.index`, searched as the user who asks |
//! | `GET /api/bookmarks/welcome/{name}` | `{"message":"Hello, Ana!"}`, worded by the `greeting` plugin |
//!
//! Its setup contract, [`BookmarksSetup`], tells other plugins where the bookmarks live.

mod config;

use std::sync::Arc;

use core_server::{
    CallApiOptions, Core, CoreSetup, CoreStart, Logger, Plugin, PluginInitializerContext,
    PluginRegistration, RequestValidationError, RouteConfig, RouteValidation, SetupDeps, StartDeps,
};
use example_greeting_plugin::{Greeter, GreetingPlugin};
use serde::Deserialize;
use serde_json::{Value, json};

pub use crate::config::BookmarksConfig;

/// This plugin's registration: its `kibana.json`, how to create it, and its config type
/// (checked at startup, before any plugin runs).
pub fn registration() -> PluginRegistration {
    core_server::plugin_registration!(BookmarksPlugin, BookmarksPlugin::new)
        .with_config::<BookmarksConfig>()
}

/// What the plugin hands to the plugins that depend on it.
#[derive(Debug, Clone)]
pub struct BookmarksSetup {
    index: String,
}

impl BookmarksSetup {
    /// The index the bookmarks are kept in.
    pub fn index(&self) -> &str {
        &self.index
    }
}

/// The bookmarks plugin.
pub struct BookmarksPlugin {
    context: PluginInitializerContext,
    log: Logger,
}

impl BookmarksPlugin {
    /// Called by core with the plugin's context (config, logger, environment).
    ///
    /// # Arguments
    ///
    /// * `context` - the plugin's config, logger and environment.
    pub fn new(context: PluginInitializerContext) -> Self {
        let log = context.logger().get(&[]);
        Self { context, log }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    size: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WelcomeParams {
    name: String,
}

impl Plugin<Core> for BookmarksPlugin {
    type Setup = BookmarksSetup;
    type Start = ();

    async fn setup(&mut self, core: CoreSetup, deps: SetupDeps) -> anyhow::Result<BookmarksSetup> {
        let config = self.context.config().create::<BookmarksConfig>()?.current();
        // The `greeting` plugin is in `requiredPlugins`: its setup contract is here.
        let greeter: Arc<Greeter> = deps.get_arc::<GreetingPlugin>()?;
        let mut router = core.http.create_router("/api/bookmarks");

        let (index, max_items) = (config.index.clone(), config.max_items);
        let validation =
            RouteValidation::new()
                .query::<ListQuery>()
                .check(move |_, query: &ListQuery, _| match query.size {
                    Some(size) if size > max_items => Err(RequestValidationError::query(
                        "size",
                        format!(
                            "Value is [{size}] but it must be equal to or lower than [{max_items}]."
                        ),
                    )),
                    _ => Ok(()),
                });
        router.get(RouteConfig::new("/", validation), move |ctx, req, res| {
            let params = json!({
                "index": index,
                "size": req.query().size.unwrap_or(max_items),
                "body": { "query": { "match_all": {} } },
            });
            async move {
                // As the user who asks: Elasticsearch sees the request's credentials.
                let answer = ctx
                    .elasticsearch
                    .data_client()
                    .call_as_current_user("search", params, CallApiOptions::default())
                    .await?;
                let bookmarks: Vec<Value> = answer
                    .pointer("/hits/hits")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|hit| hit.get("_source").cloned())
                    .collect();
                Ok(res.ok(json!({ "bookmarks": bookmarks })))
            }
        });

        router.get(
            RouteConfig::new(
                "/welcome/{name}",
                RouteValidation::new().params::<WelcomeParams>(),
            ),
            move |_ctx, req, res| {
                let message = greeter.greet(&req.params().name);
                async move { Ok(res.ok(json!({ "message": message }))) }
            },
        );

        core.http.register_router(router)?;
        self.log
            .info(format_args!("bookmarks are kept in [{}]", config.index));
        Ok(BookmarksSetup {
            index: config.index.clone(),
        })
    }

    async fn start(&mut self, _core: CoreStart, _deps: StartDeps) -> anyhow::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use core_server::RouteMethod;
    use core_server::testing::{MockDeps, TestCore, TestRequest};
    use example_greeting_plugin::GreetingConfig;
    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;

    /// Runs `setup` with the given config, the greeting plugin mocked.
    async fn set_up(config: Value) -> (TestCore, BookmarksSetup) {
        let core = TestCore::new(include_str!("../kibana.json"), config)
            .await
            .unwrap();
        let greeter = Greeter::new(GreetingConfig::default());
        let deps = MockDeps::new("bookmarks").required::<GreetingPlugin>("greeting", greeter, ());
        let contract = BookmarksPlugin::new(core.context())
            .setup(core.setup(), deps.setup())
            .await
            .unwrap();
        (core, contract)
    }

    #[tokio::test]
    async fn lists_bookmarks_as_the_current_user() {
        let es = MockServer::start().await;
        let hits =
            json!({ "hits": { "hits": [ { "_source": { "url": "https://www.elastic.co" } } ] } });
        Mock::given(method("POST"))
            .and(path("/links/_search"))
            .and(header("authorization", "Basic YW5hOnNlY3JldA=="))
            .respond_with(ResponseTemplate::new(200).set_body_json(hits))
            .mount(&es)
            .await;
        let config = json!({
            "bookmarks": { "index": "links" },
            "elasticsearch": { "hosts": [es.uri()] },
        });
        let (core, contract) = set_up(config).await;
        assert_eq!(contract.index(), "links");

        let request = TestRequest::new().header("authorization", "Basic YW5hOnNlY3JldA==");
        let response = core
            .call(RouteMethod::Get, "/api/bookmarks", request)
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.json(),
            json!({ "bookmarks": [ { "url": "https://www.elastic.co" } ] })
        );
        assert!(
            core.logs()
                .lines()
                .contains(&"[info][plugins.bookmarks] bookmarks are kept in [links]".to_owned())
        );
    }

    #[tokio::test]
    async fn refuses_a_size_above_max_items() {
        let (core, _) = set_up(json!({ "bookmarks": { "maxItems": 5 } })).await;
        let request = TestRequest::new().query("size=6");
        let response = core
            .call(RouteMethod::Get, "/api/bookmarks", request)
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        assert_eq!(
            response.json()["message"],
            "[request query.size]: Value is [6] but it must be equal to or lower than [5]."
        );
    }

    #[tokio::test]
    async fn welcomes_with_the_greeting_plugins_words() {
        let (core, _) = set_up(json!({})).await;
        let request = TestRequest::new().param("name", "Ana");
        let response = core
            .call(RouteMethod::Get, "/api/bookmarks/welcome/{name}", request)
            .await
            .unwrap();
        assert_eq!(response.json(), json!({ "message": "Hello, Ana!" }));
    }

    #[tokio::test]
    async fn max_items_out_of_range_names_the_key() {
        let core = TestCore::new(
            include_str!("../kibana.json"),
            json!({ "bookmarks": { "maxItems": 0 } }),
        )
        .await
        .unwrap();
        let error = core
            .context()
            .config()
            .create::<BookmarksConfig>()
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "[bookmarks.maxItems]: Value is [0] but it must be between [1] and [100]."
        );
    }
}
