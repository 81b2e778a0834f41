//! The project-wide key: what every track asks for degrees, snapping and diatonic chords.

use std::fmt;

use crate::error::TheoryError;
use crate::theory::chord::{Chord, ChordQuality};
use crate::theory::note::{midi_to_hz, PitchClass};
use crate::theory::scale::{Scale, ScaleKind};

/// Key, scale and tuning shared by all tracks of a session.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeyContext {
    /// Tonic and scale.
    pub scale: Scale,
    /// Tuning of A4 in Hz.
    pub a4_hz: f64,
}

impl KeyContext {
    /// A key with A4 = 440 Hz (ISO 16 standard pitch).
    pub fn new(tonic: PitchClass, kind: ScaleKind) -> KeyContext {
        KeyContext {
            scale: Scale::new(tonic, kind),
            a4_hz: 440.0,
        }
    }

    /// Parses `"F minor"`, `"c# dorian"`, `"Bb harmonic minor"`, `"Am"` (m = natural minor) or
    /// a bare tonic (`"E"`, major).
    pub fn parse(text: &str) -> Result<KeyContext, TheoryError> {
        let t = text.trim();
        let (tonic_text, scale_text) = match t.split_once(char::is_whitespace) {
            Some((a, b)) => (a, b.trim()),
            None => (t, ""),
        };
        let (tonic_text, short_minor) = match tonic_text.strip_suffix('m') {
            Some(head) if scale_text.is_empty() && !head.is_empty() => (head, true),
            _ => (tonic_text, false),
        };
        let tonic = PitchClass::parse(tonic_text).map_err(|_| TheoryError::Key {
            text: text.to_owned(),
            reason: "a key starts with a tonic such as F, C#, Bb",
        })?;
        let kind = if short_minor {
            ScaleKind::NaturalMinor
        } else if scale_text.is_empty() {
            ScaleKind::Major
        } else {
            ScaleKind::parse(scale_text)?
        };
        Ok(KeyContext::new(tonic, kind))
    }

    /// Semitones above C of the tonic's octave-0 position plus the scale step, for `degree`
    /// (1 = tonic, 8 = tonic an octave up, -1 = the degree just below the tonic).
    fn degree_step(&self, degree: i32) -> Result<i32, TheoryError> {
        match degree {
            0 => Err(TheoryError::DegreeZero),
            d if d > 0 => Ok(self.scale.step_semitones(d - 1)),
            d => Ok(self.scale.step_semitones(d)),
        }
    }

    /// MIDI note of scale `degree` counted from the tonic in `octave` (C4 = 60).
    pub fn degree(&self, degree: i32, octave: i32) -> Result<u8, TheoryError> {
        let midi = (octave + 1) * 12
            + i32::from(self.scale.tonic.semitones())
            + self.degree_step(degree)?;
        u8::try_from(midi)
            .ok()
            .filter(|&m| m <= 127)
            .ok_or(TheoryError::OutOfRange { midi })
    }

    /// Frequency in Hz of scale `degree` in `octave`.
    pub fn degree_hz(&self, degree: i32, octave: i32) -> Result<f64, TheoryError> {
        Ok(midi_to_hz(
            f64::from(self.degree(degree, octave)?),
            self.a4_hz,
        ))
    }

    /// The scale tone nearest to `midi`; a note exactly between two scale tones goes down
    /// (a convention: it keeps snapped melodies from drifting upwards).
    pub fn snap(&self, midi: u8) -> u8 {
        let m = i32::from(midi);
        for distance in 0..12 {
            for candidate in [m - distance, m + distance] {
                if (0..=127).contains(&candidate) && self.scale.contains(candidate) {
                    return candidate as u8;
                }
            }
        }
        midi
    }

