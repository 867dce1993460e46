//! [`Server`]: creates the core services and runs them in Kibana's order.
//!
//! setup: http → (core routes) → elasticsearch → `/api/stats` → plugins → unknown-key check;
//! start: http → ops metrics (first collection) → elasticsearch (health check in the
//! background) → plugins → session cleanups;
//! stop: plugins → session cleanups → elasticsearch → ops metrics → http (which drains
//! in-flight requests) → span exporter (flushed).
//!
//! Setup first links the HTTP service's trace contexts to exported spans when
//! `telemetry.tracing.*` exports them (see `telemetry.rs`; the root installs the subscriber).

use std::sync::Arc;

use core_config::ConfigService;
use core_elasticsearch::{ElasticsearchService, ElasticsearchServiceSetup};
use core_http::HttpService;
use core_logging::{Logger, LoggerFactory};
use core_plugins::{PluginsService, PluginsServiceSetupDeps, PluginsServiceStartDeps};

use crate::PluginRegistration;
use crate::context::ContextFactory;
use crate::core::{
    Core, CoreSetup, CoreStart, ElasticsearchServiceStart, HttpServiceSetup, InternalCoreSetup,
    InternalCoreStart,
};
use crate::error::ServerError;
use crate::instance_uuid::{PathConfig, resolve_instance_uuid};
use crate::metrics::{MetricsConfig, MetricsService, OpsConfig, Prometheus, prometheus_router};
use crate::route_owners::{CORE_OWNER, RouteOwners};
use crate::session_cleanups::SessionCleanups;
use crate::stats::{StatsSources, stats_router};
use crate::status::{Phase, StatusRegistry, status_router};
use crate::telemetry::{self, TracingConfig};

/// The composition of the core services and the plugins (Kibana's `Server`).
pub struct Server {
    config: ConfigService,
    log: Logger,
    /// `server.uuid`: how the instance UUID was resolved.
    uuid_log: Logger,
    /// The `http` context, for what Kibana's HTTP service logs.
    http_log: Logger,
    http: HttpService,
    elasticsearch: ElasticsearchService,
    plugins: PluginsService<Core>,
    status: Arc<StatusRegistry>,
    /// Ops metrics, collected every `ops.interval` from start to stop.
    metrics: MetricsService,
    /// The periodic cleanups of server-side session stores, run from start to stop.
    session_cleanups: SessionCleanups,
    setup: Option<InternalCoreSetup>,
    started: bool,
}

impl Server {
    /// Creates the services. Fails when the `server` section is invalid.
    ///
    /// # Arguments
    ///
    /// * `config` - the whole config; `server`, `elasticsearch` and the plugins' sections are
    ///   read from it.
    /// * `loggers` - where every service's and plugin's loggers come from.
    /// * `registrations` - the plugins to run.
    pub fn new(
        config: ConfigService,
        loggers: &LoggerFactory,
        registrations: Vec<PluginRegistration>,
    ) -> Result<Self, ServerError> {
        let http = HttpService::new(&config, loggers)?;
        let elasticsearch = ElasticsearchService::new(config.clone(), loggers.clone());
        let plugins = PluginsService::new(config.clone(), loggers.clone(), registrations);
        let metrics = MetricsService::new(
            config.at_path::<OpsConfig>("ops")?,
            loggers.get(&["metrics", "ops"]),
        );
        let status = StatusRegistry::new(
            http.config().name.clone(),
            config.env().package_info.clone(),
        );
        Ok(Self {
            log: loggers.get(&["server"]),
            uuid_log: loggers.get(&["server", "uuid"]),
            http_log: loggers.get(&["http"]),
            config,
            http,
            elasticsearch,
            plugins,
            status,
            metrics,
            session_cleanups: SessionCleanups::default(),
            setup: None,
            started: false,
        })
    }

