//! Acoustic descriptors of a rendered sound: the measured facts behind words like "warm",
//! "bright", "punchy", "wide" or "evolving", so that search can check that a preset called
//! warm actually measures warm.
//!
//! [`describe`] takes the audio alone (and, when known, the note-off time) and returns
//! [`Descriptors`]. Every formula is a few lines here, named by a constant, and written out
//! with its reasoning in `docs/search.md`:
//!
//! - spectrum: the long-term average power spectrum of the mono downmix ([`AverageSpectrum`],
//!   2048-point Hann frames, hop 1024) gives the centroid, brightness, warmth, the
//!   high-frequency share and the flatness (noisiness);
//! - envelope: the attack is the 10 % → 90 % rise of the peak envelope at sample resolution,
//!   decay and sustain come from [`temporal_features`];
//! - pitch: YIN's periodicity confidence ([`estimate_pitch`]) on a 2:1 decimated downmix;
//! - stereo: side energy over mid plus side energy;
//! - movement: the spread of the per-frame centroid (octaves) and of the detrended per-frame
//!   level (dB) over the note;
//! - punch: the share of the first 250 ms of energy that arrives in the first 50 ms, and the
//!   crest factor.
//!
//! Like the quality gate it never panics on content: silence, empty buffers and non-finite
//! samples give zeros (non-finite samples count as 0), and the same audio always gives the
//! same descriptors.

use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};
use serde::{Deserialize, Serialize};
use tonewheel_audio::AudioBuffer;

use crate::envelope::{temporal_features, ATTACK_END, ATTACK_START};
use crate::loudness::amplitude_to_db;
use crate::mir::estimate_pitch;
use crate::spectrum::{AverageSpectrum, FRAME_LEN, HIGH_BAND_HZ, HOP};

/// Version of the descriptor formulas: caches keyed by it are recomputed when it changes.
pub const DESCRIPTORS_VERSION: u32 = 1;

/// Centroid at which brightness is 0 (Hz): below it a sound is all rumble.
pub const BRIGHTNESS_LOW_HZ: f64 = 50.0;
/// Centroid at which brightness is 1 (Hz): white noise sampled at 48 kHz centres at 12 kHz.
/// From 50 Hz to 12.8 kHz is eight octaves; brightness is linear in octaves between them,
/// because pitch and brightness are heard on a log-frequency scale.
pub const BRIGHTNESS_HIGH_HZ: f64 = 12_800.0;
/// The "warm" band (Hz): the low mids producers boost for warmth and cut for clarity.
pub const WARM_BAND_HZ: (f64, f64) = (100.0, 500.0);
/// Lower edge of the "highs" that warmth is weighed against (Hz): above the presence band's
/// start, where boosts read as bright or harsh rather than warm.
pub const WARMTH_HIGHS_HZ: f64 = 2_000.0;
/// High-frequency shares below this (-60 dB of the total energy, the flatness measure's
/// range) read as 0: below it the share is leakage and rounding, and ordering presets by
/// it would be ordering them by noise.
pub const HF_SHARE_FLOOR: f64 = 1e-6;
/// Decimation before the pitch estimate at rates above this (Hz): YIN needs no more than
/// ~16 kHz of bandwidth, and half the samples halve its cost.
pub const PITCH_DECIMATE_ABOVE_HZ: u32 = 32_000;
/// Length of the transient window of the punch measure (s): a kick's click and body hit.
pub const PUNCH_TRANSIENT_S: f64 = 0.05;
/// Length of the reference window of the punch measure (s): what follows the hit.
pub const PUNCH_WINDOW_S: f64 = 0.25;
/// Frames quieter than this (dB below the loudest frame of the note) are left out of the
/// movement measure: a fading tail's centroid wanders without being heard as movement.
pub const MOVEMENT_RANGE_DB: f64 = 30.0;
/// Fewest frames the movement measure needs (about 85 ms at 48 kHz); fewer gives 0.
pub const MOVEMENT_MIN_FRAMES: usize = 4;
/// Centroid spread (octaves) that counts as one unit of movement: a quarter octave of spread
/// is a clearly audible filter sweep.
pub const SPECTRAL_MOVEMENT_SCALE_OCT: f64 = 0.25;
/// Level spread (dB, after removing a straight-line decay) that counts as one unit of
/// movement: 3 dB of tremolo is clearly audible.
pub const LEVEL_MOVEMENT_SCALE_DB: f64 = 3.0;

