//! Chord progressions in roman numerals (`i-VI-III-VII`), resolved in a key.
//!
//! Case gives the quality (upper = major, lower = minor), as in standard harmony texts;
//! suffixes refine it (`7`, `maj7`, `°`/`o`, `ø`, `+`, `sus2`, `sus4`, `add9`, `5`) and
//! a leading `b`/`#` alters the root a semitone from the key's own degree (so `VII` in a
//! minor key is the subtonic, and `bVII` in a major key borrows it).

use crate::error::TheoryError;
use crate::theory::chord::{Chord, ChordQuality};
use crate::theory::context::KeyContext;

/// Upper bound on chords per progression: protects against hostile input sizes.
pub const MAX_PROGRESSION_CHORDS: usize = 64;

/// One chord of a progression, not yet placed in a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgressionChord {
    /// Scale degree 1..=7.
    pub degree: u8,
    /// Chromatic alteration of the root in semitones (-2..=2).
    pub alteration: i8,
    /// Quality.
    pub quality: ChordQuality,
}

/// A parsed progression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progression {
    /// The chords in order.
    pub chords: Vec<ProgressionChord>,
}

const NUMERALS: [(&str, u8); 7] = [
    ("vii", 7),
    ("iii", 3),
    ("vi", 6),
    ("iv", 4),
    ("ii", 2),
    ("v", 5),
    ("i", 1),
];

fn quality_for(upper: bool, suffix: &str) -> Option<ChordQuality> {
    use ChordQuality::*;
    Some(match (upper, suffix) {
        (true, "") => Major,
        (false, "") => Minor,
        (true, "7") => Dominant7,
        (false, "7") => Minor7,
        (true, "maj7") | (true, "M7") => Major7,
        (false, "maj7") | (false, "M7") => MinorMajor7,
        (false, "°") | (false, "o") | (false, "dim") => Diminished,
        (false, "°7") | (false, "o7") | (false, "dim7") => Diminished7,
        (false, "ø") | (false, "ø7") => HalfDiminished7,
        (true, "+") | (true, "aug") => Augmented,
        (_, "sus2") => Sus2,
        (_, "sus4") | (_, "sus") => Sus4,
        (true, "add9") => Add9,
        (false, "add9") => MinorAdd9,
        (_, "5") => Power,
        _ => return None,
    })
}

impl Progression {
    /// Parses numerals separated by `-`, spaces or commas.
    pub fn parse(text: &str) -> Result<Progression, TheoryError> {
        let err = |position: usize, expected: &'static str| TheoryError::Progression {
            text: text.to_owned(),
            position,
            expected,
        };
        let chars: Vec<char> = text.chars().collect();
        let is_sep = |c: char| c == '-' || c == ',' || c.is_whitespace();
        let mut chords = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            if is_sep(chars[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < chars.len() && !is_sep(chars[i]) {
                i += 1;
            }
            if chords.len() == MAX_PROGRESSION_CHORDS {
                return Err(err(start, "at most 64 chords"));
            }
            chords.push(parse_token(&chars[start..i], start, &err)?);
        }
        if chords.is_empty() {
            return Err(err(0, "a roman numeral (I-VII or i-vii)"));
        }
        Ok(Progression { chords })
    }

    /// The chords in `key`, roots in `octave` (C4 = 60).
    pub fn resolve(&self, key: &KeyContext, octave: i32) -> Result<Vec<Chord>, TheoryError> {
        let scale = key.heptatonic();
        self.chords
            .iter()
            .map(|c| {
                let midi = (octave + 1) * 12
                    + i32::from(scale.tonic.semitones())
                    + scale.step_semitones(i32::from(c.degree) - 1)
                    + i32::from(c.alteration);
                let root = u8::try_from(midi)
                    .ok()
                    .filter(|&m| m <= 127)
                    .ok_or(TheoryError::OutOfRange { midi })?;
                Ok(Chord::new(root, c.quality))
            })
            .collect()
    }
}

fn parse_token(
    token: &[char],
    start: usize,
    err: &dyn Fn(usize, &'static str) -> TheoryError,
) -> Result<ProgressionChord, TheoryError> {
    let mut i = 0;
    let mut alteration = 0i8;
    while i < token.len()
        && (token[i] == 'b' || token[i] == '#' || token[i] == '♭' || token[i] == '♯')
    {
        alteration += if token[i] == '#' || token[i] == '♯' {
            1
        } else {
            -1
        };
        i += 1;
        if alteration.abs() > 2 {
            return Err(err(
                start + i - 1,
                "at most two accidentals before a numeral",
            ));
        }
    }
    let rest: String = token[i..].iter().collect();
    let lower = rest.to_ascii_lowercase();
    let Some((numeral, degree)) = NUMERALS.iter().find(|(n, _)| lower.starts_with(n)) else {
        return Err(err(start + i, "a roman numeral (I-VII or i-vii)"));
    };
    let n = numeral.len();
    let numeral_chars = &token[i..i + n];
    let upper = numeral_chars.iter().all(|c| c.is_ascii_uppercase());
    if !upper && !numeral_chars.iter().all(|c| c.is_ascii_lowercase()) {
        return Err(err(
            start + i,
            "a numeral in one case (upper = major, lower = minor)",
        ));
    }
    let suffix: String = token[i + n..].iter().collect();
    let quality = quality_for(upper, &suffix).ok_or_else(|| {
        err(
            start + i + n,
            "a chord suffix (7, maj7, °, ø, +, sus2, sus4, add9, 5) or a separator",
        )
    })?;
    Ok(ProgressionChord {
        degree: *degree,
        alteration,
        quality,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::theory::note::midi_to_name;

    fn names(p: &str, key: &str) -> Vec<String> {
        let k = KeyContext::parse(key).unwrap();
        Progression::parse(p)
            .unwrap()
            .resolve(&k, 3)
            .unwrap()
            .iter()
            .map(|c| midi_to_name(c.root, true))
            .collect()
    }

    #[test]
    fn minor_progression_in_f_minor() {
        // i-VI-III-VII in F minor = Fm Db Ab Eb.
        assert_eq!(
            names("i-VI-III-VII", "F minor"),
            vec!["F3", "Db4", "Ab3", "Eb4"]
        );
        let p = Progression::parse("i-VI-III-VII").unwrap();
        let q: Vec<_> = p.chords.iter().map(|c| c.quality).collect();
        use ChordQuality::*;
        assert_eq!(q, vec![Minor, Major, Major, Major]);
    }

    #[test]
    fn alterations_and_suffixes() {
        assert_eq!(names("I bVII IV", "C major"), vec!["C3", "Bb3", "F3"]);
        let p = Progression::parse("ii7 V7 Imaj7 viiø vii°7 III+ Isus4 i5").unwrap();
        use ChordQuality::*;
        let q: Vec<_> = p.chords.iter().map(|c| c.quality).collect();
        assert_eq!(
            q,
            vec![
                Minor7,
                Dominant7,
                Major7,
                HalfDiminished7,
                Diminished7,
                Augmented,
                Sus4,
                Power
            ]
        );
    }

    #[test]
    fn every_error_path_names_its_position() {
        let pos = |t: &str| match Progression::parse(t) {
            Err(TheoryError::Progression { position, .. }) => position,
            other => panic!("{t}: {other:?}"),
        };
        assert_eq!(pos(""), 0);
        assert_eq!(pos("I-X"), 2);
        assert_eq!(pos("I-Vq"), 3);
        assert_eq!(pos("bbbI"), 2);
        assert_eq!(pos("I-Vi"), 2);
        let long = vec!["I"; 65].join("-");
        assert_eq!(pos(&long), 128);
    }
}
