//! `GET /api/oas`: the OpenAPI 3.1 document of every registered route (Kibana 8's path), with
//! Kibana's `pathStartsWith` and `pluginId` filters.

use std::sync::Arc;

use core_http::{
    AuthRequired, OpenApiInfo, RouteConfig, RouteDocs, RouteInfo, RouteOptions, RouteValidation,
    Router, openapi_document,
};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::route_owners::RouteOwners;

/// The path of the OpenAPI document.
pub const OAS_PATH: &str = "/api/oas";

/// The title of the OpenAPI document.
pub const OAS_TITLE: &str = "core-server";

/// Which routes the document covers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OasFilter {
    /// Only routes whose path starts with one of these (repeat the parameter for several).
    #[serde(default)]
    pub path_starts_with: Vec<String>,
    /// Only the routes of this plugin (`core` for core's own).
    pub plugin_id: Option<String>,
}

impl OasFilter {
    /// Whether the route `route`, owned by `owner`, passes the filter.
    ///
    /// # Arguments
    ///
    /// * `route` - the route.
    /// * `owner` - who registered it: a plugin id, or `core`.
    pub fn matches(&self, route: &RouteInfo, owner: &str) -> bool {
        let path_ok = self.path_starts_with.is_empty()
            || self
                .path_starts_with
                .iter()
                .any(|prefix| route.full_path.starts_with(prefix.as_str()));
        path_ok && self.plugin_id.as_deref().is_none_or(|id| id == owner)
    }
}

/// The OpenAPI document of `routes` (route, owner) that pass `filter`.
///
/// # Arguments
///
/// * `version` - the server's version, the document's `info.version`.
/// * `routes` - the registered routes with their owners.
/// * `filter` - which of them to document.
pub fn oas_document(version: &str, routes: &[(RouteInfo, String)], filter: &OasFilter) -> Value {
    let info = OpenApiInfo {
        title: OAS_TITLE.to_owned(),
        version: version.to_owned(),
    };
    openapi_document(
        &info,
        routes
            .iter()
            .filter(|(route, owner)| filter.matches(route, owner))
            .map(|(route, owner)| (route, owner.as_str())),
    )
}

/// The core router serving [`OAS_PATH`] when `server.oas.enabled`: no authentication (as in
/// Kibana), `Cache-Control: must-revalidate`, and one document built at a time (building walks
/// every route's schemas), the others waiting their turn.
pub(crate) fn oas_router(owners: RouteOwners, version: String) -> Router {
    let version: Arc<str> = Arc::from(version);
    let building = Arc::new(tokio::sync::Semaphore::new(1));
    let mut router = Router::new("/api");
    let options = RouteOptions::new().auth_required(AuthRequired::NotRequired);
    let docs = RouteDocs::new()
        .summary("The OpenAPI document of the server's routes")
        .description(
            "Every registered route, tagged with the plugin that registered it (`core` for \
             core's own), with the schemas its validation declares.",
        )
        .response(200, "The OpenAPI 3.1 document");
    router.get(
        RouteConfig::new(
            "/oas",
            RouteValidation::new().query_documented::<OasFilter>(),
        )
        .options(options)
        .docs(docs),
        move |request, response| {
            let version = Arc::clone(&version);
            let owners = owners.clone();
            let building = Arc::clone(&building);
            async move {
                // Never closed, so `acquire` cannot fail; if it did, building anyway is safe.
                let _turn = building.acquire().await.ok();
                let document = oas_document(&version, &owners.routes(), request.query());
                Ok(response
                    .ok(document)
                    .header("cache-control", "must-revalidate"))
            }
        },
    );
    router
}
