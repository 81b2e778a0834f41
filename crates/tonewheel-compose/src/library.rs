//! The pattern library: named, tagged mini-notation patterns in a folder, one JSON file per
//! pattern (`<id>.json`) beside an audio preview (`<id>.wav`, a few bars rendered through the
//! default drum kit or the pattern's preset when it is added).
//!
//! The folder is the database: files are written atomically (temporary file + rename), ids
//! are checked before they become file names (no path leaves the folder), files larger than
//! [`MAX_ENTRY_BYTES`] are refused, and a listing stops at [`MAX_ENTRIES`].
//! Search ranks entries by how well the query's words match the name, tags and pattern text,
//! tolerating one typo in words of four letters or more.

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use tonewheel_audio::{AudioBuffer, BitDepth, Dither, WavOptions};

use crate::pattern::{parse_pattern, Node, PatternError, Value};
use crate::session::{
    render, InstrumentSpec, Master, Metadata, Playing, Section, Session, SessionContext, TrackSpec,
};
use crate::theory::KeyContext;

/// Largest pattern file read, bytes.
pub const MAX_ENTRY_BYTES: u64 = 1 << 20;
/// Most patterns listed from one folder.
pub const MAX_ENTRIES: usize = 100_000;
/// Bars rendered for a preview.
pub const PREVIEW_BARS: u32 = 2;
/// Sample rate of previews, Hz (what the render engine runs at by default).
pub const PREVIEW_SAMPLE_RATE: u32 = 48_000;
/// Preset of melodic previews when none is given: a short, neutral pluck that shows rhythm
/// and pitch clearly.
pub const DEFAULT_PREVIEW_PRESET: &str = "pluck-classic-saw";
/// Tempo of a pattern added without one, BPM.
pub const DEFAULT_BPM: f64 = 120.0;
/// Key of a pattern added without one (resolves scale degrees).
pub const DEFAULT_KEY: &str = "C minor";

/// What a pattern plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PatternKind {
    /// Drum symbols for a kit.
    Drums,
    /// Notes or scale degrees for a pitched instrument.
    Melodic,
}

/// One library pattern, as stored in `<id>.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PatternEntry {
    /// Stable id (`[a-z0-9-]`, from the name); also the file name.
    pub id: String,
    /// Name as given.
    pub name: String,
    /// Mini-notation text.
    pub text: String,
    /// Tags, lower case.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Drums or melodic.
    pub kind: PatternKind,
    /// Factory preset of the preview (melodic patterns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// Tempo of the preview, BPM.
    pub bpm: f64,
    /// Key that resolves scale degrees.
    pub key: String,
    /// When it was added (RFC 3339, UTC).
    pub created: String,
}

/// A pattern to add.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPattern {
    /// Name.
    pub name: String,
    /// Mini-notation text.
    pub text: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Preview preset (melodic patterns); default [`DEFAULT_PREVIEW_PRESET`].
    pub preset: Option<String>,
    /// Tempo; default [`DEFAULT_BPM`].
    pub bpm: Option<f64>,
    /// Key; default [`DEFAULT_KEY`].
    pub key: Option<String>,
}

/// Why a library operation failed.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum LibraryError {
    /// The pattern text does not parse.
    #[error("pattern {text:?} {source}")]
    Pattern {
        /// The text.
        text: String,
        /// Where and what was expected.
        #[source]
        source: PatternError,
    },
    /// A field is invalid.
    #[error("{field}: expected {expected}, found {found:?}")]
    Invalid {
        /// Which field.
        field: &'static str,
        /// What is accepted.
        expected: String,
        /// What was given.
        found: String,
    },
    /// No pattern with this id.
    #[error("no pattern {id:?} in {dir}")]
    NotFound {
        /// The id.
        id: String,
        /// The library folder.
        dir: String,
    },
    /// A stored or imported file is malformed.
    #[error("{path}{pointer}: {reason}")]
    Corrupt {
        /// The file.
        path: String,
        /// JSON pointer of the problem.
        pointer: String,
        /// What is wrong.
        reason: String,
    },
    /// Rendering the preview failed.
    #[error("preview of {id:?}: {reason}")]
    Preview {
        /// The pattern id.
        id: String,
        /// Why.
        reason: String,
    },
    /// Reading or writing files failed.
    #[error("{path}: {reason}")]
    Io {
        /// The file or folder.
        path: String,
        /// What failed.
        reason: String,
    },
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> LibraryError {
    LibraryError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

fn invalid(
    field: &'static str,
    expected: impl Into<String>,
    found: impl Into<String>,
) -> LibraryError {
    LibraryError::Invalid {
        field,
        expected: expected.into(),
        found: found.into(),
    }
}

fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// `"Amen Break #2"` → `"amen-break-2"` (at most 48 characters; `pattern` when nothing is left).
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 48 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() {
        "pattern".into()
    } else {
        out
    }
}

