//! Shared helpers: the fixture signal (as defined in scripts/make-fixtures.sh), paths, and
//! comparison measures.

use std::path::PathBuf;

/// Rate, length and fade of the fixture signal (see scripts/make-fixtures.sh).
pub const FIXTURE_RATE: u32 = 16_000;
pub const FIXTURE_FRAMES: usize = 4000;
const FADE: usize = 160;

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn fade(i: usize) -> f64 {
    let n = FIXTURE_FRAMES;
    if i < FADE {
        0.5 - 0.5 * (std::f64::consts::PI * i as f64 / FADE as f64).cos()
    } else if i >= n - FADE {
        0.5 - 0.5 * (std::f64::consts::PI * (n - 1 - i) as f64 / FADE as f64).cos()
    } else {
        1.0
    }
}

/// Channel `ch` (0 = left/mono, 1 = right) of the fixture signal.
pub fn fixture_signal(ch: usize) -> Vec<f32> {
    let rate = f64::from(FIXTURE_RATE);
    (0..FIXTURE_FRAMES)
        .map(|i| {
            let t = i as f64 / rate;
            let tau = 2.0 * std::f64::consts::PI;
            let v = if ch == 0 {
                0.5 * (tau * 440.0 * t).sin() + 0.25 * (tau * 1250.0 * t).sin()
            } else {
                0.4 * (tau * 660.0 * t).sin()
            };
            (fade(i) * v) as f32
        })
        .collect()
}

/// Normalised correlation of `a` and `b` over their common length.
pub fn correlation(a: &[f32], b: &[f32]) -> f64 {
    let n = a.len().min(b.len());
    let (mut ab, mut aa, mut bb) = (0.0f64, 0.0f64, 0.0f64);
    for i in 0..n {
        let (x, y) = (f64::from(a[i]), f64::from(b[i]));
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    if aa == 0.0 || bb == 0.0 {
        0.0
    } else {
        ab / (aa * bb).sqrt()
    }
}

/// Best correlation of `decoded` against `reference` over lags in `-max_lag..=max_lag`
/// (lossy codecs may shift the signal by their encoder delay); returns (correlation, lag).
pub fn best_correlation(decoded: &[f32], reference: &[f32], max_lag: usize) -> (f64, isize) {
    let mut best = (f64::MIN, 0isize);
    for lag in -(max_lag as isize)..=(max_lag as isize) {
        let c = if lag >= 0 {
            let l = lag as usize;
            if l >= decoded.len() {
                continue;
            }
            correlation(&decoded[l..], reference)
        } else {
            let l = (-lag) as usize;
            if l >= reference.len() {
                continue;
            }
            correlation(decoded, &reference[l..])
        };
        if c > best.0 {
            best = (c, lag);
        }
    }
    best
}

/// Largest absolute difference over the common length.
pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}
