//! Music-information-retrieval algorithms: onsets, tempo, beats, chroma, key, pitch and
//! section boundaries.
//!
//! The engine feeds these from one pass over a file: mono audio at 22 050 Hz, one STFT (Hann
//! window, 2048-point FFT, hop 512, about 43.07 frames/s) whose per-frame linear magnitude
//! spectra (1025 bins) go to the push-style extractors ([`OnsetDetector`],
//! [`ChromaExtractor`]); only their small per-frame outputs are kept, so a 60-minute file
//! stays within a few MB here. The batch functions ([`estimate_tempo`], [`track_beats`],
//! [`estimate_key`], [`section_boundaries`], [`estimate_pitch`]) then read those reduced
//! features.
//!
//! ```
//! use tonewheel_analysis::mir::{estimate_key, estimate_pitch, Mode};
//!
//! // Half a second of A4 (440 Hz) with two overtones, at the engine's analysis rate.
//! let rate_hz = 22_050.0;
//! let tone: Vec<f32> = (0..11_025)
//!     .map(|i| {
//!         let t = i as f32 / rate_hz;
//!         (1..=3).map(|k| (std::f32::consts::TAU * 440.0 * k as f32 * t).sin() / k as f32).sum()
//!     })
//!     .collect();
//! let pitch = estimate_pitch(&tone, rate_hz).unwrap();
//! assert_eq!(pitch.note_name, "A4");
//! assert!(pitch.cents.abs() < 1.0);
//!
//! // Chroma frames of a C major triad (C, E, G) key as C major.
//! let mut triad = [0.0f32; 12];
//! triad[0] = 1.0;
//! triad[4] = 0.8;
//! triad[7] = 0.9;
//! let key = estimate_key(&[triad; 10], &[1.0; 10]).unwrap();
//! assert_eq!((key.tonic, key.mode), ("C", Mode::Major));
//! ```
//!
//! # Frame time convention
//! Frame `i` of an envelope sampled at `frame_rate_hz` is taken to be **centred** at
//! `i / frame_rate_hz` seconds (librosa's `center=True`: the signal is padded with half a
//! window of zeros in front). An engine whose frame `i` *starts* at `i · hop` must add
//! `fft_size / 2 / sample_rate_hz` (46.4 ms at 2048/22 050 Hz) to the times returned by
//! [`pick_onsets`] and [`track_beats`].
//!
//! # Hostile input
//! Every function accepts empty slices, NaN and infinite values (treated as 0), all-zero
//! input and single frames: the answer is then `None` or empty, never a panic. Memory is
//! proportional to the input length at most (the novelty curve keeps a band of the
//! self-similarity matrix, never the whole matrix).

mod beats;
mod chroma;
mod key;
mod novelty;
mod onset;
mod pitch;
mod tempo;

pub use beats::track_beats;
pub use chroma::{ChromaExtractor, CHROMA_MAX_HZ, CHROMA_MIN_HZ};
pub use key::{
    estimate_key, mean_chroma, KeyCandidate, KeyEstimate, Mode, MAJOR_PROFILE, MINOR_PROFILE,
    PITCH_CLASS_NAMES, TONAL_MIN_CONFIDENCE,
};
pub use novelty::{novelty_curve, section_boundaries};
pub use onset::{pick_onsets, OnsetDetector, MAX_FFT_SIZE, ONSET_LAG_S};
pub use pitch::{estimate_pitch, PitchEstimate};
pub use tempo::{
    estimate_tempo, estimate_tempo_with, Meter, TempoEstimate, TempoOptions, MAX_BPM, MIN_BPM,
};

/// A finite value, or 0 for NaN and infinities: hostile input is read as silence.
pub(crate) fn finite_or_zero(value: f32) -> f32 {
    if value.is_finite() {
        value
    } else {
        0.0
    }
}
