//! The preset file format as written in JSON (seed 000 §3.2 plus voices, modulation, preview
//! settings and an output stage). These types define the published JSON Schema; loading turns
//! them into a validated [`crate::Preset`].

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A preset file.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PresetFile {
    /// Display name.
    pub name: String,
    /// Musical role: pad, bass, lead, pluck, keys, arp, kick, snare, clap, hat, perc, fx.
    pub role: String,
    /// What it sounds like, in a sentence.
    #[serde(default)]
    pub description: String,
    /// Search tags (warm, bright, dark, punchy, wide, soft, aggressive, evolving, ...).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Format version of this preset ("1.0").
    #[serde(default = "default_version")]
    pub version: String,
    /// Free-form metadata (author, created, ...).
    #[serde(default)]
    pub metadata: BTreeMap<String, serde_json::Value>,
    /// Voice allocation and playing behaviour.
    #[serde(default)]
    pub voice: VoiceFile,
    /// How the preset is auditioned.
    #[serde(default)]
    pub preview: PreviewFile,
    /// Seed of every random source in the preset (noise, sample-and-hold, supersaw phases).
    #[serde(default)]
    pub seed: u64,
    /// The DSP stages.
    pub stages: Vec<StageFile>,
    /// Audio connections and modulation routes.
    #[serde(default)]
    pub connections: Vec<ConnectionFile>,
}

fn default_version() -> String {
    "1.0".into()
}

/// Voice settings.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct VoiceFile {
    /// Maximum simultaneous notes (1..32); the oldest note is stolen beyond that.
    pub voices: u32,
    /// `poly`, `mono` (retrigger envelopes) or `legato` (glide without retrigger).
    pub mode: String,
    /// Portamento time in mono/legato mode (seconds, or `{"value": 80, "unit": "ms"}`).
    pub glide: ParamInput,
    /// How much velocity scales level: 0 = none, 1 = fully (velocity 1 is silent).
    pub velocity_sensitivity: f64,
}

impl Default for VoiceFile {
    fn default() -> Self {
        Self {
            voices: 8,
            mode: "poly".into(),
            glide: ParamInput::Number(0.0),
            velocity_sensitivity: 0.5,
        }
    }
}

/// Preview (audition) settings.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PreviewFile {
    /// Note name (`C3`, `F#2`, `Bb4`; C4 = MIDI 60) or MIDI number.
    pub note: NoteInput,
    /// How long the note is held, seconds.
    pub duration: f64,
    /// Velocity 1..127.
    pub velocity: u32,
}

impl Default for PreviewFile {
    fn default() -> Self {
        Self {
            note: NoteInput::Name("C4".into()),
            duration: 1.0,
            velocity: 100,
        }
    }
}

/// A note as a name or a MIDI number.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum NoteInput {
    /// MIDI note number 0..127.
    Midi(u32),
    /// Note name with octave (`A4` = 440 Hz = MIDI 69).
    Name(String),
}

/// A stage.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StageFile {
    /// Stable id, unique in the preset (connections and modulation refer to it).
    pub id: String,
    /// Stage type (see docs/presets.md).
    #[serde(rename = "type")]
    pub kind: String,
    /// Parameter values; omitted parameters take their defaults.
    #[serde(default)]
    pub parameters: BTreeMap<String, ParamInput>,
}

impl StageFile {
    /// A stage of type `kind` whose parameters are plain numbers in their canonical units
    /// (for building chains and sessions in code).
    pub fn with_numbers(id: &str, kind: &str, params: &[(&str, f64)]) -> StageFile {
        StageFile {
            id: id.into(),
            kind: kind.into(),
            parameters: params
                .iter()
                .map(|(k, v)| ((*k).to_owned(), ParamInput::Number(*v)))
                .collect(),
        }
    }
}

/// A parameter value: a plain number, a string (choice name or note value), a bool, or a
/// value with an explicit unit.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ParamInput {
    /// A number in the parameter's canonical unit.
    Number(f64),
    /// `true`/`false`.
    Bool(bool),
    /// A choice name (`"saw"`) or a tempo-synced note value (`"1/8d"`).
    Text(String),
    /// `{"value": 250, "unit": "ms"}`.
    WithUnit {
        /// The number (or note-value string).
        value: UnitValue,
        /// Hz, kHz, s, ms, dB, linear, %, semitones, cents, octaves, ratio, note.
        #[serde(default)]
        unit: Option<String>,
    },
}

/// The `value` inside a value-with-unit.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum UnitValue {
    /// A number.
    Number(f64),
    /// A note value or choice name.
    Text(String),
}

/// An audio connection (`from` feeds `to`) or, with `parameter`, a modulation route.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionFile {
    /// Source stage id.
    pub from: String,
    /// Destination stage id.
    pub to: String,
    /// Audio gain of the connection (linear, default 1).
    #[serde(default = "one")]
    pub weight: f64,
    /// Modulation target parameter of `to` (makes this a modulation route).
    #[serde(default)]
    pub parameter: Option<String>,
    /// Modulation depth in the target's modulation unit (semitones for frequencies and
    /// pitches, dB for levels in dB, the parameter's own unit otherwise).
    #[serde(default)]
    pub depth: Option<ParamInput>,
}

fn one() -> f64 {
    1.0
}
