//! Per-query latency of preset search at scale: 5000 presets (the factory library plus
//! variations from the variation generator, as `tonewheel presets generate` writes them),
//! a set of realistic queries, each run many times on one thread; prints p50/p99.
//!
//! `cargo run --release -p tonewheel-server --example search_latency [PRESETS] [RUNS]`
//!
//! The variations' descriptors are their source preset's, each value scaled by a seeded
//! factor in 0.9..1.1: rendering 5000 presets would take minutes, and the search's cost
//! does not depend on the values, only on how many presets have them.

use std::sync::Arc;
use std::time::Instant;

use tonewheel_analysis::Descriptors;
use tonewheel_server::catalogue::Catalogue;
use tonewheel_server::facts::FactoryFacts;
use tonewheel_server::preset_library::search_doc;
use tonewheel_server::search::lexicon::Lexicon;
use tonewheel_server::search::{SearchDoc, SearchIndex, SearchQuery};
use tonewheel_synth::format::PresetFile;
use tonewheel_synth::{vary, Preset};

const QUERIES: &[&str] = &[
    "warm pad",
    "bright pluck",
    "dark punchy bass",
    "wide evolving pad",
    "acid bass",
    "808 kick",
    "soft mellow keys",
    "aggressive distorted lead",
    "airy shimmering pad",
    "tight snappy snare",
    "crisp closed hat",
    "wram pad",
    "evolvng texture",
    "metallic perc",
    "noise riser",
    "deep sub",
    "lofi dusty drums",
    "supersaw trance lead",
    "glassy bell arp",
    "short clap",
];

/// A seeded factor in 0.9..1.1 (xorshift), so every run measures the same catalogue.
fn jitter(state: &mut u64) -> f64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    0.9 + 0.2 * ((*state >> 11) as f64 / (1u64 << 53) as f64)
}

fn scaled(d: &Descriptors, state: &mut u64) -> Descriptors {
    let mut value = serde_json::to_value(d).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        for v in map.values_mut() {
            if let Some(x) = v.as_f64() {
                *v = serde_json::Value::from(x * jitter(state));
            }
        }
    }
    serde_json::from_value(value).unwrap_or_else(|_| d.clone())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let total: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5000);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);

    let catalogue = Catalogue::load(None).expect("factory presets load");
    let facts = FactoryFacts::builtin();
    let mut docs: Vec<SearchDoc> = Vec::with_capacity(total);
    let mut descriptors: Vec<Option<Descriptors>> = Vec::with_capacity(total);
    let factory: Vec<(SearchDoc, Option<Descriptors>, PresetFile, Preset)> = catalogue
        .entries()
        .iter()
        .map(|e| {
            let d = facts
                .presets
                .iter()
                .find(|f| f.id == e.id)
                .map(|f| f.facts.descriptors.clone());
            let file: PresetFile =
                serde_json::from_value(e.json.clone()).expect("factory JSON is a preset file");
            (search_doc(e), d, file, e.preset.clone())
        })
        .collect();
    for (doc, d, _, _) in &factory {
        docs.push(doc.clone());
        descriptors.push(d.clone());
    }
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let started = Instant::now();
    for k in 0..total.saturating_sub(factory.len()) {
        let (doc, d, file, preset) = &factory[k % factory.len()];
        let mut variation = vary(file, preset, k as u64, 0.5);
        variation.name = format!("{} v{k}", file.name);
        let varied = Preset::from_file_format(&variation, &doc.id).expect("variations validate");
        docs.push(SearchDoc {
            id: format!("{}-v{k:05}", doc.id),
            name: varied.name,
            role: varied.role,
            tags: varied.tags,
            description: varied.description,
        });
        descriptors.push(d.as_ref().map(|d| scaled(d, &mut state)));
    }
    let generated_ms = started.elapsed().as_secs_f64() * 1e3;

    let started = Instant::now();
    let lexicon = Arc::new(Lexicon::builtin().expect("lexicon"));
    let refs: Vec<Option<&Descriptors>> = descriptors.iter().map(Option::as_ref).collect();
    let index = SearchIndex::build(&docs, lexicon).with_measurements(&refs, &[]);
    let build_ms = started.elapsed().as_secs_f64() * 1e3;
    let started = Instant::now();
    let _ = index.with_measurements(&refs, &[]);
    let refresh_ms = started.elapsed().as_secs_f64() * 1e3;

    let mut all = Vec::with_capacity(QUERIES.len() * runs);
    println!(
        "{} presets ({} generated in {generated_ms:.0} ms), index built in {build_ms:.1} ms, descriptor table refreshed in {refresh_ms:.1} ms",
        index.len(),
        index.len() - factory.len()
    );
    println!(
        "{:<28} {:>6} {:>9} {:>9}",
        "query", "hits", "p50 ms", "p99 ms"
    );
    for q in QUERIES {
        let query = SearchQuery {
            query: Some((*q).to_string()),
            ..Default::default()
        };
        // One unmeasured run first (page-in, allocator warm-up).
        let hits = index.rank(&query).hits.len();
        let mut times: Vec<f64> = (0..runs)
            .map(|_| {
                let t = Instant::now();
                let r = index.rank(&query);
                std::hint::black_box(&r);
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        all.extend_from_slice(&times);
        times.sort_by(f64::total_cmp);
        println!(
            "{q:<28} {hits:>6} {:>9.3} {:>9.3}",
            percentile(&times, 0.5),
            percentile(&times, 0.99)
        );
    }
    all.sort_by(f64::total_cmp);
    println!(
        "all {} queries x {runs} runs: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        QUERIES.len(),
        percentile(&all, 0.5),
        percentile(&all, 0.99),
        all.last().copied().unwrap_or(0.0)
    );
}
