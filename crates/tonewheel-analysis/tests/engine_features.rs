//! Regions, stereo, spectral and waveform-peak features through the engine.

mod common;

use common::{amp, buffer, extract, noise, sine_segments};
use tonewheel_analysis::analyzers::{SpectralAnalyzer, StereoAnalyzer};
use tonewheel_analysis::engine::{
    find_regions, Engine, Feature, FeatureSet, PeakAccumulator, RegionOptions, Registry,
    ZOOM_POINTS,
};

const RATE: u32 = 44_100;

fn run(analyzer: &str, channels: Vec<Vec<f32>>, rate: u32) -> serde_json::Value {
    let registry = Registry::defaults().select(&[analyzer]).expect("known");
    let report = Engine::new(registry)
        .analyze_buffer(&buffer(rate, channels))
        .expect("analysis");
    let v = report.to_json();
    assert_eq!(v["analyzers"][0]["status"], "ok", "{}", v["analyzers"]);
    v
}

#[test]
fn silence_separated_tones_give_regions_within_50_ms() {
    let x = sine_segments(
        RATE,
        440.0,
        &[
            (0.5, -200.0),
            (1.0, -12.0),
            (1.0, -200.0),
            (0.7, -20.0),
            (0.8, -200.0),
        ],
    );
    let cache = extract(&buffer(RATE, vec![x]), FeatureSet::EMPTY);
    assert_eq!(cache.stft_frames, 0);
    let regions = find_regions(
        &cache.levels,
        cache.facts.duration_s,
        &RegionOptions::default(),
    );
    assert_eq!(regions.len(), 2, "{regions:?}");
    for (r, (a, b)) in regions.iter().zip([(0.5, 1.5), (2.5, 3.2)]) {
        assert!((r.start_s - a).abs() < 0.05, "{r:?}");
        assert!((r.end_s - b).abs() < 0.05, "{r:?}");
    }
}

#[test]
fn all_silent_has_no_region_and_all_sound_has_one() {
    let report = Engine::new(Registry::new())
        .analyze_buffer(&buffer(RATE, vec![vec![0.0; RATE as usize]]))
        .expect("analysis");
    assert!(report.silent && report.regions.is_empty());
    assert_eq!(report.to_json()["silent"], true);
    let x = noise(RATE as usize * 2, 0.3, 1);
    let report = Engine::new(Registry::new())
        .analyze_buffer(&buffer(RATE, vec![x]))
        .expect("analysis");
    assert_eq!(report.regions.len(), 1);
    assert!(report.regions[0].start_s < 0.001 && (report.regions[0].end_s - 2.0).abs() < 0.001);
}

#[test]
fn stereo_width_and_correlation() {
    let n = RATE as usize * 2;
    let a = noise(n, 0.3, 7);
    let b = noise(n, 0.3, 8);
    let mono = run("stereo", vec![a.clone()], RATE);
    assert_eq!(mono["stereo"]["width"], 0.0);
    assert_eq!(mono["stereo"]["correlation"], 1.0);
    let same = run("stereo", vec![a.clone(), a.clone()], RATE);
    assert!(same["stereo"]["width"].as_f64().unwrap() < 0.001);
    assert!(same["stereo"]["correlation"].as_f64().unwrap() > 0.999);
    let indep = run("stereo", vec![a.clone(), b], RATE);
    let c = indep["stereo"]["correlation"].as_f64().unwrap();
    let w = indep["stereo"]["width"].as_f64().unwrap();
    assert!(c.abs() < 0.05, "independent noise correlation {c}");
    assert!((w - 0.5).abs() < 0.05, "independent noise width {w}");
    let inverted: Vec<f32> = a.iter().map(|s| -s).collect();
    let anti = run("stereo", vec![a, inverted], RATE);
    assert!(anti["stereo"]["correlation"].as_f64().unwrap() < -0.999);
    assert!(anti["stereo"]["width"].as_f64().unwrap() > 0.999);
    assert!(anti["stereo"]["mono_loss_db"].as_f64().unwrap() < -60.0);
}

