//! Section boundaries from a Foote (2000) checkerboard-kernel novelty curve, computed on a
//! band around the diagonal of the self-similarity matrix.
//!
//! # Method
//! 1. Features (NaN/Inf read as 0; rows shorter than the longest padded with 0) are
//!    standardised per dimension (z-score over the file), so MFCCs and chroma weigh alike.
//! 2. Cosine similarity `S(i, j)` is computed only for `|i - j| <= 2L`, where the kernel
//!    half-width `L` is [`KERNEL_HALF_S`] seconds (at least 2 frames): memory and time are
//!    `O(N · L)`, never `N × N`.
//! 3. Novelty at `i` is the Gaussian-tapered checkerboard kernel of half-width `L` applied
//!    at `(i, i)`: within-block similarity minus cross-block similarity, averaged over the
//!    kernel cells that fall inside the file (so the ends are not artificially novel).
//! 4. Boundaries are local maxima within ±`L` frames that exceed the curve's mean plus
//!    [`PEAK_STD`] standard deviations and [`MIN_NOVELTY`], at least `L / 2` frames from
//!    either end.

use super::finite_or_zero;

/// Half-width of the checkerboard kernel (s): sections shorter than this blur together.
pub const KERNEL_HALF_S: f32 = 4.0;
/// Most frames in the kernel half-width, whatever the frame rate (bounds the band).
pub const MAX_KERNEL_HALF_FRAMES: usize = 64;
/// A boundary's novelty must exceed the mean by this many standard deviations.
pub const PEAK_STD: f32 = 1.0;
/// And this absolute novelty. The curve is a weighted mean of ±cosine similarities (-1..1):
/// two sections of opposite standardised features read 1, material that does not change
/// reads about 0 whatever its frame-to-frame jitter.
pub const MIN_NOVELTY: f32 = 0.3;

/// The novelty curve (one value per frame) of `features` at `frame_rate_hz`; empty when
/// there are fewer than two frames, no dimensions or an invalid rate.
pub fn novelty_curve(features: &[Vec<f32>], frame_rate_hz: f32) -> Vec<f32> {
    let n = features.len();
    let dims = features.iter().map(Vec::len).max().unwrap_or(0);
    if n < 2 || dims == 0 || !frame_rate_hz.is_finite() || frame_rate_hz <= 0.0 {
        return Vec::new();
    }
    let half = kernel_half_frames(frame_rate_hz);
    // Standardise per dimension.
    let mut mean = vec![0.0f64; dims];
    let mut sq = vec![0.0f64; dims];
    for row in features {
        for d in 0..dims {
            let v = f64::from(finite_or_zero(row.get(d).copied().unwrap_or(0.0)));
            mean[d] += v;
            sq[d] += v * v;
        }
    }
    let std: Vec<f64> = (0..dims)
        .map(|d| {
            mean[d] /= n as f64;
            (sq[d] / n as f64 - mean[d] * mean[d]).max(0.0).sqrt()
        })
        .collect();
    let normalised: Vec<Vec<f32>> = features
        .iter()
        .map(|row| {
            let mut out: Vec<f32> = (0..dims)
                .map(|d| {
                    let v = f64::from(finite_or_zero(row.get(d).copied().unwrap_or(0.0)));
                    if std[d] > 1e-9 {
                        ((v - mean[d]) / std[d]) as f32
                    } else {
                        0.0
                    }
                })
                .collect();
            let norm = out.iter().map(|v| v * v).sum::<f32>().sqrt();
            if norm > 1e-9 {
                out.iter_mut().for_each(|v| *v /= norm);
            }
            out
        })
        .collect();
    // Band of the similarity matrix: band[i][k] = S(i, i + k), k = 0..=2·half.
    let width = 2 * half + 1;
    let mut band = vec![0.0f32; n * width];
    for i in 0..n {
        for k in 0..width {
            let j = i + k;
            if j >= n {
                break;
            }
            band[i * width + k] = normalised[i]
                .iter()
                .zip(&normalised[j])
                .map(|(a, b)| a * b)
                .sum();
        }
    }
    let similarity = |a: usize, b: usize| {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        band[lo * width + (hi - lo)]
    };
    let sigma = 0.5 * half as f32;
    let taper: Vec<f32> = (0..=half)
        .map(|k| (-0.5 * (k as f32 / sigma).powi(2)).exp())
        .collect();
    let mut curve = Vec::with_capacity(n);
    for i in 0..n {
        let (mut sum, mut weight) = (0.0f32, 0.0f32);
        // Offsets -half..half excluding 0 on each axis: before = -half..-1, after = 1..half.
        for a in 1..=half {
            for b in 1..=half {
                let w = taper[a] * taper[b];
                let before_a = i.checked_sub(a);
                let after_a = (i + a < n).then_some(i + a);
                let before_b = i.checked_sub(b);
                let after_b = (i + b < n).then_some(i + b);
                // Within-block cells count +1, cross-block cells -1.
                for (x, y, sign) in [
                    (before_a, before_b, 1.0f32),
                    (after_a, after_b, 1.0),
                    (before_a, after_b, -1.0),
                    (after_a, before_b, -1.0),
                ] {
                    if let (Some(x), Some(y)) = (x, y) {
                        sum += sign * w * similarity(x, y);
                        weight += w;
                    }
                }
            }
        }
        // Cells on one side only (near the ends) have no cross block: weight them out by
        // normalising by the full kernel's weight share actually present.
        curve.push(if weight > 0.0 { sum / weight } else { 0.0 } * edge_factor(i, n, half));
    }
    curve
}

/// Near the ends one block is missing and the kernel measures nothing useful: fade to 0.
fn edge_factor(i: usize, n: usize, half: usize) -> f32 {
    let distance = i.min(n - 1 - i) as f32;
    (distance / half as f32).min(1.0)
}

fn kernel_half_frames(frame_rate_hz: f32) -> usize {
    ((KERNEL_HALF_S * frame_rate_hz).round() as usize).clamp(2, MAX_KERNEL_HALF_FRAMES)
}

/// Section boundaries (s) from per-frame feature vectors sampled at `frame_rate_hz` (see
/// the module docs). Empty for fewer than two frames or no change.
pub fn section_boundaries(features: &[Vec<f32>], frame_rate_hz: f32) -> Vec<f64> {
    let curve = novelty_curve(features, frame_rate_hz);
    let n = curve.len();
    if n < 3 {
        return Vec::new();
    }
    let half = kernel_half_frames(frame_rate_hz);
    let mean = curve.iter().sum::<f32>() / n as f32;
    let std = (curve.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / n as f32).sqrt();
    let threshold = (mean + PEAK_STD * std).max(MIN_NOVELTY);
    let margin = (half / 2).max(1);
    let mut boundaries = Vec::new();
    for i in margin..n.saturating_sub(margin) {
        let value = curve[i];
        if value < threshold {
            continue;
        }
        let lo = i.saturating_sub(half);
        let hi = (i + half).min(n - 1);
        let is_peak = curve[lo..i].iter().all(|&v| v < value)
            && curve[i + 1..=hi].iter().all(|&v| v <= value);
        if is_peak {
            boundaries.push(i as f64 / f64::from(frame_rate_hz));
        }
    }
    boundaries
}
