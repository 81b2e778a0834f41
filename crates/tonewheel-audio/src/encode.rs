//! Writing WAV files through `hound`, atomically: a temporary file in the target folder is
//! written, flushed and renamed, so a crash never leaves half a file under the final name.

use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::buffer::AudioBuffer;
use crate::dither::{Dither, Quantizer};
use crate::error::{AudioError, Result};

/// Output sample format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BitDepth {
    /// 16-bit signed PCM.
    Int16,
    /// 24-bit signed PCM.
    Int24,
    /// 32-bit IEEE float (bit-exact for our f32 buffers).
    Float32,
}

impl BitDepth {
    /// Bits per sample in the file.
    pub fn bits(self) -> u16 {
        match self {
            BitDepth::Int16 => 16,
            BitDepth::Int24 => 24,
            BitDepth::Float32 => 32,
        }
    }
}

impl FromStr for BitDepth {
    type Err = AudioError;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "16" => Ok(BitDepth::Int16),
            "24" => Ok(BitDepth::Int24),
            "32f" | "32" => Ok(BitDepth::Float32),
            other => Err(AudioError::InvalidArgument {
                what: "bit depth",
                expected: "16, 24 or 32f".into(),
                found: other.into(),
            }),
        }
    }
}

/// How to write a WAV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WavOptions {
    /// Sample format.
    pub bit_depth: BitDepth,
    /// Dither used when reducing to integer PCM (ignored for float).
    pub dither: Dither,
}

impl Default for WavOptions {
    /// 24-bit PCM with seeded TPDF dither: the delivery format producers expect.
    fn default() -> Self {
        Self {
            bit_depth: BitDepth::Int24,
            dither: Dither::Tpdf { seed: 0 },
        }
    }
}

/// Writes `audio` to `path` as WAV, atomically (temporary file + rename in the same folder).
///
/// Non-finite samples are refused (they mean a bug upstream, and would write garbage).
pub fn write_wav(path: impl AsRef<Path>, audio: &AudioBuffer, options: &WavOptions) -> Result<()> {
    let mut writer =
        WavFileWriter::create(path, audio.sample_rate(), audio.channel_count(), options)?;
    writer.write(audio)?;
    writer.finish()
}

type HoundWriter = hound::WavWriter<BufWriter<std::fs::File>>;

/// An incremental, atomic WAV writer: chunks are appended to a hidden temporary file next to
/// the target, and only [`WavFileWriter::finish`] makes the file appear under its name.
/// Dropping the writer without finishing deletes the temporary file.
pub struct WavFileWriter {
    path: PathBuf,
    channels: usize,
    sample_rate: u32,
    quantizer: Option<Quantizer>,
    writer: Option<HoundWriter>,
    tmp: tempfile::TempPath,
    frames_written: u64,
}

impl std::fmt::Debug for WavFileWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavFileWriter")
            .field("path", &self.path)
            .field("frames_written", &self.frames_written)
            .finish_non_exhaustive()
    }
}

impl WavFileWriter {
    /// Starts writing `path` with the given rate, channel count and format.
    pub fn create(
        path: impl AsRef<Path>,
        sample_rate: u32,
        channels: usize,
        options: &WavOptions,
    ) -> Result<Self> {
        let path = path.as_ref();
        let channel_count = u16::try_from(channels)
            .ok()
            .filter(|&c| c > 0)
            .ok_or_else(|| AudioError::InvalidArgument {
                what: "channel count",
                expected: "1..=65535 channels for WAV".into(),
                found: channels.to_string(),
            })?;
        if sample_rate == 0 {
            return Err(AudioError::InvalidArgument {
                what: "sample rate",
                expected: "a positive rate in Hz".into(),
                found: "0".into(),
            });
        }
        let spec = hound::WavSpec {
            channels: channel_count,
            sample_rate,
            bits_per_sample: options.bit_depth.bits(),
            sample_format: match options.bit_depth {
                BitDepth::Float32 => hound::SampleFormat::Float,
                _ => hound::SampleFormat::Int,
            },
        };
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".tonewheel-")
            .suffix(".wav.tmp")
            .tempfile_in(dir)
            .map_err(|e| AudioError::io(path, e))?;
        let (file, tmp) = tmp.into_parts();
        let writer =
            hound::WavWriter::new(BufWriter::new(file), spec).map_err(|e| hound_error(path, e))?;
        Ok(Self {
            path: path.to_path_buf(),
            channels,
            sample_rate,
            quantizer: match options.bit_depth {
                BitDepth::Float32 => None,
                depth => Some(Quantizer::new(u32::from(depth.bits()), options.dither)),
            },
            writer: Some(writer),
            tmp,
            frames_written: 0,
        })
    }

    /// Appends a chunk; it must have the writer's channel count and sample rate, and only
    /// finite samples.
    pub fn write(&mut self, chunk: &AudioBuffer) -> Result<()> {
        if chunk.channel_count() != self.channels || chunk.sample_rate() != self.sample_rate {
            return Err(AudioError::InvalidArgument {
                what: "chunk to write",
                expected: format!("{} channels at {} Hz", self.channels, self.sample_rate),
                found: format!(
                    "{} channels at {} Hz",
                    chunk.channel_count(),
                    chunk.sample_rate()
                ),
            });
        }
        if let Some((c, i)) = first_non_finite(chunk) {
            return Err(AudioError::InvalidArgument {
                what: "sample value",
                expected: "finite samples".into(),
                found: format!(
                    "{} at channel {c}, frame {}",
                    chunk.channel(c)[i],
                    self.frames_written + i as u64
                ),
            });
        }
        let path = &self.path;
        let Some(writer) = self.writer.as_mut() else {
            return Err(AudioError::InvalidArgument {
                what: "writer state",
                expected: "an unfinished writer".into(),
                found: "a finished writer".into(),
            });
        };
        let channels = chunk.channels();
        for i in 0..chunk.frames() {
            for c in channels {
                match &mut self.quantizer {
                    Some(q) => writer.write_sample(q.quantize(c[i])),
                    None => writer.write_sample(c[i]),
                }
                .map_err(|e| hound_error(path, e))?;
            }
        }
        self.frames_written += chunk.frames() as u64;
        Ok(())
    }

    /// Frames written so far.
    pub fn frames_written(&self) -> u64 {
        self.frames_written
    }

    /// Finalises the header, flushes to disk and renames the file into place.
    pub fn finish(mut self) -> Result<()> {
        let path = self.path.clone();
        if let Some(writer) = self.writer.take() {
            writer.finalize().map_err(|e| hound_error(&path, e))?;
        }
        std::fs::File::open(&self.tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| AudioError::io(&path, e))?;
        self.tmp
            .persist(&path)
            .map_err(|e| AudioError::io(&path, e.error))?;
        Ok(())
    }
}

fn hound_error(path: &Path, e: hound::Error) -> AudioError {
    match e {
        hound::Error::IoError(io) => AudioError::io(path, io),
        other => AudioError::InvalidArgument {
            what: "WAV output",
            expected: "a format hound can write".into(),
            found: other.to_string(),
        },
    }
}

fn first_non_finite(audio: &AudioBuffer) -> Option<(usize, usize)> {
    audio
        .channels()
        .iter()
        .enumerate()
        .find_map(|(c, ch)| ch.iter().position(|s| !s.is_finite()).map(|i| (c, i)))
}
