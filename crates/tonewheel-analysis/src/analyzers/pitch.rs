//! [`PitchAnalyzer`]: fundamental, nearest note and cents of one-shots and monophonic lines
//! (YIN family, in [`crate::mir`]).
//!
//! The engine keeps only the first [`PITCH_AUDIO_S`] seconds of the file as mono audio at the
//! analysis rate (bounded memory, no second decode). The file-level pitch is that of the first
//! region (or of the excerpt when there are none); a region is analysed from its start up to
//! [`PITCH_AUDIO_S`] when it starts inside the excerpt, and is reported `null` otherwise, as is
//! unpitched material.

use super::to_value;
use crate::engine::{
    find_regions, AnalysisInput, Analyzer, AnalyzerError, Feature, FeatureSet, RegionOptions,
    ANALYSIS_RATE_HZ, PITCH_AUDIO_S,
};
use crate::mir::estimate_pitch;

/// The pitch analyzer.
#[derive(Debug, Clone, Copy, Default)]
pub struct PitchAnalyzer;

impl Analyzer for PitchAnalyzer {
    fn name(&self) -> &'static str {
        "pitch"
    }
    fn version(&self) -> u32 {
        1
    }
    fn needs(&self) -> FeatureSet {
        FeatureSet::of(&[Feature::PitchAudio])
    }
    fn per_region(&self) -> bool {
        true
    }
    fn analyze(&self, input: &AnalysisInput<'_>) -> Result<serde_json::Value, AnalyzerError> {
        let cache = input.cache;
        let audio = &cache.pitch_audio;
        let rate = f64::from(ANALYSIS_RATE_HZ);
        let span = if input.is_file {
            find_regions(
                &cache.levels,
                cache.facts.duration_s,
                &RegionOptions::default(),
            )
            .first()
            .copied()
            .unwrap_or(input.span)
        } else {
            input.span
        };
        let start = (span.start_s * rate) as usize;
        if start >= audio.len() {
            return Ok(serde_json::Value::Null);
        }
        let end = ((span.end_s.min(span.start_s + PITCH_AUDIO_S) * rate).ceil() as usize)
            .clamp(start, audio.len());
        match estimate_pitch(&audio[start..end], rate as f32) {
            Some(p) => to_value(&p),
            None => Ok(serde_json::Value::Null),
        }
    }
}
