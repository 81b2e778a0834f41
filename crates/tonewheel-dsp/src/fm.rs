//! Six-operator phase-modulation synth voice with the 32 Yamaha DX7 algorithms.
//!
//! Like the DX7 (Chowning, "The Synthesis of Complex Audio Spectra by Means of Frequency
//! Modulation", JAES 1973, as implemented by Yamaha in 1983), operators are sine oscillators
//! whose *phase* is offset by the outputs of their modulators, and each operator has its own
//! envelope and output level. The routing of the six operators is one of the 32 DX7
//! algorithms ([`DX7_ALGORITHMS`], transcribed from the algorithm chart printed on the DX7
//! front panel).
//!
//! # Modulation depth
//! A modulator at output level `L` (and envelope 1) shifts its targets' phase by up to
//! `4*pi*L` radians, i.e. modulation index `beta = 4*pi*L`: level 1.0 gives about 12.6 rad,
//! close to the ~13 rad of a DX7 operator at output level 99. Levels are linear, so the useful
//! range for electric pianos (beta ~ 1..3) is `L` ~ 0.08..0.25, and bells (beta ~ 3..8, with
//! inharmonic ratios such as 3.5) use `L` ~ 0.25..0.65.
//!
//! # Feedback
//! The algorithm's feedback operator is phase-modulated by the average of the last two outputs
//! of its feedback source (the DX7's trick for taming the one-sample-delay oscillation), with
//! index `beta_fb = 1.5 * feedback` rad. A lone operator then follows the Kepler-equation series
//! `sum 2 J_k(k b) / (k b) sin(k theta)` (for `b < 1`); at feedback 1 it is a bright,
//! saw-like wave (harmonics 2-4 at -7, -12, -15 dB at 440 Hz) that stays periodic
//! (non-harmonic energy -58 dB). As on the DX7, the feedback delay leaves a DC offset on a
//! feedback *carrier* that grows with pitch and feedback (-11 dB re the fundamental at 440 Hz,
//! feedback 1): follow such patches with a DC blocker.
//!
//! # Cost
//! Per sample, each sounding operator costs one envelope step and one `sin_cycles`; operators
//! at level 0 are skipped. [`Fm6::process`] runs operator by operator over 64-sample blocks.

use crate::fastmath::{exp2, sin_cycles};

/// Number of operators.
pub const NUM_OPERATORS: usize = 6;

/// Phase deviation in cycles per unit modulator output: 2 cycles = 4*pi rad (see module docs).
const MOD_DEPTH_CYCLES: f32 = 2.0;
/// Feedback index at `feedback = 1`, in cycles (1.5 rad).
const FEEDBACK_MAX_CYCLES: f32 = 1.5 / std::f32::consts::TAU;
/// Envelope level treated as silent (-80 dB): releases and zero-sustain decays end here.
const ENV_FLOOR: f32 = 1.0e-4;
/// Exponential attack aims past full level so its curve is still rising steeply at the top
/// (like a charging capacitor with a comparator at 1), then stops at 1.
const ATTACK_TARGET: f32 = 1.5;
/// Samples per block of the operator-by-operator path in [`Fm6::process`].
const BLOCK: usize = 64;
/// ln(1000): decay and release times are the time to cover 60 dB of their distance.
const LN_1000: f32 = 6.907_755;
/// ln(T / (T - 1)) = ln 3: time constants for the attack to climb from 0 to 1.
const LN_ATTACK: f32 = 1.098_612_3;

/// One DX7 algorithm: who modulates whom, who is heard, and where feedback goes.
///
/// Operators are numbered 1..=6 as on the DX7. Bit `j - 1` of `modulators[i - 1]` is set when
/// operator `j` phase-modulates operator `i`; bit `i - 1` of `carriers` is set when operator `i`
/// is summed into the output. Modulation always flows from a higher to a lower operator number,
/// so evaluating 6 down to 1 computes every modulator before its targets. Feedback takes the
/// output of `feedback_from` and feeds it (one sample late) into the phase of `feedback_to`;
/// they are equal for the usual self-feedback and differ only for algorithms 4 (4 -> 6) and
/// 6 (5 -> 6), whose feedback loops span a whole stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FmAlgorithm {
    /// Per target operator, the bit set of its modulators.
    pub modulators: [u8; NUM_OPERATORS],
    /// Bit set of the carriers (operators heard at the output).
    pub carriers: u8,
    /// Operator (1..=6) whose output is fed back.
    pub feedback_from: u8,
    /// Operator (1..=6) whose phase receives the feedback.
    pub feedback_to: u8,
}

/// Builds an algorithm from `(modulator, target)` pairs, carrier numbers and the feedback
/// `(from, to)` pair, all in DX7 operator numbers.
const fn alg(edges: &[(u8, u8)], carriers: &[u8], feedback: (u8, u8)) -> FmAlgorithm {
    let mut modulators = [0u8; NUM_OPERATORS];
    let mut i = 0;
    while i < edges.len() {
        let (from, to) = edges[i];
        modulators[(to - 1) as usize] |= 1 << (from - 1);
        i += 1;
    }
    let mut carrier_bits = 0u8;
    let mut i = 0;
    while i < carriers.len() {
        carrier_bits |= 1 << (carriers[i] - 1);
        i += 1;
    }
    FmAlgorithm {
        modulators,
        carriers: carrier_bits,
        feedback_from: feedback.0,
        feedback_to: feedback.1,
    }
}

