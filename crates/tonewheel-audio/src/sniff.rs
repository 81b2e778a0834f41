//! Content sniffing: which container a file holds, judged from its first bytes, plus a
//! pre-check of WAV headers so absurd sizes are rejected before any decoder allocates.

use std::path::Path;

use crate::error::{AudioError, Result};
use crate::limits::DecodeLimits;

/// The container formats we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContainerFormat {
    /// RIFF/WAVE (and RF64).
    Wav,
    /// Native FLAC.
    Flac,
    /// MPEG audio elementary stream (MP3), optionally behind an ID3v2 tag.
    Mp3,
    /// Ogg (Vorbis inside).
    Ogg,
    /// ISO base media / MP4 / M4A (AAC or ALAC inside).
    Mp4,
}

impl ContainerFormat {
    /// Short lower-case name used in reports (`wav`, `flac`, `mp3`, `ogg`, `mp4`).
    pub fn name(self) -> &'static str {
        match self {
            ContainerFormat::Wav => "wav",
            ContainerFormat::Flac => "flac",
            ContainerFormat::Mp3 => "mp3",
            ContainerFormat::Ogg => "ogg",
            ContainerFormat::Mp4 => "mp4",
        }
    }
}

/// What the WAV pre-check learned (only for WAV files).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct WavFacts {
    /// Header size fields to present with corrected values, as (byte offset, little-endian
    /// u32). Filled when the data chunk size is the "unknown length" marker (0xFFFFFFFF)
    /// that streaming encoders write: the data then runs to the end of the file, and the
    /// decoder is shown the real RIFF and data sizes.
    pub size_patches: Vec<(u64, [u8; 4])>,
}

/// Identifies the container from the first bytes of a file.
pub(crate) fn sniff(path: &Path, head: &[u8]) -> Result<ContainerFormat> {
    let unsupported = |reason: String| AudioError::UnsupportedFormat {
        path: path.to_path_buf(),
        reason,
    };
    if head.len() >= 12
        && (&head[0..4] == b"RIFF" || &head[0..4] == b"RF64")
        && &head[8..12] == b"WAVE"
    {
        return Ok(ContainerFormat::Wav);
    }
    if head.len() >= 4 && &head[0..4] == b"fLaC" {
        return Ok(ContainerFormat::Flac);
    }
    if head.len() >= 4 && &head[0..4] == b"OggS" {
        return Ok(ContainerFormat::Ogg);
    }
    if head.len() >= 8 && matches!(&head[4..8], b"ftyp" | b"moov" | b"mdat" | b"wide" | b"free") {
        return Ok(ContainerFormat::Mp4);
    }
    if head.len() >= 3 && &head[0..3] == b"ID3" {
        return Ok(ContainerFormat::Mp3);
    }
    if head.len() >= 4 && is_mpeg_audio_frame_header(&head[0..4]) {
        return Ok(ContainerFormat::Mp3);
    }
    if head.len() >= 12 && &head[0..4] == b"FORM" {
        return Err(unsupported(
            "AIFF is not supported; convert it to WAV or FLAC".into(),
        ));
    }
    Err(unsupported(describe_head(head)))
}

/// A valid MPEG-1/2/2.5 audio frame header: 11 sync bits, a defined version and layer, a
/// bitrate index that is not "bad" (15) and a sample-rate index that is not reserved (3).
fn is_mpeg_audio_frame_header(b: &[u8]) -> bool {
    let sync = b[0] == 0xFF && (b[1] & 0xE0) == 0xE0;
    let version_ok = (b[1] >> 3) & 0x03 != 0x01;
    let layer_ok = (b[1] >> 1) & 0x03 != 0x00;
    let bitrate_ok = (b[2] >> 4) != 0x0F;
    let rate_ok = (b[2] >> 2) & 0x03 != 0x03;
    sync && version_ok && layer_ok && bitrate_ok && rate_ok
}

/// A short human description of unknown content: text or binary, with a printable preview.
fn describe_head(head: &[u8]) -> String {
    let preview: String = head
        .iter()
        .take(8)
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        })
        .collect();
    let looks_textual = !head.is_empty()
        && head
            .iter()
            .take(512)
            .all(|&b| b.is_ascii_graphic() || b.is_ascii_whitespace());
    if looks_textual {
        format!("looks like a text file (starts with \"{preview}\")")
    } else {
        format!("unknown content (first bytes \"{preview}\")")
    }
}

fn u16_le(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at + 2).map(|s| u16::from_le_bytes([s[0], s[1]]))
}

