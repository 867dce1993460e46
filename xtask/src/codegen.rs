//! Generated-code steps. Nothing is generated yet: the Elasticsearch endpoint table arrives with the
//! elasticsearch crate, and `--check` then compares it with the committed copy.

use anyhow::{Result, bail};

/// `cargo xtask codegen [--check]`.
pub(crate) fn run(args: &[String]) -> Result<()> {
    match args {
        [] => Ok(()),
        [flag] if flag == "--check" => Ok(()),
        other => bail!("usage: cargo xtask codegen [--check] (got {other:?})"),
    }
}
