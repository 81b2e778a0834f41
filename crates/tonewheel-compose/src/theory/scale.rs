//! Scales and modes as semitone sets above a tonic.

use std::fmt;

use crate::error::TheoryError;
use crate::theory::note::PitchClass;

/// The scales and modes the engine knows (intervals from the tonic in semitones, as given in
/// standard theory texts, e.g. Levine, *The Jazz Theory Book*, 1995, for the modes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScaleKind {
    /// Major (Ionian).
    Major,
    /// Natural minor (Aeolian).
    NaturalMinor,
    /// Harmonic minor (raised 7th).
    HarmonicMinor,
    /// Melodic minor, ascending form (raised 6th and 7th).
    MelodicMinor,
    /// Dorian mode.
    Dorian,
    /// Phrygian mode.
    Phrygian,
    /// Lydian mode.
    Lydian,
    /// Mixolydian mode.
    Mixolydian,
    /// Locrian mode.
    Locrian,
    /// Major pentatonic.
    MajorPentatonic,
    /// Minor pentatonic.
    MinorPentatonic,
    /// Blues (minor pentatonic with the flat fifth).
    Blues,
    /// Phrygian dominant (5th mode of harmonic minor).
    PhrygianDominant,
    /// Harmonic major (major with a flat 6th).
    HarmonicMajor,
}

/// Every scale kind, for listing and tests.
pub const ALL_SCALES: [ScaleKind; 14] = [
    ScaleKind::Major,
    ScaleKind::NaturalMinor,
    ScaleKind::HarmonicMinor,
    ScaleKind::MelodicMinor,
    ScaleKind::Dorian,
    ScaleKind::Phrygian,
    ScaleKind::Lydian,
    ScaleKind::Mixolydian,
    ScaleKind::Locrian,
    ScaleKind::MajorPentatonic,
    ScaleKind::MinorPentatonic,
    ScaleKind::Blues,
    ScaleKind::PhrygianDominant,
    ScaleKind::HarmonicMajor,
];

