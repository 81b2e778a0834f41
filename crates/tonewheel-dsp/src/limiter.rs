//! Brickwall lookahead peak limiter (stereo linked).
//!
//! For every input frame the limiter computes the gain that would put that frame exactly at
//! the ceiling, `r[n] = min(1, ceiling / peak[n])`. The audio is delayed by `D` samples and
//! the applied gain is
//!
//! 1. `m[n]`: the minimum of `r` over the last `D + 1` frames (a sliding-window minimum kept
//!    with a monotonic deque in fixed arrays, O(1) amortised; Lemire, "Streaming maximum-
//!    minimum filter using no more than three comparisons per element", 2006);
//! 2. `e[n]`: `m` with instant attack and exponential release (`e <= m` always);
//! 3. the moving average of `e` over the last `D + 1` frames.
//!
//! Each of the `D + 1` averaged values covers the delayed frame `n - D` in its min-window, so
//! the average is <= `r[n - D]` and the output can never exceed the ceiling, while the average
//! turns every gain step into a linear ramp across the lookahead (no hard-clip distortion).
//! This min-then-box-filter construction is the one described by G. Luff, "Limiters:
//! lookahead done right" (Signalsmith Audio blog, 2022); the code here is written from that
//! description. The moving average runs on integers so it is exact and cannot drift.
//!
//! Only sample peaks are limited: inter-sample (true) peaks of the reconstructed signal can
//! exceed the ceiling slightly (typically < 0.5 dB, in theory up to ~3 dB for pathological
//! signals); set the ceiling to about -1 dBFS when the output goes to lossy codecs.

use crate::fastmath::exp2;

/// Gains are averaged as integers with this many steps per unit (2^30): exact sums, and the
/// quantisation (always rounded down) can only lower the gain.
const GAIN_ONE: u32 = 1 << 30;

/// The target level sits this fraction below the ceiling so that the few f32 roundings in
/// the gain path (each <= 6e-8 relative) can never push a sample over; -0.0000087 dB.
const CEILING_MARGIN: f32 = 1.0 - 1.0e-6;

/// Release state this close below its target snaps onto it, so the gain returns to exactly
/// 1.0 (bit-exact passthrough) instead of stalling one f32 step short.
const RELEASE_SNAP: f32 = 1.0e-6;

/// Default lookahead when constructed with [`Limiter::new`].
const DEFAULT_LOOKAHEAD_S: f32 = 0.002;

/// Stereo-linked brickwall lookahead limiter (see the module docs).
///
/// Parameters (clamped) and defaults: `ceiling_db` -24..0 (-0.3), `release_s` 0.01..1 (0.1),
/// lookahead 1..5 ms (2 ms, fixed at construction; it is the latency).
#[derive(Debug, Clone)]
pub struct Limiter {
    sample_rate: f32,
    ceiling_db: f32,
    release_s: f32,
    /// Lookahead `D` in samples: the latency and the length of the gain ramp minus one.
    lookahead: usize,
    /// Window length `D + 1` of both the minimum and the moving average.
    window: usize,
    /// Linear ceiling: inputs at or below it need no gain reduction.
    ceiling: f32,
    /// `ceiling * CEILING_MARGIN`, the level over-ceiling frames are scaled to.
    target: f32,
    release_coeff: f32,

    pos: usize,
    delay_l: Vec<f32>,
    delay_r: Vec<f32>,
    delay_mask: usize,

    /// Monotonic deque (values increasing from head to tail) of (required gain, position).
    dq_gain: Vec<f32>,
    dq_pos: Vec<usize>,
    dq_mask: usize,
    dq_head: usize,
    dq_tail: usize,

    /// Released gain `e` (before the moving average).
    env: f32,
    /// Last `window` quantised values of `e`, and their exact sum.
    hist: Vec<u32>,
    hist_mask: usize,
    hist_sum: u64,
    /// `1 / (window * GAIN_ONE)`, to turn the sum's deficit into a gain.
    inv_full: f64,
    /// Gain applied to the most recent output frame (for meters).
    gain: f32,
}

impl Limiter {
    /// Creates a limiter with a 2 ms lookahead.
    pub fn new(sample_rate: f32) -> Self {
        Self::with_lookahead(sample_rate, DEFAULT_LOOKAHEAD_S)
    }

