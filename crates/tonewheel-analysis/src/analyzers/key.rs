//! [`KeyAnalyzer`]: tonic, mode, confidence and top-3 candidates from per-frame chroma
//! weighted by frame energy, plus the tuning offset (algorithms in [`crate::mir`]).

use serde::Serialize;

use super::stats::round;
use super::to_value;
use crate::engine::{frame_rate_hz, AnalysisInput, Analyzer, AnalyzerError, Feature, FeatureSet};
use crate::mir::{estimate_key, KeyCandidate, Mode};

/// Key of one span (`tonic` is `null` when no key could be estimated).
#[derive(Debug, Clone, Serialize)]
pub struct KeyResult {
    /// Tonic: C, C#, D, … B.
    pub tonic: Option<&'static str>,
    /// `major` or `minor`.
    pub mode: Option<Mode>,
    /// Confidence 0..1.
    pub confidence: f64,
    /// The three best keys.
    pub candidates: Vec<KeyCandidate>,
    /// False for percussive / atonal / noise material.
    pub tonal: bool,
    /// Tuning offset from A440 in cents (file only).
    pub tuning_cents: Option<f64>,
}

/// The key analyzer.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeyAnalyzer;

impl Analyzer for KeyAnalyzer {
    fn name(&self) -> &'static str {
        "key"
    }
    fn version(&self) -> u32 {
        1
    }
    /// Also per region: a DJ set or an album side has one tempo and key per track.
    fn per_region(&self) -> bool {
        true
    }
    fn needs(&self) -> FeatureSet {
        FeatureSet::of(&[Feature::Chroma])
    }
    fn analyze(&self, input: &AnalysisInput<'_>) -> Result<serde_json::Value, AnalyzerError> {
        let f = &input.cache.frames;
        let hop_s = 1.0 / f64::from(frame_rate_hz());
        let range = input
            .span
            .index_range(hop_s, f.chroma.len().min(f.rms.len()));
        let energy: Vec<f32> = f.rms[range.clone()].iter().map(|r| r * r).collect();
        let tuning_cents = input
            .cache
            .tuning_cents
            .filter(|_| input.is_file)
            .map(|c| round(f64::from(c), 1));
        let result = match estimate_key(&f.chroma[range], &energy) {
            Some(k) => KeyResult {
                tonic: Some(k.tonic),
                mode: Some(k.mode),
                confidence: round(f64::from(k.confidence), 3),
                candidates: k.candidates,
                tonal: k.tonal,
                tuning_cents,
            },
            None => KeyResult {
                tonic: None,
                mode: None,
                confidence: 0.0,
                candidates: Vec::new(),
                tonal: false,
                tuning_cents,
            },
        };
        to_value(&result)
    }
}
