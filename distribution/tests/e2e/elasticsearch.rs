//! The search plugin against a stub Elasticsearch: calls as the current user carry the user's
//! `Authorization` header and never the server's own credentials.

use serde_json::json;
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::harness::{Binary, Home, Launch, unreachable_elasticsearch};

const USER_AUTH: &str = "Basic YW5hOmFuYS1wYXNz"; // ana:ana-pass
const WRONG_AUTH: &str = "Basic ZXZlOndyb25n"; // eve:wrong
const INTERNAL_AUTH: &str = "Basic a2liYW5hX3N5c3RlbTppbnRlcm5hbC1zZWNyZXQ="; // kibana_system:internal-secret

/// A stub that answers the health check and the version check as a recorded 8.x cluster, and
/// nothing else yet.
async fn healthy_stub() -> MockServer {
    let cluster = core_server::services::elasticsearch::testing::recorded_cluster("8.x")
        .expect("a recorded cluster");
    let answer = |part: &core_server::services::elasticsearch::testing::RecordedAnswer| {
        let mut template = ResponseTemplate::new(part.status);
        for (name, value) in &part.headers {
            template = template.insert_header(name.as_str(), value.as_str());
        }
        if let Some(body) = &part.body {
            template = template.set_body_raw(body.clone(), "application/json");
        }
        template
    };
    let stub = MockServer::start().await;
    Mock::given(method("HEAD"))
        .and(path("/"))
        .respond_with(answer(&cluster.ping))
        .mount(&stub)
        .await;
    Mock::given(method("GET"))
        .and(path("/_nodes"))
        .respond_with(answer(&cluster.nodes))
        .mount(&stub)
        .await;
    stub
}

async fn stub_elasticsearch() -> MockServer {
    let stub = healthy_stub().await;
    // As Elasticsearch answers: the challenge is in the body's `error.header` and in the headers.
    let unauthorized = json!({ "error": { "type": "security_exception", "reason": "unable to authenticate user [eve]",
        "header": { "WWW-Authenticate": "Basic realm=\"security\" charset=\"UTF-8\"" } }, "status": 401 });
    Mock::given(method("POST"))
        .and(path("/books/_search"))
        .and(header("authorization", WRONG_AUTH))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header(
                    "WWW-Authenticate",
                    "Basic realm=\"security\" charset=\"UTF-8\"",
                )
                .set_body_json(unauthorized),
        )
        .mount(&stub)
        .await;
    let hits = json!({ "hits": { "total": { "value": 1, "relation": "eq" },
        "hits": [ { "_index": "books", "_id": "1", "_source": { "title": "Rust in Action" } } ] } });
    Mock::given(method("POST"))
        .and(path("/books/_search"))
        .and(header("authorization", USER_AUTH))
        .respond_with(ResponseTemplate::new(200).set_body_json(hits))
        .mount(&stub)
        .await;
    stub
}

/// The search plugin's settings against `stub`, with the internal user's credentials.
fn elasticsearch_config(stub: &MockServer) -> String {
    format!(
        "elasticsearch:\n  hosts: [\"{}\"]\n  username: kibana_system\n  password: internal-secret\nsearch.index: books\n",
        stub.uri()
    )
}

/// [`elasticsearch_config`] plus sessionAuth with the one user `ana`.
fn session_auth_config(stub: &MockServer, key: &str) -> String {
    format!(
        "{}sessionAuth:\n  encryptionKey: {key}\n  users:\n    ana: {{ password: ana-pass }}\n",
        elasticsearch_config(stub)
    )
}

/// The searches the stub received.
async fn book_searches(stub: &MockServer) -> Vec<wiremock::Request> {
    stub.received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/books/_search")
        .collect()
}

