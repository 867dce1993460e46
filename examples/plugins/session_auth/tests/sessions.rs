//! The plugin's sessions over real HTTP (`TestServer` on loopback): logout revokes, idle timeout
//! and lifespan, the `/session` route that does not extend, and the Elasticsearch store shared
//! by two servers, with its periodic cleanup, against a stub that keeps documents the way an
//! index does.
//!
//! Timeouts are short (hundreds of milliseconds) and waits are bounded sleeps; a check that a
//! session is still alive leaves at least 300 ms of slack.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use core_server::testing::TestServer;
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const KEY: &str = "a-session-encryption-key-of-32+-characters";

fn config(session_auth: Value) -> Value {
    let mut section = json!({
        "encryptionKey": KEY,
        "users": { "ana": { "password": "ana-pass" }, "bob": { "password": "bob-pass" } },
    });
    for (key, value) in session_auth.as_object().unwrap() {
        section[key] = value.clone();
    }
    json!({ "sessionAuth": section })
}

async fn start(config: Value) -> TestServer {
    TestServer::start(vec![example_session_auth_plugin::registration()], config)
        .await
        .expect("the server starts")
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// The `sid=...` pair of the reply's session cookie, if it sets one.
fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("sid="))
        .map(|value| value.split(';').next().unwrap().to_owned())
}

