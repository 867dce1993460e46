//! Declared, typed validation of a route's params, query and body ([`RouteValidation`]).
//!
//! Every failure is reported as `[request <part>.<field>]: <what is wrong>`, for example
//! `[request query.page]: expected value of type [number] but got [string]`; a failure of a
//! whole part omits the field (`[request body]: ...`).

mod coerce;
mod text_de;
mod value_de;

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use self::coerce::Coerce;
use self::text_de::TextMap;
use self::value_de::{FieldError, ValueDeserializer};
use crate::openapi::{PartSchema, RouteSchemas, TypeSchema};

/// The value of a request part that a route did not declare: accepts anything, holds nothing
/// (Kibana gave such parts as `{}`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Empty {}

impl<'de> Deserialize<'de> for Empty {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer).map(|_| Empty {})
    }
}

/// Which part of a request a validation message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestPart {
    /// Path parameters (`{id}` segments).
    Params,
    /// The query string.
    Query,
    /// The JSON body.
    Body,
}

impl fmt::Display for RequestPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Params => "params",
            Self::Query => "query",
            Self::Body => "body",
        })
    }
}

/// A request that did not pass its route's validation; answered with `400 Bad Request`.
///
/// Route check functions return it too:
/// ```
/// use core_http::RequestValidationError;
/// let err = RequestValidationError::query("page", "must be at least 1");
/// assert_eq!(err.to_string(), "[request query.page]: must be at least 1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[request {part}{}]: {message}", if path.is_empty() { String::new() } else { format!(".{path}") })]
pub struct RequestValidationError {
    /// The part of the request.
    pub part: RequestPart,
    /// The dotted field path inside the part; empty for the part as a whole.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl RequestValidationError {
    /// A failure in `part` at `path`.
    ///
    /// # Arguments
    ///
    /// * `part` - the part of the request that failed.
    /// * `path` - the dotted field path inside the part, such as `page` or `user.name`; empty for
    ///   the whole part.
    /// * `message` - what is wrong, sent to the client.
    pub fn new(part: RequestPart, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            part,
            path: path.into(),
            message: message.into(),
        }
    }
    /// A failure in the path params.
    ///
    /// # Arguments
    ///
    /// * `path` - the dotted field path inside the params; empty for all of them.
    /// * `message` - what is wrong, sent to the client.
    pub fn params(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(RequestPart::Params, path, message)
    }
    /// A failure in the query.
    ///
    /// # Arguments
    ///
    /// * `path` - the dotted field path inside the query; empty for all of it.
    /// * `message` - what is wrong, sent to the client.
    pub fn query(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(RequestPart::Query, path, message)
    }
    /// A failure in the body.
    ///
    /// # Arguments
    ///
    /// * `path` - the dotted field path inside the body; empty for the whole body.
    /// * `message` - what is wrong, sent to the client.
    pub fn body(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(RequestPart::Body, path, message)
    }
}

/// Marks the part types without owning values (and without affecting Send/Sync).
type PartTypes<P, Q, B> = PhantomData<fn() -> (P, Q, B)>;

type CheckFn<P, Q, B> = dyn Fn(&P, &Q, &B) -> Result<(), RequestValidationError> + Send + Sync;

/// What a route accepts in its params, query and body. Declaring it is mandatory: a route is
/// built from a path and a `RouteValidation`.
///
/// * [`RouteValidation::none`]: the explicit opt-out; every part is [`Empty`] and the body is
///   not read as JSON.
/// * [`RouteValidation::new`] then [`params`](Self::params), [`query`](Self::query),
///   [`body`](Self::body) with serde types, and optionally [`check`](Self::check) for rules
///   across fields. Undeclared parts are [`Empty`].
///
/// ```
/// use core_http::{RequestValidationError, RouteValidation};
/// #[derive(serde::Deserialize)]
/// struct Page { page: u32 }
/// let validation = RouteValidation::new().query::<Page>().check(|_params, query, _body| {
///     if query.page == 0 {
///         return Err(RequestValidationError::query("page", "must be at least 1"));
///     }
///     Ok(())
/// });
/// # let _ = validation;
/// ```
pub struct RouteValidation<P = Empty, Q = Empty, B = Empty> {
    declared: Declared,
    schemas: RouteSchemas,
    check: Option<Arc<CheckFn<P, Q, B>>>,
    _types: PartTypes<P, Q, B>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Declared {
    params: bool,
    query: bool,
    body: bool,
}

impl<P, Q, B> Clone for RouteValidation<P, Q, B> {
    fn clone(&self) -> Self {
        Self {
            declared: self.declared,
            schemas: self.schemas,
            check: self.check.clone(),
            _types: PhantomData,
        }
    }
}

impl RouteValidation {
    /// No validation: params, query and body are all [`Empty`] (Kibana's `validate: false`).
    pub fn none() -> Self {
        Self {
            declared: Declared::default(),
            schemas: RouteSchemas::default(),
            check: None,
            _types: PhantomData,
        }
    }

