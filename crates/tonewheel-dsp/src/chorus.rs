//! Stereo chorus: two modulated delay voices per side.
//!
//! Each side has its own delay line read by two taps whose delays (base 9/15 ms on the left,
//! 11.5/17.5 ms on the right) are swept by sine LFOs in opposite phase, so when one voice is
//! pitched up the other is pitched down and the ensemble stays centred on the dry pitch.
//! The right voices run a quarter cycle away from the left ones and use different base delays,
//! which is what decorrelates the sides for a mono input. The seed detunes each voice's LFO by
//! up to +-10 % and jitters its start phase, so voices drift against each other like an
//! analogue ensemble, reproducibly.
//!
//! **Control rate.** The LFOs and the depth smoother run every 16 samples; in between, each
//! tap's delay moves on a straight line to the next control point (at 10 Hz the deviation from
//! the true sine is < 0.06 % of the depth), so there is one `sin` per voice per 16 samples and
//! per sample only adds and two linear-interpolated reads per side.

use crate::delay_line::{DelayLine, DelayLineView};
use crate::fastmath;
use crate::math::flush_denormal;
use crate::rng::Rng32;

const BLOCK: u32 = 16;
/// Voices 0, 1 read the left line; 2, 3 the right line.
const BASE_MS: [f32; 4] = [9.0, 15.0, 11.5, 17.5];
/// LFO phase of each voice in cycles: opposite within a side, quadrature across sides.
const PHASE_OFFSET: [f32; 4] = [0.0, 0.5, 0.25, 0.75];
/// Delay swing at depth 1: +-4 ms, so taps stay within 5..21.5 ms.
const MOD_MS: f32 = 4.0;
/// Capacity of each line.
const MAX_MS: f32 = 25.0;
/// Two voices summed with this gain keep the average power of uncorrelated voices at 0 dB.
const VOICE_GAIN: f32 = std::f32::consts::FRAC_1_SQRT_2;
/// Time constant of the depth smoother.
const DEPTH_SMOOTH_S: f32 = 0.02;

/// Settings, copied into locals by the block loop.
#[derive(Debug, Clone, Copy)]
struct Params {
    /// LFO phase advance per control block, in cycles (before each voice's detune).
    block_inc: f32,
    depth: f32,
    depth_k: f32,
    mix: f32,
    feedback: f32,
    width: f32,
    ms_to_samples: f32,
    rate_mul: [f32; 4],
}

/// Per-sample state, kept in registers by the block loop.
#[derive(Debug, Clone, Copy)]
struct Hot {
    depth_s: f32,
    phase: [f32; 4],
    /// Current control-point delay of each voice (samples), the next one, and the per-sample
    /// step between them.
    cur: [f32; 4],
    next: [f32; 4],
    step: [f32; 4],
    counter: u32,
    started: bool,
}

/// Stereo chorus (2 voices per side) with feedback and stereo width.
///
/// Setters are cheap and may be called every sample; depth changes are smoothed (20 ms).
/// Before the first processed sample (after `new`/`reset`) settings apply instantly.
#[derive(Debug, Clone)]
pub struct Chorus {
    sample_rate: f32,
    seed: u64,
    lines: [DelayLine; 2],
    phase_start: [f32; 4],
    params: Params,
    hot: Hot,
}

impl Chorus {
    /// Creates a chorus: rate 0.8 Hz, depth 0.5, mix 0.5, feedback 0, width 1. `seed` sets the
    /// voices' LFO detune and start phases.
    pub fn new(sample_rate: f32, seed: u64) -> Self {
        let sample_rate = if sample_rate > 0.0 {
            sample_rate
        } else {
            48_000.0
        };
        let ms_to_samples = sample_rate / 1000.0;
        let capacity = (MAX_MS * ms_to_samples).ceil() as usize + 2;
        let mut rng = Rng32::new(seed);
        let mut rate_mul = [1.0; 4];
        let mut phase_start = [0.0; 4];
        for k in 0..4 {
            rate_mul[k] = 1.0 + 0.1 * rng.next_bipolar();
            // Phases live in [1, 2) (see `control_update`), where f32 steps are uniform.
            phase_start[k] = PHASE_OFFSET[k] + 0.05 * rng.next_bipolar() + 1.05;
        }
        let mut c = Self {
            sample_rate,
            seed,
            lines: [DelayLine::new(capacity), DelayLine::new(capacity)],
            phase_start,
            params: Params {
                block_inc: 0.0,
                depth: 0.5,
                depth_k: 1.0 - (-(BLOCK as f32) / (DEPTH_SMOOTH_S * sample_rate)).exp(),
                mix: 0.5,
                feedback: 0.0,
                width: 1.0,
                ms_to_samples,
                rate_mul,
            },
            hot: Hot {
                depth_s: 0.5,
                phase: phase_start,
                cur: [0.0; 4],
                next: [0.0; 4],
                step: [0.0; 4],
                counter: 0,
                started: false,
            },
        };
        c.set_rate_hz(0.8);
        c.reset();
        c
    }

