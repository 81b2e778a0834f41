//! Times the engine on every factory preset and on the two comparison chains, and prints
//! min/median/max per role: the per-role table of `docs/benchmarks.md`.
//!
//! `cargo run --release -p tonewheel-bench --example render_times [RUNS]` (RUNS, default 5:
//! each preset is rendered that many times and its fastest run is kept, which filters out
//! the other work of a shared machine). The fundsp side of the comparison is in the
//! criterion bench (`cargo bench -p tonewheel-bench`).

use std::collections::BTreeMap;
use std::time::Instant;

use tonewheel_bench::{bench_request, render_engine, RATE_HZ, RENDER_S};
use tonewheel_synth::{factory_ids, factory_preset, Preset, RenderRequest};

fn best_ms(preset: &Preset, request: &RenderRequest, runs: usize) -> Result<f64, String> {
    let mut best = f64::INFINITY;
    for _ in 0..runs {
        let started = Instant::now();
        let audio = render_engine(preset, request).map_err(|e| e.to_string())?;
        best = best.min(started.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(audio);
    }
    Ok(best)
}

fn summary(times: &mut [f64]) -> String {
    times.sort_by(f64::total_cmp);
    let median = if times.len() % 2 == 1 {
        times[times.len() / 2]
    } else {
        0.5 * (times[times.len() / 2 - 1] + times[times.len() / 2])
    };
    format!(
        "min {:6.2}  median {:6.2}  max {:6.2} ms",
        times[0],
        median,
        times[times.len() - 1]
    )
}

fn main() -> Result<(), String> {
    let runs = tonewheel_bench::runs_arg()?;
    println!("{RENDER_S} s stereo {RATE_HZ} Hz per render, engine only, best of {runs}");
    let mut by_role: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut all = Vec::new();
    let mut slowest = (String::new(), 0.0f64);
    // TONEWHEEL_BENCH_ONLY=text: only factory presets whose id contains `text` (profiling).
    let only = std::env::var("TONEWHEEL_BENCH_ONLY").ok();
    for id in factory_ids() {
        if only.as_deref().is_some_and(|o| !id.contains(o)) {
            continue;
        }
        let preset = factory_preset(id)
            .ok_or_else(|| format!("{id}: not found"))?
            .map_err(|e| format!("{id}: {e}"))?;
        let ms = best_ms(&preset, &bench_request(&preset), runs)?;
        if std::env::var_os("TONEWHEEL_BENCH_EACH").is_some() {
            println!("{id:40} {ms:7.2} ms");
        }
        by_role.entry(preset.role.to_string()).or_default().push(ms);
        all.push(ms);
        if ms > slowest.1 {
            slowest = (id.to_string(), ms);
        }
    }
    if !all.is_empty() {
        println!("all ({:3} presets): {}", all.len(), summary(&mut all));
        for (role, times) in &mut by_role {
            println!("  {role:6} ({:3}): {}", times.len(), summary(times));
        }
        println!("slowest: {} {:.2} ms", slowest.0, slowest.1);
    }
    for (name, preset, note) in [
        (
            "simple chain",
            tonewheel_bench::simple_chain(),
            tonewheel_bench::SIMPLE_NOTE,
        ),
        (
            "rich chain",
            tonewheel_bench::rich_chain(),
            tonewheel_bench::RICH_NOTE,
        ),
    ] {
        if only.as_deref().is_some_and(|o| !name.contains(o)) {
            continue;
        }
        let preset = preset.map_err(|e| e.to_string())?;
        let ms = best_ms(&preset, &tonewheel_bench::chain_request(note), runs)?;
        println!("{name}: {ms:.2} ms");
    }
    Ok(())
}