    /// Starts a declaration; chain [`params`](Self::params), [`query`](Self::query),
    /// [`body`](Self::body).
    pub fn new() -> Self {
        Self::none()
    }
}

impl Default for RouteValidation {
    fn default() -> Self {
        Self::none()
    }
}

impl<P, Q, B> RouteValidation<P, Q, B> {
    /// Path params are deserialized into `T` (strings coerced to numbers/booleans as needed, as
    /// in every part).
    pub fn params<T: DeserializeOwned>(self) -> RouteValidation<T, Q, B> {
        RouteValidation {
            declared: Declared {
                params: true,
                ..self.declared
            },
            schemas: RouteSchemas {
                params: PartSchema::Untyped,
                ..self.schemas
            },
            check: None,
            _types: PhantomData,
        }
    }

    /// The query string is deserialized into `T` (strings coerced to numbers/booleans as
    /// needed; a repeated key gives a list).
    pub fn query<T: DeserializeOwned>(self) -> RouteValidation<P, T, B> {
        RouteValidation {
            declared: Declared {
                query: true,
                ..self.declared
            },
            schemas: RouteSchemas {
                query: PartSchema::Untyped,
                ..self.schemas
            },
            check: None,
            _types: PhantomData,
        }
    }

    /// The body must be JSON (`Content-Type: application/json`, `*+json` or none) and is
    /// deserialized into `T`. An empty body is read as JSON `null`. As in params and query, a
    /// string where `T` wants a number or a boolean is converted (`"123"`, `"true"`), as
    /// `schema.number()` and `schema.boolean()` did.
    pub fn body<T: DeserializeOwned>(self) -> RouteValidation<P, Q, T> {
        RouteValidation {
            declared: Declared {
                body: true,
                ..self.declared
            },
            schemas: RouteSchemas {
                body: PartSchema::Untyped,
                ..self.schemas
            },
            check: None,
            _types: PhantomData,
        }
    }

    /// Like [`params`](Self::params), and the params' JSON Schema goes into the OpenAPI
    /// document (see [`openapi_document`](crate::openapi_document)).
    pub fn params_documented<T: DeserializeOwned + JsonSchema>(self) -> RouteValidation<T, Q, B> {
        let mut validation = self.params::<T>();
        validation.schemas.params = PartSchema::Typed(TypeSchema::of::<T>());
        validation
    }

    /// Like [`query`](Self::query), and the query's JSON Schema goes into the OpenAPI
    /// document, one parameter per field.
    pub fn query_documented<T: DeserializeOwned + JsonSchema>(self) -> RouteValidation<P, T, B> {
        let mut validation = self.query::<T>();
        validation.schemas.query = PartSchema::Typed(TypeSchema::of::<T>());
        validation
    }

    /// Like [`body`](Self::body), and the body's JSON Schema goes into the OpenAPI document.
    pub fn body_documented<T: DeserializeOwned + JsonSchema>(self) -> RouteValidation<P, Q, T> {
        let mut validation = self.body::<T>();
        validation.schemas.body = PartSchema::Typed(TypeSchema::of::<T>());
        validation
    }

    /// The schemas of the declared parts, for the OpenAPI document.
    pub fn schemas(&self) -> RouteSchemas {
        self.schemas
    }

    /// Adds a check run after deserialization, for rules serde cannot express. Call it last:
    /// changing a part's type afterwards drops the check.
    ///
    /// # Arguments
    ///
    /// * `check` - runs on the deserialized params, query and body; its error answers `400` with
    ///   the error's text as the message.
    pub fn check(
        mut self,
        check: impl Fn(&P, &Q, &B) -> Result<(), RequestValidationError> + Send + Sync + 'static,
    ) -> Self {
        self.check = Some(Arc::new(check));
        self
    }

