//! Bench-only code shared by the crates' criterion benches, the bench probes
//! (`benches/probes`), core-logging's `throughput` example and `cargo xtask bench`, so that
//! each measurement is written once and every report measures the same thing.
//!
//! Every module sits behind the feature of the same name; a user enables only the modules it
//! needs, and so builds only the service crates those measure:
//!
//! - [`loadgen`] (feature `loadgen`): a closed-loop HTTP/1.1 load generator.
//! - [`logging`] (feature `logging`): records per second through core-logging's file appender,
//!   and the cost of a filtered-out call.
//! - [`elasticsearch`] (feature `elasticsearch`): core-elasticsearch's scoped call against the
//!   bare official client, on a local stub.
//! - [`plugins`] (feature `plugins`): core-plugins' lifecycle over a random graph of no-op
//!   plugins.
//!
//! The service crates take this crate only as a dev-dependency: nothing they ship depends on it.

#[cfg(feature = "elasticsearch")]
pub mod elasticsearch;
#[cfg(feature = "loadgen")]
pub mod loadgen;
#[cfg(feature = "logging")]
pub mod logging;
#[cfg(feature = "plugins")]
pub mod plugins;