/// The acoustic descriptors of one sound (see the module documentation and
/// `docs/search.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Descriptors {
    /// Power-weighted mean frequency of the average spectrum (Hz), as in the quality gate;
    /// 0 for silence. (Amplitude weighting was tried: it lets leakage, clicks and the
    /// numerical floor of a thousand quiet bins outweigh a tone's few loud ones.)
    pub centroid_hz: f64,
    /// Centroid on a 0..1 scale, linear in octaves from [`BRIGHTNESS_LOW_HZ`] to
    /// [`BRIGHTNESS_HIGH_HZ`].
    pub brightness: f64,
    /// Energy in [`WARM_BAND_HZ`] over itself plus the energy above [`WARMTH_HIGHS_HZ`], 0..1.
    pub warmth: f64,
    /// Share of the energy above 5 kHz, 0..1 (0 below [`HF_SHARE_FLOOR`]).
    pub hf_share: f64,
    /// 10 % → 90 % rise time of the peak envelope (s), at sample resolution.
    pub attack_s: f64,
    /// From the envelope peak to 20 dB below it (s); `None` when the sound never falls that
    /// far within the buffer (it sustains).
    pub decay_s: Option<f64>,
    /// Envelope level halfway through the note, relative to the peak, linear 0..1.
    pub sustain_level: f64,
    /// From the onset to the last point within 60 dB of the peak (s).
    pub length_s: f64,
    /// Side energy over mid plus side energy, 0..1: 0 mono, 0.5 unrelated channels,
    /// 1 channels in opposite phase.
    pub width: f64,
    /// Spectral flatness of the average spectrum, 0..1 (near 1 white noise, near 0 a tone).
    pub noisiness: f64,
    /// YIN periodicity confidence, 0..1 (0 when no stable pitch was found).
    pub pitchedness: f64,
    /// The fundamental YIN found (Hz), when it found one.
    pub pitch_hz: Option<f64>,
    /// Movement over the note, 0..1: `1 - exp(-(spectral/0.25 oct + level/3 dB))`.
    pub movement: f64,
    /// Standard deviation of the per-frame log2 centroid over the note (octaves).
    pub spectral_movement_oct: f64,
    /// Standard deviation of the per-frame level after its straight-line trend (dB).
    pub level_movement_db: f64,
    /// Energy of the first 50 ms after the onset over that of the first 250 ms, 0..1:
    /// 0.2 for a steady tone, towards 1 for a hit, towards 0 for a swell.
    pub punch: f64,
    /// Sample peak over RMS from the onset to the end of the sound (dB).
    pub crest_db: f64,
}

/// One descriptor, by name: what the lexicon's descriptor terms refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Descriptor {
    /// [`Descriptors::centroid_hz`].
    CentroidHz,
    /// [`Descriptors::brightness`].
    Brightness,
    /// [`Descriptors::warmth`].
    Warmth,
    /// [`Descriptors::hf_share`].
    HfShare,
    /// [`Descriptors::attack_s`].
    AttackS,
    /// [`Descriptors::decay_s`] (a sustained sound counts as decaying over its whole length).
    DecayS,
    /// [`Descriptors::sustain_level`].
    SustainLevel,
    /// [`Descriptors::length_s`].
    LengthS,
    /// [`Descriptors::width`].
    Width,
    /// [`Descriptors::noisiness`].
    Noisiness,
    /// [`Descriptors::pitchedness`].
    Pitchedness,
    /// [`Descriptors::pitch_hz`].
    PitchHz,
    /// [`Descriptors::movement`].
    Movement,
    /// [`Descriptors::punch`].
    Punch,
    /// [`Descriptors::crest_db`].
    CrestDb,
}

impl Descriptor {
    /// Every descriptor, in a fixed order (the order of search tables).
    pub const ALL: [Descriptor; 15] = [
        Descriptor::CentroidHz,
        Descriptor::Brightness,
        Descriptor::Warmth,
        Descriptor::HfShare,
        Descriptor::AttackS,
        Descriptor::DecayS,
        Descriptor::SustainLevel,
        Descriptor::LengthS,
        Descriptor::Width,
        Descriptor::Noisiness,
        Descriptor::Pitchedness,
        Descriptor::PitchHz,
        Descriptor::Movement,
        Descriptor::Punch,
        Descriptor::CrestDb,
    ];

