//! Role profiles: what each [`Role`] is expected to measure like, as data.
//!
//! A profile is a list of [`Criterion`]s, each a [`Target`] (a trapezoid: 0 outside
//! `zero_lo..zero_hi`, 1 inside `ok_lo..ok_hi`, linear in between, on a linear or log10
//! axis) on one measured [`Feature`] with a weight. The semantic match of a sound to a role is
//! the weighted mean of its criteria's scores. The numbers come from the issue text (bass
//! below ~300 Hz, hats above 5 kHz, pads slow with sustain, kicks fast and decaying), from
//! common production practice (EQ charts, drum-synthesis references such as Sound On Sound's
//! *Synth Secrets*) and from measuring test renders; each profile's `rationale` says which.
//! `docs/quality.md` has the same table in prose.

use serde::{Deserialize, Serialize};
use tonewheel_audio::Role;

/// The axis a [`Target`] is evaluated on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    /// Linear in the measured value (fractions, dB).
    Linear,
    /// Linear in log10 of the measured value (frequencies, times, flatness): equal ratios
    /// count equally. Values are floored at [`Feature::log_floor`] before the log.
    Log,
}

/// A trapezoid acceptance range: score 0 at or beyond `zero_lo`/`zero_hi`, 1 between
/// `ok_lo` and `ok_hi`, linear in between (on the [`Scale`]). Open sides use infinities.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// Below this the score is 0.
    pub zero_lo: f64,
    /// From here up to `ok_hi` the score is 1.
    pub ok_lo: f64,
    /// Up to here (from `ok_lo`) the score is 1.
    pub ok_hi: f64,
    /// Above this the score is 0.
    pub zero_hi: f64,
    /// Axis of the linear ramps.
    pub scale: Scale,
}

impl Target {
    /// Score 1 at or below `ok_hi`, falling to 0 at `zero_hi`.
    pub const fn at_most(ok_hi: f64, zero_hi: f64, scale: Scale) -> Self {
        Self {
            zero_lo: f64::NEG_INFINITY,
            ok_lo: f64::NEG_INFINITY,
            ok_hi,
            zero_hi,
            scale,
        }
    }

    /// Score 0 at or below `zero_lo`, rising to 1 at `ok_lo` and above.
    pub const fn at_least(zero_lo: f64, ok_lo: f64, scale: Scale) -> Self {
        Self {
            zero_lo,
            ok_lo,
            ok_hi: f64::INFINITY,
            zero_hi: f64::INFINITY,
            scale,
        }
    }

    /// Score 1 within `ok_lo..=ok_hi`, 0 outside `zero_lo..=zero_hi`.
    pub const fn between(zero_lo: f64, ok_lo: f64, ok_hi: f64, zero_hi: f64, scale: Scale) -> Self {
        Self {
            zero_lo,
            ok_lo,
            ok_hi,
            zero_hi,
            scale,
        }
    }

    /// Score of `value` (0..1). `floor` is the smallest value the log axis accepts. A NaN
    /// value scores 0.
    pub fn score_with_floor(&self, value: f64, floor: f64) -> f64 {
        if value.is_nan() {
            return 0.0;
        }
        let map = |v: f64| match self.scale {
            Scale::Linear => v,
            Scale::Log => v.max(floor).log10(),
        };
        let x = map(value);
        let (zl, ol, oh, zh) = (
            map(self.zero_lo),
            map(self.ok_lo),
            map(self.ok_hi),
            map(self.zero_hi),
        );
        let s = if x < ol {
            if x <= zl {
                0.0
            } else {
                (x - zl) / (ol - zl)
            }
        } else if x > oh {
            if x >= zh {
                0.0
            } else {
                (zh - x) / (zh - oh)
            }
        } else {
            1.0
        };
        s.clamp(0.0, 1.0)
    }

    /// Score of `value` with a log floor of `1e-12`.
    pub fn score(&self, value: f64) -> f64 {
        self.score_with_floor(value, 1e-12)
    }
}

