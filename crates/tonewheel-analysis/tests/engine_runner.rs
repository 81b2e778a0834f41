//! The runner: panic isolation, feature laziness, regions in the report.

mod common;

use common::{buffer, noise, sine_segments};
use tonewheel_analysis::engine::{
    AnalysisInput, Analyzer, AnalyzerError, Engine, Feature, FeatureSet, Registry,
};

struct Boom;

impl Analyzer for Boom {
    fn name(&self) -> &'static str {
        "boom"
    }
    fn version(&self) -> u32 {
        1
    }
    fn needs(&self) -> FeatureSet {
        FeatureSet::EMPTY
    }
    fn per_region(&self) -> bool {
        true
    }
    fn analyze(&self, _: &AnalysisInput<'_>) -> Result<serde_json::Value, AnalyzerError> {
        panic!("deliberate failure in a test analyzer")
    }
}

struct Refuses;

impl Analyzer for Refuses {
    fn name(&self) -> &'static str {
        "refuses"
    }
    fn version(&self) -> u32 {
        3
    }
    fn needs(&self) -> FeatureSet {
        FeatureSet::EMPTY
    }
    fn analyze(&self, _: &AnalysisInput<'_>) -> Result<serde_json::Value, AnalyzerError> {
        Err(AnalyzerError::Failed("not today".into()))
    }
}

#[test]
fn a_panicking_or_failing_analyzer_is_recorded_and_the_others_run() {
    let mut registry = Registry::defaults()
        .select(&["loudness", "spectral"])
        .expect("known");
    registry.register(Box::new(Boom));
    registry.register(Box::new(Refuses));
    let x = sine_segments(44_100, 440.0, &[(1.0, -12.0)]);
    let v = Engine::new(registry)
        .analyze_buffer(&buffer(44_100, vec![x]))
        .expect("analysis")
        .to_json();
    let statuses = v["analyzers"].as_array().unwrap();
    let by = |n: &str| statuses.iter().find(|s| s["name"] == n).unwrap().clone();
    assert_eq!(by("loudness")["status"], "ok");
    assert_eq!(by("spectral")["status"], "ok");
    assert_eq!(by("boom")["status"], "failed");
    assert!(by("boom")["error"]
        .as_str()
        .unwrap()
        .contains("deliberate failure"));
    assert_eq!(by("refuses")["status"], "failed");
    assert_eq!(by("refuses")["error"], "not today");
    assert_eq!(by("refuses")["version"], 3);
    assert!(v["loudness"]["integrated_lufs"].is_number());
    assert!(v["boom"].is_null());
    // Regions still carry the working analyzers' results.
    assert!(v["regions"][0]["spectral"]["centroid_hz"].is_number());
}

#[test]
fn only_the_needed_features_are_computed() {
    let x = noise(44_100, 0.2, 9);
    let audio = buffer(44_100, vec![x.clone(), x]);
    let loud = Registry::defaults().select(&["loudness"]).expect("known");
    assert_eq!(loud.needs(), FeatureSet::of(&[Feature::Loudness]));
    let cache =
        tonewheel_analysis::engine::extract_buffer(&audio, loud.needs(), Default::default())
            .expect("extract");
    assert_eq!(cache.stft_frames, 0);
    assert!(cache.frames.centroid_hz.is_empty() && cache.pitch_audio.is_empty());
    assert!(cache.loudness.is_some() && cache.peaks.is_none());
    let spectral = Registry::defaults().select(&["spectral"]).expect("known");
    let cache =
        tonewheel_analysis::engine::extract_buffer(&audio, spectral.needs(), Default::default())
            .expect("extract");
    assert!(cache.loudness.is_none() && cache.frames.stereo.is_empty());
    // Centre-padded frames: floor(N / hop) + 1 at the analysis rate.
    assert_eq!(cache.stft_frames, 22_050 / 512 + 1);
    assert_eq!(cache.frames.centroid_hz.len(), cache.stft_frames);
}

#[test]
fn unknown_analyzer_names_are_rejected_with_the_valid_list() {
    let err = Registry::defaults()
        .select(&["loudness", "nope"])
        .unwrap_err();
    assert_eq!(err.name, "nope");
    assert!(err.valid.contains("loudness") && err.valid.contains("tempo"));
}

#[test]
fn non_finite_samples_are_counted_and_analysed_as_zero() {
    let mut x = sine_segments(44_100, 440.0, &[(1.0, -12.0)]);
    x[100] = f32::NAN;
    x[200] = f32::INFINITY;
    let report = Engine::new(Registry::defaults())
        .analyze_buffer(&buffer(44_100, vec![x]))
        .expect("analysis");
    assert_eq!(report.facts.non_finite_samples, 2);
    let v = report.to_json();
    let peak = v["loudness"]["sample_peak_dbfs"].as_f64().unwrap();
    assert!((peak + 12.0).abs() < 0.05, "{peak}");
}

/// A kick on every beat under a sustained triad, `seconds` long.
fn groove(rate: u32, bpm: f64, triad_hz: [f64; 3], seconds: f64) -> Vec<f32> {
    let n = (f64::from(rate) * seconds) as usize;
    let beat = 60.0 / bpm;
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            let in_beat = t % beat;
            let kick = (-in_beat * 30.0).exp() * (std::f64::consts::TAU * 60.0 * in_beat).sin();
            let chord: f64 = triad_hz
                .iter()
                .map(|f| (std::f64::consts::TAU * f * t).sin())
                .sum::<f64>()
                / 3.0;
            (0.5 * kick + 0.2 * chord) as f32
        })
        .collect()
}

/// Two pieces separated by silence (a DJ set, an album side) get their own region tempo and
/// key: 100 BPM in C major, then 140 BPM in A minor.
#[test]
fn tempo_and_key_are_reported_per_region() {
    let rate = 22_050;
    let mut audio = groove(rate, 100.0, [261.63, 329.63, 392.0], 12.0);
    audio.extend(std::iter::repeat_n(0.0, rate as usize * 3));
    audio.extend(groove(rate, 140.0, [220.0, 261.63, 329.63], 12.0));
    let report = Engine::new(Registry::defaults().select(&["tempo", "key"]).unwrap())
        .analyze_buffer(&buffer(rate, vec![audio]))
        .unwrap();
    assert_eq!(report.regions.len(), 2, "{:?}", report.regions);
    for (region, (bpm, tonic, mode)) in report
        .regions
        .iter()
        .zip([(100.0, "C", "major"), (140.0, "A", "minor")])
    {
        let got = region.results["tempo"]["bpm"].as_f64().unwrap();
        assert!((got - bpm).abs() / bpm < 0.02, "{got} vs {bpm}");
        assert_eq!(
            region.results["key"]["tonic"], tonic,
            "{:?}",
            region.results["key"]
        );
        assert_eq!(
            region.results["key"]["mode"], mode,
            "{:?}",
            region.results["key"]
        );
    }
}
