//! `GET /api/oas`: the OpenAPI 3.1 document of every registered route (Kibana 8's path), with
//! Kibana's `pathStartsWith`, `excludePathsMatching` and `pluginId` filters.

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
    /// No route whose path starts with one of these (Kibana's name; like Kibana, a prefix
    /// match), whatever the other filters say.
    #[serde(default)]
    pub exclude_paths_matching: Vec<String>,
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
        let starts_with = |prefix: &String| route.full_path.starts_with(prefix.as_str());
        let excluded = self.exclude_paths_matching.iter().any(starts_with);
        let included =
            self.path_starts_with.is_empty() || self.path_starts_with.iter().any(starts_with);
        !excluded && included && self.plugin_id.as_deref().is_none_or(|id| id == owner)
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

#[cfg(test)]
mod tests {
    //! Kibana's `prepareRoutes` cases (`@kbn/router-to-openapispec`, `util.test.ts`), on the
    //! filters this server has. Routes here have no `access` level (see the crate README): case 2,
    //! which filters on `access` alone, has no counterpart, and cases 3 and 4 are ported without
    //! their `access` filter (their expected routes are the same).

    use core_http::{RouteMethod, RouteSchemas};

    use super::*;

    fn route(full_path: &str) -> RouteInfo {
        RouteInfo {
            method: RouteMethod::Get,
            path: full_path.to_owned(),
            full_path: full_path.to_owned(),
            options: RouteOptions::new(),
            schemas: RouteSchemas::default(),
            docs: RouteDocs::new(),
        }
    }

    fn kept<'a>(paths: &[&'a str], filter: &OasFilter) -> Vec<&'a str> {
        paths
            .iter()
            .copied()
            .filter(|path| filter.matches(&route(path), "owner"))
            .collect()
    }

    fn prefixes(prefixes: &[&str]) -> Vec<String> {
        prefixes.iter().map(|prefix| (*prefix).to_owned()).collect()
    }

    #[test]
    fn returns_the_expected_routes_0_no_filters() {
        assert_eq!(kept(&["/api/foo"], &OasFilter::default()), ["/api/foo"]);
    }

    #[test]
    fn returns_the_expected_routes_1_path_starts_with() {
        let filter = OasFilter {
            path_starts_with: prefixes(&["/api/bar"]),
            ..OasFilter::default()
        };
        assert_eq!(kept(&["/api/foo", "/api/bar"], &filter), ["/api/bar"]);
    }

    #[test]
    fn returns_the_expected_routes_3_path_starts_with() {
        let filter = OasFilter {
            path_starts_with: prefixes(&["/api/foo"]),
            ..OasFilter::default()
        };
        assert_eq!(
            kept(&["/api/foo", "/api/bar", "/api/baz"], &filter),
            ["/api/foo"]
        );
    }

    #[test]
    fn returns_the_expected_routes_4_exclude_paths_matching() {
        let filter = OasFilter {
            exclude_paths_matching: prefixes(&["/api/b"]),
            ..OasFilter::default()
        };
        assert_eq!(
            kept(&["/api/foo", "/api/bar", "/api/baz"], &filter),
            ["/api/foo"]
        );
    }

    #[test]
    fn an_exclusion_wins_over_an_inclusion() {
        let filter = OasFilter {
            path_starts_with: prefixes(&["/api/b"]),
            exclude_paths_matching: prefixes(&["/api/baz"]),
            ..OasFilter::default()
        };
        assert_eq!(
            kept(&["/api/foo", "/api/bar", "/api/baz"], &filter),
            ["/api/bar"]
        );
    }
}
