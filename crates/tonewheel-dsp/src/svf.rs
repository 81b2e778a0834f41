//! Zero-delay-feedback state-variable filter (the main "synth filter" of a voice).
//!
//! Algorithm: the trapezoidal (TPT) SVF of Vadim Zavalishin, *The Art of VA Filter Design*
//! (2012/2018), in the solved form published by Andrew Simper (Cytomic),
//! "Linear Trapezoidal Integrated SVF" / `SvfLinearTrapOptimised2` (2013). Unlike the Chamberlin
//! SVF it is stable for every cutoff below Nyquist and tolerates per-sample cutoff modulation,
//! because the integrator states carry the trapezoidal "capacitor current" rather than outputs.
//!
//! Cost: `tick` is ~12 multiply-adds; `set_cutoff_hz` is one [`fastmath::tan`] plus a division,
//! so it can be called every sample for audio-rate filter FM.

use crate::fastmath;
use crate::math::flush_denormal;
use std::f32::consts::{FRAC_1_SQRT_2, PI, SQRT_2};

/// Lowest accepted cutoff.
pub const MIN_CUTOFF_HZ: f32 = 20.0;
/// Highest accepted cutoff (also limited to 0.49 * sample rate).
pub const MAX_CUTOFF_HZ: f32 = 20_000.0;
/// Q at `resonance = 0`: Butterworth, the flattest response without a peak.
pub const MIN_RES_Q: f32 = FRAC_1_SQRT_2;
/// Q at `resonance = 1`: a sharp whistling peak (+28 dB) that is still a stable filter, not an
/// oscillator (the TPT SVF only self-oscillates at infinite Q).
pub const MAX_RES_Q: f32 = 25.0;

/// Which response [`Svf::tick`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SvfMode {
    /// 12 dB/oct lowpass; unity gain at DC, gain Q at the cutoff.
    Lowpass,
    /// 12 dB/oct highpass; unity gain at Nyquist, gain Q at the cutoff.
    Highpass,
    /// Bandpass normalised to 0 dB at the cutoff for every Q (resonance narrows it instead of
    /// making it louder, which keeps levels sane when resonance is modulated).
    Bandpass,
    /// Band-reject: a true zero at the cutoff, unity elsewhere.
    Notch,
    /// Lowpass minus highpass: unity at DC, -1 (inverted) at Nyquist and a resonant peak of
    /// gain 2Q at the cutoff; Simper's "peak" output.
    Peak,
}

/// Stereo-agnostic mono TPT state-variable filter. Use one per voice and channel.
///
/// Defaults after `new`: lowpass, 1 kHz, resonance 0 (Q = 0.7071).
#[derive(Debug, Clone)]
pub struct Svf {
    /// `PI / sample_rate`, so the cutoff update is a multiply.
    pi_over_fs: f32,
    max_cutoff_hz: f32,
    mode: SvfMode,
    cutoff_hz: f32,
    resonance: f32,
    /// Damping `1/Q`.
    k: f32,
    g: f32,
    a1: f32,
    a2: f32,
    a3: f32,
    /// `2*a1 - 1`, `2*a2`, `2*a3`: the state-update form of the coefficients.
    c1: f32,
    d2: f32,
    d3: f32,
    ic1eq: f32,
    ic2eq: f32,
}

impl Svf {
    /// Creates a filter with the defaults listed on the type.
    pub fn new(sample_rate: f32) -> Self {
        let sample_rate = if sample_rate.is_finite() && sample_rate > 0.0 {
            sample_rate
        } else {
            48_000.0
        };
        let mut s = Self {
            pi_over_fs: PI / sample_rate,
            max_cutoff_hz: MAX_CUTOFF_HZ.min(0.49 * sample_rate),
            mode: SvfMode::Lowpass,
            cutoff_hz: 1000.0,
            resonance: 0.0,
            k: SQRT_2,
            g: 0.0,
            a1: 0.0,
            a2: 0.0,
            a3: 0.0,
            c1: 0.0,
            d2: 0.0,
            d3: 0.0,
            ic1eq: 0.0,
            ic2eq: 0.0,
        };
        s.set_cutoff_hz(1000.0);
        s
    }

    /// Selects the response returned by [`tick`](Self::tick) / [`process`](Self::process).
    pub fn set_mode(&mut self, mode: SvfMode) {
        self.mode = mode;
    }

    /// Current mode.
    pub fn mode(&self) -> SvfMode {
        self.mode
    }

