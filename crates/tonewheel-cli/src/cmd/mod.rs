//! One module per verb.

pub mod analyze;
pub mod convert;
pub mod generate;
pub mod info;
pub mod library;
pub mod modify;
pub mod patterns;
pub mod preset_search;
pub mod presets;
pub mod render;
pub mod serve;
pub mod session;

/// A stable, machine-readable code for an audio error (used in `--json` error objects).
pub fn audio_error_code(e: &tonewheel_audio::AudioError) -> &'static str {
    use tonewheel_audio::AudioError::*;
    match e {
        NotFound { .. } => "not_found",
        NotAFile { .. } => "not_a_file",
        Empty { .. } => "empty",
        UnsupportedFormat { .. } => "unsupported_format",
        UnsupportedCodec { .. } => "unsupported_codec",
        Corrupt { .. } => "corrupt",
        Truncated { .. } => "truncated",
        LimitExceeded { .. } => "limit_exceeded",
        InvalidArgument { .. } => "invalid_argument",
        Io { .. } => "io",
        _ => "audio_error",
    }
}