    /// The field name in [`Descriptors`] and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Descriptor::CentroidHz => "centroid_hz",
            Descriptor::Brightness => "brightness",
            Descriptor::Warmth => "warmth",
            Descriptor::HfShare => "hf_share",
            Descriptor::AttackS => "attack_s",
            Descriptor::DecayS => "decay_s",
            Descriptor::SustainLevel => "sustain_level",
            Descriptor::LengthS => "length_s",
            Descriptor::Width => "width",
            Descriptor::Noisiness => "noisiness",
            Descriptor::Pitchedness => "pitchedness",
            Descriptor::PitchHz => "pitch_hz",
            Descriptor::Movement => "movement",
            Descriptor::Punch => "punch",
            Descriptor::CrestDb => "crest_db",
        }
    }

    /// The descriptor with this field name.
    pub fn from_name(name: &str) -> Option<Descriptor> {
        Descriptor::ALL.into_iter().find(|d| d.name() == name)
    }

    /// Position in [`Descriptor::ALL`].
    pub fn index(self) -> usize {
        Descriptor::ALL
            .iter()
            .position(|d| *d == self)
            .unwrap_or_default()
    }
}

impl Descriptors {
    /// The value of one descriptor; `None` when it was not measurable (no pitch found).
    /// A sound that never decays by 20 dB reports its length as its decay, so sustained
    /// sounds sort as the longest-decaying ones.
    pub fn get(&self, d: Descriptor) -> Option<f64> {
        Some(match d {
            Descriptor::CentroidHz => self.centroid_hz,
            Descriptor::Brightness => self.brightness,
            Descriptor::Warmth => self.warmth,
            Descriptor::HfShare => self.hf_share,
            Descriptor::AttackS => self.attack_s,
            Descriptor::DecayS => self.decay_s.unwrap_or(self.length_s),
            Descriptor::SustainLevel => self.sustain_level,
            Descriptor::LengthS => self.length_s,
            Descriptor::Width => self.width,
            Descriptor::Noisiness => self.noisiness,
            Descriptor::Pitchedness => self.pitchedness,
            Descriptor::PitchHz => return self.pitch_hz,
            Descriptor::Movement => self.movement,
            Descriptor::Punch => self.punch,
            Descriptor::CrestDb => self.crest_db,
        })
    }

    /// Every value rounded to four significant digits, so that files written from them are
    /// short, readable and stable against last-bit differences between machines.
    pub fn rounded(&self) -> Descriptors {
        let r = round4;
        Descriptors {
            centroid_hz: r(self.centroid_hz),
            brightness: r(self.brightness),
            warmth: r(self.warmth),
            hf_share: r(self.hf_share),
            attack_s: r(self.attack_s),
            decay_s: self.decay_s.map(r),
            sustain_level: r(self.sustain_level),
            length_s: r(self.length_s),
            width: r(self.width),
            noisiness: r(self.noisiness),
            pitchedness: r(self.pitchedness),
            pitch_hz: self.pitch_hz.map(r),
            movement: r(self.movement),
            spectral_movement_oct: r(self.spectral_movement_oct),
            level_movement_db: r(self.level_movement_db),
            punch: r(self.punch),
            crest_db: r(self.crest_db),
        }
    }

    fn silent() -> Descriptors {
        Descriptors {
            centroid_hz: 0.0,
            brightness: 0.0,
            warmth: 0.0,
            hf_share: 0.0,
            attack_s: 0.0,
            decay_s: None,
            sustain_level: 0.0,
            length_s: 0.0,
            width: 0.0,
            noisiness: 0.0,
            pitchedness: 0.0,
            pitch_hz: None,
            movement: 0.0,
            spectral_movement_oct: 0.0,
            level_movement_db: 0.0,
            punch: 0.0,
            crest_db: 0.0,
        }
    }
}

/// Rounds to four significant digits (0, NaN and infinities unchanged).
fn round4(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let magnitude = x.abs().log10().floor();
    let scale = 10f64.powf(3.0 - magnitude);
    (x * scale).round() / scale
}

