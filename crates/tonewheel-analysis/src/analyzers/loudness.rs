//! [`LoudnessAnalyzer`]: BS.1770 / EBU R 128 loudness, range, true and sample peak, RMS, crest
//! factor and the short-term loudness curve. Per region: gated loudness from the momentary
//! blocks inside the region, sample peak and RMS from the level blocks.

use serde::Serialize;

use super::stats::round;
use super::to_value;
use crate::engine::{
    AnalysisInput, Analyzer, AnalyzerError, Feature, FeatureSet, CURVE_HOP_S, LEVEL_BLOCK_S,
    LOUDNESS_HOP_S,
};
use crate::loudness::{amplitude_to_db, power_to_db};

/// BS.1770 absolute gate in LUFS.
const ABSOLUTE_GATE_LUFS: f64 = -70.0;
/// BS.1770 relative gate below the ungated mean, in LU.
const RELATIVE_GATE_LU: f64 = 10.0;
/// Momentary window in seconds.
const MOMENTARY_WINDOW_S: f64 = 0.4;

/// Loudness results of one span.
#[derive(Debug, Clone, Serialize)]
pub struct LoudnessResult {
    /// Gated integrated loudness in LUFS (`null` below the absolute gate).
    pub integrated_lufs: Option<f64>,
    /// Loudness range in LU (file only).
    pub range_lu: Option<f64>,
    /// Largest momentary (400 ms) loudness in LUFS.
    pub momentary_max_lufs: Option<f64>,
    /// Largest short-term (3 s) loudness in LUFS (file only).
    pub short_term_max_lufs: Option<f64>,
    /// Largest true peak over channels in dBTP (file only; never below the sample peak).
    pub true_peak_dbtp: Option<f64>,
    /// Largest sample magnitude in dBFS.
    pub sample_peak_dbfs: f64,
    /// RMS over all channels in dBFS.
    pub rms_dbfs: f64,
    /// Crest factor: sample peak minus RMS, in dB.
    pub crest_db: f64,
    /// Peak-to-loudness ratio: true peak minus integrated loudness, in dB.
    pub plr_db: Option<f64>,
    /// Short-term loudness every [`CURVE_HOP_S`] seconds (file only; `null` for silence).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub short_term_curve_lufs: Option<Vec<Option<f64>>>,
}

/// The loudness analyzer.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoudnessAnalyzer;

/// BS.1770 gating over momentary-block loudness values (400 ms blocks), in LUFS.
pub fn gated_loudness(blocks_lufs: impl Iterator<Item = f64>) -> Option<f64> {
    let to_power = |l: f64| 10f64.powf((l + 0.691) / 10.0);
    let kept: Vec<f64> = blocks_lufs
        .filter(|l| *l > ABSOLUTE_GATE_LUFS)
        .map(to_power)
        .collect();
    if kept.is_empty() {
        return None;
    }
    let mean = kept.iter().sum::<f64>() / kept.len() as f64;
    let relative = -0.691 + 10.0 * mean.log10() - RELATIVE_GATE_LU;
    let gated: Vec<f64> = kept
        .into_iter()
        .filter(|p| -0.691 + 10.0 * p.log10() > relative)
        .collect();
    if gated.is_empty() {
        return None;
    }
    Some(-0.691 + 10.0 * (gated.iter().sum::<f64>() / gated.len() as f64).log10())
}

impl Analyzer for LoudnessAnalyzer {
    fn name(&self) -> &'static str {
        "loudness"
    }
    fn version(&self) -> u32 {
        1
    }
    fn needs(&self) -> FeatureSet {
        FeatureSet::of(&[Feature::Loudness])
    }
    fn per_region(&self) -> bool {
        true
    }
    fn analyze(&self, input: &AnalysisInput<'_>) -> Result<serde_json::Value, AnalyzerError> {
        let cache = input.cache;
        let readings = cache
            .loudness
            .as_ref()
            .ok_or(AnalyzerError::MissingFeature(Feature::Loudness))?;
        let levels = &cache.levels;
        let blocks = input.span.index_range(LEVEL_BLOCK_S, levels.power.len());
        let (sample_peak, mean_square) = if input.is_file {
            let n = (cache.facts.frames as f64 * cache.facts.channels as f64).max(1.0);
            (
                levels.channel_peak.iter().fold(0.0f32, |a, b| a.max(*b)),
                levels.channel_sum_sq.iter().sum::<f64>() / n,
            )
        } else {
            let r = blocks.clone();
            (
                levels.peak[r.clone()].iter().fold(0.0f32, |a, b| a.max(*b)),
                levels.power[r.clone()]
                    .iter()
                    .map(|p| f64::from(*p))
                    .sum::<f64>()
                    / r.len().max(1) as f64,
            )
        };
        let sample_peak_dbfs = amplitude_to_db(f64::from(sample_peak));
        let rms_dbfs = power_to_db(mean_square);
        // Momentary reading k covers (k+1)·hop − 0.4 s .. (k+1)·hop.
        let in_span = |k: usize| {
            let end = (k + 1) as f64 * LOUDNESS_HOP_S;
            end - MOMENTARY_WINDOW_S >= input.span.start_s - 1e-9 && end <= input.span.end_s + 1e-9
        };
        let momentary: Vec<f64> = readings
            .momentary_lufs
            .iter()
            .enumerate()
            .filter(|(k, _)| input.is_file || in_span(*k))
            .filter_map(|(_, v)| v.map(f64::from))
            .collect();
        let momentary_max = momentary.iter().copied().reduce(f64::max);
        let r2 = |v: f64| round(v, 2);
        let result = if input.is_file {
            let true_peak = readings
                .true_peak
                .iter()
                .fold(0.0f64, |a, b| a.max(*b))
                .max(f64::from(sample_peak));
            let true_peak_dbtp = amplitude_to_db(true_peak);
            let short_max = readings
                .short_term_lufs
                .iter()
                .filter_map(|v| v.map(f64::from))
                .reduce(f64::max);
            let per_curve = (CURVE_HOP_S / LOUDNESS_HOP_S).round() as usize;
            let curve = readings
                .short_term_lufs
                .iter()
                .skip(per_curve - 1)
                .step_by(per_curve)
                .map(|v| v.map(|x| r2(f64::from(x))))
                .collect();
            LoudnessResult {
                integrated_lufs: readings.integrated_lufs.map(r2),
                range_lu: readings.range_lu.map(r2),
                momentary_max_lufs: momentary_max.map(r2),
                short_term_max_lufs: short_max.map(r2),
                true_peak_dbtp: Some(r2(true_peak_dbtp)),
                sample_peak_dbfs: r2(sample_peak_dbfs),
                rms_dbfs: r2(rms_dbfs),
                crest_db: r2(sample_peak_dbfs - rms_dbfs),
                plr_db: readings.integrated_lufs.map(|i| r2(true_peak_dbtp - i)),
                short_term_curve_lufs: Some(curve),
            }
        } else {
            let integrated = gated_loudness(momentary.iter().copied());
            LoudnessResult {
                integrated_lufs: integrated.map(r2),
                range_lu: None,
                momentary_max_lufs: momentary_max.map(r2),
                short_term_max_lufs: None,
                true_peak_dbtp: None,
                sample_peak_dbfs: r2(sample_peak_dbfs),
                rms_dbfs: r2(rms_dbfs),
                crest_db: r2(sample_peak_dbfs - rms_dbfs),
                plr_db: None,
                short_term_curve_lufs: None,
            }
        };
        to_value(&result)
    }
}
