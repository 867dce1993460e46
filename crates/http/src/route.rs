//! Route declarations: [`RouteConfig`], [`RouteOptions`], [`RouteMethod`], [`AuthRequired`],
//! and the path syntax (`{param}` segments, an optional trailing `{param?}`).

use std::fmt;

use serde::Serialize;

use crate::openapi::RouteDocs;
use crate::validation::{Empty, RouteValidation};

/// HTTP methods a route may answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteMethod {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
    /// `PATCH`
    Patch,
}

impl RouteMethod {
    /// The upper-case method name, e.g. `GET`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
            Self::Patch => "PATCH",
        }
    }
}

impl fmt::Display for RouteMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a route needs an authenticated user (checked once an auth handler is registered).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthRequired {
    /// Authentication must succeed (Kibana's default, `authRequired: true`).
    #[default]
    Required,
    /// Authentication is skipped (`authRequired: false`).
    NotRequired,
    /// Authentication is attempted; the request continues either way (`authRequired: 'optional'`).
    Optional,
}

/// Serialized as Kibana exposed it: `true`, `false` or `"optional"`.
impl Serialize for AuthRequired {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Required => serializer.serialize_bool(true),
            Self::NotRequired => serializer.serialize_bool(false),
            Self::Optional => serializer.serialize_str("optional"),
        }
    }
}

/// Per-route options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteOptions {
    /// Authentication requirement.
    pub auth_required: AuthRequired,
    /// Free-form tags, visible to interceptors and handlers on `request.route()`.
    pub tags: Vec<String>,
    /// Largest body this route accepts, in bytes (Kibana's `body.maxBytes`); `None` uses
    /// `server.maxPayload`.
    pub body_max_size: Option<u64>,
    /// The body media types this route accepts (Kibana's `body.accepts`), e.g.
    /// `application/json`; a body of another `Content-Type` is answered with `415`. Empty:
    /// any type.
    pub body_accepts: Vec<String>,
    /// Whether a request that changes state (not `GET`) must carry a `kbn-xsrf` or
    /// `kbn-version` header (Kibana's `xsrfRequired`). Default `true`; set `false` for routes
    /// called by clients that cannot add the header, such as webhooks.
    pub xsrf_required: bool,
    /// Whether a request to this route extends the idle timeout of the session it carries
    /// (Kibana's `options.extendsSession`, default `true`). `false` suits routes a page calls
    /// on its own (polling, status checks), which should not keep an unattended session alive.
    pub extends_session: bool,
}

impl Default for RouteOptions {
    fn default() -> Self {
        Self {
            auth_required: AuthRequired::default(),
            tags: Vec::new(),
            body_max_size: None,
            body_accepts: Vec::new(),
            xsrf_required: true,
            extends_session: true,
        }
    }
}

impl RouteOptions {
    /// Default options: auth required, no tags, the server's payload limit, any body type,
    /// the XSRF check on, extends sessions.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets whether requests to the route extend the session's idle timeout.
    ///
    /// # Arguments
    ///
    /// * `extends_session` - `false` to leave the idle expiry of the request's session where
    ///   it is (the session is still read and checked).
    pub fn extends_session(mut self, extends_session: bool) -> Self {
        self.extends_session = extends_session;
        self
    }
    /// Sets the authentication requirement.
    ///
    /// # Arguments
    ///
    /// * `auth_required` - whether the auth handler runs for the route and must authenticate the
    ///   user.
    pub fn auth_required(mut self, auth_required: AuthRequired) -> Self {
        self.auth_required = auth_required;
        self
    }
    /// Sets the tags.
    ///
    /// # Arguments
    ///
    /// * `tags` - the tags, replacing any set before.
    pub fn tags<T: Into<String>>(mut self, tags: impl IntoIterator<Item = T>) -> Self {
        self.tags = tags.into_iter().map(Into::into).collect();
        self
    }
    /// Sets this route's body limit in bytes.
    ///
    /// # Arguments
    ///
    /// * `bytes` - the largest body accepted, in bytes; a larger one is answered with `413`.
    pub fn body_max_size(mut self, bytes: u64) -> Self {
        self.body_max_size = Some(bytes);
        self
    }
    /// Sets the body media types this route accepts.
    ///
    /// # Arguments
    ///
    /// * `types` - media types without parameters, such as `application/json` or
    ///   `text/plain`, replacing any set before; a request body of another type is answered
    ///   with `415 Unsupported Media Type`.
    pub fn body_accepts<T: Into<String>>(mut self, types: impl IntoIterator<Item = T>) -> Self {
        self.body_accepts = types
            .into_iter()
            .map(|media_type| media_type.into().to_ascii_lowercase())
            .collect();
        self
    }
    /// Sets whether the XSRF check applies to this route.
    ///
    /// # Arguments
    ///
    /// * `required` - `false` lets requests without a `kbn-xsrf` or `kbn-version` header
    ///   through (for clients that cannot send one).
    pub fn xsrf_required(mut self, required: bool) -> Self {
        self.xsrf_required = required;
        self
    }
}

