//! Fundamental frequency of one-shots and monophonic lines by YIN (de Cheveigné & Kawahara
//! 2002), with the nearest note and its cents offset.
//!
//! # Method
//! Frames of [`YIN_WINDOW_S`] (1014 samples at 22 050 Hz) plus the longest lag (the period
//! of [`MIN_F0_HZ`]) are taken every [`YIN_HOP_S`] (256 samples) (further apart for long inputs, so at most
//! [`MAX_FRAMES`] frames are analysed). Per frame the difference function
//! `d(τ) = Σ (x_j - x_{j+τ})²` comes from one FFT cross-correlation plus running energies,
//! is normalised by its cumulative mean (`d'`), and the first dip below [`YIN_THRESHOLD`]
//! (its local minimum) is the period, refined by parabolic interpolation of `d` at the
//! largest multiple of the period that fits (up to 16: the interpolation error divides by
//! the multiple). Frames
//! quieter than [`SILENCE_DBFS`] are skipped; a frame is voiced when its dip is below the
//! threshold. The estimate is the median pitch of the voiced frames, then the mean pitch of
//! the voiced frames within ±50 cents of that median (the attack's and release's stray
//! frames do not bias it).
//!
//! **Sub-octave check.** YIN's first dip below the threshold picks half the true period when
//! the odd harmonics are weak but clearly present (a low harp string: fundamental and 3rd
//! harmonic 20 dB below the 2nd and 4th): the shorter period already leaves a small dip.
//! A long-window spectrum resolves those partials directly. When the partials at half and
//! one and a half times the estimate both stand within [`SUB_OCTAVE_PARTIAL_DB`] of the
//! strongest of the estimate's first 8 harmonics, they are the odd harmonics of a
//! fundamental an octave lower, and that is the answer. Two partials are asked for, not
//! one: a lone component at half the estimate (a sympathetic string, a sub oscillator, hum)
//! is not a harmonic series.
//!
//! **Quint check.** An organ note with a strong quint (a 2⅔′ stop: a partial at 1.5 times the
//! note, as in FluidR3's church organ from MIDI 72 up) repeats at twice the note's period, and
//! YIN reads the octave below. Its spectrum, seen from that estimate, has partials at 2, 3, 4
//! and 6 times it and none at 1, 5 or 7. When the partials at 1, 5 and 7 times the estimate are
//! all below [`QUINT_ABSENT_DB`] while those at 2 and 3 stand within
//! [`SUB_OCTAVE_PARTIAL_DB`], the note is the octave above: the key that was played, which is
//! the root note a sampler needs. A tone that merely lacks its fundamental keeps its 5th and
//! 7th harmonics and is left alone.
//!
//! Any sample rate from [`MIN_RATE_HZ`] to [`MAX_RATE_HZ`] works (the engine passes up to
//! ~10 s at 22 050 Hz): lags scale with it.
//! `None` when fewer than [`MIN_VOICED_FRACTION`] of the non-silent frames are voiced
//! (noise, drums), or everything is silent.

use realfft::RealFftPlanner;
use serde::Serialize;

use super::finite_or_zero;
use super::key::PITCH_CLASS_NAMES;

