//! The analysis engine: one decoding pass per file into a typed [`FeatureCache`], silence
//! [`regions`](find_regions), and a [`Registry`] of [`Analyzer`]s run in isolation on the file and
//! its regions.
//!
//! ```no_run
//! use tonewheel_analysis::engine::{Engine, Registry};
//! let engine = Engine::new(Registry::defaults());
//! let report = engine.analyze_file(std::path::Path::new("loop.wav")).unwrap();
//! println!("{}", report.to_json());
//! ```

mod analyzer;
mod cache;
mod error;
mod extract;
mod features;
mod lanes;
mod meter;
mod peaks;
mod reduce;
mod regions;
mod stft;
mod true_peak;

pub use analyzer::{
    run_analyzers, AnalysisInput, Analyzer, AnalyzerError, AnalyzerStatus, FileReport,
    RegionReport, Registry, UnknownAnalyzer,
};
pub use cache::{
    FeatureCache, FileFacts, FrameFeatures, LevelBlocks, LoudnessReadings, Span, StereoFrame,
    CURVE_HOP_S, LEVEL_BLOCK_S, LOUDNESS_HOP_S, PITCH_AUDIO_S,
};
pub use error::EngineError;
pub use extract::{extract_buffer, extract_file, ExtractOptions, Extractor};
pub use features::{Feature, FeatureSet};
pub use peaks::{
    AudiowaveformJson, PeakAccumulator, Waveform, WaveformPeaks, MAX_FINE_PIXELS, OVERVIEW_POINTS,
    ZOOM_POINTS,
};
pub use reduce::{
    bin_hz, power_scale, SpectralFrame, SpectralReducer, CONTRAST_BANDS, CONTRAST_EDGES_HZ,
    LOW_MID_HZ, MEL_BANDS, MFCC_COUNT, MID_HIGH_HZ, OCTAVE_BANDS, OCTAVE_CENTERS_HZ,
    ROLLOFF_FRACTION,
};
pub use regions::{find_regions, RegionOptions};
pub use stft::{frame_rate_hz, Stft, ANALYSIS_RATE_HZ, BINS, FFT_SIZE, HOP};

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

/// A configured engine: which analyzers, how regions are found, extraction options.
#[derive(Debug)]
pub struct Engine {
    /// The analyzers to run.
    pub registry: Registry,
    /// Region splitting.
    pub region_options: RegionOptions,
    /// Extraction options.
    pub extract_options: ExtractOptions,
}

impl Engine {
    /// An engine with default region and extraction options.
    pub fn new(registry: Registry) -> Self {
        Self {
            registry,
            region_options: RegionOptions::default(),
            extract_options: ExtractOptions::default(),
        }
    }

    /// Decodes and analyses one file. Decoding errors (and a panic of the decoding pass) are
    /// an `Err`; analyzer failures are statuses inside the report.
    pub fn analyze_file(&self, path: &std::path::Path) -> Result<FileReport, EngineError> {
        let needs = self.registry.needs();
        let started = Instant::now();
        let cache = catch_unwind(AssertUnwindSafe(|| {
            extract_file(path, needs, self.extract_options)
        }))
        .map_err(|p| EngineError::Panicked(panic_text(p.as_ref())))??;
        Ok(self.finish(&cache, started))
    }

    /// Analyses an in-memory buffer.
    pub fn analyze_buffer(
        &self,
        audio: &tonewheel_audio::AudioBuffer,
    ) -> Result<FileReport, EngineError> {
        let started = Instant::now();
        let cache = extract_buffer(audio, self.registry.needs(), self.extract_options)?;
        Ok(self.finish(&cache, started))
    }

    fn finish(&self, cache: &FeatureCache, started: Instant) -> FileReport {
        let extract_ms = started.elapsed().as_secs_f64() * 1e3;
        let mut report = run_analyzers(&self.registry, cache, &self.region_options);
        report.extract_ms = extract_ms;
        report
    }
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panicked".to_string())
}
