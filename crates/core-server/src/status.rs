//! `GET /api/status`: the server's name, version and build, an overall state, and one entry per
//! core service and per plugin, in the shape of Kibana 7.x's status API.
//!
//! Required core services are `http` and `plugins`: the overall state is `red` (answered with
//! `503`) while plugins are not yet started or are being stopped. Elasticsearch is **not**
//! required: when it is down the overall state is `yellow`, the answer is `200`, and its entry
//! says why; the server keeps serving and the health check keeps retrying.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use core_config::PackageInfo;
use core_elasticsearch::ElasticsearchStatus;
use core_http::{
    AuthRequired, KibanaResponse, RouteConfig, RouteDocs, RouteOptions, RouteValidation, Router,
};
use core_plugins::{PluginName, PluginStatus};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::watch;

/// The path of the status API.
pub const STATUS_PATH: &str = "/api/status";

/// Where the server is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Core and plugins are being set up or started.
    Starting,
    /// Every plugin has started.
    Running,
    /// The server is shutting down.
    Stopping,
}

/// A state as Kibana's status API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusState {
    /// Not taking part (a disabled plugin).
    Disabled,
    /// Working.
    Green,
    /// Degraded: something optional is unavailable.
    Yellow,
    /// Not working.
    Red,
}

impl StatusState {
    fn title(self) -> &'static str {
        match self {
            Self::Disabled => "Disabled",
            Self::Green => "Green",
            Self::Yellow => "Yellow",
            Self::Red => "Red",
        }
    }

    /// Kibana's legacy nicknames, kept for familiarity.
    fn nickname(self) -> &'static str {
        match self {
            Self::Disabled => "Am I even a thing?",
            Self::Green => "Looking good",
            Self::Yellow => "I'll be back",
            Self::Red => "Danger Will Robinson! Danger!",
        }
    }
}

/// One line of `status.statuses`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceStatus {
    /// `core:<service>` or `plugin:<id>@<version>`.
    pub id: String,
    /// Its state.
    pub state: StatusState,
    /// Why it is in that state.
    pub message: String,
}

/// What the status API reports, shared by the server (which updates it) and the route.
#[derive(Debug)]
pub(crate) struct StatusRegistry {
    name: String,
    uuid: OnceLock<String>,
    package: PackageInfo,
    phase: Mutex<Phase>,
    elasticsearch: OnceLock<watch::Receiver<ElasticsearchStatus>>,
    http_address: OnceLock<String>,
    plugins: Mutex<Plugins>,
}

#[derive(Debug, Default)]
struct Plugins {
    discovered: Vec<(PluginName, PluginStatus)>,
    versions: HashMap<PluginName, String>,
}

impl StatusRegistry {
    pub(crate) fn new(name: String, package: PackageInfo) -> Arc<Self> {
        Arc::new(Self {
            name,
            uuid: OnceLock::new(),
            package,
            phase: Mutex::new(Phase::Starting),
            elasticsearch: OnceLock::new(),
            http_address: OnceLock::new(),
            plugins: Mutex::default(),
        })
    }

    /// Sets the instance UUID (once, at setup).
    pub(crate) fn set_uuid(&self, uuid: String) {
        let _ = self.uuid.set(uuid);
    }

    /// The instance UUID, once set up.
    pub(crate) fn uuid(&self) -> Option<&str> {
        self.uuid.get().map(String::as_str)
    }

    pub(crate) fn set_phase(&self, phase: Phase) {
        *self.phase.lock().unwrap_or_else(PoisonError::into_inner) = phase;
    }