    /// Sets up every service and plugin, then fails on configuration keys nothing read.
    pub async fn setup(&mut self) -> Result<InternalCoreSetup, ServerError> {
        if self.setup.is_some() {
            return Err(ServerError::OutOfOrder("set up", "it is already set up"));
        }
        self.log.debug("setting up server");
        let tracing = self.config.at_path::<TracingConfig>("telemetry.tracing")?;
        telemetry::link_trace_contexts(&tracing, &mut self.http)?;
        let paths = self.config.at_path::<PathConfig>("path")?;
        let data_dir = paths.data_dir(&self.config.env().home_dir);
        let uuid = resolve_instance_uuid(
            &data_dir,
            self.http.config().uuid.as_deref(),
            true,
            &self.uuid_log,
        )?;
        self.status.set_uuid(uuid);
        let http = self.http.setup().await?;
        let owners = RouteOwners::default();
        let status_router = status_router(Arc::clone(&self.status));
        let core_routes = status_router.get_routes();
        http.http.register_router(status_router)?;
        owners.record(&core_routes, CORE_OWNER);
        if self.http.config().oas.enabled {
            // Kibana's line, under Kibana's context.
            self.http_log.info("Registering experimental OAS API");
            let version = self.config.env().package_info.version.clone();
            let oas_router = crate::oas::oas_router(owners.clone(), version);
            let oas_routes = oas_router.get_routes();
            http.http.register_router(oas_router)?;
            owners.record(&oas_routes, CORE_OWNER);
        }

        let elasticsearch = self.elasticsearch.setup().await?;
        self.status.set_elasticsearch(elasticsearch.status.clone());
        let es_contract: ElasticsearchServiceSetup = elasticsearch.contract.clone();
        let config = self.http.config();
        let stats_router = stats_router(StatsSources {
            status: Arc::clone(&self.status),
            ops: self.metrics.subscribe(),
            interval: self.metrics.interval(),
            package: self.config.env().package_info.clone(),
            name: config.name.clone(),
            host: config.host.clone(),
            port: config.port,
            elasticsearch: es_contract.data_client.clone(),
        });
        let stats_routes = stats_router.get_routes();
        http.http.register_router(stats_router)?;
        owners.record(&stats_routes, CORE_OWNER);
        if self
            .config
            .at_path::<MetricsConfig>("metrics")?
            .prometheus
            .enabled
        {
            let prometheus = Prometheus::new(self.metrics.subscribe());
            let router = prometheus_router(Arc::clone(&prometheus));
            let routes = router.get_routes();
            http.http.register_router(router)?;
            owners.record(&routes, CORE_OWNER);
            // Called at start, once every plugin has registered its routes.
            self.http
                .observe_routes(prometheus.observer(owners.clone()));
        }

        let discovered = self.plugins.discover()?.plugins.clone();
        self.status.set_discovered(discovered);
        let contexts = ContextFactory::new(&es_contract);
        let (http_contract, es_for_plugins, status, session_cleanups) = (
            http.http.clone(),
            es_contract.clone(),
            Arc::clone(&self.status),
            self.session_cleanups.clone(),
        );
        let plugins = self
            .plugins
            .setup(PluginsServiceSetupDeps::new(move |plugin| {
                status.set_plugin_version(plugin.id(), &plugin.manifest.version);
                CoreSetup {
                    elasticsearch: es_for_plugins.clone(),
                    http: HttpServiceSetup::new(
                        http_contract.clone(),
                        contexts.clone(),
                        owners.clone(),
                        session_cleanups.clone(),
                        plugin.id(),
                    ),
                }
            }))
            .await?;

        // Plugins have read their config now; anything left is a typo or a missing plugin.
        self.config.validate_all_used()?;
        let setup = InternalCoreSetup {
            http: http.http,
            elasticsearch: es_contract,
            plugins,
        };
        self.setup = Some(setup.clone());
        Ok(setup)
    }

    /// Starts serving, starts the Elasticsearch health check, then starts the plugins.
    pub async fn start(&mut self) -> Result<InternalCoreStart, ServerError> {
        let Some(setup) = &self.setup else {
            return Err(ServerError::OutOfOrder("start", "it is not set up"));
        };
        self.log.debug("starting server");
        let http = self.http.start().await?;
        self.started = true;
        if let Some(address) = http.local_addr() {
            let info = setup.http.server_info();
            let base_path = info.base_path.as_deref().unwrap_or("");
            self.status
                .set_http_address(format!("{}://{address}{base_path}", info.protocol));
        }
        let metrics = self.metrics.start(self.http.server_metrics()).await;
        self.elasticsearch.start().await?;
        let elasticsearch = ElasticsearchServiceStart {
            admin_client: setup.elasticsearch.admin_client.clone(),
            data_client: setup.elasticsearch.data_client.clone(),
        };
        let (http_start, es_start, metrics_start) =
            (http.clone(), elasticsearch.clone(), metrics.clone());
        let plugins = self
            .plugins
            .start(PluginsServiceStartDeps::new(move |_plugin| CoreStart {
                http: http_start.clone(),
                elasticsearch: es_start.clone(),
                metrics: metrics_start.clone(),
            }))
            .await?;
        self.session_cleanups.start();
        self.status.set_phase(Phase::Running);
        Ok(InternalCoreStart {
            http,
            elasticsearch,
            metrics,
            plugins,
        })
    }

    /// Stops plugins (reverse order), Elasticsearch, then HTTP (draining in-flight requests
    /// within `server.shutdownTimeout`). Safe to call after a failed setup or start.
    pub async fn stop(&mut self) {
        self.log.debug("stopping server");
        self.status.set_phase(Phase::Stopping);
        self.plugins.stop().await;
        // Before Elasticsearch: a session index's cleanup calls it.
        self.session_cleanups.stop().await;
        self.elasticsearch.stop().await;
        self.metrics.stop().await;
        if let Err(error) = self.http.stop().await {
            self.log
                .error(format_args!("stopping the http server failed: {error}"));
        }
        self.started = false;
    }

    /// The validated `server` config the HTTP service runs with.
    pub fn http_config(&self) -> &core_http::HttpConfig {
        self.http.config()
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("set_up", &self.setup.is_some())
            .field("started", &self.started)
            .finish_non_exhaustive()
    }
}