/// A measured feature a role criterion looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    /// Share of energy below 300 Hz (0..1).
    LowFraction,
    /// Share of energy at or above 5 kHz (0..1).
    HighFraction,
    /// Spectral centroid in Hz.
    CentroidHz,
    /// Spectral flatness (0..1; tonal < 0.01, noise > 0.1).
    Flatness,
    /// 10 % → 90 % attack time in seconds.
    AttackS,
    /// Level halfway through the note, dB re peak.
    SustainDb,
}

impl Feature {
    /// Stable snake_case name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Feature::LowFraction => "low_fraction",
            Feature::HighFraction => "high_fraction",
            Feature::CentroidHz => "centroid_hz",
            Feature::Flatness => "flatness",
            Feature::AttackS => "attack_s",
            Feature::SustainDb => "sustain_db",
        }
    }

    /// Smallest value used on a log axis: 1 ms for attack (the envelope's resolution), 10 Hz
    /// for the centroid, 1e-6 for flatness.
    pub fn log_floor(self) -> f64 {
        match self {
            Feature::AttackS => 0.001,
            Feature::CentroidHz => 10.0,
            Feature::Flatness => 1e-6,
            _ => 1e-12,
        }
    }
}

/// One weighted expectation of a role.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Criterion {
    /// The measured feature.
    pub feature: Feature,
    /// Its acceptance range.
    pub target: Target,
    /// Weight in the role's weighted mean; features that define the role weigh more.
    pub weight: f64,
}

/// What a role is expected to sound like, and how it is judged.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RoleProfile {
    /// The role.
    pub role: Role,
    /// Semantic criteria.
    pub criteria: &'static [Criterion],
    /// True when the sound must die away on its own (drums, plucks): a tail that is still
    /// within 20 dB of the peak at the end of the audio is a `no_decay` violation.
    pub decays: bool,
    /// True for tonal roles, whose aliasing estimate is judged.
    pub harmonic: bool,
    /// Acceptable harshness (2–5 kHz plus ≥ 10 kHz energy share).
    pub harshness: Target,
    /// Acceptable stereo correlation (mono compatibility).
    pub correlation: Target,
    /// Where the numbers come from.
    pub rationale: &'static str,
}

use Feature::*;
use Scale::{Linear, Log};

const fn c(feature: Feature, target: Target, weight: f64) -> Criterion {
    Criterion {
        feature,
        target,
        weight,
    }
}

/// Tonal sounds: flatness below 0.05 is fully tonal, 0.5 is noise.
const TONAL: Target = Target::at_most(0.05, 0.5, Log);
/// Low end must stay mono: correlation ≥ 0.8 fully fine, ≤ 0.2 fails.
const MONO_LOW_END: Target = Target::at_least(0.2, 0.8, Linear);
/// Everything else may be wide, but not phase-inverted: ≥ 0 fine, ≤ -0.5 fails.
const NOT_INVERTED: Target = Target::at_least(-0.5, 0.0, Linear);

