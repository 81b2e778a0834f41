//! Tuning-corrected chroma from magnitude spectra, by spectral peak picking.
//!
//! # Method
//! Each frame's local maxima between [`CHROMA_MIN_HZ`] and [`CHROMA_MAX_HZ`] that are within
//! [`PEAK_RANGE_DB`] of the frame's strongest peak (and above an absolute floor) are located
//! precisely by parabolic interpolation of the log magnitude (a Hann main lobe is nearly a
//! parabola in dB, so the error is a few cents even at 60 Hz where a bin is a semitone).
//! Each peak's deviation from the 440 Hz equal-tempered grid feeds a magnitude-weighted
//! circular mean (the tuning estimate, updated before the frame's chroma is computed, so the
//! correction follows the file from its first tonal frames). The peak then adds its
//! magnitude to the pitch class nearest to its tuning-corrected pitch.
//!
//! Harmonics: peak picking keeps partials as separate peaks; the 2nd and 4th fall on the
//! note's own class, the 3rd and 6th on its fifth, the 5th on its major third, all with
//! falling amplitudes. These are also present in the audio the key profiles were fitted to
//! (see `key.rs`), so they are kept, not suppressed; measured on harmonic-rich chord
//! progressions in the tests.

use super::finite_or_zero;
use super::onset::MAX_FFT_SIZE;

/// Lowest frequency whose peaks enter the chroma (Hz).
pub const CHROMA_MIN_HZ: f32 = 60.0;
/// Highest frequency whose peaks enter the chroma (Hz): above it partials of different
/// notes crowd and noise dominates.
pub const CHROMA_MAX_HZ: f32 = 5_000.0;
/// Peaks more than this far below the frame's strongest peak are ignored (dB).
pub const PEAK_RANGE_DB: f32 = 50.0;
/// Peaks that feed the tuning estimate must be within this of the strongest peak (dB).
pub const TUNING_PEAK_RANGE_DB: f32 = 30.0;

/// Push-style chroma extractor with a running tuning estimate.
#[derive(Debug, Clone)]
pub struct ChromaExtractor {
    first_bin: usize,
    last_bin: usize,
    /// Magnitude of a full-scale sine's peak bin; the absolute floor is relative to it.
    full_scale: f32,
    /// Weighted sums of cos/sin of the deviation phase (2π · deviation in semitones).
    tuning_cos: f64,
    tuning_sin: f64,
    tuning_weight: f64,
    /// Fixed tuning (cents) set by [`ChromaExtractor::with_tuning_cents`].
    fixed_tuning_cents: Option<f32>,
    /// Peaks of the current frame: (fractional midi pitch, magnitude); reused per frame.
    peaks: Vec<(f32, f32)>,
    /// MIDI pitch of each bin's centre frequency (bin 0 reads as bin 1).
    midi_of_bin: Vec<f32>,
    /// cos and sin of 2π · deviation for deviations -0.5..0.5 semitone in 1-cent steps.
    phase_table: Vec<(f32, f32)>,
}

/// Resolution of the tuning accumulator: 1 cent.
const TUNING_STEPS: usize = 100;

impl ChromaExtractor {
    /// An extractor for spectra of an `fft_size`-point FFT of audio at `sample_rate_hz`.
    /// Degenerate arguments give an extractor whose chroma is always zero.
    pub fn new(fft_size: usize, sample_rate_hz: f32) -> Self {
        // The pitch table has one entry per bin: absurd sizes give a silent extractor.
        let valid = (4..=MAX_FFT_SIZE).contains(&fft_size)
            && sample_rate_hz.is_finite()
            && sample_rate_hz > 0.0;
        let bin_hz = if valid {
            sample_rate_hz / fft_size as f32
        } else {
            1.0
        };
        let bins = fft_size / 2 + 1;
        let first_bin = ((CHROMA_MIN_HZ / bin_hz).floor() as usize).max(1);
        let last_bin = if valid {
            ((CHROMA_MAX_HZ / bin_hz).ceil() as usize).min(bins.saturating_sub(2))
        } else {
            0
        };
        Self {
            first_bin,
            last_bin,
            full_scale: (fft_size as f32 / 4.0).max(1.0),
            tuning_cos: 0.0,
            tuning_sin: 0.0,
            tuning_weight: 0.0,
            fixed_tuning_cents: None,
            peaks: Vec::new(),
            midi_of_bin: (0..=last_bin + 1)
                .map(|k| 69.0 + 12.0 * ((k.max(1) as f32 * bin_hz) / 440.0).log2())
                .collect(),
            phase_table: (0..TUNING_STEPS)
                .map(|i| {
                    let phase = std::f32::consts::TAU * (i as f32 / TUNING_STEPS as f32 - 0.5);
                    (phase.cos(), phase.sin())
                })
                .collect(),
        }
    }

