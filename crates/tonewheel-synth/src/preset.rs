//! [`Preset`]: a validated preset, every value converted to canonical units, every reference
//! resolved to an index. Built only by [`Preset::from_json`] / [`Preset::from_file`].

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use tonewheel_audio::Role;

use crate::error::{PresetIssue, Result, SynthError};
use crate::format::{ConnectionFile, NoteInput, ParamInput, PresetFile, UnitValue};
use crate::spec::{stage_spec, Category, ParamKind, ParamSpec, StageSpec};
use crate::units::{
    accepted_units, depth_to_canonical, parse_note_value, to_canonical, ParamValue,
};

/// Largest preset file accepted (a factory preset is ~3 KB).
pub const MAX_PRESET_BYTES: usize = 1 << 20;
/// Most stages in one preset.
pub const MAX_STAGES: usize = 64;
/// Most connections in one preset.
pub const MAX_CONNECTIONS: usize = 256;
/// Most simultaneous voices.
pub const MAX_VOICES: u32 = 32;

/// Voice allocation mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoiceMode {
    /// Each note gets a voice (up to `voices`).
    Poly,
    /// One voice; each note retriggers envelopes, pitch glides.
    Mono,
    /// One voice; overlapping notes glide without retriggering.
    Legato,
}

/// A validated stage.
#[derive(Debug, Clone)]
pub struct Stage {
    /// Stable id.
    pub id: String,
    /// Its type.
    pub spec: &'static StageSpec,
    /// One value per [`StageSpec::params`] entry.
    pub values: Vec<ParamValue>,
}

/// An audio connection between stages (indices into [`Preset::stages`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Connection {
    /// Source stage.
    pub from: usize,
    /// Destination stage.
    pub to: usize,
    /// Linear gain.
    pub weight: f32,
}

/// A modulation route.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Modulation {
    /// Source stage (a modulator or an audio stage used as a control signal).
    pub from: usize,
    /// Target stage.
    pub to: usize,
    /// Target parameter index.
    pub param: usize,
    /// Depth in the target's modulation unit.
    pub depth: f64,
}

/// A validated preset.
#[derive(Debug, Clone)]
pub struct Preset {
    /// Display name.
    pub name: String,
    /// Musical role.
    pub role: Role,
    /// Description.
    pub description: String,
    /// Tags, lower-case.
    pub tags: Vec<String>,
    /// Format version.
    pub version: String,
    /// Free-form metadata.
    pub metadata: BTreeMap<String, serde_json::Value>,
    /// Maximum voices.
    pub voices: u32,
    /// Voice mode.
    pub mode: VoiceMode,
    /// Glide time in seconds.
    pub glide_s: f64,
    /// Velocity sensitivity 0..1.
    pub velocity_sensitivity: f64,
    /// Preview note (MIDI).
    pub preview_note: u8,
    /// Preview note length in seconds.
    pub preview_duration_s: f64,
    /// Preview velocity 1..127.
    pub preview_velocity: u8,
    /// Random seed.
    pub seed: u64,
    /// Stages in file order.
    pub stages: Vec<Stage>,
    /// Audio connections.
    pub connections: Vec<Connection>,
    /// Modulation routes.
    pub modulations: Vec<Modulation>,
    /// Index of the output stage.
    pub output: usize,
}

/// Parses a note name (`C4` = 60, `A4` = 69, `F#2`, `Bb-1`) into a MIDI number.
pub fn parse_note_name(text: &str) -> Option<u8> {
    let t = text.trim();
    let mut chars = t.chars();
    let letter = chars.next()?.to_ascii_uppercase();
    let base: i32 = match letter {
        'C' => 0,
        'D' => 2,
        'E' => 4,
        'F' => 5,
        'G' => 7,
        'A' => 9,
        'B' => 11,
        _ => return None,
    };
    let rest = &t[1..];
    let (accidental, octave_text) = if let Some(r) = rest.strip_prefix('#') {
        (1, r)
    } else if let Some(r) = rest.strip_prefix('b') {
        (-1, r)
    } else {
        (0, rest)
    };
    let octave: i32 = octave_text.parse().ok()?;
    let midi = (octave + 1) * 12 + base + accidental;
    u8::try_from(midi).ok().filter(|&m| m <= 127)
}

