//! Second-order IIR sections from Robert Bristow-Johnson's *Audio EQ Cookbook* (RBJ, 1998/2005).
//!
//! These are the EQ and tone-shaping filters (peaks, shelves, static low/high cuts). Synth
//! filters whose cutoff is modulated every sample should use [`crate::svf::Svf`] instead: the
//! direct-form structure here is not designed for fast coefficient changes, and computing the
//! coefficients costs `std` trig (`set` is a control-rate call).
//!
//! Structure: transposed direct form II (two state variables, good float behaviour for audio),
//! processed in `f32`; coefficients are computed in `f64` and then rounded.

use crate::math::flush_denormal;
use std::f64::consts::PI;

/// Lowest accepted centre/corner frequency.
pub const MIN_FREQ_HZ: f32 = 10.0;
/// Accepted Q range: below 0.1 the sections degenerate, above 40 they ring for seconds.
pub const MIN_Q: f32 = 0.1;
/// Upper end of the accepted Q range.
pub const MAX_Q: f32 = 40.0;
/// Accepted gain range for [`BiquadKind::Peak`] and the shelves, in dB (symmetric).
pub const MAX_GAIN_DB: f32 = 48.0;

/// Response type of a [`Biquad`] (the cookbook's filter list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BiquadKind {
    /// 12 dB/oct lowpass; `q` = 0.7071 is Butterworth (-3.01 dB at `freq_hz`).
    Lowpass,
    /// 12 dB/oct highpass; mirror of `Lowpass`.
    Highpass,
    /// Bandpass with 0 dB gain at `freq_hz` (the cookbook's "constant 0 dB peak gain" form).
    Bandpass,
    /// Band-reject with a true zero at `freq_hz`; `q` sets the width.
    Notch,
    /// Peaking EQ bell: `gain_db` at `freq_hz`, 0 dB far away; `q` sets the width.
    Peak,
    /// Low shelf: `gain_db` below `freq_hz` (exactly at DC), 0 dB above; `q` = 0.7071 gives the
    /// steepest shelf without overshoot (cookbook slope S = 1).
    LowShelf,
    /// High shelf: `gain_db` above `freq_hz` (exactly at Nyquist), 0 dB below.
    HighShelf,
    /// Second-order allpass: flat magnitude, phase passes -180 degrees at `freq_hz`.
    AllPass,
}

/// One RBJ biquad section (mono; use one per channel).
///
/// Defaults after `new`: `Peak` at 1 kHz, Q 0.7071, 0 dB, which is an exact passthrough.
#[derive(Debug, Clone)]
pub struct Biquad {
    sample_rate: f32,
    kind: BiquadKind,
    freq_hz: f32,
    q: f32,
    gain_db: f32,
    b0: f32,
    b1: f32,
    b2: f32,
    a1: f32,
    a2: f32,
    s1: f32,
    s2: f32,
}

impl Biquad {
    /// Creates a passthrough section (see the type docs for the defaults).
    pub fn new(sample_rate: f32) -> Self {
        let sample_rate = if sample_rate.is_finite() && sample_rate > 0.0 {
            sample_rate
        } else {
            48_000.0
        };
        let mut s = Self {
            sample_rate,
            kind: BiquadKind::Peak,
            freq_hz: 1000.0,
            q: std::f32::consts::FRAC_1_SQRT_2,
            gain_db: 0.0,
            b0: 1.0,
            b1: 0.0,
            b2: 0.0,
            a1: 0.0,
            a2: 0.0,
            s1: 0.0,
            s2: 0.0,
        };
        s.set(
            BiquadKind::Peak,
            1000.0,
            std::f32::consts::FRAC_1_SQRT_2,
            0.0,
        );
        s
    }

