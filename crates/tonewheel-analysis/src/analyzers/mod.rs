//! The default analyzers. Each reads the typed [`FeatureCache`](crate::engine::FeatureCache)
//! and returns its own serialisable result; none decodes or transforms audio itself.

mod dynamics;
mod key;
mod loudness;
mod peaks;
mod pitch;
mod spectral;
mod stats;
mod stereo;
mod structure;
mod tempo;

pub use dynamics::{DynamicsAnalyzer, DynamicsResult};
pub use key::{KeyAnalyzer, KeyResult};
pub use loudness::{gated_loudness, LoudnessAnalyzer, LoudnessResult};
pub use peaks::{PeaksAnalyzer, PeaksResult};
pub use pitch::PitchAnalyzer;
pub use spectral::{SpectralAnalyzer, SpectralResult, TonalBalance};
pub use stereo::{StereoAnalyzer, StereoResult};
pub use structure::{StructureAnalyzer, StructureResult};
pub use tempo::{TempoAnalyzer, TempoResult};

use crate::engine::{Analyzer, AnalyzerError};

/// The default analyzers in output order.
pub fn defaults() -> Vec<Box<dyn Analyzer>> {
    vec![
        Box::new(LoudnessAnalyzer),
        Box::new(SpectralAnalyzer),
        Box::new(StereoAnalyzer),
        Box::new(TempoAnalyzer::default()),
        Box::new(KeyAnalyzer),
        Box::new(PitchAnalyzer),
        Box::new(DynamicsAnalyzer),
        Box::new(StructureAnalyzer),
        Box::new(PeaksAnalyzer),
    ]
}

/// Serialises a typed result.
pub(crate) fn to_value<T: serde::Serialize>(v: &T) -> Result<serde_json::Value, AnalyzerError> {
    serde_json::to_value(v).map_err(|e| AnalyzerError::Failed(format!("serialising: {e}")))
}