    /// Creates a limiter with the given lookahead in seconds (clamped to 0.001..0.005).
    pub fn with_lookahead(sample_rate: f32, lookahead_s: f32) -> Self {
        let sample_rate = if sample_rate.is_finite() {
            sample_rate.clamp(1_000.0, 768_000.0)
        } else {
            48_000.0
        };
        let lookahead_s = if lookahead_s.is_finite() {
            lookahead_s.clamp(0.001, 0.005)
        } else {
            DEFAULT_LOOKAHEAD_S
        };
        let lookahead = ((lookahead_s * sample_rate).round() as usize).max(1);
        let window = lookahead + 1;
        let ring = (window + 1).next_power_of_two();
        let mut limiter = Self {
            sample_rate,
            ceiling_db: -0.3,
            release_s: 0.1,
            lookahead,
            window,
            ceiling: 1.0,
            target: 1.0,
            release_coeff: 0.0,
            pos: 0,
            delay_l: vec![0.0; ring],
            delay_r: vec![0.0; ring],
            delay_mask: ring - 1,
            dq_gain: vec![1.0; ring],
            dq_pos: vec![0; ring],
            dq_mask: ring - 1,
            dq_head: 0,
            dq_tail: 0,
            env: 1.0,
            hist: vec![GAIN_ONE; ring],
            hist_mask: ring - 1,
            hist_sum: 0,
            inv_full: 1.0 / (window as f64 * GAIN_ONE as f64),
            gain: 1.0,
        };
        limiter.set_ceiling_db(-0.3);
        limiter.set_release_s(0.1);
        limiter.reset();
        limiter
    }

    /// Clears delay lines and gain state back to just-constructed; keeps settings.
    pub fn reset(&mut self) {
        self.pos = 0;
        self.delay_l.fill(0.0);
        self.delay_r.fill(0.0);
        self.dq_head = 0;
        self.dq_tail = 0;
        self.env = 1.0;
        self.hist.fill(GAIN_ONE);
        self.hist_sum = self.window as u64 * GAIN_ONE as u64;
        self.gain = 1.0;
    }

    /// Output ceiling in dBFS (sample peak), -24..0. Cheap.
    pub fn set_ceiling_db(&mut self, ceiling_db: f32) {
        let c = if ceiling_db.is_finite() {
            ceiling_db.clamp(-24.0, 0.0)
        } else {
            -0.3
        };
        self.ceiling_db = c;
        self.ceiling = exp2(c * (std::f32::consts::LOG2_10 / 20.0));
        self.target = self.ceiling * CEILING_MARGIN;
    }

    /// Release time constant in seconds, 0.01..1: after the lookahead hold, the gain recovers
    /// 63% of the way towards the needed gain in this time. Cheap.
    pub fn set_release_s(&mut self, release_s: f32) {
        let r = if release_s.is_finite() {
            release_s.clamp(0.01, 1.0)
        } else {
            0.1
        };
        self.release_s = r;
        self.release_coeff = 1.0 - exp2(-std::f32::consts::LOG2_E / (r * self.sample_rate));
    }

    /// Latency in samples (the lookahead): output frame `n` is input frame `n - latency`.
    pub fn latency_samples(&self) -> usize {
        self.lookahead
    }

    /// Gain (linear, <= 1) applied to the latest output frame, for meters.
    pub fn gain(&self) -> f32 {
        self.gain
    }

    /// Processes one stereo frame; returns the frame from `latency_samples()` ago, limited.
    ///
    /// Non-finite inputs are replaced by silence: this is the last stage before the DAC.
    #[inline]
    pub fn tick_stereo(&mut self, left: f32, right: f32) -> (f32, f32) {
        let left = if left.is_finite() { left } else { 0.0 };
        let right = if right.is_finite() { right } else { 0.0 };
        let pos = self.pos;
        self.pos = pos.wrapping_add(1);

        // Gain this frame needs on its own.
        let peak = left.abs().max(right.abs());
        let required = if peak > self.ceiling {
            self.target / peak
        } else {
            1.0
        };

        // Sliding minimum over the last `window` frames: drop dominated entries at the back,
        // push, expire the front once it leaves the window.
        let m = self.dq_mask;
        while self.dq_tail != self.dq_head
            && self.dq_gain[self.dq_tail.wrapping_sub(1) & m] >= required
        {
            self.dq_tail = self.dq_tail.wrapping_sub(1);
        }
        self.dq_gain[self.dq_tail & m] = required;
        self.dq_pos[self.dq_tail & m] = pos;
        self.dq_tail = self.dq_tail.wrapping_add(1);
        while pos.wrapping_sub(self.dq_pos[self.dq_head & m]) >= self.window {
            self.dq_head = self.dq_head.wrapping_add(1);
        }
        let window_min = self.dq_gain[self.dq_head & m];

        // Instant attack, exponential release (never above the window minimum).
        let env = if window_min <= self.env {
            window_min
        } else {
            let e = self.env + self.release_coeff * (window_min - self.env);
            if window_min - e < RELEASE_SNAP {
                window_min
            } else {
                e
            }
        };
        self.env = env;

        // Exact integer moving average over the last `window` released gains.
        let q = (env * GAIN_ONE as f32) as u32; // truncates: rounds the gain down
        let hm = self.hist_mask;
        let old = self.hist[pos.wrapping_sub(self.window) & hm];
        self.hist[pos & hm] = q;
        self.hist_sum = self.hist_sum + q as u64 - old as u64;
        let deficit = (self.window as u64 * GAIN_ONE as u64).saturating_sub(self.hist_sum);
        let gain = (1.0 - deficit as f64 * self.inv_full) as f32;
        self.gain = gain;

        let dm = self.delay_mask;
        self.delay_l[pos & dm] = left;
        self.delay_r[pos & dm] = right;
        let read = pos.wrapping_sub(self.lookahead) & dm;
        (self.delay_l[read] * gain, self.delay_r[read] * gain)
    }

