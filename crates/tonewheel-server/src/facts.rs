//! What a preset measures: acoustic descriptors and the quality summary of its default
//! preview, keyed by its content hash.
//!
//! Factory presets ship theirs in `presets/factory-descriptors.json` (built into the program,
//! regenerated with `TONEWHEEL_UPDATE_DOCS=1 cargo test -p tonewheel-server --test
//! factory_descriptors`, and checked against every factory preset's content hash by that
//! test, so it cannot go stale). User and generated presets get theirs from their first
//! default-preview render, kept in memory and on disk as
//! `<data>/descriptors/<content-hash>-d<version>.json`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};
use tonewheel_analysis::{
    assess_quality_with, describe, DescribeOptions, Descriptors, DESCRIPTORS_VERSION,
};
use tonewheel_synth::{Preset, RenderRequest, RenderResult, SynthError};
use utoipa::ToSchema;

use crate::catalogue::Catalogue;

/// The factory facts built into the program.
pub const FACTORY_FACTS_JSON: &str = include_str!("../../../presets/factory-descriptors.json");
/// Format version of the factory facts file.
pub const FACTS_FILE_VERSION: u32 = 1;
/// Largest facts file read from the disk cache (a real one is about 1 KB).
pub const MAX_FACTS_FILE_BYTES: u64 = 64 * 1024;

/// A hard failure of the quality gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ViolationSummary {
    /// Stable code (`silent`, `clipping`, ...).
    pub code: String,
    /// Explanation with the measured numbers.
    pub message: String,
}

/// The quality gate's verdict on the default preview (seed 000's `assess_quality` shape).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QualitySummary {
    /// Weighted geometric mean of the four components, 0..1.
    pub overall_score: f32,
    /// How much it measures like its role, 0..1.
    pub semantic_match: f32,
    /// Headroom, loudness, DC, crest, mono compatibility, 0..1.
    pub mix_readiness: f32,
    /// Aliasing, harshness, noise floor, 0..1.
    pub perceptual_quality: f32,
    /// Finite, sane level, decays, releases, 0..1.
    pub stability: f32,
    /// Hard failures.
    pub violations: Vec<ViolationSummary>,
    /// Soft issues.
    pub warnings: Vec<String>,
}

/// Descriptors and quality of one preset's default preview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PresetFacts {
    /// Acoustic descriptors (rounded to four significant digits).
    pub descriptors: Descriptors,
    /// Quality summary.
    pub quality: QualitySummary,
}

/// The quality-gate options of a render: its note-off and, for tonal roles, its pitch (the
/// same facts `POST /api/render` passes).
pub(crate) fn quality_options(
    preset: &Preset,
    request: &RenderRequest,
) -> tonewheel_analysis::QualityOptions {
    tonewheel_analysis::QualityOptions {
        note_off_s: Some(request.hold_s),
        expected_pitch_hz: (!preset.role.is_percussive())
            .then(|| request.context.a4_hz * 2f64.powf((request.note - 69.0) / 12.0)),
    }
}

/// The facts of a rendered default preview.
pub fn facts_of(preset: &Preset, request: &RenderRequest, result: &RenderResult) -> PresetFacts {
    let descriptors = describe(
        &result.audio,
        &DescribeOptions {
            note_off_s: Some(request.hold_s),
        },
    )
    .rounded();
    let q = assess_quality_with(
        &result.audio,
        preset.role,
        &request.context,
        &quality_options(preset, request),
    );
    PresetFacts {
        descriptors,
        quality: QualitySummary {
            overall_score: round4(q.overall_score),
            semantic_match: round4(q.semantic_match),
            mix_readiness: round4(q.mix_readiness),
            perceptual_quality: round4(q.perceptual_quality),
            stability: round4(q.stability),
            violations: q
                .violations
                .into_iter()
                .map(|v| ViolationSummary {
                    code: v.code,
                    message: v.message,
                })
                .collect(),
            warnings: q.warnings,
        },
    }
}

fn round4(x: f32) -> f32 {
    (x * 10_000.0).round() / 10_000.0
}

/// The default preview request of a preset: its own preview (note, velocity, hold, two
/// seconds of tail), with the length in whole milliseconds (the preview file's name).
pub fn default_request(preset: &Preset) -> RenderRequest {
    let mut request = RenderRequest::preview(preset);
    request.duration_s = (request.duration_s * 1000.0).round() / 1000.0;
    request.hold_s = request.hold_s.min(request.duration_s);
    request
}

/// Renders the default preview and measures it.
pub fn render_facts(preset: &Preset) -> Result<PresetFacts, SynthError> {
    let request = default_request(preset);
    let result = tonewheel_synth::render(preset, &request)?;
    Ok(facts_of(preset, &request, &result))
}

/// One entry of the factory facts file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FactoryEntry {
    /// Factory id.
    pub id: String,
    /// Content hash of the preset the facts were measured on.
    pub content_hash: String,
    /// The facts.
    #[serde(flatten)]
    pub facts: PresetFacts,
}

/// `presets/factory-descriptors.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FactoryFacts {
    /// [`FACTS_FILE_VERSION`].
    pub version: u32,
    /// [`DESCRIPTORS_VERSION`] of the formulas that measured them.
    pub descriptors_version: u32,
    /// One entry per factory preset, by id.
    pub presets: Vec<FactoryEntry>,
}

