//! Sessions: a complete, serialisable description of a piece, and its deterministic render.
//!
//! A [`Session`] holds the musical context, the arrangement (sections with bar counts and
//! optional tempo changes), tracks (pattern per section → instrument → effect chain →
//! channel), return buses, the master bus and metadata. [`render`] turns it into one stem per
//! track (post-fader) and the mix: bit-identical for the same session, whatever the thread
//! scheduling (tracks render in parallel with rayon; sums run in track order).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use tonewheel_audio::{AudioBuffer, BitDepth, Dither, MusicalContext, WavOptions};
use tonewheel_synth::chain::EffectChain;
use tonewheel_synth::format::StageFile;
use tonewheel_synth::{Preset, Synth};

use crate::clip::Clip;
use crate::drumkit::DrumKit;
use crate::error::SequenceError;
use crate::mixer::{balance, db_to_gain, Automation, Channel, Lfo, CONTROL_FRAMES};
use crate::pattern::{parse_pattern, Pattern};
use crate::sequencer::{schedule, Groove, NoteEvent, ScheduleOptions, TempoSection, Timeline};
use crate::theory::KeyContext;
use crate::track::Instrument;

/// Longest session render, seconds (a long DJ mix; bounds memory from input sizes).
pub const MAX_SESSION_S: f64 = 1800.0;
/// Most tracks in a session.
pub const MAX_TRACKS: usize = 64;

fn is_default<T: Default + PartialEq>(x: &T) -> bool {
    *x == T::default()
}

/// Title and free-form description.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Genre id the session was generated from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genre: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

fn default_sample_rate() -> u32 {
    48_000
}
fn default_a4() -> f64 {
    440.0
}
fn default_tail() -> f64 {
    1.0
}

/// Tempo, key, metre, tuning, seed and output format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionContext {
    /// Tempo in quarter notes per minute (20..=300), unless a section overrides it.
    pub bpm: f64,
    /// Key such as "F minor" or "C# dorian".
    pub key: String,
    /// Beats per bar and beat unit.
    pub time_signature: [u8; 2],
    /// Seed mixed into every random source.
    #[serde(default)]
    pub seed: u64,
    /// Output sample rate in Hz.
    #[serde(default = "default_sample_rate")]
    pub sample_rate: u32,
    /// Tuning of A4 in Hz.
    #[serde(default = "default_a4")]
    pub a4_hz: f64,
    /// Seconds rendered after the last bar so releases and reverbs can ring out.
    #[serde(default = "default_tail")]
    pub tail_s: f64,
}

/// One section of the arrangement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// Name; tracks look their pattern up by it.
    pub name: String,
    /// Length in bars.
    pub bars: u32,
    /// Tempo of this section, if it differs from the session tempo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bpm: Option<f64>,
}

/// What plays a track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InstrumentSpec {
    /// A factory preset id.
    Preset(String),
    /// A drum kit: symbol → factory preset id; symbols not listed use the default kit.
    Drums(BTreeMap<String, String>),
}

/// Timing and dynamics of a track's notes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Playing {
    /// Swing (0.5 straight .. 0.75).
    #[serde(default = "Playing::straight")]
    pub swing: f64,
    /// Steps per bar the swing applies to.
    #[serde(default = "Playing::sixteenths")]
    pub swing_steps: u32,
    /// Note length as a fraction of the slot.
    #[serde(default = "Playing::gate")]
    pub gate: f64,
    /// Default velocity 0..=1.
    #[serde(default = "Playing::velocity")]
    pub velocity: f64,
    /// Octave of scale degree 0.
    #[serde(default = "Playing::octave")]
    pub octave: i32,
    /// Semitones added to every note.
    #[serde(default)]
    pub transpose: i32,
}

impl Playing {
    fn straight() -> f64 {
        0.5
    }
    fn sixteenths() -> u32 {
        16
    }
    fn gate() -> f64 {
        0.9
    }
    fn velocity() -> f64 {
        0.8
    }
    fn octave() -> i32 {
        3
    }
}

impl Default for Playing {
    fn default() -> Self {
        Playing {
            swing: Playing::straight(),
            swing_steps: Playing::sixteenths(),
            gate: Playing::gate(),
            velocity: Playing::velocity(),
            octave: Playing::octave(),
            transpose: 0,
        }
    }
}