/// The 32 DX7 algorithms; index `n - 1` holds algorithm `n`.
pub const DX7_ALGORITHMS: [FmAlgorithm; 32] = [
    alg(&[(2, 1), (4, 3), (5, 4), (6, 5)], &[1, 3], (6, 6)),
    alg(&[(2, 1), (4, 3), (5, 4), (6, 5)], &[1, 3], (2, 2)),
    alg(&[(2, 1), (3, 2), (5, 4), (6, 5)], &[1, 4], (6, 6)),
    alg(&[(2, 1), (3, 2), (5, 4), (6, 5)], &[1, 4], (4, 6)),
    alg(&[(2, 1), (4, 3), (6, 5)], &[1, 3, 5], (6, 6)),
    alg(&[(2, 1), (4, 3), (6, 5)], &[1, 3, 5], (5, 6)),
    alg(&[(2, 1), (4, 3), (5, 3), (6, 5)], &[1, 3], (6, 6)),
    alg(&[(2, 1), (4, 3), (5, 3), (6, 5)], &[1, 3], (4, 4)),
    alg(&[(2, 1), (4, 3), (5, 3), (6, 5)], &[1, 3], (2, 2)),
    alg(&[(2, 1), (3, 2), (5, 4), (6, 4)], &[1, 4], (3, 3)),
    alg(&[(2, 1), (3, 2), (5, 4), (6, 4)], &[1, 4], (6, 6)),
    alg(&[(2, 1), (4, 3), (5, 3), (6, 3)], &[1, 3], (2, 2)),
    alg(&[(2, 1), (4, 3), (5, 3), (6, 3)], &[1, 3], (6, 6)),
    alg(&[(2, 1), (4, 3), (5, 4), (6, 4)], &[1, 3], (6, 6)),
    alg(&[(2, 1), (4, 3), (5, 4), (6, 4)], &[1, 3], (2, 2)),
    alg(&[(2, 1), (3, 1), (5, 1), (4, 3), (6, 5)], &[1], (6, 6)),
    alg(&[(2, 1), (3, 1), (5, 1), (4, 3), (6, 5)], &[1], (2, 2)),
    alg(&[(2, 1), (3, 1), (4, 1), (5, 4), (6, 5)], &[1], (3, 3)),
    alg(&[(2, 1), (3, 2), (6, 4), (6, 5)], &[1, 4, 5], (6, 6)),
    alg(&[(3, 1), (3, 2), (5, 4), (6, 4)], &[1, 2, 4], (3, 3)),
    alg(&[(3, 1), (3, 2), (6, 4), (6, 5)], &[1, 2, 4, 5], (3, 3)),
    alg(&[(2, 1), (6, 3), (6, 4), (6, 5)], &[1, 3, 4, 5], (6, 6)),
    alg(&[(3, 2), (6, 4), (6, 5)], &[1, 2, 4, 5], (6, 6)),
    alg(&[(6, 3), (6, 4), (6, 5)], &[1, 2, 3, 4, 5], (6, 6)),
    alg(&[(6, 4), (6, 5)], &[1, 2, 3, 4, 5], (6, 6)),
    alg(&[(3, 2), (5, 4), (6, 4)], &[1, 2, 4], (6, 6)),
    alg(&[(3, 2), (5, 4), (6, 4)], &[1, 2, 4], (3, 3)),
    alg(&[(2, 1), (4, 3), (5, 4)], &[1, 3, 6], (5, 5)),
    alg(&[(4, 3), (6, 5)], &[1, 2, 3, 5], (6, 6)),
    alg(&[(4, 3), (5, 4)], &[1, 2, 3, 6], (5, 5)),
    alg(&[(6, 5)], &[1, 2, 3, 4, 5], (6, 6)),
    alg(&[], &[1, 2, 3, 4, 5, 6], (6, 6)),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Idle,
    Attack,
    Decay,
    Release,
}

/// Per-operator ADSR with exponential segments: attack approaches an overshoot target and
/// stops at 1, decay and release are one-pole glides (straight lines in dB, as on the DX7).
///
/// Every stage is the same one-pole step toward `target` with `coeff`; a stage ends when the
/// value leaves `[lo, hi)`. That keeps the per-sample path to one multiply-add and one
/// (almost never taken) branch.
#[derive(Debug, Clone, Copy)]
struct Envelope {
    stage: Stage,
    value: f32,
    // The running segment.
    coeff: f32,
    target: f32,
    lo: f32,
    hi: f32,
    // Settings.
    attack_coeff: f32,
    decay_coeff: f32,
    release_coeff: f32,
    sustain: f32,
}

/// One-pole coefficient that covers `ln_ratio` time constants in `time_s` (std `exp`:
/// control rate only). Times under one sample jump straight to the target.
fn segment_coeff(time_s: f32, sample_rate: f32, ln_ratio: f32) -> f32 {
    let samples = time_s * sample_rate;
    if samples > 1.0 {
        1.0 - (-ln_ratio / samples).exp()
    } else {
        1.0
    }
}

