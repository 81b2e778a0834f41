//! Chords: qualities, symbols, inversions and voicings.

use crate::error::TheoryError;
use crate::theory::note::split_pitch_class;

/// Chord quality as semitones above the root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChordQuality {
    /// Major triad (0 4 7).
    Major,
    /// Minor triad (0 3 7).
    Minor,
    /// Diminished triad (0 3 6).
    Diminished,
    /// Augmented triad (0 4 8).
    Augmented,
    /// Suspended second (0 2 7).
    Sus2,
    /// Suspended fourth (0 5 7).
    Sus4,
    /// Power chord: root and fifth (0 7).
    Power,
    /// Major seventh (0 4 7 11).
    Major7,
    /// Minor seventh (0 3 7 10).
    Minor7,
    /// Dominant seventh (0 4 7 10).
    Dominant7,
    /// Half-diminished seventh (0 3 6 10).
    HalfDiminished7,
    /// Diminished seventh (0 3 6 9).
    Diminished7,
    /// Minor-major seventh (0 3 7 11).
    MinorMajor7,
    /// Major add nine (0 4 7 14).
    Add9,
    /// Minor add nine (0 3 7 14).
    MinorAdd9,
}

/// Suffixes accepted after the root in chord symbols, longest first so prefixes never shadow.
const SUFFIXES: [(&str, ChordQuality); 22] = [
    ("madd9", ChordQuality::MinorAdd9),
    ("maj7", ChordQuality::Major7),
    ("m7b5", ChordQuality::HalfDiminished7),
    ("dim7", ChordQuality::Diminished7),
    ("add9", ChordQuality::Add9),
    ("sus2", ChordQuality::Sus2),
    ("sus4", ChordQuality::Sus4),
    ("mmaj7", ChordQuality::MinorMajor7),
    ("mM7", ChordQuality::MinorMajor7),
    ("min", ChordQuality::Minor),
    ("dim", ChordQuality::Diminished),
    ("aug", ChordQuality::Augmented),
    ("sus", ChordQuality::Sus4),
    ("M7", ChordQuality::Major7),
    ("m7", ChordQuality::Minor7),
    ("°7", ChordQuality::Diminished7),
    ("ø", ChordQuality::HalfDiminished7),
    ("°", ChordQuality::Diminished),
    ("+", ChordQuality::Augmented),
    ("7", ChordQuality::Dominant7),
    ("5", ChordQuality::Power),
    ("m", ChordQuality::Minor),
];

impl ChordQuality {
    /// Semitones above the root, ascending.
    pub fn intervals(self) -> &'static [u8] {
        match self {
            ChordQuality::Major => &[0, 4, 7],
            ChordQuality::Minor => &[0, 3, 7],
            ChordQuality::Diminished => &[0, 3, 6],
            ChordQuality::Augmented => &[0, 4, 8],
            ChordQuality::Sus2 => &[0, 2, 7],
            ChordQuality::Sus4 => &[0, 5, 7],
            ChordQuality::Power => &[0, 7],
            ChordQuality::Major7 => &[0, 4, 7, 11],
            ChordQuality::Minor7 => &[0, 3, 7, 10],
            ChordQuality::Dominant7 => &[0, 4, 7, 10],
            ChordQuality::HalfDiminished7 => &[0, 3, 6, 10],
            ChordQuality::Diminished7 => &[0, 3, 6, 9],
            ChordQuality::MinorMajor7 => &[0, 3, 7, 11],
            ChordQuality::Add9 => &[0, 4, 7, 14],
            ChordQuality::MinorAdd9 => &[0, 3, 7, 14],
        }
    }

    /// Parses a chord-symbol suffix (`""`, `m`, `7`, `maj7`, `sus4`, `dim`, `+`, `add9`, `5`…).
    pub fn from_suffix(suffix: &str) -> Option<ChordQuality> {
        if suffix.is_empty() || suffix == "maj" || suffix == "M" {
            return Some(ChordQuality::Major);
        }
        SUFFIXES.iter().find(|(s, _)| *s == suffix).map(|(_, q)| *q)
    }
}

/// How the chord tones are spread over octaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Voicing {
    /// All tones within the smallest span, stacked upwards from the bass.
    #[default]
    Close,
    /// Close voicing with its second-lowest tone raised an octave (spread triads).
    Open,
    /// Close voicing with its second-highest tone dropped an octave (the jazz "drop 2").
    Drop2,
}

/// A chord: root MIDI note, quality, inversion and voicing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Chord {
    /// MIDI note of the root in root position.
    pub root: u8,
    /// Quality.
    pub quality: ChordQuality,
    /// Inversion: how many of the lowest tones move up an octave (0 = root position).
    pub inversion: u8,
    /// Voicing applied after the inversion.
    pub voicing: Voicing,
}

