//! The tonewheel composition engine: musical context, genre knowledge, patterns and the
//! sample-accurate sequencer that drives the synthesis engine.
//!
//! It owns music theory ([`theory`]), the embedded genre knowledge base ([`knowledge`]),
//! the mini-notation pattern language ([`pattern`]), the sequencer ([`sequencer`],
//! [`track`], [`drumkit`]), the mixer ([`mixer`]: channels, sends, automation, LFOs),
//! sessions and their deterministic render and storage ([`session`]), MIDI export
//! ([`midi`]) and import ([`midi_import`], into exact [`clip`]s or quantised patterns),
//! genre templates ([`generate`]), `PARAM=VALUE` session edits ([`modify`]) and the pattern
//! library ([`library`]). Effects are the synth's stages, run on track and bus audio by
//! `tonewheel_synth::chain::EffectChain`.
//!
//! It must never panic on user input (every parse error names the character position and
//! what was expected), never allocate from unchecked input sizes, and the same input and seed
//! always produce the same events and audio.
//!
//! ```
//! use tonewheel_compose::theory::{KeyContext, Progression};
//! let key = KeyContext::parse("F minor").unwrap();
//! let chords = Progression::parse("i-VI-III-VII").unwrap().resolve(&key, 3).unwrap();
//! assert_eq!(chords[1].root, 61); // Db4
//! ```

pub mod clip;
pub mod drumkit;
mod error;
pub mod generate;
pub mod knowledge;
pub mod library;
pub mod midi;
pub mod midi_import;
pub mod mixer;
pub mod modify;
pub mod pattern;
pub mod sequencer;
pub mod session;
pub mod theory;
pub mod track;

pub use error::{SequenceError, TheoryError};
