//! `call_as_current_user` against the bare official client sending the same request to the same local stub.
//!
//! Both send `POST /logs/_search?size=10` with the same JSON body and the same `Authorization` header, and decode
//! the JSON answer. The difference is what the platform adds: endpoint resolution, header filtering, host choice.
//! Each iteration makes both calls and times one, so that both figures see the same load on a shared machine.

use std::hint::black_box;
use std::time::{Duration, Instant};

use core_elasticsearch::elasticsearch::Elasticsearch;
use core_elasticsearch::elasticsearch::http::Method;
use core_elasticsearch::elasticsearch::http::headers::{AUTHORIZATION, HeaderMap, HeaderValue};
use core_elasticsearch::elasticsearch::http::request::JsonBody;
use core_elasticsearch::elasticsearch::http::transport::{
    SingleNodeConnectionPool, TransportBuilder,
};
use core_elasticsearch::{CallApiOptions, ClusterClient, ElasticsearchClientConfig, FakeRequest};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(async {
        let server = MockServer::builder()
            .disable_request_recording()
            .start()
            .await;
        Mock::given(wiremock::matchers::any())
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"took": 1, "hits": {"total": 0, "hits": []}})),
            )
            .mount(&server)
            .await;
        server
    });
    let body = json!({"query": {"match": {"message": "hello"}}});

    let url = core_elasticsearch::elasticsearch::http::Url::parse(&server.uri()).unwrap();
    let bare = Elasticsearch::new(
        TransportBuilder::new(SingleNodeConnectionPool::new(url))
            .disable_proxy()
            .enable_meta_header(false)
            .build()
            .unwrap(),
    );
    let mut bare_headers = HeaderMap::new();
    bare_headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer user-token"));

    let (factory, _logs) = core_logging::testing::capturing_logger_factory();
    let config = ElasticsearchClientConfig {
        hosts: vec![server.uri()],
        ..ElasticsearchClientConfig::default()
    };
    let client = ClusterClient::new(config, &factory, "data").unwrap();
    let request = FakeRequest::new()
        .with_header("authorization", "Bearer user-token")
        .with_header("cookie", "sid=abc")
        .with_header("x-forwarded-for", "10.0.0.1");

    let bare_call = || async {
        let response = bare
            .send(
                Method::Post,
                "/logs/_search",
                bare_headers.clone(),
                Some(&[("size", "10")]),
                Some(JsonBody::new(body.clone())),
                None,
            )
            .await
            .unwrap();
        let answer: Value = response.json().await.unwrap();
        black_box(answer)
    };
    let platform_call = || async {
        // Scoping is part of every request's work, so it is inside the measured call.
        let scoped = client.as_scoped(&request);
        let params = json!({"index": "logs", "size": 10, "body": body.clone()});
        black_box(
            scoped
                .call_as_current_user("search", params, CallApiOptions::default())
                .await
                .unwrap(),
        )
    };

    // Each iteration runs both calls and times one of them: the two measurements see the same machine load (the
    // bench machine is shared), which separate runs would not.
    let mut group = c.benchmark_group("search_via_local_stub");
    group.bench_function("bare_official_client", |b| {
        b.to_async(&runtime).iter_custom(|iterations| async move {
            let mut timed = Duration::ZERO;
            for _ in 0..iterations {
                let start = Instant::now();
                bare_call().await;
                timed += start.elapsed();
                platform_call().await;
            }
            timed
        });
    });
    group.bench_function("call_as_current_user", |b| {
        b.to_async(&runtime).iter_custom(|iterations| async move {
            let mut timed = Duration::ZERO;
            for _ in 0..iterations {
                bare_call().await;
                let start = Instant::now();
                platform_call().await;
                timed += start.elapsed();
            }
            timed
        });
    });
    group.finish();

    c.bench_function("resolve_search_endpoint", |b| {
        b.iter(|| {
            core_elasticsearch::resolve(
                "search",
                json!({"index": ["a", "b"], "size": 10, "body": {"size": 0}}),
            )
            .unwrap()
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
