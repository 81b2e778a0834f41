//! Typed errors of the synth crate: where in the preset, what was expected, what was found.

/// One problem found in a preset, located by a JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PresetIssue {
    /// JSON pointer to the offending value (`/stages/2/parameters/cutoff`).
    pub pointer: String,
    /// What was expected (`20..20000 Hz`).
    pub expected: String,
    /// What was found (`-5`).
    pub found: String,
}

impl std::fmt::Display for PresetIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: expected {}, found {}",
            self.pointer, self.expected, self.found
        )
    }
}

/// Errors loading, validating or rendering presets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SynthError {
    /// The text is not JSON, or its structure does not match the preset format.
    #[error(
        "{source_name}: invalid preset JSON at {pointer} (line {line}, column {column}): {reason}"
    )]
    Syntax {
        /// File name or "<input>".
        source_name: String,
        /// JSON pointer where parsing stopped.
        pointer: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        reason: String,
    },
    /// The preset parsed but breaks the format's rules; every problem is listed.
    #[error("{source_name}: {} problem(s): {}", issues.len(), issues.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid {
        /// File name or "<input>".
        source_name: String,
        /// The problems, in document order.
        issues: Vec<PresetIssue>,
    },
    /// A stage produced NaN or infinity while rendering.
    #[error("render unstable: stage \"{stage_id}\" produced a non-finite sample")]
    Unstable {
        /// The stage's id.
        stage_id: String,
    },
    /// A render request was out of range (duration, note, rate).
    #[error("invalid render request: {what}: expected {expected}, found {found}")]
    InvalidRequest {
        /// Which setting.
        what: &'static str,
        /// Accepted range.
        expected: String,
        /// Given value.
        found: String,
    },
    /// Reading a preset file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, SynthError>;
