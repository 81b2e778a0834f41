//! Decoding through symphonia: opening and probing a file, then packet-by-packet decoding into
//! planar f32. [`read_all`] and [`crate::AudioStream`] are both built on [`PacketSource`].

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use symphonia::core::audio::{AudioBuffer as SymBuffer, AudioBufferRef, Signal};
use symphonia::core::codecs::{Decoder, DecoderOptions, CODEC_TYPE_NULL};
use symphonia::core::conv::IntoSample;
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::{FormatOptions, FormatReader};
use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;
use symphonia::core::sample::Sample;

use crate::buffer::AudioBuffer;
use crate::error::{AudioError, Result};
use crate::limits::DecodeLimits;
use crate::sniff::{precheck_wav, sniff, ContainerFormat};
use crate::source::TrackedFile;

/// What a file holds, known after probing (before decoding the samples).
#[derive(Debug, Clone, PartialEq)]
pub struct AudioInfo {
    /// Container format, from the file's content.
    pub format: ContainerFormat,
    /// Codec short name as symphonia names it (`pcm_s16le`, `flac`, `mp3`, `vorbis`, `aac`, `alac`).
    pub codec: String,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Channel count.
    pub channels: u32,
    /// Length in frames when the header states it; `None` until counted for some MP3/Ogg files.
    pub frames: Option<u64>,
    /// Bits per sample for PCM-like codecs; `None` where it is not defined (lossy codecs).
    pub bits_per_sample: Option<u32>,
    /// File size in bytes.
    pub file_bytes: u64,
}

impl AudioInfo {
    /// Duration in seconds, when the frame count is known.
    pub fn duration_s(&self) -> Option<f64> {
        self.frames.map(|f| f as f64 / f64::from(self.sample_rate))
    }

    fn is_lossless(&self) -> bool {
        matches!(self.codec.as_str(), "flac" | "alac") || self.codec.starts_with("pcm")
    }
}

/// An opened, probed file that decodes one packet at a time into planar f32.
pub(crate) struct PacketSource {
    path: PathBuf,
    format: Box<dyn FormatReader>,
    decoder: Box<dyn Decoder>,
    track_id: u32,
    info: AudioInfo,
    read_pos: Arc<AtomicU64>,
    frames_decoded: u64,
    max_packet_frames: u64,
    finished: bool,
}

