//! Typed errors of the composition engine; each one says where and why.

use thiserror::Error;

/// An error in music-theory input (note names, scales, chords, progressions, keys).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum TheoryError {
    /// A note or pitch-class name that does not parse.
    #[error("invalid note name {text:?}: {reason}")]
    NoteName {
        /// The text given.
        text: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// A note outside MIDI 0..=127.
    #[error("note {midi} is outside the MIDI range 0..=127")]
    OutOfRange {
        /// The computed MIDI number.
        midi: i32,
    },
    /// An unknown scale or mode name.
    #[error("unknown scale {name:?}")]
    UnknownScale {
        /// The name given.
        name: String,
    },
    /// An unknown interval name.
    #[error("unknown interval {name:?}")]
    UnknownInterval {
        /// The name given.
        name: String,
    },
    /// A chord symbol that does not parse.
    #[error("invalid chord {text:?} at character {position}: {reason}")]
    Chord {
        /// The text given.
        text: String,
        /// Character index of the problem.
        position: usize,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// A roman-numeral progression that does not parse.
    #[error("invalid progression {text:?} at character {position}: expected {expected}")]
    Progression {
        /// The text given.
        text: String,
        /// Character index of the problem.
        position: usize,
        /// What was expected there.
        expected: &'static str,
    },
    /// A key such as "F minor" that does not parse.
    #[error("invalid key {text:?}: {reason}")]
    Key {
        /// The text given.
        text: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// A scale degree of 0 (degrees count from 1).
    #[error("scale degree 0 does not exist (degrees count from 1, negative below the tonic)")]
    DegreeZero,
}
