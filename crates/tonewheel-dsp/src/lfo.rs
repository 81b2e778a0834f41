//! Low-frequency oscillator (bipolar control source) and tempo-sync helpers.
//!
//! The phase is a 32-bit fixed-point accumulator (one cycle = 2^32): wrapping is free and exact,
//! and the period error comes only from rounding the increment (< 1e-5 relative at 0.01 Hz),
//! whereas an `f32` phase would drift by several samples per cycle at low rates.
//!
//! Square and saw shapes are naive (not band-limited): at LFO rates (<= 50 Hz) their aliasing
//! lies far below the modulation bandwidth, and modulation targets want the hard edges. Use an
//! oscillator from `osc` for audio-rate modulation.

use crate::fastmath;
use crate::rng::Rng32;

/// Lowest accepted rate.
pub const MIN_RATE_HZ: f32 = 0.01;
/// Highest accepted rate.
pub const MAX_RATE_HZ: f32 = 50.0;

/// Waveform of an [`Lfo`]. All shapes are bipolar (-1..=1) and start at phase 0 as described.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LfoShape {
    /// Sine, starting at 0 and rising.
    Sine,
    /// Triangle, starting at 0 and rising (peak +1 at phase 0.25, -1 at 0.75).
    Triangle,
    /// Rising ramp from -1 to +1 over the cycle.
    SawUp,
    /// Falling ramp from +1 to -1 over the cycle.
    SawDown,
    /// +1 for the first half of the cycle, -1 for the second.
    Square,
    /// A new uniform random value in -1..1 at the start of every cycle, held for the cycle.
    SampleAndHold,
}

/// Bipolar LFO with a seeded (deterministic) sample-and-hold source.
///
/// Parameters: `rate_hz` 0.01..=50 (clamped, default 1 Hz), shape (default sine), phase
/// 0..1 via [`set_phase`](Self::set_phase). Output -1..=1.
#[derive(Debug, Clone)]
pub struct Lfo {
    /// Phase increment per Hz: 2^32 / sample_rate.
    inc_per_hz: f32,
    shape: LfoShape,
    rate_hz: f32,
    seed: u64,
    phase: u32,
    inc: u32,
    rng: Rng32,
    held: f32,
}

/// Converts a 32-bit phase to cycles in [0, 1) exactly (top 24 bits fit an `f32` mantissa).
#[inline(always)]
fn unit(phase: u32) -> f32 {
    (phase >> 8) as f32 * (1.0 / 16_777_216.0)
}

impl Lfo {
    /// Creates a 1 Hz sine LFO at phase 0; `seed` drives sample-and-hold.
    pub fn new(sample_rate: f32, seed: u64) -> Self {
        let sample_rate = if sample_rate.is_finite() && sample_rate > 0.0 {
            sample_rate
        } else {
            48_000.0
        };
        let mut rng = Rng32::new(seed);
        let held = rng.next_bipolar();
        let mut l = Self {
            inc_per_hz: (4_294_967_296.0f64 / sample_rate as f64) as f32,
            shape: LfoShape::Sine,
            rate_hz: 1.0,
            seed,
            phase: 0,
            inc: 0,
            rng,
            held,
        };
        l.set_rate_hz(1.0);
        l
    }

    /// Selects the waveform (takes effect on the next sample, phase is kept).
    pub fn set_shape(&mut self, shape: LfoShape) {
        self.shape = shape;
    }

    /// Current waveform.
    pub fn shape(&self) -> LfoShape {
        self.shape
    }

    /// Sets the rate in Hz, clamped to 0.01..=50 (NaN ignored). One multiply: safe per sample.
    #[inline]
    pub fn set_rate_hz(&mut self, rate_hz: f32) {
        if rate_hz.is_nan() {
            return;
        }
        self.rate_hz = rate_hz.clamp(MIN_RATE_HZ, MAX_RATE_HZ);
        // Saturating float->int cast; 50 Hz at any real sample rate is far below 2^32.
        self.inc = (self.rate_hz * self.inc_per_hz).round() as u32;
    }

