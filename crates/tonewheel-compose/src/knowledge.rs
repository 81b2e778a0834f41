//! Genre knowledge: tempo ranges, keys, drum skeletons, progressions, section lengths and
//! instrument presets per genre, each fact with its source.
//!
//! The data lives in `knowledge/genres/*.json` at the repository root (no magic numbers in
//! code) and is embedded in the binary with `include_str!`, so the program works from any
//! directory. [`Knowledge::load`] parses and validates every file; errors name the file and
//! the JSON pointer of the offending value.

use std::collections::BTreeMap;

use serde::Deserialize;
use thiserror::Error;

use crate::pattern::parse_pattern;
use crate::theory::{PitchClass, Progression, ScaleKind};

/// The embedded knowledge files as (file name, JSON text).
const GENRE_FILES: [(&str, &str); 10] = [
    (
        "knowledge/genres/dnb.json",
        include_str!("../../../knowledge/genres/dnb.json"),
    ),
    (
        "knowledge/genres/dubstep.json",
        include_str!("../../../knowledge/genres/dubstep.json"),
    ),
    (
        "knowledge/genres/gabber.json",
        include_str!("../../../knowledge/genres/gabber.json"),
    ),
    (
        "knowledge/genres/hardcore.json",
        include_str!("../../../knowledge/genres/hardcore.json"),
    ),
    (
        "knowledge/genres/hardstyle.json",
        include_str!("../../../knowledge/genres/hardstyle.json"),
    ),
    (
        "knowledge/genres/hiphop.json",
        include_str!("../../../knowledge/genres/hiphop.json"),
    ),
    (
        "knowledge/genres/house.json",
        include_str!("../../../knowledge/genres/house.json"),
    ),
    (
        "knowledge/genres/lofi.json",
        include_str!("../../../knowledge/genres/lofi.json"),
    ),
    (
        "knowledge/genres/techno.json",
        include_str!("../../../knowledge/genres/techno.json"),
    ),
    (
        "knowledge/genres/trance.json",
        include_str!("../../../knowledge/genres/trance.json"),
    ),
];

/// Tempo bounds accepted in knowledge files (the sequencer's supported range).
const BPM_LIMITS: (f64, f64) = (20.0, 300.0);
/// Longest section accepted, in bars.
const MAX_SECTION_BARS: u32 = 256;

/// A knowledge file that does not parse or validate.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{file}{pointer}: {reason}")]
pub struct KnowledgeError {
    /// File name (`knowledge/genres/gabber.json`).
    pub file: String,
    /// JSON pointer of the offending value (`/bpm/min`), empty for the whole document.
    pub pointer: String,
    /// What is wrong.
    pub reason: String,
}

/// Tempo range of a genre.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BpmFact {
    /// Slowest usual tempo.
    pub min: f64,
    /// Most typical tempo.
    pub typical: f64,
    /// Fastest usual tempo.
    pub max: f64,
    /// Where the fact comes from.
    pub source: String,
}

/// Key tendencies of a genre.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFact {
    /// Common tonics, most typical first.
    pub tonics: Vec<String>,
    /// Common scales, most typical first.
    pub scales: Vec<String>,
    /// Where the fact comes from.
    pub source: String,
}

/// Drum skeleton: mini-notation pattern per drum role (one cycle = one bar).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrumsFact {
    /// Pattern per role (`kick`, `clap`, `hat`...).
    pub patterns: BTreeMap<String, String>,
    /// Where the fact comes from.
    pub source: String,
}

/// A typical progression in roman numerals.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgressionFact {
    /// Roman numerals (`i-VI-III-VII`).
    pub numerals: String,
    /// Where the fact comes from.
    pub source: String,
}

/// One section of a typical arrangement.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionLength {
    /// Section name (`intro`, `drop`).
    pub name: String,
    /// Length in bars.
    pub bars: u32,
}

/// Typical arrangement.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionsFact {
    /// Sections in order.
    pub lengths: Vec<SectionLength>,
    /// Where the fact comes from.
    pub source: String,
}

/// Typical instrument roles mapped to factory preset ids.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstrumentsFact {
    /// Preset ids per role, most typical first.
    pub roles: BTreeMap<String, Vec<String>>,
    /// Where the fact comes from.
    pub source: String,
}

/// Everything known about one genre.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Genre {
    /// Canonical id (`dnb`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Other accepted ids (`drum-and-bass`).
    pub aliases: Vec<String>,
    /// Tempo.
    pub bpm: BpmFact,
    /// Key tendencies.
    pub key: KeyFact,
    /// Drum skeleton.
    pub drums: DrumsFact,
    /// Typical progressions.
    pub progressions: Vec<ProgressionFact>,
    /// Typical arrangement.
    pub sections: SectionsFact,
    /// Instruments.
    pub instruments: InstrumentsFact,
}

