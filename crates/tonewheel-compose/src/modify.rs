//! Session edits written `PARAM=VALUE`, as a producer types them on the command line:
//! `bpm=190`, `key="A minor"`, `bass.volume=-3dB`, `bass.pan=-0.2`, `bass.mute=true`,
//! `kick.saturation.drive=12dB`, `master.limiter.ceiling=-1dB`, `master.volume=-1dB`.
//!
//! Stage parameters are checked against the synth's stage registry: values take the same
//! units as presets (Hz, kHz, s, ms, dB, linear, %, semitones, cents, note values for synced
//! times) and a value outside the documented range is an error naming the range, never a
//! silent clamp. Naming a chain stage type that the track does not have yet (`kick.saturation.
//! drive=9dB`) adds a stage of that type, with that id, at the end of the chain.
//! `TRACK.clip=FILE.mid` (or `FILE.mid#N` for track N) puts a MIDI file's notes on the track
//! as an exact clip; `TRACK.clip=none` removes it.

use thiserror::Error;
use tonewheel_synth::chain::CHAIN_STAGE_TYPES;
use tonewheel_synth::format::{ParamInput, StageFile};
use tonewheel_synth::spec::{stage_spec, ParamKind};
use tonewheel_synth::units::{accepted_units, parse_note_value, to_canonical};

use crate::pattern::parse_pattern;
use crate::session::{InstrumentSpec, Session};
use crate::theory::KeyContext;

/// Tempo range of a session, BPM (the sequencer's).
const BPM_RANGE: (f64, f64) = (20.0, 300.0);
/// Fader and bus level range, dB (the session's).
const LEVEL_RANGE_DB: (f64, f64) = (-120.0, 24.0);

/// Why an edit was refused. Every variant names the parameter as written.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum ModifyError {
    /// Not `PARAM=VALUE`.
    #[error("{text:?}: expected PARAM=VALUE")]
    Syntax {
        /// The argument.
        text: String,
    },
    /// No such track, bus or session-level parameter.
    #[error("{param}: unknown {what} {name:?}; known: {known}")]
    Unknown {
        /// The parameter as written.
        param: String,
        /// "track", "stage", "parameter".
        what: &'static str,
        /// The unknown name.
        name: String,
        /// What exists.
        known: String,
    },
    /// The value does not parse or is out of range.
    #[error("{param}={value}: expected {expected}")]
    Value {
        /// The parameter as written.
        param: String,
        /// The value as written.
        value: String,
        /// The accepted range or options.
        expected: String,
    },
}

/// One applied edit, for reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The parameter as written.
    pub param: String,
    /// The stored value, as text.
    pub value: String,
    /// True when the edit added an effect stage.
    pub added_stage: bool,
}

/// Splits `PARAM=VALUE`, dropping one pair of quotes around the value.
pub fn split_assignment(text: &str) -> Result<(&str, &str), ModifyError> {
    let (p, v) = text.split_once('=').ok_or_else(|| ModifyError::Syntax {
        text: text.to_owned(),
    })?;
    let (p, v) = (p.trim(), v.trim());
    if p.is_empty() || v.is_empty() {
        return Err(ModifyError::Syntax {
            text: text.to_owned(),
        });
    }
    let v = v
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
        .unwrap_or(v);
    Ok((p, v))
}

/// Splits `-3dB` into (-3, Some("dB")), `0.8` into (0.8, None).
fn number_with_unit(text: &str) -> Option<(f64, Option<&str>)> {
    let t = text.trim();
    let end = t
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_digit()
                || c == '.'
                || ((c == '-' || c == '+') && i == 0)
                || c == 'e'
                    && i > 0
                    && t[i + 1..].starts_with(|d: char| d.is_ascii_digit() || d == '-'))
        })
        .map_or(t.len(), |(i, _)| i);
    let value: f64 = t[..end].parse().ok()?;
    let unit = t[end..].trim();
    value
        .is_finite()
        .then_some((value, (!unit.is_empty()).then_some(unit)))
}

