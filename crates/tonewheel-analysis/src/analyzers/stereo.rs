//! [`StereoAnalyzer`]: stereo width, L/R correlation, mid/side ratio, per-band width and mono
//! compatibility of a span, from per-frame L·R sums and mid/side band powers.
//!
//! With M = (L+R)/2 and S = (L−R)/2: width = E_S / (E_M + E_S) (0 mono, 0.5 uncorrelated,
//! 1 anti-phase); correlation = ΣLR / √(ΣL²·ΣR²); mono loss = 10·log10(E_M / (E_M + E_S)),
//! the level change of a mono fold-down relative to the mean of L and R.

use serde::Serialize;

use super::stats::round;
use super::to_value;
use crate::engine::{frame_rate_hz, AnalysisInput, Analyzer, AnalyzerError, Feature, FeatureSet};
use crate::loudness::power_to_db;

/// Stereo image of one span.
#[derive(Debug, Clone, Serialize)]
pub struct StereoResult {
    /// True for a single-channel file (all values are then those of a centred mono source).
    pub mono: bool,
    /// Side share of the energy: 0 mono .. 0.5 uncorrelated .. 1 anti-phase.
    pub width: f64,
    /// Pearson correlation of L and R without mean removal (−1..1); `null` for silence.
    pub correlation: Option<f64>,
    /// Mid over side energy in dB (floored at ±120).
    pub mid_side_ratio_db: f64,
    /// Width below 250 Hz, 250 Hz–4 kHz and above 4 kHz.
    pub band_width: [f64; 3],
    /// Level change of the mono fold-down relative to the mean of L and R, in dB (≤ 0).
    pub mono_loss_db: f64,
    /// 1 − width: the share of the energy that survives a mono fold-down.
    pub mono_compatibility: f64,
}

/// The stereo analyzer.
#[derive(Debug, Clone, Copy, Default)]
pub struct StereoAnalyzer;

impl Analyzer for StereoAnalyzer {
    fn name(&self) -> &'static str {
        "stereo"
    }
    fn version(&self) -> u32 {
        1
    }
    fn needs(&self) -> FeatureSet {
        FeatureSet::of(&[Feature::Stereo])
    }
    fn per_region(&self) -> bool {
        true
    }
    fn analyze(&self, input: &AnalysisInput<'_>) -> Result<serde_json::Value, AnalyzerError> {
        if input.cache.facts.channels < 2 {
            return to_value(&StereoResult {
                mono: true,
                width: 0.0,
                correlation: Some(1.0),
                mid_side_ratio_db: 120.0,
                band_width: [0.0; 3],
                mono_loss_db: 0.0,
                mono_compatibility: 1.0,
            });
        }
        let frames = &input.cache.frames.stereo;
        let hop_s = 1.0 / f64::from(frame_rate_hz());
        let range = input.span.index_range(hop_s, frames.len());
        let (mut lr, mut ll, mut rr) = (0.0f64, 0.0f64, 0.0f64);
        let (mut mb, mut sb) = ([0.0f64; 3], [0.0f64; 3]);
        for st in &frames[range] {
            lr += f64::from(st.lr);
            ll += f64::from(st.ll);
            rr += f64::from(st.rr);
            for b in 0..3 {
                mb[b] += f64::from(st.mid_band_power[b]);
                sb[b] += f64::from(st.side_band_power[b]);
            }
        }
        let e_m = ((ll + rr + 2.0 * lr) / 4.0).max(0.0);
        let e_s = ((ll + rr - 2.0 * lr) / 4.0).max(0.0);
        let total = e_m + e_s;
        let width = if total > 0.0 { e_s / total } else { 0.0 };
        let correlation = (ll > 0.0 && rr > 0.0).then(|| (lr / (ll * rr).sqrt()).clamp(-1.0, 1.0));
        let ratio_db = (power_to_db(e_m) - power_to_db(e_s)).clamp(-120.0, 120.0);
        let band_width = std::array::from_fn(|b| {
            let t = mb[b] + sb[b];
            round(if t > 0.0 { sb[b] / t } else { 0.0 }, 4)
        });
        let mono_loss_db = if total > 0.0 {
            (10.0 * (e_m / total).max(1e-12).log10()).max(-120.0)
        } else {
            0.0
        };
        to_value(&StereoResult {
            mono: false,
            width: round(width, 4),
            correlation: correlation.map(|c| round(c, 4)),
            mid_side_ratio_db: round(ratio_db, 2),
            band_width,
            mono_loss_db: round(mono_loss_db, 2),
            mono_compatibility: round(1.0 - width, 4),
        })
    }
}