#[test]
fn sine_centroid_noise_flatness_mfcc_contrast() {
    let n = RATE as usize * 2;
    for f in [250.0, 1000.0, 3000.0] {
        let x = sine_segments(RATE, f, &[(2.0, -12.0)]);
        let s = &run("spectral", vec![x], RATE)["spectral"];
        let c = s["centroid_hz"].as_f64().unwrap();
        assert!((c - f).abs() < 0.03 * f, "{f} Hz sine centroid {c}");
        assert!(
            s["flatness"].as_f64().unwrap() < 0.01,
            "sine flatness {}",
            s["flatness"]
        );
    }
    let sine = run(
        "spectral",
        vec![sine_segments(RATE, 1000.0, &[(2.0, -12.0)])],
        RATE,
    );
    let white = run("spectral", vec![noise(n, 0.5, 3)], RATE);
    let (s, w) = (&sine["spectral"], &white["spectral"]);
    // A periodogram of white noise has exponentially distributed bins: flatness ≈ e^-γ ≈ 0.56.
    let flat = w["flatness"].as_f64().unwrap();
    assert!((0.45..0.65).contains(&flat), "white-noise flatness {flat}");
    // White noise up to 11 kHz: centroid near the middle of the analysis band.
    let wc = w["centroid_hz"].as_f64().unwrap();
    assert!((4500.0..6500.0).contains(&wc), "white-noise centroid {wc}");
    assert!(w["high_ratio"].as_f64().unwrap() > 0.5);
    // MFCC: 13 finite means; a flat spectrum has small higher coefficients and a sine's
    // energy in one band gives a larger spread across coefficients.
    let mfcc_w: Vec<f64> = w["mfcc_mean"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let mfcc_s: Vec<f64> = s["mfcc_mean"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(mfcc_w.len(), 13);
    let tail = |m: &[f64]| m[1..].iter().map(|c| c.abs()).sum::<f64>();
    assert!(
        tail(&mfcc_s) > 3.0 * tail(&mfcc_w),
        "sine {mfcc_s:?} vs noise {mfcc_w:?}"
    );
    // Contrast in the 800-1600 Hz band: a sine's peak towers over its valley.
    let cs = s["contrast_db"][3].as_f64().unwrap();
    let cw = w["contrast_db"][3].as_f64().unwrap();
    assert!(cs > cw + 20.0, "contrast sine {cs} vs noise {cw}");
    let low = run(
        "spectral",
        vec![sine_segments(RATE, 100.0, &[(2.0, -12.0)])],
        RATE,
    );
    assert!(low["spectral"]["low_ratio"].as_f64().unwrap() > 0.95);
    // Tonal balance: a 1 kHz sine at -12 dBFS puts its mean square (-15 dB) in the 1 kHz band.
    let bal = s["tonal_balance"]["db"][5].as_f64().unwrap();
    assert!((bal + 15.05).abs() < 0.5, "1 kHz band {bal} dB");
}

#[test]
fn peaks_layout_and_values() {
    let seconds = 3.0;
    let l = sine_segments(RATE, 100.0, &[(seconds, -6.02)]);
    let r = sine_segments(RATE, 100.0, &[(seconds, -12.04)]);
    let frames = l.len();
    let registry = Registry::defaults().select(&["peaks"]).expect("known");
    let v = Engine::new(registry)
        .analyze_buffer(&buffer(RATE, vec![l, r]))
        .expect("analysis")
        .to_json();
    let p = &v["peaks"];
    assert_eq!(p["version"], 2);
    assert_eq!(p["channels"], 2);
    assert_eq!(p["bits"], 16);
    assert_eq!(p["sample_rate"], RATE);
    let length = p["length"].as_u64().unwrap() as usize;
    let spp = p["samples_per_pixel"].as_u64().unwrap() as usize;
    assert!((900..=1000).contains(&length), "length {length}");
    assert!(spp * length >= frames && spp * (length - 1) < frames);
    let data: Vec<i64> = p["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect();
    assert_eq!(data.len(), length * 2 * 2);
    // Pixel layout: [L min, L max, R min, R max] per pixel; every pixel spans > 1 period/... so
    // take the extremes over the file.
    let lmax = data.iter().skip(1).step_by(4).max().unwrap();
    let lmin = data.iter().step_by(4).min().unwrap();
    let rmax = data.iter().skip(3).step_by(4).max().unwrap();
    assert!((lmax - 16384).abs() < 40, "{lmax}");
    assert!((lmin + 16384).abs() < 40, "{lmin}");
    assert!((rmax - 8192).abs() < 40, "{rmax}");
    let zoom_len = p["zoom"]["length"].as_u64().unwrap() as usize;
    assert!(
        zoom_len <= ZOOM_POINTS && zoom_len > ZOOM_POINTS / 2,
        "zoom {zoom_len}"
    );
    assert_eq!(p["rms"].as_array().unwrap().len(), length * 2);
    let rms0 = p["zoom"]["rms"][0].as_i64().unwrap();
    // Zoom pixels of 17 samples hold part of a period, so only a loose check: RMS ≤ peak.
    assert!(rms0 <= 16384);
    let _ = amp(0.0);
}

#[test]
fn peaks_of_unknown_length_stay_bounded_and_consistent() {
    let mut acc = PeakAccumulator::new(8000, 1, None);
    let x = sine_segments(8000, 50.0, &[(60.0, -6.02)]);
    for chunk in x.chunks(1234) {
        acc.push(&[chunk]);
    }
    let w = acc.finish(500);
    let len = w.overview.length();
    assert!(len <= 500 && len > 250, "{len}");
    assert!(w.overview.samples_per_pixel * len >= x.len());
    let top = w.overview.max.iter().fold(0.0f32, |a, b| a.max(*b));
    assert!((top - 0.5).abs() < 0.01);
    assert!(w.zoom.length() <= ZOOM_POINTS);
}

#[test]
fn stereo_and_spectral_skip_silence_and_do_not_panic_on_tiny_inputs() {
    for frames in [0usize, 1, 100, 3000] {
        let x = noise(frames, 0.1, 5);
        let registry = Registry::defaults();
        let v = Engine::new(registry)
            .analyze_buffer(&buffer(RATE, vec![x.clone(), x]))
            .expect("analysis")
            .to_json();
        for a in v["analyzers"].as_array().unwrap() {
            // The mir functions are separate; the engine's own analyzers must not fail.
            if ["loudness", "spectral", "stereo", "dynamics", "peaks"]
                .contains(&a["name"].as_str().unwrap())
            {
                assert_eq!(a["status"], "ok", "{frames} frames: {a}");
            }
        }
    }
    let _ = (Feature::Spectrum, SpectralAnalyzer, StereoAnalyzer);
}
