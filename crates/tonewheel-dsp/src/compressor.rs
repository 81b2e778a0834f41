//! Feed-forward dynamic range compressor with soft knee, parallel mix and external sidechain.
//!
//! Design after D. Giannoulis, M. Massberg and J. D. Reiss, "Digital Dynamic Range Compressor
//! Design - A Tutorial and Analysis", JAES 60(6), 2012:
//! - the gain computer works in the log (dB) domain with a quadratic soft knee (their eq. 4);
//! - the level detector sits after the gain computer, also in dB ("log domain" placement,
//!   their fig. 7), using the *smooth branching* peak detector (their eq. 17): one one-pole
//!   smoother whose coefficient switches between attack and release. Smoothing the dB gain
//!   makes `attack_s` / `release_s` exact time constants of the gain change in dB
//!   (63% of a step in gain reduction after `attack_s`), independent of the ratio.
//!
//! The detector is a peak detector: a steady sine of peak level `L` dBFS is treated as level
//! `L` (not its RMS). Stereo is linked (max of |L|, |R|) so the image does not shift.
//! Per-sample log/exp use a bit-trick `log2` and a vectorisable variant of
//! [`crate::fastmath::exp2`] (both below), accurate to far better than the 0.05 dB asked for.
//! Block methods run the detector in three passes per 64 samples (gain computer, recursive
//! smoother, gain) so that only the smoother is serial; they match the per-sample methods
//! bit for bit.

use crate::fastmath::exp2;

/// Block length of the staged block processing (stack scratch of this many floats).
const BLOCK: usize = 64;

/// dB per doubling of amplitude: 20 log10(2).
const DB_PER_LOG2: f32 = 6.020_6;
/// Doublings per dB, the inverse of [`DB_PER_LOG2`].
const LOG2_PER_DB: f32 = 1.0 / DB_PER_LOG2;
/// Detector input floor (-200 dBFS): keeps `log2` away from zero/denormals; inaudible.
const LEVEL_FLOOR: f32 = 1.0e-10;
/// Gain reduction below 1e-6 dB (a gain of 1 - 1.2e-7, one f32 step below 1.0) counts as 0, so
/// an idle compressor returns to bit-exact passthrough instead of creeping towards it forever.
const ENV_FLOOR_DB: f32 = 1.0e-6;
/// The detector state itself is snapped to 0 (keeping it out of denormals) only every this
/// many samples: a test in the per-sample recursion would lengthen its dependency chain, the
/// compressor's critical path. Counted in samples, so block splits cannot change results.
const SNAP_PERIOD: u32 = 16;

/// `log2(x)` for positive, normal `x`; error < 2e-7 plus one f32 ulp of the result
/// (< 4e-6 over 1e-10..1e4, i.e. < 3e-5 dB).
///
/// Splits `x = 2^e * m` with `m` in [sqrt(1/2), sqrt(2)) straight from the float bits, then
/// uses `ln m = 2 atanh(s)`, `s = (m - 1) / (m + 1)`, `|s| <= 0.172`, whose odd series
/// truncated after `s^7` errs by < 3e-8 (Abramowitz & Stegun 4.1.27).
#[inline(always)]
fn fast_log2(x: f32) -> f32 {
    const SQRT_HALF_BITS: u32 = 0x3f35_04f3;
    let bits = x.to_bits();
    let e = (bits.wrapping_sub(SQRT_HALF_BITS) as i32) >> 23;
    let m = f32::from_bits(bits.wrapping_sub((e as u32) << 23));
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    // 2/ln2 * (1, 1/3, 1/5, 1/7).
    let series = s * (2.885_39 + s2 * (0.961_796_7 + s2 * (0.577_078_04 + s2 * 0.412_198_6)));
    e as f32 + series
}

