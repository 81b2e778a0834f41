//! The typed errors of audio I/O: every variant names the file and says what went wrong where.

use std::path::{Path, PathBuf};

/// Everything that can go wrong reading, writing or converting audio.
///
/// Messages start with the file path so a batch tool can print them as they are.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AudioError {
    /// The path does not exist.
    #[error("{}: file not found", path.display())]
    NotFound {
        /// The path that was asked for.
        path: PathBuf,
    },
    /// The path is a directory (or another non-file object).
    #[error("{}: is a directory, not an audio file", path.display())]
    NotAFile {
        /// The path that was asked for.
        path: PathBuf,
    },
    /// The file has no bytes at all.
    #[error("{}: empty file (0 bytes)", path.display())]
    Empty {
        /// The path that was asked for.
        path: PathBuf,
    },
    /// The content is not a container format we read (probed by content, not extension).
    #[error("{}: not a supported audio format: {reason}", path.display())]
    UnsupportedFormat {
        /// The path that was asked for.
        path: PathBuf,
        /// What the probe saw.
        reason: String,
    },
    /// The container is known but its codec is not one we decode.
    #[error("{}: unsupported codec: {codec}", path.display())]
    UnsupportedCodec {
        /// The path that was asked for.
        path: PathBuf,
        /// The codec's name or a description of the unsupported feature.
        codec: String,
    },
    /// The data is malformed at (or just before) a byte offset.
    #[error("{}: corrupt data near byte offset {offset}: {reason}", path.display())]
    Corrupt {
        /// The path that was asked for.
        path: PathBuf,
        /// Read position in the file when the problem was detected. Decoders read ahead in
        /// blocks, so the fault lies at or before this offset (within 64 KiB).
        offset: u64,
        /// What the decoder or header check found.
        reason: String,
    },
    /// The file ends before the data its header promises.
    #[error("{}: truncated at byte offset {offset}: {reason}", path.display())]
    Truncated {
        /// The path that was asked for.
        path: PathBuf,
        /// Byte offset where the data ends (the file length).
        offset: u64,
        /// What was expected and what was found.
        reason: String,
    },
    /// A header value or a requested size is beyond what we accept; rejected before allocating.
    #[error("{}: {what} is {found}, over the limit of {limit}", path.display())]
    LimitExceeded {
        /// The path that was asked for.
        path: PathBuf,
        /// Which quantity (e.g. "channels", "frames", "sample rate").
        what: &'static str,
        /// The value found in the header or request.
        found: u64,
        /// The largest accepted value.
        limit: u64,
    },
    /// An argument to an encoding, mixing or resampling call was invalid.
    #[error("invalid {what}: expected {expected}, found {found}")]
    InvalidArgument {
        /// Which argument.
        what: &'static str,
        /// What is accepted.
        expected: String,
        /// What was given.
        found: String,
    },
    /// An operating-system I/O failure.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path being read or written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl AudioError {
    /// Wraps an I/O error, mapping "not found" to [`AudioError::NotFound`].
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::NotFound {
            AudioError::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            AudioError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    }

    /// True when the error is the input's fault (bad, missing or unsupported file), false for
    /// internal failures. The CLI maps the former to exit code 1.
    pub fn is_input_error(&self) -> bool {
        !matches!(self, AudioError::Io { .. })
    }

    /// A stable snake_case code for machines (`--json` error objects, HTTP error bodies,
    /// the catalogue's `error_code` column): `not_found`, `not_a_file`, `empty`,
    /// `unsupported_format`, `unsupported_codec`, `corrupt`, `truncated`, `limit_exceeded`,
    /// `invalid_argument` or `io`.
    pub fn code(&self) -> &'static str {
        match self {
            AudioError::NotFound { .. } => "not_found",
            AudioError::NotAFile { .. } => "not_a_file",
            AudioError::Empty { .. } => "empty",
            AudioError::UnsupportedFormat { .. } => "unsupported_format",
            AudioError::UnsupportedCodec { .. } => "unsupported_codec",
            AudioError::Corrupt { .. } => "corrupt",
            AudioError::Truncated { .. } => "truncated",
            AudioError::LimitExceeded { .. } => "limit_exceeded",
            AudioError::InvalidArgument { .. } => "invalid_argument",
            AudioError::Io { .. } => "io",
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, AudioError>;
