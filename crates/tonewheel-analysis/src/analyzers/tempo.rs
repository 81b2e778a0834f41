//! [`TempoAnalyzer`]: onsets, tempo with confidence and the half/double alternative, a 4/4 vs
//! 3/4 guess and beat times, from the onset-strength envelope (algorithms in [`crate::mir`]).

use serde::Serialize;

use super::stats::round;
use super::to_value;
use crate::engine::{frame_rate_hz, AnalysisInput, Analyzer, AnalyzerError, Feature, FeatureSet};
use crate::mir::{estimate_tempo_with, pick_onsets, track_beats, Meter, TempoOptions};

/// Tempo of one span (`bpm` is `null` when there is no periodicity).
#[derive(Debug, Clone, Serialize)]
pub struct TempoResult {
    /// Tempo in beats per minute.
    pub bpm: Option<f64>,
    /// Confidence 0..1.
    pub confidence: f64,
    /// The half- or double-time reading.
    pub alternative_bpm: Option<f64>,
    /// `4/4` or `3/4`.
    pub meter: Option<Meter>,
    /// Confidence of the meter guess 0..1.
    pub meter_confidence: f64,
    /// Beat times in seconds from the start of the file.
    pub beats_s: Vec<f64>,
    /// Onset times in seconds from the start of the file.
    pub onsets_s: Vec<f64>,
}

/// The tempo / beats / onsets analyzer.
#[derive(Debug, Clone, Copy, Default)]
pub struct TempoAnalyzer {
    range_bpm: Option<(f32, f32)>,
}

impl TempoAnalyzer {
    /// An analyzer that resolves the half/double ambiguity toward `min_bpm..=max_bpm` (what a
    /// DJ program's "BPM range" setting does): for material whose genre is known.
    pub fn with_range(min_bpm: f32, max_bpm: f32) -> Self {
        Self {
            range_bpm: Some((min_bpm.min(max_bpm), min_bpm.max(max_bpm))),
        }
    }
}

impl Analyzer for TempoAnalyzer {
    fn name(&self) -> &'static str {
        "tempo"
    }
    fn version(&self) -> u32 {
        1
    }
    /// Also per region: a DJ set or an album side has one tempo and key per track.
    fn per_region(&self) -> bool {
        true
    }
    fn needs(&self) -> FeatureSet {
        FeatureSet::of(&[Feature::Onset])
    }
    fn analyze(&self, input: &AnalysisInput<'_>) -> Result<serde_json::Value, AnalyzerError> {
        let rate = frame_rate_hz();
        let env = &input.cache.frames.onset;
        let range = input.span.index_range(1.0 / f64::from(rate), env.len());
        let offset_s = range.start as f64 / f64::from(rate);
        let body = input.cache.frames.onset_low.get(range.clone());
        let env = &env[range];
        let shift = |v: Vec<f64>| v.into_iter().map(|t| round(t + offset_s, 3)).collect();
        let onsets_s = shift(pick_onsets(env, rate));
        let options = TempoOptions {
            body_envelope: body,
            range_bpm: self.range_bpm,
        };
        let result = match estimate_tempo_with(env, rate, &options) {
            Some(t) => TempoResult {
                bpm: Some(round(f64::from(t.bpm), 2)),
                confidence: round(f64::from(t.confidence), 3),
                alternative_bpm: Some(round(f64::from(t.alternative_bpm), 2)),
                meter: Some(t.meter),
                meter_confidence: round(f64::from(t.meter_confidence), 3),
                beats_s: shift(track_beats(env, rate, t.bpm)),
                onsets_s,
            },
            None => TempoResult {
                bpm: None,
                confidence: 0.0,
                alternative_bpm: None,
                meter: None,
                meter_confidence: 0.0,
                beats_s: Vec::new(),
                onsets_s,
            },
        };
        to_value(&result)
    }
}
