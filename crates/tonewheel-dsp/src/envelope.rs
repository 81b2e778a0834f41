//! ADSR and AR envelope generators (control sources, output 0..=1).
//!
//! Every stage is a segment of the recursion `level = level * coef + base`, evaluated in `f64`
//! (one multiply-add per sample, no transcendental math on the hot path) and run for an exact
//! sample count, after which the level snaps to the segment's target. This is the
//! "one-pole towards an overshooting target" technique described by Nigel Redmon (EarLevel
//! Engineering, "Envelope generators - ADSR", 2013), generalised so one formula gives all shapes:
//!
//! - `curve = 0`: straight lines (`coef = 1`, `base` = per-sample step).
//! - `curve > 0`: "analog" RC shapes: each segment is a one-pole approaching a target beyond
//!   its end point (fast start, slow finish; exponential decays, convex-up attack).
//! - `curve < 0`: the mirror image (slow start, fast finish, "logarithmic"), obtained with
//!   `coef > 1`, i.e. a growing exponential leaving a point behind the start; it only runs for
//!   the segment's finite length, so it cannot diverge.
//!
//! The overshoot ratio `r` (distance of the asymptote beyond the segment, relative to the
//! segment length) sets the bend: `r = 10^(3 - 3.5|curve|)` for attacks (0.32 at |curve| = 1,
//! like an analog attack) and `r = 10^(3 - 7|curve|)` for decay/release (1e-4 at |curve| = 1,
//! i.e. -80 dB reached right at the end). Segments are planned with `std` `exp` only when a
//! stage starts (a few times per note), so changing times or curve takes effect at the next
//! stage, except sustain, which glides to a new value immediately.
//!
//! Anti-click: every ramp lasts at least [`MIN_RAMP_S`] (0.5 ms), even for times of 0, and a
//! `gate_on` while sounding restarts the attack from the current level (legato: no jump to 0).

/// Minimum duration of any ramp (attack, decay, release, sustain glide): 0.5 ms, short enough
/// to feel instant and long enough to avoid an audible click from a step.
pub const MIN_RAMP_S: f32 = 0.0005;
/// Longest accepted stage time.
pub const MAX_TIME_S: f32 = 60.0;

/// Current stage of an [`Adsr`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdsrStage {
    /// Silent and finished (level exactly 0); the voice can be freed.
    Idle,
    /// Rising to 1.0.
    Attack,
    /// Falling from 1.0 to the sustain level.
    Decay,
    /// Holding the sustain level while the gate is held.
    Sustain,
    /// Falling to 0 after `gate_off`.
    Release,
}

/// Current stage of an [`Ar`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArStage {
    /// Silent and finished (level exactly 0).
    Idle,
    /// Rising to 1.0.
    Attack,
    /// Holding 1.0 until `gate_off` (only when not one-shot).
    Hold,
    /// Falling to 0.
    Release,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bend {
    Attack,
    Fall,
}

/// One ramp of the envelope: `level = level * coef + base` for `remaining` samples, then
/// `level = target`.
#[derive(Debug, Clone)]
struct Segment {
    level: f64,
    coef: f64,
    base: f64,
    target: f64,
    remaining: u32,
}

impl Segment {
    fn idle() -> Self {
        Self {
            level: 0.0,
            coef: 1.0,
            base: 0.0,
            target: 0.0,
            remaining: 0,
        }
    }

    /// Plans a ramp from the current level to `target` lasting `samples` (>= 1) samples.
    fn plan(&mut self, target: f64, samples: u32, curve: f32, bend: Bend) {
        let n = samples.max(1) as f64;
        let a = self.level;
        let span = target - a;
        self.target = target;
        self.remaining = samples.max(1);
        let c = curve.abs() as f64;
        if c < 1e-6 || span.abs() < 1e-12 {
            self.coef = 1.0;
            self.base = span / n;
            return;
        }
        let slope = match bend {
            Bend::Attack => 3.5,
            Bend::Fall => 7.0,
        };
        let r = 10f64.powf(3.0 - slope * c);
        // ln of the total decay (or growth) factor of the distance to the asymptote.
        let l = (1.0 / r).ln_1p() / n;
        let (asymptote, x) = if curve > 0.0 {
            (target + r * span, -l)
        } else {
            (a - r * span, l)
        };
        self.coef = x.exp();
        // base = asymptote * (1 - coef), with expm1 for precision when coef ~ 1.
        self.base = -asymptote * x.exp_m1();
    }

