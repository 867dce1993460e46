//! What one cluster client needs from the config ([`ElasticsearchClientConfig`]), per-client overrides, and
//! building the official client's transports from it.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use core_config::ValidationError;
use elasticsearch::auth::{ClientCertificate, Credentials};
use elasticsearch::cert::{Certificate, CertificateValidation};
use elasticsearch::http::Url;
use elasticsearch::http::headers::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use elasticsearch::http::transport::{Transport, TransportBuilder};
use serde::Deserialize;

use crate::ElasticsearchError;
use crate::config::{
    ElasticsearchConfig, RedactedHeaders, Secret, SslConfig, VerificationMode,
    validate_custom_headers, validate_hosts, validate_ssl,
};
use crate::pool::{HostPool, HostSelector};

/// The settings of one cluster client (Kibana's `ElasticsearchClientConfig`): the `elasticsearch` config section
/// minus the service-level keys, possibly with [`ClientConfigOverrides`] applied.
#[derive(Clone, PartialEq)]
pub struct ElasticsearchClientConfig {
    /// Node URLs.
    pub hosts: Vec<String>,
    /// Internal user.
    pub username: Option<String>,
    /// Internal user's password.
    pub password: Option<Secret>,
    /// Incoming request headers forwarded for the current user (case-insensitive).
    pub request_headers_whitelist: Vec<String>,
    /// Headers sent with every request.
    pub custom_headers: BTreeMap<String, String>,
    /// Default time to wait for a response.
    pub request_timeout: Duration,
    /// Time to wait for pings and health checks.
    pub ping_timeout: Duration,
    /// Log each query at debug level under `elasticsearch.query.<type>`.
    pub log_queries: bool,
    /// The largest answer read, in bytes; `None` for no limit.
    pub max_response_size: Option<u64>,
    /// Ask the cluster for its nodes after a connection to one failed ([`crate::ClusterClient::sniff`]).
    pub sniff_on_connection_fault: bool,
    /// TLS settings.
    pub ssl: SslConfig,
}

impl From<&ElasticsearchConfig> for ElasticsearchClientConfig {
    fn from(config: &ElasticsearchConfig) -> Self {
        Self {
            hosts: config.hosts.clone(),
            username: config.username.clone(),
            password: config.password.clone(),
            request_headers_whitelist: config.request_headers_whitelist.clone(),
            custom_headers: config.custom_headers.clone(),
            request_timeout: config.request_timeout,
            ping_timeout: config.effective_ping_timeout(),
            log_queries: config.log_queries,
            max_response_size: config.max_response_size,
            sniff_on_connection_fault: config.sniff_on_connection_fault,
            ssl: config.ssl.clone(),
        }
    }
}

impl Default for ElasticsearchClientConfig {
    fn default() -> Self {
        Self::from(&ElasticsearchConfig::default())
    }
}

impl fmt::Debug for ElasticsearchClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ElasticsearchClientConfig")
            .field("hosts", &self.hosts)
            .field("username", &self.username)
            .field("password", &self.password)
            .field("request_headers_whitelist", &self.request_headers_whitelist)
            .field("custom_headers", &RedactedHeaders(&self.custom_headers))
            .field("request_timeout", &self.request_timeout)
            .field("ping_timeout", &self.ping_timeout)
            .field("log_queries", &self.log_queries)
            .field("max_response_size", &self.max_response_size)
            .field("sniff_on_connection_fault", &self.sniff_on_connection_fault)
            .field("ssl", &self.ssl)
            .finish()
    }
}

