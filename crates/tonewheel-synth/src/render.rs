//! Offline rendering of one note, and the always-on safety stage for previews
//! (seed 000 §5.1): DC blocking (in the engine), NaN/Inf detection, clipping detection,
//! headroom and loudness normalisation to -18 LUFS with true peak at most -6 dBTP.

use std::time::Instant;

use ebur128::{EbuR128, Mode};
use serde::Serialize;
use tonewheel_audio::{AudioBuffer, MusicalContext};

use crate::engine::Synth;
use crate::error::{Result, SynthError};
use crate::preset::Preset;

/// Loudness target of previews (seed 000 §5.1).
pub const PREVIEW_LUFS: f64 = -18.0;
/// True-peak ceiling of previews: -6 dB of headroom for mixing (seed 000 §5.1).
pub const PREVIEW_TRUE_PEAK_DBTP: f64 = -6.0;
/// Longest render accepted, seconds.
pub const MAX_RENDER_S: f64 = 600.0;

/// What to render.
#[derive(Debug, Clone)]
pub struct RenderRequest {
    /// Tempo, key, metre for tempo-synced stages.
    pub context: MusicalContext,
    /// Total length in seconds (note plus tail).
    pub duration_s: f64,
    /// How long the note is held, seconds.
    pub hold_s: f64,
    /// Fractional MIDI note (so `--freq` can ask for any pitch).
    pub note: f64,
    /// Velocity 1..127.
    pub velocity: u8,
    /// Output sample rate.
    pub sample_rate: u32,
    /// Apply the preview loudness normalisation.
    pub normalise: bool,
}

impl RenderRequest {
    /// The preset's own preview: its note, velocity and hold time, a tail of two seconds
    /// (at most 8 s in all), 48 kHz, normalised.
    pub fn preview(preset: &Preset) -> RenderRequest {
        RenderRequest {
            context: MusicalContext::default(),
            duration_s: (preset.preview_duration_s + 2.0).min(8.0),
            hold_s: preset.preview_duration_s,
            note: f64::from(preset.preview_note),
            velocity: preset.preview_velocity,
            sample_rate: 48_000,
            normalise: true,
        }
    }
}

/// How the safety stage set the preview's level.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Normalisation {
    /// Integrated loudness before normalisation (LUFS); None for silence.
    pub integrated_lufs_before: Option<f64>,
    /// True peak before normalisation (dBTP).
    pub true_peak_dbtp_before: f64,
    /// Gain applied, dB.
    pub gain_db: f64,
    /// Which rule set the gain: `loudness` (reached -18 LUFS), `true_peak` (stopped at
    /// -6 dBTP, quieter than -18 LUFS), `silent` or `off`.
    pub limited_by: &'static str,
    /// Samples whose magnitude exceeded 1.0 before normalisation (would have clipped).
    pub clipped_samples_before: u64,
}

/// A rendered note.
#[derive(Debug, Clone)]
pub struct RenderResult {
    /// Stereo, planar.
    pub audio: AudioBuffer,
    /// Time spent in the engine (compile + process), milliseconds.
    pub engine_ms: f64,
    /// The safety stage's report.
    pub normalisation: Normalisation,
}

/// Integrated loudness (LUFS; None for silence) and true peak (dBTP) of a buffer, from
/// `ebur128`. (The analysis crate has the full loudness report; the synth cannot depend on
/// it, so the safety stage keeps this minimal meter.)
pub(crate) fn measure_loudness(audio: &AudioBuffer) -> (Option<f64>, f64) {
    let Ok(mut meter) = EbuR128::new(
        audio.channel_count() as u32,
        audio.sample_rate(),
        Mode::I | Mode::TRUE_PEAK,
    ) else {
        return (None, f64::NEG_INFINITY);
    };
    let planes: Vec<&[f32]> = audio.channels().iter().map(Vec::as_slice).collect();
    if meter.add_frames_planar_f32(&planes).is_err() {
        return (None, f64::NEG_INFINITY);
    }
    let integrated = meter.loudness_global().ok().filter(|l| l.is_finite());
    let tp = (0..audio.channel_count() as u32)
        .filter_map(|c| meter.true_peak(c).ok())
        .fold(0.0f64, f64::max);
    let tp_db = if tp > 0.0 {
        20.0 * tp.log10()
    } else {
        f64::NEG_INFINITY
    };
    (integrated, tp_db)
}

