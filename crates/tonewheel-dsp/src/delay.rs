//! Stereo feedback delay (echo) with ping-pong, feedback filtering and click-free time changes.
//!
//! - **Timing** is in seconds, rounded to whole samples, so an impulse comes back after exactly
//!   `round(time_s * sample_rate)` samples. Tempo sync happens upstream: the caller converts note
//!   values to seconds (e.g. a dotted eighth at 120 BPM is `0.75 * 60 / 120 = 0.375` s).
//! - **Time changes** crossfade (linearly, over 20 ms) from the old read position to the new one
//!   instead of sliding the read head, so there is neither a click nor a tape-style pitch glide.
//!   A change that arrives mid-fade is picked up when the current fade ends, so rapid automation
//!   is followed in 20 ms steps. Before the first processed sample (after `new`/`reset`) changes
//!   apply instantly.
//! - **Feedback filters**: a one-pole high-pass (low cut) and a one-pole low-pass (high cut),
//!   both bilinear-transform one-poles (the same response as the topology-preserving-transform
//!   one-pole of Zavalishin, "The Art of VA Filter Design", 2012), sit in the write path, so the first echo is filtered once and every repeat once more:
//!   repeats get progressively darker/thinner like tape or analogue delays.
//! - **Ping-pong**: the input is summed to mono into the left line only, and each line's output
//!   feeds the *other* line, so echoes alternate L, R, L, ... (left after `time_l`, right after
//!   `time_l + time_r`, ...).

use crate::delay_line::{DelayLine, DelayLineView};
use crate::fastmath;
use crate::math::flush_denormal;

const FADE_S: f32 = 0.02;
/// Filter states are flushed every this many samples; even the fastest-decaying pole
/// (|p| = 0.73) cannot take a value from 1e-20 into the denormal range (1e-38) in that time.
const FLUSH_EVERY: u32 = 64;

/// Settings, copied into locals by the block loop.
#[derive(Debug, Clone, Copy)]
struct Params {
    /// Requested delays in samples (>= 1).
    target: [usize; 2],
    fade_len: u32,
    inv_fade_len: f32,
    feedback: f32,
    ping_pong: bool,
    /// Bilinear one-pole low-pass `y = g (x + x1) + p y1` at the low-cut corner (its
    /// complement is the high-pass) and at the high-cut corner.
    lo_g: f32,
    lo_p: f32,
    hi_g: f32,
    hi_p: f32,
    mix: f32,
}

/// Feedback-filter memory of one channel.
#[derive(Debug, Clone, Copy, Default)]
struct FilterState {
    x1: f32,
    lo1: f32,
    hp1: f32,
    y1: f32,
}

/// Per-sample state, kept in registers by the block loop.
#[derive(Debug, Clone, Copy)]
struct Hot {
    cur: [usize; 2],
    next: [usize; 2],
    fading: bool,
    fade_pos: u32,
    filters: [FilterState; 2],
    flush_counter: u32,
    started: bool,
}

/// Stereo echo with feedback, ping-pong and low/high-cut filters in the feedback path.
///
/// Setters are cheap (the filter setters use one fast `tan`) and may be called every sample.
#[derive(Debug, Clone)]
pub struct StereoDelay {
    sample_rate: f32,
    max_delay: usize,
    lines: [DelayLine; 2],
    params: Params,
    hot: Hot,
}

impl StereoDelay {
    /// Allocates lines for up to `max_delay_s` seconds (clamped to `0.001..=20`). Defaults:
    /// 0.375 s both sides (or the maximum if shorter), feedback 0.35, mix 0.3, ping-pong off,
    /// low cut 20 Hz, high cut 20 kHz.
    pub fn new(sample_rate: f32, max_delay_s: f32) -> Self {
        let sample_rate = if sample_rate > 0.0 {
            sample_rate
        } else {
            48_000.0
        };
        let max_s = clamp_param(max_delay_s, 0.001, 20.0);
        let max_delay = ((max_s * sample_rate).ceil() as usize).max(1);
        let fade_len = ((FADE_S * sample_rate).round() as u32).max(1);
        let mut d = Self {
            sample_rate,
            max_delay,
            lines: [DelayLine::new(max_delay), DelayLine::new(max_delay)],
            params: Params {
                target: [1; 2],
                fade_len,
                inv_fade_len: 1.0 / fade_len as f32,
                feedback: 0.35,
                ping_pong: false,
                lo_g: 0.0,
                lo_p: 1.0,
                hi_g: 0.5,
                hi_p: 0.0,
                mix: 0.3,
            },
            hot: Hot {
                cur: [1; 2],
                next: [1; 2],
                fading: false,
                fade_pos: 0,
                filters: [FilterState::default(); 2],
                flush_counter: 0,
                started: false,
            },
        };
        d.set_time_s(0.375, 0.375);
        d.set_feedback_lowcut_hz(20.0);
        d.set_feedback_highcut_hz(20_000.0);
        d.reset();
        d
    }

