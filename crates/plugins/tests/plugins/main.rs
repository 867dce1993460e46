//! Integration tests of core-plugins: one test binary, one module per area.

mod harness;

mod deps;
mod discovery;
mod lifecycle;
mod manifest;
mod ordering;