/// Lowest fundamental searched (Hz).
pub const MIN_F0_HZ: f32 = 30.0;
/// Highest fundamental searched (Hz).
pub const MAX_F0_HZ: f32 = 4_200.0;
/// Integration window of the difference function (s); 46 ms at any rate.
pub const YIN_WINDOW_S: f32 = 0.046;
/// Hop between analysed frames (s).
pub const YIN_HOP_S: f32 = 0.0116;
/// YIN's absolute threshold on the cumulative-mean-normalised difference.
pub const YIN_THRESHOLD: f32 = 0.15;
/// Frames whose RMS is below this (dBFS) are silence.
pub const SILENCE_DBFS: f32 = -70.0;
/// Fewer voiced frames than this share of the non-silent ones: unpitched.
pub const MIN_VOICED_FRACTION: f32 = 0.2;
/// Lowest sample rate accepted (Hz).
pub const MIN_RATE_HZ: f32 = 1_000.0;
/// Highest sample rate accepted (Hz): lags and buffers scale with the rate.
pub const MAX_RATE_HZ: f32 = 384_000.0;
/// Most frames analysed.
pub const MAX_FRAMES: usize = 400;
/// The sub-octave check's partials must be at most this far (dB) below the strongest of the
/// estimate's first 8 harmonics. Chosen on the development corpus (seed 20261122): the two
/// harp notes YIN read an octave high have both partials at -19 to -21 dB; the closest
/// correct note (a harp note with a lone component at half its pitch) has its second
/// partial at -31.5 dB.
pub const SUB_OCTAVE_PARTIAL_DB: f32 = -30.0;
/// The quint check's "absent" partials are below this (dB re the strongest harmonic). Where
/// FluidR3's church organ reads an octave low, the partials at 1, 5 and 7 times the estimate
/// are -74 to -90 dB; a piano's weakest low fundamental is near -39 dB, and a real missing
/// fundamental keeps its 5th and 7th harmonics.
pub const QUINT_ABSENT_DB: f32 = -50.0;
/// Length of the sub-octave check's spectrum window (s): 16 384 samples at 22 050 Hz, bins of
/// 1.3 Hz, so the partials of a 30 Hz fundamental are resolved.
pub const SUB_OCTAVE_WINDOW_S: f32 = 0.743;
/// Shortest audio (s) the sub-octave check runs on.
const SUB_OCTAVE_MIN_S: f32 = 0.1;
/// The sub-octave window starts this long (s) after the first sample within 40 dB of the
/// peak: past the attack's broadband click.
const SUB_OCTAVE_SKIP_S: f32 = 0.02;
/// Half-width (semitones) of the band searched for a partial's peak.
const PARTIAL_BAND_SEMITONES: f32 = 0.3;

/// A pitch estimate.
#[derive(Debug, Clone, Serialize)]
pub struct PitchEstimate {
    /// Fundamental frequency (Hz).
    pub f0_hz: f32,
    /// Nearest MIDI note (69 = A4 = 440 Hz).
    pub midi_note: u8,
    /// Nearest note name with octave ("A4", "C#3"; MIDI 60 = C4).
    pub note_name: String,
    /// Offset of `f0_hz` from the nearest note (cents, -50..50).
    pub cents: f32,
    /// 0..1: periodicity of the voiced frames (1 - median YIN dip) scaled down when few
    /// frames are voiced.
    pub confidence: f32,
    /// Share of the non-silent frames that are voiced.
    pub voiced_fraction: f32,
}

/// Per-frame YIN result: fractional midi pitch and the dip depth (aperiodicity).
struct FramePitch {
    midi: f32,
    aperiodicity: f32,
}

