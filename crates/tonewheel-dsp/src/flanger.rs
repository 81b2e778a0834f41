//! Stereo flanger: a short swept delay mixed with the dry signal, with feedback.
//!
//! Mixing `x(t)` with `x(t - d)` gives a comb filter with notches at `(2k + 1) / (2d)` Hz; sweeping
//! `d` moves the whole comb. The sweep is exponential, `d(t) = delay * 2^(2 * depth * lfo(t))`,
//! so the notches move by the same number of octaves up and down (+-2 octaves at depth 1,
//! e.g. 0.25..4 ms around a 1 ms centre). Feedback (positive or negative) sharpens the comb into
//! resonant peaks; the wet signal is scaled by `sqrt(1 - feedback^2)` so its average
//! (broadband) power stays at the no-feedback level; the resonant peaks still rise to
//! `sqrt((1 + |fb|) / (1 - |fb|))` times the input (6.2, +16 dB, at 0.95).
//!
//! **Control rate.** The LFO runs every 16 samples and the delay moves on straight lines between
//! those control points (linear-interpolated taps), costing one `sin` and one `exp2` per channel
//! per 16 samples.

use crate::delay_line::{DelayLine, DelayLineView};
use crate::fastmath;
use crate::math::flush_denormal;

const BLOCK: u32 = 16;
/// Sweep range at depth 1, in octaves either side of the centre delay.
const SWEEP_OCTAVES: f32 = 2.0;
/// Longest centre delay; the line holds 4x this for the +2 octave swing.
const MAX_DELAY_MS: f32 = 10.0;

/// Settings, copied into locals by the block loop.
#[derive(Debug, Clone, Copy)]
struct Params {
    delay_ms: f32,
    depth: f32,
    /// LFO phase advance per control block, in cycles.
    block_inc: f32,
    feedback: f32,
    wet_gain: f32,
    mix: f32,
    stereo_phase: f32,
    ms_to_samples: f32,
}

/// Per-sample state, kept in registers by the block loop.
#[derive(Debug, Clone, Copy)]
struct Hot {
    /// LFO phase in cycles, kept in [1, 2) for uniform precision.
    phase: f32,
    cur: [f32; 2],
    next: [f32; 2],
    step: [f32; 2],
    counter: u32,
    started: bool,
}

impl Hot {
    const INITIAL: Self = Self {
        phase: 1.0,
        cur: [0.0; 2],
        next: [0.0; 2],
        step: [0.0; 2],
        counter: 0,
        started: false,
    };
}

/// Stereo flanger with feedback and an LFO phase offset between the channels.
///
/// Setters are cheap and may be called every sample (the centre delay and depth act at the next
/// 16-sample control point, then glide over 16 samples).
#[derive(Debug, Clone)]
pub struct Flanger {
    sample_rate: f32,
    lines: [DelayLine; 2],
    params: Params,
    hot: Hot,
}

impl Flanger {
    /// Creates a flanger: delay 1 ms, depth 0.7, rate 0.25 Hz, feedback 0.5, mix 0.5, stereo
    /// phase 90 degrees.
    pub fn new(sample_rate: f32) -> Self {
        let sample_rate = if sample_rate > 0.0 {
            sample_rate
        } else {
            48_000.0
        };
        let ms_to_samples = sample_rate / 1000.0;
        let max_exp = 2f32.powf(SWEEP_OCTAVES);
        let capacity = (MAX_DELAY_MS * max_exp * ms_to_samples).ceil() as usize + 2;
        let mut f = Self {
            sample_rate,
            lines: [DelayLine::new(capacity), DelayLine::new(capacity)],
            params: Params {
                delay_ms: 1.0,
                depth: 0.7,
                block_inc: 0.0,
                feedback: 0.0,
                wet_gain: 1.0,
                mix: 0.5,
                stereo_phase: 0.25,
                ms_to_samples,
            },
            hot: Hot::INITIAL,
        };
        f.set_rate_hz(0.25);
        f.set_feedback(0.5);
        f.reset();
        f
    }

