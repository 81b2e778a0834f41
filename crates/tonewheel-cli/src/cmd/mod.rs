//! One module per verb.

pub mod analyze;
pub mod convert;
pub mod generate;
pub mod info;
pub mod library;
pub mod modify;
pub mod patterns;
pub mod presets;
pub mod render;
pub mod serve;
pub mod session;

/// A stable, machine-readable code for an audio error (used in `--json` error objects).
pub fn audio_error_code(e: &tonewheel_audio::AudioError) -> &'static str {
    e.code()
}
