//! [`ElasticsearchService`]: creates the `admin` and `data` clients from the `elasticsearch` config, checks the
//! cluster's health and versions in the background, and closes every client it handed out when it stops.

use std::sync::Arc;
use std::time::Duration;

use core_config::ConfigService;
use core_config::SupportedElasticsearch;
use core_logging::{Logger, LoggerFactory};
use parking_lot::Mutex;
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::ElasticsearchError;
use crate::call::CallApiOptions;
use crate::client_config::{ClientConfigOverrides, ElasticsearchClientConfig};
use crate::cluster_client::ClusterClient;
use crate::config::ElasticsearchConfig;
use crate::status::{ElasticsearchStatus, check_versions, parse_nodes};

/// The config path of the service.
pub const CONFIG_PATH: &str = "elasticsearch";

/// What plugins get from the service (Kibana's `ElasticsearchServiceSetup`). Cheap to clone.
#[derive(Clone, Debug)]
pub struct ElasticsearchServiceSetup {
    /// The client for Kibana's own administrative indices.
    pub admin_client: ClusterClient,
    /// The client for user data (searches, visualizations).
    pub data_client: ClusterClient,
    factory: ClientFactory,
}

impl ElasticsearchServiceSetup {
    /// A contract with `admin` and `data` clients over `config`, for embedding and tests (the service builds its
    /// own in `setup`).
    ///
    /// # Arguments
    ///
    /// * `config` - the client settings both clients start from.
    /// * `logger_factory` - where the clients' loggers come from.
    pub fn new(
        config: ElasticsearchClientConfig,
        logger_factory: LoggerFactory,
    ) -> Result<Self, ElasticsearchError> {
        let factory = ClientFactory {
            base: config,
            logger_factory,
            created: Arc::new(Mutex::new(Vec::new())),
        };
        let admin_client = factory.create("admin", ClientConfigOverrides::default())?;
        let data_client = factory.create("data", ClientConfigOverrides::default())?;
        Ok(Self {
            admin_client,
            data_client,
            factory,
        })
    }

    /// A new client whose logs go to `elasticsearch.<client_type>`, with `overrides` applied over the core
    /// `elasticsearch` config. The service closes it when it stops.
    ///
    /// # Arguments
    ///
    /// * `client_type` - the client's name in its log contexts, such as `monitoring`.
    /// * `overrides` - settings replacing those of the core `elasticsearch` config for this client;
    ///   `ClientConfigOverrides::default()` for none.
    pub fn create_client(
        &self,
        client_type: &str,
        overrides: ClientConfigOverrides,
    ) -> Result<ClusterClient, ElasticsearchError> {
        self.factory.create(client_type, overrides)
    }

    /// The client settings every client starts from (the core `elasticsearch` config).
    pub fn client_config(&self) -> &ElasticsearchClientConfig {
        &self.factory.base
    }
}

/// What core gets from the service besides the plugin contract.
#[derive(Debug)]
pub struct InternalElasticsearchServiceSetup {
    /// The contract handed to plugins.
    pub contract: ElasticsearchServiceSetup,
    /// The validated `elasticsearch` config.
    pub config: Arc<ElasticsearchConfig>,
    /// The cluster's status, updated by the health check once the service has started.
    pub status: watch::Receiver<ElasticsearchStatus>,
}

#[derive(Clone)]
struct ClientFactory {
    base: ElasticsearchClientConfig,
    logger_factory: LoggerFactory,
    /// Every client handed out, closed on stop.
    created: Arc<Mutex<Vec<ClusterClient>>>,
}

impl std::fmt::Debug for ClientFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientFactory")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl ClientFactory {
    fn create(
        &self,
        client_type: &str,
        overrides: ClientConfigOverrides,
    ) -> Result<ClusterClient, ElasticsearchError> {
        let config = self.base.clone().with_overrides(overrides);
        let client = ClusterClient::new(config, &self.logger_factory, client_type)?;
        self.created.lock().push(client.clone());
        Ok(client)
    }
}

