//! An example plugin that searches Elasticsearch **as the current user**.
//!
//! `GET /api/search?q=<query string>&size=<n>` runs a `search` on `search.index` through the
//! data client scoped to the request (the handler's [`RequestHandlerContext`]): Elasticsearch
//! sees the caller's `Authorization` header, never the server's own credentials. It requires the
//! `greeting` plugin (its [`Greeter`] words the answer) and optionally uses `sessionAuth` (when
//! present, that plugin's auth handler decides who the current user is).
//!
//! `GET /api/search/raw?q=<query string>&size=<n>` runs the same search, with the same
//! validation, and forwards Elasticsearch's answer as it arrives, unparsed
//! ([`ScopedClusterClient::call_as_current_user_stream`](core_server::ScopedClusterClient::call_as_current_user_stream)):
//! the server holds one chunk of it at a time, whatever its size.
//!
//! Elasticsearch errors reach the client through `?` with the status they stand for: `503` when
//! Elasticsearch cannot be reached, `401` with its `WWW-Authenticate` challenge when it refuses
//! the user (see core-server's `Router`).

use std::sync::Arc;

use core_server::{
    CallApiOptions, ConfigSchema, Core, CoreSetup, CoreStart, Empty, HandlerResult, KibanaResponse,
    Logger, Plugin, PluginInitializerContext, PluginRegistration, RequestHandlerContext,
    RequestValidationError, ResponseBody, RouteConfig, RouteDocs, RouteValidation, Router,
    SetupDeps, StartDeps, ValidationError,
};
use example_greeting_plugin::{Greeter, GreetingPlugin};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

/// `search.*` in `kibana.yml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct SearchConfig {
    /// `search.enabled: false` turns the plugin off.
    pub enabled: bool,
    /// The index pattern searched.
    pub index: String,
    /// The largest `size` a request may ask for.
    pub max_size: u32,
}

impl Default for SearchConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            index: "*".to_owned(),
            max_size: 100,
        }
    }
}

impl ConfigSchema for SearchConfig {
    fn validate(&self) -> Result<(), ValidationError> {
        if self.index.trim().is_empty() {
            return Err(ValidationError::new("index", "must not be empty"));
        }
        Ok(())
    }
}

/// The plugin's setup contract: where it searches.
#[derive(Debug, Clone)]
pub struct SearchSetup {
    /// The index pattern searched.
    pub index: String,
}

/// The search plugin.
pub struct SearchPlugin {
    context: PluginInitializerContext,
    log: Logger,
}