/// Sidechain: a compressor of this track's chain keyed by another track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sidechain {
    /// Id of the keying track (its instrument output, before effects and fader).
    pub source: String,
    /// Id of the compressor stage in this track's `fx`.
    pub stage: String,
}

/// A track: patterns → instrument → effects → channel.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackSpec {
    /// Stable id (`[a-z0-9_-]`, 1-64 characters; also the stem's file name).
    pub id: String,
    /// The instrument.
    pub instrument: InstrumentSpec,
    /// Mini-notation pattern per section name; the key `default` plays in sections without
    /// their own pattern. A section with neither is silent for this track.
    pub patterns: BTreeMap<String, String>,
    /// Timing and dynamics.
    #[serde(default, skip_serializing_if = "is_default")]
    pub playing: Playing,
    /// Effect chain (preset stage format, effect types only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fx: Vec<StageFile>,
    /// Channel strip.
    #[serde(default, skip_serializing_if = "is_default")]
    pub channel: Channel,
    /// Sidechain compression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sidechain: Option<Sidechain>,
    /// Automation lanes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub automation: Vec<Automation>,
    /// LFOs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lfos: Vec<Lfo>,
    /// Exact notes (imported MIDI) played in addition to the patterns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clip: Option<Clip>,
}

/// A return bus fed by sends.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnBus {
    /// Id the sends refer to.
    pub id: String,
    /// Effect chain.
    #[serde(default)]
    pub fx: Vec<StageFile>,
    /// Level in dB.
    #[serde(default)]
    pub volume_db: f64,
}

/// The master bus.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Master {
    /// Effect chain.
    #[serde(default)]
    pub fx: Vec<StageFile>,
    /// Level in dB.
    #[serde(default)]
    pub volume_db: f64,
}

/// A complete piece.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Session {
    /// Title and description.
    #[serde(default)]
    pub metadata: Metadata,
    /// Tempo, key, metre, seed.
    pub context: SessionContext,
    /// Sections in order.
    pub arrangement: Vec<Section>,
    /// Tracks.
    pub tracks: Vec<TrackSpec>,
    /// Return buses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub returns: Vec<ReturnBus>,
    /// Master bus.
    #[serde(default)]
    pub master: Master,
}

/// Why a session could not be loaded, rendered or saved.
#[derive(Debug, Error)]
pub enum SessionError {
    /// The JSON does not match the session format.
    #[error("session JSON at {pointer}: {reason}")]
    Json {
        /// JSON pointer where parsing stopped.
        pointer: String,
        /// The parser's message.
        reason: String,
    },
    /// A value breaks the session's rules.
    #[error("session {pointer}: {reason}")]
    Invalid {
        /// JSON pointer of the offending value.
        pointer: String,
        /// What is wrong.
        reason: String,
    },
    /// Scheduling or rendering a track failed.
    #[error("track {track:?}: {source}")]
    Track {
        /// Track id.
        track: String,
        /// The cause.
        #[source]
        source: SequenceError,
    },
    /// An effect chain failed to build or went unstable.
    #[error("{what}: {source}")]
    Effects {
        /// Which chain (`tracks/2/fx`, `master/fx`).
        what: String,
        /// The cause.
        #[source]
        source: tonewheel_synth::SynthError,
    },
    /// Writing or reading files failed.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// What failed.
        reason: String,
    },
}

fn invalid(pointer: impl Into<String>, reason: impl Into<String>) -> SessionError {
    SessionError::Invalid {
        pointer: pointer.into(),
        reason: reason.into(),
    }
}

/// Stems and mix of a rendered session.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedSession {
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// (track id, left, right), post-fader, in track order.
    pub stems: Vec<(String, Vec<f32>, Vec<f32>)>,
    /// The master output, left.
    pub mix_left: Vec<f32>,
    /// The master output, right.
    pub mix_right: Vec<f32>,
}

/// A track's scheduled notes with what MIDI export needs to place them.
#[derive(Debug, Clone)]
pub struct TrackNotes {
    /// Index of the track in the session.
    pub index: usize,
    /// Track id.
    pub id: String,
    /// Time signature.
    pub time_signature: (u8, u8),
    /// Quarter-note beats per bar.
    pub beats_per_bar: crate::pattern::Fraction,
    /// (bar, BPM) at every section start.
    pub tempo_changes: Vec<(i64, f64)>,
    /// Notes in onset order.
    pub events: Vec<NoteEvent>,
}

