//! Moog-style 4-pole (24 dB/oct) transistor-ladder lowpass with zero-delay feedback.
//!
//! Algorithm: Vadim Zavalishin, *The Art of VA Filter Design* (2012/2018), chapter "Ladder
//! filter": four trapezoidal (TPT) one-pole lowpasses in series with the output fed back
//! inverted to the input. Each stage is `y = G*x + (1-G)*s` with `G = g/(1+g)`,
//! `g = tan(pi*fc/fs)`, so the whole chain is `y4 = G^4*u + S` where `S` only depends on the
//! stored states. The feedback loop `u = x - k*y4` is solved in closed form for this linear
//! model: `u = (x - k*S) / (1 + k*G^4)`, so there is no unit delay in the loop and the cutoff and
//! the resonance frequency stay exact up to Nyquist.
//!
//! Nonlinearity (for character and to bound self-oscillation): the solved summing-node signal
//! `u` passes through `T*tanh(u/T)` before the first stage (where the Moog's input differential
//! pair saturates), using [`fastmath::tanh`]. The loop is solved for the linear model first and
//! the saturation applied to the result, which costs one `tanh` per sample instead of an
//! iterative solve; since the stage input is then bounded by `T`, the filter cannot blow up at
//! any resonance or cutoff modulation.
//!
//! Implementation: the cascade is expanded into `y = M*s + m*u` (all four stage outputs from
//! the old states and the stage-1 input), with `M`, `m` and the loop constants recomputed in the
//! setters. Per sample only one 4-term dot product and the saturator are serial, instead of a
//! chain of four dependent stages, which roughly halves the latency-bound cost of a voice.

use crate::fastmath;
use crate::math::flush_denormal;
use std::f32::consts::PI;

/// Lowest accepted cutoff.
pub const MIN_CUTOFF_HZ: f32 = 20.0;
/// Highest accepted cutoff (also limited to 0.45 * sample rate).
pub const MAX_CUTOFF_HZ: f32 = 20_000.0;
/// Feedback gain at `resonance = 1`. The linear ladder self-oscillates at k = 4 (loop gain
/// (1/sqrt(2))^4 * k = 1 at the cutoff, where the four stages add up to -180 degrees); a few
/// percent more makes the oscillation start reliably and settle where the saturator's falling
/// gain balances it.
pub const MAX_K: f32 = 4.2;

/// Zero-delay-feedback 24 dB/oct ladder lowpass (mono; one per voice and channel).
///
/// Parameters (clamped; NaN ignored): `cutoff_hz` 20 ..= min(20 kHz, 0.45 * sample rate)
/// (default 1 kHz), `resonance` 0..=1 (default 0; `k = 4.2 * resonance`, self-oscillation from
/// about 0.95), `drive` 0..=1 (default 0), bass compensation off by default.
///
/// Without compensation the passband (DC) gain is `1/(1+k)`, i.e. -14.3 dB at full resonance,
/// which is the classic Moog "thinning". With [`set_bass_compensation`](Self::set_bass_compensation)
/// the input is multiplied by `1+k` instead, which restores exactly 0 dB at DC for every
/// resonance and, like a compensated hardware ladder, drives the saturator harder as resonance
/// rises.
#[derive(Debug, Clone)]
pub struct Ladder {
    pi_over_fs: f32,
    max_cutoff_hz: f32,
    cutoff_hz: f32,
    resonance: f32,
    drive: f32,
    bass_compensation: bool,
    k: f32,
    /// Saturation level `T`.
    sat_level: f32,
    /// One trapezoidal step written as `y = M*s + m*u`: `cols[j][i]` = M(i, j) =
    /// `G^(i-j) * (1-G)` for j <= i (stage i's response to state j), `m[i] = G^(i+1)`.
    cols: [[f32; 4]; 4],
    m: [f32; 4],
    /// Derived loop constants (see `update_loop`), so `tick` only has one dot product and the
    /// saturator on its per-sample dependency chain.
    w: [f32; 4],
    in_scale: f32,
    m_t: [f32; 4],
    s: [f32; 4],
}

