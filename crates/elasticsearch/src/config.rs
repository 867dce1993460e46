//! The `elasticsearch.*` config section with Kibana 7.2's keys and defaults.
//!
//! Deserialization gives types and defaults; [`ConfigSchema::validate`] adds the rules serde cannot express and
//! names the key at fault (relative to `elasticsearch`, the config service prefixes it). Credentials are kept in
//! [`Secret`], whose `Debug` and `Display` print `[redacted]`.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use core_config::{ConfigSchema, ValidationError};
use serde::{Deserialize, Deserializer};
use url::Url;

/// A credential: never printed by `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    ///
    /// # Arguments
    ///
    /// * `value` - the credential, such as a password.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The credential itself; call only where it is sent, never where it could be logged.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A value that Kibana accepts either alone or as a list (`hosts: http://a:9200` or `hosts: [..]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged, expecting = "a string or a list of strings")]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

fn one_or_many<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(value) => vec![value],
        OneOrMany::Many(values) => values,
    })
}

fn optional_one_or_many<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<String>>, D::Error> {
    one_or_many(deserializer).map(Some)
}

pub(crate) fn duration<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    core_config::values::duration(deserializer)
}

fn optional_duration<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Duration>, D::Error> {
    duration(deserializer).map(Some)
}

/// `sniffInterval`: `false` or a duration.
#[derive(Deserialize)]
#[serde(untagged, expecting = "false or a duration")]
enum RawSniffInterval {
    Off(bool),
    #[serde(deserialize_with = "duration")]
    Every(Duration),
}

fn sniff_interval<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Duration>, D::Error> {
    Ok(match RawSniffInterval::deserialize(deserializer)? {
        RawSniffInterval::Off(false) => None,
        // `true` is not an interval: validation reports it as a zero one.
        RawSniffInterval::Off(true) => Some(Duration::ZERO),
        RawSniffInterval::Every(every) => Some(every),
    })
}

/// How the TLS certificate of Elasticsearch is checked (`elasticsearch.ssl.verificationMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VerificationMode {
    /// Check the chain and the host name (the default).
    #[default]
    Full,
    /// Check the chain but not the host name. Not available with rustls: rejected by validation.
    Certificate,
    /// Accept any certificate (development only).
    None,
}

/// `elasticsearch.ssl.*`.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct SslConfig {
    /// How Elasticsearch's certificate is checked.
    pub verification_mode: VerificationMode,
    /// PEM files of certificate authorities to trust besides the bundled Mozilla roots.
    #[serde(deserialize_with = "optional_one_or_many")]
    pub certificate_authorities: Option<Vec<String>>,
    /// PEM file of the client certificate (with `key`, for PKI authentication).
    pub certificate: Option<String>,
    /// PEM file of the client certificate's unencrypted private key.
    pub key: Option<String>,
    /// Passphrase of an encrypted key: not supported with rustls, rejected by validation.
    pub key_passphrase: Option<Secret>,
    /// Whether the client certificate is also presented on calls made for the current user.
    pub always_present_certificate: bool,
}

impl Default for SslConfig {
    fn default() -> Self {
        Self {
            verification_mode: VerificationMode::Full,
            certificate_authorities: None,
            certificate: None,
            key: None,
            key_passphrase: None,
            always_present_certificate: true,
        }
    }
}

impl fmt::Debug for SslConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SslConfig")
            .field("verification_mode", &self.verification_mode)
            .field("certificate_authorities", &self.certificate_authorities)
            .field("certificate", &self.certificate)
            .field("key", &self.key)
            .field("key_passphrase", &self.key_passphrase)
            .field(
                "always_present_certificate",
                &self.always_present_certificate,
            )
            .finish()
    }
}

/// `elasticsearch.healthCheck.*`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct HealthCheckConfig {
    /// Time between two health checks.
    #[serde(deserialize_with = "duration")]
    pub delay: Duration,
}

impl Default for HealthCheckConfig {
    fn default() -> Self {
        Self {
            delay: Duration::from_millis(2500),
        }
    }
}

/// `elasticsearch.maxResponseSize` by default: 100 MiB.
pub const DEFAULT_MAX_RESPONSE_SIZE: u64 = 100 * 1024 * 1024;

