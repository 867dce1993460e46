//! The `server.*` config section ([`HttpConfig`]) and its TLS part ([`SslConfig`]).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use core_config::{ConfigSchema, ValidationError};
use serde::{Deserialize, Deserializer, de};

/// The `server.*` config section: where and how the HTTP server listens.
///
/// Keys are camelCase as in Kibana; unknown keys are rejected. One deliberate rename: Kibana's
/// `server.maxPayloadBytes` is called `server.maxPayload` here; it
/// accepts a number of bytes or a byte-size string such as `1mb` (binary units, like Kibana).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct HttpConfig {
    /// Host name or IP address to listen on.
    pub host: String,
    /// TCP port to listen on (`0` picks a free port).
    pub port: u16,
    /// Public path prefix under which the server is reached, e.g. `/kibana`.
    pub base_path: Option<String>,
    /// Strip [`HttpConfig::base_path`] from incoming requests before routing.
    pub rewrite_base_path: bool,
    /// Largest accepted request body, in bytes.
    #[serde(deserialize_with = "core_config::values::byte_size")]
    pub max_payload: u64,
    /// Bind the port on `start` (false keeps the service set up but not listening).
    pub auto_listen: bool,
    /// How long an idle keep-alive connection stays open.
    #[serde(deserialize_with = "core_config::values::duration")]
    pub keepalive_timeout: Duration,
    /// How long a client may take to send a request's head.
    #[serde(deserialize_with = "core_config::values::duration")]
    pub socket_timeout: Duration,
    /// Upper bound for draining in-flight requests on stop.
    #[serde(deserialize_with = "core_config::values::duration")]
    pub shutdown_timeout: Duration,
    /// TLS settings.
    pub ssl: SslConfig,
    /// `server.requestId.*`: whose `x-opaque-id` header becomes the request id.
    pub request_id: RequestIdConfig,
    /// `server.name`: this server's display name, sent as the `kbn-name` response header and
    /// shown by `/api/status`. Default: the host name.
    pub name: String,
    /// `server.uuid`: this instance's id. When unset, the server keeps the one it generated in
    /// `<path.data>/uuid` (or generates one there).
    pub uuid: Option<String>,
    /// `server.xsrf.*`: the `kbn-xsrf` header check on requests that change state.
    pub xsrf: XsrfConfig,
    /// `server.customResponseHeaders`: headers added to every response (name → value; a list
    /// sends the header once per value; a number or boolean is sent as its text, an object
    /// as JSON).
    pub custom_response_headers: BTreeMap<String, serde_json::Value>,
    /// `server.securityResponseHeaders.*`: the security headers added to every response.
    pub security_response_headers: SecurityResponseHeadersConfig,
    /// `server.compression.*`: response compression.
    pub compression: CompressionConfig,
    /// `server.oas.*`: the OpenAPI document at `GET /api/oas`.
    pub oas: OasConfig,
}

/// `server.oas.*`: serve the OpenAPI document of every route at `GET /api/oas`, without
/// authentication (as Kibana does).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OasConfig {
    /// Serve the document. Default `false`: it describes every route to anyone who asks.
    pub enabled: bool,
}

/// `server.xsrf.*`: a request whose method changes state (anything but `GET` and `HEAD`) must
/// carry a `kbn-xsrf` or a `kbn-version` header, which a cross-site form cannot add.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct XsrfConfig {
    /// Turns the check off for every route. Default `false`.
    pub disable_protection: bool,
    /// Route paths (as declared, e.g. `/api/webhooks/{id}`) the check skips. Each must start
    /// with `/`. Later Kibana versions call this list `allowlist`; both names are accepted.
    #[serde(alias = "allowlist")]
    pub whitelist: Vec<String>,
}

/// `server.compression.*`: compress responses for clients that accept it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct CompressionConfig {
    /// Compress responses (gzip or br, as the request's `Accept-Encoding` prefers) whose type
    /// is text-like and whose body is 1 KiB or more (or streamed). Default `true`.
    pub enabled: bool,
    /// When set, a request with a `Referer` header is answered compressed only if the
    /// referrer's host name is in this list (requests without a referrer still are). At least
    /// one host name.
    pub referrer_whitelist: Option<Vec<String>>,
}

impl Default for CompressionConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            referrer_whitelist: None,
        }
    }
}

