//! Turning a string endpoint and its parameters into an HTTP request, using the generated endpoint table.
//!
//! Rules (the legacy JavaScript client's, which Kibana 7.2 plugins relied on): the path is the one whose parts are
//! all given (most parts wins), parts are percent-encoded and lists comma-joined; every other parameter must be
//! one the endpoint (or every endpoint) accepts and goes to the query string; `body` is the body (NDJSON for
//! `bulk`-like endpoints); `headers` are extra request headers. The method is the path's first, except that a body
//! picks POST or PUT when the path allows it.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value};

use crate::ElasticsearchError;
use crate::spec::{BodySpec, Endpoint, HttpMethod, Segment, UrlPath};

/// Characters left alone in a path part, as JavaScript's `encodeURIComponent` leaves them.
const PART_ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// Content type of newline-delimited JSON bodies.
pub const NDJSON_CONTENT_TYPE: &str = "application/x-ndjson";

/// A request body, already serialized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestBody {
    /// A JSON document.
    Json(String),
    /// Newline-delimited JSON: one document per line, with a trailing newline.
    NdJson(String),
}

impl RequestBody {
    /// The serialized body.
    pub fn as_str(&self) -> &str {
        match self {
            RequestBody::Json(text) | RequestBody::NdJson(text) => text,
        }
    }
}

/// What a call resolves to: everything needed to send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedRequest {
    /// The endpoint's name.
    pub endpoint: &'static str,
    /// The method to send.
    pub method: HttpMethod,
    /// The path, parts already percent-encoded.
    pub path: String,
    /// Query parameters, values already stringified (lists comma-joined).
    pub query: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<RequestBody>,
    /// Headers the caller put in `params.headers`.
    pub headers: Vec<(String, String)>,
}

impl ResolvedRequest {
    /// The path with its query string, as logged (`/index/_search?size=10`).
    pub fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            return self.path.clone();
        }
        let query: Vec<String> = self
            .query
            .iter()
            .map(|(name, value)| format!("{}={}", encode_query(name), encode_query(value)))
            .collect();
        format!("{}?{}", self.path, query.join("&"))
    }
}

fn encode_query(text: &str) -> String {
    utf8_percent_encode(text, PART_ENCODE_SET).to_string()
}

/// Resolves `endpoint` with `params` (a JSON object, or null for none).
///
/// # Arguments
///
/// * `endpoint_name` - the endpoint's dotted name in the REST spec, such as `indices.create`.
/// * `params` - a JSON object (or `null`): path parts and query parameters by name, `body`, and
///   extra `headers` (string values).
pub fn resolve(endpoint_name: &str, params: Value) -> Result<ResolvedRequest, ElasticsearchError> {
    let endpoint = Endpoint::find(endpoint_name)
        .ok_or_else(|| ElasticsearchError::InvalidEndpoint(endpoint_name.to_owned()))?;
    let invalid = |message: String| ElasticsearchError::InvalidParams {
        endpoint: endpoint.name.to_owned(),
        message,
    };
    let mut params = match params {
        Value::Object(map) => map,
        Value::Null => Map::new(),
        other => {
            return Err(invalid(format!(
                "params must be a JSON object, got {}",
                kind_of(&other)
            )));
        }
    };
    // `shift_remove` keeps the caller's order for the query string.
    let body_value = params.shift_remove("body");
    let headers = match params.shift_remove("headers") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(headers)) => headers
            .into_iter()
            .map(|(name, value)| match value {
                Value::String(value) => Ok((name, value)),
                other => Err(invalid(format!(
                    "header \"{name}\" must be a string, got {}",
                    kind_of(&other)
                ))),
            })
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(invalid(format!(
                "\"headers\" must be an object, got {}",
                kind_of(&other)
            )));
        }
    };

    let url_path = choose_path(endpoint, &params).map_err(invalid)?;
    let mut path = String::with_capacity(url_path.template.len() + 16);
    for segment in url_path.segments {
        match segment {
            Segment::Literal(text) => path.push_str(text),
            Segment::Part(name) => {
                let value = params.shift_remove(*name).unwrap_or(Value::Null);
                push_part(&mut path, name, &value).map_err(invalid)?;
            }
        }
    }

    let mut query = Vec::with_capacity(params.len());
    for (name, value) in params {
        if !is_present(&value) && is_part_name(endpoint, &name) {
            // An empty part (`index: []`) selects the path without it.
            continue;
        }
        if endpoint.param(&name).is_none() {
            return Err(invalid(format!("unknown parameter \"{name}\"")));
        }
        if let Some(text) =
            query_value(&value).map_err(|kind| invalid(format!("parameter \"{name}\" {kind}")))?
        {
            query.push((name, text));
        }
    }

    let body = match (body_value, endpoint.body) {
        (None | Some(Value::Null), Some(BodySpec { required: true, .. })) => {
            return Err(invalid("a body is required".to_owned()));
        }
        (None | Some(Value::Null), _) => None,
        (Some(_), None) => return Err(invalid("this endpoint does not accept a body".to_owned())),
        (Some(value), Some(spec)) => Some(serialize_body(value, spec.ndjson).map_err(invalid)?),
    };
    let method = choose_method(url_path, body.is_some());
    Ok(ResolvedRequest {
        endpoint: endpoint.name,
        method,
        path,
        query,
        body,
        headers,
    })
}