    /// Advances one sample; returns true when the ramp has just finished.
    #[inline(always)]
    fn step(&mut self) -> bool {
        if self.remaining == 0 {
            return false;
        }
        self.level = self.level * self.coef + self.base;
        self.remaining -= 1;
        if self.remaining == 0 {
            self.level = self.target;
            return true;
        }
        false
    }

    /// Fills `out` while the current ramp (or hold) lasts; returns how many samples were
    /// written and whether a ramp finished on the last of them. Same arithmetic as `step`.
    #[inline(always)]
    fn fill(&mut self, out: &mut [f32]) -> (usize, bool) {
        if self.remaining == 0 {
            out.fill(self.level as f32);
            return (out.len(), false);
        }
        let n = (self.remaining as usize).min(out.len());
        let (coef, base) = (self.coef, self.base);
        let mut level = self.level;
        for o in out.iter_mut().take(n) {
            level = level * coef + base;
            *o = level as f32;
        }
        self.level = level;
        self.remaining -= n as u32;
        if self.remaining == 0 {
            self.level = self.target;
            if let Some(last) = out.get_mut(n.wrapping_sub(1)) {
                *last = self.target as f32;
            }
            return (n, true);
        }
        (n, false)
    }
}

/// Converts a stage time to a sample count, clamped to `MIN_RAMP_S..=MAX_TIME_S`.
fn time_to_samples(time_s: f32, sample_rate: f32) -> u32 {
    let t = if time_s.is_nan() {
        0.0
    } else {
        time_s.clamp(MIN_RAMP_S, MAX_TIME_S)
    };
    ((t as f64 * sample_rate as f64).round() as u32).max(1)
}

fn sanitize_rate(sample_rate: f32) -> f32 {
    if sample_rate.is_finite() && sample_rate > 0.0 {
        sample_rate
    } else {
        48_000.0
    }
}

/// Attack-decay-sustain-release envelope.
///
/// Parameters (clamped; NaN ignored or treated as 0 for times): `attack_s`, `decay_s`,
/// `release_s` 0..=60 s with a 0.5 ms floor (defaults 5 ms, 200 ms, 300 ms); `sustain`
/// 0..=1 (default 0.7); `curve` -1..=1 (default 0, linear).
///
/// Timing: the attack takes `attack_s * (1 - start_level)` (a full attack from silence takes
/// exactly `attack_s`; from a higher level the slope is kept); decay takes `decay_s` from 1.0 to
/// the sustain level; release takes exactly `release_s` from whatever level it starts at, for
/// every curve (so the level is exactly 0 at `release_s` and the envelope goes idle).
#[derive(Debug, Clone)]
pub struct Adsr {
    sample_rate: f32,
    attack_samples: u32,
    decay_samples: u32,
    release_samples: u32,
    min_samples: u32,
    sustain: f32,
    curve: f32,
    stage: AdsrStage,
    seg: Segment,
}

impl Adsr {
    /// Creates an idle envelope with the defaults listed on the type.
    pub fn new(sample_rate: f32) -> Self {
        let sample_rate = sanitize_rate(sample_rate);
        Self {
            sample_rate,
            attack_samples: time_to_samples(0.005, sample_rate),
            decay_samples: time_to_samples(0.2, sample_rate),
            release_samples: time_to_samples(0.3, sample_rate),
            min_samples: time_to_samples(MIN_RAMP_S, sample_rate),
            sustain: 0.7,
            curve: 0.0,
            stage: AdsrStage::Idle,
            seg: Segment::idle(),
        }
    }

    /// Sets the attack time in seconds (0..=60, 0.5 ms floor); applies from the next attack.
    pub fn set_attack_s(&mut self, attack_s: f32) {
        self.attack_samples = time_to_samples(attack_s, self.sample_rate);
    }

