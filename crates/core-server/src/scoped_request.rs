//! The bridge from core-http's requests to core-elasticsearch's scoping.
//!
//! core-elasticsearch does not depend on core-http (the arrow points the other way), so it
//! cannot implement its `ScopeableRequest` for `KibanaRequest`, and the orphan rule forbids
//! doing it here. [`RequestScope`] is the small local type that does the job.

use core_elasticsearch::ScopeableRequest;
use core_http::{Headers, KibanaRequest, RequestHeaders};

/// The headers of one incoming request, as Elasticsearch clients are scoped to them.
///
/// ```
/// use core_server::{KibanaRequest, RequestScope};
/// # fn demo(data_client: &core_server::ClusterClient, request: &KibanaRequest) {
/// let scoped = data_client.as_scoped(&RequestScope::of(request));
/// # let _ = scoped;
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RequestScope<'a> {
    headers: ScopeHeaders<'a>,
    auth_headers: Option<&'a Headers>,
}

/// The headers a scope starts from: a request's, or a list built for background work.
#[derive(Debug, Clone, Copy)]
enum ScopeHeaders<'a> {
    Request(&'a RequestHeaders),
    Built(&'a Headers),
}

impl<'a> RequestScope<'a> {
    /// The scope of `request`: its headers (filtered later by
    /// `elasticsearch.requestHeadersWhitelist`) and the headers the auth handler chose to forward
    /// for its user (e.g. the `Authorization` built from a session cookie).
    ///
    /// # Arguments
    ///
    /// * `request` - the request being handled.
    pub fn of<P, Q, B>(request: &'a KibanaRequest<P, Q, B>) -> Self {
        Self::from_request_headers(request.headers()).with_auth_headers(request.auth_headers())
    }

    /// The scope of a bare header list (background work on behalf of a user).
    ///
    /// # Arguments
    ///
    /// * `headers` - the headers to forward (filtered later by the whitelist).
    pub fn from_headers(headers: &'a Headers) -> Self {
        Self {
            headers: ScopeHeaders::Built(headers),
            auth_headers: None,
        }
    }

    /// The scope of a request's headers, without the auth handler's.
    ///
    /// # Arguments
    ///
    /// * `headers` - a request's headers, as `KibanaRequest::headers` gives them.
    pub fn from_request_headers(headers: &'a RequestHeaders) -> Self {
        Self {
            headers: ScopeHeaders::Request(headers),
            auth_headers: None,
        }
    }

    /// Adds the headers the auth handler chose to forward to Elasticsearch; they replace request
    /// headers of the same name and are not filtered by the whitelist.
    ///
    /// # Arguments
    ///
    /// * `auth_headers` - the auth handler's headers for Elasticsearch, if it set any.
    pub fn with_auth_headers(mut self, auth_headers: Option<&'a Headers>) -> Self {
        self.auth_headers = auth_headers;
        self
    }
}

impl ScopeableRequest for RequestScope<'_> {
    fn visit_headers(&self, visit: &mut dyn FnMut(&str, &[u8])) {
        match self.headers {
            ScopeHeaders::Request(headers) => {
                for (name, value) in headers.iter() {
                    visit(name, value.as_bytes());
                }
            }
            ScopeHeaders::Built(headers) => {
                for (name, value) in headers.iter() {
                    visit(name, value.as_bytes());
                }
            }
        }
    }

    fn visit_auth_headers(&self, visit: &mut dyn FnMut(&str, &[u8])) {
        for (name, value) in self.auth_headers.into_iter().flat_map(Headers::iter) {
            visit(name, value.as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visited(scope: &RequestScope<'_>, auth: bool) -> Vec<(String, String)> {
        let mut seen = Vec::new();
        let mut visit = |name: &str, value: &[u8]| {
            seen.push((name.to_owned(), String::from_utf8_lossy(value).into_owned()))
        };
        if auth {
            scope.visit_auth_headers(&mut visit)
        } else {
            scope.visit_headers(&mut visit)
        }
        seen
    }

    #[test]
    fn request_headers_and_auth_headers_are_visited_separately() {
        let headers: Headers = [
            ("authorization", "Basic dXNlcg=="),
            ("accept", "application/json"),
        ]
        .into_iter()
        .collect();
        let scope = RequestScope::from_headers(&headers);
        assert_eq!(visited(&scope, false).len(), 2);
        assert!(visited(&scope, true).is_empty());
        let auth: Headers = [("authorization", "Bearer from-session")]
            .into_iter()
            .collect();
        let scope = scope.with_auth_headers(Some(&auth));
        assert_eq!(
            visited(&scope, true),
            [("authorization".to_owned(), "Bearer from-session".to_owned())]
        );
    }
}