    /// Largest magnitude held in the state that later output can still read: the last
    /// (longest current or pending delay + interpolation neighbours) samples of both lines and
    /// the feedback filters' memory. Below a floor with silent input, the echoes to come
    /// are below it too (feedback < 1), so a host may [`reset`](Self::reset) the delay and
    /// stop calling it until new input arrives. Costs one pass over those samples.
    pub fn state_peak(&self) -> f32 {
        let h = &self.hot;
        let reach = h.cur[0]
            .max(h.cur[1])
            .max(h.next[0])
            .max(h.next[1])
            .max(self.params.target[0])
            .max(self.params.target[1])
            + 4;
        let filters = h
            .filters
            .iter()
            .map(|f| f.x1.abs().max(f.lo1.abs()).max(f.hp1.abs()).max(f.y1.abs()))
            .fold(0.0f32, f32::max);
        self.lines
            .iter()
            .map(|l| l.peak_recent(reach))
            .fold(filters, f32::max)
    }

    /// Clears the lines and filters and snaps to the requested times; settings are kept.
    pub fn reset(&mut self) {
        for line in &mut self.lines {
            line.clear();
        }
        self.hot = Hot {
            cur: self.params.target,
            next: self.params.target,
            fading: false,
            fade_pos: 0,
            filters: [FilterState::default(); 2],
            flush_counter: 0,
            started: false,
        };
    }

    /// Longest delay the lines were allocated for, in seconds.
    pub fn max_delay_s(&self) -> f32 {
        self.max_delay as f32 / self.sample_rate
    }

    /// Delay times per side in seconds, `1 sample ..= max_delay_s` (default 0.375 s). The caller
    /// converts tempo-synced note values to seconds. Changes crossfade over 20 ms.
    pub fn set_time_s(&mut self, left_s: f32, right_s: f32) {
        self.params.target = [self.to_samples(left_s), self.to_samples(right_s)];
        if !self.hot.started {
            self.hot.cur = self.params.target;
            self.hot.next = self.params.target;
        }
    }

    /// Feedback gain, `0..=0.95` (default 0.35): each repeat is this much quieter (-6.02 dB at
    /// 0.5) before filtering.
    pub fn set_feedback(&mut self, feedback: f32) {
        self.params.feedback = clamp_param(feedback, 0.0, 0.95);
    }

    /// Ping-pong mode (default off): mono input into the left line, feedback crosses sides.
    pub fn set_ping_pong(&mut self, enabled: bool) {
        self.params.ping_pong = enabled;
    }

    /// Low-cut (one-pole high-pass) corner in the write path, `10..=2000` Hz (default 20).
    pub fn set_feedback_lowcut_hz(&mut self, cutoff_hz: f32) {
        let (g, p) = self.one_pole(clamp_param(cutoff_hz, 10.0, 2000.0));
        self.params.lo_g = g;
        self.params.lo_p = p;
    }

    /// High-cut (one-pole low-pass) corner in the write path, `500..=20000` Hz (default 20000;
    /// also capped at 0.45 x sample rate).
    pub fn set_feedback_highcut_hz(&mut self, cutoff_hz: f32) {
        let (g, p) = self.one_pole(clamp_param(cutoff_hz, 500.0, 20_000.0));
        self.params.hi_g = g;
        self.params.hi_p = p;
    }

