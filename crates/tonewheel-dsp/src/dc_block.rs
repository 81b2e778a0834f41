//! One-pole DC blocker (a first-order highpass with a zero exactly at DC).
//!
//! Saturators, asymmetric waveshapers and feedback effects leave a DC offset that eats headroom
//! and makes later stages clip asymmetrically; this removes it while leaving audible bass alone.
//!
//! Difference equation (the classic "leaky differentiator", e.g. J. O. Smith, *Introduction to
//! Digital Filters*, 2007): `y[n] = x[n] - x[n-1] + R * y[n-1]`, with the pole radius
//! `R = exp(-2*pi*cutoff_hz/sample_rate)` so that the pole sits at the analog one-pole corner
//! mapped by the impulse-invariant rule. The -3 dB point is then within a fraction of a Hz of
//! `cutoff_hz` for the low cutoffs this is meant for.

use crate::math::flush_denormal;

/// Default corner frequency: low enough to keep 20 Hz bass within ~0.5 dB, high enough that an
/// offset settles in a few tens of milliseconds.
pub const DEFAULT_CUTOFF_HZ: f32 = 10.0;
/// Lowest accepted corner frequency.
pub const MIN_CUTOFF_HZ: f32 = 1.0;
/// Highest accepted corner frequency (above this it is a tone control, not a DC blocker).
pub const MAX_CUTOFF_HZ: f32 = 200.0;

/// One-pole DC-blocking highpass. Mono; use one per channel.
#[derive(Debug, Clone)]
pub struct DcBlocker {
    sample_rate: f32,
    cutoff_hz: f32,
    /// Pole radius in (0, 1); closer to 1 means a lower corner.
    r: f32,
    x1: f32,
    y1: f32,
}

impl DcBlocker {
    /// Creates a blocker with the default 10 Hz corner.
    pub fn new(sample_rate: f32) -> Self {
        let sample_rate = if sample_rate.is_finite() && sample_rate > 0.0 {
            sample_rate
        } else {
            48_000.0
        };
        let mut s = Self {
            sample_rate,
            cutoff_hz: DEFAULT_CUTOFF_HZ,
            r: 0.0,
            x1: 0.0,
            y1: 0.0,
        };
        s.set_cutoff_hz(DEFAULT_CUTOFF_HZ);
        s
    }

    /// Sets the -3 dB corner, clamped to `1..=200` Hz (and below 0.25 * sample rate).
    ///
    /// Uses `std` `exp`: call at control rate, not per sample (the corner is rarely modulated).
    pub fn set_cutoff_hz(&mut self, cutoff_hz: f32) {
        let hi = MAX_CUTOFF_HZ.min(0.25 * self.sample_rate);
        let f = if cutoff_hz.is_nan() {
            DEFAULT_CUTOFF_HZ
        } else {
            cutoff_hz.clamp(MIN_CUTOFF_HZ, hi)
        };
        self.cutoff_hz = f;
        self.r = (-2.0 * std::f64::consts::PI * f as f64 / self.sample_rate as f64).exp() as f32;
    }

    /// Current corner frequency in Hz.
    pub fn cutoff_hz(&self) -> f32 {
        self.cutoff_hz
    }

    /// Clears the filter memory; the corner frequency is kept.
    pub fn reset(&mut self) {
        self.x1 = 0.0;
        self.y1 = 0.0;
    }

    /// Filters one sample.
    #[inline]
    pub fn tick(&mut self, input: f32) -> f32 {
        let y = input - self.x1 + self.r * self.y1;
        self.x1 = input;
        self.y1 = flush_denormal(y);
        y
    }

