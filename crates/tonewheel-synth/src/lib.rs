//! The tonewheel synthesis engine: JSON presets compiled into graphs of DSP stages and played
//! by voices, offline or in real time.
//!
//! It owns the preset format ([`format`], published as a JSON Schema), validation with
//! JSON-pointer errors ([`Preset`]), the stage registry ([`spec`]), the graph compiler and
//! voice engine ([`Synth`]) and offline rendering with the always-on safety stage
//! ([`render`]). It must never allocate, lock or do I/O inside [`Synth::process`], and the
//! same preset, note and seed always render bit-identical audio.
//!
//! ```
//! use tonewheel_synth::{render, Preset, RenderRequest};
//! let json = r#"{"name": "Sine", "role": "lead", "stages": [
//!   {"id": "osc", "type": "oscillator", "parameters": {"waveform": "sine"}},
//!   {"id": "env", "type": "adsr"},
//!   {"id": "amp", "type": "amp", "parameters": {"level": 0}},
//!   {"id": "out", "type": "output"}],
//!  "connections": [{"from": "osc", "to": "amp"}, {"from": "amp", "to": "out"},
//!                  {"from": "env", "to": "amp", "parameter": "level"}]}"#;
//! let preset = Preset::from_json(json, "example").unwrap();
//! let result = render(&preset, &RenderRequest::preview(&preset)).unwrap();
//! assert_eq!(result.audio.channel_count(), 2);
//! ```

pub mod chain;
mod engine;
mod error;
mod factory;
pub mod format;
mod graph;
mod nodes;
mod preset;
mod render;
pub mod spec;
pub mod units;
mod variation;

pub use engine::{Synth, MAX_EVENTS};
pub use error::{PresetIssue, Result, SynthError};
pub use factory::{factory_ids, factory_json, factory_preset, factory_presets};
pub use nodes::{BLOCK, SLEEP_FLOOR};
pub use preset::{
    parse_note_name, Connection, Modulation, Preset, Stage, VoiceMode, MAX_PRESET_BYTES,
};
pub use render::{
    render, render_raw, Normalisation, RenderRequest, RenderResult, PREVIEW_LUFS,
    PREVIEW_TRUE_PEAK_DBTP,
};
pub use variation::vary;