fn value_err(param: &str, value: &str, expected: impl Into<String>) -> ModifyError {
    ModifyError::Value {
        param: param.to_owned(),
        value: value.to_owned(),
        expected: expected.into(),
    }
}

fn ranged(param: &str, value: &str, unit: &str, range: (f64, f64)) -> Result<f64, ModifyError> {
    let expected = || {
        format!("{}..={} {unit}", range.0, range.1)
            .trim_end()
            .to_owned()
    };
    let (v, u) = number_with_unit(value).ok_or_else(|| value_err(param, value, expected()))?;
    let ok_unit = match u {
        None => true,
        Some(u) => u.eq_ignore_ascii_case(unit) || (unit == "BPM" && u.eq_ignore_ascii_case("bpm")),
    };
    if !ok_unit || !(range.0..=range.1).contains(&v) {
        return Err(value_err(param, value, expected()));
    }
    Ok(v)
}

fn boolean(param: &str, value: &str) -> Result<bool, ModifyError> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "on" | "yes" | "1" => Ok(true),
        "false" | "off" | "no" | "0" => Ok(false),
        _ => Err(value_err(param, value, "true or false")),
    }
}

/// Parses `value` for parameter `name` of a stage of type `kind` into what a stage file stores.
fn stage_value(
    param: &str,
    kind: &str,
    name: &str,
    value: &str,
) -> Result<ParamInput, ModifyError> {
    let spec = stage_spec(kind).ok_or_else(|| value_err(param, value, "a known stage type"))?;
    let Some(p) = spec.param_index(name).map(|i| &spec.params[i]) else {
        return Err(ModifyError::Unknown {
            param: param.to_owned(),
            what: "parameter",
            name: name.to_owned(),
            known: spec
                .params
                .iter()
                .map(|p| p.name)
                .collect::<Vec<_>>()
                .join(", "),
        });
    };
    match p.kind {
        ParamKind::Choice => {
            if p.choices.contains(&value) {
                Ok(ParamInput::Text(value.to_owned()))
            } else {
                Err(value_err(
                    param,
                    value,
                    format!("one of {}", p.choices.join(", ")),
                ))
            }
        }
        ParamKind::Bool => boolean(param, value).map(ParamInput::Bool),
        ParamKind::Time | ParamKind::Rate if parse_note_value(value).is_some() => {
            Ok(ParamInput::Text(value.to_owned()))
        }
        kind => {
            let expected = || {
                format!(
                    "{}..={} {} (units: {})",
                    p.min,
                    p.max,
                    kind.unit_name(),
                    accepted_units(kind)
                )
            };
            let (v, unit) =
                number_with_unit(value).ok_or_else(|| value_err(param, value, expected()))?;
            let canonical =
                to_canonical(kind, v, unit).ok_or_else(|| value_err(param, value, expected()))?;
            if !(p.min..=p.max).contains(&canonical) {
                return Err(value_err(param, value, expected()));
            }
            Ok(ParamInput::Number(canonical))
        }
    }
}

/// Sets `stage.param` in a chain; a missing stage whose id is a chain stage type is added.
fn set_stage(
    param: &str,
    chain: &mut Vec<StageFile>,
    stage: &str,
    name: &str,
    value: &str,
) -> Result<(String, bool), ModifyError> {
    let mut added = false;
    let index = match chain.iter().position(|s| s.id == stage) {
        Some(i) => i,
        None if CHAIN_STAGE_TYPES.contains(&stage) => {
            chain.push(StageFile {
                id: stage.to_owned(),
                kind: stage.to_owned(),
                parameters: Default::default(),
            });
            added = true;
            chain.len() - 1
        }
        None => {
            let mut known: Vec<String> = chain
                .iter()
                .map(|s| format!("{} ({})", s.id, s.kind))
                .collect();
            known.push(format!(
                "or a stage type to add one: {}",
                CHAIN_STAGE_TYPES.join(", ")
            ));
            return Err(ModifyError::Unknown {
                param: param.to_owned(),
                what: "stage",
                name: stage.to_owned(),
                known: known.join(", "),
            });
        }
    };
    let kind = chain[index].kind.clone();
    let v = match stage_value(param, &kind, name, value) {
        Ok(v) => v,
        Err(e) => {
            if added {
                chain.pop();
            }
            return Err(e);
        }
    };
    let shown = match &v {
        ParamInput::Number(x) => x.to_string(),
        ParamInput::Bool(b) => b.to_string(),
        ParamInput::Text(t) => t.clone(),
        ParamInput::WithUnit { .. } => value.to_owned(),
    };
    chain[index].parameters.insert(name.to_owned(), v);
    Ok((shown, added))
}