    /// Sets the cutoff, clamped to 20 Hz ..= min(20 kHz, 0.49 * sample rate). NaN is ignored.
    ///
    /// Cheap (fast `tan` + one division): safe to call every sample.
    #[inline]
    pub fn set_cutoff_hz(&mut self, cutoff_hz: f32) {
        if cutoff_hz.is_nan() {
            return;
        }
        self.cutoff_hz = cutoff_hz.clamp(MIN_CUTOFF_HZ, self.max_cutoff_hz);
        // Bilinear prewarp so the analog prototype's cutoff lands exactly on cutoff_hz.
        self.g = fastmath::tan(self.cutoff_hz * self.pi_over_fs);
        self.update_coeffs();
    }

    /// Current (clamped) cutoff in Hz.
    pub fn cutoff_hz(&self) -> f32 {
        self.cutoff_hz
    }

    /// Sets resonance in 0..=1 (clamped; NaN ignored), mapped exponentially to Q:
    /// `Q = 0.7071 * (25 / 0.7071)^resonance`, i.e. 0 -> 0.7071 (Butterworth), 0.5 -> 4.2,
    /// 1 -> 25. Exponential because perceived resonance follows the peak height in dB, which
    /// is `20*log10(Q)`. Cheap (fast `exp2`): safe to call every sample.
    #[inline]
    pub fn set_resonance(&mut self, resonance: f32) {
        if resonance.is_nan() {
            return;
        }
        self.resonance = resonance.clamp(0.0, 1.0);
        // log2(25 / 0.7071) = 5.1439.
        self.k = SQRT_2 * fastmath::exp2(-5.143_856_5 * self.resonance);
        self.update_coeffs();
    }

    /// Current resonance in 0..=1 (after clamping, or as implied by the last [`set_q`](Self::set_q)).
    pub fn resonance(&self) -> f32 {
        self.resonance
    }

    /// Sets Q directly, clamped to 0.5..=25 (NaN ignored); an alternative to
    /// [`set_resonance`](Self::set_resonance) for EQ-style use. 0.5 is critically damped.
    pub fn set_q(&mut self, q: f32) {
        if q.is_nan() {
            return;
        }
        let q = q.clamp(0.5, MAX_RES_Q);
        self.k = 1.0 / q;
        self.resonance = ((q / MIN_RES_Q).log2() / 5.143_856_5).max(0.0);
        self.update_coeffs();
    }

    /// Current Q (`1 / damping`).
    pub fn q(&self) -> f32 {
        1.0 / self.k
    }

    #[inline(always)]
    fn update_coeffs(&mut self) {
        let g = self.g;
        self.a1 = 1.0 / (1.0 + g * (g + self.k));
        self.a2 = g * self.a1;
        self.a3 = g * self.a2;
        self.c1 = 2.0 * self.a1 - 1.0;
        self.d2 = 2.0 * self.a2;
        self.d3 = 2.0 * self.a3;
    }

    /// Clears the integrator states; settings are kept.
    pub fn reset(&mut self) {
        self.ic1eq = 0.0;
        self.ic2eq = 0.0;
    }

    /// One trapezoidal step; returns (band, low) before output mixing.
    #[inline(always)]
    fn step(&mut self, v0: f32) -> (f32, f32) {
        let (ic1, ic2) = (self.ic1eq, self.ic2eq);
        let v3 = v0 - ic2;
        let v1 = self.a1 * ic1 + self.a2 * v3;
        let v2 = (ic2 + self.a2 * ic1) + self.a3 * v3;
        // Simper's update `ic' = 2v - ic`, expanded so each state recursion is only one
        // multiply-add deep (v1/v2 for the output are computed off the critical path).
        self.ic1eq = flush_denormal(self.c1 * ic1 + self.d2 * v3);
        self.ic2eq = flush_denormal((ic2 + self.d2 * ic1) + self.d3 * v3);
        (v1, v2)
    }

    /// Filters one sample with the current mode.
    #[inline]
    pub fn tick(&mut self, input: f32) -> f32 {
        let (v1, v2) = self.step(input);
        let k = self.k;
        match self.mode {
            SvfMode::Lowpass => v2,
            SvfMode::Highpass => input - k * v1 - v2,
            SvfMode::Bandpass => k * v1,
            SvfMode::Notch => input - k * v1,
            SvfMode::Peak => 2.0 * v2 - input + k * v1,
        }
    }

    /// Filters one sample and returns all three basic responses `(lowpass, bandpass, highpass)`
    /// (bandpass normalised to 0 dB at the cutoff, as in [`SvfMode::Bandpass`]).
    #[inline]
    pub fn tick_all(&mut self, input: f32) -> (f32, f32, f32) {
        let (v1, v2) = self.step(input);
        let k = self.k;
        (v2, k * v1, input - k * v1 - v2)
    }