impl FactoryFacts {
    /// The file built into the program; empty (everything measured lazily) if it does not
    /// parse or was measured by other descriptor formulas. The factory test fails in both
    /// cases, so a release never ships that way.
    pub fn builtin() -> FactoryFacts {
        serde_json::from_str::<FactoryFacts>(FACTORY_FACTS_JSON)
            .ok()
            .filter(|f| {
                f.version == FACTS_FILE_VERSION && f.descriptors_version == DESCRIPTORS_VERSION
            })
            .unwrap_or(FactoryFacts {
                version: FACTS_FILE_VERSION,
                descriptors_version: DESCRIPTORS_VERSION,
                presets: Vec::new(),
            })
    }

    /// The file's text: one preset per line, sorted by id, so diffs show which presets
    /// changed.
    pub fn to_json(&self) -> String {
        let mut entries: Vec<&FactoryEntry> = self.presets.iter().collect();
        entries.sort_by(|a, b| a.id.cmp(&b.id));
        let lines: Vec<String> = entries
            .iter()
            .map(|e| serde_json::to_string(e).unwrap_or_default())
            .collect();
        format!(
            "{{\"version\": {}, \"descriptors_version\": {}, \"presets\": [\n{}\n]}}\n",
            self.version,
            self.descriptors_version,
            lines.join(",\n")
        )
    }
}

/// Facts known to the server, by content hash, with their disk cache.
#[derive(Debug)]
pub struct FactsStore {
    dir: PathBuf,
    known: RwLock<HashMap<String, Arc<PresetFacts>>>,
}

impl FactsStore {
    /// The store for `catalogue`: factory facts whose hash matches, then whatever the disk
    /// cache `dir` holds for the other presets (unreadable or corrupt files are skipped and
    /// measured again).
    pub fn load(dir: PathBuf, catalogue: &Catalogue, factory: &FactoryFacts) -> FactsStore {
        let mut known = HashMap::new();
        let by_id: HashMap<&str, &FactoryEntry> =
            factory.presets.iter().map(|e| (e.id.as_str(), e)).collect();
        for entry in catalogue.entries() {
            if let Some(f) = by_id
                .get(entry.id.as_str())
                .filter(|f| f.content_hash == entry.content_hash)
            {
                known.insert(entry.content_hash.clone(), Arc::new(f.facts.clone()));
                continue;
            }
            if let Some(facts) = read_cached(&cache_path(&dir, &entry.content_hash)) {
                known.insert(entry.content_hash.clone(), Arc::new(facts));
            }
        }
        FactsStore {
            dir,
            known: RwLock::new(known),
        }
    }

    /// The facts of the preset with this content hash, when measured.
    pub fn get(&self, content_hash: &str) -> Option<Arc<PresetFacts>> {
        self.known
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(content_hash)
            .cloned()
    }

    /// Number of presets measured.
    pub fn len(&self) -> usize {
        self.known.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// True when nothing is measured.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Keeps `facts` in memory and writes them to the disk cache (atomically). A failed
    /// write is logged: the facts are still served, and measured again after a restart.
    pub fn insert(&self, content_hash: &str, facts: PresetFacts) -> Arc<PresetFacts> {
        let facts = Arc::new(facts);
        if let Err(e) = write_cached(&self.dir, content_hash, &facts) {
            tracing::warn!("cannot cache descriptors of {content_hash}: {e}");
        }
        self.known
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(content_hash.to_string(), facts.clone());
        facts
    }
}

/// The cache file of a content hash (hashes are hex digits made by the server).
fn cache_path(dir: &Path, content_hash: &str) -> PathBuf {
    dir.join(format!("{content_hash}-d{DESCRIPTORS_VERSION}.json"))
}

fn read_cached(path: &Path) -> Option<PresetFacts> {
    let meta = std::fs::metadata(path).ok()?;
    if meta.len() > MAX_FACTS_FILE_BYTES {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

fn write_cached(dir: &Path, content_hash: &str, facts: &PresetFacts) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let text = serde_json::to_string(facts).map_err(std::io::Error::other)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut tmp, text.as_bytes())?;
    tmp.persist(cache_path(dir, content_hash))
        .map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_disk_cache_round_trips_and_skips_corrupt_files() {
        let dir = tempfile::tempdir().unwrap();
        let catalogue = Catalogue::load(None).unwrap();
        let entry = &catalogue.entries()[0];
        let facts = render_facts(&entry.preset).unwrap();
        let empty = FactoryFacts {
            version: FACTS_FILE_VERSION,
            descriptors_version: DESCRIPTORS_VERSION,
            presets: Vec::new(),
        };
        let store = FactsStore::load(dir.path().to_path_buf(), &catalogue, &empty);
        assert!(store.is_empty());
        store.insert(&entry.content_hash, facts.clone());
        assert_eq!(store.get(&entry.content_hash).as_deref(), Some(&facts));
        let again = FactsStore::load(dir.path().to_path_buf(), &catalogue, &empty);
        assert_eq!(again.len(), 1);
        assert_eq!(again.get(&entry.content_hash).as_deref(), Some(&facts));
        // A corrupt or oversized cache file is ignored (measured again), never trusted.
        std::fs::write(cache_path(dir.path(), &entry.content_hash), "{not json").unwrap();
        assert!(FactsStore::load(dir.path().to_path_buf(), &catalogue, &empty).is_empty());
        let big = "x".repeat(MAX_FACTS_FILE_BYTES as usize + 1);
        std::fs::write(cache_path(dir.path(), &entry.content_hash), big).unwrap();
        assert!(FactsStore::load(dir.path().to_path_buf(), &catalogue, &empty).is_empty());
    }

    #[test]
    fn the_factory_file_serialises_one_preset_per_line() {
        let facts = FactoryFacts::builtin();
        let text = facts.to_json();
        let parsed: FactoryFacts = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed.presets.len(), facts.presets.len());
        assert_eq!(text.lines().count(), facts.presets.len() + 2);
    }
}
