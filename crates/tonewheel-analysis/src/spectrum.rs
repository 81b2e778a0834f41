//! Long-term average spectrum of a sound and the spectral features computed from it.
//!
//! One STFT per call: frames of [`FRAME_LEN`] samples, Hann window, hop [`HOP`], on the mono
//! downmix with its mean removed (DC is judged separately, from the samples). The power
//! spectra of all frames are summed, so louder frames weigh more: the result describes what
//! the sound's energy is made of, not its quiet tail.

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};
use serde::{Deserialize, Serialize};

/// STFT frame length in samples (42.7 ms, 23.4 Hz bins at 48 kHz).
pub const FRAME_LEN: usize = 2048;
/// STFT hop in samples (50 % overlap, which a Hann window sums to a constant with).
pub const HOP: usize = 1024;

/// Upper edge of the "low" band in Hz: where bass and kick fundamentals and their first
/// harmonics live (issue text: "a bass keeps most energy below ~300 Hz").
pub const LOW_BAND_HZ: f64 = 300.0;
/// Lower edge of the "high" band in Hz (issue text: "a hat is mostly above 5 kHz").
pub const HIGH_BAND_HZ: f64 = 5_000.0;
/// The 2–5 kHz "presence" band where the ear is most sensitive (ISO 226 equal-loudness
/// contours dip there), so excess energy reads as harsh.
pub const PRESENCE_BAND_HZ: (f64, f64) = (2_000.0, 5_000.0);
/// Lower edge of the "air" band in Hz; energy above it reads as sizzle or fizz.
pub const AIR_BAND_HZ: f64 = 10_000.0;
/// Bins more than this many dB below the strongest bin are raised to that floor in the
/// flatness measure, so a filter's stop band cannot drag a noise's flatness to zero (and a
/// pure tone's empty bins still count, at the floor).
pub const FLATNESS_RANGE_DB: f64 = 60.0;
/// Octave band edges in Hz for the reported band energies (the last band runs to Nyquist).
pub const OCTAVE_EDGES_HZ: [f64; 10] = [
    0.0, 62.5, 125.0, 250.0, 500.0, 1_000.0, 2_000.0, 4_000.0, 8_000.0, 16_000.0,
];

/// The summed power spectrum of every STFT frame of a signal.
#[derive(Debug, Clone)]
pub struct AverageSpectrum {
    /// Sample rate of the analysed signal in Hz.
    pub sample_rate: u32,
    /// Width of one bin in Hz (`sample_rate / FRAME_LEN`).
    pub bin_hz: f64,
    /// Mean power per bin over frames, bins `0..=FRAME_LEN/2` (arbitrary but consistent scale).
    pub power: Vec<f64>,
    /// Number of frames that were summed.
    pub frames: usize,
}

impl AverageSpectrum {
    /// Computes the average spectrum of `mono` (non-finite samples count as 0). Signals
    /// shorter than one frame are zero-padded to one frame; in longer ones the last frame is
    /// aligned to the end of the signal.
    pub fn compute(mono: &[f32], sample_rate: u32) -> Self {
        let mut planner = RealFftPlanner::<f32>::new();
        let fft: Arc<dyn RealToComplex<f32>> = planner.plan_fft_forward(FRAME_LEN);
        let mut input = fft.make_input_vec();
        let mut output = fft.make_output_vec();
        let mut scratch = fft.make_scratch_vec();
        let window: Vec<f32> = (0..FRAME_LEN)
            .map(|n| {
                (0.5 - 0.5 * (2.0 * std::f64::consts::PI * n as f64 / FRAME_LEN as f64).cos())
                    as f32
            })
            .collect();

        let len = mono.len();
        let mean = {
            let (sum, count) = mono
                .iter()
                .filter(|s| s.is_finite())
                .fold((0.0f64, 0usize), |(s, c), &x| (s + f64::from(x), c + 1));
            if count > 0 {
                (sum / count as f64) as f32
            } else {
                0.0
            }
        };
        let frames = if len <= FRAME_LEN {
            1
        } else {
            (len - FRAME_LEN).div_ceil(HOP) + 1
        };
        let mut power = vec![0.0f64; FRAME_LEN / 2 + 1];
        for f in 0..frames {
            // The last frame is aligned to the end of the signal rather than zero-padded, so
            // a sound cut off at the end of the buffer is not given an artificial cut.
            let start = if len > FRAME_LEN {
                (f * HOP).min(len - FRAME_LEN)
            } else {
                0
            };
            for (n, slot) in input.iter_mut().enumerate() {
                let s = mono.get(start + n).copied().unwrap_or(mean);
                let s = if s.is_finite() { s - mean } else { 0.0 };
                *slot = s * window[n];
            }
            if fft
                .process_with_scratch(&mut input, &mut output, &mut scratch)
                .is_err()
            {
                continue;
            }
            for (p, c) in power.iter_mut().zip(output.iter()) {
                *p += f64::from(norm_sqr(c));
            }
        }
        let scale = 1.0 / frames as f64;
        power.iter_mut().for_each(|p| *p *= scale);
        Self {
            sample_rate,
            bin_hz: f64::from(sample_rate) / FRAME_LEN as f64,
            power,
            frames,
        }
    }