/// Settings a plugin changes for its own client (`create_client(type, overrides)`): each `Some` replaces the core
/// value. Deserializable (camelCase keys), so a plugin can read it from its own config section.
#[derive(Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct ClientConfigOverrides {
    /// Replaces `hosts`.
    pub hosts: Option<Vec<String>>,
    /// Replaces `username`.
    pub username: Option<String>,
    /// Replaces `password`.
    pub password: Option<Secret>,
    /// Replaces `requestHeadersWhitelist`.
    pub request_headers_whitelist: Option<Vec<String>>,
    /// Replaces `customHeaders`.
    pub custom_headers: Option<BTreeMap<String, String>>,
    /// Replaces `requestTimeout`.
    #[serde(deserialize_with = "optional_duration")]
    pub request_timeout: Option<Duration>,
    /// Replaces `pingTimeout`.
    #[serde(deserialize_with = "optional_duration")]
    pub ping_timeout: Option<Duration>,
    /// Replaces `logQueries`.
    pub log_queries: Option<bool>,
    /// Replaces `ssl`.
    pub ssl: Option<SslConfig>,
}

fn optional_duration<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Duration>, D::Error> {
    crate::config::duration(deserializer).map(Some)
}

impl fmt::Debug for ClientConfigOverrides {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfigOverrides")
            .field("hosts", &self.hosts)
            .field("username", &self.username)
            .field("password", &self.password)
            .field("request_headers_whitelist", &self.request_headers_whitelist)
            .field(
                "custom_headers",
                &self.custom_headers.as_ref().map(RedactedHeaders),
            )
            .field("request_timeout", &self.request_timeout)
            .field("ping_timeout", &self.ping_timeout)
            .field("log_queries", &self.log_queries)
            .field("ssl", &self.ssl)
            .finish()
    }
}

impl ElasticsearchClientConfig {
    /// This config with `overrides` applied.
    ///
    /// # Arguments
    ///
    /// * `overrides` - the settings to replace; the fields left `None` keep this config's values.
    pub fn with_overrides(mut self, overrides: ClientConfigOverrides) -> Self {
        let ClientConfigOverrides {
            hosts,
            username,
            password,
            request_headers_whitelist,
            custom_headers,
            request_timeout,
            ping_timeout,
            log_queries,
            ssl,
        } = overrides;
        if let Some(hosts) = hosts {
            self.hosts = hosts;
        }
        if let Some(username) = username {
            self.username = Some(username);
        }
        if let Some(password) = password {
            self.password = Some(password);
        }
        if let Some(whitelist) = request_headers_whitelist {
            self.request_headers_whitelist = whitelist;
        }
        if let Some(headers) = custom_headers {
            self.custom_headers = headers;
        }
        if let Some(timeout) = request_timeout {
            self.request_timeout = timeout;
        }
        if let Some(timeout) = ping_timeout {
            self.ping_timeout = timeout;
        }
        if let Some(log_queries) = log_queries {
            self.log_queries = log_queries;
        }
        if let Some(ssl) = ssl {
            self.ssl = ssl;
        }
        self
    }

    /// Checks what the config schema checks (overrides bypass it); errors name `elasticsearch.<key>`.
    pub fn validate(&self) -> Result<(), ElasticsearchError> {
        let check = || -> Result<(), ValidationError> {
            validate_hosts(&self.hosts)?;
            validate_custom_headers(&self.custom_headers)?;
            for (index, name) in self.request_headers_whitelist.iter().enumerate() {
                if HeaderName::from_bytes(name.as_bytes()).is_err() {
                    return Err(ValidationError::new(
                        format!("requestHeadersWhitelist.{index}"),
                        format!("\"{name}\" is not a valid header name"),
                    ));
                }
            }
            if self.username.is_some() != self.password.is_some() {
                return Err(ValidationError::new(
                    "username",
                    "username and password must be set together",
                ));
            }
            validate_ssl(&self.ssl)
        };
        check().map_err(|error| config_error(&error.path, error.message))
    }
}

fn config_error(key: &str, message: impl Into<String>) -> ElasticsearchError {
    let key = if key.is_empty() {
        "elasticsearch".to_owned()
    } else {
        format!("elasticsearch.{key}")
    };
    ElasticsearchError::Config {
        key,
        message: message.into(),
    }
}