/// Drums when every atom is a sound symbol, melodic when every atom is a note or degree.
pub fn pattern_kind(text: &str) -> Result<PatternKind, LibraryError> {
    let p = parse_pattern(text).map_err(|source| LibraryError::Pattern {
        text: text.to_owned(),
        source,
    })?;
    fn walk(node: &Node, sounds: &mut bool, pitched: &mut bool) {
        match node {
            Node::Rest => {}
            Node::Atom(a) => match a.value {
                Value::Sound(_) => *sounds = true,
                Value::Note(_) | Value::Degree(_) => *pitched = true,
            },
            Node::Seq(steps) => steps.iter().for_each(|s| walk(&s.node, sounds, pitched)),
            Node::Stack(layers) => layers.iter().for_each(|l| walk(l, sounds, pitched)),
            Node::Fast(child, _) => walk(child, sounds, pitched),
        }
    }
    let (mut sounds, mut pitched) = (false, false);
    walk(p.root(), &mut sounds, &mut pitched);
    match (sounds, pitched) {
        (true, true) => Err(invalid(
            "text",
            "drum symbols or notes, not both in one pattern",
            text,
        )),
        (true, false) => Ok(PatternKind::Drums),
        (false, true) => Ok(PatternKind::Melodic),
        (false, false) => Err(invalid("text", "at least one note or drum symbol", text)),
    }
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The current time as RFC 3339 UTC (`2026-11-22T07:40:00Z`).
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// Levenshtein distance (for typo-tolerant search; words are short).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '#')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// How well one query word matches a field's words: exact 3, prefix 2, one typo 1.
fn word_score(query: &str, field: &[String]) -> f64 {
    field
        .iter()
        .map(|w| {
            if w == query {
                3.0
            } else if w.starts_with(query) && query.len() >= 2 {
                2.0
            } else if query.chars().count() >= 4 && edit_distance(query, w) <= 1 {
                1.0
            } else {
                0.0
            }
        })
        .fold(0.0, f64::max)
}

/// Relevance of `entry` for `query`: per query word, the best of name (weight 3), tags (2)
/// and pattern text (1); entries missing a word entirely score 0.
pub fn score(entry: &PatternEntry, query: &str) -> f64 {
    let name = words(&entry.name);
    let tags: Vec<String> = entry.tags.iter().flat_map(|t| words(t)).collect();
    let text = words(&entry.text);
    let q = words(query);
    if q.is_empty() {
        return 0.0;
    }
    let mut total = 0.0;
    for w in &q {
        let s = (3.0 * word_score(w, &name))
            .max(2.0 * word_score(w, &tags))
            .max(word_score(w, &text));
        if s == 0.0 {
            return 0.0;
        }
        total += s;
    }
    total
}

/// A library folder.
#[derive(Debug, Clone)]
pub struct Library {
    dir: PathBuf,
}

impl Library {
    /// The library in `dir` (created when the first pattern is added).
    pub fn open(dir: impl Into<PathBuf>) -> Library {
        Library { dir: dir.into() }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of a pattern's preview WAV.
    pub fn preview_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.wav"))
    }

    fn read_entry(path: &Path) -> Result<PatternEntry, LibraryError> {
        use std::io::Read;
        let file = std::fs::File::open(path).map_err(|e| io_err(path, e))?;
        let mut text = String::new();
        file.take(MAX_ENTRY_BYTES + 1)
            .read_to_string(&mut text)
            .map_err(|e| io_err(path, e))?;
        if text.len() as u64 > MAX_ENTRY_BYTES {
            return Err(LibraryError::Corrupt {
                path: path.display().to_string(),
                pointer: String::new(),
                reason: format!("larger than {MAX_ENTRY_BYTES} bytes"),
            });
        }
        parse_entry(&text).map_err(|(pointer, reason)| LibraryError::Corrupt {
            path: path.display().to_string(),
            pointer,
            reason,
        })
    }

    /// Every pattern, sorted by id. A missing folder is an empty library.
    pub fn entries(&self) -> Result<Vec<PatternEntry>, LibraryError> {
        let read = match std::fs::read_dir(&self.dir) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err(&self.dir, e)),
        };
        let mut paths: Vec<PathBuf> = read
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.extension().is_some_and(|e| e == "json")
                    && p.file_stem().and_then(|s| s.to_str()).is_some_and(valid_id)
            })
            .take(MAX_ENTRIES)
            .collect();
        paths.sort();
        paths.iter().map(|p| Library::read_entry(p)).collect()
    }

    /// The pattern `id`.
    pub fn get(&self, id: &str) -> Result<PatternEntry, LibraryError> {
        let not_found = || LibraryError::NotFound {
            id: id.to_owned(),
            dir: self.dir.display().to_string(),
        };
        if !valid_id(id) {
            return Err(not_found());
        }
        let path = self.dir.join(format!("{id}.json"));
        if !path.is_file() {
            return Err(not_found());
        }
        Library::read_entry(&path)
    }

    /// Patterns with `tag` (all with None), sorted by id.
    pub fn list(&self, tag: Option<&str>) -> Result<Vec<PatternEntry>, LibraryError> {
        let tag = tag.map(str::to_lowercase);
        Ok(self
            .entries()?
            .into_iter()
            .filter(|e| tag.as_ref().is_none_or(|t| e.tags.contains(t)))
            .collect())
    }

    /// Patterns matching `query`, best first (ties by id).
    pub fn search(&self, query: &str) -> Result<Vec<(f64, PatternEntry)>, LibraryError> {
        let mut hits: Vec<(f64, PatternEntry)> = self
            .entries()?
            .into_iter()
            .map(|e| (score(&e, query), e))
            .filter(|(s, _)| *s > 0.0)
            .collect();
        hits.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
        Ok(hits)
    }

    /// Validates `new`, renders its preview and stores both. The id comes from the name,
    /// with `-2`, `-3`... when taken.
    pub fn add(&self, new: &NewPattern) -> Result<PatternEntry, LibraryError> {
        let entry = check_new(new)?;
        let mut id = slug(&entry.name);
        let base = id.clone();
        let mut n = 1;
        while self.dir.join(format!("{id}.json")).exists() {
            n += 1;
            id = format!("{base}-{n}");
        }
        let entry = PatternEntry { id, ..entry };
        self.store(&entry)?;
        Ok(entry)
    }

    /// Writes the preview, then the JSON (so a listed pattern always has its preview).
    fn store(&self, entry: &PatternEntry) -> Result<(), LibraryError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| io_err(&self.dir, e))?;
        let audio = render_preview(entry)?;
        let wav = self.preview_path(&entry.id);
        tonewheel_audio::write_wav(
            &wav,
            &audio,
            &WavOptions {
                bit_depth: BitDepth::Int16,
                dither: Dither::Tpdf { seed: 0 },
            },
        )
        .map_err(|e| io_err(&wav, e))?;
        let path = self.dir.join(format!("{}.json", entry.id));
        let tmp = self.dir.join(format!(".{}.json.tmp", entry.id));
        let json = serde_json::to_string_pretty(entry).unwrap_or_default() + "\n";
        std::fs::write(&tmp, json).map_err(|e| io_err(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| io_err(&path, e))?;
        Ok(())
    }

    /// Adds every pattern of an export file (`{"patterns": [...]}`); ids are re-derived so
    /// nothing in the library is overwritten. Returns the stored entries.
    pub fn import_json(&self, text: &str, source: &str) -> Result<Vec<PatternEntry>, LibraryError> {
        let export: ExportFile =
            parse_json(text).map_err(|(pointer, reason)| LibraryError::Corrupt {
                path: source.to_owned(),
                pointer,
                reason,
            })?;
        // Validate everything before writing anything, so a bad file adds nothing.
        let news: Vec<NewPattern> = export
            .patterns
            .iter()
            .map(|e| NewPattern {
                name: e.name.clone(),
                text: e.text.clone(),
                tags: e.tags.clone(),
                preset: e.preset.clone(),
                bpm: Some(e.bpm),
                key: Some(e.key.clone()),
            })
            .collect();
        for n in &news {
            check_new(n)?;
        }
        news.iter().map(|n| self.add(n)).collect()
    }
}

