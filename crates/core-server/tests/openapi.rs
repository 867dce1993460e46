//! `GET /api/oas` over real HTTP: the document validates against the official OpenAPI 3.1
//! schema, shows a test plugin's routes with their schemas, and its filters work.

use core_server::testing::TestServer;
use core_server::{
    AuthRequired, Core, CoreSetup, CoreStart, Plugin, PluginRegistration, RouteConfig, RouteDocs,
    RouteOptions, RouteValidation, SetupDeps, StartDeps,
};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, JsonSchema)]
struct ItemParams {
    /// The item's number.
    id: u32,
}

#[derive(Deserialize, JsonSchema)]
#[allow(dead_code)]
struct ItemQuery {
    /// Include everything.
    verbose: Option<bool>,
}

#[derive(Deserialize, JsonSchema)]
#[allow(dead_code)]
struct NewItem {
    name: String,
    #[serde(default)]
    tags: Vec<String>,
}

#[derive(JsonSchema)]
#[allow(dead_code)]
struct Item {
    id: u32,
    name: String,
}

/// Has no `JsonSchema`: declared with the plain `params`, it still compiles and documents.
#[derive(Deserialize)]
struct Untyped {
    #[allow(dead_code)]
    name: Option<String>,
}

struct Documented;

impl Plugin<Core> for Documented {
    type Setup = ();
    type Start = ();

    async fn setup(&mut self, core: CoreSetup, _deps: SetupDeps) -> anyhow::Result<()> {
        let mut router = core.http.create_router("/api/documented");
        router.get(
            RouteConfig::new(
                "/items/{id}",
                RouteValidation::new()
                    .params_documented::<ItemParams>()
                    .query_documented::<ItemQuery>(),
            )
            .docs(
                RouteDocs::new()
                    .summary("One item")
                    .tag("items")
                    .response_with::<Item>(200, "The item")
                    .response(404, "No such item"),
            ),
            |_ctx, req, res| async move { Ok(res.ok(json!({ "id": req.params().id }))) },
        );
        router.post(
            RouteConfig::new(
                "/items",
                RouteValidation::new().body_documented::<NewItem>(),
            ),
            |_ctx, _req, res| async move { Ok(res.ok(json!({}))) },
        );
        router.put(
            RouteConfig::new("/hook", RouteValidation::new().body::<Untyped>()).options(
                RouteOptions::new()
                    .xsrf_required(false)
                    .auth_required(AuthRequired::NotRequired),
            ),
            |_ctx, _req, res| async move { Ok(res.no_content()) },
        );
        router.get(
            RouteConfig::new("/optional/{name?}", RouteValidation::none())
                .options(RouteOptions::new().auth_required(AuthRequired::Optional)),
            |_ctx, _req, res| async move { Ok(res.ok(json!({}))) },
        );
        core.http.register_router(router)?;
        Ok(())
    }

    async fn start(&mut self, _core: CoreStart, _deps: StartDeps) -> anyhow::Result<()> {
        Ok(())
    }
}

fn registration() -> PluginRegistration {
    let manifest =
        r#"{ "id": "documented", "version": "1.0.0", "kibanaVersion": "kibana", "server": true }"#;
    PluginRegistration::new::<Documented>(manifest, "test/documented/kibana.json", |_| Documented)
}

