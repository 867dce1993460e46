//! [`ElasticsearchSessionStore`]: server-side sessions in an Elasticsearch index (Kibana 7.10+'s
//! `.kibana_security_session_1`), shared by every server that talks to the cluster.
//!
//! Here rather than in core-http or core-elasticsearch: it needs both (core-http's
//! `SessionStore`, core-elasticsearch's client), and core-server is where the two meet.

use std::sync::Arc;

use core_elasticsearch::{ApiCaller, CallApiOptions, ClusterClient, ElasticsearchError};
use core_http::{SessionRecord, SessionStore, SessionStoreError, SessionStoreFuture};
use serde_json::{Value, json};
use tokio::sync::Mutex;

/// The index Kibana keeps its sessions in; [`ElasticsearchSessionStore::new`] uses it.
pub const DEFAULT_SESSION_INDEX: &str = ".kibana_security_session_1";

/// Sessions as documents of an Elasticsearch index, one per session id (the document `_id`),
/// written and read as Kibana's internal user. Several servers pointed at one cluster share
/// them: a session made on one works on all, and clearing it on one revokes it on all.
///
/// A document holds `content` (the session value, AES-256-GCM encrypted by the session
/// storage, with associated data kept only in the cookie: the index alone cannot be
/// decrypted), `idleTimeoutExpiration`, `lifespanExpiration` and `expiresAt` (Unix ms; the
/// cleanup deletes documents whose `expiresAt` has passed with `delete_by_query`). The index
/// is created (hidden, one shard, strict mapping) before the first write when it does not
/// exist; reads and deletes on a missing index find nothing.
///
/// ```no_run
/// # async fn setup(core: core_server::CoreSetup) -> anyhow::Result<()> {
/// use std::sync::Arc;
/// use core_server::{ElasticsearchSessionStore, SessionCookieOptions};
///
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Session { username: String }
///
/// let store = ElasticsearchSessionStore::new(core.elasticsearch.admin_client.clone());
/// let options = SessionCookieOptions::<Session>::new("sid", "a secret of at least 32 characters!!")
///     .store(Arc::new(store));
/// let sessions = core.http.create_cookie_session_storage_factory(options)?;
/// # let _ = sessions;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ElasticsearchSessionStore {
    caller: Arc<dyn ApiCaller>,
    index: String,
    /// Whether the index is known to exist (checked, or created, before the first write).
    index_ready: Arc<Mutex<bool>>,
}

impl std::fmt::Debug for ElasticsearchSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ElasticsearchSessionStore")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

/// What a session document looks like on disk (Kibana's session index mapping, plus
/// `expiresAt`).
fn index_definition() -> Value {
    json!({
        "settings": {
            "index": {
                "number_of_shards": 1,
                "number_of_replicas": 0,
                "auto_expand_replicas": "0-1",
                "priority": 1000,
                "refresh_interval": "1s",
                "hidden": true,
            }
        },
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "content": { "type": "binary" },
                "idleTimeoutExpiration": { "type": "date" },
                "lifespanExpiration": { "type": "date" },
                "expiresAt": { "type": "date" },
            }
        }
    })
}

fn document(record: &SessionRecord) -> Value {
    json!({
        "content": record.content,
        "idleTimeoutExpiration": record.idle_timeout_expiration,
        "lifespanExpiration": record.lifespan_expiration,
        "expiresAt": record.expires_at,
    })
}

fn record_of(source: &Value) -> Option<SessionRecord> {
    Some(SessionRecord {
        content: source.get("content")?.as_str()?.to_owned(),
        idle_timeout_expiration: source.get("idleTimeoutExpiration").and_then(Value::as_u64),
        lifespan_expiration: source.get("lifespanExpiration").and_then(Value::as_u64),
        expires_at: source.get("expiresAt").and_then(Value::as_u64),
    })
}

fn store_error(what: &str, error: ElasticsearchError) -> SessionStoreError {
    SessionStoreError::with_source(format!("{what} in Elasticsearch failed"), error)
}

impl ElasticsearchSessionStore {
    /// A store in [`DEFAULT_SESSION_INDEX`], called through `client` as the internal user.
    ///
    /// # Arguments
    ///
    /// * `client` - the cluster client, e.g. `core.elasticsearch.admin_client`.
    pub fn new(client: ClusterClient) -> Self {
        Self::with_caller(Arc::new(client), DEFAULT_SESSION_INDEX)
    }

    /// A store in another index (tests, or several session storages on one cluster).
    ///
    /// # Arguments
    ///
    /// * `index` - the index name, e.g. `.my_sessions_1`.
    pub fn index(mut self, index: impl Into<String>) -> Self {
        self.index = index.into();
        self
    }