/// `2^x` for `x` in [-126, 126], relative error < 3e-7: the polynomial of
/// [`crate::fastmath::exp2`] with a different integer split. `fastmath::exp2` uses
/// `f32::floor`, a libm call on baseline x86-64 (no SSE4.1), and a saturating `as i32` cast
/// does not vectorise either; adding 1.5 * 2^23 rounds to an integer inside the float's
/// mantissa instead, which is plain SIMD arithmetic, so the gain loop vectorises.
#[inline(always)]
fn exp2_blockable(x: f32) -> f32 {
    const ROUNDER: f32 = 12_582_912.0; // 1.5 * 2^23
    let x = x.clamp(-126.0, 126.0);
    let t = x + ROUNDER;
    // `t - ROUNDER` is exact: the nearest integer to x, so f lies in [-0.5, 0.5].
    let f = x - (t - ROUNDER);
    let xi = (t.to_bits() as i32).wrapping_sub(ROUNDER.to_bits() as i32);
    let p = 1.0
        + f * (std::f32::consts::LN_2
            + f * (0.240_226_5
                + f * (0.055_504_11
                    + f * (0.009_618_129 + f * (0.001_333_355_8 + f * 0.000_154_035_3)))));
    f32::from_bits((xi.wrapping_add(127) as u32) << 23) * p
}

fn finite_or(x: f32, default: f32) -> f32 {
    if x.is_finite() {
        x
    } else {
        default
    }
}

/// Stereo-linked feed-forward compressor (see the module docs for the algorithm).
///
/// Parameters (clamped) and defaults: `threshold_db` -60..0 (-18), `ratio` 1..20 (4; 20 is
/// close to limiting), `knee_db` 0..24 (6, total knee width), `attack_s` 0.0001..1 (0.01),
/// `release_s` 0.005..5 (0.1), `makeup_db` 0..24 (0), `mix` 0..1 (1; parallel compression:
/// `out = x * ((1 - mix) + mix * gain)`). Every setter is cheap enough to call per sample.
#[derive(Debug, Clone)]
pub struct Compressor {
    sample_rate: f32,
    threshold_db: f32,
    ratio: f32,
    knee_db: f32,
    attack_s: f32,
    release_s: f32,
    makeup_db: f32,
    mix: f32,

    /// `1 - 1/ratio` (>= 0): dB of reduction per dB above the knee.
    reduction_slope: f32,
    /// Half the knee width in dB.
    half_knee_db: f32,
    /// `reduction_slope / (2 * knee_db)`, or 0 for a hard knee: the knee's quadratic term.
    knee_quad: f32,
    attack_coeff: f32,
    release_coeff: f32,

    /// Smoothed gain reduction in dB (>= 0); the detector's state.
    env_db: f32,
    /// Samples processed, modulo [`SNAP_PERIOD`] (schedules the state snap).
    count: u32,
}

impl Compressor {
    /// Creates a compressor with the defaults listed on the type.
    pub fn new(sample_rate: f32) -> Self {
        let sample_rate = finite_or(sample_rate, 48_000.0).clamp(1_000.0, 768_000.0);
        let mut c = Self {
            sample_rate,
            threshold_db: -18.0,
            ratio: 4.0,
            knee_db: 6.0,
            attack_s: 0.01,
            release_s: 0.1,
            makeup_db: 0.0,
            mix: 1.0,
            reduction_slope: 0.0,
            half_knee_db: 0.0,
            knee_quad: 0.0,
            attack_coeff: 0.0,
            release_coeff: 0.0,
            env_db: 0.0,
            count: 0,
        };
        c.set_ratio(4.0);
        c.set_knee_db(6.0);
        c.set_attack_s(0.01);
        c.set_release_s(0.1);
        c
    }

    /// Clears the detector (no gain reduction); keeps settings.
    pub fn reset(&mut self) {
        self.env_db = 0.0;
        self.count = 0;
    }

    /// Threshold in dBFS (peak), -60..0.
    pub fn set_threshold_db(&mut self, threshold_db: f32) {
        self.threshold_db = finite_or(threshold_db, -18.0).clamp(-60.0, 0.0);
    }