    /// Processes two buffers in place (their common length); bit-identical to per-frame ticks.
    pub fn process_stereo(&mut self, left: &mut [f32], right: &mut [f32]) {
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            let (a, b) = self.tick_stereo(*l, *r);
            *l = a;
            *r = b;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng32;
    use realfft::RealFftPlanner;

    const FS: f32 = 48_000.0;

    fn db(x: f32) -> f32 {
        20.0 * x.log10()
    }

    #[test]
    fn never_exceeds_ceiling_on_random_transients() {
        let mut lim = Limiter::new(FS);
        lim.set_ceiling_db(-6.0);
        lim.set_release_s(0.05);
        let ceiling = 10f32.powf(-6.0 / 20.0);
        let mut rng = Rng32::new(77);
        let mut max_out = 0.0f32;
        let mut level = 1.0f32;
        for i in 0..10 * 48_000 {
            // New random level every 10 ms, from -20 dB to +12 dB re the ceiling ...
            if i % 480 == 0 {
                level = ceiling * 10f32.powf((rng.next_unit() * 32.0 - 20.0) / 20.0);
            }
            let mut l = rng.next_bipolar() * level;
            let mut r = rng.next_bipolar() * level;
            // ... plus single-sample spikes up to +12 dB over the ceiling.
            if rng.next_unit() < 0.002 {
                l = 3.98 * ceiling * rng.next_bipolar().signum();
            }
            if rng.next_unit() < 0.002 {
                r = -3.98 * ceiling;
            }
            let (a, b) = lim.tick_stereo(l, r);
            max_out = max_out.max(a.abs()).max(b.abs());
        }
        assert!(max_out <= ceiling, "peak {max_out} > ceiling {ceiling}");
        // And it is not over-limiting: peaks still reach the ceiling (within 0.01 dB).
        assert!(db(max_out / ceiling) > -0.01, "peak {} dB re ceiling", db(max_out / ceiling));
    }

    #[test]
    fn quiet_signal_is_delayed_bit_exactly() {
        for lookahead_s in [0.001, 0.002, 0.005] {
            let mut lim = Limiter::with_lookahead(FS, lookahead_s);
            lim.set_ceiling_db(-1.0);
            let d = lim.latency_samples();
            assert_eq!(d, (lookahead_s * FS).round() as usize);
            let mut rng = Rng32::new(1);
            // Peaks at most 0.5 (-6 dBFS), below the -1 dB ceiling.
            let input: Vec<(f32, f32)> = (0..20_000)
                .map(|_| (0.5 * rng.next_bipolar(), 0.5 * rng.next_bipolar()))
                .collect();
            for (i, &(l, r)) in input.iter().enumerate() {
                let out = lim.tick_stereo(l, r);
                let expect = if i >= d { input[i - d] } else { (0.0, 0.0) };
                assert_eq!(out, expect, "frame {i}");
            }
        }
        // After a loud passage, the release returns the gain to exactly 1.
        let mut lim = Limiter::new(FS);
        for _ in 0..1000 {
            lim.tick_stereo(4.0, 4.0);
        }
        for _ in 0..48_000 {
            lim.tick_stereo(0.1, 0.1);
        }
        assert_eq!(lim.gain(), 1.0);
        assert_eq!(lim.tick_stereo(0.3, -0.2), (0.1, 0.1));
    }

    #[test]
    fn steady_sine_over_ceiling_gets_constant_gain_and_low_thd() {
        let mut lim = Limiter::new(FS);
        lim.set_ceiling_db(-1.0);
        let ceiling = 10f32.powf(-1.0 / 20.0);
        let amp = ceiling * 10f32.powf(3.0 / 20.0); // 3 dB over
        let hz = 375.0; // exactly 128 samples per period: an integer number of FFT cycles
        let n = 24_000 + 8192;
        let mut out = Vec::with_capacity(n);
        let mut gains = Vec::with_capacity(n);
        for i in 0..n {
            let x = amp * (2.0 * std::f32::consts::PI * hz * i as f32 / FS).sin();
            out.push(lim.tick_stereo(x, x).0);
            gains.push(lim.gain());
        }
        // Gain across the last periods: steady within 0.1 dB and equal to -3 dB.
        let tail = &gains[n - 8192..];
        let (gmin, gmax) = tail
            .iter()
            .fold((f32::MAX, 0.0f32), |(a, b), &g| (a.min(g), b.max(g)));
        assert!(db(gmax / gmin) < 0.1, "gain varies {} dB", db(gmax / gmin));
        assert!((db(gmin) + 3.0).abs() < 0.05, "gain {} dB", db(gmin));
        // THD: energy outside the fundamental bin vs the fundamental (rectangular window,
        // 64 whole periods, so the sine sits in one bin).
        let mut planner = RealFftPlanner::<f32>::new();
        let fft = planner.plan_fft_forward(8192);
        let mut buf = out[n - 8192..].to_vec();
        let mut spec = fft.make_output_vec();
        fft.process(&mut buf, &mut spec).unwrap();
        let k0 = (hz * 8192.0 / FS).round() as usize;
        let fund = spec[k0].norm_sqr() as f64;
        let rest: f64 = spec
            .iter()
            .enumerate()
            .filter(|&(k, _)| k != k0 && k != 0)
            .map(|(_, c)| c.norm_sqr() as f64)
            .sum();
        let thd_db = 10.0 * (rest / fund).log10();
        // A hard clip of 3 dB gives about -20 dB THD; constant gain leaves only rounding noise.
        assert!(thd_db < -80.0, "THD {thd_db} dB");
    }

    #[test]
    fn release_time_constant() {
        let release_s = 0.2;
        let mut lim = Limiter::new(FS);
        lim.set_ceiling_db(-6.0);
        lim.set_release_s(release_s);
        // A 0 dBFS burst (needs -6 dB), then a quiet signal: the gain must climb back.
        for _ in 0..4800 {
            lim.tick_stereo(1.0, 1.0);
        }
        let g0 = lim.gain();
        assert!((db(g0) + 6.0).abs() < 0.01, "burst gain {} dB", db(g0));
        let mut t63 = None;
        for i in 0..48_000 {
            lim.tick_stereo(0.01, 0.01);
            if t63.is_none() && lim.gain() >= g0 + (1.0 - g0) * (1.0 - (-1.0f32).exp()) {
                t63 = Some((i + 1) as f32 / FS);
            }
        }
        // The hold (window) and ramp add about one lookahead (2 ms) to the time constant.
        let t = t63.unwrap_or(f32::INFINITY) - 0.002;
        assert!((t - release_s).abs() < 0.2 * release_s, "release {t} s");
    }

    #[test]
    fn reset_blocks_determinism_and_bad_input() {
        let mut rng = Rng32::new(12);
        let input: Vec<(f32, f32)> = (0..20_000)
            .map(|i| {
                let s = if (i / 2000) % 2 == 0 { 3.0 } else { 0.2 };
                (s * rng.next_bipolar(), s * rng.next_bipolar())
            })
            .collect();
        let mut fresh = Limiter::with_lookahead(FS, 0.003);
        fresh.set_ceiling_db(-3.0);
        fresh.set_release_s(0.03);
        let expect: Vec<(f32, f32)> = input.iter().map(|&(l, r)| fresh.tick_stereo(l, r)).collect();

        let mut lim = Limiter::with_lookahead(FS, 0.003);
        lim.set_ceiling_db(-3.0);
        lim.set_release_s(0.03);
        for &(l, r) in &input[..3000] {
            lim.tick_stereo(r, l);
        }
        lim.reset();
        let mut l: Vec<f32> = input.iter().map(|p| p.0).collect();
        let mut r: Vec<f32> = input.iter().map(|p| p.1).collect();
        lim.process_stereo(&mut l[..123], &mut r[..123]);
        lim.process_stereo(&mut l[123..], &mut r[123..]);
        for (i, e) in expect.iter().enumerate() {
            assert_eq!((l[i].to_bits(), r[i].to_bits()), (e.0.to_bits(), e.1.to_bits()));
        }
        // Garbage in: NaN/inf become silence, huge values are still limited.
        let ceiling = 10f32.powf(-3.0 / 20.0);
        for i in 0..2000 {
            let x = match i % 4 {
                0 => f32::NAN,
                1 => f32::INFINITY,
                2 => 1.0e30,
                _ => -1.0e-30,
            };
            let (a, b) = lim.tick_stereo(x, -x);
            assert!(a.is_finite() && b.is_finite() && a.abs() <= ceiling && b.abs() <= ceiling);
        }
    }
}