    /// Filters a block in place.
    pub fn process(&mut self, buf: &mut [f32]) {
        for s in buf.iter_mut() {
            *s = self.tick(*s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FS: f32 = 48_000.0;

    /// Steady-state gain in dB for a sine at `freq_hz`: settle, then correlate an integer number
    /// of periods with sin/cos (a single-bin DFT), which is exact for a linear filter.
    fn sine_gain_db(mut f: impl FnMut(f32) -> f32, freq_hz: f64, amp: f64) -> f64 {
        let fs = FS as f64;
        let settle = (0.3 * fs) as usize;
        let periods = (0.25 * freq_hz).ceil().max(1.0);
        let len = (periods * fs / freq_hz).round() as usize;
        let w = 2.0 * std::f64::consts::PI * freq_hz / fs;
        let (mut re, mut im) = (0.0f64, 0.0f64);
        for n in 0..settle + len {
            let ph = w * n as f64;
            let y = f((amp * ph.sin()) as f32) as f64;
            if n >= settle {
                re += y * ph.sin();
                im += y * ph.cos();
            }
        }
        let a = 2.0 * (re * re + im * im).sqrt() / len as f64;
        20.0 * (a / amp).log10()
    }

    #[test]
    fn dc_decays_below_1e4_within_half_a_second() {
        let mut d = DcBlocker::new(FS);
        let mut last = 1.0f32;
        for _ in 0..(0.5 * FS) as usize {
            last = d.tick(0.5);
        }
        // Theory: 0.5 * R^n with R = exp(-2*pi*10/48000): 0.5 * e^{-31.4} ~ 1e-14 after 0.5 s.
        assert!(last.abs() < 1e-4, "residual {last}");
    }

    #[test]
    fn passes_100_hz_and_attenuates_2_hz() {
        let mut d = DcBlocker::new(FS);
        let g100 = sine_gain_db(|x| d.tick(x), 100.0, 0.5);
        // One-pole highpass theory: -10*log10(1 + (10/100)^2) = -0.043 dB.
        assert!(g100 > -0.1 && g100 < 0.01, "100 Hz gain {g100} dB");
        assert!((g100 + 0.043).abs() < 0.01, "100 Hz gain {g100} dB");
        let mut d = DcBlocker::new(FS);
        let g2 = sine_gain_db(|x| d.tick(x), 2.0, 0.5);
        // Theory: -10*log10(1 + (10/2)^2) = -14.15 dB.
        assert!((g2 + 14.15).abs() < 0.2, "2 Hz gain {g2} dB");
    }

    #[test]
    fn reset_block_and_determinism() {
        let input: Vec<f32> = (0..4096)
            .map(|i| ((i * 37 % 101) as f32 / 50.0 - 1.0) + 0.3)
            .collect();
        let mut a = DcBlocker::new(FS);
        a.set_cutoff_hz(20.0);
        let per_sample: Vec<f32> = input.iter().map(|&x| a.tick(x)).collect();
        let mut b = DcBlocker::new(FS);
        b.set_cutoff_hz(20.0);
        let mut block = input.clone();
        b.process(&mut block);
        for (p, q) in per_sample.iter().zip(&block) {
            assert_eq!(p.to_bits(), q.to_bits());
        }
        a.reset();
        let again: Vec<f32> = input.iter().map(|&x| a.tick(x)).collect();
        for (p, q) in per_sample.iter().zip(&again) {
            assert_eq!(p.to_bits(), q.to_bits());
        }
    }

    #[test]
    fn flushes_to_zero_and_sanitises() {
        let mut d = DcBlocker::new(FS);
        for i in 0..1000 {
            d.tick(if i % 2 == 0 { 1.0 } else { -0.5 });
        }
        for _ in 0..FS as usize {
            d.tick(0.0);
        }
        assert_eq!(d.y1, 0.0);
        d.set_cutoff_hz(f32::NAN);
        assert_eq!(d.cutoff_hz(), DEFAULT_CUTOFF_HZ);
        d.set_cutoff_hz(1e9);
        assert_eq!(d.cutoff_hz(), MAX_CUTOFF_HZ);
        assert!(d.tick(1.0).is_finite());
    }
}
