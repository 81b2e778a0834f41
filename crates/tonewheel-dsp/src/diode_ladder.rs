//! TB-303-flavoured 4-pole diode-ladder lowpass with zero-delay feedback.
//!
//! Model: Tim Stinchcombe, "Analysis of the Moog Transistor Ladder and Derivative Filters"
//! (2008) and his TB-303 diode-ladder pages, which show that the linearised diode ladder is an
//! RC-ladder-like chain: every capacitor is coupled to *both* neighbours through a diode pair,
//! and in the 303 the top capacitor is half the others. With stage rate `w` that gives
//!
//! ```text
//! y1' = w (u  - 2 y1 + y2)
//! y2' = w (y1 - 2 y2 + y3)
//! y3' = w (y2 - 2 y3 + y4)
//! y4' = 2w (y3 - y4)              (half-size top capacitor)
//! ```
//!
//! whose transfer function `y4/u = 2 / (t^4 + 8t^3 + 20t^2 + 16t + 2)` (t = s/w) is exactly
//! Stinchcombe's normalised 303 core `s^4 + 2^(11/4) s^3 + 10 sqrt(2) s^2 + 2^(13/4) s + 1`.
//! Feedback `u = x - k*y4` gives `2 / (D(t) + 2k)`, which self-oscillates at `k = 17` and
//! `t = j*sqrt(2)`. We place that resonance exactly at `cutoff_hz` (so `w = 2*pi*fc/sqrt(2)`,
//! bilinear-prewarped), because the squelch frequency is what a 303 cutoff knob is heard as.
//! The price is that at resonance 0 the response already starts falling around
//! `0.1 * cutoff_hz` (the poles are spread out; -24.6 dB at the cutoff itself) - that dark,
//! gentle knee is the 303's "18 dB/oct-sounding" character, not a bug.
//!
//! Discretisation: Zavalishin's TPT (trapezoidal integrators, *The Art of VA Filter Design*,
//! 2012/2018). The four coupled implicit equations form a tridiagonal system; the cutoff setter
//! inverts it once (Thomas elimination) so a sample is just `y = M*s + m*u`. The feedback loop
//! is solved in closed form for the linear model, and the summing-node signal is saturated with
//! `T*tanh(u/T)` ([`fastmath::tanh`]) before entering the ladder, which bounds the state at any
//! resonance or modulation. Per sample only one dot product and the saturator are serial.

use crate::fastmath;
use crate::math::flush_denormal;
use std::f32::consts::{FRAC_1_SQRT_2, PI};

/// Lowest accepted cutoff.
pub const MIN_CUTOFF_HZ: f32 = 20.0;
/// Highest accepted cutoff (also limited to 0.45 * sample rate).
pub const MAX_CUTOFF_HZ: f32 = 18_000.0;
/// Feedback gain at `resonance = 1`: 94% of the self-oscillation value 17, i.e. a resonant
/// peak 24.6 dB above the (thinned) passband that still rings out instead of oscillating.
pub const MAX_K: f32 = 16.0;

/// Zero-delay-feedback diode-ladder lowpass (mono; one per voice and channel).
///
/// Parameters (clamped; NaN ignored): `cutoff_hz` 20 ..= min(18 kHz, 0.45 * sample rate), the
/// resonant frequency, default 1 kHz; `resonance` 0..=1, default 0, mapped as
/// `k = 16 * r * (2 - r)` (k rises fast at first so the upper half of the knob is the squelchy
/// part); `drive` 0..=1, default 0, saturation level `T = 2^(2 - 3*drive)` (4.0 .. 0.5).
///
/// Passband (DC) gain is `1/(1+k)` (-24.6 dB at resonance 1) while the peak at the cutoff stays
/// near 0 dB: the hardware's bass loss with resonance is kept on purpose; add makeup gain
/// downstream if a preset needs it.
#[derive(Debug, Clone)]
pub struct DiodeLadder {
    pi_over_fs: f32,
    max_cutoff_hz: f32,
    cutoff_hz: f32,
    resonance: f32,
    drive: f32,
    k: f32,
    /// Saturation level `T`.
    sat_level: f32,
    /// One trapezoidal step written as `y = M*s + m*u` with `M = (I - gA)^-1`:
    /// `cols[j][i]` = M(i, j), `m = M * (g, 0, 0, 0)`.
    cols: [[f32; 4]; 4],
    m: [f32; 4],
    /// Derived loop constants (see `update_loop`).
    w: [f32; 4],
    in_scale: f32,
    m_t: [f32; 4],
    s: [f32; 4],
}

