//! Loudness and peak levels of an [`AudioBuffer`], measured with the `ebur128` crate
//! (ITU-R BS.1770-4 / EBU R 128: K-weighting, 400 ms gating blocks, absolute gate at
//! -70 LUFS, relative gate at -10 LU; true peak by 4x polyphase oversampling below 96 kHz).

use ebur128::{EbuR128, Mode};
use serde::{Deserialize, Serialize};
use tonewheel_audio::AudioBuffer;

/// Floor used for every level in dB when the linear value is zero (digital silence), so that
/// reports stay finite and serialisable to JSON (which has no `-inf`).
pub const DB_FLOOR: f64 = -120.0;

/// Length of one BS.1770 gating block in seconds. Sounds shorter than this are measured as
/// the single (zero-padded) block that holds them: see [`measure_loudness`].
pub const GATING_BLOCK_S: f64 = 0.4;

/// Largest channel count the `ebur128` meter accepts; wider buffers are measured as mono.
const MAX_METER_CHANNELS: usize = 64;

/// Converts a linear amplitude to dB, floored at [`DB_FLOOR`].
pub fn amplitude_to_db(amplitude: f64) -> f64 {
    if amplitude > 0.0 && amplitude.is_finite() {
        (20.0 * amplitude.log10()).max(DB_FLOOR)
    } else if amplitude.is_infinite() {
        f64::MAX.log10() * 20.0
    } else {
        DB_FLOOR
    }
}

/// Converts a power (mean square, energy ratio) to dB, floored at [`DB_FLOOR`].
pub fn power_to_db(power: f64) -> f64 {
    if power > 0.0 && power.is_finite() {
        (10.0 * power.log10()).max(DB_FLOOR)
    } else {
        DB_FLOOR
    }
}

/// Loudness and peak levels of one buffer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoudnessSummary {
    /// Gated integrated loudness in LUFS (BS.1770-4). `None` when nothing passes the -70 LUFS
    /// absolute gate (silence or near-silence) or the rate/channel layout cannot be metered.
    pub integrated_lufs: Option<f64>,
    /// Maximum true peak over all channels in dBTP (floored at [`DB_FLOOR`]).
    pub true_peak_dbtp: f64,
    /// Maximum absolute sample value over all channels in dBFS (floored at [`DB_FLOOR`]).
    pub sample_peak_dbfs: f64,
    /// RMS over all channels and frames in dBFS (floored at [`DB_FLOOR`]).
    pub rms_dbfs: f64,
    /// Peak-to-loudness ratio `true_peak_dbtp - integrated_lufs` in dB (how spiky the sound
    /// is for its loudness); `None` when the loudness is `None`.
    pub plr_db: Option<f64>,
    /// True when the sound was shorter than one gating block and was zero-padded to 400 ms
    /// for the loudness measurement (the value is then the loudness of that one block).
    pub padded: bool,
}

/// Measures integrated loudness, true peak, sample peak and RMS of `audio`.
///
/// - Mono buffers are metered as one centre channel (BS.1770 weight 1.0); stereo as left and
///   right; 3 to 64 channels with the `ebur128` default map; more than 64 channels as their
///   mono downmix.
/// - Non-finite samples are measured as 0 (the quality assessment reports them separately).
/// - A buffer shorter than [`GATING_BLOCK_S`] is zero-padded to 400 ms so that a short
///   one-shot still gets a loudness: that of the one block that contains it.
/// - The sample rate must be between 16 Hz and 2.8224 MHz (the meter's range); otherwise the
///   loudness is `None` and the peaks come from the samples alone (true peak = sample peak).
pub fn measure_loudness(audio: &AudioBuffer) -> LoudnessSummary {
    let mono;
    let source = if audio.channel_count() > MAX_METER_CHANNELS {
        mono = audio.to_mono();
        &mono
    } else {
        audio
    };
    let channel_count = source.channel_count();
    let frames = source.frames();
    let rate = source.sample_rate();

    let mut sample_peak = 0.0f64;
    let mut sum_sq = 0.0f64;
    let mut all_finite = true;
    for channel in source.channels() {
        for &s in channel {
            if s.is_finite() {
                let v = f64::from(s);
                sample_peak = sample_peak.max(v.abs());
                sum_sq += v * v;
            } else {
                all_finite = false;
            }
        }
    }
    let n = (frames * channel_count).max(1) as f64;
    let rms_dbfs = power_to_db(sum_sq / n);

    let block_frames = (GATING_BLOCK_S * f64::from(rate)).ceil() as usize;
    let padded = frames < block_frames;
    let (integrated_lufs, true_peak) = match meter(source, block_frames, all_finite) {
        Some((lufs, tp)) => (lufs, tp.max(sample_peak)),
        None => (None, sample_peak),
    };
    let true_peak_dbtp = amplitude_to_db(true_peak);
    LoudnessSummary {
        integrated_lufs,
        true_peak_dbtp,
        sample_peak_dbfs: amplitude_to_db(sample_peak),
        rms_dbfs,
        plr_db: integrated_lufs.map(|i| true_peak_dbtp - i),
        padded,
    }
}