/// `server.securityResponseHeaders.*`: each header is sent on every response unless set to
/// `null`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct SecurityResponseHeadersConfig {
    /// `Strict-Transport-Security`, e.g. `max-age=31536000; includeSubDomains`. Default: not
    /// sent.
    #[serde(deserialize_with = "nullable")]
    pub strict_transport_security: Option<String>,
    /// `X-Content-Type-Options`: `nosniff` (the default) or `null`.
    #[serde(deserialize_with = "nullable")]
    pub x_content_type_options: Option<NoSniff>,
    /// `Referrer-Policy`. Default `strict-origin-when-cross-origin`.
    #[serde(deserialize_with = "nullable")]
    pub referrer_policy: Option<ReferrerPolicy>,
    /// `Permissions-Policy`, e.g. `camera=(), microphone=()`. Default: not sent.
    #[serde(deserialize_with = "nullable")]
    pub permissions_policy: Option<String>,
    /// Sends `X-Frame-Options: SAMEORIGIN`, so other sites cannot embed the server's pages.
    /// Default `false`.
    pub disable_embedding: bool,
}

impl Default for SecurityResponseHeadersConfig {
    fn default() -> Self {
        Self {
            strict_transport_security: None,
            x_content_type_options: Some(NoSniff::NoSniff),
            referrer_policy: Some(ReferrerPolicy::StrictOriginWhenCrossOrigin),
            permissions_policy: None,
            disable_embedding: false,
        }
    }
}

/// The one value of `X-Content-Type-Options`: `nosniff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum NoSniff {
    /// `nosniff`
    #[serde(rename = "nosniff")]
    NoSniff,
}

/// A `Referrer-Policy` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReferrerPolicy {
    /// `no-referrer`
    NoReferrer,
    /// `no-referrer-when-downgrade`
    NoReferrerWhenDowngrade,
    /// `origin`
    Origin,
    /// `origin-when-cross-origin`
    OriginWhenCrossOrigin,
    /// `same-origin`
    SameOrigin,
    /// `strict-origin`
    StrictOrigin,
    /// `strict-origin-when-cross-origin`
    StrictOriginWhenCrossOrigin,
    /// `unsafe-url`
    UnsafeUrl,
}

impl ReferrerPolicy {
    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoReferrer => "no-referrer",
            Self::NoReferrerWhenDowngrade => "no-referrer-when-downgrade",
            Self::Origin => "origin",
            Self::OriginWhenCrossOrigin => "origin-when-cross-origin",
            Self::SameOrigin => "same-origin",
            Self::StrictOrigin => "strict-origin",
            Self::StrictOriginWhenCrossOrigin => "strict-origin-when-cross-origin",
            Self::UnsafeUrl => "unsafe-url",
        }
    }
}

impl SecurityResponseHeadersConfig {
    /// The headers these settings send, as `(name, value)`.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = Vec::new();
        if let Some(value) = &self.strict_transport_security {
            headers.push(("strict-transport-security", value.clone()));
        }
        if self.x_content_type_options.is_some() {
            headers.push(("x-content-type-options", "nosniff".to_owned()));
        }
        if let Some(policy) = self.referrer_policy {
            headers.push(("referrer-policy", policy.as_str().to_owned()));
        }
        if let Some(value) = &self.permissions_policy {
            headers.push(("permissions-policy", value.clone()));
        }
        if self.disable_embedding {
            headers.push(("x-frame-options", "SAMEORIGIN".to_owned()));
        }
        headers
    }
}

/// A present `null` is `None`; an absent key keeps the field's default (serde's `default`).
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    Option::<T>::deserialize(deserializer)
}

/// `server.requestId.*`: a request's id is the `x-opaque-id` header it brings when it comes from
/// a trusted address (a proxy that already assigned one), otherwise a fresh UUID.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct RequestIdConfig {
    /// Trust the header from every client. Default `false`.
    pub allow_from_any_ip: bool,
    /// Trust the header from these addresses only. Default none.
    pub ip_allowlist: Vec<AllowedIp>,
}

impl RequestIdConfig {
    /// Whether an incoming `x-opaque-id` from `address` is taken as the request id.
    ///
    /// # Arguments
    ///
    /// * `address` - the client's address (the peer of the connection).
    pub fn trusts(&self, address: IpAddr) -> bool {
        self.allow_from_any_ip || self.ip_allowlist.iter().any(|allowed| allowed.0 == address)
    }

    /// Whether any address is trusted (when none is, the header is never read).
    pub fn trusts_any(&self) -> bool {
        self.allow_from_any_ip || !self.ip_allowlist.is_empty()
    }
}

/// An IPv4 or IPv6 address of `server.requestId.ipAllowlist`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllowedIp(pub IpAddr);

impl<'de> Deserialize<'de> for AllowedIp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse()
            .map(Self)
            .map_err(|_| de::Error::custom("value must be a valid ipv4 or ipv6 address"))
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            host: "localhost".to_owned(),
            port: 5601,
            base_path: None,
            rewrite_base_path: false,
            max_payload: 1024 * 1024,
            auto_listen: true,
            keepalive_timeout: Duration::from_secs(120),
            socket_timeout: Duration::from_secs(120),
            shutdown_timeout: Duration::from_secs(30),
            ssl: SslConfig::default(),
            request_id: RequestIdConfig::default(),
            name: host_name(),
            uuid: None,
            xsrf: XsrfConfig::default(),
            custom_response_headers: BTreeMap::new(),
            security_response_headers: SecurityResponseHeadersConfig::default(),
            compression: CompressionConfig::default(),
            oas: OasConfig::default(),
        }
    }
}