impl Ladder {
    /// Creates a ladder with the defaults listed on the type.
    pub fn new(sample_rate: f32) -> Self {
        let sample_rate = if sample_rate.is_finite() && sample_rate > 0.0 {
            sample_rate
        } else {
            48_000.0
        };
        let mut l = Self {
            pi_over_fs: PI / sample_rate,
            max_cutoff_hz: MAX_CUTOFF_HZ.min(0.45 * sample_rate),
            cutoff_hz: 1000.0,
            resonance: 0.0,
            drive: 0.0,
            bass_compensation: false,
            k: 0.0,
            sat_level: 4.0,
            cols: [[0.0; 4]; 4],
            m: [0.0; 4],
            w: [0.0; 4],
            in_scale: 0.0,
            m_t: [0.0; 4],
            s: [0.0; 4],
        };
        l.set_cutoff_hz(1000.0);
        l.set_drive(0.0);
        l
    }

    /// Sets the cutoff (the -12 dB point at resonance 0, and the self-oscillation frequency).
    /// Cheap (fast `tan`, two divisions, ~25 multiplies): fine per sample.
    #[inline]
    pub fn set_cutoff_hz(&mut self, cutoff_hz: f32) {
        if cutoff_hz.is_nan() {
            return;
        }
        self.cutoff_hz = cutoff_hz.clamp(MIN_CUTOFF_HZ, self.max_cutoff_hz);
        let g = fastmath::tan(self.cutoff_hz * self.pi_over_fs);
        let big_g = g / (1.0 + g);
        let b = 1.0 - big_g;
        let pow = [1.0, big_g, big_g * big_g, big_g * big_g * big_g];
        for (j, col) in self.cols.iter_mut().enumerate() {
            for (i, c) in col.iter_mut().enumerate() {
                *c = if j <= i { pow[i - j] * b } else { 0.0 };
            }
        }
        self.m = [pow[1], pow[2], pow[3], pow[2] * pow[2]];
        self.update_loop();
    }

    /// Current (clamped) cutoff in Hz.
    pub fn cutoff_hz(&self) -> f32 {
        self.cutoff_hz
    }

    /// Sets resonance 0..=1 (`k = 4.2 * resonance`). Cheap: safe to call every sample.
    #[inline]
    pub fn set_resonance(&mut self, resonance: f32) {
        if resonance.is_nan() {
            return;
        }
        self.resonance = resonance.clamp(0.0, 1.0);
        self.k = MAX_K * self.resonance;
        self.update_loop();
    }

    /// Current resonance.
    pub fn resonance(&self) -> f32 {
        self.resonance
    }

    /// Sets drive 0..=1: lowers the saturation level `T` from 4.0 to 0.5
    /// (`T = 2^(2 - 3*drive)`). Small-signal gain does not change, only how early the input
    /// stage compresses, so drive adds harmonics without a level jump; self-oscillation
    /// amplitude scales with `T` (about 0.43 at drive 0). Cheap: fine per sample.
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

    /// Enables passband (bass) compensation; see the type docs for the exact behaviour.
    pub fn set_bass_compensation(&mut self, on: bool) {
        self.bass_compensation = on;
        self.update_loop();
    }

    /// Whether bass compensation is on.
    pub fn bass_compensation(&self) -> bool {
        self.bass_compensation
    }

    /// Folds resonance, compensation and saturation level into the per-sample constants:
    /// `u/T = x * in_scale - w . s` with `in_scale = in_gain / ((1 + k*G^4) T)` and
    /// `w_j = k * M(3, j) / ((1 + k*G^4) T)`; then `y = M*s + (T*m) * tanh(u/T)`.
    #[inline(always)]
    fn update_loop(&mut self) {
        let in_gain = if self.bass_compensation {
            1.0 + self.k
        } else {
            1.0
        };
        let scale = 1.0 / ((1.0 + self.k * self.m[3]) * self.sat_level);
        self.in_scale = in_gain * scale;
        for (w, col) in self.w.iter_mut().zip(&self.cols) {
            *w = self.k * col[3] * scale;
        }
        for (mt, m) in self.m_t.iter_mut().zip(&self.m) {
            *mt = m * self.sat_level;
        }
    }