    /// Ratio 1..20 (input dB above threshold per output dB above threshold).
    pub fn set_ratio(&mut self, ratio: f32) {
        self.ratio = finite_or(ratio, 4.0).clamp(1.0, 20.0);
        self.reduction_slope = 1.0 - 1.0 / self.ratio;
        self.update_knee();
    }

    /// Total soft-knee width in dB, 0..24 (0 = hard knee), centred on the threshold.
    pub fn set_knee_db(&mut self, knee_db: f32) {
        self.knee_db = finite_or(knee_db, 6.0).clamp(0.0, 24.0);
        self.update_knee();
    }

    /// Attack time constant in seconds, 0.0001..1: gain reduction (in dB) reaches 63% of a
    /// step after this time.
    pub fn set_attack_s(&mut self, attack_s: f32) {
        self.attack_s = finite_or(attack_s, 0.01).clamp(0.0001, 1.0);
        self.attack_coeff = self.smoothing_coeff(self.attack_s);
    }

    /// Release time constant in seconds, 0.005..5 (63% of the way back after this time).
    pub fn set_release_s(&mut self, release_s: f32) {
        self.release_s = finite_or(release_s, 0.1).clamp(0.005, 5.0);
        self.release_coeff = self.smoothing_coeff(self.release_s);
    }

    /// Make-up gain in dB, 0..24, applied to the compressed (wet) path.
    pub fn set_makeup_db(&mut self, makeup_db: f32) {
        self.makeup_db = finite_or(makeup_db, 0.0).clamp(0.0, 24.0);
    }

    /// Parallel-compression mix 0..1 (linear): 0 = dry only, 1 = compressed only.
    pub fn set_mix(&mut self, mix: f32) {
        self.mix = finite_or(mix, 1.0).clamp(0.0, 1.0);
    }

    /// Current gain reduction in dB for meters: >= 0 (0 = none), excluding make-up gain.
    pub fn gain_reduction_db(&self) -> f32 {
        if self.env_db < ENV_FLOOR_DB {
            0.0
        } else {
            self.env_db
        }
    }

    /// One-pole coefficient `exp(-1 / (time_s * fs))` via the fast `exp2`.
    fn smoothing_coeff(&self, time_s: f32) -> f32 {
        exp2(-std::f32::consts::LOG2_E / (time_s * self.sample_rate))
    }

    fn update_knee(&mut self) {
        self.half_knee_db = 0.5 * self.knee_db;
        self.knee_quad = if self.knee_db > 0.0 {
            self.reduction_slope / (2.0 * self.knee_db)
        } else {
            0.0
        };
    }

    /// Static curve: gain reduction in dB (>= 0) for an input level in dB
    /// (Giannoulis et al. 2012, eq. 4, written as reduction = input - output).
    ///
    /// Branch-free form of the three-piece curve: with `t` the distance into the knee clamped
    /// to `[0, W]`, the knee contributes `slope * t^2 / 2W` and the straight part above it
    /// `slope * max(over - W/2, 0)`. Noisy material crosses the knee at random, so branches
    /// here would mispredict constantly.
    #[inline(always)]
    fn static_reduction_db(&self, level_db: f32) -> f32 {
        let over = level_db - self.threshold_db;
        let t = (over + self.half_knee_db).max(0.0).min(self.knee_db);
        let above = (over - self.half_knee_db).max(0.0);
        self.reduction_slope * above + self.knee_quad * t * t
    }

    /// Gain-computer output (target reduction in dB) for one linear peak level.
    #[inline(always)]
    fn target_db(&self, level: f32) -> f32 {
        // `max` also maps NaN to the floor, so a NaN input cannot poison the detector.
        let level = level.max(LEVEL_FLOOR);
        self.static_reduction_db(DB_PER_LOG2 * fast_log2(level))
    }

