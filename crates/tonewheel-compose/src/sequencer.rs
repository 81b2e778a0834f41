//! Pattern events → exact sample frames: the tempo map, swing and note scheduling.
//!
//! One cycle is one bar. A position in bars becomes a frame with exact rational arithmetic,
//! `frame = round(start_frame + (bar - start_bar) * beats_per_bar * 60 / bpm * sample_rate)`,
//! per tempo section, so nothing accumulates across long sessions: bar 100 000 lands on the
//! same frame as a single multiplication would put it. Tempos are exact to 1/1000 BPM.

use std::ops::Range;

use crate::error::SequenceError;
use crate::pattern::{Fraction, Pattern, Value};
use crate::theory::KeyContext;

/// Slowest supported tempo (BPM).
pub const MIN_BPM: f64 = 20.0;
/// Fastest supported tempo (BPM); the issue requires sample accuracy up to 300.
pub const MAX_BPM: f64 = 300.0;
/// Most bars a timeline may hold (about 13 hours at 120 BPM).
pub const MAX_BARS: u64 = 100_000;

/// A run of bars at one tempo.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TempoSection {
    /// Length in bars.
    pub bars: u32,
    /// Tempo in quarter notes per minute.
    pub bpm: f64,
}

#[derive(Debug, Clone, Copy)]
struct Segment {
    start_bar: i64,
    bars: i64,
    /// Frames per bar, exact.
    frames_per_bar: Fraction,
    /// Exact frame (not rounded) where the segment starts, if the sum of the earlier
    /// sections' rational lengths fits in i64 (it does for any realistic tempo list).
    start_exact: Option<Fraction>,
    /// The same in f64, the fallback when the exact sum overflows.
    start_frame: f64,
    bpm: f64,
}

/// The tempo map of a piece: sections of constant tempo, back to back.
#[derive(Debug, Clone)]
pub struct Timeline {
    segments: Vec<Segment>,
    sample_rate: u32,
    beats_per_bar: Fraction,
}

/// Round half up of an exact non-negative fraction.
fn round_half_up(x: Fraction) -> Option<i64> {
    Some(x.checked_add(Fraction::new(1, 2)?)?.floor())
}

fn bpm_fraction(bpm: f64) -> Result<Fraction, SequenceError> {
    if !(MIN_BPM..=MAX_BPM).contains(&bpm) {
        return Err(SequenceError::Tempo {
            bpm,
            min: MIN_BPM,
            max: MAX_BPM,
        });
    }
    // In range, so the rounded millibpm value fits easily.
    Fraction::new((bpm * 1000.0).round() as i64, 1000).ok_or(SequenceError::Overflow)
}

impl Timeline {
    /// A tempo map from consecutive sections in `time_signature` (beats of 1/denominator
    /// notes per bar; the tempo counts quarter notes).
    pub fn new(
        sections: &[TempoSection],
        time_signature: (u8, u8),
        sample_rate: u32,
    ) -> Result<Timeline, SequenceError> {
        if !(8000..=384_000).contains(&sample_rate) {
            return Err(SequenceError::SampleRate(sample_rate));
        }
        let (num, den) = time_signature;
        if !(1..=32).contains(&num) || ![1, 2, 4, 8, 16].contains(&den) {
            return Err(SequenceError::TimeSignature {
                numerator: num,
                denominator: den,
            });
        }
        let beats_per_bar =
            Fraction::new(i64::from(num) * 4, i64::from(den)).ok_or(SequenceError::Overflow)?;
        if sections.is_empty() || sections.iter().any(|s| s.bars == 0) {
            return Err(SequenceError::EmptyTimeline);
        }
        let total: u64 = sections.iter().map(|s| u64::from(s.bars)).sum();
        if total > MAX_BARS {
            return Err(SequenceError::Option {
                what: "timeline length",
                expected: "at most 100000 bars",
                found: total.to_string(),
            });
        }
        let mut segments = Vec::with_capacity(sections.len());
        let mut start_bar = 0i64;
        let mut start_frame = 0.0f64;
        let mut start_exact = Some(Fraction::ZERO);
        for s in sections {
            let bpm = bpm_fraction(s.bpm)?;
            // frames per bar = beats_per_bar * 60 / bpm * sample_rate
            let frames_per_bar = beats_per_bar
                .checked_mul(Fraction::int(60 * i64::from(sample_rate)))
                .and_then(|x| x.checked_div(bpm))
                .ok_or(SequenceError::Overflow)?;
            segments.push(Segment {
                start_bar,
                bars: i64::from(s.bars),
                frames_per_bar,
                start_exact,
                start_frame,
                bpm: bpm.to_f64(),
            });
            start_bar += i64::from(s.bars);
            start_frame += frames_per_bar.to_f64() * f64::from(s.bars);
            start_exact = start_exact.and_then(|x| {
                x.checked_add(frames_per_bar.checked_mul(Fraction::int(i64::from(s.bars)))?)
            });
        }
        Ok(Timeline {
            segments,
            sample_rate,
            beats_per_bar,
        })
    }

