//! Shared pieces of the engine benchmarks: the render request every factory preset is timed
//! with, and the two comparison chains (a simple and a rich one) written as tonewheel presets.
//! The same chains written for `fundsp` live in `benches/render.rs`, which owns that
//! dependency, so the peer never enters the product's build.

use tonewheel_audio::{AudioBuffer, MusicalContext};
use tonewheel_synth::{render_raw, Preset, RenderRequest, Result};

/// Length of every benchmark render, seconds (the issue's 8 s note).
pub const RENDER_S: f64 = 8.0;
/// Sample rate of every benchmark render.
pub const RATE_HZ: u32 = 48_000;
/// How long the comparison chains hold their note before the release, seconds.
pub const CHAIN_HOLD_S: f64 = 6.0;
/// Note of the simple chain (A2).
pub const SIMPLE_NOTE: u8 = 45;
/// Note of the rich chain (A3).
pub const RICH_NOTE: u8 = 57;

/// The request a factory preset is benchmarked with: its own preview note, velocity and hold
/// time, rendered for [`RENDER_S`] at [`RATE_HZ`], engine only.
pub fn bench_request(preset: &Preset) -> RenderRequest {
    RenderRequest {
        duration_s: RENDER_S,
        ..RenderRequest::preview(preset)
    }
}

/// The request of the comparison chains: `note` held for [`CHAIN_HOLD_S`].
pub fn chain_request(note: u8) -> RenderRequest {
    RenderRequest {
        context: MusicalContext::default(),
        duration_s: RENDER_S,
        hold_s: CHAIN_HOLD_S,
        note: f64::from(note),
        velocity: 127,
        sample_rate: RATE_HZ,
        normalise: false,
    }
}

/// The examples' RUNS argument (first command-line argument): how many times each render
/// is timed, default 5.
pub fn runs_arg() -> std::result::Result<usize, String> {
    match std::env::args().nth(1) {
        Some(a) => a
            .parse()
            .map_err(|_| format!("RUNS must be a number, got {a}")),
        None => Ok(5),
    }
}

/// Renders with the engine alone (what `render_ms` times).
pub fn render_engine(preset: &Preset, request: &RenderRequest) -> Result<AudioBuffer> {
    render_raw(preset, request)
}

/// The simple chain: sine → 4-pole ladder low-pass whose cutoff follows an ADSR →
/// amp with an ADSR → pan.
pub fn simple_chain() -> Result<Preset> {
    Preset::from_json(SIMPLE_CHAIN_JSON, "simple chain")
}

/// The rich chain: 7 detuned saws → ladder → tanh saturation → reverb → limiter.
pub fn rich_chain() -> Result<Preset> {
    Preset::from_json(RICH_CHAIN_JSON, "rich chain")
}

/// Parameters shared with the fundsp versions in `benches/render.rs`; change both together.
pub mod params {
    /// Ladder cutoff of the simple chain at rest, Hz.
    pub const SIMPLE_CUTOFF_HZ: f32 = 300.0;
    /// How far the filter envelope opens the simple chain's cutoff, semitones.
    pub const SIMPLE_ENV_SEMITONES: f32 = 36.0;
    /// Ladder resonance of both chains (0..1).
    pub const RESONANCE: f32 = 0.3;
    /// Filter envelope: attack, decay (s), sustain (0..1), release (s).
    pub const FILTER_ADSR: [f32; 4] = [0.005, 0.3, 0.3, 0.3];
    /// Amp envelope: attack, decay (s), sustain (0..1), release (s).
    pub const AMP_ADSR: [f32; 4] = [0.005, 0.2, 0.7, 0.5];
    /// Pan position of the simple chain (-1..1).
    pub const PAN: f32 = 0.3;
    /// Ladder cutoff of the rich chain, Hz.
    pub const RICH_CUTOFF_HZ: f32 = 1500.0;
    /// Saturation drive of the rich chain, dB.
    pub const DRIVE_DB: f32 = 6.0;
    /// Reverb decay (RT60) of the rich chain, s.
    pub const REVERB_DECAY_S: f32 = 2.0;
    /// Reverb wet share of the rich chain.
    pub const REVERB_MIX: f32 = 0.25;
    /// Limiter ceiling, dBFS, and release, s.
    pub const LIMITER: [f32; 2] = [-1.0, 0.1];
}

const SIMPLE_CHAIN_JSON: &str = r#"{
  "name": "Bench simple chain", "role": "bass", "version": "1.0",
  "description": "Sine into an enveloped ladder low-pass, amp envelope and pan.",
  "stages": [
    {"id": "osc", "type": "oscillator", "parameters": {"waveform": "sine", "level": 1.0}},
    {"id": "flt", "type": "ladder", "parameters": {"cutoff": {"value": 300, "unit": "Hz"}, "resonance": 0.3}},
    {"id": "fenv", "type": "adsr", "parameters": {"attack": {"value": 5, "unit": "ms"}, "decay": 0.3, "sustain": 0.3, "release": 0.3, "curve": 0}},
    {"id": "aenv", "type": "adsr", "parameters": {"attack": {"value": 5, "unit": "ms"}, "decay": 0.2, "sustain": 0.7, "release": 0.5, "curve": 0}},
    {"id": "amp", "type": "amp", "parameters": {"level": 0}},
    {"id": "pan", "type": "pan", "parameters": {"pan": 0.3}},
    {"id": "out", "type": "output", "parameters": {}}
  ],
  "connections": [
    {"from": "osc", "to": "flt"}, {"from": "flt", "to": "amp"}, {"from": "amp", "to": "pan"},
    {"from": "pan", "to": "out"},
    {"from": "fenv", "to": "flt", "parameter": "cutoff", "depth": 36},
    {"from": "aenv", "to": "amp", "parameter": "level", "depth": 1}
  ]
}"#;

const RICH_CHAIN_JSON: &str = r#"{
  "name": "Bench rich chain", "role": "lead", "version": "1.0",
  "description": "Seven detuned saws, ladder, tanh saturation, reverb and limiter.",
  "stages": [
    {"id": "saws", "type": "supersaw", "parameters": {"voices": 7, "detune": 0.35, "mix": 0.6, "width": 0.0, "level": 0.8}},
    {"id": "flt", "type": "ladder", "parameters": {"cutoff": {"value": 1500, "unit": "Hz"}, "resonance": 0.3}},
    {"id": "aenv", "type": "adsr", "parameters": {"attack": {"value": 5, "unit": "ms"}, "decay": 0.2, "sustain": 0.7, "release": 0.5, "curve": 0}},
    {"id": "amp", "type": "amp", "parameters": {"level": 0}},
    {"id": "sat", "type": "saturation", "parameters": {"curve": "tanh", "drive": {"value": 6, "unit": "dB"}}},
    {"id": "rev", "type": "reverb", "parameters": {"decay": 2.0, "mix": 0.25}},
    {"id": "lim", "type": "limiter", "parameters": {"ceiling": {"value": -1, "unit": "dB"}, "release": 0.1}},
    {"id": "out", "type": "output", "parameters": {}}
  ],
  "connections": [
    {"from": "saws", "to": "flt"}, {"from": "flt", "to": "amp"}, {"from": "amp", "to": "sat"},
    {"from": "sat", "to": "rev"}, {"from": "rev", "to": "lim"}, {"from": "lim", "to": "out"},
    {"from": "aenv", "to": "amp", "parameter": "level", "depth": 1}
  ]
}"#;