/// What else is known about the render.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DescribeOptions {
    /// When the note was released (s from the start): movement is measured while it is held.
    pub note_off_s: Option<f64>,
}

/// Measures the [`Descriptors`] of `audio` (any rate, any channel count).
pub fn describe(audio: &AudioBuffer, options: &DescribeOptions) -> Descriptors {
    let rate = audio.sample_rate();
    let channels = audio.channels();
    let frames = channels.first().map_or(0, Vec::len);
    if rate == 0 || frames == 0 {
        return Descriptors::silent();
    }
    let peak = channels
        .iter()
        .flat_map(|c| c.iter())
        .filter(|s| s.is_finite())
        .fold(0.0f32, |m, s| m.max(s.abs()));
    if peak <= 0.0 {
        return Descriptors::silent();
    }
    let mono = audio.to_mono();
    let mono = mono.channel(0);
    let rate_f = f64::from(rate);

    let spectrum = AverageSpectrum::compute(mono, rate);
    let centroid_hz = spectrum.centroid_hz();
    let beyond_nyquist = spectrum.nyquist_hz() + spectrum.bin_hz;
    let warm = spectrum.band_energy(WARM_BAND_HZ.0, WARM_BAND_HZ.1);
    let highs = spectrum.band_energy(WARMTH_HIGHS_HZ, beyond_nyquist);
    let warmth = if warm + highs > 0.0 {
        warm / (warm + highs)
    } else {
        0.0
    };

    let temporal = temporal_features(channels, rate, options.note_off_s);
    let (t10, t90) = attack_points(channels, peak);
    let onset_s = t10 as f64 / rate_f;
    let end_s = temporal.end_s.unwrap_or(frames as f64 / rate_f);
    let end_frame = ((end_s * rate_f) as usize).clamp(t10 + 1, frames);

    let pitch = pitch_of(mono, rate);
    let held_end_s = options
        .note_off_s
        .filter(|t| t.is_finite() && *t > onset_s)
        .map_or(end_s, |t| t.min(end_s));
    let (spectral_movement_oct, level_movement_db) = movement(
        mono,
        rate,
        onset_s,
        t90 as f64 / rate_f,
        held_end_s.max(onset_s),
    );
    let movement_units = spectral_movement_oct / SPECTRAL_MOVEMENT_SCALE_OCT
        + level_movement_db / LEVEL_MOVEMENT_SCALE_DB;

    let energy = |from: usize, to: usize| -> f64 {
        channels
            .iter()
            .map(|c| {
                c[from.min(c.len())..to.min(c.len())]
                    .iter()
                    .filter(|s| s.is_finite())
                    .map(|&s| f64::from(s) * f64::from(s))
                    .sum::<f64>()
            })
            .sum()
    };
    let transient = energy(t10, t10 + (PUNCH_TRANSIENT_S * rate_f) as usize);
    let window = energy(t10, t10 + (PUNCH_WINDOW_S * rate_f) as usize);
    let punch = if window > 0.0 {
        transient / window
    } else {
        0.0
    };
    let body = energy(t10, end_frame);
    let body_samples = ((end_frame - t10) * channels.len()) as f64;
    let crest_db = if body > 0.0 {
        amplitude_to_db(f64::from(peak) / (body / body_samples).sqrt())
    } else {
        0.0
    };

    Descriptors {
        centroid_hz,
        brightness: brightness(centroid_hz),
        warmth,
        hf_share: Some(spectrum.fraction(HIGH_BAND_HZ, beyond_nyquist))
            .filter(|s| *s >= HF_SHARE_FLOOR)
            .unwrap_or(0.0),
        attack_s: (t90 - t10) as f64 / rate_f,
        decay_s: temporal.decay_20db_s,
        sustain_level: temporal
            .sustain_db
            .map_or(0.0, |db| 10f64.powf(db / 20.0).clamp(0.0, 1.0)),
        length_s: (end_s - onset_s).max(0.0),
        width: width(channels),
        noisiness: spectrum.flatness(),
        pitchedness: pitch.as_ref().map_or(0.0, |p| f64::from(p.confidence)),
        pitch_hz: pitch.as_ref().map(|p| f64::from(p.f0_hz)),
        movement: 1.0 - (-movement_units).exp(),
        spectral_movement_oct,
        level_movement_db,
        punch,
        crest_db,
    }
}