    /// Whether the body is read as JSON.
    pub(crate) fn reads_body(&self) -> bool {
        self.declared.body
    }
}

/// Why a request was rejected before its handler ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rejection {
    /// 400 with this message.
    Invalid(String),
    /// 415: the body is not JSON.
    UnsupportedMediaType(String),
}

/// The raw parts of a request, as received.
pub(crate) struct RawParts<'a> {
    pub(crate) params: &'a [(String, String)],
    pub(crate) query: Option<&'a str>,
    pub(crate) content_type: Option<&'a str>,
    pub(crate) body: &'a [u8],
}

impl<P, Q, B> RouteValidation<P, Q, B>
where
    P: DeserializeOwned,
    Q: DeserializeOwned,
    B: DeserializeOwned,
{
    /// Deserializes and checks every part.
    pub(crate) fn validate(&self, raw: &RawParts<'_>) -> Result<(P, Q, B), Rejection> {
        let params = if self.declared.params {
            from_text(&TextMap::params(raw.params), RequestPart::Params, || {
                Value::Object(
                    raw.params
                        .iter()
                        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                        .collect(),
                )
            })?
        } else {
            undeclared(RequestPart::Params)?
        };
        let query = if self.declared.query {
            let text = raw.query.unwrap_or("");
            from_text(&TextMap::query(text), RequestPart::Query, || {
                query_to_value(text)
            })?
        } else {
            undeclared(RequestPart::Query)?
        };
        let body = if self.declared.body {
            parse_body(raw)?
        } else {
            undeclared(RequestPart::Body)?
        };
        if let Some(check) = &self.check {
            check(&params, &query, &body).map_err(|err| Rejection::Invalid(err.to_string()))?;
        }
        Ok((params, query, body))
    }
}

fn parse_body<B: DeserializeOwned>(raw: &RawParts<'_>) -> Result<B, Rejection> {
    if let Some(content_type) = raw.content_type
        && !raw.body.is_empty()
        && !is_json_content_type(content_type)
    {
        return Err(Rejection::UnsupportedMediaType(format!(
            "Unsupported Media Type: [{content_type}]; this route accepts a JSON body (application/json)"
        )));
    }
    if raw.body.is_empty() {
        return from_value(&Value::Null, false, RequestPart::Body);
    }
    // Fast path: straight from the bytes, as plain JSON. A body that fits its type as sent (the
    // usual case) pays nothing for coercion.
    let err = match serde_json::from_slice::<B>(raw.body) {
        Ok(body) => return Ok(body),
        Err(err) if err.is_syntax() || err.is_eof() => {
            return Err(Rejection::Invalid(
                RequestValidationError::body("", format!("invalid JSON: {err}")).to_string(),
            ));
        }
        Err(err) => err,
    };
    // A type mismatch: perhaps a string where a number or a boolean is wanted, which the schema
    // converts. Still from the bytes, through the coercing adapter (the same rule as the other
    // parts).
    let mut json = serde_json::Deserializer::from_slice(raw.body);
    if let Ok(body) = B::deserialize(Coerce(&mut json)).and_then(|body| json.end().map(|()| body)) {
        return Ok(body);
    }
    // Invalid: only now the structured pass that produces Kibana's message.
    match serde_json::from_slice::<Value>(raw.body) {
        Ok(value) => from_value(&value, false, RequestPart::Body),
        Err(_) => Err(Rejection::Invalid(
            RequestValidationError::body("", err.to_string()).to_string(),
        )),
    }
}

fn is_json_content_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// `a=1&b=x&a=2` → `{"a": ["1", "2"], "b": "x"}`.
fn query_to_value(query: &str) -> Value {
    let mut map = Map::new();
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let value = Value::String(value.into_owned());
        match map.get_mut(key.as_ref()) {
            Some(Value::Array(items)) => items.push(value),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, value]);
            }
            None => {
                map.insert(key.into_owned(), value);
            }
        }
    }
    Value::Object(map)
}

/// Deserializes a params or query part into `T` straight from its text; only a part that does
/// not fit pays for the `Value` pass (`value()`), which names the field in the message.
fn from_text<T: DeserializeOwned>(
    map: &TextMap<'_>,
    part: RequestPart,
    value: impl FnOnce() -> Value,
) -> Result<T, Rejection> {
    match T::deserialize(map) {
        Ok(parsed) => Ok(parsed),
        Err(_) => from_value(&value(), true, part),
    }
}

