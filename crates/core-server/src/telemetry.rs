//! The `telemetry.tracing.*` config section and the process's `tracing` subscriber.
//!
//! Spans are always made where the work happens (core-http's pipeline, core-elasticsearch's
//! calls, core-plugins' lifecycle phases); what becomes of them is decided here, once, at
//! setup:
//!
//! * `telemetry.tracing.enabled: false` (the default): core-logging's [`TracingEvents`] is
//!   installed as the process's default subscriber (unless the embedding program installed one
//!   first): libraries' `tracing` events go to the platform's loggers, and every span callsite
//!   caches the interest `never`, so a span costs one branch. Without a subscriber, `tracing`'s
//!   `log` fallback (turned on by a dependency) would hand every span to the `log` bridge.
//! * `telemetry.tracing.enabled: true`: spans are exported over OTLP (HTTP/protobuf) to
//!   `telemetry.tracing.exporter.otlp.endpoint`, sampled at `telemetry.tracing.sample_rate`. This
//!   needs the cargo feature `otlp` of core-server; a build without it refuses to start, naming
//!   the feature.

use core_config::{ConfigSchema, ValidationError};
use core_logging::{Logger, TracingEvents};
use serde::Deserialize;

use crate::error::ServerError;

/// The OTLP endpoint used when none is configured (an OpenTelemetry collector's HTTP port on
/// the same host).
pub const DEFAULT_OTLP_ENDPOINT: &str = "http://localhost:4318/v1/traces";

/// The `telemetry.tracing.*` settings (in the style of Kibana 8's `telemetry.tracing`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TracingConfig {
    /// `telemetry.tracing.enabled`: export spans. Default `false`.
    pub enabled: bool,
    /// `telemetry.tracing.sample_rate`: the share of new traces that are sampled, `0` to `1`.
    /// A continued trace (a trusted client's `traceparent`) follows its caller's decision.
    /// Default `1`.
    pub sample_rate: f64,
    /// `telemetry.tracing.exporter.*`.
    pub exporter: ExporterConfig,
}

impl Default for TracingConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            sample_rate: 1.0,
            exporter: ExporterConfig::default(),
        }
    }
}

/// The `telemetry.tracing.exporter.*` settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExporterConfig {
    /// `telemetry.tracing.exporter.otlp.*`.
    pub otlp: OtlpConfig,
}

/// The `telemetry.tracing.exporter.otlp.*` settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OtlpConfig {
    /// `telemetry.tracing.exporter.otlp.endpoint`: the OTLP/HTTP traces URL. Default
    /// [`DEFAULT_OTLP_ENDPOINT`].
    pub endpoint: String,
}

impl Default for OtlpConfig {
    fn default() -> Self {
        Self {
            endpoint: DEFAULT_OTLP_ENDPOINT.to_owned(),
        }
    }
}

impl ConfigSchema for TracingConfig {
    fn validate(&self) -> Result<(), ValidationError> {
        if !(0.0..=1.0).contains(&self.sample_rate) {
            return Err(ValidationError::new(
                "sample_rate",
                "must be between 0 and 1",
            ));
        }
        let endpoint = &self.exporter.otlp.endpoint;
        if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
            return Err(ValidationError::new(
                "exporter.otlp.endpoint",
                "must be an http:// or https:// URL",
            ));
        }
        Ok(())
    }
}

/// What keeps exporting spans; flushed and shut down when the root stops.
#[derive(Debug, Default)]
pub(crate) struct TracingGuard {
    #[cfg(feature = "otlp")]
    provider: Option<otlp::Provider>,
}

impl TracingGuard {
    /// Whether there is an exporter to shut down.
    pub(crate) fn is_active(&self) -> bool {
        #[cfg(feature = "otlp")]
        return self.provider.is_some();
        #[cfg(not(feature = "otlp"))]
        false
    }

