//! Audio analysis for tonewheel, in two parts.
//!
//! The **analysis engine** ([`engine`], [`analyzers`], [`mir`]) decodes a file once, streaming,
//! into a typed feature cache (BS.1770 meter, level blocks, waveform pixels, and per-frame
//! reductions of one 22 050 Hz STFT: spectral shape, MFCC, contrast, octave bands, stereo
//! terms, onset strength, chroma), splits it into regions by silence, and runs a registry of
//! analyzers (loudness, spectral, stereo, tempo, key, pitch, dynamics, structure, peaks) on
//! the file and its regions, each isolated so a failing one never stops the others. Memory
//! grows only with the per-frame features (about 40 MB per hour of audio).
//!
//! ```
//! use tonewheel_analysis::engine::{Engine, Registry};
//! use tonewheel_audio::AudioBuffer;
//!
//! let tone: Vec<f32> = (0..44_100)
//!     .map(|i| 0.5 * (std::f32::consts::TAU * 440.0 * i as f32 / 44_100.0).sin())
//!     .collect();
//! let audio = AudioBuffer::from_channels(44_100, vec![tone]).unwrap();
//! let engine = Engine::new(Registry::defaults().select(&["loudness", "spectral"]).unwrap());
//! let report = engine.analyze_buffer(&audio).unwrap().to_json();
//! assert!((report["spectral"]["centroid_hz"].as_f64().unwrap() - 440.0).abs() < 20.0);
//! assert_eq!(report["regions"].as_array().unwrap().len(), 1);
//! ```
//!
//! The second part is the **quality gate**: every preset preview
//! passes [`assess_quality`] before a producer hears it, and sounds scoring below
//! [`REJECT_BELOW`] are rejected.
//!
//! The crate owns the measurements the gate needs, each computed from the audio alone:
//! loudness and true peak through `ebur128` ([`measure_loudness`]), a long-term average
//! spectrum with band energies, centroid, flatness and harshness ([`AverageSpectrum`],
//! [`SpectralFeatures`]), a harmonic analysis with an aliasing estimate
//! ([`analyse_harmonics`]), an amplitude envelope with attack, sustain, decay, tail, release
//! and noise floor ([`temporal_features`]) and sample-level checks for NaN/Inf, DC, clipping
//! and stereo correlation ([`check_signal`]). Role expectations are data ([`PROFILES`]).
//! Every formula, threshold and weight is documented in `docs/quality.md`.
//!
//! The third part, [`descriptors`], measures what search words mean ([`describe`]):
//! brightness, warmth, attack, decay, width, noisiness, pitchedness, movement and punch.
//!
//! It must never: panic on audio content (NaN, Inf, silence, empty or one-sample buffers are
//! reported, not crashed on), change the audio it is given, print, or depend on anything but
//! the audio, the role, the musical context and the options (no files, no clock, no
//! randomness: the same input gives the same report).
//!
//! ```
//! use tonewheel_analysis::{assess_quality, REJECT_BELOW};
//! use tonewheel_audio::{AudioBuffer, MusicalContext, Role};
//!
//! // One second of a 55 Hz sine bass with a 5 ms attack, in stereo.
//! let rate = 48_000;
//! let samples: Vec<f32> = (0..rate)
//!     .map(|i| {
//!         let t = i as f32 / rate as f32;
//!         0.2 * (t / 0.005).min(1.0) * (2.0 * std::f32::consts::PI * 55.0 * t).sin()
//!     })
//!     .collect();
//! let audio = AudioBuffer::from_channels(rate as u32, vec![samples.clone(), samples]).unwrap();
//! let report = assess_quality(&audio, Role::Bass, &MusicalContext::default());
//! assert!(report.semantic_match > 0.8);
//! assert!(report.overall_score >= REJECT_BELOW && report.accepted());
//! ```

pub mod analyzers;
pub mod descriptors;
pub mod engine;
mod envelope;
mod findings;
mod harmonic;
mod loudness;
pub mod mir;
mod profiles;
mod quality;
mod signal;
mod spectrum;

pub use descriptors::{describe, DescribeOptions, Descriptor, Descriptors, DESCRIPTORS_VERSION};
pub use envelope::{temporal_features, ReleaseFeatures, TemporalFeatures};
pub use harmonic::{analyse_harmonics, HarmonicAnalysis};
pub use loudness::{amplitude_to_db, measure_loudness, power_to_db, LoudnessSummary, DB_FLOOR};
pub use profiles::{profile, Criterion, Feature, RoleProfile, Scale, Target, PROFILES};
pub use quality::{
    assess_quality, assess_quality_with, ComponentWeights, MixWeights, PerceptualWeights,
    QualityMeasurements, QualityOptions, QualityReport, ScoreTerm, Violation, OVERALL_WEIGHTS,
    REJECT_BELOW, VIOLATION_CAP,
};
pub use signal::{check_signal, SignalChecks};
pub use spectrum::{AverageSpectrum, BandEnergy, SpectralFeatures};

/// Named constants of every measurement and score, for reading reports and `docs/quality.md`.
pub mod constants {
    pub use crate::envelope::{
        ATTACK_END, ATTACK_START, END_RANGE_DB, ENV_BLOCK_S, ENV_HOLD_S, NOISE_MAX_DB,
        NOISE_STEADY_DB, NOISE_WINDOWS, NOISE_WINDOW_S, TAIL_S,
    };
    pub use crate::harmonic::{
        HARMONIC_HALF_WIDTH_BINS, MAX_SERIES, MIN_EXPLAINED, MIN_F0_BINS, MIN_SERIES_SHARE,
        NYQUIST_GUARD_BINS,
    };
    pub use crate::loudness::GATING_BLOCK_S;
    pub use crate::quality::{
        ABRUPT_END_DB, ALIASING_DB, CLIP_VIOLATION_FRACTION, DC, DC_VIOLATION_DBFS, GROWTH,
        HEADROOM, HEADROOM_TARGET_DBTP, LEVEL, LOUDNESS, MIX_WEIGHTS, NOISE_FLOOR,
        NO_DECAY_TAIL_DB, PERCEPTUAL_WEIGHTS, PITCH_WARNING_CENTS, PLR, PREVIEW_TARGET_LUFS,
        RELEASED_DB, RELEASE_JUDGE_S, RELEASE_RATE, RELEASE_VIOLATION_S, RUNAWAY_AFTER_S,
        RUNAWAY_LATE_RISE_DB, RUNAWAY_MIN_LEVEL_DB, RUNAWAY_PEAK_DBFS, RUNAWAY_RISE_DB,
        SCORE_FLOOR, SEMANTIC_WARNING, SILENT_PEAK_DBFS, STUCK_RATE_DB_PER_S, TAIL_DECAY,
        TUNING_WARNING_CENTS,
    };
    pub use crate::signal::{CLIP_RUN, FULL_SCALE};
    pub use crate::spectrum::{
        AIR_BAND_HZ, FLATNESS_RANGE_DB, FRAME_LEN, HIGH_BAND_HZ, HOP, LOW_BAND_HZ, OCTAVE_EDGES_HZ,
        PRESENCE_BAND_HZ,
    };
}
