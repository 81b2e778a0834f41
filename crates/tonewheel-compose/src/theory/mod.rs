//! Music theory: notes, intervals, scales and modes, chords, progressions and the project key.
//!
//! Everything here is pure and allocation-light; the sequencer asks [`KeyContext`] for degrees
//! and snapping, so every track of a session agrees on the harmony.

mod chord;
mod context;
mod interval;
mod note;
mod progression;
mod scale;

pub use chord::{Chord, ChordQuality, Voicing};
pub use context::KeyContext;
pub use interval::Interval;
pub use note::{hz_to_midi, midi_to_hz, midi_to_name, parse_note, PitchClass};
pub use progression::{Progression, ProgressionChord};
pub use scale::{Scale, ScaleKind};