/// Renders one note of `preset` and runs the safety stage.
pub fn render(preset: &Preset, request: &RenderRequest) -> Result<RenderResult> {
    let started = Instant::now();
    let mut audio = render_raw(preset, request)?;
    let engine_ms = started.elapsed().as_secs_f64() * 1000.0;
    let normalisation = safety_stage(&mut audio, request.normalise);
    Ok(RenderResult {
        audio,
        engine_ms,
        normalisation,
    })
}

/// The engine alone: compiles `preset` and plays one note of it, with no safety stage
/// (no loudness measurement or normalisation; the engine's DC blocker and NaN guard still
/// run). This is what `render_ms` and the render benchmark time.
pub fn render_raw(preset: &Preset, request: &RenderRequest) -> Result<AudioBuffer> {
    let bad = |what: &'static str, expected: &str, found: String| SynthError::InvalidRequest {
        what,
        expected: expected.into(),
        found,
    };
    if !(request.duration_s > 0.0 && request.duration_s <= MAX_RENDER_S) {
        return Err(bad("duration", "0..600 s", request.duration_s.to_string()));
    }
    if !(0.0..=127.0).contains(&request.note) {
        return Err(bad("note", "MIDI 0..127", request.note.to_string()));
    }
    if request.hold_s.is_nan() || request.hold_s < 0.0 {
        return Err(bad("hold", ">= 0 s", request.hold_s.to_string()));
    }
    let rate = request.sample_rate;
    // Fractional notes: play the nearest MIDI note in a context whose A4 is shifted by the
    // remainder, so every stage (key tracking included) sees the exact pitch.
    let midi = request.note.round();
    let mut context = request.context.clone();
    context.a4_hz *= 2f64.powf((request.note - midi) / 12.0);
    let mut synth = Synth::new(preset, &context, rate as f32)?;
    let frames = (request.duration_s * f64::from(rate)).round() as usize;
    let hold = ((request.hold_s * f64::from(rate)).round() as usize).min(frames);
    let mut left = vec![0.0f32; frames];
    let mut right = vec![0.0f32; frames];
    synth.note_on(0, midi as u8, request.velocity);
    // Process in host-sized buffers; the note-off lands on its exact frame.
    const HOST_BUFFER: usize = 4096;
    let mut pos = 0;
    let mut off_sent = false;
    while pos < frames {
        let end = (pos + HOST_BUFFER).min(frames);
        if !off_sent && hold < end {
            synth.note_off(hold.saturating_sub(pos), midi as u8);
            off_sent = true;
        }
        synth.process(&mut left[pos..end], &mut right[pos..end])?;
        pos = end;
    }
    AudioBuffer::from_channels(rate, vec![left, right]).map_err(|e| SynthError::InvalidRequest {
        what: "render buffer",
        expected: "a valid buffer".into(),
        found: e.to_string(),
    })
}

/// Measures and normalises a preview: the quieter of "-18 LUFS" and "-6 dBTP" wins.
fn safety_stage(audio: &mut AudioBuffer, normalise: bool) -> Normalisation {
    let clipped = audio
        .channels()
        .iter()
        .flat_map(|c| c.iter())
        .filter(|s| s.abs() > 1.0)
        .count() as u64;
    let (integrated, tp) = measure_loudness(audio);
    let (gain_db, limited_by) = match (normalise, integrated) {
        (false, _) => (0.0, "off"),
        (true, None) => (0.0, "silent"),
        (true, Some(lufs)) => {
            let by_loudness = PREVIEW_LUFS - lufs;
            let by_peak = PREVIEW_TRUE_PEAK_DBTP - tp;
            if by_peak < by_loudness {
                (by_peak, "true_peak")
            } else {
                (by_loudness, "loudness")
            }
        }
    };
    if gain_db != 0.0 {
        audio.apply_gain_db(gain_db as f32);
    }
    Normalisation {
        integrated_lufs_before: integrated,
        true_peak_dbtp_before: tp,
        gain_db,
        limited_by,
        clipped_samples_before: clipped,
    }
}