/// Brightness of a centroid: 0 at [`BRIGHTNESS_LOW_HZ`], 1 at [`BRIGHTNESS_HIGH_HZ`],
/// linear in octaves between.
pub fn brightness(centroid_hz: f64) -> f64 {
    if centroid_hz <= BRIGHTNESS_LOW_HZ {
        return 0.0;
    }
    ((centroid_hz / BRIGHTNESS_LOW_HZ).log2() / (BRIGHTNESS_HIGH_HZ / BRIGHTNESS_LOW_HZ).log2())
        .clamp(0.0, 1.0)
}

/// First frames at which any channel reaches 10 % and 90 % of `peak`. The running maximum of
/// |x| first crosses a level exactly where a sample first does, so the peak envelope's
/// 10 %/90 % points need no envelope at all, and come at sample resolution.
fn attack_points(channels: &[Vec<f32>], peak: f32) -> (usize, usize) {
    let first_at = |level: f32| -> usize {
        channels
            .iter()
            .filter_map(|c| c.iter().position(|s| s.is_finite() && s.abs() >= level))
            .min()
            .unwrap_or(0)
    };
    let t10 = first_at(peak * ATTACK_START as f32);
    let t90 = first_at(peak * ATTACK_END as f32).max(t10);
    (t10, t90)
}

/// YIN on the mono downmix, decimated 2:1 (pair averages, a gentle low-pass) above
/// [`PITCH_DECIMATE_ABOVE_HZ`].
fn pitch_of(mono: &[f32], rate: u32) -> Option<crate::mir::PitchEstimate> {
    if rate > PITCH_DECIMATE_ABOVE_HZ {
        let half: Vec<f32> = mono
            .chunks(2)
            .map(|p| p.iter().map(|s| s * 0.5).sum::<f32>())
            .collect();
        estimate_pitch(&half, rate as f32 / 2.0)
    } else {
        estimate_pitch(mono, rate as f32)
    }
}

/// Side energy over mid plus side energy of the first two channels; 0 for mono.
fn width(channels: &[Vec<f32>]) -> f64 {
    let [left, right, ..] = channels else {
        return 0.0;
    };
    let (mut mid, mut side) = (0.0f64, 0.0f64);
    for (&l, &r) in left.iter().zip(right) {
        if !(l.is_finite() && r.is_finite()) {
            continue;
        }
        let (l, r) = (f64::from(l), f64::from(r));
        mid += (0.5 * (l + r)).powi(2);
        side += (0.5 * (l - r)).powi(2);
    }
    if mid + side > 0.0 {
        side / (mid + side)
    } else {
        0.0
    }
}

/// Spectral and level movement over the note: (standard deviation of the per-frame log2
/// centroid from `onset_s` to `end_s`, in octaves; standard deviation of the per-frame level
/// in dB from `attack_end_s` to `end_s` after its least-squares line, so a steady decay
/// does not count). Frames more than [`MOVEMENT_RANGE_DB`] below the loudest one are left
/// out.
fn movement(mono: &[f32], rate: u32, onset_s: f64, attack_end_s: f64, end_s: f64) -> (f64, f64) {
    let frames = frame_features(mono, rate);
    let hop_s = HOP as f64 / f64::from(rate);
    let centre = |i: usize| (i as f64 * HOP as f64 + FRAME_LEN as f64 / 2.0) / f64::from(rate);
    let in_note: Vec<(f64, f64, f64)> = frames
        .iter()
        .enumerate()
        .filter(|(i, _)| (onset_s..=end_s + hop_s).contains(&centre(*i)))
        .map(|(i, &(e, c))| (centre(i), e, c))
        .collect();
    let loudest = in_note.iter().map(|f| f.1).fold(0.0f64, f64::max);
    if loudest <= 0.0 {
        return (0.0, 0.0);
    }
    let floor = loudest * 10f64.powf(-MOVEMENT_RANGE_DB / 10.0);
    let loud: Vec<&(f64, f64, f64)> = in_note.iter().filter(|f| f.1 >= floor).collect();

    let centroids: Vec<f64> = loud
        .iter()
        .filter(|f| f.2 > 0.0)
        .map(|f| f.2.log2())
        .collect();
    let spectral = if centroids.len() >= MOVEMENT_MIN_FRAMES {
        std_dev(&centroids)
    } else {
        0.0
    };

    let levels: Vec<(f64, f64)> = loud
        .iter()
        .filter(|f| f.0 >= attack_end_s)
        .map(|f| (f.0, 10.0 * f.1.log10()))
        .collect();
    let level = if levels.len() >= MOVEMENT_MIN_FRAMES {
        detrended_std_dev(&levels)
    } else {
        0.0
    };
    (spectral, level)
}

