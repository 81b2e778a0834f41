//! Throughput of the analysis engine on 60 s of synthetic music-like stereo audio at 44.1 kHz
//! (kicks, off-beat noise hats, a chord progression), per stage and for the default set.
//! x-real-time = 60 s / measured time. Run: `cargo bench -p tonewheel-analysis --bench analyze`.

use criterion::{criterion_main, Criterion};
use tonewheel_analysis::engine::{
    extract_buffer, Engine, ExtractOptions, Feature, FeatureSet, Registry,
};
use tonewheel_audio::AudioBuffer;

const RATE: u32 = 44_100;
const SECONDS: usize = 60;

fn music() -> AudioBuffer {
    let n = RATE as usize * SECONDS;
    let beat = (RATE as f64 * 60.0 / 124.0) as usize;
    let chords = [
        [220.0, 261.63, 329.63],
        [174.61, 220.0, 261.63],
        [196.0, 246.94, 293.66],
    ];
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut l = Vec::with_capacity(n);
    let mut r = Vec::with_capacity(n);
    for i in 0..n {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let white = (seed >> 40) as f64 / (1u64 << 24) as f64 * 2.0 - 1.0;
        let t = i as f64 / f64::from(RATE);
        let in_beat = (i % beat) as f64 / f64::from(RATE);
        let off = ((i + beat / 2) % beat) as f64 / f64::from(RATE);
        let kick = (-in_beat * 25.0).exp() * (std::f64::consts::TAU * 55.0 * in_beat).sin();
        let hat = (-off * 80.0).exp() * white;
        let chord = chords[(i / (beat * 4)) % 3]
            .iter()
            .map(|f| (std::f64::consts::TAU * f * t).sin())
            .sum::<f64>()
            / 3.0;
        l.push((0.5 * kick + 0.1 * hat + 0.15 * chord) as f32);
        r.push((0.5 * kick - 0.1 * hat + 0.12 * chord) as f32);
    }
    AudioBuffer::from_channels(RATE, vec![l, r]).expect("valid buffer")
}

fn bench(c: &mut Criterion) {
    let audio = music();
    let mut g = c.benchmark_group("analyze_60s_stereo_44k1");
    g.sample_size(10);
    let stages: [(&str, FeatureSet); 6] = [
        ("levels_only", FeatureSet::EMPTY),
        ("loudness", FeatureSet::of(&[Feature::Loudness])),
        ("peaks", FeatureSet::of(&[Feature::Peaks])),
        (
            "resample_pitch_audio",
            FeatureSet::of(&[Feature::PitchAudio]),
        ),
        ("stft_spectrum", FeatureSet::of(&[Feature::Spectrum])),
        (
            "stft_spectrum_stereo_onset_chroma",
            FeatureSet::of(&[
                Feature::Spectrum,
                Feature::Stereo,
                Feature::Onset,
                Feature::Chroma,
            ]),
        ),
    ];
    for (name, needs) in stages {
        g.bench_function(name, |b| {
            b.iter(|| extract_buffer(&audio, needs, ExtractOptions::default()))
        });
    }
    let engine = Engine::new(Registry::defaults());
    g.bench_function("full_default_set", |b| {
        b.iter(|| engine.analyze_buffer(&audio))
    });
    // Each analyzer alone: the single pass over the features it needs, plus its own work.
    for name in Registry::defaults().names() {
        let only = Registry::defaults()
            .select(&[name])
            .expect("a registered analyzer");
        let engine = Engine::new(only);
        g.bench_function(format!("analyzer_{name}"), |b| {
            b.iter(|| engine.analyze_buffer(&audio))
        });
    }
    g.finish();
}

// The macro defines an undocumented `benches` function; a bench target is not public API.
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::bench);
}
use group::benches;
criterion_main!(benches);