/// Pitch of `mono` at `sample_rate_hz` (see the module docs). NaN/Inf samples read as 0.
pub fn estimate_pitch(mono: &[f32], sample_rate_hz: f32) -> Option<PitchEstimate> {
    if !sample_rate_hz.is_finite() || !(MIN_RATE_HZ..=MAX_RATE_HZ).contains(&sample_rate_hz) {
        return None;
    }
    let window = (YIN_WINDOW_S * sample_rate_hz).round() as usize;
    let max_lag = (sample_rate_hz / MIN_F0_HZ).ceil() as usize;
    let min_lag = ((sample_rate_hz / MAX_F0_HZ).floor() as usize).max(2);
    let frame_len = window + max_lag + 1;
    if mono.len() < frame_len {
        return None;
    }
    let fft_len = frame_len.next_power_of_two();
    let mut planner = RealFftPlanner::<f64>::new();
    let forward = planner.plan_fft_forward(fft_len);
    let inverse = planner.plan_fft_inverse(fft_len);
    let mut a_buf = forward.make_input_vec();
    let mut b_buf = forward.make_input_vec();
    let mut a_spec = forward.make_output_vec();
    let mut b_spec = forward.make_output_vec();
    let mut corr = inverse.make_output_vec();
    let mut diff = vec![0.0f64; max_lag + 1];
    let mut cmnd = vec![0.0f64; max_lag + 1];
    let mut energy_prefix = vec![0.0f64; frame_len + 1];

    let hop = ((YIN_HOP_S * sample_rate_hz).round() as usize)
        .max(1)
        .max((mono.len() - frame_len) / MAX_FRAMES + 1);
    let silence_power = f64::from(10f32.powf(SILENCE_DBFS / 10.0));
    let mut frames: Vec<FramePitch> = Vec::new();
    let mut loud_frames = 0usize;
    let mut start = 0usize;
    while start + frame_len <= mono.len() {
        let segment = &mono[start..start + frame_len];
        start += hop;
        for (i, &s) in segment.iter().enumerate() {
            let v = f64::from(finite_or_zero(s));
            b_buf[i] = v;
            a_buf[i] = if i < window { v } else { 0.0 };
            energy_prefix[i + 1] = energy_prefix[i] + v * v;
        }
        for i in frame_len..fft_len {
            a_buf[i] = 0.0;
            b_buf[i] = 0.0;
        }
        let energy0 = energy_prefix[window];
        if energy0 / window as f64 <= silence_power {
            continue;
        }
        loud_frames += 1;
        if forward.process(&mut a_buf, &mut a_spec).is_err()
            || forward.process(&mut b_buf, &mut b_spec).is_err()
        {
            continue;
        }
        // corr(τ) = Σ_j a_j b_{j+τ}: the spectrum of b times the conjugate spectrum of a.
        for (b, a) in b_spec.iter_mut().zip(&a_spec) {
            *b *= a.conj();
        }
        // The inverse real FFT needs purely real DC and Nyquist bins.
        if let Some(first) = b_spec.first_mut() {
            first.im = 0.0;
        }
        if let Some(last) = b_spec.last_mut() {
            last.im = 0.0;
        }
        if inverse.process(&mut b_spec, &mut corr).is_err() {
            continue;
        }
        let scale = 1.0 / fft_len as f64;
        for tau in 0..=max_lag {
            let shifted_energy = energy_prefix[tau + window] - energy_prefix[tau];
            diff[tau] = (energy0 + shifted_energy - 2.0 * corr[tau] * scale).max(0.0);
        }
        cmnd[0] = 1.0;
        let mut running = 0.0;
        for tau in 1..=max_lag {
            running += diff[tau];
            cmnd[tau] = if running > 0.0 {
                diff[tau] * tau as f64 / running
            } else {
                1.0
            };
        }
        if let Some(frame) = pick_period(&diff, &cmnd, min_lag, max_lag, sample_rate_hz) {
            frames.push(frame);
        }
    }
    if loud_frames == 0 {
        return None;
    }
    let voiced: Vec<&FramePitch> = frames
        .iter()
        .filter(|f| f.aperiodicity < f64::from(YIN_THRESHOLD) as f32)
        .collect();
    let voiced_fraction = voiced.len() as f32 / loud_frames as f32;
    if voiced.is_empty() || voiced_fraction < MIN_VOICED_FRACTION {
        return None;
    }
    let mut pitches: Vec<f32> = voiced.iter().map(|f| f.midi).collect();
    pitches.sort_by(f32::total_cmp);
    let median = pitches[pitches.len() / 2];
    let near: Vec<f32> = pitches
        .iter()
        .copied()
        .filter(|p| (p - median).abs() <= 0.5)
        .collect();
    let mut midi = if near.is_empty() {
        median
    } else {
        near.iter().sum::<f32>() / near.len() as f32
    };
    let estimate_hz = 440.0 * 2f32.powf((midi - 69.0) / 12.0);
    match octave_check(mono, sample_rate_hz, estimate_hz, &mut planner) {
        OctaveCheck::Keep => {}
        OctaveCheck::Down => midi -= 12.0,
        OctaveCheck::Up => midi += 12.0,
    }
    let mut dips: Vec<f32> = voiced.iter().map(|f| f.aperiodicity).collect();
    dips.sort_by(f32::total_cmp);
    let median_dip = dips[dips.len() / 2];
    let confidence = ((1.0 - median_dip) * (voiced_fraction / 0.5).min(1.0)).clamp(0.0, 1.0);

    let nearest = midi.round().clamp(0.0, 127.0);
    let midi_note = nearest as u8;
    let cents = ((midi - nearest) * 100.0).clamp(-50.0, 50.0);
    let f0_hz = 440.0 * 2f32.powf((midi - 69.0) / 12.0);
    let octave = i32::from(midi_note) / 12 - 1;
    let note_name = format!(
        "{}{}",
        PITCH_CLASS_NAMES[usize::from(midi_note) % 12],
        octave
    );
    Some(PitchEstimate {
        f0_hz,
        midi_note,
        note_name,
        cents,
        confidence,
        voiced_fraction,
    })
}