    /// Recomputes the coefficients.
    ///
    /// Ranges (clamped): `freq_hz` 10 .. 0.49 * sample rate, `q` 0.1..=40, `gain_db` -48..=48
    /// (ignored by the kinds without gain). NaN arguments keep the previous value.
    ///
    /// Costs `sin`/`cos`/`powf` from `std` (~100 ns): call at control rate (on parameter change
    /// or at most once per 16-sample block), not per sample. The filter state is kept, so
    /// changes do not reset the signal (small steps are click-free).
    pub fn set(&mut self, kind: BiquadKind, freq_hz: f32, q: f32, gain_db: f32) {
        let nyq_guard = 0.49 * self.sample_rate;
        if !freq_hz.is_nan() {
            self.freq_hz = freq_hz.clamp(MIN_FREQ_HZ, nyq_guard.max(MIN_FREQ_HZ));
        }
        if !q.is_nan() {
            self.q = q.clamp(MIN_Q, MAX_Q);
        }
        if !gain_db.is_nan() {
            self.gain_db = gain_db.clamp(-MAX_GAIN_DB, MAX_GAIN_DB);
        }
        self.kind = kind;

        let w0 = 2.0 * PI * self.freq_hz as f64 / self.sample_rate as f64;
        let (sin_w, cos_w) = w0.sin_cos();
        let alpha = sin_w / (2.0 * self.q as f64);
        // Amplitude "A" of the cookbook: sqrt of the linear gain, so the bell/shelf reach
        // exactly gain_db at their reference point.
        let a = 10f64.powf(self.gain_db as f64 / 40.0);
        let (b0, b1, b2, a0, a1, a2) = match kind {
            BiquadKind::Lowpass => {
                let b = (1.0 - cos_w) / 2.0;
                (b, 2.0 * b, b, 1.0 + alpha, -2.0 * cos_w, 1.0 - alpha)
            }
            BiquadKind::Highpass => {
                let b = (1.0 + cos_w) / 2.0;
                (b, -2.0 * b, b, 1.0 + alpha, -2.0 * cos_w, 1.0 - alpha)
            }
            BiquadKind::Bandpass => (alpha, 0.0, -alpha, 1.0 + alpha, -2.0 * cos_w, 1.0 - alpha),
            BiquadKind::Notch => (
                1.0,
                -2.0 * cos_w,
                1.0,
                1.0 + alpha,
                -2.0 * cos_w,
                1.0 - alpha,
            ),
            BiquadKind::Peak => (
                1.0 + alpha * a,
                -2.0 * cos_w,
                1.0 - alpha * a,
                1.0 + alpha / a,
                -2.0 * cos_w,
                1.0 - alpha / a,
            ),
            BiquadKind::LowShelf => {
                let sq = 2.0 * a.sqrt() * alpha;
                (
                    a * ((a + 1.0) - (a - 1.0) * cos_w + sq),
                    2.0 * a * ((a - 1.0) - (a + 1.0) * cos_w),
                    a * ((a + 1.0) - (a - 1.0) * cos_w - sq),
                    (a + 1.0) + (a - 1.0) * cos_w + sq,
                    -2.0 * ((a - 1.0) + (a + 1.0) * cos_w),
                    (a + 1.0) + (a - 1.0) * cos_w - sq,
                )
            }
            BiquadKind::HighShelf => {
                let sq = 2.0 * a.sqrt() * alpha;
                (
                    a * ((a + 1.0) + (a - 1.0) * cos_w + sq),
                    -2.0 * a * ((a - 1.0) + (a + 1.0) * cos_w),
                    a * ((a + 1.0) + (a - 1.0) * cos_w - sq),
                    (a + 1.0) - (a - 1.0) * cos_w + sq,
                    2.0 * ((a - 1.0) - (a + 1.0) * cos_w),
                    (a + 1.0) - (a - 1.0) * cos_w - sq,
                )
            }
            BiquadKind::AllPass => (
                1.0 - alpha,
                -2.0 * cos_w,
                1.0 + alpha,
                1.0 + alpha,
                -2.0 * cos_w,
                1.0 - alpha,
            ),
        };
        let inv_a0 = 1.0 / a0;
        self.b0 = (b0 * inv_a0) as f32;
        self.b1 = (b1 * inv_a0) as f32;
        self.b2 = (b2 * inv_a0) as f32;
        self.a1 = (a1 * inv_a0) as f32;
        self.a2 = (a2 * inv_a0) as f32;
    }

    /// Current kind.
    pub fn kind(&self) -> BiquadKind {
        self.kind
    }

    /// Current (clamped) frequency in Hz.
    pub fn freq_hz(&self) -> f32 {
        self.freq_hz
    }

    /// Current (clamped) Q.
    pub fn q(&self) -> f32 {
        self.q
    }

    /// Current (clamped) gain in dB.
    pub fn gain_db(&self) -> f32 {
        self.gain_db
    }

    /// True when the memory is exactly zero (a decayed state is flushed to zero below the
    /// denormal floor): silent input then gives exactly silent output, so a host may skip
    /// the section until input arrives without changing a single sample.
    pub fn is_at_rest(&self) -> bool {
        self.s1 == 0.0 && self.s2 == 0.0
    }

    /// Clears the filter memory; coefficients are kept.
    pub fn reset(&mut self) {
        self.s1 = 0.0;
        self.s2 = 0.0;
    }

    /// Filters one sample (transposed direct form II).
    #[inline]
    pub fn tick(&mut self, input: f32) -> f32 {
        let y = self.b0 * input + self.s1;
        self.s1 = flush_denormal(self.b1 * input - self.a1 * y + self.s2);
        self.s2 = flush_denormal(self.b2 * input - self.a2 * y);
        y
    }