/// `maxResponseSize`: a byte size, or `false` for no limit (later Kibana's form).
fn max_response_size<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Limit {
        Off(bool),
        Size(serde_json::Value),
    }
    match Limit::deserialize(deserializer)? {
        Limit::Off(false) => Ok(None),
        Limit::Off(true) => Err(serde::de::Error::custom(
            "expected a byte size (e.g. \"100mb\") or false",
        )),
        Limit::Size(value) => core_config::values::byte_size(value)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

/// The `elasticsearch` config section (Kibana 7.2's keys, defaults and rules).
#[derive(Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct ElasticsearchConfig {
    /// URLs of the nodes, `http` or `https`, without credentials. Requests go round-robin across them.
    #[serde(deserialize_with = "one_or_many")]
    pub hosts: Vec<String>,
    /// User Kibana itself authenticates as (with `password`).
    pub username: Option<String>,
    /// Password of `username`.
    pub password: Option<Secret>,
    /// Headers of the incoming request forwarded to Elasticsearch for the current user (case-insensitive).
    #[serde(deserialize_with = "one_or_many")]
    pub request_headers_whitelist: Vec<String>,
    /// Headers sent with every request.
    pub custom_headers: BTreeMap<String, String>,
    /// Time Elasticsearch waits for shard responses (sent by callers that use it).
    #[serde(deserialize_with = "duration")]
    pub shard_timeout: Duration,
    /// Time to wait for a response.
    #[serde(deserialize_with = "duration")]
    pub request_timeout: Duration,
    /// Time to wait for a ping or health check; `requestTimeout` when unset.
    #[serde(deserialize_with = "optional_duration")]
    pub ping_timeout: Option<Duration>,
    /// Time to wait for Elasticsearch at startup.
    #[serde(deserialize_with = "duration")]
    pub startup_timeout: Duration,
    /// Log every query at debug level under `elasticsearch.query.<type>`.
    pub log_queries: bool,
    /// The largest answer read from Elasticsearch, in bytes (`false`: no limit). Default 100 MiB.
    #[serde(deserialize_with = "max_response_size")]
    pub max_response_size: Option<u64>,
    /// Ask the cluster for its nodes when the service starts, and send requests to them too.
    pub sniff_on_start: bool,
    /// Ask the cluster for its nodes this often (`false`: never).
    #[serde(deserialize_with = "sniff_interval")]
    pub sniff_interval: Option<Duration>,
    /// Ask the cluster for its nodes after a connection to one failed.
    pub sniff_on_connection_fault: bool,
    /// Health check settings.
    pub health_check: HealthCheckConfig,
    /// Keep going (with a warning) when a node's version is incompatible with Kibana's.
    pub ignore_version_mismatch: bool,
    /// TLS settings for `https` hosts.
    pub ssl: SslConfig,
}

impl Default for ElasticsearchConfig {
    fn default() -> Self {
        Self {
            hosts: vec!["http://localhost:9200".to_owned()],
            username: None,
            password: None,
            request_headers_whitelist: vec!["authorization".to_owned()],
            custom_headers: BTreeMap::new(),
            shard_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(30),
            max_response_size: Some(DEFAULT_MAX_RESPONSE_SIZE),
            ping_timeout: None,
            startup_timeout: Duration::from_secs(5),
            log_queries: false,
            sniff_on_start: false,
            sniff_interval: None,
            sniff_on_connection_fault: false,
            health_check: HealthCheckConfig::default(),
            ignore_version_mismatch: false,
            ssl: SslConfig::default(),
        }
    }
}

impl ElasticsearchConfig {
    /// `pingTimeout`, or `requestTimeout` when it is unset.
    pub fn effective_ping_timeout(&self) -> Duration {
        self.ping_timeout.unwrap_or(self.request_timeout)
    }
}

impl fmt::Debug for ElasticsearchConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ElasticsearchConfig")
            .field("hosts", &self.hosts)
            .field("username", &self.username)
            .field("password", &self.password)
            .field("request_headers_whitelist", &self.request_headers_whitelist)
            .field("custom_headers", &RedactedHeaders(&self.custom_headers))
            .field("shard_timeout", &self.shard_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("ping_timeout", &self.ping_timeout)
            .field("startup_timeout", &self.startup_timeout)
            .field("log_queries", &self.log_queries)
            .field("max_response_size", &self.max_response_size)
            .field("health_check", &self.health_check)
            .field("ignore_version_mismatch", &self.ignore_version_mismatch)
            .field("ssl", &self.ssl)
            .finish_non_exhaustive()
    }
}

/// Custom header names with their values hidden: a custom header may carry a token.
pub(crate) struct RedactedHeaders<'a>(pub(crate) &'a BTreeMap<String, String>);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.keys().map(|name| (name, "[redacted]")))
            .finish()
    }
}

impl ConfigSchema for ElasticsearchConfig {
    fn validate(&self) -> Result<(), ValidationError> {
        validate_hosts(&self.hosts)?;
        if self.password.is_some() && self.username.is_none() {
            return Err(ValidationError::new(
                "username",
                "is required when password is set",
            ));
        }
        if self.username.is_some() && self.password.is_none() {
            return Err(ValidationError::new(
                "password",
                "is required when username is set",
            ));
        }
        for (index, name) in self.request_headers_whitelist.iter().enumerate() {
            if elasticsearch::http::headers::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(ValidationError::new(
                    format!("requestHeadersWhitelist.{index}"),
                    format!("\"{name}\" is not a valid header name"),
                ));
            }
        }
        validate_custom_headers(&self.custom_headers)?;
        for (key, value) in [
            ("shardTimeout", self.shard_timeout),
            ("requestTimeout", self.request_timeout),
            ("pingTimeout", self.effective_ping_timeout()),
            ("startupTimeout", self.startup_timeout),
            ("healthCheck.delay", self.health_check.delay),
        ] {
            if value.is_zero() {
                return Err(ValidationError::new(key, "must be greater than zero"));
            }
        }
        if self.sniff_interval.is_some_and(|every| every.is_zero()) {
            return Err(ValidationError::new(
                "sniffInterval",
                "must be false or a duration greater than zero",
            ));
        }
        validate_ssl(&self.ssl)
    }
}

