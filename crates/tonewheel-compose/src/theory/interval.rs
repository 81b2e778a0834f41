//! Intervals: a distance in semitones with its conventional name.

use crate::error::TheoryError;

/// An interval of a whole number of semitones (may exceed an octave).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Interval(pub u8);

/// Short names by semitone count up to two octaves (P = perfect, M = major, m = minor,
/// TT = tritone), as in standard harmony texts.
const NAMES: [&str; 25] = [
    "P1", "m2", "M2", "m3", "M3", "P4", "TT", "P5", "m6", "M6", "m7", "M7", "P8", "m9", "M9",
    "m10", "M10", "P11", "A11", "P12", "m13", "M13", "m14", "M14", "P15",
];

impl Interval {
    /// Unison.
    pub const UNISON: Interval = Interval(0);
    /// Minor third.
    pub const MINOR_THIRD: Interval = Interval(3);
    /// Major third.
    pub const MAJOR_THIRD: Interval = Interval(4);
    /// Perfect fourth.
    pub const FOURTH: Interval = Interval(5);
    /// Perfect fifth.
    pub const FIFTH: Interval = Interval(7);
    /// Octave.
    pub const OCTAVE: Interval = Interval(12);

    /// Semitones spanned.
    pub fn semitones(self) -> u8 {
        self.0
    }

    /// Short name (`m3`, `P5`, `M9`); None beyond two octaves.
    pub fn name(self) -> Option<&'static str> {
        NAMES.get(usize::from(self.0)).copied()
    }

    /// Parses a short name (`P5`, `m3`, `M9`, `TT`; `A4`/`d5` are accepted as the tritone).
    pub fn parse(name: &str) -> Result<Interval, TheoryError> {
        if name == "A4" || name == "d5" {
            return Ok(Interval(6));
        }
        NAMES
            .iter()
            .position(|n| *n == name)
            .map(|i| Interval(i as u8))
            .ok_or_else(|| TheoryError::UnknownInterval {
                name: name.to_owned(),
            })
    }

    /// The complementary interval within an octave (m3 ↔ M6); the octave itself inverts to unison.
    pub fn invert(self) -> Interval {
        Interval((12 - self.0 % 12) % 12)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_invert() {
        assert_eq!(Interval::parse("P5"), Ok(Interval::FIFTH));
        assert_eq!(Interval::parse("m3"), Ok(Interval(3)));
        assert_eq!(Interval::parse("M9"), Ok(Interval(14)));
        assert_eq!(Interval::parse("d5"), Ok(Interval(6)));
        assert!(Interval::parse("X3").is_err());
        assert_eq!(Interval::MINOR_THIRD.invert(), Interval(9));
        assert_eq!(Interval::FIFTH.invert().name(), Some("P4"));
        for i in 0..=24u8 {
            assert_eq!(
                Interval::parse(Interval(i).name().unwrap_or("")),
                Ok(Interval(i))
            );
        }
    }
}