    /// One tempo for `bars` bars.
    pub fn constant(
        bpm: f64,
        bars: u32,
        time_signature: (u8, u8),
        sample_rate: u32,
    ) -> Result<Timeline, SequenceError> {
        Timeline::new(&[TempoSection { bars, bpm }], time_signature, sample_rate)
    }

    /// Sample rate in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Quarter-note beats per bar.
    pub fn beats_per_bar(&self) -> Fraction {
        self.beats_per_bar
    }

    /// Total length in bars.
    pub fn bars(&self) -> i64 {
        self.segments.last().map_or(0, |s| s.start_bar + s.bars)
    }

    fn segment_at(&self, bar: Fraction) -> &Segment {
        let idx = self
            .segments
            .iter()
            .rposition(|s| Fraction::int(s.start_bar) <= bar)
            .unwrap_or(0);
        &self.segments[idx]
    }

    /// Tempo at a position in bars (the last section's tempo continues past the end).
    pub fn bpm_at(&self, bar: Fraction) -> f64 {
        self.segment_at(bar).bpm
    }

    /// The frame of a position in bars (past the end, the last tempo continues, so tails of
    /// notes can be scheduled). Negative positions are errors.
    pub fn frame_at(&self, bar: Fraction) -> Result<u64, SequenceError> {
        if bar < Fraction::ZERO {
            return Err(SequenceError::Overflow);
        }
        let seg = self.segment_at(bar);
        let within = bar
            .checked_sub(Fraction::int(seg.start_bar))
            .and_then(|x| x.checked_mul(seg.frames_per_bar))
            .ok_or(SequenceError::Overflow)?;
        if let Some(f) = seg
            .start_exact
            .and_then(|s| s.checked_add(within))
            .and_then(round_half_up)
        {
            return u64::try_from(f).map_err(|_| SequenceError::Overflow);
        }
        Ok((seg.start_frame + within.to_f64()).round() as u64)
    }

    /// Position in bars of a frame (inverse of [`frame_at`](Self::frame_at), in f64: for
    /// automation and modulation, which need no sample-exact inverse).
    pub fn bar_at_frame(&self, frame: u64) -> f64 {
        let f = frame as f64;
        let seg = self
            .segments
            .iter()
            .rev()
            .find(|s| s.start_frame <= f)
            .unwrap_or(&self.segments[0]);
        seg.start_bar as f64 + (f - seg.start_frame) / seg.frames_per_bar.to_f64()
    }

    /// Total length in frames.
    pub fn total_frames(&self) -> Result<u64, SequenceError> {
        self.frame_at(Fraction::int(self.bars()))
    }
}

/// Swing: every second step of a grid is delayed (MPC-style percentage).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Groove {
    /// Where the off-beat step falls inside its pair of steps: 0.5 = straight, 0.667 =
    /// triplet swing, 0.75 = dotted (the MPC's swing range is 50–75 %).
    pub swing: f64,
    /// Grid steps per bar the swing applies to (8 = eighth notes, 16 = sixteenths in 4/4).
    pub steps_per_bar: u32,
}

impl Default for Groove {
    fn default() -> Self {
        Groove {
            swing: 0.5,
            steps_per_bar: 16,
        }
    }
}

/// How a track turns pattern events into notes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScheduleOptions {
    /// Swing.
    pub groove: Groove,
    /// Note length as a fraction of the event's slot (0 < gate <= 16; 1 = legato).
    pub gate: f64,
    /// Velocity 0..=1 for events that give none.
    pub velocity: f64,
    /// Semitones added to every note.
    pub transpose: i32,
    /// Octave of degree 0 (the tonic) for degree patterns.
    pub octave: i32,
    /// Key for scale degrees.
    pub key: KeyContext,
}

impl ScheduleOptions {
    /// Straight timing, gate 0.9 (slightly detached, a common default), velocity 0.8,
    /// degrees from octave 3 of `key`.
    pub fn new(key: KeyContext) -> ScheduleOptions {
        ScheduleOptions {
            groove: Groove::default(),
            gate: 0.9,
            velocity: 0.8,
            transpose: 0,
            octave: 3,
            key,
        }
    }
}