    /// Exports the spans still buffered and stops the exporter.
    pub(crate) fn shutdown(&mut self) {
        #[cfg(feature = "otlp")]
        if let Some(provider) = self.provider.take() {
            otlp::shutdown(provider);
        }
    }
}

/// The message of a build without the `otlp` feature asked to export spans.
#[cfg(not(feature = "otlp"))]
pub(crate) const MISSING_FEATURE: &str = "telemetry.tracing.enabled is true, but this build has no OTLP exporter: rebuild with the cargo feature `otlp` (core-server/otlp, or `--features otlp` on the distribution)";

/// Installs the process's `tracing` subscriber as `config` asks (see the module docs). The
/// root does this once per process, next to the `log` bridge.
///
/// Returns what must be shut down when the process stops.
///
/// # Arguments
///
/// * `config` - the `telemetry.tracing` section.
/// * `log` - where the exporter's start (or a subscriber already in place) is logged.
/// * `events` - where libraries' `tracing` events go: the platform's loggers.
pub(crate) fn install_subscriber(
    config: &TracingConfig,
    log: &Logger,
    events: TracingEvents,
) -> Result<TracingGuard, ServerError> {
    if !config.enabled {
        // Fails when the embedding program (or a test) installed its own: then that one rules.
        let _ = tracing::subscriber::set_global_default(events);
        return Ok(TracingGuard::default());
    }
    install_exporter(config, log, events)
}

/// Makes a server's trace contexts those of the exported spans, when `config` exports them:
/// each request span continues a trusted caller's trace and names the request's trace
/// context, and each outgoing call forwards its own span's ids.
///
/// # Arguments
///
/// * `config` - the `telemetry.tracing` section.
/// * `http` - handed the request-span hook.
pub(crate) fn link_trace_contexts(
    config: &TracingConfig,
    http: &mut core_http::HttpService,
) -> Result<(), ServerError> {
    if !config.enabled {
        return Ok(());
    }
    #[cfg(feature = "otlp")]
    {
        http.on_request_span(otlp::request_span_hook());
        core_logging::TraceParent::set_span_context_reader(otlp::span_trace_parent);
        Ok(())
    }
    #[cfg(not(feature = "otlp"))]
    {
        let _ = http;
        Err(ServerError::Telemetry(MISSING_FEATURE.to_owned()))
    }
}

#[cfg(not(feature = "otlp"))]
fn install_exporter(
    _config: &TracingConfig,
    _log: &Logger,
    _events: TracingEvents,
) -> Result<TracingGuard, ServerError> {
    Err(ServerError::Telemetry(MISSING_FEATURE.to_owned()))
}

#[cfg(feature = "otlp")]
fn install_exporter(
    config: &TracingConfig,
    log: &Logger,
    events: TracingEvents,
) -> Result<TracingGuard, ServerError> {
    let provider = otlp::install(config, log, events)?;
    Ok(TracingGuard {
        provider: Some(provider),
    })
}

#[cfg(feature = "otlp")]
mod otlp {
    //! The OTLP exporter: `opentelemetry-otlp` over HTTP/protobuf, fed by
    //! `tracing-opentelemetry`.

    use core_logging::Logger;

    use super::TracingConfig;
    use crate::error::ServerError;

    pub(super) type Provider = opentelemetry_sdk::trace::SdkTracerProvider;

    /// Libraries' `tracing` events, next to the exported spans. An event the platform's loggers
    /// do not want is `never` for the whole subscriber (the exporter does not get it either);
    /// spans are the exporter's business.
    struct Events(core_logging::TracingEvents);

    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Events {
        fn register_callsite(
            &self,
            metadata: &'static tracing::Metadata<'static>,
        ) -> tracing::subscriber::Interest {
            if metadata.is_event() {
                self.0.interest(metadata)
            } else {
                tracing::subscriber::Interest::always()
            }
        }

        fn enabled(
            &self,
            metadata: &tracing::Metadata<'_>,
            _ctx: tracing_subscriber::layer::Context<'_, S>,
        ) -> bool {
            !metadata.is_event() || self.0.enabled(metadata)
        }

        fn on_event(
            &self,
            event: &tracing::Event<'_>,
            _ctx: tracing_subscriber::layer::Context<'_, S>,
        ) {
            self.0.event(event);
        }
    }