    /// Sets the decay time in seconds (0..=60, 0.5 ms floor); applies from the next decay.
    pub fn set_decay_s(&mut self, decay_s: f32) {
        self.decay_samples = time_to_samples(decay_s, self.sample_rate);
    }

    /// Sets the release time in seconds (0..=60, 0.5 ms floor); applies from the next release.
    pub fn set_release_s(&mut self, release_s: f32) {
        self.release_samples = time_to_samples(release_s, self.sample_rate);
    }

    /// Sets the sustain level 0..=1. During decay the running ramp is re-aimed (keeping its
    /// remaining time); during sustain the level glides there in 0.5 ms (no step).
    pub fn set_sustain(&mut self, sustain: f32) {
        if sustain.is_nan() {
            return;
        }
        self.sustain = sustain.clamp(0.0, 1.0);
        match self.stage {
            AdsrStage::Decay => {
                let n = self.seg.remaining.max(self.min_samples);
                self.seg
                    .plan(self.sustain as f64, n, self.curve, Bend::Fall);
            }
            AdsrStage::Sustain => {
                self.seg
                    .plan(self.sustain as f64, self.min_samples, 0.0, Bend::Fall);
            }
            _ => {}
        }
    }

    /// Sets the segment shape -1..=1 (0 linear, >0 analog/exponential, <0 logarithmic); applies
    /// from the next stage.
    pub fn set_curve(&mut self, curve: f32) {
        if !curve.is_nan() {
            self.curve = curve.clamp(-1.0, 1.0);
        }
    }

    /// Starts (or legato-restarts) the attack from the current level.
    pub fn gate_on(&mut self) {
        self.stage = AdsrStage::Attack;
        let remaining_span = (1.0 - self.seg.level).clamp(0.0, 1.0);
        let n = (self.attack_samples as f64 * remaining_span).round() as u32;
        self.seg.plan(1.0, n.max(1), self.curve, Bend::Attack);
    }

    /// Starts the release from the current level (ignored when idle).
    pub fn gate_off(&mut self) {
        if self.stage != AdsrStage::Idle {
            self.stage = AdsrStage::Release;
            self.seg
                .plan(0.0, self.release_samples, self.curve, Bend::Fall);
        }
    }

    /// Back to idle at level 0; settings are kept.
    pub fn reset(&mut self) {
        self.stage = AdsrStage::Idle;
        self.seg = Segment::idle();
    }

    /// Current stage.
    pub fn stage(&self) -> AdsrStage {
        self.stage
    }

    /// True when the release has finished (or the envelope never started).
    pub fn is_idle(&self) -> bool {
        self.stage == AdsrStage::Idle
    }

    /// Current output level without advancing.
    pub fn level(&self) -> f32 {
        self.seg.level as f32
    }

    #[cold]
    fn on_segment_end(&mut self) {
        match self.stage {
            AdsrStage::Attack => {
                self.stage = AdsrStage::Decay;
                self.seg.plan(
                    self.sustain as f64,
                    self.decay_samples,
                    self.curve,
                    Bend::Fall,
                );
            }
            AdsrStage::Decay => self.stage = AdsrStage::Sustain,
            AdsrStage::Release => self.stage = AdsrStage::Idle,
            AdsrStage::Sustain | AdsrStage::Idle => {}
        }
    }

    /// Advances one sample and returns the level (0..=1).
    #[inline]
    pub fn tick(&mut self) -> f32 {
        if self.seg.step() {
            self.on_segment_end();
        }
        self.seg.level as f32
    }

    /// Fills `out` with consecutive levels (bit-identical to calling [`tick`](Self::tick)).
    pub fn process(&mut self, out: &mut [f32]) {
        let mut rest = out;
        while !rest.is_empty() {
            let (n, ended) = self.seg.fill(rest);
            if ended {
                self.on_segment_end();
            }
            rest = &mut rest[n..];
        }
    }
}

/// Attack-release envelope for drums, plucks and pitch sweeps.
///
/// One-shot mode (the default) runs attack then release after a single
/// [`trigger`](Self::trigger); with one-shot off it holds 1.0 after the attack until
/// [`gate_off`](Self::gate_off). `gate_off` releases early in both modes. Parameters and
/// timing rules are those of [`Adsr`] (defaults: attack 1 ms, release 200 ms, curve 0).
#[derive(Debug, Clone)]
pub struct Ar {
    sample_rate: f32,
    attack_samples: u32,
    release_samples: u32,
    curve: f32,
    one_shot: bool,
    stage: ArStage,
    seg: Segment,
}

