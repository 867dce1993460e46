//! What core itself does to every request and response, as Kibana registers it ahead of any
//! plugin's interceptors: the XSRF and version checks after auth, the configured response
//! headers (`server.securityResponseHeaders`, `server.customResponseHeaders`, `kbn-name`) and
//! response compression.
//!
//! Everything is decided at start: which routes the XSRF check applies to, the header names
//! and values, the compression settings. Per request the checks are header lookups; adding
//! the headers clones reference-counted values and allocates nothing.

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{
    self, AcceptEncoding, ContentEncoding, Encoding, HeaderMap, HeaderName, HeaderValue,
};
use core_logging::Logger;
use serde_json::json;

use crate::config::HttpConfig;
use crate::headers::RequestHeaders;
use crate::response::{KibanaResponse, ResponseError};
use crate::route::RouteMethod;
use crate::router::RouteEntry;

const XSRF_HEADER: &str = "kbn-xsrf";
const VERSION_HEADER: &str = "kbn-version";
const XSRF_HEADER_NAME: HeaderName = HeaderName::from_static(XSRF_HEADER);
const VERSION_HEADER_NAME: HeaderName = HeaderName::from_static(VERSION_HEADER);

/// Responses smaller than this are not worth compressing (hapi's `minBytes`).
const MIN_COMPRESSED_SIZE: u64 = 1024;

/// Core's checks, headers and compression, built once at start from `server.*`.
pub(crate) struct CoreHandlers {
    version: String,
    xsrf_disabled: bool,
    xsrf_whitelist: Vec<String>,
    /// Each name once, with its values.
    response_headers: Vec<(HeaderName, Vec<HeaderValue>)>,
    compression: Option<Compression>,
}

/// `server.compression` when enabled.
struct Compression {
    referrer_whitelist: Option<Vec<String>>,
}

impl CoreHandlers {
    /// The handlers for `config`, checking `kbn-version` against `version`. The header names
    /// and values were validated with the config, so none is dropped here in practice.
    pub(crate) fn new(config: &HttpConfig, version: &str) -> Self {
        let response_headers = config
            .response_header_values()
            .into_iter()
            .filter_map(|(name, values)| {
                let values = values
                    .into_iter()
                    .filter_map(|value| HeaderValue::try_from(value).ok())
                    .collect::<Vec<_>>();
                Some((HeaderName::try_from(name).ok()?, values))
            })
            .filter(|(_, values)| !values.is_empty())
            .collect();
        Self {
            version: version.to_owned(),
            xsrf_disabled: config.xsrf.disable_protection,
            xsrf_whitelist: config.xsrf.whitelist.clone(),
            response_headers,
            compression: config.compression.enabled.then(|| Compression {
                referrer_whitelist: config.compression.referrer_whitelist.clone(),
            }),
        }
    }

    /// Whether requests to `route` must carry `kbn-xsrf` or `kbn-version`: every method but
    /// `GET`, unless protection is off, the route is whitelisted (by its declared path) or it
    /// opted out.
    pub(crate) fn xsrf_applies(&self, route: &RouteEntry) -> bool {
        !self.xsrf_disabled
            && route.method != RouteMethod::Get
            && route.options.xsrf_required
            && !self.xsrf_whitelist.contains(&route.full_path)
    }

    /// The post-auth checks, in Kibana's order: XSRF (when `xsrf_applies`), then the version
    /// header. `Some(response)`: answer with it.
    pub(crate) fn check(
        &self,
        xsrf_applies: bool,
        headers: &RequestHeaders,
    ) -> Option<KibanaResponse> {
        let version = headers.get_named(&VERSION_HEADER_NAME);
        if xsrf_applies && version.is_none() && headers.get_named(&XSRF_HEADER_NAME).is_none() {
            return Some(KibanaResponse::error(
                400,
                ResponseError::new(format_args!("Request must contain a {XSRF_HEADER} header.")),
            ));
        }
        match version {
            Some(got) if got != self.version => Some(KibanaResponse::error(
                400,
                ResponseError::new(format_args!(
                    "Browser client is out of date, please refresh the page (\"{VERSION_HEADER}\" header was \"{got}\" but should be \"{}\")",
                    self.version
                ))
                .attributes(json!({ "expected": self.version, "got": got })),
            )),
            _ => None,
        }
    }

    /// Sets the configured headers on a response, replacing the response's own values of
    /// those names (with the warning Kibana logs when a pre-response step rewrites a header).
    pub(crate) fn add_response_headers(&self, headers: &mut HeaderMap, logger: &Logger) {
        for (name, values) in &self.response_headers {
            if headers.contains_key(name) {
                logger.warn(format!("Server rewrites a response header [{name}]."));
            }
            let mut values = values.iter();
            if let Some(first) = values.next() {
                headers.insert(name.clone(), first.clone());
            }
            for value in values {
                headers.append(name.clone(), value.clone());
            }
        }
    }