/// A route declaration: path (relative to the router's prefix), mandatory validation, options.
///
/// ```
/// use core_http::{AuthRequired, RouteConfig, RouteOptions, RouteValidation};
/// #[derive(serde::Deserialize)]
/// struct Params { id: String }
/// let config = RouteConfig::new("/items/{id}", RouteValidation::new().params::<Params>())
///     .options(RouteOptions::new().auth_required(AuthRequired::NotRequired).tags(["api"]));
/// assert_eq!(config.path, "/items/{id}");
/// ```
pub struct RouteConfig<P = Empty, Q = Empty, B = Empty> {
    /// The path, with `{name}` params and an optional trailing `{name?}`.
    pub path: String,
    /// What the route accepts.
    pub validate: RouteValidation<P, Q, B>,
    /// Options.
    pub options: RouteOptions,
    /// Summary, description, tags and responses for the OpenAPI document.
    pub docs: RouteDocs,
}

impl<P, Q, B> RouteConfig<P, Q, B> {
    /// A route at `path` validated by `validate`, with default options.
    ///
    /// # Arguments
    ///
    /// * `path` - the path under the router's prefix, such as `/{id}`: whole-segment `{name}`
    ///   params, at most one optional `{name?}` as the last segment.
    /// * `validate` - how params, query and body are read and checked.
    pub fn new(path: impl Into<String>, validate: RouteValidation<P, Q, B>) -> Self {
        Self {
            path: path.into(),
            validate,
            options: RouteOptions::default(),
            docs: RouteDocs::default(),
        }
    }
    /// Replaces the options.
    ///
    /// # Arguments
    ///
    /// * `options` - the route's options, replacing the defaults.
    pub fn options(mut self, options: RouteOptions) -> Self {
        self.options = options;
        self
    }
    /// Replaces the documentation (summary, description, tags, responses) that the OpenAPI
    /// document shows for the route.
    ///
    /// # Arguments
    ///
    /// * `docs` - the route's documentation.
    pub fn docs(mut self, docs: RouteDocs) -> Self {
        self.docs = docs;
        self
    }
}

/// Router prefix + route path, dropping one `/` when the prefix ends with one and the path
/// starts with one (Kibana's rule); an empty result is `/`.
pub(crate) fn join_path(prefix: &str, path: &str) -> String {
    let joined = if prefix.ends_with('/') && path.starts_with('/') {
        format!("{prefix}{}", &path[1..])
    } else {
        format!("{prefix}{path}")
    };
    if joined.is_empty() {
        "/".to_owned()
    } else {
        joined
    }
}

/// The full path a route is known by: [`join_path`], then without its trailing `/` unless it
/// is `/` itself. So prefix `/api/bookmarks` + path `/` is `/api/bookmarks`, and `/a/` and
/// `/a` name the same route. Done once, when the route is added to its router.
pub(crate) fn full_path(prefix: &str, path: &str) -> String {
    let mut joined = join_path(prefix, path);
    if joined.len() > 1 && joined.ends_with('/') {
        joined.pop();
    }
    joined
}

/// A parsed route path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathPattern {
    /// Names of the params in order.
    pub(crate) param_names: Vec<String>,
    /// The paths the route answers, as patterns with params renamed `{p0}`, `{p1}`, ... (so
    /// routes with different param names compare equal): what the server's routing table holds
    /// and what route conflicts are checked on. None ends with `/` but the root: the request pipeline
    /// drops one trailing `/` from a request's path before routing.
    pub(crate) canonical_patterns: Vec<String>,
}

