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

/// An error while scheduling or rendering a track.
#[derive(Debug, Error)]
pub enum SequenceError {
    /// A tempo outside the supported range.
    #[error("tempo {bpm} BPM is outside {min}..={max} BPM")]
    Tempo {
        /// The tempo given.
        bpm: f64,
        /// Slowest supported tempo.
        min: f64,
        /// Fastest supported tempo.
        max: f64,
    },
    /// A time signature that is not n/1, n/2, n/4, n/8 or n/16 with 1 <= n <= 32.
    #[error("invalid time signature {numerator}/{denominator}")]
    TimeSignature {
        /// Beats per bar.
        numerator: u8,
        /// Beat unit.
        denominator: u8,
    },
    /// A sample rate outside 8 kHz..=384 kHz.
    #[error("sample rate {0} Hz is outside 8000..=384000")]
    SampleRate(u32),
    /// An invalid scheduling option.
    #[error("invalid {what}: expected {expected}, found {found}")]
    Option {
        /// Which option.
        what: &'static str,
        /// The accepted range.
        expected: &'static str,
        /// The value given.
        found: String,
    },
    /// An empty timeline or a section of zero bars.
    #[error("the timeline needs at least one section, each at least one bar long")]
    EmptyTimeline,
    /// A time too far away to be represented.
    #[error("time arithmetic overflowed")]
    Overflow,
    /// A sound symbol in a pattern played by a melodic instrument.
    #[error("pattern character {position}: sound {symbol:?} needs a drum-kit instrument")]
    UnexpectedSound {
        /// The symbol.
        symbol: String,
        /// Its position in the pattern.
        position: usize,
    },
    /// A drum symbol the kit has no pad for.
    #[error("the drum kit has no pad for {symbol:?}")]
    UnknownDrum {
        /// The symbol.
        symbol: String,
    },
    /// A factory preset id that does not exist.
    #[error("no factory preset {0:?}")]
    UnknownPreset(String),
    /// The pattern query failed.
    #[error(transparent)]
    Query(#[from] crate::pattern::QueryError),
    /// A scale degree could not be resolved.
    #[error(transparent)]
    Theory(#[from] TheoryError),
    /// The synthesis engine failed.
    #[error(transparent)]
    Synth(#[from] tonewheel_synth::SynthError),
}
