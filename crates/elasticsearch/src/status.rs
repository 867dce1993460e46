//! The cluster's status as the health check sees it, and the version rule between Kibana and Elasticsearch nodes.

use semver::Version;
use serde_json::Value;

/// What the health check last found (for the status API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElasticsearchStatus {
    /// Every node answered and runs a compatible version.
    Available,
    /// Elasticsearch could not be reached (or has not been checked yet).
    Unavailable {
        /// Why, e.g. the connection error.
        reason: String,
    },
    /// Elasticsearch answered, but not as a healthy cluster does: an error status, or an answer
    /// that is not what the API returns.
    Unhealthy {
        /// What it answered, e.g. `server error (503)`.
        reason: String,
    },
    /// A node runs a version this server cannot work with.
    Incompatible {
        /// Which nodes, with their versions and addresses.
        reason: String,
    },
}

impl ElasticsearchStatus {
    /// Whether calls can be expected to work.
    pub fn is_available(&self) -> bool {
        matches!(self, ElasticsearchStatus::Available)
    }

    /// The status as the status API and the logs say it, in Kibana's words: `Unable to connect
    /// to Elasticsearch. Error: ...` when it cannot be reached, `Unable to retrieve version
    /// information from Elasticsearch nodes. ...` when it answered with an error.
    pub fn message(&self) -> String {
        match self {
            Self::Available => "Ready".to_owned(),
            Self::Unavailable { reason } => {
                format!("Unable to connect to Elasticsearch. Error: {reason}")
            }
            Self::Unhealthy { reason } => {
                format!("Unable to retrieve version information from Elasticsearch nodes. {reason}")
            }
            Self::Incompatible { reason } => reason.clone(),
        }
    }
}

/// One node as `_nodes` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NodeInfo {
    pub(crate) version: String,
    pub(crate) address: String,
    pub(crate) ip: String,
}

impl NodeInfo {
    fn describe(&self) -> String {
        format!("v{} @ {} ({})", self.version, self.address, self.ip)
    }
}

/// The nodes of a `nodes.info` answer (`{"nodes": {"<id>": {"version", "ip", "http": {"publish_address"}}}}`).
pub(crate) fn parse_nodes(body: &Value) -> Result<Vec<NodeInfo>, String> {
    let nodes = body
        .get("nodes")
        .and_then(Value::as_object)
        .ok_or("the _nodes answer has no \"nodes\" object")?;
    let mut infos = Vec::with_capacity(nodes.len());
    for (id, node) in nodes {
        let version = node
            .get("version")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("node {id} has no version"))?;
        infos.push(NodeInfo {
            version: version.to_owned(),
            address: node
                .pointer("/http/publish_address")
                .and_then(Value::as_str)
                .unwrap_or("unknown address")
                .to_owned(),
            ip: node
                .get("ip")
                .and_then(Value::as_str)
                .unwrap_or("unknown ip")
                .to_owned(),
        });
    }
    Ok(infos)
}

/// The verdict of a version check.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct VersionCheck {
    /// Message naming the incompatible nodes, if any.
    pub(crate) incompatible: Option<String>,
    /// Message naming compatible nodes that run a different version, if any.
    pub(crate) warning: Option<String>,
}

/// Kibana's rule: a node is compatible when it has the same major version and at least Kibana's minor version;
/// a compatible node with a different version is worth a warning.
pub(crate) fn check_versions(kibana: &Version, nodes: &[NodeInfo]) -> VersionCheck {
    let mut incompatible = Vec::new();
    let mut different = Vec::new();
    for node in nodes {
        match Version::parse(&node.version) {
            Ok(es) if es.major == kibana.major && es.minor >= kibana.minor => {
                if (es.major, es.minor, es.patch) != (kibana.major, kibana.minor, kibana.patch) {
                    different.push(node.describe());
                }
            }
            _ => incompatible.push(node.describe()),
        }
    }
    let kibana_version = format!("{}.{}.{}", kibana.major, kibana.minor, kibana.patch);
    VersionCheck {
        incompatible: (!incompatible.is_empty()).then(|| {
            format!(
                "This version of Kibana (v{kibana_version}) is incompatible with the following Elasticsearch nodes in your cluster: {}",
                incompatible.join(", ")
            )
        }),
        warning: (!different.is_empty()).then(|| {
            format!(
                "You're running Kibana {kibana_version} with some different versions of Elasticsearch. Update Kibana or Elasticsearch to the same version to prevent compatibility issues: {}",
                different.join(", ")
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn node(version: &str) -> NodeInfo {
        NodeInfo {
            version: version.to_owned(),
            address: "10.0.0.1:9200".to_owned(),
            ip: "10.0.0.1".to_owned(),
        }
    }

    #[test]
    fn same_major_and_at_least_kibanas_minor_is_compatible() {
        let kibana = Version::parse("7.2.0").unwrap();
        assert_eq!(
            check_versions(&kibana, &[node("7.2.0")]),
            VersionCheck::default()
        );
        let newer = check_versions(&kibana, &[node("7.4.0"), node("7.2.1")]);
        assert_eq!(newer.incompatible, None);
        assert!(
            newer
                .warning
                .unwrap()
                .ends_with("v7.4.0 @ 10.0.0.1:9200 (10.0.0.1), v7.2.1 @ 10.0.0.1:9200 (10.0.0.1)")
        );
        for bad in ["6.8.0", "8.0.0", "7.1.9", "not-a-version"] {
            assert!(
                check_versions(&kibana, &[node(bad)]).incompatible.is_some(),
                "{bad}"
            );
        }
    }

    #[test]
    fn nodes_are_read_from_the_nodes_answer() {
        let body = json!({"nodes": {"a": {"version": "7.2.0", "ip": "1.2.3.4", "http": {"publish_address": "1.2.3.4:9200"}}}});
        assert_eq!(
            parse_nodes(&body).unwrap(),
            [NodeInfo {
                version: "7.2.0".into(),
                address: "1.2.3.4:9200".into(),
                ip: "1.2.3.4".into()
            }]
        );
        assert!(parse_nodes(&json!({})).is_err());
        assert_eq!(
            parse_nodes(&json!({"nodes": {"a": {}}})).unwrap_err(),
            "node a has no version"
        );
    }
}
