//! Criterion benchmarks of the synthesis engine (issue 3): 8 s of stereo 48 kHz for every
//! factory preset, and two chains rendered both by tonewheel and by `fundsp` 0.23 in the same
//! run — a simple one (sine → 4-pole low-pass with envelope cutoff → ADSR → pan) and a rich
//! one (7 saws → ladder → tanh → reverb → limiter).
//!
//! `cargo bench -p tonewheel-bench` (all), `cargo bench -p tonewheel-bench -- chains` (the
//! comparison only). The fundsp chains are in `peers/fundsp_chains.rs`.

#![allow(missing_docs)] // criterion's macros generate undocumented items (reason: bench harness)

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use tonewheel_bench::{
    bench_request, chain_request, render_engine, rich_chain, simple_chain, RICH_NOTE, SIMPLE_NOTE,
};
use tonewheel_synth::factory_presets;

#[path = "../peers/fundsp_chains.rs"]
mod fundsp_chains;
use fundsp_chains::{fundsp_rich, fundsp_simple, run_fundsp};

fn factory(c: &mut Criterion) {
    let mut group = c.benchmark_group("factory");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    for (id, preset) in factory_presets() {
        let Ok(preset) = preset else {
            continue; // the factory test proves every preset loads
        };
        let request = bench_request(&preset);
        group.bench_function(id, |b| {
            b.iter(|| black_box(render_engine(&preset, &request).ok()))
        });
    }
    group.finish();
}

fn chains(c: &mut Criterion) {
    let mut group = c.benchmark_group("chains");
    group.sample_size(20);
    if let (Ok(simple), Ok(rich)) = (simple_chain(), rich_chain()) {
        let simple_request = chain_request(SIMPLE_NOTE);
        let rich_request = chain_request(RICH_NOTE);
        group.bench_function("simple/tonewheel", |b| {
            b.iter(|| black_box(render_engine(&simple, &simple_request).ok()))
        });
        group.bench_function("rich/tonewheel", |b| {
            b.iter(|| black_box(render_engine(&rich, &rich_request).ok()))
        });
    }
    // Construction is part of the timed work on both sides (tonewheel compiles its preset).
    group.bench_function("simple/fundsp", |b| {
        b.iter(|| black_box(run_fundsp(fundsp_simple().as_mut())))
    });
    group.bench_function("rich/fundsp", |b| {
        b.iter(|| black_box(run_fundsp(fundsp_rich().as_mut())))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default();
    targets = chains, factory
}
criterion_main!(benches);
