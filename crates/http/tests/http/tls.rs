//! HTTPS with a CA and certificate generated here by rcgen.

use std::path::{Path, PathBuf};

use core_http::{HttpError, HttpService, RouteConfig, RouteValidation};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use serde_json::json;

use crate::harness::{server_config, start_server};

/// A CA and a server certificate for `localhost`/`127.0.0.1`, in a temp dir kept alive with it.
pub(crate) struct Pki {
    _dir: tempfile::TempDir,
    pub(crate) ca_pem: String,
    pub(crate) ca: PathBuf,
    pub(crate) cert: PathBuf,
    pub(crate) key: PathBuf,
}

pub(crate) fn pki() -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "core-http test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, contents: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path
    };
    let ca_pem = ca.pem();
    Pki {
        ca: write("ca.crt", &ca_pem),
        cert: write("server.crt", &leaf.pem()),
        key: write("server.key", &leaf_key.serialize_pem()),
        ca_pem,
        _dir: dir,
    }
}

fn client(pki: &Pki) -> reqwest::ClientBuilder {
    let root = reqwest::Certificate::from_pem(pki.ca_pem.as_bytes()).unwrap();
    crate::harness::client_builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(root)
}

/// `server` overrides enabling TLS with `pki`'s files, plus `extra` `ssl` keys.
pub(crate) fn ssl(pki: &Pki, extra: serde_json::Value) -> serde_json::Value {
    let mut ssl = json!({
        "enabled": true,
        "certificate": pki.cert,
        "key": pki.key,
        "certificateAuthorities": pki.ca,
    });
    if let (Some(target), serde_json::Value::Object(extra)) = (ssl.as_object_mut(), extra) {
        target.extend(extra);
    }
    json!({ "ssl": ssl })
}

#[tokio::test]
async fn serves_https_with_the_configured_certificate() {
    let pki = pki();
    let server = start_server(ssl(&pki, json!({})), |http| {
        assert!(http.is_tls_enabled());
        assert_eq!(http.server_info().protocol, "https");
        let mut router = http.create_router("");
        router.get(
            RouteConfig::new("/secure", RouteValidation::none()),
            |_req, res| async move { Ok(res.ok(json!({ "secure": true }))) },
        );
        http.register_router(router).unwrap();
    })
    .await;
    let port = server.start.local_addr().unwrap().port();
    let client = client(&pki).build().unwrap();
    let reply = client
        .get(format!("https://localhost:{port}/secure"))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    assert_eq!(
        reply.json::<serde_json::Value>().await.unwrap(),
        json!({ "secure": true })
    );
    // Plain HTTP to the TLS port fails.
    let plain = reqwest::get(format!("http://127.0.0.1:{port}/secure")).await;
    assert!(
        !plain.is_ok_and(|reply| reply.status().is_success()),
        "plain HTTP must not be served"
    );
    server.stop().await;
}

#[tokio::test]
async fn supported_protocols_restrict_tls_versions() {
    let pki = pki();
    let server = start_server(
        ssl(&pki, json!({ "supportedProtocols": ["TLSv1.3"] })),
        |_| {},
    )
    .await;
    let port = server.start.local_addr().unwrap().port();
    let url = format!("https://localhost:{port}/");
    let tls12_only = client(&pki)
        .max_tls_version(reqwest::tls::Version::TLS_1_2)
        .build()
        .unwrap();
    assert!(
        tls12_only.get(&url).send().await.is_err(),
        "a TLSv1.2-only client must be refused"
    );
    let tls13 = client(&pki).build().unwrap();
    assert_eq!(tls13.get(&url).send().await.unwrap().status(), 404);
    server.stop().await;
}

#[tokio::test]
async fn redirect_server_sends_plain_http_to_https() {
    let pki = pki();
    let redirect_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = start_server(
        ssl(&pki, json!({ "redirectHttpFromPort": redirect_port })),
        |_| {},
    )
    .await;
    let https_port = server.start.local_addr().unwrap().port();
    let no_follow = crate::harness::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let reply = no_follow
        .get(format!("http://127.0.0.1:{redirect_port}/app/kibana?x=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 302);
    assert_eq!(
        reply.headers()["location"],
        format!("https://127.0.0.1:{https_port}/app/kibana?x=1").as_str()
    );
    server.stop().await;
    assert!(
        no_follow
            .get(format!("http://127.0.0.1:{redirect_port}/"))
            .send()
            .await
            .is_err(),
        "redirect server stopped"
    );
}

async fn setup_error(overrides: serde_json::Value) -> HttpError {
    let config = core_config::testing::config_from_json(server_config(overrides));
    let (loggers, _logs) = core_logging::testing::capturing_logger_factory();
    let mut service = HttpService::new(&config, &loggers).unwrap();
    match service.setup().await {
        Err(err) => err,
        Ok(_) => panic!("setup should fail"),
    }
}

fn redact(message: String, dir: &Path) -> String {
    message.replace(&dir.display().to_string(), "<dir>")
}

#[tokio::test]
async fn unreadable_or_invalid_files_name_the_key_and_the_file() {
    let pki = pki();
    let dir = pki.cert.parent().unwrap().to_owned();
    let missing = dir.join("missing.crt");
    let err =
        setup_error(json!({ "ssl": { "enabled": true, "certificate": missing, "key": pki.key } }))
            .await;
    insta::assert_snapshot!(redact(err.to_string(), &dir), @"[server.ssl.certificate]: cannot read the file: No such file or directory (os error 2) (file <dir>/missing.crt)");

    let garbage = dir.join("garbage.pem");
    std::fs::write(&garbage, "not a pem").unwrap();
    let err =
        setup_error(json!({ "ssl": { "enabled": true, "certificate": garbage, "key": pki.key } }))
            .await;
    insta::assert_snapshot!(redact(err.to_string(), &dir), @"[server.ssl.certificate]: the file contains no PEM certificate (file <dir>/garbage.pem)");

    let err =
        setup_error(json!({ "ssl": { "enabled": true, "certificate": pki.cert, "key": garbage } }))
            .await;
    assert!(matches!(&err, HttpError::Tls { key: "key", .. }), "{err}");
    assert!(err.to_string().contains("garbage.pem"));

    let err = setup_error(json!({ "ssl": { "enabled": true, "certificate": pki.cert, "key": pki.key, "certificateAuthorities": [pki.ca, missing] } })).await;
    assert!(
        err.to_string()
            .starts_with("[server.ssl.certificateAuthorities]: cannot read the file"),
        "{err}"
    );

    // A key that does not belong to the certificate.
    let other_key = dir.join("other.key");
    std::fs::write(&other_key, KeyPair::generate().unwrap().serialize_pem()).unwrap();
    let err = setup_error(
        json!({ "ssl": { "enabled": true, "certificate": pki.cert, "key": other_key } }),
    )
    .await;
    assert!(matches!(&err, HttpError::Tls { key: "key", .. }), "{err}");
}
