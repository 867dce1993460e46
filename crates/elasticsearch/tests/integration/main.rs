//! Integration tests of core-elasticsearch against local stub servers on 127.0.0.1:0 that record every request.
//! `live` runs against a real cluster only when `ELASTICSEARCH_HOSTS` is set.

mod clients;
mod config;
mod failures;
mod live;
mod resolve;
mod service;
mod sniff;
mod streaming;
mod support;
mod tls;
