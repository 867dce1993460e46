//! The cluster's status as the health check sees it, and the version rule between Kibana and Elasticsearch nodes.

use core_config::SupportedElasticsearch;
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

/// The URLs of the nodes' HTTP publish addresses in a `nodes.info` answer
/// (`{"nodes": {"<id>": {"http": {"publish_address": "name/1.2.3.4:9200"}}}}`), with `scheme`. A
/// `name/ip:port` address gives `name:port` (so TLS checks the name), an `ip:port` one the IP.
/// Addresses that are not `host:port` are skipped.
pub(crate) fn publish_urls(body: &Value, scheme: &str) -> Vec<elasticsearch::http::Url> {
    let Some(nodes) = body.get("nodes").and_then(Value::as_object) else {
        return Vec::new();
    };
    nodes
        .values()
        .filter_map(|node| node.pointer("/http/publish_address")?.as_str())
        .filter_map(|address| {
            let host_port = match address.split_once('/') {
                Some((name, ip_port)) if !name.is_empty() => {
                    let port = ip_port.rsplit_once(':')?.1;
                    format!("{name}:{port}")
                }
                Some((_, ip_port)) => ip_port.to_owned(),
                None => address.to_owned(),
            };
            elasticsearch::http::Url::parse(&format!("{scheme}://{host_port}"))
                .ok()
                .filter(|url| url.host().is_some() && url.port_or_known_default().is_some())
        })
        .collect()
}

/// The verdict of a version check.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct VersionCheck {
    /// Message naming the incompatible nodes, if any.
    pub(crate) incompatible: Option<String>,
    /// Message naming compatible nodes that run a different version, if any.
    pub(crate) warning: Option<String>,
}

/// Kibana's rule within the versions a build supports: a node is compatible when its major is
/// one of `supported` and its minor at least that major's oldest supported minor; a compatible
/// node newer than the newest tested minor is worth Kibana's warning. `product_version` is this
/// server's version, which the messages name as Kibana's. Pre-release and build suffixes are
/// ignored (`8.0.0-SNAPSHOT` is `8.0.0`); a version that is not one is incompatible.
pub(crate) fn check_versions(
    product_version: &str,
    supported: &[SupportedElasticsearch],
    nodes: &[NodeInfo],
) -> VersionCheck {
    let mut incompatible = Vec::new();
    let mut untested = Vec::new();
    for node in nodes {
        let range = Version::parse(&node.version).ok().and_then(|version| {
            supported
                .iter()
                .find(|range| range.major == version.major)
                .map(|range| (version, range))
        });
        match range {
            Some((version, range)) if version.minor >= range.min_minor => {
                if version.minor > range.tested_minor {
                    untested.push(node.describe());
                }
            }
            _ => incompatible.push(node.describe()),
        }
    }
    VersionCheck {
        incompatible: (!incompatible.is_empty()).then(|| {
            format!(
                "This version of Kibana (v{product_version}) is incompatible with the following Elasticsearch nodes in your cluster: {}",
                incompatible.join(", ")
            )
        }),
        warning: (!untested.is_empty()).then(|| {
            format!(
                "You're running Kibana {product_version} with some different versions of Elasticsearch. Update Kibana or Elasticsearch to the same version to prevent compatibility issues: {}",
                untested.join(", ")
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

    /// A build that stands where Kibana 7.2.0 stood: only 7.2, tested up to 7.2.
    fn kibana_7_2() -> Vec<SupportedElasticsearch> {
        vec![SupportedElasticsearch {
            major: 7,
            min_minor: 2,
            tested_minor: 2,
        }]
    }

    #[test]
    fn same_major_and_at_least_kibanas_minor_is_compatible() {
        let supported = kibana_7_2();
        assert_eq!(
            check_versions("7.2.0", &supported, &[node("7.2.0"), node("7.2.1")]),
            VersionCheck::default()
        );
        let newer = check_versions("7.2.0", &supported, &[node("7.4.0"), node("7.2.1")]);
        assert_eq!(newer.incompatible, None);
        assert_eq!(
            newer.warning.unwrap(),
            "You're running Kibana 7.2.0 with some different versions of Elasticsearch. Update Kibana or Elasticsearch to the same version to prevent compatibility issues: v7.4.0 @ 10.0.0.1:9200 (10.0.0.1)"
        );
        for bad in ["6.8.0", "8.0.0", "7.1.9", "not-a-version"] {
            assert_eq!(
                check_versions("7.2.0", &supported, &[node(bad)]).incompatible,
                Some(format!(
                    "This version of Kibana (v7.2.0) is incompatible with the following Elasticsearch nodes in your cluster: v{bad} @ 10.0.0.1:9200 (10.0.0.1)"
                )),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_default_range_takes_7_17_and_every_8_and_9_minor() {
        let supported = SupportedElasticsearch::defaults();
        let check = |version: &str| check_versions("0.1.0", &supported, &[node(version)]);
        for fine in [
            "7.17.0",
            "7.17.29",
            "8.0.0",
            "8.15.3",
            "8.19.7",
            "9.0.0",
            "9.1.4",
            "9.2.0",
            "8.0.0-SNAPSHOT",
        ] {
            assert_eq!(check(fine), VersionCheck::default(), "{fine}");
        }
        for untested in ["8.20.0", "9.3.1"] {
            let verdict = check(untested);
            assert_eq!(verdict.incompatible, None, "{untested}");
            assert!(verdict.warning.is_some(), "{untested}");
        }
        for old in ["6.8.23", "7.16.3", "7.10.2", "10.0.0", "5.6.0"] {
            assert!(check(old).incompatible.is_some(), "{old}");
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
