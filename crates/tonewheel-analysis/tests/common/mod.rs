//! Test-signal helpers shared by the engine tests.
#![allow(dead_code)]

use tonewheel_analysis::engine::{extract_buffer, ExtractOptions, FeatureCache, FeatureSet};
use tonewheel_audio::AudioBuffer;

/// Linear amplitude of a dBFS peak level.
pub fn amp(dbfs: f64) -> f64 {
    10f64.powf(dbfs / 20.0)
}

/// A sine of `freq_hz` whose amplitude follows `segments` of (seconds, dBFS), continuous phase.
pub fn sine_segments(rate: u32, freq_hz: f64, segments: &[(f64, f64)]) -> Vec<f32> {
    let mut out = Vec::new();
    for &(secs, db) in segments {
        let a = amp(db);
        let n = (secs * f64::from(rate)).round() as usize;
        let start = out.len();
        out.extend((0..n).map(|i| {
            let t = (start + i) as f64 / f64::from(rate);
            (a * (std::f64::consts::TAU * freq_hz * t).sin()) as f32
        }));
    }
    out
}

/// Deterministic white noise in −amplitude..amplitude (xorshift64*).
pub fn noise(n: usize, amplitude: f32, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            let v = s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40;
            amplitude * (v as f32 / (1u64 << 24) as f32 * 2.0 - 1.0)
        })
        .collect()
}

/// A buffer from planar channels.
pub fn buffer(rate: u32, channels: Vec<Vec<f32>>) -> AudioBuffer {
    AudioBuffer::from_channels(rate, channels).expect("valid test buffer")
}

/// Extracts `needs` from a buffer.
pub fn extract(audio: &AudioBuffer, needs: FeatureSet) -> FeatureCache {
    extract_buffer(audio, needs, ExtractOptions::default()).expect("extraction")
}