impl Ar {
    /// Creates an idle one-shot envelope with the defaults listed on the type.
    pub fn new(sample_rate: f32) -> Self {
        let sample_rate = sanitize_rate(sample_rate);
        Self {
            sample_rate,
            attack_samples: time_to_samples(0.001, sample_rate),
            release_samples: time_to_samples(0.2, sample_rate),
            curve: 0.0,
            one_shot: true,
            stage: ArStage::Idle,
            seg: Segment::idle(),
        }
    }

    /// Sets the attack time in seconds (0..=60, 0.5 ms floor); applies from the next attack.
    pub fn set_attack_s(&mut self, attack_s: f32) {
        self.attack_samples = time_to_samples(attack_s, self.sample_rate);
    }

    /// Sets the release time in seconds (0..=60, 0.5 ms floor); applies from the next release.
    pub fn set_release_s(&mut self, release_s: f32) {
        self.release_samples = time_to_samples(release_s, self.sample_rate);
    }

    /// Sets the segment shape -1..=1 (as [`Adsr::set_curve`]).
    pub fn set_curve(&mut self, curve: f32) {
        if !curve.is_nan() {
            self.curve = curve.clamp(-1.0, 1.0);
        }
    }

    /// One-shot (release right after the attack) or gated (hold until `gate_off`).
    pub fn set_one_shot(&mut self, one_shot: bool) {
        self.one_shot = one_shot;
    }

    /// Starts (or restarts) the attack from the current level.
    pub fn trigger(&mut self) {
        self.stage = ArStage::Attack;
        let remaining_span = (1.0 - self.seg.level).clamp(0.0, 1.0);
        let n = (self.attack_samples as f64 * remaining_span).round() as u32;
        self.seg.plan(1.0, n.max(1), self.curve, Bend::Attack);
    }

    /// Starts the release from the current level (ignored when idle or already releasing).
    pub fn gate_off(&mut self) {
        if matches!(self.stage, ArStage::Attack | ArStage::Hold) {
            self.start_release();
        }
    }

    fn start_release(&mut self) {
        self.stage = ArStage::Release;
        self.seg
            .plan(0.0, self.release_samples, self.curve, Bend::Fall);
    }

    /// Back to idle at level 0; settings are kept.
    pub fn reset(&mut self) {
        self.stage = ArStage::Idle;
        self.seg = Segment::idle();
    }

    /// Current stage.
    pub fn stage(&self) -> ArStage {
        self.stage
    }

    /// True when the release has finished (or the envelope never started).
    pub fn is_idle(&self) -> bool {
        self.stage == ArStage::Idle
    }

    #[cold]
    fn on_segment_end(&mut self) {
        match self.stage {
            ArStage::Attack if self.one_shot => self.start_release(),
            ArStage::Attack => self.stage = ArStage::Hold,
            ArStage::Release => self.stage = ArStage::Idle,
            ArStage::Hold | ArStage::Idle => {}
        }
    }

    /// Advances one sample and returns the level (0..=1).
    #[inline]
    pub fn tick(&mut self) -> f32 {
        if self.seg.step() {
            self.on_segment_end();
        }
        self.seg.level as f32
    }

