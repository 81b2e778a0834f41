//! Stereo phaser: a swept chain of first-order allpass filters mixed with the dry signal.
//!
//! Each stage `H(z) = (a + z^-1) / (1 + a z^-1)` is the bilinear transform of the analogue
//! allpass `(1 - s/wc) / (1 + s/wc)` with `a = (t - 1) / (t + 1)`, `t = tan(pi fc / fs)`: flat
//! magnitude, phase falling from 0 to -180 degrees through -90 at the break frequency `fc`.
//! With `N` identical stages the chain's phase is `-2 N atan(tan(w/2) / t)`; where it reaches an
//! odd multiple of 180 degrees, dry + wet cancel, giving `N / 2` notches at
//! `f_k = (fs/pi) atan(t tan((2k + 1) pi / (2N)))` (J. O. Smith, "Physical Audio Signal
//! Processing", 2010, section "Phasing with first-order allpass filters"). An LFO sweeps `fc`
//! exponentially between the range limits.
//!
//! **Control rate.** The LFO and the coefficient (one `exp2` and one `tan` per channel) are
//! computed every 16 samples; the coefficient then ramps linearly to the next control value
//! over those 16 samples, so the per-sample cost is just the allpass chain.

use crate::fastmath;
use crate::math::flush_denormal;

const BLOCK: u32 = 16;
/// Most stages supported (state is allocated inline for this many).
pub const MAX_STAGES: usize = 12;
const MIN_HZ: f32 = 100.0;
const MAX_HZ: f32 = 8000.0;

/// Settings, copied into locals by the block loop.
#[derive(Debug, Clone, Copy)]
struct Params {
    sample_rate: f32,
    /// LFO phase advance per control block, in cycles.
    block_inc: f32,
    depth: f32,
    log2_min: f32,
    log2_span: f32,
    feedback: f32,
    mix: f32,
    stereo_phase: f32,
}

/// Per-sample state, kept in registers (or at least off the heap) by the block loop.
#[derive(Debug, Clone, Copy)]
struct Hot {
    /// Allpass states, stage-major with the two channels adjacent (`state[stage][channel]`),
    /// so the compiler can run both channels as one 2-lane vector without shuffles.
    state: [[f32; 2]; MAX_STAGES],
    fb_state: [f32; 2],
    /// LFO phase in cycles, kept in [1, 2).
    phase: f32,
    a_cur: [f32; 2],
    a_next: [f32; 2],
    a_step: [f32; 2],
    counter: u32,
    started: bool,
}

impl Hot {
    const INITIAL: Self = Self {
        state: [[0.0; 2]; MAX_STAGES],
        fb_state: [0.0; 2],
        phase: 1.0,
        a_cur: [0.0; 2],
        a_next: [0.0; 2],
        a_step: [0.0; 2],
        counter: 0,
        started: false,
    };
}

/// Stereo allpass phaser with 4..12 stages, feedback and LFO phase offset between channels.
///
/// Setters are cheap (no transcendental math except [`Phaser::set_sweep_range_hz`], which
/// takes two `log2`s and is meant for control rate); all act at the next 16-sample control
/// point.
#[derive(Debug, Clone)]
pub struct Phaser {
    stages: usize,
    params: Params,
    hot: Hot,
}

impl Phaser {
    /// Creates a phaser: 4 stages, sweep 200..3200 Hz, rate 0.5 Hz, depth 1, feedback 0,
    /// mix 0.5, stereo phase 90 degrees.
    pub fn new(sample_rate: f32) -> Self {
        let sample_rate = if sample_rate > 0.0 {
            sample_rate
        } else {
            48_000.0
        };
        let mut p = Self {
            stages: 4,
            params: Params {
                sample_rate,
                block_inc: 0.0,
                depth: 1.0,
                log2_min: 0.0,
                log2_span: 0.0,
                feedback: 0.0,
                mix: 0.5,
                stereo_phase: 0.25,
            },
            hot: Hot::INITIAL,
        };
        p.set_rate_hz(0.5);
        p.set_sweep_range_hz(200.0, 3200.0);
        p.reset();
        p
    }

    /// Clears the filter states and restarts the LFO; settings are kept.
    pub fn reset(&mut self) {
        self.hot = Hot::INITIAL;
    }