/// TLS files read once when the client is created, so that the current-user transport can be built later
/// without I/O.
#[derive(Clone, Default)]
pub(crate) struct TlsMaterial {
    /// Concatenated PEM of the configured certificate authorities.
    authorities_pem: Option<Vec<u8>>,
    /// PEM of the client certificate followed by its key.
    identity_pem: Option<Vec<u8>>,
}

impl TlsMaterial {
    pub(crate) fn read(ssl: &SslConfig) -> Result<Self, ElasticsearchError> {
        let read = |key: &str, path: &str| {
            std::fs::read(Path::new(path))
                .map_err(|error| config_error(key, format!("cannot read {path}: {error}")))
        };
        let authorities_pem = match &ssl.certificate_authorities {
            Some(paths) => {
                let mut pem = Vec::new();
                for path in paths {
                    pem.extend(read("ssl.certificateAuthorities", path)?);
                    pem.push(b'\n');
                }
                // Fail now, naming the key, rather than on the first request.
                Certificate::from_pem(&pem).map_err(|error| {
                    config_error(
                        "ssl.certificateAuthorities",
                        format!("not a PEM certificate: {error}"),
                    )
                })?;
                Some(pem)
            }
            None => None,
        };
        let identity_pem = match (&ssl.certificate, &ssl.key) {
            (Some(certificate), Some(key)) => {
                let mut pem = read("ssl.certificate", certificate)?;
                pem.push(b'\n');
                pem.extend(read("ssl.key", key)?);
                reqwest::Identity::from_pem(&pem).map_err(|error| {
                    config_error(
                        "ssl.certificate",
                        format!("certificate and key do not form a PEM identity: {error}"),
                    )
                })?;
                Some(pem)
            }
            _ => None,
        };
        Ok(Self {
            authorities_pem,
            identity_pem,
        })
    }
}

/// Whose credentials a transport carries.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum TransportUser {
    /// Kibana's own user (`username`/`password`) and client certificate.
    Internal,
    /// Nobody: the current user's headers are added per request. The client certificate only when `present_cert`.
    CurrentUser {
        /// `ssl.alwaysPresentCertificate`.
        present_cert: bool,
    },
}

/// Parses the (validated) host URLs.
pub(crate) fn host_pool(
    config: &ElasticsearchClientConfig,
) -> Result<Arc<HostPool>, ElasticsearchError> {
    let mut urls = Vec::with_capacity(config.hosts.len());
    for host in &config.hosts {
        urls.push(
            Url::parse(host)
                .map_err(|error| config_error("hosts", format!("\"{host}\": {error}")))?,
        );
    }
    HostPool::new(urls)
        .map(Arc::new)
        .ok_or_else(|| config_error("hosts", "must contain at least one URL"))
}

/// The headers every request of a client carries: `customHeaders` and, for the internal user,
/// its Basic `Authorization` (sensitive). Also whether the client certificate is presented.
fn default_headers(
    config: &ElasticsearchClientConfig,
    user: TransportUser,
) -> Result<(HeaderMap, bool), ElasticsearchError> {
    let mut default_headers = HeaderMap::with_capacity(config.custom_headers.len() + 1);
    for (name, value) in &config.custom_headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            config_error(
                &format!("customHeaders.{name}"),
                "is not a valid header name",
            )
        })?;
        let value = HeaderValue::from_str(value).map_err(|_| {
            config_error(
                &format!("customHeaders.{name}"),
                "is not a valid header value",
            )
        })?;
        default_headers.insert(name, value);
    }
    let present_cert = match user {
        TransportUser::Internal => {
            if let (Some(username), Some(password)) = (&config.username, &config.password) {
                // A default header rather than credentials, so that it combines with a client
                // certificate; a per-request Authorization still replaces it.
                let mut value = basic_auth_value(username, password.expose())?;
                value.set_sensitive(true);
                default_headers.insert(AUTHORIZATION, value);
            }
            true
        }
        TransportUser::CurrentUser { present_cert } => present_cert,
    };
    Ok((default_headers, present_cert))
}

