//! The presets table: factory, user and generated presets with their quality and acoustic
//! descriptors, filled by the server (which renders and assesses them) and read by search.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::error::StoreError;
use crate::files::{normalise_tag, real};
use crate::Store;

/// Where a preset comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PresetSource {
    /// Shipped with the program.
    Factory,
    /// Made or edited by a person.
    User,
    /// Made by `presets generate` or the producer.
    Generated,
}

impl PresetSource {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            PresetSource::Factory => "factory",
            PresetSource::User => "user",
            PresetSource::Generated => "generated",
        }
    }

    fn parse(text: &str) -> PresetSource {
        match text {
            "factory" => PresetSource::Factory,
            "generated" => PresetSource::Generated,
            _ => PresetSource::User,
        }
    }
}

/// One preset's catalogue entry (the preset JSON itself lives in its file or the factory set).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PresetRecord {
    /// Stable id (`bass-acid-303`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Role (`bass`, `pad`, ...).
    pub role: String,
    /// Tags (lower case).
    pub tags: Vec<String>,
    /// One-line description.
    pub description: String,
    /// Factory, user or generated.
    pub source: PresetSource,
    /// Hex digest of the preset JSON, to know when its render must be redone.
    pub content_hash: String,
    /// Quality score 0..1 of its preview render, when assessed.
    pub quality_score: Option<f64>,
    /// The full quality report, when assessed.
    pub quality: Option<Value>,
    /// Acoustic descriptors of its preview (brightness, attack, ...), when measured.
    pub descriptors: Option<Value>,
    /// Key of the cached preview audio, when rendered.
    pub preview_cache_key: Option<String>,
}

/// A filter over presets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresetQuery {
    /// Only this role.
    pub role: Option<String>,
    /// Only this source.
    pub source: Option<PresetSource>,
}

const PRESET_COLUMNS: &str = "id, name, role, tags_json, description, source, content_hash, \
     quality_score, quality_json, descriptors_json, preview_cache_key";

fn opt_json(
    text: Option<String>,
    column: &'static str,
    id: &str,
) -> Result<Option<Value>, sqlx::Error> {
    text.map(|t| {
        serde_json::from_str(&t).map_err(|source| {
            sqlx::Error::Decode(Box::new(StoreError::CorruptJson {
                table: "presets",
                column,
                row: id.to_string(),
                source,
            }))
        })
    })
    .transpose()
}

fn preset_row(row: &AnyRow) -> Result<PresetRecord, sqlx::Error> {
    let id: String = row.try_get("id")?;
    let tags_text: String = row.try_get("tags_json")?;
    let tags = match opt_json(Some(tags_text), "tags_json", &id)? {
        Some(Value::Array(items)) => items
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    let source: String = row.try_get("source")?;
    Ok(PresetRecord {
        name: row.try_get("name")?,
        role: row.try_get("role")?,
        tags,
        description: row.try_get("description")?,
        source: PresetSource::parse(&source),
        content_hash: row.try_get("content_hash")?,
        quality_score: row.try_get("quality_score")?,
        quality: opt_json(row.try_get("quality_json")?, "quality_json", &id)?,
        descriptors: opt_json(row.try_get("descriptors_json")?, "descriptors_json", &id)?,
        preview_cache_key: row.try_get("preview_cache_key")?,
        id,
    })
}

impl Store {
    /// Inserts a preset or replaces the entry with the same id (keeping its creation time).
    pub async fn upsert_preset(&self, preset: &PresetRecord) -> Result<(), StoreError> {
        self.upsert_presets(std::slice::from_ref(preset)).await
    }

    /// [`Store::upsert_preset`] for many presets in one transaction: all are written or none
    /// (a server syncing thousands of presets at start pays one commit, not thousands).
    pub async fn upsert_presets(&self, presets: &[PresetRecord]) -> Result<(), StoreError> {
        for preset in presets {
            if preset.id.trim().is_empty() {
                return Err(StoreError::Invalid {
                    field: "preset id",
                    expected: "a non-empty id",
                    found: preset.id.clone(),
                });
            }
        }
        let action = match presets {
            [one] => format!("storing preset {}", one.id),
            many => format!("storing {} presets", many.len()),
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let mut tx = self
            .begin_write()
            .await
            .map_err(StoreError::query(action.clone()))?;
        for preset in presets {
            write_preset(&mut tx, preset, now)
                .await
                .map_err(StoreError::query(format!("storing preset {}", preset.id)))?;
        }
        tx.commit().await.map_err(StoreError::query(action))
    }

    /// One preset by id.
    pub async fn get_preset(&self, id: &str) -> Result<Option<PresetRecord>, StoreError> {
        let sql = format!("SELECT {PRESET_COLUMNS} FROM presets WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .map_err(StoreError::query(format!("reading preset {id}")))?;
        row.as_ref()
            .map(preset_row)
            .transpose()
            .map_err(StoreError::query(format!("reading preset {id}")))
    }

    /// Presets matching `query`, ordered by role then id.
    pub async fn list_presets(&self, query: &PresetQuery) -> Result<Vec<PresetRecord>, StoreError> {
        // Unset filters bind NULL, so one statement covers every combination.
        let sql = format!(
            "SELECT {PRESET_COLUMNS} FROM presets WHERE ($1 IS NULL OR role = $1) \
             AND ($2 IS NULL OR source = $2) ORDER BY role, id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(query.role.as_deref())
            .bind(query.source.map(PresetSource::as_str))
            .fetch_all(self.pool())
            .await
            .map_err(StoreError::query("listing presets"))?;
        rows.iter()
            .map(preset_row)
            .collect::<Result<Vec<_>, _>>()
            .map_err(StoreError::query("listing presets"))
    }
}

/// UPDATE, then INSERT when nothing was updated: one spelling for both backends.
async fn write_preset(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    preset: &PresetRecord,
    now: i64,
) -> Result<(), sqlx::Error> {
    let tags: Vec<String> = preset.tags.iter().map(|t| normalise_tag(t)).collect();
    let updated = sqlx::query(
        "UPDATE presets SET name = $2, role = $3, tags_json = $4, description = $5, \
         source = $6, content_hash = $7, quality_score = CAST($8 AS DOUBLE PRECISION), quality_json = $9, \
         descriptors_json = $10, preview_cache_key = $11, updated_at_ms = $12 WHERE id = $1",
    )
    .bind(&preset.id)
    .bind(&preset.name)
    .bind(&preset.role)
    .bind(Value::from(tags.clone()).to_string())
    .bind(&preset.description)
    .bind(preset.source.as_str())
    .bind(&preset.content_hash)
    .bind(real(preset.quality_score))
    .bind(preset.quality.as_ref().map(Value::to_string))
    .bind(preset.descriptors.as_ref().map(Value::to_string))
    .bind(preset.preview_cache_key.as_deref())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() == 0 {
        sqlx::query(
            "INSERT INTO presets (id, name, role, tags_json, description, source, \
             content_hash, quality_score, quality_json, descriptors_json, \
             preview_cache_key, created_at_ms, updated_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, CAST($8 AS DOUBLE PRECISION), $9, $10, $11, $12, $12)",
        )
        .bind(&preset.id)
        .bind(&preset.name)
        .bind(&preset.role)
        .bind(Value::from(tags).to_string())
        .bind(&preset.description)
        .bind(preset.source.as_str())
        .bind(&preset.content_hash)
        .bind(real(preset.quality_score))
        .bind(preset.quality.as_ref().map(Value::to_string))
        .bind(preset.descriptors.as_ref().map(Value::to_string))
        .bind(preset.preview_cache_key.as_deref())
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
