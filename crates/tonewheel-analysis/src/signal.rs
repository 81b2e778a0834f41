//! Sample-level checks: non-finite samples, DC offset, digital clipping and stereo
//! correlation. One pass over the samples, no allocation beyond the per-channel results.

use serde::{Deserialize, Serialize};

/// Samples at or above this magnitude count as "at full scale" for clipping detection
/// (-0.09 dBFS).
pub const FULL_SCALE: f32 = 0.99;
/// A run of at least this many identical consecutive samples at full scale is a clipped
/// flat top (a smooth waveform never repeats a full-scale value three times at audio rates).
pub const CLIP_RUN: usize = 3;

/// Results of the sample-level checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalChecks {
    /// Number of NaN or infinite samples over all channels.
    pub non_finite_samples: usize,
    /// Mean of each channel (DC offset), linear; non-finite samples skipped.
    pub dc_offset: Vec<f64>,
    /// Largest absolute per-channel DC offset, linear.
    pub max_abs_dc: f64,
    /// Share of samples (all channels) inside clipped flat tops: runs of at least
    /// [`CLIP_RUN`] identical samples with magnitude ≥ [`FULL_SCALE`].
    pub clipped_fraction: f64,
    /// Pearson correlation of the first two channels (1 = mono, 0 = unrelated, -1 = phase
    /// inverted); 1 for mono buffers and for silence.
    pub stereo_correlation: f64,
}

/// Runs the sample-level checks over planar channels.
pub fn check_signal(channels: &[Vec<f32>]) -> SignalChecks {
    let mut non_finite_samples = 0usize;
    let mut clipped = 0usize;
    let mut total = 0usize;
    let mut dc_offset = Vec::with_capacity(channels.len());
    for channel in channels {
        let mut sum = 0.0f64;
        let mut count = 0usize;
        let mut run_value = f32::NAN;
        let mut run_len = 0usize;
        for &s in channel {
            if !s.is_finite() {
                non_finite_samples += 1;
                if run_len >= CLIP_RUN {
                    clipped += run_len;
                }
                run_len = 0;
                run_value = f32::NAN;
                continue;
            }
            sum += f64::from(s);
            count += 1;
            if s.abs() >= FULL_SCALE && s == run_value {
                run_len += 1;
            } else {
                if run_len >= CLIP_RUN {
                    clipped += run_len;
                }
                run_value = s;
                run_len = usize::from(s.abs() >= FULL_SCALE);
            }
        }
        if run_len >= CLIP_RUN {
            clipped += run_len;
        }
        total += channel.len();
        dc_offset.push(if count > 0 { sum / count as f64 } else { 0.0 });
    }
    let max_abs_dc = dc_offset.iter().fold(0.0f64, |m, d| m.max(d.abs()));
    SignalChecks {
        non_finite_samples,
        dc_offset,
        max_abs_dc,
        clipped_fraction: if total > 0 {
            clipped as f64 / total as f64
        } else {
            0.0
        },
        stereo_correlation: correlation(channels),
    }
}

fn correlation(channels: &[Vec<f32>]) -> f64 {
    let (Some(l), Some(r)) = (channels.first(), channels.get(1)) else {
        return 1.0;
    };
    let (mut lr, mut ll, mut rr) = (0.0f64, 0.0f64, 0.0f64);
    for (&a, &b) in l.iter().zip(r) {
        if a.is_finite() && b.is_finite() {
            let (a, b) = (f64::from(a), f64::from(b));
            lr += a * b;
            ll += a * a;
            rr += b * b;
        }
    }
    if ll <= 0.0 || rr <= 0.0 {
        // One side silent: nothing cancels in mono.
        return 1.0;
    }
    (lr / (ll * rr).sqrt()).clamp(-1.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(n: usize, gain: f32) -> Vec<f32> {
        (0..n).map(|i| gain * (i as f32 * 0.05).sin()).collect()
    }

    #[test]
    fn clean_sine() {
        let c = check_signal(&[sine(48_000, 0.999), sine(48_000, 0.5)]);
        assert_eq!(c.non_finite_samples, 0);
        assert_eq!(c.clipped_fraction, 0.0);
        assert!(c.max_abs_dc < 1e-3);
        assert!((c.stereo_correlation - 1.0).abs() < 1e-9);
    }

    #[test]
    fn clipped_sine_and_dc_and_nan() {
        let clipped: Vec<f32> = sine(48_000, 2.0)
            .iter()
            .map(|s| s.clamp(-1.0, 1.0))
            .collect();
        let c = check_signal(&[clipped]);
        // |2 sin x| ≥ 1 for two thirds of the time.
        assert!(
            (c.clipped_fraction - 2.0 / 3.0).abs() < 0.01,
            "{}",
            c.clipped_fraction
        );
        let mut dc: Vec<f32> = sine(48_000, 0.5).iter().map(|s| s + 0.1).collect();
        dc[10] = f32::NAN;
        let c = check_signal(&[dc]);
        assert_eq!(c.non_finite_samples, 1);
        assert!((c.max_abs_dc - 0.1).abs() < 2e-3, "{}", c.max_abs_dc);
    }

    #[test]
    fn inverted_channels_correlate_negatively() {
        let l = sine(4_800, 0.5);
        let r: Vec<f32> = l.iter().map(|s| -s).collect();
        let c = check_signal(&[l, r]);
        assert!((c.stereo_correlation + 1.0).abs() < 1e-9);
        assert_eq!(
            check_signal(&[vec![0.0; 10], vec![0.0; 10]]).stereo_correlation,
            1.0
        );
    }
}
