//! A validated JSON route through core-http versus the same route written directly on
//! actix-web: same process, same load generator, same worker count, alternating rounds.
//!
//! Run: `cargo bench -p core-http --bench http_vs_actix`. Knobs (environment):
//! `BENCH_SECONDS` (per round, default 5), `BENCH_ROUNDS` (default 3), `BENCH_CONNECTIONS`
//! (default 32), `BENCH_WORKERS` (server workers, default 1), `BENCH_CLIENT_THREADS` (default 1).

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use core_http::{HttpConfig, HttpService, RouteConfig, RouteValidation};
use core_logging::{LoggingConfig, LoggingService};
use serde::{Deserialize, Serialize};

use bench_support::loadgen::{LoadConfig, http_request, run};
use support::{BenchSettings, client_runtime, summary};

#[derive(Deserialize)]
struct EchoBody {
    name: String,
    count: u32,
    tags: Vec<String>,
}

#[derive(Serialize)]
struct EchoReply<'a> {
    greeting: String,
    count: u32,
    tags: &'a [String],
}

async fn start_core_http(workers: usize, logging: &LoggingService) -> (HttpService, SocketAddr) {
    let config = HttpConfig {
        host: "127.0.0.1".to_owned(),
        port: 0,
        ..HttpConfig::default()
    };
    let mut service =
        HttpService::from_config(config, &logging.logger_factory()).with_workers(workers);
    let setup = service.setup().await.expect("setup");
    let mut router = setup.http.create_router("/api");
    router.post(
        RouteConfig::new("/echo", RouteValidation::new().body::<EchoBody>()),
        |req, res| async move {
            let body = req.body();
            let reply = EchoReply {
                greeting: format!("hello {}", body.name),
                count: body.count + 1,
                tags: &body.tags,
            };
            Ok(res.ok(core_http::ResponseBody::json(&reply)?))
        },
    );
    setup.http.register_router(router).expect("register");
    let start = service.start().await.expect("start");
    let addr = start.local_addr().expect("listening");
    (service, addr)
}

async fn plain_echo(body: web::Json<EchoBody>) -> HttpResponse {
    let reply = EchoReply {
        greeting: format!("hello {}", body.name),
        count: body.count + 1,
        tags: &body.tags,
    };
    HttpResponse::Ok().json(reply)
}

/// Diagnostic variant: reads the payload by hand like core-http does.
async fn manual_echo(mut payload: web::Payload) -> HttpResponse {
    use futures::StreamExt;
    let mut body = bytes::BytesMut::new();
    while let Some(Ok(chunk)) = payload.next().await {
        body.extend_from_slice(&chunk);
    }
    let body: EchoBody = serde_json::from_slice(&body).expect("valid body");
    let reply = EchoReply {
        greeting: format!("hello {}", body.name),
        count: body.count + 1,
        tags: &body.tags,
    };
    HttpResponse::Ok().json(reply)
}

async fn noop_middleware(
    request: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    next.call(request)
        .await
        .map(actix_web::dev::ServiceResponse::map_into_boxed_body)
}

fn start_plain_actix(workers: usize) -> (actix_web::dev::ServerHandle, SocketAddr) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = HttpServer::new(|| {
        App::new()
            .app_data(web::JsonConfig::default().limit(1024 * 1024))
            .route("/api/echo", web::post().to(plain_echo))
            .route("/api/manual", web::post().to(manual_echo))
            .service(
                web::scope("/mw")
                    .wrap(actix_web::middleware::from_fn(noop_middleware))
                    .route("/api/echo", web::post().to(plain_echo)),
            )
    })
    .workers(workers)
    .disable_signals()
    .listen(listener)
    .expect("listen")
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    (handle, addr)
}

fn load(addr: SocketAddr, seconds: f64, connections: usize) -> LoadConfig {
    load_path(addr, "/api/echo", seconds, connections)
}

fn load_path(addr: SocketAddr, path: &str, seconds: f64, connections: usize) -> LoadConfig {
    let body = br#"{"name":"kibana","count":41,"tags":["a","b","c"]}"#;
    LoadConfig {
        addr,
        connections,
        duration: Duration::from_secs_f64(seconds),
        request: http_request("POST", path, "127.0.0.1", "application/json", body),
        expected_status: 200,
    }
}

fn main() {
    let BenchSettings {
        seconds,
        rounds,
        connections,
        workers,
        client_threads,
    } = BenchSettings::from_env();
    let runtime = client_runtime(client_threads);
    runtime.block_on(async {
        let logging = LoggingService::new();
        logging.upgrade(LoggingConfig::default()).expect("default logging config");
        let (mut core_service, core_addr) = start_core_http(workers, &logging).await;
        let (plain_handle, plain_addr) = start_plain_actix(workers);

        println!(
            "POST /api/echo (validated JSON body → JSON reply): {workers} server worker(s), {connections} connections, {client_threads} client thread(s), {rounds} round(s) x {seconds}s each"
        );
        // Warm up both.
        run(&load(core_addr, seconds.min(1.0), connections)).await;
        run(&load(plain_addr, seconds.min(1.0), connections)).await;

        // `BENCH_ONLY=core|plain` drives one server for the whole run (for profiling).
        if let Ok(only) = std::env::var("BENCH_ONLY") {
            let (addr, path) = match only.as_str() {
                "core" => (core_addr, "/api/echo"),
                "plain-manual-payload" => (plain_addr, "/api/manual"),
                "plain-middleware" => (plain_addr, "/mw/api/echo"),
                _ => (plain_addr, "/api/echo"),
            };
            let report = run(&load_path(addr, path, seconds, connections)).await;
            println!("{only}: {report:?}");
            core_service.stop().await.expect("stop");
            plain_handle.stop(true).await;
            return;
        }
        let (mut core_reports, mut plain_reports) = (Vec::new(), Vec::new());
        for round in 1..=rounds {
            // Alternate which server goes first so drifting machine load hits both alike.
            let (core, plain) = if round % 2 == 1 {
                let core = run(&load(core_addr, seconds, connections)).await;
                (core, run(&load(plain_addr, seconds, connections)).await)
            } else {
                let plain = run(&load(plain_addr, seconds, connections)).await;
                (run(&load(core_addr, seconds, connections)).await, plain)
            };
            println!(
                "round {round}: core-http {:>9.0} req/s p50 {:?} p99 {:?} | actix-web {:>9.0} req/s p50 {:?} p99 {:?}",
                core.requests_per_sec, core.p50, core.p99, plain.requests_per_sec, plain.p50, plain.p99
            );
            core_reports.push(core);
            plain_reports.push(plain);
        }
        let (core_rps, core_p99) = summary("core-http", &core_reports);
        let (plain_rps, plain_p99) = summary("actix-web", &plain_reports);
        println!(
            "ratio core-http / actix-web: throughput {:.3}, p99 {:.3}",
            core_rps / plain_rps,
            core_p99 / plain_p99
        );

        core_service.stop().await.expect("stop");
        plain_handle.stop(true).await;
        logging.stop();
    });
}