    /// Current (clamped) rate in Hz.
    pub fn rate_hz(&self) -> f32 {
        self.rate_hz
    }

    /// Jumps to `phase` (cycles, wrapped into 0..1; NaN means 0), e.g. to retrigger on a note.
    /// Sample-and-hold draws a fresh value, as at any cycle start.
    pub fn set_phase(&mut self, phase: f32) {
        let p = if phase.is_finite() {
            phase - phase.floor()
        } else {
            0.0
        };
        self.phase = (p as f64 * 4_294_967_296.0) as u32;
        self.held = self.rng.next_bipolar();
    }

    /// Current phase in cycles, 0..1.
    pub fn phase(&self) -> f32 {
        unit(self.phase)
    }

    /// Back to phase 0 and the seed's first random value; rate and shape are kept.
    pub fn reset(&mut self) {
        self.phase = 0;
        self.rng = Rng32::new(self.seed);
        self.held = self.rng.next_bipolar();
    }

    #[inline(always)]
    fn advance(&mut self) {
        let (next, wrapped) = self.phase.overflowing_add(self.inc);
        self.phase = next;
        if wrapped {
            self.held = self.rng.next_bipolar();
        }
    }

    #[inline(always)]
    fn value(shape: LfoShape, p: f32, held: f32) -> f32 {
        match shape {
            LfoShape::Sine => fastmath::sin_cycles(p),
            LfoShape::Triangle => {
                // Shift by 3/4 cycle so the fold gives 0 rising at phase 0 (p < 1, so one
                // conditional subtraction wraps it, cheaper than `floor`).
                let q = p + 0.75;
                let q = if q >= 1.0 { q - 1.0 } else { q };
                4.0 * (q - 0.5).abs() - 1.0
            }
            LfoShape::SawUp => 2.0 * p - 1.0,
            LfoShape::SawDown => 1.0 - 2.0 * p,
            LfoShape::Square => {
                if p < 0.5 {
                    1.0
                } else {
                    -1.0
                }
            }
            LfoShape::SampleAndHold => held,
        }
    }

    /// Returns the value at the current phase, then advances one sample.
    #[inline]
    pub fn tick(&mut self) -> f32 {
        let y = Self::value(self.shape, unit(self.phase), self.held);
        self.advance();
        y
    }

    /// Fills `out` with consecutive values (bit-identical to [`tick`](Self::tick)).
    pub fn process(&mut self, out: &mut [f32]) {
        let shape = self.shape;
        for o in out.iter_mut() {
            *o = Self::value(shape, unit(self.phase), self.held);
            self.advance();
        }
    }
}

/// Converts a tempo-synced duration to a rate: `tempo_bpm / 60 / note_value_beats`.
///
/// `note_value_beats` is in quarter-note beats (1/4 = 1, 1/8d = 0.75, 1/16t = 1/6, 1/1 = 4);
/// see [`parse_note_value`]. Returns 0 for non-positive or non-finite inputs (callers clamp via
/// [`Lfo::set_rate_hz`]).
pub fn synced_rate_hz(tempo_bpm: f32, note_value_beats: f32) -> f32 {
    let valid = |x: f32| x.is_finite() && x > 0.0;
    if valid(tempo_bpm) && valid(note_value_beats) {
        tempo_bpm / (60.0 * note_value_beats)
    } else {
        0.0
    }
}