    /// The seed given to [`Chorus::new`].
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Clears the delay lines and restarts the LFOs; settings are kept.
    pub fn reset(&mut self) {
        for line in &mut self.lines {
            line.clear();
        }
        self.hot = Hot {
            depth_s: self.params.depth,
            phase: self.phase_start,
            cur: [0.0; 4],
            next: [0.0; 4],
            step: [0.0; 4],
            counter: 0,
            started: false,
        };
    }

    /// LFO rate, `0.05..=10` Hz (default 0.8).
    pub fn set_rate_hz(&mut self, rate_hz: f32) {
        let rate_hz = clamp_param(rate_hz, 0.05, 10.0);
        self.params.block_inc = rate_hz / self.sample_rate * BLOCK as f32;
    }

    /// Modulation depth, `0..=1` (default 0.5); 1 swings each tap by +-4 ms.
    pub fn set_depth(&mut self, depth: f32) {
        self.params.depth = clamp_param(depth, 0.0, 1.0);
    }

    /// Wet proportion, `0..=1` (default 0.5): `out = (1 - mix) * dry + mix * wet`.
    pub fn set_mix(&mut self, mix: f32) {
        self.params.mix = clamp_param(mix, 0.0, 1.0);
    }

    /// Feedback of each side's voice average into its line, `0..=0.9` (default 0).
    pub fn set_feedback(&mut self, feedback: f32) {
        self.params.feedback = clamp_param(feedback, 0.0, 0.9);
    }

    /// Stereo width of the wet signal, `0..=1` (default 1): 0 = mono wet, 1 = full spread.
    pub fn set_stereo_width(&mut self, width: f32) {
        self.params.width = clamp_param(width, 0.0, 1.0);
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
        let n = left.len().min(right.len());
        let mut done = 0;
        while done < n {
            if hot.counter == 0 {
                control_update(&mut hot, &params);
            }
            let len = ((BLOCK - hot.counter) as usize).min(n - done);
            let end = done + len;
            control_block(
                &mut hot,
                &params,
                &mut lines,
                &mut left[done..end],
                &mut right[done..end],
            );
            hot.counter = (hot.counter + len as u32) % BLOCK;
            done = end;
        }
        self.hot = hot;
    }
}