impl Envelope {
    /// Attack 1 ms, decay 1 s, sustain 1, release 0.3 s.
    fn new(sample_rate: f32) -> Self {
        Self {
            stage: Stage::Idle,
            value: 0.0,
            coeff: 0.0,
            target: 0.0,
            lo: f32::NEG_INFINITY,
            hi: f32::INFINITY,
            attack_coeff: segment_coeff(0.001, sample_rate, LN_ATTACK),
            decay_coeff: segment_coeff(1.0, sample_rate, LN_1000),
            release_coeff: segment_coeff(0.3, sample_rate, LN_1000),
            sustain: 1.0,
        }
    }

    /// Switches to `stage`, keeping the current value (no jumps on retrigger or release).
    fn enter(&mut self, stage: Stage) {
        self.stage = stage;
        let (coeff, target, lo, hi) = match stage {
            Stage::Idle => (0.0, 0.0, f32::NEG_INFINITY, f32::INFINITY),
            Stage::Attack => (self.attack_coeff, ATTACK_TARGET, f32::NEG_INFINITY, 1.0),
            Stage::Decay => {
                // A zero sustain ends the note by itself once inaudible.
                let lo = if self.sustain > 0.0 {
                    f32::NEG_INFINITY
                } else {
                    ENV_FLOOR
                };
                (self.decay_coeff, self.sustain, lo, f32::INFINITY)
            }
            Stage::Release => (self.release_coeff, 0.0, ENV_FLOOR, f32::INFINITY),
        };
        if stage == Stage::Idle {
            self.value = 0.0;
        }
        (self.coeff, self.target, self.lo, self.hi) = (coeff, target, lo, hi);
    }

    fn release(&mut self) {
        if self.stage != Stage::Idle {
            self.enter(Stage::Release);
        }
    }

    #[inline(always)]
    fn next(&mut self) -> f32 {
        let v = self.value + self.coeff * (self.target - self.value);
        self.value = v;
        if v >= self.hi || v < self.lo {
            self.end_stage();
        }
        self.value
    }

