//! `GET /api/stats`: the instance and its latest ops metrics, in the shape of Kibana 7.x's
//! stats API (usage collection's stats route): `kibana` (uuid, name, index, host,
//! transport_address, version, snapshot, status), `last_updated`,
//! `collection_interval_in_millis`, then `process`, `os`, `response_times`, `requests` and
//! `concurrent_connections` (plus `runtime`, the async runtime's numbers).
//!
//! `?extended=true` (or a bare `?extended`) adds `cluster_uuid` as Elasticsearch answers it to
//! the requesting user; when Elasticsearch does not answer, the field is left out. There are
//! no usage collectors here, so `usage` is never added, and `legacy` and `exclude_usage` are
//! accepted and change nothing.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use core_config::PackageInfo;
use core_elasticsearch::{CallApiOptions, ClusterClient};
use core_http::{AuthRequired, RouteConfig, RouteOptions, RouteValidation, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::metrics::OpsMetrics;
use crate::scoped_request::RequestScope;
use crate::status::StatusRegistry;

/// The path of the stats API.
pub const STATS_PATH: &str = "/api/stats";

/// Kibana's default index (`kibana.index`), reported as `kibana.index`: this server keeps no
/// index of saved objects, but the field is part of the shape monitoring tools read.
const KIBANA_INDEX: &str = ".kibana";

/// What `/api/stats` reports about the instance, besides the status and the metrics.
pub(crate) struct StatsSources {
    pub(crate) status: Arc<StatusRegistry>,
    pub(crate) ops: watch::Receiver<OpsMetrics>,
    pub(crate) interval: Duration,
    pub(crate) package: PackageInfo,
    /// `server.name`, `server.host`, `server.port`.
    pub(crate) name: String,
    pub(crate) host: String,
    pub(crate) port: u16,
    /// Asked for `cluster_uuid` as the requesting user with `?extended`.
    pub(crate) elasticsearch: ClusterClient,
}

/// The query: Kibana's flags, each `true`, `false` or empty (`?extended` means `true`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StatsQuery {
    extended: Option<String>,
    legacy: Option<String>,
    exclude_usage: Option<String>,
}

/// `Some(flag)` for `""`, `true` or `false`; `None` for anything else.
fn flag(value: Option<&str>) -> Option<bool> {
    match value {
        None | Some("false") => Some(false),
        Some("" | "true") => Some(true),
        Some(_) => None,
    }
}

impl StatsSources {
    /// The document without the extended fields.
    fn document(&self) -> Value {
        let metrics = self.ops.borrow().clone();
        let mut document = serde_json::to_value(&metrics).unwrap_or_else(|_| json!({}));
        let snapshot = self.package.version.to_lowercase().contains("-snapshot");
        let version = match self.package.version.to_lowercase().find("-snapshot") {
            Some(at) => format!(
                "{}{}",
                &self.package.version[..at],
                &self.package.version[at + "-snapshot".len()..]
            ),
            None => self.package.version.clone(),
        };
        let (status, _) = self.status.document();
        if let Value::Object(fields) = &mut document {
            fields.insert(
                "kibana".to_owned(),
                json!({
                    "uuid": self.status.uuid(),
                    "name": self.name,
                    "index": KIBANA_INDEX,
                    "host": self.host,
                    "transport_address": format!("{}:{}", self.host, self.port),
                    "version": version,
                    "snapshot": snapshot,
                    "status": status["status"]["overall"]["state"],
                }),
            );
            fields.insert(
                "last_updated".to_owned(),
                json!(rfc3339(metrics.collected_at)),
            );
            fields.insert(
                "collection_interval_in_millis".to_owned(),
                json!(self.interval.as_millis() as u64),
            );
        }
        document
    }
}

fn rfc3339(time: SystemTime) -> String {
    humantime::format_rfc3339_millis(time).to_string()
}

/// The core router serving [`STATS_PATH`] (no authentication, as `/api/status`).
pub(crate) fn stats_router(sources: StatsSources) -> Router {
    let sources = Arc::new(sources);
    let mut router = Router::new("/api");
    let options = RouteOptions::new().auth_required(AuthRequired::NotRequired);
    router.get(
        RouteConfig::new("/stats", RouteValidation::new().query::<StatsQuery>()).options(options),
        move |request, response| {
            let sources = Arc::clone(&sources);
            let query = request.query();
            let flags = (
                flag(query.extended.as_deref()),
                flag(query.legacy.as_deref()),
                flag(query.exclude_usage.as_deref()),
            );
            let scoped = sources.elasticsearch.as_scoped(&RequestScope::of(&request));
            async move {
                let (Some(extended), Some(_), Some(_)) = flags else {
                    return Ok(response.bad_request(
                        "[request query]: extended, legacy and exclude_usage must be true, false or empty",
                    ));
                };
                let mut document = sources.document();
                if extended {
                    let answer = scoped
                        .call_as_current_user(
                            "info",
                            json!({ "filter_path": ["cluster_uuid"] }),
                            CallApiOptions::default(),
                        )
                        .await;
                    if let (Ok(info), Value::Object(fields)) = (answer, &mut document)
                        && let Some(uuid) = info.get("cluster_uuid")
                    {
                        fields.insert("cluster_uuid".to_owned(), uuid.clone());
                    }
                }
                Ok(response.ok(document))
            }
        },
    );
    router
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_kibanas() {
        assert_eq!(flag(None), Some(false));
        assert_eq!(flag(Some("")), Some(true));
        assert_eq!(flag(Some("true")), Some(true));
        assert_eq!(flag(Some("false")), Some(false));
        assert_eq!(flag(Some("yes")), None);
    }
}
