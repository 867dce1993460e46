//! `call_as_current_user` vs the bare official client, alternating blocks of calls.

use std::time::Instant;

use anyhow::Result;
use serde_json::{Value, json};

use crate::{Options, stats};

pub(crate) fn run(options: &Options) -> Result<Value> {
    let calls = options.get("calls", 2_000);
    let rounds = options.get("rounds", 5);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let pair = bench_support::elasticsearch::SearchPair::start().await?;
        // Warm both: connections, allocator, the stub.
        for _ in 0..calls.min(500) {
            pair.bare_call().await?;
            pair.platform_call().await?;
        }
        let (mut bare_us, mut platform_us) = (vec![], vec![]);
        for round in 0..rounds {
            let bare_first = round % 2 == 0;
            for bare in [bare_first, !bare_first] {
                let started = Instant::now();
                for _ in 0..calls {
                    if bare {
                        pair.bare_call().await?;
                    } else {
                        pair.platform_call().await?;
                    }
                }
                let per_call = started.elapsed().as_secs_f64() * 1e6 / calls as f64;
                eprintln!(
                    "elasticsearch round {round}: {:<22} {per_call:>8.1} µs/call",
                    if bare {
                        "bare official client"
                    } else {
                        "call_as_current_user"
                    }
                );
                if bare { &mut bare_us } else { &mut platform_us }.push(per_call);
            }
        }
        pair.stop();
        let (bare, platform) = (stats::median(&bare_us), stats::median(&platform_us));
        Ok(json!({
            "calls_per_round": calls,
            "rounds": rounds,
            "bare_us_per_call": bare,
            "platform_us_per_call": platform,
        }))
    })
}