    /// Wet proportion, `0..=1` (default 0.3): `out = (1 - mix) * dry + mix * echoes`.
    pub fn set_mix(&mut self, mix: f32) {
        self.params.mix = clamp_param(mix, 0.0, 1.0);
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
        // Times only change between calls, so a new fade can only be due here or when a fade
        // ends.
        start_fade_if_due(&mut hot, &params);
        let [line_l, line_r] = &mut self.lines;
        let mut lines = [line_l.view(), line_r.view()];
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            let (a, b) = step(&mut hot, &params, &mut lines, *l, *r);
            *l = a;
            *r = b;
        }
        self.hot = hot;
    }

    /// Bilinear (TPT-equivalent) one-pole low-pass as `y = g (x + x1) + p y1`:
    /// `g = G = t / (1 + t)`, `p = 1 - 2G`, `t = tan(pi fc / fs)`. This direct form has one
    /// multiply-add on the recursion instead of the TPT form's four operations.
    fn one_pole(&self, cutoff_hz: f32) -> (f32, f32) {
        let fc = cutoff_hz.min(0.45 * self.sample_rate);
        let t = fastmath::tan(std::f32::consts::PI * fc / self.sample_rate);
        let g = t / (1.0 + t);
        (g, 1.0 - 2.0 * g)
    }

    fn to_samples(&self, time_s: f32) -> usize {
        let d = (time_s * self.sample_rate).round();
        // NaN becomes 1 sample.
        clamp_param(d, 1.0, self.max_delay as f32) as usize
    }
}

/// Low cut (complement of a low-pass) then high cut, in the write path.
#[inline(always)]
fn filter(f: &mut FilterState, p: &Params, x: f32) -> f32 {
    let lo = p.lo_g * (x + f.x1) + p.lo_p * f.lo1;
    let hp = x - lo;
    let y = p.hi_g * (hp + f.hp1) + p.hi_p * f.y1;
    *f = FilterState {
        x1: x,
        lo1: lo,
        hp1: hp,
        y1: y,
    };
    y
}

