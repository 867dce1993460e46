//! Route documentation and the OpenAPI 3.1 document built from it.
//!
//! A route is documented by what it already declares (path, method, options, validation) plus,
//! optionally:
//! * the JSON Schemas of its params, query and body, captured when they are declared with
//!   [`RouteValidation::params_documented`](crate::RouteValidation::params_documented),
//!   [`query_documented`](crate::RouteValidation::query_documented) or
//!   [`body_documented`](crate::RouteValidation::body_documented) (types deriving
//!   `schemars::JsonSchema`);
//! * a [`RouteDocs`] given with [`RouteConfig::docs`](crate::RouteConfig::docs): summary,
//!   description, tags and responses.
//!
//! [`openapi_document`] turns routes into the document: plain `serde_json` values, since the
//! schemas come from `schemars` as JSON Schema 2020-12, which OpenAPI 3.1 embeds as it is.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value, json};

use crate::route::{AuthRequired, RouteMethod};
use crate::router::RouteInfo;

/// The JSON Schema of a Rust type, generated on demand (the type must implement
/// `schemars::JsonSchema`).
#[derive(Clone, Copy)]
pub struct TypeSchema {
    type_name: &'static str,
    generate: fn(&mut SchemaGenerator) -> schemars::Schema,
}

impl TypeSchema {
    /// The schema of `T`.
    pub fn of<T: JsonSchema + ?Sized>() -> Self {
        Self {
            type_name: std::any::type_name::<T>(),
            generate: |generator| generator.subschema_for::<T>(),
        }
    }

    /// The Rust type's name, as `std::any::type_name` gives it.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// The schema, with any named subschema as a `$ref` into `generator`'s definitions (or
    /// inline, as the generator's settings say).
    ///
    /// # Arguments
    ///
    /// * `generator` - collects the definitions the schema refers to.
    pub fn generate(&self, generator: &mut SchemaGenerator) -> Value {
        (self.generate)(generator).to_value()
    }
}

impl fmt::Debug for TypeSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TypeSchema").field(&self.type_name).finish()
    }
}

/// Two schemas are equal when they are of the same type.
impl PartialEq for TypeSchema {
    fn eq(&self, other: &Self) -> bool {
        self.type_name == other.type_name
    }
}

impl Eq for TypeSchema {}

/// What the documentation knows of one request part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PartSchema {
    /// Not declared: the part is ignored ([`Empty`](crate::Empty)).
    #[default]
    Undeclared,
    /// Declared with a type whose schema is not known (`params`, `query`, `body`).
    Untyped,
    /// Declared with a documented type (`params_documented`, ...).
    Typed(TypeSchema),
}

/// The schemas of a route's params, query and body, as its validation declared them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RouteSchemas {
    /// The path params.
    pub params: PartSchema,
    /// The query string.
    pub query: PartSchema,
    /// The JSON body.
    pub body: PartSchema,
}

/// One documented response of a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseDoc {
    /// The status code.
    pub status: u16,
    /// What the response means.
    pub description: String,
    /// The schema of its JSON body, if documented.
    pub schema: Option<TypeSchema>,
}

/// The human side of a route's documentation: summary, description, tags, responses.
///
/// ```
/// use core_http::{RouteConfig, RouteDocs, RouteValidation};
/// #[derive(serde::Serialize, schemars::JsonSchema)]
/// struct Item { id: String }
/// let config = RouteConfig::new("/items", RouteValidation::none()).docs(
///     RouteDocs::new()
///         .summary("List the items")
///         .response_with::<Vec<Item>>(200, "The items")
///         .response(404, "No items yet"),
/// );
/// assert_eq!(config.docs.responses.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RouteDocs {
    /// One line on what the route does.
    pub summary: Option<String>,
    /// More on what the route does (CommonMark).
    pub description: Option<String>,
    /// Tags added to the owner's (a plugin id, or `core`) in the document.
    pub tags: Vec<String>,
    /// The documented responses, by status code.
    pub responses: Vec<ResponseDoc>,
}

