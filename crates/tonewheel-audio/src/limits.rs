//! Limits applied to header values before anything is allocated from them.

/// Bounds on what a decoder accepts. Header values beyond these are rejected with
/// [`crate::AudioError::LimitExceeded`] before any buffer is sized from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Most channels accepted (symphonia's channel mask tops out at 32 too).
    pub max_channels: u32,
    /// Highest sample rate accepted, in Hz (768 kHz is the highest rate shipping converters use).
    pub max_sample_rate: u32,
    /// Longest stream accepted, in frames (2^32 frames is 6.2 hours at 192 kHz).
    pub max_frames: u64,
    /// Most bytes a read-all call may allocate for samples; longer files must be streamed.
    pub max_read_all_bytes: u64,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        Self {
            max_channels: 32,
            max_sample_rate: 768_000,
            max_frames: 1 << 32,
            // 4 GiB of f32 samples: a 3-hour stereo 48 kHz file fits, a 10^12-frame claim does not.
            max_read_all_bytes: 4 << 30,
        }
    }
}