const PAD: &[Criterion] = &[
    c(AttackS, Target::at_least(0.005, 0.06, Log), 2.0),
    c(SustainDb, Target::at_least(-24.0, -6.0, Linear), 2.0),
    c(
        CentroidHz,
        Target::between(50.0, 150.0, 4_000.0, 10_000.0, Log),
        1.0,
    ),
    c(LowFraction, Target::at_most(0.6, 0.95, Linear), 0.5),
    c(Flatness, Target::at_most(0.1, 0.6, Log), 0.5),
];
const BASS: &[Criterion] = &[
    c(LowFraction, Target::at_least(0.25, 0.6, Linear), 3.0),
    c(
        CentroidHz,
        Target::between(20.0, 35.0, 500.0, 2_000.0, Log),
        1.5,
    ),
    c(HighFraction, Target::at_most(0.05, 0.3, Linear), 1.0),
    c(Flatness, TONAL, 1.0),
    c(AttackS, Target::at_most(0.05, 0.3, Log), 0.5),
];
const LEAD: &[Criterion] = &[
    c(
        CentroidHz,
        Target::between(100.0, 300.0, 5_000.0, 12_000.0, Log),
        1.5,
    ),
    c(LowFraction, Target::at_most(0.8, 1.01, Linear), 0.5),
    c(AttackS, Target::at_most(0.05, 0.3, Log), 1.0),
    c(SustainDb, Target::at_least(-30.0, -10.0, Linear), 1.0),
    c(Flatness, TONAL, 1.0),
];
const PLUCK: &[Criterion] = &[
    c(AttackS, Target::at_most(0.01, 0.06, Log), 2.0),
    c(SustainDb, Target::at_most(-18.0, -4.0, Linear), 2.0),
    c(
        CentroidHz,
        Target::between(80.0, 250.0, 5_000.0, 12_000.0, Log),
        1.0,
    ),
    c(LowFraction, Target::at_most(0.8, 1.01, Linear), 0.5),
    c(Flatness, TONAL, 0.5),
];
const KEYS: &[Criterion] = &[
    c(AttackS, Target::at_most(0.02, 0.15, Log), 1.5),
    c(
        CentroidHz,
        Target::between(80.0, 200.0, 4_000.0, 10_000.0, Log),
        1.0,
    ),
    c(LowFraction, Target::at_most(0.8, 1.01, Linear), 0.5),
    c(Flatness, TONAL, 1.0),
];
const ARP: &[Criterion] = &[
    c(AttackS, Target::at_most(0.02, 0.1, Log), 1.5),
    c(
        CentroidHz,
        Target::between(80.0, 250.0, 6_000.0, 14_000.0, Log),
        1.0,
    ),
    c(LowFraction, Target::at_most(0.8, 1.01, Linear), 0.5),
    c(Flatness, TONAL, 0.5),
];
const KICK: &[Criterion] = &[
    c(LowFraction, Target::at_least(0.3, 0.6, Linear), 2.0),
    c(AttackS, Target::at_most(0.01, 0.05, Log), 2.0),
    c(SustainDb, Target::at_most(-15.0, -3.0, Linear), 1.5),
    c(
        CentroidHz,
        Target::between(15.0, 30.0, 350.0, 1_500.0, Log),
        1.0,
    ),
    c(HighFraction, Target::at_most(0.1, 0.4, Linear), 0.5),
];
const SNARE: &[Criterion] = &[
    c(
        CentroidHz,
        Target::between(250.0, 700.0, 7_000.0, 14_000.0, Log),
        1.5,
    ),
    c(AttackS, Target::at_most(0.01, 0.05, Log), 1.5),
    c(SustainDb, Target::at_most(-15.0, -3.0, Linear), 1.5),
    c(Flatness, Target::at_least(0.002, 0.02, Log), 1.0),
    c(LowFraction, Target::at_most(0.45, 0.85, Linear), 0.5),
];
const CLAP: &[Criterion] = &[
    c(
        CentroidHz,
        Target::between(300.0, 800.0, 5_000.0, 12_000.0, Log),
        1.5,
    ),
    c(AttackS, Target::at_most(0.025, 0.08, Log), 1.5),
    c(SustainDb, Target::at_most(-15.0, -3.0, Linear), 1.5),
    c(Flatness, Target::at_least(0.005, 0.05, Log), 1.0),
    c(LowFraction, Target::at_most(0.2, 0.6, Linear), 0.5),
];
const HAT: &[Criterion] = &[
    c(HighFraction, Target::at_least(0.2, 0.6, Linear), 3.0),
    c(CentroidHz, Target::at_least(1_500.0, 5_000.0, Log), 1.5),
    c(LowFraction, Target::at_most(0.05, 0.3, Linear), 1.0),
    c(Flatness, Target::at_least(0.002, 0.05, Log), 1.0),
    c(AttackS, Target::at_most(0.01, 0.05, Log), 1.0),
    c(SustainDb, Target::at_most(-20.0, -6.0, Linear), 1.0),
];
const PERC: &[Criterion] = &[
    c(AttackS, Target::at_most(0.015, 0.06, Log), 2.0),
    c(SustainDb, Target::at_most(-15.0, -3.0, Linear), 2.0),
    c(
        CentroidHz,
        Target::between(50.0, 150.0, 10_000.0, 18_000.0, Log),
        0.5,
    ),
];
const FX: &[Criterion] = &[c(
    CentroidHz,
    Target::between(15.0, 40.0, 15_000.0, 22_000.0, Log),
    1.0,
)];