/// Kibana's `server.name` default: the machine's host name.
/// Non-ASCII characters are dropped, since the name is sent as a header value.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|name| {
            name.trim()
                .chars()
                .filter(char::is_ascii)
                .collect::<String>()
        })
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// `server.ssl.*`: TLS for the main server (rustls with the ring provider).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct SslConfig {
    /// Serve HTTPS instead of HTTP.
    pub enabled: bool,
    /// Path to the PEM certificate chain (leaf first).
    pub certificate: Option<String>,
    /// Path to the PEM private key (unencrypted PKCS#8, PKCS#1 or SEC1).
    pub key: Option<String>,
    /// PEM file(s) with CA certificates; a single string is accepted as a one-item list.
    #[serde(deserialize_with = "deserialize_string_or_list")]
    pub certificate_authorities: Option<Vec<String>>,
    /// TLS versions to allow; none listed allows every version rustls implements.
    pub supported_protocols: Option<Vec<TlsProtocol>>,
    /// Plain-HTTP port whose requests are redirected to the HTTPS server.
    pub redirect_http_from_port: Option<u16>,
}

/// A TLS protocol version named as Kibana names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsProtocol {
    /// `TLSv1.2`
    TlsV1_2,
    /// `TLSv1.3`
    TlsV1_3,
}

impl<'de> Deserialize<'de> for TlsProtocol {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        match name.as_str() {
            "TLSv1.2" => Ok(Self::TlsV1_2),
            "TLSv1.3" => Ok(Self::TlsV1_3),
            "TLSv1" | "TLSv1.1" => Err(de::Error::custom(format!(
                "[{name}] is not supported: rustls implements only TLSv1.2 and TLSv1.3"
            ))),
            other => Err(de::Error::custom(format!(
                "[{other}] is not a TLS protocol; expected one of [TLSv1.2, TLSv1.3]"
            ))),
        }
    }
}

impl ConfigSchema for HttpConfig {
    fn validate(&self) -> Result<(), ValidationError> {
        if !is_valid_host(&self.host) {
            return Err(ValidationError::new(
                "host",
                format!(
                    "value is [{}] but it must be a valid hostname (see RFC 1123).",
                    self.host
                ),
            ));
        }
        if let Some(base_path) = &self.base_path {
            // Kibana accepts the empty string as "no base path".
            if !base_path.is_empty() && (!base_path.starts_with('/') || base_path.ends_with('/')) {
                return Err(ValidationError::new(
                    "basePath",
                    "must start with a slash, don't end with one",
                ));
            }
        }
        if self.rewrite_base_path && self.base_path().is_none() {
            return Err(ValidationError::new(
                "",
                "cannot use [rewriteBasePath] when [basePath] is not specified",
            ));
        }
        if self.ssl.enabled && self.ssl.redirect_http_from_port == Some(self.port) {
            return Err(ValidationError::new(
                "",
                format!(
                    "Kibana does not accept http traffic to [port] when ssl is enabled (only https is allowed), so [ssl.redirectHttpFromPort] cannot be configured to the same value. Both are [{}].",
                    self.port
                ),
            ));
        }
        if self.request_id.allow_from_any_ip && !self.request_id.ip_allowlist.is_empty() {
            return Err(ValidationError::new(
                "requestId",
                "allowFromAnyIp must be set to 'false' if any values are specified in ipAllowlist",
            ));
        }
        if self.ssl.enabled && (self.ssl.certificate.is_none() || self.ssl.key.is_none()) {
            return Err(ValidationError::new(
                "ssl",
                "must specify [certificate] and [key] when ssl is enabled",
            ));
        }
        if let Some(uuid) = &self.uuid
            && !is_valid_uuid(uuid)
        {
            return Err(ValidationError::new("uuid", "must be a valid uuid"));
        }
        for (index, path) in self.xsrf.whitelist.iter().enumerate() {
            if !path.starts_with('/') {
                return Err(ValidationError::new(
                    format!("xsrf.whitelist.{index}"),
                    "must start with a slash",
                ));
            }
        }
        self.validate_compression()?;
        self.validate_response_headers()
    }
}