/// The path whose parts are all given, preferring the most parts, then a path that is not deprecated.
fn choose_path(
    endpoint: &'static Endpoint,
    params: &Map<String, Value>,
) -> Result<&'static UrlPath, String> {
    let mut best: Option<&'static UrlPath> = None;
    for path in endpoint.paths {
        if !path
            .parts
            .iter()
            .all(|part| params.get(part.name).is_some_and(is_present))
        {
            continue;
        }
        let better = match best {
            None => true,
            Some(current) => {
                path.parts.len() > current.parts.len()
                    || (path.parts.len() == current.parts.len()
                        && current.deprecated
                        && !path.deprecated)
            }
        };
        if better {
            best = Some(path);
        }
    }
    best.ok_or_else(|| {
        // Name the parts of the path that comes closest, so the caller knows what to add.
        let closest = endpoint.paths.iter().min_by_key(|path| {
            path.parts
                .iter()
                .filter(|part| !params.get(part.name).is_some_and(is_present))
                .count()
        });
        let missing: Vec<String> = closest
            .map(|path| {
                path.parts
                    .iter()
                    .filter(|part| !params.get(part.name).is_some_and(is_present))
                    .map(|part| format!("\"{}\"", part.name))
                    .collect()
            })
            .unwrap_or_default();
        format!("missing required parameter(s) {}", missing.join(", "))
    })
}

fn is_part_name(endpoint: &Endpoint, name: &str) -> bool {
    endpoint
        .paths
        .iter()
        .any(|path| path.parts.iter().any(|part| part.name == name))
}

/// Whether a part value counts as given: not null, not an empty string, not an empty list.
fn is_present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(text) => !text.is_empty(),
        Value::Array(items) => !items.is_empty(),
        _ => true,
    }
}

fn push_part(path: &mut String, name: &str, value: &Value) -> Result<(), String> {
    match value {
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    path.push(',');
                }
                push_scalar_part(path, name, item)?;
            }
            Ok(())
        }
        scalar => push_scalar_part(path, name, scalar),
    }
}

fn push_scalar_part(path: &mut String, name: &str, value: &Value) -> Result<(), String> {
    match value {
        Value::String(text) => path.extend(utf8_percent_encode(text, PART_ENCODE_SET)),
        Value::Number(number) => path.push_str(&number.to_string()),
        Value::Bool(flag) => path.push_str(if *flag { "true" } else { "false" }),
        other => {
            return Err(format!(
                "path part \"{name}\" must be a string, number or list of them, got {}",
                kind_of(other)
            ));
        }
    }
    Ok(())
}

/// The query-string form of a parameter value; `None` for null (left out).
fn query_value(value: &Value) -> Result<Option<String>, String> {
    Ok(Some(match value {
        Value::Null => return Ok(None),
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        Value::Bool(flag) => flag.to_string(),
        Value::Array(items) => {
            let mut joined = String::new();
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    joined.push(',');
                }
                match item {
                    Value::String(text) => joined.push_str(text),
                    Value::Number(number) => joined.push_str(&number.to_string()),
                    Value::Bool(flag) => joined.push_str(if *flag { "true" } else { "false" }),
                    other => {
                        return Err(format!(
                            "must be a list of strings, numbers or booleans, got a list with {}",
                            kind_of(other)
                        ));
                    }
                }
            }
            joined
        }
        Value::Object(_) => {
            return Err("must be a string, number, boolean or list, got an object".to_owned());
        }
    }))
}

/// `serde_json::to_string` writes bytes directly; `Value::to_string` goes through `fmt::Write`,
/// about twice the instructions for a typical search body.
fn to_json(value: &Value) -> Result<String, String> {
    serde_json::to_string(value).map_err(|error| format!("the body cannot be serialized: {error}"))
}

fn serialize_body(value: Value, ndjson: bool) -> Result<RequestBody, String> {
    if !ndjson {
        return Ok(RequestBody::Json(match value {
            Value::String(text) => text,
            other => to_json(&other)?,
        }));
    }
    let mut text = match value {
        Value::String(text) => text,
        Value::Array(lines) => {
            let mut text = String::new();
            for line in lines {
                match line {
                    Value::String(line) => text.push_str(&line),
                    Value::Object(_) => text.push_str(&to_json(&line)?),
                    other => {
                        return Err(format!(
                            "each line of an NDJSON body must be an object or a string, got {}",
                            kind_of(&other)
                        ));
                    }
                }
                text.push('\n');
            }
            text
        }
        other => {
            return Err(format!(
                "an NDJSON body must be an array of objects or a string, got {}",
                kind_of(&other)
            ));
        }
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(RequestBody::NdJson(text))
}

/// The path's first method, unless a body is sent: then the first of its methods that carries one.
fn choose_method(path: &UrlPath, has_body: bool) -> HttpMethod {
    let first = path.methods.first().copied().unwrap_or(HttpMethod::Get);
    if has_body
        && !first.accepts_body()
        && let Some(method) = path
            .methods
            .iter()
            .copied()
            .find(|method| method.accepts_body())
    {
        return method;
    }
    first
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