/// (energy, centroid Hz) of every STFT frame of `mono` (Hann, [`FRAME_LEN`], [`HOP`]).
fn frame_features(mono: &[f32], rate: u32) -> Vec<(f64, f64)> {
    if mono.len() < FRAME_LEN {
        return Vec::new();
    }
    let mut planner = RealFftPlanner::<f32>::new();
    let fft: Arc<dyn RealToComplex<f32>> = planner.plan_fft_forward(FRAME_LEN);
    let mut input = fft.make_input_vec();
    let mut output = fft.make_output_vec();
    let mut scratch = fft.make_scratch_vec();
    let window: Vec<f32> = (0..FRAME_LEN)
        .map(|n| {
            (0.5 - 0.5 * (2.0 * std::f64::consts::PI * n as f64 / FRAME_LEN as f64).cos()) as f32
        })
        .collect();
    let bin_hz = f64::from(rate) / FRAME_LEN as f64;
    let count = (mono.len() - FRAME_LEN) / HOP + 1;
    let mut out = Vec::with_capacity(count);
    for f in 0..count {
        let start = f * HOP;
        for (n, slot) in input.iter_mut().enumerate() {
            let s = mono[start + n];
            *slot = if s.is_finite() { s * window[n] } else { 0.0 };
        }
        if fft
            .process_with_scratch(&mut input, &mut output, &mut scratch)
            .is_err()
        {
            out.push((0.0, 0.0));
            continue;
        }
        let (mut total, mut weighted) = (0.0f64, 0.0f64);
        // DC excluded, as in the average spectrum.
        for (k, c) in output.iter().enumerate().skip(1) {
            let p = f64::from(c.re * c.re + c.im * c.im);
            total += p;
            weighted += p * k as f64 * bin_hz;
        }
        out.push((total, if total > 0.0 { weighted / total } else { 0.0 }));
    }
    out
}

fn std_dev(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt()
}