impl RouteDocs {
    /// Nothing documented yet.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the summary.
    ///
    /// # Arguments
    ///
    /// * `summary` - one line on what the route does.
    pub fn summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = Some(summary.into());
        self
    }
    /// Sets the description.
    ///
    /// # Arguments
    ///
    /// * `description` - more on what the route does, in CommonMark.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
    /// Adds a tag.
    ///
    /// # Arguments
    ///
    /// * `tag` - a tag listed after the route's owner in the document.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }
    /// Documents a response without a body schema.
    ///
    /// # Arguments
    ///
    /// * `status` - the status code.
    /// * `description` - what the response means.
    pub fn response(mut self, status: u16, description: impl Into<String>) -> Self {
        self.responses.push(ResponseDoc {
            status,
            description: description.into(),
            schema: None,
        });
        self
    }
    /// Documents a response whose JSON body is a `T`.
    ///
    /// # Arguments
    ///
    /// * `status` - the status code.
    /// * `description` - what the response means.
    pub fn response_with<T: JsonSchema + ?Sized>(
        mut self,
        status: u16,
        description: impl Into<String>,
    ) -> Self {
        self.responses.push(ResponseDoc {
            status,
            description: description.into(),
            schema: Some(TypeSchema::of::<T>()),
        });
        self
    }
}

/// The name of the security scheme that routes requiring authentication refer to.
pub const OPENAPI_SECURITY_SCHEME: &str = "kibanaAuth";

/// The document's `info`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenApiInfo {
    /// The API's title.
    pub title: String,
    /// The API's version (the server's).
    pub version: String,
}

/// The OpenAPI 3.1 document of `routes`, each with its owner (a plugin id, or `core`), which
/// becomes the operation's first tag. Paths and tags are sorted, so the same routes always
/// give the same document.
///
/// # Arguments
///
/// * `info` - the document's title and version.
/// * `routes` - the routes with their owners.
pub fn openapi_document<'a>(
    info: &OpenApiInfo,
    routes: impl IntoIterator<Item = (&'a RouteInfo, &'a str)>,
) -> Value {
    let mut components = SchemaSettings::draft2020_12()
        .with(|settings| {
            settings.definitions_path = "/components/schemas".into();
            settings.meta_schema = None;
        })
        .into_generator();
    let mut inline = SchemaSettings::draft2020_12()
        .with(|settings| {
            settings.inline_subschemas = true;
            settings.meta_schema = None;
        })
        .into_generator();
    let mut routes: Vec<(&RouteInfo, &str)> = routes.into_iter().collect();
    routes.sort_by(|a, b| {
        (&a.0.full_path, a.0.method.as_str()).cmp(&(&b.0.full_path, b.0.method.as_str()))
    });
    let mut paths: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut tags = BTreeSet::new();
    let mut secured = false;
    for (route, owner) in routes {
        tags.insert(owner.to_owned());
        tags.extend(route.docs.tags.iter().cloned());
        secured |= route.options.auth_required != AuthRequired::NotRequired;
        for (path, optional_dropped) in path_variants(&route.full_path) {
            let operation = operation(
                route,
                owner,
                &path,
                optional_dropped,
                &mut components,
                &mut inline,
            );
            paths
                .entry(path)
                .or_default()
                .insert(method_key(route.method).to_owned(), operation);
        }
    }
    let mut component_map = Map::new();
    let schemas = components.take_definitions(true);
    if !schemas.is_empty() {
        let sorted: BTreeMap<String, Value> = schemas.into_iter().collect();
        component_map.insert("schemas".into(), json!(sorted));
    }
    if secured {
        component_map.insert(
            "securitySchemes".into(),
            json!({
                OPENAPI_SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "basic",
                    "description": "The credentials the server's auth handler accepts: Basic \
                        credentials checked by Elasticsearch, or whatever the plugin that \
                        registered the handler documents (a session cookie, a token)."
                }
            }),
        );
    }
    let mut document = Map::new();
    document.insert("openapi".into(), json!("3.1.0"));
    document.insert(
        "info".into(),
        json!({ "title": info.title, "version": info.version }),
    );
    document.insert(
        "tags".into(),
        Value::Array(tags.into_iter().map(|tag| json!({ "name": tag })).collect()),
    );
    document.insert("paths".into(), json!(paths));
    if !component_map.is_empty() {
        document.insert("components".into(), Value::Object(component_map));
    }
    Value::Object(document)
}

