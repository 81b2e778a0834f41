//! [`AudioBuffer`]: planar f32 audio with its sample rate, and the everyday helpers on it.

use crate::error::{AudioError, Result};

/// Planar 32-bit float audio: one `Vec<f32>` per channel, all the same length.
///
/// Planar is the layout DSP wants (each channel contiguous); interleaving happens only at
/// the edges (file I/O, audio devices).
#[derive(Debug, Clone, PartialEq)]
pub struct AudioBuffer {
    sample_rate: u32,
    channels: Vec<Vec<f32>>,
}

impl AudioBuffer {
    /// A silent buffer of `channel_count` channels and `frames` frames.
    pub fn silent(sample_rate: u32, channel_count: usize, frames: usize) -> Self {
        Self {
            sample_rate,
            channels: vec![vec![0.0; frames]; channel_count],
        }
    }

    /// Wraps per-channel sample vectors; they must all have the same length and there must be
    /// at least one channel.
    pub fn from_channels(sample_rate: u32, channels: Vec<Vec<f32>>) -> Result<Self> {
        if channels.is_empty() {
            return Err(AudioError::InvalidArgument {
                what: "channel list",
                expected: "at least one channel".into(),
                found: "none".into(),
            });
        }
        let frames = channels[0].len();
        if let Some(bad) = channels.iter().position(|c| c.len() != frames) {
            return Err(AudioError::InvalidArgument {
                what: "channel length",
                expected: format!("{frames} frames in every channel"),
                found: format!("{} frames in channel {bad}", channels[bad].len()),
            });
        }
        if sample_rate == 0 {
            return Err(AudioError::InvalidArgument {
                what: "sample rate",
                expected: "a positive rate in Hz".into(),
                found: "0".into(),
            });
        }
        Ok(Self {
            sample_rate,
            channels,
        })
    }

    /// Builds a buffer from interleaved samples (`L R L R ...`).
    pub fn from_interleaved(
        sample_rate: u32,
        channel_count: usize,
        samples: &[f32],
    ) -> Result<Self> {
        if channel_count == 0 || !samples.len().is_multiple_of(channel_count) {
            return Err(AudioError::InvalidArgument {
                what: "interleaved sample count",
                expected: format!("a multiple of {channel_count} channels"),
                found: samples.len().to_string(),
            });
        }
        let frames = samples.len() / channel_count;
        let mut channels = vec![Vec::with_capacity(frames); channel_count];
        for frame in samples.chunks_exact(channel_count) {
            for (channel, &s) in channels.iter_mut().zip(frame) {
                channel.push(s);
            }
        }
        Self::from_channels(sample_rate, channels)
    }

    /// Interleaved copy of the samples (`L R L R ...`).
    pub fn to_interleaved(&self) -> Vec<f32> {
        let n = self.channel_count();
        let mut out = Vec::with_capacity(self.frames() * n);
        for i in 0..self.frames() {
            for c in &self.channels {
                out.push(c[i]);
            }
        }
        out
    }

    /// Sample rate in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Number of channels.
    pub fn channel_count(&self) -> usize {
        self.channels.len()
    }

    /// Number of frames (samples per channel).
    pub fn frames(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }

    /// Duration in seconds.
    pub fn duration_s(&self) -> f64 {
        self.frames() as f64 / f64::from(self.sample_rate)
    }

    /// One channel's samples. Panics only on an out-of-range index, like slice indexing.
    pub fn channel(&self, index: usize) -> &[f32] {
        &self.channels[index]
    }

    /// One channel's samples, mutable.
    pub fn channel_mut(&mut self, index: usize) -> &mut [f32] {
        &mut self.channels[index]
    }

    /// All channels.
    pub fn channels(&self) -> &[Vec<f32>] {
        &self.channels
    }

    /// All channels, mutable (lengths must stay equal; use the slices, not `push`).
    pub fn channels_mut(&mut self) -> &mut [Vec<f32>] {
        &mut self.channels
    }

    /// Consumes the buffer and returns the per-channel vectors.
    pub fn into_channels(self) -> Vec<Vec<f32>> {
        self.channels
    }

    /// Mono downmix: the average of all channels (so a full-scale mono file stays full scale).
    pub fn to_mono(&self) -> AudioBuffer {
        self.mix_to(1)
    }

    /// Mixes to `channel_count` channels.
    ///
    /// Mono to N copies the signal to every channel. N to 1 averages. Otherwise channel `i`
    /// of the input goes to output `i % channel_count`, and each output is divided by how many
    /// inputs landed on it, so levels stay comparable (5.1 to stereo this way is a plain fold,
    /// not an ITU downmix; we do not read channel layouts).
    pub fn mix_to(&self, channel_count: usize) -> AudioBuffer {
        let frames = self.frames();
        let target = channel_count.max(1);
        if target == self.channel_count() {
            return self.clone();
        }
        if self.channel_count() == 1 {
            return AudioBuffer {
                sample_rate: self.sample_rate,
                channels: vec![self.channels[0].clone(); target],
            };
        }
        let mut out = vec![vec![0.0f32; frames]; target];
        let mut counts = vec![0u32; target];
        for (i, input) in self.channels.iter().enumerate() {
            let dest = i % target;
            counts[dest] += 1;
            for (o, &s) in out[dest].iter_mut().zip(input) {
                *o += s;
            }
        }
        for (channel, &count) in out.iter_mut().zip(&counts) {
            if count > 1 {
                let scale = 1.0 / count as f32;
                channel.iter_mut().for_each(|s| *s *= scale);
            }
        }
        AudioBuffer {
            sample_rate: self.sample_rate,
            channels: out,
        }
    }

