//! Amplitude envelope of a sound and the temporal measurements taken from it: attack,
//! sustain, decay, tail, release after note-off and the noise floor.
//!
//! The envelope is a *peak* envelope at 1 ms resolution: each 1 ms block keeps its largest
//! absolute sample over all channels, then every point holds the maximum of the last
//! [`ENV_HOLD_S`] (10 ms). It rises as fast as the signal does (a kick's 1 ms attack reads as
//! ~1–2 ms), holds across the gaps between the crests of anything above 50 Hz, and lags the
//! signal's fall by at most 10 ms. Envelope levels are in dB relative to its maximum ("re peak").

use serde::{Deserialize, Serialize};

use crate::loudness::{amplitude_to_db, power_to_db, DB_FLOOR};

/// Envelope resolution in seconds.
pub const ENV_BLOCK_S: f64 = 0.001;
/// Hold (trailing maximum) length of the envelope in seconds.
pub const ENV_HOLD_S: f64 = 0.010;
/// Attack starts where the envelope first reaches this fraction of its peak (10 %).
pub const ATTACK_START: f64 = 0.1;
/// Attack ends where the envelope first reaches this fraction of its peak (90 %).
pub const ATTACK_END: f64 = 0.9;
/// The sound "ends" at the last point within this many dB of the peak (the RT60 convention).
pub const END_RANGE_DB: f64 = 60.0;
/// Length of the tail window at the end of the buffer, in seconds.
pub const TAIL_S: f64 = 0.1;
/// Window length of the noise-floor measurement, in seconds.
pub const NOISE_WINDOW_S: f64 = 0.05;
/// Number of consecutive noise windows at the end of the buffer that must be steady.
pub const NOISE_WINDOWS: usize = 4;
/// Windows count as steady when their levels are within this many dB.
pub const NOISE_STEADY_DB: f64 = 6.0;
/// A steady end only counts as a noise floor when it is at least this far below the peak.
pub const NOISE_MAX_DB: f64 = -30.0;

/// What happened after the note-off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseFeatures {
    /// Note-off time in seconds, as given.
    pub note_off_s: f64,
    /// Audio after the note-off, in seconds.
    pub after_s: f64,
    /// Envelope level at the note-off, dB re peak.
    pub level_at_note_off_db: f64,
    /// Highest envelope level in the final window (the last `min(100 ms, after_s / 2)`),
    /// dB re peak.
    pub final_level_db: f64,
    /// `level_at_note_off_db - final_level_db`: how far the sound fell after the release.
    pub drop_db: f64,
    /// `drop_db / after_s`: release speed in dB per second.
    pub rate_db_per_s: f64,
}

/// Temporal measurements of a sound.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemporalFeatures {
    /// Envelope peak, linear.
    pub peak: f64,
    /// Time of the envelope peak in seconds.
    pub peak_s: f64,
    /// Time the envelope first reaches 10 % of its peak, seconds (`None` for silence).
    pub onset_s: Option<f64>,
    /// 10 % → 90 % rise time in seconds (`None` for silence).
    pub attack_s: Option<f64>,
    /// Envelope level halfway through the note, dB re peak: the note runs from the onset to
    /// the note-off when one is given, else to the end of the sound (last point within 60 dB
    /// of the peak). Near 0 dB for sustained sounds, -20 dB and below for decaying ones.
    pub sustain_db: Option<f64>,
    /// Time from the peak until the envelope first falls 20 dB below it, seconds.
    pub decay_20db_s: Option<f64>,
    /// End of the sound (last point within 60 dB of the peak), seconds.
    pub end_s: Option<f64>,
    /// Highest envelope level in the last [`TAIL_S`] of the buffer, dB re peak.
    pub tail_db: f64,
    /// Largest absolute value of the last sample over the channels, dB re peak: how abruptly
    /// the audio stops (a click when high).
    pub end_level_db: f64,
    /// Release behaviour, when a note-off inside the buffer was given.
    pub release: Option<ReleaseFeatures>,
    /// RMS level of a steady end (the last four 50 ms windows within 6 dB of each other and at
    /// most -30 dB re peak), dB re peak: hiss or hum left when the sound is over. `None` when
    /// the end is not steady or not quiet (a release still falling, a sustained note).
    pub noise_floor_db: Option<f64>,
    /// When the envelope peaks in the last 5 % of the buffer: peak minus the level halfway
    /// through the buffer, in dB (a sound still growing at the end). 0 otherwise.
    pub late_rise_db: f64,
}