/// Runs the `ebur128` meter; returns (integrated loudness, linear true peak).
fn meter(
    source: &AudioBuffer,
    block_frames: usize,
    all_finite: bool,
) -> Option<(Option<f64>, f64)> {
    let channel_count = source.channel_count();
    let mut meter = EbuR128::new(
        u32::try_from(channel_count).ok()?,
        source.sample_rate(),
        Mode::I | Mode::TRUE_PEAK | Mode::SAMPLE_PEAK,
    )
    .ok()?;
    let frames = source.frames();
    let total = frames.max(block_frames);
    if all_finite && frames == total {
        // The common case: feed the channels as they are.
        let planes: Vec<&[f32]> = source.channels().iter().map(Vec::as_slice).collect();
        meter.add_frames_planar_f32(&planes).ok()?;
        return read_meter(&meter, channel_count);
    }
    // Otherwise feed in chunks, replacing non-finite samples and padding to one gating block,
    // without copying the whole buffer.
    const CHUNK: usize = 8192;
    let mut scratch: Vec<Vec<f32>> = vec![Vec::with_capacity(CHUNK); channel_count];
    let mut start = 0;
    while start < total {
        let end = (start + CHUNK).min(total);
        for (dst, src) in scratch.iter_mut().zip(source.channels()) {
            dst.clear();
            let real_end = end.min(frames);
            if start < real_end {
                dst.extend(
                    src[start..real_end]
                        .iter()
                        .map(|&s| if s.is_finite() { s } else { 0.0 }),
                );
            }
            dst.resize(end - start, 0.0);
        }
        let planes: Vec<&[f32]> = scratch.iter().map(Vec::as_slice).collect();
        meter.add_frames_planar_f32(&planes).ok()?;
        start = end;
    }
    read_meter(&meter, channel_count)
}