fn method_key(method: RouteMethod) -> &'static str {
    match method {
        RouteMethod::Get => "get",
        RouteMethod::Post => "post",
        RouteMethod::Put => "put",
        RouteMethod::Delete => "delete",
        RouteMethod::Patch => "patch",
    }
}

/// The OpenAPI paths of a route path: `/a/{x?}` is `/a/{x}` and `/a` (with the optional param
/// dropped, flagged `true`), since an OpenAPI path param is always required.
fn path_variants(full_path: &str) -> Vec<(String, bool)> {
    match full_path.rsplit_once('/') {
        Some((head, last)) if last.starts_with('{') && last.ends_with("?}") => {
            let name = &last[1..last.len() - 2];
            let without = if head.is_empty() { "/" } else { head };
            vec![
                (format!("{head}/{{{name}}}"), false),
                (without.to_owned(), true),
            ]
        }
        _ => vec![(full_path.to_owned(), false)],
    }
}

/// The names of the `{name}` params of an OpenAPI path.
fn template_params(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| name.trim_end_matches('?').to_owned())
        .collect()
}

fn operation(
    route: &RouteInfo,
    owner: &str,
    path: &str,
    optional_dropped: bool,
    components: &mut SchemaGenerator,
    inline: &mut SchemaGenerator,
) -> Value {
    let mut operation = Map::new();
    let mut tags = vec![owner.to_owned()];
    tags.extend(route.docs.tags.iter().cloned());
    operation.insert("tags".into(), json!(tags));
    if let Some(summary) = &route.docs.summary {
        operation.insert("summary".into(), json!(summary));
    }
    if let Some(description) = &route.docs.description {
        operation.insert("description".into(), json!(description));
    }
    let mut operation_id = format!(
        "{}{}",
        method_key(route.method),
        path.replace(['{', '}'], "")
    )
    .replace(['/', '.'], "-");
    if operation_id.ends_with('-') {
        operation_id.pop();
    }
    operation.insert("operationId".into(), json!(operation_id));

    let mut parameters = Vec::new();
    // Path params: from the template, typed by the params schema where there is one.
    let params_schema = match route.schemas.params {
        PartSchema::Typed(schema) => Some(schema.generate(inline)),
        _ => None,
    };
    for name in template_params(path) {
        let property = params_schema
            .as_ref()
            .and_then(|schema| schema.get("properties")?.get(&name).cloned());
        let mut parameter = json!({
            "name": name,
            "in": "path",
            "required": true,
            "schema": property.clone().unwrap_or_else(|| json!({ "type": "string" })),
        });
        if let Some(description) = property.as_ref().and_then(|p| p.get("description")) {
            parameter["description"] = description.clone();
        }
        parameters.push(parameter);
    }
    if let PartSchema::Typed(schema) = route.schemas.query {
        parameters.extend(query_parameters(&schema.generate(inline), schema));
    }
    if route.method != RouteMethod::Get && route.options.xsrf_required {
        parameters.push(json!({
            "name": "kbn-xsrf",
            "in": "header",
            "required": true,
            "description": "Any value: requests that change state must carry it (or \
                `kbn-version`), so a browser cannot send them from another site.",
            "schema": { "type": "string" },
            "example": "true",
        }));
    }
    if !parameters.is_empty() {
        operation.insert("parameters".into(), Value::Array(parameters));
    }
    if let Some(body) = request_body(route, components) {
        operation.insert("requestBody".into(), body);
    }
    let mut responses = Map::new();
    let mut documented = route.docs.responses.clone();
    documented.sort_by_key(|response| response.status);
    for response in documented {
        let mut entry = json!({ "description": response.description });
        if let Some(schema) = response.schema {
            entry["content"] =
                json!({ "application/json": { "schema": schema.generate(components) } });
        }
        responses.insert(response.status.to_string(), entry);
    }
    if !responses.is_empty() {
        operation.insert("responses".into(), Value::Object(responses));
    }
    let security = match route.options.auth_required {
        AuthRequired::Required => json!([{ OPENAPI_SECURITY_SCHEME: [] }]),
        AuthRequired::Optional => json!([{ OPENAPI_SECURITY_SCHEME: [] }, {}]),
        AuthRequired::NotRequired => json!([]),
    };
    operation.insert("security".into(), security);
    if optional_dropped {
        operation.insert("x-optional-param-omitted".into(), json!(true));
    }
    Value::Object(operation)
}