    /// Clears the delay lines and restarts the LFO; settings are kept.
    pub fn reset(&mut self) {
        for line in &mut self.lines {
            line.clear();
        }
        self.hot = Hot::INITIAL;
    }

    /// Centre delay, `0.1..=10` ms (default 1): the first notch sits at `1 / (2 * delay)` Hz.
    pub fn set_delay_ms(&mut self, delay_ms: f32) {
        self.params.delay_ms = clamp_param(delay_ms, 0.1, MAX_DELAY_MS);
    }

    /// Sweep depth, `0..=1` (default 0.7): the delay swings `depth * 2` octaves each way.
    pub fn set_depth(&mut self, depth: f32) {
        self.params.depth = clamp_param(depth, 0.0, 1.0);
    }

    /// LFO rate, `0.01..=10` Hz (default 0.25).
    pub fn set_rate_hz(&mut self, rate_hz: f32) {
        let rate_hz = clamp_param(rate_hz, 0.01, 10.0);
        self.params.block_inc = rate_hz / self.sample_rate * BLOCK as f32;
    }

    /// Feedback, `-0.95..=0.95` (default 0.5; NaN means 0). Negative values put the resonances
    /// on the odd multiples of `1 / (2 d)` (hollow) instead of the multiples of `1 / d`
    /// (metallic).
    pub fn set_feedback(&mut self, feedback: f32) {
        let fb = if feedback.is_nan() {
            0.0
        } else {
            feedback.clamp(-0.95, 0.95)
        };
        self.params.feedback = fb;
        self.params.wet_gain = (1.0 - fb * fb).sqrt();
    }

    /// Wet proportion, `0..=1` (default 0.5, the deepest notches): `out = (1-mix) dry + mix wet`.
    pub fn set_mix(&mut self, mix: f32) {
        self.params.mix = clamp_param(mix, 0.0, 1.0);
    }

    /// Right-channel LFO phase lead, `0..=360` degrees (default 90); 0 gives a mono sweep.
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
        // Locals (state, settings, line views) cannot alias the delay buffers, so they stay in
        // registers across the buffer stores.
        let mut hot = self.hot;
        let params = self.params;
        let [line_l, line_r] = &mut self.lines;
        let mut lines = [line_l.view(), line_r.view()];
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            let (a, b) = step(&mut hot, &params, &mut lines, *l, *r);
            *l = a;
            *r = b;
        }
        self.hot = hot;
    }
}

