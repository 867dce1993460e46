//! Fuzz targets for the parsers that read untrusted or user-written input, and the mutation
//! engine that `cargo xtask fuzz` drives them with.
//!
//! Each [`Target`] takes arbitrary bytes and feeds them to one parser through its public API:
//! `kibana.json` manifests, `kibana.yml` (the config tree with dotted keys and `${VAR}`
//! substitution, then the typed `server` and `plugins` sections), route path templates, the
//! session cookie codec and request validation (path params, query string and JSON body into a
//! route's types). A target's only assertion is the one that matters for hostile input: the
//! parser returns, with a value or an error, and does not panic.
//!
//! Stable Rust has no coverage-guided fuzzing (libFuzzer and AFL need nightly's sanitizer
//! passes), so the engine is a seeded mutator: it starts from realistic seeds and applies byte
//! edits, dictionary tokens (`${`, `{`, `[`, `%`, `..`) and long repetitions (deep nesting,
//! huge lists). Crashes are saved as files; each one found becomes a file under
//! `fuzz/regressions/<target>/`, which `tests/replay.rs` replays on every test run.

use std::panic::{AssertUnwindSafe, catch_unwind};

use core_http::testing::{MockRequest, TestRequest, call_route};
use core_http::{
    HttpConfig, HttpService, RouteConfig, RouteMethod, RouteValidation, Router,
    SessionCookieOptions, SessionStorageFactory,
};
use serde::Deserialize;

/// One fuzz target: a name, realistic seed inputs and the function under test.
pub struct Target {
    /// The name used on the command line and for the regression directory.
    pub name: &'static str,
    /// Valid (or nearly valid) inputs the mutator starts from.
    pub seeds: &'static [&'static [u8]],
    /// Tokens worth inserting for this input format.
    pub dictionary: &'static [&'static [u8]],
    run: fn(&mut Harness, &[u8]),
}

impl Target {
    /// Runs the target on `input`. `Err` holds the panic message when it panicked.
    pub fn run(&self, harness: &mut Harness, input: &[u8]) -> Result<(), String> {
        catch_unwind(AssertUnwindSafe(|| (self.run)(harness, input))).map_err(|panic| {
            panic
                .downcast_ref::<&str>()
                .map(|text| (*text).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(non-text panic payload)".to_owned())
        })
    }
}

/// What the targets share across runs: a runtime for the async APIs and a session factory.
pub struct Harness {
    runtime: tokio::runtime::Runtime,
    sessions: SessionStorageFactory<serde_json::Value>,
}

impl Harness {
    /// A harness; building it starts nothing that listens.
    ///
    /// # Panics
    ///
    /// If the runtime or the HTTP service cannot be set up (no input is involved yet).
    pub fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime");
        let sessions = runtime.block_on(async {
            let mut service = http_service();
            let setup = service.setup().await.expect("http setup");
            setup
                .http
                .create_cookie_session_storage_factory(SessionCookieOptions::new(
                    "sid",
                    "fuzzing-key-fuzzing-key-fuzzing-key",
                ))
                .expect("a session factory")
        });
        Self { runtime, sessions }
    }
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}

fn http_service() -> HttpService {
    let (loggers, _logs) = core_logging::testing::capturing_logger_factory();
    HttpService::from_config(HttpConfig::default(), &loggers)
}

/// Every target.
pub fn targets() -> &'static [Target] {
    TARGETS
}

/// The target named `name`.
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|target| target.name == name)
}

