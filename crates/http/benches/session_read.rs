//! What a cookie session adds to a request: `SessionStorage::get` on a request carrying a valid
//! session cookie (one AES-256-GCM decrypt + JSON), compared with a request without the
//! cookie, and `set` (one encrypt); and a server-side session: the id cookie opened, the store
//! read and the content opened, without and with the renewal of an idle timeout (a new cookie
//! sealed, which happens once the idle expiry has moved by 5 s: the bench waits that long).
//!
//! Run: `cargo bench -p core-http --bench session_read` (the `testing` doubles come from the
//! crate's self dev-dependency).

use std::hint::black_box;

use core_http::testing::MockRequest;
use std::sync::Arc;
use std::time::Duration;

use core_http::{
    HttpConfig, HttpService, MemorySessionStore, SessionCookieOptions, SessionStorageFactory,
};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
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
    // One session storage per server: each factory gets a server of its own.
    let factory_with = |options: SessionCookieOptions<Session>| {
        runtime.block_on(async {
            let mut service = HttpService::from_config(HttpConfig::default(), &loggers);
            let http = service.setup().await.expect("setup").http;
            http.create_cookie_session_storage_factory(options)
                .expect("factory")
        })
    };
    let options = || {
        SessionCookieOptions::<Session>::new("sid", "bench-encryption-key-of-32-chars-or-more")
            .validate(|session| session.expires > 0)
    };
    let factory = factory_with(options());
    let server_side = factory_with(
        options()
            .store(Arc::new(MemorySessionStore::new(1000)))
            .lifespan(Duration::from_secs(8 * 3600)),
    );
    let renewing = factory_with(
        options()
            .store(Arc::new(MemorySessionStore::new(1000)))
            .idle_timeout(Duration::from_secs(3600))
            .lifespan(Duration::from_secs(8 * 3600)),
    );
    let value = Session {
        username: "elastic".to_owned(),
        provider: "basic".to_owned(),
        expires: u64::MAX,
    };
    // A real sealed cookie, as a previous response would have set it.
    let cookie_of = |factory: &SessionStorageFactory<Session>| {
        let request = runtime.block_on(async {
            let request = MockRequest::new((), (), ()).build();
            factory.as_scoped(&request).set(&value).await.expect("set");
            request
        });
        let set_cookie = core_http::testing::pending_set_cookies(&request)
            .into_iter()
            .next()
            .expect("a Set-Cookie");
        let cookie = set_cookie.split(';').next().expect("name=value").to_owned();
        format!("theme=dark; {cookie}")
    };
    // A request carrying `cookie`: a new one per call, since a request remembers the session it
    // found or renewed.
    let request = |cookie: &str| {
        MockRequest::new((), (), ())
            .header("cookie", cookie)
            .build()
    };
    let with_cookie = cookie_of(&factory);
    let with_id_cookie = cookie_of(&server_side);
    let with_aging_id_cookie = cookie_of(&renewing);
    let without_cookie = "theme=dark".to_owned();
    // The idle expiry must move by 5 s before a renewal is sealed.
    std::thread::sleep(Duration::from_millis(5_100));
    for (factory, cookie, renews) in [
        (&factory, &with_cookie, false),
        (&server_side, &with_id_cookie, false),
        (&renewing, &with_aging_id_cookie, true),
    ] {
        let request = request(cookie);
        assert!(
            runtime
                .block_on(factory.as_scoped(&request).get())
                .is_some()
        );
        assert_eq!(
            core_http::testing::pending_set_cookies(&request).len(),
            usize::from(renews)
        );
    }

    let mut group = c.benchmark_group("session");
    group.bench_function("get (valid cookie: decrypt + JSON + validate)", |b| {
        b.iter_batched(
            || request(&with_cookie),
            |request| {
                let storage = factory.as_scoped(&request);
                black_box(runtime.block_on(storage.get()))
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("get (no session cookie)", |b| {
        b.iter_batched(
            || request(&without_cookie),
            |request| {
                let storage = factory.as_scoped(&request);
                black_box(runtime.block_on(storage.get()))
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("set (JSON + encrypt)", |b| {
        b.iter(|| {
            let request = MockRequest::new((), (), ()).build();
            let storage = factory.as_scoped(&request);
            black_box(runtime.block_on(storage.set(black_box(&value))))
        })
    });
    group.bench_function("get (server-side: id cookie + store + content)", |b| {
        b.iter_batched(
            || request(&with_id_cookie),
            |request| {
                let storage = server_side.as_scoped(&request);
                black_box(runtime.block_on(storage.get()))
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function(
        "get (server-side, renewing the idle timeout: + a new cookie)",
        |b| {
            b.iter_batched(
                || request(&with_aging_id_cookie),
                |request| {
                    let storage = renewing.as_scoped(&request);
                    black_box(runtime.block_on(storage.get()))
                },
                BatchSize::SmallInput,
            )
        },
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