    fn phase(&self) -> Phase {
        *self.phase.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn set_elasticsearch(&self, status: watch::Receiver<ElasticsearchStatus>) {
        let _ = self.elasticsearch.set(status);
    }

    pub(crate) fn set_http_address(&self, address: String) {
        let _ = self.http_address.set(address);
    }

    pub(crate) fn set_discovered(&self, discovered: Vec<(PluginName, PluginStatus)>) {
        self.plugins
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .discovered = discovered;
    }

    pub(crate) fn set_plugin_version(&self, id: &str, version: &str) {
        let mut plugins = self.plugins.lock().unwrap_or_else(PoisonError::into_inner);
        plugins.versions.insert(id.to_owned(), version.to_owned());
    }

    /// Every entry of `status.statuses`, core services first.
    pub(crate) fn statuses(&self) -> Vec<ServiceStatus> {
        let phase = self.phase();
        let mut statuses = Vec::new();
        statuses.push(ServiceStatus {
            id: "core:http".to_owned(),
            state: if phase == Phase::Stopping {
                StatusState::Red
            } else {
                StatusState::Green
            },
            message: match (phase, self.http_address.get()) {
                (Phase::Stopping, _) => "Stopping: draining in-flight requests".to_owned(),
                (_, Some(address)) => format!("Listening at {address}"),
                (_, None) => "Listening".to_owned(),
            },
        });
        let (state, message) = match self
            .elasticsearch
            .get()
            .map(|status| status.borrow().clone())
        {
            Some(status) if status.is_available() => (StatusState::Green, status.message()),
            Some(status) => (StatusState::Red, status.message()),
            None => (StatusState::Red, "Waiting for Elasticsearch".to_owned()),
        };
        statuses.push(ServiceStatus {
            id: "core:elasticsearch".to_owned(),
            state,
            message,
        });
        let (state, message) = match phase {
            Phase::Starting => (StatusState::Red, "Plugins are being set up and started"),
            Phase::Running => (StatusState::Green, "All enabled plugins are started"),
            Phase::Stopping => (StatusState::Red, "Plugins are being stopped"),
        };
        statuses.push(ServiceStatus {
            id: "core:plugins".to_owned(),
            state,
            message: message.to_owned(),
        });

        let plugins = self.plugins.lock().unwrap_or_else(PoisonError::into_inner);
        for (id, status) in &plugins.discovered {
            let id_with_version = match plugins.versions.get(id) {
                Some(version) => format!("plugin:{id}@{version}"),
                None => format!("plugin:{id}"),
            };
            let (state, message) = match status {
                PluginStatus::Disabled => (
                    StatusState::Disabled,
                    "Disabled in the configuration".to_owned(),
                ),
                PluginStatus::MissingDependencies(missing) => (
                    StatusState::Disabled,
                    format!(
                        "Disabled: missing or disabled dependencies [{}]",
                        missing.join(", ")
                    ),
                ),
                PluginStatus::Enabled => match phase {
                    Phase::Starting => (StatusState::Yellow, "Starting".to_owned()),
                    Phase::Running => (StatusState::Green, "Ready".to_owned()),
                    Phase::Stopping => (StatusState::Red, "Stopping".to_owned()),
                },
            };
            statuses.push(ServiceStatus {
                id: id_with_version,
                state,
                message,
            });
        }
        statuses
    }

    /// The status document and whether a required core service is down.
    pub(crate) fn document(&self) -> (Value, bool) {
        let statuses = self.statuses();
        let required_down = statuses
            .iter()
            .filter(|status| status.id == "core:http" || status.id == "core:plugins")
            .any(|status| status.state == StatusState::Red);
        let overall = if required_down {
            StatusState::Red
        } else if statuses
            .iter()
            .any(|status| matches!(status.state, StatusState::Red | StatusState::Yellow))
        {
            StatusState::Yellow
        } else {
            StatusState::Green
        };
        let document = json!({
            "name": self.name,
            "uuid": self.uuid.get(),
            "version": {
                "number": self.package.version,
                "build_hash": self.package.build_sha,
                "build_number": self.package.build_num,
                "build_snapshot": self.package.version.ends_with("-SNAPSHOT"),
            },
            "status": {
                "overall": {
                    "state": overall,
                    "title": overall.title(),
                    "nickname": overall.nickname(),
                },
                "statuses": statuses,
            },
        });
        (document, required_down)
    }
}

/// The core router serving [`STATUS_PATH`] (no authentication, as in Kibana).
pub(crate) fn status_router(registry: Arc<StatusRegistry>) -> Router {
    let mut router = Router::new("/api");
    let options = RouteOptions::new().auth_required(AuthRequired::NotRequired);
    router.get(
        RouteConfig::new("/status", RouteValidation::none())
            .options(options)
            .docs(
                RouteDocs::new()
                    .summary("The server's status")
                    .response(200, "Green or yellow: the server serves")
                    .response(503, "Red: plugins are not started, or are stopping"),
            ),
        move |_request, response| {
            let (document, required_down) = registry.document();
            async move {
                if required_down {
                    Ok(KibanaResponse::new(503, document))
                } else {
                    Ok(response.ok(document))
                }
            }
        },
    );
    router
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> Arc<StatusRegistry> {
        let registry = StatusRegistry::new("test".to_owned(), PackageInfo::default());
        registry.set_discovered(vec![
            ("greeting".to_owned(), PluginStatus::Enabled),
            ("off".to_owned(), PluginStatus::Disabled),
        ]);
        registry.set_plugin_version("greeting", "1.2.3");
        registry
    }

    fn entry<'a>(document: &'a Value, id: &str) -> &'a Value {
        document["status"]["statuses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|status| status["id"] == id)
            .unwrap_or_else(|| panic!("no {id} in {document}"))
    }

    #[test]
    fn starting_is_red_because_plugins_are_required() {
        let (document, required_down) = registry().document();
        assert!(required_down);
        assert_eq!(document["status"]["overall"]["state"], "red");
        assert_eq!(entry(&document, "plugin:greeting@1.2.3")["state"], "yellow");
    }

    #[test]
    fn elasticsearch_down_is_yellow_not_red() {
        let registry = registry();
        let (_tx, rx) = watch::channel(ElasticsearchStatus::Unavailable {
            reason: "connection refused".into(),
        });
        registry.set_elasticsearch(rx);
        registry.set_phase(Phase::Running);
        let (document, required_down) = registry.document();
        assert!(!required_down);
        assert_eq!(document["status"]["overall"]["state"], "yellow");
        let es = entry(&document, "core:elasticsearch");
        assert_eq!(es["state"], "red");
        assert_eq!(
            es["message"],
            "Unable to connect to Elasticsearch. Error: connection refused"
        );
        assert_eq!(entry(&document, "plugin:greeting@1.2.3")["state"], "green");
        assert_eq!(entry(&document, "plugin:off")["state"], "disabled");
    }

    #[test]
    fn everything_up_is_green_and_stopping_is_red() {
        let registry = registry();
        let (_tx, rx) = watch::channel(ElasticsearchStatus::Available);
        registry.set_elasticsearch(rx);
        registry.set_phase(Phase::Running);
        assert_eq!(registry.document().0["status"]["overall"]["state"], "green");
        registry.set_phase(Phase::Stopping);
        let (document, required_down) = registry.document();
        assert!(required_down);
        assert_eq!(entry(&document, "core:http")["state"], "red");
    }
}
