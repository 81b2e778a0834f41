//! Pattern errors: where, what was expected, what was found.

use thiserror::Error;

/// A mini-notation parse error.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("at character {position}: expected {expected}, found {found}")]
pub struct PatternError {
    /// Character index (not byte index) of the problem.
    pub position: usize,
    /// What the parser expected there.
    pub expected: String,
    /// What it found.
    pub found: String,
}

impl PatternError {
    /// An error at `position`.
    pub fn new(
        position: usize,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> PatternError {
        PatternError {
            position,
            expected: expected.into(),
            found: found.into(),
        }
    }
}

/// An error while querying events from a parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum QueryError {
    /// The query would produce more events than allowed.
    #[error("the query produces more than {limit} events")]
    TooManyEvents {
        /// The limit.
        limit: usize,
    },
    /// Exact time arithmetic overflowed (absurd nesting of speed factors).
    #[error("time arithmetic overflowed (too deeply nested speed factors)")]
    Overflow,
    /// An invalid query span (end before begin).
    #[error("invalid query span: end before begin")]
    InvalidSpan,
}