/// Computes the temporal features of planar audio at `sample_rate`.
///
/// `note_off_s` is the note-off time, if known; a note-off at or past the end of the buffer
/// gives no [`ReleaseFeatures`]. Non-finite samples are ignored.
pub fn temporal_features(
    channels: &[Vec<f32>],
    sample_rate: u32,
    note_off_s: Option<f64>,
) -> TemporalFeatures {
    let frames = channels.first().map_or(0, Vec::len);
    let block = ((ENV_BLOCK_S * f64::from(sample_rate)).round() as usize).max(1);
    let block_s = block as f64 / f64::from(sample_rate);
    let blocks = frames.div_ceil(block);
    let mut block_peak = vec![0.0f32; blocks];
    let mut block_sq = vec![0.0f64; blocks];
    for channel in channels {
        for (b, chunk) in channel.chunks(block).enumerate() {
            let mut peak = block_peak[b];
            let mut sq = 0.0f64;
            for &s in chunk {
                if s.is_finite() {
                    peak = peak.max(s.abs());
                    sq += f64::from(s) * f64::from(s);
                }
            }
            block_peak[b] = peak;
            block_sq[b] += sq;
        }
    }
    let samples_per_block = (block * channels.len().max(1)) as f64;
    block_sq.iter_mut().for_each(|s| *s /= samples_per_block);

    let hold = ((ENV_HOLD_S / block_s).round() as usize).max(1);
    let env: Vec<f64> = (0..blocks)
        .map(|b| {
            let start = (b + 1).saturating_sub(hold);
            f64::from(block_peak[start..=b].iter().copied().fold(0.0f32, f32::max))
        })
        .collect();

    let (peak_idx, peak) =
        env.iter()
            .copied()
            .enumerate()
            .fold(
                (0usize, 0.0f64),
                |best, (i, v)| if v > best.1 { (i, v) } else { best },
            );
    let rel_db = |v: f64| {
        if peak > 0.0 {
            amplitude_to_db(v / peak)
        } else {
            DB_FLOOR
        }
    };
    let at = |i: usize| i as f64 * block_s;
    let duration_s = frames as f64 / f64::from(sample_rate);

    let tail_blocks = ((TAIL_S / block_s).round() as usize).clamp(1, blocks.max(1));
    let tail_db = rel_db(
        env[blocks.saturating_sub(tail_blocks)..]
            .iter()
            .copied()
            .fold(0.0, f64::max),
    );

    if peak <= 0.0 {
        return TemporalFeatures {
            peak: 0.0,
            peak_s: 0.0,
            onset_s: None,
            attack_s: None,
            sustain_db: None,
            decay_20db_s: None,
            end_s: None,
            tail_db: DB_FLOOR,
            end_level_db: DB_FLOOR,
            release: None,
            noise_floor_db: Some(DB_FLOOR),
            late_rise_db: 0.0,
        };
    }

    let onset = env
        .iter()
        .position(|&v| v >= ATTACK_START * peak)
        .unwrap_or(0);
    let top = env
        .iter()
        .position(|&v| v >= ATTACK_END * peak)
        .unwrap_or(peak_idx);
    let end_threshold = peak * 10f64.powf(-END_RANGE_DB / 20.0);
    let end = env
        .iter()
        .rposition(|&v| v >= end_threshold)
        .unwrap_or(peak_idx);

    let note_end = match note_off_s {
        Some(off) if off.is_finite() && off > at(onset) => {
            ((off / block_s) as usize).min(blocks - 1)
        }
        _ => end,
    };
    let mid = onset + (note_end.saturating_sub(onset)) / 2;
    let sustain_db = Some(rel_db(env[mid]));

    let decay_20db_s = env[peak_idx..]
        .iter()
        .position(|&v| v < 0.1 * peak)
        .map(|d| d as f64 * block_s);

    let release = note_off_s
        .filter(|off| off.is_finite() && *off >= 0.0 && *off < duration_s)
        .map(|off| {
            let off_idx = ((off / block_s) as usize).min(blocks - 1);
            let after_s = duration_s - off;
            let final_blocks = (((TAIL_S.min(after_s / 2.0)) / block_s).round() as usize).max(1);
            let final_level = env[blocks.saturating_sub(final_blocks)..]
                .iter()
                .copied()
                .fold(0.0, f64::max);
            let level_at_note_off_db = rel_db(env[off_idx]);
            let final_level_db = rel_db(final_level);
            let drop_db = level_at_note_off_db - final_level_db;
            ReleaseFeatures {
                note_off_s: off,
                after_s,
                level_at_note_off_db,
                final_level_db,
                drop_db,
                rate_db_per_s: if after_s > 0.0 {
                    drop_db / after_s
                } else {
                    0.0
                },
            }
        });

    let noise_floor_db = noise_floor(&block_sq, block_s, onset, peak);

    let late_rise_db = if peak_idx as f64 >= 0.95 * blocks as f64 {
        -rel_db(env[blocks / 2])
    } else {
        0.0
    };

    TemporalFeatures {
        peak,
        peak_s: at(peak_idx),
        onset_s: Some(at(onset)),
        attack_s: Some(at(top.saturating_sub(onset))),
        sustain_db,
        decay_20db_s,
        end_s: Some(at(end + 1).min(duration_s)),
        tail_db,
        end_level_db: rel_db(
            channels
                .iter()
                .filter_map(|c| c.last())
                .filter(|s| s.is_finite())
                .fold(0.0f64, |m, s| m.max(f64::from(s.abs()))),
        ),
        release,
        noise_floor_db,
        late_rise_db,
    }
}

