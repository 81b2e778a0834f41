//! [`DynamicsAnalyzer`]: the energy curve (short-term loudness every second) and its spread.

use serde::Serialize;

use super::stats::{quantile, round};
use super::to_value;
use crate::engine::{
    AnalysisInput, Analyzer, AnalyzerError, Feature, FeatureSet, CURVE_HOP_S, LOUDNESS_HOP_S,
};

/// Readings below this short-term loudness (LUFS) are silence and left out of the spread.
const SILENCE_LUFS: f32 = -70.0;

/// Dynamics of the file.
#[derive(Debug, Clone, Serialize)]
pub struct DynamicsResult {
    /// Hop of the energy curve in seconds.
    pub hop_s: f64,
    /// Short-term loudness (3 s window) every `hop_s`, LUFS; `null` for silence.
    pub energy_curve_lufs: Vec<Option<f64>>,
    /// 10th percentile of the sounding short-term readings, LUFS.
    pub p10_lufs: Option<f64>,
    /// Median, LUFS.
    pub p50_lufs: Option<f64>,
    /// 95th percentile, LUFS.
    pub p95_lufs: Option<f64>,
    /// p95 − p10 in LU: how much the level moves.
    pub spread_lu: Option<f64>,
}

/// The dynamics analyzer.
#[derive(Debug, Clone, Copy, Default)]
pub struct DynamicsAnalyzer;

impl Analyzer for DynamicsAnalyzer {
    fn name(&self) -> &'static str {
        "dynamics"
    }
    fn version(&self) -> u32 {
        1
    }
    fn needs(&self) -> FeatureSet {
        FeatureSet::of(&[Feature::Loudness])
    }
    fn analyze(&self, input: &AnalysisInput<'_>) -> Result<serde_json::Value, AnalyzerError> {
        let readings = input
            .cache
            .loudness
            .as_ref()
            .ok_or(AnalyzerError::MissingFeature(Feature::Loudness))?;
        let per = (CURVE_HOP_S / LOUDNESS_HOP_S).round() as usize;
        let curve: Vec<Option<f32>> = readings
            .short_term_lufs
            .iter()
            .skip(per - 1)
            .step_by(per)
            .copied()
            .collect();
        let sounding: Vec<f32> = readings
            .short_term_lufs
            .iter()
            .flatten()
            .copied()
            .filter(|l| *l > SILENCE_LUFS)
            .collect();
        let q = |p| quantile(&sounding, p).map(|v| round(f64::from(v), 2));
        let (p10, p95) = (q(0.10), q(0.95));
        to_value(&DynamicsResult {
            hop_s: CURVE_HOP_S,
            energy_curve_lufs: curve
                .iter()
                .map(|v| v.map(|x| round(f64::from(x), 2)))
                .collect(),
            p10_lufs: p10,
            p50_lufs: q(0.5),
            p95_lufs: p95,
            spread_lu: p10.zip(p95).map(|(a, b)| round(b - a, 2)),
        })
    }
}