    /// Filters a block in place.
    pub fn process(&mut self, buf: &mut [f32]) {
        for s in buf.iter_mut() {
            *s = self.tick(*s);
        }
    }

    /// Analytic magnitude response in dB at `freq_hz`, evaluated from the coefficients actually
    /// in use (so it includes their `f32` rounding). For EQ displays; costs `std` trig.
    ///
    /// Returns `-inf` at an exact zero (notch centre).
    pub fn magnitude_db(&self, freq_hz: f32) -> f32 {
        let w = 2.0 * PI * freq_hz as f64 / self.sample_rate as f64;
        let (s1, c1) = w.sin_cos();
        let (s2, c2) = (2.0 * w).sin_cos();
        // H(e^{jw}) with z^-1 = cos w - j sin w.
        let (b0, b1, b2) = (self.b0 as f64, self.b1 as f64, self.b2 as f64);
        let (a1, a2) = (self.a1 as f64, self.a2 as f64);
        let num_re = b0 + b1 * c1 + b2 * c2;
        let num_im = -(b1 * s1 + b2 * s2);
        let den_re = 1.0 + a1 * c1 + a2 * c2;
        let den_im = -(a1 * s1 + a2 * s2);
        let num = num_re * num_re + num_im * num_im;
        let den = den_re * den_re + den_im * den_im;
        if num <= 0.0 {
            return f32::NEG_INFINITY;
        }
        (10.0 * (num / den).log10()) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use realfft::RealFftPlanner;
    use std::f32::consts::FRAC_1_SQRT_2;

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

    fn designed(kind: BiquadKind, f: f32, q: f32, g: f32) -> Biquad {
        let mut b = Biquad::new(FS);
        b.set(kind, f, q, g);
        b
    }

    #[test]
    fn peak_is_plus_6_db_at_centre() {
        let mut b = designed(BiquadKind::Peak, 1000.0, 1.0, 6.0);
        let g = sine_gain_db(|x| b.tick(x), 1000.0, 0.25);
        assert!((g - 6.0).abs() < 0.05, "measured {g} dB");
        assert!((b.magnitude_db(1000.0) - 6.0).abs() < 0.01);
        // Far from the bell the section is transparent.
        assert!(b.magnitude_db(20.0).abs() < 0.02);
        assert!(b.magnitude_db(20_000.0).abs() < 0.05);
    }

    #[test]
    fn lowpass_butterworth_is_minus_3_db_at_corner() {
        let mut b = designed(
            BiquadKind::Lowpass,
            1000.0,
            std::f32::consts::FRAC_1_SQRT_2,
            0.0,
        );
        let g = sine_gain_db(|x| b.tick(x), 1000.0, 0.5);
        assert!((g + 3.0103).abs() < 0.05, "measured {g} dB");
    }

    #[test]
    fn shelves_reach_their_gain_at_the_extremes() {
        // The cookbook shelves are exactly gain_db at DC (low) / Nyquist (high) and 0 dB at the
        // other end; a decade away from the corner they are within a few hundredths of a dB.
        let mut lo = designed(BiquadKind::LowShelf, 200.0, FRAC_1_SQRT_2, 12.0);
        assert!((lo.magnitude_db(0.0) - 12.0).abs() < 0.01);
        assert!(lo.magnitude_db(FS / 2.0).abs() < 0.01);
        let g_low = sine_gain_db(|x| lo.tick(x), 10.0, 0.1);
        assert!((g_low - 12.0).abs() < 0.1, "low shelf at 10 Hz: {g_low} dB");
        let mut lo = designed(BiquadKind::LowShelf, 200.0, FRAC_1_SQRT_2, 12.0);
        let g_high = sine_gain_db(|x| lo.tick(x), 12_000.0, 0.1);
        assert!(g_high.abs() < 0.1, "low shelf at 12 kHz: {g_high} dB");

        let mut hi = designed(BiquadKind::HighShelf, 2000.0, FRAC_1_SQRT_2, -9.0);
        assert!((hi.magnitude_db(FS / 2.0) + 9.0).abs() < 0.01);
        assert!(hi.magnitude_db(0.0).abs() < 0.01);
        let g_top = sine_gain_db(|x| hi.tick(x), 20_000.0, 0.5);
        assert!(
            (g_top + 9.0).abs() < 0.1,
            "high shelf at 20 kHz: {g_top} dB"
        );
    }

    #[test]
    fn notch_and_allpass() {
        let mut n = designed(BiquadKind::Notch, 3000.0, 2.0, 0.0);
        let depth = sine_gain_db(|x| n.tick(x), 3000.0, 0.5);
        assert!(depth < -60.0, "notch depth {depth} dB");
        let mut ap = designed(BiquadKind::AllPass, 500.0, 0.9, 0.0);
        for f in [50.0, 500.0, 5000.0] {
            let mut ap2 = ap.clone();
            let g = sine_gain_db(|x| ap2.tick(x), f, 0.5);
            assert!(g.abs() < 0.02, "allpass {f} Hz: {g} dB");
        }
        assert!(ap.tick(1.0).is_finite());
        let mut bp = designed(BiquadKind::Bandpass, 700.0, 5.0, 0.0);
        let g = sine_gain_db(|x| bp.tick(x), 700.0, 0.5);
        assert!(g.abs() < 0.05, "bandpass peak {g} dB");
    }

    /// The analytic response must agree with the measured one everywhere the filter is above
    /// -40 dB: FFT of a 16384-sample impulse response against `magnitude_db` at each bin.
    #[test]
    fn analytic_magnitude_matches_measured_response() {
        const N: usize = 16_384;
        let mut planner = RealFftPlanner::<f64>::new();
        let fft = planner.plan_fft_forward(N);
        let cases = [
            (BiquadKind::Lowpass, 800.0, 2.0, 0.0),
            (BiquadKind::Highpass, 150.0, FRAC_1_SQRT_2, 0.0),
            (BiquadKind::Bandpass, 2000.0, 4.0, 0.0),
            (BiquadKind::Notch, 1000.0, 1.0, 0.0),
            (BiquadKind::Peak, 5000.0, 3.0, -8.0),
            (BiquadKind::LowShelf, 300.0, FRAC_1_SQRT_2, 6.0),
            (BiquadKind::HighShelf, 6000.0, 1.2, 4.0),
            (BiquadKind::AllPass, 1200.0, 0.7, 0.0),
        ];
        for (kind, f, q, g) in cases {
            let mut b = designed(kind, f, q, g);
            let mut ir: Vec<f64> = (0..N)
                .map(|i| b.tick(if i == 0 { 1.0 } else { 0.0 }) as f64)
                .collect();
            let mut spec = fft.make_output_vec();
            fft.process(&mut ir, &mut spec).unwrap();
            let mut worst = 0.0f64;
            for (k, c) in spec.iter().enumerate().skip(1) {
                let freq = k as f64 * FS as f64 / N as f64;
                if !(20.0..=20_000.0).contains(&freq) {
                    continue;
                }
                let analytic = b.magnitude_db(freq as f32) as f64;
                if analytic < -40.0 {
                    continue;
                }
                let measured = 20.0 * c.norm().log10();
                worst = worst.max((measured - analytic).abs());
            }
            assert!(worst < 0.1, "{kind:?}: worst deviation {worst} dB");
        }
    }

    #[test]
    fn reset_block_determinism_and_sanitising() {
        let input: Vec<f32> = (0..4096)
            .map(|i| (i * 7919 % 2003) as f32 / 1001.5 - 1.0)
            .collect();
        let mut a = designed(BiquadKind::Peak, 2500.0, 4.0, 9.0);
        let per_sample: Vec<f32> = input.iter().map(|&x| a.tick(x)).collect();
        let mut b = designed(BiquadKind::Peak, 2500.0, 4.0, 9.0);
        let mut block = input.clone();
        b.process(&mut block);
        a.reset();
        let again: Vec<f32> = input.iter().map(|&x| a.tick(x)).collect();
        for i in 0..input.len() {
            assert_eq!(per_sample[i].to_bits(), block[i].to_bits());
            assert_eq!(per_sample[i].to_bits(), again[i].to_bits());
        }
        // Extreme-but-valid and invalid settings stay finite.
        let mut e = designed(BiquadKind::LowShelf, 1e9, 1e9, 1e9);
        assert_eq!(
            (e.freq_hz(), e.q(), e.gain_db()),
            (0.49 * FS, MAX_Q, MAX_GAIN_DB)
        );
        e.set(BiquadKind::Peak, f32::NAN, f32::NAN, f32::NAN);
        assert_eq!(e.freq_hz(), 0.49 * FS);
        for kind in [BiquadKind::Lowpass, BiquadKind::HighShelf, BiquadKind::Peak] {
            for (f, q) in [(10.0, 40.0), (23_000.0, 40.0), (10.0, 0.1)] {
                let mut e = designed(kind, f, q, -48.0);
                for &x in &input {
                    assert!(e.tick(x).is_finite());
                }
            }
        }
    }

    #[test]
    fn state_flushes_to_zero() {
        let mut b = designed(BiquadKind::Lowpass, 1000.0, 2.0, 0.0);
        for i in 0..2000 {
            b.tick(if i % 3 == 0 { 1.0 } else { -0.4 });
        }
        for _ in 0..FS as usize {
            b.tick(0.0);
        }
        assert_eq!((b.s1, b.s2), (0.0, 0.0));
    }
}
