//! [`StructureAnalyzer`]: section boundaries from a novelty curve over 2 frames/s summaries of
//! MFCC and chroma (Foote's checkerboard kernel, in [`crate::mir::novelty`]).

use serde::Serialize;

use super::stats::round;
use super::to_value;
use crate::engine::{frame_rate_hz, AnalysisInput, Analyzer, AnalyzerError, Feature, FeatureSet};
use crate::mir::section_boundaries;

/// Summary frames per second handed to the novelty search.
pub const SUMMARY_RATE_HZ: f32 = 2.0;

/// Sections of the file.
#[derive(Debug, Clone, Serialize)]
pub struct StructureResult {
    /// Boundaries between sections in seconds.
    pub boundaries_s: Vec<f64>,
    /// The sections as `[start_s, end_s]` pairs.
    pub sections: Vec<[f64; 2]>,
}

/// The structure analyzer.
#[derive(Debug, Clone, Copy, Default)]
pub struct StructureAnalyzer;

impl Analyzer for StructureAnalyzer {
    fn name(&self) -> &'static str {
        "structure"
    }
    fn version(&self) -> u32 {
        1
    }
    fn needs(&self) -> FeatureSet {
        FeatureSet::of(&[Feature::Spectrum, Feature::Chroma])
    }
    fn analyze(&self, input: &AnalysisInput<'_>) -> Result<serde_json::Value, AnalyzerError> {
        let f = &input.cache.frames;
        let n = f.mfcc.len().min(f.chroma.len());
        let per = (frame_rate_hz() / SUMMARY_RATE_HZ).round().max(1.0) as usize;
        // Means of 13 MFCC + 12 chroma over each half second.
        let mut summary: Vec<Vec<f32>> = Vec::with_capacity(n / per + 1);
        for start in (0..n).step_by(per) {
            let end = (start + per).min(n);
            let mut v = vec![0.0f32; 25];
            for i in start..end {
                for (d, m) in v.iter_mut().zip(f.mfcc[i].iter().chain(f.chroma[i].iter())) {
                    *d += m;
                }
            }
            let k = (end - start) as f32;
            v.iter_mut().for_each(|x| *x /= k);
            summary.push(v);
        }
        // z-score each dimension so MFCC (tens of dB) and chroma (0..1) weigh alike.
        for d in 0..25 {
            let col: Vec<f32> = summary.iter().map(|v| v[d]).collect();
            let m = super::stats::mean(col.iter().copied());
            let s = super::stats::std_dev(&col).max(1e-6);
            for v in &mut summary {
                v[d] = (v[d] - m) / s;
            }
        }
        let boundaries: Vec<f64> = section_boundaries(&summary, SUMMARY_RATE_HZ)
            .into_iter()
            .map(|b| round(b, 2))
            .collect();
        let end = input.cache.facts.duration_s;
        let mut edges = vec![0.0];
        edges.extend(boundaries.iter().copied().filter(|b| *b > 0.0 && *b < end));
        edges.push(round(end, 2));
        let sections = edges.windows(2).map(|w| [w[0], w[1]]).collect();
        to_value(&StructureResult {
            boundaries_s: boundaries,
            sections,
        })
    }
}