    /// Clears the four stage states; settings are kept.
    pub fn reset(&mut self) {
        self.s = [0.0; 4];
    }

    /// Filters one sample; returns the 4-pole lowpass output.
    #[inline]
    pub fn tick(&mut self, input: f32) -> f32 {
        let s = self.s;
        let w = &self.w;
        // Linear loop solution, in units of the saturation level, then the saturator.
        let dot = (w[0] * s[0] + w[1] * s[1]) + (w[2] * s[2] + w[3] * s[3]);
        let t = sat_tanh(input * self.in_scale - dot);
        // All four stage outputs at once; trapezoidal state update s' = 2y - s.
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

    fn ladder(cutoff: f32, res: f32) -> Ladder {
        let mut l = Ladder::new(FS);
        l.set_cutoff_hz(cutoff);
        l.set_resonance(res);
        l
    }

    fn gain(cutoff: f32, res: f32, f: f64) -> f64 {
        let mut l = ladder(cutoff, res);
        sine_gain_db(|x| l.tick(x), f, 0.01)
    }

    /// Linear ladder theory: analog 1/((1+s)^4 + k) at the bilinear-prewarped frequency.
    fn theory_db(cutoff: f64, k: f64, f: f64) -> f64 {
        let fs = FS as f64;
        let w = (std::f64::consts::PI * f / fs).tan() / (std::f64::consts::PI * cutoff / fs).tan();
        // (1 + jw)^4 = (1 - 6w^2 + w^4) + j(4w - 4w^3).
        let re = 1.0 - 6.0 * w * w + w.powi(4) + k;
        let im = 4.0 * w - 4.0 * w.powi(3);
        -10.0 * (re * re + im * im).log10()
    }

    #[test]
    fn cutoff_is_minus_12_db_and_slope_is_24_db_per_octave() {
        // Four one-poles each -3.01 dB at the cutoff: -12.04 dB (exact after prewarping).
        let at_fc = gain(1000.0, 0.0, 1000.0);
        assert!((at_fc + 12.041).abs() < 1.0, "at fc: {at_fc} dB");
        assert!((at_fc - theory_db(1000.0, 0.0, 1000.0)).abs() < 0.05);
        // Between 2x and 4x the cutoff the prototype is not yet asymptotic: theory gives
        // -21.3 dB for that octave (it reaches -24 dB/oct only far above the corner).
        let (g2, g4) = (gain(500.0, 0.0, 1000.0), gain(500.0, 0.0, 2000.0));
        let want = theory_db(500.0, 0.0, 2000.0) - theory_db(500.0, 0.0, 1000.0);
        assert!(
            (g4 - g2 - want).abs() < 0.1,
            "2x->4x: {} dB, theory {want}",
            g4 - g2
        );
        // Octave 8x -> 16x: the asymptotic slope.
        let (g8, g16) = (gain(250.0, 0.0, 2000.0), gain(250.0, 0.0, 4000.0));
        let slope = g16 - g8;
        assert!((slope + 24.0).abs() < 1.0, "8x->16x slope {slope} dB/oct");
    }

    #[test]
    fn resonance_and_bass_compensation_follow_linear_theory() {
        for res in [0.25f32, 0.5, 0.85] {
            let k = (MAX_K * res) as f64;
            for f in [100.0, 700.0, 1000.0, 1400.0] {
                let g = gain(1000.0, res, f);
                let want = theory_db(1000.0, k, f);
                assert!((g - want).abs() < 0.1, "res {res} f {f}: {g} vs {want}");
            }
        }
        let mut l = ladder(1000.0, 0.8);
        l.set_bass_compensation(true);
        let dc = sine_gain_db(|x| l.tick(x), 20.0, 0.01);
        assert!(dc.abs() < 0.1, "compensated passband {dc} dB");
        let thin = gain(1000.0, 0.8, 20.0);
        let want = -20.0 * (1.0 + MAX_K as f64 * 0.8).log10();
        assert!(
            (thin - want).abs() < 0.1,
            "uncompensated passband {thin} vs {want}"
        );
    }

    /// Self-oscillation at resonance 1: an impulse starts a sustained sine at the cutoff.
    #[test]
    fn self_oscillates_at_the_cutoff() {
        for cutoff in [220.0f32, 1000.0, 5000.0] {
            let mut l = ladder(cutoff, 1.0);
            let n = FS as usize;
            let out: Vec<f32> = (0..n)
                .map(|i| l.tick(if i == 0 { 1.0 } else { 0.0 }))
                .collect();
            let tail = &out[n / 2..];
            let amp_a = tail[..tail.len() / 2]
                .iter()
                .fold(0.0f32, |m, x| m.max(x.abs()));
            let amp_b = tail[tail.len() / 2..]
                .iter()
                .fold(0.0f32, |m, x| m.max(x.abs()));
            assert!(
                amp_a > 0.1 && (amp_b / amp_a - 1.0).abs() < 0.02,
                "{amp_a} {amp_b}"
            );
            // Frequency from interpolated rising zero crossings over the last half second.
            let mut first = None;
            let mut last = 0.0f64;
            let mut count = 0usize;
            for i in 1..tail.len() {
                if tail[i - 1] < 0.0 && tail[i] >= 0.0 {
                    let t = (i - 1) as f64 + (-tail[i - 1] / (tail[i] - tail[i - 1])) as f64;
                    if first.is_none() {
                        first = Some(t);
                    } else {
                        count += 1;
                    }
                    last = t;
                }
            }
            let freq = count as f64 * FS as f64 / (last - first.unwrap_or(0.0));
            let err = freq / cutoff as f64 - 1.0;
            assert!(err.abs() < 0.03, "cutoff {cutoff}: oscillates at {freq} Hz");
            assert!(err.abs() < 0.01, "cutoff {cutoff}: oscillates at {freq} Hz");
        }
    }

    #[test]
    fn stable_under_per_sample_cutoff_modulation() {
        let mut l = ladder(1000.0, 1.0);
        l.set_drive(1.0);
        l.set_bass_compensation(true);
        let mut peak = 0.0f32;
        for n in 0..FS as usize {
            let m = fastmath::sin_cycles(n as f32 * 300.0 / FS);
            l.set_cutoff_hz(1000.0 * fastmath::exp2(4.0 * m));
            let x = if n % 160 < 80 { 1.0 } else { -1.0 };
            let y = l.tick(x);
            assert!(y.is_finite());
            peak = peak.max(y.abs());
        }
        // Stage inputs are bounded by the saturation level (0.5 at full drive); each TPT
        // one-pole's impulse response is absolutely summable to 1, so |y| stays < 0.5.
        assert!(peak <= 0.5, "peak {peak}");
    }

    #[test]
    fn reset_block_determinism_and_flush() {
        let input: Vec<f32> = (0..4096)
            .map(|i| (i * 7919 % 2003) as f32 / 1001.5 - 1.0)
            .collect();
        let mut a = ladder(1200.0, 0.7);
        a.set_drive(0.6);
        let per_sample: Vec<f32> = input.iter().map(|&x| a.tick(x)).collect();
        let mut b = ladder(1200.0, 0.7);
        b.set_drive(0.6);
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
        // Extreme settings and junk input stay finite.
        let mut e = ladder(1e9, 7.0);
        e.set_drive(-3.0);
        e.set_cutoff_hz(f32::NAN);
        assert_eq!(e.cutoff_hz(), MAX_CUTOFF_HZ);
        for n in 0..48_000 {
            assert!(e.tick(if n % 2 == 0 { 100.0 } else { -100.0 }).is_finite());
        }
        let mut lo = ladder(20.0, 1.0);
        for n in 0..48_000 {
            assert!(lo.tick(if n % 500 < 250 { 1.0 } else { -1.0 }).is_finite());
        }
    }
}