    /// Number of allpass stages: even, `4..=12` (default 4); odd values round down. Gives
    /// `stages / 2` notches. Newly enabled stages start from silence.
    pub fn set_stages(&mut self, stages: usize) {
        let n = stages.clamp(4, MAX_STAGES) & !1;
        if n != self.stages {
            for s in self.hot.state.iter_mut().skip(self.stages.min(n)) {
                *s = [0.0; 2];
            }
            self.stages = n;
        }
    }

    /// Limits of the swept break frequency, each clamped to `100..=8000` Hz and put in order
    /// (default 200..3200). Depth 0 parks the break frequency at their geometric mean.
    pub fn set_sweep_range_hz(&mut self, min_hz: f32, max_hz: f32) {
        let a = clamp_param(min_hz, MIN_HZ, MAX_HZ);
        let b = clamp_param(max_hz, MIN_HZ, MAX_HZ);
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        self.params.log2_min = lo.log2();
        self.params.log2_span = hi.log2() - self.params.log2_min;
    }

    /// LFO rate, `0.01..=10` Hz (default 0.5).
    pub fn set_rate_hz(&mut self, rate_hz: f32) {
        let rate_hz = clamp_param(rate_hz, 0.01, 10.0);
        self.params.block_inc = rate_hz / self.params.sample_rate * BLOCK as f32;
    }

    /// Sweep depth, `0..=1` (default 1): the fraction of the range the LFO covers, centred on
    /// the range's geometric mean.
    pub fn set_depth(&mut self, depth: f32) {
        self.params.depth = clamp_param(depth, 0.0, 1.0);
    }

    /// Feedback from the chain output to its input, `-0.9..=0.9` (default 0; NaN means 0):
    /// sharpens the notches' neighbours into peaks. Exactly 0 takes a faster path without the
    /// sample-to-sample dependency.
    pub fn set_feedback(&mut self, feedback: f32) {
        self.params.feedback = if feedback.is_nan() {
            0.0
        } else {
            feedback.clamp(-0.9, 0.9)
        };
    }

    /// Wet proportion, `0..=1` (default 0.5, the deepest notches).
    pub fn set_mix(&mut self, mix: f32) {
        self.params.mix = clamp_param(mix, 0.0, 1.0);
    }

    /// Right-channel LFO phase lead, `0..=360` degrees (default 90).
    pub fn set_stereo_phase_deg(&mut self, phase_deg: f32) {
        self.params.stereo_phase = clamp_param(phase_deg, 0.0, 360.0) / 360.0;
    }

    /// Processes one stereo sample.
    #[inline]
    pub fn tick_stereo(&mut self, l: f32, r: f32) -> (f32, f32) {
        let (mut a, mut b) = ([l], [r]);
        self.process_stereo(&mut a, &mut b);
        (a[0], b[0])
    }

    /// Processes stereo blocks in place (bit-identical to [`Self::tick_stereo`] per sample);
    /// if the lengths differ only the common prefix is processed.
    pub fn process_stereo(&mut self, left: &mut [f32], right: &mut [f32]) {
        let mut hot = self.hot;
        let p = self.params;
        let h = &mut hot;
        // One loop per stage count (fully unrolled chain) and feedback on/off (without
        // feedback consecutive samples do not depend on each other and overlap in the CPU).
        match (self.stages, p.feedback != 0.0) {
            (4, false) => run::<4, false>(h, &p, left, right),
            (4, true) => run::<4, true>(h, &p, left, right),
            (6, false) => run::<6, false>(h, &p, left, right),
            (6, true) => run::<6, true>(h, &p, left, right),
            (8, false) => run::<8, false>(h, &p, left, right),
            (8, true) => run::<8, true>(h, &p, left, right),
            (10, false) => run::<10, false>(h, &p, left, right),
            (10, true) => run::<10, true>(h, &p, left, right),
            (_, false) => run::<12, false>(h, &p, left, right),
            (_, true) => run::<12, true>(h, &p, left, right),
        }
        self.hot = hot;
    }
}

fn run<const N: usize, const FB: bool>(
    hot: &mut Hot,
    p: &Params,
    left: &mut [f32],
    right: &mut [f32],
) {
    for (l, r) in left.iter_mut().zip(right.iter_mut()) {
        if hot.counter == 0 {
            control_update(hot, p);
        }
        hot.counter = (hot.counter + 1) % BLOCK;
        let x = [*l, *r];
        let a = hot.a_cur;
        let mut u = if FB {
            [
                x[0] + p.feedback * hot.fb_state[0],
                x[1] + p.feedback * hot.fb_state[1],
            ]
        } else {
            x
        };
        // Transposed direct form: y = a u + s; s' = u - a y.
        for s in hot.state.iter_mut().take(N) {
            for c in 0..2 {
                let y = a[c] * u[c] + s[c];
                s[c] = u[c] - a[c] * y;
                u[c] = y;
            }
        }
        hot.fb_state = u;
        *l = x[0] + p.mix * (u[0] - x[0]);
        *r = x[1] + p.mix * (u[1] - x[1]);
        hot.a_cur[0] += hot.a_step[0];
        hot.a_cur[1] += hot.a_step[1];
    }
}

