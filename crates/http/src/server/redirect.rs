//! The plain-HTTP server on `server.ssl.redirectHttpFromPort` that sends every request to the
//! HTTPS server.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use actix_web::http::header::LOCATION;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

use super::{RunningServer, bind};
use crate::config::HttpConfig;
use crate::error::HttpError;

/// Starts the redirect server; `https_port` is the port the HTTPS server actually listens on.
pub(crate) fn start_redirect_server(
    config: &HttpConfig,
    https_port: u16,
) -> Result<RunningServer, HttpError> {
    let (true, Some(redirect_port)) = (config.ssl.enabled, config.ssl.redirect_http_from_port)
    else {
        return Err(HttpError::RedirectServerNotConfigured);
    };
    const SETTING: &str = "server.ssl.redirectHttpFromPort";
    let listener = bind(&config.host, redirect_port, SETTING)?;
    let bind_error = |source| HttpError::Bind {
        host: config.host.clone(),
        port: redirect_port,
        setting: SETTING,
        source,
    };
    let local_addr = listener.local_addr().map_err(bind_error)?;
    let target = Arc::new(format!("https://{}:{https_port}", config.host));
    let server = HttpServer::new(move || {
        let target = Arc::clone(&target);
        App::new().default_service(web::to(move |request: HttpRequest| {
            let location = format!(
                "{target}{}",
                request
                    .uri()
                    .path_and_query()
                    .map(|pq| pq.as_str())
                    .unwrap_or("/")
            );
            async move {
                HttpResponse::Found()
                    .insert_header((LOCATION, location))
                    .finish()
            }
        }))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .map_err(bind_error)?
    .run();
    let handle = server.handle();
    let task = tokio::spawn(server);
    Ok(RunningServer {
        handle,
        task,
        local_addr,
        listening: Arc::new(AtomicBool::new(true)),
        // Redirects only: nothing to tell keep-alive clients.
        draining: Arc::new(AtomicBool::new(false)),
        drain_grace: Duration::ZERO,
    })
}