    /// Nyquist frequency in Hz.
    pub fn nyquist_hz(&self) -> f64 {
        f64::from(self.sample_rate) / 2.0
    }

    /// Centre frequency of bin `k` in Hz.
    pub fn bin_freq(&self, k: usize) -> f64 {
        k as f64 * self.bin_hz
    }

    /// Energy of the bins whose centre lies in `[lo_hz, hi_hz)`, DC bin excluded.
    pub fn band_energy(&self, lo_hz: f64, hi_hz: f64) -> f64 {
        self.power
            .iter()
            .enumerate()
            .skip(1)
            .filter(|(k, _)| {
                let f = self.bin_freq(*k);
                f >= lo_hz && f < hi_hz
            })
            .map(|(_, p)| p)
            .sum()
    }

    /// Energy of every bin but DC.
    pub fn total_energy(&self) -> f64 {
        self.power.iter().skip(1).sum()
    }

    /// `band_energy(lo, hi) / total_energy()`, 0 for silence.
    pub fn fraction(&self, lo_hz: f64, hi_hz: f64) -> f64 {
        let total = self.total_energy();
        if total > 0.0 {
            self.band_energy(lo_hz, hi_hz) / total
        } else {
            0.0
        }
    }

    /// Power-weighted mean frequency in Hz (DC excluded); 0 for silence.
    pub fn centroid_hz(&self) -> f64 {
        let total = self.total_energy();
        if total <= 0.0 {
            return 0.0;
        }
        let weighted: f64 = self
            .power
            .iter()
            .enumerate()
            .skip(1)
            .map(|(k, p)| self.bin_freq(k) * p)
            .sum();
        weighted / total
    }

    /// Spectral flatness (geometric mean / arithmetic mean of power, 0..1) over the bins from
    /// 20 Hz to min(20 kHz, Nyquist), each floored at [`FLATNESS_RANGE_DB`] below the
    /// strongest bin. Near 1 for white noise, below 0.01 for a tone or a harmonic sound, about
    /// 0.04 for white noise high-passed at 6 kHz. 0 for silence.
    pub fn flatness(&self) -> f64 {
        let lo = 20.0;
        let hi = 20_000.0f64.min(self.nyquist_hz());
        let in_band = |k: usize| {
            let f = self.bin_freq(k);
            f >= lo && f <= hi
        };
        let max = (1..self.power.len())
            .filter(|&k| in_band(k))
            .map(|k| self.power[k])
            .fold(0.0f64, f64::max);
        if max <= 0.0 {
            return 0.0;
        }
        let floor = max * 10f64.powf(-FLATNESS_RANGE_DB / 10.0);
        let (mut log_sum, mut sum, mut count) = (0.0f64, 0.0f64, 0usize);
        for k in (1..self.power.len()).filter(|&k| in_band(k)) {
            let p = self.power[k].max(floor);
            log_sum += p.ln();
            sum += p;
            count += 1;
        }
        if count == 0 || sum <= 0.0 {
            return 0.0;
        }
        let n = count as f64;
        ((log_sum / n).exp() / (sum / n)).clamp(0.0, 1.0)
    }
}

fn norm_sqr(c: &Complex<f32>) -> f32 {
    c.re * c.re + c.im * c.im
}

/// Energy share of one frequency band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BandEnergy {
    /// Lower edge in Hz (inclusive).
    pub lo_hz: f64,
    /// Upper edge in Hz (exclusive; Nyquist for the last band).
    pub hi_hz: f64,
    /// Share of the total energy (0..1).
    pub fraction: f64,
}

