//! Note names ↔ MIDI numbers ↔ frequencies, with a configurable A4.
//!
//! Octave numbering follows scientific pitch notation with C4 = MIDI 60 (the convention of
//! most DAWs and of the preset format's `parse_note_name`), so C-1 = 0 and G9 = 127.

use std::fmt;

use crate::error::TheoryError;

/// MIDI number of A4, the tuning reference.
const A4_MIDI: f64 = 69.0;

/// A pitch class: 0 = C, 1 = C#/Db, ... 11 = B.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PitchClass(u8);

const SHARP_NAMES: [&str; 12] = [
    "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
];
const FLAT_NAMES: [&str; 12] = [
    "C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B",
];

impl PitchClass {
    /// The pitch class of `semitones` above C, wrapped into 0..12 (negative values allowed).
    pub fn new(semitones: i32) -> PitchClass {
        PitchClass(semitones.rem_euclid(12) as u8)
    }

    /// Semitones above C, 0..12.
    pub fn semitones(self) -> u8 {
        self.0
    }

    /// The pitch class `interval` semitones above this one.
    pub fn transpose(self, semitones: i32) -> PitchClass {
        PitchClass::new(i32::from(self.0) + semitones)
    }

    /// Name with sharps (`C#`) or flats (`Db`).
    pub fn name(self, prefer_flats: bool) -> &'static str {
        if prefer_flats {
            FLAT_NAMES[usize::from(self.0)]
        } else {
            SHARP_NAMES[usize::from(self.0)]
        }
    }

    /// Parses a pitch-class name: a letter A–G (any case) followed by any number of `#`/`s`
    /// (sharp) or `b` (flat) signs, e.g. `C`, `f#`, `Bb`, `ebb`.
    pub fn parse(text: &str) -> Result<PitchClass, TheoryError> {
        let (pc, rest) = split_pitch_class(text, true)?;
        if !rest.is_empty() {
            return Err(TheoryError::NoteName {
                text: text.to_owned(),
                reason: "unexpected characters after the pitch class",
            });
        }
        Ok(PitchClass::new(pc))
    }

    /// MIDI number of this pitch class in `octave` (C4 = 60).
    pub fn midi(self, octave: i32) -> Result<u8, TheoryError> {
        let midi = (octave + 1) * 12 + i32::from(self.0);
        u8::try_from(midi)
            .ok()
            .filter(|&m| m <= 127)
            .ok_or(TheoryError::OutOfRange { midi })
    }
}

impl fmt::Display for PitchClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name(false))
    }
}

/// Splits the leading pitch class off `text`: returns semitones above C (unwrapped, so `Cb` is
/// -1) and the remaining text. `s_is_sharp` accepts Tidal's `s` sharp sign (`cs4`); chord
/// symbols turn it off because `sus` follows the root there.
pub(crate) fn split_pitch_class(text: &str, s_is_sharp: bool) -> Result<(i32, &str), TheoryError> {
    let bad = |reason| TheoryError::NoteName {
        text: text.to_owned(),
        reason,
    };
    let mut chars = text.char_indices();
    let (_, letter) = chars.next().ok_or_else(|| bad("empty name"))?;
    let base = match letter.to_ascii_uppercase() {
        'C' => 0,
        'D' => 2,
        'E' => 4,
        'F' => 5,
        'G' => 7,
        'A' => 9,
        'B' => 11,
        _ => return Err(bad("a note name starts with a letter A-G")),
    };
    let mut offset = 0i32;
    let mut end = letter.len_utf8();
    for (i, c) in chars {
        match c {
            '#' | '♯' => offset += 1,
            's' if s_is_sharp => offset += 1,
            'b' | '♭' => offset -= 1,
            _ => {
                end = i;
                break;
            }
        }
        end = i + c.len_utf8();
        if offset.abs() > 2 {
            return Err(bad("more than two accidentals"));
        }
    }
    Ok((base + offset, &text[end..]))
}