async fn login(server: &TestServer, user: &str) -> String {
    let response = client()
        .post(server.url("/api/session_auth/login"))
        .header("kbn-xsrf", "true")
        .json(&json!({ "username": user, "password": format!("{user}-pass") }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    session_cookie(&response).expect("a session cookie")
}

async fn logout(server: &TestServer, cookie: &str) -> u16 {
    client()
        .post(server.url("/api/session_auth/logout"))
        .header("kbn-xsrf", "true")
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// `GET path` with the cookie: the status and the renewed cookie, if any.
async fn get(server: &TestServer, path: &str, cookie: &str) -> (u16, Option<String>) {
    let response = client()
        .get(server.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let renewed = session_cookie(&response).filter(|renewed| renewed != "sid=");
    (response.status().as_u16(), renewed)
}

#[tokio::test]
async fn logout_revokes_the_session_so_a_copied_cookie_gets_401() {
    let server = start(config(json!({}))).await;
    let cookie = login(&server, "ana").await;
    assert!(!cookie.contains("ana"), "{cookie}");
    let stolen = cookie.clone();
    assert_eq!(get(&server, "/api/session_auth/me", &cookie).await.0, 200);
    assert_eq!(logout(&server, &cookie).await, 204);
    assert_eq!(get(&server, "/api/session_auth/me", &stolen).await.0, 401);
    server.stop().await;
}

#[tokio::test]
async fn idle_sessions_end_and_the_session_route_does_not_extend_them() {
    let server = start(config(json!({ "idleTimeout": "1s" }))).await;
    let polled = login(&server, "ana").await;
    let used = login(&server, "bob").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (status, renewed) = get(&server, "/api/session_auth/session", &polled).await;
    assert_eq!((status, renewed), (200, None));
    let (status, renewed) = get(&server, "/api/session_auth/me", &used).await;
    assert_eq!(status, 200);
    let used = renewed.expect("`/me` extends the session");
    // 1.1 s after login, 0.7 s after bob's extension.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(get(&server, "/api/session_auth/me", &polled).await.0, 401);
    assert_eq!(get(&server, "/api/session_auth/me", &used).await.0, 200);
    server.stop().await;
}

#[tokio::test]
async fn the_lifespan_ends_a_session_however_active() {
    let server = start(config(
        json!({ "idleTimeout": "600ms", "lifespan": "1500ms" }),
    ))
    .await;
    let mut cookie = login(&server, "ana").await;
    let logged_in = Instant::now();
    let mut alive_past_idle = false;
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let sent = logged_in.elapsed();
        let (status, renewed) = get(&server, "/api/session_auth/me", &cookie).await;
        if sent > Duration::from_millis(1_500) {
            assert_eq!(status, 401, "alive past its lifespan");
            break;
        }
        if status == 200 {
            alive_past_idle |= sent > Duration::from_millis(700);
            cookie = renewed.unwrap_or(cookie);
        }
    }
    assert!(alive_past_idle, "activity did not extend the session");
    server.stop().await;
}

#[tokio::test]
async fn a_stale_setting_is_refused_naming_its_replacements() {
    let error = TestServer::start(
        vec![example_session_auth_plugin::registration()],
        config(json!({ "sessionTimeoutSeconds": 3600 })),
    )
    .await
    .unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("sessionAuth.sessionTimeoutSeconds")
            && message.contains("[idleTimeout] and [lifespan]"),
        "{message}"
    );
}

/// An Elasticsearch stand-in that keeps documents of any index in memory and answers `HEAD
/// /{index}`, `PUT /{index}`, `PUT|POST /{index}/_doc/{id}`, `GET|DELETE /{index}/_doc/{id}`,
/// `POST /{index}/_update/{id}` and `POST /{index}/_delete_by_query` (a `range` query on one
/// field with `lte`, and `max_docs`) with the bodies and statuses Elasticsearch 7.x answers.
#[derive(Clone, Default)]
struct IndexStub {
    state: Arc<Mutex<StubState>>,
}

#[derive(Default)]
struct StubState {
    indices: HashMap<String, HashMap<String, Value>>,
    delete_by_query_calls: usize,
}

impl IndexStub {
    fn documents(&self) -> Vec<Value> {
        let state = self.state.lock().unwrap();
        state
            .indices
            .values()
            .flat_map(|docs| docs.values().cloned())
            .collect()
    }

    fn delete_by_query_calls(&self) -> usize {
        self.state.lock().unwrap().delete_by_query_calls
    }
}

fn not_found_index(index: &str) -> ResponseTemplate {
    ResponseTemplate::new(404).set_body_json(json!({
        "error": {
            "root_cause": [{ "type": "index_not_found_exception", "reason": format!("no such index [{index}]"), "index": index }],
            "type": "index_not_found_exception",
            "reason": format!("no such index [{index}]"),
            "index": index,
        },
        "status": 404,
    }))
}

fn shards() -> Value {
    json!({ "total": 1, "successful": 1, "failed": 0 })
}

impl Respond for IndexStub {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = self.state.lock().unwrap();
        let segments: Vec<String> = request
            .url
            .path_segments()
            .map(|segments| segments.map(str::to_owned).collect())
            .unwrap_or_default();
        let query: HashMap<String, String> = request.url.query_pairs().into_owned().collect();
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let method = request.method.as_str();
        let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
        match (method, parts.as_slice()) {
            ("HEAD", [index]) => {
                ResponseTemplate::new(if state.indices.contains_key(*index) { 200 } else { 404 })
            }
            ("PUT", [index]) => {
                if state.indices.contains_key(*index) {
                    return ResponseTemplate::new(400).set_body_json(json!({
                        "error": { "type": "resource_already_exists_exception", "reason": format!("index [{index}] already exists") },
                        "status": 400,
                    }));
                }
                state.indices.insert((*index).to_owned(), HashMap::new());
                ResponseTemplate::new(200).set_body_json(json!({ "acknowledged": true, "shards_acknowledged": true, "index": index }))
            }
            ("PUT" | "POST", [index, "_doc", id]) => {
                let docs = state.indices.entry((*index).to_owned()).or_default();
                let created = docs.insert((*id).to_owned(), body).is_none();
                ResponseTemplate::new(if created { 201 } else { 200 }).set_body_json(json!({
                    "_index": index, "_type": "_doc", "_id": id, "_version": 1,
                    "result": if created { "created" } else { "updated" },
                    "_shards": shards(), "_seq_no": 0, "_primary_term": 1,
                }))
            }
            ("GET", [index, "_doc", id]) => match state.indices.get(*index) {
                None => not_found_index(index),
                Some(docs) => match docs.get(*id) {
                    Some(source) => ResponseTemplate::new(200).set_body_json(json!({
                        "_index": index, "_type": "_doc", "_id": id, "_version": 1,
                        "_seq_no": 0, "_primary_term": 1, "found": true, "_source": source,
                    })),
                    None => ResponseTemplate::new(404).set_body_json(json!({
                        "_index": index, "_type": "_doc", "_id": id, "found": false,
                    })),
                },
            },
            ("DELETE", [index, "_doc", id]) => match state.indices.get_mut(*index) {
                None => not_found_index(index),
                Some(docs) => {
                    let found = docs.remove(*id).is_some();
                    ResponseTemplate::new(if found { 200 } else { 404 }).set_body_json(json!({
                        "_index": index, "_type": "_doc", "_id": id, "_version": 2,
                        "result": if found { "deleted" } else { "not_found" },
                        "_shards": shards(), "_seq_no": 1, "_primary_term": 1,
                    }))
                }
            },
            ("POST", [index, "_update", id]) => {
                let Some(doc) = state.indices.get_mut(*index).and_then(|docs| docs.get_mut(*id)) else {
                    return ResponseTemplate::new(404).set_body_json(json!({
                        "error": {
                            "type": "document_missing_exception",
                            "reason": format!("[_doc][{id}]: document missing"),
                            "index": index,
                        },
                        "status": 404,
                    }));
                };
                for (key, value) in body["doc"].as_object().cloned().unwrap_or_default() {
                    doc[key] = value;
                }
                ResponseTemplate::new(200).set_body_json(json!({
                    "_index": index, "_type": "_doc", "_id": id, "_version": 2, "result": "updated",
                    "_shards": shards(), "_seq_no": 1, "_primary_term": 1,
                }))
            }
            ("POST", [index, "_delete_by_query"]) => {
                state.delete_by_query_calls += 1;
                let Some(docs) = state.indices.get_mut(*index) else {
                    return not_found_index(index);
                };
                let range = body["query"]["range"].as_object().cloned().unwrap_or_default();
                let (field, bounds) = range.into_iter().next().expect("a range query");
                let lte = bounds["lte"].as_u64().expect("lte");
                let max: usize = query.get("max_docs").and_then(|max| max.parse().ok()).unwrap_or(usize::MAX);
                let matching: Vec<String> = docs
                    .iter()
                    .filter(|(_, doc)| doc[&field].as_u64().is_some_and(|at| at <= lte))
                    .map(|(id, _)| id.clone())
                    .take(max)
                    .collect();
                for id in &matching {
                    docs.remove(id);
                }
                ResponseTemplate::new(200).set_body_json(json!({
                    "took": 1, "timed_out": false, "total": matching.len(), "deleted": matching.len(),
                    "batches": 1, "version_conflicts": 0, "noops": 0,
                    "retries": { "bulk": 0, "search": 0 }, "throttled_millis": 0,
                    "requests_per_second": -1.0, "throttled_until_millis": 0, "failures": [],
                }))
            }
            _ => ResponseTemplate::new(400).set_body_json(json!({
                "error": { "type": "illegal_argument_exception", "reason": format!("stub: unexpected {method} {}", request.url.path()) },
                "status": 400,
            })),
        }
    }
}

async fn index_stub() -> (MockServer, IndexStub) {
    let server = MockServer::start().await;
    let stub = IndexStub::default();
    Mock::given(wiremock::matchers::any())
        .respond_with(stub.clone())
        .mount(&server)
        .await;
    (server, stub)
}

fn es_config(stub: &MockServer, session_auth: Value) -> Value {
    let mut config = config(session_auth);
    config["elasticsearch"] = json!({ "hosts": [stub.uri()] });
    config
}

#[tokio::test]
async fn two_servers_on_one_elasticsearch_index_share_sessions_and_logouts() {
    let (es, stub) = index_stub().await;
    let settings = es_config(&es, json!({ "store": "elasticsearch" }));
    let one = start(settings.clone()).await;
    let two = start(settings).await;

    let cookie = login(&one, "ana").await;
    let documents = stub.documents();
    assert_eq!(documents.len(), 1);
    let stored = documents[0].to_string();
    assert!(
        !stored.contains("ana") && !stored.contains("Basic"),
        "plaintext in the index: {stored}"
    );
    let me = client()
        .get(two.url("/api/session_auth/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    assert_eq!(
        me.json::<Value>().await.unwrap(),
        json!({ "username": "ana" })
    );

    assert_eq!(logout(&two, &cookie).await, 204);
    assert!(stub.documents().is_empty());
    assert_eq!(get(&one, "/api/session_auth/me", &cookie).await.0, 401);
    one.stop().await;
    two.stop().await;
}

#[tokio::test]
async fn the_cleanup_removes_expired_sessions_from_the_index_until_the_server_stops() {
    let (es, stub) = index_stub().await;
    let server = start(es_config(
        &es,
        json!({ "store": "elasticsearch", "idleTimeout": "100ms", "cleanupInterval": "150ms" }),
    ))
    .await;
    login(&server, "ana").await;
    login(&server, "bob").await;
    assert_eq!(stub.documents().len(), 2);
    // A record is removable three idle timeouts after its last write: 300 ms here.
    let waited = Instant::now();
    while !stub.documents().is_empty() && waited.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(stub.documents().is_empty(), "the cleanup did not run");
    server.stop().await;
    let calls = stub.delete_by_query_calls();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        stub.delete_by_query_calls(),
        calls,
        "the cleanup outlived the server"
    );
}