/// Opens the file, checks it is a non-empty regular file, and reads up to 64 KiB of its head.
fn open_checked(path: &Path) -> Result<(File, u64, Vec<u8>)> {
    let meta = std::fs::metadata(path).map_err(|e| AudioError::io(path, e))?;
    if !meta.is_file() {
        return Err(AudioError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    let len = meta.len();
    if len == 0 {
        return Err(AudioError::Empty {
            path: path.to_path_buf(),
        });
    }
    let mut file = File::open(path).map_err(|e| AudioError::io(path, e))?;
    let mut head = Vec::with_capacity(64 * 1024);
    (&mut file)
        .take(64 * 1024)
        .read_to_end(&mut head)
        .map_err(|e| AudioError::io(path, e))?;
    // Reopen so symphonia starts at byte 0 with a fresh handle.
    let file = File::open(path).map_err(|e| AudioError::io(path, e))?;
    Ok((file, len, head))
}

impl PacketSource {
    /// Opens and probes `path`, validating header values against `limits`.
    pub(crate) fn open(path: &Path, limits: &DecodeLimits) -> Result<Self> {
        let (file, file_len, head) = open_checked(path)?;
        let container = sniff(path, &head)?;
        let mut patches = Vec::new();
        if container == ContainerFormat::Wav {
            let facts = precheck_wav(path, &head, file_len, limits)?;
            patches = facts.size_patches;
        }
        drop(head);

        let (source, read_pos) = TrackedFile::new(file, file_len, patches);
        let stream = MediaSourceStream::new(Box::new(source), MediaSourceStreamOptions::default());
        let format_opts = FormatOptions {
            enable_gapless: true,
            ..Default::default()
        };
        let probed = symphonia::default::get_probe()
            .format(
                &Hint::new(),
                stream,
                &format_opts,
                &MetadataOptions::default(),
            )
            .map_err(|e| map_open_error(path, &read_pos, file_len, e))?;
        let format = probed.format;
        let track = format
            .tracks()
            .iter()
            .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
            .ok_or_else(|| AudioError::UnsupportedCodec {
                path: path.to_path_buf(),
                codec: "no audio track with a known codec".into(),
            })?;
        let params = track.codec_params.clone();
        let track_id = track.id;
        let codec = symphonia::default::get_codecs()
            .get_codec(params.codec)
            .map_or_else(
                || format!("{:?}", params.codec),
                |d| d.short_name.to_string(),
            );

        let limit = |what: &'static str, found: u64, limit: u64| AudioError::LimitExceeded {
            path: path.to_path_buf(),
            what,
            found,
            limit,
        };
        let sample_rate = params.sample_rate.ok_or_else(|| AudioError::Corrupt {
            path: path.to_path_buf(),
            offset: read_pos.load(Ordering::Relaxed),
            reason: "the stream does not state a sample rate".into(),
        })?;
        if sample_rate == 0 || sample_rate > limits.max_sample_rate {
            return Err(limit(
                "sample rate (Hz)",
                u64::from(sample_rate),
                u64::from(limits.max_sample_rate),
            ));
        }
        let channels = params.channels.map_or(0, |c| c.count() as u32);
        if channels > limits.max_channels {
            return Err(limit(
                "channel count",
                u64::from(channels),
                u64::from(limits.max_channels),
            ));
        }
        let frames = params.n_frames;
        if let Some(n) = frames {
            if n > limits.max_frames {
                return Err(limit("frame count", n, limits.max_frames));
            }
        }

        let decoder = symphonia::default::get_codecs()
            .make(&params, &DecoderOptions::default())
            .map_err(|e| match e {
                SymError::Unsupported(what) => AudioError::UnsupportedCodec {
                    path: path.to_path_buf(),
                    codec: format!("{codec}: {what}"),
                },
                other => map_open_error(path, &read_pos, file_len, other),
            })?;
        // Some containers only learn the channel count from the first decoded packet.
        let bits_per_sample = params
            .bits_per_sample
            .or_else(|| alac_bit_depth(&codec, params.extra_data.as_deref()));
        let info = AudioInfo {
            format: container,
            codec,
            sample_rate,
            channels,
            frames,
            bits_per_sample,
            file_bytes: file_len,
        };
        Ok(Self {
            path: path.to_path_buf(),
            format,
            decoder,
            track_id,
            info,
            read_pos,
            frames_decoded: 0,
            // One codec frame of slack for lossy lengths (MP3 1152, AAC 1024), at most 4096.
            max_packet_frames: params.max_frames_per_packet.unwrap_or(1152).min(4096),
            finished: false,
        })
    }

    /// What the header says (channels may be 0 until the first packet for a few codecs).
    pub(crate) fn info(&self) -> &AudioInfo {
        &self.info
    }

    /// Frames decoded so far.
    pub(crate) fn frames_decoded(&self) -> u64 {
        self.frames_decoded
    }

    /// Decodes packets until some audio arrives, appending it to `out` (one Vec per channel,
    /// resized to the channel count on first use). Returns the frames appended; 0 means the
    /// stream ended cleanly.
    pub(crate) fn decode_next(&mut self, out: &mut Vec<Vec<f32>>) -> Result<usize> {
        while !self.finished {
            let packet = match self.format.next_packet() {
                Ok(p) => p,
                Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    self.finished = true;
                    self.check_complete()?;
                    return Ok(0);
                }
                Err(SymError::ResetRequired) => {
                    self.finished = true;
                    return Ok(0);
                }
                Err(e) => return Err(self.map_decode_error(e)),
            };
            if packet.track_id() != self.track_id {
                continue;
            }
            let decoded = match self.decoder.decode(&packet) {
                Ok(d) => d,
                Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    self.finished = true;
                    return Err(self.truncated("the last packet is cut short".into()));
                }
                Err(e) => return Err(self.map_decode_error(e)),
            };
            let n_channels = decoded.spec().channels.count();
            if self.info.channels == 0 {
                if n_channels as u32 > 32 {
                    return Err(AudioError::LimitExceeded {
                        path: self.path.clone(),
                        what: "channel count",
                        found: n_channels as u64,
                        limit: 32,
                    });
                }
                self.info.channels = n_channels as u32;
            }
            if n_channels as u32 != self.info.channels {
                return Err(AudioError::Corrupt {
                    path: self.path.clone(),
                    offset: self.read_pos.load(Ordering::Relaxed),
                    reason: format!(
                        "channel count changed mid-stream from {} to {n_channels}",
                        self.info.channels
                    ),
                });
            }
            if out.len() != n_channels {
                out.resize_with(n_channels, Vec::new);
            }
            let frames = append_planar(decoded, out);
            if frames == 0 {
                continue;
            }
            self.frames_decoded += frames as u64;
            return Ok(frames);
        }
        Ok(0)
    }

    /// At a clean end of stream, a header that promised more frames means the file was cut.
    fn check_complete(&self) -> Result<()> {
        let Some(expected) = self.info.frames else {
            return Ok(());
        };
        // Lossy codecs' frame counts can differ from the decoded count by up to one packet
        // (encoder delay and padding); lossless ones must match exactly.
        let tolerance = if self.info.is_lossless() {
            0
        } else {
            self.max_packet_frames
        };
        if self.frames_decoded + tolerance < expected {
            return Err(self.truncated(format!(
                "header promises {expected} frames, the data holds {}",
                self.frames_decoded
            )));
        }
        Ok(())
    }

    fn truncated(&self, reason: String) -> AudioError {
        AudioError::Truncated {
            path: self.path.clone(),
            offset: self.info.file_bytes,
            reason,
        }
    }

    fn map_decode_error(&self, e: SymError) -> AudioError {
        map_open_error(&self.path, &self.read_pos, self.info.file_bytes, e)
    }
}

