//! A drum-kit instrument: one synth per drum symbol, each playing a drum preset.

use tonewheel_audio::MusicalContext;
use tonewheel_synth::{Preset, Synth};

use crate::error::SequenceError;

/// Default factory preset per drum symbol (Tidal/Strudel sample-name conventions mapped to
/// the factory library's 909-style kit, the conventional default of dance music).
pub const DEFAULT_KIT: [(&str, &str); 15] = [
    ("bd", "kick-909-classic"),
    ("sd", "snare-909-classic"),
    ("hh", "hat-closed-909"),
    ("oh", "hat-open-909"),
    ("cp", "clap-909-classic"),
    ("rim", "perc-rimshot"),
    ("tom", "perc-tom-mid"),
    ("lt", "perc-tom-low"),
    ("mt", "perc-tom-mid"),
    ("ht", "perc-tom-909-high"),
    ("cy", "fx-crash-cymbal"),
    ("cr", "fx-crash-cymbal"),
    ("rd", "hat-ride-metal"),
    ("cb", "perc-cowbell-808"),
    ("sh", "perc-shaker"),
];

/// The default preset id for a drum symbol.
pub fn default_drum_preset(symbol: &str) -> Option<&'static str> {
    DEFAULT_KIT
        .iter()
        .find(|(s, _)| *s == symbol)
        .map(|(_, p)| *p)
}

#[derive(Debug, Clone)]
struct Pad {
    symbol: String,
    synth: Synth,
    note: u8,
}

/// Synths keyed by drum symbol, summed into one stereo output.
#[derive(Debug, Clone)]
pub struct DrumKit {
    pads: Vec<Pad>,
    scratch_l: Vec<f32>,
    scratch_r: Vec<f32>,
}

/// Largest buffer [`DrumKit::process`] renders in one pass (longer buffers are split).
pub const DRUM_CHUNK: usize = 1024;

impl DrumKit {
    /// A kit from (symbol, preset) pairs; each pad plays its preset's preview note.
    pub fn new(
        pads: &[(String, Preset)],
        context: &MusicalContext,
        sample_rate: f32,
    ) -> Result<DrumKit, SequenceError> {
        let mut out = Vec::with_capacity(pads.len());
        for (symbol, preset) in pads {
            out.push(Pad {
                symbol: symbol.clone(),
                synth: Synth::new(preset, context, sample_rate)?,
                note: preset.preview_note,
            });
        }
        Ok(DrumKit {
            pads: out,
            scratch_l: vec![0.0; DRUM_CHUNK],
            scratch_r: vec![0.0; DRUM_CHUNK],
        })
    }

    /// A kit of factory presets for `symbols`, with `overrides` (symbol, preset id) taking
    /// precedence over [`DEFAULT_KIT`].
    pub fn from_factory(
        symbols: &[&str],
        overrides: &[(&str, &str)],
        context: &MusicalContext,
        sample_rate: f32,
    ) -> Result<DrumKit, SequenceError> {
        let mut pads = Vec::with_capacity(symbols.len());
        for &symbol in symbols {
            let id = overrides
                .iter()
                .find(|(s, _)| *s == symbol)
                .map(|(_, p)| *p)
                .or_else(|| default_drum_preset(symbol))
                .ok_or_else(|| SequenceError::UnknownDrum {
                    symbol: symbol.to_owned(),
                })?;
            let preset = tonewheel_synth::factory_preset(id)
                .ok_or_else(|| SequenceError::UnknownPreset(id.to_owned()))??;
            pads.push((symbol.to_owned(), preset));
        }
        DrumKit::new(&pads, context, sample_rate)
    }

    /// Index of the pad for `symbol`.
    pub fn pad(&self, symbol: &str) -> Option<usize> {
        self.pads.iter().position(|p| p.symbol == symbol)
    }

    /// Schedules a hit of pad `pad` `offset` frames into the next `process` buffer.
    pub fn note_on(&mut self, offset: usize, pad: usize, velocity: u8) {
        if let Some(p) = self.pads.get_mut(pad) {
            p.synth.note_on(offset, p.note, velocity);
        }
    }

    /// Schedules the release of pad `pad`.
    pub fn note_off(&mut self, offset: usize, pad: usize) {
        if let Some(p) = self.pads.get_mut(pad) {
            p.synth.note_off(offset, p.note);
        }
    }

    /// Renders all pads, summed, into `left`/`right` (overwritten). Buffers longer than
    /// [`DRUM_CHUNK`] must be split by the caller (the track renderer does); longer input is
    /// rendered only up to the chunk size.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) -> Result<(), SequenceError> {
        let n = left.len().min(right.len()).min(DRUM_CHUNK);
        left[..n].fill(0.0);
        right[..n].fill(0.0);
        for p in &mut self.pads {
            let (sl, sr) = (&mut self.scratch_l[..n], &mut self.scratch_r[..n]);
            p.synth.process(sl, sr)?;
            for i in 0..n {
                left[i] += sl[i];
                right[i] += sr[i];
            }
        }
        Ok(())
    }
}
