//! `core-fuzz [--time SECONDS] [--seed N] [TARGET...]`: runs each target (all by default) on
//! mutated inputs for the given time, reports executions, crashes and slow inputs, saves each
//! crashing or slow input under `target/fuzz/<target>/`, and exits non-zero if any was found.
//! `cargo xtask fuzz` runs it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use core_fuzz::{Harness, Rng, Target, fingerprint, hash, mutate, target, targets};

/// An input that takes longer than this is reported (input grows at most 64 KiB, so this is
/// a quadratic or worse path).
const SLOW: Duration = Duration::from_secs(1);

struct Options {
    time: Duration,
    seed: u64,
    targets: Vec<&'static Target>,
}

fn options() -> Result<Options, String> {
    let mut time = Duration::from_secs(10);
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |since| since.as_nanos() as u64);
    let mut chosen = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--time" => {
                let value = args.next().ok_or("--time needs a number of seconds")?;
                let seconds: f64 = value
                    .parse()
                    .map_err(|_| format!("--time: `{value}` is not a number of seconds"))?;
                time = Duration::try_from_secs_f64(seconds)
                    .map_err(|_| format!("--time: `{value}` is not a number of seconds"))?;
            }
            "--seed" => {
                let value = args.next().ok_or("--seed needs a number")?;
                seed = value
                    .parse()
                    .map_err(|_| format!("--seed: `{value}` is not a number"))?;
            }
            name => chosen.push(target(name).ok_or_else(|| {
                let names: Vec<&str> = targets().iter().map(|t| t.name).collect();
                format!("unknown target `{name}`; targets: {}", names.join(", "))
            })?),
        }
    }
    if chosen.is_empty() {
        chosen = targets().iter().collect();
    }
    Ok(Options {
        time,
        seed,
        targets: chosen,
    })
}

fn save(dir: &Path, kind: &str, input: &[u8]) -> PathBuf {
    let path = dir.join(format!("{kind}-{}", fingerprint(input)));
    if let Err(error) = std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, input)) {
        eprintln!("cannot save {}: {error}", path.display());
    }
    path
}

fn main() -> ExitCode {
    let options = match options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("core-fuzz: {message}");
            return ExitCode::from(2);
        }
    };
    // The targets' panics are caught and reported here; the default hook would print each.
    std::panic::set_hook(Box::new(|_| {}));
    let out = PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()))
        .join("fuzz");
    let mut harness = Harness::new();
    let mut found = 0;
    println!(
        "seed {} (repeat a run with --seed {}), {:?} per target",
        options.seed, options.seed, options.time
    );
    for target in &options.targets {
        let mut rng = Rng::new(options.seed ^ hash(target.name.as_bytes()));
        let dir = out.join(target.name);
        let started = Instant::now();
        let (mut runs, mut crashes, mut slow) = (0_u64, 0_u64, 0_u64);
        // The seeds first, as they are.
        let mut inputs = target.seeds.iter().map(|seed| seed.to_vec());
        while started.elapsed() < options.time {
            let input = inputs.next().unwrap_or_else(|| mutate(target, &mut rng));
            let began = Instant::now();
            let outcome = target.run(&mut harness, &input);
            let took = began.elapsed();
            runs += 1;
            if let Err(panic) = outcome {
                crashes += 1;
                let path = save(&dir, "crash", &input);
                println!(
                    "  {}: panicked: {panic} (input saved to {})",
                    target.name,
                    path.display()
                );
            } else if took > SLOW {
                slow += 1;
                let path = save(&dir, "slow", &input);
                println!(
                    "  {}: one input took {took:?} (saved to {})",
                    target.name,
                    path.display()
                );
            }
        }
        println!(
            "{:<16} {runs:>9} executions, {crashes} crashes, {slow} slow inputs",
            target.name
        );
        found += crashes + slow;
    }
    if found > 0 {
        println!("found {found}: add each input under fuzz/regressions/<target>/ once fixed");
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