async fn get(server: &TestServer, path: &str) -> (u16, Value) {
    let response = reqwest::get(server.url(path)).await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn paths(document: &Value) -> Vec<String> {
    document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

/// Every error of `document` against the official OpenAPI 3.1 schema.
fn openapi_errors(document: &Value) -> Vec<String> {
    let schema: Value =
        serde_json::from_str(include_str!("fixtures/openapi/schema-3.1.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    validator
        .iter_errors(document)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect()
}

#[tokio::test]
async fn the_document_is_valid_openapi_and_shows_each_routes_schemas() {
    let server = TestServer::start(vec![registration()], oas_enabled())
        .await
        .unwrap();
    let (status, document) = get(&server, "/api/oas").await;
    assert_eq!(status, 200);
    // The validator does refuse what is not OpenAPI 3.1.
    assert!(!openapi_errors(&json!({ "openapi": "3.1.0", "paths": {} })).is_empty());
    assert!(
        !openapi_errors(
            &json!({ "openapi": "3.0.3", "info": { "title": "t", "version": "1" }, "paths": {} })
        )
        .is_empty()
    );
    let errors = openapi_errors(&document);
    assert!(errors.is_empty(), "{errors:#?}\n{document:#}");
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(
        paths(&document),
        [
            "/api/documented/hook",
            "/api/documented/items",
            "/api/documented/items/{id}",
            "/api/documented/optional",
            "/api/documented/optional/{name}",
            "/api/oas",
            "/api/stats",
            "/api/status",
        ]
    );
    let tags: Vec<&str> = document["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tag| tag["name"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["core", "documented", "items"]);

    let item = &document["paths"]["/api/documented/items/{id}"]["get"];
    assert_eq!(item["tags"], json!(["documented", "items"]));
    assert_eq!(item["summary"], "One item");
    assert_eq!(
        item["parameters"],
        json!([
            { "name": "id", "in": "path", "required": true, "description": "The item's number.",
              "schema": { "type": "integer", "format": "uint32", "minimum": 0,
                          "description": "The item's number." } },
            { "name": "verbose", "in": "query", "required": false, "description": "Include everything.",
              "schema": { "type": ["boolean", "null"], "description": "Include everything." } },
        ])
    );
    assert_eq!(
        item["responses"]["200"]["content"]["application/json"]["schema"],
        json!({ "$ref": "#/components/schemas/Item" })
    );
    assert_eq!(item["responses"]["404"]["description"], "No such item");
    assert_eq!(item["security"], json!([{ "kibanaAuth": [] }]));
    assert!(document["components"]["schemas"]["Item"]["properties"]["name"].is_object());

    let create = &document["paths"]["/api/documented/items"]["post"];
    assert_eq!(
        create["requestBody"],
        json!({ "required": true, "content": { "application/json": {
            "schema": { "$ref": "#/components/schemas/NewItem" } } } })
    );
    assert_eq!(
        document["components"]["schemas"]["NewItem"]["required"],
        json!(["name"])
    );
    // Non-GET routes need the XSRF header, unless they opted out.
    assert_eq!(create["parameters"][0]["name"], "kbn-xsrf");
    assert_eq!(create["parameters"][0]["in"], "header");
    assert_eq!(create["parameters"][0]["required"], true);
    let hook = &document["paths"]["/api/documented/hook"]["put"];
    assert!(hook.get("parameters").is_none(), "{hook:#}");
    assert_eq!(hook["security"], json!([]));
    // A body without a schema is still a JSON body.
    assert_eq!(
        hook["requestBody"]["content"]["application/json"]["schema"],
        json!({})
    );
    // Without schemas, path params come from the template; `{name?}` gives two paths.
    let optional = &document["paths"]["/api/documented/optional/{name}"]["get"];
    assert_eq!(
        optional["parameters"],
        json!([{ "name": "name", "in": "path", "required": true, "schema": { "type": "string" } }])
    );
    assert_eq!(optional["security"], json!([{ "kibanaAuth": [] }, {}]));
    assert!(document["paths"]["/api/documented/optional"]["get"]["parameters"].is_null());
    assert_eq!(
        document["components"]["securitySchemes"]["kibanaAuth"]["scheme"],
        "basic"
    );
    server.stop().await;
}

#[tokio::test]
async fn plugin_id_path_starts_with_and_exclude_paths_matching_filter_the_routes() {
    let server = TestServer::start(vec![registration()], oas_enabled())
        .await
        .unwrap();
    let (_, core) = get(&server, "/api/oas?pluginId=core").await;
    assert_eq!(paths(&core), ["/api/oas", "/api/stats", "/api/status"]);
    assert_eq!(core["paths"]["/api/oas"]["get"]["tags"], json!(["core"]));

    let (_, plugin) = get(&server, "/api/oas?pluginId=documented").await;
    assert_eq!(paths(&plugin).len(), 5);
    assert!(
        paths(&plugin)
            .iter()
            .all(|path| path.starts_with("/api/documented/"))
    );

    let (_, items) = get(&server, "/api/oas?pathStartsWith=/api/documented/items").await;
    assert_eq!(
        paths(&items),
        ["/api/documented/items", "/api/documented/items/{id}"]
    );
    let (_, two) = get(
        &server,
        "/api/oas?pathStartsWith=/api/status&pathStartsWith=/api/documented/hook",
    )
    .await;
    assert_eq!(paths(&two), ["/api/documented/hook", "/api/status"]);
    let (_, both) = get(
        &server,
        "/api/oas?pathStartsWith=/api/documented/items&pluginId=core",
    )
    .await;
    assert!(paths(&both).is_empty());
    assert!(openapi_errors(&both).is_empty());
    let (_, excluded) = get(
        &server,
        "/api/oas?pluginId=core&excludePathsMatching=/api/stat",
    )
    .await;
    assert_eq!(paths(&excluded), ["/api/oas"]);

    let (status, error) = get(&server, "/api/oas?plugin=core").await;
    assert_eq!(status, 400, "{error}");
    server.stop().await;
}

/// The config that turns the document on.
fn oas_enabled() -> Value {
    json!({ "server": { "oas": { "enabled": true } } })
}

#[tokio::test]
async fn the_document_is_served_only_when_enabled_and_must_be_revalidated() {
    let server = TestServer::start(vec![registration()], json!({}))
        .await
        .unwrap();
    let (status, _) = get(&server, "/api/oas").await;
    assert_eq!(status, 404);
    assert!(
        !server
            .logs()
            .lines()
            .iter()
            .any(|line| line.contains("Registering experimental OAS API"))
    );
    server.stop().await;

    let server = TestServer::start(vec![registration()], oas_enabled())
        .await
        .unwrap();
    let response = reqwest::get(server.url("/api/oas")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "must-revalidate");
    assert!(
        server
            .logs()
            .lines()
            .iter()
            .any(|line| line.contains("[http] Registering experimental OAS API")),
        "{:?}",
        server.logs().lines()
    );
    server.stop().await;
}