impl DiodeLadder {
    /// Creates a filter with the defaults listed on the type.
    pub fn new(sample_rate: f32) -> Self {
        let sample_rate = if sample_rate.is_finite() && sample_rate > 0.0 {
            sample_rate
        } else {
            48_000.0
        };
        let mut d = Self {
            pi_over_fs: PI / sample_rate,
            max_cutoff_hz: MAX_CUTOFF_HZ.min(0.45 * sample_rate),
            cutoff_hz: 1000.0,
            resonance: 0.0,
            drive: 0.0,
            k: 0.0,
            sat_level: 4.0,
            cols: [[0.0; 4]; 4],
            m: [0.0; 4],
            w: [0.0; 4],
            in_scale: 0.0,
            m_t: [0.0; 4],
            s: [0.0; 4],
        };
        d.set_cutoff_hz(1000.0);
        d.set_drive(0.0);
        d
    }

    /// Sets the resonant frequency. Costs a fast `tan`, five divisions and ~80 flops (about
    /// three ticks): fine per sample, cheaper at the graph's 16-sample control rate.
    #[inline]
    pub fn set_cutoff_hz(&mut self, cutoff_hz: f32) {
        if cutoff_hz.is_nan() {
            return;
        }
        self.cutoff_hz = cutoff_hz.clamp(MIN_CUTOFF_HZ, self.max_cutoff_hz);
        // The resonance sits at t = sqrt(2) * w, so the stage rate is the prewarped cutoff
        // divided by sqrt(2).
        let g = fastmath::tan(self.cutoff_hz * self.pi_over_fs) * FRAC_1_SQRT_2;
        // Thomas factorisation of the tridiagonal (I - g*A): diagonal 1+2g, off-diagonals -g
        // (-2g below the diagonal in row 4, the half-size top capacitor).
        let diag = 1.0 + 2.0 * g;
        let inv0 = 1.0 / diag;
        let e0 = g * inv0;
        let inv1 = 1.0 / (diag - g * e0);
        let e1 = g * inv1;
        let inv2 = 1.0 / (diag - g * e1);
        let e2 = g * inv2;
        let inv3 = 1.0 / (diag - 2.0 * g * e2);
        let solve = |r: [f32; 4]| -> [f32; 4] {
            let d0 = r[0] * inv0;
            let d1 = (r[1] + g * d0) * inv1;
            let d2 = (r[2] + g * d1) * inv2;
            let x3 = (r[3] + 2.0 * g * d2) * inv3;
            let x2 = d2 + e2 * x3;
            let x1 = d1 + e1 * x2;
            [d0 + e0 * x1, x1, x2, x3]
        };
        self.cols = [
            solve([1.0, 0.0, 0.0, 0.0]),
            solve([0.0, 1.0, 0.0, 0.0]),
            solve([0.0, 0.0, 1.0, 0.0]),
            solve([0.0, 0.0, 0.0, 1.0]),
        ];
        self.m = self.cols[0].map(|c| c * g);
        self.update_loop();
    }

    /// Current (clamped) cutoff in Hz.
    pub fn cutoff_hz(&self) -> f32 {
        self.cutoff_hz
    }

    /// Sets resonance 0..=1 (see the type docs for the mapping). Cheap: safe per sample.
    #[inline]
    pub fn set_resonance(&mut self, resonance: f32) {
        if resonance.is_nan() {
            return;
        }
        let r = resonance.clamp(0.0, 1.0);
        self.resonance = r;
        self.k = MAX_K * r * (2.0 - r);
        self.update_loop();
    }

    /// Current resonance.
    pub fn resonance(&self) -> f32 {
        self.resonance
    }

    /// Sets drive 0..=1: saturation level `T = 2^(2 - 3*drive)`; small-signal gain unchanged.
    pub fn set_drive(&mut self, drive: f32) {
        if drive.is_nan() {
            return;
        }
        self.drive = drive.clamp(0.0, 1.0);
        self.sat_level = fastmath::exp2(2.0 - 3.0 * self.drive);
        self.update_loop();
    }

    /// Current drive.
    pub fn drive(&self) -> f32 {
        self.drive
    }