/// A part the route did not declare: its type is [`Empty`], which accepts anything.
fn undeclared<T: DeserializeOwned>(part: RequestPart) -> Result<T, Rejection> {
    from_text(&TextMap::empty(), part, || Value::Object(Map::new()))
}

/// Deserializes `value` into `T`, strings coerced to numbers and booleans where `T` wants them;
/// `lists`: a single string is a one-item list where `T` wants a list (query and params).
fn from_value<T: DeserializeOwned>(
    value: &Value,
    lists: bool,
    part: RequestPart,
) -> Result<T, Rejection> {
    // Fast path: most requests are valid, and tracking the path costs about as much as the
    // deserialization itself. Only a failure pays for the second, tracked pass (same input, same
    // deserializer, so it fails the same way) that names the field.
    if let Ok(parsed) = T::deserialize(ValueDeserializer::new(value, lists)) {
        return Ok(parsed);
    }
    serde_path_to_error::deserialize(ValueDeserializer::new(value, lists)).map_err(|err| {
        let mut path = path_text(err.path());
        let inner: FieldError = err.into_inner();
        if let FieldError::Missing(field) | FieldError::Unknown(field) = &inner {
            let already_there = path == *field || path.ends_with(&format!(".{field}"));
            if !already_there {
                path = if path.is_empty() {
                    field.clone()
                } else {
                    format!("{path}.{field}")
                };
            }
        }
        Rejection::Invalid(RequestValidationError::new(part, path, inner.to_string()).to_string())
    })
}

