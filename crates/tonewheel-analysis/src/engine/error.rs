//! [`EngineError`]: why a file could not be analysed at all (per-analyzer failures are
//! [`super::AnalyzerError`] and never stop a file).

use thiserror::Error;

/// A failure of the decoding pass.
#[derive(Debug, Error)]
pub enum EngineError {
    /// The file could not be opened or decoded.
    #[error(transparent)]
    Audio(#[from] tonewheel_audio::AudioError),
    /// A layout the engine cannot analyse (zero rate or channels).
    #[error("unsupported audio layout: {0}")]
    Unsupported(String),
    /// The decoding pass itself panicked (a bug); the message is kept.
    #[error("internal error while analysing: {0}")]
    Panicked(String),
}