/// What the long-window spectrum says about YIN's estimate (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OctaveCheck {
    /// The estimate stands.
    Keep,
    /// Odd harmonics of the octave below: the fundamental is an octave lower.
    Down,
    /// A note with a strong quint and no partial at the estimate: an octave higher.
    Up,
}

/// The octave checks of the module docs on a Hann-windowed spectrum of up to
/// [`SUB_OCTAVE_WINDOW_S`] from the note's start: partial levels are relative to the strongest
/// of `f0_hz`'s first 8 harmonics.
fn octave_check(
    mono: &[f32],
    sample_rate_hz: f32,
    f0_hz: f32,
    planner: &mut RealFftPlanner<f64>,
) -> OctaveCheck {
    let Some(levels) = PartialLevels::measure(mono, sample_rate_hz, f0_hz, planner) else {
        return OctaveCheck::Keep;
    };
    let stands = |ratio: f64| {
        levels
            .db(ratio)
            .is_some_and(|db| db >= SUB_OCTAVE_PARTIAL_DB)
    };
    let absent = |ratio: f64| levels.db(ratio).is_some_and(|db| db < QUINT_ABSENT_DB);
    if f0_hz / 2.0 >= MIN_F0_HZ && stands(0.5) && stands(1.5) {
        OctaveCheck::Down
    } else if 2.0 * f0_hz <= MAX_F0_HZ
        && absent(1.0)
        && absent(5.0)
        && absent(7.0)
        && stands(2.0)
        && stands(3.0)
    {
        OctaveCheck::Up
    } else {
        OctaveCheck::Keep
    }
}

/// Magnitude spectrum of a note's first [`SUB_OCTAVE_WINDOW_S`] and the level its estimate's
/// strongest harmonic sets.
struct PartialLevels {
    spectrum: Vec<f64>,
    bin_hz: f64,
    f0_hz: f64,
    strongest: f64,
}

impl PartialLevels {
    /// `None` when the note is too short, silent or has no partials at `f0_hz`'s harmonics.
    fn measure(
        mono: &[f32],
        sample_rate_hz: f32,
        f0_hz: f32,
        planner: &mut RealFftPlanner<f64>,
    ) -> Option<Self> {
        let peak = mono
            .iter()
            .map(|&s| finite_or_zero(s).abs())
            .fold(0.0f32, f32::max);
        if peak <= 0.0 {
            return None;
        }
        // The note starts at the first sample within 40 dB of the peak.
        let onset = mono
            .iter()
            .position(|&s| finite_or_zero(s).abs() >= 0.01 * peak)?;
        let fft_len = ((SUB_OCTAVE_WINDOW_S * sample_rate_hz).round() as usize).next_power_of_two();
        let start = onset + (SUB_OCTAVE_SKIP_S * sample_rate_hz).round() as usize;
        let end = (start + fft_len).min(mono.len());
        let len = end.saturating_sub(start);
        if (len as f32) < SUB_OCTAVE_MIN_S * sample_rate_hz {
            return None;
        }
        let fft = planner.plan_fft_forward(fft_len);
        let mut input = fft.make_input_vec();
        let mut spectrum = fft.make_output_vec();
        for (i, (slot, &s)) in input.iter_mut().zip(&mono[start..end]).enumerate() {
            let hann = 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / (len - 1) as f64).cos();
            *slot = f64::from(finite_or_zero(s)) * hann;
        }
        fft.process(&mut input, &mut spectrum).ok()?;
        let mut levels = Self {
            spectrum: spectrum.iter().map(|c| c.norm()).collect(),
            bin_hz: f64::from(sample_rate_hz) / fft_len as f64,
            f0_hz: f64::from(f0_hz),
            strongest: 0.0,
        };
        levels.strongest = (1..=8)
            .filter_map(|k| levels.magnitude(k as f64))
            .fold(0.0, f64::max);
        (levels.strongest > 0.0).then_some(levels)
    }

    /// Peak magnitude within ±[`PARTIAL_BAND_SEMITONES`] (at least ±1 bin) of
    /// `ratio · f0_hz`; `None` past Nyquist.
    fn magnitude(&self, ratio: f64) -> Option<f64> {
        let hz = ratio * self.f0_hz;
        let band = 2f64.powf(f64::from(PARTIAL_BAND_SEMITONES) / 12.0);
        let centre = (hz / self.bin_hz).round() as usize;
        let lo = ((hz / band / self.bin_hz).floor() as usize).min(centre.saturating_sub(1));
        let hi = ((hz * band / self.bin_hz).ceil() as usize).max(centre + 1);
        self.spectrum
            .get(lo..=hi)
            .map(|bins| bins.iter().copied().fold(0.0, f64::max))
    }

    /// The partial at `ratio · f0_hz` in dB relative to the strongest harmonic (very quiet
    /// partials read as -300 dB); `None` past Nyquist.
    fn db(&self, ratio: f64) -> Option<f32> {
        self.magnitude(ratio)
            .map(|m| (20.0 * (m.max(1e-15) / self.strongest).log10()) as f32)
    }
}