#[inline(always)]
fn step(
    hot: &mut Hot,
    p: &Params,
    lines: &mut [DelayLineView<'_>; 2],
    l: f32,
    r: f32,
) -> (f32, f32) {
    if hot.counter == 0 {
        control_update(hot, p);
    }
    hot.counter = (hot.counter + 1) % BLOCK;
    let [line_l, line_r] = lines;
    let out_l = channel(line_l, hot.cur[0], p, l);
    let out_r = channel(line_r, hot.cur[1], p, r);
    hot.cur[0] += hot.step[0];
    hot.cur[1] += hot.step[1];
    (out_l, out_r)
}

#[inline(always)]
fn channel(line: &mut DelayLineView<'_>, delay: f32, p: &Params, x: f32) -> f32 {
    // Read before write: a delay of `d` samples is `read_frac(d - 1)`.
    let wet = line.read_frac(delay - 1.0);
    line.write(flush_denormal(x + p.feedback * wet));
    x + p.mix * (p.wet_gain * wet - x)
}

fn delay_samples(p: &Params, phase: f32) -> f32 {
    let lfo = fastmath::sin_cycles(phase);
    let d = p.delay_ms * fastmath::exp2(SWEEP_OCTAVES * p.depth * lfo);
    // At least one sample: the feedback loop needs the read to precede the write.
    (d * p.ms_to_samples).max(1.0)
}

/// Advances the LFO one control block and retargets both channels' delay ramps.
#[cold]
fn control_update(hot: &mut Hot, p: &Params) {
    if !hot.started {
        hot.started = true;
        hot.next = [
            delay_samples(p, hot.phase),
            delay_samples(p, hot.phase + p.stereo_phase),
        ];
    }
    let ph = hot.phase + p.block_inc;
    hot.phase = if ph >= 2.0 { ph - 1.0 } else { ph };
    hot.cur = hot.next;
    hot.next = [
        delay_samples(p, hot.phase),
        delay_samples(p, hot.phase + p.stereo_phase),
    ];
    for ch in 0..2 {
        hot.step[ch] = (hot.next[ch] - hot.cur[ch]) * (1.0 / BLOCK as f32);
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

    /// Steady-state gain (linear) of the left channel at `freq_hz`, by a Hann-windowed
    /// single-bin DFT after 0.2 s of settling.
    fn gain_at(fl: &mut Flanger, freq_hz: f64) -> f64 {
        let settle = 9600;
        let n = 9600;
        let w = 2.0 * PI * freq_hz / SR as f64;
        let (mut re, mut im, mut wsum) = (0.0, 0.0, 0.0);
        for i in 0..(settle + n) {
            let x = (w * i as f64).sin() as f32;
            let (y, _) = fl.tick_stereo(x, x);
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

    fn static_comb(delay_ms: f32) -> Flanger {
        let mut fl = Flanger::new(SR);
        fl.set_delay_ms(delay_ms);
        fl.set_depth(0.0);
        fl.set_feedback(0.0);
        fl.set_mix(0.5);
        fl
    }

    #[test]
    fn static_comb_has_notch_at_half_inverse_delay() {
        // 1 ms = 48 samples exactly; 0.73 ms = 35.04 samples exercises the interpolated tap.
        for delay_ms in [1.0f32, 0.73, 4.2] {
            let notch_hz = 1000.0 / (2.0 * delay_ms as f64);
            let depth_db = -20.0 * gain_at(&mut static_comb(delay_ms), notch_hz).log10();
            // Half-way between notches, 0.5 x + 0.5 x(t - d) adds in phase: gain 1 (0 dB).
            let peak = gain_at(&mut static_comb(delay_ms), 2.0 * notch_hz);
            // The notch is the minimum: 5 % either side is far less deep.
            let below = gain_at(&mut static_comb(delay_ms), notch_hz * 0.95);
            let above = gain_at(&mut static_comb(delay_ms), notch_hz * 1.05);
            eprintln!(
                "flanger {delay_ms} ms: notch at {notch_hz:.1} Hz is {depth_db:.1} dB deep, \
                 peak gain {:.4} dB, +-5 %: {:.1} / {:.1} dB",
                20.0 * peak.log10(),
                20.0 * below.log10(),
                20.0 * above.log10()
            );
            assert!(depth_db > 20.0, "notch only {depth_db} dB");
            assert!((20.0 * peak.log10()).abs() < 0.05);
            // |cos(pi/2 * 0.95)| = 0.078 -> -22 dB: still far above a >40 dB notch.
            assert!(below > 0.05 && above > 0.05);
        }
    }

    #[test]
    fn notches_move_with_the_lfo() {
        let mut fl = Flanger::new(SR);
        fl.set_depth(1.0);
        fl.set_rate_hz(1.0);
        fl.set_feedback(0.0);
        fl.set_mix(0.5);
        let w = 2.0 * PI * 500.0 / SR as f64;
        // Envelope of a 500 Hz tone in 10 ms windows over one LFO cycle.
        let mut levels = Vec::new();
        let mut acc = 0.0f64;
        for i in 0..48_000 {
            let (y, _) = fl.tick_stereo((w * i as f64).sin() as f32, 0.0);
            acc += (y as f64).powi(2);
            if i % 480 == 479 {
                levels.push(10.0 * (acc / 480.0 * 2.0).log10());
                acc = 0.0;
            }
        }
        let max = levels.iter().cloned().fold(f64::MIN, f64::max);
        let min = levels.iter().cloned().fold(f64::MAX, f64::min);
        eprintln!("500 Hz level swings {min:.1} .. {max:.1} dB over one sweep");
        assert!(max - min > 20.0, "swing {min}..{max}");
    }

    #[test]
    fn stereo_phase_offsets_the_right_channel() {
        let x: Vec<f32> = {
            let mut rng = Rng32::new(4);
            (0..24_000).map(|_| rng.next_bipolar()).collect()
        };
        for (deg, same) in [(0.0, true), (90.0, false)] {
            let mut fl = Flanger::new(SR);
            fl.set_stereo_phase_deg(deg);
            let mut l = x.clone();
            let mut r = x.clone();
            fl.process_stereo(&mut l, &mut r);
            assert_eq!(l == r, same, "phase {deg}");
        }
    }

    #[test]
    fn feedback_resonance_is_bounded_and_decays_to_zero() {
        for fb in [0.95f32, -0.95] {
            let mut fl = Flanger::new(SR);
            fl.set_feedback(fb);
            fl.set_depth(0.0);
            fl.set_delay_ms(1.0);
            fl.set_mix(1.0);
            // Resonances at multiples of 1 kHz (fb > 0) or odd multiples of 500 Hz (fb < 0):
            // peak wet gain sqrt(1 - fb^2) / (1 - |fb|) = 6.245.
            let f = if fb > 0.0 { 1000.0 } else { 500.0 };
            let g = gain_at(&mut fl, f);
            let expected = (1.0 - (fb as f64).powi(2)).sqrt() / (1.0 - fb.abs() as f64);
            eprintln!("fb {fb}: resonance gain {g:.3} (theory {expected:.3})");
            assert!((g / expected - 1.0).abs() < 0.02, "gain {g}");
            let mut last = (1.0, 1.0);
            // The loop decays 0.95 per ms: 1e-20 after ~0.9 s.
            for _ in 0..96_000 {
                last = fl.tick_stereo(0.0, 0.0);
            }
            assert_eq!(last, (0.0, 0.0));
        }
    }

    #[test]
    fn block_equals_tick_reset_and_extremes() {
        let setup = |f: &mut Flanger| {
            f.set_delay_ms(10.0);
            f.set_depth(1.0);
            f.set_rate_hz(10.0);
            f.set_feedback(-0.95);
            f.set_mix(0.8);
            f.set_stereo_phase_deg(180.0);
        };
        let mut rng = Rng32::new(12);
        let x: Vec<f32> = (0..20_000).map(|_| rng.next_bipolar()).collect();
        let mut a = Flanger::new(SR);
        setup(&mut a);
        let mut b = a.clone();
        let per: Vec<(f32, f32)> = x.iter().map(|&v| a.tick_stereo(v, -v)).collect();
        let mut l = x.clone();
        let mut r: Vec<f32> = x.iter().map(|v| -v).collect();
        b.process_stereo(&mut l, &mut r);
        for (i, &(p, q)) in per.iter().enumerate() {
            assert_eq!((p.to_bits(), q.to_bits()), (l[i].to_bits(), r[i].to_bits()));
            assert!(p.is_finite() && p.abs() < 20.0);
        }
        a.reset();
        let mut fresh = Flanger::new(SR);
        setup(&mut fresh);
        for &v in &x {
            let (p, q) = (a.tick_stereo(v, -v), fresh.tick_stereo(v, -v));
            assert_eq!(
                (p.0.to_bits(), p.1.to_bits()),
                (q.0.to_bits(), q.1.to_bits())
            );
        }
        // The shortest sweep point (0.1 ms / 4 = 1.2 samples) and NaN settings stay finite.
        fresh.set_delay_ms(f32::NAN);
        fresh.set_depth(f32::NAN);
        fresh.set_rate_hz(f32::NAN);
        fresh.set_feedback(f32::NAN);
        fresh.set_mix(f32::NAN);
        fresh.set_stereo_phase_deg(f32::NAN);
        for &v in &x[..2000] {
            let (p, q) = fresh.tick_stereo(v, v);
            assert!(p.is_finite() && q.is_finite());
        }
    }
}