    /// The same extractor with a known tuning (cents from A = 440 Hz), e.g. from a first
    /// pass; the running estimate is then still accumulated but not used.
    pub fn with_tuning_cents(mut self, cents: f32) -> Self {
        self.fixed_tuning_cents = Some(finite_or_zero(cents).clamp(-50.0, 50.0));
        self
    }

    /// Chroma of one magnitude spectrum: summed peak magnitude per pitch class, index 0 = C.
    /// Not normalised (a silent frame gives zeros). Missing bins read as 0, NaN/Inf as 0.
    pub fn push(&mut self, magnitude: &[f32]) -> [f32; 12] {
        let mut chroma = [0.0f32; 12];
        self.peaks.clear();
        let last_bin = self.last_bin.min(magnitude.len().saturating_sub(2));
        if last_bin <= self.first_bin {
            return chroma;
        }
        let mag = |k: usize| finite_or_zero(magnitude[k]).abs();
        // Peaks far below the frame's strongest bin never count: skip their interpolation
        // (noisy frames have a local maximum every few bins).
        let strongest = (self.first_bin..=last_bin).map(mag).fold(0.0f32, f32::max);
        let silence = self.full_scale * 1e-4; // -80 dBFS
        if strongest <= silence {
            return chroma;
        }
        let floor = silence.max(strongest * 10f32.powf(-PEAK_RANGE_DB / 20.0));
        for k in self.first_bin..=last_bin {
            let (a, b, c) = (mag(k - 1), mag(k), mag(k + 1));
            if b > a && b >= c && b >= floor {
                // Parabolic interpolation of the log magnitude around the peak bin.
                let (la, lb, lc) = (a.max(1e-12).ln(), b.ln(), c.max(1e-12).ln());
                let denom = la - 2.0 * lb + lc;
                let offset = if denom < 0.0 {
                    (0.5 * (la - lc) / denom).clamp(-0.5, 0.5)
                } else {
                    0.0
                };
                // Pitch by linear interpolation of the per-bin pitch table (log2 is smooth:
                // under 1 cent of error above 120 Hz, 6 cents at the lowest bin).
                let (lo, hi, frac) = if offset >= 0.0 {
                    (k, k + 1, offset)
                } else {
                    (k - 1, k, 1.0 + offset)
                };
                let midi =
                    self.midi_of_bin[lo] + (self.midi_of_bin[hi] - self.midi_of_bin[lo]) * frac;
                // The bin magnitude weighs the peak (the interpolated height differs by at
                // most 1.4 dB for a Hann window).
                self.peaks.push((midi, b));
            }
        }
        let tuning_floor = strongest * 10f32.powf(-TUNING_PEAK_RANGE_DB / 20.0);
        for &(midi, m) in &self.peaks {
            if m >= tuning_floor {
                let deviation = midi - midi.round();
                let index =
                    (((deviation + 0.5) * TUNING_STEPS as f32).round() as usize) % TUNING_STEPS;
                let (cos, sin) = self.phase_table[index];
                self.tuning_cos += f64::from(m * cos);
                self.tuning_sin += f64::from(m * sin);
                self.tuning_weight += f64::from(m);
            }
        }
        let tuning_semitones = self.tuning_cents() / 100.0;
        for &(midi, m) in &self.peaks {
            let corrected = (midi - tuning_semitones).round() as i64;
            chroma[corrected.rem_euclid(12) as usize] += m;
        }
        chroma
    }

    /// Tuning offset (cents, -50..50) from A = 440 Hz: the fixed value if one was set,
    /// otherwise the magnitude-weighted circular mean of the peaks' deviations so far
    /// (0 while the deviations do not agree, e.g. for noise).
    pub fn tuning_cents(&self) -> f32 {
        if let Some(cents) = self.fixed_tuning_cents {
            return cents;
        }
        self.estimated_tuning_cents()
    }

    /// The running tuning estimate (cents), even when a fixed tuning is set.
    pub fn estimated_tuning_cents(&self) -> f32 {
        if self.tuning_weight <= 0.0 {
            return 0.0;
        }
        let resultant = self.tuning_cos.hypot(self.tuning_sin) / self.tuning_weight;
        // Scattered deviations (noise) have a short resultant: no evidence of a tuning.
        if resultant < 0.2 {
            return 0.0;
        }
        let cents = self.tuning_sin.atan2(self.tuning_cos) / std::f64::consts::TAU * 100.0;
        (cents as f32).clamp(-50.0, 50.0)
    }
}
