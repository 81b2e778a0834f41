//! Renders the two comparison chains with fundsp and prints the best time of RUNS, the peer
//! side of `render_times`: `cargo run --release -p tonewheel-bench --example fundsp_chains
//! [RUNS]`. TONEWHEEL_BENCH_ONLY=simple|rich picks one chain (for profiling).

use std::time::Instant;

#[path = "../peers/fundsp_chains.rs"]
mod fundsp_chains;
use fundsp_chains::{fundsp_rich, fundsp_simple, run_fundsp};

fn main() -> Result<(), String> {
    let runs = tonewheel_bench::runs_arg()?;
    let only = std::env::var("TONEWHEEL_BENCH_ONLY").ok();
    type Build = fn() -> Box<dyn fundsp::prelude::AudioUnit>;
    let chains: [(&str, Build); 2] = [("simple chain", fundsp_simple), ("rich chain", fundsp_rich)];
    for (name, build) in chains {
        if only.as_deref().is_some_and(|o| !name.contains(o)) {
            continue;
        }
        let mut best = f64::INFINITY;
        for _ in 0..runs {
            let started = Instant::now();
            let audio = run_fundsp(build().as_mut());
            best = best.min(started.elapsed().as_secs_f64() * 1000.0);
            std::hint::black_box(audio);
        }
        println!("fundsp {name}: {best:.2} ms");
    }
    Ok(())
}
