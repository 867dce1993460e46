//! Shared by the plugins benchmarks (and by `cargo xtask bench`, which includes
//! `noop_graph.rs` with `#[path]`).

pub mod noop_graph;
