//! Builds the rustls server config from `server.ssl.*` (ring provider only: no OpenSSL, no
//! aws-lc-rs).

use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::config::{SslConfig, TlsProtocol};
use crate::error::HttpError;

/// The rustls config for an enabled `server.ssl`; errors name the key and the file.
pub(crate) fn server_config(ssl: &SslConfig) -> Result<Arc<ServerConfig>, HttpError> {
    let (Some(certificate_path), Some(key_path)) = (&ssl.certificate, &ssl.key) else {
        // The config validation already refuses this; kept as an error rather than a panic.
        return Err(HttpError::Tls {
            key: "certificate",
            path: String::new(),
            message: "must specify [certificate] and [key] when ssl is enabled".to_owned(),
        });
    };
    let mut chain = read_certificates("certificate", certificate_path)?;
    let key = read_key(key_path)?;
    // Node used `ca` to complete the chain it sends; do the same by appending CA certificates
    // that are not already part of the chain.
    for ca_path in ssl.certificate_authorities.iter().flatten() {
        for ca in read_certificates("certificateAuthorities", ca_path)? {
            if !chain.contains(&ca) {
                chain.push(ca);
            }
        }
    }

    let versions: Vec<&'static rustls::SupportedProtocolVersion> = match &ssl.supported_protocols {
        Some(protocols) if !protocols.is_empty() => protocols
            .iter()
            .map(|protocol| match protocol {
                TlsProtocol::TlsV1_2 => &rustls::version::TLS12,
                TlsProtocol::TlsV1_3 => &rustls::version::TLS13,
            })
            .collect(),
        _ => vec![&rustls::version::TLS12, &rustls::version::TLS13],
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&versions)
        .map_err(|err| HttpError::Tls {
            key: "supportedProtocols",
            path: String::new(),
            message: err.to_string(),
        })?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|err| HttpError::Tls {
            key: "key",
            path: key_path.clone(),
            message: format!("the key does not match the certificate or is unusable: {err}"),
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn read_certificates(
    key: &'static str,
    path: &str,
) -> Result<Vec<CertificateDer<'static>>, HttpError> {
    let pem = std::fs::read(path).map_err(|err| HttpError::Tls {
        key,
        path: path.to_owned(),
        message: format!("cannot read the file: {err}"),
    })?;
    let certificates = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| HttpError::Tls {
            key,
            path: path.to_owned(),
            message: format!("not a valid PEM certificate file: {err}"),
        })?;
    if certificates.is_empty() {
        return Err(HttpError::Tls {
            key,
            path: path.to_owned(),
            message: "the file contains no PEM certificate".to_owned(),
        });
    }
    Ok(certificates)
}

fn read_key(path: &str) -> Result<PrivateKeyDer<'static>, HttpError> {
    let pem = std::fs::read(path).map_err(|err| HttpError::Tls {
        key: "key",
        path: path.to_owned(),
        message: format!("cannot read the file: {err}"),
    })?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|err| HttpError::Tls {
        key: "key",
        path: path.to_owned(),
        message: format!("no usable unencrypted PEM private key (PKCS#8, PKCS#1 or SEC1): {err}"),
    })
}