impl HttpConfig {
    fn validate_compression(&self) -> Result<(), ValidationError> {
        let Some(list) = &self.compression.referrer_whitelist else {
            return Ok(());
        };
        if !self.compression.enabled {
            return Err(ValidationError::new(
                "",
                "cannot use [compression.referrerWhitelist] when [compression.enabled] is set to false",
            ));
        }
        if list.is_empty() {
            return Err(ValidationError::new(
                "compression.referrerWhitelist",
                "array size is [0], but cannot be smaller than [1]",
            ));
        }
        for (index, host) in list.iter().enumerate() {
            if !is_valid_host(host) {
                return Err(ValidationError::new(
                    format!("compression.referrerWhitelist.{index}"),
                    format!("value is [{host}] but it must be a valid hostname (see RFC 1123)."),
                ));
            }
        }
        Ok(())
    }

    fn validate_response_headers(&self) -> Result<(), ValidationError> {
        for (name, values) in self.response_header_values() {
            if actix_web::http::header::HeaderName::try_from(name.as_str()).is_err() {
                return Err(ValidationError::new(
                    format!("customResponseHeaders.{name}"),
                    "is not a valid header name",
                ));
            }
            if values.iter().any(|value| {
                actix_web::http::header::HeaderValue::try_from(value.as_str()).is_err()
            }) {
                return Err(ValidationError::new(
                    format!("customResponseHeaders.{name}"),
                    "is not a valid header value (control characters or a line break)",
                ));
            }
        }
        let security = &self.security_response_headers;
        for (key, value) in [
            (
                "strictTransportSecurity",
                &security.strict_transport_security,
            ),
            ("permissionsPolicy", &security.permissions_policy),
        ] {
            if let Some(value) = value
                && actix_web::http::header::HeaderValue::try_from(value.as_str()).is_err()
            {
                return Err(ValidationError::new(
                    format!("securityResponseHeaders.{key}"),
                    "is not a valid header value (control characters or a line break)",
                ));
            }
        }
        Ok(())
    }

    /// The headers every response carries, each name once with its values: the security
    /// headers, replaced by `customResponseHeaders` of the same name (a list gives several
    /// values), replaced by `kbn-name`. Names are lowercase.
    pub fn response_header_values(&self) -> Vec<(String, Vec<String>)> {
        let mut headers: Vec<(String, Vec<String>)> = Vec::new();
        let mut set = |name: String, values: Vec<String>| match headers
            .iter_mut()
            .find(|(known, _)| *known == name)
        {
            Some((_, known_values)) => *known_values = values,
            None => headers.push((name, values)),
        };
        for (name, value) in self.security_response_headers.headers() {
            set(name.to_owned(), vec![value]);
        }
        for (name, value) in &self.custom_response_headers {
            let values = match value {
                serde_json::Value::Array(values) => values.iter().map(header_text).collect(),
                value => vec![header_text(value)],
            };
            set(name.to_ascii_lowercase(), values);
        }
        set("kbn-name".to_owned(), vec![self.name.clone()]);
        headers
    }
}

/// A `customResponseHeaders` value as sent: strings as they are, objects as JSON, anything
/// else as its text.
fn header_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Null => "null".to_owned(),
        other => other.to_string(),
    }
}

/// Kibana's `server.uuid` rule: an RFC 4122 UUID of version 0 to 5, any case.
fn is_valid_uuid(text: &str) -> bool {
    let bytes = text.as_bytes();
    let groups = [8, 4, 4, 4, 12];
    let mut parts = text.split('-');
    let shaped = groups.iter().all(|len| {
        parts
            .next()
            .is_some_and(|part| part.len() == *len && part.bytes().all(|b| b.is_ascii_hexdigit()))
    }) && parts.next().is_none();
    shaped
        && matches!(bytes[14], b'0'..=b'5')
        && matches!(
            bytes[19].to_ascii_lowercase(),
            b'0' | b'8' | b'9' | b'a' | b'b'
        )
}

impl HttpConfig {
    /// The configured base path, with the empty string treated as none.
    pub fn base_path(&self) -> Option<&str> {
        self.base_path.as_deref().filter(|path| !path.is_empty())
    }
}

/// RFC 1123 host names, or IPv4/IPv6 addresses.
fn is_valid_host(host: &str) -> bool {
    if host.parse::<IpAddr>().is_ok() {
        return true;
    }
    let host = host.strip_suffix('.').unwrap_or(host);
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn deserialize_string_or_list<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(Option::<OneOrMany>::deserialize(deserializer)
        .map_err(|_| de::Error::custom("expected a file path or a list of file paths"))?
        .map(|value| match value {
            OneOrMany::One(path) => vec![path],
            OneOrMany::Many(paths) => paths,
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert!(is_valid_host("localhost"));
        assert!(is_valid_host("127.0.0.1"));
        assert!(is_valid_host("::1"));
        assert!(is_valid_host("my-host.example.com"));
        assert!(!is_valid_host("bad_host!"));
        assert!(!is_valid_host(""));
    }
}