/// What a note plays: a pitch, or a drum symbol for a drum kit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoteTarget {
    /// A MIDI note.
    Pitch(u8),
    /// A drum symbol (`bd`).
    Drum(String),
}

/// A note with its exact frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteEvent {
    /// Frame of the note-on.
    pub on_frame: u64,
    /// Frame of the note-off (after `on_frame`).
    pub off_frame: u64,
    /// What plays.
    pub target: NoteTarget,
    /// MIDI velocity 1..=127.
    pub velocity: u8,
    /// Character index of the event's atom in the pattern source (for error messages).
    pub position: usize,
    /// Exact musical onset in bars (swing applied), for MIDI export.
    pub on_bar: Fraction,
    /// Exact musical end in bars.
    pub off_bar: Fraction,
}

fn milli(x: f64) -> Result<Fraction, SequenceError> {
    Fraction::new((x * 1000.0).round() as i64, 1000).ok_or(SequenceError::Overflow)
}

/// Schedules the events of `pattern` with onsets in `bars` (cycle numbers) on `timeline`.
pub fn schedule(
    pattern: &Pattern,
    timeline: &Timeline,
    bars: Range<i64>,
    options: &ScheduleOptions,
) -> Result<Vec<NoteEvent>, SequenceError> {
    let g = options.groove;
    if !(0.5..=0.75).contains(&g.swing) {
        return Err(SequenceError::Option {
            what: "swing",
            expected: "0.5..=0.75",
            found: g.swing.to_string(),
        });
    }
    if g.steps_per_bar == 0 || g.steps_per_bar > 192 || !g.steps_per_bar.is_multiple_of(2) {
        return Err(SequenceError::Option {
            what: "swing grid",
            expected: "an even number of steps per bar up to 192",
            found: g.steps_per_bar.to_string(),
        });
    }
    if !(options.gate > 0.0 && options.gate <= 16.0) {
        return Err(SequenceError::Option {
            what: "gate",
            expected: "0 < gate <= 16",
            found: options.gate.to_string(),
        });
    }
    if !(0.0..=1.0).contains(&options.velocity) {
        return Err(SequenceError::Option {
            what: "velocity",
            expected: "0..=1",
            found: options.velocity.to_string(),
        });
    }
    let steps = Fraction::int(i64::from(g.steps_per_bar));
    // Delay of a swung step: (swing - 1/2) of a pair of steps.
    let swing_delay = milli(g.swing)?
        .checked_sub(Fraction::new(1, 2).ok_or(SequenceError::Overflow)?)
        .and_then(|x| x.checked_mul(Fraction::int(2)))
        .and_then(|x| x.checked_div(steps))
        .ok_or(SequenceError::Overflow)?;
    let gate = milli(options.gate)?;
    let events = pattern.query(
        Fraction::int(bars.start),
        Fraction::int(bars.end.max(bars.start)),
    )?;
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        let target = match &e.value {
            Value::Note(m) => NoteTarget::Pitch(transpose(*m, options.transpose)?),
            Value::Degree(d) => {
                let degree = if *d >= 0 { d + 1 } else { *d };
                NoteTarget::Pitch(transpose(
                    options.key.degree(degree, options.octave)?,
                    options.transpose,
                )?)
            }
            Value::Sound(s) => NoteTarget::Drum(s.clone()),
        };
        let length = e
            .end
            .checked_sub(e.begin)
            .and_then(|l| l.checked_mul(gate))
            .ok_or(SequenceError::Overflow)?;
        let mut on = e.begin;
        let step = on.checked_mul(steps).ok_or(SequenceError::Overflow)?;
        if step.den() == 1 && step.num().rem_euclid(2) == 1 {
            on = on.checked_add(swing_delay).ok_or(SequenceError::Overflow)?;
        }
        let off = on.checked_add(length).ok_or(SequenceError::Overflow)?;
        let on_frame = timeline.frame_at(on)?;
        let off_frame = timeline.frame_at(off)?.max(on_frame + 1);
        let v = f64::from(e.velocity.unwrap_or(options.velocity as f32));
        out.push(NoteEvent {
            on_frame,
            off_frame,
            target,
            velocity: (v * 127.0).round().clamp(1.0, 127.0) as u8,
            position: e.position,
            on_bar: on,
            off_bar: off,
        });
    }
    Ok(out)
}

fn transpose(note: u8, semitones: i32) -> Result<u8, SequenceError> {
    let midi = i32::from(note) + semitones;
    u8::try_from(midi)
        .ok()
        .filter(|&m| m <= 127)
        .ok_or(SequenceError::Theory(crate::TheoryError::OutOfRange {
            midi,
        }))
}
