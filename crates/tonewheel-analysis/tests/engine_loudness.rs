//! EBU Tech 3341 (loudness, true peak) and Tech 3342 (loudness range) compliance cases,
//! generated here, through the engine's single pass and the loudness analyzer.

mod common;

use common::{amp, buffer, extract, sine_segments};
use tonewheel_analysis::analyzers::LoudnessAnalyzer;
use tonewheel_analysis::engine::{Engine, Feature, FeatureSet, Registry};

const RATE: u32 = 48_000;

fn loudness_json(channels: Vec<Vec<f32>>) -> serde_json::Value {
    let mut registry = Registry::new();
    registry.register(Box::new(LoudnessAnalyzer));
    let report = Engine::new(registry)
        .analyze_buffer(&buffer(RATE, channels))
        .expect("analysis");
    report.to_json()["loudness"].clone()
}

fn stereo(segments: &[(f64, f64)]) -> Vec<Vec<f32>> {
    let s = sine_segments(RATE, 1000.0, segments);
    vec![s.clone(), s]
}

fn near(v: &serde_json::Value, expected: f64, tol: f64, what: &str) {
    let x = v.as_f64().unwrap_or_else(|| panic!("{what} missing: {v}"));
    assert!(
        (x - expected).abs() <= tol,
        "{what}: {x} vs {expected} ± {tol}"
    );
}

#[test]
fn tech3341_case1_and_case2_steady_sines() {
    for (level, expected) in [(-23.0, -23.0), (-33.0, -33.0)] {
        let l = loudness_json(stereo(&[(20.0, level)]));
        near(&l["integrated_lufs"], expected, 0.1, "I");
        near(&l["momentary_max_lufs"], expected, 0.1, "M max");
        near(&l["short_term_max_lufs"], expected, 0.1, "S max");
    }
}

#[test]
fn tech3341_case3_and_case4_gating() {
    let l = loudness_json(stereo(&[(10.0, -36.0), (60.0, -23.0), (10.0, -36.0)]));
    near(&l["integrated_lufs"], -23.0, 0.1, "case 3 I");
    let l = loudness_json(stereo(&[
        (10.0, -72.0),
        (10.0, -36.0),
        (60.0, -23.0),
        (10.0, -36.0),
        (10.0, -72.0),
    ]));
    near(&l["integrated_lufs"], -23.0, 0.1, "case 4 I");
}

#[test]
fn tech3341_case6_five_channels() {
    let ch = |db| sine_segments(RATE, 1000.0, &[(20.0, db)]);
    // L, R, C, Ls, Rs.
    let l = loudness_json(vec![ch(-28.0), ch(-28.0), ch(-24.0), ch(-30.0), ch(-30.0)]);
    near(&l["integrated_lufs"], -23.0, 0.1, "case 6 I");
}

#[test]
fn tech3341_case9_short_term_is_constant() {
    // 1.34 s at -20 dBFS, 1.66 s at -30 dBFS, repeated: every 3 s window holds -23 LUFS.
    let pattern: Vec<(f64, f64)> = (0..6)
        .flat_map(|_| [(1.34, -20.0), (1.66, -30.0)])
        .collect();
    let cache = extract(
        &buffer(RATE, stereo(&pattern)),
        FeatureSet::of(&[Feature::Loudness]),
    );
    let readings = cache.loudness.expect("loudness computed");
    // Readings every 100 ms; from 3 s on, each short-term window is a whole period.
    let after: Vec<f32> = readings.short_term_lufs[30..]
        .iter()
        .map(|v| v.expect("finite"))
        .collect();
    assert!(after.len() > 100);
    for s in after {
        assert!((s + 23.0).abs() <= 0.1, "short-term {s}");
    }
}

#[test]
fn tech3341_case12_momentary_is_constant() {
    // 0.18 s at -20 dBFS, 0.22 s at -30 dBFS, repeated: every 400 ms window holds -23 LUFS.
    let pattern: Vec<(f64, f64)> = (0..20)
        .flat_map(|_| [(0.18, -20.0), (0.22, -30.0)])
        .collect();
    let cache = extract(
        &buffer(RATE, stereo(&pattern)),
        FeatureSet::of(&[Feature::Loudness]),
    );
    let readings = cache.loudness.expect("loudness computed");
    let after: Vec<f32> = readings.momentary_lufs[10..]
        .iter()
        .map(|v| v.expect("finite"))
        .collect();
    assert!(after.len() > 60);
    for m in after {
        assert!((m + 23.0).abs() <= 0.1, "momentary {m}");
    }
}

#[test]
fn tech3342_loudness_range_cases_1_to_4() {
    let cases: [(&[(f64, f64)], f64); 4] = [
        (&[(20.0, -20.0), (20.0, -30.0)], 10.0),
        (&[(20.0, -20.0), (20.0, -15.0)], 5.0),
        (&[(20.0, -40.0), (20.0, -20.0)], 20.0),
        (
            &[
                (20.0, -50.0),
                (20.0, -35.0),
                (20.0, -20.0),
                (20.0, -35.0),
                (20.0, -50.0),
            ],
            15.0,
        ),
    ];
    for (k, (segments, lra)) in cases.iter().enumerate() {
        let l = loudness_json(stereo(segments));
        near(
            &l["range_lu"],
            *lra,
            1.0,
            &format!("Tech 3342 case {}", k + 1),
        );
    }
}

#[test]
fn true_peak_of_inter_sample_peaks() {
    // A sine at fs/4 with a 45° phase offset: every sample sits at ±A/√2, the waveform
    // between them reaches A: true peak = sample peak + 3.01 dB (Tech 3341 cases 15-23 style).
    for rate in [44_100u32, 48_000] {
        let a = amp(-6.0);
        let n = rate as usize * 2;
        let x: Vec<f32> = (0..n)
            .map(|i| {
                (a * (std::f64::consts::FRAC_PI_2 * i as f64 + std::f64::consts::FRAC_PI_4).sin())
                    as f32
            })
            .collect();
        let mut registry = Registry::new();
        registry.register(Box::new(LoudnessAnalyzer));
        let report = Engine::new(registry)
            .analyze_buffer(&common::buffer(rate, vec![x.clone(), x]))
            .expect("analysis");
        let l = report.to_json()["loudness"].clone();
        near(&l["sample_peak_dbfs"], -9.01, 0.02, "sample peak");
        // Tech 3341 tolerance for true peak: +0.2 / -0.4 dB.
        let tp = l["true_peak_dbtp"].as_f64().expect("true peak");
        assert!((-6.4..=-5.8).contains(&tp), "{rate} Hz: true peak {tp}");
    }
}