/// YIN's period choice for one frame: the first dip of `cmnd` below the threshold (walked
/// down to its local minimum), or the global minimum when none (reported as aperiodic).
fn pick_period(
    diff: &[f64],
    cmnd: &[f64],
    min_lag: usize,
    max_lag: usize,
    sample_rate_hz: f32,
) -> Option<FramePitch> {
    let threshold = f64::from(YIN_THRESHOLD);
    let mut tau = None;
    let mut t = min_lag;
    while t < max_lag {
        if cmnd[t] < threshold {
            while t + 1 < max_lag && cmnd[t + 1] < cmnd[t] {
                t += 1;
            }
            tau = Some(t);
            break;
        }
        t += 1;
    }
    let tau = match tau {
        Some(t) => t,
        None => (min_lag..max_lag).min_by(|&a, &b| cmnd[a].total_cmp(&cmnd[b]))?,
    };
    let aperiodicity = cmnd[tau] as f32;
    let coarse = tau as f64 + parabolic_offset(diff, tau);
    // A periodic signal's difference function also dips at multiples of the period. The
    // parabola's error is a fraction of a sample whatever the lag, so measuring the dip at
    // `m` periods and dividing by `m` cuts the error `m`-fold (at 1.5 kHz a period is 14
    // samples and the single-period parabola is off by ~5 cents). `m` stays below the
    // period in samples so that `m` times the coarse error cannot reach the next dip.
    let multiple = ((max_lag as f64 - 1.0) / coarse)
        .floor()
        .min(coarse.floor())
        .clamp(1.0, 16.0);
    let period = if multiple >= 2.0 {
        let centre = multiple * coarse;
        let reach = (0.5 * coarse).max(1.0);
        let lo = ((centre - reach).ceil() as usize).max(1);
        let hi = ((centre + reach).floor() as usize).min(max_lag - 1);
        match (lo..=hi).min_by(|&a, &b| diff[a].total_cmp(&diff[b])) {
            Some(t) if t > lo && t < hi => (t as f64 + parabolic_offset(diff, t)) / multiple,
            _ => coarse,
        }
    } else {
        coarse
    };
    if period.is_nan() || period <= 0.0 {
        return None;
    }
    let hz = f64::from(sample_rate_hz) / period;
    let midi = 69.0 + 12.0 * (hz / 440.0).log2();
    Some(FramePitch {
        midi: midi as f32,
        aperiodicity,
    })
}

/// Vertex offset (-0.5..0.5 samples) of the parabola through `values[i - 1..=i + 1]`.
fn parabolic_offset(values: &[f64], i: usize) -> f64 {
    let (Some(&a), Some(&b), Some(&c)) = (
        values.get(i.wrapping_sub(1)),
        values.get(i),
        values.get(i + 1),
    ) else {
        return 0.0;
    };
    let denom = a - 2.0 * b + c;
    if denom > 0.0 {
        (0.5 * (a - c) / denom).clamp(-0.5, 0.5)
    } else {
        0.0
    }
}