/// The Elasticsearch service (Kibana's `ElasticsearchService`): `setup`, `start`, `stop`.
pub struct ElasticsearchService {
    config_service: ConfigService,
    logger_factory: LoggerFactory,
    log: Logger,
    status_tx: watch::Sender<ElasticsearchStatus>,
    state: Option<Running>,
    stop_token: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

struct Running {
    config: Arc<ElasticsearchConfig>,
    admin_client: ClusterClient,
    data_client: ClusterClient,
    created: Arc<Mutex<Vec<ClusterClient>>>,
}

impl ElasticsearchService {
    /// A service reading `elasticsearch` from `config_service` and logging under `elasticsearch.service`.
    ///
    /// # Arguments
    ///
    /// * `config_service` - the config the `elasticsearch` section is read from, at setup.
    /// * `logger_factory` - where the service's and its clients' loggers come from.
    pub fn new(config_service: ConfigService, logger_factory: LoggerFactory) -> Self {
        let log = logger_factory.get(&["elasticsearch", "service"]);
        let (status_tx, _) = watch::channel(ElasticsearchStatus::Unavailable {
            reason: "Waiting for Elasticsearch".to_owned(),
        });
        Self {
            config_service,
            logger_factory,
            log,
            status_tx,
            state: None,
            stop_token: CancellationToken::new(),
            tasks: Vec::new(),
        }
    }

    /// Reads and validates the config and creates the `admin` and `data` clients. Does not contact Elasticsearch.
    pub async fn setup(&mut self) -> Result<InternalElasticsearchServiceSetup, ElasticsearchError> {
        let config: ElasticsearchConfig = self.config_service.at_path(CONFIG_PATH)?;
        let config = Arc::new(config);
        self.log.debug("Creating elasticsearch clients");
        let contract = ElasticsearchServiceSetup::new(
            ElasticsearchClientConfig::from(config.as_ref()),
            self.logger_factory.clone(),
        )?;
        self.state = Some(Running {
            config: Arc::clone(&config),
            admin_client: contract.admin_client.clone(),
            data_client: contract.data_client.clone(),
            created: Arc::clone(&contract.factory.created),
        });
        Ok(InternalElasticsearchServiceSetup {
            contract,
            config,
            status: self.status_tx.subscribe(),
        })
    }

    /// Starts the health check (every `healthCheck.delay`) and waits up to `startupTimeout` for its first verdict;
    /// the server goes on even when Elasticsearch is down, with the status saying so.
    pub async fn start(&mut self) -> Result<(), ElasticsearchError> {
        let Some(state) = &self.state else {
            return Ok(());
        };
        let package = &self.config_service.env().package_info;
        let checker = HealthCheck {
            client: state.admin_client.clone(),
            product_version: package.version.clone(),
            supported: package.elasticsearch.clone(),
            ignore_version_mismatch: state.config.ignore_version_mismatch,
            ping_timeout: state.config.effective_ping_timeout(),
            log: self.log.clone(),
            status_tx: self.status_tx.clone(),
            last_warning: None,
            stop: self.stop_token.clone(),
        };
        let sniffed = vec![state.admin_client.clone(), state.data_client.clone()];
        if state.config.sniff_on_start || state.config.sniff_interval.is_some() {
            self.tasks.push(tokio::spawn(sniff(
                sniffed,
                state.config.sniff_on_start,
                state.config.sniff_interval,
                self.log.clone(),
                self.stop_token.clone(),
            )));
        }
        let mut first_verdict = self.status_tx.subscribe();
        first_verdict.mark_unchanged();
        self.tasks
            .push(tokio::spawn(checker.run(state.config.health_check.delay)));
        self.tasks.push(tokio::spawn(reject_config_changes(
            self.config_service.clone(),
            self.log.clone(),
            self.stop_token.clone(),
        )));
        if tokio::time::timeout(state.config.startup_timeout, first_verdict.changed())
            .await
            .is_err()
        {
            self.log.warn(format!(
                "Elasticsearch did not answer within startupTimeout ({}ms); going on",
                state.config.startup_timeout.as_millis()
            ));
        }
        Ok(())
    }

    /// The status channel (also in the setup contract).
    pub fn status(&self) -> watch::Receiver<ElasticsearchStatus> {
        self.status_tx.subscribe()
    }

    /// Stops the health check and closes every client handed out.
    pub async fn stop(&mut self) {
        self.log.debug("Stopping elasticsearch service");
        self.stop_token.cancel();
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
        if let Some(state) = self.state.take() {
            self.log.debug("Closing elasticsearch clients");
            for client in state.created.lock().drain(..) {
                client.close();
            }
        }
    }
}

impl Drop for ElasticsearchService {
    /// A service dropped without `stop` still ends its background tasks.
    fn drop(&mut self) {
        self.stop_token.cancel();
    }
}

/// Kibana could not swap clients at run time, and neither can we: a changed `elasticsearch` section is reported.
async fn reject_config_changes(
    config_service: ConfigService,
    log: Logger,
    stop: CancellationToken,
) {
    let Ok(mut subscription) = config_service.subscribe::<ElasticsearchConfig>(CONFIG_PATH) else {
        return;
    };
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            change = subscription.changed() => match change {
                Some(_) => log.error("Clients cannot be changed after they are created"),
                None => return,
            },
        }
    }
}