/// Standard deviation of `y` around its least-squares line in `x`.
fn detrended_std_dev(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let residual: f64 = points
        .iter()
        .map(|p| (p.1 - my - slope * (p.0 - mx)).powi(2))
        .sum();
    (residual / n).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: u32 = 48_000;
    const TAU: f64 = std::f64::consts::TAU;

    fn buffer(channels: Vec<Vec<f32>>) -> AudioBuffer {
        AudioBuffer::from_channels(RATE, channels).unwrap()
    }

    fn signal(seconds: f64, mut f: impl FnMut(f64) -> f64) -> Vec<f32> {
        let frames = (seconds * f64::from(RATE)) as usize;
        (0..frames)
            .map(|i| f(i as f64 / f64::from(RATE)) as f32)
            .collect()
    }

    /// Uniform white noise in -1..1 from a xorshift generator (seeded: tests are exact).
    fn noise(frames: usize, seed: u64) -> Vec<f32> {
        let mut state = seed.max(1);
        (0..frames)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
            })
            .collect()
    }

    fn plain() -> DescribeOptions {
        DescribeOptions::default()
    }

    #[test]
    fn a_sine_is_pitched_dark_warm_and_not_noisy() {
        let d = describe(
            &buffer(vec![signal(2.0, |t| 0.5 * (TAU * 220.0 * t).sin())]),
            &plain(),
        );
        assert!(d.pitchedness > 0.9, "{d:?}");
        assert!((d.pitch_hz.unwrap() - 220.0).abs() < 2.0, "{d:?}");
        assert!((d.centroid_hz - 220.0).abs() < 5.0, "{d:?}");
        // log2(220/50)/8 = 0.267.
        assert!((d.brightness - 0.267).abs() < 0.01, "{d:?}");
        assert!(d.warmth > 0.999 && d.hf_share == 0.0, "{d:?}");
        assert!(d.noisiness < 0.01, "{d:?}");
        assert_eq!(d.width, 0.0);
        // A steady tone: no movement, sustain at the peak, the punch of a flat envelope
        // (50 ms of 250 ms = 0.2) and the crest of a sine (3.01 dB).
        assert!(d.movement < 0.05, "{d:?}");
        assert!(d.sustain_level > 0.95 && d.decay_s.is_none(), "{d:?}");
        assert!((d.punch - 0.2).abs() < 0.01, "{d:?}");
        assert!((d.crest_db - 3.01).abs() < 0.1, "{d:?}");
    }

    #[test]
    fn white_noise_is_bright_noisy_and_unpitched() {
        let d = describe(&buffer(vec![noise(96_000, 7)]), &plain());
        assert!(d.brightness > 0.95, "{d:?}");
        assert!(d.noisiness > 0.9, "{d:?}");
        assert!(d.pitchedness < 0.3, "{d:?}");
        // White noise spreads evenly to 24 kHz: 19/24 of it lies above 5 kHz, and the warm
        // band holds 400 Hz against 22 kHz of highs.
        assert!((d.hf_share - 19.0 / 24.0).abs() < 0.01, "{d:?}");
        assert!((d.warmth - 400.0 / 22_400.0).abs() < 0.005, "{d:?}");
    }

    #[test]
    fn attack_times_read_at_sample_resolution() {
        // Linear ramps whose 10 % -> 90 % rise lasts 1 ms and 100 ms (ramps of 1.25 ms and
        // 125 ms), on a 3 kHz sine whose crests come every 0.17 ms.
        for attack_s in [0.001, 0.1] {
            let ramp_s = attack_s / 0.8;
            let d = describe(
                &buffer(vec![signal(1.0, |t| {
                    0.5 * (t / ramp_s).min(1.0) * (TAU * 3_000.0 * t).sin()
                })]),
                &plain(),
            );
            assert!(
                (d.attack_s - attack_s).abs() < 0.25e-3 + 0.02 * attack_s,
                "{attack_s}: {d:?}"
            );
        }
    }

    #[test]
    fn a_decaying_hit_is_punchy_and_decays_on_time() {
        // -20 dB after 0.5 s: amplitude exp(-t/tau) with tau = 0.5 / ln(10).
        let tau = 0.5 / 10f64.ln();
        let d = describe(
            &buffer(vec![signal(2.0, |t| {
                (t / 0.001).min(1.0) * (-t / tau).exp() * (TAU * 1_000.0 * t).sin()
            })]),
            &plain(),
        );
        // The peak envelope holds each crest for 10 ms, so it reads a fall up to 10 ms late.
        let decay = d.decay_s.unwrap();
        assert!((0.499..=0.511).contains(&decay), "{d:?}");
        // Energy decays as exp(-2t/tau): the first 50 ms hold (1 - e^-0.46)/(1 - e^-2.30)
        // = 0.41 of the first 250 ms.
        assert!((d.punch - 0.41).abs() < 0.02, "{d:?}");
        let fast = describe(
            &buffer(vec![signal(1.0, |t| {
                (t / 0.001).min(1.0) * (-t / 0.02).exp() * (TAU * 60.0 * t).sin()
            })]),
            &plain(),
        );
        assert!(fast.punch > 0.95, "{fast:?}");
        assert!(fast.crest_db > 10.0, "{fast:?}");
    }

    /// A 110 Hz sawtooth through a one-pole low-pass whose cutoff follows `cutoff_hz(t)`.
    fn filtered_saw(seconds: f64, cutoff_hz: impl Fn(f64) -> f64) -> Vec<f32> {
        let mut state = 0.0f64;
        signal(seconds, |t| {
            let saw = 2.0 * (110.0 * t).fract() - 1.0;
            let g = 1.0 - (-TAU * cutoff_hz(t) / f64::from(RATE)).exp();
            state += g * (saw - state);
            0.5 * state
        })
    }

    #[test]
    fn a_slow_lfo_swept_filter_moves_and_a_static_one_does_not() {
        // Cutoff swept 200 Hz -> 1.6 kHz -> 200 Hz by a 0.3 Hz sine LFO (three octaves).
        let swept = describe(
            &buffer(vec![filtered_saw(4.0, |t| {
                200.0 * 2f64.powf(3.0 * (0.5 + 0.5 * (TAU * 0.3 * t).sin()))
            })]),
            &plain(),
        );
        let fixed = describe(&buffer(vec![filtered_saw(4.0, |_| 565.0)]), &plain());
        // A one-pole filter on a saw moves the centroid less than the cutoff (the saw's own
        // 6 dB/octave roll-off stays): about a quarter octave of spread here.
        assert!(swept.spectral_movement_oct > 0.2, "{swept:?}");
        assert!(swept.movement > 0.6, "{swept:?}");
        assert!(fixed.spectral_movement_oct < 0.01, "{fixed:?}");
        assert!(fixed.movement < 0.05, "{fixed:?}");
        assert!(swept.movement > fixed.movement + 0.55);
    }

    #[test]
    fn tremolo_moves_but_a_steady_decay_does_not() {
        let tremolo = describe(
            &buffer(vec![signal(3.0, |t| {
                0.5 * (1.0 + 0.5 * (TAU * 4.0 * t).sin()) * (TAU * 440.0 * t).sin()
            })]),
            &plain(),
        );
        // A straight-line fall in dB (exponential decay) is removed before the spread.
        let decay = describe(
            &buffer(vec![signal(3.0, |t| {
                0.5 * (-t / 1.0).exp() * (TAU * 440.0 * t).sin()
            })]),
            &plain(),
        );
        assert!(tremolo.level_movement_db > 2.0, "{tremolo:?}");
        assert!(decay.level_movement_db < 0.3, "{decay:?}");
        assert!(tremolo.movement > decay.movement + 0.4);
    }

    #[test]
    fn width_is_zero_for_mono_half_for_unrelated_and_one_for_opposite_channels() {
        let tone = signal(1.0, |t| 0.5 * (TAU * 330.0 * t).sin());
        assert_eq!(describe(&buffer(vec![tone.clone()]), &plain()).width, 0.0);
        let dual = describe(&buffer(vec![tone.clone(), tone.clone()]), &plain());
        assert_eq!(dual.width, 0.0);
        let unrelated = describe(&buffer(vec![noise(48_000, 3), noise(48_000, 11)]), &plain());
        assert!((unrelated.width - 0.5).abs() < 0.02, "{unrelated:?}");
        let inverted: Vec<f32> = tone.iter().map(|s| -s).collect();
        let opposite = describe(&buffer(vec![tone, inverted]), &plain());
        assert!((opposite.width - 1.0).abs() < 1e-9, "{opposite:?}");
    }

    #[test]
    fn silence_empty_and_non_finite_input_do_not_panic() {
        let silent = describe(&buffer(vec![vec![0.0; 48_000]]), &plain());
        assert_eq!(silent, Descriptors::silent());
        let empty = describe(&AudioBuffer::silent(48_000, 2, 0), &plain());
        assert_eq!(empty, Descriptors::silent());
        let no_rate = describe(&AudioBuffer::silent(0, 0, 0), &plain());
        assert_eq!(no_rate, Descriptors::silent());
        let mut broken = signal(0.5, |t| 0.5 * (TAU * 440.0 * t).sin());
        broken[100] = f32::NAN;
        broken[200] = f32::INFINITY;
        let d = describe(&buffer(vec![broken]), &plain());
        assert!((d.centroid_hz - 440.0).abs() < 20.0, "{d:?}");
        for v in Descriptor::ALL.iter().filter_map(|&k| d.get(k)) {
            assert!(v.is_finite(), "{d:?}");
        }
        let one = describe(&buffer(vec![vec![0.3]]), &plain());
        assert!(one.attack_s == 0.0 && one.length_s >= 0.0, "{one:?}");
    }

    #[test]
    fn rounding_keeps_four_significant_digits_and_names_round_trip() {
        assert_eq!(round4(1234.5678), 1235.0);
        assert_eq!(round4(0.000_123_456), 0.000_123_5);
        assert_eq!(round4(-4.567_891_2), -4.568);
        for d in Descriptor::ALL {
            assert_eq!(Descriptor::from_name(d.name()), Some(d));
            assert_eq!(Descriptor::ALL[d.index()], d);
        }
        assert_eq!(Descriptor::from_name("loudness"), None);
    }
}