    pub(super) fn install(
        config: &TracingConfig,
        log: &Logger,
        events: core_logging::TracingEvents,
    ) -> Result<Provider, ServerError> {
        use opentelemetry::trace::TracerProvider as _;
        use opentelemetry_otlp::WithExportConfig as _;
        use tracing_subscriber::layer::SubscriberExt as _;

        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(config.exporter.otlp.endpoint.clone())
            .build()
            .map_err(|error| {
                ServerError::Telemetry(format!(
                    "[telemetry.tracing.exporter.otlp.endpoint]: cannot build the OTLP exporter: {error}"
                ))
            })?;
        let provider = provider(exporter, config.sample_rate);
        let tracer = provider.tracer("kibana");
        let subscriber = tracing_subscriber::registry()
            .with(tracing_opentelemetry::layer().with_tracer(tracer))
            .with(Events(events));
        if tracing::subscriber::set_global_default(subscriber).is_err() {
            log.warn("telemetry.tracing: a tracing subscriber is already installed; spans go to it, not to the OTLP exporter");
        } else {
            log.info(format_args!(
                "exporting traces to {} (sample rate {})",
                config.exporter.otlp.endpoint, config.sample_rate
            ));
        }
        Ok(provider)
    }

    /// A provider exporting through `exporter` in batches (on the batch processor's own
    /// thread), sampling `sample_rate` of new traces and following the caller's decision for
    /// continued ones.
    pub(crate) fn provider(
        exporter: impl opentelemetry_sdk::trace::SpanExporter + 'static,
        sample_rate: f64,
    ) -> Provider {
        use opentelemetry_sdk::trace::Sampler;
        let sampler = Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(sample_rate)));
        Provider::builder()
            .with_sampler(sampler)
            .with_batch_exporter(exporter)
            .build()
    }

    /// Links each request span to a trusted caller's trace and makes the request's trace
    /// context the span's own OpenTelemetry ids, so that the `traceparent` forwarded to
    /// Elasticsearch and the logged `trace.id` are those of the exported trace.
    pub(crate) fn request_span_hook() -> core_http::RequestSpanHook {
        use opentelemetry::trace::{
            SpanContext, SpanId, TraceContextExt as _, TraceFlags, TraceId, TraceState,
        };
        use tracing_opentelemetry::OpenTelemetrySpanExt as _;

        std::sync::Arc::new(|span, continued| {
            if let Some(caller) = continued {
                let flags = if caller.sampled() {
                    TraceFlags::SAMPLED
                } else {
                    TraceFlags::default()
                };
                let remote = SpanContext::new(
                    TraceId::from_bytes(caller.trace_id()),
                    SpanId::from_bytes(caller.parent_id()),
                    flags,
                    true,
                    TraceState::default(),
                );
                let _ =
                    span.set_parent(opentelemetry::Context::new().with_remote_span_context(remote));
            }
            span_trace_parent(span)
        })
    }

    /// `span`'s own OpenTelemetry trace and span ids; `None` when the subscriber gave it none.
    pub(crate) fn span_trace_parent(span: &tracing::Span) -> Option<core_logging::TraceParent> {
        use opentelemetry::trace::TraceContextExt as _;
        use tracing_opentelemetry::OpenTelemetrySpanExt as _;

        let context = span.context();
        let own = context.span();
        let own = own.span_context();
        core_logging::TraceParent::from_parts(
            own.trace_id().to_bytes(),
            own.span_id().to_bytes(),
            own.is_sampled(),
        )
    }

    pub(super) fn shutdown(provider: Provider) {
        let _ = provider.shutdown();
    }
}