struct Checker {
    issues: Vec<PresetIssue>,
}

impl Checker {
    fn push(&mut self, pointer: String, expected: impl Into<String>, found: impl Into<String>) {
        self.issues.push(PresetIssue {
            pointer,
            expected: expected.into(),
            found: found.into(),
        });
    }
}

fn describe(input: &ParamInput) -> String {
    serde_json::to_string(input).unwrap_or_else(|_| "?".into())
}

fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

fn range_text(spec: &ParamSpec) -> String {
    match spec.kind {
        ParamKind::Choice => spec.choices.join(" | "),
        ParamKind::Bool => "true or false".into(),
        ParamKind::Semitones if spec.max <= 1.0 => format!(
            "{}..{} cents",
            fmt_num(spec.min * 100.0),
            fmt_num(spec.max * 100.0)
        ),
        k => format!(
            "{}..{} {}",
            fmt_num(spec.min),
            fmt_num(spec.max),
            k.unit_name()
        ),
    }
}

/// Converts one parameter input; on failure records an issue and returns None.
fn convert_param(
    spec: &ParamSpec,
    input: &ParamInput,
    pointer: &str,
    c: &mut Checker,
) -> Option<ParamValue> {
    let bad_unit = |c: &mut Checker| {
        c.push(
            pointer.to_string(),
            format!("{} ({})", range_text(spec), accepted_units(spec.kind)),
            describe(input),
        );
        None
    };
    let (number, unit): (f64, Option<&str>) = match (spec.kind, input) {
        (ParamKind::Choice, ParamInput::Text(name)) => {
            return match spec.choices.iter().position(|c| c == name) {
                Some(i) => Some(ParamValue::Number(i as f64)),
                None => bad_unit(c),
            };
        }
        (ParamKind::Bool, ParamInput::Bool(b)) => {
            return Some(ParamValue::Number(f64::from(u8::from(*b))))
        }
        (ParamKind::Choice | ParamKind::Bool, _) => return bad_unit(c),
        (_, ParamInput::Bool(_)) => return bad_unit(c),
        (ParamKind::Time | ParamKind::Rate, ParamInput::Text(t))
        | (
            ParamKind::Time | ParamKind::Rate,
            ParamInput::WithUnit {
                value: UnitValue::Text(t),
                ..
            },
        ) => {
            return match parse_note_value(t) {
                Some(beats) => Some(ParamValue::Beats(beats)),
                None => bad_unit(c),
            };
        }
        (_, ParamInput::Text(_))
        | (
            _,
            ParamInput::WithUnit {
                value: UnitValue::Text(_),
                ..
            },
        ) => return bad_unit(c),
        (_, ParamInput::Number(x)) => (*x, None),
        (
            _,
            ParamInput::WithUnit {
                value: UnitValue::Number(x),
                unit,
            },
        ) => (*x, unit.as_deref()),
    };
    if !number.is_finite() {
        return bad_unit(c);
    }
    let Some(value) = to_canonical(spec.kind, number, unit) else {
        return bad_unit(c);
    };
    // Compare with a relative epsilon so unit conversions (250 ms -> 0.25 s) don't fail at the edges.
    let eps = 1e-9 * spec.max.abs().max(1.0);
    if value < spec.min - eps || value > spec.max + eps {
        let found = match unit {
            Some(u) => format!("{} {u}", fmt_num(number)),
            None => fmt_num(number),
        };
        c.push(pointer.to_string(), range_text(spec), found);
        return None;
    }
    Some(ParamValue::Number(value.clamp(spec.min, spec.max)))
}

