//! Writing WAV files through `hound`, atomically: a temporary file in the target folder is
//! written, flushed and renamed, so a crash never leaves half a file under the final name.

use std::io::BufWriter;
use std::path::Path;
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
    let path = path.as_ref();
    if let Some((c, i)) = first_non_finite(audio) {
        return Err(AudioError::InvalidArgument {
            what: "sample value",
            expected: "finite samples".into(),
            found: format!("{} at channel {c}, frame {i}", audio.channel(c)[i]),
        });
    }
    let channels = u16::try_from(audio.channel_count()).map_err(|_| AudioError::InvalidArgument {
        what: "channel count",
        expected: "at most 65535 channels for WAV".into(),
        found: audio.channel_count().to_string(),
    })?;
    let spec = hound::WavSpec {
        channels,
        sample_rate: audio.sample_rate(),
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
    let mut tmp = tempfile::Builder::new()
        .prefix(".tonewheel-")
        .suffix(".wav.tmp")
        .tempfile_in(dir)
        .map_err(|e| AudioError::io(path, e))?;
    {
        let hound_err = |e: hound::Error| match e {
            hound::Error::IoError(io) => AudioError::io(path, io),
            other => AudioError::InvalidArgument {
                what: "WAV output",
                expected: "a format hound can write".into(),
                found: other.to_string(),
            },
        };
        let mut writer =
            hound::WavWriter::new(BufWriter::new(tmp.as_file_mut()), spec).map_err(hound_err)?;
        let frames = audio.frames();
        match options.bit_depth {
            BitDepth::Float32 => {
                for i in 0..frames {
                    for c in audio.channels() {
                        writer.write_sample(c[i]).map_err(hound_err)?;
                    }
                }
            }
            depth => {
                let mut q = Quantizer::new(u32::from(depth.bits()), options.dither);
                for i in 0..frames {
                    for c in audio.channels() {
                        writer.write_sample(q.quantize(c[i])).map_err(hound_err)?;
                    }
                }
            }
        }
        writer.finalize().map_err(hound_err)?;
    }
    tmp.as_file().sync_all().map_err(|e| AudioError::io(path, e))?;
    tmp.persist(path).map_err(|e| AudioError::io(path, e.error))?;
    Ok(())
}

fn first_non_finite(audio: &AudioBuffer) -> Option<(usize, usize)> {
    audio
        .channels()
        .iter()
        .enumerate()
        .find_map(|(c, ch)| ch.iter().position(|s| !s.is_finite()).map(|i| (c, i)))
}