/// The validated knowledge base.
#[derive(Debug, Clone)]
pub struct Knowledge {
    genres: Vec<Genre>,
}

impl Knowledge {
    /// Parses and validates the embedded knowledge files.
    pub fn load() -> Result<Knowledge, KnowledgeError> {
        Knowledge::from_sources(&GENRE_FILES)
    }

    /// Parses and validates knowledge from (file name, JSON text) pairs.
    pub fn from_sources(files: &[(&str, &str)]) -> Result<Knowledge, KnowledgeError> {
        let mut genres: Vec<Genre> = Vec::with_capacity(files.len());
        for (file, text) in files {
            let err = |pointer: String, reason: String| KnowledgeError {
                file: (*file).to_owned(),
                pointer,
                reason,
            };
            let mut de = serde_json::Deserializer::from_str(text);
            let genre: Genre = serde_path_to_error::deserialize(&mut de)
                .map_err(|e| err(json_pointer(&e.path().to_string()), e.inner().to_string()))?;
            validate(&genre).map_err(|(p, r)| err(p, r))?;
            for name in std::iter::once(&genre.id).chain(&genre.aliases) {
                if genres.iter().any(|g| g.matches(name)) {
                    return Err(err(
                        "/id".into(),
                        format!("genre id or alias {name:?} is defined twice"),
                    ));
                }
            }
            genres.push(genre);
        }
        Ok(Knowledge { genres })
    }

    /// All genres in file order.
    pub fn genres(&self) -> &[Genre] {
        &self.genres
    }

    /// The genre with this id or alias (case-insensitive; `_` and spaces count as `-`).
    pub fn genre(&self, name: &str) -> Option<&Genre> {
        let norm = normalise(name);
        self.genres.iter().find(|g| g.matches(&norm))
    }
}

impl Genre {
    fn matches(&self, normalised: &str) -> bool {
        normalise(&self.id) == normalised || self.aliases.iter().any(|a| normalise(a) == normalised)
    }
}