/// ALAC states its bit depth only in its "magic cookie" (Apple's ALACSpecificConfig: frame
/// length u32, compatible version u8, bit depth u8, ...). The cookie comes bare (24 bytes) or
/// behind 'frma' and 'alac' atom headers (48 bytes, cookie at byte 24).
fn alac_bit_depth(codec: &str, extra: Option<&[u8]>) -> Option<u32> {
    let extra = extra.filter(|_| codec == "alac")?;
    let at = match extra.len() {
        24 => 5,
        48 => 29,
        _ => return None,
    };
    extra
        .get(at)
        .map(|&b| u32::from(b))
        .filter(|&b| (8..=32).contains(&b))
}

/// Maps symphonia's errors to ours, attaching the read position.
fn map_open_error(path: &Path, read_pos: &AtomicU64, file_len: u64, e: SymError) -> AudioError {
    let offset = read_pos.load(Ordering::Relaxed);
    match e {
        SymError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            AudioError::Truncated {
                path: path.to_path_buf(),
                offset: file_len,
                reason: "the file ends inside a header or packet".into(),
            }
        }
        SymError::IoError(io) => AudioError::io(path, io),
        SymError::DecodeError(reason) => AudioError::Corrupt {
            path: path.to_path_buf(),
            offset,
            reason: reason.to_string(),
        },
        SymError::Unsupported(what) => AudioError::UnsupportedFormat {
            path: path.to_path_buf(),
            reason: what.to_string(),
        },
        // Symphonia's own limits carry only a message, no numbers.
        SymError::LimitError(what) => AudioError::Corrupt {
            path: path.to_path_buf(),
            offset,
            reason: format!("decoder limit exceeded: {what}"),
        },
        SymError::SeekError(_) | SymError::ResetRequired => AudioError::Corrupt {
            path: path.to_path_buf(),
            offset,
            reason: "the decoder lost its place in the stream".into(),
        },
    }
}