impl ScaleKind {
    /// Semitones above the tonic of each degree, ascending, starting with 0.
    pub fn intervals(self) -> &'static [u8] {
        match self {
            ScaleKind::Major => &[0, 2, 4, 5, 7, 9, 11],
            ScaleKind::NaturalMinor => &[0, 2, 3, 5, 7, 8, 10],
            ScaleKind::HarmonicMinor => &[0, 2, 3, 5, 7, 8, 11],
            ScaleKind::MelodicMinor => &[0, 2, 3, 5, 7, 9, 11],
            ScaleKind::Dorian => &[0, 2, 3, 5, 7, 9, 10],
            ScaleKind::Phrygian => &[0, 1, 3, 5, 7, 8, 10],
            ScaleKind::Lydian => &[0, 2, 4, 6, 7, 9, 11],
            ScaleKind::Mixolydian => &[0, 2, 4, 5, 7, 9, 10],
            ScaleKind::Locrian => &[0, 1, 3, 5, 6, 8, 10],
            ScaleKind::MajorPentatonic => &[0, 2, 4, 7, 9],
            ScaleKind::MinorPentatonic => &[0, 3, 5, 7, 10],
            ScaleKind::Blues => &[0, 3, 5, 6, 7, 10],
            ScaleKind::PhrygianDominant => &[0, 1, 4, 5, 7, 8, 10],
            ScaleKind::HarmonicMajor => &[0, 2, 4, 5, 7, 8, 11],
        }
    }

    /// Canonical name (kebab-case), as written in sessions.
    pub fn name(self) -> &'static str {
        match self {
            ScaleKind::Major => "major",
            ScaleKind::NaturalMinor => "minor",
            ScaleKind::HarmonicMinor => "harmonic-minor",
            ScaleKind::MelodicMinor => "melodic-minor",
            ScaleKind::Dorian => "dorian",
            ScaleKind::Phrygian => "phrygian",
            ScaleKind::Lydian => "lydian",
            ScaleKind::Mixolydian => "mixolydian",
            ScaleKind::Locrian => "locrian",
            ScaleKind::MajorPentatonic => "major-pentatonic",
            ScaleKind::MinorPentatonic => "minor-pentatonic",
            ScaleKind::Blues => "blues",
            ScaleKind::PhrygianDominant => "phrygian-dominant",
            ScaleKind::HarmonicMajor => "harmonic-major",
        }
    }

    /// Parses a scale name: the canonical names plus common aliases (`ionian`, `aeolian`,
    /// `natural-minor`); case-insensitive, spaces and underscores count as hyphens.
    pub fn parse(name: &str) -> Result<ScaleKind, TheoryError> {
        let norm: String = name
            .trim()
            .chars()
            .map(|c| match c {
                ' ' | '_' => '-',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        let alias = match norm.as_str() {
            "ionian" => Some(ScaleKind::Major),
            "aeolian" | "natural-minor" => Some(ScaleKind::NaturalMinor),
            "pentatonic" => Some(ScaleKind::MajorPentatonic),
            _ => None,
        };
        alias
            .or_else(|| ALL_SCALES.iter().copied().find(|k| k.name() == norm))
            .ok_or_else(|| TheoryError::UnknownScale {
                name: name.to_owned(),
            })
    }

    /// True if the third degree is minor (3 semitones), so chords on the tonic are minor.
    pub fn is_minor(self) -> bool {
        self.intervals().contains(&3) && !self.intervals().contains(&4)
    }
}

impl fmt::Display for ScaleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A scale rooted on a pitch class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Scale {
    /// The tonic.
    pub tonic: PitchClass,
    /// The interval pattern.
    pub kind: ScaleKind,
}

impl Scale {
    /// A scale of `kind` on `tonic`.
    pub fn new(tonic: PitchClass, kind: ScaleKind) -> Scale {
        Scale { tonic, kind }
    }

    /// Number of degrees per octave.
    pub fn len(self) -> usize {
        self.kind.intervals().len()
    }

    /// Always false: every scale has at least five degrees (kept for the `len` convention).
    pub fn is_empty(self) -> bool {
        false
    }

    /// True if `midi`'s pitch class belongs to the scale.
    pub fn contains(self, midi: i32) -> bool {
        let rel = (midi - i32::from(self.tonic.semitones())).rem_euclid(12);
        self.kind.intervals().iter().any(|&i| i32::from(i) == rel)
    }

    /// Semitones above the tonic of the 0-based scale step `step` (negative steps go down;
    /// steps past the last degree continue in the next octave).
    pub fn step_semitones(self, step: i32) -> i32 {
        let n = self.len() as i32;
        let octave = step.div_euclid(n);
        let idx = step.rem_euclid(n) as usize;
        octave * 12 + i32::from(self.kind.intervals()[idx])
    }

    /// Pitch classes of the scale in degree order.
    pub fn pitch_classes(self) -> impl Iterator<Item = PitchClass> {
        self.kind
            .intervals()
            .iter()
            .map(move |&i| self.tonic.transpose(i32::from(i)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_are_rotations_of_the_major_scale() {
        // The seven church modes are the rotations of the major scale's step pattern.
        let major_steps = [2, 2, 1, 2, 2, 2, 1];
        let modes = [
            ScaleKind::Major,
            ScaleKind::Dorian,
            ScaleKind::Phrygian,
            ScaleKind::Lydian,
            ScaleKind::Mixolydian,
            ScaleKind::NaturalMinor,
            ScaleKind::Locrian,
        ];
        for (rot, mode) in modes.iter().enumerate() {
            let mut acc = 0u8;
            let expected: Vec<u8> = (0..7)
                .map(|i| {
                    let v = acc;
                    acc += major_steps[(i + rot) % 7];
                    v
                })
                .collect();
            assert_eq!(mode.intervals(), expected.as_slice(), "{mode}");
        }
    }

    #[test]
    fn every_scale_is_ascending_within_an_octave_and_named_uniquely() {
        for k in ALL_SCALES {
            let iv = k.intervals();
            assert_eq!(iv[0], 0);
            assert!(iv.windows(2).all(|w| w[0] < w[1] && w[1] < 12), "{k}");
            assert_eq!(ScaleKind::parse(k.name()), Ok(k));
        }
        assert_eq!(ScaleKind::parse("Aeolian"), Ok(ScaleKind::NaturalMinor));
        assert_eq!(
            ScaleKind::parse("Harmonic Minor"),
            Ok(ScaleKind::HarmonicMinor)
        );
        assert!(ScaleKind::parse("klingon").is_err());
    }

    #[test]
    fn steps_wrap_octaves_both_ways() {
        let s = Scale::new(PitchClass::new(5), ScaleKind::NaturalMinor);
        assert_eq!(s.step_semitones(0), 0);
        assert_eq!(s.step_semitones(7), 12);
        assert_eq!(s.step_semitones(-1), -2);
        assert_eq!(s.step_semitones(9), 15);
        assert!(s.contains(65) && s.contains(68) && !s.contains(69));
    }
}