    /// Folds resonance and saturation level into the per-sample constants:
    /// `u/T = x * in_scale - w . s` with `in_scale = 1 / ((1 + k*m3) T)` and
    /// `w_j = k * M(3, j) * in_scale`; then `y = M*s + (T*m) * tanh(u/T)`.
    #[inline(always)]
    fn update_loop(&mut self) {
        let scale = 1.0 / ((1.0 + self.k * self.m[3]) * self.sat_level);
        self.in_scale = scale;
        for (w, col) in self.w.iter_mut().zip(&self.cols) {
            *w = self.k * col[3] * scale;
        }
        for (mt, m) in self.m_t.iter_mut().zip(&self.m) {
            *mt = m * self.sat_level;
        }
    }

    /// Clears the integrator states; settings are kept.
    pub fn reset(&mut self) {
        self.s = [0.0; 4];
    }

    /// Filters one sample; returns the top-of-ladder (4-pole) lowpass output.
    #[inline]
    pub fn tick(&mut self, input: f32) -> f32 {
        let s = self.s;
        let w = &self.w;
        // Linear loop solution u = x - k*y4 (in units of T), then the summing-node saturator.
        let dot = (w[0] * s[0] + w[1] * s[1]) + (w[2] * s[2] + w[3] * s[3]);
        let t = sat_tanh(input * self.in_scale - dot);
        // All four capacitor voltages at once; trapezoidal state update s' = 2y - s.
        let c = &self.cols;
        let mut y = [0.0f32; 4];
        for i in 0..4 {
            y[i] = (c[0][i] * s[0] + c[1][i] * s[1])
                + (c[2][i] * s[2] + c[3][i] * s[3])
                + self.m_t[i] * t;
            self.s[i] = flush_denormal(2.0 * y[i] - s[i]);
        }
        y[3]
    }

    /// Filters a block in place (bit-identical to per-sample [`tick`](Self::tick)).
    pub fn process(&mut self, buf: &mut [f32]) {
        for s in buf.iter_mut() {
            *s = self.tick(*s);
        }
    }
}

