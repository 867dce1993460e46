//! The `server.*` config section ([`HttpConfig`]) and its TLS part ([`SslConfig`]).

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
        }
    }
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
        Ok(())
    }
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
