//! What a cookie session adds to a request: `SessionStorage::get` on a request carrying a valid
//! session cookie (one AES-256-GCM decrypt + JSON), compared with a request without the
//! cookie, and `set` (one encrypt).
//!
//! Run: `cargo bench -p core-http --bench session_read` (the `testing` doubles come from the
//! crate's self dev-dependency).

use std::hint::black_box;

use core_http::testing::MockRequest;
use core_http::{HttpConfig, HttpService, SessionCookieOptions};
use criterion::{Criterion, criterion_group, criterion_main};
use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Deserialize)]
struct Session {
    username: String,
    provider: String,
    expires: u64,
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let (loggers, _logs) = core_logging::testing::capturing_logger_factory();
    let factory = runtime.block_on(async {
        let mut service = HttpService::from_config(HttpConfig::default(), &loggers);
        let http = service.setup().await.expect("setup").http;
        http.create_cookie_session_storage_factory(
            SessionCookieOptions::<Session>::new("sid", "bench-encryption-key-of-32-chars-or-more")
                .validate(|session| session.expires > 0),
        )
        .expect("factory")
    });
    let value = Session {
        username: "elastic".to_owned(),
        provider: "basic".to_owned(),
        expires: u64::MAX,
    };
    // A real sealed cookie, as a previous response would have set it.
    let sealed = runtime.block_on(async {
        let request = MockRequest::new((), (), ()).build();
        let storage = factory.as_scoped(&request);
        storage.set(&value).await.expect("set");
        request
    });
    let set_cookie = core_http::testing::pending_set_cookies(&sealed)
        .into_iter()
        .next()
        .expect("a Set-Cookie");
    let cookie = set_cookie.split(';').next().expect("name=value").to_owned();
    let with_cookie = MockRequest::new((), (), ())
        .header("cookie", format!("theme=dark; {cookie}"))
        .build();
    let without_cookie = MockRequest::new((), (), ())
        .header("cookie", "theme=dark")
        .build();

    let mut group = c.benchmark_group("session");
    group.bench_function("get (valid cookie: decrypt + JSON + validate)", |b| {
        b.iter(|| {
            let storage = factory.as_scoped(black_box(&with_cookie));
            black_box(runtime.block_on(storage.get()))
        })
    });
    group.bench_function("get (no session cookie)", |b| {
        b.iter(|| {
            let storage = factory.as_scoped(black_box(&without_cookie));
            black_box(runtime.block_on(storage.get()))
        })
    });
    group.bench_function("set (JSON + encrypt)", |b| {
        b.iter(|| {
            let request = MockRequest::new((), (), ()).build();
            let storage = factory.as_scoped(&request);
            black_box(runtime.block_on(storage.set(black_box(&value))))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