    /// Fills `out` with consecutive levels (bit-identical to calling [`tick`](Self::tick)).
    pub fn process(&mut self, out: &mut [f32]) {
        let mut rest = out;
        while !rest.is_empty() {
            let (n, ended) = self.seg.fill(rest);
            if ended {
                self.on_segment_end();
            }
            rest = &mut rest[n..];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FS: f32 = 48_000.0;

    fn adsr(a: f32, d: f32, s: f32, r: f32, curve: f32) -> Adsr {
        let mut e = Adsr::new(FS);
        e.set_attack_s(a);
        e.set_decay_s(d);
        e.set_sustain(s);
        e.set_release_s(r);
        e.set_curve(curve);
        e
    }

    #[test]
    fn attack_reaches_one_at_attack_time_for_every_curve() {
        for curve in [-1.0, -0.4, 0.0, 0.5, 1.0] {
            let mut e = adsr(0.01, 0.1, 0.5, 0.1, curve);
            e.gate_on();
            let out: Vec<f32> = (0..1000).map(|_| e.tick()).collect();
            // 10 ms = 480 samples: the 480th output (index 479) is exactly 1.0, not before.
            assert_eq!(out[479], 1.0, "curve {curve}");
            assert!(out[478] < 1.0, "curve {curve}");
            assert!(
                out.windows(2).take(479).all(|w| w[1] > w[0]),
                "monotone attack"
            );
            assert_eq!(e.stage(), AdsrStage::Decay);
        }
    }

    #[test]
    fn decay_lands_on_sustain_and_holds() {
        let mut e = adsr(0.002, 0.05, 0.4, 0.1, 0.7);
        e.gate_on();
        let mut out = vec![0.0f32; 48_000];
        e.process(&mut out);
        // Attack 96 samples + decay 2400 samples: sustain from index 2495 on.
        assert_eq!(out[2495], 0.4);
        assert!(out[2494] > 0.4);
        assert!(out[2495..].iter().all(|&x| x == 0.4));
        assert_eq!(e.stage(), AdsrStage::Sustain);
        // Sustain changes glide over 0.5 ms (24 samples) instead of stepping.
        e.set_sustain(0.8);
        let glide: Vec<f32> = (0..30).map(|_| e.tick()).collect();
        assert!((glide[0] - (0.4 + 0.4 / 24.0)).abs() < 1e-6);
        assert_eq!(glide[23], 0.8);
        assert_eq!(e.stage(), AdsrStage::Sustain);
    }

    #[test]
    fn release_is_below_minus_60_db_by_release_time_then_idle() {
        for curve in [-1.0, 0.0, 1.0] {
            let mut e = adsr(0.001, 0.01, 0.8, 0.25, curve);
            e.gate_on();
            for _ in 0..4800 {
                e.tick();
            }
            e.gate_off();
            assert_eq!(e.stage(), AdsrStage::Release);
            let out: Vec<f32> = (0..12_001).map(|_| e.tick()).collect();
            // Documented factor 1.0: the level is exactly 0 (< -60 dB) after release_s.
            assert_eq!(out[11_999], 0.0, "curve {curve}");
            assert!(out[11_998] > 0.0);
            assert!(e.is_idle());
            if curve > 0.0 {
                // Analog curve: overshoot ratio r = 1e-4 puts the asymptote at -0.8r, and the
                // distance to it shrinks by r/(1+r) over the N-sample release, so -60 dB re the
                // 0.8 start is reached at N*ln((0.8e-3 + 0.8r)/(0.8(1+r)))/ln(r/(1+r)) = 0.74 N.
                let r = 1e-4f64;
                let want =
                    12_000.0 * ((0.8e-3 + 0.8 * r) / (0.8 * (1.0 + r))).ln() / (r / (1.0 + r)).ln();
                let t = out.iter().position(|&x| x < 0.8e-3).unwrap_or(usize::MAX);
                assert!(
                    (t as f64 - want).abs() < 2.0,
                    "curve {curve}: -60 dB after {t}, theory {want}"
                );
            }
        }
    }

    #[test]
    fn legato_retrigger_does_not_click() {
        for curve in [0.0, 1.0, -1.0] {
            let mut e = adsr(0.02, 0.05, 0.6, 0.3, curve);
            let attack_samples = 0.02 * FS;
            e.gate_on();
            for _ in 0..3000 {
                e.tick();
            }
            e.gate_off();
            for _ in 0..2000 {
                e.tick();
            }
            let before = e.level();
            assert!(before > 0.1);
            e.gate_on();
            let mut prev = before;
            let mut max_step = 0.0f32;
            for _ in 0..2000 {
                let x = e.tick();
                max_step = max_step.max((x - prev).abs());
                prev = x;
            }
            assert!(
                max_step <= 2.0 / attack_samples,
                "curve {curve}: step {max_step} > {}",
                2.0 / attack_samples
            );
        }
        // Zero times still ramp over 0.5 ms (24 samples): steps of 1/24, never a jump to 1.
        let mut e = adsr(0.0, 0.0, 1.0, 0.0, 0.0);
        e.gate_on();
        assert!((e.tick() - 1.0 / 24.0).abs() < 1e-6);
    }

    #[test]
    fn ar_one_shot_and_gated() {
        let mut e = Ar::new(FS);
        e.set_attack_s(0.001);
        e.set_release_s(0.1);
        e.trigger();
        let out: Vec<f32> = (0..6000).map(|_| e.tick()).collect();
        assert_eq!(out[47], 1.0);
        assert_eq!(out[47 + 4800], 0.0);
        assert!(out[47 + 4799] > 0.0);
        assert!(e.is_idle());

        e.set_one_shot(false);
        e.trigger();
        for _ in 0..10_000 {
            e.tick();
        }
        assert_eq!((e.stage(), e.tick()), (ArStage::Hold, 1.0));
        e.gate_off();
        for _ in 0..4800 {
            e.tick();
        }
        assert!(e.is_idle());
    }

    #[test]
    fn block_equals_per_sample_and_reset_restores_fresh_state() {
        let run = |e: &mut Adsr, block: bool| -> Vec<f32> {
            let mut out = vec![0.0f32; 20_000];
            let events = [(0usize, true), (7000, false), (9000, true), (15_000, false)];
            let mut pos = 0;
            for (i, &(at, on)) in events.iter().enumerate() {
                let end = events.get(i + 1).map_or(out.len(), |e| e.0);
                debug_assert_eq!(pos, at);
                if on {
                    e.gate_on();
                } else {
                    e.gate_off();
                }
                if block {
                    // Odd block sizes so segment ends fall mid-block.
                    for chunk in out[pos..end].chunks_mut(37) {
                        e.process(chunk);
                    }
                } else {
                    for o in &mut out[pos..end] {
                        *o = e.tick();
                    }
                }
                pos = end;
            }
            out
        };
        for curve in [-0.8, 0.0, 0.6] {
            let mut a = adsr(0.03, 0.07, 0.3, 0.05, curve);
            let per_sample = run(&mut a, false);
            let mut b = adsr(0.03, 0.07, 0.3, 0.05, curve);
            let block = run(&mut b, true);
            a.reset();
            let again = run(&mut a, false);
            for i in 0..per_sample.len() {
                assert_eq!(
                    per_sample[i].to_bits(),
                    block[i].to_bits(),
                    "curve {curve} at {i}"
                );
                assert_eq!(
                    per_sample[i].to_bits(),
                    again[i].to_bits(),
                    "curve {curve} at {i}"
                );
                assert!((0.0..=1.0).contains(&per_sample[i]));
            }
        }
        let mut a = Ar::new(FS);
        a.set_curve(0.9);
        a.trigger();
        let per: Vec<f32> = (0..12_000).map(|_| a.tick()).collect();
        a.reset();
        a.trigger();
        let mut blk = vec![0.0f32; 12_000];
        for c in blk.chunks_mut(100) {
            a.process(c);
        }
        assert!(per
            .iter()
            .zip(&blk)
            .all(|(x, y)| x.to_bits() == y.to_bits()));
    }

    #[test]
    fn extreme_settings_stay_in_range() {
        let mut e = adsr(60.0, 60.0, 0.5, 60.0, 1.0);
        e.set_attack_s(f32::NAN);
        e.set_curve(f32::NAN);
        e.set_sustain(f32::INFINITY);
        e.gate_on();
        let mut out = vec![0.0f32; 48_000];
        e.process(&mut out);
        assert!(out.iter().all(|x| (0.0..=1.0).contains(x)));
        let mut e = adsr(1e9, -1.0, -3.0, 1e9, -1.0);
        e.gate_on();
        e.process(&mut out);
        assert!(out.iter().all(|x| (0.0..=1.0).contains(x)));
        // A 60 s attack with a near-linear curve must still be on track after 1 s: 1/60.
        let mut e = adsr(60.0, 1.0, 1.0, 1.0, 0.0);
        e.gate_on();
        e.process(&mut out);
        assert!((out[47_999] - 1.0 / 60.0).abs() < 1e-6);
    }
}
