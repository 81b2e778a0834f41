//! Mixer building blocks: channel strips, sends, automation lanes and LFOs.
//!
//! Channels use a balance law for stereo sources: at centre both sides pass at unity; panning
//! right attenuates the left side linearly to silence at hard right (and vice versa), so a
//! centred track is never quieter than its stem. Automation and LFOs are evaluated once per
//! control block of [`CONTROL_FRAMES`] frames (1.3 ms at 48 kHz), fine enough to be
//! inaudible as steps for mixer and effect moves.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Frames between automation/LFO updates.
pub const CONTROL_FRAMES: usize = 64;

/// Linear gain of a level in dB.
pub fn db_to_gain(db: f64) -> f32 {
    10f64.powf(db / 20.0) as f32
}

/// Left and right gains of the balance law for `pan` in -1..=1.
pub fn balance(pan: f64) -> (f32, f32) {
    let p = pan.clamp(-1.0, 1.0);
    ((1.0 - p.max(0.0)) as f32, (1.0 + p.min(0.0)) as f32)
}

fn is_default<T: Default + PartialEq>(x: &T) -> bool {
    *x == T::default()
}

/// A post-fader send to a return bus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Send {
    /// Id of the return bus.
    pub bus: String,
    /// Send level in dB.
    pub level_db: f64,
}

/// A track's channel strip.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    /// Fader level in dB (-120..=24).
    #[serde(default, skip_serializing_if = "is_default")]
    pub volume_db: f64,
    /// Pan, -1 (left) ..= 1 (right).
    #[serde(default, skip_serializing_if = "is_default")]
    pub pan: f64,
    /// Silences the track.
    #[serde(default, skip_serializing_if = "is_default")]
    pub mute: bool,
    /// When any track is soloed, only soloed tracks sound.
    #[serde(default, skip_serializing_if = "is_default")]
    pub solo: bool,
    /// Post-fader sends.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sends: Vec<Send>,
}

/// Interpolation between breakpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Curve {
    /// Straight lines.
    #[default]
    Linear,
    /// Constant ratio per bar (natural for frequencies and linear gains); both ends of
    /// every segment must have the same sign and be non-zero.
    Exponential,
}

/// One automation point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Breakpoint {
    /// Position in bars from the start of the arrangement.
    pub bar: f64,
    /// Value in the target's canonical unit (dB for volume, Hz for cutoffs...).
    pub value: f64,
}

/// An automation lane: breakpoints on one parameter.
///
/// Targets: `volume`, `pan`, `fx.<stage id>.<parameter>` (the track's effect chain),
/// `synth.<stage id>.<parameter>` (the track's preset).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Automation {
    /// The parameter.
    pub target: String,
    /// Breakpoints in increasing bar order; before the first and after the last the value
    /// holds.
    pub points: Vec<Breakpoint>,
    /// Interpolation.
    #[serde(default, skip_serializing_if = "is_default")]
    pub curve: Curve,
}

impl Automation {
    /// The lane's value at `bar`.
    pub fn value_at(&self, bar: f64) -> f64 {
        let Some(first) = self.points.first() else {
            return 0.0;
        };
        if bar <= first.bar {
            return first.value;
        }
        for w in self.points.windows(2) {
            let (a, b) = (w[0], w[1]);
            if bar < b.bar {
                let t = if b.bar > a.bar {
                    (bar - a.bar) / (b.bar - a.bar)
                } else {
                    1.0
                };
                return match self.curve {
                    Curve::Linear => a.value + (b.value - a.value) * t,
                    Curve::Exponential => a.value * (b.value / a.value).powf(t),
                };
            }
        }
        self.points.last().map_or(first.value, |p| p.value)
    }