    /// Multiplies every sample by a linear gain.
    pub fn apply_gain(&mut self, gain: f32) {
        for c in &mut self.channels {
            c.iter_mut().for_each(|s| *s *= gain);
        }
    }

    /// Multiplies every sample by a gain in decibels.
    pub fn apply_gain_db(&mut self, gain_db: f32) {
        self.apply_gain(10.0_f32.powf(gain_db / 20.0));
    }

    /// Largest absolute sample value (sample peak, linear). NaN samples are ignored.
    pub fn peak(&self) -> f32 {
        self.channels
            .iter()
            .flat_map(|c| c.iter())
            .fold(0.0f32, |m, &s| if s.abs() > m { s.abs() } else { m })
    }

    /// Sample peak in dBFS (`-inf` for silence).
    pub fn peak_dbfs(&self) -> f32 {
        let p = self.peak();
        if p > 0.0 {
            20.0 * p.log10()
        } else {
            f32::NEG_INFINITY
        }
    }

    /// RMS over all channels and frames, linear.
    pub fn rms(&self) -> f32 {
        let n = self.frames() * self.channel_count();
        if n == 0 {
            return 0.0;
        }
        let sum: f64 = self
            .channels
            .iter()
            .flat_map(|c| c.iter())
            .map(|&s| f64::from(s) * f64::from(s))
            .sum();
        (sum / n as f64).sqrt() as f32
    }

    /// A copy of frames `start..end` (clamped to the buffer).
    pub fn slice_frames(&self, start: usize, end: usize) -> AudioBuffer {
        let end = end.min(self.frames());
        let start = start.min(end);
        AudioBuffer {
            sample_rate: self.sample_rate,
            channels: self
                .channels
                .iter()
                .map(|c| c[start..end].to_vec())
                .collect(),
        }
    }

    /// Clears the buffer to zero frames with the given rate and channel count, keeping the
    /// channel vectors' capacity (used by streaming readers to avoid reallocating).
    pub(crate) fn reshape(&mut self, sample_rate: u32, channel_count: usize) {
        self.sample_rate = sample_rate;
        self.channels.resize_with(channel_count.max(1), Vec::new);
        for c in &mut self.channels {
            c.clear();
        }
    }

    /// Appends another buffer with the same rate and channel count.
    pub fn append(&mut self, other: &AudioBuffer) -> Result<()> {
        if other.sample_rate != self.sample_rate || other.channel_count() != self.channel_count() {
            return Err(AudioError::InvalidArgument {
                what: "buffer to append",
                expected: format!("{} Hz, {} channels", self.sample_rate, self.channel_count()),
                found: format!(
                    "{} Hz, {} channels",
                    other.sample_rate,
                    other.channel_count()
                ),
            });
        }
        for (a, b) in self.channels.iter_mut().zip(&other.channels) {
            a.extend_from_slice(b);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stereo() -> AudioBuffer {
        AudioBuffer::from_channels(48_000, vec![vec![0.5, -1.0, 0.25], vec![0.5, 0.0, -0.25]])
            .unwrap()
    }

    #[test]
    fn shape_and_duration() {
        let b = AudioBuffer::silent(48_000, 2, 24_000);
        assert_eq!(b.frames(), 24_000);
        assert_eq!(b.channel_count(), 2);
        assert!((b.duration_s() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn interleave_round_trip() {
        let b = stereo();
        let i = b.to_interleaved();
        assert_eq!(i, vec![0.5, 0.5, -1.0, 0.0, 0.25, -0.25]);
        assert_eq!(AudioBuffer::from_interleaved(48_000, 2, &i).unwrap(), b);
        assert!(AudioBuffer::from_interleaved(48_000, 2, &i[..5]).is_err());
    }

    #[test]
    fn mixing() {
        let b = stereo();
        assert_eq!(b.to_mono().channel(0), &[0.5, -0.5, 0.0]);
        let m = b.to_mono().mix_to(2);
        assert_eq!(m.channel(0), m.channel(1));
        let quad = AudioBuffer::from_channels(8, vec![vec![1.0], vec![0.5], vec![0.0], vec![0.5]])
            .unwrap();
        let st = quad.mix_to(2);
        assert_eq!(st.channel(0), &[0.5]);
        assert_eq!(st.channel(1), &[0.5]);
    }

    #[test]
    fn gain_peak_rms() {
        let mut b = stereo();
        assert_eq!(b.peak(), 1.0);
        assert_eq!(b.peak_dbfs(), 0.0);
        b.apply_gain_db(-6.0206);
        assert!((b.peak() - 0.5).abs() < 1e-4);
        let sine: Vec<f32> = (0..48_000)
            .map(|i| (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / 48_000.0).sin())
            .collect();
        let s = AudioBuffer::from_channels(48_000, vec![sine]).unwrap();
        // RMS of a full-scale sine is 1/sqrt(2).
        assert!((s.rms() - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-4);
    }

    #[test]
    fn rejects_ragged_channels() {
        assert!(AudioBuffer::from_channels(44_100, vec![vec![0.0; 3], vec![0.0; 2]]).is_err());
        assert!(AudioBuffer::from_channels(44_100, vec![]).is_err());
        assert!(AudioBuffer::from_channels(0, vec![vec![0.0]]).is_err());
    }
}