static TARGETS: &[Target] = &[
    Target {
        name: "manifest",
        seeds: &[
            br#"{"id":"bookmarks","version":"kibana","server":true,"requiredPlugins":["greeting"],"optionalPlugins":[],"configPath":["bookmarks"]}"#,
            br#"{"id":"a","version":"7.2.0","kibanaVersion":"7.2.0","ui":false,"server":true}"#,
            br#"{"id":"x.y","version":"1","configPath":"x_y","requiredPlugins":"nope"}"#,
        ],
        dictionary: &[b"{", b"}", b"[", b"]", b"\"", b"\\u0000", b",", b":", b"null", b"1e999"],
        run: |_, input| {
            let text = String::from_utf8_lossy(input);
            let _ = core_plugins::PluginManifest::parse(&text, "fuzz/kibana.json", "7.2.0");
        },
    },
    Target {
        name: "config",
        seeds: &[
            b"server:\n  port: 5601\n  host: localhost\n  basePath: /kbn\nplugins.lifecycleTimeout: 30s\n",
            b"server.port: ${PORT:5601}\nserver.maxPayload: 1mb\nserver.ssl:\n  enabled: false\n",
            b"server: {keepaliveTimeout: 120000, socketTimeout: \"2m\", shutdownTimeout: 1e3}\n",
            b"a: [1, [2, [3]]]\nb.c.d: ${HOME}\nserver.host: \"::1\"\n",
        ],
        dictionary: &[
            b"${", b"}", b":", b".", b"\n  ", b"- ", b"[", b"{", b"&a ", b"*a", b"!!binary ",
            b"\"", b"'", b"#", b"1e999", b"~",
        ],
        run: |_, input| {
            let text = String::from_utf8_lossy(input);
            let env = core_config::testing::test_env();
            if let Ok(config) = core_config::ConfigService::from_yaml_str(&text, env) {
                let _ = config.at_path::<HttpConfig>("server");
                let _ = config.at_path::<core_plugins::PluginsConfig>("plugins");
                let _ = config.unused_paths();
            }
        },
    },
    Target {
        name: "route_path",
        seeds: &[
            b"/api/bookmarks\n/{id}",
            b"/api\n/items/{id}/tags/{tag?}",
            b"\n/",
            b"/a/\n//b/{x}/{x}",
        ],
        dictionary: &[b"/", b"{", b"}", b"?", b"*", b"..", b"%2F", b"#"],
        run: |harness, input| {
            let text = String::from_utf8_lossy(input);
            let (prefix, path) = text.split_once('\n').unwrap_or(("", &text));
            harness.runtime.block_on(async {
                let mut service = http_service();
                let setup = service.setup().await.expect("http setup");
                let mut router = setup.http.create_router(prefix);
                router.get(
                    RouteConfig::new(path, RouteValidation::none()),
                    |_req, res| async move { Ok(res.no_content()) },
                );
                let routes = router.get_routes();
                if setup.http.register_router(router).is_ok() {
                    assert!(routes[0].full_path.starts_with('/'), "{routes:?}");
                }
            });
        },
    },
    Target {
        name: "session_cookie",
        seeds: &[
            b"sid=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
            b"a=1; sid=\"x\"; sid=y",
            b"sid=",
        ],
        dictionary: &[b";", b"=", b"\"", b"sid=", b"==", b"+/", b" "],
        run: |harness, input| {
            let Ok(text) = std::str::from_utf8(input) else {
                return;
            };
            // What a client could send at all: a header value without control characters.
            if text.chars().any(|c| c.is_control() && c != '\t') {
                return;
            }
            let request = MockRequest::new((), (), ()).header("cookie", text).build();
            let storage = harness.sessions.as_scoped(&request);
            harness.runtime.block_on(async {
                let _ = storage.get().await;
            });
        },
    },
    Target {
        name: "validation",
        seeds: &[
            b"7\npage=2&tags=a&tags=b&on=true\n{\"name\":\"a\",\"items\":[{\"count\":1,\"ratio\":0.5}]}",
            b"x\npage=-1&on=yes\n{\"name\":5,\"items\":\"1\"}",
            b"0\n%ff=%zz&&=\n{\"name\":\"\",\"items\":[{\"count\":\"12\",\"ratio\":\" 1e3 \"}]}",
        ],
        dictionary: &[b"&", b"=", b"%", b"+", b"[", b"]", b"{", b"}", b"\"", b",", b":", b"\\"],
        run: |harness, input| {
            let text = String::from_utf8_lossy(input);
            let mut parts = text.splitn(3, '\n');
            let (id, query, body) = (
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
            );
            let router = validation_router();
            let request = TestRequest::new()
                .param("id", id)
                .query(query)
                .raw_body("application/json", body.to_owned());
            harness.runtime.block_on(async {
                let response = call_route(&router, RouteMethod::Post, "/items/{id}", request)
                    .await
                    .expect("the route exists");
                assert!(
                    matches!(response.status(), 204 | 400 | 415),
                    "unexpected status {}",
                    response.status()
                );
            });
        },
    },
];