    /// Filters a block in place with the current mode (mode dispatch hoisted out of the loop;
    /// bit-identical to calling [`tick`](Self::tick) per sample).
    pub fn process(&mut self, buf: &mut [f32]) {
        let k = self.k;
        match self.mode {
            SvfMode::Lowpass => {
                for s in buf.iter_mut() {
                    *s = self.step(*s).1;
                }
            }
            SvfMode::Highpass => {
                for s in buf.iter_mut() {
                    let (v1, v2) = self.step(*s);
                    *s = *s - k * v1 - v2;
                }
            }
            SvfMode::Bandpass => {
                for s in buf.iter_mut() {
                    *s = k * self.step(*s).0;
                }
            }
            SvfMode::Notch => {
                for s in buf.iter_mut() {
                    let (v1, _) = self.step(*s);
                    *s -= k * v1;
                }
            }
            SvfMode::Peak => {
                for s in buf.iter_mut() {
                    let (v1, v2) = self.step(*s);
                    *s = 2.0 * v2 - *s + k * v1;
                }
            }
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

    fn svf(mode: SvfMode, cutoff: f32, res: f32) -> Svf {
        let mut s = Svf::new(FS);
        s.set_mode(mode);
        s.set_cutoff_hz(cutoff);
        s.set_resonance(res);
        s
    }

    fn gain(mode: SvfMode, cutoff: f32, res: f32, f: f64) -> f64 {
        let mut s = svf(mode, cutoff, res);
        sine_gain_db(|x| s.tick(x), f, 0.5)
    }

    /// Bilinear-transformed 2nd-order lowpass: the analog prototype at the prewarped frequency.
    fn theory_lp_db(cutoff: f64, q: f64, f: f64) -> f64 {
        let fs = FS as f64;
        let w = (std::f64::consts::PI * f / fs).tan() / (std::f64::consts::PI * cutoff / fs).tan();
        -10.0 * ((1.0 - w * w).powi(2) + (w / q).powi(2)).log10()
    }

    #[test]
    fn lowpass_is_minus_3_db_at_cutoff_and_12_db_per_octave() {
        let at_fc = gain(SvfMode::Lowpass, 1000.0, 0.0, 1000.0);
        assert!((at_fc + 3.0103).abs() < 0.2, "LP at fc: {at_fc} dB");
        assert!((at_fc + 3.0103).abs() < 0.01, "LP at fc: {at_fc} dB");
        // Octave pair 4x -> 8x the cutoff (500 Hz): asymptotically -12 dB/oct; the bilinear
        // zero at Nyquist makes it -12.4 dB here, which the prewarped prototype predicts.
        let g4 = gain(SvfMode::Lowpass, 500.0, 0.0, 2000.0);
        let g8 = gain(SvfMode::Lowpass, 500.0, 0.0, 4000.0);
        let slope = g8 - g4;
        assert!((slope + 12.0).abs() < 1.5, "LP slope {slope} dB/oct");
        let want = theory_lp_db(500.0, std::f64::consts::FRAC_1_SQRT_2, 4000.0)
            - theory_lp_db(500.0, std::f64::consts::FRAC_1_SQRT_2, 2000.0);
        assert!(
            (slope - want).abs() < 0.05,
            "LP slope {slope}, theory {want}"
        );
    }

    #[test]
    fn highpass_mirrors_lowpass() {
        let at_fc = gain(SvfMode::Highpass, 1000.0, 0.0, 1000.0);
        assert!((at_fc + 3.0103).abs() < 0.01, "HP at fc: {at_fc} dB");
        let g_q = gain(SvfMode::Highpass, 2000.0, 0.0, 500.0);
        let g_e = gain(SvfMode::Highpass, 2000.0, 0.0, 250.0);
        let slope = g_q - g_e;
        assert!((slope - 12.0).abs() < 1.5, "HP slope {slope} dB/oct");
        let pass = gain(SvfMode::Highpass, 200.0, 0.0, 10_000.0);
        assert!(pass.abs() < 0.05, "HP passband {pass} dB");
    }

    #[test]
    fn notch_bandpass_peak_and_resonance_mapping() {
        let notch = gain(SvfMode::Notch, 1000.0, 0.3, 1000.0);
        assert!(notch < -40.0, "notch depth {notch} dB");
        let bp = gain(SvfMode::Bandpass, 3000.0, 0.7, 3000.0);
        assert!(bp.abs() < 0.05, "bandpass at fc {bp} dB");
        // At the cutoff the LP output has gain Q (resonance 1 -> Q 25 -> +27.96 dB) and the
        // peak output (LP - HP, the two in antiphase there) has gain 2Q.
        let lp_res = gain(SvfMode::Lowpass, 1000.0, 1.0, 1000.0);
        assert!(
            (lp_res - 27.959).abs() < 0.1,
            "LP at fc, res 1: {lp_res} dB"
        );
        let q_half = svf(SvfMode::Peak, 1000.0, 0.5).q();
        assert!((q_half - 4.204).abs() < 0.01, "Q at res 0.5: {q_half}");
        let peak = gain(SvfMode::Peak, 1000.0, 0.5, 1000.0);
        assert!(
            (peak - 20.0 * (2.0 * 4.204f64).log10()).abs() < 0.1,
            "peak {peak} dB"
        );
        let mut s = Svf::new(FS);
        s.set_q(FRAC_1_SQRT_2);
        assert!(s.resonance().abs() < 1e-4);
    }

    #[test]
    fn stable_under_audio_rate_cutoff_modulation_at_full_resonance() {
        let mut s = svf(SvfMode::Lowpass, 1000.0, 1.0);
        let mut peak = 0.0f32;
        let mut x = 0.123_f32;
        for n in 0..FS as usize {
            // Cutoff swept 40 Hz .. 19 kHz by a 440 Hz sine (exponential FM), white-ish input.
            let m = fastmath::sin_cycles(n as f32 * 440.0 / FS);
            s.set_cutoff_hz(900.0 * fastmath::exp2(4.4 * m));
            x = (x * 3.7 + 0.31).fract();
            let y = s.tick(x - 0.5);
            assert!(y.is_finite());
            peak = peak.max(y.abs());
        }
        // A Q=25 filter driven by |x| <= 0.5 cannot exceed ~Q * 0.5 in steady state; sweeping
        // through the resonance adds a transient, so allow 4x that.
        assert!(peak < 50.0, "peak {peak}");
    }

    #[test]
    fn reset_block_modes_and_determinism() {
        let input: Vec<f32> = (0..4096)
            .map(|i| (i * 7919 % 2003) as f32 / 1001.5 - 1.0)
            .collect();
        for mode in [
            SvfMode::Lowpass,
            SvfMode::Highpass,
            SvfMode::Bandpass,
            SvfMode::Notch,
            SvfMode::Peak,
        ] {
            let mut a = svf(mode, 1500.0, 0.8);
            let per_sample: Vec<f32> = input.iter().map(|&x| a.tick(x)).collect();
            let mut b = svf(mode, 1500.0, 0.8);
            let mut block = input.clone();
            b.process(&mut block);
            a.reset();
            let again: Vec<f32> = input.iter().map(|&x| a.tick(x)).collect();
            let mut c = svf(mode, 1500.0, 0.8);
            for i in 0..input.len() {
                assert_eq!(per_sample[i].to_bits(), block[i].to_bits(), "{mode:?}");
                assert_eq!(per_sample[i].to_bits(), again[i].to_bits(), "{mode:?}");
                let (lp, bp, hp) = c.tick_all(input[i]);
                let want = match mode {
                    SvfMode::Lowpass => lp,
                    SvfMode::Highpass => hp,
                    SvfMode::Bandpass => bp,
                    _ => per_sample[i],
                };
                assert_eq!(per_sample[i].to_bits(), want.to_bits(), "{mode:?}");
            }
        }
    }

    #[test]
    fn extremes_stay_finite_and_state_flushes() {
        for (f, r) in [(20.0, 1.0), (20_000.0, 1.0), (1e9, 0.0), (-5.0, 7.0)] {
            let mut s = svf(SvfMode::Highpass, f, r);
            for n in 0..48_000 {
                let y = s.tick(if n % 100 < 50 { 1.0 } else { -1.0 });
                assert!(y.is_finite(), "cutoff {f} res {r}");
            }
        }
        let mut s = svf(SvfMode::Lowpass, 1000.0, 0.5);
        s.set_cutoff_hz(f32::NAN);
        s.set_resonance(f32::NAN);
        assert_eq!((s.cutoff_hz(), s.resonance()), (1000.0, 0.5));
        for n in 0..2000 {
            s.tick(if n % 40 < 20 { 1.0 } else { -1.0 });
        }
        for _ in 0..FS as usize {
            s.tick(0.0);
        }
        assert_eq!((s.ic1eq, s.ic2eq), (0.0, 0.0));
    }
}