pub(crate) fn validate_hosts(hosts: &[String]) -> Result<(), ValidationError> {
    if hosts.is_empty() {
        return Err(ValidationError::new(
            "hosts",
            "must contain at least one URL",
        ));
    }
    for (index, host) in hosts.iter().enumerate() {
        let key = if hosts.len() == 1 {
            "hosts".to_owned()
        } else {
            format!("hosts.{index}")
        };
        // Credentials first, and on the text itself: no message may show them, even for a
        // host that is not a valid URL.
        let shown = redact_userinfo(host);
        if shown != host.as_str() {
            return Err(ValidationError::new(
                &key,
                "must not contain credentials; use elasticsearch.username and elasticsearch.password",
            ));
        }
        let url = Url::parse(host).map_err(|error| {
            ValidationError::new(&key, format!("\"{host}\" is not a valid URL ({error})"))
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ValidationError::new(
                &key,
                format!("\"{host}\" must use http or https"),
            ));
        }
        if url.host().is_none() {
            return Err(ValidationError::new(
                &key,
                format!("\"{host}\" has no host"),
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            // The URL would end up in error messages and logs.
            return Err(ValidationError::new(
                &key,
                "must not contain credentials; use elasticsearch.username and elasticsearch.password",
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(ValidationError::new(
                &key,
                format!("\"{host}\" must not have a query or a fragment"),
            ));
        }
    }
    Ok(())
}

/// `text` with the userinfo of a URL-like string (`user:password@` before the host) replaced by
/// `[redacted]`, whether or not the rest is a valid URL: what a message may show of a host.
pub(crate) fn redact_userinfo(text: &str) -> std::borrow::Cow<'_, str> {
    let start = text.find("://").map_or(0, |index| index + 3);
    let rest = &text[start..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{}[redacted]@{}", &text[..start], &rest[at + 1..]).into(),
        None => text.into(),
    }
}

pub(crate) fn validate_custom_headers(
    headers: &BTreeMap<String, String>,
) -> Result<(), ValidationError> {
    use elasticsearch::http::headers::{HeaderName, HeaderValue};
    for (name, value) in headers {
        let key = format!("customHeaders.{name}");
        if HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(ValidationError::new(key, "is not a valid header name"));
        }
        if HeaderValue::from_str(value).is_err() {
            return Err(ValidationError::new(key, "is not a valid header value"));
        }
    }
    Ok(())
}

pub(crate) fn validate_ssl(ssl: &SslConfig) -> Result<(), ValidationError> {
    if ssl.verification_mode == VerificationMode::Certificate {
        return Err(ValidationError::new(
            "ssl.verificationMode",
            "\"certificate\" (verify the chain but not the host name) is not supported by the TLS stack (rustls); use \"full\" or, for development only, \"none\"",
        ));
    }
    if ssl
        .certificate_authorities
        .as_ref()
        .is_some_and(Vec::is_empty)
    {
        return Err(ValidationError::new(
            "ssl.certificateAuthorities",
            "must not be an empty list",
        ));
    }
    match (&ssl.certificate, &ssl.key) {
        (Some(_), None) => {
            return Err(ValidationError::new(
                "ssl.key",
                "is required when ssl.certificate is set",
            ));
        }
        (None, Some(_)) => {
            return Err(ValidationError::new(
                "ssl.certificate",
                "is required when ssl.key is set",
            ));
        }
        _ => {}
    }
    if ssl.key_passphrase.is_some() {
        return Err(ValidationError::new(
            "ssl.keyPassphrase",
            "encrypted keys are not supported by the TLS stack (rustls); configure an unencrypted PEM key",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_redacted_from_any_url_like_text() {
        for (text, shown) in [
            ("http://kib:pw@host:9200", "http://[redacted]@host:9200"),
            (
                "ftp://kib:pw@host:9200/x?y",
                "ftp://[redacted]@host:9200/x?y",
            ),
            ("kib:pw@host:9200", "[redacted]@host:9200"),
            ("http://kib:p@w@[bad", "http://[redacted]@[bad"),
            ("http://host:9200/a@b", "http://host:9200/a@b"),
            ("http://host:9200", "http://host:9200"),
            ("not a url", "not a url"),
        ] {
            assert_eq!(redact_userinfo(text), shown, "{text}");
        }
    }

    #[test]
    fn no_host_message_shows_credentials() {
        for host in [
            "ftp://kib:secret-pw@host:9200",
            "http://kib:secret-pw@[bad",
            "kib:secret-pw@host:9200",
            "http://kib:secret-pw@host:9200?x=1",
        ] {
            let error = validate_hosts(&[host.to_owned()]).unwrap_err();
            let text = format!("{}: {}", error.path, error.message);
            assert!(!text.contains("secret-pw"), "{host}: {text}");
            assert!(
                text.contains("must not contain credentials"),
                "{host}: {text}"
            );
        }
    }
}
