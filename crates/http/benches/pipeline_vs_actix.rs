//! The full request pipeline of core-http (one onPreAuth, auth checking a header, one
//! onPostAuth, a validated JSON route) versus plain actix-web doing the same checks inline in
//! its handler: same process, same load generator, same worker count, alternating rounds.
//!
//! A third server, the same core-http route without interceptors, shows what the interceptors
//! themselves cost.
//!
//! Run: `cargo bench -p core-http --bench pipeline_vs_actix`. Knobs as in `http_vs_actix`:
//! `BENCH_SECONDS` (per round, default 5), `BENCH_ROUNDS` (default 3), `BENCH_CONNECTIONS`
//! (default 32), `BENCH_WORKERS` (server workers, default 1), `BENCH_CLIENT_THREADS` (default 1).

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use core_http::{AuthResultParams, HttpConfig, HttpService, RouteConfig, RouteValidation};
use core_logging::{LoggingConfig, LoggingService};
use serde::{Deserialize, Serialize};

use bench_support::loadgen::{LoadConfig, LoadReport, run};
use support::{BenchSettings, client_runtime, summary};

const TOKEN: &str = "Bearer bench-token";

/// The auth state the bench's auth handler attaches.
#[derive(Serialize)]
struct BenchUser {
    user: &'static str,
}

#[derive(Deserialize)]
struct EchoBody {
    name: String,
    count: u32,
    tags: Vec<String>,
}

#[derive(Serialize)]
struct EchoReply<'a> {
    greeting: String,
    user: &'a str,
    count: u32,
    tags: &'a [String],
}

fn error(status: u16, message: &str) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
        .json(serde_json::json!({ "statusCode": status, "error": "Rejected", "message": message }))
}

async fn start_core_http(
    workers: usize,
    logging: &LoggingService,
    with_interceptors: bool,
) -> (HttpService, SocketAddr) {
    let config = HttpConfig {
        host: "127.0.0.1".to_owned(),
        port: 0,
        ..HttpConfig::default()
    };
    let mut service =
        HttpService::from_config(config, &logging.logger_factory()).with_workers(workers);
    let http = service.setup().await.expect("setup").http;
    if with_interceptors {
        register_interceptors(&http);
    }
    let mut router = http.create_router("/api");
    let auth = http.auth();
    router.post(
        RouteConfig::new("/echo", RouteValidation::new().body::<EchoBody>()),
        move |req, res| async move {
            let body = req.body();
            let state = auth.get(&req);
            let user = state
                .state_as::<BenchUser>()
                .map_or("bench", |state| state.user);
            let reply = EchoReply {
                greeting: format!("hello {}", body.name),
                user,
                count: body.count + 1,
                tags: &body.tags,
            };
            Ok(res.ok(core_http::ResponseBody::json(&reply)?))
        },
    );
    http.register_router(router).expect("register");
    let start = service.start().await.expect("start");
    let addr = start.local_addr().expect("listening");
    (service, addr)
}

/// One onPreAuth (a header must be present), auth (a bearer token), one onPostAuth (the user
/// must be authenticated).
fn register_interceptors(http: &core_http::HttpServiceSetup) {
    http.register_on_pre_auth(|request, t| async move {
        Ok(if request.headers().contains("x-tenant") {
            t.next()
        } else {
            t.rejected("missing tenant", 400)
        })
    })
    .expect("onPreAuth");
    http.register_auth(|request, t| async move {
        Ok(match request.headers().get("authorization") {
            Some(TOKEN) => t.authenticated(
                AuthResultParams::new()
                    .state(BenchUser { user: "bench" })
                    .request_header("authorization", TOKEN),
            ),
            _ => t.rejected("Unauthorized", 401),
        })
    })
    .expect("auth");
    let auth = http.auth();
    http.register_on_post_auth(move |request, t| async move {
        Ok(if auth.is_authenticated(&request) {
            t.next()
        } else {
            t.rejected("forbidden", 403)
        })
    })
    .expect("onPostAuth");
}

/// The same checks, inline.
async fn plain_echo(request: HttpRequest, body: web::Json<EchoBody>) -> HttpResponse {
    let headers = request.headers();
    if !headers.contains_key("x-tenant") {
        return error(400, "missing tenant");
    }
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(TOKEN) {
        return error(401, "Unauthorized");
    }
    let reply = EchoReply {
        greeting: format!("hello {}", body.name),
        user: "bench",
        count: body.count + 1,
        tags: &body.tags,
    };
    HttpResponse::Ok().json(reply)
}

fn start_plain_actix(workers: usize) -> (actix_web::dev::ServerHandle, SocketAddr) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = HttpServer::new(|| {
        App::new()
            .app_data(web::JsonConfig::default().limit(1024 * 1024))
            .route("/api/echo", web::post().to(plain_echo))
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
    let body = br#"{"name":"kibana","count":41,"tags":["a","b","c"]}"#;
    let mut request = format!(
        "POST /api/echo HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nx-tenant: default\r\nauthorization: {TOKEN}\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    LoadConfig {
        addr,
        connections,
        duration: Duration::from_secs_f64(seconds),
        request,
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
        logging
            .upgrade(LoggingConfig::default())
            .expect("default logging config");
        let (mut core_service, core_addr) = start_core_http(workers, &logging, true).await;
        let (mut bare_service, bare_addr) = start_core_http(workers, &logging, false).await;
        let (plain_handle, plain_addr) = start_plain_actix(workers);

        println!(
            "POST /api/echo through onPreAuth + auth (header) + onPostAuth + validated JSON body: {workers} server worker(s), {connections} connections, {client_threads} client thread(s), {rounds} round(s) x {seconds}s each"
        );
        run(&load(core_addr, seconds.min(1.0), connections)).await;
        run(&load(plain_addr, seconds.min(1.0), connections)).await;
        run(&load(bare_addr, seconds.min(1.0), connections)).await;

        let (mut core_reports, mut plain_reports, mut bare_reports) =
            (Vec::new(), Vec::new(), Vec::new());
        for round in 1..=rounds {
            // Rotate who goes first so a burst of outside load does not always hit the same one.
            let addrs = [core_addr, plain_addr, bare_addr];
            let mut reports: [Option<LoadReport>; 3] = [None, None, None];
            for offset in 0..3 {
                let which = (round + offset) % 3;
                reports[which] = Some(run(&load(addrs[which], seconds, connections)).await);
            }
            let [Some(core), Some(plain), Some(bare)] = reports else {
                unreachable!("every server ran once this round")
            };
            println!(
                "round {round}: pipeline {:>8.0} req/s p99 {:?} | actix-web inline {:>8.0} req/s p99 {:?} | core-http no interceptors {:>8.0} req/s p99 {:?}",
                core.requests_per_sec,
                core.p99,
                plain.requests_per_sec,
                plain.p99,
                bare.requests_per_sec,
                bare.p99
            );
            core_reports.push(core);
            plain_reports.push(plain);
            bare_reports.push(bare);
        }
        let (core_rps, core_p99) = summary("pipeline", &core_reports);
        let (plain_rps, plain_p99) = summary("actix-web", &plain_reports);
        let (bare_rps, _) = summary("no-intercept", &bare_reports);
        println!(
            "ratio pipeline / actix-web inline: throughput {:.3}, p99 {:.3}; pipeline / core-http without interceptors: throughput {:.3}",
            core_rps / plain_rps,
            core_p99 / plain_p99,
            core_rps / bare_rps
        );

        core_service.stop().await.expect("stop");
        bare_service.stop().await.expect("stop");
        plain_handle.stop(true).await;
        logging.stop();
    });
}
