//! HTTPS hosts: `ssl.certificateAuthorities` with full verification, an unknown issuer, and `verificationMode: none`.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;

use core_elasticsearch::{CallApiOptions, ElasticsearchError, VerificationMode};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::json;

use crate::support::{client, client_config};

/// A one-thread HTTPS server for `localhost` answering `{"tls":true}` to every request; returns its URL and the
/// PEM of its self-signed certificate.
fn https_server() -> (String, String) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert_pem = certified.cert.pem();
    let cert_der: CertificateDer<'static> = certified.cert.der().clone();
    let key_der = PrivateKeyDer::try_from(certified.signing_key.serialize_der()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert_der], key_der)
    .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let Ok(connection) = rustls::ServerConnection::new(Arc::clone(&config)) else {
                continue;
            };
            let mut tls = rustls::StreamOwned::new(connection, stream);
            let mut request = Vec::new();
            let mut buffer = [0u8; 1024];
            // A failed handshake (the client rejected the certificate) ends here.
            while !request.windows(4).any(|window| window == b"\r\n\r\n") {
                match tls.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(read) => request.extend_from_slice(&buffer[..read]),
                }
            }
            let body = b"{\"tls\":true}";
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = tls
                .write_all(head.as_bytes())
                .and_then(|()| tls.write_all(body));
            let _ = tls.flush();
        }
    });
    (format!("https://localhost:{port}"), cert_pem)
}

#[tokio::test]
async fn a_configured_certificate_authority_is_trusted_with_full_verification() {
    let (url, cert_pem) = https_server();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, cert_pem).unwrap();
    let mut config = client_config(&[url]);
    config.ssl.certificate_authorities = Some(vec![ca.display().to_string()]);
    let (client, _) = client(config);

    let answer = client
        .call_as_internal_user("info", json!({}), CallApiOptions::default())
        .await
        .unwrap();
    assert_eq!(answer, json!({"tls": true}));
}

#[tokio::test]
async fn an_unknown_issuer_is_a_connection_failure() {
    let (url, _) = https_server();
    let (client, _) = client(client_config(&[url]));

    let error = client
        .call_as_internal_user("info", json!({}), CallApiOptions::default())
        .await
        .unwrap_err();
    match error {
        ElasticsearchError::ConnectionFailed { message, .. } => {
            assert!(message.to_lowercase().contains("certificate"), "{message}");
        }
        other => panic!("expected a connection failure, got {other:?}"),
    }
}

#[tokio::test]
async fn verification_mode_none_accepts_any_certificate() {
    let (url, _) = https_server();
    let mut config = client_config(&[url]);
    config.ssl.verification_mode = VerificationMode::None;
    let (client, _) = client(config);

    let answer = client
        .call_as_internal_user("info", json!({}), CallApiOptions::default())
        .await
        .unwrap();
    assert_eq!(answer, json!({"tls": true}));
}