    /// Checks order and, for exponential lanes, signs; returns a reason on failure.
    pub fn check(&self) -> Result<(), String> {
        if self.points.is_empty() {
            return Err("at least one breakpoint".into());
        }
        if self
            .points
            .iter()
            .any(|p| !p.bar.is_finite() || !p.value.is_finite() || p.bar < 0.0)
        {
            return Err("finite values and bars >= 0".into());
        }
        if self.points.windows(2).any(|w| w[1].bar < w[0].bar) {
            return Err("breakpoints in increasing bar order".into());
        }
        if self.curve == Curve::Exponential
            && self
                .points
                .windows(2)
                .any(|w| w[0].value * w[1].value <= 0.0)
        {
            return Err("non-zero values of one sign for an exponential curve".into());
        }
        Ok(())
    }
}

/// LFO waveform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LfoShape {
    /// Sine.
    #[default]
    Sine,
    /// Triangle.
    Triangle,
}

/// A tempo-synced LFO added to a parameter's value (after automation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Lfo {
    /// The parameter (same syntax as [`Automation::target`]).
    pub target: String,
    /// Period in bars (0.25 = a quarter-bar wobble in 4/4).
    pub period_bars: f64,
    /// Peak deviation in the target's unit.
    pub depth: f64,
    /// Waveform.
    #[serde(default, skip_serializing_if = "is_default")]
    pub shape: LfoShape,
    /// Start phase in cycles (0..1).
    #[serde(default, skip_serializing_if = "is_default")]
    pub phase: f64,
}

impl Lfo {
    /// Deviation at `bar`.
    pub fn offset_at(&self, bar: f64) -> f64 {
        let x = (bar / self.period_bars + self.phase).rem_euclid(1.0);
        let wave = match self.shape {
            LfoShape::Sine => (std::f64::consts::TAU * x).sin(),
            // Starts at 0 rising, like the sine: 0 → 1 → -1 → 0.
            LfoShape::Triangle => 4.0 * ((x - 0.25).rem_euclid(1.0) - 0.5).abs() - 1.0,
        };
        self.depth * wave
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn automation_curves() {
        let lane = |curve| Automation {
            target: "volume".into(),
            points: vec![
                Breakpoint {
                    bar: 1.0,
                    value: 100.0,
                },
                Breakpoint {
                    bar: 3.0,
                    value: 400.0,
                },
            ],
            curve,
        };
        let lin = lane(Curve::Linear);
        assert_eq!(
            (lin.value_at(0.0), lin.value_at(2.0), lin.value_at(9.0)),
            (100.0, 250.0, 400.0)
        );
        let exp = lane(Curve::Exponential);
        // Geometric midpoint of 100 and 400.
        assert!((exp.value_at(2.0) - 200.0).abs() < 1e-9);
        assert!(exp.check().is_ok());
        let mut bad = lane(Curve::Exponential);
        bad.points[0].value = -1.0;
        assert!(bad.check().is_err());
        bad.curve = Curve::Linear;
        bad.points[1].bar = 0.5;
        assert!(bad.check().is_err());
    }

    #[test]
    fn lfo_shapes_and_balance() {
        let mut l = Lfo {
            target: "pan".into(),
            period_bars: 2.0,
            depth: 0.5,
            shape: LfoShape::Sine,
            phase: 0.0,
        };
        assert!(l.offset_at(0.0).abs() < 1e-12 && (l.offset_at(0.5) - 0.5).abs() < 1e-12);
        l.shape = LfoShape::Triangle;
        let v: Vec<f64> = [0.0, 0.5, 1.0, 1.5, 2.0]
            .iter()
            .map(|&b| l.offset_at(b))
            .collect();
        for (a, b) in v.iter().zip([0.0, 0.5, 0.0, -0.5, 0.0]) {
            assert!((a - b).abs() < 1e-12, "{v:?}");
        }
        assert_eq!(balance(0.0), (1.0, 1.0));
        assert_eq!(balance(1.0), (0.0, 1.0));
        assert_eq!(balance(-0.5), (1.0, 0.5));
        assert!((db_to_gain(-6.0206) - 0.5).abs() < 1e-5);
    }
}