fn role_of(text: &str) -> Option<Role> {
    text.parse().ok()
}

impl Preset {
    /// Reads and validates a preset file (at most [`MAX_PRESET_BYTES`]).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Preset> {
        let path = path.as_ref();
        let io = |source| SynthError::Io {
            path: path.display().to_string(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        if meta.len() > MAX_PRESET_BYTES as u64 {
            return Err(SynthError::Invalid {
                source_name: path.display().to_string(),
                issues: vec![PresetIssue {
                    pointer: String::new(),
                    expected: format!("at most {MAX_PRESET_BYTES} bytes"),
                    found: format!("{} bytes", meta.len()),
                }],
            });
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        Preset::from_json(&text, &path.display().to_string())
    }

    /// Parses and validates preset JSON; `source_name` labels errors.
    pub fn from_json(text: &str, source_name: &str) -> Result<Preset> {
        if text.len() > MAX_PRESET_BYTES {
            return Err(SynthError::Invalid {
                source_name: source_name.into(),
                issues: vec![PresetIssue {
                    pointer: String::new(),
                    expected: format!("at most {MAX_PRESET_BYTES} bytes"),
                    found: format!("{} bytes", text.len()),
                }],
            });
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let file: PresetFile = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let pointer = path_to_pointer(&e.path().to_string());
            let inner = e.into_inner();
            SynthError::Syntax {
                source_name: source_name.into(),
                pointer,
                line: inner.line(),
                column: inner.column(),
                reason: inner.to_string(),
            }
        })?;
        Preset::from_file_format(&file, source_name)
    }

    /// Validates an already-parsed [`PresetFile`].
    pub fn from_file_format(file: &PresetFile, source_name: &str) -> Result<Preset> {
        let mut c = Checker { issues: Vec::new() };
        let role = role_of(&file.role);
        if role.is_none() {
            c.push(
                "/role".into(),
                "one of pad, bass, lead, pluck, keys, arp, kick, snare, clap, hat, perc, fx",
                format!("\"{}\"", file.role),
            );
        }
        if file.name.trim().is_empty() {
            c.push("/name".into(), "a non-empty name", "\"\"");
        }
        if file.stages.len() > MAX_STAGES {
            c.push(
                "/stages".into(),
                format!("at most {MAX_STAGES} stages"),
                file.stages.len().to_string(),
            );
        }
        if file.connections.len() > MAX_CONNECTIONS {
            c.push(
                "/connections".into(),
                format!("at most {MAX_CONNECTIONS} connections"),
                file.connections.len().to_string(),
            );
        }
        let v = &file.voice;
        if v.voices == 0 || v.voices > MAX_VOICES {
            c.push(
                "/voice/voices".into(),
                format!("1..{MAX_VOICES}"),
                v.voices.to_string(),
            );
        }
        let mode = match v.mode.as_str() {
            "poly" => VoiceMode::Poly,
            "mono" => VoiceMode::Mono,
            "legato" => VoiceMode::Legato,
            other => {
                c.push(
                    "/voice/mode".into(),
                    "poly | mono | legato",
                    format!("\"{other}\""),
                );
                VoiceMode::Poly
            }
        };
        const GLIDE: ParamSpec = ParamSpec {
            name: "glide",
            kind: ParamKind::Time,
            min: 0.0,
            max: 10.0,
            default: 0.0,
            choices: &[],
            doc: "",
        };
        let glide_s = match convert_param(&GLIDE, &v.glide, "/voice/glide", &mut c) {
            Some(ParamValue::Number(s)) => s,
            Some(ParamValue::Beats(_)) => {
                c.push(
                    "/voice/glide".into(),
                    "0..10 s (not tempo-synced)",
                    describe(&v.glide),
                );
                0.0
            }
            None => 0.0,
        };
        if !(0.0..=1.0).contains(&v.velocity_sensitivity) {
            c.push(
                "/voice/velocity_sensitivity".into(),
                "0..1 linear",
                fmt_num(v.velocity_sensitivity),
            );
        }
        let preview_note = match &file.preview.note {
            NoteInput::Midi(n) if *n <= 127 => *n as u8,
            NoteInput::Name(name) => parse_note_name(name).unwrap_or_else(|| {
                c.push(
                    "/preview/note".into(),
                    "a note name like C3, F#2 or Bb4",
                    format!("\"{name}\""),
                );
                60
            }),
            NoteInput::Midi(n) => {
                c.push("/preview/note".into(), "MIDI 0..127", n.to_string());
                60
            }
        };
        if !(0.01..=60.0).contains(&file.preview.duration) {
            c.push(
                "/preview/duration".into(),
                "0.01..60 s",
                fmt_num(file.preview.duration),
            );
        }
        if !(1..=127).contains(&file.preview.velocity) {
            c.push(
                "/preview/velocity".into(),
                "1..127",
                file.preview.velocity.to_string(),
            );
        }

        // Stages.
        let mut ids: HashMap<&str, usize> = HashMap::new();
        let mut stages = Vec::with_capacity(file.stages.len());
        for (i, s) in file.stages.iter().enumerate().take(MAX_STAGES) {
            let ptr = format!("/stages/{i}");
            if s.id.trim().is_empty() {
                c.push(format!("{ptr}/id"), "a non-empty id", "\"\"");
            } else if let Some(first) = ids.insert(s.id.as_str(), i) {
                c.push(
                    format!("{ptr}/id"),
                    format!("a unique id (\"{}\" is already /stages/{first})", s.id),
                    format!("\"{}\"", s.id),
                );
            }
            let Some(spec) = stage_spec(&s.kind) else {
                let names: Vec<&str> = crate::spec::STAGES.iter().map(|t| t.name).collect();
                c.push(
                    format!("{ptr}/type"),
                    format!("a stage type ({})", names.join(", ")),
                    format!("\"{}\"", s.kind),
                );
                continue;
            };
            for name in s.parameters.keys() {
                if spec.param_index(name).is_none() {
                    let names: Vec<&str> = spec.params.iter().map(|p| p.name).collect();
                    c.push(
                        format!("{ptr}/parameters/{name}"),
                        format!("a parameter of {} ({})", spec.name, names.join(", ")),
                        format!("\"{name}\""),
                    );
                }
            }
            let values = spec
                .params
                .iter()
                .map(|p| match s.parameters.get(p.name) {
                    Some(input) => {
                        convert_param(p, input, &format!("{ptr}/parameters/{}", p.name), &mut c)
                            .unwrap_or(ParamValue::Number(p.default))
                    }
                    None => ParamValue::Number(p.default),
                })
                .collect();
            stages.push((
                i,
                Stage {
                    id: s.id.clone(),
                    spec,
                    values,
                },
            ));
        }
        let outputs: Vec<usize> = stages
            .iter()
            .filter(|(_, s)| s.spec.category == Category::Output)
            .map(|(i, _)| *i)
            .collect();
        if outputs.len() != 1 {
            c.push(
                "/stages".into(),
                "exactly one stage of type \"output\"",
                format!("{} output stages", outputs.len()),
            );
        }

        // Connections and modulation routes.
        let index_of = |id: &str| ids.get(id).copied();
        let stage_at = |i: usize| stages.iter().find(|(j, _)| *j == i).map(|(_, s)| s);
        let mut connections = Vec::new();
        let mut modulations = Vec::new();
        for (k, conn) in file.connections.iter().enumerate().take(MAX_CONNECTIONS) {
            let ptr = format!("/connections/{k}");
            let from = index_of(&conn.from);
            let to = index_of(&conn.to);
            if from.is_none() {
                c.push(
                    format!("{ptr}/from"),
                    "the id of a stage",
                    format!("\"{}\"", conn.from),
                );
            }
            if to.is_none() {
                c.push(
                    format!("{ptr}/to"),
                    "the id of a stage",
                    format!("\"{}\"", conn.to),
                );
            }
            let (Some(from), Some(to)) = (from, to) else {
                continue;
            };
            let (Some(src), Some(dst)) = (stage_at(from), stage_at(to)) else {
                continue;
            };
            if from == to {
                c.push(
                    format!("{ptr}/to"),
                    "a different stage than `from`",
                    format!("\"{}\"", conn.to),
                );
                continue;
            }
            if !conn.weight.is_finite() || conn.weight.abs() > 16.0 {
                c.push(
                    format!("{ptr}/weight"),
                    "-16..16 linear",
                    fmt_num(conn.weight),
                );
            }
            match &conn.parameter {
                None => validate_audio_connection(conn, src, dst, &ptr, &mut c).then(|| {
                    connections.push(Connection {
                        from,
                        to,
                        weight: conn.weight as f32,
                    });
                }),
                Some(param) => validate_modulation(conn, param, src, dst, &ptr, &mut c).map(
                    |(param, depth)| {
                        modulations.push(Modulation {
                            from,
                            to,
                            param,
                            depth,
                        });
                    },
                ),
            };
        }
        if c.issues.is_empty() {
            if let Some(cycle) =
                crate::graph::find_cycle_without_delay(stages.len(), &connections, &|i| {
                    stages[i].1.spec.name
                })
            {
                c.push(
                    "/connections".into(),
                    "no cycle unless it passes through a delay stage",
                    format!(
                        "cycle {}",
                        cycle
                            .iter()
                            .map(|&i| stages[i].1.id.as_str())
                            .collect::<Vec<_>>()
                            .join(" -> ")
                    ),
                );
            }
        }
        if !c.issues.is_empty() {
            return Err(SynthError::Invalid {
                source_name: source_name.into(),
                issues: c.issues,
            });
        }
        let role = role.unwrap_or(Role::Fx);
        Ok(Preset {
            name: file.name.clone(),
            role,
            description: file.description.clone(),
            tags: file.tags.iter().map(|t| t.to_lowercase()).collect(),
            version: file.version.clone(),
            metadata: file.metadata.clone(),
            voices: v.voices,
            mode,
            glide_s,
            velocity_sensitivity: v.velocity_sensitivity,
            preview_note,
            preview_duration_s: file.preview.duration,
            preview_velocity: file.preview.velocity as u8,
            seed: file.seed,
            output: outputs[0],
            stages: stages.into_iter().map(|(_, s)| s).collect(),
            connections,
            modulations,
        })
    }

    /// Index of the stage with `id`.
    pub fn stage_index(&self, id: &str) -> Option<usize> {
        self.stages.iter().position(|s| s.id == id)
    }
}

fn validate_audio_connection(
    conn: &ConnectionFile,
    src: &Stage,
    dst: &Stage,
    ptr: &str,
    c: &mut Checker,
) -> bool {
    if conn.depth.is_some() {
        c.push(
            format!("{ptr}/depth"),
            "no depth on an audio connection (add \"parameter\" to modulate)",
            "a depth",
        );
        return false;
    }
    if src.spec.category == Category::Modulator {
        c.push(
            format!("{ptr}/parameter"),
            format!(
                "a target parameter: \"{}\" is a modulator and carries no audio",
                src.id
            ),
            "none",
        );
        return false;
    }
    if src.spec.category == Category::Output {
        c.push(
            format!("{ptr}/from"),
            "a stage other than the output",
            format!("\"{}\"", src.id),
        );
        return false;
    }
    if matches!(dst.spec.category, Category::Source | Category::Modulator) {
        c.push(
            format!("{ptr}/to"),
            format!(
                "a processor or the output (\"{}\" is a {} and takes no audio input)",
                dst.id, dst.spec.name
            ),
            format!("\"{}\"", dst.id),
        );
        return false;
    }
    true
}

fn validate_modulation(
    conn: &ConnectionFile,
    param: &str,
    src: &Stage,
    dst: &Stage,
    ptr: &str,
    c: &mut Checker,
) -> Option<(usize, f64)> {
    let Some(pi) = dst.spec.param_index(param) else {
        let names: Vec<&str> = dst
            .spec
            .params
            .iter()
            .filter(|p| p.kind.is_modulatable())
            .map(|p| p.name)
            .collect();
        c.push(
            format!("{ptr}/parameter"),
            format!("a parameter of {} ({})", dst.spec.name, names.join(", ")),
            format!("\"{param}\""),
        );
        return None;
    };
    let target = &dst.spec.params[pi];
    if !target.kind.is_modulatable() {
        c.push(
            format!("{ptr}/parameter"),
            "a continuous parameter (not a choice, count or switch)",
            format!("\"{param}\""),
        );
        return None;
    }
    if src.spec.category == Category::Output {
        c.push(
            format!("{ptr}/from"),
            "a modulator or audio stage",
            "the output",
        );
        return None;
    }
    let depth = match &conn.depth {
        None => 1.0,
        Some(ParamInput::Number(x)) => *x,
        Some(ParamInput::WithUnit {
            value: UnitValue::Number(x),
            unit,
        }) => match depth_to_canonical(target, *x, unit.as_deref()) {
            Some(d) => d,
            None => {
                c.push(
                    format!("{ptr}/depth"),
                    format!("a depth in {}", target.kind.modulation_unit()),
                    describe(conn.depth.as_ref()?),
                );
                return None;
            }
        },
        Some(other) => {
            c.push(
                format!("{ptr}/depth"),
                format!("a number in {}", target.kind.modulation_unit()),
                describe(other),
            );
            return None;
        }
    };
    // Depth bound: a few times the parameter's span, or 96 semitones / 96 dB.
    let bound = match target.kind.modulation_unit() {
        "semitones" | "dB" => 96.0,
        _ => 4.0 * (target.max - target.min).abs().max(1.0),
    };
    if !depth.is_finite() || depth.abs() > bound {
        c.push(
            format!("{ptr}/depth"),
            format!("-{bound}..{bound} {}", target.kind.modulation_unit()),
            fmt_num(depth),
        );
        return None;
    }
    let _ = src;
    Some((pi, depth))
}

/// Turns serde_path_to_error's `stages[2].parameters.cutoff` into `/stages/2/parameters/cutoff`.
fn path_to_pointer(path: &str) -> String {
    if path == "." || path.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    for part in path.split('.') {
        let mut rest = part;
        while let Some(open) = rest.find('[') {
            let (name, tail) = rest.split_at(open);
            if !name.is_empty() {
                out.push('/');
                out.push_str(name);
            }
            let close = tail.find(']').unwrap_or(tail.len());
            out.push('/');
            out.push_str(&tail[1..close]);
            rest = tail.get(close + 1..).unwrap_or("");
        }
        if !rest.is_empty() {
            out.push('/');
            out.push_str(rest);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn note_names() {
        assert_eq!(parse_note_name("C4"), Some(60));
        assert_eq!(parse_note_name("A4"), Some(69));
        assert_eq!(parse_note_name("F#2"), Some(42));
        assert_eq!(parse_note_name("Bb1"), Some(34));
        assert_eq!(parse_note_name("C-1"), Some(0));
        assert_eq!(parse_note_name("H2"), None);
        assert_eq!(parse_note_name("G9"), Some(127));
        assert_eq!(parse_note_name("A9"), None);
    }

    #[test]
    fn pointers() {
        assert_eq!(
            path_to_pointer("stages[2].parameters.cutoff"),
            "/stages/2/parameters/cutoff"
        );
        assert_eq!(path_to_pointer("."), "");
    }
}
