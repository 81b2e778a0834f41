//! [`FeatureCache`]: everything the single decoding pass keeps about one file — file facts,
//! block levels, the loudness meter's readings, waveform pixels and per-frame reduced
//! features at the analysis rate. Never the audio itself (except a bounded pitch excerpt)
//! and never a spectrogram.

use serde::Serialize;

use super::features::FeatureSet;
use super::peaks::WaveformPeaks;
use super::reduce::{CONTRAST_BANDS, MFCC_COUNT, OCTAVE_BANDS};

/// Length of one level block (for regions and per-region peaks) in seconds.
pub const LEVEL_BLOCK_S: f64 = 0.01;
/// Hop between momentary / short-term loudness readings in seconds (EBU Tech 3341 asks for at
/// least 10 readings per second).
pub const LOUDNESS_HOP_S: f64 = 0.1;
/// Hop of the short-term loudness curve kept for the energy curve, in seconds.
pub const CURVE_HOP_S: f64 = 1.0;
/// Seconds of analysis-rate mono audio kept from the start of the file for pitch estimation.
pub const PITCH_AUDIO_S: f64 = 10.0;

/// Facts about the file as decoded.
#[derive(Debug, Clone, Serialize)]
pub struct FileFacts {
    /// Native sample rate in Hz.
    pub sample_rate: u32,
    /// Channel count.
    pub channels: usize,
    /// Decoded frames.
    pub frames: u64,
    /// Decoded length in seconds.
    pub duration_s: f64,
    /// Samples that were NaN or infinite and were analysed as 0.
    pub non_finite_samples: u64,
}

/// Native-rate level blocks of [`LEVEL_BLOCK_S`], always computed (regions need them).
#[derive(Debug, Clone, Default)]
pub struct LevelBlocks {
    /// Mean square over the block and all channels.
    pub power: Vec<f32>,
    /// Largest absolute sample in the block over all channels.
    pub peak: Vec<f32>,
    /// Largest absolute sample per channel over the whole file.
    pub channel_peak: Vec<f32>,
    /// Sum of squares per channel over the whole file.
    pub channel_sum_sq: Vec<f64>,
}

/// What the BS.1770 meter measured (when [`super::Feature::Loudness`] was asked for).
#[derive(Debug, Clone, Default)]
pub struct LoudnessReadings {
    /// Gated integrated loudness in LUFS; `None` below the absolute gate.
    pub integrated_lufs: Option<f64>,
    /// Loudness range in LU (EBU Tech 3342); `None` when it cannot be computed.
    pub range_lu: Option<f64>,
    /// True peak per channel (linear).
    pub true_peak: Vec<f64>,
    /// Momentary (400 ms) loudness every [`LOUDNESS_HOP_S`], LUFS (`-inf` → `None`).
    pub momentary_lufs: Vec<Option<f32>>,
    /// Short-term (3 s) loudness every [`LOUDNESS_HOP_S`], LUFS.
    pub short_term_lufs: Vec<Option<f32>>,
}

/// One frame's stereo terms (analysis rate; sums over the frame's hop or its spectrum).
#[derive(Debug, Clone, Copy, Default)]
pub struct StereoFrame {
    /// Σ L·R over the hop.
    pub lr: f32,
    /// Σ L² over the hop.
    pub ll: f32,
    /// Σ R² over the hop.
    pub rr: f32,
    /// Mid power in the low / mid / high bands (from the mono spectrum).
    pub mid_band_power: [f32; 3],
    /// Side power in the low / mid / high bands (from the side spectrum).
    pub side_band_power: [f32; 3],
}

/// Per-frame reduced features at the analysis rate (hop [`super::stft::HOP`] at
/// [`super::stft::ANALYSIS_RATE_HZ`]); frame `i` is centred on `i · hop_s`. Each vector is
/// empty when its feature was not asked for.
#[derive(Debug, Clone, Default)]
pub struct FrameFeatures {
    /// RMS of the mono frame (unwindowed).
    pub rms: Vec<f32>,
    /// Zero-crossing rate of the mono frame (crossings per sample).
    pub zcr: Vec<f32>,
    /// Spectral centroid in Hz.
    pub centroid_hz: Vec<f32>,
    /// Spectral rolloff in Hz.
    pub rolloff_hz: Vec<f32>,
    /// Spectral bandwidth in Hz.
    pub bandwidth_hz: Vec<f32>,
    /// Spectral flatness 0..1.
    pub flatness: Vec<f32>,
    /// Spectral flux.
    pub flux: Vec<f32>,
    /// MFCC per frame.
    pub mfcc: Vec<[f32; MFCC_COUNT]>,
    /// Spectral contrast per frame in dB.
    pub contrast: Vec<[f32; CONTRAST_BANDS]>,
    /// Octave-band power per frame (linear mean square).
    pub octave_power: Vec<[f32; OCTAVE_BANDS]>,
    /// Low / mid / high band power per frame (linear mean square).
    pub low_mid_high_power: Vec<[f32; 3]>,
    /// Onset strength per frame.
    pub onset: Vec<f32>,
    /// Drum-body (low and mid region) onset strength per frame: kicks and snares, no hats.
    pub onset_low: Vec<f32>,
    /// Chroma per frame (index 0 = C).
    pub chroma: Vec<[f32; 12]>,
    /// Stereo terms per frame.
    pub stereo: Vec<StereoFrame>,
}

/// Everything one decoding pass produced for one file.
#[derive(Debug, Clone)]
pub struct FeatureCache {
    /// File facts.
    pub facts: FileFacts,
    /// Which features were computed.
    pub computed: FeatureSet,
    /// Block levels (always).
    pub levels: LevelBlocks,
    /// Meter readings, when computed.
    pub loudness: Option<LoudnessReadings>,
    /// Waveform pixels, when computed.
    pub peaks: Option<WaveformPeaks>,
    /// Per-frame features (empty vectors for features not computed).
    pub frames: FrameFeatures,
    /// How many STFT frames were computed (0 when no analyzer needed the spectrum).
    pub stft_frames: usize,
    /// Tuning estimate from the chroma extractor in cents, when chroma was computed.
    pub tuning_cents: Option<f32>,
    /// The first [`PITCH_AUDIO_S`] seconds of mono audio at the analysis rate.
    pub pitch_audio: Vec<f32>,
}

/// A time span of the file: the whole file or one region.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Span {
    /// Start in seconds.
    pub start_s: f64,
    /// End in seconds.
    pub end_s: f64,
}

impl Span {
    /// Length in seconds.
    pub fn duration_s(&self) -> f64 {
        (self.end_s - self.start_s).max(0.0)
    }

    /// Index range of a sequence sampled every `hop_s` seconds (item `i` at `i · hop_s`)
    /// that falls inside the span, clamped to `len`.
    pub fn index_range(&self, hop_s: f64, len: usize) -> std::ops::Range<usize> {
        if hop_s <= 0.0 {
            return 0..0;
        }
        let a = ((self.start_s / hop_s).floor().max(0.0) as usize).min(len);
        let b = ((self.end_s / hop_s).ceil().max(0.0) as usize).min(len);
        a..b.max(a)
    }
}

impl FeatureCache {
    /// The whole file as a span.
    pub fn file_span(&self) -> Span {
        Span {
            start_s: 0.0,
            end_s: self.facts.duration_s,
        }
    }
}
