//! Replays every target's seeds and saved regressions (`fuzz/regressions/<target>/*`), then a
//! short fixed-seed batch of mutations: what the fuzzer once found stays fixed, on stable Rust.

use core_fuzz::{Harness, Rng, mutate, targets};

/// Mutated inputs per target in this test (the real runs are `cargo xtask fuzz`).
const MUTATIONS: usize = 200;

#[test]
fn seeds_regressions_and_a_fixed_batch_do_not_panic() {
    let mut harness = Harness::new();
    let regressions = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions");
    for target in targets() {
        let mut inputs: Vec<(String, Vec<u8>)> = target
            .seeds
            .iter()
            .enumerate()
            .map(|(index, seed)| (format!("seed {index}"), seed.to_vec()))
            .collect();
        if let Ok(entries) = std::fs::read_dir(regressions.join(target.name)) {
            for entry in entries.flatten() {
                let path = entry.path();
                let input = std::fs::read(&path).expect("a readable regression file");
                inputs.push((path.display().to_string(), input));
            }
        }
        let mut rng = Rng::new(0x5eed ^ core_fuzz::hash(target.name.as_bytes()));
        for index in 0..MUTATIONS {
            inputs.push((format!("mutation {index}"), mutate(target, &mut rng)));
        }
        for (name, input) in inputs {
            if let Err(panic) = target.run(&mut harness, &input) {
                panic!(
                    "{} panicked on {name} ({:?}): {panic}",
                    target.name,
                    String::from_utf8_lossy(&input)
                );
            }
        }
    }
}