impl Chord {
    /// A root-position, close-voiced chord.
    pub fn new(root: u8, quality: ChordQuality) -> Chord {
        Chord {
            root,
            quality,
            inversion: 0,
            voicing: Voicing::Close,
        }
    }

    /// This chord in inversion `n` (taken modulo the number of tones).
    pub fn inverted(mut self, n: u8) -> Chord {
        self.inversion = n;
        self
    }

    /// This chord with `voicing`.
    pub fn voiced(mut self, voicing: Voicing) -> Chord {
        self.voicing = voicing;
        self
    }

    /// Parses a symbol such as `Cm7`, `F#sus4`, `Bbmaj7`, `E5` with the root in `octave`
    /// (C4 = 60).
    pub fn parse(symbol: &str, octave: i32) -> Result<Chord, TheoryError> {
        let (pc, suffix) = split_pitch_class(symbol, false).map_err(|_| TheoryError::Chord {
            text: symbol.to_owned(),
            position: 0,
            reason: "a chord starts with a root note A-G",
        })?;
        let quality = ChordQuality::from_suffix(suffix).ok_or_else(|| TheoryError::Chord {
            text: symbol.to_owned(),
            position: symbol.chars().count() - suffix.chars().count(),
            reason: "unknown chord quality suffix",
        })?;
        let midi = (octave + 1) * 12 + pc;
        let root = u8::try_from(midi)
            .ok()
            .filter(|&m| m <= 127)
            .ok_or(TheoryError::OutOfRange { midi })?;
        Ok(Chord::new(root, quality))
    }

    /// MIDI notes, lowest first; tones that would leave 0..=127 are dropped (never wrapped).
    pub fn notes(&self) -> Vec<u8> {
        let iv = self.quality.intervals();
        let n = iv.len();
        let mut tones: Vec<i32> = iv
            .iter()
            .map(|&i| i32::from(self.root) + i32::from(i))
            .collect();
        for k in 0..usize::from(self.inversion) % n {
            tones[k] += 12;
        }
        tones.sort_unstable();
        match self.voicing {
            Voicing::Close => {}
            Voicing::Open => {
                if n >= 3 {
                    tones[1] += 12;
                }
            }
            Voicing::Drop2 => {
                if n >= 3 {
                    tones[n - 2] -= 12;
                }
            }
        }
        tones.sort_unstable();
        tones
            .into_iter()
            .filter_map(|t| u8::try_from(t).ok().filter(|&m| m <= 127))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_parse_to_their_tones() {
        let c = |s: &str| Chord::parse(s, 4).map(|c| c.notes());
        assert_eq!(c("C"), Ok(vec![60, 64, 67]));
        assert_eq!(c("Cm7"), Ok(vec![60, 63, 67, 70]));
        assert_eq!(c("F#sus4"), Ok(vec![66, 71, 73]));
        assert_eq!(c("Bbmaj7"), Ok(vec![70, 74, 77, 81]));
        assert_eq!(c("E5"), Ok(vec![64, 71]));
        assert_eq!(c("Cadd9"), Ok(vec![60, 64, 67, 74]));
        assert_eq!(c("Bm7b5"), Ok(vec![71, 74, 77, 81]));
        assert_eq!(c("Cdim7"), Ok(vec![60, 63, 66, 69]));
        assert!(matches!(
            Chord::parse("Cxyz", 4),
            Err(TheoryError::Chord { position: 1, .. })
        ));
        assert!(matches!(
            Chord::parse("Q", 4),
            Err(TheoryError::Chord { position: 0, .. })
        ));
    }

    #[test]
    fn inversions_and_voicings() {
        let c = Chord::new(60, ChordQuality::Major);
        assert_eq!(c.inverted(1).notes(), vec![64, 67, 72]);
        assert_eq!(c.inverted(2).notes(), vec![67, 72, 76]);
        assert_eq!(c.inverted(3).notes(), vec![60, 64, 67]);
        assert_eq!(c.voiced(Voicing::Open).notes(), vec![60, 67, 76]);
        // Drop 2 of Cmaj7 (C E G B): G drops an octave → G3 C4 E4 B4.
        let cmaj7 = Chord::new(60, ChordQuality::Major7);
        assert_eq!(cmaj7.voiced(Voicing::Drop2).notes(), vec![55, 60, 64, 71]);
        // Every voicing keeps the pitch-class content.
        for v in [Voicing::Close, Voicing::Open, Voicing::Drop2] {
            for inv in 0..4 {
                let mut pcs: Vec<u8> = cmaj7
                    .inverted(inv)
                    .voiced(v)
                    .notes()
                    .iter()
                    .map(|n| n % 12)
                    .collect();
                pcs.sort_unstable();
                assert_eq!(pcs, vec![0, 4, 7, 11]);
            }
        }
    }
}