#[tokio::test]
async fn search_runs_as_the_current_user_never_as_the_internal_user() {
    let stub = stub_elasticsearch().await;
    let home = Home::new();
    home.write("config/kibana.yml", &elasticsearch_config(&stub));
    let mut server = Launch::new(Binary::Server, &home).start().await;

    let (status, body) = server.get("/api/status").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"]["overall"]["state"], "green", "{body}");

    let response = server
        .client
        .get(server.url("/api/search?q=title:rust&size=5"))
        .header("authorization", USER_AUTH)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap(),
        json!({ "message": "Hello, searcher!", "total": 1, "hits": [ { "title": "Rust in Action" } ] })
    );

    let response = server
        .client
        .get(server.url("/api/search?q=title:rust"))
        .header("authorization", WRONG_AUTH)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()["www-authenticate"],
        "Basic realm=\"security\" charset=\"UTF-8\""
    );
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap(),
        json!({ "statusCode": 401, "error": "Unauthorized",
            "message": "[security_exception] unable to authenticate user [eve]" })
    );

    let requests = stub.received_requests().await.unwrap();
    let searches: Vec<_> = requests
        .iter()
        .filter(|r| r.url.path() == "/books/_search")
        .collect();
    assert_eq!(searches.len(), 2);
    let authorizations: Vec<&str> = searches
        .iter()
        .map(|r| {
            r.headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
        })
        .collect();
    assert_eq!(authorizations, [USER_AUTH, WRONG_AUTH]);
    assert_eq!(
        searches[0].body_json::<serde_json::Value>().unwrap()["query"]["query_string"]["query"],
        "title:rust"
    );
    assert_eq!(searches[0].url.query(), Some("size=5"));
    // The internal credentials exist (the health check uses them) but never reach a user's call.
    let pings: Vec<_> = requests.iter().filter(|r| r.url.path() == "/").collect();
    assert!(!pings.is_empty());
    assert!(pings.iter().all(|r| {
        r.headers
            .get("authorization")
            .is_some_and(|v| v == INTERNAL_AUTH)
    }));

    assert_eq!(server.stop().await, 0);
    let output = server.process.output.text();
    for secret in [
        "internal-secret",
        INTERNAL_AUTH,
        USER_AUTH,
        "YW5hOmFuYS1wYXNz",
    ] {
        assert!(
            !output.contains(secret),
            "{secret:?} leaked into the logs:\n{output}"
        );
    }
}

#[tokio::test]
async fn login_session_search_as_the_session_user_and_logout() {
    let stub = stub_elasticsearch().await;
    let home = Home::new();
    let key = "a-session-encryption-key-of-32+-characters";
    home.write("config/kibana.yml", &session_auth_config(&stub, key));
    let mut server = Launch::new(Binary::Server, &home).start().await;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let get = |path: &str| client.get(server.url(path)).send();

    // Every route needs a session now, except the status API and the login route.
    assert_eq!(get("/api/greeting/hello").await.unwrap().status(), 401);
    assert_eq!(get("/api/status").await.unwrap().status(), 200);

    let login = |password: &str| {
        client
            .post(server.url("/api/session_auth/login"))
            .header("kbn-xsrf", "true")
            .json(&json!({ "username": "ana", "password": password }))
            .send()
    };
    let refused = login("nope").await.unwrap();
    assert_eq!(refused.status(), 401);
    assert!(refused.headers().get("set-cookie").is_none());
    let accepted = login("ana-pass").await.unwrap();
    assert_eq!(accepted.status(), 200);
    let cookie = accepted.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.starts_with("sid=") && cookie.contains("HttpOnly"),
        "{cookie}"
    );

    assert_eq!(get("/api/greeting/hello").await.unwrap().status(), 200);
    let me: serde_json::Value = get("/api/session_auth/me")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me, json!({ "username": "ana" }));

    // No Authorization header from the browser: the session's credentials reach Elasticsearch.
    let search = get("/api/search?q=title:rust").await.unwrap();
    assert_eq!(search.status(), 200);
    let searches = book_searches(&stub).await;
    assert_eq!(searches.len(), 1);
    assert_eq!(searches[0].headers.get("authorization").unwrap(), USER_AUTH);

    let logout = client
        .post(server.url("/api/session_auth/logout"))
        .header("kbn-xsrf", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 204);
    assert_eq!(get("/api/greeting/hello").await.unwrap().status(), 401);

    // A tampered cookie is no session (401, not 500).
    let tampered = reqwest::Client::new()
        .get(server.url("/api/greeting/hello"))
        .header("cookie", "sid=AAAAtampered")
        .send()
        .await
        .unwrap();
    assert_eq!(tampered.status(), 401);

    assert_eq!(server.stop().await, 0);
    let output = server.process.output.text();
    for secret in ["ana-pass", key, USER_AUTH, "internal-secret", &cookie[..20]] {
        assert!(
            !output.contains(secret),
            "{secret:?} leaked into the logs:\n{output}"
        );
    }
    assert!(output.contains("user [ana] logged in"), "{output}");
}