#[derive(Deserialize)]
#[allow(dead_code)]
struct Params {
    id: u32,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Query {
    page: Option<u32>,
    #[serde(default)]
    tags: Vec<String>,
    on: Option<bool>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
struct Body {
    name: String,
    items: Vec<Item>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Item {
    count: u8,
    ratio: f64,
}

fn validation_router() -> Router {
    let mut router = Router::new("");
    router.post(
        RouteConfig::new(
            "/items/{id}",
            RouteValidation::new()
                .params::<Params>()
                .query::<Query>()
                .body::<Body>(),
        ),
        |_req, res| async move { Ok(res.no_content()) },
    );
    router
}

/// A small, fast, seeded random generator (xorshift64*): runs are reproducible from a seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (0 is replaced, xorshift cannot leave it).
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A value below `bound` (which must not be 0).
    pub fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound as u64) as usize
    }
}

/// The largest input the mutator builds.
pub const MAX_INPUT: usize = 64 * 1024;

/// A new input: a seed of `target`, edited one to eight times.
pub fn mutate(target: &Target, rng: &mut Rng) -> Vec<u8> {
    let mut input = target.seeds[rng.below(target.seeds.len())].to_vec();
    for _ in 0..=rng.below(8) {
        edit(target, rng, &mut input);
    }
    input.truncate(MAX_INPUT);
    input
}

fn edit(target: &Target, rng: &mut Rng, input: &mut Vec<u8>) {
    let at = rng.below(input.len() + 1);
    match rng.below(7) {
        // Flip a byte.
        0 if at < input.len() => input[at] ^= 1 << rng.below(8),
        // Replace a byte with anything.
        1 if at < input.len() => input[at] = rng.next_u64() as u8,
        // Insert a dictionary token.
        2 => {
            let token = target.dictionary[rng.below(target.dictionary.len())];
            input.splice(at..at, token.iter().copied());
        }
        // Delete a range.
        3 if at < input.len() => {
            let end = (at + 1 + rng.below(16)).min(input.len());
            input.drain(at..end);
        }
        // Duplicate a range.
        4 if at < input.len() => {
            let end = (at + 1 + rng.below(32)).min(input.len());
            let copy = input[at..end].to_vec();
            input.splice(at..at, copy);
        }
        // A token repeated many times: deep nesting, long lists, long names.
        5 => {
            let token = target.dictionary[rng.below(target.dictionary.len())];
            let times = 1 + rng.below(4096);
            let repeated: Vec<u8> = token
                .iter()
                .copied()
                .cycle()
                .take(token.len() * times)
                .collect();
            input.splice(at..at, repeated);
        }
        // Splice in part of another seed.
        _ => {
            let other = target.seeds[rng.below(target.seeds.len())];
            let start = rng.below(other.len() + 1);
            let end = start + rng.below(other.len() - start + 1);
            input.splice(at..at, other[start..end].iter().copied());
        }
    }
}

/// A stable hash of `input` (FNV-1a).
pub fn hash(input: &[u8]) -> u64 {
    input.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A short, stable name for an input (its [`hash`] in hex): the file name of a saved crash.
pub fn fingerprint(input: &[u8]) -> String {
    format!("{:016x}", hash(input))
}