impl SearchPlugin {
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
    core_server::plugin_registration!(SearchPlugin, SearchPlugin::new).with_config::<SearchConfig>()
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct SearchQuery {
    /// The query, in Elasticsearch's `query_string` syntax; not blank.
    q: String,
    /// How many hits to return, at most `search.maxSize`.
    #[serde(default = "default_size")]
    size: u32,
}

fn default_size() -> u32 {
    10
}

/// The `search` params of a query.
fn search_params(index: &str, query: &SearchQuery) -> Value {
    json!({
        "index": index,
        "size": query.size,
        "body": { "query": { "query_string": { "query": query.q } } },
    })
}

/// One search as the current user, answered in a small, stable shape. An Elasticsearch error
/// answers for itself through `?`: `503` while Elasticsearch is unreachable, `401` with its
/// challenge when it refuses the user, its own status and reason for other `4xx`.
async fn search(
    ctx: RequestHandlerContext,
    index: &str,
    query: &SearchQuery,
    greeter: &Greeter,
) -> HandlerResult {
    let params = search_params(index, query);
    let answer = ctx
        .elasticsearch
        .data_client()
        .call_as_current_user("search", params, CallApiOptions::default())
        .await?;
    let hits = answer
        .pointer("/hits/hits")
        .and_then(Value::as_array)
        .map(|hits| {
            hits.iter()
                .map(|hit| hit.get("_source").cloned().unwrap_or(Value::Null))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let total = answer
        .pointer("/hits/total/value")
        .or_else(|| answer.pointer("/hits/total"));
    Ok(KibanaResponse::new(
        200,
        json!({ "message": greeter.greet("searcher"), "total": total, "hits": hits }),
    ))
}

/// One search as the current user, its answer forwarded as Elasticsearch sends it: status,
/// content type and body, chunk by chunk as they arrive. An error before the answer starts
/// (unreachable, refused, `4xx`, an answer declaring more than `maxResponseSize`) answers for
/// itself through `?` as in [`search`]; one once the answer has started (the connection to
/// Elasticsearch broke, or the bytes passed `maxResponseSize`) cuts the response short, so the
/// client sees an incomplete body rather than a truncated one passing for whole.
async fn raw_search(ctx: RequestHandlerContext, index: &str, query: &SearchQuery) -> HandlerResult {
    let answer = ctx
        .elasticsearch
        .data_client()
        .call_as_current_user_stream(
            "search",
            search_params(index, query),
            CallApiOptions::default(),
        )
        .await?;
    let status = answer.status();
    let content_type = answer
        .content_type()
        .unwrap_or("application/json")
        .to_owned();
    Ok(KibanaResponse::new(
        status,
        ResponseBody::stream(answer.into_body().into_io_stream()),
    )
    .header("content-type", content_type))
}

/// The validation of both search routes: `q` must not be blank, `size` at most `maxSize`.
fn search_validation(max_size: u32) -> RouteValidation<Empty, SearchQuery, Empty> {
    RouteValidation::new()
        .query_documented::<SearchQuery>()
        .check(move |_, query: &SearchQuery, _| {
            if query.q.trim().is_empty() {
                return Err(RequestValidationError::query("q", "must not be empty"));
            }
            if query.size > max_size {
                let message = format!(
                    "Value is [{}] but it must be equal to or lower than [{max_size}].",
                    query.size
                );
                return Err(RequestValidationError::query("size", message));
            }
            Ok(())
        })
}

/// `GET /api/search` and `GET /api/search/raw` on `router` (prefix `/api`).
fn routes(router: &mut Router, config: &SearchConfig, greeter: Arc<Greeter>) {
    let index = config.index.clone();
    router.get(
        RouteConfig::new("/search", search_validation(config.max_size)).docs(
            RouteDocs::new()
                .summary("Searches the configured index as the current user")
                .response(200, "`message`, `total` and the hits' sources")
                .response(503, "Elasticsearch is unreachable"),
        ),
        move |ctx, req, _res| {
            let (index, greeter) = (index.clone(), Arc::clone(&greeter));
            async move { search(ctx, &index, req.query(), &greeter).await }
        },
    );
    let index = config.index.clone();
    router.get(
        RouteConfig::new("/search/raw", search_validation(config.max_size)).docs(
            RouteDocs::new()
                .summary("Searches as the current user; Elasticsearch's answer as it is sent")
                .response(200, "Elasticsearch's search answer, streamed"),
        ),
        move |ctx, req, _res| {
            let index = index.clone();
            async move { raw_search(ctx, &index, req.query()).await }
        },
    );
}

impl Plugin<Core> for SearchPlugin {
    type Setup = SearchSetup;
    type Start = ();

    async fn setup(&mut self, core: CoreSetup, deps: SetupDeps) -> anyhow::Result<SearchSetup> {
        let config = self.context.config().create::<SearchConfig>()?.current();
        let greeter: Arc<Greeter> = deps.get_arc::<GreetingPlugin>()?;
        if deps.available().any(|id| id == "sessionAuth") {
            self.log
                .info("sessionAuth is present: searches run as the user it authenticates");
        } else {
            self.log.info(
                "sessionAuth is not available: searching with the caller's Authorization header",
            );
        }

        let mut router = core.http.create_router("/api");
        routes(&mut router, &config, greeter);
        core.http.register_router(router)?;
        Ok(SearchSetup {
            index: config.index.clone(),
        })
    }

    async fn start(&mut self, _core: CoreStart, _deps: StartDeps) -> anyhow::Result<()> {
        Ok(())
    }

    async fn stop(&mut self) -> anyhow::Result<()> {
        self.log.info("search plugin stopped");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use core_server::RouteMethod;
    use core_server::testing::{MockDeps, TestCore, TestRequest, TestResponse};
    use example_greeting_plugin::GreetingConfig;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;

    /// Runs the plugin's `setup` against a test core whose Elasticsearch is `es_url`, with the
    /// greeting dependency mocked, then calls `GET /api/search` with `request`.
    async fn search_route(es_url: String, request: TestRequest) -> TestResponse {
        call_route(es_url, "/api/search", request).await
    }

    /// [`search_route`] for the route at `route` (`/api/search` or `/api/search/raw`).
    async fn call_route(es_url: String, route: &str, request: TestRequest) -> TestResponse {
        let config = json!({
            "search": { "index": "books", "maxSize": 20 },
            "elasticsearch": { "hosts": [es_url] },
        });
        let core = TestCore::new(include_str!("../kibana.json"), config)
            .await
            .unwrap();
        let greeter = Greeter::new(GreetingConfig::default());
        let deps = MockDeps::new("search").required::<GreetingPlugin>("greeting", greeter, ());
        let contract = SearchPlugin::new(core.context())
            .setup(core.setup(), deps.setup())
            .await
            .unwrap();
        assert_eq!(contract.index, "books");
        core.call(RouteMethod::Get, route, request).await.unwrap()
    }

    #[tokio::test]
    async fn searches_as_the_caller() {
        let es = MockServer::start().await;
        let hits = json!({ "hits": { "total": { "value": 2 }, "hits": [ { "_source": { "t": 1 } }, { "_source": { "t": 2 } } ] } });
        Mock::given(method("POST"))
            .and(path("/books/_search"))
            .respond_with(ResponseTemplate::new(200).set_body_json(hits))
            .mount(&es)
            .await;
        let request = TestRequest::new()
            .query("q=t:1&size=2")
            .header("authorization", "Bearer caller");
        let response = search_route(es.uri(), request).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.json(),
            json!({ "message": "Hello, searcher!", "total": 2, "hits": [ { "t": 1 }, { "t": 2 } ] })
        );
        let sent = es.received_requests().await.unwrap();
        assert_eq!(
            sent[0].headers.get("authorization").unwrap(),
            "Bearer caller"
        );
    }

    #[tokio::test]
    async fn answers_503_when_elasticsearch_is_down_and_400_for_bad_queries() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let response =
            search_route(format!("http://{closed}"), TestRequest::new().query("q=x")).await;
        assert_eq!(response.status(), 503);
        assert_eq!(
            response.json()["message"],
            "Elasticsearch is unavailable, try again later."
        );

        let response = search_route(
            format!("http://{closed}"),
            TestRequest::new().query("q=x&size=21"),
        )
        .await;
        assert_eq!(response.status(), 400);
        assert_eq!(
            response.json()["message"],
            "[request query.size]: Value is [21] but it must be equal to or lower than [20]."
        );
    }

    #[tokio::test]
    async fn the_raw_route_forwards_the_answer_as_elasticsearch_sent_it() {
        let es = MockServer::start().await;
        // Not what serde_json would write: spacing, key order and a 2 MiB string survive only
        // if the bytes are forwarded untouched.
        let answer = format!(
            "{{ \"took\" : 3,\n  \"hits\" : {{ \"total\" : {{ \"value\" : 1 }}, \"hits\" : [ {{ \"_source\" : {{ \"t\" : \"{}\" }} }} ] }} }}\n",
            "x".repeat(2 << 20)
        );
        Mock::given(method("POST"))
            .and(path("/books/_search"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(answer.clone(), "application/json; charset=UTF-8"),
            )
            .mount(&es)
            .await;
        let request = TestRequest::new()
            .query("q=t:x&size=2")
            .header("authorization", "Bearer caller");
        let response = call_route(es.uri(), "/api/search/raw", request).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.header("content-type"),
            Some("application/json; charset=UTF-8")
        );
        assert!(response.body() == answer.as_bytes(), "the body was changed");

        let sent = es.received_requests().await.unwrap();
        assert_eq!(
            sent[0].headers.get("authorization").unwrap(),
            "Bearer caller"
        );
        assert_eq!(sent[0].url.query(), Some("size=2"));
        assert_eq!(
            serde_json::from_slice::<Value>(&sent[0].body).unwrap(),
            json!({ "query": { "query_string": { "query": "t:x" } } })
        );
    }

    #[tokio::test]
    async fn the_raw_route_validates_like_the_search_route_and_passes_errors_on() {
        let es = MockServer::start().await;
        let missing = json!({ "error": { "type": "index_not_found_exception", "reason": "no such index [books]" }, "status": 404 });
        Mock::given(method("POST"))
            .and(path("/books/_search"))
            .respond_with(ResponseTemplate::new(404).set_body_json(missing))
            .mount(&es)
            .await;
        let response = call_route(
            es.uri(),
            "/api/search/raw",
            TestRequest::new().query("q=x&size=21"),
        )
        .await;
        assert_eq!(response.status(), 400);
        assert_eq!(
            response.json()["message"],
            "[request query.size]: Value is [21] but it must be equal to or lower than [20]."
        );
        let response = call_route(
            es.uri(),
            "/api/search/raw",
            TestRequest::new().query("q=%20"),
        )
        .await;
        assert_eq!(response.status(), 400);
        assert!(es.received_requests().await.unwrap().is_empty());

        let response =
            call_route(es.uri(), "/api/search/raw", TestRequest::new().query("q=x")).await;
        assert_eq!(response.status(), 404);
        assert_eq!(
            response.json()["message"],
            "[index_not_found_exception] no such index [books]"
        );

        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let response = call_route(
            format!("http://{closed}"),
            "/api/search/raw",
            TestRequest::new().query("q=x"),
        )
        .await;
        assert_eq!(response.status(), 503);
    }

    #[tokio::test]
    async fn setup_fails_without_its_required_dependency() {
        let core = TestCore::new(include_str!("../kibana.json"), json!({}))
            .await
            .unwrap();
        let error = SearchPlugin::new(core.context())
            .setup(core.setup(), MockDeps::new("search").setup())
            .await
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "Plugin \"search\" asked for the setup contract of `{}`, which is not a plugin registered in this server.",
                std::any::type_name::<GreetingPlugin>()
            )
        );
    }
}