/// Every role's profile, in [`Role::ALL`] order.
pub static PROFILES: [RoleProfile; 12] = [
    RoleProfile {
        role: Role::Pad,
        criteria: PAD,
        decays: false,
        harmonic: true,
        harshness: Target::at_most(0.25, 0.6, Linear),
        correlation: NOT_INVERTED,
        rationale: "Issue: slow attack and sustain. Attack ≥ 60 ms fully pad-like (string/pad \
                    presets start at 50–2000 ms), 5 ms is a pluck; level halfway through the \
                    note within 6 dB of the peak. Warm to bright body: centroid 150 Hz–4 kHz.",
    },
    RoleProfile {
        role: Role::Bass,
        criteria: BASS,
        decays: false,
        harmonic: true,
        harshness: Target::at_most(0.1, 0.4, Linear),
        correlation: MONO_LOW_END,
        rationale: "Issue: most energy below ~300 Hz (a saw bass at A1–A3 keeps 76–89 % there, \
                    a sine 100 %), so ≥ 60 % is fully bass-like and 25 % fails. Tonal, little \
                    above 5 kHz, attack ≤ 50 ms to stay tight on the beat; mono low end.",
    },
    RoleProfile {
        role: Role::Lead,
        criteria: LEAD,
        decays: false,
        harmonic: true,
        harshness: Target::at_most(0.35, 0.7, Linear),
        correlation: NOT_INVERTED,
        rationale: "Melodic foreground around C4–C6: centroid 300 Hz–5 kHz, tonal, prompt \
                    attack (≤ 50 ms) and a held level (≥ -10 dB halfway).",
    },
    RoleProfile {
        role: Role::Pluck,
        criteria: PLUCK,
        decays: true,
        harmonic: true,
        harshness: Target::at_most(0.35, 0.7, Linear),
        correlation: NOT_INVERTED,
        rationale: "Role definition: short plucked tone with fast decay. Attack ≤ 10 ms, level \
                    halfway through the note ≥ 18 dB below the peak; must die away on its own.",
    },
    RoleProfile {
        role: Role::Keys,
        criteria: KEYS,
        decays: false,
        harmonic: true,
        harshness: Target::at_most(0.35, 0.7, Linear),
        correlation: NOT_INVERTED,
        rationale: "Piano, organ, EP: hammer/key attack ≤ 20 ms; sustain not judged (a piano \
                    decays, an organ holds); tonal, centroid 200 Hz–4 kHz.",
    },
    RoleProfile {
        role: Role::Arp,
        criteria: ARP,
        decays: false,
        harmonic: true,
        harshness: Target::at_most(0.35, 0.7, Linear),
        correlation: NOT_INVERTED,
        rationale: "Short sequenced notes need a prompt attack (≤ 20 ms) to articulate at \
                    16ths; tonal; sustain not judged (gate length belongs to the pattern).",
    },
    RoleProfile {
        role: Role::Kick,
        criteria: KICK,
        decays: true,
        harmonic: false,
        harshness: Target::at_most(0.1, 0.4, Linear),
        correlation: MONO_LOW_END,
        rationale: "Issue: fast transient and decay. Body 40–100 Hz with a pitch drop (Synth \
                    Secrets, Feb 2002): ≥ 60 % energy below 300 Hz, attack ≤ 10 ms, level \
                    halfway to its end ≥ 15 dB down; mono.",
    },
    RoleProfile {
        role: Role::Snare,
        criteria: SNARE,
        decays: true,
        harmonic: false,
        harshness: Target::at_most(0.6, 0.9, Linear),
        correlation: NOT_INVERTED,
        rationale: "Tonal body 150–250 Hz plus noise 2–8 kHz: centroid 700 Hz–7 kHz, partly \
                    noisy (flatness ≥ 0.02), fast attack, decays.",
    },
    RoleProfile {
        role: Role::Clap,
        criteria: CLAP,
        decays: true,
        harmonic: false,
        harshness: Target::at_most(0.6, 0.9, Linear),
        correlation: NOT_INVERTED,
        rationale: "Band-passed noise bursts around 1–2 kHz: centroid 800 Hz–5 kHz, noisy, \
                    attack up to 25 ms (the 3–4 bursts of a clap are 10–30 ms apart), decays.",
    },
    RoleProfile {
        role: Role::Hat,
        criteria: HAT,
        decays: true,
        harmonic: false,
        harshness: Target::at_most(0.9, 1.01, Linear),
        correlation: NOT_INVERTED,
        rationale: "Issue: mostly above 5 kHz (≥ 60 % of the energy fully hat-like), centroid \
                    ≥ 5 kHz, noisy or metallic (flatness ≥ 0.05), fast attack, decays. \
                    Harshness is what hats are made of, so it is barely judged.",
    },
    RoleProfile {
        role: Role::Perc,
        criteria: PERC,
        decays: true,
        harmonic: false,
        harshness: Target::at_most(0.6, 0.9, Linear),
        correlation: NOT_INVERTED,
        rationale: "Toms, rims, shakers, cowbells: only what they share, a fast attack \
                    (≤ 15 ms) and a decay; any register.",
    },
    RoleProfile {
        role: Role::Fx,
        criteria: FX,
        decays: false,
        harmonic: false,
        harshness: Target::at_most(0.6, 0.95, Linear),
        correlation: NOT_INVERTED,
        rationale: "Risers, impacts, sweeps and noises have no common shape; only an audible \
                    centroid (40 Hz–15 kHz) is asked for.",
    },
];