/// Parses a normalised full path (see [`full_path`]); the error says why no request could ever
/// match it.
pub(crate) fn parse_path(path: &str) -> Result<PathPattern, String> {
    let Some(rest) = path.strip_prefix('/') else {
        return Err("the full path (router prefix + route path) must start with `/`".to_owned());
    };
    let segments: Vec<&str> = if rest.is_empty() {
        Vec::new()
    } else {
        rest.split('/').collect()
    };
    let mut param_names = Vec::new();
    let mut pattern = String::new();
    let mut optional_tail = None;
    for (index, segment) in segments.iter().enumerate() {
        let is_last = index + 1 == segments.len();
        if segment.is_empty() {
            return Err("it has an empty segment (`//`)".to_owned());
        }
        if *segment == "." || *segment == ".." {
            return Err(format!(
                "segment `{segment}` is resolved away by clients before a request is sent"
            ));
        }
        if let Some(inner) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            let (name, optional) = match inner.strip_suffix('?') {
                Some(name) => (name, true),
                None => (inner, false),
            };
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!(
                    "invalid param name in segment `{segment}` (letters, digits and `_` only; \
                     multi-segment `{{name*}}` params are not supported)"
                ));
            }
            if param_names.iter().any(|existing| existing == name) {
                return Err(format!("param `{name}` appears twice"));
            }
            if optional && !is_last {
                return Err(format!("optional param `{name}` must be the last segment"));
            }
            let placeholder = format!("{{p{}}}", param_names.len());
            param_names.push(name.to_owned());
            if optional {
                optional_tail = Some(placeholder);
            } else {
                pattern.push('/');
                pattern.push_str(&placeholder);
            }
        } else if segment.contains('{') || segment.contains('}') {
            return Err(format!(
                "segment `{segment}` has a malformed param or mixes text and a param; a param \
                 is a whole segment, `{{name}}` or a last `{{name?}}`"
            ));
        } else if let Some(c) = segment.chars().find(|c| matches!(c, '?' | '#' | '*')) {
            return Err(format!(
                "segment `{segment}` contains `{c}`, which a request path cannot match here \
                 (`?` starts the query, `#` the fragment; `*` is not a supported wildcard)"
            ));
        } else {
            pattern.push('/');
            pattern.push_str(segment);
        }
    }
    let root_or = |pattern: String| {
        if pattern.is_empty() {
            "/".to_owned()
        } else {
            pattern
        }
    };
    let canonical_patterns = match optional_tail {
        // `/a/{x?}` answers `/a` (and `/a/`) and `/a/<x>`.
        Some(placeholder) => vec![root_or(pattern.clone()), format!("{pattern}/{placeholder}")],
        None => vec![root_or(pattern)],
    };
    Ok(PathPattern {
        param_names,
        canonical_patterns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_extend_sessions_unless_told_not_to() {
        assert!(RouteOptions::new().extends_session);
        assert!(RouteOptions::default().extends_session);
        assert!(!RouteOptions::new().extends_session(false).extends_session);
    }

    #[test]
    fn joins_like_kibana() {
        assert_eq!(join_path("/foo", "/"), "/foo/");
        assert_eq!(join_path("/foo/", "/bar"), "/foo/bar");
        assert_eq!(join_path("", "/"), "/");
        assert_eq!(join_path("/", "/"), "/");
        assert_eq!(join_path("", ""), "/");
    }

    #[test]
    fn full_paths_have_no_trailing_slash_but_the_root() {
        assert_eq!(full_path("/api/bookmarks", "/"), "/api/bookmarks");
        assert_eq!(full_path("/api/bookmarks", ""), "/api/bookmarks");
        assert_eq!(full_path("/api/bookmarks/", "/"), "/api/bookmarks");
        assert_eq!(full_path("/api", "/items/"), "/api/items");
        assert_eq!(full_path("", "/"), "/");
        assert_eq!(full_path("/", "/"), "/");
        assert_eq!(full_path("", ""), "/");
        // Only one slash goes: the rest is an empty segment, refused by `parse_path`.
        assert_eq!(full_path("/a", "//"), "/a/");
    }

    #[test]
    fn parses_params() {
        let parsed = parse_path("/a/{id}/b/{rest?}").unwrap();
        assert_eq!(parsed.param_names, vec!["id", "rest"]);
        assert_eq!(
            parsed.canonical_patterns,
            vec!["/a/{p0}/b", "/a/{p0}/b/{p1}"]
        );
        let optional_at_root = parse_path("/{x?}").unwrap();
        assert_eq!(optional_at_root.canonical_patterns, vec!["/", "/{p0}"]);
        assert_eq!(parse_path("/a/b").unwrap().canonical_patterns, vec!["/a/b"]);
    }

    #[test]
    fn refuses_paths_that_can_never_match() {
        for (path, reason) in [
            ("a", "must start with `/`"),
            ("/a//b", "empty segment"),
            ("/a/", "empty segment"),
            ("/{x?}/a", "must be the last segment"),
            ("/a{x}", "malformed param"),
            ("/{x", "malformed param"),
            ("/x}", "malformed param"),
            ("/{}", "invalid param name"),
            ("/{a-b}", "invalid param name"),
            ("/{x}/{x}", "appears twice"),
            ("/{x}/{x?}", "appears twice"),
            ("/a?b", "contains `?`"),
            ("/a#b", "contains `#`"),
            ("/{x*}", "invalid param name"),
            ("/a*", "contains `*`"),
            ("/a/../b", "resolved away"),
            ("/./b", "resolved away"),
        ] {
            let error = parse_path(path).expect_err(path);
            assert!(error.contains(reason), "{path}: {error}");
        }
    }
}