/// Integrated loudness (gated, `None` below -70 LUFS) and the largest linear true peak.
fn read_meter(meter: &EbuR128, channel_count: usize) -> Option<(Option<f64>, f64)> {
    let integrated = meter
        .loudness_global()
        .ok()
        .filter(|l| l.is_finite() && *l > -70.0);
    let mut true_peak = 0.0f64;
    for c in 0..channel_count {
        let tp = meter.true_peak(u32::try_from(c).ok()?).ok()?;
        if tp.is_finite() {
            true_peak = true_peak.max(tp);
        }
    }
    Some((integrated, true_peak))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq_hz: f64, amplitude: f64, rate: u32, seconds: f64) -> Vec<f32> {
        let frames = (seconds * f64::from(rate)) as usize;
        (0..frames)
            .map(|i| {
                (amplitude
                    * (2.0 * std::f64::consts::PI * freq_hz * i as f64 / f64::from(rate)).sin())
                    as f32
            })
            .collect()
    }

    /// EBU Tech 3341 (2016), table 1, test case 1: stereo 997 Hz sine at -23 dBFS on both
    /// channels, 20 s, must read -23.0 ± 0.1 LUFS integrated.
    #[test]
    fn tech_3341_case_1() {
        let amp = 10f64.powf(-23.0 / 20.0);
        let s = sine(997.0, amp, 48_000, 20.0);
        let audio = AudioBuffer::from_channels(48_000, vec![s.clone(), s]).unwrap();
        let l = measure_loudness(&audio);
        let i = l.integrated_lufs.unwrap();
        assert!((i + 23.0).abs() <= 0.1, "integrated {i}");
        assert!((l.sample_peak_dbfs + 23.0).abs() < 0.01);
        // A 997 Hz sine's true peak is its amplitude (within the interpolator's ripple).
        assert!(
            (l.true_peak_dbtp + 23.0).abs() < 0.2,
            "tp {}",
            l.true_peak_dbtp
        );
        // RMS of a sine is 3.01 dB below its peak.
        assert!((l.rms_dbfs + 26.01).abs() < 0.02);
        assert!(!l.padded);
    }

    /// EBU Tech 3341 test case 2: the same at -33 dBFS reads -33.0 ± 0.1 LUFS.
    #[test]
    fn tech_3341_case_2() {
        let amp = 10f64.powf(-33.0 / 20.0);
        let s = sine(997.0, amp, 48_000, 20.0);
        let audio = AudioBuffer::from_channels(48_000, vec![s.clone(), s]).unwrap();
        let i = measure_loudness(&audio).integrated_lufs.unwrap();
        assert!((i + 33.0).abs() <= 0.1, "integrated {i}");
    }

    #[test]
    fn silence_has_no_loudness_and_floored_peaks() {
        let audio = AudioBuffer::silent(48_000, 2, 48_000);
        let l = measure_loudness(&audio);
        assert_eq!(l.integrated_lufs, None);
        assert_eq!(l.plr_db, None);
        assert_eq!(l.true_peak_dbtp, DB_FLOOR);
        assert_eq!(l.sample_peak_dbfs, DB_FLOOR);
        assert_eq!(l.rms_dbfs, DB_FLOOR);
        // Serialises (no infinities).
        let json = serde_json::to_string(&l).unwrap();
        assert!(json.contains("\"integrated_lufs\":null"));
    }

    #[test]
    fn short_sound_is_padded_to_one_block() {
        // 100 ms of a 997 Hz stereo sine at -23 dBFS: a quarter of the block's energy, so
        // -23 + 10 log10(0.25) = -29.0 LUFS.
        let amp = 10f64.powf(-23.0 / 20.0);
        let s = sine(997.0, amp, 48_000, 0.1);
        let audio = AudioBuffer::from_channels(48_000, vec![s.clone(), s]).unwrap();
        let l = measure_loudness(&audio);
        assert!(l.padded);
        let i = l.integrated_lufs.unwrap();
        assert!((i + 29.02).abs() < 0.15, "integrated {i}");
    }

    #[test]
    fn inter_sample_peak_exceeds_sample_peak() {
        // fs/4 sine with 45° phase: samples at ±0.707·A, true peak A (+3 dB over sample peak).
        let frames = 48_000;
        let s: Vec<f32> = (0..frames)
            .map(|i| {
                (0.5 * (std::f64::consts::FRAC_PI_2 * i as f64 + std::f64::consts::FRAC_PI_4).sin())
                    as f32
            })
            .collect();
        let audio = AudioBuffer::from_channels(48_000, vec![s]).unwrap();
        let l = measure_loudness(&audio);
        assert!(
            (l.sample_peak_dbfs - (-9.03)).abs() < 0.05,
            "{}",
            l.sample_peak_dbfs
        );
        assert!(
            l.true_peak_dbtp > l.sample_peak_dbfs + 2.5,
            "{}",
            l.true_peak_dbtp
        );
    }

    #[test]
    fn nan_samples_are_measured_as_zero() {
        let amp = 10f64.powf(-23.0 / 20.0);
        let mut s = sine(997.0, amp, 48_000, 5.0);
        s[1000] = f32::NAN;
        s[2000] = f32::INFINITY;
        let audio = AudioBuffer::from_channels(48_000, vec![s.clone(), s]).unwrap();
        let l = measure_loudness(&audio);
        assert!((l.integrated_lufs.unwrap() + 23.0).abs() < 0.1);
        // The zeroed samples are steps in the sine, which overshoot a little between samples.
        assert!(l.true_peak_dbtp < -20.0, "{}", l.true_peak_dbtp);
    }

    #[test]
    fn db_helpers() {
        assert_eq!(amplitude_to_db(0.0), DB_FLOOR);
        assert!((amplitude_to_db(0.5) + 6.0206).abs() < 1e-3);
        assert!((power_to_db(0.01) + 20.0).abs() < 1e-9);
        assert_eq!(power_to_db(-1.0), DB_FLOOR);
    }
}