/// Appends a decoded packet of any sample type to planar f32 vectors; returns frames added.
fn append_planar(decoded: AudioBufferRef<'_>, out: &mut [Vec<f32>]) -> usize {
    fn copy<S: Sample + IntoSample<f32>>(buf: &SymBuffer<S>, out: &mut [Vec<f32>]) -> usize {
        for (plane, dest) in buf.planes().planes().iter().zip(out.iter_mut()) {
            dest.extend(plane.iter().map(|&s| s.into_sample()));
        }
        buf.frames()
    }
    match decoded {
        AudioBufferRef::U8(b) => copy(&b, out),
        AudioBufferRef::U16(b) => copy(&b, out),
        AudioBufferRef::U24(b) => copy(&b, out),
        AudioBufferRef::U32(b) => copy(&b, out),
        AudioBufferRef::S8(b) => copy(&b, out),
        AudioBufferRef::S16(b) => copy(&b, out),
        AudioBufferRef::S24(b) => copy(&b, out),
        AudioBufferRef::S32(b) => copy(&b, out),
        AudioBufferRef::F32(b) => copy(&b, out),
        AudioBufferRef::F64(b) => copy(&b, out),
    }
}

/// Probes a file and returns what it holds. When the header does not state the length
/// (some MP3 and Ogg files), the file is decoded once, in bounded memory, to count frames.
pub fn probe_info(path: impl AsRef<Path>) -> Result<AudioInfo> {
    let mut source = PacketSource::open(path.as_ref(), &DecodeLimits::default())?;
    if source.info().frames.is_none() || source.info().channels == 0 {
        let mut scratch: Vec<Vec<f32>> = Vec::new();
        loop {
            for c in &mut scratch {
                c.clear();
            }
            if source.decode_next(&mut scratch)? == 0 {
                break;
            }
        }
        let counted = source.frames_decoded();
        source.info.frames = Some(counted);
    }
    Ok(source.info().clone())
}

/// Decodes a whole file into memory with the default limits.
pub fn read_all(path: impl AsRef<Path>) -> Result<AudioBuffer> {
    read_all_with_limits(path, &DecodeLimits::default())
}

/// Decodes a whole file into memory, refusing files whose stated size exceeds
/// `limits.max_read_all_bytes` (stream those with [`crate::AudioStream`] instead).
pub fn read_all_with_limits(path: impl AsRef<Path>, limits: &DecodeLimits) -> Result<AudioBuffer> {
    let path = path.as_ref();
    let mut source = PacketSource::open(path, limits)?;
    let max_samples = limits.max_read_all_bytes / 4;
    let channels = u64::from(source.info().channels.max(1));
    if let Some(frames) = source.info().frames {
        let samples = frames.saturating_mul(channels);
        if samples > max_samples {
            return Err(AudioError::LimitExceeded {
                path: path.to_path_buf(),
                what: "decoded size for read-all (bytes)",
                found: samples.saturating_mul(4),
                limit: limits.max_read_all_bytes,
            });
        }
    }
    // Reserve from the header only after the limit check; lossy lengths are estimates, so
    // the vectors may still grow a little.
    let reserve = source.info().frames.unwrap_or(0) as usize;
    let mut planes: Vec<Vec<f32>> = (0..channels).map(|_| Vec::with_capacity(reserve)).collect();
    loop {
        if source.decode_next(&mut planes)? == 0 {
            break;
        }
        let total = source.frames_decoded().saturating_mul(channels);
        if total > max_samples {
            return Err(AudioError::LimitExceeded {
                path: path.to_path_buf(),
                what: "decoded size for read-all (bytes)",
                found: total.saturating_mul(4),
                limit: limits.max_read_all_bytes,
            });
        }
    }
    if source.frames_decoded() == 0 || planes.is_empty() {
        // A valid file with no audio: keep the channel count and rate, zero frames.
        let n = (source.info().channels.max(1)) as usize;
        return Ok(AudioBuffer::silent(source.info().sample_rate, n, 0));
    }
    AudioBuffer::from_channels(source.info().sample_rate, planes)
}
