//! Bit-depth and sample-rate reduction ("bitcrusher").
//!
//! Deliberately lo-fi: the sample-and-hold aliases on purpose and is not band-limited.
//!
//! - **Rate reduction** is a sample-and-hold clocked by a 32.32 fixed-point phase accumulator,
//!   so any rate works (a 7 kHz clock at 48 kHz alternates 6- and 7-sample holds that average to
//!   the exact rate). The increment is rounded *up*, so whenever `sample_rate / rate` is an
//!   integer `N` every hold is exactly `N` samples (the drift is one step per ~10^7 holds).
//! - **Quantisation** rounds to `2^bits` levels like integer PCM (mid-tread): step
//!   `q = 2^(1 - bits)`, levels `k * q` for `k` in `-2^(bits-1) ..= 2^(bits-1) - 1`, so silence
//!   stays silent and full-scale negative is reachable (`bits = 1` gives the two levels
//!   `{-1, 0}`). Fractional bit depths give intermediate step sizes for smooth modulation.
//! - **Dither** (optional) adds triangular-PDF noise of up to +-1 step before rounding (the sum
//!   of two uniform +-0.5-step draws; Lipshitz, Wannamaker & Vanderkooy, "Quantization and
//!   dither: a theoretical survey", JAES 1992), which turns the signal-correlated distortion
//!   into steady noise.

use crate::fastmath;
use crate::rng::Rng32;

/// One full cycle of the sample-and-hold phase accumulator (32 fractional bits).
const PHASE_ONE: u64 = 1 << 32;

/// Sample-and-hold rate reducer plus bit-depth quantiser with optional TPDF dither.
///
/// All setters are cheap (one fast `exp2` at most) and may be called every sample.
#[derive(Debug, Clone)]
pub struct Bitcrusher {
    sample_rate: f32,
    seed: u64,
    rng: Rng32,
    step: f32,
    inv_step: f32,
    k_lo: f32,
    k_hi: f32,
    dither: f32,
    phase: u64,
    inc: u64,
    held: f32,
    mix: f32,
}

impl Bitcrusher {
    /// Creates a bitcrusher with 24 bits, no dither, no rate reduction and mix 1; `seed` drives
    /// the dither noise.
    pub fn new(sample_rate: f32, seed: u64) -> Self {
        let sample_rate = if sample_rate > 0.0 {
            sample_rate
        } else {
            48_000.0
        };
        let mut b = Self {
            sample_rate,
            seed,
            rng: Rng32::new(seed),
            step: 1.0,
            inv_step: 1.0,
            k_lo: -1.0,
            k_hi: 0.0,
            dither: 0.0,
            phase: PHASE_ONE,
            inc: PHASE_ONE,
            held: 0.0,
            mix: 1.0,
        };
        b.set_bits(24.0);
        b.reset();
        b
    }

    /// Restarts the hold clock (the next sample is captured immediately), clears the held value
    /// and restarts the dither sequence; settings are kept.
    pub fn reset(&mut self) {
        self.rng = Rng32::new(self.seed);
        self.phase = PHASE_ONE;
        self.held = 0.0;
    }

    /// Bit depth, `1..=24` (default 24); fractional values are allowed.
    pub fn set_bits(&mut self, bits: f32) {
        let bits = if bits.is_nan() {
            24.0
        } else {
            bits.clamp(1.0, 24.0)
        };
        self.inv_step = fastmath::exp2(bits - 1.0);
        self.step = 1.0 / self.inv_step;
        let half_levels = self.inv_step.floor();
        self.k_lo = -half_levels;
        self.k_hi = half_levels - 1.0;
    }

    /// Dither amount, `0..=1` (default 0): 1 is full TPDF dither of +-1 quantisation step.
    pub fn set_dither(&mut self, amount: f32) {
        self.dither = clamp_param(amount, 0.0, 1.0);
    }

    /// Sample-and-hold rate, `100 Hz ..= sample_rate` (default `sample_rate` = no reduction).
    pub fn set_downsample_hz(&mut self, rate_hz: f32) {
        let hz = if rate_hz.is_nan() {
            self.sample_rate
        } else {
            rate_hz.clamp(100.0, self.sample_rate.max(100.0))
        } as f64;
        let inc = (hz / self.sample_rate as f64 * PHASE_ONE as f64).ceil() as u64;
        self.inc = inc.clamp(1, PHASE_ONE);
    }

    /// Wet proportion, `0..=1` (default 1): `out = (1 - mix) * dry + mix * wet`, so 0 and 1 are
    /// exactly dry and exactly crushed.
    pub fn set_mix(&mut self, mix: f32) {
        self.mix = clamp_param(mix, 0.0, 1.0);
    }

