//! Keeping the store's `presets` table in step with the catalogue and its measured facts, so
//! that other programs (`tonewheel presets search --data DIR`, SQL) see what the server
//! knows: id, name, role, tags, description, source, content hash, quality, descriptors and
//! the default preview's cache key.

use std::collections::HashMap;

use tonewheel_store::{PresetQuery, PresetRecord, PresetSource as StoredSource, Store, StoreError};

use crate::catalogue::{Catalogue, PresetEntry, PresetSource};
use crate::facts::PresetFacts;
use crate::preset_library::{default_preview, PresetLibrary};

/// Presets written per transaction: large enough that thousands cost a few commits, small
/// enough that one transaction never holds the SQLite write lock for long.
pub const SYNC_BATCH: usize = 500;

/// The store row of a catalogue preset.
pub fn preset_record(entry: &PresetEntry, facts: Option<&PresetFacts>) -> PresetRecord {
    let (key, _) = default_preview(entry);
    PresetRecord {
        id: entry.id.clone(),
        name: entry.preset.name.clone(),
        role: entry.preset.role.name().to_string(),
        tags: entry.preset.tags.clone(),
        description: entry.preset.description.clone(),
        source: match entry.source {
            PresetSource::Factory => StoredSource::Factory,
            PresetSource::User => StoredSource::User,
            PresetSource::Generated => StoredSource::Generated,
        },
        content_hash: entry.content_hash.clone(),
        quality_score: facts.map(|f| f64::from(f.quality.overall_score)),
        quality: facts.and_then(|f| serde_json::to_value(&f.quality).ok()),
        descriptors: facts.and_then(|f| serde_json::to_value(&f.descriptors).ok()),
        preview_cache_key: Some(key),
    }
}

/// Writes every catalogue preset whose row is missing or differs from what the server
/// knows; returns how many rows were written. Rows of presets no longer in the catalogue
/// are left alone (another server may serve them).
pub async fn sync_presets(
    store: &Store,
    catalogue: &Catalogue,
    library: &PresetLibrary,
) -> Result<usize, StoreError> {
    let stored: HashMap<String, PresetRecord> = store
        .list_presets(&PresetQuery::default())
        .await?
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect();
    let changed: Vec<PresetRecord> = catalogue
        .entries()
        .iter()
        .map(|e| preset_record(e, library.facts(e).as_deref()))
        .filter(|r| stored.get(&r.id).is_none_or(|s| !same_row(s, r)))
        .collect();
    for batch in changed.chunks(SYNC_BATCH) {
        store.upsert_presets(batch).await?;
    }
    Ok(changed.len())
}

/// Rows compare equal when everything the server writes matches. Numbers come back from
/// the database's JSON text within a unit of the last place (serde_json's default float
/// parser is not exactly round-trip), so JSON numbers compare with a relative tolerance.
fn same_row(stored: &PresetRecord, new: &PresetRecord) -> bool {
    let tags =
        |t: &[String]| -> Vec<String> { t.iter().map(|x| x.trim().to_lowercase()).collect() };
    stored.name == new.name
        && stored.role == new.role
        && tags(&stored.tags) == tags(&new.tags)
        && stored.description == new.description
        && stored.source == new.source
        && stored.content_hash == new.content_hash
        && json_close(stored.quality.as_ref(), new.quality.as_ref())
        && json_close(stored.descriptors.as_ref(), new.descriptors.as_ref())
        && stored.preview_cache_key == new.preview_cache_key
}

fn json_close(a: Option<&serde_json::Value>, b: Option<&serde_json::Value>) -> bool {
    use serde_json::Value;
    match (a, b) {
        (None, None) => true,
        (Some(Value::Number(x)), Some(Value::Number(y))) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => (x - y).abs() <= 1e-12 * x.abs().max(y.abs()),
            _ => x == y,
        },
        (Some(Value::Array(x)), Some(Value::Array(y))) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_close(Some(x), Some(y)))
        }
        (Some(Value::Object(x)), Some(Value::Object(y))) => {
            x.len() == y.len() && x.iter().all(|(k, v)| json_close(Some(v), y.get(k)))
        }
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonewheel_store::StoreConfig;

    #[tokio::test]
    async fn sync_writes_every_preset_once_then_only_changes() {
        let data = tempfile::tempdir().unwrap();
        let catalogue = Catalogue::load(None).unwrap();
        let library = PresetLibrary::load(&catalogue, data.path()).unwrap();
        let store = Store::open(&StoreConfig {
            data_dir: data.path().to_path_buf(),
            database_url: None,
        })
        .await
        .unwrap();
        let written = sync_presets(&store, &catalogue, &library).await.unwrap();
        assert_eq!(written, catalogue.len());
        let rows = store.list_presets(&PresetQuery::default()).await.unwrap();
        assert_eq!(rows.len(), catalogue.len());
        let acid = rows.iter().find(|r| r.id == "bass-acid-303").unwrap();
        assert_eq!(acid.role, "bass");
        assert_eq!(acid.source, StoredSource::Factory);
        // Factory presets carry their committed descriptors and quality into the table.
        let d = acid.descriptors.as_ref().expect("descriptors stored");
        assert!(d["centroid_hz"].as_f64().unwrap() > 0.0, "{d}");
        let q = acid.quality_score.unwrap();
        assert!((0.0..=1.0).contains(&q), "{q}");
        assert_eq!(sync_presets(&store, &catalogue, &library).await.unwrap(), 0);
    }
}