/// One query parameter per property of an object schema; any other shape is one `form`
/// parameter holding the whole schema.
fn query_parameters(schema: &Value, type_schema: TypeSchema) -> Vec<Value> {
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        let name = type_schema
            .type_name()
            .rsplit("::")
            .next()
            .unwrap_or("query");
        return vec![json!({
            "name": name,
            "in": "query",
            "style": "form",
            "explode": true,
            "schema": schema,
        })];
    };
    let required: BTreeSet<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    properties
        .iter()
        .map(|(name, property)| {
            let mut parameter = json!({
                "name": name,
                "in": "query",
                "required": required.contains(name.as_str()),
                "schema": property,
            });
            if let Some(description) = property.get("description") {
                parameter["description"] = description.clone();
            }
            parameter
        })
        .collect()
}

fn request_body(route: &RouteInfo, components: &mut SchemaGenerator) -> Option<Value> {
    let (schema, required) = match route.schemas.body {
        PartSchema::Undeclared => return None,
        PartSchema::Untyped => (json!({}), false),
        PartSchema::Typed(schema) => {
            let value = schema.generate(components);
            let nullable = accepts_null(&value);
            (value, !nullable)
        }
    };
    let media_types: Vec<&str> = if route.options.body_accepts.is_empty() {
        vec!["application/json"]
    } else {
        route
            .options
            .body_accepts
            .iter()
            .map(String::as_str)
            .collect()
    };
    let content: Map<String, Value> = media_types
        .into_iter()
        .map(|media_type| (media_type.to_owned(), json!({ "schema": schema })))
        .collect();
    Some(json!({ "required": required, "content": content }))
}

/// Whether a schema visibly accepts `null` (an empty body is read as `null`).
fn accepts_null(schema: &Value) -> bool {
    match schema.get("type") {
        Some(Value::String(kind)) => kind == "null",
        Some(Value::Array(kinds)) => kinds.iter().any(|kind| kind == "null"),
        _ => ["anyOf", "oneOf"].iter().any(|key| {
            schema
                .get(*key)
                .and_then(Value::as_array)
                .is_some_and(|options| options.iter().any(accepts_null))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_params_give_two_paths() {
        assert_eq!(
            path_variants("/api/greeting/{name?}"),
            vec![
                ("/api/greeting/{name}".to_owned(), false),
                ("/api/greeting".to_owned(), true)
            ]
        );
        assert_eq!(
            path_variants("/{x?}"),
            vec![("/{x}".to_owned(), false), ("/".to_owned(), true)]
        );
        assert_eq!(path_variants("/a/{b}"), vec![("/a/{b}".to_owned(), false)]);
        assert_eq!(template_params("/a/{b}/c/{d}"), vec!["b", "d"]);
    }

    #[test]
    fn null_bodies() {
        assert!(accepts_null(&json!({ "type": ["object", "null"] })));
        assert!(accepts_null(
            &json!({ "anyOf": [{ "$ref": "#/x" }, { "type": "null" }] })
        ));
        assert!(!accepts_null(&json!({ "type": "object" })));
    }
}