/// Parses a note value such as `"1/4"`, `"1/8d"` (dotted, x1.5; `"1/8."` also accepted),
/// `"1/16t"` (triplet, x2/3), `"1/1"` or `"2/1"` into quarter-note beats
/// (`4 * numerator / denominator`, times the modifier). Whitespace around parts is ignored;
/// anything else (zero, negative, non-integer, missing slash) gives `None`.
pub fn parse_note_value(text: &str) -> Option<f32> {
    let s = text.trim();
    let (body, modifier) = if let Some(b) = s.strip_suffix(['d', 'D', '.']) {
        (b, 1.5)
    } else if let Some(b) = s.strip_suffix(['t', 'T']) {
        (b, 2.0 / 3.0)
    } else {
        (s, 1.0)
    };
    let (num, den) = body.split_once('/')?;
    let num: u32 = num.trim().parse().ok()?;
    let den: u32 = den.trim().parse().ok()?;
    if num == 0 || den == 0 {
        return None;
    }
    Some((4.0 * num as f64 / den as f64 * modifier) as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FS: f32 = 48_000.0;

    fn lfo(shape: LfoShape, rate: f32) -> Lfo {
        let mut l = Lfo::new(FS, 42);
        l.set_shape(shape);
        l.set_rate_hz(rate);
        l
    }

    #[test]
    fn period_at_2_hz_is_24000_samples() {
        for shape in [LfoShape::Sine, LfoShape::Triangle, LfoShape::Square] {
            let mut l = lfo(shape, 2.0);
            let out: Vec<f32> = (0..5 * 24_000 + 10).map(|_| l.tick()).collect();
            // Rising crossings through 0 (falling edges for the square).
            let mut edges = Vec::new();
            for i in 1..out.len() {
                let rising = out[i - 1] < 0.0 && out[i] >= 0.0;
                let square_fall = shape == LfoShape::Square && out[i - 1] > 0.0 && out[i] < 0.0;
                if (shape != LfoShape::Square && rising) || square_fall {
                    edges.push(i);
                }
            }
            assert!(edges.len() >= 4, "{shape:?}");
            for w in edges.windows(2) {
                let period = (w[1] - w[0]) as i64;
                assert!((period - 24_000).abs() <= 1, "{shape:?}: period {period}");
            }
        }
    }

    #[test]
    fn sine_and_triangle_peaks() {
        let mut l = lfo(LfoShape::Sine, 1.0);
        let out: Vec<f32> = (0..48_000).map(|_| l.tick()).collect();
        let max = out.iter().cloned().fold(f32::MIN, f32::max);
        let min = out.iter().cloned().fold(f32::MAX, f32::min);
        assert!(
            (max - 1.0).abs() < 1e-3 && (min + 1.0).abs() < 1e-3,
            "{min} {max}"
        );
        // Quarter-cycle landmarks. The increment is rounded to 1/2^32 cycle, so sample 12000
        // sits 1.4e-6 cycles before phase 0.25: values agree to ~2e-5.
        let close = |a: f32, b: f32| (a - b).abs() < 1e-4;
        assert!(close(out[12_000], 1.0) && close(out[24_000], 0.0) && close(out[36_000], -1.0));
        let mut t = lfo(LfoShape::Triangle, 1.0);
        let tri: Vec<f32> = (0..48_000).map(|_| t.tick()).collect();
        assert_eq!(tri[0], 0.0);
        assert!(close(tri[12_000], 1.0) && close(tri[24_000], 0.0) && close(tri[36_000], -1.0));
        assert!(tri.iter().all(|x| (-1.0..=1.0).contains(x)));
        let mut s = lfo(LfoShape::SawUp, 1.0);
        let saw: Vec<f32> = (0..48_000).map(|_| s.tick()).collect();
        assert_eq!(saw[0], -1.0);
        assert!(close(saw[24_000], 0.0) && saw.windows(2).all(|w| w[1] > w[0]));
        let mut s = lfo(LfoShape::SawDown, 1.0);
        assert_eq!(s.tick(), 1.0);
    }

    #[test]
    fn sample_and_hold_is_seeded_held_and_uniform() {
        let mut a = lfo(LfoShape::SampleAndHold, 50.0);
        let mut b = lfo(LfoShape::SampleAndHold, 50.0);
        let mut other = Lfo::new(FS, 43);
        other.set_shape(LfoShape::SampleAndHold);
        other.set_rate_hz(50.0);
        let out: Vec<f32> = (0..480_000).map(|_| a.tick()).collect();
        let mut differs = false;
        let mut sum = 0.0f64;
        for (i, &x) in out.iter().enumerate() {
            assert_eq!(x.to_bits(), b.tick().to_bits());
            differs |= x != other.tick();
            assert!((-1.0..1.0).contains(&x));
            // 50 Hz at 48 kHz: 960-sample steps (within one sample of rounding).
            if i % 960 > 1 && i % 960 < 959 {
                assert_eq!(x, out[i - 1]);
            }
            sum += x as f64;
        }
        assert!(differs);
        // 500 held values of U(-1,1): standard error of the mean 0.026; allow 4 sigma.
        assert!((sum / out.len() as f64).abs() < 0.104);
    }

    #[test]
    fn phase_reset_block_and_determinism() {
        for shape in [
            LfoShape::Sine,
            LfoShape::Triangle,
            LfoShape::SawUp,
            LfoShape::SawDown,
            LfoShape::Square,
            LfoShape::SampleAndHold,
        ] {
            let mut a = lfo(shape, 7.3);
            let per_sample: Vec<f32> = (0..20_000).map(|_| a.tick()).collect();
            let mut b = lfo(shape, 7.3);
            let mut block = vec![0.0f32; 20_000];
            for c in block.chunks_mut(64) {
                b.process(c);
            }
            a.reset();
            let again: Vec<f32> = (0..20_000).map(|_| a.tick()).collect();
            for i in 0..per_sample.len() {
                assert_eq!(per_sample[i].to_bits(), block[i].to_bits(), "{shape:?}");
                assert_eq!(per_sample[i].to_bits(), again[i].to_bits(), "{shape:?}");
            }
        }
        let mut l = lfo(LfoShape::Sine, 1.0);
        l.set_phase(1.25);
        assert!((l.tick() - 1.0).abs() < 1e-5);
        l.set_phase(f32::NAN);
        assert_eq!(l.phase(), 0.0);
        l.set_rate_hz(1e6);
        assert_eq!(l.rate_hz(), MAX_RATE_HZ);
        l.set_rate_hz(-1.0);
        assert_eq!(l.rate_hz(), MIN_RATE_HZ);
    }

    #[test]
    fn note_values_and_synced_rates() {
        let table = [
            ("1/4", Some(1.0)),
            ("1/8d", Some(0.75)),
            ("1/8.", Some(0.75)),
            ("1/16t", Some(1.0 / 6.0)),
            ("1/1", Some(4.0)),
            ("2/1", Some(8.0)),
            ("3/16", Some(0.75)),
            (" 1/2 ", Some(2.0)),
            ("1/4T", Some(2.0 / 3.0)),
            ("1/0", None),
            ("0/4", None),
            ("-1/4", None),
            ("1.5/4", None),
            ("quarter", None),
            ("", None),
        ];
        for (text, want) in table {
            let got = parse_note_value(text);
            match (got, want) {
                (Some(g), Some(w)) => assert!((g - w).abs() < 1e-6, "{text}: {g} vs {w}"),
                (g, w) => assert_eq!(g, w, "{text}"),
            }
        }
        // 120 BPM: a quarter note lasts 0.5 s -> 2 Hz; a dotted eighth 0.375 s -> 2.667 Hz.
        assert!((synced_rate_hz(120.0, 1.0) - 2.0).abs() < 1e-6);
        assert!((synced_rate_hz(120.0, 0.75) - 8.0 / 3.0).abs() < 1e-5);
        assert!((synced_rate_hz(90.0, 4.0) - 0.375).abs() < 1e-6);
        assert_eq!(synced_rate_hz(120.0, 0.0), 0.0);
        assert_eq!(synced_rate_hz(f32::NAN, 1.0), 0.0);
    }
}
