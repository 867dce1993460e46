//! `bench-plain-actix`: the ceiling `cargo xtask bench` compares core-server against.
//!
//! A plain actix-web server, no platform in between, serving what core-server serves for the
//! comparison: `GET /api/status` (startup probe), a plain JSON route, a route behind a Basic
//! `Authorization` header check, a route with a validated path parameter and the greeting
//! plugin's 2 KB list of languages, compressed by actix-web's `Compress` middleware. The port comes from the first argument or
//! `BENCH_PORT` (default 0, a free port); the bound address is printed on stdout.

use std::sync::Arc;

use actix_web::middleware::Compress;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Longest name the validated route accepts, like the greeting plugin's default.
const MAX_NAME_LENGTH: usize = 50;

/// The header the guarded route checks, standing in for the auth interceptor.
const AUTH_HEADER: &str = "authorization";

/// The one credential the guarded route accepts: `bench:bench-password` as HTTP Basic, the user
/// `cargo xtask bench` configures on core-server, so both servers compare the same header value.
const BENCH_AUTHORIZATION: &str = "Basic YmVuY2g6YmVuY2gtcGFzc3dvcmQ=";

#[derive(Deserialize)]
struct NameParams {
    name: String,
}

async fn status() -> HttpResponse {
    HttpResponse::Ok()
        .json(json!({ "name": "bench-plain-actix", "status": { "overall": { "state": "green" } } }))
}

/// The greeting plugin's list of greetings, as core-server serves it.
const GREETINGS_JSON: &str = include_str!("../../../examples/plugins/greeting/src/greetings.json");

#[derive(Serialize, Deserialize)]
struct LanguageGreeting {
    language: String,
    hello: String,
}

#[derive(Serialize)]
struct Languages {
    greetings: Vec<LanguageGreeting>,
}

/// The greeting routes' answer, serialized from a type as core-server's greeting plugin does.
#[derive(Serialize)]
struct Greeting<'a> {
    message: &'a str,
}

async fn hello() -> HttpResponse {
    HttpResponse::Ok().json(Greeting {
        message: "Hello, World!",
    })
}

/// The validated greeting behind the header check, as core-server serves it behind its auth
/// interceptor.
async fn guarded_hello_name(request: HttpRequest, params: web::Path<NameParams>) -> HttpResponse {
    match request.headers().get(AUTH_HEADER) {
        Some(value) if value.as_bytes() == BENCH_AUTHORIZATION.as_bytes() => {
            hello_name(params).await
        }
        _ => HttpResponse::Unauthorized()
            .insert_header(("www-authenticate", "Basic"))
            .json(json!({ "message": "Invalid authorization header" })),
    }
}

async fn hello_name(params: web::Path<NameParams>) -> HttpResponse {
    let name = params.into_inner().name;
    let length = name.chars().count();
    if name.trim().is_empty() || length > MAX_NAME_LENGTH {
        return HttpResponse::BadRequest()
            .json(json!({ "message": "[request params.name]: invalid name" }));
    }
    HttpResponse::Ok().json(Greeting {
        message: &format!("Hello, {name}!"),
    })
}

fn port() -> Result<u16, String> {
    let raw = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("BENCH_PORT").ok())
        .unwrap_or_else(|| "0".to_owned());
    raw.parse()
        .map_err(|_| format!("invalid port `{raw}` (first argument or BENCH_PORT)"))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port = port().map_err(std::io::Error::other)?;
    let languages: Arc<Languages> = Arc::new(Languages {
        greetings: serde_json::from_str(GREETINGS_JSON).map_err(std::io::Error::other)?,
    });
    let server = HttpServer::new(move || {
        let languages = Arc::clone(&languages);
        App::new()
            // Compressed as core-server compresses it: the middleware on this route only.
            .service(
                web::resource("/api/greeting/languages")
                    .wrap(Compress::default())
                    .route(web::get().to(move || {
                        let languages = Arc::clone(&languages);
                        async move { HttpResponse::Ok().json(&*languages) }
                    })),
            )
            .route("/api/status", web::get().to(status))
            .route("/api/hello", web::get().to(hello))
            .route(
                "/api/guarded/greeting/hello/{name}",
                web::get().to(guarded_hello_name),
            )
            .route("/api/greeting/hello/{name}", web::get().to(hello_name))
    })
    // As core-server does: without it, a response written in pieces (the compressed route's)
    // waits about 40 ms for the client's delayed ACK, and the comparison would measure that.
    .on_connect(|connection, _| {
        if let Some(tcp) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
            let _ = tcp.set_nodelay(true);
        }
    })
    .bind(("127.0.0.1", port))?;
    for address in server.addrs() {
        println!("listening on {address}");
    }
    server.run().await
}