/// Sniffs `clients` once at once (`sniffOnStart`) and then every `interval` (`sniffInterval`),
/// until `stop`. A failed sniff keeps the hosts the client had and is logged.
async fn sniff(
    clients: Vec<ClusterClient>,
    on_start: bool,
    interval: Option<Duration>,
    log: Logger,
    stop: CancellationToken,
) {
    let sniff_all = || async {
        for client in &clients {
            match client.sniff().await {
                Ok(hosts) => {
                    log.debug(format!("sniffed Elasticsearch hosts: {}", hosts.join(", ")))
                }
                Err(error) => log.warn(format!("sniffing Elasticsearch nodes failed: {error}")),
            }
        }
    };
    if on_start {
        tokio::select! {
            () = stop.cancelled() => return,
            () = sniff_all() => {}
        }
    }
    let Some(interval) = interval else {
        return;
    };
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(interval) => {}
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = sniff_all() => {}
        }
    }
}

struct HealthCheck {
    client: ClusterClient,
    /// This server's version, named in the messages.
    product_version: String,
    /// The Elasticsearch versions it works with.
    supported: Vec<SupportedElasticsearch>,
    ignore_version_mismatch: bool,
    ping_timeout: Duration,
    log: Logger,
    status_tx: watch::Sender<ElasticsearchStatus>,
    last_warning: Option<String>,
    stop: CancellationToken,
}

impl HealthCheck {
    async fn run(mut self, delay: Duration) {
        loop {
            let status = self.check().await;
            if self.stop.is_cancelled() {
                return;
            }
            self.publish(status);
            tokio::select! {
                () = self.stop.cancelled() => return,
                () = tokio::time::sleep(delay) => {}
            }
        }
    }

    async fn check(&mut self) -> ElasticsearchStatus {
        let options = CallApiOptions::default()
            .timeout(self.ping_timeout)
            .signal(self.stop.clone());
        match self
            .client
            .call_as_internal_user("ping", Value::Null, options.clone())
            .await
        {
            Ok(Value::Bool(true)) => {}
            Ok(_) => return unhealthy("the ping was not answered with 200"),
            Err(error) => return failed(&error),
        }
        let params = json!({ "filter_path": ["nodes.*.version", "nodes.*.http.publish_address", "nodes.*.ip"] });
        let nodes = match self
            .client
            .call_as_internal_user("nodes.info", params, options)
            .await
        {
            Ok(body) => match parse_nodes(&body) {
                Ok(nodes) => nodes,
                Err(reason) => return unhealthy(&reason),
            },
            Err(error) => return failed(&error),
        };
        let verdict = check_versions(&self.product_version, &self.supported, &nodes);
        if verdict.warning != self.last_warning {
            // Once per change of the node set, not on every check.
            if let Some(warning) = &verdict.warning {
                self.log.warn(warning);
            }
            self.last_warning = verdict.warning.clone();
        }
        match verdict.incompatible {
            Some(reason) if !self.ignore_version_mismatch => {
                ElasticsearchStatus::Incompatible { reason }
            }
            Some(reason) => {
                if !matches!(*self.status_tx.borrow(), ElasticsearchStatus::Available) {
                    self.log.warn(format!(
                        "{reason} (ignored: elasticsearch.ignoreVersionMismatch is set)"
                    ));
                }
                ElasticsearchStatus::Available
            }
            None => ElasticsearchStatus::Available,
        }
    }

    fn publish(&self, status: ElasticsearchStatus) {
        let changed = self.status_tx.send_if_modified(|current| {
            if *current == status {
                return false;
            }
            *current = status.clone();
            true
        });
        if !changed {
            return;
        }
        match &status {
            ElasticsearchStatus::Available => self.log.info("Elasticsearch is available"),
            other => self.log.error(other.message()),
        }
    }
}

/// The status a failed health-check call stands for: unreachable, or an error answer.
fn failed(error: &ElasticsearchError) -> ElasticsearchStatus {
    if error.is_unavailable() {
        ElasticsearchStatus::Unavailable {
            reason: error.to_string(),
        }
    } else {
        unhealthy(&error.to_string())
    }
}

fn unhealthy(reason: &str) -> ElasticsearchStatus {
    ElasticsearchStatus::Unhealthy {
        reason: reason.to_owned(),
    }
}