/// Parses a note name with octave (`C4` = 60, `A4` = 69, `f#2`, `eb4`, `Bb-1`) to MIDI.
pub fn parse_note(text: &str) -> Result<u8, TheoryError> {
    let (pc, rest) = split_pitch_class(text, true)?;
    if rest.is_empty() {
        return Err(TheoryError::NoteName {
            text: text.to_owned(),
            reason: "missing octave number",
        });
    }
    let octave: i32 = rest
        .parse()
        .ok()
        .filter(|o: &i32| (-1..=9).contains(o))
        .ok_or_else(|| TheoryError::NoteName {
            text: text.to_owned(),
            reason: "octave must be an integer from -1 to 9",
        })?;
    let midi = (octave + 1) * 12 + pc;
    u8::try_from(midi)
        .ok()
        .filter(|&m| m <= 127)
        .ok_or(TheoryError::OutOfRange { midi })
}

/// Name of a MIDI note with octave, e.g. 61 → `C#4` (or `Db4` with `prefer_flats`).
pub fn midi_to_name(midi: u8, prefer_flats: bool) -> String {
    let octave = i32::from(midi / 12) - 1;
    format!(
        "{}{}",
        PitchClass::new(i32::from(midi)).name(prefer_flats),
        octave
    )
}

/// Frequency in Hz of a (fractional) MIDI note in 12-tone equal temperament with A4 = `a4_hz`.
pub fn midi_to_hz(midi: f64, a4_hz: f64) -> f64 {
    a4_hz * ((midi - A4_MIDI) / 12.0).exp2()
}

/// Fractional MIDI note of a frequency in Hz (inverse of [`midi_to_hz`]).
pub fn hz_to_midi(freq_hz: f64, a4_hz: f64) -> f64 {
    A4_MIDI + 12.0 * (freq_hz / a4_hz).log2()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_midi() {
        for midi in 0..=127u8 {
            assert_eq!(parse_note(&midi_to_name(midi, false)), Ok(midi));
            assert_eq!(parse_note(&midi_to_name(midi, true)), Ok(midi));
        }
        assert_eq!(parse_note("C4"), Ok(60));
        assert_eq!(parse_note("a4"), Ok(69));
        assert_eq!(parse_note("eb4"), Ok(63));
        assert_eq!(parse_note("f#2"), Ok(42));
        assert_eq!(parse_note("C-1"), Ok(0));
        assert_eq!(parse_note("G9"), Ok(127));
        assert_eq!(parse_note("Cb4"), Ok(59));
        assert_eq!(parse_note("cs3"), Ok(49));
    }

    #[test]
    fn invalid_names_are_rejected_with_reasons() {
        assert!(matches!(parse_note(""), Err(TheoryError::NoteName { .. })));
        assert!(matches!(
            parse_note("H4"),
            Err(TheoryError::NoteName { .. })
        ));
        assert!(matches!(parse_note("C"), Err(TheoryError::NoteName { .. })));
        assert!(matches!(
            parse_note("C10"),
            Err(TheoryError::NoteName { .. })
        ));
        assert!(matches!(
            parse_note("C###4"),
            Err(TheoryError::NoteName { .. })
        ));
        assert_eq!(
            parse_note("G#9"),
            Err(TheoryError::OutOfRange { midi: 128 })
        );
        assert!(PitchClass::parse("C4").is_err());
    }

    #[test]
    fn frequencies_follow_equal_temperament() {
        // A4 = 440 Hz by ISO 16; C4 is 9 semitones below: 440 * 2^(-9/12) = 261.6256 Hz.
        assert!((midi_to_hz(69.0, 440.0) - 440.0).abs() < 1e-12);
        assert!((midi_to_hz(60.0, 440.0) - 261.625_565_3).abs() < 1e-6);
        assert!((midi_to_hz(81.0, 432.0) - 864.0).abs() < 1e-9);
        for m in [0.0, 33.5, 60.0, 127.0] {
            assert!((hz_to_midi(midi_to_hz(m, 442.0), 442.0) - m).abs() < 1e-9);
        }
    }
}
