//! Integration tests for core-config: real YAML files in temporary directories, the public
//! API only.

mod enabled;
mod env;
mod files;
mod messages;
mod sections;
mod subscribe;
mod support;