/// Applies one `PARAM=VALUE` edit to `session`. On error the session is unchanged.
pub fn apply(session: &mut Session, assignment: &str) -> Result<Change, ModifyError> {
    let (param, value) = split_assignment(assignment)?;
    let parts: Vec<&str> = param.split('.').collect();
    let done = |v: String, added: bool| Change {
        param: param.to_owned(),
        value: v,
        added_stage: added,
    };
    let track_ids = |session: &Session| {
        session
            .tracks
            .iter()
            .map(|t| t.id.as_str())
            .chain(session.returns.iter().map(|r| r.id.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match parts.as_slice() {
        ["bpm"] => {
            let v = ranged(param, value, "BPM", BPM_RANGE)?;
            session.context.bpm = v;
            Ok(done(v.to_string(), false))
        }
        ["key"] => {
            let k = KeyContext::parse(value).map_err(|e| value_err(param, value, format!("a key like \"F minor\" ({e})")))?;
            session.context.key = k.to_string();
            Ok(done(k.to_string(), false))
        }
        ["seed"] => {
            let s: u64 = value.parse().map_err(|_| value_err(param, value, "a whole number 0..=18446744073709551615"))?;
            session.context.seed = s;
            Ok(done(s.to_string(), false))
        }
        ["title"] => {
            session.metadata.title = value.to_owned();
            Ok(done(value.to_owned(), false))
        }
        ["master", "volume"] => {
            let v = ranged(param, value, "dB", LEVEL_RANGE_DB)?;
            session.master.volume_db = v;
            Ok(done(v.to_string(), false))
        }
        ["master", stage, name] => {
            let (v, added) = set_stage(param, &mut session.master.fx, stage, name, value)?;
            Ok(done(v, added))
        }
        [id, rest @ ..] if !rest.is_empty() => {
            if let Some(t) = session.tracks.iter_mut().find(|t| t.id == *id) {
                let ch = &mut t.channel;
                return match rest {
                    ["volume"] => {
                        ch.volume_db = ranged(param, value, "dB", LEVEL_RANGE_DB)?;
                        Ok(done(ch.volume_db.to_string(), false))
                    }
                    ["pan"] => {
                        ch.pan = ranged(param, value, "", (-1.0, 1.0))?;
                        Ok(done(ch.pan.to_string(), false))
                    }
                    ["mute"] => {
                        ch.mute = boolean(param, value)?;
                        Ok(done(ch.mute.to_string(), false))
                    }
                    ["solo"] => {
                        ch.solo = boolean(param, value)?;
                        Ok(done(ch.solo.to_string(), false))
                    }
                    ["transpose"] => {
                        let v = ranged(param, value, "semitones", (-48.0, 48.0))?;
                        if v.fract() != 0.0 {
                            return Err(value_err(param, value, "whole semitones -48..=48"));
                        }
                        t.playing.transpose = v as i32;
                        Ok(done(t.playing.transpose.to_string(), false))
                    }
                    ["swing"] => {
                        t.playing.swing = ranged(param, value, "", (0.5, 0.75))?;
                        Ok(done(t.playing.swing.to_string(), false))
                    }
                    ["gate"] => {
                        t.playing.gate = ranged(param, value, "", (0.01, 16.0))?;
                        Ok(done(t.playing.gate.to_string(), false))
                    }
                    ["velocity"] => {
                        t.playing.velocity = ranged(param, value, "", (0.0, 1.0))?;
                        Ok(done(t.playing.velocity.to_string(), false))
                    }
                    ["clip"] => {
                        if value.eq_ignore_ascii_case("none") {
                            t.clip = None;
                            return Ok(done("none".into(), false));
                        }
                        // `FILE.mid` or `FILE.mid#N` for track N of the file.
                        let (path, track) = match value.rsplit_once('#') {
                            Some((p, n)) if n.parse::<usize>().is_ok() => (p, n.parse().ok()),
                            _ => (value, None),
                        };
                        let m = crate::midi_import::import_midi_file(std::path::Path::new(path), track)
                            .map_err(|e| value_err(param, value, format!("a readable MIDI file ({e}), or none")))?;
                        let drums = matches!(t.instrument, InstrumentSpec::Drums(_));
                        let mut clip = m.track.clip;
                        clip.source = format!("{path} track {}", m.track.index);
                        clip.check(drums).map_err(|(_, reason)| value_err(param, value, reason))?;
                        let count = clip.notes.len();
                        t.clip = Some(clip);
                        Ok(done(format!("{count} notes from {path}"), false))
                    }
                    ["preset"] => {
                        if !matches!(t.instrument, InstrumentSpec::Preset(_)) {
                            return Err(value_err(param, value, "a track playing a preset (this one is a drum kit)"));
                        }
                        if tonewheel_synth::factory_json(value).is_none() {
                            return Err(value_err(param, value, "a factory preset id (see `tonewheel presets list`)"));
                        }
                        t.instrument = InstrumentSpec::Preset(value.to_owned());
                        Ok(done(value.to_owned(), false))
                    }
                    ["pattern"] | ["pattern", _] => {
                        let section = rest.get(1).copied().unwrap_or("default");
                        if section != "default" && !session.arrangement.iter().any(|s| s.name == section) {
                            return Err(ModifyError::Unknown {
                                param: param.to_owned(),
                                what: "section",
                                name: section.to_owned(),
                                known: session.arrangement.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", "),
                            });
                        }
                        parse_pattern(value).map_err(|e| value_err(param, value, format!("a valid pattern ({e})")))?;
                        if rest.len() == 1 {
                            // `track.pattern=...` replaces every section's pattern.
                            t.patterns.clear();
                        }
                        t.patterns.insert(section.to_owned(), value.to_owned());
                        Ok(done(value.to_owned(), false))
                    }
                    [stage, name] => {
                        let (v, added) = set_stage(param, &mut t.fx, stage, name, value)?;
                        Ok(done(v, added))
                    }
                    _ => Err(ModifyError::Unknown {
                        param: param.to_owned(),
                        what: "parameter",
                        name: rest.join("."),
                        known: "volume, pan, mute, solo, transpose, swing, gate, velocity, preset, pattern[.SECTION], clip, STAGE.PARAMETER".into(),
                    }),
                };
            }
            if let Some(b) = session.returns.iter_mut().find(|b| b.id == *id) {
                return match rest {
                    ["volume"] => {
                        b.volume_db = ranged(param, value, "dB", LEVEL_RANGE_DB)?;
                        Ok(done(b.volume_db.to_string(), false))
                    }
                    [stage, name] => {
                        let (v, added) = set_stage(param, &mut b.fx, stage, name, value)?;
                        Ok(done(v, added))
                    }
                    _ => Err(ModifyError::Unknown {
                        param: param.to_owned(),
                        what: "parameter",
                        name: rest.join("."),
                        known: "volume, STAGE.PARAMETER".into(),
                    }),
                };
            }
            Err(ModifyError::Unknown {
                param: param.to_owned(),
                what: "track",
                name: (*id).to_owned(),
                known: format!("{}, master", track_ids(session)),
            })
        }
        _ => Err(ModifyError::Unknown {
            param: param.to_owned(),
            what: "parameter",
            name: param.to_owned(),
            known: "bpm, key, seed, title, master.volume, master.STAGE.PARAMETER, TRACK.volume|pan|mute|solo|transpose|swing|gate|velocity|preset|pattern, TRACK.STAGE.PARAMETER".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::generate;
    use crate::knowledge::Knowledge;
    use tonewheel_synth::format::ParamInput;

    fn session() -> Session {
        generate(&Knowledge::load().unwrap(), "techno", None, 4, None, 1).unwrap()
    }

    fn number(s: &StageFile, name: &str) -> f64 {
        match s.parameters.get(name) {
            Some(ParamInput::Number(x)) => *x,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn units_convert_and_ranges_hold() {
        let mut s = session();
        apply(&mut s, "bpm=190").unwrap();
        assert_eq!(s.context.bpm, 190.0);
        apply(&mut s, "key=\"A minor\"").unwrap();
        assert_eq!(s.context.key, "A minor");
        apply(&mut s, "bass.volume=-3dB").unwrap();
        assert_eq!(
            s.tracks
                .iter()
                .find(|t| t.id == "bass")
                .unwrap()
                .channel
                .volume_db,
            -3.0
        );
        apply(&mut s, "bass.pan=-0.2").unwrap();
        apply(&mut s, "bass.mute=true").unwrap();
        apply(&mut s, "master.limiter.ceiling=-0.5dB").unwrap();
        assert_eq!(number(&s.master.fx[0], "ceiling"), -0.5);
        apply(&mut s, "master.volume=-1dB").unwrap();
        let c = apply(&mut s, "kick.saturation.drive=12dB").unwrap();
        assert!(c.added_stage);
        let kick = s.tracks.iter().find(|t| t.id == "kick").unwrap();
        assert_eq!(kick.fx.last().unwrap().kind, "saturation");
        apply(&mut s, "kick.eq.freq=2.5kHz").unwrap_or_else(|e| panic!("{e}"));
        let kick = s.tracks.iter().find(|t| t.id == "kick").unwrap();
        assert_eq!(number(kick.fx.last().unwrap(), "freq"), 2500.0);
        s.validate().unwrap();
    }

    #[test]
    fn errors_name_the_parameter_and_range() {
        let mut s = session();
        let before = s.to_json();
        let e = apply(&mut s, "bpm=400").unwrap_err().to_string();
        assert!(e.contains("bpm=400") && e.contains("20..=300"), "{e}");
        let e = apply(&mut s, "master.limiter.ceiling=3dB")
            .unwrap_err()
            .to_string();
        assert!(e.contains("-24..=0 dB"), "{e}");
        let e = apply(&mut s, "nope.volume=1").unwrap_err().to_string();
        assert!(
            e.contains("unknown track \"nope\"") && e.contains("kick"),
            "{e}"
        );
        let e = apply(&mut s, "kick.reverb.colour=1")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown parameter \"colour\""), "{e}");
        let e = apply(&mut s, "kick.fuzz.drive=1").unwrap_err().to_string();
        assert!(e.contains("unknown stage \"fuzz\""), "{e}");
        let e = apply(&mut s, "bass.volume=loud").unwrap_err().to_string();
        assert!(e.contains("-120..=24 dB"), "{e}");
        assert!(matches!(
            apply(&mut s, "bpm"),
            Err(ModifyError::Syntax { .. })
        ));
        let e = apply(&mut s, "kick.pattern=bd [").unwrap_err().to_string();
        assert!(e.contains("at character"), "{e}");
        assert_eq!(s.to_json(), before, "failed edits change nothing");
    }

    #[test]
    fn numbers_and_units_split() {
        assert_eq!(number_with_unit("-3dB"), Some((-3.0, Some("dB"))));
        assert_eq!(number_with_unit("2.5 kHz"), Some((2.5, Some("kHz"))));
        assert_eq!(number_with_unit("1e3Hz"), Some((1000.0, Some("Hz"))));
        assert_eq!(number_with_unit("50%"), Some((50.0, Some("%"))));
        assert_eq!(number_with_unit("dB"), None);
    }
}