fn coeff(p: &Params, phase: f32) -> f32 {
    let lfo = fastmath::sin_cycles(phase);
    let pos = 0.5 + 0.5 * p.depth * lfo;
    let fc = fastmath::exp2(p.log2_min + pos * p.log2_span);
    // Keep the prewarp argument inside fastmath::tan's accurate range at low sample rates.
    let fc = fc.min(0.45 * p.sample_rate);
    let t = fastmath::tan(std::f32::consts::PI * fc / p.sample_rate);
    (t - 1.0) / (t + 1.0)
}

/// Advances the LFO one control block, retargets the coefficient ramps and flushes the
/// filter states (values below 1e-20 cannot decay into denormals within 16 samples).
#[cold]
fn control_update(hot: &mut Hot, p: &Params) {
    if !hot.started {
        hot.started = true;
        hot.a_next = [coeff(p, hot.phase), coeff(p, hot.phase + p.stereo_phase)];
    }
    let ph = hot.phase + p.block_inc;
    hot.phase = if ph >= 2.0 { ph - 1.0 } else { ph };
    hot.a_cur = hot.a_next;
    hot.a_next = [coeff(p, hot.phase), coeff(p, hot.phase + p.stereo_phase)];
    for ch in 0..2 {
        hot.a_step[ch] = (hot.a_next[ch] - hot.a_cur[ch]) * (1.0 / BLOCK as f32);
        hot.fb_state[ch] = flush_denormal(hot.fb_state[ch]);
        for s in &mut hot.state {
            s[ch] = flush_denormal(s[ch]);
        }
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
    use crate::rng::Rng32;
    use std::f64::consts::PI;

    const SR: f32 = 48_000.0;

    /// Steady-state left-channel gain at `freq_hz` (Hann-windowed single-bin DFT).
    fn gain_at(ph: &mut Phaser, freq_hz: f64) -> f64 {
        let (settle, n) = (2400, 4800);
        let w = 2.0 * PI * freq_hz / SR as f64;
        let (mut re, mut im, mut wsum) = (0.0, 0.0, 0.0);
        for i in 0..(settle + n) {
            let x = (w * i as f64).sin() as f32;
            let (y, _) = ph.tick_stereo(x, x);
            if i >= settle {
                let k = (i - settle) as f64;
                let win = 0.5 - 0.5 * (2.0 * PI * k / n as f64).cos();
                re += win * y as f64 * (w * i as f64).cos();
                im += win * y as f64 * (w * i as f64).sin();
                wsum += win;
            }
        }
        2.0 * (re * re + im * im).sqrt() / wsum
    }

    fn static_phaser(stages: usize, mix: f32) -> Phaser {
        let mut ph = Phaser::new(SR);
        ph.set_stages(stages);
        ph.set_depth(0.0);
        ph.set_mix(mix);
        ph
    }

    /// Predicted notch frequencies for `n` stages with break frequency `fc`.
    fn predicted_notches(n: usize, fc: f64) -> Vec<f64> {
        let t = (PI * fc / SR as f64).tan();
        (0..n / 2)
            .map(|k| {
                let theta = (2 * k + 1) as f64 * PI / (2 * n) as f64;
                SR as f64 / PI * (t * theta.tan()).atan()
            })
            .collect()
    }

    #[test]
    fn notches_sit_where_chain_phase_is_180_degrees() {
        // Depth 0 parks fc at sqrt(200 * 3200) = 800 Hz.
        for stages in [4usize, 8, 12] {
            let notches = predicted_notches(stages, 800.0);
            for (k, &f) in notches.iter().enumerate() {
                let depth_db = -20.0 * gain_at(&mut static_phaser(stages, 0.5), f).log10();
                assert!(
                    depth_db > 20.0,
                    "{stages} stages notch {k}: depth {depth_db}"
                );
                if k != 0 && k + 1 != notches.len() {
                    continue;
                }
                // For the outer notches, scan +-10 % in 1 % steps: the minimum is the prediction.
                let mut best = (f64::MAX, 0.0);
                for i in -10..=10 {
                    let ff = f * (1.0 + 0.01 * i as f64);
                    let g = gain_at(&mut static_phaser(stages, 0.5), ff);
                    if g < best.0 {
                        best = (g, ff);
                    }
                }
                let offset = best.1 / f - 1.0;
                eprintln!(
                    "{stages} stages notch {k}: predicted {f:.1} Hz, found {:.1} Hz \
                     ({:+.2} %), depth at prediction {depth_db:.1} dB",
                    best.1,
                    offset * 100.0
                );
                assert!(offset.abs() <= 0.05, "notch {k}: offset {offset}");
            }
        }
    }

    #[test]
    fn wet_path_is_allpass() {
        // Mix 1, no feedback: |H| = 1 at every frequency.
        for f in [50.0, 331.6, 800.0, 5000.0, 15_000.0] {
            let g = gain_at(&mut static_phaser(12, 1.0), f);
            assert!((20.0 * g.log10()).abs() < 0.01, "{f} Hz: {g}");
        }
    }

    #[test]
    fn sweep_moves_the_notch() {
        let mut ph = Phaser::new(SR);
        ph.set_rate_hz(1.0);
        let w = 2.0 * PI * 331.6 / SR as f64;
        let mut levels = Vec::new();
        let mut acc = 0.0f64;
        for i in 0..48_000 {
            let (y, _) = ph.tick_stereo((w * i as f64).sin() as f32, 0.0);
            acc += (y as f64).powi(2);
            if i % 480 == 479 {
                levels.push(10.0 * (acc / 480.0 * 2.0).log10());
                acc = 0.0;
            }
        }
        let max = levels.iter().cloned().fold(f64::MIN, f64::max);
        let min = levels.iter().cloned().fold(f64::MAX, f64::min);
        eprintln!("phaser 331.6 Hz level swings {min:.1} .. {max:.1} dB");
        assert!(max - min > 15.0);
    }

    #[test]
    fn block_equals_tick_reset_extremes_and_flush() {
        let setup = |p: &mut Phaser| {
            p.set_stages(12);
            p.set_sweep_range_hz(8000.0, 100.0);
            p.set_rate_hz(10.0);
            p.set_feedback(-0.9);
            p.set_mix(0.7);
            p.set_stereo_phase_deg(180.0);
        };
        let mut rng = Rng32::new(21);
        let x: Vec<f32> = (0..20_000).map(|_| rng.next_bipolar()).collect();
        let mut a = Phaser::new(SR);
        setup(&mut a);
        let mut b = a.clone();
        let per: Vec<(f32, f32)> = x.iter().map(|&v| a.tick_stereo(v, 0.5 * v)).collect();
        let mut l = x.clone();
        let mut r: Vec<f32> = x.iter().map(|v| 0.5 * v).collect();
        b.process_stereo(&mut l, &mut r);
        for (i, &(p, q)) in per.iter().enumerate() {
            assert_eq!((p.to_bits(), q.to_bits()), (l[i].to_bits(), r[i].to_bits()));
            assert!(p.is_finite() && p.abs() < 30.0);
        }
        a.reset();
        let mut fresh = Phaser::new(SR);
        setup(&mut fresh);
        for &v in &x {
            let (p, q) = (a.tick_stereo(v, 0.5 * v), fresh.tick_stereo(v, 0.5 * v));
            assert_eq!(
                (p.0.to_bits(), p.1.to_bits()),
                (q.0.to_bits(), q.1.to_bits())
            );
        }
        // One second of silence: every state is flushed to exactly zero.
        for _ in 0..48_000 {
            a.tick_stereo(0.0, 0.0);
        }
        assert!(a.hot.state.iter().flatten().all(|&s| s == 0.0));
        assert_eq!(a.hot.fb_state, [0.0, 0.0]);
        // Odd stage counts round down; NaN settings stay finite.
        a.set_stages(7);
        assert_eq!(a.stages, 6);
        a.set_stages(100);
        assert_eq!(a.stages, 12);
        a.set_rate_hz(f32::NAN);
        a.set_depth(f32::NAN);
        a.set_feedback(f32::NAN);
        a.set_mix(f32::NAN);
        a.set_sweep_range_hz(f32::NAN, f32::NAN);
        a.set_stereo_phase_deg(f32::NAN);
        for &v in &x[..1000] {
            let (p, q) = a.tick_stereo(v, v);
            assert!(p.is_finite() && q.is_finite());
        }
    }
}