#[inline(always)]
fn start_fade_if_due(hot: &mut Hot, p: &Params) {
    if !hot.fading && hot.cur != p.target {
        hot.next = p.target;
        hot.fading = true;
        hot.fade_pos = 0;
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
    hot.started = true;
    let [line_l, line_r] = lines;
    // Read before write: a delay of `d` samples is `read(d - 1)`.
    let (yl, yr) = if hot.fading {
        hot.fade_pos += 1;
        let g = hot.fade_pos as f32 * p.inv_fade_len;
        let tap = |line: &DelayLineView<'_>, a: usize, b: usize| {
            let x = line.read(a - 1);
            x + g * (line.read(b - 1) - x)
        };
        let out = (
            tap(line_l, hot.cur[0], hot.next[0]),
            tap(line_r, hot.cur[1], hot.next[1]),
        );
        if hot.fade_pos >= p.fade_len {
            hot.cur = hot.next;
            hot.fading = false;
            start_fade_if_due(hot, p);
        }
        out
    } else {
        (line_l.read(hot.cur[0] - 1), line_r.read(hot.cur[1] - 1))
    };
    let (in_l, in_r, fb_l, fb_r) = if p.ping_pong {
        (0.5 * (l + r), 0.0, yr, yl)
    } else {
        (l, r, yl, yr)
    };
    let [f_l, f_r] = &mut hot.filters;
    let w_l = filter(f_l, p, in_l + p.feedback * fb_l);
    let w_r = filter(f_r, p, in_r + p.feedback * fb_r);
    line_l.write(flush_denormal(w_l));
    line_r.write(flush_denormal(w_r));
    hot.flush_counter = hot.flush_counter.wrapping_add(1);
    if hot.flush_counter.is_multiple_of(FLUSH_EVERY) {
        for f in &mut hot.filters {
            f.x1 = flush_denormal(f.x1);
            f.lo1 = flush_denormal(f.lo1);
            f.hp1 = flush_denormal(f.hp1);
            f.y1 = flush_denormal(f.y1);
        }
    }
    let dry = 1.0 - p.mix;
    (dry * l + p.mix * yl, dry * r + p.mix * yr)
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

    const SR: f32 = 48_000.0;

    fn wet_only(max_s: f32) -> StereoDelay {
        let mut d = StereoDelay::new(SR, max_s);
        d.set_mix(1.0);
        d
    }

    fn run(d: &mut StereoDelay, l: &[f32], r: &[f32]) -> (Vec<f32>, Vec<f32>) {
        let (mut a, mut b) = (l.to_vec(), r.to_vec());
        d.process_stereo(&mut a, &mut b);
        (a, b)
    }

    fn impulse(n: usize) -> Vec<f32> {
        let mut x = vec![0.0; n];
        x[0] = 1.0;
        x
    }

    #[test]
    fn impulse_returns_after_round_time_samples() {
        for (tl, tr) in [(0.1f32, 0.0123f32), (0.5, 1.0), (1.0 / SR, 2.4 / SR)] {
            let mut d = wet_only(2.0);
            d.set_feedback(0.0);
            d.set_time_s(tl, tr);
            let (l, r) = run(&mut d, &impulse(60_000), &impulse(60_000));
            for (y, t) in [(&l, tl), (&r, tr)] {
                let expected = (t * SR).round() as usize;
                let first = y.iter().position(|&v| v != 0.0);
                let peak = y
                    .iter()
                    .enumerate()
                    .fold(
                        (0, 0.0f32),
                        |m, (i, &v)| if v.abs() > m.1 { (i, v.abs()) } else { m },
                    )
                    .0;
                assert_eq!(first, Some(expected), "time {t}");
                assert_eq!(peak, expected, "time {t}");
            }
        }
    }

    #[test]
    fn feedback_half_gives_minus_6_02_db_echoes() {
        // 1 kHz bursts: the 20 Hz / 20 kHz one-poles cost only -0.003 dB per pass there.
        let mut d = wet_only(1.0);
        d.set_time_s(0.1, 0.1);
        d.set_feedback(0.5);
        let n = 48_000;
        let x: Vec<f32> = (0..n)
            .map(|i| {
                if i < 2400 {
                    (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / SR).sin()
                } else {
                    0.0
                }
            })
            .collect();
        let (l, _) = run(&mut d, &x, &x);
        let rms = |k: usize| {
            let s = &l[k * 4800 + 400..k * 4800 + 2000];
            (s.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / s.len() as f64).sqrt()
        };
        for k in 1..6 {
            let step_db = 20.0 * (rms(k + 1) / rms(k)).log10();
            if k == 1 {
                eprintln!("echo {k}->{}: {step_db:.4} dB", k + 1);
            }
            assert!((step_db + 6.0206).abs() < 0.1, "echo {k}: {step_db} dB");
        }
    }

    #[test]
    fn ping_pong_alternates_sides() {
        let mut d = wet_only(1.0);
        d.set_time_s(0.01, 0.015);
        d.set_feedback(0.5);
        d.set_ping_pong(true);
        let (l, r) = run(&mut d, &impulse(4000), &impulse(4000));
        let peak = |y: &[f32], at: usize| y[at..at + 8].iter().fold(0.0f32, |m, v| m.max(v.abs()));
        // Left line: input at 0 -> L at 480; it feeds the right line -> R at 480 + 720; that
        // feeds the left line -> L at 1200 + 480; and so on, halving each time. (The 20 kHz
        // one-pole turns each echo into a short ringing pulse peaking ~0.79 of its level.)
        let schedule = [
            (480, true, 1.0),
            (1200, false, 0.5),
            (1680, true, 0.25),
            (2400, false, 0.125),
            (2880, true, 0.0625),
        ];
        for (at, left, level) in schedule {
            let (main, other) = if left { (&l, &r) } else { (&r, &l) };
            let p = peak(main, at);
            assert!(
                p > 0.5 * level && p < 1.05 * level,
                "echo at {at}: {p} vs {level}"
            );
            assert!(peak(other, at) < 0.01 * level, "leak at {at}");
            assert_eq!(
                main[at - 1],
                main[at - 1].min(0.01 * level),
                "early at {at}"
            );
        }
    }

    #[test]
    fn time_change_crossfades_without_click() {
        let mut d = wet_only(1.0);
        d.set_feedback(0.0);
        d.set_time_s(0.1, 0.1);
        let w = 2.0 * std::f32::consts::PI * 200.0 / SR;
        let x: Vec<f32> = (0..48_000).map(|i| 0.5 * (w * i as f32).sin()).collect();
        let mut out = Vec::new();
        for (i, &v) in x.iter().enumerate() {
            if i == 24_000 {
                d.set_time_s(0.0537, 0.0537);
            }
            out.push(d.tick_stereo(v, v).0);
        }
        // A steady 200 Hz sine of amplitude 0.5 moves at most 0.0131 per sample; the 20 ms fade
        // may add at most 1/960 of the (<= 1) difference between the two taps. (A hard switch
        // would jump by up to 1.)
        let max_step = |s: &[f32]| s.windows(2).fold(0.0f32, |m, p| m.max((p[1] - p[0]).abs()));
        let steady = max_step(&out[10_000..24_000]);
        let around_change = max_step(&out[23_000..27_000]);
        eprintln!("delay time change: max step {around_change:.5} (steady {steady:.5})");
        assert!(steady < 0.0132);
        assert!(
            around_change <= steady + 1.0 / 960.0,
            "max step {around_change}"
        );
        // After the fade the output is exactly that of a delay set to the new time all along.
        let mut reference = wet_only(1.0);
        reference.set_feedback(0.0);
        reference.set_time_s(0.0537, 0.0537);
        let (expected, _) = run(&mut reference, &x, &x);
        assert_eq!(out[26_000..], expected[26_000..]);
    }

    #[test]
    fn decays_to_exact_silence() {
        for (time, fb) in [(0.01f32, 0.5f32), (0.001, 0.95)] {
            let mut d = wet_only(0.5);
            d.set_time_s(time, time * 1.5);
            d.set_feedback(fb);
            d.set_ping_pong(fb > 0.9);
            let mut rng = Rng32::new(1);
            for _ in 0..4800 {
                d.tick_stereo(rng.next_bipolar(), rng.next_bipolar());
            }
            let mut last = (1.0, 1.0);
            for _ in 0..96_000 {
                last = d.tick_stereo(0.0, 0.0);
            }
            assert_eq!(last, (0.0, 0.0), "time {time} fb {fb}");
            for f in &d.hot.filters {
                assert_eq!([f.x1, f.lo1, f.hp1, f.y1], [0.0; 4]);
            }
        }
    }

    #[test]
    fn block_equals_tick_reset_and_extremes() {
        let setup = |d: &mut StereoDelay| {
            d.set_time_s(0.2, 0.33);
            d.set_feedback(0.95);
            d.set_ping_pong(true);
            d.set_feedback_lowcut_hz(300.0);
            d.set_feedback_highcut_hz(3000.0);
            d.set_mix(0.5);
        };
        let mut rng = Rng32::new(5);
        let xl: Vec<f32> = (0..30_000).map(|_| rng.next_bipolar()).collect();
        let xr: Vec<f32> = (0..30_000).map(|_| rng.next_bipolar()).collect();
        let mut a = StereoDelay::new(SR, 0.5);
        setup(&mut a);
        let mut b = a.clone();
        let per: Vec<(f32, f32)> = xl
            .iter()
            .zip(&xr)
            .enumerate()
            .map(|(i, (&l, &r))| {
                // Automate the time every 16 samples, as the graph would.
                if i % 16 == 0 {
                    a.set_time_s(0.2 + i as f32 * 1e-6, 0.33);
                }
                a.tick_stereo(l, r)
            })
            .collect();
        let mut bl = xl.clone();
        let mut br = xr.clone();
        for (c, (cl, cr)) in bl.chunks_mut(16).zip(br.chunks_mut(16)).enumerate() {
            b.set_time_s(0.2 + (c * 16) as f32 * 1e-6, 0.33);
            b.process_stereo(cl, cr);
        }
        for (i, &(p, q)) in per.iter().enumerate() {
            assert_eq!(
                (p.to_bits(), q.to_bits()),
                (bl[i].to_bits(), br[i].to_bits())
            );
            assert!(p.is_finite() && p.abs() < 30.0);
        }
        a.reset();
        let mut fresh = StereoDelay::new(SR, 0.5);
        setup(&mut fresh);
        a.set_time_s(0.2, 0.33);
        for (&l, &r) in xl.iter().zip(&xr) {
            let (p, q) = (a.tick_stereo(l, r), fresh.tick_stereo(l, r));
            assert_eq!(
                (p.0.to_bits(), p.1.to_bits()),
                (q.0.to_bits(), q.1.to_bits())
            );
        }
        // Out-of-range requests are clamped; NaN is harmless.
        fresh.set_time_s(100.0, f32::NAN);
        fresh.set_feedback(f32::NAN);
        fresh.set_mix(f32::NAN);
        fresh.set_feedback_lowcut_hz(f32::NAN);
        fresh.set_feedback_highcut_hz(f32::NAN);
        for _ in 0..30_000 {
            let (p, q) = fresh.tick_stereo(1.0, -1.0);
            assert!(p.is_finite() && q.is_finite());
        }
        assert!((fresh.max_delay_s() - 0.5).abs() < 1e-6);
    }
}