    /// What compression needs of `request`, read before its headers are taken: its
    /// `Accept-Encoding` value, unless compression is off, the client sent none, or the request
    /// came from a referrer outside `referrerWhitelist`. Nothing is parsed yet: most answers are
    /// too small to compress, and [`compress`] negotiates only for those that qualify.
    pub(crate) fn accepted_encodings(&self, request: &ServiceRequest) -> Option<HeaderValue> {
        let compression = self.compression.as_ref()?;
        let accepted = request.headers().get(header::ACCEPT_ENCODING)?;
        if let Some(list) = &compression.referrer_whitelist
            && let Some(referrer) = request.headers().get(header::REFERER)
            && !referrer_host(referrer).is_some_and(|host| {
                list.iter()
                    .any(|allowed| allowed.eq_ignore_ascii_case(host))
            })
        {
            return None;
        }
        Some(accepted.clone())
    }
}

/// Compresses `response` when it benefits and the client accepts it: a text-like type (JSON,
/// text, XML, JavaScript, SVG, NDJSON) and a body of [`MIN_COMPRESSED_SIZE`] or more, or
/// streamed; not when the handler already encoded it. The encoding is the client's preferred
/// one of `br` and `gzip` in `accepted` (an `Accept-Encoding` value).
pub(crate) fn compress(response: ServiceResponse, accepted: &HeaderValue) -> ServiceResponse {
    let head = response.response().head();
    let worth_it = match response.response().body().size() {
        BodySize::Sized(size) => size >= MIN_COMPRESSED_SIZE,
        BodySize::Stream => true,
        BodySize::None => false,
    };
    if !worth_it
        || head.headers.contains_key(header::CONTENT_ENCODING)
        || !head
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(is_compressible)
    {
        return response;
    }
    let Some(encoding) = negotiate(accepted) else {
        return response;
    };
    response
        .map_body(|head, body| {
            BoxBody::new(actix_http::encoding::Encoder::response(
                encoding, head, body,
            ))
        })
        .map_into_boxed_body()
}

/// The client's preferred one of `br` and `gzip`, by actix-web's `Accept-Encoding` rules
/// (quality values, `*`, `identity`).
fn negotiate(accepted: &HeaderValue) -> Option<ContentEncoding> {
    let preferences = header::from_comma_delimited(std::iter::once(accepted)).ok()?;
    match AcceptEncoding(preferences).negotiate([Encoding::brotli(), Encoding::gzip()].iter())? {
        encoding if encoding == Encoding::brotli() => Some(ContentEncoding::Brotli),
        encoding if encoding == Encoding::gzip() => Some(ContentEncoding::Gzip),
        _ => None,
    }
}

/// Text-like media types, which compress well.
fn is_compressible(content_type: &str) -> bool {
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    media_type.starts_with("text/")
        || media_type.ends_with("+json")
        || media_type.ends_with("+xml")
        || matches!(
            media_type.as_str(),
            "application/json"
                | "application/x-ndjson"
                | "application/javascript"
                | "application/xml"
                | "image/svg+xml"
        )
}

/// The host name of a `Referer` value (`https://host:port/path` → `host`).
fn referrer_host(referrer: &HeaderValue) -> Option<&str> {
    let text = referrer.to_str().ok()?;
    let after_scheme = text.split_once("://")?.1;
    let authority = after_scheme.split(['/', '?', '#']).next()?;
    let host_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = if let Some(bracketed) = host_port.strip_prefix('[') {
        bracketed.split_once(']')?.0
    } else {
        host_port.split(':').next()?
    };
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn referrer_hosts() {
        let host =
            |text: &'static str| referrer_host(&HeaderValue::from_static(text)).map(str::to_owned);
        let some = |host: &str| Some(host.to_owned());
        assert_eq!(
            host("https://kibana.example.com:5601/app?x=1"),
            some("kibana.example.com")
        );
        assert_eq!(
            host("http://user:pw@other.example.com/"),
            some("other.example.com")
        );
        assert_eq!(host("http://[::1]:80/"), some("::1"));
        assert_eq!(host("not a url"), None);
        assert_eq!(host("http:///path"), None);
    }

    #[test]
    fn compressible_types() {
        assert!(is_compressible("application/json; charset=utf-8"));
        assert!(is_compressible("text/html"));
        assert!(is_compressible("application/vnd.api+json"));
        assert!(!is_compressible("image/png"));
        assert!(!is_compressible("application/octet-stream"));
        assert!(!is_compressible("application/gzip"));
    }
}