    /// Processes one sample.
    #[inline]
    pub fn tick(&mut self, input: f32) -> f32 {
        if self.phase >= PHASE_ONE {
            self.phase -= PHASE_ONE;
            self.held = self.quantize(input);
        }
        self.phase += self.inc;
        (1.0 - self.mix) * input + self.mix * self.held
    }

    /// Processes a block in place (bit-identical to calling [`Self::tick`] per sample).
    pub fn process(&mut self, buf: &mut [f32]) {
        for x in buf.iter_mut() {
            *x = self.tick(*x);
        }
    }

    #[inline(always)]
    fn quantize(&mut self, x: f32) -> f32 {
        let mut v = x * self.inv_step;
        if self.dither > 0.0 {
            // Two uniform draws in [-1, 1) scaled to +-0.5 step each: triangular, +-1 step.
            let tpdf = (self.rng.next_bipolar() + self.rng.next_bipolar()) * 0.5;
            v += tpdf * self.dither;
        }
        // Clamping first keeps |v| <= 2^23, where the integer cast below is exact; NaN -> k_lo.
        let v = v.max(self.k_lo).min(self.k_hi) + 0.5;
        // floor(v) without a libm call (baseline x86-64 has no SSE4.1 `roundss`).
        let t = v as i32 as f32;
        let k = if t > v { t - 1.0 } else { t };
        k * self.step
    }
}