/// The profile of `role`.
pub fn profile(role: Role) -> &'static RoleProfile {
    PROFILES
        .iter()
        .find(|p| p.role == role)
        .unwrap_or(&PROFILES[PROFILES.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_has_a_profile_in_order() {
        for (p, r) in PROFILES.iter().zip(Role::ALL) {
            assert_eq!(p.role, r);
            assert!(!p.criteria.is_empty());
            assert!(p.criteria.iter().all(|c| c.weight > 0.0));
            assert_eq!(profile(r).role, r);
        }
    }

    #[test]
    fn trapezoid_scores() {
        let t = Target::between(10.0, 20.0, 30.0, 50.0, Linear);
        assert_eq!(t.score(5.0), 0.0);
        assert!((t.score(15.0) - 0.5).abs() < 1e-12);
        assert_eq!(t.score(25.0), 1.0);
        assert!((t.score(45.0) - 0.25).abs() < 1e-12);
        assert_eq!(t.score(60.0), 0.0);
        assert_eq!(t.score(f64::NAN), 0.0);
        let log = Target::at_least(0.01, 0.1, Log);
        // Halfway on a log axis between 0.01 and 0.1 is 0.0316.
        assert!((log.score(0.031_622_78) - 0.5).abs() < 1e-6);
        assert_eq!(log.score(0.0), 0.0);
        assert_eq!(log.score(1e9), 1.0);
        let at_most = Target::at_most(0.05, 0.3, Linear);
        assert_eq!(at_most.score(-1.0), 1.0);
        assert!((at_most.score(0.175) - 0.5).abs() < 1e-12);
    }
}