fn path_text(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut text = String::new();
    for segment in path.iter() {
        let piece = match segment {
            Segment::Seq { index } => index.to_string(),
            Segment::Map { key } => key.clone(),
            Segment::Enum { variant } => variant.clone(),
            Segment::Unknown => continue,
        };
        if !text.is_empty() {
            text.push('.');
        }
        text.push_str(&piece);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Query {
        page: u32,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Body {
        items: Vec<Item>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Item {
        id: u32,
    }

    fn raw<'a>(query: &'a str, body: &'a [u8], content_type: Option<&'a str>) -> RawParts<'a> {
        RawParts {
            params: &[],
            query: Some(query),
            content_type,
            body,
        }
    }

    #[test]
    fn query_messages_name_the_field() {
        let validation = RouteValidation::new().query::<Query>();
        assert_eq!(
            validation.validate(&raw("page=abc", b"", None)).err(),
            Some(Rejection::Invalid(
                "[request query.page]: expected value of type [number] but got [string]".into()
            ))
        );
        assert_eq!(
            validation.validate(&raw("", b"", None)).err(),
            Some(Rejection::Invalid(
                "[request query.page]: expected value but got [undefined]".into()
            ))
        );
        assert_eq!(
            validation.validate(&raw("page=3", b"", None)).unwrap().1,
            Query { page: 3 }
        );
    }

    #[test]
    fn nested_body_paths() {
        let validation = RouteValidation::new().body::<Body>();
        assert_eq!(
            validation
                .validate(&raw(
                    "",
                    br#"{"items":[{"id":1},{"id":"x"}]}"#,
                    Some("application/json")
                ))
                .err(),
            Some(Rejection::Invalid(
                "[request body.items.1.id]: expected value of type [number] but got [string]"
                    .into()
            ))
        );
        assert!(matches!(
            validation.validate(&raw("", b"{", Some("application/json"))).err(),
            Some(Rejection::Invalid(message)) if message.starts_with("[request body]: invalid JSON: EOF")
        ));
        assert!(matches!(
            validation
                .validate(&raw("", b"{}", Some("text/plain")))
                .err(),
            Some(Rejection::UnsupportedMediaType(_))
        ));
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Coerced {
        count: u32,
        ratio: f64,
        on: bool,
        maybe: Option<i64>,
        #[serde(default)]
        ids: Vec<u8>,
        name: String,
    }

    #[test]
    fn bodies_coerce_like_params_and_query() {
        let validation = RouteValidation::new().body::<Coerced>();
        let json = Some("application/json");
        assert_eq!(
            validation
                .validate(&raw(
                    "",
                    br#"{"count":"12","ratio":" 0.5 ","on":"TRUE","maybe":"-3","ids":["1",2],"name":"7"}"#,
                    json
                ))
                .unwrap()
                .2,
            Coerced {
                count: 12,
                ratio: 0.5,
                on: true,
                maybe: Some(-3),
                ids: vec![1, 2],
                name: "7".into()
            }
        );
        for (body, message) in [
            (
                &br#"{"count":"x","ratio":1,"on":true,"name":"a"}"#[..],
                "[request body.count]: expected value of type [number] but got [string]",
            ),
            (
                br#"{"count":1,"ratio":"NaN","on":true,"name":"a"}"#,
                "[request body.ratio]: expected value of type [number] but got [string]",
            ),
            (
                br#"{"count":1,"ratio":1,"on":"yes","name":"a"}"#,
                "[request body.on]: expected value of type [boolean] but got [string]",
            ),
            (
                br#"{"count":1,"ratio":1,"on":true,"ids":["300"],"name":"a"}"#,
                "[request body.ids.0]: expected value of type [number] but got [string]",
            ),
            (
                br#"{"count":1,"ratio":1,"on":true,"name":5}"#,
                "[request body.name]: expected value of type [string] but got [number]",
            ),
        ] {
            assert_eq!(
                validation.validate(&raw("", body, json)).err(),
                Some(Rejection::Invalid(message.into()))
            );
        }
        // A single value is a list only in the query string and params.
        assert_eq!(
            validation
                .validate(&raw(
                    "",
                    br#"{"count":1,"ratio":1,"on":true,"ids":"1","name":"a"}"#,
                    json
                ))
                .err(),
            Some(Rejection::Invalid(
                "[request body.ids]: expected value of type [array] but got [string]".into()
            ))
        );
        // A JSON primitive body coerces too.
        let number = RouteValidation::new().body::<u16>();
        assert_eq!(number.validate(&raw("", br#""12""#, json)).unwrap().2, 12);
        assert!(matches!(
            number.validate(&raw("", b"12 x", json)).err(),
            Some(Rejection::Invalid(message)) if message.starts_with("[request body]: invalid JSON")
        ));
    }

    #[test]
    fn repeated_query_keys_make_lists() {
        assert_eq!(
            query_to_value("a=1&b=x&a=2"),
            serde_json::json!({"a": ["1", "2"], "b": "x"})
        );
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Search {
        page: Option<u32>,
        #[serde(default)]
        tags: Vec<String>,
        #[serde(default)]
        ids: Vec<i8>,
        on: Option<bool>,
        ratio: Option<f32>,
        sort: Option<Order>,
        name: Option<String>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Order {
        Asc,
        Desc,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Loose {
        a: Option<String>,
        #[serde(default)]
        b: Vec<u64>,
    }

    /// The text fast path accepts exactly what the tracked `Value` pass accepts, with the same
    /// result: otherwise a request could pass or fail depending on which pass ran.
    #[test]
    fn the_text_pass_agrees_with_the_value_pass() {
        fn both<T: DeserializeOwned + PartialEq + fmt::Debug>(query: &str) {
            let text = T::deserialize(&TextMap::query(query)).ok();
            let value = T::deserialize(ValueDeserializer::new(&query_to_value(query), true)).ok();
            assert_eq!(text, value, "query `{query}`");
        }
        for query in [
            "",
            "page=3",
            "page=%203%20",
            "page=x",
            "page=3&page=4",
            "page=-1",
            "tags=a",
            "tags=a&tags=b",
            "tags=",
            "ids=1&ids=2",
            "ids=1&ids=300",
            "ids=7",
            "on=TRUE",
            "on=yes",
            "on=true&on=false",
            "ratio=0.5",
            "ratio=NaN",
            "ratio=inf",
            "sort=asc",
            "sort=up",
            "sort=asc&sort=desc",
            "name=a+b%26c",
            "name=a&name=b",
            "zz=1",
            "page=1&zz=1",
            "a=1&b=2&b=3",
            "b=x",
            "%ff=1",
            "name=%ff",
            "&&=&page=2",
        ] {
            both::<Search>(query);
            both::<Loose>(query);
            both::<Empty>(query);
            both::<Option<Loose>>(query);
            both::<std::collections::BTreeMap<String, String>>(query);
            both::<std::collections::BTreeMap<String, Vec<u8>>>(query);
        }
    }
}