fn authorities_error(error: impl fmt::Display) -> ElasticsearchError {
    config_error(
        "ssl.certificateAuthorities",
        format!("not a PEM certificate: {error}"),
    )
}

/// Builds the HTTP client calls go through: the config's timeout, TLS settings and default
/// headers, exactly as the official transport (kept for the typed escape hatch,
/// [`build_transport`]) builds its own `reqwest` client from them, so both send the same
/// requests. Hosts are not part of it: each call picks one from the pool.
pub(crate) fn build_http_client(
    config: &ElasticsearchClientConfig,
    tls: &TlsMaterial,
    user: TransportUser,
) -> Result<reqwest::Client, ElasticsearchError> {
    let (default_headers, present_cert) = default_headers(config, user)?;
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(config.request_timeout)
        .no_proxy();
    if !default_headers.is_empty() {
        builder = builder.default_headers(default_headers);
    }
    if present_cert && let Some(identity) = &tls.identity_pem {
        let identity = reqwest::Identity::from_pem(identity).map_err(|error| {
            config_error(
                "ssl.certificate",
                format!("certificate and key do not form a PEM identity: {error}"),
            )
        })?;
        builder = builder.identity(identity);
    }
    // What the official `TransportBuilder` does for each `CertificateValidation` under rustls:
    // `None` accepts any certificate; `Full` adds the authorities to the bundled roots;
    // `Default` keeps the bundled roots. (Its `Certificate` mode exists only with native-tls,
    // which is why `verificationMode: certificate` is refused by the config schema.)
    match (config.ssl.verification_mode, &tls.authorities_pem) {
        (VerificationMode::None, _) => builder = builder.danger_accept_invalid_certs(true),
        (_, Some(pem)) => {
            for certificate in Certificate::from_pem(pem).map_err(authorities_error)? {
                builder = builder.add_root_certificate(certificate);
            }
        }
        (_, None) => {}
    }
    builder
        .build()
        .map_err(|error| config_error("", format!("cannot build the HTTP client: {error}")))
}

/// Builds an official transport over `pool` with the config's timeout, TLS settings and custom
/// headers, for the typed escape hatch. It picks hosts from the same pool as the calls do.
pub(crate) fn build_transport(
    config: &ElasticsearchClientConfig,
    tls: &TlsMaterial,
    pool: &Arc<HostPool>,
    user: TransportUser,
) -> Result<Transport, ElasticsearchError> {
    let (default_headers, present_cert) = default_headers(config, user)?;
    let mut builder = TransportBuilder::new(HostSelector(Arc::clone(pool)))
        .timeout(config.request_timeout)
        .disable_proxy()
        .enable_meta_header(false);
    if present_cert && let Some(identity) = &tls.identity_pem {
        builder = builder.auth(Credentials::Certificate(ClientCertificate::Pem(
            identity.clone(),
        )));
    }
    let validation = match (config.ssl.verification_mode, &tls.authorities_pem) {
        (VerificationMode::None, _) => CertificateValidation::None,
        (_, Some(pem)) => {
            CertificateValidation::Full(Certificate::from_pem(pem).map_err(authorities_error)?)
        }
        (_, None) => CertificateValidation::Default,
    };
    builder = builder.cert_validation(validation).headers(default_headers);
    builder
        .build()
        .map_err(|error| config_error("", format!("cannot build the HTTP client: {error}")))
}

fn basic_auth_value(username: &str, password: &str) -> Result<HeaderValue, ElasticsearchError> {
    use base64::Engine as _;
    let encoded =
        base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    HeaderValue::from_str(&format!("Basic {encoded}"))
        .map_err(|_| config_error("username", "cannot be sent in an Authorization header"))
}
