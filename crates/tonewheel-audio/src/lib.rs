//! Audio buffers and audio file I/O for tonewheel: the bottom crate every other one stands on.
//!
//! It owns [`AudioBuffer`] (planar f32 with a sample rate), decoding of WAV, FLAC, MP3,
//! Ogg Vorbis and AAC/ALAC in MP4 through `symphonia` (whole-file with [`read_all`], or in
//! bounded memory with [`AudioStream`]), atomic WAV writing through `hound` with seeded TPDF
//! dither ([`write_wav`]), and resampling through `rubato` ([`resample`], [`StreamResampler`]).
//!
//! It must never panic on a file's content or allocate from an unchecked header value:
//! hostile files produce a typed [`AudioError`] naming the path, and where it applies, the
//! byte offset and the limit.
//!
//! ```no_run
//! use tonewheel_audio::{read_all, write_wav, resample, ResampleQuality, WavOptions};
//! # fn main() -> Result<(), tonewheel_audio::AudioError> {
//! let audio = read_all("loop.flac")?;
//! let at_48k = resample(&audio, 48_000, ResampleQuality::High)?;
//! write_wav("loop-48k.wav", &at_48k, &WavOptions::default())?;
//! # Ok(()) }
//! ```

mod buffer;
mod context;
mod decode;
mod dither;
mod encode;
mod error;
mod limits;
mod resample;
mod role;
mod sniff;
mod source;
mod stream;

pub use buffer::AudioBuffer;
pub use context::MusicalContext;
pub use decode::{probe_info, read_all, read_all_with_limits, AudioInfo};
pub use dither::Dither;
pub use encode::{write_wav, BitDepth, WavFileWriter, WavOptions};
pub use error::{AudioError, Result};
pub use limits::DecodeLimits;
pub use resample::{resample, ResampleQuality, StreamResampler};
pub use role::{Role, UnknownRole};
pub use sniff::ContainerFormat;
pub use stream::{AudioStream, MAX_CHUNK_FRAMES};