fn normalise(name: &str) -> String {
    name.trim()
        .chars()
        .map(|c| match c {
            ' ' | '_' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// Converts serde_path_to_error's dotted path (`bpm.min`, `lengths[2].bars`) to a JSON pointer.
pub(crate) fn json_pointer(path: &str) -> String {
    if path == "." {
        return String::new();
    }
    let mut out = String::new();
    for part in path.split('.') {
        let mut rest = part;
        if let Some(i) = rest.find('[') {
            out.push('/');
            out.push_str(&rest[..i]);
            rest = &rest[i..];
            for idx in rest.split(['[', ']']).filter(|s| !s.is_empty()) {
                out.push('/');
                out.push_str(idx);
            }
        } else {
            out.push('/');
            out.push_str(rest);
        }
    }
    out
}

fn check_source(pointer: &str, source: &str) -> Result<(), (String, String)> {
    if source.trim().is_empty() {
        return Err((
            format!("{pointer}/source"),
            "every fact needs a source".into(),
        ));
    }
    Ok(())
}

fn validate(g: &Genre) -> Result<(), (String, String)> {
    let fail = |p: &str, r: String| Err((p.to_owned(), r));
    if g.id.is_empty() || g.id != normalise(&g.id) {
        return fail("/id", "an id is non-empty lower-case kebab-case".into());
    }
    let b = &g.bpm;
    if !(BPM_LIMITS.0 <= b.min && b.min <= b.typical && b.typical <= b.max && b.max <= BPM_LIMITS.1)
    {
        return fail(
            "/bpm",
            format!(
                "need {} <= min <= typical <= max <= {}",
                BPM_LIMITS.0, BPM_LIMITS.1
            ),
        );
    }
    check_source("/bpm", &b.source)?;
    if g.key.tonics.is_empty() || g.key.scales.is_empty() {
        return fail("/key", "at least one tonic and one scale".into());
    }
    for (i, t) in g.key.tonics.iter().enumerate() {
        PitchClass::parse(t).map_err(|e| (format!("/key/tonics/{i}"), e.to_string()))?;
    }
    for (i, s) in g.key.scales.iter().enumerate() {
        ScaleKind::parse(s).map_err(|e| (format!("/key/scales/{i}"), e.to_string()))?;
    }
    check_source("/key", &g.key.source)?;
    if g.drums.patterns.is_empty() {
        return fail("/drums/patterns", "at least one drum pattern".into());
    }
    for (role, text) in &g.drums.patterns {
        parse_pattern(text).map_err(|e| (format!("/drums/patterns/{role}"), e.to_string()))?;
    }
    check_source("/drums", &g.drums.source)?;
    if g.progressions.is_empty() {
        return fail("/progressions", "at least one progression".into());
    }
    for (i, p) in g.progressions.iter().enumerate() {
        Progression::parse(&p.numerals)
            .map_err(|e| (format!("/progressions/{i}/numerals"), e.to_string()))?;
        check_source(&format!("/progressions/{i}"), &p.source)?;
    }
    if g.sections.lengths.is_empty() {
        return fail("/sections/lengths", "at least one section".into());
    }
    for (i, s) in g.sections.lengths.iter().enumerate() {
        if s.bars == 0 || s.bars > MAX_SECTION_BARS {
            return fail(
                &format!("/sections/lengths/{i}/bars"),
                format!("bars must be 1..={MAX_SECTION_BARS}"),
            );
        }
    }
    check_source("/sections", &g.sections.source)?;
    for (role, ids) in &g.instruments.roles {
        if ids.is_empty() {
            return fail(
                &format!("/instruments/roles/{role}"),
                "at least one preset id".into(),
            );
        }
        for (i, id) in ids.iter().enumerate() {
            if tonewheel_synth::factory_json(id).is_none() {
                return fail(
                    &format!("/instruments/roles/{role}/{i}"),
                    format!("no factory preset {id:?}"),
                );
            }
        }
    }
    check_source("/instruments", &g.instruments.source)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_knowledge_loads_with_every_required_genre_and_alias() {
        let k = Knowledge::load().unwrap();
        for id in [
            "gabber",
            "hardcore",
            "hardstyle",
            "techno",
            "house",
            "trance",
            "dnb",
            "dubstep",
            "hiphop",
            "lofi",
        ] {
            assert_eq!(k.genre(id).map(|g| g.id.as_str()), Some(id));
        }
        assert_eq!(k.genre("drum-and-bass").unwrap().id, "dnb");
        assert_eq!(k.genre("Hip Hop").unwrap().id, "hiphop");
        assert_eq!(k.genre("lo-fi").unwrap().id, "lofi");
        assert!(k.genre("polka").is_none());
        // Dubstep's tempo (Wikipedia: around 140) must lie in its range.
        let d = &k.genre("dubstep").unwrap().bpm;
        assert!(d.min <= 140.0 && 140.0 <= d.max);
    }

    fn with(edit: impl Fn(&mut serde_json::Value)) -> KnowledgeError {
        let mut v: serde_json::Value = serde_json::from_str(GENRE_FILES[0].1).unwrap();
        edit(&mut v);
        let text = v.to_string();
        Knowledge::from_sources(&[("x.json", &text)]).unwrap_err()
    }

    #[test]
    fn errors_name_file_and_pointer() {
        let e = with(|v| v["bpm"]["min"] = serde_json::json!("fast"));
        assert_eq!(
            (e.file.as_str(), e.pointer.as_str()),
            ("x.json", "/bpm/min")
        );
        assert_eq!(with(|v| v["bpm"]["min"] = 500.into()).pointer, "/bpm");
        assert_eq!(
            with(|v| v["key"]["scales"][0] = "klingon".into()).pointer,
            "/key/scales/0"
        );
        assert_eq!(
            with(|v| v["drums"]["patterns"]["kick"] = "bd [sd".into()).pointer,
            "/drums/patterns/kick"
        );
        assert_eq!(
            with(|v| v["progressions"][0]["numerals"] = "I-X".into()).pointer,
            "/progressions/0/numerals"
        );
        assert_eq!(
            with(|v| v["progressions"][0]["source"] = " ".into()).pointer,
            "/progressions/0/source"
        );
        assert_eq!(
            with(|v| v["sections"]["lengths"][1]["bars"] = 0.into()).pointer,
            "/sections/lengths/1/bars"
        );
        assert_eq!(
            with(|v| v["instruments"]["roles"]["kick"][0] = "no-such-preset".into()).pointer,
            "/instruments/roles/kick/0"
        );
        assert_eq!(with(|v| v["extra"] = 1.into()).pointer, "/extra");
        let dup = Knowledge::from_sources(&[GENRE_FILES[0], GENRE_FILES[0]]).unwrap_err();
        assert_eq!(dup.pointer, "/id");
    }
}
