//! Rendering a track: scheduled notes drive an instrument chunk by chunk, each event at its
//! exact frame inside the chunk (the synth applies in-buffer offsets sample-accurately).

use tonewheel_synth::{Synth, MAX_EVENTS};

use crate::drumkit::{DrumKit, DRUM_CHUNK};
use crate::error::SequenceError;
use crate::sequencer::{NoteEvent, NoteTarget};

/// Frames rendered per `process` call.
pub const CHUNK: usize = DRUM_CHUNK;

/// What plays a track's notes.
#[derive(Debug, Clone)]
pub enum Instrument {
    /// A preset played polyphonically (voice allocation and stealing are the synth's).
    Synth(Box<Synth>),
    /// A drum kit: one synth per symbol.
    Drums(DrumKit),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum EdgeKind {
    // Offs sort before ons at the same frame, so a repeated note retriggers cleanly.
    Off,
    On,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Edge {
    frame: u64,
    kind: EdgeKind,
    /// MIDI note, or pad index for drums.
    key: u16,
    velocity: u8,
}

impl Instrument {
    fn edges(&self, events: &[NoteEvent]) -> Result<Vec<Edge>, SequenceError> {
        let mut edges = Vec::with_capacity(events.len() * 2);
        for e in events {
            let key = match (&e.target, self) {
                (NoteTarget::Pitch(n), Instrument::Synth(_)) => u16::from(*n),
                (NoteTarget::Drum(s), Instrument::Drums(kit)) => kit
                    .pad(s)
                    .ok_or_else(|| SequenceError::UnknownDrum { symbol: s.clone() })?
                    as u16,
                (NoteTarget::Drum(s), Instrument::Synth(_)) => {
                    return Err(SequenceError::UnexpectedSound {
                        symbol: s.clone(),
                        position: e.position,
                    })
                }
                (NoteTarget::Pitch(n), Instrument::Drums(_)) => {
                    return Err(SequenceError::UnknownDrum {
                        symbol: format!("note {n}"),
                    })
                }
            };
            edges.push(Edge {
                frame: e.on_frame,
                kind: EdgeKind::On,
                key,
                velocity: e.velocity,
            });
            edges.push(Edge {
                frame: e.off_frame,
                kind: EdgeKind::Off,
                key,
                velocity: 0,
            });
        }
        edges.sort();
        Ok(edges)
    }

    fn send(&mut self, offset: usize, e: &Edge) {
        match (self, e.kind) {
            (Instrument::Synth(s), EdgeKind::On) => s.note_on(offset, e.key as u8, e.velocity),
            (Instrument::Synth(s), EdgeKind::Off) => s.note_off(offset, e.key as u8),
            (Instrument::Drums(k), EdgeKind::On) => {
                k.note_on(offset, usize::from(e.key), e.velocity)
            }
            (Instrument::Drums(k), EdgeKind::Off) => k.note_off(offset, usize::from(e.key)),
        }
    }

    fn process(&mut self, left: &mut [f32], right: &mut [f32]) -> Result<(), SequenceError> {
        match self {
            Instrument::Synth(s) => Ok(s.process(left, right)?),
            Instrument::Drums(k) => k.process(left, right),
        }
    }

    /// Sets an instrument parameter (synth stage and parameter index, canonical units);
    /// drum kits have no addressable parameters and ignore it.
    pub fn set_param(&mut self, stage: usize, param: usize, value: f32) {
        if let Instrument::Synth(s) = self {
            s.set_param(stage, param, value);
        }
    }

    /// Renders `events` into `left`/`right` (overwritten; equal lengths), frame 0 of the
    /// buffers being frame 0 of the timeline. Events past the buffer are ignored.
    pub fn render(
        &mut self,
        events: &[NoteEvent],
        left: &mut [f32],
        right: &mut [f32],
    ) -> Result<(), SequenceError> {
        self.render_controlled(events, left, right, CHUNK, &mut |_, _| {})
    }

    /// Like [`render`](Self::render), calling `control(instrument, frame)` at the start of
    /// every `control_frames`-long stretch (for automation and LFOs on instrument parameters).
    pub fn render_controlled(
        &mut self,
        events: &[NoteEvent],
        left: &mut [f32],
        right: &mut [f32],
        control_frames: usize,
        control: &mut dyn FnMut(&mut Instrument, u64),
    ) -> Result<(), SequenceError> {
        let total = left.len().min(right.len());
        let step = control_frames.clamp(1, CHUNK);
        let edges = self.edges(events)?;
        let mut next = 0;
        let mut pos = 0usize;
        while pos < total {
            if pos.is_multiple_of(step) {
                control(self, pos as u64);
            }
            // Chunks end on control boundaries so the control runs at every multiple of step.
            let mut end = ((pos / step + 1) * step).min(total);
            // Hand the synth at most half its event capacity per call: split the chunk at
            // the frame of the first edge beyond that.
            let mut sent = 0;
            while next < edges.len() && (edges[next].frame as usize) < end {
                if sent == MAX_EVENTS / 2 {
                    end = (edges[next].frame as usize).max(pos + 1);
                    break;
                }
                let offset = (edges[next].frame as usize).saturating_sub(pos);
                self.send(offset, &edges[next]);
                sent += 1;
                next += 1;
            }
            self.process(&mut left[pos..end], &mut right[pos..end])?;
            pos = end;
        }
        Ok(())
    }
}