    /// The diatonic chord built in thirds on `degree` (triad, or seventh chord with `seventh`),
    /// root in `octave`. Its quality is read off the stacked intervals; stacks that match no
    /// named quality (possible in exotic scales) fall back to a power chord on the root.
    pub fn diatonic_chord(
        &self,
        degree: i32,
        octave: i32,
        seventh: bool,
    ) -> Result<Chord, TheoryError> {
        let root = self.degree(degree, octave)?;
        let base = self.degree_step(degree)?;
        let step0 = if degree > 0 { degree - 1 } else { degree };
        let count = if seventh { 4 } else { 3 };
        let mut iv = Vec::with_capacity(4);
        for k in 0..count {
            iv.push(self.scale.step_semitones(step0 + 2 * k) - base);
        }
        let quality = match iv.as_slice() {
            [0, 4, 7] => ChordQuality::Major,
            [0, 3, 7] => ChordQuality::Minor,
            [0, 3, 6] => ChordQuality::Diminished,
            [0, 4, 8] => ChordQuality::Augmented,
            [0, 4, 7, 11] => ChordQuality::Major7,
            [0, 3, 7, 10] => ChordQuality::Minor7,
            [0, 4, 7, 10] => ChordQuality::Dominant7,
            [0, 3, 6, 10] => ChordQuality::HalfDiminished7,
            [0, 3, 6, 9] => ChordQuality::Diminished7,
            [0, 3, 7, 11] => ChordQuality::MinorMajor7,
            _ => ChordQuality::Power,
        };
        Ok(Chord::new(root, quality))
    }

    /// The seven-degree scale used to resolve roman numerals: the key's own scale if it has
    /// seven degrees, otherwise its major or natural-minor parent.
    pub fn heptatonic(&self) -> Scale {
        if self.scale.len() == 7 {
            self.scale
        } else if self.scale.kind.is_minor() {
            Scale::new(self.scale.tonic, ScaleKind::NaturalMinor)
        } else {
            Scale::new(self.scale.tonic, ScaleKind::Major)
        }
    }
}

impl fmt::Display for KeyContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.scale.tonic, self.scale.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse() {
        let f = KeyContext::parse("F minor").unwrap();
        assert_eq!(f.scale.tonic, PitchClass::new(5));
        assert_eq!(f.scale.kind, ScaleKind::NaturalMinor);
        assert_eq!(
            KeyContext::parse("Am").unwrap().scale.kind,
            ScaleKind::NaturalMinor
        );
        assert_eq!(KeyContext::parse("E").unwrap().scale.kind, ScaleKind::Major);
        assert_eq!(
            KeyContext::parse("bb harmonic minor").unwrap().scale,
            Scale::new(PitchClass::new(10), ScaleKind::HarmonicMinor)
        );
        assert!(matches!(
            KeyContext::parse("X minor"),
            Err(TheoryError::Key { .. })
        ));
        assert!(matches!(
            KeyContext::parse("C nonsense"),
            Err(TheoryError::UnknownScale { .. })
        ));
    }

    #[test]
    fn degrees_and_snapping_in_f_minor() {
        let k = KeyContext::parse("F minor").unwrap();
        assert_eq!(k.degree(1, 3), Ok(53)); // F3
        assert_eq!(k.degree(5, 3), Ok(60)); // C4
        assert_eq!(k.degree(3, 3), Ok(56)); // Ab3
        assert_eq!(k.degree(8, 3), Ok(65)); // F4
        assert_eq!(k.degree(-1, 3), Ok(51)); // Eb3
        assert_eq!(k.degree(0, 3), Err(TheoryError::DegreeZero));
        assert!((k.degree_hz(5, 3).unwrap() - 261.625_565).abs() < 1e-5);
        // A (69) is between Ab (68) and Bb (70): ties go down.
        assert_eq!(k.snap(69), 68);
        assert_eq!(k.snap(66), 65); // Gb → F (tie with G 67 goes down)
        assert_eq!(k.snap(67), 67);
        for m in 0..=127u8 {
            let s = k.snap(m);
            assert!(k.scale.contains(i32::from(s)) && (i32::from(s) - i32::from(m)).abs() <= 1);
        }
    }

    #[test]
    fn diatonic_chords_of_c_major_and_a_harmonic_minor() {
        let c = KeyContext::parse("C major").unwrap();
        let q: Vec<ChordQuality> = (1..=7)
            .map(|d| c.diatonic_chord(d, 4, false).unwrap().quality)
            .collect();
        use ChordQuality::*;
        assert_eq!(
            q,
            vec![Major, Minor, Minor, Major, Major, Minor, Diminished]
        );
        assert_eq!(c.diatonic_chord(5, 4, true).unwrap().quality, Dominant7);
        assert_eq!(
            c.diatonic_chord(7, 4, true).unwrap().quality,
            HalfDiminished7
        );
        let a = KeyContext::parse("A harmonic minor").unwrap();
        assert_eq!(a.diatonic_chord(3, 4, false).unwrap().quality, Augmented);
        assert_eq!(a.diatonic_chord(7, 4, true).unwrap().quality, Diminished7);
    }
}
