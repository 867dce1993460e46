//! `bench-probes`: the in-process measurements of `cargo xtask bench`, one per subcommand, each
//! printing one JSON object on stdout (progress goes to stderr):
//!
//! - `plugins <n>... [--rounds R]`: discovery + ordering + setup + start of `n` no-op plugins;
//! - `logging [--records N] [--rounds R]`: the cost of a filtered-out call, and records per
//!   second through the file appender, with every line counted;
//! - `elasticsearch [--calls N] [--rounds R]`: `call_as_current_user` against the bare official
//!   client on the same local stub, alternating blocks.
//!
//! The measuring code is shared with each crate's criterion benches (`bench_support`),
//! so the two cannot drift apart. Built in release by `cargo xtask bench`.

mod elasticsearch;
mod logging;
mod plugins;
mod stats;

use anyhow::{Context, Result, bail};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        bail!("usage: bench-probes plugins|logging|elasticsearch [options]");
    };
    let options = Options::parse(rest)?;
    let output = match command.as_str() {
        "plugins" => plugins::run(&options)?,
        "logging" => logging::run(&options)?,
        "elasticsearch" => elasticsearch::run(&options)?,
        other => bail!("unknown probe `{other}` (plugins, logging, elasticsearch)"),
    };
    println!("{output}");
    Ok(())
}

/// `--name value` options and bare numbers, as the probes take them.
#[derive(Debug, Default)]
struct Options {
    numbers: Vec<usize>,
    named: Vec<(String, usize)>,
}

impl Options {
    fn parse(args: &[String]) -> Result<Self> {
        let mut options = Self::default();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            if let Some(name) = arg.strip_prefix("--") {
                let value = args
                    .next()
                    .with_context(|| format!("--{name} needs a value"))?;
                let value = value
                    .parse()
                    .with_context(|| format!("--{name}: `{value}` is not a count"))?;
                options.named.push((name.to_owned(), value));
            } else {
                options.numbers.push(
                    arg.parse()
                        .with_context(|| format!("`{arg}` is not a count"))?,
                );
            }
        }
        Ok(options)
    }

    /// The value of `--name`, or `default`.
    fn get(&self, name: &str, default: usize) -> usize {
        self.named
            .iter()
            .rev()
            .find_map(|(n, v)| (n == name).then_some(*v))
            .unwrap_or(default)
    }
}