/// RMS of a steady, quiet end of the buffer in dB re `peak` (see
/// [`TemporalFeatures::noise_floor_db`]).
fn noise_floor(block_sq: &[f64], block_s: f64, onset: usize, peak: f64) -> Option<f64> {
    let window = ((NOISE_WINDOW_S / block_s).round() as usize).max(1);
    let needed = window * NOISE_WINDOWS;
    if block_sq.len() < onset + needed {
        return None;
    }
    let start = block_sq.len() - needed;
    let peak_db = amplitude_to_db(peak);
    let levels: Vec<f64> = block_sq[start..]
        .chunks(window)
        .map(|w| power_to_db(w.iter().sum::<f64>() / w.len() as f64) - peak_db)
        .map(|db| db.max(DB_FLOOR))
        .collect();
    let max = levels.iter().copied().fold(f64::MIN, f64::max);
    let min = levels.iter().copied().fold(f64::MAX, f64::min);
    (max - min <= NOISE_STEADY_DB && max <= NOISE_MAX_DB).then_some(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: u32 = 48_000;

    fn tone(seconds: f64, gain: impl Fn(f64) -> f64) -> Vec<Vec<f32>> {
        let frames = (seconds * f64::from(RATE)) as usize;
        let s = (0..frames)
            .map(|i| {
                let t = i as f64 / f64::from(RATE);
                (gain(t) * (2.0 * std::f64::consts::PI * 220.0 * t).sin()) as f32
            })
            .collect();
        vec![s]
    }

    #[test]
    fn linear_attack_is_measured() {
        // 200 ms linear ramp then hold: 10 %→90 % of the ramp is 160 ms.
        let f = temporal_features(&tone(1.0, |t| (t / 0.2).min(1.0) * 0.5), RATE, None);
        let a = f.attack_s.unwrap();
        assert!((a - 0.16).abs() < 0.01, "{a}");
        assert!(f.sustain_db.unwrap() > -0.5);
        assert!(f.tail_db > -0.5);
        // Stops at full level: the last sample of the 220 Hz sine is at sin(2π·220·(1 - 1/48000)).
        let last = (2.0 * std::f64::consts::PI * 220.0 * (1.0 - 1.0 / 48_000.0))
            .sin()
            .abs();
        assert!(
            (f.end_level_db - 20.0 * last.log10()).abs() < 0.01,
            "{}",
            f.end_level_db
        );
        assert_eq!(f.decay_20db_s, None);
        assert_eq!(f.noise_floor_db, None);
    }

    #[test]
    fn exponential_decay_is_measured() {
        // τ = 100 ms: -20 dB after τ·ln 10 = 230 ms; ends (-60 dB) at 691 ms.
        let f = temporal_features(&tone(1.5, |t| 0.8 * (-t / 0.1).exp()), RATE, None);
        let d = f.decay_20db_s.unwrap();
        assert!((d - 0.230).abs() < 0.015, "{d}");
        let end = f.end_s.unwrap();
        assert!((end - 0.691).abs() < 0.02, "{end}");
        // Halfway to the end is -30 dB.
        let s = f.sustain_db.unwrap();
        assert!((s + 30.0).abs() < 1.5, "{s}");
        assert!(f.attack_s.unwrap() < 0.003);
        assert!(f.tail_db < -100.0, "{}", f.tail_db);
        assert!(f.end_level_db < -100.0, "{}", f.end_level_db);
    }

    #[test]
    fn release_after_note_off() {
        // Held to 1 s, then falls 60 dB per second.
        let f = temporal_features(
            &tone(2.0, |t| {
                if t < 1.0 {
                    0.5
                } else {
                    0.5 * 10f64.powf(-3.0 * (t - 1.0))
                }
            }),
            RATE,
            Some(1.0),
        );
        let r = f.release.unwrap();
        assert!((r.after_s - 1.0).abs() < 1e-9);
        assert!(r.level_at_note_off_db > -0.5);
        // Final window = last 100 ms, whose highest point is at 1.9 s: -54 dB.
        assert!((r.final_level_db + 54.0).abs() < 1.0, "{r:?}");
        assert!((r.rate_db_per_s - 54.0).abs() < 1.0, "{r:?}");
        // A note-off past the end gives nothing.
        let f = temporal_features(&tone(0.5, |_| 0.5), RATE, Some(0.6));
        assert_eq!(f.release, None);
    }

    #[test]
    fn noise_floor_of_a_hissing_end() {
        // A 0.3 s tone then 0.5 s of a steady signal 50 dB down.
        let f = temporal_features(
            &tone(0.8, |t| {
                if t < 0.3 {
                    1.0
                } else {
                    10f64.powf(-50.0 / 20.0)
                }
            }),
            RATE,
            None,
        );
        let n = f.noise_floor_db.unwrap();
        // RMS of a sine is 3 dB below its peak.
        assert!((n + 53.0).abs() < 0.5, "{n}");
        // Digital silence after the sound counts as a floor at DB_FLOOR.
        let f = temporal_features(&tone(0.8, |t| if t < 0.3 { 1.0 } else { 0.0 }), RATE, None);
        assert_eq!(f.noise_floor_db, Some(DB_FLOOR));
    }

    #[test]
    fn growing_sound_has_late_rise() {
        let f = temporal_features(&tone(1.0, |t| 1e-3 * 10f64.powf(3.0 * t)), RATE, None);
        assert!(f.late_rise_db > 25.0, "{}", f.late_rise_db);
        let f = temporal_features(&tone(1.0, |_| 0.5), RATE, None);
        assert!(f.late_rise_db < 0.1, "{}", f.late_rise_db);
    }

    #[test]
    fn silence() {
        let f = temporal_features(&[vec![0.0; 4800]], RATE, Some(0.05));
        assert_eq!(f.attack_s, None);
        assert_eq!(f.tail_db, DB_FLOOR);
    }
}