#[tokio::test]
async fn basic_authorization_header_authenticates_without_a_session() {
    let stub = stub_elasticsearch().await;
    let home = Home::new();
    home.write(
        "config/kibana.yml",
        &session_auth_config(&stub, "a-session-encryption-key-of-32+-characters"),
    );
    let mut server = Launch::new(Binary::Server, &home).start().await;
    let client = reqwest::Client::new();
    let get = |path: &str, authorization: &str| {
        client
            .get(server.url(path))
            .header("authorization", authorization)
            .send()
    };

    let me = get("/api/session_auth/me", USER_AUTH).await.unwrap();
    assert_eq!(me.status(), 200);
    assert!(
        me.headers().get("set-cookie").is_none(),
        "no session is made"
    );
    assert_eq!(
        me.json::<serde_json::Value>().await.unwrap(),
        json!({ "username": "ana" })
    );
    assert_eq!(
        get("/api/search?q=title:rust", USER_AUTH)
            .await
            .unwrap()
            .status(),
        200
    );
    let searches = book_searches(&stub).await;
    assert_eq!(searches.len(), 1);
    assert_eq!(searches[0].headers.get("authorization").unwrap(), USER_AUTH);

    // A header that names no configured user is refused, with the challenge, before any handler.
    let refused = get("/api/greeting/hello", WRONG_AUTH).await.unwrap();
    assert_eq!(refused.status(), 401);
    assert_eq!(refused.headers()["www-authenticate"], "Basic");

    // ... even when a valid session cookie comes with it: the explicit header decides.
    let login = client
        .post(server.url("/api/session_auth/login"))
        .header("kbn-xsrf", "true")
        .json(&json!({ "username": "ana", "password": "ana-pass" }))
        .send()
        .await
        .unwrap();
    let cookie = login.headers()["set-cookie"].to_str().unwrap().to_owned();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let with_both = client
        .get(server.url("/api/greeting/hello"))
        .header("cookie", &cookie)
        .header("authorization", WRONG_AUTH)
        .send()
        .await
        .unwrap();
    assert_eq!(with_both.status(), 401);
    let with_cookie_only = client
        .get(server.url("/api/greeting/hello"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(with_cookie_only.status(), 200);

    assert_eq!(server.stop().await, 0);
    let output = server.process.output.text();
    for secret in ["ana-pass", USER_AUTH, WRONG_AUTH] {
        assert!(
            !output.contains(secret),
            "{secret:?} leaked into the logs:\n{output}"
        );
    }
}

/// Mounts a search answer for the query string `q`, as Elasticsearch words it.
async fn search_answer(stub: &MockServer, q: &str, answer: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/books/_search"))
        .and(body_partial_json(
            json!({ "query": { "query_string": { "query": q } } }),
        ))
        .respond_with(answer)
        .mount(stub)
        .await;
}

#[tokio::test]
async fn elasticsearch_errors_reach_the_client_with_the_status_they_stand_for() {
    let stub = healthy_stub().await;
    // Bodies as Elasticsearch 8.x sends them.
    let missing = json!({ "error": { "root_cause": [ { "type": "index_not_found_exception",
        "reason": "no such index [books]", "resource.type": "index_or_alias", "resource.id": "books",
        "index_uuid": "_na_", "index": "books" } ], "type": "index_not_found_exception",
        "reason": "no such index [books]", "resource.type": "index_or_alias", "resource.id": "books",
        "index_uuid": "_na_", "index": "books" }, "status": 404 });
    search_answer(
        &stub,
        "missing",
        ResponseTemplate::new(404).set_body_json(missing),
    )
    .await;
    let shards = json!({ "error": { "root_cause": [], "type": "search_phase_execution_exception",
        "reason": "all shards failed", "phase": "query", "grouped": true, "failed_shards": [] },
        "status": 503 });
    search_answer(
        &stub,
        "shards",
        ResponseTemplate::new(503).set_body_json(shards),
    )
    .await;
    search_answer(
        &stub,
        "garbled",
        ResponseTemplate::new(200).set_body_raw("{\"hits\": [", "application/json"),
    )
    .await;

    let home = Home::new();
    home.write("config/kibana.yml", &elasticsearch_config(&stub));
    let mut server = Launch::new(Binary::Server, &home).start().await;
    let error = |status: u16, error: &str, message: &str| json!({ "statusCode": status, "error": error, "message": message });

    // A 4xx passes through with Elasticsearch's reason.
    let (status, body) = server.get("/api/search?q=missing").await;
    assert_eq!(
        (status, body),
        (
            404,
            error(
                404,
                "Not Found",
                "[index_not_found_exception] no such index [books]"
            )
        )
    );
    // A 5xx, or an answer that is not what Elasticsearch promised, is a bad gateway.
    let (status, body) = server.get("/api/search?q=shards").await;
    assert_eq!(
        (status, body),
        (
            502,
            error(
                502,
                "Bad Gateway",
                "[search_phase_execution_exception] all shards failed"
            )
        )
    );
    let (status, body) = server.get("/api/search?q=garbled").await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(body["error"], "Bad Gateway");

    assert_eq!(server.stop().await, 0);
    // A client's mistake is not a server error: the 404 is no ERROR line.
    let output = server.process.output.text();
    assert!(
        !output
            .lines()
            .any(|line| line.contains("ERROR") && line.contains("no such index")),
        "{output}"
    );
}

#[tokio::test]
async fn elasticsearch_down_answers_503_without_naming_the_host() {
    let home = Home::new();
    home.write("config/kibana.yml", "search.index: books\n");
    let unreachable = unreachable_elasticsearch();
    let mut server = Launch::new(Binary::Server, &home)
        .elasticsearch(&unreachable)
        .start()
        .await;
    let (status, body) = server.get("/api/search?q=anything").await;
    assert_eq!(
        (status, body),
        (
            503,
            json!({ "statusCode": 503, "error": "Service Unavailable",
                "message": "Elasticsearch is unavailable, try again later." })
        )
    );
    assert_eq!(server.stop().await, 0);
}

#[tokio::test]
async fn the_raw_search_route_streams_the_answer_of_elasticsearch_as_it_is() {
    let stub = healthy_stub().await;
    // 4 MiB, in a shape serde_json would not write, so only forwarded bytes compare equal.
    let answer = format!(
        "{{ \"hits\" : {{ \"total\" : {{ \"value\" : 1 }}, \"hits\" : [ {{ \"_source\" : {{ \"title\" : \"{}\" }} }} ] }} }}\n",
        "r".repeat(4 << 20)
    );
    search_answer(
        &stub,
        "title:rust",
        ResponseTemplate::new(200).set_body_raw(answer.clone(), "application/json; charset=UTF-8"),
    )
    .await;
    let home = Home::new();
    home.write(
        "config/kibana.yml",
        &format!(
            "{}elasticsearch.maxResponseSize: 5mb\n",
            elasticsearch_config(&stub)
        ),
    );
    let mut server = Launch::new(Binary::Server, &home).start().await;

    let response = server
        .client
        .get(server.url("/api/search/raw?q=title:rust&size=5"))
        .header("authorization", USER_AUTH)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(
        headers.get("content-type").unwrap(),
        "application/json; charset=UTF-8"
    );
    // Sent as it arrives: no length announced up front.
    assert_eq!(headers.get("transfer-encoding").unwrap(), "chunked");
    assert!(headers.get("content-length").is_none());
    let body = response.bytes().await.unwrap();
    assert!(body == answer.as_bytes(), "the answer was changed");

    let searches = book_searches(&stub).await;
    assert_eq!(searches.len(), 1);
    assert_eq!(searches[0].headers.get("authorization").unwrap(), USER_AUTH);
    let opaque_id = searches[0]
        .headers
        .get("x-opaque-id")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        opaque_id.ends_with(";kibana:search:/api/search/raw"),
        "{opaque_id}"
    );

    // An answer that declares more than maxResponseSize is refused before it streams.
    search_answer(
        &stub,
        "title:big",
        ResponseTemplate::new(200).set_body_raw("x".repeat(6 << 20), "application/json"),
    )
    .await;
    let response = server
        .client
        .get(server.url("/api/search/raw?q=title:big"))
        .header("authorization", USER_AUTH)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 502);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap()["message"],
        "The answer of Elasticsearch is larger than elasticsearch.maxResponseSize (5242880 bytes)."
    );
    server.stop().await;
}
