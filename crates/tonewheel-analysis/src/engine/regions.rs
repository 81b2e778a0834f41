//! [`find_regions`]: split a file into sounding regions by silence relative to the file's own
//! level, from the native-rate level blocks.

use serde::Serialize;

use super::cache::{LevelBlocks, Span, LEVEL_BLOCK_S};
use crate::loudness::power_to_db;

/// How silence splits a file into regions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RegionOptions {
    /// A block is silent when its level is more than this many dB below the file's loudest
    /// [`RegionOptions::reference_window_s`] window. Default 45 dB: well below any musical
    /// decay that matters, above the noise floor of 16-bit material at normal levels.
    pub threshold_below_peak_db: f64,
    /// A block is silent below this absolute level in dBFS whatever the file's level. Default
    /// -70 dBFS (the BS.1770 absolute gate); a file whose loudest window is below it has no
    /// regions.
    pub floor_dbfs: f64,
    /// Window over which the reference (loudest) level is measured, in seconds. Default 0.1 s,
    /// so a single click does not set the reference.
    pub reference_window_s: f64,
    /// Shortest silence that splits two regions, in seconds. Default 0.25 s (shorter gaps are
    /// rests inside a phrase).
    pub min_silence_s: f64,
    /// Shortest region kept, in seconds. Default 0.03 s (shorter sounds are clicks).
    pub min_region_s: f64,
    /// Silence kept before and after each region, in seconds (never overlapping a
    /// neighbour). Default 0.01 s.
    pub padding_s: f64,
}

impl Default for RegionOptions {
    fn default() -> Self {
        Self {
            threshold_below_peak_db: 45.0,
            floor_dbfs: -70.0,
            reference_window_s: 0.1,
            min_silence_s: 0.25,
            min_region_s: 0.03,
            padding_s: 0.01,
        }
    }
}

/// The regions of a file with `duration_s` seconds, in order, non-overlapping.
pub fn find_regions(levels: &LevelBlocks, duration_s: f64, options: &RegionOptions) -> Vec<Span> {
    let power = &levels.power;
    if power.is_empty() || duration_s <= 0.0 {
        return Vec::new();
    }
    let window =
        ((options.reference_window_s / LEVEL_BLOCK_S).round() as usize).clamp(1, power.len());
    // Loudest sliding-window mean power.
    let mut sum: f64 = power[..window].iter().map(|&p| f64::from(p)).sum();
    let mut loudest = sum;
    for i in window..power.len() {
        sum += f64::from(power[i]) - f64::from(power[i - window]);
        loudest = loudest.max(sum);
    }
    let reference_db = power_to_db(loudest / window as f64);
    if reference_db < options.floor_dbfs {
        return Vec::new();
    }
    let threshold_db = (reference_db - options.threshold_below_peak_db).max(options.floor_dbfs);
    let threshold = 10f64.powf(threshold_db / 10.0);
    let sounding: Vec<bool> = power.iter().map(|&p| f64::from(p) > threshold).collect();
    // Runs of sounding blocks, as block index ranges.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < sounding.len() {
        if sounding[i] {
            let start = i;
            while i < sounding.len() && sounding[i] {
                i += 1;
            }
            runs.push((start, i));
        } else {
            i += 1;
        }
    }
    let min_gap = (options.min_silence_s / LEVEL_BLOCK_S).round() as usize;
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for r in runs {
        match merged.last_mut() {
            Some(last) if r.0 - last.1 < min_gap => last.1 = r.1,
            _ => merged.push(r),
        }
    }
    let min_len = (options.min_region_s / LEVEL_BLOCK_S).round() as usize;
    merged.retain(|r| r.1 - r.0 >= min_len.max(1));
    let spans: Vec<Span> = merged
        .iter()
        .map(|&(a, b)| Span {
            start_s: a as f64 * LEVEL_BLOCK_S,
            end_s: (b as f64 * LEVEL_BLOCK_S).min(duration_s),
        })
        .collect();
    // Padding, clamped to the file and to half the gap to each neighbour.
    let mut out = Vec::with_capacity(spans.len());
    for (k, s) in spans.iter().enumerate() {
        let prev_end = if k == 0 {
            0.0
        } else {
            0.5 * (spans[k - 1].end_s + s.start_s)
        };
        let next_start = spans
            .get(k + 1)
            .map_or(duration_s, |n| 0.5 * (s.end_s + n.start_s));
        out.push(Span {
            start_s: (s.start_s - options.padding_s).max(prev_end),
            end_s: (s.end_s + options.padding_s).min(next_start),
        });
    }
    out
}