    /// The index the sessions live in.
    pub fn index_name(&self) -> &str {
        &self.index
    }

    pub(crate) fn with_caller(caller: Arc<dyn ApiCaller>, index: &str) -> Self {
        Self {
            caller,
            index: index.to_owned(),
            index_ready: Arc::new(Mutex::new(false)),
        }
    }

    async fn call(&self, endpoint: &str, params: Value) -> Result<Value, ElasticsearchError> {
        self.caller
            .call(endpoint, params, CallApiOptions::default())
            .await
    }

    /// Creates the index unless it exists (once per store; retried after a failure).
    async fn ensure_index(&self) -> Result<(), SessionStoreError> {
        let mut ready = self.index_ready.lock().await;
        if *ready {
            return Ok(());
        }
        // A HEAD request: `true` or `false`.
        let exists = self
            .call("indices.exists", json!({ "index": self.index }))
            .await;
        match exists {
            Ok(Value::Bool(true)) => {}
            Ok(_) => {
                let created = self
                    .call(
                        "indices.create",
                        json!({ "index": self.index, "body": index_definition() }),
                    )
                    .await;
                match created {
                    Ok(_) => {}
                    // Another server created it meanwhile.
                    Err(error)
                        if error.error_type() == Some("resource_already_exists_exception") => {}
                    Err(error) => return Err(store_error("creating the session index", error)),
                }
            }
            Err(error) => return Err(store_error("checking the session index", error)),
        }
        *ready = true;
        Ok(())
    }
}

impl SessionStore for ElasticsearchSessionStore {
    fn get<'a>(&'a self, sid: &'a str) -> SessionStoreFuture<'a, Option<SessionRecord>> {
        Box::pin(async move {
            match self
                .call("get", json!({ "index": self.index, "id": sid }))
                .await
            {
                Ok(answer) if answer.get("found") == Some(&Value::Bool(true)) => answer
                    .get("_source")
                    .and_then(record_of)
                    .map(Some)
                    .ok_or_else(|| {
                        SessionStoreError::new("a session document in Elasticsearch is malformed")
                    }),
                Ok(_) => Ok(None),
                // No such document, or no index yet.
                Err(error) if error.is_not_found() => Ok(None),
                Err(error) => Err(store_error("reading a session", error)),
            }
        })
    }

    fn put<'a>(&'a self, sid: &'a str, record: SessionRecord) -> SessionStoreFuture<'a, ()> {
        Box::pin(async move {
            self.ensure_index().await?;
            self.call(
                "index",
                json!({ "index": self.index, "id": sid, "body": document(&record) }),
            )
            .await
            .map_err(|error| store_error("storing a session", error))?;
            Ok(())
        })
    }

