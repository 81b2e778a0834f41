//! [`SpectralAnalyzer`]: timbre summary of a span — centroid, rolloff, bandwidth, flatness,
//! flux, zero-crossing rate, MFCC mean/std, spectral contrast, an octave-band tonal balance
//! and low/mid/high energy ratios — over the span's sounding frames.

use serde::Serialize;

use super::stats::{mean, round, std_dev};
use super::to_value;
use crate::engine::{
    frame_rate_hz, AnalysisInput, Analyzer, AnalyzerError, Feature, FeatureSet, CONTRAST_BANDS,
    MFCC_COUNT, OCTAVE_CENTERS_HZ,
};
use crate::loudness::power_to_db;

/// Frames quieter than this RMS (−80 dBFS) are silence and do not count in the means.
pub const ACTIVE_FRAME_RMS: f32 = 1e-4;

/// Energy per octave band.
#[derive(Debug, Clone, Serialize)]
pub struct TonalBalance {
    /// Band centres in Hz.
    pub centers_hz: Vec<f32>,
    /// Mean power per band in dB relative to full-scale-sine mean square (dBFS-like).
    pub db: Vec<f64>,
}

/// Spectral summary of one span.
#[derive(Debug, Clone, Serialize)]
pub struct SpectralResult {
    /// Frames that counted (sounding frames).
    pub frames: usize,
    /// Mean spectral centroid in Hz.
    pub centroid_hz: f64,
    /// Mean rolloff (85 %) in Hz.
    pub rolloff_hz: f64,
    /// Mean bandwidth in Hz.
    pub bandwidth_hz: f64,
    /// Mean flatness (0 tonal .. 1 white noise).
    pub flatness: f64,
    /// Mean spectral flux.
    pub flux: f64,
    /// Mean zero-crossing rate (crossings per sample at the analysis rate).
    pub zcr: f64,
    /// MFCC means.
    pub mfcc_mean: Vec<f64>,
    /// MFCC standard deviations.
    pub mfcc_std: Vec<f64>,
    /// Mean spectral contrast per sub-band in dB.
    pub contrast_db: Vec<f64>,
    /// Octave-band energy.
    pub tonal_balance: TonalBalance,
    /// Share of energy below 250 Hz.
    pub low_ratio: f64,
    /// Share of energy between 250 Hz and 4 kHz.
    pub mid_ratio: f64,
    /// Share of energy above 4 kHz.
    pub high_ratio: f64,
}

/// The spectral / timbre analyzer.
#[derive(Debug, Clone, Copy, Default)]
pub struct SpectralAnalyzer;

impl Analyzer for SpectralAnalyzer {
    fn name(&self) -> &'static str {
        "spectral"
    }
    fn version(&self) -> u32 {
        1
    }
    fn needs(&self) -> FeatureSet {
        FeatureSet::of(&[Feature::Spectrum])
    }
    fn per_region(&self) -> bool {
        true
    }
    fn analyze(&self, input: &AnalysisInput<'_>) -> Result<serde_json::Value, AnalyzerError> {
        let f = &input.cache.frames;
        let hop_s = 1.0 / f64::from(frame_rate_hz());
        let range = input
            .span
            .index_range(hop_s, f.centroid_hz.len().min(f.rms.len()));
        let active: Vec<usize> = range.filter(|&i| f.rms[i] > ACTIVE_FRAME_RMS).collect();
        let avg = |v: &Vec<f32>| round(f64::from(mean(active.iter().map(|&i| v[i]))), 4);
        let r = |v: f32, d: i32| round(f64::from(v), d);
        let mut mfcc_mean = Vec::with_capacity(MFCC_COUNT);
        let mut mfcc_std = Vec::with_capacity(MFCC_COUNT);
        for c in 0..MFCC_COUNT {
            let col: Vec<f32> = active.iter().map(|&i| f.mfcc[i][c]).collect();
            mfcc_mean.push(r(mean(col.iter().copied()), 3));
            mfcc_std.push(r(std_dev(&col), 3));
        }
        let contrast_db = (0..CONTRAST_BANDS)
            .map(|b| r(mean(active.iter().map(|&i| f.contrast[i][b])), 3))
            .collect();
        let db = (0..OCTAVE_CENTERS_HZ.len())
            .map(|b| {
                round(
                    power_to_db(f64::from(mean(
                        active.iter().map(|&i| f.octave_power[i][b]),
                    ))),
                    2,
                )
            })
            .collect();
        let mut lmh = [0.0f64; 3];
        for &i in &active {
            for (a, p) in lmh.iter_mut().zip(f.low_mid_high_power[i]) {
                *a += f64::from(p);
            }
        }
        let total = lmh.iter().sum::<f64>().max(f64::MIN_POSITIVE);
        to_value(&SpectralResult {
            frames: active.len(),
            centroid_hz: avg(&f.centroid_hz),
            rolloff_hz: avg(&f.rolloff_hz),
            bandwidth_hz: avg(&f.bandwidth_hz),
            flatness: avg(&f.flatness),
            flux: avg(&f.flux),
            zcr: avg(&f.zcr),
            mfcc_mean,
            mfcc_std,
            contrast_db,
            tonal_balance: TonalBalance {
                centers_hz: OCTAVE_CENTERS_HZ.to_vec(),
                db,
            },
            low_ratio: round(lmh[0] / total, 4),
            mid_ratio: round(lmh[1] / total, 4),
            high_ratio: round(lmh[2] / total, 4),
        })
    }
}