    /// Advances the smooth branching detector (eq. 17) by one sample; returns the reduction
    /// in dB to apply. Both candidates are computed and one selected, so the recursion on
    /// `env` is a multiply-add and a select: no unpredictable branch on the critical path.
    #[inline(always)]
    fn step(&mut self, target: f32) -> f32 {
        let env = self.env_db;
        let attacked = env * self.attack_coeff + target * (1.0 - self.attack_coeff);
        let released = env * self.release_coeff + target * (1.0 - self.release_coeff);
        let mut env = if target > env { attacked } else { released };
        self.count += 1;
        if self.count >= SNAP_PERIOD {
            self.count = 0;
            if env < ENV_FLOOR_DB {
                env = 0.0;
            }
        }
        self.env_db = env;
        if env < ENV_FLOOR_DB {
            0.0
        } else {
            env
        }
    }

    /// Linear gain (make-up and parallel mix included) for a reduction in dB.
    #[inline(always)]
    fn gain(&self, reduction_db: f32) -> f32 {
        let g = exp2_blockable((self.makeup_db - reduction_db) * LOG2_PER_DB);
        // Parallel mix as 1 + mix (g - 1): exactly 1 when g is 1, whatever the mix.
        1.0 + self.mix * (g - 1.0)
    }

    /// Runs the three detector stages over one block: gain computer (independent per sample,
    /// vectorises), the recursive smoother (scalar), then the gain (vectorises). `scratch`
    /// holds the levels on entry and the gains on exit. Same arithmetic as the per-sample
    /// path, so both are bit-identical.
    #[inline(always)]
    fn block_gains(&mut self, scratch: &mut [f32]) {
        for x in scratch.iter_mut() {
            *x = self.target_db(*x);
        }
        for x in scratch.iter_mut() {
            *x = self.step(*x);
        }
        for x in scratch.iter_mut() {
            *x = self.gain(*x);
        }
    }

    /// Processes one mono sample (detector on the sample itself).
    #[inline]
    pub fn tick(&mut self, input: f32) -> f32 {
        let target = self.target_db(input.abs());
        let reduction = self.step(target);
        input * self.gain(reduction)
    }

    /// Processes one stereo frame; the detector is linked (max of |left|, |right|).
    #[inline]
    pub fn tick_stereo(&mut self, left: f32, right: f32) -> (f32, f32) {
        let target = self.target_db(left.abs().max(right.abs()));
        let reduction = self.step(target);
        let g = self.gain(reduction);
        (left * g, right * g)
    }

    /// Processes one stereo frame with an external mono key driving the detector (e.g. a kick
    /// for ducking); the key itself is not output.
    #[inline]
    pub fn tick_stereo_sidechain(&mut self, left: f32, right: f32, key: f32) -> (f32, f32) {
        let target = self.target_db(key.abs());
        let reduction = self.step(target);
        let g = self.gain(reduction);
        (left * g, right * g)
    }

    /// Mono block version of [`Self::tick`] (bit-identical).
    pub fn process(&mut self, buf: &mut [f32]) {
        let mut scratch = [0.0f32; BLOCK];
        for chunk in buf.chunks_mut(BLOCK) {
            let s = &mut scratch[..chunk.len()];
            for (s, x) in s.iter_mut().zip(chunk.iter()) {
                *s = x.abs();
            }
            self.block_gains(s);
            for (x, g) in chunk.iter_mut().zip(s.iter()) {
                *x *= g;
            }
        }
    }

    /// Block version of [`Self::tick_stereo`] over the common length (bit-identical).
    pub fn process_stereo(&mut self, left: &mut [f32], right: &mut [f32]) {
        let mut scratch = [0.0f32; BLOCK];
        for (l, r) in left.chunks_mut(BLOCK).zip(right.chunks_mut(BLOCK)) {
            let s = &mut scratch[..l.len().min(r.len())];
            for ((s, a), b) in s.iter_mut().zip(l.iter()).zip(r.iter()) {
                *s = a.abs().max(b.abs());
            }
            self.block_gains(s);
            for ((a, b), g) in l.iter_mut().zip(r.iter_mut()).zip(s.iter()) {
                *a *= g;
                *b *= g;
            }
        }
    }