    /// Stage transition, off the hot path.
    #[cold]
    fn end_stage(&mut self) {
        match self.stage {
            Stage::Attack => {
                self.value = 1.0;
                self.enter(Stage::Decay);
            }
            // Below -80 dB: snap to exactly 0 (also keeps denormals out of the state).
            _ => self.enter(Stage::Idle),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Operator {
    ratio: f32,
    fixed_hz: f32,
    detune_ratio: f32,
    level: f32,
    velocity_sens: f32,
    /// Level after velocity scaling, latched at note-on.
    amp: f32,
    env: Envelope,
    phase: f32,
    dt: f32,
}

impl Operator {
    /// One sample: envelope step, sine at the modulated phase, phase advance.
    #[inline(always)]
    fn render(&mut self, phase_mod: f32) -> f32 {
        let gain = self.env.next() * self.amp;
        let y = if gain > 0.0 {
            sin_cycles(self.phase + phase_mod) * gain
        } else {
            0.0
        };
        let p = self.phase + self.dt;
        self.phase = if p >= 1.0 { p - 1.0 } else { p };
        y
    }
}

/// Six-operator DX7-style FM voice (one note at a time; the graph runs one per voice).
///
/// Operators are addressed by their DX7 number `op` in `1..=6`; setters ignore other numbers.
/// An operator whose level is 0 at note-on is skipped entirely (no envelope, no phase
/// advance), so unused operators cost nothing; raised mid-note with
/// [`Fm6::set_op_level_now`], it starts from where it stood at note-on.
/// Parameter setters that involve `exp` (envelope times, detune) are for control rate;
/// [`Fm6::set_freq_hz`] is cheap enough for per-sample pitch modulation.
#[derive(Debug, Clone)]
pub struct Fm6 {
    sample_rate: f32,
    inv_sample_rate: f32,
    ops: [Operator; NUM_OPERATORS],
    algorithm: FmAlgorithm,
    algorithm_number: usize,
    carrier_gain: f32,
    /// `feedback * FEEDBACK_MAX_CYCLES / 2`: applied to the sum of the last two outputs.
    feedback_gain: f32,
    feedback_from: usize,
    feedback_to: usize,
    note_hz: f32,
    velocity: f32,
    fb_history: [f32; 2],
}

impl Fm6 {
    /// Creates a silent voice: algorithm 1, all ratios 1, operator 1 at level 1 and the others
    /// at 0 (a plain sine), velocity sensitivity 1, feedback 0, envelopes attack 1 ms /
    /// decay 1 s / sustain 1 / release 0.3 s.
    pub fn new(sample_rate: f32) -> Self {
        // Guard against 0 / negative / NaN rates (max maps NaN to 1 Hz).
        let sample_rate = sample_rate.max(1.0);
        let op = Operator {
            ratio: 1.0,
            fixed_hz: 0.0,
            detune_ratio: 1.0,
            level: 0.0,
            velocity_sens: 1.0,
            amp: 0.0,
            env: Envelope::new(sample_rate),
            phase: 0.0,
            dt: 0.0,
        };
        let mut fm = Self {
            sample_rate,
            inv_sample_rate: 1.0 / sample_rate,
            ops: [op; NUM_OPERATORS],
            algorithm: DX7_ALGORITHMS[0],
            algorithm_number: 1,
            carrier_gain: 0.5,
            feedback_gain: 0.0,
            feedback_from: 5,
            feedback_to: 5,
            note_hz: 440.0,
            velocity: 1.0,
            fb_history: [0.0; 2],
        };
        fm.ops[0].level = 1.0;
        fm.update_frequencies();
        fm
    }

    /// Silences the voice and clears phases, envelopes and feedback memory (settings kept).
    pub fn reset(&mut self) {
        for op in &mut self.ops {
            op.phase = 0.0;
            op.amp = 0.0;
            op.env.enter(Stage::Idle);
        }
        self.fb_history = [0.0; 2];
        self.note_hz = 440.0;
        self.velocity = 1.0;
        self.update_frequencies();
    }

    /// Selects DX7 algorithm `1..=32` (clamped); default 1. Safe mid-note.
    pub fn set_algorithm(&mut self, algorithm: usize) {
        let n = algorithm.clamp(1, DX7_ALGORITHMS.len());
        self.algorithm_number = n;
        self.algorithm = DX7_ALGORITHMS[n - 1];
        self.carrier_gain = 1.0 / self.algorithm.carriers.count_ones().max(1) as f32;
        let index = |op: u8| usize::from(op.saturating_sub(1)).min(NUM_OPERATORS - 1);
        self.feedback_from = index(self.algorithm.feedback_from);
        self.feedback_to = index(self.algorithm.feedback_to);
    }

    /// Current algorithm number (1..=32).
    pub fn algorithm(&self) -> usize {
        self.algorithm_number
    }

    /// Sets the feedback amount `0..1` on the algorithm's feedback operator (index
    /// `1.5 * feedback` rad); default 0. Cheap.
    pub fn set_feedback(&mut self, feedback: f32) {
        self.feedback_gain = clamp_or_lo(feedback, 0.0, 1.0) * FEEDBACK_MAX_CYCLES * 0.5;
    }

    /// Sets operator `op`'s frequency ratio to the note, clamped to `0.5..=32`; default 1.
    pub fn set_op_ratio(&mut self, op: usize, ratio: f32) {
        if let Some(o) = self.op_mut(op) {
            o.ratio = clamp_or_lo(ratio, 0.5, 32.0);
        }
        self.update_frequencies();
    }

    /// Puts operator `op` in fixed-frequency mode at `freq_hz` (clamped to `0.1..=20000`), or
    /// back to ratio mode when `freq_hz <= 0` or NaN (the default).
    pub fn set_op_fixed_hz(&mut self, op: usize, freq_hz: f32) {
        if let Some(o) = self.op_mut(op) {
            o.fixed_hz = if freq_hz > 0.0 {
                clamp_or_lo(freq_hz, 0.1, 20_000.0)
            } else {
                0.0
            };
        }
        self.update_frequencies();
    }

    /// Detunes operator `op` by `detune_cents`, clamped to `-100..=100`; default 0.
    pub fn set_op_detune_cents(&mut self, op: usize, detune_cents: f32) {
        if let Some(o) = self.op_mut(op) {
            o.detune_ratio = exp2(clamp_or_lo(detune_cents, -100.0, 100.0) / 1200.0);
        }
        self.update_frequencies();
    }

    /// Sets operator `op`'s output level `0..1` (linear): loudness for a carrier, modulation
    /// index `4*pi*level` for a modulator. Defaults: op 1 = 1, others 0. Takes effect at the
    /// next note-on (like the DX7); use [`Self::set_op_level_now`] for live changes.
    pub fn set_op_level(&mut self, op: usize, level: f32) {
        if let Some(o) = self.op_mut(op) {
            o.level = clamp_or_lo(level, 0.0, 1.0);
        }
    }

    /// Like [`Self::set_op_level`] but also applies to the sounding note at once (cheap, but
    /// per-sample changes of a modulator's level are themselves audible as FM).
    pub fn set_op_level_now(&mut self, op: usize, level: f32) {
        self.set_op_level(op, level);
        let velocity = self.velocity;
        if let Some(o) = self.op_mut(op) {
            o.amp = Self::velocity_amp(o, velocity);
        }
    }

    /// Sets how much note-on velocity scales operator `op`'s level, `0..1`: the level is
    /// multiplied by `1 - sens * (1 - velocity)`. Default 1 (fully velocity-sensitive; on a
    /// modulator this makes harder notes brighter).
    pub fn set_op_velocity_sens(&mut self, op: usize, sens: f32) {
        if let Some(o) = self.op_mut(op) {
            o.velocity_sens = clamp_or_lo(sens, 0.0, 1.0);
        }
    }

    /// Sets operator `op`'s attack time in seconds (`0..=30`, time to reach full level);
    /// default 0.001. 0 starts the note at full level. Control rate.
    pub fn set_op_attack_s(&mut self, op: usize, attack_s: f32) {
        let t = clamp_or_lo(attack_s, 0.0, 30.0);
        self.edit_env(op, |e, sr| e.attack_coeff = segment_coeff(t, sr, LN_ATTACK));
    }

    /// Sets operator `op`'s decay time in seconds (`0..=60`, time to fall 60 dB of the way
    /// from full level to sustain); default 1. Control rate.
    pub fn set_op_decay_s(&mut self, op: usize, decay_s: f32) {
        let t = clamp_or_lo(decay_s, 0.0, 60.0);
        self.edit_env(op, |e, sr| e.decay_coeff = segment_coeff(t, sr, LN_1000));
    }

    /// Sets operator `op`'s sustain level `0..1` (linear); default 1. With sustain 0 the
    /// operator ends by itself once it has decayed to -80 dB.
    pub fn set_op_sustain(&mut self, op: usize, sustain: f32) {
        self.edit_env(op, |e, _| e.sustain = clamp_or_lo(sustain, 0.0, 1.0));
    }

    /// Sets operator `op`'s release time in seconds (`0..=60`, time to fall 60 dB after
    /// note-off; the operator goes idle at -80 dB); default 0.3. Control rate.
    pub fn set_op_release_s(&mut self, op: usize, release_s: f32) {
        let t = clamp_or_lo(release_s, 0.0, 60.0);
        self.edit_env(op, |e, sr| e.release_coeff = segment_coeff(t, sr, LN_1000));
    }

    /// Starts a note at `freq_hz` with `velocity` `0..1`. Operator phases restart at 0 (DX7
    /// "oscillator key sync") only when the voice was silent, so legato retriggers do not
    /// click; envelopes re-attack from their current level.
    pub fn note_on(&mut self, freq_hz: f32, velocity: f32) {
        let was_active = self.is_active();
        self.velocity = clamp_or_lo(velocity, 0.0, 1.0);
        for op in &mut self.ops {
            if !was_active {
                op.phase = 0.0;
            }
            op.amp = Self::velocity_amp(op, self.velocity);
            // Re-attack from the current level so retriggers do not click.
            op.env.enter(Stage::Attack);
        }
        if !was_active {
            self.fb_history = [0.0; 2];
        }
        self.set_freq_hz(freq_hz);
    }

    /// Releases all envelopes.
    pub fn note_off(&mut self) {
        for op in &mut self.ops {
            op.env.release();
        }
    }

    /// Changes the note frequency (pitch bend, glide, vibrato) without retriggering; clamped to
    /// `0..=sample_rate/2` per operator. Six multiplies: fine every sample.
    #[inline]
    pub fn set_freq_hz(&mut self, freq_hz: f32) {
        self.note_hz = clamp_or_lo(freq_hz, 0.0, self.sample_rate);
        self.update_frequencies();
    }

    /// True while any audible carrier's envelope is still running (false once all carriers
    /// with a non-zero level have released or decayed to silence), so the graph can free the
    /// voice.
    pub fn is_active(&self) -> bool {
        self.ops.iter().enumerate().any(|(i, op)| {
            self.algorithm.carriers & (1 << i) != 0 && op.amp > 0.0 && op.env.stage != Stage::Idle
        })
    }

    /// Next output sample: the carriers' sum divided by the number of carriers.
    #[inline]
    pub fn tick(&mut self) -> f32 {
        let mut out = [0.0];
        self.render_block::<1>(&mut out);
        out[0]
    }

    /// Fills `out` with consecutive samples (identical to calling [`Self::tick`] per sample).
    ///
    /// Runs operator by operator over blocks of 64 samples, which keeps each inner loop short
    /// and independent. Algorithms 4 and 6, whose feedback loops span several operators, need
    /// each sample of the loop finished before the next starts, so they go sample by sample.
    pub fn process(&mut self, out: &mut [f32]) {
        if self.feedback_from != self.feedback_to {
            for o in out.iter_mut() {
                *o = self.tick();
            }
        } else {
            for chunk in out.chunks_mut(BLOCK) {
                self.render_block::<BLOCK>(chunk);
            }
        }
    }

    /// Renders up to `N` samples operator by operator (6 down to 1). `tick` is the `N = 1`
    /// case, so block and per-sample output are bit-identical by construction.
    #[inline(always)]
    fn render_block<const N: usize>(&mut self, out: &mut [f32]) {
        let n = out.len().min(N);
        let alg = self.algorithm;
        // Each operator's output scaled to a phase offset in cycles, read by its targets; 8
        // rows so that a masked 3-bit index can never be out of bounds.
        let mut mods = [[0.0f32; N]; 8];
        let mut sum = [0.0f32; N];
        for (i, op) in self.ops.iter_mut().enumerate().rev() {
            let is_fb_from = i == self.feedback_from;
            if op.amp <= 0.0 {
                // Silent operators are frozen (see `Fm6` docs); their zeros still enter the
                // feedback memory.
                if is_fb_from {
                    for _ in 0..n.min(2) {
                        self.fb_history = [0.0, self.fb_history[0]];
                    }
                }
                continue;
            }
            // Modulators are all higher-numbered, so their rows are complete.
            let mut phase_mod = [0.0f32; N];
            let mut mask = alg.modulators[i];
            while mask != 0 {
                let src = &mods[(mask.trailing_zeros() & 7) as usize];
                for (m, &s) in phase_mod[..n].iter_mut().zip(&src[..n]) {
                    *m += s;
                }
                mask &= mask - 1;
            }
            let dst = &mut mods[i & 7];
            let carrier = alg.carriers & (1 << i) != 0;
            // Work on a local copy so the operator's fields can stay in registers for the
            // whole loop instead of being reloaded around every store to the output rows.
            let mut o = *op;
            if i == self.feedback_to || is_fb_from {
                // Feedback bookkeeping is recursive: sample by sample.
                let [mut h0, mut h1] = self.fb_history;
                for k in 0..n {
                    let mut pm = phase_mod[k];
                    if i == self.feedback_to {
                        pm += self.feedback_gain * (h0 + h1);
                    }
                    let y = o.render(pm);
                    if is_fb_from {
                        (h0, h1) = (y, h0);
                    }
                    dst[k] = MOD_DEPTH_CYCLES * y;
                    if carrier {
                        sum[k] += y;
                    }
                }
                self.fb_history = [h0, h1];
            } else if carrier {
                for ((&pm, d), s) in phase_mod[..n].iter().zip(dst.iter_mut()).zip(&mut sum) {
                    let y = o.render(pm);
                    *d = MOD_DEPTH_CYCLES * y;
                    *s += y;
                }
            } else {
                for (&pm, d) in phase_mod[..n].iter().zip(dst.iter_mut()) {
                    *d = MOD_DEPTH_CYCLES * o.render(pm);
                }
            }
            *op = o;
        }
        for (o, &s) in out.iter_mut().zip(&sum[..n]) {
            *o = s * self.carrier_gain;
        }
    }

    fn op_mut(&mut self, op: usize) -> Option<&mut Operator> {
        op.checked_sub(1).and_then(|i| self.ops.get_mut(i))
    }

    /// Applies an envelope setting and refreshes the running segment.
    fn edit_env(&mut self, op: usize, edit: impl FnOnce(&mut Envelope, f32)) {
        let sample_rate = self.sample_rate;
        if let Some(o) = self.op_mut(op) {
            edit(&mut o.env, sample_rate);
            o.env.enter(o.env.stage);
        }
    }

    fn velocity_amp(op: &Operator, velocity: f32) -> f32 {
        op.level * (1.0 - op.velocity_sens * (1.0 - velocity))
    }

    #[inline]
    fn update_frequencies(&mut self) {
        let note_dt = self.note_hz * self.inv_sample_rate;
        for op in &mut self.ops {
            let base = if op.fixed_hz > 0.0 {
                op.fixed_hz * self.inv_sample_rate
            } else {
                note_dt * op.ratio
            };
            // Above Nyquist a sine only folds; clamping keeps the phase step below one cycle.
            op.dt = clamp_or_lo(base * op.detune_ratio, 0.0, 0.5);
        }
    }
}

/// `x` limited to `lo..=hi`, with NaN mapped to `lo` (`f32::clamp` would pass NaN through,
/// and setters must never let NaN into the state).
#[inline(always)]
fn clamp_or_lo(x: f32, lo: f32, hi: f32) -> f32 {
    if x >= lo {
        x.min(hi)
    } else {
        lo
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    const SR: f32 = 48_000.0;

    /// Amplitude at `freq_hz` (exact for components periodic in the window).
    fn amp_at(x: &[f32], freq_hz: f64) -> f64 {
        let (mut re, mut im) = (0.0f64, 0.0f64);
        for (n, &v) in x.iter().enumerate() {
            let w = 2.0 * PI * freq_hz * n as f64 / SR as f64;
            re += v as f64 * w.cos();
            im -= v as f64 * w.sin();
        }
        2.0 * (re * re + im * im).sqrt() / x.len() as f64
    }

    /// Bessel function of the first kind by its power series (fine for x < 20).
    fn bessel_j(n: u32, x: f64) -> f64 {
        let mut term = (x / 2.0).powi(n as i32) / (1..=n).map(f64::from).product::<f64>();
        let mut sum = term;
        for k in 1..60 {
            term *= -(x / 2.0).powi(2) / (k as f64 * (k + n) as f64);
            sum += term;
        }
        sum
    }

    /// One second of a voice where only `levels` (op, level) sound, zero attack, sustain 1.
    fn render(algorithm: usize, levels: &[(usize, f32)], setup: impl Fn(&mut Fm6)) -> Vec<f32> {
        let mut fm = Fm6::new(SR);
        fm.set_algorithm(algorithm);
        for op in 1..=6 {
            fm.set_op_level(op, 0.0);
            fm.set_op_attack_s(op, 0.0);
        }
        for &(op, level) in levels {
            fm.set_op_level(op, level);
        }
        setup(&mut fm);
        let mut x = vec![0.0; SR as usize];
        fm.process(&mut x);
        x
    }

    #[test]
    fn routing_table_obeys_dx7_chart_invariants() {
        // Carrier counts read off the DX7 chart, algorithms 1..=32.
        let carriers = [
            2, 2, 2, 2, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 3, 3, 4, 4, 4, 5, 5, 3, 3, 3, 4,
            4, 5, 6,
        ];
        for (n, a) in DX7_ALGORITHMS.iter().enumerate() {
            assert_eq!(a.carriers.count_ones(), carriers[n], "algorithm {}", n + 1);
            let mut modulators = 0u8;
            for (i, &mods) in a.modulators.iter().enumerate() {
                // Only higher-numbered operators modulate lower-numbered ones.
                assert_eq!(mods >> (i + 1) << (i + 1), mods, "algorithm {}", n + 1);
                modulators |= mods;
            }
            // Every operator is heard or modulates, never both (carriers end each stack).
            assert_eq!(modulators & a.carriers, 0, "algorithm {}", n + 1);
            assert_eq!(modulators | a.carriers, 0b11_1111, "algorithm {}", n + 1);
            // Feedback: a self-loop, or back up a stack whose bottom is the source.
            let (from, to) = (a.feedback_from as usize, a.feedback_to as usize);
            assert!((1..=6).contains(&from) && (from..=6).contains(&to));
            let mut reach = 1u8 << (to - 1);
            for i in (0..6).rev() {
                if a.modulators[i] & reach != 0 {
                    reach |= 1 << i;
                }
            }
            assert!(reach & (1 << (from - 1)) != 0, "algorithm {}", n + 1);
        }
        assert_eq!(
            (
                DX7_ALGORITHMS[3].feedback_from,
                DX7_ALGORITHMS[3].feedback_to
            ),
            (4, 6)
        );
        // Algorithm 16: op 1 is modulated by 2, 3 and 5.
        assert_eq!(DX7_ALGORITHMS[15].modulators[0], 0b1_0110);
    }

    #[test]
    fn lone_carrier_in_algorithm_32_is_a_pure_sine() {
        let x = render(32, &[(1, 1.0)], |fm| fm.note_on(1000.0, 1.0));
        let h1 = amp_at(&x, 1000.0);
        let harmonics: f64 = (2..=10)
            .map(|k| amp_at(&x, 1000.0 * k as f64).powi(2))
            .sum();
        let thd = harmonics.sqrt() / h1;
        eprintln!("alg 32 sine: amplitude {h1:.6}, THD {thd:.2e}");
        assert!(thd < 1e-3, "THD {thd}");
        // Six carriers are averaged: one at level 1 contributes 1/6.
        assert!((h1 * 6.0 - 1.0).abs() < 1e-3, "amplitude {h1}");
    }

    #[test]
    fn two_operator_sidebands_follow_bessel_functions() {
        // Algorithm 1: op 2 -> op 1. Carrier 8 kHz, modulator 1 kHz: sidebands 8 +- n kHz
        // neither fold at 0 Hz nor overlap for the orders measured.
        for beta in [0.5, 1.0, 2.405, 4.0] {
            let level = (beta / (4.0 * PI)) as f32;
            let x = render(1, &[(1, 1.0), (2, level)], |fm| {
                fm.set_op_ratio(1, 8.0);
                fm.note_on(1000.0, 1.0);
            });
            for n in 0..=3u32 {
                let expected = bessel_j(n, beta).abs();
                for f in [8000.0 + 1000.0 * n as f64, 8000.0 - 1000.0 * n as f64] {
                    // Two carriers in algorithm 1 (op 3 silent): output is halved.
                    let got = 2.0 * amp_at(&x, f);
                    eprintln!("beta {beta}: |J{n}| = {expected:.4}, measured {got:.4} at {f} Hz");
                    assert!(
                        (got - expected).abs() < 1e-3,
                        "beta {beta} J{n} at {f}: {got}"
                    );
                }
            }
        }
    }

    #[test]
    fn feedback_follows_kepler_series_and_stays_periodic() {
        // y = sin(theta + b*y) solves Kepler's equation, whose sine series is
        // y = sum 2 J_k(k b) / (k b) sin(k theta). At 100 Hz the DX7-style 1.5-sample feedback
        // delay is negligible.
        let b = 1.5 * 0.6;
        let x = render(32, &[(6, 1.0)], |fm| {
            fm.set_feedback(0.6);
            fm.note_on(100.0, 1.0);
        });
        for k in 1..=4u32 {
            let expected = 2.0 * bessel_j(k, k as f64 * b) / (k as f64 * b) / 6.0;
            let got = amp_at(&x, 100.0 * k as f64);
            eprintln!("feedback harmonic {k}: expected {expected:.5}, got {got:.5}");
            assert!(
                (got - expected).abs() < 0.002,
                "harmonic {k}: {got} vs {expected}"
            );
        }

        // Full feedback at 440 Hz: bright and saw-like, yet periodic (no chaotic noise).
        let x = render(32, &[(6, 1.0)], |fm| {
            fm.set_feedback(1.0);
            fm.note_on(440.0, 1.0);
        });
        // Skip 0.1 s of settling; the remaining 0.9 s hold exactly 396 periods.
        let x = &x[4800..];
        let h: Vec<f64> = (1..=54).map(|k| amp_at(x, 440.0 * k as f64)).collect();
        let harmonic_power: f64 = h.iter().map(|a| a * a / 2.0).sum();
        let dc = x.iter().map(|&v| v as f64).sum::<f64>() / x.len() as f64;
        let total = x.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / x.len() as f64;
        let residue_db = 10.0
            * ((total - harmonic_power - dc * dc) / total)
                .max(1e-12)
                .log10();
        let rel: Vec<f64> = h[..4].iter().map(|a| 20.0 * (a / h[0]).log10()).collect();
        let dc_db = 20.0 * (dc.abs() / h[0]).log10();
        eprintln!(
            "feedback 1: harmonics {rel:.1?} dB, residue {residue_db:.1} dB, DC {dc_db:.1} dB"
        );
        assert!(
            residue_db < -50.0,
            "non-harmonic residue {residue_db:.1} dB"
        );
        // Within 3.5 dB of a saw's 1/k (-6.0, -9.5, -12.0 dB); measured -7.3, -11.7, -14.9.
        for (k, r) in rel.iter().enumerate().skip(1) {
            let saw = -20.0 * ((k + 1) as f64).log10();
            assert!(
                (r - saw).abs() < 3.5,
                "harmonic {}: {r:.1} dB vs {saw:.1}",
                k + 1
            );
        }
    }

    #[test]
    fn envelope_times_and_voice_end() {
        let mut fm = Fm6::new(SR);
        fm.set_algorithm(32);
        fm.set_op_attack_s(1, 0.01);
        fm.set_op_release_s(1, 0.1);
        fm.note_on(1000.0, 1.0);
        // Attack reaches full level after attack_s = 480 samples.
        let mut n = 0;
        while fm.ops[0].env.stage == Stage::Attack && n < 10_000 {
            fm.tick();
            n += 1;
        }
        assert!((478..=482).contains(&n), "attack took {n} samples");
        fm.process(&mut [0.0; 1000]);
        // Release falls 60 dB in release_s = 4800 samples, goes idle at -80 dB (6400).
        fm.note_off();
        let mut n = 0;
        while fm.ops[0].env.value > 1e-3 && n < 100_000 {
            fm.tick();
            n += 1;
        }
        assert!(
            (4795..=4805).contains(&n),
            "release -60 dB took {n} samples"
        );
        assert!(fm.is_active());
        fm.process(&mut [0.0; 1650]);
        assert!(!fm.is_active());
        let mut tail = vec![1.0; SR as usize];
        fm.process(&mut tail);
        assert!(tail.iter().all(|&v| v == 0.0));
        assert!(fm.ops.iter().all(|o| o.env.value == 0.0) && fm.fb_history == [0.0; 2]);

        // Zero sustain: 0.05 s to -60 dB, idle at -80 dB (3200 samples) without a note-off.
        fm.set_op_attack_s(1, 0.0);
        for op in [1, 3, 5] {
            fm.set_op_sustain(op, 0.0);
            fm.set_op_decay_s(op, 0.05);
        }
        fm.set_algorithm(5);
        fm.note_on(440.0, 1.0);
        fm.process(&mut [0.0; 3150]);
        assert!(fm.is_active());
        fm.process(&mut [0.0; 100]);
        assert!(!fm.is_active());
    }

    #[test]
    fn block_equals_tick_and_reset_equals_fresh() {
        for algorithm in [5, 4, 16] {
            let setup = |fm: &mut Fm6| {
                fm.set_algorithm(algorithm);
                fm.set_feedback(0.7);
                for op in 1..=5 {
                    fm.set_op_level(op, 0.15 * op as f32);
                    fm.set_op_ratio(op, op as f32 * 0.75);
                    fm.set_op_detune_cents(op, 3.0 * op as f32 - 9.0);
                    fm.set_op_decay_s(op, 0.2);
                    fm.set_op_sustain(op, 0.4);
                }
                fm.set_op_fixed_hz(2, 150.0);
            };
            let mut a = Fm6::new(SR);
            setup(&mut a);
            let mut b = a.clone();
            a.note_on(220.0, 0.8);
            b.note_on(220.0, 0.8);
            let mut block = vec![0.0; 3000]; // not a multiple of the 64-sample block
            b.process(&mut block);
            for &v in &block {
                assert_eq!(a.tick().to_bits(), v.to_bits(), "algorithm {algorithm}");
            }
            a.reset();
            let mut fresh = Fm6::new(SR);
            setup(&mut fresh);
            a.note_on(330.0, 0.5);
            fresh.note_on(330.0, 0.5);
            for _ in 0..3000 {
                assert_eq!(a.tick().to_bits(), fresh.tick().to_bits());
            }
        }
    }

    #[test]
    fn all_algorithms_survive_extreme_settings() {
        for n in 0..=33 {
            let mut fm = Fm6::new(SR);
            fm.set_algorithm(n);
            fm.set_feedback(1.0);
            for op in 0..=7 {
                fm.set_op_level(op, 1.0);
                fm.set_op_ratio(op, 32.0);
                fm.set_op_attack_s(op, f32::NAN);
                fm.set_op_decay_s(op, -1.0);
                fm.set_op_release_s(op, 1e9);
                fm.set_op_detune_cents(op, 1e6);
            }
            fm.note_on(20_000.0, 2.0);
            let mut x = vec![0.0; 3000];
            fm.process(&mut x[..1500]);
            fm.set_freq_hz(f32::NAN);
            fm.set_feedback(f32::INFINITY);
            fm.set_op_level_now(1, f32::NAN);
            fm.process(&mut x[1500..]);
            assert!(
                x.iter().all(|y| y.is_finite() && y.abs() <= 1.0 + 1e-6),
                "alg {n}"
            );
            fm.note_off();
        }
    }
}