/// `tanh` with *relative* accuracy near 0. [`fastmath::tanh`] evaluates
/// `(e^2x - 1)/(e^2x + 1)`, which cancels for tiny `x` (absolute error ~6e-8): inside a
/// resonant feedback loop that acts as a quantiser and sustains limit cycles around 1e-8
/// instead of decaying to silence. Small arguments therefore use the odd Taylor series
/// (error < 3e-9 relative below 0.125), larger ones the fast exp-based form.
#[inline(always)]
fn sat_tanh(x: f32) -> f32 {
    if x.abs() < 0.125 {
        let x2 = x * x;
        x * (1.0 + x2 * (-1.0 / 3.0 + x2 * (2.0 / 15.0 + x2 * (-17.0 / 315.0))))
    } else {
        fastmath::tanh(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FS: f32 = 48_000.0;

    /// Steady-state gain in dB for a sine at `freq_hz`: settle, then correlate an integer number
    /// of periods with sin/cos (a single-bin DFT). Small amplitudes keep the saturator linear.
    fn sine_gain_db(mut f: impl FnMut(f32) -> f32, freq_hz: f64, amp: f64) -> f64 {
        let fs = FS as f64;
        let settle = (0.4 * fs) as usize;
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

    fn diode(cutoff: f32, res: f32) -> DiodeLadder {
        let mut d = DiodeLadder::new(FS);
        d.set_cutoff_hz(cutoff);
        d.set_resonance(res);
        d
    }

    fn gain(cutoff: f32, res: f32, f: f64) -> f64 {
        let mut d = diode(cutoff, res);
        sine_gain_db(|x| d.tick(x), f, 0.001)
    }

    /// Stinchcombe's linear 303 core, 2 / (D(t) + 2k), at the bilinear-prewarped frequency,
    /// with t = j*sqrt(2) at the cutoff.
    fn theory_db(cutoff: f64, k: f64, f: f64) -> f64 {
        let fs = FS as f64;
        let pi = std::f64::consts::PI;
        let v = 2f64.sqrt() * (pi * f / fs).tan() / (pi * cutoff / fs).tan();
        let re = v.powi(4) - 20.0 * v * v + 2.0 + 2.0 * k;
        let im = -8.0 * v.powi(3) + 16.0 * v;
        20.0 * (2.0 / (re * re + im * im).sqrt()).log10()
    }

    #[test]
    fn lowpass_response_matches_the_303_core() {
        let cutoff = 1000.0;
        for f in [30.0, 100.0, 300.0, 1000.0, 4000.0] {
            let g = gain(cutoff, 0.0, f);
            let want = theory_db(cutoff as f64, 0.0, f);
            assert!((g - want).abs() < 0.1, "{f} Hz: {g} dB vs {want}");
        }
        // Two octaves above the cutoff, relative to the passband: theory -57 dB.
        let rel = gain(cutoff, 0.0, 4000.0) - gain(cutoff, 0.0, 20.0);
        assert!(rel < -30.0, "attenuation at 4x cutoff: {rel} dB");
        assert!(
            (rel + 57.0).abs() < 1.0,
            "attenuation at 4x cutoff: {rel} dB"
        );
    }

    #[test]
    fn resonance_peak_grows_with_resonance() {
        let cutoff = 800.0;
        let mut last = f64::NEG_INFINITY;
        for res in [0.0f32, 0.5, 0.8, 1.0] {
            let k = (MAX_K * res * (2.0 - res)) as f64;
            // Peak height over the passband (measured at 20 Hz, the bottom of the audio band;
            // DC would need seconds to settle), against the linear model at the same frequencies.
            let rel = gain(cutoff, res, cutoff as f64) - gain(cutoff, res, 20.0);
            let want =
                theory_db(cutoff as f64, k, cutoff as f64) - theory_db(cutoff as f64, k, 20.0);
            assert!(
                (rel - want).abs() < 0.1,
                "res {res}: peak over passband {rel} dB vs {want}"
            );
            assert!(rel > last + 3.0, "res {res}");
            last = rel;
        }
        // k = 16 at DC: peak/passband = (1 + k) * 2/|2k - 34| = 17 -> 24.6 dB.
        assert!((last - 24.61).abs() < 0.3, "full resonance peak {last} dB");
    }

    #[test]
    fn stable_with_modulated_cutoff_and_full_resonance() {
        let mut d = diode(1000.0, 1.0);
        let mut peak = 0.0f32;
        for n in 0..FS as usize {
            let m = fastmath::sin_cycles(n as f32 * 250.0 / FS);
            d.set_cutoff_hz(1500.0 * fastmath::exp2(3.5 * m));
            let y = d.tick(if n % 200 < 100 { 1.0 } else { -1.0 });
            assert!(y.is_finite());
            peak = peak.max(y.abs());
        }
        assert!(peak < 4.0, "peak {peak}");
    }

    #[test]
    fn square_input_never_produces_nan_at_extremes() {
        for (f, r, drive) in [(20.0, 1.0, 1.0), (18_000.0, 1.0, 0.0), (1e9, 1.0, 1.0)] {
            let mut d = diode(f, r);
            d.set_drive(drive);
            for n in 0..24_000 {
                let y = d.tick(if n % 64 < 32 { 1.0 } else { -1.0 });
                assert!(y.is_finite() && y.abs() < 4.0, "{f} {r}: {y}");
            }
        }
        let mut d = diode(500.0, 0.3);
        d.set_cutoff_hz(f32::NAN);
        d.set_resonance(f32::NAN);
        d.set_drive(f32::NAN);
        assert_eq!((d.cutoff_hz(), d.resonance(), d.drive()), (500.0, 0.3, 0.0));
    }

    #[test]
    fn reset_block_determinism_and_flush() {
        let input: Vec<f32> = (0..4096)
            .map(|i| (i * 7919 % 2003) as f32 / 1001.5 - 1.0)
            .collect();
        let mut a = diode(700.0, 0.9);
        a.set_drive(0.5);
        let per_sample: Vec<f32> = input.iter().map(|&x| a.tick(x)).collect();
        let mut b = diode(700.0, 0.9);
        b.set_drive(0.5);
        let mut block = input.clone();
        b.process(&mut block);
        a.reset();
        let again: Vec<f32> = input.iter().map(|&x| a.tick(x)).collect();
        for i in 0..input.len() {
            assert_eq!(per_sample[i].to_bits(), block[i].to_bits());
            assert_eq!(per_sample[i].to_bits(), again[i].to_bits());
        }
        for _ in 0..FS as usize {
            a.tick(0.0);
        }
        assert_eq!(a.s, [0.0; 4]);
    }
}