    fn extend<'a>(
        &'a self,
        sid: &'a str,
        idle_timeout_expiration: u64,
        expires_at: Option<u64>,
    ) -> SessionStoreFuture<'a, bool> {
        Box::pin(async move {
            let params = json!({
                "index": self.index,
                "id": sid,
                "body": { "doc": {
                    "idleTimeoutExpiration": idle_timeout_expiration,
                    "expiresAt": expires_at,
                } },
            });
            // `update` never creates: a session deleted meanwhile answers 404.
            match self.call("update", params).await {
                Ok(_) => Ok(true),
                Err(error) if error.is_not_found() => Ok(false),
                Err(error) => Err(store_error("extending a session", error)),
            }
        })
    }

    fn delete<'a>(&'a self, sid: &'a str) -> SessionStoreFuture<'a, bool> {
        Box::pin(async move {
            match self
                .call("delete", json!({ "index": self.index, "id": sid }))
                .await
            {
                Ok(answer) => Ok(answer.get("result").and_then(Value::as_str) == Some("deleted")),
                Err(error) if error.is_not_found() => Ok(false),
                Err(error) => Err(store_error("deleting a session", error)),
            }
        })
    }

    fn cleanup_expired(&self, now: u64, max: usize) -> SessionStoreFuture<'_, usize> {
        Box::pin(async move {
            let params = json!({
                "index": self.index,
                "max_docs": max,
                "conflicts": "proceed",
                "refresh": true,
                "body": { "query": { "range": { "expiresAt": { "lte": now } } } },
            });
            match self.call("delete_by_query", params).await {
                Ok(answer) => Ok(answer
                    .get("deleted")
                    .and_then(Value::as_u64)
                    .map_or(0, |deleted| usize::try_from(deleted).unwrap_or(usize::MAX))),
                Err(error) if error.is_not_found() => Ok(0),
                Err(error) => Err(store_error("removing expired sessions", error)),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use core_elasticsearch::testing::MockApiCaller;

    use super::*;

    fn not_found(body: Value) -> ElasticsearchError {
        ElasticsearchError::Response(Box::new(core_elasticsearch::ResponseError::from_body(
            404, body,
        )))
    }

    fn record() -> SessionRecord {
        SessionRecord {
            content: "ZW5jcnlwdGVk".into(),
            idle_timeout_expiration: Some(10),
            lifespan_expiration: None,
            expires_at: Some(30),
        }
    }

    #[tokio::test]
    async fn the_first_write_creates_the_index_then_documents_round_trip() {
        let mock = MockApiCaller::new();
        mock.answer("indices.exists", Ok(json!(false)))
        .answer("indices.create", Ok(json!({ "acknowledged": true, "shards_acknowledged": true, "index": ".s" })))
        .answer("index", Ok(json!({ "_index": ".s", "_id": "sid1", "_version": 1, "result": "created" })))
        .answer("index", Ok(json!({ "_index": ".s", "_id": "sid2", "_version": 1, "result": "created" })))
        .answer(
            "get",
            Ok(json!({ "_index": ".s", "_id": "sid1", "_version": 1, "_seq_no": 0, "_primary_term": 1, "found": true,
                "_source": { "content": "ZW5jcnlwdGVk", "idleTimeoutExpiration": 10, "lifespanExpiration": null, "expiresAt": 30 } })),
        )
        .answer("get", Err(not_found(json!({ "_index": ".s", "_id": "nope", "found": false }))));
        let store = ElasticsearchSessionStore::with_caller(Arc::new(mock.clone()), ".s");
        store.put("sid1", record()).await.unwrap();
        store.put("sid2", record()).await.unwrap();
        assert_eq!(store.get("sid1").await.unwrap(), Some(record()));
        assert_eq!(store.get("nope").await.unwrap(), None);
        let calls: Vec<String> = mock.calls().into_iter().map(|call| call.endpoint).collect();
        // The index is checked once.
        assert_eq!(
            calls,
            [
                "indices.exists",
                "indices.create",
                "index",
                "index",
                "get",
                "get"
            ]
        );
        let create = &mock.calls()[1].params;
        assert_eq!(create["body"]["mappings"]["dynamic"], "strict");
        assert_eq!(
            mock.calls()[2].params,
            json!({ "index": ".s", "id": "sid1", "body": {
                "content": "ZW5jcnlwdGVk", "idleTimeoutExpiration": 10, "lifespanExpiration": null, "expiresAt": 30 } })
        );
    }

    #[tokio::test]
    async fn extend_never_creates_delete_reports_and_cleanup_is_bounded() {
        let mock = MockApiCaller::new();
        mock.answer("update", Ok(json!({ "result": "updated" })))
            .answer(
                "update",
                Err(not_found(json!({ "error": { "type": "document_missing_exception" }, "status": 404 }))),
            )
            .answer("delete", Ok(json!({ "result": "deleted" })))
            .answer("delete", Err(not_found(json!({ "result": "not_found" }))))
            .answer("delete_by_query", Ok(json!({ "took": 3, "timed_out": false, "total": 2, "deleted": 2, "failures": [] })))
            .answer(
                "delete_by_query",
                Err(not_found(json!({ "error": { "type": "index_not_found_exception" }, "status": 404 }))),
            )
            .answer(
                "get",
                Err(ElasticsearchError::ServerError(Box::new(
                    core_elasticsearch::ResponseError::from_body(
                        500,
                        json!({ "error": { "type": "exception", "reason": "boom" }, "status": 500 }),
                    ),
                ))),
            );
        let store = ElasticsearchSessionStore::with_caller(Arc::new(mock.clone()), ".s");
        assert!(store.extend("a", 5, Some(9)).await.unwrap());
        assert!(!store.extend("gone", 5, Some(9)).await.unwrap());
        assert!(store.delete("a").await.unwrap());
        assert!(!store.delete("a").await.unwrap());
        assert_eq!(store.cleanup_expired(100, 50).await.unwrap(), 2);
        assert_eq!(store.cleanup_expired(100, 50).await.unwrap(), 0);
        let error = store.get("a").await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "session store: reading a session in Elasticsearch failed"
        );
        let calls = mock.calls();
        assert_eq!(
            calls[0].params,
            json!({ "index": ".s", "id": "a", "body": { "doc": { "idleTimeoutExpiration": 5, "expiresAt": 9 } } })
        );
        assert_eq!(
            calls[4].params,
            json!({ "index": ".s", "max_docs": 50, "conflicts": "proceed", "refresh": true,
                "body": { "query": { "range": { "expiresAt": { "lte": 100 } } } } })
        );
    }
}
