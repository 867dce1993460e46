//! End-to-end tests: the real `core-server` binary (and the fixture binary) as child processes,
//! talked to over HTTP on 127.0.0.1, stopped with signals. One test binary, one module per theme.

mod harness;

mod elasticsearch;
mod lifecycle;
mod routes;
mod startup_failures;
