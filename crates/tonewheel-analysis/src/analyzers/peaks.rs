//! [`PeaksAnalyzer`]: the waveform overview (BBC audiowaveform layout, 16-bit) with the zoom
//! resolution nested under `zoom`.

use serde::Serialize;

use super::to_value;
use crate::engine::{
    AnalysisInput, Analyzer, AnalyzerError, AudiowaveformJson, Feature, FeatureSet,
};

/// The peaks result: the overview's audiowaveform fields at top level plus `zoom`.
#[derive(Debug, Clone, Serialize)]
pub struct PeaksResult {
    /// Overview resolution (top-level fields, readable by audiowaveform players).
    #[serde(flatten)]
    pub overview: AudiowaveformJson,
    /// Zoom resolution, same layout.
    pub zoom: AudiowaveformJson,
}

/// The waveform-peaks analyzer.
#[derive(Debug, Clone, Copy, Default)]
pub struct PeaksAnalyzer;

impl Analyzer for PeaksAnalyzer {
    fn name(&self) -> &'static str {
        "peaks"
    }
    fn version(&self) -> u32 {
        1
    }
    fn needs(&self) -> FeatureSet {
        FeatureSet::of(&[Feature::Peaks])
    }
    fn analyze(&self, input: &AnalysisInput<'_>) -> Result<serde_json::Value, AnalyzerError> {
        let peaks = input
            .cache
            .peaks
            .as_ref()
            .ok_or(AnalyzerError::MissingFeature(Feature::Peaks))?;
        to_value(&PeaksResult {
            overview: peaks.overview.to_audiowaveform(16),
            zoom: peaks.zoom.to_audiowaveform(16),
        })
    }
}