/// The spectral measurements the quality formulas use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpectralFeatures {
    /// Share of energy below [`LOW_BAND_HZ`] (300 Hz).
    pub low_fraction: f64,
    /// Share of energy at or above [`HIGH_BAND_HZ`] (5 kHz).
    pub high_fraction: f64,
    /// Share of energy in the 2–5 kHz presence band.
    pub presence_fraction: f64,
    /// Share of energy at or above [`AIR_BAND_HZ`] (10 kHz).
    pub air_fraction: f64,
    /// Harshness: `presence_fraction + air_fraction` (see `docs/quality.md`).
    pub harshness: f64,
    /// Power-weighted mean frequency in Hz.
    pub centroid_hz: f64,
    /// Spectral flatness 0..1 (see [`AverageSpectrum::flatness`]).
    pub flatness: f64,
    /// Energy share per octave band ([`OCTAVE_EDGES_HZ`]).
    pub octave_bands: Vec<BandEnergy>,
}

impl SpectralFeatures {
    /// Computes the features from an average spectrum.
    pub fn from_spectrum(spectrum: &AverageSpectrum) -> Self {
        let nyquist = spectrum.nyquist_hz() + spectrum.bin_hz;
        let presence_fraction = spectrum.fraction(PRESENCE_BAND_HZ.0, PRESENCE_BAND_HZ.1);
        let air_fraction = spectrum.fraction(AIR_BAND_HZ, nyquist);
        let octave_bands = OCTAVE_EDGES_HZ
            .iter()
            .enumerate()
            .map(|(i, &lo)| {
                let hi = OCTAVE_EDGES_HZ.get(i + 1).copied().unwrap_or(nyquist);
                BandEnergy {
                    lo_hz: lo,
                    hi_hz: hi.min(nyquist),
                    fraction: spectrum.fraction(lo, hi),
                }
            })
            .collect();
        Self {
            low_fraction: spectrum.fraction(0.0, LOW_BAND_HZ),
            high_fraction: spectrum.fraction(HIGH_BAND_HZ, nyquist),
            presence_fraction,
            air_fraction,
            harshness: presence_fraction + air_fraction,
            centroid_hz: spectrum.centroid_hz(),
            flatness: spectrum.flatness(),
            octave_bands,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq_hz: f64, rate: u32, frames: usize) -> Vec<f32> {
        (0..frames)
            .map(|i| {
                (0.5 * (2.0 * std::f64::consts::PI * freq_hz * i as f64 / f64::from(rate)).sin())
                    as f32
            })
            .collect()
    }

    fn noise(frames: usize, seed: u64) -> Vec<f32> {
        let mut state = seed;
        (0..frames)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
            })
            .collect()
    }

    #[test]
    fn sine_features() {
        let s = sine(1_500.0, 48_000, 48_000);
        let spec = AverageSpectrum::compute(&s, 48_000);
        assert_eq!(spec.frames, (48_000 - FRAME_LEN).div_ceil(HOP) + 1);
        let f = SpectralFeatures::from_spectrum(&spec);
        assert!((f.centroid_hz - 1_500.0).abs() < 5.0, "{}", f.centroid_hz);
        assert!(f.flatness < 0.01, "{}", f.flatness);
        assert!(f.low_fraction < 1e-6);
        assert!(f.high_fraction < 1e-6);
        // 1.5 kHz lies in the 1–2 kHz octave band (Hann leakage stays within ±2 bins).
        assert!(f.octave_bands[5].fraction > 0.999, "{:?}", f.octave_bands);
        let sum: f64 = f.octave_bands.iter().map(|b| b.fraction).sum();
        assert!((sum - 1.0).abs() < 1e-9);
    }

    #[test]
    fn white_noise_is_flat_and_centred() {
        let n = noise(96_000, 7);
        let spec = AverageSpectrum::compute(&n, 48_000);
        let f = SpectralFeatures::from_spectrum(&spec);
        assert!(f.flatness > 0.9, "{}", f.flatness);
        // White noise: centroid near Nyquist / 2, band fractions proportional to width.
        assert!(
            (f.centroid_hz - 12_000.0).abs() < 300.0,
            "{}",
            f.centroid_hz
        );
        assert!(
            (f.high_fraction - 19.0 / 24.0).abs() < 0.01,
            "{}",
            f.high_fraction
        );
        assert!((f.presence_fraction - 3.0 / 24.0).abs() < 0.01);
    }

    #[test]
    fn dc_is_removed_and_silence_is_zero() {
        let s = vec![0.25f32; 10_000];
        let spec = AverageSpectrum::compute(&s, 48_000);
        assert_eq!(spec.total_energy(), 0.0);
        let f = SpectralFeatures::from_spectrum(&spec);
        assert_eq!(f.centroid_hz, 0.0);
        assert_eq!(f.flatness, 0.0);
        // Short input is one zero-padded frame.
        let short = AverageSpectrum::compute(&sine(440.0, 48_000, 100), 48_000);
        assert_eq!(short.frames, 1);
    }
}