/// A parameter an automation lane or LFO drives.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    Volume,
    Pan,
    Fx(usize, usize),
    Synth(usize, usize),
}

/// Everything validated and compiled that the render needs.
struct Plan {
    timeline: Timeline,
    key: KeyContext,
    context: MusicalContext,
    total_frames: usize,
    tracks: Vec<TrackPlan>,
    any_solo: bool,
}

struct TrackPlan {
    patterns: Vec<(i64, i64, Pattern)>,
    preset: Option<Preset>,
    drum_symbols: Vec<String>,
    lanes: Vec<(Target, Automation)>,
    lfos: Vec<(Target, Lfo)>,
    sidechain: Option<(usize, usize)>,
    sends: Vec<(usize, f32)>,
}

fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

impl Session {
    /// Parses session JSON; errors carry the JSON pointer.
    pub fn from_json(text: &str) -> Result<Session, SessionError> {
        let mut de = serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(&mut de).map_err(|e| SessionError::Json {
            pointer: crate::knowledge::json_pointer(&e.path().to_string()),
            reason: e.inner().to_string(),
        })
    }

    /// Checks everything a render checks before making sound (context, arrangement, tracks,
    /// patterns, clips, automation, routing), without rendering.
    pub fn validate(&self) -> Result<(), SessionError> {
        self.plan().map(|_| ())
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        // Serialising plain data structs with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// The JSON Schema of the session format.
    pub fn json_schema() -> String {
        let schema = schemars::schema_for!(Session);
        serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
    }

    fn plan(&self) -> Result<Plan, SessionError> {
        let c = &self.context;
        let key = KeyContext::parse(&c.key).map_err(|e| invalid("/context/key", e.to_string()))?;
        if !(400.0..=480.0).contains(&c.a4_hz) {
            return Err(invalid("/context/a4_hz", "400..=480 Hz"));
        }
        if !(0.0..=30.0).contains(&c.tail_s) {
            return Err(invalid("/context/tail_s", "0..=30 s"));
        }
        if self.arrangement.is_empty() {
            return Err(invalid("/arrangement", "at least one section"));
        }
        let sections: Vec<TempoSection> = self
            .arrangement
            .iter()
            .map(|s| TempoSection {
                bars: s.bars,
                bpm: s.bpm.unwrap_or(c.bpm),
            })
            .collect();
        let [num, den] = c.time_signature;
        let timeline = Timeline::new(&sections, (num, den), c.sample_rate)
            .map_err(|e| invalid("/arrangement", e.to_string()))?;
        let main_frames = timeline
            .total_frames()
            .map_err(|e| invalid("/arrangement", e.to_string()))?;
        let seconds = main_frames as f64 / f64::from(c.sample_rate) + c.tail_s;
        if seconds > MAX_SESSION_S {
            return Err(invalid(
                "/arrangement",
                format!("at most {MAX_SESSION_S} s in all, found {seconds:.0} s"),
            ));
        }
        let total_frames =
            main_frames as usize + (c.tail_s * f64::from(c.sample_rate)).round() as usize;
        if self.tracks.len() > MAX_TRACKS {
            return Err(invalid("/tracks", format!("at most {MAX_TRACKS} tracks")));
        }
        let mut ids = BTreeSet::new();
        for (i, t) in self.tracks.iter().enumerate() {
            if !valid_id(&t.id) {
                return Err(invalid(
                    format!("/tracks/{i}/id"),
                    "1-64 characters of a-z, 0-9, - and _",
                ));
            }
            if !ids.insert(t.id.as_str()) {
                return Err(invalid(
                    format!("/tracks/{i}/id"),
                    format!("track id {:?} is used twice", t.id),
                ));
            }
        }
        let mut bus_ids = Vec::new();
        for (i, b) in self.returns.iter().enumerate() {
            if !valid_id(&b.id) || bus_ids.contains(&b.id.as_str()) {
                return Err(invalid(
                    format!("/returns/{i}/id"),
                    "a unique id of a-z, 0-9, - and _",
                ));
            }
            bus_ids.push(b.id.as_str());
        }
        let section_names: BTreeSet<&str> =
            self.arrangement.iter().map(|s| s.name.as_str()).collect();
        let mut starts = Vec::with_capacity(self.arrangement.len());
        let mut bar = 0i64;
        for s in &self.arrangement {
            starts.push((bar, bar + i64::from(s.bars), s.name.as_str()));
            bar += i64::from(s.bars);
        }
        let context = MusicalContext {
            tempo_bpm: c.bpm,
            key: key.scale.tonic.semitones(),
            scale: key.scale.kind.name().into(),
            time_signature: (num, den),
            a4_hz: c.a4_hz,
        };
        let mut tracks = Vec::with_capacity(self.tracks.len());
        for (i, t) in self.tracks.iter().enumerate() {
            let at = |rest: &str| format!("/tracks/{i}/{rest}");
            let mut parsed: BTreeMap<&str, Pattern> = BTreeMap::new();
            for (name, text) in &t.patterns {
                if name != "default" && !section_names.contains(name.as_str()) {
                    return Err(invalid(
                        at(&format!("patterns/{name}")),
                        "a section name of the arrangement or \"default\"",
                    ));
                }
                let p = parse_pattern(text)
                    .map_err(|e| invalid(at(&format!("patterns/{name}")), e.to_string()))?;
                parsed.insert(name.as_str(), p);
            }
            let mut patterns = Vec::new();
            for &(start, end, name) in &starts {
                if let Some(p) = parsed.get(name).or_else(|| parsed.get("default")) {
                    patterns.push((start, end, p.clone()));
                }
            }
            let (preset, drum_symbols) = match &t.instrument {
                InstrumentSpec::Preset(id) => {
                    let mut p = tonewheel_synth::factory_preset(id)
                        .ok_or_else(|| {
                            invalid(at("instrument/preset"), format!("no factory preset {id:?}"))
                        })?
                        .map_err(|e| invalid(at("instrument/preset"), e.to_string()))?;
                    p.seed = p.seed.wrapping_add(c.seed);
                    (Some(p), Vec::new())
                }
                InstrumentSpec::Drums(kit) => {
                    let mut symbols = BTreeSet::new();
                    for (_, _, p) in &patterns {
                        symbols.extend(p.sounds());
                    }
                    if let Some(clip) = &t.clip {
                        symbols.extend(clip.drum_symbols().map(str::to_owned));
                    }
                    for (symbol, id) in kit {
                        if tonewheel_synth::factory_json(id).is_none() {
                            return Err(invalid(
                                at(&format!("instrument/drums/{symbol}")),
                                format!("no factory preset {id:?}"),
                            ));
                        }
                    }
                    (None, symbols.into_iter().collect())
                }
            };
            if let Some(clip) = &t.clip {
                let drums = matches!(t.instrument, InstrumentSpec::Drums(_));
                clip.check(drums).map_err(|(note, reason)| match note {
                    Some(k) => invalid(at(&format!("clip/notes/{k}")), reason),
                    None => invalid(at("clip/notes"), reason),
                })?;
            }
            let fx_ids: Vec<&str> = t.fx.iter().map(|s| s.id.as_str()).collect();
            let resolve = |target: &str, pointer: String| -> Result<Target, SessionError> {
                let parts: Vec<&str> = target.split('.').collect();
                match parts.as_slice() {
                    ["volume"] => Ok(Target::Volume),
                    ["pan"] => Ok(Target::Pan),
                    ["fx", stage, param] => {
                        let s = fx_ids
                            .iter()
                            .position(|id| id == stage)
                            .ok_or_else(|| invalid(&pointer, format!("no fx stage {stage:?}")))?;
                        let spec = tonewheel_synth::spec::stage_spec(&t.fx[s].kind)
                            .ok_or_else(|| invalid(&pointer, "unknown stage type"))?;
                        let p = spec.param_index(param).ok_or_else(|| {
                            invalid(&pointer, format!("no parameter {param:?} on {stage:?}"))
                        })?;
                        Ok(Target::Fx(s, p))
                    }
                    ["synth", stage, param] => {
                        let preset = preset.as_ref().ok_or_else(|| {
                            invalid(&pointer, "drum kits have no synth parameters")
                        })?;
                        let s = preset.stage_index(stage).ok_or_else(|| {
                            invalid(&pointer, format!("no preset stage {stage:?}"))
                        })?;
                        let p = preset.stages[s].spec.param_index(param).ok_or_else(|| {
                            invalid(&pointer, format!("no parameter {param:?} on {stage:?}"))
                        })?;
                        Ok(Target::Synth(s, p))
                    }
                    _ => Err(invalid(
                        pointer,
                        "volume, pan, fx.<stage>.<parameter> or synth.<stage>.<parameter>",
                    )),
                }
            };
            let mut lanes = Vec::new();
            for (k, a) in t.automation.iter().enumerate() {
                a.check()
                    .map_err(|r| invalid(at(&format!("automation/{k}")), r))?;
                lanes.push((
                    resolve(&a.target, at(&format!("automation/{k}/target")))?,
                    a.clone(),
                ));
            }
            let mut lfos = Vec::new();
            for (k, l) in t.lfos.iter().enumerate() {
                if !(l.period_bars > 0.0 && l.period_bars <= 1024.0 && l.depth.is_finite()) {
                    return Err(invalid(
                        at(&format!("lfos/{k}")),
                        "period_bars in (0, 1024] and a finite depth",
                    ));
                }
                lfos.push((
                    resolve(&l.target, at(&format!("lfos/{k}/target")))?,
                    l.clone(),
                ));
            }
            let sidechain = match &t.sidechain {
                None => None,
                Some(sc) => {
                    let src = self
                        .tracks
                        .iter()
                        .position(|x| x.id == sc.source)
                        .filter(|&s| s != i)
                        .ok_or_else(|| {
                            invalid(
                                at("sidechain/source"),
                                format!("no other track {:?}", sc.source),
                            )
                        })?;
                    let st =
                        t.fx.iter()
                            .position(|s| s.id == sc.stage && s.kind == "compressor")
                            .ok_or_else(|| {
                                invalid(
                                    at("sidechain/stage"),
                                    format!("no compressor stage {:?} in fx", sc.stage),
                                )
                            })?;
                    Some((src, st))
                }
            };
            let ch = &t.channel;
            if !(-120.0..=24.0).contains(&ch.volume_db) {
                return Err(invalid(at("channel/volume_db"), "-120..=24 dB"));
            }
            if !(-1.0..=1.0).contains(&ch.pan) {
                return Err(invalid(at("channel/pan"), "-1..=1"));
            }
            let mut sends = Vec::new();
            for (k, s) in ch.sends.iter().enumerate() {
                let b = bus_ids.iter().position(|id| *id == s.bus).ok_or_else(|| {
                    invalid(
                        at(&format!("channel/sends/{k}/bus")),
                        format!("no return bus {:?}", s.bus),
                    )
                })?;
                if !(-120.0..=24.0).contains(&s.level_db) {
                    return Err(invalid(
                        at(&format!("channel/sends/{k}/level_db")),
                        "-120..=24 dB",
                    ));
                }
                sends.push((b, db_to_gain(s.level_db)));
            }
            tracks.push(TrackPlan {
                patterns,
                preset,
                drum_symbols,
                lanes,
                lfos,
                sidechain,
                sends,
            });
        }
        Ok(Plan {
            timeline,
            key,
            context,
            total_frames,
            any_solo: self.tracks.iter().any(|t| t.channel.solo),
            tracks,
        })
    }
}

fn param_value(
    lanes: &[(Target, Automation)],
    lfos: &[(Target, Lfo)],
    target: Target,
    base: f64,
    bar: f64,
) -> Option<f64> {
    let lane = lanes.iter().find(|(t, _)| *t == target);
    let mods: f64 = lfos
        .iter()
        .filter(|(t, _)| *t == target)
        .map(|(_, l)| l.offset_at(bar))
        .sum();
    let has_lfo = lfos.iter().any(|(t, _)| *t == target);
    match lane {
        Some((_, a)) => Some(a.value_at(bar) + mods),
        None if has_lfo => Some(base + mods),
        None => None,
    }
}

fn targets(plan: &TrackPlan) -> Vec<Target> {
    let mut t: Vec<Target> = plan
        .lanes
        .iter()
        .map(|x| x.0)
        .chain(plan.lfos.iter().map(|x| x.0))
        .collect();
    t.dedup();
    t
}

fn track_events(
    session: &Session,
    plan: &Plan,
    index: usize,
) -> Result<Vec<NoteEvent>, SessionError> {
    let spec = &session.tracks[index];
    let pl = &spec.playing;
    let options = ScheduleOptions {
        groove: Groove {
            swing: pl.swing,
            steps_per_bar: pl.swing_steps,
        },
        gate: pl.gate,
        velocity: pl.velocity,
        transpose: pl.transpose,
        octave: pl.octave,
        key: plan.key,
    };
    let mut events: Vec<NoteEvent> = Vec::new();
    for (start, end, p) in &plan.tracks[index].patterns {
        events.extend(
            schedule(p, &plan.timeline, *start..*end, &options).map_err(|source| {
                SessionError::Track {
                    track: spec.id.clone(),
                    source,
                }
            })?,
        );
    }
    if let Some(clip) = &spec.clip {
        let drums = matches!(spec.instrument, InstrumentSpec::Drums(_));
        let notes = clip
            .events(&plan.timeline, plan.timeline.bars(), drums, pl.transpose)
            .ok_or_else(|| SessionError::Track {
                track: spec.id.clone(),
                source: SequenceError::Overflow,
            })?;
        events.extend(notes);
    }
    Ok(events)
}

impl Session {
    /// Every track's scheduled notes (what MIDI export writes).
    pub fn notes(&self) -> Result<Vec<TrackNotes>, SessionError> {
        let plan = self.plan()?;
        let mut tempo_changes = Vec::with_capacity(self.arrangement.len());
        let mut bar = 0i64;
        for s in &self.arrangement {
            tempo_changes.push((bar, s.bpm.unwrap_or(self.context.bpm)));
            bar += i64::from(s.bars);
        }
        let [num, den] = self.context.time_signature;
        (0..self.tracks.len())
            .map(|i| {
                Ok(TrackNotes {
                    index: i,
                    id: self.tracks[i].id.clone(),
                    time_signature: (num, den),
                    beats_per_bar: plan.timeline.beats_per_bar(),
                    tempo_changes: tempo_changes.clone(),
                    events: track_events(self, &plan, i)?,
                })
            })
            .collect()
    }
}

/// Phase 1: a track's instrument output (before effects and fader).
fn render_instrument(
    session: &Session,
    plan: &Plan,
    index: usize,
) -> Result<(Vec<f32>, Vec<f32>), SessionError> {
    let spec = &session.tracks[index];
    let tp = &plan.tracks[index];
    let err = |source: SequenceError| SessionError::Track {
        track: spec.id.clone(),
        source,
    };
    let sr = plan.timeline.sample_rate();
    let events = track_events(session, plan, index)?;
    let mut instrument = match (&tp.preset, &spec.instrument) {
        (Some(p), _) => Instrument::Synth(Box::new(
            Synth::new(p, &plan.context, sr as f32).map_err(|e| err(e.into()))?,
        )),
        (None, InstrumentSpec::Drums(kit)) => {
            let symbols: Vec<&str> = tp.drum_symbols.iter().map(String::as_str).collect();
            let overrides: Vec<(&str, &str)> =
                kit.iter().map(|(s, p)| (s.as_str(), p.as_str())).collect();
            Instrument::Drums(
                DrumKit::from_factory(&symbols, &overrides, &plan.context, sr as f32)
                    .map_err(err)?,
            )
        }
        (None, InstrumentSpec::Preset(id)) => {
            return Err(err(SequenceError::UnknownPreset(id.clone())))
        }
    };
    let (mut l, mut r) = (
        vec![0.0f32; plan.total_frames],
        vec![0.0f32; plan.total_frames],
    );
    let synth_targets: Vec<(Target, f64)> = targets(tp)
        .into_iter()
        .filter_map(|t| match t {
            Target::Synth(s, p) => {
                let base = tp
                    .preset
                    .as_ref()
                    .and_then(|pr| pr.stages.get(s))
                    .and_then(|st| st.spec.params.get(p))
                    .map_or(0.0, |ps| ps.default);
                Some((t, base))
            }
            _ => None,
        })
        .collect();
    if synth_targets.is_empty() {
        instrument.render(&events, &mut l, &mut r).map_err(err)?;
    } else {
        let timeline = &plan.timeline;
        let mut control = |inst: &mut Instrument, frame: u64| {
            let bar = timeline.bar_at_frame(frame);
            for &(t, base) in &synth_targets {
                if let (Target::Synth(s, p), Some(v)) =
                    (t, param_value(&tp.lanes, &tp.lfos, t, base, bar))
                {
                    inst.set_param(s, p, v as f32);
                }
            }
        };
        instrument
            .render_controlled(&events, &mut l, &mut r, CONTROL_FRAMES, &mut control)
            .map_err(err)?;
    }
    Ok((l, r))
}

/// Phase 2: effects (with the sidechain key), automation, fader and pan → the stem.
fn render_channel(
    session: &Session,
    plan: &Plan,
    index: usize,
    dry: &[(Vec<f32>, Vec<f32>)],
) -> Result<(Vec<f32>, Vec<f32>), SessionError> {
    let spec = &session.tracks[index];
    let tp = &plan.tracks[index];
    let (mut l, mut r) = dry[index].clone();
    let audible = !spec.channel.mute && (!plan.any_solo || spec.channel.solo);
    if !audible {
        l.fill(0.0);
        r.fill(0.0);
        return Ok((l, r));
    }
    let sr = plan.timeline.sample_rate() as f32;
    let what = format!("tracks/{index}/fx");
    let seed = session.context.seed ^ (index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut chain =
        EffectChain::new(&spec.fx, &plan.context, sr, seed, &what).map_err(|source| {
            SessionError::Effects {
                what: what.clone(),
                source,
            }
        })?;
    let key: Option<Vec<f32>> = tp.sidechain.map(|(src, stage)| {
        chain.set_sidechain(Some(stage));
        let (kl, kr) = &dry[src];
        kl.iter().zip(kr).map(|(a, b)| 0.5 * (a + b)).collect()
    });
    let fx_targets: Vec<(Target, f64)> = targets(tp)
        .into_iter()
        .filter_map(|t| match t {
            Target::Fx(s, p) => Some((t, f64::from(chain.param(s, p).unwrap_or(0.0)))),
            _ => None,
        })
        .collect();
    let ch = &spec.channel;
    let mut pos = 0;
    while pos < l.len() {
        let end = (pos + CONTROL_FRAMES).min(l.len());
        let bar = plan.timeline.bar_at_frame(pos as u64);
        for &(t, base) in &fx_targets {
            if let (Target::Fx(s, p), Some(v)) = (t, param_value(&tp.lanes, &tp.lfos, t, base, bar))
            {
                chain.set_param(s, p, v as f32);
            }
        }
        chain
            .process_keyed(
                &mut l[pos..end],
                &mut r[pos..end],
                key.as_deref().map(|k| &k[pos..end]),
            )
            .map_err(|source| SessionError::Effects {
                what: what.clone(),
                source,
            })?;
        let volume = param_value(&tp.lanes, &tp.lfos, Target::Volume, ch.volume_db, bar)
            .unwrap_or(ch.volume_db);
        let pan = param_value(&tp.lanes, &tp.lfos, Target::Pan, ch.pan, bar).unwrap_or(ch.pan);
        let g = db_to_gain(volume.clamp(-120.0, 24.0));
        let (gl, gr) = balance(pan);
        for i in pos..end {
            l[i] *= g * gl;
            r[i] *= g * gr;
        }
        pos = end;
    }
    Ok((l, r))
}

/// Renders every track and the mix. Deterministic: the same session gives bit-identical audio.
pub fn render(session: &Session) -> Result<RenderedSession, SessionError> {
    let plan = session.plan()?;
    let n = session.tracks.len();
    let dry: Vec<(Vec<f32>, Vec<f32>)> = (0..n)
        .into_par_iter()
        .map(|i| render_instrument(session, &plan, i))
        .collect::<Result<_, _>>()?;
    let stems: Vec<(Vec<f32>, Vec<f32>)> = (0..n)
        .into_par_iter()
        .map(|i| render_channel(session, &plan, i, &dry))
        .collect::<Result<_, _>>()?;
    drop(dry);
    let frames = plan.total_frames;
    let sr = plan.timeline.sample_rate() as f32;
    let (mut ml, mut mr) = (vec![0.0f32; frames], vec![0.0f32; frames]);
    let mut buses: Vec<(Vec<f32>, Vec<f32>)> =
        vec![(vec![0.0; frames], vec![0.0; frames]); session.returns.len()];
    for (i, (l, r)) in stems.iter().enumerate() {
        for k in 0..frames {
            ml[k] += l[k];
            mr[k] += r[k];
        }
        for &(b, g) in &plan.tracks[i].sends {
            let (bl, br) = &mut buses[b];
            for k in 0..frames {
                bl[k] += g * l[k];
                br[k] += g * r[k];
            }
        }
    }
    for (b, (bl, br)) in buses.iter_mut().enumerate() {
        let what = format!("returns/{b}/fx");
        let bus = &session.returns[b];
        let mut chain = EffectChain::new(
            &bus.fx,
            &plan.context,
            sr,
            session.context.seed ^ 0xB05,
            &what,
        )
        .map_err(|source| SessionError::Effects {
            what: what.clone(),
            source,
        })?;
        chain
            .process(bl, br)
            .map_err(|source| SessionError::Effects {
                what: what.clone(),
                source,
            })?;
        let g = db_to_gain(bus.volume_db.clamp(-120.0, 24.0));
        for k in 0..frames {
            ml[k] += g * bl[k];
            mr[k] += g * br[k];
        }
    }
    let what = "master/fx".to_string();
    let mut master = EffectChain::new(
        &session.master.fx,
        &plan.context,
        sr,
        session.context.seed ^ 0x3A5,
        &what,
    )
    .map_err(|source| SessionError::Effects {
        what: what.clone(),
        source,
    })?;
    master
        .process(&mut ml, &mut mr)
        .map_err(|source| SessionError::Effects {
            what: what.clone(),
            source,
        })?;
    let g = db_to_gain(session.master.volume_db.clamp(-120.0, 24.0));
    for k in 0..frames {
        ml[k] *= g;
        mr[k] *= g;
    }
    Ok(RenderedSession {
        sample_rate: plan.timeline.sample_rate(),
        stems: session
            .tracks
            .iter()
            .zip(stems)
            .map(|(t, (l, r))| (t.id.clone(), l, r))
            .collect(),
        mix_left: ml,
        mix_right: mr,
    })
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> SessionError {
    SessionError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// 32-bit float WAV: bit-exact for the f32 render, so a reload compares exactly.
fn write_stereo(path: &Path, sample_rate: u32, l: &[f32], r: &[f32]) -> Result<(), SessionError> {
    let audio = AudioBuffer::from_channels(sample_rate, vec![l.to_vec(), r.to_vec()])
        .map_err(|e| io_err(path, e))?;
    let options = WavOptions {
        bit_depth: BitDepth::Float32,
        dither: Dither::None,
    };
    tonewheel_audio::write_wav(path, &audio, &options).map_err(|e| io_err(path, e))
}

/// Writes `dir/session.json`, `dir/stems/<track>.wav` and `dir/mix.wav` (all atomically:
/// each file appears complete or not at all). Returns the paths written.
pub fn save(
    session: &Session,
    rendered: &RenderedSession,
    dir: &Path,
) -> Result<Vec<PathBuf>, SessionError> {
    let stems_dir = dir.join("stems");
    std::fs::create_dir_all(&stems_dir).map_err(|e| io_err(&stems_dir, e))?;
    let mut written = Vec::new();
    let json_path = dir.join("session.json");
    let tmp = dir.join(".session.json.tmp");
    std::fs::write(&tmp, session.to_json()).map_err(|e| io_err(&tmp, e))?;
    std::fs::rename(&tmp, &json_path).map_err(|e| io_err(&json_path, e))?;
    written.push(json_path);
    for (id, l, r) in &rendered.stems {
        let p = stems_dir.join(format!("{id}.wav"));
        write_stereo(&p, rendered.sample_rate, l, r)?;
        written.push(p);
    }
    let mix = dir.join("mix.wav");
    write_stereo(
        &mix,
        rendered.sample_rate,
        &rendered.mix_left,
        &rendered.mix_right,
    )?;
    written.push(mix);
    Ok(written)
}

/// Reads `dir/session.json`.
pub fn load(dir: &Path) -> Result<Session, SessionError> {
    let path = dir.join("session.json");
    let text = std::fs::read_to_string(&path).map_err(|e| io_err(&path, e))?;
    Session::from_json(&text)
}
