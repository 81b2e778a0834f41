//! [`AudioStream`]: walk a file of any length in fixed-size chunks, in bounded memory.

use std::path::Path;

use crate::buffer::AudioBuffer;
use crate::decode::{AudioInfo, PacketSource};
use crate::error::{AudioError, Result};
use crate::limits::DecodeLimits;

/// Largest chunk a stream hands out: 2^22 frames (87 s at 48 kHz) keeps chunks "bounded".
pub const MAX_CHUNK_FRAMES: usize = 1 << 22;

/// A streaming reader: decodes packet by packet and hands out chunks of exactly
/// `chunk_frames` frames (the last one may be shorter).
///
/// Memory use is the chunk plus at most one decoded packet, whatever the file's length.
///
/// ```no_run
/// # fn main() -> Result<(), tonewheel_audio::AudioError> {
/// let mut stream = tonewheel_audio::AudioStream::open("long-mix.flac", 4096)?;
/// let mut chunk = tonewheel_audio::AudioBuffer::silent(48_000, 2, 0);
/// let mut peak = 0.0f32;
/// while stream.read_chunk(&mut chunk)? > 0 {
///     peak = peak.max(chunk.peak());
/// }
/// # Ok(()) }
/// ```
pub struct AudioStream {
    source: PacketSource,
    chunk_frames: usize,
    pending: Vec<Vec<f32>>,
    pending_start: usize,
    ended: bool,
}

impl AudioStream {
    /// Opens `path` for streaming in chunks of `chunk_frames` frames (1..=[`MAX_CHUNK_FRAMES`]).
    pub fn open(path: impl AsRef<Path>, chunk_frames: usize) -> Result<Self> {
        Self::open_with_limits(path, chunk_frames, &DecodeLimits::default())
    }

    /// Like [`AudioStream::open`] with explicit header limits.
    pub fn open_with_limits(
        path: impl AsRef<Path>,
        chunk_frames: usize,
        limits: &DecodeLimits,
    ) -> Result<Self> {
        if chunk_frames == 0 || chunk_frames > MAX_CHUNK_FRAMES {
            return Err(AudioError::InvalidArgument {
                what: "chunk size",
                expected: format!("1..={MAX_CHUNK_FRAMES} frames"),
                found: chunk_frames.to_string(),
            });
        }
        let source = PacketSource::open(path.as_ref(), limits)?;
        Ok(Self {
            source,
            chunk_frames,
            pending: Vec::new(),
            pending_start: 0,
            ended: false,
        })
    }

    /// What the header says about the file.
    pub fn info(&self) -> &AudioInfo {
        self.source.info()
    }

    /// The chunk size in frames.
    pub fn chunk_frames(&self) -> usize {
        self.chunk_frames
    }

    /// Frames handed out so far.
    pub fn frames_read(&self) -> u64 {
        self.source.frames_decoded() - self.pending_len() as u64
    }

    fn pending_len(&self) -> usize {
        self.pending
            .first()
            .map_or(0, |c| c.len() - self.pending_start)
    }

    /// Fills `out` with the next chunk and returns its length in frames; 0 at the end.
    ///
    /// `out` is reshaped to the file's rate and channel count; its vectors are reused, so a
    /// loop over `read_chunk` allocates only on the first call.
    pub fn read_chunk(&mut self, out: &mut AudioBuffer) -> Result<usize> {
        while !self.ended && self.pending_len() < self.chunk_frames {
            if self.pending_start > 0 {
                for c in &mut self.pending {
                    c.drain(..self.pending_start);
                }
                self.pending_start = 0;
            }
            if self.source.decode_next(&mut self.pending)? == 0 {
                self.ended = true;
            }
        }
        let n = self.pending_len().min(self.chunk_frames);
        let channels = self.pending.len().max(self.info().channels.max(1) as usize);
        out.reshape(self.info().sample_rate, channels);
        if n == 0 {
            return Ok(0);
        }
        let (start, end) = (self.pending_start, self.pending_start + n);
        for (dest, src) in out.channels_mut().iter_mut().zip(&self.pending) {
            dest.extend_from_slice(&src[start..end]);
        }
        self.pending_start = end;
        Ok(n)
    }

    /// The next chunk as a new buffer, or `None` at the end (allocates one buffer per call;
    /// use [`AudioStream::read_chunk`] in loops that must not allocate).
    pub fn next_chunk(&mut self) -> Result<Option<AudioBuffer>> {
        let mut out = AudioBuffer::silent(self.info().sample_rate.max(1), 1, 0);
        match self.read_chunk(&mut out)? {
            0 => Ok(None),
            _ => Ok(Some(out)),
        }
    }
}

impl Iterator for AudioStream {
    type Item = Result<AudioBuffer>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.next_chunk() {
            Ok(Some(b)) => Some(Ok(b)),
            Ok(None) => None,
            Err(e) => {
                // After an error the stream is over; don't loop on the same failure.
                self.ended = true;
                self.pending.clear();
                self.pending_start = 0;
                Some(Err(e))
            }
        }
    }
}