fn u32_le(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// Walks the RIFF chunks in `head` (the first bytes of the file) and checks the `fmt ` and
/// `data` chunks against the limits and the real file length.
///
/// Every chunk before `data` must fit inside the file: a chunk claiming gigabytes in a small
/// file is reported as truncated here, so the decoder never tries to read (and allocate) it.
pub(crate) fn precheck_wav(
    path: &Path,
    head: &[u8],
    file_len: u64,
    limits: &DecodeLimits,
) -> Result<WavFacts> {
    let corrupt = |offset: u64, reason: String| AudioError::Corrupt {
        path: path.to_path_buf(),
        offset,
        reason,
    };
    let mut facts = WavFacts::default();
    let mut at = 12usize;
    let mut saw_fmt = false;
    loop {
        let (Some(id), Some(size)) = (head.get(at..at + 4), u32_le(head, at + 4)) else {
            // The chunk list runs past what we sniffed (or the file ends): let the decoder judge.
            if at as u64 + 8 > file_len {
                return Err(AudioError::Truncated {
                    path: path.to_path_buf(),
                    offset: file_len,
                    reason: format!(
                        "RIFF chunk header expected at byte {at}, file ends at {file_len}"
                    ),
                });
            }
            return Ok(facts);
        };
        let body = at as u64 + 8;
        if id == b"fmt " {
            saw_fmt = true;
            let channels = u16_le(head, at + 10)
                .ok_or_else(|| corrupt(body, "fmt chunk is cut short".into()))?;
            let rate = u32_le(head, at + 12)
                .ok_or_else(|| corrupt(body, "fmt chunk is cut short".into()))?;
            let block_align = u16_le(head, at + 20)
                .ok_or_else(|| corrupt(body, "fmt chunk is cut short".into()))?;
            if channels == 0 {
                return Err(corrupt(body + 2, "fmt chunk declares 0 channels".into()));
            }
            if u32::from(channels) > limits.max_channels {
                return Err(AudioError::LimitExceeded {
                    path: path.to_path_buf(),
                    what: "channel count",
                    found: u64::from(channels),
                    limit: u64::from(limits.max_channels),
                });
            }
            if rate == 0 {
                return Err(corrupt(
                    body + 4,
                    "fmt chunk declares a sample rate of 0 Hz".into(),
                ));
            }
            if rate > limits.max_sample_rate {
                return Err(AudioError::LimitExceeded {
                    path: path.to_path_buf(),
                    what: "sample rate (Hz)",
                    found: u64::from(rate),
                    limit: u64::from(limits.max_sample_rate),
                });
            }
            if block_align == 0 {
                return Err(corrupt(
                    body + 12,
                    "fmt chunk declares a block alignment of 0 bytes".into(),
                ));
            }
        } else if id == b"data" {
            if !saw_fmt {
                return Err(corrupt(
                    at as u64,
                    "data chunk comes before the fmt chunk".into(),
                ));
            }
            // RF64 puts the real size in ds64 and writes 0xFFFFFFFF here; streaming writers do
            // the same for "unknown": both mean "data runs to the end of the file".
            if size == u32::MAX {
                let data_bytes = u32::try_from(file_len - body).unwrap_or(u32::MAX - 1);
                let riff_bytes = u32::try_from(file_len - 8).unwrap_or(u32::MAX - 1);
                facts.size_patches.push((4, riff_bytes.to_le_bytes()));
                facts
                    .size_patches
                    .push((at as u64 + 4, data_bytes.to_le_bytes()));
            } else if body + u64::from(size) > file_len {
                return Err(AudioError::Truncated {
                    path: path.to_path_buf(),
                    offset: file_len,
                    reason: format!(
                        "data chunk at byte {at} claims {size} bytes, only {} are present",
                        file_len.saturating_sub(body)
                    ),
                });
            }
            return Ok(facts);
        } else if body + u64::from(size) > file_len {
            let name = String::from_utf8_lossy(id).into_owned();
            return Err(AudioError::Truncated {
                path: path.to_path_buf(),
                offset: file_len,
                reason: format!(
                    "chunk '{name}' at byte {at} claims {size} bytes, past the end of the file"
                ),
            });
        }
        // Chunks are padded to an even length.
        let next = body + u64::from(size) + u64::from(size & 1);
        at = match usize::try_from(next) {
            Ok(n) => n,
            Err(_) => return Ok(facts),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_magic_numbers() {
        let p = Path::new("x");
        assert_eq!(
            sniff(p, b"RIFF\0\0\0\0WAVEfmt ").unwrap(),
            ContainerFormat::Wav
        );
        assert_eq!(sniff(p, b"fLaC\0\0\0\x22").unwrap(), ContainerFormat::Flac);
        assert_eq!(sniff(p, b"OggS\0\x02\0\0").unwrap(), ContainerFormat::Ogg);
        assert_eq!(
            sniff(p, b"\0\0\0\x20ftypM4A ").unwrap(),
            ContainerFormat::Mp4
        );
        assert_eq!(sniff(p, b"ID3\x04\0\0\0\0").unwrap(), ContainerFormat::Mp3);
        assert_eq!(
            sniff(p, &[0xFF, 0xFB, 0x90, 0x64]).unwrap(),
            ContainerFormat::Mp3
        );
        // Sync bits but a reserved sample-rate index: not MP3.
        assert!(sniff(p, &[0xFF, 0xFB, 0x9C, 0x64]).is_err());
        let e = sniff(p, b"hello world, this is text\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("text file"), "{e}");
    }
}
