//! Beat tracking by dynamic programming (Ellis 2007, "Beat tracking by dynamic
//! programming", J. New Music Research 36(1)).
//!
//! # Method
//! The onset envelope (NaN/Inf read as 0) is smoothed with a [1, 2, 1] / 4 kernel and
//! divided by its standard deviation. With the beat period `p` frames from `bpm`, the best
//! cumulative score of a beat sequence ending at frame `t` is
//! `C(t) = O(t) + max over τ in [t - 2p, t - p/2] of (C(τ) - TIGHTNESS · ln((t - τ) / p)²)`:
//! beats land on onsets and their spacing stays near the period. The sequence is traced
//! back from the best score within the last period; beats at either end whose onset
//! strength is below [`EDGE_TRIM_RATIO`] of the typical beat's (silence before the first or
//! after the last hit) are dropped. Memory: two arrays of the envelope's length.

use super::{finite_or_zero, ONSET_LAG_S};

/// Weight of the spacing penalty against onset strength (Ellis' "tightness").
pub const TIGHTNESS: f32 = 100.0;
/// Edge beats weaker than this share of the RMS onset strength at beats are trimmed.
pub const EDGE_TRIM_RATIO: f32 = 0.3;

/// Beat times (s) through an onset envelope sampled at `frame_rate_hz`, at about `bpm`.
/// Empty when the envelope is silent, too short for two beats or the arguments are invalid.
/// Times are frame centres minus [`ONSET_LAG_S`].
pub fn track_beats(envelope: &[f32], frame_rate_hz: f32, bpm: f32) -> Vec<f64> {
    if !frame_rate_hz.is_finite() || frame_rate_hz <= 0.0 || !bpm.is_finite() || bpm <= 0.0 {
        return Vec::new();
    }
    let period = 60.0 * frame_rate_hz / bpm;
    let n = envelope.len();
    if period.is_nan() || period < 2.0 || (n as f32) < 2.0 * period {
        return Vec::new();
    }
    let clean: Vec<f32> = envelope
        .iter()
        .map(|&v| finite_or_zero(v).max(0.0))
        .collect();
    let local: Vec<f32> = (0..n)
        .map(|i| {
            0.25 * clean[i.saturating_sub(1)] + 0.5 * clean[i] + 0.25 * clean[(i + 1).min(n - 1)]
        })
        .collect();
    let mean = local.iter().map(|&v| f64::from(v)).sum::<f64>() / n as f64;
    let variance = local
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / n as f64;
    let std = variance.sqrt() as f32;
    if std.is_nan() || std <= 1e-9 {
        return Vec::new();
    }
    let local: Vec<f32> = local.iter().map(|&v| v / std).collect();

    let min_gap = (period / 2.0).round().max(1.0) as usize;
    let max_gap = (2.0 * period).round() as usize;
    let mut score = vec![0.0f32; n];
    let mut backlink: Vec<Option<usize>> = vec![None; n];
    for t in 0..n {
        let mut best: Option<(f32, usize)> = None;
        if t >= min_gap {
            let first = t.saturating_sub(max_gap);
            for tau in first..=t - min_gap {
                let ratio = (t - tau) as f32 / period;
                let candidate = score[tau] - TIGHTNESS * ratio.ln().powi(2);
                if best.is_none_or(|(b, _)| candidate > b) {
                    best = Some((candidate, tau));
                }
            }
        }
        match best {
            // A chain that only loses score is not worth extending: start afresh here.
            Some((value, tau)) if value > 0.0 => {
                score[t] = local[t] + value;
                backlink[t] = Some(tau);
            }
            _ => score[t] = local[t],
        }
    }
    let tail_start = n.saturating_sub(period.round() as usize);
    let Some(mut t) = (tail_start..n).max_by(|&a, &b| score[a].total_cmp(&score[b])) else {
        return Vec::new();
    };
    let mut frames = vec![t];
    while let Some(prev) = backlink[t] {
        frames.push(prev);
        t = prev;
    }
    frames.reverse();

    // Trim weak beats at both ends (the DP keeps marching through silence at the edges).
    let strength = |f: usize| {
        local[f.saturating_sub(1)..=(f + 1).min(n - 1)]
            .iter()
            .copied()
            .fold(0.0f32, f32::max)
    };
    let rms =
        (frames.iter().map(|&f| strength(f).powi(2)).sum::<f32>() / frames.len() as f32).sqrt();
    let threshold = EDGE_TRIM_RATIO * rms;
    let first = frames
        .iter()
        .position(|&f| strength(f) >= threshold)
        .unwrap_or(frames.len());
    let last = frames
        .iter()
        .rposition(|&f| strength(f) >= threshold)
        .map_or(0, |p| p + 1);
    if first >= last {
        return Vec::new();
    }
    frames[first..last]
        .iter()
        .map(|&f| (f as f64 / f64::from(frame_rate_hz) - ONSET_LAG_S).max(0.0))
        .collect()
}