    /// Block version of [`Self::tick_stereo_sidechain`] over the common length of the three
    /// buffers (bit-identical).
    pub fn process_stereo_sidechain(&mut self, left: &mut [f32], right: &mut [f32], key: &[f32]) {
        let mut scratch = [0.0f32; BLOCK];
        let chunks = left
            .chunks_mut(BLOCK)
            .zip(right.chunks_mut(BLOCK))
            .zip(key.chunks(BLOCK));
        for ((l, r), k) in chunks {
            let s = &mut scratch[..l.len().min(r.len()).min(k.len())];
            for (s, k) in s.iter_mut().zip(k.iter()) {
                *s = k.abs();
            }
            self.block_gains(s);
            for ((a, b), g) in l.iter_mut().zip(r.iter_mut()).zip(s.iter()) {
                *a *= g;
                *b *= g;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng32;

    const FS: f32 = 48_000.0;

    fn db(x: f32) -> f32 {
        20.0 * x.log10()
    }

    fn sine(amp: f32, hz: f32, i: usize) -> f32 {
        amp * (2.0 * std::f32::consts::PI * hz * i as f32 / FS).sin()
    }

    #[test]
    fn fast_log2_is_accurate() {
        let mut max_err = 0.0f32;
        let mut x = 1.0e-10f32;
        while x < 1.0e4 {
            let exact = (x as f64).log2();
            let err = (fast_log2(x) as f64 - exact).abs();
            // Series error plus one ulp of the result (the integer part dominates for tiny x).
            let ulp = f32::EPSILON as f64 * exact.abs().max(1.0);
            assert!(err < 2.0e-7 + ulp, "x {x}: error {err}");
            max_err = max_err.max(err as f32);
            x *= 1.000_37;
        }
        // < 4e-6 log2 units = 2.4e-5 dB, far inside the 0.05 dB budget.
        assert!(max_err < 4.0e-6, "max error {max_err}");
    }

    #[test]
    fn exp2_blockable_is_accurate() {
        let mut max_rel = 0.0f64;
        for i in -60_000..60_000 {
            let x = i as f32 * 0.001; // covers every half-integer split point
            let exact = (x as f64).exp2();
            max_rel = max_rel.max((exp2_blockable(x) as f64 - exact).abs() / exact);
        }
        assert!(max_rel < 3.0e-7, "max relative error {max_rel}");
    }

    #[test]
    fn static_curve_sine_matches_theory() {
        // -10 dBFS (peak) sine, threshold -20, ratio 4, hard knee: out = -20 + 10/4 = -17.5 dBFS,
        // plus 3 dB make-up = -14.5 dBFS.
        let mut c = Compressor::new(FS);
        c.set_threshold_db(-20.0);
        c.set_ratio(4.0);
        c.set_knee_db(0.0);
        c.set_attack_s(0.001);
        // A peak detector droops between the sine's peaks and the short attack only partly
        // recovers at each peak; with a 1 s release the settled error is below 0.1 dB.
        c.set_release_s(1.0);
        c.set_makeup_db(3.0);
        let amp = 10f32.powf(-10.0 / 20.0);
        let mut peak = 0.0f32;
        for i in 0..48_000 {
            let (l, _) = c.tick_stereo(sine(amp, 1000.0, i), 0.0);
            if i >= 38_400 {
                peak = peak.max(l.abs());
            }
        }
        let out_db = db(peak);
        assert!((out_db + 14.5).abs() < 0.2, "output {out_db} dBFS");
        assert!((c.gain_reduction_db() - 7.5).abs() < 0.2);

        // Ratio 20: -20 + 10/20 = -19.5 dBFS (no make-up).
        c.set_ratio(20.0);
        c.set_makeup_db(0.0);
        let mut peak = 0.0f32;
        for i in 0..48_000 {
            let y = c.tick(sine(amp, 1000.0, i));
            if i >= 38_400 {
                peak = peak.max(y.abs());
            }
        }
        assert!((db(peak) + 19.5).abs() < 0.2, "output {} dBFS", db(peak));
    }

    #[test]
    fn soft_knee_matches_quadratic_curve() {
        // Steady (DC) levels have no detector ripple, so the static curve is exact.
        let settle = |level_db: f32| {
            let mut c = Compressor::new(FS);
            c.set_threshold_db(-20.0);
            c.set_ratio(4.0);
            c.set_knee_db(12.0);
            let x = 10f32.powf(level_db / 20.0);
            for _ in 0..20_000 {
                c.tick(x);
            }
            c.gain_reduction_db()
        };
        // At the threshold: (1 - 1/R) * W / 8 = 0.75 * 1.5 = 1.125 dB.
        assert!((settle(-20.0) - 1.125).abs() < 0.01);
        // Knee edges join the straight lines: 0 dB at -26, 0.75 * 6 = 4.5 dB at -14.
        assert!(settle(-26.5) == 0.0);
        assert!((settle(-14.0) - 4.5).abs() < 0.01);
        // Well above the knee: 0.75 * 16 = 12 dB.
        assert!((settle(-4.0) - 12.0).abs() < 0.01);
    }

    #[test]
    fn attack_and_release_time_constants() {
        for &(attack_s, release_s) in &[(0.01f32, 0.1f32), (0.001, 0.5)] {
            let mut c = Compressor::new(FS);
            c.set_threshold_db(-20.0);
            c.set_ratio(4.0);
            c.set_knee_db(0.0);
            c.set_attack_s(attack_s);
            c.set_release_s(release_s);
            let x = 10f32.powf(-10.0 / 20.0); // 7.5 dB of reduction when settled
            let mut t63 = None;
            for i in 0..48_000 {
                c.tick(x);
                if t63.is_none() && c.gain_reduction_db() >= 7.5 * (1.0 - (-1.0f32).exp()) {
                    t63 = Some((i + 1) as f32 / FS);
                }
            }
            let t = t63.unwrap_or(f32::INFINITY);
            assert!(
                (t - attack_s).abs() < 0.2 * attack_s,
                "attack {t} vs {attack_s}"
            );
            let settled = c.gain_reduction_db();
            let mut r37 = None;
            for i in 0..(FS * 5.0 * release_s) as usize {
                c.tick(0.0);
                if r37.is_none() && c.gain_reduction_db() <= settled * (-1.0f32).exp() {
                    r37 = Some((i + 1) as f32 / FS);
                }
            }
            let r = r37.unwrap_or(f32::INFINITY);
            assert!(
                (r - release_s).abs() < 0.2 * release_s,
                "release {r} vs {release_s}"
            );
        }
    }

    #[test]
    fn sidechain_silent_key_is_transparent_and_loud_key_ducks() {
        let mut c = Compressor::new(FS);
        c.set_threshold_db(-30.0);
        c.set_ratio(10.0);
        c.set_knee_db(0.0);
        c.set_mix(0.7);
        let mut rng = Rng32::new(4);
        for _ in 0..10_000 {
            let (l, r) = (rng.next_bipolar(), rng.next_bipolar());
            assert_eq!(c.tick_stereo_sidechain(l, r, 0.0), (l, r));
        }
        // Key at -6.02 dBFS: reduction = (1 - 1/10) * (30 - 6.0206) = 21.581 dB. At mix 1 the
        // (quiet, below-threshold) programme is ducked by exactly that.
        c.set_mix(1.0);
        let key = 0.5;
        let mut ratio_db = 0.0;
        for i in 0..24_000 {
            let x = sine(0.01, 220.0, i) + 0.02;
            let (l, _) = c.tick_stereo_sidechain(x, x, key);
            ratio_db = db(l / x);
        }
        assert!((ratio_db + 21.581).abs() < 0.05, "ducked by {ratio_db} dB");
        // Parallel mix 0.5: gain = 0.5 + 0.5 * 10^(-21.581/20).
        c.set_mix(0.5);
        let (l, _) = c.tick_stereo_sidechain(0.1, 0.1, key);
        let expected = 0.1 * (0.5 + 0.5 * 10f32.powf(-21.581 / 20.0));
        assert!((l - expected).abs() < 1e-4 * expected);
    }

    #[test]
    fn reset_blocks_and_determinism_are_bit_exact() {
        let configure = |c: &mut Compressor| {
            c.set_threshold_db(-24.0);
            c.set_ratio(6.0);
            c.set_knee_db(8.0);
            c.set_attack_s(0.003);
            c.set_release_s(0.08);
            c.set_makeup_db(5.0);
            c.set_mix(0.8);
        };
        let mut rng = Rng32::new(8);
        let n = 20_000;
        let l_in: Vec<f32> = (0..n)
            .map(|i| rng.next_bipolar() * if (i / 3000) % 2 == 0 { 0.9 } else { 0.02 })
            .collect();
        let r_in: Vec<f32> = l_in.iter().map(|x| -0.5 * x).collect();
        let key: Vec<f32> = (0..n).map(|i| sine(0.8, 60.0, i)).collect();

        let mut fresh = Compressor::new(FS);
        configure(&mut fresh);
        let expect: Vec<(f32, f32)> = (0..n)
            .map(|i| fresh.tick_stereo(l_in[i], r_in[i]))
            .collect();
        let mut fresh_sc = Compressor::new(FS);
        configure(&mut fresh_sc);
        let expect_sc: Vec<(f32, f32)> = (0..n)
            .map(|i| fresh_sc.tick_stereo_sidechain(l_in[i], r_in[i], key[i]))
            .collect();

        let mut c = Compressor::new(FS);
        configure(&mut c);
        c.process_stereo(&mut l_in.clone(), &mut r_in.clone());
        c.reset();
        let (mut l, mut r) = (l_in.clone(), r_in.clone());
        c.process_stereo(&mut l[..777], &mut r[..777]);
        c.process_stereo(&mut l[777..], &mut r[777..]);
        for i in 0..n {
            assert_eq!(l[i].to_bits(), expect[i].0.to_bits());
            assert_eq!(r[i].to_bits(), expect[i].1.to_bits());
        }
        c.reset();
        let (mut l, mut r) = (l_in.clone(), r_in.clone());
        c.process_stereo_sidechain(&mut l, &mut r, &key);
        for i in 0..n {
            assert_eq!(l[i].to_bits(), expect_sc[i].0.to_bits());
            assert_eq!(r[i].to_bits(), expect_sc[i].1.to_bits());
        }
        // Mono block equals mono ticks.
        let mut a = Compressor::new(FS);
        let mut b = Compressor::new(FS);
        let mut buf = l_in.clone();
        b.process(&mut buf);
        for (x, y) in l_in.iter().zip(&buf) {
            assert_eq!(a.tick(*x).to_bits(), y.to_bits());
        }
    }

    #[test]
    fn extreme_settings_and_inputs_stay_finite() {
        let mut c = Compressor::new(FS);
        c.set_threshold_db(-60.0);
        c.set_ratio(20.0);
        c.set_knee_db(24.0);
        c.set_attack_s(0.0001);
        c.set_release_s(0.005);
        c.set_makeup_db(24.0);
        let mut rng = Rng32::new(2);
        for i in 0..48_000 {
            let x = rng.next_bipolar() * if i % 5000 < 100 { 1.0e6 } else { 1.0e-30 };
            let (l, r) = c.tick_stereo(x, 0.0);
            assert!(l.is_finite() && r.is_finite());
        }
        let _ = c.tick_stereo(f32::NAN, f32::INFINITY);
        assert!(c.gain_reduction_db().is_finite());
        // Out-of-range settings are clamped; NaN falls back to defaults.
        c.set_ratio(f32::NAN);
        c.set_attack_s(0.0);
        c.set_threshold_db(20.0);
        assert!(c.tick(0.5).is_finite());
        // After silence the detector returns exactly to zero: bit-exact passthrough.
        c.set_makeup_db(0.0);
        for _ in 0..48_000 {
            c.tick(0.0);
        }
        assert_eq!(c.gain_reduction_db(), 0.0);
        assert_eq!(c.tick(0.001), 0.001);
    }
}
