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
    /// Frames between two denormal flushes of the state (see [`MAX_FLUSH_FRAMES`]).
    flush_frames: usize,
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
            flush_frames: 1,
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
        let r = (-2.0 * std::f64::consts::PI * f as f64 / self.sample_rate as f64).exp();
        self.r = r as f32;
        // How long a free decay takes from the denormal floor (1e-20) down to the subnormal
        // range (1e-38): the state may go that long without a flush.
        let decay_frames = (1e-18f64).ln() / r.ln();
        self.flush_frames = (decay_frames as usize).clamp(1, MAX_FLUSH_FRAMES);
    }

    /// Current corner frequency in Hz.
    pub fn cutoff_hz(&self) -> f32 {
        self.cutoff_hz
    }

    /// True when the memory is exactly zero (a decayed state is flushed below the denormal
    /// floor): silent input then stays exactly silent, so a host may skip the filter.
    pub fn is_at_rest(&self) -> bool {
        self.x1 == 0.0 && self.y1 == 0.0
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
    ///
    /// Four frames at a time: the recursion `y[n] = d[n] + R y[n-1]` (`d[n] = x[n] - x[n-1]`)
    /// unrolls to `y[n+k] = e[k] + R^(k+1) y[n-1]`, where `e` is the group's response from
    /// rest. Only `y[n-1] -> y[n+3]` (one multiply-add per four frames) is serial; the rest
    /// overlaps across groups. The results differ from [`tick`](Self::tick) only in
    /// rounding. The state is flushed below the denormal floor once every few thousand
    /// frames, sooner than a free decay from the floor reaches subnormals.
    pub fn process(&mut self, buf: &mut [f32]) {
        for chunk in buf.chunks_mut(self.flush_frames) {
            let mut groups = chunk.chunks_exact_mut(4);
            for g in &mut groups {
                self.group(g);
            }
            for s in groups.into_remainder() {
                let y = *s - self.x1 + self.r * self.y1;
                self.x1 = *s;
                self.y1 = y;
                *s = y;
            }
            self.y1 = flush_denormal(self.y1);
        }
    }

    /// Filters a stereo pair of blocks in place, `pair[0]` on `left` and `pair[1]` on
    /// `right` (same results as two [`process`](Self::process) calls); one loop over both
    /// channels lets their recursions overlap in the pipeline.
    pub fn process_pair(pair: &mut [DcBlocker; 2], left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        let [a, b] = pair;
        if a.flush_frames != b.flush_frames || a.r != b.r {
            a.process(left);
            b.process(right);
            return;
        }
        let step = a.flush_frames;
        let mut start = 0;
        while start < n {
            let end = (start + step).min(n);
            let whole = start + (end - start) / 4 * 4;
            for (gl, gr) in left[start..whole]
                .chunks_exact_mut(4)
                .zip(right[start..whole].chunks_exact_mut(4))
            {
                a.group(gl);
                b.group(gr);
            }
            for (l, r) in left[whole..end].iter_mut().zip(&mut right[whole..end]) {
                *l = a.tick_unflushed(*l);
                *r = b.tick_unflushed(*r);
            }
            a.y1 = flush_denormal(a.y1);
            b.y1 = flush_denormal(b.y1);
            start = end;
        }
        // Unequal lengths: the longer channel's rest, alone.
        a.process(&mut left[n..]);
        b.process(&mut right[n..]);
    }

    #[inline(always)]
    fn tick_unflushed(&mut self, x: f32) -> f32 {
        let y = x - self.x1 + self.r * self.y1;
        self.x1 = x;
        self.y1 = y;
        y
    }

    /// Four frames: the response from rest plus the decayed previous output.
    #[inline(always)]
    fn group(&mut self, g: &mut [f32]) {
        let r = self.r;
        let (x0, x1, x2, x3) = (g[0], g[1], g[2], g[3]);
        let e0 = x0 - self.x1;
        let e1 = (x1 - x0) + r * e0;
        let e2 = (x2 - x1) + r * e1;
        let e3 = (x3 - x2) + r * e2;
        let r2 = r * r;
        let y = self.y1;
        g[0] = e0 + r * y;
        g[1] = e1 + r2 * y;
        g[2] = e2 + (r2 * r) * y;
        g[3] = e3 + (r2 * r2) * y;
        self.x1 = x3;
        self.y1 = g[3];
    }
}

/// Most frames between two denormal flushes of the state.
pub const MAX_FLUSH_FRAMES: usize = 4096;

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
        // Four-frame groups round differently from the one-step recursion, and the pole
        // (R = 0.9974 at 20 Hz) accumulates rounding with a gain near 1/(1 - R) ~ 380:
        // agreement to 1e-5 of full scale (-100 dB; measured 2e-6), not to the bit.
        for (p, q) in per_sample.iter().zip(&block) {
            assert!((p - q).abs() < 1e-5, "{p} vs {q}");
        }
        // The same call sequence gives the same bits.
        let mut c = DcBlocker::new(FS);
        c.set_cutoff_hz(20.0);
        let mut again_block = input.clone();
        c.process(&mut again_block);
        assert!(block
            .iter()
            .zip(&again_block)
            .all(|(p, q)| p.to_bits() == q.to_bits()));
        // A stereo pair matches two mono calls bit for bit.
        let mut pair = [DcBlocker::new(FS), DcBlocker::new(FS)];
        pair.iter_mut().for_each(|d| d.set_cutoff_hz(20.0));
        let (mut l, mut r) = (input.clone(), input.clone());
        DcBlocker::process_pair(&mut pair, &mut l, &mut r);
        assert!(l
            .iter()
            .zip(&block)
            .all(|(p, q)| p.to_bits() == q.to_bits()));
        assert!(r
            .iter()
            .zip(&block)
            .all(|(p, q)| p.to_bits() == q.to_bits()));
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