/// The export format: `{"patterns": [entry, ...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportFile {
    /// The patterns.
    pub patterns: Vec<PatternEntry>,
}

fn parse_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, (String, String)> {
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        (
            crate::knowledge::json_pointer(&e.path().to_string()),
            e.inner().to_string(),
        )
    })
}

fn parse_entry(text: &str) -> Result<PatternEntry, (String, String)> {
    let e: PatternEntry = parse_json(text)?;
    if !valid_id(&e.id) {
        return Err(("/id".into(), "1-64 characters of a-z, 0-9 and -".into()));
    }
    Ok(e)
}

fn check_new(new: &NewPattern) -> Result<PatternEntry, LibraryError> {
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 128 {
        return Err(invalid("name", "1-128 characters", name));
    }
    let kind = pattern_kind(&new.text)?;
    if new.tags.len() > 32 {
        return Err(invalid(
            "tags",
            "at most 32 tags",
            new.tags.len().to_string(),
        ));
    }
    let mut tags = Vec::new();
    for t in &new.tags {
        let t = t.trim().to_lowercase();
        if t.is_empty() || t.chars().count() > 32 || t.contains(',') {
            return Err(invalid("tags", "1-32 characters per tag, no commas", t));
        }
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    let bpm = new.bpm.unwrap_or(DEFAULT_BPM);
    if !(20.0..=300.0).contains(&bpm) {
        return Err(invalid("bpm", "20..=300", bpm.to_string()));
    }
    let key_text = new.key.clone().unwrap_or_else(|| DEFAULT_KEY.into());
    let key = KeyContext::parse(&key_text)
        .map_err(|e| invalid("key", format!("a key like \"F minor\" ({e})"), &key_text))?;
    let preset = match kind {
        PatternKind::Drums => None,
        PatternKind::Melodic => {
            let id = new
                .preset
                .clone()
                .unwrap_or_else(|| DEFAULT_PREVIEW_PRESET.into());
            if tonewheel_synth::factory_json(&id).is_none() {
                return Err(invalid("preset", "a factory preset id", id));
            }
            Some(id)
        }
    };
    Ok(PatternEntry {
        id: String::new(),
        name: name.to_owned(),
        text: new.text.clone(),
        tags,
        kind,
        preset,
        bpm,
        key: key.to_string(),
        created: now_rfc3339(),
    })
}

/// A one-track session playing the pattern for [`PREVIEW_BARS`] bars.
pub fn preview_session(entry: &PatternEntry) -> Session {
    let instrument = match (&entry.kind, &entry.preset) {
        (PatternKind::Melodic, Some(p)) => InstrumentSpec::Preset(p.clone()),
        (PatternKind::Melodic, None) => InstrumentSpec::Preset(DEFAULT_PREVIEW_PRESET.into()),
        (PatternKind::Drums, _) => InstrumentSpec::Drums(Default::default()),
    };
    Session {
        metadata: Metadata {
            title: format!("preview of {}", entry.name),
            genre: None,
            description: String::new(),
        },
        context: SessionContext {
            bpm: entry.bpm,
            key: entry.key.clone(),
            time_signature: [4, 4],
            seed: 0,
            sample_rate: PREVIEW_SAMPLE_RATE,
            a4_hz: 440.0,
            tail_s: 0.5,
        },
        arrangement: vec![Section {
            name: "preview".into(),
            bars: PREVIEW_BARS,
            bpm: None,
        }],
        tracks: vec![TrackSpec {
            id: "pattern".into(),
            instrument,
            patterns: [("default".to_string(), entry.text.clone())]
                .into_iter()
                .collect(),
            playing: Playing::default(),
            fx: Vec::new(),
            channel: Default::default(),
            sidechain: None,
            automation: Vec::new(),
            lfos: Vec::new(),
            clip: None,
        }],
        returns: Vec::new(),
        master: Master {
            // Same ceiling as generated sessions: previews never clip.
            fx: vec![tonewheel_synth::format::StageFile::with_numbers(
                "limiter",
                "limiter",
                &[("ceiling", -1.0)],
            )],
            volume_db: 0.0,
        },
    }
}

/// Renders the preview audio of `entry`.
pub fn render_preview(entry: &PatternEntry) -> Result<AudioBuffer, LibraryError> {
    let err = |reason: String| LibraryError::Preview {
        id: entry.id.clone(),
        reason,
    };
    let r = render(&preview_session(entry)).map_err(|e| err(e.to_string()))?;
    AudioBuffer::from_channels(r.sample_rate, vec![r.mix_left, r.mix_right])
        .map_err(|e| err(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(name: &str, text: &str, tags: &[&str]) -> NewPattern {
        NewPattern {
            name: name.into(),
            text: text.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            preset: None,
            bpm: Some(140.0),
            key: None,
        }
    }

    #[test]
    fn add_list_search_show_and_reimport() {
        let dir = tempfile::tempdir().unwrap();
        let lib = Library::open(dir.path().join("lib"));
        assert!(lib.entries().unwrap().is_empty());
        let a = lib
            .add(&new(
                "Four on the floor",
                "bd*4, [~ hh]*4",
                &["techno", "house"],
            ))
            .unwrap();
        assert_eq!(a.id, "four-on-the-floor");
        assert_eq!(a.kind, PatternKind::Drums);
        let b = lib
            .add(&new("Acid line", "c2 c3 eb2 [g2 f2]", &["Acid"]))
            .unwrap();
        assert_eq!(b.kind, PatternKind::Melodic);
        assert_eq!(b.preset.as_deref(), Some(DEFAULT_PREVIEW_PRESET));
        assert_eq!(b.tags, vec!["acid"]);
        let again = lib.add(&new("Acid line", "c2*4", &[])).unwrap();
        assert_eq!(again.id, "acid-line-2");
        // The preview is 2 bars at 140 BPM plus a 0.5 s tail: 2 * 4 * 60 / 140 + 0.5 s.
        let wav = tonewheel_audio::read_all(lib.preview_path(&a.id)).unwrap();
        let expected_s = 2.0 * 4.0 * 60.0 / 140.0 + 0.5;
        assert!(
            (wav.duration_s() - expected_s).abs() < 1e-3,
            "{}",
            wav.duration_s()
        );
        assert!(wav.peak_dbfs() > -30.0 && wav.peak_dbfs() <= 0.0);
        assert_eq!(lib.list(Some("techno")).unwrap().len(), 1);
        assert_eq!(lib.list(None).unwrap().len(), 3);
        let hits = lib.search("acid").unwrap();
        assert_eq!(hits[0].1.id, "acid-line");
        assert_eq!(hits.len(), 2);
        // One typo still finds it; words missing from a pattern exclude it.
        assert_eq!(lib.search("techo").unwrap()[0].1.id, "four-on-the-floor");
        assert!(lib.search("acid techno").unwrap().is_empty());
        assert_eq!(lib.get("acid-line").unwrap(), b);
        assert!(matches!(
            lib.get("../etc"),
            Err(LibraryError::NotFound { .. })
        ));

        let export = serde_json::to_string(&ExportFile {
            patterns: vec![a.clone()],
        })
        .unwrap();
        let other = Library::open(dir.path().join("other"));
        let imported = other.import_json(&export, "export.json").unwrap();
        assert_eq!(imported[0].text, a.text);
        assert_eq!(imported[0].tags, a.tags);
    }

    #[test]
    fn bad_patterns_say_where() {
        let dir = tempfile::tempdir().unwrap();
        let lib = Library::open(dir.path());
        let e = lib.add(&new("bad", "bd [sd", &[])).unwrap_err();
        match e {
            LibraryError::Pattern { source, .. } => assert_eq!(source.position, 6),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            lib.add(&new("mixed", "bd c3", &[])),
            Err(LibraryError::Invalid { field: "text", .. })
        ));
        assert!(lib.entries().unwrap().is_empty(), "nothing half-written");
        let bad = lib
            .import_json(r#"{"patterns": [{"id": 3}]}"#, "x.json")
            .unwrap_err();
        assert!(
            matches!(bad, LibraryError::Corrupt { ref pointer, .. } if pointer == "/patterns/0/id"),
            "{bad:?}"
        );
    }

    #[test]
    fn dates_and_slugs() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_414), (2025, 11, 22));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(slug("Amen Break #2!"), "amen-break-2");
        assert_eq!(slug("***"), "pattern");
        assert_eq!(edit_distance("techno", "techo"), 1);
    }
}
