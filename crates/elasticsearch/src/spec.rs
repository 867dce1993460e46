//! The shape of the endpoint table generated from Elasticsearch's REST API spec (see `spec/README.md`).
//!
//! These are facts only (names, methods, paths, parts, parameter names and types), so that a string endpoint
//! such as `indices.create` can be turned into a method and a path without the full spec at run time.

use crate::generated::endpoints::{COMMON_PARAMS, ENDPOINTS};

/// An HTTP method the spec uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// `GET`
    Get,
    /// `PUT`
    Put,
    /// `POST`
    Post,
    /// `DELETE`
    Delete,
    /// `HEAD`
    Head,
}

impl HttpMethod {
    /// The method's name on the wire (`GET`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Put => "PUT",
            HttpMethod::Post => "POST",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Head => "HEAD",
        }
    }

    /// Whether sending the request twice has the same effect as sending it once (safe to retry on another host).
    pub fn is_idempotent(self) -> bool {
        !matches!(self, HttpMethod::Post)
    }

    /// Whether the method carries a request body in Elasticsearch's API.
    pub fn accepts_body(self) -> bool {
        matches!(self, HttpMethod::Post | HttpMethod::Put)
    }

    pub(crate) fn to_reqwest(self) -> reqwest::Method {
        match self {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Put => reqwest::Method::PUT,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Delete => reqwest::Method::DELETE,
            HttpMethod::Head => reqwest::Method::HEAD,
        }
    }
}

impl std::fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The declared type of a path part or a query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// `boolean`
    Boolean,
    /// `date`
    Date,
    /// `double`
    Double,
    /// `enum` (one of a fixed set of strings)
    Enum,
    /// `int`
    Int,
    /// `list` (an array, sent comma-joined)
    List,
    /// `long`
    Long,
    /// `number`
    Number,
    /// `string`
    String,
    /// `time` (a duration such as `30s`)
    Time,
    /// `boolean|long`
    BooleanOrLong,
    /// `number|string`
    NumberOrString,
}

/// One piece of a path template: literal text or a `{part}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    /// Text copied as is, e.g. `/_search`.
    Literal(&'static str),
    /// A placeholder filled from the parameter of that name, e.g. `index`.
    Part(&'static str),
}

/// A path part: the name of a `{placeholder}` and its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    /// The placeholder's name.
    pub name: &'static str,
    /// Its declared type.
    pub ty: ValueType,
}

/// A query parameter an endpoint accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// The parameter's name.
    pub name: &'static str,
    /// Its declared type.
    pub ty: ValueType,
}

/// One URL path of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlPath {
    /// The template, e.g. `/{index}/_search`.
    pub template: &'static str,
    /// The methods it accepts, preferred first.
    pub methods: &'static [HttpMethod],
    /// The template split into literals and parts.
    pub segments: &'static [Segment],
    /// The parts, in template order.
    pub parts: &'static [Part],
    /// Whether the spec marks the path as deprecated.
    pub deprecated: bool,
}

/// What an endpoint's request body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodySpec {
    /// Whether the body must be given.
    pub required: bool,
    /// Whether it is newline-delimited JSON (`bulk`, `msearch`, ...).
    pub ndjson: bool,
}

/// An endpoint of Elasticsearch's REST API, e.g. `indices.create`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    /// The dotted name, e.g. `indices.create`.
    pub name: &'static str,
    /// Its URL paths, in spec order.
    pub paths: &'static [UrlPath],
    /// Its own query parameters (the common ones are in [`common_params`]), sorted by name.
    pub params: &'static [Param],
    /// Its body, if it takes one.
    pub body: Option<BodySpec>,
}

impl Endpoint {
    /// Looks an endpoint up by its dotted name.
    ///
    /// # Arguments
    ///
    /// * `name` - the endpoint's dotted name, such as `indices.create`; matched exactly.
    pub fn find(name: &str) -> Option<&'static Endpoint> {
        ENDPOINTS
            .binary_search_by(|endpoint| endpoint.name.cmp(name))
            .ok()
            .map(|index| &ENDPOINTS[index])
    }

    /// The declared type of query parameter `name` (the endpoint's own, then the common ones).
    ///
    /// # Arguments
    ///
    /// * `name` - the query parameter's name, such as `timeout`; matched exactly.
    pub fn param(&self, name: &str) -> Option<&'static Param> {
        find_param(self.params, name).or_else(|| find_param(COMMON_PARAMS, name))
    }
}

fn find_param(params: &'static [Param], name: &str) -> Option<&'static Param> {
    params
        .binary_search_by(|param| param.name.cmp(name))
        .ok()
        .map(|index| &params[index])
}

/// Every endpoint of the vendored spec, sorted by name.
#[cfg_attr(not(feature = "testing"), allow(dead_code))]
pub fn endpoints() -> &'static [Endpoint] {
    ENDPOINTS
}

/// The parameters every endpoint accepts (`pretty`, `human`, `error_trace`, `source`, `filter_path`).
#[cfg_attr(not(feature = "testing"), allow(dead_code))]
pub fn common_params() -> &'static [Param] {
    COMMON_PARAMS
}
