//! What scoping the admin and data clients to a request's headers costs: what a handler pays the
//! first time it asks its context for `data_client()` / `admin_client()`.

use core_elasticsearch::{ElasticsearchClientConfig, ElasticsearchServiceSetup};
use core_http::Headers;
use core_server::RequestScope;
use criterion::{Criterion, criterion_group, criterion_main};

fn scoping(c: &mut Criterion) {
    let (loggers, _logs) = core_logging::testing::capturing_logger_factory();
    let es = ElasticsearchServiceSetup::new(ElasticsearchClientConfig::default(), loggers)
        .expect("default clients");
    let mut headers = Headers::new();
    for (name, value) in [
        ("host", "localhost:5601"),
        (
            "user-agent",
            "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0",
        ),
        ("accept", "application/json"),
        ("accept-language", "en-US,en;q=0.5"),
        ("accept-encoding", "gzip, deflate, br"),
        ("authorization", "Basic YW5hOmFuYS1wYXNz"),
        ("cookie", "sid=Fe26.2**0123456789abcdef0123456789abcdef"),
        ("kbn-version", "0.1.0"),
        ("connection", "keep-alive"),
        ("x-request-id", "4f1c2d3e-5a6b-7c8d-9e0f-112233445566"),
    ] {
        headers.insert(name, value);
    }
    c.bench_function(
        "context: scope admin+data clients (10 request headers)",
        |b| {
            b.iter(|| {
                let scope = RequestScope::from_headers(std::hint::black_box(&headers));
                (
                    es.admin_client.as_scoped(&scope),
                    es.data_client.as_scoped(&scope),
                )
            });
        },
    );
}

criterion_group!(benches, scoping);
criterion_main!(benches);
