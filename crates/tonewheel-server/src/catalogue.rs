//! The preset catalogue held in memory: the factory library plus an optional folder of user
//! presets, each with its original JSON and a content hash that names its cached previews.

use std::collections::HashMap;
use std::path::Path;

use sha2::{Digest, Sha256};
use tonewheel_synth::{Preset, MAX_PRESET_BYTES};

use crate::error::ServerError;

/// Where a preset came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PresetSource {
    /// Shipped inside the program.
    Factory,
    /// Loaded from the `--presets` folder.
    User,
    /// Loaded from the `--presets` folder, written by `tonewheel presets generate`
    /// (its metadata says `"source": "generated"`).
    Generated,
}

/// One preset of the catalogue.
#[derive(Debug)]
pub struct PresetEntry {
    /// Stable id (factory id, or the user file's stem).
    pub id: String,
    /// Where it came from.
    pub source: PresetSource,
    /// The validated preset.
    pub preset: Preset,
    /// The preset's JSON as written (served back unchanged).
    pub json: serde_json::Value,
    /// Hex SHA-256 (first 16 digits) of the engine version and the preset text: previews
    /// rendered by another engine version or from other text never share a cache file.
    pub content_hash: String,
}

/// Every preset, sorted by id, with an index by id.
#[derive(Debug, Default)]
pub struct Catalogue {
    entries: Vec<PresetEntry>,
    by_id: HashMap<String, usize>,
}

/// Hash of the engine version and the preset text, as 16 hex digits (64 bits: collisions
/// among a few thousand presets are out of reach, and file names stay short).
pub fn content_hash(text: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    hasher.update([0u8]);
    hasher.update(text.as_bytes());
    let digest = hasher.finalize();
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// Most user preset files read from one folder; a folder with more is refused rather than
/// loaded into memory without bound.
pub const MAX_USER_PRESETS: usize = 10_000;

impl Catalogue {
    /// Loads the factory presets and, when given, every `*.json` file of `user_dir`
    /// (not recursive). Any invalid user preset stops the load with its file and pointer.
    pub fn load(user_dir: Option<&Path>) -> Result<Self, ServerError> {
        let mut catalogue = Catalogue::default();
        for (id, loaded) in tonewheel_synth::factory_presets() {
            let preset = loaded.map_err(|source| ServerError::Preset { source })?;
            let text = tonewheel_synth::factory_json(id).unwrap_or_default();
            catalogue.push(id.to_string(), PresetSource::Factory, preset, text, id)?;
        }
        if let Some(dir) = user_dir {
            catalogue.load_folder(dir)?;
        }
        catalogue.entries.sort_by(|a, b| a.id.cmp(&b.id));
        catalogue.by_id = catalogue
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();
        Ok(catalogue)
    }

    fn load_folder(&mut self, dir: &Path) -> Result<(), ServerError> {
        let folder_err = |source| ServerError::Folder {
            path: dir.display().to_string(),
            source,
        };
        let mut paths = Vec::new();
        for item in std::fs::read_dir(dir).map_err(folder_err)? {
            let path = item.map_err(folder_err)?.path();
            if path.extension().is_some_and(|e| e == "json") && path.is_file() {
                paths.push(path);
                if paths.len() > MAX_USER_PRESETS {
                    return Err(folder_err(std::io::Error::other(format!(
                        "more than {MAX_USER_PRESETS} preset files"
                    ))));
                }
            }
        }
        // Sorted so that a duplicate id is always reported on the same file.
        paths.sort();
        for path in paths {
            let shown = path.display().to_string();
            let meta = std::fs::metadata(&path).map_err(|source| ServerError::Folder {
                path: shown.clone(),
                source,
            })?;
            if meta.len() > MAX_PRESET_BYTES as u64 {
                // from_file reports the size limit with the file name.
                Preset::from_file(&path).map_err(|source| ServerError::Preset { source })?;
            }
            let text = std::fs::read_to_string(&path).map_err(|source| ServerError::Folder {
                path: shown.clone(),
                source,
            })?;
            let preset = Preset::from_json(&text, &shown)
                .map_err(|source| ServerError::Preset { source })?;
            let id = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let source =
                if preset.metadata.get("source").and_then(|v| v.as_str()) == Some("generated") {
                    PresetSource::Generated
                } else {
                    PresetSource::User
                };
            self.push(id, source, preset, &text, &shown)?;
        }
        Ok(())
    }

    fn push(
        &mut self,
        id: String,
        source: PresetSource,
        preset: Preset,
        text: &str,
        shown: &str,
    ) -> Result<(), ServerError> {
        if self.entries.iter().any(|e| e.id == id) {
            return Err(ServerError::DuplicateId {
                id,
                path: shown.to_string(),
            });
        }
        // The text was validated by the synth parser, so it is JSON.
        let json = serde_json::from_str(text).unwrap_or(serde_json::Value::Null);
        self.entries.push(PresetEntry {
            content_hash: content_hash(text),
            id,
            source,
            preset,
            json,
        });
        Ok(())
    }

    /// Every preset, sorted by id.
    pub fn entries(&self) -> &[PresetEntry] {
        &self.entries
    }

    /// The preset with this id.
    pub fn get(&self, id: &str) -> Option<&PresetEntry> {
        self.by_id.get(id).map(|&i| &self.entries[i])
    }

    /// Number of presets.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no presets.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