/// Up to one control block (<= 16 frames). Every tap is longer than a control block (the
/// shortest is 5 ms, 40 samples even at 8 kHz), so all reads of the block come before its
/// writes: the reads run as one loop free of the write dependency, then the writes.
#[inline(always)]
fn control_block(
    hot: &mut Hot,
    p: &Params,
    lines: &mut [DelayLineView<'_>; 2],
    left: &mut [f32],
    right: &mut [f32],
) {
    let n = left.len().min(right.len()).min(BLOCK as usize);
    // Tap delays per frame, accumulated exactly as the per-sample ramp does.
    let mut taps = [[0.0f32; BLOCK as usize]; 4];
    for i in 0..n {
        for k in 0..4 {
            taps[k][i] = hot.cur[k] - 1.0; // read before write: a tap of d is read at d - 1
            hot.cur[k] += hot.step[k];
        }
    }
    // Whole and fractional parts of every tap, in one pass that vectorises.
    let mut whole = [[0i32; BLOCK as usize]; 4];
    for (w, t) in whole.iter_mut().zip(&taps) {
        for (wi, ti) in w.iter_mut().zip(t) {
            *wi = *ti as i32;
        }
    }
    let mut frac = [[0.0f32; BLOCK as usize]; 4];
    for ((f, t), w) in frac.iter_mut().zip(&taps).zip(&whole) {
        for ((fi, ti), wi) in f.iter_mut().zip(t).zip(w) {
            *fi = ti - *wi as f32;
        }
    }
    let mut wet = [[0.0f32; BLOCK as usize]; 2];
    for (side, (line, input)) in lines.iter_mut().zip([&*left, &*right]).enumerate() {
        let (w0, w1) = (&whole[2 * side], &whole[2 * side + 1]);
        let (f0, f1) = (&frac[2 * side], &frac[2 * side + 1]);
        let mut sum = [0.0f32; BLOCK as usize];
        for i in 0..n {
            sum[i] = line.read_split_ahead(i, w0[i] as usize, f0[i])
                + line.read_split_ahead(i, w1[i] as usize, f1[i]);
        }
        for i in 0..n {
            // The loop uses the voices' average so its gain never exceeds `feedback`.
            line.write(flush_denormal(input[i] + p.feedback * 0.5 * sum[i]));
            wet[side][i] = sum[i] * VOICE_GAIN;
        }
    }
    let dry = 1.0 - p.mix;
    for i in 0..n {
        let (wet_l, wet_r) = (wet[0][i], wet[1][i]);
        let mid = 0.5 * (wet_l + wet_r);
        let side = 0.5 * (wet_l - wet_r) * p.width;
        left[i] = dry * left[i] + p.mix * (mid + side);
        right[i] = dry * right[i] + p.mix * (mid - side);
    }
}

fn tap_delay(hot: &Hot, p: &Params, k: usize) -> f32 {
    let lfo = fastmath::sin_cycles(hot.phase[k]);
    let d = (BASE_MS[k] + hot.depth_s * MOD_MS * lfo) * p.ms_to_samples;
    // Always within 5..21.5 ms by construction; the clamp keeps reads in the line (and maps
    // NaN to the shortest tap) even if that ever changed.
    let shortest = (BASE_MS[0] - MOD_MS) * p.ms_to_samples;
    if d.is_nan() {
        shortest
    } else {
        d.clamp(shortest, MAX_MS * p.ms_to_samples)
    }
}

/// Advances the LFOs by one control block and retargets the taps' delay ramps.
#[cold]
fn control_update(hot: &mut Hot, p: &Params) {
    if !hot.started {
        hot.started = true;
        hot.depth_s = p.depth;
        for k in 0..4 {
            hot.next[k] = tap_delay(hot, p, k);
        }
    }
    hot.depth_s += p.depth_k * (p.depth - hot.depth_s);
    for k in 0..4 {
        let ph = hot.phase[k] + p.block_inc * p.rate_mul[k];
        // Keep the phase in [1, 2): same LFO value, uniform precision.
        hot.phase[k] = if ph >= 2.0 { ph - 1.0 } else { ph };
        hot.cur[k] = hot.next[k];
        hot.next[k] = tap_delay(hot, p, k);
        hot.step[k] = (hot.next[k] - hot.cur[k]) * (1.0 / BLOCK as f32);
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

    const SR: f32 = 48_000.0;

    fn noise(n: usize, seed: u64) -> Vec<f32> {
        let mut rng = Rng32::new(seed);
        (0..n).map(|_| 0.5 * rng.next_bipolar()).collect()
    }

    fn sine(freq_hz: f32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| 0.5 * (2.0 * std::f32::consts::PI * freq_hz * i as f32 / SR).sin())
            .collect()
    }

    fn rms(x: &[f32]) -> f64 {
        (x.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
    }

    #[test]
    fn mix_zero_is_transparent() {
        let mut ch = Chorus::new(SR, 1);
        ch.set_mix(0.0);
        ch.set_feedback(0.9);
        ch.set_depth(1.0);
        let x = noise(4800, 2);
        for &v in &x {
            let (l, r) = ch.tick_stereo(v, -v);
            assert_eq!((l.to_bits(), r.to_bits()), (v.to_bits(), (-v).to_bits()));
        }
    }

    #[test]
    fn mono_input_is_decorrelated() {
        let mut ch = Chorus::new(SR, 7);
        ch.set_mix(1.0);
        ch.set_stereo_width(1.0);
        let x = noise(48_000, 3);
        let mut l = x.clone();
        let mut r = x.clone();
        ch.process_stereo(&mut l, &mut r);
        let (l, r) = (&l[4800..], &r[4800..]);
        let dot: f64 = l.iter().zip(r).map(|(&a, &b)| a as f64 * b as f64).sum();
        let corr = dot / (rms(l) * rms(r) * l.len() as f64);
        eprintln!("chorus L/R correlation for mono noise: {corr:.4}");
        assert!(corr < 0.95, "correlation {corr}");
        // Width 0 collapses the wet signal to mono: correlation exactly 1.
        let mut ch = Chorus::new(SR, 7);
        ch.set_mix(1.0);
        ch.set_stereo_width(0.0);
        let mut l = x.clone();
        let mut r = x;
        ch.process_stereo(&mut l, &mut r);
        assert!(l.iter().zip(&r).all(|(a, b)| a == b));
    }

    #[test]
    fn level_stays_within_3_db() {
        for (freq, depth, rate) in [(440.0, 0.5, 0.8), (110.0, 1.0, 3.0), (2000.0, 1.0, 10.0)] {
            let mut ch = Chorus::new(SR, 5);
            ch.set_mix(1.0);
            ch.set_depth(depth);
            ch.set_rate_hz(rate);
            let x = sine(freq, 96_000);
            let mut l = x.clone();
            let mut r = x.clone();
            ch.process_stereo(&mut l, &mut r);
            let input = rms(&x[4800..]);
            for out in [&l, &r] {
                let db = 20.0 * (rms(&out[4800..]) / input).log10();
                eprintln!("chorus {freq} Hz depth {depth} rate {rate}: {db:+.2} dB");
                assert!(db.abs() < 3.0, "{freq} Hz: {db} dB");
            }
        }
    }

    #[test]
    fn taps_sweep_the_documented_range() {
        // Depth 1 swings each tap +-4 ms around its base: watch voice 0 (9 ms) over a cycle.
        let mut ch = Chorus::new(SR, 0);
        ch.set_depth(1.0);
        ch.set_rate_hz(2.0);
        let (mut lo, mut hi) = (f32::MAX, f32::MIN);
        for _ in 0..48_000 {
            ch.tick_stereo(0.0, 0.0);
            lo = lo.min(ch.hot.cur[0]);
            hi = hi.max(ch.hot.cur[0]);
        }
        let (lo_ms, hi_ms) = (lo / 48.0, hi / 48.0);
        assert!(
            (lo_ms - 5.0).abs() < 0.01 && (hi_ms - 13.0).abs() < 0.01,
            "{lo_ms}..{hi_ms}"
        );
    }

    #[test]
    fn block_equals_tick_reset_and_determinism() {
        let setup = |c: &mut Chorus| {
            c.set_rate_hz(2.5);
            c.set_depth(0.9);
            c.set_mix(0.6);
            c.set_feedback(0.5);
            c.set_stereo_width(0.7);
        };
        let xl = noise(3000, 1);
        let xr = noise(3000, 2);
        let mut a = Chorus::new(SR, 99);
        setup(&mut a);
        let mut b = a.clone();
        let per: Vec<(f32, f32)> = xl
            .iter()
            .zip(&xr)
            .map(|(&l, &r)| a.tick_stereo(l, r))
            .collect();
        let (mut bl, mut br) = (xl.clone(), xr.clone());
        b.process_stereo(&mut bl, &mut br);
        for (i, &(l, r)) in per.iter().enumerate() {
            assert_eq!(
                (l.to_bits(), r.to_bits()),
                (bl[i].to_bits(), br[i].to_bits())
            );
        }
        a.reset();
        let mut fresh = Chorus::new(SR, 99);
        setup(&mut fresh);
        for (&l, &r) in xl.iter().zip(&xr) {
            let (p, q) = (a.tick_stereo(l, r), fresh.tick_stereo(l, r));
            assert_eq!(
                (p.0.to_bits(), p.1.to_bits()),
                (q.0.to_bits(), q.1.to_bits())
            );
        }
        // Another seed changes the ensemble.
        let mut other = Chorus::new(SR, 100);
        setup(&mut other);
        let mut fresh = Chorus::new(SR, 99);
        setup(&mut fresh);
        let differs = xl
            .iter()
            .zip(&xr)
            .filter(|(&l, &r)| other.tick_stereo(l, r) != fresh.tick_stereo(l, r))
            .count();
        assert!(differs > 1000);
    }

    #[test]
    fn extremes_are_finite_and_silence_flushes_to_zero() {
        let mut ch = Chorus::new(SR, 3);
        ch.set_rate_hz(10.0);
        ch.set_depth(1.0);
        ch.set_feedback(0.9);
        ch.set_mix(1.0);
        let x = noise(48_000, 8);
        let mut peak = 0.0f32;
        for &v in &x {
            let (l, r) = ch.tick_stereo(v, v);
            assert!(l.is_finite() && r.is_finite());
            peak = peak.max(l.abs()).max(r.abs());
        }
        // Loop gain <= 0.9: bounded well below 1 / (1 - 0.9) times the input peak.
        assert!(peak < 5.0, "peak {peak}");
        // 12 s of silence: ~900 passes round a 5..21 ms loop of gain <= 0.9 reach 1e-20.
        let mut last = (1.0, 1.0);
        for _ in 0..(12 * 48_000) {
            last = ch.tick_stereo(0.0, 0.0);
        }
        assert_eq!(last, (0.0, 0.0));
        // Out-of-range and NaN settings are sanitised.
        ch.set_rate_hz(f32::NAN);
        ch.set_depth(f32::NAN);
        ch.set_feedback(5.0);
        ch.set_mix(f32::NAN);
        ch.set_stereo_width(f32::NAN);
        for _ in 0..100 {
            let (l, r) = ch.tick_stereo(1.0, 1.0);
            assert!(l.is_finite() && r.is_finite());
        }
    }
}
