//! [`BasePath`]: the server's public path prefix plus a per-request part (Kibana's
//! `BasePathService`, used for spaces-like URL prefixes).

use std::sync::Arc;

use crate::error::HttpError;
use crate::request::KibanaRequest;

/// Reads and applies base paths. Cheap to clone.
///
/// ```
/// use core_http::BasePath;
/// let base_path = BasePath::new(Some("/foo/bar".to_owned()));
/// assert_eq!(base_path.prepend("/a/b?x=y#c/d/e"), "/foo/bar/a/b?x=y#c/d/e");
/// assert_eq!(base_path.prepend("http://elastic.co/a"), "http://elastic.co/a");
/// assert_eq!(base_path.remove("/foo/bar/a"), "/a");
/// assert_eq!(base_path.remove("/foo/bar"), "/");
/// assert_eq!(base_path.remove("/foo/barbaz"), "/foo/barbaz");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BasePath {
    server_base_path: Arc<str>,
}

impl BasePath {
    /// A base path service for the configured `server.basePath` (none → empty).
    ///
    /// # Arguments
    ///
    /// * `server_base_path` - `server.basePath` as configured (`/` followed by segments, no
    ///   trailing `/`); `None` or empty for none.
    pub fn new(server_base_path: Option<String>) -> Self {
        Self {
            server_base_path: server_base_path.unwrap_or_default().into(),
        }
    }

    /// The server's base path (`server.basePath`), empty when none.
    pub fn server_base_path(&self) -> &str {
        &self.server_base_path
    }

    /// Server base path + the request's own base path (each empty when unset).
    ///
    /// # Arguments
    ///
    /// * `request` - the request whose own base path is appended.
    pub fn get<P, Q, B>(&self, request: &KibanaRequest<P, Q, B>) -> String {
        let request_part = request
            .state()
            .base_path
            .get()
            .map(String::as_str)
            .unwrap_or("");
        format!("{}{request_part}", self.server_base_path)
    }

    /// Sets the request's own base path; allowed once per request.
    ///
    /// # Arguments
    ///
    /// * `request` - the request to set the base path of; a second set on it fails.
    /// * `path` - the request's own base path, such as `/s/marketing`.
    pub fn set<P, Q, B>(
        &self,
        request: &KibanaRequest<P, Q, B>,
        path: impl Into<String>,
    ) -> Result<(), HttpError> {
        request
            .state()
            .base_path
            .set(path.into())
            .map_err(|_| HttpError::BasePathAlreadySet)
    }

    /// Prefixes a relative, root-based path with the server base path, keeping query and hash.
    /// Unchanged when there is no base path, the path does not start with `/`, or it names a host.
    ///
    /// # Arguments
    ///
    /// * `path` - a root-based path (`/app/home?x=1#h`); other paths and URLs with a host come back
    ///   unchanged.
    pub fn prepend(&self, path: &str) -> String {
        if self.server_base_path.is_empty() || !path.starts_with('/') || path.starts_with("//") {
            return path.to_owned();
        }
        format!("{}{path}", self.server_base_path)
    }

    /// Removes the server base path from `path`: exactly the base path gives `/`, a path under it
    /// loses the prefix, anything else is unchanged.
    ///
    /// # Arguments
    ///
    /// * `path` - a path as the client sent it, with or without the base path.
    pub fn remove(&self, path: &str) -> String {
        let base = &*self.server_base_path;
        if base.is_empty() {
            return path.to_owned();
        }
        if path == base {
            return "/".to_owned();
        }
        match path.strip_prefix(base) {
            Some(rest) if rest.starts_with('/') => rest.to_owned(),
            _ => path.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_base_path_everything_is_unchanged() {
        let base_path = BasePath::new(None);
        assert_eq!(base_path.prepend("/a"), "/a");
        assert_eq!(base_path.remove("/a"), "/a");
    }

    #[test]
    fn prepend_leaves_relative_and_absolute_urls() {
        let base_path = BasePath::new(Some("/foo".to_owned()));
        assert_eq!(base_path.prepend("a/b"), "a/b");
        assert_eq!(base_path.prepend("//host/a"), "//host/a");
        assert_eq!(base_path.prepend("/"), "/foo/");
    }
}