/// Clamps a setter argument to its documented range; NaN maps to `lo` (`f32::clamp` would
/// pass NaN through).
fn clamp_param(value: f32, lo: f32, hi: f32) -> f32 {
    if value.is_nan() {
        lo
    } else {
        value.clamp(lo, hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    const SR: f32 = 48_000.0;

    fn test_signal(n: usize) -> Vec<f32> {
        let mut rng = Rng32::new(11);
        (0..n)
            .map(|i| {
                let s = (2.0 * std::f32::consts::PI * 220.0 * i as f32 / SR).sin();
                (1.1 * s + 0.05 * rng.next_bipolar()).clamp(-1.2, 1.2)
            })
            .collect()
    }

    #[test]
    fn four_bits_gives_at_most_16_levels() {
        for dither in [0.0, 1.0] {
            let mut bc = Bitcrusher::new(SR, 1);
            bc.set_bits(4.0);
            bc.set_dither(dither);
            let levels: BTreeSet<u32> = test_signal(48_000)
                .iter()
                .map(|&x| bc.tick(x).to_bits())
                .collect();
            let values: Vec<f32> = levels.iter().map(|&b| f32::from_bits(b)).collect();
            // The input overdrives and covers the full range, so all 16 levels appear.
            assert_eq!(values.len(), 16, "dither {dither}: {values:?}");
            for v in &values {
                // Multiples of 1/8 in [-1, 7/8].
                assert_eq!((v * 8.0).fract(), 0.0);
                assert!((-1.0..=0.875).contains(v));
            }
        }
    }

    #[test]
    fn quantisation_error_matches_theory() {
        // 10 bits: q = 2^-9. Undithered error is uniform in +-q/2 (RMS q/sqrt(12)) for a busy
        // signal; TPDF dither adds variance q^2/6, for a total RMS of q/2.
        let q = 2f64.powi(-9);
        for (dither, expected_rms) in [(0.0, q / 12f64.sqrt()), (1.0, q / 2.0)] {
            let mut bc = Bitcrusher::new(SR, 5);
            bc.set_bits(10.0);
            bc.set_dither(dither);
            let x: Vec<f32> = test_signal(96_000).iter().map(|v| v * 0.8).collect();
            let mut max_err = 0.0f64;
            let mut sum_sq = 0.0f64;
            let mut sum = 0.0f64;
            for &v in &x {
                let e = bc.tick(v) as f64 - v as f64;
                max_err = max_err.max(e.abs());
                sum_sq += e * e;
                sum += e;
            }
            let rms = (sum_sq / x.len() as f64).sqrt();
            let mean = sum / x.len() as f64;
            eprintln!("10-bit dither {dither}: error RMS {rms:.3e} (theory {expected_rms:.3e}), mean {mean:.2e}");
            assert!((rms / expected_rms - 1.0).abs() < 0.05, "rms {rms}");
            // Round-half-up leaves no bias beyond a tiny fraction of a step.
            assert!(mean.abs() < 0.02 * q, "mean {mean}");
            let bound = if dither == 0.0 { 0.5 * q } else { 1.5 * q };
            assert!(max_err <= bound * (1.0 + 1e-6), "max {max_err}");
        }
    }

    #[test]
    fn downsample_to_4_khz_holds_12_samples() {
        let mut bc = Bitcrusher::new(SR, 1);
        bc.set_downsample_hz(4000.0);
        // A strictly increasing ramp makes every capture visible as a change.
        let out: Vec<f32> = (0..48_000).map(|i| bc.tick(i as f32 * 1e-5)).collect();
        let mut run = 1;
        let mut runs = Vec::new();
        for w in out.windows(2) {
            if w[1] == w[0] {
                run += 1;
            } else {
                runs.push(run);
                run = 1;
            }
        }
        assert_eq!(runs.len(), 3999);
        assert!(runs.iter().all(|&r| r == 12), "{:?}", &runs[..10]);
        // Captures happen at n = 0, 12, 24, ...: the held value is the input at capture time.
        assert_eq!(out[0], bc_quantized(0.0));
        assert_eq!(out[12], bc_quantized(12.0 * 1e-5));
    }

    fn bc_quantized(x: f32) -> f32 {
        let mut bc = Bitcrusher::new(SR, 1);
        bc.tick(x)
    }

    #[test]
    fn fractional_rate_is_exact_on_average() {
        let mut bc = Bitcrusher::new(SR, 1);
        bc.set_downsample_hz(7000.0);
        let out: Vec<f32> = (0..48_000).map(|i| bc.tick(i as f32 * 1e-5)).collect();
        let changes = out.windows(2).filter(|w| w[0] != w[1]).count() + 1;
        // One second at 7 kHz: 7000 captures (hold lengths 6 and 7 only).
        assert!((changes as i64 - 7000).abs() <= 1, "{changes}");
    }

    #[test]
    fn mix_zero_is_bit_transparent() {
        let mut bc = Bitcrusher::new(SR, 9);
        bc.set_bits(3.0);
        bc.set_dither(1.0);
        bc.set_downsample_hz(1234.0);
        bc.set_mix(0.0);
        for &x in &test_signal(4800) {
            assert_eq!(bc.tick(x).to_bits(), x.to_bits());
        }
    }

    #[test]
    fn block_equals_tick_reset_and_determinism() {
        let setup = |bc: &mut Bitcrusher| {
            bc.set_bits(5.5);
            bc.set_dither(0.7);
            bc.set_downsample_hz(11_025.0);
            bc.set_mix(0.8);
        };
        let x = test_signal(5000);
        let mut a = Bitcrusher::new(SR, 42);
        setup(&mut a);
        let mut b = a.clone();
        let per_sample: Vec<f32> = x.iter().map(|&v| a.tick(v)).collect();
        let mut block = x.clone();
        b.process(&mut block);
        assert!(per_sample
            .iter()
            .zip(&block)
            .all(|(p, q)| p.to_bits() == q.to_bits()));

        a.reset();
        let mut fresh = Bitcrusher::new(SR, 42);
        setup(&mut fresh);
        for &v in &x {
            assert_eq!(a.tick(v).to_bits(), fresh.tick(v).to_bits());
        }
        // A different seed gives a different dither sequence.
        let mut other = Bitcrusher::new(SR, 43);
        setup(&mut other);
        let diff = x
            .iter()
            .zip(&per_sample)
            .filter(|(&v, &p)| other.tick(v) != p)
            .count();
        assert!(diff > 100);
    }

    #[test]
    fn extreme_settings_stay_finite() {
        let mut bc = Bitcrusher::new(SR, 0);
        for bits in [1.0, 1.3, 24.0, -5.0, 99.0, f32::NAN] {
            bc.set_bits(bits);
            bc.set_dither(f32::NAN);
            bc.set_mix(f32::NAN);
            bc.set_mix(1.0);
            bc.set_dither(1.0);
            bc.set_downsample_hz(f32::NAN);
            bc.set_downsample_hz(1e9);
            for &x in &[0.0, 1.0, -1.0, 1e30, -1e30, f32::MAX] {
                let y = bc.tick(x);
                assert!(y.is_finite() && y.abs() <= 1.0, "bits {bits} x {x} -> {y}");
            }
        }
        // 1 bit: PCM levels {-1, 0}.
        bc.set_bits(1.0);
        bc.set_dither(0.0);
        assert_eq!(bc.tick(0.9), 0.0);
        assert_eq!(bc.tick(-0.9), -1.0);
        // Silence stays exactly silent without dither.
        bc.set_bits(6.0);
        for _ in 0..100 {
            assert_eq!(bc.tick(0.0), 0.0);
        }
    }
}
